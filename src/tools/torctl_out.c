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

#include "core/proto/ctl.h"
#include "tools/torctl_conn.h"
#include "tools/torctl_out.h"

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

	printf("%-12s", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
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
	const char	**flags;
	size_t		nflags;
	/* relays: the current "r" entry until its "s"/"w" lines are seen */
	char		nick[64], id[128], addr[80], rflags[256], bw[32];
	bool		have_r;
};

/* "$FP~nick,$FP~nick" -> "nick > nick" for humans. */
static void
out_path_human(const char *path, char *buf, size_t len)
{
	const char *p = path, *comma, *tilde;
	size_t off = 0, n;

	buf[0] = '\0';
	while (*p != '\0' && off + 4 < len) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		tilde = memchr(p, '~', (size_t)(comma - p));
		if (tilde != NULL)
			p = tilde + 1;
		n = MIN((size_t)(comma - p), len - off - 4);
		if (off > 0) {
			memcpy(buf + off, " > ", 3);
			off += 3;
		}
		memcpy(buf + off, p, n);
		off += n;
		buf[off] = '\0';
		p = *comma ? comma + 1 : comma;
	}
}

static void
out_circ_line(const struct ctl_args *a, void *arg)
{
	struct out_state *st = arg;
	const char *path = a->n >= 3 && a->a[2].ca_key == NULL ? a->a[2].ca_val : "";
	char hp[512];
	size_t i;

	if (st->json) {
		jw_open(&st->j, '{');
		jw_knum_str(&st->j, "id", a->a[0].ca_val);
		jw_kstr(&st->j, "status", a->n > 1 ? a->a[1].ca_val : NULL);
		jw_key(&st->j, "path");
		jw_open(&st->j, '[');
		out_path_human(path, hp, sizeof(hp));
		{
			const char *p = path, *c;
			char hop[256];

			while (*p != '\0') {
				c = strchr(p, ',');
				if (c == NULL)
					c = p + strlen(p);
				snprintf(hop, sizeof(hop), "%.*s", (int)(c - p), p);
				jw_str(&st->j, hop);
				p = *c ? c + 1 : c;
			}
		}
		jw_close(&st->j, ']');
		for (i = 2; i < a->n; i++)
			if (a->a[i].ca_key != NULL)
				jw_kstr(&st->j, a->a[i].ca_key, a->a[i].ca_val);
		jw_close(&st->j, '}');
	} else {
		if (st->n == 0)
			printf("%-6s %-10s %-9s %-20s %s\n", "ID", "STATUS", "PURPOSE", "CREATED",
			    "PATH");
		out_path_human(path, hp, sizeof(hp));
		printf("%-6s %-10s %-9s %-20.20s %s\n", a->a[0].ca_val,
		    a->n > 1 ? a->a[1].ca_val : "-",
		    ctl_args_get(a, "PURPOSE") ? ctl_args_get(a, "PURPOSE") : "-",
		    ctl_args_get(a, "TIME_CREATED") ? ctl_args_get(a, "TIME_CREATED") : "-", hp);
	}
	st->n++;
}

int
out_circuits(const char *v, bool json)
{
	struct out_state st;

	memset(&st, 0, sizeof(st));
	st.json = json;
	jw_init(&st.j, stdout);
	if (json)
		jw_open(&st.j, '[');
	out_each_line(v, out_circ_line, &st);
	if (json) {
		jw_close(&st.j, ']');
		putchar('\n');
	} else if (st.n == 0) {
		printf("no circuits\n");
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
			printf("%-6s %-12s %-8s %s\n", "ID", "STATUS", "CIRCUIT", "TARGET");
		printf("%-6s %-12s %-8s %s\n", f[0], f[1] ? f[1] : "-", f[2] ? f[2] : "-",
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
	jw_init(&st.j, stdout);
	if (json)
		jw_open(&st.j, '[');
	out_each_line(v, out_stream_line, &st);
	if (json) {
		jw_close(&st.j, ']');
		putchar('\n');
	} else if (st.n == 0) {
		printf("no streams\n");
	}
	return TORCTL_EXIT_OK;
}

/* Print the pending relay entry if it passes the flag filter. */
static void
out_relay_flush(struct out_state *st)
{
	char padded[260];
	size_t i;

	if (!st->have_r)
		return;
	st->have_r = false;
	snprintf(padded, sizeof(padded), " %s ", st->rflags);
	for (i = 0; i < st->nflags; i++) {
		char want[64];

		snprintf(want, sizeof(want), " %s ", st->flags[i]);
		if (strcasestr(padded, want) == NULL)
			return;
	}
	if (st->json) {
		jw_open(&st->j, '{');
		jw_kstr(&st->j, "nickname", st->nick);
		jw_kstr(&st->j, "identity", st->id);
		jw_kstr(&st->j, "address", st->addr[0] ? st->addr : NULL);
		jw_key(&st->j, "flags");
		jw_open(&st->j, '[');
		{
			char tmp[256], *tok, *save = NULL;

			snprintf(tmp, sizeof(tmp), "%s", st->rflags);
			for (tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
				jw_str(&st->j, tok);
		}
		jw_close(&st->j, ']');
		jw_knum_str(&st->j, "bandwidth", st->bw[0] ? st->bw : NULL);
		jw_close(&st->j, '}');
	} else {
		if (st->n == 0)
			printf("%-19s %-22s %-10s %s\n", "NICKNAME", "ADDRESS", "BANDWIDTH",
			    "FLAGS");
		printf("%-19s %-22s %-10s %s\n", st->nick, st->addr[0] ? st->addr : "-",
		    st->bw[0] ? st->bw : "-", st->rflags);
	}
	st->n++;
}

static bool
looks_like_ip(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s) ? strchr(s, '.') != NULL :
	    strchr(s, ':') != NULL && strspn(s, "0123456789abcdefABCDEF:[]") == strlen(s);
}

static void
out_relay_line(const struct ctl_args *a, void *arg)
{
	struct out_state *st = arg;
	size_t i, off = 0;

	if (strcmp(a->a[0].ca_val, "r") == 0) {
		out_relay_flush(st);
		st->have_r = true;
		snprintf(st->nick, sizeof(st->nick), "%s", a->n > 1 ? a->a[1].ca_val : "?");
		snprintf(st->id, sizeof(st->id), "%s", a->n > 2 ? a->a[2].ca_val : "?");
		st->addr[0] = st->rflags[0] = st->bw[0] = '\0';
		for (i = 3; i + 1 < a->n; i++) {
			if (a->a[i].ca_key == NULL && looks_like_ip(a->a[i].ca_val)) {
				snprintf(st->addr, sizeof(st->addr), "%s:%s", a->a[i].ca_val,
				    a->a[i + 1].ca_val);
				break;
			}
		}
	} else if (strcmp(a->a[0].ca_val, "s") == 0 && st->have_r) {
		for (i = 1; i < a->n && off + 1 < sizeof(st->rflags); i++)
			off += (size_t)snprintf(st->rflags + off, sizeof(st->rflags) - off, "%s%s",
			    i > 1 ? " " : "", a->a[i].ca_val);
	} else if (strcmp(a->a[0].ca_val, "w") == 0 && st->have_r) {
		const char *bw = ctl_args_get(a, "Bandwidth");

		if (bw != NULL)
			snprintf(st->bw, sizeof(st->bw), "%s", bw);
	}
}

int
out_relays(const char *v, const char **flags, size_t nflags, bool json)
{
	struct out_state st;

	memset(&st, 0, sizeof(st));
	st.json = json;
	st.flags = flags;
	st.nflags = nflags;
	jw_init(&st.j, stdout);
	if (json)
		jw_open(&st.j, '[');
	out_each_line(v, out_relay_line, &st);
	out_relay_flush(&st);
	if (json) {
		jw_close(&st.j, ']');
		putchar('\n');
	} else if (st.n == 0) {
		printf("no relays%s\n", nflags ? " with these flags" : "");
	}
	return TORCTL_EXIT_OK;
}
