/*
 * control_glue.h: start the control port from the node's configuration
 * and give it what only the daemon knows (signals, identity).
 */
#ifndef TORD_APP_CONTROL_GLUE_H
#define TORD_APP_CONTROL_GLUE_H

#include "app/config.h"
#include "core/crypto/keys.h"

/* Start the control port if configured; 0, or -1 (logged). */
int	app_control_start(const struct tord_config *cfg, const struct node_keys *keys,
	    void (*shutdown_cb)(void), void (*reload_cb)(void));
void	app_control_stop(void);

#endif
