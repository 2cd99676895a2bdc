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
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t crypto_rand_uniform(uint64_t n);
/* Overwrite n bytes so the compiler cannot elide it. */
void	 crypto_wipe(void *p, size_t n);
/* Compare in time independent of the contents. */
bool	 crypto_eq(const void *a, const void *b, size_t n);
/* Drain OpenSSL's error queue into the log at warn level with context. */
void	 crypto_log_errors(enum log_domain domain, const char *what);

#endif
