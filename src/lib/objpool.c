/*
 * objpool.c: fixed-size objects in chunks of their own (see objpool.h).
 *
 * A chunk is OBJPOOL_CHUNK bytes aligned to its size, so an object finds
 * its chunk by masking its address.  The header sits at the start; the
 * objects follow.  Objects are handed out first from the chunk's free
 * list, then from its never-used tail (so a new chunk's pages are
 * touched only as they fill, not at mmap time).  Chunks with a free
 * object sit on the pool's partial list, non-empty ones first so that
 * the emptiest drain and can go back to the system.
 *
 * Under valgrind the objects are announced as heap blocks (memcheck
 * client requests, no-ops otherwise), so net_valgrind still checks them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/queue.h>

#include "lib/objpool.h"
#include "lib/util.h"

#if defined(__SANITIZE_ADDRESS__)
#define OBJPOOL_USE_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OBJPOOL_USE_MALLOC 1
#endif
#endif

#if !defined(OBJPOOL_USE_MALLOC) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define OBJPOOL_VALGRIND 1
#endif
#endif
#ifndef OBJPOOL_VALGRIND
#define VALGRIND_MALLOCLIKE_BLOCK(a, s, r, z)	((void)0)
#define VALGRIND_FREELIKE_BLOCK(a, r)		((void)0)
#define VALGRIND_MAKE_MEM_NOACCESS(a, s)	((void)0)
#define VALGRIND_MAKE_MEM_DEFINED(a, s)		((void)0)
#endif

#define OBJPOOL_CHUNK		(64 * 1024)
#define OBJPOOL_ALIGN		16
#define OBJPOOL_MAX_SIZE	4096

struct chunk {
	struct objpool		*ch_pool;
	void			*ch_free;	/* free list, linked through the objects */
	size_t			 ch_n_free;	/* on the list and in the fresh tail */
	size_t			 ch_fresh;	/* index of the first never-used object */
	TAILQ_ENTRY(chunk)	 ch_entry;	/* on p_partial while ch_n_free > 0 */
};

struct objpool {
	size_t			 p_size;	/* object size, aligned */
	size_t			 p_per_chunk;
	size_t			 p_hdr;		/* bytes before the first object */
	const char		*p_name;
	size_t			 p_in_use;
	size_t			 p_chunks;
	size_t			 p_empty;	/* chunks with every object free */
	TAILQ_HEAD(, chunk)	 p_partial;
};

struct objpool *
objpool_new(size_t size, const char *name)
{
	struct objpool *p = xcalloc(1, sizeof(*p));

	ASSERT(size > 0 && size <= OBJPOOL_MAX_SIZE);
	p->p_size = (size + OBJPOOL_ALIGN - 1) & ~(size_t)(OBJPOOL_ALIGN - 1);
	p->p_hdr = (sizeof(struct chunk) + 63) & ~(size_t)63;
	p->p_per_chunk = (OBJPOOL_CHUNK - p->p_hdr) / p->p_size;
	p->p_name = name;
	TAILQ_INIT(&p->p_partial);
	return p;
}

size_t
objpool_in_use(const struct objpool *p)
{
	return p->p_in_use;
}

size_t
objpool_bytes(const struct objpool *p)
{
	return p->p_chunks * OBJPOOL_CHUNK;
}

#ifdef OBJPOOL_USE_MALLOC

void *
objpool_get(struct objpool *p)
{
	p->p_in_use++;
	return xcalloc(1, p->p_size);
}

void
objpool_put(struct objpool *p, void *obj)
{
	if (obj == NULL)
		return;
	p->p_in_use--;
	free(obj);
}

void
objpool_free(struct objpool *p)
{
	if (p == NULL)
		return;
	ASSERT(p->p_in_use == 0);
	free(p);
}

#else

static struct chunk *
chunk_of(void *obj)
{
	return (struct chunk *)((uintptr_t)obj & ~(uintptr_t)(OBJPOOL_CHUNK - 1));
}

/* A new chunk, aligned to its size: map twice that and cut the excess. */
static struct chunk *
chunk_new(struct objpool *p)
{
	uint8_t *m, *base;
	size_t lead;
	struct chunk *ch;

	m = mmap(NULL, 2 * OBJPOOL_CHUNK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		util_assert_fail_("mmap for an object pool", __FILE__, __LINE__, __func__);
	base = (uint8_t *)(((uintptr_t)m + OBJPOOL_CHUNK - 1) & ~(uintptr_t)(OBJPOOL_CHUNK - 1));
	lead = (size_t)(base - m);
	if (lead > 0)
		(void)munmap(m, lead);
	(void)munmap(base + OBJPOOL_CHUNK, OBJPOOL_CHUNK - lead);
	ch = (struct chunk *)base;
	ch->ch_pool = p;
	ch->ch_free = NULL;
	ch->ch_n_free = p->p_per_chunk;
	ch->ch_fresh = 0;
	VALGRIND_MAKE_MEM_NOACCESS(base + p->p_hdr, OBJPOOL_CHUNK - p->p_hdr);
	p->p_chunks++;
	p->p_empty++;
	TAILQ_INSERT_TAIL(&p->p_partial, ch, ch_entry);
	return ch;
}

void *
objpool_get(struct objpool *p)
{
	struct chunk *ch = TAILQ_FIRST(&p->p_partial);
	void *obj;

	if (ch == NULL)
		ch = chunk_new(p);
	if (ch->ch_n_free == p->p_per_chunk)
		p->p_empty--;
	if (ch->ch_free != NULL) {
		obj = ch->ch_free;
		VALGRIND_MAKE_MEM_DEFINED(obj, sizeof(void *));
		ch->ch_free = *(void **)obj;
	} else {
		obj = (uint8_t *)ch + p->p_hdr + ch->ch_fresh++ * p->p_size;
	}
	if (--ch->ch_n_free == 0)
		TAILQ_REMOVE(&p->p_partial, ch, ch_entry);
	VALGRIND_MALLOCLIKE_BLOCK(obj, p->p_size, 0, 1);
	memset(obj, 0, p->p_size);
	p->p_in_use++;
	return obj;
}

void
objpool_put(struct objpool *p, void *obj)
{
	struct chunk *ch;

	if (obj == NULL)
		return;
	ch = chunk_of(obj);
	ASSERT(ch->ch_pool == p);
	VALGRIND_FREELIKE_BLOCK(obj, 0);
	VALGRIND_MAKE_MEM_DEFINED(obj, sizeof(void *));
	*(void **)obj = ch->ch_free;
	VALGRIND_MAKE_MEM_NOACCESS(obj, p->p_size);
	ch->ch_free = obj;
	p->p_in_use--;
	if (ch->ch_n_free++ == 0) {
		/* It was full: it has room again, and it is not empty. */
		TAILQ_INSERT_HEAD(&p->p_partial, ch, ch_entry);
		if (p->p_per_chunk > 1)
			return;
	}
	if (ch->ch_n_free < p->p_per_chunk)
		return;
	/* Empty: keep one such chunk against churn, give the rest back. */
	if (p->p_empty == 0) {
		p->p_empty++;
		TAILQ_REMOVE(&p->p_partial, ch, ch_entry);
		TAILQ_INSERT_TAIL(&p->p_partial, ch, ch_entry);
		return;
	}
	TAILQ_REMOVE(&p->p_partial, ch, ch_entry);
	p->p_chunks--;
	(void)munmap(ch, OBJPOOL_CHUNK);
}

void
objpool_free(struct objpool *p)
{
	struct chunk *ch;

	if (p == NULL)
		return;
	ASSERT(p->p_in_use == 0);
	/* With nothing in use, every chunk is empty and on the partial list. */
	while ((ch = TAILQ_FIRST(&p->p_partial)) != NULL) {
		TAILQ_REMOVE(&p->p_partial, ch, ch_entry);
		(void)munmap(ch, OBJPOOL_CHUNK);
	}
	free(p);
}

#endif
