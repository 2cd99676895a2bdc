/*
 * fuzz_cell.c: cell framing and the cell body codecs.  Byte 0 picks
 * narrow (before VERSIONS) or wide circuit ids; the rest is a link byte
 * stream framed cell by cell; every framed body goes through its codec,
 * and what decodes must re-encode to something that decodes the same.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/proto/cell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_body(const struct cell_view *v)
{
	uint16_t vers[VERSIONS_MAX];
	struct cell_netinfo ni, ni2;
	struct cell_create2 c2, c2b;
	struct cell_created2 d2;
	uint8_t pl[CELL_PAYLOAD_LEN];
	size_t n;

	switch (v->cv_cmd) {
	case CELL_VERSIONS:
		if (cell_versions_parse(v->cv_payload, v->cv_len, vers, VERSIONS_MAX,
		    &n) == PARSE_OK && n > VERSIONS_MAX)
			abort();
		break;
	case CELL_NETINFO:
		if (cell_netinfo_parse(v->cv_payload, v->cv_len, &ni) != PARSE_OK)
			break;
		if (cell_netinfo_encode(&ni, pl) != 0 ||
		    cell_netinfo_parse(pl, sizeof(pl), &ni2) != PARSE_OK ||
		    memcmp(&ni, &ni2, sizeof(ni)) != 0)
			abort();
		break;
	case CELL_CREATE2:
		if (cell_create2_parse(v->cv_payload, v->cv_len, &c2) != PARSE_OK)
			break;
		if (cell_create2_encode(pl, sizeof(pl), c2.c2_htype, c2.c2_hdata,
		    c2.c2_hlen) < 0 ||
		    cell_create2_parse(pl, sizeof(pl), &c2b) != PARSE_OK ||
		    c2b.c2_hlen != c2.c2_hlen ||
		    memcmp(c2b.c2_hdata, c2.c2_hdata, c2.c2_hlen) != 0)
			abort();
		break;
	case CELL_CREATED2:
		(void)cell_created2_parse(v->cv_payload, v->cv_len, &d2);
		break;
	case CELL_DESTROY:
		(void)cell_destroy_reason(v->cv_payload, v->cv_len);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cell_view v;
	size_t off, used;
	bool wide;
	int guard;

	if (size < 1)
		return 0;
	wide = data[0] & 1;
	off = 1;
	for (guard = 0; guard < 1000 && off < size; guard++) {
		enum parse_result rc = cell_frame_parse(data + off, size - off, wide,
		    &v, &used);

		if (rc != PARSE_OK)
			break;
		if (used == 0 || used > size - off ||
		    v.cv_payload + v.cv_len > data + off + used)
			abort();
		check_body(&v);
		off += used;
		wide = true;	/* after the first cell, as after VERSIONS */
	}
	return 0;
}
