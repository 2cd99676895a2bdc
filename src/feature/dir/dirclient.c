/*
 * dirclient.c: one-shot HTTP/1.0 requests to directory authorities; see
 * dirclient.h.
 *
 * Each request owns one plain TCP conn.  The response is read into the
 * conn's input buffer until Content-Length bytes of body (or EOF when the
 * server sent no length) have arrived; then the conn is marked for close
 * and the callback runs from the conn's closed() hook, so it always runs
 * from the event loop, after the callback chain that completed it, and
 * exactly once.  A request that is cancelled keeps its conn until the
 * close completes but forgets its callback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "core/mainloop/conn.h"
#include "core/mainloop/mainloop.h"
#include "core/proto/http.h"
#include "feature/dir/dirclient.h"
#include "lib/log.h"
#include "lib/util.h"

struct dirclient_req {
	struct conn		 r_conn;		/* first: container_of */
	dirclient_cb		 r_cb;			/* NULL once cancelled */
	void			*r_arg;
	struct ml_timer		 r_deadline;
	size_t			 r_max_body;
	/* Result, delivered from closed(). */
	int			 r_status;
	const char		*r_err;			/* static string */
	size_t			 r_head_len;		/* once the head is parsed */
	bool			 r_have_head;
	bool			 r_have_length;
	uint64_t		 r_length;
	bool			 r_done;
	char			 r_errbuf[96];
	struct http_head	 r_head;
	LIST_ENTRY(dirclient_req) r_entry;
};

static LIST_HEAD(, dirclient_req) dirclient_reqs = LIST_HEAD_INITIALIZER(dirclient_reqs);
static size_t dirclient_n;

static void	dirclient_connected(struct conn *c);
static void	dirclient_process(struct conn *c);
static void	dirclient_eof(struct conn *c);
static void	dirclient_closed(struct conn *c);
static void	dirclient_free(struct conn *c);

static const struct conn_ops dirclient_ops = {
	.name = "dirclient",
	.process_inbuf = dirclient_process,
	.connected = dirclient_connected,
	.eof = dirclient_eof,
	.closed = dirclient_closed,
	.free = dirclient_free,
};

static struct dirclient_req *
req_of(struct conn *c)
{
	return container_of(c, struct dirclient_req, r_conn);
}

/* Finish with status (0 = failure, err says why); the callback follows. */
static void
dirclient_finish(struct dirclient_req *r, int status, const char *err)
{
	if (r->r_done)
		return;
	r->r_done = true;
	r->r_status = status;
	r->r_err = err;
	ml_timer_stop(&r->r_deadline);
	conn_mark_for_close(&r->r_conn, status ? "dirclient done" : err);
}

static void
dirclient_deadline(struct ml_timer *t)
{
	struct dirclient_req *r = container_of(t, struct dirclient_req, r_deadline);

	dirclient_finish(r, 0, "timed out");
}

static void
dirclient_connected(struct conn *c)
{
	/* The request was queued before the connect finished; nothing to do. */
	(void)c;
}

/* Parse the head once enough has arrived; -1 after finishing with an error. */
static int
dirclient_parse_head(struct dirclient_req *r)
{
	struct buf *in = &r->r_conn.c_in;
	size_t consumed = 0;
	int cl;

	switch (http_parse_response(buf_peek(in), buf_len(in), &r->r_head, &consumed)) {
	case PARSE_NEED_MORE:
		return 0;
	case PARSE_ERROR:
		dirclient_finish(r, 0, "malformed HTTP response");
		return -1;
	default:
		break;
	}
	r->r_have_head = true;
	r->r_head_len = consumed;
	cl = http_content_length(&r->r_head, &r->r_length);
	if (cl < 0) {
		dirclient_finish(r, 0, "malformed Content-Length");
		return -1;
	}
	r->r_have_length = cl == 1;
	if (r->r_have_length && r->r_length > r->r_max_body) {
		dirclient_finish(r, 0, "response body too large");
		return -1;
	}
	return 0;
}

static void
dirclient_process(struct conn *c)
{
	struct dirclient_req *r = req_of(c);
	size_t body;

	if (r->r_done)
		return;
	if (!r->r_have_head && dirclient_parse_head(r) < 0)
		return;
	if (!r->r_have_head) {
		if (buf_len(&c->c_in) >= HTTP_MAX_HEAD)
			dirclient_finish(r, 0, "malformed HTTP response");
		return;
	}
	body = buf_len(&c->c_in) - r->r_head_len;
	if (body > r->r_max_body) {
		dirclient_finish(r, 0, "response body too large");
		return;
	}
	if (r->r_have_length && body >= r->r_length)
		dirclient_finish(r, r->r_head.hh_status, NULL);
}

static void
dirclient_eof(struct conn *c)
{
	struct dirclient_req *r = req_of(c);

	if (r->r_done)
		return;
	dirclient_process(c);
	if (r->r_done)
		return;
	if (!r->r_have_head)
		dirclient_finish(r, 0, buf_len(&c->c_in) ? "truncated HTTP response" :
		    "connection closed without a response");
	else if (r->r_have_length)
		dirclient_finish(r, 0, "truncated response body");
	else
		dirclient_finish(r, r->r_head.hh_status, NULL);	/* body ends at EOF */
}

static void
dirclient_closed(struct conn *c)
{
	struct dirclient_req *r = req_of(c);
	dirclient_cb cb = r->r_cb;
	uint8_t *body;
	size_t len;

	r->r_cb = NULL;
	if (cb == NULL)
		return;
	if (!r->r_done) {
		/* Closed by the conn layer itself: connect or socket error. */
		if (c->c_errno != 0) {
			snprintf(r->r_errbuf, sizeof(r->r_errbuf), "%s", strerror(c->c_errno));
			r->r_err = r->r_errbuf;
		} else {
			r->r_err = c->c_close_reason ? c->c_close_reason : "connection failed";
		}
		r->r_status = 0;
	}
	if (r->r_status == 0) {
		cb(r->r_arg, 0, NULL, 0, r->r_err ? r->r_err : "failed");
		return;
	}
	/* NUL-terminate the body in place (room reserved past the data). */
	len = buf_len(&c->c_in) - r->r_head_len;
	if (r->r_have_length && len > r->r_length)
		len = (size_t)r->r_length;
	body = buf_peek_mut(&c->c_in) + r->r_head_len;
	if (buf_reserve(&c->c_in, 1) == NULL) {
		cb(r->r_arg, 0, NULL, 0, "out of memory");
		return;
	}
	body = buf_peek_mut(&c->c_in) + r->r_head_len;	/* reserve may move it */
	body[len] = '\0';
	cb(r->r_arg, r->r_status, (const char *)body, len, NULL);
}

static void
dirclient_free(struct conn *c)
{
	struct dirclient_req *r = req_of(c);

	ml_timer_stop(&r->r_deadline);
	LIST_REMOVE(r, r_entry);
	dirclient_n--;
	free(r);
}

struct dirclient_req *
dirclient_request(const struct addr *server, const char *method, const char *path,
    const void *body, size_t body_len, size_t max_body, double timeout,
    dirclient_cb cb, void *arg)
{
	struct dirclient_req *r;
	char hdrs[128], head[HTTP_MAX_LINE + 256];
	size_t n;

	if (BUG(server == NULL || method == NULL || path == NULL || cb == NULL))
		return NULL;
	if (body != NULL)
		snprintf(hdrs, sizeof(hdrs), "Content-Length: %zu\r\nConnection: close\r\n",
		    body_len);
	else
		snprintf(hdrs, sizeof(hdrs), "Connection: close\r\n");
	n = http_request_encode(head, sizeof(head), method, path, hdrs);
	if (n == 0) {
		errno = EINVAL;
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->r_cb = cb;
	r->r_arg = arg;
	r->r_max_body = max_body;
	ml_timer_init(&r->r_deadline, dirclient_deadline);
	if (conn_connect(&r->r_conn, &dirclient_ops, &server->a_u.sa, server->a_len,
	    NULL, 0) < 0) {
		int e = errno;

		free(r);
		errno = e;
		return NULL;
	}
	/* Room for the head, the whole body and a NUL; the check is ours. */
	r->r_conn.c_in_max = max_body + HTTP_MAX_HEAD + 1;
	LIST_INSERT_HEAD(&dirclient_reqs, r, r_entry);
	dirclient_n++;
	conn_write(&r->r_conn, head, n);
	if (body != NULL && body_len > 0)
		conn_write(&r->r_conn, body, body_len);
	ml_timer_start(&r->r_deadline, timeout > 0 ? timeout : 30.0, 0.);
	return r;
}

void
dirclient_cancel(struct dirclient_req *r)
{
	if (r == NULL)
		return;
	r->r_cb = NULL;
	r->r_arg = NULL;
	if (!r->r_done)
		dirclient_finish(r, 0, "cancelled");
}

size_t
dirclient_in_flight(void)
{
	return dirclient_n;
}
