/*
 * fuzz_relay_msg.c: relay header unpacking and every relay body codec.
 * Byte 0 picks the body; the rest is the body (at most 498 bytes, as in
 * a cell).  What decodes is re-encoded and must decode the same.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/proto/relay_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_begin(const uint8_t *d, size_t n)
{
	struct relay_begin b, b2;
	uint8_t out[RELAY_DATA_MAX];
	int len;

	if (relay_begin_parse(d, n, &b) != PARSE_OK)
		return;
	if (b.rb_port == 0 || strlen(b.rb_host) == 0 || strlen(b.rb_host) > RELAY_HOST_MAX)
		abort();
	len = relay_begin_encode(out, sizeof(out), b.rb_host, b.rb_port, b.rb_flags);
	if (len < 0 || relay_begin_parse(out, (size_t)len, &b2) != PARSE_OK ||
	    strcmp(b.rb_host, b2.rb_host) != 0 || b.rb_port != b2.rb_port ||
	    b.rb_flags != b2.rb_flags || b.rb_host_type != b2.rb_host_type)
		abort();
}

static void
fuzz_connected(const uint8_t *d, size_t n)
{
	struct relay_connected c, c2;
	uint8_t out[64];
	int len;

	if (relay_connected_parse(d, n, &c) != PARSE_OK)
		return;
	len = relay_connected_encode(out, sizeof(out), &c);
	if (len < 0 || relay_connected_parse(out, (size_t)len, &c2) != PARSE_OK ||
	    memcmp(&c, &c2, sizeof(c)) != 0)
		abort();
}

static void
fuzz_end(const uint8_t *d, size_t n)
{
	struct relay_end e, e2;
	uint8_t out[64];
	int len;

	if (relay_end_parse(d, n, &e) != PARSE_OK)
		return;
	len = relay_end_encode(out, sizeof(out), &e);
	if (len < 1 || relay_end_parse(out, (size_t)len, &e2) != PARSE_OK ||
	    memcmp(&e, &e2, sizeof(e)) != 0)
		abort();
}

static void
fuzz_extend2(const uint8_t *d, size_t n)
{
	struct relay_extend2 e, e2;
	uint8_t out[RELAY_DATA_MAX + 64];
	int len;

	if (relay_extend2_parse(d, n, &e) != PARSE_OK)
		return;
	e.e2_has_legacy_id = false;	/* accepted, never re-sent */
	len = relay_extend2_encode(out, sizeof(out), &e);
	if (len < 0 || relay_extend2_parse(out, (size_t)len, &e2) != PARSE_OK ||
	    e.e2_has_ipv4 != e2.e2_has_ipv4 || e.e2_has_ipv6 != e2.e2_has_ipv6 ||
	    e.e2_has_ed25519 != e2.e2_has_ed25519 ||
	    memcmp(e.e2_ed25519, e2.e2_ed25519, ED25519_ID_LEN) != 0 ||
	    e.e2_create.c2_hlen != e2.e2_create.c2_hlen ||
	    memcmp(e.e2_create.c2_hdata, e2.e2_create.c2_hdata,
	    e.e2_create.c2_hlen) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pl[CELL_PAYLOAD_LEN];
	char host[RELAY_HOST_MAX + 1];
	struct relay_header h;
	struct relay_resolved rr;
	struct relay_sendme s;
	struct cell_created2 c2;
	const uint8_t *d, *body;
	size_t n;

	if (size < 1)
		return 0;
	d = data + 1;
	n = size - 1;
	if (n > RELAY_DATA_MAX)
		n = RELAY_DATA_MAX;

	/* The header over a whole payload. */
	memset(pl, 0, sizeof(pl));
	memcpy(pl, d, n);
	if (relay_msg_unpack(pl, &h, &body) == PARSE_OK &&
	    (h.rh_length > RELAY_DATA_MAX || body != pl + RELAY_HEADER_LEN))
		abort();
	(void)relay_command_name(h.rh_cmd);

	switch (data[0] % 8) {
	case 0: fuzz_begin(d, n); break;
	case 1: fuzz_connected(d, n); break;
	case 2: fuzz_end(d, n); break;
	case 3:
		if (relay_resolved_parse(d, n, &rr) == PARSE_OK &&
		    rr.rr_n > RESOLVED_MAX_ANSWERS)
			abort();
		break;
	case 4: (void)relay_sendme_parse(d, n, &s); break;
	case 5: fuzz_extend2(d, n); break;
	case 6: (void)cell_created2_parse(d, n, &c2); break;
	default:
		if (relay_resolve_parse(d, n, host) == PARSE_OK &&
		    strlen(host) > RELAY_HOST_MAX)
			abort();
		break;
	}
	return 0;
}
