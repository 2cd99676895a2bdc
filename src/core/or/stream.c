/*
 * stream.c: edge streams and the data pump between a TCP socket and
 * RELAY_DATA cells, with stream windows, SENDMEs and half-close (see
 * stream.h for the rules).
 *
 * Who calls: relay.c (stream messages), circuit.c (resume, close), the
 * client front end (attach) and the exit (new, connect).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/or/circuit.h"
#include "core/or/reasons.h"
#include "core/or/stream.h"
#include "core/proto/relay_msg.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/objpool.h"
#include "lib/u32map.h"

/* Send a stream SENDME only once the socket has taken most of the data. */
#define STREAM_SENDME_MAX_UNFLUSHED	(10 * RELAY_DATA_MAX)
/* Edge sockets: read this much ahead of the windows, no more. */
#define STREAM_IN_MAX			(64 * 1024)

static struct stream_list	streams = TAILQ_HEAD_INITIALIZER(streams);
static size_t			nstreams;
static uint64_t			next_stream_gid = 1;

void	(*stream_event_hook)(const struct stream *s, const char *status, const char *reason);

/* Report to controllers: only client streams whose request was announced. */
static void
stream_event(const struct stream *s, const char *status, const char *reason)
{
	if (s->s_announced && !s->s_at_exit && stream_event_hook != NULL)
		stream_event_hook(s, status, reason);
}

void
stream_announce(struct stream *s, bool resolve)
{
	if (s->s_at_exit || s->s_announced)
		return;
	s->s_announced = true;
	stream_event(s, resolve ? "NEWRESOLVE" : "NEW", NULL);
}

static void stream_process_inbuf(struct conn *c);
static void stream_conn_connected(struct conn *c);
static void stream_flushed(struct conn *c);
static void stream_eof(struct conn *c);
static void stream_conn_closed(struct conn *c);
static void stream_conn_free(struct conn *c);
static void stream_package(struct stream *s);

static const struct conn_ops stream_conn_ops = {
	.name = "stream",
	.process_inbuf = stream_process_inbuf,
	.connected = stream_conn_connected,
	.flushed = stream_flushed,
	.eof = stream_eof,
	.closed = stream_conn_closed,
	.free = stream_conn_free,
};

static inline struct stream *
TO_STREAM(struct conn *c)
{
	return container_of(c, struct stream, s_conn);
}

struct stream_list *
stream_all(void)
{
	return &streams;
}

size_t
stream_count(void)
{
	return nstreams;
}

static void
stream_register(struct stream *s, const struct stream_edge_ops *edge)
{
	s->s_edge = edge;
	s->s_gid = next_stream_gid++;
	s->s_state = STREAM_ST_NEW;
	s->s_package_window = STREAMWINDOW_START;
	s->s_deliver_window = STREAMWINDOW_START;
	s->s_created = mainloop_now();
	TAILQ_INSERT_TAIL(&streams, s, s_all_entry);
	s->s_listed = true;
	nstreams++;
}

/* Off the list of all streams (status, counts), once. */
static void
stream_unlist(struct stream *s)
{
	if (!s->s_listed)
		return;
	TAILQ_REMOVE(&streams, s, s_all_entry);
	s->s_listed = false;
	nstreams--;
}

/* Targets up to this length (with the NUL) come from target_pool. */
#define STREAM_TARGET_POOLED	48
static struct objpool	*target_pool;

static void
stream_target_free(struct stream *s)
{
	if (s->s_target == NULL)
		return;
	if (s->s_target_pooled)
		objpool_put(target_pool, s->s_target);
	else
		free(s->s_target);
	s->s_target = NULL;
}

void
stream_set_target(struct stream *s, const char *host, int port)
{
	char port_s[16] = "";
	size_t hl = strlen(host), n;

	stream_target_free(s);
	if (port >= 0)
		snprintf(port_s, sizeof(port_s), ":%u", (unsigned)port);
	n = hl + strlen(port_s) + 1;
	s->s_target_pooled = n <= STREAM_TARGET_POOLED;
	if (s->s_target_pooled) {
		if (target_pool == NULL)
			target_pool = objpool_new(STREAM_TARGET_POOLED, "stream targets");
		s->s_target = objpool_get(target_pool);
	} else {
		s->s_target = xmalloc(n);
	}
	memcpy(s->s_target, host, hl);
	memcpy(s->s_target + hl, port_s, n - hl);
}

/* What the stream owns besides its socket: freed once it left the core. */
static void
stream_release(struct stream *s)
{
	buf_free_storage(&s->s_pending, 0);
	stream_target_free(s);
}

void
stream_forget(struct stream *s)
{
	if (s->s_state != STREAM_ST_CLOSED)
		stream_event(s, "CLOSED", NULL);
	s->s_state = STREAM_ST_CLOSED;
	stream_detach(s);
	stream_unlist(s);
	stream_release(s);
}

static void
stream_tune_conn(struct stream *s)
{
	s->s_conn.c_in_max = STREAM_IN_MAX;
	/* flushed() fires when the socket has taken the output back down. */
	s->s_conn.c_hiwat = STREAM_SENDME_MAX_UNFLUSHED;
	s->s_conn.c_lowat = STREAM_SENDME_MAX_UNFLUSHED;
}

void
stream_init_client(struct stream *s, int fd, const struct conn_ops *handshake_ops,
    const struct stream_edge_ops *edge)
{
	conn_init(&s->s_conn, handshake_ops, fd);
	s->s_has_conn = true;
	stream_tune_conn(s);
	stream_register(s, edge);
}

static void
stream_link(struct stream *s, struct circuit *c, uint16_t id)
{
	s->s_circ = c;
	s->s_id = id;
	u32map_put(c->c_streams, id, s);
	TAILQ_INSERT_TAIL(&c->c_stream_list, s, s_circ_entry);
}

void
stream_detach(struct stream *s)
{
	if (s->s_circ == NULL)
		return;
	u32map_remove(s->s_circ->c_streams, s->s_id);
	TAILQ_REMOVE(&s->s_circ->c_stream_list, s, s_circ_entry);
	s->s_circ = NULL;
	s->s_id = 0;
}

int
stream_attach(struct stream *s, struct circuit *c, int hop, uint8_t cmd,
    const uint8_t *body, size_t len)
{
	uint16_t id = circuit_alloc_stream_id(c);

	if (id == 0)
		return -1;
	stream_detach(s);
	stream_link(s, c, id);
	s->s_hop = hop;
	s->s_state = STREAM_ST_WAIT;
	stream_event(s, cmd == RELAY_RESOLVE ? "SENTRESOLVE" : "SENTCONNECT", NULL);
	s->s_package_window = STREAMWINDOW_START;
	s->s_deliver_window = STREAMWINDOW_START;
	s->s_end_sent = s->s_end_rcvd = false;
	/* From now on the pump owns the socket; no app data before CONNECTED. */
	s->s_conn.c_ops = &stream_conn_ops;
	conn_pause_reading(&s->s_conn);
	if (c->c_dirty_since == 0)
		c->c_dirty_since = mainloop_now();
	return circuit_send_relay(c, hop, cmd, id, body, len);
}

void
stream_init_exit(struct stream *s, struct circuit *c, uint16_t stream_id,
    const struct stream_edge_ops *edge)
{
	s->s_at_exit = true;
	s->s_conn.c_fd = -1;
	stream_register(s, edge);
	stream_link(s, c, stream_id);
	s->s_state = STREAM_ST_NEW;
}

int
stream_exit_connect(struct stream *s, const struct addr *target, const struct addr *bind_addr)
{
	if (conn_connect(&s->s_conn, &stream_conn_ops, &target->a_u.sa, target->a_len,
	    bind_addr ? &bind_addr->a_u.sa : NULL, bind_addr ? bind_addr->a_len : 0) < 0)
		return -1;
	s->s_has_conn = true;
	stream_tune_conn(s);
	s->s_state = STREAM_ST_WAIT;
	return 0;
}

static void
stream_conn_connected(struct conn *c)
{
	struct stream *s = TO_STREAM(c);

	/* Optimistic data that arrived while connecting goes first. */
	if (buf_len(&s->s_pending)) {
		conn_write(c, buf_peek(&s->s_pending), buf_len(&s->s_pending));
		buf_free_storage(&s->s_pending, 0);
	}
	if (s->s_edge->target_connected)
		s->s_edge->target_connected(s);
}

int
stream_send_relay(struct stream *s, uint8_t cmd, const uint8_t *body, size_t len)
{
	if (s->s_circ == NULL)
		return -1;
	return circuit_send_relay(s->s_circ, s->s_hop, cmd, s->s_id, body, len);
}

void
stream_open(struct stream *s)
{
	if (s->s_state == STREAM_ST_CLOSED || !s->s_has_conn)
		return;
	s->s_state = STREAM_ST_OPEN;
	stream_event(s, "SUCCEEDED", NULL);
	s->s_conn.c_ops = &stream_conn_ops;
	conn_resume_reading(&s->s_conn);
	stream_package(s);
}

static void
stream_send_end(struct stream *s, uint8_t reason)
{
	uint8_t body[1] = { reason };

	if (s->s_end_sent || s->s_circ == NULL)
		return;
	s->s_end_sent = true;
	/* A client never tells the exit why (no information for it). */
	if (!s->s_at_exit && reason != END_REASON_DONE)
		body[0] = END_REASON_MISC;
	stream_send_relay(s, RELAY_END, body, 1);
}

/*
 * A client stream waiting for CONNECTED lost its circuit or was refused:
 * let the edge answer its application or retry.  The stream survives only
 * if the edge re-attached it or queued it again (state NEW).
 */
static void
stream_fail_waiting(struct stream *s, uint8_t reason)
{
	struct circuit *was = s->s_circ;

	s->s_end_sent = true;	/* END (or the circuit's end) retires the id */
	stream_detach(s);
	if (s->s_edge->failed)
		s->s_edge->failed(s, reason);
	if (s->s_state != STREAM_ST_CLOSED)
		stream_event(s, s->s_state == STREAM_ST_WAIT && (s->s_circ == NULL ||
		    s->s_circ == was) ? "FAILED" : "DETACHED", reasons_end_name(reason));
	if (s->s_state == STREAM_ST_WAIT && (s->s_circ == NULL || s->s_circ == was)) {
		s->s_conn.c_flush_on_close = true;
		stream_close(s, "refused");
	}
}

void
stream_close(struct stream *s, const char *why)
{
	if (s->s_state == STREAM_ST_CLOSED)
		return;
	if (s->s_state == STREAM_ST_WAIT && !s->s_at_exit && s->s_circ != NULL &&
	    s->s_circ->c_state == CIRC_ST_CLOSED) {
		/* Its circuit is dying under it: the application deserves a reply. */
		stream_fail_waiting(s, END_REASON_DESTROY);
		return;
	}
	stream_event(s, "CLOSED", s->s_end_reason ? reasons_end_name(s->s_end_reason) : NULL);
	s->s_state = STREAM_ST_CLOSED;
	stream_detach(s);
	if (s->s_has_conn) {
		/* Whatever ops the edge ran, the stream's own close must run. */
		s->s_conn.c_ops = &stream_conn_ops;
		conn_mark_for_close(&s->s_conn, why);
		return;
	}
	/* No socket yet (exit still resolving): free through a fake close. */
	if (s->s_edge->closed)
		s->s_edge->closed(s);
	stream_unlist(s);
	stream_release(s);
	if (s->s_edge->free)
		s->s_edge->free(s);
	else
		free(s);
}

void
stream_end(struct stream *s, uint8_t reason)
{
	stream_send_end(s, reason);
	s->s_end_reason = reason;
	stream_close(s, "ended");
}

/* Both halves done and everything written: the stream is finished. */
static void
stream_maybe_finish(struct stream *s)
{
	if (s->s_end_sent && s->s_end_rcvd && s->s_conn.c_wr_closed &&
	    buf_len(&s->s_conn.c_out) == 0)
		stream_close(s, "done");
}

static void
stream_package(struct stream *s)
{
	struct conn *c = &s->s_conn;
	struct circuit *circ = s->s_circ;
	size_t sent = 0;

	if (s->s_state != STREAM_ST_OPEN || circ == NULL || s->s_end_sent)
		return;
	while (buf_len(&c->c_in) > 0) {
		size_t n = MIN(buf_len(&c->c_in), (size_t)RELAY_DATA_MAX);

		if (s->s_package_window <= 0 || !circuit_can_package(circ, s->s_hop))
			break;
		if (circuit_send_relay(circ, s->s_hop, RELAY_DATA, s->s_id, buf_peek(&c->c_in), n) < 0)
			return;
		buf_drain(&c->c_in, n);
		s->s_package_window--;
		s->s_bytes_out += n;
		sent++;
		if (s->s_state != STREAM_ST_OPEN)
			return;
	}
	if (buf_len(&c->c_in) == 0) {
		buf_trim(&c->c_in);
		/* EOF seen and everything sent: half-close toward the peer. */
		if (c->c_eof) {
			stream_send_end(s, END_REASON_DONE);
			stream_maybe_finish(s);
			return;
		}
	}
	/* Read again only if the windows let us send what we read. */
	if (s->s_package_window > 0 && circuit_can_package(circ, s->s_hop))
		conn_resume_reading(c);
	else
		conn_pause_reading(c);
}

static void
stream_process_inbuf(struct conn *c)
{
	stream_package(TO_STREAM(c));
}

static void
stream_eof(struct conn *c)
{
	struct stream *s = TO_STREAM(c);

	if (s->s_state != STREAM_ST_OPEN) {
		/* The app gave up before we connected. */
		stream_end(s, END_REASON_DONE);
		return;
	}
	stream_package(s);
}

static void
stream_maybe_sendme(struct stream *s)
{
	if (s->s_deliver_window > STREAMWINDOW_START - STREAMWINDOW_INCREMENT ||
	    buf_len(&s->s_conn.c_out) > STREAM_SENDME_MAX_UNFLUSHED || s->s_circ == NULL)
		return;
	s->s_deliver_window += STREAMWINDOW_INCREMENT;
	stream_send_relay(s, RELAY_SENDME, NULL, 0);
}

static void
stream_flushed(struct conn *c)
{
	struct stream *s = TO_STREAM(c);

	stream_maybe_sendme(s);
	stream_maybe_finish(s);
}

static void
stream_deliver(struct stream *s, const uint8_t *data, size_t len)
{
	if (s->s_end_rcvd)
		return;		/* the peer promised no more data */
	if (--s->s_deliver_window < 0) {
		if (s->s_circ)
			circuit_mark_for_close(s->s_circ, DESTROY_REASON_PROTOCOL,
			    "stream deliver window exceeded");
		return;
	}
	s->s_bytes_in += len;
	if (s->s_has_conn && s->s_conn.c_state != CONN_ST_CONNECTING)
		conn_write(&s->s_conn, data, len);
	else
		buf_add(&s->s_pending, data, len);
	stream_maybe_sendme(s);
}

static void
stream_handle_end(struct stream *s, const uint8_t *data, size_t len)
{
	struct relay_end e;
	uint8_t reason = END_REASON_MISC;

	if (relay_end_parse(data, len, &e) == PARSE_OK)
		reason = e.re_reason;
	s->s_end_rcvd = true;
	s->s_end_reason = reason;
	/* Why a stream ended is what users ask first (no destination here). */
	if (!s->s_at_exit)
		log_info(LD_RELAY, "stream=%llu END from the exit: reason=%s",
		    (unsigned long long)s->s_gid, reasons_end_name(reason));
	if (s->s_state == STREAM_ST_WAIT && !s->s_at_exit) {
		/* Not connected yet: the edge answers its app or retries. */
		stream_fail_waiting(s, reason);
		return;
	}
	if (reason != END_REASON_DONE || !s->s_has_conn || s->s_state != STREAM_ST_OPEN) {
		stream_close(s, "ended by peer");
		return;
	}
	/* Half-close: write what we have, then FIN; keep the other way open. */
	conn_shutdown_write(&s->s_conn);
	stream_maybe_finish(s);
}

void
stream_handle_relay(struct stream *s, uint8_t cmd, const uint8_t *data, size_t len)
{
	switch (cmd) {
	case RELAY_DATA:
		stream_deliver(s, data, len);
		return;
	case RELAY_END:
		stream_handle_end(s, data, len);
		return;
	case RELAY_CONNECTED:
		if (s->s_at_exit || s->s_state != STREAM_ST_WAIT)
			return;
		if (s->s_edge->connected)
			s->s_edge->connected(s, data, len);
		return;
	case RELAY_RESOLVED:
		if (s->s_at_exit || s->s_state != STREAM_ST_WAIT)
			return;
		if (s->s_edge->resolved)
			s->s_edge->resolved(s, data, len);
		return;
	case RELAY_SENDME:
		s->s_package_window += STREAMWINDOW_INCREMENT;
		if (s->s_package_window > STREAMWINDOW_START) {
			if (s->s_circ)
				circuit_mark_for_close(s->s_circ, DESTROY_REASON_PROTOCOL,
				    "stream SENDME over the window");
			return;
		}
		stream_package(s);
		return;
	default:
		return;
	}
}

void
stream_circuit_resume(struct circuit *c)
{
	struct stream *s, *first;
	unsigned n = 0;

	/*
	 * Let each stream package in turn; rotate the list so the stream
	 * that went first last time goes last now.
	 */
	first = TAILQ_FIRST(&c->c_stream_list);
	if (first != NULL && TAILQ_NEXT(first, s_circ_entry) != NULL) {
		TAILQ_REMOVE(&c->c_stream_list, first, s_circ_entry);
		TAILQ_INSERT_TAIL(&c->c_stream_list, first, s_circ_entry);
	}
	TAILQ_FOREACH(s, &c->c_stream_list, s_circ_entry) {
		if (++n > 70000 || !circuit_can_package(c, s->s_hop))
			break;
		if (s->s_state == STREAM_ST_OPEN && s->s_has_conn)
			stream_package(s);
	}
}

static void
stream_conn_closed(struct conn *c)
{
	struct stream *s = TO_STREAM(c);

	/* An exit connection that never came up: tell the client why. */
	if (s->s_at_exit && s->s_state == STREAM_ST_WAIT && s->s_circ != NULL)
		stream_send_end(s, c->c_errno ? reasons_end_from_errno(c->c_errno) :
		    END_REASON_MISC);
	else if (s->s_circ != NULL)
		stream_send_end(s, c->c_errno ? END_REASON_CONNRESET : END_REASON_DONE);
	if (s->s_state != STREAM_ST_CLOSED)
		stream_event(s, "CLOSED", NULL);
	s->s_state = STREAM_ST_CLOSED;
	stream_detach(s);
	if (s->s_edge->closed)
		s->s_edge->closed(s);
	stream_unlist(s);
}

static void
stream_conn_free(struct conn *c)
{
	struct stream *s = TO_STREAM(c);

	stream_release(s);
	if (s->s_edge->free)
		s->s_edge->free(s);
	else
		free(s);
}
