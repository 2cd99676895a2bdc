/* Unit tests for core/proto/http: head parsing, bounds, helpers, encoders. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/http.h"

static struct http_head *
head_new(void)
{
	struct http_head *h = malloc(sizeof(*h));

	assert_non_null(h);
	return h;
}

/* Parse s whole, and check every proper prefix needs more (or fails
 * only if the whole does), so the result cannot depend on splitting. */
static enum parse_result
parse_req(const char *s, struct http_head *h, size_t *used)
{
	size_t len = strlen(s), i, u;
	enum parse_result whole = http_parse_request((const uint8_t *)s, len, h, used);
	struct http_head *t = head_new();

	for (i = 0; i < len && i <= *used; i++) {
		enum parse_result rc = http_parse_request((const uint8_t *)s, i, t, &u);

		if (whole == PARSE_ERROR)
			assert_true(rc != PARSE_OK);
		else if (i < *used)
			assert_int_equal(rc, PARSE_NEED_MORE);
	}
	free(t);
	return whole;
}

static void
test_request(void **state)
{
	struct http_head *h = head_new();
	uint64_t cl;
	size_t used;
	static const char req[] =
	    "GET /tor/status-vote/current/consensus HTTP/1.0\r\n"
	    "Host: 127.1.0.1\r\n"
	    "X-Empty:\r\n"
	    "content-length:  12  \r\n"
	    "\r\n"
	    "hello world!";

	assert_int_equal(parse_req(req, h, &used), PARSE_OK);
	assert_int_equal(used, strlen(req) - 12);
	assert_false(h->hh_is_response);
	assert_string_equal(h->hh_method, "GET");
	assert_string_equal(h->hh_target, "/tor/status-vote/current/consensus");
	assert_int_equal(h->hh_minor, 0);
	assert_int_equal(h->hh_n_headers, 3);
	assert_string_equal(http_header_get(h, "host"), "127.1.0.1");
	assert_string_equal(http_header_get(h, "HOST"), "127.1.0.1");
	assert_string_equal(http_header_get(h, "x-empty"), "");
	assert_null(http_header_get(h, "Nope"));
	assert_int_equal(http_content_length(h, &cl), 1);
	assert_int_equal(cl, 12);

	assert_int_equal(parse_req("CONNECT example.com:443 HTTP/1.1\r\n\r\n", h, &used),
	    PARSE_OK);
	assert_string_equal(h->hh_method, "CONNECT");
	assert_string_equal(h->hh_target, "example.com:443");
	assert_int_equal(h->hh_minor, 1);
	assert_int_equal(h->hh_n_headers, 0);
	assert_int_equal(http_content_length(h, &cl), 0);
	free(h);
}

static void
test_request_bad(void **state)
{
	static const char *const bad[] = {
		"GET / HTTP/2.0\r\n\r\n",
		"GET /\r\n\r\n",
		"GET  / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.0 \r\n\r\n",
		" GET / HTTP/1.0\r\n\r\n",
		"G(T / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.0\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.0\r\n: v\r\n\r\n",
		"GET / HTTP/1.0\r\nBad Name: v\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\r\n folded\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\nc\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\rc\r\n\r\n",
		"GET /\x01 HTTP/1.0\r\n\r\n",
	};
	struct http_head *h = head_new();
	size_t i, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_req(bad[i], h, &used) != PARSE_ERROR)
			fail_msg("accepted bad request %zu", i);
	}
	free(h);
}

static void
test_bounds(void **state)
{
	struct http_head *h = head_new();
	char *big = malloc(HTTP_MAX_HEAD + 100);
	size_t used, n;
	int i;

	/* A line longer than HTTP_MAX_LINE fails before the head ends. */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', HTTP_MAX_LINE);
	assert_int_equal(http_parse_request((uint8_t *)big, 5 + HTTP_MAX_LINE, h,
	    &used), PARSE_ERROR);
	assert_int_equal(http_parse_request((uint8_t *)big, HTTP_MAX_LINE - 10, h,
	    &used), PARSE_NEED_MORE);

	/* HTTP_MAX_HEAD bytes without an end: error. */
	n = (size_t)snprintf(big, HTTP_MAX_HEAD + 100, "GET / HTTP/1.0\r\n");
	while (n + 10 < HTTP_MAX_HEAD + 50) {
		memcpy(big + n, "A: bbbbb\r\n", 10);
		n += 10;
	}
	assert_int_equal(http_parse_request((uint8_t *)big, HTTP_MAX_HEAD, h, &used),
	    PARSE_ERROR);
	assert_int_equal(http_parse_request((uint8_t *)big, HTTP_MAX_HEAD - 1, h, &used),
	    PARSE_NEED_MORE);

	/* Header count. */
	n = (size_t)snprintf(big, HTTP_MAX_HEAD, "GET / HTTP/1.0\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, HTTP_MAX_HEAD - n, "H%d: v\r\n", i);
	memcpy(big + n, "\r\n", 3);
	assert_int_equal(http_parse_request((uint8_t *)big, n + 2, h, &used), PARSE_OK);
	assert_int_equal(h->hh_n_headers, HTTP_MAX_HEADERS);
	n += (size_t)snprintf(big + n, HTTP_MAX_HEAD - n, "X: y\r\n\r\n");
	assert_int_equal(http_parse_request((uint8_t *)big, n, h, &used), PARSE_ERROR);

	/* NUL inside the head. */
	assert_int_equal(http_parse_request((const uint8_t *)"GET /\0 HTTP/1.0\r\n\r\n",
	    19, h, &used), PARSE_ERROR);
	free(big);
	free(h);
}

static void
test_response(void **state)
{
	struct http_head *h = head_new();
	size_t used;
	uint64_t cl;
	static const char r1[] = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\nhello";

	assert_int_equal(http_parse_response((const uint8_t *)r1, strlen(r1), h, &used),
	    PARSE_OK);
	assert_true(h->hh_is_response);
	assert_int_equal(h->hh_status, 200);
	assert_string_equal(h->hh_reason, "OK");
	assert_int_equal(used, strlen(r1) - 5);
	assert_int_equal(http_content_length(h, &cl), 1);
	assert_int_equal(cl, 5);

	assert_int_equal(http_parse_response((const uint8_t *)
	    "HTTP/1.1 404 Not Found\r\n\r\n", 26, h, &used), PARSE_OK);
	assert_int_equal(h->hh_status, 404);
	assert_string_equal(h->hh_reason, "Not Found");
	assert_int_equal(http_parse_response((const uint8_t *)
	    "HTTP/1.1 204\r\n\r\n", 16, h, &used), PARSE_OK);
	assert_string_equal(h->hh_reason, "");
	assert_int_equal(http_parse_response((const uint8_t *)
	    "HTTP/1.1 20 x\r\n\r\n", 17, h, &used), PARSE_ERROR);
	assert_int_equal(http_parse_response((const uint8_t *)
	    "HTTP/1.1 600 x\r\n\r\n", 18, h, &used), PARSE_ERROR);
	assert_int_equal(http_parse_response((const uint8_t *)
	    "HTTP/1.1 2000\r\n\r\n", 17, h, &used), PARSE_ERROR);
	assert_int_equal(http_parse_response((const uint8_t *)
	    "ICY 200 OK\r\n\r\n", 14, h, &used), PARSE_ERROR);
	assert_int_equal(http_parse_response((const uint8_t *)
	    "HTTP/1.1 200 OK\r\n", 17, h, &used), PARSE_NEED_MORE);
	free(h);
}

static void
test_content_length(void **state)
{
	static const struct { const char *v; int rc; uint64_t n; } rows[] = {
		{ "0", 1, 0 }, { "18446744073709551606", 1, 18446744073709551606ull },
		{ "", -1, 0 }, { "-1", -1, 0 }, { "+5", -1, 0 }, { "5 5", -1, 0 },
		{ "0x10", -1, 0 }, { "99999999999999999999", -1, 0 },
	};
	struct http_head *h = head_new();
	char req[128];
	size_t i, used;
	uint64_t cl;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.0\r\nContent-Length: %s\r\n\r\n",
		    rows[i].v);
		assert_int_equal(http_parse_request((uint8_t *)req, strlen(req), h, &used),
		    PARSE_OK);
		assert_int_equal(http_content_length(h, &cl), rows[i].rc);
		if (rows[i].rc == 1)
			assert_int_equal(cl, rows[i].n);
	}
	snprintf(req, sizeof(req), "POST / HTTP/1.0\r\nContent-Length: 1\r\n"
	    "content-length: 2\r\n\r\n");
	assert_int_equal(http_parse_request((uint8_t *)req, strlen(req), h, &used),
	    PARSE_OK);
	assert_int_equal(http_content_length(h, &cl), -1);
	free(h);
}

static void
test_authority(void **state)
{
	char host[256];
	uint16_t port;

	assert_int_equal(http_parse_authority("example.com:443", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "example.com");
	assert_int_equal(port, 443);
	assert_int_equal(http_parse_authority("[2001:db8::1]:8080", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 8080);
	assert_int_equal(http_parse_authority("10.0.0.1:1", host, sizeof(host), &port), 0);
	assert_string_equal(host, "10.0.0.1");
	assert_int_equal(http_parse_authority("example.com", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority("example.com:0", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority("example.com:70000", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority("example.com:", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority(":80", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority("::1:80", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority("/path:80", host, sizeof(host), &port), -1);
	assert_int_equal(http_parse_authority("example.com:80", host, 5, &port), -1);
}

static void
test_base64_basic(void **state)
{
	uint8_t out[64];
	size_t n;

	assert_int_equal(http_basic_auth_decode("Basic dXNlcjpwYXNz", out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "user:pass", 9);
	assert_int_equal(http_basic_auth_decode("basic   YTpi", out, sizeof(out), &n), 0);
	assert_memory_equal(out, "a:b", 3);
	assert_int_equal(http_basic_auth_decode("Basic YQ==", out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(http_basic_auth_decode("Basic YWI=", out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(http_basic_auth_decode("Basic ", out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(http_basic_auth_decode("Bearer YQ==", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("BasicYQ==", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("Basic YQ=", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("Basic Y=Q=", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("Basic YR==", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("Basic ====", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("Basic YW*i", out, sizeof(out), &n), -1);
	assert_int_equal(http_basic_auth_decode("Basic dXNlcjpwYXNz", out, 8, &n), -1);
}

static void
test_encode(void **state)
{
	char out[256];
	size_t n;

	n = http_response_encode(out, sizeof(out), 0, 200, "OK", NULL);
	assert_int_equal(n, 19);
	assert_string_equal(out, "HTTP/1.0 200 OK\r\n\r\n");
	n = http_response_encode(out, sizeof(out), 1, 404, "Not Found",
	    "Content-Length: 0\r\n");
	assert_string_equal(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(n, strlen(out));
	assert_int_equal(http_response_encode(out, 10, 0, 200, "OK", NULL), 0);
	n = http_request_encode(out, sizeof(out), "GET", "/tor/consensus",
	    "Host: 127.1.0.1\r\n");
	assert_string_equal(out, "GET /tor/consensus HTTP/1.0\r\nHost: 127.1.0.1\r\n\r\n");
	assert_int_equal(n, strlen(out));
	{
		struct http_head *h = head_new();
		size_t used;

		assert_int_equal(http_parse_request((uint8_t *)out, n, h, &used), PARSE_OK);
		assert_int_equal(used, n);
		free(h);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_bad),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_authority),
		cmocka_unit_test(test_base64_basic),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
