/*
 * guard.c: the persistent entry guard (rules in guard.h).  Called by
 * dirpath.c when paths are drawn and circuits end, and by dirfetch.c
 * when a consensus is installed.  I/O: the guard-state file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature/client/guard.h"
#include "feature/client/path.h"
#include "feature/client/statefile.h"
#include "lib/log.h"
#include "lib/util.h"

void
guard_health_note(struct guard_health *h, bool ok, int64_t now)
{
	if (ok) {
		h->gh_failures = 0;
		h->gh_first_failure = 0;
		return;
	}
	if (h->gh_failures++ == 0)
		h->gh_first_failure = now;
}

bool
guard_health_should_replace(const struct guard_health *h, int64_t now)
{
	return h->gh_failures >= GUARD_MAX_FAILURES &&
	    now - h->gh_first_failure >= GUARD_FAILURE_PERIOD;
}

static struct {
	char			*path;
	struct guard_state	 gs;
	char			 nickname[NICKNAME_MAX_LEN + 1];	/* "" if unknown */
	struct guard_health	 health;
	bool			 have_avoid;
	uint8_t			 avoid[ED25519_PUB_LEN];
	/*
	 * The guard failed at the first hop: until down_until, circuits
	 * start at a backup (memory only) and the guard stays ours.
	 */
	int64_t			 down_until;
	bool			 have_backup;
	uint8_t			 backup[ED25519_PUB_LEN];
	char			 backup_nick[NICKNAME_MAX_LEN + 1];
} guard;

static bool
guard_is_down(void)
{
	return guard.gs.gs_has_guard && util_wall_sec() < guard.down_until;
}

static void
guard_clear_backup(void)
{
	guard.down_until = 0;
	guard.have_backup = false;
	memset(guard.backup, 0, sizeof(guard.backup));
	guard.backup_nick[0] = '\0';
}

static const char *
guard_name(char fp[DOCFMT_FP_HEXLEN + 1])
{
	docfmt_fp_encode(guard.gs.gs_id, fp);
	return guard.nickname[0] ? guard.nickname : "?";
}

static void
guard_save(void)
{
	char *doc, *err = NULL;
	size_t len;

	if (guard.path == NULL)
		return;
	doc = guard_state_format(&guard.gs, &len);
	if (statefile_write(guard.path, doc, len, &err) < 0) {
		log_warn(LD_CIRC, "guard state not saved: %s", err);
		free(err);
	}
	free(doc);
}

int
guard_init(const char *data_dir)
{
	struct docfmt_reason why;
	char *doc = NULL, *err = NULL, fp[DOCFMT_FP_HEXLEN + 1];
	size_t len;
	int rc;

	guard_shutdown();
	guard.path = xasprintf("%s/%s", data_dir, GUARD_STATE_FILE);
	rc = statefile_read(guard.path, 4096, &doc, &len, &err);
	if (rc < 0) {
		log_warn(LD_CIRC, "guard state ignored: %s", err);
		free(err);
		return 0;
	}
	if (rc == 1)
		return 0;
	if (guard_state_parse(doc, len, &guard.gs, &why) < 0) {
		log_warn(LD_CIRC, "guard state %s ignored (a new guard will be chosen): %s",
		    guard.path, why.msg);
		memset(&guard.gs, 0, sizeof(guard.gs));
	} else if (guard.gs.gs_has_guard) {
		docfmt_fp_encode(guard.gs.gs_id, fp);
		log_notice(LD_CIRC, "guard %s loaded from %s", fp, guard.path);
	}
	free(doc);
	return 0;
}

void
guard_shutdown(void)
{
	free(guard.path);
	memset(&guard, 0, sizeof(guard));
}

const uint8_t *
guard_current(void)
{
	if (guard_is_down())
		return guard.have_backup ? guard.backup : NULL;
	return guard.gs.gs_has_guard ? guard.gs.gs_id : NULL;
}

const uint8_t *
guard_avoid(void)
{
	if (guard_is_down())
		return guard.gs.gs_id;	/* a backup other than the guard */
	return guard.have_avoid ? guard.avoid : NULL;
}

void
guard_set(const struct node *n)
{
	char fp[DOCFMT_FP_HEXLEN + 1];

	if (guard.gs.gs_has_guard && memcmp(guard.gs.gs_id, n->n_id, ED25519_PUB_LEN) == 0)
		return;
	if (guard_is_down()) {
		guard.have_backup = true;
		memcpy(guard.backup, n->n_id, ED25519_PUB_LEN);
		snprintf(guard.backup_nick, sizeof(guard.backup_nick), "%s", n->n_nickname);
		log_notice(LD_CIRC, "guard %s does not answer: circuits start at %s for %lld s",
		    guard_name(fp), n->n_nickname,
		    (long long)(guard.down_until - util_wall_sec()));
		return;
	}
	guard_clear_backup();
	memset(&guard.gs, 0, sizeof(guard.gs));
	memset(&guard.health, 0, sizeof(guard.health));
	guard.gs.gs_has_guard = true;
	memcpy(guard.gs.gs_id, n->n_id, ED25519_PUB_LEN);
	guard.gs.gs_first_chosen = util_wall_sec();
	snprintf(guard.nickname, sizeof(guard.nickname), "%s", n->n_nickname);
	guard.have_avoid = false;
	docfmt_fp_encode(n->n_id, fp);
	log_notice(LD_CIRC, "guard chosen: %s (%s), kept in %s", n->n_nickname, fp,
	    guard.path != NULL ? guard.path : "memory");
	guard_save();
}

/* Forget the current guard (why: for the log); avoid it next if failing. */
static void
guard_drop(const char *why, bool avoid)
{
	char fp[DOCFMT_FP_HEXLEN + 1];
	const char *nick = guard_name(fp);

	log_notice(LD_CIRC, "guard %s (%s) replaced: %s", nick, fp, why);
	guard.have_avoid = avoid;
	if (avoid)
		memcpy(guard.avoid, guard.gs.gs_id, ED25519_PUB_LEN);
	memset(&guard.gs, 0, sizeof(guard.gs));
	memset(&guard.health, 0, sizeof(guard.health));
	guard.nickname[0] = '\0';
	guard_clear_backup();
	guard_save();
}

void
guard_check_nodelist(const nodelist_t *nl)
{
	const uint32_t need = NSF_RUNNING | NSF_VALID | NSF_GUARD;
	const struct node *n;

	if (!guard.gs.gs_has_guard)
		return;
	n = nodelist_find(nl, guard.gs.gs_id);
	if (n == NULL) {
		guard_drop("no longer listed in the consensus", false);
		return;
	}
	snprintf(guard.nickname, sizeof(guard.nickname), "%s", n->n_nickname);
	if ((n->n_flags & need) != need)
		guard_drop("the consensus no longer gives it Running, Valid and Guard", false);
}

void
guard_note_circuit(const uint8_t first[32], bool built, int hops_built)
{
	int64_t now = util_wall_sec();
	char why[128], fp[DOCFMT_FP_HEXLEN + 1];

	if (guard.have_backup && memcmp(first, guard.backup, ED25519_PUB_LEN) == 0 &&
	    !built && hops_built == 0) {
		/* The backup failed too: draw another one next time. */
		log_info(LD_CIRC, "backup guard %s failed at the first hop", guard.backup_nick);
		guard.have_backup = false;
		return;
	}
	if (!guard.gs.gs_has_guard || memcmp(first, guard.gs.gs_id, ED25519_PUB_LEN) != 0)
		return;
	/* A failure past the first hop is the middle's or the exit's. */
	if (!built && hops_built > 0)
		return;
	guard_health_note(&guard.health, built, now);
	if (built)
		guard_clear_backup();
	else {
		/*
		 * Tor's primary-guard rule, in small: while the guard does
		 * not answer, new circuits use a backup guard instead of
		 * failing, and the guard is tried again after GUARD_RETRY.
		 */
		guard.down_until = now + GUARD_RETRY;
		log_notice(LD_CIRC, "guard %s did not answer: circuits start at a backup guard "
		    "for %d s", guard_name(fp), GUARD_RETRY);
	}
	if (built) {
		if (guard.gs.gs_last_failure != 0) {
			guard.gs.gs_last_failure = 0;
			guard_save();
		}
		return;
	}
	if (guard.gs.gs_last_failure == 0 || now - guard.gs.gs_last_failure >= 60) {
		guard.gs.gs_last_failure = now;
		guard_save();
	}
	if (guard_health_should_replace(&guard.health, now)) {
		snprintf(why, sizeof(why), "%u circuits in a row failed at it over %lld s",
		    guard.health.gh_failures, (long long)(now - guard.health.gh_first_failure));
		guard_drop(why, true);
	}
}
