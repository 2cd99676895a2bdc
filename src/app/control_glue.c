/*
 * control_glue.c: the control port's configuration and SIGNAL actions.
 * SHUTDOWN and RELOAD run exactly what SIGTERM and SIGHUP run; NEWNYM
 * reaches the client role.
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/control_glue.h"
#include "app/config.h"
#include "core/or/circuit.h"
#include "core/or/stream.h"
#include "feature/client/client.h"
#include "feature/control/control.h"
#include "feature/control/control_or.h"
#include "lib/log.h"

static char	*cookie_path;
static char	 fingerprint[FINGERPRINT_HEXLEN + 1];
static bool	 started;
static void	(*on_shutdown)(void);
static void	(*on_reload)(void);
static int	 node_role;

static void
control_signal(enum control_signal sig, void *arg)
{
	switch (sig) {
	case CONTROL_SIG_SHUTDOWN:
		log_notice(LD_CTL, "SIGNAL SHUTDOWN from the control port");
		on_shutdown();
		break;
	case CONTROL_SIG_RELOAD:
		on_reload();
		break;
	case CONTROL_SIG_NEWNYM:
		if (node_role == ROLE_CLIENT) {
			client_newnym();
			log_notice(LD_CTL, "NEWNYM: new streams use new circuits");
		}
		break;
	case CONTROL_SIG_DUMP:
		log_notice(LD_CTL, "dump: circuits=%zu streams=%zu queued_bytes=%llu",
		    circuit_count(), stream_count(),
		    (unsigned long long)circuit_total_queued_bytes());
		break;
	default:
		break;
	}
}

int
app_control_start(const struct tord_config *cfg, const struct node_keys *keys,
    void (*shutdown_cb)(void), void (*reload_cb)(void))
{
	struct control_options co;
	const char *why = NULL;
	int sig;

	if (cfg->control_socket == NULL && cfg->control_port.a_len == 0)
		return 0;
	memset(&co, 0, sizeof(co));
	co.co_socket_path = cfg->control_socket;
	co.co_tcp = cfg->control_port;
	co.co_auth = cfg->control_auth == CTL_AUTH_PASSWORD ? CONTROL_AUTHCFG_PASSWORD :
	    cfg->control_auth == CTL_AUTH_NONE ? CONTROL_AUTHCFG_NONE : CONTROL_AUTHCFG_COOKIE;
	cookie_path = xasprintf("%s/control_auth_cookie", cfg->data_directory);
	co.co_cookie_path = cookie_path;
	co.co_password_hash = cfg->control_password_hash;
	co.co_config_file = cfg->cf_path;
	co.co_nickname = cfg->nickname;
	if (keys != NULL && keys->nk_identity != NULL) {
		keys_fingerprint(ed25519_public(keys->nk_identity), fingerprint);
		co.co_fingerprint = fingerprint;
	}
	if (control_check_options(&co, &why) < 0) {
		log_err(LD_CTL, "control port: %s", why ? why : "invalid options");
		return -1;
	}
	on_shutdown = shutdown_cb;
	on_reload = reload_cb;
	node_role = cfg->role;
	for (sig = 0; sig < CONTROL_SIG_COUNT_; sig++)
		control_register_signal((enum control_signal)sig, control_signal, NULL);
	if (control_start(&co) < 0)
		return -1;
	control_or_register();
	started = true;
	return 0;
}

void
app_control_stop(void)
{
	if (started)
		control_stop();
	started = false;
	free(cookie_path);
	cookie_path = NULL;
}
