/*
 * bootstrap.h: the client's bootstrap phases, reported with
 * node_bootstrap() (feature/control/node_bootstrap.h), as Tor's:
 * 0 starting, 5 connecting to a directory authority, 10 loading the
 * consensus, 40 consensus verified, 80 building the first circuit,
 * 100 a circuit is established.
 */
#ifndef TORD_FEATURE_CLIENT_BOOTSTRAP_H
#define TORD_FEATURE_CLIENT_BOOTSTRAP_H

#include "feature/control/node_bootstrap.h"

#define BOOTSTRAP_STARTING	0
#define BOOTSTRAP_CONN_DIR	5
#define BOOTSTRAP_LOADING	10
#define BOOTSTRAP_DIRINFO	40
#define BOOTSTRAP_CIRCUIT	80
#define BOOTSTRAP_DONE		100

#endif
