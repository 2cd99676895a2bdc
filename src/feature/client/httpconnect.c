/*
 * httpconnect.c: the HTTP CONNECT front end of the client.
 *
 * Accepts "CONNECT host:port HTTP/1.x" (head parsed by core/proto/http.h),
 * takes the isolation credentials from Proxy-Authorization (Basic) and
 * X-Tor-Stream-Isolation, and hands the request to client_ap_submit().
 * Answers "200 OK" once the exit sent CONNECTED, the status mapped from
 * the END reason otherwise (404, 403, 502, 504: core/or/reasons.c), 405
 * for any other method and 400 for a malformed request.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/or/reasons.h"
#include "core/proto/http.h"
#include "feature/client/client.h"
#include "feature/client/client_policy.h"
#include "feature/client/httpconnect.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/objpool.h"
#include "lib/util.h"

struct http_conn {
	struct client_ap	hc_ap;		/* first: container_of */
	int			hc_minor;	/* HTTP/1.<minor> of the request */
};

#define HC_OF_AP(a)	container_of((a), struct http_conn, hc_ap)
#define HC_OF_CONN(c)	container_of((c), struct http_conn, hc_ap.ap_stream.s_conn)

static struct objpool *http_pool;
static struct log_ratelim http_proto_rl = LOG_RATELIM_INIT(60);

/* Queue a status line (and a tiny body for errors). */
static void
http_write_status(struct http_conn *hc, int status)
{
	char out[512];
	char hdr[128];
	const char *phrase = reasons_http_phrase(status);
	size_t n;

	if (status == 200)
		n = http_response_encode(out, sizeof(out), hc->hc_minor, status, phrase, NULL);
	else {
		snprintf(hdr, sizeof(hdr), "Content-Type: text/plain\r\nConnection: close\r\n"
		    "Content-Length: %zu\r\n", strlen(phrase) + 1);
		n = http_response_encode(out, sizeof(out), hc->hc_minor, status, phrase, hdr);
		if (n > 0 && n + strlen(phrase) + 1 < sizeof(out))
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", phrase);
	}
	if (n > 0)
		conn_write(&hc->hc_ap.ap_stream.s_conn, out, n);
}

static void
http_answer_locally(struct http_conn *hc, int status, const char *why)
{
	hc->hc_ap.ap_replied = true;
	http_write_status(hc, status);
	client_ap_close(&hc->hc_ap, why);
}

static void
http_process_inbuf(struct conn *c)
{
	struct http_conn *hc = HC_OF_CONN(c);
	struct http_head *h;
	size_t consumed = 0;
	char host[RELAY_HOST_MAX + 1];
	uint16_t port;
	uint8_t cred[512], auth[4 + 2 * 512];
	size_t credlen = 0, authlen = 0;
	const char *v, *iso;
	enum parse_result r;

	if (hc->hc_ap.ap_submitted || conn_is_marked(c))
		return;
	h = xmalloc(sizeof(*h));
	r = http_parse_request(buf_peek(&c->c_in), buf_len(&c->c_in), h, &consumed);
	if (r == PARSE_NEED_MORE)
		goto out;
	if (r != PARSE_OK) {
		log_rl(&http_proto_rl, LL_INFO, LD_SOCKS, "conn=%llu malformed HTTP request",
		    (unsigned long long)c->c_id);
		http_answer_locally(hc, 400, "bad HTTP");
		goto out;
	}
	buf_drain(&c->c_in, consumed);
	hc->hc_minor = h->hh_minor;
	if (strcmp(h->hh_method, "CONNECT") != 0) {
		http_answer_locally(hc, 405, "not CONNECT");
		goto out;
	}
	if (http_parse_authority(h->hh_target, host, sizeof(host), &port) < 0) {
		http_answer_locally(hc, 400, "bad authority");
		goto out;
	}
	v = http_header_get(h, "Proxy-Authorization");
	if (v != NULL && http_basic_auth_decode(v, cred, sizeof(cred), &credlen) < 0) {
		http_answer_locally(hc, 400, "bad Proxy-Authorization");
		goto out;
	}
	iso = http_header_get(h, "X-Tor-Stream-Isolation");
	authlen = client_auth_blob(auth, cred, credlen, iso, iso != NULL ? strlen(iso) : 0);
	client_ap_submit(&hc->hc_ap, RELAY_BEGIN, host, port, authlen ? auth : NULL, authlen);
	crypto_wipe(cred, sizeof(cred));
	crypto_wipe(auth, sizeof(auth));
out:
	crypto_wipe(h, sizeof(*h));
	free(h);
}

static void
http_eof(struct conn *c)
{
	struct http_conn *hc = HC_OF_CONN(c);

	if (!hc->hc_ap.ap_submitted) {
		hc->hc_ap.ap_replied = true;
		client_ap_close(&hc->hc_ap, "eof in request");
	}
}

static void
http_timeout(struct conn *c)
{
	struct http_conn *hc = HC_OF_CONN(c);

	if (!hc->hc_ap.ap_submitted)
		http_answer_locally(hc, 408, "request timeout");
}

static void
http_conn_closed(struct conn *c)
{
	client_ap_conn_closed(&HC_OF_CONN(c)->hc_ap);
}

static void
http_free(struct client_ap *ap)
{
	objpool_put(http_pool, HC_OF_AP(ap));
}

static void
http_conn_free(struct conn *c)
{
	client_ap_conn_free(&HC_OF_CONN(c)->hc_ap);
}

static const struct conn_ops http_handshake_ops = {
	.name = "httpconnect",
	.process_inbuf = http_process_inbuf,
	.eof = http_eof,
	.timeout = http_timeout,
	.closed = http_conn_closed,
	.free = http_conn_free,
};

static void
http_reply_connected(struct client_ap *ap, const uint8_t *body, size_t len)
{
	http_write_status(HC_OF_AP(ap), 200);
}

static void
http_reply_resolved(struct client_ap *ap, const struct relay_resolved *rr)
{
	http_write_status(HC_OF_AP(ap), 502);	/* never asked for */
}

static void
http_reply_failed(struct client_ap *ap, int reason)
{
	int status = reasons_end_to_http_status(reason);

	http_write_status(HC_OF_AP(ap), status == 200 ? 502 : status);
}

static const struct client_ap_ops http_ap_ops = {
	.reply_connected = http_reply_connected,
	.reply_resolved = http_reply_resolved,
	.reply_failed = http_reply_failed,
	.free = http_free,
};

void
httpconnect_accept(struct listener *l, int fd, const struct addr *peer, void *arg)
{
	struct http_conn *hc;

	if (http_pool == NULL)
		http_pool = objpool_new(sizeof(*hc), "http connect streams");
	hc = objpool_get(http_pool);
	hc->hc_minor = 0;
	client_ap_init(&hc->hc_ap, fd, peer, arg, &http_handshake_ops, &http_ap_ops);
	log_debug(LD_SOCKS, "conn=%llu accepted on %s",
	    (unsigned long long)hc->hc_ap.ap_stream.s_conn.c_id, listener_name(l));
}
