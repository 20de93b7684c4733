/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptap-gen: builders against hand-assembled bytes, the table model's
 * invariants, option parsing, determinism, and an end-to-end check of a
 * generated capture by Wireshark's dissector (skipped without tshark).
 *
 * Expected frames and messages are literal arrays written from the
 * layouts of RFC 791, 8200, 9293, 4271, 4760, 6793, 7911, 8092, 1997;
 * checksums are worked out by hand in the comments next to them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench/gen/bgpmsg.h"
#include "bench/gen/gen.h"
#include "bench/gen/pkt.h"
#include "bench/gen/table.h"
#include "bench/gen/tx.h"
#include "dataplane/bgp.h"

#define BE16(x) (uint8_t)((x) >> 8), (uint8_t)(x)
#define BE32(x) (uint8_t)((x) >> 24), (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x)
#define Z4 0, 0, 0, 0
#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t v4_a[4] = { 10, 0, 0, 1 };
static const uint8_t v4_b[4] = { 10, 0, 0, 2 };
static const uint8_t v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void
assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	for (size_t i = 0; i < want_len; i++) {
		if (got[i] != want[i])
			fail_msg("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
	}
}

/* ---- packet builders ---------------------------------------------------- */

/* RFC 1071 section 3 example: words sum to 0x2ddf0, folded 0xddf2. */
static void
test_csum_rfc1071(void **state)
{
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(gen_csum_fold(gen_csum_add(0, v, sizeof(v))), 0x220d);
}

/*
 * SYN 10.0.0.1:49152 -> 10.0.0.2:179, seq 0x01020304, MSS 1448 option.
 * IPv4 checksum: 45c0+002c+1234+4000+4006+0a00+0001+0a00+0002 = ec29,
 *   ~ec29 = 13d6.
 * TCP checksum: pseudo 0a00+0001+0a00+0002+0006+0018 = 1421; header
 *   c000+00b3+0102+0304+6002+ffff+0204+05a8 = 22c66; total 24087,
 *   folded 4089, ~4089 = bf76.
 * 58 bytes, padded to the 60-byte Ethernet minimum.
 */
static const uint8_t syn_v4[] = {
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, BE16(0x0800),
	0x45, 0xc0, BE16(44), BE16(0x1234), BE16(0x4000), 64, 6, BE16(0x13d6),
	10, 0, 0, 1, 10, 0, 0, 2,
	BE16(49152), BE16(179), BE32(0x01020304), Z4, 0x60, 0x02, BE16(0xffff),
	BE16(0xbf76), BE16(0), 2, 4, BE16(1448),
	0, 0,
};

static void
test_pkt_syn_v4(void **state)
{
	static const uint8_t mss[4] = { 2, 4, BE16(1448) };
	uint8_t buf[128];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_l3 l3 = {
		.smac = mac_a, .dmac = mac_b, .src = v4_a, .dst = v4_b,
		.tos = 0xc0, .ttl = 64, .ip_id = 0x1234,
	};
	struct gen_tcp t = {
		.sport = 49152, .dport = 179, .seq = 0x01020304, .flags = GEN_TCP_SYN,
		.win = 0xffff, .opt = mss, .optlen = 4,
	};

	(void)state;
	size_t n = gen_pkt_tcp(&b, &l3, &t, NULL, 0);
	assert_bytes(buf, n, syn_v4, sizeof(syn_v4));
}

/*
 * VLAN 100, IPv6 2001:db8::2 port 179 -> 2001:db8::1 port 49152, PSH|ACK,
 * seq fffffff0, ack 10, window 0800, payload de ad be ef.
 * TCP checksum: pseudo (RFC 8200 8.1) 2001+0db8+0002 + 2001+0db8+0001
 *   + 0000+0018 + 0006 = 5b93; header+data 00b3+c000+ffff+fff0+0010
 *   +5018+0800+dead+beef = 4b666; total 511f9, folded 11fe, ~11fe = ee01.
 */
static const uint8_t ack_v6[] = {
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, BE16(0x8100), BE16(100),
	BE16(0x86dd),
	0x6c, 0x00, 0x00, 0x00, BE16(24), 6, 64,
	0x20, 0x01, 0x0d, 0xb8, Z4, Z4, 0, 0, 0, 2,
	0x20, 0x01, 0x0d, 0xb8, Z4, Z4, 0, 0, 0, 1,
	BE16(179), BE16(49152), BE32(0xfffffff0u), BE32(0x10), 0x50, 0x18, BE16(0x0800),
	BE16(0xee01), BE16(0),
	0xde, 0xad, 0xbe, 0xef,
};

static void
test_pkt_data_v6_vlan(void **state)
{
	static const uint8_t data[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t buf[128];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_l3 l3 = {
		.smac = mac_b, .dmac = mac_a, .vlan = 100, .v6 = true, .src = v6_b,
		.dst = v6_a, .tos = 0xc0, .ttl = 64,
	};
	struct gen_tcp t = {
		.sport = 179, .dport = 49152, .seq = 0xfffffff0u, .ack = 0x10,
		.flags = GEN_TCP_PSH | GEN_TCP_ACK, .win = 0x0800,
	};

	(void)state;
	size_t n = gen_pkt_tcp(&b, &l3, &t, data, sizeof(data));
	assert_bytes(buf, n, ack_v6, sizeof(ack_v6));
}

/* A frame that does not fit reports 0 and latches overflow. */
static void
test_pkt_overflow(void **state)
{
	uint8_t buf[40];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_l3 l3 = { .smac = mac_a, .dmac = mac_b, .src = v4_a, .dst = v4_b };
	struct gen_tcp t = { .sport = 1, .dport = 2 };

	(void)state;
	assert_int_equal(gen_pkt_tcp(&b, &l3, &t, NULL, 0), 0);
	assert_true(b.overflow);
}

/* Reference one's-complement sum, written apart from the code under test. */
static uint16_t
ref_verify(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint32_t s = 0;

	for (size_t i = 0; i < alen + blen; i++) {
		uint8_t v = i < alen ? a[i] : b[i - alen];
		s += (i % 2 == 0) ? (uint32_t)v << 8 : v;
	}
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)(s ^ 0xffff);
}

/* UDP over IPv4: the whole datagram with its pseudo-header verifies to 0. */
static void
test_pkt_udp_checksum_verifies(void **state)
{
	static const uint8_t data[5] = { 1, 2, 3, 4, 5 };
	uint8_t buf[128];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_l3 l3 = { .smac = mac_a, .dmac = mac_b, .src = v4_a, .dst = v4_b, .ttl = 9 };
	static const uint8_t pseudo[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 13 };

	(void)state;
	assert_int_equal(gen_pkt_udp(&b, &l3, 1000, 2000, data, sizeof(data)), 60);
	assert_int_equal(buf[23], 17);
	assert_int_equal(wire_load_u16(buf + 38), 13);
	assert_int_not_equal(wire_load_u16(buf + 40), 0);
	assert_int_equal(ref_verify(pseudo, sizeof(pseudo), buf + 34, 13), 0);
	assert_int_equal(ref_verify(buf + 14, 20, NULL, 0), 0);
}

/* ---- BGP builders ------------------------------------------------------- */

static const uint8_t keepalive[] = { MARKER, BE16(19), 4 };
static const uint8_t notif_cease[] = { MARKER, BE16(21), 3, 6, 4 };
static const uint8_t eor_v4[] = { MARKER, BE16(23), 2, BE16(0), BE16(0) };
static const uint8_t eor_v6[] = {
	MARKER, BE16(29), 2, BE16(0), BE16(6), 0x80, 15, 3, BE16(2), 1,
};

/* AS 65001, hold 90, id 192.0.2.1; MP v4, MP v6, route refresh, AS4. */
static const uint8_t open_plain[] = {
	MARKER, BE16(51), 1, 4, BE16(65001), BE16(90), 192, 0, 2, 1, 22,
	2, 20,
	1, 4, BE16(1), 0, 1,
	1, 4, BE16(2), 0, 1,
	2, 0,
	65, 4, BE32(65001),
};

/* AS 4200000001 (AS_TRANS in the 2-octet field), extended messages, ADD-PATH. */
static const uint8_t open_as4_addpath[] = {
	MARKER, BE16(63), 1, 4, BE16(23456), BE16(90), 192, 0, 2, 1, 34,
	2, 32,
	1, 4, BE16(1), 0, 1,
	1, 4, BE16(2), 0, 1,
	2, 0,
	65, 4, BE32(4200000001u),
	6, 0,
	69, 8, BE16(1), 1, 3, BE16(2), 1, 3,
};

static void
test_bgp_simple_messages(void **state)
{
	uint8_t buf[64];
	struct wire_buf b;

	(void)state;
	b = wire_buf_make(buf, sizeof(buf));
	gen_bgp_keepalive(&b);
	assert_bytes(buf, b.len, keepalive, sizeof(keepalive));
	b = wire_buf_make(buf, sizeof(buf));
	gen_bgp_notification(&b, 6, 4);
	assert_bytes(buf, b.len, notif_cease, sizeof(notif_cease));
	b = wire_buf_make(buf, sizeof(buf));
	gen_bgp_eor(&b, GEN_FAM_V4);
	assert_bytes(buf, b.len, eor_v4, sizeof(eor_v4));
	b = wire_buf_make(buf, sizeof(buf));
	gen_bgp_eor(&b, GEN_FAM_V6);
	assert_bytes(buf, b.len, eor_v6, sizeof(eor_v6));
}

static void
test_bgp_open(void **state)
{
	uint8_t buf[128];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_open o = { .asn = 65001, .hold = 90, .bgp_id = { 192, 0, 2, 1 } };

	(void)state;
	gen_bgp_open(&b, &o);
	assert_bytes(buf, b.len, open_plain, sizeof(open_plain));
	b = wire_buf_make(buf, sizeof(buf));
	o.asn = 4200000001u;
	o.addpath = true;
	o.ext_msg = true;
	gen_bgp_open(&b, &o);
	assert_bytes(buf, b.len, open_as4_addpath, sizeof(open_as4_addpath));
}

/* Cross-check: bmptap's own OPEN parser reads back what was built. */
static void
test_bgp_open_parses(void **state)
{
	struct bgp_open p;

	(void)state;
	assert_int_equal(bgp_parse_open(open_as4_addpath, sizeof(open_as4_addpath), &p), BGP_OK);
	assert_int_equal(p.asn, 4200000001u);
	assert_int_equal(p.hold_time, 90);
	assert_true(p.cap_as4);
	assert_true(p.cap_ext_msg);
	assert_true(p.cap_route_refresh);
	assert_int_equal(p.mp_mask, 1u << BGP_AF_IPV4_UNICAST | 1u << BGP_AF_IPV6_UNICAST);
	assert_int_equal(p.addpath[BGP_AF_IPV6_UNICAST], BGP_ADDPATH_SEND | BGP_ADDPATH_RECEIVE);
}

static void
attrs_sample(struct gen_attrs *a)
{
	static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	memset(a, 0, sizeof(*a));
	a->origin = 0;
	a->n_as = 2;
	a->as[0] = 65001;
	a->as[1] = 4200000000u;
	a->has_med = true;
	a->med = 50;
	a->n_comm = 1;
	a->comm[0] = 65001u << 16 | 100;
	a->n_lcomm = 1;
	a->lcomm[0][0] = 65001;
	a->lcomm[0][1] = 1;
	a->lcomm[0][2] = 2;
	a->nh4[0] = 192;
	a->nh4[3] = 1;
	a->nh4[2] = 2;
	memcpy(a->nh6, nh6, 16);
}

static void
nlri_set(struct gen_nlri *p, const char *addr, uint8_t len, uint32_t path_id)
{
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, p->addr) != 1)
		assert_int_equal(inet_pton(AF_INET6, addr, p->addr), 1);
	p->len = len;
	p->path_id = path_id;
}

#define ATTRS_V4 \
	0x40, 1, 1, 0, \
	0x40, 2, 10, 2, 2, BE32(65001), BE32(4200000000u), \
	0x40, 3, 4, 192, 0, 2, 1, \
	0x80, 4, 4, BE32(50), \
	0xc0, 8, 4, BE16(65001), BE16(100)
#define LCOMM 0xc0, 32, 12, BE32(65001), BE32(1), BE32(2)

/* 53 bytes of attributes, 12 of NLRI: 19 + 2 + 2 + 53 + 12 = 88. */
static const uint8_t upd_v4[] = {
	MARKER, BE16(88), 2, BE16(0), BE16(53), ATTRS_V4, LCOMM,
	16, 10, 1, 24, 198, 51, 100, 25, 203, 0, 113, 128,
};

static const uint8_t wd_v4[] = {
	MARKER, BE16(30), 2, BE16(7), 16, 10, 1, 24, 198, 51, 100, BE16(0),
};

/*
 * IPv6: ORIGIN, AS_PATH (4), MP_REACH (14), LARGE_COMMUNITY (32) in type
 * order; MP_REACH value 2+1+1+16+1 + 7 of NLRI = 28.
 */
static const uint8_t upd_v6[] = {
	MARKER, BE16(82), 2, BE16(0), BE16(59),
	0x40, 1, 1, 0,
	0x40, 2, 6, 2, 1, BE32(65001),
	0x80, 14, 28, BE16(2), 1, 16, 0x20, 0x01, 0x0d, 0xb8, Z4, Z4, 0, 0, 0, 1, 0,
	48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
	LCOMM,
};

/* ADD-PATH withdraw: MP_UNREACH value 3 + path id 4 + 1 + 6 = 14. */
static const uint8_t wd_v6_addpath[] = {
	MARKER, BE16(40), 2, BE16(0), BE16(17),
	0x80, 15, 14, BE16(2), 1, BE32(7), 48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
};

static void
test_bgp_update_v4(void **state)
{
	uint8_t buf[256];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_attrs a;
	struct gen_nlri p[3];
	struct gen_update u = { .fam = GEN_FAM_V4, .attrs = &a, .pfx = p, .n = 3, .max_len = 4096 };

	(void)state;
	attrs_sample(&a);
	nlri_set(&p[0], "10.1.0.0", 16, 0);
	nlri_set(&p[1], "198.51.100.0", 24, 0);
	nlri_set(&p[2], "203.0.113.128", 25, 0);
	assert_int_equal(gen_bgp_update(&b, &u), 3);
	assert_bytes(buf, b.len, upd_v4, sizeof(upd_v4));
	b = wire_buf_make(buf, sizeof(buf));
	u.attrs = NULL;
	u.n = 2;
	assert_int_equal(gen_bgp_update(&b, &u), 2);
	assert_bytes(buf, b.len, wd_v4, sizeof(wd_v4));
}

static void
test_bgp_update_v6(void **state)
{
	uint8_t buf[256];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_attrs a;
	struct gen_nlri p;
	struct gen_update u = { .fam = GEN_FAM_V6, .attrs = &a, .pfx = &p, .n = 1, .max_len = 4096 };

	(void)state;
	attrs_sample(&a);
	a.n_as = 1;
	a.has_med = false;
	a.n_comm = 0;
	nlri_set(&p, "2001:db8:1::", 48, 7);
	assert_int_equal(gen_bgp_update(&b, &u), 1);
	assert_bytes(buf, b.len, upd_v6, sizeof(upd_v6));
	b = wire_buf_make(buf, sizeof(buf));
	u.attrs = NULL;
	u.addpath = true;
	assert_int_equal(gen_bgp_update(&b, &u), 1);
	assert_bytes(buf, b.len, wd_v6_addpath, sizeof(wd_v6_addpath));
}

/* 2000 /24s with 53 bytes of attributes: (4096 - 76) / 4 = 1005 fit. */
static void
test_bgp_update_fills_4096(void **state)
{
	static struct gen_nlri p[2000];
	static uint8_t buf[8192];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_attrs a;
	struct gen_update u = { .fam = GEN_FAM_V4, .attrs = &a, .pfx = p, .n = 2000, .max_len = 4096 };

	(void)state;
	attrs_sample(&a);
	for (unsigned i = 0; i < 2000; i++) {
		p[i].len = 24;
		wire_store_u32(p[i].addr, 0x0b000000u + (i << 8));
	}
	assert_int_equal(gen_bgp_update(&b, &u), 1005);
	assert_int_equal(b.len, 4096);
	assert_int_equal(wire_load_u16(buf + 16), 4096);
}

/* MP_REACH over 255 bytes takes the extended-length flag and a 2-byte length. */
static void
test_bgp_update_extlen(void **state)
{
	static uint8_t buf[1024];
	struct gen_nlri p[60];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	struct gen_attrs a;
	struct gen_update u = { .fam = GEN_FAM_V6, .attrs = &a, .pfx = p, .n = 60, .max_len = 4096 };

	(void)state;
	attrs_sample(&a);
	a.n_as = 1;
	a.has_med = false;
	a.n_comm = 0;
	a.n_lcomm = 0;
	for (unsigned i = 0; i < 60; i++)
		nlri_set(&p[i], "2001:db8::", 48, 0), p[i].addr[5] = (uint8_t)i;
	assert_int_equal(gen_bgp_update(&b, &u), 60);
	/* header 19, lengths 4, ORIGIN 4, AS_PATH 9: MP_REACH at 36. */
	assert_int_equal(buf[36], 0x90);
	assert_int_equal(buf[37], 14);
	assert_int_equal(wire_load_u16(buf + 38), 21 + 60 * 7);
	assert_int_equal(b.len, 36 + 4 + 21 + 420);
}

/* Cross-check: bmptap's UPDATE parser and NLRI iterator read the prefixes back. */
static void
test_bgp_update_parses(void **state)
{
	struct bgp_caps caps = {
		.as4 = true, .af_mask = 1u << BGP_AF_IPV4_UNICAST | 1u << BGP_AF_IPV6_UNICAST,
	};
	struct bgp_update up;
	struct bgp_nlri_iter it;
	struct bgp_prefix pf;

	(void)state;
	assert_int_equal(bgp_parse_update(upd_v4, sizeof(upd_v4), &caps, &up), BGP_OK);
	bgp_nlri_iter_init(&it, up.nlri, BGP_AF_IPV4_UNICAST, false, false);
	assert_int_equal(bgp_nlri_next(&it, &pf), 1);
	assert_int_equal(pf.len, 16);
	assert_int_equal(bgp_nlri_next(&it, &pf), 1);
	assert_int_equal(bgp_nlri_next(&it, &pf), 1);
	assert_int_equal(pf.len, 25);
	assert_int_equal(pf.addr[3], 128);
	assert_int_equal(bgp_nlri_next(&it, &pf), 0);
	assert_int_equal(bgp_parse_update(upd_v6, sizeof(upd_v6), &caps, &up), BGP_OK);
	assert_true(up.has_reach);
	assert_int_equal(up.reach_afi, 2);
	assert_int_equal(bgp_parse_update(eor_v6, sizeof(eor_v6), &caps, &up), BGP_OK);
	assert_true(up.is_eor);
}

/* ---- table model -------------------------------------------------------- */

static int
cmp_nlri(const void *x, const void *y)
{
	const struct gen_nlri *a = x, *b = y;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->len - (int)b->len;
}

static bool
host_bits_clear(const struct gen_nlri *p)
{
	for (unsigned bit = p->len; bit < 128; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/* Table and new prefixes: all distinct, canonical, in public space. */
static void
check_family(const struct gen_universe *u, int fam, uint64_t count, unsigned dominant,
	     unsigned dominant_pct)
{
	uint64_t total = count + 2000, ndom = 0;
	struct gen_nlri *p = calloc(total, sizeof(*p));

	assert_non_null(p);
	for (uint64_t i = 0; i < total; i++) {
		assert_true(gen_universe_prefix(u, fam, i, &p[i]));
		p[i].path_id = 0;
		assert_true(host_bits_clear(&p[i]));
		if (fam == GEN_FAM_V4) {
			assert_true(p[i].len >= 16 && p[i].len <= 24);
			assert_true(p[i].addr[0] >= 1 && p[i].addr[0] <= 223);
			assert_true(p[i].addr[0] != 10 && p[i].addr[0] != 127);
		} else {
			assert_true(p[i].len >= 29 && p[i].len <= 64);
			assert_int_equal(p[i].addr[0] >> 5, 1); /* 2000::/3 */
		}
		ndom += i < count && p[i].len == dominant;
	}
	assert_int_equal(ndom * 100 / count, dominant_pct);
	qsort(p, total, sizeof(*p), cmp_nlri);
	for (uint64_t i = 1; i < total; i++)
		assert_int_not_equal(cmp_nlri(&p[i - 1], &p[i]), 0);
	free(p);
}

static void
test_universe_distinct(void **state)
{
	struct gen_universe u;

	(void)state;
	assert_int_equal(gen_universe_init(&u, 42, 50000, 20000), 0);
	check_family(&u, GEN_FAM_V4, 50000, 24, 60);
	check_family(&u, GEN_FAM_V6, 20000, 48, 50);
}

static void
test_universe_seed_matters(void **state)
{
	struct gen_universe u1, u2;
	struct gen_nlri a, b;
	unsigned same = 0;

	(void)state;
	assert_int_equal(gen_universe_init(&u1, 1, 1000, 0), 0);
	assert_int_equal(gen_universe_init(&u2, 2, 1000, 0), 0);
	for (uint64_t i = 0; i < 1000; i++) {
		gen_universe_prefix(&u1, GEN_FAM_V4, i, &a);
		gen_universe_prefix(&u2, GEN_FAM_V4, i, &b);
		same += a.len == b.len && memcmp(a.addr, b.addr, 4) == 0;
	}
	assert_true(same < 10);
}

static void
test_universe_too_large(void **state)
{
	struct gen_universe u;

	(void)state;
	assert_int_equal(gen_universe_init(&u, 1, 30000000, 0), -22);
}

static void
test_prefix_str(void **state)
{
	struct gen_nlri p;
	char s[64];

	(void)state;
	nlri_set(&p, "2001:db8:1::", 48, 0);
	gen_prefix_str(GEN_FAM_V6, &p, s, sizeof(s));
	assert_string_equal(s, "2001:db8:1::/48");
	nlri_set(&p, "198.51.100.0", 24, 0);
	gen_prefix_str(GEN_FAM_V4, &p, s, sizeof(s));
	assert_string_equal(s, "198.51.100.0/24");
}

/* About 3 prefixes per set, most sets small, a tail into the hundreds. */
static void
test_group_sizes(void **state)
{
	struct gen_rng r;
	uint64_t sum = 0, big = 0, ones = 0, max = 0;

	(void)state;
	gen_rng_seed(&r, 9);
	for (int i = 0; i < 200000; i++) {
		uint32_t n = gen_group_size(&r);
		sum += n;
		big += n >= 100;
		ones += n == 1;
		max = n > max ? n : max;
	}
	assert_true(sum >= 200000 * 28 / 10 && sum <= 200000 * 38 / 10);
	assert_true(ones > 100000);
	assert_true(big > 20);
	assert_true(max <= 600);
}

static void
test_attrs_shape(void **state)
{
	static const uint8_t nh4[4] = { 10, 0, 0, 1 };
	struct gen_attrs a;
	uint64_t hops = 0, four = 0, comms = 0;

	(void)state;
	for (uint64_t k = 0; k < 20000; k++) {
		gen_attrs_make(&a, k, 4200000001u, nh4, v6_a);
		assert_true(a.n_as >= 1 && a.n_as <= 12);
		assert_int_equal(a.as[0], 4200000001u);
		assert_true(a.n_comm <= 6 && a.n_lcomm <= 3);
		assert_true(a.origin <= 2);
		hops += a.n_as;
		comms += a.n_comm;
		for (unsigned i = 1; i < a.n_as; i++)
			four += a.as[i] > 0xffff;
	}
	assert_true(hops >= 20000 * 4 && hops <= 20000 * 5);  /* mean 4-5 */
	assert_true(four > 0);
	assert_true(comms > 20000);
}

/* ---- options ------------------------------------------------------------ */

static int
parse(struct gen_opts *o, const char *line, char *err, size_t errlen)
{
	static char copy[512];
	char *argv[64];
	int argc = 0;

	snprintf(copy, sizeof(copy), "bmptap-gen %s", line);
	for (char *t = strtok(copy, " "); t && argc < 63; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	int rc = gen_opts_parse(o, argc, argv, devnull, err, errlen);
	fclose(devnull);
	return rc;
}

static void
test_opts_should_parse(void **state)
{
	struct gen_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(&o, "--pcap x.pcap", err, sizeof(err)), 0);
	assert_int_equal(o.sessions, 1);
	assert_int_equal(o.ipv4, 1100000);
	assert_int_equal(o.ipv6, 300000);
	assert_int_equal(o.pps, 1000000);
	assert_int_equal(parse(&o, "--sessions 8 --receivers 4 --ipv4 2k --ipv6 1M --seed 9 "
			       "--pcap p --truth t --transport v6 --isn-wrap --addpath --ext-msg "
			       "--one-way --churn 50 --churn-seconds 1.5 --resets 2 "
			       "--background 0.25 --background-kind 64 --loss 0.01 --reorder 0.002 "
			       "--mss 1000 --vlan 42 --bps 10G --passes 3", err, sizeof(err)), 0);
	assert_int_equal(o.sessions, 8);
	assert_int_equal(o.receivers, 4);
	assert_int_equal(o.ipv4, 2000);
	assert_int_equal(o.ipv6, 1000000);
	assert_int_equal(o.transport, GEN_TR_V6);
	assert_true(o.isn_wrap && o.addpath && o.ext_msg && o.one_way);
	assert_int_equal(o.churn_ms, 1500);
	assert_int_equal(o.bg_ppm, 250000);
	assert_int_equal(o.bg_kind, GEN_BG_64);
	assert_int_equal(o.loss_ppm, 10000);
	assert_int_equal(o.reorder_ppm, 2000);
	assert_int_equal(o.vlan, 42);
	assert_int_equal(o.bps, 10000000000ull);
	assert_int_equal(o.pps, 0);
	assert_int_equal(o.passes, 3);
	assert_string_equal(o.truth, "t");
}

static void
test_opts_should_error(void **state)
{
	static const struct {
		const char *line;
		const char *needle;
	} bad[] = {
		{ "", "--pcap" },
		{ "--pcap p --sessions 0", "--sessions" },
		{ "--pcap p --sessions abc", "--sessions" },
		{ "--pcap p --ipv4 -5", "--ipv4" },
		{ "--pcap p --ipv4 9000000", "--ipv4" },
		{ "--pcap p --background 1", "--background" },
		{ "--pcap p --background-kind huge", "--background-kind" },
		{ "--pcap p --transport v5", "--transport" },
		{ "--pcap p --vlan 4095", "--vlan" },
		{ "--pcap p --pps 1M --bps 1G", "exclude" },
		{ "--pcap p --receivers 3", "--receivers" },
		{ "--pcap p --frobnicate", "--frobnicate" },
		{ "--pcap p extra", "extra" },
		{ "--pcap p --loss x", "--loss" },
		{ "--pcap p --churn-seconds -1", "--churn-seconds" },
		{ "--pcap", "--pcap" },
	};
	struct gen_opts o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(&o, bad[i].line, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].line);
		if (strstr(err, bad[i].needle) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].line, err, bad[i].needle);
	}
}

static void
test_opts_help(void **state)
{
	struct gen_opts o;
	char err[64];

	(void)state;
	assert_int_equal(parse(&o, "--help", err, sizeof(err)), 1);
}

/* ---- --tx: pacer, options, EAL command line, sink ------------------------ */

/* Clock steps: 1/pps, or (len + 24 bytes) x 8 bits at bps, in ps. */
static void
test_pace_gap(void **state)
{
	(void)state;
	assert_int_equal(gen_pace_gap_ps(5000, 0, 1500), 200000000ull);    /* 200 us */
	assert_int_equal(gen_pace_gap_ps(1000000, 0, 60), 1000000ull);      /* 1 us */
	/* 101 + 24 = 125 bytes = 1000 bits at 1 Mbit/s: 1 ms */
	assert_int_equal(gen_pace_gap_ps(0, 1000000, 101), 1000000000ull);
	/* 60 + 24 = 84 bytes = 672 bits at 10 Gbit/s: 67.2 ns */
	assert_int_equal(gen_pace_gap_ps(0, 10000000000ull, 60), 67200ull);
	/* bps wins when both are set, as --bps clears pps */
	assert_int_equal(gen_pace_gap_ps(5, 1000000, 101), 1000000000ull);
}

/*
 * Frames allowed = leading frames stamped at or before the elapsed time.
 * 5000 pps on a 2 GHz TSC: one frame per 200 us = 400000 cycles.
 * 1 Mbit/s on a 3 GHz TSC, frames of 101, 60, 101 bytes: stamped 0,
 * 1 ms (1000 bits), 1.672 ms (+672 bits) = 0, 3000000, 5016000 cycles.
 */
static void
test_pace_allowed(void **state)
{
	static const uint64_t pps_ts[32] = {
		0, 200000000ull, 400000000ull, 600000000ull, 800000000ull, 1000000000ull,
		[31] = 6200000000ull,
	};
	static const uint64_t bps_ts[3] = { 0, 1000000000ull, 1672000000ull };
	static const struct {
		uint64_t hz;
		uint64_t elapsed;
		const uint64_t *ts;
		unsigned n;
		unsigned want;
	} cases[] = {
		{ 2000000000ull, 0, pps_ts, 6, 1 },
		{ 2000000000ull, 399999, pps_ts, 6, 1 },
		{ 2000000000ull, 400000, pps_ts, 6, 2 },
		{ 2000000000ull, 1000000, pps_ts, 6, 3 },
		{ 2000000000ull, 2000000, pps_ts, 6, 6 },
		{ 2000000000ull, 2000000000ull, pps_ts, 6, 6 },     /* never past n */
		{ 2000000000ull, 0, pps_ts, 0, 0 },
		{ 3000000000ull, 2999999, bps_ts, 3, 1 },
		{ 3000000000ull, 3000000, bps_ts, 3, 2 },
		{ 3000000000ull, 5015999, bps_ts, 3, 2 },
		{ 3000000000ull, 5016000, bps_ts, 3, 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got = gen_pace_allowed(cases[i].hz, cases[i].elapsed, cases[i].ts,
						cases[i].n);
		if (got != cases[i].want)
			fail_msg("case %zu: %u frames allowed, want %u", i, got, cases[i].want);
	}
}

/* Due times round up, elapsed times down: a frame is never early. */
static void
test_pace_rounding(void **state)
{
	static const uint64_t one_us = 1000000ull;

	(void)state;
	assert_int_equal(gen_pace_cycles(3000000000ull, one_us), 3000);
	assert_int_equal(gen_pace_cycles(3000000000ull, 1), 1);         /* 0.003 -> 1 */
	/* 2.5 GHz + 1 Hz: 1 us = 2500.000001 cycles -> 2501 */
	assert_int_equal(gen_pace_cycles(2500000001ull, one_us), 2501);
	assert_int_equal(gen_pace_allowed(2500000001ull, 2500, &one_us, 1), 0);
	assert_int_equal(gen_pace_allowed(2500000001ull, 2501, &one_us, 1), 1);
	/* an hour at 3 GHz: 1.08e13 cycles x 1e12 does not fit 64 bits */
	assert_int_equal(gen_pace_ps(3000000000ull, 10800000000000ull), 3600000000000000ull);
	assert_int_equal(gen_pace_cycles(3000000000ull, 3600000000000000ull),
			 10800000000000ull);
}

static void
test_tx_opts_should_parse(void **state)
{
	struct gen_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(&o, "--tx --ipv4 10", err, sizeof(err)), 0);
	assert_true(o.tx && !o.paced);
	assert_null(o.pcap);
	assert_null(o.sink);
	assert_int_equal(o.tx_port, 0);
	assert_int_equal(o.passes, 1);
	assert_int_equal(parse(&o, "--tx --port 3 --pps 5k --loop 4 --passes 2", err,
			       sizeof(err)), 0);
	assert_true(o.tx && o.paced);
	assert_int_equal(o.tx_port, 3);
	assert_int_equal(o.pps, 5000);
	assert_int_equal(o.loop, 4);
	assert_int_equal(o.passes, 8);         /* each loop a whole new lifecycle */
	assert_int_equal(parse(&o, "--tx --bps 1G", err, sizeof(err)), 0);
	assert_true(o.paced);
	assert_int_equal(o.bps, 1000000000ull);
	assert_int_equal(o.pps, 0);
	assert_int_equal(parse(&o, "--pcap p --pps 5k", err, sizeof(err)), 0);
	assert_false(o.tx);
}

static void
test_tx_opts_should_error(void **state)
{
	static const struct {
		const char *line;
		const char *needle;
	} bad[] = {
		{ "--tx --pcap p", "--pcap and --tx exclude" },
		{ "--pcap p --tx", "--pcap and --tx exclude" },
		{ "--pcap p --port 1", "--port needs --tx" },
		{ "--pcap p --loop 2", "--loop needs --tx" },
		{ "--port 1", "--tx" },
		{ "--tx --port 1024", "--port: 1024 is out of range" },
		{ "--tx --port eth0", "--port: 'eth0' is not a number" },
		{ "--tx --loop 0", "--loop: 0 is out of range" },
		{ "--tx --loop", "'--loop' needs a value" },
		{ "--tx --passes 200 --loop 100", "--passes x --loop exceeds 10000" },
		{ "--tx --pps 1k --bps 1M", "exclude" },
		{ "--tx --pps 0", "--pps" },
		{ "--tx --resets 3 --loop 5000", "connections per session" },
	};
	struct gen_opts o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(&o, bad[i].line, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].line);
		if (strstr(err, bad[i].needle) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].line, err, bad[i].needle);
	}
}

static void
assert_argv(const struct gen_eal *e, const char *const *want)
{
	int n = 0;

	while (want[n])
		n++;
	if (e->argc != n)
		fail_msg("%d EAL arguments, want %d (last: %s)", e->argc, n,
			 e->argc ? e->argv[e->argc - 1] : "-");
	for (int i = 0; i < n; i++)
		if (strcmp(e->argv[i], want[i]) != 0)
			fail_msg("EAL argument %d: '%s', want '%s'", i, e->argv[i], want[i]);
	assert_null(e->argv[n]);
}

/* bmptapd's policy: memory, prefix, log level, PCI scan, lcore placement. */
static void
test_eal_defaults(void **state)
{
	static char *none[] = { NULL };
	static char *vdev[] = { "--vdev", "net_null0" };
	static char *all[] = { "-a", "0000:01:00.0", "--vdev", "x", "-m", "1024",
			       "--file-prefix", "mine", "--log-level=debug", "-l", "1" };
	static char *eq[] = { "--socket-mem=1024", "--lcores=1@2", "--file-prefix=p",
			      "--no-pci" };
	static const char *const want_none[] = {
		"bmptap-gen", "--no-huge", "-m", "512", "--no-shconf",
		"--file-prefix=bmptap-gen-42", "--log-level=notice",
		"--log-level=lib.telemetry:error", "--lcores=0@(0,1)", NULL };
	static const char *const want_vdev[] = {
		"bmptap-gen", "--vdev", "net_null0", "--in-memory", "--file-prefix=bmptap-gen-7",
		"--log-level=notice", "--log-level=lib.telemetry:error", "--no-pci", NULL };
	static const char *const want_all[] = {
		"bmptap-gen", "-a", "0000:01:00.0", "--vdev", "x", "-m", "1024", "--file-prefix",
		"mine", "--log-level=debug", "-l", "1", NULL };
	static const char *const want_eq[] = {
		"bmptap-gen", "--socket-mem=1024", "--lcores=1@2", "--file-prefix=p", "--no-pci",
		"--log-level=notice", "--log-level=lib.telemetry:error", NULL };
	struct gen_eal e;

	(void)state;
	assert_int_equal(gen_eal_build(&e, "bmptap-gen", 0, none, false, 42, "0,1"), 0);
	assert_argv(&e, want_none);
	gen_eal_free(&e);
	assert_int_equal(gen_eal_build(&e, "bmptap-gen", 2, vdev, true, 7, NULL), 0);
	assert_argv(&e, want_vdev);
	gen_eal_free(&e);
	assert_int_equal(gen_eal_build(&e, "bmptap-gen", 11, all, false, 1, "0-3"), 0);
	assert_argv(&e, want_all);
	gen_eal_free(&e);
	assert_int_equal(gen_eal_build(&e, "bmptap-gen", 4, eq, false, 1, "0"), 0);
	assert_argv(&e, want_eq);
	gen_eal_free(&e);
}

static void
test_eal_split_and_limits(void **state)
{
	static char *a[] = { "bmptap-gen", "--vdev", "net_null0", "--", "--tx", "--", NULL };
	static char *b[] = { "bmptap-gen", "--tx", NULL };
	static char *c[] = { "bmptap-gen", "--", "--tx", NULL };
	char *many[GEN_EAL_MAX];
	struct gen_eal e;

	(void)state;
	assert_int_equal(gen_eal_split(6, a), 3);
	assert_int_equal(gen_eal_split(2, b), 0);
	assert_int_equal(gen_eal_split(3, c), 1);
	for (int i = 0; i < GEN_EAL_MAX; i++)
		many[i] = "--vdev";
	assert_int_equal(gen_eal_build(&e, "g", GEN_EAL_MAX, many, false, 1, NULL), -E2BIG);
	assert_int_equal(e.argc, 0);
}

/* 1000 frames of 100 bytes in 0.5 s: 2 kpps, (100 + 24) x 8 x 2000 bit/s. */
static void
test_tx_summary(void **state)
{
	struct gen_tx_stats st = { .frames = 1000, .bytes = 100000, .bursts = 40, .retries = 3,
				   .not_sent = 2, .port_opackets = 1000, .seconds = 0.5 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	gen_tx_summary_print(f, "net_null0", &st);
	fclose(f);
	assert_non_null(strstr(buf, "tx net_null0: 1000 frames, 100000 bytes sent in 0.500 s"));
	assert_non_null(strstr(buf, "2.000 kpps"));
	assert_non_null(strstr(buf, "1.984 Mbit/s on the wire"));
	assert_non_null(strstr(buf, "3 retries, 2 not sent"));
	free(buf);
}

/* ---- whole runs --------------------------------------------------------- */

struct run_dir {
	char path[64];
};

static int
setup_dir(void **state)
{
	struct run_dir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	strcpy(d->path, "/tmp/gen_test.XXXXXX");
	if (mkdtemp(d->path) == NULL)
		return -1;
	*state = d;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct run_dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void
run_gen(const char *dir, const char *name, const char *args, struct gen_summary *sum)
{
	char line[512], err[256];
	struct gen_opts o;

	snprintf(line, sizeof(line), "--quiet --pcap %s/%s.pcap --truth %s/%s.truth %s", dir,
		 name, dir, name, args);
	if (parse(&o, line, err, sizeof(err)) != 0)
		fail_msg("options: %s", err);
	if (gen_run(&o, sum, err, sizeof(err)) != 0)
		fail_msg("gen_run: %s", err);
}

static uint8_t *
slurp(const char *dir, const char *name, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(*len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, *len, f), *len);
	p[*len] = 0;
	fclose(f);
	return p;
}

#define DET_ARGS "--sessions 3 --ipv4 3000 --ipv6 700 --churn 20 --churn-seconds 40 " \
	"--resets 1 --background 0.3 --loss 0.01 --reorder 0.01 --isn-wrap"

static void
test_deterministic(void **state)
{
	struct run_dir *d = *state;
	struct gen_summary s;
	size_t la, lb, lc, ta, tb;

	run_gen(d->path, "a", "--seed 5 " DET_ARGS, &s);
	assert_true(s.st.dropped > 0 && s.st.reordered > 0 && s.st.bg_frames > 0);
	run_gen(d->path, "b", "--seed 5 " DET_ARGS, &s);
	run_gen(d->path, "c", "--seed 6 " DET_ARGS, &s);
	uint8_t *a = slurp(d->path, "a.pcap", &la);
	uint8_t *b = slurp(d->path, "b.pcap", &lb);
	uint8_t *c = slurp(d->path, "c.pcap", &lc);
	uint8_t *at = slurp(d->path, "a.truth", &ta);
	uint8_t *bt = slurp(d->path, "b.truth", &tb);
	assert_true(la == lb && memcmp(a, b, la) == 0);
	assert_true(ta == tb && memcmp(at, bt, ta) == 0);
	assert_true(la != lc || memcmp(a, c, la) != 0);
	free(a), free(b), free(c), free(at), free(bt);
}

/* pcap header (little-endian, microseconds, Ethernet) and the first record. */
static void
test_pcap_layout(void **state)
{
	static const uint8_t hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, Z4, Z4, 0, 0, 4, 0, 1, 0, 0, 0,
	};
	struct run_dir *d = *state;
	struct gen_summary s;
	size_t len;

	run_gen(d->path, "h", "--ipv4 10 --ipv6 10 --pps 1000", &s);
	uint8_t *p = slurp(d->path, "h.pcap", &len);
	assert_int_equal(len, s.pcap_bytes);
	assert_bytes(p, 24, hdr, sizeof(hdr));
	/* Second record 1 ms after the first at 1000 pps. */
	uint32_t caplen = p[32] | p[33] << 8;
	const uint8_t *r2 = p + 24 + 16 + caplen;
	uint32_t us1 = p[28] | p[29] << 8 | p[30] << 16 | (uint32_t)p[31] << 24;
	uint32_t us2 = r2[4] | r2[5] << 8 | r2[6] << 16 | (uint32_t)r2[7] << 24;
	assert_int_equal((us2 + 1000000 - us1) % 1000000, 1000);
	assert_int_equal(caplen, 66);  /* SYN with 12 bytes of options */
	assert_int_equal(p[40 + 47], GEN_TCP_SYN);
	free(p);
}

/* ---- end to end through Wireshark ---------------------------------------- */

#define PSET_CAP 65536u          /* per direction; the e2e tables are small */
#define TSHARK "tshark -n -o bgp.asn_len:4 -o ip.check_checksum:TRUE " \
	"-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -r "

struct pkey {
	bool used;
	bool present;
	uint8_t len;
	uint8_t addr[16];
};

/* What the dissector says one session direction announced. */
struct edir {
	char src[48];
	char dst[48];
	struct pkey *set;
	uint64_t live[2];
	uint64_t ann[2];
	uint64_t wd[2];
};

struct e2e {
	struct edir d[8];
	unsigned n;
	char src[48];
	char dst[48];
	bool ack;
	int plen;
};

static struct pkey *
pset_slot(struct pkey *set, uint8_t len, const uint8_t *addr)
{
	uint32_t h = len;

	for (int i = 0; i < 16; i++)
		h = h * 31 + addr[i];
	for (uint32_t i = h;; i++) {
		struct pkey *k = &set[i & (PSET_CAP - 1)];
		if (!k->used || (k->len == len && memcmp(k->addr, addr, 16) == 0))
			return k;
	}
}

static struct edir *
edir_get(struct e2e *e, const char *src, const char *dst, bool create)
{
	for (unsigned i = 0; i < e->n; i++)
		if (strcmp(e->d[i].src, src) == 0 && strcmp(e->d[i].dst, dst) == 0)
			return &e->d[i];
	if (!create || e->n == 8)
		return NULL;
	struct edir *d = &e->d[e->n++];
	snprintf(d->src, sizeof(d->src), "%s", src);
	snprintf(d->dst, sizeof(d->dst), "%s", dst);
	d->set = calloc(PSET_CAP, sizeof(*d->set));
	assert_non_null(d->set);
	return d;
}

static int
to_addr(const char *s, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return GEN_FAM_V4;
	assert_int_equal(inet_pton(AF_INET6, s, addr), 1);
	return GEN_FAM_V6;
}

static void
prefix_event(struct e2e *e, const char *show, bool announce)
{
	struct edir *d = edir_get(e, e->src, e->dst, true);
	uint8_t addr[16];
	int fam = to_addr(show, addr);
	struct pkey *k = pset_slot(d->set, (uint8_t)e->plen, addr);

	k->used = true;
	k->len = (uint8_t)e->plen;
	memcpy(k->addr, addr, 16);
	if (k->present != announce)
		d->live[fam] += announce ? 1 : (uint64_t)-1;
	k->present = announce;
	(announce ? d->ann : d->wd)[fam]++;
}

/* A SYN starts a new connection: the receiver's Adj-RIB-In starts empty. */
static void
syn_seen(struct e2e *e)
{
	struct edir *pair[2] = { edir_get(e, e->src, e->dst, false),
				 edir_get(e, e->dst, e->src, false) };

	for (int i = 0; i < 2; i++) {
		if (pair[i] == NULL)
			continue;
		memset(pair[i]->set, 0, PSET_CAP * sizeof(struct pkey));
		pair[i]->live[0] = pair[i]->live[1] = 0;
	}
}

static void
on_field(struct e2e *e, const char *name, const char *show)
{
	if (!strcmp(name, "ip.src") || !strcmp(name, "ipv6.src"))
		snprintf(e->src, sizeof(e->src), "%.47s", show);
	else if (!strcmp(name, "ip.dst") || !strcmp(name, "ipv6.dst"))
		snprintf(e->dst, sizeof(e->dst), "%.47s", show);
	else if (!strcmp(name, "tcp.flags.ack"))
		e->ack = show[0] == '1';
	else if (!strcmp(name, "tcp.flags.syn") && show[0] == '1' && !e->ack)
		syn_seen(e);
	else if (!strcmp(name, "bgp.prefix_length"))
		e->plen = atoi(show);
	else if (!strcmp(name, "bgp.nlri_prefix") || !strcmp(name, "bgp.mp_reach_nlri_ipv6_prefix"))
		prefix_event(e, show, true);
	else if (!strcmp(name, "bgp.withdrawn_prefix") ||
		 !strcmp(name, "bgp.mp_unreach_nlri_ipv6_prefix"))
		prefix_event(e, show, false);
}

/* Copy the quoted value after `key` (e.g. `name="`) up to the next quote. */
static bool
quoted(const char *line, const char *key, char *out, size_t n)
{
	const char *p = strstr(line, key);

	if (p == NULL)
		return false;
	p += strlen(key);
	const char *q = strchr(p, '"');
	if (q == NULL || (size_t)(q - p) >= n)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

static void
read_pdml(struct e2e *e, const char *pcap)
{
	char cmd[512], name[128], show[128];
	char *line = NULL;
	size_t cap = 0;

	snprintf(cmd, sizeof(cmd), TSHARK "'%s' -T pdml 2>/dev/null", pcap);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "<packet>"))
			e->ack = false;
		if (quoted(line, "<field name=\"", name, sizeof(name)) &&
		    quoted(line, " show=\"", show, sizeof(show)))
			on_field(e, name, show);
	}
	free(line);
	assert_int_equal(pclose(f), 0);
}

static uint64_t
json_u64(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	assert_non_null(p);
	return strtoull(p + strlen(key), NULL, 10);
}

/* Every prefix of the truth's final list is present in the dissector's view. */
static uint64_t
check_final(const char *line, const char *key, struct edir *d)
{
	const char *p = strstr(line, key);
	uint64_t n = 0;
	char pfx[64];

	assert_non_null(p);
	for (p += strlen(key); *p == '"' || *p == ','; n++) {
		p += *p == ',';
		assert_true(quoted(p, "\"", pfx, sizeof(pfx)));
		p += strlen(pfx) + 2;
		char *slash = strchr(pfx, '/');
		assert_non_null(slash);
		*slash = '\0';
		uint8_t addr[16];
		to_addr(pfx, addr);
		struct pkey *k = pset_slot(d->set, (uint8_t)atoi(slash + 1), addr);
		if (!k->used || !k->present)
			fail_msg("%s -> %s: %s/%s in truth, not on the wire", d->src, d->dst, pfx,
				 slash + 1);
	}
	return n;
}

static unsigned
check_truth(struct e2e *e, const char *truth)
{
	char sender[48], receiver[48];
	unsigned dirs = 0;

	for (char *line = strtok((char *)truth, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "\"type\":\"direction\"") == NULL)
			continue;
		assert_true(quoted(line, "\"sender\":\"", sender, sizeof(sender)));
		assert_true(quoted(line, "\"receiver\":\"", receiver, sizeof(receiver)));
		struct edir *d = edir_get(e, sender, receiver, false);
		assert_non_null(d);
		assert_int_equal(d->ann[0], json_u64(line, "\"announced\":{\"ipv4\":"));
		assert_int_equal(d->ann[1], json_u64(line, "\"ipv6\":"));
		assert_int_equal(d->wd[0], json_u64(line, "\"withdrawn\":{\"ipv4\":"));
		assert_int_equal(d->live[0], check_final(line, "\"final_ipv4\":[", d));
		assert_int_equal(d->live[1], check_final(line, "\"final_ipv6\":[", d));
		dirs++;
	}
	return dirs;
}

static bool
have_tshark(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

static uint64_t
tshark_count(const char *pcap, const char *filter)
{
	char cmd[768];
	uint64_t n = 0;
	int ch;

	snprintf(cmd, sizeof(cmd), TSHARK "'%s' -Y '%s' -T fields -e frame.number 2>/dev/null",
		 pcap, filter);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	assert_int_equal(pclose(f), 0);
	return n;
}

static void
test_e2e_tshark(void **state)
{
	struct run_dir *d = *state;
	struct gen_summary s;
	struct e2e e = { .n = 0 };
	char pcap[128];
	size_t tlen;

	if (!have_tshark())
		skip();
	run_gen(d->path, "e", "--sessions 2 --ipv4 2000 --ipv6 500 --seed 3 --churn 50 "
		"--churn-seconds 40 --resets 1 --background 0.2", &s);
	snprintf(pcap, sizeof(pcap), "%s/e.pcap", d->path);
	assert_int_equal(tshark_count(pcap, "bgp && (_ws.malformed || "
				      "_ws.expert.severity >= \"Warning\")"), 0);
	assert_int_equal(tshark_count(pcap, "tcp.analysis.flags"), 0);
	assert_int_equal(tshark_count(pcap, "_ws.expert.severity >= \"Warning\""), 0);
	assert_int_equal(tshark_count(pcap, "bgp.type == 3"), 2);
	assert_int_equal(tshark_count(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0"), 4);
	assert_true(tshark_count(pcap, "!tcp.port == 179") > s.st.frames / 10);
	read_pdml(&e, pcap);
	char *truth = (char *)slurp(d->path, "e.truth", &tlen);
	assert_int_equal(check_truth(&e, truth), 4);
	assert_true(e.d[0].wd[0] + e.d[0].wd[1] > 0);
	free(truth);
	for (unsigned i = 0; i < e.n; i++)
		free(e.d[i].set);
}

static uint64_t
count_str(const char *hay, const char *needle)
{
	uint64_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Only the TCP anomalies that --loss and --reorder induce, on BGP only. */
static void
test_e2e_induced_only(void **state)
{
	struct run_dir *d = *state;
	struct gen_summary s;
	char pcap[128];
	size_t tlen;

	if (!have_tshark())
		skip();
	run_gen(d->path, "l", "--sessions 2 --ipv4 4000 --ipv6 1000 --seed 8 --loss 0.02 "
		"--reorder 0.02 --background 0.2 --churn-seconds 5", &s);
	snprintf(pcap, sizeof(pcap), "%s/l.pcap", d->path);
	assert_true(s.st.dropped > 0 && s.st.reordered > 0);
	assert_int_equal(tshark_count(pcap, "tcp.analysis.flags && !(tcp.port == 179)"), 0);
	assert_int_equal(tshark_count(pcap, "tcp.analysis.flags && !(tcp.analysis.lost_segment "
				      "|| tcp.analysis.ack_lost_segment || "
				      "tcp.analysis.out_of_order || tcp.analysis.retransmission)"), 0);
	uint64_t lost = tshark_count(pcap, "tcp.analysis.lost_segment");
	assert_true(lost >= 1 && lost <= s.st.dropped + s.st.reordered);
	assert_int_equal(tshark_count(pcap, "bgp && _ws.malformed"), 0);
	char *truth = (char *)slurp(d->path, "l.truth", &tlen);
	assert_int_equal(count_str(truth, "\"type\":\"drop\""), s.st.dropped);
	assert_int_equal(count_str(truth, "\"type\":\"reorder\""), s.st.reordered);
	free(truth);
}

/* What a sink sees: every frame of the capture, with its timestamp. */
struct sink_rec {
	uint64_t frames;
	uint64_t bytes;
	uint64_t last_ps;
	uint64_t first_us[3];    /* capture microseconds of the first frames */
	uint64_t stop_after;     /* fail with -EPIPE after this many (0: never) */
};

static int
sink_frame(void *arg, const uint8_t *f, size_t len, uint64_t ts_ps)
{
	struct sink_rec *r = arg;

	(void)f;
	if (r->frames && ts_ps < r->last_ps)
		return -EINVAL;
	if (r->frames < 3)
		r->first_us[r->frames] = ts_ps / 1000000;
	r->last_ps = ts_ps;
	r->frames++;
	r->bytes += len;
	return r->stop_after && r->frames == r->stop_after ? -EPIPE : 0;
}

static void
test_sink_gets_the_capture(void **state)
{
	struct run_dir *d = *state;
	struct sink_rec r = { 0 };
	struct gen_sink k = { sink_frame, &r };
	struct gen_summary ps, ss;
	struct gen_opts o;
	char err[256] = "", line[256];

	run_gen(d->path, "s", "--sessions 2 --ipv4 300 --ipv6 100 --pps 1000", &ps);
	snprintf(line, sizeof(line), "--pcap %s/unused.pcap --sessions 2 --ipv4 300 --ipv6 100 "
		 "--pps 1000", d->path);
	assert_int_equal(parse(&o, line, err, sizeof(err)), 0);
	o.sink = &k;
	assert_int_equal(gen_run(&o, &ss, err, sizeof(err)), 0);
	assert_int_equal(r.frames, ps.st.frames);
	assert_int_equal(r.bytes, ps.st.bytes);
	/* 1000 pps: 0, 1, 2 ms */
	assert_int_equal(r.first_us[0], 0);
	assert_int_equal(r.first_us[1], 1000);
	assert_int_equal(r.first_us[2], 2000);
	/* with a sink, --pcap is never created */
	struct stat sb;
	snprintf(line, sizeof(line), "%s/unused.pcap", d->path);
	assert_int_equal(stat(line, &sb), -1);
	/* a sink's error ends the run with it */
	memset(&r, 0, sizeof(r));
	r.stop_after = 5;
	assert_int_equal(gen_run(&o, &ss, err, sizeof(err)), -EPIPE);
	assert_int_equal(r.frames, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_pkt_syn_v4),
		cmocka_unit_test(test_pkt_data_v6_vlan),
		cmocka_unit_test(test_pkt_overflow),
		cmocka_unit_test(test_pkt_udp_checksum_verifies),
		cmocka_unit_test(test_bgp_simple_messages),
		cmocka_unit_test(test_bgp_open),
		cmocka_unit_test(test_bgp_open_parses),
		cmocka_unit_test(test_bgp_update_v4),
		cmocka_unit_test(test_bgp_update_v6),
		cmocka_unit_test(test_bgp_update_fills_4096),
		cmocka_unit_test(test_bgp_update_extlen),
		cmocka_unit_test(test_bgp_update_parses),
		cmocka_unit_test(test_universe_distinct),
		cmocka_unit_test(test_universe_seed_matters),
		cmocka_unit_test(test_universe_too_large),
		cmocka_unit_test(test_prefix_str),
		cmocka_unit_test(test_group_sizes),
		cmocka_unit_test(test_attrs_shape),
		cmocka_unit_test(test_opts_should_parse),
		cmocka_unit_test(test_opts_should_error),
		cmocka_unit_test(test_opts_help),
		cmocka_unit_test(test_pace_gap),
		cmocka_unit_test(test_pace_allowed),
		cmocka_unit_test(test_pace_rounding),
		cmocka_unit_test(test_tx_opts_should_parse),
		cmocka_unit_test(test_tx_opts_should_error),
		cmocka_unit_test(test_eal_defaults),
		cmocka_unit_test(test_eal_split_and_limits),
		cmocka_unit_test(test_tx_summary),
		cmocka_unit_test_setup_teardown(test_deterministic, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_pcap_layout, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_e2e_tshark, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_e2e_induced_only, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_sink_gets_the_capture, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
