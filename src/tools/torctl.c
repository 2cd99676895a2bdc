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
#include <unistd.h>

#include "core/proto/ctl.h"
#include "feature/control/control_auth.h"
#include "lib/crypto.h"
#include "lib/util.h"
#include "tools/torctl_conn.h"
#include "tools/torctl_out.h"

struct torctl_ctx {
	struct torctl_conn	 conn;
	bool			 json;
	int			 argc;
	char			**argv;
	const char		*password_file;
};

static volatile sig_atomic_t torctl_stop;

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

/* GETINFO one key; returns a malloc'd value or NULL (quiet: no message). */
static char *
getinfo1(struct torctl_ctx *x, const char *key, bool quiet)
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

static int
do_status(struct torctl_ctx *x)
{
	static const char *keys[] = { "nickname", "version", "status/bootstrap-phase",
	    "uptime", "process/pid", "traffic/read", "traffic/written", "fingerprint",
	    "config-file" };
	char *v[ARRAY_LEN(keys)];
	struct ctl_args a;
	struct jw j;
	size_t i;
	int rc = TORCTL_EXIT_OK;
	char t1[32], t2[32];

	for (i = 0; i < ARRAY_LEN(keys); i++)
		v[i] = getinfo1(x, keys[i], true);
	if (v[1] == NULL) {
		fprintf(stderr, "torctl: the node did not answer GETINFO version\n");
		rc = TORCTL_EXIT_FAILED;
		goto done;
	}
	memset(&a, 0, sizeof(a));
	if (v[2] != NULL)
		(void)ctl_args_parse(v[2], strlen(v[2]), &a);
	if (x->json) {
		jw_init(&j, stdout);
		jw_open(&j, '{');
		jw_kstr(&j, "nickname", v[0]);
		jw_kstr(&j, "version", v[1]);
		jw_key(&j, "bootstrap");
		jw_open(&j, '{');
		jw_knum_str(&j, "progress", ctl_args_get(&a, "PROGRESS"));
		jw_kstr(&j, "tag", ctl_args_get(&a, "TAG"));
		jw_kstr(&j, "summary", ctl_args_get(&a, "SUMMARY"));
		jw_close(&j, '}');
		jw_knum_str(&j, "uptime", v[3]);
		jw_knum_str(&j, "pid", v[4]);
		jw_key(&j, "traffic");
		jw_open(&j, '{');
		jw_knum_str(&j, "read", v[5]);
		jw_knum_str(&j, "written", v[6]);
		jw_close(&j, '}');
		jw_kstr(&j, "fingerprint", v[7]);
		jw_kstr(&j, "config_file", v[8]);
		jw_close(&j, '}');
		fputc('\n', stdout);
	} else {
		out_kv("node", "%s", v[0] ? v[0] : "-");
		out_kv("version", "%s", v[1]);
		out_kv("bootstrap", "%s%% %s (%s)", ctl_args_get(&a, "PROGRESS") ?
		    ctl_args_get(&a, "PROGRESS") : "?", ctl_args_get(&a, "TAG") ?
		    ctl_args_get(&a, "TAG") : "?", ctl_args_get(&a, "SUMMARY") ?
		    ctl_args_get(&a, "SUMMARY") : "?");
		out_kv("uptime", "%s", out_duration(v[3], t1, sizeof(t1)));
		out_kv("pid", "%s", v[4] ? v[4] : "-");
		out_kv("traffic", "%s read, %s written", out_bytes(v[5], t1, sizeof(t1)),
		    out_bytes(v[6], t2, sizeof(t2)));
		if (v[7] != NULL)
			out_kv("fingerprint", "%s", v[7]);
		if (v[8] != NULL)
			out_kv("config", "%s", v[8]);
	}
	ctl_args_clear(&a);
done:
	for (i = 0; i < ARRAY_LEN(keys); i++)
		free(v[i]);
	return rc;
}

/* circuits and streams: one status line per object. */
static int
do_list(struct torctl_ctx *x, bool circuits)
{
	char *v = getinfo1(x, circuits ? "circuit-status" : "stream-status", false);
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
	size_t nflags = 0;
	int i, rc;
	char *v;

	for (i = 1; i < x->argc; i++) {
		if (strcmp(x->argv[i], "--flag") == 0 && i + 1 < x->argc && nflags < ARRAY_LEN(flags)) {
			flags[nflags++] = x->argv[++i];
		} else {
			fprintf(stderr, "torctl: relays: unknown argument %s (use --flag FLAG)\n",
			    x->argv[i]);
			return TORCTL_EXIT_USAGE;
		}
	}
	v = getinfo1(x, "ns/all", false);
	if (v == NULL)
		return TORCTL_EXIT_FAILED;
	rc = out_relays(v, flags, nflags, x->json);
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

static int
setevents(struct torctl_ctx *x, int first)
{
	struct buf line = BUF_INIT;
	struct ctl_reply r;
	int k, rc;

	buf_add(&line, "SETEVENTS", 9);
	if (first >= x->argc)
		buf_add(&line, " CIRC STREAM ORCONN BW STATUS_CLIENT", 36);
	for (k = first; k < x->argc; k++) {
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

static int
do_events(struct torctl_ctx *x)
{
	struct ctl_reply r;
	struct jw j;
	char *sp;
	int rc;

	if (setevents(x, 1) < 0)
		return TORCTL_EXIT_FAILED;
	while (!torctl_stop) {
		rc = torctl_read_reply(&x->conn, &r, 500);
		if (rc < 0) {
			fprintf(stderr, "torctl: the node closed the control connection\n");
			return TORCTL_EXIT_UNREACHABLE;
		}
		if (rc == 0)
			continue;
		if (r.r_code == 650 && r.r_n > 0) {
			if (x->json) {
				sp = strchr(r.r_lines[0].rl_text, ' ');
				if (sp != NULL)
					*sp++ = '\0';
				jw_init(&j, stdout);
				jw_open(&j, '{');
				jw_kstr(&j, "event", r.r_lines[0].rl_text);
				jw_kstr(&j, "data", sp ? sp : "");
				jw_close(&j, '}');
				fputc('\n', stdout);
			} else {
				printf("%s\n", r.r_lines[0].rl_text);
			}
			fflush(stdout);
		}
		ctl_reply_clear(&r);
	}
	return TORCTL_EXIT_OK;
}

static int
do_top(struct torctl_ctx *x)
{
	struct termios old, raw;
	struct pollfd pfd;
	struct ctl_reply r;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	unsigned long long rd = 0, wr = 0;
	char c, *circs, *status, *streams;
	double next = 0;
	int rc = 0;

	if (setevents(x, x->argc) < 0)	/* default set, for BW */
		return TORCTL_EXIT_FAILED;
	if (tty) {
		raw = old;
		raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	printf("\033[?25l");
	while (!torctl_stop) {
		if ((double)util_mono_msec() / 1000.0 >= next) {
			next = (double)util_mono_msec() / 1000.0 + 1.0;
			status = getinfo1(x, "status/bootstrap-phase", true);
			circs = getinfo1(x, "circuit-status", true);
			streams = getinfo1(x, "stream-status", true);
			printf("\033[H\033[2J");
			printf("torctl top  (q quits)    bandwidth: %llu B/s in, %llu B/s out\n",
			    rd, wr);
			printf("%s\n\n", status ? status : "(no bootstrap status)");
			if (circs != NULL)
				(void)out_circuits(circs, false);
			printf("\n");
			if (streams != NULL)
				(void)out_streams(streams, false);
			fflush(stdout);
			free(status);
			free(circs);
			free(streams);
		}
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 1 && read(STDIN_FILENO, &c, 1) == 1 &&
		    (c == 'q' || c == 'Q' || c == 3))
			break;
		rc = torctl_read_reply(&x->conn, &r, 200);
		if (rc < 0)
			break;
		if (rc == 1) {
			if (r.r_code == 650 && r.r_n > 0)
				(void)sscanf(r.r_lines[0].rl_text, "BW %llu %llu", &rd, &wr);
			ctl_reply_clear(&r);
		}
	}
	printf("\033[?25h\n");
	if (tty)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return rc < 0 && !torctl_stop ? TORCTL_EXIT_UNREACHABLE : TORCTL_EXIT_OK;
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
	{ "status", true, do_status, "", "node, version, bootstrap, uptime, traffic" },
	{ "circuits", true, do_circuits, "", "circuits with state, purpose and path" },
	{ "streams", true, do_streams, "", "streams with state, circuit and target" },
	{ "relays", true, do_relays, "[--flag FLAG]...", "relays of the consensus" },
	{ "newnym", true, do_newnym, "", "use new circuits for new streams" },
	{ "reload", true, do_reload, "", "reload the configuration (SIGHUP)" },
	{ "shutdown", true, do_shutdown, "", "stop the node" },
	{ "events", true, do_events, "[EVENT]...", "follow events until interrupted" },
	{ "top", true, do_top, "", "refreshing full-screen view; q quits" },
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
		fprintf(f, "  %-14s %-18s %s\n", torctl_cmds[i].name, torctl_cmds[i].args,
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
