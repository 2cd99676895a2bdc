/*
 * bwhist.h: the relay's observed bandwidth, the third number of the
 * descriptor's "bandwidth" line.
 *
 * As Tor: the highest rate sustained over one sampling period (about 10
 * seconds) in the last day, taken separately for bytes read and written;
 * the observed bandwidth is the smaller of the two maxima (a relay
 * forwards what it reads, so the smaller side is what it proved it can
 * carry).  Pure: the caller passes the time and the byte counters
 * (conn_total_read/written) and owns the timer.
 */
#ifndef TORD_FEATURE_RELAY_BWHIST_H
#define TORD_FEATURE_RELAY_BWHIST_H

#include <stdbool.h>
#include <stdint.h>

#define BWHIST_PERIOD		10.0	/* seconds between samples */
#define BWHIST_BUCKET_SECS	3600.0	/* one maximum kept per hour ... */
#define BWHIST_BUCKETS		24	/* ... for a day */

struct bwhist {
	bool		bh_started;
	double		bh_last_t;		/* time of the last sample */
	uint64_t	bh_last_read, bh_last_written;
	double		bh_bucket_start;	/* start of bucket bh_cur */
	unsigned	bh_cur;
	uint64_t	bh_max_read[BWHIST_BUCKETS];	/* bytes/s */
	uint64_t	bh_max_written[BWHIST_BUCKETS];
};

/* Start counting at time now (seconds, monotonic) from these counters. */
void		bwhist_init(struct bwhist *h, double now, uint64_t read, uint64_t written);
/*
 * Record the counters at time now.  Samples closer than half a period to
 * the previous one are ignored (the next one covers them); counters that
 * went backwards restart the count without recording a rate.
 */
void		bwhist_sample(struct bwhist *h, double now, uint64_t read, uint64_t written);
/* Observed bandwidth in bytes/s: min(max read rate, max write rate) over the day. */
uint64_t	bwhist_observed(const struct bwhist *h);

#endif
