/*
 * Unit tests for core/crypto/relay_crypto (tor1): protocol-notes A.3
 * (single hop, fixed keys from A.2), multi-hop round trips in both
 * directions with the leaky pipe (any hop addressed), SENDME digests
 * agreeing on both ends, digest state restored for cells passing
 * through, and tampered cells never recognised.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/crypto/relay_crypto.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

static void
unhex(const char *hex, uint8_t *out, size_t outlen)
{
	assert_int_equal(strlen(hex), 2 * outlen);
	assert_int_equal(util_hex_decode(hex, strlen(hex), out, outlen), 0);
}

static void
assert_hex(const uint8_t *got, size_t len, const char *hex)
{
	uint8_t want[64];

	assert_true(len <= sizeof(want));
	unhex(hex, want, len);
	assert_memory_equal(got, want, len);
}

static void
make_cell(uint8_t *p, uint8_t cmd, uint16_t stream, const void *data, uint16_t len)
{
	memset(p, 0, RELAY_PAYLOAD_LEN);
	p[RELAY_OFF_CMD] = cmd;
	be16_store(p + RELAY_OFF_STREAM, stream);
	be16_store(p + RELAY_OFF_LEN, len);
	memcpy(p + RELAY_HEADER_LEN, data, len);
}

/* protocol-notes Appendix A.3. */
static void
test_vector_a3(void **state)
{
	uint8_t keys[RELAY_TOR1_KEY_LEN], cell[RELAY_PAYLOAD_LEN], plain[RELAY_PAYLOAD_LEN];
	uint8_t tag[RELAY_CRYPTO_TAG_MAX], tag2[RELAY_CRYPTO_TAG_MAX];
	relay_crypto_t *client, *relay;
	bool rec;

	unhex("8edad9392ee6efd66075d89b89863f9af07dd70b"
	    "be063a4fb5129e79fbbe713587a28f473b7f50b3"
	    "8322878969409a5c470379dc0e3a67ea"
	    "db7939c66debadce352e51a3694b571e", keys, sizeof(keys));
	client = relay_crypto_new_tor1(keys);
	relay = relay_crypto_new_tor1(keys);
	assert_string_equal(relay_crypto_name(client), "tor1");

	make_cell(plain, 1, 1, "example.com:80", 15);
	memcpy(cell, plain, sizeof(cell));
	relay_crypto_client_originate(&client, 1, 0, cell);
	assert_int_equal(relay_crypto_last_digest(client, RELAY_DIR_FORWARD, tag), 20);
	assert_hex(tag, 4, "0a2e0d56");
	memcpy(plain + RELAY_OFF_DIGEST, tag, 4);
	assert_hex(plain, 32,
	    "01000000010a2e0d56000f6578616d706c652e636f6d3a383000000000000000");
	assert_hex(cell, 32,
	    "752306576f067080c3dd521cceeda4e0b65bd76f3cf0fa388eb09f15c992e31e");
	relay_crypto_relay_forward_in(relay, cell, &rec);
	assert_true(rec);
	memset(plain + RELAY_OFF_DIGEST, 0, 4);
	assert_memory_equal(cell, plain, sizeof(cell));
	relay_crypto_last_digest(relay, RELAY_DIR_FORWARD, tag2);
	assert_memory_equal(tag, tag2, 20);

	make_cell(plain, 2, 1, "GET / HTTP/1.0\r\n\r\n", 18);
	memcpy(cell, plain, sizeof(cell));
	relay_crypto_client_originate(&client, 1, 0, cell);
	relay_crypto_last_digest(client, RELAY_DIR_FORWARD, tag);
	assert_hex(tag, 4, "551e571c");
	assert_hex(cell, 32,
	    "d5c8ac678c186d586c2bf278f389c4d2942e0fe04c9c1a5d043966be6d5d189b");
	relay_crypto_relay_forward_in(relay, cell, &rec);
	assert_true(rec);
	assert_memory_equal(cell, plain, sizeof(cell));

	relay_crypto_free(client);
	relay_crypto_free(relay);
	assert_null(client);
	relay_crypto_free(relay);
}

#define NHOPS 3

struct circ {
	relay_crypto_t	*c_client[NHOPS];
	relay_crypto_t	*c_relay[NHOPS];
};

static void
circ_init(struct circ *c)
{
	uint8_t keys[RELAY_TOR1_KEY_LEN];
	int i;

	for (i = 0; i < NHOPS; i++) {
		crypto_rand(keys, sizeof(keys));
		c->c_client[i] = relay_crypto_new_tor1(keys);
		c->c_relay[i] = relay_crypto_new_tor1(keys);
	}
	crypto_wipe(keys, sizeof(keys));
}

static void
circ_free(struct circ *c)
{
	int i;

	for (i = 0; i < NHOPS; i++) {
		relay_crypto_free(c->c_client[i]);
		relay_crypto_free(c->c_relay[i]);
	}
}

static void
random_cell(uint8_t *p)
{
	crypto_rand(p, RELAY_PAYLOAD_LEN);
	memset(p + RELAY_OFF_RECOGNIZED, 0, 2);
	memset(p + RELAY_OFF_DIGEST, 0, 4);
}

/* Send p forward to hop target through the relays; return the hop that
 * recognised it (or -1), checking the relays before it did not. */
static int
forward(struct circ *c, int target, uint8_t *p)
{
	bool rec;
	int i;

	relay_crypto_client_originate(c->c_client, NHOPS, target, p);
	for (i = 0; i < NHOPS; i++) {
		relay_crypto_relay_forward_in(c->c_relay[i], p, &rec);
		if (rec)
			return i;
	}
	return -1;
}

/* Originate p at relay origin and carry it back to the client. */
static int
backward(struct circ *c, int origin, uint8_t *p, int flip_at)
{
	int i;

	relay_crypto_relay_originate(c->c_relay[origin], p);
	for (i = origin - 1; i >= 0; i--)
		relay_crypto_relay_backward(c->c_relay[i], p);
	if (flip_at >= 0)
		p[flip_at] ^= 0x01;
	return relay_crypto_client_recognize(c->c_client, NHOPS, p);
}

static void
test_multi_hop(void **state)
{
	struct circ c;
	uint8_t plain[RELAY_PAYLOAD_LEN], cell[RELAY_PAYLOAD_LEN];
	uint8_t t1[RELAY_CRYPTO_TAG_MAX], t2[RELAY_CRYPTO_TAG_MAX];
	int n, target;

	circ_init(&c);
	for (n = 0; n < 300; n++) {
		target = (int)crypto_rand_uniform(NHOPS);
		random_cell(plain);
		memcpy(cell, plain, sizeof(cell));
		assert_int_equal(forward(&c, target, cell), target);
		assert_memory_equal(cell, plain, sizeof(cell));
		relay_crypto_last_digest(c.c_client[target], RELAY_DIR_FORWARD, t1);
		relay_crypto_last_digest(c.c_relay[target], RELAY_DIR_FORWARD, t2);
		assert_memory_equal(t1, t2, 20);

		target = (int)crypto_rand_uniform(NHOPS);
		random_cell(plain);
		memcpy(cell, plain, sizeof(cell));
		assert_int_equal(backward(&c, target, cell, -1), target);
		assert_memory_equal(cell, plain, sizeof(cell));
		relay_crypto_last_digest(c.c_client[target], RELAY_DIR_BACKWARD, t1);
		relay_crypto_last_digest(c.c_relay[target], RELAY_DIR_BACKWARD, t2);
		assert_memory_equal(t1, t2, 20);
	}
	circ_free(&c);
}

static void
test_tampered_forward(void **state)
{
	size_t pos[] = { 0, 1, 2, 5, 8, 11, 300, 508 };
	uint8_t cell[RELAY_PAYLOAD_LEN];
	struct circ c;
	bool rec;
	size_t k;
	int i;

	for (k = 0; k < ARRAY_LEN(pos); k++) {
		circ_init(&c);
		random_cell(cell);
		relay_crypto_client_originate(c.c_client, NHOPS, NHOPS - 1, cell);
		/* A malicious guard flips a bit before passing the cell on. */
		relay_crypto_relay_forward_in(c.c_relay[0], cell, &rec);
		assert_false(rec);
		cell[pos[k]] ^= 0x80;
		for (i = 1; i < NHOPS; i++) {
			relay_crypto_relay_forward_in(c.c_relay[i], cell, &rec);
			assert_false(rec);
		}
		circ_free(&c);
	}
}

static void
test_tampered_backward(void **state)
{
	size_t pos[] = { 0, 2, 6, 100, 508 };
	uint8_t cell[RELAY_PAYLOAD_LEN];
	struct circ c;
	size_t k;

	for (k = 0; k < ARRAY_LEN(pos); k++) {
		circ_init(&c);
		random_cell(cell);
		assert_int_equal(backward(&c, 2, cell, (int)pos[k]), -1);
		circ_free(&c);
	}
}

static void
test_state_restored(void **state)
{
	uint8_t plain[RELAY_PAYLOAD_LEN], cell[RELAY_PAYLOAD_LEN];
	struct circ c;
	int n;

	/* Hop 0 sees many cells for hop 2 between cells of its own: its
	 * digest must come back unchanged each time. */
	circ_init(&c);
	for (n = 0; n < 20; n++) {
		random_cell(cell);
		assert_int_equal(forward(&c, 2, cell), 2);
		random_cell(cell);
		assert_int_equal(forward(&c, 2, cell), 2);
		make_cell(plain, 5, 0, "\x01\x00\x14", 3);
		memcpy(cell, plain, sizeof(cell));
		assert_int_equal(forward(&c, 0, cell), 0);
		assert_memory_equal(cell, plain, sizeof(cell));
	}
	/* A cell whose Digest field is garbage but Recognized is zero
	 * passes through hop 0 unrecognised with its Digest intact. */
	{
		relay_crypto_t *c1, *r1;
		uint8_t keys[RELAY_TOR1_KEY_LEN], tag[RELAY_CRYPTO_TAG_MAX];
		bool rec;

		crypto_rand(keys, sizeof(keys));
		c1 = relay_crypto_new_tor1(keys);
		r1 = relay_crypto_new_tor1(keys);
		random_cell(cell);
		relay_crypto_client_originate(&c1, 1, 0, cell);
		/* Flip a Digest bit: after decryption Recognized is still 0. */
		cell[RELAY_OFF_DIGEST] ^= 0x10;
		relay_crypto_relay_forward_in(r1, cell, &rec);
		assert_false(rec);
		assert_int_equal(cell[RELAY_OFF_RECOGNIZED], 0);
		assert_int_equal(cell[RELAY_OFF_RECOGNIZED + 1], 0);
		relay_crypto_last_digest(c1, RELAY_DIR_FORWARD, tag);
		tag[0] ^= 0x10;
		assert_memory_equal(cell + RELAY_OFF_DIGEST, tag, 4);
		relay_crypto_free(c1);
		relay_crypto_free(r1);
	}
	circ_free(&c);
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
		cmocka_unit_test(test_vector_a3),
		cmocka_unit_test(test_multi_hop),
		cmocka_unit_test(test_tampered_forward),
		cmocka_unit_test(test_tampered_backward),
		cmocka_unit_test(test_state_restored),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
