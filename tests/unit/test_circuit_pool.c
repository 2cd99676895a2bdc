/*
 * Unit tests for the circuit reuse rule and the static path picker
 * (feature/client/client_policy, used by circuit_pool), and for the pool's
 * path around the relays a request avoids (client_pick_path_around).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "feature/client/circuit_pool.h"
#include "feature/client/client_policy.h"

static void
view_open(struct client_circ_view *v)
{
	memset(v, 0, sizeof(*v));
	v->cv_open = true;
	v->cv_general = true;
	v->cv_epoch = 1;
}

static void
test_usable_dirtiness_epoch(void **state)
{
	struct client_circ_view v;

	(void)state;
	view_open(&v);
	assert_true(client_circ_usable(&v, 443, "k", 1, 1000, 600, false));
	/* Dirty for less than the window: usable; at or past it: not. */
	v.cv_dirty_since = 500;
	v.cv_isolation = "k";
	assert_true(client_circ_usable(&v, 443, "k", 1, 1099, 600, false));
	assert_false(client_circ_usable(&v, 443, "k", 1, 1100, 600, false));
	assert_false(client_circ_usable(&v, 443, "k", 1, 5000, 600, false));
	/* NEWNYM: an older epoch takes no new streams, clean or not. */
	view_open(&v);
	assert_false(client_circ_usable(&v, 443, "k", 2, 1000, 600, false));
	/* Retired (a stream timed out on it), closing, or not general. */
	view_open(&v);
	v.cv_retired = true;
	assert_false(client_circ_usable(&v, 443, "k", 1, 1000, 600, false));
	view_open(&v);
	v.cv_open = false;
	assert_false(client_circ_usable(&v, 443, "k", 1, 1000, 600, true));
	view_open(&v);
	v.cv_general = false;
	assert_false(client_circ_usable(&v, 443, "k", 1, 1000, 600, false));
}

static void
test_usable_exit_policy(void **state)
{
	struct client_circ_view v;
	struct policy_summary ps;

	(void)state;
	view_open(&v);
	/* Unknown policy: assume the exit accepts. */
	assert_true(client_circ_usable(&v, 22, "k", 1, 0, 600, false));
	assert_int_equal(policy_summary_parse("accept 80,443", &ps), 0);
	v.cv_exit_policy = &ps;
	assert_true(client_circ_usable(&v, 80, "k", 1, 0, 600, false));
	assert_true(client_circ_usable(&v, 443, "k", 1, 0, 600, false));
	assert_false(client_circ_usable(&v, 22, "k", 1, 0, 600, false));
	/* RESOLVE (port 0) needs an exit that accepts anything. */
	assert_true(client_circ_usable(&v, 0, "k", 1, 0, 600, false));
	policy_summary_reject_all(&ps);
	assert_false(client_circ_usable(&v, 0, "k", 1, 0, 600, false));
	assert_int_equal(policy_summary_parse("reject 25", &ps), 0);
	assert_false(client_circ_usable(&v, 25, "k", 1, 0, 600, false));
	assert_true(client_circ_usable(&v, 26, "k", 1, 0, 600, false));
}

/* A static relay named nick on ip:port with flags and optional policy. */
static void
relay_set(struct client_relay *r, const char *nick, const char *addr, uint8_t idbyte,
    uint32_t flags, const char *policy)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->cr_info.ri_nickname, sizeof(r->cr_info.ri_nickname), "%s", nick);
	assert_int_equal(addr_parse(addr, false, &r->cr_info.ri_addr), 0);
	memset(r->cr_info.ri_id, idbyte, IDENTITY_LEN);
	r->cr_flags = flags | CLIENT_RELAY_RUNNING | CLIENT_RELAY_VALID;
	if (policy != NULL) {
		r->cr_has_policy = true;
		assert_int_equal(policy_summary_parse(policy, &r->cr_policy), 0);
	}
}

static const struct client_relay *
find(const struct client_relay *rs, size_t n, const struct relay_info *ri)
{
	const struct client_relay *r = client_relay_find(rs, n, ri->ri_id);

	assert_non_null(r);
	return r;
}

static void
test_pick_static(void **state)
{
	struct client_relay rs[6];
	struct relay_info out[3];
	int i, seen_exit_b = 0, seen_exit_c = 0, guard_flagged = 0;

	(void)state;
	relay_set(&rs[0], "g1", "127.1.0.1:5000", 1, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[1], "m1", "127.2.0.1:5000", 2, 0, NULL);
	relay_set(&rs[2], "m2", "127.3.0.1:5000", 3, 0, NULL);
	relay_set(&rs[3], "ea", "127.4.0.1:5000", 4, CLIENT_RELAY_EXIT, "accept 22");
	relay_set(&rs[4], "eb", "127.5.0.1:5000", 5, CLIENT_RELAY_EXIT, "reject 22");
	relay_set(&rs[5], "ec", "127.6.0.1:5000", 6, CLIENT_RELAY_EXIT, NULL);
	for (i = 0; i < 300; i++) {
		const struct client_relay *g, *m, *e;

		assert_int_equal(client_pick_static(rs, 6, 80, true, out), 3);
		g = find(rs, 6, &out[0]);
		m = find(rs, 6, &out[1]);
		e = find(rs, 6, &out[2]);
		/* Distinct, exit last and Exit-flagged, accepting port 80. */
		assert_true(g != m && m != e && g != e);
		assert_true(e->cr_flags & CLIENT_RELAY_EXIT);
		assert_true(e != &rs[3]);
		seen_exit_b += e == &rs[4];
		seen_exit_c += e == &rs[5];
		guard_flagged += (g->cr_flags & CLIENT_RELAY_GUARD) != 0;
	}
	/* Random among the eligible exits; the Guard-flagged relay first. */
	assert_true(seen_exit_b > 50 && seen_exit_c > 50);
	assert_int_equal(guard_flagged, 300);
	/* Port 22: only ea and ec qualify. */
	for (i = 0; i < 100; i++) {
		assert_int_equal(client_pick_static(rs, 6, 22, true, out), 3);
		assert_true(find(rs, 6, &out[2]) != &rs[4]);
	}
}

static void
test_pick_static_constraints(void **state)
{
	struct client_relay rs[4];
	struct relay_info out[3];
	int i;

	(void)state;
	/* Three relays in one /16: only without the subnet rule. */
	relay_set(&rs[0], "a", "127.0.0.1:5001", 1, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[1], "b", "127.0.0.1:5002", 2, 0, NULL);
	relay_set(&rs[2], "c", "127.0.0.1:5003", 3, CLIENT_RELAY_EXIT, NULL);
	assert_int_equal(client_pick_static(rs, 3, 80, true, out), -1);
	for (i = 0; i < 50; i++) {
		assert_int_equal(client_pick_static(rs, 3, 80, false, out), 3);
		assert_memory_equal(out[2].ri_id, rs[2].cr_info.ri_id, IDENTITY_LEN);
		assert_memory_equal(out[0].ri_id, rs[0].cr_info.ri_id, IDENTITY_LEN);
	}
	/* The only exit is also the only Guard: the guard falls back to any. */
	relay_set(&rs[0], "a", "127.1.0.1:5001", 1, 0, NULL);
	relay_set(&rs[1], "b", "127.2.0.1:5002", 2, 0, NULL);
	relay_set(&rs[2], "c", "127.3.0.1:5003", 3, CLIENT_RELAY_EXIT | CLIENT_RELAY_GUARD,
	    NULL);
	assert_int_equal(client_pick_static(rs, 3, 80, true, out), 3);
	assert_memory_equal(out[2].ri_id, rs[2].cr_info.ri_id, IDENTITY_LEN);
	/* No exit accepts the port, too few relays, duplicate identities. */
	relay_set(&rs[2], "c", "127.3.0.1:5003", 3, CLIENT_RELAY_EXIT, "accept 443");
	assert_int_equal(client_pick_static(rs, 3, 80, true, out), -1);
	assert_int_equal(client_pick_static(rs, 3, 443, true, out), 3);
	assert_int_equal(client_pick_static(rs, 2, 443, true, out), -1);
	relay_set(&rs[1], "b", "127.2.0.1:5002", 1, 0, NULL);
	assert_int_equal(client_pick_static(rs, 3, 443, true, out), -1);
	relay_set(&rs[3], "d", "127.4.0.1:5004", 4, 0, NULL);
	assert_int_equal(client_pick_static(rs, 4, 443, true, out), 3);
}

/* A pinned guard is always the first hop; the rest is chosen around it. */
static void
test_pick_static_pinned_guard(void **state)
{
	struct client_relay rs[6];
	struct relay_info out[3];
	uint8_t unknown[IDENTITY_LEN];
	int i;

	(void)state;
	relay_set(&rs[0], "g1", "127.1.0.1:5000", 1, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[1], "g2", "127.2.0.1:5000", 2, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[2], "m2", "127.3.0.1:5000", 3, 0, NULL);
	relay_set(&rs[3], "ea", "127.4.0.1:5000", 4, CLIENT_RELAY_EXIT, "accept 22");
	relay_set(&rs[4], "eb", "127.5.0.1:5000", 5, CLIENT_RELAY_EXIT, "reject 22");
	relay_set(&rs[5], "ec", "127.6.0.1:5000", 6, CLIENT_RELAY_EXIT, "reject 22");
	for (i = 0; i < 200; i++) {
		assert_int_equal(client_pick_static_guarded(rs, 6, 80, true,
		    rs[1].cr_info.ri_id, out), 3);
		assert_memory_equal(out[0].ri_id, rs[1].cr_info.ri_id, IDENTITY_LEN);
		assert_true(find(rs, 6, &out[2])->cr_flags & CLIENT_RELAY_EXIT);
		assert_true(find(rs, 6, &out[2]) != &rs[3]);
		assert_true(find(rs, 6, &out[1]) != &rs[1]);
	}
	/* The pinned guard is the only relay allowing port 22's exit: no path. */
	assert_int_equal(client_pick_static_guarded(rs, 6, 22, true, rs[3].cr_info.ri_id, out), -1);
	/* An identity not in the list: chosen as if nothing were pinned. */
	memset(unknown, 0xee, sizeof(unknown));
	assert_int_equal(client_pick_static_guarded(rs, 6, 80, true, unknown, out), 3);
}

/*
 * Primary guards: a guard whose link failed is passed over until its
 * retry time, the next listed one is used, and no more than
 * CLIENT_PRIMARY_GUARDS relays are ever drawn however often links fail.
 */
static void
test_guards_failover(void **state)
{
	struct client_relay rs[5];
	struct client_guards g;
	const uint8_t *cur;

	(void)state;
	memset(&g, 0, sizeof(g));
	relay_set(&rs[0], "g1", "127.1.0.1:5000", 1, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[1], "g2", "127.2.0.1:5000", 2, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[2], "g3", "127.3.0.1:5000", 3, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[3], "g4", "127.4.0.1:5000", 4, CLIENT_RELAY_GUARD, NULL);
	relay_set(&rs[4], "e", "127.5.0.1:5000", 5, CLIENT_RELAY_EXIT, NULL);
	/* Nothing listed: the caller picks. */
	assert_null(client_guards_current(&g, rs, 5, 100));
	client_guards_add(&g, rs[0].cr_info.ri_id);
	client_guards_add(&g, rs[0].cr_info.ri_id);	/* no duplicates */
	assert_int_equal(g.cg_n, 1);
	cur = client_guards_current(&g, rs, 5, 100);
	assert_non_null(cur);
	assert_memory_equal(cur, rs[0].cr_info.ri_id, IDENTITY_LEN);
	/* g1 fails: no listed guard is up, room for another. */
	client_guards_failed(&g, rs[0].cr_info.ri_id, 100, 60);
	assert_true(client_guards_listed(&g, rs[0].cr_info.ri_id));
	assert_null(client_guards_current(&g, rs, 5, 101));
	client_guards_add(&g, rs[1].cr_info.ri_id);
	assert_memory_equal(client_guards_current(&g, rs, 5, 101), rs[1].cr_info.ri_id,
	    IDENTITY_LEN);
	/* Once its retry time comes, the first guard is preferred again. */
	assert_memory_equal(client_guards_current(&g, rs, 5, 160), rs[0].cr_info.ri_id,
	    IDENTITY_LEN);
	/* All three down: the one to retry first, never a fourth. */
	client_guards_failed(&g, rs[1].cr_info.ri_id, 101, 60);	/* until 161 */
	client_guards_add(&g, rs[2].cr_info.ri_id);
	client_guards_failed(&g, rs[2].cr_info.ri_id, 102, 60);	/* until 162 */
	client_guards_add(&g, rs[3].cr_info.ri_id);		/* list full: ignored */
	assert_int_equal(g.cg_n, CLIENT_PRIMARY_GUARDS);
	assert_false(client_guards_listed(&g, rs[3].cr_info.ri_id));
	assert_memory_equal(client_guards_current(&g, rs, 5, 120), rs[0].cr_info.ri_id,
	    IDENTITY_LEN);
	client_guards_failed(&g, rs[0].cr_info.ri_id, 120, 60);	/* until 180 */
	assert_memory_equal(client_guards_current(&g, rs, 5, 121), rs[1].cr_info.ri_id,
	    IDENTITY_LEN);
	/* A guard that left the relay list is forgotten, making room. */
	assert_null(client_guards_current(&g, &rs[1], 4, 121));
	assert_int_equal(g.cg_n, 2);
	assert_false(client_guards_listed(&g, rs[0].cr_info.ri_id));
	assert_memory_equal(client_guards_current(&g, &rs[1], 4, 170), rs[1].cr_info.ri_id,
	    IDENTITY_LEN);
}

/* Relays that did not answer: left out until their time, bounded table. */
/*
 * A network of one guard (1), one middle (2) and two exits (12, 13); the
 * fake picker takes the first middle and exit that ex leaves.  The case
 * of net_faults' frozen exit: the request avoids [13, 2] (the exit of the
 * circuit that did not answer, then its middle).  No path leaves out
 * both, but one leaves out the exit: that one, not any path.
 */
static const uint8_t fake_middles[] = { 2 }, fake_exits[] = { 12, 13 };
static int fake_calls;
static bool fake_down;	/* no relay at all */

static bool
fake_excluded(const struct client_exclude *ex, uint8_t id)
{
	size_t i;

	for (i = 0; ex != NULL && i < ex->ce_n; i++)
		if (ex->ce_id[i][0] == id)
			return true;
	return false;
}

static int
fake_pick(uint16_t port, const struct client_exclude *ex, struct relay_info out[3])
{
	size_t i;
	int m = -1, e = -1;

	fake_calls++;
	if (fake_down)
		return -1;
	for (i = 0; i < sizeof(fake_middles) && m < 0; i++)
		if (!fake_excluded(ex, fake_middles[i]))
			m = fake_middles[i];
	for (i = 0; i < sizeof(fake_exits) && e < 0; i++)
		if (!fake_excluded(ex, fake_exits[i]))
			e = fake_exits[i];
	if (m < 0 || e < 0)
		return -1;
	memset(out, 0, 3 * sizeof(*out));
	out[0].ri_id[0] = 1;
	out[1].ri_id[0] = (uint8_t)m;
	out[2].ri_id[0] = (uint8_t)e;
	return 3;
}

static void
test_pick_around(void **state)
{
	client_pick_path_fn saved = client_pick_path;
	struct client_exclude ex;
	struct relay_info out[3];

	(void)state;
	client_pick_path = fake_pick;
	/* [exit 13, middle 2]: only the exit can be left out. */
	memset(&ex, 0, sizeof(ex));
	ex.ce_id[0][0] = 13;
	ex.ce_id[1][0] = 2;
	ex.ce_n = 2;
	assert_int_equal(client_pick_path_around(80, &ex, out), 3);
	assert_int_equal(ex.ce_n, 1);
	assert_int_equal(out[1].ri_id[0], 2);
	assert_int_equal(out[2].ri_id[0], 12);
	/* [exit 12]: a path leaves it out, ex untouched. */
	memset(&ex, 0, sizeof(ex));
	ex.ce_id[0][0] = 12;
	ex.ce_n = 1;
	assert_int_equal(client_pick_path_around(80, &ex, out), 3);
	assert_int_equal(ex.ce_n, 1);
	assert_int_equal(out[2].ri_id[0], 13);
	/* [middle 2, exit 13]: the first, the middle, cannot be left out: any path. */
	memset(&ex, 0, sizeof(ex));
	ex.ce_id[0][0] = 2;
	ex.ce_id[1][0] = 13;
	ex.ce_n = 2;
	fake_calls = 0;
	assert_int_equal(client_pick_path_around(80, &ex, out), 3);
	assert_int_equal(ex.ce_n, 0);
	assert_int_equal(fake_calls, 3);
	/* Nothing to leave out: any path; no relay at all: no path. */
	memset(&ex, 0, sizeof(ex));
	assert_int_equal(client_pick_path_around(80, &ex, out), 3);
	ex.ce_id[0][0] = 12;
	ex.ce_n = 1;
	fake_down = true;
	assert_int_equal(client_pick_path_around(80, &ex, out), -1);
	fake_down = false;
	client_pick_path = saved;
}

static void
test_avoid(void **state)
{
	struct client_avoid a;
	uint8_t id[CLIENT_AVOID_MAX + 1][IDENTITY_LEN];
	int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	for (i = 0; i <= CLIENT_AVOID_MAX; i++)
		memset(id[i], i + 1, IDENTITY_LEN);
	assert_false(client_avoid_has(&a, id[0], 0));
	client_avoid_add(&a, id[0], 160);
	assert_true(client_avoid_has(&a, id[0], 100));
	assert_true(client_avoid_has(&a, id[0], 159.9));
	assert_false(client_avoid_has(&a, id[0], 160));
	assert_false(client_avoid_has(&a, id[1], 100));
	/* Again: the time is replaced, not a second entry. */
	client_avoid_add(&a, id[0], 200);
	assert_true(client_avoid_has(&a, id[0], 190));
	/* Full: a new one replaces the entry that expires first. */
	for (i = 1; i < CLIENT_AVOID_MAX; i++)
		client_avoid_add(&a, id[i], 300 + i);
	client_avoid_add(&a, id[CLIENT_AVOID_MAX], 400);
	assert_false(client_avoid_has(&a, id[0], 100));
	for (i = 1; i <= CLIENT_AVOID_MAX; i++)
		assert_true(client_avoid_has(&a, id[i], 250));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usable_dirtiness_epoch),
		cmocka_unit_test(test_usable_exit_policy),
		cmocka_unit_test(test_pick_static),
		cmocka_unit_test(test_pick_static_constraints),
		cmocka_unit_test(test_pick_static_pinned_guard),
		cmocka_unit_test(test_guards_failover),
		cmocka_unit_test(test_avoid),
		cmocka_unit_test(test_pick_around),
	};

	return cmocka_run_group_tests_name("circuit_pool", tests, NULL, NULL);
}
