/*
 * client_policy.c: the client's pure decisions.
 *
 * Owns the stream-isolation key (client_isolation_key), the rule that
 * decides whether a circuit may take a new stream (client_circ_usable,
 * used by circuit_pool.c), the built-in path picker over the static
 * relay list (client_pick_static, circuit_pool's default picker), and
 * which END reasons deserve another circuit (client.c).  Kept free of
 * sockets and timers so tests/unit/test_isolation.c and
 * test_circuit_pool.c can drive every branch.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature/client/client_policy.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/util.h"

/* Bytes of the keyed hash kept in a key: 64 bits, collisions negligible. */
#define ISO_HASH_LEN	8

static uint8_t	iso_hash_key[32];
static bool	iso_hash_key_set;

/* Append " <tag><hex of HMAC(tag | data)>" to key. */
static void
iso_append_hash(char *key, size_t keylen, char tag, const void *data, size_t len)
{
	uint8_t mac[DIGEST256_LEN];
	uint8_t *msg;
	char hex[2 * ISO_HASH_LEN + 1];
	size_t off = strlen(key);

	if (!iso_hash_key_set) {
		crypto_rand(iso_hash_key, sizeof(iso_hash_key));
		iso_hash_key_set = true;
	}
	msg = xmalloc(len + 1);
	msg[0] = (uint8_t)tag;
	if (len > 0)
		memcpy(msg + 1, data, len);
	digest_hmac_sha256(iso_hash_key, sizeof(iso_hash_key), msg, len + 1, mac);
	crypto_wipe(msg, len + 1);
	free(msg);
	util_hex_encode(mac, ISO_HASH_LEN, hex);
	crypto_wipe(mac, sizeof(mac));
	snprintf(key + off, keylen - off, " %c%s", tag, hex);
}

char *
client_isolation_key(const struct client_iso *in)
{
	char key[128];
	char ip[ADDR_STRLEN];
	size_t off;

	snprintf(key, sizeof(key), "L%u", in->ci_listener);
	if ((in->ci_flags & CLIENT_ISO_CLIENTADDR) && in->ci_peer != NULL &&
	    in->ci_peer->a_len > 0) {
		off = strlen(key);
		snprintf(key + off, sizeof(key) - off, " A%s",
		    addr_fmt_ip(in->ci_peer, ip, sizeof(ip)));
	}
	if (in->ci_flags & CLIENT_ISO_PROTOCOL) {
		off = strlen(key);
		snprintf(key + off, sizeof(key) - off, " P%d", (int)in->ci_proto);
	}
	if (in->ci_flags & CLIENT_ISO_SOCKSAUTH) {
		if (in->ci_auth != NULL && in->ci_authlen > 0)
			iso_append_hash(key, sizeof(key), 'S', in->ci_auth, in->ci_authlen);
		else {
			off = strlen(key);
			snprintf(key + off, sizeof(key) - off, " S-");
		}
	}
	if (in->ci_flags & CLIENT_ISO_DESTPORT) {
		off = strlen(key);
		snprintf(key + off, sizeof(key) - off, " D%u", (unsigned)in->ci_port);
	}
	if ((in->ci_flags & CLIENT_ISO_DESTADDR) && in->ci_host != NULL)
		iso_append_hash(key, sizeof(key), 'H', in->ci_host, strlen(in->ci_host));
	return xstrdup(key);
}

size_t
client_auth_blob(uint8_t *out, const void *user, size_t ulen, const void *pass,
    size_t plen)
{
	size_t off = 0;

	if (ulen == 0 && plen == 0)
		return 0;
	/* Length-prefixed so that ("ab","c") and ("a","bc") differ. */
	out[off++] = (uint8_t)(ulen >> 8);
	out[off++] = (uint8_t)ulen;
	if (ulen > 0)
		memcpy(out + off, user, ulen);
	off += ulen;
	out[off++] = (uint8_t)(plen >> 8);
	out[off++] = (uint8_t)plen;
	if (plen > 0)
		memcpy(out + off, pass, plen);
	off += plen;
	return off;
}

bool
client_policy_allows(const struct policy_summary *ps, uint16_t port)
{
	if (ps == NULL)
		return true;
	if (port == 0)
		return policy_summary_allows_any(ps);
	return policy_summary_allows(ps, port);
}

bool
client_circ_usable(const struct client_circ_view *v, uint16_t port, const char *key,
    uint64_t epoch, double now, double max_dirtiness, bool building_ok)
{
	const char *claimed;

	if (!v->cv_open && !(building_ok && v->cv_building))
		return false;
	if (!v->cv_general || v->cv_retired)
		return false;
	if (v->cv_epoch != epoch)
		return false;
	if (v->cv_dirty_since > 0 && now - v->cv_dirty_since >= max_dirtiness)
		return false;
	claimed = v->cv_isolation != NULL ? v->cv_isolation : v->cv_reserved;
	if (claimed != NULL && (key == NULL || strcmp(claimed, key) != 0))
		return false;
	return client_policy_allows(v->cv_exit_policy, port);
}

const struct client_relay *
client_relay_find(const struct client_relay *relays, size_t n,
    const uint8_t id[IDENTITY_LEN])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(relays[i].cr_info.ri_id, id, IDENTITY_LEN) == 0)
			return &relays[i];
	return NULL;
}

/* May r join a path that already holds chosen[0..nchosen)? */
static bool
path_compatible(const struct client_relay *r, const struct client_relay **chosen,
    int nchosen, bool distinct_subnets)
{
	int i;

	for (i = 0; i < nchosen; i++) {
		if (memcmp(r->cr_info.ri_id, chosen[i]->cr_info.ri_id, IDENTITY_LEN) == 0)
			return false;
		if (distinct_subnets &&
		    addr_family(&r->cr_info.ri_addr) == addr_family(&chosen[i]->cr_info.ri_addr) &&
		    addr_same_prefix(&r->cr_info.ri_addr, &chosen[i]->cr_info.ri_addr,
		    addr_family(&r->cr_info.ri_addr) == AF_INET6 ? 32 : 16))
			return false;
	}
	return true;
}

/*
 * Choose uniformly among relays compatible with the path so far and
 * having all of `flags` (and accepting port when want_exit).  NULL if
 * none.
 */
static const struct client_relay *
pick_one(const struct client_relay *relays, size_t n, uint32_t flags, bool want_exit,
    uint16_t port, const struct client_relay **chosen, int nchosen, bool distinct)
{
	size_t i, count = 0, k;

	for (i = 0; i < n; i++) {
		const struct client_relay *r = &relays[i];

		if ((r->cr_flags & flags) != flags)
			continue;
		if (want_exit && r->cr_has_policy && !client_policy_allows(&r->cr_policy, port))
			continue;
		if (path_compatible(r, chosen, nchosen, distinct))
			count++;
	}
	if (count == 0)
		return NULL;
	k = (size_t)crypto_rand_uniform(count);
	for (i = 0; i < n; i++) {
		const struct client_relay *r = &relays[i];

		if ((r->cr_flags & flags) != flags)
			continue;
		if (want_exit && r->cr_has_policy && !client_policy_allows(&r->cr_policy, port))
			continue;
		if (!path_compatible(r, chosen, nchosen, distinct))
			continue;
		if (k-- == 0)
			return r;
	}
	return NULL;
}

int
client_pick_static(const struct client_relay *relays, size_t n, uint16_t port,
    bool distinct_subnets, struct relay_info out[3])
{
	return client_pick_static_guarded(relays, n, port, distinct_subnets, NULL, out);
}

int
client_pick_static_guarded(const struct client_relay *relays, size_t n, uint16_t port,
    bool distinct_subnets, const uint8_t *guard_id, struct relay_info out[3])
{
	const struct client_relay *chosen[3], *guard = NULL;
	const struct client_relay *r;

	if (guard_id != NULL)
		guard = client_relay_find(relays, n, guard_id);
	/* Exit first (its policy is the hardest constraint), as Tor does. */
	chosen[0] = pick_one(relays, n, CLIENT_RELAY_EXIT, true, port, guard ? &guard : NULL,
	    guard ? 1 : 0, distinct_subnets);
	if (chosen[0] == NULL)
		return -1;
	if (guard != NULL) {
		r = guard;	/* the pinned guard: never a random first hop */
	} else {
		r = pick_one(relays, n, CLIENT_RELAY_GUARD, false, 0, chosen, 1, distinct_subnets);
		if (r == NULL)
			r = pick_one(relays, n, 0, false, 0, chosen, 1, distinct_subnets);
	}
	if (r == NULL)
		return -1;
	chosen[1] = r;
	chosen[2] = pick_one(relays, n, 0, false, 0, chosen, 2, distinct_subnets);
	if (chosen[2] == NULL)
		return -1;
	out[0] = chosen[1]->cr_info;	/* guard */
	out[1] = chosen[2]->cr_info;	/* middle */
	out[2] = chosen[0]->cr_info;	/* exit */
	return 3;
}

static int
guards_index(const struct client_guards *g, const uint8_t id[IDENTITY_LEN])
{
	size_t i;

	for (i = 0; i < g->cg_n; i++)
		if (memcmp(g->cg_id[i], id, IDENTITY_LEN) == 0)
			return (int)i;
	return -1;
}

const uint8_t *
client_guards_current(struct client_guards *g, const struct client_relay *relays, size_t n,
    double now)
{
	size_t i, j, soonest = 0;

	for (i = j = 0; i < g->cg_n; i++) {
		if (client_relay_find(relays, n, g->cg_id[i]) == NULL)
			continue;	/* gone from the list: forget it */
		if (i != j) {
			memcpy(g->cg_id[j], g->cg_id[i], IDENTITY_LEN);
			g->cg_retry_at[j] = g->cg_retry_at[i];
		}
		j++;
	}
	g->cg_n = j;
	for (i = 0; i < g->cg_n; i++) {
		if (g->cg_retry_at[i] <= now)
			return g->cg_id[i];
		if (g->cg_retry_at[i] < g->cg_retry_at[soonest])
			soonest = i;
	}
	if (g->cg_n < CLIENT_PRIMARY_GUARDS)
		return NULL;
	return g->cg_id[soonest];
}

bool
client_guards_listed(const struct client_guards *g, const uint8_t id[IDENTITY_LEN])
{
	return guards_index(g, id) >= 0;
}

void
client_guards_add(struct client_guards *g, const uint8_t id[IDENTITY_LEN])
{
	if (g->cg_n >= CLIENT_PRIMARY_GUARDS || guards_index(g, id) >= 0)
		return;
	memcpy(g->cg_id[g->cg_n], id, IDENTITY_LEN);
	g->cg_retry_at[g->cg_n] = 0;
	g->cg_n++;
}

void
client_guards_failed(struct client_guards *g, const uint8_t id[IDENTITY_LEN], double now,
    double retry)
{
	int i = guards_index(g, id);

	if (i >= 0)
		g->cg_retry_at[i] = now + retry;
}

void
client_avoid_add(struct client_avoid *a, const uint8_t id[IDENTITY_LEN], double until)
{
	size_t i, slot = 0;

	for (i = 0; i < CLIENT_AVOID_MAX; i++) {
		if (memcmp(a->ca_id[i], id, IDENTITY_LEN) == 0) {
			slot = i;
			break;
		}
		if (a->ca_until[i] < a->ca_until[slot])
			slot = i;
	}
	memcpy(a->ca_id[slot], id, IDENTITY_LEN);
	a->ca_until[slot] = until;
}

bool
client_avoid_has(const struct client_avoid *a, const uint8_t id[IDENTITY_LEN], double now)
{
	size_t i;

	for (i = 0; i < CLIENT_AVOID_MAX; i++)
		if (a->ca_until[i] > now && memcmp(a->ca_id[i], id, IDENTITY_LEN) == 0)
			return true;
	return false;
}

bool
client_reason_retryable(int reason)
{
	switch (reason) {
	case END_REASON_MISC:
	case END_REASON_RESOLVEFAILED:
	case END_REASON_EXITPOLICY:
	case END_REASON_DESTROY:
	case END_REASON_TIMEOUT:
	case END_REASON_NOROUTE:
	case END_REASON_HIBERNATING:
	case END_REASON_RESOURCELIMIT:
		return true;
	default:
		return false;
	}
}
