/*
 * tls.c: TLS 1.3 contexts for links and pinning of Ed25519 identities.
 *
 * Owns the self-signed certificate (made from the relay's identity key),
 * the context options (TLS 1.3 only, no tickets, no session cache,
 * partial writes), the verify callback that lets self-signed chains
 * through, and the post-handshake identity check.  Callers: core/or/link
 * (contexts, pinning) and the directory authority's reachability test.
 * The connection layer (core/mainloop/conn) drives the SSL objects.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/pk.h"
#include "lib/tls.h"
#include "lib/util.h"

/*
 * Accept whatever chain the peer shows: there are no CAs, the identity is
 * pinned after the handshake (tls_peer_identity), and TLS 1.3's
 * CertificateVerify already proves the peer holds the certificate's key.
 */
static int
tls_verify_accept(int preverify_ok, X509_STORE_CTX *store)
{
	return 1;
}

/* A random, innocuous host name ("www.<letters>.com"), as Tor does. */
static void
tls_random_hostname(char *out, size_t outlen)
{
	static const char *tld[] = { "com", "net", "org" };
	size_t n = 8 + (size_t)crypto_rand_uniform(9), i;
	char label[24];

	for (i = 0; i < n; i++)
		label[i] = (char)('a' + crypto_rand_uniform(26));
	label[n] = '\0';
	snprintf(out, outlen, "www.%s.%s", label, tld[crypto_rand_uniform(3)]);
}

/* Build a self-signed X.509 v3 certificate for pkey; NULL on failure. */
static X509 *
tls_make_cert(EVP_PKEY *pkey)
{
	X509 *x = X509_new();
	X509_NAME *name = NULL;
	uint64_t serial;
	char host[48];

	if (x == NULL)
		return NULL;
	crypto_rand(&serial, sizeof(serial));
	serial >>= 1;	/* positive */
	tls_random_hostname(host, sizeof(host));
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
	    /* Backdated a day against clock skew. */
	    X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), TLS_CERT_LIFETIME_SEC) == NULL ||
	    (name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)host, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    /* Ed25519 signs the message itself: no digest. */
	    X509_sign(x, pkey, NULL) <= 0) {
		crypto_log_errors(LD_CRYPTO, "make TLS certificate");
		X509_NAME_free(name);
		X509_free(x);
		return NULL;
	}
	X509_NAME_free(name);
	return x;
}

/* A TLS 1.3-only context with our common options, or NULL. */
static SSL_CTX *
tls_ctx_base(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());

	if (ctx == NULL) {
		crypto_log_errors(LD_CRYPTO, "SSL_CTX_new");
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		crypto_log_errors(LD_CRYPTO, "SSL_CTX setup");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* No resumption: forward secrecy per link, nothing to link sessions. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_accept);
	return ctx;
}

/* See tls.h. */
SSL_CTX *
tls_ctx_new_server(const ed25519_key_t *identity)
{
	EVP_PKEY *pkey;
	SSL_CTX *ctx;
	X509 *cert;

	if (BUG(identity == NULL || !ed25519_has_secret(identity)))
		return NULL;
	pkey = ed25519_evp(identity);
	if ((ctx = tls_ctx_base()) == NULL)
		return NULL;
	if ((cert = tls_make_cert(pkey)) == NULL) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		crypto_log_errors(LD_CRYPTO, "SSL_CTX certificate");
		X509_free(cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	X509_free(cert);	/* the context holds its own reference */
	return ctx;
}

/* See tls.h. */
SSL_CTX *
tls_ctx_new_client(void)
{
	return tls_ctx_base();
}

/* See tls.h. */
int
tls_peer_identity(SSL *ssl, uint8_t id[ED25519_PUB_LEN])
{
	X509 *cert;
	EVP_PKEY *pkey;
	size_t len = ED25519_PUB_LEN;
	int rc = -1;

	if (ssl == NULL || !SSL_is_init_finished(ssl))
		return -1;
	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL)
		return -1;
	if ((pkey = X509_get0_pubkey(cert)) == NULL ||
	    EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
		goto done;
	/* The identity key itself must have signed the certificate. */
	if (X509_verify(cert, pkey) != 1)
		goto done;
	if (EVP_PKEY_get_raw_public_key(pkey, id, &len) != 1 ||
	    len != ED25519_PUB_LEN)
		goto done;
	rc = 0;
 done:
	if (rc < 0)
		memset(id, 0, ED25519_PUB_LEN);
	/* Peer input: the caller logs the refusal, not OpenSSL's queue. */
	ERR_clear_error();
	return rc;
}

/* See tls.h. */
bool
tls_peer_matches(SSL *ssl, const uint8_t expected[ED25519_PUB_LEN])
{
	uint8_t id[ED25519_PUB_LEN];

	if (tls_peer_identity(ssl, id) < 0)
		return false;
	return crypto_eq(id, expected, ED25519_PUB_LEN);
}
