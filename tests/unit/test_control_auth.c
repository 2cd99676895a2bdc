/*
 * Unit tests for feature/control/control_auth: the "16:" S2K password
 * hash (protocol-notes A.4), SAFECOOKIE hashes against values computed
 * independently with Python's hmac module, the password challenge-
 * response, replay against a fresh server nonce, and the cookie file.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "feature/control/control_auth.h"
#include "lib/crypto.h"
#include "lib/util.h"

static void
hex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(util_hex_decode(s, strlen(s), out, n), 0);
}

static const char foo_hash[] = "16:660537E3E1CD49996044A3BF558097A981F539FEA2F9DA662B4626C1C2";

/* Appendix A.4: password "foo". */
static void
test_pwhash_vector(void **state)
{
	struct control_pwhash h;
	uint8_t salt[8], key[20], got[20];
	char s[CONTROL_PWHASH_STRLEN];

	assert_int_equal(control_auth_pwhash_parse(foo_hash, &h), 0);
	hex("660537E3E1CD4999", salt, 8);
	assert_memory_equal(h.ph_salt, salt, 8);
	assert_int_equal(h.ph_c, 0x60);
	hex("44A3BF558097A981F539FEA2F9DA662B4626C1C2", key, 20);
	assert_memory_equal(h.ph_key, key, 20);
	control_auth_s2k(salt, 0x60, "foo", 3, got);
	assert_memory_equal(got, key, 20);
	assert_true(control_auth_pwhash_check(&h, "foo", 3));
	assert_false(control_auth_pwhash_check(&h, "fo", 2));
	assert_false(control_auth_pwhash_check(&h, "foO", 3));
	control_auth_pwhash_format(&h, s);
	assert_string_equal(s, foo_hash);
}

static void
test_pwhash_bad(void **state)
{
	struct control_pwhash h;

	assert_int_equal(control_auth_pwhash_parse("", &h), -1);
	assert_int_equal(control_auth_pwhash_parse("16:", &h), -1);
	assert_int_equal(control_auth_pwhash_parse(
	    "17:660537E3E1CD49996044A3BF558097A981F539FEA2F9DA662B4626C1C2", &h), -1);
	assert_int_equal(control_auth_pwhash_parse(
	    "16:660537E3E1CD49996044A3BF558097A981F539FEA2F9DA662B4626C1C", &h), -1);
	assert_int_equal(control_auth_pwhash_parse(
	    "16:660537E3E1CD49996044A3BF558097A981F539FEA2F9DA662B4626C1CZ", &h), -1);
	assert_int_equal(control_auth_pwhash_parse(
	    "16:660537E3E1CD49996044A3BF558097A981F539FEA2F9DA662B4626C1C200", &h), -1);
}

static void
test_pwhash_new(void **state)
{
	struct control_pwhash a, b;
	char s[CONTROL_PWHASH_STRLEN];

	control_auth_pwhash_new("secret", 6, &a);
	control_auth_pwhash_new("secret", 6, &b);
	assert_int_equal(a.ph_c, 0x60);
	/* Fresh salt each time. */
	assert_memory_not_equal(a.ph_salt, b.ph_salt, 8);
	assert_true(control_auth_pwhash_check(&a, "secret", 6));
	assert_false(control_auth_pwhash_check(&a, "Secret", 6));
	control_auth_pwhash_format(&a, s);
	assert_int_equal(control_auth_pwhash_parse(s, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void
test_safecookie_vector(void **state)
{
	uint8_t cookie[32], cn[32], sn[32], sh[32], ch[32], want[32];

	memset(cookie, 1, 32);
	memset(cn, 2, 32);
	memset(sn, 3, 32);
	control_auth_hashes(CONTROL_AUTH_SAFECOOKIE, cookie, 32, cn, 32, sn, sh, ch);
	hex("1830d2de6e061e60adfa2c0c2a9257b7126e51b074f39bd4519d89229df08827", want, 32);
	assert_memory_equal(sh, want, 32);
	hex("8d81b806c8314911da68057896783b1f28f640a588c9a2cfe902d371806bbf1a", want, 32);
	assert_memory_equal(ch, want, 32);
}

/* A wrong cookie, or an answer replayed against a new nonce, fails. */
static void
test_safecookie_wrong_and_replay(void **state)
{
	uint8_t cookie[32], bad[32], cn[32], sn1[32], sn2[32];
	uint8_t ch1[32], ch_bad[32], expect2[32], sh[32], sh_bad[32];

	crypto_rand(cookie, 32);
	memcpy(bad, cookie, 32);
	bad[31] ^= 1;
	crypto_rand(cn, 32);
	crypto_rand(sn1, 32);
	crypto_rand(sn2, 32);
	/* The client's answer to the first challenge. */
	control_auth_hashes(CONTROL_AUTH_SAFECOOKIE, cookie, 32, cn, 32, sn1, sh, ch1);
	/* A wrong cookie gives different hashes both ways. */
	control_auth_hashes(CONTROL_AUTH_SAFECOOKIE, bad, 32, cn, 32, sn1, sh_bad, ch_bad);
	assert_false(crypto_eq(ch1, ch_bad, 32));
	assert_false(crypto_eq(sh, sh_bad, 32));
	/* The server's expectation after a second challenge. */
	control_auth_hashes(CONTROL_AUTH_SAFECOOKIE, cookie, 32, cn, 32, sn2, NULL, expect2);
	assert_false(crypto_eq(ch1, expect2, 32));
	/* The server hash is never the client hash (no reflection). */
	assert_false(crypto_eq(sh, ch1, 32));
}

static void
test_password_challenge(void **state)
{
	struct control_pwhash stored;
	uint8_t cn[32], sn[32], sn2[32], key[20], s_sh[32], s_ch[32], c_sh[32], c_ch[32];
	uint8_t w_sh[32], w_ch[32], r_ch[32];

	assert_int_equal(control_auth_pwhash_parse(foo_hash, &stored), 0);
	crypto_rand(cn, 32);
	crypto_rand(sn, 32);
	crypto_rand(sn2, 32);
	/* Server side, from the stored key. */
	control_auth_hashes(CONTROL_AUTH_HASHEDPASSWORD, stored.ph_key, 20, cn, 32, sn,
	    s_sh, s_ch);
	/* Client side, from the password and the advertised salt and c. */
	control_auth_s2k(stored.ph_salt, stored.ph_c, "foo", 3, key);
	control_auth_hashes(CONTROL_AUTH_HASHEDPASSWORD, key, 20, cn, 32, sn, c_sh, c_ch);
	assert_memory_equal(s_sh, c_sh, 32);
	assert_true(crypto_eq(s_ch, c_ch, 32));
	/* Wrong password: the client sees a mismatching server hash. */
	control_auth_s2k(stored.ph_salt, stored.ph_c, "bar", 3, key);
	control_auth_hashes(CONTROL_AUTH_HASHEDPASSWORD, key, 20, cn, 32, sn, w_sh, w_ch);
	assert_false(crypto_eq(w_sh, s_sh, 32));
	assert_false(crypto_eq(w_ch, s_ch, 32));
	/* Replay of the right answer against a new server nonce. */
	control_auth_hashes(CONTROL_AUTH_HASHEDPASSWORD, stored.ph_key, 20, cn, 32, sn2,
	    NULL, r_ch);
	assert_false(crypto_eq(c_ch, r_ch, 32));
	/* The two methods are domain-separated. */
	control_auth_hashes(CONTROL_AUTH_SAFECOOKIE, stored.ph_key, 20, cn, 32, sn, w_sh, w_ch);
	assert_false(crypto_eq(w_ch, s_ch, 32));
	crypto_wipe(key, sizeof(key));
}

static void
test_cookie_file(void **state)
{
	char dir[] = "/tmp/tord-test-cookie-XXXXXX", *path;
	uint8_t c1[32], c2[32], r[32];
	struct stat st;
	int fd;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/%s", dir, CONTROL_COOKIE_FILE);
	assert_int_equal(control_auth_cookie_create(path, c1), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(control_auth_cookie_read(path, r), 0);
	assert_memory_equal(r, c1, 32);
	/* A restart writes a new cookie. */
	assert_int_equal(control_auth_cookie_create(path, c2), 0);
	assert_memory_not_equal(c1, c2, 32);
	assert_int_equal(control_auth_cookie_read(path, r), 0);
	assert_memory_equal(r, c2, 32);
	/* A file of the wrong size is refused. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(control_auth_cookie_read(path, r), -1);
	assert_int_equal(errno, EINVAL);
	unlink(path);
	assert_int_equal(control_auth_cookie_read(path, r), -1);
	assert_int_equal(errno, ENOENT);
	/* Unwritable place. */
	free(path);
	path = xasprintf("%s/nonexistent/%s", dir, CONTROL_COOKIE_FILE);
	assert_int_equal(control_auth_cookie_create(path, c1), -1);
	free(path);
	rmdir(dir);
}

static void
test_method_names(void **state)
{
	assert_int_equal(control_auth_method_parse("safecookie"), CONTROL_AUTH_SAFECOOKIE);
	assert_int_equal(control_auth_method_parse("HASHEDPASSWORD"),
	    CONTROL_AUTH_HASHEDPASSWORD);
	assert_int_equal(control_auth_method_parse("COOKIE"), -1);
	assert_string_equal(control_auth_method_name(CONTROL_AUTH_SAFECOOKIE), "SAFECOOKIE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pwhash_vector),
		cmocka_unit_test(test_pwhash_bad),
		cmocka_unit_test(test_pwhash_new),
		cmocka_unit_test(test_safecookie_vector),
		cmocka_unit_test(test_safecookie_wrong_and_replay),
		cmocka_unit_test(test_password_challenge),
		cmocka_unit_test(test_cookie_file),
		cmocka_unit_test(test_method_names),
	};

	if (crypto_global_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
