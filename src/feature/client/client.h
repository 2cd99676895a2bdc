/*
 * client.h: the client role.  Its configuration, its entry points, and
 * the application-side request ("AP" connection, Tor's term) shared by
 * the SOCKS and HTTP CONNECT front ends.
 *
 * A front end accepts an application socket, runs its own handshake
 * (feature/client/socks.c, httpconnect.c), then hands the request to
 * client_ap_submit().  From there client.c owns the request: it gets a
 * circuit from circuit_pool, attaches the stream with BEGIN or RESOLVE,
 * retries on another circuit when the exit does not answer in time or
 * answers with a retryable END reason, and calls the front end back
 * exactly once to write its reply (success, resolved, or failure with an
 * END reason), always before the data pump starts.
 */
#ifndef TORD_FEATURE_CLIENT_CLIENT_H
#define TORD_FEATURE_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mainloop/mainloop.h"
#include "core/or/or.h"
#include "core/or/stream.h"
#include "core/proto/docfmt.h"
#include "core/proto/relay_msg.h"
#include "feature/client/circuit_pool.h"
#include "lib/addr.h"

/*
 * Isolation flags of a listener (Tor's Isolate* port flags).  Listeners
 * are always isolated from each other.  SOCKSAUTH covers the SOCKS5
 * username and password, the SOCKS4 userid and, on the HTTP CONNECT
 * port, Proxy-Authorization and X-Tor-Stream-Isolation.
 */
#define CLIENT_ISO_SOCKSAUTH	0x01u
#define CLIENT_ISO_CLIENTADDR	0x02u
#define CLIENT_ISO_PROTOCOL	0x04u	/* SOCKS4, SOCKS5 and HTTP apart */
#define CLIENT_ISO_DESTPORT	0x08u
#define CLIENT_ISO_DESTADDR	0x10u
#define CLIENT_ISO_DEFAULT	(CLIENT_ISO_SOCKSAUTH | CLIENT_ISO_CLIENTADDR)

/* One listening address of a front end. */
struct client_listen_cfg {
	struct addr	lc_addr;
	uint32_t	lc_isolation;	/* CLIENT_ISO_* */
};

/* Relay flags of the static list; same values as app/config.h. */
#define CLIENT_RELAY_GUARD	0x01u
#define CLIENT_RELAY_EXIT	0x02u
#define CLIENT_RELAY_FAST	0x04u
#define CLIENT_RELAY_STABLE	0x08u
#define CLIENT_RELAY_RUNNING	0x10u
#define CLIENT_RELAY_VALID	0x20u

/* A relay of the static list ([client] relay = ...). */
struct client_relay {
	struct relay_info	cr_info;
	uint32_t		cr_flags;	/* CLIENT_RELAY_* */
	bool			cr_has_policy;	/* else: assume the exit accepts */
	struct policy_summary	cr_policy;
};

struct client_config {
	const struct client_listen_cfg	*cc_socks;	/* SOCKS listeners */
	size_t				 cc_n_socks;
	const struct client_listen_cfg	*cc_http;	/* HTTP CONNECT listeners */
	size_t				 cc_n_http;
	double	cc_handshake_timeout;	/* s: SOCKS/HTTP request must arrive */
	double	cc_stream_attach_timeout; /* s: CONNECTED per try (Tor: 10) */
	double	cc_socks_timeout;	/* s: whole request until reply (Tor: 120) */
	double	cc_circuit_build_timeout;
	double	cc_max_circuit_dirtiness; /* s: new streams after first use */
	int	cc_preemptive_circuits;	/* clean circuits kept built */
	int	cc_max_stream_tries;	/* BEGIN attempts per request (Tor: 3) */
	int	cc_max_build_tries;	/* circuit launches per request */
	bool	cc_safe_socks;		/* refuse raw-IP CONNECT */
	bool	cc_enforce_distinct_subnets;
	const struct client_relay	*cc_relays;	/* static relay list */
	size_t				 cc_n_relays;
};

/* Fill cfg with the defaults (one SOCKS listener is the caller's job). */
void	client_config_defaults(struct client_config *cfg);

/*
 * Start the client role: copy what it needs of cfg, open the listeners
 * (a non-loopback one is warned about), set the circuit hooks and start
 * building preemptive circuits.  Returns 0, or -1 (logged) if a listener
 * cannot be opened; then nothing stays open.
 */
int	client_start(const struct client_config *cfg);
/* Close the listeners and free the role's state; circuits and streams
 * are closed by the core's own shutdown. */
void	client_shutdown(void);
/*
 * SIGHUP: take cfg's timeouts, safe_socks, subnet rule, dirtiness and
 * preemptive count for requests and circuits from now on.  Listeners and
 * the static relay list stay (changing them needs a restart).
 */
void	client_reconfigure(const struct client_config *cfg);
/* New identity: no circuit built before this call takes new streams. */
void	client_newnym(void);

/* ---- Application requests, shared by the front ends. */

enum client_ap_proto {
	AP_PROTO_SOCKS4 = 0,
	AP_PROTO_SOCKS5,
	AP_PROTO_HTTP,
};

/* A listening front end and its isolation settings. */
struct client_listener {
	struct listener		*cl_listener;
	unsigned		 cl_index;	/* sets listeners apart */
	uint32_t		 cl_isolation;	/* CLIENT_ISO_* */
	enum client_ap_proto	 cl_proto;	/* SOCKS5 for SOCKS ports */
};

struct client_ap;

/* What a front end must supply: the replies and its own free. */
struct client_ap_ops {
	/* CONNECTED arrived: write the success reply (stream_open follows). */
	void	(*reply_connected)(struct client_ap *ap, const uint8_t *body, size_t len);
	/* RESOLVED arrived: write the answer (the stream closes after). */
	void	(*reply_resolved)(struct client_ap *ap, const struct relay_resolved *rr);
	/*
	 * The request failed: write the error reply for reason, an END
	 * reason or a STREAM_REASON_* of core/or/reasons.h.
	 */
	void	(*reply_failed)(struct client_ap *ap, int reason);
	/* Free the front end's object containing ap. */
	void	(*free)(struct client_ap *ap);
};

#define CLIENT_AP_MAX_AVOID	4
/* Relays a request leaves out after circuits gave it no answer (2 per circuit). */
#define CLIENT_AP_MAX_AVOID_RELAYS	4

/* The request until the application is answered (client.c). */
struct client_ap_req;

/*
 * An application stream.  A held stream keeps only this: what attaching
 * needs (the BEGIN body, the isolation key, retries, timers) lives in
 * ap_req, allocated at accept and freed as soon as the application has
 * its reply (or the socket closes).
 */
struct client_ap {
	struct stream			 ap_stream;	/* first: container_of */
	const struct client_ap_ops	*ap_ops;
	const struct client_listener	*ap_listener;
	struct client_ap_req		*ap_req;	/* NULL once answered */
	uint8_t				 ap_proto;	/* enum client_ap_proto */
	bool				 ap_submitted;	/* handshake done */
	bool				 ap_replied;	/* reply written */
};

/*
 * Initialise ap around an accepted socket: the stream runs
 * handshake_ops (the front end's) with the handshake timeout.
 */
void	client_ap_init(struct client_ap *ap, int fd, const struct addr *peer,
	    const struct client_listener *l, const struct conn_ops *handshake_ops,
	    const struct client_ap_ops *ops);
/*
 * The handshake is done: fetch the target through the network.  cmd is
 * RELAY_BEGIN (host:port) or RELAY_RESOLVE (host; a PTR lookup passes
 * the in-addr.arpa / ip6.arpa name).  auth / authlen are the isolation
 * credentials (NULL for none), already in one canonical blob.  Exactly
 * one ops reply follows, later, never from inside this call.
 */
void	client_ap_submit(struct client_ap *ap, uint8_t cmd, const char *host,
	    uint16_t port, const void *auth, size_t authlen);
/* Close the application side after writing what is queued. */
void	client_ap_close(struct client_ap *ap, const char *why);
/*
 * For the front end's handshake conn_ops, which run until the stream is
 * attached: the socket closed (closed op: releases the request and takes
 * the stream out of the core), and the object is to be freed (free op:
 * ops->free).
 */
void	client_ap_conn_closed(struct client_ap *ap);
void	client_ap_conn_free(struct client_ap *ap);
/* The client's configuration in force (valid after client_start). */
const struct client_config *client_config_get(void);

/* Counters for the control port. */
struct client_stats {
	uint64_t	cs_streams_requested;
	uint64_t	cs_streams_succeeded;
	uint64_t	cs_streams_failed;
	uint64_t	cs_stream_retries;
	uint64_t	cs_resolves;
	uint64_t	cs_refused_unsafe;	/* SafeSocks refusals */
};
const struct client_stats *client_stats(void);
struct client_stats *client_stats_mut_(void);

#endif
