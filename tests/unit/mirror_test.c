/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adj-RIB-In mirror tests.
 *
 * UPDATEs are built from prefix specs by small helpers that follow the
 * RFC layouts (RFC 4271 4.3, RFC 4760 3-4, RFC 7911 3, RFC 8277 2,
 * RFC 4364 4.3.4); a few are written out whole by hand. Replays are
 * checked against a model kept by the test itself: a sorted table of
 * routes filled by reading the input UPDATEs with the bgp parser, so the
 * expected view never comes from the mirror.
 *
 * Prefix spec: [pathid#][asn:value|]addr/len[@label[,label...]]
 * ("asn:value" is a type 0 route distinguisher).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/mirror.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define V4U BGP_AF_IPV4_UNICAST
#define V6U BGP_AF_IPV6_UNICAST
#define V4L BGP_AF_IPV4_LABELED
#define V6L BGP_AF_IPV6_LABELED
#define VPN4 BGP_AF_VPNV4
#define VPN6 BGP_AF_VPNV6
#define AFBIT(af) (1u << (af))
#define BIG (4u << 20)

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define HDR(len) MARKER, (uint8_t)((len) >> 8), (uint8_t)((len) & 0xff), 2

/* ---- attribute sets: flags, type, length, value ------------------------ */

#define A_ORIGIN 0x40, 0x01, 0x01, 0x00                    /* IGP */
#define A_PATH(a, b) 0x40, 0x02, 0x06, 0x02, 0x02,          /* AS_SEQUENCE of 2 */ \
	(uint8_t)((a) >> 8), (uint8_t)(a), (uint8_t)((b) >> 8), (uint8_t)(b)
#define A_MED(v) 0x80, 0x04, 0x04, 0, 0, 0, (v)
#define A_COMM 0xc0, 0x08, 0x08, 0xfd, 0xe9, 0, 1, 0xfd, 0xe9, 0, 2 /* 65001:1 65001:2 */

static const uint8_t set0[] = { A_ORIGIN, A_PATH(65001, 65002) };
static const uint8_t set1[] = { A_ORIGIN, A_PATH(65001, 65003) };
static const uint8_t set2[] = { A_ORIGIN, A_PATH(65001, 65002), A_MED(100) };
static const uint8_t set3[] = { A_ORIGIN, A_PATH(65001, 65004), A_COMM };

static const struct {
	const uint8_t *p;
	size_t n;
} sets[] = { { set0, sizeof(set0) }, { set1, sizeof(set1) }, { set2, sizeof(set2) },
	     { set3, sizeof(set3) } };

/* Set k: one of the above, or (k >= 4) ORIGIN + AS_PATH 65001 k. */
static size_t
set_bytes(unsigned k, uint8_t *out)
{
	if (k < ARRAY_SIZE(sets)) {
		memcpy(out, sets[k].p, sets[k].n);
		return sets[k].n;
	}
	const uint8_t gen[] = { A_ORIGIN, A_PATH(65001, k) };
	memcpy(out, gen, sizeof(gen));
	return sizeof(gen);
}

/* Next hop i of a family, RD 0 first for VPN (RFC 4364 4.3.2). */
static size_t
nh_bytes(uint8_t af, unsigned i, uint8_t *out)
{
	static const uint8_t v4[2][4] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
	static const uint8_t v6[2][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
					   { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	size_t n = 0;

	if (bgp_af_safi(af) == BGP_SAFI_VPN) {
		memset(out, 0, 8);
		n = 8;
	}
	if (bgp_af_afi(af) == BGP_AFI_IPV4) {
		memcpy(out + n, v4[i], 4);
		return n + 4;
	}
	memcpy(out + n, v6[i], 16);
	return n + 16;
}

/* ---- prefix specs and NLRI ------------------------------------------- */

struct pfx {
	uint32_t pid;
	bool has_rd;
	uint8_t rd[8];
	uint8_t addr[16];
	uint8_t len;
	uint8_t nlabels;
	uint32_t label[4];
};

static void
pfx_parse(const char *spec, uint8_t af, struct pfx *p)
{
	char buf[128], *a = buf, *c;

	memset(p, 0, sizeof(*p));
	assert_true(strlen(spec) < sizeof(buf));
	strcpy(buf, spec);
	if ((c = strchr(a, '#'))) {
		*c = 0;
		p->pid = (uint32_t)strtoul(a, NULL, 10);
		a = c + 1;
	}
	if ((c = strchr(a, '|'))) {
		unsigned asn, val;

		*c = 0;
		assert_int_equal(sscanf(a, "%u:%u", &asn, &val), 2);
		uint8_t rd[8] = { 0, 0, (uint8_t)(asn >> 8), (uint8_t)asn, (uint8_t)(val >> 24),
				  (uint8_t)(val >> 16), (uint8_t)(val >> 8), (uint8_t)val };
		memcpy(p->rd, rd, 8);
		p->has_rd = true;
		a = c + 1;
	}
	if ((c = strchr(a, '@'))) {
		*c = 0;
		for (char *l = strtok(c + 1, ","); l; l = strtok(NULL, ","))
			p->label[p->nlabels++] = (uint32_t)strtoul(l, NULL, 10);
	}
	c = strchr(a, '/');
	assert_non_null(c);
	*c = 0;
	p->len = (uint8_t)atoi(c + 1);
	assert_int_equal(inet_pton(bgp_af_afi(af) == BGP_AFI_IPV6 ? AF_INET6 : AF_INET, a,
				   p->addr), 1);
}

/* One NLRI entry; withdrawals carry the 0x800000 label placeholder. */
static void
put_pfx(struct wire_buf *b, uint8_t af, const struct pfx *p, bool addpath, bool withdraw)
{
	uint8_t safi = bgp_af_safi(af);
	bool labeled = safi == BGP_SAFI_LABELED || safi == BGP_SAFI_VPN;
	unsigned nl = labeled ? (withdraw ? 1 : p->nlabels) : 0;
	unsigned bits = p->len + 24 * nl + (safi == BGP_SAFI_VPN ? 64 : 0);

	if (addpath)
		wire_put_u32(b, p->pid);
	wire_put_u8(b, (uint8_t)bits);
	for (unsigned i = 0; i < nl; i++) {
		uint32_t v = withdraw ? 0x800000 : p->label[i] << 4 | (i + 1 == nl);
		wire_put_u8(b, (uint8_t)(v >> 16));
		wire_put_u16(b, (uint16_t)v);
	}
	if (safi == BGP_SAFI_VPN)
		wire_put_bytes(b, p->rd, 8);
	wire_put_bytes(b, p->addr, (p->len + 7u) / 8u);
}

static size_t
put_list(uint8_t *out, size_t cap, uint8_t af, const char *list, bool addpath, bool withdraw)
{
	struct wire_buf b = wire_buf_make(out, cap);
	char buf[8192];

	if (!list)
		return 0;
	assert_true(strlen(list) < sizeof(buf));
	strcpy(buf, list);
	for (char *save, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		struct pfx p;

		pfx_parse(t, af, &p);
		put_pfx(&b, af, &p, addpath, withdraw);
	}
	assert_false(b.overflow);
	return b.len;
}

/* ---- UPDATE builder ---------------------------------------------------- */

struct upd {
	uint8_t af;
	const char *wd;
	const char *ann;
	uint16_t set;
	uint8_t nh;
	bool mp;                 /* IPv4 unicast in MP_REACH / MP_UNREACH */
};

static void
put_mp(struct wire_buf *b, uint8_t type, uint8_t af, const uint8_t *nh, size_t nhl,
       const uint8_t *nlri, size_t n)
{
	wire_put_u8(b, 0x90); /* optional, extended length */
	wire_put_u8(b, type);
	wire_put_u16(b, (uint16_t)((type == BGP_ATTR_MP_REACH ? 5 + nhl : 3) + n));
	wire_put_u16(b, bgp_af_afi(af));
	wire_put_u8(b, bgp_af_safi(af));
	if (type == BGP_ATTR_MP_REACH) {
		wire_put_u8(b, (uint8_t)nhl);
		wire_put_bytes(b, nh, nhl);
		wire_put_u8(b, 0);
	}
	wire_put_bytes(b, nlri, n);
}

static uint32_t
upd_build(uint8_t *out, size_t cap, const struct upd *u, bool addpath)
{
	static uint8_t wd[8192], nl[8192];
	size_t wdl = put_list(wd, sizeof(wd), u->af, u->wd, addpath, true);
	size_t nll = put_list(nl, sizeof(nl), u->af, u->ann, addpath, false);
	bool classic = u->af == V4U && !u->mp;
	struct wire_buf b = wire_buf_make(out, cap);
	uint8_t attrs[256], nh[32];
	size_t alen_at, nhl = nh_bytes(u->af, u->nh, nh);

	wire_put_bytes(&b, (const uint8_t[]){ HDR(0) }, BGP_HDR_LEN);
	wire_put_u16(&b, (uint16_t)(classic ? wdl : 0));
	if (classic)
		wire_put_bytes(&b, wd, wdl);
	alen_at = b.len;
	wire_put_u16(&b, 0);
	if (!classic && wdl)
		put_mp(&b, BGP_ATTR_MP_UNREACH, u->af, NULL, 0, wd, wdl);
	if (nll && !classic)
		put_mp(&b, BGP_ATTR_MP_REACH, u->af, nh, nhl, nl, nll);
	if (nll)
		wire_put_bytes(&b, attrs, set_bytes(u->set, attrs));
	if (nll && classic) { /* NEXT_HOP */
		wire_put_bytes(&b, (const uint8_t[]){ 0x40, 0x03, 0x04 }, 3);
		wire_put_bytes(&b, nh, 4);
	}
	wire_patch_u16(&b, alen_at, (uint16_t)(b.len - alen_at - 2));
	if (classic)
		wire_put_bytes(&b, nl, nll);
	wire_patch_u16(&b, BGP_MARKER_LEN, (uint16_t)b.len);
	assert_false(b.overflow);
	return (uint32_t)b.len;
}

static void
apply_msg(struct mirror *m, const uint8_t *msg, uint32_t len, const struct bgp_caps *caps)
{
	struct bgp_update u;

	assert_int_equal(bgp_parse_update(msg, len, caps, &u), BGP_OK);
	assert_int_equal(mirror_apply(m, &u, caps), 0);
}

static void
apply_upd(struct mirror *m, const struct upd *u, const struct bgp_caps *caps)
{
	static uint8_t msg[BGP_EXT_MAX_LEN];
	uint32_t len = upd_build(msg, sizeof(msg), u, caps->addpath_mask >> u->af & 1);

	apply_msg(m, msg, len, caps);
}

static const struct bgp_caps caps_plain = { .af_mask = 0xff };
static const struct bgp_caps caps_ap = { .af_mask = 0xff, .addpath_mask = 0xff };

/* ---- the model: routes read back from UPDATEs by the bgp parser -------- */

#define KEY_LEN 30
#define VAL_MAX 400

struct rec {
	uint8_t key[KEY_LEN];    /* af, path id, RD, length, address */
	uint16_t vlen;
	uint8_t val[VAL_MAX];    /* labels, next hop, attributes without MP */
};

struct model {
	struct rec *r;
	size_t n, cap;
	unsigned eors[BGP_AF__COUNT];
	size_t msgs;
};

static void
model_free(struct model *md)
{
	free(md->r);
	memset(md, 0, sizeof(*md));
}

static void
rec_key(const struct bgp_prefix *p, uint8_t *key)
{
	key[0] = p->af;
	wire_store_u32(key + 1, p->path_id);
	memcpy(key + 5, p->rd, 8);
	key[13] = p->len;
	memcpy(key + 14, p->addr, 16);
}

/* Index of key, or where it goes. */
static size_t
model_find(const struct model *md, const uint8_t *key, bool *found)
{
	size_t lo = 0, hi = md->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(md->r[mid].key, key, KEY_LEN);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void
model_withdraw(struct model *md, const struct bgp_prefix *p)
{
	uint8_t key[KEY_LEN];
	bool found;
	size_t i;

	rec_key(p, key);
	i = model_find(md, key, &found);
	if (found) {
		memmove(&md->r[i], &md->r[i + 1], (md->n - i - 1) * sizeof(*md->r));
		md->n--;
	}
}

static void
model_announce(struct model *md, const struct bgp_prefix *p, const uint8_t *val, size_t vlen)
{
	uint8_t key[KEY_LEN];
	bool found;
	size_t i;

	rec_key(p, key);
	i = model_find(md, key, &found);
	if (!found) {
		if (md->n == md->cap) {
			md->cap = md->cap ? 2 * md->cap : 64;
			md->r = realloc(md->r, md->cap * sizeof(*md->r));
			assert_non_null(md->r);
		}
		memmove(&md->r[i + 1], &md->r[i], (md->n - i) * sizeof(*md->r));
		md->n++;
		memcpy(md->r[i].key, key, KEY_LEN);
	}
	struct rec *r = &md->r[i];
	r->vlen = (uint16_t)(1 + p->nlabels * 3 + vlen);
	assert_true(r->vlen <= VAL_MAX);
	r->val[0] = p->nlabels;
	memcpy(r->val + 1, p->labels, p->nlabels * 3u);
	memcpy(r->val + 1 + p->nlabels * 3, val, vlen);
}

/* Next hop length and bytes, then the attributes without MP_*: the value. */
static size_t
route_value(const struct bgp_update *u, const uint8_t *nh, uint8_t nhl, uint8_t *val)
{
	struct wire_cur c = u->attrs;
	size_t n = 1 + nhl;

	val[0] = nhl;
	if (nhl)
		memcpy(val + 1, nh, nhl);
	while (c.left) {
		const uint8_t *start = c.p;
		uint8_t flags = wire_u8(&c), type = wire_u8(&c);
		size_t len = (flags & BGP_ATTR_FLAG_EXTLEN) ? wire_u16(&c) : wire_u8(&c);

		assert_true(wire_skip(&c, len));
		if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
			continue;
		assert_true(n + (size_t)(c.p - start) <= VAL_MAX - 16);
		memcpy(val + n, start, (size_t)(c.p - start));
		n += (size_t)(c.p - start);
	}
	return n;
}

static void
model_field(struct model *md, struct wire_cur nlri, int af, const struct bgp_caps *caps,
	    bool withdraw, const uint8_t *val, size_t vlen)
{
	struct bgp_nlri_iter it;
	struct bgp_prefix p;
	int r;

	if (af < 0)
		return;
	bgp_nlri_iter_init(&it, nlri, (enum bgp_af)af, caps->addpath_mask >> af & 1, withdraw);
	while ((r = bgp_nlri_next(&it, &p)) > 0) {
		if (withdraw)
			model_withdraw(md, &p);
		else
			model_announce(md, &p, val, vlen);
	}
	assert_int_equal(r, 0);
}

static void
model_msg(struct model *md, const uint8_t *msg, uint32_t len, const struct bgp_caps *caps)
{
	struct bgp_update u;
	uint8_t val[VAL_MAX];
	size_t vlen;

	assert_int_equal(bgp_parse_update(msg, len, caps, &u), BGP_OK);
	md->msgs++;
	if (u.is_eor) {
		int af = bgp_af_index(u.eor_afi, u.eor_safi);
		assert_true(af >= 0);
		md->eors[af]++;
		return;
	}
	model_field(md, u.withdrawn, V4U, caps, true, NULL, 0);
	if (u.has_unreach)
		model_field(md, u.unreach_nlri, bgp_af_index(u.unreach_afi, u.unreach_safi), caps,
			    true, NULL, 0);
	vlen = route_value(&u, NULL, 0, val);
	model_field(md, u.nlri, V4U, caps, false, val, vlen);
	if (u.has_reach) {
		vlen = route_value(&u, u.nexthop, u.nexthop_len, val);
		model_field(md, u.reach_nlri, bgp_af_index(u.reach_afi, u.reach_safi), caps, false,
			    val, vlen);
	}
}

static void
model_upd(struct model *md, const struct upd *u, const struct bgp_caps *caps)
{
	static uint8_t msg[BGP_EXT_MAX_LEN];
	uint32_t len = upd_build(msg, sizeof(msg), u, caps->addpath_mask >> u->af & 1);

	model_msg(md, msg, len, caps);
}

static void
model_assert_equal(const struct model *a, const struct model *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_memory_equal(a->r[i].key, b->r[i].key, KEY_LEN);
		assert_int_equal(a->r[i].vlen, b->r[i].vlen);
		assert_memory_equal(a->r[i].val, b->r[i].val, a->r[i].vlen);
	}
}

/* ---- replay helpers ---------------------------------------------------- */

/* Walk a stream of whole messages: each parses under caps, fits max. */
static void
stream_check(const uint8_t *s, size_t len, const struct bgp_caps *caps, uint32_t max,
	     struct model *md, struct mirror *into)
{
	size_t off = 0;

	while (off < len) {
		assert_true(len - off >= BGP_HDR_LEN);
		uint16_t n = wire_load_u16(s + off + BGP_MARKER_LEN);
		assert_true(n >= BGP_HDR_LEN && n <= max && off + n <= len);
		if (md)
			model_msg(md, s + off, n, caps);
		if (into)
			apply_msg(into, s + off, n, caps);
		off += n;
	}
}

/* The whole replay in one call. */
static size_t
replay_all(struct mirror *m, const struct bgp_caps *caps, uint32_t eor_mask, uint32_t max,
	   uint8_t *buf, size_t cap, unsigned *msgs)
{
	struct mirror_cursor c;
	unsigned n = 0, again = 1;
	size_t len;

	mirror_cursor_init(&c);
	len = mirror_replay(m, &c, caps, eor_mask, max, buf, cap, &n);
	assert_true(c.done);
	assert_int_equal(mirror_replay(m, &c, caps, eor_mask, max, buf + len, cap - len, &again),
			 0);
	assert_int_equal(again, 0);
	if (msgs)
		*msgs = n;
	return len;
}

static void
dump(struct mirror *m, const struct bgp_caps *caps, struct model *md)
{
	uint8_t *buf = malloc(BIG);
	size_t len;

	assert_non_null(buf);
	len = replay_all(m, caps, 0, BGP_MAX_LEN, buf, BIG, NULL);
	stream_check(buf, len, caps, BGP_MAX_LEN, md, NULL);
	free(buf);
}

/* ---- announce / withdraw / duplicates, table-driven -------------------- */

struct step {
	const char *name;
	struct upd u;
	uint64_t routes;
	uint64_t sets;
	struct mirror_stats st;  /* cumulative */
};

static const struct step ipv4_steps[] = {
	{ "announce two", { V4U, NULL, "10.0.0.0/24 10.0.1.0/24", 0, 0, false }, 2, 1,
	  { .announced = 2, .updates = 1 } },
	{ "the same again: a duplicate update",
	  { V4U, NULL, "10.0.0.0/24 10.0.1.0/24", 0, 0, false }, 2, 1,
	  { .announced = 4, .dup_advertisements = 2, .dup_updates = 1, .updates = 2 } },
	{ "one duplicate, one new", { V4U, NULL, "10.0.1.0/24 10.0.2.0/24", 0, 0, false }, 3, 1,
	  { .announced = 6, .dup_advertisements = 3, .dup_updates = 1, .updates = 3 } },
	{ "implicit withdraw: another set",
	  { V4U, NULL, "10.0.0.0/24", 1, 0, false }, 3, 2,
	  { .announced = 7, .dup_advertisements = 3, .implicit_withdraws = 1, .dup_updates = 1,
	    .updates = 4 } },
	{ "implicit withdraw: another next hop",
	  { V4U, NULL, "10.0.1.0/24", 0, 1, false }, 3, 3,
	  { .announced = 8, .dup_advertisements = 3, .implicit_withdraws = 2, .dup_updates = 1,
	    .updates = 5 } },
	{ "withdraw a present route", { V4U, "10.0.1.0/24", NULL, 0, 0, false }, 2, 2,
	  { .announced = 8, .withdrawn = 1, .dup_advertisements = 3, .implicit_withdraws = 2,
	    .dup_updates = 1, .updates = 6 } },
	{ "withdraw an absent route: a duplicate update",
	  { V4U, "10.9.0.0/16", NULL, 0, 0, false }, 2, 2,
	  { .announced = 8, .withdrawn = 1, .dup_advertisements = 3, .implicit_withdraws = 2,
	    .dup_withdraws = 1, .dup_updates = 2, .updates = 7 } },
	{ "duplicate plus absent withdrawal: a duplicate update",
	  { V4U, "10.9.0.0/16", "10.0.2.0/24", 0, 0, false }, 2, 2,
	  { .announced = 9, .withdrawn = 1, .dup_advertisements = 4, .implicit_withdraws = 2,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 8 } },
	{ "duplicate plus present withdrawal: not one",
	  { V4U, "10.0.0.0/24", "10.0.2.0/24", 0, 0, false }, 1, 1,
	  { .announced = 10, .withdrawn = 2, .dup_advertisements = 5, .implicit_withdraws = 2,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 9 } },
	{ "bits past the length are not key: 10.0.3.0/23 is 10.0.2.0/23",
	  { V4U, NULL, "10.0.3.0/23", 0, 0, false }, 2, 1,
	  { .announced = 11, .withdrawn = 2, .dup_advertisements = 5, .implicit_withdraws = 2,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 10 } },
	{ "withdrawn as 10.0.2.0/23", { V4U, "10.0.2.0/23", NULL, 0, 0, false }, 1, 1,
	  { .announced = 11, .withdrawn = 3, .dup_advertisements = 5, .implicit_withdraws = 2,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 11 } },
	{ "withdraw and announce one prefix in one UPDATE: withdrawal first",
	  { V4U, "10.0.2.0/24", "10.0.2.0/24", 0, 0, false }, 1, 1,
	  { .announced = 12, .withdrawn = 4, .dup_advertisements = 5, .implicit_withdraws = 2,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 12 } },
	{ "IPv4 unicast in MP_REACH: same prefix, set keyed by the MP next hop",
	  { V4U, NULL, "10.0.2.0/24", 0, 0, true }, 1, 1,
	  { .announced = 13, .withdrawn = 4, .dup_advertisements = 5, .implicit_withdraws = 3,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 13 } },
	{ "and withdrawn in MP_UNREACH", { V4U, "10.0.2.0/24", NULL, 0, 0, true }, 0, 0,
	  { .announced = 13, .withdrawn = 5, .dup_advertisements = 5, .implicit_withdraws = 3,
	    .dup_withdraws = 2, .dup_updates = 3, .updates = 14 } },
};

static const struct step ipv6_steps[] = {
	{ "announce three", { V6U, NULL, "2001:db8::/32 2001:db8:1::/48 2001:db8:2::/48", 0, 0,
			      false }, 3, 1, { .announced = 3, .updates = 1 } },
	{ "re-announce with another next hop", { V6U, NULL, "2001:db8::/32", 0, 1, false }, 3, 2,
	  { .announced = 4, .implicit_withdraws = 1, .updates = 2 } },
	{ "withdraw two, one absent",
	  { V6U, "2001:db8:1::/48 2001:db8:9::/48", NULL, 0, 0, false }, 2, 2,
	  { .announced = 4, .withdrawn = 1, .dup_withdraws = 1, .implicit_withdraws = 1,
	    .updates = 3 } },
	{ "duplicate /127, bits past it cleared",
	  { V6U, NULL, "2001:db8::1/127 2001:db8::/127", 2, 0, false }, 3, 3,
	  { .announced = 6, .withdrawn = 1, .dup_withdraws = 1, .implicit_withdraws = 1,
	    .dup_advertisements = 1, .updates = 4 } },
	{ "withdraw the rest", { V6U, "2001:db8::/32 2001:db8:2::/48 2001:db8::/127", NULL, 0, 0,
				  false }, 0, 0,
	  { .announced = 6, .withdrawn = 4, .dup_withdraws = 1, .implicit_withdraws = 1,
	    .dup_advertisements = 1, .updates = 5 } },
};

static void
assert_stats(const struct mirror_stats *got, const struct mirror_stats *want, const char *name)
{
	const uint64_t *g = (const uint64_t *)got, *w = (const uint64_t *)want;

	for (size_t i = 0; i < sizeof(*got) / sizeof(uint64_t); i++)
		if (g[i] != w[i])
			fail_msg("%s: counter %zu is %llu, want %llu", name, i,
				 (unsigned long long)g[i], (unsigned long long)w[i]);
}

static void
run_steps(const struct step *steps, size_t n, uint8_t af)
{
	struct mirror *m = mirror_create();

	assert_non_null(m);
	for (size_t i = 0; i < n; i++) {
		apply_upd(m, &steps[i].u, &caps_plain);
		if (mirror_routes(m) != steps[i].routes || mirror_attr_sets(m) != steps[i].sets)
			fail_msg("%s: %llu routes %llu sets", steps[i].name,
				 (unsigned long long)mirror_routes(m),
				 (unsigned long long)mirror_attr_sets(m));
		assert_int_equal(mirror_routes_af(m, (enum bgp_af)af), steps[i].routes);
		assert_stats(mirror_stats(m), &steps[i].st, steps[i].name);
	}
	mirror_destroy(m);
}

static void
test_ipv4_steps(void **state)
{
	(void)state;
	run_steps(ipv4_steps, ARRAY_SIZE(ipv4_steps), V4U);
}

static void
test_ipv6_steps(void **state)
{
	(void)state;
	run_steps(ipv6_steps, ARRAY_SIZE(ipv6_steps), V6U);
}

/* ---- whole hand-written UPDATEs ----------------------------------------- */

/* Two IPv4 prefixes, classic NLRI (RFC 4271 4.3). */
static const uint8_t upd_v4_two[] = {
	HDR(48),
	0x00, 0x00,             /* withdrawn routes length */
	0x00, 0x12,             /* path attributes length 18 */
	0x40, 0x01, 0x01, 0x00, /* ORIGIN IGP */
	0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe9, /* AS_PATH SEQ 65001 */
	0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01, /* NEXT_HOP 192.0.2.1 */
	0x18, 198, 51, 100,     /* 198.51.100.0/24 */
	0x10, 203, 0,           /* 203.0.0.0/16 */
};

/* The first withdrawn, the second announced again: one of each count. */
static const uint8_t upd_v4_wd_one[] = {
	HDR(27),
	0x00, 0x04, 0x18, 198, 51, 100, /* withdraw 198.51.100.0/24 */
	0x00, 0x00,
};

/* IPv6 unicast, MP_REACH first (RFC 4760 3), then ORIGIN, AS_PATH. */
static const uint8_t upd_v6_reach_first[] = {
	HDR(70),
	0x00, 0x00,
	0x00, 0x2f,             /* attributes: 47 */
	0x80, 0x0e, 0x1a,       /* MP_REACH, 26 */
	0x00, 0x02, 0x01, 0x10, /* AFI 2, SAFI 1, next hop 16 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x00,                   /* reserved */
	0x20, 0x20, 0x01, 0x0d, 0xb8, /* 2001:db8::/32 */
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe9,
	0x40, 0x05, 0x04, 0, 0, 0, 100, /* LOCAL_PREF 100 */
};

/* Same attributes with MP_REACH between them: the same set. */
static const uint8_t upd_v6_reach_middle[] = {
	HDR(77),
	0x00, 0x00,
	0x00, 0x36,             /* attributes: 54 */
	0x40, 0x01, 0x01, 0x00,
	0x90, 0x0e, 0x00, 0x20, /* MP_REACH, extended length 32 */
	0x00, 0x02, 0x01, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x00,
	0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, /* 2001:db8:1::/48 */
	0x18, 0x20, 0x01, 0x0d, /* 2001:d00::/24 */
	0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe9,
	0x40, 0x05, 0x04, 0, 0, 0, 100,
};

/* MP_UNREACH of 2001:db8::/32 and of an absent prefix (RFC 4760 4). */
static const uint8_t upd_v6_unreach[] = {
	HDR(41),
	0x00, 0x00,
	0x00, 0x12,
	0x80, 0x0f, 0x0f,       /* MP_UNREACH, 15 */
	0x00, 0x02, 0x01,
	0x20, 0x20, 0x01, 0x0d, 0xb8,
	0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x09, /* 2001:db8:9::/48 */
};

/* A family bmptap does not parse: IPv4 flowspec (AFI 1, SAFI 133). */
static const uint8_t upd_flowspec[] = {
	HDR(46),
	0x00, 0x00,
	0x00, 0x17,
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x00,       /* empty AS_PATH */
	0x80, 0x0e, 0x0d,       /* MP_REACH, 13 */
	0x00, 0x01, 0x85, 0x00, /* AFI 1, SAFI 133, no next hop */
	0x00,
	0x07, 0x01, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00, /* a flowspec NLRI */
};

static const uint8_t eor_v4[] = { HDR(23), 0x00, 0x00, 0x00, 0x00 };
static const uint8_t eor_v6[] = {
	HDR(29), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01,
};
static const uint8_t eor_flowspec[] = {
	HDR(29), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x01, 0x85,
};

static void
test_hand_vectors(void **state)
{
	struct mirror *m = mirror_create();
	const struct mirror_stats *st = mirror_stats(m);

	(void)state;
	apply_msg(m, upd_v4_two, sizeof(upd_v4_two), &caps_plain);
	assert_int_equal(mirror_routes_af(m, V4U), 2);
	assert_int_equal(mirror_attr_sets(m), 1);
	apply_msg(m, upd_v4_wd_one, sizeof(upd_v4_wd_one), &caps_plain);
	assert_int_equal(mirror_routes_af(m, V4U), 1);
	assert_int_equal(st->withdrawn, 1);

	apply_msg(m, upd_v6_reach_first, sizeof(upd_v6_reach_first), &caps_plain);
	apply_msg(m, upd_v6_reach_middle, sizeof(upd_v6_reach_middle), &caps_plain);
	assert_int_equal(mirror_routes_af(m, V6U), 3);
	assert_int_equal(mirror_attr_sets(m), 2); /* v4 set, one v6 set */
	apply_msg(m, upd_v6_unreach, sizeof(upd_v6_unreach), &caps_plain);
	assert_int_equal(mirror_routes_af(m, V6U), 2);
	assert_int_equal(st->dup_withdraws, 1);

	apply_msg(m, upd_flowspec, sizeof(upd_flowspec), &caps_plain);
	apply_msg(m, eor_flowspec, sizeof(eor_flowspec), &caps_plain);
	apply_msg(m, eor_v4, sizeof(eor_v4), &caps_plain);
	apply_msg(m, eor_v6, sizeof(eor_v6), &caps_plain);
	assert_int_equal(mirror_routes(m), 3);
	assert_int_equal(st->announced, 5);
	assert_int_equal(st->eors, 3);
	assert_int_equal(st->updates, 9);
	assert_int_equal(st->dup_updates, 0);
	mirror_destroy(m);
}

/* ---- keys: ADD-PATH, VPN, labels --------------------------------------- */

static void
test_addpath_keys(void **state)
{
	struct mirror *m = mirror_create();
	const struct mirror_stats *st = mirror_stats(m);
	const struct upd ups[] = {
		{ V4U, NULL, "1#10.0.0.0/24 2#10.0.0.0/24 0#10.0.0.0/24", 0, 0, false },
		{ V4U, "1#10.0.0.0/24 3#10.0.0.0/24", NULL, 0, 0, false },
		{ V6U, NULL, "7#2001:db8::/32 8#2001:db8::/32", 0, 0, false },
		{ V6U, NULL, "7#2001:db8::/32", 1, 0, false },
	};

	(void)state;
	apply_upd(m, &ups[0], &caps_ap);
	assert_int_equal(mirror_routes_af(m, V4U), 3);
	apply_upd(m, &ups[1], &caps_ap);
	assert_int_equal(mirror_routes_af(m, V4U), 2);
	assert_int_equal(st->withdrawn, 1);
	assert_int_equal(st->dup_withdraws, 1);
	apply_upd(m, &ups[2], &caps_ap);
	apply_upd(m, &ups[3], &caps_ap);
	assert_int_equal(mirror_routes_af(m, V6U), 2);
	assert_int_equal(st->implicit_withdraws, 1);
	assert_int_equal(mirror_attr_sets(m), 3);
	mirror_destroy(m);
}

static void
test_vpn_keys(void **state)
{
	struct mirror *m = mirror_create();
	const struct mirror_stats *st = mirror_stats(m);
	const struct upd ups[] = {
		{ VPN4, NULL, "65000:1|10.0.0.0/24@100 65000:2|10.0.0.0/24@100", 0, 0, false },
		{ VPN4, "65000:1|10.0.0.0/24 65000:3|10.0.0.0/24", NULL, 0, 0, false },
		{ VPN6, NULL, "65000:1|2001:db8::/48@16 65000:2|2001:db8::/48@17", 0, 0, false },
		{ VPN6, "65000:2|2001:db8::/48", NULL, 0, 0, false },
	};

	(void)state;
	apply_upd(m, &ups[0], &caps_plain);
	assert_int_equal(mirror_routes_af(m, VPN4), 2);
	apply_upd(m, &ups[1], &caps_plain);
	assert_int_equal(mirror_routes_af(m, VPN4), 1);
	assert_int_equal(st->withdrawn, 1);
	assert_int_equal(st->dup_withdraws, 1);
	apply_upd(m, &ups[2], &caps_plain);
	apply_upd(m, &ups[3], &caps_plain);
	assert_int_equal(mirror_routes_af(m, VPN6), 1);
	assert_int_equal(mirror_routes(m), 2);
	mirror_destroy(m);
}

static void
test_labeled_replace(void **state)
{
	struct mirror *m = mirror_create();
	const struct mirror_stats *st = mirror_stats(m);
	const struct upd ups[] = {
		{ V4L, NULL, "10.0.0.0/24@100", 0, 0, false },
		{ V4L, NULL, "10.0.0.0/24@200", 0, 0, false },   /* label replaced */
		{ V4L, NULL, "10.0.0.0/24@200", 0, 0, false },   /* duplicate */
		{ V4L, NULL, "10.0.0.0/24@200,300", 0, 0, false }, /* a stack: replaced */
		{ V4L, "10.0.0.0/24", NULL, 0, 0, false },       /* placeholder label */
	};
	const uint64_t routes[] = { 1, 1, 1, 1, 0 };
	const uint64_t implicit[] = { 0, 1, 1, 2, 2 };
	const uint64_t dups[] = { 0, 0, 1, 1, 1 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ups); i++) {
		apply_upd(m, &ups[i], &caps_plain);
		assert_int_equal(mirror_routes_af(m, V4L), routes[i]);
		assert_int_equal(st->implicit_withdraws, implicit[i]);
		assert_int_equal(st->dup_advertisements, dups[i]);
	}
	assert_int_equal(st->withdrawn, 1);
	assert_int_equal(mirror_attr_sets(m), 0);
	mirror_destroy(m);
}

/* The replayed label is the last one announced. */
static void
test_labeled_replay_label(void **state)
{
	struct mirror *m = mirror_create();
	struct model want = { 0 }, got = { 0 };
	const struct upd ups[] = {
		{ V6L, NULL, "2001:db8::/32@100 2001:db8:1::/48@101", 0, 0, false },
		{ V6L, NULL, "2001:db8::/32@200", 0, 0, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ups); i++) {
		apply_upd(m, &ups[i], &caps_plain);
		model_upd(&want, &ups[i], &caps_plain);
	}
	dump(m, &caps_plain, &got);
	model_assert_equal(&want, &got);
	/* label 200, bottom of stack: 0x000c81 */
	bool seen = false;
	for (size_t i = 0; i < got.n; i++)
		if (got.r[i].key[13] == 32)
			seen = got.r[i].val[0] == 1 && got.r[i].val[1] == 0x00 &&
			       got.r[i].val[2] == 0x0c && got.r[i].val[3] == 0x81;
	assert_true(seen);
	model_free(&want);
	model_free(&got);
	mirror_destroy(m);
}

/* ---- attribute interning ---------------------------------------------- */

static void
test_interning(void **state)
{
	struct mirror *m = mirror_create();
	static const struct {
		struct upd u;
		uint64_t sets;
	} steps[] = {
		{ { V4U, NULL, "10.0.0.0/24 10.0.1.0/24", 0, 0, false }, 1 },
		{ { V4U, NULL, "10.0.2.0/24", 1, 0, false }, 2 },
		{ { V4U, NULL, "10.0.0.0/24", 1, 0, false }, 2 },   /* set 0 still held */
		{ { V4U, "10.0.1.0/24", NULL, 0, 0, false }, 1 },   /* last of set 0 */
		{ { V6U, NULL, "2001:db8::/32", 1, 0, false }, 2 }, /* same bytes, other af */
		{ { V4U, NULL, "10.0.3.0/24", 1, 0, true }, 3 },    /* MP next hop keyed */
		{ { V6U, NULL, "2001:db8:1::/48", 1, 1, false }, 4 }, /* other next hop */
		{ { V6U, NULL, "2001:db8::/32 2001:db8:1::/48", 3, 0, false }, 3 },
		{ { V4U, "10.0.0.0/24 10.0.2.0/24 10.0.3.0/24", NULL, 0, 0, true }, 1 },
		{ { V6U, "2001:db8::/32 2001:db8:1::/48", NULL, 0, 0, false }, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		apply_upd(m, &steps[i].u, &caps_plain);
		if (mirror_attr_sets(m) != steps[i].sets)
			fail_msg("step %zu: %llu sets, want %llu", i,
				 (unsigned long long)mirror_attr_sets(m),
				 (unsigned long long)steps[i].sets);
	}
	assert_int_equal(mirror_routes(m), 0);
	mirror_destroy(m);
}

/* Many sets appear and go: the arena reuses freed blocks, counts stay exact. */
static void
test_interning_churn(void **state)
{
	struct mirror *m = mirror_create();
	char pfx[32];

	(void)state;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned k = 0; k < 2000; k++) {
			snprintf(pfx, sizeof(pfx), "10.%u.%u.0/24", k >> 8, k & 255);
			struct upd u = { V4U, NULL, pfx, (uint16_t)(4 + k + round), 0, false };
			apply_upd(m, &u, &caps_plain);
		}
		assert_int_equal(mirror_attr_sets(m), 2000);
		assert_int_equal(mirror_stats(m)->implicit_withdraws, round * 2000u);
	}
	size_t bytes = mirror_bytes(m);
	for (unsigned k = 0; k < 2000; k++) {
		snprintf(pfx, sizeof(pfx), "10.%u.%u.0/24", k >> 8, k & 255);
		struct upd u = { V4U, NULL, pfx, (uint16_t)(5000 + k), 0, false };
		apply_upd(m, &u, &caps_plain);
	}
	assert_int_equal(mirror_attr_sets(m), 2000);
	assert_int_equal(mirror_bytes(m), bytes); /* freed blocks reused */
	mirror_destroy(m);
}

/* ---- End-of-RIB, reset, graceful restart ------------------------------ */

static void
test_reset(void **state)
{
	struct mirror *m = mirror_create();
	size_t empty = mirror_bytes(m);
	const struct upd u4 = { V4U, NULL, "10.0.0.0/24 10.0.1.0/24", 0, 0, false };
	const struct upd u6 = { VPN6, NULL, "1:1|2001:db8::/32@5", 0, 0, false };

	(void)state;
	apply_upd(m, &u4, &caps_plain);
	apply_upd(m, &u6, &caps_plain);
	assert_true(mirror_bytes(m) > empty);
	mirror_clear(m);
	assert_int_equal(mirror_routes(m), 0);
	assert_int_equal(mirror_routes_af(m, VPN6), 0);
	assert_int_equal(mirror_attr_sets(m), 0);
	assert_int_equal(mirror_bytes(m), empty);
	assert_int_equal(mirror_stats(m)->announced, 3); /* counters are cumulative */
	apply_upd(m, &u4, &caps_plain); /* not duplicates after a reset */
	assert_int_equal(mirror_stats(m)->dup_advertisements, 0);
	assert_int_equal(mirror_routes(m), 2);
	mirror_destroy(m);
}

static void
test_gr_eor_per_family(void **state)
{
	struct mirror *m = mirror_create();
	const struct mirror_stats *st = mirror_stats(m);
	const struct upd before[] = {
		{ V4U, NULL, "10.0.0.0/24 10.0.1.0/24 10.0.2.0/24", 0, 0, false },
		{ V6U, NULL, "2001:db8::/32 2001:db8:1::/48", 0, 0, false },
		{ VPN4, NULL, "1:1|10.0.0.0/24@1", 0, 0, false },
	};
	const struct upd after[] = {
		{ V4U, NULL, "10.0.0.0/24", 0, 0, false },   /* refreshed, same set */
		{ V4U, NULL, "10.0.1.0/24", 1, 0, false },   /* refreshed, new set */
		{ V4U, NULL, "10.0.9.0/24", 0, 0, false },   /* new */
	};
	struct model got = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(before); i++)
		apply_upd(m, &before[i], &caps_plain);
	mirror_mark_stale(m, AFBIT(V4U) | AFBIT(V6U));
	assert_int_equal(mirror_routes(m), 5); /* VPNv4 not preserved: gone */
	assert_int_equal(mirror_routes_af(m, VPN4), 0);
	dump(m, &caps_plain, &got); /* stale routes are not replayed */
	assert_int_equal(got.n, 0);
	assert_int_equal(got.msgs, 0);
	model_free(&got);

	for (size_t i = 0; i < ARRAY_SIZE(after); i++)
		apply_upd(m, &after[i], &caps_plain);
	assert_int_equal(st->dup_advertisements, 0);
	assert_int_equal(st->implicit_withdraws, 0);
	assert_int_equal(st->dup_updates, 0);
	assert_int_equal(mirror_routes_af(m, V4U), 4);
	apply_msg(m, eor_v4, sizeof(eor_v4), &caps_plain);
	assert_int_equal(mirror_routes_af(m, V4U), 3); /* 10.0.2.0/24 purged */
	assert_int_equal(mirror_routes_af(m, V6U), 2); /* other family kept */
	assert_int_equal(st->stale_purged, 1);
	assert_int_equal(st->eors, 1);
	dump(m, &caps_plain, &got);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.eors[V4U], 1);
	assert_int_equal(got.eors[V6U], 0); /* only stale routes there */
	model_free(&got);
	apply_msg(m, eor_v6, sizeof(eor_v6), &caps_plain);
	assert_int_equal(mirror_routes(m), 3);
	assert_int_equal(st->stale_purged, 3);
	assert_int_equal(mirror_attr_sets(m), 2);
	mirror_destroy(m);
}

static void
test_gr_timer(void **state)
{
	struct mirror *m = mirror_create();
	const struct upd u4 = { V4U, NULL, "10.0.0.0/24 10.0.1.0/24", 0, 0, false };
	const struct upd u6 = { V6U, NULL, "2001:db8::/32", 2, 0, false };
	const struct upd wd = { V4U, "10.0.1.0/24", NULL, 0, 0, false };
	const struct upd re6 = { V6U, NULL, "2001:db8::/32", 2, 0, false };

	(void)state;
	apply_upd(m, &u4, &caps_plain);
	apply_upd(m, &u6, &caps_plain);
	mirror_mark_stale(m, 0xff);
	mirror_mark_stale(m, 0xff); /* twice: still each route once */
	apply_upd(m, &wd, &caps_plain); /* a stale route withdrawn */
	assert_int_equal(mirror_stats(m)->withdrawn, 1);
	apply_upd(m, &re6, &caps_plain);
	mirror_purge_stale(m, -1); /* restart time passed */
	assert_int_equal(mirror_routes(m), 1);
	assert_int_equal(mirror_routes_af(m, V6U), 1);
	assert_int_equal(mirror_stats(m)->stale_purged, 1);
	assert_int_equal(mirror_attr_sets(m), 1);
	mirror_purge_stale(m, -1); /* nothing stale left */
	mirror_purge_stale(m, V6U);
	assert_int_equal(mirror_routes(m), 1);
	mirror_mark_stale(m, 0);   /* no family preserved: all go */
	assert_int_equal(mirror_routes(m), 0);
	assert_int_equal(mirror_attr_sets(m), 0);
	mirror_destroy(m);
}

/* ---- replay ------------------------------------------------------------ */

/* A table of `n` prefixes of family af, sets shared by runs of 1-9. */
static void
build_table(struct mirror *m, struct model *md, uint8_t af, unsigned n, unsigned seed,
	    const struct bgp_caps *caps)
{
	static char list[8192];
	unsigned i = 0, run = 0;

	while (i < n) {
		size_t len = 0;
		unsigned k = 1 + (seed * 7 + run * 13) % 9;
		list[0] = 0;
		for (unsigned j = 0; j < k && i < n; j++, i++) {
			unsigned a = i + seed * 100000;
			char pfx[96];

			switch (af) {
			case V4U: case BGP_AF_IPV4_MULTICAST:
				snprintf(pfx, sizeof(pfx), "%u#10.%u.%u.0/%u", i % 3,
					 (a >> 8) & 255, a & 255, 24 - (i % 5 == 0));
				break;
			case V4L:
				snprintf(pfx, sizeof(pfx), "%u#10.%u.%u.0/24@%u", i % 2,
					 (a >> 8) & 255, a & 255, 16 + i % 7);
				break;
			case VPN4:
				snprintf(pfx, sizeof(pfx), "%u#%u:%u|10.%u.%u.0/24@%u,%u", i % 2,
					 65000 + i % 3, i % 5, (a >> 8) & 255, a & 255, 100 + i,
					 7);
				break;
			case VPN6:
				snprintf(pfx, sizeof(pfx), "%u:1|2001:db8:%x::/48@%u",
					 65000 + i % 2, a & 0xffff, 20 + i % 4);
				break;
			case V6L:
				snprintf(pfx, sizeof(pfx), "2001:db8:%x::/48@%u", a & 0xffff, 30);
				break;
			default:
				snprintf(pfx, sizeof(pfx), "%u#2001:db8:%x:%x::/%u", i % 2,
					 a >> 16, a & 0xffff, 64 - (i % 3) * 8);
				break;
			}
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						 j ? " " : "", pfx);
		}
		struct upd u = { af, NULL, list, (uint16_t)(4 + (run * 7 + seed * 131) % 300),
				 (uint8_t)(run & 1), (run % 4 == 3) };
		apply_upd(m, &u, caps);
		model_upd(md, &u, caps);
		run++;
	}
}

static const struct {
	uint8_t af;
	bool addpath;
	unsigned n;
} roundtrip_cases[] = {
	{ V4U, false, 3000 }, { V4U, true, 2500 }, { V6U, false, 2000 }, { V6U, true, 1500 },
	{ BGP_AF_IPV4_MULTICAST, false, 300 }, { BGP_AF_IPV6_MULTICAST, true, 300 },
	{ V4L, false, 1200 }, { V4L, true, 600 }, { V6L, false, 500 },
	{ VPN4, false, 1500 }, { VPN4, true, 700 }, { VPN6, false, 900 },
};

/* Replay, re-read, re-apply to a fresh mirror: the same routes, the same bytes. */
static void
test_replay_roundtrip(void **state)
{
	uint8_t *buf = malloc(BIG), *buf2 = malloc(BIG);

	(void)state;
	assert_non_null(buf);
	assert_non_null(buf2);
	for (size_t t = 0; t < ARRAY_SIZE(roundtrip_cases); t++) {
		const struct bgp_caps *caps = roundtrip_cases[t].addpath ? &caps_ap : &caps_plain;
		uint8_t af = roundtrip_cases[t].af;
		struct mirror *src = mirror_create(), *copy = mirror_create();
		struct model want = { 0 }, got = { 0 };
		unsigned msgs, msgs2;

		build_table(src, &want, af, roundtrip_cases[t].n, (unsigned)t, caps);
		assert_int_equal(mirror_routes(src), want.n);
		size_t len = replay_all(src, caps, 0, BGP_MAX_LEN, buf, BIG, &msgs);
		stream_check(buf, len, caps, BGP_MAX_LEN, &got, copy);
		model_assert_equal(&want, &got);
		assert_int_equal(got.msgs, msgs);
		for (unsigned a = 0; a < BGP_AF__COUNT; a++)
			assert_int_equal(got.eors[a], a == af);
		assert_int_equal(mirror_routes(copy), want.n);
		assert_int_equal(mirror_attr_sets(copy), mirror_attr_sets(src));
		/* The copy replays to the very same bytes. */
		size_t len2 = replay_all(copy, caps, 0, BGP_MAX_LEN, buf2, BIG, &msgs2);
		assert_int_equal(len2, len);
		assert_memory_equal(buf, buf2, len);
		model_free(&want);
		model_free(&got);
		mirror_destroy(src);
		mirror_destroy(copy);
	}
	free(buf);
	free(buf2);
}

/* Interleaved sets come out grouped: exact bytes, by hand. */
static void
test_replay_packing_bytes(void **state)
{
	static const uint8_t want[] = {
		HDR(54), 0x00, 0x00, 0x00, 0x14,
		A_ORIGIN, A_PATH(65001, 65002),
		0x40, 0x03, 0x04, 192, 0, 2, 1,
		24, 10, 0, 0, 24, 10, 0, 2, 16, 10, 4,       /* set 0: three prefixes */
		HDR(51), 0x00, 0x00, 0x00, 0x14,
		A_ORIGIN, A_PATH(65001, 65003),
		0x40, 0x03, 0x04, 192, 0, 2, 2,
		24, 10, 0, 1, 24, 10, 0, 3,                  /* set 1 next hop 2: two */
		HDR(88), 0x00, 0x00, 0x00, 0x41,
		0x80, 0x0e, 0x2a,                            /* MP_REACH, 42 */
		0x00, 0x02, 0x01, 0x10,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x00,
		0x20, 0x20, 0x01, 0x0d, 0xb8,                /* 2001:db8::/32 */
		0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05,    /* 2001:db8:5::/48 */
		0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,    /* 2001:db8::/64 */
		A_ORIGIN, A_PATH(65001, 65002), A_MED(100),
		HDR(23), 0x00, 0x00, 0x00, 0x00,             /* End-of-RIB IPv4 */
		HDR(29), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01,
		HDR(29), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x01, 0x80, /* VPNv4 */
	};
	const struct upd ups[] = {
		{ V4U, NULL, "10.0.0.0/24", 0, 0, false },
		{ V4U, NULL, "10.0.1.0/24", 1, 1, false },
		{ V6U, NULL, "2001:db8::/32", 2, 1, false },
		{ V4U, NULL, "10.0.2.0/24", 0, 0, false },
		{ V4U, NULL, "10.0.3.0/24", 1, 1, false },
		{ V6U, NULL, "2001:db8:5::/48", 2, 1, false },
		{ V4U, NULL, "10.4.0.0/16", 0, 0, false },
		{ V6U, NULL, "2001:db8::/64", 2, 1, false },
	};
	struct mirror *m = mirror_create();
	uint8_t buf[1024];
	unsigned msgs;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ups); i++)
		apply_upd(m, &ups[i], &caps_plain);
	size_t len = replay_all(m, &caps_plain, AFBIT(VPN4), BGP_MAX_LEN, buf, sizeof(buf), &msgs);
	assert_int_equal(msgs, 6);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	mirror_destroy(m);
}

/* Message size limit: 4096, a tiny one, and one a prefix cannot fit. */
static void
test_replay_max_msg(void **state)
{
	static const struct {
		uint32_t max;
		unsigned msgs;           /* route messages */
	} cases[] = {
		{ BGP_MAX_LEN, 1 },
		{ 23 + 20 + 8, 150 },    /* attributes, then two /24s a message */
		{ 23 + 20 + 7, 300 },    /* one /24 a message */
	};
	struct mirror *m = mirror_create();
	uint8_t *buf = malloc(BIG);
	char list[8192];
	size_t n = 0;

	(void)state;
	for (unsigned i = 0; i < 300; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s10.1.%u.0/24", i ? " " : "",
				      i & 255);
	/* 256 distinct /24s: 10.1.0.0-10.1.255.0, then 44 duplicates */
	struct upd u = { V4U, NULL, list, 0, 0, false };
	apply_upd(m, &u, &caps_plain);
	char list2[1024];
	n = 0;
	for (unsigned i = 0; i < 44; i++)
		n += (size_t)snprintf(list2 + n, sizeof(list2) - n, "%s10.2.%u.0/24", i ? " " : "",
				      i);
	u.ann = list2;
	apply_upd(m, &u, &caps_plain);
	assert_int_equal(mirror_routes(m), 300);
	for (size_t t = 0; t < ARRAY_SIZE(cases); t++) {
		struct model got = { 0 };
		unsigned msgs;
		size_t len = replay_all(m, &caps_plain, 0, cases[t].max, buf, BIG, &msgs);

		stream_check(buf, len, &caps_plain, cases[t].max, &got, NULL);
		assert_int_equal(msgs, cases[t].msgs + 1);
		assert_int_equal(got.n, 300);
		assert_int_equal(got.eors[V4U], 1);
		model_free(&got);
	}
	/* Too small for any route: only the End-of-RIB comes out. */
	unsigned msgs;
	size_t len = replay_all(m, &caps_plain, 0, 23 + 20 + 3, buf, BIG, &msgs);
	assert_int_equal(msgs, 1);
	assert_int_equal(len, 23);
	free(buf);
	mirror_destroy(m);
}

static struct mirror *
mixed_table(struct model *md, const struct bgp_caps *caps)
{
	struct mirror *m = mirror_create();

	build_table(m, md, V4U, 2500, 1, caps);
	build_table(m, md, V6U, 1500, 2, caps);
	build_table(m, md, VPN4, 400, 3, caps);
	return m;
}

/* Slices that each hold a window give the one-call bytes; smaller ones the routes. */
static void
test_replay_resume(void **state)
{
	static const size_t slices[] = { 60000, 30000, 4096, 1000 };
	struct model want = { 0 };
	uint8_t *one = malloc(BIG), *cat = malloc(BIG);
	struct mirror *m = mixed_table(&want, &caps_ap);
	unsigned msgs_one;
	size_t len_one = replay_all(m, &caps_ap, AFBIT(V6L), BGP_MAX_LEN, one, BIG, &msgs_one);

	(void)state;
	for (size_t t = 0; t < ARRAY_SIZE(slices); t++) {
		struct mirror_cursor c;
		struct model got = { 0 };
		size_t len = 0, calls = 0, r;
		unsigned msgs = 0, k;

		mirror_cursor_init(&c);
		while ((r = mirror_replay(m, &c, &caps_ap, AFBIT(V6L), BGP_MAX_LEN, cat + len,
					  slices[t], &k)) > 0) {
			assert_true(r <= slices[t]);
			len += r;
			msgs += k;
			calls++;
		}
		assert_true(c.done);
		assert_true(calls > 1);
		stream_check(cat, len, &caps_ap, BGP_MAX_LEN, &got, NULL);
		model_assert_equal(&want, &got);
		assert_int_equal(got.msgs, msgs);
		assert_int_equal(got.eors[V6L], 1);
		if (slices[t] >= 30000) {
			assert_int_equal(len, len_one);
			assert_memory_equal(cat, one, len);
		}
		model_free(&got);
	}
	free(one);
	free(cat);
	model_free(&want);
	mirror_destroy(m);
}

/* Live UPDATEs between slices: replay plus live equals the mirror. */
static void
test_replay_live(void **state)
{
	struct model want = { 0 }, station = { 0 }, end = { 0 };
	uint8_t *buf = malloc(65536), msg[BGP_MAX_LEN];
	struct mirror *m = mixed_table(&want, &caps_plain);
	struct mirror_cursor c;
	size_t r;
	unsigned k, slice = 0;

	uint64_t implicit0 = mirror_stats(m)->implicit_withdraws;

	(void)state;
	mirror_cursor_init(&c);
	while ((r = mirror_replay(m, &c, &caps_plain, 0, BGP_MAX_LEN, buf, 8192, &k)) > 0) {
		stream_check(buf, r, &caps_plain, BGP_MAX_LEN, &station, NULL);
		/*
		 * Table prefix i is 10.x.y.0/24 with x.y = 100000 + i (see
		 * build_table, seed 1): withdraw two from the start (behind the
		 * cursor), announce a new one, move one near the end to a new set.
		 */
		unsigned a = 100000 + slice * 40 + 1, b = 100000 + 2001 + slice;
		char wd[64], ann[64];
		snprintf(wd, sizeof(wd), "10.%u.%u.0/24 10.%u.%u.0/24", a >> 8 & 255, a & 255,
			 (a + 1) >> 8 & 255, (a + 1) & 255);
		snprintf(ann, sizeof(ann), "10.200.%u.0/24 10.%u.%u.0/24", slice, b >> 8 & 255,
			 b & 255);
		struct upd live[] = {
			{ V4U, wd, ann, (uint16_t)(50 + slice), 0, false },
			{ V6U, NULL, "0#2001:db8:4:86a0::/64", (uint16_t)(60 + slice), 1, false },
		};
		for (size_t i = 0; i < ARRAY_SIZE(live); i++) {
			uint32_t len = upd_build(msg, sizeof(msg), &live[i], false);
			apply_msg(m, msg, len, &caps_plain);
			model_msg(&station, msg, len, &caps_plain);
		}
		slice++;
	}
	assert_true(slice > 5);
	assert_int_equal(mirror_stats(m)->withdrawn, 2 * slice);
	assert_true(mirror_stats(m)->implicit_withdraws - implicit0 > slice);
	dump(m, &caps_plain, &end);
	model_assert_equal(&end, &station);
	free(buf);
	model_free(&want);
	model_free(&station);
	model_free(&end);
	mirror_destroy(m);
}

/* ---- tshark ------------------------------------------------------------ */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet/IPv4/TCP 192.0.2.1:40000 -> 192.0.2.2:179 carrying one message. */
static size_t
build_packet(uint8_t *pkt, const uint8_t *msg, size_t len, uint32_t seq)
{
	static const uint8_t eth[] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	};
	uint8_t *ip = pkt + 14, *tcp = ip + 20;
	uint8_t pseudo[12] = { 192, 0, 2, 1, 192, 0, 2, 2, 0, 6 };

	memset(pkt, 0, 54);
	memcpy(pkt, eth, sizeof(eth));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, pseudo, 8);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, 40000);
	put16(tcp + 2, 179);
	wire_store_u32(tcp + 4, seq);
	wire_store_u32(tcp + 8, 1);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;
	put16(tcp + 14, 65535);
	memcpy(tcp + 20, msg, len);
	put16(pseudo + 10, (uint16_t)(20 + len));
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20 + len)));
	return 54 + len;
}

static size_t
write_pcap(const char *path, const uint8_t *s, size_t len)
{
	static const uint32_t ghdr[] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	static uint8_t pkt[54 + BGP_MAX_LEN];
	uint32_t seq = 1000;
	size_t off = 0, n = 0;
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(ghdr, sizeof(ghdr), 1, f), 1);
	while (off < len) {
		uint16_t ml = wire_load_u16(s + off + BGP_MARKER_LEN);
		size_t pl = build_packet(pkt, s + off, ml, seq);
		uint32_t rec[4] = { 1700000000u + (uint32_t)n, 0, (uint32_t)pl, (uint32_t)pl };

		assert_int_equal(fwrite(rec, sizeof(rec), 1, f), 1);
		assert_int_equal(fwrite(pkt, pl, 1, f), 1);
		seq += ml;
		off += ml;
		n++;
	}
	assert_int_equal(fclose(f), 0);
	return n;
}

static void
test_tshark(void **state)
{
	char dir[] = "/tmp/mirror_test.XXXXXX", path[64], cmd[256], line[256];
	struct model md = { 0 };
	uint8_t *buf = malloc(BIG);
	size_t n = 0, pkts;

	(void)state;
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		free(buf);
		skip();
	}
	struct mirror *m = mirror_create();
	build_table(m, &md, V4U, 400, 5, &caps_plain);
	build_table(m, &md, V6U, 300, 6, &caps_plain);
	build_table(m, &md, VPN4, 100, 7, &caps_plain);
	build_table(m, &md, V6L, 100, 8, &caps_plain);
	size_t len = replay_all(m, &caps_plain, 0, BGP_MAX_LEN, buf, BIG, NULL);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/replay.pcap", dir);
	pkts = write_pcap(path, buf, len);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -o 'bgp.asn_len:2 octet' -T fields -e _ws.malformed "
		 "-e _ws.expert.severity -e bgp.type 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strcmp(line, "\t\t2\n") != 0)
			fail_msg("packet %zu: tshark says \"%s\" (%s)", n + 1, line, path);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(n, pkts);
	unlink(path);
	rmdir(dir);
	free(buf);
	model_free(&md);
	mirror_destroy(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_steps),
		cmocka_unit_test(test_ipv6_steps),
		cmocka_unit_test(test_hand_vectors),
		cmocka_unit_test(test_addpath_keys),
		cmocka_unit_test(test_vpn_keys),
		cmocka_unit_test(test_labeled_replace),
		cmocka_unit_test(test_labeled_replay_label),
		cmocka_unit_test(test_interning),
		cmocka_unit_test(test_interning_churn),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_gr_eor_per_family),
		cmocka_unit_test(test_gr_timer),
		cmocka_unit_test(test_replay_roundtrip),
		cmocka_unit_test(test_replay_packing_bytes),
		cmocka_unit_test(test_replay_max_msg),
		cmocka_unit_test(test_replay_resume),
		cmocka_unit_test(test_replay_live),
		cmocka_unit_test(test_tshark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
