/*
 * dirauth.h: the directory authority role.
 *
 * Relays register over HTTP (feature/dir/dirserv.h): GET /tord/challenge
 * hands out a single-use nonce, POST /tord/descriptor takes a descriptor
 * signed with the relay's identity key and carrying that nonce.  Each
 * accepted relay is tested for reachability (TLS to its OR port, its
 * identity proven by the certificate) on upload and once per voting
 * period.  The authorities listed in [authorities] vote on a fixed
 * schedule aligned to the voting interval (dirauth_store.h, "schedule"),
 * fetch each other's votes, compute the same consensus with
 * consensus_compute(), sign it, collect each other's signatures, and
 * publish it only with signatures of more than half of them.  Otherwise
 * the previous consensus stays in service and the log says why.
 *
 * Between authorities, GET /tord/vote/<valid-after> serves our signed vote
 * (netstatus.h format) and GET /tord/signature/<valid-after> our detached
 * signature on the consensus we computed for that period:
 *	valid-after <YYYY-MM-DD HH:MM:SS>
 *	consensus-digest <64 hex: the digest the signatures sign>
 *	directory-signature <our fingerprint> <base64 signature>
 * The digest lets a peer that computed another document (it saw other
 * votes) say so instead of reporting a bad signature.  Both are served
 * for the current and the previous period only; 404 otherwise.
 *
 * What a relay must do to stay listed: answer the test on its OR port
 * (a relay that stops answering drops out of the next vote) and upload a
 * descriptor at least once per descriptor_max_age (one older than that is
 * dropped).
 *
 * State kept in <data_directory>/dirauth/: "consensus" (the last one
 * published, served at once after a restart if its signatures still
 * verify) and "descriptors/<FINGERPRINT>" (every accepted descriptor,
 * reloaded at start).
 */
#ifndef TORD_FEATURE_DIR_DIRAUTH_H
#define TORD_FEATURE_DIR_DIRAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature/dir/consensus.h"
#include "feature/dir/descriptor.h"
#include "feature/dir/dirserv.h"
#include "lib/addr.h"
#include "lib/pk.h"

struct dirauth_peer {
	char		ap_nickname[NICKNAME_MAX_LEN + 1];
	struct addr	ap_addr;		/* its directory port */
	uint8_t		ap_id[ED25519_PUB_LEN];
};

struct dirauth_options {
	struct addr		 do_listen;
	const char		*do_datadir;	/* NULL: keep nothing on disk */
	int64_t			 do_interval;	/* voting interval, seconds (>= 2) */
	int64_t			 do_validity;	/* consensus lifetime, seconds */
	struct flag_thresholds	 do_thresholds;
	const uint8_t		(*do_allow)[ED25519_PUB_LEN];	/* none: any relay */
	size_t			 do_n_allow;
	/* Every trusted authority; the one with our identity is us. */
	const struct dirauth_peer *do_auth;
	size_t			 do_n_auth;
	double			 do_reach_timeout;	/* seconds */
	int64_t			 do_desc_max_age;	/* seconds */
	int64_t			 do_max_skew;		/* seconds */
	size_t			 do_max_conns;
	double			 do_conn_timeout;	/* seconds */
};

/*
 * Load the saved state, listen, and start the schedule; identity signs
 * votes and the consensus and must stay valid until dirauth_stop().
 * 0, or -1 after logging why.
 */
int	dirauth_start(const struct dirauth_options *o, const ed25519_key_t *identity);
/*
 * Apply new options (not the listen address or data directory):
 * thresholds, allow-list (relays it no longer admits are dropped),
 * timing (a changed interval or authority list restarts the schedule at
 * the next usable period), limits.  0 or -1.
 */
int	dirauth_reconfigure(const struct dirauth_options *o);
void	dirauth_stop(void);

/* Relays in the consensus being served; 0 if none. */
size_t	dirauth_relays_listed(void);
/* The consensus being served, or NULL. */
const struct netstatus	*dirauth_consensus(void);
/* Valid-after of the consensus being served (unix time); 0 if none. */
int64_t	dirauth_last_consensus_time(void);

/* The HTTP request handler (dirserv_handler_fn), for tests and fuzzing. */
void	dirauth_handle_request(const struct dirserv_request *rq, struct dirserv_response *rs,
	    void *arg);
/*
 * Set up the state the handler needs with no socket, timer or disk
 * (fuzzing and unit tests); undo with dirauth_stop().
 */
int	dirauth_init_offline(const struct dirauth_options *o, const ed25519_key_t *identity);

#endif
