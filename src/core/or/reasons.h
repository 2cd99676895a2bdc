/*
 * reasons.h: the one table of reason codes.  END reasons (relay_msg.h)
 * and DESTROY reasons (cell.h) to names and back; errno to END reason;
 * END reason to the SOCKS5 REP, SOCKS4 code and HTTP CONNECT status a
 * client sends its application; names of SOCKS5 REP codes for logs.
 *
 * Stream reasons are ints: 1..15 are END reasons as on the wire; values
 * from 256 are client-internal causes that never cross the network
 * (Tor's END_STREAM_REASON_* above 255), so a caller can say why a
 * stream failed before any END arrived.
 */
#ifndef TORD_CORE_OR_REASONS_H
#define TORD_CORE_OR_REASONS_H

#include <stdint.h>

#include "core/proto/cell.h"
#include "core/proto/relay_msg.h"
#include "core/proto/socks.h"

/* Client-internal stream reasons (never on the wire: send MISC). */
enum stream_reason_internal {
	STREAM_REASON_CANT_ATTACH	= 256,	/* no usable circuit */
	STREAM_REASON_NET_UNREACHABLE	= 257,
	STREAM_REASON_SOCKSPROTOCOL	= 258,
	STREAM_REASON_PRIVATE_ADDR	= 259,	/* refused locally */
};

/* "misc", "resolvefailed", ... "notdirectory"; "unknown" otherwise. */
const char	*reasons_end_name(int reason);
/* Inverse of reasons_end_name (case-insensitive); -1 if unknown. */
int		 reasons_end_from_name(const char *name);
/* "none", "protocol", ... "nosuchservice"; "unknown" otherwise. */
const char	*reasons_destroy_name(int reason);
int		 reasons_destroy_from_name(const char *name);

/* Socket error to the END reason an exit sends; MISC if nothing fits. */
uint8_t		 reasons_end_from_errno(int e);

/*
 * What the client tells its application when a stream fails before
 * CONNECTED with reason (an END reason or an internal one); 0 means
 * success.  DONE before CONNECTED is a refusal, as in Tor.
 */
uint8_t		 reasons_end_to_socks5(int reason);
uint8_t		 reasons_end_to_socks4(int reason);
int		 reasons_end_to_http_status(int reason);

/* "succeeded", "general SOCKS server failure", ... */
const char	*reasons_socks5_name(uint8_t rep);
/* "OK", "Not Found", ... the reason phrase for the statuses above. */
const char	*reasons_http_phrase(int status);

#endif
