/*
 * consensus.c: deterministic consensus computation from votes, client
 * verification of a consensus (signature majority and validity window),
 * and the authority's pure flag assignment.  Called by the authority
 * (feature/dir) and by the client (feature/client) after
 * netstatus_parse().  No I/O, no clock: callers pass `now`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feature/dir/consensus.h"
#include "lib/util.h"

static int
i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Low median of v[0..n), n > 0; sorts v. */
static int64_t
low_median(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), i64_cmp);
	return v[(n - 1) / 2];
}

struct vote_ref {
	const struct ns_entry	*vr_e;
	const uint8_t		*vr_voter;
};

static int
vote_ref_cmp(const void *a, const void *b)
{
	const struct vote_ref *x = a, *y = b;
	int c = memcmp(x->vr_e->e_id, y->vr_e->e_id, ED25519_PUB_LEN);

	return c ? c : memcmp(x->vr_voter, y->vr_voter, ED25519_PUB_LEN);
}

static int
voter_cmp(const void *a, const void *b)
{
	const struct netstatus *const *x = a, *const *y = b;

	return memcmp((*x)->ns_voters[0], (*y)->ns_voters[0], ED25519_PUB_LEN);
}

/* Merge one relay's group of listings g[0..c) (sorted by voter) into e. */
static void
merge_group(const struct vote_ref *g, size_t c, struct ns_entry *e, int64_t *tmp)
{
	size_t i, best = 0, votes[NSF_COUNT] = { 0 };
	uint32_t f;

	for (i = 0; i < c; i++) {
		if (g[i].vr_e->e_published > g[best].vr_e->e_published)
			best = i;
		for (f = 0; f < NSF_COUNT; f++)
			if (g[i].vr_e->e_flags & (1u << f))
				votes[f]++;
		tmp[i] = g[i].vr_e->e_bandwidth;
	}
	*e = *g[best].vr_e;
	e->e_flags = 0;
	for (f = 0; f < NSF_COUNT; f++)
		if (2 * votes[f] > c)
			e->e_flags |= 1u << f;
	e->e_bandwidth = (uint32_t)low_median(tmp, c);
}

static void
merge_params(const struct netstatus *const *v, size_t n, struct netstatus *c)
{
	int64_t vals[NS_MAX_AUTH];
	size_t i, j, k, cnt;

	/* Candidate keys: those of each vote, in order; skip ones seen. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i]->ns_n_params; j++) {
			const char *key = v[i]->ns_params[j].p_key;
			bool done = false;

			for (k = 0; k < c->ns_n_params && !done; k++)
				done = strcmp(c->ns_params[k].p_key, key) == 0;
			for (k = 0; k < i && !done; k++) {
				size_t m;

				for (m = 0; m < v[k]->ns_n_params && !done; m++)
					done = strcmp(v[k]->ns_params[m].p_key, key) == 0;
			}
			if (done)
				continue;
			cnt = 0;
			for (k = 0; k < n; k++) {
				size_t m;

				for (m = 0; m < v[k]->ns_n_params; m++)
					if (strcmp(v[k]->ns_params[m].p_key, key) == 0)
						vals[cnt++] = v[k]->ns_params[m].p_value;
			}
			if (2 * cnt > n && c->ns_n_params < NS_MAX_PARAMS) {
				memcpy(c->ns_params[c->ns_n_params].p_key, key,
				    NS_PARAM_KEYLEN);
				c->ns_params[c->ns_n_params].p_value =
				    (int32_t)low_median(vals, cnt);
				c->ns_n_params++;
			}
		}
	}
}

struct netstatus *
consensus_compute(const struct netstatus *const *votes_in, size_t n,
    struct docfmt_reason *why)
{
	const struct netstatus *votes[NS_MAX_AUTH];
	struct netstatus *c;
	struct vote_ref *refs;
	int64_t t[4][NS_MAX_AUTH], tmp[NS_MAX_AUTH];
	size_t i, j, nrefs = 0;

	if (n == 0 || n > NS_MAX_AUTH) {
		docfmt_reason_set(why, "need 1 to %d votes, got %zu", NS_MAX_AUTH, n);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (votes_in[i]->ns_kind != NS_VOTE || votes_in[i]->ns_n_voters != 1) {
			docfmt_reason_set(why, "input %zu is not a vote", i);
			return NULL;
		}
		votes[i] = votes_in[i];
		nrefs += votes[i]->ns_n_entries;
	}
	/* Sort the votes by voter so that arrival order cannot matter. */
	qsort(votes, n, sizeof(votes[0]), voter_cmp);
	for (i = 1; i < n; i++)
		if (voter_cmp(&votes[i - 1], &votes[i]) == 0) {
			docfmt_reason_set(why, "two votes from one authority");
			return NULL;
		}
	c = netstatus_new(NS_CONSENSUS);
	for (i = 0; i < n; i++) {
		t[0][i] = votes[i]->ns_valid_after;
		t[1][i] = votes[i]->ns_fresh_until;
		t[2][i] = votes[i]->ns_valid_until;
		t[3][i] = votes[i]->ns_voting_interval;
		memcpy(c->ns_voters[i], votes[i]->ns_voters[0], ED25519_PUB_LEN);
	}
	c->ns_n_voters = n;
	c->ns_valid_after = low_median(t[0], n);
	c->ns_fresh_until = low_median(t[1], n);
	c->ns_valid_until = low_median(t[2], n);
	c->ns_voting_interval = (uint32_t)low_median(t[3], n);
	c->ns_known_flags = NSF_ALL;
	merge_params(votes, n, c);

	refs = xcalloc(nrefs ? nrefs : 1, sizeof(*refs));
	nrefs = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < votes[i]->ns_n_entries; j++) {
			refs[nrefs].vr_e = &votes[i]->ns_entries[j];
			refs[nrefs].vr_voter = votes[i]->ns_voters[0];
			nrefs++;
		}
	qsort(refs, nrefs, sizeof(*refs), vote_ref_cmp);
	for (i = 0; i < nrefs; i = j) {
		struct ns_entry e;

		for (j = i + 1; j < nrefs; j++)
			if (memcmp(refs[j].vr_e->e_id, refs[i].vr_e->e_id, ED25519_PUB_LEN))
				break;
		/* A vote listing a relay twice is refused by its parser; be safe. */
		if (j - i > n || 2 * (j - i) <= n)
			continue;
		merge_group(&refs[i], j - i, &e, tmp);
		netstatus_add_entry(c, &e);
	}
	free(refs);
	if (netstatus_finish(c, why) < 0) {
		netstatus_free(c);
		return NULL;
	}
	return c;
}

int
consensus_verify(const struct netstatus *c, const uint8_t (*trusted)[32], size_t n,
    int64_t now, struct docfmt_reason *why)
{
	char t[DOCFMT_TIME_LEN + 1];
	char badfp[DOCFMT_FP_HEXLEN + 1] = "";
	size_t i, j, distinct = 0, good = 0, need;

	if (c->ns_kind != NS_CONSENSUS || c->ns_body == NULL) {
		docfmt_reason_set(why, "not a consensus");
		return -1;
	}
	for (i = 0; i < n; i++) {
		bool dup = false;

		for (j = 0; j < i && !dup; j++)
			dup = memcmp(trusted[i], trusted[j], ED25519_PUB_LEN) == 0;
		if (dup)
			continue;
		distinct++;
		for (j = 0; j < c->ns_n_sigs; j++)
			if (memcmp(c->ns_sigs[j].s_id, trusted[i], ED25519_PUB_LEN) == 0)
				break;
		if (j == c->ns_n_sigs)
			continue;
		if (ed25519_verify(trusted[i], c->ns_digest, sizeof(c->ns_digest),
		    c->ns_sigs[j].s_sig))
			good++;
		else if (badfp[0] == '\0')
			docfmt_fp_encode(trusted[i], badfp);
	}
	if (distinct == 0) {
		docfmt_reason_set(why, "no trusted authorities configured");
		return -1;
	}
	need = distinct / 2 + 1;
	if (good < need) {
		if (badfp[0] != '\0')
			docfmt_reason_set(why, "bad signature from %s; signed by %zu of %zu "
			    "trusted authorities, need %zu", badfp, good, distinct, need);
		else
			docfmt_reason_set(why, "signed by %zu of %zu trusted authorities, "
			    "need %zu", good, distinct, need);
		return -1;
	}
	if (now < c->ns_valid_after - CONSENSUS_CLOCK_SKEW) {
		docfmt_time_format(c->ns_valid_after, t);
		docfmt_reason_set(why, "not valid until %s", t);
		return -1;
	}
	if (now > c->ns_valid_until) {
		docfmt_time_format(c->ns_valid_until, t);
		docfmt_reason_set(why, "expired at %s", t);
		return -1;
	}
	return 0;
}

void
flag_thresholds_default(struct flag_thresholds *t)
{
	memset(t, 0, sizeof(*t));
	t->ft_fast_bw = 100 * 1000;
	t->ft_stable_uptime = 7 * 86400;
	t->ft_guard_bw = 2 * 1000 * 1000;
	t->ft_guard_uptime = 8 * 86400;
	t->ft_require_allowlist = false;
}

uint32_t
dir_assign_flags(const struct flag_inputs *in, const struct flag_thresholds *t)
{
	uint32_t f = 0;

	if (!in->fi_reachable || (t->ft_require_allowlist && !in->fi_allowlisted))
		return in->fi_reachable ? NSF_RUNNING : 0;
	f = NSF_RUNNING | NSF_VALID;
	if (in->fi_bandwidth >= t->ft_fast_bw)
		f |= NSF_FAST;
	if (in->fi_uptime >= t->ft_stable_uptime)
		f |= NSF_STABLE;
	if ((f & NSF_FAST) && (f & NSF_STABLE) && in->fi_bandwidth >= t->ft_guard_bw &&
	    in->fi_uptime >= t->ft_guard_uptime)
		f |= NSF_GUARD;
	if (in->fi_exit_useful)
		f |= NSF_EXIT;
	return f;
}

uint32_t
dir_bandwidth_weight(uint64_t avg, uint64_t observed)
{
	/*
	 * A relay that has carried little yet (a new one, or any relay of an
	 * idle test network) is counted as DIR_UNMEASURED_BW, Tor's figure for
	 * unmeasured relays, so it is neither shown as 0 nor trusted for more
	 * than it has shown; never above what it advertises.
	 */
	uint64_t bw = MIN(avg, MAX(observed, DIR_UNMEASURED_BW)) / 1000;

	return bw > UINT32_MAX ? UINT32_MAX : (uint32_t)bw;
}
