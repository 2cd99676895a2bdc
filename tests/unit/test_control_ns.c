/*
 * Unit tests for feature/control/control_ns: the ns/all text cut out of
 * netstatus_format() (all entries, one by fingerprint, by nickname, none),
 * documents built from entries, and refusal of an invalid entry.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feature/control/control_ns.h"
#include "feature/dir/netstatus.h"
#include "lib/buf.h"
#include "lib/util.h"

#define T0	1767225600	/* 2026-01-01 00:00:00 */

static void
entry(struct ns_entry *e, const char *nick, uint8_t id, uint32_t flags, const char *policy)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->e_nickname, sizeof(e->e_nickname), "%s", nick);
	memset(e->e_id, id, sizeof(e->e_id));
	e->e_published = T0;
	e->e_ipv4 = 0x7f000001u + id;
	e->e_or_port = 9001;
	e->e_flags = flags;
	e->e_bandwidth = id;
	assert_int_equal(policy_summary_parse(policy, &e->e_policy), 0);
}

static struct netstatus *
three(void)
{
	struct ns_entry e[3];

	entry(&e[0], "cee", 0xcc, NSF_EXIT | NSF_RUNNING, "accept 443");
	entry(&e[1], "aye", 0x11, NSF_GUARD | NSF_FAST, "reject 1-65535");
	entry(&e[2], "bee", 0x22, NSF_EXIT, "accept 80,443");
	e[2].e_has_ipv6 = true;
	e[2].e_ipv6[15] = 1;
	e[2].e_ipv6_port = 9002;
	return control_ns_from_entries(e, 3, T0);
}

/* The text of s as a NUL-terminated string owned by b. */
static const char *
str(struct buf *b)
{
	buf_add(b, "", 1);
	return (const char *)buf_peek(b);
}

static void
test_format_all(void **state)
{
	struct netstatus *ns = three();
	struct buf b = BUF_INIT;
	const char *s;

	assert_non_null(ns);
	assert_int_equal(control_ns_format(ns, NULL, NULL, &b), 3);
	s = str(&b);
	/* Sorted by identity, entries only: no header, no footer, no signature. */
	assert_non_null(strstr(s, "r aye 1111"));
	assert_true(strstr(s, "r aye") < strstr(s, "r bee"));
	assert_true(strstr(s, "r bee") < strstr(s, "r cee"));
	assert_non_null(strstr(s, "\na [::1]:9002\n"));
	assert_non_null(strstr(s, "\ns Fast Guard\nw 17\np reject 1-65535\n"));
	assert_non_null(strstr(s, "\np accept 80,443\n"));
	assert_null(strstr(s, "network-status-version"));
	assert_null(strstr(s, "directory-footer"));
	assert_null(strstr(s, "dir-source"));
	assert_int_equal(strncmp(s, "r aye ", 6), 0);
	assert_int_equal(s[strlen(s) - 1], '\n');
	buf_free_storage(&b, 0);
	netstatus_free(ns);
}

static void
test_format_filters(void **state)
{
	struct netstatus *ns = three();
	struct buf b = BUF_INIT;
	char fp[65];
	const char *s;

	memset(fp, '2', 64);
	fp[64] = '\0';
	assert_int_equal(control_ns_format(ns, fp, NULL, &b), 1);
	s = str(&b);
	assert_int_equal(strncmp(s, "r bee 2222", 10), 0);
	assert_null(strstr(s, "r aye"));
	assert_null(strstr(s, "r cee"));
	buf_clear(&b);
	/* Lower-case fingerprints match too; an unknown one matches nothing. */
	memset(fp, 'c', 64);
	assert_int_equal(control_ns_format(ns, fp, NULL, &b), 1);
	assert_int_equal(strncmp(str(&b), "r cee CCCC", 10), 0);
	buf_clear(&b);
	memset(fp, 'a', 64);
	assert_int_equal(control_ns_format(ns, fp, NULL, &b), 0);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(control_ns_format(ns, NULL, "cee", &b), 1);
	assert_non_null(strstr(str(&b), "p accept 443"));
	buf_clear(&b);
	assert_int_equal(control_ns_format(ns, NULL, "nobody", &b), 0);
	assert_int_equal(control_ns_format(ns, "", NULL, &b), 0);
	assert_int_equal(buf_len(&b), 0);
	buf_free_storage(&b, 0);
	netstatus_free(ns);
}

static void
test_bad_entry(void **state)
{
	struct ns_entry e[2];

	entry(&e[0], "ok", 0x11, NSF_FAST, "accept 80");
	entry(&e[1], "not a nickname", 0x22, NSF_FAST, "accept 80");
	assert_null(control_ns_from_entries(e, 2, T0));
	entry(&e[1], "ok2", 0x11, NSF_FAST, "accept 80");	/* same identity */
	assert_null(control_ns_from_entries(e, 2, T0));
	/* No entries is a valid (empty) status. */
	{
		struct netstatus *ns = control_ns_from_entries(e, 0, 0);
		struct buf b = BUF_INIT;

		assert_non_null(ns);
		assert_int_equal(control_ns_format(ns, NULL, NULL, &b), 0);
		assert_int_equal(buf_len(&b), 0);
		netstatus_free(ns);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_all),
		cmocka_unit_test(test_format_filters),
		cmocka_unit_test(test_bad_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
