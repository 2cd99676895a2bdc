/*
 * memtrim.h: give free heap memory back to the system after a burst.
 *
 * glibc keeps what a burst freed (10,000 streams opened and closed) in
 * its arenas, and free() returns only the top of the heap, so a node's
 * resident size would stay at its high-water mark for good (the client:
 * 7 MB idle, 30 MB after 10,000 concurrent requests, and still 30 MB
 * when they are done).  memtrim_maybe() asks malloc how much it holds
 * free and, above a threshold, returns it with malloc_trim(), which also
 * releases free pages in the middle of the heap.  Called from a slow
 * timer (app/main.c); a no-op where the C library has no such calls.
 */
#ifndef TORD_LIB_MEMTRIM_H
#define TORD_LIB_MEMTRIM_H

#include <stddef.h>

/* Free heap held by malloc above which the timer trims. */
#define MEMTRIM_THRESHOLD	(1u * 1024 * 1024)

/*
 * Trim if malloc holds more than `threshold` bytes free.  Returns the free
 * bytes it held when it trimmed, 0 when it did not (or cannot tell).
 */
size_t	memtrim_maybe(size_t threshold);

#endif
