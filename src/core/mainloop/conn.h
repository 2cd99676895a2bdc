/*
 * conn.h: a nonblocking socket with input and output buffers, optional
 * TLS, watermarks, a timeout, and deferred close.
 *
 * Protocol code above this layer sees events, not readiness: bytes
 * arrived (process_inbuf), connected (TCP and TLS done), output drained
 * below the low-water mark (flushed), end of input (eof), timeout, and
 * closed.  It never sees EAGAIN, SSL_ERROR_WANT_* or watchers.
 *
 * Writes always go to c_out; the buffer is written to the socket once per
 * loop iteration (a deferred flush), so all cells queued in one iteration
 * leave together in few large TLS records.
 *
 * Lifecycle: the owner embeds struct conn in its own object and supplies
 * conn_ops.  conn_mark_for_close() stops I/O at once; after the current
 * callback chain unwinds, ops->closed() runs (drop references), then the
 * fd is closed and ops->free() releases the owner's object.
 */
#ifndef TORD_CORE_MAINLOOP_CONN_H
#define TORD_CORE_MAINLOOP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "core/mainloop/mainloop.h"
#include "lib/buf.h"

struct conn;
typedef struct ssl_st SSL;

struct conn_ops {
	const char	 *name;		/* "link", "socks", "exit" ... for logs */
	void		(*process_inbuf)(struct conn *c);
	void		(*connected)(struct conn *c);
	void		(*flushed)(struct conn *c);
	void		(*eof)(struct conn *c);
	void		(*timeout)(struct conn *c);
	void		(*closed)(struct conn *c);
	void		(*free)(struct conn *c);
};

enum conn_state {
	CONN_ST_CONNECTING,	/* TCP connect in progress */
	CONN_ST_HANDSHAKING,	/* TLS handshake in progress */
	CONN_ST_OPEN,
	CONN_ST_MARKED,		/* marked for close; freed soon */
};

struct conn {
	uint64_t		 c_id;
	const struct conn_ops	*c_ops;
	enum conn_state		 c_state;
	int			 c_fd;
	SSL			*c_ssl;
	bool			 c_tls_server;
	struct ml_io		 c_rio;
	struct ml_io		 c_wio;
	struct ml_timer		 c_timer;
	double			 c_timeout;	/* seconds of inactivity, 0 = none */
	double			 c_deadline;	/* loop time ops->timeout fires regardless, 0 = none */
	double			 c_last_active;
	struct ml_deferred	 c_flush_d;
	struct ml_deferred	 c_close_d;
	struct buf		 c_in;
	struct buf		 c_out;
	size_t			 c_in_max;	/* stop reading at this many bytes buffered */
	size_t			 c_hiwat;	/* c_out above this: conn_is_blocked() */
	size_t			 c_lowat;	/* ... until it drains below this */
	bool			 c_read_paused;	/* owner asked to stop reading */
	bool			 c_eof;		/* peer closed its write side */
	bool			 c_tls_unread;	/* TLS may hold bytes no readiness event announces */
	bool			 c_shutdown_wr;	/* send FIN once c_out is flushed */
	bool			 c_wr_closed;	/* FIN sent */
	bool			 c_above_hiwat;	/* flushed() is due when below lowat */
	bool			 c_flush_on_close; /* try to write c_out before closing */
	bool			 c_rate_limited;	/* reads count against the read limit */
	bool			 c_throttled;	/* ... and wait for it to refill */
	int			 c_errno;	/* socket error that closed it, or 0 */
	const char		*c_close_reason;
	uint64_t		 c_bytes_in;
	uint64_t		 c_bytes_out;
	double			 c_created;
	TAILQ_ENTRY(conn)	 c_entry;
};

TAILQ_HEAD(conn_list, conn);

/* Defaults for c_in_max, c_hiwat, c_lowat. */
#define CONN_IN_MAX_DEFAULT	(64 * 1024)
#define CONN_HIWAT_DEFAULT	(256 * 1024)
#define CONN_LOWAT_DEFAULT	(64 * 1024)

/*
 * Take ownership of fd (already connected or accepted) and start
 * reading.  The fd is made nonblocking and TCP_NODELAY is set.
 */
void	conn_init(struct conn *c, const struct conn_ops *ops, int fd);
/*
 * Start a nonblocking connect to sa on a new socket.  ops->connected runs
 * when done; on failure the conn is marked for close with c_errno set.
 * Returns -1 (errno set) if no socket could be made at all; then the
 * conn is not initialised and the caller still owns its object.
 */
int	conn_connect(struct conn *c, const struct conn_ops *ops,
	    const struct sockaddr *sa, socklen_t salen, const struct sockaddr *bind_sa,
	    socklen_t bind_salen);
/*
 * Run TLS over the connection (after conn_init or conn_connect); the conn
 * takes ownership of ssl.  ops->connected runs after the handshake.
 */
void	conn_start_tls(struct conn *c, SSL *ssl, bool server);

/* Queue bytes for writing; they leave before the loop next blocks. */
void	conn_write(struct conn *c, const void *p, size_t n);
/* Reserve n bytes at the end of c_out, then commit what was written. */
uint8_t	*conn_out_reserve(struct conn *c, size_t n);
void	conn_out_commit(struct conn *c, size_t n);
/* True while c_out holds more than the high-water mark. */
static inline bool
conn_is_blocked(const struct conn *c)
{
	return buf_len(&c->c_out) > c->c_hiwat;
}
static inline bool
conn_is_marked(const struct conn *c)
{
	return c->c_state == CONN_ST_MARKED;
}
static inline bool
conn_is_open(const struct conn *c)
{
	return c->c_state == CONN_ST_OPEN;
}

/* Pause or resume reading (flow control by the owner). */
void	conn_pause_reading(struct conn *c);
void	conn_resume_reading(struct conn *c);
/* Re-evaluate whether to read (after the owner consumed c_in). */
void	conn_update_reading(struct conn *c);
/* Half-close: send FIN after everything queued has been written. */
void	conn_shutdown_write(struct conn *c);
/* Inactivity timeout in seconds (0 turns it off); ops->timeout fires. */
void	conn_set_timeout(struct conn *c, double seconds);
/*
 * Deadline: ops->timeout fires once, seconds from now, however busy the
 * peer is (0 turns it off).  Handshakes use it so that a peer trickling
 * a byte now and then (slow loris) cannot keep one open for ever.
 */
void	conn_set_deadline(struct conn *c, double seconds);

/*
 * Stop all I/O and schedule the close.  reason is a static string for
 * logs.  Safe to call twice (the second call is ignored).  If
 * c_flush_on_close is set, queued output is written first if the socket
 * accepts it without blocking.
 */
void	conn_mark_for_close(struct conn *c, const char *reason);

/*
 * The node's read limit: the conns with c_rate_limited set read at most
 * `rate` bytes/s together, in bursts of up to `burst` (0: twice the
 * rate).  A relay sets it on its links and exit connections, so that it
 * bounds what the relay relays (bandwidth_rate).  rate 0 lifts it.  A
 * conn over the limit stops reading and resumes when the bucket has
 * refilled; nothing runs while no limit is set.
 */
void	conn_set_read_limit(uint64_t rate, uint64_t burst);
/* Times a conn was held back by the read limit, since start. */
uint64_t	conn_read_limit_throttled(void);

/* All live conns, for status and shutdown. */
struct conn_list	*conn_all(void);
size_t			 conn_count(void);
/* Totals since start, all conns. */
uint64_t	conn_total_read(void);
uint64_t	conn_total_written(void);
/* Mark every conn for close (shutdown). */
void	conn_close_all(const char *reason);

#endif
