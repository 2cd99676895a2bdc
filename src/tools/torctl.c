/*
 * torctl.c: command-line front end of the control port.
 *
 *   torctl [--control PATH|HOST:PORT] [--cookie FILE | --password]
 *          [--password-file FILE] [--json] COMMAND [ARGS]
 *
 * Commands come from one table (torctl_cmds below), mirrored by
 * man/torctl.1; tests/control_man.sh fails if they drift apart.  Each
 * command is a do_* function that talks to the node through
 * torctl_conn.c and prints aligned text for a terminal or JSON (--json).
 * Exit status: 0 ok, 1 command failed, 2 usage, 3 node unreachable or
 * authentication refused.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/proto/ctl.h"
#include "feature/control/control_auth.h"
#include "lib/crypto.h"
#include "lib/util.h"
#include "tools/torctl.h"
#include "tools/torctl_conn.h"
#include "tools/torctl_out.h"

volatile sig_atomic_t torctl_stop;

static void
on_sigint(int signo)
{
	torctl_stop = 1;
}

/* Send line; on success return the reply, else report and return -1. */
static int
run(struct torctl_ctx *x, const char *line, struct ctl_reply *r)
{
	if (torctl_command(&x->conn, line, r) < 0) {
		fprintf(stderr, "torctl: control connection lost\n");
		return -1;
	}
	if (r->r_code != 250) {
		fprintf(stderr, "torctl: %s: %d %s\n", line, r->r_code,
		    r->r_n ? r->r_lines[r->r_n - 1].rl_text : "");
		ctl_reply_clear(r);
		return -1;
	}
	return 0;
}

char *
torctl_getinfo(struct torctl_ctx *x, const char *key, bool quiet)
{
	struct ctl_reply r;
	char line[256], *v = NULL;
	size_t klen = strlen(key);

	snprintf(line, sizeof(line), "GETINFO %s", key);
	if (quiet) {
		if (torctl_command(&x->conn, line, &r) < 0)
			return NULL;
		if (r.r_code != 250) {
			ctl_reply_clear(&r);
			return NULL;
		}
	} else if (run(x, line, &r) < 0) {
		return NULL;
	}
	if (r.r_n >= 1 && r.r_lines[0].rl_data != NULL)
		v = xstrdup(r.r_lines[0].rl_data);
	else if (r.r_n >= 1 && strncmp(r.r_lines[0].rl_text, key, klen) == 0 &&
	    r.r_lines[0].rl_text[klen] == '=')
		v = xstrdup(r.r_lines[0].rl_text + klen + 1);
	ctl_reply_clear(&r);
	return v;
}

/* The GETINFO keys torctl status reads; absent ones (551/552) stay NULL. */
enum st_key {
	SK_ROLE, SK_NICK, SK_FP, SK_VERSION, SK_PID, SK_UPTIME, SK_BOOT,
	SK_NS_SOURCE, SK_NS_RELAYS, SK_NS_VA, SK_NS_FU, SK_NS_VU,
	SK_LINKS, SK_CIRCS, SK_STREAMS, SK_READ, SK_WRITTEN, SK_RATE_R, SK_RATE_W,
	SK_CONFIG,
	SK_R_CARRIED, SK_R_TOTAL, SK_R_CELLS, SK_R_CPS, SK_R_DESC, SK_R_AUTHS,
	SK_R_RATE, SK_R_THROTTLED,
	SK_E_OPENED, SK_E_REFUSED, SK_E_BEGIN,
	SK_A_LISTED, SK_A_LAST,
	SK_COUNT_
};

static const char *const status_keys[SK_COUNT_] = {
	"tord/role", "nickname", "fingerprint", "tord/version", "process/pid", "uptime",
	"status/bootstrap-phase",
	"tord/consensus/source", "tord/consensus/relays", "tord/consensus/valid-after",
	"tord/consensus/fresh-until", "tord/consensus/valid-until",
	"tord/links", "tord/circuits", "tord/streams", "traffic/read", "traffic/written",
	"tord/rate/read", "tord/rate/written",
	"config-file",
	"tord/relay/circuits-carried", "tord/relay/circuits-total",
	"tord/relay/cells-relayed", "tord/relay/cells-per-second",
	"tord/relay/descriptor-accepted", "tord/relay/authorities",
	"tord/relay/bandwidth-rate", "tord/relay/throttled",
	"tord/exit/streams-opened", "tord/exit/refused-policy", "tord/exit/begin",
	"tord/authority/relays-listed", "tord/authority/last-consensus",
};

/* "2026-11-21 07:59:49" (UTC) from decimal Unix seconds; "-" if bad or 0. */
static const char *
unix_time_str(const char *s, char *buf, size_t len)
{
	long long v;
	time_t t;
	struct tm tm;

	if (s == NULL || util_parse_ll(s, 1, 1LL << 40, &v) < 0)
		return "-";
	t = (time_t)v;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* Seconds from decimal Unix time s to now, or -1. */
static long long
age_of_unix(const char *s)
{
	long long v;

	if (s == NULL || util_parse_ll(s, 1, 1LL << 40, &v) < 0)
		return -1;
	return (long long)time(NULL) > v ? (long long)time(NULL) - v : 0;
}

static void
status_json(char **v, const struct ctl_args *boot)
{
	struct jw j;
	char b[32];
	long long age;

	jw_init(&j, stdout);
	jw_open(&j, '{');
	jw_kstr(&j, "role", v[SK_ROLE]);
	jw_kstr(&j, "nickname", v[SK_NICK]);
	jw_kstr(&j, "fingerprint", v[SK_FP]);
	jw_kstr(&j, "version", v[SK_VERSION]);
	jw_knum_str(&j, "pid", v[SK_PID]);
	jw_knum_str(&j, "uptime", v[SK_UPTIME]);
	jw_key(&j, "bootstrap");
	jw_open(&j, '{');
	jw_knum_str(&j, "progress", ctl_args_get(boot, "PROGRESS"));
	jw_kstr(&j, "tag", ctl_args_get(boot, "TAG"));
	jw_kstr(&j, "summary", ctl_args_get(boot, "SUMMARY"));
	jw_close(&j, '}');
	jw_key(&j, "consensus");
	if (v[SK_NS_SOURCE] != NULL) {
		jw_open(&j, '{');
		jw_kstr(&j, "source", v[SK_NS_SOURCE]);
		jw_knum_str(&j, "relays", v[SK_NS_RELAYS]);
		jw_knum_str(&j, "valid_after", v[SK_NS_VA]);
		jw_knum_str(&j, "fresh_until", v[SK_NS_FU]);
		jw_knum_str(&j, "valid_until", v[SK_NS_VU]);
		age = age_of_unix(v[SK_NS_VA]);
		snprintf(b, sizeof(b), "%lld", age);
		jw_knum_str(&j, "age", age >= 0 ? b : NULL);
		jw_close(&j, '}');
	} else {
		jw_str(&j, NULL);
	}
	jw_knum_str(&j, "links", v[SK_LINKS]);
	jw_knum_str(&j, "circuits", v[SK_CIRCS]);
	jw_knum_str(&j, "streams", v[SK_STREAMS]);
	jw_key(&j, "traffic");
	jw_open(&j, '{');
	jw_knum_str(&j, "read", v[SK_READ]);
	jw_knum_str(&j, "written", v[SK_WRITTEN]);
	jw_close(&j, '}');
	jw_key(&j, "rate");
	jw_open(&j, '{');
	jw_knum_str(&j, "read", v[SK_RATE_R]);
	jw_knum_str(&j, "written", v[SK_RATE_W]);
	jw_close(&j, '}');
	jw_kstr(&j, "config_file", v[SK_CONFIG]);
	jw_key(&j, "relay");
	if (v[SK_R_CARRIED] != NULL) {
		jw_open(&j, '{');
		jw_knum_str(&j, "circuits_carried", v[SK_R_CARRIED]);
		jw_knum_str(&j, "circuits_total", v[SK_R_TOTAL]);
		jw_knum_str(&j, "cells_relayed", v[SK_R_CELLS]);
		jw_knum_str(&j, "cells_per_second", v[SK_R_CPS]);
		jw_knum_str(&j, "descriptor_accepted", v[SK_R_DESC]);
		jw_knum_str(&j, "authorities", v[SK_R_AUTHS]);
		jw_knum_str(&j, "bandwidth_rate", v[SK_R_RATE]);
		jw_knum_str(&j, "throttled", v[SK_R_THROTTLED]);
		jw_close(&j, '}');
	} else {
		jw_str(&j, NULL);
	}
	jw_key(&j, "exit");
	if (v[SK_E_OPENED] != NULL) {
		jw_open(&j, '{');
		jw_knum_str(&j, "streams_opened", v[SK_E_OPENED]);
		jw_knum_str(&j, "refused_policy", v[SK_E_REFUSED]);
		jw_knum_str(&j, "begin", v[SK_E_BEGIN]);
		jw_close(&j, '}');
	} else {
		jw_str(&j, NULL);
	}
	jw_key(&j, "authority");
	if (v[SK_A_LISTED] != NULL || v[SK_A_LAST] != NULL) {
		jw_open(&j, '{');
		jw_knum_str(&j, "relays_listed", v[SK_A_LISTED]);
		jw_knum_str(&j, "last_consensus", v[SK_A_LAST]);
		jw_close(&j, '}');
	} else {
		jw_str(&j, NULL);
	}
	jw_close(&j, '}');
	fputc('\n', stdout);
}

static const char *
or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

static void
status_human(char **v, const struct ctl_args *boot)
{
	char t1[48], t2[48], t3[48];

	out_kv("role", "%s", or_dash(v[SK_ROLE]));
	out_kv("nickname", "%s", or_dash(v[SK_NICK]));
	out_kv("fingerprint", "%s", or_dash(v[SK_FP]));
	out_kv("version", "%s", v[SK_VERSION]);
	out_kv("pid", "%s", or_dash(v[SK_PID]));
	out_kv("uptime", "%s", out_duration(v[SK_UPTIME], t1, sizeof(t1)));
	out_kv("bootstrap", "%s%% %s (%s)", or_dash(ctl_args_get(boot, "PROGRESS")),
	    or_dash(ctl_args_get(boot, "TAG")), or_dash(ctl_args_get(boot, "SUMMARY")));
	/*
	 * Relays hold no consensus (authorities show the one they serve):
	 * for them the two lines would only say "none".
	 */
	if (v[SK_NS_SOURCE] != NULL || v[SK_ROLE] == NULL || strcmp(v[SK_ROLE], "client") == 0) {
		if (v[SK_NS_SOURCE] != NULL && v[SK_NS_VA] != NULL)
			out_kv("consensus", "%s%svalid after %s (age %s)",
			    strcmp(v[SK_NS_SOURCE], "consensus") == 0 ? "" : v[SK_NS_SOURCE],
			    strcmp(v[SK_NS_SOURCE], "consensus") == 0 ? "" : ", ",
			    unix_time_str(v[SK_NS_VA], t1, sizeof(t1)),
			    out_age(age_of_unix(v[SK_NS_VA]), t2, sizeof(t2)));
		else if (v[SK_NS_SOURCE] != NULL)
			out_kv("consensus", "none (%s)", v[SK_NS_SOURCE]);
		else
			out_kv("consensus", "none");
		out_kv("relays", "%s known", or_dash(v[SK_NS_RELAYS]));
	}
	out_kv("links", "%s open", or_dash(v[SK_LINKS]));
	out_kv("circuits", "%s", or_dash(v[SK_CIRCS]));
	out_kv("streams", "%s", or_dash(v[SK_STREAMS]));
	out_kv("traffic", "%s read, %s written", out_bytes(v[SK_READ], t1, sizeof(t1)),
	    out_bytes(v[SK_WRITTEN], t2, sizeof(t2)));
	out_kv("rate", "%s/s in, %s/s out", out_bytes(v[SK_RATE_R], t1, sizeof(t1)),
	    out_bytes(v[SK_RATE_W], t2, sizeof(t2)));
	out_kv("config", "%s", or_dash(v[SK_CONFIG]));
	if (v[SK_R_CARRIED] != NULL)
		out_kv("relayed", "%s circuits now, %s since start; %s cells/s, %s cells",
		    v[SK_R_CARRIED], or_dash(v[SK_R_TOTAL]), or_dash(v[SK_R_CPS]),
		    or_dash(v[SK_R_CELLS]));
	if (v[SK_R_DESC] != NULL)
		out_kv("descriptor", "accepted by %s of %s authorities", v[SK_R_DESC],
		    or_dash(v[SK_R_AUTHS]));
	if (v[SK_R_RATE] != NULL && strcmp(v[SK_R_RATE], "0") != 0)
		out_kv("limit", "%s/s relayed at most, reading held back %s times",
		    out_bytes(v[SK_R_RATE], t1, sizeof(t1)), or_dash(v[SK_R_THROTTLED]));
	if (v[SK_E_OPENED] != NULL)
		out_kv("exit", "%s streams opened, %s refused by policy, %s requests",
		    v[SK_E_OPENED], or_dash(v[SK_E_REFUSED]), or_dash(v[SK_E_BEGIN]));
	if (v[SK_A_LISTED] != NULL || v[SK_A_LAST] != NULL)
		out_kv("authority", "%s relays listed, last consensus %s (age %s)",
		    or_dash(v[SK_A_LISTED]), unix_time_str(v[SK_A_LAST], t1, sizeof(t1)),
		    out_age(age_of_unix(v[SK_A_LAST]), t3, sizeof(t3)));
}

static int
do_status(struct torctl_ctx *x)
{
	char *v[SK_COUNT_];
	struct ctl_args boot;
	size_t i;
	int rc = TORCTL_EXIT_OK;

	for (i = 0; i < SK_COUNT_; i++)
		v[i] = torctl_getinfo(x, status_keys[i], true);
	memset(&boot, 0, sizeof(boot));
	if (v[SK_VERSION] == NULL) {
		fprintf(stderr, "torctl: the node did not answer GETINFO tord/version\n");
		rc = TORCTL_EXIT_FAILED;
		goto done;
	}
	if (v[SK_BOOT] != NULL)
		(void)ctl_args_parse(v[SK_BOOT], strlen(v[SK_BOOT]), &boot);
	if (x->json)
		status_json(v, &boot);
	else
		status_human(v, &boot);
	ctl_args_clear(&boot);
done:
	for (i = 0; i < SK_COUNT_; i++)
		free(v[i]);
	return rc;
}

/* circuits and streams: one status line per object. */
static int
do_list(struct torctl_ctx *x, bool circuits)
{
	char *v = torctl_getinfo(x, circuits ? "circuit-status" : "stream-status", false);
	int rc;

	if (v == NULL)
		return TORCTL_EXIT_FAILED;
	rc = circuits ? out_circuits(v, x->json) : out_streams(v, x->json);
	free(v);
	return rc;
}

static int
do_circuits(struct torctl_ctx *x)
{
	return do_list(x, true);
}

static int
do_streams(struct torctl_ctx *x)
{
	return do_list(x, false);
}

static int
do_relays(struct torctl_ctx *x)
{
	const char *flags[16];
	struct out_relay_filter f;
	long long port;
	int i, rc;
	char *v;

	memset(&f, 0, sizeof(f));
	f.rf_flags = flags;
	for (i = 1; i < x->argc; i++) {
		if (strcmp(x->argv[i], "--flag") == 0 && i + 1 < x->argc &&
		    f.rf_nflags < ARRAY_LEN(flags)) {
			flags[f.rf_nflags++] = x->argv[++i];
		} else if (strcmp(x->argv[i], "--exit-port") == 0 && i + 1 < x->argc &&
		    util_parse_ll(x->argv[i + 1], 1, 65535, &port) == 0) {
			f.rf_exit_port = (uint16_t)port;
			i++;
		} else if (strcmp(x->argv[i], "--nickname") == 0 && i + 1 < x->argc) {
			f.rf_nickname = x->argv[++i];
		} else {
			fprintf(stderr, "torctl: relays: bad argument %s (use --flag FLAG, "
			    "--exit-port PORT, --nickname NAME)\n", x->argv[i]);
			return TORCTL_EXIT_USAGE;
		}
	}
	v = torctl_getinfo(x, "ns/all", false);
	if (v == NULL)
		return TORCTL_EXIT_FAILED;
	rc = out_relays(v, &f, x->json);
	free(v);
	return rc;
}

static int
do_signal(struct torctl_ctx *x, const char *sig)
{
	struct ctl_reply r;
	char line[64];

	snprintf(line, sizeof(line), "SIGNAL %s", sig);
	if (run(x, line, &r) < 0)
		return TORCTL_EXIT_FAILED;
	ctl_reply_clear(&r);
	if (x->json)
		printf("{\"signal\":\"%s\",\"result\":\"ok\"}\n", sig);
	else
		printf("%s: ok\n", sig);
	return TORCTL_EXIT_OK;
}

static int do_newnym(struct torctl_ctx *x) { return do_signal(x, "NEWNYM"); }
static int do_reload(struct torctl_ctx *x) { return do_signal(x, "RELOAD"); }
static int do_shutdown(struct torctl_ctx *x) { return do_signal(x, "SHUTDOWN"); }

static int
do_getinfo(struct torctl_ctx *x)
{
	struct buf line = BUF_INIT;
	struct ctl_reply r;
	struct jw j;
	size_t i;
	int k;
	char *eq;

	if (x->argc < 2) {
		fprintf(stderr, "torctl: getinfo needs at least one key\n");
		return TORCTL_EXIT_USAGE;
	}
	buf_add(&line, "GETINFO", 7);
	for (k = 1; k < x->argc; k++) {
		if (strpbrk(x->argv[k], " \t\r\n\"") != NULL) {
			fprintf(stderr, "torctl: bad key %s\n", x->argv[k]);
			buf_free_storage(&line, 0);
			return TORCTL_EXIT_USAGE;
		}
		buf_add(&line, " ", 1);
		buf_add(&line, x->argv[k], strlen(x->argv[k]));
	}
	buf_add(&line, "", 1);
	k = run(x, (const char *)buf_peek(&line), &r);
	buf_free_storage(&line, 0);
	if (k < 0)
		return TORCTL_EXIT_FAILED;
	if (x->json) {
		jw_init(&j, stdout);
		jw_open(&j, '{');
	}
	for (i = 0; i + 1 < r.r_n; i++) {
		struct ctl_reply_line *l = &r.r_lines[i];

		eq = strchr(l->rl_text, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (x->json)
			jw_kstr(&j, l->rl_text, l->rl_data ? l->rl_data : eq + 1);
		else if (x->argc == 2)
			fputs(l->rl_data ? l->rl_data : eq + 1, stdout);
		else if (l->rl_data)
			printf("%s=\n%s", l->rl_text, l->rl_data);
		else
			printf("%s=%s", l->rl_text, eq + 1);
		if (!x->json && (l->rl_data == NULL))
			fputc('\n', stdout);
	}
	if (x->json) {
		jw_close(&j, '}');
		fputc('\n', stdout);
	}
	ctl_reply_clear(&r);
	return TORCTL_EXIT_OK;
}

/* SETEVENTS with argv[first..] (none: the default set). */
static int
setevents(struct torctl_ctx *x, int first, int last)
{
	struct buf line = BUF_INIT;
	struct ctl_reply r;
	int k, rc;

	buf_add(&line, "SETEVENTS", 9);
	if (first >= last)
		buf_add(&line, " CIRC STREAM ORCONN BW STATUS_CLIENT", 36);
	for (k = first; k < last; k++) {
		buf_add(&line, " ", 1);
		buf_add(&line, x->argv[k], strcspn(x->argv[k], " \r\n"));
	}
	buf_add(&line, "", 1);
	rc = run(x, (const char *)buf_peek(&line), &r);
	buf_free_storage(&line, 0);
	if (rc == 0)
		ctl_reply_clear(&r);
	return rc;
}

static void
print_event(struct torctl_ctx *x, struct ctl_reply *r)
{
	struct jw j;
	char *sp;

	if (x->json) {
		sp = strchr(r->r_lines[0].rl_text, ' ');
		if (sp != NULL)
			*sp++ = '\0';
		jw_init(&j, stdout);
		jw_open(&j, '{');
		jw_kstr(&j, "event", r->r_lines[0].rl_text);
		jw_kstr(&j, "data", sp ? sp : "");
		jw_close(&j, '}');
		fputc('\n', stdout);
	} else {
		printf("%s\n", r->r_lines[0].rl_text);
	}
	fflush(stdout);
}

/*
 * events [--duration SECONDS] [--count N] [EVENT]...: follow events
 * until interrupted, until SECONDS have passed or N events were printed.
 */
static int
do_events(struct torctl_ctx *x)
{
	struct ctl_reply r;
	long long duration = 0, count = 0, seen = 0;
	uint64_t deadline = 0;
	int i, rc, first = 1, wait;

	for (i = 1; i < x->argc && x->argv[i][0] == '-'; i += 2) {
		long long *v = strcmp(x->argv[i], "--duration") == 0 ? &duration :
		    strcmp(x->argv[i], "--count") == 0 ? &count : NULL;

		if (v == NULL || i + 1 >= x->argc ||
		    util_parse_ll(x->argv[i + 1], 1, 1LL << 31, v) < 0) {
			fprintf(stderr, "torctl: events: bad argument %s (use --duration "
			    "SECONDS, --count N, then event names)\n", x->argv[i]);
			return TORCTL_EXIT_USAGE;
		}
	}
	first = i;
	if (duration > 0)
		deadline = util_mono_msec() + (uint64_t)duration * 1000;
	if (setevents(x, first, x->argc) < 0)
		return TORCTL_EXIT_FAILED;
	while (!torctl_stop) {
		wait = 500;
		if (deadline != 0) {
			uint64_t now = util_mono_msec();

			if (now >= deadline)
				break;
			wait = (int)MIN((uint64_t)wait, deadline - now);
		}
		rc = torctl_read_reply(&x->conn, &r, wait);
		if (rc < 0) {
			fprintf(stderr, "torctl: the node closed the control connection\n");
			return TORCTL_EXIT_UNREACHABLE;
		}
		if (rc == 0)
			continue;
		if (r.r_code == 650 && r.r_n > 0) {
			print_event(x, &r);
			seen++;
		}
		ctl_reply_clear(&r);
		if (count > 0 && seen >= count)
			break;
	}
	return TORCTL_EXIT_OK;
}

static int
do_hash_password(struct torctl_ctx *x)
{
	struct control_pwhash h;
	char err[256], out[CONTROL_PWHASH_STRLEN], *pw;

	pw = torctl_read_password(x->password_file, "Password to hash: ", err, sizeof(err));
	if (pw == NULL) {
		fprintf(stderr, "torctl: %s\n", err);
		return TORCTL_EXIT_FAILED;
	}
	control_auth_pwhash_new(pw, strlen(pw), &h);
	crypto_wipe(pw, strlen(pw));
	free(pw);
	control_auth_pwhash_format(&h, out);
	crypto_wipe(&h, sizeof(h));
	printf("%s\n", out);
	return TORCTL_EXIT_OK;
}

struct torctl_cmd {
	const char	*name;
	bool		 needs_conn;
	int		(*fn)(struct torctl_ctx *x);
	const char	*args;
	const char	*doc;
};

/* Mirrored in man/torctl.1 (tests/control_man.sh checks it). */
static const struct torctl_cmd torctl_cmds[] = {
	{ "status", true, do_status, "", "role, identity, uptime, bootstrap, consensus, counts, traffic" },
	{ "circuits", true, do_circuits, "", "circuits: state, purpose, age and path" },
	{ "streams", true, do_streams, "", "streams with state, circuit and target" },
	{ "relays", true, do_relays, "[FILTER]...",
	    "relays: --flag F, --exit-port P, --nickname N" },
	{ "newnym", true, do_newnym, "", "use new circuits for new streams" },
	{ "reload", true, do_reload, "", "reload the configuration (SIGHUP)" },
	{ "shutdown", true, do_shutdown, "", "stop the node" },
	{ "events", true, do_events, "[OPTION]... [EVENT]...",
	    "follow events: --duration S, --count N" },
	{ "top", true, torctl_top, "", "refreshing full-screen view; q quits" },
	{ "getinfo", true, do_getinfo, "KEY...", "raw GETINFO values, for scripts" },
	{ "hash-password", false, do_hash_password, "", "print a control_password_hash" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: torctl [--control PATH|HOST:PORT] [--cookie FILE | --password]\n"
	    "              [--password-file FILE] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_LEN(torctl_cmds); i++)
		fprintf(f, "  %-14s %-22s %s\n", torctl_cmds[i].name, torctl_cmds[i].args,
		    torctl_cmds[i].doc);
	fprintf(f, "\nThe control socket defaults to $TORCTL_CONTROL, else %s.\n",
	    TORCTL_DEFAULT_CONTROL);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "cookie", required_argument, NULL, 'k' },
		{ "password", no_argument, NULL, 'p' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct torctl_ctx x;
	struct torctl_auth au;
	const struct torctl_cmd *cmd = NULL;
	const char *target = getenv("TORCTL_CONTROL");
	char err[512];
	size_t i;
	int ch, rc;

	memset(&x, 0, sizeof(x));
	memset(&au, 0, sizeof(au));
	while ((ch = getopt_long(argc, argv, "+c:k:pP:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': target = optarg; break;
		case 'k': au.ta_cookie_file = optarg; break;
		case 'p': au.ta_password = true; break;
		case 'P': au.ta_password_file = x.password_file = optarg; au.ta_password = true; break;
		case 'j': x.json = true; break;
		case 'h': usage(stdout); return TORCTL_EXIT_OK;
		default: usage(stderr); return TORCTL_EXIT_USAGE;
		}
	}
	if (au.ta_cookie_file != NULL && au.ta_password) {
		fprintf(stderr, "torctl: --cookie and --password exclude each other\n");
		return TORCTL_EXIT_USAGE;
	}
	if (optind >= argc) {
		usage(stderr);
		return TORCTL_EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_LEN(torctl_cmds); i++)
		if (strcmp(torctl_cmds[i].name, argv[optind]) == 0)
			cmd = &torctl_cmds[i];
	if (cmd == NULL) {
		fprintf(stderr, "torctl: unknown command %s\n", argv[optind]);
		usage(stderr);
		return TORCTL_EXIT_USAGE;
	}
	x.argc = argc - optind;
	x.argv = argv + optind;
	/* "torctl relays --json" reads naturally: accept the flag after the command too. */
	for (i = 1; i < (size_t)x.argc; i++) {
		if (strcmp(x.argv[i], "--json") == 0) {
			x.json = true;
			memmove(&x.argv[i], &x.argv[i + 1], (size_t)(x.argc - (int)i) * sizeof(char *));
			x.argc--;
			i--;
		}
	}
	if (cmd->fn != do_getinfo && cmd->fn != do_relays && cmd->fn != do_events && x.argc > 1) {
		fprintf(stderr, "torctl: %s takes no arguments\n", cmd->name);
		return TORCTL_EXIT_USAGE;
	}
	if (crypto_global_init() < 0)
		return TORCTL_EXIT_FAILED;
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	signal(SIGPIPE, SIG_IGN);
	if (!cmd->needs_conn)
		return cmd->fn(&x);
	if (target == NULL || *target == '\0')
		target = TORCTL_DEFAULT_CONTROL;
	if (torctl_connect(&x.conn, target, err, sizeof(err)) < 0) {
		fprintf(stderr, "torctl: %s\n", err);
		return TORCTL_EXIT_UNREACHABLE;
	}
	if (torctl_authenticate(&x.conn, &au, err, sizeof(err)) < 0) {
		fprintf(stderr, "torctl: %s\n", err);
		torctl_close(&x.conn);
		return TORCTL_EXIT_UNREACHABLE;
	}
	rc = cmd->fn(&x);
	torctl_close(&x.conn);
	return rc;
}
