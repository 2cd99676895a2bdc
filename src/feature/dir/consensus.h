/*
 * consensus.h: computing the consensus from votes, checking a consensus
 * on the client, and the authority's flag assignment.  The document
 * itself (struct netstatus, format, parse, signatures) is netstatus.h.
 *
 * Life of a consensus:
 *	authority:  vote = netstatus_new(NS_VOTE), fill, netstatus_finish,
 *	            netstatus_sign, netstatus_format -> send to peers
 *	            peers' votes: netstatus_parse(NS_VOTE) + vote_verify
 *	            c = consensus_compute(votes) (byte-identical everywhere)
 *	            netstatus_sign(c, own key); send the detached signature;
 *	            netstatus_add_signature(c, peer, sig) for each peer
 *	client:     netstatus_parse(NS_CONSENSUS) + consensus_verify
 */
#ifndef TORD_FEATURE_DIR_CONSENSUS_H
#define TORD_FEATURE_DIR_CONSENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature/dir/netstatus.h"

/* Clock skew tolerated before valid-after, in seconds. */
#define CONSENSUS_CLOCK_SKEW	300

/*
 * Compute the consensus from n verified votes (any order; the result is
 * byte-identical for the same set).  Rules, with n = number of votes:
 *  - a relay is listed if more than n/2 votes list it;
 *  - its fields come from the listing vote with the newest published
 *    descriptor (ties: the voter with the smallest identity);
 *  - each flag is set if more than half of the votes listing it set it;
 *  - its weight is the low median of the listing votes' weights;
 *  - times and voting-interval are the low medians over all votes;
 *  - a param is kept if more than n/2 votes have it, at its low median;
 *  - dir-source lists every voter.
 * Returns a finished, unsigned consensus, or NULL with the reason (no
 * votes, too many, a vote twice from one authority, bad times).
 */
struct netstatus *consensus_compute(const struct netstatus *const *votes, size_t n,
	    struct docfmt_reason *why);

/*
 * Accept c only if more than half of the n distinct trusted authority
 * identities made valid signatures (unknown signers are ignored, repeats
 * count once) and now lies in [valid-after - CONSENSUS_CLOCK_SKEW,
 * valid-until].  0 if acceptable; -1 with the reason, e.g. "signed by 1
 * of 3 trusted authorities, need 2", "bad signature from <fp>; ...",
 * "expired at 2024-01-01 03:00:00".
 */
int	consensus_verify(const struct netstatus *c, const uint8_t (*trusted)[32],
	    size_t n, int64_t now, struct docfmt_reason *why);

/* What the authority measured about one relay, for flag assignment. */
struct flag_inputs {
	bool		fi_reachable;		/* passed the last TLS test */
	uint64_t	fi_uptime;		/* seconds, as tested */
	uint64_t	fi_bandwidth;		/* bytes/s (see dir_bandwidth_weight) */
	bool		fi_exit_useful;		/* exit flag and policy allows some port */
	bool		fi_allowlisted;		/* on the authority's allow-list */
};

struct flag_thresholds {
	uint64_t	ft_fast_bw;		/* bytes/s for Fast */
	uint64_t	ft_stable_uptime;	/* seconds for Stable */
	uint64_t	ft_guard_bw;		/* bytes/s for Guard */
	uint64_t	ft_guard_uptime;	/* seconds for Guard */
	bool		ft_require_allowlist;	/* Valid only if allow-listed */
};

/*
 * Tor-like defaults: Fast >= 100 KB/s, Stable >= 7 days, Guard >= 2 MB/s
 * and 8 days, no allow-list.  Test networks set everything to 0.
 */
void	flag_thresholds_default(struct flag_thresholds *t);
/*
 * Flags for one relay (pure).  Running = reachable; Valid = allow-listed
 * or no allow-list; Fast, Stable by thresholds; Guard = Running, Valid,
 * Fast, Stable and the guard thresholds; Exit = useful exit.  A relay
 * without Running and Valid gets no other flag and should not be voted.
 */
uint32_t dir_assign_flags(const struct flag_inputs *in, const struct flag_thresholds *t);
/*
 * Consensus weight in kB/s from a descriptor's rates:
 * min(avg, max(observed, DIR_UNMEASURED_BW)) / 1000.
 */
#define DIR_UNMEASURED_BW	20000	/* bytes/s */
uint32_t dir_bandwidth_weight(uint64_t avg, uint64_t observed);

#endif
