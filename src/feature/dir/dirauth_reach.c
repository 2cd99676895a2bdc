/*
 * dirauth_reach.c: reachability tests (TLS to a relay's OR port with the
 * identity pinned); see dirauth_reach.h.
 *
 * The result is delivered from the conn's closed() hook, like
 * dirclient's answers, so the callback always runs from the loop and
 * exactly once, whichever of success, failure or timeout came first.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <openssl/ssl.h>

#include "core/mainloop/conn.h"
#include "core/mainloop/mainloop.h"
#include "feature/dir/dirauth_reach.h"
#include "lib/log.h"
#include "lib/tls.h"
#include "lib/util.h"

struct da_probe {
	struct conn		 p_conn;	/* first: container_of */
	da_probe_cb		 p_cb;		/* NULL once cancelled */
	void			*p_arg;
	uint8_t			 p_id[ED25519_PUB_LEN];
	struct addr		 p_addr;
	struct ml_timer		 p_deadline;
	bool			 p_done;
	bool			 p_ok;
	char			 p_why[128];
	LIST_ENTRY(da_probe)	 p_entry;
};

static LIST_HEAD(, da_probe) probes = LIST_HEAD_INITIALIZER(probes);
static size_t	 n_probes;
static SSL_CTX	*probe_ctx;

static struct da_probe *
TO_PROBE(struct conn *c)
{
	return container_of(c, struct da_probe, p_conn);
}

static void
probe_finish(struct da_probe *p, bool ok, const char *why)
{
	if (p->p_done)
		return;
	p->p_done = true;
	p->p_ok = ok;
	snprintf(p->p_why, sizeof(p->p_why), "%s", why ? why : "");
	ml_timer_stop(&p->p_deadline);
	conn_mark_for_close(&p->p_conn, ok ? "reachability test done" : "reachability test failed");
}

static void
probe_connected(struct conn *c)
{
	struct da_probe *p = TO_PROBE(c);

	/* TLS is up: the certificate must prove the expected identity. */
	if (tls_peer_matches(c->c_ssl, p->p_id))
		probe_finish(p, true, NULL);
	else
		probe_finish(p, false, "wrong identity");
}

static void
probe_process_inbuf(struct conn *c)
{
	buf_drain(&c->c_in, buf_len(&c->c_in));
}

static void
probe_deadline(struct ml_timer *t)
{
	probe_finish(container_of(t, struct da_probe, p_deadline), false, "timed out");
}

static void
probe_closed(struct conn *c)
{
	struct da_probe *p = TO_PROBE(c);
	char why[128];

	ml_timer_stop(&p->p_deadline);
	if (!p->p_done) {
		/* Closed before finishing: connect or handshake failed. */
		if (c->c_errno != 0)
			snprintf(why, sizeof(why), "%s: %s", c->c_close_reason ?
			    c->c_close_reason : "closed", strerror(c->c_errno));
		else
			snprintf(why, sizeof(why), "%s", c->c_close_reason ?
			    c->c_close_reason : "closed");
		p->p_done = true;
		p->p_ok = false;
		snprintf(p->p_why, sizeof(p->p_why), "%s", why);
	}
	LIST_REMOVE(p, p_entry);
	n_probes--;
	if (p->p_cb != NULL)
		p->p_cb(p->p_arg, p->p_id, &p->p_addr, p->p_ok, p->p_why);
}

static void
probe_free(struct conn *c)
{
	free(TO_PROBE(c));
}

static const struct conn_ops probe_ops = {
	.name = "dirauth-reach",
	.process_inbuf = probe_process_inbuf,
	.connected = probe_connected,
	.closed = probe_closed,
	.free = probe_free,
};

struct da_probe *
da_probe_start(const struct addr *addr, const uint8_t id[ED25519_PUB_LEN], double timeout,
    da_probe_cb cb, void *arg)
{
	struct da_probe *p;
	SSL *ssl;

	if (probe_ctx == NULL && (probe_ctx = tls_ctx_new_client()) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if ((ssl = SSL_new(probe_ctx)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->p_cb = cb;
	p->p_arg = arg;
	memcpy(p->p_id, id, ED25519_PUB_LEN);
	p->p_addr = *addr;
	if (conn_connect(&p->p_conn, &probe_ops, &addr->a_u.sa, addr->a_len, NULL, 0) < 0) {
		int e = errno;

		SSL_free(ssl);
		free(p);
		errno = e;
		return NULL;
	}
	LIST_INSERT_HEAD(&probes, p, p_entry);
	n_probes++;
	conn_start_tls(&p->p_conn, ssl, false);
	ml_timer_init(&p->p_deadline, probe_deadline);
	if (!conn_is_marked(&p->p_conn))
		ml_timer_start(&p->p_deadline, timeout, 0.);
	return p;
}

void
da_probe_cancel(struct da_probe *p)
{
	p->p_cb = NULL;
	probe_finish(p, false, "cancelled");
}

size_t
da_probes_in_flight(void)
{
	return n_probes;
}

void
da_probe_shutdown(void)
{
	struct da_probe *p;

	LIST_FOREACH(p, &probes, p_entry)
		da_probe_cancel(p);
	if (probe_ctx != NULL) {
		SSL_CTX_free(probe_ctx);
		probe_ctx = NULL;
	}
}
