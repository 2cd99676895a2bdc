/*
 * consensus_bench.c: time the directory pipeline on a synthetic network
 * of N relays (default 10,000): build and sign 3 votes, compute the
 * consensus, sign it by 3 authorities, format, parse, verify, and build
 * the client's nodelist plus 1,000 path selections.  Prints one line
 * per step in milliseconds.  Speed is measured here, never asserted in
 * tests.  Usage: consensus_bench [N]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature/client/path.h"
#include "feature/dir/consensus.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/util.h"

#define VA	1700000000LL

static uint64_t t0;

static void
step(const char *what)
{
	uint64_t now = util_mono_usec();

	printf("%-34s %9.2f ms\n", what, (double)(now - t0) / 1000.0);
	t0 = util_mono_usec();
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
	e->e_ipv4 = 0x0a000000u | (i << 8) | 1;
	e->e_or_port = 9001;
	digest_sha256(e->e_id, 32, e->e_onion_key);
	e->e_flags = NSF_RUNNING | NSF_VALID | NSF_FAST | (i % 3 ? 0 : NSF_GUARD | NSF_STABLE);
	if (i % 4 == 0) {
		e->e_flags |= NSF_EXIT;
		policy_summary_parse("accept 80,443", &e->e_policy);
	} else {
		policy_summary_reject_all(&e->e_policy);
	}
	e->e_bandwidth = 100 + i % 5000;
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000;
	ed25519_key_t *k[3];
	uint8_t trusted[3][32];
	struct netstatus *v[3], *c, *p;
	const struct netstatus *vv[3];
	struct docfmt_reason why;
	struct ns_entry e;
	struct path_opts o = { .po_port = 443, .po_enforce_subnets = true,
	    .po_rng = path_rng_crypto };
	struct path path;
	nodelist_t *nl;
	size_t len, i;
	uint32_t j;
	char *s;

	if (n == 0 || n > NS_MAX_ENTRIES || crypto_global_init() < 0)
		return 1;
	for (i = 0; i < 3; i++) {
		k[i] = ed25519_generate();
		memcpy(trusted[i], ed25519_public(k[i]), 32);
	}
	printf("consensus_bench: %u relays, 3 authorities\n", n);
	t0 = util_mono_usec();
	for (i = 0; i < 3; i++) {
		v[i] = netstatus_new(NS_VOTE);
		v[i]->ns_valid_after = VA;
		v[i]->ns_fresh_until = VA + 3600;
		v[i]->ns_valid_until = VA + 3 * 3600;
		v[i]->ns_voting_interval = 3600;
		memcpy(v[i]->ns_voters[0], trusted[i], 32);
		v[i]->ns_n_voters = 1;
		for (j = 0; j < n; j++) {
			make_entry(&e, j);
			netstatus_add_entry(v[i], &e);
		}
		if (netstatus_finish(v[i], &why) < 0 || netstatus_sign(v[i], k[i]) < 0)
			return 1;
		vv[i] = v[i];
	}
	step("build+sign 3 votes");
	c = consensus_compute(vv, 3, &why);
	if (c == NULL)
		return 1;
	step("compute consensus (format body)");
	for (i = 0; i < 3; i++)
		netstatus_sign(c, k[i]);
	step("sign by 3 authorities");
	s = netstatus_format(c, &len);
	step("format");
	printf("%-34s %9zu bytes\n", "consensus size", len);
	t0 = util_mono_usec();
	if (netstatus_parse(s, len, NS_CONSENSUS, &p, &why) != PARSE_OK) {
		fprintf(stderr, "parse: %s\n", why.msg);
		return 1;
	}
	step("parse");
	if (consensus_verify(p, trusted, 3, VA + 60, &why) < 0) {
		fprintf(stderr, "verify: %s\n", why.msg);
		return 1;
	}
	step("verify (3 signatures)");
	nl = nodelist_new(p);
	step("nodelist");
	for (i = 0; i < 1000; i++)
		if (path_choose(nl, &o, &path, &why) < 0)
			return 1;
	step("1,000 path selections");
	nodelist_free(nl);
	netstatus_free(p);
	netstatus_free(c);
	free(s);
	for (i = 0; i < 3; i++) {
		netstatus_free(v[i]);
		ed25519_free(k[i]);
	}
	return 0;
}
