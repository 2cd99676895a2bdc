/*
 * circuit_build.c: growing circuits.
 *
 * Client side: CREATE2 to the first hop, then EXTEND2 (in RELAY_EARLY)
 * to the last built hop for each further hop, checking each ntor reply;
 * a build timer bounds the whole build.
 *
 * Relay side: answer CREATE2 with the ntor server handshake, and carry
 * out EXTEND2 by opening (or reusing) a link to the next relay, pinned to
 * the identity named in the request, and wrapping its CREATED2 in an
 * EXTENDED2 back toward the client.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto/onion_ntor.h"
#include "core/crypto/relay_crypto.h"
#include "core/or/circuit.h"
#include "core/or/link.h"
#include "core/proto/relay_msg.h"
#include "lib/crypto.h"
#include "lib/log.h"

static struct log_ratelim build_rl = LOG_RATELIM_INIT(10);

static void
circuit_build_fail(struct circuit *c, uint8_t reason, const char *why)
{
	if (c->c_state != CIRC_ST_BUILDING)
		return;
	log_info(LD_CIRC, "circ=%u build failed at hop %d: %s", c->c_gid, c->c_n_built + 1, why);
	if (circuit_origin_hooks.failed)
		circuit_origin_hooks.failed(c, why);
	circuit_mark_for_close(c, reason, why);
}

static void
circuit_build_timeout_cb(struct ml_timer *t)
{
	struct circuit *c = container_of(t, struct circuit, c_build_timer);

	circuit_build_fail(c, DESTROY_REASON_TIMEOUT, "build timed out");
}

/* Make the ntor onionskin for hop i. */
static int
circuit_hop_onionskin(struct circuit *c, int i, uint8_t skin[NTOR_ONIONSKIN_LEN])
{
	struct circ_hop *h = &c->c_hops[i];

	if (onion_ntor_client_start(h->h_relay.ri_id, h->h_relay.ri_onion_key, &h->h_ntor,
	    skin) < 0)
		return -1;
	h->h_ntor_active = true;
	return 0;
}

static void
circuit_send_create(struct circuit *c, struct link *l)
{
	uint8_t cell[CELL_LEN], skin[NTOR_ONIONSKIN_LEN];

	c->c_n_circid = link_alloc_circid(l);
	if (c->c_n_circid == 0 || circuit_hop_onionskin(c, 0, skin) < 0) {
		circuit_build_fail(c, DESTROY_REASON_INTERNAL, "cannot start handshake");
		return;
	}
	link_attach_circuit(l, c->c_n_circid, c);
	cell_pack_header(cell, c->c_n_circid, CELL_CREATE2);
	cell_create2_encode(cell + CELL_HEADER_LEN, CELL_PAYLOAD_LEN, CREATE2_HTYPE_NTOR, skin,
	    sizeof(skin));
	circuit_send_cell(c, true, cell);
}

struct circuit *
circuit_launch(const struct relay_info *hops, int n, enum circuit_purpose purpose,
    double build_timeout)
{
	struct circuit *c;
	struct link *l;
	int i;

	if (n < 1 || n > CIRC_MAX_HOPS)
		return NULL;
	l = link_get_or_connect(hops[0].ri_id, hops[0].ri_nickname, &hops[0].ri_addr);
	if (l == NULL)
		return NULL;
	c = circuit_new_origin();
	c->c_purpose = purpose;
	c->c_n_hops = n;
	for (i = 0; i < n; i++) {
		c->c_hops[i].h_relay = hops[i];
		c->c_hops[i].h_package_window = CIRCWINDOW_START;
		c->c_hops[i].h_deliver_window = CIRCWINDOW_START;
	}
	c->c_n_link = l;
	ml_timer_init(&c->c_build_timer, circuit_build_timeout_cb);
	ml_timer_start(&c->c_build_timer, build_timeout > 0 ? build_timeout : 30.0, 0.);
	if (l->l_state == LINK_ST_OPEN)
		circuit_send_create(c, l);
	else
		TAILQ_INSERT_TAIL(&l->l_pending, c, c_pending_entry);
	log_debug(LD_CIRC, "circ=%u launched, %d hops", c->c_gid, n);
	if (circuit_event_hook != NULL)
		circuit_event_hook(c, "LAUNCHED", NULL);
	return c;
}

void
circuit_link_open(struct circuit *c, struct link *l)
{
	if (c->c_state == CIRC_ST_CLOSED)
		return;
	if (c->c_origin) {
		circuit_send_create(c, l);
		return;
	}
	/* Relay extending: send the CREATE2 we kept. */
	c->c_n_circid = link_alloc_circid(l);
	if (c->c_n_circid == 0 || c->c_pending_create == NULL) {
		circuit_mark_for_close(c, DESTROY_REASON_RESOURCELIMIT, "no circuit id");
		return;
	}
	link_attach_circuit(l, c->c_n_circid, c);
	circuit_send_cell(c, true, c->c_pending_create);
	crypto_wipe(c->c_pending_create, CELL_LEN);
	free(c->c_pending_create);
	c->c_pending_create = NULL;
}

/* Finish hop i's handshake from a CREATED2/EXTENDED2 body. */
static int
circuit_hop_finish(struct circuit *c, int i, const uint8_t *body, size_t len)
{
	struct circ_hop *h = &c->c_hops[i];
	struct cell_created2 cd;
	uint8_t keys[NTOR_KEY_MATERIAL_LEN];
	int rc = -1;

	if (!h->h_ntor_active)
		return -1;
	if (cell_created2_parse(body, len, &cd) != PARSE_OK || cd.cd_hlen != NTOR_REPLY_LEN)
		goto done;
	if (onion_ntor_client_finish(&h->h_ntor, cd.cd_hdata, keys, sizeof(keys)) < 0)
		goto done;
	c->c_hop_crypto[i] = relay_crypto_new_tor1(keys);
	rc = c->c_hop_crypto[i] != NULL ? 0 : -1;
done:
	crypto_wipe(keys, sizeof(keys));
	onion_ntor_client_clear(&h->h_ntor);
	h->h_ntor_active = false;
	return rc;
}

static void
circuit_build_next(struct circuit *c)
{
	struct relay_extend2 e;
	const struct relay_info *ri;
	uint8_t skin[NTOR_ONIONSKIN_LEN], body[RELAY_DATA_MAX];
	int n;

	if (c->c_n_built == c->c_n_hops) {
		c->c_state = CIRC_ST_OPEN;
		c->c_built_at = mainloop_now();
		ml_timer_stop(&c->c_build_timer);
		log_info(LD_CIRC, "circ=%u built in %.1f ms", c->c_gid,
		    (c->c_built_at - c->c_created) * 1000.0);
		if (circuit_event_hook != NULL)
			circuit_event_hook(c, "BUILT", NULL);
		if (circuit_origin_hooks.built)
			circuit_origin_hooks.built(c);
		return;
	}
	if (c->c_n_built > 0 && circuit_event_hook != NULL)
		circuit_event_hook(c, "EXTENDED", NULL);
	ri = &c->c_hops[c->c_n_built].h_relay;
	memset(&e, 0, sizeof(e));
	if (addr_family(&ri->ri_addr) == AF_INET) {
		e.e2_has_ipv4 = true;
		memcpy(e.e2_ipv4, &ri->ri_addr.a_u.sin.sin_addr, 4);
		e.e2_ipv4_port = addr_port(&ri->ri_addr);
	} else if (addr_family(&ri->ri_addr) == AF_INET6) {
		e.e2_has_ipv6 = true;
		memcpy(e.e2_ipv6, ri->ri_addr.a_u.sin6.sin6_addr.s6_addr, 16);
		e.e2_ipv6_port = addr_port(&ri->ri_addr);
	}
	e.e2_has_ed25519 = true;
	memcpy(e.e2_ed25519, ri->ri_id, ED25519_ID_LEN);
	if (circuit_hop_onionskin(c, c->c_n_built, skin) < 0) {
		circuit_build_fail(c, DESTROY_REASON_INTERNAL, "cannot start handshake");
		return;
	}
	e.e2_create.c2_htype = CREATE2_HTYPE_NTOR;
	e.e2_create.c2_hlen = sizeof(skin);
	e.e2_create.c2_hdata = skin;
	n = relay_extend2_encode(body, sizeof(body), &e);
	if (n < 0 || circuit_send_relay(c, c->c_n_built - 1, RELAY_EXTEND2, 0, body, (size_t)n) < 0)
		circuit_build_fail(c, DESTROY_REASON_INTERNAL, "cannot send EXTEND2");
}

void
circuit_build_created(struct circuit *c, const uint8_t *body, size_t len)
{
	if (!c->c_origin || c->c_state != CIRC_ST_BUILDING || c->c_n_built != 0) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "unexpected CREATED2");
		return;
	}
	if (circuit_hop_finish(c, 0, body, len) < 0) {
		circuit_build_fail(c, DESTROY_REASON_PROTOCOL, "bad CREATED2 from the first hop");
		return;
	}
	c->c_n_built = 1;
	circuit_build_next(c);
}

void
circuit_build_extended(struct circuit *c, const uint8_t *body, size_t len)
{
	if (c->c_state != CIRC_ST_BUILDING || c->c_n_built >= c->c_n_hops) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "unexpected EXTENDED2");
		return;
	}
	if (circuit_hop_finish(c, c->c_n_built, body, len) < 0) {
		circuit_build_fail(c, DESTROY_REASON_PROTOCOL, "bad EXTENDED2");
		return;
	}
	c->c_n_built++;
	circuit_build_next(c);
}

/* ---- relay side ---------------------------------------------------------- */

void
circuit_extend(struct circuit *c, const uint8_t *body, size_t len)
{
	struct relay_extend2 e;
	struct relay_info ri;
	const uint8_t zero[ED25519_ID_LEN] = { 0 };
	struct link *l;

	if (c->c_n_link != NULL || c->c_origin) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "second EXTEND2");
		return;
	}
	if (relay_extend2_parse(body, len, &e) != PARSE_OK || !e.e2_has_ed25519 ||
	    crypto_eq(e.e2_ed25519, zero, ED25519_ID_LEN) ||
	    e.e2_create.c2_htype != CREATE2_HTYPE_NTOR ||
	    e.e2_create.c2_hlen > CELL_PAYLOAD_LEN - 4 ||
	    (!e.e2_has_ipv4 && !e.e2_has_ipv6)) {
		log_rl(&build_rl, LL_INFO, LD_CIRC, "circ=%u malformed EXTEND2: closing", c->c_gid);
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "bad EXTEND2");
		return;
	}
	if (or_options.oo_keys != NULL &&
	    crypto_eq(e.e2_ed25519, ed25519_public(or_options.oo_keys->nk_identity), ED25519_ID_LEN)) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "extend to ourselves");
		return;
	}
	memset(&ri, 0, sizeof(ri));
	memcpy(ri.ri_id, e.e2_ed25519, ED25519_ID_LEN);
	if (e.e2_has_ipv4) {
		ri.ri_addr.a_u.sin.sin_family = AF_INET;
		memcpy(&ri.ri_addr.a_u.sin.sin_addr, e.e2_ipv4, 4);
		ri.ri_addr.a_len = sizeof(struct sockaddr_in);
		addr_set_port(&ri.ri_addr, e.e2_ipv4_port);
	} else {
		ri.ri_addr.a_u.sin6.sin6_family = AF_INET6;
		memcpy(ri.ri_addr.a_u.sin6.sin6_addr.s6_addr, e.e2_ipv6, 16);
		ri.ri_addr.a_len = sizeof(struct sockaddr_in6);
		addr_set_port(&ri.ri_addr, e.e2_ipv6_port);
	}
	c->c_extend_to = ri;
	c->c_extend_pending = true;
	c->c_pending_create = xmalloc(CELL_LEN);
	cell_pack_header(c->c_pending_create, 0, CELL_CREATE2);
	cell_create2_encode(c->c_pending_create + CELL_HEADER_LEN, CELL_PAYLOAD_LEN,
	    e.e2_create.c2_htype, e.e2_create.c2_hdata, e.e2_create.c2_hlen);
	l = link_get_or_connect(ri.ri_id, "", &ri.ri_addr);
	if (l == NULL || l == c->c_p_link) {
		circuit_mark_for_close(c, DESTROY_REASON_CONNECTFAILED, "cannot connect to next hop");
		return;
	}
	c->c_n_link = l;
	if (l->l_state == LINK_ST_OPEN)
		circuit_link_open(c, l);
	else
		TAILQ_INSERT_TAIL(&l->l_pending, c, c_pending_entry);
}

void
circuit_extend_created(struct circuit *c, const uint8_t *body, size_t len)
{
	struct cell_created2 cd;

	if (cell_created2_parse(body, len, &cd) != PARSE_OK || !c->c_extend_pending) {
		circuit_mark_for_close(c, DESTROY_REASON_PROTOCOL, "bad CREATED2 from next hop");
		return;
	}
	c->c_extend_pending = false;
	/* EXTENDED2 carries the CREATED2 body unchanged. */
	circuit_send_relay(c, 0, RELAY_EXTENDED2, 0, body, (size_t)(2 + cd.cd_hlen));
}
