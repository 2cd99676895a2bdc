/*
 * control_testd.c: the control server alone, for the protocol tests
 * (tests/control_*.sh).  It listens on a Unix socket, registers SIGNAL
 * handlers (SHUTDOWN exits, NEWNYM counts, RELOAD sets the bootstrap
 * phase), a multi-line GETINFO key and the core's keys (no circuits), and runs until SHUTDOWN, SIGTERM
 * or 60 seconds have passed (so a broken test never leaves it behind).
 *
 *   control_testd SOCKET DATADIR cookie|none|password HASH [ready-file]
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mainloop/mainloop.h"
#include "feature/control/control.h"
#include "feature/control/control_auth.h"
#include "feature/control/control_node.h"
#include "feature/control/control_ns.h"
#include "feature/control/control_or.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

static int newnyms;
static struct ml_timer deadline;
static struct netstatus *test_ns;

/*
 * A fixed three-relay network status, so torctl relays and its filters
 * have a known answer: a guard, an exit for 80 and 443, an exit for 22
 * with an IPv6 address.
 */
static void
test_ns_build(void)
{
	static const struct {
		const char	*nick;
		uint8_t		 id, a, b, c, d;
		uint32_t	 flags, bw;
		const char	*policy;
	} rows[] = {
		{ "guardA", 0x11, 127, 10, 0, 1, NSF_FAST | NSF_GUARD | NSF_RUNNING | NSF_STABLE |
		    NSF_VALID, 100, "reject 1-65535" },
		{ "exitB", 0x22, 127, 20, 0, 1, NSF_EXIT | NSF_FAST | NSF_RUNNING | NSF_VALID, 2000,
		    "accept 80,443" },
		{ "exitC", 0x33, 127, 30, 0, 1, NSF_EXIT | NSF_RUNNING | NSF_VALID, 5, "accept 22" },
	};
	struct ns_entry e[ARRAY_LEN(rows)];
	size_t i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		snprintf(e[i].e_nickname, sizeof(e[i].e_nickname), "%s", rows[i].nick);
		memset(e[i].e_id, rows[i].id, sizeof(e[i].e_id));
		e[i].e_published = 1767225600;	/* 2026-01-01 00:00:00 */
		e[i].e_ipv4 = (uint32_t)rows[i].a << 24 | (uint32_t)rows[i].b << 16 |
		    (uint32_t)rows[i].c << 8 | rows[i].d;
		e[i].e_or_port = 9001;
		e[i].e_flags = rows[i].flags;
		e[i].e_bandwidth = rows[i].bw;
		(void)policy_summary_parse(rows[i].policy, &e[i].e_policy);
	}
	e[2].e_has_ipv6 = true;
	e[2].e_ipv6[15] = 1;	/* ::1 */
	e[2].e_ipv6_port = 9002;
	test_ns = control_ns_from_entries(e, ARRAY_LEN(rows), 1767225600);
}

static bool
test_ns_view(struct control_ns_view *v)
{
	v->nv_ns = test_ns;
	v->nv_source = "consensus";
	return test_ns != NULL;
}

static void
on_signal(enum control_signal sig, void *arg)
{
	switch (sig) {
	case CONTROL_SIG_SHUTDOWN:
		mainloop_exit();
		break;
	case CONTROL_SIG_NEWNYM:
		newnyms++;
		break;
	case CONTROL_SIG_RELOAD:
		control_set_bootstrap(50, "reloaded", "Reloaded \"config\"");
		break;
	default:
		break;
	}
}

static int
gi_test(const char *key, struct buf *out, const char **err)
{
	char s[64];

	if (strcmp(key, "test/lines") == 0) {
		buf_add(out, "first\n.dotted\nlast", 18);
		return 0;
	}
	if (strcmp(key, "test/newnyms") == 0) {
		snprintf(s, sizeof(s), "%d", newnyms);
		buf_add(out, s, strlen(s));
		return 0;
	}
	if (strcmp(key, "test/fail") == 0) {
		*err = "Provider failed on purpose";
		return -1;
	}
	return 1;
}

static int
getconf(const char *key, struct buf *out)
{
	if (strcasecmp(key, "Nickname") == 0) {
		buf_add(out, "testnode", 8);
		return 0;
	}
	if (strcasecmp(key, "ControlPort") == 0)
		return 2;
	return 1;
}

static void
on_term(int signo)
{
	mainloop_exit();
}

static void
on_deadline(struct ml_timer *t)
{
	fprintf(stderr, "control_testd: deadline reached\n");
	mainloop_exit();
}

int
main(int argc, char **argv)
{
	struct control_options o;
	struct control_node_sources ns_src;
	char *cookie;
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: control_testd SOCKET DATADIR cookie|none|password HASH [ready]\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	cookie = xasprintf("%s/%s", argv[2], CONTROL_COOKIE_FILE);
	o.co_socket_path = argv[1];
	o.co_cookie_path = cookie;
	o.co_config_file = "/etc/tord/test.ini";
	o.co_nickname = "testnode";
	o.co_max_clients = 4;
	if (strcmp(argv[3], "none") == 0) {
		o.co_auth = CONTROL_AUTHCFG_NONE;
	} else if (strcmp(argv[3], "password") == 0 && argc >= 5) {
		o.co_auth = CONTROL_AUTHCFG_PASSWORD;
		o.co_password_hash = argv[4];
	} else {
		o.co_auth = CONTROL_AUTHCFG_COOKIE;
	}
	log_set_level(getenv("CONTROL_TESTD_DEBUG") ? LL_DEBUG : LL_NOTICE);
	if (crypto_global_init() < 0 || mainloop_init() < 0)
		return 1;
	if (control_start(&o) < 0)
		return 1;
	control_register_signal(CONTROL_SIG_SHUTDOWN, on_signal, NULL);
	control_register_signal(CONTROL_SIG_NEWNYM, on_signal, NULL);
	control_register_signal(CONTROL_SIG_RELOAD, on_signal, NULL);
	control_register_getinfo("test/", gi_test, "test keys");
	control_or_register();
	memset(&ns_src, 0, sizeof(ns_src));
	ns_src.cn_role = "client";
	control_node_register(&ns_src);
	test_ns_build();
	control_ns_set_source(test_ns_view);
	control_ns_register();
	control_set_getconf(getconf);
	control_set_bootstrap(100, "done", "Done");
	mainloop_on_signal(SIGTERM, on_term);
	mainloop_on_signal(SIGINT, on_term);
	ml_timer_init(&deadline, on_deadline);
	ml_timer_start(&deadline, 60.0, 0);
	if (argc >= 6 && (f = fopen(argv[5], "w")) != NULL)
		fclose(f);
	mainloop_run();
	control_stop();
	mainloop_free();
	netstatus_free(test_ns);
	free(cookie);
	return 0;
}
