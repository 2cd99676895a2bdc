/*
 * publish.h: a relay's descriptor and its registration with the
 * directory authorities.
 *
 * The descriptor (feature/dir/descriptor.h) is assembled from the
 * relay's settings (struct publish_config, filled by app/roles from the
 * INI file), its keys (identity, current onion key) and what it measured
 * (observed bandwidth, uptime), and signed with the identity key.
 *
 * Registration is challenge-response, with every authority on its own
 * (one down never delays the others):
 *	GET  /tord/challenge	-> 200 "nonce <64 hex>\n", one use, short-lived
 *	POST /tord/descriptor	the descriptor with that nonce in "challenge"
 *				-> 200 one line, or 4xx with the reason
 * An upload happens at start, when the descriptor changes (a reload that
 * changes a published setting, an onion key rotation), and every
 * pc_interval seconds, so that a restarted authority learns the relay
 * again within one interval.  A failed attempt is retried after
 * publish_retry_delay(): 1 s doubling per failure, jittered, capped at
 * the interval (and at PUBLISH_RETRY_MAX).  Refusals (4xx) are logged at
 * warn with the authority's nickname, rate-limited per authority.
 */
#ifndef TORD_FEATURE_RELAY_PUBLISH_H
#define TORD_FEATURE_RELAY_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto/keys.h"
#include "core/proto/docfmt.h"
#include "feature/dir/descriptor.h"
#include "lib/addr.h"

#define PUBLISH_MAX_AUTHORITIES	32
#define PUBLISH_RETRY_MIN	1.0	/* seconds, after the first failure */
#define PUBLISH_RETRY_MAX	300.0	/* never wait longer after a failure */
#define PUBLISH_TIMEOUT		15.0	/* one HTTP request, connect to answer */
#define PUBLISH_MAX_ANSWER	1024	/* bytes of an authority's answer body */

struct publish_authority {
	char		pa_nickname[NICKNAME_MAX_LEN + 1];
	struct addr	pa_addr;		/* its HTTP directory port */
	uint8_t		pa_id[IDENTITY_LEN];
};

/* Everything published that comes from the configuration. */
struct publish_config {
	char			pc_nickname[NICKNAME_MAX_LEN + 1];
	struct addr		pc_address;	/* IPv4; port 0: the bound OR port */
	uint64_t		pc_bw_avg;	/* bytes/s */
	uint64_t		pc_bw_burst;
	uint8_t			pc_family[DIR_MAX_FAMILY][IDENTITY_LEN];
	size_t			pc_n_family;
	bool			pc_is_exit;	/* role exit and the policy accepts a port */
	struct policy_summary	pc_policy;	/* "reject 1-65535" for non-exits */
	double			pc_interval;	/* seconds between periodic uploads */
	struct publish_authority pc_auth[PUBLISH_MAX_AUTHORITIES];
	size_t			pc_n_auth;
};

/* What the relay measured, and when: the rest of the descriptor. */
struct publish_state {
	uint16_t	ps_bound_port;	/* the OR listener's port */
	int64_t		ps_now;		/* wall clock, the "published" time */
	uint64_t	ps_uptime;	/* seconds */
	uint64_t	ps_observed;	/* bytes/s */
};

/*
 * Fill d from the settings, the keys, the measurements and the
 * authority's nonce.  Pure.  Returns 0, or -1 with a reason in err if
 * the settings cannot make a descriptor (no IPv4 address, no port).
 */
int	publish_fill(const struct publish_config *pc, const struct node_keys *keys,
	    const struct publish_state *st, const uint8_t nonce[DESC_NONCE_LEN],
	    struct relay_descriptor *d, char *err, size_t errlen);
/*
 * Parse an authority's challenge answer: exactly "nonce <64 hex>\n"
 * (len bytes, no NUL needed).  0 with the nonce, or -1.
 */
int	publish_parse_challenge(const char *body, size_t len,
	    uint8_t nonce[DESC_NONCE_LEN]);
/*
 * Seconds to wait after the n-th consecutive failure (n >= 1):
 * PUBLISH_RETRY_MIN * 2^(n-1), capped at min(interval, PUBLISH_RETRY_MAX),
 * then scaled by jitter in [0.5, 1] so that relays restarted together do
 * not retry in step.  Never less than PUBLISH_RETRY_MIN / 2.
 */
double	publish_retry_delay(unsigned n, double interval, double jitter);
/* Whether two configurations publish the same descriptor fields. */
bool	publish_config_same_descriptor(const struct publish_config *a,
	    const struct publish_config *b);

/*
 * Start publishing with keys (owned by the caller, alive until
 * publish_stop).  The first uploads leave from the main loop, once the
 * role has started.  0, or -1 (logged) if the settings are unusable.
 */
int	publish_start(const struct publish_config *pc, struct node_keys *keys);
/* New settings (SIGHUP): upload at once if the descriptor changed. */
void	publish_reconfigure(const struct publish_config *pc);
/* Something published changed (onion key rotated): upload to every authority. */
void	publish_descriptor_changed(const char *why);
/* Authorities that accepted our newest upload since start (tests, status). */
size_t	publish_n_accepted(void);
/* Authorities it publishes to. */
size_t	publish_n_authorities(void);
/* Cancel requests and timers. */
void	publish_stop(void);

#endif
