/*
 * exit_policy.h: the exit policy, which targets (address, port) an exit
 * opens streams to.  Pure: parsing, evaluation and the descriptor port
 * summary; no I/O, no globals.
 *
 * Rules read `accept|reject ADDR[/BITS]:PORT[-PORT]`, where ADDR is `*`
 * (any address), `*4` (any IPv4), `*6` (any IPv6), a dotted IPv4 address
 * or a bracketed IPv6 address, BITS is a prefix length and PORT is `*` or
 * 1..65535.  The first matching rule wins and a final `reject *:*` is
 * implied.
 *
 * reject_private (on by default): an internal target (private, loopback,
 * link-local, multicast, unspecified, CGNAT: addr_is_internal()) is
 * accepted only by an accept rule whose network lies wholly inside
 * internal space ("explicit"), such as `accept 127.0.0.0/8:*`.  For such
 * targets, accept rules that are not explicit (`accept *:*`,
 * `accept 0.0.0.0/1:80`) are skipped; reject rules still apply in order.
 *
 * Callers: app/config (parses the [exit] policy list), feature/exit (every
 * BEGIN / RESOLVE), feature/dir (descriptor policy summary).
 */
#ifndef TORD_FEATURE_EXIT_EXIT_POLICY_H
#define TORD_FEATURE_EXIT_EXIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/docfmt.h"
#include "lib/addr.h"
#include "lib/util.h"

/* A policy holds at most this many rules; more is a parse error. */
#define EXIT_POLICY_MAX_RULES	1024
/* Tor's limit for the `p` line; a longer summary is cut at a comma. */
#define EXIT_POLICY_SUMMARY_MAX	1000
/* Longest formatted rule, NUL included. */
#define EXIT_POLICY_RULE_STRLEN	(6 + 1 + 2 + 39 + 4 + 1 + 11 + 1)

struct exit_policy_rule {
	bool		r_accept;
	int		r_family;	/* 0 = any ("*"), AF_INET, AF_INET6 */
	uint8_t		r_addr[16];	/* network byte order, host bits zero */
	uint8_t		r_bits;		/* prefix length (0 for the wildcards) */
	uint16_t	r_port_lo;
	uint16_t	r_port_hi;
	bool		r_internal;	/* network lies wholly in internal space */
};

struct exit_policy {
	struct exit_policy_rule	*p_rules;
	size_t			 p_n;
	size_t			 p_cap;
	bool			 p_reject_private;
};

/* A new empty policy (rejects everything), reject_private on. */
struct exit_policy	*exit_policy_new(void);
void			 exit_policy_free_(struct exit_policy *p);
#define exit_policy_free(p) FREE_AND_NULL(struct exit_policy, exit_policy_free_, (p))
/* A deep copy. */
struct exit_policy	*exit_policy_dup(const struct exit_policy *p);
void	exit_policy_set_reject_private(struct exit_policy *p, bool on);

/*
 * Parse one rule (surrounding blanks allowed).  Returns 0, or -1 with a
 * one-line message naming the offending rule in err (errlen bytes).
 */
int	exit_policy_parse_rule(const char *s, struct exit_policy_rule *out,
	    char *err, size_t errlen);
/*
 * Append a rule given as fields (family 0 / AF_INET / AF_INET6, addr in
 * network byte order, 4 or 16 bytes used).  Host bits past `bits` are
 * cleared.  Returns 0, or -1 if the fields are invalid or the policy is
 * full.
 */
int	exit_policy_add(struct exit_policy *p, bool accept, int family,
	    const uint8_t *addr, unsigned bits, uint16_t port_lo, uint16_t port_hi);
/* Parse s and append it; 0 or -1 with err filled as above. */
int	exit_policy_add_str(struct exit_policy *p, const char *s, char *err,
	    size_t errlen);
/*
 * Parse a whole policy: rules separated by newlines or commas.  Blank
 * items and `#` comments to the end of a line are ignored.  Returns a
 * new policy, or NULL with err filled.
 */
struct exit_policy	*exit_policy_parse(const char *text, bool reject_private,
			    char *err, size_t errlen);

/* Format one rule in the syntax above (canonical form) into out. */
const char	*exit_policy_rule_fmt(const struct exit_policy_rule *r, char *out,
		    size_t outlen);

/* Does the policy accept a connection to a:port?  (a's own port is ignored.) */
bool	exit_policy_allows(const struct exit_policy *p, const struct addr *a,
	    uint16_t port);
/*
 * For a hostname not resolved yet: might the policy accept port for some
 * address?  True if a rule accepting the port (any address, internal ones
 * included, since names such as localhost may resolve there) comes
 * before the rules rejecting every address on it.  The real check runs
 * on the resolved address.
 */
bool	exit_policy_might_allow_port(const struct exit_policy *p, uint16_t port);
/*
 * The meaning of a port in the summary: might a stream to a host name on
 * this port be accepted?  True if the policy accepts port for most public
 * IPv4 addresses (Tor's test: accepts count only when they cover all
 * addresses; rejects count when they cover 2^25 or more public addresses
 * on the port), or if an explicit accept of an internal network
 * (`accept 127.0.0.0/8:*`) covers port and no earlier reject covers that
 * whole network: a test network's targets live there, and names such as
 * localhost resolve there.  Narrow public accepts (`accept 8.0.0.0/8:80`)
 * do not count, so clients do not pick an exit that would refuse most
 * names.  Every port it allows also passes exit_policy_might_allow_port().
 */
bool	exit_policy_summary_allows_port(const struct exit_policy *p, uint16_t port);
/*
 * The port summary as Tor's `p` line text: "accept 80,443,1000-2000" or
 * "reject 25,119", whichever lists fewer ranges ("reject 1-65535" if
 * nothing is accepted).  Cut at a comma to EXIT_POLICY_SUMMARY_MAX bytes.
 * Returns a malloc'd string.
 */
char	*exit_policy_summary(const struct exit_policy *p);
/*
 * The same summary as a struct for descriptors, which hold at most
 * POLICY_SUMMARY_MAX_RANGES ranges.  A longer one is narrowed, never
 * widened: the narrowest accepted ranges are dropped from an accept list,
 * the smallest gaps between rejected ranges are rejected too.
 */
void	exit_policy_summarize(const struct exit_policy *p, struct policy_summary *out);
/* Is the policy a non-exit one (its summary accepts no port)? */
bool	exit_policy_is_reject_all(const struct exit_policy *p);

#endif
