/* SPDX-License-Identifier: BSD-3-Clause */
#include "bgpmsg.h"

#include "dataplane/bgp.h"

#define CAP_ADDPATH 69
#define CAP_MP 1
#define CAP_RR 2
#define CAP_EXT_MSG 6
#define CAP_AS4 65
#define OPT_CAPABILITIES 2
#define MP_REACH_FIXED 21       /* AFI, SAFI, nh len, 16-byte nh, reserved */
#define MP_UNREACH_FIXED 3

/* Write the 19-byte header; the length is patched by end_msg(). */
static size_t
begin_msg(struct wire_buf *b, uint8_t type)
{
	size_t off = b->len;
	uint8_t *m = wire_put_reserve(b, BGP_MARKER_LEN);

	if (m)
		memset(m, 0xff, BGP_MARKER_LEN);
	wire_put_u16(b, 0);
	wire_put_u8(b, type);
	return off;
}

static void
end_msg(struct wire_buf *b, size_t off)
{
	wire_patch_u16(b, off + BGP_MARKER_LEN, (uint16_t)(b->len - off));
}

void
gen_bgp_keepalive(struct wire_buf *b)
{
	end_msg(b, begin_msg(b, BGP_MSG_KEEPALIVE));
}

void
gen_bgp_notification(struct wire_buf *b, uint8_t code, uint8_t subcode)
{
	size_t off = begin_msg(b, BGP_MSG_NOTIFICATION);

	wire_put_u8(b, code);
	wire_put_u8(b, subcode);
	end_msg(b, off);
}

static void
put_cap_mp(struct wire_buf *b, uint16_t afi)
{
	wire_put_u8(b, CAP_MP);
	wire_put_u8(b, 4);
	wire_put_u16(b, afi);
	wire_put_u8(b, 0);
	wire_put_u8(b, BGP_SAFI_UNICAST);
}

static void
put_caps(struct wire_buf *b, const struct gen_open *o)
{
	put_cap_mp(b, BGP_AFI_IPV4);
	put_cap_mp(b, BGP_AFI_IPV6);
	wire_put_u8(b, CAP_RR);
	wire_put_u8(b, 0);
	wire_put_u8(b, CAP_AS4);
	wire_put_u8(b, 4);
	wire_put_u32(b, o->asn);
	if (o->ext_msg) {
		wire_put_u8(b, CAP_EXT_MSG);
		wire_put_u8(b, 0);
	}
	if (o->addpath) {
		wire_put_u8(b, CAP_ADDPATH);
		wire_put_u8(b, 8);
		wire_put_u16(b, BGP_AFI_IPV4);
		wire_put_u8(b, BGP_SAFI_UNICAST);
		wire_put_u8(b, BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND);
		wire_put_u16(b, BGP_AFI_IPV6);
		wire_put_u8(b, BGP_SAFI_UNICAST);
		wire_put_u8(b, BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND);
	}
}

/* All capabilities in one optional parameter (RFC 5492). */
void
gen_bgp_open(struct wire_buf *b, const struct gen_open *o)
{
	size_t off = begin_msg(b, BGP_MSG_OPEN);

	wire_put_u8(b, 4);
	wire_put_u16(b, o->asn > 0xffff ? GEN_AS_TRANS : (uint16_t)o->asn);
	wire_put_u16(b, o->hold);
	wire_put_bytes(b, o->bgp_id, 4);
	size_t optlen_at = b->len;
	wire_put_u8(b, 0);
	wire_put_u8(b, OPT_CAPABILITIES);
	wire_put_u8(b, 0);
	put_caps(b, o);
	if (!b->overflow) {
		size_t plen = b->len - optlen_at - 3;
		b->p[optlen_at] = (uint8_t)(plen + 2);
		b->p[optlen_at + 2] = (uint8_t)plen;
	}
	end_msg(b, off);
}

void
gen_bgp_eor(struct wire_buf *b, int fam)
{
	size_t off = begin_msg(b, BGP_MSG_UPDATE);

	wire_put_u16(b, 0);
	if (fam == GEN_FAM_V4) {
		wire_put_u16(b, 0);
	} else {
		wire_put_u16(b, 6);
		wire_put_u8(b, BGP_ATTR_FLAG_OPTIONAL);
		wire_put_u8(b, BGP_ATTR_MP_UNREACH);
		wire_put_u8(b, 3);
		wire_put_u16(b, BGP_AFI_IPV6);
		wire_put_u8(b, BGP_SAFI_UNICAST);
	}
	end_msg(b, off);
}

uint32_t
gen_nlri_size(const struct gen_nlri *p, bool addpath)
{
	return (addpath ? 4u : 0u) + 1u + (p->len + 7u) / 8u;
}

static void
put_nlri(struct wire_buf *b, const struct gen_nlri *p, uint32_t n, bool addpath)
{
	for (uint32_t i = 0; i < n; i++) {
		if (addpath)
			wire_put_u32(b, p[i].path_id);
		wire_put_u8(b, p[i].len);
		wire_put_bytes(b, p[i].addr, (p[i].len + 7u) / 8u);
	}
}

/* Attribute header; extended length only when the value needs it. */
static void
put_attr_hdr(struct wire_buf *b, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 255) {
		wire_put_u8(b, flags | BGP_ATTR_FLAG_EXTLEN);
		wire_put_u8(b, type);
		wire_put_u16(b, (uint16_t)len);
	} else {
		wire_put_u8(b, flags);
		wire_put_u8(b, type);
		wire_put_u8(b, (uint8_t)len);
	}
}

static size_t
attr_hdr_len(size_t len)
{
	return len > 255 ? 4 : 3;
}

static void
put_as_path(struct wire_buf *b, const struct gen_attrs *a)
{
	put_attr_hdr(b, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_AS_PATH, a->n_as ? 2u + 4u * a->n_as : 0);
	if (a->n_as == 0)
		return;
	wire_put_u8(b, 2);               /* AS_SEQUENCE */
	wire_put_u8(b, a->n_as);
	for (unsigned i = 0; i < a->n_as; i++)
		wire_put_u32(b, a->as[i]);
}

/* Attributes with type codes below MP_REACH (14), in ascending order. */
static void
put_attrs_low(struct wire_buf *b, const struct gen_attrs *a, int fam)
{
	put_attr_hdr(b, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_ORIGIN, 1);
	wire_put_u8(b, a->origin);
	put_as_path(b, a);
	if (fam == GEN_FAM_V4) {
		put_attr_hdr(b, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_NEXT_HOP, 4);
		wire_put_bytes(b, a->nh4, 4);
	}
	if (a->has_med) {
		put_attr_hdr(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MED, 4);
		wire_put_u32(b, a->med);
	}
	if (a->n_comm) {
		put_attr_hdr(b, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE,
			     BGP_ATTR_COMMUNITIES, 4u * a->n_comm);
		for (unsigned i = 0; i < a->n_comm; i++)
			wire_put_u32(b, a->comm[i]);
	}
}

/* Attributes with type codes above MP_UNREACH (15). */
static void
put_attrs_high(struct wire_buf *b, const struct gen_attrs *a)
{
	if (a->n_lcomm == 0)
		return;
	put_attr_hdr(b, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE,
		     BGP_ATTR_LARGE_COMMUNITIES, 12u * a->n_lcomm);
	for (unsigned i = 0; i < a->n_lcomm; i++)
		for (unsigned j = 0; j < 3; j++)
			wire_put_u32(b, a->lcomm[i][j]);
}

static size_t
attrs_fixed_len(const struct gen_attrs *a, int fam)
{
	uint8_t tmp[512];
	struct wire_buf t = wire_buf_make(tmp, sizeof(tmp));

	put_attrs_low(&t, a, fam);
	put_attrs_high(&t, a);
	return t.len;
}

/* How many prefixes fit after `fixed` bytes, with a variable MP attribute. */
static uint32_t
count_fit(const struct gen_update *u, size_t fixed, size_t mp_fixed)
{
	size_t nlri = 0;
	uint32_t n = 0;

	while (n < u->n) {
		size_t add = gen_nlri_size(&u->pfx[n], u->addpath);
		size_t mp = mp_fixed ? attr_hdr_len(mp_fixed + nlri + add) + mp_fixed : 0;
		if (n > 0 && fixed + mp + nlri + add > u->max_len)
			break;
		nlri += add;
		n++;
	}
	return n;
}

static size_t
nlri_bytes(const struct gen_update *u, uint32_t n)
{
	size_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += gen_nlri_size(&u->pfx[i], u->addpath);
	return s;
}

static uint32_t
update_v4(struct wire_buf *b, const struct gen_update *u)
{
	size_t alen = u->attrs ? attrs_fixed_len(u->attrs, GEN_FAM_V4) : 0;
	uint32_t n = count_fit(u, BGP_HDR_LEN + 4 + alen, 0);
	size_t nb = nlri_bytes(u, n);
	size_t off = begin_msg(b, BGP_MSG_UPDATE);

	wire_put_u16(b, u->attrs ? 0 : (uint16_t)nb);
	if (!u->attrs)
		put_nlri(b, u->pfx, n, u->addpath);
	wire_put_u16(b, (uint16_t)alen);
	if (u->attrs) {
		put_attrs_low(b, u->attrs, GEN_FAM_V4);
		put_attrs_high(b, u->attrs);
		put_nlri(b, u->pfx, n, u->addpath);
	}
	end_msg(b, off);
	return n;
}

static void
put_mp_reach(struct wire_buf *b, const struct gen_update *u, uint32_t n, size_t nb)
{
	put_attr_hdr(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MP_REACH, MP_REACH_FIXED + nb);
	wire_put_u16(b, BGP_AFI_IPV6);
	wire_put_u8(b, BGP_SAFI_UNICAST);
	wire_put_u8(b, 16);
	wire_put_bytes(b, u->attrs->nh6, 16);
	wire_put_u8(b, 0);               /* reserved (was SNPA count) */
	put_nlri(b, u->pfx, n, u->addpath);
}

static void
put_mp_unreach(struct wire_buf *b, const struct gen_update *u, uint32_t n, size_t nb)
{
	put_attr_hdr(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MP_UNREACH, MP_UNREACH_FIXED + nb);
	wire_put_u16(b, BGP_AFI_IPV6);
	wire_put_u8(b, BGP_SAFI_UNICAST);
	put_nlri(b, u->pfx, n, u->addpath);
}

static uint32_t
update_v6(struct wire_buf *b, const struct gen_update *u)
{
	size_t alen = u->attrs ? attrs_fixed_len(u->attrs, GEN_FAM_V6) : 0;
	size_t mp_fixed = u->attrs ? MP_REACH_FIXED : MP_UNREACH_FIXED;
	uint32_t n = count_fit(u, BGP_HDR_LEN + 4 + alen, mp_fixed);
	size_t nb = nlri_bytes(u, n);
	size_t off = begin_msg(b, BGP_MSG_UPDATE);

	wire_put_u16(b, 0);
	wire_put_u16(b, (uint16_t)(alen + attr_hdr_len(mp_fixed + nb) + mp_fixed + nb));
	if (u->attrs) {
		put_attrs_low(b, u->attrs, GEN_FAM_V6);
		put_mp_reach(b, u, n, nb);
		put_attrs_high(b, u->attrs);
	} else {
		put_mp_unreach(b, u, n, nb);
	}
	end_msg(b, off);
	return n;
}

uint32_t
gen_bgp_update(struct wire_buf *b, const struct gen_update *u)
{
	if (u->n == 0)
		return 0;
	uint32_t n = u->fam == GEN_FAM_V4 ? update_v4(b, u) : update_v6(b, u);
	return b->overflow ? 0 : n;
}
