/*
 * control_ns.h: GETINFO ns/all, ns/id/<FP> and ns/name/<NICK>: the
 * network status as this node sees it, one router-status entry per relay
 * in the consensus format ("r", "a", "k", "s", "w", "p", "f" lines; see
 * feature/dir/netstatus.h), without the document's header and signatures.
 *
 * The text always comes from netstatus_format(), so ns/all and a fetched
 * consensus never disagree on syntax.  A node without a consensus (a
 * client on a static relay list) hands over a netstatus built from that
 * list with control_ns_from_entries(), marked with its source.
 */
#ifndef TORD_FEATURE_CONTROL_CONTROL_NS_H
#define TORD_FEATURE_CONTROL_CONTROL_NS_H

#include <stdbool.h>
#include <stddef.h>

#include "feature/dir/netstatus.h"
#include "lib/buf.h"

/* What the node knows of the network right now. */
struct control_ns_view {
	const struct netstatus	*nv_ns;		/* finished or parsed; NULL: nothing */
	const char		*nv_source;	/* "consensus", "static list", ... */
};

/*
 * The source, set by the daemon (app/control_glue.c); it fills *out and
 * returns true, or returns false when the node has no view (551).
 */
typedef bool (*control_ns_fn)(struct control_ns_view *out);
void	control_ns_set_source(control_ns_fn fn);
/* Ask the source; false if none is set or it has nothing. */
bool	control_ns_get(struct control_ns_view *out);

/* Register ns/ with the GETINFO table (after control_start). */
void	control_ns_register(void);

/*
 * Append the router-status entries of ns to out: all of them, or only
 * the relay with identity fingerprint fp (64 hex digits), or only those
 * named nick.  Returns the number of entries written, or -1 if ns cannot
 * be formatted.  Pure (no I/O): unit tests call it.
 */
long	control_ns_format(const struct netstatus *ns, const char *fp, const char *nick,
	    struct buf *out);

/*
 * A consensus-shaped netstatus holding copies of n entries (validity
 * times from valid_after, one placeholder voter), finished so it can be
 * formatted; NULL if an entry is invalid.  For nodes whose relays do not
 * come from a consensus.  Free with netstatus_free().
 */
struct netstatus *control_ns_from_entries(const struct ns_entry *e, size_t n,
	    int64_t valid_after);

#endif
