/* memtrim.c: see memtrim.h. */
#include "config.h"

#include <stddef.h>
#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
#include <malloc.h>
#endif

#include "lib/memtrim.h"

size_t
memtrim_maybe(size_t threshold)
{
#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
	/* fordblks: free bytes in the arenas (mmapped blocks are already
	 * unmapped by free()).  Walking the bins is cheap at this rate. */
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks <= threshold)
		return 0;
	(void)malloc_trim(0);
	return mi.fordblks;
#else
	(void)threshold;
	return 0;
#endif
}
