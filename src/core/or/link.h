/*
 * link.h: a TLS connection between two nodes, carrying cells for many
 * circuits ("channel" in Tor).
 *
 * The side that opens a link pins the identity it expects and closes
 * the link if the peer proves another.  Relays show a certificate
 * self-signed with their Ed25519 identity (also when they open a link to
 * another relay, as a TLS client certificate); clients show none, so a
 * relay knows whether the previous hop of a circuit is a client.
 *
 * After TLS both sides send VERSIONS and NETINFO; the link is open when
 * it has received both.  Cells are framed straight out of the TLS input
 * buffer and written straight into the output buffer.
 */
#ifndef TORD_CORE_OR_LINK_H
#define TORD_CORE_OR_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "core/mainloop/conn.h"
#include "core/or/or.h"
#include "core/proto/cell.h"

struct circuit;
struct circuit_wait;
struct u32map;

enum link_state {
	LINK_ST_TLS,		/* TCP/TLS in progress */
	LINK_ST_HANDSHAKE,	/* waiting for VERSIONS and NETINFO */
	LINK_ST_OPEN,
};

struct link {
	struct conn		 l_conn;		/* first: container_of */
	enum link_state		 l_state;
	bool			 l_initiator;		/* we opened it */
	bool			 l_peer_is_relay;	/* peer proved a relay identity */
	uint8_t			 l_peer_id[IDENTITY_LEN];
	char			 l_peer_nick[32];
	struct addr		 l_peer_addr;
	bool			 l_got_versions, l_got_netinfo;
	uint16_t		 l_version;
	struct u32map		*l_circs;		/* circid -> struct circuit */
	/* Circuits with cells queued for this link, served round robin. */
	TAILQ_HEAD(, circuit_wait) l_waiting;
	/* Circuits waiting for this link to open (extend / first hop). */
	TAILQ_HEAD(, circuit)	 l_pending;
	double			 l_last_used;		/* last time a circuit existed */
	uint64_t		 l_cells_in, l_cells_out;
	TAILQ_ENTRY(link)	 l_entry;
};

TAILQ_HEAD(link_list, link);

/* All links (for status and reuse). */
struct link_list *link_all(void);

/*
 * Observer for the control port (ORCONN events), NULL when nobody
 * listens: LAUNCHED (we connect), CONNECTED (handshake done), FAILED
 * (closed before that) and CLOSED; reason is the close reason or NULL.
 */
extern void	(*link_event_hook)(const struct link *l, const char *status,
		    const char *reason);

/*
 * Find an open or opening link to the relay with identity id, or open
 * one to addr.  Returns NULL (errno set) if no socket could be made.
 */
struct link	*link_get_or_connect(const uint8_t id[IDENTITY_LEN], const char *nick,
		    const struct addr *addr);
/* Accept an incoming TLS link on fd (relays). */
void		 link_accept(int fd, const struct addr *peer);

/* Allocate a fresh circuit id for a circuit we create on this link; 0 if full. */
uint32_t	 link_alloc_circid(struct link *l);
/* Register / unregister a circuit under circid on this link. */
void		 link_attach_circuit(struct link *l, uint32_t circid, struct circuit *c);
void		 link_detach_circuit(struct link *l, uint32_t circid);
struct circuit	*link_find_circuit(struct link *l, uint32_t circid);
size_t		 link_n_circuits(const struct link *l);

/*
 * Append a fixed cell to the link's output (it leaves with the next
 * batch).  The caller has checked flow control; see circuit_send_cell().
 */
void		 link_write_cell(struct link *l, const uint8_t cell[CELL_LEN]);
/* Pointer to CELL_LEN bytes at the end of the output; then commit. */
uint8_t		*link_cell_reserve(struct link *l);
void		 link_cell_commit(struct link *l);
static inline bool
link_is_blocked(const struct link *l)
{
	return conn_is_blocked(&l->l_conn);
}

/* Close the link; every circuit on it is closed too. */
void		 link_mark_for_close(struct link *l, const char *reason);
/* "$FP~nick" or "client" for logs and the control port. */
const char	*link_peer_desc(const struct link *l, char *buf, size_t len);

/* Server TLS context for relays (set by the relay role at start). */
void		 link_set_server_identity(const ed25519_key_t *identity);
void		 link_shutdown(void);

#endif
