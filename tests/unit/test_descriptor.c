/* Unit tests for feature/dir/descriptor: build, sign, parse, verify, reject. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feature/dir/descriptor.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/util.h"

static ed25519_key_t *key_a, *key_b;

static int
setup(void **state)
{
	crypto_global_init();
	key_a = ed25519_generate();
	key_b = ed25519_generate();
	return key_a && key_b ? 0 : -1;
}

static int
teardown(void **state)
{
	ed25519_free(key_a);
	ed25519_free(key_b);
	return 0;
}

static void
make_desc(struct relay_descriptor *d, const ed25519_key_t *k)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	strcpy(d->rd_nickname, "relay1");
	d->rd_ipv4 = 0x7f010001;
	d->rd_or_port = 9001;
	d->rd_has_ipv6 = true;
	d->rd_ipv6[15] = 1;
	d->rd_ipv6_port = 9002;
	memcpy(d->rd_identity, ed25519_public(k), 32);
	for (i = 0; i < 32; i++)
		d->rd_onion_key[i] = (uint8_t)(i * 3 + 1);
	d->rd_bw_avg = 1000000;
	d->rd_bw_burst = 2000000;
	d->rd_bw_observed = 750000;
	assert_int_equal(policy_summary_parse("accept 80,443,1000-2000", &d->rd_policy), 0);
	memset(d->rd_family[0], 0xAB, 32);
	memset(d->rd_family[1], 0xCD, 32);
	d->rd_n_family = 2;
	strcpy(d->rd_platform, "tord 0.1.0 on Linux");
	d->rd_published = 1700000000;
	d->rd_uptime = 3600;
	d->rd_is_exit = true;
	for (i = 0; i < DESC_NONCE_LEN; i++)
		d->rd_nonce[i] = (uint8_t)(0xF0 ^ i);
}

static char *
build(const ed25519_key_t *k, size_t *len)
{
	struct relay_descriptor d;
	char *s;

	make_desc(&d, k);
	s = descriptor_build(&d, k, len);
	assert_non_null(s);
	return s;
}

/* Replace the signature of doc with a fresh one by k over its body. */
static char *
resign(const char *doc, const ed25519_key_t *k)
{
	const char *kw = strstr(doc, "router-sig-ed25519 ");
	size_t blen;
	uint8_t dg[32], sig[64];
	char b64[DOCFMT_B64_LEN(64)];
	char *out;

	assert_non_null(kw);
	blen = (size_t)(kw - doc) + strlen("router-sig-ed25519 ");
	descriptor_digest(doc, blen, dg);
	assert_int_equal(ed25519_sign(k, dg, 32, sig), 0);
	docfmt_b64_encode(sig, 64, b64);
	out = xasprintf("%.*s%s\n", (int)blen, doc, b64);
	return out;
}

/*
 * Edit doc: replace the first line starting with prefix by repl (which
 * may hold several lines, or be "" to delete the line).
 */
static char *
edit(const char *doc, const char *prefix, const char *repl)
{
	const char *p = strstr(doc, prefix), *eol;

	assert_non_null(p);
	eol = strchr(p, '\n');
	assert_non_null(eol);
	return xasprintf("%.*s%s%s", (int)(p - doc), doc, repl, eol + 1);
}

static void
expect_reject(const char *doc, const char *why)
{
	struct relay_descriptor d;
	struct docfmt_reason r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(descriptor_parse(doc, strlen(doc), &d, &r), PARSE_ERROR);
	if (strstr(r.msg, why) == NULL)
		fail_msg("expected reason '%s', got '%s'", why, r.msg);
}

static void
test_roundtrip(void **state)
{
	struct relay_descriptor in, out;
	struct docfmt_reason r;
	size_t len;
	char *doc = build(key_a, &len);

	assert_int_equal(strlen(doc), len);
	assert_memory_equal(doc, "router relay1 127.1.0.1 9001\nor-address [::1]:9002\n", 50);
	assert_non_null(strstr(doc, "\np accept 80,443,1000-2000\n"));
	assert_int_equal(descriptor_parse(doc, len, &out, &r), PARSE_OK);
	make_desc(&in, key_a);
	assert_string_equal(out.rd_nickname, in.rd_nickname);
	assert_int_equal(out.rd_ipv4, in.rd_ipv4);
	assert_int_equal(out.rd_or_port, 9001);
	assert_true(out.rd_has_ipv6);
	assert_memory_equal(out.rd_ipv6, in.rd_ipv6, 16);
	assert_int_equal(out.rd_ipv6_port, 9002);
	assert_memory_equal(out.rd_identity, ed25519_public(key_a), 32);
	assert_memory_equal(out.rd_onion_key, in.rd_onion_key, 32);
	assert_true(out.rd_bw_avg == 1000000 && out.rd_bw_burst == 2000000 &&
	    out.rd_bw_observed == 750000);
	assert_int_equal(out.rd_n_family, 2);
	assert_memory_equal(out.rd_family, in.rd_family, 64);
	assert_string_equal(out.rd_platform, "tord 0.1.0 on Linux");
	assert_true(out.rd_published == 1700000000);
	assert_true(out.rd_uptime == 3600);
	assert_true(out.rd_is_exit);
	assert_memory_equal(out.rd_nonce, in.rd_nonce, DESC_NONCE_LEN);
	assert_true(policy_summary_allows(&out.rd_policy, 1500));
	assert_false(policy_summary_allows(&out.rd_policy, 22));
	free(doc);

	/* Minimal descriptor: no IPv6, family or platform; not an exit. */
	make_desc(&in, key_a);
	in.rd_has_ipv6 = false;
	in.rd_n_family = 0;
	in.rd_platform[0] = '\0';
	in.rd_is_exit = false;
	policy_summary_reject_all(&in.rd_policy);
	doc = descriptor_build(&in, key_a, &len);
	assert_non_null(doc);
	assert_null(strstr(doc, "family"));
	assert_int_equal(descriptor_parse(doc, len, &out, &r), PARSE_OK);
	assert_false(out.rd_has_ipv6 || out.rd_is_exit);
	assert_int_equal(out.rd_n_family, 0);
	assert_false(policy_summary_allows_any(&out.rd_policy));
	free(doc);
}

static void
test_build_refuses(void **state)
{
	struct relay_descriptor d;
	ed25519_key_t *pub = ed25519_from_public(ed25519_public(key_a));
	size_t len;

	make_desc(&d, key_a);
	assert_null(descriptor_build(&d, key_b, &len));	/* key is not the identity */
	assert_null(descriptor_build(&d, pub, &len));	/* no secret */
	strcpy(d.rd_nickname, "bad name");
	assert_null(descriptor_build(&d, key_a, &len));
	make_desc(&d, key_a);
	d.rd_or_port = 0;
	assert_null(descriptor_build(&d, key_a, &len));
	ed25519_free(pub);
}

static void
test_tampered(void **state)
{
	size_t len;
	char *doc = build(key_a, &len), *bad, *p;

	/* Any change after signing breaks the signature, the nonce included. */
	bad = xstrdup(doc);
	p = strstr(bad, "bandwidth 1000000");
	p[10] = '9';
	expect_reject(bad, "bad signature");
	free(bad);
	bad = xstrdup(doc);
	p = strstr(bad, "challenge ") + strlen("challenge ");
	*p = *p == '0' ? '1' : '0';
	expect_reject(bad, "bad signature");
	free(bad);
	/* Signed by key B while claiming identity A. */
	bad = resign(doc, key_b);
	expect_reject(bad, "bad signature");
	free(bad);
	/* Claims identity B, signed by A. */
	{
		char fp[DOCFMT_FP_HEXLEN + 2 + 12], *swapped, *signed_;

		docfmt_fp_encode(ed25519_public(key_b), fp + 12);
		memcpy(fp, "fingerprint ", 12);
		strcat(fp, "\n");
		swapped = edit(doc, "fingerprint ", fp);
		signed_ = resign(swapped, key_a);
		expect_reject(signed_, "bad signature");
		free(swapped);
		free(signed_);
	}
	/* Unknown items are skipped but stay covered by the signature. */
	bad = edit(doc, "uptime ", "uptime 3600\nfuture-item 1 2 3\n");
	expect_reject(bad, "bad signature");
	p = resign(bad, key_a);
	{
		struct relay_descriptor d;
		struct docfmt_reason r;

		assert_int_equal(descriptor_parse(p, strlen(p), &d, &r), PARSE_OK);
	}
	free(p);
	free(bad);
	free(doc);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *prefix, *repl, *why;
	} cases[] = {
		{ "published ", "published 2023-11-14 22:13:20\npublished 2023-11-14 22:13:20\n",
		  "duplicate item 'published'" },
		{ "uptime ", "", "missing item 'uptime'" },
		{ "challenge ", "", "missing item 'challenge'" },
		{ "fingerprint ", "fingerprint ABCD\n", "bad fingerprint" },
		{ "ntor-onion-key ", "ntor-onion-key AAAA\n", "bad ntor-onion-key" },
		{ "router ", "router abcdefghijklmnopqrst 127.1.0.1 9001\n", "bad nickname" },
		{ "router ", "router relay1 127.1.0.256 9001\n", "bad IPv4 address" },
		{ "router ", "router relay1 127.1.0.1 0\n", "bad OR port" },
		{ "router ", "uptime 1\nrouter relay1 127.1.0.1 9001\n", "first item is not router" },
		{ "or-address ", "or-address ::1:9002\n", "bad or-address" },
		{ "bandwidth ", "bandwidth 1 2\n", "wrong number of arguments to 'bandwidth'" },
		{ "bandwidth ", "bandwidth 1 2 x\n", "bad bandwidth" },
		{ "published ", "published 2023-13-14 22:13:20\n", "bad published time" },
		{ "p ", "p accept 443,80\n", "bad exit-policy summary" },
		{ "exit ", "exit maybe\n", "bad exit item" },
		{ "challenge ", "challenge 00ff\n", "bad challenge nonce" },
		{ "family ", "family 00\n", "bad family fingerprint" },
		{ "uptime ", "uptime  3600\n", "extra space" },
	};
	size_t len, i;
	char *doc = build(key_a, &len);

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		char *bad = edit(doc, cases[i].prefix, cases[i].repl);
		char *signed_ = resign(bad, key_a);

		expect_reject(signed_, cases[i].why);
		free(bad);
		free(signed_);
	}
	/* Cases that cannot be re-signed the ordinary way. */
	{
		char *bad = xasprintf("%sextra 1\n", doc);

		expect_reject(bad, "item after router-sig-ed25519");
		free(bad);
		bad = edit(doc, "router-sig-ed25519 ", "router-sig-ed25519 AAAA\n");
		expect_reject(bad, "bad signature encoding");
		free(bad);
		bad = xstrndup(doc, len - 1);
		expect_reject(bad, "missing final newline");
		free(bad);
		bad = xcalloc(1, DESC_MAX_LEN + 2);
		memset(bad, 'a', DESC_MAX_LEN + 1);
		expect_reject(bad, "too large");
		free(bad);
		expect_reject("", "empty");
	}
	free(doc);
}

static void
test_check(void **state)
{
	struct relay_descriptor d;
	struct docfmt_reason r;
	uint8_t other[DESC_NONCE_LEN];

	make_desc(&d, key_a);
	assert_int_equal(descriptor_check(&d, 1700000000 + 60, 300, d.rd_nonce, &r), 0);
	assert_int_equal(descriptor_check(&d, 1700000000 + 60, 300, NULL, &r), 0);
	memcpy(other, d.rd_nonce, sizeof(other));
	other[5] ^= 1;
	assert_int_equal(descriptor_check(&d, 1700000000, 300, other, &r), -1);
	assert_non_null(strstr(r.msg, "nonce"));
	assert_int_equal(descriptor_check(&d, 1700000000 + 301, 300, NULL, &r), -1);
	assert_non_null(strstr(r.msg, "too long ago"));
	assert_int_equal(descriptor_check(&d, 1700000000 - 301, 300, NULL, &r), -1);
	assert_non_null(strstr(r.msg, "future"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
