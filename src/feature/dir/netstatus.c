/*
 * netstatus.c: format, sign and parse network-status documents (votes
 * and consensus; format in netstatus.h).  Owns the canonical text, the
 * signing digest and signature bookkeeping.  Called by the authority
 * (build and sign its vote, collect signatures), by consensus.c
 * (compute) and by clients (parse, then consensus_verify).  Pure: no
 * I/O, bounded by NS_MAX_DOC, NS_MAX_ENTRIES and the docfmt limits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feature/dir/netstatus.h"
#include "lib/bytes.h"
#include "lib/digest.h"
#include "lib/util.h"

static const char *const flag_names[NSF_COUNT] = {
	"Exit", "Fast", "Guard", "Running", "Stable", "Valid",
};

const char *
ns_flag_name(uint32_t flag)
{
	size_t i;

	for (i = 0; i < NSF_COUNT; i++)
		if (flag == 1u << i)
			return flag_names[i];
	return NULL;
}

struct netstatus *
netstatus_new(enum ns_kind kind)
{
	struct netstatus *ns = xcalloc(1, sizeof(*ns));

	ns->ns_kind = kind;
	ns->ns_known_flags = NSF_ALL;
	return ns;
}

void
netstatus_free_(struct netstatus *ns)
{
	if (ns == NULL)
		return;
	free(ns->ns_entries);
	free(ns->ns_body);
	free(ns);
}

void
netstatus_add_entry(struct netstatus *ns, const struct ns_entry *e)
{
	if (ns->ns_n_entries == ns->ns_cap_entries) {
		ns->ns_cap_entries = ns->ns_cap_entries ? 2 * ns->ns_cap_entries : 64;
		ns->ns_entries = xrealloc(ns->ns_entries,
		    ns->ns_cap_entries * sizeof(*ns->ns_entries));
	}
	ns->ns_entries[ns->ns_n_entries++] = *e;
}

void
ns_entry_from_descriptor(struct ns_entry *e, const struct relay_descriptor *d,
    uint32_t flags, uint32_t bandwidth)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->e_nickname, d->rd_nickname, sizeof(e->e_nickname));
	memcpy(e->e_id, d->rd_identity, sizeof(e->e_id));
	e->e_published = d->rd_published;
	e->e_ipv4 = d->rd_ipv4;
	e->e_or_port = d->rd_or_port;
	e->e_has_ipv6 = d->rd_has_ipv6;
	memcpy(e->e_ipv6, d->rd_ipv6, sizeof(e->e_ipv6));
	e->e_ipv6_port = d->rd_ipv6_port;
	memcpy(e->e_onion_key, d->rd_onion_key, sizeof(e->e_onion_key));
	e->e_flags = flags & NSF_ALL;
	e->e_bandwidth = bandwidth;
	e->e_policy = d->rd_policy;
	e->e_n_family = (uint8_t)MIN(d->rd_n_family, DIR_MAX_FAMILY);
	memcpy(e->e_family, d->rd_family, sizeof(e->e_family));
}

static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ns_entry *)a)->e_id,
	    ((const struct ns_entry *)b)->e_id, ED25519_PUB_LEN);
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ED25519_PUB_LEN);
}

static int
param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ns_param *)a)->p_key,
	    ((const struct ns_param *)b)->p_key);
}

const struct ns_entry *
netstatus_find(const struct netstatus *ns, const uint8_t id[32])
{
	struct ns_entry key;

	if (ns->ns_n_entries == 0)
		return NULL;
	memcpy(key.e_id, id, ED25519_PUB_LEN);
	return bsearch(&key, ns->ns_entries, ns->ns_n_entries,
	    sizeof(*ns->ns_entries), entry_cmp);
}

static bool
param_key_ok(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n >= NS_PARAM_KEYLEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
		    k[i] == '_'))
			return false;
	return true;
}

void
netstatus_finish_digest_(struct netstatus *ns)
{
	static const char prefix[] = NETSTATUS_SIG_PREFIX;
	static const char kw[] = "directory-signature ";
	size_t plen = sizeof(prefix) - 1, klen = sizeof(kw) - 1;
	uint8_t *tmp = xmalloc(plen + ns->ns_body_len + klen);

	memcpy(tmp, prefix, plen);
	memcpy(tmp + plen, ns->ns_body, ns->ns_body_len);
	memcpy(tmp + plen + ns->ns_body_len, kw, klen);
	digest_sha256(tmp, plen + ns->ns_body_len + klen, ns->ns_digest);
	free(tmp);
}

static void
put_time(struct buf *b, const char *kw, int64_t t)
{
	char s[DOCFMT_TIME_LEN + 1];

	docfmt_time_format(t, s);
	docfmt_printf(b, "%s %s\n", kw, s);
}

static void
put_entry(struct buf *b, const struct ns_entry *e)
{
	char fp[DOCFMT_FP_HEXLEN + 1], t[DOCFMT_TIME_LEN + 1];
	char key[DOCFMT_B64_LEN(X25519_LEN)];
	size_t i;

	docfmt_fp_encode(e->e_id, fp);
	docfmt_time_format(e->e_published, t);
	docfmt_printf(b, "r %s %s %s ", e->e_nickname, fp, t);
	docfmt_put_ipv4(b, e->e_ipv4);
	docfmt_printf(b, " %u\n", e->e_or_port);
	if (e->e_has_ipv6) {
		docfmt_puts(b, "a ");
		docfmt_put_ipv6_port(b, e->e_ipv6, e->e_ipv6_port);
		docfmt_puts(b, "\n");
	}
	docfmt_b64_encode(e->e_onion_key, X25519_LEN, key);
	docfmt_printf(b, "k %s\ns", key);
	for (i = 0; i < NSF_COUNT; i++)
		if (e->e_flags & (1u << i))
			docfmt_printf(b, " %s", flag_names[i]);
	docfmt_printf(b, "\nw %u\np ", e->e_bandwidth);
	policy_summary_format(&e->e_policy, b);
	docfmt_puts(b, "\n");
	if (e->e_n_family > 0) {
		docfmt_puts(b, "f");
		for (i = 0; i < e->e_n_family; i++) {
			docfmt_fp_encode(e->e_family[i], fp);
			docfmt_printf(b, " %s", fp);
		}
		docfmt_puts(b, "\n");
	}
}

int
netstatus_finish(struct netstatus *ns, struct docfmt_reason *why)
{
	struct buf b = BUF_INIT;
	char fp[DOCFMT_FP_HEXLEN + 1];
	size_t i;

	if (ns->ns_valid_after <= 0 || ns->ns_fresh_until <= ns->ns_valid_after ||
	    ns->ns_valid_until < ns->ns_fresh_until) {
		docfmt_reason_set(why, "bad validity times");
		return -1;
	}
	if (ns->ns_n_voters == 0 || (ns->ns_kind == NS_VOTE && ns->ns_n_voters != 1)) {
		docfmt_reason_set(why, "wrong number of voters");
		return -1;
	}
	if (ns->ns_n_entries > NS_MAX_ENTRIES) {
		docfmt_reason_set(why, "too many relays");
		return -1;
	}
	qsort(ns->ns_voters, ns->ns_n_voters, ED25519_PUB_LEN, id_cmp);
	qsort(ns->ns_params, ns->ns_n_params, sizeof(ns->ns_params[0]), param_cmp);
	if (ns->ns_n_entries > 0)
		qsort(ns->ns_entries, ns->ns_n_entries, sizeof(*ns->ns_entries), entry_cmp);
	for (i = 1; i < ns->ns_n_voters; i++)
		if (id_cmp(ns->ns_voters[i - 1], ns->ns_voters[i]) == 0) {
			docfmt_reason_set(why, "duplicate voter");
			return -1;
		}
	for (i = 0; i < ns->ns_n_params; i++)
		if (!param_key_ok(ns->ns_params[i].p_key) ||
		    (i > 0 && param_cmp(&ns->ns_params[i - 1], &ns->ns_params[i]) == 0)) {
			docfmt_reason_set(why, "bad or duplicate param");
			return -1;
		}
	for (i = 0; i < ns->ns_n_entries; i++) {
		const struct ns_entry *e = &ns->ns_entries[i];

		if (i > 0 && entry_cmp(&ns->ns_entries[i - 1], e) == 0) {
			docfmt_reason_set(why, "duplicate relay %s", e->e_nickname);
			return -1;
		}
		if (!descriptor_nickname_ok(e->e_nickname) || e->e_or_port == 0 ||
		    (e->e_has_ipv6 && e->e_ipv6_port == 0) || e->e_policy.ps_n == 0 ||
		    e->e_policy.ps_n > POLICY_SUMMARY_MAX_RANGES ||
		    e->e_n_family > DIR_MAX_FAMILY) {
			docfmt_reason_set(why, "bad relay entry %s", e->e_nickname);
			return -1;
		}
	}
	docfmt_printf(&b, "network-status-version 1\nvote-status %s\n",
	    ns->ns_kind == NS_VOTE ? "vote" : "consensus");
	put_time(&b, "valid-after", ns->ns_valid_after);
	put_time(&b, "fresh-until", ns->ns_fresh_until);
	put_time(&b, "valid-until", ns->ns_valid_until);
	docfmt_printf(&b, "voting-interval %u\nknown-flags", ns->ns_voting_interval);
	for (i = 0; i < NSF_COUNT; i++)
		if (ns->ns_known_flags & (1u << i))
			docfmt_printf(&b, " %s", flag_names[i]);
	docfmt_puts(&b, "\nparams");
	for (i = 0; i < ns->ns_n_params; i++)
		docfmt_printf(&b, " %s=%d", ns->ns_params[i].p_key,
		    (int)ns->ns_params[i].p_value);
	docfmt_puts(&b, "\n");
	for (i = 0; i < ns->ns_n_voters; i++) {
		docfmt_fp_encode(ns->ns_voters[i], fp);
		docfmt_printf(&b, "dir-source %s\n", fp);
	}
	for (i = 0; i < ns->ns_n_entries; i++)
		put_entry(&b, &ns->ns_entries[i]);
	docfmt_puts(&b, "directory-footer\n");
	free(ns->ns_body);
	ns->ns_body = docfmt_take(&b, &ns->ns_body_len);
	ns->ns_n_sigs = 0;
	netstatus_finish_digest_(ns);
	return 0;
}

/* Insert a signature keeping the list sorted; a repeat signer is ignored. */
static int
sig_insert(struct netstatus *ns, const uint8_t id[32], const uint8_t sig[64])
{
	size_t i;
	int c = 1;

	for (i = 0; i < ns->ns_n_sigs; i++)
		if ((c = id_cmp(ns->ns_sigs[i].s_id, id)) >= 0)
			break;
	if (i < ns->ns_n_sigs && c == 0)
		return 0;
	if (ns->ns_n_sigs == NS_MAX_AUTH)
		return -1;
	memmove(&ns->ns_sigs[i + 1], &ns->ns_sigs[i],
	    (ns->ns_n_sigs - i) * sizeof(ns->ns_sigs[0]));
	memcpy(ns->ns_sigs[i].s_id, id, ED25519_PUB_LEN);
	memcpy(ns->ns_sigs[i].s_sig, sig, ED25519_SIG_LEN);
	ns->ns_n_sigs++;
	return 0;
}

int
netstatus_sign(struct netstatus *ns, const ed25519_key_t *key)
{
	uint8_t sig[ED25519_SIG_LEN];

	if (ns->ns_body == NULL || ed25519_sign(key, ns->ns_digest,
	    sizeof(ns->ns_digest), sig) < 0)
		return -1;
	return sig_insert(ns, ed25519_public(key), sig);
}

int
netstatus_add_signature(struct netstatus *ns, const uint8_t id[32],
    const uint8_t sig[ED25519_SIG_LEN], struct docfmt_reason *why)
{
	char fp[DOCFMT_FP_HEXLEN + 1];

	docfmt_fp_encode(id, fp);
	if (ns->ns_body == NULL || !ed25519_verify(id, ns->ns_digest,
	    sizeof(ns->ns_digest), sig)) {
		docfmt_reason_set(why, "bad signature from %s", fp);
		return -1;
	}
	if (sig_insert(ns, id, sig) < 0) {
		docfmt_reason_set(why, "too many signatures");
		return -1;
	}
	return 0;
}

char *
netstatus_format(const struct netstatus *ns, size_t *len)
{
	struct buf b = BUF_INIT;
	char fp[DOCFMT_FP_HEXLEN + 1], sig[DOCFMT_B64_LEN(ED25519_SIG_LEN)];
	size_t i;

	if (BUG(ns->ns_body == NULL))
		return NULL;
	buf_add(&b, ns->ns_body, ns->ns_body_len);
	for (i = 0; i < ns->ns_n_sigs; i++) {
		docfmt_fp_encode(ns->ns_sigs[i].s_id, fp);
		docfmt_b64_encode(ns->ns_sigs[i].s_sig, ED25519_SIG_LEN, sig);
		docfmt_printf(&b, "directory-signature %s %s\n", fp, sig);
	}
	return docfmt_take(&b, len);
}

int
vote_verify(const struct netstatus *vote, struct docfmt_reason *why)
{
	char fp[DOCFMT_FP_HEXLEN + 1];

	if (vote->ns_kind != NS_VOTE || vote->ns_n_voters != 1 || vote->ns_n_sigs != 1) {
		docfmt_reason_set(why, "a vote needs exactly one voter and one signature");
		return -1;
	}
	docfmt_fp_encode(vote->ns_voters[0], fp);
	if (id_cmp(vote->ns_sigs[0].s_id, vote->ns_voters[0]) != 0) {
		docfmt_reason_set(why, "vote from %s signed by another key", fp);
		return -1;
	}
	if (!ed25519_verify(vote->ns_voters[0], vote->ns_digest,
	    sizeof(vote->ns_digest), vote->ns_sigs[0].s_sig)) {
		docfmt_reason_set(why, "bad signature from %s", fp);
		return -1;
	}
	return 0;
}
