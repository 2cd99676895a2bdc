/*
 * http.h: a minimal, bounded HTTP/1.0 and HTTP/1.1 head codec for the
 * directory service, its clients, and the client's HTTP CONNECT port.
 *
 * Parses a request line or status line plus headers up to the blank
 * line; the body is the caller's business (http_content_length()).
 * Incremental: PARSE_NEED_MORE until "\r\n\r\n" arrives; PARSE_ERROR as
 * soon as a bound is exceeded (HTTP_MAX_HEAD, HTTP_MAX_LINE,
 * HTTP_MAX_HEADERS) or the syntax is wrong.  The parsed head is copied
 * into the struct, so its strings stay valid after the caller drains the
 * input.  Also: CONNECT authority parsing ("host:port", "[v6]:port"),
 * Proxy-Authorization Basic decoding, and head encoders.  Pure.
 */
#ifndef TORD_CORE_PROTO_HTTP_H
#define TORD_CORE_PROTO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bytes.h"

#define HTTP_MAX_HEAD		8192	/* request/status line + headers + CRLFCRLF */
#define HTTP_MAX_LINE		2048
#define HTTP_MAX_HEADERS	32

struct http_header {
	const char	*h_name;	/* NUL-terminated, into hh_buf */
	const char	*h_value;	/* surrounding whitespace removed */
};

struct http_head {
	bool		 hh_is_response;
	int		 hh_minor;	/* HTTP/1.<minor>: 0 or 1 */
	const char	*hh_method;	/* request: "GET", "CONNECT" ... */
	const char	*hh_target;	/* request: "/tor/...", "host:443" */
	int		 hh_status;	/* response: 100..599 */
	const char	*hh_reason;	/* response: may be "" */
	size_t		 hh_n_headers;
	struct http_header hh_headers[HTTP_MAX_HEADERS];
	char		 hh_buf[HTTP_MAX_HEAD];
};

/* Parse a request head; *consumed = head length including CRLFCRLF. */
enum parse_result	http_parse_request(const uint8_t *p, size_t len,
			    struct http_head *out, size_t *consumed);
/* Parse a response head. */
enum parse_result	http_parse_response(const uint8_t *p, size_t len,
			    struct http_head *out, size_t *consumed);

/* First header named name (case-insensitive), or NULL. */
const char	*http_header_get(const struct http_head *h, const char *name);

/*
 * Content-Length: 1 and *out if present and valid (digits only, one
 * header or identical repeats), 0 if absent, -1 if malformed.
 */
int	http_content_length(const struct http_head *h, uint64_t *out);

/*
 * CONNECT authority "host:port" or "[v6]:port": host copied without
 * brackets (hostlen >= 256 is enough), port 1..65535.  The host is
 * checked like a BEGIN host.  0 or -1.
 */
int	http_parse_authority(const char *s, char *host, size_t hostlen,
	    uint16_t *port);

/*
 * "Basic <base64>" (scheme case-insensitive) to the decoded credentials
 * ("user:pass", arbitrary bytes) in out[outmax].  0 or -1.
 */
int	http_basic_auth_decode(const char *value, uint8_t *out, size_t outmax,
	    size_t *outlen);
/* Strict base64 (padding required, no whitespace); -1 on bad input. */
int	http_base64_decode(const char *in, size_t inlen, uint8_t *out,
	    size_t outmax, size_t *outlen);

/*
 * "HTTP/1.<minor> <status> <reason>\r\n" + headers (CRLF-terminated
 * lines, or NULL) + "\r\n".  Bytes written (without a NUL, though one is
 * added if room), or 0 if it does not fit.
 */
size_t	http_response_encode(char *out, size_t outlen, int minor, int status,
	    const char *reason, const char *headers);
/* "<method> <target> HTTP/1.0\r\n" + headers + "\r\n"; as above. */
size_t	http_request_encode(char *out, size_t outlen, const char *method,
	    const char *target, const char *headers);

#endif
