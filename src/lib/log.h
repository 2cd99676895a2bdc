/*
 * log.h: the one logging API.  Levels, per-subsystem domains, sinks
 * (stderr, file, syslog), a rate limiter for anything a peer can trigger,
 * and the scrubber that keeps client destinations out of logs.
 *
 * Messages are one line, key=value with object ids:
 *	log_info(LD_CIRC, "circ=%u link=%llu destroyed reason=%s", ...);
 * The level is checked before the arguments are formatted, so debug
 * logging on the data path costs one branch when it is off.
 */
#ifndef TORD_LIB_LOG_H
#define TORD_LIB_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

/* Not LOG_*: <syslog.h> owns those names. */
enum log_level {
	LL_ERR = 0,
	LL_WARN,
	LL_NOTICE,
	LL_INFO,
	LL_DEBUG,
};

enum log_domain {
	LD_GENERAL = 0,
	LD_CONFIG,
	LD_NET,
	LD_LINK,
	LD_CIRC,
	LD_RELAY,
	LD_CRYPTO,
	LD_SOCKS,
	LD_EXIT,
	LD_DIR,
	LD_CTL,
	LD_BUG,
	LD_COUNT_
};

/* Keep the old syslog-ish spelling usable inside BUG(). */
#define LOG_ERR_LEVEL LL_ERR

extern uint8_t log_domain_level_[LD_COUNT_];

static inline bool
log_enabled(enum log_level level, enum log_domain domain)
{
	return (uint8_t)level <= log_domain_level_[domain];
}

void	log_msg(enum log_level level, enum log_domain domain, const char *fmt, ...)
	    PRINTF_LIKE(3, 4);

#define log_at_(lvl, dom, ...) do {					\
		if (log_enabled((lvl), (dom)))				\
			log_msg((lvl), (dom), __VA_ARGS__);		\
	} while (0)
#define log_err(dom, ...)	log_at_(LL_ERR, dom, __VA_ARGS__)
#define log_warn(dom, ...)	log_at_(LL_WARN, dom, __VA_ARGS__)
#define log_notice(dom, ...)	log_at_(LL_NOTICE, dom, __VA_ARGS__)
#define log_info(dom, ...)	log_at_(LL_INFO, dom, __VA_ARGS__)
#define log_debug(dom, ...)	log_at_(LL_DEBUG, dom, __VA_ARGS__)

/*
 * Rate limiter: at most one message per interval; the next message that
 * passes reports how many were suppressed.  Embed one per call site (or
 * per object) as a static:
 *	static struct log_ratelim rl = LOG_RATELIM_INIT(10);
 *	log_rl(&rl, LL_INFO, LD_SOCKS, "bad greeting from peer");
 */
struct log_ratelim {
	uint32_t	interval_sec;
	uint32_t	suppressed;
	uint64_t	next_ms;
};
#define LOG_RATELIM_INIT(sec)	{ (sec), 0, 0 }
void	log_rl_msg(struct log_ratelim *rl, enum log_level level, enum log_domain domain,
	    const char *fmt, ...) PRINTF_LIKE(4, 5);
#define log_rl(rl, lvl, dom, ...) do {					\
		if (log_enabled((lvl), (dom)))				\
			log_rl_msg((rl), (lvl), (dom), __VA_ARGS__);	\
	} while (0)

/* Parse "err", "warn", "notice", "info", "debug"; -1 if unknown. */
int		 log_level_from_name(const char *name);
const char	*log_level_name(enum log_level level);
/* Parse a domain name ("circ", "socks" ...); -1 if unknown. */
int		 log_domain_from_name(const char *name);
const char	*log_domain_name(enum log_domain domain);

/* Set the level of every domain, then of one domain. */
void	log_set_level(enum log_level level);
void	log_set_domain_level(enum log_domain domain, enum log_level level);

/*
 * Sinks.  Exactly one is active; the default is stderr.  Colour is used
 * only when stderr is a terminal and NO_COLOR is unset or empty.
 * log_open_file returns -1 (errno set) if the file cannot be opened, and
 * keeps the previous sink.
 */
void	log_to_stderr(void);
int	log_to_file(const char *path);
void	log_to_syslog(const char *ident);
void	log_close(void);

/*
 * Privacy.  With safe logging on (the default), log_scrub() returns
 * "[scrubbed]" instead of s; use it for every client destination, stream
 * target or anything that links a circuit to a user.
 */
void		 log_set_safe_logging(bool on);
const char	*log_scrub(const char *s);

#endif
