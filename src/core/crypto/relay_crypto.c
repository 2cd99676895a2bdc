/*
 * relay_crypto.c: per-hop relay cell crypto, scheme "tor1" (protocol-notes
 * §5), behind the relay_crypto_ops table declared in relay_crypto.h.
 *
 * tor1, per hop and direction: an AES-128-CTR context (IV zero, keystream
 * continuing across cells) and a running SHA-1 context seeded with Df/Db.
 * Sending: zero Recognized and Digest, hash the 509 bytes into the running
 * digest, put the first 4 bytes of the (non-final) digest in the Digest
 * field, encrypt.  Receiving: decrypt; if Recognized is zero, hash the cell
 * with its Digest field zeroed into the running digest and compare; on a
 * mismatch restore the digest state (by swapping in a saved copy) and the
 * field.  A recognised cell keeps its Digest field zeroed, so the receiver
 * sees exactly the plaintext that was originated.
 *
 * The AES contexts (EVP) are created with the hop.  The running digests
 * are plain SHA_CTX structs rather than EVP_MD_CTX: every recognise and
 * every sent cell needs a finalised copy of a running digest, and under
 * OpenSSL 3 EVP_MD_CTX_copy_ex() frees and reallocates the provider
 * context on each copy (two mallocs per cell, and EVP dispatch on top);
 * a SHA_CTX copy is a 96-byte struct assignment on the stack.  Tor does
 * the same.  Nothing is allocated by this module per cell.  Callers:
 * core/or (circuits, the relay cell switch) and the SENDME code through
 * relay_crypto_last_digest().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

/*
 * SHA1_Init/Update/Final are deprecated in OpenSSL 3 (the build hides
 * deprecated APIs with OPENSSL_NO_DEPRECATED) but remain in 3.x; this
 * file alone opts back in, for the reason above.
 */
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "core/crypto/relay_crypto.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

#define TOR1_DIGEST_LEN		20
#define TOR1_KEY_LEN		16

struct relay_crypto {
	const struct relay_crypto_ops	*rc_ops;
	/* tor1 state, indexed by enum relay_dir. */
	EVP_CIPHER_CTX	*rc_cipher[2];
	SHA_CTX		 rc_digest[2];	/* running digests */
	uint8_t		 rc_last[2][TOR1_DIGEST_LEN];
};

static void NORETURN
tor1_fatal(const char *what)
{
	crypto_log_errors(LD_CRYPTO, what);
	log_err(LD_CRYPTO, "relay crypto op=%s failed; aborting", what);
	abort();
}

/* Apply the keystream of direction dir to the payload in place. */
static void
tor1_crypt(relay_crypto_t *hop, enum relay_dir dir, uint8_t *payload)
{
	int outl = 0;

	if (EVP_EncryptUpdate(hop->rc_cipher[dir], payload, &outl, payload,
	    RELAY_PAYLOAD_LEN) != 1 || outl != RELAY_PAYLOAD_LEN)
		tor1_fatal("EVP_EncryptUpdate");
}

/* Finalise a copy of a running digest into out[20]. */
static void
tor1_peek(const SHA_CTX *running, uint8_t out[TOR1_DIGEST_LEN])
{
	SHA_CTX tmp = *running;

	if (SHA1_Final(out, &tmp) != 1)
		tor1_fatal("SHA1_Final");
	crypto_wipe(&tmp, sizeof(tmp));
}

/* Zero Recognized and Digest, add the cell to dir's digest, set Digest. */
static void
tor1_set_digest(relay_crypto_t *hop, enum relay_dir dir, uint8_t *payload)
{
	memset(payload + RELAY_OFF_RECOGNIZED, 0, 2);
	memset(payload + RELAY_OFF_DIGEST, 0, RELAY_DIGEST_FIELD_LEN);
	if (SHA1_Update(&hop->rc_digest[dir], payload, RELAY_PAYLOAD_LEN) != 1)
		tor1_fatal("SHA1_Update");
	tor1_peek(&hop->rc_digest[dir], hop->rc_last[dir]);
	memcpy(payload + RELAY_OFF_DIGEST, hop->rc_last[dir], RELAY_DIGEST_FIELD_LEN);
}

/*
 * Is the decrypted payload for this hop?  Leave the digest state advanced
 * (and the Digest field zeroed) if so, untouched otherwise.
 */
static bool
tor1_recognize(relay_crypto_t *hop, enum relay_dir dir, uint8_t *payload)
{
	uint8_t received[RELAY_DIGEST_FIELD_LEN], calc[TOR1_DIGEST_LEN];
	SHA_CTX tentative;
	bool ours;

	if (payload[RELAY_OFF_RECOGNIZED] != 0 || payload[RELAY_OFF_RECOGNIZED + 1] != 0)
		return false;
	memcpy(received, payload + RELAY_OFF_DIGEST, sizeof(received));
	memset(payload + RELAY_OFF_DIGEST, 0, sizeof(received));
	/* Update a copy; it replaces the running state only if the cell is ours. */
	tentative = hop->rc_digest[dir];
	if (SHA1_Update(&tentative, payload, RELAY_PAYLOAD_LEN) != 1)
		tor1_fatal("SHA1_Update");
	tor1_peek(&tentative, calc);
	ours = crypto_eq(calc, received, sizeof(received));
	if (ours) {
		hop->rc_digest[dir] = tentative;
		memcpy(hop->rc_last[dir], calc, TOR1_DIGEST_LEN);
	} else {
		memcpy(payload + RELAY_OFF_DIGEST, received, sizeof(received));
	}
	crypto_wipe(&tentative, sizeof(tentative));
	crypto_wipe(calc, sizeof(calc));
	return ours;
}

static void
tor1_client_originate(relay_crypto_t *hop, uint8_t *payload)
{
	tor1_set_digest(hop, RELAY_DIR_FORWARD, payload);
	tor1_crypt(hop, RELAY_DIR_FORWARD, payload);
}

static void
tor1_client_add_layer(relay_crypto_t *hop, uint8_t *payload)
{
	tor1_crypt(hop, RELAY_DIR_FORWARD, payload);
}

static bool
tor1_client_remove_layer(relay_crypto_t *hop, uint8_t *payload)
{
	tor1_crypt(hop, RELAY_DIR_BACKWARD, payload);
	return tor1_recognize(hop, RELAY_DIR_BACKWARD, payload);
}

static bool
tor1_relay_forward_in(relay_crypto_t *hop, uint8_t *payload)
{
	tor1_crypt(hop, RELAY_DIR_FORWARD, payload);
	return tor1_recognize(hop, RELAY_DIR_FORWARD, payload);
}

static void
tor1_relay_backward(relay_crypto_t *hop, uint8_t *payload)
{
	tor1_crypt(hop, RELAY_DIR_BACKWARD, payload);
}

static void
tor1_relay_originate(relay_crypto_t *hop, uint8_t *payload)
{
	tor1_set_digest(hop, RELAY_DIR_BACKWARD, payload);
	tor1_crypt(hop, RELAY_DIR_BACKWARD, payload);
}

static size_t
tor1_last_digest(const relay_crypto_t *hop, enum relay_dir dir,
    uint8_t out[RELAY_CRYPTO_TAG_MAX])
{
	memcpy(out, hop->rc_last[dir], TOR1_DIGEST_LEN);
	return TOR1_DIGEST_LEN;
}

static void
tor1_clear(relay_crypto_t *hop)
{
	int d;

	/* EVP_CIPHER_CTX_free cleanses key schedules; the digest states are
	 * in the struct, which relay_crypto_free_() wipes. */
	for (d = 0; d < 2; d++)
		EVP_CIPHER_CTX_free(hop->rc_cipher[d]);
}

static const struct relay_crypto_ops tor1_ops = {
	.name = "tor1",
	.client_originate = tor1_client_originate,
	.client_add_layer = tor1_client_add_layer,
	.client_remove_layer = tor1_client_remove_layer,
	.relay_forward_in = tor1_relay_forward_in,
	.relay_backward = tor1_relay_backward,
	.relay_originate = tor1_relay_originate,
	.last_digest = tor1_last_digest,
	.clear = tor1_clear,
};

/* Create a tor1 hop from Df | Db | Kf | Kb (see relay_crypto.h). */
relay_crypto_t *
relay_crypto_new_tor1(const uint8_t keys[RELAY_TOR1_KEY_LEN])
{
	static const uint8_t iv[16];
	relay_crypto_t *hop = xcalloc(1, sizeof(*hop));
	const uint8_t *seed[2] = { keys, keys + TOR1_DIGEST_LEN };
	const uint8_t *key[2] = { keys + 2 * TOR1_DIGEST_LEN,
	    keys + 2 * TOR1_DIGEST_LEN + TOR1_KEY_LEN };
	int d;

	hop->rc_ops = &tor1_ops;
	for (d = 0; d < 2; d++) {
		if ((hop->rc_cipher[d] = EVP_CIPHER_CTX_new()) == NULL ||
		    EVP_EncryptInit_ex(hop->rc_cipher[d], EVP_aes_128_ctr(), NULL,
		    key[d], iv) != 1)
			tor1_fatal("AES-128-CTR init");
		if (SHA1_Init(&hop->rc_digest[d]) != 1 ||
		    SHA1_Update(&hop->rc_digest[d], seed[d], TOR1_DIGEST_LEN) != 1)
			tor1_fatal("SHA-1 init");
	}
	return hop;
}

void
relay_crypto_free_(relay_crypto_t *hop)
{
	if (hop == NULL)
		return;
	hop->rc_ops->clear(hop);
	crypto_wipe(hop, sizeof(*hop));
	free(hop);
}

const char *
relay_crypto_name(const relay_crypto_t *hop)
{
	return hop->rc_ops->name;
}

/* Set the digest for hops[target] and encrypt for hops target..0. */
void
relay_crypto_client_originate(relay_crypto_t *const *hops, int nhops,
    int target, uint8_t *payload)
{
	int i;

	if (BUG(target < 0 || target >= nhops))
		return;
	hops[target]->rc_ops->client_originate(hops[target], payload);
	for (i = target - 1; i >= 0; i--)
		hops[i]->rc_ops->client_add_layer(hops[i], payload);
}

/* Peel layers from hops[0] outwards; return the recognising hop or -1. */
int
relay_crypto_client_recognize(relay_crypto_t *const *hops, int nhops,
    uint8_t *payload)
{
	int i;

	for (i = 0; i < nhops; i++)
		if (hops[i]->rc_ops->client_remove_layer(hops[i], payload))
			return i;
	return -1;
}

void
relay_crypto_relay_forward_in(relay_crypto_t *hop, uint8_t *payload,
    bool *recognized)
{
	*recognized = hop->rc_ops->relay_forward_in(hop, payload);
}

void
relay_crypto_relay_backward(relay_crypto_t *hop, uint8_t *payload)
{
	hop->rc_ops->relay_backward(hop, payload);
}

void
relay_crypto_relay_originate(relay_crypto_t *hop, uint8_t *payload)
{
	hop->rc_ops->relay_originate(hop, payload);
}

size_t
relay_crypto_last_digest(const relay_crypto_t *hop, enum relay_dir dir,
    uint8_t out[RELAY_CRYPTO_TAG_MAX])
{
	return hop->rc_ops->last_digest(hop, dir, out);
}
