/*
 * control_node.h: tord's own GETINFO keys, the node-wide figures torctl
 * status and top show, and the role-specific ones:
 *
 *	tord/role			client, relay, exit or authority
 *	tord/links			open links to other nodes
 *	tord/circuits			live circuits (origin and relayed)
 *	tord/streams			live streams (client and exit side)
 *	tord/rate/read, tord/rate/written	bytes/s, mean of the last 5 s
 *	tord/consensus/source		where ns/all comes from
 *	tord/consensus/relays		relays in it
 *	tord/consensus/valid-after, fresh-until, valid-until	Unix times
 *	tord/relay/circuits-carried	relay circuits open now
 *	tord/relay/circuits-total	relay circuits accepted since start
 *	tord/relay/cells-relayed	cells passed on since start
 *	tord/relay/cells-per-second	mean of the last 5 s
 *	tord/relay/descriptor-accepted	authorities holding our newest descriptor
 *	tord/relay/authorities		authorities it publishes to
 *	tord/relay/bandwidth-rate	bandwidth_rate in force, bytes/s, 0: none
 *	tord/relay/throttled		times a link or exit connection waited for it
 *	tord/exit/streams-opened	streams connected for clients
 *	tord/exit/refused-policy	BEGINs refused by the exit policy
 *	tord/exit/begin			BEGINs handled
 *	tord/authority/relays-listed	relays in the authority's last vote
 *	tord/authority/last-consensus	Unix time of its last consensus, 0: none
 *
 * A key that does not apply to the node's role (or whose source is not
 * wired) answers 551 with a reason; torctl then leaves the field out.
 * feature/control cannot see the roles, so the daemon hands their
 * figures over as function pointers (app/control_glue.c).
 */
#ifndef TORD_FEATURE_CONTROL_CONTROL_NODE_H
#define TORD_FEATURE_CONTROL_CONTROL_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct control_exit_figures {
	uint64_t	ef_begin;
	uint64_t	ef_opened;
	uint64_t	ef_refused_policy;
};

struct control_node_sources {
	const char	*cn_role;		/* "client", "relay", "exit", "authority" */
	bool		 cn_is_relay;		/* relays circuits (relay, exit) */
	/* Descriptor publication: authorities that accepted the newest
	 * upload, and all of them in *total; NULL: not a relay. */
	size_t		(*cn_relay_published)(size_t *total);
	/* The read limit in force (0: none) and the times it held a
	 * connection back; NULL: not a relay. */
	uint64_t	(*cn_relay_read_limit)(uint64_t *throttled);
	/* Exit counters; NULL: not an exit. */
	void		(*cn_exit_figures)(struct control_exit_figures *out);
	/* Authority figures; NULL: not an authority, or not wired yet. */
	size_t		(*cn_auth_relays_listed)(void);
	int64_t		(*cn_auth_last_consensus)(void);
};

/* Copy src (cn_role must be a static string) and register the keys. */
void	control_node_register(const struct control_node_sources *src);
/* Once a second, from the control port's BW timer: sample the rates. */
void	control_node_tick(void);

#endif
