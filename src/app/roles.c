/*
 * roles.c: the role table and its dispatch; see roles.h for the contract
 * and for how a feature plugs its start/reload/stop functions in.
 *
 * The placeholders below only log: until the data path lands, a node
 * starts, reports its role and address, reloads and shuts down cleanly.
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "core/or/circuit.h"
#include "core/or/link.h"
#include "feature/relay/relay.h"
#include "app/roles.h"

static const struct role_ops *active;

static void
log_listen(const char *what, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (a->a_len != 0)
		log_notice(LD_GENERAL, "%s=%s", what, addr_fmt(a, buf, sizeof(buf)));
}

static int
placeholder_start(const struct tord_config *cfg, struct node_keys *keys)
{
	char fp[FINGERPRINT_HEXLEN + 1] = "none";
	size_t i;

	if (keys != NULL && keys->nk_identity != NULL)
		keys_fingerprint(ed25519_public(keys->nk_identity), fp);
	log_notice(LD_GENERAL, "role=%s nickname=%s fingerprint=%s up (placeholder: "
	    "no data path yet)", config_role_name(cfg->role),
	    cfg->nickname ? cfg->nickname : "-", fp);
	switch (cfg->role) {
	case ROLE_RELAY:
	case ROLE_EXIT:
		log_listen("or_listen", &cfg->or_listen);
		break;
	case ROLE_AUTHORITY:
		log_listen("dir_listen", &cfg->dir_listen);
		break;
	case ROLE_CLIENT:
		for (i = 0; i < cfg->socks_listen.n; i++)
			log_listen("socks_listen", &cfg->socks_listen.v.addr[i]);
		break;
	default:
		break;
	}
	return 0;
}

static int
placeholder_reload(const struct tord_config *old, const struct tord_config *new_)
{
	log_info(LD_GENERAL, "role=%s reloaded", config_role_name(new_->role));
	return 0;
}

static void
placeholder_stop(void)
{
	log_info(LD_GENERAL, "role stopped");
}

/* ---- relay (and the relay half of an exit) ---------------------------- */

static void
relay_config_from(const struct tord_config *cfg, struct relay_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->rc_or_listen = cfg->or_listen;
	rc->rc_max_circuits_per_link = (uint32_t)cfg->max_circuits_per_link;
	rc->rc_max_queue_memory = cfg->max_queue_memory;
#ifdef TORD_TEST_HOOKS
	rc->rc_test_flip_bit = getenv("TORD_TEST_FLIP_BIT") != NULL;
#endif
}

static int
relay_role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	struct relay_config rc;

	relay_config_from(cfg, &rc);
	return relay_start(&rc, keys);
}

static int
relay_role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	struct relay_config rc;

	relay_config_from(new_, &rc);
	relay_reconfigure(&rc);
	return 0;
}

static void
relay_role_stop(void)
{
	relay_stop();
	link_shutdown();
}

/* Indexed by enum tord_role. */
static const struct role_ops role_table[ROLE_COUNT_] = {
	[ROLE_AUTHORITY] = { "authority", placeholder_start, placeholder_reload, placeholder_stop },
	[ROLE_RELAY]	 = { "relay", relay_role_start, relay_role_reload, relay_role_stop },
	[ROLE_EXIT]	 = { "exit", placeholder_start, placeholder_reload, placeholder_stop },
	[ROLE_CLIENT]	 = { "client", placeholder_start, placeholder_reload, placeholder_stop },
};

const struct role_ops *
role_ops_get(int role)
{
	return role >= 0 && role < ROLE_COUNT_ ? &role_table[role] : NULL;
}

int
role_start(const struct tord_config *cfg, struct node_keys *keys)
{
	const struct role_ops *ops = role_ops_get(cfg->role);

	if (BUG(ops == NULL || active != NULL))
		return -1;
	if (ops->start(cfg, keys) < 0)
		return -1;
	active = ops;
	return 0;
}

int
role_reload(const struct tord_config *old, const struct tord_config *new_)
{
	if (active == NULL || active->reload == NULL)
		return 0;
	return active->reload(old, new_);
}

void
role_stop(void)
{
	if (active != NULL && active->stop != NULL)
		active->stop();
	active = NULL;
}
