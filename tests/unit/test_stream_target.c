/*
 * Unit test for stream_set_target(): "host:port" (or a bare name for a
 * resolve), short ones from the pool of small strings and long ones from
 * the heap; setting it again releases the old string (ASan and
 * LeakSanitizer watch this test), and stream_forget() releases the last.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/or/stream.h"

static void
test_stream_target(void **state)
{
	static struct stream s;
	char longname[256];

	stream_set_target(&s, "example.com", 443);
	assert_string_equal(s.s_target, "example.com:443");
	assert_true(s.s_target_pooled);
	stream_set_target(&s, "www.example.org", -1);	/* a resolve: no port */
	assert_string_equal(s.s_target, "www.example.org");
	/* 41 characters, ":65535" and the NUL: the largest the pool takes. */
	memset(longname, 'a', 41);
	longname[41] = '\0';
	stream_set_target(&s, longname, 65535);
	assert_int_equal(strlen(s.s_target), 47);
	assert_true(s.s_target_pooled);
	stream_set_target(&s, longname, 0);
	assert_string_equal(s.s_target + 41, ":0");
	/* One more character and it goes to the heap. */
	longname[41] = 'a';
	longname[42] = '\0';
	stream_set_target(&s, longname, 65535);
	assert_int_equal(strlen(s.s_target), 48);
	assert_false(s.s_target_pooled);
	memset(longname, 'b', 255);
	longname[255] = '\0';
	stream_set_target(&s, longname, 80);
	assert_int_equal(strlen(s.s_target), 258);
	assert_string_equal(s.s_target + 255, ":80");
	stream_set_target(&s, "127.0.0.1", 9);
	assert_string_equal(s.s_target, "127.0.0.1:9");
	stream_forget(&s);
	assert_null(s.s_target);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
