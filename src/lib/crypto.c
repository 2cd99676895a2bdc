/*
 * crypto.c: process-wide OpenSSL setup, the CSPRNG, wiping and
 * constant-time comparison.
 *
 * Every other crypto module (digest, pk, tls, core/crypto) builds on
 * these.  main() calls crypto_global_init() once before anything else
 * touches OpenSSL; the tests call it from their setup.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

static int crypto_initialised;

/*
 * Initialise libcrypto and libssl once.  Return 0 on success, -1 (logged)
 * if OpenSSL cannot initialise or the RNG cannot be seeded.
 */
int
crypto_global_init(void)
{
	uint8_t probe[16];

	if (crypto_initialised)
		return 0;
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1) {
		crypto_log_errors(LD_CRYPTO, "OPENSSL_init_ssl");
		return -1;
	}
	if (RAND_bytes(probe, sizeof(probe)) != 1) {
		crypto_log_errors(LD_CRYPTO, "RAND_bytes");
		return -1;
	}
	crypto_wipe(probe, sizeof(probe));
	crypto_initialised = 1;
	return 0;
}

/* Fill out with n random bytes; abort if the RNG fails (nothing is safe then). */
void
crypto_rand(void *out, size_t n)
{
	uint8_t *p = out;

	while (n > 0) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;

		if (RAND_bytes(p, chunk) != 1) {
			crypto_log_errors(LD_CRYPTO, "RAND_bytes");
			log_err(LD_CRYPTO, "random number generator failed; aborting");
			abort();
		}
		p += chunk;
		n -= (size_t)chunk;
	}
}

/* Return a uniform value in [0, n) by rejection sampling; n must be > 0. */
uint64_t
crypto_rand_uniform(uint64_t n)
{
	uint64_t v, limit;

	if (BUG(n == 0))
		return 0;
	/* Largest multiple of n that fits; values at or above it are redrawn. */
	limit = UINT64_MAX - (UINT64_MAX % n);
	do {
		crypto_rand(&v, sizeof(v));
	} while (v >= limit);
	return v % n;
}

/* Overwrite n bytes at p in a way the compiler may not elide. */
void
crypto_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

/* Compare n bytes in time that depends only on n. */
bool
crypto_eq(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return true;
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* Drain the OpenSSL error queue into the log, prefixed with what failed. */
void
crypto_log_errors(enum log_domain domain, const char *what)
{
	unsigned long e;
	char buf[256];
	int any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warn(domain, "openssl op=%s error=\"%s\"", what, buf);
		any = 1;
	}
	if (!any)
		log_warn(domain, "openssl op=%s failed (no error queued)", what);
}
