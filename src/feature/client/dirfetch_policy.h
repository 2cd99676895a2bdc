/*
 * dirfetch_policy.h: the directory client's pure decisions, apart from
 * the fetching so they can be tested alone: whether a fetched (or
 * cached) consensus is taken, when to fetch the next one, and how long
 * to wait after a round of failures.  No I/O, no clock: callers pass
 * `now` (wall seconds) and a random source.
 */
#ifndef TORD_FEATURE_CLIENT_DIRFETCH_POLICY_H
#define TORD_FEATURE_CLIENT_DIRFETCH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/docfmt.h"
#include "feature/client/path.h"
#include "feature/dir/netstatus.h"

/*
 * How long after valid-until a consensus is still "reasonably live"
 * (Tor: 24 h): kept as a reference against rollback, shown to the
 * control port, but never used for new circuits.
 */
#define DIRFETCH_REASONABLY_LIVE	(24 * 3600)
/* Retry delays after a failed round: 1, 2, 4 ... up to this (seconds). */
#define DIRFETCH_MAX_BACKOFF		60

enum dirfetch_verdict {
	DFV_ACCEPT,	/* live, signed, newer than what we hold: use it */
	DFV_SAME,	/* live and signed, but not newer (same valid-after) */
	DFV_REFERENCE,	/* signed, expired at most DIRFETCH_REASONABLY_LIVE ago */
	DFV_REJECT,	/* why says why */
};

/*
 * Judge consensus c (parsed) against the n trusted authority ids, the
 * consensus held now (NULL if none) and the time.  Signatures by more
 * than half of the trusted authorities and the validity window come
 * from consensus_verify(); a consensus older than the held one is a
 * rollback and refused.  why is set for every verdict but DFV_ACCEPT
 * (for DFV_REFERENCE it says when it expired).
 */
enum dirfetch_verdict dirfetch_judge(const struct netstatus *c, const struct netstatus *held,
	    const uint8_t (*trusted)[32], size_t n, int64_t now, struct docfmt_reason *why);

/*
 * A consensus an authority has just served is signed but not valid now:
 * the clock of this machine may be wrong (an authority serves its
 * newest consensus, which is never in the future).  If c carries good
 * signatures and now lies before its valid-after (less the allowed
 * skew) or after its valid-until, write into out a sentence that says by
 * how much this clock is off, at least, and return true; else false.
 */
bool	dirfetch_clock_hint(const struct netstatus *c, const uint8_t (*trusted)[32], size_t n,
	    int64_t now, char *out, size_t outlen);

/*
 * When to fetch the consensus after one valid over [va, vu) and fresh
 * until fu (Tor's client rule): uniformly in [start, start + span) with
 * start = fu + 3/4 (fu - va) and span = 7/8 (vu - start), at least 1 s
 * and ending before vu.  Works for short test intervals (10 s).  Never
 * earlier than now.  Wall seconds.
 */
int64_t	dirfetch_next_fetch(int64_t va, int64_t fu, int64_t vu, int64_t now,
	    path_rng_fn rng, void *rng_arg);

/*
 * Seconds to wait before the next round after `failures` failed rounds
 * in a row (>= 1): b = min(2^(failures-1), DIRFETCH_MAX_BACKOFF), drawn
 * uniformly in [ceil(b/2), b] so that clients restarted together spread out.
 */
int64_t	dirfetch_backoff(unsigned failures, path_rng_fn rng, void *rng_arg);

#endif
