/*
 * node_bootstrap.h: a node's bootstrap progress, in phases (Tor's
 * BOOTSTRAP status), whatever its role: logged at notice as
 * "bootstrapped N%: summary" and reported to the control port
 * (status/bootstrap-phase, STATUS_CLIENT events).  Progress only moves
 * forward: a phase at or below the current one is ignored, so a client
 * refetching a consensus later does not log "5%" again.
 *
 * Who reports what: a client its directory and circuit phases
 * (feature/client/bootstrap.h); a relay the publication of its
 * descriptor (feature/relay/publish.c); an authority the consensus it
 * serves (feature/dir/dirauth.c).
 */
#ifndef TORD_FEATURE_CONTROL_NODE_BOOTSTRAP_H
#define TORD_FEATURE_CONTROL_NODE_BOOTSTRAP_H

#include "lib/util.h"

/* Back to nothing reported; then reports 0% "starting" (a client's start). */
void	node_bootstrap_reset(void);
/*
 * Report phase pct (tag: one word for the control port; fmt: the
 * summary, lower case first, as logged) if it is beyond the current one.
 */
void	node_bootstrap(int pct, const char *tag, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
