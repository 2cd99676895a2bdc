/* fuzz_consensus.c: libFuzzer target for the consensus parser (feature/dir). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature/dir/consensus.h"
#include "lib/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t trusted[1][32] = { { 1 } };
	struct netstatus *ns = NULL;
	struct docfmt_reason why;

	if (netstatus_parse((const char *)data, size, NS_CONSENSUS, &ns, &why) == PARSE_OK) {
		char *s;
		size_t len;

		(void)consensus_verify(ns, trusted, 1, ns->ns_valid_after, &why);
		s = netstatus_format(ns, &len);
		if (len != size || memcmp(s, data, size) != 0)
			abort();
		free(s);
		netstatus_free(ns);
	}
	return 0;
}
