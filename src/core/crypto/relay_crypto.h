/*
 * relay_crypto.h: per-hop onion encryption of relay cell payloads.
 *
 * One relay_crypto_t per hop: a client keeps one for every hop of a
 * circuit, a relay one for its own position.  The scheme sits behind an
 * ops table so that a tagging-resistant scheme (CGO, prop 359) can replace
 * "tor1" (protocol-notes §5: AES-128-CTR per direction, running SHA-1
 * digests, `recognized` field) without touching core/or.
 *
 * Payloads are the 509-byte relay payloads, modified in place.  Nothing
 * allocates per cell.  Every cell must be processed exactly once, in
 * order: the keystreams and digests run across cells.
 *
 * Hop indexes are 0-based: hops[0] is the guard.
 */
#ifndef TORD_CORE_CRYPTO_RELAY_CRYPTO_H
#define TORD_CORE_CRYPTO_RELAY_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define RELAY_PAYLOAD_LEN	509
/* Relay header offsets inside the payload (protocol-notes §4.1). */
#define RELAY_OFF_CMD		0
#define RELAY_OFF_RECOGNIZED	1
#define RELAY_OFF_STREAM	3
#define RELAY_OFF_DIGEST	5
#define RELAY_OFF_LEN		9
#define RELAY_HEADER_LEN	11
#define RELAY_DIGEST_FIELD_LEN	4

/* Df[20] | Db[20] | Kf[16] | Kb[16]; ntor's 92 bytes start with these. */
#define RELAY_TOR1_KEY_LEN	72
/* Longest SENDME tag any scheme produces (tor1: the 20-byte digest). */
#define RELAY_CRYPTO_TAG_MAX	20

typedef struct relay_crypto relay_crypto_t;

enum relay_dir {
	RELAY_DIR_FORWARD = 0,	/* client towards exit */
	RELAY_DIR_BACKWARD = 1,	/* towards client */
};

/* Per-scheme operations; callers use the relay_crypto_* wrappers below. */
struct relay_crypto_ops {
	const char	*name;
	/* Client: set this hop's recognition data, then add its layer. */
	void	(*client_originate)(relay_crypto_t *hop, uint8_t *payload);
	/* Client: add this hop's forward layer to a cell for a later hop. */
	void	(*client_add_layer)(relay_crypto_t *hop, uint8_t *payload);
	/* Client: remove this hop's backward layer; true if it sent the cell. */
	bool	(*client_remove_layer)(relay_crypto_t *hop, uint8_t *payload);
	/* Relay: remove the forward layer; true if the cell is for us. */
	bool	(*relay_forward_in)(relay_crypto_t *hop, uint8_t *payload);
	/* Relay: add the backward layer to a cell from further out. */
	void	(*relay_backward)(relay_crypto_t *hop, uint8_t *payload);
	/* Relay: originate a cell towards the client. */
	void	(*relay_originate)(relay_crypto_t *hop, uint8_t *payload);
	/* Copy the SENDME tag of the last originated/recognised cell in dir. */
	size_t	(*last_digest)(const relay_crypto_t *hop, enum relay_dir dir,
		    uint8_t out[RELAY_CRYPTO_TAG_MAX]);
	void	(*clear)(relay_crypto_t *hop);
};

/*
 * Create tor1 state from RELAY_TOR1_KEY_LEN bytes of key material (e.g.
 * the first 72 of ntor's 92).  Never returns NULL; aborts only if OpenSSL
 * cannot create contexts.  The caller should wipe its copy of keys.
 */
relay_crypto_t	*relay_crypto_new_tor1(const uint8_t keys[RELAY_TOR1_KEY_LEN]);
/* Wipe and free. */
void		 relay_crypto_free_(relay_crypto_t *hop);
#define relay_crypto_free(p) FREE_AND_NULL(relay_crypto_t, relay_crypto_free_, (p))
const char	*relay_crypto_name(const relay_crypto_t *hop);

/*
 * Client: the plaintext in payload (recognized and digest fields zero) is
 * for hops[target]; set its digest and encrypt it for hops target..0.
 */
void	relay_crypto_client_originate(relay_crypto_t *const *hops, int nhops,
	    int target, uint8_t *payload);
/*
 * Client: peel backward layers hop by hop until one recognises the cell.
 * Return that hop's index, leaving the plaintext in payload, or -1 if no
 * hop does (the circuit must then be closed).
 */
int	relay_crypto_client_recognize(relay_crypto_t *const *hops, int nhops,
	    uint8_t *payload);

/*
 * Relay: remove our forward layer.  Set *recognized if the cell is for us
 * (plaintext in payload); otherwise payload is ready to forward and the
 * digest state is as before.
 */
void	relay_crypto_relay_forward_in(relay_crypto_t *hop, uint8_t *payload,
	    bool *recognized);
/* Relay: add our backward layer to a cell passing towards the client. */
void	relay_crypto_relay_backward(relay_crypto_t *hop, uint8_t *payload);
/* Relay: originate a cell (plaintext, digest field zero) to the client. */
void	relay_crypto_relay_originate(relay_crypto_t *hop, uint8_t *payload);

/*
 * Copy into out the running digest of dir right after the last cell this
 * hop originated or recognised in that direction (authenticated SENDME,
 * protocol-notes §6); return its length (20 for tor1).  A client reads the
 * FORWARD tag after sending a DATA cell and the BACKWARD tag after
 * receiving one; a relay the reverse.
 */
size_t	relay_crypto_last_digest(const relay_crypto_t *hop, enum relay_dir dir,
	    uint8_t out[RELAY_CRYPTO_TAG_MAX]);

#endif
