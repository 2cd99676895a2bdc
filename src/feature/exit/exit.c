/*
 * exit.c: the exit edge: streams from the onion network to targets.
 *
 * Owns the BEGIN / RESOLVE handling at the last hop (entry point
 * exit_handle_begin, installed as circuit_edge_hooks.begin by exit_init),
 * the exit stream object (struct exit_stream embeds struct stream first,
 * plus the pending DNS request and the connect timer), the CONNECTED /
 * RESOLVED / END answers and the exit counters.  The data pump, the
 * sockets and errno -> END mapping for failed connects belong to
 * core/or/stream.c; names are resolved by resolve.c; the rules live in
 * exit_policy.c.
 *
 * Reasons sent (a client may retry elsewhere on all but CONNECTREFUSED):
 *	previous hop is a client (one-hop exit use)	TORPROTOCOL (as Tor)
 *	malformed BEGIN					TORPROTOCOL
 *	not an exit, or the policy refuses		EXITPOLICY (+ address, TTL)
 *	no address found				RESOLVEFAILED
 *	no TCP connection within connect_timeout	TIMEOUT
 *	connect failed					reasons_end_from_errno()
 *
 * Address families: IPv4 is preferred unless BEGIN says "IPv6
 * preferred"; "IPv4 not OK" is honoured.  IPv6 is used when the client
 * said "IPv6 OK", when the target is an IPv6 literal, or when a name has
 * no usable IPv4 address (our client sends no flags; Tor's strict
 * reading would make IPv6-only names unreachable).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/or/circuit.h"
#include "core/or/or.h"
#include "core/or/reasons.h"
#include "core/or/stream.h"
#include "core/proto/relay_msg.h"
#include "feature/exit/exit.h"
#include "feature/exit/resolve.h"
#include "lib/bytes.h"
#include "lib/log.h"
#include "lib/objpool.h"
#include "lib/util.h"

#define EXIT_DEFAULT_CONNECT_TIMEOUT	15.0

struct exit_stream {
	struct stream		 es_s;		/* first: the core frees through edge->free */
	struct resolve_req	*es_req;	/* DNS lookup in flight, or NULL */
	struct ml_timer		 es_timer;	/* connect timeout */
	uint8_t			 es_cmd;	/* RELAY_BEGIN or RELAY_RESOLVE */
	uint16_t		 es_port;
	uint32_t		 es_flags;	/* BEGIN flags */
	struct addr		 es_target;	/* the address connected to */
	uint32_t		 es_ttl;
};

static struct {
	bool			 running;
	struct exit_policy	*policy;
	double			 connect_timeout;
	struct addr		 bind4, bind6;
	struct exit_stats	 stats;
	void			(*prev_begin)(struct circuit *, uint16_t, uint8_t,
				    const uint8_t *, size_t);
} E;

static struct log_ratelim rl_proto = LOG_RATELIM_INIT(60);

static void exit_target_connected(struct stream *s);
static void exit_stream_closed(struct stream *s);
static void exit_stream_free(struct stream *s);

static const struct stream_edge_ops exit_edge_ops = {
	.target_connected = exit_target_connected,
	.closed = exit_stream_closed,
	.free = exit_stream_free,
};

static inline struct exit_stream *
TO_ES(struct stream *s)
{
	return container_of(s, struct exit_stream, es_s);
}

/* ---- Address conversions. */

static void
addr_from_cell(struct addr *a, const struct cell_addr *ca)
{
	memset(a, 0, sizeof(*a));
	if (ca->ca_family == CELL_ADDR_IPV4) {
		a->a_u.sin.sin_family = AF_INET;
		memcpy(&a->a_u.sin.sin_addr, ca->ca_addr, 4);
		a->a_len = sizeof(struct sockaddr_in);
	} else if (ca->ca_family == CELL_ADDR_IPV6) {
		a->a_u.sin6.sin6_family = AF_INET6;
		memcpy(&a->a_u.sin6.sin6_addr, ca->ca_addr, 16);
		a->a_len = sizeof(struct sockaddr_in6);
	}
}

static void
cell_from_addr(struct cell_addr *ca, const struct addr *a)
{
	memset(ca, 0, sizeof(*ca));
	if (addr_family(a) == AF_INET)
		cell_addr_set_ipv4(ca, (const uint8_t *)&a->a_u.sin.sin_addr);
	else if (addr_family(a) == AF_INET6)
		cell_addr_set_ipv6(ca, a->a_u.sin6.sin6_addr.s6_addr);
}

/* ---- Answers. */

/* END for a stream id that has no stream object (refused at once). */
static void
end_no_stream(struct circuit *c, uint16_t id, uint8_t reason, const struct addr *a,
    uint32_t ttl)
{
	struct relay_end e = { .re_reason = reason, .re_ttl = ttl };
	uint8_t body[32];
	int n;

	if (reason == END_REASON_EXITPOLICY && a != NULL)
		cell_from_addr(&e.re_addr, a);
	n = relay_end_encode(body, sizeof(body), &e);
	if (n < 0) {
		body[0] = reason;
		n = 1;
	}
	circuit_send_relay(c, 0, RELAY_END, id, body, (size_t)n);
}

/* END on a stream we created, then close it. */
static void
end_stream(struct exit_stream *es, uint8_t reason, const struct addr *a)
{
	struct stream *s = &es->es_s;

	if (reason == END_REASON_EXITPOLICY && a != NULL && s->s_circ != NULL &&
	    !s->s_end_sent) {
		/* The address tells the client what to avoid; stream_end adds nothing. */
		struct relay_end e = { .re_reason = reason, .re_ttl = es->es_ttl };
		uint8_t body[32];
		int n;

		cell_from_addr(&e.re_addr, a);
		n = relay_end_encode(body, sizeof(body), &e);
		if (n > 0) {
			stream_send_relay(s, RELAY_END, body, (size_t)n);
			s->s_end_sent = true;
		}
	}
	stream_end(s, reason);
}

static void
exit_target_connected(struct stream *s)
{
	struct exit_stream *es = TO_ES(s);
	struct relay_connected rc;
	uint8_t body[32];
	int n;

	ml_timer_stop(&es->es_timer);
	cell_from_addr(&rc.rc_addr, &es->es_target);
	rc.rc_ttl = es->es_ttl;
	n = relay_connected_encode(body, sizeof(body), &rc);
	if (n < 0 || stream_send_relay(s, RELAY_CONNECTED, body, (size_t)n) < 0) {
		stream_close(s, "circuit gone");
		return;
	}
	E.stats.es_opened++;
	log_info(LD_EXIT, "exit stream=%llu circ=%u connected",
	    (unsigned long long)s->s_gid, s->s_circ ? s->s_circ->c_gid : 0);
	stream_open(s);
}

static void
exit_connect_timeout_cb(struct ml_timer *t)
{
	struct exit_stream *es = container_of(t, struct exit_stream, es_timer);

	E.stats.es_connect_timeout++;
	log_info(LD_EXIT, "exit stream=%llu connect timeout",
	    (unsigned long long)es->es_s.s_gid);
	stream_end(&es->es_s, END_REASON_TIMEOUT);
}

static void
exit_stream_closed(struct stream *s)
{
	struct exit_stream *es = TO_ES(s);

	ml_timer_stop(&es->es_timer);
	if (es->es_req != NULL) {
		resolve_cancel(es->es_req);
		es->es_req = NULL;
	}
}

/* Exit streams live as long as their clients keep them: a pool packs them. */
static struct objpool *es_pool;

static void
exit_stream_free(struct stream *s)
{
	objpool_put(es_pool, TO_ES(s));
}

/* ---- Connecting. */

static void
exit_connect(struct exit_stream *es, const struct addr *target)
{
	const struct addr *bind;
	char ip[ADDR_STRLEN];

	es->es_target = *target;
	addr_set_port(&es->es_target, es->es_port);
	bind = addr_family(target) == AF_INET ? &E.bind4 : &E.bind6;
	if (addr_family(bind) == 0)
		bind = NULL;
	log_debug(LD_EXIT, "exit stream=%llu connecting to %s",
	    (unsigned long long)es->es_s.s_gid,
	    log_scrub(addr_fmt(&es->es_target, ip, sizeof(ip))));
	if (stream_exit_connect(&es->es_s, &es->es_target, bind) < 0) {
		int e = errno;

		E.stats.es_connect_failed++;
		log_rl(&rl_proto, LL_NOTICE, LD_EXIT, "exit cannot make a socket: %s",
		    strerror(e));
		stream_end(&es->es_s, reasons_end_from_errno(e));
		return;
	}
	/* What the exit reads from targets counts against bandwidth_rate. */
	es->es_s.s_conn.c_rate_limited = true;
	ml_timer_start(&es->es_timer, E.connect_timeout, 0.);
}

/* May this stream use an address of this family? */
static bool
family_ok(const struct exit_stream *es, int family, bool have_v4)
{
	if (family == AF_INET)
		return !(es->es_flags & BEGIN_FLAG_IPV4_NOT_OK);
	if (family == AF_INET6)
		return (es->es_flags & (BEGIN_FLAG_IPV6_OK | BEGIN_FLAG_IPV6_PREFERRED)) ||
		    !have_v4;
	return false;
}

/* Pick the first address the flags and the policy allow, and connect. */
static void
exit_begin_resolved(struct exit_stream *es, const struct resolve_result *res)
{
	const struct addr *rejected = NULL;
	bool have_v4 = false;
	size_t i;

	es->es_ttl = res->rr_ttl;
	if (res->rr_status != RESOLVE_OK) {
		E.stats.es_resolve_failed++;
		log_info(LD_EXIT, "exit stream=%llu resolve failed: %s",
		    (unsigned long long)es->es_s.s_gid, resolve_status_str(res->rr_status));
		stream_end(&es->es_s, END_REASON_RESOLVEFAILED);
		return;
	}
	for (i = 0; i < res->rr_n; i++)
		if (addr_family(&res->rr_addrs[i]) == AF_INET &&
		    family_ok(es, AF_INET, false))
			have_v4 = true;
	for (i = 0; i < res->rr_n; i++) {
		const struct addr *a = &res->rr_addrs[i];

		if (!family_ok(es, addr_family(a), have_v4))
			continue;
		if (!exit_policy_allows(E.policy, a, es->es_port)) {
			if (rejected == NULL)
				rejected = a;
			continue;
		}
		exit_connect(es, a);
		return;
	}
	if (rejected != NULL) {
		E.stats.es_refused_policy++;
		log_info(LD_EXIT, "exit stream=%llu refused by exit policy after resolve",
		    (unsigned long long)es->es_s.s_gid);
		end_stream(es, END_REASON_EXITPOLICY, rejected);
		return;
	}
	E.stats.es_resolve_failed++;
	stream_end(&es->es_s, END_REASON_RESOLVEFAILED);
}

/*
 * RESOLVED for a client.  Internal addresses are withheld under
 * reject_private unless the policy explicitly accepts them, so that the
 * exit's private DNS view does not leak.
 */
static bool
may_reveal(const struct addr *a)
{
	size_t i;

	if (!E.policy->p_reject_private || !addr_is_internal(a))
		return true;
	for (i = 0; i < E.policy->p_n; i++) {
		const struct exit_policy_rule *r = &E.policy->p_rules[i];

		if (r->r_accept && r->r_internal &&
		    exit_policy_allows(E.policy, a, r->r_port_lo))
			return true;
	}
	return false;
}

static void
exit_resolve_answer(struct exit_stream *es, const struct resolve_result *res)
{
	uint8_t body[RELAY_DATA_MAX];
	struct bwr w;
	size_t i, n = 0;
	int pass;

	bwr_init(&w, body, sizeof(body));
	if (res->rr_status == RESOLVE_OK && res->rr_name[0] != '\0') {
		relay_resolved_add(&w, RESOLVED_TYPE_HOSTNAME, res->rr_name,
		    (uint8_t)strlen(res->rr_name), res->rr_ttl);
		n++;
	} else if (res->rr_status == RESOLVE_OK) {
		/* IPv4 answers first, as the spec asks. */
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < res->rr_n; i++) {
				const struct addr *a = &res->rr_addrs[i];
				int fam = pass == 0 ? AF_INET : AF_INET6;

				if (addr_family(a) != fam || !may_reveal(a))
					continue;
				if (fam == AF_INET)
					relay_resolved_add(&w, RESOLVED_TYPE_IPV4,
					    &a->a_u.sin.sin_addr, 4, res->rr_ttl);
				else
					relay_resolved_add(&w, RESOLVED_TYPE_IPV6,
					    a->a_u.sin6.sin6_addr.s6_addr, 16, res->rr_ttl);
				n++;
			}
		}
	}
	if (n == 0 || w.w_err) {
		bool transient = res->rr_status != RESOLVE_OK &&
		    resolve_status_is_transient(res->rr_status);

		bwr_init(&w, body, sizeof(body));
		relay_resolved_add(&w, transient ? RESOLVED_TYPE_ERR_TRANSIENT :
		    RESOLVED_TYPE_ERR_PERMANENT, NULL, 0, 0);
	}
	E.stats.es_resolve_requests++;
	stream_send_relay(&es->es_s, RELAY_RESOLVED, body, w.w_off);
	/* RESOLVED ends the exchange: no END follows. */
	stream_close(&es->es_s, "resolved");
}

static void
exit_resolved_cb(const struct resolve_result *res, void *arg)
{
	struct exit_stream *es = arg;

	es->es_req = NULL;
	if (es->es_cmd == RELAY_RESOLVE)
		exit_resolve_answer(es, res);
	else
		exit_begin_resolved(es, res);
}

/* ---- The hook. */

static struct exit_stream *
exit_stream_new(struct circuit *c, uint16_t id, uint8_t cmd, const char *host,
    uint16_t port)
{
	struct exit_stream *es;

	if (es_pool == NULL)
		es_pool = objpool_new(sizeof(struct exit_stream), "exit streams");
	es = objpool_get(es_pool);
	stream_init_exit(&es->es_s, c, id, &exit_edge_ops);
	es->es_cmd = cmd;
	es->es_port = port;
	ml_timer_init(&es->es_timer, exit_connect_timeout_cb);
	stream_set_target(&es->es_s, host, cmd == RELAY_BEGIN ? port : -1);
	return es;
}

static void
exit_handle_resolve(struct circuit *c, uint16_t id, const uint8_t *body, size_t len)
{
	char host[RELAY_HOST_MAX + 1];
	struct exit_stream *es;
	struct addr a;

	if (relay_resolve_parse(body, len, host) != PARSE_OK) {
		uint8_t err[8];
		struct bwr w;

		E.stats.es_refused_protocol++;
		bwr_init(&w, err, sizeof(err));
		relay_resolved_add(&w, RESOLVED_TYPE_ERR_PERMANENT, NULL, 0, 0);
		circuit_send_relay(c, 0, RELAY_RESOLVED, id, err, w.w_off);
		return;
	}
	log_debug(LD_EXIT, "exit circ=%u stream=%u resolve %s", c->c_gid, id,
	    log_scrub(host));
	es = exit_stream_new(c, id, RELAY_RESOLVE, host, 0);
	if (resolve_parse_arpa(host, &a) == 0)
		es->es_req = resolve_start_ptr(&a, exit_resolved_cb, es);
	else
		es->es_req = resolve_start(host, AF_INET, exit_resolved_cb, es);
}

static void
exit_handle_begin_cmd(struct circuit *c, uint16_t id, const uint8_t *body, size_t len)
{
	struct relay_begin rb;
	struct exit_stream *es;
	struct addr a;

	if (relay_begin_parse(body, len, &rb) != PARSE_OK) {
		E.stats.es_refused_protocol++;
		log_rl(&rl_proto, LL_INFO, LD_EXIT, "exit circ=%u: malformed BEGIN", c->c_gid);
		end_no_stream(c, id, END_REASON_TORPROTOCOL, NULL, 0);
		return;
	}
	log_debug(LD_EXIT, "exit circ=%u stream=%u begin %s:%u", c->c_gid, id,
	    log_scrub(rb.rb_host), rb.rb_port);

	if (rb.rb_host_type != RELAY_HOST_NAME) {
		addr_from_cell(&a, &rb.rb_addr);
		if ((rb.rb_host_type == RELAY_HOST_IPV4 &&
		    (rb.rb_flags & BEGIN_FLAG_IPV4_NOT_OK)) ||
		    !exit_policy_allows(E.policy, &a, rb.rb_port)) {
			E.stats.es_refused_policy++;
			log_info(LD_EXIT, "exit circ=%u stream=%u refused by exit policy",
			    c->c_gid, id);
			end_no_stream(c, id, END_REASON_EXITPOLICY, &a, resolve_clip_ttl(0));
			return;
		}
		es = exit_stream_new(c, id, RELAY_BEGIN, rb.rb_host, rb.rb_port);
		es->es_flags = rb.rb_flags | (rb.rb_host_type == RELAY_HOST_IPV6 ?
		    BEGIN_FLAG_IPV6_OK : 0);
		es->es_ttl = resolve_clip_ttl(0);
		exit_connect(es, &a);
		return;
	}
	/* A name: refuse early if no address could pass, then resolve. */
	if (!exit_policy_might_allow_port(E.policy, rb.rb_port)) {
		E.stats.es_refused_policy++;
		log_info(LD_EXIT, "exit circ=%u stream=%u port refused by exit policy",
		    c->c_gid, id);
		end_no_stream(c, id, END_REASON_EXITPOLICY, NULL, 0);
		return;
	}
	es = exit_stream_new(c, id, RELAY_BEGIN, rb.rb_host, rb.rb_port);
	es->es_flags = rb.rb_flags;
	es->es_req = resolve_start(rb.rb_host,
	    (rb.rb_flags & BEGIN_FLAG_IPV6_PREFERRED) ? AF_INET6 : AF_INET,
	    exit_resolved_cb, es);
}

void
exit_handle_begin(struct circuit *c, uint16_t stream_id, uint8_t cmd,
    const uint8_t *body, size_t len)
{
	if (cmd == RELAY_BEGIN_DIR) {
		if (E.prev_begin != NULL)
			E.prev_begin(c, stream_id, cmd, body, len);
		else
			end_no_stream(c, stream_id, END_REASON_NOTDIRECTORY, NULL, 0);
		return;
	}
	if (cmd != RELAY_BEGIN && cmd != RELAY_RESOLVE)
		return;
	if (cmd == RELAY_BEGIN)
		E.stats.es_begin++;
	if (!E.running || !or_options.oo_is_exit || E.policy == NULL) {
		E.stats.es_refused_policy++;
		end_no_stream(c, stream_id, END_REASON_EXITPOLICY, NULL, 0);
		return;
	}
	/*
	 * A client talking to us directly would make us a one-hop proxy
	 * that sees both ends: refuse, as Tor does, with TORPROTOCOL.
	 */
	if (c->c_p_is_client) {
		E.stats.es_refused_protocol++;
		log_rl(&rl_proto, LL_INFO, LD_EXIT,
		    "exit circ=%u: %s on a client's first hop refused", c->c_gid,
		    relay_command_name(cmd));
		end_no_stream(c, stream_id, END_REASON_TORPROTOCOL, NULL, 0);
		return;
	}
	if (cmd == RELAY_RESOLVE)
		exit_handle_resolve(c, stream_id, body, len);
	else
		exit_handle_begin_cmd(c, stream_id, body, len);
}

/* ---- Lifecycle. */

int
exit_init(const struct exit_config *cfg)
{
	struct resolve_options ro = { 0 };

	if (E.running)
		exit_shutdown();
	memset(&E.stats, 0, sizeof(E.stats));
	E.connect_timeout = cfg->ec_connect_timeout > 0 ? cfg->ec_connect_timeout :
	    EXIT_DEFAULT_CONNECT_TIMEOUT;
	E.bind4 = cfg->ec_bind4;
	E.bind6 = cfg->ec_bind6;
	ro.ro_servers = cfg->ec_nameservers;
	ro.ro_n_servers = cfg->ec_n_nameservers;
	ro.ro_timeout = cfg->ec_resolve_timeout;
	if (resolve_init(&ro) < 0)
		return -1;
	exit_set_policy(cfg->ec_policy, cfg->ec_reject_private);
	if (circuit_edge_hooks.begin != exit_handle_begin) {
		E.prev_begin = circuit_edge_hooks.begin;
		circuit_edge_hooks.begin = exit_handle_begin;
	}
	E.running = true;
	if (exit_policy_is_reject_all(E.policy))
		log_notice(LD_EXIT, "exit policy accepts no port for public addresses");
	return 0;
}

void
exit_set_policy(const struct exit_policy *p, bool reject_private)
{
	struct exit_policy *np = p != NULL ? exit_policy_dup(p) : exit_policy_new();
	char *summary;

	exit_policy_set_reject_private(np, reject_private);
	exit_policy_free(E.policy);
	E.policy = np;
	summary = exit_policy_summary(np);
	log_info(LD_EXIT, "exit policy rules=%zu reject_private=%d summary=\"%s\"",
	    np->p_n, reject_private, summary);
	free(summary);
}

void
exit_shutdown(void)
{
	struct stream *s, *next;

	/* Streams still resolving hold DNS handles: end them first. */
	for (s = TAILQ_FIRST(stream_all()); s != NULL; s = next) {
		next = TAILQ_NEXT(s, s_all_entry);
		if (s->s_edge == &exit_edge_ops && TO_ES(s)->es_req != NULL)
			stream_end(s, END_REASON_EXITPOLICY);
	}
	resolve_shutdown();
	if (circuit_edge_hooks.begin == exit_handle_begin)
		circuit_edge_hooks.begin = E.prev_begin;
	E.prev_begin = NULL;
	exit_policy_free(E.policy);
	E.running = false;
}

const struct exit_policy *
exit_current_policy(void)
{
	return E.policy;
}

const struct exit_stats *
exit_get_stats(void)
{
	return &E.stats;
}
