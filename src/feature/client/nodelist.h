/*
 * nodelist.h: the client's in-memory view of a verified consensus: one
 * struct node per listed relay, sorted by identity, with lookup and the
 * relations path selection needs (same family, same subnet).
 */
#ifndef TORD_FEATURE_CLIENT_NODELIST_H
#define TORD_FEATURE_CLIENT_NODELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/or/or.h"
#include "feature/dir/netstatus.h"
#include "lib/util.h"

struct node {
	uint8_t			n_id[ED25519_PUB_LEN];
	char			n_nickname[NICKNAME_MAX_LEN + 1];
	uint32_t		n_ipv4;		/* host order */
	uint16_t		n_or_port;
	bool			n_has_ipv6;
	uint8_t			n_ipv6[16];
	uint16_t		n_ipv6_port;
	uint8_t			n_onion_key[X25519_LEN];
	uint32_t		n_flags;	/* enum ns_flag */
	uint32_t		n_bandwidth;	/* consensus weight, kB/s */
	struct policy_summary	n_policy;
	uint8_t			n_family[DIR_MAX_FAMILY][ED25519_PUB_LEN];
	uint8_t			n_n_family;
};

typedef struct nodelist {
	struct node	*nl_nodes;	/* sorted by n_id */
	size_t		 nl_n;
	int64_t		 nl_valid_after;
	int64_t		 nl_fresh_until;
	int64_t		 nl_valid_until;
} nodelist_t;

/* Build the view of consensus c (which the caller has verified); never NULL. */
nodelist_t	*nodelist_new(const struct netstatus *c);
void		 nodelist_free_(nodelist_t *nl);
#define nodelist_free(p) FREE_AND_NULL(nodelist_t, nodelist_free_, (p))

/* The node with identity id, or NULL (binary search). */
const struct node *nodelist_find(const nodelist_t *nl, const uint8_t id[ED25519_PUB_LEN]);

/* Whether a and b declare each other as family (both must list the other). */
bool	node_same_family(const struct node *a, const struct node *b);
/* Whether a and b share an IPv4 /16 or an IPv6 /32. */
bool	node_same_subnet(const struct node *a, const struct node *b);
/* Fill a core/or relay_info (what circuits need) from a node. */
void	node_to_relay_info(const struct node *n, struct relay_info *out);

#endif
