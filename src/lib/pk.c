/*
 * pk.c: Ed25519 signatures and X25519 key agreement over OpenSSL 3
 * EVP_PKEY raw keys.
 *
 * Key objects cache the 32-byte public key next to the EVP_PKEY so that
 * callers can read it without an OpenSSL call.  Secrets leave a key object
 * only through ed25519_secret()/x25519_secret(), used by core/crypto/keys
 * to save them.  Callers: core/crypto (keys, onion_ntor), lib/tls,
 * feature/dir (descriptor and consensus signatures).
 */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/pk.h"
#include "lib/util.h"

struct ed25519_key {
	EVP_PKEY	*ek_pkey;
	uint8_t		 ek_pub[ED25519_PUB_LEN];
	bool		 ek_has_secret;
};

struct x25519_key {
	EVP_PKEY	*xk_pkey;
	uint8_t		 xk_pub[X25519_LEN];
};

/* Copy the raw public key of pkey into out (exactly 32 bytes); 0 or -1. */
static int
pk_raw_public(EVP_PKEY *pkey, uint8_t out[32])
{
	size_t len = 32;

	if (EVP_PKEY_get_raw_public_key(pkey, out, &len) != 1 || len != 32)
		return -1;
	return 0;
}

/* Generate a fresh key of the given type (EVP_PKEY_ED25519 / X25519). */
static EVP_PKEY *
pk_keygen(int type)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(type, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_keygen(ctx, &pkey) != 1) {
		crypto_log_errors(LD_CRYPTO, "EVP_PKEY_keygen");
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static ed25519_key_t *
ed25519_wrap(EVP_PKEY *pkey, bool has_secret)
{
	ed25519_key_t *k;

	if (pkey == NULL)
		return NULL;
	k = xcalloc(1, sizeof(*k));
	k->ek_pkey = pkey;
	k->ek_has_secret = has_secret;
	if (pk_raw_public(pkey, k->ek_pub) < 0) {
		crypto_log_errors(LD_CRYPTO, "EVP_PKEY_get_raw_public_key");
		ed25519_free(k);
		return NULL;
	}
	return k;
}

/* Generate a new Ed25519 key pair; NULL only if OpenSSL fails (logged). */
ed25519_key_t *
ed25519_generate(void)
{
	return ed25519_wrap(pk_keygen(EVP_PKEY_ED25519), true);
}

/* Build a key pair from a 32-byte secret seed; NULL if OpenSSL refuses it. */
ed25519_key_t *
ed25519_from_secret(const uint8_t seed[ED25519_SECRET_LEN])
{
	return ed25519_wrap(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    seed, ED25519_SECRET_LEN), true);
}

/* Build a verify-only key from a 32-byte public key; NULL if invalid. */
ed25519_key_t *
ed25519_from_public(const uint8_t pub[ED25519_PUB_LEN])
{
	return ed25519_wrap(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
	    pub, ED25519_PUB_LEN), false);
}

/* Return the key's 32-byte public key, owned by k. */
const uint8_t *
ed25519_public(const ed25519_key_t *k)
{
	return k->ek_pub;
}

bool
ed25519_has_secret(const ed25519_key_t *k)
{
	return k != NULL && k->ek_has_secret;
}

/* Copy the 32-byte secret seed into seed; -1 if k holds no secret. */
int
ed25519_secret(const ed25519_key_t *k, uint8_t seed[ED25519_SECRET_LEN])
{
	size_t len = ED25519_SECRET_LEN;

	if (!ed25519_has_secret(k))
		return -1;
	if (EVP_PKEY_get_raw_private_key(k->ek_pkey, seed, &len) != 1 ||
	    len != ED25519_SECRET_LEN) {
		crypto_log_errors(LD_CRYPTO, "EVP_PKEY_get_raw_private_key");
		crypto_wipe(seed, ED25519_SECRET_LEN);
		return -1;
	}
	return 0;
}

/* Sign len bytes at msg into sig; 0 on success, -1 (logged) on failure. */
int
ed25519_sign(const ed25519_key_t *k, const void *msg, size_t len,
    uint8_t sig[ED25519_SIG_LEN])
{
	EVP_MD_CTX *md;
	size_t siglen = ED25519_SIG_LEN;
	int rc = -1;

	if (!ed25519_has_secret(k))
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, k->ek_pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, len) != 1 ||
	    siglen != ED25519_SIG_LEN)
		crypto_log_errors(LD_CRYPTO, "ed25519 sign");
	else
		rc = 0;
	EVP_MD_CTX_free(md);
	return rc;
}

/* Return true iff sig is a valid Ed25519 signature of msg under pub. */
bool
ed25519_verify(const uint8_t pub[ED25519_PUB_LEN], const void *msg, size_t len,
    const uint8_t sig[ED25519_SIG_LEN])
{
	EVP_PKEY *pkey;
	EVP_MD_CTX *md;
	bool ok = false;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    ED25519_PUB_LEN);
	if (pkey == NULL)
		return false;
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, sig, ED25519_SIG_LEN, msg, len) == 1)
		ok = true;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	/* A bad signature is peer input, not an error worth the queue. */
	ERR_clear_error();
	return ok;
}

/* Borrow the EVP_PKEY (owned by k) for TLS certificates. */
void *
ed25519_evp(const ed25519_key_t *k)
{
	return k->ek_pkey;
}

/* Free k; EVP_PKEY_free cleanses the secret, we wipe our own copy. */
void
ed25519_free_(ed25519_key_t *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->ek_pkey);
	crypto_wipe(k, sizeof(*k));
	free(k);
}

static x25519_key_t *
x25519_wrap(EVP_PKEY *pkey)
{
	x25519_key_t *k;

	if (pkey == NULL)
		return NULL;
	k = xcalloc(1, sizeof(*k));
	k->xk_pkey = pkey;
	if (pk_raw_public(pkey, k->xk_pub) < 0) {
		crypto_log_errors(LD_CRYPTO, "EVP_PKEY_get_raw_public_key");
		x25519_free(k);
		return NULL;
	}
	return k;
}

/* Generate a new X25519 key pair; NULL only if OpenSSL fails (logged). */
x25519_key_t *
x25519_generate(void)
{
	return x25519_wrap(pk_keygen(EVP_PKEY_X25519));
}

/* Build a key pair from a 32-byte secret (clamped by X25519 itself). */
x25519_key_t *
x25519_from_secret(const uint8_t secret[X25519_LEN])
{
	return x25519_wrap(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
	    secret, X25519_LEN));
}

/* Return the 32-byte public key, owned by k. */
const uint8_t *
x25519_public(const x25519_key_t *k)
{
	return k->xk_pub;
}

/* Copy the 32-byte secret into secret; 0 or -1. */
int
x25519_secret(const x25519_key_t *k, uint8_t secret[X25519_LEN])
{
	size_t len = X25519_LEN;

	if (EVP_PKEY_get_raw_private_key(k->xk_pkey, secret, &len) != 1 ||
	    len != X25519_LEN) {
		crypto_log_errors(LD_CRYPTO, "EVP_PKEY_get_raw_private_key");
		crypto_wipe(secret, X25519_LEN);
		return -1;
	}
	return 0;
}

/*
 * Compute the X25519 shared secret of k and peer into out.  Return -1 (and
 * a zeroed out) on failure or if the result is all zeros (a small-order
 * peer point); the check is done here too, in constant time, whatever
 * OpenSSL already does.  Peer input failures are not logged.
 */
int
x25519_derive(const x25519_key_t *k, const uint8_t peer[X25519_LEN],
    uint8_t out[X25519_LEN])
{
	EVP_PKEY *peerkey;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = X25519_LEN;
	uint8_t acc = 0;
	int rc = -1;
	size_t i;

	memset(out, 0, X25519_LEN);
	peerkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
	    X25519_LEN);
	if (peerkey == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new(k->xk_pkey, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peerkey) != 1 ||
	    EVP_PKEY_derive(ctx, out, &len) != 1 || len != X25519_LEN)
		goto done;
	for (i = 0; i < X25519_LEN; i++)
		acc |= out[i];
	if (acc == 0)
		goto done;
	rc = 0;
 done:
	if (rc < 0) {
		crypto_wipe(out, X25519_LEN);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peerkey);
	return rc;
}

void
x25519_free_(x25519_key_t *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->xk_pkey);
	crypto_wipe(k, sizeof(*k));
	free(k);
}
