/*
 * test_dirclient.c: the directory HTTP client against a forked loopback
 * server with canned answers: a body with and without Content-Length,
 * POST bodies, oversized, truncated and malformed answers, silence
 * (timeout), a refused connect, and cancellation.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/mainloop/mainloop.h"
#include "feature/dir/dirclient.h"
#include "lib/util.h"

static pid_t server_pid = -1;
static struct addr server_addr;

/* ---- the canned server (child process) -------------------------------- */

static void
xsend(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void
serve_one(int fd)
{
	char req[16384], *p;
	size_t got = 0, need = 0;
	char out[256];

	/* Read the head and, if any, a Content-Length body. */
	for (;;) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if ((p = strstr(req, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(req, "Content-Length: ");
			size_t head = (size_t)(p + 4 - req);

			need = head + (cl != NULL && cl < p ? strtoul(cl + 16, NULL, 10) : 0);
			if (got >= need)
				break;
		}
		if (got >= sizeof(req) - 1)
			return;
	}
	if (strncmp(req, "GET /ok ", 8) == 0) {
		const char *r = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";

		xsend(fd, r, strlen(r));
	} else if (strncmp(req, "GET /eof ", 9) == 0) {
		const char *r = "HTTP/1.0 404 Not Found\r\n\r\nno such document\n";

		xsend(fd, r, strlen(r));
	} else if (strncmp(req, "POST /post ", 11) == 0) {
		size_t blen = need - (size_t)(strstr(req, "\r\n\r\n") + 4 - req);

		snprintf(out, sizeof(out), "HTTP/1.0 201 Created\r\nContent-Length: %zu\r\n\r\n",
		    blen);
		xsend(fd, out, strlen(out));
		xsend(fd, strstr(req, "\r\n\r\n") + 4, blen);
	} else if (strncmp(req, "GET /big ", 9) == 0) {
		static char blob[100000];
		const char *r = "HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n";

		memset(blob, 'x', sizeof(blob));
		xsend(fd, r, strlen(r));
		xsend(fd, blob, sizeof(blob));
	} else if (strncmp(req, "GET /bigeof ", 12) == 0) {
		static char blob[100000];
		const char *r = "HTTP/1.0 200 OK\r\n\r\n";

		memset(blob, 'y', sizeof(blob));
		xsend(fd, r, strlen(r));
		xsend(fd, blob, sizeof(blob));
	} else if (strncmp(req, "GET /trunc ", 11) == 0) {
		const char *r = "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc";

		xsend(fd, r, strlen(r));
	} else if (strncmp(req, "GET /garbage ", 13) == 0) {
		const char *r = "SSH-2.0-OpenSSH\r\n\r\n";

		xsend(fd, r, strlen(r));
	} else if (strncmp(req, "GET /silent ", 12) == 0) {
		sleep(5);
	}
}

static void
server_main(int lfd)
{
	alarm(60);	/* bounded even if the parent dies without killing us */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (fork() == 0) {
			close(lfd);
			serve_one(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

static int
setup(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, one = 1;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 16), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	memset(&server_addr, 0, sizeof(server_addr));
	memcpy(&server_addr.a_u.sin, &sin, sizeof(sin));
	server_addr.a_len = sizeof(sin);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0)
		server_main(lfd);
	close(lfd);
	assert_int_equal(mainloop_init(), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	mainloop_free();
	return 0;
}

/* ---- the client side --------------------------------------------------- */

struct got {
	int	calls;
	int	status;
	char	body[128];
	size_t	len;
	char	err[96];
	bool	nul_ok;
};

static void
got_cb(void *arg, int status, const char *body, size_t len, const char *err)
{
	struct got *g = arg;

	g->calls++;
	g->status = status;
	g->len = len;
	if (body != NULL) {
		g->nul_ok = body[len] == '\0';
		snprintf(g->body, sizeof(g->body), "%.*s", (int)(len < 100 ? len : 100), body);
	}
	if (err != NULL)
		snprintf(g->err, sizeof(g->err), "%s", err);
	mainloop_exit();
}

static void
guard_cb(struct ml_timer *t)
{
	(void)t;
	mainloop_exit();
}

static void
run_for(double secs)
{
	struct ml_timer guard;

	ml_timer_init(&guard, guard_cb);
	ml_timer_start(&guard, secs, 0.);
	mainloop_run();
	ml_timer_stop(&guard);
}

static struct got
fetch(const char *method, const char *path, const char *body, size_t max, double timeout)
{
	struct got g;
	struct dirclient_req *r;

	memset(&g, 0, sizeof(g));
	r = dirclient_request(&server_addr, method, path, body, body ? strlen(body) : 0,
	    max, timeout, got_cb, &g);
	assert_non_null(r);
	assert_int_equal(g.calls, 0);	/* never from inside the call */
	run_for(10.0);
	assert_int_equal(g.calls, 1);
	run_for(0.05);			/* let the close complete */
	assert_int_equal(g.calls, 1);	/* exactly once */
	assert_int_equal(dirclient_in_flight(), 0);
	return g;
}

static void
test_ok_with_length(void **state)
{
	struct got g = fetch("GET", "/ok", NULL, 1024, 5.0);

	(void)state;
	assert_int_equal(g.status, 200);
	assert_int_equal(g.len, 5);
	assert_string_equal(g.body, "hello");
	assert_true(g.nul_ok);
}

static void
test_body_until_eof(void **state)
{
	struct got g = fetch("GET", "/eof", NULL, 1024, 5.0);

	(void)state;
	assert_int_equal(g.status, 404);
	assert_string_equal(g.body, "no such document\n");
	assert_true(g.nul_ok);
}

static void
test_post_body(void **state)
{
	struct got g = fetch("POST", "/post", "router test\nsigned\n", 1024, 5.0);

	(void)state;
	assert_int_equal(g.status, 201);
	assert_string_equal(g.body, "router test\nsigned\n");
}

static void
test_large_body_fits(void **state)
{
	struct got g = fetch("GET", "/big", NULL, 100000, 5.0);

	(void)state;
	assert_int_equal(g.status, 200);
	assert_int_equal(g.len, 100000);
	assert_true(g.nul_ok);
}

static void
test_too_large(void **state)
{
	struct got g = fetch("GET", "/big", NULL, 1000, 5.0);
	struct got h = fetch("GET", "/bigeof", NULL, 1000, 5.0);

	(void)state;
	assert_int_equal(g.status, 0);
	assert_string_equal(g.err, "response body too large");
	assert_int_equal(h.status, 0);
	assert_string_equal(h.err, "response body too large");
}

static void
test_truncated(void **state)
{
	struct got g = fetch("GET", "/trunc", NULL, 1024, 5.0);

	(void)state;
	assert_int_equal(g.status, 0);
	assert_string_equal(g.err, "truncated response body");
}

static void
test_garbage(void **state)
{
	struct got g = fetch("GET", "/garbage", NULL, 1024, 5.0);

	(void)state;
	assert_int_equal(g.status, 0);
	assert_string_equal(g.err, "malformed HTTP response");
}

static void
test_timeout(void **state)
{
	uint64_t t0 = util_mono_msec();
	struct got g = fetch("GET", "/silent", NULL, 1024, 0.3);

	(void)state;
	assert_int_equal(g.status, 0);
	assert_string_equal(g.err, "timed out");
	assert_true(util_mono_msec() - t0 < 4000);
}

static void
test_refused(void **state)
{
	struct addr a = server_addr;
	struct got g;
	struct dirclient_req *r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	(void)state;
	/* A port that was just free: bind, read the port, close. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	memcpy(&a.a_u.sin, &sin, sizeof(sin));
	memset(&g, 0, sizeof(g));
	r = dirclient_request(&a, "GET", "/ok", NULL, 0, 1024, 5.0, got_cb, &g);
	if (r == NULL)
		return;		/* refused synchronously: also a clean outcome */
	assert_int_equal(g.calls, 0);
	run_for(10.0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_true(strlen(g.err) > 0);
	run_for(0.05);
	assert_int_equal(dirclient_in_flight(), 0);
}

static void
test_cancel(void **state)
{
	struct got g;
	struct dirclient_req *r;

	(void)state;
	memset(&g, 0, sizeof(g));
	r = dirclient_request(&server_addr, "GET", "/silent", NULL, 0, 1024, 5.0, got_cb, &g);
	assert_non_null(r);
	assert_int_equal(dirclient_in_flight(), 1);
	dirclient_cancel(r);
	run_for(0.3);
	assert_int_equal(g.calls, 0);
	assert_int_equal(dirclient_in_flight(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_with_length),
		cmocka_unit_test(test_body_until_eof),
		cmocka_unit_test(test_post_body),
		cmocka_unit_test(test_large_body_fits),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
