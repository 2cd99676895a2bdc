/*
 * roles.c: the role table and its dispatch; see roles.h for the contract
 * and for how a feature plugs its start/reload/stop functions in.
 *
 * Each role's functions translate the configuration into the feature's
 * own options (no feature keeps a pointer into a config) and call it.
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "core/or/circuit.h"
#include "core/or/link.h"
#include "feature/client/bootstrap.h"
#include "feature/client/client.h"
#include "feature/client/dirfetch.h"
#include "feature/dir/dirauth.h"
#include "feature/exit/exit.h"
#include "feature/exit/exit_policy.h"
#include "feature/relay/onionkey.h"
#include "feature/relay/publish.h"
#include "feature/relay/relay.h"
#include "app/roles.h"

static const struct role_ops *active;

/* ---- relay (and the relay half of an exit) ---------------------------- */

static void
relay_config_from(const struct tord_config *cfg, struct relay_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->rc_or_listen = cfg->or_listen;
	rc->rc_max_circuits_per_link = (uint32_t)cfg->max_circuits_per_link;
	rc->rc_create_rate = (uint32_t)cfg->create_rate;
	rc->rc_create_burst = (uint32_t)cfg->create_burst;
	rc->rc_max_queue_memory = cfg->max_queue_memory;
	rc->rc_read_rate = cfg->bandwidth_rate;
	rc->rc_read_burst = cfg->bandwidth_burst;
#ifdef TORD_TEST_HOOKS
	rc->rc_test_flip_bit = getenv("TORD_TEST_FLIP_BIT") != NULL;
#endif
}

static struct exit_policy *exit_policy_from(const struct tord_config *cfg);

/* What the descriptor says, from the config (nothing points into cfg). */
static void
publish_config_from(const struct tord_config *cfg, struct publish_config *pc)
{
	size_t i;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->pc_nickname, sizeof(pc->pc_nickname), "%s",
	    cfg->nickname ? cfg->nickname : "");
	pc->pc_address = cfg->advertised_address.a_len != 0 ? cfg->advertised_address :
	    cfg->or_listen;
	/* A relay never offers more than it lets itself relay. */
	pc->pc_bw_avg = cfg->bandwidth_rate > 0 ? MIN(cfg->bandwidth, cfg->bandwidth_rate) :
	    cfg->bandwidth;
	pc->pc_bw_burst = cfg->bandwidth_rate > 0 ? (cfg->bandwidth_burst > 0 ?
	    cfg->bandwidth_burst : 2 * cfg->bandwidth_rate) : pc->pc_bw_avg;
	for (i = 0; i < cfg->family.n && pc->pc_n_family < DIR_MAX_FAMILY; i++)
		memcpy(pc->pc_family[pc->pc_n_family++], cfg->family.v.fp[i].id, IDENTITY_LEN);
	if (cfg->family.n > DIR_MAX_FAMILY)
		log_warn(LD_CONFIG, "[relay] family: %zu fingerprints, only the first %d "
		    "are published", cfg->family.n, DIR_MAX_FAMILY);
	if (cfg->role == ROLE_EXIT) {
		struct exit_policy *p = exit_policy_from(cfg);

		exit_policy_summarize(p, &pc->pc_policy);
		exit_policy_free(p);
		pc->pc_is_exit = policy_summary_allows_any(&pc->pc_policy);
	} else {
		policy_summary_reject_all(&pc->pc_policy);
	}
	pc->pc_interval = (double)cfg->descriptor_interval / 1000.0;
	for (i = 0; i < cfg->authorities.n && pc->pc_n_auth < PUBLISH_MAX_AUTHORITIES; i++) {
		const struct config_authority *a = &cfg->authorities.v.authority[i];
		struct publish_authority *pa = &pc->pc_auth[pc->pc_n_auth++];

		snprintf(pa->pa_nickname, sizeof(pa->pa_nickname), "%s", a->nickname);
		pa->pa_addr = a->addr;
		memcpy(pa->pa_id, a->id, IDENTITY_LEN);
	}
	if (cfg->authorities.n > PUBLISH_MAX_AUTHORITIES)
		log_warn(LD_CONFIG, "[authorities]: %zu authorities, publishing to the "
		    "first %d only", cfg->authorities.n, PUBLISH_MAX_AUTHORITIES);
}

static void
relay_onion_key_rotated(void)
{
	publish_descriptor_changed("onion key rotated");
}

/* Rotation first: the first upload must carry a current onion key. */
static int
relay_publish_start(const struct tord_config *cfg, struct node_keys *keys)
{
	struct publish_config pc;

	onionkey_start(keys, cfg->data_directory, cfg->onion_key_rotation,
	    cfg->onion_key_grace, relay_onion_key_rotated);
	publish_config_from(cfg, &pc);
	if (publish_start(&pc, keys) < 0) {
		onionkey_stop();
		return -1;
	}
	return 0;
}

static void
relay_publish_reload(const struct tord_config *cfg)
{
	struct publish_config pc;

	onionkey_reconfigure(cfg->onion_key_rotation, cfg->onion_key_grace);
	publish_config_from(cfg, &pc);
	publish_reconfigure(&pc);
}

static void
relay_publish_stop(void)
{
	publish_stop();
	onionkey_stop();
}

static int
relay_role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	struct relay_config rc;

	relay_config_from(cfg, &rc);
	if (relay_start(&rc, keys) < 0)
		return -1;
	/* An exit publishes once its exit half is up (exit_role_start). */
	if (cfg->role == ROLE_RELAY && relay_publish_start(cfg, keys) < 0) {
		relay_stop();
		return -1;
	}
	return 0;
}

static int
relay_role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	struct relay_config rc;

	relay_config_from(new_, &rc);
	relay_reconfigure(&rc);
	relay_publish_reload(new_);
	return 0;
}

static void
relay_role_stop(void)
{
	relay_publish_stop();
	relay_stop();
	link_shutdown();
}

/* ---- exit: a relay that also opens streams to targets ----------------- */

static struct exit_policy *
exit_policy_from(const struct tord_config *cfg)
{
	struct exit_policy *p = exit_policy_new();
	size_t i;

	for (i = 0; i < cfg->exit_policy.n; i++) {
		const struct config_policy *r = &cfg->exit_policy.v.policy[i];

		if (exit_policy_add(p, r->accept, r->family, r->addr, r->bits, r->port_lo,
		    r->port_hi) < 0)
			log_warn(LD_CONFIG, "exit policy rule %zu could not be added", i + 1);
	}
	exit_policy_set_reject_private(p, cfg->reject_private);
	return p;
}

static int
exit_role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	struct exit_config ec;
	struct exit_policy *p;
	int rc;

	if (relay_role_start(cfg, keys) < 0)
		return -1;
	memset(&ec, 0, sizeof(ec));
	p = exit_policy_from(cfg);
	ec.ec_policy = p;
	ec.ec_reject_private = cfg->reject_private;
	ec.ec_nameservers = cfg->nameservers.v.addr;
	ec.ec_n_nameservers = cfg->nameservers.n;
	ec.ec_resolve_timeout = (double)cfg->resolve_timeout / 1000.0;
	ec.ec_connect_timeout = (double)cfg->connect_timeout / 1000.0;
	or_options.oo_is_exit = true;
	rc = exit_init(&ec);
	exit_policy_free(p);
	if (rc == 0 && relay_publish_start(cfg, keys) < 0) {
		exit_shutdown();
		rc = -1;
	}
	if (rc < 0) {
		or_options.oo_is_exit = false;
		relay_stop();
	}
	return rc;
}

static int
exit_role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	struct exit_policy *p = exit_policy_from(new_);

	exit_set_policy(p, new_->reject_private);
	exit_policy_free(p);
	relay_role_reload(old, new_);	/* republishes if the summary changed */
	return 0;
}

static void
exit_role_stop(void)
{
	exit_shutdown();
	or_options.oo_is_exit = false;
	relay_role_stop();
}

/* ---- client ------------------------------------------------------------ */

/* What client_start() points into; kept for the life of the role. */
static struct client_config	 client_cfg;
static struct client_listen_cfg	*client_socks, *client_http;
static struct client_relay	*client_relays;

static void
client_role_free_config(void)
{
	free(client_socks);
	free(client_http);
	free(client_relays);
	client_socks = client_http = NULL;
	client_relays = NULL;
}

static struct client_listen_cfg *
client_listeners_from(const struct config_list *l)
{
	struct client_listen_cfg *out = xcalloc(l->n ? l->n : 1, sizeof(*out));
	size_t i;

	for (i = 0; i < l->n; i++) {
		out[i].lc_addr = l->v.addr[i];
		out[i].lc_isolation = CLIENT_ISO_DEFAULT;
	}
	return out;
}

static void
client_config_from(const struct tord_config *cfg)
{
	size_t i;

	client_role_free_config();
	client_config_defaults(&client_cfg);
	client_socks = client_listeners_from(&cfg->socks_listen);
	client_http = client_listeners_from(&cfg->http_connect_listen);
	client_cfg.cc_socks = client_socks;
	client_cfg.cc_n_socks = cfg->socks_listen.n;
	client_cfg.cc_http = client_http;
	client_cfg.cc_n_http = cfg->http_connect_listen.n;
	/* Config durations are milliseconds; the client counts seconds. */
	client_cfg.cc_circuit_build_timeout = (double)cfg->circuit_build_timeout / 1000.0;
	client_cfg.cc_socks_timeout = (double)cfg->stream_timeout / 1000.0;
	client_cfg.cc_max_circuit_dirtiness = (double)cfg->max_circuit_dirtiness / 1000.0;
	client_cfg.cc_preemptive_circuits = (int)cfg->preemptive_circuits;
	client_cfg.cc_safe_socks = cfg->safe_socks;
	client_cfg.cc_enforce_distinct_subnets = cfg->enforce_distinct_subnets;
	client_relays = xcalloc(cfg->static_relays.n ? cfg->static_relays.n : 1,
	    sizeof(*client_relays));
	for (i = 0; i < cfg->static_relays.n; i++) {
		const struct config_relay *r = &cfg->static_relays.v.relay[i];
		struct relay_info *ri = &client_relays[i].cr_info;

		snprintf(ri->ri_nickname, sizeof(ri->ri_nickname), "%s", r->nickname);
		memcpy(ri->ri_id, r->id, sizeof(ri->ri_id));
		memcpy(ri->ri_onion_key, r->onion_key, sizeof(ri->ri_onion_key));
		ri->ri_addr = r->addr;
		client_relays[i].cr_flags = r->flags;
	}
	client_cfg.cc_relays = client_relays;
	client_cfg.cc_n_relays = cfg->static_relays.n;
}

/*
 * The directory's options: the [authorities] (into *auths, malloc'd, for
 * the caller to free once dirfetch has copied them), the timeout and the
 * subnet rule.
 */
static void
client_dir_config_from(const struct tord_config *cfg, struct dirfetch_config *dc,
    struct dirfetch_authority **auths)
{
	size_t i;

	*auths = xcalloc(cfg->authorities.n ? cfg->authorities.n : 1, sizeof(**auths));
	for (i = 0; i < cfg->authorities.n; i++) {
		const struct config_authority *a = &cfg->authorities.v.authority[i];

		snprintf((*auths)[i].da_nickname, sizeof((*auths)[i].da_nickname), "%s",
		    a->nickname);
		(*auths)[i].da_addr = a->addr;
		memcpy((*auths)[i].da_id, a->id, sizeof((*auths)[i].da_id));
	}
	memset(dc, 0, sizeof(*dc));
	dc->df_data_dir = cfg->data_directory;
	dc->df_auths = *auths;
	dc->df_n_auths = cfg->authorities.n;
	dc->df_enforce_subnets = cfg->enforce_distinct_subnets;
	dc->df_timeout = (double)cfg->directory_timeout / 1000.0;
}

/*
 * The directory: paths come from a verified consensus fetched from the
 * [authorities], unless the static relay list (a test aid) is set.
 */
static int
client_dir_start(const struct tord_config *cfg)
{
	struct dirfetch_authority *auths;
	struct dirfetch_config dc;
	int rc;

	if (cfg->static_relays.n > 0) {
		log_notice(LD_DIR, "using the %zu relays of the static list ([client] relay, "
		    "a test aid); the directory is not consulted", cfg->static_relays.n);
		return 0;
	}
	client_dir_config_from(cfg, &dc, &auths);
	rc = dirfetch_start(&dc);
	free(auths);
	return rc;
}

static int
client_role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	node_bootstrap_reset();
	client_config_from(cfg);
	if (client_start(&client_cfg) < 0)
		return -1;
	if (client_dir_start(cfg) < 0) {
		client_shutdown();
		return -1;
	}
	return 0;
}

/*
 * SIGHUP: the client's own settings apply to requests and circuits from
 * now on; a changed [authorities] set is trusted at once.  The static
 * relay list and the listeners are OPT_RESTART: they cannot differ here.
 */
static int
client_role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	struct dirfetch_authority *auths;
	struct dirfetch_config dc;
	int rc;

	(void)old;
	client_config_from(new_);
	client_reconfigure(&client_cfg);
	if (new_->static_relays.n > 0)
		return 0;
	client_dir_config_from(new_, &dc, &auths);
	rc = dirfetch_reconfigure(&dc);
	free(auths);
	return rc;
}

static void
client_role_stop(void)
{
	dirfetch_stop();
	client_shutdown();
	link_shutdown();
	client_role_free_config();
}

/* ---- authority ---------------------------------------------------------- */

/*
 * The authority's options from the config.  Lists are copied into
 * *peers and *allow (malloc'd, freed by the caller once dirauth has made
 * its own copies).  -1 after logging if a value cannot be used.
 */
static int
authority_options_from(const struct tord_config *cfg, struct dirauth_options *o,
    struct dirauth_peer **peers, uint8_t (**allow)[IDENTITY_LEN])
{
	size_t i;

	memset(o, 0, sizeof(*o));
	*peers = NULL;
	*allow = NULL;
	/* Document times are whole seconds: so are the period boundaries. */
	if (cfg->voting_interval % 1000 != 0 || cfg->consensus_validity % 1000 != 0) {
		log_err(LD_CONFIG, "%s: [authority] voting_interval and consensus_validity "
		    "must be whole seconds", cfg->cf_path ? cfg->cf_path : "config");
		return -1;
	}
	o->do_listen = cfg->dir_listen;
	o->do_datadir = cfg->data_directory;
	o->do_interval = (int64_t)(cfg->voting_interval / 1000);
	o->do_validity = (int64_t)(cfg->consensus_validity / 1000);
	flag_thresholds_default(&o->do_thresholds);
	o->do_thresholds.ft_fast_bw = cfg->fast_min_bandwidth;
	o->do_thresholds.ft_guard_bw = cfg->guard_min_bandwidth;
	o->do_thresholds.ft_stable_uptime = cfg->stable_min_uptime / 1000;
	o->do_thresholds.ft_guard_uptime = cfg->guard_min_uptime / 1000;
	o->do_reach_timeout = (double)cfg->reachability_timeout / 1000.0;
	o->do_desc_max_age = (int64_t)(cfg->descriptor_max_age / 1000);
	o->do_max_skew = (int64_t)(cfg->descriptor_max_skew / 1000);
	o->do_max_conns = (size_t)cfg->dir_max_connections;
	o->do_conn_timeout = (double)cfg->dir_timeout / 1000.0;
	*allow = xcalloc(cfg->allow_list.n ? cfg->allow_list.n : 1, IDENTITY_LEN);
	for (i = 0; i < cfg->allow_list.n; i++)
		memcpy((*allow)[i], cfg->allow_list.v.fp[i].id, IDENTITY_LEN);
	o->do_allow = (const uint8_t (*)[IDENTITY_LEN])*allow;
	o->do_n_allow = cfg->allow_list.n;
	*peers = xcalloc(cfg->authorities.n ? cfg->authorities.n : 1, sizeof(**peers));
	for (i = 0; i < cfg->authorities.n; i++) {
		const struct config_authority *a = &cfg->authorities.v.authority[i];

		snprintf((*peers)[i].ap_nickname, sizeof((*peers)[i].ap_nickname), "%s",
		    a->nickname);
		(*peers)[i].ap_addr = a->addr;
		memcpy((*peers)[i].ap_id, a->id, IDENTITY_LEN);
	}
	o->do_auth = *peers;
	o->do_n_auth = cfg->authorities.n;
	return 0;
}

static int
authority_role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	struct dirauth_options o;
	struct dirauth_peer *peers;
	uint8_t (*allow)[IDENTITY_LEN];
	int rc = -1;

	if (authority_options_from(cfg, &o, &peers, &allow) == 0)
		rc = dirauth_start(&o, keys->nk_identity);
	free(peers);
	free(allow);
	return rc;
}

static int
authority_role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	struct dirauth_options o;
	struct dirauth_peer *peers;
	uint8_t (*allow)[IDENTITY_LEN];
	int rc = -1;

	(void)old;
	if (authority_options_from(new_, &o, &peers, &allow) == 0)
		rc = dirauth_reconfigure(&o);
	free(peers);
	free(allow);
	return rc;
}

static void
authority_role_stop(void)
{
	dirauth_stop();
}

/* Indexed by enum tord_role. */
static const struct role_ops role_table[ROLE_COUNT_] = {
	[ROLE_AUTHORITY] = { "authority", authority_role_start, authority_role_reload,
			     authority_role_stop },
	[ROLE_RELAY]	 = { "relay", relay_role_start, relay_role_reload, relay_role_stop },
	[ROLE_EXIT]	 = { "exit", exit_role_start, exit_role_reload, exit_role_stop },
	[ROLE_CLIENT]	 = { "client", client_role_start, client_role_reload, client_role_stop },
};

const struct role_ops *
role_ops_get(int role)
{
	return role >= 0 && role < ROLE_COUNT_ ? &role_table[role] : NULL;
}

int
role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	const struct role_ops *ops = role_ops_get(cfg->role);

	if (BUG(ops == NULL || active != NULL))
		return -1;
	if (ops->start(cfg, keys) < 0)
		return -1;
	active = ops;
	return 0;
}

int
role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	if (active == NULL || active->reload == NULL)
		return 0;
	return active->reload(old, new_);
}

void
role_stop(void)
{
	if (active != NULL && active->stop != NULL)
		active->stop();
	active = NULL;
}
