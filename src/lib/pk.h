/*
 * pk.h: Ed25519 signatures and X25519 key agreement over OpenSSL 3 EVP_PKEY.
 *
 * Key objects are opaque, hold the public key bytes, and may hold the
 * secret; their destructors wipe everything.  Raw secret bytes leave a
 * key object only to be written to the node's key files (core/crypto/keys).
 */
#ifndef TORD_LIB_PK_H
#define TORD_LIB_PK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ED25519_PUB_LEN		32
#define ED25519_SECRET_LEN	32
#define ED25519_SIG_LEN		64
#define X25519_LEN		32

typedef struct ed25519_key ed25519_key_t;
typedef struct x25519_key x25519_key_t;

ed25519_key_t	*ed25519_generate(void);
/* From a 32-byte secret seed, or from a public key; NULL if invalid. */
ed25519_key_t	*ed25519_from_secret(const uint8_t seed[ED25519_SECRET_LEN]);
ed25519_key_t	*ed25519_from_public(const uint8_t pub[ED25519_PUB_LEN]);
const uint8_t	*ed25519_public(const ed25519_key_t *k);
bool		 ed25519_has_secret(const ed25519_key_t *k);
/* Copy the secret seed out (for saving); -1 if k holds none. */
int		 ed25519_secret(const ed25519_key_t *k, uint8_t seed[ED25519_SECRET_LEN]);
int		 ed25519_sign(const ed25519_key_t *k, const void *msg, size_t len,
		    uint8_t sig[ED25519_SIG_LEN]);
bool		 ed25519_verify(const uint8_t pub[ED25519_PUB_LEN], const void *msg, size_t len,
		    const uint8_t sig[ED25519_SIG_LEN]);
/* Borrow the EVP_PKEY (for TLS certificates); type is EVP_PKEY *. */
void		*ed25519_evp(const ed25519_key_t *k);
void		 ed25519_free_(ed25519_key_t *k);
#define ed25519_free(p) FREE_AND_NULL(ed25519_key_t, ed25519_free_, (p))

x25519_key_t	*x25519_generate(void);
x25519_key_t	*x25519_from_secret(const uint8_t secret[X25519_LEN]);
const uint8_t	*x25519_public(const x25519_key_t *k);
int		 x25519_secret(const x25519_key_t *k, uint8_t secret[X25519_LEN]);
/* Shared secret with peer; -1 on failure or an all-zero result. */
int		 x25519_derive(const x25519_key_t *k, const uint8_t peer[X25519_LEN],
		    uint8_t out[X25519_LEN]);
void		 x25519_free_(x25519_key_t *k);
#define x25519_free(p) FREE_AND_NULL(x25519_key_t, x25519_free_, (p))

#endif
