/*
 * u32map.h: a hash map from nonzero 32-bit keys to pointers (circuit ids
 * on a link, stream ids on a circuit).  Open addressing with linear
 * probing and backward-shift deletion: no tombstones, no allocation per
 * entry.
 */
#ifndef TORD_LIB_U32MAP_H
#define TORD_LIB_U32MAP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct u32map;

struct u32map	*u32map_new(void);
void		 u32map_free_(struct u32map *m);
#define u32map_free(p) FREE_AND_NULL(struct u32map, u32map_free_, (p))
/* Value for key, or NULL. */
void		*u32map_get(const struct u32map *m, uint32_t key);
/* Insert or replace; key must be nonzero, value non-NULL. */
void		 u32map_put(struct u32map *m, uint32_t key, void *value);
/* Remove; returns the old value or NULL. */
void		*u32map_remove(struct u32map *m, uint32_t key);
size_t		 u32map_count(const struct u32map *m);
/*
 * Iterate: start with *pos = 0; returns the next value and its key, or
 * NULL at the end.  The map must not change during iteration.
 */
void		*u32map_next(const struct u32map *m, size_t *pos, uint32_t *key);

#endif
