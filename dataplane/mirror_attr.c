/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interned attribute sets of one mirror.
 *
 * A set is the attribute bytes of an UPDATE in wire order without
 * MP_REACH / MP_UNREACH, keyed with the family and the MP next hop: every
 * prefix announced with it holds one reference. Sets live in an arena of
 * chunks (4 KiB doubling to 1 MiB) carved in blocks of size classes
 * (multiples of 4 bytes up to 512, powers of two above), so a set costs
 * its bytes plus an 8-byte header and at most 3 bytes of rounding, not a
 * malloc header; freed blocks go to their class's free list. A handle is
 * chunk << 18 | offset / 4; handle 0 (chunk 0, offset 0) is never used.
 *
 * The index is open addressing with linear probing; a slot holds the
 * hash beside the handle, so probing, growing and deleting read no set
 * (each would be a cache miss on a full table): only a hash match does.
 */
#include <errno.h>
#include <stdlib.h>

#include "mirror_priv.h"

#define AT_UNIT 4u
#define AT_SMALL_MAX 512u            /* classes 1-128: 4-byte steps */
#define AT_CHUNK_MIN 4096u
#define AT_CHUNK_MAX (1u << (AT_OFF_BITS + 2))
#define AT_MAX_CHUNKS (1u << (32 - AT_OFF_BITS))
#define AT_INDEX_MIN 64u


/*
 * Hash of a byte run, a word at a time; the tail is read with two
 * overlapping loads, so no byte loop and no call. Words are read in host
 * order: only the hash depends on it, never a wire value.
 */
static inline uint64_t
hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * K1;
	return h ^ (h >> 29);
}

static uint64_t
hash_run(uint64_t h, const uint8_t *p, size_t n)
{
	uint64_t w = 0;
	uint32_t a, b;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = hash_mix(h, w);
	}
	if (n >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else if (n) {
		w = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
	}
	return hash_mix(h, w ^ (uint64_t)n << 56 ^ K2);
}

/* Attribute bytes joined around MP attributes: at most one message's. */
static _Thread_local uint8_t join[BGP_EXT_MAX_LEN];

/*
 * Most UPDATEs have no MP attribute (IPv4) and their attribute field is
 * the key as it stands; otherwise the runs around MP_REACH / MP_UNREACH
 * are joined, so a set's bytes never depend on where those sat.
 */
bool
mr_akey_init(struct mr_akey *k, const struct bgp_update *u)
{
	struct wire_cur c = u->attrs;
	size_t n = 0;

	k->attrs = c.p;
	k->len = (uint32_t)c.left;
	if (u->has_reach || u->has_unreach) {
		while (c.left) {
			const uint8_t *start = c.p;
			uint8_t flags = wire_u8(&c);
			uint8_t type = wire_u8(&c);
			uint16_t len = (flags & BGP_ATTR_FLAG_EXTLEN) ? wire_u16(&c) : wire_u8(&c);

			if (!wire_skip(&c, len) || n + (size_t)(c.p - start) > sizeof(join))
				return false;
			if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
				continue;
			memcpy(join + n, start, (size_t)(c.p - start));
			n += (size_t)(c.p - start);
		}
		k->attrs = join;
		k->len = (uint32_t)n;
	}
	if (k->len > UINT16_MAX)
		return false;
	k->attr_hash = hash_run(K2, k->attrs, k->len);
	return true;
}

static uint32_t
akey_hash(const struct mr_akey *k)
{
	uint64_t h = hash_mix(k->attr_hash, (uint64_t)k->af << 8 | k->nh_len);

	return (uint32_t)fmix64(hash_run(h, k->nh, k->nh_len));
}

static bool
set_match(const struct mr_set *st, const struct mr_akey *k)
{
	return st->af == k->af && st->nh_len == k->nh_len && st->len == k->len &&
	       (!k->nh_len || memcmp(st->data, k->nh, k->nh_len) == 0) &&
	       memcmp(st->data + k->nh_len, k->attrs, k->len) == 0;
}

/* ---- arena ---- */

static unsigned
at_class(size_t size, uint32_t *bsize)
{
	unsigned cls = AT_SMALL_MAX / AT_UNIT + 1;
	uint32_t b = 2 * AT_SMALL_MAX;

	if (size <= AT_SMALL_MAX) {
		*bsize = (uint32_t)(size + AT_UNIT - 1) & ~(AT_UNIT - 1);
		return *bsize / AT_UNIT;
	}
	while (b < size) {
		b <<= 1;
		cls++;
	}
	*bsize = b;
	return cls;
}

static size_t
set_size(uint32_t nh_len, uint32_t len)
{
	return sizeof(struct mr_set) + nh_len + len;
}

static bool
chunk_add(struct mr_attrs *at, uint32_t need)
{
	uint32_t size = at->nchunks < 9 ? AT_CHUNK_MIN << at->nchunks : AT_CHUNK_MAX;

	if (at->nchunks == AT_MAX_CHUNKS)
		return false;
	if (at->nchunks == at->chunks_cap) {
		uint32_t cap = at->chunks_cap ? 2 * at->chunks_cap : 16;
		struct mr_chunk *t = realloc(at->chunks, cap * sizeof(*t));

		if (!t)
			return false;
		at->chunks = t;
		at->chunks_cap = cap;
	}
	while (size < need)
		size <<= 1;
	uint8_t *base = malloc(size);
	if (!base)
		return false;
	/* Offset 0 of chunk 0 would be handle 0, which means "none". */
	at->chunks[at->nchunks] = (struct mr_chunk){ base, size, at->nchunks ? 0 : AT_UNIT };
	at->nchunks++;
	at->chunk_bytes += size;
	return true;
}

static uint32_t
at_alloc(struct mr_attrs *at, size_t size)
{
	uint32_t bsize, h;
	unsigned cls = at_class(size, &bsize);
	struct mr_chunk *c;

	if (at->free_head[cls]) {
		h = at->free_head[cls];
		at->free_head[cls] = mr_set_get(at, h)->refs;
		return h;
	}
	c = at->nchunks ? &at->chunks[at->nchunks - 1] : NULL;
	if (!c || c->size - c->used < bsize) {
		if (!chunk_add(at, bsize))
			return 0;
		c = &at->chunks[at->nchunks - 1];
	}
	h = (at->nchunks - 1) << AT_OFF_BITS | c->used / AT_UNIT;
	c->used += bsize;
	return h;
}

/* ---- index ---- */

static bool
ix_grow(struct mr_attrs *at)
{
	uint32_t n = at->nslots ? 2 * at->nslots : AT_INDEX_MIN;
	struct mr_aslot *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return false;
	for (uint32_t i = 0; i < at->nslots; i++) {
		uint32_t pos = at->slots[i].hash & (n - 1);

		if (!at->slots[i].h)
			continue;
		while (slots[pos].h)
			pos = (pos + 1) & (n - 1);
		slots[pos] = at->slots[i];
	}
	free(at->slots);
	at->slots = slots;
	at->nslots = n;
	return true;
}

uint32_t
mr_intern(struct mr_attrs *at, struct mr_akey *k)
{
	uint32_t hash = akey_hash(k), pos, h;
	struct mr_set *st;

	if ((at->count + 1) * 4ull > at->nslots * 3ull && !ix_grow(at))
		return 0;
	for (pos = hash & (at->nslots - 1); (h = at->slots[pos].h) != 0;
	     pos = (pos + 1) & (at->nslots - 1))
		if (at->slots[pos].hash == hash && set_match(mr_set_get(at, h), k))
			return h;
	h = at_alloc(at, set_size(k->nh_len, k->len));
	if (!h)
		return 0;
	st = mr_set_get(at, h);
	*st = (struct mr_set){ .len = (uint16_t)k->len, .af = k->af, .nh_len = k->nh_len };
	if (k->nh_len)
		memcpy(st->data, k->nh, k->nh_len);
	memcpy(st->data + k->nh_len, k->attrs, k->len);
	at->slots[pos] = (struct mr_aslot){ hash, h };
	at->count++;
	return h;
}

/* Linear probing deletion by backward shift: no tombstones. */
static void
ix_delete(struct mr_attrs *at, uint32_t h, uint32_t hash)
{
	uint32_t mask = at->nslots - 1;
	uint32_t i = hash & mask, j;

	while (at->slots[i].h != h)
		i = (i + 1) & mask;
	for (j = i;;) {
		j = (j + 1) & mask;
		if (!at->slots[j].h)
			break;
		uint32_t home = at->slots[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			at->slots[i] = at->slots[j];
			i = j;
		}
	}
	at->slots[i] = (struct mr_aslot){ 0, 0 };
}

void
mr_set_free(struct mr_attrs *at, uint32_t h)
{
	struct mr_set *st = mr_set_get(at, h);
	struct mr_akey k = { .af = st->af, .nh_len = st->nh_len, .nh = st->data,
			     .attrs = st->data + st->nh_len, .len = st->len };
	uint32_t bsize;
	unsigned cls = at_class(set_size(st->nh_len, st->len), &bsize);

	k.attr_hash = hash_run(K2, k.attrs, k.len);
	ix_delete(at, h, akey_hash(&k));
	st->refs = at->free_head[cls];
	at->free_head[cls] = h;
	at->count--;
}

void
mr_attrs_release(struct mr_attrs *at)
{
	for (uint32_t i = 0; i < at->nchunks; i++)
		free(at->chunks[i].base);
	free(at->chunks);
	free(at->slots);
	memset(at, 0, sizeof(*at));
}

size_t
mr_attrs_bytes(const struct mr_attrs *at)
{
	return at->chunk_bytes + at->chunks_cap * sizeof(struct mr_chunk) +
	       (size_t)at->nslots * sizeof(*at->slots);
}
