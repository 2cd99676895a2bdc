/*
 * dirfetch_policy.c: accept/rollback verdicts, the refetch schedule and
 * the retry backoff of the directory client (rules in
 * dirfetch_policy.h).  Called by dirfetch.c; pure.
 */
#include "config.h"

#include <stdio.h>

#include "feature/client/dirfetch_policy.h"
#include "feature/dir/consensus.h"
#include "lib/util.h"

enum dirfetch_verdict
dirfetch_judge(const struct netstatus *c, const struct netstatus *held,
    const uint8_t (*trusted)[32], size_t n, int64_t now, struct docfmt_reason *why)
{
	char t1[DOCFMT_TIME_LEN + 1], t2[DOCFMT_TIME_LEN + 1];
	struct docfmt_reason sigs;
	enum dirfetch_verdict v = DFV_ACCEPT;

	if (consensus_verify(c, trusted, n, now, why) < 0) {
		/*
		 * Was it only the time?  Checked at its own valid-after, the
		 * signatures alone decide; an expired but reasonably live
		 * consensus still bounds what we may be rolled back to.
		 */
		if (c->ns_kind != NS_CONSENSUS || now <= c->ns_valid_until ||
		    now - c->ns_valid_until > DIRFETCH_REASONABLY_LIVE ||
		    consensus_verify(c, trusted, n, c->ns_valid_after, &sigs) < 0)
			return DFV_REJECT;
		v = DFV_REFERENCE;
	}
	if (held != NULL && c->ns_valid_after < held->ns_valid_after) {
		docfmt_time_format(c->ns_valid_after, t1);
		docfmt_time_format(held->ns_valid_after, t2);
		docfmt_reason_set(why, "older than the consensus we hold (valid-after %s, "
		    "ours %s): rollback refused", t1, t2);
		return DFV_REJECT;
	}
	if (held != NULL && c->ns_valid_after == held->ns_valid_after) {
		docfmt_time_format(c->ns_valid_after, t1);
		docfmt_reason_set(why, "not newer than the consensus we hold "
		    "(valid-after %s)", t1);
		return v == DFV_ACCEPT ? DFV_SAME : DFV_REJECT;
	}
	return v;
}

int64_t
dirfetch_next_fetch(int64_t va, int64_t fu, int64_t vu, int64_t now, path_rng_fn rng,
    void *rng_arg)
{
	int64_t interval = fu - va, start, span, when;

	if (interval < 0)
		interval = 0;
	start = fu + interval * 3 / 4;
	span = (vu - start) * 7 / 8;
	if (span < 1)
		span = 1;
	/* Leave room to fetch again before it expires, as Tor does. */
	if (start + span >= vu)
		start = vu - span - 1;
	when = start + (int64_t)rng(rng_arg, (uint64_t)span);
	return MAX(when, now);
}

int64_t
dirfetch_backoff(unsigned failures, path_rng_fn rng, void *rng_arg)
{
	int64_t b = DIRFETCH_MAX_BACKOFF, lo;

	if (failures < 1)
		failures = 1;
	if (failures <= 6)
		b = MIN((int64_t)1 << (failures - 1), DIRFETCH_MAX_BACKOFF);
	lo = (b + 1) / 2;
	return lo + (int64_t)rng(rng_arg, (uint64_t)(b - lo + 1));
}

/* "3 h 5 min", "12 min", "40 s": a rough duration for a log line. */
static void
fmt_span(int64_t s, char *out, size_t len)
{
	if (s >= 86400)
		snprintf(out, len, "%lld d %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(out, len, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, len, "%lld min", (long long)(s / 60));
	else
		snprintf(out, len, "%lld s", (long long)s);
}

bool
dirfetch_clock_hint(const struct netstatus *c, const uint8_t (*trusted)[32], size_t n,
    int64_t now, char *out, size_t outlen)
{
	struct docfmt_reason why;
	char span[32];

	if (c->ns_kind != NS_CONSENSUS ||
	    consensus_verify(c, trusted, n, c->ns_valid_after, &why) < 0)
		return false;	/* not (only) a matter of time */
	if (now < c->ns_valid_after - CONSENSUS_CLOCK_SKEW) {
		fmt_span(c->ns_valid_after - now, span, sizeof(span));
		snprintf(out, outlen, "it starts %s after this machine's clock: is the clock "
		    "slow? Set it right (NTP); a client's clock must be within %d min of "
		    "the authorities'", span, CONSENSUS_CLOCK_SKEW / 60);
		return true;
	}
	if (now > c->ns_valid_until) {
		fmt_span(now - c->ns_valid_until, span, sizeof(span));
		snprintf(out, outlen, "it expired %s before this machine's clock: either the "
		    "authorities stopped agreeing on new ones, or the clock is fast (check "
		    "it: NTP)", span);
		return true;
	}
	return false;
}
