/*
 * Unit tests for core/or/circuit's cell queues: circuits queue cells while
 * a link is above its high-water mark, and the link drains them round
 * robin when it falls below the low-water mark.
 *
 * The links here are bare structs with no socket: the test plays the
 * kernel, taking whole cells out of a link's output buffer and calling
 * circuit_link_drained() the way conn_flush() does.  A relay's link
 * carries circuits waiting in both directions (cells going out as their
 * next hop and cells going back toward their client), which is what broke
 * the waiting list before it held one homogeneous entry per direction:
 * cells stayed queued for good and the streams above them stalled.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/mainloop/mainloop.h"
#include "core/or/circuit.h"
#include "core/or/link.h"
#include "core/proto/cell.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/u32map.h"

#define NFWD	6	/* circuits whose next hop is the link */
#define NBACK	6	/* circuits whose previous hop is the link */
#define NCIRC	(NFWD + NBACK)
#define CIRCID_FWD(i)	(100u + (unsigned)(i))
#define CIRCID_BACK(i)	(200u + (unsigned)(i))

struct fixture {
	struct link	*l;		/* the link under test */
	struct link	*l0;		/* where the forward circuits come from */
	struct circuit	*c[NCIRC];
	uint32_t	 sent[NCIRC];	/* cells handed to circuit_send_payload */
	uint32_t	 got[NCIRC];	/* cells taken out of the link, in order */
	uint64_t	 rng;
};

static void
noop_deferred(struct ml_deferred *d)
{
	(void)d;
}

static struct link *
fake_link(void)
{
	struct link *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->l_circs = u32map_new();
	TAILQ_INIT(&l->l_waiting);
	TAILQ_INIT(&l->l_pending);
	l->l_state = LINK_ST_OPEN;
	l->l_peer_is_relay = true;
	l->l_conn.c_state = CONN_ST_OPEN;
	l->l_conn.c_fd = -1;
	l->l_conn.c_hiwat = 4 * CELL_LEN;
	l->l_conn.c_lowat = CELL_LEN;
	/* Nothing runs them: the test moves the bytes itself. */
	ml_deferred_init(&l->l_conn.c_flush_d, noop_deferred);
	ml_deferred_init(&l->l_conn.c_close_d, noop_deferred);
	return l;
}

static void
fake_link_free(struct link *l)
{
	u32map_free(l->l_circs);
	buf_free_storage(&l->l_conn.c_in, 1);
	buf_free_storage(&l->l_conn.c_out, 0);
	free(l);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	assert_non_null(f);
	assert_int_equal(mainloop_init(), 0);
	f->l = fake_link();
	f->l0 = fake_link();
	for (i = 0; i < NFWD; i++) {
		struct circuit *c = circuit_new_relay(f->l0, 1 + (uint32_t)i);

		c->c_n_link = f->l;
		c->c_n_circid = CIRCID_FWD(i);
		link_attach_circuit(f->l, c->c_n_circid, c);
		c->c_state = CIRC_ST_OPEN;
		f->c[i] = c;
	}
	for (i = 0; i < NBACK; i++) {
		struct circuit *c = circuit_new_relay(f->l, CIRCID_BACK(i));

		c->c_state = CIRC_ST_OPEN;
		f->c[NFWD + i] = c;
	}
	f->rng = 0x9e3779b97f4a7c15ull;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < NCIRC; i++)
		circuit_mark_for_close(f->c[i], DESTROY_REASON_NONE, "test over");
	mainloop_free();	/* runs the deferred frees */
	fake_link_free(f->l);
	fake_link_free(f->l0);
	free(f);
	return 0;
}

static uint32_t
rnd(struct fixture *f, uint32_t n)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return (uint32_t)(f->rng % n);
}

/* Circuit i sends one cell through the link, numbered in its payload. */
static void
send_one(struct fixture *f, int i)
{
	uint8_t payload[CELL_PAYLOAD_LEN];

	memset(payload, 0, sizeof(payload));
	payload[0] = (uint8_t)i;
	payload[1] = (uint8_t)(f->sent[i] >> 24);
	payload[2] = (uint8_t)(f->sent[i] >> 16);
	payload[3] = (uint8_t)(f->sent[i] >> 8);
	payload[4] = (uint8_t)f->sent[i];
	circuit_send_payload(f->c[i], i < NFWD, CELL_RELAY, payload);
	f->sent[i]++;
}

/*
 * The kernel takes up to n whole cells from the link; each must be the
 * next one its circuit sent, under that circuit's id on this link.  Then
 * what conn_flush() does below the low-water mark.
 */
static void
take(struct fixture *f, size_t n)
{
	struct conn *c = &f->l->l_conn;

	while (n-- > 0 && buf_len(&c->c_out) >= CELL_LEN) {
		const uint8_t *cell = buf_peek(&c->c_out);
		uint32_t circid = (uint32_t)cell[0] << 24 | (uint32_t)cell[1] << 16 |
		    (uint32_t)cell[2] << 8 | cell[3];
		const uint8_t *p = cell + CELL_HEADER_LEN;
		int i = p[0];
		uint32_t seq = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 8 | p[4];

		assert_true(i >= 0 && i < NCIRC);
		assert_int_equal(circid, i < NFWD ? CIRCID_FWD(i) : CIRCID_BACK(i - NFWD));
		assert_int_equal(cell[4], CELL_RELAY);
		assert_int_equal(seq, f->got[i]);
		f->got[i]++;
		buf_drain(&c->c_out, CELL_LEN);
	}
	if (c->c_above_hiwat && buf_len(&c->c_out) <= c->c_lowat) {
		c->c_above_hiwat = false;
		circuit_link_drained(f->l);
	}
}

static size_t
queued_total(const struct fixture *f)
{
	size_t n = 0;
	int i;

	for (i = 0; i < NCIRC; i++)
		n += circuit_queued_cells(f->c[i]);
	return n;
}

/* Drain everything: every cell sent arrives, in order, and no queue is left. */
static void
drain_all(struct fixture *f)
{
	int i, rounds;

	for (rounds = 0; rounds < 100000 && (buf_len(&f->l->l_conn.c_out) > 0 ||
	    queued_total(f) > 0); rounds++)
		take(f, 4);
	assert_int_equal(buf_len(&f->l->l_conn.c_out), 0);
	assert_int_equal(queued_total(f), 0);
	assert_true(TAILQ_EMPTY(&f->l->l_waiting));
	for (i = 0; i < NCIRC; i++)
		assert_int_equal(f->got[i], f->sent[i]);
}

/* One circuit each way, queued behind a blocked link, then drained. */
static void
test_both_directions(void **state)
{
	struct fixture *f = *state;
	int k;

	for (k = 0; k < 6; k++)		/* above the high-water mark */
		send_one(f, 0);
	assert_true(link_is_blocked(f->l));
	send_one(f, 0);
	send_one(f, NFWD);
	send_one(f, 1);
	send_one(f, NFWD + 1);
	assert_int_equal(queued_total(f), 5);
	drain_all(f);
	/* Again, the other way round first, on the same (reused) entries. */
	for (k = 0; k < 6; k++)
		send_one(f, NFWD + 2);
	send_one(f, NFWD + 2);
	send_one(f, 2);
	send_one(f, NFWD);
	send_one(f, 0);
	drain_all(f);
}

/*
 * Many circuits, both ways, cells arriving while the link drains in
 * small bites: after every step each circuit with queued cells is still
 * reachable from the link, so that draining to the end delivers all.
 */
static void
test_mixed_random(void **state)
{
	struct fixture *f = *state;
	int step, k;

	for (step = 0; step < 20000; step++) {
		if (rnd(f, 3) != 0) {
			int i = (int)rnd(f, NCIRC), n = 1 + (int)rnd(f, 4);

			for (k = 0; k < n; k++)
				send_one(f, i);
		} else {
			take(f, 1 + rnd(f, 8));
		}
	}
	drain_all(f);
}

/* A circuit closed while queued leaves the waiting list; the others go on. */
static void
test_close_while_waiting(void **state)
{
	struct fixture *f = *state;
	int k;

	for (k = 0; k < 6; k++)
		send_one(f, NFWD + 3);
	send_one(f, 3);
	send_one(f, NFWD + 4);
	send_one(f, 4);
	send_one(f, NFWD + 5);
	assert_int_equal(queued_total(f), 5);	/* the 6th of NFWD + 3 waits too */
	/* Close the middle ones of the list: one each way. */
	circuit_mark_for_close(f->c[NFWD + 4], DESTROY_REASON_NONE, "test");
	circuit_mark_for_close(f->c[4], DESTROY_REASON_NONE, "test");
	assert_int_equal(queued_total(f), 3);
	/* Their DESTROYs jump the queue; the cells they had queued are gone. */
	f->sent[NFWD + 4] = f->got[NFWD + 4];
	f->sent[4] = f->got[4];
	{
		struct conn *c = &f->l->l_conn;
		size_t i, n = buf_len(&c->c_out) / CELL_LEN, destroys = 0;
		struct buf keep;

		/* Take the DESTROY cells out; the rest goes through take(). */
		memset(&keep, 0, sizeof(keep));
		for (i = 0; i < n; i++) {
			const uint8_t *cell = (const uint8_t *)buf_peek(&c->c_out) + i * CELL_LEN;

			if (cell[4] == CELL_DESTROY)
				destroys++;
			else
				buf_add(&keep, cell, CELL_LEN);
		}
		assert_int_equal(destroys, 2);
		buf_drain(&c->c_out, buf_len(&c->c_out));
		buf_add(&c->c_out, buf_peek(&keep), buf_len(&keep));
		buf_free_storage(&keep, 0);
	}
	drain_all(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_directions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_while_waiting, setup, teardown),
	};

	log_set_level(LL_ERR);
	return cmocka_run_group_tests_name("circuit_queue", tests, NULL, NULL);
}
