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
 * All EVP contexts are created with the hop; nothing is allocated by this
 * module per cell.  Callers: core/or (circuits, the relay cell switch) and
 * the SENDME code through relay_crypto_last_digest().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

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
	EVP_MD_CTX	*rc_digest[2];
	EVP_MD_CTX	*rc_saved;	/* state before a tentative update */
	EVP_MD_CTX	*rc_peek;	/* finalised copy of a running digest */
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

/* Finalise a copy of the running digest of dir into out[20]. */
static void
tor1_peek(relay_crypto_t *hop, enum relay_dir dir, uint8_t out[TOR1_DIGEST_LEN])
{
	unsigned int len = 0;

	if (EVP_MD_CTX_copy_ex(hop->rc_peek, hop->rc_digest[dir]) != 1 ||
	    EVP_DigestFinal_ex(hop->rc_peek, out, &len) != 1 ||
	    len != TOR1_DIGEST_LEN)
		tor1_fatal("digest peek");
}

/* Zero Recognized and Digest, add the cell to dir's digest, set Digest. */
static void
tor1_set_digest(relay_crypto_t *hop, enum relay_dir dir, uint8_t *payload)
{
	memset(payload + RELAY_OFF_RECOGNIZED, 0, 2);
	memset(payload + RELAY_OFF_DIGEST, 0, RELAY_DIGEST_FIELD_LEN);
	if (EVP_DigestUpdate(hop->rc_digest[dir], payload, RELAY_PAYLOAD_LEN) != 1)
		tor1_fatal("EVP_DigestUpdate");
	tor1_peek(hop, dir, hop->rc_last[dir]);
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
	EVP_MD_CTX *tmp;

	if (payload[RELAY_OFF_RECOGNIZED] != 0 || payload[RELAY_OFF_RECOGNIZED + 1] != 0)
		return false;
	memcpy(received, payload + RELAY_OFF_DIGEST, sizeof(received));
	memset(payload + RELAY_OFF_DIGEST, 0, sizeof(received));
	if (EVP_MD_CTX_copy_ex(hop->rc_saved, hop->rc_digest[dir]) != 1 ||
	    EVP_DigestUpdate(hop->rc_digest[dir], payload, RELAY_PAYLOAD_LEN) != 1)
		tor1_fatal("digest update");
	tor1_peek(hop, dir, calc);
	if (crypto_eq(calc, received, sizeof(received))) {
		memcpy(hop->rc_last[dir], calc, TOR1_DIGEST_LEN);
		return true;
	}
	/* Not ours: swap the saved state back in and restore the field. */
	tmp = hop->rc_digest[dir];
	hop->rc_digest[dir] = hop->rc_saved;
	hop->rc_saved = tmp;
	memcpy(payload + RELAY_OFF_DIGEST, received, sizeof(received));
	return false;
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

	/* The EVP free functions cleanse key schedules and digest states. */
	for (d = 0; d < 2; d++) {
		EVP_CIPHER_CTX_free(hop->rc_cipher[d]);
		EVP_MD_CTX_free(hop->rc_digest[d]);
	}
	EVP_MD_CTX_free(hop->rc_saved);
	EVP_MD_CTX_free(hop->rc_peek);
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
		if ((hop->rc_digest[d] = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(hop->rc_digest[d], EVP_sha1(), NULL) != 1 ||
		    EVP_DigestUpdate(hop->rc_digest[d], seed[d], TOR1_DIGEST_LEN) != 1)
			tor1_fatal("SHA-1 init");
	}
	if ((hop->rc_saved = EVP_MD_CTX_new()) == NULL ||
	    (hop->rc_peek = EVP_MD_CTX_new()) == NULL)
		tor1_fatal("EVP_MD_CTX_new");
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
