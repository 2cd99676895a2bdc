/*
 * test_publish.c: the relay side of registration (feature/relay):
 * descriptor fields from settings and keys, the challenge answer, the
 * retry schedule, onion key rotation arithmetic, observed bandwidth, and
 * the uploader against forked loopback authorities (one accepting after
 * checking signature and nonce, one refusing, one down, one that comes
 * up late).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/crypto/keys.h"
#include "core/mainloop/mainloop.h"
#include "feature/dir/descriptor.h"
#include "feature/dir/dirclient.h"
#include "feature/relay/bwhist.h"
#include "feature/relay/onionkey.h"
#include "feature/relay/publish.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/util.h"

#define DAY	86400

/* ---- onion key schedule -------------------------------------------------- */

static void
test_onionkey_plan(void **state)
{
	struct onionkey_plan p;
	const int64_t rot = 28 * DAY, grace = 7 * DAY, t0 = 1700000000;

	/* Fresh key, no previous one: sleep, but at most ONIONKEY_MAX_SLEEP. */
	p = onionkey_plan(t0, t0, false, rot, grace);
	assert_false(p.op_rotate);
	assert_false(p.op_drop_prev);
	assert_int_equal(p.op_next, ONIONKEY_MAX_SLEEP);
	/* Short periods are hit exactly. */
	p = onionkey_plan(t0 + 10, t0, false, 60, 30);
	assert_false(p.op_rotate);
	assert_int_equal(p.op_next, 50);
	/* Within the grace period the drop comes first. */
	p = onionkey_plan(t0 + 10, t0, true, 60, 30);
	assert_false(p.op_drop_prev);
	assert_int_equal(p.op_next, 20);
	p = onionkey_plan(t0 + 30, t0, true, 60, 30);
	assert_true(p.op_drop_prev);
	assert_false(p.op_rotate);
	assert_int_equal(p.op_next, 30);
	/* Rotation due: rotate, keep the old key, next decision at the grace end. */
	p = onionkey_plan(t0 + 60, t0, false, 60, 30);
	assert_true(p.op_rotate);
	assert_false(p.op_drop_prev);
	assert_int_equal(p.op_next, 30);
	/* Long overdue (relay was down): rotate once, not once per period. */
	p = onionkey_plan(t0 + 100 * DAY, t0, true, rot, grace);
	assert_true(p.op_rotate);
	assert_false(p.op_drop_prev);
	/* Grace 0: the old key goes with the rotation. */
	p = onionkey_plan(t0 + 60, t0, true, 60, 0);
	assert_true(p.op_rotate);
	assert_true(p.op_drop_prev);
	assert_int_equal(p.op_next, 60);
	/* Restart during the grace period keeps the old key until its end. */
	p = onionkey_plan(t0 + 3 * DAY, t0, true, rot, grace);
	assert_false(p.op_rotate);
	assert_false(p.op_drop_prev);
	p = onionkey_plan(t0 + 7 * DAY, t0, true, rot, grace);
	assert_true(p.op_drop_prev);
	/* A key dated in the future (clock stepped back) is treated as new. */
	p = onionkey_plan(t0, t0 + 365 * DAY, false, 60, 30);
	assert_false(p.op_rotate);
	assert_int_equal(p.op_next, 60);
	/* Never a zero or negative sleep. */
	p = onionkey_plan(t0 + 59, t0, false, 60, 30);
	assert_int_equal(p.op_next, 1);
	p = onionkey_plan(t0, t0, false, 0, -5);
	assert_true(p.op_next >= 1);
}

/* ---- retry delay ------------------------------------------------------------ */

static void
test_retry_delay(void **state)
{
	unsigned n;
	double prev = 0;

	assert_true(publish_retry_delay(1, 3600, 1.0) == PUBLISH_RETRY_MIN);
	assert_true(publish_retry_delay(2, 3600, 1.0) == 2 * PUBLISH_RETRY_MIN);
	assert_true(publish_retry_delay(4, 3600, 1.0) == 8 * PUBLISH_RETRY_MIN);
	/* Capped by PUBLISH_RETRY_MAX in production ... */
	assert_true(publish_retry_delay(30, 3600, 1.0) == PUBLISH_RETRY_MAX);
	assert_true(publish_retry_delay(4000000000u, 3600, 1.0) == PUBLISH_RETRY_MAX);
	/* ... and by the interval in test networks. */
	assert_true(publish_retry_delay(10, 5, 1.0) == 5);
	/* Jitter scales into [cap/2, cap]; bad jitter values are clamped. */
	assert_true(publish_retry_delay(30, 3600, 0.5) == PUBLISH_RETRY_MAX / 2);
	assert_true(publish_retry_delay(30, 3600, 7.0) == PUBLISH_RETRY_MAX);
	assert_true(publish_retry_delay(30, 3600, -1.0) == PUBLISH_RETRY_MAX / 2);
	assert_true(publish_retry_delay(30, 3600, 0.0 / 0.0) == PUBLISH_RETRY_MAX / 2);
	/* Never below half the minimum, even with a tiny interval. */
	assert_true(publish_retry_delay(1, 0.01, 0.5) == PUBLISH_RETRY_MIN / 2);
	/* Monotonic in n. */
	for (n = 1; n < 40; n++) {
		double d = publish_retry_delay(n, 3600, 1.0);

		assert_true(d >= prev);
		prev = d;
	}
}

/* ---- challenge answer ------------------------------------------------------ */

static void
test_parse_challenge(void **state)
{
	uint8_t nonce[DESC_NONCE_LEN];
	char good[128];
	size_t i;

	snprintf(good, sizeof(good), "nonce %s\n",
	    "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF");
	assert_int_equal(publish_parse_challenge(good, strlen(good), nonce), 0);
	assert_int_equal(nonce[0], 0x00);
	assert_int_equal(nonce[1], 0x11);
	assert_int_equal(nonce[31], 0xff);
	/* Missing newline, short, long, bad hex, wrong keyword, NULL. */
	assert_int_equal(publish_parse_challenge(good, strlen(good) - 1, nonce), -1);
	assert_int_equal(publish_parse_challenge("nonce 00\n", 9, nonce), -1);
	good[6] = 'g';
	assert_int_equal(publish_parse_challenge(good, strlen(good), nonce), -1);
	good[6] = '0';
	good[0] = 'N';
	assert_int_equal(publish_parse_challenge(good, strlen(good), nonce), -1);
	assert_int_equal(publish_parse_challenge(NULL, 0, nonce), -1);
	/* Every truncation is refused (bounded, never reads past len). */
	good[0] = 'n';
	for (i = 0; i < strlen(good); i++)
		assert_int_equal(publish_parse_challenge(good, i, nonce), -1);
}

/* ---- descriptor fields -------------------------------------------------- */

static void
make_config(struct publish_config *pc, const char *addr)
{
	memset(pc, 0, sizeof(*pc));
	strcpy(pc->pc_nickname, "relay1");
	assert_int_equal(addr_parse(addr, true, &pc->pc_address), 0);
	pc->pc_bw_avg = 1000000;
	pc->pc_bw_burst = 2000000;
	policy_summary_reject_all(&pc->pc_policy);
	pc->pc_interval = 3600;
}

static void
test_fill_and_sign(void **state)
{
	struct node_keys k = { 0 };
	struct publish_config pc;
	struct publish_state st = { .ps_bound_port = 5001, .ps_now = 1700000000,
	    .ps_uptime = 42, .ps_observed = 12345 };
	struct relay_descriptor d, back;
	struct docfmt_reason why = { "" };
	uint8_t nonce[DESC_NONCE_LEN];
	char err[128] = "", *doc;
	size_t len;

	k.nk_identity = ed25519_generate();
	k.nk_onion = x25519_generate();
	assert_non_null(k.nk_identity);
	assert_non_null(k.nk_onion);
	crypto_rand(nonce, sizeof(nonce));
	make_config(&pc, "127.0.0.1");
	/* Family: ourselves is left out, the other one kept. */
	memcpy(pc.pc_family[0], ed25519_public(k.nk_identity), IDENTITY_LEN);
	memset(pc.pc_family[1], 0x42, IDENTITY_LEN);
	pc.pc_n_family = 2;
	pc.pc_is_exit = true;	/* but the summary accepts nothing: not an exit */
	assert_int_equal(publish_fill(&pc, &k, &st, nonce, &d, err, sizeof(err)), 0);
	assert_int_equal(d.rd_or_port, 5001);	/* port 0 in the config: bound port */
	assert_int_equal(d.rd_ipv4, 0x7f000001);
	assert_int_equal(d.rd_n_family, 1);
	assert_false(d.rd_is_exit);
	assert_int_equal(d.rd_bw_observed, 12345);
	assert_int_equal(strncmp(d.rd_platform, "tord ", 5), 0);

	doc = descriptor_build(&d, k.nk_identity, &len);
	assert_non_null(doc);
	assert_int_equal(descriptor_parse(doc, len, &back, &why), PARSE_OK);
	assert_memory_equal(back.rd_onion_key, x25519_public(k.nk_onion), X25519_LEN);
	assert_memory_equal(back.rd_identity, ed25519_public(k.nk_identity), IDENTITY_LEN);
	assert_int_equal(descriptor_check(&back, st.ps_now, 60, nonce, &why), 0);
	assert_int_equal(back.rd_uptime, 42);
	free(doc);

	/* An exit with a real summary, and an explicit advertised port. */
	make_config(&pc, "127.3.0.1:9003");
	pc.pc_is_exit = true;
	assert_int_equal(policy_summary_parse("accept 1-65535", &pc.pc_policy), 0);
	assert_int_equal(publish_fill(&pc, &k, &st, nonce, &d, err, sizeof(err)), 0);
	assert_true(d.rd_is_exit);
	assert_int_equal(d.rd_or_port, 9003);

	/* Unusable settings are refused with a reason. */
	make_config(&pc, "[::1]:9003");
	assert_int_equal(publish_fill(&pc, &k, &st, nonce, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "IPv4"));
	make_config(&pc, "127.0.0.1");
	st.ps_bound_port = 0;
	assert_int_equal(publish_fill(&pc, &k, &st, nonce, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "port"));
	keys_clear(&k);
}

static void
test_same_descriptor(void **state)
{
	struct publish_config a, b;

	make_config(&a, "127.0.0.1:9001");
	make_config(&b, "127.0.0.1:9001");
	b.pc_interval = 5;	/* not published */
	b.pc_n_auth = 1;	/* nor is the authority list */
	assert_true(publish_config_same_descriptor(&a, &b));
	b.pc_bw_avg++;
	assert_false(publish_config_same_descriptor(&a, &b));
	make_config(&b, "127.0.0.2:9001");
	assert_false(publish_config_same_descriptor(&a, &b));
	make_config(&b, "127.0.0.1:9001");
	assert_int_equal(policy_summary_parse("accept 80", &b.pc_policy), 0);
	assert_false(publish_config_same_descriptor(&a, &b));
	make_config(&b, "127.0.0.1:9001");
	b.pc_n_family = 1;
	assert_false(publish_config_same_descriptor(&a, &b));
}

/* ---- observed bandwidth ------------------------------------------------ */

static void
test_bwhist(void **state)
{
	struct bwhist h;
	double t = 1000;
	uint64_t r = 5000, w = 7000;
	int i;

	bwhist_init(&h, t, r, w);
	assert_int_equal(bwhist_observed(&h), 0);
	/* 10 s at 1000 B/s read, 2000 B/s written: the smaller side counts. */
	t += 10; r += 10000; w += 20000;
	bwhist_sample(&h, t, r, w);
	assert_int_equal(bwhist_observed(&h), 1000);
	/* A sample too soon is ignored, then the next one covers the span. */
	bwhist_sample(&h, t + 1, r + 1000000, w + 1000000);
	t += 10; r += 50000; w += 50000;
	bwhist_sample(&h, t, r, w);
	assert_int_equal(bwhist_observed(&h), 5000);
	/* Idle periods do not lower the day's maximum. */
	for (i = 0; i < 100; i++) {
		t += 10;
		bwhist_sample(&h, t, r, w);
	}
	assert_int_equal(bwhist_observed(&h), 5000);
	/* Counters going backwards: no rate recorded, counting restarts. */
	bwhist_sample(&h, t + 10, 0, 0);
	bwhist_sample(&h, t + 20, 100, 100);
	assert_int_equal(bwhist_observed(&h), 5000);
	/* A day later the old maximum has gone. */
	for (i = 0; i < 25; i++) {
		t += BWHIST_BUCKET_SECS;
		bwhist_sample(&h, t, 100, 100);
	}
	assert_int_equal(bwhist_observed(&h), 0);
	/* A gap longer than a day clears everything at once. */
	t += 10;
	bwhist_sample(&h, t, 100 + 30000, 100 + 30000);
	assert_int_equal(bwhist_observed(&h), 3000);
	t += 3 * DAY;
	bwhist_sample(&h, t, 200000, 200000);
	assert_true(bwhist_observed(&h) < 3000);
}

/* ---- the uploader against loopback authorities ------------------------ */

enum fake_kind { FAKE_ACCEPT, FAKE_REFUSE };

static char log_path[64];

static void
xsend(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void
answer(int fd, int code, const char *body)
{
	char head[160];

	snprintf(head, sizeof(head), "HTTP/1.0 %d X\r\nContent-Length: %zu\r\n\r\n", code,
	    strlen(body));
	xsend(fd, head, strlen(head));
	xsend(fd, body, strlen(body));
}

/* One request per connection, served in turn: one relay, one at a time. */
static void
fake_serve(int fd, enum fake_kind kind, uint8_t nonce[DESC_NONCE_LEN], bool *have)
{
	static char req[16384];
	char hex[2 * DESC_NONCE_LEN + 1], line[200], key[DOCFMT_B64_LEN(X25519_LEN)];
	size_t got = 0, need = 0, head = 0;
	struct relay_descriptor d;
	struct docfmt_reason why = { "" };
	char *p;

	for (;;) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if ((p = strstr(req, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(req, "Content-Length: ");

			head = (size_t)(p + 4 - req);
			need = head + (cl != NULL && cl < p ? strtoul(cl + 16, NULL, 10) : 0);
			if (got >= need)
				break;
		}
		if (got >= sizeof(req) - 1)
			return;
	}
	if (strncmp(req, "GET /tord/challenge ", 20) == 0) {
		crypto_rand(nonce, DESC_NONCE_LEN);
		*have = true;
		util_hex_encode(nonce, DESC_NONCE_LEN, hex);
		snprintf(line, sizeof(line), "nonce %s\n", hex);
		answer(fd, 200, line);
		return;
	}
	if (strncmp(req, "POST /tord/descriptor ", 22) != 0) {
		answer(fd, 404, "no such document\n");
		return;
	}
	if (kind == FAKE_REFUSE) {
		answer(fd, 403, "fingerprint not on the allow-list\n");
		return;
	}
	if (descriptor_parse(req + head, need - head, &d, &why) != PARSE_OK ||
	    descriptor_check(&d, util_wall_sec(), 60, *have ? nonce : NULL, &why) < 0 ||
	    !*have) {
		snprintf(line, sizeof(line), "%s\n", why.msg[0] ? why.msg : "no challenge");
		answer(fd, 400, line);
		return;
	}
	*have = false;	/* one use */
	answer(fd, 200, "descriptor accepted\n");
	docfmt_b64_encode(d.rd_onion_key, X25519_LEN, key);
	snprintf(line, sizeof(line), "ok %s\n", key);
	{
		int lf = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);

		if (lf >= 0) {
			xsend(lf, line, strlen(line));
			close(lf);
		}
	}
}

static void
fake_main(int lfd, enum fake_kind kind)
{
	uint8_t nonce[DESC_NONCE_LEN];
	bool have = false;

	alarm(120);	/* bounded even if the parent dies without killing us */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		fake_serve(fd, kind, nonce, &have);
		close(fd);
	}
}

/* A loopback listening socket on port (0: any); its address in *a. */
static int
listen_on(uint16_t port, struct addr *a)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	memset(a, 0, sizeof(*a));
	memcpy(&a->a_u.sin, &sin, sizeof(sin));
	a->a_len = sizeof(sin);
	return fd;
}

static pid_t
fake_start(int lfd, enum fake_kind kind)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		fake_main(lfd, kind);
	close(lfd);
	return pid;
}

/* Lines of the accepting authority's log, and the last one. */
static int
log_lines(char *last, size_t lastlen)
{
	char buf[8192];
	int fd = open(log_path, O_RDONLY), n = 0;
	ssize_t got;
	char *p, *start;

	if (last != NULL && lastlen > 0)
		last[0] = '\0';
	if (fd < 0)
		return 0;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	for (p = start = buf; *p != '\0'; p++) {
		if (*p != '\n')
			continue;
		n++;
		if (last != NULL)
			snprintf(last, lastlen, "%.*s", (int)(p - start), start);
		start = p + 1;
	}
	return n;
}

static struct {
	int	want_lines;
	size_t	want_accepted;
} waitc;

static void
poll_cb(struct ml_timer *t)
{
	if (log_lines(NULL, 0) >= waitc.want_lines &&
	    publish_n_accepted() >= waitc.want_accepted)
		mainloop_exit();
}

static void
guard_cb(struct ml_timer *t)
{
	mainloop_exit();
}

/* Run the loop until the log has n lines and k authorities accepted, or 30 s. */
static void
run_until(int n, size_t k)
{
	struct ml_timer poll, guard;

	waitc.want_lines = n;
	waitc.want_accepted = k;
	ml_timer_init(&poll, poll_cb);
	ml_timer_init(&guard, guard_cb);
	ml_timer_start(&poll, 0.05, 0.05);
	ml_timer_start(&guard, 30.0, 0);
	mainloop_run();
	ml_timer_stop(&poll);
	ml_timer_stop(&guard);
}

static void
test_uploader(void **state)
{
	char tmpl[] = "/tmp/test_publish.XXXXXX", *dir, *err = NULL, last[200];
	char key[DOCFMT_B64_LEN(X25519_LEN)], want[200];
	struct publish_config pc;
	struct node_keys k;
	struct addr a_ok, a_refuse, a_down, a_late;
	pid_t p_ok, p_refuse, p_late = -1;
	int fd, n;
	uint16_t late_port;

	signal(SIGPIPE, SIG_IGN);
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	snprintf(log_path, sizeof(log_path), "%s/accepted", dir);
	assert_int_equal(keys_load(dir, true, &k, &err), 0);
	assert_int_equal(mainloop_init(), 0);

	p_ok = fake_start(listen_on(0, &a_ok), FAKE_ACCEPT);
	p_refuse = fake_start(listen_on(0, &a_refuse), FAKE_REFUSE);
	/* Two ports with nobody listening (yet). */
	fd = listen_on(0, &a_down);
	close(fd);
	fd = listen_on(0, &a_late);
	late_port = addr_port(&a_late);
	close(fd);

	make_config(&pc, "127.0.0.1:9001");
	pc.pc_interval = 2;
	pc.pc_n_auth = 4;
	strcpy(pc.pc_auth[0].pa_nickname, "down");
	pc.pc_auth[0].pa_addr = a_down;
	strcpy(pc.pc_auth[1].pa_nickname, "refuser");
	pc.pc_auth[1].pa_addr = a_refuse;
	strcpy(pc.pc_auth[2].pa_nickname, "good");
	pc.pc_auth[2].pa_addr = a_ok;
	strcpy(pc.pc_auth[3].pa_nickname, "late");
	pc.pc_auth[3].pa_addr = a_late;
	assert_int_equal(publish_start(&pc, &k), 0);

	/* The good authority gets a verified descriptor though others fail. */
	run_until(1, 1);
	assert_int_equal(log_lines(last, sizeof(last)), 1);
	docfmt_b64_encode(x25519_public(k.nk_onion), X25519_LEN, key);
	snprintf(want, sizeof(want), "ok %s", key);
	assert_string_equal(last, want);
	assert_int_equal(publish_n_accepted(), 1);

	/* An authority that comes up later is registered by the retries. */
	fd = listen_on(late_port, &a_late);
	if (fd >= 0) {
		p_late = fake_start(fd, FAKE_ACCEPT);
		run_until(0, 2);
		assert_int_equal(publish_n_accepted(), 2);
	}

	/* A rotated onion key is uploaded at once. */
	n = log_lines(NULL, 0);
	assert_int_equal(keys_rotate_onion(&k, dir, &err), 0);
	publish_descriptor_changed("test rotation");
	docfmt_b64_encode(x25519_public(k.nk_onion), X25519_LEN, key);
	snprintf(want, sizeof(want), "ok %s", key);
	run_until(n + 1, 0);
	assert_true(log_lines(last, sizeof(last)) >= n + 1);
	assert_string_equal(last, want);

	/* And re-uploaded periodically (interval 2 s): two more. */
	n = log_lines(NULL, 0);
	run_until(n + 2, 0);
	assert_true(log_lines(NULL, 0) >= n + 2);

	publish_stop();
	assert_int_equal(dirclient_in_flight(), 0);
	kill(p_ok, SIGTERM);
	kill(p_refuse, SIGTERM);
	waitpid(p_ok, NULL, 0);
	waitpid(p_refuse, NULL, 0);
	if (p_late > 0) {
		kill(p_late, SIGTERM);
		waitpid(p_late, NULL, 0);
	}
	mainloop_free();
	keys_clear(&k);
	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	assert_int_equal(system(want), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_onionkey_plan),
		cmocka_unit_test(test_retry_delay),
		cmocka_unit_test(test_parse_challenge),
		cmocka_unit_test(test_fill_and_sign),
		cmocka_unit_test(test_same_descriptor),
		cmocka_unit_test(test_bwhist),
		cmocka_unit_test(test_uploader),
	};

	crypto_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
