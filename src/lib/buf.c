/*
 * buf.c: byte queue storage management and fd I/O.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "lib/buf.h"
#include "lib/util.h"

#define BUF_MIN_ALLOC 512

uint8_t buf_empty_byte_;

uint8_t *
buf_reserve(struct buf *b, size_t n)
{
	size_t live = buf_len(b), want;

	if (b->b_cap - b->b_tail >= n)
		return b->b_data + b->b_tail;
	/* Compact first when that alone makes room: no allocation. */
	if (b->b_head > 0 && b->b_cap - live >= n) {
		memmove(b->b_data, b->b_data + b->b_head, live);
		b->b_head = 0;
		b->b_tail = live;
		return b->b_data + b->b_tail;
	}
	want = b->b_cap ? b->b_cap : BUF_MIN_ALLOC;
	while (want - live < n)
		want *= 2;
	if (b->b_head > 0) {
		memmove(b->b_data, b->b_data + b->b_head, live);
		b->b_head = 0;
		b->b_tail = live;
	}
	b->b_data = xrealloc(b->b_data, want);
	b->b_cap = want;
	return b->b_data + b->b_tail;
}

void
buf_commit(struct buf *b, size_t n)
{
	ASSERT(b->b_cap - b->b_tail >= n);
	b->b_tail += n;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(buf_reserve(b, n), p, n);
	b->b_tail += n;
}

void
buf_drain(struct buf *b, size_t n)
{
	ASSERT(n <= buf_len(b));
	b->b_head += n;
	if (b->b_head == b->b_tail)
		b->b_head = b->b_tail = 0;
}

void
buf_clear(struct buf *b)
{
	b->b_head = b->b_tail = 0;
}

void
buf_trim(struct buf *b)
{
	if (b->b_head == b->b_tail && b->b_data != NULL)
		buf_free_storage(b, 0);
}

void
buf_free_storage(struct buf *b, int wipe)
{
	if (b->b_data != NULL && wipe)
		OPENSSL_cleanse(b->b_data, b->b_cap);
	free(b->b_data);
	b->b_data = NULL;
	b->b_head = b->b_tail = b->b_cap = 0;
}

ssize_t
buf_find_line(const struct buf *b, size_t max)
{
	size_t len = MIN(buf_len(b), max);
	const uint8_t *nl;

	if (len == 0)
		return 0;
	nl = memchr(buf_peek(b), '\n', len);
	if (nl != NULL)
		return nl - buf_peek(b) + 1;
	return buf_len(b) >= max ? -1 : 0;
}

ssize_t
buf_read_fd(struct buf *b, int fd, size_t max)
{
	uint8_t *p;
	ssize_t n;

	/*
	 * No storage yet: read a first, small piece through the stack, so a
	 * connection that only ever sees a few bytes (a SOCKS handshake, an
	 * idle stream) never reserves, and touches, a large buffer.  If the
	 * piece comes back full, the caller's next read reserves the rest.
	 */
	if (b->b_data == NULL && max > BUF_FIRST_READ) {
		uint8_t first[BUF_FIRST_READ];

		do
			n = read(fd, first, sizeof(first));
		while (n < 0 && errno == EINTR);
		if (n > 0)
			buf_add(b, first, (size_t)n);
		return n;
	}
	p = buf_reserve(b, max);

	do
		n = read(fd, p, max);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->b_tail += (size_t)n;
	return n;
}

ssize_t
buf_write_fd(struct buf *b, int fd)
{
	ssize_t n;

	if (buf_len(b) == 0)
		return 0;
	do
		n = write(fd, buf_peek(b), buf_len(b));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		buf_drain(b, (size_t)n);
	return n;
}
