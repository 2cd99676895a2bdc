/*
 * client_policy.h: the client's pure decisions, kept apart from the
 * sessions that act on them so they can be tested alone: stream
 * isolation keys, whether a circuit may take a new stream, the built-in
 * path picker over the static relay list, and the mapping of END
 * reasons to SOCKS and HTTP replies.  No sockets, no timers, no globals
 * beyond a per-process hashing key.
 */
#ifndef TORD_FEATURE_CLIENT_CLIENT_POLICY_H
#define TORD_FEATURE_CLIENT_CLIENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/or/or.h"
#include "core/proto/docfmt.h"
#include "feature/client/client.h"
#include "lib/addr.h"

/* ---- Isolation keys. */

/* What a stream's isolation key is made of. */
struct client_iso {
	unsigned		 ci_listener;	/* listener index: always isolated */
	uint32_t		 ci_flags;	/* CLIENT_ISO_* of the listener */
	enum client_ap_proto	 ci_proto;
	const struct addr	*ci_peer;	/* application's address, or NULL */
	const void		*ci_auth;	/* credentials blob, or NULL */
	size_t			 ci_authlen;	/* 0: no (or empty) credentials */
	const char		*ci_host;	/* destination host */
	uint16_t		 ci_port;
};

/*
 * Build the isolation key of a stream: a short printable string, equal
 * for two streams exactly when every field selected by ci_flags is
 * equal.  Credentials and destinations enter it only as a keyed hash
 * (a per-process random key), so the key can be shown on the control
 * port without revealing them.  Returns a malloc'd string.
 */
char	*client_isolation_key(const struct client_iso *in);

/*
 * Encode SOCKS5 username and password (or a SOCKS4 userid with pass
 * NULL, or HTTP credentials) into out as one unambiguous blob.  Returns
 * the blob length; 0 when both are empty, which means "no credentials"
 * (Tor treats no-auth and empty user/pass alike).  out must hold
 * 4 + ulen + plen bytes.
 */
size_t	client_auth_blob(uint8_t *out, const void *user, size_t ulen,
	    const void *pass, size_t plen);

/* ---- Circuit usability. */

/* The facts about a circuit that decide whether a stream may use it. */
struct client_circ_view {
	bool				 cv_open;	/* built, not closing */
	bool				 cv_building;
	bool				 cv_general;	/* purpose: exit streams */
	bool				 cv_retired;	/* no new streams (timed out) */
	double				 cv_dirty_since; /* first stream, 0 = clean */
	const char			*cv_isolation;	/* key of its first stream */
	const char			*cv_reserved;	/* claimed while building */
	uint64_t			 cv_epoch;	/* nym epoch at launch */
	const struct policy_summary	*cv_exit_policy; /* NULL: unknown */
};

/*
 * May a new stream to port (0: RESOLVE, any exit) with isolation key
 * `key` use this circuit at time now, in nym epoch `epoch`?  An open
 * circuit qualifies if it is general, not retired, of the current
 * epoch, not dirty for longer than max_dirtiness, its isolation key is
 * unset or equal, and its exit accepts the port (an unknown policy
 * counts as accepting).  With building_ok, a circuit still being built
 * qualifies on the same terms, its reservation standing in for the key.
 */
bool	client_circ_usable(const struct client_circ_view *v, uint16_t port,
	    const char *key, uint64_t epoch, double now, double max_dirtiness,
	    bool building_ok);

/* Whether a summary (NULL: unknown) accepts port (0: any port at all). */
bool	client_policy_allows(const struct policy_summary *ps, uint16_t port);

/* ---- Static path picker. */

/*
 * Pick guard, middle and exit (out[0..2]) from the static list for
 * port: the exit is Exit-flagged and its policy accepts port; the guard
 * is Guard-flagged when such a relay remains; all three are distinct
 * identities and, with distinct_subnets, in distinct IPv4 /16s.
 * Uniformly random.  Returns 3, or -1 if no such path exists.
 */
int	client_pick_static(const struct client_relay *relays, size_t n, uint16_t port,
	    bool distinct_subnets, struct relay_info out[3]);
/*
 * The same with a pinned guard: when guard_id names a relay of the list,
 * it is always the first hop (the exit and middle are chosen to fit it);
 * otherwise as client_pick_static.
 */
int	client_pick_static_guarded(const struct client_relay *relays, size_t n, uint16_t port,
	    bool distinct_subnets, const uint8_t *guard_id, struct relay_info out[3]);
/* The static relay with this identity, or NULL. */
const struct client_relay *client_relay_find(const struct client_relay *relays, size_t n,
	    const uint8_t id[IDENTITY_LEN]);

/* ---- Primary guards. */

#define CLIENT_PRIMARY_GUARDS	3

/*
 * The client's guards in the order they were chosen, each with the time
 * before which it counts as unreachable (0: never failed).  Tor's
 * primary-guard rule in small: the first hop is the first listed guard
 * not marked unreachable, so a guard that dies is replaced at once, the
 * client returns to it once it answers again, and however often its
 * links fail it never draws from more than CLIENT_PRIMARY_GUARDS relays
 * (failures an attacker can cause must not walk it through the network).
 */
struct client_guards {
	uint8_t	cg_id[CLIENT_PRIMARY_GUARDS][IDENTITY_LEN];
	double	cg_retry_at[CLIENT_PRIMARY_GUARDS];
	size_t	cg_n;
};

/*
 * The guard to pin at time now, after dropping guards no longer in the
 * relay list: the first one that is up; when none is, NULL while there
 * is room for another (the caller picks one, avoiding listed guards,
 * and adds it), else the one whose retry time comes first.
 */
const uint8_t *client_guards_current(struct client_guards *g, const struct client_relay *relays,
	    size_t n, double now);
/* Whether id is one of the listed guards. */
bool	client_guards_listed(const struct client_guards *g, const uint8_t id[IDENTITY_LEN]);
/* Append id (ignored when listed already or the list is full). */
void	client_guards_add(struct client_guards *g, const uint8_t id[IDENTITY_LEN]);
/* A circuit could not get past id as its first hop: unreachable until now + retry. */
void	client_guards_failed(struct client_guards *g, const uint8_t id[IDENTITY_LEN],
	    double now, double retry);

/* ---- Relays that did not answer. */

#define CLIENT_AVOID_MAX	16

/*
 * Relays a circuit could not be extended to (build timed out or
 * destroyed while extending to them), left out of new paths until
 * their time is up: a relay that is frozen or gone stays in a static
 * list (and in the consensus until the next one), and each circuit
 * through it costs a whole build timeout.  Bounded: a new entry replaces
 * the one that expires first.
 */
struct client_avoid {
	uint8_t	ca_id[CLIENT_AVOID_MAX][IDENTITY_LEN];
	double	ca_until[CLIENT_AVOID_MAX];
};

void	client_avoid_add(struct client_avoid *a, const uint8_t id[IDENTITY_LEN], double until);
bool	client_avoid_has(const struct client_avoid *a, const uint8_t id[IDENTITY_LEN], double now);

/* ---- Retries. */

/*
 * Is a stream reason received before CONNECTED worth another circuit
 * (protocol-notes §7.3: EXITPOLICY, RESOLVEFAILED, TIMEOUT, MISC,
 * NOROUTE, HIBERNATING, RESOURCELIMIT, DESTROY)?  CONNECTREFUSED and
 * the rest are final.
 */
bool	client_reason_retryable(int reason);

#endif
