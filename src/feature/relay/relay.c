/*
 * relay.c: the relay role.  Owns the OR listener; hands accepted sockets
 * to the link layer, which does TLS with our identity certificate.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/mainloop/listener.h"
#include "core/or/circuit.h"
#include "core/or/dos.h"
#include "core/or/link.h"
#include "core/or/or.h"
#include "feature/relay/relay.h"
#include "lib/log.h"

static struct listener *or_listener;

/* The read limit in force (bandwidth_rate, bandwidth_burst), for logs and status. */
static uint64_t	read_rate, read_burst;

static void
relay_accept_cb(struct listener *l, int fd, const struct addr *peer, void *arg)
{
	link_accept(fd, peer);
}

void
relay_reconfigure(const struct relay_config *cfg)
{
	or_options.oo_max_circuits_per_link = cfg->rc_max_circuits_per_link;
	dos_create_configure(cfg->rc_create_rate, cfg->rc_create_burst);
	if (cfg->rc_max_queue_memory)
		or_options.oo_max_queue_bytes = cfg->rc_max_queue_memory;
	if (cfg->rc_read_rate != read_rate || cfg->rc_read_burst != read_burst) {
		if (cfg->rc_read_rate > 0)
			log_notice(LD_NET, "relaying at most %llu bytes/s (bursts of %llu)",
			    (unsigned long long)cfg->rc_read_rate, (unsigned long long)
			    (cfg->rc_read_burst ? cfg->rc_read_burst : 2 * cfg->rc_read_rate));
		else if (read_rate > 0)
			log_notice(LD_NET, "no limit on the bytes relayed any more");
		read_rate = cfg->rc_read_rate;
		read_burst = cfg->rc_read_burst;
	}
	conn_set_read_limit(cfg->rc_read_rate, cfg->rc_read_burst);
#ifdef TORD_TEST_HOOKS
	or_options.oo_test_flip_bit = cfg->rc_test_flip_bit;
#endif
}

int
relay_start(const struct relay_config *cfg, struct node_keys *keys)
{
	char buf[ADDR_STRLEN];
	const char *err = NULL;

	or_options.oo_is_relay = true;
	or_options.oo_keys = keys;
	relay_reconfigure(cfg);
	link_set_server_identity(keys->nk_identity);
	or_listener = listener_new_tcp(&cfg->rc_or_listen, "or", relay_accept_cb, NULL, &err);
	if (or_listener == NULL) {
		log_err(LD_NET, "cannot listen on %s for links: %s: %s",
		    addr_fmt(&cfg->rc_or_listen, buf, sizeof(buf)), err, strerror(errno));
		return -1;
	}
	log_notice(LD_NET, "accepting links on %s",
	    addr_fmt(listener_addr(or_listener), buf, sizeof(buf)));
	return 0;
}

const struct addr *
relay_or_addr(void)
{
	return or_listener ? listener_addr(or_listener) : NULL;
}

uint64_t
relay_read_rate(void)
{
	return read_rate;
}

void
relay_stop(void)
{
	conn_set_read_limit(0, 0);
	read_rate = read_burst = 0;
	listener_free(or_listener);
	dos_shutdown();
	or_options.oo_is_relay = false;
	or_options.oo_keys = NULL;
}
