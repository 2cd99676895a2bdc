/*
 * control.c: the control port server: listeners, connections, the
 * command table, authentication state, SIGNAL, SETEVENTS and event
 * delivery (with the once-a-second BW event).
 *
 * Entry points: control_start()/control_stop() from the daemon,
 * control_register_signal(), control_event_emit() from role code.
 * GETINFO providers live in control_getinfo.c (generic) and
 * control_or.c (circuits, streams, links).
 *
 * Limits: a request line is at most CTL_LINE_MAX bytes (longer: 510 and
 * close); at most co_max_clients connections; a failed AUTHENTICATE
 * closes the connection, and repeated failures lock authentication out
 * for a growing delay (1 s doubling to 60 s) so a local attacker cannot
 * try passwords quickly.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mainloop/conn.h"
#include "core/mainloop/listener.h"
#include "core/mainloop/mainloop.h"
#include "core/proto/ctl.h"
#include "feature/control/control.h"
#include "feature/control/control_auth.h"
#include "feature/control/control_int.h"
#include "feature/control/control_node.h"
#include "lib/crypto.h"
#include "lib/log.h"

#define CONTROL_IN_MAX		(2 * CTL_LINE_MAX)
#define CONTROL_FAILS_FREE	3	/* failures before the lockout starts */
#define CONTROL_LOCKOUT_MAX	60.0
/* Seconds a connection may stay unauthenticated (slots are few). */
#define CONTROL_AUTH_TIMEOUT	30.0

struct control_conn {
	struct conn		 cc_conn;	/* first: container_of */
	bool			 cc_authed;
	bool			 cc_protocolinfo_seen;
	bool			 cc_challenge_seen;
	bool			 cc_challenge_pending;	/* next command must be AUTHENTICATE */
	uint8_t			 cc_expect[CONTROL_HASH_LEN];
	uint32_t		 cc_events;
	TAILQ_ENTRY(control_conn) cc_entry;
};

TAILQ_HEAD(control_conn_list, control_conn);

struct control_pending_signal {
	struct ml_deferred	 ps_d;
	bool			 ps_raised[CONTROL_SIG_COUNT_];
};

static struct {
	bool			 started;
	struct control_options	 opt;
	struct listener		*unix_l, *tcp_l;
	struct control_conn_list conns;
	size_t			 n_conns;
	uint8_t			 cookie[CONTROL_COOKIE_LEN];
	bool			 have_cookie;
	struct control_pwhash	 pw;
	bool			 have_pw;
	unsigned		 fails;
	double			 lockout_until;
	struct ml_timer		 bw_timer;
	uint64_t		 bw_last_read, bw_last_written;
	struct control_pending_signal sig;
	control_signal_cb	 sig_cb[CONTROL_SIG_COUNT_];
	void			*sig_arg[CONTROL_SIG_COUNT_];
	control_getconf_fn	 getconf;
} ctl = { .conns = TAILQ_HEAD_INITIALIZER(ctl.conns) };

static struct log_ratelim control_rl = LOG_RATELIM_INIT(10);

static const char *const event_names[CONTROL_EV_COUNT_] = {
	"CIRC", "STREAM", "ORCONN", "BW", "STATUS_CLIENT", "STATUS_GENERAL",
};

const struct control_options *
control_options_(void)
{
	return ctl.started ? &ctl.opt : NULL;
}

/* Queue one reply line on cc. */
static void PRINTF_LIKE(4, 5)
control_reply(struct control_conn *cc, int code, char sep, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ctl_fmt_linev(&b, code, sep, fmt, ap);
	va_end(ap);
	conn_write(&cc->cc_conn, buf_peek(&b), buf_len(&b));
	buf_free_storage(&b, 0);
}

/* Reply, then close once the reply has been written. */
static void
control_fail_close(struct control_conn *cc, const char *why)
{
	cc->cc_conn.c_flush_on_close = true;
	conn_mark_for_close(&cc->cc_conn, why);
}

/* --- commands ----------------------------------------------------------- */

typedef void (*control_cmd_fn)(struct control_conn *cc, const struct ctl_args *a,
    const char *raw, size_t rawlen);

static void
cmd_protocolinfo(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (!cc->cc_authed && cc->cc_protocolinfo_seen) {
		control_reply(cc, 514, ' ', "Authentication required.");
		control_fail_close(cc, "second protocolinfo before auth");
		return;
	}
	cc->cc_protocolinfo_seen = true;
	for (i = 0; i < a->n; i++) {
		if (a->a[i].ca_key != NULL || strcmp(a->a[i].ca_val, "1") != 0) {
			control_reply(cc, 513, ' ', "No such version \"%s\"", a->a[i].ca_val);
			return;
		}
	}
	control_reply(cc, 250, '-', "PROTOCOLINFO 1");
	switch (ctl.opt.co_auth) {
	case CONTROL_AUTHCFG_COOKIE:
		buf_add(&b, "AUTH METHODS=SAFECOOKIE COOKIEFILE=", 35);
		ctl_fmt_quoted(&b, ctl.opt.co_cookie_path);
		buf_add(&b, "", 1);
		control_reply(cc, 250, '-', "%s", (const char *)buf_peek(&b));
		break;
	case CONTROL_AUTHCFG_PASSWORD:
		control_reply(cc, 250, '-', "AUTH METHODS=HASHEDPASSWORD");
		break;
	case CONTROL_AUTHCFG_NONE:
		control_reply(cc, 250, '-', "AUTH METHODS=NULL");
		break;
	}
	control_reply(cc, 250, '-', "VERSION Tor=\"%s\"", CONTROL_VERSION_STRING);
	control_reply(cc, 250, ' ', "OK");
	buf_free_storage(&b, 0);
}

static void
cmd_authchallenge(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	uint8_t cn[CONTROL_NONCE_MAX], sn[CONTROL_NONCE_LEN], sh[CONTROL_HASH_LEN];
	char shx[2 * CONTROL_HASH_LEN + 1], snx[2 * CONTROL_NONCE_LEN + 1], s2k[19];
	uint8_t s2kraw[CONTROL_S2K_SALT_LEN + 1];
	size_t cnlen;
	int m;

	if (cc->cc_authed || cc->cc_challenge_seen) {
		control_reply(cc, 514, ' ', "AUTHCHALLENGE may be sent only once, before AUTHENTICATE");
		control_fail_close(cc, "authchallenge repeated");
		return;
	}
	cc->cc_challenge_seen = true;
	if (a->n != 2 || a->a[0].ca_key != NULL || a->a[1].ca_key != NULL) {
		control_reply(cc, 512, ' ', "AUTHCHALLENGE needs METHOD and a hex client nonce");
		control_fail_close(cc, "bad authchallenge");
		return;
	}
	m = control_auth_method_parse(a->a[0].ca_val);
	if (m < 0 || (m == CONTROL_AUTH_SAFECOOKIE && !ctl.have_cookie) ||
	    (m == CONTROL_AUTH_HASHEDPASSWORD && !ctl.have_pw)) {
		control_reply(cc, 513, ' ', "AUTHCHALLENGE method \"%s\" is not enabled",
		    a->a[0].ca_val);
		control_fail_close(cc, "authchallenge method not enabled");
		return;
	}
	cnlen = strlen(a->a[1].ca_val) / 2;
	if (cnlen < CONTROL_NONCE_MIN || cnlen > CONTROL_NONCE_MAX ||
	    strlen(a->a[1].ca_val) != 2 * cnlen ||
	    util_hex_decode(a->a[1].ca_val, 2 * cnlen, cn, cnlen) < 0) {
		control_reply(cc, 513, ' ', "Invalid client nonce (16 to 64 bytes in hex)");
		control_fail_close(cc, "bad client nonce");
		return;
	}
	crypto_rand(sn, sizeof(sn));
	if (m == CONTROL_AUTH_SAFECOOKIE)
		control_auth_hashes(CONTROL_AUTH_SAFECOOKIE, ctl.cookie, sizeof(ctl.cookie),
		    cn, cnlen, sn, sh, cc->cc_expect);
	else
		control_auth_hashes(CONTROL_AUTH_HASHEDPASSWORD, ctl.pw.ph_key,
		    sizeof(ctl.pw.ph_key), cn, cnlen, sn, sh, cc->cc_expect);
	cc->cc_challenge_pending = true;
	util_hex_encode(sh, sizeof(sh), shx);
	util_hex_encode(sn, sizeof(sn), snx);
	if (m == CONTROL_AUTH_SAFECOOKIE) {
		control_reply(cc, 250, ' ', "AUTHCHALLENGE SERVERHASH=%s SERVERNONCE=%s", shx, snx);
	} else {
		memcpy(s2kraw, ctl.pw.ph_salt, CONTROL_S2K_SALT_LEN);
		s2kraw[CONTROL_S2K_SALT_LEN] = ctl.pw.ph_c;
		util_hex_encode(s2kraw, sizeof(s2kraw), s2k);
		control_reply(cc, 250, ' ', "AUTHCHALLENGE SERVERHASH=%s SERVERNONCE=%s S2K=%s",
		    shx, snx, s2k);
	}
	crypto_wipe(sh, sizeof(sh));
	crypto_wipe(cn, sizeof(cn));
}

static void
control_auth_failed(struct control_conn *cc, const char *why)
{
	double delay;

	ctl.fails++;
	if (ctl.fails > CONTROL_FAILS_FREE) {
		delay = MIN(CONTROL_LOCKOUT_MAX, (double)(1u << MIN(ctl.fails - CONTROL_FAILS_FREE - 1, 6u)));
		ctl.lockout_until = mainloop_now() + delay;
	}
	log_rl(&control_rl, LL_NOTICE, LD_CTL, "control conn=%llu authentication failed: %s "
	    "(failures=%u)", (unsigned long long)cc->cc_conn.c_id, why, ctl.fails);
	control_reply(cc, 515, ' ', "Authentication failed: %s", why);
	control_fail_close(cc, "authentication failed");
}

static void
cmd_authenticate(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	uint8_t got[CONTROL_HASH_LEN];
	bool ok;

	if (cc->cc_authed) {
		control_reply(cc, 250, ' ', "OK");
		return;
	}
	if (mainloop_now() < ctl.lockout_until) {
		cc->cc_challenge_pending = false;
		crypto_wipe(cc->cc_expect, sizeof(cc->cc_expect));
		control_reply(cc, 515, ' ', "Authentication failed: too many failures, retry later");
		control_fail_close(cc, "authentication locked out");
		return;
	}
	if (ctl.opt.co_auth == CONTROL_AUTHCFG_NONE) {
		cc->cc_authed = true;
		conn_set_deadline(&cc->cc_conn, 0);
		control_reply(cc, 250, ' ', "OK");
		return;
	}
	if (!cc->cc_challenge_pending) {
		/* A plain password or cookie would cross the socket: refuse it. */
		control_auth_failed(cc, "use AUTHCHALLENGE first (SAFECOOKIE or HASHEDPASSWORD)");
		return;
	}
	cc->cc_challenge_pending = false;
	ok = a->n == 1 && a->a[0].ca_key == NULL && !a->a[0].ca_quoted &&
	    strlen(a->a[0].ca_val) == 2 * CONTROL_HASH_LEN &&
	    util_hex_decode(a->a[0].ca_val, 2 * CONTROL_HASH_LEN, got, sizeof(got)) == 0;
	if (ok)
		ok = crypto_eq(got, cc->cc_expect, sizeof(got));
	crypto_wipe(cc->cc_expect, sizeof(cc->cc_expect));
	crypto_wipe(got, sizeof(got));
	if (!ok) {
		control_auth_failed(cc, "wrong client hash");
		return;
	}
	cc->cc_authed = true;
	conn_set_deadline(&cc->cc_conn, 0);
	ctl.fails = 0;
	log_info(LD_CTL, "control conn=%llu authenticated", (unsigned long long)cc->cc_conn.c_id);
	control_reply(cc, 250, ' ', "OK");
}

static void
cmd_quit(struct control_conn *cc, const struct ctl_args *a, const char *raw, size_t rawlen)
{
	control_reply(cc, 250, ' ', "closing connection");
	control_fail_close(cc, "quit");
}

static void
cmd_getinfo(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	struct buf out = BUF_INIT, val = BUF_INIT;
	const char *err = NULL, *key;
	size_t i;
	int rc;

	if (a->n == 0) {
		control_reply(cc, 512, ' ', "GETINFO needs at least one key");
		return;
	}
	for (i = 0; i < a->n; i++) {
		key = a->a[i].ca_val;
		if (a->a[i].ca_key != NULL || a->a[i].ca_quoted) {
			control_reply(cc, 552, ' ', "Unrecognized key");
			goto done;
		}
		buf_clear(&val);
		err = NULL;
		rc = control_getinfo_lookup(key, &val, &err);
		if (rc > 0) {
			buf_clear(&out);
			control_reply(cc, 552, ' ', "Unrecognized key \"%s\"", key);
			goto done;
		}
		if (rc < 0) {
			buf_clear(&out);
			control_reply(cc, 551, ' ', "%s", err ? err : "Internal error");
			goto done;
		}
		if (ctl_is_single_line((const char *)buf_peek(&val), buf_len(&val))) {
			buf_add(&val, "", 1);
			ctl_fmt_line(&out, 250, '-', "%s=%s", key, (const char *)buf_peek(&val));
		} else {
			ctl_fmt_data(&out, 250, key, (const char *)buf_peek(&val), buf_len(&val));
		}
	}
	ctl_fmt_line(&out, 250, ' ', "OK");
	conn_write(&cc->cc_conn, buf_peek(&out), buf_len(&out));
done:
	buf_free_storage(&out, 0);
	buf_free_storage(&val, 0);
}

static void
cmd_getconf(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	struct buf out = BUF_INIT, val = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < a->n; i++) {
		buf_clear(&val);
		rc = ctl.getconf != NULL && a->a[i].ca_key == NULL ?
		    ctl.getconf(a->a[i].ca_val, &val) : 1;
		if (rc == 1 || !ctl_is_single_line((const char *)buf_peek(&val), buf_len(&val))) {
			control_reply(cc, 552, ' ', "Unrecognized configuration key \"%s\"",
			    a->a[i].ca_val);
			goto done;
		}
		buf_add(&val, "", 1);
		if (rc == 2)
			ctl_fmt_line(&out, 250, i + 1 < a->n ? '-' : ' ', "%s", a->a[i].ca_val);
		else
			ctl_fmt_line(&out, 250, i + 1 < a->n ? '-' : ' ', "%s=%s", a->a[i].ca_val,
			    (const char *)buf_peek(&val));
	}
	if (a->n == 0)
		ctl_fmt_line(&out, 250, ' ', "OK");
	conn_write(&cc->cc_conn, buf_peek(&out), buf_len(&out));
done:
	buf_free_storage(&out, 0);
	buf_free_storage(&val, 0);
}

static void
control_signal_deferred(struct ml_deferred *d)
{
	int i;

	for (i = 0; i < CONTROL_SIG_COUNT_; i++) {
		if (!ctl.sig.ps_raised[i])
			continue;
		ctl.sig.ps_raised[i] = false;
		if (ctl.sig_cb[i] != NULL)
			ctl.sig_cb[i]((enum control_signal)i, ctl.sig_arg[i]);
	}
}

static void
cmd_signal(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	static const struct { const char *name; enum control_signal sig; } names[] = {
		{ "RELOAD", CONTROL_SIG_RELOAD }, { "HUP", CONTROL_SIG_RELOAD },
		{ "SHUTDOWN", CONTROL_SIG_SHUTDOWN }, { "HALT", CONTROL_SIG_SHUTDOWN },
		{ "INT", CONTROL_SIG_SHUTDOWN }, { "TERM", CONTROL_SIG_SHUTDOWN },
		{ "NEWNYM", CONTROL_SIG_NEWNYM },
		{ "DUMP", CONTROL_SIG_DUMP }, { "USR1", CONTROL_SIG_DUMP },
	};
	size_t i;

	if (a->n != 1 || a->a[0].ca_key != NULL) {
		control_reply(cc, 512, ' ', "SIGNAL needs exactly one signal name");
		return;
	}
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcasecmp(a->a[0].ca_val, names[i].name) != 0)
			continue;
		if (ctl.sig_cb[names[i].sig] == NULL)
			break;
		control_reply(cc, 250, ' ', "OK");
		ctl.sig.ps_raised[names[i].sig] = true;
		/* Queued after the reply's flush, so the reply leaves first. */
		ml_defer(&ctl.sig.ps_d);
		return;
	}
	control_reply(cc, 552, ' ', "Unrecognized signal code \"%s\"", a->a[0].ca_val);
}

static void
cmd_setevents(struct control_conn *cc, const struct ctl_args *a, const char *raw,
    size_t rawlen)
{
	uint32_t mask = 0;
	size_t i;
	int e;

	for (i = 0; i < a->n; i++) {
		if (i == 0 && strcasecmp(a->a[i].ca_val, "EXTENDED") == 0)
			continue;
		for (e = 0; e < CONTROL_EV_COUNT_; e++)
			if (strcasecmp(a->a[i].ca_val, event_names[e]) == 0)
				break;
		if (e == CONTROL_EV_COUNT_ || a->a[i].ca_key != NULL) {
			control_reply(cc, 552, ' ', "Unrecognized event \"%s\"", a->a[i].ca_val);
			return;
		}
		mask |= 1u << e;
	}
	cc->cc_events = mask;
	control_reply(cc, 250, ' ', "OK");
}

struct control_cmd {
	const char	*name;
	bool		 needs_auth;
	control_cmd_fn	 fn;
};

static const struct control_cmd control_cmds[] = {
	{ "PROTOCOLINFO",	false,	cmd_protocolinfo },
	{ "AUTHCHALLENGE",	false,	cmd_authchallenge },
	{ "AUTHENTICATE",	false,	cmd_authenticate },
	{ "QUIT",		false,	cmd_quit },
	{ "GETINFO",		true,	cmd_getinfo },
	{ "GETCONF",		true,	cmd_getconf },
	{ "SIGNAL",		true,	cmd_signal },
	{ "SETEVENTS",		true,	cmd_setevents },
};

/* Run one request line. */
static void
control_handle_line(struct control_conn *cc, const struct ctl_line *l)
{
	const struct control_cmd *cmd = NULL;
	struct ctl_args a;
	size_t i;

	if (l->cl_keyword[0] == '\0')
		return;	/* empty line: ignored */
	for (i = 0; i < ARRAY_LEN(control_cmds); i++)
		if (strcmp(control_cmds[i].name, l->cl_keyword) == 0)
			cmd = &control_cmds[i];
	if (!cc->cc_authed && (cmd == NULL || cmd->needs_auth ||
	    (cc->cc_challenge_pending && cmd->fn != cmd_authenticate && cmd->fn != cmd_quit))) {
		control_reply(cc, 514, ' ', "Authentication required.");
		control_fail_close(cc, "command before authentication");
		return;
	}
	if (cmd == NULL) {
		control_reply(cc, 510, ' ', "Unrecognized command \"%s\"", l->cl_keyword);
		return;
	}
	if (ctl_args_parse(l->cl_args, l->cl_args_len, &a) < 0) {
		control_reply(cc, 513, ' ', "Syntax error in arguments");
		if (!cc->cc_authed)
			control_fail_close(cc, "syntax error before authentication");
		return;
	}
	cmd->fn(cc, &a, l->cl_args, l->cl_args_len);
	ctl_args_clear(&a);
}

static void
control_process_inbuf(struct conn *c)
{
	struct control_conn *cc = container_of(c, struct control_conn, cc_conn);
	struct ctl_line l;
	size_t used;
	int rc;

	while (!conn_is_marked(c) && buf_len(&c->c_in) > 0) {
		rc = ctl_line_parse(buf_peek(&c->c_in), buf_len(&c->c_in), &l, &used);
		if (rc == PARSE_NEED_MORE)
			break;
		if (rc == PARSE_ERROR) {
			if (buf_len(&c->c_in) >= CTL_LINE_MAX)
				control_reply(cc, 510, ' ', "Line too long (limit %d bytes)",
				    CTL_LINE_MAX);
			else
				control_reply(cc, 510, ' ', "Malformed command line");
			buf_clear(&c->c_in);
			control_fail_close(cc, "bad line");
			return;
		}
		control_handle_line(cc, &l);
		/* The line may hold a cookie hash: wipe it as we drain it. */
		crypto_wipe(buf_peek_mut(&c->c_in), used);
		buf_drain(&c->c_in, used);
	}
	conn_update_reading(c);
}

static void
control_closed(struct conn *c)
{
	struct control_conn *cc = container_of(c, struct control_conn, cc_conn);

	TAILQ_REMOVE(&ctl.conns, cc, cc_entry);
	ctl.n_conns--;
}

static void
control_free(struct conn *c)
{
	struct control_conn *cc = container_of(c, struct control_conn, cc_conn);

	buf_free_storage(&c->c_in, 1);
	crypto_wipe(cc, sizeof(*cc));
	free(cc);
}

/*
 * Only the authentication deadline is set on control conns: an
 * unauthenticated connection (idle, or trickling empty lines) must not
 * hold one of the few slots and lock the operator out.
 */
static void
control_timeout(struct conn *c)
{
	struct control_conn *cc = container_of(c, struct control_conn, cc_conn);

	if (cc->cc_authed)
		return;
	log_rl(&control_rl, LL_INFO, LD_CTL, "control conn=%llu not authenticated in %.0f s: closing",
	    (unsigned long long)c->c_id, CONTROL_AUTH_TIMEOUT);
	control_fail_close(cc, "authentication timeout");
}

static const struct conn_ops control_conn_ops = {
	.name = "control",
	.process_inbuf = control_process_inbuf,
	.timeout = control_timeout,
	.closed = control_closed,
	.free = control_free,
};

/* Unix sockets: only our user, root, or (with a group) the socket's group. */
static bool
control_peer_allowed(int fd)
{
#ifdef SO_PEERCRED
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &slen) < 0 || ss.ss_family != AF_UNIX)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return false;
	if (uc.uid == 0 || uc.uid == geteuid())
		return true;
	return ctl.opt.co_socket_group != NULL;	/* the socket mode admitted it */
#else
	return true;
#endif
}

static void
control_accept(struct listener *l, int fd, const struct addr *peer, void *arg)
{
	struct control_conn *cc;

	if (!control_peer_allowed(fd)) {
		log_rl(&control_rl, LL_NOTICE, LD_CTL, "control connection from another user refused");
		close(fd);
		return;
	}
	cc = xcalloc(1, sizeof(*cc));
	conn_init(&cc->cc_conn, &control_conn_ops, fd);
	cc->cc_conn.c_in_max = CONTROL_IN_MAX;
	conn_set_deadline(&cc->cc_conn, CONTROL_AUTH_TIMEOUT);
	TAILQ_INSERT_TAIL(&ctl.conns, cc, cc_entry);
	ctl.n_conns++;
	if (ctl.n_conns > (ctl.opt.co_max_clients ? ctl.opt.co_max_clients :
	    CONTROL_MAX_CLIENTS_DEFAULT)) {
		log_rl(&control_rl, LL_NOTICE, LD_CTL, "control: too many connections (%zu)",
		    ctl.n_conns - 1);
		control_reply(cc, 451, ' ', "Too many control connections");
		control_fail_close(cc, "too many control connections");
		return;
	}
	log_debug(LD_CTL, "control conn=%llu accepted on %s",
	    (unsigned long long)cc->cc_conn.c_id, listener_name(l));
}

/* --- events ------------------------------------------------------------- */

const char *
control_event_name(enum control_event ev)
{
	return (unsigned)ev < CONTROL_EV_COUNT_ ? event_names[ev] : "?";
}

bool
control_event_wanted(enum control_event ev)
{
	struct control_conn *cc;

	TAILQ_FOREACH(cc, &ctl.conns, cc_entry)
		if (cc->cc_authed && (cc->cc_events & (1u << ev)) && !conn_is_marked(&cc->cc_conn))
			return true;
	return false;
}

void
control_event_emit(enum control_event ev, const char *fmt, ...)
{
	struct control_conn *cc;
	struct buf b = BUF_INIT;
	va_list ap;
	char *text;

	if (!control_event_wanted(ev))
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	ctl_fmt_line(&b, 650, ' ', "%s %s", event_names[ev], text);
	free(text);
	TAILQ_FOREACH(cc, &ctl.conns, cc_entry) {
		if (!cc->cc_authed || !(cc->cc_events & (1u << ev)) || conn_is_marked(&cc->cc_conn))
			continue;
		/* A controller that stops reading loses its connection, not our memory. */
		if (conn_is_blocked(&cc->cc_conn)) {
			conn_mark_for_close(&cc->cc_conn, "control events not read");
			continue;
		}
		conn_write(&cc->cc_conn, buf_peek(&b), buf_len(&b));
	}
	buf_free_storage(&b, 0);
}

static void
control_bw_tick(struct ml_timer *t)
{
	uint64_t r = conn_total_read(), w = conn_total_written();

	control_event_emit(CONTROL_EV_BW, "%llu %llu",
	    (unsigned long long)(r - ctl.bw_last_read), (unsigned long long)(w - ctl.bw_last_written));
	ctl.bw_last_read = r;
	ctl.bw_last_written = w;
	control_node_tick();
}

void
control_register_signal(enum control_signal sig, control_signal_cb cb, void *arg)
{
	if (BUG((unsigned)sig >= CONTROL_SIG_COUNT_))
		return;
	ctl.sig_cb[sig] = cb;
	ctl.sig_arg[sig] = arg;
}

void
control_set_getconf(control_getconf_fn fn)
{
	ctl.getconf = fn;
}

size_t
control_n_conns(void)
{
	return ctl.n_conns;
}

/* --- start and stop ----------------------------------------------------- */

int
control_check_tcp_addr(const struct addr *a, const char **why)
{
	if (a->a_len == 0)
		return 0;
	if (!addr_is_loopback(a)) {
		*why = "the control port must be a loopback address (127.0.0.0/8 or ::1)";
		return -1;
	}
	return 0;
}

int
control_check_options(const struct control_options *opt, const char **why)
{
	struct control_pwhash h;

	if (control_check_tcp_addr(&opt->co_tcp, why) < 0)
		return -1;
	if (opt->co_socket_path == NULL && opt->co_tcp.a_len == 0) {
		*why = "no control socket and no control port";
		return -1;
	}
	if (opt->co_auth == CONTROL_AUTHCFG_COOKIE && opt->co_cookie_path == NULL) {
		*why = "cookie authentication needs a cookie path";
		return -1;
	}
	if (opt->co_auth == CONTROL_AUTHCFG_PASSWORD && (opt->co_password_hash == NULL ||
	    control_auth_pwhash_parse(opt->co_password_hash, &h) < 0)) {
		*why = "password authentication needs a \"16:\" hash (torctl hash-password)";
		return -1;
	}
	if (opt->co_socket_group != NULL && getgrnam(opt->co_socket_group) == NULL) {
		*why = "unknown control socket group";
		return -1;
	}
	crypto_wipe(&h, sizeof(h));
	return 0;
}

static char *
xstrdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
control_start(const struct control_options *opt)
{
	const char *why = NULL;
	struct group *gr;
	char abuf[ADDR_STRLEN];

	if (BUG(ctl.started))
		return -1;
	if (control_check_options(opt, &why) < 0) {
		log_err(LD_CTL, "control: %s", why);
		return -1;
	}
	ctl.opt = *opt;
	ctl.opt.co_socket_path = xstrdup_or_null(opt->co_socket_path);
	ctl.opt.co_socket_group = xstrdup_or_null(opt->co_socket_group);
	ctl.opt.co_cookie_path = xstrdup_or_null(opt->co_cookie_path);
	ctl.opt.co_password_hash = NULL;	/* parsed below, not kept as text */
	ctl.opt.co_config_file = xstrdup_or_null(opt->co_config_file);
	ctl.opt.co_fingerprint = xstrdup_or_null(opt->co_fingerprint);
	ctl.opt.co_nickname = xstrdup_or_null(opt->co_nickname);
	ctl.started = true;
	ml_deferred_init(&ctl.sig.ps_d, control_signal_deferred);
	switch (opt->co_auth) {
	case CONTROL_AUTHCFG_COOKIE:
		if (control_auth_cookie_create(opt->co_cookie_path, ctl.cookie) < 0)
			goto err;
		ctl.have_cookie = true;
		break;
	case CONTROL_AUTHCFG_PASSWORD:
		(void)control_auth_pwhash_parse(opt->co_password_hash, &ctl.pw);
		ctl.have_pw = true;
		break;
	case CONTROL_AUTHCFG_NONE:
		log_warn(LD_CTL, "control: authentication is OFF (control_auth = none): "
		    "anyone who can reach the control port controls this node");
		break;
	}
	if (opt->co_socket_path != NULL) {
		ctl.unix_l = listener_new_unix(opt->co_socket_path,
		    opt->co_socket_group ? 0660 : 0600, "control", control_accept, NULL, &why);
		if (ctl.unix_l == NULL) {
			log_err(LD_CTL, "control socket path=%s: %s: %s", opt->co_socket_path, why,
			    strerror(errno));
			goto err;
		}
		if (opt->co_socket_group != NULL) {
			gr = getgrnam(opt->co_socket_group);
			if (gr == NULL || chown(opt->co_socket_path, (uid_t)-1, gr->gr_gid) < 0) {
				log_err(LD_CTL, "control socket path=%s: cannot give it group %s",
				    opt->co_socket_path, opt->co_socket_group);
				goto err;
			}
		}
	}
	if (opt->co_tcp.a_len != 0) {
		ctl.tcp_l = listener_new_tcp(&opt->co_tcp, "control", control_accept, NULL, &why);
		if (ctl.tcp_l == NULL) {
			log_err(LD_CTL, "control port addr=%s: %s: %s",
			    addr_fmt(&opt->co_tcp, abuf, sizeof(abuf)), why, strerror(errno));
			goto err;
		}
	}
	control_getinfo_register_defaults();
	ctl.bw_last_read = conn_total_read();
	ctl.bw_last_written = conn_total_written();
	ml_timer_init(&ctl.bw_timer, control_bw_tick);
	ml_timer_start(&ctl.bw_timer, 1.0, 1.0);
	log_notice(LD_CTL, "control port open socket=%s tcp=%s auth=%s",
	    opt->co_socket_path ? opt->co_socket_path : "none",
	    ctl.tcp_l ? addr_fmt(listener_addr(ctl.tcp_l), abuf, sizeof(abuf)) : "none",
	    opt->co_auth == CONTROL_AUTHCFG_COOKIE ? "cookie" :
	    opt->co_auth == CONTROL_AUTHCFG_PASSWORD ? "password" : "none");
	return 0;
err:
	control_stop();
	return -1;
}

const char *
control_cookie_path(void)
{
	return ctl.have_cookie ? ctl.opt.co_cookie_path : NULL;
}

const struct addr *
control_tcp_addr(void)
{
	return ctl.tcp_l ? listener_addr(ctl.tcp_l) : NULL;
}

void
control_stop(void)
{
	struct control_conn *cc;

	if (!ctl.started)
		return;
	listener_free(ctl.unix_l);
	listener_free(ctl.tcp_l);
	ml_timer_stop(&ctl.bw_timer);
	ml_defer_cancel(&ctl.sig.ps_d);
	TAILQ_FOREACH(cc, &ctl.conns, cc_entry)
		conn_mark_for_close(&cc->cc_conn, "control port closing");
	if (ctl.have_cookie)
		(void)unlink(ctl.opt.co_cookie_path);
	free((char *)ctl.opt.co_socket_path);
	free((char *)ctl.opt.co_socket_group);
	free((char *)ctl.opt.co_cookie_path);
	free((char *)ctl.opt.co_config_file);
	free((char *)ctl.opt.co_fingerprint);
	free((char *)ctl.opt.co_nickname);
	crypto_wipe(ctl.cookie, sizeof(ctl.cookie));
	crypto_wipe(&ctl.pw, sizeof(ctl.pw));
	ctl.have_cookie = ctl.have_pw = false;
	control_getinfo_clear();
	memset(&ctl.opt, 0, sizeof(ctl.opt));
	ctl.started = false;
}
