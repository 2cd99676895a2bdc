/*
 * dos.c: per-address CREATE2 token buckets; see dos.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "core/or/dos.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

#define DOS_KEY_LEN		9	/* family, then IPv4 address or IPv6 /64 */
#define DOS_MAX_ADDRS		65536	/* beyond this, new addresses pass */
#define DOS_MIN_BUCKETS		64

struct dos_entry {
	uint8_t			 de_key[DOS_KEY_LEN];
	double			 de_tokens;
	double			 de_last;	/* time of the last refill */
	struct dos_entry	*de_next;
};

static struct {
	uint32_t		 rate, burst;
	struct dos_entry	**tab;
	size_t			 nbuckets, n;
	uint8_t			 hkey[16];
	bool			 keyed;
	uint64_t		 refused;
} dos = { .burst = 1 };

static struct log_ratelim dos_rl = LOG_RATELIM_INIT(60);

/* SipHash-2-4 (Aumasson and Bernstein), keyed with dos.hkey. */
#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t
dos_siphash(const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(dos.hkey), k1 = le64(dos.hkey + 8), m, b = (uint64_t)len << 56;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (; left > 0; left--)
		b |= (uint64_t)in[i + left - 1] << (8 * (left - 1));
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
dos_create_configure(uint32_t rate, uint32_t burst)
{
	dos.rate = rate;
	dos.burst = burst > 0 ? burst : 1;
}

/* The bucket key of a: clients get a /64 from any IPv6 provider. */
static bool
dos_key(const struct addr *a, uint8_t key[DOS_KEY_LEN])
{
	memset(key, 0, DOS_KEY_LEN);
	switch (addr_family(a)) {
	case AF_INET:
		key[0] = 4;
		memcpy(key + 1, &a->a_u.sin.sin_addr, 4);
		return true;
	case AF_INET6:
		key[0] = 6;
		memcpy(key + 1, a->a_u.sin6.sin6_addr.s6_addr, 8);
		return true;
	default:
		return false;
	}
}

/* Add what time has earned; true if the bucket is full (entry redundant). */
static bool
dos_refill(struct dos_entry *e, double now)
{
	if (now > e->de_last) {
		e->de_tokens += (now - e->de_last) * dos.rate;
		e->de_last = now;
	}
	if (e->de_tokens >= dos.burst) {
		e->de_tokens = dos.burst;
		return true;
	}
	return false;
}

/* Drop full buckets; grow the table if it is still crowded. */
static void
dos_sweep_or_grow(double now)
{
	struct dos_entry **tab, *e, *next;
	size_t i, nb;

	for (i = 0; i < dos.nbuckets; i++) {
		struct dos_entry **pp = &dos.tab[i];

		while ((e = *pp) != NULL) {
			if (dos_refill(e, now)) {
				*pp = e->de_next;
				free(e);
				dos.n--;
			} else {
				pp = &e->de_next;
			}
		}
	}
	if (dos.n < dos.nbuckets / 2)
		return;
	nb = dos.nbuckets * 2;
	tab = xcalloc(nb, sizeof(*tab));
	for (i = 0; i < dos.nbuckets; i++) {
		for (e = dos.tab[i]; e != NULL; e = next) {
			size_t h = (size_t)(dos_siphash(e->de_key, DOS_KEY_LEN) & (nb - 1));

			next = e->de_next;
			e->de_next = tab[h];
			tab[h] = e;
		}
	}
	free(dos.tab);
	dos.tab = tab;
	dos.nbuckets = nb;
}

bool
dos_create_allow(const struct addr *a, double now)
{
	uint8_t key[DOS_KEY_LEN];
	struct dos_entry *e;
	size_t h;
	char ip[ADDR_STRLEN];

	if (dos.rate == 0 || !dos_key(a, key))
		return true;
	if (!dos.keyed) {
		crypto_rand(dos.hkey, sizeof(dos.hkey));
		dos.keyed = true;
	}
	if (dos.tab == NULL) {
		dos.nbuckets = DOS_MIN_BUCKETS;
		dos.tab = xcalloc(dos.nbuckets, sizeof(*dos.tab));
	}
	h = (size_t)(dos_siphash(key, sizeof(key)) & (dos.nbuckets - 1));
	for (e = dos.tab[h]; e != NULL; e = e->de_next)
		if (memcmp(e->de_key, key, sizeof(key)) == 0)
			break;
	if (e == NULL) {
		if (dos.n >= dos.nbuckets)
			dos_sweep_or_grow(now);
		if (dos.n >= DOS_MAX_ADDRS)
			return true;	/* fail open; max_circuits still bounds us */
		h = (size_t)(dos_siphash(key, sizeof(key)) & (dos.nbuckets - 1));
		e = xcalloc(1, sizeof(*e));
		memcpy(e->de_key, key, sizeof(key));
		e->de_tokens = dos.burst;
		e->de_last = now;
		e->de_next = dos.tab[h];
		dos.tab[h] = e;
		dos.n++;
	} else {
		(void)dos_refill(e, now);
	}
	if (e->de_tokens >= 1.0) {
		e->de_tokens -= 1.0;
		return true;
	}
	dos.refused++;
	/* The address is the client's: scrubbed unless safe_logging is off. */
	log_rl(&dos_rl, LL_NOTICE, LD_CIRC, "CREATE2 flood from %s: refusing circuits above "
	    "%u/s (burst %u); %llu refused so far", log_scrub(addr_fmt_ip(a, ip, sizeof(ip))),
	    dos.rate, dos.burst, (unsigned long long)dos.refused);
	return false;
}

uint64_t
dos_create_refused(void)
{
	return dos.refused;
}

size_t
dos_create_tracked(void)
{
	return dos.n;
}

void
dos_shutdown(void)
{
	struct dos_entry *e, *next;
	size_t i;

	for (i = 0; i < dos.nbuckets; i++)
		for (e = dos.tab[i]; e != NULL; e = next) {
			next = e->de_next;
			free(e);
		}
	free(dos.tab);
	dos.tab = NULL;
	dos.nbuckets = dos.n = 0;
}
