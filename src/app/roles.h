/*
 * roles.h: what a node does once its configuration is loaded.
 *
 * main.c calls role_start() once the loop exists and before it runs,
 * role_reload() after SIGHUP with a new, validated configuration, and
 * role_stop() when shutting down.  roles.c dispatches on cfg->role
 * through a table with one row per role.
 *
 * Integration point: each row of the table in roles.c names the role's
 * start, reload and stop functions, which translate the configuration
 * into the feature's own options and call it,
 * e.g. { "relay", relay_role_start, relay_role_reload, relay_role_stop }.
 * Weak symbols are deliberately not used: in a static library the linker
 * would keep the weak placeholder and never pull in the real one.
 *
 * Contract for every role function:
 *   start(cfg, keys)   set up listeners, timers and state; keys is NULL for
 *                      a client.  Return 0, or -1 after logging why (main
 *                      then exits 1).  Nothing may block.
 *   reload(old, new)   apply what changed (only options without
 *                      OPT_RESTART can differ); after it returns, old is
 *                      freed, so keep no pointer into it.  Return 0 or -1
 *                      (logged; the node keeps running).
 *   stop()             close listeners and free state; called from the
 *                      loop's shutdown path, after mainloop_run returns.
 */
#ifndef TORD_APP_ROLES_H
#define TORD_APP_ROLES_H

#include "app/config.h"
#include "core/crypto/keys.h"

struct role_ops {
	const char	*name;
	int		(*start)(const struct tord_config *cfg, struct node_keys *keys);
	int		(*reload)(const struct tord_config *old, const struct tord_config *new_);
	void		(*stop)(void);
};

/* The row for role, or NULL if role is out of range. */
const struct role_ops *role_ops_get(int role);

/* Dispatch to cfg->role's row; see the contract above. */
int	role_start(const struct tord_config *cfg, struct node_keys *keys);
int	role_reload(const struct tord_config *old, const struct tord_config *new_);
void	role_stop(void);

#endif
