/*
 * Unit tests for core/crypto/onion_ntor: Tor's ntor vectors through the
 * parametrised core (protocol-notes A.1/A.2), a fixed tord vector from
 * the Python reference model, full client/relay round trips, previous
 * onion key, and every refusal (wrong NODEID, unknown KEYID, bad AUTH,
 * degenerate keys).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/crypto/keys.h"
#include "core/crypto/onion_ntor.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

/* tests/vectors/ntor_tord.txt */
#define TORD_VECTOR_AUTH \
	"52f48384a6689de1d7e7352a1dfbdf6c75d71d9e00420a3db0878adfb5e3dc27"
#define TORD_VECTOR_KEYS \
	"0acf4d5c03d97c4e43635af85e7dcb6ca183cfa00245096ebc62e6e813ea2410" \
	"48a2ade75b155759278a5f56522f4de7dd02fdfa77ee7c2fe069072e50c601a1" \
	"afeb121b1c9af6fa90c3e49ac28153ac8287ef2724060b90e851b716"

static void
unhex(const char *hex, uint8_t *out, size_t outlen)
{
	assert_int_equal(strlen(hex), 2 * outlen);
	assert_int_equal(util_hex_decode(hex, strlen(hex), out, outlen), 0);
}

static void
assert_hex(const uint8_t *got, size_t len, const char *hex)
{
	uint8_t want[128];

	assert_true(len <= sizeof(want));
	unhex(hex, want, len);
	assert_memory_equal(got, want, len);
}

static x25519_key_t *
x25519_fill(uint8_t byte)
{
	uint8_t s[32];

	memset(s, byte, sizeof(s));
	return x25519_from_secret(s);
}

/* protocol-notes Appendix A.2: Tor's PROTOID and 20-byte ID. */
static void
test_tor_vector(void **state)
{
	static const struct ntor_proto tor = { "ntor-curve25519-sha256-1", 20 };
	x25519_key_t *b = x25519_fill(0x42), *x = x25519_fill(0x11), *y = x25519_fill(0x22);
	uint8_t id[20], reply[64], ks[92], kc[92];
	size_t i;

	for (i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(i + 1);
	assert_hex(x25519_public(b), 32,
	    "132c442be010fbd57e72603328aa76e71fccc1503aae219327d14d9c9993f472");
	assert_hex(x25519_public(x), 32,
	    "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13");
	assert_hex(x25519_public(y), 32,
	    "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20");

	assert_int_equal(onion_ntor_server_core(&tor, b, y, id, x25519_public(x),
	    reply, ks, sizeof(ks)), 0);
	assert_memory_equal(reply, x25519_public(y), 32);
	assert_hex(reply + 32, 32,
	    "fa244bacdee9b7ece02f10ddc018b246d4078ba7a0b48fdd613dca9dd0f5d081");
	assert_hex(ks, 20, "8edad9392ee6efd66075d89b89863f9af07dd70b");
	assert_hex(ks + 20, 20, "be063a4fb5129e79fbbe713587a28f473b7f50b3");
	assert_hex(ks + 40, 16, "8322878969409a5c470379dc0e3a67ea");
	assert_hex(ks + 56, 16, "db7939c66debadce352e51a3694b571e");
	assert_hex(ks + 72, 20, "98ac804e43a09d2fb17c47b911bfb950c30a4309");

	assert_int_equal(onion_ntor_client_core(&tor, x, id, x25519_public(b),
	    reply, kc, sizeof(kc)), 0);
	assert_memory_equal(kc, ks, sizeof(ks));

	/* Our PROTOID must give different keys from the same inputs. */
	{
		const struct ntor_proto ours = { NTOR_PROTOID, 20 };
		uint8_t r2[64], k2[92];

		assert_int_equal(onion_ntor_server_core(&ours, b, y, id,
		    x25519_public(x), r2, k2, sizeof(k2)), 0);
		assert_memory_not_equal(r2 + 32, reply + 32, 32);
		assert_memory_not_equal(k2, ks, sizeof(k2));
	}
	x25519_free(b);
	x25519_free(x);
	x25519_free(y);
}

/*
 * Our protocol with fixed keys: tests/vectors/ntor_tord.txt, produced by
 * tests/ref/ntor_ref.py (independent of this C code).
 */
static void
test_tord_vector(void **state)
{
	x25519_key_t *b = x25519_fill(0x42), *x = x25519_fill(0x11), *y = x25519_fill(0x22);
	uint8_t id[32], reply[64], ks[92], kc[92];
	size_t i;

	for (i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(i + 1);
	assert_int_equal(onion_ntor_server_core(&ntor_proto_tord, b, y, id,
	    x25519_public(x), reply, ks, sizeof(ks)), 0);
	assert_hex(reply + 32, 32, TORD_VECTOR_AUTH);
	assert_hex(ks, 92, TORD_VECTOR_KEYS);
	assert_int_equal(onion_ntor_client_core(&ntor_proto_tord, x, id,
	    x25519_public(b), reply, kc, sizeof(kc)), 0);
	assert_memory_equal(kc, ks, sizeof(ks));
	x25519_free(b);
	x25519_free(x);
	x25519_free(y);
}

static void
relay_init(struct node_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->nk_identity = ed25519_generate();
	k->nk_onion = x25519_generate();
	assert_non_null(k->nk_identity);
	assert_non_null(k->nk_onion);
}

static void
test_round_trip(void **state)
{
	struct node_keys k;
	struct ntor_client_state st;
	uint8_t skin[NTOR_ONIONSKIN_LEN], reply[NTOR_REPLY_LEN];
	uint8_t ks[NTOR_KEY_MATERIAL_LEN], kc[NTOR_KEY_MATERIAL_LEN], zero[92] = { 0 };
	int i;

	relay_init(&k);
	for (i = 0; i < 4; i++) {
		assert_int_equal(onion_ntor_client_start(ed25519_public(k.nk_identity),
		    x25519_public(k.nk_onion), &st, skin), 0);
		assert_memory_equal(skin, ed25519_public(k.nk_identity), 32);
		assert_memory_equal(skin + 32, x25519_public(k.nk_onion), 32);
		assert_memory_equal(skin + 64, x25519_public(st.cs_x), 32);
		assert_int_equal(onion_ntor_server(&k, skin, reply, ks, sizeof(ks)), 0);
		assert_int_equal(onion_ntor_client_finish(&st, reply, kc, sizeof(kc)), 0);
		assert_memory_equal(ks, kc, sizeof(ks));
		assert_memory_not_equal(ks, zero, sizeof(ks));
		assert_null(st.cs_x);
		/* The state is single-use. */
		assert_int_equal(onion_ntor_client_finish(&st, reply, kc, sizeof(kc)), -1);
		assert_memory_equal(kc, zero, sizeof(kc));
	}
	keys_clear(&k);
}

static void
test_previous_onion_key(void **state)
{
	struct node_keys k;
	struct ntor_client_state st;
	uint8_t skin[96], reply[64], ks[92], kc[92], old[32];

	relay_init(&k);
	memcpy(old, x25519_public(k.nk_onion), 32);
	/* Rotate in memory: the client still knows the old key. */
	k.nk_onion_prev = k.nk_onion;
	k.nk_onion = x25519_generate();
	assert_int_equal(onion_ntor_client_start(ed25519_public(k.nk_identity), old,
	    &st, skin), 0);
	assert_int_equal(onion_ntor_server(&k, skin, reply, ks, sizeof(ks)), 0);
	assert_int_equal(onion_ntor_client_finish(&st, reply, kc, sizeof(kc)), 0);
	assert_memory_equal(ks, kc, sizeof(ks));

	/* Grace period over: refused. */
	x25519_free(k.nk_onion_prev);
	assert_int_equal(onion_ntor_client_start(ed25519_public(k.nk_identity), old,
	    &st, skin), 0);
	assert_int_equal(onion_ntor_server(&k, skin, reply, ks, sizeof(ks)), -1);
	onion_ntor_client_clear(&st);
	assert_null(st.cs_x);
	keys_clear(&k);
}

static void
test_server_refusals(void **state)
{
	struct node_keys k;
	struct ntor_client_state st;
	uint8_t skin[96], bad[96], reply[64], ks[92], zero[92] = { 0 };

	relay_init(&k);
	assert_int_equal(onion_ntor_client_start(ed25519_public(k.nk_identity),
	    x25519_public(k.nk_onion), &st, skin), 0);

	memcpy(bad, skin, 96);
	bad[5] ^= 1;			/* NODEID */
	memset(ks, 0xee, sizeof(ks));
	assert_int_equal(onion_ntor_server(&k, bad, reply, ks, sizeof(ks)), -1);
	assert_memory_equal(ks, zero, sizeof(ks));
	assert_memory_equal(reply, zero, sizeof(reply));

	memcpy(bad, skin, 96);
	bad[40] ^= 1;			/* KEYID */
	assert_int_equal(onion_ntor_server(&k, bad, reply, ks, sizeof(ks)), -1);

	memcpy(bad, skin, 96);
	memset(bad + 64, 0, 32);	/* X = 0, small order */
	assert_int_equal(onion_ntor_server(&k, bad, reply, ks, sizeof(ks)), -1);
	assert_memory_equal(ks, zero, sizeof(ks));

	assert_int_equal(onion_ntor_server(&k, skin, reply, ks, sizeof(ks)), 0);
	onion_ntor_client_clear(&st);
	keys_clear(&k);
}

static void
test_client_refusals(void **state)
{
	struct node_keys k;
	struct ntor_client_state st;
	uint8_t skin[96], reply[64], bad[64], ks[92], kc[92], zero[92] = { 0 };
	size_t pos[] = { 0, 31, 32, 50, 63 };
	size_t i;

	relay_init(&k);
	for (i = 0; i <= ARRAY_LEN(pos); i++) {
		assert_int_equal(onion_ntor_client_start(ed25519_public(k.nk_identity),
		    x25519_public(k.nk_onion), &st, skin), 0);
		assert_int_equal(onion_ntor_server(&k, skin, reply, ks, sizeof(ks)), 0);
		memcpy(bad, reply, 64);
		if (i < ARRAY_LEN(pos))
			bad[pos[i]] ^= 0x20;
		else
			memset(bad, 0, 32);	/* Y = 0 */
		memset(kc, 0xee, sizeof(kc));
		assert_int_equal(onion_ntor_client_finish(&st, bad, kc, sizeof(kc)), -1);
		assert_memory_equal(kc, zero, sizeof(kc));
		assert_null(st.cs_x);
	}
	/* A reply for another relay's onion key fails AUTH. */
	{
		struct node_keys other;
		uint8_t skin2[96];

		relay_init(&other);
		assert_int_equal(onion_ntor_client_start(ed25519_public(k.nk_identity),
		    x25519_public(k.nk_onion), &st, skin), 0);
		memcpy(skin2, skin, 96);
		memcpy(skin2, ed25519_public(other.nk_identity), 32);
		memcpy(skin2 + 32, x25519_public(other.nk_onion), 32);
		assert_int_equal(onion_ntor_server(&other, skin2, reply, ks, sizeof(ks)), 0);
		assert_int_equal(onion_ntor_client_finish(&st, reply, kc, sizeof(kc)), -1);
		keys_clear(&other);
	}
	keys_clear(&k);
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
		cmocka_unit_test(test_tor_vector),
		cmocka_unit_test(test_tord_vector),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_previous_onion_key),
		cmocka_unit_test(test_server_refusals),
		cmocka_unit_test(test_client_refusals),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
