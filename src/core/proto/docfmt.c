/*
 * docfmt.c: tokenizer and shared codecs for the directory's text
 * documents (see docfmt.h for the grammar).  Owns line splitting and its
 * limits, argument decoding (integers, hex, base64, fingerprints, ISO
 * times), exit-policy summaries and a printf-style text builder.
 * Called by feature/dir (descriptor, netstatus) and feature/client
 * (path guard state).  Pure: no I/O, no globals, no allocation except in
 * the text builder.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/proto/docfmt.h"
#include "lib/bytes.h"
#include "lib/util.h"

void
docfmt_reason_set(struct docfmt_reason *r, const char *fmt, ...)
{
	va_list ap;

	if (r == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

int
docfmt_reader_init(struct docfmt_reader *r, const char *p, size_t len,
    const struct docfmt_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->dr_p = p;
	r->dr_len = len;
	r->dr_lim = *lim;
	if (len == 0) {
		snprintf(r->dr_err, sizeof(r->dr_err), "empty document");
		return -1;
	}
	if (len > lim->dl_max_doc) {
		snprintf(r->dr_err, sizeof(r->dr_err),
		    "document too large (%zu bytes, limit %zu)", len, lim->dl_max_doc);
		return -1;
	}
	return 0;
}

static bool
is_kw_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* Tokenize the line at r->dr_off without moving; returns its length. */
static int
docfmt_scan(struct docfmt_reader *r, struct docfmt_item *it, size_t *linelen)
{
	const char *p = r->dr_p + r->dr_off;
	size_t left = r->dr_len - r->dr_off, max, i, n, start;
	size_t lineno = r->dr_items + 1;

	if (left == 0)
		return PARSE_NEED_MORE;
	if (r->dr_items >= r->dr_lim.dl_max_items) {
		snprintf(r->dr_err, sizeof(r->dr_err),
		    "too many lines (limit %zu)", r->dr_lim.dl_max_items);
		return PARSE_ERROR;
	}
	max = MIN(left, r->dr_lim.dl_max_line);
	for (n = 0; n < max && p[n] != '\n'; n++) {
		if ((unsigned char)p[n] < 0x20 || (unsigned char)p[n] > 0x7e) {
			snprintf(r->dr_err, sizeof(r->dr_err),
			    "line %zu: non-printable character", lineno);
			return PARSE_ERROR;
		}
	}
	if (n == max) {
		snprintf(r->dr_err, sizeof(r->dr_err), n == left ?
		    "line %zu: missing final newline" : "line %zu: too long", lineno);
		return PARSE_ERROR;
	}
	/* p[n] == '\n'; the line is p[0..n). */
	memset(it, 0, sizeof(*it));
	it->it_off = r->dr_off;
	it->it_lineno = lineno;
	it->it_rest = "";
	for (i = 0; i < n && p[i] != ' '; i++) {
		if (!is_kw_char(p[i])) {
			snprintf(r->dr_err, sizeof(r->dr_err),
			    "line %zu: bad keyword", lineno);
			return PARSE_ERROR;
		}
	}
	if (i == 0) {
		snprintf(r->dr_err, sizeof(r->dr_err), "line %zu: %s", lineno,
		    n == 0 ? "empty line" : "leading space");
		return PARSE_ERROR;
	}
	it->it_kw = p;
	it->it_kw_len = i;
	if (i < n) {
		it->it_rest = p + i + 1;
		it->it_rest_len = n - i - 1;
	}
	while (i < n) {
		/* p[i] == ' ': exactly one space, then a non-empty token. */
		i++;
		start = i;
		while (i < n && p[i] != ' ')
			i++;
		if (i == start) {
			snprintf(r->dr_err, sizeof(r->dr_err),
			    "line %zu: extra space", lineno);
			return PARSE_ERROR;
		}
		if (it->it_nargs == DOCFMT_MAX_ARGS) {
			snprintf(r->dr_err, sizeof(r->dr_err),
			    "line %zu: too many arguments", lineno);
			return PARSE_ERROR;
		}
		it->it_args[it->it_nargs].a_p = p + start;
		it->it_args[it->it_nargs].a_len = i - start;
		it->it_nargs++;
	}
	*linelen = n + 1;
	return PARSE_OK;
}

int
docfmt_peek(struct docfmt_reader *r, struct docfmt_item *it)
{
	size_t len;

	return docfmt_scan(r, it, &len);
}

int
docfmt_next(struct docfmt_reader *r, struct docfmt_item *it)
{
	size_t len = 0;
	int rv = docfmt_scan(r, it, &len);

	if (rv == PARSE_OK) {
		r->dr_off += len;
		r->dr_items++;
	}
	return rv;
}

bool
docfmt_is(const struct docfmt_item *it, const char *kw)
{
	size_t n = strlen(kw);

	return it->it_kw_len == n && memcmp(it->it_kw, kw, n) == 0;
}

bool
docfmt_arg_is(const struct docfmt_item *it, size_t i, const char *s)
{
	size_t n = strlen(s);

	return i < it->it_nargs && it->it_args[i].a_len == n &&
	    memcmp(it->it_args[i].a_p, s, n) == 0;
}

int
docfmt_arg_u64(const struct docfmt_item *it, size_t i, uint64_t max, uint64_t *out)
{
	const struct docfmt_arg *a;
	uint64_t v = 0;
	size_t k;

	if (i >= it->it_nargs)
		return -1;
	a = &it->it_args[i];
	if (a->a_len > 20 || (a->a_len > 1 && a->a_p[0] == '0'))
		return -1;
	for (k = 0; k < a->a_len; k++) {
		unsigned d = (unsigned)(a->a_p[k] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
docfmt_arg_str(const struct docfmt_item *it, size_t i, char *out, size_t outsz)
{
	if (i >= it->it_nargs || it->it_args[i].a_len >= outsz)
		return -1;
	memcpy(out, it->it_args[i].a_p, it->it_args[i].a_len);
	out[it->it_args[i].a_len] = '\0';
	return 0;
}

int
docfmt_arg_hex(const struct docfmt_item *it, size_t i, uint8_t *out, size_t outlen)
{
	if (i >= it->it_nargs)
		return -1;
	return util_hex_decode(it->it_args[i].a_p, it->it_args[i].a_len, out, outlen);
}

int
docfmt_arg_fp(const struct docfmt_item *it, size_t i, uint8_t id[32])
{
	size_t k;

	if (i >= it->it_nargs || it->it_args[i].a_len != DOCFMT_FP_HEXLEN)
		return -1;
	for (k = 0; k < DOCFMT_FP_HEXLEN; k++) {
		char c = it->it_args[i].a_p[k];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
			return -1;
	}
	return util_hex_decode(it->it_args[i].a_p, DOCFMT_FP_HEXLEN, id, 32);
}

int
docfmt_arg_b64(const struct docfmt_item *it, size_t i, uint8_t *out, size_t outlen)
{
	if (i >= it->it_nargs)
		return -1;
	return docfmt_b64_decode(it->it_args[i].a_p, it->it_args[i].a_len, out, outlen);
}

int
docfmt_arg_time(const struct docfmt_item *it, size_t i, int64_t *out)
{
	char s[DOCFMT_TIME_LEN];

	if (i + 1 >= it->it_nargs || it->it_args[i].a_len != 10 ||
	    it->it_args[i + 1].a_len != 8)
		return -1;
	memcpy(s, it->it_args[i].a_p, 10);
	s[10] = ' ';
	memcpy(s + 11, it->it_args[i + 1].a_p, 8);
	return docfmt_time_parse(s, sizeof(s), out);
}

int
docfmt_arg_ipv4(const struct docfmt_item *it, size_t i, uint32_t *out)
{
	char s[INET_ADDRSTRLEN], back[INET_ADDRSTRLEN];
	struct in_addr a;

	if (docfmt_arg_str(it, i, s, sizeof(s)) < 0 || inet_pton(AF_INET, s, &a) != 1 ||
	    inet_ntop(AF_INET, &a, back, sizeof(back)) == NULL || strcmp(s, back) != 0)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

int
docfmt_arg_ipv6_port(const struct docfmt_item *it, size_t i, uint8_t ip6[16],
    uint16_t *port)
{
	char s[INET6_ADDRSTRLEN + 8], back[INET6_ADDRSTRLEN];
	const char *rb;
	struct docfmt_item tmp;
	uint64_t v;

	if (docfmt_arg_str(it, i, s, sizeof(s)) < 0 || s[0] != '[' ||
	    (rb = strchr(s, ']')) == NULL || rb[1] != ':')
		return -1;
	s[rb - s] = '\0';
	if (inet_pton(AF_INET6, s + 1, ip6) != 1 ||
	    inet_ntop(AF_INET6, ip6, back, sizeof(back)) == NULL || strcmp(s + 1, back) != 0)
		return -1;
	/* Reuse the strict integer rule for the port. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.it_nargs = 1;
	tmp.it_args[0].a_p = rb + 2;
	tmp.it_args[0].a_len = strlen(rb + 2);
	if (docfmt_arg_u64(&tmp, 0, 65535, &v) < 0 || v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

void
docfmt_put_ipv4(struct buf *b, uint32_t ip)
{
	docfmt_printf(b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	    ip & 255);
}

void
docfmt_put_ipv6_port(struct buf *b, const uint8_t ip6[16], uint16_t port)
{
	char s[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, ip6, s, sizeof(s)) == NULL)
		s[0] = '\0';
	docfmt_printf(b, "[%s]:%u", s, port);
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
docfmt_b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = b64chars[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

int
docfmt_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
	size_t i, o = 0, pad = outlen % 3 == 0 ? 0 : 3 - outlen % 3;

	if (outlen == 0 || inlen != DOCFMT_B64_LEN(outlen) - 1)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		uint32_t v = 0;
		int k, nd = 4;

		if (i + 4 == inlen)
			nd = 4 - (int)pad;
		for (k = 0; k < 4; k++) {
			int d = k < nd ? util_b64_value((unsigned char)in[i + k]) : (in[i + k] == '=' ? 0 : -1);

			if (d < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		/* Canonical: the bits under the padding must be zero. */
		if ((pad == 1 && nd == 3 && (v & 0xff) != 0) ||
		    (pad == 2 && nd == 2 && (v & 0xffff) != 0))
			return -1;
		out[o++] = (uint8_t)(v >> 16);
		if (o < outlen)
			out[o++] = (uint8_t)(v >> 8);
		if (o < outlen)
			out[o++] = (uint8_t)v;
	}
	return o == outlen ? 0 : -1;
}

void
docfmt_fp_encode(const uint8_t id[32], char out[DOCFMT_FP_HEXLEN + 1])
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[DOCFMT_FP_HEXLEN] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits_at(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
docfmt_time_parse(const char *s, size_t len, int64_t *out)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se;
	bool leap;

	if (len != DOCFMT_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits_at(s, 4, &y) < 0 || digits_at(s + 5, 2, &mo) < 0 ||
	    digits_at(s + 8, 2, &d) < 0 || digits_at(s + 11, 2, &h) < 0 ||
	    digits_at(s + 14, 2, &mi) < 0 || digits_at(s + 17, 2, &se) < 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

void
docfmt_time_format(int64_t t, char out[DOCFMT_TIME_LEN + 1])
{
	/* 9999-12-31 23:59:59 */
	const int64_t tmax = 253402300799LL;
	struct tm tm;
	time_t tt;

	if (t < 0)
		t = 0;
	if (t > tmax)
		t = tmax;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	snprintf(out, DOCFMT_TIME_LEN + 1, "%04u-%02u-%02u %02u:%02u:%02u",
	    (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
	    (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
	    (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

void
docfmt_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (BUG(n < 0))
		return;
	p = (char *)buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_commit(b, (size_t)n);
}

void
docfmt_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

char *
docfmt_take(struct buf *b, size_t *len_out)
{
	size_t n = buf_len(b);
	char *s = xmalloc(n + 1);

	if (n)
		memcpy(s, buf_peek(b), n);
	s[n] = '\0';
	if (len_out)
		*len_out = n;
	buf_free_storage(b, 0);
	return s;
}

static int
port_at(const char **pp, const char *end, uint16_t *out)
{
	const char *p = *pp;
	unsigned v = 0;

	if (p == end || *p < '1' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > 65535)
			return -1;
		p++;
	}
	*pp = p;
	*out = (uint16_t)v;
	return 0;
}

static int
portlist_parse(const char *p, size_t len, struct policy_summary *ps)
{
	const char *end = p + len;
	uint32_t prev_hi = 0;

	ps->ps_n = 0;
	while (p < end) {
		uint16_t lo, hi;

		if (port_at(&p, end, &lo) < 0)
			return -1;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			if (port_at(&p, end, &hi) < 0 || hi <= lo)
				return -1;
		}
		/* Ascending, and not touching the previous range (canonical). */
		if (ps->ps_n > 0 && (uint32_t)lo <= prev_hi + 1)
			return -1;
		if (ps->ps_n == POLICY_SUMMARY_MAX_RANGES)
			return -1;
		ps->ps_r[ps->ps_n].lo = lo;
		ps->ps_r[ps->ps_n].hi = hi;
		ps->ps_n++;
		prev_hi = hi;
		if (p < end) {
			if (*p != ',' || p + 1 == end)
				return -1;
			p++;
		}
	}
	return ps->ps_n > 0 ? 0 : -1;
}

int
policy_summary_parse_item(const struct docfmt_item *it, size_t i,
    struct policy_summary *out)
{
	if (i + 1 >= it->it_nargs)
		return -1;
	if (docfmt_arg_is(it, i, "accept"))
		out->ps_accept = true;
	else if (docfmt_arg_is(it, i, "reject"))
		out->ps_accept = false;
	else
		return -1;
	return portlist_parse(it->it_args[i + 1].a_p, it->it_args[i + 1].a_len, out);
}

int
policy_summary_parse(const char *s, struct policy_summary *out)
{
	size_t n = strlen(s);

	if (n > 7 && memcmp(s, "accept ", 7) == 0)
		out->ps_accept = true;
	else if (n > 7 && memcmp(s, "reject ", 7) == 0)
		out->ps_accept = false;
	else
		return -1;
	return portlist_parse(s + 7, n - 7, out);
}

void
policy_summary_format(const struct policy_summary *ps, struct buf *b)
{
	uint16_t i;

	docfmt_puts(b, ps->ps_accept ? "accept " : "reject ");
	for (i = 0; i < ps->ps_n; i++) {
		if (ps->ps_r[i].lo == ps->ps_r[i].hi)
			docfmt_printf(b, "%s%u", i ? "," : "", ps->ps_r[i].lo);
		else
			docfmt_printf(b, "%s%u-%u", i ? "," : "",
			    ps->ps_r[i].lo, ps->ps_r[i].hi);
	}
}

bool
policy_summary_allows(const struct policy_summary *ps, uint16_t port)
{
	uint16_t i;
	bool listed = false;

	if (port == 0)
		return false;
	for (i = 0; i < ps->ps_n && !listed; i++)
		listed = port >= ps->ps_r[i].lo && port <= ps->ps_r[i].hi;
	return listed == ps->ps_accept;
}

bool
policy_summary_allows_any(const struct policy_summary *ps)
{
	if (ps->ps_accept)
		return ps->ps_n > 0;
	return !(ps->ps_n == 1 && ps->ps_r[0].lo == 1 && ps->ps_r[0].hi == 65535);
}

void
policy_summary_reject_all(struct policy_summary *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->ps_accept = false;
	ps->ps_n = 1;
	ps->ps_r[0].lo = 1;
	ps->ps_r[0].hi = 65535;
}
