/* Unit tests for feature/exit/exit_policy: parsing, evaluation, summary. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/docfmt.h"
#include "feature/exit/exit_policy.h"
#include "lib/buf.h"
#include "lib/addr.h"

static struct exit_policy *
pol(const char *text, bool reject_private)
{
	char err[256] = "";
	struct exit_policy *p = exit_policy_parse(text, reject_private, err, sizeof(err));

	if (p == NULL)
		fail_msg("parse failed: %s", err);
	return p;
}

static bool
allows(const struct exit_policy *p, const char *ip, uint16_t port)
{
	struct addr a;

	if (addr_parse_ip(ip, &a) != 0)
		fail_msg("bad test address %s", ip);
	return exit_policy_allows(p, &a, port);
}

static void
check_fmt(const char *in, const char *want)
{
	struct exit_policy_rule r;
	char err[256] = "", out[EXIT_POLICY_RULE_STRLEN];

	if (exit_policy_parse_rule(in, &r, err, sizeof(err)) != 0)
		fail_msg("\"%s\" rejected: %s", in, err);
	assert_string_equal(exit_policy_rule_fmt(&r, out, sizeof(out)), want);
}

static void
test_parse_good(void **state)
{
	check_fmt("accept *:*", "accept *:*");
	check_fmt("  reject   *:25  ", "reject *:25");
	check_fmt("ACCEPT *4:80-443", "accept *4:80-443");
	check_fmt("reject *6:1-65535", "reject *6:*");
	check_fmt("accept 1.2.3.4:80", "accept 1.2.3.4:80");
	check_fmt("accept 1.2.3.4/32:80", "accept 1.2.3.4:80");
	check_fmt("reject 10.1.2.3/8:*", "reject 10.0.0.0/8:*");	/* host bits cleared */
	check_fmt("accept 0.0.0.0/0:22", "accept *4:22");
	check_fmt("accept [::1]:8080", "accept [::1]:8080");
	check_fmt("reject [2001:db8::1]/32:*", "reject [2001:db8::]/32:*");
	check_fmt("accept [fe80::]/10:7-7", "accept [fe80::]/10:7");
	check_fmt("accept 127.0.0.0/8:*\r\n", "accept 127.0.0.0/8:*");
}

static void
check_bad(const char *in, const char *needle)
{
	struct exit_policy_rule r;
	char err[256] = "";

	if (exit_policy_parse_rule(in, &r, err, sizeof(err)) == 0)
		fail_msg("\"%s\" accepted", in);
	if (strstr(err, needle) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", in, err, needle);
	/* The message names the rule. */
	assert_non_null(strstr(err, "exit policy rule"));
}

static void
test_parse_bad(void **state)
{
	check_bad("", "empty");
	check_bad("   ", "empty");
	check_bad("allow *:*", "accept or reject");
	check_bad("accept", "expected");
	check_bad("accept *", "PORT");
	check_bad("accept *:0", "bad port");
	check_bad("accept *:65536", "bad port");
	check_bad("accept *:80-20", "bad port");
	check_bad("accept *:-20", "bad port");
	check_bad("accept *:80-", "bad port");
	check_bad("accept *:+80", "bad port");
	check_bad("accept *:", "bad port");
	check_bad("accept */8:*", "wildcard");
	check_bad("accept *4/8:*", "wildcard");
	check_bad("accept 1.2.3:*", "bad address");
	check_bad("accept 1.2.3.4.5:*", "bad address");
	check_bad("accept 01.2.3.4:*", "bad address");
	check_bad("accept example.com:80", "bad address");
	check_bad("accept 1.2.3.4/33:*", "prefix length");
	check_bad("accept 1.2.3.4/:*", "prefix length");
	check_bad("accept 1.2.3.4/255.0.0.0:*", "prefix length");
	check_bad("accept ::1:80", "brackets");
	check_bad("accept [::1]", "PORT");
	check_bad("accept [::1:80", "IPv6");
	check_bad("accept [zz::1]:80", "IPv6");
	check_bad("accept [::1]/129:80", "prefix length");
	check_bad("accept [::1]x:80", "IPv6");
	check_bad("accept *:80 junk", "unexpected");
	check_bad("accept *:80,443", "bad port");
}

static void
test_parse_list(void **state)
{
	char err[256] = "";
	struct exit_policy *p;

	p = pol("# comment line\naccept *:80, accept *:443 # web\n\n reject *:*\n", true);
	assert_int_equal(p->p_n, 3);
	exit_policy_free(p);
	assert_null(p);

	p = exit_policy_parse("accept *:80\nreject 1.2.3.4/40:*\n", true, err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, "1.2.3.4/40"));

	/* Empty policy: rejects everything. */
	p = pol("", true);
	assert_int_equal(p->p_n, 0);
	assert_false(allows(p, "8.8.8.8", 80));
	exit_policy_free(p);
}

static void
test_add_fields(void **state)
{
	struct exit_policy *p = exit_policy_new(), *d;
	const uint8_t ten[4] = { 10, 9, 9, 9 }, any[16] = { 0 };

	assert_int_equal(exit_policy_add(p, true, AF_INET, ten, 8, 1, 65535), 0);
	assert_int_equal(exit_policy_add(p, true, 0, any, 0, 80, 80), 0);
	assert_int_equal(exit_policy_add(p, true, AF_INET, ten, 33, 1, 2), -1);
	assert_int_equal(exit_policy_add(p, true, AF_INET, ten, 8, 0, 2), -1);
	assert_int_equal(exit_policy_add(p, true, AF_INET, ten, 8, 5, 2), -1);
	assert_int_equal(exit_policy_add(p, true, 0, any, 8, 1, 2), -1);
	assert_int_equal(exit_policy_add(p, true, 99, any, 0, 1, 2), -1);
	assert_int_equal(p->p_n, 2);
	assert_int_equal(p->p_rules[0].r_addr[1], 0);	/* masked */
	assert_true(p->p_rules[0].r_internal);
	assert_true(allows(p, "10.200.0.1", 22));
	d = exit_policy_dup(p);
	exit_policy_free(p);
	assert_true(allows(d, "10.200.0.1", 22));
	assert_true(allows(d, "8.8.8.8", 80));
	assert_false(allows(d, "8.8.8.8", 81));
	exit_policy_free(d);
}

static void
test_first_match(void **state)
{
	struct exit_policy *p = pol("reject 1.2.3.0/24:80\naccept *:80\n"
	    "accept [2001:db8::]/32:443\nreject *4:443\naccept *:443\n", true);

	assert_false(allows(p, "1.2.3.4", 80));
	assert_true(allows(p, "1.2.4.4", 80));
	assert_false(allows(p, "1.2.4.4", 81));		/* implicit reject *:* */
	assert_true(allows(p, "2001:db8::5", 443));
	assert_false(allows(p, "9.9.9.9", 443));
	assert_true(allows(p, "2001:db9::5", 443));
	/* An IPv4-mapped IPv6 target is judged as its IPv4 address. */
	assert_false(allows(p, "::ffff:1.2.3.4", 80));
	assert_true(allows(p, "::ffff:1.2.4.4", 80));
	assert_false(allows(p, "::ffff:9.9.9.9", 443));
	/* Port 0 is never accepted. */
	assert_false(allows(p, "1.2.4.4", 0));
	exit_policy_free(p);
}

static void
test_reject_private(void **state)
{
	struct exit_policy *p = pol("accept *:*", true);
	static const char *internal[] = {
		"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.1.1", "100.64.0.1", "100.127.255.255",
		"0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
		"fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1",
		"::ffff:10.0.0.1",
	};
	static const char *public[] = {
		"8.8.8.8", "172.32.0.1", "100.128.0.1", "1.1.1.1",
		"2001:4860::8888", "::ffff:8.8.8.8", "223.255.255.255",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(internal); i++)
		if (allows(p, internal[i], 80))
			fail_msg("%s accepted by accept *:* with reject_private", internal[i]);
	for (i = 0; i < ARRAY_LEN(public); i++)
		if (!allows(p, public[i], 80))
			fail_msg("%s rejected", public[i]);
	exit_policy_set_reject_private(p, false);
	for (i = 0; i < ARRAY_LEN(internal); i++)
		assert_true(allows(p, internal[i], 80));
	exit_policy_free(p);

	/* An explicit accept opens exactly what it names. */
	p = pol("reject *:25\naccept *:80\naccept 127.0.0.0/8:*\naccept [::1]:22\n"
	    "accept 0.0.0.0/1:*\naccept 192.168.0.0/16:443\n", true);
	assert_true(allows(p, "127.0.0.1", 80));	/* accept *:80 skipped, 127/8 matches */
	assert_true(allows(p, "127.1.0.1", 9000));
	assert_false(allows(p, "127.0.0.1", 25));	/* an earlier reject still applies */
	assert_true(allows(p, "::1", 22));
	assert_false(allows(p, "::1", 23));
	assert_false(allows(p, "10.0.0.1", 80));	/* 0.0.0.0/1 is not explicit */
	assert_true(allows(p, "11.0.0.1", 81));		/* ... but covers public space */
	assert_true(allows(p, "192.168.7.7", 443));
	assert_false(allows(p, "192.168.7.7", 444));
	assert_true(allows(p, "::ffff:127.0.0.1", 80));
	exit_policy_free(p);

	/* A rule that is wider than an internal block is not explicit. */
	p = pol("accept 172.0.0.0/8:*\naccept 172.16.0.0/12:80\n", true);
	assert_false(p->p_rules[0].r_internal);
	assert_true(p->p_rules[1].r_internal);
	assert_false(allows(p, "172.16.0.1", 81));
	assert_true(allows(p, "172.16.0.1", 80));
	assert_true(allows(p, "172.1.0.1", 81));
	exit_policy_free(p);
}

static void
test_might_allow(void **state)
{
	struct exit_policy *p;

	p = pol("reject *:25\naccept *:*", true);
	assert_false(exit_policy_might_allow_port(p, 25));
	assert_true(exit_policy_might_allow_port(p, 80));
	assert_false(exit_policy_might_allow_port(p, 0));
	exit_policy_free(p);

	/* Partial rejects do not settle it; a later accept might apply. */
	p = pol("reject 1.0.0.0/8:80\naccept *:80\nreject *4:443\nreject *6:443\n"
	    "accept *:443\nreject *4:22\naccept *4:22\naccept *6:22\n", true);
	assert_true(exit_policy_might_allow_port(p, 80));
	assert_false(exit_policy_might_allow_port(p, 443));
	assert_true(exit_policy_might_allow_port(p, 22));	/* via IPv6 */
	assert_false(exit_policy_might_allow_port(p, 21));
	exit_policy_free(p);

	/* Names may resolve to loopback: an explicit internal accept counts. */
	p = pol("accept 127.0.0.0/8:8000-8999", true);
	assert_true(exit_policy_might_allow_port(p, 8080));
	assert_false(exit_policy_might_allow_port(p, 80));
	exit_policy_free(p);

	p = pol("", true);
	assert_false(exit_policy_might_allow_port(p, 80));
	exit_policy_free(p);
}

static void
check_summary(const char *policy, const char *want)
{
	struct exit_policy *p = pol(policy, true);
	char *s = exit_policy_summary(p);

	if (strcmp(s, want) != 0)
		fail_msg("policy \"%s\": summary \"%s\", want \"%s\"", policy, s, want);
	free(s);
	exit_policy_free(p);
}

static void
test_summary(void **state)
{
	check_summary("", "reject 1-65535");
	check_summary("accept *:*", "accept 1-65535");
	check_summary("reject *:*\naccept *:80", "reject 1-65535");
	check_summary("accept *:80\naccept *:443\naccept *:1000-2000",
	    "accept 80,443,1000-2000");
	check_summary("accept *:80-81\naccept *:82", "accept 80-82");
	check_summary("reject *:25\nreject *:119\nreject *:135-139\nreject *:445\n"
	    "reject *:563\nreject *:1214\nreject *:4661-4666\nreject *:6346-6429\n"
	    "reject *:6699\nreject *:6881-6999\naccept *:*",
	    "reject 25,119,135-139,445,563,1214,4661-4666,6346-6429,6699,6881-6999");
	/* Rules about internal networks say nothing about public ones. */
	check_summary("reject 10.0.0.0/8:*\nreject 127.0.0.0/8:*\naccept *:*",
	    "accept 1-65535");
	/* Explicit internal accepts count: a test network's targets are there. */
	check_summary("accept 127.0.0.0/8:*", "accept 1-65535");
	/* Small public rejects are ignored, big ones count. */
	check_summary("reject 1.2.3.0/24:*\naccept *:80", "accept 80");
	check_summary("reject 8.0.0.0/7:80\naccept *:80-81", "accept 81");
	check_summary("reject 8.0.0.0/8:80\nreject 9.0.0.0/8:80\naccept *:80-81",
	    "accept 81");
	check_summary("reject 8.0.0.0/8:80\naccept *:80-81", "accept 80-81");
	/* Partial accepts do not count; IPv6 rules do not touch the p line. */
	check_summary("accept 8.0.0.0/8:80\naccept *6:443\naccept *4:22", "accept 22");
	check_summary("reject *:1\naccept *:*", "reject 1");
	check_summary("reject *:65535\naccept *:*", "reject 65535");
}

/*
 * The summary answers "might a stream to a name on port P be accepted?"
 * for the two kinds of exit: a test network's (explicit loopback accept,
 * then nothing) and a public one with the default policy.
 */
static void
test_summary_internal(void **state)
{
	/* The testnet exit: loopback only, everything else rejected. */
	check_summary("accept 127.0.0.0/8:*\nreject *:*", "accept 1-65535");
	check_summary("accept 127.0.0.0/8:8000-8999\nreject *:*", "accept 8000-8999");
	check_summary("accept [::1]:443\nreject *:*", "accept 443");
	/* An earlier reject covering the whole accepted network hides it ... */
	check_summary("reject *:*\naccept 127.0.0.0/8:*", "reject 1-65535");
	check_summary("reject 127.0.0.0/8:22\naccept 127.0.0.0/8:*", "reject 22");
	check_summary("reject *4:80\naccept 127.0.0.0/8:80-81", "accept 81");
	/* ... a reject of part of it does not. */
	check_summary("reject 127.0.0.1:80\naccept 127.0.0.0/8:80", "accept 80");
	/* Internal rejects before a public accept still say nothing. */
	check_summary("reject 127.0.0.0/8:*\naccept *:80", "accept 80");
	/* Narrow public accepts do not make an exit. */
	check_summary("accept 8.0.0.0/8:*\nreject *:*", "reject 1-65535");
	/* The default policy with reject_private on and nothing explicit. */
	check_summary("reject *:25\nreject *:119\nreject *:135-139\nreject *:445\n"
	    "reject *:563\nreject *:1214\nreject *:4661-4666\nreject *:6346-6429\n"
	    "reject *:6699\nreject *:6881-6999\naccept *:*",
	    "reject 25,119,135-139,445,563,1214,4661-4666,6346-6429,6699,6881-6999");
	check_summary("accept *:80\naccept *:443", "accept 80,443");
}

/* Every port the summary allows passes the BEGIN-time test too. */
static void
test_summary_within_might(void **state)
{
	static const char *policies[] = {
		"accept 127.0.0.0/8:*",
		"reject 127.0.0.1:80\naccept 127.0.0.0/8:80\nreject *:*",
		"reject 8.0.0.0/7:80\naccept *:80-81",
		"reject *4:22\naccept [::1]:22\naccept *:*",
		"accept 10.0.0.0/8:1-100\nreject *:50-60\naccept *:*",
	};
	size_t i;
	unsigned port;

	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct exit_policy *p = pol(policies[i], true);

		for (port = 1; port <= 65535; port += 7)
			if (exit_policy_summary_allows_port(p, (uint16_t)port) &&
			    !exit_policy_might_allow_port(p, (uint16_t)port))
				fail_msg("policy %zu port %u: summary allows, BEGIN refuses",
				    i, port);
		exit_policy_free(p);
	}
}

static void
check_summarize(const char *policy, const char *want)
{
	struct exit_policy *p = pol(policy, true);
	struct policy_summary ps;
	struct buf b = BUF_INIT;
	char *s;

	exit_policy_summarize(p, &ps);
	policy_summary_format(&ps, &b);
	s = docfmt_take(&b, NULL);
	if (strcmp(s, want) != 0)
		fail_msg("policy \"%s\": summary \"%s\", want \"%s\"", policy, s, want);
	free(s);
	exit_policy_free(p);
}

/* The descriptor form agrees with the text and narrows what does not fit. */
static void
test_summarize_struct(void **state)
{
	struct exit_policy *p = exit_policy_new();
	const uint8_t any[16] = { 0 };
	struct policy_summary ps;
	uint16_t port;
	size_t i;

	check_summarize("", "reject 1-65535");
	check_summarize("accept 127.0.0.0/8:*\nreject *:*", "accept 1-65535");
	check_summarize("accept *:80\naccept *:443", "accept 80,443");
	check_summarize("reject *:25\naccept *:*", "reject 25");

	/* 40 accepted ranges: the 8 narrowest go, no port is added. */
	for (port = 1000; port < 1040; port++)
		assert_int_equal(exit_policy_add(p, true, 0, any, 0, (uint16_t)(port * 10),
		    (uint16_t)(port * 10 + (port < 1008 ? 0 : 2))), 0);
	exit_policy_summarize(p, &ps);
	assert_true(ps.ps_accept);
	assert_int_equal(ps.ps_n, POLICY_SUMMARY_MAX_RANGES);
	assert_false(policy_summary_allows(&ps, 10000));	/* narrow: dropped */
	assert_true(policy_summary_allows(&ps, 10080));
	for (i = 1; i <= 65535; i += 3)
		if (policy_summary_allows(&ps, (uint16_t)i))
			assert_true(exit_policy_summary_allows_port(p, (uint16_t)i));
	exit_policy_free(p);

	/* 40 rejected ports then accept all: the closest gaps are rejected too. */
	p = exit_policy_new();
	for (port = 0; port < 40; port++)
		assert_int_equal(exit_policy_add(p, false, 0, any, 0,
		    (uint16_t)(100 + port * (port < 10 ? 2 : 100)),
		    (uint16_t)(100 + port * (port < 10 ? 2 : 100))), 0);
	assert_int_equal(exit_policy_add(p, true, 0, any, 0, 1, 65535), 0);
	exit_policy_summarize(p, &ps);
	assert_false(ps.ps_accept);
	assert_int_equal(ps.ps_n, POLICY_SUMMARY_MAX_RANGES);
	assert_false(policy_summary_allows(&ps, 101));	/* a gap now rejected */
	assert_true(policy_summary_allows(&ps, 80));
	for (i = 1; i <= 65535; i++)
		if (policy_summary_allows(&ps, (uint16_t)i))
			assert_true(exit_policy_summary_allows_port(p, (uint16_t)i));
	exit_policy_free(p);
}

static void
test_summary_long(void **state)
{
	struct exit_policy *p = exit_policy_new();
	const uint8_t any[16] = { 0 };
	char *s;
	uint16_t port;

	/* Every odd port: far beyond 1000 bytes either way. */
	for (port = 1; port < 2000; port += 2)
		assert_int_equal(exit_policy_add(p, true, 0, any, 0, port, port), 0);
	s = exit_policy_summary(p);
	assert_true(strlen(s) <= EXIT_POLICY_SUMMARY_MAX);
	assert_true(strncmp(s, "accept 1,3,5,", 13) == 0);
	assert_true(s[strlen(s) - 1] != ',');
	free(s);
	assert_true(exit_policy_summary_allows_port(p, 1999));
	assert_false(exit_policy_summary_allows_port(p, 1998));
	assert_false(exit_policy_is_reject_all(p));
	exit_policy_free(p);
}

static void
test_limits(void **state)
{
	struct exit_policy *p = exit_policy_new();
	char err[256] = "";
	int i;

	for (i = 0; i < EXIT_POLICY_MAX_RULES; i++)
		assert_int_equal(exit_policy_add_str(p, "reject *:1", err, sizeof(err)), 0);
	assert_int_equal(exit_policy_add_str(p, "reject *:1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	exit_policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_add_fields),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_reject_private),
		cmocka_unit_test(test_might_allow),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_internal),
		cmocka_unit_test(test_summary_within_might),
		cmocka_unit_test(test_summarize_struct),
		cmocka_unit_test(test_summary_long),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
