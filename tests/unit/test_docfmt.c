/* Unit tests for core/proto/docfmt: tokenizer, limits, base64, times, policy summaries. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/docfmt.h"
#include "lib/bytes.h"
#include "lib/util.h"

static const struct docfmt_limits lim = { 256, 64, 8 };

/* Tokenize doc fully; return 0 if it is accepted, -1 with the reason in err. */
static int
tokenize(const char *doc, size_t len, char *err, size_t errsz)
{
	struct docfmt_reader r;
	struct docfmt_item it;
	int rv;

	if (docfmt_reader_init(&r, doc, len, &lim) < 0) {
		snprintf(err, errsz, "%s", r.dr_err);
		return -1;
	}
	while ((rv = docfmt_next(&r, &it)) == PARSE_OK)
		;
	snprintf(err, errsz, "%s", r.dr_err);
	return rv == PARSE_NEED_MORE ? 0 : -1;
}

static void
test_tokenize_good(void **state)
{
	const char *doc = "router a 1.2.3.4 9001\nflag\np accept 80,443\n";
	struct docfmt_reader r;
	struct docfmt_item it;

	assert_int_equal(docfmt_reader_init(&r, doc, strlen(doc), &lim), 0);
	assert_int_equal(docfmt_peek(&r, &it), PARSE_OK);
	assert_true(docfmt_is(&it, "router"));
	assert_int_equal(docfmt_next(&r, &it), PARSE_OK);
	assert_true(docfmt_is(&it, "router"));
	assert_int_equal(it.it_nargs, 3);
	assert_true(docfmt_arg_is(&it, 1, "1.2.3.4"));
	assert_false(docfmt_arg_is(&it, 3, "x"));
	assert_int_equal(it.it_rest_len, strlen("a 1.2.3.4 9001"));
	assert_int_equal(docfmt_next(&r, &it), PARSE_OK);
	assert_true(docfmt_is(&it, "flag"));
	assert_int_equal(it.it_nargs, 0);
	assert_int_equal(it.it_lineno, 2);
	assert_int_equal(docfmt_next(&r, &it), PARSE_OK);
	assert_int_equal(it.it_off, strlen("router a 1.2.3.4 9001\nflag\n"));
	assert_int_equal(docfmt_next(&r, &it), PARSE_NEED_MORE);
}

static void
test_tokenize_bad(void **state)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "a b\nc", "missing final newline" },
		{ "a  b\n", "extra space" },
		{ "a b \n", "extra space" },
		{ " a\n", "leading space" },
		{ "a\n\nb\n", "empty line" },
		{ "a\r\n", "non-printable" },
		{ "a\tb\n", "non-printable" },
		{ "a_b c\n", "bad keyword" },
		{ "a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25\n",
		  "too long" },
		{ "a\nb\nc\nd\ne\nf\ng\nh\ni\n", "too many lines" },
		{ "", "empty document" },
	};
	char err[128], big[300];
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(tokenize(bad[i].doc, strlen(bad[i].doc), err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i].why));
	}
	/* A NUL inside the document is refused, not treated as the end. */
	assert_int_equal(tokenize("a\0b\n", 4, err, sizeof(err)), -1);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(tokenize(big, sizeof(big), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
	/* 33 arguments on one line is too many even within the line limit. */
	{
		struct docfmt_limits wide = { 4096, 4096, 8 };
		struct docfmt_reader r;
		struct docfmt_item it;
		char line[200] = "k";

		for (i = 0; i < 33; i++)
			strcat(line, " x");
		strcat(line, "\n");
		assert_int_equal(docfmt_reader_init(&r, line, strlen(line), &wide), 0);
		assert_int_equal(docfmt_next(&r, &it), PARSE_ERROR);
		assert_non_null(strstr(r.dr_err, "too many arguments"));
	}
}

static void
test_args(void **state)
{
	const char *doc = "k 0 007 18446744073709551615 18446744073709551616 12x "
	    "1.2.3.4 01.2.3.4 [::1]:80 [0::1]:80 [::1]:0\n";
	struct docfmt_reader r;
	struct docfmt_item it;
	struct docfmt_limits l = { 4096, 4096, 8 };
	uint64_t v;
	uint32_t ip;
	uint8_t ip6[16];
	uint16_t port;

	assert_int_equal(docfmt_reader_init(&r, doc, strlen(doc), &l), 0);
	assert_int_equal(docfmt_next(&r, &it), PARSE_OK);
	assert_int_equal(docfmt_arg_u64(&it, 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(docfmt_arg_u64(&it, 1, 10, &v), -1);	/* leading zeros */
	assert_int_equal(docfmt_arg_u64(&it, 2, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(docfmt_arg_u64(&it, 3, UINT64_MAX, &v), -1);	/* overflow */
	assert_int_equal(docfmt_arg_u64(&it, 4, UINT64_MAX, &v), -1);
	assert_int_equal(docfmt_arg_u64(&it, 2, 5, &v), -1);	/* over max */
	assert_int_equal(docfmt_arg_u64(&it, 99, 5, &v), -1);	/* missing */
	assert_int_equal(docfmt_arg_ipv4(&it, 5, &ip), 0);
	assert_int_equal(ip, 0x01020304);
	assert_int_equal(docfmt_arg_ipv4(&it, 6, &ip), -1);
	assert_int_equal(docfmt_arg_ipv6_port(&it, 7, ip6, &port), 0);
	assert_int_equal(port, 80);
	assert_int_equal(ip6[15], 1);
	assert_int_equal(docfmt_arg_ipv6_port(&it, 8, ip6, &port), -1);	/* not canonical */
	assert_int_equal(docfmt_arg_ipv6_port(&it, 9, ip6, &port), -1);	/* port 0 */
}

static void
test_base64(void **state)
{
	/* RFC 4648 section 10 vectors. */
	static const char *const vec[][2] = {
		{ "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char enc[16];
	uint8_t dec[8], all[256], back[256];
	char encall[DOCFMT_B64_LEN(256)];
	size_t i;

	for (i = 0; i < ARRAY_LEN(vec); i++) {
		size_t n = strlen(vec[i][0]);

		docfmt_b64_encode((const uint8_t *)vec[i][0], n, enc);
		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(docfmt_b64_decode(enc, strlen(enc), dec, n), 0);
		assert_memory_equal(dec, vec[i][0], n);
		/* Wrong expected length is refused. */
		assert_int_equal(docfmt_b64_decode(enc, strlen(enc), dec, n + 1), -1);
	}
	assert_int_equal(docfmt_b64_decode("Zh==", 4, dec, 1), -1);	/* stray bits */
	assert_int_equal(docfmt_b64_decode("Zm9=", 4, dec, 2), -1);	/* stray bits */
	assert_int_equal(docfmt_b64_decode("Zg=a", 4, dec, 1), -1);
	assert_int_equal(docfmt_b64_decode("Z===", 4, dec, 1), -1);
	assert_int_equal(docfmt_b64_decode("Zm9v", 4, dec, 2), -1);
	assert_int_equal(docfmt_b64_decode("Zm-v", 4, dec, 3), -1);
	assert_int_equal(docfmt_b64_decode("=m9v", 4, dec, 3), -1);
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)(i * 7 + 3);
	docfmt_b64_encode(all, 256, encall);
	assert_int_equal(strlen(encall), DOCFMT_B64_LEN(256) - 1);
	assert_int_equal(docfmt_b64_decode(encall, strlen(encall), back, 256), 0);
	assert_memory_equal(all, back, 256);
}

static void
test_time(void **state)
{
	static const struct {
		const char *s;
		int64_t t;
	} good[] = {
		{ "1970-01-01 00:00:00", 0 },
		{ "2000-02-29 12:34:56", 951827696 },
		{ "2024-12-31 23:59:59", 1735689599 },
		{ "2038-01-19 03:14:08", 2147483648LL },
	};
	static const char *const bad[] = {
		"1969-12-31 23:59:59", "2023-02-29 00:00:00", "2024-13-01 00:00:00",
		"2024-04-31 00:00:00", "2024-01-01 24:00:00", "2024-01-01 00:60:00",
		"2024-01-01 00:00:60", "2024-1-01 00:00:00 ", "2024-01-01T00:00:00",
		"2024-01-01 00:00:0a", "1900-02-29 00:00:00",
	};
	char out[DOCFMT_TIME_LEN + 1];
	int64_t t;
	size_t i;

	for (i = 0; i < ARRAY_LEN(good); i++) {
		assert_int_equal(docfmt_time_parse(good[i].s, strlen(good[i].s), &t), 0);
		assert_true(t == good[i].t);
		docfmt_time_format(t, out);
		assert_string_equal(out, good[i].s);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(docfmt_time_parse(bad[i], strlen(bad[i]), &t), -1);
	/* Round trip over a spread of times (bounded loop). */
	for (t = 0; t < 4102444800LL; t += 86400 * 37 + 3607) {
		int64_t back;

		docfmt_time_format(t, out);
		assert_int_equal(docfmt_time_parse(out, strlen(out), &back), 0);
		assert_true(back == t);
	}
}

static void
test_policy_summary(void **state)
{
	static const char *const bad[] = {
		"accept", "accept ", "allow 80", "accept 0", "accept 65536", "accept 80,",
		"accept ,80", "accept 443,80", "accept 80,80", "accept 80-80",
		"accept 90-80", "accept 80-90,85", "accept 80,81", "accept 080",
		"accept 1-2,4-5,7-8,10-11,13-14,16-17,19-20,22-23,25-26,28-29,31-32,"
		"34-35,37-38,40-41,43-44,46-47,49-50,52-53,55-56,58-59,61-62,64-65,"
		"67-68,70-71,73-74,76-77,79-80,82-83,85-86,88-89,91-92,94-95,97-98",
	};
	struct policy_summary ps;
	struct buf b = BUF_INIT;
	char *s;
	size_t i;

	assert_int_equal(policy_summary_parse("accept 22,80,443,1000-2000", &ps), 0);
	assert_true(policy_summary_allows(&ps, 80));
	assert_true(policy_summary_allows(&ps, 1000));
	assert_true(policy_summary_allows(&ps, 2000));
	assert_false(policy_summary_allows(&ps, 81));
	assert_false(policy_summary_allows(&ps, 2001));
	assert_false(policy_summary_allows(&ps, 0));
	assert_true(policy_summary_allows_any(&ps));
	policy_summary_format(&ps, &b);
	s = docfmt_take(&b, NULL);
	assert_string_equal(s, "accept 22,80,443,1000-2000");
	free(s);

	assert_int_equal(policy_summary_parse("reject 25,119", &ps), 0);
	assert_false(policy_summary_allows(&ps, 25));
	assert_true(policy_summary_allows(&ps, 80));
	assert_true(policy_summary_allows_any(&ps));
	policy_summary_reject_all(&ps);
	assert_false(policy_summary_allows_any(&ps));
	assert_false(policy_summary_allows(&ps, 1));
	assert_false(policy_summary_allows(&ps, 65535));
	assert_int_equal(policy_summary_parse("accept 1-65535", &ps), 0);
	assert_true(policy_summary_allows(&ps, 65535));

	for (i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(policy_summary_parse(bad[i], &ps), -1);
}

static void
test_fp(void **state)
{
	uint8_t id[32], back[32];
	char fp[DOCFMT_FP_HEXLEN + 1], line[200];
	struct docfmt_reader r;
	struct docfmt_item it;
	struct docfmt_limits l = { 4096, 4096, 8 };
	size_t i;

	for (i = 0; i < 32; i++)
		id[i] = (uint8_t)(0xa0 + i);
	docfmt_fp_encode(id, fp);
	assert_int_equal(strlen(fp), 64);
	assert_string_equal(fp + 56, "BCBDBEBF");
	snprintf(line, sizeof(line), "f %s %.63s\n", fp, fp);
	assert_int_equal(docfmt_reader_init(&r, line, strlen(line), &l), 0);
	assert_int_equal(docfmt_next(&r, &it), PARSE_OK);
	assert_int_equal(docfmt_arg_fp(&it, 0, back), 0);
	assert_memory_equal(id, back, 32);
	assert_int_equal(docfmt_arg_fp(&it, 1, back), -1);
	/* Lower case is not the canonical spelling. */
	for (i = 0; i < 64; i++)
		if (fp[i] >= 'A')
			fp[i] = (char)(fp[i] - 'A' + 'a');
	snprintf(line, sizeof(line), "f %s\n", fp);
	assert_int_equal(docfmt_reader_init(&r, line, strlen(line), &l), 0);
	assert_int_equal(docfmt_next(&r, &it), PARSE_OK);
	assert_int_equal(docfmt_arg_fp(&it, 0, back), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokenize_good),
		cmocka_unit_test(test_tokenize_bad),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_policy_summary),
		cmocka_unit_test(test_fp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
