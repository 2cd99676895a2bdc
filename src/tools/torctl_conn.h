/*
 * torctl_conn.h: torctl's blocking control-port client: connect to a
 * Unix socket or loopback TCP port, authenticate (SAFECOOKIE if a cookie
 * is readable, else the HASHEDPASSWORD challenge-response), send
 * commands and read replies and events.
 */
#ifndef TORD_TOOLS_TORCTL_CONN_H
#define TORD_TOOLS_TORCTL_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/proto/ctl.h"
#include "lib/buf.h"

/* Exit statuses shared by every torctl command. */
#define TORCTL_EXIT_OK		0
#define TORCTL_EXIT_FAILED	1
#define TORCTL_EXIT_USAGE	2
#define TORCTL_EXIT_UNREACHABLE	3

#define TORCTL_DEFAULT_CONTROL	"/run/tord-client/control"

struct torctl_conn {
	int		 tc_fd;
	struct buf	 tc_in;
	struct buf	 tc_events;	/* 650 lines read while waiting for a reply */
};

struct torctl_auth {
	const char	*ta_cookie_file;	/* --cookie, or NULL: from PROTOCOLINFO */
	bool		 ta_password;		/* --password: use the password method */
	const char	*ta_password_file;	/* --password-file */
};

/*
 * Connect to target: a path (contains '/') or HOST:PORT.  0, or -1 with
 * a message in err.
 */
int	torctl_connect(struct torctl_conn *tc, const char *target, char *err, size_t errlen);
void	torctl_close(struct torctl_conn *tc);
/*
 * Authenticate.  0, or -1 with a message in err (the caller exits with
 * TORCTL_EXIT_UNREACHABLE).
 */
int	torctl_authenticate(struct torctl_conn *tc, const struct torctl_auth *a, char *err,
	    size_t errlen);
/*
 * Send line (without CRLF) and read its reply into r (events that arrive
 * first are kept for torctl_next_event).  0, or -1 if the connection
 * failed.  The reply may be an error: check r->r_code.
 */
int	torctl_command(struct torctl_conn *tc, const char *line, struct ctl_reply *r);
/*
 * Read the next reply (event or not), waiting at most timeout_ms (-1:
 * forever).  1 with r filled, 0 on timeout, -1 on EOF or error.
 */
int	torctl_read_reply(struct torctl_conn *tc, struct ctl_reply *r, int timeout_ms);
/*
 * Read a password: from file (first line), else env TORCTL_PASSWORD,
 * else a prompt on the terminal with echo off.  Returns a malloc'd
 * string (wipe and free it), or NULL with a message in err.
 */
char	*torctl_read_password(const char *file, const char *prompt, char *err, size_t errlen);

#endif
