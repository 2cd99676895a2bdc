/*
 * netstatus_parse.c: the strict parser for network-status documents
 * (votes and consensus; format in netstatus.h).  Every item is expected
 * in its canonical place, so the parse is a straight sequence with no
 * backtracking.  Called by the authority (peers' votes, peers'
 * consensus signatures) and by clients (the consensus).  Pure and
 * bounded; fuzzed by tests/fuzz/fuzz_vote.c and fuzz_consensus.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feature/dir/netstatus.h"
#include "lib/bytes.h"
#include "lib/util.h"

static const struct docfmt_limits ns_limits = {
	.dl_max_doc = NS_MAX_DOC,
	.dl_max_line = 4096,
	.dl_max_items = (size_t)NS_MAX_ENTRIES * 7 + 64,
};

/* Read the next item, which must be kw with min..max arguments. */
static int
expect(struct docfmt_reader *r, struct docfmt_item *it, const char *kw,
    size_t min, size_t max, struct docfmt_reason *why)
{
	int rv = docfmt_next(r, it);

	if (rv == PARSE_ERROR) {
		docfmt_reason_set(why, "%s", r->dr_err);
		return -1;
	}
	if (rv == PARSE_NEED_MORE) {
		docfmt_reason_set(why, "missing item '%s'", kw);
		return -1;
	}
	if (!docfmt_is(it, kw)) {
		docfmt_reason_set(why, "line %zu: expected '%s'", it->it_lineno, kw);
		return -1;
	}
	if (it->it_nargs < min || it->it_nargs > max) {
		docfmt_reason_set(why, "line %zu: wrong number of arguments to '%s'",
		    it->it_lineno, kw);
		return -1;
	}
	return 0;
}

static bool
peek_is(struct docfmt_reader *r, const char *kw)
{
	struct docfmt_item it;

	return docfmt_peek(r, &it) == PARSE_OK && docfmt_is(&it, kw);
}

/* Flags from args [first, nargs): known names, ascending, within allowed. */
static int
parse_flags(const struct docfmt_item *it, size_t first, uint32_t allowed,
    uint32_t *out)
{
	size_t i;
	uint32_t f, last = 0;

	*out = 0;
	for (i = first; i < it->it_nargs; i++) {
		for (f = 1; f <= NSF_ALL; f <<= 1)
			if (docfmt_arg_is(it, i, ns_flag_name(f)))
				break;
		if (f > NSF_ALL || f <= last || !(f & allowed))
			return -1;
		*out |= f;
		last = f;
	}
	return 0;
}

static int
parse_param(const struct docfmt_arg *a, struct ns_param *p)
{
	const char *eq = memchr(a->a_p, '=', a->a_len);
	size_t klen, vlen, i;
	bool neg;
	int64_t v = 0;

	if (eq == NULL)
		return -1;
	klen = (size_t)(eq - a->a_p);
	vlen = a->a_len - klen - 1;
	if (klen == 0 || klen >= NS_PARAM_KEYLEN || vlen == 0 || vlen > 11)
		return -1;
	for (i = 0; i < klen; i++) {
		char c = a->a_p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -1;
	}
	memcpy(p->p_key, a->a_p, klen);
	p->p_key[klen] = '\0';
	eq++;
	neg = eq[0] == '-';
	if (neg && (vlen == 1 || eq[1] == '0'))
		return -1;
	if (vlen - neg > 1 && eq[neg] == '0')
		return -1;
	for (i = neg; i < vlen; i++) {
		if (eq[i] < '0' || eq[i] > '9')
			return -1;
		v = v * 10 + (eq[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < INT32_MIN || v > INT32_MAX)
		return -1;
	p->p_value = (int32_t)v;
	return 0;
}

static int
parse_header(struct docfmt_reader *r, struct netstatus *ns, enum ns_kind kind,
    struct docfmt_reason *why)
{
	struct docfmt_item it;
	uint64_t v;
	size_t i;

	if (expect(r, &it, "network-status-version", 1, 1, why) < 0)
		return -1;
	if (!docfmt_arg_is(&it, 0, "1")) {
		docfmt_reason_set(why, "unsupported network-status-version");
		return -1;
	}
	if (expect(r, &it, "vote-status", 1, 1, why) < 0)
		return -1;
	if (!docfmt_arg_is(&it, 0, kind == NS_VOTE ? "vote" : "consensus")) {
		docfmt_reason_set(why, "wrong vote-status: expected %s",
		    kind == NS_VOTE ? "vote" : "consensus");
		return -1;
	}
	if (expect(r, &it, "valid-after", 2, 2, why) < 0 ||
	    docfmt_arg_time(&it, 0, &ns->ns_valid_after) < 0 ||
	    expect(r, &it, "fresh-until", 2, 2, why) < 0 ||
	    docfmt_arg_time(&it, 0, &ns->ns_fresh_until) < 0 ||
	    expect(r, &it, "valid-until", 2, 2, why) < 0 ||
	    docfmt_arg_time(&it, 0, &ns->ns_valid_until) < 0) {
		if (why && why->msg[0] == '\0')
			docfmt_reason_set(why, "bad time");
		return -1;
	}
	if (ns->ns_fresh_until <= ns->ns_valid_after ||
	    ns->ns_valid_until < ns->ns_fresh_until) {
		docfmt_reason_set(why, "validity times out of order");
		return -1;
	}
	if (expect(r, &it, "voting-interval", 1, 1, why) < 0)
		return -1;
	if (docfmt_arg_u64(&it, 0, UINT32_MAX, &v) < 0) {
		docfmt_reason_set(why, "bad voting-interval");
		return -1;
	}
	ns->ns_voting_interval = (uint32_t)v;
	if (expect(r, &it, "known-flags", 0, NSF_COUNT, why) < 0)
		return -1;
	if (parse_flags(&it, 0, NSF_ALL, &ns->ns_known_flags) < 0) {
		docfmt_reason_set(why, "bad known-flags");
		return -1;
	}
	if (expect(r, &it, "params", 0, NS_MAX_PARAMS, why) < 0)
		return -1;
	for (i = 0; i < it.it_nargs; i++) {
		if (parse_param(&it.it_args[i], &ns->ns_params[i]) < 0 ||
		    (i > 0 && strcmp(ns->ns_params[i - 1].p_key, ns->ns_params[i].p_key) >= 0)) {
			docfmt_reason_set(why, "bad params");
			return -1;
		}
	}
	ns->ns_n_params = it.it_nargs;
	while (peek_is(r, "dir-source")) {
		if (ns->ns_n_voters == NS_MAX_AUTH ||
		    (kind == NS_VOTE && ns->ns_n_voters == 1)) {
			docfmt_reason_set(why, "too many dir-source items");
			return -1;
		}
		if (expect(r, &it, "dir-source", 1, 1, why) < 0)
			return -1;
		if (docfmt_arg_fp(&it, 0, ns->ns_voters[ns->ns_n_voters]) < 0 ||
		    (ns->ns_n_voters > 0 && memcmp(ns->ns_voters[ns->ns_n_voters - 1],
		    ns->ns_voters[ns->ns_n_voters], ED25519_PUB_LEN) >= 0)) {
			docfmt_reason_set(why, "line %zu: bad or unsorted dir-source",
			    it.it_lineno);
			return -1;
		}
		ns->ns_n_voters++;
	}
	if (ns->ns_n_voters == 0) {
		docfmt_reason_set(why, "missing item 'dir-source'");
		return -1;
	}
	return 0;
}

static int
parse_entry(struct docfmt_reader *r, const struct netstatus *ns, struct ns_entry *e,
    struct docfmt_reason *why)
{
	struct docfmt_item it;
	uint64_t v;
	size_t i;

	memset(e, 0, sizeof(*e));
	if (expect(r, &it, "r", 6, 6, why) < 0)
		return -1;
	if (docfmt_arg_str(&it, 0, e->e_nickname, sizeof(e->e_nickname)) < 0 ||
	    !descriptor_nickname_ok(e->e_nickname) || docfmt_arg_fp(&it, 1, e->e_id) < 0 ||
	    docfmt_arg_time(&it, 2, &e->e_published) < 0 ||
	    docfmt_arg_ipv4(&it, 4, &e->e_ipv4) < 0 ||
	    docfmt_arg_u64(&it, 5, 65535, &v) < 0 || v == 0) {
		docfmt_reason_set(why, "line %zu: bad r item", it.it_lineno);
		return -1;
	}
	e->e_or_port = (uint16_t)v;
	if (peek_is(r, "a")) {
		if (expect(r, &it, "a", 1, 1, why) < 0)
			return -1;
		if (docfmt_arg_ipv6_port(&it, 0, e->e_ipv6, &e->e_ipv6_port) < 0) {
			docfmt_reason_set(why, "line %zu: bad a item", it.it_lineno);
			return -1;
		}
		e->e_has_ipv6 = true;
	}
	if (expect(r, &it, "k", 1, 1, why) < 0)
		return -1;
	if (docfmt_arg_b64(&it, 0, e->e_onion_key, X25519_LEN) < 0) {
		docfmt_reason_set(why, "line %zu: bad onion key", it.it_lineno);
		return -1;
	}
	if (expect(r, &it, "s", 0, NSF_COUNT, why) < 0)
		return -1;
	if (parse_flags(&it, 0, ns->ns_known_flags, &e->e_flags) < 0) {
		docfmt_reason_set(why, "line %zu: bad flags", it.it_lineno);
		return -1;
	}
	if (expect(r, &it, "w", 1, 1, why) < 0)
		return -1;
	if (docfmt_arg_u64(&it, 0, UINT32_MAX, &v) < 0) {
		docfmt_reason_set(why, "line %zu: bad bandwidth", it.it_lineno);
		return -1;
	}
	e->e_bandwidth = (uint32_t)v;
	if (expect(r, &it, "p", 2, 2, why) < 0)
		return -1;
	if (policy_summary_parse_item(&it, 0, &e->e_policy) < 0) {
		docfmt_reason_set(why, "line %zu: bad exit-policy summary", it.it_lineno);
		return -1;
	}
	if (peek_is(r, "f")) {
		if (expect(r, &it, "f", 1, DIR_MAX_FAMILY, why) < 0)
			return -1;
		for (i = 0; i < it.it_nargs; i++)
			if (docfmt_arg_fp(&it, i, e->e_family[i]) < 0) {
				docfmt_reason_set(why, "line %zu: bad family", it.it_lineno);
				return -1;
			}
		e->e_n_family = (uint8_t)it.it_nargs;
	}
	return 0;
}

int
netstatus_parse(const char *p, size_t len, enum ns_kind kind,
    struct netstatus **out, struct docfmt_reason *why)
{
	struct netstatus *ns = netstatus_new(kind);
	struct docfmt_reader r;
	struct docfmt_item it;
	struct ns_entry e;
	uint8_t id[ED25519_PUB_LEN], sig[ED25519_SIG_LEN];
	int rv;

	*out = NULL;
	if (why)
		why->msg[0] = '\0';
	if (docfmt_reader_init(&r, p, len, &ns_limits) < 0) {
		docfmt_reason_set(why, "%s", r.dr_err);
		goto err;
	}
	if (parse_header(&r, ns, kind, why) < 0)
		goto err;
	while (peek_is(&r, "r")) {
		if (ns->ns_n_entries == NS_MAX_ENTRIES) {
			docfmt_reason_set(why, "too many relays");
			goto err;
		}
		if (parse_entry(&r, ns, &e, why) < 0)
			goto err;
		if (ns->ns_n_entries > 0 && memcmp(ns->ns_entries[ns->ns_n_entries - 1].e_id,
		    e.e_id, ED25519_PUB_LEN) >= 0) {
			docfmt_reason_set(why, "relay %s: entries not sorted or duplicated",
			    e.e_nickname);
			goto err;
		}
		netstatus_add_entry(ns, &e);
	}
	if (expect(&r, &it, "directory-footer", 0, 0, why) < 0)
		goto err;
	ns->ns_body_len = r.dr_off;
	while ((rv = docfmt_next(&r, &it)) == PARSE_OK) {
		if (!docfmt_is(&it, "directory-signature") || it.it_nargs != 2) {
			docfmt_reason_set(why, "line %zu: expected 'directory-signature'",
			    it.it_lineno);
			goto err;
		}
		if (docfmt_arg_fp(&it, 0, id) < 0 ||
		    docfmt_arg_b64(&it, 1, sig, ED25519_SIG_LEN) < 0) {
			docfmt_reason_set(why, "line %zu: bad directory-signature",
			    it.it_lineno);
			goto err;
		}
		if (ns->ns_n_sigs == NS_MAX_AUTH || (ns->ns_n_sigs > 0 &&
		    memcmp(ns->ns_sigs[ns->ns_n_sigs - 1].s_id, id, ED25519_PUB_LEN) >= 0)) {
			docfmt_reason_set(why, "line %zu: signatures unsorted, repeated "
			    "or too many", it.it_lineno);
			goto err;
		}
		memcpy(ns->ns_sigs[ns->ns_n_sigs].s_id, id, ED25519_PUB_LEN);
		memcpy(ns->ns_sigs[ns->ns_n_sigs].s_sig, sig, ED25519_SIG_LEN);
		ns->ns_n_sigs++;
	}
	if (rv == PARSE_ERROR) {
		docfmt_reason_set(why, "%s", r.dr_err);
		goto err;
	}
	ns->ns_body = xstrndup(p, ns->ns_body_len);
	netstatus_finish_digest_(ns);
	*out = ns;
	return PARSE_OK;
err:
	netstatus_free(ns);
	return PARSE_ERROR;
}
