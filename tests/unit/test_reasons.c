/* Unit tests for core/or/reasons: every row of every mapping. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/or/reasons.h"

/* The expected table, written out independently of reasons.c. */
static const struct {
	int		reason;
	const char	*name;
	uint8_t		socks5;
	int		http;
} want[] = {
	{ 0, "none", 0x00, 200 },
	{ 1, "misc", 0x01, 502 },
	{ 2, "resolvefailed", 0x04, 404 },
	{ 3, "connectrefused", 0x05, 403 },
	{ 4, "exitpolicy", 0x02, 403 },
	{ 5, "destroy", 0x01, 502 },
	{ 6, "done", 0x05, 502 },
	{ 7, "timeout", 0x06, 504 },
	{ 8, "noroute", 0x04, 404 },
	{ 9, "hibernating", 0x01, 502 },
	{ 10, "internal", 0x01, 502 },
	{ 11, "resourcelimit", 0x01, 502 },
	{ 12, "connreset", 0x05, 403 },
	{ 13, "torprotocol", 0x01, 502 },
	{ 14, "notdirectory", 0x01, 502 },
	{ 15, "entrypolicy", 0x02, 403 },
	{ 256, "cant_attach", 0x01, 502 },
	{ 257, "net_unreachable", 0x03, 502 },
	{ 258, "socksprotocol", 0x01, 400 },
	{ 259, "private_addr", 0x01, 403 },
};

static void
test_end_rows(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(reasons_end_name(want[i].reason), want[i].name);
		assert_int_equal(reasons_end_from_name(want[i].name), want[i].reason);
		assert_int_equal(reasons_end_to_socks5(want[i].reason), want[i].socks5);
		assert_int_equal(reasons_end_to_socks4(want[i].reason),
		    want[i].reason == 0 ? 0x5A : 0x5B);
		assert_int_equal(reasons_end_to_http_status(want[i].reason), want[i].http);
	}
	assert_int_equal(reasons_end_from_name("TIMEOUT"), END_REASON_TIMEOUT);
	assert_int_equal(reasons_end_from_name("bogus"), -1);
	assert_string_equal(reasons_end_name(99), "unknown");
	assert_string_equal(reasons_end_name(-1), "unknown");
	assert_int_equal(reasons_end_to_socks5(99), SOCKS5_GENERAL_FAILURE);
	assert_int_equal(reasons_end_to_socks4(99), SOCKS4_REJECTED);
	assert_int_equal(reasons_end_to_http_status(99), 502);
	/* The enum agrees with the wire numbers of tor-spec. */
	assert_int_equal(END_REASON_NOTDIRECTORY, 14);
	assert_int_equal(END_REASON_CONNRESET, 12);
}

static void
test_destroy_rows(void **state)
{
	static const char *const names[] = { "none", "protocol", "internal",
	    "requested", "hibernating", "resourcelimit", "connectfailed",
	    "or_identity", "channel_closed", "finished", "timeout", "destroyed",
	    "nosuchservice" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_string_equal(reasons_destroy_name((int)i), names[i]);
		assert_int_equal(reasons_destroy_from_name(names[i]), (int)i);
	}
	assert_int_equal(DESTROY_REASON_MAX_, 12);
	assert_string_equal(reasons_destroy_name(13), "unknown");
	assert_string_equal(reasons_destroy_name(-1), "unknown");
	assert_int_equal(reasons_destroy_from_name("x"), -1);
}

static void
test_errno_rows(void **state)
{
	static const struct { int e; uint8_t r; } rows[] = {
		{ EPIPE, END_REASON_DONE },
		{ ECONNREFUSED, END_REASON_CONNECTREFUSED },
		{ ECONNRESET, END_REASON_CONNRESET },
		{ ETIMEDOUT, END_REASON_TIMEOUT },
		{ ENETUNREACH, END_REASON_NOROUTE },
		{ ENETDOWN, END_REASON_NOROUTE },
		{ EHOSTUNREACH, END_REASON_NOROUTE },
		{ EHOSTDOWN, END_REASON_NOROUTE },
		{ EACCES, END_REASON_NOROUTE },
		{ EPERM, END_REASON_NOROUTE },
		{ ENOBUFS, END_REASON_RESOURCELIMIT },
		{ ENOMEM, END_REASON_RESOURCELIMIT },
		{ ENFILE, END_REASON_RESOURCELIMIT },
		{ EMFILE, END_REASON_RESOURCELIMIT },
		{ EADDRINUSE, END_REASON_RESOURCELIMIT },
		{ EADDRNOTAVAIL, END_REASON_RESOURCELIMIT },
		{ EBADF, END_REASON_INTERNAL },
		{ EFAULT, END_REASON_INTERNAL },
		{ EINVAL, END_REASON_INTERNAL },
		{ EISCONN, END_REASON_INTERNAL },
		{ ENOTSOCK, END_REASON_INTERNAL },
		{ EPROTONOSUPPORT, END_REASON_INTERNAL },
		{ EAFNOSUPPORT, END_REASON_INTERNAL },
		{ ENOTCONN, END_REASON_INTERNAL },
		{ 0, END_REASON_MISC },
		{ EIO, END_REASON_MISC },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(reasons_end_from_errno(rows[i].e), rows[i].r);
}

static void
test_socks5_names(void **state)
{
	static const char *const names[] = { "succeeded",
	    "general SOCKS server failure", "connection not allowed by ruleset",
	    "network unreachable", "host unreachable", "connection refused",
	    "TTL expired", "command not supported", "address type not supported" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(reasons_socks5_name((uint8_t)i), names[i]);
	assert_string_equal(reasons_socks5_name(9), "unknown");
	assert_string_equal(reasons_socks5_name(0xFF), "unknown");
	assert_string_equal(reasons_http_phrase(200), "OK");
	assert_string_equal(reasons_http_phrase(403), "Forbidden");
	assert_string_equal(reasons_http_phrase(404), "Not Found");
	assert_string_equal(reasons_http_phrase(502), "Bad Gateway");
	assert_string_equal(reasons_http_phrase(504), "Gateway Timeout");
	assert_string_equal(reasons_http_phrase(599), "Error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_rows),
		cmocka_unit_test(test_destroy_rows),
		cmocka_unit_test(test_errno_rows),
		cmocka_unit_test(test_socks5_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
