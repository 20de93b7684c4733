/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Bounds-checked access to wire bytes.
 *
 * Every parser of wire input reads through a struct wire_cur: reads past
 * the end fail and latch the cursor's `bad` flag, so a parser can run a
 * sequence of reads and check once. Sub-views are truncated to a length
 * field, so a lying inner length can never read past its container.
 *
 * Every encoder writes through a struct wire_buf with explicit big-endian
 * put helpers: wire values never live in host-order integers.
 */
#ifndef BMPTAP_WIRE_H
#define BMPTAP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Read cursor over a byte range. */
struct wire_cur {
	const uint8_t *p;
	size_t left;
	bool bad; /**< set by the first failed read; sticky */
};

static inline struct wire_cur
wire_cur_make(const void *p, size_t len)
{
	struct wire_cur c = { .p = p, .left = len, .bad = false };
	return c;
}

static inline bool
wire_need(struct wire_cur *c, size_t n)
{
	if (c->bad || c->left < n) {
		c->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t
wire_u8(struct wire_cur *c)
{
	if (!wire_need(c, 1))
		return 0;
	uint8_t v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return v;
}

static inline uint16_t
wire_u16(struct wire_cur *c)
{
	if (!wire_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint32_t
wire_u32(struct wire_cur *c)
{
	if (!wire_need(c, 4))
		return 0;
	uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
		     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return v;
}

/** Copy n bytes out; on failure dst is zeroed. */
static inline bool
wire_bytes(struct wire_cur *c, void *dst, size_t n)
{
	if (!wire_need(c, n)) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

/** Borrow n bytes in place; NULL on failure. */
static inline const uint8_t *
wire_take(struct wire_cur *c, size_t n)
{
	if (!wire_need(c, n))
		return NULL;
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static inline bool
wire_skip(struct wire_cur *c, size_t n)
{
	return wire_take(c, n) != NULL;
}

/**
 * Split off the next n bytes as a sub-cursor and advance past them.
 * On failure the sub-cursor is empty and bad, and so is the parent.
 */
static inline struct wire_cur
wire_sub(struct wire_cur *c, size_t n)
{
	const uint8_t *p = wire_take(c, n);
	struct wire_cur s = wire_cur_make(p, p ? n : 0);
	s.bad = (p == NULL);
	return s;
}

static inline bool
wire_done(const struct wire_cur *c)
{
	return !c->bad && c->left == 0;
}

static inline uint16_t
wire_load_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
wire_load_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
wire_store_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wire_store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/** Write buffer; writes past cap fail and latch `overflow`. */
struct wire_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

static inline struct wire_buf
wire_buf_make(void *p, size_t cap)
{
	struct wire_buf b = { .p = p, .len = 0, .cap = cap, .overflow = false };
	return b;
}

/** Reserve n bytes at the end; NULL (and overflow) if they do not fit. */
static inline uint8_t *
wire_put_reserve(struct wire_buf *b, size_t n)
{
	if (b->overflow || b->cap - b->len < n) {
		b->overflow = true;
		return NULL;
	}
	uint8_t *p = b->p + b->len;
	b->len += n;
	return p;
}

static inline void
wire_put_u8(struct wire_buf *b, uint8_t v)
{
	uint8_t *p = wire_put_reserve(b, 1);
	if (p)
		p[0] = v;
}

static inline void
wire_put_u16(struct wire_buf *b, uint16_t v)
{
	uint8_t *p = wire_put_reserve(b, 2);
	if (p)
		wire_store_u16(p, v);
}

static inline void
wire_put_u32(struct wire_buf *b, uint32_t v)
{
	uint8_t *p = wire_put_reserve(b, 4);
	if (p)
		wire_store_u32(p, v);
}

static inline void
wire_put_u64(struct wire_buf *b, uint64_t v)
{
	wire_put_u32(b, (uint32_t)(v >> 32));
	wire_put_u32(b, (uint32_t)v);
}

static inline void
wire_put_bytes(struct wire_buf *b, const void *src, size_t n)
{
	uint8_t *p = wire_put_reserve(b, n);
	if (p && n)
		memcpy(p, src, n);
}

/** Patch a 16/32-bit length written earlier at offset off. */
static inline void
wire_patch_u16(struct wire_buf *b, size_t off, uint16_t v)
{
	if (!b->overflow && off + 2 <= b->len)
		wire_store_u16(b->p + off, v);
}

static inline void
wire_patch_u32(struct wire_buf *b, size_t off, uint32_t v)
{
	if (!b->overflow && off + 4 <= b->len)
		wire_store_u32(b->p + off, v);
}

/* TCP sequence space: compare only through these (RFC 793 wrap). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif
