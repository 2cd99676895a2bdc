/*
 * torctl_top.c: `torctl top`, a full-screen view of one node refreshed
 * every second, like top(1) or nyx: identity and uptime, bootstrap,
 * consensus, rates, counts, role figures, then the circuits and streams.
 *
 * On a terminal it uses the alternate screen, hides the cursor, reads
 * keys without echo (q quits; Control-C and SIGTERM too, through
 * torctl_stop) and restores the terminal on every way out.  When stdout
 * is not a terminal it prints one frame, without escape sequences, and
 * exits: that is what scripts and tests see.
 *
 * A frame is rendered into memory first and cut to the window's size,
 * so a long list never scrolls the screen.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/proto/ctl.h"
#include "lib/util.h"
#include "tools/torctl.h"
#include "tools/torctl_out.h"

#define TOP_REFRESH_MS	1000
#define TOP_POLL_MS	100

enum top_key {
	TK_ROLE, TK_NICK, TK_UPTIME, TK_BOOT, TK_NS_SOURCE, TK_NS_RELAYS, TK_NS_VA,
	TK_LINKS, TK_CIRCS, TK_STREAMS, TK_READ, TK_WRITTEN, TK_RATE_R, TK_RATE_W,
	TK_R_CARRIED, TK_R_CPS, TK_E_OPENED, TK_E_REFUSED, TK_A_LISTED,
	TK_CIRC_STATUS, TK_STREAM_STATUS,
	TK_COUNT_
};

static const char *const top_keys[TK_COUNT_] = {
	"tord/role", "nickname", "uptime", "status/bootstrap-phase",
	"tord/consensus/source", "tord/consensus/relays", "tord/consensus/valid-after",
	"tord/links", "tord/circuits", "tord/streams", "traffic/read", "traffic/written",
	"tord/rate/read", "tord/rate/written",
	"tord/relay/circuits-carried", "tord/relay/cells-per-second",
	"tord/exit/streams-opened", "tord/exit/refused-policy", "tord/authority/relays-listed",
	"circuit-status", "stream-status",
};

static const char *
dash(const char *s)
{
	return s != NULL ? s : "-";
}

/* Render one frame into f; the values are those of one refresh. */
static void
top_render(FILE *f, char **v)
{
	struct ctl_args boot;
	char t1[48], t2[48], t3[48];
	long long va, age = -1;

	memset(&boot, 0, sizeof(boot));
	if (v[TK_BOOT] != NULL)
		(void)ctl_args_parse(v[TK_BOOT], strlen(v[TK_BOOT]), &boot);
	if (v[TK_NS_VA] != NULL && util_parse_ll(v[TK_NS_VA], 1, 1LL << 40, &va) == 0)
		age = (long long)time(NULL) > va ? (long long)time(NULL) - va : 0;
	fprintf(f, "torctl top: %s (%s)   up %s   q quits\n", dash(v[TK_NICK]), dash(v[TK_ROLE]),
	    out_duration(v[TK_UPTIME], t1, sizeof(t1)));
	fprintf(f, "bootstrap %s%% %s   consensus %s, %s relays, age %s\n",
	    dash(ctl_args_get(&boot, "PROGRESS")), dash(ctl_args_get(&boot, "TAG")),
	    dash(v[TK_NS_SOURCE]), dash(v[TK_NS_RELAYS]), out_age(age, t2, sizeof(t2)));
	fprintf(f, "rate      %s/s in, ", out_bytes(v[TK_RATE_R], t1, sizeof(t1)));
	fprintf(f, "%s/s out   traffic %s read, ", out_bytes(v[TK_RATE_W], t2, sizeof(t2)),
	    out_bytes(v[TK_READ], t3, sizeof(t3)));
	fprintf(f, "%s written\n", out_bytes(v[TK_WRITTEN], t1, sizeof(t1)));
	fprintf(f, "links %s   circuits %s   streams %s", dash(v[TK_LINKS]), dash(v[TK_CIRCS]),
	    dash(v[TK_STREAMS]));
	if (v[TK_R_CARRIED] != NULL)
		fprintf(f, "   relayed: %s circuits, %s cells/s", v[TK_R_CARRIED],
		    dash(v[TK_R_CPS]));
	if (v[TK_E_OPENED] != NULL)
		fprintf(f, "   exit: %s opened, %s refused", v[TK_E_OPENED], dash(v[TK_E_REFUSED]));
	if (v[TK_A_LISTED] != NULL)
		fprintf(f, "   authority: %s relays listed", v[TK_A_LISTED]);
	fprintf(f, "\n\n");
	ctl_args_clear(&boot);
	out_set_file(f);
	if (v[TK_CIRC_STATUS] != NULL)
		(void)out_circuits(v[TK_CIRC_STATUS], false);
	fputc('\n', f);
	if (v[TK_STREAM_STATUS] != NULL)
		(void)out_streams(v[TK_STREAM_STATUS], false);
	out_set_file(NULL);
}

/* Write text to stdout, at most rows lines of at most cols bytes each. */
static void
top_emit(const char *text, size_t len, int rows, int cols)
{
	const char *p = text, *end = text + len, *nl;
	int r;

	for (r = 0; p < end && (rows <= 0 || r < rows); r++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		fwrite(p, 1, cols > 0 ? MIN((size_t)cols, (size_t)(nl - p)) : (size_t)(nl - p),
		    stdout);
		/* Erase what the previous frame left to the right, then go on. */
		if (rows > 0)
			fputs("\033[K", stdout);
		if (nl < end && (rows <= 0 || r + 1 < rows))
			fputc('\n', stdout);
		p = nl + 1;
	}
	if (rows > 0)
		fputs("\033[J", stdout);	/* and below */
}

/* One refresh: query, render, print.  -1 if the node went away. */
static int
top_frame(struct torctl_ctx *x, bool tty)
{
	struct winsize ws;
	char *v[TK_COUNT_], *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int rc = 0;

	for (i = 0; i < TK_COUNT_; i++)
		v[i] = torctl_getinfo(x, top_keys[i], true);
	/* circuit-status is answered by every node: none means no node. */
	if (v[TK_CIRC_STATUS] == NULL && v[TK_UPTIME] == NULL) {
		rc = -1;
		goto done;
	}
	f = open_memstream(&text, &len);
	if (f == NULL) {
		rc = -1;
		goto done;
	}
	top_render(f, v);
	fclose(f);
	if (tty) {
		memset(&ws, 0, sizeof(ws));
		(void)ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
		fputs("\033[H", stdout);
		top_emit(text, len, ws.ws_row > 0 ? ws.ws_row : 24, ws.ws_col > 0 ? ws.ws_col : 80);
	} else {
		fwrite(text, 1, len, stdout);
	}
	fflush(stdout);
done:
	free(text);
	for (i = 0; i < TK_COUNT_; i++)
		free(v[i]);
	return rc;
}

int
torctl_top(struct torctl_ctx *x)
{
	struct termios old, raw;
	struct pollfd pfd;
	bool tty = isatty(STDOUT_FILENO);
	bool keys = tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	uint64_t next = 0;
	int rc = TORCTL_EXIT_OK;
	char c;

	if (!tty) {
		if (top_frame(x, false) < 0) {
			fprintf(stderr, "torctl: the node did not answer\n");
			return TORCTL_EXIT_UNREACHABLE;
		}
		return TORCTL_EXIT_OK;
	}
	if (keys) {
		raw = old;
		/* ISIG stays on: Control-C raises SIGINT, which sets torctl_stop. */
		raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	fputs("\033[?1049h\033[?25l\033[2J", stdout);
	while (!torctl_stop) {
		if (util_mono_msec() >= next) {
			next = util_mono_msec() + TOP_REFRESH_MS;
			if (top_frame(x, true) < 0) {
				rc = TORCTL_EXIT_UNREACHABLE;
				break;
			}
		}
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, TOP_POLL_MS) == 1) {
			if (!keys || read(STDIN_FILENO, &c, 1) != 1) {
				/* stdin closed or not ours: keep refreshing, stop polling it. */
				if (!keys || (pfd.revents & (POLLHUP | POLLERR)))
					(void)usleep(TOP_POLL_MS * 1000);
				continue;
			}
			if (c == 'q' || c == 'Q' || c == 3)
				break;
			if (c == ' ' || c == 'r')
				next = 0;	/* refresh now */
		}
	}
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (keys)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &old);
	if (rc == TORCTL_EXIT_UNREACHABLE)
		fprintf(stderr, "torctl: the node closed the control connection\n");
	return rc;
}
