/*
 * reasons.c: every reason-code mapping in one place (see reasons.h).
 *
 * One row per stream reason carries its name and what the client
 * answers its application with (SOCKS5 REP, HTTP CONNECT status); the
 * SOCKS4 code follows from the SOCKS5 one.  The mapping is Tor's
 * (reasons.c, connection_edge.c) so applications see familiar codes.
 * Callers: the exit (errno to END), the client stream and SOCKS code
 * (END to replies), circuits (DESTROY names), logs and the control port.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <strings.h>

#include "core/or/reasons.h"
#include "lib/util.h"

struct end_row {
	int		 reason;
	const char	*name;
	uint8_t		 socks5;
	int		 http;
};

static const struct end_row end_rows[] = {
	{ 0,				"none",		SOCKS5_SUCCEEDED,		200 },
	{ END_REASON_MISC,		"misc",		SOCKS5_GENERAL_FAILURE,		502 },
	{ END_REASON_RESOLVEFAILED,	"resolvefailed", SOCKS5_HOST_UNREACHABLE,	404 },
	{ END_REASON_CONNECTREFUSED,	"connectrefused", SOCKS5_CONNECTION_REFUSED,	403 },
	{ END_REASON_EXITPOLICY,	"exitpolicy",	SOCKS5_NOT_ALLOWED,		403 },
	{ END_REASON_DESTROY,		"destroy",	SOCKS5_GENERAL_FAILURE,		502 },
	{ END_REASON_DONE,		"done",		SOCKS5_CONNECTION_REFUSED,	502 },
	{ END_REASON_TIMEOUT,		"timeout",	SOCKS5_TTL_EXPIRED,		504 },
	{ END_REASON_NOROUTE,		"noroute",	SOCKS5_HOST_UNREACHABLE,	404 },
	{ END_REASON_HIBERNATING,	"hibernating",	SOCKS5_GENERAL_FAILURE,		502 },
	{ END_REASON_INTERNAL,		"internal",	SOCKS5_GENERAL_FAILURE,		502 },
	{ END_REASON_RESOURCELIMIT,	"resourcelimit", SOCKS5_GENERAL_FAILURE,	502 },
	{ END_REASON_CONNRESET,		"connreset",	SOCKS5_CONNECTION_REFUSED,	403 },
	{ END_REASON_TORPROTOCOL,	"torprotocol",	SOCKS5_GENERAL_FAILURE,		502 },
	{ END_REASON_NOTDIRECTORY,	"notdirectory",	SOCKS5_GENERAL_FAILURE,		502 },
	{ END_REASON_ENTRYPOLICY,	"entrypolicy",	SOCKS5_NOT_ALLOWED,		403 },
	{ STREAM_REASON_CANT_ATTACH,	"cant_attach",	SOCKS5_GENERAL_FAILURE,		502 },
	{ STREAM_REASON_NET_UNREACHABLE, "net_unreachable", SOCKS5_NET_UNREACHABLE,	502 },
	{ STREAM_REASON_SOCKSPROTOCOL,	"socksprotocol", SOCKS5_GENERAL_FAILURE,	400 },
	{ STREAM_REASON_PRIVATE_ADDR,	"private_addr",	SOCKS5_GENERAL_FAILURE,		403 },
};

static const char *const destroy_names[] = {
	[DESTROY_REASON_NONE] = "none",
	[DESTROY_REASON_PROTOCOL] = "protocol",
	[DESTROY_REASON_INTERNAL] = "internal",
	[DESTROY_REASON_REQUESTED] = "requested",
	[DESTROY_REASON_HIBERNATING] = "hibernating",
	[DESTROY_REASON_RESOURCELIMIT] = "resourcelimit",
	[DESTROY_REASON_CONNECTFAILED] = "connectfailed",
	[DESTROY_REASON_OR_IDENTITY] = "or_identity",
	[DESTROY_REASON_CHANNEL_CLOSED] = "channel_closed",
	[DESTROY_REASON_FINISHED] = "finished",
	[DESTROY_REASON_TIMEOUT] = "timeout",
	[DESTROY_REASON_DESTROYED] = "destroyed",
	[DESTROY_REASON_NOSUCHSERVICE] = "nosuchservice",
};

static const char *const socks5_names[] = {
	[SOCKS5_SUCCEEDED] = "succeeded",
	[SOCKS5_GENERAL_FAILURE] = "general SOCKS server failure",
	[SOCKS5_NOT_ALLOWED] = "connection not allowed by ruleset",
	[SOCKS5_NET_UNREACHABLE] = "network unreachable",
	[SOCKS5_HOST_UNREACHABLE] = "host unreachable",
	[SOCKS5_CONNECTION_REFUSED] = "connection refused",
	[SOCKS5_TTL_EXPIRED] = "TTL expired",
	[SOCKS5_COMMAND_NOT_SUPPORTED] = "command not supported",
	[SOCKS5_ADDRESS_NOT_SUPPORTED] = "address type not supported",
};

static const struct end_row *
end_row(int reason)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(end_rows); i++)
		if (end_rows[i].reason == reason)
			return &end_rows[i];
	return NULL;
}

const char *
reasons_end_name(int reason)
{
	const struct end_row *r = end_row(reason);

	return r != NULL ? r->name : "unknown";
}

int
reasons_end_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(end_rows); i++)
		if (strcasecmp(end_rows[i].name, name) == 0)
			return end_rows[i].reason;
	return -1;
}

const char *
reasons_destroy_name(int reason)
{
	if (reason < 0 || (size_t)reason >= ARRAY_LEN(destroy_names))
		return "unknown";
	return destroy_names[reason];
}

int
reasons_destroy_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(destroy_names); i++)
		if (strcasecmp(destroy_names[i], name) == 0)
			return (int)i;
	return -1;
}

uint8_t
reasons_end_from_errno(int e)
{
	switch (e) {
	case EPIPE:
		return END_REASON_DONE;
	case ECONNREFUSED:
		return END_REASON_CONNECTREFUSED;
	case ECONNRESET:
		return END_REASON_CONNRESET;
	case ETIMEDOUT:
		return END_REASON_TIMEOUT;
	/* Unreachable, or a local firewall said no (as Tor does). */
	case ENETUNREACH: case ENETDOWN: case EHOSTUNREACH: case EHOSTDOWN:
	case EACCES: case EPERM:
		return END_REASON_NOROUTE;
	case ENOBUFS: case ENOMEM: case ENFILE: case EMFILE:
	case EADDRINUSE: case EADDRNOTAVAIL:
		return END_REASON_RESOURCELIMIT;
	/* Our own misuse of a socket. */
	case EBADF: case EFAULT: case EINVAL: case EISCONN: case ENOTSOCK:
	case EPROTONOSUPPORT: case EAFNOSUPPORT: case ENOTCONN:
		return END_REASON_INTERNAL;
	default:
		return END_REASON_MISC;
	}
}

uint8_t
reasons_end_to_socks5(int reason)
{
	const struct end_row *r = end_row(reason);

	return r != NULL ? r->socks5 : SOCKS5_GENERAL_FAILURE;
}

uint8_t
reasons_end_to_socks4(int reason)
{
	return reasons_end_to_socks5(reason) == SOCKS5_SUCCEEDED ?
	    SOCKS4_GRANTED : SOCKS4_REJECTED;
}

int
reasons_end_to_http_status(int reason)
{
	const struct end_row *r = end_row(reason);

	return r != NULL ? r->http : 502;
}

const char *
reasons_socks5_name(uint8_t rep)
{
	if (rep >= ARRAY_LEN(socks5_names) || socks5_names[rep] == NULL)
		return "unknown";
	return socks5_names[rep];
}

const char *
reasons_http_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 407: return "Proxy Authentication Required";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}
