/*
 * cell.c: framing and body codecs for link cells (see cell.h).
 *
 * Entry points: cell_frame_parse() for the link layer's input path,
 * cell_pack_*() for its output path, and the VERSIONS, NETINFO, CREATE2,
 * CREATED2 codecs for the link handshake and the circuit layer.  Reads
 * peer bytes only through lib/bytes.h cursors.
 */
#include "config.h"

#include <string.h>

#include "core/proto/cell.h"
#include "lib/bytes.h"

enum parse_result
cell_frame_parse(const uint8_t *p, size_t len, bool wide_ids,
    struct cell_view *out, size_t *consumed)
{
	size_t idlen = wide_ids ? 4 : 2;
	size_t hdr, plen;
	uint8_t cmd;

	if (len < idlen + 1)
		return PARSE_NEED_MORE;
	cmd = p[idlen];
	if (!cell_command_is_var(cmd)) {
		if (!wide_ids)
			return PARSE_ERROR;
		if (len < CELL_LEN)
			return PARSE_NEED_MORE;
		out->cv_circid = be32_load(p);
		out->cv_cmd = cmd;
		out->cv_var = false;
		out->cv_len = CELL_PAYLOAD_LEN;
		out->cv_payload = p + CELL_HEADER_LEN;
		*consumed = CELL_LEN;
		return PARSE_OK;
	}
	hdr = idlen + 3;
	if (len < hdr)
		return PARSE_NEED_MORE;
	plen = be16_load(p + idlen + 1);
	if (len - hdr < plen)
		return PARSE_NEED_MORE;
	out->cv_circid = wide_ids ? be32_load(p) : be16_load(p);
	out->cv_cmd = cmd;
	out->cv_var = true;
	out->cv_len = (uint16_t)plen;
	out->cv_payload = p + hdr;
	*consumed = hdr + plen;
	return PARSE_OK;
}

int
cell_pack_fixed(uint8_t out[CELL_LEN], uint32_t circid, uint8_t cmd,
    const uint8_t *payload, size_t len)
{
	if (len > CELL_PAYLOAD_LEN)
		return -1;
	cell_pack_header(out, circid, cmd);
	if (len > 0 && payload != out + CELL_HEADER_LEN)
		memmove(out + CELL_HEADER_LEN, payload, len);
	memset(out + CELL_HEADER_LEN + len, 0, CELL_PAYLOAD_LEN - len);
	return 0;
}

size_t
cell_pack_var(uint8_t *out, size_t outlen, bool wide_ids, uint32_t circid,
    uint8_t cmd, const uint8_t *payload, uint16_t len)
{
	struct bwr w;

	bwr_init(&w, out, outlen);
	if (wide_ids)
		bwr_u32(&w, circid);
	else
		bwr_u16(&w, (uint16_t)circid);
	bwr_u8(&w, cmd);
	bwr_u16(&w, len);
	bwr_bytes(&w, payload, len);
	return w.w_err ? 0 : w.w_off;
}

size_t
cell_versions_encode(uint8_t *out, size_t outlen, const uint16_t *versions,
    size_t n)
{
	struct bwr w;
	size_t i;

	if (n == 0 || n > VERSIONS_MAX)
		return 0;
	bwr_init(&w, out, outlen);
	bwr_u16(&w, 0);
	bwr_u8(&w, CELL_VERSIONS);
	bwr_u16(&w, (uint16_t)(2 * n));
	for (i = 0; i < n; i++)
		bwr_u16(&w, versions[i]);
	return w.w_err ? 0 : w.w_off;
}

enum parse_result
cell_versions_parse(const uint8_t *payload, size_t len, uint16_t *versions,
    size_t max, size_t *n)
{
	struct brd r;
	size_t i;

	*n = 0;
	if (len == 0 || len % 2 != 0)
		return PARSE_ERROR;
	brd_init(&r, payload, len);
	for (i = 0; brd_left(&r) > 0; i++) {
		uint16_t v = brd_u16(&r);

		if (i < max)
			versions[(*n)++] = v;
	}
	return r.r_err ? PARSE_ERROR : PARSE_OK;
}

uint16_t
cell_versions_best(const uint16_t *theirs, size_t n_theirs,
    const uint16_t *ours, size_t n_ours)
{
	uint16_t best = 0;
	size_t i, j;

	for (i = 0; i < n_theirs; i++)
		for (j = 0; j < n_ours; j++)
			if (theirs[i] == ours[j] && theirs[i] > best)
				best = theirs[i];
	return best;
}

void
cell_addr_set_ipv4(struct cell_addr *a, const uint8_t ip[4])
{
	memset(a, 0, sizeof(*a));
	a->ca_family = CELL_ADDR_IPV4;
	memcpy(a->ca_addr, ip, 4);
}

void
cell_addr_set_ipv6(struct cell_addr *a, const uint8_t ip[16])
{
	memset(a, 0, sizeof(*a));
	a->ca_family = CELL_ADDR_IPV6;
	memcpy(a->ca_addr, ip, 16);
}

/* NETINFO address: TYPE[1] LEN[1] VALUE[LEN]. */
static void
netinfo_addr_write(struct bwr *w, const struct cell_addr *a)
{
	size_t alen = cell_addr_len(a);

	bwr_u8(w, a->ca_family);
	bwr_u8(w, (uint8_t)alen);
	bwr_bytes(w, a->ca_addr, alen);
}

/* 1 = known address read, 0 = unknown type skipped, -1 = malformed. */
static int
netinfo_addr_read(struct brd *r, struct cell_addr *a)
{
	uint8_t type = brd_u8(r), alen = brd_u8(r);
	const uint8_t *v = brd_ptr(r, alen);

	memset(a, 0, sizeof(*a));
	if (r->r_err)
		return -1;
	if (type == CELL_ADDR_IPV4 || type == CELL_ADDR_IPV6) {
		if (alen != (type == CELL_ADDR_IPV4 ? 4 : 16))
			return -1;
		a->ca_family = type;
		memcpy(a->ca_addr, v, alen);
		return 1;
	}
	return 0;
}

int
cell_netinfo_encode(const struct cell_netinfo *ni,
    uint8_t payload[CELL_PAYLOAD_LEN])
{
	struct bwr w;
	uint8_t i;

	if (ni->ni_n_my > NETINFO_MAX_MY_ADDRS)
		return -1;
	memset(payload, 0, CELL_PAYLOAD_LEN);
	bwr_init(&w, payload, CELL_PAYLOAD_LEN);
	bwr_u32(&w, ni->ni_time);
	netinfo_addr_write(&w, &ni->ni_other);
	bwr_u8(&w, ni->ni_n_my);
	for (i = 0; i < ni->ni_n_my; i++)
		netinfo_addr_write(&w, &ni->ni_my[i]);
	return w.w_err ? -1 : 0;
}

enum parse_result
cell_netinfo_parse(const uint8_t *payload, size_t len, struct cell_netinfo *out)
{
	struct brd r;
	struct cell_addr a;
	uint8_t n, i;
	int rc;

	memset(out, 0, sizeof(*out));
	brd_init(&r, payload, len);
	out->ni_time = brd_u32(&r);
	if (netinfo_addr_read(&r, &out->ni_other) < 0)
		return PARSE_ERROR;
	n = brd_u8(&r);
	if (r.r_err)
		return PARSE_ERROR;
	for (i = 0; i < n; i++) {
		if ((rc = netinfo_addr_read(&r, &a)) < 0)
			return PARSE_ERROR;
		if (rc > 0 && out->ni_n_my < NETINFO_MAX_MY_ADDRS)
			out->ni_my[out->ni_n_my++] = a;
	}
	return PARSE_OK;
}

enum parse_result
cell_create2_parse(const uint8_t *p, size_t len, struct cell_create2 *out)
{
	struct brd r;

	brd_init(&r, p, len);
	out->c2_htype = brd_u16(&r);
	out->c2_hlen = brd_u16(&r);
	out->c2_hdata = brd_ptr(&r, out->c2_hlen);
	return r.r_err ? PARSE_ERROR : PARSE_OK;
}

int
cell_create2_encode(uint8_t *out, size_t outlen, uint16_t htype,
    const uint8_t *hdata, uint16_t hlen)
{
	struct bwr w;

	bwr_init(&w, out, outlen);
	bwr_u16(&w, htype);
	bwr_u16(&w, hlen);
	bwr_bytes(&w, hdata, hlen);
	if (w.w_err)
		return -1;
	memset(out + w.w_off, 0, outlen - w.w_off);
	return (int)w.w_off;
}

enum parse_result
cell_created2_parse(const uint8_t *p, size_t len, struct cell_created2 *out)
{
	struct brd r;

	brd_init(&r, p, len);
	out->cd_hlen = brd_u16(&r);
	out->cd_hdata = brd_ptr(&r, out->cd_hlen);
	return r.r_err ? PARSE_ERROR : PARSE_OK;
}

int
cell_created2_encode(uint8_t *out, size_t outlen, const uint8_t *hdata,
    uint16_t hlen)
{
	struct bwr w;

	bwr_init(&w, out, outlen);
	bwr_u16(&w, hlen);
	bwr_bytes(&w, hdata, hlen);
	if (w.w_err)
		return -1;
	memset(out + w.w_off, 0, outlen - w.w_off);
	return (int)w.w_off;
}

void
cell_pack_destroy(uint8_t out[CELL_LEN], uint32_t circid, uint8_t reason)
{
	cell_pack_header(out, circid, CELL_DESTROY);
	memset(out + CELL_HEADER_LEN, 0, CELL_PAYLOAD_LEN);
	out[CELL_HEADER_LEN] = reason;
}
