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
#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
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

/* ---- The fast stream (crypto_rand_fast). */

#define FRNG_KEY_LEN	(32 + 16)		/* AES-256 key and IV */
#define FRNG_BUF	4096
#define FRNG_RESEED	(64u * 1024 * 1024)	/* bytes between CSPRNG reseeds */

static struct {
	EVP_CIPHER_CTX	*ctx;
	bool		 atfork;	/* the fork handler is registered */
	bool		 forked;	/* a child: reseed before anything is handed out */
	uint8_t		 buf[FRNG_BUF];
	size_t		 pos;		/* bytes of buf handed out (wiped) */
	uint64_t	 since_seed;
} frng = { .pos = FRNG_BUF };

/* A forked child must not hand out what its parent will (daemonising forks). */
static void
frng_child(void)
{
	crypto_wipe(frng.buf, sizeof(frng.buf));
	frng.pos = FRNG_BUF;
	frng.forked = true;
}

static void
frng_key(const uint8_t key[FRNG_KEY_LEN])
{
	if (frng.ctx == NULL && (frng.ctx = EVP_CIPHER_CTX_new()) == NULL) {
		crypto_log_errors(LD_CRYPTO, "EVP_CIPHER_CTX_new");
		abort();
	}
	if (EVP_EncryptInit_ex(frng.ctx, EVP_aes_256_ctr(), NULL, key, key + 32) != 1) {
		crypto_log_errors(LD_CRYPTO, "fast RNG: EVP_EncryptInit_ex");
		abort();
	}
}

static void
frng_refill(void)
{
	uint8_t next[FRNG_KEY_LEN];
	int outl = 0;

	if (!frng.atfork) {
		if (pthread_atfork(NULL, NULL, frng_child) != 0) {
			log_err(LD_CRYPTO, "fast RNG: pthread_atfork failed; aborting");
			abort();
		}
		frng.atfork = true;
	}
	if (frng.ctx == NULL || frng.forked || frng.since_seed >= FRNG_RESEED) {
		crypto_rand(next, sizeof(next));
		frng_key(next);
		frng.forked = false;
		frng.since_seed = 0;
	}
	/* Keystream: the next key first, then the bytes to hand out. */
	memset(next, 0, sizeof(next));
	memset(frng.buf, 0, sizeof(frng.buf));
	if (EVP_EncryptUpdate(frng.ctx, next, &outl, next, sizeof(next)) != 1 ||
	    EVP_EncryptUpdate(frng.ctx, frng.buf, &outl, frng.buf, sizeof(frng.buf)) != 1) {
		crypto_log_errors(LD_CRYPTO, "fast RNG: EVP_EncryptUpdate");
		abort();
	}
	frng_key(next);
	crypto_wipe(next, sizeof(next));
	frng.pos = 0;
	frng.since_seed += sizeof(frng.buf);
}

void
crypto_rand_fast(void *out, size_t n)
{
	uint8_t *p = out;
	size_t k;

	while (n > 0) {
		if (frng.pos == FRNG_BUF)
			frng_refill();
		k = MIN(n, FRNG_BUF - frng.pos);
		memcpy(p, frng.buf + frng.pos, k);
		crypto_wipe(frng.buf + frng.pos, k);
		frng.pos += k;
		p += k;
		n -= k;
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
