/*
 * log.c: formatting and delivery of log lines to one sink.
 *
 * One line per event.  Lines written to stderr or a file carry a
 * timestamp with milliseconds, the level and the domain; syslog gets the
 * level through its priority.  Colour codes appear only on a terminal and
 * only when NO_COLOR (https://no-color.org) is unset or empty.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

uint8_t log_domain_level_[LD_COUNT_] = {
	[0 ... LD_COUNT_ - 1] = LL_NOTICE,
};

enum log_sink { SINK_STDERR, SINK_FILE, SINK_SYSLOG };

static enum log_sink	 sink = SINK_STDERR;
static FILE		*sink_file;
static bool		 use_colour;
static bool		 colour_decided;
static bool		 safe_logging = true;

static const char *const level_names[] = {
	[LL_ERR] = "err", [LL_WARN] = "warn", [LL_NOTICE] = "notice",
	[LL_INFO] = "info", [LL_DEBUG] = "debug",
};

static const char *const domain_names[LD_COUNT_] = {
	[LD_GENERAL] = "general", [LD_CONFIG] = "config", [LD_NET] = "net",
	[LD_LINK] = "link", [LD_CIRC] = "circ", [LD_RELAY] = "relay",
	[LD_CRYPTO] = "crypto", [LD_SOCKS] = "socks", [LD_EXIT] = "exit",
	[LD_DIR] = "dir", [LD_CTL] = "control", [LD_BUG] = "bug",
};

/* ANSI colours by level: red, yellow, default, dim, dim. */
static const char *const level_colours[] = {
	[LL_ERR] = "\033[1;31m", [LL_WARN] = "\033[33m", [LL_NOTICE] = "",
	[LL_INFO] = "\033[2m", [LL_DEBUG] = "\033[2m",
};

static void
decide_colour(void)
{
	const char *nc = getenv("NO_COLOR");

	use_colour = isatty(STDERR_FILENO) && (nc == NULL || *nc == '\0');
	colour_decided = true;
}

int
log_level_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(level_names); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warning") == 0)
		return LL_WARN;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return (unsigned)level < ARRAY_LEN(level_names) ? level_names[level] : "?";
}

int
log_domain_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < LD_COUNT_; i++)
		if (strcasecmp(name, domain_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
log_domain_name(enum log_domain domain)
{
	return (unsigned)domain < LD_COUNT_ ? domain_names[domain] : "?";
}

void
log_set_level(enum log_level level)
{
	size_t i;

	for (i = 0; i < LD_COUNT_; i++)
		log_domain_level_[i] = (uint8_t)level;
	/* Internal errors are always reported. */
	if (log_domain_level_[LD_BUG] < LL_WARN)
		log_domain_level_[LD_BUG] = LL_WARN;
}

void
log_set_domain_level(enum log_domain domain, enum log_level level)
{
	if ((unsigned)domain < LD_COUNT_)
		log_domain_level_[domain] = (uint8_t)level;
}

void
log_close(void)
{
	if (sink == SINK_FILE && sink_file != NULL)
		fclose(sink_file);
	else if (sink == SINK_SYSLOG)
		closelog();
	sink_file = NULL;
	sink = SINK_STDERR;
}

void
log_to_stderr(void)
{
	log_close();
	decide_colour();
}

int
log_to_file(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	log_close();
	sink = SINK_FILE;
	sink_file = f;
	return 0;
}

void
log_to_syslog(const char *ident)
{
	log_close();
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink = SINK_SYSLOG;
}

void
log_set_safe_logging(bool on)
{
	safe_logging = on;
}

const char *
log_scrub(const char *s)
{
	return safe_logging ? "[scrubbed]" : s;
}

static void
log_emit(enum log_level level, enum log_domain domain, const char *msg)
{
	static const int prio[] = {
		[LL_ERR] = LOG_ERR, [LL_WARN] = LOG_WARNING,
		[LL_NOTICE] = LOG_NOTICE, [LL_INFO] = LOG_INFO,
		[LL_DEBUG] = LOG_DEBUG,
	};
	char stamp[32];
	struct timeval tv;
	struct tm tm;
	FILE *out;
	bool colour;

	if (sink == SINK_SYSLOG) {
		syslog(prio[level], "[%s] %s: %s", level_names[level],
		    domain_names[domain], msg);
		return;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	out = sink == SINK_FILE ? sink_file : stderr;
	if (!colour_decided)
		decide_colour();
	colour = sink == SINK_STDERR && use_colour && *level_colours[level];
	fprintf(out, "%s.%03ld %s[%s]%s %s: %s\n", stamp, (long)tv.tv_usec / 1000,
	    colour ? level_colours[level] : "", level_names[level],
	    colour ? "\033[0m" : "", domain_names[domain], msg);
}

static void log_vmsg(enum log_level level, enum log_domain domain, const char *fmt,
    va_list ap) PRINTF_LIKE(3, 0);

static void
log_vmsg(enum log_level level, enum log_domain domain, const char *fmt, va_list ap)
{
	char buf[2048];
	int saved = errno;
	char *p;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One event, one line: a peer's bytes must not forge log lines. */
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || (unsigned char)*p < 0x20)
			*p = '?';
	log_emit(level, domain, buf);
	errno = saved;
}

void
log_msg(enum log_level level, enum log_domain domain, const char *fmt, ...)
{
	va_list ap;

	if ((unsigned)level > LL_DEBUG || (unsigned)domain >= LD_COUNT_)
		return;
	va_start(ap, fmt);
	log_vmsg(level, domain, fmt, ap);
	va_end(ap);
}

void
log_rl_msg(struct log_ratelim *rl, enum log_level level, enum log_domain domain,
    const char *fmt, ...)
{
	uint64_t now = util_mono_msec();
	va_list ap;

	if (now < rl->next_ms) {
		rl->suppressed++;
		return;
	}
	rl->next_ms = now + (uint64_t)rl->interval_sec * 1000u;
	va_start(ap, fmt);
	log_vmsg(level, domain, fmt, ap);
	va_end(ap);
	if (rl->suppressed) {
		log_msg(level, domain, "(%u similar messages suppressed in the last %us)",
		    rl->suppressed, rl->interval_sec);
		rl->suppressed = 0;
	}
}
