/*
 * docfmt.h: the pure, bounded tokenizer for the directory's keyword-line
 * text documents, and the small codecs those documents share (base64,
 * upper-case hex fingerprints, ISO times, exit-policy summaries, a text
 * builder).  Used by feature/dir (descriptors, votes, consensus) and by
 * feature/client (guard state file).  No I/O, no globals.
 *
 * Document grammar (deliberately stricter than Tor's, so that every
 * document has exactly one spelling and signed bytes are canonical):
 *
 *	document = 1*line
 *	line     = keyword *(SP arg) LF
 *	keyword  = 1*(ALPHA / DIGIT / "-")
 *	arg      = 1*(%x21-7E)
 *
 * Only printable ASCII, single spaces between tokens, no leading or
 * trailing space, no empty line, no CR, and the last line ends in LF.
 * There are no PEM-style objects: keys and signatures are base64
 * arguments.  Limits on document size, line length, item count and
 * arguments per item are enforced before anything is read further.
 */
#ifndef TORD_CORE_PROTO_DOCFMT_H
#define TORD_CORE_PROTO_DOCFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define DOCFMT_MAX_ARGS		32	/* per item; more is an error */
#define DOCFMT_TIME_LEN		19	/* "YYYY-MM-DD HH:MM:SS" */
#define DOCFMT_FP_HEXLEN	64	/* fingerprint of a 32-byte identity */

/* Why a document was refused, for logs and tests (NULL-safe to pass). */
struct docfmt_reason {
	char	msg[160];
};
/* Set r->msg (does nothing if r is NULL). */
void	docfmt_reason_set(struct docfmt_reason *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

struct docfmt_limits {
	size_t	dl_max_doc;	/* bytes in the whole document */
	size_t	dl_max_line;	/* bytes in one line, LF included */
	size_t	dl_max_items;	/* lines */
};

struct docfmt_arg {
	const char	*a_p;
	size_t		 a_len;
};

/* One line.  Pointers borrow the document; nothing is NUL-terminated. */
struct docfmt_item {
	const char		*it_kw;
	size_t			 it_kw_len;
	struct docfmt_arg	 it_args[DOCFMT_MAX_ARGS];
	size_t			 it_nargs;
	const char		*it_rest;	/* text after "keyword ", or "" */
	size_t			 it_rest_len;
	size_t			 it_off;	/* offset of the line in the doc */
	size_t			 it_lineno;	/* 1-based */
};

struct docfmt_reader {
	const char		*dr_p;
	size_t			 dr_len;
	size_t			 dr_off;
	size_t			 dr_items;
	struct docfmt_limits	 dr_lim;
	char			 dr_err[96];
};

/*
 * Start reading p[0..len).  Fails (-1, reason in r->dr_err) at once if
 * the document is larger than the limit or empty.
 */
int	docfmt_reader_init(struct docfmt_reader *r, const char *p, size_t len,
	    const struct docfmt_limits *lim);
/*
 * Tokenize the next line into it.  Returns PARSE_OK with an item,
 * PARSE_NEED_MORE (0) at the end of the document, or PARSE_ERROR with a
 * reason in r->dr_err ("line 7: too long").
 */
int	docfmt_next(struct docfmt_reader *r, struct docfmt_item *it);
/* Look at the next line without consuming it; same results. */
int	docfmt_peek(struct docfmt_reader *r, struct docfmt_item *it);

/* Whether the item's keyword is kw. */
bool	docfmt_is(const struct docfmt_item *it, const char *kw);
/* Whether argument i exists and equals s. */
bool	docfmt_arg_is(const struct docfmt_item *it, size_t i, const char *s);
/*
 * Argument accessors: 0 on success, -1 if argument i is missing or bad.
 * Integers are plain decimal without sign or leading zeros (except "0").
 */
int	docfmt_arg_u64(const struct docfmt_item *it, size_t i, uint64_t max, uint64_t *out);
/* Copy into out (NUL-terminated); -1 if longer than outsz - 1. */
int	docfmt_arg_str(const struct docfmt_item *it, size_t i, char *out, size_t outsz);
/* Exactly 64 upper-case hex digits into a 32-byte identity. */
int	docfmt_arg_fp(const struct docfmt_item *it, size_t i, uint8_t id[32]);
/* Lower- or upper-case hex decoding to exactly outlen bytes. */
int	docfmt_arg_hex(const struct docfmt_item *it, size_t i, uint8_t *out, size_t outlen);
/* Canonical padded base64 decoding to exactly outlen bytes. */
int	docfmt_arg_b64(const struct docfmt_item *it, size_t i, uint8_t *out, size_t outlen);
/* Arguments i and i+1 as "YYYY-MM-DD" "HH:MM:SS" UTC. */
int	docfmt_arg_time(const struct docfmt_item *it, size_t i, int64_t *out);
/* Canonical dotted-quad IPv4 into host order. */
int	docfmt_arg_ipv4(const struct docfmt_item *it, size_t i, uint32_t *out);
/* Canonical "[v6]:port" (inet_ntop spelling, port 1..65535). */
int	docfmt_arg_ipv6_port(const struct docfmt_item *it, size_t i, uint8_t ip6[16],
	    uint16_t *port);
/* Append "a.b.c.d" / "[v6]:port" (no newline). */
void	docfmt_put_ipv4(struct buf *b, uint32_t ip);
void	docfmt_put_ipv6_port(struct buf *b, const uint8_t ip6[16], uint16_t port);

/*
 * Base64 (RFC 4648, padded).  docfmt_b64_encode writes 4*ceil(n/3) chars
 * plus a NUL into out (size it with DOCFMT_B64_LEN).  docfmt_b64_decode
 * decodes exactly outlen bytes from a canonical encoding (padding
 * present, unused bits zero); -1 otherwise.
 */
#define DOCFMT_B64_LEN(n)	(4 * (((n) + 2) / 3) + 1)
void	docfmt_b64_encode(const uint8_t *in, size_t n, char *out);
int	docfmt_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen);

/* 64 upper-case hex digits and a NUL. */
void	docfmt_fp_encode(const uint8_t id[32], char out[DOCFMT_FP_HEXLEN + 1]);

/*
 * ISO time "YYYY-MM-DD HH:MM:SS" in UTC.  Parse is strict (fixed width,
 * real calendar dates, years 1970-9999, no leap seconds); -1 if bad.
 * Format writes 19 chars and a NUL; times outside 1970..9999 are clamped.
 */
int	docfmt_time_parse(const char *s, size_t len, int64_t *out);
void	docfmt_time_format(int64_t t, char out[DOCFMT_TIME_LEN + 1]);

/* Text builder over lib/buf: append formatted text, append a string. */
void	docfmt_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	docfmt_puts(struct buf *b, const char *s);
/* Take the contents as a NUL-terminated malloc'd string; empties b. */
char	*docfmt_take(struct buf *b, size_t *len_out);

/*
 * Exit-policy summary, Tor's "p" line: "accept|reject portlist" where
 * portlist is ascending, non-overlapping, non-adjacent ranges "80",
 * "1000-2000", separated by commas.  "reject 1-65535" means no exit.
 */
#define POLICY_SUMMARY_MAX_RANGES	32
struct policy_summary {
	bool		ps_accept;	/* listed ports are accepted (else rejected) */
	uint16_t	ps_n;
	struct {
		uint16_t lo, hi;
	}		ps_r[POLICY_SUMMARY_MAX_RANGES];
};

/* Parse from "accept" and a portlist arg (it args i, i+1); -1 if bad. */
int	policy_summary_parse_item(const struct docfmt_item *it, size_t i,
	    struct policy_summary *out);
/* Parse "accept 80,443" from a string; -1 if bad. */
int	policy_summary_parse(const char *s, struct policy_summary *out);
/* Append "accept 80,443" (no newline). */
void	policy_summary_format(const struct policy_summary *ps, struct buf *b);
/* Whether the summary accepts port (1..65535). */
bool	policy_summary_allows(const struct policy_summary *ps, uint16_t port);
/* Whether it accepts at least one port. */
bool	policy_summary_allows_any(const struct policy_summary *ps);
/* Set to "reject 1-65535". */
void	policy_summary_reject_all(struct policy_summary *ps);

#endif
