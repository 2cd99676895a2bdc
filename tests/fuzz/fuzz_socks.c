/*
 * fuzz_socks.c: the SOCKS parser fed all at once and one byte at a time.
 * The two runs must agree on the result, the bytes queued for the
 * client, the request and the leftover input; abort otherwise.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/proto/socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	enum socks_result	res;
	uint8_t			out[256];
	size_t			out_len;
	size_t			left;
	struct socks_parser	sp;
};

static void
collect(struct run *r)
{
	if (r->out_len + r->sp.sp_out_len > sizeof(r->out))
		abort();
	memcpy(r->out + r->out_len, r->sp.sp_out, r->sp.sp_out_len);
	r->out_len += r->sp.sp_out_len;
	socks_out_clear(&r->sp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;
	uint8_t buf[SOCKS_MAX_MSG_LEN * 4];
	size_t used, have = 0, i;

	if (size > 2048)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	socks_parser_init(&a.sp);
	a.res = socks_parse(&a.sp, data, size, &used);
	if (used > size)
		abort();
	a.left = size - used;
	collect(&a);

	socks_parser_init(&b.sp);
	b.res = SOCKS_NEED_MORE;
	for (i = 0; i < size && b.res == SOCKS_NEED_MORE; i++) {
		/* The parser's bound keeps a caller's buffer small. */
		if (have >= sizeof(buf))
			abort();
		buf[have++] = data[i];
		b.res = socks_parse(&b.sp, buf, have, &used);
		if (used > have)
			abort();
		memmove(buf, buf + used, have - used);
		have -= used;
		collect(&b);
		if (b.res == SOCKS_NEED_MORE && have > SOCKS_MAX_MSG_LEN)
			abort();
	}
	b.left = have + (size - i);

	if (a.res != b.res || a.out_len != b.out_len || a.left != b.left ||
	    memcmp(a.out, b.out, a.out_len) != 0 ||
	    memcmp(&a.sp.sp_req, &b.sp.sp_req, sizeof(a.sp.sp_req)) != 0)
		abort();
	if (a.res == SOCKS_DONE) {
		uint8_t rep[300];

		if (socks_reply_encode(&a.sp.sp_req, rep, sizeof(rep), 0,
		    &a.sp.sp_req.sr_target) == 0 &&
		    a.sp.sp_req.sr_target.st_host[0] != '\0')
			abort();
	}
	socks_parser_clear(&a.sp);
	socks_parser_clear(&b.sp);
	return 0;
}
