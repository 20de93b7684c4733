/* SPDX-License-Identifier: BSD-3-Clause */
#include "table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Length mixes in 1/10000, after the shape of public Internet tables. */
struct len_weight {
	uint8_t len;
	uint16_t w;
};

static const struct len_weight v4_mix[] = {
	{ 24, 6000 }, { 23, 1000 }, { 22, 1150 }, { 21, 550 }, { 20, 500 },
	{ 19, 350 }, { 18, 200 }, { 17, 100 }, { 16, 150 },
};

static const struct len_weight v6_mix[] = {
	{ 48, 5000 }, { 64, 300 }, { 47, 200 }, { 46, 350 }, { 45, 150 },
	{ 44, 800 }, { 43, 50 }, { 42, 150 }, { 41, 50 }, { 40, 600 },
	{ 39, 50 }, { 38, 100 }, { 37, 50 }, { 36, 400 }, { 35, 100 },
	{ 34, 100 }, { 33, 200 }, { 32, 1050 }, { 31, 50 }, { 30, 100 },
	{ 29, 150 },
};

#define V4_FIRST_OCTETS 221u     /* 1-223 without 10 and 127 */

static unsigned
bits_for(uint64_t n)
{
	unsigned b = 1;

	while (b < 64 && (1ull << b) < n)
		b++;
	return b;
}

/* A keyed bijection of [0, 2^k): add key, xorshift, odd multiply. */
static uint64_t
perm_bits(uint64_t x, unsigned k, uint64_t key)
{
	static const uint64_t mul[3] = {
		0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
	};
	uint64_t mask = k >= 64 ? ~0ull : (1ull << k) - 1;
	unsigned h = (k + 1) / 2;

	for (int r = 0; r < 3; r++) {
		x = (x + gen_mix64(key + (uint64_t)r)) & mask;
		x ^= x >> h;
		x = (x * mul[r]) & mask;
	}
	return x ^ (x >> h);
}

/* Bijection of [0, m) by cycle walking (x < m on entry). */
static uint64_t
perm_range(uint64_t x, uint64_t m, unsigned k, uint64_t key)
{
	do
		x = perm_bits(x, k, key);
	while (x >= m);
	return x;
}

static uint64_t
class_domain(int fam, uint8_t len)
{
	if (fam == GEN_FAM_V4)
		return (uint64_t)V4_FIRST_OCTETS << (len - 8);
	return 1ull << (len - 3);
}

static void
fill_classes(struct gen_family *f, int fam, uint64_t seed)
{
	const struct len_weight *mix = fam == GEN_FAM_V4 ? v4_mix : v6_mix;
	unsigned n = fam == GEN_FAM_V4 ? sizeof(v4_mix) / sizeof(v4_mix[0])
				      : sizeof(v6_mix) / sizeof(v6_mix[0]);

	f->ncls = n;
	f->big = 0;
	for (unsigned i = 0; i < n; i++) {
		struct gen_cls *c = &f->cls[i];
		c->len = mix[i].len;
		c->n = f->count * mix[i].w / 10000;
		c->domain = class_domain(fam, c->len);
		c->bits = bits_for(c->domain);
		c->key = gen_hash3(seed, (uint64_t)fam, c->len);
	}
}

/* Give rounding leftovers and overfull classes to the dominant class. */
static int
balance_classes(struct gen_family *f)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < f->ncls; i++) {
		struct gen_cls *c = &f->cls[i];
		if (i != f->big && c->n > c->domain / 2)
			c->n = c->domain / 2;
		sum += c->n;
	}
	f->cls[f->big].n += f->count - sum;
	if (f->cls[f->big].n > f->cls[f->big].domain / 2)
		return -EINVAL;
	uint64_t start = 0;
	for (unsigned i = 0; i < f->ncls; i++) {
		f->cls[i].start = start;
		start += f->cls[i].n;
	}
	return 0;
}

static int
family_init(struct gen_family *f, int fam, uint64_t seed, uint64_t count)
{
	memset(f, 0, sizeof(*f));
	f->count = count;
	f->order_bits = bits_for(count ? count : 1);
	f->order_key = gen_hash3(seed, (uint64_t)fam, 0x6f72646572ull);
	f->new_key = gen_hash3(seed, (uint64_t)fam, 0x6e6577ull);
	fill_classes(f, fam, seed);
	return balance_classes(f);
}

int
gen_universe_init(struct gen_universe *u, uint64_t seed, uint64_t p4, uint64_t p6)
{
	int rc = family_init(&u->fam[GEN_FAM_V4], GEN_FAM_V4, seed, p4);

	return rc ? rc : family_init(&u->fam[GEN_FAM_V6], GEN_FAM_V6, seed, p6);
}

static void
put_addr(int fam, uint8_t len, uint64_t v, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (fam == GEN_FAM_V4) {
		uint32_t o = (uint32_t)(v >> (len - 8)) + 1;
		o += o >= 10;
		o += o >= 127;
		uint32_t low = (uint32_t)(v & ((1ull << (len - 8)) - 1));
		wire_store_u32(addr, o << 24 | low << (32 - len));
		return;
	}
	uint64_t hi = 1ull << 61 | v << (64 - len);   /* inside 2000::/3 */
	wire_store_u32(addr, (uint32_t)(hi >> 32));
	wire_store_u32(addr + 4, (uint32_t)hi);
}

static void
class_prefix(int fam, const struct gen_cls *c, uint64_t rank, struct gen_nlri *out)
{
	uint64_t v = perm_range(rank, c->domain, c->bits, c->key);

	out->len = c->len;
	put_addr(fam, c->len, v, out->addr);
	out->path_id = 1 + (uint32_t)(gen_mix64(v ^ c->key) & 3);
}

static const struct gen_cls *
class_of(const struct gen_family *f, uint64_t j)
{
	unsigned i = 0;

	while (i + 1 < f->ncls && j >= f->cls[i + 1].start)
		i++;
	return &f->cls[i];
}

/* New prefix k: a length drawn from the mix, rank past the table's ranks. */
static bool
new_prefix(const struct gen_family *f, int fam, uint64_t k, struct gen_nlri *out)
{
	uint64_t h = gen_hash2(f->new_key, k) % 10000;
	const struct len_weight *mix = fam == GEN_FAM_V4 ? v4_mix : v6_mix;
	unsigned i = 0;

	while (i + 1 < f->ncls && h >= mix[i].w) {
		h -= mix[i].w;
		i++;
	}
	const struct gen_cls *c = &f->cls[i];
	if (c->n + k >= c->domain)
		c = &f->cls[f->big];
	if (c->n + k >= c->domain)
		return false;
	class_prefix(fam, c, c->n + k, out);
	return true;
}

bool
gen_universe_prefix(const struct gen_universe *u, int fam, uint64_t idx,
		    struct gen_nlri *out)
{
	const struct gen_family *f = &u->fam[fam];

	if (idx >= f->count)
		return new_prefix(f, fam, idx - f->count, out);
	uint64_t j = perm_range(idx, f->count, f->order_bits, f->order_key);
	const struct gen_cls *c = class_of(f, j);
	class_prefix(fam, c, j - c->start, out);
	return true;
}

void
gen_prefix_str(int fam, const struct gen_nlri *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(fam == GEN_FAM_V4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

/* ---- attribute sets ---------------------------------------------------- */

/* AS path lengths 1-12 in 1/1000: mean about 4.3 before prepending. */
static const uint16_t path_len_cum[12] = {
	30, 150, 370, 610, 780, 880, 940, 970, 985, 993, 997, 1000,
};
static const uint16_t comm_count_cum[7] = { 30, 45, 65, 80, 90, 96, 100 };
static const uint16_t origin_cum[3] = { 85, 87, 100 };

uint32_t
gen_random_asn(struct gen_rng *r)
{
	if (gen_rng_below(r, 4) == 0)
		return 131072u + (uint32_t)gen_rng_below(r, 4199999999u - 131072u + 1);
	uint32_t as = 1 + (uint32_t)gen_rng_below(r, 64495);
	return as == GEN_AS_TRANS ? as + 1 : as;
}

static void
make_path(struct gen_attrs *a, struct gen_rng *r, uint32_t sender_as)
{
	unsigned n = 1 + gen_rng_pick(r, path_len_cum, 12);

	a->as[0] = sender_as;
	for (unsigned i = 1; i < n; i++)
		a->as[i] = gen_random_asn(r);
	a->n_as = (uint8_t)n;
	if (gen_rng_below(r, 10) != 0 || n == 12)
		return;
	/* Prepending: repeat one hop 1-3 times, staying within 12 hops. */
	unsigned at = (unsigned)gen_rng_below(r, n);
	unsigned rep = 1 + (unsigned)gen_rng_below(r, 3);
	if (n + rep > 12)
		rep = 12 - n;
	memmove(&a->as[at + rep], &a->as[at], (n - at) * sizeof(a->as[0]));
	for (unsigned i = 1; i <= rep; i++)
		a->as[at + i] = a->as[at];
	a->n_as = (uint8_t)(n + rep);
}

static void
make_communities(struct gen_attrs *a, struct gen_rng *r, uint32_t sender_as)
{
	uint32_t hi = sender_as <= 0xffff ? sender_as : 64512 + (sender_as & 0x3ff);

	a->n_comm = (uint8_t)gen_rng_pick(r, comm_count_cum, 7);
	for (unsigned i = 0; i < a->n_comm; i++)
		a->comm[i] = hi << 16 | (uint32_t)gen_rng_below(r, 65536);
	a->n_lcomm = 0;
	if (gen_rng_below(r, 5) != 0)
		return;
	a->n_lcomm = (uint8_t)(1 + gen_rng_below(r, 3));
	for (unsigned i = 0; i < a->n_lcomm; i++) {
		a->lcomm[i][0] = sender_as;
		a->lcomm[i][1] = (uint32_t)gen_rng_below(r, 1000);
		a->lcomm[i][2] = (uint32_t)gen_rng_below(r, 100000);
	}
}

void
gen_attrs_make(struct gen_attrs *a, uint64_t key, uint32_t sender_as,
	       const uint8_t nh4[4], const uint8_t nh6[16])
{
	struct gen_rng r;

	gen_rng_seed(&r, key);
	memset(a, 0, sizeof(*a));
	a->origin = (uint8_t)gen_rng_pick(&r, origin_cum, 3);
	make_path(a, &r, sender_as);
	a->has_med = gen_rng_below(&r, 100) < 35;
	if (a->has_med)
		a->med = (uint32_t)gen_rng_below(&r, 1001);
	make_communities(a, &r, sender_as);
	memcpy(a->nh4, nh4, 4);
	memcpy(a->nh6, nh6, 16);
}

/* Size buckets in 1/10000; mean about 3.3 prefixes per set. */
static const struct {
	uint16_t w;
	uint16_t lo, hi;
} group_buckets[] = {
	{ 5800, 1, 1 }, { 1800, 2, 2 }, { 800, 3, 3 }, { 500, 4, 4 }, { 650, 5, 8 },
	{ 300, 9, 16 }, { 120, 17, 64 }, { 25, 65, 256 }, { 5, 257, 600 },
};

uint32_t
gen_group_size(struct gen_rng *r)
{
	uint64_t v = gen_rng_below(r, 10000);
	unsigned i = 0;

	while (v >= group_buckets[i].w) {
		v -= group_buckets[i].w;
		i++;
	}
	uint32_t span = group_buckets[i].hi - group_buckets[i].lo + 1u;
	return group_buckets[i].lo + (uint32_t)gen_rng_below(r, span);
}
