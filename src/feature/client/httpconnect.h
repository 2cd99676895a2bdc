/*
 * httpconnect.h: the optional HTTP CONNECT front end of the client
 * (Tor's HTTPTunnelPort), for applications that cannot speak SOCKS.
 */
#ifndef TORD_FEATURE_CLIENT_HTTPCONNECT_H
#define TORD_FEATURE_CLIENT_HTTPCONNECT_H

#include "core/mainloop/listener.h"

/* Listener callback for HTTP CONNECT ports; arg is the struct client_listener. */
void	httpconnect_accept(struct listener *l, int fd, const struct addr *peer, void *arg);

#endif
