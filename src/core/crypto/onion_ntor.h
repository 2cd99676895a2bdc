/*
 * onion_ntor.h: the ntor circuit handshake (CREATE2 type 2) over X25519
 * and HKDF-SHA256, as Tor specifies it but with our own PROTOID and the
 * 32-byte Ed25519 identity as NODEID (protocol-notes §3).
 *
 *	CREATE2  HDATA = ID[32] | B[32] | X[32]		(96 bytes)
 *	CREATED2 HDATA = Y[32] | AUTH[32]		(64 bytes)
 *
 * Key material (HKDF-SHA256, IKM = secret_input, salt = t_key, info =
 * m_expand) is laid out Df[20] | Db[20] | Kf[16] | Kb[16] | KH[20]; its
 * first RELAY_TOR1_KEY_LEN bytes feed relay_crypto_new_tor1().
 *
 * Callers: core/or (circuit build on the client, CREATE2 answering on a
 * relay), tests and the fuzz target.
 */
#ifndef TORD_CORE_CRYPTO_ONION_NTOR_H
#define TORD_CORE_CRYPTO_ONION_NTOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto/keys.h"
#include "lib/pk.h"

#define NTOR_HTYPE		0x0002
#define NTOR_PROTOID		"tord-ntor-curve25519-sha256-1"
#define NTOR_ID_LEN		IDENTITY_LEN
#define NTOR_ONIONSKIN_LEN	(NTOR_ID_LEN + 2 * X25519_LEN)	/* 96 */
#define NTOR_REPLY_LEN		(X25519_LEN + 32)		/* 64 */
#define NTOR_KEY_MATERIAL_LEN	92	/* Df Db Kf Kb KH */

/* What a client keeps between CREATE2 and CREATED2.  Opaque to callers. */
struct ntor_client_state {
	x25519_key_t	*cs_x;			/* ephemeral x, X */
	uint8_t		 cs_id[NTOR_ID_LEN];
	uint8_t		 cs_B[X25519_LEN];
};

/*
 * Client: make an ephemeral key and write the CREATE2 onionskin for the
 * relay with identity id and onion key B.  Return 0, or -1 if key
 * generation fails (st is then empty).  Finish or clear st afterwards.
 */
int	onion_ntor_client_start(const uint8_t id[NTOR_ID_LEN], const uint8_t B[X25519_LEN],
	    struct ntor_client_state *st, uint8_t onionskin[NTOR_ONIONSKIN_LEN]);

/*
 * Client: check the CREATED2 reply and derive keylen bytes of key
 * material into keys_out.  Return 0, or -1 (keys_out zeroed) if AUTH does
 * not match or a DH result is degenerate.  st is wiped either way.
 */
int	onion_ntor_client_finish(struct ntor_client_state *st,
	    const uint8_t reply[NTOR_REPLY_LEN], uint8_t *keys_out, size_t keylen);

/* Wipe st and free its ephemeral key (for circuits abandoned mid-build). */
void	onion_ntor_client_clear(struct ntor_client_state *st);

/*
 * Relay: answer a CREATE2 onionskin with the node's keys (the current
 * onion key, or the previous one in its grace period).  Write the
 * CREATED2 reply and keylen bytes of key material.  Return 0, or -1
 * (outputs zeroed) if NODEID or KEYID is not ours or the client's key is
 * degenerate; an unknown KEYID still does the full computation with the
 * current key, so the time taken does not tell which check failed.
 */
int	onion_ntor_server(const struct node_keys *keys,
	    const uint8_t onionskin[NTOR_ONIONSKIN_LEN], uint8_t reply[NTOR_REPLY_LEN],
	    uint8_t *keys_out, size_t keylen);

/*
 * The parametrised core, exposed for test vectors (Tor's PROTOID and
 * 20-byte ID) and the reference-model comparison; production code uses
 * the functions above.  id is idlen bytes; ephemeral keys are given.
 */
struct ntor_proto {
	const char	*np_protoid;
	size_t		 np_idlen;		/* at most NTOR_ID_LEN */
};
extern const struct ntor_proto ntor_proto_tord;

int	onion_ntor_server_core(const struct ntor_proto *p, const x25519_key_t *b,
	    const x25519_key_t *y, const uint8_t *id, const uint8_t X[X25519_LEN],
	    uint8_t reply[NTOR_REPLY_LEN], uint8_t *keys_out, size_t keylen);
int	onion_ntor_client_core(const struct ntor_proto *p, const x25519_key_t *x,
	    const uint8_t *id, const uint8_t B[X25519_LEN],
	    const uint8_t reply[NTOR_REPLY_LEN], uint8_t *keys_out, size_t keylen);

#endif
