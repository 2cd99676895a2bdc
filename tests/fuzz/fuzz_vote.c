/* fuzz_vote.c: libFuzzer target for the vote parser (feature/dir). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature/dir/netstatus.h"
#include "lib/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netstatus *ns = NULL;
	struct docfmt_reason why;

	if (netstatus_parse((const char *)data, size, NS_VOTE, &ns, &why) == PARSE_OK) {
		char *s;
		size_t len;

		(void)vote_verify(ns, &why);
		/* A parsed document formats back to exactly its input. */
		s = netstatus_format(ns, &len);
		if (len != size || memcmp(s, data, size) != 0)
			abort();
		free(s);
		netstatus_free(ns);
	}
	return 0;
}
