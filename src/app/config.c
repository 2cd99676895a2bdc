/*
 * config.c: read, check and compare tord's INI configuration.
 *
 * The option table (config_options.def) drives everything here: the
 * inih handler looks keys up in it, defaults come from it, validation
 * walks it, the SIGHUP diff compares the OPT_RESTART rows, and
 * config_dump_options_mdoc() prints it for tord.ini(5).
 *
 * Parsing.  libinih (the system library) parses the text through our own
 * line reader, because Debian builds it without line numbers for the
 * handler, with a 200-byte line buffer that truncates silently, and it
 * reports only the first syntax error.  The reader therefore
 *   - counts lines, so the handler knows the line it is called for;
 *   - classifies each line the way inih will (comment, section header,
 *     key line, continuation line) and reports malformed lines itself,
 *     handing inih a blank line instead, so every error is reported;
 *   - passes lines longer than inih's buffer as "key=\x01" and keeps the
 *     real value aside (lines up to CONFIG_MAX_LINE bytes are fine; the
 *     static relay lines need that), and reports longer lines.
 * Errors read "FILE:LINE: [section] key: what is wrong, what is expected".
 *
 * Entry points: config_load() and config_parse() (main.c, tests, the
 * fuzzer), config_diff_restart_only() (SIGHUP in main.c).
 */
#include <config.h>	/* autoconf's; "config.h" would be app/config.h */

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ini.h>

#include "lib/log.h"
#include "lib/util.h"
#include "app/config.h"
#include "app/config_int.h"

#define CONFIG_MAX_LINE		1024
#define CONFIG_MAX_FILE		(1 << 20)
#define LONG_VALUE_MARK		"\x01"

#define ROLE_BIT(r)	(1u << (r))
#define ALL_ROLES	(ROLE_BIT(ROLE_AUTHORITY) | ROLE_BIT(ROLE_RELAY) | \
			 ROLE_BIT(ROLE_EXIT) | ROLE_BIT(ROLE_CLIENT))

static const struct config_section {
	const char	*name;
	unsigned	 roles;		/* ROLE_BITs the section applies to */
	const char	*doc;
} sections[] = {
	{ "node", ALL_ROLES, "Identity, logging and control port of every node." },
	{ "relay", ROLE_BIT(ROLE_RELAY) | ROLE_BIT(ROLE_EXIT),
	  "Relays and exits: the OR port and onion keys." },
	{ "exit", ROLE_BIT(ROLE_EXIT), "Exits: which streams leave the network, and how." },
	{ "client", ROLE_BIT(ROLE_CLIENT), "Clients: the SOCKS port and circuit use." },
	{ "authority", ROLE_BIT(ROLE_AUTHORITY),
	  "Directory authorities: membership, flags and the consensus." },
	{ "authorities", ALL_ROLES,
	  "The directory authorities this node trusts; relays, exits and clients need at least one." },
	{ "limits", ALL_ROLES, "Resource limits." },
};
#define NSECTIONS ARRAY_LEN(sections)

static const struct config_option options[] = {
#define OPT(sec, key, field, type, def, lo, hi, flags, doc) \
	{ #sec, #key, CT_##type, offsetof(struct tord_config, field), def, lo, hi, flags, doc },
#include "app/config_options.def"
#undef OPT
};
#define NOPTIONS ARRAY_LEN(options)

static const struct tord_config *current_config;

struct cfg_parser {
	const char		*name;		/* file name for messages */
	const char		*basedir;
	const char		*buf;
	size_t			 len, off;
	int			 lineno;
	struct tord_config	*cfg;
	struct config_errors	*errs;
	int			 sect;		/* index in sections; -1 none, -2 bad */
	int			 sect_line[NSECTIONS];
	char			 key[CONFIG_MAX_LINE + 1];
	bool			 have_prev_key;	/* mirrors inih's prev_name */
	bool			 skip_cont;	/* continuation of a reported line */
	bool			 is_cont;	/* current line is a continuation */
	char			*long_value;
	int			 opt_line[NOPTIONS];	/* first line setting it */
	bool			 opt_bad[NOPTIONS];	/* a value failed to parse */
};

static void
errs_add(struct config_errors *errs, char *msg)
{
	errs->msg = xrealloc(errs->msg, (errs->n + 1) * sizeof(*errs->msg));
	errs->msg[errs->n++] = msg;
}

void
config_errors_clear(struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

/* Add "NAME:LINE: [section] key: MSG"; section and key may be NULL. */
static void PRINTF_LIKE(5, 6)
perr(struct cfg_parser *p, int line, const char *sect, const char *key, const char *fmt, ...)
{
	char *msg, *where;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (sect != NULL && key != NULL)
		where = xasprintf("[%s] %s: ", sect, key);
	else if (sect != NULL)
		where = xasprintf("[%s]: ", sect);
	else if (key != NULL)
		where = xasprintf("%s: ", key);
	else
		where = xstrdup("");
	errs_add(p->errs, xasprintf("%s:%d: %s%s", p->name, line, where, msg));
	free(where);
	free(msg);
}

static const char *
cur_sect_name(const struct cfg_parser *p)
{
	return p->sect >= 0 ? sections[p->sect].name : NULL;
}

static const struct config_option *
find_option(const char *sect, const char *key)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].o_section, sect) == 0 && strcmp(options[i].o_key, key) == 0)
			return &options[i];
	return NULL;
}

static void *
opt_field(struct tord_config *cfg, const struct config_option *o)
{
	return (char *)cfg + o->o_offset;
}

/* As inih: stop at a char of chars, or at ';' after whitespace. */
static char *
find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static char *
lskip(char *s)
{
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	return s;
}

static char *
rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Hand inih `text` or, if it does not fit in num bytes, `shortform`. */
static void
pass_line(struct cfg_parser *p, char *str, int num, const char *text,
    const char *shortform, const char *value)
{
	if (strlen(text) + 2 <= (size_t)num) {
		snprintf(str, (size_t)num, "%s\n", text);
		return;
	}
	p->long_value = xstrdup(value);
	snprintf(str, (size_t)num, "%s\n", shortform);
}

static void
classify_section(struct cfg_parser *p, char *t, char *str, int num)
{
	char *end = find_chars_or_comment(t + 1, "]"), *rest;
	size_t i;

	p->have_prev_key = false;
	p->skip_cont = false;
	snprintf(str, (size_t)num, "[-]\n");
	if (*end != ']') {
		char *q = config_quote(t);

		perr(p, p->lineno, NULL, NULL, "%s is not a section header, expected [name]", q);
		free(q);
		p->sect = -2;
		return;
	}
	*end = '\0';
	rest = lskip(end + 1);
	for (i = 0; i < NSECTIONS; i++)
		if (strcmp(t + 1, sections[i].name) == 0)
			break;
	if (i == NSECTIONS) {
		char *q = config_quote(t + 1);

		/* Unquoted, as in the file; config_quote made it printable. */
		q[strlen(q) - 1] = '\0';
		perr(p, p->lineno, NULL, NULL, "[%s]: unknown section, expected one of node, "
		    "relay, exit, client, authority, authorities, limits", q + 1);
		free(q);
		p->sect = -2;
		return;
	}
	p->sect = (int)i;
	if (p->sect_line[i] == 0)
		p->sect_line[i] = p->lineno;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		perr(p, p->lineno, sections[i].name, NULL,
		    "text after ']', expected only a comment");
}

/*
 * Look at one line the way inih will, report what is malformed, and put
 * in str (num bytes) the line inih should see.
 */
static void
classify_line(struct cfg_parser *p, char *line, char *str, int num)
{
	char *s = line, *t, *end, *value;
	bool indented;

	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	indented = *s != '\0' && isspace((unsigned char)*s);
	t = rstrip(lskip(s));
	if (*t == '\0' || *t == ';' || *t == '#')
		return;				/* blank or comment */
	if (indented && p->have_prev_key) {
		p->is_cont = true;
		if (p->skip_cont)
			return;
		end = find_chars_or_comment(t, NULL);
		*end = '\0';
		rstrip(t);
		pass_line(p, str, num, s, " " LONG_VALUE_MARK, t);
		return;
	}
	if (*t == '[') {
		classify_section(p, t, str, num);
		return;
	}
	end = find_chars_or_comment(t, "=:");
	if (*end != '=' || end == t) {
		char *q = config_quote(t);

		perr(p, p->lineno, cur_sect_name(p), NULL,
		    "%s is not an option line, expected key = value", q);
		free(q);
		p->skip_cont = true;
		return;
	}
	snprintf(p->key, sizeof(p->key), "%.*s", (int)(end - t), t);
	rstrip(p->key);
	p->have_prev_key = true;
	p->skip_cont = false;
	if (p->sect == -1) {
		perr(p, p->lineno, NULL, p->key, "outside any section, expected a "
		    "[section] header before it");
		p->skip_cont = true;
		return;
	}
	value = xstrdup(lskip(end + 1));
	*find_chars_or_comment(value, NULL) = '\0';
	rstrip(value);
	pass_line(p, str, num, s, "k=" LONG_VALUE_MARK, value);
	free(value);
}

/* ini_reader: one physical line per call, see the comment at the top. */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct cfg_parser *p = stream;
	const char *line, *nl;
	char *copy;
	size_t n;

	if (p->off >= p->len || num < 8)
		return NULL;
	line = p->buf + p->off;
	nl = memchr(line, '\n', p->len - p->off);
	n = nl != NULL ? (size_t)(nl - line) : p->len - p->off;
	p->off += n + (nl != NULL);
	p->lineno++;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	free(p->long_value);
	p->long_value = NULL;
	p->is_cont = false;
	snprintf(str, (size_t)num, "\n");
	if (memchr(line, '\0', n) != NULL) {
		perr(p, p->lineno, cur_sect_name(p), NULL,
		    "line contains a NUL byte, expected text");
		p->skip_cont = true;
		return str;
	}
	if (n > CONFIG_MAX_LINE) {
		perr(p, p->lineno, cur_sect_name(p), NULL,
		    "line too long (%zu bytes), expected at most %d", n, CONFIG_MAX_LINE);
		p->skip_cont = true;
		return str;
	}
	copy = xstrndup(line, n);
	classify_line(p, copy, str, num);
	free(copy);
	return str;
}

static int
cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parser *p = user;
	const struct config_option *o;
	const char *sect;
	char *err = NULL;
	void *field;
	size_t idx;

	(void)section;
	(void)name;	/* inih truncates them; the reader kept the real ones */
	if (p->sect < 0 || p->skip_cont)
		return 1;
	sect = sections[p->sect].name;
	if (strcmp(value, LONG_VALUE_MARK) == 0 && p->long_value != NULL)
		value = p->long_value;
	if ((o = find_option(sect, p->key)) == NULL) {
		perr(p, p->lineno, sect, p->key, "unknown key, expected one of the "
		    "keys of [%s] in tord.ini(5)", sect);
		p->skip_cont = true;
		return 1;
	}
	idx = (size_t)(o - options);
	field = opt_field(p->cfg, o);
	if (config_type_is_list(o->o_type)) {
		if (p->opt_line[idx] == 0) {
			/* The file's items replace the default ones. */
			config_value_clear(o, field);
			p->opt_line[idx] = p->lineno;
		}
		if (*value == '\0')
			return 1;	/* "key =" followed by continuation lines */
	} else if (p->is_cont) {
		perr(p, p->lineno, sect, p->key, "continuation line, expected one "
		    "value on the key's line (only lists continue)");
		return 1;
	} else if (p->opt_line[idx] != 0) {
		perr(p, p->lineno, sect, p->key, "repeated (first set on line %d), "
		    "expected one value", p->opt_line[idx]);
		return 1;
	} else {
		p->opt_line[idx] = p->lineno;
	}
	if (config_value_parse(o, value, field, p->basedir, &err) < 0) {
		p->opt_bad[idx] = true;
		perr(p, p->lineno, sect, p->key, "%s", err);
		free(err);
	}
	return 1;
}

static void
apply_defaults(struct tord_config *cfg)
{
	char *err = NULL, *copy, *item, *save = NULL;
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		const struct config_option *o = &options[i];

		if (o->o_default == NULL)
			continue;
		copy = xstrdup(o->o_default);
		for (item = strtok_r(copy, "\n", &save); item != NULL;
		    item = strtok_r(NULL, "\n", &save)) {
			if (BUG(config_value_parse(o, item, opt_field(cfg, o), NULL, &err) < 0)) {
				log_err(LD_CONFIG, "default of %s: %s", o->o_key, err);
				free(err);
				err = NULL;
			}
		}
		free(copy);
	}
}

static int
opt_index(const char *sect, const char *key)
{
	const struct config_option *o = find_option(sect, key);

	return BUG(o == NULL) ? 0 : (int)(o - options);
}

#define LINE_OF(sect, key)	(p->opt_line[opt_index(sect, key)])
/* A cross-check involving an option whose value was bad would mislead. */
#define BAD(sect, key)		(p->opt_bad[opt_index(sect, key)])

static bool
addr_is_wildcard(const struct addr *a)
{
	static const uint8_t zero[16];

	if (addr_family(a) == AF_INET)
		return a->a_u.sin.sin_addr.s_addr == 0;
	return memcmp(&a->a_u.sin6.sin6_addr, zero, 16) == 0;
}

/* Line to blame for a missing option: its section header, else role. */
static int
missing_line(const struct cfg_parser *p, const char *sect)
{
	size_t i;

	for (i = 0; i < NSECTIONS; i++)
		if (strcmp(sections[i].name, sect) == 0 && p->sect_line[i] != 0)
			return p->sect_line[i];
	return p->opt_line[opt_index("node", "role")] ? p->opt_line[opt_index("node", "role")] : 1;
}

static void
validate_role(struct cfg_parser *p)
{
	const struct tord_config *c = p->cfg;
	const char *rn = config_role_name(c->role);
	size_t i;

	for (i = 0; i < NSECTIONS; i++) {
		if (p->sect_line[i] == 0 || (sections[i].roles & ROLE_BIT(c->role)))
			continue;
		perr(p, p->sect_line[i], sections[i].name, NULL, "section does not "
		    "apply to role %s, expected it removed or another role", rn);
	}
	for (i = 0; i < NOPTIONS; i++) {
		const struct config_option *o = &options[i];
		const struct config_section *s;

		if (!(o->o_flags & OPT_REQUIRED) || p->opt_line[i] != 0)
			continue;
		for (s = sections; strcmp(s->name, o->o_section) != 0; s++)
			;
		if (s->roles & ROLE_BIT(c->role))
			perr(p, missing_line(p, o->o_section), o->o_section, o->o_key,
			    "missing, expected %s (required for role %s)",
			    config_type_name_a(o->o_type), rn);
	}
	if (c->role != ROLE_CLIENT && c->nickname == NULL && LINE_OF("node", "nickname") == 0)
		perr(p, missing_line(p, "node"), "node", "nickname",
		    "missing, expected a nickname (required for role %s)", rn);
	if (c->role != ROLE_AUTHORITY && c->authorities.n == 0 && !BAD("authorities", "authority") &&
	    !(c->role == ROLE_CLIENT && c->static_relays.n > 0))
		perr(p, missing_line(p, "authorities"), "authorities", "authority",
		    "missing, expected at least one trusted authority (required for role %s%s)",
		    rn, c->role == ROLE_CLIENT ? " without [client] relay lines" : "");
	if (c->role == ROLE_RELAY || c->role == ROLE_EXIT) {
		if (c->or_listen.a_len != 0 && addr_is_wildcard(&c->or_listen) &&
		    c->advertised_address.a_len == 0)
			perr(p, LINE_OF("relay", "or_listen"), "relay", "or_listen",
			    "wildcard address, expected advertised_address to say "
			    "where clients can reach the relay");
		if (c->advertised_address.a_len != 0 && addr_is_wildcard(&c->advertised_address))
			perr(p, LINE_OF("relay", "advertised_address"), "relay",
			    "advertised_address", "wildcard address, expected the "
			    "address clients connect to");
		if (c->onion_key_grace >= c->onion_key_rotation &&
		    !BAD("relay", "onion_key_grace") && !BAD("relay", "onion_key_rotation"))
			perr(p, LINE_OF("relay", "onion_key_grace") ? LINE_OF("relay", "onion_key_grace") :
			    missing_line(p, "relay"), "relay", "onion_key_grace",
			    "not shorter than onion_key_rotation, expected a shorter grace period");
	}
	if (c->role == ROLE_AUTHORITY && c->consensus_validity < c->voting_interval &&
	    !BAD("authority", "consensus_validity") && !BAD("authority", "voting_interval"))
		perr(p, LINE_OF("authority", "consensus_validity") ?
		    LINE_OF("authority", "consensus_validity") : missing_line(p, "authority"),
		    "authority", "consensus_validity",
		    "shorter than voting_interval, expected at least one interval");
	if (c->role == ROLE_CLIENT && c->socks_listen.n == 0 && c->http_connect_listen.n == 0 &&
	    !BAD("client", "socks_listen") && !BAD("client", "http_connect_listen"))
		perr(p, missing_line(p, "client"), "client", "socks_listen", "empty, expected "
		    "at least one address here or in http_connect_listen");
}

/* Cross-field checks once every line is read. */
static void
validate(struct cfg_parser *p)
{
	const struct tord_config *c = p->cfg;
	int l;

	if ((l = LINE_OF("node", "control_port")) != 0 && c->control_port.a_len != 0 &&
	    !addr_is_loopback(&c->control_port))
		perr(p, l, "node", "control_port", "not a loopback address, expected "
		    "127.0.0.0/8 or [::1] (the control port is local only)");
	if (c->control_auth == CTL_AUTH_PASSWORD && c->control_password_hash == NULL &&
	    !BAD("node", "control_password_hash"))
		perr(p, LINE_OF("node", "control_auth") ? LINE_OF("node", "control_auth") :
		    missing_line(p, "node"), "node", "control_password_hash",
		    "missing, expected a hash when control_auth = password");
	if (c->control_auth != CTL_AUTH_PASSWORD && c->control_password_hash != NULL &&
	    !BAD("node", "control_auth"))
		perr(p, LINE_OF("node", "control_password_hash"), "node", "control_password_hash",
		    "set while control_auth is not password, expected control_auth = password");
	if (LINE_OF("node", "role") == 0) {
		perr(p, missing_line(p, "node"), "node", "role",
		    "missing, expected authority, relay, exit or client");
		return;
	}
	if (!BAD("node", "role"))
		validate_role(p);
}

int
config_parse(const char *text, size_t len, const char *name, const char *basedir,
    struct tord_config **out, struct config_errors *errs)
{
	struct cfg_parser p;
	size_t before = errs->n;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.basedir = basedir;
	p.buf = text;
	p.len = len;
	p.sect = -1;
	p.errs = errs;
	p.cfg = xcalloc(1, sizeof(*p.cfg));
	apply_defaults(p.cfg);
	rc = ini_parse_stream(cfg_reader, &p, cfg_handler, &p);
	free(p.long_value);
	if (rc != 0 && errs->n == before)
		perr(&p, rc > 0 ? rc : p.lineno, NULL, NULL, "cannot parse line, expected key = value");
	validate(&p);
	if (errs->n != before) {
		config_free(p.cfg);
		return -1;
	}
	p.cfg->cf_path = xstrdup(name);
	*out = p.cfg;
	return 0;
}

int
config_load(const char *path, struct tord_config **out, struct config_errors *errs)
{
	char *text = NULL, *real = NULL, *dir;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	*out = NULL;
	if ((f = fopen(path, "re")) == NULL) {
		errs_add(errs, xasprintf("%s:0: cannot open: %s, expected a readable file",
		    path, strerror(errno)));
		return -1;
	}
	text = xmalloc(CONFIG_MAX_FILE + 1);
	len = fread(text, 1, CONFIG_MAX_FILE + 1, f);
	if (ferror(f)) {
		errs_add(errs, xasprintf("%s:0: cannot read: %s, expected a readable file",
		    path, strerror(errno)));
	} else if (len > CONFIG_MAX_FILE) {
		errs_add(errs, xasprintf("%s:0: file too large, expected at most %d bytes",
		    path, CONFIG_MAX_FILE));
	} else if ((real = realpath(path, NULL)) == NULL) {
		errs_add(errs, xasprintf("%s:0: cannot resolve path: %s", path, strerror(errno)));
	} else {
		dir = dirname(real);
		rc = config_parse(text, len, path, dir, out, errs);
	}
	fclose(f);
	free(real);
	free(text);
	return rc;
}

void
config_free_(struct tord_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NOPTIONS; i++)
		config_value_clear(&options[i], opt_field(cfg, &options[i]));
	free(cfg->cf_path);
	free(cfg);
}

int
config_diff_restart_only(const struct tord_config *old, const struct tord_config *new_,
    struct config_errors *why)
{
	size_t i;
	int n = 0;

	for (i = 0; i < NOPTIONS; i++) {
		const struct config_option *o = &options[i];

		if (!(o->o_flags & OPT_RESTART) ||
		    config_value_eq(o, (const char *)old + o->o_offset,
		    (const char *)new_ + o->o_offset))
			continue;
		errs_add(why, xasprintf("[%s] %s: changed, expected the old value "
		    "(a restart is needed to change it)", o->o_section, o->o_key));
		n++;
	}
	return n;
}

const struct tord_config *
config_current(void)
{
	return current_config;
}

void
config_set_current(const struct tord_config *cfg)
{
	current_config = cfg;
}

/* Print s with roff's special characters escaped. */
static void
mdoc_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void
dump_option(FILE *out, const struct config_option *o)
{
	char *lo, *hi, *copy, *item, *save = NULL;

	fprintf(out, ".It Cm %s Ar \"%s\"\n", o->o_key, config_type_name(o->o_type));
	mdoc_text(out, o->o_doc);
	fputs(".\n", out);
	if (o->o_type == CT_INT || o->o_type == CT_DURATION || o->o_type == CT_SIZE) {
		lo = config_value_fmt_bound(o, o->o_min);
		hi = config_value_fmt_bound(o, o->o_max);
		fprintf(out, "From %s to %s.\n", lo, hi);
		free(lo);
		free(hi);
	}
	if (o->o_flags & OPT_REQUIRED)
		fputs("Required.\n", out);
	if (o->o_flags & OPT_RESTART)
		fputs("Changing it needs a restart.\n", out);
	if (o->o_default == NULL)
		return;
	if (strchr(o->o_default, '\n') == NULL) {
		fputs("Default:\n.Ql ", out);
		mdoc_text(out, o->o_default);
		fputs(" .\n", out);
		return;
	}
	fputs("Default:\n.Bd -literal -offset indent\n", out);
	copy = xstrdup(o->o_default);
	for (item = strtok_r(copy, "\n", &save); item != NULL; item = strtok_r(NULL, "\n", &save)) {
		mdoc_text(out, item);
		fputc('\n', out);
	}
	free(copy);
	fputs(".Ed\n", out);
}

void
config_dump_options_mdoc(FILE *out)
{
	size_t s, i;

	for (s = 0; s < NSECTIONS; s++) {
		fprintf(out, ".Ss Section [%s]\n", sections[s].name);
		mdoc_text(out, sections[s].doc);
		fputs("\n.Bl -tag -width Ds\n", out);
		for (i = 0; i < NOPTIONS; i++)
			if (strcmp(options[i].o_section, sections[s].name) == 0)
				dump_option(out, &options[i]);
		fputs(".El\n", out);
	}
}
