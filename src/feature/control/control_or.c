/*
 * control_or.c: GETINFO circuit-status / stream-status / orconn-status /
 * status/circuit-established and the CIRC, STREAM and ORCONN events,
 * read from the core's public lists (circuit_all, stream_all, link_all).
 *
 * Only origin circuits and client streams are shown, as in Tor: a relay's
 * control port does not list other people's circuits or exit targets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto/keys.h"
#include "core/mainloop/mainloop.h"
#include "core/or/circuit.h"
#include "core/or/link.h"
#include "core/or/stream.h"
#include "feature/control/control.h"
#include "feature/control/control_or.h"
#include "lib/util.h"

static const char *
circ_purpose_name(enum circuit_purpose p)
{
	switch (p) {
	case CIRC_PURPOSE_GENERAL: return "GENERAL";
	case CIRC_PURPOSE_DIR: return "DIR";
	case CIRC_PURPOSE_TESTING: return "TESTING";
	}
	return "GENERAL";
}

/* Wall-clock ISO 8601 time of a mainloop_now() instant, as Tor prints it. */
static const char *
iso_time(double mono, char *buf, size_t len)
{
	time_t t = (time_t)(util_wall_sec() - (int64_t)(mainloop_now() - mono));
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000000", &tm);
	return buf;
}

/* "ID STATUS [PATH] PURPOSE=... TIME_CREATED=..." without newline. */
static char *
circ_line(const struct circuit *c, const char *status)
{
	char path[CIRC_MAX_HOPS * (FINGERPRINT_HEXLEN + 40)], t[40];

	circuit_path_desc(c, path, sizeof(path));
	return xasprintf("%u %s%s%s PURPOSE=%s TIME_CREATED=%s", c->c_gid,
	    status ? status : circuit_state_name(c), path[0] ? " " : "", path,
	    circ_purpose_name(c->c_purpose), iso_time(c->c_created, t, sizeof(t)));
}

static int
gi_circuit_status(const char *key, struct buf *out, const char **err)
{
	struct circuit *c;
	char *l;

	TAILQ_FOREACH(c, circuit_all(), c_entry) {
		if (!c->c_origin)
			continue;
		l = circ_line(c, NULL);
		buf_add(out, l, strlen(l));
		buf_add(out, "\n", 1);
		free(l);
	}
	return 0;
}

static const char *
stream_status_name(const struct stream *s)
{
	switch (s->s_state) {
	case STREAM_ST_NEW: return "NEW";
	case STREAM_ST_WAIT: return "SENTCONNECT";
	case STREAM_ST_OPEN: return "SUCCEEDED";
	case STREAM_ST_CLOSED: return "CLOSED";
	}
	return "NEW";
}

static char *
stream_line(const struct stream *s, const char *status)
{
	char *target, *line;
	size_t i;

	/* Targets come from applications: keep the line one line of words. */
	target = xstrdup(s->s_target != NULL && s->s_target[0] ? s->s_target : "-");
	for (i = 0; target[i] != '\0'; i++)
		if ((unsigned char)target[i] <= ' ' || (unsigned char)target[i] >= 0x7f)
			target[i] = '?';
	line = xasprintf("%llu %s %u %s", (unsigned long long)s->s_gid,
	    status ? status : stream_status_name(s), s->s_circ ? s->s_circ->c_gid : 0, target);
	free(target);
	return line;
}

static int
gi_stream_status(const char *key, struct buf *out, const char **err)
{
	struct stream *s;
	char *l;

	TAILQ_FOREACH(s, stream_all(), s_all_entry) {
		if (s->s_at_exit)
			continue;
		l = stream_line(s, NULL);
		buf_add(out, l, strlen(l));
		buf_add(out, "\n", 1);
		free(l);
	}
	return 0;
}

/*
 * A link's peer as Tor's LongName: "$FP~nick", or "$FP" when the nickname
 * is not known (links opened for an EXTEND2, which carries none).
 */
static const char *
orconn_name(const struct link *l, char *buf, size_t len)
{
	char fp[FINGERPRINT_HEXLEN + 1];

	keys_fingerprint(l->l_peer_id, fp);
	snprintf(buf, len, "$%s%s%s", fp, l->l_peer_nick[0] ? "~" : "", l->l_peer_nick);
	return buf;
}

static int
gi_orconn_status(const char *key, struct buf *out, const char **err)
{
	struct link *l;
	char desc[FINGERPRINT_HEXLEN + 64], *line;

	TAILQ_FOREACH(l, link_all(), l_entry) {
		if (!l->l_peer_is_relay && !l->l_initiator)
			continue;	/* a client's link: nothing to show */
		line = xasprintf("%s %s\n", orconn_name(l, desc, sizeof(desc)),
		    l->l_state == LINK_ST_OPEN ? "CONNECTED" : "LAUNCHED");
		buf_add(out, line, strlen(line));
		free(line);
	}
	return 0;
}

static int
gi_circuit_established(const char *key, struct buf *out, const char **err)
{
	struct circuit *c;

	TAILQ_FOREACH(c, circuit_all(), c_entry) {
		if (c->c_origin && c->c_state == CIRC_ST_OPEN &&
		    c->c_purpose == CIRC_PURPOSE_GENERAL) {
			buf_add(out, "1", 1);
			return 0;
		}
	}
	buf_add(out, "0", 1);
	return 0;
}

void
control_or_register(void)
{
	control_register_getinfo("circuit-status", gi_circuit_status,
	    "origin circuits: ID STATUS PATH PURPOSE= TIME_CREATED=");
	control_register_getinfo("stream-status", gi_stream_status,
	    "client streams: ID STATUS CIRCID TARGET");
	control_register_getinfo("orconn-status", gi_orconn_status,
	    "links to relays: $FP~nick STATUS");
	control_register_getinfo("status/circuit-established", gi_circuit_established,
	    "1 if a general-purpose circuit is built");
}

/*
 * " REASON=WORD" from a reason name or phrase ("exitpolicy", "closed by
 * peer"): upper case, anything but letters and digits becomes '_', so the
 * event stays one line of words whatever the core said.  Empty if NULL.
 */
static const char *
reason_kw(const char *reason, char *buf, size_t len)
{
	size_t i, off;

	if (reason == NULL || *reason == '\0' || len < 10)
		return "";
	off = (size_t)snprintf(buf, len, " REASON=");
	for (i = 0; reason[i] != '\0' && off + 1 < len; i++) {
		unsigned char ch = (unsigned char)reason[i];

		buf[off++] = (char)((ch >= 'a' && ch <= 'z') ? ch - 'a' + 'A' :
		    ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) ? ch : '_');
	}
	buf[off] = '\0';
	return buf;
}

void
control_event_circuit(const struct circuit *c, const char *status, const char *reason)
{
	char rb[64], *l;

	if (!c->c_origin || !control_event_wanted(CONTROL_EV_CIRC))
		return;
	l = circ_line(c, status);
	control_event_emit(CONTROL_EV_CIRC, "%s%s", l, reason_kw(reason, rb, sizeof(rb)));
	free(l);
}

void
control_event_stream(const struct stream *s, const char *status, const char *reason)
{
	char rb[64], *l;

	if (s->s_at_exit || !control_event_wanted(CONTROL_EV_STREAM))
		return;
	l = stream_line(s, status);
	control_event_emit(CONTROL_EV_STREAM, "%s%s", l, reason_kw(reason, rb, sizeof(rb)));
	free(l);
}

void
control_event_orconn(const struct link *l, const char *status, const char *reason)
{
	char desc[FINGERPRINT_HEXLEN + 64], rb[64];

	/* A relay's links from clients say nothing useful and tell who connects. */
	if ((!l->l_peer_is_relay && !l->l_initiator) || !control_event_wanted(CONTROL_EV_ORCONN))
		return;
	control_event_emit(CONTROL_EV_ORCONN, "%s %s%s", orconn_name(l, desc, sizeof(desc)),
	    status, reason_kw(reason, rb, sizeof(rb)));
}

void
control_or_hooks_install(bool on)
{
	circuit_event_hook = on ? control_event_circuit : NULL;
	stream_event_hook = on ? control_event_stream : NULL;
	link_event_hook = on ? control_event_orconn : NULL;
}
