/*
 * publish.c: build this relay's descriptor and register it with every
 * authority (protocol and schedule in publish.h).
 *
 * One small state machine per authority, each with its own timer and at
 * most one request in flight: idle -> GET challenge -> POST descriptor ->
 * idle.  The descriptor is built when the nonce arrives, so every upload
 * carries the current onion key, the current observed bandwidth and a
 * fresh publication time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/crypto/keys.h"
#include "core/mainloop/conn.h"
#include "core/mainloop/mainloop.h"
#include "feature/dir/descriptor.h"
#include "feature/dir/dirclient.h"
#include "feature/relay/bwhist.h"
#include "feature/relay/publish.h"
#include "feature/control/node_bootstrap.h"
#include "feature/relay/relay.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

#define PUBLISH_PLATFORM	"tord " PACKAGE_VERSION
#define CHALLENGE_PREFIX	"nonce "

/* ---- Pure parts: descriptor fields, challenge answer, retry delay. ---- */

int
publish_fill(const struct publish_config *pc, const struct node_keys *keys,
    const struct publish_state *st, const uint8_t nonce[DESC_NONCE_LEN],
    struct relay_descriptor *d, char *err, size_t errlen)
{
	const uint8_t *id = ed25519_public(keys->nk_identity);
	uint16_t port;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (addr_family(&pc->pc_address) != AF_INET) {
		snprintf(err, errlen, "the published address must be IPv4");
		return -1;
	}
	port = addr_port(&pc->pc_address);
	if (port == 0)
		port = st->ps_bound_port;
	if (port == 0) {
		snprintf(err, errlen, "no OR port to publish");
		return -1;
	}
	if (!descriptor_nickname_ok(pc->pc_nickname)) {
		snprintf(err, errlen, "bad nickname");
		return -1;
	}
	snprintf(d->rd_nickname, sizeof(d->rd_nickname), "%s", pc->pc_nickname);
	d->rd_ipv4 = ntohl(pc->pc_address.a_u.sin.sin_addr.s_addr);
	d->rd_or_port = port;
	memcpy(d->rd_identity, id, IDENTITY_LEN);
	memcpy(d->rd_onion_key, x25519_public(keys->nk_onion), X25519_LEN);
	d->rd_bw_avg = pc->pc_bw_avg;
	d->rd_bw_burst = pc->pc_bw_burst;
	d->rd_bw_observed = st->ps_observed;
	d->rd_policy = pc->pc_policy;
	for (i = 0; i < pc->pc_n_family && d->rd_n_family < DIR_MAX_FAMILY; i++) {
		if (memcmp(pc->pc_family[i], id, IDENTITY_LEN) == 0)
			continue;	/* we are in our own family */
		memcpy(d->rd_family[d->rd_n_family++], pc->pc_family[i], IDENTITY_LEN);
	}
	snprintf(d->rd_platform, sizeof(d->rd_platform), "%s", PUBLISH_PLATFORM);
	d->rd_published = st->ps_now;
	d->rd_uptime = st->ps_uptime;
	d->rd_is_exit = pc->pc_is_exit && policy_summary_allows_any(&pc->pc_policy);
	memcpy(d->rd_nonce, nonce, DESC_NONCE_LEN);
	return 0;
}

int
publish_parse_challenge(const char *body, size_t len, uint8_t nonce[DESC_NONCE_LEN])
{
	const size_t plen = sizeof(CHALLENGE_PREFIX) - 1, hlen = 2 * DESC_NONCE_LEN;

	if (body == NULL || len != plen + hlen + 1 ||
	    memcmp(body, CHALLENGE_PREFIX, plen) != 0 || body[len - 1] != '\n')
		return -1;
	return util_hex_decode(body + plen, hlen, nonce, DESC_NONCE_LEN);
}

double
publish_retry_delay(unsigned n, double interval, double jitter)
{
	double cap = MIN(interval, PUBLISH_RETRY_MAX), d = PUBLISH_RETRY_MIN;
	unsigned i;

	for (i = 1; i < n && d < cap; i++)
		d *= 2;
	d = MIN(d, cap);
	if (!(jitter >= 0.5))	/* NaN too */
		jitter = 0.5;
	if (jitter > 1.0)
		jitter = 1.0;
	d *= jitter;
	return MAX(d, PUBLISH_RETRY_MIN / 2);
}

bool
publish_config_same_descriptor(const struct publish_config *a,
    const struct publish_config *b)
{
	return strcmp(a->pc_nickname, b->pc_nickname) == 0 &&
	    addr_eq(&a->pc_address, &b->pc_address) &&
	    a->pc_bw_avg == b->pc_bw_avg && a->pc_bw_burst == b->pc_bw_burst &&
	    a->pc_n_family == b->pc_n_family &&
	    memcmp(a->pc_family, b->pc_family, a->pc_n_family * IDENTITY_LEN) == 0 &&
	    a->pc_is_exit == b->pc_is_exit &&
	    a->pc_policy.ps_accept == b->pc_policy.ps_accept &&
	    a->pc_policy.ps_n == b->pc_policy.ps_n &&
	    memcmp(a->pc_policy.ps_r, b->pc_policy.ps_r,
	    a->pc_policy.ps_n * sizeof(a->pc_policy.ps_r[0])) == 0;
}

/* ---- The uploader. ---- */

struct pub_auth {
	struct publish_authority	 a;
	struct ml_timer			 timer;
	struct dirclient_req		*req;		/* in flight, or NULL */
	bool				 pending;	/* changed while in flight */
	bool				 accepted;	/* newest upload accepted */
	unsigned			 failures;	/* consecutive */
	int64_t				 last_published;	/* of our newest upload */
	struct log_ratelim		 rl;
};

static struct {
	bool			 running;
	struct publish_config	 cfg;
	struct node_keys	*keys;
	struct pub_auth		 auth[PUBLISH_MAX_AUTHORITIES];
	size_t			 n_auth;
	double			 started;	/* mainloop_now() at start */
	struct bwhist		 bw;
	struct ml_timer		 bw_timer;
} P;

static void pub_attempt(struct pub_auth *pa);

static const char *
pub_fp(const struct pub_auth *pa, char out[FINGERPRINT_HEXLEN + 1])
{
	keys_fingerprint(pa->a.pa_id, out);
	return out;
}

/* Copy an authority's answer into out as one printable, bounded line. */
static const char *
pub_answer_line(const char *body, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; body != NULL && i < len && n + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (ch == '\n' || ch == '\r')
			break;
		out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[n] = '\0';
	return n ? out : "(no reason given)";
}

static void
pub_schedule(struct pub_auth *pa, double delay)
{
	ml_timer_stop(&pa->timer);
	ml_timer_start(&pa->timer, delay, 0);
}

static void
pub_failed(struct pub_auth *pa, const char *what)
{
	double delay;

	pa->failures++;
	pa->accepted = false;
	pa->pending = false;
	delay = publish_retry_delay(pa->failures, P.cfg.pc_interval,
	    0.5 + 0.5 * (double)crypto_rand_uniform(1000001) / 1000000.0);
	/* The first failure in a row is news; repeats are only info. */
	if (pa->failures == 1)
		log_notice(LD_DIR, "authority=%s descriptor upload failed: %s; retrying in %.1fs",
		    pa->a.pa_nickname, what, delay);
	else
		log_info(LD_DIR, "authority=%s descriptor upload failed (%u in a row): %s; "
		    "retrying in %.1fs", pa->a.pa_nickname, pa->failures, what, delay);
	pub_schedule(pa, delay);
}

/*
 * A relay's bootstrap: 50% while it uploads its descriptor, 100% once
 * more than half of the authorities hold it, which is what gets it into
 * their consensus.
 */
static void
pub_note_bootstrap(void)
{
	size_t n = publish_n_accepted();

	if (2 * n > P.n_auth)
		node_bootstrap(100, "done", "descriptor accepted by %zu of %zu authorities",
		    n, P.n_auth);
	else
		node_bootstrap(50, "publishing", "uploading the descriptor to %zu authorities",
		    P.n_auth);
}

static void
pub_upload_cb(void *arg, int status, const char *body, size_t len, const char *err)
{
	struct pub_auth *pa = arg;
	char line[160], what[200];

	pa->req = NULL;
	if (status == 200) {
		if (!pa->accepted || pa->failures > 0)
			log_notice(LD_DIR, "authority=%s accepted our descriptor: %s",
			    pa->a.pa_nickname, pub_answer_line(body, len, line, sizeof(line)));
		else
			log_info(LD_DIR, "authority=%s accepted our descriptor",
			    pa->a.pa_nickname);
		pa->failures = 0;
		pa->accepted = true;
		pub_note_bootstrap();
		pub_schedule(pa, pa->pending ? 0 : P.cfg.pc_interval);
		pa->pending = false;
		return;
	}
	if (status >= 400 && status < 500) {
		log_rl(&pa->rl, LL_WARN, LD_DIR, "authority=%s refused our descriptor: "
		    "HTTP %d %s", pa->a.pa_nickname, status,
		    pub_answer_line(body, len, line, sizeof(line)));
		snprintf(what, sizeof(what), "refused with HTTP %d", status);
	} else if (status != 0) {
		snprintf(what, sizeof(what), "upload answered HTTP %d %s", status,
		    pub_answer_line(body, len, line, sizeof(line)));
	} else {
		snprintf(what, sizeof(what), "upload: %s", err ? err : "no answer");
	}
	pub_failed(pa, what);
}

static void
pub_challenge_cb(void *arg, int status, const char *body, size_t len, const char *err)
{
	struct pub_auth *pa = arg;
	uint8_t nonce[DESC_NONCE_LEN];
	struct relay_descriptor d;
	struct publish_state st;
	const struct addr *bound = relay_or_addr();
	char msg[200], line[160];
	size_t dlen;
	char *doc;

	pa->req = NULL;
	if (status != 200) {
		if (status == 0)
			snprintf(msg, sizeof(msg), "challenge: %s", err ? err : "no answer");
		else
			snprintf(msg, sizeof(msg), "challenge answered HTTP %d %s", status,
			    pub_answer_line(body, len, line, sizeof(line)));
		pub_failed(pa, msg);
		return;
	}
	if (publish_parse_challenge(body, len, nonce) < 0) {
		pub_failed(pa, "malformed challenge");
		return;
	}
	memset(&st, 0, sizeof(st));
	st.ps_bound_port = bound != NULL ? addr_port(bound) : 0;
	/*
	 * Authorities keep only a strictly newer descriptor: two uploads in
	 * one second (start, then an onion key rotation) must differ.
	 */
	st.ps_now = MAX(util_wall_sec(), pa->last_published + 1);
	pa->last_published = st.ps_now;
	st.ps_uptime = (uint64_t)MAX(0.0, mainloop_now() - P.started);
	bwhist_sample(&P.bw, mainloop_now(), conn_total_read(), conn_total_written());
	st.ps_observed = bwhist_observed(&P.bw);
	if (publish_fill(&P.cfg, P.keys, &st, nonce, &d, msg, sizeof(msg)) < 0 ||
	    (doc = descriptor_build(&d, P.keys->nk_identity, &dlen)) == NULL) {
		log_err(LD_DIR, "cannot build our descriptor: %s",
		    msg[0] ? msg : "a field is out of range");
		crypto_wipe(nonce, sizeof(nonce));
		pub_failed(pa, "descriptor could not be built");
		return;
	}
	crypto_wipe(nonce, sizeof(nonce));
	pa->req = dirclient_request(&pa->a.pa_addr, "POST", DIRCLIENT_PREFIX "descriptor",
	    doc, dlen, PUBLISH_MAX_ANSWER, PUBLISH_TIMEOUT, pub_upload_cb, pa);
	free(doc);
	if (pa->req == NULL) {
		snprintf(msg, sizeof(msg), "upload: %s", strerror(errno));
		pub_failed(pa, msg);
	}
}

static void
pub_attempt(struct pub_auth *pa)
{
	char msg[120];

	if (pa->req != NULL) {
		pa->pending = true;
		return;
	}
	ml_timer_stop(&pa->timer);
	pa->req = dirclient_request(&pa->a.pa_addr, "GET", DIRCLIENT_PREFIX "challenge",
	    NULL, 0, PUBLISH_MAX_ANSWER, PUBLISH_TIMEOUT, pub_challenge_cb, pa);
	if (pa->req == NULL) {
		snprintf(msg, sizeof(msg), "challenge: %s", strerror(errno));
		pub_failed(pa, msg);
	}
}

static void
pub_timer_cb(struct ml_timer *t)
{
	pub_attempt(container_of(t, struct pub_auth, timer));
}

static void
pub_bw_timer_cb(struct ml_timer *t)
{
	bwhist_sample(&P.bw, mainloop_now(), conn_total_read(), conn_total_written());
}

/* Replace the authority table by the one in cfg; uploads start at once. */
static void
pub_set_authorities(const struct publish_config *pc)
{
	size_t i;

	for (i = 0; i < P.n_auth; i++) {
		if (P.auth[i].req != NULL)
			dirclient_cancel(P.auth[i].req);
		ml_timer_stop(&P.auth[i].timer);
	}
	memset(P.auth, 0, sizeof(P.auth));
	P.n_auth = MIN(pc->pc_n_auth, PUBLISH_MAX_AUTHORITIES);
	for (i = 0; i < P.n_auth; i++) {
		struct pub_auth *pa = &P.auth[i];

		pa->a = pc->pc_auth[i];
		pa->rl = (struct log_ratelim)LOG_RATELIM_INIT(60);
		ml_timer_init(&pa->timer, pub_timer_cb);
		pub_schedule(pa, 0);
	}
}

static bool
pub_same_authorities(const struct publish_config *a, const struct publish_config *b)
{
	size_t i;

	if (a->pc_n_auth != b->pc_n_auth)
		return false;
	for (i = 0; i < a->pc_n_auth; i++)
		if (strcmp(a->pc_auth[i].pa_nickname, b->pc_auth[i].pa_nickname) != 0 ||
		    !addr_eq(&a->pc_auth[i].pa_addr, &b->pc_auth[i].pa_addr) ||
		    memcmp(a->pc_auth[i].pa_id, b->pc_auth[i].pa_id, IDENTITY_LEN) != 0)
			return false;
	return true;
}

int
publish_start(const struct publish_config *pc, struct node_keys *keys)
{
	char buf[ADDR_STRLEN], fp[FINGERPRINT_HEXLEN + 1];
	size_t i;

	if (P.running)
		publish_stop();
	if (addr_family(&pc->pc_address) != AF_INET) {
		log_err(LD_DIR, "cannot publish a descriptor: address %s is not IPv4 "
		    "(set [relay] advertised_address)",
		    addr_fmt(&pc->pc_address, buf, sizeof(buf)));
		return -1;
	}
	if (pc->pc_n_auth == 0) {
		log_err(LD_DIR, "cannot publish a descriptor: no [authorities] authority");
		return -1;
	}
	memset(&P, 0, sizeof(P));
	P.cfg = *pc;
	P.keys = keys;
	P.started = mainloop_now();
	bwhist_init(&P.bw, mainloop_now(), conn_total_read(), conn_total_written());
	ml_timer_init(&P.bw_timer, pub_bw_timer_cb);
	ml_timer_start(&P.bw_timer, BWHIST_PERIOD, BWHIST_PERIOD);
	P.running = true;
	pub_set_authorities(pc);
	pub_note_bootstrap();
	for (i = 0; i < P.n_auth; i++)
		log_info(LD_DIR, "authority=%s addr=%s fp=%s: will publish there",
		    P.auth[i].a.pa_nickname, addr_fmt(&P.auth[i].a.pa_addr, buf, sizeof(buf)),
		    pub_fp(&P.auth[i], fp));
	log_notice(LD_DIR, "publishing our descriptor to %zu authorit%s every %.0fs",
	    P.n_auth, P.n_auth == 1 ? "y" : "ies", pc->pc_interval);
	return 0;
}

void
publish_reconfigure(const struct publish_config *pc)
{
	bool changed, auth_changed, interval_changed;
	size_t i;

	if (!P.running)
		return;
	if (addr_family(&pc->pc_address) != AF_INET) {
		log_warn(LD_DIR, "reload: the published address must be IPv4; keeping "
		    "the old descriptor settings");
		return;
	}
	changed = !publish_config_same_descriptor(&P.cfg, pc);
	auth_changed = !pub_same_authorities(&P.cfg, pc);
	interval_changed = P.cfg.pc_interval != pc->pc_interval;
	P.cfg = *pc;
	if (auth_changed) {
		log_notice(LD_DIR, "reload: authority list changed, publishing to %zu",
		    MIN(pc->pc_n_auth, (size_t)PUBLISH_MAX_AUTHORITIES));
		pub_set_authorities(pc);
		return;
	}
	if (changed) {
		publish_descriptor_changed("settings reloaded");
		return;
	}
	if (interval_changed)
		for (i = 0; i < P.n_auth; i++)
			if (P.auth[i].req == NULL && P.auth[i].failures == 0)
				pub_schedule(&P.auth[i], P.cfg.pc_interval);
}

void
publish_descriptor_changed(const char *why)
{
	size_t i;

	if (!P.running)
		return;
	log_notice(LD_DIR, "descriptor changed (%s): uploading to %zu authorit%s", why,
	    P.n_auth, P.n_auth == 1 ? "y" : "ies");
	for (i = 0; i < P.n_auth; i++)
		pub_attempt(&P.auth[i]);
}

size_t
publish_n_authorities(void)
{
	return P.n_auth;
}

size_t
publish_n_accepted(void)
{
	size_t i, n = 0;

	for (i = 0; i < P.n_auth; i++)
		n += P.auth[i].accepted;
	return n;
}

void
publish_stop(void)
{
	size_t i;

	if (!P.running)
		return;
	for (i = 0; i < P.n_auth; i++) {
		if (P.auth[i].req != NULL)
			dirclient_cancel(P.auth[i].req);
		P.auth[i].req = NULL;
		ml_timer_stop(&P.auth[i].timer);
	}
	ml_timer_stop(&P.bw_timer);
	P.n_auth = 0;
	P.keys = NULL;
	P.running = false;
}
