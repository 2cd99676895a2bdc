/*
 * mainloop.h: the one owner of the libev loop.
 *
 * Other modules never call ev_*; they embed the small watcher types below
 * in their own objects and get them back in callbacks with container_of.
 * Deferred work (ml_defer) runs after the current callback chain unwinds
 * and before the loop blocks again: it is how objects are freed after
 * mark-for-close, and how many cells queued during one loop iteration
 * leave in one TLS write.
 */
#ifndef TORD_CORE_MAINLOOP_MAINLOOP_H
#define TORD_CORE_MAINLOOP_MAINLOOP_H

#include <stdbool.h>
#include <ev.h>

#include "lib/util.h"

/* Create the loop, ignore SIGPIPE; 0 on success. */
int	mainloop_init(void);
/* Run until mainloop_exit(); returns 0. */
int	mainloop_run(void);
/* Stop after the current iteration (deferred work still runs). */
void	mainloop_exit(void);
/* Release the loop and its signal watchers. */
void	mainloop_free(void);
/* Cached loop time in seconds (monotonic), updated once per iteration. */
double	mainloop_now(void);

/* Call cb from the loop (never from the handler) when signo arrives. */
typedef void (*mainloop_signal_cb)(int signo);
void	mainloop_on_signal(int signo, mainloop_signal_cb cb);

/* Timers. */
struct ml_timer {
	ev_timer	  t_ev;
	void		(*t_cb)(struct ml_timer *t);
};
void	ml_timer_init(struct ml_timer *t, void (*cb)(struct ml_timer *t));
/* Fire after `after` seconds, then every `repeat` seconds if repeat > 0. */
void	ml_timer_start(struct ml_timer *t, double after, double repeat);
void	ml_timer_stop(struct ml_timer *t);
bool	ml_timer_active(const struct ml_timer *t);

/* Raw fd watchers, for libraries that own their fds (c-ares). */
#define ML_READ		0x1
#define ML_WRITE	0x2
struct ml_io {
	ev_io		  io_ev;
	void		(*io_cb)(struct ml_io *w, int events);
};
void	ml_io_init(struct ml_io *w, void (*cb)(struct ml_io *w, int events), int fd, int events);
void	ml_io_set(struct ml_io *w, int fd, int events);
void	ml_io_start(struct ml_io *w);
void	ml_io_stop(struct ml_io *w);
bool	ml_io_active(const struct ml_io *w);

/* Deferred calls: each runs once, in queueing order, before the loop blocks. */
struct ml_deferred {
	struct ml_deferred	 *d_next;
	void			(*d_cb)(struct ml_deferred *d);
	bool			  d_queued;
};
void	ml_deferred_init(struct ml_deferred *d, void (*cb)(struct ml_deferred *d));
/* Queue d unless it is already queued. */
void	ml_defer(struct ml_deferred *d);
/* Remove d from the queue if queued. */
void	ml_defer_cancel(struct ml_deferred *d);

#endif
