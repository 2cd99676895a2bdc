/*
 * dirpath.c: the circuit pool's path and exit-policy hooks over the
 * consensus (dirpath.h).  Called by the pool for each launch, by
 * dirfetch.c when a consensus is installed; reports circuit outcomes
 * to guard.c.
 */
#include "config.h"

#include <string.h>

#include "core/or/circuit.h"
#include "feature/client/circuit_pool.h"
#include "feature/client/dirpath.h"
#include "feature/client/guard.h"
#include "feature/client/path.h"
#include "lib/log.h"
#include "lib/util.h"

/* Draws of a new guard to get past the one just dropped for failing. */
#define DIRPATH_GUARD_DRAWS	8

static struct {
	bool			 running;
	bool			 enforce_subnets;
	const nodelist_t	*nl;
	bool			 expired_logged;
	client_pick_path_fn	 prev_pick;
	client_exit_policy_fn	 prev_policy;
	client_circuit_result_fn prev_result;
} dp;

static bool
dirpath_live(void)
{
	char t[DOCFMT_TIME_LEN + 1];

	if (dp.nl == NULL)
		return false;
	if (util_wall_sec() <= dp.nl->nl_valid_until)
		return true;
	if (!dp.expired_logged) {
		docfmt_time_format(dp.nl->nl_valid_until, t);
		log_warn(LD_DIR, "the consensus expired at %s: no new circuits until a "
		    "live one is fetched", t);
		dp.expired_logged = true;
	}
	return false;
}

static int
dirpath_pick(uint16_t port, const struct client_exclude *ex, struct relay_info out[3])
{
	struct path_opts o;
	struct docfmt_reason why;
	struct path p;
	const uint8_t *avoid;
	int draws;

	if (!dirpath_live())
		return -1;
	memset(&o, 0, sizeof(o));
	o.po_port = port;
	o.po_enforce_subnets = dp.enforce_subnets;
	o.po_guard = guard_current();
	o.po_rng = path_rng_crypto;
	if (ex != NULL) {
		o.po_exclude = ex->ce_id;
		o.po_n_exclude = ex->ce_n;
	}
	for (draws = 0; draws < DIRPATH_GUARD_DRAWS; draws++) {
		if (path_choose(dp.nl, &o, &p, &why) < 0) {
			/* The pool says so at notice; the reason may name the port. */
			log_info(LD_CIRC, "no path from the consensus: %s", why.msg);
			return -1;
		}
		/* A new guard: not the one just dropped for failing, if we can help it. */
		if (!p.p_guard_replaced || (avoid = guard_avoid()) == NULL ||
		    memcmp(p.p_guard->n_id, avoid, ED25519_PUB_LEN) != 0)
			break;
	}
	if (p.p_guard_replaced)
		guard_set(p.p_guard);
	node_to_relay_info(p.p_guard, &out[0]);
	node_to_relay_info(p.p_middle, &out[1]);
	node_to_relay_info(p.p_exit, &out[2]);
	return 3;
}

static bool
dirpath_exit_policy(const uint8_t id[IDENTITY_LEN], struct policy_summary *out)
{
	const struct node *n;

	if (dp.nl == NULL || (n = nodelist_find(dp.nl, id)) == NULL)
		return false;
	*out = n->n_policy;
	return true;
}

static void
dirpath_result(const struct circuit *c, bool built)
{
	if (c->c_n_hops > 0)
		guard_note_circuit(c->c_hops[0].h_relay.ri_id, built, c->c_n_built);
}

/* Before the first consensus, requests wait rather than fail. */
static bool
dirpath_pending(void)
{
	return dp.running && dp.nl == NULL;
}

void
dirpath_start(bool enforce_subnets)
{
	if (dp.running)
		return;
	memset(&dp, 0, sizeof(dp));
	dp.running = true;
	dp.enforce_subnets = enforce_subnets;
	dp.prev_pick = client_pick_path;
	dp.prev_policy = client_exit_policy;
	dp.prev_result = client_circuit_result;
	client_pick_path = dirpath_pick;
	client_exit_policy = dirpath_exit_policy;
	client_circuit_result = dirpath_result;
	client_path_pending = dirpath_pending;
}

void
dirpath_set_enforce_subnets(bool on)
{
	dp.enforce_subnets = on;
}

void
dirpath_stop(void)
{
	if (!dp.running)
		return;
	client_pick_path = dp.prev_pick;
	client_exit_policy = dp.prev_policy;
	client_circuit_result = dp.prev_result;
	client_path_pending = NULL;
	memset(&dp, 0, sizeof(dp));
}

void
dirpath_set_nodelist(const nodelist_t *nl)
{
	dp.nl = nl;
	dp.expired_logged = false;
}
