/* Unit tests for core/proto/cell: framing, packing, body codecs. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto/cell.h"

static void
test_frame_fixed(void **state)
{
	uint8_t buf[2 * CELL_LEN + 3];
	struct cell_view v;
	size_t used, i;

	memset(buf, 0, sizeof(buf));
	/* circ 0x80000001, RELAY, payload byte 0 = 0xAB, last = 0xCD */
	buf[0] = 0x80; buf[3] = 0x01; buf[4] = CELL_RELAY;
	buf[5] = 0xAB; buf[CELL_LEN - 1] = 0xCD;
	buf[CELL_LEN + 3] = 0x07; buf[CELL_LEN + 4] = CELL_DESTROY;
	buf[CELL_LEN + 5] = DESTROY_REASON_FINISHED;

	/* Every prefix shorter than one cell needs more. */
	for (i = 0; i < CELL_LEN; i++)
		assert_int_equal(cell_frame_parse(buf, i, true, &v, &used),
		    PARSE_NEED_MORE);
	assert_int_equal(cell_frame_parse(buf, sizeof(buf), true, &v, &used), PARSE_OK);
	assert_int_equal(used, CELL_LEN);
	assert_int_equal(v.cv_circid, 0x80000001u);
	assert_int_equal(v.cv_cmd, CELL_RELAY);
	assert_false(v.cv_var);
	assert_int_equal(v.cv_len, CELL_PAYLOAD_LEN);
	assert_ptr_equal(v.cv_payload, buf + 5);	/* a view, no copy */
	assert_int_equal(v.cv_payload[CELL_PAYLOAD_LEN - 1], 0xCD);
	assert_true(circid_is_initiator_side(v.cv_circid));

	assert_int_equal(cell_frame_parse(buf + used, sizeof(buf) - used, true, &v,
	    &used), PARSE_OK);
	assert_int_equal(v.cv_circid, 7);
	assert_int_equal(v.cv_cmd, CELL_DESTROY);
	assert_int_equal(cell_destroy_reason(v.cv_payload, v.cv_len),
	    DESTROY_REASON_FINISHED);
	assert_false(circid_is_initiator_side(v.cv_circid));
	/* Fixed cells cannot be framed before VERSIONS. */
	assert_int_equal(cell_frame_parse(buf, sizeof(buf), false, &v, &used),
	    PARSE_ERROR);
}

static void
test_versions(void **state)
{
	static const uint8_t golden[] = { 0x00, 0x00, 0x07, 0x00, 0x04,
	    0x00, 0x04, 0x00, 0x05 };
	static const uint16_t ours[] = { 4, 5 };
	uint8_t buf[64];
	uint16_t got[VERSIONS_MAX];
	struct cell_view v;
	size_t n, used, i;

	n = cell_versions_encode(buf, sizeof(buf), ours, 2);
	assert_int_equal(n, sizeof(golden));
	assert_memory_equal(buf, golden, sizeof(golden));
	assert_int_equal(cell_versions_encode(buf, 8, ours, 2), 0);

	for (i = 0; i < sizeof(golden); i++)
		assert_int_equal(cell_frame_parse(golden, i, false, &v, &used),
		    PARSE_NEED_MORE);
	assert_int_equal(cell_frame_parse(golden, sizeof(golden), false, &v, &used),
	    PARSE_OK);
	assert_int_equal(used, sizeof(golden));
	assert_true(v.cv_var);
	assert_int_equal(v.cv_cmd, CELL_VERSIONS);
	assert_int_equal(v.cv_len, 4);
	assert_int_equal(cell_versions_parse(v.cv_payload, v.cv_len, got,
	    VERSIONS_MAX, &n), PARSE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], 4);
	assert_int_equal(got[1], 5);
	assert_int_equal(cell_versions_best(got, n, ours, 2), 5);

	{
		static const uint16_t old[] = { 1, 2, 3 };
		static const uint16_t mixed[] = { 3, 4, 9 };

		assert_int_equal(cell_versions_best(old, 3, ours, 2), 0);
		assert_int_equal(cell_versions_best(mixed, 3, ours, 2), 4);
	}
	assert_int_equal(cell_versions_parse(golden + 5, 3, got, VERSIONS_MAX, &n),
	    PARSE_ERROR);
	assert_int_equal(cell_versions_parse(golden + 5, 0, got, VERSIONS_MAX, &n),
	    PARSE_ERROR);
	/* max bounds what is stored. */
	assert_int_equal(cell_versions_parse(golden + 5, 4, got, 1, &n), PARSE_OK);
	assert_int_equal(n, 1);
}

static void
test_var_wide(void **state)
{
	static const uint8_t pl[3] = { 1, 2, 3 };
	static const uint8_t golden[] = { 0x80, 0x00, 0x00, 0x02, 0x80,
	    0x00, 0x03, 1, 2, 3 };
	uint8_t buf[32];
	struct cell_view v;
	size_t n, used;

	n = cell_pack_var(buf, sizeof(buf), true, 0x80000002u, CELL_VPADDING, pl, 3);
	assert_int_equal(n, sizeof(golden));
	assert_memory_equal(buf, golden, n);
	assert_int_equal(cell_frame_parse(buf, n, true, &v, &used), PARSE_OK);
	assert_int_equal(v.cv_circid, 0x80000002u);
	assert_int_equal(v.cv_len, 3);
	assert_memory_equal(v.cv_payload, pl, 3);
	assert_int_equal(cell_frame_parse(buf, n - 1, true, &v, &used),
	    PARSE_NEED_MORE);
	assert_int_equal(cell_pack_var(buf, 9, true, 1, CELL_VPADDING, pl, 3), 0);
	/* Narrow ids (before VERSIONS). */
	n = cell_pack_var(buf, sizeof(buf), false, 0, CELL_CERTS, pl, 3);
	assert_int_equal(n, 8);
	assert_int_equal(cell_frame_parse(buf, n, false, &v, &used), PARSE_OK);
	assert_int_equal(v.cv_cmd, CELL_CERTS);
	assert_int_equal(used, 8);
}

static void
test_pack_fixed(void **state)
{
	uint8_t cell[CELL_LEN], pl[CELL_PAYLOAD_LEN + 1];
	size_t i;

	memset(cell, 0xEE, sizeof(cell));
	memset(pl, 0x11, sizeof(pl));
	assert_int_equal(cell_pack_fixed(cell, 0x01020304, CELL_CREATE2, pl, 3), 0);
	assert_int_equal(cell[0], 1);
	assert_int_equal(cell[3], 4);
	assert_int_equal(cell[4], CELL_CREATE2);
	assert_memory_equal(cell + 5, pl, 3);
	for (i = 8; i < CELL_LEN; i++)
		assert_int_equal(cell[i], 0);
	assert_int_equal(cell_pack_fixed(cell, 1, CELL_RELAY, pl, CELL_PAYLOAD_LEN + 1), -1);
	/* In-place payload. */
	memset(cell + 5, 0x22, CELL_PAYLOAD_LEN);
	assert_int_equal(cell_pack_fixed(cell, 9, CELL_RELAY, cell + 5, CELL_PAYLOAD_LEN), 0);
	assert_int_equal(cell[5 + 508], 0x22);

	cell_pack_destroy(cell, 0x80000005u, DESTROY_REASON_DESTROYED);
	assert_int_equal(cell[4], CELL_DESTROY);
	assert_int_equal(cell[5], 11);
	assert_int_equal(cell[6], 0);
}

static void
test_netinfo(void **state)
{
	static const uint8_t golden[] = {
		0x65, 0x00, 0x00, 0x01,			/* time */
		0x04, 0x04, 127, 1, 0, 1,		/* other = 127.1.0.1 */
		0x02,					/* 2 my addrs */
		0x04, 0x04, 127, 2, 0, 1,
		0x06, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 1,
	};
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t ip1[4] = { 127, 1, 0, 1 }, ip2[4] = { 127, 2, 0, 1 };
	struct cell_netinfo ni, got;
	uint8_t pl[CELL_PAYLOAD_LEN];
	size_t i;

	memset(&ni, 0, sizeof(ni));
	ni.ni_time = 0x65000001;
	cell_addr_set_ipv4(&ni.ni_other, ip1);
	ni.ni_n_my = 2;
	cell_addr_set_ipv4(&ni.ni_my[0], ip2);
	cell_addr_set_ipv6(&ni.ni_my[1], v6);
	assert_int_equal(cell_netinfo_encode(&ni, pl), 0);
	assert_memory_equal(pl, golden, sizeof(golden));
	for (i = sizeof(golden); i < sizeof(pl); i++)
		assert_int_equal(pl[i], 0);

	assert_int_equal(cell_netinfo_parse(pl, sizeof(pl), &got), PARSE_OK);
	assert_memory_equal(&got, &ni, sizeof(ni));
	/* Truncated: error. */
	assert_int_equal(cell_netinfo_parse(golden, sizeof(golden) - 1, &got), PARSE_ERROR);
	assert_int_equal(cell_netinfo_parse(golden, 3, &got), PARSE_ERROR);
	/* Wrong length for a known type: error.  Unknown type: skipped. */
	{
		uint8_t bad[] = { 0, 0, 0, 0, 0x04, 0x03, 1, 2, 3, 0 };
		uint8_t unk[] = { 0, 0, 0, 0, 0x09, 0x02, 1, 2, 1, 0x07, 0x01, 0xFF };

		assert_int_equal(cell_netinfo_parse(bad, sizeof(bad), &got), PARSE_ERROR);
		assert_int_equal(cell_netinfo_parse(unk, sizeof(unk), &got), PARSE_OK);
		assert_int_equal(got.ni_other.ca_family, CELL_ADDR_NONE);
		assert_int_equal(got.ni_n_my, 0);
	}
	ni.ni_n_my = NETINFO_MAX_MY_ADDRS + 1;
	assert_int_equal(cell_netinfo_encode(&ni, pl), -1);
}

static void
test_create2(void **state)
{
	uint8_t hdata[84], pl[CELL_PAYLOAD_LEN];
	struct cell_create2 c;
	struct cell_created2 d;
	size_t i;

	for (i = 0; i < sizeof(hdata); i++)
		hdata[i] = (uint8_t)i;
	memset(pl, 0xEE, sizeof(pl));
	assert_int_equal(cell_create2_encode(pl, sizeof(pl), CREATE2_HTYPE_NTOR,
	    hdata, 84), 88);
	assert_int_equal(pl[0], 0x00);
	assert_int_equal(pl[1], 0x02);
	assert_int_equal(pl[2], 0x00);
	assert_int_equal(pl[3], 84);
	assert_int_equal(pl[88], 0);
	assert_int_equal(pl[508], 0);
	assert_int_equal(cell_create2_parse(pl, sizeof(pl), &c), PARSE_OK);
	assert_int_equal(c.c2_htype, CREATE2_HTYPE_NTOR);
	assert_int_equal(c.c2_hlen, 84);
	assert_ptr_equal(c.c2_hdata, pl + 4);
	/* HLEN overrunning the payload. */
	pl[2] = 0x01; pl[3] = 0xFF;
	assert_int_equal(cell_create2_parse(pl, sizeof(pl), &c), PARSE_ERROR);
	assert_int_equal(cell_create2_parse(pl, 3, &c), PARSE_ERROR);
	assert_int_equal(cell_create2_encode(pl, 80, 2, hdata, 84), -1);

	assert_int_equal(cell_created2_encode(pl, sizeof(pl), hdata, 64), 66);
	assert_int_equal(cell_created2_parse(pl, sizeof(pl), &d), PARSE_OK);
	assert_int_equal(d.cd_hlen, 64);
	assert_memory_equal(d.cd_hdata, hdata, 64);
	assert_int_equal(cell_created2_parse(pl, 65, &d), PARSE_ERROR);
}

static void
test_circid_rule(void **state)
{
	assert_true(circid_is_valid_for(0x80000000u, true));
	assert_false(circid_is_valid_for(0x80000000u, false));
	assert_true(circid_is_valid_for(1, false));
	assert_false(circid_is_valid_for(1, true));
	assert_false(circid_is_valid_for(0, false));
	assert_false(circid_is_valid_for(0, true));
	assert_true(cell_command_is_var(CELL_VERSIONS));
	assert_true(cell_command_is_var(CELL_VPADDING));
	assert_true(cell_command_is_var(255));
	assert_false(cell_command_is_var(CELL_NETINFO));
	assert_false(cell_command_is_var(127));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_fixed),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_var_wide),
		cmocka_unit_test(test_pack_fixed),
		cmocka_unit_test(test_netinfo),
		cmocka_unit_test(test_create2),
		cmocka_unit_test(test_circid_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
