/*
 * Unit tests for feature/dir/netstatus and consensus: votes, deterministic
 * consensus computation, detached signatures, client verification, flag
 * assignment, and a 10,000-relay consensus end to end.
 *
 * With TORD_WRITE_FUZZ_SEEDS=<dir> set, also writes seed inputs for the
 * descriptor, vote and consensus fuzz targets into <dir>/{descriptor,
 * vote,consensus}/ (how tests/fuzz/corpus was made).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "feature/dir/consensus.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/util.h"

#define VA	1700000000LL	/* valid-after of every test document */

static ed25519_key_t *auth[4];	/* auth[3] is not trusted */
static uint8_t trusted[3][32];

static int
setup(void **state)
{
	size_t i;

	crypto_global_init();
	for (i = 0; i < 4; i++) {
		uint8_t seed[32];

		memset(seed, (int)(i + 1), sizeof(seed));
		auth[i] = ed25519_from_secret(seed);
		if (auth[i] == NULL)
			return -1;
		if (i < 3)
			memcpy(trusted[i], ed25519_public(auth[i]), 32);
	}
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	for (i = 0; i < 4; i++)
		ed25519_free(auth[i]);
	return 0;
}

/* Relay number i of a synthetic network (deterministic). */
static void
make_entry(struct ns_entry *e, uint32_t i)
{
	uint8_t seed[4];

	memset(e, 0, sizeof(*e));
	be32_store(seed, i);
	digest_sha256(seed, sizeof(seed), e->e_id);
	snprintf(e->e_nickname, sizeof(e->e_nickname), "r%u", i);
	e->e_published = VA - 600 - i % 100;
	e->e_ipv4 = 0x0a000000u | (i << 8) | 1;
	e->e_or_port = (uint16_t)(9000 + i % 1000);
	if (i % 5 == 0) {
		e->e_has_ipv6 = true;
		e->e_ipv6[0] = 0x20;
		e->e_ipv6[1] = 0x01;
		be32_store(e->e_ipv6 + 12, i);
		e->e_ipv6_port = 443;
	}
	digest_sha256(e->e_id, 32, e->e_onion_key);
	e->e_flags = NSF_RUNNING | NSF_VALID | NSF_FAST;
	if (i % 3 == 0)
		e->e_flags |= NSF_GUARD | NSF_STABLE;
	if (i % 4 == 0) {
		e->e_flags |= NSF_EXIT;
		assert_int_equal(policy_summary_parse("accept 80,443,6660-6669", &e->e_policy), 0);
	} else {
		policy_summary_reject_all(&e->e_policy);
	}
	if (i % 10 == 1) {
		uint8_t s2[4];

		be32_store(s2, i + 1);
		digest_sha256(s2, 4, e->e_family[0]);
		e->e_n_family = 1;
	}
	e->e_bandwidth = 100 + i % 7000;
}

/* A finished, signed vote by auth[a] listing relays [first, first+n). */
static struct netstatus *
make_vote(size_t a, uint32_t first, uint32_t n)
{
	struct netstatus *v = netstatus_new(NS_VOTE);
	struct docfmt_reason r;
	struct ns_entry e;
	uint32_t i;

	v->ns_valid_after = VA;
	v->ns_fresh_until = VA + 3600;
	v->ns_valid_until = VA + 3 * 3600;
	v->ns_voting_interval = 3600;
	memcpy(v->ns_voters[0], ed25519_public(auth[a]), 32);
	v->ns_n_voters = 1;
	strcpy(v->ns_params[0].p_key, "circwindow");
	v->ns_params[0].p_value = 1000 + (int32_t)a;
	v->ns_n_params = 1;
	/* Add in reverse so that finish() has to sort. */
	for (i = n; i-- > 0;) {
		make_entry(&e, first + i);
		netstatus_add_entry(v, &e);
	}
	if (netstatus_finish(v, &r) < 0)
		fail_msg("finish: %s", r.msg);
	assert_int_equal(netstatus_sign(v, auth[a]), 0);
	return v;
}

static struct netstatus *
reparse(const struct netstatus *ns, enum ns_kind kind)
{
	struct netstatus *out;
	struct docfmt_reason r;
	size_t len;
	char *s = netstatus_format(ns, &len);

	if (netstatus_parse(s, len, kind, &out, &r) != PARSE_OK)
		fail_msg("parse: %s", r.msg);
	free(s);
	return out;
}

static void
test_vote_roundtrip(void **state)
{
	struct netstatus *v = make_vote(0, 0, 50), *p;
	struct docfmt_reason r;
	size_t l1, l2;
	char *s1, *s2;

	s1 = netstatus_format(v, &l1);
	{
		static const char head[] = "network-status-version 1\nvote-status vote\n"
		    "valid-after 2023-11-14 22:13:20\n";

		assert_memory_equal(s1, head, sizeof(head) - 1);
	}
	assert_int_equal(netstatus_parse(s1, l1, NS_VOTE, &p, &r), PARSE_OK);
	assert_int_equal(vote_verify(p, &r), 0);
	assert_int_equal(p->ns_n_entries, 50);
	assert_int_equal(p->ns_n_params, 1);
	assert_int_equal(p->ns_params[0].p_value, 1000);
	s2 = netstatus_format(p, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	/* Entry fields survive. */
	{
		struct ns_entry e;
		const struct ns_entry *f;

		make_entry(&e, 10);
		f = netstatus_find(p, e.e_id);
		assert_non_null(f);
		assert_memory_equal(f, &e, sizeof(e));
		make_entry(&e, 50);
		assert_null(netstatus_find(p, e.e_id));
	}
	/* A vote is not a consensus. */
	{
		struct netstatus *c;

		assert_int_equal(netstatus_parse(s1, l1, NS_CONSENSUS, &c, &r), PARSE_ERROR);
		assert_non_null(strstr(r.msg, "wrong vote-status"));
	}
	free(s1);
	free(s2);
	netstatus_free(p);
	netstatus_free(v);
}

static void
test_vote_bad_signatures(void **state)
{
	struct netstatus *v = make_vote(0, 0, 5), *p;
	struct docfmt_reason r;
	size_t len;
	char *s = netstatus_format(v, &len), *q;

	/* Tampered body. */
	q = strstr(s, "\nw ");
	q[3] = q[3] == '1' ? '2' : '1';
	assert_int_equal(netstatus_parse(s, len, NS_VOTE, &p, &r), PARSE_OK);
	assert_int_equal(vote_verify(p, &r), -1);
	assert_non_null(strstr(r.msg, "bad signature from"));
	netstatus_free(p);
	free(s);
	/* Signed by another authority than the voter. */
	v->ns_n_sigs = 0;
	assert_int_equal(netstatus_sign(v, auth[1]), 0);
	p = reparse(v, NS_VOTE);
	assert_int_equal(vote_verify(p, &r), -1);
	assert_non_null(strstr(r.msg, "signed by another key"));
	netstatus_free(p);
	/* Unsigned. */
	v->ns_n_sigs = 0;
	p = reparse(v, NS_VOTE);
	assert_int_equal(vote_verify(p, &r), -1);
	netstatus_free(p);
	netstatus_free(v);
}

static char *
compute_fmt(const struct netstatus *a, const struct netstatus *b,
    const struct netstatus *c, size_t *len)
{
	const struct netstatus *v[3] = { a, b, c };
	struct docfmt_reason r;
	struct netstatus *cons = consensus_compute(v, c ? 3 : 2, &r);
	char *s;

	if (cons == NULL)
		fail_msg("compute: %s", r.msg);
	s = netstatus_format(cons, len);
	netstatus_free(cons);
	return s;
}

static void
test_compute_rules(void **state)
{
	/* Votes over relays 0..9, 5..14, 0..2 + 10..14: see the counts below. */
	struct netstatus *v0 = make_vote(0, 0, 10), *v1 = make_vote(1, 5, 10);
	struct netstatus *v2 = make_vote(2, 10, 5), *c;
	const struct netstatus *vv[3];
	struct docfmt_reason r;
	struct ns_entry e;
	const struct ns_entry *f;
	char *s[3];
	size_t len[3], i;

	/* Give relay 5 different flags and weights in v0 and v1, relay 12 in all. */
	make_entry(&e, 5);
	((struct ns_entry *)netstatus_find(v0, e.e_id))->e_bandwidth = 10;
	((struct ns_entry *)netstatus_find(v0, e.e_id))->e_flags |= NSF_STABLE;
	((struct ns_entry *)netstatus_find(v1, e.e_id))->e_bandwidth = 30;
	make_entry(&e, 12);
	((struct ns_entry *)netstatus_find(v1, e.e_id))->e_bandwidth = 30;
	((struct ns_entry *)netstatus_find(v2, e.e_id))->e_bandwidth = 20;
	((struct ns_entry *)netstatus_find(v2, e.e_id))->e_flags |= NSF_STABLE;
	((struct ns_entry *)netstatus_find(v1, e.e_id))->e_flags |= NSF_STABLE;
	((struct ns_entry *)netstatus_find(v1, e.e_id))->e_published += 50;
	strcpy(((struct ns_entry *)netstatus_find(v1, e.e_id))->e_nickname, "newer");

	/* Any arrival order gives the same bytes. */
	s[0] = compute_fmt(v0, v1, v2, &len[0]);
	s[1] = compute_fmt(v2, v0, v1, &len[1]);
	s[2] = compute_fmt(v1, v2, v0, &len[2]);
	for (i = 1; i < 3; i++) {
		assert_int_equal(len[0], len[i]);
		assert_memory_equal(s[0], s[i], len[0]);
	}
	vv[0] = v0;
	vv[1] = v1;
	vv[2] = v2;
	c = consensus_compute(vv, 3, &r);
	assert_non_null(c);
	/* Listed by 2 or 3 of 3: relays 5..14; relays 0..4 appear once only. */
	assert_int_equal(c->ns_n_entries, 10);
	assert_int_equal(c->ns_n_voters, 3);
	make_entry(&e, 4);
	assert_null(netstatus_find(c, e.e_id));
	make_entry(&e, 5);
	f = netstatus_find(c, e.e_id);
	assert_non_null(f);
	assert_int_equal(f->e_bandwidth, 10);		/* low median of {10, 30} */
	assert_false(f->e_flags & NSF_STABLE);		/* 1 of 2 */
	make_entry(&e, 12);
	f = netstatus_find(c, e.e_id);
	assert_int_equal(f->e_bandwidth, 20);		/* low median of {30, 20} */
	assert_true(f->e_flags & NSF_STABLE);		/* 2 of 3 */
	assert_string_equal(f->e_nickname, "newer");	/* newest descriptor wins */
	assert_int_equal(c->ns_n_params, 1);
	assert_int_equal(c->ns_params[0].p_value, 1001);	/* median of 1000..1002 */
	netstatus_free(c);

	/* Two votes from one authority are refused. */
	vv[2] = v0;
	assert_null(consensus_compute(vv, 3, &r));
	assert_non_null(strstr(r.msg, "two votes"));
	assert_null(consensus_compute(vv, 0, &r));
	for (i = 0; i < 3; i++)
		free(s[i]);
	netstatus_free(v0);
	netstatus_free(v1);
	netstatus_free(v2);
}

/* Consensus over relays 0..n-1, computed by each authority and signed by those in mask. */
static struct netstatus *
signed_consensus(uint32_t n, unsigned mask)
{
	struct netstatus *v[3], *c[3];
	const struct netstatus *vv[3];
	struct docfmt_reason r;
	size_t i;

	for (i = 0; i < 3; i++)
		vv[i] = v[i] = make_vote(i, 0, n);
	/* Each authority computes independently, signs, and sends its detached sig. */
	for (i = 0; i < 3; i++) {
		c[i] = consensus_compute(vv, 3, &r);
		assert_non_null(c[i]);
		assert_memory_equal(c[i]->ns_digest, c[0]->ns_digest, 32);
		if (mask & (1u << i))
			assert_int_equal(netstatus_sign(c[i], auth[i]), 0);
	}
	for (i = 1; i < 3; i++) {
		if (c[i]->ns_n_sigs == 1)
			assert_int_equal(netstatus_add_signature(c[0], c[i]->ns_sigs[0].s_id,
			    c[i]->ns_sigs[0].s_sig, &r), 0);
		netstatus_free(c[i]);
		netstatus_free(v[i]);
	}
	netstatus_free(v[0]);
	return c[0];
}

static void
test_verify(void **state)
{
	struct netstatus *c = signed_consensus(20, 7), *p;
	struct docfmt_reason r;
	uint8_t bad[64];
	size_t len;
	char *s;

	p = reparse(c, NS_CONSENSUS);
	assert_int_equal(p->ns_n_sigs, 3);
	assert_int_equal(consensus_verify(p, trusted, 3, VA + 60, &r), 0);
	/* Validity window with skew. */
	assert_int_equal(consensus_verify(p, trusted, 3, VA - CONSENSUS_CLOCK_SKEW, &r), 0);
	assert_int_equal(consensus_verify(p, trusted, 3, VA - CONSENSUS_CLOCK_SKEW - 1, &r), -1);
	assert_non_null(strstr(r.msg, "not valid until 2023-11-14 22:13:20"));
	assert_int_equal(consensus_verify(p, trusted, 3, VA + 3 * 3600, &r), 0);
	assert_int_equal(consensus_verify(p, trusted, 3, VA + 3 * 3600 + 1, &r), -1);
	assert_string_equal(r.msg, "expired at 2023-11-15 01:13:20");
	netstatus_free(p);

	/* A detached signature that does not verify is refused. */
	memset(bad, 7, sizeof(bad));
	assert_int_equal(netstatus_add_signature(c, trusted[0], bad, &r), -1);
	assert_non_null(strstr(r.msg, "bad signature from"));

	/* Tampered after signing. */
	s = netstatus_format(c, &len);
	{
		char *w = strchr(strstr(s, "\nw ") + 1, '\n') - 1;

		*w = *w == '0' ? '1' : '0';
	}
	assert_int_equal(netstatus_parse(s, len, NS_CONSENSUS, &p, &r), PARSE_OK);
	assert_int_equal(consensus_verify(p, trusted, 3, VA, &r), -1);
	assert_non_null(strstr(r.msg, "bad signature from"));
	assert_non_null(strstr(r.msg, "signed by 0 of 3 trusted authorities, need 2"));
	netstatus_free(p);
	free(s);
	netstatus_free(c);

	/* 2 of 3 accepted, 1 of 3 refused. */
	c = signed_consensus(20, 3);
	p = reparse(c, NS_CONSENSUS);
	assert_int_equal(consensus_verify(p, trusted, 3, VA, &r), 0);
	netstatus_free(p);
	netstatus_free(c);
	c = signed_consensus(20, 4);
	p = reparse(c, NS_CONSENSUS);
	assert_int_equal(consensus_verify(p, trusted, 3, VA, &r), -1);
	assert_string_equal(r.msg, "signed by 1 of 3 trusted authorities, need 2");
	/* An unknown signer does not count. */
	assert_int_equal(netstatus_sign(p, auth[3]), 0);
	assert_int_equal(p->ns_n_sigs, 2);
	assert_int_equal(consensus_verify(p, trusted, 3, VA, &r), -1);
	assert_string_equal(r.msg, "signed by 1 of 3 trusted authorities, need 2");
	/* Signing twice does not add a second signature. */
	assert_int_equal(netstatus_sign(p, auth[2]), 0);
	assert_int_equal(p->ns_n_sigs, 2);
	/* A trusted list naming one authority twice counts it once. */
	{
		uint8_t dup[4][32];

		memcpy(dup[0], trusted[2], 32);
		memcpy(dup[1], trusted[2], 32);
		memcpy(dup[2], trusted[2], 32);
		assert_int_equal(consensus_verify(p, dup, 3, VA, &r), 0);
		memcpy(dup[1], trusted[0], 32);
		memcpy(dup[3], trusted[1], 32);
		assert_int_equal(consensus_verify(p, dup, 4, VA, &r), -1);
		assert_string_equal(r.msg, "signed by 1 of 3 trusted authorities, need 2");
	}
	assert_int_equal(consensus_verify(p, trusted, 0, VA, &r), -1);
	netstatus_free(p);
	netstatus_free(c);
}

/* Replace the first occurrence of from in doc by to. */
static char *
subst(const char *doc, const char *from, const char *to)
{
	const char *p = strstr(doc, from);

	assert_non_null(p);
	return xasprintf("%.*s%s%s", (int)(p - doc), doc, to, p + strlen(from));
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
		{ "network-status-version 1", "network-status-version 2", "unsupported" },
		{ "vote-status consensus", "vote-status vote", "wrong vote-status" },
		{ "valid-after 2023-11-14 22:13:20\n", "", "expected 'valid-after'" },
		{ "fresh-until 2023-11-14 23", "fresh-until 2023-11-14 21", "out of order" },
		{ "known-flags Exit Fast", "known-flags Fast Exit", "bad known-flags" },
		{ "params circwindow=1001", "params circwindow=01", "bad params" },
		{ "\nk ", "\nk AAAA\nx ", "bad onion key" },
		{ "\ns ", "\ns Bogus ", "bad flags" },
		{ "\nw ", "\nw x", "bad bandwidth" },
		{ "\np ", "\np x", "bad exit-policy summary" },
		{ "\nk ", "\nfoo\nk ", "expected 'k'" },
		{ "directory-footer\n", "", "expected 'directory-footer'" },
		{ "directory-footer\n", "directory-footer\nextra\n", "expected 'directory-signature'" },
		{ "\nr r", "\nr r 1", "wrong number of arguments to 'r'" },
		{ "dir-source ", "dir-source 00", "bad or unsorted dir-source" },
	};
	struct netstatus *c = signed_consensus(6, 7), *p;
	struct docfmt_reason r;
	size_t len, i;
	char *s = netstatus_format(c, &len), *bad;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		bad = subst(s, cases[i].from, cases[i].to);
		memset(&r, 0, sizeof(r));
		assert_int_equal(netstatus_parse(bad, strlen(bad), NS_CONSENSUS, &p, &r),
		    PARSE_ERROR);
		assert_null(p);
		if (strstr(r.msg, cases[i].why) == NULL)
			fail_msg("case %zu: expected '%s', got '%s'", i, cases[i].why, r.msg);
		free(bad);
	}
	/* Two relays swapped: entries must be sorted. */
	{
		const char *r1 = strstr(s, "\nr "), *r2 = strstr(r1 + 1, "\nr ");
		const char *r3 = strstr(r2 + 1, "\nr ");

		bad = xasprintf("%.*s%.*s%.*s%s", (int)(r1 - s), s, (int)(r3 - r2), r2,
		    (int)(r2 - r1), r1, r3);
		assert_int_equal(strlen(bad), len);
		assert_int_equal(netstatus_parse(bad, len, NS_CONSENSUS, &p, &r), PARSE_ERROR);
		assert_non_null(strstr(r.msg, "not sorted"));
		free(bad);
	}
	/* A signature line repeated. */
	{
		const char *sig = strstr(s, "directory-signature ");

		bad = xasprintf("%s%s", s, sig);
		assert_int_equal(netstatus_parse(bad, strlen(bad), NS_CONSENSUS, &p, &r),
		    PARSE_ERROR);
		assert_non_null(strstr(r.msg, "signatures unsorted, repeated"));
		free(bad);
	}
	/* Truncated anywhere: refused, never a crash (bounded loop). */
	for (i = 0; i < len; i += 7) {
		if (netstatus_parse(s, i, NS_CONSENSUS, &p, &r) == PARSE_OK) {
			/* Only a cut at a signature-line boundary can still parse. */
			assert_true(i > c->ns_body_len);
			netstatus_free(p);
		}
	}
	free(s);
	netstatus_free(c);
}

static void
test_flags(void **state)
{
	struct flag_thresholds t;
	struct flag_inputs in = { true, 10 * 86400, 5000000, true, false };

	flag_thresholds_default(&t);
	assert_int_equal(dir_assign_flags(&in, &t), NSF_RUNNING | NSF_VALID | NSF_FAST |
	    NSF_STABLE | NSF_GUARD | NSF_EXIT);
	in.fi_uptime = 7 * 86400;	/* Stable but not yet Guard */
	assert_int_equal(dir_assign_flags(&in, &t), NSF_RUNNING | NSF_VALID | NSF_FAST |
	    NSF_STABLE | NSF_EXIT);
	in.fi_bandwidth = 99999;	/* not Fast, hence not Guard */
	in.fi_uptime = 30 * 86400;
	in.fi_exit_useful = false;
	assert_int_equal(dir_assign_flags(&in, &t), NSF_RUNNING | NSF_VALID | NSF_STABLE);
	in.fi_reachable = false;
	assert_int_equal(dir_assign_flags(&in, &t), 0);
	in.fi_reachable = true;
	t.ft_require_allowlist = true;
	assert_int_equal(dir_assign_flags(&in, &t), NSF_RUNNING);
	in.fi_allowlisted = true;
	assert_int_equal(dir_assign_flags(&in, &t), NSF_RUNNING | NSF_VALID | NSF_STABLE);
	/* Test networks: zero thresholds give every reachable relay Guard. */
	memset(&t, 0, sizeof(t));
	in.fi_uptime = 0;
	in.fi_bandwidth = 0;
	assert_int_equal(dir_assign_flags(&in, &t), NSF_RUNNING | NSF_VALID | NSF_FAST |
	    NSF_STABLE | NSF_GUARD);
	assert_int_equal(dir_bandwidth_weight(5000000, 250000), 250);
	assert_int_equal(dir_bandwidth_weight(UINT64_MAX, UINT64_MAX), UINT32_MAX);
	/* Little observed: counted as 20 kB/s, never above the advertised rate. */
	assert_int_equal(dir_bandwidth_weight(1000000, 0), 20);
	assert_int_equal(dir_bandwidth_weight(1000000, 5000), 20);
	assert_int_equal(dir_bandwidth_weight(8000, 0), 8);
}

static void
test_big_consensus(void **state)
{
	struct netstatus *c = signed_consensus(10000, 7), *p;
	struct docfmt_reason r;
	struct ns_entry e;
	size_t len;
	char *s;
	uint32_t i;

	assert_int_equal(c->ns_n_entries, 10000);
	s = netstatus_format(c, &len);
	assert_int_equal(netstatus_parse(s, len, NS_CONSENSUS, &p, &r), PARSE_OK);
	assert_int_equal(consensus_verify(p, trusted, 3, VA + 1800, &r), 0);
	assert_int_equal(p->ns_n_entries, 10000);
	for (i = 0; i < 10000; i += 997) {
		const struct ns_entry *f;

		make_entry(&e, i);
		f = netstatus_find(p, e.e_id);
		assert_non_null(f);
		assert_memory_equal(f, &e, sizeof(e));
	}
	for (i = 1; i < p->ns_n_entries; i++)
		assert_true(memcmp(p->ns_entries[i - 1].e_id, p->ns_entries[i].e_id, 32) < 0);
	free(s);
	netstatus_free(p);
	netstatus_free(c);
}

static void
write_seed(const char *dir, const char *target, const char *name, const char *s, size_t n)
{
	char *path = xasprintf("%s/%s", dir, target);
	FILE *f;

	mkdir(path, 0755);
	free(path);
	path = xasprintf("%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	fclose(f);
	free(path);
}

/* Not a check: writes fuzz seeds when asked (see the top comment). */
static void
test_write_seeds(void **state)
{
	const char *dir = getenv("TORD_WRITE_FUZZ_SEEDS");
	struct netstatus *v, *c;
	struct relay_descriptor d;
	size_t len;
	char *s;

	if (dir == NULL || *dir == '\0')
		return;
	v = make_vote(0, 0, 8);
	s = netstatus_format(v, &len);
	write_seed(dir, "vote", "vote-8", s, len);
	free(s);
	netstatus_free(v);
	c = signed_consensus(8, 7);
	s = netstatus_format(c, &len);
	write_seed(dir, "consensus", "consensus-8", s, len);
	free(s);
	netstatus_free(c);
	c = signed_consensus(1, 1);
	s = netstatus_format(c, &len);
	write_seed(dir, "consensus", "consensus-1", s, len);
	free(s);
	netstatus_free(c);
	memset(&d, 0, sizeof(d));
	strcpy(d.rd_nickname, "seed");
	d.rd_ipv4 = 0x7f010001;
	d.rd_or_port = 9001;
	d.rd_has_ipv6 = true;
	d.rd_ipv6[15] = 1;
	d.rd_ipv6_port = 9001;
	memcpy(d.rd_identity, ed25519_public(auth[0]), 32);
	d.rd_bw_avg = d.rd_bw_burst = d.rd_bw_observed = 1000000;
	assert_int_equal(policy_summary_parse("accept 80,443", &d.rd_policy), 0);
	memset(d.rd_family[0], 0x11, 32);
	d.rd_n_family = 1;
	strcpy(d.rd_platform, "tord 0.1.0");
	d.rd_published = VA;
	d.rd_is_exit = true;
	s = descriptor_build(&d, auth[0], &len);
	write_seed(dir, "descriptor", "exit", s, len);
	free(s);
	d.rd_has_ipv6 = d.rd_is_exit = false;
	d.rd_n_family = 0;
	policy_summary_reject_all(&d.rd_policy);
	s = descriptor_build(&d, auth[0], &len);
	write_seed(dir, "descriptor", "middle", s, len);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vote_roundtrip),
		cmocka_unit_test(test_vote_bad_signatures),
		cmocka_unit_test(test_compute_rules),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_big_consensus),
	};
	/* Seed writing is a tool, not a check: it runs only when asked. */
	const struct CMUnitTest seeds[] = {
		cmocka_unit_test(test_write_seeds),
	};

	if (getenv("TORD_WRITE_FUZZ_SEEDS") != NULL)
		return cmocka_run_group_tests(seeds, setup, teardown);
	return cmocka_run_group_tests(tests, setup, teardown);
}
