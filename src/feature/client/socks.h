/*
 * socks.h: the SOCKS front end of the client (SOCKS5, SOCKS4, SOCKS4a,
 * Tor's RESOLVE and RESOLVE_PTR).  The wire format is the pure codec of
 * core/proto/socks.h; this file runs it on accepted sockets and answers
 * from what the exit says (client.c).
 */
#ifndef TORD_FEATURE_CLIENT_SOCKS_H
#define TORD_FEATURE_CLIENT_SOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mainloop/listener.h"
#include "core/proto/socks.h"

/* Listener callback for SOCKS ports; arg is the struct client_listener. */
void	socks_accept(struct listener *l, int fd, const struct addr *peer, void *arg);

/*
 * The reply to send when a request fails with reason (an END reason or
 * STREAM_REASON_*), in the request's own SOCKS version.  Bytes written
 * into out, or 0 if it does not fit.
 */
size_t	socks_failure_reply(const struct socks_request *req, int reason, uint8_t *out,
	    size_t outlen);

#endif
