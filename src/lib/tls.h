/*
 * tls.h: OpenSSL TLS 1.3 contexts for links, and identity pinning.
 *
 * No I/O here: core/mainloop/conn drives nonblocking SSL objects made from
 * these contexts.  A relay's certificate is self-signed with its Ed25519
 * identity key; the side that opens a link accepts any self-signed chain
 * during the handshake and then pins the identity it expected with
 * tls_peer_matches() (protocol-notes §1.3).  No session resumption.
 */
#ifndef TORD_LIB_TLS_H
#define TORD_LIB_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "lib/pk.h"

/* Lifetime of the generated certificate; our pinning ignores it. */
#define TLS_CERT_LIFETIME_SEC	(7 * 24 * 3600)

/*
 * Make a TLS 1.3-only context that presents a fresh self-signed
 * certificate for identity (random serial, innocuous random subject,
 * short validity).  It serves as a server context, and as a client
 * context for a relay that shows its identity when opening a link.
 * Return NULL (logged) on failure; free with SSL_CTX_free().
 */
SSL_CTX	*tls_ctx_new_server(const ed25519_key_t *identity);
/*
 * Make a TLS 1.3-only client context with no certificate that accepts
 * the peer's self-signed chain (the caller pins the identity after the
 * handshake).  Return NULL (logged) on failure.
 */
SSL_CTX	*tls_ctx_new_client(void);
/*
 * After the handshake, copy the peer's 32-byte Ed25519 identity into id.
 * Return 0 only if the peer certificate's key is Ed25519 and the
 * certificate's self-signature verifies with it; -1 otherwise (no
 * certificate, other key type, bad signature, handshake not finished).
 */
int	tls_peer_identity(SSL *ssl, uint8_t id[ED25519_PUB_LEN]);
/* True iff tls_peer_identity() succeeds and equals expected. */
bool	tls_peer_matches(SSL *ssl, const uint8_t expected[ED25519_PUB_LEN]);

#endif
