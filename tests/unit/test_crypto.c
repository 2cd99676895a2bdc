/*
 * Unit tests for lib/crypto and lib/digest: RNG sanity, wiping, compare,
 * SHA-256 / HMAC-SHA256 / HKDF-SHA256 against RFC 6234, RFC 4231,
 * RFC 5869 and the ntor HKDF vector (protocol-notes Appendix A.1).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/crypto.h"
#include "lib/digest.h"
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
	uint8_t want[256];

	assert_true(len <= sizeof(want));
	unhex(hex, want, len);
	assert_memory_equal(got, want, len);
}

static void
test_rand(void **state)
{
	uint8_t a[32], b[32], zero[32] = { 0 };
	unsigned hits[7] = { 0 };
	int i;

	crypto_rand(a, sizeof(a));
	crypto_rand(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	for (i = 0; i < 7000; i++) {
		uint64_t v = crypto_rand_uniform(7);

		assert_true(v < 7);
		hits[v]++;
	}
	/* Each bucket expects 1000; 700 is > 9 standard deviations away. */
	for (i = 0; i < 7; i++)
		assert_true(hits[i] > 700 && hits[i] < 1300);
	assert_int_equal(crypto_rand_uniform(1), 0);
}

/*
 * The fast stream for cell padding: pieces of every size across the 4 KiB
 * refills, no repeats, bytes spread evenly (each value within half of
 * its expected count over 1 MiB, 32 standard deviations: never by
 * chance), and a forked child never hands out what its parent does.
 */
static void
test_rand_fast(void **state)
{
	enum { N = 1 << 20 };
	static uint8_t big[N];
	static unsigned count[256];
	uint8_t a[509], b[509], child[64], parent[64];
	size_t off = 0, k = 1, i;
	int fds[2], st;
	pid_t pid;

	while (off < N) {
		size_t n = MIN(k, N - off);

		crypto_rand_fast(big + off, n);
		off += n;
		k = k % 997 + 7;
	}
	for (i = 0; i < N; i++)
		count[big[i]]++;
	for (i = 0; i < 256; i++)
		assert_true(count[i] > N / 256 / 2 && count[i] < N / 256 * 3 / 2);
	crypto_rand_fast(a, sizeof(a));
	crypto_rand_fast(b, sizeof(b));
	assert_false(memcmp(a, b, sizeof(a)) == 0);
	assert_false(memcmp(big, big + N / 2, 4096) == 0);

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		crypto_rand_fast(child, sizeof(child));
		_exit(write(fds[1], child, sizeof(child)) == (ssize_t)sizeof(child) ? 0 : 1);
	}
	crypto_rand_fast(parent, sizeof(parent));
	assert_int_equal(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_false(memcmp(child, parent, sizeof(child)) == 0);
	close(fds[0]);
	close(fds[1]);
}

static void
test_wipe_eq(void **state)
{
	uint8_t a[16], b[16];

	memset(a, 0xAB, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(crypto_eq(a, b, sizeof(a)));
	b[15] ^= 1;
	assert_false(crypto_eq(a, b, sizeof(a)));
	b[15] ^= 1;
	b[0] ^= 0x80;
	assert_false(crypto_eq(a, b, sizeof(a)));
	assert_true(crypto_eq(a, b, 0));
	crypto_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
}

static void
test_sha256(void **state)
{
	uint8_t out[32];

	digest_sha256("abc", 3, out);
	assert_hex(out, 32,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_sha256("", 0, out);
	assert_hex(out, 32,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_hmac(void **state)
{
	uint8_t key[20], out[32];

	/* RFC 4231 test cases 1 and 2. */
	memset(key, 0x0b, sizeof(key));
	digest_hmac_sha256(key, sizeof(key), "Hi There", 8, out);
	assert_hex(out, 32,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	digest_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_hex(out, 32,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* Empty key and message are legal. */
	digest_hmac_sha256("", 0, "", 0, out);
	assert_hex(out, 32,
	    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void
test_hkdf_rfc5869(void **state)
{
	uint8_t ikm[22], salt[13], info[10], okm[42];
	size_t i;

	/* RFC 5869 A.1 */
	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	assert_int_equal(digest_hkdf_sha256(ikm, sizeof(ikm), salt, sizeof(salt),
	    info, sizeof(info), okm, sizeof(okm)), 0);
	assert_hex(okm, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db0"
	    "2d56ecc4c5bf34007208d5b887185865");
	/* RFC 5869 A.3: empty salt and info. */
	assert_int_equal(digest_hkdf_sha256(ikm, sizeof(ikm), NULL, 0, NULL, 0,
	    okm, sizeof(okm)), 0);
	assert_hex(okm, 42, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e"
	    "5f3c738d2d9d201395faa4b61a96c8");
	/* Too long an output is refused. */
	{
		static uint8_t big[255 * 32 + 1];

		assert_int_equal(digest_hkdf_sha256(ikm, sizeof(ikm), NULL, 0,
		    NULL, 0, big, sizeof(big)), -1);
		assert_int_equal(digest_hkdf_sha256(ikm, sizeof(ikm), NULL, 0,
		    NULL, 0, big, sizeof(big) - 1), 0);
	}
}

static void
test_hkdf_ntor_vector(void **state)
{
	static const char t_key[] = "ntor-curve25519-sha256-1:key_extract";
	static const char m_expand[] = "ntor-curve25519-sha256-1:key_expand";
	uint8_t out[100];

	/* protocol-notes Appendix A.1 (tor's test_crypto.c). */
	assert_int_equal(digest_hkdf_sha256("Tor", 3, t_key, strlen(t_key),
	    m_expand, strlen(m_expand), out, sizeof(out)), 0);
	assert_hex(out, 100,
	    "5521492a85139a8d9107a2d5c0d9c91610d0f95989975ebee6c02a4f8d622a6cfdf9b7c7"
	    "edd3832e2760ded1eac309b76f8d66c4a3c4d6225429b3a016e3c3d45911152fc87bc2de"
	    "9630c3961be9fdb9f93197ea8e5977180801926d3321fa21513e59ac");
}

static int
setup(void **state)
{
	return crypto_global_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rand),
		cmocka_unit_test(test_rand_fast),
		cmocka_unit_test(test_wipe_eq),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_hkdf_ntor_vector),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
