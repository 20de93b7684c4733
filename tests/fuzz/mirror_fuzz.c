/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adj-RIB-In mirror fuzz target: the input drives a sequence of valid
 * UPDATEs, End-of-RIBs, graceful-restart marks, purges and resets over a
 * small space (4 families x 2 path IDs x 8 prefixes, 4 attribute sets,
 * 2 next hops, 4 labels), checked against a reference model kept here:
 * after every step the counters, the routes per family and the number of
 * attribute sets must match exactly. At the end the mirror is replayed
 * in slices, every message is parsed and its routes checked against the
 * model, and the replay applied to a fresh mirror must hold the same.
 *
 * Input: a flags octet (bits 0-3: ADD-PATH per family; 4-7: message and
 * slice size of the replay), then operations:
 *   op & 7 in 0-2, 7: UPDATE: [fam:2 mp:1 nwd:2 nann:3] [set:2 nh:1
 *                      label:2 order:1 fam2:2] then one octet per
 *                      prefix (p:3 pathid:1); op 7 adds the IPv4 prefixes
 *                      as classic NLRI beside an MP family fam2
 *   3: End-of-RIB [fam]    4: mark stale [mask]    5: purge [af or all]
 *   6: clear
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFAM 4
#define NPFX 8
#define MAXP 8

static const uint8_t fam_af[NFAM] = { BGP_AF_IPV4_UNICAST, BGP_AF_IPV6_UNICAST,
				      BGP_AF_IPV4_LABELED, BGP_AF_VPNV4 };

struct route {
	bool present, stale, mp;
	bool xnh;                /* MP route whose UPDATE also had NEXT_HOP */
	uint8_t set, nh, label;
};

struct model {
	struct route r[NFAM][2][NPFX];
	struct mirror_stats st;
	struct bgp_caps caps;
};

/* ---- wire building ---- */

static bool
has_addpath(const struct model *md, unsigned f)
{
	return md->caps.addpath_mask >> fam_af[f] & 1;
}

/*
 * Prefix p of each family: 10.0.p.0/24, 2001:db8:p::/48, labeled
 * 10.1.p.0/24, VPNv4 65000:(p & 1) 10.2.(p / 2).0/24.
 */
static void
put_prefix(struct wire_buf *b, const struct model *md, unsigned f, unsigned pid, unsigned p,
	   unsigned label, bool wd)
{
	uint32_t lab = wd ? 0x800000 : (100 + label) << 4 | 1;
	const uint8_t v6[] = { 48, 0x20, 0x01, 0x0d, 0xb8, 0, (uint8_t)p };
	const uint8_t rd[] = { 0, 0, 0xfd, 0xe8, 0, 0, 0, (uint8_t)(p & 1) };
	const uint8_t v4[] = { 10, (uint8_t)(f ? f - 1 : 0), (uint8_t)(f == 3 ? p >> 1 : p) };

	if (has_addpath(md, f))
		wire_put_u32(b, pid);
	if (f == 1) {
		wire_put_bytes(b, v6, sizeof(v6));
		return;
	}
	wire_put_u8(b, f == 0 ? 24 : f == 2 ? 48 : 112);
	if (f >= 2) {
		wire_put_u8(b, (uint8_t)(lab >> 16));
		wire_put_u16(b, (uint16_t)lab);
	}
	if (f == 3)
		wire_put_bytes(b, rd, sizeof(rd));
	wire_put_bytes(b, v4, sizeof(v4));
}

static size_t
nexthop(unsigned f, unsigned nh, uint8_t *out)
{
	size_t n = 0;

	if (f == 1) {
		const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)(1 + nh) };
		memcpy(out, v6, 16);
		return 16;
	}
	if (f == 3) {
		memset(out, 0, 8);
		n = 8;
	}
	const uint8_t v4[4] = { 192, 0, 2, (uint8_t)(1 + nh) };
	memcpy(out + n, v4, 4);
	return n + 4;
}

/* The attribute set without MP attributes, as a route must carry it. */
static size_t
set_bytes(unsigned set, bool classic, unsigned nh, uint8_t *out)
{
	struct wire_buf b = wire_buf_make(out, 64);

	wire_put_bytes(&b, (const uint8_t[]){ 0x40, 0x01, 0x01, (uint8_t)(set & 1) }, 4);
	wire_put_bytes(&b, (const uint8_t[]){ 0x40, 0x02, 0x0a, 0x02, 0x02, 0, 0, 0xfd, 0xe9, 0, 1,
					      0x01, (uint8_t)(0x30 + set) }, 13);
	if (set & 2)
		wire_put_bytes(&b, (const uint8_t[]){ 0x80, 0x04, 0x04, 0, 0, 0, (uint8_t)set }, 7);
	if (classic) /* NEXT_HOP 192.0.2.(1 + nh) */
		wire_put_bytes(&b, (const uint8_t[]){ 0x40, 3, 4, 192, 0, 2, (uint8_t)(1 + nh) }, 7);
	return b.len;
}

/* What one UPDATE says, decoded from the input. */
struct upd {
	unsigned f, f2, nwd, nann, set, nh, label;
	bool mp, order, two;
	uint8_t wd[MAXP], ann[MAXP];
};

static void
put_mp(struct wire_buf *b, uint8_t type, unsigned f, const uint8_t *nh, size_t nhl,
       const uint8_t *nlri, size_t n)
{
	wire_put_u8(b, 0x90);
	wire_put_u8(b, type);
	wire_put_u16(b, (uint16_t)((type == BGP_ATTR_MP_REACH ? 5 + nhl : 3) + n));
	wire_put_u16(b, bgp_af_afi(fam_af[f]));
	wire_put_u8(b, bgp_af_safi(fam_af[f]));
	if (type == BGP_ATTR_MP_REACH) {
		wire_put_u8(b, (uint8_t)nhl);
		wire_put_bytes(b, nh, nhl);
		wire_put_u8(b, 0);
	}
	wire_put_bytes(b, nlri, n);
}

static size_t
nlri_field(const struct model *md, unsigned f, const uint8_t *keys, unsigned n, unsigned label,
	   bool wd, uint8_t *out)
{
	struct wire_buf b = wire_buf_make(out, 256);

	for (unsigned i = 0; i < n; i++)
		put_prefix(&b, md, f, keys[i] >> 3 & 1, keys[i] & 7, label, wd);
	return b.len;
}

/*
 * Withdrawals of family f (classic if IPv4 unicast without mp), then
 * announcements of f (or, for a two-family UPDATE, classic IPv4 + f2).
 */
static size_t
build(const struct model *md, const struct upd *u, uint8_t *msg)
{
	static const uint8_t hdr[BGP_HDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						  0, 0, BGP_MSG_UPDATE };
	uint8_t wd[256], an[256], an2[256], attrs[64], nh[16], nh2[16];
	bool classic = u->f == 0 && !u->mp;
	size_t wl = nlri_field(md, u->f, u->wd, u->nwd, 0, true, wd);
	size_t al = nlri_field(md, u->f, u->ann, u->nann, u->label, false, an);
	size_t al2 = u->two ? nlri_field(md, u->f2, u->ann, u->nann, u->label, false, an2) : 0;
	size_t nhl = nexthop(u->f, u->nh, nh), nhl2 = nexthop(u->f2, u->nh, nh2);
	struct wire_buf b = wire_buf_make(msg, BGP_MAX_LEN);
	size_t at, sl = set_bytes(u->set, classic, u->nh, attrs), skip = u->order ? 4 : 0;

	wire_put_bytes(&b, hdr, sizeof(hdr));
	wire_put_u16(&b, (uint16_t)(classic ? wl : 0));
	if (classic)
		wire_put_bytes(&b, wd, wl);
	at = b.len;
	wire_put_u16(&b, 0);
	if (u->order && (al || al2)) /* ORIGIN before the MP attributes */
		wire_put_bytes(&b, attrs, 4);
	if (!classic && wl)
		put_mp(&b, BGP_ATTR_MP_UNREACH, u->f, NULL, 0, wd, wl);
	if (al && !classic)
		put_mp(&b, BGP_ATTR_MP_REACH, u->f, nh, nhl, an, al);
	if (al2)
		put_mp(&b, BGP_ATTR_MP_REACH, u->f2, nh2, nhl2, an2, al2);
	if (al || al2)
		wire_put_bytes(&b, attrs + skip, sl - skip);
	wire_patch_u16(&b, at, (uint16_t)(b.len - at - 2));
	if (classic)
		wire_put_bytes(&b, an, al);
	wire_patch_u16(&b, 16, (uint16_t)b.len);
	return b.overflow ? 0 : b.len;
}

/* ---- the model ---- */

static void
model_announce(struct model *md, unsigned f, uint8_t key, bool mp, const struct upd *u,
	       bool *changed)
{
	unsigned pid = has_addpath(md, f) ? key >> 3 & 1 : 0;
	struct route *r = &md->r[f][pid][key & 7];
	struct route want = { true, false, mp, u->two && f != 0, (uint8_t)u->set, (uint8_t)u->nh,
			      (uint8_t)(f >= 2 ? u->label : 0) };

	md->st.announced++;
	if (r->present && !r->stale && r->mp == mp && r->xnh == want.xnh && r->set == want.set &&
	    r->nh == want.nh && r->label == want.label) {
		md->st.dup_advertisements++;
		return;
	}
	if (r->present && !r->stale)
		md->st.implicit_withdraws++;
	*r = want;
	*changed = true;
}

static void
model_update(struct model *md, const struct upd *u)
{
	bool changed = false;

	md->st.updates++;
	for (unsigned i = 0; i < u->nwd; i++) {
		unsigned pid = has_addpath(md, u->f) ? u->wd[i] >> 3 & 1 : 0;
		struct route *r = &md->r[u->f][pid][u->wd[i] & 7];

		if (!r->present) {
			md->st.dup_withdraws++;
			continue;
		}
		memset(r, 0, sizeof(*r));
		md->st.withdrawn++;
		changed = true;
	}
	for (unsigned i = 0; i < u->nann; i++)
		model_announce(md, u->f, u->ann[i], u->f != 0 || u->mp, u, &changed);
	for (unsigned i = 0; u->two && i < u->nann; i++)
		model_announce(md, u->f2, u->ann[i], true, u, &changed);
	if ((u->nann || u->nwd) && !changed)
		md->st.dup_updates++;
}

static void
model_purge(struct model *md, unsigned f)
{
	for (unsigned pid = 0; pid < 2; pid++)
		for (unsigned p = 0; p < NPFX; p++)
			if (md->r[f][pid][p].stale) {
				memset(&md->r[f][pid][p], 0, sizeof(md->r[f][pid][p]));
				md->st.stale_purged++;
			}
}

static void
model_mark(struct model *md, unsigned mask)
{
	for (unsigned f = 0; f < NFAM; f++)
		for (unsigned pid = 0; pid < 2; pid++)
			for (unsigned p = 0; p < NPFX; p++) {
				struct route *r = &md->r[f][pid][p];
				if (!(mask >> f & 1))
					memset(r, 0, sizeof(*r));
				else if (r->present)
					r->stale = true;
			}
}

/* Routes of family f (stale too, or not), distinct attribute sets. */
static uint64_t
model_routes(const struct model *md, unsigned f, bool with_stale)
{
	uint64_t n = 0;

	for (unsigned pid = 0; pid < 2; pid++)
		for (unsigned p = 0; p < NPFX; p++)
			n += md->r[f][pid][p].present && (with_stale || !md->r[f][pid][p].stale);
	return n;
}

static uint64_t
model_sets(const struct model *md, bool with_stale)
{
	bool seen[NFAM][2][2][2][4] = { 0 };
	uint64_t n = 0;

	for (unsigned f = 0; f < NFAM; f++)
		for (unsigned pid = 0; pid < 2; pid++)
			for (unsigned p = 0; p < NPFX; p++) {
				const struct route *r = &md->r[f][pid][p];
				if (!r->present || (r->stale && !with_stale))
					continue;
				bool *s = &seen[f][r->mp][r->xnh][r->nh][r->set];
				n += !*s;
				*s = true;
			}
	return n;
}

static void
check(const struct mirror *m, const struct model *md)
{
	if (memcmp(mirror_stats(m), &md->st, sizeof(md->st)) != 0 ||
	    mirror_attr_sets(m) != model_sets(md, true))
		abort();
	for (unsigned f = 0; f < NFAM; f++)
		if (mirror_routes_af(m, fam_af[f]) != model_routes(md, f, true))
			abort();
}

/* ---- the replay, read back ---- */

/* The model route a replayed prefix names; NULL if none. */
static struct route *
route_of(struct model *md, unsigned f, const struct bgp_prefix *p)
{
	unsigned idx;

	if (p->path_id > 1)
		return NULL;
	switch (f) {
	case 0:
		idx = p->addr[2];
		break;
	case 1:
		idx = p->addr[5];
		break;
	case 2:
		idx = p->addr[2];
		break;
	default:
		idx = (unsigned)(p->addr[2] << 1 | p->rd[7]);
	}
	return idx < NPFX ? &md->r[f][p->path_id][idx] : NULL;
}

static void
check_field(struct model *md, struct wire_cur nlri, unsigned f, bool classic,
	    const struct bgp_update *u, uint8_t seen[NFAM][2][NPFX])
{
	struct bgp_nlri_iter it;
	struct bgp_prefix p;
	uint8_t want[64], got[64], nh[16];
	int rc;

	bgp_nlri_iter_init(&it, nlri, fam_af[f], has_addpath(md, f), false);
	while ((rc = bgp_nlri_next(&it, &p)) > 0) {
		struct route *r = route_of(md, f, &p);
		if (!r || !r->present || r->stale || r->mp == classic ||
		    seen[f][p.path_id][r - md->r[f][p.path_id]]++)
			abort();
		uint32_t label = (uint32_t)(p.labels[0][0] << 16 | p.labels[0][1] << 8 |
					    p.labels[0][2]) >> 4;
		if (f >= 2 && (p.nlabels != 1 || label != 100u + r->label))
			abort();
		size_t n = set_bytes(r->set, classic || r->xnh, r->nh, want);
		struct wire_cur c = u->attrs;
		size_t gl = 0;
		while (c.left) {
			const uint8_t *s = c.p;
			uint8_t flags = wire_u8(&c), type = wire_u8(&c);
			size_t len = flags & BGP_ATTR_FLAG_EXTLEN ? wire_u16(&c) : wire_u8(&c);
			if (!wire_skip(&c, len))
				abort();
			if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
				continue;
			if (gl + (size_t)(c.p - s) > sizeof(got))
				abort();
			memcpy(got + gl, s, (size_t)(c.p - s));
			gl += (size_t)(c.p - s);
		}
		if (gl != n || memcmp(got, want, n) != 0)
			abort();
		if (!classic && (u->nexthop_len != nexthop(f, r->nh, nh) ||
				 memcmp(u->nexthop, nh, u->nexthop_len) != 0))
			abort();
	}
	if (rc < 0)
		abort();
}

static int
fam_of(uint16_t afi, uint8_t safi)
{
	int af = bgp_af_index(afi, safi);

	for (unsigned f = 0; f < NFAM; f++)
		if (af == fam_af[f])
			return (int)f;
	abort();
}

static void
check_msg(struct model *md, const uint8_t *msg, size_t len, bool *eor_seen,
	  uint8_t seen[NFAM][2][NPFX])
{
	struct bgp_update u;

	if (bgp_parse_update(msg, (uint32_t)len, &md->caps, &u) != BGP_OK)
		abort();
	if (u.is_eor) {
		int f = fam_of(u.eor_afi, u.eor_safi);
		if (eor_seen[f])
			abort();
		eor_seen[f] = true;
		return;
	}
	for (unsigned f = 0; f < NFAM; f++)
		if (eor_seen[f])
			abort(); /* End-of-RIBs come last */
	if (u.withdrawn.left || u.has_unreach)
		abort();
	if (u.nlri.left)
		check_field(md, u.nlri, 0, true, &u, seen);
	if (u.has_reach)
		check_field(md, u.reach_nlri, (unsigned)fam_of(u.reach_afi, u.reach_safi), false,
			    &u, seen);
}

static void
check_replay(struct mirror *m, struct model *md, uint8_t flags)
{
	static uint8_t buf[1 << 16];
	uint32_t max = 128u + 256u * (flags >> 4);
	size_t slice = max * (1u + (flags >> 6)), r;
	uint8_t seen[NFAM][2][NPFX] = { 0 };
	bool eor_seen[NFAM] = { 0 };
	struct mirror *copy = mirror_create();
	struct mirror_cursor c;
	unsigned k;

	if (!copy)
		abort();
	mirror_cursor_init(&c);
	while ((r = mirror_replay(m, &c, &md->caps, 0, max, buf, slice, &k)) > 0) {
		for (size_t off = 0; off < r;) {
			uint16_t len = wire_load_u16(buf + off + BGP_MARKER_LEN);
			struct bgp_update u;

			if (len > max || off + len > r)
				abort();
			check_msg(md, buf + off, len, eor_seen, seen);
			if (bgp_parse_update(buf + off, len, &md->caps, &u) != BGP_OK ||
			    mirror_apply(copy, &u, &md->caps) != 0)
				abort();
			off += len;
		}
	}
	if (!c.done)
		abort();
	for (unsigned f = 0; f < NFAM; f++) {
		uint64_t n = model_routes(md, f, false);
		if (mirror_routes_af(copy, fam_af[f]) != n || eor_seen[f] != (n > 0))
			abort();
	}
	if (mirror_attr_sets(copy) != model_sets(md, false))
		abort();
	mirror_destroy(copy);
}

/* ---- driver ---- */

static size_t
decode_upd(const uint8_t *d, size_t left, uint8_t op, struct upd *u)
{
	if (left < 2)
		return 0;
	memset(u, 0, sizeof(*u));
	u->two = op == 7;
	u->f = u->two ? 0 : d[0] & 3;
	u->mp = !u->two && (d[0] >> 2 & 1);
	u->nwd = d[0] >> 3 & 3;
	u->nann = d[0] >> 5;
	u->set = d[1] & 3;
	u->nh = d[1] >> 2 & 1;
	u->label = d[1] >> 3 & 3;
	u->order = d[1] >> 5 & 1;
	u->f2 = 1 + (d[1] >> 6) % 3;
	if (u->nwd + u->nann == 0)
		u->nann = 1;
	if (u->two && u->nann == 0)
		u->nann = 1;
	if (left < 2 + u->nwd + u->nann)
		return 0;
	memcpy(u->wd, d + 2, u->nwd);
	memcpy(u->ann, d + 2 + u->nwd, u->nann);
	return 2 + u->nwd + u->nann;
}

static void
apply(struct mirror *m, struct model *md, const uint8_t *msg, size_t len)
{
	struct bgp_update u;

	if (!len || bgp_parse_update(msg, (uint32_t)len, &md->caps, &u) != BGP_OK ||
	    mirror_apply(m, &u, &md->caps) != 0)
		abort();
}

static size_t
step(struct mirror *m, struct model *md, const uint8_t *d, size_t left)
{
	static uint8_t msg[BGP_MAX_LEN];
	uint8_t op = d[0] & 7;
	struct upd u;
	size_t n;

	if (op == 6) {
		mirror_clear(m);
		memset(md->r, 0, sizeof(md->r));
		return 1;
	}
	if (left < 2)
		return 0;
	switch (op) {
	case 3: {
		/* RFC 4724 2: an empty UPDATE, or a lone empty MP_UNREACH */
		unsigned f = d[1] & 3;
		uint8_t eor[29] = { [16] = 0, 29, 2, 0, 0, 0, 6, 0x80, 0x0f, 3, 0,
				    (uint8_t)bgp_af_afi(fam_af[f]), bgp_af_safi(fam_af[f]) };

		memset(eor, 0xff, BGP_MARKER_LEN);
		if (f == 0) {
			eor[17] = 23;
			memset(eor + 19, 0, 4);
		}
		apply(m, md, eor, f == 0 ? 23 : 29);
		md->st.updates++;
		md->st.eors++;
		model_purge(md, f);
		return 2;
	}
	case 4: {
		uint32_t mask = 0;

		for (unsigned f = 0; f < NFAM; f++)
			if (d[1] >> f & 1)
				mask |= 1u << fam_af[f];
		mirror_mark_stale(m, mask);
		model_mark(md, d[1]);
		return 2;
	}
	case 5:
		mirror_purge_stale(m, d[1] & 4 ? -1 : fam_af[d[1] & 3]);
		for (unsigned f = 0; f < NFAM; f++)
			if (d[1] & 4 || f == (d[1] & 3u))
				model_purge(md, f);
		return 2;
	default:
		n = decode_upd(d + 1, left - 1, op, &u);
		if (!n)
			return 0;
		apply(m, md, msg, build(md, &u, msg));
		model_update(md, &u);
		return 1 + n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model md;
	struct mirror *m;
	size_t off = 1;

	if (size < 1)
		return 0;
	memset(&md, 0, sizeof(md));
	md.caps.as4 = true;
	md.caps.af_mask = 0xff;
	for (unsigned f = 0; f < NFAM; f++)
		if (data[0] >> f & 1)
			md.caps.addpath_mask |= 1u << fam_af[f];
	m = mirror_create();
	if (!m)
		return 0;
	while (off < size) {
		size_t n = step(m, &md, data + off, size - off);
		if (!n)
			break;
		off += n;
		check(m, &md);
	}
	check_replay(m, &md, data[0]);
	mirror_destroy(m);
	return 0;
}
