/*
 * crypto.h: process-wide OpenSSL setup, randomness, wiping and
 * constant-time comparison.  Every other crypto module builds on this.
 */
#ifndef TORD_LIB_CRYPTO_H
#define TORD_LIB_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"

/* Initialise OpenSSL once; 0 on success, -1 on failure (logged). */
int	 crypto_global_init(void);
/* Fill out with n bytes from the CSPRNG; aborts if the RNG fails. */
void	 crypto_rand(void *out, size_t n);
/*
 * Fill out with n bytes from a buffered AES-256-CTR stream keyed from the
 * CSPRNG (Tor's crypto_fast_rng): for the random padding of relay cells,
 * which a RAND_bytes call per cell made one of the client's larger costs
 * (3% of its CPU in a download).  Each 4 KiB refill rekeys from its own
 * first bytes, so a later look at memory reveals nothing already handed
 * out; bytes handed out are wiped from the buffer; a new process (fork)
 * and every 64 MiB reseed from the CSPRNG.  Not for keys.
 */
void	 crypto_rand_fast(void *out, size_t n);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t crypto_rand_uniform(uint64_t n);
/* Overwrite n bytes so the compiler cannot elide it. */
void	 crypto_wipe(void *p, size_t n);
/* Compare in time independent of the contents. */
bool	 crypto_eq(const void *a, const void *b, size_t n);
/* Drain OpenSSL's error queue into the log at warn level with context. */
void	 crypto_log_errors(enum log_domain domain, const char *what);

#endif
