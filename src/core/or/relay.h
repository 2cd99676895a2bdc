/*
 * relay.h: the cell switch.  Every cell a link receives after its
 * handshake comes here: circuit-creation cells, DESTROY, and RELAY cells
 * that are decrypted, recognised and handled, or passed on.
 */
#ifndef TORD_CORE_OR_RELAY_H
#define TORD_CORE_OR_RELAY_H

#include <stddef.h>
#include <stdint.h>

struct link;

/* Handle one cell; payload is mutable (decrypted in place). */
void	relay_handle_cell(struct link *l, uint32_t circid, uint8_t cmd, uint8_t *payload,
	    size_t len);

#endif
