/*
 * digest.h: SHA-256, HMAC-SHA256 and HKDF-SHA256 over OpenSSL 3 EVP.
 */
#ifndef TORD_LIB_DIGEST_H
#define TORD_LIB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST256_LEN 32

void	digest_sha256(const void *p, size_t n, uint8_t out[DIGEST256_LEN]);
void	digest_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
	    uint8_t out[DIGEST256_LEN]);
/* RFC 5869 extract-and-expand; 0 on success, -1 on failure. */
int	digest_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
	    const void *info, size_t infolen, uint8_t *out, size_t outlen);

#endif
