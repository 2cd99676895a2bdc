/*
 * Unit tests for core/proto/ctl: line framing and limits, argument
 * splitting with quoted strings, reply formatting (dot-stuffing) and
 * reply parsing, and a format -> parse round trip.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/ctl.h"
#include "lib/util.h"

static int
parse_str(const char *s, struct ctl_line *l, size_t *used)
{
	return ctl_line_parse((const uint8_t *)s, strlen(s), l, used);
}

static void
test_line_basic(void **state)
{
	struct ctl_line l;
	size_t used = 0;

	assert_int_equal(parse_str("getinfo version\r\nQUIT\r\n", &l, &used), PARSE_OK);
	assert_string_equal(l.cl_keyword, "GETINFO");
	assert_int_equal(l.cl_args_len, 7);
	assert_memory_equal(l.cl_args, "version", 7);
	assert_int_equal(used, 17);
	/* Bare LF, no arguments. */
	assert_int_equal(parse_str("QUIT\n", &l, &used), PARSE_OK);
	assert_string_equal(l.cl_keyword, "QUIT");
	assert_int_equal(l.cl_args_len, 0);
	assert_int_equal(used, 5);
	/* Empty line. */
	assert_int_equal(parse_str("\r\n", &l, &used), PARSE_OK);
	assert_string_equal(l.cl_keyword, "");
	/* Incomplete. */
	assert_int_equal(parse_str("GETINFO vers", &l, &used), PARSE_NEED_MORE);
	assert_int_equal(parse_str("", &l, &used), PARSE_NEED_MORE);
}

static void
test_line_bad(void **state)
{
	struct ctl_line l;
	size_t used;
	uint8_t *big;

	assert_int_equal(parse_str("GET-INFO x\r\n", &l, &used), PARSE_ERROR);
	assert_int_equal(parse_str("+LOADCONF\r\n", &l, &used), PARSE_ERROR);
	assert_int_equal(parse_str("GETINFO a\033b\r\n", &l, &used), PARSE_ERROR);
	assert_int_equal(ctl_line_parse((const uint8_t *)"A\0B\n", 4, &l, &used), PARSE_ERROR);
	assert_int_equal(parse_str("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", &l, &used),
	    PARSE_ERROR);
	/* Limit: CTL_LINE_MAX bytes without a newline is an error ... */
	big = xmalloc(CTL_LINE_MAX + 10);
	memset(big, 'A', CTL_LINE_MAX + 10);
	assert_int_equal(ctl_line_parse(big, CTL_LINE_MAX - 1, &l, &used), PARSE_NEED_MORE);
	assert_int_equal(ctl_line_parse(big, CTL_LINE_MAX, &l, &used), PARSE_ERROR);
	/* ... and a line of exactly CTL_LINE_MAX bytes with its LF is fine. */
	memcpy(big, "X ", 2);
	big[CTL_LINE_MAX - 1] = '\n';
	assert_int_equal(ctl_line_parse(big, CTL_LINE_MAX + 10, &l, &used), PARSE_OK);
	assert_int_equal(used, CTL_LINE_MAX);
	free(big);
}

static void
test_args(void **state)
{
	struct ctl_args a;
	const char *s = "SAFECOOKIE  abc KEY=val Q=\"a b\\\"c\\\\\\n\\101\" \"plain q\"";

	assert_int_equal(ctl_args_parse(s, strlen(s), &a), 0);
	assert_int_equal(a.n, 5);
	assert_null(a.a[0].ca_key);
	assert_string_equal(a.a[0].ca_val, "SAFECOOKIE");
	assert_string_equal(a.a[1].ca_val, "abc");
	assert_string_equal(a.a[2].ca_key, "KEY");
	assert_string_equal(a.a[2].ca_val, "val");
	assert_false(a.a[2].ca_quoted);
	assert_string_equal(a.a[3].ca_key, "Q");
	assert_string_equal(a.a[3].ca_val, "a b\"c\\\nA");
	assert_true(a.a[3].ca_quoted);
	assert_null(a.a[4].ca_key);
	assert_string_equal(a.a[4].ca_val, "plain q");
	assert_string_equal(ctl_args_get(&a, "key"), "val");
	assert_null(ctl_args_get(&a, "nope"));
	ctl_args_clear(&a);
	/* Empty, and "=x" is a word, not a pair. */
	assert_int_equal(ctl_args_parse("", 0, &a), 0);
	assert_int_equal(a.n, 0);
	ctl_args_clear(&a);
	assert_int_equal(ctl_args_parse("=x K=", 5, &a), 0);
	assert_int_equal(a.n, 2);
	assert_null(a.a[0].ca_key);
	assert_string_equal(a.a[1].ca_key, "K");
	assert_string_equal(a.a[1].ca_val, "");
	ctl_args_clear(&a);
}

static void
test_args_bad(void **state)
{
	struct ctl_args a;
	char many[CTL_ARGS_MAX * 2 + 4];
	size_t i;

	assert_int_equal(ctl_args_parse("\"open", 5, &a), -1);
	assert_int_equal(ctl_args_parse("\"x\\", 3, &a), -1);
	assert_int_equal(ctl_args_parse("\"\\000\"", 6, &a), -1);
	assert_int_equal(ctl_args_parse("\"\\09\"", 5, &a), -1);
	assert_int_equal(ctl_args_parse("\"a\"b", 4, &a), -1);
	assert_int_equal(ctl_args_parse("a\0b", 3, &a), -1);
	for (i = 0; i < CTL_ARGS_MAX + 1; i++) {
		many[2 * i] = 'x';
		many[2 * i + 1] = ' ';
	}
	assert_int_equal(ctl_args_parse(many, 2 * (CTL_ARGS_MAX + 1), &a), -1);
	assert_int_equal(ctl_args_parse(many, 2 * CTL_ARGS_MAX, &a), 0);
	assert_int_equal(a.n, CTL_ARGS_MAX);
	ctl_args_clear(&a);
}

static void
assert_buf(struct buf *b, const char *want)
{
	assert_int_equal(buf_len(b), strlen(want));
	assert_memory_equal(buf_peek(b), want, strlen(want));
	buf_clear(b);
}

static void
test_fmt(void **state)
{
	struct buf b = BUF_INIT;
	const char data[] = "line1\n.dot\r\n\nlast";

	ctl_fmt_line(&b, 250, ' ', "OK");
	assert_buf(&b, "250 OK\r\n");
	ctl_fmt_line(&b, 250, '-', "version=%s", "0.1.0");
	assert_buf(&b, "250-version=0.1.0\r\n");
	ctl_fmt_line(&b, 650, ' ', "BW %d %d", 1, 2);
	assert_buf(&b, "650 BW 1 2\r\n");
	ctl_fmt_data(&b, 250, "circuit-status", data, strlen(data));
	assert_buf(&b, "250+circuit-status=\r\nline1\r\n..dot\r\n\r\nlast\r\n.\r\n");
	ctl_fmt_data(&b, 250, "empty", "", 0);
	assert_buf(&b, "250+empty=\r\n.\r\n");
	ctl_fmt_quoted(&b, "a\"b\\c\n\x01\xff");
	assert_buf(&b, "\"a\\\"b\\\\c\\012\\001\\377\"");
	assert_true(ctl_is_single_line("abc", 3));
	assert_false(ctl_is_single_line("a\nb", 3));
	assert_false(ctl_is_single_line("a\rb", 3));
	buf_free_storage(&b, 0);
}

/* Formatting then parsing a quoted string gives the original back. */
static void
test_quote_roundtrip(void **state)
{
	struct buf b = BUF_INIT;
	struct ctl_args a;
	char s[256];
	int i;

	for (i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	buf_add(&b, "K=", 2);
	ctl_fmt_quoted(&b, s);
	assert_int_equal(ctl_args_parse((const char *)buf_peek(&b), buf_len(&b), &a), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.a[0].ca_val, s);
	ctl_args_clear(&a);
	buf_free_storage(&b, 0);
}

static void
test_reply_parse(void **state)
{
	const char *s = "250-version=0.1.0\r\n250+ns/all=\r\nr a\r\n..x\r\n.\r\n250 OK\r\n650 BW 1 2\r\n";
	struct ctl_reply r;
	size_t used = 0, i;

	assert_int_equal(ctl_reply_parse((const uint8_t *)s, strlen(s), &r, &used), PARSE_OK);
	assert_int_equal(r.r_code, 250);
	assert_int_equal(r.r_n, 3);
	assert_int_equal(r.r_lines[0].rl_sep, '-');
	assert_string_equal(r.r_lines[0].rl_text, "version=0.1.0");
	assert_int_equal(r.r_lines[1].rl_sep, '+');
	assert_string_equal(r.r_lines[1].rl_text, "ns/all=");
	assert_string_equal(r.r_lines[1].rl_data, "r a\n.x\n");
	assert_int_equal(r.r_lines[1].rl_data_len, 7);
	assert_string_equal(r.r_lines[2].rl_text, "OK");
	ctl_reply_clear(&r);
	/* The event after it is the next reply. */
	assert_int_equal(ctl_reply_parse((const uint8_t *)s + used, strlen(s) - used, &r, &i),
	    PARSE_OK);
	assert_int_equal(r.r_code, 650);
	assert_string_equal(r.r_lines[0].rl_text, "BW 1 2");
	ctl_reply_clear(&r);
	/* An empty buffer (no storage at all) needs more. */
	assert_int_equal(ctl_reply_parse(NULL, 0, &r, &used), PARSE_NEED_MORE);
	assert_int_equal(ctl_line_parse(NULL, 0, &(struct ctl_line){ 0 }, &used), PARSE_NEED_MORE);
	/* Every proper prefix of the first reply needs more. */
	for (i = 0; i < used; i++)
		assert_int_equal(ctl_reply_parse((const uint8_t *)s, i, &r, &used), PARSE_NEED_MORE);
}

static void
test_reply_bad(void **state)
{
	struct ctl_reply r;
	size_t used;
	const char *bad[] = { "25 OK\r\n", "250OK\r\n", "abc OK\r\n", "250*OK\r\n",
	    "750 OK\r\n", "250-a\r\nxyz\r\n" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(ctl_reply_parse((const uint8_t *)bad[i], strlen(bad[i]), &r,
		    &used), PARSE_ERROR);
}

/* A data reply produced by ctl_fmt_data parses back to the same text. */
static void
test_data_roundtrip(void **state)
{
	struct buf b = BUF_INIT;
	struct ctl_reply r;
	size_t used;
	const char data[] = ".\n..\nplain\n. x\n";

	ctl_fmt_data(&b, 250, "k", data, strlen(data));
	ctl_fmt_line(&b, 250, ' ', "OK");
	assert_int_equal(ctl_reply_parse(buf_peek(&b), buf_len(&b), &r, &used), PARSE_OK);
	assert_int_equal(used, buf_len(&b));
	assert_string_equal(r.r_lines[0].rl_data, data);
	ctl_reply_clear(&r);
	buf_free_storage(&b, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_basic),
		cmocka_unit_test(test_line_bad),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_quote_roundtrip),
		cmocka_unit_test(test_reply_parse),
		cmocka_unit_test(test_reply_bad),
		cmocka_unit_test(test_data_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
