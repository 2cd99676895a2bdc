/*
 * ctl.h: codec of the control protocol (Tor's control-spec, the subset
 * tord speaks).  Pure functions: bytes in, structs out, no I/O.
 *
 * Requests are one line, "KEYWORD args\r\n" (a bare "\n" is accepted).
 * ctl_line_parse() frames a line out of a byte stream with a hard length
 * limit; ctl_args_parse() splits the argument string into words, quoted
 * strings and KEY=VALUE pairs.  The same splitter reads the key=value
 * parts of replies on the controller side (torctl).
 *
 * Replies are "CODE SP text" (last line), "CODE-text" (mid line) or
 * "CODE+key=" followed by data lines ending in "." (data reply, with
 * dot-stuffing).  ctl_fmt_*() append them to a buffer; ctl_reply_parse()
 * reads one whole reply back.
 */
#ifndef TORD_CORE_PROTO_CTL_H
#define TORD_CORE_PROTO_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/bytes.h"
#include "lib/util.h"

/* Longest request line accepted, terminator included. */
#define CTL_LINE_MAX		4096
/* Longest keyword. */
#define CTL_KEYWORD_MAX		31
/* Most arguments in one request. */
#define CTL_ARGS_MAX		64
/* Longest whole reply ctl_reply_parse() accepts (torctl side). */
#define CTL_REPLY_MAX		(8 * 1024 * 1024)

/* One request line, framed.  args points into the caller's bytes. */
struct ctl_line {
	char		 cl_keyword[CTL_KEYWORD_MAX + 1];	/* upper-cased */
	const char	*cl_args;	/* after the first space; not NUL-terminated */
	size_t		 cl_args_len;	/* without the line terminator */
};

/*
 * Frame one line from p[0..len).  On PARSE_OK fill out and set
 * *consumed to the bytes used, terminator included.  PARSE_NEED_MORE if
 * no newline yet and fewer than CTL_LINE_MAX bytes; PARSE_ERROR if the
 * line is too long, holds a NUL or a control character other than tab,
 * or its keyword is not letters, digits and '_' (max CTL_KEYWORD_MAX).
 * An empty line gives an empty keyword.
 */
int	ctl_line_parse(const uint8_t *p, size_t len, struct ctl_line *out, size_t *consumed);

/* One argument: "word", "\"quoted\"", "KEY=word" or "KEY=\"quoted\"". */
struct ctl_arg {
	char	*ca_key;	/* NULL if no '=' */
	char	*ca_val;	/* unquoted, unescaped value (never NULL) */
	bool	 ca_quoted;	/* the value was a quoted string */
};

struct ctl_args {
	size_t		n;
	struct ctl_arg	a[CTL_ARGS_MAX];
	char		*store;		/* owns every string above */
};

/*
 * Split s[0..len) into arguments separated by spaces.  A value in double
 * quotes takes the escapes \\ \" \n \r \t and \ooo (octal, non-zero).
 * A token with '=' before any quote is KEY=VALUE (KEY non-empty).
 * Returns 0 and fills out (free with ctl_args_clear), or -1 on an
 * unterminated or bad quoted string, too many arguments or a NUL.
 */
int	ctl_args_parse(const char *s, size_t len, struct ctl_args *out);
void	ctl_args_clear(struct ctl_args *a);
/* Value of the first argument named key (case-insensitive), or NULL. */
const char	*ctl_args_get(const struct ctl_args *a, const char *key);

/* Append a reply line "CODE" sep text "\r\n"; sep is ' ' or '-'. */
void	ctl_fmt_line(struct buf *out, int code, char sep, const char *fmt, ...)
	    PRINTF_LIKE(4, 5);
void	ctl_fmt_linev(struct buf *out, int code, char sep, const char *fmt, va_list ap)
	    PRINTF_LIKE(4, 0);
/*
 * Append a data reply: "CODE+key=\r\n", each line of data (split on
 * "\n", a trailing "\r" dropped, lines starting with '.' doubled), then
 * ".\r\n".
 */
void	ctl_fmt_data(struct buf *out, int code, const char *key, const char *data, size_t len);
/*
 * Append s as a quoted string (with the escapes ctl_args_parse reads)
 * to out.  Bytes outside printable ASCII become \ooo.
 */
void	ctl_fmt_quoted(struct buf *out, const char *s);
/* True if s can be sent as one reply line value: no CR, LF or NUL. */
bool	ctl_is_single_line(const char *s, size_t len);

/* One line of a reply, as received. */
struct ctl_reply_line {
	int	 rl_code;
	char	 rl_sep;	/* ' ', '-' or '+' */
	char	*rl_text;	/* after the separator */
	char	*rl_data;	/* '+' lines: the data, lines joined by "\n"; else NULL */
	size_t	 rl_data_len;
};

struct ctl_reply {
	int			 r_code;	/* the final line's code */
	size_t			 r_n;
	struct ctl_reply_line	*r_lines;
};

/*
 * Parse one complete reply from p[0..len): zero or more '-' / '+' lines
 * and a final ' ' line.  Data blocks are dot-unstuffed.  On PARSE_OK set
 * *consumed; free out with ctl_reply_clear.  PARSE_NEED_MORE until the
 * final line has arrived (out untouched); PARSE_ERROR on a malformed line,
 * mixed codes are allowed (Tor sends "250-..." then "250 OK"), or more
 * than CTL_REPLY_MAX bytes.
 */
int	ctl_reply_parse(const uint8_t *p, size_t len, struct ctl_reply *out, size_t *consumed);
void	ctl_reply_clear(struct ctl_reply *r);

#endif
