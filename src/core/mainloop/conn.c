/*
 * conn.c: nonblocking sockets (plain or TLS) with buffers, watermarks,
 * timeouts and deferred close.  See conn.h for the contract.
 *
 * Reading: when the socket is readable we read until EAGAIN, or until
 * c_in holds c_in_max bytes, or a per-event budget is spent (fairness
 * between connections), then call process_inbuf once.  The read watcher
 * runs only while reading is wanted: not paused by the owner, c_in below
 * its cap, no EOF seen.
 *
 * Writing: conn_write() appends to c_out and queues a deferred flush; the
 * flush writes as much as the socket takes and arms the write watcher for
 * the rest.  TLS writes pass the whole pending buffer to SSL_write, which
 * cuts it into full-size records.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/mainloop/conn.h"
#include "lib/log.h"
#include "lib/tokenbucket.h"

/* Bytes read per readiness event before yielding to other conns. */
#define CONN_READ_BUDGET	(256 * 1024)
#define CONN_READ_CHUNK		(64 * 1024)
/* Pending TLS output above which a flush is corked (several records). */
#define CONN_CORK_MIN		(16 * 1024)

static struct conn_list	conns = TAILQ_HEAD_INITIALIZER(conns);
static size_t		nconns;
static uint64_t		next_conn_id = 1;
static uint64_t		total_read, total_written;

/*
 * The read limit (conn_set_read_limit).  Conns over it are flagged
 * c_throttled and one timer wakes them all once the bucket holds a
 * refill's worth again: the flag, not a list, so a conn costs nothing
 * more; the timer walks the conns only while some are held back.
 */
#define CONN_LIMIT_QUANTUM	(16 * 1024)	/* wake when this much is there */
static struct tokenbucket	read_limit;
static struct ml_timer		read_limit_timer;
static bool			read_limit_timer_init;
static size_t			n_throttled;
static uint64_t			throttle_events;

static void conn_read_cb(struct ml_io *w, int events);
static void conn_write_cb(struct ml_io *w, int events);
static void conn_timer_cb(struct ml_timer *t);
static void conn_flush_deferred(struct ml_deferred *d);
static void conn_close_deferred(struct ml_deferred *d);
static void conn_flush(struct conn *c);
static void conn_tls_handshake(struct conn *c);

struct conn_list *
conn_all(void)
{
	return &conns;
}

size_t
conn_count(void)
{
	return nconns;
}

uint64_t
conn_total_read(void)
{
	return total_read;
}

uint64_t
conn_total_written(void)
{
	return total_written;
}

static void
conn_setup(struct conn *c, const struct conn_ops *ops, int fd)
{
	int one = 1, fl;

	memset(c, 0, sizeof(*c));
	c->c_id = next_conn_id++;
	c->c_ops = ops;
	c->c_fd = fd;
	c->c_in_max = CONN_IN_MAX_DEFAULT;
	c->c_hiwat = CONN_HIWAT_DEFAULT;
	c->c_lowat = CONN_LOWAT_DEFAULT;
	c->c_created = c->c_last_active = mainloop_now();
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* We batch cells ourselves; Nagle would only add latency. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ml_io_init(&c->c_rio, conn_read_cb, fd, ML_READ);
	ml_io_init(&c->c_wio, conn_write_cb, fd, ML_WRITE);
	ml_timer_init(&c->c_timer, conn_timer_cb);
	ml_deferred_init(&c->c_flush_d, conn_flush_deferred);
	ml_deferred_init(&c->c_close_d, conn_close_deferred);
	TAILQ_INSERT_TAIL(&conns, c, c_entry);
	nconns++;
}

void
conn_init(struct conn *c, const struct conn_ops *ops, int fd)
{
	conn_setup(c, ops, fd);
	c->c_state = CONN_ST_OPEN;
	conn_update_reading(c);
}

int
conn_connect(struct conn *c, const struct conn_ops *ops, const struct sockaddr *sa,
    socklen_t salen, const struct sockaddr *bind_sa, socklen_t bind_salen)
{
	int fd, rc;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind_sa != NULL && bind(fd, bind_sa, bind_salen) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	conn_setup(c, ops, fd);
	c->c_state = CONN_ST_CONNECTING;
	do
		rc = connect(fd, sa, salen);
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno != EINPROGRESS) {
		c->c_errno = errno;
		conn_mark_for_close(c, "connect failed");
		return 0;
	}
	/* Completion (or failure) shows up as writability. */
	ml_io_start(&c->c_wio);
	return 0;
}

void
conn_start_tls(struct conn *c, SSL *ssl, bool server)
{
	c->c_ssl = ssl;
	c->c_tls_server = server;
	SSL_set_fd(ssl, c->c_fd);
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	if (c->c_state == CONN_ST_OPEN) {
		c->c_state = CONN_ST_HANDSHAKING;
		conn_tls_handshake(c);
	}
	/* If still connecting, the handshake starts once TCP is up. */
}

static void
conn_established(struct conn *c)
{
	c->c_state = CONN_ST_OPEN;
	ml_io_stop(&c->c_wio);
	conn_update_reading(c);
	if (c->c_ops->connected)
		c->c_ops->connected(c);
	if (!conn_is_marked(c) && buf_len(&c->c_out))
		ml_defer(&c->c_flush_d);
}

static void
conn_tls_handshake(struct conn *c)
{
	int rc, err;

	ERR_clear_error();
	rc = SSL_do_handshake(c->c_ssl);
	if (rc == 1) {
		conn_established(c);
		return;
	}
	err = SSL_get_error(c->c_ssl, rc);
	switch (err) {
	case SSL_ERROR_WANT_READ:
		ml_io_stop(&c->c_wio);
		ml_io_start(&c->c_rio);
		break;
	case SSL_ERROR_WANT_WRITE:
		ml_io_stop(&c->c_rio);
		ml_io_start(&c->c_wio);
		break;
	default:
		c->c_errno = errno;
		ERR_clear_error();
		conn_mark_for_close(c, "TLS handshake failed");
		break;
	}
}

static bool
conn_wants_read(const struct conn *c)
{
	return c->c_state == CONN_ST_OPEN && !c->c_read_paused && !c->c_eof &&
	    !c->c_throttled && buf_len(&c->c_in) < c->c_in_max;
}

/* ---- The read limit. */

/* What a wake-up waits for: a quantum, or the whole bucket if smaller. */
static uint64_t
read_limit_quantum(void)
{
	return (uint64_t)MIN((double)CONN_LIMIT_QUANTUM, read_limit.tb_burst);
}

static void
read_limit_unthrottle(struct conn *c)
{
	if (!c->c_throttled)
		return;
	c->c_throttled = false;
	n_throttled--;
}

static void
read_limit_timer_cb(struct ml_timer *t)
{
	struct conn *c, *next;
	double wait;

	if (tokenbucket_enabled(&read_limit) &&
	    tokenbucket_refill(&read_limit, mainloop_now()) < (int64_t)read_limit_quantum() &&
	    (wait = tokenbucket_wait(&read_limit, read_limit_quantum())) > 0) {
		ml_timer_start(&read_limit_timer, wait, 0);
		return;
	}
	/* Everyone held back reads again; those that empty it wait again. */
	for (c = TAILQ_FIRST(&conns); c != NULL && n_throttled > 0; c = next) {
		next = TAILQ_NEXT(c, c_entry);
		if (!c->c_throttled)
			continue;
		read_limit_unthrottle(c);
		conn_update_reading(c);
	}
}

/* c read its share: stop reading until the bucket refills. */
static void
read_limit_throttle(struct conn *c)
{
	c->c_throttled = true;
	n_throttled++;
	throttle_events++;
	ml_io_stop(&c->c_rio);
	if (!ml_timer_active(&read_limit_timer))
		ml_timer_start(&read_limit_timer,
		    MAX(tokenbucket_wait(&read_limit, read_limit_quantum()), 0.001), 0);
}

void
conn_set_read_limit(uint64_t rate, uint64_t burst)
{
	if (!read_limit_timer_init) {
		ml_timer_init(&read_limit_timer, read_limit_timer_cb);
		read_limit_timer_init = true;
	}
	if (rate == 0) {
		tokenbucket_init(&read_limit, 0, 0, mainloop_now());
		/* Lifted: release whoever waits, at once. */
		if (n_throttled > 0) {
			ml_timer_stop(&read_limit_timer);
			ml_timer_start(&read_limit_timer, 0, 0);
		}
		return;
	}
	if (burst == 0)
		burst = 2 * rate;
	if (tokenbucket_enabled(&read_limit))
		tokenbucket_set(&read_limit, rate, burst, mainloop_now());
	else
		tokenbucket_init(&read_limit, rate, burst, mainloop_now());
}

uint64_t
conn_read_limit_throttled(void)
{
	return throttle_events;
}

void
conn_update_reading(struct conn *c)
{
	if (c->c_state == CONN_ST_HANDSHAKING || c->c_state == CONN_ST_CONNECTING)
		return;
	if (conn_wants_read(c)) {
		if (!ml_io_active(&c->c_rio))
			ml_io_start(&c->c_rio);
		/* TLS may hold bytes that no readiness event announces. */
		if (c->c_ssl != NULL && (c->c_tls_unread || SSL_pending(c->c_ssl) > 0))
			ml_defer(&c->c_flush_d);
	} else if (ml_io_active(&c->c_rio)) {
		ml_io_stop(&c->c_rio);
	}
}

void
conn_pause_reading(struct conn *c)
{
	c->c_read_paused = true;
	conn_update_reading(c);
}

void
conn_resume_reading(struct conn *c)
{
	c->c_read_paused = false;
	conn_update_reading(c);
}

/* Run the timer in `in` seconds (< 0: no inactivity check), or at the deadline if sooner. */
static void
conn_timer_rearm(struct conn *c, double in)
{
	double now = mainloop_now();

	if (conn_is_marked(c)) {
		ml_timer_stop(&c->c_timer);
		return;
	}
	if (c->c_deadline > 0 && (in < 0 || c->c_deadline - now < in))
		in = MAX(c->c_deadline - now, 0.) + 0.001;
	if (in < 0)
		ml_timer_stop(&c->c_timer);
	else
		ml_timer_start(&c->c_timer, in, 0.);
}

void
conn_set_timeout(struct conn *c, double seconds)
{
	c->c_timeout = seconds;
	conn_timer_rearm(c, seconds > 0 ? seconds : -1.);
}

void
conn_set_deadline(struct conn *c, double seconds)
{
	c->c_deadline = seconds > 0 ? mainloop_now() + seconds : 0;
	conn_timer_rearm(c, -1.);
	/* The inactivity check, if any, still needs its timer. */
	if (c->c_timeout > 0 && !conn_is_marked(c)) {
		double left = c->c_timeout - (mainloop_now() - c->c_last_active);

		conn_timer_rearm(c, MAX(left, 0.) + 0.001);
	}
}

static void
conn_timer_cb(struct ml_timer *t)
{
	struct conn *c = container_of(t, struct conn, c_timer);
	double now = mainloop_now(), idle = now - c->c_last_active;

	bool by_deadline = false;

	if (conn_is_marked(c))
		return;
	if (c->c_deadline > 0 && now >= c->c_deadline) {
		c->c_deadline = 0;	/* once: the owner decides what follows */
		by_deadline = true;
	} else if (c->c_timeout > 0 && idle < c->c_timeout) {
		/* Activity restarts the clock lazily: no timer work per I/O. */
		conn_timer_rearm(c, c->c_timeout - idle + 0.001);
		return;
	} else if (c->c_timeout <= 0) {
		conn_timer_rearm(c, -1.);
		return;
	}
	if (c->c_ops->timeout)
		c->c_ops->timeout(c);
	else
		conn_mark_for_close(c, "timeout");
	/* A deadline the owner survived leaves the inactivity check running. */
	if (by_deadline && c->c_timeout > 0 && !ml_timer_active(&c->c_timer))
		conn_timer_rearm(c, MAX(c->c_timeout - (now - c->c_last_active), 0.) + 0.001);
}

/*
 * Read what is there, within budget.  Returns 1 if bytes were added,
 * 0 if nothing (EAGAIN), -1 if the conn was closed or hit EOF.
 */
static int
conn_read_some(struct conn *c)
{
	size_t budget = CONN_READ_BUDGET, got = 0;
	bool drained = false;
	bool limited = c->c_rate_limited && tokenbucket_enabled(&read_limit);

	if (limited) {
		int64_t avail = tokenbucket_refill(&read_limit, mainloop_now());

		if (avail <= 0) {
			read_limit_throttle(c);
			return 0;
		}
		budget = MIN(budget, (size_t)avail);
	}

	while (budget > 0 && buf_len(&c->c_in) < c->c_in_max) {
		/* Never ask for more than c_in may hold: the reservation is
		 * memory (a stream capped at 16 KiB must not grow 64 KiB). */
		size_t want = MIN(MIN(budget, (size_t)CONN_READ_CHUNK),
		    c->c_in_max - buf_len(&c->c_in));
		ssize_t n;

		if (c->c_ssl != NULL) {
			uint8_t *p = buf_reserve(&c->c_in, want);
			int rc, err;

			ERR_clear_error();
			rc = SSL_read(c->c_ssl, p, (int)want);
			if (rc > 0) {
				buf_commit(&c->c_in, (size_t)rc);
				n = rc;
			} else {
				err = SSL_get_error(c->c_ssl, rc);
				if (err == SSL_ERROR_WANT_READ) {
					drained = true;
					break;
				}
				if (err == SSL_ERROR_WANT_WRITE) {
					/* Post-handshake message needs the write side;
					 * conn_write_cb reads on once it is writable. */
					ml_io_start(&c->c_wio);
					drained = true;
					break;
				}
				if (err == SSL_ERROR_ZERO_RETURN) {
					c->c_eof = true;
					break;
				}
				c->c_errno = errno ? errno : ECONNRESET;
				ERR_clear_error();
				conn_mark_for_close(c, "TLS read error");
				return -1;
			}
		} else {
			/* See buf_read_fd: without storage it reads less. */
			size_t asked = c->c_in.b_data == NULL ?
			    MIN(want, (size_t)BUF_FIRST_READ) : want;

			n = buf_read_fd(&c->c_in, c->c_fd, want);
			if (n == 0) {
				c->c_eof = true;
				break;
			}
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				c->c_errno = errno;
				conn_mark_for_close(c, "read error");
				return -1;
			}
			/* A short read drained the socket: no EAGAIN round
			 * trip, and no large reservation for nothing. */
			if ((size_t)n < asked) {
				got += (size_t)n;
				break;
			}
		}
		got += (size_t)n;
		budget -= (size_t)n;
	}
	/*
	 * With read-ahead, OpenSSL's buffer may hold whole records after we
	 * stop early (budget, full c_in): the socket is drained, so no event
	 * will come for them.  Only WANT_READ proves nothing usable is left
	 * (a partial record waits for the socket); SSL_has_pending() cannot
	 * tell a partial record apart and would spin.
	 */
	if (c->c_ssl != NULL)
		c->c_tls_unread = !drained && !c->c_eof;
	if (got) {
		c->c_bytes_in += got;
		total_read += got;
		c->c_last_active = mainloop_now();
		if (limited)
			tokenbucket_take(&read_limit, got);
	}
	return got ? 1 : 0;
}

static void
conn_handle_readable(struct conn *c)
{
	int rc = conn_read_some(c);

	if (rc < 0 || conn_is_marked(c))
		return;
	if (buf_len(&c->c_in) && c->c_ops->process_inbuf)
		c->c_ops->process_inbuf(c);
	if (conn_is_marked(c))
		return;
	/* An idle plain connection holds no input storage (see buf_read_fd). */
	if (c->c_ssl == NULL && buf_len(&c->c_in) == 0)
		buf_trim(&c->c_in);
	if (c->c_eof) {
		ml_io_stop(&c->c_rio);
		if (c->c_ops->eof)
			c->c_ops->eof(c);
		else
			conn_mark_for_close(c, "eof");
		return;
	}
	conn_update_reading(c);
}

static void
conn_read_cb(struct ml_io *w, int events)
{
	struct conn *c = container_of(w, struct conn, c_rio);

	if (c->c_state == CONN_ST_HANDSHAKING) {
		conn_tls_handshake(c);
		return;
	}
	conn_handle_readable(c);
}

static void
conn_connect_done(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->c_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		c->c_errno = err;
		conn_mark_for_close(c, "connect failed");
		return;
	}
	c->c_last_active = mainloop_now();
	if (c->c_ssl != NULL) {
		c->c_state = CONN_ST_HANDSHAKING;
		conn_tls_handshake(c);
	} else {
		conn_established(c);
	}
}

static void
conn_write_cb(struct ml_io *w, int events)
{
	struct conn *c = container_of(w, struct conn, c_wio);

	switch (c->c_state) {
	case CONN_ST_CONNECTING:
		conn_connect_done(c);
		return;
	case CONN_ST_HANDSHAKING:
		conn_tls_handshake(c);
		return;
	case CONN_ST_OPEN:
		conn_flush(c);
		/* A TLS read that wanted the write side can go on now. */
		if (!conn_is_marked(c) && c->c_ssl != NULL && conn_wants_read(c))
			conn_handle_readable(c);
		return;
	case CONN_ST_MARKED:
		return;
	}
}

static void
conn_flush_deferred(struct ml_deferred *d)
{
	struct conn *c = container_of(d, struct conn, c_flush_d);

	if (c->c_state != CONN_ST_OPEN)
		return;
	/* TLS bytes may be waiting (see conn_update_reading). */
	if (c->c_ssl != NULL && conn_wants_read(c) &&
	    (c->c_tls_unread || SSL_pending(c->c_ssl) > 0)) {
		conn_handle_readable(c);
		if (c->c_state != CONN_ST_OPEN)
			return;
	}
	conn_flush(c);
}

/* Write as much of c_out as the socket takes.  0, or -1 if closed. */
static int
conn_write_some(struct conn *c)
{
	size_t wrote = 0;
	int one = 1, zero = 0;
	/*
	 * SSL_write hands the kernel one 16 KiB record per write(2); with
	 * TCP_NODELAY each became its own segment, and the receiver handled
	 * and acknowledged each.  Corked, the records of one flush leave in
	 * full-size segments; uncorking at the end sends the tail at once,
	 * so latency is unchanged.  Small flushes (interactive) skip it.
	 */
	bool cork = c->c_ssl != NULL && buf_len(&c->c_out) > CONN_CORK_MIN;

	if (cork)
		(void)setsockopt(c->c_fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));

	while (buf_len(&c->c_out) > 0) {
		ssize_t n;

		if (c->c_ssl != NULL) {
			int rc, err;
			size_t len = MIN(buf_len(&c->c_out), (size_t)1 << 30);

			ERR_clear_error();
			rc = SSL_write(c->c_ssl, buf_peek(&c->c_out), (int)len);
			if (rc <= 0) {
				err = SSL_get_error(c->c_ssl, rc);
				if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
					break;
				c->c_errno = errno ? errno : EPIPE;
				ERR_clear_error();
				conn_mark_for_close(c, "TLS write error");
				return -1;
			}
			n = rc;
			buf_drain(&c->c_out, (size_t)n);
		} else {
			n = buf_write_fd(&c->c_out, c->c_fd);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				c->c_errno = errno;
				conn_mark_for_close(c, "write error");
				return -1;
			}
		}
		wrote += (size_t)n;
	}
	if (cork)
		(void)setsockopt(c->c_fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
	if (wrote) {
		c->c_bytes_out += wrote;
		total_written += wrote;
		c->c_last_active = mainloop_now();
	}
	return 0;
}

static void
conn_flush(struct conn *c)
{
	if (conn_write_some(c) < 0)
		return;
	if (buf_len(&c->c_out) > 0) {
		ml_io_start(&c->c_wio);
	} else {
		ml_io_stop(&c->c_wio);
		buf_trim(&c->c_out);
		if (c->c_shutdown_wr && !c->c_wr_closed) {
			c->c_wr_closed = true;
			if (c->c_ssl == NULL)
				(void)shutdown(c->c_fd, SHUT_WR);
			/* The owner may be waiting for this to finish a close. */
			c->c_above_hiwat = true;
		}
	}
	if (c->c_above_hiwat && buf_len(&c->c_out) <= c->c_lowat) {
		c->c_above_hiwat = false;
		if (c->c_ops->flushed)
			c->c_ops->flushed(c);
	}
}

void
conn_write(struct conn *c, const void *p, size_t n)
{
	if (conn_is_marked(c) || n == 0)
		return;
	buf_add(&c->c_out, p, n);
	conn_out_commit(c, 0);
}

uint8_t *
conn_out_reserve(struct conn *c, size_t n)
{
	return buf_reserve(&c->c_out, n);
}

void
conn_out_commit(struct conn *c, size_t n)
{
	if (conn_is_marked(c))
		return;
	buf_commit(&c->c_out, n);
	if (buf_len(&c->c_out) > c->c_hiwat)
		c->c_above_hiwat = true;
	if (c->c_state == CONN_ST_OPEN && !ml_io_active(&c->c_wio))
		ml_defer(&c->c_flush_d);
}

void
conn_shutdown_write(struct conn *c)
{
	if (conn_is_marked(c) || c->c_shutdown_wr)
		return;
	c->c_shutdown_wr = true;
	if (c->c_state == CONN_ST_OPEN)
		ml_defer(&c->c_flush_d);
}

void
conn_mark_for_close(struct conn *c, const char *reason)
{
	if (conn_is_marked(c))
		return;
	if (c->c_flush_on_close && c->c_state == CONN_ST_OPEN && buf_len(&c->c_out))
		(void)conn_write_some(c);
	if (conn_is_marked(c))	/* the write itself may have failed */
		return;
	c->c_state = CONN_ST_MARKED;
	c->c_close_reason = reason;
	read_limit_unthrottle(c);
	ml_io_stop(&c->c_rio);
	ml_io_stop(&c->c_wio);
	ml_timer_stop(&c->c_timer);
	ml_defer_cancel(&c->c_flush_d);
	ml_defer(&c->c_close_d);
}

static void
conn_close_deferred(struct ml_deferred *d)
{
	struct conn *c = container_of(d, struct conn, c_close_d);

	if (c->c_ops->closed)
		c->c_ops->closed(c);
	TAILQ_REMOVE(&conns, c, c_entry);
	nconns--;
	if (c->c_ssl != NULL) {
		/* No close_notify wait: the peer learns from the FIN. */
		SSL_free(c->c_ssl);
		c->c_ssl = NULL;
	}
	if (c->c_fd >= 0)
		close(c->c_fd);
	c->c_fd = -1;
	buf_free_storage(&c->c_in, 1);
	buf_free_storage(&c->c_out, 0);
	if (c->c_ops->free)
		c->c_ops->free(c);
}

void
conn_close_all(const char *reason)
{
	struct conn *c;

	TAILQ_FOREACH(c, &conns, c_entry)
		conn_mark_for_close(c, reason);
}
