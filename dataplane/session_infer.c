/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions joined mid-stream: the OPENs were never captured, yet the
 * collector needs a Peer Up with both OPENs and must read the UPDATEs
 * the way the speakers negotiated. Infer from the first UPDATE:
 *  - 4-octet AS and ADD-PATH: the first reading of the message that
 *    parses cleanly, in the order (as4), (2-octet), (as4 + ADD-PATH),
 *    (2-octet + ADD-PATH); AS4_PATH present means a 2-octet session;
 *  - the sender's AS: first AS of the AS_PATH (right for eBGP; 0 when
 *    the path is empty, as from an iBGP or route-server sender);
 *  - BGP identifiers: the speakers' IPv4 transport addresses, or the
 *    low 32 bits of IPv6 ones; hold time 0 (unknown).
 * The Peer Up says so in an information TLV (session_bgp.c).
 */
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"

#define AS_TRANS 23456
#define ALL_FAMILIES ((1u << BGP_AF__COUNT) - 1)

static bool
parses(const uint8_t *msg, uint32_t len, const struct bgp_caps *caps, struct bgp_update *u)
{
	return bgp_parse_update(msg, len, caps, u) == BGP_OK;
}

static struct bgp_caps
guess_caps(const uint8_t *msg, uint32_t len, const struct sess_dir *sd)
{
	static const struct { bool as4; uint32_t ap; } order[] = {
		{ true, 0 }, { false, 0 }, { true, ALL_FAMILIES }, { false, ALL_FAMILIES },
	};
	struct bgp_caps c = { .ext_msg = true, .af_mask = ALL_FAMILIES };
	struct bgp_update u;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (sd->open_seen && order[i].as4 && !sd->open.cap_as4)
			continue;
		c.as4 = order[i].as4;
		c.addpath_mask = order[i].ap;
		if (!parses(msg, len, &c, &u))
			continue;
		if (c.as4 && (u.attr_seen & (1ull << BGP_ATTR_AS4_PATH))) {
			struct bgp_caps two = c;
			two.as4 = false;
			if (parses(msg, len, &two, &u))
				return two;
		}
		return c;
	}
	c.as4 = !sd->open_seen || sd->open.cap_as4;
	c.addpath_mask = 0;
	return c;
}

/* First AS of the first segment of an AS path value of `width` octets. */
static uint32_t
path_head(const uint8_t *p, size_t len, unsigned width)
{
	if (len < 2 + width || p[1] == 0)
		return 0;
	return width == 4 ? wire_load_u32(p + 2) : wire_load_u16(p + 2);
}

/* The sender's AS as its AS_PATH shows it; a 2-octet speaker's AS_TRANS is
 * resolved through AS4_PATH. */
static uint32_t
first_as(const uint8_t *msg, uint32_t len, const struct bgp_caps *caps)
{
	struct bgp_update u;
	struct wire_cur as4;
	if (!parses(msg, len, caps, &u) || !u.as_path)
		return 0;
	uint32_t as = path_head(u.as_path, u.as_path_len, caps->as4 ? 4 : 2);
	if (as == AS_TRANS && !caps->as4 && bgp_update_attr(&u, BGP_ATTR_AS4_PATH, &as4))
		as = path_head(as4.p, as4.left, 4);
	return as;
}

static uint32_t
id_from_addr(const struct flow_key *k, int endpoint)
{
	const uint8_t *a = k->addr[endpoint];
	return wire_load_u32(k->family == 4 ? a : a + 12);
}

static void
put_caps(struct wire_buf *b, uint32_t asn, const struct bgp_caps *c, uint8_t addpath_dir)
{
	for (int af = 0; af < BGP_AF__COUNT; af++) {
		wire_put_u8(b, 1);              /* multiprotocol */
		wire_put_u8(b, 4);
		wire_put_u16(b, bgp_af_afi(af));
		wire_put_u8(b, 0);
		wire_put_u8(b, bgp_af_safi(af));
	}
	if (c->as4) {
		wire_put_u8(b, 65);             /* 4-octet AS */
		wire_put_u8(b, 4);
		wire_put_u32(b, asn);
	}
	for (int af = 0; af < BGP_AF__COUNT; af++) {
		if (!(c->addpath_mask & (1u << af)))
			continue;
		wire_put_u8(b, 69);             /* ADD-PATH, one family each */
		wire_put_u8(b, 4);
		wire_put_u16(b, bgp_af_afi(af));
		wire_put_u8(b, bgp_af_safi(af));
		wire_put_u8(b, addpath_dir);
	}
}

/* An OPEN saying what we believe; addpath_dir: send (sender) or receive. */
static void
synthesize_open(struct sess_dir *sd, uint32_t asn, uint32_t id, const struct bgp_caps *c,
		uint8_t addpath_dir)
{
	uint8_t buf[BGP_MAX_LEN];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	memset(wire_put_reserve(&b, BGP_MARKER_LEN), 0xff, BGP_MARKER_LEN);
	wire_put_u16(&b, 0);                    /* length, patched */
	wire_put_u8(&b, BGP_MSG_OPEN);
	wire_put_u8(&b, 4);
	wire_put_u16(&b, asn > 0xffff ? AS_TRANS : (uint16_t)asn);
	wire_put_u16(&b, 0);                    /* hold time unknown */
	wire_put_u32(&b, id);
	size_t optlen_at = b.len;
	wire_put_u8(&b, 0);
	wire_put_u8(&b, 2);                     /* capabilities parameter */
	size_t caplen_at = b.len;
	wire_put_u8(&b, 0);
	put_caps(&b, asn, c, addpath_dir);
	b.p[caplen_at] = (uint8_t)(b.len - caplen_at - 1);
	b.p[optlen_at] = (uint8_t)(b.len - optlen_at - 1);
	wire_patch_u16(&b, BGP_MARKER_LEN, (uint16_t)b.len);
	uint8_t *copy = malloc(b.len);
	if (!copy || bgp_parse_open(buf, (uint32_t)b.len, &sd->open) != BGP_OK) {
		free(copy);
		return;
	}
	memcpy(copy, buf, b.len);
	/* a 2-octet OPEN says AS_TRANS; the per-peer header wants the AS */
	sd->open.asn = asn;
	free(sd->open_msg);
	sd->open_msg = copy;
	sd->open_len = (uint16_t)b.len;
	sd->inferred = true;
}

void
sess_infer(struct session *s, int d, const uint8_t *update, uint32_t len)
{
	struct sess_dir *sd = &s->dir[d], *od = &s->dir[!d];
	struct bgp_caps c = guess_caps(update, len, sd);
	/* an OPEN synthesized earlier for this sender as a receiver knew
	 * nothing of its AS: redo it from the sender's own UPDATE */
	if (!sd->open_msg || sd->inferred)
		synthesize_open(sd, first_as(update, len, &c), id_from_addr(&s->key, d), &c,
				BGP_ADDPATH_SEND);
	if (!od->open_msg)
		synthesize_open(od, 0, id_from_addr(&s->key, !d), &c, BGP_ADDPATH_RECEIVE);
	sd->caps = c;
	/* the negotiated maximum is unknown: accept any valid length */
	bgp_framer_set_max(&sd->fr, BGP_EXT_MAX_LEN);
}
