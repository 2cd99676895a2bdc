/*
 * circuit.c: circuit objects, their cell queues and fair sharing of
 * links, relay-message sending with windows and SENDME tags, the global
 * queue-memory limit, and close/free.
 *
 * Who calls: relay.c (cells in), circuit_build.c (client builds and
 * relay extends), stream.c (DATA out), the client role (launch/close).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/or/circuit.h"
#include "core/or/link.h"
#include "core/or/reasons.h"
#include "core/or/stream.h"
#include "core/proto/relay_msg.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/u32map.h"

/* Cells a circuit may have queued before its edges stop packaging. */
#define CIRC_PACKAGE_QUEUE_MAX	64
/* Cells moved from one circuit per round when a link drains. */
#define CIRC_DRAIN_BATCH	32

struct or_options	or_options = {
	.oo_max_queue_bytes = 256ull * 1024 * 1024,
	.oo_max_circuits_per_link = 4096,
	.oo_link_idle_timeout = 180.0,
	.oo_circ_build_timeout = 30.0,
};
struct origin_hooks	circuit_origin_hooks;
struct edge_hooks	circuit_edge_hooks;
void	(*circuit_event_hook)(const struct circuit *c, const char *status, const char *reason);
struct circuit_totals	circuit_totals;

static struct circuit_list	circuits = TAILQ_HEAD_INITIALIZER(circuits);
static size_t			ncircuits;
static uint32_t			next_gid = 1;
static uint64_t			total_queued;

static void circuit_free_deferred(struct ml_deferred *d);
static void circuit_check_oom(void);

struct circuit_list *
circuit_all(void)
{
	return &circuits;
}

size_t
circuit_count(void)
{
	return ncircuits;
}

uint64_t
circuit_total_queued_bytes(void)
{
	return total_queued;
}

static struct circuit *
circuit_alloc(bool origin)
{
	struct circuit *c = xcalloc(1, sizeof(*c));

	c->c_gid = next_gid++;
	c->c_origin = origin;
	c->c_state = CIRC_ST_BUILDING;
	c->c_package_window = CIRCWINDOW_START;
	c->c_deliver_window = CIRCWINDOW_START;
	c->c_streams = u32map_new();
	TAILQ_INIT(&c->c_stream_list);
	c->c_next_stream_id = (uint16_t)(1 + crypto_rand_uniform(0xfffe));
	c->c_created = mainloop_now();
	ml_deferred_init(&c->c_free_d, circuit_free_deferred);
	c->c_n_wait.cw_forward = true;
	TAILQ_INSERT_TAIL(&circuits, c, c_entry);
	ncircuits++;
	return c;
}

struct circuit *
circuit_new_origin(void)
{
	struct circuit *c = circuit_alloc(true);

	c->c_hops = xcalloc(CIRC_MAX_HOPS, sizeof(*c->c_hops));
	return c;
}

struct circuit *
circuit_new_relay(struct link *l, uint32_t circid)
{
	struct circuit *c = circuit_alloc(false);

	c->c_p_link = l;
	c->c_p_circid = circid;
	c->c_p_is_client = !l->l_peer_is_relay;
	link_attach_circuit(l, circid, c);
	circuit_totals.ct_relay_circuits++;
	return c;
}

/* ---- queues ----------------------------------------------------------- */

static inline struct buf *
circ_queue(struct circuit *c, bool forward)
{
	return forward ? &c->c_nq : &c->c_pq;
}

/* The circuit a waiting-list entry belongs to (its direction says which member). */
static inline struct circuit *
circuit_of_wait(struct circuit_wait *w)
{
	return w->cw_forward ? container_of(w, struct circuit, c_n_wait) :
	    container_of(w, struct circuit, c_p_wait);
}

static void
circuit_set_waiting(struct circuit *c, bool forward, bool on)
{
	struct link *l = forward ? c->c_n_link : c->c_p_link;
	struct circuit_wait *w = forward ? &c->c_n_wait : &c->c_p_wait;

	if (w->cw_on == on || l == NULL)
		return;
	if (on)
		TAILQ_INSERT_TAIL(&l->l_waiting, w, cw_entry);
	else
		TAILQ_REMOVE(&l->l_waiting, w, cw_entry);
	w->cw_on = on;
}

void
circuit_send_payload(struct circuit *c, bool forward, uint8_t cmd, const uint8_t *payload)
{
	struct link *l = forward ? c->c_n_link : c->c_p_link;
	struct buf *q = circ_queue(c, forward);
	uint32_t circid = forward ? c->c_n_circid : c->c_p_circid;
	uint8_t *dst;

	if (c->c_state == CIRC_ST_CLOSED || l == NULL)
		return;
	/* Fast path: straight into the link's output, one copy per cell. */
	if (buf_len(q) == 0 && l->l_state == LINK_ST_OPEN && !link_is_blocked(l)) {
		dst = link_cell_reserve(l);
		cell_pack_header(dst, circid, cmd);
		memcpy(dst + CELL_HEADER_LEN, payload, CELL_PAYLOAD_LEN);
		link_cell_commit(l);
		return;
	}
	if (buf_len(q) == 0) {
		if (forward)
			c->c_nq_since = mainloop_now();
		else
			c->c_pq_since = mainloop_now();
	}
	dst = buf_reserve(q, CELL_LEN);
	cell_pack_header(dst, circid, cmd);
	memcpy(dst + CELL_HEADER_LEN, payload, CELL_PAYLOAD_LEN);
	buf_commit(q, CELL_LEN);
	total_queued += CELL_LEN;
	if (l->l_state == LINK_ST_OPEN)
		circuit_set_waiting(c, forward, true);
	if (buf_len(q) / CELL_LEN > CIRC_MAX_QUEUED_CELLS) {
		log_info(LD_CIRC, "circ=%u queue over %d cells: closing", c->c_gid,
		    CIRC_MAX_QUEUED_CELLS);
		circuit_mark_for_close(c, DESTROY_REASON_RESOURCELIMIT, "queue limit");
		return;
	}
	if (total_queued > or_options.oo_max_queue_bytes)
		circuit_check_oom();
}

void
circuit_send_cell(struct circuit *c, bool forward, uint8_t cell[CELL_LEN])
{
	circuit_send_payload(c, forward, cell[4], cell + CELL_HEADER_LEN);
}

/* Move queued cells of c into l until the link blocks; true if emptied. */
static bool
circuit_drain_into(struct circuit *c, struct link *l, bool forward, int max)
{
	struct buf *q = circ_queue(c, forward);
	int n = 0;

	while (buf_len(q) >= CELL_LEN && n < max && !link_is_blocked(l)) {
		link_write_cell(l, buf_peek(q));
		buf_drain(q, CELL_LEN);
		total_queued -= CELL_LEN;
		n++;
	}
	if (buf_len(q) == 0) {
		buf_trim(q);
		return true;
	}
	if (forward)
		c->c_nq_since = mainloop_now();
	else
		c->c_pq_since = mainloop_now();
	return false;
}

void
circuit_link_drained(struct link *l)
{
	struct circuit *c;
	unsigned rounds;

	/* Round robin: a few cells from each circuit per turn. */
	for (rounds = 0; rounds < 100000 && !TAILQ_EMPTY(&l->l_waiting) &&
	    !link_is_blocked(l); rounds++) {
		struct circuit_wait *w = TAILQ_FIRST(&l->l_waiting);
		bool forward = w->cw_forward, empty;

		c = circuit_of_wait(w);
		circuit_set_waiting(c, forward, false);
		empty = circuit_drain_into(c, l, forward, CIRC_DRAIN_BATCH);
		if (!empty)
			circuit_set_waiting(c, forward, true);	/* back of the line */
		if (buf_len(circ_queue(c, forward)) / CELL_LEN < CIRC_PACKAGE_QUEUE_MAX &&
		    !TAILQ_EMPTY(&c->c_stream_list))
			stream_circuit_resume(c);
	}
}

size_t
circuit_queued_cells(const struct circuit *c)
{
	return (buf_len(&c->c_nq) + buf_len(&c->c_pq)) / CELL_LEN;
}

/*
 * Over the global limit: close the circuits holding the oldest queued
 * data first, until we are back under 90% of it (Tor's OOM handler).
 */
static void
circuit_check_oom(void)
{
	uint64_t target = or_options.oo_max_queue_bytes / 10 * 9;
	unsigned killed = 0;

	while (total_queued > target && killed < 100000) {
		struct circuit *c, *oldest = NULL;
		double oldest_t = 0;

		TAILQ_FOREACH(c, &circuits, c_entry) {
			double t;

			if (c->c_state == CIRC_ST_CLOSED || circuit_queued_cells(c) == 0)
				continue;
			t = buf_len(&c->c_nq) ? c->c_nq_since : c->c_pq_since;
			if (buf_len(&c->c_nq) && buf_len(&c->c_pq))
				t = MIN(c->c_nq_since, c->c_pq_since);
			if (oldest == NULL || t < oldest_t) {
				oldest = c;
				oldest_t = t;
			}
		}
		if (oldest == NULL)
			break;
		log_notice(LD_CIRC, "queued cells over the memory limit (%llu bytes): closing circ=%u",
		    (unsigned long long)total_queued, oldest->c_gid);
		circuit_mark_for_close(oldest, DESTROY_REASON_RESOURCELIMIT, "out of memory");
		killed++;
	}
}

/* ---- relay messages ---------------------------------------------------- */

bool
circuit_can_package(const struct circuit *c, int hop)
{
	const struct link *l;
	size_t queued;

	if (c->c_state != CIRC_ST_OPEN)
		return false;
	if (c->c_origin) {
		if (c->c_hops[hop].h_package_window <= 0)
			return false;
		l = c->c_n_link;
		queued = buf_len(&c->c_nq);
	} else {
		if (c->c_package_window <= 0)
			return false;
		l = c->c_p_link;
		queued = buf_len(&c->c_pq);
	}
	return l != NULL && queued / CELL_LEN < CIRC_PACKAGE_QUEUE_MAX;
}

void
circuit_sendme_record(struct circuit *c, int hop)
{
	uint8_t (*tags)[RELAY_CRYPTO_TAG_MAX];
	int *n;

	if (c->c_origin) {
		tags = c->c_hops[hop].h_sendme_tags;
		n = &c->c_hops[hop].h_n_sendme_tags;
		if (*n >= (int)ARRAY_LEN(c->c_hops[hop].h_sendme_tags))
			return;
		relay_crypto_last_digest(c->c_hop_crypto[hop], RELAY_DIR_FORWARD, tags[*n]);
	} else {
		tags = c->c_sendme_tags;
		n = &c->c_n_sendme_tags;
		if (*n >= (int)ARRAY_LEN(c->c_sendme_tags))
			return;
		relay_crypto_last_digest(c->c_crypto, RELAY_DIR_BACKWARD, tags[*n]);
	}
	(*n)++;
}

int
circuit_sendme_check(struct circuit *c, int hop, const uint8_t *body, size_t len)
{
	struct relay_sendme sm;
	uint8_t (*tags)[RELAY_CRYPTO_TAG_MAX];
	int *n;
	bool ok;

	if (c->c_origin) {
		tags = c->c_hops[hop].h_sendme_tags;
		n = &c->c_hops[hop].h_n_sendme_tags;
	} else {
		tags = c->c_sendme_tags;
		n = &c->c_n_sendme_tags;
	}
	/* Only authenticated (v1) SENDMEs, and only ones we asked for. */
	if (relay_sendme_parse(body, len, &sm) != PARSE_OK || sm.rs_version != 1 || *n == 0)
		return -1;
	ok = crypto_eq(tags[0], sm.rs_digest, SENDME_DIGEST_LEN);
	memmove(tags[0], tags[1], (size_t)(*n - 1) * sizeof(tags[0]));
	(*n)--;
	return ok ? 0 : -1;
}

int
circuit_send_relay(struct circuit *c, int hop, uint8_t cmd, uint16_t stream_id,
    const uint8_t *data, size_t len)
{
	uint8_t cell[CELL_LEN];
	uint8_t *payload = cell + CELL_HEADER_LEN;
	bool early = false;

	if (c->c_state == CIRC_ST_CLOSED)
		return -1;
	if (relay_msg_pack(payload, cmd, stream_id, data, len, crypto_rand_fast) < 0)
		return -1;
	if (c->c_origin) {
		if (hop < 0 || hop >= c->c_n_built)
			return -1;
		relay_crypto_client_originate(c->c_hop_crypto, c->c_n_built, hop, payload);
		/*
		 * EXTEND2 must ride in RELAY_EARLY; the first other cells do too,
		 * so a relay cannot tell extends apart and learn the path length.
		 */
		if (c->c_relay_early_sent < MAX_RELAY_EARLY) {
			early = true;
			c->c_relay_early_sent++;
		}
		if (cmd == RELAY_DATA) {
			struct circ_hop *h = &c->c_hops[hop];

			h->h_package_window--;
			if (h->h_package_window % CIRCWINDOW_INCREMENT == 0)
				circuit_sendme_record(c, hop);
		}
		cell[4] = early ? CELL_RELAY_EARLY : CELL_RELAY;
		circuit_send_cell(c, true, cell);
	} else {
		relay_crypto_relay_originate(c->c_crypto, payload);
		if (cmd == RELAY_DATA) {
			c->c_package_window--;
			if (c->c_package_window % CIRCWINDOW_INCREMENT == 0)
				circuit_sendme_record(c, 0);
		}
		cell[4] = CELL_RELAY;
		circuit_send_cell(c, false, cell);
	}
	return 0;
}

uint16_t
circuit_alloc_stream_id(struct circuit *c)
{
	unsigned tries;

	for (tries = 0; tries < 65536; tries++) {
		uint16_t id = c->c_next_stream_id++;

		if (id == 0)
			continue;
		if (u32map_get(c->c_streams, id) == NULL)
			return id;
	}
	return 0;
}

/* ---- close and free ----------------------------------------------------- */

static void
circuit_send_destroy(struct circuit *c, bool forward, uint8_t reason)
{
	struct link *l = forward ? c->c_n_link : c->c_p_link;
	uint32_t circid = forward ? c->c_n_circid : c->c_p_circid;
	uint8_t cell[CELL_LEN];

	if (l == NULL || circid == 0 || conn_is_marked(&l->l_conn))
		return;
	/* DESTROY jumps the queue: the queued cells are dropped anyway. */
	cell_pack_destroy(cell, circid, reason);
	if (l->l_state == LINK_ST_OPEN)
		link_write_cell(l, cell);
}

void
circuit_mark_for_close(struct circuit *c, uint8_t destroy_reason, const char *why)
{
	struct stream *s;

	if (c->c_state == CIRC_ST_CLOSED)
		return;
	if (c->c_origin && circuit_event_hook != NULL) {
		if (c->c_state == CIRC_ST_BUILDING)
			circuit_event_hook(c, "FAILED", reasons_destroy_name(destroy_reason));
		circuit_event_hook(c, "CLOSED", reasons_destroy_name(destroy_reason));
	}
	c->c_state = CIRC_ST_CLOSED;
	c->c_close_reason = why;
	c->c_destroy_reason = destroy_reason;
	log_debug(LD_CIRC, "circ=%u closing: %s", c->c_gid, why);
	ml_timer_stop(&c->c_build_timer);
	/*
	 * Tell both neighbours.  A client always says NONE; a relay passes on
	 * DESTROYED rather than the original reason (no side channel).
	 */
	if (c->c_origin) {
		circuit_send_destroy(c, true, DESTROY_REASON_NONE);
	} else {
		circuit_send_destroy(c, true, DESTROY_REASON_DESTROYED);
		circuit_send_destroy(c, false, destroy_reason);
	}
	if (c->c_n_link != NULL)
		circuit_forget_link(c, c->c_n_link);
	if (c->c_p_link != NULL)
		circuit_forget_link(c, c->c_p_link);
	while ((s = TAILQ_FIRST(&c->c_stream_list)) != NULL)
		stream_close(s, "circuit closed");
	if (c->c_origin && circuit_origin_hooks.closed)
		circuit_origin_hooks.closed(c);
	ml_defer(&c->c_free_d);
}

static void
circuit_free_deferred(struct ml_deferred *d)
{
	struct circuit *c = container_of(d, struct circuit, c_free_d);
	int i;

	TAILQ_REMOVE(&circuits, c, c_entry);
	ncircuits--;
	relay_crypto_free(c->c_crypto);
	for (i = 0; i < CIRC_MAX_HOPS; i++) {
		relay_crypto_free(c->c_hop_crypto[i]);
		if (c->c_hops != NULL && c->c_hops[i].h_ntor_active)
			onion_ntor_client_clear(&c->c_hops[i].h_ntor);
	}
	if (c->c_hops != NULL) {
		crypto_wipe(c->c_hops, CIRC_MAX_HOPS * sizeof(*c->c_hops));
		free(c->c_hops);
	}
	if (c->c_pending_create != NULL) {
		crypto_wipe(c->c_pending_create, CELL_LEN);
		free(c->c_pending_create);
	}
	u32map_free(c->c_streams);
	free(c->c_isolation);
	crypto_wipe(c, sizeof(*c));
	free(c);
}

void
circuit_forget_link(struct circuit *c, struct link *l)
{
	bool forward = (c->c_n_link == l);

	if (!forward && c->c_p_link != l)
		return;
	circuit_set_waiting(c, forward, false);
	if (forward && c->c_n_circid == 0) {
		struct circuit *p;

		TAILQ_FOREACH(p, &l->l_pending, c_pending_entry)
			if (p == c) {
				TAILQ_REMOVE(&l->l_pending, c, c_pending_entry);
				break;
			}
	} else {
		link_detach_circuit(l, forward ? c->c_n_circid : c->c_p_circid);
	}
	total_queued -= buf_len(circ_queue(c, forward));
	buf_free_storage(circ_queue(c, forward), 0);
	if (forward) {
		c->c_n_link = NULL;
		c->c_n_circid = 0;
	} else {
		c->c_p_link = NULL;
		c->c_p_circid = 0;
	}
}

void
circuit_link_failed(struct circuit *c, struct link *l)
{
	circuit_forget_link(c, l);
	if (c->c_origin && c->c_state == CIRC_ST_BUILDING && circuit_origin_hooks.failed)
		circuit_origin_hooks.failed(c, "link failed");
	circuit_mark_for_close(c, DESTROY_REASON_CHANNEL_CLOSED, "link closed");
}

/* ---- status ----------------------------------------------------------- */

const char *
circuit_state_name(const struct circuit *c)
{
	switch (c->c_state) {
	case CIRC_ST_BUILDING:
		return c->c_n_built > 0 ? "EXTENDED" : "LAUNCHED";
	case CIRC_ST_OPEN:
		return "BUILT";
	case CIRC_ST_CLOSED:
		return "CLOSED";
	}
	return "?";
}

const char *
circuit_path_desc(const struct circuit *c, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < c->c_n_built && off < len; i++) {
		char fp[FINGERPRINT_HEXLEN + 1];
		int n;

		keys_fingerprint(c->c_hops[i].h_relay.ri_id, fp);
		n = snprintf(buf + off, len - off, "%s$%s~%s", i ? "," : "", fp,
		    c->c_hops[i].h_relay.ri_nickname);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}
