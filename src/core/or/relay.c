/*
 * relay.c: the cell switch.
 *
 * Data path map (a cell's life):
 *
 *   link_process_inbuf() frames cells out of the TLS input buffer and
 *   calls relay_handle_cell() for each, payload still in that buffer.
 *
 *   CREATE2  -> ntor server handshake -> CREATED2 back (relays only).
 *   CREATED2 -> client: next build step; relay: EXTENDED2 toward client.
 *   DESTROY  -> close the circuit, DESTROY the other way.
 *   RELAY from the client side (forward):
 *       relay: remove our layer; recognised -> relay_msg_at_relay(),
 *       else pass it to the next hop (or close if there is none).
 *   RELAY from the far side (backward):
 *       relay: add our layer, pass toward the client.
 *       client: peel layers until a hop recognises it -> relay_msg_at_origin().
 *
 * Stream messages go to stream.c; circuit SENDMEs and the circuit
 * windows are handled here.
 */
#include "config.h"

#include <string.h>

#include "core/crypto/onion_ntor.h"
#include "core/crypto/relay_crypto.h"
#include "core/or/circuit.h"
#include "core/or/dos.h"
#include "core/or/link.h"
#include "core/or/relay.h"
#include "core/or/stream.h"
#include "core/proto/relay_msg.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/u32map.h"

static struct log_ratelim relay_rl = LOG_RATELIM_INIT(10);
static uint64_t relay_create_failures;

uint64_t relay_n_create_failures(void);
uint64_t
relay_n_create_failures(void)
{
	return relay_create_failures;
}

static void
relay_send_destroy(struct link *l, uint32_t circid, uint8_t reason)
{
	uint8_t cell[CELL_LEN];

	cell_pack_destroy(cell, circid, reason);
	link_write_cell(l, cell);
}

static void
relay_handle_create2(struct link *l, uint32_t circid, const uint8_t *payload, size_t len)
{
	struct cell_create2 c2;
	struct circuit *c;
	uint8_t keys[NTOR_KEY_MATERIAL_LEN], reply[NTOR_REPLY_LEN], cell[CELL_LEN];

	if (!or_options.oo_is_relay || or_options.oo_keys == NULL) {
		relay_send_destroy(l, circid, DESTROY_REASON_PROTOCOL);
		return;
	}
	/* The peer allocates ids on its side of the split only. */
	if (!circid_is_valid_for(circid, !l->l_initiator)) {
		log_rl(&relay_rl, LL_INFO, LD_CIRC, "link=%llu CREATE2 with a circuit id of our side",
		    (unsigned long long)l->l_conn.c_id);
		relay_send_destroy(l, circid, DESTROY_REASON_PROTOCOL);
		return;
	}
	if (link_find_circuit(l, circid) != NULL)
		return;		/* Tor drops a CREATE2 for an id in use */
	if (link_n_circuits(l) >= or_options.oo_max_circuits_per_link) {
		relay_send_destroy(l, circid, DESTROY_REASON_RESOURCELIMIT);
		return;
	}
	/*
	 * Per client address, before any public-key work.  Relays extending
	 * circuits are not counted (see dos.h): a busy guard sends many.
	 */
	if (!l->l_peer_is_relay && !dos_create_allow(&l->l_peer_addr, mainloop_now())) {
		relay_send_destroy(l, circid, DESTROY_REASON_RESOURCELIMIT);
		return;
	}
	if (cell_create2_parse(payload, len, &c2) != PARSE_OK ||
	    c2.c2_htype != CREATE2_HTYPE_NTOR || c2.c2_hlen != NTOR_ONIONSKIN_LEN) {
		relay_send_destroy(l, circid, DESTROY_REASON_PROTOCOL);
		return;
	}
	if (onion_ntor_server(or_options.oo_keys, c2.c2_hdata, reply, keys, sizeof(keys)) < 0) {
		relay_create_failures++;
		log_rl(&relay_rl, LL_INFO, LD_CIRC, "link=%llu ntor handshake failed (%llu so far)",
		    (unsigned long long)l->l_conn.c_id, (unsigned long long)relay_create_failures);
		relay_send_destroy(l, circid, DESTROY_REASON_PROTOCOL);
		return;
	}
	c = circuit_new_relay(l, circid);
	c->c_crypto = relay_crypto_new_tor1(keys);
	crypto_wipe(keys, sizeof(keys));
	c->c_state = CIRC_ST_OPEN;
	cell_pack_header(cell, circid, CELL_CREATED2);
	cell_created2_encode(cell + CELL_HEADER_LEN, CELL_PAYLOAD_LEN, reply, sizeof(reply));
	crypto_wipe(reply, sizeof(reply));
	circuit_send_cell(c, false, cell);
	log_debug(LD_CIRC, "circ=%u created for %s", c->c_gid,
	    c->c_p_is_client ? "a client" : "a relay");
}

/* A DATA cell arrived at an edge: account it in the circuit window. */
static int
relay_circuit_deliver(struct circuit *c, int hop)
{
	uint8_t tag[RELAY_CRYPTO_TAG_MAX], body[32];
	int *window = c->c_origin ? &c->c_hops[hop].h_deliver_window : &c->c_deliver_window;
	relay_crypto_t *rc = c->c_origin ? c->c_hop_crypto[hop] : c->c_crypto;
	int n;

	if (--(*window) < 0) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "circuit deliver window exceeded");
		return -1;
	}
	if (*window <= CIRCWINDOW_START - CIRCWINDOW_INCREMENT) {
		/* Authenticated SENDME: the digest of the cell that triggered it. */
		relay_crypto_last_digest(rc, c->c_origin ? RELAY_DIR_BACKWARD : RELAY_DIR_FORWARD, tag);
		n = relay_sendme_encode_v1(body, sizeof(body), tag);
		*window += CIRCWINDOW_INCREMENT;
		if (n > 0)
			circuit_send_relay(c, hop, RELAY_SENDME, 0, body, (size_t)n);
	}
	return 0;
}

static void
relay_circuit_sendme(struct circuit *c, int hop, const uint8_t *data, size_t len)
{
	int *window = c->c_origin ? &c->c_hops[hop].h_package_window : &c->c_package_window;

	if (circuit_sendme_check(c, hop, data, len) < 0) {
		log_rl(&relay_rl, LL_INFO, LD_CIRC, "circ=%u unearned or forged SENDME: closing",
		    c->c_gid);
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "bad SENDME");
		return;
	}
	*window += CIRCWINDOW_INCREMENT;
	if (*window > CIRCWINDOW_START) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "SENDME over the window");
		return;
	}
	stream_circuit_resume(c);
}

/* Stream-level message for stream id on c. */
static void
relay_to_stream(struct circuit *c, const struct relay_header *h, const uint8_t *data)
{
	struct stream *s;

	if (h->rh_stream_id == 0) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "stream message without stream");
		return;
	}
	s = u32map_get(c->c_streams, h->rh_stream_id);
	if (s == NULL)
		return;	/* stream already gone; cells in flight are dropped */
	stream_handle_relay(s, h->rh_cmd, data, h->rh_length);
}

/* Messages every edge handles alike: data, stream replies, SENDMEs. */
static void
relay_edge_msg(struct circuit *c, int hop, const struct relay_header *h, const uint8_t *data)
{
	switch (h->rh_cmd) {
	case RELAY_DATA:
		if (relay_circuit_deliver(c, hop) < 0)
			return;
		relay_to_stream(c, h, data);
		return;
	case RELAY_SENDME:
		if (h->rh_stream_id == 0)
			relay_circuit_sendme(c, hop, data, h->rh_length);
		else
			relay_to_stream(c, h, data);
		return;
	default:
		relay_to_stream(c, h, data);
		return;
	}
}

static void
relay_msg_at_relay(struct circuit *c, const uint8_t *payload, bool early)
{
	struct relay_header h;
	const uint8_t *data;

	if (relay_msg_unpack(payload, &h, &data) != PARSE_OK) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "relay length too large");
		return;
	}
	switch (h.rh_cmd) {
	case RELAY_EXTEND2:
		if (!early || h.rh_stream_id != 0) {
			circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "EXTEND2 not in RELAY_EARLY");
			return;
		}
		circuit_extend(c, data, h.rh_length);
		return;
	case RELAY_BEGIN:
	case RELAY_RESOLVE:
	case RELAY_BEGIN_DIR:
		if (h.rh_stream_id == 0) {
			circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "BEGIN without stream");
			return;
		}
		if (u32map_get(c->c_streams, h.rh_stream_id) != NULL)
			return;
		if (circuit_edge_hooks.begin != NULL) {
			circuit_edge_hooks.begin(c, h.rh_stream_id, h.rh_cmd, data, h.rh_length);
		} else {
			uint8_t reason = h.rh_cmd == RELAY_BEGIN_DIR ? END_REASON_NOTDIRECTORY :
			    END_REASON_EXITPOLICY;

			circuit_send_relay(c, 0, RELAY_END, h.rh_stream_id, &reason, 1);
		}
		return;
	case RELAY_DATA:
	case RELAY_END:
	case RELAY_CONNECTED:
	case RELAY_RESOLVED:
	case RELAY_SENDME:
		relay_edge_msg(c, 0, &h, data);
		return;
	case RELAY_TRUNCATE:
		circuit_mark_for_close(c, DESTROY_REASON_REQUESTED, "TRUNCATE");
		return;
	default:
		return;	/* DROP and unknown commands: ignored, counted in digests */
	}
}

static void
relay_msg_at_origin(struct circuit *c, int hop, const uint8_t *payload)
{
	struct relay_header h;
	const uint8_t *data;

	if (relay_msg_unpack(payload, &h, &data) != PARSE_OK) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "relay length too large");
		return;
	}
	switch (h.rh_cmd) {
	case RELAY_EXTENDED2:
		if (hop != c->c_n_built - 1) {
			circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "EXTENDED2 from wrong hop");
			return;
		}
		circuit_build_extended(c, data, h.rh_length);
		return;
	case RELAY_TRUNCATED:
		circuit_mark_for_close(c, DESTROY_REASON_NONE, "truncated");
		return;
	case RELAY_DATA:
	case RELAY_END:
	case RELAY_CONNECTED:
	case RELAY_RESOLVED:
	case RELAY_SENDME:
		relay_edge_msg(c, hop, &h, data);
		return;
	case RELAY_BEGIN:
	case RELAY_EXTEND2:
	case RELAY_RESOLVE:
	case RELAY_BEGIN_DIR:
	case RELAY_TRUNCATE:
		/* Only clients originate these. */
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "forward-only message from relay");
		return;
	default:
		return;
	}
}

static void
relay_cell_forward(struct circuit *c, uint8_t cmd, uint8_t *payload)
{
	bool recognized = false;

	if (cmd == CELL_RELAY_EARLY && ++c->c_relay_early_seen > MAX_RELAY_EARLY) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "too many RELAY_EARLY");
		return;
	}
	relay_crypto_relay_forward_in(c->c_crypto, payload, &recognized);
	if (recognized) {
		relay_msg_at_relay(c, payload, cmd == CELL_RELAY_EARLY);
		return;
	}
	if (c->c_n_link == NULL || c->c_n_circid == 0) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "unrecognized cell at last hop");
		return;
	}
#ifdef TORD_TEST_HOOKS
	/* Test-only: a relay that tampers with cells passing through. */
	if (or_options.oo_test_flip_bit)
		payload[CELL_PAYLOAD_LEN / 2] ^= 0x01;
#endif
	c->c_cells_fwd++;
	circuit_totals.ct_cells_relayed++;
	circuit_send_payload(c, true, cmd, payload);
}

static void
relay_cell_backward(struct circuit *c, uint8_t cmd, uint8_t *payload)
{
	int hop;

	if (cmd == CELL_RELAY_EARLY) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "RELAY_EARLY backward");
		return;
	}
	if (c->c_origin) {
		hop = relay_crypto_client_recognize(c->c_hop_crypto, c->c_n_built, payload);
		if (hop < 0) {
			log_rl(&relay_rl, LL_INFO, LD_CIRC, "circ=%u unrecognized cell: closing",
			    c->c_gid);
			circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "unrecognized cell");
			return;
		}
		relay_msg_at_origin(c, hop, payload);
		return;
	}
	relay_crypto_relay_backward(c->c_crypto, payload);
	c->c_cells_back++;
	circuit_totals.ct_cells_relayed++;
	circuit_send_payload(c, false, cmd, payload);
}

void
relay_handle_cell(struct link *l, uint32_t circid, uint8_t cmd, uint8_t *payload, size_t len)
{
	struct circuit *c;
	bool from_n;

	switch (cmd) {
	case CELL_PADDING:
	case CELL_VPADDING:
	case CELL_VERSIONS:
	case CELL_NETINFO:
		return;
	case CELL_CREATE2:
		relay_handle_create2(l, circid, payload, len);
		return;
	default:
		break;
	}
	c = link_find_circuit(l, circid);
	if (c == NULL || c->c_state == CIRC_ST_CLOSED)
		return;
	from_n = (c->c_n_link == l && c->c_n_circid == circid);
	switch (cmd) {
	case CELL_CREATED2:
		if (!from_n)
			circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "CREATED2 from the client side");
		else if (c->c_origin)
			circuit_build_created(c, payload, len);
		else
			circuit_extend_created(c, payload, len);
		return;
	case CELL_DESTROY:
		/* Forget the dead side first so no DESTROY goes back to it. */
		circuit_forget_link(c, l);
		if (c->c_origin && c->c_state == CIRC_ST_BUILDING && circuit_origin_hooks.failed)
			circuit_origin_hooks.failed(c, "destroyed by relay");
		circuit_mark_for_close(c, DESTROY_REASON_DESTROYED, "DESTROY received");
		return;
	case CELL_RELAY:
	case CELL_RELAY_EARLY:
		if (len != CELL_PAYLOAD_LEN)
			return;
		if (from_n)
			relay_cell_backward(c, cmd, payload);
		else if (!c->c_origin && c->c_crypto != NULL)
			relay_cell_forward(c, cmd, payload);
		return;
	default:
		return;
	}
}
