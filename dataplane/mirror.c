/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adj-RIB-In mirror: routes per family, their index, UPDATE application,
 * graceful restart. Layout in mirror_priv.h, attribute sets in
 * mirror_attr.c, replay in mirror_replay.c.
 *
 * Statistics, exactly:
 *  - announced: every NLRI entry of a family bmptap parses;
 *  - dup_advertisements: an entry already present, not stale, with the
 *    same attribute set and (labeled, VPN) the same labels;
 *  - implicit_withdraws: present, not stale, with another set or labels;
 *  - a stale route announced again is refreshed: neither of the two;
 *  - withdrawn / dup_withdraws: a withdrawn entry present / absent;
 *  - dup_updates: a non-EoR UPDATE with at least one announced or
 *    withdrawn entry in a parsed family that changed nothing: every
 *    announcement a duplicate advertisement, every withdrawal a
 *    duplicate withdraw;
 *  - updates counts every UPDATE applied, End-of-RIB included.
 */
#include <errno.h>
#include <stdlib.h>

#include "mirror_priv.h"

const struct mr_shape mr_shapes[BGP_AF__COUNT] = {
	[BGP_AF_IPV4_UNICAST] = { 12, 4, 0, 0 },
	[BGP_AF_IPV6_UNICAST] = { 24, 16, 0, 0 },
	[BGP_AF_IPV4_MULTICAST] = { 12, 4, 0, 0 },
	[BGP_AF_IPV6_MULTICAST] = { 24, 16, 0, 0 },
	[BGP_AF_IPV4_LABELED] = { 24, 4, 0, 12 },
	[BGP_AF_IPV6_LABELED] = { 36, 16, 0, 24 },
	[BGP_AF_VPNV4] = { 32, 4, 12, 20 },
	[BGP_AF_VPNV6] = { 44, 16, 24, 32 },
};

/* Index slot: 6 hash bits to skip most foreign entries, then 1 + index. */
#define IX_IDX_BITS 26
#define IX_IDX_MASK ((1u << IX_IDX_BITS) - 1)
#define IX_MAX_ENTRIES (IX_IDX_MASK - 1)
#define IX_MIN 64u
#define LABELS_LEN (BGP_MAX_LABELS * 3)

#define K3 0x165667b19e3779f9ull

/* The lookup key of a route: labels are data, not key (RFC 8277 2.4). */
struct mr_key {
	const uint8_t *addr;
	const uint8_t *rd;
	uint32_t pid;
	uint8_t len;
};

static uint64_t
key_hash(uint8_t af, const struct mr_key *k)
{
	const struct mr_shape *sh = &mr_shapes[af];
	uint64_t a, b = 0;

	if (sh->alen == 4) {
		uint32_t x;

		memcpy(&x, k->addr, 4);
		a = x;
	} else {
		memcpy(&a, k->addr, 8);
		memcpy(&b, k->addr + 8, 8);
	}
	if (sh->rd_off) {
		uint64_t rd;

		memcpy(&rd, k->rd, 8);
		b ^= rd * K3;
	}
	return fmix64(a * K1 ^ (b + ((uint64_t)k->pid << 8 | k->len)) * K2);
}

static struct mr_key
ent_key(const struct mr_fam *f, uint8_t af, uint32_t idx)
{
	const uint8_t *e = mr_ent(f, af, idx);

	return (struct mr_key){ e + ENT_ADDR, e + mr_shapes[af].rd_off, mr_ent_pid(f, idx),
				e[ENT_LEN] };
}

static inline bool
bytes_eq(const uint8_t *a, const uint8_t *b, unsigned n)
{
	uint64_t x, y;

	if (n == 4) {
		uint32_t u, v;

		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	/* 8 or 16: loads, not a call (called for every probe) */
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x != y || n == 8)
		return x == y;
	memcpy(&x, a + 8, 8);
	memcpy(&y, b + 8, 8);
	return x == y;
}

static bool
ent_match(const struct mr_fam *f, uint8_t af, uint32_t idx, const struct mr_key *k)
{
	const struct mr_shape *sh = &mr_shapes[af];
	const uint8_t *e = mr_ent(f, af, idx);

	return e[ENT_LEN] == k->len && bytes_eq(e + ENT_ADDR, k->addr, sh->alen) &&
	       (!sh->rd_off || bytes_eq(e + sh->rd_off, k->rd, 8)) &&
	       mr_ent_pid(f, idx) == k->pid;
}

/* ---- index ---- */

static inline uint64_t
ix_slot(uint64_t h, uint32_t idx)
{
	return (uint64_t)(uint32_t)h << 32 | (idx + 1);
}

static inline uint32_t
ix_idx(uint64_t s)
{
	return (uint32_t)s - 1;
}

static inline uint32_t
ix_hash(uint64_t s)
{
	return (uint32_t)(s >> 32);
}

/* Slot of key k, or the empty slot where it would go (*found false). */
static uint32_t
ix_probe(const struct mr_fam *f, uint8_t af, const struct mr_key *k, uint64_t h, bool *found)
{
	uint32_t mask = f->nslots - 1, pos = (uint32_t)h & mask;

	for (;; pos = (pos + 1) & mask) {
		uint64_t s = f->slots[pos];

		if (!s) {
			*found = false;
			return pos;
		}
		if (ix_hash(s) == (uint32_t)h && ent_match(f, af, ix_idx(s), k)) {
			*found = true;
			return pos;
		}
	}
}

/* Room for `more` routes at load 3/4, growing by doubling; entries are
 * placed again from their stored hash, no key is hashed twice. */
static bool
ix_reserve(struct mr_fam *f, uint32_t more)
{
	uint32_t n;
	uint64_t *slots;

	if ((f->count + more) * 4ull <= f->nslots * 3ull)
		return true;
	n = f->nslots ? 2 * f->nslots : IX_MIN;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return false;
	for (uint32_t i = 0; i < f->nslots; i++) {
		uint64_t s = f->slots[i];
		if (!s)
			continue;
		uint32_t pos = ix_hash(s) & (n - 1);
		while (slots[pos])
			pos = (pos + 1) & (n - 1);
		slots[pos] = s;
	}
	free(f->slots);
	f->slots = slots;
	f->nslots = n;
	return true;
}

/* Backward-shift deletion: linear probing stays tombstone-free. */
static void
ix_delete(struct mr_fam *f, uint32_t pos)
{
	uint32_t mask = f->nslots - 1, i = pos, j = pos;

	for (;;) {
		j = (j + 1) & mask;
		uint64_t s = f->slots[j];
		if (!s)
			break;
		uint32_t home = ix_hash(s) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			f->slots[i] = s;
			i = j;
		}
	}
	f->slots[i] = 0;
}

/* ---- entry pages ---- */

static bool
page_table_reserve(struct mr_fam *f)
{
	uint32_t cap = f->pages_cap ? 2 * f->pages_cap : 4;
	uint8_t **pages;

	if (f->npages < f->pages_cap)
		return true;
	pages = realloc(f->pages, cap * sizeof(*pages));
	if (!pages)
		return false;
	f->pages = pages;
	if (f->pid_pages) {
		uint32_t **pp = realloc(f->pid_pages, cap * sizeof(*pp));
		if (!pp)
			return false;
		f->pid_pages = pp;
	}
	f->pages_cap = cap;
	return true;
}

/* Page 0 doubles up to a full page; after it, whole pages are added. */
static bool
fam_grow(struct mr_fam *f, uint8_t af)
{
	uint32_t stride = mr_shapes[af].stride;
	uint32_t n = f->cap < MR_PAGE0_MIN ? MR_PAGE0_MIN : f->cap < MR_PAGE ? 2 * f->cap : MR_PAGE;
	uint32_t page = f->cap < MR_PAGE ? 0 : f->npages;

	if (page == f->npages && !page_table_reserve(f))
		return false;
	uint8_t *p = realloc(page || !f->npages ? NULL : f->pages[0], (size_t)n * stride);
	if (!p)
		return false;
	f->pages[page] = p;
	if (f->pid_pages) {
		/* pid_pages exist only once page 0 does */
		uint32_t old = page ? 0 : f->cap;
		uint32_t *pp = realloc(page ? NULL : f->pid_pages[0], n * sizeof(*pp));
		if (!pp) {
			if (page)
				free(p);
			return false; /* a grown page 0 is kept, cap unchanged */
		}
		memset(pp + old, 0, (n - old) * sizeof(*pp));
		f->pid_pages[page] = pp;
	}
	if (page == f->npages)
		f->npages++;
	f->cap = page ? f->cap + MR_PAGE : n;
	return true;
}

/* First non-zero path ID of a family: give every page its ID page. */
static bool
pid_enable(struct mr_fam *f)
{
	uint32_t **pp = calloc(f->pages_cap, sizeof(*pp));

	if (!pp)
		return false;
	for (uint32_t i = 0; i < f->npages; i++) {
		pp[i] = calloc(f->cap < MR_PAGE ? f->cap : MR_PAGE, sizeof(uint32_t));
		if (!pp[i]) {
			while (i--)
				free(pp[i]);
			free(pp);
			return false;
		}
	}
	f->pid_pages = pp;
	return true;
}

static bool
ent_alloc(struct mr_fam *f, uint8_t af, uint32_t *idx)
{
	if (f->free_head) {
		*idx = f->free_head - 1;
		memcpy(&f->free_head, mr_ent(f, af, *idx) + ENT_ADDR, sizeof(f->free_head));
		return true;
	}
	if (f->hw >= IX_MAX_ENTRIES || (f->hw == f->cap && !fam_grow(f, af)))
		return false;
	*idx = f->hw++;
	return true;
}

static void
ent_free(struct mr_fam *f, uint8_t af, uint32_t idx)
{
	uint8_t *e = mr_ent(f, af, idx);

	memset(e + ENT_ATTR, 0, 4);
	memcpy(e + ENT_ADDR, &f->free_head, sizeof(f->free_head));
	f->free_head = idx + 1;
}

static void
fam_release(struct mr_fam *f)
{
	for (uint32_t i = 0; i < f->npages; i++) {
		free(f->pages[i]);
		if (f->pid_pages)
			free(f->pid_pages[i]);
	}
	free(f->pages);
	free(f->pid_pages);
	free(f->slots);
	memset(f, 0, sizeof(*f));
}

static size_t
fam_bytes(const struct mr_fam *f, uint8_t af)
{
	size_t per = mr_shapes[af].stride + (f->pid_pages ? sizeof(uint32_t) : 0);
	size_t tables = (size_t)f->pages_cap * sizeof(uint8_t *) * (f->pid_pages ? 2 : 1);

	return (size_t)f->cap * per + tables + (size_t)f->nslots * sizeof(uint64_t);
}

/* ---- routes ---- */

static void
route_remove(struct mirror *m, uint8_t af, uint32_t pos, uint32_t idx)
{
	struct mr_fam *f = &m->fam[af];
	uint8_t *e = mr_ent(f, af, idx);

	ix_delete(f, pos);
	mr_set_unref(&m->at, mr_ent_attr(e));
	if (e[ENT_FLAGS] & ENT_STALE)
		f->nstale--;
	ent_free(f, af, idx);
	f->count--;
}

static void
ent_fill(struct mr_fam *f, uint8_t af, uint32_t idx, const struct bgp_prefix *p, uint32_t h)
{
	const struct mr_shape *sh = &mr_shapes[af];
	uint8_t *e = mr_ent(f, af, idx);

	memcpy(e + ENT_ATTR, &h, sizeof(h));
	e[ENT_LEN] = p->len;
	e[ENT_FLAGS] = 0;
	e[ENT_NLABELS] = sh->lab_off ? p->nlabels : 0;
	e[7] = 0;
	memcpy(e + ENT_ADDR, p->addr, sh->alen);
	if (sh->rd_off)
		memcpy(e + sh->rd_off, p->rd, sizeof(p->rd));
	if (sh->lab_off)
		memcpy(e + sh->lab_off, p->labels, LABELS_LEN);
	if (f->pid_pages)
		f->pid_pages[idx >> MR_PAGE_SHIFT][idx & (MR_PAGE - 1)] = p->path_id;
}

static bool
labels_equal(uint8_t af, const uint8_t *e, const struct bgp_prefix *p)
{
	const struct mr_shape *sh = &mr_shapes[af];

	return !sh->lab_off || (e[ENT_NLABELS] == p->nlabels &&
				memcmp(e + sh->lab_off, p->labels, (size_t)p->nlabels * 3) == 0);
}

/* One UPDATE being applied. */
struct apply {
	struct mirror *m;
	uint32_t addpath_mask;
	uint32_t entries;        /* announced or withdrawn, parsed families */
	bool changed;            /* a route added, replaced, refreshed or removed */
	int err;
};

/* A route already present announced again. */
static void
route_again(struct apply *a, uint8_t af, uint32_t idx, const struct bgp_prefix *p, uint32_t h)
{
	struct mr_fam *f = &a->m->fam[af];
	uint8_t *e = mr_ent(f, af, idx);
	uint32_t old = mr_ent_attr(e);
	bool same = old == h && labels_equal(af, e, p);

	if (e[ENT_FLAGS] & ENT_STALE) {
		e[ENT_FLAGS] &= (uint8_t)~ENT_STALE;
		f->nstale--;
		a->changed = true;
	} else if (same) {
		a->m->st.dup_advertisements++;
		return;
	} else {
		a->m->st.implicit_withdraws++;
		a->changed = true;
	}
	if (same)
		return;
	mr_set_get(&a->m->at, h)->refs++;
	memcpy(e + ENT_ATTR, &h, sizeof(h));
	if (mr_shapes[af].lab_off) {
		e[ENT_NLABELS] = p->nlabels;
		memcpy(e + mr_shapes[af].lab_off, p->labels, LABELS_LEN);
	}
	mr_set_unref(&a->m->at, old);
}

static int
announce_one(struct apply *a, uint8_t af, const struct bgp_prefix *p, uint64_t hk, uint32_t h)
{
	struct mr_fam *f = &a->m->fam[af];
	struct mr_key k = { p->addr, p->rd, p->path_id, p->len };
	uint32_t pos, idx;
	bool found;

	pos = ix_probe(f, af, &k, hk, &found);
	if (found) {
		route_again(a, af, ix_idx(f->slots[pos]), p, h);
		return 0;
	}
	if (!ent_alloc(f, af, &idx))
		return -ENOMEM;
	if (p->path_id && !f->pid_pages && !pid_enable(f)) {
		ent_free(f, af, idx);
		return -ENOMEM;
	}
	ent_fill(f, af, idx, p, h);
	f->slots[pos] = ix_slot(hk, idx);
	f->count++;
	mr_set_get(&a->m->at, h)->refs++;
	a->changed = true;
	return 0;
}

/*
 * Prefixes are taken a batch at a time: the index slots of the batch,
 * then the entries they point to, are prefetched before any is looked
 * up, so that the cache misses of a batch overlap instead of queueing (a
 * full table is many times the cache).
 */
#define BATCH 8

struct batch {
	struct bgp_prefix p[BATCH];
	uint64_t h[BATCH];
};

static unsigned
batch_fill(struct batch *b, struct bgp_nlri_iter *it, const struct mr_fam *f, uint8_t af)
{
	uint32_t mask = f->nslots - 1;
	unsigned n = 0;

	while (n < BATCH && bgp_nlri_next(it, &b->p[n]) > 0) {
		const struct bgp_prefix *p = &b->p[n];
		struct mr_key k = { p->addr, p->rd, p->path_id, p->len };

		b->h[n] = key_hash(af, &k);
		if (f->nslots)
			__builtin_prefetch(&f->slots[b->h[n] & mask]);
		n++;
	}
	/* a lone prefix has nothing to overlap with */
	for (unsigned i = 0; i < n && n > 1 && f->nslots; i++) {
		uint64_t s = f->slots[b->h[i] & mask];

		if (s && ix_hash(s) == (uint32_t)b->h[i])
			__builtin_prefetch(mr_ent(f, af, ix_idx(s)));
	}
	return n;
}

static void
announce_field(struct apply *a, struct mr_akey *k, uint8_t af, struct wire_cur nlri)
{
	struct mr_attrs *at = &a->m->at;
	struct mr_fam *f = &a->m->fam[af];
	struct bgp_nlri_iter it;
	struct batch b;
	unsigned n;
	uint32_t h;
	int err = 0;

	k->af = af;
	h = mr_intern(at, k);
	if (!h) {
		a->err = -ENOMEM;
		return;
	}
	bgp_nlri_iter_init(&it, nlri, af, a->addpath_mask >> af & 1, false);
	do {
		if (!ix_reserve(f, BATCH)) {
			err = -ENOMEM;
			break;
		}
		n = batch_fill(&b, &it, f, af);
		a->entries += n;
		a->m->st.announced += n;
		for (unsigned i = 0; i < n && !err; i++)
			err = announce_one(a, af, &b.p[i], b.h[i], h);
	} while (n == BATCH && !err);
	if (err)
		a->err = err;
	if (mr_set_get(at, h)->refs == 0)
		mr_set_free(at, h);
}

static void
withdraw_field(struct apply *a, uint8_t af, struct wire_cur nlri)
{
	struct mr_fam *f = &a->m->fam[af];
	struct bgp_nlri_iter it;
	struct batch b;
	unsigned n;

	bgp_nlri_iter_init(&it, nlri, af, a->addpath_mask >> af & 1, true);
	do {
		n = batch_fill(&b, &it, f, af);
		a->entries += n;
		for (unsigned i = 0; i < n; i++) {
			const struct bgp_prefix *p = &b.p[i];
			struct mr_key k = { p->addr, p->rd, p->path_id, p->len };
			bool found = false;
			uint32_t pos = 0;

			if (f->count)
				pos = ix_probe(f, af, &k, b.h[i], &found);
			if (!found) {
				a->m->st.dup_withdraws++;
				continue;
			}
			route_remove(a->m, af, pos, ix_idx(f->slots[pos]));
			a->m->st.withdrawn++;
			a->changed = true;
		}
	} while (n == BATCH);
}

static void
announce_all(struct apply *a, const struct bgp_update *u)
{
	struct mr_akey k;
	int af = -1;

	if (u->has_reach && u->reach_nlri.left)
		af = bgp_af_index(u->reach_afi, u->reach_safi);
	if (!u->nlri.left && af < 0)
		return;
	if (!mr_akey_init(&k, u))
		return; /* not an UPDATE bgp_parse_update accepted */
	if (u->nlri.left) {
		k.nh = NULL;
		k.nh_len = 0;
		announce_field(a, &k, BGP_AF_IPV4_UNICAST, u->nlri);
	}
	if (af >= 0) {
		k.nh = u->nexthop;
		k.nh_len = u->nexthop_len;
		announce_field(a, &k, (uint8_t)af, u->reach_nlri);
	}
}

int
mirror_apply(struct mirror *m, const struct bgp_update *u, const struct bgp_caps *caps)
{
	struct apply a = { .m = m, .addpath_mask = caps ? caps->addpath_mask : 0 };

	m->st.updates++;
	if (u->is_eor) {
		int af = bgp_af_index(u->eor_afi, u->eor_safi);

		m->st.eors++;
		if (af >= 0)
			mirror_purge_stale(m, af);
		return 0;
	}
	if (u->withdrawn.left)
		withdraw_field(&a, BGP_AF_IPV4_UNICAST, u->withdrawn);
	if (u->has_unreach && u->unreach_nlri.left) {
		int af = bgp_af_index(u->unreach_afi, u->unreach_safi);
		if (af >= 0)
			withdraw_field(&a, (uint8_t)af, u->unreach_nlri);
	}
	announce_all(&a, u);
	if (a.entries && !a.changed && !a.err)
		m->st.dup_updates++;
	return a.err;
}

/* ---- families, graceful restart ---- */

/* Drop every route of one family, releasing its memory. */
static void
fam_clear(struct mirror *m, uint8_t af)
{
	struct mr_fam *f = &m->fam[af];

	for (uint32_t i = 0; i < f->hw && f->count; i++) {
		uint32_t h = mr_ent_attr(mr_ent(f, af, i));
		if (h) {
			mr_set_unref(&m->at, h);
			f->count--;
		}
	}
	fam_release(f);
}

static void
fam_mark_stale(struct mr_fam *f, uint8_t af)
{
	for (uint32_t i = 0; i < f->hw; i++) {
		uint8_t *e = mr_ent(f, af, i);
		if (mr_ent_attr(e))
			e[ENT_FLAGS] |= ENT_STALE;
	}
	f->nstale = f->count;
}

/*
 * RFC 4724 4.2: the receiver keeps the routes of the families the sender
 * preserves, as stale; the routes of any other family go at once.
 */
void
mirror_mark_stale(struct mirror *m, uint32_t af_mask)
{
	for (uint8_t af = 0; af < BGP_AF__COUNT; af++) {
		if (!m->fam[af].count)
			continue;
		if (af_mask >> af & 1)
			fam_mark_stale(&m->fam[af], af);
		else
			fam_clear(m, af);
	}
}

static void
fam_purge(struct mirror *m, uint8_t af)
{
	struct mr_fam *f = &m->fam[af];

	for (uint32_t i = 0; i < f->hw && f->nstale; i++) {
		if (!mr_ent_attr(mr_ent(f, af, i)) || !(mr_ent(f, af, i)[ENT_FLAGS] & ENT_STALE))
			continue;
		struct mr_key k = ent_key(f, af, i);
		bool found;
		uint32_t pos = ix_probe(f, af, &k, key_hash(af, &k), &found);

		route_remove(m, af, pos, i);
		m->st.stale_purged++;
	}
	if (!f->count)
		fam_release(f);
}

void
mirror_purge_stale(struct mirror *m, int af)
{
	for (uint8_t i = 0; i < BGP_AF__COUNT; i++)
		if ((af < 0 || af == i) && m->fam[i].nstale)
			fam_purge(m, i);
}

/* ---- life and counters ---- */

struct mirror *
mirror_create(void)
{
	struct mirror *m = calloc(1, sizeof(*m));

	if (!m)
		errno = ENOMEM;
	return m;
}

void
mirror_clear(struct mirror *m)
{
	for (uint8_t af = 0; af < BGP_AF__COUNT; af++)
		fam_release(&m->fam[af]);
	mr_attrs_release(&m->at);
}

void
mirror_destroy(struct mirror *m)
{
	if (!m)
		return;
	mirror_clear(m);
	free(m);
}

uint64_t
mirror_routes(const struct mirror *m)
{
	uint64_t n = 0;

	for (unsigned af = 0; af < BGP_AF__COUNT; af++)
		n += m->fam[af].count;
	return n;
}

uint64_t
mirror_routes_af(const struct mirror *m, enum bgp_af af)
{
	return (unsigned)af < BGP_AF__COUNT ? m->fam[af].count : 0;
}

uint64_t
mirror_attr_sets(const struct mirror *m)
{
	return m->at.count;
}

size_t
mirror_bytes(const struct mirror *m)
{
	size_t n = sizeof(*m) + mr_attrs_bytes(&m->at);

	for (uint8_t af = 0; af < BGP_AF__COUNT; af++)
		n += fam_bytes(&m->fam[af], af);
	return n;
}

const struct mirror_stats *
mirror_stats(const struct mirror *m)
{
	return &m->st;
}
