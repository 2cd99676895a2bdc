/*
 * Unit tests for lib/objpool: zeroed, aligned, distinct objects; a model
 * check over random gets and puts (every live object keeps the tag
 * written into it, so two live objects never overlap); chunks go back to
 * the system once empty, but for one spare.  Sanitizer builds run the
 * pool over calloc/free: the chunk figures are then 0, which is checked
 * instead.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/objpool.h"
#include "lib/util.h"

#define OBJ_SIZE	200	/* not a multiple of the alignment */
#define CHUNK		(64 * 1024)

static bool
pooled(const struct objpool *p)
{
	return objpool_bytes(p) > 0;
}

static void
test_objpool_basic(void **state)
{
	struct objpool *p = objpool_new(OBJ_SIZE, "test");
	uint8_t *a, *b, zero[OBJ_SIZE] = { 0 };

	a = objpool_get(p);
	b = objpool_get(p);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a != b);
	assert_int_equal((uintptr_t)a % 16, 0);
	assert_int_equal((uintptr_t)b % 16, 0);
	assert_memory_equal(a, zero, OBJ_SIZE);
	memset(a, 0xa5, OBJ_SIZE);
	memset(b, 0x5a, OBJ_SIZE);
	assert_int_equal(objpool_in_use(p), 2);
	objpool_put(p, a);
	objpool_put(p, NULL);
	assert_int_equal(objpool_in_use(p), 1);
	/* A reused object comes back zeroed. */
	a = objpool_get(p);
	assert_memory_equal(a, zero, OBJ_SIZE);
	assert_int_equal(b[OBJ_SIZE - 1], 0x5a);
	objpool_put(p, a);
	objpool_put(p, b);
	assert_int_equal(objpool_in_use(p), 0);
	objpool_free(p);
}

/* Random gets and puts against a model: tags survive, counts agree. */
static void
test_objpool_model(void **state)
{
	enum { N = 3000 };
	static uint8_t *live[N];
	struct objpool *p = objpool_new(OBJ_SIZE, "test");
	uint32_t seed = 4242;
	size_t i, k, n = 0;

	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % N;
		if (live[k] == NULL) {
			live[k] = objpool_get(p);
			for (size_t j = 0; j < OBJ_SIZE; j++)
				assert_int_equal(live[k][j], 0);
			memset(live[k], (int)(k & 0xff), OBJ_SIZE);
			n++;
		} else {
			for (size_t j = 0; j < OBJ_SIZE; j++)
				assert_int_equal(live[k][j], k & 0xff);
			objpool_put(p, live[k]);
			live[k] = NULL;
			n--;
		}
		assert_int_equal(objpool_in_use(p), n);
	}
	for (k = 0; k < N; k++)
		if (live[k] != NULL)
			objpool_put(p, live[k]);
	assert_int_equal(objpool_in_use(p), 0);
	assert_true(objpool_bytes(p) <= CHUNK);
	objpool_free(p);
}

/*
 * A burst fills several chunks; when it is over they go back, but for
 * one spare.  Objects still held keep their chunks (and only those).
 */
static void
test_objpool_release(void **state)
{
	enum { N = 2000 };
	static void *o[N];
	struct objpool *p = objpool_new(OBJ_SIZE, "test");
	size_t i;

	for (i = 0; i < N; i++)
		o[i] = objpool_get(p);
	if (!pooled(p)) {
		/* Sanitizer build: plain calloc/free, no chunks at all. */
		assert_int_equal(objpool_in_use(p), N);
		for (i = 0; i < N; i++)
			objpool_put(p, o[i]);
		assert_int_equal(objpool_in_use(p), 0);
		assert_int_equal(objpool_bytes(p), 0);
		objpool_free(p);
		return;
	}
	/* 2,000 objects of 208 bytes, 314 to a chunk: 7 chunks of 64 KiB. */
	assert_int_equal(objpool_bytes(p), 7 * CHUNK);
	/* Keep every 300th: chunks 0 to 5 keep one or two objects and stay;
	 * chunk 6 drains and stays as the spare. */
	for (i = 0; i < N; i++)
		if (i % 300 != 0)
			objpool_put(p, o[i]);
	assert_int_equal(objpool_in_use(p), 7);
	assert_int_equal(objpool_bytes(p), 7 * CHUNK);
	for (i = 0; i < N; i += 300)
		objpool_put(p, o[i]);
	assert_int_equal(objpool_bytes(p), CHUNK);
	/* The spare serves the next burst's first objects. */
	o[0] = objpool_get(p);
	assert_int_equal(objpool_bytes(p), CHUNK);
	objpool_put(p, o[0]);
	assert_int_equal(objpool_bytes(p), CHUNK);
	objpool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objpool_basic),
		cmocka_unit_test(test_objpool_model),
		cmocka_unit_test(test_objpool_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
