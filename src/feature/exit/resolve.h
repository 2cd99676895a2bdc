/*
 * resolve.h: asynchronous DNS for the exit, over c-ares, driven by the
 * main loop (ml_io / ml_timer; no ev_* here).
 *
 * Forward lookups use ares_getaddrinfo(), which reads /etc/hosts first
 * (so "localhost" resolves without DNS); numeric addresses never reach
 * DNS.  Reverse lookups (RESOLVE_PTR) use ares_gethostbyaddr().  Every
 * request has a deadline of its own, so a silent nameserver yields
 * RESOLVE_ERR_TIMEOUT on time whatever c-ares retries.
 *
 * Callbacks never run inside resolve_start*(), nor inside c-ares: they
 * run from the main loop (a deferred call or a timer), so they may start
 * or cancel other requests freely.
 *
 * Callers: feature/exit (BEGIN and RESOLVE); app starts and stops it.
 */
#ifndef TORD_FEATURE_EXIT_RESOLVE_H
#define TORD_FEATURE_EXIT_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define RESOLVE_MAX_ADDRS	8	/* answers kept per lookup */
#define RESOLVE_NAME_MAX	255	/* longest name looked up or returned */

enum resolve_status {
	RESOLVE_OK = 0,
	RESOLVE_ERR_NOTFOUND,		/* NXDOMAIN or no address (permanent) */
	RESOLVE_ERR_BADNAME,		/* not a valid name (permanent) */
	RESOLVE_ERR_TIMEOUT,		/* no answer in time (transient) */
	RESOLVE_ERR_SERVFAIL,		/* server failure, refused, unreachable (transient) */
	RESOLVE_ERR_INTERNAL,		/* resolver not running, out of memory (transient) */
};

struct resolve_result {
	enum resolve_status	 rr_status;
	size_t			 rr_n;			/* addresses, port 0 */
	struct addr		 rr_addrs[RESOLVE_MAX_ADDRS];
	uint32_t		 rr_ttl;		/* seconds, clipped (see resolve_clip_ttl) */
	char			 rr_name[RESOLVE_NAME_MAX + 1];	/* PTR answer, or "" */
};

struct resolve_req;
/* res is valid only during the call; the request is finished after it. */
typedef void (*resolve_cb)(const struct resolve_result *res, void *arg);

struct resolve_options {
	const struct addr	*ro_servers;	/* nameservers (port 0 = 53) */
	size_t			 ro_n_servers;	/* 0: those of /etc/resolv.conf */
	double			 ro_timeout;	/* whole-lookup deadline, seconds (0: 10) */
};

/*
 * Start the resolver (after mainloop_init).  Returns 0, or -1 if c-ares
 * cannot be set up or a nameserver is invalid (logged).  Calling it
 * again replaces the configuration after resolve_shutdown().  The
 * environment variable CARES_HOSTS, if set, replaces /etc/hosts (c-ares'
 * own convention; the tests use it).
 */
int	resolve_init(const struct resolve_options *opts);
/*
 * Stop: pending requests are dropped without their callbacks and their
 * handles become invalid.  Idempotent.  Not from inside a resolve_cb.
 */
void	resolve_shutdown(void);

/*
 * Look name up.  family_pref orders the answers: AF_INET6 puts IPv6
 * first, anything else (AF_INET, AF_UNSPEC) IPv4 first; both families
 * are always asked for.  A numeric IPv4 or IPv6 address (brackets
 * allowed) is answered without DNS.  Returns a handle, valid until cb
 * runs or resolve_cancel(); never NULL (errors come through cb).
 */
struct resolve_req	*resolve_start(const char *name, int family_pref,
			    resolve_cb cb, void *arg);
/* Reverse lookup of a: the answer is rr_name. */
struct resolve_req	*resolve_start_ptr(const struct addr *a, resolve_cb cb,
			    void *arg);
/* Forget a request: cb will not run.  req must be live (cb not yet run). */
void	resolve_cancel(struct resolve_req *req);

/*
 * Parse a reverse name, "d.c.b.a.in-addr.arpa" or the 32-nibble
 * "...ip6.arpa" form (case-insensitive, optional final dot), into a.
 * Returns 0, or -1 if name is not such a name.
 */
int	resolve_parse_arpa(const char *name, struct addr *a);

/* Is this failure worth retrying elsewhere (RESOLVED type 0xF0 vs 0xF1)? */
bool		 resolve_status_is_transient(enum resolve_status st);
const char	*resolve_status_str(enum resolve_status st);
/*
 * Clip a DNS TTL as Tor's exits do: 300 s up to 300, 3600 s above, so an
 * answer reveals little about the exit's cache or the record.
 */
uint32_t	 resolve_clip_ttl(uint32_t ttl);

/* Requests started and not yet finished (tests, control port). */
size_t	resolve_pending(void);

#endif
