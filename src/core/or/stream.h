/*
 * stream.h: an edge stream, the TCP connection at either end of a
 * circuit (the application's socket at the client, the target's at the
 * exit), and the data pump between it and RELAY_DATA cells.
 *
 * The pump: bytes read from the socket become DATA cells of up to 498
 * bytes while the stream and circuit package windows allow and the
 * circuit's queue has room; otherwise reading pauses.  DATA cells
 * received are written to the socket; stream and circuit SENDMEs are
 * sent as the deliver windows fall and the socket drains.
 *
 * Half-close: when a side's socket reaches EOF it sends END with reason
 * DONE, meaning "no more data from me"; the other side shuts down the
 * write half of its socket and keeps relaying the other direction.  The
 * stream is gone when both sides have sent END, or at once on END with
 * any other reason.
 *
 * The edge role (client SOCKS front end, exit) supplies stream_edge_ops.
 */
#ifndef TORD_CORE_OR_STREAM_H
#define TORD_CORE_OR_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "core/mainloop/conn.h"
#include "core/or/or.h"
#include "lib/buf.h"

struct circuit;
struct stream;

enum stream_state {
	STREAM_ST_NEW,		/* client: SOCKS handshake; exit: resolving */
	STREAM_ST_WAIT,		/* client: BEGIN/RESOLVE sent; exit: connecting */
	STREAM_ST_OPEN,		/* data flows */
	STREAM_ST_CLOSED,
};

struct stream_edge_ops {
	/* Client: CONNECTED arrived (body = CONNECTED payload). */
	void	(*connected)(struct stream *s, const uint8_t *body, size_t len);
	/* Client: RESOLVED arrived. */
	void	(*resolved)(struct stream *s, const uint8_t *body, size_t len);
	/* Client: END arrived before CONNECTED, or the circuit died first. */
	void	(*failed)(struct stream *s, uint8_t end_reason);
	/* Exit: the TCP connection to the target is up. */
	void	(*target_connected)(struct stream *s);
	/* Any side: the stream is going away (release edge data). */
	void	(*closed)(struct stream *s);
	/* Free the containing object (the stream may be embedded). */
	void	(*free)(struct stream *s);
};

struct stream {
	struct conn			 s_conn;	/* first: container_of */
	bool				 s_has_conn;	/* s_conn is initialised */
	bool				 s_at_exit;
	const struct stream_edge_ops	*s_edge;
	void				*s_edge_data;
	struct circuit			*s_circ;
	uint16_t			 s_id;
	int				 s_hop;		/* origin: hop it exits at */
	enum stream_state		 s_state;
	int				 s_package_window;
	int				 s_deliver_window;
	bool				 s_end_sent;	/* we sent END */
	bool				 s_end_rcvd;	/* peer sent END */
	uint8_t				 s_end_reason;
	struct buf			 s_pending;	/* exit: data before connect */
	uint64_t			 s_gid;
	char				*s_target;	/* "host:port" for status, or NULL (stream_set_target) */
	double				 s_created;
	uint64_t			 s_bytes_in, s_bytes_out;
	TAILQ_ENTRY(stream)		 s_circ_entry;
	TAILQ_ENTRY(stream)		 s_all_entry;
	bool				 s_listed;	/* on stream_all() */
	bool				 s_announced;	/* client: NEW reported (stream_announce) */
	bool				 s_target_pooled;	/* s_target is from the pool */
};

TAILQ_HEAD(stream_list, stream);
struct stream_list	*stream_all(void);
size_t			 stream_count(void);

/*
 * Observer for the control port (STREAM events), NULL when nobody
 * listens: client streams report NEW / NEWRESOLVE (the application's
 * request), SENTCONNECT / SENTRESOLVE (attached), SUCCEEDED, DETACHED
 * (the client retries elsewhere), FAILED and CLOSED; reason is an END
 * reason name or NULL.  A stream whose application never made a request
 * (bad SOCKS, a handshake timeout) reports nothing.  It must not close
 * anything.
 */
extern void	(*stream_event_hook)(const struct stream *s, const char *status,
		    const char *reason);

/*
 * Client: initialise a stream around an accepted app socket.  The edge
 * runs its own conn_ops (SOCKS) until it calls stream_attach().
 */
void	stream_init_client(struct stream *s, int fd, const struct conn_ops *handshake_ops,
	    const struct stream_edge_ops *edge);
/*
 * Client: attach to circuit c at hop and send cmd (RELAY_BEGIN,
 * RELAY_RESOLVE or RELAY_BEGIN_DIR) with body.  From now on the stream's
 * conn runs the data pump (reading stays paused until CONNECTED).
 * Returns 0, or -1 if the circuit has no free stream id.
 */
int	stream_attach(struct stream *s, struct circuit *c, int hop, uint8_t cmd,
	    const uint8_t *body, size_t len);
/*
 * Client: the application's request is parsed (resolve: a RESOLVE rather
 * than a BEGIN); report NEW / NEWRESOLVE.  Only announced streams report
 * events after it.
 */
void	stream_announce(struct stream *s, bool resolve);
/* Client: detach from a circuit without END (to retry elsewhere). */
void	stream_detach(struct stream *s);
/*
 * Client: the socket closed while the front end's handshake ops still ran
 * it (an RST or a write error in the SOCKS or HTTP CONNECT handshake, or
 * while waiting for a circuit), so the core's own close did not: take the
 * stream off every list and release what it owns (its status string)
 * before the front end frees it.  Idempotent.
 */
void	stream_forget(struct stream *s);

/*
 * Exit: make s (zeroed memory, the edge's own object) a stream for BEGIN
 * stream_id on c, with no socket yet.
 */
void	stream_init_exit(struct stream *s, struct circuit *c, uint16_t stream_id,
	    const struct stream_edge_ops *edge);
/*
 * The target shown in status and events ("host:port", or a name being
 * resolved).  Short ones (nearly all) go in a pool of small strings
 * rather than the heap: a stream lives long, and its string would pin
 * whatever heap page it landed on (lib/objpool.h).
 */
void	stream_set_target(struct stream *s, const char *host, int port);
/* Exit: connect to the target; on success edge->target_connected. */
int	stream_exit_connect(struct stream *s, const struct addr *target,
	    const struct addr *bind_addr);

/* Send a relay message on the stream's circuit with its stream id. */
int	stream_send_relay(struct stream *s, uint8_t cmd, const uint8_t *body, size_t len);
/* Start the data pump (after CONNECTED at the client / target up at the exit). */
void	stream_open(struct stream *s);
/* Send END(reason) if not sent yet and close the stream. */
void	stream_end(struct stream *s, uint8_t reason);
/* Close without sending anything (circuit gone). */
void	stream_close(struct stream *s, const char *why);

/* Core hooks (called by the relay-cell switch). */
void	stream_handle_relay(struct stream *s, uint8_t cmd, const uint8_t *data, size_t len);
/* Circuit windows opened or queue drained: let streams package again. */
void	stream_circuit_resume(struct circuit *c);

#endif
