/*
 * control_getinfo.c: the GETINFO provider table and the generic keys
 * that need nothing from the onion-routing core: version, config-file,
 * fingerprint, status/bootstrap-phase, traffic/read, traffic/written,
 * uptime, process/pid, info/names.
 *
 * Other modules add keys with control_register_getinfo() (control.h);
 * control_or.c adds circuit-status, stream-status and orconn-status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mainloop/conn.h"
#include "core/mainloop/mainloop.h"
#include "core/proto/ctl.h"
#include "feature/control/control.h"
#include "feature/control/control_int.h"
#include "lib/util.h"

#define GETINFO_MAX	64

struct getinfo_entry {
	char			*ge_prefix;
	control_getinfo_fn	 ge_fn;
	const char		*ge_doc;
};

static struct getinfo_entry getinfo_table[GETINFO_MAX];
static size_t getinfo_n;

static struct {
	int	progress;
	char	tag[32];
	char	summary[128];
} bootstrap = { 0, "starting", "Starting" };

static double start_time = -1;

void
control_register_getinfo(const char *prefix, control_getinfo_fn fn, const char *doc)
{
	size_t i;

	for (i = 0; i < getinfo_n; i++) {
		if (strcmp(getinfo_table[i].ge_prefix, prefix) == 0) {
			getinfo_table[i].ge_fn = fn;
			getinfo_table[i].ge_doc = doc;
			return;
		}
	}
	if (BUG(getinfo_n >= GETINFO_MAX))
		return;
	getinfo_table[getinfo_n].ge_prefix = xstrdup(prefix);
	getinfo_table[getinfo_n].ge_fn = fn;
	getinfo_table[getinfo_n].ge_doc = doc;
	getinfo_n++;
}

void
control_getinfo_clear(void)
{
	size_t i;

	for (i = 0; i < getinfo_n; i++)
		free(getinfo_table[i].ge_prefix);
	getinfo_n = 0;
}

int
control_getinfo_lookup(const char *key, struct buf *out, const char **err)
{
	size_t i, plen;
	const struct getinfo_entry *best = NULL;

	/* Exact matches win over the longest '/'-prefix. */
	for (i = 0; i < getinfo_n; i++) {
		const struct getinfo_entry *e = &getinfo_table[i];

		plen = strlen(e->ge_prefix);
		if (strcmp(e->ge_prefix, key) == 0) {
			best = e;
			break;
		}
		if (plen > 0 && e->ge_prefix[plen - 1] == '/' &&
		    strncmp(e->ge_prefix, key, plen) == 0 &&
		    (best == NULL || strlen(best->ge_prefix) < plen))
			best = e;
	}
	if (best == NULL)
		return 1;
	return best->ge_fn(key, out, err);
}

static void PRINTF_LIKE(2, 3)
buf_printf(struct buf *out, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	buf_add(out, s, strlen(s));
	free(s);
}

void
control_bootstrap_fmt(struct buf *out)
{
	buf_printf(out, "%s BOOTSTRAP PROGRESS=%d TAG=%s SUMMARY=",
	    "NOTICE", bootstrap.progress, bootstrap.tag);
	ctl_fmt_quoted(out, bootstrap.summary);
}

void
control_set_bootstrap(int progress, const char *tag, const char *summary)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (progress == bootstrap.progress && strcmp(tag, bootstrap.tag) == 0)
		return;
	bootstrap.progress = MAX(0, MIN(100, progress));
	snprintf(bootstrap.tag, sizeof(bootstrap.tag), "%s", tag);
	snprintf(bootstrap.summary, sizeof(bootstrap.summary), "%s", summary);
	/* Tags are words: anything else would break the event line. */
	for (i = 0; bootstrap.tag[i] != '\0'; i++)
		if (bootstrap.tag[i] <= ' ' || bootstrap.tag[i] >= 0x7f)
			bootstrap.tag[i] = '_';
	if (!control_event_wanted(CONTROL_EV_STATUS_CLIENT))
		return;
	control_bootstrap_fmt(&b);
	buf_add(&b, "", 1);
	control_event_emit(CONTROL_EV_STATUS_CLIENT, "%s", (const char *)buf_peek(&b));
	buf_free_storage(&b, 0);
}

static int
gi_version(const char *key, struct buf *out, const char **err)
{
	const char *v = strcmp(key, "tord/version") == 0 ? PACKAGE_VERSION :
	    CONTROL_VERSION_STRING;

	buf_add(out, v, strlen(v));
	return 0;
}

/* Values copied from the options: config-file, fingerprint, nickname. */
static int
gi_option(const char *key, struct buf *out, const char **err)
{
	const struct control_options *o = control_options_();
	const char *v = NULL;

	if (o == NULL)
		return 1;
	if (strcmp(key, "config-file") == 0)
		v = o->co_config_file;
	else if (strcmp(key, "fingerprint") == 0)
		v = o->co_fingerprint;
	else if (strcmp(key, "nickname") == 0)
		v = o->co_nickname;
	if (v == NULL) {
		*err = "Not available on this node";
		return -1;
	}
	buf_add(out, v, strlen(v));
	return 0;
}

static int
gi_bootstrap(const char *key, struct buf *out, const char **err)
{
	control_bootstrap_fmt(out);
	return 0;
}

static int
gi_traffic(const char *key, struct buf *out, const char **err)
{
	uint64_t v = strcmp(key, "traffic/read") == 0 ? conn_total_read() :
	    conn_total_written();

	buf_printf(out, "%llu", (unsigned long long)v);
	return 0;
}

static int
gi_uptime(const char *key, struct buf *out, const char **err)
{
	buf_printf(out, "%lld", (long long)(mainloop_now() - start_time));
	return 0;
}

static int
gi_pid(const char *key, struct buf *out, const char **err)
{
	buf_printf(out, "%ld", (long)getpid());
	return 0;
}

static int
gi_names(const char *key, struct buf *out, const char **err)
{
	size_t i;

	for (i = 0; i < getinfo_n; i++)
		buf_printf(out, "%s%s -- %s\n", getinfo_table[i].ge_prefix,
		    getinfo_table[i].ge_prefix[strlen(getinfo_table[i].ge_prefix) - 1] == '/' ?
		    "*" : "", getinfo_table[i].ge_doc ? getinfo_table[i].ge_doc : "");
	return 0;
}

void
control_getinfo_register_defaults(void)
{
	if (start_time < 0)
		start_time = mainloop_now();
	control_register_getinfo("version", gi_version,
	    "Tor version whose control protocol is spoken, tord's in parentheses");
	control_register_getinfo("tord/version", gi_version, "tord version");
	control_register_getinfo("config-file", gi_option, "configuration file in use");
	control_register_getinfo("fingerprint", gi_option, "identity fingerprint (relays)");
	control_register_getinfo("nickname", gi_option, "node nickname");
	control_register_getinfo("status/bootstrap-phase", gi_bootstrap,
	    "bootstrap progress, as the STATUS_CLIENT event");
	control_register_getinfo("traffic/read", gi_traffic, "bytes read, all connections");
	control_register_getinfo("traffic/written", gi_traffic, "bytes written, all connections");
	control_register_getinfo("uptime", gi_uptime, "seconds since the control port opened");
	control_register_getinfo("process/pid", gi_pid, "process id");
	control_register_getinfo("info/names", gi_names, "the keys GETINFO knows");
}
