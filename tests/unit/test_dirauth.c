/*
 * Unit tests for the directory authority's pure parts: challenge nonces,
 * descriptor acceptance rules, flag inputs and votes, the voting
 * schedule, the HTTP request framing (dirserv_answer) and the request
 * handler of an offline authority.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feature/dir/consensus.h"
#include "feature/dir/dirauth.h"
#include "feature/dir/dirauth_store.h"
#include "feature/dir/dirserv.h"
#include "feature/dir/netstatus.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/util.h"

#define NOW	1700000000

static ed25519_key_t *key_a, *key_b, *key_auth;

static int
setup(void **state)
{
	(void)state;
	crypto_global_init();
	key_a = ed25519_generate();
	key_b = ed25519_generate();
	key_auth = ed25519_generate();
	return key_a && key_b && key_auth ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	ed25519_free(key_a);
	ed25519_free(key_b);
	ed25519_free(key_auth);
	return 0;
}

/* A descriptor of key k at port, published at pub, over nonce. */
static char *
make_desc(const ed25519_key_t *k, uint16_t port, int64_t pub, const uint8_t *nonce,
    bool exit, size_t *len)
{
	struct relay_descriptor d;
	char *doc;

	memset(&d, 0, sizeof(d));
	strcpy(d.rd_nickname, "relay");
	d.rd_ipv4 = 0x7f000001;
	d.rd_or_port = port;
	memcpy(d.rd_identity, ed25519_public(k), 32);
	memset(d.rd_onion_key, 0x11, sizeof(d.rd_onion_key));
	d.rd_bw_avg = d.rd_bw_burst = 500000;
	d.rd_bw_observed = 300000;
	if (exit) {
		assert_int_equal(policy_summary_parse("accept 80,443", &d.rd_policy), 0);
		d.rd_is_exit = true;
	} else {
		policy_summary_reject_all(&d.rd_policy);
	}
	d.rd_published = pub;
	d.rd_uptime = 100;
	memcpy(d.rd_nonce, nonce, DESC_NONCE_LEN);
	doc = descriptor_build(&d, k, len);
	assert_non_null(doc);
	return doc;
}

/* ---- nonces ---------------------------------------------------------------- */

static void
test_nonce_single_use(void **state)
{
	static struct da_nonces t;
	uint8_t a[DESC_NONCE_LEN], b[DESC_NONCE_LEN], z[DESC_NONCE_LEN] = { 0 };
	const char *why = NULL;

	(void)state;
	da_nonces_init(&t, 120);
	da_nonce_issue(&t, NOW, a);
	da_nonce_issue(&t, NOW, b);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(da_nonces_outstanding(&t, NOW), 2);
	assert_int_equal(da_nonce_take(&t, a, NOW + 5, &why), 0);
	assert_int_equal(da_nonce_take(&t, a, NOW + 6, &why), -1);
	assert_string_equal(why, "challenge already used");
	assert_int_equal(da_nonce_take(&t, z, NOW, &why), -1);
	assert_string_equal(why, "unknown challenge");
	assert_int_equal(da_nonces_outstanding(&t, NOW), 1);
	/* b outlives its lifetime by one second. */
	assert_int_equal(da_nonce_take(&t, b, NOW + 121, &why), -1);
	assert_string_equal(why, "challenge expired");
	assert_int_equal(da_nonce_take(&t, b, NOW + 122, &why), -1);
	assert_int_equal(da_nonces_outstanding(&t, NOW + 5), 0);
}

static void
test_nonce_bounded(void **state)
{
	static struct da_nonces t;
	uint8_t first[DESC_NONCE_LEN], n[DESC_NONCE_LEN], last[DESC_NONCE_LEN];
	const char *why = NULL;
	int i;

	(void)state;
	da_nonces_init(&t, 120);
	da_nonce_issue(&t, NOW, first);
	for (i = 0; i < 3 * DA_NONCE_MAX; i++)
		da_nonce_issue(&t, NOW + 1 + i / 100, i == 3 * DA_NONCE_MAX - 1 ? last : n);
	assert_true(t.t_n <= DA_NONCE_MAX);
	assert_int_equal(da_nonces_outstanding(&t, NOW + 10), DA_NONCE_MAX);
	/* The oldest went first; the newest still works. */
	assert_int_equal(da_nonce_take(&t, first, NOW + 10, &why), -1);
	assert_string_equal(why, "unknown challenge");
	assert_int_equal(da_nonce_take(&t, last, NOW + 10, &why), 0);
	/* After they all expire, the table empties on the next issue. */
	da_nonce_issue(&t, NOW + 1000, n);
	assert_int_equal(t.t_n, 1);
}

/* ---- store ------------------------------------------------------------------ */

static void
upload(struct da_store *s, struct da_nonces *t, const ed25519_key_t *k, uint16_t port,
    int64_t pub, int64_t now, int expect, const char *msg_part)
{
	uint8_t nonce[DESC_NONCE_LEN];
	struct da_verdict v;
	struct da_relay *r;
	size_t len;
	char *doc;

	da_nonce_issue(t, now, nonce);
	doc = make_desc(k, port, pub, nonce, false, &len);
	da_store_upload(s, t, doc, len, now, &v, &r);
	if (v.v_status != expect || (msg_part && strstr(v.v_msg, msg_part) == NULL))
		fail_msg("upload: got %d '%s', expected %d '%s'", v.v_status, v.v_msg, expect,
		    msg_part ? msg_part : "");
	assert_true((r != NULL) == (expect == 200));
	free(doc);
}

static void
test_store_rules(void **state)
{
	static struct da_nonces t;
	struct da_store s;
	struct da_verdict v;
	struct da_relay *r;
	uint8_t nonce[DESC_NONCE_LEN];
	size_t len;
	char *doc;

	(void)state;
	da_nonces_init(&t, 120);
	da_store_init(&s, 600, 3600);
	upload(&s, &t, key_a, 9001, NOW, NOW, 200, "accepted");
	assert_int_equal(s.s_n, 1);
	r = da_store_find(&s, ed25519_public(key_a));
	assert_non_null(r);
	assert_true(r->r_reach_due);
	/* Same published time again: not newer. */
	upload(&s, &t, key_a, 9001, NOW, NOW + 1, 409, "not newer");
	/* Skew both ways. */
	upload(&s, &t, key_a, 9001, NOW + 700, NOW, 400, NULL);
	upload(&s, &t, key_a, 9001, NOW - 700, NOW, 400, NULL);
	/* A newer one with the same address keeps the reachability record. */
	da_relay_reach_result(r, true, NOW + 2);
	r->r_reach_due = false;
	upload(&s, &t, key_a, 9001, NOW + 5, NOW + 5, 200, NULL);
	r = da_store_find(&s, ed25519_public(key_a));
	assert_true(r->r_reach_ok && r->r_reach_at == NOW + 2 && r->r_reach_due);
	assert_true(r->r_desc.rd_published == NOW + 5);
	/* A new port must be tested again. */
	upload(&s, &t, key_a, 9002, NOW + 6, NOW + 6, 200, NULL);
	r = da_store_find(&s, ed25519_public(key_a));
	assert_false(r->r_reach_ok);
	assert_int_equal(r->r_reach_at, 0);
	/* Replaying an accepted upload: the nonce is spent. */
	da_nonce_issue(&t, NOW + 7, nonce);
	doc = make_desc(key_b, 9003, NOW + 7, nonce, false, &len);
	da_store_upload(&s, &t, doc, len, NOW + 7, &v, &r);
	assert_int_equal(v.v_status, 200);
	da_store_upload(&s, &t, doc, len, NOW + 8, &v, &r);
	assert_int_equal(v.v_status, 400);
	assert_string_equal(v.v_msg, "challenge already used");
	/* Tampered after signing. */
	doc[20] ^= 1;
	da_store_upload(&s, &t, doc, len, NOW + 8, &v, &r);
	assert_int_equal(v.v_status, 400);
	assert_non_null(strstr(v.v_msg, "bad descriptor"));
	/* Oversized. */
	da_store_upload(&s, &t, doc, DESC_MAX_LEN + 1, NOW + 8, &v, &r);
	assert_int_equal(v.v_status, 413);
	free(doc);
	assert_int_equal(s.s_n, 2);
	/* The list is sorted by identity. */
	assert_true(memcmp(s.s_v[0]->r_id, s.s_v[1]->r_id, 32) < 0);
	da_store_clear(&s);
}

static void
test_store_allow_and_prune(void **state)
{
	static struct da_nonces t;
	struct da_store s;
	uint8_t allow[1][32];
	uint8_t dropped[4][32];
	uint8_t nonce[DESC_NONCE_LEN];
	struct docfmt_reason why;
	size_t len;
	char *doc;

	(void)state;
	da_nonces_init(&t, 120);
	da_store_init(&s, 600, 3600);
	memcpy(allow[0], ed25519_public(key_a), 32);
	da_store_set_allow(&s, (const uint8_t (*)[32])allow, 1);
	upload(&s, &t, key_b, 9001, NOW, NOW, 403, "allow-list");
	upload(&s, &t, key_a, 9001, NOW, NOW, 200, NULL);
	da_store_set_allow(&s, NULL, 0);
	upload(&s, &t, key_b, 9001, NOW + 100, NOW + 100, 200, NULL);
	/* key_a's descriptor is older than the max age at NOW + 3601. */
	assert_int_equal(da_store_prune(&s, NOW + 3601, dropped, 4), 1);
	assert_memory_equal(dropped[0], ed25519_public(key_a), 32);
	assert_int_equal(s.s_n, 1);
	/* An allow-list that no longer admits key_b drops it too. */
	da_store_set_allow(&s, (const uint8_t (*)[32])allow, 1);
	assert_int_equal(da_store_prune(&s, NOW + 3601, NULL, 0), 1);
	assert_int_equal(s.s_n, 0);
	/* Loading from disk: no challenge needed, but age and newness apply. */
	memset(nonce, 7, sizeof(nonce));
	doc = make_desc(key_a, 9001, NOW, nonce, false, &len);
	assert_int_equal(da_store_load(&s, doc, len, NOW + 10, &why), 0);
	assert_int_equal(da_store_load(&s, doc, len, NOW + 10, &why), -1);
	da_store_clear(&s);
	da_store_init(&s, 600, 3600);
	assert_int_equal(da_store_load(&s, doc, len, NOW + 3601, &why), -1);
	assert_string_equal(why.msg, "too old");
	free(doc);
	da_store_clear(&s);
}

/* ---- flags and votes ----------------------------------------------------------- */

static void
test_flag_inputs(void **state)
{
	static struct da_nonces t;
	struct da_store s;
	struct flag_inputs in;
	struct flag_thresholds th;
	struct da_relay *r;

	(void)state;
	da_nonces_init(&t, 120);
	da_store_init(&s, 600, 3600);
	upload(&s, &t, key_a, 9001, NOW, NOW, 200, NULL);
	r = da_store_find(&s, ed25519_public(key_a));
	da_flag_inputs(&s, r, NOW, 20, &in);
	assert_false(in.fi_reachable);
	assert_int_equal(in.fi_uptime, 0);
	da_relay_reach_result(r, true, NOW + 5);
	da_flag_inputs(&s, r, NOW + 10, 20, &in);
	assert_true(in.fi_reachable);
	/* Claimed uptime carried forward from the publication time. */
	assert_int_equal(in.fi_uptime, 110);
	assert_int_equal(in.fi_bandwidth, 300000);
	assert_false(in.fi_exit_useful);
	assert_false(in.fi_allowlisted);
	/* A test older than the limit does not count. */
	da_flag_inputs(&s, r, NOW + 26, 20, &in);
	assert_false(in.fi_reachable);
	da_relay_reach_result(r, false, NOW + 30);
	da_flag_inputs(&s, r, NOW + 30, 20, &in);
	assert_false(in.fi_reachable);
	assert_int_equal(r->r_reach_since, 0);
	/* Thresholds at 0: everything but Exit. */
	memset(&th, 0, sizeof(th));
	da_relay_reach_result(r, true, NOW + 31);
	da_flag_inputs(&s, r, NOW + 31, 20, &in);
	assert_int_equal(dir_assign_flags(&in, &th),
	    NSF_RUNNING | NSF_VALID | NSF_FAST | NSF_STABLE | NSF_GUARD);
	/* Tor-like defaults: 300 kB/s is Fast, 131 s is not Stable. */
	flag_thresholds_default(&th);
	assert_int_equal(dir_assign_flags(&in, &th), NSF_RUNNING | NSF_VALID | NSF_FAST);
	da_store_clear(&s);
}

static void
test_vote(void **state)
{
	static struct da_nonces t;
	struct da_store s;
	struct da_vote_params vp;
	struct docfmt_reason why = { "" };
	struct netstatus *vote, *parsed = NULL;
	uint8_t nonce[DESC_NONCE_LEN];
	struct da_verdict v;
	struct da_relay *r, *ra;
	const struct ns_entry *e;
	size_t len;
	char *doc, *text;

	(void)state;
	da_nonces_init(&t, 120);
	da_store_init(&s, 600, 3600);
	upload(&s, &t, key_a, 9001, NOW, NOW, 200, NULL);
	da_nonce_issue(&t, NOW, nonce);
	doc = make_desc(key_b, 9002, NOW, nonce, true, &len);
	da_store_upload(&s, &t, doc, len, NOW, &v, &r);
	assert_int_equal(v.v_status, 200);
	free(doc);
	ra = da_store_find(&s, ed25519_public(key_a));
	memset(&vp, 0, sizeof(vp));
	memcpy(vp.vp_self, ed25519_public(key_auth), 32);
	vp.vp_valid_after = NOW + 10;
	vp.vp_interval = 10;
	vp.vp_validity = 30;
	vp.vp_reach_max_age = 20;
	flag_thresholds_default(&vp.vp_thresholds);
	/* Nobody tested yet: an empty vote. */
	vote = da_build_vote(&s, &vp, NOW + 5, &why);
	assert_non_null(vote);
	assert_int_equal(vote->ns_n_entries, 0);
	assert_true(vote->ns_fresh_until == NOW + 20 && vote->ns_valid_until == NOW + 40);
	netstatus_free(vote);
	/* b reachable, a failed: only b, with Exit from its summary. */
	da_relay_reach_result(r, true, NOW + 5);
	da_relay_reach_result(ra, false, NOW + 5);
	vote = da_build_vote(&s, &vp, NOW + 5, &why);
	assert_non_null(vote);
	assert_int_equal(vote->ns_n_entries, 1);
	e = netstatus_find(vote, ed25519_public(key_b));
	assert_non_null(e);
	assert_int_equal(e->e_flags, NSF_RUNNING | NSF_VALID | NSF_FAST | NSF_EXIT);
	assert_int_equal(e->e_bandwidth, 300);
	assert_int_equal(e->e_or_port, 9002);
	/* Signed and formatted, it parses and verifies as a vote. */
	assert_int_equal(netstatus_sign(vote, key_auth), 0);
	text = netstatus_format(vote, &len);
	assert_int_equal(netstatus_parse(text, len, NS_VOTE, &parsed, &why), PARSE_OK);
	assert_int_equal(vote_verify(parsed, &why), 0);
	assert_memory_equal(parsed->ns_voters[0], ed25519_public(key_auth), 32);
	free(text);
	netstatus_free(parsed);
	netstatus_free(vote);
	/* Stale descriptors are not voted even when reachable. */
	da_relay_reach_result(r, true, NOW + 3700);
	vote = da_build_vote(&s, &vp, NOW + 3700, &why);
	assert_int_equal(vote->ns_n_entries, 0);
	netstatus_free(vote);
	da_store_clear(&s);
}

/* ---- schedule ------------------------------------------------------------------- */

static void
test_schedule(void **state)
{
	struct da_schedule sc;
	int64_t va;
	double now;

	(void)state;
	da_schedule_for(1000, 10, &sc);
	assert_true(sc.sc_reach_at == 992.5 && sc.sc_vote_at == 995.0 &&
	    sc.sc_compute_at == 997.5 && sc.sc_publish_at == 1000.0 && sc.sc_end_at == 1002.5);
	assert_true(sc.sc_retry == 0.5);
	da_schedule_for(7200, 3600, &sc);
	assert_true(sc.sc_vote_at == 5400.0 && sc.sc_retry == 180.0);
	/* Early in a period: its end is the first valid-after. */
	assert_int_equal(da_first_period(990.0, 10), 1000);
	assert_int_equal(da_first_period(995.5, 10), 1000);	/* vote passed: vote now */
	/* Too close to computing: the next period. */
	assert_int_equal(da_first_period(996.3, 10), 1010);
	assert_int_equal(da_first_period(999.9, 10), 1010);
	assert_int_equal(da_first_period(1000.0, 10), 1010);
	/* Every answer is a boundary with time left before computing. */
	for (now = 1e9; now < 1e9 + 100; now += 0.37) {
		va = da_first_period(now, 10);
		assert_int_equal(va % 10, 0);
		assert_true((double)va - 2.5 >= now + 1.25);
		assert_true((double)va - 2.5 < now + 1.25 + 10.0);
	}
	/* The next period follows at once unless the loop was late. */
	assert_int_equal(da_next_period(1000, 1002.5, 10), 1010);
	assert_int_equal(da_next_period(1000, 1007.0, 10), 1020);
	/* A changed interval realigns to its own multiples. */
	assert_int_equal(da_next_period(1000, 1000.0, 60), 1080);
}

/* ---- HTTP framing ----------------------------------------------------------------- */

static int handler_calls;

static void
echo_handler(const struct dirserv_request *rq, struct dirserv_response *rs, void *arg)
{
	(void)arg;
	handler_calls++;
	dirserv_reply(rs, 200, "%s %s %zu", rq->rq_method, rq->rq_path, rq->rq_body_len);
}

/* Answer text, status and body; NULL-safe on NEED_MORE. */
static enum parse_result
answer(const char *req, size_t len, bool eof, int *status, char *body, size_t bodymax)
{
	struct buf out = BUF_INIT;
	enum parse_result r;
	const char *s, *b;

	r = dirserv_answer((const uint8_t *)req, len, eof, 100, NULL, echo_handler, NULL, &out);
	*status = 0;
	body[0] = '\0';
	if (buf_len(&out) > 0) {
		buf_add(&out, "", 1);
		s = (const char *)buf_peek(&out);
		assert_true(strncmp(s, "HTTP/1.0 ", 9) == 0);
		*status = atoi(s + 9);
		assert_non_null(strstr(s, "\r\nConnection: close\r\n"));
		b = strstr(s, "\r\n\r\n");
		assert_non_null(b);
		snprintf(body, bodymax, "%s", b + 4);
	}
	buf_free_storage(&out, 0);
	return r;
}

static void
test_http_framing(void **state)
{
	char body[256], *big;
	int st;
	static const char get[] = "GET /tord/consensus HTTP/1.0\r\nHost: x\r\n\r\n";
	static const char post[] = "POST /tord/descriptor HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
	size_t i;

	(void)state;
	handler_calls = 0;
	assert_int_equal(answer(get, strlen(get), false, &st, body, sizeof(body)), PARSE_OK);
	assert_int_equal(st, 200);
	assert_string_equal(body, "GET /tord/consensus 0\n");
	/* Every strict prefix needs more, and nothing is answered yet. */
	for (i = 0; i < strlen(post); i++)
		assert_int_equal(answer(post, i, false, &st, body, sizeof(body)), PARSE_NEED_MORE);
	assert_int_equal(answer(post, strlen(post), false, &st, body, sizeof(body)), PARSE_OK);
	assert_string_equal(body, "POST /tord/descriptor 5\n");
	assert_int_equal(handler_calls, 2);
	/* The peer gave up half-way. */
	assert_int_equal(answer(post, 10, true, &st, body, sizeof(body)), PARSE_ERROR);
	assert_int_equal(st, 400);
	assert_int_equal(answer(post, strlen(post) - 1, true, &st, body, sizeof(body)),
	    PARSE_ERROR);
	assert_int_equal(st, 400);
#define EXPECT(req, code) do {							\
		assert_int_equal(answer(req, sizeof(req) - 1, false, &st, body,	\
		    sizeof(body)), PARSE_ERROR);					\
		assert_int_equal(st, code);					\
	} while (0)
	EXPECT("DELETE /tord/consensus HTTP/1.0\r\n\r\n", 405);
	EXPECT("POST /tord/descriptor HTTP/1.0\r\n\r\n", 411);
	EXPECT("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 411);
	EXPECT("POST /x HTTP/1.0\r\nContent-Length: 101\r\n\r\n", 413);
	EXPECT("POST /x HTTP/1.0\r\nContent-Length: -1\r\n\r\n", 400);
	EXPECT("GET http://a/b HTTP/1.0\r\n\r\n", 400);
	EXPECT("GET / HTTP/2.0\r\n\r\n", 400);
	EXPECT("\x16\x03\x01\x02\x00\r\n\r\n", 400);
	EXPECT("\x16\x03\x01\x02\x00", 400);	/* a TLS hello: refused at once */
#undef EXPECT
	assert_int_equal(handler_calls, 2);
	/* Over-long request line, over-long head. */
	big = xmalloc(HTTP_MAX_HEAD + 100);
	memset(big, 'a', HTTP_MAX_HEAD + 100);
	memcpy(big, "GET /", 5);
	assert_int_equal(answer(big, HTTP_MAX_LINE + 1, false, &st, body, sizeof(body)),
	    PARSE_ERROR);
	assert_int_equal(st, 414);
	memcpy(big, "GET / HTTP/1.0\r\nX: ", 19);
	for (i = 1016; i + 1000 < HTTP_MAX_HEAD + 100; i += 1000)
		memcpy(big + i, "\r\nX: ", 5);
	assert_int_equal(answer(big, HTTP_MAX_HEAD + 100, false, &st, body, sizeof(body)),
	    PARSE_ERROR);
	assert_int_equal(st, 431);
	free(big);
}

/* ---- the handler of an offline authority --------------------------------------------- */

static void
call(const char *method, const char *path, const char *body, size_t len,
    struct dirserv_response *rs)
{
	struct dirserv_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.rq_method = method;
	rq.rq_path = path;
	rq.rq_body = (const uint8_t *)body;
	rq.rq_body_len = len;
	free(rs->rs_body);
	memset(rs, 0, sizeof(*rs));
	dirauth_handle_request(&rq, rs, NULL);
}

static void
test_handler(void **state)
{
	struct dirauth_options o;
	struct dirserv_response rs = { 0 };
	uint8_t nonce[DESC_NONCE_LEN];
	char path[128], fp[65];
	size_t len;
	char *doc;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.do_interval = 10;
	o.do_validity = 30;
	o.do_desc_max_age = 3600;
	o.do_max_skew = 600;
	flag_thresholds_default(&o.do_thresholds);
	assert_int_equal(dirauth_init_offline(&o, key_auth), 0);
	call("GET", "/tord/challenge", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 200);
	assert_int_equal(rs.rs_len, 6 + 64 + 1);
	assert_int_equal(strncmp(rs.rs_body, "nonce ", 6), 0);
	assert_int_equal(util_hex_decode(rs.rs_body + 6, 64, nonce, sizeof(nonce)), 0);
	doc = make_desc(key_a, 9001, util_wall_sec(), nonce, false, &len);
	call("POST", "/tord/descriptor", doc, len, &rs);
	assert_int_equal(rs.rs_status, 200);
	call("POST", "/tord/descriptor", doc, len, &rs);
	assert_int_equal(rs.rs_status, 400);
	assert_string_equal(rs.rs_body, "challenge already used\n");
	util_hex_encode(ed25519_public(key_a), 32, fp);
	snprintf(path, sizeof(path), "/tord/descriptor/%s", fp);
	call("GET", path, NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 200);
	assert_int_equal(rs.rs_len, len);
	assert_memory_equal(rs.rs_body, doc, len);
	free(doc);
	path[strlen(path) - 1] = 'g';
	call("GET", path, NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 400);
	call("GET", "/tord/descriptor/0000000000000000000000000000000000000000000000000000000000000000",
	    NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 404);
	call("POST", "/tord/descriptor", "bad\0x", 5, &rs);
	assert_int_equal(rs.rs_status, 400);
	call("GET", "/tord/consensus", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 404);
	call("GET", "/tord/vote/1700000000", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 404);
	call("GET", "/tord/vote/0170", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 400);
	call("GET", "/tord/signature/", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 400);
	call("GET", "/tord/descriptor", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 405);
	call("POST", "/tord/challenge", "", 0, &rs);
	assert_int_equal(rs.rs_status, 405);
	call("GET", "/tord/", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 404);
	call("GET", "/", NULL, 0, &rs);
	assert_int_equal(rs.rs_status, 404);
	assert_int_equal(dirauth_relays_listed(), 0);
	assert_int_equal(dirauth_last_consensus_time(), 0);
	free(rs.rs_body);
	dirauth_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonce_single_use),
		cmocka_unit_test(test_nonce_bounded),
		cmocka_unit_test(test_store_rules),
		cmocka_unit_test(test_store_allow_and_prune),
		cmocka_unit_test(test_flag_inputs),
		cmocka_unit_test(test_vote),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_http_framing),
		cmocka_unit_test(test_handler),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
