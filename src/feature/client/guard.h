/*
 * guard.h: the client's entry guard, kept across restarts.
 *
 * One guard is used as the first hop of every circuit built from the
 * consensus (protocol-notes §7.2: a random first hop per circuit would
 * let an attacker eventually be first hop).  It is written to
 * DATA_DIR/guard-state (path.h's guard_state format) when chosen,
 * reloaded at start, and replaced only when
 *  - the consensus no longer lists it as a Running, Valid Guard, or
 *  - it fails: GUARD_MAX_FAILURES circuits in a row fail at the first
 *    hop (link or CREATE2) over at least GUARD_FAILURE_PERIOD seconds,
 *    so a brief blip (or our own network being down for a moment) does
 *    not move us off a good guard.
 * A guard replaced for failing is avoided when the next one is drawn
 * (dirpath.c redraws a few times).  Every replacement is logged.
 *
 * Until it is replaced, a guard that failed at the first hop is passed
 * over for GUARD_RETRY seconds: circuits start at a backup guard (drawn
 * like a guard, kept in memory only, redrawn if it fails too), so a dead
 * guard costs one failed circuit, not every request until it is replaced.
 */
#ifndef TORD_FEATURE_CLIENT_GUARD_H
#define TORD_FEATURE_CLIENT_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "feature/client/nodelist.h"

#define GUARD_STATE_FILE	"guard-state"
#define GUARD_MAX_FAILURES	3
#define GUARD_FAILURE_PERIOD	30	/* seconds */
#define GUARD_RETRY		60	/* seconds a guard that failed is passed over */

/* ---- Pure rule. */

/* First-hop failures of the current guard since its last success. */
struct guard_health {
	unsigned	gh_failures;
	int64_t		gh_first_failure;	/* wall seconds, 0: none */
};

/* Record one circuit's outcome at the guard (ok: the first hop worked). */
void	guard_health_note(struct guard_health *h, bool ok, int64_t now);
/* Whether the guard has failed enough, for long enough, to be replaced. */
bool	guard_health_should_replace(const struct guard_health *h, int64_t now);

/* ---- The client's guard (state file in the data directory). */

/* Load DATA_DIR/guard-state (a bad file is logged and ignored); 0 or -1. */
int	guard_init(const char *data_dir);
void	guard_shutdown(void);
/* The guard to pin, or NULL when one must be chosen. */
const uint8_t	*guard_current(void);
/* A guard dropped for failing, not to be drawn again right away; or NULL. */
const uint8_t	*guard_avoid(void);
/* n is the new guard (path selection drew it): remember and persist it. */
void	guard_set(const struct node *n);
/*
 * A consensus was installed: drop the guard (with a log line) if it is
 * no longer listed as a Running, Valid Guard.
 */
void	guard_check_nodelist(const nodelist_t *nl);
/*
 * A circuit whose first hop is `first` built (built) or failed with
 * hops_built hops done; only outcomes at our guard count.
 */
void	guard_note_circuit(const uint8_t first[32], bool built, int hops_built);

#endif
