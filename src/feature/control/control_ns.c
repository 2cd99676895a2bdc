/*
 * control_ns.c: GETINFO ns/all, ns/id/<FP>, ns/name/<NICK> (see
 * control_ns.h).  The entries are cut out of netstatus_format()'s text:
 * from the first "r " line up to "directory-footer".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feature/control/control.h"
#include "feature/control/control_ns.h"
#include "lib/util.h"

static control_ns_fn ns_source;

void
control_ns_set_source(control_ns_fn fn)
{
	ns_source = fn;
}

bool
control_ns_get(struct control_ns_view *out)
{
	memset(out, 0, sizeof(*out));
	if (ns_source == NULL || !ns_source(out) || out->nv_ns == NULL)
		return false;
	if (out->nv_source == NULL)
		out->nv_source = "consensus";
	return true;
}

/* Word number w (0-based) of the line at p, into buf; false if absent. */
static bool
line_word(const char *p, const char *end, int w, char *buf, size_t len)
{
	const char *s;
	size_t n;

	while (p < end) {
		s = p;
		while (p < end && *p != ' ')
			p++;
		if (w-- == 0) {
			n = MIN((size_t)(p - s), len - 1);
			memcpy(buf, s, n);
			buf[n] = '\0';
			return true;
		}
		if (p < end)
			p++;
	}
	return false;
}

long
control_ns_format(const struct netstatus *ns, const char *fp, const char *nick,
    struct buf *out)
{
	char *doc, word[DOCFMT_FP_HEXLEN + 2];
	const char *p, *nl, *end;
	bool keep = false;
	size_t len;
	long n = 0;

	doc = netstatus_format(ns, &len);
	if (doc == NULL)
		return -1;
	end = doc + len;
	for (p = doc; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (strncmp(p, "directory-footer", 16) == 0)
			break;
		if (nl - p >= 2 && p[0] == 'r' && p[1] == ' ') {
			keep = true;
			if (fp != NULL && (!line_word(p, nl, 2, word, sizeof(word)) ||
			    strcasecmp(word, fp) != 0))
				keep = false;
			if (nick != NULL && (!line_word(p, nl, 1, word, sizeof(word)) ||
			    strcmp(word, nick) != 0))
				keep = false;
			if (keep)
				n++;
		}
		if (keep)
			buf_add(out, p, (size_t)(nl - p) + (nl < end ? 1 : 0));
	}
	free(doc);
	return n;
}

static int
gi_ns(const char *key, struct buf *out, const char **err)
{
	struct control_ns_view v;
	const char *fp = NULL, *nick = NULL;
	long n;

	if (strncmp(key, "ns/id/", 6) == 0) {
		fp = key + 6;
		if (*fp == '$')
			fp++;
	} else if (strncmp(key, "ns/name/", 8) == 0) {
		nick = key + 8;
	} else if (strcmp(key, "ns/all") != 0) {
		return 1;
	}
	if (!control_ns_get(&v)) {
		*err = "No network status available yet";
		return -1;
	}
	n = control_ns_format(v.nv_ns, fp, nick, out);
	if (n < 0) {
		*err = "Cannot format the network status";
		return -1;
	}
	if (n == 0 && (fp != NULL || nick != NULL))
		return 1;	/* Tor answers 552 for an unknown relay */
	return 0;
}

void
control_ns_register(void)
{
	control_register_getinfo("ns/", gi_ns,
	    "network status: ns/all, ns/id/<FP>, ns/name/<NICK> (r/a/k/s/w/p/f lines)");
}

struct netstatus *
control_ns_from_entries(const struct ns_entry *e, size_t n, int64_t valid_after)
{
	struct netstatus *ns = netstatus_new(NS_CONSENSUS);
	struct docfmt_reason why;
	size_t i;

	ns->ns_valid_after = valid_after > 0 ? valid_after : 1;
	ns->ns_fresh_until = ns->ns_valid_after + 3600;
	ns->ns_valid_until = ns->ns_valid_after + 3 * 3600;
	ns->ns_voting_interval = 3600;
	ns->ns_known_flags = NSF_ALL;
	ns->ns_n_voters = 1;	/* all-zero placeholder: nobody voted */
	for (i = 0; i < n; i++)
		netstatus_add_entry(ns, &e[i]);
	if (netstatus_finish(ns, &why) < 0) {
		netstatus_free(ns);
		return NULL;
	}
	return ns;
}
