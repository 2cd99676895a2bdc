/*
 * objpool.h: fixed-size objects that live long, packed in their own pages.
 *
 * Why: a client holding 10,000 idle streams keeps one small object per
 * stream for minutes, but each stream was opened next to short-lived
 * allocations (the SOCKS parser, the request until its reply, handshake
 * buffers).  From malloc's one heap the long-lived objects land in the
 * holes those leave, so after a burst of openings every page holds a
 * stream or two and none can go back to the system (about 140 bytes of
 * RSS per held stream, measured).  A pool gives the long-lived objects
 * pages of their own: they pack densely, and the transient ones leave
 * the heap free to shrink.
 *
 * Objects come in 64 KiB chunks taken with mmap; a chunk whose objects
 * are all free goes back to the system, except one spare kept against
 * churn.  objpool_get() returns zeroed memory and never fails (it aborts
 * like xmalloc).  In sanitizer builds the pool is a thin layer over
 * calloc/free, so that AddressSanitizer still sees every object's bounds
 * and every use after free.
 */
#ifndef TORD_LIB_OBJPOOL_H
#define TORD_LIB_OBJPOOL_H

#include <stddef.h>

struct objpool;

/* A pool of objects of size bytes (at most 4 KiB); name is for stats. */
struct objpool	*objpool_new(size_t size, const char *name);
/* A zeroed object. */
void		*objpool_get(struct objpool *p);
/* Return obj (from this pool, or NULL) to it. */
void		 objpool_put(struct objpool *p, void *obj);
/* Free the pool; every object must have been returned. */
void		 objpool_free(struct objpool *p);
/* Objects handed out and not returned. */
size_t		 objpool_in_use(const struct objpool *p);
/* Bytes of chunks the pool holds (0 in sanitizer builds). */
size_t		 objpool_bytes(const struct objpool *p);

#endif
