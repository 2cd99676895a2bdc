/*
 * circuit_pool.c: the client's general circuits and the requests that
 * wait for them.
 *
 * Owns: which circuit a new stream may use (client_circ_usable() over
 * each circuit's facts), launching circuits on demand and ahead of
 * demand, retrying launches for waiting requests, NEWNYM epochs, and
 * closing circuits that can take no more streams once they carry none.
 *
 * Entry points: circuit_pool_get()/cancel() (client.c, for each request),
 * mark_used()/retire() (client.c, when attaching and on stream
 * timeouts), newnym() (control port via client_newnym()).  The core
 * reports through circuit_origin_hooks, which the pool installs and
 * chains, so other client modules (directory fetches) still hear about
 * their own circuits.
 *
 * Waiters are served from a deferred call, never from inside the call
 * that queued them, so a front end never sees its reply callback run
 * while it is still starting the request.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/or/circuit.h"
#include "core/or/reasons.h"
#include "feature/client/bootstrap.h"
#include "feature/client/circuit_pool.h"
#include "feature/client/client.h"
#include "feature/client/client_policy.h"
#include "lib/log.h"
#include "lib/util.h"

#define POOL_MAGIC		0x706f6f6cu	/* "pool" */
#define POOL_MAX_BUILDING	16	/* circuits being built at once */
#define POOL_TICK		1.0	/* seconds between maintenance runs */
#define POOL_MAX_PORTS		16	/* predicted ports remembered */
#define POOL_PORT_LIFETIME	3600.0	/* a port is predicted this long */
#define POOL_CLEAN_LIFETIME	3600.0	/* unused clean circuits live this long */

/* The pool's data about one of its circuits (circuit->c_owner). */
struct pool_circ {
	uint32_t		 pc_magic;
	struct circuit		*pc_circ;
	bool			 pc_retired;
	char			*pc_reserved;	/* key of the request it was launched for */
	bool			 pc_has_policy;
	struct policy_summary	 pc_policy;	/* exit's, copied at launch */
	TAILQ_ENTRY(pool_circ)	 pc_entry;
};

TAILQ_HEAD(pool_circ_list, pool_circ);

struct predicted_port {
	uint16_t	pp_port;
	double		pp_last;
};

static const struct client_config *pool_cfg;
static struct pool_circ_list	pool_circs = TAILQ_HEAD_INITIALIZER(pool_circs);
static struct pool_waiter_list	pool_waiters = TAILQ_HEAD_INITIALIZER(pool_waiters);
static struct origin_hooks	pool_prev_hooks;
static struct ml_timer		pool_timer;
static struct ml_deferred	pool_service_d;
static struct circuit_pool_stats pool_stats;
static struct predicted_port	pool_ports[POOL_MAX_PORTS];
static uint64_t			pool_epoch = 1;
static bool			pool_running;
static struct log_ratelim	pool_nopath_rl = LOG_RATELIM_INIT(60);

static int	static_pick_path(uint16_t port, const struct client_exclude *ex,
		    struct relay_info out[3]);
static bool	static_exit_policy(const uint8_t id[IDENTITY_LEN], struct policy_summary *out);

client_pick_path_fn	client_pick_path = static_pick_path;
client_exit_policy_fn	client_exit_policy = static_exit_policy;
client_circuit_result_fn client_circuit_result;
client_path_pending_fn	client_path_pending;

/* ---- Defaults over the static relay list. */

/*
 * Guards (client_guards in client_policy.h): a random first hop per
 * circuit would let every relay, in time, see the client's address, so
 * every circuit starts at the first listed guard that is reachable.  A
 * guard whose link fails (or which never answers) before the first hop
 * is built is passed over for POOL_GUARD_RETRY seconds.  (Keeping them
 * across restarts comes with the directory.)
 */
#define POOL_GUARD_RETRY	60.0
#define POOL_AVOID_TIME		30.0	/* a relay that did not answer is left out */
#define POOL_PATH_DRAWS		16	/* random draws to find a path that fits */

static struct client_guards	pool_guards;
static struct client_avoid	pool_avoid;

static int
static_pick_path(uint16_t port, const struct client_exclude *ex, struct relay_info out[3])
{
	const uint8_t *gid;
	int draws;

	(void)ex;
	if (pool_cfg == NULL)
		return -1;
	gid = client_guards_current(&pool_guards, pool_cfg->cc_relays, pool_cfg->cc_n_relays,
	    mainloop_now());
	/* A new guard: not one of those listed (they are all unreachable). */
	for (draws = 0; draws < POOL_PATH_DRAWS; draws++) {
		if (client_pick_static_guarded(pool_cfg->cc_relays, pool_cfg->cc_n_relays, port,
		    pool_cfg->cc_enforce_distinct_subnets, gid, out) != 3)
			return -1;
		if (gid != NULL || !client_guards_listed(&pool_guards, out[0].ri_id))
			break;
	}
	if (gid == NULL && !client_guards_listed(&pool_guards, out[0].ri_id)) {
		client_guards_add(&pool_guards, out[0].ri_id);
		log_info(LD_CIRC, "guard chosen: %s (guard %zu)", out[0].ri_nickname,
		    pool_guards.cg_n);
	}
	return 3;
}

static bool
static_exit_policy(const uint8_t id[IDENTITY_LEN], struct policy_summary *out)
{
	const struct client_relay *r;

	if (pool_cfg == NULL)
		return false;
	r = client_relay_find(pool_cfg->cc_relays, pool_cfg->cc_n_relays, id);
	if (r == NULL || !r->cr_has_policy)
		return false;
	*out = r->cr_policy;
	return true;
}

/* ---- Circuit facts. */

static struct pool_circ *
pool_circ_of(const struct circuit *c)
{
	struct pool_circ *pc = c->c_owner;

	if (pc == NULL || pc->pc_magic != POOL_MAGIC || pc->pc_circ != c)
		return NULL;
	return pc;
}

static void
pool_view(const struct pool_circ *pc, struct client_circ_view *v)
{
	const struct circuit *c = pc->pc_circ;

	memset(v, 0, sizeof(*v));
	v->cv_open = c->c_state == CIRC_ST_OPEN;
	v->cv_building = c->c_state == CIRC_ST_BUILDING;
	v->cv_general = c->c_purpose == CIRC_PURPOSE_GENERAL;
	v->cv_retired = pc->pc_retired;
	v->cv_dirty_since = c->c_dirty_since;
	v->cv_isolation = c->c_isolation;
	v->cv_reserved = pc->pc_reserved;
	v->cv_epoch = c->c_nym_epoch;
	v->cv_exit_policy = pc->pc_has_policy ? &pc->pc_policy : NULL;
}

/* Is id among the first n relays w avoids? */
static bool
waiter_avoids_relay_n(const struct pool_waiter *w, size_t n, const uint8_t id[IDENTITY_LEN])
{
	size_t i;

	for (i = 0; i < n && i < w->w_n_avoid_relays; i++)
		if (memcmp(w->w_avoid_relays[i], id, IDENTITY_LEN) == 0)
			return true;
	return false;
}

static bool
waiter_avoids_relay(const struct pool_waiter *w, const uint8_t id[IDENTITY_LEN])
{
	return waiter_avoids_relay_n(w, w->w_n_avoid_relays, id);
}

static bool
waiter_avoids(const struct pool_waiter *w, const struct circuit *c)
{
	size_t i;

	for (i = 0; i < w->w_n_avoid; i++)
		if (w->w_avoid[i] == c->c_gid)
			return true;
	/* The guard stays whatever happened (guard rule): hops past it. */
	for (i = 1; i < (size_t)c->c_n_hops; i++)
		if (waiter_avoids_relay(w, c->c_hops[i].h_relay.ri_id))
			return true;
	return false;
}

/* A relay of path[1..2] that new circuits should leave out, for w (or NULL) too. */
static bool
path_avoided(const struct relay_info path[3], const struct pool_waiter *w, double now)
{
	int i;

	for (i = 1; i < 3; i++)
		if (client_avoid_has(&pool_avoid, path[i].ri_id, now) ||
		    (w != NULL && waiter_avoids_relay(w, path[i].ri_id)))
			return true;
	return false;
}

/* What new paths leave out: the relays w avoids, then those avoided lately. */
static void
pool_exclude_fill(struct client_exclude *ex, const struct pool_waiter *w, double now)
{
	size_t i;

	ex->ce_n = 0;
	for (i = 0; w != NULL && i < w->w_n_avoid_relays && ex->ce_n < CLIENT_EXCLUDE_MAX; i++)
		memcpy(ex->ce_id[ex->ce_n++], w->w_avoid_relays[i], IDENTITY_LEN);
	for (i = 0; i < CLIENT_AVOID_MAX && ex->ce_n < CLIENT_EXCLUDE_MAX; i++)
		if (pool_avoid.ca_until[i] > now)
			memcpy(ex->ce_id[ex->ce_n++], pool_avoid.ca_id[i], IDENTITY_LEN);
}

/* A circuit of the pool usable by w: open ones, or building ones too. */
static struct pool_circ *
pool_find(const struct pool_waiter *w, bool building)
{
	struct pool_circ *pc;
	struct client_circ_view v;
	double now = mainloop_now();

	TAILQ_FOREACH(pc, &pool_circs, pc_entry) {
		if (waiter_avoids(w, pc->pc_circ))
			continue;
		pool_view(pc, &v);
		if (building && !v.cv_building)
			continue;
		if (client_circ_usable(&v, w->w_port, w->w_key, pool_epoch, now,
		    pool_cfg->cc_max_circuit_dirtiness, building))
			return pc;
	}
	return NULL;
}

static size_t
pool_n_building(void)
{
	struct pool_circ *pc;
	size_t n = 0;

	TAILQ_FOREACH(pc, &pool_circs, pc_entry)
		n += pc->pc_circ->c_state == CIRC_ST_BUILDING;
	return n;
}

enum pool_launch_result {
	LAUNCH_OK = 0,
	LAUNCH_NO_EXIT,		/* relays known, none exits to the port */
	LAUNCH_NO_PATH,		/* not enough relays (yet) */
	LAUNCH_FAILED,		/* the first link could not even start */
};

int
client_pick_path_around(uint16_t port, struct client_exclude *ex, struct relay_info out[3])
{
	for (; ex->ce_n > 0; ex->ce_n--)
		if (client_pick_path(port, ex, out) == 3)
			return 3;
	return client_pick_path(port, NULL, out) == 3 ? 3 : -1;
}

/*
 * Launch a circuit for port, reserved for key (NULL: preemptive); w, the
 * waiter it is for (or NULL), adds the relays it avoids.
 */
static enum pool_launch_result
pool_launch(uint16_t port, const char *key, struct pool_waiter *w)
{
	struct relay_info path[3];
	struct client_exclude ex;
	struct circuit *c;
	struct pool_circ *pc;
	double now = mainloop_now();
	int draws;

	pool_exclude_fill(&ex, w, now);
	/* Around the relays to leave out, or as many of the first as a path can. */
	if (client_pick_path_around(port, &ex, path) != 3) {
		/* Still bootstrapping: the directory code reports progress. */
		if (client_path_pending != NULL && client_path_pending())
			return LAUNCH_NO_PATH;
		if (port != 0 && client_pick_path(0, NULL, path) == 3) {
			log_rl(&pool_nopath_rl, LL_NOTICE, LD_CIRC,
			    "no exit relay accepts a requested port");
			return LAUNCH_NO_EXIT;
		}
		log_rl(&pool_nopath_rl, LL_NOTICE, LD_CIRC,
		    "no path: not enough usable relays known");
		return LAUNCH_NO_PATH;
	}
	/*
	 * Whatever picked it (the static list ignores ex): leave out a middle
	 * or exit that did not answer lately, or did not answer this request,
	 * if a few more draws can (else the last one is still a try).
	 */
	for (draws = 1; draws < POOL_PATH_DRAWS && path_avoided(path, w, now); draws++)
		if (client_pick_path(port, ex.ce_n > 0 ? &ex : NULL, path) != 3)
			return LAUNCH_NO_PATH;
	if (w != NULL && w->w_n_avoid_relays > 0 && (waiter_avoids_relay(w, path[1].ri_id) ||
	    waiter_avoids_relay(w, path[2].ri_id))) {
		/*
		 * No path around them all: the waiter must take this one,
		 * which still leaves out the first ex.ce_n of them (its own
		 * come first in ex).
		 */
		size_t kept = MIN(ex.ce_n, w->w_n_avoid_relays);

		while (kept > 0 && (waiter_avoids_relay_n(w, kept, path[1].ri_id) ||
		    waiter_avoids_relay_n(w, kept, path[2].ri_id)))
			kept--;
		log_info(LD_CIRC, "no path leaves out the relays a request avoids: "
		    "it leaves out %zu of %zu, the most recent", kept, w->w_n_avoid_relays);
		w->w_n_avoid_relays = kept;
	}
	c = circuit_launch(path, 3, CIRC_PURPOSE_GENERAL,
	    pool_cfg->cc_circuit_build_timeout);
	if (c == NULL) {
		log_info(LD_CIRC, "launching a circuit failed at once");
		return LAUNCH_FAILED;
	}
	pc = xcalloc(1, sizeof(*pc));
	pc->pc_magic = POOL_MAGIC;
	pc->pc_circ = c;
	pc->pc_reserved = key != NULL ? xstrdup(key) : NULL;
	pc->pc_has_policy = client_exit_policy(path[2].ri_id, &pc->pc_policy);
	c->c_owner = pc;
	c->c_nym_epoch = pool_epoch;
	c->c_port_hint = port;
	TAILQ_INSERT_TAIL(&pool_circs, pc, pc_entry);
	pool_stats.ps_launched++;
	node_bootstrap(BOOTSTRAP_CIRCUIT, "circuit_create", "building the first circuit");
	log_info(LD_CIRC, "circ=%u launched (%s)", c->c_gid,
	    key != NULL ? "on demand" : "preemptive");
	return LAUNCH_OK;
}

/* ---- Waiters. */

static void
waiter_remove(struct pool_waiter *w)
{
	if (!w->w_queued)
		return;
	TAILQ_REMOVE(&pool_waiters, w, w_entry);
	w->w_queued = false;
	pool_stats.ps_waiters--;
}

/*
 * Serve one waiter if something can be decided for it now.  Returns true
 * if a callback ran (the queue may have changed under us).
 */
static bool
service_one(struct pool_waiter *w)
{
	struct pool_circ *pc;
	enum pool_launch_result res;

	if ((pc = pool_find(w, false)) != NULL) {
		waiter_remove(w);
		circuit_pool_mark_used(pc->pc_circ, w->w_key);
		w->w_ready(w, pc->pc_circ);
		return true;
	}
	if ((pc = pool_find(w, true)) != NULL) {
		/* One is coming: claim it if nobody has. */
		if (pc->pc_reserved == NULL && pc->pc_circ->c_isolation == NULL)
			pc->pc_reserved = xstrdup(w->w_key != NULL ? w->w_key : "");
		return false;
	}
	if (w->w_build_failures >= MAX(pool_cfg->cc_max_build_tries, 1)) {
		waiter_remove(w);
		w->w_failed(w, STREAM_REASON_CANT_ATTACH);
		return true;
	}
	if (pool_n_building() >= POOL_MAX_BUILDING)
		return false;	/* wait for a build to end */
	res = pool_launch(w->w_port, w->w_key, w);
	if (res == LAUNCH_OK)
		return false;
	if (res == LAUNCH_NO_EXIT) {
		waiter_remove(w);
		w->w_failed(w, END_REASON_EXITPOLICY);
		return true;
	}
	/*
	 * No relays yet, or the first link could not even start: count it
	 * as a failed build and try again on the next tick.  While the
	 * directory is still bootstrapping, wait instead (the request's own
	 * timeout bounds it).
	 */
	if (res == LAUNCH_NO_PATH && client_path_pending != NULL && client_path_pending())
		return false;
	w->w_build_failures++;
	return false;
}

static void
pool_service(struct ml_deferred *d)
{
	struct pool_waiter *w;
	bool again = true;
	size_t rounds = 0;

	(void)d;
	/* Each round either ends or removes a waiter: bounded. */
	while (again && rounds++ <= pool_stats.ps_waiters + 1) {
		again = false;
		TAILQ_FOREACH(w, &pool_waiters, w_entry) {
			if (service_one(w)) {
				again = true;
				break;
			}
		}
	}
}

static void
pool_schedule(void)
{
	if (pool_running)
		ml_defer(&pool_service_d);
}

struct circuit *
circuit_pool_get(struct pool_waiter *w)
{
	struct pool_circ *pc;

	if (BUG(pool_cfg == NULL) || BUG(w->w_queued))
		return NULL;
	if (w->w_port != 0)
		circuit_pool_note_port(w->w_port);
	if ((pc = pool_find(w, false)) != NULL) {
		circuit_pool_mark_used(pc->pc_circ, w->w_key);
		return pc->pc_circ;
	}
	TAILQ_INSERT_TAIL(&pool_waiters, w, w_entry);
	w->w_queued = true;
	pool_stats.ps_waiters++;
	pool_schedule();
	return NULL;
}

void
circuit_pool_cancel(struct pool_waiter *w)
{
	waiter_remove(w);
}

void
circuit_pool_mark_used(struct circuit *c, const char *key)
{
	struct pool_circ *pc = pool_circ_of(c);

	if (c->c_dirty_since == 0)
		c->c_dirty_since = mainloop_now();
	if (c->c_isolation == NULL)
		c->c_isolation = xstrdup(key != NULL ? key : "");
	if (pc != NULL && pc->pc_reserved != NULL) {
		free(pc->pc_reserved);
		pc->pc_reserved = NULL;
	}
}

void
circuit_pool_retire(struct circuit *c)
{
	struct pool_circ *pc = pool_circ_of(c);

	if (pc != NULL && !pc->pc_retired) {
		pc->pc_retired = true;
		log_info(LD_CIRC, "circ=%u retired: takes no new streams", c->c_gid);
	}
}

void
circuit_pool_note_port(uint16_t port)
{
	struct predicted_port *oldest = &pool_ports[0];
	double now = mainloop_now();
	size_t i;

	for (i = 0; i < POOL_MAX_PORTS; i++) {
		if (pool_ports[i].pp_port == port) {
			pool_ports[i].pp_last = now;
			return;
		}
		if (pool_ports[i].pp_last < oldest->pp_last)
			oldest = &pool_ports[i];
	}
	oldest->pp_port = port;
	oldest->pp_last = now;
}

void
circuit_pool_newnym(void)
{
	pool_epoch++;
	log_notice(LD_CIRC, "new identity: circuits built before now take no new streams");
	if (pool_running)
		ml_timer_start(&pool_timer, 0, POOL_TICK);	/* rebuild clean ones soon */
}

uint64_t
circuit_pool_epoch(void)
{
	return pool_epoch;
}

/* ---- Hooks from the core. */

static void
pool_built(struct circuit *c)
{
	struct pool_circ *pc = pool_circ_of(c);

	if (pc == NULL) {
		if (pool_prev_hooks.built != NULL)
			pool_prev_hooks.built(c);
		return;
	}
	pool_stats.ps_built++;
	log_info(LD_CIRC, "circ=%u built", c->c_gid);
	if (client_circuit_result != NULL)
		client_circuit_result(c, true);
	/* Users and scripts/testnet wait for this line (logged once). */
	node_bootstrap(BOOTSTRAP_DONE, "done", "a circuit is established");
	pool_schedule();
}

static void
pool_failed(struct circuit *c, const char *why)
{
	struct pool_circ *pc = pool_circ_of(c);
	struct pool_waiter *w;

	if (pc == NULL) {
		if (pool_prev_hooks.failed != NULL)
			pool_prev_hooks.failed(c, why);
		return;
	}
	pool_stats.ps_failed++;
	log_info(LD_CIRC, "circ=%u failed: %s", c->c_gid, why);
	if (client_circuit_result != NULL)
		client_circuit_result(c, false);
	if (c->c_n_built == 0 && client_guards_listed(&pool_guards, c->c_hops[0].h_relay.ri_id)) {
		/* The guard itself did not answer: use the next one for a while. */
		client_guards_failed(&pool_guards, c->c_hops[0].h_relay.ri_id, mainloop_now(),
		    POOL_GUARD_RETRY);
		log_notice(LD_CIRC, "guard %s unreachable (%s): using another for %.0f s",
		    c->c_hops[0].h_relay.ri_nickname, why, POOL_GUARD_RETRY);
	} else if (c->c_n_built > 0 && c->c_n_built < c->c_n_hops &&
	    strcmp(why, "link failed") != 0) {
		/* Our link is fine: the hop we were extending to did not answer. */
		client_avoid_add(&pool_avoid, c->c_hops[c->c_n_built].h_relay.ri_id,
		    mainloop_now() + POOL_AVOID_TIME);
		log_info(LD_CIRC, "circ=%u: %s did not answer; left out of paths for %.0f s",
		    c->c_gid, c->c_hops[c->c_n_built].h_relay.ri_nickname, POOL_AVOID_TIME);
	}
	/* Charge the failure to the requests it was launched for. */
	if (pc->pc_reserved != NULL)
		TAILQ_FOREACH(w, &pool_waiters, w_entry)
			if (strcmp(w->w_key != NULL ? w->w_key : "", pc->pc_reserved) == 0)
				w->w_build_failures++;
	free(pc->pc_reserved);
	pc->pc_reserved = NULL;
	pc->pc_retired = true;
}

static void
pool_closed(struct circuit *c)
{
	struct pool_circ *pc = pool_circ_of(c);

	if (pc == NULL) {
		if (pool_prev_hooks.closed != NULL)
			pool_prev_hooks.closed(c);
		return;
	}
	TAILQ_REMOVE(&pool_circs, pc, pc_entry);
	c->c_owner = NULL;
	free(pc->pc_reserved);
	free(pc);
	/* Waiters counting on it may need another launch. */
	pool_schedule();
}

/* ---- Maintenance. */

/* Close circuits that can take no new stream and carry none. */
static void
pool_close_idle(double now)
{
	struct pool_circ *pc, *next;
	struct circuit *c;
	bool unusable;

	for (pc = TAILQ_FIRST(&pool_circs); pc != NULL; pc = next) {
		next = TAILQ_NEXT(pc, pc_entry);
		c = pc->pc_circ;
		if (c->c_state != CIRC_ST_OPEN || !TAILQ_EMPTY(&c->c_stream_list))
			continue;
		unusable = pc->pc_retired || c->c_nym_epoch != pool_epoch ||
		    (c->c_dirty_since > 0 &&
		    now - c->c_dirty_since >= pool_cfg->cc_max_circuit_dirtiness) ||
		    (c->c_dirty_since == 0 && pc->pc_reserved == NULL &&
		    now - c->c_built_at >= POOL_CLEAN_LIFETIME);
		if (!unusable)
			continue;
		pool_stats.ps_closed_idle++;
		log_info(LD_CIRC, "circ=%u closing: no streams and no more use", c->c_gid);
		/* pool_closed() unlinks pc from the list: next is already saved. */
		circuit_mark_for_close(c, DESTROY_REASON_FINISHED, "idle");
	}
}

/* Is there a clean, unclaimed circuit of this epoch for port? */
static size_t
pool_clean_for(uint16_t port, size_t *total)
{
	struct pool_circ *pc;
	struct client_circ_view v;
	size_t n = 0;

	*total = 0;
	TAILQ_FOREACH(pc, &pool_circs, pc_entry) {
		pool_view(pc, &v);
		if ((!v.cv_open && !v.cv_building) || v.cv_retired || v.cv_dirty_since > 0 ||
		    v.cv_reserved != NULL || v.cv_epoch != pool_epoch)
			continue;
		(*total)++;
		if (client_policy_allows(v.cv_exit_policy, port))
			n++;
	}
	return n;
}

/* Keep cc_preemptive_circuits clean circuits for the predicted ports. */
static void
pool_preempt(double now)
{
	size_t i, total, launched = 0;
	size_t want = (size_t)MAX(pool_cfg->cc_preemptive_circuits, 0);

	for (i = 0; i < POOL_MAX_PORTS && launched < 2; i++) {
		struct predicted_port *pp = &pool_ports[i];

		if (pp->pp_port == 0 || now - pp->pp_last > POOL_PORT_LIFETIME)
			continue;
		if (pool_clean_for(pp->pp_port, &total) > 0 || total >= want)
			continue;
		if (pool_n_building() >= POOL_MAX_BUILDING / 2)
			return;
		if (pool_launch(pp->pp_port, NULL, NULL) != LAUNCH_OK)
			return;
		launched++;
	}
}

static void
pool_tick(struct ml_timer *t)
{
	double now = mainloop_now();

	(void)t;
	pool_close_idle(now);
	pool_preempt(now);
	if (!TAILQ_EMPTY(&pool_waiters))
		pool_schedule();
}

/* ---- Setup and status. */

void
circuit_pool_init(const struct client_config *cfg)
{
	double now = mainloop_now();

	pool_cfg = cfg;
	memset(&pool_guards, 0, sizeof(pool_guards));
	memset(&pool_avoid, 0, sizeof(pool_avoid));
	pool_prev_hooks = circuit_origin_hooks;
	circuit_origin_hooks.built = pool_built;
	circuit_origin_hooks.failed = pool_failed;
	circuit_origin_hooks.closed = pool_closed;
	ml_deferred_init(&pool_service_d, pool_service);
	ml_timer_init(&pool_timer, pool_tick);
	memset(pool_ports, 0, sizeof(pool_ports));
	/* Web ports are predicted from the start, as Tor does. */
	pool_ports[0].pp_port = 80;
	pool_ports[0].pp_last = now;
	pool_ports[1].pp_port = 443;
	pool_ports[1].pp_last = now;
	pool_running = true;
	ml_timer_start(&pool_timer, 0, POOL_TICK);
}

void
circuit_pool_shutdown(void)
{
	struct pool_waiter *w;
	struct pool_circ *pc;

	if (!pool_running)
		return;
	pool_running = false;
	ml_timer_stop(&pool_timer);
	ml_defer_cancel(&pool_service_d);
	while ((w = TAILQ_FIRST(&pool_waiters)) != NULL)
		waiter_remove(w);
	while ((pc = TAILQ_FIRST(&pool_circs)) != NULL) {
		TAILQ_REMOVE(&pool_circs, pc, pc_entry);
		pc->pc_circ->c_owner = NULL;
		free(pc->pc_reserved);
		free(pc);
	}
	circuit_origin_hooks = pool_prev_hooks;
	pool_cfg = NULL;
}

const struct circuit_pool_stats *
circuit_pool_stats(void)
{
	return &pool_stats;
}

bool
circuit_pool_info(const struct circuit *c, struct circuit_pool_info *out)
{
	const struct pool_circ *pc = pool_circ_of(c);
	struct client_circ_view v;

	if (pc == NULL)
		return false;
	pool_view(pc, &v);
	out->pi_retired = pc->pc_retired;
	out->pi_current_epoch = c->c_nym_epoch == pool_epoch;
	out->pi_usable = pool_cfg != NULL && client_circ_usable(&v, 0, c->c_isolation,
	    pool_epoch, mainloop_now(), pool_cfg->cc_max_circuit_dirtiness, false);
	out->pi_isolation = c->c_isolation;
	out->pi_dirty_since = c->c_dirty_since;
	out->pi_port = c->c_port_hint;
	return true;
}

void
circuit_pool_foreach(void (*cb)(struct circuit *c, void *arg), void *arg)
{
	struct pool_circ *pc, *next;

	for (pc = TAILQ_FIRST(&pool_circs); pc != NULL; pc = next) {
		next = TAILQ_NEXT(pc, pc_entry);
		cb(pc->pc_circ, arg);
	}
}
