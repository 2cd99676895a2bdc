/*
 * resolve.c: asynchronous DNS for the exit: c-ares on the main loop.
 *
 * Owns the c-ares channel, one ml_io watcher per c-ares socket (slots
 * are reused, freed only at shutdown, so a watcher is never freed from
 * inside its own callback), one ml_timer for c-ares' retransmissions,
 * and the requests.  A request lives until both its user is done with it
 * (callback delivered or resolve_cancel) and c-ares has called back, so
 * neither side ever sees a dangling pointer.  Results are delivered from
 * an ml_deferred (never inside c-ares, never inside resolve_start*) or
 * from the request's deadline timer.
 *
 * Entry points: resolve_init/resolve_shutdown (app), resolve_start,
 * resolve_start_ptr, resolve_cancel (feature/exit).
 */
#include "config.h"

#include <ares.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "core/mainloop/mainloop.h"
#include "feature/exit/resolve.h"
#include "lib/log.h"
#include "lib/util.h"

#define RESOLVE_DEFAULT_TIMEOUT	10.0
#define TTL_CLIP_LOW		300
#define TTL_CLIP_HIGH		3600

struct resolve_req {
	resolve_cb		 r_cb;		/* NULL: nobody waits (cancelled, delivered) */
	void			*r_arg;
	bool			 r_in_ares;	/* c-ares holds a pointer to us */
	int			 r_family_pref;
	struct resolve_result	 r_res;
	struct ml_deferred	 r_deliver_d;
	struct ml_timer		 r_deadline;
	TAILQ_ENTRY(resolve_req) r_entry;
};

/* One watched c-ares socket; fd -1 when the slot is free. */
struct resolve_sock {
	struct ml_io	s_io;
	int		s_fd;
};

static struct {
	bool				 running;
	bool				 lib_init;
	ares_channel			 ch;
	struct ml_timer			 timer;
	struct resolve_sock		**socks;
	size_t				 n_socks;
	double				 timeout;
	size_t				 pending;
	TAILQ_HEAD(, resolve_req)	 reqs;
} R = { .reqs = TAILQ_HEAD_INITIALIZER(R.reqs) };

/* ---- Driving c-ares from the loop. */

static void
resolve_reschedule(void)
{
	struct timeval tv, *tvp;

	if (!R.running)
		return;
	tvp = ares_timeout(R.ch, NULL, &tv);
	if (tvp == NULL) {
		ml_timer_stop(&R.timer);
		return;
	}
	ml_timer_start(&R.timer, MAX((double)tvp->tv_sec + tvp->tv_usec / 1e6, 0.001), 0.);
}

static void
resolve_timer_cb(struct ml_timer *t)
{
	ares_process_fd(R.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolve_reschedule();
}

static void
resolve_sock_cb(struct ml_io *w, int events)
{
	struct resolve_sock *s = container_of(w, struct resolve_sock, s_io);
	int fd = s->s_fd;

	ares_process_fd(R.ch, (events & ML_READ) ? fd : ARES_SOCKET_BAD,
	    (events & ML_WRITE) ? fd : ARES_SOCKET_BAD);
	resolve_reschedule();
}

/* c-ares opened, changed or closed one of its sockets. */
static void
resolve_sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolve_sock *s = NULL, *free_slot = NULL;
	int events = (readable ? ML_READ : 0) | (writable ? ML_WRITE : 0);
	size_t i;

	for (i = 0; i < R.n_socks; i++) {
		if (R.socks[i]->s_fd == fd)
			s = R.socks[i];
		else if (R.socks[i]->s_fd == -1 && free_slot == NULL)
			free_slot = R.socks[i];
	}
	if (events == 0) {
		if (s != NULL) {
			ml_io_stop(&s->s_io);
			s->s_fd = -1;
		}
		return;
	}
	if (s != NULL) {
		ml_io_set(&s->s_io, fd, events);
		return;
	}
	if (free_slot == NULL) {
		free_slot = xcalloc(1, sizeof(*free_slot));
		R.socks = xrealloc(R.socks, (R.n_socks + 1) * sizeof(*R.socks));
		R.socks[R.n_socks++] = free_slot;
	}
	free_slot->s_fd = fd;
	ml_io_init(&free_slot->s_io, resolve_sock_cb, fd, events);
	ml_io_start(&free_slot->s_io);
}

/* ---- Requests. */

static void
req_free(struct resolve_req *r)
{
	TAILQ_REMOVE(&R.reqs, r, r_entry);
	free(r);
}

/* Hand the result to the user; free the request if c-ares is done too. */
static void
req_deliver(struct resolve_req *r)
{
	resolve_cb cb = r->r_cb;

	ml_timer_stop(&r->r_deadline);
	ml_defer_cancel(&r->r_deliver_d);
	if (cb == NULL)
		return;
	r->r_cb = NULL;
	R.pending--;
	log_debug(LD_EXIT, "resolve req=%p done status=%s n=%zu", (void *)r,
	    resolve_status_str(r->r_res.rr_status), r->r_res.rr_n);
	cb(&r->r_res, r->r_arg);
	if (!r->r_in_ares)
		req_free(r);
}

static void
req_deliver_d(struct ml_deferred *d)
{
	req_deliver(container_of(d, struct resolve_req, r_deliver_d));
}

static void
req_deadline_cb(struct ml_timer *t)
{
	struct resolve_req *r = container_of(t, struct resolve_req, r_deadline);

	memset(&r->r_res, 0, sizeof(r->r_res));
	r->r_res.rr_status = RESOLVE_ERR_TIMEOUT;
	req_deliver(r);
}

static struct resolve_req *
req_new(resolve_cb cb, void *arg, int family_pref)
{
	struct resolve_req *r = xcalloc(1, sizeof(*r));

	r->r_cb = cb;
	r->r_arg = arg;
	r->r_family_pref = family_pref;
	ml_deferred_init(&r->r_deliver_d, req_deliver_d);
	ml_timer_init(&r->r_deadline, req_deadline_cb);
	TAILQ_INSERT_TAIL(&R.reqs, r, r_entry);
	R.pending++;
	return r;
}

/* Finish with a result already in r->r_res: deliver from the loop. */
static void
req_finish_later(struct resolve_req *r, enum resolve_status st)
{
	r->r_res.rr_status = st;
	ml_timer_stop(&r->r_deadline);
	ml_defer(&r->r_deliver_d);
}

static enum resolve_status
status_from_ares(int st)
{
	switch (st) {
	case ARES_SUCCESS:
		return RESOLVE_OK;
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_ENONAME:
		return RESOLVE_ERR_NOTFOUND;
	case ARES_EBADNAME:
		return RESOLVE_ERR_BADNAME;
	case ARES_ETIMEOUT:
		return RESOLVE_ERR_TIMEOUT;
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_ECONNREFUSED:
	case ARES_EBADRESP:
	case ARES_EFORMERR:
		return RESOLVE_ERR_SERVFAIL;
	default:
		return RESOLVE_ERR_INTERNAL;
	}
}

/*
 * c-ares is done with r.  Returns true if the user still waits for a
 * result (fill it and call req_finish_later), false if r was freed.
 */
static bool
req_ares_done(struct resolve_req *r)
{
	r->r_in_ares = false;
	if (r->r_cb == NULL) {
		req_free(r);
		return false;
	}
	return true;
}

static void
add_addr(struct resolve_result *res, const struct sockaddr *sa, socklen_t len)
{
	struct addr a;
	size_t i;

	if (res->rr_n >= RESOLVE_MAX_ADDRS)
		return;
	addr_from_sockaddr(&a, sa, len);
	addr_set_port(&a, 0);
	if (a.a_u.sa.sa_family == AF_INET6)
		a.a_u.sin6.sin6_scope_id = 0;
	for (i = 0; i < res->rr_n; i++)
		if (addr_eq(&res->rr_addrs[i], &a))
			return;		/* /etc/hosts may list an address twice */
	res->rr_addrs[res->rr_n++] = a;
}

static void
resolve_addrinfo_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolve_req *r = arg;
	struct ares_addrinfo_node *n;
	int first = r->r_family_pref == AF_INET6 ? AF_INET6 : AF_INET;
	int pass, fam;
	uint32_t ttl = UINT32_MAX;

	if (req_ares_done(r)) {
		memset(&r->r_res, 0, sizeof(r->r_res));
		for (pass = 0; pass < 2 && status == ARES_SUCCESS && ai != NULL; pass++) {
			fam = pass == 0 ? first : (first == AF_INET ? AF_INET6 : AF_INET);
			for (n = ai->nodes; n != NULL; n = n->ai_next) {
				if (n->ai_family != fam || n->ai_addr == NULL)
					continue;
				add_addr(&r->r_res, n->ai_addr, n->ai_addrlen);
				if (n->ai_ttl >= 0)
					ttl = MIN(ttl, (uint32_t)n->ai_ttl);
			}
		}
		r->r_res.rr_ttl = resolve_clip_ttl(ttl == UINT32_MAX ? 0 : ttl);
		if (status == ARES_SUCCESS && r->r_res.rr_n == 0)
			status = ARES_ENODATA;
		req_finish_later(r, status_from_ares(status));
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
}

/* Is s a plausible DNS name in our charset, 1..255 bytes? */
static bool
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > RESOLVE_NAME_MAX || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
		if (c == '.' && i > 0 && s[i - 1] == '.')
			return false;
	}
	return true;
}

static void
resolve_hostent_cb(void *arg, int status, int timeouts, struct hostent *h)
{
	struct resolve_req *r = arg;
	size_t len;

	if (!req_ares_done(r))
		return;
	memset(&r->r_res, 0, sizeof(r->r_res));
	if (status == ARES_SUCCESS) {
		len = h != NULL && h->h_name != NULL ? strlen(h->h_name) : 0;
		/* The answer goes to a client: only a clean name will do. */
		if (!name_ok(h->h_name, len))
			status = ARES_ENODATA;
		else
			memcpy(r->r_res.rr_name, h->h_name, len + 1);
	}
	r->r_res.rr_ttl = resolve_clip_ttl(0);
	req_finish_later(r, status_from_ares(status));
}

struct resolve_req *
resolve_start(const char *name, int family_pref, resolve_cb cb, void *arg)
{
	struct resolve_req *r = req_new(cb, arg, family_pref);
	struct ares_addrinfo_hints hints;
	struct addr a;
	size_t len = strlen(name);

	if (addr_parse_ip(name, &a) == 0) {
		r->r_res.rr_addrs[0] = a;
		r->r_res.rr_n = 1;
		r->r_res.rr_ttl = resolve_clip_ttl(0);
		req_finish_later(r, RESOLVE_OK);
		return r;
	}
	if (!name_ok(name, len)) {
		req_finish_later(r, RESOLVE_ERR_BADNAME);
		return r;
	}
	if (!R.running) {
		req_finish_later(r, RESOLVE_ERR_INTERNAL);
		return r;
	}
	log_debug(LD_EXIT, "resolve req=%p name=%s", (void *)r, log_scrub(name));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	/* Our own ordering; the environment's CARES_HOSTS may replace /etc/hosts. */
	hints.ai_flags = ARES_AI_NOSORT | ARES_AI_ENVHOSTS;
	r->r_in_ares = true;
	ml_timer_start(&r->r_deadline, R.timeout, 0.);
	/* May call back at once (/etc/hosts): the result is deferred anyway. */
	ares_getaddrinfo(R.ch, name, NULL, &hints, resolve_addrinfo_cb, r);
	resolve_reschedule();
	return r;
}

struct resolve_req *
resolve_start_ptr(const struct addr *a, resolve_cb cb, void *arg)
{
	struct resolve_req *r = req_new(cb, arg, AF_UNSPEC);
	char ip[ADDR_STRLEN];

	if (!R.running || (addr_family(a) != AF_INET && addr_family(a) != AF_INET6)) {
		req_finish_later(r, R.running ? RESOLVE_ERR_BADNAME : RESOLVE_ERR_INTERNAL);
		return r;
	}
	log_debug(LD_EXIT, "resolve req=%p ptr=%s", (void *)r,
	    log_scrub(addr_fmt_ip(a, ip, sizeof(ip))));
	r->r_in_ares = true;
	ml_timer_start(&r->r_deadline, R.timeout, 0.);
	if (addr_family(a) == AF_INET)
		ares_gethostbyaddr(R.ch, &a->a_u.sin.sin_addr, 4, AF_INET,
		    resolve_hostent_cb, r);
	else
		ares_gethostbyaddr(R.ch, &a->a_u.sin6.sin6_addr, 16, AF_INET6,
		    resolve_hostent_cb, r);
	resolve_reschedule();
	return r;
}

void
resolve_cancel(struct resolve_req *r)
{
	if (r == NULL || BUG(r->r_cb == NULL))
		return;
	r->r_cb = NULL;
	R.pending--;
	ml_timer_stop(&r->r_deadline);
	ml_defer_cancel(&r->r_deliver_d);
	if (!r->r_in_ares)
		req_free(r);
}

/* ---- Setup. */

static int
set_servers(const struct addr *servers, size_t n)
{
	struct ares_addr_port_node *nodes = xcalloc(n, sizeof(*nodes));
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		uint16_t port = addr_port(&servers[i]) ? addr_port(&servers[i]) : 53;

		nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
		nodes[i].family = addr_family(&servers[i]);
		if (nodes[i].family == AF_INET)
			nodes[i].addr.addr4 = servers[i].a_u.sin.sin_addr;
		else if (nodes[i].family == AF_INET6)
			memcpy(&nodes[i].addr.addr6, &servers[i].a_u.sin6.sin6_addr, 16);
		else {
			free(nodes);
			log_err(LD_EXIT, "resolve: nameserver %zu has no IP address", i);
			return -1;
		}
		nodes[i].udp_port = nodes[i].tcp_port = port;
	}
	rc = ares_set_servers_ports(R.ch, nodes);
	free(nodes);
	if (rc != ARES_SUCCESS) {
		log_err(LD_EXIT, "resolve: cannot set nameservers: %s", ares_strerror(rc));
		return -1;
	}
	return 0;
}

int
resolve_init(const struct resolve_options *opts)
{
	struct ares_options o;
	char lookups[] = "fb";
	int rc, mask;

	resolve_shutdown();
	if (!R.lib_init) {
		rc = ares_library_init(ARES_LIB_INIT_ALL);
		if (rc != ARES_SUCCESS) {
			log_err(LD_EXIT, "resolve: c-ares init: %s", ares_strerror(rc));
			return -1;
		}
		R.lib_init = true;
	}
	R.timeout = opts != NULL && opts->ro_timeout > 0 ? opts->ro_timeout :
	    RESOLVE_DEFAULT_TIMEOUT;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = resolve_sock_state_cb;
	/* c-ares retries once; the deadline of each request bounds the total. */
	o.timeout = (int)MAX(R.timeout * 1000 / 3, 200);
	o.tries = 2;
	/* Never append the exit's own search domains to a client's name. */
	o.domains = NULL;
	o.ndomains = 0;
	o.ndots = 1;
	o.lookups = lookups;
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_DOMAINS | ARES_OPT_NDOTS | ARES_OPT_LOOKUPS;
	rc = ares_init_options(&R.ch, &o, mask);
	if (rc != ARES_SUCCESS) {
		log_err(LD_EXIT, "resolve: c-ares channel: %s", ares_strerror(rc));
		return -1;
	}
	R.running = true;
	ml_timer_init(&R.timer, resolve_timer_cb);
	if (opts != NULL && opts->ro_n_servers > 0 &&
	    set_servers(opts->ro_servers, opts->ro_n_servers) < 0) {
		resolve_shutdown();
		return -1;
	}
	log_info(LD_EXIT, "resolver ready timeout=%.1fs nameservers=%s", R.timeout,
	    opts != NULL && opts->ro_n_servers > 0 ? "configured" : "system");
	return 0;
}

void
resolve_shutdown(void)
{
	struct resolve_req *r;
	size_t i;

	/* Nobody waits any more; c-ares' final callbacks free what it holds. */
	TAILQ_FOREACH(r, &R.reqs, r_entry) {
		ml_timer_stop(&r->r_deadline);
		ml_defer_cancel(&r->r_deliver_d);
		r->r_cb = NULL;
	}
	R.pending = 0;
	if (R.running) {
		ares_destroy(R.ch);
		R.running = false;
		ml_timer_stop(&R.timer);
	}
	while ((r = TAILQ_FIRST(&R.reqs)) != NULL) {
		if (BUG(r->r_in_ares))
			r->r_in_ares = false;
		req_free(r);
	}
	for (i = 0; i < R.n_socks; i++) {
		if (R.socks[i]->s_fd != -1)
			ml_io_stop(&R.socks[i]->s_io);
		free(R.socks[i]);
	}
	free(R.socks);
	R.socks = NULL;
	R.n_socks = 0;
	if (R.lib_init) {
		ares_library_cleanup();
		R.lib_init = false;
	}
}

size_t
resolve_pending(void)
{
	return R.pending;
}

/* ---- Helpers. */

uint32_t
resolve_clip_ttl(uint32_t ttl)
{
	return ttl <= TTL_CLIP_LOW ? TTL_CLIP_LOW : TTL_CLIP_HIGH;
}

bool
resolve_status_is_transient(enum resolve_status st)
{
	return st == RESOLVE_ERR_TIMEOUT || st == RESOLVE_ERR_SERVFAIL ||
	    st == RESOLVE_ERR_INTERNAL;
}

const char *
resolve_status_str(enum resolve_status st)
{
	switch (st) {
	case RESOLVE_OK:		return "ok";
	case RESOLVE_ERR_NOTFOUND:	return "not found";
	case RESOLVE_ERR_BADNAME:	return "bad name";
	case RESOLVE_ERR_TIMEOUT:	return "timeout";
	case RESOLVE_ERR_SERVFAIL:	return "server failure";
	case RESOLVE_ERR_INTERNAL:	return "internal error";
	}
	return "unknown";
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
resolve_parse_arpa(const char *name, struct addr *a)
{
	size_t len = strlen(name);
	char buf[RESOLVE_NAME_MAX + 2];
	static const char v4sfx[] = ".in-addr.arpa", v6sfx[] = ".ip6.arpa";
	const size_t v4l = sizeof(v4sfx) - 1, v6l = sizeof(v6sfx) - 1;

	memset(a, 0, sizeof(*a));
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > RESOLVE_NAME_MAX)
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';

	if (len > v4l && strcasecmp(buf + len - v4l, v4sfx) == 0) {
		uint8_t ip[4];
		char *p = buf, *dot;
		int i;

		buf[len - v4l] = '\0';
		for (i = 3; i >= 0; i--) {
			unsigned long v = 0;
			size_t nd = 0;

			dot = strchr(p, '.');
			if ((dot == NULL) != (i == 0))
				return -1;
			if (dot != NULL)
				*dot = '\0';
			for (; p[nd] != '\0'; nd++) {
				if (!isdigit((unsigned char)p[nd]) || nd >= 3)
					return -1;
				v = v * 10 + (unsigned long)(p[nd] - '0');
			}
			if (nd == 0 || v > 255 || (nd > 1 && p[0] == '0'))
				return -1;
			ip[i] = (uint8_t)v;
			p = dot != NULL ? dot + 1 : p;
		}
		a->a_u.sin.sin_family = AF_INET;
		memcpy(&a->a_u.sin.sin_addr, ip, 4);
		a->a_len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (len == 63 + v6l && strcasecmp(buf + 63, v6sfx) == 0) {
		uint8_t *ip = a->a_u.sin6.sin6_addr.s6_addr;
		int i;

		/* 32 "x." pairs, least significant nibble first. */
		for (i = 0; i < 32; i++) {
			int v = hexval(buf[2 * i]);

			if (v < 0 || (i < 31 && buf[2 * i + 1] != '.'))
				return -1;
			if (i % 2 == 0)
				ip[15 - i / 2] = (uint8_t)v;
			else
				ip[15 - i / 2] |= (uint8_t)(v << 4);
		}
		a->a_u.sin6.sin6_family = AF_INET6;
		a->a_len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}
