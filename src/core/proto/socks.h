/*
 * socks.h: server side of SOCKS4, SOCKS4a and SOCKS5 (RFC 1928, RFC 1929
 * user/pass, Tor's RESOLVE 0xF0 and RESOLVE_PTR 0xF1 extensions), and the
 * reply encoders.  Pure and incremental: no sockets, no policy beyond the
 * protocol, no logging.
 *
 * Use: keep a struct socks_parser per SOCKS connection.  On each read,
 * call socks_parse() on everything buffered; drain *consumed bytes; send
 * the sp_out bytes it queued and call socks_out_clear(); then act on the
 * result:
 *	SOCKS_NEED_MORE	wait for more input;
 *	SOCKS_DONE	sp_req holds the request; bytes left in the buffer
 *			are optimistic data for the stream;
 *	SOCKS_HTTP	the peer spoke HTTP: send SOCKS_HTTP_501_RESPONSE
 *			and close;
 *	SOCKS_ERROR	send what sp_out holds (a refusal), then close.
 * The result, sp_out and sp_req are the same however the input is split.
 * A message is consumed only when complete, and every message has a hard
 * size bound (SOCKS_MAX_MSG_LEN), checked before more bytes are awaited.
 */
#ifndef TORD_CORE_PROTO_SOCKS_H
#define TORD_CORE_PROTO_SOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bytes.h"

/* No SOCKS message we accept is longer: a caller never buffers more. */
#define SOCKS_MAX_MSG_LEN	520
#define SOCKS_HOST_MAX		255
#define SOCKS_CRED_MAX		255

/* SOCKS5 reply codes (RFC 1928 §6). */
enum socks5_reply {
	SOCKS5_SUCCEEDED		= 0x00,
	SOCKS5_GENERAL_FAILURE		= 0x01,
	SOCKS5_NOT_ALLOWED		= 0x02,
	SOCKS5_NET_UNREACHABLE		= 0x03,
	SOCKS5_HOST_UNREACHABLE		= 0x04,
	SOCKS5_CONNECTION_REFUSED	= 0x05,
	SOCKS5_TTL_EXPIRED		= 0x06,
	SOCKS5_COMMAND_NOT_SUPPORTED	= 0x07,
	SOCKS5_ADDRESS_NOT_SUPPORTED	= 0x08,
};

/* SOCKS4 reply codes. */
#define SOCKS4_GRANTED		0x5A
#define SOCKS4_REJECTED		0x5B

/* Commands (SOCKS4 and SOCKS5 share the numbers we accept). */
enum socks_command {
	SOCKS_CMD_CONNECT	= 0x01,
	SOCKS_CMD_BIND		= 0x02,
	SOCKS_CMD_UDP_ASSOCIATE	= 0x03,
	SOCKS_CMD_RESOLVE	= 0xF0,
	SOCKS_CMD_RESOLVE_PTR	= 0xF1,
};

/* SOCKS5 methods. */
#define SOCKS5_METHOD_NONE	0x00
#define SOCKS5_METHOD_USERPASS	0x02
#define SOCKS5_METHOD_REFUSED	0xFF

enum socks_addr_type {
	SOCKS_ADDR_NAME = 0,
	SOCKS_ADDR_IPV4,
	SOCKS_ADDR_IPV6,
};

/*
 * A destination.  st_host always holds text: the name, or the address
 * formatted (dotted IPv4, IPv6 without brackets), so it can go straight
 * into a BEGIN.  st_addr holds the raw address for IPV4 (4 bytes) and
 * IPV6 (16 bytes).
 */
struct socks_target {
	uint8_t		st_type;	/* enum socks_addr_type */
	char		st_host[SOCKS_HOST_MAX + 1];
	uint8_t		st_addr[16];
	uint16_t	st_port;
};

/* What the client asked for, once SOCKS_DONE is returned. */
struct socks_request {
	uint8_t		sr_version;	/* 4 or 5 */
	bool		sr_socks4a;	/* SOCKS4 with a hostname */
	uint8_t		sr_command;	/* enum socks_command */
	struct socks_target sr_target;
	/*
	 * Credentials, the isolation key: SOCKS5 user/pass, or the SOCKS4
	 * USERID (in sr_user).  Arbitrary bytes, not NUL-terminated.
	 * Wiped by socks_parser_clear().
	 */
	bool		sr_has_auth;
	uint8_t		sr_user_len;
	uint8_t		sr_pass_len;
	uint8_t		sr_user[SOCKS_CRED_MAX];
	uint8_t		sr_pass[SOCKS_CRED_MAX];
};

enum socks_state {
	SOCKS_ST_GREETING = 0,	/* first message: version byte decides */
	SOCKS_ST_AUTH,		/* SOCKS5 user/pass subnegotiation expected */
	SOCKS_ST_REQUEST,	/* SOCKS5 request expected */
	SOCKS_ST_DONE,
	SOCKS_ST_FAILED,
	SOCKS_ST_HTTP,
};

enum socks_result {
	SOCKS_ERROR	= -1,
	SOCKS_NEED_MORE	= 0,
	SOCKS_DONE	= 1,
	SOCKS_HTTP	= 2,
};

struct socks_parser {
	uint8_t		sp_state;	/* enum socks_state */
	uint8_t		sp_method;	/* SOCKS5 method chosen */
	bool		sp_authed;	/* user/pass message seen */
	uint8_t		sp_out[32];	/* bytes to send, in order */
	size_t		sp_out_len;
	struct socks_request sp_req;
};

/* Reset to the initial state. */
void	socks_parser_init(struct socks_parser *sp);
/* Wipe everything, credentials included; the parser may be reused. */
void	socks_parser_clear(struct socks_parser *sp);
/* Forget queued output once it has been sent. */
static inline void socks_out_clear(struct socks_parser *sp) { sp->sp_out_len = 0; }

/*
 * Parse as many complete messages from p[0..len) as possible.  Sets
 * *consumed to the bytes used (always on a message boundary).  After
 * SOCKS_DONE, SOCKS_HTTP or SOCKS_ERROR, further calls return the same
 * result and consume nothing.
 */
enum socks_result	socks_parse(struct socks_parser *sp, const uint8_t *p,
			    size_t len, size_t *consumed);

/*
 * SOCKS5 reply `05 REP 00 ATYP BND.ADDR BND.PORT` into out.  bnd NULL
 * means 0.0.0.0:0 (CONNECT); an IPv4/IPv6 target for RESOLVE; a name
 * (ATYP 3) for RESOLVE_PTR.  Returns bytes written, 0 if it does not fit.
 */
size_t	socks5_reply_encode(uint8_t *out, size_t outlen, uint8_t rep,
	    const struct socks_target *bnd);
/*
 * SOCKS4 reply `00 CODE PORT[2] IP[4]` (8 bytes).  ip NULL = 0.0.0.0;
 * a RESOLVE answer carries the IPv4 address.
 */
void	socks4_reply_encode(uint8_t out[8], uint8_t code, uint16_t port,
	    const uint8_t *ip);
/*
 * Reply in the request's own version: rep is a SOCKS5 code; for SOCKS4
 * success becomes 0x5A and anything else 0x5B.  Bytes written or 0.
 */
size_t	socks_reply_encode(const struct socks_request *req, uint8_t *out,
	    size_t outlen, uint8_t rep, const struct socks_target *bnd);

/* Names of the reply codes for logs: reasons_socks5_name() (core/or). */

/* The answer to HTTP sent to a SOCKS port (status line to body). */
extern const char SOCKS_HTTP_501_RESPONSE[];

#endif
