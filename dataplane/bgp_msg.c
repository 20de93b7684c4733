/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP message parsers: OPEN and its capabilities, UPDATE, NOTIFICATION,
 * ROUTE-REFRESH, plus the address family and error name tables.
 *
 * Parsers validate structure only and return views into the message.
 * Every read goes through a wire_cur; a length field becomes a sub-view,
 * so an inner length can never reach past its container.
 */
#include <string.h>

#include "bgp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- address families and error names ---------------------------------- */

static const struct {
	uint16_t afi;
	uint8_t safi;
	const char *name;
} af_table[BGP_AF__COUNT] = {
	[BGP_AF_IPV4_UNICAST] = { BGP_AFI_IPV4, BGP_SAFI_UNICAST, "ipv4-unicast" },
	[BGP_AF_IPV6_UNICAST] = { BGP_AFI_IPV6, BGP_SAFI_UNICAST, "ipv6-unicast" },
	[BGP_AF_IPV4_MULTICAST] = { BGP_AFI_IPV4, BGP_SAFI_MULTICAST, "ipv4-multicast" },
	[BGP_AF_IPV6_MULTICAST] = { BGP_AFI_IPV6, BGP_SAFI_MULTICAST, "ipv6-multicast" },
	[BGP_AF_IPV4_LABELED] = { BGP_AFI_IPV4, BGP_SAFI_LABELED, "ipv4-labeled-unicast" },
	[BGP_AF_IPV6_LABELED] = { BGP_AFI_IPV6, BGP_SAFI_LABELED, "ipv6-labeled-unicast" },
	[BGP_AF_VPNV4] = { BGP_AFI_IPV4, BGP_SAFI_VPN, "vpnv4" },
	[BGP_AF_VPNV6] = { BGP_AFI_IPV6, BGP_SAFI_VPN, "vpnv6" },
};

int
bgp_af_index(uint16_t afi, uint8_t safi)
{
	for (unsigned int i = 0; i < BGP_AF__COUNT; i++)
		if (af_table[i].afi == afi && af_table[i].safi == safi)
			return (int)i;
	return -1;
}

const char *
bgp_af_name(enum bgp_af af)
{
	return (unsigned int)af < BGP_AF__COUNT ? af_table[af].name : "unknown";
}

static const char *const err_names[BGP_ERR__COUNT] = {
	[BGP_OK] = "ok",
	[BGP_ERR_MARKER] = "marker",
	[BGP_ERR_LENGTH] = "length",
	[BGP_ERR_TYPE] = "type",
	[BGP_ERR_TYPE_LENGTH] = "type-length",
	[BGP_ERR_OPEN_VERSION] = "open-version",
	[BGP_ERR_OPEN_OPTPARAM] = "open-optparam",
	[BGP_ERR_OPEN_CAPABILITY] = "open-capability",
	[BGP_ERR_UPDATE_WITHDRAWN] = "update-withdrawn",
	[BGP_ERR_UPDATE_ATTRLEN] = "update-attrlen",
	[BGP_ERR_ATTR_FLAGS] = "attr-flags",
	[BGP_ERR_ATTR_LENGTH] = "attr-length",
	[BGP_ERR_ATTR_DUPLICATE] = "attr-duplicate",
	[BGP_ERR_AS_PATH] = "as-path",
	[BGP_ERR_MP_REACH] = "mp-reach",
	[BGP_ERR_MP_UNREACH] = "mp-unreach",
	[BGP_ERR_NLRI] = "nlri",
	[BGP_ERR_MISSING_ATTR] = "missing-attr",
	[BGP_ERR_NOMEM] = "nomem",
};

const char *
bgp_err_name(enum bgp_err err)
{
	return (unsigned int)err < BGP_ERR__COUNT ? err_names[err] : "unknown";
}

/*
 * Check the header of a whole message of the expected type and return a
 * cursor on its body. The header length must be the buffer length.
 */
static enum bgp_err
msg_body(const uint8_t *msg, uint32_t len, uint8_t want, struct wire_cur *body)
{
	uint16_t hlen;
	uint8_t type;
	enum bgp_err err;

	if (len < BGP_HDR_LEN)
		return BGP_ERR_LENGTH;
	err = bgp_check_header(msg, BGP_EXT_MAX_LEN, &hlen, &type);
	if (err != BGP_OK)
		return err;
	if (hlen != len)
		return BGP_ERR_LENGTH;
	if (type != want)
		return BGP_ERR_TYPE;
	*body = wire_cur_make(msg, len);
	wire_skip(body, BGP_HDR_LEN);
	return BGP_OK;
}

/* ---- OPEN capabilities (RFC 5492) -------------------------------------- */

#define CAP_MP 1
#define CAP_ROUTE_REFRESH 2
#define CAP_EXT_MSG 6
#define CAP_GRACEFUL_RESTART 64
#define CAP_AS4 65
#define CAP_ADDPATH 69
#define CAP_ENHANCED_RR 70
#define CAP_ROUTE_REFRESH_CISCO 128

#define OPT_PARAM_CAPABILITIES 2
#define OPT_PARAM_EXT 255 /* RFC 9072 */

static void
af_set(uint32_t *mask, uint16_t afi, uint8_t safi)
{
	int af = bgp_af_index(afi, safi);

	if (af >= 0)
		*mask |= 1u << af;
}

/* RFC 4760 8: AFI, reserved, SAFI. */
static bool
cap_mp(struct wire_cur *v, struct bgp_open *o)
{
	uint16_t afi = wire_u16(v);
	uint8_t safi;

	wire_skip(v, 1);
	safi = wire_u8(v);

	if (!wire_done(v))
		return false;
	o->cap_mp = true;
	af_set(&o->mp_mask, afi, safi);
	return true;
}

static bool
cap_route_refresh(struct wire_cur *v, struct bgp_open *o)
{
	(void)v;
	o->cap_route_refresh = true;
	return true;
}

static bool
cap_ext_msg(struct wire_cur *v, struct bgp_open *o)
{
	(void)v;
	o->cap_ext_msg = true;
	return true;
}

static bool
cap_enhanced_rr(struct wire_cur *v, struct bgp_open *o)
{
	(void)v;
	o->cap_enhanced_rr = true;
	return true;
}

/* RFC 4724 3: flags and time, then AFI, SAFI, per-family flags. */
static bool
cap_graceful_restart(struct wire_cur *v, struct bgp_open *o)
{
	uint16_t ft = wire_u16(v);
	uint32_t mask = 0;

	while (!v->bad && v->left) {
		uint16_t afi = wire_u16(v);
		uint8_t safi = wire_u8(v);

		wire_u8(v);
		af_set(&mask, afi, safi);
	}
	if (v->bad)
		return false;
	o->cap_graceful_restart = true;
	o->gr_flags = (uint8_t)(ft >> 8) & 0xf0;
	o->gr_restart_time = ft & 0x0fff;
	o->gr_af_mask |= mask;
	return true;
}

/* RFC 6793: the 4-octet AS; bgp_parse_open picks it for asn. */
static bool
cap_as4(struct wire_cur *v, struct bgp_open *o)
{
	uint32_t asn = wire_u32(v);

	if (!wire_done(v))
		return false;
	o->cap_as4 = true;
	o->asn = asn;
	return true;
}

/*
 * RFC 7911 4: AFI, SAFI, send/receive. A value outside 1..3 makes the
 * whole capability "not understood": it is ignored, not an error.
 */
static bool
cap_addpath(struct wire_cur *v, struct bgp_open *o)
{
	struct wire_cur scan = *v;

	if (v->left % 4)
		return false;
	while (scan.left) {
		wire_skip(&scan, 3);
		uint8_t sr = wire_u8(&scan);
		if (sr < BGP_ADDPATH_RECEIVE || sr > (BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND))
			return true;
	}
	while (v->left) {
		uint16_t afi = wire_u16(v);
		uint8_t safi = wire_u8(v);
		uint8_t sr = wire_u8(v);
		int af = bgp_af_index(afi, safi);

		if (af >= 0)
			o->addpath[af] = sr;
	}
	return true;
}

static const struct {
	uint8_t code;
	bool (*parse)(struct wire_cur *v, struct bgp_open *o);
} cap_table[] = {
	{ CAP_MP, cap_mp },
	{ CAP_ROUTE_REFRESH, cap_route_refresh },
	{ CAP_ROUTE_REFRESH_CISCO, cap_route_refresh },
	{ CAP_EXT_MSG, cap_ext_msg },
	{ CAP_GRACEFUL_RESTART, cap_graceful_restart },
	{ CAP_AS4, cap_as4 },
	{ CAP_ADDPATH, cap_addpath },
	{ CAP_ENHANCED_RR, cap_enhanced_rr },
};

static bool
cap_one(uint8_t code, struct wire_cur *v, struct bgp_open *o)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(cap_table); i++)
		if (cap_table[i].code == code)
			return cap_table[i].parse(v, o);
	return true; /* unknown: skipped, still counted */
}

/* The value of one Capabilities optional parameter: code, length, value. */
static enum bgp_err
parse_caps(struct wire_cur *c, struct bgp_open *o)
{
	while (c->left) {
		uint8_t code = wire_u8(c);
		uint8_t len = wire_u8(c);
		struct wire_cur v = wire_sub(c, len);

		if (c->bad)
			return BGP_ERR_OPEN_CAPABILITY;
		o->ncaps++;
		if (!cap_one(code, &v, o))
			return BGP_ERR_OPEN_CAPABILITY;
	}
	return BGP_OK;
}

/*
 * Optional parameters, in the classic format (1-octet lengths) or the
 * RFC 9072 extended one: a non-zero Non-Ext OP Len (255 when sent, ignored
 * on receipt) and Non-Ext OP Type 255, then a 2-octet total length and
 * 2-octet parameter lengths. They must end the message exactly.
 */
static enum bgp_err
parse_opt_params(struct wire_cur *c, struct bgp_open *o)
{
	uint8_t olen = wire_u8(c);
	struct wire_cur peek = *c;
	bool ext = olen != 0 && wire_u8(&peek) == OPT_PARAM_EXT;
	uint16_t plen = olen;

	if (ext) {
		wire_skip(c, 1);
		plen = wire_u16(c);
	}
	struct wire_cur params = wire_sub(c, plen);
	if (c->bad || c->left)
		return BGP_ERR_OPEN_OPTPARAM;
	while (params.left) {
		uint8_t type = wire_u8(&params);
		uint16_t len = ext ? wire_u16(&params) : wire_u8(&params);
		struct wire_cur v = wire_sub(&params, len);

		if (params.bad)
			return BGP_ERR_OPEN_OPTPARAM;
		if (type != OPT_PARAM_CAPABILITIES)
			continue;
		enum bgp_err err = parse_caps(&v, o);
		if (err != BGP_OK)
			return err;
	}
	return BGP_OK;
}

enum bgp_err
bgp_parse_open(const uint8_t *msg, uint32_t len, struct bgp_open *out)
{
	struct wire_cur c;
	enum bgp_err err;

	memset(out, 0, sizeof(*out));
	err = msg_body(msg, len, BGP_MSG_OPEN, &c);
	if (err != BGP_OK)
		return err;
	out->version = wire_u8(&c);
	if (out->version != 4)
		return BGP_ERR_OPEN_VERSION;
	out->my_as = wire_u16(&c);
	out->hold_time = wire_u16(&c);
	out->bgp_id = wire_u32(&c);
	err = parse_opt_params(&c, out);
	if (err != BGP_OK)
		return err;
	if (!out->cap_as4)
		out->asn = out->my_as;
	return BGP_OK;
}

/* Families a speaker can carry: IPv4 unicast alone when it sent no MP
 * (an MP capability for families we do not parse still counts as MP). */
static uint32_t
open_families(const struct bgp_open *o)
{
	return o->cap_mp ? o->mp_mask : 1u << BGP_AF_IPV4_UNICAST;
}

void
bgp_caps_negotiate(const struct bgp_open *sender, const struct bgp_open *receiver,
		   struct bgp_caps *out)
{
	memset(out, 0, sizeof(*out));
	out->as4 = sender->cap_as4 && receiver->cap_as4;
	out->ext_msg = sender->cap_ext_msg && receiver->cap_ext_msg;
	out->af_mask = open_families(sender) & open_families(receiver);
	for (unsigned int af = 0; af < BGP_AF__COUNT; af++)
		if ((sender->addpath[af] & BGP_ADDPATH_SEND) &&
		    (receiver->addpath[af] & BGP_ADDPATH_RECEIVE))
			out->addpath_mask |= 1u << af;
}

/* ---- NOTIFICATION / ROUTE-REFRESH --------------------------------------- */

enum bgp_err
bgp_parse_notification(const uint8_t *msg, uint32_t len, struct bgp_notification *out)
{
	struct wire_cur c;
	enum bgp_err err;

	memset(out, 0, sizeof(*out));
	err = msg_body(msg, len, BGP_MSG_NOTIFICATION, &c);
	if (err != BGP_OK)
		return err;
	out->code = wire_u8(&c);
	out->subcode = wire_u8(&c);
	out->data_len = (uint16_t)c.left;
	out->data = wire_take(&c, c.left);
	return c.bad ? BGP_ERR_TYPE_LENGTH : BGP_OK;
}

#define RR_SUBTYPE_BORR 1
#define RR_SUBTYPE_EORR 2

enum bgp_err
bgp_parse_route_refresh(const uint8_t *msg, uint32_t len, struct bgp_route_refresh *out)
{
	struct wire_cur c;
	enum bgp_err err;

	memset(out, 0, sizeof(*out));
	err = msg_body(msg, len, BGP_MSG_ROUTE_REFRESH, &c);
	if (err != BGP_OK)
		return err;
	out->afi = wire_u16(&c);
	out->subtype = wire_u8(&c);
	out->safi = wire_u8(&c);
	if (c.bad)
		return BGP_ERR_TYPE_LENGTH;
	/* RFC 7313 5: BoRR and EoRR are exactly 4 octets; only a normal
	 * request may carry RFC 5291 ORF entries, left unparsed. */
	if ((out->subtype == RR_SUBTYPE_BORR || out->subtype == RR_SUBTYPE_EORR) && c.left)
		return BGP_ERR_TYPE_LENGTH;
	return BGP_OK;
}

/* ---- UPDATE ------------------------------------------------------------ */

#define ATTR_ATOMIC_AGGREGATE 6
#define ATTR_AGGREGATOR 7
#define ATTR_EXT_COMMUNITIES 16
#define ATTR_AS4_AGGREGATOR 18

#define WELL_KNOWN_MASK (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE)

#define AS_SET 1
#define AS_CONFED_SET 4 /* highest segment type, RFC 5065 */

/* One UPDATE being parsed. */
struct upd_ctx {
	const struct bgp_caps *caps;
	struct bgp_update *out;
	uint64_t seen[4];        /* every attribute type, for duplicates */
	unsigned int nattrs;
};

/* AS_PATH / AS4_PATH: segments of (type 1-4, count > 0, count ASes). */
static bool
as_path_ok(struct wire_cur v, unsigned int width)
{
	while (v.left) {
		uint8_t type = wire_u8(&v);
		uint8_t count = wire_u8(&v);

		if (type < AS_SET || type > AS_CONFED_SET || count == 0 ||
		    !wire_skip(&v, (size_t)count * width))
			return false;
	}
	return !v.bad;
}

static enum bgp_err
attr_as_path(struct upd_ctx *u, struct wire_cur v)
{
	u->out->as_path = v.p;
	u->out->as_path_len = (uint16_t)v.left;
	return as_path_ok(v, u->caps->as4 ? 4 : 2) ? BGP_OK : BGP_ERR_AS_PATH;
}

static enum bgp_err
attr_as4_path(struct upd_ctx *u, struct wire_cur v)
{
	(void)u;
	return as_path_ok(v, 4) ? BGP_OK : BGP_ERR_AS_PATH;
}

/* AS number and address: the AS is 4 octets only when both sides use AS4. */
static enum bgp_err
attr_aggregator(struct upd_ctx *u, struct wire_cur v)
{
	return v.left == (u->caps->as4 ? 8u : 6u) ? BGP_OK : BGP_ERR_ATTR_LENGTH;
}

/* A VPN next hop: RD (must be zero, RFC 4364 4.3.2) then an address. */
static bool
vpn_nexthop_ok(struct wire_cur nh)
{
	size_t each = nh.left == 48 ? 24 : nh.left;

	if (nh.left != 12 && nh.left != 24 && nh.left != 48)
		return false;
	while (nh.left) {
		struct wire_cur one = wire_sub(&nh, each);
		if (wire_u32(&one) || wire_u32(&one))
			return false;
	}
	return true;
}

/*
 * Next hop length by family: IPv4 4 (or IPv6 16/32, RFC 8950), IPv6 16 or
 * 32 (global + link-local), labeled as unicast, VPN with an RD.
 */
static bool
nexthop_ok(uint16_t afi, uint8_t safi, const uint8_t *nh, uint8_t len)
{
	int af = bgp_af_index(afi, safi);

	if (af < 0)
		return true; /* a family we do not parse: not judged */
	if (safi == BGP_SAFI_VPN)
		return vpn_nexthop_ok(wire_cur_make(nh, len));
	if (len == 16 || len == 32)
		return true;
	return afi == BGP_AFI_IPV4 && len == 4;
}

/* RFC 4760 3: AFI, SAFI, next hop length and value, reserved, NLRI. */
static enum bgp_err
attr_mp_reach(struct upd_ctx *u, struct wire_cur v)
{
	struct bgp_update *o = u->out;

	o->reach_afi = wire_u16(&v);
	o->reach_safi = wire_u8(&v);
	o->nexthop_len = wire_u8(&v);
	o->nexthop = wire_take(&v, o->nexthop_len);
	wire_skip(&v, 1);
	if (v.bad || !nexthop_ok(o->reach_afi, o->reach_safi, o->nexthop, o->nexthop_len))
		return BGP_ERR_MP_REACH;
	o->has_reach = true;
	o->reach_nlri = v;
	return BGP_OK;
}

/* RFC 4760 4: AFI, SAFI, withdrawn routes. */
static enum bgp_err
attr_mp_unreach(struct upd_ctx *u, struct wire_cur v)
{
	struct bgp_update *o = u->out;

	o->unreach_afi = wire_u16(&v);
	o->unreach_safi = wire_u8(&v);
	if (v.bad)
		return BGP_ERR_MP_UNREACH;
	o->has_unreach = true;
	o->unreach_nlri = v;
	return BGP_OK;
}

enum attr_len_rule {
	LEN_ANY,
	LEN_FIXED,    /* exactly len */
	LEN_MULTIPLE, /* a non-zero multiple of len (RFC 7606 7) */
};

/* What the parser checks per attribute type; unlisted types pass as is. */
static const struct attr_rule {
	bool well_known;
	uint8_t len_rule;
	uint8_t len;
	enum bgp_err (*parse)(struct upd_ctx *u, struct wire_cur v);
} attr_rules[] = {
	[BGP_ATTR_ORIGIN] = { true, LEN_FIXED, 1, NULL },
	[BGP_ATTR_AS_PATH] = { true, LEN_ANY, 0, attr_as_path },
	[BGP_ATTR_NEXT_HOP] = { true, LEN_FIXED, 4, NULL },
	[BGP_ATTR_MED] = { false, LEN_FIXED, 4, NULL },
	[BGP_ATTR_LOCAL_PREF] = { true, LEN_FIXED, 4, NULL },
	[ATTR_ATOMIC_AGGREGATE] = { true, LEN_FIXED, 0, NULL },
	[ATTR_AGGREGATOR] = { false, LEN_ANY, 0, attr_aggregator },
	[BGP_ATTR_COMMUNITIES] = { false, LEN_MULTIPLE, 4, NULL },
	[BGP_ATTR_MP_REACH] = { false, LEN_ANY, 0, attr_mp_reach },
	[BGP_ATTR_MP_UNREACH] = { false, LEN_ANY, 0, attr_mp_unreach },
	[ATTR_EXT_COMMUNITIES] = { false, LEN_MULTIPLE, 8, NULL },
	[BGP_ATTR_AS4_PATH] = { false, LEN_ANY, 0, attr_as4_path },
	[ATTR_AS4_AGGREGATOR] = { false, LEN_FIXED, 8, NULL },
	[BGP_ATTR_LARGE_COMMUNITIES] = { false, LEN_MULTIPLE, 12, NULL },
};

static bool
attr_len_ok(const struct attr_rule *r, size_t len)
{
	switch (r->len_rule) {
	case LEN_FIXED:
		return len == r->len;
	case LEN_MULTIPLE:
		return len && len % r->len == 0;
	default:
		return true;
	}
}

static enum bgp_err
attr_one(struct upd_ctx *u, uint8_t flags, uint8_t type, struct wire_cur v)
{
	uint64_t bit = 1ull << (type % 64);
	const struct attr_rule *r;

	if (u->seen[type / 64] & bit)
		return BGP_ERR_ATTR_DUPLICATE;
	u->seen[type / 64] |= bit;
	u->nattrs++;
	if (type >= ARRAY_SIZE(attr_rules))
		return BGP_OK;
	r = &attr_rules[type];
	/* Well-known: Optional clear, Transitive set (RFC 4271 4.3). */
	if (r->well_known && (flags & WELL_KNOWN_MASK) != BGP_ATTR_FLAG_TRANSITIVE)
		return BGP_ERR_ATTR_FLAGS;
	if (!attr_len_ok(r, v.left))
		return BGP_ERR_ATTR_LENGTH;
	return r->parse ? r->parse(u, v) : BGP_OK;
}

/* Flags, type, 1 or 2-octet length, value; values must fill the field. */
static enum bgp_err
parse_attrs(struct upd_ctx *u, struct wire_cur c)
{
	while (c.left) {
		uint8_t flags = wire_u8(&c);
		uint8_t type = wire_u8(&c);
		uint16_t len = (flags & BGP_ATTR_FLAG_EXTLEN) ? wire_u16(&c) : wire_u8(&c);
		struct wire_cur v = wire_sub(&c, len);

		if (c.bad)
			return BGP_ERR_UPDATE_ATTRLEN;
		enum bgp_err err = attr_one(u, flags, type, v);
		if (err != BGP_OK)
			return err;
	}
	return BGP_OK;
}

/* Walk one NLRI field to its end; families we do not parse pass. */
static bool
nlri_ok(struct wire_cur nlri, uint16_t afi, uint8_t safi, const struct bgp_caps *caps,
	bool withdraw)
{
	int af = bgp_af_index(afi, safi);

	if (af < 0)
		return true;
	return bgp_nlri_valid(nlri, (enum bgp_af)af, caps->addpath_mask >> af & 1, withdraw);
}

static enum bgp_err
check_nlri(const struct upd_ctx *u)
{
	const struct bgp_update *o = u->out;

	if (!nlri_ok(o->withdrawn, BGP_AFI_IPV4, BGP_SAFI_UNICAST, u->caps, true) ||
	    !nlri_ok(o->nlri, BGP_AFI_IPV4, BGP_SAFI_UNICAST, u->caps, false))
		return BGP_ERR_NLRI;
	if (o->has_reach &&
	    !nlri_ok(o->reach_nlri, o->reach_afi, o->reach_safi, u->caps, false))
		return BGP_ERR_NLRI;
	if (o->has_unreach &&
	    !nlri_ok(o->unreach_nlri, o->unreach_afi, o->unreach_safi, u->caps, true))
		return BGP_ERR_NLRI;
	return BGP_OK;
}

static bool
has_attrs(const struct bgp_update *o, uint64_t want)
{
	return (o->attr_seen & want) == want;
}

/* RFC 4271 5 / RFC 4760 3: mandatory attributes when routes are announced. */
static enum bgp_err
check_mandatory(const struct bgp_update *o)
{
	uint64_t base = 1ull << BGP_ATTR_ORIGIN | 1ull << BGP_ATTR_AS_PATH;

	if (o->nlri.left && !has_attrs(o, base | 1ull << BGP_ATTR_NEXT_HOP))
		return BGP_ERR_MISSING_ATTR;
	if (o->has_reach && o->reach_nlri.left && !has_attrs(o, base))
		return BGP_ERR_MISSING_ATTR;
	return BGP_OK;
}

/* RFC 4724 2: an empty UPDATE (IPv4 unicast), or one lone empty MP_UNREACH. */
static void
detect_eor(const struct upd_ctx *u, uint32_t len)
{
	struct bgp_update *o = u->out;

	if (len == 23) {
		o->is_eor = true;
		o->eor_afi = BGP_AFI_IPV4;
		o->eor_safi = BGP_SAFI_UNICAST;
	} else if (u->nattrs == 1 && o->has_unreach && !o->unreach_nlri.left &&
		   !o->withdrawn.left && !o->nlri.left) {
		o->is_eor = true;
		o->eor_afi = o->unreach_afi;
		o->eor_safi = o->unreach_safi;
	}
}

/* Withdrawn routes, path attributes, NLRI: the three fields must fit. */
static enum bgp_err
split_update(struct wire_cur *c, struct bgp_update *o)
{
	uint16_t wlen = wire_u16(c);

	/* Room for the withdrawn routes and the attribute length after them. */
	if (c->bad || c->left < (size_t)wlen + 2)
		return BGP_ERR_UPDATE_WITHDRAWN;
	o->withdrawn = wire_sub(c, wlen);
	uint16_t alen = wire_u16(c);
	o->attrs = wire_sub(c, alen);
	if (c->bad)
		return BGP_ERR_UPDATE_ATTRLEN;
	o->nlri = *c;
	return BGP_OK;
}

enum bgp_err
bgp_parse_update(const uint8_t *msg, uint32_t len, const struct bgp_caps *caps,
		 struct bgp_update *out)
{
	static const struct bgp_caps no_caps;
	struct upd_ctx u = { .caps = caps ? caps : &no_caps, .out = out };
	struct wire_cur c;
	enum bgp_err err;

	memset(out, 0, sizeof(*out));
	err = msg_body(msg, len, BGP_MSG_UPDATE, &c);
	if (err == BGP_OK)
		err = split_update(&c, out);
	if (err == BGP_OK)
		err = parse_attrs(&u, out->attrs);
	out->attr_seen = u.seen[0];
	if (err == BGP_OK)
		err = check_nlri(&u);
	if (err == BGP_OK)
		err = check_mandatory(out);
	if (err == BGP_OK)
		detect_eor(&u, len);
	return err;
}

bool
bgp_update_attr(const struct bgp_update *u, uint8_t type, struct wire_cur *val)
{
	struct wire_cur c = u->attrs;
	while (c.left) {
		uint8_t flags = wire_u8(&c);
		uint8_t t = wire_u8(&c);
		uint16_t len = (flags & BGP_ATTR_FLAG_EXTLEN) ? wire_u16(&c) : wire_u8(&c);
		struct wire_cur v = wire_sub(&c, len);
		if (c.bad)
			return false;
		if (t == type) {
			*val = v;
			return true;
		}
	}
	return false;
}
