/*
 * torctl_conn.c: the blocking control-port client behind torctl (see
 * torctl_conn.h).  Authentication follows control_auth.h: the client
 * checks the server's SERVERHASH before it answers, so a fake control
 * socket learns nothing; the cookie and password never leave this
 * process, and are wiped after use.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "feature/control/control_auth.h"
#include "lib/addr.h"
#include "lib/crypto.h"
#include "lib/util.h"
#include "tools/torctl_conn.h"

int
torctl_connect(struct torctl_conn *tc, const char *target, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct addr a;

	memset(tc, 0, sizeof(*tc));
	tc->tc_fd = -1;
	if (strchr(target, '/') != NULL) {
		if (strlen(target) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "%s: path too long", target);
			return -1;
		}
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, target, strlen(target));
		tc->tc_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (tc->tc_fd >= 0 &&
		    connect(tc->tc_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return 0;
	} else {
		if (addr_parse(target, false, &a) < 0) {
			snprintf(err, errlen, "%s: not a socket path or numeric HOST:PORT", target);
			return -1;
		}
		if (!addr_is_loopback(&a)) {
			snprintf(err, errlen, "%s: the control port is loopback only", target);
			return -1;
		}
		tc->tc_fd = socket(addr_family(&a), SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (tc->tc_fd >= 0 && connect(tc->tc_fd, &a.a_u.sa, a.a_len) == 0)
			return 0;
	}
	snprintf(err, errlen, "cannot connect to the control port %s: %s", target, strerror(errno));
	if (tc->tc_fd >= 0)
		close(tc->tc_fd);
	tc->tc_fd = -1;
	return -1;
}

void
torctl_close(struct torctl_conn *tc)
{
	if (tc->tc_fd >= 0)
		close(tc->tc_fd);
	tc->tc_fd = -1;
	buf_free_storage(&tc->tc_in, 1);
	buf_free_storage(&tc->tc_events, 0);
}

static int
torctl_send(struct torctl_conn *tc, const char *line)
{
	struct buf b = BUF_INIT;
	ssize_t n;
	int rc = 0;

	buf_add(&b, line, strlen(line));
	buf_add(&b, "\r\n", 2);
	while (buf_len(&b) > 0) {
		n = send(tc->tc_fd, buf_peek(&b), buf_len(&b), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		buf_drain(&b, (size_t)n);
	}
	buf_free_storage(&b, 1);
	return rc;
}

int
torctl_read_reply(struct torctl_conn *tc, struct ctl_reply *r, int timeout_ms)
{
	struct pollfd pfd;
	size_t used;
	ssize_t n;
	int rc;

	for (;;) {
		rc = ctl_reply_parse(buf_peek(&tc->tc_in), buf_len(&tc->tc_in), r, &used);
		if (rc == PARSE_OK) {
			buf_drain(&tc->tc_in, used);
			return 1;
		}
		if (rc == PARSE_ERROR)
			return -1;
		pfd.fd = tc->tc_fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			return 0;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		n = buf_read_fd(&tc->tc_in, tc->tc_fd, 65536);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
	}
}

int
torctl_command(struct torctl_conn *tc, const char *line, struct ctl_reply *r)
{
	if (torctl_send(tc, line) < 0)
		return -1;
	for (;;) {
		if (torctl_read_reply(tc, r, 30000) <= 0)
			return -1;
		if (r->r_code != 650)
			return 0;
		/* An event between our command and its reply: keep it. */
		buf_add(&tc->tc_events, r->r_lines[0].rl_text, strlen(r->r_lines[0].rl_text));
		buf_add(&tc->tc_events, "\n", 1);
		ctl_reply_clear(r);
	}
}

char *
torctl_read_password(const char *file, const char *prompt, char *err, size_t errlen)
{
	struct termios old, noecho;
	char line[1024], *env;
	FILE *f;
	size_t n;
	bool tty_ok;

	if (file != NULL) {
		f = fopen(file, "r");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			return NULL;
		}
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
	} else if ((env = getenv("TORCTL_PASSWORD")) != NULL) {
		snprintf(line, sizeof(line), "%s", env);
	} else {
		f = fopen("/dev/tty", "r+");
		if (f == NULL) {
			snprintf(err, errlen, "no terminal to ask for the password "
			    "(use --password-file or TORCTL_PASSWORD)");
			return NULL;
		}
		fputs(prompt, f);
		fflush(f);
		tty_ok = tcgetattr(fileno(f), &old) == 0;
		if (tty_ok) {
			noecho = old;
			noecho.c_lflag &= (tcflag_t)~ECHO;
			(void)tcsetattr(fileno(f), TCSAFLUSH, &noecho);
		}
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		if (tty_ok)
			(void)tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputs("\n", f);
		fclose(f);
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0) {
		crypto_wipe(line, sizeof(line));
		snprintf(err, errlen, "empty password");
		return NULL;
	}
	env = xstrdup(line);
	crypto_wipe(line, sizeof(line));
	return env;
}

/* AUTHCHALLENGE + AUTHENTICATE with secret (cookie or S2K key). */
static int
torctl_challenge(struct torctl_conn *tc, enum control_auth_method m, const uint8_t *cookie,
    const char *password, char *err, size_t errlen)
{
	uint8_t cn[CONTROL_NONCE_LEN], sn[CONTROL_NONCE_LEN], sh[CONTROL_HASH_LEN];
	uint8_t want_sh[CONTROL_HASH_LEN], ch[CONTROL_HASH_LEN], key[CONTROL_S2K_KEY_LEN];
	uint8_t s2k[CONTROL_S2K_SALT_LEN + 1];
	char cnx[2 * CONTROL_NONCE_LEN + 1], line[256];
	const char *shx, *snx, *s2kx;
	struct ctl_reply r;
	struct ctl_args a;
	int rc = -1;

	crypto_rand(cn, sizeof(cn));
	util_hex_encode(cn, sizeof(cn), cnx);
	snprintf(line, sizeof(line), "AUTHCHALLENGE %s %s", control_auth_method_name(m), cnx);
	if (torctl_command(tc, line, &r) < 0) {
		snprintf(err, errlen, "control connection lost during authentication");
		return -1;
	}
	if (r.r_code != 250 || r.r_n != 1 ||
	    ctl_args_parse(r.r_lines[0].rl_text, strlen(r.r_lines[0].rl_text), &a) < 0) {
		snprintf(err, errlen, "authentication refused: %d %s", r.r_code,
		    r.r_n ? r.r_lines[r.r_n - 1].rl_text : "");
		ctl_reply_clear(&r);
		return -1;
	}
	shx = ctl_args_get(&a, "SERVERHASH");
	snx = ctl_args_get(&a, "SERVERNONCE");
	s2kx = ctl_args_get(&a, "S2K");
	if (shx == NULL || snx == NULL || strlen(shx) != 64 || strlen(snx) != 64 ||
	    util_hex_decode(shx, 64, sh, sizeof(sh)) < 0 ||
	    util_hex_decode(snx, 64, sn, sizeof(sn)) < 0 ||
	    (m == CONTROL_AUTH_HASHEDPASSWORD && (s2kx == NULL || strlen(s2kx) != 18 ||
	    util_hex_decode(s2kx, 18, s2k, sizeof(s2k)) < 0))) {
		snprintf(err, errlen, "malformed AUTHCHALLENGE reply");
		goto done;
	}
	if (m == CONTROL_AUTH_SAFECOOKIE) {
		control_auth_hashes(m, cookie, CONTROL_COOKIE_LEN, cn, sizeof(cn), sn, want_sh, ch);
	} else {
		control_auth_s2k(s2k, s2k[CONTROL_S2K_SALT_LEN], password, strlen(password), key);
		control_auth_hashes(m, key, sizeof(key), cn, sizeof(cn), sn, want_sh, ch);
		crypto_wipe(key, sizeof(key));
	}
	if (!crypto_eq(sh, want_sh, sizeof(sh))) {
		snprintf(err, errlen, m == CONTROL_AUTH_SAFECOOKIE ?
		    "authentication refused: the server does not know this cookie (stale cookie file?)" :
		    "authentication refused: wrong password (the server's proof does not match)");
		goto done;
	}
	ctl_reply_clear(&r);
	util_hex_encode(ch, sizeof(ch), cnx);
	snprintf(line, sizeof(line), "AUTHENTICATE %s", cnx);
	if (torctl_command(tc, line, &r) < 0) {
		snprintf(err, errlen, "control connection lost during authentication");
		goto wipe;
	}
	if (r.r_code != 250)
		snprintf(err, errlen, "authentication refused: %d %s", r.r_code,
		    r.r_n ? r.r_lines[r.r_n - 1].rl_text : "");
	else
		rc = 0;
done:
	ctl_args_clear(&a);
	ctl_reply_clear(&r);
wipe:
	crypto_wipe(line, sizeof(line));
	crypto_wipe(ch, sizeof(ch));
	crypto_wipe(cnx, sizeof(cnx));
	return rc;
}

int
torctl_authenticate(struct torctl_conn *tc, const struct torctl_auth *au, char *err,
    size_t errlen)
{
	uint8_t cookie[CONTROL_COOKIE_LEN];
	struct ctl_reply r;
	struct ctl_args a;
	const char *methods = NULL, *cookiefile = NULL;
	char *password, *mcopy = NULL, *cfcopy = NULL;
	bool safecookie = false, hashed = false, null = false;
	size_t i;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (torctl_command(tc, "PROTOCOLINFO 1", &r) < 0 || r.r_code != 250) {
		snprintf(err, errlen, "no PROTOCOLINFO answer: is this a tord control port?");
		ctl_reply_clear(&r);
		return -1;
	}
	for (i = 0; i < r.r_n; i++) {
		if (strncmp(r.r_lines[i].rl_text, "AUTH ", 5) != 0)
			continue;
		if (ctl_args_parse(r.r_lines[i].rl_text + 5, strlen(r.r_lines[i].rl_text + 5), &a) < 0)
			continue;
		methods = ctl_args_get(&a, "METHODS");
		cookiefile = ctl_args_get(&a, "COOKIEFILE");
		mcopy = methods ? xstrdup(methods) : NULL;
		cfcopy = cookiefile ? xstrdup(cookiefile) : NULL;
		ctl_args_clear(&a);
	}
	ctl_reply_clear(&r);
	if (mcopy != NULL) {
		safecookie = strstr(mcopy, "SAFECOOKIE") != NULL;
		hashed = strstr(mcopy, "HASHEDPASSWORD") != NULL;
		null = strstr(mcopy, "NULL") != NULL;
	}
	if (null) {
		if (torctl_command(tc, "AUTHENTICATE", &r) == 0 && r.r_code == 250)
			rc = 0;
		else
			snprintf(err, errlen, "authentication refused");
		ctl_reply_clear(&r);
		goto done;
	}
	if (safecookie && !au->ta_password) {
		const char *path = au->ta_cookie_file ? au->ta_cookie_file : cfcopy;

		if (path != NULL && control_auth_cookie_read(path, cookie) == 0) {
			rc = torctl_challenge(tc, CONTROL_AUTH_SAFECOOKIE, cookie, NULL, err, errlen);
			crypto_wipe(cookie, sizeof(cookie));
			goto done;
		}
		if (!hashed) {
			snprintf(err, errlen, "cannot read the cookie file %s: %s",
			    path ? path : "(none advertised)", strerror(errno));
			goto done;
		}
	}
	if (!hashed) {
		snprintf(err, errlen, "the node offers no method torctl can use (METHODS=%s)",
		    mcopy ? mcopy : "?");
		goto done;
	}
	password = torctl_read_password(au->ta_password_file, "Control password: ", err, errlen);
	if (password == NULL)
		goto done;
	rc = torctl_challenge(tc, CONTROL_AUTH_HASHEDPASSWORD, NULL, password, err, errlen);
	crypto_wipe(password, strlen(password));
	free(password);
done:
	free(mcopy);
	free(cfcopy);
	return rc;
}
