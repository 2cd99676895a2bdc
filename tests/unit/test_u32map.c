/* Unit tests for lib/u32map, checked against a plain array model. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/u32map.h"
#include "lib/util.h"

#define N 4096

static void
test_u32map_model(void **state)
{
	static void *model[N];
	struct u32map *m = u32map_new();
	uint32_t seed = 12345;
	size_t i, count = 0, pos = 0, seen = 0;
	void *v;

	for (i = 0; i < 200000; i++) {
		uint32_t key, op;

		seed = seed * 1103515245u + 12345u;
		key = 1 + (seed >> 8) % (N - 1);
		op = (seed >> 4) & 3;
		if (op < 2) {
			if (model[key] == NULL)
				count++;
			model[key] = (void *)(uintptr_t)(key * 2 + 1);
			u32map_put(m, key, model[key]);
		} else if (op == 2) {
			v = u32map_remove(m, key);
			assert_ptr_equal(v, model[key]);
			if (model[key] != NULL)
				count--;
			model[key] = NULL;
		} else {
			assert_ptr_equal(u32map_get(m, key), model[key]);
		}
		assert_int_equal(u32map_count(m), count);
	}
	while ((v = u32map_next(m, &pos, NULL)) != NULL)
		seen++;
	assert_int_equal(seen, count);
	for (i = 1; i < N; i++)
		assert_ptr_equal(u32map_get(m, (uint32_t)i), model[i]);
	u32map_free(m);
	assert_null(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32map_model),
	};

	return cmocka_run_group_tests_name("u32map", tests, NULL, NULL);
}
