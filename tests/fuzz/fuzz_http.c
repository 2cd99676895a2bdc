/*
 * fuzz_http.c: HTTP head parsing (byte 0 picks request or response) and
 * the helpers a caller applies to a parsed head.  A head that parses
 * must need more bytes when its last byte is missing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/proto/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_head h, h2;
	enum parse_result (*parse)(const uint8_t *, size_t, struct http_head *,
	    size_t *);
	char host[256];
	uint8_t cred[512];
	const char *v;
	uint64_t cl;
	uint16_t port;
	size_t used, used2, n;

	if (size < 1)
		return 0;
	parse = (data[0] & 1) ? http_parse_response : http_parse_request;
	data++;
	size--;
	if (parse(data, size, &h, &used) != PARSE_OK)
		return 0;
	if (used < 4 || used > size || used > HTTP_MAX_HEAD ||
	    h.hh_n_headers > HTTP_MAX_HEADERS)
		abort();
	if (parse(data, used - 1, &h2, &used2) != PARSE_NEED_MORE)
		abort();
	(void)http_content_length(&h, &cl);
	if (!h.hh_is_response)
		(void)http_parse_authority(h.hh_target, host, sizeof(host), &port);
	if ((v = http_header_get(&h, "Proxy-Authorization")) != NULL &&
	    http_basic_auth_decode(v, cred, sizeof(cred), &n) == 0 && n > sizeof(cred))
		abort();
	return 0;
}
