/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay of a mirror as UPDATEs, resumable slice by slice.
 *
 * Each family's entries are walked a window at a time from the cursor.
 * A window is planned first: its live prefixes are grouped by attribute
 * set (groups in order of first appearance, members in entry order) and
 * packed greedily into messages of at most max_msg bytes, adding up the
 * exact bytes. A window that fits what is left of the caller's buffer is
 * written whole and the cursor moves past it; one that does not waits
 * for the next call, unless the buffer was empty: then the plan stops at
 * the first prefix that would overflow and the window is cut there. The
 * cursor is thus a plain entry index, nothing of a slice survives to the
 * next call, and slices that each hold a window give the same bytes as
 * one big call. A cut window only packs differently, never loses a route.
 *
 * Live changes between slices: an entry behind the cursor was written or
 * has changed since, and the station gets every change live (encoder.h).
 *
 * IPv4 unicast routes learned from the NLRI field go back in the NLRI
 * field; every other route goes in an MP_REACH_NLRI, first in the
 * attributes, built from the family and the stored next hop. A route
 * whose single-prefix message would exceed max_msg cannot be written and
 * is skipped (only when max_msg is smaller than the session's own).
 * Progress needs buf_len >= max_msg: a call that cannot fit the next
 * message returns 0 with the cursor not done.
 *
 * The grouping scratch (18 KiB) is per thread, not per mirror.
 */
#include "mirror_priv.h"

#define RP_WIN 1024u             /* entries a window */
#define RP_SLOT_BITS 11          /* 2 * RP_WIN group slots */
#define RP_NONE 0xffffu
#define MP_REACH_FIXED 5u        /* AFI, SAFI, next hop length, reserved */
#define EOR_V4_LEN 23u
#define EOR_MP_LEN 29u

struct rp_scratch {
	uint16_t slot[1u << RP_SLOT_BITS]; /* 1 + group, by set handle */
	uint32_t set[RP_WIN];    /* group -> set handle */
	uint32_t fill[RP_WIN];   /* group -> NLRI bytes of its last message */
	uint16_t head[RP_WIN];   /* group -> first member (window-relative) */
	uint16_t tail[RP_WIN];
	uint16_t link[RP_WIN];   /* member -> next member of its group */
	uint32_t ngroups;
};

static _Thread_local struct rp_scratch rp;

struct rp_ctx {
	struct mirror *m;
	struct wire_buf b;
	uint32_t max;            /* message size */
	uint8_t af;
	bool addpath;
	unsigned msgs;
};

void
mirror_cursor_init(struct mirror_cursor *c)
{
	*c = (struct mirror_cursor){ .af = 0, .next = 0, .eor_af = 0, .done = false };
}

static bool
classic(const struct rp_ctx *r, const struct mr_set *s)
{
	return r->af == BGP_AF_IPV4_UNICAST && s->nh_len == 0;
}

/* Bytes of one UPDATE carrying set s and nlri bytes of prefixes. */
static uint32_t
msg_size(const struct rp_ctx *r, const struct mr_set *s, uint32_t nlri)
{
	uint32_t n = BGP_HDR_LEN + 4 + s->len, v;

	if (classic(r, s))
		return n + nlri;
	v = MP_REACH_FIXED + s->nh_len + nlri;
	return n + (v > UINT8_MAX ? 4 : 3) + v;
}

static uint32_t
pfx_size(const struct rp_ctx *r, const uint8_t *e)
{
	const struct mr_shape *sh = &mr_shapes[r->af];

	return (r->addpath ? 4u : 0u) + 1u + e[ENT_NLABELS] * 3u + (sh->rd_off ? 8u : 0u) +
	       (e[ENT_LEN] + 7u) / 8u;
}

static void
pfx_put(struct rp_ctx *r, const struct mr_fam *f, uint32_t idx)
{
	const struct mr_shape *sh = &mr_shapes[r->af];
	const uint8_t *e = mr_ent(f, r->af, idx);
	unsigned bits = e[ENT_LEN] + 24u * e[ENT_NLABELS] + (sh->rd_off ? 64u : 0u);

	if (r->addpath)
		wire_put_u32(&r->b, mr_ent_pid(f, idx));
	wire_put_u8(&r->b, (uint8_t)bits);
	if (sh->lab_off)
		wire_put_bytes(&r->b, e + sh->lab_off, e[ENT_NLABELS] * 3u);
	if (sh->rd_off)
		wire_put_bytes(&r->b, e + sh->rd_off, 8);
	wire_put_bytes(&r->b, e + ENT_ADDR, (e[ENT_LEN] + 7u) / 8u);
}

/* ---- planning ---- */

/* The group of set handle h, or where a new one goes (*found false). */
static uint32_t
group_slot(uint32_t h, bool *found)
{
	uint32_t mask = (1u << RP_SLOT_BITS) - 1;
	uint32_t pos = (h * 0x9e3779b1u) >> (32 - RP_SLOT_BITS);

	for (;; pos = (pos + 1) & mask) {
		uint16_t g = rp.slot[pos];

		if (!g || rp.set[g - 1] == h) {
			*found = g != 0;
			return pos;
		}
	}
}

static void
group_add(uint32_t pos, bool found, uint32_t h, uint32_t fill, uint16_t member)
{
	uint32_t g;

	if (!found) {
		g = rp.ngroups++;
		rp.slot[pos] = (uint16_t)(g + 1);
		rp.set[g] = h;
		rp.head[g] = member;
	} else {
		g = rp.slot[pos] - 1u;
		rp.link[rp.tail[g]] = member;
	}
	rp.tail[g] = member;
	rp.link[member] = RP_NONE;
	rp.fill[g] = fill;
}

/*
 * Group entries [from, to) and add up their messages; stop before the
 * first prefix that would take the total past `room`. Returns where it
 * stopped.
 */
static uint32_t
plan_window(struct rp_ctx *r, const struct mr_fam *f, uint32_t from, uint32_t to, size_t room)
{
	size_t used = 0;
	uint32_t i;

	memset(rp.slot, 0, sizeof(rp.slot));
	rp.ngroups = 0;
	for (i = from; i < to; i++) {
		const uint8_t *e = mr_ent(f, r->af, i);
		uint32_t h = mr_ent_attr(e), sz, one, fill = 0, delta, pos;
		bool found;

		if (!h || (e[ENT_FLAGS] & ENT_STALE))
			continue;
		const struct mr_set *s = mr_set_get(&r->m->at, h);
		sz = pfx_size(r, e);
		one = msg_size(r, s, sz);
		if (one > r->max)
			continue; /* cannot be written under this max_msg */
		pos = group_slot(h, &found);
		if (found)
			fill = rp.fill[rp.slot[pos] - 1];
		if (fill && msg_size(r, s, fill + sz) <= r->max) {
			delta = msg_size(r, s, fill + sz) - msg_size(r, s, fill);
			fill += sz;
		} else {
			delta = one;
			fill = sz;
		}
		if (used + delta > room)
			break;
		used += delta;
		group_add(pos, found, h, fill, (uint16_t)(i - from));
	}
	return i;
}

/* ---- writing ---- */

static void
put_header(struct rp_ctx *r, uint32_t len)
{
	uint8_t *p = wire_put_reserve(&r->b, BGP_MARKER_LEN);

	if (p)
		memset(p, 0xff, BGP_MARKER_LEN);
	wire_put_u16(&r->b, (uint16_t)len);
	wire_put_u8(&r->b, BGP_MSG_UPDATE);
}

/* One UPDATE: set s, members [first, end) of a group's list. */
static void
msg_write(struct rp_ctx *r, const struct mr_set *s, uint32_t from, uint16_t first, uint16_t end,
	  uint32_t nlri)
{
	const struct mr_fam *f = &r->m->fam[r->af];
	uint32_t size = msg_size(r, s, nlri);
	uint32_t v = MP_REACH_FIXED + s->nh_len + nlri;

	put_header(r, size);
	wire_put_u16(&r->b, 0); /* withdrawn routes length */
	wire_put_u16(&r->b, (uint16_t)(size - BGP_HDR_LEN - 4 - (classic(r, s) ? nlri : 0)));
	if (!classic(r, s)) {
		bool ext = v > UINT8_MAX;

		wire_put_u8(&r->b, BGP_ATTR_FLAG_OPTIONAL | (ext ? BGP_ATTR_FLAG_EXTLEN : 0));
		wire_put_u8(&r->b, BGP_ATTR_MP_REACH);
		if (ext)
			wire_put_u16(&r->b, (uint16_t)v);
		else
			wire_put_u8(&r->b, (uint8_t)v);
		wire_put_u16(&r->b, bgp_af_afi(r->af));
		wire_put_u8(&r->b, bgp_af_safi(r->af));
		wire_put_u8(&r->b, s->nh_len);
		wire_put_bytes(&r->b, s->data, s->nh_len);
		wire_put_u8(&r->b, 0); /* reserved */
		for (uint16_t mb = first; mb != end; mb = rp.link[mb])
			pfx_put(r, f, from + mb);
	}
	wire_put_bytes(&r->b, s->data + s->nh_len, s->len);
	if (classic(r, s))
		for (uint16_t mb = first; mb != end; mb = rp.link[mb])
			pfx_put(r, f, from + mb);
	r->msgs++;
}

/* A group's members packed into messages exactly as planned. */
static void
emit_group(struct rp_ctx *r, uint32_t from, uint32_t g)
{
	const struct mr_fam *f = &r->m->fam[r->af];
	const struct mr_set *s = mr_set_get(&r->m->at, rp.set[g]);
	uint16_t mb = rp.head[g];

	while (mb != RP_NONE) {
		uint16_t end = mb;
		uint32_t nlri = 0;

		do {
			uint32_t sz = pfx_size(r, mr_ent(f, r->af, from + end));

			if (nlri && msg_size(r, s, nlri + sz) > r->max)
				break;
			nlri += sz;
			end = rp.link[end];
		} while (end != RP_NONE);
		msg_write(r, s, from, mb, end, nlri);
		mb = end;
	}
}

/* One window of the cursor's family; false when the buffer is full. */
static bool
replay_window(struct rp_ctx *r, struct mirror_cursor *c, const struct bgp_caps *caps)
{
	const struct mr_fam *f = &r->m->fam[c->af];
	uint32_t to, end;

	if (c->next >= f->hw) {
		c->af++;
		c->next = 0;
		return true;
	}
	r->af = c->af;
	r->addpath = caps && (caps->addpath_mask >> c->af & 1);
	to = f->hw - c->next > RP_WIN ? c->next + RP_WIN : f->hw;
	end = plan_window(r, f, c->next, to, r->b.cap - r->b.len);
	/* A window is cut only when it cannot fit even an empty slice. */
	if (end < to && r->b.len)
		return false;
	for (uint32_t g = 0; g < rp.ngroups; g++)
		emit_group(r, c->next, g);
	c->next = end;
	return end == to;
}

/* RFC 4724 2: an empty UPDATE, or an MP_UNREACH_NLRI without routes. */
static void
put_eor(struct rp_ctx *r, uint8_t af)
{
	if (af == BGP_AF_IPV4_UNICAST) {
		put_header(r, EOR_V4_LEN);
		wire_put_u32(&r->b, 0); /* no withdrawn routes, no attributes */
	} else {
		put_header(r, EOR_MP_LEN);
		wire_put_u16(&r->b, 0);
		wire_put_u16(&r->b, 6);
		wire_put_u8(&r->b, BGP_ATTR_FLAG_OPTIONAL);
		wire_put_u8(&r->b, BGP_ATTR_MP_UNREACH);
		wire_put_u8(&r->b, 3);
		wire_put_u16(&r->b, bgp_af_afi(af));
		wire_put_u8(&r->b, bgp_af_safi(af));
	}
	r->msgs++;
}

static bool
replay_eors(struct rp_ctx *r, struct mirror_cursor *c, uint32_t eor_mask)
{
	for (; c->eor_af < BGP_AF__COUNT; c->eor_af++) {
		const struct mr_fam *f = &r->m->fam[c->eor_af];
		uint32_t len = c->eor_af == BGP_AF_IPV4_UNICAST ? EOR_V4_LEN : EOR_MP_LEN;

		if (!(eor_mask >> c->eor_af & 1) && f->count == f->nstale)
			continue;
		if (r->b.cap - r->b.len < len)
			return false;
		put_eor(r, c->eor_af);
	}
	c->done = true;
	return true;
}

size_t
mirror_replay(struct mirror *m, struct mirror_cursor *c, const struct bgp_caps *caps,
	      uint32_t eor_mask, uint32_t max_msg, uint8_t *buf, size_t buf_len,
	      unsigned *n_msgs)
{
	struct rp_ctx r = {
		.m = m,
		.b = wire_buf_make(buf, buf_len),
		.max = max_msg < BGP_EXT_MAX_LEN ? max_msg : BGP_EXT_MAX_LEN,
	};

	while (!c->done) {
		bool more = c->af < BGP_AF__COUNT ? replay_window(&r, c, caps)
						  : replay_eors(&r, c, eor_mask);
		if (!more)
			break;
	}
	if (n_msgs)
		*n_msgs = r.msgs;
	return r.b.len;
}
