/*
 * node_bootstrap.c: a node's monotonic bootstrap progress
 * (node_bootstrap.h); feeds the log and control_set_bootstrap().
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "feature/control/control.h"
#include "feature/control/node_bootstrap.h"
#include "lib/log.h"

static int	bootstrap_pct = -1;

void
node_bootstrap_reset(void)
{
	bootstrap_pct = -1;
	node_bootstrap(0, "starting", "starting");
}

void
node_bootstrap(int pct, const char *tag, const char *fmt, ...)
{
	char summary[160];
	va_list ap;

	if (pct <= bootstrap_pct)
		return;
	bootstrap_pct = pct;
	va_start(ap, fmt);
	vsnprintf(summary, sizeof(summary), fmt, ap);
	va_end(ap);
	/* Users and scripts/testnet wait for "bootstrapped 100%: ...". */
	log_notice(LD_DIR, "bootstrapped %d%%: %s", pct, summary);
	/* Controllers show it as a sentence, as Tor's summaries are. */
	summary[0] = (char)toupper((unsigned char)summary[0]);
	control_set_bootstrap(pct, tag, summary);
}
