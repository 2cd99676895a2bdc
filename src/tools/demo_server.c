/*
 * demo_server.c: `tord-demo serve`, one poll(2) loop serving two things on
 * loopback only:
 *
 *   - the echo service (demo.h protocol): a fresh random challenge per
 *     attempt, a bounded number of attempts and a deadline, a constant-time
 *     check of the HMAC answer, then every line echoed back;
 *   - a few HTTP/1.0 pages: "/" (what this is), "/hello" (shows only the
 *     method and path it received), "/bytes/N" (N bytes, byte i = i % 251,
 *     streamed, for transfer tests).
 *
 * Every socket is nonblocking; every buffer and timer is bounded.  Entry
 * point: demo_server_run(), called by tord-demo.c.  No libev here on
 * purpose: the event loop of the daemon belongs to core/mainloop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"
#include "tools/demo.h"

#define WEB_REQ_MAX	8192		/* request line + headers */
#define WEB_TIMEOUT_MS	10000
#define OUT_HIWAT	(64 * 1024)	/* stop reading above this */
#define BYTES_MAX	(1ULL << 32)	/* largest /bytes/N */
#define LINGER_MS	2000		/* drain input before close */

enum conn_state {
	CS_AUTH,	/* echo: waiting for RESPONSE */
	CS_ECHO,	/* echo: authenticated */
	CS_WEB_REQ,	/* web: reading the request */
	CS_WEB_RESP,	/* web: writing the response */
};

struct demo_conn {
	int		 c_fd;
	enum conn_state	 c_state;
	char		 c_peer[64];
	uint8_t		 c_in[WEB_REQ_MAX + 1];
	size_t		 c_inlen;
	uint8_t		*c_out;
	size_t		 c_outlen, c_outoff, c_outcap;
	bool		 c_close_after_flush;
	bool		 c_eof;
	bool		 c_lingering;	/* shut down for writing, draining */
	uint64_t	 c_deadline_ms;
	uint8_t		 c_challenge[DEMO_CHALLENGE_LEN];
	unsigned	 c_tries_left;
	uint64_t	 c_body_off, c_body_len;	/* /bytes/N streaming */
};

struct demo_server {
	const struct demo_server_opts	*o;
	struct demo_key			 key;
	int				 echo_fd, web_fd;
	struct demo_conn		**conns;
	unsigned			 nconns;
};

static volatile sig_atomic_t stop_requested;
static struct log_ratelim rl_peer = LOG_RATELIM_INIT(10);

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Bind and listen on a loopback address; -1 (with message) on error. */
static int
listen_on(const char *spec, const char *what)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[96];
	int fd, one = 1;

	if (demo_parse_sockaddr(spec, &ss, &len) < 0) {
		fprintf(stderr, "tord-demo: %s address '%s': want a literal "
		    "IP:PORT such as 127.0.0.1:7000\n", what, spec);
		return -1;
	}
	if (!demo_is_loopback(&ss)) {
		fprintf(stderr, "tord-demo: refusing to listen on non-loopback "
		    "address %s: the demo serves 127.0.0.0/8 and ::1 only\n", spec);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "tord-demo: cannot listen on %s: %s\n", spec,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	demo_format_sockaddr(&ss, name, sizeof(name));
	printf("tord-demo: %s listening on %s\n", what, name);
	fflush(stdout);
	return fd;
}

static void
out_append(struct demo_conn *c, const void *p, size_t n)
{
	if (c->c_outoff > 0 && c->c_outoff == c->c_outlen)
		c->c_outoff = c->c_outlen = 0;
	if (c->c_outlen + n > c->c_outcap) {
		if (c->c_outoff > 0) {
			memmove(c->c_out, c->c_out + c->c_outoff,
			    c->c_outlen - c->c_outoff);
			c->c_outlen -= c->c_outoff;
			c->c_outoff = 0;
		}
		if (c->c_outlen + n > c->c_outcap) {
			c->c_outcap = MAX(c->c_outlen + n, c->c_outcap * 2);
			c->c_out = xrealloc(c->c_out, c->c_outcap);
		}
	}
	memcpy(c->c_out + c->c_outlen, p, n);
	c->c_outlen += n;
}

static void
out_str(struct demo_conn *c, const char *s)
{
	out_append(c, s, strlen(s));
}

static size_t
out_pending(const struct demo_conn *c)
{
	return c->c_outlen - c->c_outoff;
}

static void
send_challenge(struct demo_server *srv, struct demo_conn *c)
{
	char hex[2 * DEMO_CHALLENGE_LEN + 1], salt[2 * DEMO_SALT_MAX + 1];
	char line[256];

	crypto_rand(c->c_challenge, sizeof(c->c_challenge));
	util_hex_encode(c->c_challenge, sizeof(c->c_challenge), hex);
	util_hex_encode(srv->key.k_salt, srv->key.k_saltlen, salt);
	snprintf(line, sizeof(line), "CHALLENGE %s %u %s\n", hex,
	    (unsigned)srv->key.k_iter, salt);
	out_str(c, line);
	c->c_deadline_ms = util_mono_msec() + 1000ULL * srv->o->auth_timeout;
}

/* Check one line in CS_AUTH; answer, and maybe move on or close. */
static void
auth_line(struct demo_server *srv, struct demo_conn *c, char *line)
{
	uint8_t got[32], want[32];
	char msg[64];
	bool ok = false;

	if (strncmp(line, "RESPONSE ", 9) == 0 && strlen(line + 9) == 64 &&
	    util_hex_decode(line + 9, 64, got, sizeof(got)) == 0) {
		demo_answer(&srv->key, c->c_challenge, want);
		ok = crypto_eq(got, want, sizeof(want));
		crypto_wipe(want, sizeof(want));
	}
	/* A challenge is answered at most once, right or wrong. */
	crypto_wipe(c->c_challenge, sizeof(c->c_challenge));
	if (ok) {
		out_str(c, "WELCOME\n");
		c->c_state = CS_ECHO;
		c->c_deadline_ms = util_mono_msec() + 1000ULL * srv->o->idle_timeout;
		log_info(LD_GENERAL, "peer=%s authenticated", c->c_peer);
		return;
	}
	c->c_tries_left--;
	snprintf(msg, sizeof(msg), "DENIED %u\n", c->c_tries_left);
	out_str(c, msg);
	log_rl(&rl_peer, LL_NOTICE, LD_GENERAL, "peer=%s wrong answer, "
	    "tries_left=%u", c->c_peer, c->c_tries_left);
	if (c->c_tries_left == 0)
		c->c_close_after_flush = true;
	else
		send_challenge(srv, c);
}

/* Consume complete lines from an echo connection's input. */
static void
echo_process(struct demo_server *srv, struct demo_conn *c)
{
	size_t start = 0;

	while (!c->c_close_after_flush) {
		uint8_t *nl = memchr(c->c_in + start, '\n', c->c_inlen - start);
		size_t len;

		if (nl == NULL)
			break;
		len = (size_t)(nl - (c->c_in + start));
		if (c->c_state == CS_ECHO) {
			out_append(c, c->c_in + start, len + 1);
			c->c_deadline_ms = util_mono_msec() +
			    1000ULL * srv->o->idle_timeout;
		} else {
			char *line = (char *)c->c_in + start;

			line[len] = '\0';
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			auth_line(srv, c, line);
		}
		start += len + 1;
	}
	memmove(c->c_in, c->c_in + start, c->c_inlen - start);
	c->c_inlen -= start;
	if (c->c_inlen >= DEMO_LINE_MAX && !c->c_close_after_flush) {
		out_str(c, "ERROR line too long\n");
		c->c_close_after_flush = true;
	}
}

static const char index_html[] =
"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
"<title>tord demo</title></head>\n<body>\n"
"<h1>tord demo service</h1>\n"
"<p>This page came to you through an onion-routing network (or directly, "
"if you asked for that).  The exit relay saw this request in clear, as an "
"exit always does for plain HTTP: that is why the echo service next door "
"never sends its password.  It greets each connection with a fresh random "
"challenge and admits only a client that answers "
"HMAC-SHA256(key, challenge), where the key is derived from the password "
"with PBKDF2.  An observer who records an answer cannot reuse it: the next "
"connection gets another challenge.</p>\n"
"<ul>\n<li><a href=\"/hello\">/hello</a>: what this server learns from "
"your request</li>\n"
"<li><a href=\"/bytes/1024\">/bytes/1024</a>: N test bytes "
"(byte i is i mod 251)</li>\n</ul>\n</body></html>\n";

static void
web_respond(struct demo_conn *c, int code, const char *reason,
    const char *type, const char *body, uint64_t body_len, bool head)
{
	char hdr[512];

	snprintf(hdr, sizeof(hdr), "HTTP/1.0 %d %s\r\nServer: tord-demo\r\n"
	    "Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
	    code, reason, type, body_len);
	out_str(c, hdr);
	if (!head && body != NULL)
		out_append(c, body, (size_t)body_len);
	c->c_state = CS_WEB_RESP;
	c->c_close_after_flush = true;
	c->c_deadline_ms = util_mono_msec() + WEB_TIMEOUT_MS;
}

static void
web_error(struct demo_conn *c, int code, const char *reason)
{
	char body[128];

	snprintf(body, sizeof(body), "%d %s\n", code, reason);
	web_respond(c, code, reason, "text/plain", body, strlen(body), false);
}

/* Handle a complete request held in c_in (NUL-terminated). */
static void
web_request(struct demo_conn *c)
{
	char *line = (char *)c->c_in, *sp1, *sp2, *q;
	char body[1024];
	long long n;
	bool head;

	line[strcspn(line, "\r\n")] = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp2 == NULL || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    sp1[1] != '/') {
		web_error(c, 400, "Bad Request");
		return;
	}
	*sp1 = *sp2 = '\0';
	head = strcmp(line, "HEAD") == 0;
	if (!head && strcmp(line, "GET") != 0) {
		web_error(c, 405, "Method Not Allowed");
		return;
	}
	if ((q = strchr(sp1 + 1, '?')) != NULL)
		*q = '\0';
	for (q = sp1 + 1; *q; q++)
		if (*q < 0x21 || *q > 0x7e) {
			web_error(c, 400, "Bad Request");
			return;
		}
	if (strcmp(sp1 + 1, "/") == 0) {
		web_respond(c, 200, "OK", "text/html; charset=utf-8", index_html,
		    sizeof(index_html) - 1, head);
	} else if (strcmp(sp1 + 1, "/hello") == 0) {
		/* Deliberately no peer address and no headers. */
		snprintf(body, sizeof(body), "hello from tord-demo\n"
		    "method: %s\npath: /hello\n"
		    "This server does not show (or log) your address or your "
		    "request headers.\n", head ? "HEAD" : "GET");
		web_respond(c, 200, "OK", "text/plain; charset=utf-8", body,
		    strlen(body), head);
	} else if (strncmp(sp1 + 1, "/bytes/", 7) == 0 &&
	    util_parse_ll(sp1 + 8, 0, (long long)BYTES_MAX, &n) == 0) {
		web_respond(c, 200, "OK", "application/octet-stream", NULL,
		    (uint64_t)n, head);
		c->c_body_len = head ? 0 : (uint64_t)n;
		c->c_body_off = 0;
	} else {
		web_error(c, 404, "Not Found");
	}
}

static void
web_process(struct demo_conn *c)
{
	char *s = (char *)c->c_in;

	c->c_in[c->c_inlen] = '\0';
	if (memchr(c->c_in, '\0', c->c_inlen) != NULL) {
		web_error(c, 400, "Bad Request");
		return;
	}
	if (strstr(s, "\r\n\r\n") != NULL || strstr(s, "\n\n") != NULL) {
		web_request(c);
		return;
	}
	if (c->c_inlen >= WEB_REQ_MAX)
		web_error(c, 431, "Request Header Fields Too Large");
	else if (c->c_eof)
		c->c_close_after_flush = true;
}

/* Top up the output with generated /bytes/N body. */
static void
web_fill_body(struct demo_conn *c)
{
	uint8_t chunk[16384];

	while (c->c_body_off < c->c_body_len && out_pending(c) < OUT_HIWAT) {
		size_t n = (size_t)MIN((uint64_t)sizeof(chunk),
		    c->c_body_len - c->c_body_off);

		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)((c->c_body_off + i) % 251);
		out_append(c, chunk, n);
		c->c_body_off += n;
	}
}

static void
conn_free(struct demo_conn *c)
{
	close(c->c_fd);
	free(c->c_out);
	crypto_wipe(c, sizeof(*c));
	free(c);
}

static void
accept_one(struct demo_server *srv, int lfd, bool web)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct demo_conn *c;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_rl(&rl_peer, LL_WARN, LD_NET, "accept: %s",
			    strerror(errno));
		return;
	}
	if (srv->nconns >= srv->o->max_clients) {
		static const char busy[] = "ERROR busy\n";

		if (!web && send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL) < 0)
			(void)0;	/* best effort */
		close(fd);
		log_rl(&rl_peer, LL_NOTICE, LD_NET, "refused a connection: "
		    "max_clients=%u reached", srv->o->max_clients);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->c_fd = fd;
	demo_format_sockaddr(&ss, c->c_peer, sizeof(c->c_peer));
	if (web) {
		c->c_state = CS_WEB_REQ;
		c->c_deadline_ms = util_mono_msec() + WEB_TIMEOUT_MS;
	} else {
		c->c_state = CS_AUTH;
		c->c_tries_left = srv->o->tries;
		out_str(c, DEMO_BANNER " tord-demo echo service; answer the "
		    "challenge\n");
		send_challenge(srv, c);
	}
	srv->conns[srv->nconns++] = c;
}

/* Read what is there; false if the connection is finished. */
static bool
conn_read(struct demo_server *srv, struct demo_conn *c)
{
	size_t cap = c->c_state == CS_WEB_REQ ? WEB_REQ_MAX : DEMO_LINE_MAX;
	ssize_t n;

	if (c->c_lingering) {
		uint8_t sink[4096];

		n = recv(c->c_fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			c->c_eof = true;
		return true;
	}
	if (c->c_inlen >= cap)
		return true;
	n = recv(c->c_fd, c->c_in + c->c_inlen, cap - c->c_inlen, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		c->c_eof = true;
	c->c_inlen += (size_t)n;
	/* Lines that arrived before a half-close are still answered. */
	if (c->c_state == CS_WEB_REQ)
		web_process(c);
	else if (c->c_state != CS_WEB_RESP)
		echo_process(srv, c);
	if (c->c_eof)
		c->c_close_after_flush = true;
	return true;
}

static bool
conn_write(struct demo_server *srv, struct demo_conn *c)
{
	ssize_t n;

	if (c->c_state == CS_WEB_RESP)
		web_fill_body(c);
	if (out_pending(c) == 0)
		return true;
	n = send(c->c_fd, c->c_out + c->c_outoff, out_pending(c), MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	c->c_outoff += (size_t)n;
	/* Progress keeps a slow (onion-routed) transfer alive. */
	if (c->c_state == CS_WEB_RESP) {
		c->c_deadline_ms = util_mono_msec() + WEB_TIMEOUT_MS;
		web_fill_body(c);
	} else if (c->c_state == CS_ECHO) {
		c->c_deadline_ms = util_mono_msec() +
		    1000ULL * srv->o->idle_timeout;
	}
	return true;
}

static bool
conn_done(const struct demo_conn *c)
{
	return c->c_close_after_flush && out_pending(c) == 0 &&
	    c->c_body_off >= c->c_body_len;
}

/* Deadlines: log and drop, telling an echo client why. */
static bool
conn_check_deadline(struct demo_conn *c, uint64_t now)
{
	if (now < c->c_deadline_ms)
		return true;
	if (c->c_state == CS_AUTH && !c->c_lingering) {
		static const char msg[] = "TIMEOUT\n";

		if (send(c->c_fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL) < 0)
			(void)0;	/* closing anyway */
	}
	log_rl(&rl_peer, LL_INFO, LD_NET, "peer=%s timed out", c->c_peer);
	return false;
}

static int
server_loop(struct demo_server *srv)
{
	struct pollfd *pfd;
	unsigned max = srv->o->max_clients;

	pfd = xcalloc(max + 2, sizeof(*pfd));
	while (!stop_requested) {
		uint64_t now = util_mono_msec(), next = now + 60000;
		unsigned np = 0, i, j;
		int rc;

		for (i = 0; i < srv->nconns; i++) {
			struct demo_conn *c = srv->conns[i];
			short ev = 0;

			if ((!c->c_close_after_flush && out_pending(c) < OUT_HIWAT &&
			    c->c_state != CS_WEB_RESP) || c->c_lingering)
				ev |= POLLIN;
			if (out_pending(c) > 0 || c->c_body_off < c->c_body_len)
				ev |= POLLOUT;
			pfd[i].fd = c->c_fd;
			pfd[i].events = ev;
			pfd[i].revents = 0;
			next = MIN(next, c->c_deadline_ms);
		}
		np = srv->nconns;
		if (srv->echo_fd >= 0)
			pfd[np++] = (struct pollfd){ srv->echo_fd, POLLIN, 0 };
		if (srv->web_fd >= 0)
			pfd[np++] = (struct pollfd){ srv->web_fd, POLLIN, 0 };
		/* At most 1 s, so a stop signal racing the poll is seen soon. */
		rc = poll(pfd, np, next > now ? (int)MIN(next - now, 1000) : 0);
		if (rc < 0 && errno != EINTR) {
			log_err(LD_NET, "poll: %s", strerror(errno));
			free(pfd);
			return -1;
		}
		now = util_mono_msec();
		/* Service existing connections, compacting the array. */
		for (i = 0, j = 0; i < srv->nconns; i++) {
			struct demo_conn *c = srv->conns[i];
			bool alive = true;

			if (rc > 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				alive = conn_read(srv, c);
			if (alive && rc > 0 && (pfd[i].revents & POLLOUT))
				alive = conn_write(srv, c);
			if (alive && out_pending(c) > 0)
				alive = conn_write(srv, c);	/* replies made just now */
			/*
			 * Closing with unread input would make the kernel send
			 * RST and lose our last reply (ERROR, DENIED 0, 431):
			 * shut down for writing and drain a little first.
			 */
			if (alive && conn_done(c)) {
				if (c->c_eof) {
					alive = false;
				} else if (!c->c_lingering) {
					shutdown(c->c_fd, SHUT_WR);
					c->c_lingering = true;
					c->c_deadline_ms = now + LINGER_MS;
				}
			}
			if (alive)
				alive = conn_check_deadline(c, now);
			if (alive)
				srv->conns[j++] = c;
			else
				conn_free(c);
		}
		srv->nconns = j;
		if (rc > 0) {
			for (i = np - (srv->web_fd >= 0) - (srv->echo_fd >= 0); i < np; i++) {
				if (!(pfd[i].revents & POLLIN))
					continue;
				/* Accept a batch, so a burst of clients is quick. */
				for (int k = 0; k < 64; k++) {
					unsigned before = srv->nconns;
					bool web = pfd[i].fd == srv->web_fd;

					accept_one(srv, pfd[i].fd, web);
					if (srv->nconns == before)
						break;
					/* Greeting goes out at once. */
					(void)conn_write(srv, srv->conns[srv->nconns - 1]);
				}
			}
		}
	}
	free(pfd);
	return 0;
}

int
demo_server_run(const struct demo_server_opts *o)
{
	struct demo_server srv;
	struct demo_secret sec;
	struct sigaction sa;
	int rv = 1;

	memset(&srv, 0, sizeof(srv));
	srv.o = o;
	srv.echo_fd = srv.web_fd = -1;
	if (o->listen == NULL && o->web_listen == NULL) {
		fprintf(stderr, "tord-demo: serve needs --listen and/or "
		    "--web-listen\n");
		return 2;
	}
	if (o->listen != NULL) {
		uint8_t salt[DEMO_SALT_LEN];

		if (o->password_file == NULL) {
			fprintf(stderr, "tord-demo: --listen needs --password-file\n");
			return 2;
		}
		if (demo_secret_load(o->password_file, &sec) < 0)
			return 1;
		/* A fresh salt per start: the password itself is not kept. */
		crypto_rand(salt, sizeof(salt));
		if (sec.s_is_key) {
			srv.key = sec.s_key;
		} else if (demo_secret_key(&sec, salt, sizeof(salt),
		    o->iterations, &srv.key) < 0) {
			fprintf(stderr, "tord-demo: key derivation failed\n");
			demo_secret_wipe(&sec);
			return 1;
		}
		demo_secret_wipe(&sec);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (o->listen != NULL &&
	    (srv.echo_fd = listen_on(o->listen, "echo service")) < 0)
		goto done;
	if (o->web_listen != NULL &&
	    (srv.web_fd = listen_on(o->web_listen, "web pages")) < 0)
		goto done;
	srv.conns = xcalloc(o->max_clients, sizeof(*srv.conns));
	rv = server_loop(&srv) == 0 ? 0 : 1;
	for (unsigned i = 0; i < srv.nconns; i++)
		conn_free(srv.conns[i]);
	free(srv.conns);
	log_notice(LD_GENERAL, "tord-demo: stopped");
done:
	if (srv.echo_fd >= 0)
		close(srv.echo_fd);
	if (srv.web_fd >= 0)
		close(srv.web_fd);
	crypto_wipe(&srv.key, sizeof(srv.key));
	return rv;
}
