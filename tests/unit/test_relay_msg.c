/* Unit tests for core/proto/relay_msg: header, padding, bodies. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/relay_msg.h"
#include "lib/util.h"

static void
fill_ab(void *out, size_t n)
{
	memset(out, 0xAB, n);
}

static void
hex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(util_hex_decode(s, strlen(s), out, n), 0);
}

/* protocol-notes A.3: BEGIN plaintext with its digest filled in. */
static void
test_pack_golden(void **state)
{
	uint8_t pl[CELL_PAYLOAD_LEN], want[32];
	struct relay_header h;
	const uint8_t *data;
	size_t i;

	hex("01000000010a2e0d56000f6578616d706c652e636f6d3a383000000000000000",
	    want, 32);
	assert_int_equal(relay_msg_pack(pl, RELAY_BEGIN, 1,
	    (const uint8_t *)"example.com:80", 15, NULL), 0);
	be32_store(pl + RELAY_OFF_DIGEST, 0x0a2e0d56);
	assert_memory_equal(pl, want, 32);
	for (i = 26; i < CELL_PAYLOAD_LEN; i++)
		assert_int_equal(pl[i], 0);

	assert_int_equal(relay_msg_unpack(pl, &h, &data), PARSE_OK);
	assert_int_equal(h.rh_cmd, RELAY_BEGIN);
	assert_int_equal(h.rh_recognized, 0);
	assert_int_equal(h.rh_stream_id, 1);
	assert_int_equal(h.rh_digest, 0x0a2e0d56);
	assert_int_equal(h.rh_length, 15);
	assert_ptr_equal(data, pl + RELAY_HEADER_LEN);

	/* Round trip of every field. */
	h.rh_cmd = 0xFE; h.rh_recognized = 0x1234; h.rh_stream_id = 0xBEEF;
	h.rh_digest = 0xDEADBEEF; h.rh_length = RELAY_DATA_MAX;
	relay_header_pack(pl, &h);
	{
		struct relay_header g;

		relay_header_unpack(pl, &g);
		assert_int_equal(g.rh_cmd, 0xFE);
		assert_int_equal(g.rh_recognized, 0x1234);
		assert_int_equal(g.rh_stream_id, 0xBEEF);
		assert_int_equal(g.rh_digest, 0xDEADBEEF);
		assert_int_equal(g.rh_length, RELAY_DATA_MAX);
		assert_memory_equal(pl, "\xfe\x12\x34\xbe\xef\xde\xad\xbe\xef\x01\xf2", 11);
	}
	be16_store(pl + RELAY_OFF_LENGTH, RELAY_DATA_MAX + 1);
	assert_int_equal(relay_msg_unpack(pl, &h, &data), PARSE_ERROR);
	assert_int_equal(relay_msg_pack(pl, RELAY_DATA, 1, pl, RELAY_DATA_MAX + 1,
	    NULL), -1);
}

static void
test_padding(void **state)
{
	uint8_t pl[CELL_PAYLOAD_LEN];
	size_t i;

	memset(pl, 0x11, sizeof(pl));
	assert_int_equal(relay_msg_pack(pl, RELAY_DATA, 3, (const uint8_t *)"hi", 2,
	    fill_ab), 0);
	for (i = 13; i < 17; i++)
		assert_int_equal(pl[i], 0);
	for (i = 17; i < CELL_PAYLOAD_LEN; i++)
		assert_int_equal(pl[i], 0xAB);
	/* Nearly full: only part of the zero run fits, no random bytes. */
	memset(pl, 0x11, sizeof(pl));
	relay_msg_pad(pl, RELAY_DATA_MAX - 2, fill_ab);
	assert_int_equal(pl[507], 0);
	assert_int_equal(pl[508], 0);
	assert_int_equal(pl[506], 0x11);
	memset(pl, 0x11, sizeof(pl));
	relay_msg_pad(pl, RELAY_DATA_MAX, fill_ab);
	assert_int_equal(pl[508], 0x11);
}

static void
test_begin(void **state)
{
	struct relay_begin b;
	uint8_t buf[300];
	int n;

#define BEGIN_OK(s, typ, h, p) do {					\
		assert_int_equal(relay_begin_parse((const uint8_t *)s,	\
		    sizeof(s) - 1, &b), PARSE_OK);			\
		assert_int_equal(b.rb_host_type, typ);			\
		assert_string_equal(b.rb_host, h);			\
		assert_int_equal(b.rb_port, p);				\
	} while (0)
#define BEGIN_BAD(s) assert_int_equal(relay_begin_parse(		\
	    (const uint8_t *)s, sizeof(s) - 1, &b), PARSE_ERROR)

	BEGIN_OK("example.com:80\0", RELAY_HOST_NAME, "example.com", 80);
	BEGIN_OK("ExAmple.COM:443\0", RELAY_HOST_NAME, "example.com", 443);
	BEGIN_OK("127.0.0.1:65535\0", RELAY_HOST_IPV4, "127.0.0.1", 65535);
	assert_int_equal(b.rb_addr.ca_family, CELL_ADDR_IPV4);
	assert_int_equal(b.rb_addr.ca_addr[0], 127);
	BEGIN_OK("[::1]:1\0", RELAY_HOST_IPV6, "::1", 1);
	assert_int_equal(b.rb_addr.ca_addr[15], 1);
	assert_int_equal(b.rb_flags, 0);
	BEGIN_OK("a:22\0\x00\x00\x00\x05", RELAY_HOST_NAME, "a", 22);
	assert_int_equal(b.rb_flags, 5);

	BEGIN_BAD("example.com:80");		/* no NUL */
	BEGIN_BAD("example.com:0\0");
	BEGIN_BAD("example.com:65536\0");
	BEGIN_BAD("example.com:\0");
	BEGIN_BAD("example.com\0");
	BEGIN_BAD(":80\0");
	BEGIN_BAD("exa mple.com:80\0");
	BEGIN_BAD("exa/mple.com:80\0");
	BEGIN_BAD("example.com:+80\0");
	BEGIN_BAD("example.com:8a\0");
	BEGIN_BAD("::1:80\0");
	BEGIN_BAD("[::1:80\0");
	BEGIN_BAD("[zz]:80\0");
	BEGIN_BAD("[]:80\0");
	{
		char big[300];

		memset(big, 'a', 256);
		memcpy(big + 256, ":80", 4);
		assert_int_equal(relay_begin_parse((uint8_t *)big, 260, &b), PARSE_ERROR);
		memcpy(big + 255, ":80", 4);
		assert_int_equal(relay_begin_parse((uint8_t *)big, 259, &b), PARSE_OK);
		assert_int_equal(strlen(b.rb_host), 255);
	}

	n = relay_begin_encode(buf, sizeof(buf), "example.com", 80, 0);
	assert_int_equal(n, 15);
	assert_memory_equal(buf, "example.com:80", 15);
	n = relay_begin_encode(buf, sizeof(buf), "2001:db8::1", 443, BEGIN_FLAG_IPV6_OK);
	assert_int_equal(n, 22);
	assert_memory_equal(buf, "[2001:db8::1]:443\0\0\0\0\1", 22);
	assert_int_equal(relay_begin_parse(buf, (size_t)n, &b), PARSE_OK);
	assert_int_equal(b.rb_flags, BEGIN_FLAG_IPV6_OK);
	assert_int_equal(relay_begin_encode(buf, sizeof(buf), "a b", 80, 0), -1);
	assert_int_equal(relay_begin_encode(buf, sizeof(buf), "a", 0, 0), -1);
	assert_int_equal(relay_begin_encode(buf, 5, "abcd", 80, 0), -1);
#undef BEGIN_OK
#undef BEGIN_BAD
}

static void
test_resolve(void **state)
{
	char host[RELAY_HOST_MAX + 1];
	uint8_t buf[64];

	assert_int_equal(relay_resolve_encode(buf, sizeof(buf), "torproject.org"), 15);
	assert_int_equal(relay_resolve_parse(buf, 15, host), PARSE_OK);
	assert_string_equal(host, "torproject.org");
	assert_int_equal(relay_resolve_parse(buf, 14, host), PARSE_ERROR);
	assert_int_equal(relay_resolve_parse((const uint8_t *)"\0", 1, host), PARSE_ERROR);
	assert_int_equal(relay_resolve_encode(buf, sizeof(buf), "bad host"), -1);
}

static void
test_connected_end(void **state)
{
	static const uint8_t v4[] = { 10, 0, 0, 1, 0, 0, 0x0e, 0x10 };
	static const uint8_t v6[] = { 0, 0, 0, 0, 6, 0x20, 0x01, [20] = 1,
	    0, 0, 0, 60 };
	struct relay_connected c;
	struct relay_end e;
	uint8_t buf[32];

	assert_int_equal(relay_connected_parse(NULL, 0, &c), PARSE_OK);
	assert_int_equal(c.rc_addr.ca_family, CELL_ADDR_NONE);
	assert_int_equal(relay_connected_encode(buf, sizeof(buf), &c), 0);
	assert_int_equal(relay_connected_parse(v4, sizeof(v4), &c), PARSE_OK);
	assert_int_equal(c.rc_addr.ca_family, CELL_ADDR_IPV4);
	assert_int_equal(c.rc_ttl, 3600);
	assert_int_equal(relay_connected_encode(buf, sizeof(buf), &c), 8);
	assert_memory_equal(buf, v4, 8);
	assert_int_equal(relay_connected_parse(v6, sizeof(v6), &c), PARSE_OK);
	assert_int_equal(c.rc_addr.ca_family, CELL_ADDR_IPV6);
	assert_int_equal(c.rc_addr.ca_addr[15], 1);
	assert_int_equal(c.rc_ttl, 60);
	assert_int_equal(relay_connected_encode(buf, sizeof(buf), &c), 25);
	assert_memory_equal(buf, v6, 25);
	assert_int_equal(relay_connected_parse(v4, 7, &c), PARSE_ERROR);
	assert_int_equal(relay_connected_parse(v6, 24, &c), PARSE_ERROR);
	{
		uint8_t bad[25];

		memcpy(bad, v6, 25);
		bad[4] = 4;
		assert_int_equal(relay_connected_parse(bad, 25, &c), PARSE_ERROR);
	}

	assert_int_equal(relay_end_parse(NULL, 0, &e), PARSE_OK);
	assert_int_equal(e.re_reason, END_REASON_MISC);
	assert_int_equal(relay_end_parse((const uint8_t *)"\x07", 1, &e), PARSE_OK);
	assert_int_equal(e.re_reason, END_REASON_TIMEOUT);
	{
		static const uint8_t ep[] = { 4, 1, 2, 3, 4, 0, 0, 1, 0 };

		assert_int_equal(relay_end_parse(ep, sizeof(ep), &e), PARSE_OK);
		assert_int_equal(e.re_reason, END_REASON_EXITPOLICY);
		assert_int_equal(e.re_addr.ca_family, CELL_ADDR_IPV4);
		assert_int_equal(e.re_addr.ca_addr[3], 4);
		assert_int_equal(e.re_ttl, 256);
		assert_int_equal(relay_end_encode(buf, sizeof(buf), &e), 9);
		assert_memory_equal(buf, ep, 9);
	}
	e.re_reason = END_REASON_DONE;
	assert_int_equal(relay_end_encode(buf, sizeof(buf), &e), 1);
	assert_int_equal(buf[0], 6);
}

static void
test_resolved(void **state)
{
	uint8_t buf[128];
	struct relay_resolved r;
	struct bwr w;
	static const uint8_t ip4[4] = { 1, 2, 3, 4 };
	static const uint8_t ip6[16] = { 0xfe, 0x80, [15] = 9 };

	bwr_init(&w, buf, sizeof(buf));
	relay_resolved_add(&w, RESOLVED_TYPE_IPV4, ip4, 4, 300);
	relay_resolved_add(&w, RESOLVED_TYPE_IPV6, ip6, 16, 301);
	relay_resolved_add(&w, RESOLVED_TYPE_HOSTNAME, "a.example", 9, 302);
	assert_false(w.w_err);
	assert_int_equal(w.w_off, 10 + 22 + 15);
	assert_int_equal(buf[0], 4);
	assert_int_equal(buf[1], 4);
	assert_int_equal(buf[9], 0x2c);
	assert_int_equal(relay_resolved_parse(buf, w.w_off, &r), PARSE_OK);
	assert_int_equal(r.rr_n, 3);
	assert_false(r.rr_error);
	assert_memory_equal(r.rr_answers[0].ra_value, ip4, 4);
	assert_int_equal(r.rr_answers[1].ra_ttl, 301);
	assert_int_equal(r.rr_answers[2].ra_len, 9);
	assert_int_equal(relay_resolved_parse(buf, w.w_off - 1, &r), PARSE_ERROR);

	bwr_init(&w, buf, sizeof(buf));
	relay_resolved_add(&w, RESOLVED_TYPE_ERR_PERMANENT, NULL, 0, 0);
	assert_int_equal(relay_resolved_parse(buf, w.w_off, &r), PARSE_OK);
	assert_true(r.rr_error);
	bwr_init(&w, buf, sizeof(buf));
	relay_resolved_add(&w, RESOLVED_TYPE_IPV4, ip6, 5, 0);
	assert_int_equal(relay_resolved_parse(buf, w.w_off, &r), PARSE_ERROR);
	bwr_init(&w, buf, 8);
	relay_resolved_add(&w, RESOLVED_TYPE_IPV4, ip4, 4, 0);
	assert_true(w.w_err);
}

static void
test_sendme(void **state)
{
	uint8_t d[SENDME_DIGEST_LEN], buf[32];
	struct relay_sendme s;
	size_t i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i + 1);
	assert_int_equal(relay_sendme_encode_v1(buf, sizeof(buf), d), 23);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[2], 20);
	assert_int_equal(relay_sendme_parse(buf, 23, &s), PARSE_OK);
	assert_int_equal(s.rs_version, 1);
	assert_memory_equal(s.rs_digest, d, 20);
	assert_int_equal(relay_sendme_parse(buf, 22, &s), PARSE_ERROR);
	assert_int_equal(relay_sendme_parse(NULL, 0, &s), PARSE_OK);
	assert_int_equal(s.rs_version, 0);
	assert_int_equal(relay_sendme_parse((const uint8_t *)"\0\0\0", 3, &s), PARSE_OK);
	assert_int_equal(relay_sendme_parse((const uint8_t *)"\2\0\0", 3, &s), PARSE_ERROR);
	assert_int_equal(relay_sendme_parse((const uint8_t *)"\1\0\0", 3, &s), PARSE_ERROR);
	assert_int_equal(relay_sendme_encode_v1(buf, 22, d), -1);
}

static void
test_extend2(void **state)
{
	struct relay_extend2 e, g;
	uint8_t buf[RELAY_DATA_MAX], hdata[84];
	int n;

	memset(&e, 0, sizeof(e));
	memset(hdata, 0x5A, sizeof(hdata));
	e.e2_has_ipv4 = true;
	memcpy(e.e2_ipv4, "\x7f\x02\x00\x01", 4);
	e.e2_ipv4_port = 9001;
	e.e2_has_ed25519 = true;
	memset(e.e2_ed25519, 0xED, 32);
	e.e2_create.c2_htype = CREATE2_HTYPE_NTOR;
	e.e2_create.c2_hlen = 84;
	e.e2_create.c2_hdata = hdata;
	n = relay_extend2_encode(buf, sizeof(buf), &e);
	assert_int_equal(n, 1 + 8 + 34 + 4 + 84);
	assert_memory_equal(buf, "\x02\x00\x06\x7f\x02\x00\x01\x23\x29\x03\x20", 11);
	assert_int_equal(relay_extend2_parse(buf, (size_t)n, &g), PARSE_OK);
	assert_true(g.e2_has_ipv4);
	assert_int_equal(g.e2_ipv4_port, 9001);
	assert_true(g.e2_has_ed25519);
	assert_memory_equal(g.e2_ed25519, e.e2_ed25519, 32);
	assert_false(g.e2_has_ipv6);
	assert_int_equal(g.e2_create.c2_hlen, 84);
	assert_memory_equal(g.e2_create.c2_hdata, hdata, 84);
	assert_int_equal(relay_extend2_parse(buf, (size_t)n - 1, &g), PARSE_ERROR);

	/* Legacy id accepted, unknown type skipped, IPv6. */
	{
		uint8_t m[128];
		size_t o = 0;

		m[o++] = 3;
		m[o++] = LS_LEGACY_ID; m[o++] = 20; memset(m + o, 1, 20); o += 20;
		m[o++] = 0x77; m[o++] = 2; m[o++] = 9; m[o++] = 9;
		m[o++] = LS_IPV6; m[o++] = 18; memset(m + o, 0, 18);
		m[o + 15] = 1; m[o + 16] = 0x01; m[o + 17] = 0xBB; o += 18;
		m[o++] = 0; m[o++] = 2; m[o++] = 0; m[o++] = 0;
		assert_int_equal(relay_extend2_parse(m, o, &g), PARSE_OK);
		assert_true(g.e2_has_legacy_id);
		assert_true(g.e2_has_ipv6);
		assert_int_equal(g.e2_ipv6_port, 443);
		assert_false(g.e2_has_ed25519);
		assert_int_equal(g.e2_create.c2_hlen, 0);
		/* Wrong length for a known type. */
		m[2] = 19;
		assert_int_equal(relay_extend2_parse(m, o, &g), PARSE_ERROR);
	}
	/* Two Ed25519 identities. */
	{
		uint8_t m[1 + 2 * 34 + 4];

		m[0] = 2;
		m[1] = LS_ED25519_ID; m[2] = 32; memset(m + 3, 1, 32);
		m[35] = LS_ED25519_ID; m[36] = 32; memset(m + 37, 2, 32);
		memset(m + 69, 0, 4);
		assert_int_equal(relay_extend2_parse(m, sizeof(m), &g), PARSE_ERROR);
		m[0] = 1;
		assert_int_equal(relay_extend2_parse(m, 35 + 4, &g), PARSE_ERROR);
		memset(m + 35, 0, 4);
		assert_int_equal(relay_extend2_parse(m, 35 + 4, &g), PARSE_OK);
	}
	assert_int_equal(relay_extend2_encode(buf, 50, &e), -1);
}

static void
test_names(void **state)
{
	assert_string_equal(relay_command_name(RELAY_BEGIN), "BEGIN");
	assert_string_equal(relay_command_name(RELAY_EXTENDED2), "EXTENDED2");
	assert_string_equal(relay_command_name(200), "UNKNOWN");
	assert_string_equal(relay_command_name(16), "UNKNOWN");
	assert_true(relay_command_needs_stream(RELAY_DATA));
	assert_true(relay_command_needs_stream(RELAY_BEGIN_DIR));
	assert_false(relay_command_needs_stream(RELAY_EXTEND2));
	assert_false(relay_command_needs_stream(RELAY_SENDME));
	assert_int_equal(relay_truncated_reason((const uint8_t *)"\x08", 1), 8);
	assert_int_equal(relay_truncated_reason(NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_golden),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_begin),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_connected_end),
		cmocka_unit_test(test_resolved),
		cmocka_unit_test(test_sendme),
		cmocka_unit_test(test_extend2),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
