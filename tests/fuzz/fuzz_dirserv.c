/*
 * fuzz_dirserv.c: the directory authority's HTTP front door, bytes to
 * response: dirserv_answer() framing a request and the authority's
 * handler (an offline authority: no socket, timer or disk) answering it.
 * Byte 0 bit 0 says whether the peer closed after the bytes (eof).
 * Checks: an answer is a complete HTTP/1.0 response whose
 * Content-Length matches its body; with eof there is always an answer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feature/dir/dirauth.h"
#include "feature/dir/dirserv.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/pk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
init_once(void)
{
	static bool done;
	static ed25519_key_t *key;
	struct dirauth_options o;
	uint8_t seed[ED25519_SECRET_LEN] = { 1 };

	if (done)
		return;
	done = true;
	crypto_global_init();
	key = ed25519_from_secret(seed);
	memset(&o, 0, sizeof(o));
	o.do_interval = 10;
	o.do_validity = 30;
	o.do_desc_max_age = 3600;
	o.do_max_skew = 600;
	flag_thresholds_default(&o.do_thresholds);
	if (key == NULL || dirauth_init_offline(&o, key) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	enum parse_result r;
	const char *s, *end, *cl;
	bool eof;

	if (size < 1)
		return 0;
	init_once();
	eof = data[0] & 1;
	data++;
	size--;
	r = dirserv_answer(data, size, eof, DESC_MAX_LEN, NULL, dirauth_handle_request, NULL,
	    &out);
	if (r == PARSE_NEED_MORE) {
		if (eof || buf_len(&out) != 0)
			abort();
		buf_free_storage(&out, 0);
		return 0;
	}
	buf_add(&out, "", 1);
	s = (const char *)buf_peek(&out);
	if (strncmp(s, "HTTP/1.0 ", 9) != 0 || (end = strstr(s, "\r\n\r\n")) == NULL ||
	    (cl = strstr(s, "\r\nContent-Length: ")) == NULL || cl > end ||
	    strtoul(cl + 18, NULL, 10) != buf_len(&out) - 1 - (size_t)(end + 4 - s))
		abort();
	buf_free_storage(&out, 0);
	return 0;
}
