/*
 * Unit tests for lib/tokenbucket: full at the start, refilled at the
 * rate up to the burst, debt after an over-read paid from the next
 * refills, the wait until a given balance, and a long-run check that a
 * reader taking whatever is there moves rate x time plus one burst.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/tokenbucket.h"

static void
test_tokenbucket_refill(void **state)
{
	struct tokenbucket tb;

	tokenbucket_init(&tb, 1000, 4000, 10.0);
	assert_true(tokenbucket_enabled(&tb));
	assert_int_equal(tokenbucket_refill(&tb, 10.0), 4000);
	tokenbucket_take(&tb, 3000);
	assert_int_equal(tokenbucket_refill(&tb, 10.0), 1000);
	assert_int_equal(tokenbucket_refill(&tb, 11.5), 2500);
	/* Never above the burst. */
	assert_int_equal(tokenbucket_refill(&tb, 100.0), 4000);
	/* A clock that goes back changes nothing. */
	assert_int_equal(tokenbucket_refill(&tb, 50.0), 4000);
	/* Over-read: the debt is paid first. */
	tokenbucket_take(&tb, 6000);
	assert_int_equal(tokenbucket_refill(&tb, 100.0), -2000);
	assert_true(tokenbucket_wait(&tb, 1000) > 2.999 && tokenbucket_wait(&tb, 1000) < 3.001);
	assert_int_equal(tokenbucket_refill(&tb, 102.0), 0);
	assert_int_equal(tokenbucket_refill(&tb, 103.0), 1000);
	assert_true(tokenbucket_wait(&tb, 500) == 0);
}

static void
test_tokenbucket_settings(void **state)
{
	struct tokenbucket tb;

	/* No limit. */
	tokenbucket_init(&tb, 0, 0, 0.0);
	assert_false(tokenbucket_enabled(&tb));
	assert_true(tokenbucket_wait(&tb, 1000) == 0);
	/* A burst below a tenth of a second's worth is raised to it. */
	tokenbucket_init(&tb, 100000, 10, 0.0);
	assert_int_equal(tokenbucket_refill(&tb, 0.0), 10000);
	/* A new setting keeps the balance, capped at the new burst. */
	tokenbucket_set(&tb, 1000, 500, 0.0);
	assert_int_equal(tokenbucket_refill(&tb, 0.0), 500);
	tokenbucket_take(&tb, 500);
	tokenbucket_set(&tb, 2000, 8000, 1.0);
	/* Refilled under the old setting up to the change (capped at 500), then at the new rate. */
	assert_int_equal(tokenbucket_refill(&tb, 1.0), 500);
	assert_int_equal(tokenbucket_refill(&tb, 2.0), 2500);
}

/* 100 s of a greedy reader: it moves rate x 100 s plus the burst, no more. */
static void
test_tokenbucket_long_run(void **state)
{
	struct tokenbucket tb;
	uint64_t moved = 0, n;
	double t;
	uint32_t seed = 7;

	tokenbucket_init(&tb, 50000, 100000, 0.0);
	for (t = 0; t < 100.0; t += 0.001) {
		int64_t avail = tokenbucket_refill(&tb, t);

		if (avail <= 0)
			continue;
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % 20000;	/* what a read happens to bring */
		tokenbucket_take(&tb, n);
		moved += n;
	}
	/* At most rate x time + burst + one read's overshoot; at least rate x time - one read. */
	assert_true(moved <= 50000 * 100 + 100000 + 20000);
	assert_true(moved >= 50000 * 100 - 20000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokenbucket_refill),
		cmocka_unit_test(test_tokenbucket_settings),
		cmocka_unit_test(test_tokenbucket_long_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
