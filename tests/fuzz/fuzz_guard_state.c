/*
 * fuzz_guard_state.c: the client's guard state file (feature/client/path.c).
 * The file lives in the data directory, where a crash, a full disk or a
 * careless edit can leave anything.  A state that parses must format back
 * to text that parses to the same state.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature/client/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guard_state gs, back;
	struct docfmt_reason why;
	size_t len;
	char *s;

	if (guard_state_parse((const char *)data, size, &gs, &why) < 0)
		return 0;
	if (!gs.gs_has_guard && size != 0)
		abort();	/* a non-empty file that parses names a guard */
	s = guard_state_format(&gs, &len);
	if (s == NULL || guard_state_parse(s, len, &back, &why) < 0 ||
	    memcmp(&gs, &back, sizeof(gs)) != 0)
		abort();
	free(s);
	return 0;
}
