/*
 * descriptor.h: relay descriptors, the document a relay signs with its
 * Ed25519 identity and uploads to the authorities.
 *
 * Format (one item per line, docfmt grammar; "router" first,
 * "router-sig-ed25519" last, the others in any order, each at most once;
 * unknown items are skipped but stay covered by the signature):
 *
 *	router <nickname> <IPv4> <ORPort>
 *	or-address [<IPv6>]:<port>			optional
 *	fingerprint <64 upper-case hex: Ed25519 identity>
 *	published <YYYY-MM-DD HH:MM:SS>
 *	uptime <seconds>
 *	platform <free text>				optional
 *	bandwidth <avg> <burst> <observed>		bytes/s
 *	ntor-onion-key <base64 X25519 key>
 *	family <fingerprint> ...			optional
 *	exit <yes|no>
 *	p <accept|reject> <portlist>
 *	challenge <hex nonce issued by the authority>
 *	router-sig-ed25519 <base64 signature>
 *
 * The signature is Ed25519 over SHA-256(DESCRIPTOR_SIG_PREFIX | the
 * document up to and including the space after "router-sig-ed25519"), by
 * the key named in "fingerprint".  The challenge nonce is inside the
 * signed range, so an authority can refuse stale or replayed uploads.
 */
#ifndef TORD_FEATURE_DIR_DESCRIPTOR_H
#define TORD_FEATURE_DIR_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/docfmt.h"
#include "lib/pk.h"

#define NICKNAME_MAX_LEN	19	/* 1..19 of [A-Za-z0-9] */
#define DIR_MAX_FAMILY		10	/* family members per relay */
#define DESC_NONCE_LEN		32
#define DESC_PLATFORM_MAX	128
#define DESC_MAX_LEN		8192
#define DESCRIPTOR_SIG_PREFIX	"tord router descriptor signature v1"

struct relay_descriptor {
	char			rd_nickname[NICKNAME_MAX_LEN + 1];
	uint32_t		rd_ipv4;		/* host order */
	uint16_t		rd_or_port;
	bool			rd_has_ipv6;
	uint8_t			rd_ipv6[16];
	uint16_t		rd_ipv6_port;
	uint8_t			rd_identity[ED25519_PUB_LEN];
	uint8_t			rd_onion_key[X25519_LEN];
	uint64_t		rd_bw_avg;		/* bytes/s */
	uint64_t		rd_bw_burst;
	uint64_t		rd_bw_observed;
	struct policy_summary	rd_policy;
	uint8_t			rd_family[DIR_MAX_FAMILY][ED25519_PUB_LEN];
	size_t			rd_n_family;
	char			rd_platform[DESC_PLATFORM_MAX];	/* "" if none */
	int64_t			rd_published;		/* unix time */
	uint64_t		rd_uptime;		/* seconds */
	bool			rd_is_exit;
	uint8_t			rd_nonce[DESC_NONCE_LEN];
	uint8_t			rd_sig[ED25519_SIG_LEN];	/* set by parse/build */
};

/* Whether s is a valid nickname. */
bool	descriptor_nickname_ok(const char *s);

/*
 * Format the unsigned body of d, ending with "router-sig-ed25519 ".
 * Returns a malloc'd NUL-terminated string (length in *len), or NULL if
 * a field is out of range (bad nickname or platform, port 0).
 */
char	*descriptor_format_body(const struct relay_descriptor *d, size_t *len);
/* The digest that router-sig-ed25519 signs, over body[0..len). */
void	descriptor_digest(const char *body, size_t len, uint8_t out[32]);
/*
 * Format and sign d with identity, whose public key must equal
 * d->rd_identity.  Returns the malloc'd document (length in *len) or
 * NULL if the key does not match, has no secret, or a field is bad.
 */
char	*descriptor_build(const struct relay_descriptor *d,
	    const ed25519_key_t *identity, size_t *len);
/*
 * Parse and verify a descriptor.  Bounded (DESC_MAX_LEN bytes) and pure.
 * On success fill *out and return PARSE_OK; otherwise return PARSE_ERROR
 * and say why in *why ("duplicate item 'published'", "bad signature",
 * ...).  A signature by any key other than the listed
 * identity is a bad signature.
 */
int	descriptor_parse(const char *p, size_t len, struct relay_descriptor *out,
	    struct docfmt_reason *why);
/*
 * Authority-side freshness check of a parsed descriptor: published
 * within max_skew seconds of now, and nonce equal to the challenge the
 * authority issued (when nonce is not NULL).  0 if acceptable, -1 with
 * the reason in *why otherwise.
 */
int	descriptor_check(const struct relay_descriptor *d, int64_t now,
	    int64_t max_skew, const uint8_t *nonce, struct docfmt_reason *why);

#endif
