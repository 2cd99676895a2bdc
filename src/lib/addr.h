/*
 * addr.h: socket addresses: parse and format "host:port" and "[v6]:port",
 * classify loopback/private ranges, compare prefixes.
 */
#ifndef TORD_LIB_ADDR_H
#define TORD_LIB_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/*
 * An IPv4 or IPv6 socket address (32 bytes: circuits, relay entries and
 * exit streams hold one or two, so no sockaddr_storage).  Anything else,
 * such as the peer of a Unix socket, keeps only its family.
 */
struct addr {
	union {
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	} a_u;
	socklen_t	a_len;
};

#define ADDR_STRLEN 64	/* "[ffff:...:ffff]:65535" fits */

/*
 * Parse a numeric "a.b.c.d:port" or "[v6]:port".  If allow_no_port, a
 * bare address (port 0) is accepted too.  Returns 0 or -1.
 */
int	addr_parse(const char *s, bool allow_no_port, struct addr *out);
/* Parse a numeric IPv4 or IPv6 address without port (brackets optional). */
int	addr_parse_ip(const char *s, struct addr *out);
/* Format as "a.b.c.d:port" / "[v6]:port" into out (ADDR_STRLEN bytes). */
const char *addr_fmt(const struct addr *a, char *out, size_t outlen);
/* Format the address only (no port, no brackets). */
const char *addr_fmt_ip(const struct addr *a, char *out, size_t outlen);
uint16_t addr_port(const struct addr *a);
void	addr_set_port(struct addr *a, uint16_t port);
int	addr_family(const struct addr *a);
bool	addr_is_loopback(const struct addr *a);
/* Private, link-local, loopback, unspecified, multicast, CGNAT ... */
bool	addr_is_internal(const struct addr *a);
/* Same address and port. */
bool	addr_eq(const struct addr *a, const struct addr *b);
/* Same network: first bits of the address equal (IPv4 /16 => bits 16). */
bool	addr_same_prefix(const struct addr *a, const struct addr *b, int bits);
/* Build from a sockaddr. */
void	addr_from_sockaddr(struct addr *out, const struct sockaddr *sa, socklen_t len);

#endif
