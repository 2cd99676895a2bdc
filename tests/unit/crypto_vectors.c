/*
 * crypto_vectors: print random ntor handshakes and layered tor1 relay
 * cells computed by the C code, as JSON, for tests/ref/check_vectors.py
 * to recompute with the independent Python model (tests/crypto_ref.sh).
 *
 *	crypto_vectors [ncases]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto/onion_ntor.h"
#include "core/crypto/relay_crypto.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/pk.h"
#include "lib/util.h"

#define NHOPS	3
#define NCELLS	12

static void
hex(const char *key, const uint8_t *p, size_t n, const char *sep)
{
	char *s = xmalloc(2 * n + 1);

	util_hex_encode(p, n, s);
	printf("\"%s\": \"%s\"%s", key, s, sep);
	free(s);
}

static int
ntor_case(const struct ntor_proto *proto, int last)
{
	uint8_t bs[32], xs[32], ys[32], id[32], reply[64], keys[92], kc[92];
	x25519_key_t *b, *x, *y;
	int rc = -1;

	crypto_rand(bs, 32);
	crypto_rand(xs, 32);
	crypto_rand(ys, 32);
	crypto_rand(id, sizeof(id));
	b = x25519_from_secret(bs);
	x = x25519_from_secret(xs);
	y = x25519_from_secret(ys);
	if (b == NULL || x == NULL || y == NULL ||
	    onion_ntor_server_core(proto, b, y, id, x25519_public(x), reply,
	    keys, sizeof(keys)) < 0 ||
	    onion_ntor_client_core(proto, x, id, x25519_public(b), reply, kc,
	    sizeof(kc)) < 0 || memcmp(keys, kc, sizeof(keys)) != 0)
		goto done;
	printf("  {\"protoid\": \"%s\", ", proto->np_protoid);
	hex("b", bs, 32, ", ");
	hex("x", xs, 32, ", ");
	hex("y", ys, 32, ", ");
	hex("id", id, proto->np_idlen, ", ");
	hex("reply", reply, 64, ", ");
	hex("keys", keys, 92, "}");
	printf("%s\n", last ? "" : ",");
	rc = 0;
 done:
	x25519_free(b);
	x25519_free(x);
	x25519_free(y);
	return rc;
}

/* One circuit: random keys, a random mix of forward and backward cells. */
static int
relay_case(int last)
{
	relay_crypto_t *client[NHOPS], *relay[NHOPS];
	uint8_t keys[NHOPS][RELAY_TOR1_KEY_LEN], plain[RELAY_PAYLOAD_LEN];
	uint8_t cell[RELAY_PAYLOAD_LEN], tag[RELAY_CRYPTO_TAG_MAX];
	int i, n, hop, rc = 0;
	bool rec;

	printf("  {");
	for (i = 0; i < NHOPS; i++) {
		char k[8];

		crypto_rand(keys[i], RELAY_TOR1_KEY_LEN);
		client[i] = relay_crypto_new_tor1(keys[i]);
		relay[i] = relay_crypto_new_tor1(keys[i]);
		snprintf(k, sizeof(k), "key%d", i);
		hex(k, keys[i], RELAY_TOR1_KEY_LEN, ", ");
	}
	printf("\"cells\": [\n");
	for (n = 0; n < NCELLS; n++) {
		bool fwd = crypto_rand_uniform(2) == 0;

		hop = (int)crypto_rand_uniform(NHOPS);
		crypto_rand(plain, sizeof(plain));
		memset(plain + RELAY_OFF_RECOGNIZED, 0, 2);
		memset(plain + RELAY_OFF_DIGEST, 0, 4);
		memcpy(cell, plain, sizeof(cell));
		if (fwd) {
			relay_crypto_client_originate(client, NHOPS, hop, cell);
			relay_crypto_last_digest(client[hop], RELAY_DIR_FORWARD, tag);
			printf("    {\"dir\": \"f\", \"hop\": %d, ", hop);
			hex("plain", plain, sizeof(plain), ", ");
			hex("wire", cell, sizeof(cell), ", ");
			for (i = 0; i <= hop; i++) {
				relay_crypto_relay_forward_in(relay[i], cell, &rec);
				if (rec != (i == hop))
					rc = -1;
			}
		} else {
			relay_crypto_relay_originate(relay[hop], cell);
			relay_crypto_last_digest(relay[hop], RELAY_DIR_BACKWARD, tag);
			for (i = hop - 1; i >= 0; i--)
				relay_crypto_relay_backward(relay[i], cell);
			printf("    {\"dir\": \"b\", \"hop\": %d, ", hop);
			hex("plain", plain, sizeof(plain), ", ");
			hex("wire", cell, sizeof(cell), ", ");
			if (relay_crypto_client_recognize(client, NHOPS, cell) != hop)
				rc = -1;
		}
		if (memcmp(cell, plain, sizeof(cell)) != 0)
			rc = -1;
		hex("tag", tag, 20, "}");
		printf("%s\n", n == NCELLS - 1 ? "" : ",");
	}
	printf("  ]}%s\n", last ? "" : ",");
	for (i = 0; i < NHOPS; i++) {
		relay_crypto_free(client[i]);
		relay_crypto_free(relay[i]);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct ntor_proto tor = { "ntor-curve25519-sha256-1", 20 };
	int i, n = argc > 1 ? atoi(argv[1]) : 8;

	if (n < 1 || n > 1000 || crypto_global_init() < 0)
		return 2;
	printf("{\"ntor\": [\n");
	for (i = 0; i < n; i++)
		if (ntor_case(i % 2 ? &tor : &ntor_proto_tord, i == n - 1) < 0) {
			fprintf(stderr, "crypto_vectors: C ntor self-check failed\n");
			return 1;
		}
	printf("], \"relay\": [\n");
	for (i = 0; i < n; i++)
		if (relay_case(i == n - 1) < 0) {
			fprintf(stderr, "crypto_vectors: C relay self-check failed\n");
			return 1;
		}
	printf("]}\n");
	return 0;
}
