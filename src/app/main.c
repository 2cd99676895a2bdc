/*
 * main.c: the tord daemon's shell.
 *
 * Reads the command line, loads the configuration (config.c), and either
 * checks it (--verify-config), prints the node's fingerprint
 * (--fingerprint), or runs the node:
 *
 *	config_load -> logging -> crypto_global_init -> keys_load (roles with
 *	an identity) -> daemonise unless --foreground -> pid file ->
 *	mainloop_init -> signals -> role_start -> mainloop_run
 *
 * When daemonising, the parent waits on a pipe until the child has
 * started its role, and exits 0 only then, so a failing start (a port in
 * use, a bad key file) still reaches the terminal and the exit status.
 *
 * Signals: INT/TERM stop the loop and free everything (exit 0); HUP
 * reloads the file through the same parse and validation path, refuses
 * it as a whole if it is invalid or changes an OPT_RESTART option, and
 * otherwise swaps it in and re-applies logging and the role's reload.
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"
#include "core/crypto/keys.h"
#include "core/mainloop/mainloop.h"
#include "lib/memtrim.h"
#include "app/config.h"
#include "app/control_glue.h"
#include "app/roles.h"

int main(int argc, char **argv);

static struct {
	const char	*conf;		/* absolute after startup */
	bool		 verify;
	bool		 foreground;
	bool		 fingerprint;
	bool		 relay_line;
	bool		 dump_options;
} opt;

static struct tord_config	*cfg;
static struct node_keys		 keys;
static char			*pid_path;	/* written by us, removed at exit */
static int			 ready_fd = -1;	/* daemon readiness pipe */
static struct ml_timer		 heartbeat;
static double			 started_at;

#define HEARTBEAT_SEC	3600.0
#define MEMTRIM_SEC	5.0

static struct ml_timer		 memtrim_timer;

/*
 * After a burst (10,000 streams opened and closed), hand the freed heap
 * back: glibc would keep the high-water mark resident for good.
 */
static void
on_memtrim(struct ml_timer *t)
{
	size_t freed = memtrim_maybe(MEMTRIM_THRESHOLD);

	if (freed > 0)
		log_debug(LD_GENERAL, "returned up to %zu KiB of free heap to the system",
		    freed / 1024);
}

/*
 * Log that we are alive once an hour.  Its timer also keeps the loop
 * running when a role has nothing else pending (signal watchers do not).
 */
static void
on_heartbeat(struct ml_timer *t)
{
	log_info(LD_GENERAL, "heartbeat role=%s uptime=%.0fs", config_role_name(cfg->role),
	    mainloop_now() - started_at);
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: tord -f FILE [--foreground]\n"
	    "       tord -f FILE --verify-config\n"
	    "       tord -f FILE --fingerprint\n"
	    "       tord --version | --help\n"
	    "\n"
	    "  -f, --config FILE   configuration file (see tord.ini(5))\n"
	    "  -n, --verify-config check the configuration and exit\n"
	    "  -d, --foreground    do not daemonise; log to stderr as configured\n"
	    "      --fingerprint   print the node's identity fingerprint (creates keys)\n"
	    "  -v, --version       print the version\n"
	    "  -h, --help          print this help\n");
}

static void
print_errors(const struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
}

/* Load the file, printing every error to stderr; NULL on failure. */
static struct tord_config *
load_or_report(const char *path)
{
	struct config_errors errs = { 0, NULL };
	struct tord_config *c = NULL;

	if (config_load(path, &c, &errs) < 0) {
		print_errors(&errs);
		fprintf(stderr, "%s: %zu error%s, configuration not usable\n", path,
		    errs.n, errs.n == 1 ? "" : "s");
	}
	config_errors_clear(&errs);
	return c;
}

/* Set levels, privacy and the sink from c; -1 (logged) if the sink fails. */
static int
apply_logging(const struct tord_config *c)
{
	size_t i;

	log_set_level((enum log_level)c->log_level);
	for (i = 0; i < c->log_domains.n; i++)
		log_set_domain_level((enum log_domain)c->log_domains.v.logdomain[i].domain,
		    (enum log_level)c->log_domains.v.logdomain[i].level);
	log_set_safe_logging(c->safe_logging);
	if (strcmp(c->log_target, "stderr") == 0) {
		log_to_stderr();
	} else if (strcmp(c->log_target, "syslog") == 0) {
		log_to_syslog("tord");
	} else if (log_to_file(c->log_target) < 0) {
		log_err(LD_CONFIG, "cannot open log_target %s: %s", c->log_target,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
load_keys(const struct tord_config *c)
{
	char *err = NULL;

	if (keys_load(c->data_directory, true, &keys, &err) < 0) {
		log_err(LD_CRYPTO, "cannot load keys: %s", err ? err : "unknown error");
		free(err);
		return -1;
	}
	return 0;
}

static int
cmd_fingerprint(void)
{
	char fp[FINGERPRINT_HEXLEN + 1];

	if (!config_role_has_identity(cfg->role)) {
		fprintf(stderr, "tord: %s: role %s has no identity key, so no fingerprint\n",
		    opt.conf, config_role_name(cfg->role));
		return 1;
	}
	if (crypto_global_init() < 0 || load_keys(cfg) < 0)
		return 1;
	keys_fingerprint(ed25519_public(keys.nk_identity), fp);
	if (opt.relay_line) {
		/* The line a client's static list takes: NICK ADDR:PORT FP ONIONKEY. */
		const struct addr *a = cfg->advertised_address.a_len ? &cfg->advertised_address :
		    &cfg->or_listen;
		char abuf[ADDR_STRLEN], onion[2 * X25519_LEN + 1];

		if (cfg->role != ROLE_RELAY && cfg->role != ROLE_EXIT) {
			fprintf(stderr, "tord: %s: role %s carries no traffic, so no relay line\n",
			    opt.conf, config_role_name(cfg->role));
			keys_clear(&keys);
			return 1;
		}
		util_hex_encode(x25519_public(keys.nk_onion), X25519_LEN, onion);
		printf("%s %s %s %s\n", cfg->nickname ? cfg->nickname : "unnamed",
		    addr_fmt(a, abuf, sizeof(abuf)), fp, onion);
	} else {
		printf("%s\n", fp);
	}
	keys_clear(&keys);
	return 0;
}

/*
 * Fork; the parent waits for one byte on a pipe (0 = started) and exits
 * with the child's verdict.  The child starts a new session and keeps
 * stderr until it is ready, so startup errors still reach the terminal.
 */
static int
daemonise(void)
{
	int pfd[2];
	ssize_t r;
	pid_t pid;
	char c = 1;

	if (pipe2(pfd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		log_err(LD_GENERAL, "cannot daemonise: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		do
			r = read(pfd[0], &c, 1);
		while (r < 0 && errno == EINTR);
		_exit(r == 1 && c == 0 ? 0 : 1);
	}
	close(pfd[0]);
	ready_fd = pfd[1];
	if (setsid() < 0 || chdir("/") < 0) {
		log_err(LD_GENERAL, "cannot daemonise: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Tell a waiting parent we are up, and let go of the terminal. */
static void
notify_ready(void)
{
	char ok = 0;
	int fd;

	if (ready_fd < 0)
		return;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (strcmp(cfg->log_target, "stderr") != 0)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(ready_fd, &ok, 1) != 1)
		log_warn(LD_GENERAL, "cannot signal readiness to the parent: %s", strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

static int
write_pid_file(const char *path)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_err(LD_GENERAL, "cannot write pid_file %s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_err(LD_GENERAL, "cannot write pid_file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	pid_path = xstrdup(path);
	return 0;
}

static void
on_terminate(int signo)
{
	log_notice(LD_GENERAL, "signal=%s shutting down", signo == SIGINT ? "INT" : "TERM");
	mainloop_exit();
}

static void
on_reload(int signo)
{
	struct config_errors errs = { 0, NULL };
	struct tord_config *fresh = NULL, *old;
	size_t i;

	log_notice(LD_CONFIG, "signal=HUP reloading %s", opt.conf);
	if (config_load(opt.conf, &fresh, &errs) < 0) {
		for (i = 0; i < errs.n; i++)
			log_warn(LD_CONFIG, "%s", errs.msg[i]);
		log_warn(LD_CONFIG, "reload refused: %zu error%s, keeping the running "
		    "configuration", errs.n, errs.n == 1 ? "" : "s");
		goto done;
	}
	if (config_diff_restart_only(cfg, fresh, &errs) > 0) {
		for (i = 0; i < errs.n; i++)
			log_warn(LD_CONFIG, "%s", errs.msg[i]);
		log_warn(LD_CONFIG, "reload refused: restart tord to apply these "
		    "changes; keeping the running configuration");
		goto done;
	}
	if (role_reload(cfg, fresh) < 0)
		log_warn(LD_CONFIG, "reload: role=%s could not apply every change",
		    config_role_name(fresh->role));
	if (apply_logging(fresh) < 0)
		apply_logging(cfg);	/* keep the sink that worked */
	old = cfg;
	cfg = fresh;
	fresh = NULL;
	config_set_current(cfg);
	config_free(old);
	log_notice(LD_CONFIG, "reloaded %s", opt.conf);
done:
	config_free(fresh);
	config_errors_clear(&errs);
}

static void
control_shutdown(void)
{
	mainloop_exit();
}

static void
control_reload(void)
{
	on_reload(SIGHUP);
}

/*
 * Identity, onion and circuit keys live in this process's memory: no core
 * file may hold them, and no other process of our user may read it
 * (ptrace, /proc/PID/mem), as with Tor's DisableDebuggerAttachment.
 * ASan builds stay dumpable: LeakSanitizer ptraces its own process.
 */
static void
protect_memory(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		log_warn(LD_GENERAL, "cannot disable core dumps: %s", strerror(errno));
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TORD_NO_DUMPABLE_OFF
#endif
#endif
#ifndef TORD_NO_DUMPABLE_OFF
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn(LD_GENERAL, "cannot make the process non-dumpable: %s", strerror(errno));
#endif
#endif
}

static int
run_node(void)
{
	bool loop = false, role = false;
	int rc = 1;

	if (apply_logging(cfg) < 0)
		return 1;
	config_set_current(cfg);
	protect_memory();
	if (crypto_global_init() < 0)
		goto out;
	if (config_role_has_identity(cfg->role) && load_keys(cfg) < 0)
		goto out;
	if (!opt.foreground && daemonise() < 0)
		goto out;
	if (cfg->pid_file != NULL && write_pid_file(cfg->pid_file) < 0)
		goto out;
	if (mainloop_init() < 0) {
		log_err(LD_GENERAL, "cannot create the event loop");
		goto out;
	}
	loop = true;
	mainloop_on_signal(SIGINT, on_terminate);
	mainloop_on_signal(SIGTERM, on_terminate);
	mainloop_on_signal(SIGHUP, on_reload);
	started_at = mainloop_now();
	ml_timer_init(&heartbeat, on_heartbeat);
	ml_timer_start(&heartbeat, HEARTBEAT_SEC, HEARTBEAT_SEC);
	ml_timer_init(&memtrim_timer, on_memtrim);
	ml_timer_start(&memtrim_timer, MEMTRIM_SEC, MEMTRIM_SEC);
	if (role_start(cfg, config_role_has_identity(cfg->role) ? &keys : NULL) < 0) {
		log_err(LD_GENERAL, "role=%s failed to start", config_role_name(cfg->role));
		goto out;
	}
	role = true;
	if (app_control_start(cfg, config_role_has_identity(cfg->role) ? &keys : NULL,
	    control_shutdown, control_reload) < 0)
		goto out;
	log_notice(LD_GENERAL, "tord %s started role=%s config=%s pid=%ld", PACKAGE_VERSION,
	    config_role_name(cfg->role), opt.conf, (long)getpid());
	notify_ready();
	mainloop_run();
	rc = 0;
out:
	app_control_stop();
	if (role)
		role_stop();
	if (loop) {
		ml_timer_stop(&heartbeat);
		ml_timer_stop(&memtrim_timer);
		mainloop_free();
	}
	keys_clear(&keys);
	if (pid_path != NULL) {
		unlink(pid_path);
		free(pid_path);
	}
	log_notice(LD_GENERAL, "exiting status=%d", rc);
	return rc;
}

int
main(int argc, char **argv)
{
	enum { OPT_FINGERPRINT = 256, OPT_DUMP_OPTIONS, OPT_RELAY_LINE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "verify-config", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'd' },
		{ "fingerprint", no_argument, NULL, OPT_FINGERPRINT },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		/* Hidden: prints the option list of tord.ini(5). */
		{ "dump-options", no_argument, NULL, OPT_DUMP_OPTIONS },
		/* Hidden: the static-relay line for a client config (test networks). */
		{ "relay-line", no_argument, NULL, OPT_RELAY_LINE },
		{ NULL, 0, NULL, 0 },
	};
	char *real = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "f:ndvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt.conf = optarg;
			break;
		case 'n':
			opt.verify = true;
			break;
		case 'd':
			opt.foreground = true;
			break;
		case OPT_FINGERPRINT:
			opt.fingerprint = true;
			break;
		case OPT_DUMP_OPTIONS:
			opt.dump_options = true;
			break;
		case OPT_RELAY_LINE:
			opt.fingerprint = opt.relay_line = true;
			break;
		case 'v':
			printf("tord %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tord: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (opt.dump_options) {
		config_dump_options_mdoc(stdout);
		return 0;
	}
	if (opt.conf == NULL) {
		fprintf(stderr, "tord: no configuration file, expected -f FILE\n");
		usage(stderr);
		return 2;
	}
	if ((cfg = load_or_report(opt.conf)) == NULL)
		return 1;
	if (opt.verify) {
		printf("%s: configuration OK\n", opt.conf);
		config_free(cfg);
		return 0;
	}
	/* Reloads must find the file after daemonise() changed directory. */
	if ((real = realpath(opt.conf, NULL)) != NULL)
		opt.conf = real;
	if (opt.fingerprint)
		rc = cmd_fingerprint();
	else
		rc = run_node();
	config_set_current(NULL);
	config_free(cfg);
	free(real);
	log_close();
	return rc;
}
