/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame classification on the RX hot path.
 *
 * Each layer borrows its fixed header with one bounds check (wire_take)
 * and reads fields from the borrowed bytes, so a frame costs a handful of
 * compares. Non-BGP traffic leaves as soon as its verdict is known;
 * addresses are copied out only for BGP frames.
 *
 * Verdict policy, applied at every layer:
 *  - TRUNCATED: a header or the IP payload does not fit in its container
 *    (the frame for Ethernet and the IP header and length, the IP payload
 *    for extension headers and TCP).
 *  - MALFORMED: a field impossible on its own: IP version, IHL < 5, IPv4
 *    total length shorter than its header, TCP data offset < 5, more tags
 *    or extension headers than we walk.
 *  - IP-layer checks come before the protocol test, so a fragment of any
 *    protocol counts as a fragment. In TCP the ports come before the data
 *    offset: non-BGP segments are dropped without further checks.
 */
#include "dataplane/classify.h"

#include <string.h>

#include "dataplane/wire.h"

/* Internal "carry on" result of the layer helpers (CLASSIFY_BGP is 0). */
#define MORE CLASSIFY_BGP

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100
#define VLAN_VID_MASK 0x0fff

#define IPV4_HDR_MIN 20
#define IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */
#define IPV6_HDR_LEN 40
#define IPV6_MAX_EXT 8
#define IP_PROTO_TCP 6

#define TCP_HDR_MIN 20

/* IPv6 next-header values, by how the walk treats them. */
enum v6_kind {
	V6_STOP = 0, /* upper layer other than TCP, ESP, No Next Header */
	V6_TCP,
	V6_EXT8,     /* (len + 1) * 8 octets, RFC 8200 section 4 */
	V6_AH,       /* (len + 2) * 4 octets, RFC 4302 */
	V6_FRAG,
};

static const uint8_t v6_kind[256] = {
	[0] = V6_EXT8,   /* Hop-by-Hop Options */
	[6] = V6_TCP,
	[43] = V6_EXT8,  /* Routing */
	[44] = V6_FRAG,
	[51] = V6_AH,
	[60] = V6_EXT8,  /* Destination Options */
	[135] = V6_EXT8, /* Mobility */
	[139] = V6_EXT8, /* HIP */
	[140] = V6_EXT8, /* Shim6 */
};

static const char *const verdict_names[CLASSIFY__COUNT] = {
	[CLASSIFY_BGP] = "bgp",
	[CLASSIFY_NOT_IP] = "not_ip",
	[CLASSIFY_NOT_TCP] = "not_tcp",
	[CLASSIFY_NOT_BGP] = "not_bgp",
	[CLASSIFY_FRAGMENT] = "fragment",
	[CLASSIFY_TRUNCATED] = "truncated",
	[CLASSIFY_MALFORMED] = "malformed",
};

const char *
classify_verdict_name(enum classify_verdict v)
{
	if ((unsigned int)v >= CLASSIFY__COUNT)
		return "unknown";
	return verdict_names[v];
}

static inline bool
is_vlan_tpid(uint16_t et)
{
	return et == ETH_P_8021Q || et == ETH_P_8021AD || et == ETH_P_QINQ_OLD;
}

/* Ethernet II and up to CLASSIFY_MAX_VLANS tags; leaves c at the L3 header. */
static enum classify_verdict
eth_parse(struct wire_cur *c, struct classify_pkt *out, uint16_t *etype)
{
	const uint8_t *h = wire_take(c, ETH_HDR_LEN);

	if (h == NULL)
		return CLASSIFY_TRUNCATED;
	uint16_t et = wire_load_u16(h + 12);
	uint8_t n = 0;

	while (is_vlan_tpid(et)) {
		if (n == CLASSIFY_MAX_VLANS)
			return CLASSIFY_MALFORMED;
		const uint8_t *t = wire_take(c, VLAN_TAG_LEN);
		if (t == NULL)
			return CLASSIFY_TRUNCATED;
		out->vlan[n++] = wire_load_u16(t) & VLAN_VID_MASK;
		et = wire_load_u16(t + 2);
	}
	out->nvlan = n;
	*etype = et;
	return MORE;
}

/* IPv4 header; on success seg spans the TCP segment (IP-length bound). */
static enum classify_verdict
ipv4_parse(struct wire_cur *c, struct wire_cur *seg, const uint8_t **addrs)
{
	const uint8_t *h = wire_take(c, IPV4_HDR_MIN);

	if (h == NULL)
		return CLASSIFY_TRUNCATED;
	size_t hlen = (size_t)(h[0] & 0x0f) * 4;
	size_t tot = wire_load_u16(h + 2);

	if ((h[0] >> 4) != 4 || hlen < IPV4_HDR_MIN)
		return CLASSIFY_MALFORMED;
	if (!wire_skip(c, hlen - IPV4_HDR_MIN))
		return CLASSIFY_TRUNCATED;
	/* Zero total length on a longer frame: segmentation offload capture. */
	if (tot == 0 && c->left > 0)
		tot = hlen + c->left;
	if (tot < hlen)
		return CLASSIFY_MALFORMED;
	if (tot - hlen > c->left)
		return CLASSIFY_TRUNCATED;
	if (wire_load_u16(h + 6) & IPV4_FRAG_MASK)
		return CLASSIFY_FRAGMENT;
	if (h[9] != IP_PROTO_TCP)
		return CLASSIFY_NOT_TCP;
	*seg = wire_sub(c, tot - hlen);
	*addrs = h + 12;
	return MORE;
}

/* Walk extension headers from nh until TCP; c is the IPv6 payload. */
static enum classify_verdict
ipv6_walk(struct wire_cur *c, uint8_t nh)
{
	for (unsigned int i = 0;; i++) {
		uint8_t kind = v6_kind[nh];

		if (kind == V6_TCP)
			return MORE;
		if (kind == V6_STOP)
			return CLASSIFY_NOT_TCP;
		if (kind == V6_FRAG)
			return CLASSIFY_FRAGMENT;
		if (i == IPV6_MAX_EXT)
			return CLASSIFY_MALFORMED;
		const uint8_t *h = wire_take(c, 2);
		if (h == NULL)
			return CLASSIFY_TRUNCATED;
		size_t len = kind == V6_AH ? ((size_t)h[1] + 2) * 4 : ((size_t)h[1] + 1) * 8;
		if (!wire_skip(c, len - 2))
			return CLASSIFY_TRUNCATED;
		nh = h[0];
	}
}

/* IPv6 header and extension headers; on success seg spans the TCP segment. */
static enum classify_verdict
ipv6_parse(struct wire_cur *c, struct wire_cur *seg, const uint8_t **addrs)
{
	const uint8_t *h = wire_take(c, IPV6_HDR_LEN);

	if (h == NULL)
		return CLASSIFY_TRUNCATED;
	if ((h[0] >> 4) != 6)
		return CLASSIFY_MALFORMED;
	size_t plen = wire_load_u16(h + 4);

	/* Zero payload length: jumbogram or offload capture, use the frame. */
	if (plen == 0)
		plen = c->left;
	if (plen > c->left)
		return CLASSIFY_TRUNCATED;
	*seg = wire_sub(c, plen);
	*addrs = h + 8;
	return ipv6_walk(seg, h[6]);
}

/* TCP header inside seg; the rest of seg is the payload. */
static enum classify_verdict
tcp_parse(struct wire_cur *seg, struct classify_pkt *out)
{
	const uint8_t *h = wire_take(seg, TCP_HDR_MIN);

	if (h == NULL)
		return CLASSIFY_TRUNCATED;
	uint16_t sport = wire_load_u16(h);
	uint16_t dport = wire_load_u16(h + 2);

	if (sport != CLASSIFY_BGP_PORT && dport != CLASSIFY_BGP_PORT)
		return CLASSIFY_NOT_BGP;
	size_t hlen = (size_t)(h[12] >> 4) * 4;

	if (hlen < TCP_HDR_MIN)
		return CLASSIFY_MALFORMED;
	if (!wire_skip(seg, hlen - TCP_HDR_MIN))
		return CLASSIFY_TRUNCATED;
	out->sport = sport;
	out->dport = dport;
	out->seq = wire_load_u32(h + 4);
	out->ack = wire_load_u32(h + 8);
	out->tcp_flags = h[13];
	out->payload = seg->p;
	out->payload_len = (uint32_t)seg->left;
	return MORE;
}

static void
copy_addrs(struct classify_pkt *out, const uint8_t *a)
{
	if (out->family == 4) {
		memcpy(out->src, a, 4);
		memset(out->src + 4, 0, sizeof(out->src) - 4);
		memcpy(out->dst, a + 4, 4);
		memset(out->dst + 4, 0, sizeof(out->dst) - 4);
	} else {
		memcpy(out->src, a, 16);
		memcpy(out->dst, a + 16, 16);
	}
}

enum classify_verdict
classify_frame(const uint8_t *frame, uint32_t len, struct classify_pkt *out)
{
	struct wire_cur c = wire_cur_make(frame, len);
	struct wire_cur seg;
	const uint8_t *addrs;
	uint16_t etype;
	enum classify_verdict v;

	memset(out->vlan, 0, sizeof(out->vlan));
	v = eth_parse(&c, out, &etype);
	if (v != MORE)
		return v;
	if (etype == ETH_P_IPV4) {
		out->family = 4;
		v = ipv4_parse(&c, &seg, &addrs);
	} else if (etype == ETH_P_IPV6) {
		out->family = 6;
		v = ipv6_parse(&c, &seg, &addrs);
	} else {
		return CLASSIFY_NOT_IP;
	}
	if (v != MORE)
		return v;
	v = tcp_parse(&seg, out);
	if (v != MORE)
		return v;
	copy_addrs(out, addrs);
	return CLASSIFY_BGP;
}
