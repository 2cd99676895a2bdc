/*
 * link.c: TLS links between nodes: open, authenticate, frame cells, and
 * share output fairly between the circuits that use the link.
 *
 * Handshake (ours, see link.h): TLS 1.3; the opener checks the peer's
 * certificate against the identity it pinned; then both sides send
 * VERSIONS (2-byte circuit ids) and NETINFO, and the link is open once
 * both arrived.  Until then only VERSIONS, NETINFO and padding are
 * accepted.
 *
 * Input: all complete cells in the TLS input buffer are dispatched in
 * one pass (relay.c), decrypted in place, and the buffer is drained
 * once.  Output: cells are written into the conn's output buffer and
 * leave in one batch per loop iteration.  When the buffer passes its
 * high-water mark, circuits queue their cells instead; when it falls
 * below the low-water mark, flushed() drains those queues round robin.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>

#include "core/or/circuit.h"
#include "core/or/link.h"
#include "core/or/relay.h"
#include "core/proto/cell.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/tls.h"
#include "lib/u32map.h"

#define LINK_HANDSHAKE_TIMEOUT	30.0
#define LINK_IDLE_TIMEOUT	180.0
#define LINK_MAX_CIRCID_TRIES	64

static struct link_list	links = TAILQ_HEAD_INITIALIZER(links);
void	(*link_event_hook)(const struct link *l, const char *status, const char *reason);
static SSL_CTX		*link_server_ctx;	/* relays: our identity certificate */
static SSL_CTX		*link_client_ctx;	/* clients: no certificate */
static struct log_ratelim link_rl = LOG_RATELIM_INIT(10);

static const uint16_t link_versions[] = { 4, 5 };

static void link_process_inbuf(struct conn *c);
static void link_connected(struct conn *c);
static void link_flushed(struct conn *c);
static void link_eof(struct conn *c);
static void link_timeout(struct conn *c);
static void link_closed(struct conn *c);
static void link_free_conn(struct conn *c);

static const struct conn_ops link_conn_ops = {
	.name = "link",
	.process_inbuf = link_process_inbuf,
	.connected = link_connected,
	.flushed = link_flushed,
	.eof = link_eof,
	.timeout = link_timeout,
	.closed = link_closed,
	.free = link_free_conn,
};

static inline struct link *
TO_LINK(struct conn *c)
{
	return container_of(c, struct link, l_conn);
}

struct link_list *
link_all(void)
{
	return &links;
}

const char *
link_peer_desc(const struct link *l, char *buf, size_t len)
{
	char fp[FINGERPRINT_HEXLEN + 1];

	if (!l->l_peer_is_relay && !l->l_initiator) {
		snprintf(buf, len, "client");
		return buf;
	}
	keys_fingerprint(l->l_peer_id, fp);
	snprintf(buf, len, "$%s~%s", fp, l->l_peer_nick[0] ? l->l_peer_nick : "unnamed");
	return buf;
}

void
link_set_server_identity(const ed25519_key_t *identity)
{
	if (link_server_ctx != NULL)
		SSL_CTX_free(link_server_ctx);
	link_server_ctx = tls_ctx_new_server(identity);
	if (link_server_ctx == NULL)
		log_err(LD_LINK, "cannot create the TLS server context");
}

static SSL_CTX *
link_get_client_ctx(void)
{
	/*
	 * A relay opening a link shows its identity certificate (the server
	 * context works as a client context too); a client shows none.
	 */
	if (link_server_ctx != NULL)
		return link_server_ctx;
	if (link_client_ctx == NULL)
		link_client_ctx = tls_ctx_new_client();
	return link_client_ctx;
}

static struct link *
link_new(void)
{
	struct link *l = xcalloc(1, sizeof(*l));

	l->l_circs = u32map_new();
	TAILQ_INIT(&l->l_waiting);
	TAILQ_INIT(&l->l_pending);
	return l;
}

/*
 * Bulk settings for a link's TLS: read-ahead with a large buffer, so one
 * read(2) takes several records instead of two reads (header, body) per
 * 16 KiB record.
 */
#define LINK_TLS_READ_BUFFER	(64 * 1024)

static void
link_tune_tls(SSL *ssl)
{
	SSL_set_read_ahead(ssl, 1);
	SSL_set_default_read_buffer_len(ssl, LINK_TLS_READ_BUFFER);
}

static void
link_register(struct link *l)
{
	l->l_state = LINK_ST_TLS;
	l->l_last_used = mainloop_now();
	/* Many circuits share a link: a deeper buffer before pushing back. */
	l->l_conn.c_in_max = 512 * 1024;
	l->l_conn.c_hiwat = 512 * 1024;
	l->l_conn.c_lowat = 128 * 1024;
	/* What a relay reads from links counts against its bandwidth_rate. */
	l->l_conn.c_rate_limited = true;
	TAILQ_INSERT_TAIL(&links, l, l_entry);
	conn_set_timeout(&l->l_conn, LINK_HANDSHAKE_TIMEOUT);
	/* Also absolute: trickled bytes or VPADDING must not keep it half open. */
	conn_set_deadline(&l->l_conn, LINK_HANDSHAKE_TIMEOUT);
}

struct link *
link_get_or_connect(const uint8_t id[IDENTITY_LEN], const char *nick, const struct addr *addr)
{
	struct link *l;
	SSL_CTX *ctx;
	SSL *ssl;

	TAILQ_FOREACH(l, &links, l_entry) {
		if (conn_is_marked(&l->l_conn))
			continue;
		if ((l->l_initiator || l->l_peer_is_relay) &&
		    crypto_eq(l->l_peer_id, id, IDENTITY_LEN))
			return l;
	}
	ctx = link_get_client_ctx();
	if (ctx == NULL)
		return NULL;
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		return NULL;
	link_tune_tls(ssl);
	l = link_new();
	l->l_initiator = true;
	memcpy(l->l_peer_id, id, IDENTITY_LEN);
	snprintf(l->l_peer_nick, sizeof(l->l_peer_nick), "%s", nick ? nick : "");
	l->l_peer_addr = *addr;
	if (conn_connect(&l->l_conn, &link_conn_ops, &addr->a_u.sa, addr->a_len, NULL, 0) < 0) {
		int e = errno;

		SSL_free(ssl);
		u32map_free(l->l_circs);
		free(l);
		errno = e;
		return NULL;
	}
	link_register(l);
	conn_start_tls(&l->l_conn, ssl, false);
	log_debug(LD_LINK, "link=%llu connecting to %s", (unsigned long long)l->l_conn.c_id,
	    l->l_peer_nick);
	if (link_event_hook != NULL)
		link_event_hook(l, "LAUNCHED", NULL);
	return l;
}

void
link_accept(int fd, const struct addr *peer)
{
	struct link *l;
	SSL *ssl;

	if (link_server_ctx == NULL || (ssl = SSL_new(link_server_ctx)) == NULL) {
		close(fd);
		return;
	}
	link_tune_tls(ssl);
	l = link_new();
	l->l_peer_addr = *peer;
	conn_init(&l->l_conn, &link_conn_ops, fd);
	link_register(l);
	conn_start_tls(&l->l_conn, ssl, true);
}

static void
link_send_handshake(struct link *l)
{
	struct cell_netinfo ni;
	uint8_t buf[64], cell[CELL_LEN];
	size_t n;

	n = cell_versions_encode(buf, sizeof(buf), link_versions, ARRAY_LEN(link_versions));
	conn_write(&l->l_conn, buf, n);
	memset(&ni, 0, sizeof(ni));
	/* Clients send no clock (a fingerprinting vector), relays do. */
	ni.ni_time = link_server_ctx != NULL ? (uint32_t)time(NULL) : 0;
	if (addr_family(&l->l_peer_addr) == AF_INET)
		cell_addr_set_ipv4(&ni.ni_other, (const uint8_t *)&l->l_peer_addr.a_u.sin.sin_addr);
	else if (addr_family(&l->l_peer_addr) == AF_INET6)
		cell_addr_set_ipv6(&ni.ni_other, l->l_peer_addr.a_u.sin6.sin6_addr.s6_addr);
	cell_pack_header(cell, 0, CELL_NETINFO);
	if (cell_netinfo_encode(&ni, cell + CELL_HEADER_LEN) == 0)
		link_write_cell(l, cell);
}

static void
link_connected(struct conn *c)
{
	struct link *l = TO_LINK(c);
	uint8_t id[IDENTITY_LEN];
	char desc[128];
	bool have_id = tls_peer_identity(c->c_ssl, id) == 0;

	if (l->l_initiator) {
		if (!have_id || !crypto_eq(id, l->l_peer_id, IDENTITY_LEN)) {
			log_rl(&link_rl, LL_WARN, LD_LINK,
			    "link=%llu peer %s did not prove the identity we expected: closing",
			    (unsigned long long)c->c_id, link_peer_desc(l, desc, sizeof(desc)));
			l->l_peer_is_relay = false;
			link_mark_for_close(l, "wrong identity");
			return;
		}
		l->l_peer_is_relay = true;
	} else if (have_id) {
		memcpy(l->l_peer_id, id, IDENTITY_LEN);
		l->l_peer_is_relay = true;
	}
	l->l_state = LINK_ST_HANDSHAKE;
	link_send_handshake(l);
	log_debug(LD_LINK, "link=%llu TLS up with %s", (unsigned long long)c->c_id,
	    link_peer_desc(l, desc, sizeof(desc)));
}

static void
link_became_open(struct link *l)
{
	struct circuit *circ;
	char desc[128], ip[ADDR_STRLEN];

	l->l_state = LINK_ST_OPEN;
	conn_set_deadline(&l->l_conn, 0);
	conn_set_timeout(&l->l_conn, LINK_IDLE_TIMEOUT);
	if (link_event_hook != NULL)
		link_event_hook(l, "CONNECTED", NULL);
	/* The peer's address goes through log_scrub: a client's address is as
	 * sensitive as its destination. */
	log_debug(LD_LINK, "link=%llu open, version %u, peer %s at %s",
	    (unsigned long long)l->l_conn.c_id, l->l_version,
	    link_peer_desc(l, desc, sizeof(desc)),
	    log_scrub(addr_fmt(&l->l_peer_addr, ip, sizeof(ip))));
	/* Circuits waiting for this link may now send their CREATE2. */
	while ((circ = TAILQ_FIRST(&l->l_pending)) != NULL) {
		TAILQ_REMOVE(&l->l_pending, circ, c_pending_entry);
		circuit_link_open(circ, l);
	}
}

static int
link_handle_handshake_cell(struct link *l, const struct cell_view *cv)
{
	uint16_t theirs[VERSIONS_MAX];
	struct cell_netinfo ni;
	size_t n;

	switch (cv->cv_cmd) {
	case CELL_VERSIONS:
		if (l->l_got_versions)
			return -1;
		if (cell_versions_parse(cv->cv_payload, cv->cv_len, theirs, VERSIONS_MAX, &n) != PARSE_OK)
			return -1;
		l->l_version = cell_versions_best(theirs, n, link_versions, ARRAY_LEN(link_versions));
		if (l->l_version == 0)
			return -1;
		l->l_got_versions = true;
		return 0;
	case CELL_NETINFO:
		if (!l->l_got_versions || l->l_got_netinfo)
			return -1;
		if (cell_netinfo_parse(cv->cv_payload, cv->cv_len, &ni) != PARSE_OK)
			return -1;
		l->l_got_netinfo = true;
		link_became_open(l);
		return 0;
	case CELL_PADDING:
	case CELL_VPADDING:
		return 0;
	default:
		return -1;
	}
}

static void
link_process_inbuf(struct conn *c)
{
	struct link *l = TO_LINK(c);
	size_t off = 0, len = buf_len(&c->c_in);
	uint8_t *base = buf_peek_mut(&c->c_in);

	while (off < len && !conn_is_marked(c)) {
		struct cell_view cv;
		size_t used;
		enum parse_result r;

		r = cell_frame_parse(base + off, len - off, l->l_got_versions, &cv, &used);
		if (r == PARSE_NEED_MORE)
			break;
		if (r == PARSE_ERROR) {
			log_rl(&link_rl, LL_INFO, LD_LINK, "link=%llu unparseable cell: closing",
			    (unsigned long long)c->c_id);
			link_mark_for_close(l, "protocol error");
			return;
		}
		l->l_cells_in++;
		if (l->l_state != LINK_ST_OPEN) {
			if (link_handle_handshake_cell(l, &cv) < 0) {
				log_rl(&link_rl, LL_INFO, LD_LINK,
				    "link=%llu bad handshake cell (command %u): closing",
				    (unsigned long long)c->c_id, cv.cv_cmd);
				link_mark_for_close(l, "handshake error");
				return;
			}
		} else {
			/* Payload is ours to decrypt in place (it is in c_in). */
			relay_handle_cell(l, cv.cv_circid, cv.cv_cmd,
			    (uint8_t *)(uintptr_t)cv.cv_payload, cv.cv_len);
		}
		off += used;
	}
	if (!conn_is_marked(c))
		buf_drain(&c->c_in, off);
}

void
link_write_cell(struct link *l, const uint8_t cell[CELL_LEN])
{
	conn_write(&l->l_conn, cell, CELL_LEN);
	l->l_cells_out++;
}

uint8_t *
link_cell_reserve(struct link *l)
{
	return conn_out_reserve(&l->l_conn, CELL_LEN);
}

void
link_cell_commit(struct link *l)
{
	conn_out_commit(&l->l_conn, CELL_LEN);
	l->l_cells_out++;
}

static void
link_flushed(struct conn *c)
{
	circuit_link_drained(TO_LINK(c));
}

static void
link_eof(struct conn *c)
{
	link_mark_for_close(TO_LINK(c), "closed by peer");
}

static void
link_timeout(struct conn *c)
{
	struct link *l = TO_LINK(c);

	if (l->l_state != LINK_ST_OPEN) {
		link_mark_for_close(l, "handshake timeout");
		return;
	}
	if (u32map_count(l->l_circs) > 0 || !TAILQ_EMPTY(&l->l_pending)) {
		conn_set_timeout(c, LINK_IDLE_TIMEOUT);
		return;
	}
	link_mark_for_close(l, "idle");
}

void
link_mark_for_close(struct link *l, const char *reason)
{
	conn_mark_for_close(&l->l_conn, reason);
}

static void
link_closed(struct conn *c)
{
	struct link *l = TO_LINK(c);
	struct circuit *circ;
	size_t pos = 0;
	uint32_t id;

	log_debug(LD_LINK, "link=%llu closed: %s", (unsigned long long)c->c_id,
	    c->c_close_reason ? c->c_close_reason : "?");
	if (link_event_hook != NULL)
		link_event_hook(l, l->l_state == LINK_ST_OPEN ? "CLOSED" : "FAILED",
		    c->c_close_reason);
	while ((circ = TAILQ_FIRST(&l->l_pending)) != NULL) {
		TAILQ_REMOVE(&l->l_pending, circ, c_pending_entry);
		circuit_link_failed(circ, l);
	}
	while ((circ = u32map_next(l->l_circs, &pos, &id)) != NULL) {
		u32map_remove(l->l_circs, id);
		circuit_link_failed(circ, l);
		pos = 0;
	}
	TAILQ_REMOVE(&links, l, l_entry);
}

static void
link_free_conn(struct conn *c)
{
	struct link *l = TO_LINK(c);

	u32map_free(l->l_circs);
	free(l);
}

uint32_t
link_alloc_circid(struct link *l)
{
	int i;

	for (i = 0; i < LINK_MAX_CIRCID_TRIES; i++) {
		uint32_t id;

		crypto_rand(&id, sizeof(id));
		id = l->l_initiator ? (id | CIRCID_INITIATOR_BIT) : (id & ~CIRCID_INITIATOR_BIT);
		if (id != 0 && u32map_get(l->l_circs, id) == NULL)
			return id;
	}
	return 0;
}

void
link_attach_circuit(struct link *l, uint32_t circid, struct circuit *c)
{
	u32map_put(l->l_circs, circid, c);
	l->l_last_used = mainloop_now();
}

void
link_detach_circuit(struct link *l, uint32_t circid)
{
	u32map_remove(l->l_circs, circid);
	l->l_last_used = mainloop_now();
}

struct circuit *
link_find_circuit(struct link *l, uint32_t circid)
{
	return u32map_get(l->l_circs, circid);
}

size_t
link_n_circuits(const struct link *l)
{
	return u32map_count(l->l_circs);
}

void
link_shutdown(void)
{
	if (link_server_ctx)
		SSL_CTX_free(link_server_ctx);
	if (link_client_ctx)
		SSL_CTX_free(link_client_ctx);
	link_server_ctx = link_client_ctx = NULL;
}
