/*
 * u32map.c: open-addressing hash map, see u32map.h.
 */
#include "config.h"

#include <stdlib.h>

#include "lib/u32map.h"
#include "lib/util.h"

struct u32map_slot {
	uint32_t	 key;	/* 0 = empty */
	void		*val;
};

struct u32map {
	struct u32map_slot	*slots;
	size_t			 cap;	/* power of two */
	size_t			 count;
};

static size_t
slot_of(uint32_t key, size_t cap)
{
	/* Fibonacci hashing spreads sequential and random ids alike. */
	return (size_t)((key * 2654435769u) >> 7) & (cap - 1);
}

struct u32map *
u32map_new(void)
{
	struct u32map *m = xcalloc(1, sizeof(*m));

	m->cap = 8;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void
u32map_free_(struct u32map *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

void *
u32map_get(const struct u32map *m, uint32_t key)
{
	size_t i = slot_of(key, m->cap);

	while (m->slots[i].key != 0) {
		if (m->slots[i].key == key)
			return m->slots[i].val;
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

static void
u32map_grow(struct u32map *m)
{
	struct u32map_slot *old = m->slots;
	size_t oldcap = m->cap, i;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->count = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].key != 0)
			u32map_put(m, old[i].key, old[i].val);
	free(old);
}

void
u32map_put(struct u32map *m, uint32_t key, void *value)
{
	size_t i;

	if (BUG(key == 0 || value == NULL))
		return;
	if ((m->count + 1) * 4 > m->cap * 3)
		u32map_grow(m);
	i = slot_of(key, m->cap);
	while (m->slots[i].key != 0 && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].key == 0)
		m->count++;
	m->slots[i].key = key;
	m->slots[i].val = value;
}

void *
u32map_remove(struct u32map *m, uint32_t key)
{
	size_t i = slot_of(key, m->cap), j, k;
	void *val;

	while (m->slots[i].key != key) {
		if (m->slots[i].key == 0)
			return NULL;
		i = (i + 1) & (m->cap - 1);
	}
	val = m->slots[i].val;
	/* Backward-shift: move later entries of the cluster into the hole. */
	j = i;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (m->slots[j].key == 0)
			break;
		k = slot_of(m->slots[j].key, m->cap);
		/* Move j into i unless its home k lies cyclically in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = 0;
	m->slots[i].val = NULL;
	m->count--;
	return val;
}

size_t
u32map_count(const struct u32map *m)
{
	return m->count;
}

void *
u32map_next(const struct u32map *m, size_t *pos, uint32_t *key)
{
	while (*pos < m->cap) {
		size_t i = (*pos)++;

		if (m->slots[i].key != 0) {
			if (key)
				*key = m->slots[i].key;
			return m->slots[i].val;
		}
	}
	return NULL;
}
