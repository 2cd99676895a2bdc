/*
 * listener.h: listening TCP and Unix sockets.
 *
 * Accepts until EAGAIN and hands each new fd to the owner's callback.
 * Running out of file descriptors never makes it spin: it gives its
 * reserve descriptor up to accept and close the waiting connection (so
 * the peer sees a clean close), and if even that fails it stops
 * accepting for a second.
 */
#ifndef TORD_CORE_MAINLOOP_LISTENER_H
#define TORD_CORE_MAINLOOP_LISTENER_H

#include <stdint.h>

#include "core/mainloop/mainloop.h"
#include "lib/addr.h"

struct listener;

/* Called with a new nonblocking fd; the callee owns it. */
typedef void (*listener_accept_cb)(struct listener *l, int fd, const struct addr *peer,
    void *arg);

/*
 * Listen on a TCP address.  Returns NULL and sets *err (static string)
 * on failure; errno is kept.
 */
struct listener	*listener_new_tcp(const struct addr *a, const char *name,
		    listener_accept_cb cb, void *arg, const char **err);
/* Listen on a Unix socket path (created with mode, stale socket removed). */
struct listener	*listener_new_unix(const char *path, unsigned mode, const char *name,
		    listener_accept_cb cb, void *arg, const char **err);
/* Bound address (the port chosen when 0 was asked). */
const struct addr *listener_addr(const struct listener *l);
const char	*listener_name(const struct listener *l);
/* Connections refused because descriptors ran out. */
uint64_t	 listener_refused(const struct listener *l);
void		 listener_free_(struct listener *l);
#define listener_free(p) FREE_AND_NULL(struct listener, listener_free_, (p))

#endif
