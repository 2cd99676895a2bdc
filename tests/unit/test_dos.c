/* Unit tests for core/or/dos: the per-address CREATE2 token buckets. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/or/dos.h"
#include "lib/addr.h"
#include "lib/log.h"

static struct addr
ip(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse_ip(s, &a), 0);
	return a;
}

/* How many of n CREATE2 at time t pass. */
static int
allowed(const struct addr *a, int n, double t)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += dos_create_allow(a, t);
	return ok;
}

static int
teardown(void **state)
{
	dos_shutdown();
	return 0;
}

static void
test_burst_then_rate(void **state)
{
	struct addr a = ip("192.0.2.1");
	uint64_t refused0 = dos_create_refused();

	dos_create_configure(2, 10);
	assert_int_equal(allowed(&a, 50, 100.0), 10);
	assert_int_equal(dos_create_refused() - refused0, 40);
	/* 2 per second come back, never more than the burst. */
	assert_int_equal(allowed(&a, 50, 101.0), 2);
	assert_int_equal(allowed(&a, 50, 101.5), 1);
	assert_int_equal(allowed(&a, 50, 1000.0), 10);
	/* A clock going backwards earns nothing. */
	assert_int_equal(allowed(&a, 5, 900.0), 0);
}

static void
test_per_address(void **state)
{
	struct addr a = ip("192.0.2.1"), b = ip("192.0.2.2");
	struct addr v6a = ip("2001:db8:1:2::1"), v6b = ip("2001:db8:1:2:ffff::9");
	struct addr v6c = ip("2001:db8:1:3::1");

	dos_create_configure(1, 5);
	assert_int_equal(allowed(&a, 20, 10.0), 5);
	assert_int_equal(allowed(&b, 20, 10.0), 5);
	/* One IPv6 /64 is one client; the next /64 is another. */
	assert_int_equal(allowed(&v6a, 3, 10.0), 3);
	assert_int_equal(allowed(&v6b, 20, 10.0), 2);
	assert_int_equal(allowed(&v6c, 20, 10.0), 5);
	assert_int_equal(dos_create_tracked(), 4);
}

static void
test_unlimited(void **state)
{
	struct addr a = ip("198.51.100.7");

	dos_create_configure(0, 1);
	assert_int_equal(allowed(&a, 10000, 1.0), 10000);
	assert_int_equal(dos_create_tracked(), 0);
}

/* Many addresses: the table grows, and full buckets are swept. */
static void
test_many_addresses(void **state)
{
	struct addr a;
	char s[32];
	int i;

	dos_create_configure(10, 3);
	for (i = 0; i < 20000; i++) {
		snprintf(s, sizeof(s), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		a = ip(s);
		assert_true(dos_create_allow(&a, 5.0));
	}
	assert_int_equal(dos_create_tracked(), 20000);
	/* Every bucket has refilled by t = 10: new arrivals sweep them. */
	for (i = 0; i < 20000; i++) {
		snprintf(s, sizeof(s), "172.16.%d.%d", (i >> 8) & 255, i & 255);
		a = ip(s);
		assert_true(dos_create_allow(&a, 10.0));
	}
	assert_true(dos_create_tracked() < 40000);
	/* Still exact for an address flooding now. */
	a = ip("10.0.0.1");
	assert_int_equal(allowed(&a, 10, 10.0), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_burst_then_rate, teardown),
		cmocka_unit_test_teardown(test_per_address, teardown),
		cmocka_unit_test_teardown(test_unlimited, teardown),
		cmocka_unit_test_teardown(test_many_addresses, teardown),
	};

	log_set_level(LL_ERR);
	return cmocka_run_group_tests_name("dos", tests, NULL, NULL);
}
