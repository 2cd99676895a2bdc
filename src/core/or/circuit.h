/*
 * circuit.h: circuits, at the client (origin circuits, with a path of
 * up to three hops and their keys) and at relays (one hop's keys, a
 * previous link toward the client and maybe a next link).
 *
 * Directions: "forward" is away from the client (p side -> n side),
 * "backward" is toward it.  A circuit's cells wait in a per-direction
 * queue only when the link is above its high-water mark; the link drains
 * queues round robin when it falls below its low-water mark.
 *
 * Lifecycle: circuit_mark_for_close() sends DESTROY both ways, ends the
 * streams and detaches from links; the object is freed after the
 * callback chain unwinds.
 */
#ifndef TORD_CORE_OR_CIRCUIT_H
#define TORD_CORE_OR_CIRCUIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "core/crypto/onion_ntor.h"
#include "core/crypto/relay_crypto.h"
#include "core/mainloop/mainloop.h"
#include "core/or/or.h"
#include "core/proto/cell.h"
#include "lib/buf.h"

struct circuit;
struct link;
struct stream;
struct u32map;

enum circuit_state {
	CIRC_ST_BUILDING,	/* origin: hops being added; relay: extending */
	CIRC_ST_OPEN,
	CIRC_ST_CLOSED,		/* marked for close */
};

enum circuit_purpose {
	CIRC_PURPOSE_GENERAL = 0,	/* exit streams */
	CIRC_PURPOSE_DIR,		/* one-hop directory tunnel */
	CIRC_PURPOSE_TESTING,
};

/* One hop of an origin circuit (its keys live in c_hop_crypto[]). */
struct circ_hop {
	struct relay_info	 h_relay;
	struct ntor_client_state h_ntor;	/* while the handshake runs */
	bool			 h_ntor_active;
	int			 h_package_window;
	int			 h_deliver_window;
	/* SENDME v1 tags of every 100th DATA cell sent to this hop. */
	uint8_t			 h_sendme_tags[CIRCWINDOW_START / CIRCWINDOW_INCREMENT][RELAY_CRYPTO_TAG_MAX];
	int			 h_n_sendme_tags;
};

/*
 * One direction of a circuit waiting for room on a link: the link's
 * l_waiting list holds these, never circuits, because a relay circuit can
 * wait on two links at once (one per direction) and one link can hold
 * circuits waiting either way.  A TAILQ must link all its elements through
 * the same entry field: TAILQ_REMOVE updates the neighbour's entry by the
 * removed element's field name.
 */
struct circuit_wait {
	TAILQ_ENTRY(circuit_wait) cw_entry;
	bool			 cw_forward;	/* c_n_wait (cells out on c_n_link), else c_p_wait */
	bool			 cw_on;		/* on the link's l_waiting */
};

/* Hooks the client role sets so the core can report to it. */
struct origin_hooks {
	void	(*built)(struct circuit *c);
	void	(*failed)(struct circuit *c, const char *why);	/* while building */
	void	(*closed)(struct circuit *c);			/* any close */
};

/* Hooks for stream-opening messages at the last hop (exit, directory). */
struct edge_hooks {
	/* BEGIN (cmd RELAY_BEGIN) / RESOLVE / BEGIN_DIR for stream_id. */
	void	(*begin)(struct circuit *c, uint16_t stream_id, uint8_t cmd,
		    const uint8_t *body, size_t len);
};

struct circuit {
	uint32_t		 c_gid;		/* process-unique id (control port) */
	bool			 c_origin;	/* we built it (client) */
	enum circuit_state	 c_state;
	enum circuit_purpose	 c_purpose;
	/* Toward the client: relays only. */
	struct link		*c_p_link;
	uint32_t		 c_p_circid;
	bool			 c_p_is_client;	/* previous hop showed no relay identity */
	/* Away from the client. */
	struct link		*c_n_link;
	uint32_t		 c_n_circid;
	/* Relay: this hop's keys; origin: one per hop in c_hop_crypto[]. */
	relay_crypto_t		*c_crypto;
	/* Origin only (CIRC_MAX_HOPS entries; NULL on relays, which would
	 * otherwise carry ~2 KiB of unused hop state per circuit). */
	struct circ_hop		*c_hops;
	relay_crypto_t		*c_hop_crypto[CIRC_MAX_HOPS];
	int			 c_n_hops;	/* hops in the path */
	int			 c_n_built;	/* hops with keys */
	/* Relay, waiting for the next link to open: the CREATE2 to send. */
	uint8_t			*c_pending_create;
	struct relay_info	 c_extend_to;
	bool			 c_extend_pending;	/* waiting for CREATED2 from n side */
	/* Flow control at an edge (relay circuits with streams). */
	int			 c_package_window;
	int			 c_deliver_window;
	/* Authenticated SENDME: tags of every 100th DATA cell we sent. */
	uint8_t			 c_sendme_tags[CIRCWINDOW_START / CIRCWINDOW_INCREMENT][RELAY_CRYPTO_TAG_MAX];
	int			 c_n_sendme_tags;
	int			 c_relay_early_seen;	/* relay: forward RELAY_EARLY count */
	int			 c_relay_early_sent;	/* origin */
	/* Queued cells, one buffer per direction, whole 514-byte cells. */
	struct buf		 c_nq, c_pq;
	double			 c_nq_since, c_pq_since;	/* oldest queued cell */
	struct circuit_wait	 c_n_wait, c_p_wait;	/* on the links' l_waiting */
	TAILQ_ENTRY(circuit)	 c_pending_entry;
	/* Streams. */
	struct u32map		*c_streams;	/* stream id -> struct stream */
	TAILQ_HEAD(, stream)	 c_stream_list;
	uint16_t		 c_next_stream_id;
	/* Client bookkeeping (set and read by feature/client). */
	double			 c_created;
	double			 c_built_at;
	double			 c_dirty_since;	/* first stream attached, 0 = clean */
	char			*c_isolation;	/* isolation key, malloc'd, or NULL */
	uint64_t		 c_nym_epoch;
	uint16_t		 c_port_hint;	/* port the circuit was built for, 0 = any */
	void			*c_owner;
	struct ml_timer		 c_build_timer;
	/* Bookkeeping. */
	const char		*c_close_reason;
	uint8_t			 c_destroy_reason;
	struct ml_deferred	 c_free_d;
	uint64_t		 c_cells_fwd, c_cells_back;
	TAILQ_ENTRY(circuit)	 c_entry;
};

TAILQ_HEAD(circuit_list, circuit);

extern struct origin_hooks	circuit_origin_hooks;
extern struct edge_hooks	circuit_edge_hooks;

/*
 * Observer for the control port (CIRC events), NULL when nobody
 * listens: origin circuits report LAUNCHED, EXTENDED (a hop added),
 * BUILT, FAILED (closed while building) and CLOSED; reason is a
 * DESTROY reason name or NULL.  It must not close or free anything.
 */
extern void	(*circuit_event_hook)(const struct circuit *c, const char *status,
		    const char *reason);

/* Totals since start, for the control port. */
struct circuit_totals {
	uint64_t	ct_relay_circuits;	/* relay circuits accepted (CREATE2) */
	uint64_t	ct_cells_relayed;	/* cells passed on to another hop */
};
extern struct circuit_totals	circuit_totals;

/* All live circuits (origin and relay). */
struct circuit_list	*circuit_all(void);
size_t			 circuit_count(void);

/*
 * Client: build a circuit through hops[0..n).  Returns NULL if the first
 * link cannot even be started.  circuit_origin_hooks report the outcome.
 */
struct circuit	*circuit_launch(const struct relay_info *hops, int n,
		    enum circuit_purpose purpose, double build_timeout);

/* Close: DESTROY both ways, END streams, free later.  Idempotent. */
void	circuit_mark_for_close(struct circuit *c, uint8_t destroy_reason, const char *why);

/*
 * Send a relay message on a circuit.  Origin circuits address hop `hop`
 * (normally the last); relay circuits send it backward toward the client.
 * Returns 0, or -1 if the circuit is closing.  DATA cells must pass the
 * windows first: see circuit_can_package().
 */
int	circuit_send_relay(struct circuit *c, int hop, uint8_t cmd, uint16_t stream_id,
	    const uint8_t *data, size_t len);
/* May an edge package a DATA cell now (windows and queue room)? */
bool	circuit_can_package(const struct circuit *c, int hop);
/* A stream id not in use on this circuit, or 0 if none. */
uint16_t	circuit_alloc_stream_id(struct circuit *c);

/* Cells queued on this circuit, both directions. */
size_t	circuit_queued_cells(const struct circuit *c);
/* Total bytes queued in all circuits (for the memory limit). */
uint64_t	circuit_total_queued_bytes(void);

/* ---- Core-internal: links and the relay switch call these. ---- */

/* The link c was waiting for is open: send what was pending. */
void	circuit_link_open(struct circuit *c, struct link *l);
/* Detach c from link l (one of its two), dropping what was queued for it. */
void	circuit_forget_link(struct circuit *c, struct link *l);
/* Link l (one of c's) failed or closed. */
void	circuit_link_failed(struct circuit *c, struct link *l);
/* Link l fell below its low-water mark: drain circuit queues into it. */
void	circuit_link_drained(struct link *l);
/* A new relay circuit for CREATE2 on l (relay role). */
struct circuit	*circuit_new_relay(struct link *l, uint32_t circid);
/* A new origin circuit (circuit_launch uses it). */
struct circuit	*circuit_new_origin(void);
/*
 * Send a cell forward (n side) or backward (p side); the circuit id is
 * filled in.  circuit_send_payload takes the command and the 509-byte
 * payload apart, so relayed cells are copied once, into the link.
 */
void	circuit_send_payload(struct circuit *c, bool forward, uint8_t cmd,
	    const uint8_t *payload);
void	circuit_send_cell(struct circuit *c, bool forward, uint8_t cell[CELL_LEN]);
/* Build progress (circuit_build.c). */
void	circuit_build_created(struct circuit *c, const uint8_t *body, size_t len);
void	circuit_build_extended(struct circuit *c, const uint8_t *body, size_t len);
/* Relay: EXTEND2 arrived on c. */
void	circuit_extend(struct circuit *c, const uint8_t *body, size_t len);
/* Relay: CREATED2 arrived from the next hop for a pending extend. */
void	circuit_extend_created(struct circuit *c, const uint8_t *body, size_t len);
/* Record / check SENDME v1 tags. */
void	circuit_sendme_record(struct circuit *c, int hop);
int	circuit_sendme_check(struct circuit *c, int hop, const uint8_t *body, size_t len);

/* "BUILT $FP~nick,$FP~nick,..." style path for status, into buf. */
const char	*circuit_path_desc(const struct circuit *c, char *buf, size_t len);
const char	*circuit_state_name(const struct circuit *c);

#endif
