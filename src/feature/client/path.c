/*
 * path.c: bandwidth-weighted three-hop path selection (rules in path.h)
 * and the guard state file codec.  Called by the client's circuit pool
 * when it launches a circuit, and at start/exit to load and save the
 * guard.  Pure: randomness is injected, no I/O.
 */
#include "config.h"

#include <string.h>

#include "feature/client/path.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/util.h"

/* Times the exit is redrawn when no guard or middle fits with it. */
#define PATH_EXIT_TRIES	8

uint64_t
path_rng_crypto(void *arg, uint64_t n)
{
	return crypto_rand_uniform(n);
}

enum hop { HOP_EXIT, HOP_GUARD, HOP_MIDDLE };

static bool
compatible(const struct node *a, const struct node *b, bool subnets)
{
	if (a == NULL || b == NULL)
		return true;
	if (a == b || node_same_family(a, b))
		return false;
	return !(subnets && node_same_subnet(a, b));
}

static bool
excluded(const struct node *n, const struct path_opts *o)
{
	size_t i;

	for (i = 0; i < o->po_n_exclude; i++)
		if (memcmp(n->n_id, o->po_exclude[i], ED25519_PUB_LEN) == 0)
			return true;
	return false;
}

static bool
eligible(const struct node *n, enum hop hop, const struct path_opts *o,
    const struct node *x, const struct node *y)
{
	const uint32_t base = NSF_RUNNING | NSF_VALID;

	if ((n->n_flags & base) != base)
		return false;
	if (hop != HOP_GUARD && excluded(n, o))
		return false;
	switch (hop) {
	case HOP_EXIT:
		if (!(n->n_flags & NSF_EXIT))
			return false;
		if (o->po_port ? !policy_summary_allows(&n->n_policy, o->po_port) :
		    !policy_summary_allows_any(&n->n_policy))
			return false;
		break;
	case HOP_GUARD:
		if (!(n->n_flags & NSF_GUARD))
			return false;
		break;
	case HOP_MIDDLE:
		break;
	}
	return compatible(n, x, o->po_enforce_subnets) &&
	    compatible(n, y, o->po_enforce_subnets);
}

static uint64_t
weight(const struct node *n)
{
	return n->n_bandwidth ? n->n_bandwidth : 1;
}

/* Weighted draw among eligible nodes, avoiding x and y; NULL if none. */
static const struct node *
pick(const nodelist_t *nl, enum hop hop, const struct path_opts *o,
    const struct node *x, const struct node *y)
{
	uint64_t total = 0, r;
	size_t i;

	for (i = 0; i < nl->nl_n; i++)
		if (eligible(&nl->nl_nodes[i], hop, o, x, y))
			total += weight(&nl->nl_nodes[i]);
	if (total == 0)
		return NULL;
	r = o->po_rng(o->po_rng_arg, total);
	if (BUG(r >= total))
		r = total - 1;
	for (i = 0; i < nl->nl_n; i++) {
		const struct node *n = &nl->nl_nodes[i];

		if (!eligible(n, hop, o, x, y))
			continue;
		if (r < weight(n))
			return n;
		r -= weight(n);
	}
	return NULL;	/* not reached */
}

int
path_choose(const nodelist_t *nl, const struct path_opts *o, struct path *out,
    struct docfmt_reason *why)
{
	const struct node *pinned = NULL, *exit_, *guard = NULL, *middle = NULL;
	int tries;

	memset(out, 0, sizeof(*out));
	if (o->po_guard != NULL) {
		pinned = nodelist_find(nl, o->po_guard);
		if (pinned != NULL && !eligible(pinned, HOP_GUARD, o, NULL, NULL))
			pinned = NULL;
	}
	for (tries = 0; tries < PATH_EXIT_TRIES; tries++) {
		exit_ = pick(nl, HOP_EXIT, o, pinned, NULL);
		if (exit_ == NULL) {
			if (o->po_port)
				docfmt_reason_set(why, "no exit relay accepts port %u%s",
				    o->po_port, pinned ? " alongside our guard" : "");
			else
				docfmt_reason_set(why, "no exit relay%s",
				    pinned ? " fits with our guard" : "");
			return -1;
		}
		guard = pinned ? pinned : pick(nl, HOP_GUARD, o, exit_, NULL);
		if (guard == NULL) {
			docfmt_reason_set(why, "no usable guard for exit %s",
			    exit_->n_nickname);
			continue;
		}
		middle = pick(nl, HOP_MIDDLE, o, exit_, guard);
		if (middle != NULL)
			break;
		docfmt_reason_set(why, "no middle relay fits between %s and %s",
		    guard->n_nickname, exit_->n_nickname);
	}
	if (middle == NULL)
		return -1;
	out->p_exit = exit_;
	out->p_guard = guard;
	out->p_middle = middle;
	out->p_guard_replaced = pinned == NULL;
	return 0;
}

char *
guard_state_format(const struct guard_state *gs, size_t *len)
{
	struct buf b = BUF_INIT;
	char fp[DOCFMT_FP_HEXLEN + 1], t[DOCFMT_TIME_LEN + 1];

	if (gs->gs_has_guard) {
		docfmt_fp_encode(gs->gs_id, fp);
		docfmt_time_format(gs->gs_first_chosen, t);
		docfmt_printf(&b, "guard %s\nfirst-chosen %s\n", fp, t);
		if (gs->gs_last_failure > 0) {
			docfmt_time_format(gs->gs_last_failure, t);
			docfmt_printf(&b, "last-failure %s\n", t);
		}
	}
	return docfmt_take(&b, len);
}

int
guard_state_parse(const char *p, size_t len, struct guard_state *out,
    struct docfmt_reason *why)
{
	static const struct docfmt_limits lim = { 4096, 256, 8 };
	struct docfmt_reader r;
	struct docfmt_item it;
	int rv;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	if (docfmt_reader_init(&r, p, len, &lim) < 0) {
		docfmt_reason_set(why, "%s", r.dr_err);
		return -1;
	}
	if (docfmt_next(&r, &it) != PARSE_OK || !docfmt_is(&it, "guard") ||
	    it.it_nargs != 1 || docfmt_arg_fp(&it, 0, out->gs_id) < 0) {
		docfmt_reason_set(why, "%s", r.dr_err[0] ? r.dr_err : "bad guard line");
		return -1;
	}
	if (docfmt_next(&r, &it) != PARSE_OK || !docfmt_is(&it, "first-chosen") ||
	    it.it_nargs != 2 || docfmt_arg_time(&it, 0, &out->gs_first_chosen) < 0) {
		docfmt_reason_set(why, "%s", r.dr_err[0] ? r.dr_err : "bad first-chosen line");
		return -1;
	}
	rv = docfmt_next(&r, &it);
	if (rv == PARSE_OK) {
		if (!docfmt_is(&it, "last-failure") || it.it_nargs != 2 ||
		    docfmt_arg_time(&it, 0, &out->gs_last_failure) < 0 ||
		    out->gs_last_failure == 0) {
			docfmt_reason_set(why, "bad last-failure line");
			return -1;
		}
		rv = docfmt_next(&r, &it);
	}
	if (rv != PARSE_NEED_MORE) {
		docfmt_reason_set(why, "%s", r.dr_err[0] ? r.dr_err : "unexpected line");
		return -1;
	}
	out->gs_has_guard = true;
	return 0;
}
