/*
 * addr.c: numeric socket address parsing, formatting and classification.
 * No name resolution happens here: names are resolved by the exit only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"

int
addr_parse_ip(const char *s, struct addr *out)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	memset(out, 0, sizeof(*out));
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		if (len - 2 >= sizeof(tmp))
			return -1;
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
		s = tmp;
	} else if (strchr(s, ':') == NULL) {
		if (inet_pton(AF_INET, s, &out->a_u.sin.sin_addr) != 1)
			return -1;
		out->a_u.sin.sin_family = AF_INET;
		out->a_len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->a_u.sin6.sin6_addr) != 1)
		return -1;
	out->a_u.sin6.sin6_family = AF_INET6;
	out->a_len = sizeof(struct sockaddr_in6);
	return 0;
}

int
addr_parse(const char *s, bool allow_no_port, struct addr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *portstr = NULL;
	long long port = 0;
	size_t hlen;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL)
			return -1;
		hlen = (size_t)(end - s) + 1;
		if (end[1] == ':')
			portstr = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			return -1;	/* bare IPv6 needs brackets with a port */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			portstr = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (addr_parse_ip(host, out) < 0)
		return -1;
	if (portstr == NULL) {
		if (!allow_no_port)
			return -1;
	} else if (util_parse_ll(portstr, allow_no_port ? 0 : 1, 65535, &port) < 0) {
		return -1;
	}
	addr_set_port(out, (uint16_t)port);
	return 0;
}

const char *
addr_fmt_ip(const struct addr *a, char *out, size_t outlen)
{
	if (addr_family(a) == AF_INET)
		inet_ntop(AF_INET, &a->a_u.sin.sin_addr, out, (socklen_t)outlen);
	else if (addr_family(a) == AF_INET6)
		inet_ntop(AF_INET6, &a->a_u.sin6.sin6_addr, out, (socklen_t)outlen);
	else
		snprintf(out, outlen, "?");
	return out;
}

const char *
addr_fmt(const struct addr *a, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN];

	addr_fmt_ip(a, ip, sizeof(ip));
	if (addr_family(a) == AF_INET6)
		snprintf(out, outlen, "[%s]:%u", ip, addr_port(a));
	else
		snprintf(out, outlen, "%s:%u", ip, addr_port(a));
	return out;
}

int
addr_family(const struct addr *a)
{
	return a->a_u.sa.sa_family;
}

uint16_t
addr_port(const struct addr *a)
{
	if (addr_family(a) == AF_INET)
		return ntohs(a->a_u.sin.sin_port);
	if (addr_family(a) == AF_INET6)
		return ntohs(a->a_u.sin6.sin6_port);
	return 0;
}

void
addr_set_port(struct addr *a, uint16_t port)
{
	if (addr_family(a) == AF_INET)
		a->a_u.sin.sin_port = htons(port);
	else if (addr_family(a) == AF_INET6)
		a->a_u.sin6.sin6_port = htons(port);
}

static uint32_t
v4(const struct addr *a)
{
	return ntohl(a->a_u.sin.sin_addr.s_addr);
}

bool
addr_is_loopback(const struct addr *a)
{
	if (addr_family(a) == AF_INET)
		return (v4(a) >> 24) == 127;
	if (addr_family(a) == AF_INET6) {
		const struct in6_addr *x = &a->a_u.sin6.sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(x))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(x))
			return x->s6_addr[12] == 127;
	}
	return false;
}

bool
addr_is_internal(const struct addr *a)
{
	if (addr_family(a) == AF_INET) {
		uint32_t ip = v4(a);

		return (ip >> 24) == 0 || (ip >> 24) == 10 || (ip >> 24) == 127 ||
		    (ip >> 20) == (172u << 4 | 1) ||		/* 172.16/12 */
		    (ip >> 16) == (192u << 8 | 168) ||		/* 192.168/16 */
		    (ip >> 16) == (169u << 8 | 254) ||		/* 169.254/16 */
		    (ip >> 22) == (100u << 2 | 1) ||		/* 100.64/10 */
		    (ip >> 28) >= 14;				/* multicast, reserved */
	}
	if (addr_family(a) == AF_INET6) {
		const struct in6_addr *x = &a->a_u.sin6.sin6_addr;
		struct addr m;

		if (IN6_IS_ADDR_V4MAPPED(x)) {
			memset(&m, 0, sizeof(m));
			m.a_u.sin.sin_family = AF_INET;
			memcpy(&m.a_u.sin.sin_addr, &x->s6_addr[12], 4);
			return addr_is_internal(&m);
		}
		return IN6_IS_ADDR_LOOPBACK(x) || IN6_IS_ADDR_UNSPECIFIED(x) ||
		    IN6_IS_ADDR_LINKLOCAL(x) || IN6_IS_ADDR_SITELOCAL(x) ||
		    IN6_IS_ADDR_MULTICAST(x) || (x->s6_addr[0] & 0xfe) == 0xfc;
	}
	return true;
}

bool
addr_eq(const struct addr *a, const struct addr *b)
{
	if (addr_family(a) != addr_family(b) || addr_port(a) != addr_port(b))
		return false;
	return addr_same_prefix(a, b, addr_family(a) == AF_INET ? 32 : 128);
}

bool
addr_same_prefix(const struct addr *a, const struct addr *b, int bits)
{
	const uint8_t *pa, *pb;
	int full, rest;

	if (addr_family(a) != addr_family(b))
		return false;
	if (addr_family(a) == AF_INET) {
		pa = (const uint8_t *)&a->a_u.sin.sin_addr;
		pb = (const uint8_t *)&b->a_u.sin.sin_addr;
		bits = MIN(bits, 32);
	} else {
		pa = a->a_u.sin6.sin6_addr.s6_addr;
		pb = b->a_u.sin6.sin6_addr.s6_addr;
		bits = MIN(bits, 128);
	}
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(pa, pb, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((pa[full] ^ pb[full]) & (0xff << (8 - rest))) == 0;
}

void
addr_from_sockaddr(struct addr *out, const struct sockaddr *sa, socklen_t len)
{
	memset(out, 0, sizeof(*out));
	if (len > sizeof(out->a_u))
		len = sizeof(out->a_u);
	memcpy(&out->a_u, sa, len);
	out->a_len = len;
}
