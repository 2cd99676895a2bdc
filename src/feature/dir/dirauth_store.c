/*
 * dirauth_store.c: nonce table, descriptor store, vote building and
 * voting schedule of a directory authority; see dirauth_store.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature/dir/dirauth_store.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/util.h"

/* ---- challenge nonces --------------------------------------------------- */

void
da_nonces_init(struct da_nonces *t, int64_t lifetime)
{
	memset(t, 0, sizeof(*t));
	t->t_lifetime = lifetime > 0 ? lifetime : DA_NONCE_LIFETIME;
}

static bool
nonce_expired(const struct da_nonces *t, const struct da_nonce *n, int64_t now)
{
	return now - n->n_issued > t->t_lifetime || now < n->n_issued - t->t_lifetime;
}

static void
nonce_remove(struct da_nonces *t, size_t i)
{
	t->t_v[i] = t->t_v[--t->t_n];
	crypto_wipe(&t->t_v[t->t_n], sizeof(t->t_v[t->t_n]));
}

void
da_nonce_issue(struct da_nonces *t, int64_t now, uint8_t out[DESC_NONCE_LEN])
{
	size_t i, victim;

	for (i = 0; i < t->t_n;) {
		if (nonce_expired(t, &t->t_v[i], now))
			nonce_remove(t, i);
		else
			i++;
	}
	if (t->t_n == DA_NONCE_MAX) {
		/* Used entries only serve better error messages: they go first. */
		victim = 0;
		for (i = 1; i < t->t_n; i++) {
			const struct da_nonce *a = &t->t_v[i], *b = &t->t_v[victim];

			if (a->n_used != b->n_used ? a->n_used : a->n_issued < b->n_issued)
				victim = i;
		}
		nonce_remove(t, victim);
	}
	crypto_rand(t->t_v[t->t_n].n_nonce, DESC_NONCE_LEN);
	t->t_v[t->t_n].n_issued = now;
	t->t_v[t->t_n].n_used = false;
	memcpy(out, t->t_v[t->t_n].n_nonce, DESC_NONCE_LEN);
	t->t_n++;
}

int
da_nonce_take(struct da_nonces *t, const uint8_t nonce[DESC_NONCE_LEN], int64_t now,
    const char **why)
{
	size_t i;

	for (i = 0; i < t->t_n; i++) {
		struct da_nonce *n = &t->t_v[i];

		if (!crypto_eq(n->n_nonce, nonce, DESC_NONCE_LEN))
			continue;
		if (n->n_used) {
			*why = "challenge already used";
			return -1;
		}
		if (nonce_expired(t, n, now)) {
			nonce_remove(t, i);
			*why = "challenge expired";
			return -1;
		}
		n->n_used = true;
		return 0;
	}
	*why = "unknown challenge";
	return -1;
}

size_t
da_nonces_outstanding(const struct da_nonces *t, int64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < t->t_n; i++)
		if (!t->t_v[i].n_used && !nonce_expired(t, &t->t_v[i], now))
			n++;
	return n;
}

/* ---- relays and their descriptors -------------------------------------- */

void
da_store_init(struct da_store *s, int64_t max_skew, int64_t max_age)
{
	memset(s, 0, sizeof(*s));
	s->s_max_skew = max_skew;
	s->s_max_age = max_age;
}

static void
relay_free(struct da_relay *r)
{
	if (r == NULL)
		return;
	free(r->r_doc);
	free(r);
}

void
da_store_clear(struct da_store *s)
{
	size_t i;

	for (i = 0; i < s->s_n; i++)
		relay_free(s->s_v[i]);
	free(s->s_v);
	free(s->s_allow);
	memset(s, 0, sizeof(*s));
}

void
da_store_set_allow(struct da_store *s, const uint8_t (*ids)[ED25519_PUB_LEN], size_t n)
{
	free(s->s_allow);
	s->s_allow = NULL;
	s->s_n_allow = 0;
	if (n == 0)
		return;
	s->s_allow = xcalloc(n, ED25519_PUB_LEN);
	memcpy(s->s_allow, ids, n * ED25519_PUB_LEN);
	s->s_n_allow = n;
}

bool
da_store_allowed(const struct da_store *s, const uint8_t id[ED25519_PUB_LEN])
{
	size_t i;

	if (s->s_n_allow == 0)
		return true;
	for (i = 0; i < s->s_n_allow; i++)
		if (memcmp(s->s_allow[i], id, ED25519_PUB_LEN) == 0)
			return true;
	return false;
}

/* Index of id, or of where it would go (with *found false). */
static size_t
store_search(const struct da_store *s, const uint8_t id[ED25519_PUB_LEN], bool *found)
{
	size_t lo = 0, hi = s->s_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->s_v[mid]->r_id, id, ED25519_PUB_LEN);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct da_relay *
da_store_find(const struct da_store *s, const uint8_t id[ED25519_PUB_LEN])
{
	bool found;
	size_t i = store_search(s, id, &found);

	return found ? s->s_v[i] : NULL;
}

/*
 * Common tail of upload and load: newer than the stored one, capacity,
 * then store.  Returns the relay, or NULL with status and reason.
 */
static struct da_relay *
store_put(struct da_store *s, const struct relay_descriptor *d, const char *doc, size_t len,
    int64_t now, int *status, struct docfmt_reason *why)
{
	struct da_relay *r;
	bool found;
	size_t i = store_search(s, d->rd_identity, &found);
	char have[DOCFMT_TIME_LEN + 1], got[DOCFMT_TIME_LEN + 1];

	if (found) {
		r = s->s_v[i];
		if (d->rd_published <= r->r_desc.rd_published) {
			docfmt_time_format(r->r_desc.rd_published, have);
			docfmt_time_format(d->rd_published, got);
			docfmt_reason_set(why, "published %s is not newer than the stored "
			    "descriptor's %s", got, have);
			*status = 409;
			return NULL;
		}
		/* A new address or port must be tested before it counts. */
		if (r->r_desc.rd_ipv4 != d->rd_ipv4 || r->r_desc.rd_or_port != d->rd_or_port) {
			r->r_reach_ok = false;
			r->r_reach_at = 0;
			r->r_reach_since = 0;
		}
		free(r->r_doc);
	} else {
		if (s->s_n >= DA_MAX_RELAYS) {
			docfmt_reason_set(why, "directory full (%d relays)", DA_MAX_RELAYS);
			*status = 503;
			return NULL;
		}
		if (s->s_n == s->s_cap) {
			s->s_cap = s->s_cap ? s->s_cap * 2 : 16;
			s->s_v = xrealloc(s->s_v, s->s_cap * sizeof(*s->s_v));
		}
		r = xcalloc(1, sizeof(*r));
		memcpy(r->r_id, d->rd_identity, ED25519_PUB_LEN);
		memmove(&s->s_v[i + 1], &s->s_v[i], (s->s_n - i) * sizeof(*s->s_v));
		s->s_v[i] = r;
		s->s_n++;
	}
	r->r_desc = *d;
	r->r_doc = xstrndup(doc, len);
	r->r_doc_len = len;
	r->r_received = now;
	r->r_reach_due = true;
	*status = 200;
	return r;
}

void
da_store_upload(struct da_store *s, struct da_nonces *nonces, const char *doc, size_t len,
    int64_t now, struct da_verdict *v, struct da_relay **out)
{
	struct relay_descriptor d;
	struct docfmt_reason why = { "" };
	char fp[DOCFMT_FP_HEXLEN + 1];
	const char *nwhy = NULL;
	struct da_relay *r;
	int status;

	*out = NULL;
	if (len > DESC_MAX_LEN) {
		v->v_status = 413;
		snprintf(v->v_msg, sizeof(v->v_msg), "too large: a descriptor is at most %d bytes",
		    DESC_MAX_LEN);
		return;
	}
	if (descriptor_parse(doc, len, &d, &why) != PARSE_OK) {
		v->v_status = 400;
		snprintf(v->v_msg, sizeof(v->v_msg), "bad descriptor: %s", why.msg);
		return;
	}
	/* Taken before anything else can fail: a signed upload works once. */
	if (da_nonce_take(nonces, d.rd_nonce, now, &nwhy) < 0) {
		v->v_status = 400;
		snprintf(v->v_msg, sizeof(v->v_msg), "%s", nwhy);
		return;
	}
	if (descriptor_check(&d, now, s->s_max_skew, NULL, &why) < 0) {
		v->v_status = 400;
		snprintf(v->v_msg, sizeof(v->v_msg), "%s", why.msg);
		return;
	}
	docfmt_fp_encode(d.rd_identity, fp);
	if (!da_store_allowed(s, d.rd_identity)) {
		v->v_status = 403;
		snprintf(v->v_msg, sizeof(v->v_msg), "%s is not on the allow-list", fp);
		return;
	}
	if ((r = store_put(s, &d, doc, len, now, &status, &why)) == NULL) {
		v->v_status = status;
		snprintf(v->v_msg, sizeof(v->v_msg), "%s", why.msg);
		return;
	}
	v->v_status = 200;
	snprintf(v->v_msg, sizeof(v->v_msg), "accepted %s", fp);
	*out = r;
}

int
da_store_load(struct da_store *s, const char *doc, size_t len, int64_t now,
    struct docfmt_reason *why)
{
	struct relay_descriptor d;
	int status;

	if (descriptor_parse(doc, len, &d, why) != PARSE_OK)
		return -1;
	if (d.rd_published < now - s->s_max_age) {
		docfmt_reason_set(why, "too old");
		return -1;
	}
	if (!da_store_allowed(s, d.rd_identity)) {
		docfmt_reason_set(why, "not on the allow-list");
		return -1;
	}
	return store_put(s, &d, doc, len, now, &status, why) != NULL ? 0 : -1;
}

size_t
da_store_prune(struct da_store *s, int64_t now, uint8_t (*dropped)[ED25519_PUB_LEN],
    size_t max)
{
	size_t i, j, n = 0;

	for (i = j = 0; i < s->s_n; i++) {
		struct da_relay *r = s->s_v[i];

		if (r->r_desc.rd_published >= now - s->s_max_age && da_store_allowed(s, r->r_id)) {
			s->s_v[j++] = r;
			continue;
		}
		if (dropped != NULL && n < max)
			memcpy(dropped[n], r->r_id, ED25519_PUB_LEN);
		n++;
		relay_free(r);
	}
	s->s_n = j;
	return n;
}

void
da_relay_reach_result(struct da_relay *r, bool ok, int64_t now)
{
	if (ok && (!r->r_reach_ok || r->r_reach_since == 0))
		r->r_reach_since = now;
	if (!ok)
		r->r_reach_since = 0;
	r->r_reach_ok = ok;
	r->r_reach_at = now;
}

/* ---- voting -------------------------------------------------------------- */

void
da_flag_inputs(const struct da_store *s, const struct da_relay *r, int64_t now,
    int64_t reach_max_age, struct flag_inputs *in)
{
	const struct relay_descriptor *d = &r->r_desc;

	memset(in, 0, sizeof(*in));
	in->fi_reachable = r->r_reach_ok && r->r_reach_at > 0 &&
	    r->r_reach_at >= now - reach_max_age;
	/* The relay's claim, carried forward from when it was made. */
	if (in->fi_reachable)
		in->fi_uptime = d->rd_uptime + (uint64_t)MAX(now - d->rd_published, 0);
	in->fi_bandwidth = MIN(d->rd_bw_avg, d->rd_bw_observed);
	in->fi_exit_useful = d->rd_is_exit && policy_summary_allows_any(&d->rd_policy);
	in->fi_allowlisted = s->s_n_allow > 0 && da_store_allowed(s, r->r_id);
}

struct netstatus *
da_build_vote(const struct da_store *s, const struct da_vote_params *p, int64_t now,
    struct docfmt_reason *why)
{
	struct netstatus *ns = netstatus_new(NS_VOTE);
	struct flag_thresholds t = p->vp_thresholds;
	size_t i;

	t.ft_require_allowlist = s->s_n_allow > 0;
	ns->ns_valid_after = p->vp_valid_after;
	ns->ns_fresh_until = p->vp_valid_after + p->vp_interval;
	ns->ns_valid_until = p->vp_valid_after + MAX(p->vp_validity, p->vp_interval);
	ns->ns_voting_interval = (uint32_t)p->vp_interval;
	ns->ns_known_flags = NSF_ALL;
	memcpy(ns->ns_voters[0], p->vp_self, ED25519_PUB_LEN);
	ns->ns_n_voters = 1;
	for (i = 0; i < s->s_n; i++) {
		const struct da_relay *r = s->s_v[i];
		struct flag_inputs in;
		struct ns_entry e;
		uint32_t flags;

		if (r->r_desc.rd_published < now - s->s_max_age || !da_store_allowed(s, r->r_id))
			continue;
		da_flag_inputs(s, r, now, p->vp_reach_max_age, &in);
		flags = dir_assign_flags(&in, &t);
		if ((flags & (NSF_RUNNING | NSF_VALID)) != (NSF_RUNNING | NSF_VALID))
			continue;
		ns_entry_from_descriptor(&e, &r->r_desc, flags,
		    dir_bandwidth_weight(r->r_desc.rd_bw_avg, r->r_desc.rd_bw_observed));
		netstatus_add_entry(ns, &e);
	}
	if (netstatus_finish(ns, why) < 0) {
		netstatus_free(ns);
		return NULL;
	}
	return ns;
}

/* ---- schedule ------------------------------------------------------------ */

void
da_schedule_for(int64_t va, int64_t interval, struct da_schedule *sc)
{
	double i = (double)interval;

	sc->sc_va = va;
	sc->sc_reach_at = (double)va - 0.75 * i;
	sc->sc_vote_at = (double)va - 0.5 * i;
	sc->sc_compute_at = (double)va - 0.25 * i;
	sc->sc_publish_at = (double)va;
	sc->sc_end_at = (double)va + 0.25 * i;
	sc->sc_retry = MAX(0.25, i / 20.0);
}

/* Whether period va still leaves time to vote and fetch before computing. */
static bool
period_usable(int64_t va, double now, int64_t interval)
{
	return (double)va - 0.25 * (double)interval >= now + (double)interval / 8.0;
}

int64_t
da_first_period(double now, int64_t interval)
{
	int64_t va;

	if (interval <= 0)
		return 0;
	/* now is positive: truncation is floor. */
	va = ((int64_t)(now / (double)interval) + 1) * interval;
	while (!period_usable(va, now, interval))
		va += interval;
	return va;
}

int64_t
da_next_period(int64_t va, double now, int64_t interval)
{
	if (interval <= 0)
		return 0;
	/* Realign when the interval changed: boundaries are its multiples. */
	va = (va / interval + 1) * interval;
	while (!period_usable(va, now, interval))
		va += interval;
	return va;
}
