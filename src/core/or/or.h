/*
 * or.h: constants and small types shared by the onion-routing core
 * (links, circuits, streams, relay switch) and the role features.
 */
#ifndef TORD_CORE_OR_OR_H
#define TORD_CORE_OR_OR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/crypto/keys.h"
#include "lib/addr.h"

/* Flow control (tor-spec §7.3-7.4): windows in DATA cells. */
#define CIRCWINDOW_START	1000
#define CIRCWINDOW_INCREMENT	100
#define STREAMWINDOW_START	500
#define STREAMWINDOW_INCREMENT	50

/* At most this many RELAY_EARLY cells per circuit (tor-spec §5.6). */
#define MAX_RELAY_EARLY		8
/*
 * Cells queued on one circuit in one direction before it is closed.
 * DATA cells are bounded by the circuit window (1,000), but stream
 * openings and replies are not: 10,000 streams opened at once on one
 * circuit queue ~10,000 BEGINs at the client and ~50,000 cells at the
 * exit.  Tor's default (circ_max_cell_queue_size) is the same; the
 * global max_queue_memory limit still bounds the sum.
 */
#define CIRC_MAX_QUEUED_CELLS	50000
/* Hops of a client circuit. */
#define CIRC_MAX_HOPS		3

/* What a client or relay needs to know of a relay to use it. */
struct relay_info {
	char		ri_nickname[32];
	uint8_t		ri_id[IDENTITY_LEN];	/* Ed25519 identity */
	uint8_t		ri_onion_key[32];	/* X25519 ntor key */
	struct addr	ri_addr;		/* OR address and port */
	struct addr	ri_addr6;		/* optional IPv6 OR address (family 0 if none) */
};

/* Process-wide OR settings the core needs (filled by roles at start). */
struct or_options {
	bool		oo_is_relay;		/* accept CREATE2 / EXTEND2 */
	bool		oo_is_exit;		/* accept BEGIN / RESOLVE */
	struct node_keys *oo_keys;		/* NULL for clients */
	uint64_t	oo_max_queue_bytes;	/* global limit on queued cells */
	uint32_t	oo_max_circuits_per_link;
	double		oo_link_idle_timeout;	/* seconds an unused link stays open */
	double		oo_circ_build_timeout;
	bool		oo_test_flip_bit;	/* test hook: corrupt relay cells passing through */
};

extern struct or_options or_options;

#endif
