/*
 * control_or.h: the control port's view of the onion-routing core:
 * GETINFO circuit-status, stream-status, orconn-status and
 * status/circuit-established, and the CIRC, STREAM and ORCONN events.
 *
 * The core (core/or) sits below feature/control and never calls it
 * directly: it reports state changes through three observer pointers
 * (circuit_event_hook, stream_event_hook, link_event_hook) that
 * control_or_hooks_install() points at the event functions below while
 * the control port runs.
 */
#ifndef TORD_FEATURE_CONTROL_CONTROL_OR_H
#define TORD_FEATURE_CONTROL_CONTROL_OR_H

#include <stdbool.h>

struct circuit;
struct link;
struct stream;

/* Register the GETINFO keys above; call after control_start(). */
void	control_or_register(void);

/*
 * "650 CIRC ID STATUS PATH PURPOSE=... TIME_CREATED=... [REASON=...]".
 * status: LAUNCHED, EXTENDED, BUILT, FAILED or CLOSED; NULL takes it from
 * the circuit's state.  reason: a word, or NULL.
 */
void	control_event_circuit(const struct circuit *c, const char *status, const char *reason);
/*
 * "650 STREAM ID STATUS CIRCID TARGET [REASON=...]" for client streams;
 * status: NEW, NEWRESOLVE, SENTCONNECT, SENTRESOLVE, SUCCEEDED, FAILED,
 * CLOSED, DETACHED;
 * NULL takes it from the stream's state.
 */
void	control_event_stream(const struct stream *s, const char *status, const char *reason);
/* "650 ORCONN $FP~nick STATUS [REASON=...]"; status: LAUNCHED, CONNECTED, FAILED, CLOSED. */
void	control_event_orconn(const struct link *l, const char *status, const char *reason);

/*
 * Install the three functions above as the core's observers
 * (circuit_event_hook, stream_event_hook, link_event_hook), or remove
 * them (on = false).  Reasons are printed as upper-case words.
 */
void	control_or_hooks_install(bool on);

#endif
