/*
 * dirfetch.c: the client's consensus life cycle (dirfetch.h): cache at
 * start, fetch rounds over the authorities, verdicts (dirfetch_policy.c),
 * installing the nodelist for dirpath.c, the refetch timer.
 *
 * One fetch is in flight at a time; its callback (dirclient.h) either
 * installs what came back or asks the next authority of the round.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mainloop/mainloop.h"
#include "feature/client/bootstrap.h"
#include "feature/client/dirfetch.h"
#include "feature/client/dirfetch_policy.h"
#include "feature/client/dirpath.h"
#include "feature/client/guard.h"
#include "feature/client/statefile.h"
#include "feature/dir/dirclient.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

#define DIRFETCH_PATH	DIRCLIENT_PREFIX "consensus"

/* A wrong clock shows on every fetch; once a minute is enough to say so. */
static struct log_ratelim df_clock_rl = LOG_RATELIM_INIT(60);

static struct {
	bool				 running;
	char				*data_dir;
	char				*cache_path;
	struct dirfetch_authority	*auths;
	uint8_t				(*trusted)[ED25519_PUB_LEN];
	size_t				 n_auths;
	bool				 enforce_subnets;
	double				 timeout;
	/* What we hold. */
	struct netstatus		*held;
	bool				 held_live;	/* installed for paths */
	nodelist_t			*nl;
	/* The round in progress. */
	struct dirclient_req		*req;
	size_t				 order[NS_MAX_AUTH];
	size_t				 next;		/* index into order */
	unsigned			 failures;	/* failed rounds in a row */
	unsigned			 same;		/* rounds that got nothing newer */
	struct ml_timer			 timer;
} df;

static void	dirfetch_try_next(void);

/* ---- Timer. */

static void
dirfetch_schedule_at(int64_t when, const char *why)
{
	int64_t now = util_wall_sec(), delay = MAX(when - now, 0);
	char t[DOCFMT_TIME_LEN + 1];

	docfmt_time_format(now + delay, t);
	log_info(LD_DIR, "next consensus fetch in %lld s (%s, at %s)", (long long)delay,
	    why, t);
	ml_timer_stop(&df.timer);
	ml_timer_start(&df.timer, (double)delay + 0.001, 0);
}

/* After an accepted consensus: Tor's window between fresh-until and valid-until. */
static void
dirfetch_schedule_refetch(void)
{
	const struct netstatus *c = df.held;

	dirfetch_schedule_at(dirfetch_next_fetch(c->ns_valid_after, c->ns_fresh_until,
	    c->ns_valid_until, util_wall_sec(), path_rng_crypto, NULL), "refetch");
}

static void
dirfetch_round_failed(void)
{
	int64_t delay;

	df.failures++;
	delay = dirfetch_backoff(df.failures, path_rng_crypto, NULL);
	if (df.held_live && util_wall_sec() <= df.held->ns_valid_until)
		log_info(LD_DIR, "no newer consensus from any of the %zu authorities; "
		    "keeping ours, retrying in %lld s", df.n_auths, (long long)delay);
	else
		log_notice(LD_DIR, "no usable consensus from any of the %zu authorities "
		    "(round %u); retrying in %lld s", df.n_auths, df.failures, (long long)delay);
	dirfetch_schedule_at(util_wall_sec() + delay, "retry");
}

/* ---- Installing. */

static void
dirfetch_write_cache(const char *doc, size_t len)
{
	char *err = NULL;

	if (statefile_write(df.cache_path, doc, len, &err) < 0) {
		log_warn(LD_DIR, "consensus not cached: %s", err);
		free(err);
	}
}

/* Count the relays paths can use as exits (for the log). */
static size_t
count_exits(const nodelist_t *nl)
{
	const uint32_t need = NSF_RUNNING | NSF_VALID | NSF_EXIT;
	size_t i, n = 0;

	for (i = 0; i < nl->nl_n; i++)
		n += (nl->nl_nodes[i].n_flags & need) == need &&
		    policy_summary_allows_any(&nl->nl_nodes[i].n_policy);
	return n;
}

/* c was accepted (live): hold it and draw paths from it. */
static void
dirfetch_install(struct netstatus *c, const char *source)
{
	char va[DOCFMT_TIME_LEN + 1], vu[DOCFMT_TIME_LEN + 1];
	nodelist_t *old = df.nl;

	netstatus_free(df.held);
	df.held = c;
	df.held_live = true;
	df.nl = nodelist_new(c);
	dirpath_set_nodelist(df.nl);
	nodelist_free(old);
	docfmt_time_format(c->ns_valid_after, va);
	docfmt_time_format(c->ns_valid_until, vu);
	log_notice(LD_DIR, "consensus from %s accepted: valid-after %s, valid until %s, "
	    "%zu relays (%zu exits), signed by %zu", source, va, vu, df.nl->nl_n,
	    count_exits(df.nl), c->ns_n_sigs);
	guard_check_nodelist(df.nl);
	node_bootstrap(BOOTSTRAP_DIRINFO, "enough_dirinfo", "consensus verified (%zu relays)",
	    df.nl->nl_n);
}

/*
 * Parse and judge a document from source ("the cache" or an authority
 * nickname).  Returns the verdict; on DFV_ACCEPT the consensus is
 * installed, on DFV_REFERENCE it is held if nothing is.
 */
static enum dirfetch_verdict
dirfetch_consider(const char *doc, size_t len, const char *source, bool from_cache)
{
	struct docfmt_reason why;
	struct netstatus *c = NULL;
	enum dirfetch_verdict v;
	char hint[256];

	node_bootstrap(BOOTSTRAP_LOADING, "loading_status", "loading the consensus");
	if (netstatus_parse(doc, len, NS_CONSENSUS, &c, &why) != PARSE_OK) {
		log_warn(LD_DIR, "consensus from %s refused: malformed: %s", source, why.msg);
		return DFV_REJECT;
	}
	v = dirfetch_judge(c, df.held, (const uint8_t (*)[32])df.trusted, df.n_auths,
	    util_wall_sec(), &why);
	/* Fresh from an authority and good but for the time: say so. */
	if (!from_cache && (v == DFV_REJECT || v == DFV_REFERENCE) &&
	    dirfetch_clock_hint(c, (const uint8_t (*)[32])df.trusted, df.n_auths,
	    util_wall_sec(), hint, sizeof(hint)))
		log_rl(&df_clock_rl, LL_WARN, LD_DIR, "consensus from %s: %s", source, hint);
	switch (v) {
	case DFV_ACCEPT:
		if (!from_cache)
			dirfetch_write_cache(doc, len);
		dirfetch_install(c, source);
		return v;
	case DFV_SAME:
		log_info(LD_DIR, "consensus from %s: %s", source, why.msg);
		break;
	case DFV_REFERENCE:
		if (df.held == NULL) {
			log_notice(LD_DIR, "consensus from %s %s: kept only as a reference "
			    "against rollback; circuits need a live one", source, why.msg);
			df.held = c;
			return v;
		}
		log_warn(LD_DIR, "consensus from %s refused: %s", source, why.msg);
		break;
	case DFV_REJECT:
		log_warn(LD_DIR, "consensus from %s refused: %s", source, why.msg);
		break;
	}
	netstatus_free(c);
	return v;
}

/* ---- Fetching. */

static void
dirfetch_answer(void *arg, int status, const char *body, size_t len, const char *err)
{
	const struct dirfetch_authority *a = arg;

	df.req = NULL;
	if (!df.running)
		return;
	if (status == 0) {
		log_notice(LD_DIR, "consensus fetch from %s failed: %s", a->da_nickname,
		    err != NULL ? err : "no answer");
	} else if (status == 404) {
		log_notice(LD_DIR, "authority %s has no consensus yet", a->da_nickname);
	} else if (status != 200) {
		log_notice(LD_DIR, "consensus fetch from %s failed: HTTP status %d",
		    a->da_nickname, status);
	} else {
		switch (dirfetch_consider(body, len, a->da_nickname, false)) {
		case DFV_ACCEPT:
			df.failures = 0;
			df.same = 0;
			dirfetch_schedule_refetch();
			return;
		case DFV_SAME:
			/* The authorities have not voted yet: ask again a bit later. */
			df.same++;
			dirfetch_schedule_at(MAX(dirfetch_next_fetch(df.held->ns_valid_after,
			    df.held->ns_fresh_until, df.held->ns_valid_until, util_wall_sec(),
			    path_rng_crypto, NULL), util_wall_sec() +
			    dirfetch_backoff(df.same, path_rng_crypto, NULL)), "nothing newer yet");
			return;
		case DFV_REFERENCE:
		case DFV_REJECT:
			break;
		}
	}
	dirfetch_try_next();
}

/* Ask the next authority of the round, or end the round. */
static void
dirfetch_try_next(void)
{
	const struct dirfetch_authority *a;
	char abuf[ADDR_STRLEN];

	while (df.next < df.n_auths) {
		a = &df.auths[df.order[df.next++]];
		node_bootstrap(BOOTSTRAP_CONN_DIR, "conn_dir",
		    "connecting to directory authority %s", a->da_nickname);
		log_info(LD_DIR, "fetching the consensus from %s at %s", a->da_nickname,
		    addr_fmt(&a->da_addr, abuf, sizeof(abuf)));
		df.req = dirclient_request(&a->da_addr, "GET", DIRFETCH_PATH, NULL, 0,
		    NS_MAX_DOC, df.timeout, dirfetch_answer, (void *)(uintptr_t)a);
		if (df.req != NULL)
			return;
		log_notice(LD_DIR, "consensus fetch from %s failed: %s", a->da_nickname,
		    strerror(errno));
	}
	dirfetch_round_failed();
}

static void
dirfetch_round(struct ml_timer *t)
{
	size_t i, j, tmp;

	(void)t;
	if (df.req != NULL)
		return;
	/* A fresh random order each round (Fisher-Yates). */
	for (i = 0; i < df.n_auths; i++)
		df.order[i] = i;
	for (i = df.n_auths; i > 1; i--) {
		j = (size_t)crypto_rand_uniform(i);
		tmp = df.order[i - 1];
		df.order[i - 1] = df.order[j];
		df.order[j] = tmp;
	}
	df.next = 0;
	dirfetch_try_next();
}

/* ---- Start, stop, accessors. */

static void
dirfetch_load_cache(void)
{
	char *doc = NULL, *err = NULL;
	size_t len;
	int rc;

	rc = statefile_read(df.cache_path, NS_MAX_DOC, &doc, &len, &err);
	if (rc == 1) {
		log_info(LD_DIR, "no cached consensus in %s", df.cache_path);
		return;
	}
	if (rc < 0) {
		log_warn(LD_DIR, "cached consensus ignored: %s", err);
		free(err);
		return;
	}
	log_info(LD_DIR, "loading the cached consensus from %s", df.cache_path);
	(void)dirfetch_consider(doc, len, "the cache", true);
	free(doc);
}

/* A usable number of trusted authorities, or -1 after logging at level. */
static int
dirfetch_check_auths(const struct dirfetch_config *cfg, enum log_level level)
{
	if (cfg->df_n_auths > 0 && cfg->df_n_auths <= NS_MAX_AUTH)
		return 0;
	log_at_(level, LD_DIR, "the directory needs 1 to %d trusted authorities, got %zu",
	    NS_MAX_AUTH, cfg->df_n_auths);
	return -1;
}

/* Take cfg's authorities as the trusted set (the old one freed). */
static void
dirfetch_set_auths(const struct dirfetch_config *cfg)
{
	size_t i;

	free(df.auths);
	free(df.trusted);
	df.n_auths = cfg->df_n_auths;
	df.auths = xcalloc(df.n_auths, sizeof(*df.auths));
	memcpy(df.auths, cfg->df_auths, df.n_auths * sizeof(*df.auths));
	df.trusted = xcalloc(df.n_auths, sizeof(*df.trusted));
	for (i = 0; i < df.n_auths; i++)
		memcpy(df.trusted[i], df.auths[i].da_id, ED25519_PUB_LEN);
	log_notice(LD_DIR, "directory: %zu trusted authorities; a consensus needs %zu "
	    "signatures", df.n_auths, df.n_auths / 2 + 1);
}

static bool
dirfetch_same_auths(const struct dirfetch_config *cfg)
{
	size_t i;

	if (cfg->df_n_auths != df.n_auths)
		return false;
	for (i = 0; i < df.n_auths; i++)
		if (strcmp(cfg->df_auths[i].da_nickname, df.auths[i].da_nickname) != 0 ||
		    !addr_eq(&cfg->df_auths[i].da_addr, &df.auths[i].da_addr) ||
		    memcmp(cfg->df_auths[i].da_id, df.auths[i].da_id, ED25519_PUB_LEN) != 0)
			return false;
	return true;
}

int
dirfetch_start(const struct dirfetch_config *cfg)
{
	char *err = NULL;

	if (BUG(df.running))
		return -1;
	if (dirfetch_check_auths(cfg, LL_ERR) < 0)
		return -1;
	if (statefile_dir(cfg->df_data_dir, &err) < 0) {
		log_err(LD_DIR, "data directory unusable: %s", err);
		free(err);
		return -1;
	}
	memset(&df, 0, sizeof(df));
	df.running = true;
	df.data_dir = xstrdup(cfg->df_data_dir);
	df.cache_path = xasprintf("%s/%s", cfg->df_data_dir, DIRFETCH_CACHE_FILE);
	dirfetch_set_auths(cfg);
	df.enforce_subnets = cfg->df_enforce_subnets;
	df.timeout = cfg->df_timeout > 0 ? cfg->df_timeout : 30;
	ml_timer_init(&df.timer, dirfetch_round);
	guard_init(df.data_dir);
	dirpath_start(df.enforce_subnets);
	dirfetch_load_cache();
	if (df.held_live)
		dirfetch_schedule_refetch();
	else
		dirfetch_schedule_at(util_wall_sec(), "no live consensus");
	return 0;
}

int
dirfetch_reconfigure(const struct dirfetch_config *cfg)
{
	if (!df.running)
		return 0;
	if (dirfetch_check_auths(cfg, LL_WARN) < 0)
		return -1;
	df.timeout = cfg->df_timeout > 0 ? cfg->df_timeout : 30;
	df.enforce_subnets = cfg->df_enforce_subnets;
	dirpath_set_enforce_subnets(df.enforce_subnets);
	if (dirfetch_same_auths(cfg))
		return 0;
	/* The answer in flight would name an authority of the old set. */
	if (df.req != NULL) {
		dirclient_cancel(df.req);
		df.req = NULL;
	}
	dirfetch_set_auths(cfg);
	df.failures = 0;
	df.same = 0;
	dirfetch_schedule_at(util_wall_sec(), "trusted authorities changed");
	return 0;
}

void
dirfetch_stop(void)
{
	if (!df.running)
		return;
	df.running = false;
	if (df.req != NULL)
		dirclient_cancel(df.req);
	ml_timer_stop(&df.timer);
	dirpath_stop();
	guard_shutdown();
	netstatus_free(df.held);
	nodelist_free(df.nl);
	free(df.auths);
	free(df.trusted);
	free(df.cache_path);
	free(df.data_dir);
	memset(&df, 0, sizeof(df));
}

const struct netstatus *
client_dir_consensus(void)
{
	return df.held;
}

const nodelist_t *
client_dir_nodelist(void)
{
	return df.nl;
}
