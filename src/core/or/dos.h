/*
 * dos.h: per-address limits a relay applies to what clients ask of it.
 *
 * Circuit creation: one token bucket per client address (IPv4 address,
 * IPv6 /64), refilled at create_rate tokens a second up to create_burst.
 * A CREATE2 takes a token; with none left it is refused (DESTROY
 * RESOURCELIMIT) before any public-key work is done, so a flood from one
 * address costs the relay a table lookup per cell.  Links whose peer
 * proved a relay identity are not limited here: their CREATE2 cells
 * extend other clients' circuits (see relay.c).
 *
 * The table is keyed with SipHash under a random key, so a peer cannot
 * pick addresses that collide; entries whose bucket has refilled are
 * swept as the table grows, so it holds only recently active addresses.
 */
#ifndef TORD_CORE_OR_DOS_H
#define TORD_CORE_OR_DOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* Rate in CREATE2 cells per second (0: no limit) and burst (>= 1). */
void	dos_create_configure(uint32_t rate, uint32_t burst);
/* May a CREATE2 from a proceed at time now?  Takes a token if so. */
bool	dos_create_allow(const struct addr *a, double now);
/* CREATE2 cells refused so far, and addresses currently tracked. */
uint64_t dos_create_refused(void);
size_t	dos_create_tracked(void);
/* Forget every address (tests, shutdown). */
void	dos_shutdown(void);

#endif
