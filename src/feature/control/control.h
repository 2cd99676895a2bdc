/*
 * control.h: the control port server (a subset of Tor's control
 * protocol) on a Unix socket and optionally a loopback TCP port.
 *
 * The daemon fills struct control_options from its configuration, calls
 * control_start() after mainloop_init(), and registers what only it
 * knows: SIGNAL handlers (control_register_signal), GETINFO providers
 * (control_register_getinfo: modules add their own keys, e.g. "ns/all"
 * from the directory code), a GETCONF lookup, and the bootstrap phase.
 * Role code reports events with control_event_emit() (generic) or the
 * helpers in control_or.h (CIRC, STREAM, ORCONN); BW events come from a
 * once-a-second timer here.
 *
 * Before authentication only PROTOCOLINFO, AUTHCHALLENGE, AUTHENTICATE
 * and QUIT are accepted; anything else gets "514 Authentication
 * required." and the connection is closed, as is any failed
 * AUTHENTICATE (515).  See control_auth.h for the two methods.
 */
#ifndef TORD_FEATURE_CONTROL_CONTROL_H
#define TORD_FEATURE_CONTROL_CONTROL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/util.h"

enum control_auth_cfg {
	CONTROL_AUTHCFG_COOKIE = 0,	/* SAFECOOKIE, cookie file in the data directory */
	CONTROL_AUTHCFG_PASSWORD,	/* HASHEDPASSWORD challenge-response */
	CONTROL_AUTHCFG_NONE,		/* anyone who can reach the socket (warned) */
};

/*
 * What GETINFO version and PROTOCOLINFO's VERSION say: the Tor release
 * whose control-spec subset tord speaks, with tord's version as Tor's
 * "extra" tag.  Controller libraries gate features on this (stem refuses
 * event listeners to a "0.1.0"); tord's own version alone is GETINFO
 * tord/version.  Needs PACKAGE_VERSION (config.h).
 */
#define CONTROL_TOR_COMPAT		"0.4.8.0"
#define CONTROL_VERSION_STRING		CONTROL_TOR_COMPAT " (tord-" PACKAGE_VERSION ")"

#define CONTROL_MAX_CLIENTS_DEFAULT	16
#define CONTROL_SOCKET_NAME		"control.sock"

struct control_options {
	const char	*co_socket_path;	/* Unix socket; NULL: none */
	const char	*co_socket_group;	/* group allowed to connect (mode 0660); NULL: 0600 */
	struct addr	 co_tcp;		/* loopback TCP port; a_len 0: none */
	enum control_auth_cfg co_auth;
	const char	*co_cookie_path;	/* COOKIE: where the cookie file is written */
	const char	*co_password_hash;	/* PASSWORD: "16:..." */
	unsigned	 co_max_clients;	/* 0: CONTROL_MAX_CLIENTS_DEFAULT */
	/* For GETINFO; any may be NULL. */
	const char	*co_config_file;
	const char	*co_fingerprint;
	const char	*co_nickname;
};

/*
 * Validate a TCP control address: it must be loopback (127.0.0.0/8 or
 * ::1).  Returns 0, or -1 with *why set to a static message.  Config
 * validation calls this so a wrong address is refused before startup.
 */
int	control_check_tcp_addr(const struct addr *a, const char **why);
/* Validate the whole options struct (as control_start would); 0 or -1. */
int	control_check_options(const struct control_options *opt, const char **why);

/*
 * Open the listeners, write the cookie file (COOKIE) and start the BW
 * timer.  Strings in opt are copied.  Returns 0, or -1 with the reason
 * logged (nothing left open).  Call once; control_stop() undoes it.
 */
int	control_start(const struct control_options *opt);
/* Close listeners and every control connection, remove the socket. */
void	control_stop(void);
/* Path of the cookie file in force, or NULL. */
const char	*control_cookie_path(void);
/* Bound TCP address (port chosen when 0 was asked), or NULL. */
const struct addr *control_tcp_addr(void);

/* SIGNAL: the daemon registers what each signal does. */
enum control_signal {
	CONTROL_SIG_RELOAD = 0,	/* RELOAD, HUP */
	CONTROL_SIG_SHUTDOWN,	/* SHUTDOWN, HALT, INT, TERM */
	CONTROL_SIG_NEWNYM,
	CONTROL_SIG_DUMP,	/* DUMP, USR1 */
	CONTROL_SIG_COUNT_
};
typedef void (*control_signal_cb)(enum control_signal sig, void *arg);
/*
 * Set the handler of sig (NULL removes it).  It runs from the loop after
 * the "250 OK" reply is queued and flushed, never from inside the
 * command.  A signal without handler is answered "552".
 */
void	control_register_signal(enum control_signal sig, control_signal_cb cb, void *arg);

/*
 * GETINFO providers.  fn appends the value of key to out (it may hold
 * several lines: it is then sent as a data reply) and returns 0; it
 * returns 1 if it does not know key (552), -1 if the value cannot be
 * produced now (551, with *err a static message).  A prefix ending in
 * '/' matches every key below it; any other prefix matches exactly.
 * Later registrations of the same prefix replace earlier ones.  doc is a
 * static one-line description for "info/names".
 */
typedef int (*control_getinfo_fn)(const char *key, struct buf *out, const char **err);
void	control_register_getinfo(const char *prefix, control_getinfo_fn fn, const char *doc);

/*
 * GETCONF lookup: append the value of key (case-insensitive option name)
 * to out and return 0, or return 1 if unknown, or 2 if the option is
 * set to nothing (answered as "250 key").  Secrets must not be returned.
 */
typedef int (*control_getconf_fn)(const char *key, struct buf *out);
void	control_set_getconf(control_getconf_fn fn);

/*
 * Bootstrap phase for status/bootstrap-phase; also emitted as a
 * STATUS_CLIENT BOOTSTRAP event when it changes.
 */
void	control_set_bootstrap(int progress, const char *tag, const char *summary);

/* Asynchronous events (SETEVENTS). */
enum control_event {
	CONTROL_EV_CIRC = 0,
	CONTROL_EV_STREAM,
	CONTROL_EV_ORCONN,
	CONTROL_EV_BW,
	CONTROL_EV_STATUS_CLIENT,
	CONTROL_EV_STATUS_GENERAL,
	CONTROL_EV_COUNT_
};
/* True if some authenticated controller asked for ev (skip formatting if not). */
bool	control_event_wanted(enum control_event ev);
/* Send "650 NAME text" to each controller that asked for ev. */
void	control_event_emit(enum control_event ev, const char *fmt, ...) PRINTF_LIKE(2, 3);
const char	*control_event_name(enum control_event ev);

/* Number of open control connections (tests, status). */
size_t	control_n_conns(void);

#endif
