/*
 * dirauth.c: the directory authority at run time: HTTP requests,
 * reachability tests, the voting schedule with its exchanges between
 * authorities, and the saved state.  The rules themselves (nonces,
 * acceptance, votes, schedule arithmetic) are pure and live in
 * dirauth_store.c; see dirauth.h for the whole picture.
 *
 * Everything runs from one periodic tick that looks at the wall clock
 * (the schedule is wall-clock aligned, and re-reading the clock on every
 * tick makes a late tick harmless: a phase whose time has passed runs at
 * once, a period whose chance has passed is skipped).
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mainloop/mainloop.h"
#include "feature/dir/dirauth.h"
#include "feature/dir/dirauth_reach.h"
#include "feature/dir/dirauth_store.h"
#include "feature/dir/dirclient.h"
#include "feature/dir/netstatus.h"
#include "feature/control/node_bootstrap.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

#define DA_MAX_PROBES		64		/* reachability tests in flight */
#define DA_MAX_VOTE_BODY	(16u << 20)	/* a peer's vote */
#define DA_MAX_SIG_BODY		4096
#define DA_MAX_CONSENSUS_FILE	NS_MAX_DOC
#define DA_CONTENT_TYPE		"text/plain"

enum period_state {
	PS_WAIT,	/* before our vote */
	PS_VOTED,	/* vote served; fetching the peers' votes */
	PS_COMPUTED,	/* consensus signed; fetching signatures */
	PS_DONE,	/* published, or given up */
};

/* One trusted authority (we are one of them). */
struct da_auth {
	struct dirauth_peer	 a_cfg;
	bool			 a_self;
	struct dirclient_req	*a_vote_req;
	struct dirclient_req	*a_sig_req;
	double			 a_vote_try;	/* last attempt */
	double			 a_sig_try;
	bool			 a_sig_differs;	/* it signed another document */
};

struct da_period {
	int64_t			 p_va;
	struct da_schedule	 p_sc;
	enum period_state	 p_state;
	struct netstatus	*p_votes[NS_MAX_AUTH];	/* by authority index */
	char			*p_vote_doc;		/* ours, served */
	size_t			 p_vote_len;
	struct netstatus	*p_cons;		/* ours until published */
	char			*p_sig_doc;		/* ours, served */
	size_t			 p_sig_len;
	bool			 p_published;
	bool			 p_reported;		/* short of signatures, logged */
};

static struct {
	bool			 running;	/* started (online or offline) */
	bool			 online;	/* sockets, timers, disk */
	struct dirauth_options	 opt;
	char			*datadir;	/* <data_directory>/dirauth, or NULL */
	const ed25519_key_t	*key;
	uint8_t			 self[ED25519_PUB_LEN];
	char			 self_fp[DOCFMT_FP_HEXLEN + 1];
	struct da_nonces	 nonces;
	struct da_store		 store;
	struct da_auth		 auth[NS_MAX_AUTH];
	size_t			 n_auth;
	uint8_t			 trusted[NS_MAX_AUTH][ED25519_PUB_LEN];
	struct ml_timer		 tick;
	struct ml_deferred	 reach_d;
	struct da_period	 cur;
	/* The previous period's vote and signature stay served (late peers). */
	int64_t			 prev_va;
	char			*prev_vote_doc, *prev_sig_doc;
	size_t			 prev_vote_len, prev_sig_len;
	int64_t			 reach_va;	/* period whose tests were started */
	/* What GET /tord/consensus serves. */
	struct netstatus	*pub;
	char			*pub_doc;
	size_t			 pub_len;
} da;

static struct log_ratelim da_rl = LOG_RATELIM_INIT(10);
static struct log_ratelim da_peer_rl = LOG_RATELIM_INIT(5);

static void	da_tick_cb(struct ml_timer *t);
static void	da_reach_pass(struct ml_deferred *d);

/* ---- helpers ------------------------------------------------------------- */

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
fmt_time(int64_t t, char buf[DOCFMT_TIME_LEN + 1])
{
	docfmt_time_format(t, buf);
	return buf;
}

/* "$FP~nick" of a relay, for logs. */
static const char *
relay_desc(const struct da_relay *r, char *buf, size_t len)
{
	char fp[DOCFMT_FP_HEXLEN + 1];

	docfmt_fp_encode(r->r_id, fp);
	snprintf(buf, len, "$%s~%s", fp, r->r_desc.rd_nickname);
	return buf;
}

static size_t
sigs_needed(void)
{
	return da.n_auth / 2 + 1;
}

/* ---- files --------------------------------------------------------------- */

static int
write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp", path);
	size_t off = 0;
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		log_warn(LD_DIR, "cannot write %s: %s", path, strerror(errno));
	free(tmp);
	return rc;
}

/* Read a regular file of at most max bytes; malloc'd and NUL-terminated. */
static char *
read_file_bounded(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *p;
	size_t off = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	p = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, p + off, (size_t)st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	p[off] = '\0';
	*len = off;
	return p;
}

static char *
desc_path(const uint8_t id[ED25519_PUB_LEN])
{
	char fp[DOCFMT_FP_HEXLEN + 1];

	docfmt_fp_encode(id, fp);
	return xasprintf("%s/descriptors/%s", da.datadir, fp);
}

static void
save_descriptor(const struct da_relay *r)
{
	char *path;

	if (da.datadir == NULL)
		return;
	path = desc_path(r->r_id);
	(void)write_file_atomic(path, r->r_doc, r->r_doc_len);
	free(path);
}

static void
forget_descriptor(const uint8_t id[ED25519_PUB_LEN])
{
	char *path;

	if (da.datadir == NULL)
		return;
	path = desc_path(id);
	(void)unlink(path);
	free(path);
}

static void
save_consensus(void)
{
	char *path;

	if (da.datadir == NULL || da.pub_doc == NULL)
		return;
	path = xasprintf("%s/consensus", da.datadir);
	(void)write_file_atomic(path, da.pub_doc, da.pub_len);
	free(path);
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		log_err(LD_DIR, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
load_descriptors(int64_t now)
{
	char *dir = xasprintf("%s/descriptors", da.datadir);
	struct docfmt_reason why;
	struct dirent *de;
	size_t loaded = 0, bad = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char *path, *doc;
		size_t len;

		if (strlen(de->d_name) != DOCFMT_FP_HEXLEN)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		doc = read_file_bounded(path, DESC_MAX_LEN, &len);
		if (doc == NULL || da_store_load(&da.store, doc, len, now, &why) < 0) {
			log_info(LD_DIR, "dropping saved descriptor %s: %s", de->d_name,
			    doc == NULL ? strerror(errno) : why.msg);
			(void)unlink(path);
			bad++;
		} else {
			loaded++;
		}
		free(doc);
		free(path);
	}
	closedir(d);
	free(dir);
	if (loaded || bad)
		log_notice(LD_DIR, "loaded %zu saved descriptors (%zu dropped)", loaded, bad);
}

/*
 * An authority's bootstrap: 50% until it serves a consensus, 100% once
 * it does (its own or the one saved by its last run).
 */
static void
da_note_serving(void)
{
	if (da.pub != NULL)
		node_bootstrap(100, "done", "serving a consensus signed by %zu of %zu authorities",
		    da.pub->ns_n_sigs, da.n_auth);
	else
		node_bootstrap(50, "voting", "voting: no consensus signed by a majority yet");
}

static void
load_consensus(void)
{
	char *path = xasprintf("%s/consensus", da.datadir);
	struct docfmt_reason why = { "" };
	struct netstatus *ns = NULL;
	char va[DOCFMT_TIME_LEN + 1];
	size_t len;
	char *doc = read_file_bounded(path, DA_MAX_CONSENSUS_FILE, &len);

	if (doc == NULL) {
		free(path);
		return;
	}
	/* Only the signatures are checked here: an expired one is still the
	 * newest we have, and clients judge the time themselves. */
	if (netstatus_parse(doc, len, NS_CONSENSUS, &ns, &why) != PARSE_OK ||
	    consensus_verify(ns, (const uint8_t (*)[32])da.trusted, da.n_auth,
	    ns->ns_valid_after, &why) < 0) {
		log_warn(LD_DIR, "ignoring saved consensus %s: %s", path, why.msg);
		netstatus_free(ns);
		free(doc);
		free(path);
		return;
	}
	da.pub = ns;
	da.pub_doc = doc;
	da.pub_len = len;
	da_note_serving();
	log_notice(LD_DIR, "serving the saved consensus for %s (%zu relays, %zu signatures)",
	    fmt_time(ns->ns_valid_after, va), ns->ns_n_entries, ns->ns_n_sigs);
	free(path);
}

/* ---- authorities ---------------------------------------------------------- */

static void
auth_cancel_requests(void)
{
	size_t i;

	for (i = 0; i < da.n_auth; i++) {
		if (da.auth[i].a_vote_req != NULL)
			dirclient_cancel(da.auth[i].a_vote_req);
		if (da.auth[i].a_sig_req != NULL)
			dirclient_cancel(da.auth[i].a_sig_req);
		da.auth[i].a_vote_req = da.auth[i].a_sig_req = NULL;
	}
}

/* Build the authority table from the options; true if it changed. */
static bool
auth_setup(const struct dirauth_options *o)
{
	struct da_auth old[NS_MAX_AUTH];
	size_t i, j, n_old = da.n_auth;
	bool self_listed = false, changed;

	memcpy(old, da.auth, sizeof(old));
	auth_cancel_requests();
	memset(da.auth, 0, sizeof(da.auth));
	da.n_auth = 0;
	for (i = 0; i < o->do_n_auth; i++) {
		const struct dirauth_peer *p = &o->do_auth[i];
		bool dup = false;

		for (j = 0; j < da.n_auth; j++)
			dup |= memcmp(da.auth[j].a_cfg.ap_id, p->ap_id, ED25519_PUB_LEN) == 0;
		if (dup)
			continue;
		if (da.n_auth == NS_MAX_AUTH - 1) {
			log_warn(LD_DIR, "more than %d authorities configured: ignoring the rest",
			    NS_MAX_AUTH - 1);
			break;
		}
		da.auth[da.n_auth].a_cfg = *p;
		da.auth[da.n_auth].a_self = memcmp(p->ap_id, da.self, ED25519_PUB_LEN) == 0;
		self_listed |= da.auth[da.n_auth].a_self;
		da.n_auth++;
	}
	if (!self_listed) {
		if (o->do_n_auth > 0)
			log_warn(LD_DIR, "this authority's fingerprint %s is not in [authorities]: "
			    "clients will not count its signature", da.self_fp);
		memcpy(da.auth[da.n_auth].a_cfg.ap_id, da.self, ED25519_PUB_LEN);
		snprintf(da.auth[da.n_auth].a_cfg.ap_nickname,
		    sizeof(da.auth[da.n_auth].a_cfg.ap_nickname), "self");
		da.auth[da.n_auth].a_self = true;
		da.n_auth++;
	}
	for (i = 0; i < da.n_auth; i++)
		memcpy(da.trusted[i], da.auth[i].a_cfg.ap_id, ED25519_PUB_LEN);
	changed = n_old != da.n_auth;
	for (i = 0; !changed && i < da.n_auth; i++)
		changed = memcmp(old[i].a_cfg.ap_id, da.auth[i].a_cfg.ap_id, ED25519_PUB_LEN) != 0 ||
		    !addr_eq(&old[i].a_cfg.ap_addr, &da.auth[i].a_cfg.ap_addr);
	return changed;
}

static const char *
auth_name(const struct da_auth *a)
{
	return a->a_cfg.ap_nickname[0] ? a->a_cfg.ap_nickname : "authority";
}

/* ---- HTTP ------------------------------------------------------------------ */

static bool
path_is(const char *path, const char *suffix)
{
	return strncmp(path, DIRCLIENT_PREFIX, strlen(DIRCLIENT_PREFIX)) == 0 &&
	    strcmp(path + strlen(DIRCLIENT_PREFIX), suffix) == 0;
}

/* "/tord/<prefix><arg>": the argument, or NULL. */
static const char *
path_arg(const char *path, const char *prefix)
{
	size_t n = strlen(DIRCLIENT_PREFIX), m = strlen(prefix);

	if (strncmp(path, DIRCLIENT_PREFIX, n) != 0 || strncmp(path + n, prefix, m) != 0)
		return NULL;
	return path + n + m;
}

static char *
copy_doc(const char *doc, size_t len)
{
	char *p = xmalloc(len + 1);

	memcpy(p, doc, len);
	p[len] = '\0';
	return p;
}

static void
serve_doc(struct dirserv_response *rs, const char *doc, size_t len)
{
	dirserv_reply_take(rs, DA_CONTENT_TYPE, copy_doc(doc, len), len);
}

static void
handle_challenge(struct dirserv_response *rs)
{
	uint8_t nonce[DESC_NONCE_LEN];
	char hex[2 * DESC_NONCE_LEN + 1];

	da_nonce_issue(&da.nonces, util_wall_sec(), nonce);
	util_hex_encode(nonce, sizeof(nonce), hex);
	dirserv_reply(rs, 200, "nonce %s", hex);
}

static void
handle_upload(const struct dirserv_request *rq, struct dirserv_response *rs)
{
	struct da_verdict v;
	struct da_relay *r;
	char desc[128], ip[ADDR_STRLEN] = "?";
	bool known;

	/* Only printable text can be a descriptor: a NUL would cut it short. */
	if (memchr(rq->rq_body, '\0', rq->rq_body_len) != NULL) {
		dirserv_reply(rs, 400, "bad descriptor: contains a NUL byte");
		return;
	}
	da_store_upload(&da.store, &da.nonces, (const char *)rq->rq_body, rq->rq_body_len,
	    util_wall_sec(), &v, &r);
	if (rq->rq_peer != NULL)
		addr_fmt_ip(rq->rq_peer, ip, sizeof(ip));
	if (v.v_status != 200) {
		log_rl(&da_rl, LL_INFO, LD_DIR, "descriptor upload from %s refused (%d): %s",
		    ip, v.v_status, v.v_msg);
		dirserv_reply(rs, v.v_status, "%s", v.v_msg);
		return;
	}
	known = r->r_reach_at != 0;
	log_info(LD_DIR, "descriptor of %s accepted (%zu bytes)%s",
	    relay_desc(r, desc, sizeof(desc)), r->r_doc_len, known ? "" : "; testing reachability");
	save_descriptor(r);
	if (da.online)
		ml_defer(&da.reach_d);
	dirserv_reply(rs, 200, "%s", v.v_msg);
}

static void
handle_descriptor_get(const char *arg, struct dirserv_response *rs)
{
	uint8_t id[ED25519_PUB_LEN];
	struct da_relay *r;
	size_t i;

	for (i = 0; arg[i] != '\0'; i++)
		if (!((arg[i] >= '0' && arg[i] <= '9') || (arg[i] >= 'a' && arg[i] <= 'f') ||
		    (arg[i] >= 'A' && arg[i] <= 'F')))
			break;
	if (arg[i] != '\0' || i != DOCFMT_FP_HEXLEN ||
	    util_hex_decode(arg, i, id, sizeof(id)) < 0) {
		dirserv_reply(rs, 400, "expected a fingerprint of 64 hex digits");
		return;
	}
	if ((r = da_store_find(&da.store, id)) == NULL) {
		dirserv_reply(rs, 404, "no descriptor for that fingerprint");
		return;
	}
	serve_doc(rs, r->r_doc, r->r_doc_len);
}

/* Parse the decimal unix time of /tord/vote/<t> and /tord/signature/<t>. */
static int
parse_va(const char *arg, int64_t *va)
{
	long long v;

	if (arg[0] == '\0' || (arg[0] == '0' && arg[1] != '\0') ||
	    util_parse_ll(arg, 1, 253402300799LL, &v) < 0)
		return -1;
	*va = (int64_t)v;
	return 0;
}

static void
handle_period_doc(const char *arg, bool vote, struct dirserv_response *rs)
{
	int64_t va;
	const char *doc = NULL;
	size_t len = 0;

	if (parse_va(arg, &va) < 0) {
		dirserv_reply(rs, 400, "expected a valid-after time in unix seconds");
		return;
	}
	if (va == da.cur.p_va) {
		doc = vote ? da.cur.p_vote_doc : da.cur.p_sig_doc;
		len = vote ? da.cur.p_vote_len : da.cur.p_sig_len;
	} else if (va == da.prev_va) {
		doc = vote ? da.prev_vote_doc : da.prev_sig_doc;
		len = vote ? da.prev_vote_len : da.prev_sig_len;
	}
	if (doc == NULL) {
		dirserv_reply(rs, 404, "no %s for that period", vote ? "vote" : "signature");
		return;
	}
	serve_doc(rs, doc, len);
}

void
dirauth_handle_request(const struct dirserv_request *rq, struct dirserv_response *rs,
    void *arg)
{
	const char *p = rq->rq_path, *a;
	bool get = strcmp(rq->rq_method, "GET") == 0;

	(void)arg;
	if (BUG(!da.running)) {
		dirserv_reply(rs, 503, "not running");
		return;
	}
	if (path_is(p, "descriptor")) {
		if (get)
			dirserv_reply(rs, 405, "use POST to upload a descriptor");
		else
			handle_upload(rq, rs);
		return;
	}
	if (path_is(p, "challenge") || path_is(p, "consensus") ||
	    path_arg(p, "descriptor/") != NULL || path_arg(p, "vote/") != NULL ||
	    path_arg(p, "signature/") != NULL) {
		if (!get) {
			dirserv_reply(rs, 405, "use GET");
			return;
		}
	} else {
		dirserv_reply(rs, 404, "not found");
		return;
	}
	if (path_is(p, "challenge")) {
		handle_challenge(rs);
	} else if (path_is(p, "consensus")) {
		if (da.pub_doc == NULL)
			dirserv_reply(rs, 404, "no consensus yet");
		else
			serve_doc(rs, da.pub_doc, da.pub_len);
	} else if ((a = path_arg(p, "descriptor/")) != NULL) {
		handle_descriptor_get(a, rs);
	} else if ((a = path_arg(p, "vote/")) != NULL) {
		handle_period_doc(a, true, rs);
	} else {
		handle_period_doc(path_arg(p, "signature/"), false, rs);
	}
}

/* ---- reachability -------------------------------------------------------- */

static void
reach_done(void *arg, const uint8_t id[ED25519_PUB_LEN], const struct addr *addr, bool ok,
    const char *why)
{
	struct da_relay *r = da_store_find(&da.store, id);
	char desc[128], ip[ADDR_STRLEN];
	bool was_ok;

	(void)arg;
	if (r == NULL)
		return;		/* dropped meanwhile */
	r->r_probing = false;
	/* A result for an address the relay no longer has says nothing. */
	if (addr->a_u.sin.sin_addr.s_addr != htonl(r->r_desc.rd_ipv4) ||
	    addr_port(addr) != r->r_desc.rd_or_port) {
		r->r_reach_due = true;
		ml_defer(&da.reach_d);
		return;
	}
	was_ok = r->r_reach_ok;
	da_relay_reach_result(r, ok, util_wall_sec());
	addr_fmt(addr, ip, sizeof(ip));
	if (ok && !was_ok)
		log_notice(LD_DIR, "relay %s at %s is reachable", relay_desc(r, desc, sizeof(desc)),
		    ip);
	else if (!ok && was_ok)	/* once per change, as for the good news */
		log_notice(LD_DIR, "relay %s at %s is not reachable: %s",
		    relay_desc(r, desc, sizeof(desc)), ip, why);
	else if (!ok)
		log_rl(&da_rl, LL_INFO, LD_DIR, "relay %s at %s is not reachable: %s",
		    relay_desc(r, desc, sizeof(desc)), ip, why);
	else
		log_debug(LD_DIR, "relay %s still reachable", relay_desc(r, desc, sizeof(desc)));
}

static double
reach_timeout(void)
{
	/* The tests of a period must finish before the vote (I/4 later). */
	return MIN(da.opt.do_reach_timeout, (double)da.opt.do_interval / 5.0);
}

static void
da_reach_pass(struct ml_deferred *d)
{
	size_t i;

	(void)d;
	for (i = 0; i < da.store.s_n && da_probes_in_flight() < DA_MAX_PROBES; i++) {
		struct da_relay *r = da.store.s_v[i];
		struct addr a;

		if (!r->r_reach_due || r->r_probing)
			continue;
		memset(&a, 0, sizeof(a));
		a.a_u.sin.sin_family = AF_INET;
		a.a_u.sin.sin_addr.s_addr = htonl(r->r_desc.rd_ipv4);
		a.a_u.sin.sin_port = htons(r->r_desc.rd_or_port);
		a.a_len = sizeof(a.a_u.sin);
		r->r_reach_due = false;
		if (da_probe_start(&a, r->r_id, reach_timeout(), reach_done, NULL) == NULL) {
			log_rl(&da_rl, LL_WARN, LD_DIR, "cannot start a reachability test: %s",
			    strerror(errno));
			da_relay_reach_result(r, false, util_wall_sec());
			continue;
		}
		r->r_probing = true;
	}
	/* The rest start from the next tick, as tests finish. */
}

/* ---- the voting schedule -------------------------------------------------- */

static void
period_free(struct da_period *p)
{
	size_t i;

	for (i = 0; i < NS_MAX_AUTH; i++)
		netstatus_free(p->p_votes[i]);
	netstatus_free(p->p_cons);
	free(p->p_vote_doc);
	free(p->p_sig_doc);
	memset(p, 0, sizeof(*p));
}

static void
period_begin(int64_t va)
{
	char t[DOCFMT_TIME_LEN + 1];

	period_free(&da.cur);
	da.cur.p_va = va;
	da_schedule_for(va, da.opt.do_interval, &da.cur.p_sc);
	da.cur.p_state = PS_WAIT;
	log_info(LD_DIR, "next consensus: valid-after %s", fmt_time(va, t));
}

/* Keep the finished period's documents for late peers, then move on. */
static void
period_end(double now)
{
	free(da.prev_vote_doc);
	free(da.prev_sig_doc);
	da.prev_va = da.cur.p_va;
	da.prev_vote_doc = da.cur.p_vote_doc;
	da.prev_vote_len = da.cur.p_vote_len;
	da.prev_sig_doc = da.cur.p_sig_doc;
	da.prev_sig_len = da.cur.p_sig_len;
	da.cur.p_vote_doc = da.cur.p_sig_doc = NULL;
	auth_cancel_requests();
	period_begin(da_next_period(da.cur.p_va, now, da.opt.do_interval));
}

static size_t
self_index(void)
{
	size_t i;

	for (i = 0; i < da.n_auth; i++)
		if (da.auth[i].a_self)
			return i;
	return 0;
}

static void
make_vote(int64_t now)
{
	struct da_vote_params vp;
	struct docfmt_reason why = { "" };
	struct netstatus *vote, *parsed = NULL;
	char t[DOCFMT_TIME_LEN + 1];

	memset(&vp, 0, sizeof(vp));
	memcpy(vp.vp_self, da.self, ED25519_PUB_LEN);
	vp.vp_valid_after = da.cur.p_va;
	vp.vp_interval = da.opt.do_interval;
	vp.vp_validity = da.opt.do_validity;
	vp.vp_reach_max_age = 2 * da.opt.do_interval;
	vp.vp_thresholds = da.opt.do_thresholds;
	vote = da_build_vote(&da.store, &vp, now, &why);
	if (vote == NULL || netstatus_sign(vote, da.key) < 0) {
		log_warn(LD_DIR, "cannot make our vote for %s: %s", fmt_time(da.cur.p_va, t),
		    vote == NULL ? why.msg : "signing failed");
		netstatus_free(vote);
		da.cur.p_state = PS_DONE;
		return;
	}
	da.cur.p_vote_doc = netstatus_format(vote, &da.cur.p_vote_len);
	netstatus_free(vote);
	/* Compute from the parsed text, exactly as the peers will see it. */
	if (netstatus_parse(da.cur.p_vote_doc, da.cur.p_vote_len, NS_VOTE, &parsed, &why) !=
	    PARSE_OK) {
		log_err(LD_BUG, "our own vote does not parse: %s", why.msg);
		da.cur.p_state = PS_DONE;
		return;
	}
	da.cur.p_votes[self_index()] = parsed;
	da.cur.p_state = PS_VOTED;
	log_info(LD_DIR, "voted for %s: %zu relays", fmt_time(da.cur.p_va, t),
	    parsed->ns_n_entries);
}

static void
vote_fetched(void *arg, int status, const char *body, size_t len, const char *err)
{
	struct da_auth *a = arg;
	size_t idx = (size_t)(a - da.auth);
	struct docfmt_reason why = { "" };
	struct netstatus *v = NULL;
	char t[DOCFMT_TIME_LEN + 1];

	a->a_vote_req = NULL;
	if (da.cur.p_state != PS_VOTED || da.cur.p_votes[idx] != NULL)
		return;
	if (status != 200) {
		log_rl(&da_peer_rl, LL_INFO, LD_DIR, "vote of %s for %s not available: %s",
		    auth_name(a), fmt_time(da.cur.p_va, t), status ? "not there yet" : err);
		return;
	}
	if (netstatus_parse(body, len, NS_VOTE, &v, &why) != PARSE_OK ||
	    vote_verify(v, &why) < 0) {
		log_rl(&da_peer_rl, LL_WARN, LD_DIR, "bad vote from %s: %s", auth_name(a), why.msg);
		netstatus_free(v);
		return;
	}
	if (memcmp(v->ns_voters[0], a->a_cfg.ap_id, ED25519_PUB_LEN) != 0 ||
	    v->ns_valid_after != da.cur.p_va) {
		log_rl(&da_peer_rl, LL_WARN, LD_DIR,
		    "vote from %s is for another authority or period: ignored", auth_name(a));
		netstatus_free(v);
		return;
	}
	da.cur.p_votes[idx] = v;
	log_info(LD_DIR, "got the vote of %s for %s: %zu relays", auth_name(a),
	    fmt_time(da.cur.p_va, t), v->ns_n_entries);
}

static double
peer_timeout(void)
{
	return MAX(1.0, MIN(10.0, (double)da.opt.do_interval / 4.0));
}

static void
fetch_votes(double now)
{
	size_t i;
	char path[64];

	for (i = 0; i < da.n_auth; i++) {
		struct da_auth *a = &da.auth[i];

		if (a->a_self || da.cur.p_votes[i] != NULL || a->a_vote_req != NULL ||
		    now - a->a_vote_try < da.cur.p_sc.sc_retry)
			continue;
		a->a_vote_try = now;
		snprintf(path, sizeof(path), DIRCLIENT_PREFIX "vote/%lld", (long long)da.cur.p_va);
		a->a_vote_req = dirclient_request(&a->a_cfg.ap_addr, "GET", path, NULL, 0,
		    DA_MAX_VOTE_BODY, peer_timeout(), vote_fetched, a);
	}
}

static size_t
votes_in(void)
{
	size_t i, n = 0;

	for (i = 0; i < da.n_auth; i++)
		n += da.cur.p_votes[i] != NULL;
	return n;
}

static void
compute_consensus(void)
{
	const struct netstatus *votes[NS_MAX_AUTH];
	struct docfmt_reason why = { "" };
	char t[DOCFMT_TIME_LEN + 1], fp[DOCFMT_FP_HEXLEN + 1], b64[DOCFMT_B64_LEN(ED25519_SIG_LEN)];
	char hex[2 * 32 + 1];
	struct netstatus *c;
	size_t i, n = 0;

	for (i = 0; i < da.n_auth; i++)
		if (da.cur.p_votes[i] != NULL)
			votes[n++] = da.cur.p_votes[i];
	auth_cancel_requests();
	c = consensus_compute(votes, n, &why);
	if (c == NULL || netstatus_sign(c, da.key) < 0) {
		log_warn(LD_DIR, "cannot compute the consensus for %s: %s",
		    fmt_time(da.cur.p_va, t), c == NULL ? why.msg : "signing failed");
		netstatus_free(c);
		da.cur.p_state = PS_DONE;
		return;
	}
	da.cur.p_cons = c;
	/* The detached signature peers fetch: what, which digest, by whom. */
	docfmt_fp_encode(da.self, fp);
	for (i = 0; i < c->ns_n_sigs; i++)
		if (memcmp(c->ns_sigs[i].s_id, da.self, ED25519_PUB_LEN) == 0)
			docfmt_b64_encode(c->ns_sigs[i].s_sig, ED25519_SIG_LEN, b64);
	util_hex_encode(c->ns_digest, 32, hex);
	free(da.cur.p_sig_doc);
	da.cur.p_sig_doc = xasprintf("valid-after %s\nconsensus-digest %s\n"
	    "directory-signature %s %s\n", fmt_time(da.cur.p_va, t), hex, fp, b64);
	da.cur.p_sig_len = strlen(da.cur.p_sig_doc);
	da.cur.p_state = PS_COMPUTED;
	log_info(LD_DIR, "computed the consensus for %s from %zu of %zu votes: %zu relays, "
	    "digest %.16s", t, n, da.n_auth, c->ns_n_entries, hex);
}

/* Parse a detached signature document; 0 with the signer and signature. */
static int
parse_sig_doc(const char *body, size_t len, int64_t *va, uint8_t digest[32],
    uint8_t id[ED25519_PUB_LEN], uint8_t sig[ED25519_SIG_LEN], struct docfmt_reason *why)
{
	static const struct docfmt_limits lim = { DA_MAX_SIG_BODY, 512, 8 };
	struct docfmt_reader r;
	struct docfmt_item it;

	if (docfmt_reader_init(&r, body, len, &lim) < 0) {
		docfmt_reason_set(why, "%s", r.dr_err);
		return -1;
	}
	if (docfmt_next(&r, &it) != PARSE_OK || !docfmt_is(&it, "valid-after") ||
	    it.it_nargs != 2 || docfmt_arg_time(&it, 0, va) < 0 ||
	    docfmt_next(&r, &it) != PARSE_OK || !docfmt_is(&it, "consensus-digest") ||
	    it.it_nargs != 1 || docfmt_arg_hex(&it, 0, digest, 32) < 0 ||
	    docfmt_next(&r, &it) != PARSE_OK || !docfmt_is(&it, "directory-signature") ||
	    it.it_nargs != 2 || docfmt_arg_fp(&it, 0, id) < 0 ||
	    docfmt_arg_b64(&it, 1, sig, ED25519_SIG_LEN) < 0 ||
	    docfmt_next(&r, &it) != PARSE_NEED_MORE) {
		docfmt_reason_set(why, "malformed signature document");
		return -1;
	}
	return 0;
}

static void publish_update(void);

static void
sig_fetched(void *arg, int status, const char *body, size_t len, const char *err)
{
	struct da_auth *a = arg;
	struct docfmt_reason why = { "" };
	uint8_t digest[32], id[ED25519_PUB_LEN], sig[ED25519_SIG_LEN];
	char t[DOCFMT_TIME_LEN + 1], hex[65];
	struct netstatus *c;
	int64_t va;

	a->a_sig_req = NULL;
	c = da.cur.p_published ? da.pub : da.cur.p_cons;
	if (c == NULL || da.cur.p_state != PS_COMPUTED)
		return;
	if (status != 200) {
		log_rl(&da_peer_rl, LL_INFO, LD_DIR, "signature of %s for %s not available: %s",
		    auth_name(a), fmt_time(da.cur.p_va, t), status ? "not there yet" : err);
		return;
	}
	if (parse_sig_doc(body, len, &va, digest, id, sig, &why) < 0 || va != da.cur.p_va ||
	    memcmp(id, a->a_cfg.ap_id, ED25519_PUB_LEN) != 0) {
		log_rl(&da_peer_rl, LL_WARN, LD_DIR, "bad signature document from %s: %s",
		    auth_name(a), why.msg[0] ? why.msg : "wrong period or signer");
		return;
	}
	if (memcmp(digest, c->ns_digest, 32) != 0) {
		util_hex_encode(digest, 32, hex);
		log_notice(LD_DIR, "%s computed a different consensus for %s (digest %.16s): "
		    "it saw other votes", auth_name(a), fmt_time(va, t), hex);
		a->a_sig_differs = true;
		return;
	}
	if (netstatus_add_signature(c, id, sig, &why) < 0) {
		log_rl(&da_peer_rl, LL_WARN, LD_DIR, "signature of %s rejected: %s",
		    auth_name(a), why.msg);
		a->a_sig_differs = true;
		return;
	}
	log_info(LD_DIR, "got the signature of %s for %s (%zu of %zu)", auth_name(a),
	    fmt_time(va, t), c->ns_n_sigs, da.n_auth);
	if (da.cur.p_published)
		publish_update();
}

static bool
has_sig(const struct netstatus *c, const uint8_t id[ED25519_PUB_LEN])
{
	size_t i;

	for (i = 0; i < c->ns_n_sigs; i++)
		if (memcmp(c->ns_sigs[i].s_id, id, ED25519_PUB_LEN) == 0)
			return true;
	return false;
}

static bool
fetch_sigs(double now)
{
	const struct netstatus *c = da.cur.p_published ? da.pub : da.cur.p_cons;
	char path[64];
	bool missing = false;
	size_t i;

	for (i = 0; i < da.n_auth; i++) {
		struct da_auth *a = &da.auth[i];

		if (a->a_self || a->a_sig_differs || has_sig(c, a->a_cfg.ap_id))
			continue;
		missing = true;
		if (a->a_sig_req != NULL || now - a->a_sig_try < da.cur.p_sc.sc_retry)
			continue;
		a->a_sig_try = now;
		snprintf(path, sizeof(path), DIRCLIENT_PREFIX "signature/%lld",
		    (long long)da.cur.p_va);
		a->a_sig_req = dirclient_request(&a->a_cfg.ap_addr, "GET", path, NULL, 0,
		    DA_MAX_SIG_BODY, peer_timeout(), sig_fetched, a);
	}
	return missing;
}

/* The published consensus got another signature: serve and save it. */
static void
publish_update(void)
{
	free(da.pub_doc);
	da.pub_doc = netstatus_format(da.pub, &da.pub_len);
	save_consensus();
}

static void
try_publish(double now)
{
	struct netstatus *c = da.cur.p_cons;
	struct docfmt_reason why = { "" };
	char t[DOCFMT_TIME_LEN + 1], t2[DOCFMT_TIME_LEN + 1];
	size_t need = sigs_needed();

	if (c->ns_n_sigs < need) {
		if (!da.cur.p_reported) {
			da.cur.p_reported = true;
			if (da.pub != NULL)
				log_warn(LD_DIR, "consensus for %s has %zu of %zu signatures, need %zu; "
				    "keeping the one from %s", fmt_time(da.cur.p_va, t), c->ns_n_sigs,
				    da.n_auth, need, fmt_time(da.pub->ns_valid_after, t2));
			else
				log_warn(LD_DIR, "consensus for %s has %zu of %zu signatures, need %zu; "
				    "no consensus to serve yet", fmt_time(da.cur.p_va, t),
				    c->ns_n_sigs, da.n_auth, need);
		}
		return;
	}
	if (consensus_verify(c, (const uint8_t (*)[32])da.trusted, da.n_auth, (int64_t)now,
	    &why) < 0) {
		log_warn(LD_DIR, "consensus for %s not published: %s", fmt_time(da.cur.p_va, t),
		    why.msg);
		da.cur.p_state = PS_DONE;
		return;
	}
	netstatus_free(da.pub);
	da.pub = c;
	da.cur.p_cons = NULL;
	da.cur.p_published = true;
	free(da.pub_doc);
	da.pub_doc = netstatus_format(da.pub, &da.pub_len);
	save_consensus();
	log_notice(LD_DIR, "published the consensus for %s: %zu relays, %zu of %zu signatures%s",
	    fmt_time(da.pub->ns_valid_after, t), da.pub->ns_n_entries, da.pub->ns_n_sigs,
	    da.n_auth, da.cur.p_reported ? " (late)" : "");
	da_note_serving();
}

static void
prune_and_test(void)
{
	uint8_t dropped[64][ED25519_PUB_LEN];
	size_t i, n;

	n = da_store_prune(&da.store, util_wall_sec(), dropped, ARRAY_LEN(dropped));
	for (i = 0; i < MIN(n, ARRAY_LEN(dropped)); i++)
		forget_descriptor(dropped[i]);
	if (n > 0)
		log_info(LD_DIR, "dropped %zu relays with stale descriptors", n);
	for (i = 0; i < da.store.s_n; i++)
		da.store.s_v[i]->r_reach_due = true;
}

static void
da_tick(double now)
{
	struct da_period *p = &da.cur;
	char t[DOCFMT_TIME_LEN + 1];

	if (da.reach_va != p->p_va && now >= p->p_sc.sc_reach_at) {
		da.reach_va = p->p_va;
		prune_and_test();
	}
	da_reach_pass(NULL);
	if (p->p_state == PS_WAIT && now >= p->p_sc.sc_vote_at) {
		if (now >= p->p_sc.sc_compute_at) {
			log_notice(LD_DIR, "missed the vote for %s (the loop was late): skipping it",
			    fmt_time(p->p_va, t));
			p->p_state = PS_DONE;
		} else {
			make_vote((int64_t)now);
		}
	}
	if (p->p_state == PS_VOTED) {
		if (votes_in() == da.n_auth || now >= p->p_sc.sc_compute_at)
			compute_consensus();
		else
			fetch_votes(now);
	}
	if (p->p_state == PS_COMPUTED) {
		bool missing = fetch_sigs(now);

		if (!p->p_published && now >= p->p_sc.sc_publish_at)
			try_publish(now);
		if (p->p_published && !missing)
			p->p_state = PS_DONE;
	}
	if (now >= p->p_sc.sc_end_at)
		period_end(now);
}

static void
da_tick_cb(struct ml_timer *t)
{
	(void)t;
	da_tick(wall_now());
}

static double
tick_interval(void)
{
	double s = (double)da.opt.do_interval / 40.0;

	return MAX(0.05, MIN(1.0, s));
}

/* ---- start, reload, stop --------------------------------------------------- */

static void
apply_options(const struct dirauth_options *o)
{
	da.opt = *o;
	/* Pointers into the caller's config do not survive a reload. */
	da.opt.do_allow = NULL;
	da.opt.do_auth = NULL;
	da.opt.do_datadir = NULL;
	da_store_set_allow(&da.store, o->do_allow, o->do_n_allow);
	da.store.s_max_skew = o->do_max_skew;
	da.store.s_max_age = o->do_desc_max_age;
}

static int
common_init(const struct dirauth_options *o, const ed25519_key_t *identity)
{
	if (BUG(da.running))
		return -1;
	if (o->do_interval < 2) {
		log_err(LD_DIR, "voting interval of %lld s is too short",
		    (long long)o->do_interval);
		return -1;
	}
	memset(&da, 0, sizeof(da));
	da.key = identity;
	memcpy(da.self, ed25519_public(identity), ED25519_PUB_LEN);
	docfmt_fp_encode(da.self, da.self_fp);
	da_nonces_init(&da.nonces, DA_NONCE_LIFETIME);
	da_store_init(&da.store, o->do_max_skew, o->do_desc_max_age);
	apply_options(o);
	(void)auth_setup(o);
	da.running = true;
	return 0;
}

int
dirauth_init_offline(const struct dirauth_options *o, const ed25519_key_t *identity)
{
	return common_init(o, identity);
}

int
dirauth_start(const struct dirauth_options *o, const ed25519_key_t *identity)
{
	struct dirserv_options so;
	const char *err = NULL;
	double now = wall_now();
	char t[DOCFMT_TIME_LEN + 1];

	if (common_init(o, identity) < 0)
		return -1;
	if (o->do_datadir != NULL) {
		char *descdir;
		int rc;

		da.datadir = xasprintf("%s/dirauth", o->do_datadir);
		descdir = xasprintf("%s/descriptors", da.datadir);
		rc = make_dir(da.datadir) < 0 || make_dir(descdir) < 0 ? -1 : 0;
		free(descdir);
		if (rc < 0) {
			dirauth_stop();
			return -1;
		}
		load_consensus();
		load_descriptors((int64_t)now);
	}
	memset(&so, 0, sizeof(so));
	so.ds_listen = o->do_listen;
	so.ds_max_conns = o->do_max_conns;
	so.ds_timeout = o->do_conn_timeout;
	so.ds_max_body = DESC_MAX_LEN;
	if (dirserv_start(&so, dirauth_handle_request, NULL, &err) < 0) {
		char a[ADDR_STRLEN];

		log_err(LD_DIR, "cannot listen on %s: %s: %s",
		    addr_fmt(&o->do_listen, a, sizeof(a)), err ? err : "error", strerror(errno));
		dirauth_stop();
		return -1;
	}
	da.online = true;
	ml_deferred_init(&da.reach_d, da_reach_pass);
	period_begin(da_first_period(now, da.opt.do_interval));
	ml_timer_init(&da.tick, da_tick_cb);
	ml_timer_start(&da.tick, tick_interval(), tick_interval());
	log_notice(LD_DIR, "authority %s up: %zu authorities (need %zu signatures), voting "
	    "every %lld s, first consensus valid-after %s", da.self_fp, da.n_auth, sigs_needed(),
	    (long long)da.opt.do_interval, fmt_time(da.cur.p_va, t));
	if (da.store.s_n > 0)
		ml_defer(&da.reach_d);
	da_note_serving();
	return 0;
}

int
dirauth_reconfigure(const struct dirauth_options *o)
{
	bool restart;

	if (!da.running)
		return -1;
	if (o->do_interval < 2) {
		log_warn(LD_DIR, "voting interval of %lld s is too short: keeping %lld s",
		    (long long)o->do_interval, (long long)da.opt.do_interval);
		return -1;
	}
	restart = o->do_interval != da.opt.do_interval;
	apply_options(o);
	restart |= auth_setup(o);
	prune_and_test();
	if (!da.online)
		return 0;
	dirserv_set_limits(o->do_max_conns, o->do_conn_timeout);
	ml_timer_start(&da.tick, tick_interval(), tick_interval());
	if (restart) {
		log_notice(LD_DIR, "voting interval or authorities changed: restarting the schedule");
		period_free(&da.cur);
		period_begin(da_first_period(wall_now(), da.opt.do_interval));
	}
	ml_defer(&da.reach_d);
	return 0;
}

void
dirauth_stop(void)
{
	if (!da.running)
		return;
	if (da.online) {
		ml_timer_stop(&da.tick);
		ml_defer_cancel(&da.reach_d);
		dirserv_stop();
		da_probe_shutdown();
	}
	auth_cancel_requests();
	period_free(&da.cur);
	free(da.prev_vote_doc);
	free(da.prev_sig_doc);
	netstatus_free(da.pub);
	free(da.pub_doc);
	free(da.datadir);
	da_store_clear(&da.store);
	crypto_wipe(&da.nonces, sizeof(da.nonces));
	memset(&da, 0, sizeof(da));
}

size_t
dirauth_relays_listed(void)
{
	return da.pub != NULL ? da.pub->ns_n_entries : 0;
}

const struct netstatus *
dirauth_consensus(void)
{
	return da.pub;
}

int64_t
dirauth_last_consensus_time(void)
{
	return da.pub != NULL ? da.pub->ns_valid_after : 0;
}
