/*
 * onionkey.h: the onion key rotation schedule of a relay.
 *
 * The current onion key (core/crypto/keys) is replaced every `rotation`;
 * the one it replaces is still accepted by the ntor server for `grace`,
 * then wiped and its file deleted.  Times are wall-clock seconds because
 * the key's age survives restarts (keys_load takes it from the key
 * file's mtime): a relay that was down past its rotation time rotates at
 * start, and one restarted during the grace period still drops the old
 * key on time.
 *
 * onionkey_plan() is the pure arithmetic; onionkey_start() runs it on a
 * timer and calls back after each rotation so that the new key gets
 * published.
 */
#ifndef TORD_FEATURE_RELAY_ONIONKEY_H
#define TORD_FEATURE_RELAY_ONIONKEY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/crypto/keys.h"

/* The longest the timer sleeps before looking at the wall clock again. */
#define ONIONKEY_MAX_SLEEP	3600

struct onionkey_plan {
	bool	op_rotate;	/* rotate now */
	bool	op_drop_prev;	/* wipe the previous key now */
	int64_t	op_next;	/* seconds until the next decision, >= 1 */
};

/*
 * What to do at wall time now, for a current key created at `created`,
 * with or without a previous key, rotating every rotation_s seconds and
 * keeping the previous one grace_s seconds after the rotation that
 * retired it (that is, after `created`).  A creation time in the future
 * (the clock stepped back) counts as now, so a key is never kept much
 * longer than rotation_s.  After a rotation the caller plans again.
 */
struct onionkey_plan	onionkey_plan(int64_t now, int64_t created, bool has_prev,
			    int64_t rotation_s, int64_t grace_s);

typedef void (*onionkey_rotated_cb)(void);

/*
 * Run the schedule for keys (which stay owned by the caller) stored in
 * datadir; periods in milliseconds as in the config.  Does what is due
 * at once (before returning), so a stale key is never published.
 * cb runs after every successful rotation.
 */
void	onionkey_start(struct node_keys *keys, const char *datadir, uint64_t rotation_ms,
	    uint64_t grace_ms, onionkey_rotated_cb cb);
/* New periods (SIGHUP); the schedule is recomputed at once. */
void	onionkey_reconfigure(uint64_t rotation_ms, uint64_t grace_ms);
void	onionkey_stop(void);

#endif
