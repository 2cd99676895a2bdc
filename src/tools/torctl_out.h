/*
 * torctl_out.h: torctl's output: a tiny streaming JSON writer with
 * correct string escaping, aligned key/value and table printing, and
 * the renderers of circuit-status, stream-status and ns/all.
 */
#ifndef TORD_TOOLS_TORCTL_OUT_H
#define TORD_TOOLS_TORCTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lib/util.h"

#define JW_DEPTH_MAX	16

struct jw {
	FILE	*j_f;
	int	 j_depth;
	bool	 j_comma[JW_DEPTH_MAX];
	bool	 j_after_key;
};

void	jw_init(struct jw *j, FILE *f);
void	jw_open(struct jw *j, char c);		/* '{' or '[' */
void	jw_close(struct jw *j, char c);		/* '}' or ']' */
void	jw_key(struct jw *j, const char *k);
/* A string value; NULL writes null. */
void	jw_str(struct jw *j, const char *s);
/* A number given as decimal text; NULL or not a number writes null. */
void	jw_num_str(struct jw *j, const char *s);
void	jw_kstr(struct jw *j, const char *k, const char *s);
void	jw_knum_str(struct jw *j, const char *k, const char *s);
/* Write s as a JSON string literal (quotes included) to f. */
void	jw_escape(FILE *f, const char *s);

/* Where the out_* functions print (NULL: stdout again); torctl top
 * renders a frame into memory this way. */
void	out_set_file(FILE *f);
FILE	*out_file(void);

/* "key         value" with the key padded to 12 columns. */
void	out_kv(const char *key, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* "1d 02:03:04" from decimal seconds; "-" if s is NULL. */
const char	*out_duration(const char *s, char *buf, size_t len);
/* "12.3 KiB" from decimal bytes; "-" if s is NULL. */
const char	*out_bytes(const char *s, char *buf, size_t len);

/* "42s", "3m05s", "2h07m", "4d03h" from seconds; "-" if negative. */
const char	*out_age(long long secs, char *buf, size_t len);
/* Seconds from an ISO 8601 UTC time (Tor's TIME_CREATED) to now; -1 if bad. */
long long	out_age_of_iso(const char *iso, time_t now);

/* torctl relays filters; every one given must match. */
struct out_relay_filter {
	const char	**rf_flags;	/* each flag must be present */
	size_t		 rf_nflags;
	uint16_t	 rf_exit_port;	/* 0: any; else the policy summary accepts it */
	const char	*rf_nickname;	/* NULL: any */
};

/* Render GETINFO circuit-status / stream-status / ns/all; exit status. */
int	out_circuits(const char *v, bool json);
int	out_streams(const char *v, bool json);
int	out_relays(const char *v, const struct out_relay_filter *filter, bool json);

#endif
