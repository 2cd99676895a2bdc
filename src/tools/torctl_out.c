/*
 * torctl_out.c: torctl output (see torctl_out.h).  Human output is
 * aligned columns for a terminal; --json output is one JSON document
 * per command (one per line for "events"), escaped per RFC 8259: '"',
 * '\\' and control characters escaped, bytes >= 0x7f as \u00XX so that
 * the document stays valid whatever the node sends.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/proto/ctl.h"
#include "core/proto/docfmt.h"
#include "tools/torctl_conn.h"
#include "tools/torctl_out.h"

static FILE *out_fh;	/* NULL: stdout */

void
out_set_file(FILE *f)
{
	out_fh = f;
}

FILE *
out_file(void)
{
	return out_fh != NULL ? out_fh : stdout;
}

void
jw_init(struct jw *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->j_f = f;
}

static void
jw_sep(struct jw *j)
{
	if (j->j_after_key) {
		j->j_after_key = false;
		return;
	}
	if (j->j_comma[j->j_depth])
		fputc(',', j->j_f);
	j->j_comma[j->j_depth] = true;
}

void
jw_open(struct jw *j, char c)
{
	jw_sep(j);
	fputc(c, j->j_f);
	if (BUG(j->j_depth + 1 >= JW_DEPTH_MAX))
		return;
	j->j_comma[++j->j_depth] = false;
}

void
jw_close(struct jw *j, char c)
{
	fputc(c, j->j_f);
	if (j->j_depth > 0)
		j->j_depth--;
}

void
jw_escape(FILE *f, const char *s)
{
	unsigned char c;

	fputc('"', f);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

void
jw_key(struct jw *j, const char *k)
{
	jw_sep(j);
	jw_escape(j->j_f, k);
	fputc(':', j->j_f);
	j->j_after_key = true;
}

void
jw_str(struct jw *j, const char *s)
{
	jw_sep(j);
	if (s == NULL)
		fputs("null", j->j_f);
	else
		jw_escape(j->j_f, s);
}

void
jw_num_str(struct jw *j, const char *s)
{
	long long v;

	jw_sep(j);
	if (s != NULL && util_parse_ll(s, -(1LL << 53), 1LL << 53, &v) == 0)
		fprintf(j->j_f, "%lld", v);
	else
		fputs("null", j->j_f);
}

void
jw_kstr(struct jw *j, const char *k, const char *s)
{
	jw_key(j, k);
	jw_str(j, s);
}

void
jw_knum_str(struct jw *j, const char *k, const char *s)
{
	jw_key(j, k);
	jw_num_str(j, s);
}

void
out_kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(out_file(), "%-12s", key);
	va_start(ap, fmt);
	vfprintf(out_file(), fmt, ap);
	va_end(ap);
	fputc('\n', out_file());
}

const char *
out_duration(const char *s, char *buf, size_t len)
{
	long long v;

	if (s == NULL || util_parse_ll(s, 0, 1LL << 40, &v) < 0)
		return "-";
	snprintf(buf, len, "%lldd %02lld:%02lld:%02lld", v / 86400, v / 3600 % 24, v / 60 % 60,
	    v % 60);
	return buf;
}

const char *
out_bytes(const char *s, char *buf, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	long long v;
	double d;
	size_t u = 0;

	if (s == NULL || util_parse_ll(s, 0, 1LL << 62, &v) < 0)
		return "-";
	d = (double)v;
	while (d >= 1024 && u + 1 < ARRAY_LEN(units)) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lld B", v);
	else
		snprintf(buf, len, "%.1f %s", d, units[u]);
	return buf;
}

/* Split v into lines and each line into args; call fn for each. */
static void
out_each_line(const char *v, void (*fn)(const struct ctl_args *a, void *arg), void *arg)
{
	const char *p = v, *nl;
	struct ctl_args a;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl > p && ctl_args_parse(p, (size_t)(nl - p), &a) == 0) {
			if (a.n > 0)
				fn(&a, arg);
			ctl_args_clear(&a);
		}
		p = *nl ? nl + 1 : nl;
	}
}

struct out_state {
	struct jw	j;
	bool		json;
	size_t		n;
	time_t		now;
	const struct out_relay_filter *filter;
	/* relays: the current "r" entry until its other lines are seen */
	char		nick[64], id[128], addr[80], addr6[80], rflags[256], bw[32];
	char		policy[256], published[32];
	bool		have_r;
};

/* Seconds since an ISO 8601 UTC time ("2026-11-21T07:59:49.000000"); -1 if bad. */
long long
out_age_of_iso(const char *iso, time_t now)
{
	struct tm tm;
	const char *end;
	time_t t;

	if (iso == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (*end != '\0' && *end != '.'))
		return -1;
	t = timegm(&tm);
	return t > now ? 0 : (long long)(now - t);
}

const char *
out_age(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		snprintf(buf, len, "-");
	else if (secs < 60)
		snprintf(buf, len, "%llds", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lldm%02llds", secs / 60, secs % 60);
	else if (secs < 86400)
		snprintf(buf, len, "%lldh%02lldm", secs / 3600, secs / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", secs / 86400, secs / 3600 % 24);
	return buf;
}

/* One hop "$FP~nick" (or "$FP=nick", "$FP", "nick") into its parts. */
static void
out_hop_split(const char *hop, size_t n, char *fp, size_t fplen, char *nick, size_t nicklen)
{
	const char *sep;
	size_t k;

	fp[0] = nick[0] = '\0';
	if (n > 0 && hop[0] == '$') {
		hop++;
		n--;
		sep = memchr(hop, '~', n);
		if (sep == NULL)
			sep = memchr(hop, '=', n);
		k = sep ? (size_t)(sep - hop) : n;
		snprintf(fp, fplen, "%.*s", (int)k, hop);
		if (sep != NULL)
			snprintf(nick, nicklen, "%.*s", (int)(n - k - 1), sep + 1);
	} else {
		snprintf(nick, nicklen, "%.*s", (int)n, hop);
	}
}

/*
 * Call fn for each hop of a "$FP~nick,$FP~nick" path.  Hops are bounded
 * (CIRC_MAX_HOPS is 3, but a node may send anything): at most 16.
 */
static void
out_path_each(const char *path, void (*fn)(const char *fp, const char *nick, void *arg),
    void *arg)
{
	const char *p = path, *comma;
	char fp[80], nick[64];
	int i;

	for (i = 0; *p != '\0' && i < 16; i++) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		out_hop_split(p, (size_t)(comma - p), fp, sizeof(fp), nick, sizeof(nick));
		fn(fp, nick, arg);
		p = *comma ? comma + 1 : comma;
	}
}

struct hp_acc {
	char	*buf;
	size_t	 len, off;
};

/* Humans: "nick~FP8 > nick~FP8 > ...": the nickname and enough of the
 * fingerprint to tell relays apart (the full one is in --json). */
static void
out_hop_human(const char *fp, const char *nick, void *arg)
{
	struct hp_acc *a = arg;
	int n;

	if (a->off + 1 >= a->len)
		return;
	n = snprintf(a->buf + a->off, a->len - a->off, "%s%s%s%.8s", a->off ? " > " : "",
	    nick[0] ? nick : "?", fp[0] ? "~" : "", fp);
	if (n > 0)
		a->off = MIN(a->len - 1, a->off + (size_t)n);
}

static void
out_path_human(const char *path, char *buf, size_t len)
{
	struct hp_acc a = { buf, len, 0 };

	buf[0] = '\0';
	out_path_each(path, out_hop_human, &a);
}

static void
out_hop_json(const char *fp, const char *nick, void *arg)
{
	struct jw *j = arg;

	jw_open(j, '{');
	jw_kstr(j, "fingerprint", fp[0] ? fp : NULL);
	jw_kstr(j, "nickname", nick[0] ? nick : NULL);
	jw_close(j, '}');
}

static void
out_circ_line(const struct ctl_args *a, void *arg)
{
	struct out_state *st = arg;
	const char *path = a->n >= 3 && a->a[2].ca_key == NULL ? a->a[2].ca_val : "";
	const char *created = ctl_args_get(a, "TIME_CREATED");
	const char *purpose = ctl_args_get(a, "PURPOSE");
	long long age = out_age_of_iso(created, st->now);
	char hp[512], ab[32];

	if (st->json) {
		jw_open(&st->j, '{');
		jw_knum_str(&st->j, "id", a->a[0].ca_val);
		jw_kstr(&st->j, "status", a->n > 1 ? a->a[1].ca_val : NULL);
		jw_kstr(&st->j, "purpose", purpose);
		jw_kstr(&st->j, "created", created);
		jw_key(&st->j, "age");
		snprintf(ab, sizeof(ab), "%lld", age);
		jw_num_str(&st->j, age >= 0 ? ab : NULL);
		jw_key(&st->j, "path");
		jw_open(&st->j, '[');
		out_path_each(path, out_hop_json, &st->j);
		jw_close(&st->j, ']');
		jw_kstr(&st->j, "reason", ctl_args_get(a, "REASON"));
		jw_close(&st->j, '}');
	} else {
		if (st->n == 0)
			fprintf(out_file(), "%-6s %-9s %-8s %-7s %s\n", "ID", "STATUS", "PURPOSE", "AGE", "PATH");
		out_path_human(path, hp, sizeof(hp));
		fprintf(out_file(), "%-6s %-9s %-8s %-7s %s\n", a->a[0].ca_val, a->n > 1 ? a->a[1].ca_val : "-",
		    purpose ? purpose : "-", out_age(age, ab, sizeof(ab)), hp[0] ? hp : "-");
	}
	st->n++;
}

int
out_circuits(const char *v, bool json)
{
	struct out_state st;

	memset(&st, 0, sizeof(st));
	st.json = json;
	st.now = time(NULL);
	jw_init(&st.j, out_file());
	if (json)
		jw_open(&st.j, '[');
	out_each_line(v, out_circ_line, &st);
	if (json) {
		jw_close(&st.j, ']');
		fputc('\n', out_file());
	} else if (st.n == 0) {
		fprintf(out_file(), "no circuits\n");
	}
	return TORCTL_EXIT_OK;
}

static void
out_stream_line(const struct ctl_args *a, void *arg)
{
	struct out_state *st = arg;
	const char *f[4] = { NULL, NULL, NULL, NULL };
	size_t i;

	for (i = 0; i < 4 && i < a->n; i++)
		f[i] = a->a[i].ca_val;
	if (st->json) {
		jw_open(&st->j, '{');
		jw_knum_str(&st->j, "id", f[0]);
		jw_kstr(&st->j, "status", f[1]);
		jw_knum_str(&st->j, "circuit", f[2]);
		jw_kstr(&st->j, "target", f[3]);
		jw_close(&st->j, '}');
	} else {
		if (st->n == 0)
			fprintf(out_file(), "%-6s %-12s %-8s %s\n", "ID", "STATUS", "CIRCUIT", "TARGET");
		fprintf(out_file(), "%-6s %-12s %-8s %s\n", f[0], f[1] ? f[1] : "-", f[2] ? f[2] : "-",
		    f[3] ? f[3] : "-");
	}
	st->n++;
}

int
out_streams(const char *v, bool json)
{
	struct out_state st;

	memset(&st, 0, sizeof(st));
	st.json = json;
	jw_init(&st.j, out_file());
	if (json)
		jw_open(&st.j, '[');
	out_each_line(v, out_stream_line, &st);
	if (json) {
		jw_close(&st.j, ']');
		fputc('\n', out_file());
	} else if (st.n == 0) {
		fprintf(out_file(), "no streams\n");
	}
	return TORCTL_EXIT_OK;
}

/* Whether the pending relay entry passes the filter. */
static bool
out_relay_match(const struct out_state *st)
{
	const struct out_relay_filter *f = st->filter;
	struct policy_summary ps;
	char padded[260], want[64];
	size_t i;

	if (f == NULL)
		return true;
	snprintf(padded, sizeof(padded), " %s ", st->rflags);
	for (i = 0; i < f->rf_nflags; i++) {
		snprintf(want, sizeof(want), " %s ", f->rf_flags[i]);
		if (strcasestr(padded, want) == NULL)
			return false;
	}
	if (f->rf_exit_port != 0 && (policy_summary_parse(st->policy, &ps) < 0 ||
	    !policy_summary_allows(&ps, f->rf_exit_port)))
		return false;
	if (f->rf_nickname != NULL && strcasecmp(f->rf_nickname, st->nick) != 0)
		return false;
	return true;
}

/* Print the pending relay entry if it passes the filter. */
static void
out_relay_flush(struct out_state *st)
{
	char tmp[256], *tok, *save = NULL, bw[40];

	if (!st->have_r)
		return;
	st->have_r = false;
	if (!out_relay_match(st))
		return;
	if (st->json) {
		jw_open(&st->j, '{');
		jw_kstr(&st->j, "nickname", st->nick);
		jw_kstr(&st->j, "fingerprint", st->id);
		jw_kstr(&st->j, "published", st->published[0] ? st->published : NULL);
		jw_kstr(&st->j, "address", st->addr[0] ? st->addr : NULL);
		jw_kstr(&st->j, "ipv6_address", st->addr6[0] ? st->addr6 : NULL);
		jw_key(&st->j, "flags");
		jw_open(&st->j, '[');
		snprintf(tmp, sizeof(tmp), "%s", st->rflags);
		for (tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			jw_str(&st->j, tok);
		jw_close(&st->j, ']');
		jw_knum_str(&st->j, "bandwidth", st->bw[0] ? st->bw : NULL);
		jw_kstr(&st->j, "exit_policy", st->policy[0] ? st->policy : NULL);
		jw_close(&st->j, '}');
	} else {
		if (st->n == 0)
			fprintf(out_file(), "%-19s %-8s %-21s %-10s %-36s %s\n", "NICKNAME", "FP", "ADDRESS",
			    "BANDWIDTH", "FLAGS", "EXIT POLICY");
		if (st->bw[0])
			snprintf(bw, sizeof(bw), "%s kB/s", st->bw);
		else
			snprintf(bw, sizeof(bw), "-");
		fprintf(out_file(), "%-19s %-8.8s %-21s %-10s %-36s %s\n", st->nick, st->id,
		    st->addr[0] ? st->addr : "-", bw, st->rflags[0] ? st->rflags : "-",
		    st->policy[0] ? st->policy : "-");
	}
	st->n++;
}

/*
 * One line of ns/all.  tord's entries (feature/dir/netstatus.h):
 *	r NICK FP YYYY-MM-DD HH:MM:SS IPV4 ORPORT
 *	a [IPV6]:PORT
 *	s FLAG...
 *	w KBPS		(Tor: "w Bandwidth=N", also accepted)
 *	p accept|reject PORTLIST
 */
static void
out_relay_line(const struct ctl_args *a, void *arg)
{
	struct out_state *st = arg;
	const char *kw = a->a[0].ca_val;
	size_t i, off = 0;

	if (strcmp(kw, "r") == 0) {
		out_relay_flush(st);
		st->have_r = true;
		snprintf(st->nick, sizeof(st->nick), "%s", a->n > 1 ? a->a[1].ca_val : "?");
		snprintf(st->id, sizeof(st->id), "%s", a->n > 2 ? a->a[2].ca_val : "?");
		st->addr[0] = st->addr6[0] = st->rflags[0] = st->bw[0] = '\0';
		st->policy[0] = st->published[0] = '\0';
		if (a->n >= 7) {
			snprintf(st->published, sizeof(st->published), "%s %s", a->a[3].ca_val,
			    a->a[4].ca_val);
			snprintf(st->addr, sizeof(st->addr), "%s:%s", a->a[5].ca_val,
			    a->a[6].ca_val);
		}
	} else if (!st->have_r) {
		return;
	} else if (strcmp(kw, "a") == 0 && a->n > 1) {
		snprintf(st->addr6, sizeof(st->addr6), "%s", a->a[1].ca_val);
	} else if (strcmp(kw, "s") == 0) {
		for (i = 1; i < a->n && off + 1 < sizeof(st->rflags); i++)
			off += (size_t)snprintf(st->rflags + off, sizeof(st->rflags) - off, "%s%s",
			    i > 1 ? " " : "", a->a[i].ca_val);
	} else if (strcmp(kw, "w") == 0 && a->n > 1) {
		const char *bw = ctl_args_get(a, "Bandwidth");

		snprintf(st->bw, sizeof(st->bw), "%s", bw ? bw : a->a[1].ca_key == NULL ?
		    a->a[1].ca_val : "");
	} else if (strcmp(kw, "p") == 0 && a->n > 2) {
		snprintf(st->policy, sizeof(st->policy), "%s %s", a->a[1].ca_val, a->a[2].ca_val);
	}
}

int
out_relays(const char *v, const struct out_relay_filter *filter, bool json)
{
	struct out_state st;

	memset(&st, 0, sizeof(st));
	st.json = json;
	st.filter = filter;
	jw_init(&st.j, out_file());
	if (json)
		jw_open(&st.j, '[');
	out_each_line(v, out_relay_line, &st);
	out_relay_flush(&st);
	if (json) {
		jw_close(&st.j, ']');
		fputc('\n', out_file());
	} else if (st.n == 0) {
		fprintf(out_file(), "no relays%s\n", filter != NULL && (filter->rf_nflags ||
		    filter->rf_exit_port || filter->rf_nickname) ? " match" : "");
	}
	return TORCTL_EXIT_OK;
}
