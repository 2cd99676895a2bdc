/*
 * dirpath.h: circuits from the consensus.  Installs the circuit pool's
 * client_pick_path and client_exit_policy (circuit_pool.h) backed by
 * path_choose() over the nodelist dirfetch.c installed, with the
 * persistent guard (guard.h), and tells the guard how circuits end.
 * New circuits need a live consensus: once the one held expires, no
 * path is drawn until a live one is installed.
 */
#ifndef TORD_FEATURE_CLIENT_DIRPATH_H
#define TORD_FEATURE_CLIENT_DIRPATH_H

#include <stdbool.h>

#include "feature/client/nodelist.h"

/* Take over the pool's hooks; enforce_subnets: the /16 rule. */
void	dirpath_start(bool enforce_subnets);
/* The /16 rule for paths drawn from now on (SIGHUP). */
void	dirpath_set_enforce_subnets(bool on);
/* Give the hooks back to the pool's defaults. */
void	dirpath_stop(void);
/* Draw paths from nl from now on (NULL: none); kept by pointer. */
void	dirpath_set_nodelist(const nodelist_t *nl);

#endif
