/*
 * dirfetch_policy.c: accept/rollback verdicts, the refetch schedule and
 * the retry backoff of the directory client (rules in
 * dirfetch_policy.h).  Called by dirfetch.c; pure.
 */
#include "config.h"

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
