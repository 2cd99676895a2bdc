/*
 * control_auth.c: SAFECOOKIE and hashed-password challenge-response
 * (see control_auth.h for the exact constructions), the "16:" password
 * hash, and the cookie file.
 *
 * Callers: feature/control/control.c (server side) and tools/torctl
 * (controller side), and the unit tests.  No I/O except the cookie file.
 * Secrets are wiped before return; comparisons are constant-time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "feature/control/control_auth.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/util.h"

static const char safecookie_server_key[] =
    "Tor safe cookie authentication server-to-controller hash";
static const char safecookie_client_key[] =
    "Tor safe cookie authentication controller-to-server hash";
static const char pw_server_key[] =
    "tord hashed password authentication server-to-controller hash";
static const char pw_client_key[] =
    "tord hashed password authentication controller-to-server hash";

void
control_auth_s2k(const uint8_t salt[CONTROL_S2K_SALT_LEN], uint8_t c,
    const char *pw, size_t pwlen, uint8_t out[CONTROL_S2K_KEY_LEN])
{
	EVP_MD_CTX *ctx;
	EVP_MD *md;
	uint8_t *tmp;
	size_t tmplen = CONTROL_S2K_SALT_LEN + pwlen, count;
	unsigned int outlen = 0;

	/* count = (16 + (c & 15)) << ((c >> 4) + 6), at most 31 << 21. */
	count = (size_t)(16 + (c & 15)) << ((c >> 4) + 6);
	tmp = xmalloc(tmplen);
	memcpy(tmp, salt, CONTROL_S2K_SALT_LEN);
	if (pwlen > 0)
		memcpy(tmp + CONTROL_S2K_SALT_LEN, pw, pwlen);
	md = EVP_MD_fetch(NULL, "SHA1", NULL);
	ctx = EVP_MD_CTX_new();
	if (md == NULL || ctx == NULL || !EVP_DigestInit_ex2(ctx, md, NULL))
		goto fail;
	while (count > 0) {
		size_t n = MIN(count, tmplen);

		if (!EVP_DigestUpdate(ctx, tmp, n))
			goto fail;
		count -= n;
	}
	if (!EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != CONTROL_S2K_KEY_LEN)
		goto fail;
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	crypto_wipe(tmp, tmplen);
	free(tmp);
	return;
fail:
	/* A missing SHA-1 is a broken library, not bad input. */
	crypto_log_errors(LD_CRYPTO, "s2k sha1");
	abort();
}

int
control_auth_pwhash_parse(const char *s, struct control_pwhash *out)
{
	uint8_t raw[CONTROL_S2K_SALT_LEN + 1 + CONTROL_S2K_KEY_LEN];

	if (strncmp(s, "16:", 3) != 0 || strlen(s + 3) != 2 * sizeof(raw))
		return -1;
	if (util_hex_decode(s + 3, 2 * sizeof(raw), raw, sizeof(raw)) < 0)
		return -1;
	memcpy(out->ph_salt, raw, CONTROL_S2K_SALT_LEN);
	out->ph_c = raw[CONTROL_S2K_SALT_LEN];
	memcpy(out->ph_key, raw + CONTROL_S2K_SALT_LEN + 1, CONTROL_S2K_KEY_LEN);
	crypto_wipe(raw, sizeof(raw));
	return 0;
}

void
control_auth_pwhash_format(const struct control_pwhash *h, char out[CONTROL_PWHASH_STRLEN])
{
	uint8_t raw[CONTROL_S2K_SALT_LEN + 1 + CONTROL_S2K_KEY_LEN];
	size_t i;

	memcpy(raw, h->ph_salt, CONTROL_S2K_SALT_LEN);
	raw[CONTROL_S2K_SALT_LEN] = h->ph_c;
	memcpy(raw + CONTROL_S2K_SALT_LEN + 1, h->ph_key, CONTROL_S2K_KEY_LEN);
	memcpy(out, "16:", 3);
	util_hex_encode(raw, sizeof(raw), out + 3);
	for (i = 3; out[i] != '\0'; i++)
		if (out[i] >= 'a' && out[i] <= 'f')
			out[i] = (char)(out[i] - 'a' + 'A');
	crypto_wipe(raw, sizeof(raw));
}

void
control_auth_pwhash_new(const char *pw, size_t pwlen, struct control_pwhash *out)
{
	crypto_rand(out->ph_salt, sizeof(out->ph_salt));
	out->ph_c = CONTROL_S2K_C_DEFAULT;
	control_auth_s2k(out->ph_salt, out->ph_c, pw, pwlen, out->ph_key);
}

bool
control_auth_pwhash_check(const struct control_pwhash *h, const char *pw, size_t pwlen)
{
	uint8_t key[CONTROL_S2K_KEY_LEN];
	bool ok;

	control_auth_s2k(h->ph_salt, h->ph_c, pw, pwlen, key);
	ok = crypto_eq(key, h->ph_key, sizeof(key));
	crypto_wipe(key, sizeof(key));
	return ok;
}

void
control_auth_hashes(enum control_auth_method method, const uint8_t *secret,
    size_t secretlen, const uint8_t *cn, size_t cnlen,
    const uint8_t sn[CONTROL_NONCE_LEN], uint8_t server_hash[CONTROL_HASH_LEN],
    uint8_t client_hash[CONTROL_HASH_LEN])
{
	const char *ks, *kc;
	uint8_t *msg;
	size_t msglen = secretlen + cnlen + CONTROL_NONCE_LEN;

	if (method == CONTROL_AUTH_SAFECOOKIE) {
		ks = safecookie_server_key;
		kc = safecookie_client_key;
	} else {
		ks = pw_server_key;
		kc = pw_client_key;
	}
	msg = xmalloc(msglen);
	memcpy(msg, secret, secretlen);
	memcpy(msg + secretlen, cn, cnlen);
	memcpy(msg + secretlen + cnlen, sn, CONTROL_NONCE_LEN);
	if (server_hash != NULL)
		digest_hmac_sha256(ks, strlen(ks), msg, msglen, server_hash);
	if (client_hash != NULL)
		digest_hmac_sha256(kc, strlen(kc), msg, msglen, client_hash);
	crypto_wipe(msg, msglen);
	free(msg);
}

int
control_auth_cookie_create(const char *path, uint8_t cookie[CONTROL_COOKIE_LEN])
{
	char *tmp;
	int fd, saved;
	ssize_t n;

	tmp = xasprintf("%s.tmp", path);
	crypto_rand(cookie, CONTROL_COOKIE_LEN);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto err;
	if (fchmod(fd, 0600) < 0)
		goto err_close;
	n = write(fd, cookie, CONTROL_COOKIE_LEN);
	if (n != CONTROL_COOKIE_LEN) {
		if (n >= 0)
			errno = EIO;
		goto err_close;
	}
	if (fsync(fd) < 0)
		goto err_close;
	if (close(fd) < 0) {
		fd = -1;
		goto err;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto err;
	}
	free(tmp);
	return 0;
err_close:
	saved = errno;
	close(fd);
	errno = saved;
err:
	saved = errno;
	log_warn(LD_CTL, "cookie path=%s cannot be written: %s", path, strerror(saved));
	(void)unlink(tmp);
	free(tmp);
	crypto_wipe(cookie, CONTROL_COOKIE_LEN);
	errno = saved;
	return -1;
}

int
control_auth_cookie_read(const char *path, uint8_t cookie[CONTROL_COOKIE_LEN])
{
	struct stat st;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto err;
	if (!S_ISREG(st.st_mode) || st.st_size != CONTROL_COOKIE_LEN) {
		errno = EINVAL;
		goto err;
	}
	n = read(fd, cookie, CONTROL_COOKIE_LEN);
	if (n != CONTROL_COOKIE_LEN) {
		if (n >= 0)
			errno = EINVAL;
		goto err;
	}
	close(fd);
	return 0;
err:
	saved = errno;
	close(fd);
	crypto_wipe(cookie, CONTROL_COOKIE_LEN);
	errno = saved;
	return -1;
}

const char *
control_auth_method_name(enum control_auth_method m)
{
	return m == CONTROL_AUTH_SAFECOOKIE ? "SAFECOOKIE" : "HASHEDPASSWORD";
}

int
control_auth_method_parse(const char *s)
{
	if (strcasecmp(s, "SAFECOOKIE") == 0)
		return CONTROL_AUTH_SAFECOOKIE;
	if (strcasecmp(s, "HASHEDPASSWORD") == 0)
		return CONTROL_AUTH_HASHEDPASSWORD;
	return -1;
}
