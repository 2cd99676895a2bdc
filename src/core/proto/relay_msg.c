/*
 * relay_msg.c: relay header packing, padding, and relay message bodies
 * (see relay_msg.h).
 *
 * Callers: the relay-cell switch (parses what arrives on a circuit), the
 * client stream code (BEGIN, RESOLVE out; CONNECTED, END, RESOLVED in),
 * the exit (the reverse), and circuit extension (EXTEND2 / EXTENDED2).
 * All peer bytes are read through lib/bytes.h cursors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/types.h>
#include <string.h>

#include "core/proto/relay_msg.h"
#include "lib/bytes.h"
#include "lib/util.h"

void
relay_msg_pad(uint8_t payload[CELL_PAYLOAD_LEN], size_t len,
    relay_rand_fn rand_fn)
{
	size_t off = RELAY_HEADER_LEN + len, zeros;

	if (off >= CELL_PAYLOAD_LEN)
		return;
	zeros = MIN(CELL_PAYLOAD_LEN - off, RELAY_PAD_ZERO_LEN);
	memset(payload + off, 0, zeros);
	off += zeros;
	if (off >= CELL_PAYLOAD_LEN)
		return;
	if (rand_fn != NULL)
		rand_fn(payload + off, CELL_PAYLOAD_LEN - off);
	else
		memset(payload + off, 0, CELL_PAYLOAD_LEN - off);
}

int
relay_msg_pack(uint8_t payload[CELL_PAYLOAD_LEN], uint8_t cmd,
    uint16_t stream_id, const uint8_t *data, size_t len, relay_rand_fn rand_fn)
{
	struct relay_header h = { cmd, 0, stream_id, 0, (uint16_t)len };

	if (len > RELAY_DATA_MAX)
		return -1;
	if (len > 0 && data != payload + RELAY_HEADER_LEN)
		memmove(payload + RELAY_HEADER_LEN, data, len);
	relay_header_pack(payload, &h);
	relay_msg_pad(payload, len, rand_fn);
	return 0;
}

bool
relay_command_needs_stream(uint8_t cmd)
{
	switch (cmd) {
	case RELAY_BEGIN: case RELAY_DATA: case RELAY_END:
	case RELAY_CONNECTED: case RELAY_RESOLVE: case RELAY_RESOLVED:
	case RELAY_BEGIN_DIR:
		return true;
	default:
		return false;
	}
}

const char *
relay_command_name(uint8_t cmd)
{
	static const char *const names[] = {
		[RELAY_BEGIN] = "BEGIN", [RELAY_DATA] = "DATA",
		[RELAY_END] = "END", [RELAY_CONNECTED] = "CONNECTED",
		[RELAY_SENDME] = "SENDME", [RELAY_EXTEND] = "EXTEND",
		[RELAY_EXTENDED] = "EXTENDED", [RELAY_TRUNCATE] = "TRUNCATE",
		[RELAY_TRUNCATED] = "TRUNCATED", [RELAY_DROP] = "DROP",
		[RELAY_RESOLVE] = "RESOLVE", [RELAY_RESOLVED] = "RESOLVED",
		[RELAY_BEGIN_DIR] = "BEGIN_DIR", [RELAY_EXTEND2] = "EXTEND2",
		[RELAY_EXTENDED2] = "EXTENDED2", [RELAY_XOFF] = "XOFF",
		[RELAY_XON] = "XON",
	};

	if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd] != NULL)
		return names[cmd];
	return "UNKNOWN";
}

/* ---- hosts and ports ------------------------------------------------- */

static bool
host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int
relay_host_check(const char *host, size_t len, uint8_t *type,
    struct cell_addr *addr)
{
	char tmp[RELAY_HOST_MAX + 1];
	size_t i;

	memset(addr, 0, sizeof(*addr));
	if (len == 0 || len > RELAY_HOST_MAX)
		return -1;
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return -1;
		memcpy(tmp, host + 1, len - 2);
		tmp[len - 2] = '\0';
		if (inet_pton(AF_INET6, tmp, addr->ca_addr) != 1)
			return -1;
		addr->ca_family = CELL_ADDR_IPV6;
		*type = RELAY_HOST_IPV6;
		return 0;
	}
	for (i = 0; i < len; i++)
		if (!host_char_ok(host[i]))
			return -1;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, addr->ca_addr) == 1) {
		addr->ca_family = CELL_ADDR_IPV4;
		*type = RELAY_HOST_IPV4;
		return 0;
	}
	*type = RELAY_HOST_NAME;
	return 0;
}

/* Strict decimal port 1..65535: digits only. */
static int
port_parse(const char *s, size_t len, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Find the NUL terminating a string at the start of data; -1 if none. */
static ssize_t
find_nul(const uint8_t *data, size_t len)
{
	const uint8_t *z = memchr(data, 0, len);

	return z == NULL ? -1 : (ssize_t)(z - data);
}

enum parse_result
relay_begin_parse(const uint8_t *data, size_t len, struct relay_begin *out)
{
	const char *s = (const char *)data;
	const char *colon;
	ssize_t n;
	size_t hlen, i;
	struct brd r;

	memset(out, 0, sizeof(*out));
	if ((n = find_nul(data, len)) < 0)
		return PARSE_ERROR;
	colon = memrchr(s, ':', (size_t)n);
	if (colon == NULL)
		return PARSE_ERROR;
	hlen = (size_t)(colon - s);
	if (port_parse(colon + 1, (size_t)n - hlen - 1, &out->rb_port) < 0)
		return PARSE_ERROR;
	if (relay_host_check(s, hlen, &out->rb_host_type, &out->rb_addr) < 0)
		return PARSE_ERROR;
	if (out->rb_host_type == RELAY_HOST_IPV6) {
		memcpy(out->rb_host, s + 1, hlen - 2);
	} else {
		for (i = 0; i < hlen; i++) {
			char c = s[i];

			out->rb_host[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
	}
	brd_init(&r, data + n + 1, len - (size_t)n - 1);
	if (brd_left(&r) >= 4)
		out->rb_flags = brd_u32(&r);
	return PARSE_OK;
}

int
relay_begin_encode(uint8_t *out, size_t outlen, const char *host,
    uint16_t port, uint32_t flags)
{
	char buf[RELAY_HOST_MAX + 1];
	struct cell_addr a;
	struct bwr w;
	uint8_t type;
	size_t hlen = strlen(host);
	char pbuf[8];
	int plen;

	if (hlen > 0 && host[0] != '[' && memchr(host, ':', hlen) != NULL) {
		if (hlen + 2 > RELAY_HOST_MAX)
			return -1;
		buf[0] = '[';
		memcpy(buf + 1, host, hlen);
		buf[hlen + 1] = ']';
		hlen += 2;
		host = buf;
	}
	if (port == 0 || relay_host_check(host, hlen, &type, &a) < 0)
		return -1;
	plen = snprintf(pbuf, sizeof(pbuf), ":%u", (unsigned)port);
	bwr_init(&w, out, outlen);
	bwr_bytes(&w, host, hlen);
	bwr_bytes(&w, pbuf, (size_t)plen);
	bwr_u8(&w, 0);
	if (flags != 0)
		bwr_u32(&w, flags);
	return w.w_err ? -1 : (int)w.w_off;
}

enum parse_result
relay_resolve_parse(const uint8_t *data, size_t len, char *out)
{
	struct cell_addr a;
	uint8_t type;
	ssize_t n;

	out[0] = '\0';
	if ((n = find_nul(data, len)) < 0)
		return PARSE_ERROR;
	if (relay_host_check((const char *)data, (size_t)n, &type, &a) < 0)
		return PARSE_ERROR;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	return PARSE_OK;
}

int
relay_resolve_encode(uint8_t *out, size_t outlen, const char *host)
{
	struct cell_addr a;
	struct bwr w;
	uint8_t type;
	size_t hlen = strlen(host);

	if (relay_host_check(host, hlen, &type, &a) < 0)
		return -1;
	bwr_init(&w, out, outlen);
	bwr_bytes(&w, host, hlen);
	bwr_u8(&w, 0);
	return w.w_err ? -1 : (int)w.w_off;
}

/* ---- CONNECTED, END ------------------------------------------------- */

enum parse_result
relay_connected_parse(const uint8_t *data, size_t len,
    struct relay_connected *out)
{
	static const uint8_t zero4[4];
	struct brd r;
	uint8_t ip[16];

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return PARSE_OK;
	brd_init(&r, data, len);
	brd_bytes(&r, ip, 4);
	if (r.r_err)
		return PARSE_ERROR;
	if (memcmp(ip, zero4, 4) != 0) {
		cell_addr_set_ipv4(&out->rc_addr, ip);
	} else {
		if (brd_u8(&r) != CELL_ADDR_IPV6)
			return PARSE_ERROR;
		brd_bytes(&r, ip, 16);
		cell_addr_set_ipv6(&out->rc_addr, ip);
	}
	out->rc_ttl = brd_u32(&r);
	return r.r_err ? PARSE_ERROR : PARSE_OK;
}

int
relay_connected_encode(uint8_t *out, size_t outlen,
    const struct relay_connected *c)
{
	struct bwr w;

	bwr_init(&w, out, outlen);
	switch (c->rc_addr.ca_family) {
	case CELL_ADDR_NONE:
		return 0;
	case CELL_ADDR_IPV4:
		bwr_bytes(&w, c->rc_addr.ca_addr, 4);
		break;
	case CELL_ADDR_IPV6:
		bwr_u32(&w, 0);
		bwr_u8(&w, CELL_ADDR_IPV6);
		bwr_bytes(&w, c->rc_addr.ca_addr, 16);
		break;
	default:
		return -1;
	}
	bwr_u32(&w, c->rc_ttl);
	return w.w_err ? -1 : (int)w.w_off;
}

enum parse_result
relay_end_parse(const uint8_t *data, size_t len, struct relay_end *out)
{
	struct brd r;

	memset(out, 0, sizeof(*out));
	out->re_reason = END_REASON_MISC;
	if (len == 0)
		return PARSE_OK;
	brd_init(&r, data, len);
	out->re_reason = brd_u8(&r);
	if (out->re_reason != END_REASON_EXITPOLICY)
		return PARSE_OK;
	/* Address forms as Tor sends them; anything else carries none. */
	if (len == 1 + 4 + 4) {
		cell_addr_set_ipv4(&out->re_addr, brd_ptr(&r, 4));
		out->re_ttl = brd_u32(&r);
	} else if (len == 1 + 16 + 4) {
		cell_addr_set_ipv6(&out->re_addr, brd_ptr(&r, 16));
		out->re_ttl = brd_u32(&r);
	}
	return PARSE_OK;
}

int
relay_end_encode(uint8_t *out, size_t outlen, const struct relay_end *e)
{
	struct bwr w;
	size_t alen = cell_addr_len(&e->re_addr);

	bwr_init(&w, out, outlen);
	bwr_u8(&w, e->re_reason);
	if (e->re_reason == END_REASON_EXITPOLICY && alen > 0) {
		bwr_bytes(&w, e->re_addr.ca_addr, alen);
		bwr_u32(&w, e->re_ttl);
	}
	return w.w_err ? -1 : (int)w.w_off;
}

/* ---- RESOLVED ------------------------------------------------------- */

enum parse_result
relay_resolved_parse(const uint8_t *data, size_t len,
    struct relay_resolved *out)
{
	struct relay_resolved_answer a;
	struct brd r;

	memset(out, 0, sizeof(*out));
	brd_init(&r, data, len);
	while (brd_left(&r) > 0) {
		a.ra_type = brd_u8(&r);
		a.ra_len = brd_u8(&r);
		a.ra_value = brd_ptr(&r, a.ra_len);
		a.ra_ttl = brd_u32(&r);
		if (r.r_err)
			return PARSE_ERROR;
		if ((a.ra_type == RESOLVED_TYPE_IPV4 && a.ra_len != 4) ||
		    (a.ra_type == RESOLVED_TYPE_IPV6 && a.ra_len != 16) ||
		    (a.ra_type == RESOLVED_TYPE_HOSTNAME && a.ra_len == 0))
			return PARSE_ERROR;
		if (a.ra_type == RESOLVED_TYPE_ERR_TRANSIENT ||
		    a.ra_type == RESOLVED_TYPE_ERR_PERMANENT)
			out->rr_error = true;
		if (out->rr_n < RESOLVED_MAX_ANSWERS)
			out->rr_answers[out->rr_n++] = a;
	}
	return PARSE_OK;
}

void
relay_resolved_add(struct bwr *w, uint8_t type, const void *value,
    uint8_t len, uint32_t ttl)
{
	bwr_u8(w, type);
	bwr_u8(w, len);
	bwr_bytes(w, value, len);
	bwr_u32(w, ttl);
}

/* ---- SENDME --------------------------------------------------------- */

enum parse_result
relay_sendme_parse(const uint8_t *data, size_t len, struct relay_sendme *out)
{
	struct brd r;
	uint16_t dlen;
	const uint8_t *d;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return PARSE_OK;
	brd_init(&r, data, len);
	out->rs_version = brd_u8(&r);
	dlen = brd_u16(&r);
	d = brd_ptr(&r, dlen);
	if (r.r_err)
		return PARSE_ERROR;
	switch (out->rs_version) {
	case 0:
		return PARSE_OK;
	case 1:
		if (dlen != SENDME_DIGEST_LEN)
			return PARSE_ERROR;
		memcpy(out->rs_digest, d, SENDME_DIGEST_LEN);
		return PARSE_OK;
	default:
		return PARSE_ERROR;
	}
}

int
relay_sendme_encode_v1(uint8_t *out, size_t outlen,
    const uint8_t digest[SENDME_DIGEST_LEN])
{
	struct bwr w;

	bwr_init(&w, out, outlen);
	bwr_u8(&w, 1);
	bwr_u16(&w, SENDME_DIGEST_LEN);
	bwr_bytes(&w, digest, SENDME_DIGEST_LEN);
	return w.w_err ? -1 : (int)w.w_off;
}

/* ---- EXTEND2 -------------------------------------------------------- */

enum parse_result
relay_extend2_parse(const uint8_t *data, size_t len, struct relay_extend2 *out)
{
	struct brd r;
	uint8_t nspec, i, type, slen;
	const uint8_t *spec;

	memset(out, 0, sizeof(*out));
	brd_init(&r, data, len);
	nspec = brd_u8(&r);
	for (i = 0; i < nspec; i++) {
		type = brd_u8(&r);
		slen = brd_u8(&r);
		spec = brd_ptr(&r, slen);
		if (r.r_err)
			return PARSE_ERROR;
		switch (type) {
		case LS_IPV4:
			if (slen != 6)
				return PARSE_ERROR;
			if (out->e2_has_ipv4)
				break;
			out->e2_has_ipv4 = true;
			memcpy(out->e2_ipv4, spec, 4);
			out->e2_ipv4_port = be16_load(spec + 4);
			break;
		case LS_IPV6:
			if (slen != 18)
				return PARSE_ERROR;
			if (out->e2_has_ipv6)
				break;
			out->e2_has_ipv6 = true;
			memcpy(out->e2_ipv6, spec, 16);
			out->e2_ipv6_port = be16_load(spec + 16);
			break;
		case LS_LEGACY_ID:
			if (slen != 20 || out->e2_has_legacy_id)
				return PARSE_ERROR;
			out->e2_has_legacy_id = true;
			break;
		case LS_ED25519_ID:
			if (slen != ED25519_ID_LEN || out->e2_has_ed25519)
				return PARSE_ERROR;
			out->e2_has_ed25519 = true;
			memcpy(out->e2_ed25519, spec, ED25519_ID_LEN);
			break;
		default:
			break;	/* unknown: ignored */
		}
	}
	if (r.r_err)
		return PARSE_ERROR;
	return cell_create2_parse(data + r.r_off, brd_left(&r), &out->e2_create);
}

int
relay_extend2_encode(uint8_t *out, size_t outlen, const struct relay_extend2 *e)
{
	struct bwr w;
	uint8_t n = 0;

	n = (uint8_t)(e->e2_has_ipv4 + e->e2_has_ed25519 + e->e2_has_ipv6);
	bwr_init(&w, out, outlen);
	bwr_u8(&w, n);
	if (e->e2_has_ipv4) {
		bwr_u8(&w, LS_IPV4);
		bwr_u8(&w, 6);
		bwr_bytes(&w, e->e2_ipv4, 4);
		bwr_u16(&w, e->e2_ipv4_port);
	}
	if (e->e2_has_ed25519) {
		bwr_u8(&w, LS_ED25519_ID);
		bwr_u8(&w, ED25519_ID_LEN);
		bwr_bytes(&w, e->e2_ed25519, ED25519_ID_LEN);
	}
	if (e->e2_has_ipv6) {
		bwr_u8(&w, LS_IPV6);
		bwr_u8(&w, 18);
		bwr_bytes(&w, e->e2_ipv6, 16);
		bwr_u16(&w, e->e2_ipv6_port);
	}
	bwr_u16(&w, e->e2_create.c2_htype);
	bwr_u16(&w, e->e2_create.c2_hlen);
	bwr_bytes(&w, e->e2_create.c2_hdata, e->e2_create.c2_hlen);
	return w.w_err ? -1 : (int)w.w_off;
}
