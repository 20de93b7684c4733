/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table tests, written from flowtab.h: canonical keys (both
 * directions of a connection build one key and one hash), add/find/del
 * with their error codes, and a randomized run against a plain array
 * model with hashes chosen to collide and wrap around the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/flowtab.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- key canonicalization ---- */

#define V4(a, b, c, d) { a, b, c, d }
#define V6(...) { __VA_ARGS__ }

struct key_case {
	const char *name;
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	int want_dir;              /* direction of the packet as given */
	uint8_t want_addr0[16];    /* endpoint 0 */
	uint16_t want_port0;
};

static const struct key_case key_cases[] = {
	{ "v4 lower source", 4, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 50000, 179,
	  0, V4(10, 0, 0, 1), 50000 },
	{ "v4 higher source", 4, V4(10, 0, 0, 2), V4(10, 0, 0, 1), 179, 50000,
	  1, V4(10, 0, 0, 1), 50000 },
	/* bytes compare as unsigned, first byte first: 9.255.255.255 < 10.0.0.0 */
	{ "v4 bytewise order", 4, V4(10, 0, 0, 0), V4(9, 255, 255, 255), 179, 179,
	  1, V4(9, 255, 255, 255), 179 },
	{ "v4 high bit", 4, V4(128, 0, 0, 1), V4(127, 255, 255, 255), 179, 1,
	  1, V4(127, 255, 255, 255), 1 },
	/* the address decides before the port */
	{ "v4 address before port", 4, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 65535, 1,
	  0, V4(10, 0, 0, 1), 65535 },
	{ "v4 same address, lower source port", 4, V4(10, 0, 0, 1), V4(10, 0, 0, 1),
	  179, 50000, 0, V4(10, 0, 0, 1), 179 },
	{ "v4 same address, higher source port", 4, V4(10, 0, 0, 1), V4(10, 0, 0, 1),
	  50000, 179, 1, V4(10, 0, 0, 1), 179 },
	{ "v6 lower source", 6, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1),
	  V6(0x20, 0x01, 0x0d, 0xb8, [15] = 2), 179, 40000,
	  0, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 179 },
	{ "v6 higher source, differs in the last byte", 6,
	  V6(0x20, 0x01, 0x0d, 0xb8, [15] = 2), V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 40000, 179,
	  1, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 179 },
	{ "v6 link-local vs global", 6, V6(0xfe, 0x80, [15] = 1),
	  V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 179, 179,
	  1, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 179 },
};

static struct classify_pkt
make_pkt(uint8_t family, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
	 uint16_t dport)
{
	struct classify_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = family;
	memcpy(p.src, src, 16);
	memcpy(p.dst, dst, 16);
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = CLASSIFY_TH_ACK;
	return p;
}

static struct classify_pkt
reverse(const struct classify_pkt *p)
{
	return make_pkt(p->family, p->dst, p->src, p->dport, p->sport);
}

static void
test_key_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(key_cases); i++) {
		const struct key_case *kc = &key_cases[i];
		struct classify_pkt p = make_pkt(kc->family, kc->src, kc->dst, kc->sport,
						 kc->dport);
		struct classify_pkt r = reverse(&p);
		struct flow_key k, kr;

		/* garbage first: the key must not depend on what was there */
		memset(&k, 0xa5, sizeof(k));
		memset(&kr, 0x5a, sizeof(kr));
		int d = flowtab_key(&p, &k);
		int dr = flowtab_key(&r, &kr);
		if (d != kc->want_dir || dr != 1 - kc->want_dir)
			fail_msg("case '%s': directions %d/%d", kc->name, d, dr);
		if (memcmp(&k, &kr, sizeof(k)) != 0)
			fail_msg("case '%s': both directions must build the same key", kc->name);
		if (flowtab_hash(&k) != flowtab_hash(&kr))
			fail_msg("case '%s': hash not symmetric", kc->name);
		if (memcmp(k.addr[0], kc->want_addr0, 16) != 0 || k.port[0] != kc->want_port0)
			fail_msg("case '%s': wrong endpoint 0", kc->name);
		const uint8_t *other = d == 0 ? kc->dst : kc->src;
		uint16_t other_port = d == 0 ? kc->dport : kc->sport;
		if (memcmp(k.addr[1], other, 16) != 0 || k.port[1] != other_port)
			fail_msg("case '%s': wrong endpoint 1", kc->name);
		assert_int_equal(k.family, kc->family);
		assert_int_equal(k.pad[0] | k.pad[1] | k.pad[2], 0);
	}
}

/* Keys that differ in one field only must differ (and find nothing of the other). */
static void
test_key_distinct(void **state)
{
	(void)state;
	static const uint8_t a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
	struct classify_pkt base = make_pkt(4, a, b, 50000, 179);
	struct classify_pkt v6 = make_pkt(6, a, b, 50000, 179);   /* same bytes, family 6 */
	struct classify_pkt port = make_pkt(4, a, b, 50001, 179);
	struct classify_pkt addr = make_pkt(4, a, (uint8_t[16]){ 10, 0, 0, 3 }, 50000, 179);
	struct classify_pkt *others[] = { &v6, &port, &addr };
	struct flow_key kb, ko;

	flowtab_key(&base, &kb);
	struct flowtab *ft = flowtab_create(8);
	assert_non_null(ft);
	assert_int_equal(flowtab_add(ft, &kb, flowtab_hash(&kb), (struct session *)&kb), 0);
	for (size_t i = 0; i < N(others); i++) {
		flowtab_key(others[i], &ko);
		assert_memory_not_equal(&kb, &ko, sizeof(kb));
		assert_int_not_equal(flowtab_hash(&kb), flowtab_hash(&ko));
		assert_null(flowtab_find(ft, &ko, flowtab_hash(&ko)));
		/* even forced onto the same hash, the key comparison tells them apart */
		assert_null(flowtab_find(ft, &ko, flowtab_hash(&kb)));
	}
	flowtab_destroy(ft);
}

/* ---- add / find / del ---- */

static struct flow_key
nth_key(uint32_t n)
{
	static const uint8_t a[16] = { 192, 0, 2, 1 }, b[16] = { 198, 51, 100, 1 };
	struct classify_pkt p = make_pkt(4, a, b, (uint16_t)(1024 + n), 179);
	struct flow_key k;

	p.src[2] = (uint8_t)(n >> 16);
	flowtab_key(&p, &k);
	return k;
}

static struct session *
tag(uintptr_t n)
{
	return (struct session *)(n * 16 + 16);
}

static void
test_create_bad(void **state)
{
	(void)state;
	errno = 0;
	assert_null(flowtab_create(0));
	assert_int_not_equal(errno, 0);
}

static void
test_add_find_del(void **state)
{
	(void)state;
	struct flowtab *ft = flowtab_create(4);
	struct flow_key k0 = nth_key(0), k1 = nth_key(1);
	uint32_t h0 = flowtab_hash(&k0), h1 = flowtab_hash(&k1);

	assert_non_null(ft);
	assert_int_equal(flowtab_max(ft), 4);
	assert_int_equal(flowtab_count(ft), 0);
	assert_null(flowtab_find(ft, &k0, h0));
	assert_int_equal(flowtab_del(ft, &k0, h0), -ENOENT);

	assert_int_equal(flowtab_add(ft, &k0, h0, tag(0)), 0);
	assert_int_equal(flowtab_add(ft, &k1, h1, tag(1)), 0);
	assert_int_equal(flowtab_count(ft), 2);
	assert_ptr_equal(flowtab_find(ft, &k0, h0), tag(0));
	assert_ptr_equal(flowtab_find(ft, &k1, h1), tag(1));

	/* -EEXIST leaves the first entry in place */
	assert_int_equal(flowtab_add(ft, &k0, h0, tag(7)), -EEXIST);
	assert_int_equal(flowtab_count(ft), 2);
	assert_ptr_equal(flowtab_find(ft, &k0, h0), tag(0));

	assert_int_equal(flowtab_del(ft, &k0, h0), 0);
	assert_int_equal(flowtab_del(ft, &k0, h0), -ENOENT);
	assert_int_equal(flowtab_count(ft), 1);
	assert_null(flowtab_find(ft, &k0, h0));
	assert_ptr_equal(flowtab_find(ft, &k1, h1), tag(1));
	/* re-add after delete */
	assert_int_equal(flowtab_add(ft, &k0, h0, tag(2)), 0);
	assert_ptr_equal(flowtab_find(ft, &k0, h0), tag(2));
	flowtab_destroy(ft);
}

static void
test_full(void **state)
{
	(void)state;
	enum { MAX = 5 };
	struct flowtab *ft = flowtab_create(MAX);

	assert_non_null(ft);
	for (uint32_t i = 0; i < MAX; i++) {
		struct flow_key k = nth_key(i);
		assert_int_equal(flowtab_add(ft, &k, flowtab_hash(&k), tag(i)), 0);
	}
	assert_int_equal(flowtab_count(ft), MAX);
	struct flow_key extra = nth_key(MAX), k2 = nth_key(2);
	assert_int_equal(flowtab_add(ft, &extra, flowtab_hash(&extra), tag(99)), -ENOSPC);
	assert_int_equal(flowtab_count(ft), MAX);
	assert_null(flowtab_find(ft, &extra, flowtab_hash(&extra)));
	/* an entry already in stays findable and is refused as a duplicate */
	assert_int_equal(flowtab_add(ft, &k2, flowtab_hash(&k2), tag(98)), -EEXIST);
	assert_ptr_equal(flowtab_find(ft, &k2, flowtab_hash(&k2)), tag(2));
	/* one out, one in */
	assert_int_equal(flowtab_del(ft, &k2, flowtab_hash(&k2)), 0);
	assert_int_equal(flowtab_add(ft, &extra, flowtab_hash(&extra), tag(99)), 0);
	assert_ptr_equal(flowtab_find(ft, &extra, flowtab_hash(&extra)), tag(99));
	for (uint32_t i = 0; i < MAX; i++) {
		struct flow_key k = nth_key(i);
		assert_ptr_equal(flowtab_find(ft, &k, flowtab_hash(&k)), i == 2 ? NULL : tag(i));
	}
	flowtab_destroy(ft);
}

/* ---- randomized against a model, with colliding and wrapping hashes ---- */

#define MODEL_KEYS 48
#define MODEL_MAX 16

struct model {
	struct flow_key key[MODEL_KEYS];
	uint32_t hash[MODEL_KEYS];
	bool in[MODEL_KEYS];
	uint32_t count;
};

/*
 * Hashes are the caller's: choose them so that keys pile up on a few
 * home slots, including the last ones of the table, whose probe
 * sequences wrap to slot 0. Whatever the table size (a power of two
 * >= 2 x MODEL_MAX), the low bits are all-ones, zero or one.
 */
static uint32_t
model_hash(uint32_t i)
{
	static const uint32_t homes[] = { 0xffffffffu, 0xfffffffeu, 0, 1, 0x80000000u };
	return homes[i % N(homes)] ^ (i / N(homes)) << 24;
}

static void
model_check(const struct model *m, const struct flowtab *ft)
{
	assert_int_equal(flowtab_count(ft), m->count);
	for (uint32_t i = 0; i < MODEL_KEYS; i++) {
		struct session *s = flowtab_find(ft, &m->key[i], m->hash[i]);
		if (s != (m->in[i] ? tag(i) : NULL))
			fail_msg("key %u: found %p, model says %s", i, (void *)s,
				 m->in[i] ? "present" : "absent");
	}
}

static void
model_step(struct model *m, struct flowtab *ft, uint32_t i, bool add)
{
	if (add) {
		int want = m->in[i] ? -EEXIST : m->count >= MODEL_MAX ? -ENOSPC : 0;
		assert_int_equal(flowtab_add(ft, &m->key[i], m->hash[i], tag(i)), want);
		if (want == 0) {
			m->in[i] = true;
			m->count++;
		}
	} else {
		int want = m->in[i] ? 0 : -ENOENT;
		assert_int_equal(flowtab_del(ft, &m->key[i], m->hash[i]), want);
		if (want == 0) {
			m->in[i] = false;
			m->count--;
		}
	}
}

static void
test_random_model(void **state)
{
	(void)state;
	struct model m;
	struct flowtab *ft = flowtab_create(MODEL_MAX);

	assert_non_null(ft);
	memset(&m, 0, sizeof(m));
	for (uint32_t i = 0; i < MODEL_KEYS; i++) {
		m.key[i] = nth_key(i);
		m.hash[i] = model_hash(i);
	}
	srand(20240607);
	for (int step = 0; step < 200000; step++) {
		uint32_t i = (uint32_t)rand() % MODEL_KEYS;
		/* lean towards adding so the table sits near full most of the time */
		model_step(&m, ft, i, rand() % 8 < 5);
		if (step % 97 == 0)
			model_check(&m, ft);
	}
	model_check(&m, ft);
	/* empty it in a scrambled order, checking after each delete */
	for (uint32_t n = 0; n < MODEL_KEYS; n++) {
		uint32_t i = (n * 29) % MODEL_KEYS;
		model_step(&m, ft, i, false);
		model_check(&m, ft);
	}
	assert_int_equal(flowtab_count(ft), 0);
	flowtab_destroy(ft);
}

/* Real hashes at the largest load: every key findable, then deletions keep the rest. */
static void
test_real_hash_full_load(void **state)
{
	(void)state;
	enum { MAX = 1000 };
	struct flowtab *ft = flowtab_create(MAX);

	assert_non_null(ft);
	for (uint32_t i = 0; i < MAX; i++) {
		struct flow_key k = nth_key(i);
		assert_int_equal(flowtab_add(ft, &k, flowtab_hash(&k), tag(i)), 0);
	}
	for (uint32_t i = 0; i < MAX; i += 3) {
		struct flow_key k = nth_key(i);
		assert_int_equal(flowtab_del(ft, &k, flowtab_hash(&k)), 0);
	}
	for (uint32_t i = 0; i < MAX; i++) {
		struct flow_key k = nth_key(i);
		assert_ptr_equal(flowtab_find(ft, &k, flowtab_hash(&k)), i % 3 ? tag(i) : NULL);
	}
	assert_int_equal(flowtab_count(ft), MAX - (MAX + 2) / 3);
	flowtab_destroy(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_cases),
		cmocka_unit_test(test_key_distinct),
		cmocka_unit_test(test_create_bad),
		cmocka_unit_test(test_add_find_del),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_real_hash_full_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
