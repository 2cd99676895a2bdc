/*
 * config.h: the node's configuration, read from an INI file.
 *
 * struct tord_config is generated from config_options.def: one member per
 * option, named by the table's `field` column, with the C type of its
 * value type:
 *
 *	NICK STRING PATH LOGTARGET	char *  (NULL: unset; PATH and a file
 *					LOGTARGET are absolute, relative
 *					ones resolved against the directory
 *					of the configuration file)
 *	BOOL				bool
 *	INT				int64_t
 *	DURATION			uint64_t, milliseconds
 *	SIZE				uint64_t, bytes
 *	ADDR				struct addr (unset: a_len == 0)
 *	ROLE LOGLEVEL CTLAUTH		int (enum tord_role, enum log_level,
 *					enum config_ctl_auth)
 *	ADDRS NAMESERVERS		struct config_list, v.addr
 *	FPRS				struct config_list, v.fp
 *	POLICIES			struct config_list, v.policy
 *	RELAYS				struct config_list, v.relay
 *	AUTHORITIES			struct config_list, v.authority
 *	LOGDOMAINS			struct config_list, v.logdomain
 *
 * Only the sections that apply to cfg->role are meaningful; the others
 * hold their defaults.  Nobody keeps a pointer into a config across a
 * reload: after SIGHUP the old one is freed.
 */
#ifndef TORD_APP_CONFIG_H
#define TORD_APP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"
#include "lib/util.h"

enum tord_role {
	ROLE_AUTHORITY = 0,
	ROLE_RELAY,
	ROLE_EXIT,
	ROLE_CLIENT,
	ROLE_COUNT_
};

enum config_ctl_auth {
	CTL_AUTH_COOKIE = 0,
	CTL_AUTH_PASSWORD,
	CTL_AUTH_NONE,
};

/* Flags of a static relay ([client] relay); same meaning as consensus flags. */
#define CONFIG_RELAY_GUARD	0x01
#define CONFIG_RELAY_EXIT	0x02
#define CONFIG_RELAY_FAST	0x04
#define CONFIG_RELAY_STABLE	0x08
#define CONFIG_RELAY_RUNNING	0x10
#define CONFIG_RELAY_VALID	0x20

#define CONFIG_NICK_MAX		19
#define CONFIG_ID_LEN		32	/* Ed25519 identity, as in core/crypto/keys.h */

struct config_fp {
	uint8_t		id[CONFIG_ID_LEN];
};

/* One exit rule: accept|reject ADDR[/BITS]:PORT[-PORT]. */
struct config_policy {
	bool		accept;
	int		family;		/* 0 for "*" (any), AF_INET, AF_INET6 */
	uint8_t		addr[16];	/* network byte order, 4 bytes for IPv4 */
	uint8_t		bits;		/* prefix length */
	uint16_t	port_lo, port_hi;
};

/* [client] relay = NICK ADDR:PORT FINGERPRINT ONIONKEY FLAGS */
struct config_relay {
	char		nickname[CONFIG_NICK_MAX + 1];
	struct addr	addr;
	uint8_t		id[CONFIG_ID_LEN];
	uint8_t		onion_key[32];	/* X25519 public key */
	uint32_t	flags;		/* CONFIG_RELAY_* */
};

/* [authorities] authority = NICK ADDR:DIRPORT FINGERPRINT */
struct config_authority {
	char		nickname[CONFIG_NICK_MAX + 1];
	struct addr	addr;
	uint8_t		id[CONFIG_ID_LEN];
};

/* [node] log_domain = DOMAIN:LEVEL */
struct config_logdomain {
	int		domain;		/* enum log_domain */
	int		level;		/* enum log_level */
};

struct config_list {
	size_t	n;
	union {
		void				*any;
		struct addr			*addr;
		struct config_fp		*fp;
		struct config_policy		*policy;
		struct config_relay		*relay;
		struct config_authority		*authority;
		struct config_logdomain		*logdomain;
	} v;
};

#define CONFIG_CTYPE_NICK		char *
#define CONFIG_CTYPE_STRING		char *
#define CONFIG_CTYPE_PATH		char *
#define CONFIG_CTYPE_LOGTARGET		char *
#define CONFIG_CTYPE_BOOL		bool
#define CONFIG_CTYPE_INT		int64_t
#define CONFIG_CTYPE_DURATION		uint64_t
#define CONFIG_CTYPE_SIZE		uint64_t
#define CONFIG_CTYPE_ADDR		struct addr
#define CONFIG_CTYPE_ROLE		int
#define CONFIG_CTYPE_LOGLEVEL		int
#define CONFIG_CTYPE_CTLAUTH		int
#define CONFIG_CTYPE_ADDRS		struct config_list
#define CONFIG_CTYPE_NAMESERVERS	struct config_list
#define CONFIG_CTYPE_FPRS		struct config_list
#define CONFIG_CTYPE_POLICIES		struct config_list
#define CONFIG_CTYPE_RELAYS		struct config_list
#define CONFIG_CTYPE_AUTHORITIES	struct config_list
#define CONFIG_CTYPE_LOGDOMAINS		struct config_list

#define OPT_REQUIRED	0x1
#define OPT_RESTART	0x2
#define OPT_SECRET	0x4

struct tord_config {
#define OPT(sec, key, field, type, def, lo, hi, flags, doc) \
	CONFIG_CTYPE_##type field;
#include "app/config_options.def"
#undef OPT
	char	*cf_path;		/* the file it was read from */
};

/* Every error found while loading, one message per line, in file order. */
struct config_errors {
	size_t	  n;
	char	**msg;	/* "FILE:LINE: [section] key: what is wrong, what is expected" */
};

/*
 * Read and validate the INI file at path.  On success return 0 and set
 * *out to a new config (free it with config_free).  On any error return
 * -1, leave *out NULL and append every message to errs (never stop at
 * the first).  errs must be zeroed or cleared before the call.
 */
int	config_load(const char *path, struct tord_config **out, struct config_errors *errs);
/*
 * As config_load, from len bytes of text (NULs allowed: they are
 * errors).  name is used in messages; relative paths are resolved
 * against basedir (NULL: the current directory).
 */
int	config_parse(const char *text, size_t len, const char *name, const char *basedir,
	    struct tord_config **out, struct config_errors *errs);
void	config_free_(struct tord_config *cfg);
#define config_free(p) FREE_AND_NULL(struct tord_config, config_free_, (p))
void	config_errors_clear(struct config_errors *errs);

/*
 * Compare the options flagged OPT_RESTART.  Return how many differ, and
 * append one "[section] key: ..." message per difference to why.
 */
int	config_diff_restart_only(const struct tord_config *old, const struct tord_config *new_,
	    struct config_errors *why);

/* Names of roles ("authority" ...) and whether the role has an identity key. */
const char	*config_role_name(int role);
bool		 config_role_has_identity(int role);

/* The configuration in force, set by main; NULL before startup. */
const struct tord_config *config_current(void);
void	config_set_current(const struct tord_config *cfg);

/*
 * Print the option table as the mdoc list used in tord.ini(5), one
 * section after another.
 */
void	config_dump_options_mdoc(FILE *out);

#endif
