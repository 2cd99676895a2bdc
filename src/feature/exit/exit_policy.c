/*
 * exit_policy.c: exit policy rules: parse, format, evaluate, summarise.
 *
 * Owns the rule syntax (exit_policy_parse_rule), first-match evaluation
 * with the reject_private rule (exit_policy_allows), Tor's "might accept"
 * test for unresolved hostnames and the descriptor port summary.  Pure;
 * see exit_policy.h for the semantics.  Called by app/config at load, by
 * feature/exit for every stream and by feature/dir for descriptors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feature/exit/exit_policy.h"
#include "lib/util.h"

/* Public IPv4 addresses a reject must cover to count in the summary. */
#define SUMMARY_REJECT_CUTOFF	(UINT64_C(1) << 25)
/* Longest rule text quoted in an error message. */
#define ERR_QUOTE_MAX		80

/*
 * Internal networks, as lib/addr.c's addr_is_internal() classifies
 * targets.  A rule is "explicit" for internal targets when its network
 * lies inside one of these.  Keep the two lists in step.
 */
struct inet_block {
	uint8_t	b_addr[16];
	uint8_t	b_bits;
};

static const struct inet_block internal4[] = {
	{ { 0 }, 8 },			/* 0.0.0.0/8 "this network" */
	{ { 10 }, 8 },
	{ { 127 }, 8 },
	{ { 172, 16 }, 12 },
	{ { 192, 168 }, 16 },
	{ { 169, 254 }, 16 },
	{ { 100, 64 }, 10 },		/* CGNAT */
	{ { 224 }, 3 },			/* multicast and reserved */
};

static const struct inet_block internal6[] = {
	{ { 0 }, 128 },			/* :: */
	{ { [15] = 1 }, 128 },		/* ::1 */
	{ { 0xfe, 0x80 }, 10 },		/* link-local */
	{ { 0xfe, 0xc0 }, 10 },		/* site-local (deprecated) */
	{ { 0xff }, 8 },		/* multicast */
	{ { 0xfc }, 7 },		/* unique local */
};

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Do the first `bits` bits of a and b agree? */
static bool
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Clear the bits past `bits` of an address of alen bytes. */
static void
mask_host_bits(uint8_t *a, size_t alen, unsigned bits)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (bits >= 8 * (i + 1))
			continue;
		if (bits > 8 * i)
			a[i] &= (uint8_t)(0xff << (8 - (bits - 8 * i)));
		else
			a[i] = 0;
	}
}

static bool
block_contains(const struct inet_block *blocks, size_t n, const uint8_t *addr,
    unsigned bits)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bits >= blocks[i].b_bits &&
		    prefix_eq(addr, blocks[i].b_addr, blocks[i].b_bits))
			return true;
	return false;
}

/* Does the rule's network lie wholly in internal address space? */
static bool
rule_net_is_internal(const struct exit_policy_rule *r)
{
	if (r->r_family == AF_INET)
		return block_contains(internal4, ARRAY_LEN(internal4), r->r_addr,
		    r->r_bits);
	if (r->r_family == AF_INET6) {
		if (r->r_bits >= 96 && memcmp(r->r_addr, v4mapped_prefix, 12) == 0)
			return block_contains(internal4, ARRAY_LEN(internal4),
			    r->r_addr + 12, r->r_bits - 96u);
		return block_contains(internal6, ARRAY_LEN(internal6), r->r_addr,
		    r->r_bits);
	}
	return false;
}

struct exit_policy *
exit_policy_new(void)
{
	struct exit_policy *p = xcalloc(1, sizeof(*p));

	p->p_reject_private = true;
	return p;
}

void
exit_policy_free_(struct exit_policy *p)
{
	if (p == NULL)
		return;
	free(p->p_rules);
	free(p);
}

struct exit_policy *
exit_policy_dup(const struct exit_policy *p)
{
	struct exit_policy *d = exit_policy_new();

	d->p_reject_private = p->p_reject_private;
	if (p->p_n > 0) {
		d->p_rules = xcalloc(p->p_n, sizeof(*d->p_rules));
		memcpy(d->p_rules, p->p_rules, p->p_n * sizeof(*d->p_rules));
		d->p_n = d->p_cap = p->p_n;
	}
	return d;
}

void
exit_policy_set_reject_private(struct exit_policy *p, bool on)
{
	p->p_reject_private = on;
}

static int
append_rule(struct exit_policy *p, const struct exit_policy_rule *r)
{
	if (p->p_n >= EXIT_POLICY_MAX_RULES)
		return -1;
	if (p->p_n == p->p_cap) {
		p->p_cap = p->p_cap ? 2 * p->p_cap : 16;
		p->p_rules = xrealloc(p->p_rules, p->p_cap * sizeof(*p->p_rules));
	}
	p->p_rules[p->p_n++] = *r;
	return 0;
}

/* Build a rule from fields; -1 if they are out of range. */
static int
rule_make(struct exit_policy_rule *r, bool accept, int family,
    const uint8_t *addr, unsigned bits, uint16_t lo, uint16_t hi)
{
	memset(r, 0, sizeof(*r));
	if (lo == 0 || lo > hi)
		return -1;
	if (family == AF_INET) {
		if (bits > 32)
			return -1;
		memcpy(r->r_addr, addr, 4);
		mask_host_bits(r->r_addr, 4, bits);
	} else if (family == AF_INET6) {
		if (bits > 128)
			return -1;
		memcpy(r->r_addr, addr, 16);
		mask_host_bits(r->r_addr, 16, bits);
	} else if (family != 0 || bits != 0) {
		return -1;
	}
	r->r_accept = accept;
	r->r_family = family;
	r->r_bits = (uint8_t)bits;
	r->r_port_lo = lo;
	r->r_port_hi = hi;
	r->r_internal = rule_net_is_internal(r);
	return 0;
}

int
exit_policy_add(struct exit_policy *p, bool accept, int family,
    const uint8_t *addr, unsigned bits, uint16_t port_lo, uint16_t port_hi)
{
	struct exit_policy_rule r;

	if (rule_make(&r, accept, family, addr, bits, port_lo, port_hi) < 0)
		return -1;
	return append_rule(p, &r);
}

/* ---- Parsing. */

static void PRINTF_LIKE(4, 5)
set_err(char *err, size_t errlen, const char *rule, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "exit policy rule \"%.*s%s\": %s", ERR_QUOTE_MAX,
	    rule, strlen(rule) > ERR_QUOTE_MAX ? "..." : "", why);
}

/* Parse decimal digits s[0..len) into [min, max]; -1 on anything else. */
static int
parse_uint(const char *s, size_t len, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 6)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	unsigned long a, b;

	if (strcmp(s, "*") == 0) {
		*lo = 1;
		*hi = 65535;
		return 0;
	}
	if (dash == NULL) {
		if (parse_uint(s, strlen(s), 1, 65535, &a) < 0)
			return -1;
		b = a;
	} else if (parse_uint(s, (size_t)(dash - s), 1, 65535, &a) < 0 ||
	    parse_uint(dash + 1, strlen(dash + 1), 1, 65535, &b) < 0) {
		return -1;
	}
	if (a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int
exit_policy_parse_rule(const char *s, struct exit_policy_rule *out,
    char *err, size_t errlen)
{
	char buf[128], *kw, *target, *colon, *ports, *slash, *host;
	int family = 0;
	unsigned long bits = 0;
	unsigned maxbits = 0;
	uint8_t addr[16] = { 0 };
	uint16_t lo, hi;
	bool accept, bracketed = false;
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0) {
		set_err(err, errlen, s, "empty rule");
		return -1;
	}
	if (len >= sizeof(buf)) {
		set_err(err, errlen, s, "too long");
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	kw = buf;
	target = kw + strcspn(kw, " \t");
	if (*target == '\0') {
		set_err(err, errlen, buf, "expected \"accept|reject ADDR[/BITS]:PORT[-PORT]\"");
		return -1;
	}
	*target++ = '\0';
	target += strspn(target, " \t");
	if (strcasecmp(kw, "accept") == 0)
		accept = true;
	else if (strcasecmp(kw, "reject") == 0)
		accept = false;
	else {
		set_err(err, errlen, s, "expected accept or reject, not \"%s\"", kw);
		return -1;
	}
	if (target[strcspn(target, " \t")] != '\0') {
		set_err(err, errlen, s, "unexpected text after the target");
		return -1;
	}

	colon = strrchr(target, ':');
	if (colon == NULL || (strchr(target, ']') != NULL && colon < strchr(target, ']'))) {
		set_err(err, errlen, s, "missing \":PORT\" (use \":*\" for all ports)");
		return -1;
	}
	*colon = '\0';
	ports = colon + 1;
	if (parse_ports(ports, &lo, &hi) < 0) {
		set_err(err, errlen, s, "bad port \"%s\" (want *, 1-65535 or LO-HI)", ports);
		return -1;
	}

	host = target;
	if (host[0] == '[') {
		char *close = strchr(host, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != '/')) {
			set_err(err, errlen, s, "bad bracketed IPv6 address");
			return -1;
		}
		slash = close[1] == '/' ? close + 1 : NULL;
		*close = '\0';
		host++;
		bracketed = true;
	} else {
		slash = strchr(host, '/');
	}
	if (slash != NULL)
		*slash++ = '\0';

	if (strcmp(host, "*") == 0 || strcmp(host, "*4") == 0 ||
	    strcmp(host, "*6") == 0) {
		if (bracketed || slash != NULL) {
			set_err(err, errlen, s, "a wildcard address takes no mask");
			return -1;
		}
		family = host[1] == '4' ? AF_INET : host[1] == '6' ? AF_INET6 : 0;
	} else if (bracketed) {
		if (inet_pton(AF_INET6, host, addr) != 1) {
			set_err(err, errlen, s, "bad IPv6 address \"%s\"", host);
			return -1;
		}
		family = AF_INET6;
		maxbits = bits = 128;
	} else if (strchr(host, ':') != NULL) {
		set_err(err, errlen, s, "IPv6 addresses go in brackets: [%s]", host);
		return -1;
	} else {
		struct in_addr in;

		/* inet_pton() takes only the strict dotted quad. */
		if (inet_pton(AF_INET, host, &in) != 1) {
			set_err(err, errlen, s, "bad address \"%s\" (want *, *4, *6, "
			    "IPv4 or [IPv6])", host);
			return -1;
		}
		memcpy(addr, &in, 4);
		family = AF_INET;
		maxbits = bits = 32;
	}
	if (slash != NULL &&
	    parse_uint(slash, strlen(slash), 0, maxbits, &bits) < 0) {
		set_err(err, errlen, s, "bad prefix length \"/%s\" (want 0-%u)",
		    slash, maxbits);
		return -1;
	}
	if (rule_make(out, accept, family, addr, (unsigned)bits, lo, hi) < 0) {
		set_err(err, errlen, s, "invalid rule");
		return -1;
	}
	return 0;
}

int
exit_policy_add_str(struct exit_policy *p, const char *s, char *err,
    size_t errlen)
{
	struct exit_policy_rule r;

	if (exit_policy_parse_rule(s, &r, err, errlen) < 0)
		return -1;
	if (append_rule(p, &r) < 0) {
		set_err(err, errlen, s, "more than %d rules", EXIT_POLICY_MAX_RULES);
		return -1;
	}
	return 0;
}

struct exit_policy *
exit_policy_parse(const char *text, bool reject_private, char *err,
    size_t errlen)
{
	struct exit_policy *p = exit_policy_new();
	char *copy = xstrdup(text), *line, *save = NULL;

	p->p_reject_private = reject_private;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *item, *save2 = NULL;

		line[strcspn(line, "#")] = '\0';
		for (item = strtok_r(line, ",", &save2); item != NULL;
		    item = strtok_r(NULL, ",", &save2)) {
			if (item[strspn(item, " \t\r")] == '\0')
				continue;
			if (exit_policy_add_str(p, item, err, errlen) < 0) {
				free(copy);
				exit_policy_free(p);
				return NULL;
			}
		}
	}
	free(copy);
	return p;
}

const char *
exit_policy_rule_fmt(const struct exit_policy_rule *r, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN], mask[8] = "", ports[16];
	const char *kw = r->r_accept ? "accept" : "reject";

	if (r->r_port_lo == 1 && r->r_port_hi == 65535)
		snprintf(ports, sizeof(ports), "*");
	else if (r->r_port_lo == r->r_port_hi)
		snprintf(ports, sizeof(ports), "%u", r->r_port_lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", r->r_port_lo, r->r_port_hi);

	if (r->r_family == 0) {
		snprintf(out, outlen, "%s *:%s", kw, ports);
	} else if (r->r_bits == 0) {
		snprintf(out, outlen, "%s *%c:%s", kw,
		    r->r_family == AF_INET ? '4' : '6', ports);
	} else {
		inet_ntop(r->r_family, r->r_addr, a, sizeof(a));
		if (r->r_bits != (r->r_family == AF_INET ? 32 : 128))
			snprintf(mask, sizeof(mask), "/%u", r->r_bits);
		if (r->r_family == AF_INET)
			snprintf(out, outlen, "%s %s%s:%s", kw, a, mask, ports);
		else
			snprintf(out, outlen, "%s [%s]%s:%s", kw, a, mask, ports);
	}
	return out;
}

/* ---- Evaluation. */

/*
 * Reduce a target to (family, bytes); an IPv4-mapped IPv6 address counts
 * as the IPv4 address it carries.  Returns the family or 0.
 */
static int
target_bytes(const struct addr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (addr_family(a) == AF_INET) {
		memcpy(out, &a->a_u.sin.sin_addr, 4);
		return AF_INET;
	}
	if (addr_family(a) == AF_INET6) {
		const uint8_t *b = a->a_u.sin6.sin6_addr.s6_addr;

		if (memcmp(b, v4mapped_prefix, 12) == 0) {
			memcpy(out, b + 12, 4);
			return AF_INET;
		}
		memcpy(out, b, 16);
		return AF_INET6;
	}
	return 0;
}

static bool
rule_matches(const struct exit_policy_rule *r, int family, const uint8_t *a,
    uint16_t port)
{
	if (port < r->r_port_lo || port > r->r_port_hi)
		return false;
	if (r->r_family == 0)
		return true;
	return r->r_family == family && prefix_eq(a, r->r_addr, r->r_bits);
}

bool
exit_policy_allows(const struct exit_policy *p, const struct addr *target,
    uint16_t port)
{
	uint8_t a[16];
	int family = target_bytes(target, a);
	bool internal;
	size_t i;

	if (family == 0 || port == 0)
		return false;
	internal = p->p_reject_private && addr_is_internal(target);
	for (i = 0; i < p->p_n; i++) {
		const struct exit_policy_rule *r = &p->p_rules[i];

		if (!rule_matches(r, family, a, port))
			continue;
		if (r->r_accept && internal && !r->r_internal)
			continue;	/* only an explicit accept opens internal space */
		return r->r_accept;
	}
	return false;
}

bool
exit_policy_might_allow_port(const struct exit_policy *p, uint16_t port)
{
	bool rej4 = false, rej6 = false;
	size_t i;

	if (port == 0)
		return false;
	for (i = 0; i < p->p_n; i++) {
		const struct exit_policy_rule *r = &p->p_rules[i];

		if (port < r->r_port_lo || port > r->r_port_hi)
			continue;
		if (r->r_accept) {
			if (r->r_family == 0 || (r->r_family == AF_INET && !rej4) ||
			    (r->r_family == AF_INET6 && !rej6))
				return true;
			continue;
		}
		if (r->r_bits != 0)
			continue;
		if (r->r_family == 0 || r->r_family == AF_INET)
			rej4 = true;
		if (r->r_family == 0 || r->r_family == AF_INET6)
			rej6 = true;
		if (rej4 && rej6)
			return false;
	}
	return false;
}

/* Does reject rule r (on the port in question) cover every address of a? */
static bool
reject_covers(const struct exit_policy_rule *r, const struct exit_policy_rule *a)
{
	if (r->r_family == 0)
		return true;
	return r->r_family == a->r_family && r->r_bits <= a->r_bits &&
	    prefix_eq(a->r_addr, r->r_addr, r->r_bits);
}

/*
 * Is some explicit internal accept on port still reachable, i.e. not
 * preceded by a reject covering its whole network?  A name may resolve
 * into that network (test networks serve from 127.0.0.1).
 */
static bool
internal_accept_reachable(const struct exit_policy *p, uint16_t port)
{
	size_t i, j;

	for (i = 0; i < p->p_n; i++) {
		const struct exit_policy_rule *a = &p->p_rules[i];

		if (!a->r_accept || !a->r_internal ||
		    port < a->r_port_lo || port > a->r_port_hi)
			continue;
		for (j = 0; j < i; j++) {
			const struct exit_policy_rule *r = &p->p_rules[j];

			if (!r->r_accept && port >= r->r_port_lo &&
			    port <= r->r_port_hi && reject_covers(r, a))
				break;
		}
		if (j == i)
			return true;
	}
	return false;
}

/* Tor's public-address test: see exit_policy_summary_allows_port(). */
static bool
public_allows_port(const struct exit_policy *p, uint16_t port)
{
	uint64_t rejected = 0;
	size_t i;

	for (i = 0; i < p->p_n; i++) {
		const struct exit_policy_rule *r = &p->p_rules[i];

		if (port < r->r_port_lo || port > r->r_port_hi ||
		    r->r_family == AF_INET6)
			continue;
		if (r->r_accept) {
			if (r->r_bits == 0)
				return true;
			continue;	/* partial accepts do not count */
		}
		if (r->r_internal)
			continue;	/* says nothing about public addresses */
		rejected += UINT64_C(1) << (32 - r->r_bits);
		if (rejected >= SUMMARY_REJECT_CUTOFF)
			return false;
	}
	return false;
}

bool
exit_policy_summary_allows_port(const struct exit_policy *p, uint16_t port)
{
	if (port == 0)
		return false;
	return public_allows_port(p, port) || internal_accept_reachable(p, port);
}

/* Sorted, unique port boundaries: every rule edge lo and hi + 1. */
static size_t
summary_edges(const struct exit_policy *p, uint32_t **out)
{
	uint32_t *e = xcalloc(2 * p->p_n + 2, sizeof(*e));
	size_t n = 0, i, j, k;

	e[n++] = 1;
	e[n++] = 65536;
	for (i = 0; i < p->p_n; i++) {
		e[n++] = p->p_rules[i].r_port_lo;
		e[n++] = (uint32_t)p->p_rules[i].r_port_hi + 1;
	}
	/* Insertion sort: n is bounded by 2 * EXIT_POLICY_MAX_RULES + 2. */
	for (i = 1; i < n; i++) {
		uint32_t v = e[i];

		for (j = i; j > 0 && e[j - 1] > v; j--)
			e[j] = e[j - 1];
		e[j] = v;
	}
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || e[k - 1] != e[i])
			e[k++] = e[i];
	*out = e;
	return k;
}

static void
append_range(char *s, size_t cap, size_t *len, uint32_t lo, uint32_t hi)
{
	int n;

	if (lo == hi)
		n = snprintf(s + *len, cap - *len, "%s%u", *len ? "," : "", lo);
	else
		n = snprintf(s + *len, cap - *len, "%s%u-%u", *len ? "," : "", lo, hi);
	if (n > 0)
		*len = MIN(*len + (size_t)n, cap - 1);
}

char *
exit_policy_summary(const struct exit_policy *p)
{
	uint32_t *edges;
	size_t nedges = summary_edges(p, &edges), i, alen = 0, rlen = 0, cap;
	char *acc, *rej, *res;
	const char *kw;
	const char *list;
	int prev = -1;
	uint32_t run_lo = 1;

	/* 12 bytes per range is enough for ",65535-65535". */
	cap = 12 * nedges + 16;
	acc = xcalloc(1, cap);
	rej = xcalloc(1, cap);
	/* Each segment [edges[i], edges[i+1]) has one verdict. */
	for (i = 0; i + 1 < nedges; i++) {
		int v = exit_policy_summary_allows_port(p, (uint16_t)edges[i]);

		if (v == prev)
			continue;
		if (prev == 1)
			append_range(acc, cap, &alen, run_lo, edges[i] - 1);
		else if (prev == 0)
			append_range(rej, cap, &rlen, run_lo, edges[i] - 1);
		prev = v;
		run_lo = edges[i];
	}
	if (prev == 1)
		append_range(acc, cap, &alen, run_lo, 65535);
	else if (prev == 0)
		append_range(rej, cap, &rlen, run_lo, 65535);
	free(edges);

	if (alen == 0) {
		kw = "reject";
		list = "1-65535";
	} else if (alen <= rlen || rlen == 0) {
		kw = "accept";
		list = acc;
	} else {
		kw = "reject";
		list = rej;
	}
	res = xasprintf("%s %s", kw, list);
	free(acc);
	free(rej);
	if (strlen(res) > EXIT_POLICY_SUMMARY_MAX) {
		size_t c = EXIT_POLICY_SUMMARY_MAX;

		while (c > 0 && res[c] != ',')
			c--;
		res[c] = '\0';
	}
	return res;
}

/* A growable list of port ranges, for exit_policy_summarize(). */
struct port_ranges {
	struct {
		uint32_t lo, hi;
	}	*r;
	size_t	 n;
};

static void
ranges_add(struct port_ranges *pr, uint32_t lo, uint32_t hi)
{
	pr->r[pr->n].lo = lo;
	pr->r[pr->n].hi = hi;
	pr->n++;
}

static void
ranges_remove(struct port_ranges *pr, size_t i)
{
	memmove(&pr->r[i], &pr->r[i + 1], (pr->n - i - 1) * sizeof(pr->r[0]));
	pr->n--;
}

/* Drop the narrowest accepted ranges until max remain: fewer ports, never more. */
static void
ranges_fit_accept(struct port_ranges *pr, size_t max)
{
	while (pr->n > max) {
		size_t i, best = 0;

		for (i = 1; i < pr->n; i++)
			if (pr->r[i].hi - pr->r[i].lo < pr->r[best].hi - pr->r[best].lo)
				best = i;
		ranges_remove(pr, best);
	}
}

/* Join the rejected ranges closest together until max remain: the gaps become rejected. */
static void
ranges_fit_reject(struct port_ranges *pr, size_t max)
{
	while (pr->n > max) {
		size_t i, best = 0;

		for (i = 1; i + 1 < pr->n; i++)
			if (pr->r[i + 1].lo - pr->r[i].hi < pr->r[best + 1].lo - pr->r[best].hi)
				best = i;
		pr->r[best].hi = pr->r[best + 1].hi;
		ranges_remove(pr, best + 1);
	}
}

void
exit_policy_summarize(const struct exit_policy *p, struct policy_summary *out)
{
	uint32_t *edges;
	size_t nedges = summary_edges(p, &edges), i;
	struct port_ranges acc, rej, *use;
	int prev = -1;
	uint32_t run_lo = 1;

	acc.r = xcalloc(nedges, sizeof(*acc.r));
	rej.r = xcalloc(nedges, sizeof(*rej.r));
	acc.n = rej.n = 0;
	for (i = 0; i + 1 < nedges; i++) {
		int v = exit_policy_summary_allows_port(p, (uint16_t)edges[i]);

		if (v == prev)
			continue;
		if (prev >= 0)
			ranges_add(prev ? &acc : &rej, run_lo, edges[i] - 1);
		prev = v;
		run_lo = edges[i];
	}
	if (prev >= 0)
		ranges_add(prev ? &acc : &rej, run_lo, 65535);
	free(edges);

	memset(out, 0, sizeof(*out));
	if (acc.n == 0) {
		policy_summary_reject_all(out);
		goto done;
	}
	out->ps_accept = acc.n <= rej.n || rej.n == 0;
	use = out->ps_accept ? &acc : &rej;
	if (out->ps_accept)
		ranges_fit_accept(use, POLICY_SUMMARY_MAX_RANGES);
	else
		ranges_fit_reject(use, POLICY_SUMMARY_MAX_RANGES);
	for (i = 0; i < use->n; i++) {
		out->ps_r[i].lo = (uint16_t)use->r[i].lo;
		out->ps_r[i].hi = (uint16_t)use->r[i].hi;
	}
	out->ps_n = (uint16_t)use->n;
 done:
	free(acc.r);
	free(rej.r);
}

bool
exit_policy_is_reject_all(const struct exit_policy *p)
{
	char *s = exit_policy_summary(p);
	bool r = strcmp(s, "reject 1-65535") == 0;

	free(s);
	return r;
}
