/*
 * Unit tests for lib/pk: Ed25519 (RFC 8032 vector 1, sign/verify,
 * tampering) and X25519 (RFC 7748 §6.1 vector, agreement, the all-zero
 * result refused).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/crypto.h"
#include "lib/pk.h"
#include "lib/util.h"

static void
unhex(const char *hex, uint8_t *out, size_t outlen)
{
	assert_int_equal(strlen(hex), 2 * outlen);
	assert_int_equal(util_hex_decode(hex, strlen(hex), out, outlen), 0);
}

static void
test_ed25519_rfc8032(void **state)
{
	uint8_t seed[32], pub[32], sig[64], want[64], out[32];
	ed25519_key_t *k, *v;

	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed, 32);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    pub, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
	    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    want, 64);
	k = ed25519_from_secret(seed);
	assert_non_null(k);
	assert_true(ed25519_has_secret(k));
	assert_memory_equal(ed25519_public(k), pub, 32);
	assert_int_equal(ed25519_sign(k, "", 0, sig), 0);
	assert_memory_equal(sig, want, 64);
	assert_true(ed25519_verify(pub, "", 0, sig));
	assert_int_equal(ed25519_secret(k, out), 0);
	assert_memory_equal(out, seed, 32);
	assert_non_null(ed25519_evp(k));

	v = ed25519_from_public(pub);
	assert_non_null(v);
	assert_false(ed25519_has_secret(v));
	assert_int_equal(ed25519_secret(v, out), -1);
	assert_int_equal(ed25519_sign(v, "", 0, sig), -1);
	assert_memory_equal(ed25519_public(v), pub, 32);
	ed25519_free(k);
	ed25519_free(v);
	assert_null(k);
	ed25519_free(v);	/* NULL is fine */
}

static void
test_ed25519_sign_verify(void **state)
{
	ed25519_key_t *a = ed25519_generate(), *b = ed25519_generate();
	uint8_t sig[64];
	const char msg[] = "register nonce 0123456789";

	assert_non_null(a);
	assert_non_null(b);
	assert_memory_not_equal(ed25519_public(a), ed25519_public(b), 32);
	assert_int_equal(ed25519_sign(a, msg, sizeof(msg), sig), 0);
	assert_true(ed25519_verify(ed25519_public(a), msg, sizeof(msg), sig));
	assert_false(ed25519_verify(ed25519_public(b), msg, sizeof(msg), sig));
	assert_false(ed25519_verify(ed25519_public(a), msg, sizeof(msg) - 1, sig));
	sig[10] ^= 4;
	assert_false(ed25519_verify(ed25519_public(a), msg, sizeof(msg), sig));
	ed25519_free(a);
	ed25519_free(b);
}

static void
test_x25519_rfc7748(void **state)
{
	uint8_t as[32], bs[32], apub[32], bpub[32], shared[32], s1[32], s2[32], out[32];
	x25519_key_t *a, *b;

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", as, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", apub, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", bs, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", shared, 32);
	a = x25519_from_secret(as);
	b = x25519_from_secret(bs);
	assert_non_null(a);
	assert_non_null(b);
	assert_memory_equal(x25519_public(a), apub, 32);
	assert_memory_equal(x25519_public(b), bpub, 32);
	assert_int_equal(x25519_derive(a, bpub, s1), 0);
	assert_int_equal(x25519_derive(b, apub, s2), 0);
	assert_memory_equal(s1, shared, 32);
	assert_memory_equal(s2, shared, 32);
	assert_int_equal(x25519_secret(a, out), 0);
	assert_memory_equal(out, as, 32);
	x25519_free(a);
	x25519_free(b);
}

static void
test_x25519_zero_refused(void **state)
{
	x25519_key_t *a = x25519_generate(), *b = x25519_generate();
	uint8_t zero[32] = { 0 }, one[32] = { 1 }, s1[32], s2[32];

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(x25519_derive(a, x25519_public(b), s1), 0);
	assert_int_equal(x25519_derive(b, x25519_public(a), s2), 0);
	assert_memory_equal(s1, s2, 32);
	/* Small-order points give an all-zero secret: refused, output zeroed. */
	memset(s1, 0xff, sizeof(s1));
	assert_int_equal(x25519_derive(a, zero, s1), -1);
	assert_memory_equal(s1, zero, 32);
	assert_int_equal(x25519_derive(a, one, s1), -1);
	x25519_free(a);
	x25519_free(b);
}

static int
setup(void **state)
{
	return crypto_global_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_ed25519_sign_verify),
		cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_x25519_zero_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
