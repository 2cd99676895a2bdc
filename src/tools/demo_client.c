/*
 * demo_client.c: `tord-demo client`.  Reaches the echo service (or a web
 * page) through a SOCKS5 proxy such as tord's client port, or directly with
 * --direct.  Through SOCKS the host name goes to the proxy as a domain
 * name (ATYP 3) and is never resolved here, so no DNS leaks.
 *
 * Echo mode answers the challenge (demo.h), sends each --message (or each
 * stdin line) and prints the echo.  --open URL fetches an http:// page,
 * saves the body to a private temp file and hands it to $BROWSER or
 * xdg-open, printing the path.  Blocking sockets with per-step timeouts:
 * a command-line tool needs nothing more.  Entry: demo_client_run().
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/crypto.h"
#include "lib/util.h"
#include "tools/demo.h"

#define PAGE_MAX	(64u * 1024 * 1024)

/* Buffered line reader over a blocking socket. */
struct rd {
	int	fd;
	char	buf[DEMO_LINE_MAX + 1];
	size_t	len;
};

static const char *
socks_reply_str(int rep)
{
	static const char *const s[] = {
		"succeeded", "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
	};

	return rep >= 0 && rep < (int)ARRAY_LEN(s) ? s[rep] : "unknown error";
}

static int
set_timeouts(int fd, unsigned sec)
{
	struct timeval tv = { .tv_sec = sec, .tv_usec = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	return 0;
}

/* Connect with a timeout; returns a blocking fd or -1 (errno set). */
static int
connect_addr(const struct sockaddr *sa, socklen_t len, unsigned timeout)
{
	struct pollfd p;
	int fd, err = 0, fl;
	socklen_t elen = sizeof(err);

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		p = (struct pollfd){ fd, POLLOUT, 0 };
		if (poll(&p, 1, (int)timeout * 1000) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, fl);
	if (set_timeouts(fd, timeout) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_exact(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n > 0) {
		ssize_t r = recv(fd, b, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* SOCKS5 CONNECT to host:port over fd; -1 with a message on failure. */
static int
socks5_connect(int fd, const struct demo_client_opts *o, const char *host,
    uint16_t port)
{
	uint8_t req[4 + 1 + 255 + 2], rep[4 + 255 + 2];
	size_t n = 0, hl = strlen(host), ul, pl;
	bool auth = o->socks_user != NULL;
	struct in_addr a4;
	struct in6_addr a6;

	req[0] = 5; req[1] = 1; req[2] = auth ? 2 : 0;
	if (write_all(fd, req, 3) < 0 || read_exact(fd, rep, 2) < 0)
		goto io;
	if (rep[0] != 5 || rep[1] != req[2]) {
		fprintf(stderr, "tord-demo: SOCKS proxy refused our %s method\n",
		    auth ? "username/password" : "no-auth");
		return -1;
	}
	if (auth) {
		const char *pw = o->socks_pass ? o->socks_pass : "";

		ul = strlen(o->socks_user);
		pl = strlen(pw);
		if (ul == 0 || ul > 255 || pl > 255) {
			fprintf(stderr, "tord-demo: SOCKS username/password too long\n");
			return -1;
		}
		req[n++] = 1;
		req[n++] = (uint8_t)ul;
		memcpy(req + n, o->socks_user, ul), n += ul;
		req[n++] = (uint8_t)pl;
		memcpy(req + n, pw, pl), n += pl;
		if (write_all(fd, req, n) < 0 || read_exact(fd, rep, 2) < 0)
			goto io;
		if (rep[1] != 0) {
			fprintf(stderr, "tord-demo: SOCKS authentication refused\n");
			return -1;
		}
		n = 0;
	}
	req[n++] = 5; req[n++] = 1; req[n++] = 0;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		req[n++] = 1;
		memcpy(req + n, &a4, 4), n += 4;
	} else if (inet_pton(AF_INET6, host, &a6) == 1) {
		req[n++] = 4;
		memcpy(req + n, &a6, 16), n += 16;
	} else {
		if (hl == 0 || hl > 255) {
			fprintf(stderr, "tord-demo: host name too long\n");
			return -1;
		}
		req[n++] = 3;	/* the proxy resolves: no local DNS */
		req[n++] = (uint8_t)hl;
		memcpy(req + n, host, hl), n += hl;
	}
	req[n++] = (uint8_t)(port >> 8);
	req[n++] = (uint8_t)port;
	if (write_all(fd, req, n) < 0 || read_exact(fd, rep, 4) < 0)
		goto io;
	if (rep[0] != 5) {
		fprintf(stderr, "tord-demo: malformed SOCKS reply\n");
		return -1;
	}
	if (rep[1] != 0) {
		fprintf(stderr, "tord-demo: SOCKS proxy could not connect: %s "
		    "(reply %d)\n", socks_reply_str(rep[1]), rep[1]);
		return -1;
	}
	switch (rep[3]) {
	case 1: n = 4 + 2; break;
	case 4: n = 16 + 2; break;
	case 3:
		if (read_exact(fd, rep, 1) < 0)
			goto io;
		n = (size_t)rep[0] + 2;
		break;
	default:
		fprintf(stderr, "tord-demo: malformed SOCKS reply\n");
		return -1;
	}
	if (read_exact(fd, rep, n) < 0)
		goto io;
	return 0;
io:
	fprintf(stderr, "tord-demo: SOCKS exchange failed: %s\n", strerror(errno));
	return -1;
}

/* Open a stream to host:port, through SOCKS unless o->direct. */
static int
open_stream(const struct demo_client_opts *o, const char *host, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (o->direct) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
		char ps[8];
		int e;

		snprintf(ps, sizeof(ps), "%u", port);
		if ((e = getaddrinfo(host, ps, &hints, &res)) != 0) {
			fprintf(stderr, "tord-demo: %s: %s\n", host, gai_strerror(e));
			return -1;
		}
		fd = -1;
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
			fd = connect_addr(ai->ai_addr, ai->ai_addrlen, o->timeout);
		freeaddrinfo(res);
		if (fd < 0)
			fprintf(stderr, "tord-demo: cannot connect to %s:%u: %s\n",
			    host, port, strerror(errno));
		return fd;
	}
	if (demo_parse_sockaddr(o->socks, &ss, &len) < 0) {
		fprintf(stderr, "tord-demo: --socks wants IP:PORT, got '%s'\n",
		    o->socks);
		return -1;
	}
	fd = connect_addr((struct sockaddr *)&ss, len, o->timeout);
	if (fd < 0) {
		fprintf(stderr, "tord-demo: cannot reach SOCKS proxy %s: %s\n",
		    o->socks, strerror(errno));
		return -1;
	}
	if (socks5_connect(fd, o, host, port) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one line (without "\n" or "\r\n") into out; -1 on EOF/error. */
static int
rd_line(struct rd *r, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - r->buf);

			if (l >= cap)
				return -1;
			memcpy(out, r->buf, l);
			out[l] = '\0';
			if (l > 0 && out[l - 1] == '\r')
				out[l - 1] = '\0';
			memmove(r->buf, nl + 1, r->len - l - 1);
			r->len -= l + 1;
			return 0;
		}
		if (r->len >= DEMO_LINE_MAX)
			return -1;
		n = recv(r->fd, r->buf + r->len, DEMO_LINE_MAX - r->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		r->len += (size_t)n;
	}
}

/* Answer one CHALLENGE line; -1 on a malformed line or a key we lack. */
static int
answer_challenge(const char *line, const struct demo_secret *sec,
    struct demo_key *key, int fd)
{
	uint8_t ch[DEMO_CHALLENGE_LEN], salt[DEMO_SALT_MAX], ans[32];
	char hex[65], sh[2 * DEMO_SALT_MAX + 1], out[80];
	unsigned long iter;
	size_t sl;
	int rv = -1;

	if (sscanf(line, "CHALLENGE %64s %lu %128s", hex, &iter, sh) != 3 ||
	    strlen(hex) != 64 || util_hex_decode(hex, 64, ch, sizeof(ch)) < 0 ||
	    (sl = strlen(sh)) % 2 || sl == 0 ||
	    util_hex_decode(sh, sl, salt, sl / 2) < 0) {
		fprintf(stderr, "tord-demo: malformed challenge from server\n");
		return -1;
	}
	/* A hostile server must not make us spin for minutes. */
	if (iter < DEMO_ITER_MIN || iter > DEMO_ITER_MAX) {
		fprintf(stderr, "tord-demo: server asks for %lu PBKDF2 "
		    "iterations; refusing\n", iter);
		return -1;
	}
	if (key->k_iter != iter || key->k_saltlen != sl / 2 ||
	    memcmp(key->k_salt, salt, sl / 2) != 0) {
		if (demo_secret_key(sec, salt, sl / 2, (uint32_t)iter, key) < 0) {
			fprintf(stderr, "tord-demo: cannot derive the key for "
			    "this server (a stored key only works with its own "
			    "salt and iterations)\n");
			return -1;
		}
	}
	demo_answer(key, ch, ans);
	util_hex_encode(ans, sizeof(ans), hex);
	snprintf(out, sizeof(out), "RESPONSE %s\n", hex);
	if (write_all(fd, out, strlen(out)) == 0)
		rv = 0;
	crypto_wipe(ans, sizeof(ans));
	crypto_wipe(out, sizeof(out));
	return rv;
}

/* Authenticate, then echo each message; exit status. */
static int
run_echo(const struct demo_client_opts *o)
{
	struct demo_secret sec;
	struct demo_key key;
	struct rd *r = NULL;
	char host[256], line[DEMO_LINE_MAX + 1];
	uint16_t port;
	int fd = -1, rv = 1;

	memset(&key, 0, sizeof(key));
	if (demo_split_hostport(o->connect, host, sizeof(host), &port) < 0) {
		fprintf(stderr, "tord-demo: --connect wants HOST:PORT\n");
		return 2;
	}
	if (demo_secret_load(o->password_file, &sec) < 0)
		return 1;
	if ((fd = open_stream(o, host, port)) < 0)
		goto done;
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	if (rd_line(r, line, sizeof(line)) < 0 ||
	    strncmp(line, DEMO_BANNER, strlen(DEMO_BANNER)) != 0) {
		fprintf(stderr, "tord-demo: not a tord-demo echo service\n");
		goto done;
	}
	for (;;) {
		if (rd_line(r, line, sizeof(line)) < 0) {
			fprintf(stderr, "tord-demo: connection closed during "
			    "authentication\n");
			goto done;
		}
		if (strncmp(line, "CHALLENGE ", 10) == 0) {
			if (answer_challenge(line, &sec, &key, fd) < 0)
				goto done;
		} else if (strcmp(line, "WELCOME") == 0) {
			break;
		} else if (strncmp(line, "DENIED", 6) == 0) {
			/* Same password, same answer: retrying is pointless. */
			fprintf(stderr, "tord-demo: password refused by the server\n");
			goto done;
		} else {
			fprintf(stderr, "tord-demo: server says: %.200s\n", line);
			goto done;
		}
	}
	fprintf(stderr, "tord-demo: authenticated\n");
	for (size_t i = 0; ; i++) {
		const char *msg;
		char in[DEMO_LINE_MAX + 1];

		if (o->n_messages > 0) {
			if (i >= o->n_messages)
				break;
			msg = o->messages[i];
		} else {
			if (fgets(in, sizeof(in), stdin) == NULL)
				break;
			in[strcspn(in, "\n")] = '\0';
			msg = in;
		}
		if (strchr(msg, '\n') != NULL || strlen(msg) >= DEMO_LINE_MAX - 1) {
			fprintf(stderr, "tord-demo: message too long or multi-line\n");
			goto done;
		}
		if (write_all(fd, msg, strlen(msg)) < 0 || write_all(fd, "\n", 1) < 0 ||
		    rd_line(r, line, sizeof(line)) < 0) {
			fprintf(stderr, "tord-demo: connection lost: %s\n",
			    strerror(errno));
			goto done;
		}
		printf("%s\n", line);
		fflush(stdout);
	}
	rv = 0;
done:
	if (fd >= 0)
		close(fd);
	free(r);
	demo_secret_wipe(&sec);
	crypto_wipe(&key, sizeof(key));
	return rv;
}

/* Hand path to $BROWSER or xdg-open; 0 if one ran successfully. */
static int
launch_browser(const char *path)
{
	const char *b = getenv("BROWSER");
	char prog[256];
	pid_t pid;
	int st;

	if (b != NULL && *b != '\0') {
		snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(b, ":"), b);
	} else if ((getenv("DISPLAY") || getenv("WAYLAND_DISPLAY")) &&
	    access("/usr/bin/xdg-open", X_OK) == 0) {
		snprintf(prog, sizeof(prog), "/usr/bin/xdg-open");
	} else {
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp(prog, prog, path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
run_open(const struct demo_client_opts *o)
{
	const char *u = o->open_url, *slash;
	const char *tmpdir = getenv("TMPDIR");
	char hostport[256], host[256], path[PATH_MAX];
	char *req = NULL, *buf = NULL, *body;
	size_t len = 0, cap = 65536;
	uint16_t port = 80;
	int fd = -1, out = -1, rv = 1, code = 0;

	if (strncmp(u, "http://", 7) != 0) {
		fprintf(stderr, "tord-demo: --open wants an http:// URL\n");
		return 2;
	}
	u += 7;
	slash = strchr(u, '/');
	if ((slash ? (size_t)(slash - u) : strlen(u)) >= sizeof(hostport)) {
		fprintf(stderr, "tord-demo: host in URL too long\n");
		return 2;
	}
	snprintf(hostport, sizeof(hostport), "%.*s",
	    (int)(slash ? (size_t)(slash - u) : strlen(u)), u);
	if (strchr(hostport, ':') == NULL || (hostport[0] == '[' &&
	    strstr(hostport, "]:") == NULL)) {
		snprintf(host, sizeof(host), "%s", hostport);
		if (host[0] == '[') {	/* [v6] without a port */
			memmove(host, host + 1, strlen(host));
			host[strcspn(host, "]")] = '\0';
		}
	} else if (demo_split_hostport(hostport, host, sizeof(host), &port) < 0) {
		fprintf(stderr, "tord-demo: bad host in URL\n");
		return 2;
	}
	if (strpbrk(slash ? slash : "/", " \r\n") != NULL || host[0] == '\0') {
		fprintf(stderr, "tord-demo: bad URL\n");
		return 2;
	}
	if ((fd = open_stream(o, host, port)) < 0)
		return 1;
	req = xasprintf("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tord-demo\r\n"
	    "Connection: close\r\n\r\n", slash ? slash : "/", hostport);
	if (write_all(fd, req, strlen(req)) < 0)
		goto io;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap >= PAGE_MAX) {
				fprintf(stderr, "tord-demo: page larger than %u bytes\n",
				    PAGE_MAX);
				goto done;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto io;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1 || body == NULL) {
		fprintf(stderr, "tord-demo: not an HTTP response\n");
		goto done;
	}
	body += 4;
	if (code != 200)
		fprintf(stderr, "tord-demo: server answered %d\n", code);
	/* The page outlives us (the browser reads it): where the user keeps temp files. */
	if (tmpdir == NULL || tmpdir[0] != '/' ||
	    (size_t)snprintf(path, sizeof(path), "%s/tord-demo-XXXXXX.html", tmpdir) >= sizeof(path))
		snprintf(path, sizeof(path), "/tmp/tord-demo-XXXXXX.html");
	if ((out = mkstemps(path, 5)) < 0 ||
	    write(out, body, len - (size_t)(body - buf)) != (ssize_t)(len - (size_t)(body - buf))) {
		fprintf(stderr, "tord-demo: cannot write %s: %s\n", path,
		    strerror(errno));
		goto done;
	}
	printf("%s\n", path);
	if (o->no_browser || launch_browser(path) < 0)
		fprintf(stderr, "tord-demo: no browser run; the page is in %s\n",
		    path);
	rv = code == 200 ? 0 : 1;
	goto done;
io:
	fprintf(stderr, "tord-demo: fetching the page failed: %s\n",
	    strerror(errno));
done:
	if (out >= 0)
		close(out);
	if (fd >= 0)
		close(fd);
	free(req);
	free(buf);
	return rv;
}

int
demo_client_run(const struct demo_client_opts *o)
{
	signal(SIGPIPE, SIG_IGN);
	if (!o->direct && o->socks == NULL) {
		fprintf(stderr, "tord-demo: give --socks IP:PORT or --direct\n");
		return 2;
	}
	if (o->open_url != NULL)
		return run_open(o);
	if (o->connect == NULL || o->password_file == NULL) {
		fprintf(stderr, "tord-demo: client needs --connect and "
		    "--password-file (or --open URL)\n");
		return 2;
	}
	return run_echo(o);
}
