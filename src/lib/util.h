/*
 * util.h: allocation, container_of and invariant helpers used everywhere.
 *
 * Allocation never returns NULL: on exhaustion the process aborts, as Tor
 * and shadowsocks do, because every caller would otherwise need an error
 * path that is never tested.  Objects are freed through x_free(p) macros
 * built on FREE_AND_NULL so that dangling pointers do not survive.
 */
#ifndef TORD_LIB_UTIL_H
#define TORD_LIB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define PRINTF_LIKE(f, a)	__attribute__((format(printf, f, a)))
#define NORETURN		__attribute__((noreturn))
#define WARN_UNUSED		__attribute__((warn_unused_result))

void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Free through fn and set the pointer to NULL. */
#define FREE_AND_NULL(type, fn, p) do {		\
		type *free_tmp_ = (p);			\
		(p) = NULL;				\
		fn(free_tmp_);				\
	} while (0)

/*
 * BUG(cond): log an internal error with its location and evaluate to cond,
 * so the caller can recover:  if (BUG(x == NULL)) return -1;
 * Reserved for states that our own code must never reach; network, user
 * and config input never reach a BUG().
 */
#define BUG(cond) (unlikely(cond) ? (util_bug_(#cond, __FILE__, __LINE__, __func__), 1) : 0)
void	util_bug_(const char *expr, const char *file, int line, const char *func);

/* Abort with a message: for invariants where continuing is worse. */
#define ASSERT(cond) do { if (unlikely(!(cond))) util_assert_fail_(#cond, __FILE__, __LINE__, __func__); } while (0)
void	util_assert_fail_(const char *expr, const char *file, int line, const char *func) NORETURN;

/* Monotonic and wall clock, in the units named. */
uint64_t	util_mono_usec(void);
uint64_t	util_mono_msec(void);
int64_t		util_wall_sec(void);

/* Parse a decimal integer in [min, max]; 0 on success, -1 otherwise. */
int	util_parse_ll(const char *s, long long min, long long max, long long *out);

/* Hex encoding: out must hold 2*len+1 bytes (NUL-terminated, lower case). */
void	util_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decode exactly outlen bytes from 2*outlen hex digits; -1 on bad input. */
int	util_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen);
/* Value of one standard base64 digit (A-Z a-z 0-9 + /), or -1. */
int	util_b64_value(int c);

#endif
