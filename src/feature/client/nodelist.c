/*
 * nodelist.c: the client's view of the relays in a verified consensus.
 * Owns struct node, lookup by identity and the family/subnet relations.
 * Called by the client when a new consensus is accepted, and by
 * path.c.  Pure: no I/O.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature/client/nodelist.h"
#include "lib/util.h"

nodelist_t *
nodelist_new(const struct netstatus *c)
{
	nodelist_t *nl = xcalloc(1, sizeof(*nl));
	size_t i;

	nl->nl_valid_after = c->ns_valid_after;
	nl->nl_fresh_until = c->ns_fresh_until;
	nl->nl_valid_until = c->ns_valid_until;
	nl->nl_nodes = xcalloc(c->ns_n_entries ? c->ns_n_entries : 1, sizeof(*nl->nl_nodes));
	for (i = 0; i < c->ns_n_entries; i++) {
		const struct ns_entry *e = &c->ns_entries[i];
		struct node *n;

		/* A parsed consensus is sorted; skip anything out of order. */
		if (nl->nl_n > 0 && memcmp(nl->nl_nodes[nl->nl_n - 1].n_id, e->e_id,
		    ED25519_PUB_LEN) >= 0)
			continue;
		n = &nl->nl_nodes[nl->nl_n++];
		memcpy(n->n_id, e->e_id, sizeof(n->n_id));
		memcpy(n->n_nickname, e->e_nickname, sizeof(n->n_nickname));
		n->n_ipv4 = e->e_ipv4;
		n->n_or_port = e->e_or_port;
		n->n_has_ipv6 = e->e_has_ipv6;
		memcpy(n->n_ipv6, e->e_ipv6, sizeof(n->n_ipv6));
		n->n_ipv6_port = e->e_ipv6_port;
		memcpy(n->n_onion_key, e->e_onion_key, sizeof(n->n_onion_key));
		n->n_flags = e->e_flags;
		n->n_bandwidth = e->e_bandwidth;
		n->n_policy = e->e_policy;
		n->n_n_family = (uint8_t)MIN(e->e_n_family, DIR_MAX_FAMILY);
		memcpy(n->n_family, e->e_family, sizeof(n->n_family));
	}
	return nl;
}

void
nodelist_free_(nodelist_t *nl)
{
	if (nl == NULL)
		return;
	free(nl->nl_nodes);
	free(nl);
}

static int
node_cmp(const void *key, const void *elem)
{
	return memcmp(key, ((const struct node *)elem)->n_id, ED25519_PUB_LEN);
}

const struct node *
nodelist_find(const nodelist_t *nl, const uint8_t id[ED25519_PUB_LEN])
{
	if (nl->nl_n == 0)
		return NULL;
	return bsearch(id, nl->nl_nodes, nl->nl_n, sizeof(*nl->nl_nodes), node_cmp);
}

static bool
lists(const struct node *a, const uint8_t id[ED25519_PUB_LEN])
{
	size_t i;

	for (i = 0; i < a->n_n_family; i++)
		if (memcmp(a->n_family[i], id, ED25519_PUB_LEN) == 0)
			return true;
	return false;
}

bool
node_same_family(const struct node *a, const struct node *b)
{
	/*
	 * Both must list each other: a one-sided claim would let a hostile
	 * relay keep honest relays out of every path it is on.
	 */
	return lists(a, b->n_id) && lists(b, a->n_id);
}

bool
node_same_subnet(const struct node *a, const struct node *b)
{
	if ((a->n_ipv4 >> 16) == (b->n_ipv4 >> 16))
		return true;
	return a->n_has_ipv6 && b->n_has_ipv6 && memcmp(a->n_ipv6, b->n_ipv6, 4) == 0;
}

void
node_to_relay_info(const struct node *n, struct relay_info *out)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	memset(out, 0, sizeof(*out));
	snprintf(out->ri_nickname, sizeof(out->ri_nickname), "%s", n->n_nickname);
	memcpy(out->ri_id, n->n_id, sizeof(out->ri_id));
	memcpy(out->ri_onion_key, n->n_onion_key, sizeof(out->ri_onion_key));
	sin = &out->ri_addr.a_u.sin;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(n->n_ipv4);
	sin->sin_port = htons(n->n_or_port);
	out->ri_addr.a_len = sizeof(*sin);
	if (n->n_has_ipv6) {
		sin6 = &out->ri_addr6.a_u.sin6;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, n->n_ipv6, 16);
		sin6->sin6_port = htons(n->n_ipv6_port);
		out->ri_addr6.a_len = sizeof(*sin6);
	}
}
