/*
 * relay.h: the relay role: the OR listener that accepts links from
 * clients and other relays, and the settings the onion-routing core
 * needs to answer CREATE2 and EXTEND2.  Exits run this plus feature/exit.
 */
#ifndef TORD_FEATURE_RELAY_RELAY_H
#define TORD_FEATURE_RELAY_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/crypto/keys.h"
#include "lib/addr.h"

struct relay_config {
	struct addr	rc_or_listen;		/* where to accept links */
	uint32_t	rc_max_circuits_per_link;
	uint32_t	rc_create_rate;		/* CREATE2/s per client address, 0: no limit */
	uint32_t	rc_create_burst;
	uint64_t	rc_max_queue_memory;	/* bytes of queued cells, all circuits */
	uint64_t	rc_read_rate;		/* bandwidth_rate: bytes/s read, 0: no limit */
	uint64_t	rc_read_burst;		/* bandwidth_burst, 0: twice the rate */
	bool		rc_test_flip_bit;	/* test builds only: corrupt passing cells */
};

/* Start accepting links with identity keys; 0 or -1 (logged). */
int	relay_start(const struct relay_config *cfg, struct node_keys *keys);
/* Apply settings that may change at runtime (SIGHUP). */
void	relay_reconfigure(const struct relay_config *cfg);
/* bandwidth_rate in force (bytes/s read from links and exits), 0: none. */
uint64_t	relay_read_rate(void);
/* The bound OR address (port chosen if 0 was configured). */
const struct addr *relay_or_addr(void);
void	relay_stop(void);

#endif
