/*
 * onionkey.c: onion key rotation on a timer (schedule in onionkey.h).
 * The keys and their files belong to core/crypto/keys; this module only
 * decides when keys_rotate_onion() and keys_drop_prev_onion() run.
 */
#include "config.h"

#include <stdlib.h>

#include "core/mainloop/mainloop.h"
#include "feature/relay/onionkey.h"
#include "lib/log.h"
#include "lib/util.h"

/* After a failed rotation (disk full ...), try again this much later. */
#define ONIONKEY_RETRY		60

static struct {
	bool			 running;
	struct node_keys	*keys;
	char			*datadir;
	int64_t			 rotation_s, grace_s;
	onionkey_rotated_cb	 cb;
	struct ml_timer		 timer;
} OK;

struct onionkey_plan
onionkey_plan(int64_t now, int64_t created, bool has_prev, int64_t rotation_s,
    int64_t grace_s)
{
	struct onionkey_plan p = { false, false, ONIONKEY_MAX_SLEEP };
	int64_t next;

	if (created > now)
		created = now;
	if (rotation_s < 1)
		rotation_s = 1;
	if (grace_s < 0)
		grace_s = 0;
	if (now - created >= rotation_s) {
		p.op_rotate = true;
		/* The new key is created now; its previous one is the current one. */
		created = now;
		has_prev = true;
	}
	if (has_prev && now - created >= grace_s) {
		p.op_drop_prev = true;
		has_prev = false;
	}
	next = created + rotation_s - now;
	if (has_prev && created + grace_s - now < next)
		next = created + grace_s - now;
	if (next < p.op_next)
		p.op_next = next;
	if (p.op_next < 1)
		p.op_next = 1;
	return p;
}

static void
onionkey_run(void)
{
	struct onionkey_plan p;
	int64_t now = util_wall_sec(), delay;
	char *err = NULL;
	bool rotated = false;

	p = onionkey_plan(now, OK.keys->nk_onion_created, OK.keys->nk_onion_prev != NULL,
	    OK.rotation_s, OK.grace_s);
	delay = p.op_next;
	if (p.op_rotate) {
		if (keys_rotate_onion(OK.keys, OK.datadir, &err) < 0) {
			log_warn(LD_CRYPTO, "onion key rotation failed, retrying in %ds: %s",
			    ONIONKEY_RETRY, err ? err : "unknown error");
			free(err);
			delay = ONIONKEY_RETRY;
			p.op_drop_prev = false;
		} else {
			rotated = true;
			/* keys_rotate_onion stamps the new key with its own clock read. */
			p = onionkey_plan(util_wall_sec(), OK.keys->nk_onion_created,
			    OK.keys->nk_onion_prev != NULL, OK.rotation_s, OK.grace_s);
			delay = p.op_next;
		}
	}
	if (p.op_drop_prev && OK.keys->nk_onion_prev != NULL) {
		keys_drop_prev_onion(OK.keys, OK.datadir);
		log_info(LD_CRYPTO, "previous onion key dropped (grace period of %llds over)",
		    (long long)OK.grace_s);
	}
	ml_timer_start(&OK.timer, (double)delay, 0);
	if (rotated && OK.cb != NULL)
		OK.cb();
}

static void
onionkey_timer_cb(struct ml_timer *t)
{
	onionkey_run();
}

void
onionkey_start(struct node_keys *keys, const char *datadir, uint64_t rotation_ms,
    uint64_t grace_ms, onionkey_rotated_cb cb)
{
	if (OK.running)
		onionkey_stop();
	OK.keys = keys;
	OK.datadir = xstrdup(datadir);
	OK.cb = cb;
	OK.rotation_s = (int64_t)(rotation_ms / 1000);
	OK.grace_s = (int64_t)(grace_ms / 1000);
	ml_timer_init(&OK.timer, onionkey_timer_cb);
	OK.running = true;
	onionkey_run();
}

void
onionkey_reconfigure(uint64_t rotation_ms, uint64_t grace_ms)
{
	if (!OK.running)
		return;
	if ((int64_t)(rotation_ms / 1000) == OK.rotation_s &&
	    (int64_t)(grace_ms / 1000) == OK.grace_s)
		return;
	OK.rotation_s = (int64_t)(rotation_ms / 1000);
	OK.grace_s = (int64_t)(grace_ms / 1000);
	ml_timer_stop(&OK.timer);
	onionkey_run();
}

void
onionkey_stop(void)
{
	if (!OK.running)
		return;
	ml_timer_stop(&OK.timer);
	free(OK.datadir);
	OK.datadir = NULL;
	OK.keys = NULL;
	OK.cb = NULL;
	OK.running = false;
}
