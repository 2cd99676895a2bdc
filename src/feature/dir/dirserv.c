/*
 * dirserv.c: the directory's HTTP/1.0 server; see dirserv.h.
 *
 * A connection lives through three stages: reading the request (under a
 * deadline counted from accept, so a peer trickling one byte at a time
 * is cut off like an idle one), writing the answer (then FIN), and a
 * short linger that reads and discards whatever the peer still sends
 * until it closes: closing a socket with unread input makes the kernel
 * send RST, which can destroy the answer before the peer read it (a 413
 * sent while the peer is still uploading, for instance).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/mainloop/conn.h"
#include "core/mainloop/listener.h"
#include "core/mainloop/mainloop.h"
#include "feature/dir/dirserv.h"
#include "lib/log.h"
#include "lib/util.h"

/* How long a connection may linger after its answer left. */
#define DIRSERV_LINGER		2.0

struct ds_conn {
	struct conn		 dc_conn;	/* first: container_of */
	struct ml_timer		 dc_deadline;	/* request must arrive by then */
	struct addr		 dc_peer;
	bool			 dc_answered;
	TAILQ_ENTRY(ds_conn)	 dc_entry;
};

static struct {
	struct listener		*listener;
	dirserv_handler_fn	 handler;
	void			*arg;
	struct dirserv_options	 opt;
	TAILQ_HEAD(, ds_conn)	 conns;
	size_t			 n_conns;
	uint64_t		 n_answered;
	uint64_t		 n_refused;
	bool			 running;
} ds = { .conns = TAILQ_HEAD_INITIALIZER(ds.conns) };

static struct log_ratelim ds_rl = LOG_RATELIM_INIT(10);

/* ---- responses ---------------------------------------------------------- */

const char *
dirserv_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

void
dirserv_reply(struct dirserv_response *rs, int status, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	free(rs->rs_body);
	rs->rs_status = status;
	rs->rs_content_type = "text/plain";
	rs->rs_body = xasprintf("%s\n", line);
	rs->rs_len = strlen(rs->rs_body);
	free(line);
}

void
dirserv_reply_take(struct dirserv_response *rs, const char *content_type, char *body,
    size_t len)
{
	free(rs->rs_body);
	rs->rs_status = 200;
	rs->rs_content_type = content_type;
	rs->rs_body = body;
	rs->rs_len = len;
}

/* Append the whole response (head and body) to out. */
static void
response_emit(const struct dirserv_response *rs, const char *extra, struct buf *out)
{
	char head[512], hdrs[384];
	size_t n;

	snprintf(hdrs, sizeof(hdrs),
	    "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s",
	    rs->rs_content_type ? rs->rs_content_type : "text/plain", rs->rs_len,
	    extra ? extra : "");
	n = http_response_encode(head, sizeof(head), 0, rs->rs_status,
	    dirserv_status_text(rs->rs_status), hdrs);
	if (BUG(n == 0))
		return;
	buf_add(out, head, n);
	if (rs->rs_len > 0)
		buf_add(out, rs->rs_body, rs->rs_len);
}

static enum parse_result PRINTF_LIKE(4, 5)
answer_error(struct buf *out, int status, const char *extra, const char *fmt, ...)
{
	struct dirserv_response rs = { 0 };
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	dirserv_reply(&rs, status, "%s", why);
	response_emit(&rs, extra, out);
	free(rs.rs_body);
	return PARSE_ERROR;
}

/*
 * Why a head failed to parse, as a status: the request line alone is
 * over the line limit (414), the head or one of its lines is over its
 * limit (431), or it is malformed (400).
 */
static int
head_error_status(const uint8_t *p, size_t len)
{
	size_t i, line_start = 0, lim = MIN(len, (size_t)HTTP_MAX_HEAD);
	const uint8_t *lf = memchr(p, '\n', MIN(len, (size_t)HTTP_MAX_LINE));

	if (lf == NULL && len >= HTTP_MAX_LINE)
		return 414;
	for (i = 0; i < lim; i++) {
		if (p[i] != '\n')
			continue;
		if (i >= 3 && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
			return 400;	/* the head ended: it is malformed */
		if (i - line_start + 1 > HTTP_MAX_LINE)
			return 431;
		line_start = i + 1;
	}
	if (len >= HTTP_MAX_HEAD || lim - line_start > HTTP_MAX_LINE)
		return 431;
	return 400;
}

enum parse_result
dirserv_answer(const uint8_t *p, size_t len, bool eof, size_t max_body,
    const struct addr *peer, dirserv_handler_fn handler, void *arg, struct buf *out)
{
	static struct http_head h;	/* 8 KiB: not on the stack; one loop thread */
	struct dirserv_request rq;
	struct dirserv_response rs = { 0 };
	size_t head_len = 0;
	uint64_t cl = 0;
	int has_cl;

	switch (http_parse_request(p, len, &h, &head_len)) {
	case PARSE_NEED_MORE:
		if (!eof)
			return PARSE_NEED_MORE;
		return answer_error(out, 400, NULL, "incomplete request");
	case PARSE_ERROR: {
		int st = head_error_status(p, len);

		return answer_error(out, st, NULL, "%s", st == 414 ? "request line too long" :
		    st == 431 ? "request head too large" : "malformed request");
	}
	default:
		break;
	}
	if (strcmp(h.hh_method, "GET") != 0 && strcmp(h.hh_method, "POST") != 0)
		return answer_error(out, 405, "Allow: GET, POST\r\n", "method not allowed");
	if (h.hh_target[0] != '/')
		return answer_error(out, 400, NULL, "request target must be a path");
	if (http_header_get(&h, "Transfer-Encoding") != NULL)
		return answer_error(out, 411, NULL,
		    "Content-Length required, no Transfer-Encoding");
	has_cl = http_content_length(&h, &cl);
	if (has_cl < 0)
		return answer_error(out, 400, NULL, "malformed Content-Length");
	if (has_cl == 0 && strcmp(h.hh_method, "POST") == 0)
		return answer_error(out, 411, NULL, "Content-Length required");
	if (cl > max_body)
		return answer_error(out, 413, NULL, "too large: body limit is %zu bytes", max_body);
	if (len - head_len < cl) {
		if (!eof)
			return PARSE_NEED_MORE;
		return answer_error(out, 400, NULL, "incomplete body");
	}
	memset(&rq, 0, sizeof(rq));
	rq.rq_method = h.hh_method;
	rq.rq_path = h.hh_target;
	rq.rq_body = p + head_len;
	rq.rq_body_len = (size_t)cl;
	rq.rq_peer = peer;
	handler(&rq, &rs, arg);
	if (BUG(rs.rs_status < 100 || rs.rs_status > 599))
		dirserv_reply(&rs, 500, "internal error");
	response_emit(&rs, NULL, out);
	free(rs.rs_body);
	return PARSE_OK;
}

/* ---- connections -------------------------------------------------------- */

static inline struct ds_conn *
TO_DS(struct conn *c)
{
	return container_of(c, struct ds_conn, dc_conn);
}

/* Queue the answer, send FIN after it, and linger for the peer's close. */
static void
ds_conn_answered(struct ds_conn *dc, struct buf *out)
{
	struct conn *c = &dc->dc_conn;

	dc->dc_answered = true;
	ml_timer_stop(&dc->dc_deadline);
	ds.n_answered++;
	conn_write(c, buf_peek(out), buf_len(out));
	conn_shutdown_write(c);
	buf_drain(&c->c_in, buf_len(&c->c_in));
	conn_set_timeout(c, ds.opt.ds_timeout);
}

static void
ds_conn_try(struct ds_conn *dc, bool eof)
{
	struct conn *c = &dc->dc_conn;
	struct buf out = BUF_INIT;
	enum parse_result r;

	r = dirserv_answer(buf_peek(&c->c_in), buf_len(&c->c_in), eof, ds.opt.ds_max_body,
	    &dc->dc_peer, ds.handler, ds.arg, &out);
	if (r != PARSE_NEED_MORE)
		ds_conn_answered(dc, &out);
	buf_free_storage(&out, 0);
}

static void
ds_process_inbuf(struct conn *c)
{
	struct ds_conn *dc = TO_DS(c);

	if (dc->dc_answered) {
		buf_drain(&c->c_in, buf_len(&c->c_in));	/* linger: discard */
		return;
	}
	ds_conn_try(dc, false);
}

static void
ds_eof(struct conn *c)
{
	struct ds_conn *dc = TO_DS(c);

	if (!dc->dc_answered) {
		ds_conn_try(dc, true);
		return;		/* flushed() closes once the answer left */
	}
	if (c->c_wr_closed)
		conn_mark_for_close(c, "done");
}

static void
ds_flushed(struct conn *c)
{
	/* The answer and our FIN are out: wait briefly for the peer's close. */
	if (c->c_wr_closed) {
		if (c->c_eof)
			conn_mark_for_close(c, "done");
		else
			conn_set_timeout(c, MIN(ds.opt.ds_timeout, DIRSERV_LINGER));
	}
}

static void
ds_timeout(struct conn *c)
{
	struct ds_conn *dc = TO_DS(c);

	if (!dc->dc_answered)
		log_rl(&ds_rl, LL_INFO, LD_DIR, "dirserv conn=%llu idle: closing",
		    (unsigned long long)c->c_id);
	conn_mark_for_close(c, "timeout");
}

static void
ds_deadline_cb(struct ml_timer *t)
{
	struct ds_conn *dc = container_of(t, struct ds_conn, dc_deadline);

	if (dc->dc_answered || conn_is_marked(&dc->dc_conn))
		return;
	log_rl(&ds_rl, LL_INFO, LD_DIR,
	    "dirserv conn=%llu request not complete after %.1f s: closing",
	    (unsigned long long)dc->dc_conn.c_id, ds.opt.ds_timeout);
	conn_mark_for_close(&dc->dc_conn, "request deadline");
}

static void
ds_closed(struct conn *c)
{
	struct ds_conn *dc = TO_DS(c);

	ml_timer_stop(&dc->dc_deadline);
	TAILQ_REMOVE(&ds.conns, dc, dc_entry);
	ds.n_conns--;
}

static void
ds_free(struct conn *c)
{
	free(TO_DS(c));
}

static const struct conn_ops ds_conn_ops = {
	.name = "dirserv",
	.process_inbuf = ds_process_inbuf,
	.flushed = ds_flushed,
	.eof = ds_eof,
	.timeout = ds_timeout,
	.closed = ds_closed,
	.free = ds_free,
};

/* Over the cap: a canned 503 if the socket takes it at once, then close. */
static void
ds_refuse(int fd)
{
	static const char busy[] = "HTTP/1.0 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 29\r\nConnection: close\r\n\r\n"
	    "too many directory requests\n\n";

	ds.n_refused++;
	(void)send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void
ds_accept(struct listener *l, int fd, const struct addr *peer, void *arg)
{
	struct ds_conn *dc;

	(void)l;
	(void)arg;
	if (ds.n_conns >= ds.opt.ds_max_conns) {
		log_rl(&ds_rl, LL_NOTICE, LD_DIR,
		    "dirserv: %zu connections open, the limit: refusing", ds.n_conns);
		ds_refuse(fd);
		return;
	}
	dc = xcalloc(1, sizeof(*dc));
	dc->dc_peer = *peer;
	conn_init(&dc->dc_conn, &ds_conn_ops, fd);
	/* Room for the largest acceptable request and one byte to notice more. */
	dc->dc_conn.c_in_max = HTTP_MAX_HEAD + ds.opt.ds_max_body + 1;
	conn_set_timeout(&dc->dc_conn, ds.opt.ds_timeout);
	ml_timer_init(&dc->dc_deadline, ds_deadline_cb);
	ml_timer_start(&dc->dc_deadline, ds.opt.ds_timeout, 0.);
	TAILQ_INSERT_TAIL(&ds.conns, dc, dc_entry);
	ds.n_conns++;
}

int
dirserv_start(const struct dirserv_options *opt, dirserv_handler_fn handler, void *arg,
    const char **err)
{
	char buf[ADDR_STRLEN];

	if (BUG(ds.running))
		return -1;
	ds.opt = *opt;
	if (ds.opt.ds_max_conns == 0)
		ds.opt.ds_max_conns = 1;
	ds.handler = handler;
	ds.arg = arg;
	ds.listener = listener_new_tcp(&opt->ds_listen, "dir", ds_accept, NULL, err);
	if (ds.listener == NULL)
		return -1;
	ds.running = true;
	ds.n_answered = ds.n_refused = 0;
	log_notice(LD_DIR, "directory service listening on %s",
	    addr_fmt(listener_addr(ds.listener), buf, sizeof(buf)));
	return 0;
}

void
dirserv_set_limits(size_t max_conns, double timeout)
{
	ds.opt.ds_max_conns = max_conns ? max_conns : 1;
	ds.opt.ds_timeout = timeout;
}

void
dirserv_stop(void)
{
	struct ds_conn *dc;

	if (!ds.running)
		return;
	listener_free(ds.listener);
	TAILQ_FOREACH(dc, &ds.conns, dc_entry)
		conn_mark_for_close(&dc->dc_conn, "shutdown");
	ds.running = false;
}

const struct addr *
dirserv_addr(void)
{
	return ds.running ? listener_addr(ds.listener) : NULL;
}

size_t
dirserv_n_conns(void)
{
	return ds.n_conns;
}

uint64_t
dirserv_n_answered(void)
{
	return ds.n_answered;
}

uint64_t
dirserv_n_refused(void)
{
	return ds.n_refused;
}
