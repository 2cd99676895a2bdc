/*
 * relay_msg.h: relay messages, the end-to-end payload of RELAY and
 * RELAY_EARLY cells once the onion layers are removed.
 *
 * Owns the 11-byte relay header (Command[1] Recognized[2] StreamID[2]
 * Digest[4] Length[2], then up to 498 bytes of data and padding), the
 * relay command numbers, the END reasons, padding, and the bodies of
 * BEGIN, CONNECTED, END, RESOLVE, RESOLVED, SENDME, EXTEND2, EXTENDED2
 * and TRUNCATED.  Pure: no I/O, no globals, no randomness of its own.
 *
 * Hot path: the header accessors are inline and work in place on the
 * 509-byte cell payload; relay crypto reads and writes the digest and
 * recognized fields at the offsets below.
 */
#ifndef TORD_CORE_PROTO_RELAY_MSG_H
#define TORD_CORE_PROTO_RELAY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/cell.h"
#include "lib/bytes.h"

#define RELAY_HEADER_LEN	11
#define RELAY_DATA_MAX		(CELL_PAYLOAD_LEN - RELAY_HEADER_LEN)	/* 498 */
#define RELAY_OFF_CMD		0
#define RELAY_OFF_RECOGNIZED	1
#define RELAY_OFF_STREAM_ID	3
#define RELAY_OFF_DIGEST	5
#define RELAY_OFF_LENGTH	9
#define RELAY_PAD_ZERO_LEN	4	/* zero bytes after the data, then random */

enum relay_command {
	RELAY_BEGIN		= 1,
	RELAY_DATA		= 2,
	RELAY_END		= 3,
	RELAY_CONNECTED		= 4,
	RELAY_SENDME		= 5,
	RELAY_EXTEND		= 6,	/* legacy TAP: never sent */
	RELAY_EXTENDED		= 7,
	RELAY_TRUNCATE		= 8,
	RELAY_TRUNCATED		= 9,
	RELAY_DROP		= 10,
	RELAY_RESOLVE		= 11,
	RELAY_RESOLVED		= 12,
	RELAY_BEGIN_DIR		= 13,
	RELAY_EXTEND2		= 14,
	RELAY_EXTENDED2		= 15,
	/* 16-18 UDP, 19-22 conflux, 32-40 onion services, 41-42 padding */
	RELAY_XOFF		= 43,
	RELAY_XON		= 44,
};

/* END reasons as sent on the wire (tor-spec §6.3).  Names: reasons.h */
enum end_reason {
	END_REASON_MISC			= 1,
	END_REASON_RESOLVEFAILED	= 2,
	END_REASON_CONNECTREFUSED	= 3,
	END_REASON_EXITPOLICY		= 4,
	END_REASON_DESTROY		= 5,
	END_REASON_DONE			= 6,
	END_REASON_TIMEOUT		= 7,
	END_REASON_NOROUTE		= 8,
	END_REASON_HIBERNATING		= 9,
	END_REASON_INTERNAL		= 10,
	END_REASON_RESOURCELIMIT	= 11,
	END_REASON_CONNRESET		= 12,
	END_REASON_TORPROTOCOL		= 13,
	END_REASON_NOTDIRECTORY		= 14,
	END_REASON_ENTRYPOLICY		= 15,	/* internal to the client */
};
#define END_REASON_MAX_ 15

/* BEGIN flags (LSB = bit 1). */
#define BEGIN_FLAG_IPV6_OK		0x1u
#define BEGIN_FLAG_IPV4_NOT_OK		0x2u
#define BEGIN_FLAG_IPV6_PREFERRED	0x4u

/* Decoded relay header. */
struct relay_header {
	uint8_t		rh_cmd;
	uint16_t	rh_recognized;
	uint16_t	rh_stream_id;
	uint32_t	rh_digest;
	uint16_t	rh_length;
};

static inline void
relay_header_unpack(const uint8_t *payload, struct relay_header *h)
{
	h->rh_cmd = payload[RELAY_OFF_CMD];
	h->rh_recognized = be16_load(payload + RELAY_OFF_RECOGNIZED);
	h->rh_stream_id = be16_load(payload + RELAY_OFF_STREAM_ID);
	h->rh_digest = be32_load(payload + RELAY_OFF_DIGEST);
	h->rh_length = be16_load(payload + RELAY_OFF_LENGTH);
}

static inline void
relay_header_pack(uint8_t *payload, const struct relay_header *h)
{
	payload[RELAY_OFF_CMD] = h->rh_cmd;
	be16_store(payload + RELAY_OFF_RECOGNIZED, h->rh_recognized);
	be16_store(payload + RELAY_OFF_STREAM_ID, h->rh_stream_id);
	be32_store(payload + RELAY_OFF_DIGEST, h->rh_digest);
	be16_store(payload + RELAY_OFF_LENGTH, h->rh_length);
}

/*
 * Unpack a decrypted, recognized payload: header plus a view of the
 * data.  PARSE_ERROR if Length > 498 (the circuit must close).
 */
static inline enum parse_result
relay_msg_unpack(const uint8_t *payload, struct relay_header *h,
    const uint8_t **data)
{
	relay_header_unpack(payload, h);
	if (h->rh_length > RELAY_DATA_MAX)
		return PARSE_ERROR;
	*data = payload + RELAY_HEADER_LEN;
	return PARSE_OK;
}

/*
 * Fill the padding after len data bytes: RELAY_PAD_ZERO_LEN zero bytes,
 * then bytes from rand_fn (so SENDME v1 digests are unpredictable), or
 * zeros if rand_fn is NULL (tests).  Pass crypto_rand.
 */
typedef void (*relay_rand_fn)(void *out, size_t n);
void	relay_msg_pad(uint8_t payload[CELL_PAYLOAD_LEN], size_t len,
	    relay_rand_fn rand_fn);

/*
 * Build a whole plaintext relay payload: header with recognized 0 and
 * digest 0 (relay crypto fills it), data (may alias payload + 11), and
 * padding.  -1 if len > RELAY_DATA_MAX.
 */
int	relay_msg_pack(uint8_t payload[CELL_PAYLOAD_LEN], uint8_t cmd,
	    uint16_t stream_id, const uint8_t *data, size_t len,
	    relay_rand_fn rand_fn);

/* True for commands that carry a nonzero StreamID. */
bool	relay_command_needs_stream(uint8_t cmd);
/* "BEGIN", "DATA", ... or "UNKNOWN". */
const char	*relay_command_name(uint8_t cmd);

/* ---- BEGIN: host ":" port NUL [FLAGS[4]].  (RESOLVE: hostname NUL.) */

#define RELAY_HOST_MAX	255

enum relay_host_type {
	RELAY_HOST_NAME = 0,
	RELAY_HOST_IPV4,
	RELAY_HOST_IPV6,
};

struct relay_begin {
	uint8_t		 rb_host_type;		/* enum relay_host_type */
	char		 rb_host[RELAY_HOST_MAX + 1];	/* without brackets */
	struct cell_addr rb_addr;		/* for IPV4 / IPV6 */
	uint16_t	 rb_port;
	uint32_t	 rb_flags;
};

/*
 * Parse a BEGIN body.  The host is a DNS name (letters, digits, '-',
 * '_', '.', 1..255 bytes; lower-cased), a dotted IPv4 address or a
 * bracketed IPv6 address; the port is 1..65535 in plain decimal.
 */
enum parse_result	relay_begin_parse(const uint8_t *data, size_t len,
			    struct relay_begin *out);
/*
 * Encode host:port NUL [flags] (flags omitted when 0).  host is a name,
 * a dotted IPv4 or an IPv6 address, bracketed or not.  Returns bytes
 * written or -1 (bad host or port, or it does not fit).
 */
int	relay_begin_encode(uint8_t *out, size_t outlen, const char *host,
	    uint16_t port, uint32_t flags);

/* Validate a host as BEGIN does; classify it and decode an address. */
int	relay_host_check(const char *host, size_t len, uint8_t *type,
	    struct cell_addr *addr);

/* RESOLVE body: hostname NUL.  out holds RELAY_HOST_MAX + 1 bytes. */
enum parse_result	relay_resolve_parse(const uint8_t *data, size_t len,
			    char *out);
int	relay_resolve_encode(uint8_t *out, size_t outlen, const char *host);

/* ---- CONNECTED: empty | IPv4[4] TTL[4] | 0[4] 6 IPv6[16] TTL[4]. */

struct relay_connected {
	struct cell_addr rc_addr;	/* NONE if empty */
	uint32_t	 rc_ttl;
};

enum parse_result	relay_connected_parse(const uint8_t *data, size_t len,
			    struct relay_connected *out);
int	relay_connected_encode(uint8_t *out, size_t outlen,
	    const struct relay_connected *c);

/* ---- END: reason[1] (empty = MISC); EXITPOLICY adds addr[4|16] TTL[4]. */

struct relay_end {
	uint8_t		 re_reason;
	struct cell_addr re_addr;	/* only with EXITPOLICY */
	uint32_t	 re_ttl;
};

enum parse_result	relay_end_parse(const uint8_t *data, size_t len,
			    struct relay_end *out);
int	relay_end_encode(uint8_t *out, size_t outlen, const struct relay_end *e);

/* ---- RESOLVED: (Type[1] Len[1] Value TTL[4])*. */

#define RESOLVED_TYPE_HOSTNAME	0x00
#define RESOLVED_TYPE_IPV4	0x04
#define RESOLVED_TYPE_IPV6	0x06
#define RESOLVED_TYPE_ERR_TRANSIENT 0xF0
#define RESOLVED_TYPE_ERR_PERMANENT 0xF1
#define RESOLVED_MAX_ANSWERS	32

struct relay_resolved_answer {
	uint8_t		 ra_type;
	uint8_t		 ra_len;
	const uint8_t	*ra_value;	/* view into the parsed data */
	uint32_t	 ra_ttl;
};

struct relay_resolved {
	size_t				rr_n;
	struct relay_resolved_answer	rr_answers[RESOLVED_MAX_ANSWERS];
	bool				rr_error;	/* an error answer was present */
};

/*
 * Parse; IPv4/IPv6 answers must have length 4/16; unknown types are
 * kept for the caller to skip; answers beyond RESOLVED_MAX_ANSWERS are
 * checked and dropped.
 */
enum parse_result	relay_resolved_parse(const uint8_t *data, size_t len,
			    struct relay_resolved *out);
/* Append one answer to w (sticky error if it does not fit). */
void	relay_resolved_add(struct bwr *w, uint8_t type, const void *value,
	    uint8_t len, uint32_t ttl);

/* ---- SENDME: empty (v0) | VERSION[1] DATA_LEN[2] DATA; v1 DATA = digest[20]. */

#define SENDME_DIGEST_LEN	20

struct relay_sendme {
	uint8_t	rs_version;
	uint8_t	rs_digest[SENDME_DIGEST_LEN];	/* v1 only */
};

/* PARSE_ERROR for a truncated body, v1 with DATA_LEN < 20, or version > 1. */
enum parse_result	relay_sendme_parse(const uint8_t *data, size_t len,
			    struct relay_sendme *out);
/* v1 circuit-level SENDME body (23 bytes); bytes written or -1. */
int	relay_sendme_encode_v1(uint8_t *out, size_t outlen,
	    const uint8_t digest[SENDME_DIGEST_LEN]);

/* ---- EXTEND2: NSPEC (LSTYPE LSLEN LSPEC)* HTYPE HLEN HDATA. */

#define LS_IPV4		0x00
#define LS_IPV6		0x01
#define LS_LEGACY_ID	0x02
#define LS_ED25519_ID	0x03
#define ED25519_ID_LEN	32

struct relay_extend2 {
	bool		 e2_has_ipv4;
	uint8_t		 e2_ipv4[4];
	uint16_t	 e2_ipv4_port;
	bool		 e2_has_ipv6;
	uint8_t		 e2_ipv6[16];
	uint16_t	 e2_ipv6_port;
	bool		 e2_has_ed25519;
	uint8_t		 e2_ed25519[ED25519_ID_LEN];
	bool		 e2_has_legacy_id;	/* accepted, not used */
	struct cell_create2 e2_create;		/* hdata: view into data */
};

/*
 * Parse.  Unknown specifiers are skipped; a second identity of one type
 * or a known specifier of the wrong length is an error; of repeated
 * addresses the first is kept.  Policy (identity required, not all
 * zero) is the caller's.
 */
enum parse_result	relay_extend2_parse(const uint8_t *data, size_t len,
			    struct relay_extend2 *out);
/* Encode in Tor's order (IPv4, Ed25519, IPv6); bytes written or -1. */
int	relay_extend2_encode(uint8_t *out, size_t outlen,
	    const struct relay_extend2 *e);

/* EXTENDED2 body = CREATED2 body: cell_created2_parse / _encode. */

/* ---- TRUNCATED: reason[1] (a destroy reason). */

static inline uint8_t
relay_truncated_reason(const uint8_t *data, size_t len)
{
	return len > 0 ? data[0] : DESTROY_REASON_NONE;
}

#endif
