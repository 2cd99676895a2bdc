/*
 * buf.h: a growable byte queue with a hard cap.
 *
 * Linear storage with head and tail offsets: bytes are appended at the
 * tail and consumed from the head; space is reclaimed by moving the live
 * bytes to the front only when the tail needs room.  Storage is allocated
 * on first use and released by buf_trim() when the queue is empty, so an
 * idle connection costs a struct, not a buffer.
 */
#ifndef TORD_LIB_BUF_H
#define TORD_LIB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf {
	uint8_t	*b_data;
	size_t	 b_head;	/* first live byte */
	size_t	 b_tail;	/* one past the last live byte */
	size_t	 b_cap;		/* allocated size */
};

#define BUF_INIT { NULL, 0, 0, 0 }

static inline size_t buf_len(const struct buf *b) { return b->b_tail - b->b_head; }
/* Never NULL: an empty buffer with no storage peeks at a static byte. */
extern uint8_t buf_empty_byte_;
static inline const uint8_t *
buf_peek(const struct buf *b)
{
	return b->b_data ? b->b_data + b->b_head : &buf_empty_byte_;
}
static inline uint8_t *
buf_peek_mut(struct buf *b)
{
	return b->b_data ? b->b_data + b->b_head : &buf_empty_byte_;
}

/* Return a pointer to at least n writable bytes at the tail. */
uint8_t	*buf_reserve(struct buf *b, size_t n);
/* Mark n bytes written at the tail (after buf_reserve). */
void	 buf_commit(struct buf *b, size_t n);
/* Append n bytes. */
void	 buf_add(struct buf *b, const void *p, size_t n);
/* Remove n bytes from the head (n <= buf_len). */
void	 buf_drain(struct buf *b, size_t n);
/* Remove everything, keeping storage. */
void	 buf_clear(struct buf *b);
/* Release storage if the buffer is empty. */
void	 buf_trim(struct buf *b);
/* Release storage; wipe it first if wipe is nonzero. */
void	 buf_free_storage(struct buf *b, int wipe);

/*
 * Find a line ending in "\n" within the first max bytes.  Returns the
 * line length including the newline, 0 if no newline yet (and fewer than
 * max bytes are buffered), or -1 if max bytes hold no newline.
 */
ssize_t	 buf_find_line(const struct buf *b, size_t max);

/*
 * Read up to max bytes from fd.  Returns bytes read, 0 on EOF, or -1
 * with errno set (EAGAIN included).  A buffer without storage reads at
 * most BUF_FIRST_READ bytes (through the stack) and allocates only what
 * arrived.
 */
#define BUF_FIRST_READ	4096
ssize_t	 buf_read_fd(struct buf *b, int fd, size_t max);
/* Write from the head to fd and drain what was written; as write(2). */
ssize_t	 buf_write_fd(struct buf *b, int fd);

#endif
