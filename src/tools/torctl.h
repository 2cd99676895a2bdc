/*
 * torctl.h: what torctl's command files share: the context of one run,
 * GETINFO of one key, and the commands defined outside torctl.c.
 */
#ifndef TORD_TOOLS_TORCTL_H
#define TORD_TOOLS_TORCTL_H

#include <signal.h>
#include <stdbool.h>

#include "tools/torctl_conn.h"

struct torctl_ctx {
	struct torctl_conn	 conn;
	bool			 json;
	int			 argc;		/* the command and its arguments */
	char			**argv;
	const char		*password_file;
};

/* Set by SIGINT / SIGTERM: long-running commands end cleanly. */
extern volatile sig_atomic_t torctl_stop;

/*
 * GETINFO one key: a malloc'd value, or NULL.  quiet: an error reply is
 * not reported (the key does not apply to this node); the caller still
 * cannot tell it from a lost connection, see torctl_conn.
 */
char	*torctl_getinfo(struct torctl_ctx *x, const char *key, bool quiet);

/* torctl top (torctl_top.c). */
int	torctl_top(struct torctl_ctx *x);

#endif
