/*
 * bytes.h: bounds-checked big-endian cursors for every codec.
 *
 * Errors are sticky: a read past the end sets r_err, returns zeros and
 * leaves the cursor in place, so a parser may read a whole structure and
 * test the error once.  Codecs never cast structs onto buffers.
 */
#ifndef TORD_LIB_BYTES_H
#define TORD_LIB_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct brd {
	const uint8_t	*r_p;
	size_t		 r_len;
	size_t		 r_off;
	bool		 r_err;
};

struct bwr {
	uint8_t		*w_p;
	size_t		 w_len;
	size_t		 w_off;
	bool		 w_err;
};

static inline void
brd_init(struct brd *r, const uint8_t *p, size_t len)
{
	r->r_p = p;
	r->r_len = len;
	r->r_off = 0;
	r->r_err = false;
}

static inline size_t brd_left(const struct brd *r) { return r->r_len - r->r_off; }

static inline bool
brd_need(struct brd *r, size_t n)
{
	if (r->r_err || r->r_len - r->r_off < n) {
		r->r_err = true;
		return false;
	}
	return true;
}

static inline uint8_t
brd_u8(struct brd *r)
{
	if (!brd_need(r, 1))
		return 0;
	return r->r_p[r->r_off++];
}

static inline uint16_t
brd_u16(struct brd *r)
{
	const uint8_t *p;

	if (!brd_need(r, 2))
		return 0;
	p = r->r_p + r->r_off;
	r->r_off += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
brd_u32(struct brd *r)
{
	const uint8_t *p;

	if (!brd_need(r, 4))
		return 0;
	p = r->r_p + r->r_off;
	r->r_off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Copy n bytes out; zero-fills out on error. */
static inline void
brd_bytes(struct brd *r, void *out, size_t n)
{
	if (!brd_need(r, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->r_p + r->r_off, n);
	r->r_off += n;
}

/* Borrow n bytes in place; NULL on error. */
static inline const uint8_t *
brd_ptr(struct brd *r, size_t n)
{
	const uint8_t *p;

	if (!brd_need(r, n))
		return NULL;
	p = r->r_p + r->r_off;
	r->r_off += n;
	return p;
}

static inline void
bwr_init(struct bwr *w, uint8_t *p, size_t len)
{
	w->w_p = p;
	w->w_len = len;
	w->w_off = 0;
	w->w_err = false;
}

static inline bool
bwr_need(struct bwr *w, size_t n)
{
	if (w->w_err || w->w_len - w->w_off < n) {
		w->w_err = true;
		return false;
	}
	return true;
}

static inline void
bwr_u8(struct bwr *w, uint8_t v)
{
	if (bwr_need(w, 1))
		w->w_p[w->w_off++] = v;
}

static inline void
bwr_u16(struct bwr *w, uint16_t v)
{
	if (!bwr_need(w, 2))
		return;
	w->w_p[w->w_off++] = (uint8_t)(v >> 8);
	w->w_p[w->w_off++] = (uint8_t)v;
}

static inline void
bwr_u32(struct bwr *w, uint32_t v)
{
	if (!bwr_need(w, 4))
		return;
	w->w_p[w->w_off++] = (uint8_t)(v >> 24);
	w->w_p[w->w_off++] = (uint8_t)(v >> 16);
	w->w_p[w->w_off++] = (uint8_t)(v >> 8);
	w->w_p[w->w_off++] = (uint8_t)v;
}

static inline void
bwr_bytes(struct bwr *w, const void *p, size_t n)
{
	if (n == 0 || !bwr_need(w, n))
		return;
	memcpy(w->w_p + w->w_off, p, n);
	w->w_off += n;
}

/* Plain big-endian loads and stores for fixed offsets. */
static inline uint16_t be16_load(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t
be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void be16_store(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void
be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Result of every incremental parser. */
enum parse_result {
	PARSE_ERROR = -1,
	PARSE_NEED_MORE = 0,
	PARSE_OK = 1,
};

#endif
