/*
 * socks.c: the SOCKS front end of the client.
 *
 * Owns the SOCKS ports' connections until their request is complete:
 * accepts (socks_accept, a listener callback set up by client.c), feeds
 * the input to the pure codec (core/proto/socks.h), writes its method
 * and auth answers, answers HTTP sent to a SOCKS port with the 501 page,
 * applies SafeSocks, and hands CONNECT / RESOLVE / RESOLVE_PTR to
 * client_ap_submit().  The final reply is written only when the exit
 * answers, from client.c's callbacks below (reply_*), with the reply
 * code mapped from the END reason by core/or/reasons.c.
 *
 * Credentials serve only as the isolation key: they are turned into a
 * keyed hash at once and wiped from the parser.  The parser (and the
 * request it holds, credentials included) is a separate allocation,
 * wiped and freed as soon as the request is complete: a held stream
 * keeps only the version and command its replies need.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/or/reasons.h"
#include "core/or/stream.h"
#include "feature/client/client.h"
#include "feature/client/client_policy.h"
#include "feature/client/socks.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/objpool.h"
#include "lib/util.h"

struct socks_conn {
	struct client_ap	 sc_ap;		/* first: container_of */
	struct socks_parser	*sc_parser;	/* the handshake; NULL after it */
	uint8_t			 sc_version;	/* 4 or 5: the replies' format */
	uint8_t			 sc_command;	/* enum socks_command */
};

/*
 * A held stream is this object and little else (issue #8: 10,000 streams
 * in well under 16 MiB).  Inlining the handshake or the request again
 * would break this; see bench/README.md, "Client memory".
 */
_Static_assert(sizeof(struct socks_conn) <= 1024,
    "a held SOCKS stream must stay within 1 KiB");

#define SC_OF_AP(a)	container_of((a), struct socks_conn, sc_ap)
#define SC_OF_CONN(c)	container_of((c), struct socks_conn, sc_ap.ap_stream.s_conn)

static struct objpool *socks_pool;
static struct log_ratelim socks_unsafe_rl = LOG_RATELIM_INIT(60);
static struct log_ratelim socks_refused_rl = LOG_RATELIM_INIT(60);
static struct log_ratelim socks_http_rl = LOG_RATELIM_INIT(60);
static struct log_ratelim socks_proto_rl = LOG_RATELIM_INIT(60);

size_t
socks_failure_reply(const struct socks_request *req, int reason, uint8_t *out,
    size_t outlen)
{
	uint8_t rep = reasons_end_to_socks5(reason);

	if (rep == SOCKS5_SUCCEEDED)	/* a failure is never a success */
		rep = SOCKS5_GENERAL_FAILURE;
	return socks_reply_encode(req, out, outlen, rep, NULL);
}

/* The handshake is over (or the connection is): wipe and free the parser. */
static void
socks_parser_free(struct socks_conn *sc)
{
	if (sc->sc_parser == NULL)
		return;
	socks_parser_clear(sc->sc_parser);
	free(sc->sc_parser);
	sc->sc_parser = NULL;
}

/* All a reply needs of the request: its version (and command). */
static void
socks_reply_req(const struct socks_conn *sc, struct socks_request *req)
{
	memset(req, 0, sizeof(*req));
	req->sr_version = sc->sc_version;
	req->sr_command = sc->sc_command;
}

static void
socks_write_reply(struct socks_conn *sc, uint8_t rep, const struct socks_target *bnd)
{
	uint8_t out[SOCKS_MAX_MSG_LEN];
	struct socks_request req;
	size_t n;

	socks_reply_req(sc, &req);
	n = socks_reply_encode(&req, out, sizeof(out), rep, bnd);

	if (n > 0)
		conn_write(&sc->sc_ap.ap_stream.s_conn, out, n);
}

/* Answer now and close: for requests decided without the network. */
static void
socks_answer_locally(struct socks_conn *sc, uint8_t rep, const struct socks_target *bnd,
    const char *why)
{
	sc->sc_ap.ap_replied = true;
	socks_write_reply(sc, rep, bnd);
	client_ap_close(&sc->sc_ap, why);
}

/* "d.c.b.a.in-addr.arpa" or the ip6.arpa nibble name of the target. */
static void
socks_ptr_name(const struct socks_target *t, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;
	int i;

	if (t->st_type == SOCKS_ADDR_IPV4) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", t->st_addr[3], t->st_addr[2],
		    t->st_addr[1], t->st_addr[0]);
		return;
	}
	for (i = 15; i >= 0 && off + 4 < outlen; i--) {
		out[off++] = hex[t->st_addr[i] & 0xf];
		out[off++] = '.';
		out[off++] = hex[t->st_addr[i] >> 4];
		out[off++] = '.';
	}
	snprintf(out + off, outlen - off, "ip6.arpa");
}

/* The request is complete: apply policy and submit it. */
static void
socks_request_done(struct socks_conn *sc)
{
	const struct socks_request *req = &sc->sc_parser->sp_req;
	const struct client_config *cfg = client_config_get();
	uint8_t auth[4 + 2 * SOCKS_CRED_MAX];
	size_t authlen = 0;
	char ptr[80];
	uint8_t cmd;
	const char *host = req->sr_target.st_host;

	sc->sc_version = req->sr_version;
	sc->sc_command = req->sr_command;
	sc->sc_ap.ap_proto = req->sr_version == 4 ? AP_PROTO_SOCKS4 : AP_PROTO_SOCKS5;
	if (req->sr_has_auth)
		authlen = client_auth_blob(auth, req->sr_user, req->sr_user_len,
		    req->sr_pass, req->sr_pass_len);
	switch (req->sr_command) {
	case SOCKS_CMD_CONNECT:
		if (req->sr_target.st_port == 0) {
			socks_answer_locally(sc, SOCKS5_GENERAL_FAILURE, NULL, "port 0");
			goto done;
		}
		if (req->sr_target.st_type != SOCKS_ADDR_NAME) {
			if (cfg->cc_safe_socks) {
				client_stats_mut_()->cs_refused_unsafe++;
				log_rl(&socks_refused_rl, LL_WARN, LD_SOCKS,
				    "refused a SOCKS%u request that carried only an IP "
				    "address (safe_socks): the application resolved the "
				    "name itself, leaking it to its DNS server; use "
				    "socks5h:// or SOCKS4a", (unsigned)req->sr_version);
				socks_answer_locally(sc, SOCKS5_NOT_ALLOWED, NULL, "unsafe socks");
				goto done;
			}
			log_rl(&socks_unsafe_rl, LL_NOTICE, LD_SOCKS,
			    "an application gave only an IP address over SOCKS%u: it may "
			    "have resolved the name itself, leaking it to its DNS server; "
			    "use socks5h:// or SOCKS4a (safe_socks refuses such requests)",
			    (unsigned)req->sr_version);
		}
		cmd = RELAY_BEGIN;
		break;
	case SOCKS_CMD_RESOLVE:
		if (req->sr_target.st_type != SOCKS_ADDR_NAME) {
			/* Already an address: the answer is the question. */
			socks_answer_locally(sc, SOCKS5_SUCCEEDED, &req->sr_target, "resolved");
			goto done;
		}
		cmd = RELAY_RESOLVE;
		break;
	case SOCKS_CMD_RESOLVE_PTR:
		if (req->sr_target.st_type == SOCKS_ADDR_NAME) {
			socks_answer_locally(sc, SOCKS5_ADDRESS_NOT_SUPPORTED, NULL, "bad PTR");
			goto done;
		}
		socks_ptr_name(&req->sr_target, ptr, sizeof(ptr));
		host = ptr;
		cmd = RELAY_RESOLVE;
		break;
	default:
		socks_answer_locally(sc, SOCKS5_COMMAND_NOT_SUPPORTED, NULL, "bad command");
		goto done;
	}
	client_ap_submit(&sc->sc_ap, cmd, host, req->sr_target.st_port, authlen ? auth : NULL,
	    authlen);
done:
	crypto_wipe(auth, sizeof(auth));
	socks_parser_free(sc);
}

static void
socks_process_inbuf(struct conn *c)
{
	struct socks_conn *sc = SC_OF_CONN(c);
	size_t consumed = 0;
	enum socks_result r;

	if (sc->sc_ap.ap_submitted || sc->sc_parser == NULL || conn_is_marked(c))
		return;	/* early data waits in c_in for the stream */
	r = socks_parse(sc->sc_parser, buf_peek(&c->c_in), buf_len(&c->c_in), &consumed);
	buf_drain(&c->c_in, consumed);
	if (sc->sc_parser->sp_out_len > 0) {
		conn_write(c, sc->sc_parser->sp_out, sc->sc_parser->sp_out_len);
		socks_out_clear(sc->sc_parser);
	}
	switch (r) {
	case SOCKS_NEED_MORE:
		return;
	case SOCKS_DONE:
		socks_request_done(sc);
		return;
	case SOCKS_HTTP:
		log_rl(&socks_http_rl, LL_NOTICE, LD_SOCKS,
		    "an application spoke HTTP to the SOCKS port; configure it to use "
		    "SOCKS5 (or use the HTTP CONNECT port)");
		conn_write(c, SOCKS_HTTP_501_RESPONSE, strlen(SOCKS_HTTP_501_RESPONSE));
		socks_parser_free(sc);
		sc->sc_ap.ap_replied = true;
		client_ap_close(&sc->sc_ap, "HTTP on SOCKS port");
		return;
	case SOCKS_ERROR:
	default:
		log_rl(&socks_proto_rl, LL_INFO, LD_SOCKS, "conn=%llu malformed SOCKS request",
		    (unsigned long long)c->c_id);
		socks_parser_free(sc);
		sc->sc_ap.ap_replied = true;
		client_ap_close(&sc->sc_ap, "SOCKS protocol error");
		return;
	}
}

static void
socks_eof(struct conn *c)
{
	struct socks_conn *sc = SC_OF_CONN(c);

	if (!sc->sc_ap.ap_submitted) {
		sc->sc_ap.ap_replied = true;
		client_ap_close(&sc->sc_ap, "eof in handshake");
	}
	/* After submit the app may half-close: the reply is still due. */
}

static void
socks_timeout(struct conn *c)
{
	struct socks_conn *sc = SC_OF_CONN(c);

	if (sc->sc_ap.ap_submitted)
		return;
	log_info(LD_SOCKS, "conn=%llu SOCKS handshake timed out", (unsigned long long)c->c_id);
	sc->sc_ap.ap_replied = true;
	client_ap_close(&sc->sc_ap, "handshake timeout");
}

/*
 * Only reached if the socket fails before the stream was ever attached
 * or opened (the core's ops take over from then on).
 */
static void
socks_conn_closed(struct conn *c)
{
	struct socks_conn *sc = SC_OF_CONN(c);

	socks_parser_free(sc);
	client_ap_conn_closed(&sc->sc_ap);
}

static void
socks_free(struct client_ap *ap)
{
	struct socks_conn *sc = SC_OF_AP(ap);

	socks_parser_free(sc);
	objpool_put(socks_pool, sc);
}

static void
socks_conn_free(struct conn *c)
{
	client_ap_conn_free(&SC_OF_CONN(c)->sc_ap);
}

static const struct conn_ops socks_handshake_ops = {
	.name = "socks",
	.process_inbuf = socks_process_inbuf,
	.eof = socks_eof,
	.timeout = socks_timeout,
	.closed = socks_conn_closed,
	.free = socks_conn_free,
};

/* ---- Replies, from client.c. */

static void
socks_reply_connected(struct client_ap *ap, const uint8_t *body, size_t len)
{
	/* 0.0.0.0:0: the exit's address is nobody's business (Tor does so). */
	socks_write_reply(SC_OF_AP(ap), SOCKS5_SUCCEEDED, NULL);
}

static void
socks_reply_resolved(struct client_ap *ap, const struct relay_resolved *rr)
{
	struct socks_conn *sc = SC_OF_AP(ap);
	struct socks_target t;
	bool ptr = sc->sc_command == SOCKS_CMD_RESOLVE_PTR;
	bool v4only = sc->sc_version == 4;
	size_t i;
	int pass;

	memset(&t, 0, sizeof(t));
	/* IPv4 first, then IPv6 (not for SOCKS4); a name for PTR. */
	for (pass = 0; pass < 2 && !rr->rr_error; pass++) {
		for (i = 0; i < rr->rr_n; i++) {
			const struct relay_resolved_answer *a = &rr->rr_answers[i];

			if (ptr && a->ra_type == RESOLVED_TYPE_HOSTNAME && pass == 0 &&
			    !v4only) {
				t.st_type = SOCKS_ADDR_NAME;
				memcpy(t.st_host, a->ra_value, MIN(a->ra_len, SOCKS_HOST_MAX));
				goto found;
			}
			if (ptr)
				continue;
			if (pass == 0 && a->ra_type == RESOLVED_TYPE_IPV4 && a->ra_len == 4) {
				t.st_type = SOCKS_ADDR_IPV4;
				memcpy(t.st_addr, a->ra_value, 4);
				goto found;
			}
			if (pass == 1 && !v4only && a->ra_type == RESOLVED_TYPE_IPV6 &&
			    a->ra_len == 16) {
				t.st_type = SOCKS_ADDR_IPV6;
				memcpy(t.st_addr, a->ra_value, 16);
				goto found;
			}
		}
	}
	socks_write_reply(sc, SOCKS5_HOST_UNREACHABLE, NULL);
	return;
found:
	socks_write_reply(sc, SOCKS5_SUCCEEDED, &t);
}

static void
socks_reply_failed(struct client_ap *ap, int reason)
{
	struct socks_request req;
	uint8_t out[SOCKS_MAX_MSG_LEN];
	size_t n;

	socks_reply_req(SC_OF_AP(ap), &req);
	n = socks_failure_reply(&req, reason, out, sizeof(out));

	if (n > 0)
		conn_write(&ap->ap_stream.s_conn, out, n);
}

static const struct client_ap_ops socks_ap_ops = {
	.reply_connected = socks_reply_connected,
	.reply_resolved = socks_reply_resolved,
	.reply_failed = socks_reply_failed,
	.free = socks_free,
};

void
socks_accept(struct listener *l, int fd, const struct addr *peer, void *arg)
{
	struct client_listener *cl = arg;
	struct socks_conn *sc;

	/*
	 * A held stream is this object: from a pool, so that 10,000 of them
	 * pack into pages of their own instead of the holes the handshakes'
	 * short-lived allocations leave in the heap (lib/objpool.h).
	 */
	if (socks_pool == NULL)
		socks_pool = objpool_new(sizeof(*sc), "socks streams");
	sc = objpool_get(socks_pool);
	sc->sc_parser = xmalloc(sizeof(*sc->sc_parser));
	socks_parser_init(sc->sc_parser);
	client_ap_init(&sc->sc_ap, fd, peer, cl, &socks_handshake_ops, &socks_ap_ops);
	log_debug(LD_SOCKS, "conn=%llu accepted on %s",
	    (unsigned long long)sc->sc_ap.ap_stream.s_conn.c_id, listener_name(l));
}
