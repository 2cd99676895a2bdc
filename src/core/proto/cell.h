/*
 * cell.h: link-level cells, the unit every TLS link carries.
 *
 * Owns the cell wire formats (tor-spec §3, link protocol >= 4): fixed
 * 514-byte cells (CircID[4] Command[1] Payload[509]) and variable cells
 * (Command 7 or >= 128: CircID Command Length[2] Payload), the command
 * numbers, the DESTROY reasons, the circuit-id allocation rule, and the
 * bodies the link and circuit layers need (VERSIONS, NETINFO, CREATE2,
 * CREATED2, DESTROY).  Pure: bytes in, structs out, no I/O, no globals.
 *
 * Hot path: cell_frame_parse() returns a view into the caller's buffer,
 * so the link layer can frame many cells from one TLS read without a
 * copy.  Header packing is inline.
 */
#ifndef TORD_CORE_PROTO_CELL_H
#define TORD_CORE_PROTO_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bytes.h"

#define CELL_LEN		514
#define CELL_PAYLOAD_LEN	509
#define CELL_HEADER_LEN		5	/* CircID[4] Command[1] */
#define VAR_CELL_HEADER_LEN	7	/* CircID[4] Command[1] Length[2] */
#define VAR_CELL_NARROW_HEADER_LEN 5	/* CircID[2] Command[1] Length[2] */
#define VAR_CELL_MAX_PAYLOAD	65535

enum cell_command {
	CELL_PADDING		= 0,
	CELL_CREATE		= 1,	/* legacy TAP: never sent */
	CELL_CREATED		= 2,
	CELL_RELAY		= 3,
	CELL_DESTROY		= 4,
	CELL_CREATE_FAST	= 5,	/* deprecated: never sent */
	CELL_CREATED_FAST	= 6,
	CELL_VERSIONS		= 7,	/* variable */
	CELL_NETINFO		= 8,
	CELL_RELAY_EARLY	= 9,
	CELL_CREATE2		= 10,
	CELL_CREATED2		= 11,
	CELL_PADDING_NEGOTIATE	= 12,
	CELL_VPADDING		= 128,	/* variable */
	CELL_CERTS		= 129,
	CELL_AUTH_CHALLENGE	= 130,
	CELL_AUTHENTICATE	= 131,
	CELL_AUTHORIZE		= 132,
};

/* DESTROY and TRUNCATED reasons (tor-spec §5.4).  Names: core/or/reasons.h */
enum destroy_reason {
	DESTROY_REASON_NONE		= 0,
	DESTROY_REASON_PROTOCOL		= 1,
	DESTROY_REASON_INTERNAL		= 2,
	DESTROY_REASON_REQUESTED	= 3,
	DESTROY_REASON_HIBERNATING	= 4,
	DESTROY_REASON_RESOURCELIMIT	= 5,
	DESTROY_REASON_CONNECTFAILED	= 6,
	DESTROY_REASON_OR_IDENTITY	= 7,
	DESTROY_REASON_CHANNEL_CLOSED	= 8,
	DESTROY_REASON_FINISHED		= 9,
	DESTROY_REASON_TIMEOUT		= 10,
	DESTROY_REASON_DESTROYED	= 11,
	DESTROY_REASON_NOSUCHSERVICE	= 12,
};
#define DESTROY_REASON_MAX_ 12

/* CREATE2 handshake types. */
#define CREATE2_HTYPE_TAP	0x0000
#define CREATE2_HTYPE_FAST	0x0001
#define CREATE2_HTYPE_NTOR	0x0002
#define CREATE2_HTYPE_NTOR_V3	0x0003

/* Link protocol versions we speak (VERSIONS). */
#define LINK_PROTO_MIN		4
#define LINK_PROTO_MAX		5

static inline bool
cell_command_is_var(uint8_t cmd)
{
	return cmd == CELL_VERSIONS || cmd >= 128;
}

/*
 * Circuit ids (tor-spec §5.1.1): 0 is reserved for link-level cells; on
 * link protocol >= 4 the side that opened the TLS link allocates ids
 * with the top bit set, the responder with the top bit clear.
 */
#define CIRCID_INITIATOR_BIT	0x80000000u

static inline bool
circid_is_initiator_side(uint32_t id)
{
	return (id & CIRCID_INITIATOR_BIT) != 0;
}

/* May the side that is (or is not) the TLS initiator allocate id? */
static inline bool
circid_is_valid_for(uint32_t id, bool we_initiated_link)
{
	return id != 0 && circid_is_initiator_side(id) == we_initiated_link;
}

/*
 * A framed cell, pointing into the parsed buffer (valid while it is).
 * For a fixed cell cv_len is CELL_PAYLOAD_LEN.
 */
struct cell_view {
	uint32_t	 cv_circid;
	uint8_t		 cv_cmd;
	bool		 cv_var;
	uint16_t	 cv_len;
	const uint8_t	*cv_payload;
};

/*
 * Frame one cell from p[0..len).  wide_ids is false until VERSIONS has
 * been exchanged, true afterwards.  Returns PARSE_OK with *out and
 * *consumed set, or PARSE_NEED_MORE (nothing consumed).  Before VERSIONS
 * (wide_ids false) only variable cells with a 2-byte CircID can be framed
 * (we speak no link protocol < 4, whose fixed cells were 512 bytes): a
 * fixed-cell command then is PARSE_ERROR.  With wide ids framing cannot
 * fail; unknown commands are framed for the caller to drop.
 */
enum parse_result	cell_frame_parse(const uint8_t *p, size_t len, bool wide_ids,
			    struct cell_view *out, size_t *consumed);

/* Write the 5-byte fixed-cell header; the payload follows at out + 5. */
static inline void
cell_pack_header(uint8_t *out, uint32_t circid, uint8_t cmd)
{
	be32_store(out, circid);
	out[4] = cmd;
}

/*
 * Build a fixed cell: header, len bytes of payload (may alias out + 5)
 * and zero padding.  Returns 0, or -1 if len > CELL_PAYLOAD_LEN.
 */
int	cell_pack_fixed(uint8_t out[CELL_LEN], uint32_t circid, uint8_t cmd,
	    const uint8_t *payload, size_t len);

/*
 * Build a variable cell into out[0..outlen).  Returns bytes written, or
 * 0 if it does not fit.  wide_ids false gives a 2-byte CircID.
 */
size_t	cell_pack_var(uint8_t *out, size_t outlen, bool wide_ids, uint32_t circid,
	    uint8_t cmd, const uint8_t *payload, uint16_t len);

/* ---- VERSIONS: a list of 2-byte versions, always with a 2-byte CircID. */

#define VERSIONS_MAX	32

/* Encode a whole VERSIONS cell; bytes written, or 0 if it does not fit. */
size_t	cell_versions_encode(uint8_t *out, size_t outlen, const uint16_t *versions,
	    size_t n);
/*
 * Decode a VERSIONS payload into versions[max]; extra entries beyond max
 * are ignored.  PARSE_ERROR on an odd length or an empty list.
 */
enum parse_result	cell_versions_parse(const uint8_t *payload, size_t len,
			    uint16_t *versions, size_t max, size_t *n);
/* Highest version in both lists, or 0 if none. */
uint16_t	cell_versions_best(const uint16_t *theirs, size_t n_theirs,
		    const uint16_t *ours, size_t n_ours);

/* ---- Addresses shared by NETINFO and relay messages. */

enum cell_addr_family {
	CELL_ADDR_NONE = 0,
	CELL_ADDR_IPV4 = 4,	/* same value as the NETINFO / RESOLVED type */
	CELL_ADDR_IPV6 = 6,
};

/* An address in network byte order; IPv4 uses ca_addr[0..3]. */
struct cell_addr {
	uint8_t	ca_family;
	uint8_t	ca_addr[16];
};

static inline size_t
cell_addr_len(const struct cell_addr *a)
{
	return a->ca_family == CELL_ADDR_IPV4 ? 4 :
	    a->ca_family == CELL_ADDR_IPV6 ? 16 : 0;
}

void	cell_addr_set_ipv4(struct cell_addr *a, const uint8_t ip[4]);
void	cell_addr_set_ipv6(struct cell_addr *a, const uint8_t ip[16]);

/* ---- NETINFO: TIME[4] OTHERADDR NMYADDR[1] MYADDRS (addr = TYPE LEN VALUE). */

#define NETINFO_MAX_MY_ADDRS	8

struct cell_netinfo {
	uint32_t	 ni_time;
	struct cell_addr ni_other;	/* family NONE if absent or unknown type */
	uint8_t		 ni_n_my;
	struct cell_addr ni_my[NETINFO_MAX_MY_ADDRS];
};

/* Encode into a zero-padded 509-byte payload; -1 if ni_n_my is too big. */
int	cell_netinfo_encode(const struct cell_netinfo *ni, uint8_t payload[CELL_PAYLOAD_LEN]);
/*
 * Decode; addresses of unknown type are skipped, addresses of a known
 * type with a wrong length are an error, more than NETINFO_MAX_MY_ADDRS
 * addresses are ignored (but still checked).
 */
enum parse_result	cell_netinfo_parse(const uint8_t *payload, size_t len,
			    struct cell_netinfo *out);

/* ---- CREATE2 / CREATED2 (and EXTEND2's tail, EXTENDED2's body). */

struct cell_create2 {
	uint16_t	 c2_htype;
	uint16_t	 c2_hlen;
	const uint8_t	*c2_hdata;	/* view into the parsed payload */
};

struct cell_created2 {
	uint16_t	 cd_hlen;
	const uint8_t	*cd_hdata;	/* view into the parsed payload */
};

/* HTYPE[2] HLEN[2] HDATA; PARSE_ERROR if HLEN overruns len. */
enum parse_result	cell_create2_parse(const uint8_t *p, size_t len,
			    struct cell_create2 *out);
/* Encode into out[outlen], zero-padding the rest; bytes used or -1. */
int	cell_create2_encode(uint8_t *out, size_t outlen, uint16_t htype,
	    const uint8_t *hdata, uint16_t hlen);
/* HLEN[2] HDATA. */
enum parse_result	cell_created2_parse(const uint8_t *p, size_t len,
			    struct cell_created2 *out);
int	cell_created2_encode(uint8_t *out, size_t outlen, const uint8_t *hdata,
	    uint16_t hlen);

/* ---- DESTROY: one reason byte. */

static inline uint8_t
cell_destroy_reason(const uint8_t *payload, size_t len)
{
	return len > 0 ? payload[0] : DESTROY_REASON_NONE;
}

/* Build a whole DESTROY cell. */
void	cell_pack_destroy(uint8_t out[CELL_LEN], uint32_t circid, uint8_t reason);

#endif
