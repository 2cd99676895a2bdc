/*
 * control_node.c: the tord/ GETINFO keys (see control_node.h).  Counts
 * are read from the core's lists when asked; rates come from a ring of
 * the last RATE_WINDOW one-second samples taken by the BW timer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mainloop/conn.h"
#include "core/or/circuit.h"
#include "core/or/link.h"
#include "core/or/stream.h"
#include "feature/control/control.h"
#include "feature/control/control_node.h"
#include "feature/control/control_ns.h"
#include "lib/util.h"

#define RATE_WINDOW	5

enum rate_kind {
	RATE_READ = 0,
	RATE_WRITTEN,
	RATE_CELLS,
	RATE_COUNT_
};

static struct control_node_sources node_src;
static struct {
	uint64_t	last[RATE_COUNT_];
	uint64_t	delta[RATE_WINDOW][RATE_COUNT_];
	unsigned	n;		/* samples taken (saturates at RATE_WINDOW) */
	unsigned	pos;
	bool		primed;
} rates;

static void
rate_now(uint64_t v[RATE_COUNT_])
{
	v[RATE_READ] = conn_total_read();
	v[RATE_WRITTEN] = conn_total_written();
	v[RATE_CELLS] = circuit_totals.ct_cells_relayed;
}

void
control_node_tick(void)
{
	uint64_t now[RATE_COUNT_];
	int k;

	rate_now(now);
	if (rates.primed) {
		for (k = 0; k < RATE_COUNT_; k++)
			rates.delta[rates.pos][k] = now[k] - rates.last[k];
		rates.pos = (rates.pos + 1) % RATE_WINDOW;
		if (rates.n < RATE_WINDOW)
			rates.n++;
	}
	memcpy(rates.last, now, sizeof(now));
	rates.primed = true;
}

static uint64_t
rate_mean(enum rate_kind k)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < rates.n; i++)
		sum += rates.delta[i][k];
	return rates.n ? (sum + rates.n / 2) / rates.n : 0;
}

static void PRINTF_LIKE(2, 3)
out_printf(struct buf *out, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	buf_add(out, s, strlen(s));
	free(s);
}

static int
gi_role(const char *key, struct buf *out, const char **err)
{
	if (node_src.cn_role == NULL) {
		*err = "Role not known";
		return -1;
	}
	buf_add(out, node_src.cn_role, strlen(node_src.cn_role));
	return 0;
}

static int
gi_counts(const char *key, struct buf *out, const char **err)
{
	const struct link *l;
	const struct circuit *c;
	const struct stream *s;
	size_t n = 0;

	if (strcmp(key, "tord/links") == 0) {
		TAILQ_FOREACH(l, link_all(), l_entry)
			n += l->l_state == LINK_ST_OPEN && !conn_is_marked(&l->l_conn);
	} else if (strcmp(key, "tord/circuits") == 0) {
		TAILQ_FOREACH(c, circuit_all(), c_entry)
			n += c->c_state != CIRC_ST_CLOSED;
	} else if (strcmp(key, "tord/streams") == 0) {
		TAILQ_FOREACH(s, stream_all(), s_all_entry)
			n += s->s_state != STREAM_ST_CLOSED;
	} else {
		return 1;
	}
	out_printf(out, "%zu", n);
	return 0;
}

/*
 * Flow-control state, for a stall's post-mortem: one line per live link
 * and per live circuit, with windows, queues and what waits on what.
 * Ids only: no peer, no target, nothing that names a client.
 */
static int
gi_flow(const char *key, struct buf *out, const char **err)
{
	const struct link *l;
	const struct circuit *c;
	const struct stream *s;

	TAILQ_FOREACH(l, link_all(), l_entry) {
		const struct conn *lc = &l->l_conn;
		const struct circuit_wait *w;
		unsigned nw = 0;

		if (conn_is_marked(lc))
			continue;
		TAILQ_FOREACH(w, &l->l_waiting, cw_entry)
			if (++nw > 100000)	/* a broken list must not hang us */
				break;
		out_printf(out, "link=%llu open=%d out=%zu in=%zu blocked=%d above_hiwat=%d "
		    "waiting=%u rio=%d wio=%d tls_unread=%d\n", (unsigned long long)lc->c_id,
		    l->l_state == LINK_ST_OPEN, buf_len(&lc->c_out), buf_len(&lc->c_in),
		    conn_is_blocked(lc), lc->c_above_hiwat, nw, ml_io_active(&lc->c_rio),
		    ml_io_active(&lc->c_wio), lc->c_tls_unread);
	}
	TAILQ_FOREACH(c, circuit_all(), c_entry) {
		unsigned ns = 0, nopen = 0, npaused = 0, nwio = 0;
		size_t sin = 0, sout = 0;
		int pkg = c->c_package_window, dlv = c->c_deliver_window;

		if (c->c_state == CIRC_ST_CLOSED)
			continue;
		if (c->c_origin && c->c_hops != NULL && c->c_n_built > 0) {
			pkg = c->c_hops[c->c_n_built - 1].h_package_window;
			dlv = c->c_hops[c->c_n_built - 1].h_deliver_window;
		}
		TAILQ_FOREACH(s, &c->c_stream_list, s_circ_entry) {
			if (++ns > 100000)
				break;
			nopen += s->s_state == STREAM_ST_OPEN;
			if (s->s_has_conn) {
				npaused += s->s_conn.c_read_paused;
				nwio += ml_io_active(&s->s_conn.c_wio);
				sin += buf_len(&s->s_conn.c_in);
				sout += buf_len(&s->s_conn.c_out);
			}
		}
		out_printf(out, "circ=%u %s open=%d pkg=%d dlv=%d nq=%zu pq=%zu n_link=%llu "
		    "p_link=%llu n_waiting=%d p_waiting=%d streams=%u streams_open=%u "
		    "read_paused=%u stream_in=%zu stream_out=%zu stream_wio=%u\n", c->c_gid,
		    c->c_origin ? "origin" : "relay", c->c_state == CIRC_ST_OPEN, pkg, dlv,
		    buf_len(&c->c_nq) / CELL_LEN, buf_len(&c->c_pq) / CELL_LEN,
		    c->c_n_link ? (unsigned long long)c->c_n_link->l_conn.c_id : 0ULL,
		    c->c_p_link ? (unsigned long long)c->c_p_link->l_conn.c_id : 0ULL,
		    c->c_n_wait.cw_on, c->c_p_wait.cw_on, ns, nopen, npaused, sin, sout, nwio);
	}
	return 0;
}

static int
gi_rate(const char *key, struct buf *out, const char **err)
{
	if (strcmp(key, "tord/rate/read") == 0)
		out_printf(out, "%llu", (unsigned long long)rate_mean(RATE_READ));
	else if (strcmp(key, "tord/rate/written") == 0)
		out_printf(out, "%llu", (unsigned long long)rate_mean(RATE_WRITTEN));
	else
		return 1;
	return 0;
}

static int
gi_consensus(const char *key, struct buf *out, const char **err)
{
	struct control_ns_view v;
	const char *k = key + strlen("tord/consensus/");

	if (!control_ns_get(&v)) {
		*err = "No network status available yet";
		return -1;
	}
	if (strcmp(k, "source") == 0) {
		buf_add(out, v.nv_source, strlen(v.nv_source));
	} else if (strcmp(k, "relays") == 0) {
		out_printf(out, "%zu", v.nv_ns->ns_n_entries);
	} else if (strcmp(v.nv_source, "consensus") != 0 && (strcmp(k, "valid-after") == 0 ||
	    strcmp(k, "fresh-until") == 0 || strcmp(k, "valid-until") == 0)) {
		/* A list from the configuration has no validity: do not make one up. */
		*err = "Not a consensus: no validity times";
		return -1;
	} else if (strcmp(k, "valid-after") == 0) {
		out_printf(out, "%lld", (long long)v.nv_ns->ns_valid_after);
	} else if (strcmp(k, "fresh-until") == 0) {
		out_printf(out, "%lld", (long long)v.nv_ns->ns_fresh_until);
	} else if (strcmp(k, "valid-until") == 0) {
		out_printf(out, "%lld", (long long)v.nv_ns->ns_valid_until);
	} else {
		return 1;
	}
	return 0;
}

static int
gi_relay(const char *key, struct buf *out, const char **err)
{
	const struct circuit *c;
	const char *k = key + strlen("tord/relay/");
	size_t n = 0;

	if (strcmp(k, "circuits-carried") != 0 && strcmp(k, "circuits-total") != 0 &&
	    strcmp(k, "cells-relayed") != 0 && strcmp(k, "cells-per-second") != 0 &&
	    strcmp(k, "descriptor-accepted") != 0 && strcmp(k, "authorities") != 0 &&
	    strcmp(k, "bandwidth-rate") != 0 && strcmp(k, "throttled") != 0)
		return 1;
	if (!node_src.cn_is_relay) {
		*err = "Not a relay";
		return -1;
	}
	if (strcmp(k, "bandwidth-rate") == 0 || strcmp(k, "throttled") == 0) {
		uint64_t throttled = 0, rate;

		if (node_src.cn_relay_read_limit == NULL) {
			*err = "Not a relay";
			return -1;
		}
		rate = node_src.cn_relay_read_limit(&throttled);
		out_printf(out, "%llu", (unsigned long long)(k[0] == 'b' ? rate : throttled));
	} else if (strcmp(k, "descriptor-accepted") == 0 || strcmp(k, "authorities") == 0) {
		size_t total = 0, accepted;

		if (node_src.cn_relay_published == NULL) {
			*err = "Not publishing a descriptor";
			return -1;
		}
		accepted = node_src.cn_relay_published(&total);
		out_printf(out, "%zu", k[0] == 'd' ? accepted : total);
	} else if (strcmp(k, "circuits-carried") == 0) {
		TAILQ_FOREACH(c, circuit_all(), c_entry)
			n += !c->c_origin && c->c_state != CIRC_ST_CLOSED;
		out_printf(out, "%zu", n);
	} else if (strcmp(k, "circuits-total") == 0) {
		out_printf(out, "%llu", (unsigned long long)circuit_totals.ct_relay_circuits);
	} else if (strcmp(k, "cells-relayed") == 0) {
		out_printf(out, "%llu", (unsigned long long)circuit_totals.ct_cells_relayed);
	} else {
		out_printf(out, "%llu", (unsigned long long)rate_mean(RATE_CELLS));
	}
	return 0;
}

static int
gi_exit(const char *key, struct buf *out, const char **err)
{
	struct control_exit_figures f;
	const char *k = key + strlen("tord/exit/");
	uint64_t v;

	if (strcmp(k, "streams-opened") != 0 && strcmp(k, "refused-policy") != 0 &&
	    strcmp(k, "begin") != 0)
		return 1;
	if (node_src.cn_exit_figures == NULL) {
		*err = "Not an exit";
		return -1;
	}
	memset(&f, 0, sizeof(f));
	node_src.cn_exit_figures(&f);
	v = strcmp(k, "streams-opened") == 0 ? f.ef_opened :
	    strcmp(k, "refused-policy") == 0 ? f.ef_refused_policy : f.ef_begin;
	out_printf(out, "%llu", (unsigned long long)v);
	return 0;
}

static int
gi_authority(const char *key, struct buf *out, const char **err)
{
	const char *k = key + strlen("tord/authority/");

	if (strcmp(k, "relays-listed") == 0) {
		if (node_src.cn_auth_relays_listed == NULL)
			goto unavailable;
		out_printf(out, "%zu", node_src.cn_auth_relays_listed());
	} else if (strcmp(k, "last-consensus") == 0) {
		if (node_src.cn_auth_last_consensus == NULL)
			goto unavailable;
		out_printf(out, "%lld", (long long)node_src.cn_auth_last_consensus());
	} else {
		return 1;
	}
	return 0;
unavailable:
	*err = "Not a directory authority";
	return -1;
}

void
control_node_register(const struct control_node_sources *src)
{
	node_src = *src;
	memset(&rates, 0, sizeof(rates));
	control_node_tick();
	control_register_getinfo("tord/role", gi_role, "client, relay, exit or authority");
	control_register_getinfo("tord/links", gi_counts, "open links to other nodes");
	control_register_getinfo("tord/circuits", gi_counts, "live circuits, origin and relayed");
	control_register_getinfo("tord/streams", gi_counts, "live streams");
	control_register_getinfo("tord/flow", gi_flow,
	    "links and circuits: windows, queues, blocked and paused (a stall's post-mortem)");
	control_register_getinfo("tord/rate/", gi_rate,
	    "read, written: bytes/s, mean of the last 5 s");
	control_register_getinfo("tord/consensus/", gi_consensus,
	    "source, relays, valid-after, fresh-until, valid-until of the network status");
	control_register_getinfo("tord/relay/", gi_relay,
	    "circuits-carried, circuits-total, cells-relayed, cells-per-second, "
	    "descriptor-accepted, authorities, bandwidth-rate, throttled (relays)");
	control_register_getinfo("tord/exit/", gi_exit,
	    "streams-opened, refused-policy, begin (exits)");
	control_register_getinfo("tord/authority/", gi_authority,
	    "relays-listed, last-consensus (authorities)");
}
