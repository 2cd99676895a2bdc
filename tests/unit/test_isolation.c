/* Unit tests for stream isolation keys (feature/client/client_policy). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/or/reasons.h"
#include "feature/client/client_policy.h"
#include "feature/client/socks.h"

/* Build a key from the fields; the caller frees it. */
static char *
key_of(unsigned listener, uint32_t flags, enum client_ap_proto proto, const char *peer,
    const char *user, const char *pass, const char *host, uint16_t port)
{
	struct client_iso in;
	struct addr a;
	uint8_t blob[600];

	memset(&in, 0, sizeof(in));
	in.ci_listener = listener;
	in.ci_flags = flags;
	in.ci_proto = proto;
	if (peer != NULL) {
		assert_int_equal(addr_parse(peer, false, &a), 0);
		in.ci_peer = &a;
	}
	if (user != NULL || pass != NULL) {
		in.ci_authlen = client_auth_blob(blob, user, user ? strlen(user) : 0,
		    pass, pass ? strlen(pass) : 0);
		in.ci_auth = blob;
	}
	in.ci_host = host;
	in.ci_port = port;
	return client_isolation_key(&in);
}

static bool
same_key(char *a, char *b)
{
	bool eq = strcmp(a, b) == 0;

	free(a);
	free(b);
	return eq;
}

static void
test_socksauth(void **state)
{
	uint32_t f = CLIENT_ISO_DEFAULT;

	(void)state;
	/* Same credentials: same key; any difference: different keys. */
	assert_true(same_key(key_of(0, f, AP_PROTO_SOCKS5, "127.0.0.1:1000", "u", "p", "a", 80),
	    key_of(0, f, AP_PROTO_SOCKS5, "127.0.0.1:2000", "u", "p", "b", 443)));
	assert_false(same_key(key_of(0, f, AP_PROTO_SOCKS5, NULL, "test1", "test1", NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, NULL, "test2", "test2", NULL, 80)));
	/* Username and password must both match (IsolateSOCKSAuth). */
	assert_false(same_key(key_of(0, f, AP_PROTO_SOCKS5, NULL, "u", "p1", NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, NULL, "u", "p2", NULL, 80)));
	/* The boundary between user and password counts. */
	assert_false(same_key(key_of(0, f, AP_PROTO_SOCKS5, NULL, "ab", "c", NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, NULL, "a", "bc", NULL, 80)));
	/* No auth and empty user/pass are the same, as in Tor. */
	assert_true(same_key(key_of(0, f, AP_PROTO_SOCKS5, NULL, NULL, NULL, NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, NULL, "", "", NULL, 80)));
	assert_false(same_key(key_of(0, f, AP_PROTO_SOCKS5, NULL, NULL, NULL, NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, NULL, "u", "", NULL, 80)));
	/* With the flag off, credentials do not isolate. */
	assert_true(same_key(key_of(0, 0, AP_PROTO_SOCKS5, NULL, "u1", "p", NULL, 80),
	    key_of(0, 0, AP_PROTO_SOCKS5, NULL, "u2", "p", NULL, 80)));
}

static void
test_listener_addr_proto(void **state)
{
	uint32_t f = CLIENT_ISO_DEFAULT;
	char *k;

	(void)state;
	/* Listeners are always isolated from each other. */
	assert_false(same_key(key_of(0, 0, AP_PROTO_SOCKS5, NULL, NULL, NULL, NULL, 80),
	    key_of(1, 0, AP_PROTO_SOCKS5, NULL, NULL, NULL, NULL, 80)));
	/* Client address, not port. */
	assert_false(same_key(key_of(0, f, AP_PROTO_SOCKS5, "127.0.0.1:1", NULL, NULL, NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, "127.0.0.2:1", NULL, NULL, NULL, 80)));
	assert_true(same_key(key_of(0, f, AP_PROTO_SOCKS5, "127.0.0.1:1", NULL, NULL, NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, "127.0.0.1:2", NULL, NULL, NULL, 80)));
	/* Protocol only with its flag. */
	assert_true(same_key(key_of(0, f, AP_PROTO_SOCKS4, NULL, NULL, NULL, NULL, 80),
	    key_of(0, f, AP_PROTO_SOCKS5, NULL, NULL, NULL, NULL, 80)));
	assert_false(same_key(key_of(0, CLIENT_ISO_PROTOCOL, AP_PROTO_SOCKS4, NULL, NULL, NULL,
	    NULL, 80), key_of(0, CLIENT_ISO_PROTOCOL, AP_PROTO_SOCKS5, NULL, NULL, NULL,
	    NULL, 80)));
	/* Destination port and address only with their flags. */
	assert_false(same_key(key_of(0, CLIENT_ISO_DESTPORT, 0, NULL, NULL, NULL, "h", 80),
	    key_of(0, CLIENT_ISO_DESTPORT, 0, NULL, NULL, NULL, "h", 443)));
	assert_false(same_key(key_of(0, CLIENT_ISO_DESTADDR, 0, NULL, NULL, NULL, "a", 80),
	    key_of(0, CLIENT_ISO_DESTADDR, 0, NULL, NULL, NULL, "b", 80)));
	assert_true(same_key(key_of(0, CLIENT_ISO_DESTADDR, 0, NULL, NULL, NULL, "a", 80),
	    key_of(0, CLIENT_ISO_DESTADDR, 0, NULL, NULL, NULL, "a", 443)));
	/* Keys never carry the credentials or the destination in clear. */
	k = key_of(0, CLIENT_ISO_DEFAULT | CLIENT_ISO_DESTADDR, 0, NULL, "secretuser",
	    "secretpass", "example.com", 80);
	assert_null(strstr(k, "secret"));
	assert_null(strstr(k, "example"));
	free(k);
}

static void
test_usable_isolation(void **state)
{
	struct client_circ_view v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.cv_open = true;
	v.cv_general = true;
	v.cv_epoch = 3;
	/* A clean circuit takes any key. */
	assert_true(client_circ_usable(&v, 80, "L0 S-", 3, 100, 600, false));
	/* Once used, only streams with the same key. */
	v.cv_isolation = "L0 Sabc";
	v.cv_dirty_since = 50;
	assert_true(client_circ_usable(&v, 80, "L0 Sabc", 3, 100, 600, false));
	assert_false(client_circ_usable(&v, 80, "L0 Sabd", 3, 100, 600, false));
	assert_false(client_circ_usable(&v, 80, NULL, 3, 100, 600, false));
	/* A building circuit reserved for a key serves only that key. */
	memset(&v, 0, sizeof(v));
	v.cv_building = true;
	v.cv_general = true;
	v.cv_reserved = "L1 S-";
	assert_false(client_circ_usable(&v, 80, "L1 S-", 0, 0, 600, false));
	assert_true(client_circ_usable(&v, 80, "L1 S-", 0, 0, 600, true));
	assert_false(client_circ_usable(&v, 80, "L0 S-", 0, 0, 600, true));
}

static void
test_retryable(void **state)
{
	(void)state;
	assert_true(client_reason_retryable(END_REASON_EXITPOLICY));
	assert_true(client_reason_retryable(END_REASON_RESOLVEFAILED));
	assert_true(client_reason_retryable(END_REASON_TIMEOUT));
	assert_true(client_reason_retryable(END_REASON_MISC));
	assert_true(client_reason_retryable(END_REASON_DESTROY));
	assert_false(client_reason_retryable(END_REASON_CONNECTREFUSED));
	assert_false(client_reason_retryable(END_REASON_DONE));
	assert_false(client_reason_retryable(END_REASON_CONNRESET));
	assert_false(client_reason_retryable(STREAM_REASON_CANT_ATTACH));
}

/* The SOCKS front end's failure reply for each reason, v5 and v4. */
static void
test_socks_failure_reply(void **state)
{
	static const struct {
		int	reason;
		uint8_t	rep;
	} rows[] = {
		{ END_REASON_MISC, 0x01 }, { END_REASON_RESOLVEFAILED, 0x04 },
		{ END_REASON_CONNECTREFUSED, 0x05 }, { END_REASON_EXITPOLICY, 0x02 },
		{ END_REASON_DESTROY, 0x01 }, { END_REASON_DONE, 0x05 },
		{ END_REASON_TIMEOUT, 0x06 }, { END_REASON_NOROUTE, 0x04 },
		{ END_REASON_HIBERNATING, 0x01 }, { END_REASON_INTERNAL, 0x01 },
		{ END_REASON_RESOURCELIMIT, 0x01 }, { END_REASON_CONNRESET, 0x05 },
		{ END_REASON_TORPROTOCOL, 0x01 }, { END_REASON_ENTRYPOLICY, 0x02 },
		{ STREAM_REASON_CANT_ATTACH, 0x01 },
		{ STREAM_REASON_NET_UNREACHABLE, 0x03 },
		/* A failure is never reported as success. */
		{ 0, 0x01 },
	};
	struct socks_request req;
	uint8_t out[64];
	size_t i, n;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.sr_command = SOCKS_CMD_CONNECT;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		req.sr_version = 5;
		n = socks_failure_reply(&req, rows[i].reason, out, sizeof(out));
		assert_int_equal(n, 10);
		assert_int_equal(out[0], 5);
		assert_int_equal(out[1], rows[i].rep);
		/* CONNECT replies never reveal an address: 0.0.0.0:0. */
		assert_int_equal(out[3], 1);
		assert_memory_equal(out + 4, "\0\0\0\0\0\0", 6);
		req.sr_version = 4;
		n = socks_failure_reply(&req, rows[i].reason, out, sizeof(out));
		assert_int_equal(n, 8);
		assert_int_equal(out[0], 0);
		assert_int_equal(out[1], 0x5B);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socksauth),
		cmocka_unit_test(test_listener_addr_proto),
		cmocka_unit_test(test_usable_isolation),
		cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_socks_failure_reply),
	};

	return cmocka_run_group_tests_name("isolation", tests, NULL, NULL);
}
