/* Unit tests for lib/buf and lib/bytes. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/bytes.h"

static void
test_buf_add_drain(void **state)
{
	struct buf b = BUF_INIT;
	uint8_t big[5000];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	buf_add(&b, big, sizeof(big));
	assert_int_equal(buf_len(&b), sizeof(big));
	buf_drain(&b, 1000);
	assert_memory_equal(buf_peek(&b), big + 1000, 4000);
	/* Compaction must keep the live bytes intact. */
	buf_add(&b, big, 3000);
	assert_int_equal(buf_len(&b), 7000);
	assert_memory_equal(buf_peek(&b), big + 1000, 4000);
	assert_memory_equal(buf_peek(&b) + 4000, big, 3000);
	buf_drain(&b, 7000);
	assert_int_equal(buf_len(&b), 0);
	buf_trim(&b);
	assert_null(b.b_data);
}

static void
test_buf_lines(void **state)
{
	struct buf b = BUF_INIT;

	buf_add(&b, "abc", 3);
	assert_int_equal(buf_find_line(&b, 10), 0);
	buf_add(&b, "\r\nxyz", 5);
	assert_int_equal(buf_find_line(&b, 10), 5);
	buf_drain(&b, 5);
	assert_int_equal(buf_find_line(&b, 3), -1);
	buf_free_storage(&b, 1);
}

static void
test_buf_fd(void **state)
{
	struct buf b = BUF_INIT;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	buf_add(&b, "hello", 5);
	assert_int_equal(buf_write_fd(&b, fds[1]), 5);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_read_fd(&b, fds[0], 100), 5);
	assert_memory_equal(buf_peek(&b), "hello", 5);
	close(fds[0]);
	close(fds[1]);
	buf_free_storage(&b, 0);
}

static void
test_bytes_cursor(void **state)
{
	const uint8_t in[] = { 1, 2, 3, 4, 5, 6, 7 };
	uint8_t out[8];
	struct brd r;
	struct bwr w;

	brd_init(&r, in, sizeof(in));
	assert_int_equal(brd_u8(&r), 1);
	assert_int_equal(brd_u16(&r), 0x0203);
	assert_int_equal(brd_u32(&r), 0x04050607);
	assert_false(r.r_err);
	assert_int_equal(brd_u8(&r), 0);
	assert_true(r.r_err);

	bwr_init(&w, out, 7);
	bwr_u8(&w, 1);
	bwr_u16(&w, 0x0203);
	bwr_u32(&w, 0x04050607);
	assert_false(w.w_err);
	assert_memory_equal(out, in, 7);
	bwr_u8(&w, 9);
	assert_true(w.w_err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_add_drain),
		cmocka_unit_test(test_buf_lines),
		cmocka_unit_test(test_buf_fd),
		cmocka_unit_test(test_bytes_cursor),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
