/*
 * socks.c: the SOCKS4/4a/5 server-side state machine and reply encoders
 * (see socks.h).
 *
 * socks_parse() steps through whole messages only: each step either
 * needs more bytes (consuming nothing), fails (queueing the refusal the
 * protocol defines), or consumes one complete message and queues its
 * answer.  Checks happen as soon as the deciding byte is present, so a
 * bad request is refused before anything more is buffered, and the
 * outcome cannot depend on how the input was split.  Called by the
 * client's SOCKS listener code; it applies policy (SafeSocks, isolation)
 * to the finished request.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/types.h>

#include "core/proto/relay_msg.h"
#include "core/proto/socks.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/util.h"

const char SOCKS_HTTP_501_RESPONSE[] =
	"HTTP/1.0 501 tord is not an HTTP Proxy\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"Connection: close\r\n"
	"\r\n"
	"<!DOCTYPE html>\n"
	"<html><head><title>This is a SOCKS proxy, not an HTTP proxy</title>"
	"</head><body>\n"
	"<h1>This is a SOCKS proxy, not an HTTP proxy</h1>\n"
	"<p>It appears you have configured your web browser or application "
	"to use this port of tord as an HTTP proxy.  This port speaks SOCKS "
	"(versions 4a and 5).</p>\n"
	"<p>Configure your application to use it as a SOCKS5 proxy with "
	"remote name resolution, for example "
	"<code>curl -x socks5h://127.0.0.1:9050 https://example.com/</code>, "
	"so that names are resolved by the exit and not leaked to your local "
	"resolver.</p>\n"
	"<p>Applications that can only use an HTTP proxy should use tord's "
	"HTTP CONNECT port (<code>http_connect_port</code> in the client "
	"configuration) instead.  See tord.ini(5).</p>\n"
	"</body></html>\n";

void
socks_parser_init(struct socks_parser *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->sp_state = SOCKS_ST_GREETING;
	sp->sp_method = SOCKS5_METHOD_REFUSED;
}

void
socks_parser_clear(struct socks_parser *sp)
{
	crypto_wipe(sp, sizeof(*sp));
	socks_parser_init(sp);
}

static void
out_add(struct socks_parser *sp, const uint8_t *b, size_t n)
{
	if (BUG(n > sizeof(sp->sp_out) - sp->sp_out_len))
		return;
	memcpy(sp->sp_out + sp->sp_out_len, b, n);
	sp->sp_out_len += n;
}

/* Queue a SOCKS5 refusal and fail. */
static ssize_t
fail5(struct socks_parser *sp, uint8_t rep)
{
	uint8_t r[10];

	socks5_reply_encode(r, sizeof(r), rep, NULL);
	out_add(sp, r, sizeof(r));
	sp->sp_state = SOCKS_ST_FAILED;
	return -1;
}

/* Queue a SOCKS4 refusal and fail. */
static ssize_t
fail4(struct socks_parser *sp)
{
	uint8_t r[8];

	socks4_reply_encode(r, SOCKS4_REJECTED, 0, NULL);
	out_add(sp, r, sizeof(r));
	sp->sp_state = SOCKS_ST_FAILED;
	return -1;
}

static ssize_t
fail_silent(struct socks_parser *sp)
{
	sp->sp_state = SOCKS_ST_FAILED;
	return -1;
}

static void
target_set_ip(struct socks_target *t, int af, const uint8_t *ip)
{
	t->st_type = af == AF_INET ? SOCKS_ADDR_IPV4 : SOCKS_ADDR_IPV6;
	memcpy(t->st_addr, ip, af == AF_INET ? 4 : 16);
	inet_ntop(af, ip, t->st_host, sizeof(t->st_host));
}

/* Copy a host name after checking it as BEGIN will; -1 if malformed. */
static int
target_set_name(struct socks_target *t, const uint8_t *name, size_t len)
{
	struct cell_addr a;
	uint8_t type;

	if (relay_host_check((const char *)name, len, &type, &a) < 0)
		return -1;
	t->st_type = SOCKS_ADDR_NAME;
	memcpy(t->st_host, name, len);
	t->st_host[len] = '\0';
	return 0;
}

/* Length of the NUL-terminated string at p (at most max bytes before the
 * NUL): >= 0, -1 if the NUL is not there yet, -2 if it cannot fit. */
static ssize_t
cstr_len(const uint8_t *p, size_t len, size_t max)
{
	const uint8_t *z = memchr(p, 0, MIN(len, max + 1));

	if (z != NULL)
		return z - p;
	return len > max ? -2 : -1;
}

/* SOCKS4 / 4a request: 04 CMD PORT[2] IP[4] USERID NUL [HOST NUL]. */
static ssize_t
step_socks4(struct socks_parser *sp, const uint8_t *p, size_t len)
{
	struct socks_request *req = &sp->sp_req;
	ssize_t ulen, hlen = 0;
	size_t off;
	uint16_t port;

	if (len < 2)
		return 0;
	if (p[1] != SOCKS_CMD_CONNECT && p[1] != SOCKS_CMD_RESOLVE)
		return fail4(sp);
	if (len < 8)
		return 0;
	port = be16_load(p + 2);
	if (port == 0 && p[1] == SOCKS_CMD_CONNECT)
		return fail4(sp);
	if ((ulen = cstr_len(p + 8, len - 8, SOCKS_CRED_MAX)) == -2)
		return fail4(sp);
	if (ulen < 0)
		return 0;
	off = 8 + (size_t)ulen + 1;
	req->sr_socks4a = p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] != 0;
	if (req->sr_socks4a) {
		if ((hlen = cstr_len(p + off, len - off, SOCKS_HOST_MAX)) == -2)
			return fail4(sp);
		if (hlen < 0)
			return 0;
		if (target_set_name(&req->sr_target, p + off, (size_t)hlen) < 0)
			return fail4(sp);
		off += (size_t)hlen + 1;
	} else {
		target_set_ip(&req->sr_target, AF_INET, p + 4);
	}
	req->sr_version = 4;
	req->sr_command = p[1];
	req->sr_target.st_port = port;
	if (ulen > 0) {
		req->sr_has_auth = true;
		req->sr_user_len = (uint8_t)ulen;
		memcpy(req->sr_user, p + 8, (size_t)ulen);
	}
	sp->sp_state = SOCKS_ST_DONE;
	return (ssize_t)off;
}

/* SOCKS5 greeting: 05 NMETHODS METHODS. */
static ssize_t
step_greeting5(struct socks_parser *sp, const uint8_t *p, size_t len)
{
	uint8_t reply[2] = { 5, SOCKS5_METHOD_REFUSED };
	size_t n, i;

	if (len < 2)
		return 0;
	n = p[1];
	if (len < 2 + n)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[2 + i] == SOCKS5_METHOD_USERPASS)
			reply[1] = SOCKS5_METHOD_USERPASS;
		else if (p[2 + i] == SOCKS5_METHOD_NONE &&
		    reply[1] != SOCKS5_METHOD_USERPASS)
			reply[1] = SOCKS5_METHOD_NONE;
	}
	out_add(sp, reply, sizeof(reply));
	sp->sp_method = reply[1];
	if (reply[1] == SOCKS5_METHOD_REFUSED)
		return fail_silent(sp);
	sp->sp_req.sr_version = 5;
	sp->sp_state = reply[1] == SOCKS5_METHOD_USERPASS ?
	    SOCKS_ST_AUTH : SOCKS_ST_REQUEST;
	return (ssize_t)(2 + n);
}

/* RFC 1929: 01 ULEN UNAME PLEN PASSWD; always answered 01 00. */
static ssize_t
step_auth(struct socks_parser *sp, const uint8_t *p, size_t len)
{
	static const uint8_t ok[2] = { 1, 0 }, bad[2] = { 1, 1 };
	struct socks_request *req = &sp->sp_req;
	size_t ulen, plen;

	if (len < 1)
		return 0;
	if (p[0] != 1) {
		out_add(sp, bad, sizeof(bad));
		return fail_silent(sp);
	}
	if (len < 2)
		return 0;
	ulen = p[1];
	if (len < 2 + ulen + 1)
		return 0;
	plen = p[2 + ulen];
	if (len < 3 + ulen + plen)
		return 0;
	req->sr_has_auth = true;
	req->sr_user_len = (uint8_t)ulen;
	req->sr_pass_len = (uint8_t)plen;
	memcpy(req->sr_user, p + 2, ulen);
	memcpy(req->sr_pass, p + 3 + ulen, plen);
	out_add(sp, ok, sizeof(ok));
	sp->sp_authed = true;
	sp->sp_state = SOCKS_ST_REQUEST;
	return (ssize_t)(3 + ulen + plen);
}

/* SOCKS5 request: 05 CMD 00 ATYP DST.ADDR DST.PORT. */
static ssize_t
step_request5(struct socks_parser *sp, const uint8_t *p, size_t len)
{
	struct socks_request *req = &sp->sp_req;
	size_t alen, aoff = 4, total;
	uint16_t port;

	/* Tor also accepts a user/pass message after choosing no-auth. */
	if (len >= 1 && p[0] == 1 && !sp->sp_authed)
		return step_auth(sp, p, len);
	if (len < 1)
		return 0;
	if (p[0] != 5)
		return fail5(sp, SOCKS5_GENERAL_FAILURE);
	if (len < 2)
		return 0;
	if (p[1] != SOCKS_CMD_CONNECT && p[1] != SOCKS_CMD_RESOLVE &&
	    p[1] != SOCKS_CMD_RESOLVE_PTR)
		return fail5(sp, SOCKS5_COMMAND_NOT_SUPPORTED);
	if (len < 4)
		return 0;
	switch (p[3]) {
	case 1:
		alen = 4;
		break;
	case 4:
		alen = 16;
		break;
	case 3:
		if (len < 5)
			return 0;
		if ((alen = p[4]) == 0)
			return fail5(sp, SOCKS5_GENERAL_FAILURE);
		aoff = 5;
		break;
	default:
		return fail5(sp, SOCKS5_ADDRESS_NOT_SUPPORTED);
	}
	total = aoff + alen + 2;
	if (len < total)
		return 0;
	port = be16_load(p + aoff + alen);
	if (port == 0 && p[1] == SOCKS_CMD_CONNECT)
		return fail5(sp, SOCKS5_GENERAL_FAILURE);
	if (p[3] == 3) {
		if (target_set_name(&req->sr_target, p + aoff, alen) < 0)
			return fail5(sp, SOCKS5_GENERAL_FAILURE);
	} else {
		target_set_ip(&req->sr_target, p[3] == 1 ? AF_INET : AF_INET6,
		    p + aoff);
	}
	req->sr_target.st_port = port;
	req->sr_command = p[1];
	sp->sp_state = SOCKS_ST_DONE;
	return (ssize_t)total;
}

static ssize_t
step_greeting(struct socks_parser *sp, const uint8_t *p, size_t len)
{
	if (len < 1)
		return 0;
	switch (p[0]) {
	case 4:
		return step_socks4(sp, p, len);
	case 5:
		return step_greeting5(sp, p, len);
	case 'G': case 'H': case 'P': case 'C':
		sp->sp_state = SOCKS_ST_HTTP;
		return -1;
	default:
		return fail_silent(sp);
	}
}

enum socks_result
socks_parse(struct socks_parser *sp, const uint8_t *p, size_t len,
    size_t *consumed)
{
	size_t off = 0;
	ssize_t n;

	*consumed = 0;
	for (;;) {
		switch (sp->sp_state) {
		case SOCKS_ST_GREETING:
			n = step_greeting(sp, p + off, len - off);
			break;
		case SOCKS_ST_AUTH:
			n = step_auth(sp, p + off, len - off);
			break;
		case SOCKS_ST_REQUEST:
			n = step_request5(sp, p + off, len - off);
			break;
		case SOCKS_ST_DONE:
			return SOCKS_DONE;
		case SOCKS_ST_HTTP:
			return SOCKS_HTTP;
		default:
			return SOCKS_ERROR;
		}
		if (n == 0)
			return SOCKS_NEED_MORE;
		if (n > 0) {
			off += (size_t)n;
			*consumed = off;
		}
	}
}

size_t
socks5_reply_encode(uint8_t *out, size_t outlen, uint8_t rep,
    const struct socks_target *bnd)
{
	struct bwr w;
	size_t hlen;

	bwr_init(&w, out, outlen);
	bwr_u8(&w, 5);
	bwr_u8(&w, rep);
	bwr_u8(&w, 0);
	if (bnd == NULL) {
		bwr_u8(&w, 1);
		bwr_u32(&w, 0);
		bwr_u16(&w, 0);
		return w.w_err ? 0 : w.w_off;
	}
	switch (bnd->st_type) {
	case SOCKS_ADDR_IPV4:
		bwr_u8(&w, 1);
		bwr_bytes(&w, bnd->st_addr, 4);
		break;
	case SOCKS_ADDR_IPV6:
		bwr_u8(&w, 4);
		bwr_bytes(&w, bnd->st_addr, 16);
		break;
	default:
		hlen = strnlen(bnd->st_host, sizeof(bnd->st_host));
		if (hlen == 0 || hlen > SOCKS_HOST_MAX)
			return 0;
		bwr_u8(&w, 3);
		bwr_u8(&w, (uint8_t)hlen);
		bwr_bytes(&w, bnd->st_host, hlen);
		break;
	}
	bwr_u16(&w, bnd->st_port);
	return w.w_err ? 0 : w.w_off;
}

void
socks4_reply_encode(uint8_t out[8], uint8_t code, uint16_t port,
    const uint8_t *ip)
{
	out[0] = 0;
	out[1] = code;
	be16_store(out + 2, port);
	if (ip != NULL)
		memcpy(out + 4, ip, 4);
	else
		memset(out + 4, 0, 4);
}

size_t
socks_reply_encode(const struct socks_request *req, uint8_t *out,
    size_t outlen, uint8_t rep, const struct socks_target *bnd)
{
	const uint8_t *ip = NULL;

	if (req->sr_version == 5)
		return socks5_reply_encode(out, outlen, rep, bnd);
	if (outlen < 8)
		return 0;
	if (bnd != NULL && bnd->st_type == SOCKS_ADDR_IPV4)
		ip = bnd->st_addr;
	socks4_reply_encode(out, rep == SOCKS5_SUCCEEDED ? SOCKS4_GRANTED :
	    SOCKS4_REJECTED, bnd != NULL ? bnd->st_port : 0, ip);
	return 8;
}
