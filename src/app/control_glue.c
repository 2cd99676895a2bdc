/*
 * control_glue.c: the control port's configuration and SIGNAL actions,
 * and the figures only the roles know.  SHUTDOWN and RELOAD run exactly
 * what SIGTERM and SIGHUP run; NEWNYM reaches the client role.  The
 * core's observers are pointed at the CIRC/STREAM/ORCONN events while
 * the port runs.
 *
 * Network status (ns/all, tord/consensus/...): the client's consensus
 * (client_dir_consensus) when it holds one, else the static relay list
 * of the configuration as a consensus-shaped document; an authority's
 * is the consensus it serves.  Relays hold none.  Authority
 * figures (relays listed, last consensus) come from feature/dir/dirauth.
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/control_glue.h"
#include "app/config.h"
#include "core/mainloop/conn.h"
#include "core/or/circuit.h"
#include "core/or/stream.h"
#include "feature/client/client.h"
#include "feature/client/dirfetch.h"
#include "feature/control/control.h"
#include "feature/control/control_node.h"
#include "feature/control/control_ns.h"
#include "feature/control/control_or.h"
#include "feature/dir/dirauth.h"
#include "feature/exit/exit.h"
#include "feature/relay/publish.h"
#include "feature/relay/relay.h"
#include "lib/log.h"

/* Authority figures (see above); set once feature/dir/dirauth.h is in. */

static char	*cookie_path;
static char	 fingerprint[FINGERPRINT_HEXLEN + 1];
static bool	 started;
static void	(*on_shutdown)(void);
static void	(*on_reload)(void);
static int	 node_role;

static void
control_signal(enum control_signal sig, void *arg)
{
	switch (sig) {
	case CONTROL_SIG_SHUTDOWN:
		log_notice(LD_CTL, "SIGNAL SHUTDOWN from the control port");
		on_shutdown();
		break;
	case CONTROL_SIG_RELOAD:
		on_reload();
		break;
	case CONTROL_SIG_NEWNYM:
		if (node_role == ROLE_CLIENT) {
			client_newnym();
			log_notice(LD_CTL, "NEWNYM: new streams use new circuits");
		}
		break;
	case CONTROL_SIG_DUMP:
		log_notice(LD_CTL, "dump: circuits=%zu streams=%zu queued_bytes=%llu",
		    circuit_count(), stream_count(),
		    (unsigned long long)circuit_total_queued_bytes());
		break;
	default:
		break;
	}
}

/* The static list as a document, rebuilt when the list changes. */
static struct netstatus		*static_ns;
static const struct client_relay *static_ns_of;
static size_t			 static_ns_n;

static uint32_t
static_flags(uint32_t f)
{
	static const struct { uint32_t from, to; } map[] = {
		{ CLIENT_RELAY_GUARD, NSF_GUARD }, { CLIENT_RELAY_EXIT, NSF_EXIT },
		{ CLIENT_RELAY_FAST, NSF_FAST }, { CLIENT_RELAY_STABLE, NSF_STABLE },
		{ CLIENT_RELAY_RUNNING, NSF_RUNNING }, { CLIENT_RELAY_VALID, NSF_VALID },
	};
	uint32_t out = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(map); i++)
		if (f & map[i].from)
			out |= map[i].to;
	return out;
}

static const struct netstatus *
static_list_ns(void)
{
	const struct client_config *cc = client_config_get();
	struct ns_entry *e;
	size_t i;

	if (cc == NULL || cc->cc_n_relays == 0)
		return NULL;
	if (static_ns != NULL && static_ns_of == cc->cc_relays && static_ns_n == cc->cc_n_relays)
		return static_ns;
	netstatus_free(static_ns);
	e = xcalloc(cc->cc_n_relays, sizeof(*e));
	for (i = 0; i < cc->cc_n_relays; i++) {
		const struct client_relay *r = &cc->cc_relays[i];
		const struct addr *a = &r->cr_info.ri_addr;

		snprintf(e[i].e_nickname, sizeof(e[i].e_nickname), "%.*s", NICKNAME_MAX_LEN,
		    r->cr_info.ri_nickname);
		memcpy(e[i].e_id, r->cr_info.ri_id, sizeof(e[i].e_id));
		memcpy(e[i].e_onion_key, r->cr_info.ri_onion_key, sizeof(e[i].e_onion_key));
		if (addr_family(a) == AF_INET) {
			e[i].e_ipv4 = ntohl(a->a_u.sin.sin_addr.s_addr);
		} else if (addr_family(a) == AF_INET6) {
			e[i].e_has_ipv6 = true;
			memcpy(e[i].e_ipv6, &a->a_u.sin6.sin6_addr, 16);
			e[i].e_ipv6_port = addr_port(a);
		}
		e[i].e_or_port = addr_port(a);
		e[i].e_flags = static_flags(r->cr_flags);
		if (r->cr_has_policy)
			e[i].e_policy = r->cr_policy;
		else if (policy_summary_parse((r->cr_flags & CLIENT_RELAY_EXIT) ?
		    "accept 1-65535" : "reject 1-65535", &e[i].e_policy) < 0)
			policy_summary_reject_all(&e[i].e_policy);
	}
	static_ns = control_ns_from_entries(e, cc->cc_n_relays, util_wall_sec());
	free(e);
	static_ns_of = cc->cc_relays;
	static_ns_n = cc->cc_n_relays;
	return static_ns;
}

static uint64_t
glue_relay_read_limit(uint64_t *throttled)
{
	*throttled = conn_read_limit_throttled();
	return relay_read_rate();
}

static size_t
glue_relay_published(size_t *total)
{
	*total = publish_n_authorities();
	return publish_n_accepted();
}

static bool
glue_ns_view(struct control_ns_view *v)
{
	/* An authority shows the consensus it serves. */
	if (node_role == ROLE_AUTHORITY) {
		v->nv_ns = dirauth_consensus();
		v->nv_source = "consensus";
		return v->nv_ns != NULL;
	}
	if (node_role != ROLE_CLIENT)
		return false;
	if ((v->nv_ns = client_dir_consensus()) != NULL) {
		v->nv_source = "consensus";
		return true;
	}
	v->nv_ns = static_list_ns();
	v->nv_source = "static list";
	return v->nv_ns != NULL;
}

static void
glue_exit_figures(struct control_exit_figures *f)
{
	const struct exit_stats *s = exit_get_stats();

	if (s == NULL)
		return;
	f->ef_begin = s->es_begin;
	f->ef_opened = s->es_opened;
	f->ef_refused_policy = s->es_refused_policy;
}

int
app_control_start(const struct tord_config *cfg, const struct node_keys *keys,
    void (*shutdown_cb)(void), void (*reload_cb)(void))
{
	struct control_options co;
	struct control_node_sources ns_src;
	const char *why = NULL;
	int sig;

	if (cfg->control_socket == NULL && cfg->control_port.a_len == 0)
		return 0;
	memset(&co, 0, sizeof(co));
	co.co_socket_path = cfg->control_socket;
	co.co_tcp = cfg->control_port;
	co.co_auth = cfg->control_auth == CTL_AUTH_PASSWORD ? CONTROL_AUTHCFG_PASSWORD :
	    cfg->control_auth == CTL_AUTH_NONE ? CONTROL_AUTHCFG_NONE : CONTROL_AUTHCFG_COOKIE;
	cookie_path = xasprintf("%s/control_auth_cookie", cfg->data_directory);
	co.co_cookie_path = cookie_path;
	co.co_password_hash = cfg->control_password_hash;
	co.co_config_file = cfg->cf_path;
	co.co_nickname = cfg->nickname;
	if (keys != NULL && keys->nk_identity != NULL) {
		keys_fingerprint(ed25519_public(keys->nk_identity), fingerprint);
		co.co_fingerprint = fingerprint;
	}
	if (control_check_options(&co, &why) < 0) {
		log_err(LD_CTL, "control port: %s", why ? why : "invalid options");
		return -1;
	}
	on_shutdown = shutdown_cb;
	on_reload = reload_cb;
	node_role = cfg->role;
	for (sig = 0; sig < CONTROL_SIG_COUNT_; sig++)
		control_register_signal((enum control_signal)sig, control_signal, NULL);
	if (control_start(&co) < 0)
		return -1;
	control_or_register();
	control_or_hooks_install(true);
	memset(&ns_src, 0, sizeof(ns_src));
	ns_src.cn_role = config_role_name(cfg->role);
	ns_src.cn_is_relay = cfg->role == ROLE_RELAY || cfg->role == ROLE_EXIT;
	if (ns_src.cn_is_relay) {
		ns_src.cn_relay_published = glue_relay_published;
		ns_src.cn_relay_read_limit = glue_relay_read_limit;
	}
	if (cfg->role == ROLE_EXIT)
		ns_src.cn_exit_figures = glue_exit_figures;
	if (cfg->role == ROLE_AUTHORITY) {
		ns_src.cn_auth_relays_listed = dirauth_relays_listed;
		ns_src.cn_auth_last_consensus = dirauth_last_consensus_time;
	}
	control_node_register(&ns_src);
	control_ns_set_source(glue_ns_view);
	control_ns_register();
	started = true;
	return 0;
}

void
app_control_stop(void)
{
	if (started) {
		control_or_hooks_install(false);
		control_ns_set_source(NULL);
		control_stop();
	}
	started = false;
	netstatus_free(static_ns);
	static_ns_of = NULL;
	static_ns_n = 0;
	free(cookie_path);
	cookie_path = NULL;
}
