/*
 * dirauth_store.h: the pure parts of a directory authority: the
 * challenge-nonce table, the descriptor store with its acceptance rules,
 * the vote built from what the authority knows, and the voting schedule.
 * No sockets, no clock: every function takes the time it should use, so
 * the unit tests drive it directly (tests/unit/test_dirauth.c).
 */
#ifndef TORD_FEATURE_DIR_DIRAUTH_STORE_H
#define TORD_FEATURE_DIR_DIRAUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature/dir/consensus.h"
#include "feature/dir/descriptor.h"
#include "feature/dir/netstatus.h"

/* ---- challenge nonces --------------------------------------------------- */

#define DA_NONCE_LIFETIME	120	/* seconds a challenge stays usable */
#define DA_NONCE_MAX		1024	/* outstanding challenges */

struct da_nonce {
	uint8_t	n_nonce[DESC_NONCE_LEN];
	int64_t	n_issued;
	bool	n_used;
};

/*
 * Bounded: when full, expired entries go first, then the oldest
 * outstanding one (a flood of challenges can only make a relay ask
 * again, never grow memory).  Used entries are kept until they expire,
 * so a replay is told "already used" rather than "unknown".
 */
struct da_nonces {
	struct da_nonce	t_v[DA_NONCE_MAX];
	size_t		t_n;
	int64_t		t_lifetime;
};

void	da_nonces_init(struct da_nonces *t, int64_t lifetime);
/* Issue a fresh random nonce at time now into out. */
void	da_nonce_issue(struct da_nonces *t, int64_t now, uint8_t out[DESC_NONCE_LEN]);
/*
 * Use nonce once.  0 on success (the entry is then marked used); -1
 * with *why set to "unknown challenge", "challenge already used" or
 * "challenge expired".
 */
int	da_nonce_take(struct da_nonces *t, const uint8_t nonce[DESC_NONCE_LEN], int64_t now,
	    const char **why);
/* Outstanding (unused, unexpired) nonces at time now. */
size_t	da_nonces_outstanding(const struct da_nonces *t, int64_t now);

/* ---- relays and their descriptors -------------------------------------- */

#define DA_MAX_RELAYS		16384

struct da_relay {
	uint8_t			 r_id[ED25519_PUB_LEN];
	struct relay_descriptor	 r_desc;
	char			*r_doc;		/* the signed document, as uploaded */
	size_t			 r_doc_len;
	int64_t			 r_received;	/* when it was accepted */
	/* Reachability, as tested by the authority (TLS + identity). */
	bool			 r_reach_ok;	/* the last finished test passed */
	int64_t			 r_reach_at;	/* when the last test finished; 0: never */
	int64_t			 r_reach_since;	/* first pass of the current run of passes */
	bool			 r_reach_due;	/* a test should start */
	bool			 r_probing;	/* a test is in flight */
};

struct da_store {
	struct da_relay	**s_v;		/* sorted by r_id */
	size_t		  s_n, s_cap;
	/* Membership: when s_n_allow > 0, only these identities. */
	uint8_t		(*s_allow)[ED25519_PUB_LEN];
	size_t		  s_n_allow;
	int64_t		  s_max_skew;	/* published vs. now at upload, seconds */
	int64_t		  s_max_age;	/* a descriptor older than this is dropped */
};

void	da_store_init(struct da_store *s, int64_t max_skew, int64_t max_age);
void	da_store_clear(struct da_store *s);
/* Replace the allow-list (n == 0: any relay). */
void	da_store_set_allow(struct da_store *s, const uint8_t (*ids)[ED25519_PUB_LEN], size_t n);
bool	da_store_allowed(const struct da_store *s, const uint8_t id[ED25519_PUB_LEN]);
struct da_relay *da_store_find(const struct da_store *s, const uint8_t id[ED25519_PUB_LEN]);

/* What an upload came to: an HTTP status and a one-line reason. */
struct da_verdict {
	int	v_status;	/* 200, 400, 403, 409, 503 */
	char	v_msg[192];
};

/*
 * Full upload check of doc[0..len): parse and verify the signature,
 * then the challenge (taken from nonces, so it works once), the
 * published time (within s_max_skew of now), the allow-list (403), and
 * that it is newer than the stored descriptor of that identity (409);
 * finally the store's capacity (503).  On 200 the descriptor is stored
 * (replacing the older one, keeping the reachability record if the
 * address and port did not change) and *out points at its relay; the
 * caller persists it and schedules a reachability test.
 */
void	da_store_upload(struct da_store *s, struct da_nonces *nonces, const char *doc,
	    size_t len, int64_t now, struct da_verdict *v, struct da_relay **out);
/*
 * Add a descriptor read back from disk: verified like an upload but
 * without challenge or skew; refused if too old, not allowed, or not
 * newer.  0 or -1 (reason in *why).
 */
int	da_store_load(struct da_store *s, const char *doc, size_t len, int64_t now,
	    struct docfmt_reason *why);
/*
 * Drop relays whose descriptor was published more than s_max_age ago,
 * or that the allow-list no longer admits.  Returns how many; ids of
 * the dropped are written to dropped[] up to max (may be NULL).
 */
size_t	da_store_prune(struct da_store *s, int64_t now, uint8_t (*dropped)[ED25519_PUB_LEN],
	    size_t max);

/* Record a finished reachability test. */
void	da_relay_reach_result(struct da_relay *r, bool ok, int64_t now);

/* ---- voting -------------------------------------------------------------- */

struct da_vote_params {
	uint8_t			vp_self[ED25519_PUB_LEN];
	int64_t			vp_valid_after;
	int64_t			vp_interval;	/* seconds */
	int64_t			vp_validity;	/* seconds, >= interval */
	/* A test older than this does not count as reachable. */
	int64_t			vp_reach_max_age;
	struct flag_thresholds	vp_thresholds;
};

/* The flag inputs the authority has for r at time now (pure). */
void	da_flag_inputs(const struct da_store *s, const struct da_relay *r, int64_t now,
	    int64_t reach_max_age, struct flag_inputs *in);
/*
 * Build this authority's vote (finished, unsigned): every stored relay
 * that is allowed, fresh, reachable, and gets Running and Valid.
 * NULL with the reason if the document cannot be made.
 */
struct netstatus *da_build_vote(const struct da_store *s, const struct da_vote_params *p,
	    int64_t now, struct docfmt_reason *why);

/* ---- schedule ------------------------------------------------------------ */

/*
 * One voting period, ending at valid-after VA (I = interval, seconds):
 *	VA - 3I/4	reachability tests of every relay start
 *	VA - I/2	vote made, and served to the peers
 *	VA - I/2 + r	peers' votes fetched (retried every r = I/20)
 *	VA - I/4	consensus computed (earlier once every vote is in),
 *			signed; peers' signatures fetched
 *	VA		published if more than half of the authorities signed
 *	VA + I/4	last late signature accepted; the period ends
 * All times are seconds since the epoch, fractional.
 */
struct da_schedule {
	int64_t	sc_va;
	double	sc_reach_at;
	double	sc_vote_at;
	double	sc_compute_at;
	double	sc_publish_at;
	double	sc_end_at;
	double	sc_retry;	/* between fetch attempts of one peer */
};

void	da_schedule_for(int64_t va, int64_t interval, struct da_schedule *sc);
/*
 * The period to take part in, starting at time now: the first boundary
 * VA (a multiple of interval) whose compute time leaves at least I/8 to
 * vote and fetch the peers' votes.  A node that starts late in a period
 * votes at once for it, so authorities started together share their
 * first period.
 */
int64_t	da_first_period(double now, int64_t interval);
/* The period after va, skipping any whose compute time has passed. */
int64_t	da_next_period(int64_t va, double now, int64_t interval);

#endif
