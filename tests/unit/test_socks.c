/*
 * Unit tests for core/proto/socks.  Every case runs twice, with the input
 * all at once and one byte at a time, and the two runs must agree on the
 * result, the bytes queued for the client, the request, and the bytes
 * left over (optimistic data).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/socks.h"

struct run {
	enum socks_result	res;
	uint8_t			out[128];
	size_t			out_len;
	size_t			left;	/* input bytes not consumed */
	struct socks_parser	sp;
};

static void
run_whole(const uint8_t *in, size_t len, struct run *r)
{
	size_t used;

	memset(r, 0, sizeof(*r));
	socks_parser_init(&r->sp);
	r->res = socks_parse(&r->sp, in, len, &used);
	memcpy(r->out, r->sp.sp_out, r->sp.sp_out_len);
	r->out_len = r->sp.sp_out_len;
	socks_out_clear(&r->sp);
	r->left = len - used;
	/* A finished parser stays finished and consumes nothing more. */
	if (r->res != SOCKS_NEED_MORE) {
		assert_int_equal(socks_parse(&r->sp, in + used, len - used, &used), r->res);
		assert_int_equal(used, 0);
		assert_int_equal(r->sp.sp_out_len, 0);
	}
}

static void
run_bytewise(const uint8_t *in, size_t len, struct run *r)
{
	uint8_t buf[2048];
	size_t have = 0, i, used;

	assert_true(len <= sizeof(buf));
	memset(r, 0, sizeof(*r));
	socks_parser_init(&r->sp);
	r->res = SOCKS_NEED_MORE;
	for (i = 0; i < len && r->res == SOCKS_NEED_MORE; i++) {
		buf[have++] = in[i];
		r->res = socks_parse(&r->sp, buf, have, &used);
		assert_true(used <= have);
		memmove(buf, buf + used, have - used);
		have -= used;
		assert_true(r->out_len + r->sp.sp_out_len <= sizeof(r->out));
		memcpy(r->out + r->out_len, r->sp.sp_out, r->sp.sp_out_len);
		r->out_len += r->sp.sp_out_len;
		socks_out_clear(&r->sp);
	}
	r->left = have + (len - i);
}

/* Run both ways, check they agree, return the whole-input run. */
static void
run_both(const void *in, size_t len, struct run *r)
{
	struct run b;

	run_whole(in, len, r);
	run_bytewise(in, len, &b);
	assert_int_equal(r->res, b.res);
	assert_int_equal(r->out_len, b.out_len);
	assert_memory_equal(r->out, b.out, r->out_len);
	assert_int_equal(r->left, b.left);
	assert_memory_equal(&r->sp.sp_req, &b.sp.sp_req, sizeof(r->sp.sp_req));
}

#define RUN(lit, r) run_both(lit, sizeof(lit) - 1, r)

static const uint8_t rep_zero[] = { 0, 1, 0, 0, 0, 0, 0, 0 };

static void
assert_refusal5(const struct run *r, size_t off, uint8_t rep)
{
	assert_int_equal(r->res, SOCKS_ERROR);
	assert_int_equal(r->out_len, off + 10);
	assert_int_equal(r->out[off], 5);
	assert_int_equal(r->out[off + 1], rep);
	assert_memory_equal(r->out + off + 2, rep_zero, 8);
}

static void
test_socks5_noauth_connect(void **state)
{
	struct run r;
	const struct socks_request *q = &r.sp.sp_req;

	RUN("\x05\x01\x00" "\x05\x01\x00\x03\x0b" "example.com" "\x00\x50", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(r.out_len, 2);
	assert_memory_equal(r.out, "\x05\x00", 2);
	assert_int_equal(r.left, 0);
	assert_int_equal(q->sr_version, 5);
	assert_int_equal(q->sr_command, SOCKS_CMD_CONNECT);
	assert_int_equal(q->sr_target.st_type, SOCKS_ADDR_NAME);
	assert_string_equal(q->sr_target.st_host, "example.com");
	assert_int_equal(q->sr_target.st_port, 80);
	assert_false(q->sr_has_auth);

	/* Optimistic data stays in the caller's buffer. */
	RUN("\x05\x01\x00" "\x05\x01\x00\x03\x01" "a" "\x01\xbb" "GET /", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(r.left, 5);
	assert_int_equal(q->sr_target.st_port, 443);

	/* Truncated: need more, nothing queued past the greeting. */
	RUN("\x05\x01\x00" "\x05\x01\x00\x03\x0b" "exam", &r);
	assert_int_equal(r.res, SOCKS_NEED_MORE);
	assert_int_equal(r.out_len, 2);
	assert_int_equal(r.left, 9);
}

static void
test_socks5_userpass(void **state)
{
	struct run r;
	const struct socks_request *q = &r.sp.sp_req;

	/* 0x02 preferred when offered, in any position. */
	RUN("\x05\x02\x00\x02" "\x01\x04user\x04pass"
	    "\x05\x01\x00\x01\x7f\x00\x00\x01\x1f\x90", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(r.out_len, 4);
	assert_memory_equal(r.out, "\x05\x02\x01\x00", 4);
	assert_true(q->sr_has_auth);
	assert_int_equal(q->sr_user_len, 4);
	assert_memory_equal(q->sr_user, "user", 4);
	assert_int_equal(q->sr_pass_len, 4);
	assert_memory_equal(q->sr_pass, "pass", 4);
	assert_int_equal(q->sr_target.st_type, SOCKS_ADDR_IPV4);
	assert_string_equal(q->sr_target.st_host, "127.0.0.1");
	assert_memory_equal(q->sr_target.st_addr, "\x7f\x00\x00\x01", 4);
	assert_int_equal(q->sr_target.st_port, 8080);

	/* Empty fields are fine. */
	RUN("\x05\x01\x02" "\x01\x00\x00" "\x05\xf0\x00\x03\x01x\x00\x00", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_true(q->sr_has_auth);
	assert_int_equal(q->sr_user_len, 0);
	assert_int_equal(q->sr_command, SOCKS_CMD_RESOLVE);
	assert_int_equal(q->sr_target.st_port, 0);	/* port 0 fine for RESOLVE */

	/* User/pass after choosing no-auth is accepted, as Tor does. */
	RUN("\x05\x01\x00" "\x01\x01u\x01p" "\x05\x01\x00\x01\x01\x02\x03\x04\x00\x50", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_memory_equal(r.out, "\x05\x00\x01\x00", 4);
	assert_true(q->sr_has_auth);

	/* Bad subnegotiation version. */
	RUN("\x05\x01\x02" "\x02\x00\x00", &r);
	assert_int_equal(r.res, SOCKS_ERROR);
	assert_memory_equal(r.out, "\x05\x02\x01\x01", 4);

	/* Longest credentials the protocol allows. */
	{
		uint8_t m[3 + 3 + 255 + 255 + 10];
		size_t o = 0;

		memcpy(m, "\x05\x01\x02", 3); o = 3;
		m[o++] = 1; m[o++] = 255; memset(m + o, 'u', 255); o += 255;
		m[o++] = 255; memset(m + o, 'p', 255); o += 255;
		memcpy(m + o, "\x05\x01\x00\x01\x01\x02\x03\x04\x00\x50", 10); o += 10;
		run_both(m, o, &r);
		assert_int_equal(r.res, SOCKS_DONE);
		assert_int_equal(q->sr_user_len, 255);
		assert_int_equal(q->sr_pass_len, 255);
		assert_int_equal(q->sr_pass[254], 'p');
	}
}

static void
test_socks5_refusals(void **state)
{
	struct run r;

	RUN("\x05\x01\x01", &r);		/* GSSAPI only */
	assert_int_equal(r.res, SOCKS_ERROR);
	assert_int_equal(r.out_len, 2);
	assert_memory_equal(r.out, "\x05\xff", 2);
	RUN("\x05\x00", &r);			/* no methods */
	assert_int_equal(r.res, SOCKS_ERROR);
	assert_memory_equal(r.out, "\x05\xff", 2);

	RUN("\x05\x01\x00" "\x05\x02\x00\x01\x01\x02\x03\x04\x00\x50", &r);
	assert_refusal5(&r, 2, SOCKS5_COMMAND_NOT_SUPPORTED);	/* BIND */
	RUN("\x05\x01\x00" "\x05\x03", &r);			/* UDP, early */
	assert_refusal5(&r, 2, SOCKS5_COMMAND_NOT_SUPPORTED);
	RUN("\x05\x01\x00" "\x05\x01\x00\x05", &r);
	assert_refusal5(&r, 2, SOCKS5_ADDRESS_NOT_SUPPORTED);
	RUN("\x05\x01\x00" "\x05\x01\x00\x03\x00\x00\x50", &r);	/* empty name */
	assert_refusal5(&r, 2, SOCKS5_GENERAL_FAILURE);
	RUN("\x05\x01\x00" "\x05\x01\x00\x03\x03" "a b" "\x00\x50", &r);
	assert_refusal5(&r, 2, SOCKS5_GENERAL_FAILURE);
	RUN("\x05\x01\x00" "\x05\x01\x00\x01\x01\x02\x03\x04\x00\x00", &r);
	assert_refusal5(&r, 2, SOCKS5_GENERAL_FAILURE);		/* port 0 */
	RUN("\x05\x01\x00" "\x04\x01", &r);			/* wrong version */
	assert_refusal5(&r, 2, SOCKS5_GENERAL_FAILURE);

	RUN("\x01\x02", &r);			/* unknown first byte */
	assert_int_equal(r.res, SOCKS_ERROR);
	assert_int_equal(r.out_len, 0);
}

static void
test_socks5_ipv6_ptr(void **state)
{
	struct run r;
	const struct socks_request *q = &r.sp.sp_req;

	RUN("\x05\x01\x00" "\x05\x01\x00\x04"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x00\x16", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(q->sr_target.st_type, SOCKS_ADDR_IPV6);
	assert_string_equal(q->sr_target.st_host, "2001:db8::1");
	assert_int_equal(q->sr_target.st_port, 22);

	RUN("\x05\x01\x00" "\x05\xf1\x00\x01\x08\x08\x04\x04\x00\x00", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(q->sr_command, SOCKS_CMD_RESOLVE_PTR);
	assert_string_equal(q->sr_target.st_host, "8.8.4.4");
}

static void
test_socks4(void **state)
{
	struct run r;
	const struct socks_request *q = &r.sp.sp_req;

	RUN("\x04\x01\x00\x50\x01\x02\x03\x04" "alice\x00", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(r.out_len, 0);
	assert_int_equal(q->sr_version, 4);
	assert_false(q->sr_socks4a);
	assert_int_equal(q->sr_target.st_type, SOCKS_ADDR_IPV4);
	assert_string_equal(q->sr_target.st_host, "1.2.3.4");
	assert_int_equal(q->sr_target.st_port, 80);
	assert_true(q->sr_has_auth);
	assert_int_equal(q->sr_user_len, 5);
	assert_memory_equal(q->sr_user, "alice", 5);

	RUN("\x04\x01\x01\xbb\x00\x00\x00\x07" "\x00" "Example.org\x00" "data", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_true(q->sr_socks4a);
	assert_false(q->sr_has_auth);
	assert_int_equal(q->sr_target.st_type, SOCKS_ADDR_NAME);
	assert_string_equal(q->sr_target.st_host, "Example.org");
	assert_int_equal(q->sr_target.st_port, 443);
	assert_int_equal(r.left, 4);

	RUN("\x04\xf0\x00\x00\x00\x00\x00\x01" "\x00" "torproject.org\x00", &r);
	assert_int_equal(r.res, SOCKS_DONE);
	assert_int_equal(q->sr_command, SOCKS_CMD_RESOLVE);

	RUN("\x04\x02", &r);		/* BIND: refused at once */
	assert_int_equal(r.res, SOCKS_ERROR);
	assert_int_equal(r.out_len, 8);
	assert_memory_equal(r.out, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8);
	RUN("\x04\x01\x00\x00\x01\x02\x03\x04\x00", &r);	/* port 0 */
	assert_int_equal(r.res, SOCKS_ERROR);
	RUN("\x04\x01\x00\x50\x00\x00\x00\x01\x00\x00", &r);	/* empty 4a host */
	assert_int_equal(r.res, SOCKS_ERROR);
	RUN("\x04\x01\x00\x50\x01\x02\x03\x04" "ali", &r);
	assert_int_equal(r.res, SOCKS_NEED_MORE);
	assert_int_equal(r.left, 11);

	/* USERID bound: 255 bytes fit, 256 do not (refused before more). */
	{
		uint8_t m[8 + 300];

		memcpy(m, "\x04\x01\x00\x50\x01\x02\x03\x04", 8);
		memset(m + 8, 'u', 300);
		m[8 + 255] = 0;
		run_both(m, 8 + 256, &r);
		assert_int_equal(r.res, SOCKS_DONE);
		assert_int_equal(q->sr_user_len, 255);
		m[8 + 255] = 'u';
		run_both(m, 8 + 256, &r);
		assert_int_equal(r.res, SOCKS_ERROR);
		run_both(m, 8 + 255, &r);
		assert_int_equal(r.res, SOCKS_NEED_MORE);
	}
	/* Host bound for 4a. */
	{
		uint8_t m[9 + 300];

		memcpy(m, "\x04\x01\x00\x50\x00\x00\x00\x01\x00", 9);
		memset(m + 9, 'h', 300);
		run_both(m, 9 + 257, &r);
		assert_int_equal(r.res, SOCKS_ERROR);
	}
}

static void
test_http_detect(void **state)
{
	static const char *const reqs[] = { "GET / HTTP/1.1\r\n", "HEAD /",
	    "POST /x", "PUT /y", "CONNECT example.com:443 HTTP/1.1\r\n" };
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		run_both(reqs[i], strlen(reqs[i]), &r);
		assert_int_equal(r.res, SOCKS_HTTP);
		assert_int_equal(r.out_len, 0);
		assert_int_equal(r.left, strlen(reqs[i]));
	}
	assert_memory_equal(SOCKS_HTTP_501_RESPONSE, "HTTP/1.0 501 ", 13);
	assert_non_null(strstr(SOCKS_HTTP_501_RESPONSE, "\r\n\r\n"));
	assert_non_null(strstr(SOCKS_HTTP_501_RESPONSE, "socks5h://"));
}

static void
test_replies(void **state)
{
	struct socks_target t;
	struct socks_request req;
	uint8_t out[300];

	assert_int_equal(socks5_reply_encode(out, sizeof(out), 0, NULL), 10);
	assert_memory_equal(out, "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
	assert_int_equal(socks5_reply_encode(out, 9, 0, NULL), 0);

	memset(&t, 0, sizeof(t));
	t.st_type = SOCKS_ADDR_IPV4;
	memcpy(t.st_addr, "\x01\x02\x03\x04", 4);
	assert_int_equal(socks5_reply_encode(out, sizeof(out), 0, &t), 10);
	assert_memory_equal(out, "\x05\x00\x00\x01\x01\x02\x03\x04\x00\x00", 10);
	t.st_type = SOCKS_ADDR_IPV6;
	memset(t.st_addr, 0, 16);
	t.st_addr[15] = 1;
	assert_int_equal(socks5_reply_encode(out, sizeof(out), 0, &t), 22);
	assert_int_equal(out[3], 4);
	assert_int_equal(out[19], 1);
	t.st_type = SOCKS_ADDR_NAME;
	strcpy(t.st_host, "dns.example");
	assert_int_equal(socks5_reply_encode(out, sizeof(out), 0, &t), 7 + 11);
	assert_memory_equal(out, "\x05\x00\x00\x03\x0b" "dns.example\x00\x00", 18);
	t.st_host[0] = '\0';
	assert_int_equal(socks5_reply_encode(out, sizeof(out), 0, &t), 0);

	socks4_reply_encode(out, SOCKS4_GRANTED, 0, NULL);
	assert_memory_equal(out, "\x00\x5a\x00\x00\x00\x00\x00\x00", 8);

	memset(&req, 0, sizeof(req));
	req.sr_version = 4;
	assert_int_equal(socks_reply_encode(&req, out, sizeof(out),
	    SOCKS5_TTL_EXPIRED, NULL), 8);
	assert_memory_equal(out, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8);
	t.st_type = SOCKS_ADDR_IPV4;
	memcpy(t.st_addr, "\x0a\x00\x00\x02", 4);
	assert_int_equal(socks_reply_encode(&req, out, sizeof(out), 0, &t), 8);
	assert_memory_equal(out, "\x00\x5a\x00\x00\x0a\x00\x00\x02", 8);
	req.sr_version = 5;
	assert_int_equal(socks_reply_encode(&req, out, sizeof(out),
	    SOCKS5_HOST_UNREACHABLE, NULL), 10);
	assert_int_equal(out[1], 4);
}

static void
test_clear_wipes(void **state)
{
	static const uint8_t zero[SOCKS_CRED_MAX];
	struct run r;

	RUN("\x05\x01\x02" "\x01\x03usr\x03pwd", &r);
	assert_int_equal(r.res, SOCKS_NEED_MORE);
	assert_memory_equal(r.sp.sp_req.sr_pass, "pwd", 3);
	socks_parser_clear(&r.sp);
	assert_memory_equal(r.sp.sp_req.sr_pass, zero, SOCKS_CRED_MAX);
	assert_memory_equal(r.sp.sp_req.sr_user, zero, SOCKS_CRED_MAX);
	assert_int_equal(r.sp.sp_state, SOCKS_ST_GREETING);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socks5_noauth_connect),
		cmocka_unit_test(test_socks5_userpass),
		cmocka_unit_test(test_socks5_refusals),
		cmocka_unit_test(test_socks5_ipv6_ptr),
		cmocka_unit_test(test_socks4),
		cmocka_unit_test(test_http_detect),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_clear_wipes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
