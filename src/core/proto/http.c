/*
 * http.c: bounded HTTP/1.x head parser and encoders (see http.h).
 *
 * The head is located first ("\r\n\r\n" within HTTP_MAX_HEAD), copied
 * into the caller's struct, and split in place: every line must end in
 * CRLF, no bare CR or LF, no obsolete line folding, header names are
 * tokens.  Callers: the directory server and client (feature/dir) and
 * the client's HTTP CONNECT listener.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/proto/http.h"
#include "core/proto/relay_msg.h"
#include "lib/util.h"

static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Locate the end of the head.  Returns its length (through CRLFCRLF), 0
 * if more is needed, -1 if a bound is already exceeded.
 */
static ssize_t
head_find(const uint8_t *p, size_t len)
{
	size_t i, line_start = 0, lim = MIN(len, (size_t)HTTP_MAX_HEAD);

	for (i = 0; i < lim; i++) {
		if (p[i] != '\n')
			continue;
		if (i - line_start + 1 > HTTP_MAX_LINE)
			return -1;
		if (i >= 3 && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
			return (ssize_t)(i + 1);
		line_start = i + 1;
	}
	if (len >= HTTP_MAX_HEAD || lim - line_start > HTTP_MAX_LINE)
		return -1;
	return 0;
}

/* Next CRLF-terminated line of s (NUL-terminated in place); NULL at end. */
static char *
next_line(char **cursor)
{
	char *s = *cursor, *e;

	if ((e = strstr(s, "\r\n")) == NULL)
		return NULL;
	*e = '\0';
	*cursor = e + 2;
	return s;
}

static bool
line_clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 ? *s != '\t' : *s == 0x7f)
			return false;
	return true;
}

static int
parse_version(const char *s, int *minor)
{
	if (strcmp(s, "HTTP/1.0") == 0)
		*minor = 0;
	else if (strcmp(s, "HTTP/1.1") == 0)
		*minor = 1;
	else
		return -1;
	return 0;
}

static int
parse_headers(struct http_head *h, char *cursor)
{
	char *line, *colon, *v, *e;

	while ((line = next_line(&cursor)) != NULL && *line != '\0') {
		if (!line_clean(line) || line[0] == ' ' || line[0] == '\t')
			return -1;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			return -1;
		*colon = '\0';
		for (e = line; *e != '\0'; e++)
			if (!is_tchar(*e))
				return -1;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (h->hh_n_headers == HTTP_MAX_HEADERS)
			return -1;
		h->hh_headers[h->hh_n_headers].h_name = line;
		h->hh_headers[h->hh_n_headers].h_value = v;
		h->hh_n_headers++;
	}
	return 0;
}

/* Common part: find, copy, split the first line off. */
static enum parse_result
head_start(const uint8_t *p, size_t len, struct http_head *out,
    size_t *consumed, char **first, char **cursor)
{
	ssize_t n = head_find(p, len);

	if (n == 0)
		return PARSE_NEED_MORE;
	if (n < 0 || memchr(p, '\0', (size_t)n) != NULL)
		return PARSE_ERROR;
	memset(out, 0, offsetof(struct http_head, hh_buf));
	memcpy(out->hh_buf, p, (size_t)n);
	out->hh_buf[n - 2] = '\0';	/* keep the last header's CRLF */
	*cursor = out->hh_buf;
	if ((*first = next_line(cursor)) == NULL || !line_clean(*first))
		return PARSE_ERROR;
	*consumed = (size_t)n;
	return PARSE_OK;
}

/*
 * Could p[0..len) still begin a request?  A method token, then a space;
 * no NUL.  Garbage is refused at once instead of after a whole head's
 * worth of bytes or the handshake timeout.
 */
static bool
request_prefix_plausible(const uint8_t *p, size_t len)
{
	size_t i;

	if (memchr(p, '\0', len) != NULL)
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] == ' ')
			return i > 0;
		if (!is_tchar((char)p[i]))
			return false;
	}
	return true;
}

enum parse_result
http_parse_request(const uint8_t *p, size_t len, struct http_head *out,
    size_t *consumed)
{
	char *first, *cursor, *sp1, *sp2, *s;
	enum parse_result rc;
	size_t n;

	*consumed = 0;
	if ((rc = head_start(p, len, out, &n, &first, &cursor)) != PARSE_OK) {
		if (rc == PARSE_NEED_MORE && !request_prefix_plausible(p, len))
			return PARSE_ERROR;
		return rc;
	}
	if ((sp1 = strchr(first, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || sp1 == first ||
	    sp2 == sp1 + 1)
		return PARSE_ERROR;
	*sp1 = *sp2 = '\0';
	for (s = first; *s != '\0'; s++)
		if (!is_tchar(*s))
			return PARSE_ERROR;
	for (s = sp1 + 1; *s != '\0'; s++)
		if (*s == '\t')
			return PARSE_ERROR;
	if (parse_version(sp2 + 1, &out->hh_minor) < 0 ||
	    parse_headers(out, cursor) < 0)
		return PARSE_ERROR;
	out->hh_method = first;
	out->hh_target = sp1 + 1;
	*consumed = n;
	return PARSE_OK;
}

enum parse_result
http_parse_response(const uint8_t *p, size_t len, struct http_head *out,
    size_t *consumed)
{
	char *first, *cursor, *sp;
	enum parse_result rc;
	size_t n;

	*consumed = 0;
	if ((rc = head_start(p, len, out, &n, &first, &cursor)) != PARSE_OK)
		return rc;
	if ((sp = strchr(first, ' ')) == NULL)
		return PARSE_ERROR;
	*sp = '\0';
	if (parse_version(first, &out->hh_minor) < 0)
		return PARSE_ERROR;
	if (sp[1] < '1' || sp[1] > '5' || sp[2] < '0' || sp[2] > '9' ||
	    sp[3] < '0' || sp[3] > '9' || (sp[4] != ' ' && sp[4] != '\0'))
		return PARSE_ERROR;
	out->hh_status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	out->hh_reason = sp[4] == ' ' ? sp + 5 : sp + 4;
	if (parse_headers(out, cursor) < 0)
		return PARSE_ERROR;
	out->hh_is_response = true;
	*consumed = n;
	return PARSE_OK;
}

const char *
http_header_get(const struct http_head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->hh_n_headers; i++)
		if (strcasecmp(h->hh_headers[i].h_name, name) == 0)
			return h->hh_headers[i].h_value;
	return NULL;
}

static int
parse_u64_strict(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
http_content_length(const struct http_head *h, uint64_t *out)
{
	uint64_t v, first = 0;
	bool seen = false;
	size_t i;

	for (i = 0; i < h->hh_n_headers; i++) {
		if (strcasecmp(h->hh_headers[i].h_name, "Content-Length") != 0)
			continue;
		if (parse_u64_strict(h->hh_headers[i].h_value, &v) < 0)
			return -1;
		if (seen && v != first)
			return -1;
		first = v;
		seen = true;
	}
	if (!seen)
		return 0;
	*out = first;
	return 1;
}

int
http_parse_authority(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strrchr(s, ':'), *h = s, *p;
	struct cell_addr a;
	size_t n;
	uint32_t v = 0;
	uint8_t type;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - s);
	if (relay_host_check(s, n, &type, &a) < 0)
		return -1;
	if (type == RELAY_HOST_IPV6) {
		h++;
		n -= 2;
	}
	if (n + 1 > hostlen)
		return -1;
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (uint32_t)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)v;
	return 0;
}

int
http_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	size_t i, o = 0, pad = 0;
	int v[4], k;

	if (inlen % 4 != 0)
		return -1;
	if (inlen > 0 && in[inlen - 1] == '=')
		pad = inlen > 1 && in[inlen - 2] == '=' ? 2 : 1;
	if ((inlen / 4) * 3 - pad > outmax)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		bool last = i + 4 == inlen;

		for (k = 0; k < 4; k++) {
			if (last && in[i + k] == '=' && k >= 4 - (int)pad)
				v[k] = 0;
			else if ((v[k] = util_b64_value((unsigned char)in[i + k])) < 0)
				return -1;
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (!last || pad < 2)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (!last || pad < 1)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
		/* Non-canonical trailing bits are rejected. */
		if (last && ((pad == 2 && (v[1] & 0x0f)) || (pad == 1 && (v[2] & 0x03))))
			return -1;
	}
	*outlen = o;
	return 0;
}

int
http_basic_auth_decode(const char *value, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	const char *b;

	if (strncasecmp(value, "Basic", 5) != 0 || (value[5] != ' ' && value[5] != '\t'))
		return -1;
	for (b = value + 5; *b == ' ' || *b == '\t'; b++)
		;
	return http_base64_decode(b, strlen(b), out, outmax, outlen);
}

static size_t
encode_done(int n, size_t outlen)
{
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}

size_t
http_response_encode(char *out, size_t outlen, int minor, int status,
    const char *reason, const char *headers)
{
	int n = snprintf(out, outlen, "HTTP/1.%d %03d %s\r\n%s\r\n", minor ? 1 : 0,
	    status, reason, headers != NULL ? headers : "");

	return encode_done(n, outlen);
}

size_t
http_request_encode(char *out, size_t outlen, const char *method,
    const char *target, const char *headers)
{
	int n = snprintf(out, outlen, "%s %s HTTP/1.0\r\n%s\r\n", method, target,
	    headers != NULL ? headers : "");

	return encode_done(n, outlen);
}
