/*
 * Unit tests for feature/client/nodelist and path: 10,000 selections over
 * a synthetic consensus (distinct hops, exit policy, /16 and family
 * rules, bandwidth-proportional exit, guard and middle choice by
 * chi-square), guard pinning, excluded relays, clean failures, the
 * subnet switch, and the guard state file.
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

#include "feature/client/path.h"
#include "lib/bytes.h"
#include "lib/digest.h"
#include "lib/util.h"

#define NRELAYS	200
#define NPATHS	10000

/* xorshift64*: deterministic test RNG; modulo bias is negligible here. */
static uint64_t
test_rng(void *arg, uint64_t n)
{
	uint64_t *s = arg;

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL) % n;
}

static void
relay_id(uint32_t i, uint8_t id[32])
{
	uint8_t seed[4];

	be32_store(seed, i);
	digest_sha256(seed, sizeof(seed), id);
}

/*
 * Relay i: four relays per IPv4 /16; Guard if i%4 == 1; Exit if
 * i%20 == 0 (10 exits, weights 100, 200, ... 1000; even-numbered exits
 * accept 80,443, odd ones everything but 25); families: i and i+1 for
 * i%10 == 2 (mutual); i%10 == 6 lists i+1 one-sidedly.
 */
static void
make_entry(struct ns_entry *e, uint32_t i, uint32_t ip_base)
{
	memset(e, 0, sizeof(*e));
	relay_id(i, e->e_id);
	snprintf(e->e_nickname, sizeof(e->e_nickname), "n%u", i);
	e->e_published = 1700000000;
	e->e_ipv4 = ip_base | ((i / 4) << 16) | ((i % 4) << 8) | 1;
	e->e_or_port = 9001;
	e->e_flags = NSF_RUNNING | NSF_VALID | NSF_FAST;
	e->e_bandwidth = 50 + (i * 37) % 500;
	policy_summary_reject_all(&e->e_policy);
	if (i % 4 == 1)
		e->e_flags |= NSF_GUARD;
	if (i % 20 == 0) {
		e->e_flags |= NSF_EXIT;
		e->e_bandwidth = 100 * (i / 20 + 1);
		assert_int_equal(policy_summary_parse((i / 20) % 2 ? "reject 25" :
		    "accept 80,443", &e->e_policy), 0);
	}
	if (i % 10 == 2 || i % 10 == 6) {
		relay_id(i + 1, e->e_family[0]);
		e->e_n_family = 1;
	}
	if (i % 10 == 3) {
		relay_id(i - 1, e->e_family[0]);
		e->e_n_family = 1;
	}
	if (i == 7)
		e->e_flags &= ~NSF_RUNNING;	/* listed but not Running */
}

static nodelist_t *
make_nodelist(uint32_t n, uint32_t ip_base)
{
	struct netstatus *c = netstatus_new(NS_CONSENSUS);
	struct docfmt_reason r;
	struct ns_entry e;
	nodelist_t *nl;
	uint32_t i;

	c->ns_valid_after = 1700000000;
	c->ns_fresh_until = c->ns_valid_after + 3600;
	c->ns_valid_until = c->ns_valid_after + 3 * 3600;
	c->ns_n_voters = 1;
	for (i = 0; i < n; i++) {
		make_entry(&e, i, ip_base);
		netstatus_add_entry(c, &e);
	}
	assert_int_equal(netstatus_finish(c, &r), 0);
	nl = nodelist_new(c);
	netstatus_free(c);
	return nl;
}

static void
test_nodelist(void **state)
{
	nodelist_t *nl = make_nodelist(NRELAYS, 0x0a000000);
	const struct node *a, *b, *c;
	struct relay_info ri;
	uint8_t id[32];

	assert_int_equal(nl->nl_n, NRELAYS);
	relay_id(12, id);
	a = nodelist_find(nl, id);
	assert_non_null(a);
	assert_string_equal(a->n_nickname, "n12");
	relay_id(13, id);
	b = nodelist_find(nl, id);
	relay_id(16, id);
	c = nodelist_find(nl, id);
	assert_true(node_same_family(a, b));
	assert_false(node_same_family(a, c));
	assert_true(node_same_subnet(a, b));		/* 12 and 13: /16 number 3 */
	assert_false(node_same_subnet(a, c));
	relay_id(17, id);
	b = nodelist_find(nl, id);
	assert_false(node_same_family(c, b));		/* 16 lists 17, not back */
	relay_id(NRELAYS, id);
	assert_null(nodelist_find(nl, id));
	node_to_relay_info(a, &ri);
	assert_string_equal(ri.ri_nickname, "n12");
	assert_memory_equal(ri.ri_id, a->n_id, 32);
	assert_int_equal(addr_port(&ri.ri_addr), 9001);
	nodelist_free(nl);
	assert_null(nl);
}

static void
check_path(const struct path *p, uint16_t port)
{
	const struct node *h[3] = { p->p_guard, p->p_middle, p->p_exit };
	size_t i, j;

	for (i = 0; i < 3; i++) {
		assert_non_null(h[i]);
		assert_true(h[i]->n_flags & NSF_RUNNING);
		assert_true(h[i]->n_flags & NSF_VALID);
		for (j = i + 1; j < 3; j++) {
			assert_true(h[i] != h[j]);
			assert_false(node_same_subnet(h[i], h[j]));
			assert_false(node_same_family(h[i], h[j]));
		}
	}
	assert_true(p->p_guard->n_flags & NSF_GUARD);
	assert_true(p->p_exit->n_flags & NSF_EXIT);
	if (port)
		assert_true(policy_summary_allows(&p->p_exit->n_policy, port));
}

static void
test_many_paths(void **state)
{
	nodelist_t *nl = make_nodelist(NRELAYS, 0x0a000000);
	uint64_t seed = 0x5eed1234abcdULL;
	struct path_opts o = { .po_port = 0, .po_enforce_subnets = true, .po_rng = test_rng,
	    .po_rng_arg = &seed };
	struct docfmt_reason r;
	struct path p;
	uint32_t exit_count[NRELAYS] = { 0 }, total_w = 0;
	double chi2 = 0;
	size_t i;
	static const uint16_t ports[] = { 443, 22, 80, 0 };

	for (i = 0; i < NPATHS; i++) {
		o.po_port = ports[i % 4];
		if (path_choose(nl, &o, &p, &r) < 0)
			fail_msg("path %zu: %s", i, r.msg);
		check_path(&p, o.po_port);
		assert_true(p.p_guard_replaced);
		if (o.po_port == 22)	/* only the "reject 25" exits take 22 */
			assert_int_equal(p.p_exit->n_policy.ps_accept, false);
	}
	/*
	 * Exit frequency follows bandwidth: over 10,000 paths to port 443
	 * every exit is eligible and nothing conflicts with the exit choice,
	 * so counts are multinomial with p_k = w_k / sum(w).  Chi-square with
	 * 9 degrees of freedom stays under 27.88 with probability 0.999; the
	 * seed is fixed, so the test is deterministic.
	 */
	o.po_port = 443;
	for (i = 0; i < NPATHS; i++) {
		assert_int_equal(path_choose(nl, &o, &p, &r), 0);
		exit_count[p.p_exit - nl->nl_nodes]++;
	}
	for (i = 0; i < nl->nl_n; i++)
		if (nl->nl_nodes[i].n_flags & NSF_EXIT)
			total_w += nl->nl_nodes[i].n_bandwidth;
	assert_int_equal(total_w, 5500);
	for (i = 0; i < nl->nl_n; i++) {
		const struct node *n = &nl->nl_nodes[i];
		double expect;

		if (!(n->n_flags & NSF_EXIT)) {
			assert_int_equal(exit_count[i], 0);
			continue;
		}
		expect = (double)NPATHS * n->n_bandwidth / total_w;
		chi2 += (exit_count[i] - expect) * (exit_count[i] - expect) / expect;
		/* And every exit within +-25% of its share (expected >= 181). */
		assert_true(exit_count[i] > 0.75 * expect && exit_count[i] < 1.25 * expect);
	}
	if (chi2 >= 27.88)
		fail_msg("chi-square %.2f over 9 df", chi2);
	nodelist_free(nl);
}

/*
 * Guard and middle frequencies: one exit, 10 Guard relays (weights 100,
 * 200 ... 1000) and 10 plain relays (weights 50, 150 ... 950), each in
 * its own /16, no families, so nothing but the weights decides.  With no
 * pinned guard, guard k is drawn with p = w_k / sum(guard weights); the
 * middle m, given guard g, with w_m / (W - w_exit - w_g).  Chi-square
 * over 10,000 paths: 9 degrees of freedom for guards (< 27.88), 19 for
 * middles (< 43.82), each with probability 0.999; fixed seed.
 */
static void
test_guard_middle_weights(void **state)
{
	struct netstatus *c = netstatus_new(NS_CONSENSUS);
	struct docfmt_reason r;
	struct ns_entry e;
	nodelist_t *nl;
	uint64_t seed = 0xfeedface1234ULL;
	struct path_opts o = { .po_port = 80, .po_enforce_subnets = true, .po_rng = test_rng,
	    .po_rng_arg = &seed };
	struct path p;
	uint32_t gcount[21] = { 0 }, mcount[21] = { 0 }, i, j;
	double gw = 0, all = 0, wexit = 0, chi_g = 0, chi_m = 0, expect;

	c->ns_valid_after = 1700000000;
	c->ns_fresh_until = c->ns_valid_after + 3600;
	c->ns_valid_until = c->ns_valid_after + 3 * 3600;
	c->ns_n_voters = 1;
	for (i = 0; i < 21; i++) {
		memset(&e, 0, sizeof(e));
		relay_id(1000 + i, e.e_id);
		snprintf(e.e_nickname, sizeof(e.e_nickname), "w%u", i);
		e.e_ipv4 = 0x0a000001u | (i << 16);
		e.e_or_port = 9001;
		e.e_flags = NSF_RUNNING | NSF_VALID | NSF_FAST;
		policy_summary_reject_all(&e.e_policy);
		if (i == 0) {
			e.e_flags |= NSF_EXIT;
			e.e_bandwidth = 500;
			assert_int_equal(policy_summary_parse("accept 80", &e.e_policy), 0);
		} else if (i <= 10) {
			e.e_flags |= NSF_GUARD;
			e.e_bandwidth = 100 * i;
		} else {
			e.e_bandwidth = 100 * (i - 10) - 50;
		}
		netstatus_add_entry(c, &e);
	}
	assert_int_equal(netstatus_finish(c, &r), 0);
	nl = nodelist_new(c);
	netstatus_free(c);
	for (i = 0; i < nl->nl_n; i++) {
		all += nl->nl_nodes[i].n_bandwidth;
		if (nl->nl_nodes[i].n_flags & NSF_GUARD)
			gw += nl->nl_nodes[i].n_bandwidth;
		if (nl->nl_nodes[i].n_flags & NSF_EXIT)
			wexit = nl->nl_nodes[i].n_bandwidth;
	}
	for (i = 0; i < NPATHS; i++) {
		assert_int_equal(path_choose(nl, &o, &p, &r), 0);
		check_path(&p, 80);
		gcount[p.p_guard - nl->nl_nodes]++;
		mcount[p.p_middle - nl->nl_nodes]++;
	}
	for (i = 0; i < nl->nl_n; i++) {
		const struct node *n = &nl->nl_nodes[i];

		if (n->n_flags & NSF_GUARD) {
			expect = NPATHS * n->n_bandwidth / gw;
			chi_g += (gcount[i] - expect) * (gcount[i] - expect) / expect;
		} else {
			assert_int_equal(gcount[i], 0);
		}
		if (n->n_flags & NSF_EXIT) {
			assert_int_equal(mcount[i], 0);
			continue;
		}
		/* P(middle = i) = sum over guards g != i of P(g) w_i / (W - w_exit - w_g). */
		expect = 0;
		for (j = 0; j < nl->nl_n; j++) {
			const struct node *g = &nl->nl_nodes[j];

			if (j == i || !(g->n_flags & NSF_GUARD))
				continue;
			expect += (g->n_bandwidth / gw) * n->n_bandwidth /
			    (all - wexit - g->n_bandwidth);
		}
		expect *= NPATHS;
		chi_m += (mcount[i] - expect) * (mcount[i] - expect) / expect;
	}
	if (chi_g >= 27.88)
		fail_msg("guards: chi-square %.2f over 9 df", chi_g);
	if (chi_m >= 43.82)
		fail_msg("middles: chi-square %.2f over 19 df", chi_m);
	print_message("guards chi2=%.2f (9 df), middles chi2=%.2f (19 df)\n", chi_g, chi_m);
	nodelist_free(nl);
}

static void
test_guard_pinning(void **state)
{
	nodelist_t *nl = make_nodelist(NRELAYS, 0x0a000000);
	uint64_t seed = 42;
	uint8_t gid[32];
	struct path_opts o = { .po_port = 443, .po_enforce_subnets = true, .po_guard = gid,
	    .po_rng = test_rng, .po_rng_arg = &seed };
	struct docfmt_reason r;
	struct path p;
	size_t i;

	relay_id(21, gid);	/* a Guard */
	for (i = 0; i < 500; i++) {
		assert_int_equal(path_choose(nl, &o, &p, &r), 0);
		check_path(&p, 443);
		assert_memory_equal(p.p_guard->n_id, gid, 32);
		assert_false(p.p_guard_replaced);
		/* Exit 20 shares the guard's /16: never chosen with it. */
		assert_string_not_equal(p.p_exit->n_nickname, "n20");
	}
	/* A pinned relay that is not a Guard, or unknown, is replaced. */
	relay_id(22, gid);
	assert_int_equal(path_choose(nl, &o, &p, &r), 0);
	assert_true(p.p_guard_replaced);
	assert_memory_not_equal(p.p_guard->n_id, gid, 32);
	relay_id(9999, gid);
	assert_int_equal(path_choose(nl, &o, &p, &r), 0);
	assert_true(p.p_guard_replaced);
	nodelist_free(nl);
}

/*
 * Excluded relays (those that did not answer lately) are never middle or
 * exit; the pinned guard stays even when listed; excluding every exit
 * leaves no path, with the usual reason.
 */
static void
test_exclude(void **state)
{
	nodelist_t *nl = make_nodelist(NRELAYS, 0x0a000000);
	uint64_t seed = 99;
	uint8_t gid[32], ex[12][32];
	struct path_opts o = { .po_port = 443, .po_enforce_subnets = true, .po_guard = gid,
	    .po_rng = test_rng, .po_rng_arg = &seed, .po_exclude = ex, .po_n_exclude = 4 };
	struct docfmt_reason r;
	struct path p;
	size_t i, j, heavy = 0;

	relay_id(21, gid);	/* the guard, listed below too */
	relay_id(180, ex[0]);	/* the heaviest exit */
	relay_id(5, ex[1]);	/* two middles */
	relay_id(7, ex[2]);
	memcpy(ex[3], gid, 32);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(path_choose(nl, &o, &p, &r), 0);
		check_path(&p, 443);
		assert_memory_equal(p.p_guard->n_id, gid, 32);
		for (j = 0; j < 3; j++) {
			assert_memory_not_equal(p.p_exit->n_id, ex[j], 32);
			assert_memory_not_equal(p.p_middle->n_id, ex[j], 32);
		}
	}
	/* Positive control: without the list the heaviest exit is chosen. */
	o.po_n_exclude = 0;
	for (i = 0; i < 2000; i++) {
		assert_int_equal(path_choose(nl, &o, &p, &r), 0);
		heavy += memcmp(p.p_exit->n_id, ex[0], 32) == 0;
	}
	assert_true(heavy > 100);
	/* Every exit excluded: no path. */
	for (i = 0; i < 10; i++)
		relay_id((uint32_t)i * 20, ex[i]);
	o.po_n_exclude = 10;
	assert_int_equal(path_choose(nl, &o, &p, &r), -1);
	assert_string_equal(r.msg, "no exit relay accepts port 443 alongside our guard");
	nodelist_free(nl);
}

static void
test_failures(void **state)
{
	nodelist_t *nl = make_nodelist(NRELAYS, 0x0a000000), *tiny, *loop;
	uint64_t seed = 7;
	struct path_opts o = { .po_port = 25, .po_enforce_subnets = true, .po_rng = test_rng,
	    .po_rng_arg = &seed };
	struct docfmt_reason r;
	struct path p;

	assert_int_equal(path_choose(nl, &o, &p, &r), -1);
	assert_string_equal(r.msg, "no exit relay accepts port 25");
	assert_null(p.p_exit);
	nodelist_free(nl);

	/* Relays 0..3 share one /16: only with the subnet rule off is there a path. */
	tiny = make_nodelist(4, 0x0a000000);
	o.po_port = 80;
	assert_int_equal(path_choose(tiny, &o, &p, &r), -1);
	assert_non_null(strstr(r.msg, "no usable guard for exit n0"));
	o.po_enforce_subnets = false;
	assert_int_equal(path_choose(tiny, &o, &p, &r), 0);
	assert_string_equal(p.p_exit->n_nickname, "n0");
	assert_string_equal(p.p_guard->n_nickname, "n1");
	/* n2 and n3 are mutual family; either may be the middle, never both. */
	assert_true(strcmp(p.p_middle->n_nickname, "n2") == 0 ||
	    strcmp(p.p_middle->n_nickname, "n3") == 0);
	nodelist_free(tiny);

	/* Only two relays: no path, and a clean reason. */
	loop = make_nodelist(2, 0x7f000000);
	assert_int_equal(path_choose(loop, &o, &p, &r), -1);
	assert_non_null(strstr(r.msg, "no middle relay fits"));
	nodelist_free(loop);
}

static void
test_guard_state(void **state)
{
	struct guard_state gs, back;
	struct docfmt_reason r;
	size_t len;
	char *s;
	static const char *const bad[] = {
		"guard 00\nfirst-chosen 2023-11-14 22:13:20\n",
		"guard @\n",
		"guard @\nfirst-chosen 2023-11-14\n",
		"guard @\nfirst-chosen 2023-11-14 22:13:20\nlast-failure never\n",
		"guard @\nfirst-chosen 2023-11-14 22:13:20\nextra 1\n",
		"guard @\nfirst-chosen 2023-11-14 22:13:20",
	};
	char fp[DOCFMT_FP_HEXLEN + 1];
	size_t i;

	memset(&gs, 0, sizeof(gs));
	s = guard_state_format(&gs, &len);
	assert_int_equal(len, 0);
	assert_int_equal(guard_state_parse(s, len, &back, &r), 0);
	assert_false(back.gs_has_guard);
	free(s);

	gs.gs_has_guard = true;
	relay_id(5, gs.gs_id);
	gs.gs_first_chosen = 1700000000;
	s = guard_state_format(&gs, &len);
	assert_int_equal(guard_state_parse(s, len, &back, &r), 0);
	assert_memory_equal(&gs, &back, sizeof(gs));
	free(s);
	gs.gs_last_failure = 1700003600;
	s = guard_state_format(&gs, &len);
	assert_non_null(strstr(s, "last-failure 2023-11-14 23:13:20\n"));
	assert_int_equal(guard_state_parse(s, len, &back, &r), 0);
	assert_memory_equal(&gs, &back, sizeof(gs));
	free(s);

	docfmt_fp_encode(gs.gs_id, fp);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		const char *at = strchr(bad[i], '@');
		char *doc = at ? xasprintf("%.*s%s%s", (int)(at - bad[i]), bad[i], fp, at + 1) :
		    xstrdup(bad[i]);

		assert_int_equal(guard_state_parse(doc, strlen(doc), &back, &r), -1);
		assert_false(back.gs_has_guard && i == 0);
		free(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodelist),
		cmocka_unit_test(test_many_paths),
		cmocka_unit_test(test_guard_middle_weights),
		cmocka_unit_test(test_guard_pinning),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_guard_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
