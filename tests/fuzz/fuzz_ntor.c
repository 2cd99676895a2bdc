/*
 * fuzz_ntor: arbitrary bytes as a CREATE2 onionskin to the relay side of
 * ntor, and as a CREATED2 reply to a client handshake in progress.
 *
 * Input: bytes 0..95 are the onionskin, bytes 96..159 the reply (each
 * zero-padded when the input is short).  The relay's keys are fixed
 * (identity seed 07*32, onion key 42*32, previous onion key 43*32) so the
 * seed corpus reaches the full handshake.  Properties checked besides
 * memory safety: the relay accepts only its own NODEID and KEYIDs, and a
 * reply never authenticates to a client whose ephemeral key it could not
 * know.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto/keys.h"
#include "core/crypto/onion_ntor.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/pk.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct node_keys fuzz_keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t s[32];

	log_set_level(LL_ERR);
	if (crypto_global_init() < 0)
		abort();
	memset(s, 0x07, sizeof(s));
	fuzz_keys.nk_identity = ed25519_from_secret(s);
	memset(s, 0x42, sizeof(s));
	fuzz_keys.nk_onion = x25519_from_secret(s);
	memset(s, 0x43, sizeof(s));
	fuzz_keys.nk_onion_prev = x25519_from_secret(s);
	if (fuzz_keys.nk_identity == NULL || fuzz_keys.nk_onion == NULL ||
	    fuzz_keys.nk_onion_prev == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t skin[NTOR_ONIONSKIN_LEN] = { 0 }, reply[NTOR_REPLY_LEN] = { 0 };
	uint8_t out[NTOR_REPLY_LEN], keys[NTOR_KEY_MATERIAL_LEN];
	struct ntor_client_state st;

	memcpy(skin, data, size < sizeof(skin) ? size : sizeof(skin));
	if (size > sizeof(skin))
		memcpy(reply, data + sizeof(skin), MIN(size - sizeof(skin), sizeof(reply)));

	if (onion_ntor_server(&fuzz_keys, skin, out, keys, sizeof(keys)) == 0) {
		if (memcmp(skin, ed25519_public(fuzz_keys.nk_identity), 32) != 0 ||
		    (memcmp(skin + 32, x25519_public(fuzz_keys.nk_onion), 32) != 0 &&
		    memcmp(skin + 32, x25519_public(fuzz_keys.nk_onion_prev), 32) != 0))
			abort();
	}

	if (onion_ntor_client_start(ed25519_public(fuzz_keys.nk_identity),
	    x25519_public(fuzz_keys.nk_onion), &st, skin) < 0)
		abort();
	if (onion_ntor_client_finish(&st, reply, keys, sizeof(keys)) == 0)
		abort();	/* forged without knowing x */
	if (st.cs_x != NULL)
		abort();
	return 0;
}
