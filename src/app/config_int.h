/*
 * config_int.h: internals shared by config.c (table, reader, validation)
 * and config_value.c (one parser per value type).  Not for other modules:
 * they read struct tord_config.
 */
#ifndef TORD_APP_CONFIG_INT_H
#define TORD_APP_CONFIG_INT_H

#include <stddef.h>

#include "app/config.h"

enum config_type {
	CT_NICK, CT_STRING, CT_PATH, CT_LOGTARGET, CT_BOOL, CT_INT,
	CT_DURATION, CT_SIZE, CT_ADDR, CT_ROLE, CT_LOGLEVEL, CT_CTLAUTH,
	CT_ADDRS, CT_NAMESERVERS, CT_FPRS, CT_POLICIES, CT_RELAYS,
	CT_AUTHORITIES, CT_LOGDOMAINS,
};

struct config_option {
	const char		*o_section;
	const char		*o_key;
	enum config_type	 o_type;
	size_t			 o_offset;	/* of the field in struct tord_config */
	const char		*o_default;
	long long		 o_min, o_max;
	unsigned		 o_flags;
	const char		*o_doc;
};

/* True for the list types (one item per key line or continuation line). */
bool	config_type_is_list(enum config_type t);
/* Short name of a type for documentation ("duration", "address list"). */
const char *config_type_name(enum config_type t);
/* The same with its article ("an address"); valid until 8 more calls. */
const char *config_type_name_a(enum config_type t);

/*
 * Parse s as a value of o's type into field (a scalar is replaced, a list
 * gets one item appended).  Relative paths are resolved against basedir.
 * On error return -1 and set *err to a malloc'd "what is wrong, what is
 * expected" text.
 */
int	config_value_parse(const struct config_option *o, const char *s, void *field,
	    const char *basedir, char **err);
/* Release what a field holds and zero it. */
void	config_value_clear(const struct config_option *o, void *field);
/* Whether two fields of o's type hold the same value. */
bool	config_value_eq(const struct config_option *o, const void *a, const void *b);
/* Format a range bound of o's type ("10s", "1MB", "42") into a new string. */
char	*config_value_fmt_bound(const struct config_option *o, long long v);
/* A printable, length-limited, quoted copy of a user's value. */
char	*config_quote(const char *s);

#endif
