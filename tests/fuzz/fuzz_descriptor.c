/* fuzz_descriptor.c: libFuzzer target for the descriptor parser (feature/dir). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature/dir/descriptor.h"
#include "lib/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_descriptor d;
	struct docfmt_reason why;

	descriptor_parse((const char *)data, size, &d, &why);
	return 0;
}
