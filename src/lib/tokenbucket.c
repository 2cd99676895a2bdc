/* tokenbucket.c: see tokenbucket.h. */
#include "config.h"

#include "lib/tokenbucket.h"
#include "lib/util.h"

void
tokenbucket_set(struct tokenbucket *tb, uint64_t rate, uint64_t burst, double now)
{
	(void)tokenbucket_refill(tb, now);
	tb->tb_rate = (double)rate;
	/* Less than a tenth of a second's worth would stall between refills. */
	tb->tb_burst = MAX((double)burst, tb->tb_rate / 10);
	tb->tb_tokens = MIN(tb->tb_tokens, tb->tb_burst);
	tb->tb_last = now;
}

void
tokenbucket_init(struct tokenbucket *tb, uint64_t rate, uint64_t burst, double now)
{
	tb->tb_rate = 0;
	tb->tb_burst = 0;
	tb->tb_tokens = 0;
	tb->tb_last = now;
	tokenbucket_set(tb, rate, burst, now);
	tb->tb_tokens = tb->tb_burst;
}

int64_t
tokenbucket_refill(struct tokenbucket *tb, double now)
{
	if (now > tb->tb_last) {
		tb->tb_tokens = MIN(tb->tb_burst, tb->tb_tokens + (now - tb->tb_last) * tb->tb_rate);
		tb->tb_last = now;
	}
	return (int64_t)tb->tb_tokens;
}

void
tokenbucket_take(struct tokenbucket *tb, uint64_t n)
{
	tb->tb_tokens -= (double)n;
}

double
tokenbucket_wait(const struct tokenbucket *tb, uint64_t want)
{
	double missing = (double)want - tb->tb_tokens;

	if (missing <= 0 || tb->tb_rate <= 0)
		return 0;
	return missing / tb->tb_rate;
}
