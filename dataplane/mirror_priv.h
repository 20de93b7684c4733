/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adj-RIB-In mirror internals, shared by mirror.c (routes and index),
 * mirror_attr.c (interned attribute sets) and mirror_replay.c.
 *
 * An entry is a fixed-size record in its family's paged array:
 *
 *   0  attr     u32  attribute set handle; 0 marks a free entry, whose
 *                    bytes 8-11 then hold 1 + the next free index
 *   4  len      u8   prefix length in bits
 *   5  flags    u8   ENT_STALE
 *   6  nlabels  u8   labels held (labeled and VPN families)
 *   7  -        u8
 *   8  addr          4 or 16 bytes, bits past len zero
 *      rd            8 bytes, VPN families
 *      labels        BGP_MAX_LABELS x 3 bytes, labeled and VPN families
 *
 * ADD-PATH identifiers live in a parallel array of u32, allocated once a
 * family sees a non-zero one: without ADD-PATH they cost nothing.
 */
#ifndef BMPTAP_MIRROR_PRIV_H
#define BMPTAP_MIRROR_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mirror.h"

/* Hashing of route keys (mirror.c) and attribute sets (mirror_attr.c). */
#define K1 0x9e3779b97f4a7c15ull
#define K2 0xc2b2ae3d27d4eb4full

/* MurmurHash3's 64-bit finalizer: every input bit reaches every output bit. */
static inline uint64_t
fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

#define ENT_ATTR 0
#define ENT_LEN 4
#define ENT_FLAGS 5
#define ENT_NLABELS 6
#define ENT_ADDR 8

#define ENT_STALE 0x01

/* Entries a page; page 0 starts small and doubles up to this. */
#define MR_PAGE_SHIFT 10
#define MR_PAGE (1u << MR_PAGE_SHIFT)
#define MR_PAGE0_MIN 32u

struct mr_shape {
	uint8_t stride;          /* entry bytes */
	uint8_t alen;            /* address bytes */
	uint8_t rd_off;          /* 0: no RD */
	uint8_t lab_off;         /* 0: no labels */
};

extern const struct mr_shape mr_shapes[BGP_AF__COUNT];

/* One family's routes: paged entries and their index. */
struct mr_fam {
	uint8_t **pages;
	uint32_t **pid_pages;    /* NULL until a non-zero path ID is stored */
	uint32_t npages;
	uint32_t pages_cap;      /* page table slots */
	uint32_t cap;            /* entries allocated */
	uint32_t hw;             /* entries ever handed out: [0, hw) */
	uint32_t free_head;      /* 1 + a free entry index, 0: none */
	uint32_t count;          /* routes held */
	uint32_t nstale;         /* of which stale */
	uint64_t *slots;         /* index: hash32 << 32 | (1 + entry); 0: empty.
				    The full hash beside the entry: growth and
				    deletion never re-hash a key, a probe
				    rarely reads an entry it does not want */
	uint32_t nslots;         /* power of two, or 0 */
};

/* Size classes of the attribute arena (see mirror_attr.c). */
#define AT_NCLASS 137

/* Interned attribute sets: an arena of chunks plus a hash index. */
struct mr_attrs {
	struct mr_chunk {
		uint8_t *base;
		uint32_t size;
		uint32_t used;
	} *chunks;
	uint32_t nchunks;
	uint32_t chunks_cap;
	uint32_t free_head[AT_NCLASS]; /* handle of a free block per class */
	struct mr_aslot {
		uint32_t hash;
		uint32_t h;      /* handle, 0: empty */
	} *slots;                /* the hash beside the handle: probing and
				    deleting never touch a set's memory */
	uint32_t nslots;
	uint32_t count;          /* sets held */
	size_t chunk_bytes;
};

/* One attribute set; `data` is the MP next hop, then the attributes. */
struct mr_set {
	uint32_t refs;           /* entries using it; free: next free handle */
	uint16_t len;            /* attribute bytes */
	uint8_t af;
	uint8_t nh_len;
	uint8_t data[];
};

struct mirror {
	struct mr_fam fam[BGP_AF__COUNT];
	struct mr_attrs at;
	struct mirror_stats st;
};

/* An attribute set as seen in an UPDATE, before interning. */
struct mr_akey {
	uint8_t af;
	uint8_t nh_len;
	const uint8_t *nh;
	const uint8_t *attrs;    /* MP attributes left out: in the message, or
				    joined in a per-thread scratch */
	uint32_t len;
	uint64_t attr_hash;      /* of the attribute bytes alone */
};

static inline uint8_t *
mr_ent(const struct mr_fam *f, uint8_t af, uint32_t idx)
{
	size_t off = (size_t)(idx & (MR_PAGE - 1)) * mr_shapes[af].stride;

	return f->pages[idx >> MR_PAGE_SHIFT] + off;
}

static inline uint32_t
mr_ent_attr(const uint8_t *e)
{
	uint32_t v;

	memcpy(&v, e + ENT_ATTR, sizeof(v));
	return v;
}

static inline uint32_t
mr_ent_pid(const struct mr_fam *f, uint32_t idx)
{
	return f->pid_pages ? f->pid_pages[idx >> MR_PAGE_SHIFT][idx & (MR_PAGE - 1)] : 0;
}

/* ---- mirror_attr.c ---- */

#define AT_OFF_BITS 18           /* a handle: chunk << 18 | offset / 4 */

static inline struct mr_set *
mr_set_get(const struct mr_attrs *at, uint32_t h)
{
	return (struct mr_set *)(at->chunks[h >> AT_OFF_BITS].base +
				 ((size_t)(h & ((1u << AT_OFF_BITS) - 1)) << 2));
}

/* An UPDATE's attributes without MP_REACH / MP_UNREACH, hashed. */
bool mr_akey_init(struct mr_akey *k, const struct bgp_update *u);
/* The handle of the set (af, next hop, attributes), created with refs 0. */
uint32_t mr_intern(struct mr_attrs *at, struct mr_akey *k);
/* Free a set whose last reference went. */
void mr_set_free(struct mr_attrs *at, uint32_t h);
void mr_attrs_release(struct mr_attrs *at);
size_t mr_attrs_bytes(const struct mr_attrs *at);

static inline void
mr_set_unref(struct mr_attrs *at, uint32_t h)
{
	if (--mr_set_get(at, h)->refs == 0)
		mr_set_free(at, h);
}

#endif
