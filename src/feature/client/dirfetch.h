/*
 * dirfetch.h: the client's consensus: loaded from the cache in the data
 * directory at start, fetched from the trusted authorities, verified,
 * cached, and handed to path selection (dirpath.h).
 *
 *  - At start, DATA_DIR/cached-consensus is parsed and judged
 *    (dirfetch_policy.h): a live one is used at once; one expired less
 *    than a day ago is kept only as a reference against rollback.
 *  - Fetches (GET /tord/consensus, dirclient.h) go to the authorities in
 *    a random order; an authority that is down, times out, answers
 *    anything but 200 or a consensus that is refused is logged with the
 *    reason and the next one is asked.  A round that gets nothing
 *    usable is retried with backoff (1 s doubling to 60 s).
 *  - An accepted consensus replaces the cache atomically (mode 0600),
 *    becomes the nodelist, and the next fetch is scheduled between its
 *    fresh-until and valid-until (Tor's randomised client rule).
 *  - Bootstrap phases 5, 10 and 40 are reported (bootstrap.h).
 */
#ifndef TORD_FEATURE_CLIENT_DIRFETCH_H
#define TORD_FEATURE_CLIENT_DIRFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature/client/nodelist.h"
#include "feature/dir/netstatus.h"
#include "lib/addr.h"

#define DIRFETCH_CACHE_FILE	"cached-consensus"

/* A trusted directory authority ([authorities] authority = ...). */
struct dirfetch_authority {
	char		da_nickname[NICKNAME_MAX_LEN + 1];
	struct addr	da_addr;		/* its DirPort */
	uint8_t		da_id[ED25519_PUB_LEN];
};

struct dirfetch_config {
	const char			*df_data_dir;
	const struct dirfetch_authority	*df_auths;	/* copied */
	size_t				 df_n_auths;
	bool				 df_enforce_subnets;
	double				 df_timeout;	/* s, one fetch in all */
};

/*
 * Start: load the cache, install the path hooks and begin fetching.
 * Copies what it needs of cfg.  0, or -1 (logged) when the data
 * directory is unusable or no authority is configured.
 */
int	dirfetch_start(const struct dirfetch_config *cfg);
/*
 * SIGHUP: take the fetch timeout and the subnet rule from cfg.  A changed
 * set of trusted authorities replaces the old one: a fetch in flight is
 * cancelled and a new round starts at once; the consensus held stays in
 * use until a newer one, signed by a majority of the new set, replaces
 * it.  0, or -1 (logged, nothing changed) for an unusable set.
 */
int	dirfetch_reconfigure(const struct dirfetch_config *cfg);
/* Cancel fetches and timers, give the path hooks back, free everything. */
void	dirfetch_stop(void);

/*
 * The consensus held (live, or expired but reasonably live and kept for
 * reference), or NULL.  For the control port (GETINFO ns/all).
 */
const struct netstatus *client_dir_consensus(void);
/*
 * The nodelist of the consensus last accepted as live (paths are drawn
 * from it; it may since have expired, and then no new circuit is
 * built), or NULL before the first one.
 */
const nodelist_t *client_dir_nodelist(void);

#endif
