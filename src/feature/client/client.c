/*
 * client.c: the client role and the life of an application request.
 *
 * client_start() opens the SOCKS and HTTP CONNECT listeners (their
 * front ends are socks.c and httpconnect.c) and starts circuit_pool.
 * A front end hands each finished handshake to client_ap_submit(); from
 * there this file gets a circuit (circuit_pool_get), attaches the stream
 * with BEGIN or RESOLVE, and waits for the exit:
 *
 *	CONNECTED	front end's reply_connected, then stream_open()
 *	RESOLVED	reply_resolved, then the stream closes
 *	END before CONNECTED, retryable (client_reason_retryable) and tries
 *			left: another circuit at once, else reply_failed
 *	no answer within cc_stream_attach_timeout: END the try, retire the
 *			circuit, try another (Tor: 10 s, up to 3 tries)
 *	cc_socks_timeout overall: reply_failed(TIMEOUT), i.e. SOCKS 0x06
 *
 * The reply is written exactly once (ap_replied), always before the
 * data pump starts.  Destinations reach logs only through log_scrub().
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mainloop/listener.h"
#include "core/or/circuit.h"
#include "core/or/reasons.h"
#include "feature/client/circuit_pool.h"
#include "feature/client/client.h"
#include "feature/client/client_policy.h"
#include "feature/client/httpconnect.h"
#include "feature/client/socks.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

#define CLIENT_MAX_LISTENERS	16

static struct client_config	 client_cfg;
static struct client_relay	*client_relays;
static struct client_listener	 client_listeners[CLIENT_MAX_LISTENERS];
static size_t			 client_n_listeners;
static struct client_stats	 client_counters;
static bool			 client_running;

static void	ap_try(struct client_ap *ap);

void
client_config_defaults(struct client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cc_handshake_timeout = 30;
	cfg->cc_stream_attach_timeout = 10;
	cfg->cc_socks_timeout = 120;
	cfg->cc_circuit_build_timeout = 60;
	cfg->cc_max_circuit_dirtiness = 600;
	cfg->cc_preemptive_circuits = 3;
	cfg->cc_max_stream_tries = 3;
	cfg->cc_max_build_tries = 3;
	cfg->cc_enforce_distinct_subnets = true;
}

const struct client_config *
client_config_get(void)
{
	return &client_cfg;
}

const struct client_stats *
client_stats(void)
{
	return &client_counters;
}

struct client_stats *
client_stats_mut_(void)
{
	return &client_counters;
}

/* ---- Listeners. */

static int
client_listen(const struct client_listen_cfg *lc, enum client_ap_proto proto,
    listener_accept_cb cb, const char *name)
{
	struct client_listener *cl;
	const char *err = NULL;
	char buf[ADDR_STRLEN];

	if (client_n_listeners >= CLIENT_MAX_LISTENERS) {
		log_err(LD_SOCKS, "too many %s listeners (at most %d)", name,
		    CLIENT_MAX_LISTENERS);
		return -1;
	}
	cl = &client_listeners[client_n_listeners];
	memset(cl, 0, sizeof(*cl));
	cl->cl_index = (unsigned)client_n_listeners;
	cl->cl_isolation = lc->lc_isolation;
	cl->cl_proto = proto;
	cl->cl_listener = listener_new_tcp(&lc->lc_addr, name, cb, cl, &err);
	addr_fmt(&lc->lc_addr, buf, sizeof(buf));
	if (cl->cl_listener == NULL) {
		log_err(LD_SOCKS, "cannot listen for %s on %s: %s", name, buf,
		    err != NULL ? err : "error");
		return -1;
	}
	client_n_listeners++;
	addr_fmt(listener_addr(cl->cl_listener), buf, sizeof(buf));
	if (!addr_is_loopback(&lc->lc_addr))
		log_warn(LD_SOCKS, "%s listener on %s is not a loopback address: anyone "
		    "who can reach it can use this client as an open proxy", name, buf);
	else
		log_notice(LD_SOCKS, "%s listener on %s", name, buf);
	return 0;
}

static void
client_close_listeners(void)
{
	size_t i;

	for (i = 0; i < client_n_listeners; i++)
		listener_free(client_listeners[i].cl_listener);
	client_n_listeners = 0;
}

int
client_start(const struct client_config *cfg)
{
	size_t i;

	if (BUG(client_running))
		return -1;
	client_cfg = *cfg;
	/* Keep our own copy of the relay list: the config may be reloaded. */
	client_relays = NULL;
	if (cfg->cc_n_relays > 0) {
		client_relays = xcalloc(cfg->cc_n_relays, sizeof(*client_relays));
		memcpy(client_relays, cfg->cc_relays, cfg->cc_n_relays * sizeof(*client_relays));
	}
	client_cfg.cc_relays = client_relays;
	client_cfg.cc_socks = NULL;
	client_cfg.cc_http = NULL;
	if (client_cfg.cc_max_stream_tries < 1)
		client_cfg.cc_max_stream_tries = 1;
	for (i = 0; i < cfg->cc_n_socks; i++)
		if (client_listen(&cfg->cc_socks[i], AP_PROTO_SOCKS5, socks_accept, "SOCKS") < 0)
			goto err;
	for (i = 0; i < cfg->cc_n_http; i++)
		if (client_listen(&cfg->cc_http[i], AP_PROTO_HTTP, httpconnect_accept,
		    "HTTP CONNECT") < 0)
			goto err;
	circuit_pool_init(&client_cfg);
	client_running = true;
	return 0;
err:
	client_close_listeners();
	free(client_relays);
	client_relays = NULL;
	return -1;
}

void
client_shutdown(void)
{
	if (!client_running)
		return;
	client_running = false;
	client_close_listeners();
	circuit_pool_shutdown();
	free(client_relays);
	client_relays = NULL;
}

void
client_reconfigure(const struct client_config *cfg)
{
	if (!client_running)
		return;
	client_cfg.cc_handshake_timeout = cfg->cc_handshake_timeout;
	client_cfg.cc_stream_attach_timeout = cfg->cc_stream_attach_timeout;
	client_cfg.cc_socks_timeout = cfg->cc_socks_timeout;
	client_cfg.cc_circuit_build_timeout = cfg->cc_circuit_build_timeout;
	client_cfg.cc_max_circuit_dirtiness = cfg->cc_max_circuit_dirtiness;
	client_cfg.cc_preemptive_circuits = cfg->cc_preemptive_circuits;
	client_cfg.cc_max_stream_tries = MAX(cfg->cc_max_stream_tries, 1);
	client_cfg.cc_max_build_tries = cfg->cc_max_build_tries;
	client_cfg.cc_safe_socks = cfg->cc_safe_socks;
	client_cfg.cc_enforce_distinct_subnets = cfg->cc_enforce_distinct_subnets;
	log_info(LD_CONFIG, "client: safe_socks %s, stream_timeout %.0f s, "
	    "circuit_build_timeout %.0f s, max_circuit_dirtiness %.0f s, "
	    "preemptive_circuits %d", client_cfg.cc_safe_socks ? "yes" : "no",
	    client_cfg.cc_socks_timeout, client_cfg.cc_circuit_build_timeout,
	    client_cfg.cc_max_circuit_dirtiness, client_cfg.cc_preemptive_circuits);
}

void
client_newnym(void)
{
	circuit_pool_newnym();
}

/* ---- Requests. */

/*
 * What a request needs from accept until the application is answered:
 * the client's address and the isolation key (circuit choice), the
 * BEGIN / RESOLVE body (re-sent on each try), the tries and the timers.
 * A held stream keeps none of it: ap_req_free() runs at the reply.
 */
struct client_ap_req {
	struct client_ap	*rq_ap;
	struct addr		 rq_peer;
	char			*rq_isolation;	/* key for circuit choice */
	struct ml_timer		 rq_timer;
	struct pool_waiter	 rq_waiter;	/* while waiting for a circuit */
	double			 rq_deadline;	/* give up (SOCKS timeout) */
	uint32_t		 rq_avoid[CLIENT_AP_MAX_AVOID];	/* circuit gids */
	/* Middles and exits of circuits that did not answer (newest first). */
	uint8_t			 rq_avoid_relays[CLIENT_AP_MAX_AVOID_RELAYS][IDENTITY_LEN];
	uint32_t		 rq_circ_gid;	/* circuit of the current try */
	int			 rq_tries;	/* BEGINs sent */
	uint16_t		 rq_port;
	uint8_t			 rq_cmd;	/* RELAY_BEGIN / RELAY_RESOLVE */
	size_t			 rq_body_len;
	uint8_t			 rq_body[RELAY_HOST_MAX + 16];
};

#define AP_OF_STREAM(s)	container_of((s), struct client_ap, ap_stream)
#define RQ_OF_WAITER(w)	container_of((w), struct client_ap_req, rq_waiter)

/*
 * The request is over (answered, or the socket closed): stop its timer,
 * leave the waiting list and free it, wiped (it names the destination
 * and holds the isolation key).  Safe from the request's own timer and
 * waiter callbacks: neither is touched after its callback returns.
 */
static void
ap_req_free(struct client_ap *ap)
{
	struct client_ap_req *rq = ap->ap_req;

	if (rq == NULL)
		return;
	ap->ap_req = NULL;
	circuit_pool_cancel(&rq->rq_waiter);
	ml_timer_stop(&rq->rq_timer);
	if (rq->rq_isolation != NULL) {
		crypto_wipe(rq->rq_isolation, strlen(rq->rq_isolation));
		free(rq->rq_isolation);
	}
	crypto_wipe(rq, sizeof(*rq));
	free(rq);
}

/* Write the failure reply once and close the application's socket. */
static void
ap_fail(struct client_ap *ap, int reason)
{
	struct client_ap_req *rq = ap->ap_req;

	if (!ap->ap_replied && rq != NULL) {
		ap->ap_replied = true;
		client_counters.cs_streams_failed++;
		log_info(LD_SOCKS, "stream=%llu failed: reason=%s tries=%d",
		    (unsigned long long)ap->ap_stream.s_gid, reasons_end_name(reason),
		    rq->rq_tries);
		log_debug(LD_SOCKS, "stream=%llu target=%s", (unsigned long long)ap->ap_stream.s_gid,
		    log_scrub(ap->ap_stream.s_target != NULL ? ap->ap_stream.s_target : "-"));
		ap->ap_ops->reply_failed(ap, reason);
	}
	ap_req_free(ap);
	client_ap_close(ap, "request failed");
}

/* Arm the timer for the earlier of the try's deadline and the overall one. */
static void
ap_arm_timer(struct client_ap_req *rq, bool attached)
{
	double now = mainloop_now();
	double at = rq->rq_deadline;

	if (attached && now + client_cfg.cc_stream_attach_timeout < at)
		at = now + client_cfg.cc_stream_attach_timeout;
	ml_timer_stop(&rq->rq_timer);
	ml_timer_start(&rq->rq_timer, MAX(at - now, 0.001), 0);
}

static void
ap_avoid(struct client_ap_req *rq, uint32_t gid)
{
	memmove(rq->rq_avoid + 1, rq->rq_avoid,
	    (CLIENT_AP_MAX_AVOID - 1) * sizeof(rq->rq_avoid[0]));
	rq->rq_avoid[0] = gid;
	if (rq->rq_waiter.w_n_avoid < CLIENT_AP_MAX_AVOID)
		rq->rq_waiter.w_n_avoid++;
}

/*
 * c gave no answer in time: its middle and exit may be frozen or cut off,
 * so the next tries of this request go around them (the guard stays).
 */
static void
ap_avoid_relays_of(struct client_ap_req *rq, const struct circuit *c)
{
	struct pool_waiter *w = &rq->rq_waiter;
	size_t i, j;
	int h;

	for (h = 1; h < c->c_n_hops; h++) {
		const uint8_t *id = c->c_hops[h].h_relay.ri_id;

		for (i = 0; i < w->w_n_avoid_relays; i++)
			if (memcmp(rq->rq_avoid_relays[i], id, IDENTITY_LEN) == 0)
				break;
		if (i < w->w_n_avoid_relays)
			continue;
		for (j = CLIENT_AP_MAX_AVOID_RELAYS - 1; j > 0; j--)
			memcpy(rq->rq_avoid_relays[j], rq->rq_avoid_relays[j - 1], IDENTITY_LEN);
		memcpy(rq->rq_avoid_relays[0], id, IDENTITY_LEN);
		if (w->w_n_avoid_relays < CLIENT_AP_MAX_AVOID_RELAYS)
			w->w_n_avoid_relays++;
	}
}

/* Send BEGIN/RESOLVE on c.  May answer the application (and free ap_req). */
static void
ap_attach(struct client_ap *ap, struct circuit *c)
{
	struct client_ap_req *rq = ap->ap_req;

	rq->rq_tries++;
	rq->rq_circ_gid = c->c_gid;
	if (rq->rq_tries > 1)
		client_counters.cs_stream_retries++;
	if (stream_attach(&ap->ap_stream, c, c->c_n_hops - 1, rq->rq_cmd, rq->rq_body,
	    rq->rq_body_len) < 0) {
		/* No stream id left (or it is closing): not this circuit. */
		stream_detach(&ap->ap_stream);
		circuit_pool_retire(c);
		ap_avoid(rq, c->c_gid);
		if (rq->rq_tries < client_cfg.cc_max_stream_tries)
			ap_try(ap);
		else
			ap_fail(ap, STREAM_REASON_CANT_ATTACH);
		return;
	}
	log_info(LD_SOCKS, "stream=%llu attached to circ=%u try=%d",
	    (unsigned long long)ap->ap_stream.s_gid, c->c_gid, rq->rq_tries);
	ap_arm_timer(rq, true);
}

static void
ap_waiter_ready(struct pool_waiter *w, struct circuit *c)
{
	ap_attach(RQ_OF_WAITER(w)->rq_ap, c);
}

static void
ap_waiter_failed(struct pool_waiter *w, int reason)
{
	ap_fail(RQ_OF_WAITER(w)->rq_ap, reason);
}

/* Fill the waiter for another circuit (the avoid list carries over). */
static void
ap_waiter_set(struct client_ap_req *rq)
{
	rq->rq_waiter.w_port = rq->rq_cmd == RELAY_BEGIN ? rq->rq_port : 0;
	rq->rq_waiter.w_key = rq->rq_isolation;
	rq->rq_waiter.w_avoid = rq->rq_avoid;
	rq->rq_waiter.w_avoid_relays = rq->rq_avoid_relays;
	rq->rq_waiter.w_ready = ap_waiter_ready;
	rq->rq_waiter.w_failed = ap_waiter_failed;
}

/* Get a circuit now, or wait for one.  May answer the application. */
static void
ap_try(struct client_ap *ap)
{
	struct client_ap_req *rq = ap->ap_req;
	struct circuit *c;

	ap_waiter_set(rq);
	c = circuit_pool_get(&rq->rq_waiter);
	if (c != NULL)
		ap_attach(ap, c);
	else
		ap_arm_timer(rq, false);
}

static void
ap_timer_cb(struct ml_timer *t)
{
	struct client_ap_req *rq = container_of(t, struct client_ap_req, rq_timer);
	struct client_ap *ap = rq->rq_ap;
	struct stream *s = &ap->ap_stream;
	struct circuit *c = s->s_circ;
	static const uint8_t end_misc[1] = { END_REASON_MISC };

	if (ap->ap_replied)
		return;
	if (mainloop_now() >= rq->rq_deadline - 0.0005 ||
	    rq->rq_tries >= client_cfg.cc_max_stream_tries) {
		if (c != NULL) {
			(void)stream_send_relay(s, RELAY_END, end_misc, sizeof(end_misc));
			s->s_end_sent = true;
		}
		ap_fail(ap, END_REASON_TIMEOUT);
		return;
	}
	if (c == NULL) {	/* still waiting for a circuit: keep waiting */
		ap_arm_timer(rq, false);
		return;
	}
	/* No CONNECTED in time: give up on this circuit for new streams. */
	log_info(LD_SOCKS, "stream=%llu no answer on circ=%u (exit %s) after %.0f s: retrying "
	    "without its middle and exit",
	    (unsigned long long)s->s_gid, c->c_gid,
	    c->c_n_hops > 0 ? c->c_hops[c->c_n_hops - 1].h_relay.ri_nickname : "?",
	    client_cfg.cc_stream_attach_timeout);
	(void)stream_send_relay(s, RELAY_END, end_misc, sizeof(end_misc));
	stream_detach(s);
	circuit_pool_retire(c);
	ap_avoid(rq, c->c_gid);
	ap_avoid_relays_of(rq, c);
	ap_try(ap);
}

static const struct stream_edge_ops client_edge_ops;

void
client_ap_init(struct client_ap *ap, int fd, const struct addr *peer,
    const struct client_listener *l, const struct conn_ops *handshake_ops,
    const struct client_ap_ops *ops)
{
	struct client_ap_req *rq = xcalloc(1, sizeof(*rq));

	rq->rq_ap = ap;
	rq->rq_peer = *peer;
	ml_timer_init(&rq->rq_timer, ap_timer_cb);
	ap->ap_req = rq;
	ap->ap_ops = ops;
	ap->ap_listener = l;
	ap->ap_proto = (uint8_t)l->cl_proto;
	stream_init_client(&ap->ap_stream, fd, handshake_ops, &client_edge_ops);
	conn_set_timeout(&ap->ap_stream.s_conn, client_cfg.cc_handshake_timeout > 0 ?
	    client_cfg.cc_handshake_timeout : 30);
	/* The same bound from the start, however slowly the bytes trickle in. */
	conn_set_deadline(&ap->ap_stream.s_conn, client_cfg.cc_handshake_timeout > 0 ?
	    client_cfg.cc_handshake_timeout : 30);
}

void
client_ap_submit(struct client_ap *ap, uint8_t cmd, const char *host, uint16_t port,
    const void *auth, size_t authlen)
{
	struct client_ap_req *rq = ap->ap_req;
	struct client_iso iso;
	int n;

	if (BUG(ap->ap_submitted) || BUG(rq == NULL))
		return;
	ap->ap_submitted = true;
	rq->rq_cmd = cmd;
	rq->rq_port = port;
	stream_set_target(&ap->ap_stream, host, port);
	stream_announce(&ap->ap_stream, cmd == RELAY_RESOLVE);
	memset(&iso, 0, sizeof(iso));
	iso.ci_listener = ap->ap_listener->cl_index;
	iso.ci_flags = ap->ap_listener->cl_isolation;
	iso.ci_proto = ap->ap_proto;
	iso.ci_peer = &rq->rq_peer;
	iso.ci_auth = auth;
	iso.ci_authlen = authlen;
	iso.ci_host = host;
	iso.ci_port = port;
	rq->rq_isolation = client_isolation_key(&iso);
	/* The handshake is over: its inactivity timeout gives way to ours. */
	conn_set_timeout(&ap->ap_stream.s_conn, 0);
	conn_set_deadline(&ap->ap_stream.s_conn, 0);
	rq->rq_deadline = mainloop_now() + client_cfg.cc_socks_timeout;
	client_counters.cs_streams_requested++;
	if (cmd == RELAY_RESOLVE) {
		client_counters.cs_resolves++;
		n = relay_resolve_encode(rq->rq_body, sizeof(rq->rq_body), host);
	} else {
		n = relay_begin_encode(rq->rq_body, sizeof(rq->rq_body), host, port, 0);
	}
	if (n < 0) {
		/* The front end checked the host; keep the reply honest anyway. */
		rq->rq_body_len = 0;
		ml_timer_start(&rq->rq_timer, 0, 0);	/* fail from the loop */
		rq->rq_deadline = mainloop_now();
		return;
	}
	rq->rq_body_len = (size_t)n;
	log_debug(LD_SOCKS, "stream=%llu request for %s", (unsigned long long)ap->ap_stream.s_gid,
	    log_scrub(ap->ap_stream.s_target));
	ap_try(ap);
}

void
client_ap_close(struct client_ap *ap, const char *why)
{
	ap_req_free(ap);
	ap->ap_stream.s_conn.c_flush_on_close = true;
	/*
	 * Never attached or not: stream_close() installs the core's own conn
	 * ops, whose close unregisters the stream, in place of the front
	 * end's handshake ops.
	 */
	stream_close(&ap->ap_stream, why);
}

void
client_ap_conn_closed(struct client_ap *ap)
{
	ap_req_free(ap);
	stream_forget(&ap->ap_stream);
}

void
client_ap_conn_free(struct client_ap *ap)
{
	/* client_ap_conn_closed() released the request and the stream's own. */
	ap->ap_ops->free(ap);
}

/* ---- Edge ops: what the exit said. */

static void
edge_connected(struct stream *s, const uint8_t *body, size_t len)
{
	struct client_ap *ap = AP_OF_STREAM(s);
	struct client_ap_req *rq = ap->ap_req;

	if (ap->ap_replied || rq == NULL || rq->rq_cmd != RELAY_BEGIN)
		return;
	ap->ap_replied = true;
	client_counters.cs_streams_succeeded++;
	log_info(LD_SOCKS, "stream=%llu connected on circ=%u after %d tries",
	    (unsigned long long)s->s_gid, rq->rq_circ_gid, rq->rq_tries);
	ap_req_free(ap);
	ap->ap_ops->reply_connected(ap, body, len);
	stream_open(s);
}

static void
edge_resolved(struct stream *s, const uint8_t *body, size_t len)
{
	struct client_ap *ap = AP_OF_STREAM(s);
	struct relay_resolved rr;

	if (ap->ap_replied || ap->ap_req == NULL)
		return;
	if (relay_resolved_parse(body, len, &rr) != PARSE_OK) {
		ap_fail(ap, END_REASON_TORPROTOCOL);
		return;
	}
	ap->ap_replied = true;
	ap_req_free(ap);
	client_counters.cs_streams_succeeded++;
	ap->ap_ops->reply_resolved(ap, &rr);
	/* RESOLVE made no stream at the exit: nothing to END. */
	s->s_end_sent = true;
	client_ap_close(ap, "resolved");
}

static void
edge_failed(struct stream *s, uint8_t end_reason)
{
	struct client_ap *ap = AP_OF_STREAM(s);
	struct client_ap_req *rq = ap->ap_req;
	struct circuit *c;

	if (ap->ap_replied || rq == NULL)
		return;
	ml_timer_stop(&rq->rq_timer);
	if (s->s_circ != NULL)
		stream_detach(s);
	log_info(LD_SOCKS, "stream=%llu refused on circ=%u: reason=%s try=%d",
	    (unsigned long long)s->s_gid, rq->rq_circ_gid, reasons_end_name(end_reason),
	    rq->rq_tries);
	if (client_reason_retryable(end_reason) &&
	    rq->rq_tries < client_cfg.cc_max_stream_tries &&
	    mainloop_now() < rq->rq_deadline) {
		ap_avoid(rq, rq->rq_circ_gid);
		/*
		 * The core closes the stream when this returns unless it is
		 * attached again, so only a circuit open right now will do.
		 */
		ap_waiter_set(rq);
		c = circuit_pool_get(&rq->rq_waiter);
		circuit_pool_cancel(&rq->rq_waiter);
		if (c != NULL) {
			ap_attach(ap, c);
			return;
		}
	}
	ap->ap_replied = true;
	ap_req_free(ap);
	client_counters.cs_streams_failed++;
	ap->ap_ops->reply_failed(ap, end_reason);
	s->s_conn.c_flush_on_close = true;
}

static void
edge_closed(struct stream *s)
{
	ap_req_free(AP_OF_STREAM(s));
}

static void
edge_free(struct stream *s)
{
	struct client_ap *ap = AP_OF_STREAM(s);

	ap_req_free(ap);
	ap->ap_ops->free(ap);
}

static const struct stream_edge_ops client_edge_ops = {
	.connected = edge_connected,
	.resolved = edge_resolved,
	.failed = edge_failed,
	.closed = edge_closed,
	.free = edge_free,
};
