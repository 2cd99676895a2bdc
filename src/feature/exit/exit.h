/*
 * exit.h: the exit edge: RELAY_BEGIN and RELAY_RESOLVE at the last hop.
 *
 * exit_init() installs itself as circuit_edge_hooks.begin (chaining any
 * hook installed before it, which then receives BEGIN_DIR), starts the
 * resolver and keeps its own copy of the policy.  For each BEGIN it
 * refuses one-hop use, checks the policy (for a hostname "might accept"
 * first, then the resolved address), resolves asynchronously, connects
 * with a timeout, and answers CONNECTED or END with a reason.  RESOLVE
 * is answered with RESOLVED (forward, or reverse for *.in-addr.arpa and
 * *.ip6.arpa names).
 *
 * Privacy: targets appear in logs only at debug level, through
 * log_scrub().
 *
 * Callers: app (init at start, set_policy on reload, shutdown), control
 * port (exit_get_stats, exit_current_policy).
 */
#ifndef TORD_FEATURE_EXIT_EXIT_H
#define TORD_FEATURE_EXIT_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature/exit/exit_policy.h"
#include "lib/addr.h"

/* Filled by app/config from the [exit] section. */
struct exit_config {
	const struct exit_policy *ec_policy;	/* copied; NULL: reject everything */
	bool			 ec_reject_private;	/* overrides the policy's flag */
	const struct addr	*ec_nameservers;	/* port 0 = 53 */
	size_t			 ec_n_nameservers;	/* 0: /etc/resolv.conf */
	double			 ec_resolve_timeout;	/* seconds, 0: 10 */
	double			 ec_connect_timeout;	/* seconds, 0: 15 */
	/* Source addresses for connections to targets (family 0: any). */
	struct addr		 ec_bind4;
	struct addr		 ec_bind6;
};

/* Counters since exit_init (for GETINFO and torctl). */
struct exit_stats {
	uint64_t	es_begin;		/* BEGIN cells handled */
	uint64_t	es_opened;		/* streams connected (CONNECTED sent) */
	uint64_t	es_refused_policy;	/* END EXITPOLICY sent */
	uint64_t	es_refused_protocol;	/* one-hop use or malformed BEGIN */
	uint64_t	es_resolve_failed;	/* END RESOLVEFAILED sent */
	uint64_t	es_connect_timeout;	/* END TIMEOUT sent */
	uint64_t	es_connect_failed;	/* no socket could be made */
	uint64_t	es_resolve_requests;	/* RESOLVE cells answered */
};

/*
 * Start the exit: copy the policy, start the resolver, install the
 * BEGIN hook.  Returns 0, or -1 if the resolver cannot start (logged).
 * Calling it again restarts with the new configuration.
 */
int	exit_init(const struct exit_config *cfg);
/*
 * Replace the policy (SIGHUP).  Streams already open are left alone;
 * streams still resolving are checked against the new policy.
 */
void	exit_set_policy(const struct exit_policy *p, bool reject_private);
/* End streams still resolving, stop the resolver, remove the hook. */
void	exit_shutdown(void);

/* The policy in force (NULL before exit_init). */
const struct exit_policy	*exit_current_policy(void);
const struct exit_stats		*exit_get_stats(void);

/* The BEGIN / RESOLVE / BEGIN_DIR hook itself (exposed for tests). */
struct circuit;
void	exit_handle_begin(struct circuit *c, uint16_t stream_id, uint8_t cmd,
	    const uint8_t *body, size_t len);

#endif
