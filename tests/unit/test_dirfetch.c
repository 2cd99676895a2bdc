/*
 * Unit tests for the client's directory decisions: consensus verdicts
 * (signature majority, unknown keys, tampering, validity window,
 * reasonably-live reference, rollback), the refetch schedule (Tor's
 * window, with hour-long and 10-second intervals), the retry backoff,
 * the guard replacement rule, and the guard and cache files.
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
#include <unistd.h>
#include <cmocka.h>

#include "feature/client/dirfetch_policy.h"
#include "feature/client/guard.h"
#include "feature/client/statefile.h"
#include "feature/dir/consensus.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/util.h"

#define VA	1700000000LL

static ed25519_key_t *auth[4];	/* auth[3] is not trusted */
static uint8_t trusted[3][32];

static int
setup(void **state)
{
	size_t i;

	crypto_global_init();
	for (i = 0; i < 4; i++) {
		uint8_t seed[32];

		memset(seed, (int)(0x40 + i), sizeof(seed));
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

/* xorshift64*: deterministic test RNG. */
static uint64_t
test_rng(void *arg, uint64_t n)
{
	uint64_t *s = arg;

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL) % n;
}

static uint64_t
rng_min(void *arg, uint64_t n)
{
	return 0;
}

static uint64_t
rng_max(void *arg, uint64_t n)
{
	return n - 1;
}

static void
make_entry(struct ns_entry *e, uint32_t i)
{
	uint8_t seed[4];

	memset(e, 0, sizeof(*e));
	be32_store(seed, i);
	digest_sha256(seed, sizeof(seed), e->e_id);
	snprintf(e->e_nickname, sizeof(e->e_nickname), "r%u", i);
	e->e_published = VA - 600;
	e->e_ipv4 = 0x0a000001u | (i << 16);
	e->e_or_port = 9001;
	digest_sha256(e->e_id, 32, e->e_onion_key);
	e->e_flags = NSF_RUNNING | NSF_VALID | NSF_FAST | (i % 2 ? NSF_GUARD : NSF_EXIT);
	e->e_bandwidth = 100 + i;
	if (i % 2)
		policy_summary_reject_all(&e->e_policy);
	else
		assert_int_equal(policy_summary_parse("accept 80,443", &e->e_policy), 0);
}

/*
 * A consensus valid from va, fresh for an hour, valid for three, listing
 * 6 relays, signed by the authorities whose bits are set in signers
 * (bit 3: the untrusted one), formatted and parsed back as a client
 * would see it.  tamper: one byte of a relay's weight changed after signing.
 */
static struct netstatus *
consensus(int64_t va, unsigned signers, bool tamper)
{
	struct netstatus *c = netstatus_new(NS_CONSENSUS), *p;
	struct docfmt_reason r;
	struct ns_entry e;
	char *doc, *w;
	size_t i, len;

	c->ns_valid_after = va;
	c->ns_fresh_until = va + 3600;
	c->ns_valid_until = va + 3 * 3600;
	c->ns_voting_interval = 3600;
	for (i = 0; i < 3; i++)
		memcpy(c->ns_voters[i], trusted[i], 32);
	c->ns_n_voters = 3;
	for (i = 0; i < 6; i++) {
		make_entry(&e, (uint32_t)i);
		netstatus_add_entry(c, &e);
	}
	assert_int_equal(netstatus_finish(c, &r), 0);
	for (i = 0; i < 4; i++)
		if (signers & (1u << i))
			assert_int_equal(netstatus_sign(c, auth[i]), 0);
	doc = netstatus_format(c, &len);
	if (tamper) {
		w = strstr(doc, "\nw 10");
		assert_non_null(w);
		w[5] = w[5] == '9' ? '8' : '9';
	}
	assert_int_equal(netstatus_parse(doc, len, NS_CONSENSUS, &p, &r), PARSE_OK);
	free(doc);
	netstatus_free(c);
	return p;
}

static void
expect(const struct netstatus *c, const struct netstatus *held, int64_t now,
    enum dirfetch_verdict want, const char *why_part)
{
	struct docfmt_reason r;
	enum dirfetch_verdict v;

	memset(&r, 0, sizeof(r));
	v = dirfetch_judge(c, held, (const uint8_t (*)[32])trusted, 3, now, &r);
	if (v != want)
		fail_msg("verdict %d, wanted %d (%s)", v, want, r.msg);
	if (why_part != NULL && strstr(r.msg, why_part) == NULL)
		fail_msg("reason '%s' lacks '%s'", r.msg, why_part);
}

static void
test_verdicts(void **state)
{
	struct netstatus *all = consensus(VA, 0x7, false);
	struct netstatus *two = consensus(VA, 0x5, false);
	struct netstatus *one = consensus(VA, 0x2, false);
	struct netstatus *rogue = consensus(VA, 0x8, false);
	struct netstatus *one_rogue = consensus(VA, 0xa, false);
	struct netstatus *tampered = consensus(VA, 0x7, true);
	struct netstatus *older = consensus(VA - 3600, 0x7, false);
	struct netstatus *newer = consensus(VA + 3600, 0x7, false);
	int64_t now = VA + 600;

	expect(all, NULL, now, DFV_ACCEPT, NULL);
	expect(two, NULL, now, DFV_ACCEPT, NULL);
	expect(one, NULL, now, DFV_REJECT, "signed by 1 of 3 trusted authorities, need 2");
	expect(rogue, NULL, now, DFV_REJECT, "signed by 0 of 3 trusted authorities, need 2");
	expect(one_rogue, NULL, now, DFV_REJECT, "signed by 1 of 3");
	expect(tampered, NULL, now, DFV_REJECT, "bad signature from ");
	expect(tampered, NULL, now, DFV_REJECT, "signed by 0 of 3");

	/* The window: skew before valid-after, then live until valid-until. */
	expect(all, NULL, VA - CONSENSUS_CLOCK_SKEW, DFV_ACCEPT, NULL);
	expect(all, NULL, VA - CONSENSUS_CLOCK_SKEW - 1, DFV_REJECT, "not valid until");
	expect(all, NULL, VA + 3 * 3600, DFV_ACCEPT, NULL);
	/* Expired: a reference for a day, then nothing. */
	expect(all, NULL, VA + 3 * 3600 + 1, DFV_REFERENCE, "expired at 2023-11-15 01:13:20");
	expect(all, NULL, VA + 3 * 3600 + DIRFETCH_REASONABLY_LIVE, DFV_REFERENCE, "expired");
	expect(all, NULL, VA + 3 * 3600 + DIRFETCH_REASONABLY_LIVE + 1, DFV_REJECT, "expired");
	/* An expired one is no reference unless its signatures hold. */
	expect(one, NULL, VA + 4 * 3600, DFV_REJECT, "signed by 1 of 3");

	/* Rollback: never older than what we hold; the same is no news. */
	expect(older, all, now, DFV_REJECT, "rollback refused");
	expect(older, all, now, DFV_REJECT, "valid-after 2023-11-14 21:13:20, ours 2023-11-14 22:13:20");
	expect(all, all, now, DFV_SAME, "not newer");
	expect(two, all, now, DFV_SAME, NULL);
	expect(all, older, now, DFV_ACCEPT, NULL);
	expect(newer, all, VA + 3600 + 10, DFV_ACCEPT, NULL);
	expect(all, newer, VA + 4 * 3600, DFV_REJECT, "rollback refused");
	/* A bad one is refused for its signatures before anything else. */
	expect(one, older, now, DFV_REJECT, "signed by 1 of 3");

	netstatus_free(all);
	netstatus_free(two);
	netstatus_free(one);
	netstatus_free(rogue);
	netstatus_free(one_rogue);
	netstatus_free(tampered);
	netstatus_free(older);
	netstatus_free(newer);
}

/* The clock hint: only for a well-signed consensus, only out of its window. */
static void
test_clock_hint(void **state)
{
	struct netstatus *all = consensus(VA, 0x7, false);
	struct netstatus *one = consensus(VA, 0x2, false);
	const uint8_t (*t)[32] = (const uint8_t (*)[32])trusted;
	char h[256];

	assert_false(dirfetch_clock_hint(all, t, 3, VA + 600, h, sizeof(h)));
	assert_false(dirfetch_clock_hint(all, t, 3, VA - CONSENSUS_CLOCK_SKEW, h, sizeof(h)));
	/* Our clock 2 h 5 min behind the consensus: slow. */
	assert_true(dirfetch_clock_hint(all, t, 3, VA - 7500, h, sizeof(h)));
	assert_non_null(strstr(h, "starts 2 h 5 min after this machine's clock: is the clock slow?"));
	/* 3 days after it expired: the clock is fast, or the network stalled. */
	assert_true(dirfetch_clock_hint(all, t, 3, VA + 3 * 3600 + 3 * 86400 + 7200, h, sizeof(h)));
	assert_non_null(strstr(h, "expired 3 d 2 h before this machine's clock"));
	assert_non_null(strstr(h, "the clock is fast"));
	assert_true(dirfetch_clock_hint(all, t, 3, VA + 3 * 3600 + 45, h, sizeof(h)));
	assert_non_null(strstr(h, "expired 45 s before"));
	/* Badly signed: a matter of trust, not of time. */
	assert_false(dirfetch_clock_hint(one, t, 3, VA - 7500, h, sizeof(h)));
	assert_false(dirfetch_clock_hint(one, t, 3, VA + 5 * 86400, h, sizeof(h)));
	netstatus_free(all);
	netstatus_free(one);
}

static void
test_schedule(void **state)
{
	uint64_t seed = 0xabcdef12345ULL;
	int64_t t, lo = INT64_MAX, hi = 0;
	int i;

	/* Tor's hour: fresh 1 h, valid 3 h -> [VA + 1h45m, VA + 1h45m + 3937 s). */
	assert_int_equal(dirfetch_next_fetch(VA, VA + 3600, VA + 10800, VA, rng_min, NULL),
	    VA + 6300);
	assert_int_equal(dirfetch_next_fetch(VA, VA + 3600, VA + 10800, VA, rng_max, NULL),
	    VA + 6300 + 3936);
	/* A 10 s test network, valid 30 s: [VA + 17, VA + 28). */
	assert_int_equal(dirfetch_next_fetch(VA, VA + 10, VA + 30, VA, rng_min, NULL), VA + 17);
	assert_int_equal(dirfetch_next_fetch(VA, VA + 10, VA + 30, VA, rng_max, NULL), VA + 27);
	for (i = 0; i < 10000; i++) {
		t = dirfetch_next_fetch(VA, VA + 10, VA + 30, VA, test_rng, &seed);
		lo = MIN(lo, t);
		hi = MAX(hi, t);
	}
	/* Spread over the whole window, never outside it. */
	assert_int_equal(lo, VA + 17);
	assert_int_equal(hi, VA + 27);
	/* Valid only as long as it is fresh: still strictly before valid-until. */
	for (i = 0; i < 1000; i++) {
		t = dirfetch_next_fetch(VA, VA + 10, VA + 10, VA, test_rng, &seed);
		assert_true(t >= VA && t < VA + 10);
	}
	/* Late (the window has passed): now, not the past. */
	assert_int_equal(dirfetch_next_fetch(VA, VA + 10, VA + 30, VA + 100, rng_min, NULL),
	    VA + 100);
	assert_int_equal(dirfetch_next_fetch(VA, VA + 3600, VA + 10800, VA + 7000, rng_min,
	    NULL), VA + 7000);
	/* Malformed times (fresh before valid-after) still give a sane answer. */
	t = dirfetch_next_fetch(VA, VA - 5, VA + 30, VA, test_rng, &seed);
	assert_true(t >= VA && t < VA + 30);
}

static void
test_backoff(void **state)
{
	uint64_t seed = 99;
	unsigned f;
	int i;

	assert_int_equal(dirfetch_backoff(0, rng_max, NULL), 1);
	assert_int_equal(dirfetch_backoff(1, rng_min, NULL), 1);
	assert_int_equal(dirfetch_backoff(1, rng_max, NULL), 1);
	assert_int_equal(dirfetch_backoff(2, rng_min, NULL), 1);
	assert_int_equal(dirfetch_backoff(2, rng_max, NULL), 2);
	assert_int_equal(dirfetch_backoff(4, rng_min, NULL), 4);
	assert_int_equal(dirfetch_backoff(4, rng_max, NULL), 8);
	assert_int_equal(dirfetch_backoff(7, rng_min, NULL), 30);
	assert_int_equal(dirfetch_backoff(7, rng_max, NULL), 60);
	assert_int_equal(dirfetch_backoff(UINT32_MAX, rng_max, NULL), 60);
	for (f = 1; f < 40; f++)
		for (i = 0; i < 100; i++) {
			int64_t b = dirfetch_backoff(f, test_rng, &seed);

			assert_true(b >= 1 && b <= DIRFETCH_MAX_BACKOFF);
		}
}

static void
test_guard_rule(void **state)
{
	struct guard_health h;

	memset(&h, 0, sizeof(h));
	assert_false(guard_health_should_replace(&h, VA));
	/* Many failures in a short blip: kept. */
	guard_health_note(&h, false, VA);
	guard_health_note(&h, false, VA + 1);
	guard_health_note(&h, false, VA + 2);
	guard_health_note(&h, false, VA + 3);
	assert_int_equal(h.gh_failures, 4);
	assert_false(guard_health_should_replace(&h, VA + GUARD_FAILURE_PERIOD - 1));
	/* The same failures lasting the period: replaced. */
	assert_true(guard_health_should_replace(&h, VA + GUARD_FAILURE_PERIOD));
	/* One success resets everything. */
	guard_health_note(&h, true, VA + 40);
	assert_int_equal(h.gh_failures, 0);
	assert_false(guard_health_should_replace(&h, VA + 1000));
	/* Rare failures over a long time, too few in a row: kept. */
	guard_health_note(&h, false, VA + 100);
	guard_health_note(&h, false, VA + 500);
	assert_false(guard_health_should_replace(&h, VA + 5000));
	guard_health_note(&h, false, VA + 900);
	assert_true(guard_health_should_replace(&h, VA + 900));
	assert_int_equal(h.gh_first_failure, VA + 100);
}

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/test_dirfetch.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return xstrdup(d);
}

static void
test_statefile(void **state)
{
	char *dir = tmpdir(), *sub = xasprintf("%s/data", dir);
	char *path = xasprintf("%s/f", sub), *out = NULL, *err = NULL;
	struct stat st;
	size_t len;

	assert_int_equal(statefile_dir(sub, &err), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(statefile_read(path, 100, &out, &len, &err), 1);
	assert_int_equal(statefile_write(path, "hello\n", 6, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(statefile_read(path, 100, &out, &len, &err), 0);
	assert_int_equal(len, 6);
	assert_string_equal(out, "hello\n");
	free(out);
	/* Replaced whole, no temporary left behind. */
	assert_int_equal(statefile_write(path, "x", 1, &err), 0);
	assert_int_equal(statefile_read(path, 100, &out, &len, &err), 0);
	assert_string_equal(out, "x");
	free(out);
	free(err);
	err = xasprintf("%s.tmp", path);
	assert_int_equal(access(err, F_OK), -1);
	free(err);
	err = NULL;
	/* Too large for the bound: an error, not a truncated read. */
	assert_int_equal(statefile_read(path, 0, &out, &len, &err), -1);
	assert_non_null(strstr(err, "too large"));
	free(err);
	err = NULL;
	/* A directory where a file is expected. */
	assert_int_equal(statefile_read(sub, 100, &out, &len, &err), -1);
	free(err);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	free(path);
	free(sub);
	free(dir);
}

static void
test_guard_file(void **state)
{
	struct netstatus *c = consensus(VA, 0x7, false);
	nodelist_t *nl = nodelist_new(c);
	char *dir = tmpdir(), *path = xasprintf("%s/%s", dir, GUARD_STATE_FILE);
	const struct node *g = NULL;
	size_t i;

	for (i = 0; i < nl->nl_n && g == NULL; i++)
		if (nl->nl_nodes[i].n_flags & NSF_GUARD)
			g = &nl->nl_nodes[i];
	assert_non_null(g);
	assert_int_equal(guard_init(dir), 0);
	assert_null(guard_current());
	guard_set(g);
	assert_memory_equal(guard_current(), g->n_id, 32);
	guard_shutdown();
	assert_null(guard_current());
	/* Kept across a restart. */
	assert_int_equal(guard_init(dir), 0);
	assert_non_null(guard_current());
	assert_memory_equal(guard_current(), g->n_id, 32);
	/* Still listed as a Guard: kept. */
	guard_check_nodelist(nl);
	assert_non_null(guard_current());
	/* Failures past the first hop are not the guard's. */
	for (i = 0; i < 10; i++)
		guard_note_circuit(g->n_id, false, 1);
	assert_non_null(guard_current());
	/* It loses its Guard flag: dropped, and the file says so. */
	for (i = 0; i < nl->nl_n; i++)
		if (&nl->nl_nodes[i] == g)
			nl->nl_nodes[i].n_flags &= ~NSF_GUARD;
	guard_check_nodelist(nl);
	assert_null(guard_current());
	guard_shutdown();
	assert_int_equal(guard_init(dir), 0);
	assert_null(guard_current());
	guard_shutdown();
	/* A corrupt file is ignored (a new guard will be chosen). */
	assert_int_equal(statefile_write(path, "guard zz\n", 9, NULL), 0);
	assert_int_equal(guard_init(dir), 0);
	assert_null(guard_current());
	guard_shutdown();
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	nodelist_free(nl);
	netstatus_free(c);
}

/*
 * A guard that fails at the first hop is passed over for GUARD_RETRY:
 * circuits start at a backup (memory only), redrawn if it fails too,
 * while the guard stays the one in the file.
 */
static void
test_guard_backup(void **state)
{
	struct netstatus *c = consensus(VA, 0x7, false);
	nodelist_t *nl = nodelist_new(c);
	char *dir = tmpdir(), *path = xasprintf("%s/%s", dir, GUARD_STATE_FILE);
	const struct node *g[3] = { NULL, NULL, NULL };
	size_t i, k = 0;

	(void)state;
	for (i = 0; i < nl->nl_n && k < 3; i++)
		if (nl->nl_nodes[i].n_flags & NSF_GUARD)
			g[k++] = &nl->nl_nodes[i];
	assert_int_equal(k, 3);
	assert_int_equal(guard_init(dir), 0);
	guard_set(g[0]);
	assert_null(guard_avoid());
	/* The guard's link fails: no guard to pin, draw one but not it. */
	guard_note_circuit(g[0]->n_id, false, 0);
	assert_null(guard_current());
	assert_memory_equal(guard_avoid(), g[0]->n_id, 32);
	/* What path selection draws now is a backup, not a new guard. */
	guard_set(g[1]);
	assert_memory_equal(guard_current(), g[1]->n_id, 32);
	guard_note_circuit(g[1]->n_id, true, 3);
	assert_memory_equal(guard_current(), g[1]->n_id, 32);
	/* The backup fails as well: another is drawn. */
	guard_note_circuit(g[1]->n_id, false, 0);
	assert_null(guard_current());
	guard_set(g[2]);
	assert_memory_equal(guard_current(), g[2]->n_id, 32);
	/* The guard itself is still the one kept in the file. */
	guard_shutdown();
	assert_int_equal(guard_init(dir), 0);
	assert_memory_equal(guard_current(), g[0]->n_id, 32);
	guard_shutdown();
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	nodelist_free(nl);
	netstatus_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_clock_hint),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_guard_rule),
		cmocka_unit_test(test_statefile),
		cmocka_unit_test(test_guard_file),
		cmocka_unit_test(test_guard_backup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
