/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkt.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

uint32_t
gen_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t s = sum;
	size_t i = 0;

	for (; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < n)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
gen_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
gen_pkt_hdr_len(const struct gen_l3 *l3, size_t l4hdr)
{
	return 14 + (l3->vlan ? 4u : 0u) + (l3->v6 ? 40u : 20u) + l4hdr;
}

static void
put_l2(struct wire_buf *b, const struct gen_l3 *l3)
{
	wire_put_bytes(b, l3->dmac, 6);
	wire_put_bytes(b, l3->smac, 6);
	if (l3->vlan) {
		wire_put_u16(b, ETH_P_8021Q);
		wire_put_u16(b, l3->vlan & 0x0fff);
	}
	wire_put_u16(b, l3->v6 ? ETH_P_IPV6 : ETH_P_IPV4);
}

/* IPv4 header with its checksum; l4len is the L4 header plus payload. */
static void
put_ipv4(struct wire_buf *b, const struct gen_l3 *l3, uint8_t proto, size_t l4len)
{
	size_t off = b->len;

	wire_put_u8(b, 0x45);
	wire_put_u8(b, l3->tos);
	wire_put_u16(b, (uint16_t)(20 + l4len));
	wire_put_u16(b, l3->ip_id);
	wire_put_u16(b, proto == IPPROTO_TCP_ ? 0x4000 : 0); /* DF on TCP */
	wire_put_u8(b, l3->ttl);
	wire_put_u8(b, proto);
	wire_put_u16(b, 0);
	wire_put_bytes(b, l3->src, 4);
	wire_put_bytes(b, l3->dst, 4);
	if (!b->overflow)
		wire_patch_u16(b, off + 10, gen_csum_fold(gen_csum_add(0, b->p + off, 20)));
}

static void
put_ipv6(struct wire_buf *b, const struct gen_l3 *l3, uint8_t proto, size_t l4len)
{
	wire_put_u32(b, 6u << 28 | (uint32_t)l3->tos << 20);
	wire_put_u16(b, (uint16_t)l4len);
	wire_put_u8(b, proto);
	wire_put_u8(b, l3->ttl);
	wire_put_bytes(b, l3->src, 16);
	wire_put_bytes(b, l3->dst, 16);
}

static void
put_l3(struct wire_buf *b, const struct gen_l3 *l3, uint8_t proto, size_t l4len)
{
	put_l2(b, l3);
	if (l3->v6)
		put_ipv6(b, l3, proto, l4len);
	else
		put_ipv4(b, l3, proto, l4len);
}

/* Pseudo-header sum (RFC 793 / RFC 8200 section 8.1). */
static uint32_t
pseudo_sum(const struct gen_l3 *l3, uint8_t proto, size_t l4len)
{
	size_t alen = l3->v6 ? 16 : 4;
	uint32_t s = gen_csum_add(0, l3->src, alen);

	s = gen_csum_add(s, l3->dst, alen);
	return s + proto + (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
}

/* Fill the L4 checksum at l4off + csum_at; UDP's zero is sent as 0xffff. */
static void
finish_l4(struct wire_buf *b, const struct gen_l3 *l3, uint8_t proto, size_t l4off,
	  size_t csum_at)
{
	if (b->overflow)
		return;
	size_t l4len = b->len - l4off;
	uint32_t s = proto == IPPROTO_ICMP_ ? 0 : pseudo_sum(l3, proto, l4len);
	uint16_t c = gen_csum_fold(gen_csum_add(s, b->p + l4off, l4len));

	if (c == 0 && proto == IPPROTO_UDP_)
		c = 0xffff;
	wire_patch_u16(b, l4off + csum_at, c);
}

/* Pad to the Ethernet minimum and return the frame length (0 on overflow). */
static size_t
finish_frame(struct wire_buf *b, size_t start)
{
	while (!b->overflow && b->len - start < GEN_ETH_MIN)
		wire_put_u8(b, 0);
	return b->overflow ? 0 : b->len - start;
}

size_t
gen_pkt_tcp(struct wire_buf *b, const struct gen_l3 *l3, const struct gen_tcp *t,
	    const uint8_t *data, size_t len)
{
	size_t start = b->len;
	size_t hlen = 20u + t->optlen;

	put_l3(b, l3, IPPROTO_TCP_, hlen + len);
	size_t l4 = b->len;
	wire_put_u16(b, t->sport);
	wire_put_u16(b, t->dport);
	wire_put_u32(b, t->seq);
	wire_put_u32(b, t->ack);
	wire_put_u8(b, (uint8_t)(hlen / 4) << 4);
	wire_put_u8(b, t->flags);
	wire_put_u16(b, t->win);
	wire_put_u32(b, 0);              /* checksum, urgent pointer */
	wire_put_bytes(b, t->opt, t->optlen);
	wire_put_bytes(b, data, len);
	finish_l4(b, l3, IPPROTO_TCP_, l4, 16);
	return finish_frame(b, start);
}

size_t
gen_pkt_udp(struct wire_buf *b, const struct gen_l3 *l3, uint16_t sport, uint16_t dport,
	    const uint8_t *data, size_t len)
{
	size_t start = b->len;

	put_l3(b, l3, IPPROTO_UDP_, 8 + len);
	size_t l4 = b->len;
	wire_put_u16(b, sport);
	wire_put_u16(b, dport);
	wire_put_u16(b, (uint16_t)(8 + len));
	wire_put_u16(b, 0);
	wire_put_bytes(b, data, len);
	finish_l4(b, l3, IPPROTO_UDP_, l4, 6);
	return finish_frame(b, start);
}

size_t
gen_pkt_echo(struct wire_buf *b, const struct gen_l3 *l3, uint16_t id, uint16_t seq,
	     const uint8_t *data, size_t len)
{
	size_t start = b->len;
	uint8_t proto = l3->v6 ? IPPROTO_ICMPV6_ : IPPROTO_ICMP_;

	put_l3(b, l3, proto, 8 + len);
	size_t l4 = b->len;
	wire_put_u8(b, l3->v6 ? 128 : 8);
	wire_put_u8(b, 0);
	wire_put_u16(b, 0);
	wire_put_u16(b, id);
	wire_put_u16(b, seq);
	wire_put_bytes(b, data, len);
	finish_l4(b, l3, proto, l4, 2);
	return finish_frame(b, start);
}
