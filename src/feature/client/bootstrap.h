/*
 * bootstrap.h: the client's bootstrap progress, in phases (Tor's
 * BOOTSTRAP status): logged at notice as "bootstrapped N%: summary" and
 * reported to the control port.  Progress only moves forward: a phase
 * at or below the current one is ignored, so refetching a consensus
 * later does not log "5%" again.
 *
 * Phases used: 0 starting, 5 connecting to a directory authority,
 * 10 loading the consensus, 40 consensus verified, 80 building the
 * first circuit, 100 a circuit is established.
 */
#ifndef TORD_FEATURE_CLIENT_BOOTSTRAP_H
#define TORD_FEATURE_CLIENT_BOOTSTRAP_H

#include "lib/util.h"

#define BOOTSTRAP_STARTING	0
#define BOOTSTRAP_CONN_DIR	5
#define BOOTSTRAP_LOADING	10
#define BOOTSTRAP_DIRINFO	40
#define BOOTSTRAP_CIRCUIT	80
#define BOOTSTRAP_DONE		100

/* Back to 0 (client start); reports "starting". */
void	client_bootstrap_reset(void);
/* Report phase pct (tag: one word for the control port) if it is new. */
void	client_bootstrap(int pct, const char *tag, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Current progress, 0..100. */
int	client_bootstrap_progress(void);

#endif
