/*
 * Unit tests for lib/tls: handshakes over a nonblocking socketpair
 * (driven in turn, bounded), identity pinning, refusal of other keys,
 * of non-Ed25519 certificates and of certificates not signed by their
 * own key, relay-to-relay identity, TLS 1.3 only, and no resumption.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/pk.h"
#include "lib/tls.h"

struct pair {
	SSL	*p_client;
	SSL	*p_server;
	int	 p_fd[2];
};

static void
pair_free(struct pair *p)
{
	SSL_free(p->p_client);
	SSL_free(p->p_server);
	close(p->p_fd[0]);
	close(p->p_fd[1]);
}

static int
step(SSL *ssl, int done)
{
	int r, e;

	if (done)
		return 1;
	r = SSL_do_handshake(ssl);
	if (r == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return -1;
}

/* Run both handshakes in turn; 0 when both finished, -1 on failure. */
static int
handshake(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
	int i, c = 0, s = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->p_fd), 0);
	assert_int_equal(fcntl(p->p_fd[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p->p_fd[1], F_SETFL, O_NONBLOCK), 0);
	p->p_client = SSL_new(cctx);
	p->p_server = SSL_new(sctx);
	assert_non_null(p->p_client);
	assert_non_null(p->p_server);
	SSL_set_fd(p->p_client, p->p_fd[0]);
	SSL_set_fd(p->p_server, p->p_fd[1]);
	SSL_set_connect_state(p->p_client);
	SSL_set_accept_state(p->p_server);
	for (i = 0; i < 100 && !(c == 1 && s == 1); i++) {
		c = step(p->p_client, c == 1);
		s = step(p->p_server, s == 1);
		if (c < 0 || s < 0)
			return -1;
	}
	return c == 1 && s == 1 ? 0 : -1;
}

/* Exchange application data both ways so post-handshake messages (a
 * session ticket, if one were sent) reach the client. */
static void
exchange(struct pair *p)
{
	char buf[16];
	int i, got = 0;

	assert_int_equal(SSL_write(p->p_server, "ping", 4), 4);
	for (i = 0; i < 50 && got == 0; i++) {
		int r = SSL_read(p->p_client, buf, sizeof(buf));

		if (r > 0)
			got = r;
	}
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(SSL_write(p->p_client, "pong", 4), 4);
	for (i = 0, got = 0; i < 50 && got == 0; i++) {
		int r = SSL_read(p->p_server, buf, sizeof(buf));

		if (r > 0)
			got = r;
	}
	assert_int_equal(got, 4);
}

static void
test_pinned_identity(void **state)
{
	ed25519_key_t *a = ed25519_generate(), *b = ed25519_generate();
	SSL_CTX *sctx = tls_ctx_new_server(a), *cctx = tls_ctx_new_client();
	uint8_t id[32];
	struct pair p;

	assert_non_null(sctx);
	assert_non_null(cctx);
	assert_int_equal(handshake(&p, cctx, sctx), 0);
	assert_int_equal(SSL_version(p.p_client), TLS1_3_VERSION);
	assert_int_equal(tls_peer_identity(p.p_client, id), 0);
	assert_memory_equal(id, ed25519_public(a), 32);
	assert_true(tls_peer_matches(p.p_client, ed25519_public(a)));
	assert_false(tls_peer_matches(p.p_client, ed25519_public(b)));
	/* The client showed nothing: no identity on the relay's side. */
	assert_int_equal(tls_peer_identity(p.p_server, id), -1);
	assert_false(tls_peer_matches(p.p_server, ed25519_public(a)));

	/* No resumption: nothing reused, no ticket, nothing resumable. */
	exchange(&p);
	assert_false(SSL_session_reused(p.p_client));
	assert_false(SSL_SESSION_is_resumable(SSL_get0_session(p.p_client)));
	assert_int_equal(SSL_CTX_get_num_tickets(sctx), 0);
	assert_true(SSL_CTX_get_options(sctx) & SSL_OP_NO_TICKET);
	assert_true(SSL_CTX_get_options(cctx) & SSL_OP_NO_TICKET);
	assert_int_equal(SSL_CTX_get_session_cache_mode(sctx), SSL_SESS_CACHE_OFF);
	assert_int_equal(SSL_CTX_get_session_cache_mode(cctx), SSL_SESS_CACHE_OFF);
	assert_true(SSL_CTX_get_mode(sctx) & SSL_MODE_ENABLE_PARTIAL_WRITE);
	assert_true(SSL_CTX_get_mode(cctx) & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	pair_free(&p);

	/* Handshake not done: no identity. */
	{
		SSL *s = SSL_new(cctx);

		assert_int_equal(tls_peer_identity(s, id), -1);
		SSL_free(s);
	}
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	ed25519_free(a);
	ed25519_free(b);
}

static void
test_other_key_refused(void **state)
{
	ed25519_key_t *expected = ed25519_generate(), *impostor = ed25519_generate();
	SSL_CTX *sctx = tls_ctx_new_server(impostor), *cctx = tls_ctx_new_client();
	struct pair p;

	assert_int_equal(handshake(&p, cctx, sctx), 0);
	assert_false(tls_peer_matches(p.p_client, ed25519_public(expected)));
	pair_free(&p);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	ed25519_free(expected);
	ed25519_free(impostor);
}

static void
test_relay_to_relay(void **state)
{
	ed25519_key_t *a = ed25519_generate(), *c = ed25519_generate();
	SSL_CTX *actx = tls_ctx_new_server(a), *cctx = tls_ctx_new_server(c);
	uint8_t id[32];
	struct pair p;

	/* Relay C opens a link to relay A with its own server context. */
	assert_int_equal(handshake(&p, cctx, actx), 0);
	assert_true(tls_peer_matches(p.p_client, ed25519_public(a)));
	assert_int_equal(tls_peer_identity(p.p_server, id), 0);
	assert_memory_equal(id, ed25519_public(c), 32);
	pair_free(&p);
	SSL_CTX_free(actx);
	SSL_CTX_free(cctx);
	ed25519_free(a);
	ed25519_free(c);
}

/* A server context whose certificate has key `key` but is signed by
 * `signer` (same as key for self-signed). */
static SSL_CTX *
odd_server_ctx(EVP_PKEY *key, EVP_PKEY *signer)
{
	SSL_CTX *ctx = tls_ctx_new_client();
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	bool ed = EVP_PKEY_get_id(signer) == EVP_PKEY_ED25519;

	assert_non_null(ctx);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"x", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, signer, ed ? NULL : EVP_sha256()) > 0);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_NAME_free(n);
	X509_free(x);
	return ctx;
}

static void
test_bad_certificates(void **state)
{
	ed25519_key_t *a = ed25519_generate(), *b = ed25519_generate();
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	SSL_CTX *cctx = tls_ctx_new_client(), *sctx;
	uint8_t id[32];
	struct pair p;

	/* Ed25519 key A, but the certificate is signed by B. */
	sctx = odd_server_ctx(ed25519_evp(a), ed25519_evp(b));
	assert_int_equal(handshake(&p, cctx, sctx), 0);
	assert_int_equal(tls_peer_identity(p.p_client, id), -1);
	assert_false(tls_peer_matches(p.p_client, ed25519_public(a)));
	pair_free(&p);
	SSL_CTX_free(sctx);

	/* Control: the same construction self-signed is accepted. */
	sctx = odd_server_ctx(ed25519_evp(a), ed25519_evp(a));
	assert_int_equal(handshake(&p, cctx, sctx), 0);
	assert_true(tls_peer_matches(p.p_client, ed25519_public(a)));
	pair_free(&p);
	SSL_CTX_free(sctx);

	/* Not an Ed25519 key at all. */
	assert_non_null(ec);
	sctx = odd_server_ctx(ec, ec);
	assert_int_equal(handshake(&p, cctx, sctx), 0);
	assert_int_equal(tls_peer_identity(p.p_client, id), -1);
	pair_free(&p);
	SSL_CTX_free(sctx);

	EVP_PKEY_free(ec);
	SSL_CTX_free(cctx);
	ed25519_free(a);
	ed25519_free(b);
}

static void
test_tls12_refused(void **state)
{
	ed25519_key_t *a = ed25519_generate();
	SSL_CTX *sctx = tls_ctx_new_server(a), *old = SSL_CTX_new(TLS_method());
	struct pair p;

	assert_non_null(old);
	SSL_CTX_set_max_proto_version(old, TLS1_2_VERSION);
	SSL_CTX_set_verify(old, SSL_VERIFY_NONE, NULL);
	assert_int_equal(handshake(&p, old, sctx), -1);
	pair_free(&p);
	SSL_CTX_free(old);
	SSL_CTX_free(sctx);
	ed25519_free(a);
}

static int
setup(void **state)
{
	log_set_level(LL_WARN);
	return crypto_global_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_identity),
		cmocka_unit_test(test_other_key_refused),
		cmocka_unit_test(test_relay_to_relay),
		cmocka_unit_test(test_bad_certificates),
		cmocka_unit_test(test_tls12_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
