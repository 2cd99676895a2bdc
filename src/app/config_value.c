/*
 * config_value.c: one parser per configuration value type.
 *
 * Called by config.c for every value of the file and for every default
 * of config_options.def, so defaults and user values obey the same rules.
 * Each parser either stores the value or returns a message of the form
 * "'VALUE' is not ..., expected ..." that config.c prefixes with
 * FILE:LINE: [section] key.
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"
#include "app/config_int.h"

#define FIELD(p, T)	(*(T *)(p))

static const char *const role_names[] = { "authority", "relay", "exit", "client" };
static const char *const ctlauth_names[] = { "cookie", "password", "none" };
static const char *const relay_flag_names[] = {
	"Guard", "Exit", "Fast", "Stable", "Running", "Valid",
};

bool
config_type_is_list(enum config_type t)
{
	return t >= CT_ADDRS;
}

const char *
config_type_name(enum config_type t)
{
	static const char *const names[] = {
		[CT_NICK] = "nickname", [CT_STRING] = "string",
		[CT_PATH] = "path", [CT_LOGTARGET] = "log target",
		[CT_BOOL] = "boolean", [CT_INT] = "integer",
		[CT_DURATION] = "duration", [CT_SIZE] = "size",
		[CT_ADDR] = "address", [CT_ROLE] = "role",
		[CT_LOGLEVEL] = "log level", [CT_CTLAUTH] = "auth method",
		[CT_ADDRS] = "address list", [CT_NAMESERVERS] = "address list",
		[CT_FPRS] = "fingerprint list", [CT_POLICIES] = "rule list",
		[CT_RELAYS] = "relay list", [CT_AUTHORITIES] = "authority list",
		[CT_LOGDOMAINS] = "domain level list",
	};
	return (size_t)t < ARRAY_LEN(names) ? names[t] : "?";
}

const char *
config_type_name_a(enum config_type t)
{
	static char buf[8][40];
	static unsigned next;
	const char *n = config_type_name(t);
	char *b = buf[next++ % ARRAY_LEN(buf)];

	snprintf(b, sizeof(buf[0]), "%s %s", strchr("aeiou", n[0]) ? "an" : "a", n);
	return b;
}

const char *
config_role_name(int role)
{
	return role >= 0 && (size_t)role < ARRAY_LEN(role_names) ? role_names[role] : "?";
}

bool
config_role_has_identity(int role)
{
	return role == ROLE_AUTHORITY || role == ROLE_RELAY || role == ROLE_EXIT;
}

char *
config_quote(const char *s)
{
	char buf[64];
	size_t i, n = 0;

	buf[n++] = '\'';
	for (i = 0; s[i] != '\0' && n < 44; i++)
		buf[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Set *err to "'s' TEXT" with s quoted. */
static int PRINTF_LIKE(3, 4)
fail(char **err, const char *s, const char *fmt, ...)
{
	char *q = config_quote(s), *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	*err = xasprintf("%s %s", q, msg);
	free(q);
	free(msg);
	return -1;
}

static int
parse_enum(const char *s, const char *const *names, size_t n, int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

/* Units for durations (ms) and sizes (bytes), matched case-insensitively. */
struct unit {
	const char	*name;
	long long	 mult;
};
static const struct unit duration_units[] = {
	{ "ms", 1 }, { "msec", 1 }, { "s", 1000 }, { "sec", 1000 },
	{ "second", 1000 }, { "seconds", 1000 }, { "m", 60000 },
	{ "min", 60000 }, { "minute", 60000 }, { "minutes", 60000 },
	{ "h", 3600000 }, { "hour", 3600000 }, { "hours", 3600000 },
	{ "d", 86400000 }, { "day", 86400000 }, { "days", 86400000 },
	{ "w", 604800000 }, { "week", 604800000 }, { "weeks", 604800000 },
	{ NULL, 0 },
};
static const struct unit size_units[] = {
	{ "b", 1 }, { "byte", 1 }, { "bytes", 1 },
	{ "k", 1LL << 10 }, { "kb", 1LL << 10 }, { "kib", 1LL << 10 },
	{ "m", 1LL << 20 }, { "mb", 1LL << 20 }, { "mib", 1LL << 20 },
	{ "g", 1LL << 30 }, { "gb", 1LL << 30 }, { "gib", 1LL << 30 },
	{ "t", 1LL << 40 }, { "tb", 1LL << 40 }, { "tib", 1LL << 40 },
	{ NULL, 0 },
};

/*
 * Parse "NUMBER UNIT" (space optional).  A bare "0" needs no unit.
 * Returns 0, -1 if malformed, -2 if the result overflows.
 */
static int
parse_with_unit(const char *s, const struct unit *units, long long *out)
{
	const char *p = s;
	long long num = 0;
	size_t i;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (num > (LLONG_MAX - 9) / 10)
			return -2;
		num = num * 10 + (*p - '0');
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		if (num != 0)
			return -1;
		*out = 0;
		return 0;
	}
	for (i = 0; units[i].name != NULL; i++)
		if (strcasecmp(p, units[i].name) == 0) {
			if (num > LLONG_MAX / units[i].mult)
				return -2;
			*out = num * units[i].mult;
			return 0;
		}
	return -1;
}

/* Largest unit that divides v exactly: "90s", "2h", "64MB". */
static char *
fmt_with_unit(long long v, const char *const *names, const long long *mults, size_t n)
{
	size_t i;

	if (v == 0)
		return xstrdup("0");
	for (i = n; i-- > 0;)
		if (v % mults[i] == 0)
			return xasprintf("%lld%s", v / mults[i], names[i]);
	return xasprintf("%lld", v);
}

char *
config_value_fmt_bound(const struct config_option *o, long long v)
{
	static const char *const dn[] = { "ms", "s", "m", "h", "d" };
	static const long long dm[] = { 1, 1000, 60000, 3600000, 86400000 };
	static const char *const sn[] = { "B", "KB", "MB", "GB", "TB" };
	static const long long sm[] = { 1, 1LL << 10, 1LL << 20, 1LL << 30, 1LL << 40 };

	if (o->o_type == CT_DURATION)
		return fmt_with_unit(v, dn, dm, ARRAY_LEN(dn));
	if (o->o_type == CT_SIZE)
		return fmt_with_unit(v, sn, sm, ARRAY_LEN(sn));
	return xasprintf("%lld", v);
}

static int
range_fail(const struct config_option *o, const char *s, char **err)
{
	char *lo = config_value_fmt_bound(o, o->o_min);
	char *hi = config_value_fmt_bound(o, o->o_max);

	fail(err, s, "is out of range, expected %s to %s", lo, hi);
	free(lo);
	free(hi);
	return -1;
}

static int
parse_number(const struct config_option *o, const char *s, long long *out, char **err)
{
	int r;

	if (o->o_type == CT_INT) {
		if (util_parse_ll(s, LLONG_MIN, LLONG_MAX, out) < 0)
			return fail(err, s, "is not an integer, expected a decimal number");
	} else {
		r = parse_with_unit(s, o->o_type == CT_DURATION ? duration_units : size_units, out);
		if (r == -1 && o->o_type == CT_DURATION)
			return fail(err, s, "is not a duration, expected a number and a "
			    "unit: ms, s, m, h, d or w (30s, 5m)");
		if (r == -1)
			return fail(err, s, "is not a size, expected a number and a "
			    "unit: B, KB, MB, GB or TB (64KB, 1MB)");
		if (r == -2)
			return range_fail(o, s, err);
	}
	if (*out < o->o_min || *out > o->o_max)
		return range_fail(o, s, err);
	return 0;
}

static int
parse_addr(const char *s, struct addr *out, char **err)
{
	memset(out, 0, sizeof(*out));
	if (addr_parse(s, false, out) < 0 || addr_port(out) == 0) {
		memset(out, 0, sizeof(*out));
		return fail(err, s, "is not an address, expected IPv4:PORT or "
		    "[IPv6]:PORT with a numeric address and a port from 1 to 65535");
	}
	return 0;
}

static int
parse_fp(const char *s, uint8_t id[CONFIG_ID_LEN], char **err)
{
	const char *p = s[0] == '$' ? s + 1 : s;

	if (strlen(p) != 2 * CONFIG_ID_LEN ||
	    util_hex_decode(p, 2 * CONFIG_ID_LEN, id, CONFIG_ID_LEN) < 0)
		return fail(err, s, "is not a fingerprint, expected 64 hex digits");
	return 0;
}

static int
parse_nick(const char *s, char *out, char **err)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			break;
	if (n == 0 || n > CONFIG_NICK_MAX || i != n)
		return fail(err, s, "is not a nickname, expected 1 to 19 letters and digits");
	if (out != NULL)
		memcpy(out, s, n + 1);
	return 0;
}

/* Split s at whitespace into at most max tokens in a copy (*buf); count. */
static size_t
split_words(const char *s, char **buf, char **tok, size_t max)
{
	size_t n = 0;
	char *p, *save = NULL;

	*buf = xstrdup(s);
	for (p = strtok_r(*buf, " \t", &save); p != NULL; p = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		tok[n++] = p;
	}
	return n;
}

/* accept|reject ADDR[/BITS]:PORT[-PORT] */
static int
parse_policy(const char *s, struct config_policy *r, char **err)
{
	static const char expect[] = "is not an exit rule, expected "
	    "accept|reject ADDR[/BITS]:PORT[-PORT] (reject *:25, accept 10.0.0.0/8:80-443)";
	char *buf, *tok[3], *target, *colon, *slash, *dash, *host;
	long long bits = -1, lo, hi;
	struct addr a;
	int rc = -1;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (split_words(s, &buf, tok, 2) != 2)
		goto bad;
	if (strcasecmp(tok[0], "accept") == 0)
		r->accept = true;
	else if (strcasecmp(tok[0], "reject") != 0)
		goto bad;
	target = tok[1];
	if ((colon = strrchr(target, ':')) == NULL)
		goto bad;
	*colon = '\0';
	if (strcmp(colon + 1, "*") == 0) {
		lo = 1;
		hi = 65535;
	} else {
		if ((dash = strchr(colon + 1, '-')) != NULL)
			*dash = '\0';
		if (util_parse_ll(colon + 1, 1, 65535, &lo) < 0)
			goto bad;
		hi = lo;
		if (dash != NULL && (util_parse_ll(dash + 1, lo, 65535, &hi) < 0))
			goto bad;
	}
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	if ((slash = strchr(target, '/')) != NULL)
		*slash = '\0';
	host = target;
	if (strcmp(host, "*") == 0) {
		if (slash != NULL)
			goto bad;
		rc = 0;
		goto done;
	}
	if (host[0] == '[') {
		size_t hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = '\0';
		host++;
		if (strchr(host, ':') == NULL)
			goto bad;
	} else if (strchr(host, ':') != NULL) {
		goto bad;
	}
	if (addr_parse_ip(host, &a) < 0)
		goto bad;
	r->family = addr_family(&a);
	if (r->family == AF_INET)
		memcpy(r->addr, &a.a_u.sin.sin_addr, 4);
	else
		memcpy(r->addr, &a.a_u.sin6.sin6_addr, 16);
	if (slash != NULL &&
	    util_parse_ll(slash + 1, 0, r->family == AF_INET ? 32 : 128, &bits) < 0)
		goto bad;
	r->bits = (uint8_t)(bits >= 0 ? bits : (r->family == AF_INET ? 32 : 128));
	/* Clear host bits so matching compares networks only. */
	for (i = 0; i < 16; i++) {
		int keep = (int)r->bits - (int)i * 8;

		if (keep <= 0)
			r->addr[i] = 0;
		else if (keep < 8)
			r->addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	rc = 0;
	goto done;
bad:
	fail(err, s, "%s", expect);
done:
	free(buf);
	return rc;
}

/* NICK ADDR:PORT FINGERPRINT ONIONKEY FLAGS */
static int
parse_relay(const char *s, struct config_relay *r, char **err)
{
	char *buf, *tok[5], *save = NULL, *f;
	int fl, rc = -1;

	memset(r, 0, sizeof(*r));
	if (split_words(s, &buf, tok, 5) != 5) {
		fail(err, s, "is not a relay, expected NICK ADDR:PORT FINGERPRINT "
		    "ONIONKEY FLAGS (FLAGS: comma-separated Guard,Exit,Fast,Stable,Running,Valid)");
		goto done;
	}
	if (parse_nick(tok[0], r->nickname, err) < 0 || parse_addr(tok[1], &r->addr, err) < 0 ||
	    parse_fp(tok[2], r->id, err) < 0)
		goto done;
	if (strlen(tok[3]) != 64 || util_hex_decode(tok[3], 64, r->onion_key, 32) < 0) {
		fail(err, tok[3], "is not an onion key, expected 64 hex digits");
		goto done;
	}
	for (f = strtok_r(tok[4], ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
		if (parse_enum(f, relay_flag_names, ARRAY_LEN(relay_flag_names), &fl) < 0) {
			fail(err, f, "is not a relay flag, expected Guard, Exit, "
			    "Fast, Stable, Running or Valid");
			goto done;
		}
		r->flags |= 1u << fl;
	}
	rc = 0;
done:
	if (rc < 0)
		memset(r, 0, sizeof(*r));
	free(buf);
	return rc;
}

/* NICK ADDR:DIRPORT FINGERPRINT */
static int
parse_authority(const char *s, struct config_authority *a, char **err)
{
	char *buf, *tok[3];
	int rc = -1;

	memset(a, 0, sizeof(*a));
	if (split_words(s, &buf, tok, 3) != 3)
		fail(err, s, "is not an authority, expected NICK ADDR:DIRPORT FINGERPRINT");
	else if (parse_nick(tok[0], a->nickname, err) == 0 &&
	    parse_addr(tok[1], &a->addr, err) == 0 && parse_fp(tok[2], a->id, err) == 0)
		rc = 0;
	free(buf);
	return rc;
}

static int
parse_logdomain(const char *s, struct config_logdomain *d, char **err)
{
	const char *colon = strchr(s, ':');
	char dom[32];

	if (colon == NULL || (size_t)(colon - s) >= sizeof(dom))
		goto bad;
	memcpy(dom, s, (size_t)(colon - s));
	dom[colon - s] = '\0';
	if ((d->domain = log_domain_from_name(dom)) < 0 ||
	    (d->level = log_level_from_name(colon + 1)) < 0)
		goto bad;
	return 0;
bad:
	return fail(err, s, "is not a domain level, expected DOMAIN:LEVEL with a "
	    "domain of lib/log.h (general, config, net, link, circ, relay, crypto, "
	    "socks, exit, dir, control, bug) and a level (err ... debug)");
}

/* Append a zeroed element to a list and return it. */
static void *
list_append(struct config_list *l, size_t size)
{
	uint8_t *p;

	l->v.any = xrealloc(l->v.any, (l->n + 1) * size);
	p = (uint8_t *)l->v.any + l->n * size;
	memset(p, 0, size);
	l->n++;
	return p;
}

static int
parse_path(const char *s, const char *basedir, char **out, char **err)
{
	if (*s == '\0')
		return fail(err, s, "is empty, expected a path");
	free(*out);
	if (s[0] == '/' || basedir == NULL)
		*out = xstrdup(s);
	else
		*out = xasprintf("%s/%s", basedir, s);
	return 0;
}

static int
parse_list_item(const struct config_option *o, const char *s, struct config_list *l, char **err)
{
	struct addr a;
	int rc;

#define APPEND_PARSED(T, parse, ...) do {				\
		T tmp_;							\
		if ((rc = parse(s, &tmp_, __VA_ARGS__)) == 0)		\
			*(T *)list_append(l, sizeof(T)) = tmp_;		\
	} while (0)
	switch (o->o_type) {
	case CT_ADDRS:
		APPEND_PARSED(struct addr, parse_addr, err);
		return rc;
	case CT_NAMESERVERS:
		memset(&a, 0, sizeof(a));
		if (addr_parse(s, true, &a) < 0)
			return fail(err, s, "is not a name server, expected IPv4, "
			    "IPv4:PORT, [IPv6] or [IPv6]:PORT");
		if (addr_port(&a) == 0)
			addr_set_port(&a, 53);
		*(struct addr *)list_append(l, sizeof(a)) = a;
		return 0;
	case CT_FPRS: {
		struct config_fp fp;

		if ((rc = parse_fp(s, fp.id, err)) == 0)
			*(struct config_fp *)list_append(l, sizeof(fp)) = fp;
		return rc;
	}
	case CT_POLICIES:
		APPEND_PARSED(struct config_policy, parse_policy, err);
		return rc;
	case CT_RELAYS:
		APPEND_PARSED(struct config_relay, parse_relay, err);
		return rc;
	case CT_AUTHORITIES:
		APPEND_PARSED(struct config_authority, parse_authority, err);
		return rc;
	case CT_LOGDOMAINS:
		APPEND_PARSED(struct config_logdomain, parse_logdomain, err);
		return rc;
	default:
		break;
	}
#undef APPEND_PARSED
	*err = xstrdup("internal error: not a list type");
	return -1;
}

int
config_value_parse(const struct config_option *o, const char *s, void *field,
    const char *basedir, char **err)
{
	static const char *const bool_true[] = { "yes", "true", "on", "1" };
	static const char *const bool_false[] = { "no", "false", "off", "0" };
	long long v;
	int e;

	if (config_type_is_list(o->o_type))
		return parse_list_item(o, s, field, err);
	if (*s == '\0')
		return fail(err, s, "is empty, expected %s", config_type_name_a(o->o_type));
	switch (o->o_type) {
	case CT_NICK:
		if (parse_nick(s, NULL, err) < 0)
			return -1;
		/* FALLTHROUGH */
	case CT_STRING:
		free(FIELD(field, char *));
		FIELD(field, char *) = xstrdup(s);
		return 0;
	case CT_PATH:
		return parse_path(s, basedir, &FIELD(field, char *), err);
	case CT_LOGTARGET:
		if (strcmp(s, "stderr") == 0 || strcmp(s, "syslog") == 0) {
			free(FIELD(field, char *));
			FIELD(field, char *) = xstrdup(s);
			return 0;
		}
		return parse_path(s, basedir, &FIELD(field, char *), err);
	case CT_BOOL:
		if (parse_enum(s, bool_true, ARRAY_LEN(bool_true), &e) == 0)
			FIELD(field, bool) = true;
		else if (parse_enum(s, bool_false, ARRAY_LEN(bool_false), &e) == 0)
			FIELD(field, bool) = false;
		else
			return fail(err, s, "is not a boolean, expected yes or no");
		return 0;
	case CT_INT:
	case CT_DURATION:
	case CT_SIZE:
		if (parse_number(o, s, &v, err) < 0)
			return -1;
		if (o->o_type == CT_INT)
			FIELD(field, int64_t) = v;
		else
			FIELD(field, uint64_t) = (uint64_t)v;
		return 0;
	case CT_ADDR:
		return parse_addr(s, &FIELD(field, struct addr), err);
	case CT_ROLE:
		if (parse_enum(s, role_names, ARRAY_LEN(role_names), &FIELD(field, int)) < 0)
			return fail(err, s, "is not a role, expected authority, relay, exit or client");
		return 0;
	case CT_LOGLEVEL:
		if ((e = log_level_from_name(s)) < 0)
			return fail(err, s, "is not a log level, expected err, warn, notice, info or debug");
		FIELD(field, int) = e;
		return 0;
	case CT_CTLAUTH:
		if (parse_enum(s, ctlauth_names, ARRAY_LEN(ctlauth_names), &FIELD(field, int)) < 0)
			return fail(err, s, "is not an auth method, expected cookie, password or none");
		return 0;
	default:
		break;
	}
	*err = xstrdup("internal error: unknown type");
	return -1;
}

void
config_value_clear(const struct config_option *o, void *field)
{
	switch (o->o_type) {
	case CT_NICK:
	case CT_STRING:
	case CT_PATH:
	case CT_LOGTARGET:
		if (FIELD(field, char *) != NULL && (o->o_flags & OPT_SECRET))
			crypto_wipe(FIELD(field, char *), strlen(FIELD(field, char *)));
		free(FIELD(field, char *));
		FIELD(field, char *) = NULL;
		break;
	case CT_ADDRS: case CT_NAMESERVERS: case CT_FPRS: case CT_POLICIES:
	case CT_RELAYS: case CT_AUTHORITIES: case CT_LOGDOMAINS:
		free(FIELD(field, struct config_list).v.any);
		memset(field, 0, sizeof(struct config_list));
		break;
	default:
		break;
	}
}

static size_t
list_elem_size(enum config_type t)
{
	switch (t) {
	case CT_ADDRS: case CT_NAMESERVERS:	return sizeof(struct addr);
	case CT_FPRS:				return sizeof(struct config_fp);
	case CT_POLICIES:			return sizeof(struct config_policy);
	case CT_RELAYS:				return sizeof(struct config_relay);
	case CT_AUTHORITIES:			return sizeof(struct config_authority);
	case CT_LOGDOMAINS:			return sizeof(struct config_logdomain);
	default:				return 0;
	}
}

bool
config_value_eq(const struct config_option *o, const void *a, const void *b)
{
	const struct config_list *la = a, *lb = b;

	switch (o->o_type) {
	case CT_NICK: case CT_STRING: case CT_PATH: case CT_LOGTARGET: {
		const char *sa = FIELD(a, const char *), *sb = FIELD(b, const char *);

		if (sa == NULL || sb == NULL)
			return sa == sb;
		return strcmp(sa, sb) == 0;
	}
	case CT_BOOL:
		return FIELD(a, bool) == FIELD(b, bool);
	case CT_INT: case CT_DURATION: case CT_SIZE:
		return FIELD(a, uint64_t) == FIELD(b, uint64_t);
	case CT_ROLE: case CT_LOGLEVEL: case CT_CTLAUTH:
		return FIELD(a, int) == FIELD(b, int);
	case CT_ADDR: {
		const struct addr *x = a, *y = b;

		if (x->a_len == 0 || y->a_len == 0)
			return x->a_len == y->a_len;
		return addr_eq(x, y);
	}
	default:
		/* Lists hold plain structs built from zeroed memory. */
		return la->n == lb->n && (la->n == 0 ||
		    memcmp(la->v.any, lb->v.any, la->n * list_elem_size(o->o_type)) == 0);
	}
}
