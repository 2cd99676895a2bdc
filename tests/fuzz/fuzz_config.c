/*
 * fuzz_config.c: the INI configuration parser (libinih driven by our line
 * reader, every value parser, validation) on arbitrary bytes.  Successful
 * parses are diffed against themselves, which walks every field.
 */
#include <config.h>	/* autoconf's */

#include <stdint.h>
#include <stdlib.h>

#include "lib/log.h"
#include "lib/util.h"
#include "app/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { 0, NULL };
	struct tord_config *c = NULL;

	log_set_level(LL_ERR);
	if (config_parse((const char *)data, size, "fuzz.ini", "/base", &c, &errs) == 0) {
		if (BUG(errs.n != 0 || config_diff_restart_only(c, c, &errs) != 0))
			abort();
		config_free(c);
	} else if (BUG(c != NULL || errs.n == 0)) {
		abort();
	}
	config_errors_clear(&errs);
	return 0;
}
