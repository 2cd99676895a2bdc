/*
 * circuit_pool.h: the client's general-purpose circuits, and the queue
 * of requests waiting for one.
 *
 * A request (struct pool_waiter, embedded in the application's request)
 * asks for a circuit whose exit accepts its port and whose isolation key
 * matches; circuit_pool_get() returns an open one at once or queues the
 * waiter, launches a circuit if none is coming, and later calls
 * w_ready() or w_failed(), never from inside circuit_pool_get().
 * A timer keeps a few clean circuits built for recently used ports and
 * closes circuits that can take no more streams and carry none.
 */
#ifndef TORD_FEATURE_CLIENT_CIRCUIT_POOL_H
#define TORD_FEATURE_CLIENT_CIRCUIT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "core/or/or.h"
#include "core/proto/docfmt.h"

struct circuit;
struct client_config;

/* Relays a new path should not use as middle or exit (NULL: none). */
#define CLIENT_EXCLUDE_MAX	24
struct client_exclude {
	uint8_t	ce_id[CLIENT_EXCLUDE_MAX][IDENTITY_LEN];
	size_t	ce_n;
};

/*
 * Path selection, replaceable by the directory code (feature/client
 * path.h): fill out[0..2] (guard, middle, exit) for a stream to port
 * (0: any), leaving out the relays of ex as middle and exit, and return
 * 3, or -1 if no path exists.  The default picks from the static relay
 * list of the configuration and ignores ex (the pool redraws instead).
 */
typedef int (*client_pick_path_fn)(uint16_t port, const struct client_exclude *ex,
    struct relay_info out[3]);
extern client_pick_path_fn client_pick_path;
/*
 * The exit-policy summary of a relay, copied into out; false if it is
 * not known (then the exit is assumed to accept every port).  The
 * default looks in the static relay list.
 */
typedef bool (*client_exit_policy_fn)(const uint8_t id[IDENTITY_LEN],
    struct policy_summary *out);
extern client_exit_policy_fn client_exit_policy;
/*
 * Told of every pool circuit that built (built) or failed while
 * building, with the first hop and how many hops were done, so the
 * directory code can judge its guard.  NULL: nobody listens.
 */
typedef void (*client_circuit_result_fn)(const struct circuit *c, bool built);
extern client_circuit_result_fn client_circuit_result;
/*
 * Whether paths are expected soon (the directory is still
 * bootstrapping): while true, "no path" does not count against a
 * waiting request, which then waits up to its own timeout.  NULL: false.
 */
typedef bool (*client_path_pending_fn)(void);
extern client_path_pending_fn client_path_pending;

struct pool_waiter;
TAILQ_HEAD(pool_waiter_list, pool_waiter);

struct pool_waiter {
	uint16_t	 w_port;		/* 0: RESOLVE, any exit */
	const char	*w_key;			/* isolation key (owned by the caller) */
	const uint32_t	*w_avoid;		/* circuit gids not to use */
	size_t		 w_n_avoid;
	/*
	 * Relays not to use past the first hop (those of a circuit that did
	 * not answer this request), the most recent first: open circuits
	 * through one are passed over and new paths leave them out.  When
	 * no path can leave out all of them, the pool keeps as many of the
	 * first ones as a path can (client_pick_path_around) and lowers
	 * w_n_avoid_relays to that.
	 */
	const uint8_t	(*w_avoid_relays)[IDENTITY_LEN];
	size_t		 w_n_avoid_relays;
	int		 w_build_failures;	/* circuits that failed for it */
	/* The circuit is open and already marked used with w_key. */
	void		(*w_ready)(struct pool_waiter *w, struct circuit *c);
	/* No circuit: reason is an END or STREAM_REASON_* reason. */
	void		(*w_failed)(struct pool_waiter *w, int reason);
	bool		 w_queued;
	TAILQ_ENTRY(pool_waiter) w_entry;
};

/*
 * A path for port leaving out the relays of ex if one can; else leaving
 * out as many of ex's first relays as one can (ex->ce_n is lowered to
 * that: the first are what matters most, such as the exit of a circuit
 * that just did not answer); else any path.  Returns 3 with out filled,
 * or -1 if there is no path at all.  Exposed for the tests.
 */
int	client_pick_path_around(uint16_t port, struct client_exclude *ex,
	    struct relay_info out[3]);

/* Start the pool with cfg (kept by pointer: it must outlive the pool). */
void	circuit_pool_init(const struct client_config *cfg);
/* Stop timers, forget waiters (without calling them) and circuit data. */
void	circuit_pool_shutdown(void);

/*
 * An open circuit usable by w right now (marked used with w_key), or
 * NULL: then w is queued and will hear w_ready or w_failed later.
 */
struct circuit	*circuit_pool_get(struct pool_waiter *w);
/* Take w off the queue (the request went away); no callback follows. */
void	circuit_pool_cancel(struct pool_waiter *w);
/*
 * A stream with isolation key `key` was attached to c: the circuit
 * becomes dirty (if clean) and remembers the key of its first stream.
 */
void	circuit_pool_mark_used(struct circuit *c, const char *key);
/* Take no new streams on c (a stream timed out on it). */
void	circuit_pool_retire(struct circuit *c);
/* Remember that port was asked for (preemptive circuits follow it). */
void	circuit_pool_note_port(uint16_t port);
/* NEWNYM: bump the epoch so no older circuit takes new streams. */
void	circuit_pool_newnym(void);
uint64_t	circuit_pool_epoch(void);

/* Counters for the control port. */
struct circuit_pool_stats {
	uint64_t	ps_launched;
	uint64_t	ps_built;
	uint64_t	ps_failed;	/* build failures */
	uint64_t	ps_closed_idle;	/* closed: dirty/retired/old and unused */
	uint64_t	ps_waiters;	/* requests waiting now */
};
const struct circuit_pool_stats *circuit_pool_stats(void);

/* What the pool knows of one of its circuits (for the control port). */
struct circuit_pool_info {
	bool		 pi_retired;
	bool		 pi_current_epoch;
	bool		 pi_usable;	/* would take a new stream of its key */
	const char	*pi_isolation;	/* NULL if clean */
	double		 pi_dirty_since;
	uint16_t	 pi_port;	/* port it was built for, 0 = any */
};
/* Fill out for c; false if c is not one of the pool's circuits. */
bool	circuit_pool_info(const struct circuit *c, struct circuit_pool_info *out);
/* Call cb for every live circuit of the pool, oldest first. */
void	circuit_pool_foreach(void (*cb)(struct circuit *c, void *arg), void *arg);

#endif
