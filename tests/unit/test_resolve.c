/*
 * Unit tests for feature/exit/resolve: c-ares on the main loop.
 *
 * Nothing leaves 127.0.0.0/8: the only nameserver configured is a UDP
 * socket on 127.0.0.1 that this test opens and never answers, so every
 * name not in a hosts file ends in the timeout path.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/mainloop/mainloop.h"
#include "feature/exit/resolve.h"
#include "lib/addr.h"
#include "lib/util.h"

#define DNS_TIMEOUT	1.0	/* per lookup, seconds */

static int silent_fd = -1;
static struct addr silent_addr;
static char hosts_path[64];

struct got {
	int			calls;
	struct resolve_result	res;
	bool			exit_loop;
};

static void
got_cb(const struct resolve_result *res, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->res = *res;
	if (g->exit_loop)
		mainloop_exit();
}

static void
guard_cb(struct ml_timer *t)
{
	mainloop_exit();
}

/* Run the loop until *calls > 0 or `secs` pass; return seconds spent. */
static double
run_until(const int *calls, double secs)
{
	struct ml_timer guard;
	uint64_t t0 = util_mono_msec();

	ml_timer_init(&guard, guard_cb);
	ml_timer_start(&guard, secs, 0.);
	if (calls == NULL || *calls == 0)
		mainloop_run();
	ml_timer_stop(&guard);
	return (double)(util_mono_msec() - t0) / 1000.;
}

static struct got *
lookup(const char *name, int pref)
{
	static struct got g;

	memset(&g, 0, sizeof(g));
	g.exit_loop = true;
	resolve_start(name, pref, got_cb, &g);
	assert_int_equal(g.calls, 0);		/* never inline */
	run_until(&g.calls, 5 * DNS_TIMEOUT);
	assert_int_equal(g.calls, 1);
	return &g;
}

static bool
etc_hosts_has_localhost(void)
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[256];
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, "127.0.0.1", 9) == 0 &&
		    strstr(line, " localhost") != NULL;
	fclose(f);
	return found;
}

static int
setup(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct resolve_options o = { 0 };
	FILE *f;
	int fd;

	assert_int_equal(mainloop_init(), 0);
	silent_fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(silent_fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(silent_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(silent_fd, (struct sockaddr *)&sin, &len), 0);
	addr_from_sockaddr(&silent_addr, (struct sockaddr *)&sin, len);

	snprintf(hosts_path, sizeof(hosts_path), "/tmp/tord-test-hosts.XXXXXX");
	fd = mkstemp(hosts_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "127.3.0.1 tord-a.test\n::1 tord-a.test\n"
	    "127.3.0.2 tord-b.test tord-b-alias.test\n127.3.0.2 tord-b.test\n"
	    "::2 tord-six.test\n");
	fclose(f);

	o.ro_servers = &silent_addr;
	o.ro_n_servers = 1;
	o.ro_timeout = DNS_TIMEOUT;
	assert_int_equal(resolve_init(&o), 0);
	return 0;
}

static int
teardown(void **state)
{
	resolve_shutdown();
	unlink(hosts_path);
	close(silent_fd);
	mainloop_free();
	return 0;
}

static void
test_numeric(void **state)
{
	struct got *g = lookup("127.0.0.1", AF_INET);
	char buf[ADDR_STRLEN];

	assert_int_equal(g->res.rr_status, RESOLVE_OK);
	assert_int_equal(g->res.rr_n, 1);
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[0], buf, sizeof(buf)), "127.0.0.1");
	g = lookup("[::1]", AF_INET);
	assert_int_equal(g->res.rr_status, RESOLVE_OK);
	assert_int_equal(addr_family(&g->res.rr_addrs[0]), AF_INET6);
	g = lookup("2001:db8::7", AF_INET);
	assert_int_equal(g->res.rr_status, RESOLVE_OK);
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[0], buf, sizeof(buf)), "2001:db8::7");
	assert_int_equal(g->res.rr_ttl, 300);
	assert_int_equal(resolve_pending(), 0);
}

static void
test_bad_names(void **state)
{
	static const char *bad[] = { "", "bad name", "a..b", ".a", "x/y", "a\nb" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		struct got *g = lookup(bad[i], AF_INET);

		assert_int_equal(g->res.rr_status, RESOLVE_ERR_BADNAME);
		assert_false(resolve_status_is_transient(g->res.rr_status));
	}
}

static void
test_localhost_etc_hosts(void **state)
{
	struct got *g;
	char buf[ADDR_STRLEN];
	size_t i;
	bool seen = false;

	if (!etc_hosts_has_localhost())
		skip();
	unsetenv("CARES_HOSTS");
	g = lookup("localhost", AF_INET);
	assert_int_equal(g->res.rr_status, RESOLVE_OK);
	assert_true(g->res.rr_n >= 1);
	for (i = 0; i < g->res.rr_n; i++)
		if (strcmp(addr_fmt_ip(&g->res.rr_addrs[i], buf, sizeof(buf)), "127.0.0.1") == 0)
			seen = true;
	assert_true(seen);
	/* IPv4 first when asked for. */
	assert_int_equal(addr_family(&g->res.rr_addrs[0]), AF_INET);
}

static void
test_hosts_file_order(void **state)
{
	struct got *g;
	char buf[ADDR_STRLEN];

	setenv("CARES_HOSTS", hosts_path, 1);
	g = lookup("tord-a.test", AF_INET);
	assert_int_equal(g->res.rr_status, RESOLVE_OK);
	assert_int_equal(g->res.rr_n, 2);
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[0], buf, sizeof(buf)), "127.3.0.1");
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[1], buf, sizeof(buf)), "::1");
	g = lookup("tord-a.test", AF_INET6);
	assert_int_equal(g->res.rr_n, 2);
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[0], buf, sizeof(buf)), "::1");
	/* Aliases work; a repeated line gives one answer. */
	g = lookup("tord-b-alias.test", AF_UNSPEC);
	assert_int_equal(g->res.rr_status, RESOLVE_OK);
	assert_int_equal(g->res.rr_n, 1);
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[0], buf, sizeof(buf)), "127.3.0.2");
	g = lookup("tord-six.test", AF_INET);
	assert_int_equal(g->res.rr_n, 1);
	assert_string_equal(addr_fmt_ip(&g->res.rr_addrs[0], buf, sizeof(buf)), "::2");
	assert_int_equal(addr_port(&g->res.rr_addrs[0]), 0);
	unsetenv("CARES_HOSTS");
}

static void
test_timeout(void **state)
{
	struct got g = { .exit_loop = true };
	double spent;

	setenv("CARES_HOSTS", hosts_path, 1);
	resolve_start("tord-nowhere.test", AF_INET, got_cb, &g);
	assert_int_equal(resolve_pending(), 1);
	spent = run_until(&g.calls, 10 * DNS_TIMEOUT);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.res.rr_status, RESOLVE_ERR_TIMEOUT);
	assert_true(resolve_status_is_transient(g.res.rr_status));
	assert_true(spent >= DNS_TIMEOUT * 0.9);
	assert_true(spent < DNS_TIMEOUT * 4);
	assert_int_equal(resolve_pending(), 0);
	unsetenv("CARES_HOSTS");
}

static void
test_cancel(void **state)
{
	struct got a = { 0 }, b = { 0 }, c = { .exit_loop = true };
	struct resolve_req *ra, *rb;

	setenv("CARES_HOSTS", hosts_path, 1);
	ra = resolve_start("tord-nowhere.test", AF_INET, got_cb, &a);
	rb = resolve_start("127.0.0.1", AF_INET, got_cb, &b);
	resolve_start("tord-a.test", AF_INET, got_cb, &c);
	resolve_cancel(ra);
	resolve_cancel(rb);
	assert_int_equal(resolve_pending(), 1);
	/* Run past the deadline: the cancelled ones must stay silent. */
	c.exit_loop = false;
	run_until(NULL, 1.5 * DNS_TIMEOUT);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.res.rr_status, RESOLVE_OK);
	assert_int_equal(resolve_pending(), 0);
	unsetenv("CARES_HOSTS");
}

static void
test_ptr(void **state)
{
	struct got g = { .exit_loop = true };
	struct addr a;

	if (!etc_hosts_has_localhost())
		skip();
	assert_int_equal(resolve_parse_arpa("1.0.0.127.in-addr.arpa", &a), 0);
	resolve_start_ptr(&a, got_cb, &g);
	assert_int_equal(g.calls, 0);
	run_until(&g.calls, 5 * DNS_TIMEOUT);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.res.rr_status, RESOLVE_OK);
	assert_string_equal(g.res.rr_name, "localhost");
}

static void
test_parse_arpa(void **state)
{
	struct addr a;
	char buf[ADDR_STRLEN];
	static const char *bad[] = {
		"in-addr.arpa", "1.2.3.in-addr.arpa", "1.2.3.4.5.in-addr.arpa",
		"256.2.3.4.in-addr.arpa", "01.2.3.4.in-addr.arpa", "a.2.3.4.in-addr.arpa",
		"1..3.4.in-addr.arpa", "1.2.3.4.in-addr.arpa.com", "example.com",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
		"g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
		"10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
		"",
	};
	size_t i;

	assert_int_equal(resolve_parse_arpa("4.3.2.1.in-addr.arpa", &a), 0);
	assert_string_equal(addr_fmt_ip(&a, buf, sizeof(buf)), "1.2.3.4");
	assert_int_equal(resolve_parse_arpa("4.3.2.1.IN-ADDR.ARPA.", &a), 0);
	assert_string_equal(addr_fmt_ip(&a, buf, sizeof(buf)), "1.2.3.4");
	assert_int_equal(resolve_parse_arpa("0.0.0.0.in-addr.arpa", &a), 0);
	assert_int_equal(resolve_parse_arpa(
	    "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa", &a), 0);
	assert_string_equal(addr_fmt_ip(&a, buf, sizeof(buf)), "4321:0:1:2:3:4:567:89ab");
	assert_int_equal(resolve_parse_arpa(
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.IP6.ARPA", &a), 0);
	assert_string_equal(addr_fmt_ip(&a, buf, sizeof(buf)), "::1");
	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (resolve_parse_arpa(bad[i], &a) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
}

static void
test_helpers(void **state)
{
	assert_int_equal(resolve_clip_ttl(0), 300);
	assert_int_equal(resolve_clip_ttl(300), 300);
	assert_int_equal(resolve_clip_ttl(301), 3600);
	assert_int_equal(resolve_clip_ttl(UINT32_MAX), 3600);
	assert_string_equal(resolve_status_str(RESOLVE_ERR_NOTFOUND), "not found");
	assert_false(resolve_status_is_transient(RESOLVE_ERR_NOTFOUND));
	assert_true(resolve_status_is_transient(RESOLVE_ERR_SERVFAIL));
}

/* Runs last: requests pending at shutdown are dropped, not called. */
static void
test_shutdown_pending(void **state)
{
	struct got g = { 0 };
	struct resolve_options o = { .ro_servers = &silent_addr, .ro_n_servers = 1,
	    .ro_timeout = DNS_TIMEOUT };

	setenv("CARES_HOSTS", hosts_path, 1);
	resolve_start("tord-nowhere.test", AF_INET, got_cb, &g);
	resolve_start("127.0.0.1", AF_INET, got_cb, &g);
	run_until(NULL, 0.05);
	assert_int_equal(g.calls, 1);		/* the numeric one */
	resolve_shutdown();
	assert_int_equal(resolve_pending(), 0);
	run_until(NULL, 1.5 * DNS_TIMEOUT);
	assert_int_equal(g.calls, 1);
	/* After shutdown: errors come through the callback, still deferred. */
	memset(&g, 0, sizeof(g));
	g.exit_loop = true;
	resolve_start("tord-a.test", AF_INET, got_cb, &g);
	assert_int_equal(g.calls, 0);
	run_until(&g.calls, 1.0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.res.rr_status, RESOLVE_ERR_INTERNAL);
	/* A bad nameserver is refused; a restart works. */
	{
		struct addr none;

		memset(&none, 0, sizeof(none));
		o.ro_servers = &none;
		assert_int_equal(resolve_init(&o), -1);
		o.ro_servers = &silent_addr;
		assert_int_equal(resolve_init(&o), 0);
	}
	unsetenv("CARES_HOSTS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_localhost_etc_hosts),
		cmocka_unit_test(test_hosts_file_order),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_parse_arpa),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_shutdown_pending),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
