/*
 * tokenbucket.h: a byte-rate token bucket, refilled lazily from the
 * time of each use (no timer ticking while idle).
 *
 * The balance may go negative: a reader takes what it actually read,
 * which can exceed what was there (one read can bring a whole TLS
 * record or socket buffer), and the debt is paid from the next refills.
 * So the long-run rate is exact and a burst is bounded by `burst` plus
 * one read.  Pure: callers pass the time in seconds.
 */
#ifndef TORD_LIB_TOKENBUCKET_H
#define TORD_LIB_TOKENBUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct tokenbucket {
	double		tb_rate;	/* bytes per second; 0: no limit */
	double		tb_burst;	/* the most it holds */
	double		tb_tokens;	/* may be negative (debt) */
	double		tb_last;	/* time of the last refill */
};

/* rate bytes/s, up to burst bytes (burst < rate/10 is raised to that), full at `now`. */
void	tokenbucket_init(struct tokenbucket *tb, uint64_t rate, uint64_t burst, double now);
/* Change rate and burst, keeping the balance (capped at the new burst). */
void	tokenbucket_set(struct tokenbucket *tb, uint64_t rate, uint64_t burst, double now);
static inline bool
tokenbucket_enabled(const struct tokenbucket *tb)
{
	return tb->tb_rate > 0;
}
/* Refill for the time since the last use; the balance, in whole bytes (<= 0: empty). */
int64_t	tokenbucket_refill(struct tokenbucket *tb, double now);
/* Take n bytes (after they were read); the balance may go below 0. */
void	tokenbucket_take(struct tokenbucket *tb, uint64_t n);
/* Seconds from now until the balance is at least `want` bytes (0 if it is). */
double	tokenbucket_wait(const struct tokenbucket *tb, uint64_t want);

#endif
