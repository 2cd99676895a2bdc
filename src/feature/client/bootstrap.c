/*
 * bootstrap.c: the client's monotonic bootstrap progress (bootstrap.h).
 * Called by dirfetch.c (directory phases) and circuit_pool.c (circuit
 * phases); feeds the log and control_set_bootstrap().
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "feature/client/bootstrap.h"
#include "feature/control/control.h"
#include "lib/log.h"

static int	bootstrap_pct = -1;

void
client_bootstrap_reset(void)
{
	bootstrap_pct = -1;
	client_bootstrap(BOOTSTRAP_STARTING, "starting", "starting");
}

void
client_bootstrap(int pct, const char *tag, const char *fmt, ...)
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

int
client_bootstrap_progress(void)
{
	return bootstrap_pct < 0 ? 0 : bootstrap_pct;
}
