/*
 * ctl.c: the control protocol codec (see ctl.h): request framing and
 * argument splitting for the control server, reply formatting, and reply
 * parsing for controllers (torctl, tests).
 *
 * Every input is bounded: request lines by CTL_LINE_MAX, arguments by
 * CTL_ARGS_MAX, replies by CTL_REPLY_MAX.  Lines are cut out of the input
 * with the lib/bytes.h cursor and never read past len.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/proto/ctl.h"

/* Find the next line in r; return its bytes (without terminator) or NULL. */
static const uint8_t *
ctl_next_line(struct brd *r, size_t max, size_t *linelen, bool *too_long)
{
	const uint8_t *p, *nl;
	size_t left = brd_left(r), n;

	*too_long = false;
	if (left == 0)
		return NULL;	/* r_p may be NULL: an empty buffer has no storage */
	p = r->r_p + r->r_off;
	nl = memchr(p, '\n', MIN(left, max));
	if (nl == NULL) {
		*too_long = left >= max;
		return NULL;
	}
	n = (size_t)(nl - p) + 1;
	p = brd_ptr(r, n);
	if (p == NULL)
		return NULL;
	n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*linelen = n;
	return p;
}

int
ctl_line_parse(const uint8_t *p, size_t len, struct ctl_line *out, size_t *consumed)
{
	struct brd r;
	const uint8_t *line;
	size_t n, i, k;
	bool too_long;

	brd_init(&r, p, len);
	line = ctl_next_line(&r, CTL_LINE_MAX, &n, &too_long);
	if (line == NULL)
		return too_long ? PARSE_ERROR : PARSE_NEED_MORE;
	for (i = 0; i < n; i++)
		if (line[i] == '\0' || (line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return PARSE_ERROR;
	for (k = 0; k < n && line[k] != ' '; k++) {
		if (k >= CTL_KEYWORD_MAX || !(isalnum(line[k]) || line[k] == '_'))
			return PARSE_ERROR;
		out->cl_keyword[k] = (char)toupper(line[k]);
	}
	out->cl_keyword[k] = '\0';
	if (k < n)
		k++;
	out->cl_args = (const char *)line + k;
	out->cl_args_len = n - k;
	*consumed = r.r_off;
	return PARSE_OK;
}

/* Unescape a quoted string starting after the opening quote. */
static int
ctl_unquote(const char *s, size_t len, size_t *i, char **w)
{
	char c;
	int v, d;

	while (*i < len) {
		c = s[(*i)++];
		if (c == '"')
			return 0;
		if (c != '\\') {
			*(*w)++ = c;
			continue;
		}
		if (*i >= len)
			return -1;
		c = s[(*i)++];
		switch (c) {
		case 'n': *(*w)++ = '\n'; break;
		case 'r': *(*w)++ = '\r'; break;
		case 't': *(*w)++ = '\t'; break;
		case '0': case '1': case '2': case '3':
			v = c - '0';
			for (d = 0; d < 2; d++) {
				if (*i >= len || s[*i] < '0' || s[*i] > '7')
					return -1;
				v = v * 8 + (s[(*i)++] - '0');
			}
			if (v == 0)
				return -1;
			*(*w)++ = (char)v;
			break;
		default:
			*(*w)++ = c;	/* \\ \" and any other char itself */
			break;
		}
	}
	return -1;	/* unterminated */
}

int
ctl_args_parse(const char *s, size_t len, struct ctl_args *out)
{
	size_t i = 0, start;
	char *w;
	struct ctl_arg *a;

	memset(out, 0, sizeof(*out));
	if (len > 0 && memchr(s, '\0', len) != NULL)
		return -1;
	out->store = xmalloc(len + 2 * CTL_ARGS_MAX + 1);
	w = out->store;
	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			return 0;
		if (out->n >= CTL_ARGS_MAX)
			goto err;
		a = &out->a[out->n++];
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '=' && s[i] != '"')
			i++;
		if (i < len && s[i] == '=' && i > start) {
			a->ca_key = w;
			memcpy(w, s + start, i - start);
			w += i - start;
			*w++ = '\0';
			i++;
			start = i;
		}
		a->ca_val = w;
		if (i < len && s[i] == '"' && i == start) {
			i++;
			a->ca_quoted = true;
			if (ctl_unquote(s, len, &i, &w) < 0)
				goto err;
			if (i < len && s[i] != ' ' && s[i] != '\t')
				goto err;
		} else {
			i = start;
			while (i < len && s[i] != ' ' && s[i] != '\t')
				*w++ = s[i++];
		}
		*w++ = '\0';
	}
err:
	ctl_args_clear(out);
	return -1;
}

void
ctl_args_clear(struct ctl_args *a)
{
	free(a->store);
	memset(a, 0, sizeof(*a));
}

const char *
ctl_args_get(const struct ctl_args *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->a[i].ca_key != NULL && strcasecmp(a->a[i].ca_key, key) == 0)
			return a->a[i].ca_val;
	return NULL;
}

void
ctl_fmt_linev(struct buf *out, int code, char sep, const char *fmt, va_list ap)
{
	char head[8], *text;
	int n;

	n = snprintf(head, sizeof(head), "%03d%c", code, sep);
	buf_add(out, head, (size_t)n);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	buf_add(out, text, strlen(text));
	free(text);
	buf_add(out, "\r\n", 2);
}

void
ctl_fmt_line(struct buf *out, int code, char sep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_fmt_linev(out, code, sep, fmt, ap);
	va_end(ap);
}

void
ctl_fmt_data(struct buf *out, int code, const char *key, const char *data, size_t len)
{
	size_t i = 0, j, n;

	ctl_fmt_line(out, code, '+', "%s=", key);
	while (i < len) {
		for (j = i; j < len && data[j] != '\n'; j++)
			;
		n = j - i;
		if (n > 0 && data[i + n - 1] == '\r')
			n--;
		if (n > 0 && data[i] == '.')
			buf_add(out, ".", 1);
		buf_add(out, data + i, n);
		buf_add(out, "\r\n", 2);
		i = j + 1;
	}
	buf_add(out, ".\r\n", 3);
}

void
ctl_fmt_quoted(struct buf *out, const char *s)
{
	char esc[5];
	unsigned char c;

	buf_add(out, "\"", 1);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			buf_add(out, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\%03o", c);
			buf_add(out, esc, 4);
		} else {
			buf_add(out, s, 1);
		}
	}
	buf_add(out, "\"", 1);
}

bool
ctl_is_single_line(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return false;
	return true;
}

/* Parse "DDDs" at the start of a reply line; -1 if malformed. */
static int
ctl_reply_head(const uint8_t *line, size_t n, int *code, char *sep)
{
	size_t i;

	if (n < 4)
		return -1;
	for (i = 0; i < 3; i++)
		if (line[i] < '0' || line[i] > '9')
			return -1;
	if (line[0] < '1' || line[0] > '6')
		return -1;
	if (line[3] != ' ' && line[3] != '-' && line[3] != '+')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*sep = (char)line[3];
	return 0;
}

void
ctl_reply_clear(struct ctl_reply *r)
{
	size_t i;

	for (i = 0; i < r->r_n; i++) {
		free(r->r_lines[i].rl_text);
		free(r->r_lines[i].rl_data);
	}
	free(r->r_lines);
	memset(r, 0, sizeof(*r));
}

int
ctl_reply_parse(const uint8_t *p, size_t len, struct ctl_reply *out, size_t *consumed)
{
	struct ctl_reply r = { 0, 0, NULL };
	struct ctl_reply_line *rl;
	struct buf data = BUF_INIT;
	struct brd rd;
	const uint8_t *line;
	size_t n, cap = 0;
	bool too_long;
	int code, ret = PARSE_NEED_MORE;
	char sep;

	brd_init(&rd, p, MIN(len, (size_t)CTL_REPLY_MAX));
	for (;;) {
		line = ctl_next_line(&rd, CTL_REPLY_MAX, &n, &too_long);
		if (line == NULL) {
			if (too_long || len > CTL_REPLY_MAX)
				ret = PARSE_ERROR;
			goto done;
		}
		if (ctl_reply_head(line, n, &code, &sep) < 0 ||
		    memchr(line, '\0', n) != NULL) {
			ret = PARSE_ERROR;
			goto done;
		}
		if (r.r_n == cap) {
			cap = cap ? cap * 2 : 8;
			r.r_lines = xrealloc(r.r_lines, cap * sizeof(*r.r_lines));
		}
		rl = &r.r_lines[r.r_n++];
		memset(rl, 0, sizeof(*rl));
		rl->rl_code = code;
		rl->rl_sep = sep;
		rl->rl_text = xstrndup((const char *)line + 4, n - 4);
		if (sep == '+') {
			buf_clear(&data);
			for (;;) {
				line = ctl_next_line(&rd, CTL_REPLY_MAX, &n, &too_long);
				if (line == NULL) {
					if (too_long || len > CTL_REPLY_MAX)
						ret = PARSE_ERROR;
					goto done;
				}
				if (n == 1 && line[0] == '.')
					break;
				if (n > 0 && line[0] == '.') {
					line++;
					n--;
				}
				buf_add(&data, line, n);
				buf_add(&data, "\n", 1);
			}
			n = buf_len(&data);
			rl->rl_data = xmalloc(n + 1);
			if (n > 0)
				memcpy(rl->rl_data, buf_peek(&data), n);
			rl->rl_data[n] = '\0';
			rl->rl_data_len = n;
		} else if (sep == ' ') {
			r.r_code = code;
			*consumed = rd.r_off;
			*out = r;
			buf_free_storage(&data, 0);
			return PARSE_OK;
		}
	}
done:
	buf_free_storage(&data, 0);
	ctl_reply_clear(&r);
	return ret;
}
