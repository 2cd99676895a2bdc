/*
 * path.h: three-hop path selection over the nodelist, and the guard
 * state file.
 *
 * Order (Tor's): the exit first, then the guard, then the middle.
 *  - exit: Running, Valid, Exit, and its policy summary accepts the
 *    target port (any port at all for a pre-built circuit, port 0);
 *  - guard: the persistent guard if it is listed with Running, Valid
 *    and Guard (exits that conflict with it are then skipped, so the
 *    guard stays put); otherwise one chosen among Guard relays, and
 *    p_guard_replaced tells the caller to persist it;
 *  - middle: Running and Valid;
 *  - neither middle nor exit is one of po_exclude (relays that did not
 *    answer lately; the guard is never excluded: guard rule);
 *  - all three distinct, no two declaring each other family, and (when
 *    po_enforce_subnets) no two in one IPv4 /16 or IPv6 /32.
 * Weights are simple: each candidate is chosen with probability
 * proportional to its consensus bandwidth weight, with 0 counted as 1,
 * the same for every position (no Wgg/Wee position weights yet).
 *
 * Randomness comes through po_rng, so tests are deterministic and
 * production passes path_rng_crypto.
 */
#ifndef TORD_FEATURE_CLIENT_PATH_H
#define TORD_FEATURE_CLIENT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/docfmt.h"
#include "feature/client/nodelist.h"

/* Return a uniform integer in [0, n), n > 0. */
typedef uint64_t (*path_rng_fn)(void *arg, uint64_t n);
/* crypto_rand_uniform(n); arg unused. */
uint64_t	path_rng_crypto(void *arg, uint64_t n);

struct path_opts {
	uint16_t	 po_port;		/* target port; 0 = any */
	bool		 po_enforce_subnets;	/* off for single-subnet test nets */
	const uint8_t	*po_guard;		/* persistent guard id, or NULL */
	path_rng_fn	 po_rng;
	void		*po_rng_arg;
	const uint8_t	(*po_exclude)[ED25519_PUB_LEN];	/* not middle or exit */
	size_t		 po_n_exclude;
};

struct path {
	const struct node	*p_guard;
	const struct node	*p_middle;
	const struct node	*p_exit;
	bool			 p_guard_replaced;	/* persist p_guard */
};

/*
 * Choose a path.  0 with *out filled (pointers into nl), or -1 with the
 * reason ("no exit relay accepts port 25", "no usable guard", ...).
 */
int	path_choose(const nodelist_t *nl, const struct path_opts *o, struct path *out,
	    struct docfmt_reason *why);

/*
 * Guard state file (text, docfmt grammar; empty when there is no guard):
 *	guard <fingerprint>
 *	first-chosen <YYYY-MM-DD HH:MM:SS>
 *	last-failure <YYYY-MM-DD HH:MM:SS>	optional
 */
struct guard_state {
	bool	gs_has_guard;
	uint8_t	gs_id[ED25519_PUB_LEN];
	int64_t	gs_first_chosen;
	int64_t	gs_last_failure;	/* 0: never */
};

/* Malloc'd text of gs ("" if it holds no guard). */
char	*guard_state_format(const struct guard_state *gs, size_t *len);
/* Parse; 0, or -1 with the reason (the caller then picks a new guard). */
int	guard_state_parse(const char *p, size_t len, struct guard_state *out,
	    struct docfmt_reason *why);

#endif
