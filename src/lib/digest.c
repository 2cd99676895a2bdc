/*
 * digest.c: SHA-256, HMAC-SHA256 and HKDF-SHA256 over OpenSSL 3 EVP
 * (EVP_Digest, EVP_MAC "HMAC", EVP_KDF "HKDF").
 *
 * Callers: core/crypto/onion_ntor (HMAC, HKDF), feature/control (SAFECOOKIE
 * HMAC), feature/dir (document digests), the demo service.  The MAC and KDF
 * implementations are fetched once (thread-safe) and cached.  An OpenSSL failure in a
 * one-shot digest or MAC is a broken library, not bad input, so those abort.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/util.h"

static EVP_MAC *digest_hmac_impl;
static EVP_KDF *digest_hkdf_impl;
static pthread_once_t digest_once = PTHREAD_ONCE_INIT;

/* Fetch the implementations once; workers may hash from other threads. */
static void
digest_fetch(void)
{
	digest_hmac_impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
	digest_hkdf_impl = EVP_KDF_fetch(NULL, "HKDF", NULL);
}

static void NORETURN
digest_fatal(const char *what)
{
	crypto_log_errors(LD_CRYPTO, what);
	log_err(LD_CRYPTO, "digest op=%s failed; aborting", what);
	abort();
}

/* Compute SHA-256 of n bytes at p into out. */
void
digest_sha256(const void *p, size_t n, uint8_t out[DIGEST256_LEN])
{
	unsigned int outlen = 0;

	if (EVP_Digest(p, n, out, &outlen, EVP_sha256(), NULL) != 1 ||
	    outlen != DIGEST256_LEN)
		digest_fatal("EVP_Digest(sha256)");
}

/* Compute HMAC-SHA256(key, msg) into out.  A zero-length key is allowed. */
void
digest_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
    uint8_t out[DIGEST256_LEN])
{
	static const uint8_t empty[1];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	size_t outlen = 0;

	pthread_once(&digest_once, digest_fetch);
	if (digest_hmac_impl == NULL)
		digest_fatal("EVP_MAC_fetch(HMAC)");
	if ((ctx = EVP_MAC_CTX_new(digest_hmac_impl)) == NULL)
		digest_fatal("EVP_MAC_CTX_new");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, keylen ? key : empty, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, msglen ? msg : empty, msglen) != 1 ||
	    EVP_MAC_final(ctx, out, &outlen, DIGEST256_LEN) != 1 ||
	    outlen != DIGEST256_LEN)
		digest_fatal("HMAC-SHA256");
	EVP_MAC_CTX_free(ctx);
}

/*
 * RFC 5869 HKDF-SHA256, extract then expand, into outlen bytes at out.
 * Return 0 on success, -1 (logged) on failure, e.g. outlen > 255*32.
 */
int
digest_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
    const void *info, size_t infolen, uint8_t *out, size_t outlen)
{
	static uint8_t empty[1];
	OSSL_PARAM params[6], *p = params;
	EVP_KDF_CTX *ctx;
	int mode = EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
	int rc = -1;

	if (outlen == 0 || outlen > 255 * DIGEST256_LEN)
		return -1;
	pthread_once(&digest_once, digest_fetch);
	if (digest_hkdf_impl == NULL) {
		crypto_log_errors(LD_CRYPTO, "EVP_KDF_fetch(HKDF)");
		return -1;
	}
	if ((ctx = EVP_KDF_CTX_new(digest_hkdf_impl)) == NULL) {
		crypto_log_errors(LD_CRYPTO, "EVP_KDF_CTX_new");
		return -1;
	}
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	/* OpenSSL refuses an empty key; HKDF's IKM may be empty in theory only. */
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    ikmlen ? (void *)ikm : empty, ikmlen);
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)salt, saltlen);
	if (infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1) {
		crypto_log_errors(LD_CRYPTO, "EVP_KDF_derive(HKDF)");
		crypto_wipe(out, outlen);
		goto done;
	}
	rc = 0;
 done:
	EVP_KDF_CTX_free(ctx);
	return rc;
}
