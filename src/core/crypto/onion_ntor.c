/*
 * onion_ntor.c: the ntor circuit handshake over X25519 and HKDF-SHA256.
 *
 * Owns the CREATE2/CREATED2 computation of protocol-notes §3 with
 * PROTOID "tord-ntor-curve25519-sha256-1" and a 32-byte Ed25519 NODEID:
 *
 *	secret_input = EXP(X,y) | EXP(X,b) | ID | B | X | Y | PROTOID
 *	verify       = H(secret_input, t_verify)
 *	auth_input   = verify | ID | B | Y | X | PROTOID | "Server"
 *	AUTH         = H(auth_input, t_mac)
 *	keys         = HKDF-SHA256(IKM = secret_input, salt = t_key, info = m_expand)
 *
 * Failures are accumulated in a `bad` word and checked once; all
 * temporaries live in one struct wiped before return.  Callers: core/or
 * (client circuit build, relay CREATE2 handling), tests, fuzz_ntor.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto/onion_ntor.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/pk.h"
#include "lib/util.h"

#define NTOR_PROTOID_MAX	48
#define NTOR_TAG_MAX		(NTOR_PROTOID_MAX + 16)
#define NTOR_SECRET_MAX		(6 * 32 + NTOR_PROTOID_MAX)
#define NTOR_AUTH_INPUT_MAX	(32 + 4 * 32 + NTOR_PROTOID_MAX + 6)

const struct ntor_proto ntor_proto_tord = { NTOR_PROTOID, NTOR_ID_LEN };

/* Every secret temporary of one handshake, wiped as a whole. */
struct ntor_work {
	uint8_t	nw_secret[NTOR_SECRET_MAX];
	size_t	nw_secret_len;
	uint8_t	nw_auth_input[NTOR_AUTH_INPUT_MAX];
	size_t	nw_auth_input_len;
	uint8_t	nw_verify[DIGEST256_LEN];
	uint8_t	nw_auth[DIGEST256_LEN];
	uint8_t	nw_dh1[X25519_LEN];
	uint8_t	nw_dh2[X25519_LEN];
	char	nw_t_mac[NTOR_TAG_MAX];
	char	nw_t_key[NTOR_TAG_MAX];
	char	nw_t_verify[NTOR_TAG_MAX];
	char	nw_m_expand[NTOR_TAG_MAX];
};

static void
ntor_append(uint8_t *buf, size_t *off, const void *p, size_t n)
{
	memcpy(buf + *off, p, n);
	*off += n;
}

/*
 * From the two DH results in w, compute AUTH into w->nw_auth and keylen
 * bytes of key material.  Return 0, or -1 if the parameters are out of
 * range or the KDF fails.
 */
static int
ntor_compute(const struct ntor_proto *p, struct ntor_work *w, const uint8_t *id,
    const uint8_t B[32], const uint8_t X[32], const uint8_t Y[32],
    uint8_t *keys_out, size_t keylen)
{
	size_t plen = strlen(p->np_protoid);

	if (BUG(plen > NTOR_PROTOID_MAX || p->np_idlen > NTOR_ID_LEN))
		return -1;
	snprintf(w->nw_t_mac, NTOR_TAG_MAX, "%s:mac", p->np_protoid);
	snprintf(w->nw_t_key, NTOR_TAG_MAX, "%s:key_extract", p->np_protoid);
	snprintf(w->nw_t_verify, NTOR_TAG_MAX, "%s:verify", p->np_protoid);
	snprintf(w->nw_m_expand, NTOR_TAG_MAX, "%s:key_expand", p->np_protoid);

	w->nw_secret_len = 0;
	ntor_append(w->nw_secret, &w->nw_secret_len, w->nw_dh1, 32);
	ntor_append(w->nw_secret, &w->nw_secret_len, w->nw_dh2, 32);
	ntor_append(w->nw_secret, &w->nw_secret_len, id, p->np_idlen);
	ntor_append(w->nw_secret, &w->nw_secret_len, B, 32);
	ntor_append(w->nw_secret, &w->nw_secret_len, X, 32);
	ntor_append(w->nw_secret, &w->nw_secret_len, Y, 32);
	ntor_append(w->nw_secret, &w->nw_secret_len, p->np_protoid, plen);

	digest_hmac_sha256(w->nw_t_verify, strlen(w->nw_t_verify),
	    w->nw_secret, w->nw_secret_len, w->nw_verify);

	w->nw_auth_input_len = 0;
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, w->nw_verify, 32);
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, id, p->np_idlen);
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, B, 32);
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, Y, 32);
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, X, 32);
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, p->np_protoid, plen);
	ntor_append(w->nw_auth_input, &w->nw_auth_input_len, "Server", 6);
	digest_hmac_sha256(w->nw_t_mac, strlen(w->nw_t_mac),
	    w->nw_auth_input, w->nw_auth_input_len, w->nw_auth);

	return digest_hkdf_sha256(w->nw_secret, w->nw_secret_len,
	    w->nw_t_key, strlen(w->nw_t_key), w->nw_m_expand,
	    strlen(w->nw_m_expand), keys_out, keylen);
}

/*
 * Relay side with explicit onion key b and ephemeral y: write Y | AUTH to
 * reply and the key material.  Return 0, or -1 with outputs zeroed.
 */
int
onion_ntor_server_core(const struct ntor_proto *p, const x25519_key_t *b,
    const x25519_key_t *y, const uint8_t *id, const uint8_t X[X25519_LEN],
    uint8_t reply[NTOR_REPLY_LEN], uint8_t *keys_out, size_t keylen)
{
	struct ntor_work w;
	unsigned bad = 0;

	memset(&w, 0, sizeof(w));
	bad |= (x25519_derive(y, X, w.nw_dh1) < 0);
	bad |= (x25519_derive(b, X, w.nw_dh2) < 0);
	bad |= (ntor_compute(p, &w, id, x25519_public(b), X, x25519_public(y),
	    keys_out, keylen) < 0);
	memcpy(reply, x25519_public(y), X25519_LEN);
	memcpy(reply + X25519_LEN, w.nw_auth, DIGEST256_LEN);
	crypto_wipe(&w, sizeof(w));
	if (bad) {
		crypto_wipe(reply, NTOR_REPLY_LEN);
		crypto_wipe(keys_out, keylen);
		return -1;
	}
	return 0;
}

/*
 * Client side with explicit ephemeral x: check reply = Y | AUTH for the
 * relay (id, B) and derive the key material.  Return 0, or -1 with
 * keys_out zeroed.
 */
int
onion_ntor_client_core(const struct ntor_proto *p, const x25519_key_t *x,
    const uint8_t *id, const uint8_t B[X25519_LEN],
    const uint8_t reply[NTOR_REPLY_LEN], uint8_t *keys_out, size_t keylen)
{
	const uint8_t *Y = reply, *auth = reply + X25519_LEN;
	struct ntor_work w;
	unsigned bad = 0;

	memset(&w, 0, sizeof(w));
	/* Keep going on a degenerate Y: one check at the end. */
	bad |= (x25519_derive(x, Y, w.nw_dh1) < 0);
	bad |= (x25519_derive(x, B, w.nw_dh2) < 0);
	bad |= (ntor_compute(p, &w, id, B, x25519_public(x), Y, keys_out,
	    keylen) < 0);
	bad |= !crypto_eq(w.nw_auth, auth, DIGEST256_LEN);
	crypto_wipe(&w, sizeof(w));
	if (bad) {
		crypto_wipe(keys_out, keylen);
		return -1;
	}
	return 0;
}

/* Write ID | B | X for a fresh x into onionskin; 0, or -1 (st empty). */
int
onion_ntor_client_start(const uint8_t id[NTOR_ID_LEN], const uint8_t B[X25519_LEN],
    struct ntor_client_state *st, uint8_t onionskin[NTOR_ONIONSKIN_LEN])
{
	memset(st, 0, sizeof(*st));
	if ((st->cs_x = x25519_generate()) == NULL)
		return -1;
	memcpy(st->cs_id, id, NTOR_ID_LEN);
	memcpy(st->cs_B, B, X25519_LEN);
	memcpy(onionskin, id, NTOR_ID_LEN);
	memcpy(onionskin + NTOR_ID_LEN, B, X25519_LEN);
	memcpy(onionskin + NTOR_ID_LEN + X25519_LEN, x25519_public(st->cs_x),
	    X25519_LEN);
	return 0;
}

/* Check reply and derive keys; st is wiped whatever the outcome. */
int
onion_ntor_client_finish(struct ntor_client_state *st,
    const uint8_t reply[NTOR_REPLY_LEN], uint8_t *keys_out, size_t keylen)
{
	int rc = -1;

	if (st->cs_x != NULL)
		rc = onion_ntor_client_core(&ntor_proto_tord, st->cs_x, st->cs_id,
		    st->cs_B, reply, keys_out, keylen);
	else
		crypto_wipe(keys_out, keylen);
	onion_ntor_client_clear(st);
	return rc;
}

void
onion_ntor_client_clear(struct ntor_client_state *st)
{
	x25519_free(st->cs_x);
	crypto_wipe(st, sizeof(*st));
}

/* Answer a CREATE2 onionskin (see onion_ntor.h). */
int
onion_ntor_server(const struct node_keys *keys,
    const uint8_t onionskin[NTOR_ONIONSKIN_LEN], uint8_t reply[NTOR_REPLY_LEN],
    uint8_t *keys_out, size_t keylen)
{
	const uint8_t *nodeid = onionskin;
	const uint8_t *keyid = onionskin + NTOR_ID_LEN;
	const uint8_t *X = onionskin + NTOR_ID_LEN + X25519_LEN;
	const x25519_key_t *b;
	x25519_key_t *y;
	unsigned bad = 0, is_cur, is_prev = 0;
	int rc;

	if (BUG(keys == NULL || keys->nk_identity == NULL || keys->nk_onion == NULL))
		goto fail;
	bad |= !crypto_eq(nodeid, ed25519_public(keys->nk_identity), NTOR_ID_LEN);
	is_cur = crypto_eq(keyid, x25519_public(keys->nk_onion), X25519_LEN);
	if (keys->nk_onion_prev != NULL)
		is_prev = crypto_eq(keyid, x25519_public(keys->nk_onion_prev),
		    X25519_LEN);
	bad |= !(is_cur | is_prev);
	/* Unknown KEYID: do the same work with the current key, then fail. */
	b = is_prev ? keys->nk_onion_prev : keys->nk_onion;
	if ((y = x25519_generate()) == NULL)
		goto fail;
	rc = onion_ntor_server_core(&ntor_proto_tord, b, y, nodeid, X, reply,
	    keys_out, keylen);
	x25519_free(y);
	bad |= (rc < 0);
	if (!bad)
		return 0;
 fail:
	crypto_wipe(reply, NTOR_REPLY_LEN);
	crypto_wipe(keys_out, keylen);
	return -1;
}
