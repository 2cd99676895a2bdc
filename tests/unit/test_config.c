/* Unit tests for app/config: types, defaults, lists, errors, reload diff. */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "app/config.h"

#define FP  "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define OK  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define AUTH "[authorities]\nauthority = a1 127.0.0.1:7001 " FP "\n"

static struct tord_config *
parse_ok(const char *text)
{
	struct config_errors errs = { 0, NULL };
	struct tord_config *c = NULL;
	size_t i;

	if (config_parse(text, strlen(text), "t.ini", "/base", &c, &errs) < 0)
		for (i = 0; i < errs.n; i++)
			print_message("unexpected: %s\n", errs.msg[i]);
	assert_int_equal(errs.n, 0);
	assert_non_null(c);
	config_errors_clear(&errs);
	return c;
}

/* Parse text that must fail; return its messages joined by newlines. */
static char *
parse_bad(const char *text)
{
	struct config_errors errs = { 0, NULL };
	struct tord_config *c = NULL;
	size_t i, len = 1;
	char *all;

	assert_int_equal(config_parse(text, strlen(text), "t.ini", NULL, &c, &errs), -1);
	assert_null(c);
	assert_true(errs.n > 0);
	for (i = 0; i < errs.n; i++)
		len += strlen(errs.msg[i]) + 1;
	all = calloc(1, len);
	for (i = 0; i < errs.n; i++) {
		strcat(all, errs.msg[i]);
		strcat(all, "\n");
	}
	config_errors_clear(&errs);
	return all;
}

static void
test_defaults(void **state)
{
	struct tord_config *c = parse_ok("[node]\nrole = client\ndata_directory = d\n" AUTH);
	char buf[ADDR_STRLEN];

	assert_int_equal(c->role, ROLE_CLIENT);
	assert_string_equal(c->data_directory, "/base/d");	/* relative to the file */
	assert_int_equal(c->log_level, LL_NOTICE);
	assert_string_equal(c->log_target, "stderr");
	assert_true(c->safe_logging);
	assert_int_equal(c->control_auth, CTL_AUTH_COOKIE);
	assert_int_equal(c->control_port.a_len, 0);
	assert_int_equal(c->socks_listen.n, 1);
	assert_string_equal(addr_fmt(&c->socks_listen.v.addr[0], buf, sizeof(buf)), "127.0.0.1:9050");
	assert_true(c->enforce_distinct_subnets);
	assert_int_equal(c->max_circuit_dirtiness, 10 * 60 * 1000);
	assert_int_equal(c->circuit_build_timeout, 60000);
	assert_int_equal(c->max_queue_memory, 256ull << 20);
	/* Default exit policy: 10 rejects then accept *:*. */
	assert_int_equal(c->exit_policy.n, 11);
	assert_false(c->exit_policy.v.policy[0].accept);
	assert_int_equal(c->exit_policy.v.policy[0].port_lo, 25);
	assert_true(c->exit_policy.v.policy[10].accept);
	assert_int_equal(c->exit_policy.v.policy[10].port_hi, 65535);
	assert_int_equal(c->authorities.n, 1);
	assert_string_equal(c->authorities.v.authority[0].nickname, "a1");
	assert_int_equal(c->authorities.v.authority[0].id[0], 0x01);
	assert_int_equal(c->authorities.v.authority[0].id[31], 0xEF);
	config_free(c);
	assert_null(c);
}

static void
test_units(void **state)
{
	struct tord_config *c = parse_ok(
	    "[node]\nnickname = R1\nrole = relay\ndata_directory = /d\n"
	    "log_level = DEBUG\nsafe_logging = off\n"
	    "[relay]\nor_listen = [::1]:9001\nbandwidth = 2 GB\n"
	    "onion_key_rotation = 2w\nonion_key_grace = 1500ms ; inline comment\n"
	    "[limits]\nmax_queue_memory = 1MB\nmax_connections = 16\n" AUTH);

	assert_int_equal(c->log_level, LL_DEBUG);
	assert_false(c->safe_logging);
	assert_int_equal(addr_family(&c->or_listen), AF_INET6);
	assert_int_equal(addr_port(&c->or_listen), 9001);
	assert_int_equal(c->bandwidth, 2ull << 30);
	assert_int_equal(c->onion_key_rotation, 14ull * 86400 * 1000);
	assert_int_equal(c->onion_key_grace, 1500);
	assert_int_equal(c->max_queue_memory, 1ull << 20);
	config_free(c);
	/* 64KB is below max_queue_memory's 1MB minimum. */
	c = NULL;
	free(parse_bad("[node]\nrole = client\ndata_directory = d\n[limits]\nmax_queue_memory = 64KB\n" AUTH));
}

static void
test_lists_and_long_lines(void **state)
{
	/* The second relay line is longer than libinih's 200-byte buffer. */
	struct tord_config *c = parse_ok(
	    "[node]\nrole = client\ndata_directory = /d\nlog_domain = circ:debug\n"
	    "   socks:info\n"
	    "[client]\nsocks_listen =\n  127.0.0.1:1\n\n  127.0.0.2:2 ; two\n"
	    "relay = g1 127.1.0.1:5001 " FP " " OK " Guard,Fast\n"
	    "relay = x1 127.3.0.1:5003 $" OK " " FP " Exit,Fast,Stable,Running,Valid ; long\n");
	const struct config_relay *r;

	assert_int_equal(c->log_domains.n, 2);
	assert_int_equal(c->log_domains.v.logdomain[0].domain, LD_CIRC);
	assert_int_equal(c->log_domains.v.logdomain[1].level, LL_INFO);
	assert_int_equal(c->socks_listen.n, 2);	/* file items replace the default */
	assert_int_equal(addr_port(&c->socks_listen.v.addr[1]), 2);
	assert_int_equal(c->static_relays.n, 2);
	r = &c->static_relays.v.relay[1];
	assert_string_equal(r->nickname, "x1");
	assert_int_equal(r->id[0], 0xfe);
	assert_int_equal(r->onion_key[0], 0x01);
	assert_int_equal(r->flags, CONFIG_RELAY_EXIT | CONFIG_RELAY_FAST | CONFIG_RELAY_STABLE |
	    CONFIG_RELAY_RUNNING | CONFIG_RELAY_VALID);
	assert_int_equal(c->static_relays.v.relay[0].flags, CONFIG_RELAY_GUARD | CONFIG_RELAY_FAST);
	config_free(c);
}

static void
test_policy(void **state)
{
	struct tord_config *c = parse_ok(
	    "[node]\nnickname = e\nrole = exit\ndata_directory = /d\n"
	    "[relay]\nor_listen = 127.0.0.1:1\n"
	    "[exit]\npolicy = accept 10.1.2.3/8:80-443\n  reject [2001:db8::1]/32:22\n"
	    "  ACCEPT *:*\n" AUTH);
	const struct config_policy *p = c->exit_policy.v.policy;

	assert_int_equal(c->exit_policy.n, 3);
	assert_true(p[0].accept);
	assert_int_equal(p[0].family, AF_INET);
	assert_int_equal(p[0].bits, 8);
	assert_int_equal(p[0].addr[0], 10);
	assert_int_equal(p[0].addr[1], 0);	/* host bits cleared */
	assert_int_equal(p[0].port_lo, 80);
	assert_int_equal(p[0].port_hi, 443);
	assert_int_equal(p[1].family, AF_INET6);
	assert_int_equal(p[1].bits, 32);
	assert_int_equal(p[1].addr[15], 0);
	assert_int_equal(p[1].port_lo, 22);
	assert_int_equal(p[2].family, 0);
	config_free(c);
}

static void
test_every_error_reported(void **state)
{
	char *msgs = parse_bad(
	    "[node]\nrole = relay\nrole = exit\ndata_directory = d\nbogus = 1\n"
	    "[relay]\nor_listen = 1.2.3.4\nbandwidth = 5 parsecs\n"
	    "[nope]\nx = y\n"
	    "[client]\nsafe_socks = yes\n");

	assert_string_equal(msgs,
	    "t.ini:3: [node] role: repeated (first set on line 2), expected one value\n"
	    "t.ini:5: [node] bogus: unknown key, expected one of the keys of [node] in tord.ini(5)\n"
	    "t.ini:7: [relay] or_listen: '1.2.3.4' is not an address, expected IPv4:PORT or "
	    "[IPv6]:PORT with a numeric address and a port from 1 to 65535\n"
	    "t.ini:8: [relay] bandwidth: '5 parsecs' is not a size, expected a number and a "
	    "unit: B, KB, MB, GB or TB (64KB, 1MB)\n"
	    "t.ini:9: [nope]: unknown section, expected one of node, relay, exit, client, "
	    "authority, authorities, limits\n"
	    "t.ini:11: [client]: section does not apply to role relay, expected it removed or another role\n"
	    "t.ini:1: [node] nickname: missing, expected a nickname (required for role relay)\n"
	    "t.ini:2: [authorities] authority: missing, expected at least one trusted "
	    "authority (required for role relay)\n");
	free(msgs);
	/* Over-long lines are reported, not truncated into something else. */
	{
		char text[2000] = "[node]\nrole = client\ndata_directory = d\nnickname = ";

		memset(text + strlen(text), 'a', 1100);
		msgs = parse_bad(text);
		assert_non_null(strstr(msgs, "t.ini:4: [node]: line too long (1111 bytes), expected at most 1024\n"));
		free(msgs);
	}
}

static void
test_restart_diff(void **state)
{
#define RESTART_BASE "[node]\nrole = client\ndata_directory = /d\nlog_level = %s\n" \
	    "[client]\nsocks_listen = %s\n" AUTH
	struct config_errors why = { 0, NULL };
	struct tord_config *a, *b, *c;
	char text[512];

	snprintf(text, sizeof(text), RESTART_BASE, "notice", "127.0.0.1:9050");
	a = parse_ok(text);
	snprintf(text, sizeof(text), RESTART_BASE, "debug", "127.0.0.1:9050");
	b = parse_ok(text);
	snprintf(text, sizeof(text), RESTART_BASE, "notice", "127.0.0.1:9150");
	c = parse_ok(text);
	assert_int_equal(config_diff_restart_only(a, b, &why), 0);
	assert_int_equal(why.n, 0);
	assert_int_equal(config_diff_restart_only(a, c, &why), 1);
	assert_int_equal(why.n, 1);
	assert_non_null(strstr(why.msg[0], "[client] socks_listen: changed"));
	config_errors_clear(&why);
	config_free(a);
	config_free(b);
	config_free(c);
}

static void
test_load_file(void **state)
{
	struct config_errors errs = { 0, NULL };
	struct tord_config *c = NULL;
	char path[] = "/tmp/test_config_XXXXXX";
	const char *text = "[node]\nrole = client\ndata_directory = state\n" AUTH;
	FILE *f;
	int fd;

	assert_int_equal(config_load("/nonexistent/tord.ini", &c, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "/nonexistent/tord.ini:0: cannot open"));
	config_errors_clear(&errs);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(config_load(path, &c, &errs), 0);
	assert_string_equal(c->data_directory, "/tmp/state");
	assert_string_equal(c->cf_path, path);
	config_free(c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_lists_and_long_lines),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_restart_diff),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
