/*
 * dirauth_reach.h: the authority's reachability test of a relay: open
 * TCP to its OR port, complete TLS, and check that the certificate
 * proves the identity the descriptor names (lib/tls.h pinning).  The
 * authority shows no certificate, like a client, and closes right
 * after the handshake: the relay sees a client link that went away.
 */
#ifndef TORD_FEATURE_DIR_DIRAUTH_REACH_H
#define TORD_FEATURE_DIR_DIRAUTH_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/pk.h"

struct da_probe;

/*
 * Result of one test: ok, or why not ("connect failed: Connection
 * refused", "timed out", "wrong identity").  Runs once per probe, from
 * the event loop, never from inside da_probe_start(), unless the probe
 * is cancelled first.
 */
typedef void (*da_probe_cb)(void *arg, const uint8_t id[ED25519_PUB_LEN],
    const struct addr *addr, bool ok, const char *why);

/* Start a test; NULL if no socket could be made (cb is not called). */
struct da_probe	*da_probe_start(const struct addr *addr, const uint8_t id[ED25519_PUB_LEN],
		    double timeout, da_probe_cb cb, void *arg);
/* Forget the callback; the connection closes. */
void		 da_probe_cancel(struct da_probe *p);
/* Tests in flight. */
size_t		 da_probes_in_flight(void);
/* Cancel every test and free the TLS context. */
void		 da_probe_shutdown(void);

#endif
