/*
 * bwhist.c: observed bandwidth history (see bwhist.h).  Pure arithmetic
 * over counters and times handed in by feature/relay/publish.c.
 */
#include "config.h"

#include <string.h>

#include "feature/relay/bwhist.h"

void
bwhist_init(struct bwhist *h, double now, uint64_t read, uint64_t written)
{
	memset(h, 0, sizeof(*h));
	h->bh_started = true;
	h->bh_last_t = now;
	h->bh_last_read = read;
	h->bh_last_written = written;
	h->bh_bucket_start = now;
}

/* Move to the bucket holding time now, clearing the buckets skipped. */
static void
bwhist_advance(struct bwhist *h, double now)
{
	unsigned steps = 0;

	while (now - h->bh_bucket_start >= BWHIST_BUCKET_SECS && steps < BWHIST_BUCKETS) {
		h->bh_cur = (h->bh_cur + 1) % BWHIST_BUCKETS;
		h->bh_max_read[h->bh_cur] = 0;
		h->bh_max_written[h->bh_cur] = 0;
		h->bh_bucket_start += BWHIST_BUCKET_SECS;
		steps++;
	}
	/* A gap of a day or more: everything is cleared, start afresh. */
	if (now - h->bh_bucket_start >= BWHIST_BUCKET_SECS)
		h->bh_bucket_start = now;
}

void
bwhist_sample(struct bwhist *h, double now, uint64_t read, uint64_t written)
{
	double dt;
	uint64_t r, w;

	if (!h->bh_started) {
		bwhist_init(h, now, read, written);
		return;
	}
	dt = now - h->bh_last_t;
	if (dt < BWHIST_PERIOD / 2)
		return;
	if (read < h->bh_last_read || written < h->bh_last_written) {
		h->bh_last_t = now;
		h->bh_last_read = read;
		h->bh_last_written = written;
		return;
	}
	bwhist_advance(h, now);
	r = (uint64_t)((double)(read - h->bh_last_read) / dt);
	w = (uint64_t)((double)(written - h->bh_last_written) / dt);
	if (r > h->bh_max_read[h->bh_cur])
		h->bh_max_read[h->bh_cur] = r;
	if (w > h->bh_max_written[h->bh_cur])
		h->bh_max_written[h->bh_cur] = w;
	h->bh_last_t = now;
	h->bh_last_read = read;
	h->bh_last_written = written;
}

uint64_t
bwhist_observed(const struct bwhist *h)
{
	uint64_t mr = 0, mw = 0;
	unsigned i;

	for (i = 0; i < BWHIST_BUCKETS; i++) {
		if (h->bh_max_read[i] > mr)
			mr = h->bh_max_read[i];
		if (h->bh_max_written[i] > mw)
			mw = h->bh_max_written[i];
	}
	return mr < mw ? mr : mw;
}
