/*
 * netstatus.h: network-status documents, the one format shared by an
 * authority's vote and the consensus computed from the votes.
 *
 * Format (docfmt grammar, every item in exactly this order; the document
 * is machine-made and must be byte-identical on every authority, so the
 * parser accepts only the canonical spelling and rejects unknown items):
 *
 *	network-status-version 1
 *	vote-status <vote|consensus>
 *	valid-after <YYYY-MM-DD HH:MM:SS>
 *	fresh-until <YYYY-MM-DD HH:MM:SS>
 *	valid-until <YYYY-MM-DD HH:MM:SS>
 *	voting-interval <seconds>
 *	known-flags <flag> ...			sorted: Exit Fast Guard Running Stable Valid
 *	params [<key>=<int> ...]		sorted by key
 *	dir-source <authority fingerprint>	one per voter, sorted (a vote has one)
 *   then per relay, sorted by identity:
 *	r <nickname> <fingerprint> <published date> <time> <IPv4> <ORPort>
 *	a [<IPv6>]:<port>			optional
 *	k <base64 ntor onion key>
 *	s [<flag> ...]				sorted, among known-flags
 *	w <bandwidth weight, kB/s>
 *	p <accept|reject> <portlist>
 *	f <fingerprint> ...			optional, declared family
 *   then:
 *	directory-footer
 *	directory-signature <authority fingerprint> <base64 signature>	sorted, 0..n
 *
 * Every signature is Ed25519, by the authority's identity key, over
 * SHA-256(NETSTATUS_SIG_PREFIX | document up to and including
 * "directory-footer\n" | "directory-signature ").  When the document has
 * signatures this is exactly "up to and including the first
 * directory-signature keyword and its space", the same digest for every
 * authority, so detached signatures can be collected and added one by one.
 */
#ifndef TORD_FEATURE_DIR_NETSTATUS_H
#define TORD_FEATURE_DIR_NETSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/docfmt.h"
#include "feature/dir/descriptor.h"
#include "lib/pk.h"
#include "lib/util.h"

#define NETSTATUS_SIG_PREFIX	"tord network-status signature v1"
#define NS_MAX_AUTH		16	/* voters and signatures */
#define NS_MAX_PARAMS		32
#define NS_PARAM_KEYLEN		32
#define NS_MAX_ENTRIES		65536
#define NS_MAX_DOC		(64u << 20)

/* Flags, in the canonical (alphabetical) order of known-flags. */
enum ns_flag {
	NSF_EXIT	= 1 << 0,
	NSF_FAST	= 1 << 1,
	NSF_GUARD	= 1 << 2,
	NSF_RUNNING	= 1 << 3,
	NSF_STABLE	= 1 << 4,
	NSF_VALID	= 1 << 5,
};
#define NSF_ALL		0x3fu
#define NSF_COUNT	6

enum ns_kind {
	NS_VOTE,
	NS_CONSENSUS,
};

struct ns_entry {
	char			e_nickname[NICKNAME_MAX_LEN + 1];
	uint8_t			e_id[ED25519_PUB_LEN];
	int64_t			e_published;	/* of the descriptor */
	uint32_t		e_ipv4;		/* host order */
	uint16_t		e_or_port;
	bool			e_has_ipv6;
	uint8_t			e_ipv6[16];
	uint16_t		e_ipv6_port;
	uint8_t			e_onion_key[X25519_LEN];
	uint32_t		e_flags;	/* enum ns_flag bits */
	uint32_t		e_bandwidth;	/* weight, kB/s */
	struct policy_summary	e_policy;
	uint8_t			e_family[DIR_MAX_FAMILY][ED25519_PUB_LEN];
	uint8_t			e_n_family;
};

struct ns_param {
	char	p_key[NS_PARAM_KEYLEN];
	int32_t	p_value;
};

struct ns_sig {
	uint8_t	s_id[ED25519_PUB_LEN];
	uint8_t	s_sig[ED25519_SIG_LEN];
};

struct netstatus {
	enum ns_kind	 ns_kind;
	int64_t		 ns_valid_after;
	int64_t		 ns_fresh_until;
	int64_t		 ns_valid_until;
	uint32_t	 ns_voting_interval;
	uint32_t	 ns_known_flags;
	struct ns_param	 ns_params[NS_MAX_PARAMS];
	size_t		 ns_n_params;
	uint8_t		 ns_voters[NS_MAX_AUTH][ED25519_PUB_LEN];
	size_t		 ns_n_voters;
	struct ns_entry	*ns_entries;
	size_t		 ns_n_entries;
	size_t		 ns_cap_entries;
	struct ns_sig	 ns_sigs[NS_MAX_AUTH];	/* sorted by s_id */
	size_t		 ns_n_sigs;
	/* Set by netstatus_finish() or netstatus_parse(): */
	char		*ns_body;		/* through "directory-footer\n" */
	size_t		 ns_body_len;
	uint8_t		 ns_digest[32];		/* what signatures sign */
};

/* Canonical name of one flag bit ("Exit"), or NULL. */
const char	*ns_flag_name(uint32_t flag);

/* An empty document of the given kind; never NULL. */
struct netstatus *netstatus_new(enum ns_kind kind);
void	netstatus_free_(struct netstatus *ns);
#define netstatus_free(p) FREE_AND_NULL(struct netstatus, netstatus_free_, (p))

/* Append a copy of e (any order: netstatus_finish sorts). */
void	netstatus_add_entry(struct netstatus *ns, const struct ns_entry *e);
/* Fill e from a verified descriptor, with the flags and weight given. */
void	ns_entry_from_descriptor(struct ns_entry *e, const struct relay_descriptor *d,
	    uint32_t flags, uint32_t bandwidth);
/* The entry for id (binary search; requires a finished/parsed doc), or NULL. */
const struct ns_entry *netstatus_find(const struct netstatus *ns, const uint8_t id[32]);

/*
 * Validate, sort entries, voters and params, format the signed body and
 * compute the digest; drops any signatures.  Use after filling the
 * struct (authority side).  0, or -1 with the reason (bad times,
 * duplicate relay, bad nickname, ...).
 */
int	netstatus_finish(struct netstatus *ns, struct docfmt_reason *why);
/* Sign the digest with key and add the signature.  0 or -1. */
int	netstatus_sign(struct netstatus *ns, const ed25519_key_t *key);
/*
 * Add a detached signature by authority id, checking it against the
 * digest first.  Signatures stay sorted by id; a second signature by the
 * same id is ignored.  0, or -1 with the reason (bad signature, full).
 */
int	netstatus_add_signature(struct netstatus *ns, const uint8_t id[32],
	    const uint8_t sig[ED25519_SIG_LEN], struct docfmt_reason *why);
/* Whole document: body and signature lines; malloc'd, NUL-terminated. */
char	*netstatus_format(const struct netstatus *ns, size_t *len);

/*
 * Parse a document of the expected kind.  Pure and bounded (NS_MAX_DOC
 * bytes, NS_MAX_ENTRIES relays).  Signatures are decoded, not checked:
 * see vote_verify() and consensus_verify().  PARSE_OK with *out set (free
 * with netstatus_free), or PARSE_ERROR with the reason.
 */
int	netstatus_parse(const char *p, size_t len, enum ns_kind kind,
	    struct netstatus **out, struct docfmt_reason *why);

/* Internal to netstatus*.c: compute ns_digest from ns_body. */
void	netstatus_finish_digest_(struct netstatus *ns);

/*
 * Check a parsed vote: exactly one voter and one signature, made by that
 * voter, valid over the digest.  0, or -1 with the reason.
 */
int	vote_verify(const struct netstatus *vote, struct docfmt_reason *why);

#endif
