/*
 * mainloop.c: owns the single libev loop.
 *
 * Signals are delivered through ev_signal (never from a handler), timers
 * and raw fd watchers are thin wrappers, and deferred calls run in an
 * ev_prepare watcher, i.e. after every callback of this iteration and
 * right before the loop blocks.  That one hook gives us both rules of the
 * house: objects marked for close are freed outside any callback chain,
 * and the cells queued during an iteration are written in one batch.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "core/mainloop/mainloop.h"
#include "lib/log.h"

#define ML_MAX_SIGNALS 8

struct ml_signal {
	ev_signal		 s_ev;
	mainloop_signal_cb	 s_cb;
};

static struct ev_loop		*ml_loop;
static ev_prepare		 ml_prepare;
static struct ml_deferred	*ml_defer_head, **ml_defer_tail = &ml_defer_head;
static struct ml_signal		 ml_signals[ML_MAX_SIGNALS];
static size_t			 ml_nsignals;

static void
ml_run_deferred(void)
{
	unsigned rounds;

	/*
	 * A deferred call may queue more work (a close that frees a circuit
	 * that flushes a link ...).  Run until quiet, but bounded so that a
	 * bug cannot spin here forever.
	 */
	for (rounds = 0; ml_defer_head != NULL && rounds < 1000000; rounds++) {
		struct ml_deferred *d = ml_defer_head;

		ml_defer_head = d->d_next;
		if (ml_defer_head == NULL)
			ml_defer_tail = &ml_defer_head;
		d->d_next = NULL;
		d->d_queued = false;
		d->d_cb(d);
	}
}

static void
ml_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	ml_run_deferred();
}

int
mainloop_init(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	/* A peer closing a socket must not kill us. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	ml_loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	if (ml_loop == NULL) {
		log_err(LD_GENERAL, "cannot initialise libev");
		return -1;
	}
	ev_prepare_init(&ml_prepare, ml_prepare_cb);
	ev_prepare_start(ml_loop, &ml_prepare);
	/* The prepare watcher alone must not keep the loop alive. */
	ev_unref(ml_loop);
	return 0;
}

int
mainloop_run(void)
{
	ev_run(ml_loop, 0);
	ml_run_deferred();
	return 0;
}

void
mainloop_exit(void)
{
	if (ml_loop != NULL)
		ev_break(ml_loop, EVBREAK_ALL);
}

void
mainloop_free(void)
{
	size_t i;

	if (ml_loop == NULL)
		return;
	ml_run_deferred();
	for (i = 0; i < ml_nsignals; i++)
		ev_signal_stop(ml_loop, &ml_signals[i].s_ev);
	ml_nsignals = 0;
	ev_ref(ml_loop);
	ev_prepare_stop(ml_loop, &ml_prepare);
	ev_loop_destroy(ml_loop);
	ml_loop = NULL;
}

double
mainloop_now(void)
{
	return ml_loop ? ev_now(ml_loop) : 0.0;
}

static void
ml_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct ml_signal *s = container_of(w, struct ml_signal, s_ev);

	s->s_cb(w->signum);
}

void
mainloop_on_signal(int signo, mainloop_signal_cb cb)
{
	struct ml_signal *s;
	size_t i;

	for (i = 0; i < ml_nsignals; i++)
		if (ml_signals[i].s_ev.signum == signo) {
			ml_signals[i].s_cb = cb;
			return;
		}
	if (BUG(ml_nsignals >= ML_MAX_SIGNALS))
		return;
	s = &ml_signals[ml_nsignals++];
	s->s_cb = cb;
	ev_signal_init(&s->s_ev, ml_signal_cb, signo);
	ev_signal_start(ml_loop, &s->s_ev);
	/* Signal watchers must not keep the loop alive on their own. */
	ev_unref(ml_loop);
}

/* ---- timers ---------------------------------------------------------- */

static void
ml_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ml_timer *t = container_of(w, struct ml_timer, t_ev);

	t->t_cb(t);
}

void
ml_timer_init(struct ml_timer *t, void (*cb)(struct ml_timer *t))
{
	ev_timer_init(&t->t_ev, ml_timer_cb, 0., 0.);
	t->t_cb = cb;
}

void
ml_timer_start(struct ml_timer *t, double after, double repeat)
{
	ev_timer_stop(ml_loop, &t->t_ev);
	ev_timer_set(&t->t_ev, after, repeat);
	ev_timer_start(ml_loop, &t->t_ev);
}

void
ml_timer_stop(struct ml_timer *t)
{
	ev_timer_stop(ml_loop, &t->t_ev);
}

bool
ml_timer_active(const struct ml_timer *t)
{
	return ev_is_active(&t->t_ev);
}

/* ---- raw fd watchers ------------------------------------------------- */

static void
ml_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ml_io *io = container_of(w, struct ml_io, io_ev);
	int events = 0;

	if (revents & EV_READ)
		events |= ML_READ;
	if (revents & EV_WRITE)
		events |= ML_WRITE;
	io->io_cb(io, events);
}

static int
ml_to_ev(int events)
{
	return ((events & ML_READ) ? EV_READ : 0) | ((events & ML_WRITE) ? EV_WRITE : 0);
}

void
ml_io_init(struct ml_io *w, void (*cb)(struct ml_io *w, int events), int fd, int events)
{
	ev_io_init(&w->io_ev, ml_io_cb, fd, ml_to_ev(events));
	w->io_cb = cb;
}

void
ml_io_set(struct ml_io *w, int fd, int events)
{
	bool active = ev_is_active(&w->io_ev);

	if (active)
		ev_io_stop(ml_loop, &w->io_ev);
	ev_io_set(&w->io_ev, fd, ml_to_ev(events));
	if (active)
		ev_io_start(ml_loop, &w->io_ev);
}

void
ml_io_start(struct ml_io *w)
{
	ev_io_start(ml_loop, &w->io_ev);
}

void
ml_io_stop(struct ml_io *w)
{
	ev_io_stop(ml_loop, &w->io_ev);
}

bool
ml_io_active(const struct ml_io *w)
{
	return ev_is_active(&w->io_ev);
}

/* ---- deferred calls -------------------------------------------------- */

void
ml_deferred_init(struct ml_deferred *d, void (*cb)(struct ml_deferred *d))
{
	d->d_next = NULL;
	d->d_cb = cb;
	d->d_queued = false;
}

void
ml_defer(struct ml_deferred *d)
{
	if (d->d_queued)
		return;
	d->d_queued = true;
	d->d_next = NULL;
	*ml_defer_tail = d;
	ml_defer_tail = &d->d_next;
}

void
ml_defer_cancel(struct ml_deferred *d)
{
	struct ml_deferred **pp;

	if (!d->d_queued)
		return;
	for (pp = &ml_defer_head; *pp != NULL; pp = &(*pp)->d_next) {
		if (*pp == d) {
			*pp = d->d_next;
			if (*pp == NULL)
				ml_defer_tail = pp;
			break;
		}
	}
	d->d_next = NULL;
	d->d_queued = false;
}
