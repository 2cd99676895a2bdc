/*
 * fuzz_ctl.c: fuzz the control protocol codec.  The input is fed both as
 * a stream of request lines (framing + argument splitting) and as a
 * stream of replies (controller side); every output is checked for the
 * invariants the callers rely on.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_line l;
	struct ctl_args a;
	struct ctl_reply r;
	struct buf b = BUF_INIT;
	size_t off = 0, used, i;
	int rc;

	/* Requests. */
	while (off < size) {
		rc = ctl_line_parse(data + off, size - off, &l, &used);
		if (rc != PARSE_OK)
			break;
		if (used == 0 || used > size - off || used > CTL_LINE_MAX)
			abort();
		if (strlen(l.cl_keyword) > CTL_KEYWORD_MAX)
			abort();
		if (ctl_args_parse(l.cl_args, l.cl_args_len, &a) == 0) {
			if (a.n > CTL_ARGS_MAX)
				abort();
			/* Re-quote each value and parse it back. */
			for (i = 0; i < a.n; i++) {
				struct ctl_args a2;

				buf_clear(&b);
				ctl_fmt_quoted(&b, a.a[i].ca_val);
				if (ctl_args_parse((const char *)buf_peek(&b), buf_len(&b), &a2) != 0 ||
				    a2.n != 1 || strcmp(a2.a[0].ca_val, a.a[i].ca_val) != 0)
					abort();
				ctl_args_clear(&a2);
			}
			ctl_args_clear(&a);
		}
		off += used;
	}
	/* Replies. */
	off = 0;
	while (off < size) {
		rc = ctl_reply_parse(data + off, size - off, &r, &used);
		if (rc != PARSE_OK)
			break;
		if (used == 0 || used > size - off || r.r_n == 0 ||
		    r.r_lines[r.r_n - 1].rl_sep != ' ')
			abort();
		/* Data blocks survive a format/parse round trip. */
		for (i = 0; i < r.r_n; i++) {
			struct ctl_reply r2;
			size_t u2;

			if (r.r_lines[i].rl_data == NULL)
				continue;
			buf_clear(&b);
			ctl_fmt_data(&b, 250, "k", r.r_lines[i].rl_data, r.r_lines[i].rl_data_len);
			ctl_fmt_line(&b, 250, ' ', "OK");
			if (ctl_reply_parse(buf_peek(&b), buf_len(&b), &r2, &u2) != PARSE_OK)
				abort();
			ctl_reply_clear(&r2);
		}
		ctl_reply_clear(&r);
		off += used;
	}
	buf_free_storage(&b, 0);
	return 0;
}
