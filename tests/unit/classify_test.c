/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify_frame() against hand-assembled frames.
 *
 * Every vector is a literal byte array built from the header layouts of
 * IEEE 802.1Q, RFC 791, RFC 8200 (and RFC 4302, 6275, 7401, 5533 for the
 * extension headers) and RFC 9293; lengths and offsets in the expectations
 * are counted by hand. Checksums are zero: classification does not verify
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/classify.h"

/* ---- byte builders ------------------------------------------------------ */

#define BE16(x) (uint8_t)((x) >> 8), (uint8_t)(x)
#define BE32(x) (uint8_t)((x) >> 24), (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x)
#define Z4 0, 0, 0, 0
#define Z8 Z4, Z4
#define Z12 Z8, Z4
#define NOP8 1, 1, 1, 1, 1, 1, 1, 1

#define MACS 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02
#define ETH(et) MACS, BE16(et)
/* 802.1Q tag body after a TPID: TCI, then the next ethertype or TPID. */
#define TAG(tci, next) BE16(tci), BE16(next)

#define SRC4 192, 0, 2, 1
#define DST4 198, 51, 100, 2
/* vihl: version and IHL byte; frag: flags and fragment offset field. */
#define IP4(vihl, tot, frag, proto) \
	vihl, 0x00, BE16(tot), BE16(0x1c46), BE16(frag), 64, proto, BE16(0), SRC4, DST4

#define SRC6 0x20, 0x01, 0x0d, 0xb8, Z8, 0, 0, 0, 0x01
#define DST6 0x20, 0x01, 0x0d, 0xb8, Z8, 0, 0, 0, 0x02
#define IP6V(vbyte, plen, nh) vbyte, 0x00, 0x00, 0x00, BE16(plen), nh, 64, SRC6, DST6
#define IP6(plen, nh) IP6V(0x60, plen, nh)

#define SEQ 0x11223344u
#define ACK 0x55667788u
#define TCPX(sp, dp, seq, ack, doff, fl) \
	BE16(sp), BE16(dp), BE32(seq), BE32(ack), (uint8_t)((doff) << 4), fl, \
	BE16(65535), BE16(0), BE16(0)
#define TCP(sp, dp, doff, fl) TCPX(sp, dp, SEQ, ACK, doff, fl)

/* 12 bytes: MSS 1460, NOP, NOP, SACK permitted, NOP, window scale 7. */
#define TCPOPT12 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7
/* 40 bytes: MSS, NOP, NOP, timestamps, 24 NOPs. */
#define TCPOPT40 2, 4, 0x05, 0xb4, 1, 1, 8, 10, BE32(1), BE32(2), NOP8, NOP8, NOP8

/* BGP KEEPALIVE (RFC 4271): marker, length 19, type 4. */
#define KA 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, BE16(19), 4
#define KA_LEN 19

/* IPv6 extension headers, each with its length counted in the name. */
#define HBH8(nh) nh, 0, 1, 4, Z4                     /* PadN(4) */
#define DST8(nh) nh, 0, 1, 4, Z4
#define DST16(nh) nh, 1, 1, 12, Z12
#define RT24(nh) nh, 2, 4, 0, 0, 0, BE16(0), SRC6   /* SRH, one segment */
#define AH24(nh) nh, 4, 0, 0, BE32(0x1000), BE32(1), Z12
#define MH8(nh) nh, 0, 0, 0, BE16(0), BE16(0)       /* Binding Refresh Req. */
#define HIP40(nh) nh, 4, 1, 0x21, BE16(0), BE16(0), SRC6, DST6
#define SHIM8(nh) nh, 0, 0x80, 0, BE16(0), BE16(0)
#define FRAG8(nh, offm) nh, 0, BE16(offm), BE32(0xdeadbeef)

#define ARP_BODY BE16(1), BE16(0x0800), 6, 4, BE16(1), 0x02, 0, 0, 0, 0, 0x01, SRC4, \
	0, 0, 0, 0, 0, 0, DST4

enum { HOP = 0, TCPP = 6, UDPP = 17, RTG = 43, FRG = 44, ESP = 50, AHP = 51,
       ICMP6 = 58, NONXT = 59, DSTO = 60, MOB = 135, HIP = 139, SHIM6 = 140 };

/* ---- should_parse: BGP frames, every extracted field checked ------------ */

static const uint8_t v4_untagged[] = {
	ETH(0x0800), IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_sport179[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0x4000, TCPP), TCP(179, 40000, 5, 0x10),
};
static const uint8_t v4_both179_wrap[] = {
	ETH(0x0800), IP4(0x45, 20 + 20 + 1, 0, TCPP),
	TCPX(179, 179, 0xfffffffeu, 0x00000001u, 5, 0x11), 0xab,
};
static const uint8_t v4_all_flags[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0, TCPP), TCP(179, 1024, 5, 0xff),
};
static const uint8_t v4_dot1q[] = {
	ETH(0x8100), TAG(0xa064, 0x0800), /* PCP 5, VID 100 */
	IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_single_88a8[] = {
	ETH(0x88a8), TAG(0x0007, 0x0800),
	IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_single_9100[] = {
	ETH(0x9100), TAG(0xe00a, 0x0800), /* PCP 7, VID 10 */
	IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_qinq_88a8[] = {
	ETH(0x88a8), TAG(0x00c8, 0x8100), TAG(0x012c, 0x0800), /* 200, 300 */
	IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_qinq_9100[] = {
	ETH(0x9100), TAG(0x1fff, 0x8100), TAG(0x0001, 0x0800), /* DEI + 4095, 1 */
	IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_qinq_8100_8100[] = {
	ETH(0x8100), TAG(0x0002, 0x8100), TAG(0x0003, 0x0800),
	IP4(0x45, 20 + 20 + KA_LEN, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_options[] = {
	ETH(0x0800), IP4(0x47, 28 + 20 + KA_LEN, 0, TCPP),
	0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, /* Router Alert, NOPs, EOL */
	TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_options_max[] = {
	ETH(0x0800), IP4(0x4f, 60 + 20 + KA_LEN, 0, TCPP),
	0x94, 0x04, 0x00, 0x00, NOP8, NOP8, NOP8, NOP8, 0x01, 0x01, 0x01, 0x00,
	TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_padding[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0x4000, TCPP), TCP(40000, 179, 5, 0x02),
	0, 0, 0, 0, 0, 0, /* pads the frame to 60 bytes */
};
static const uint8_t v4_padding_payload[] = {
	ETH(0x0800), IP4(0x45, 20 + 20 + 1, 0x4000, TCPP), TCP(40000, 179, 5, 0x18),
	0xab, 0xee, 0xee, 0xee, 0xee, 0xee,
};
static const uint8_t v4_tso[] = {
	ETH(0x0800), IP4(0x45, 0, 0x4000, TCPP), TCP(40000, 179, 5, 0x18), KA, KA,
};
static const uint8_t v4_tso_no_payload[] = {
	ETH(0x0800), IP4(0x45, 0, 0x4000, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_tcp_options[] = {
	ETH(0x0800), IP4(0x45, 20 + 32 + KA_LEN, 0x4000, TCPP),
	TCP(40000, 179, 8, 0x18), TCPOPT12, KA,
};
static const uint8_t v4_tcp_options_max[] = {
	ETH(0x0800), IP4(0x45, 20 + 60, 0x4000, TCPP), TCP(179, 40000, 15, 0x12), TCPOPT40,
};
static const uint8_t v6_plain[] = {
	ETH(0x86dd), IP6(20 + KA_LEN, TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_dot1q[] = {
	ETH(0x8100), TAG(0x0fa0, 0x86dd), /* VID 4000 */
	IP6(20 + KA_LEN, TCPP), TCP(179, 50000, 5, 0x18), KA,
};
static const uint8_t v6_qinq[] = {
	ETH(0x88a8), TAG(0x0064, 0x8100), TAG(0x00c8, 0x86dd),
	IP6(20 + KA_LEN, TCPP), TCP(179, 50000, 5, 0x18), KA,
};
static const uint8_t v6_hbh[] = {
	ETH(0x86dd), IP6(8 + 20 + KA_LEN, HOP), HBH8(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_routing[] = {
	ETH(0x86dd), IP6(24 + 20 + KA_LEN, RTG), RT24(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_dstopt[] = {
	ETH(0x86dd), IP6(16 + 20 + KA_LEN, DSTO), DST16(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_mobility[] = {
	ETH(0x86dd), IP6(8 + 20 + KA_LEN, MOB), MH8(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_hip[] = {
	ETH(0x86dd), IP6(40 + 20 + KA_LEN, HIP), HIP40(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_shim6[] = {
	ETH(0x86dd), IP6(8 + 20 + KA_LEN, SHIM6), SHIM8(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_ah[] = {
	ETH(0x86dd), IP6(24 + 20 + KA_LEN, AHP), AH24(TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_chain[] = {
	ETH(0x86dd), IP6(80 + 20 + KA_LEN, HOP),
	HBH8(DSTO), DST8(RTG), RT24(AHP), AH24(DSTO), DST16(TCPP),
	TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_eight_ext[] = {
	ETH(0x86dd), IP6(64 + 20, DSTO),
	DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO),
	DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(TCPP),
	TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_jumbo[] = {
	ETH(0x86dd), IP6(0, TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_zero_plen_hbh[] = {
	ETH(0x86dd), IP6(0, HOP),
	TCPP, 0, 0xc2, 4, BE32(8 + 20 + KA_LEN), /* Jumbo Payload option */
	TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_trailer[] = {
	ETH(0x86dd), IP6(20, TCPP), TCP(50000, 179, 5, 0x10), 0xde, 0xad, 0xbe, 0xef,
};
static const uint8_t v6_tcp_options[] = {
	ETH(0x86dd), IP6(32 + KA_LEN, TCPP), TCP(50000, 179, 8, 0x18), TCPOPT12, KA,
};

struct want {
	uint8_t family, nvlan, flags;
	uint16_t vlan[CLASSIFY_MAX_VLANS];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t src[16], dst[16];
	size_t off;      /* payload offset in the frame */
	uint32_t plen;
};

struct parse_vec {
	const char *name;
	const uint8_t *b;
	size_t len;
	struct want w;
};

#define W(fam, s, d, nv, v0, v1, sp, dp, sq, ak, fl, o, pl) \
	{ .family = fam, .nvlan = nv, .vlan = { v0, v1 }, .sport = sp, .dport = dp, \
	  .seq = sq, .ack = ak, .flags = fl, .src = { s }, .dst = { d }, .off = o, .plen = pl }
#define W4(nv, v0, v1, sp, dp, fl, o, pl) \
	W(4, SRC4, DST4, nv, v0, v1, sp, dp, SEQ, ACK, fl, o, pl)
#define W6(nv, v0, v1, sp, dp, fl, o, pl) \
	W(6, SRC6, DST6, nv, v0, v1, sp, dp, SEQ, ACK, fl, o, pl)
#define PV(n, w) { #n, n, sizeof(n), w }

static const struct parse_vec should_parse[] = {
	PV(v4_untagged, W4(0, 0, 0, 40000, 179, 0x18, 14 + 20 + 20, KA_LEN)),
	PV(v4_sport179, W4(0, 0, 0, 179, 40000, 0x10, 14 + 20 + 20, 0)),
	PV(v4_both179_wrap, W(4, SRC4, DST4, 0, 0, 0, 179, 179, 0xfffffffeu, 1, 0x11,
			      14 + 20 + 20, 1)),
	PV(v4_all_flags, W4(0, 0, 0, 179, 1024, 0xff, 14 + 20 + 20, 0)),
	PV(v4_dot1q, W4(1, 100, 0, 40000, 179, 0x18, 18 + 20 + 20, KA_LEN)),
	PV(v4_single_88a8, W4(1, 7, 0, 40000, 179, 0x18, 18 + 20 + 20, KA_LEN)),
	PV(v4_single_9100, W4(1, 10, 0, 40000, 179, 0x18, 18 + 20 + 20, KA_LEN)),
	PV(v4_qinq_88a8, W4(2, 200, 300, 40000, 179, 0x18, 22 + 20 + 20, KA_LEN)),
	PV(v4_qinq_9100, W4(2, 4095, 1, 40000, 179, 0x18, 22 + 20 + 20, KA_LEN)),
	PV(v4_qinq_8100_8100, W4(2, 2, 3, 40000, 179, 0x18, 22 + 20 + 20, KA_LEN)),
	PV(v4_options, W4(0, 0, 0, 40000, 179, 0x18, 14 + 28 + 20, KA_LEN)),
	PV(v4_options_max, W4(0, 0, 0, 40000, 179, 0x18, 14 + 60 + 20, KA_LEN)),
	PV(v4_padding, W4(0, 0, 0, 40000, 179, 0x02, 14 + 20 + 20, 0)),
	PV(v4_padding_payload, W4(0, 0, 0, 40000, 179, 0x18, 14 + 20 + 20, 1)),
	PV(v4_tso, W4(0, 0, 0, 40000, 179, 0x18, 14 + 20 + 20, 2 * KA_LEN)),
	PV(v4_tso_no_payload, W4(0, 0, 0, 40000, 179, 0x10, 14 + 20 + 20, 0)),
	PV(v4_tcp_options, W4(0, 0, 0, 40000, 179, 0x18, 14 + 20 + 32, KA_LEN)),
	PV(v4_tcp_options_max, W4(0, 0, 0, 179, 40000, 0x12, 14 + 20 + 60, 0)),
	PV(v6_plain, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 20, KA_LEN)),
	PV(v6_dot1q, W6(1, 4000, 0, 179, 50000, 0x18, 18 + 40 + 20, KA_LEN)),
	PV(v6_qinq, W6(2, 100, 200, 179, 50000, 0x18, 22 + 40 + 20, KA_LEN)),
	PV(v6_hbh, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 8 + 20, KA_LEN)),
	PV(v6_routing, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 24 + 20, KA_LEN)),
	PV(v6_dstopt, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 16 + 20, KA_LEN)),
	PV(v6_mobility, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 8 + 20, KA_LEN)),
	PV(v6_hip, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 40 + 20, KA_LEN)),
	PV(v6_shim6, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 8 + 20, KA_LEN)),
	PV(v6_ah, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 24 + 20, KA_LEN)),
	PV(v6_chain, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 80 + 20, KA_LEN)),
	PV(v6_eight_ext, W6(0, 0, 0, 50000, 179, 0x10, 14 + 40 + 64 + 20, 0)),
	PV(v6_jumbo, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 20, KA_LEN)),
	PV(v6_zero_plen_hbh, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 8 + 20, KA_LEN)),
	PV(v6_trailer, W6(0, 0, 0, 50000, 179, 0x10, 14 + 40 + 20, 0)),
	PV(v6_tcp_options, W6(0, 0, 0, 50000, 179, 0x18, 14 + 40 + 32, KA_LEN)),
};

/* ---- should_drop: every other verdict ----------------------------------- */

static const uint8_t arp[] = { ETH(0x0806), ARP_BODY };
static const uint8_t dot1q_arp[] = { ETH(0x8100), TAG(5, 0x0806), ARP_BODY };
static const uint8_t qinq_arp[] = { ETH(0x88a8), TAG(5, 0x8100), TAG(6, 0x0806), ARP_BODY };
static const uint8_t lldp[] = { ETH(0x88cc), 0x02, 0x07, 0x04, 0x02, 0, 0, 0, 0, 0x01, 0, 0 };
static const uint8_t mpls_v4[] = {
	ETH(0x8847), BE32(0x000641ff), /* label 100, bottom of stack */
	IP4(0x45, 20 + 20, 0, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t ieee8023_len[] = { ETH(0x0026), 0x42, 0x42, 0x03, Z8 };
static const uint8_t three_tags[] = {
	ETH(0x88a8), TAG(1, 0x8100), TAG(2, 0x8100), TAG(3, 0x0800),
	IP4(0x45, 20 + 20, 0, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t three_tags_9100[] = {
	ETH(0x9100), TAG(1, 0x9100), TAG(2, 0x9100), TAG(3, 0x86dd),
	IP6(20, TCPP), TCP(40000, 179, 5, 0x10),
};
/* Too many tags wins even when the frame ends in the extra tag. */
static const uint8_t three_tags_cut[] = { ETH(0x8100), TAG(1, 0x8100), TAG(2, 0x8100) };
static const uint8_t v4_udp179[] = {
	ETH(0x0800), IP4(0x45, 20 + 8, 0, UDPP), BE16(179), BE16(179), BE16(8), BE16(0),
};
static const uint8_t v4_icmp[] = {
	ETH(0x0800), IP4(0x45, 20 + 8, 0, 1), 8, 0, BE16(0), BE16(1), BE16(1),
};
static const uint8_t v4_ah[] = {
	ETH(0x0800), IP4(0x45, 20 + 24 + 20, 0, AHP), AH24(TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_not_bgp[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0, TCPP), TCP(443, 50000, 5, 0x10),
};
static const uint8_t v4_port_178_180[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0, TCPP), TCP(178, 180, 5, 0x10),
};
/* Ports are checked before the data offset. */
static const uint8_t v4_not_bgp_bad_doff[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0, TCPP), TCP(80, 8080, 2, 0x10),
};
static const uint8_t v4_frag_first[] = {
	ETH(0x0800), IP4(0x45, 20 + 20 + KA_LEN, 0x2000, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_frag_middle[] = {
	ETH(0x0800), IP4(0x45, 20 + 8, 0x2000 | 185, TCPP), Z8,
};
static const uint8_t v4_frag_last[] = {
	ETH(0x0800), IP4(0x45, 20 + 8, 185, TCPP), Z8,
};
static const uint8_t v4_frag_df_mf[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0x6000, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_frag_udp[] = {
	ETH(0x0800), IP4(0x45, 20 + 8, 0x2000, UDPP), BE16(53), BE16(53), BE16(8), BE16(0),
};
static const uint8_t v4_bad_version[] = {
	ETH(0x0800), IP4(0x65, 20 + 20, 0, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_ihl_4[] = {
	ETH(0x0800), IP4(0x44, 20 + 20, 0, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_ihl_0[] = {
	ETH(0x0800), IP4(0x40, 20 + 20, 0, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_total_lt_header[] = {
	ETH(0x0800), IP4(0x45, 19, 0, TCPP), TCP(40000, 179, 5, 0x10),
};
static const uint8_t v4_total_lt_options[] = {
	ETH(0x0800), IP4(0x46, 20, 0, TCPP), 1, 1, 1, 0, TCP(40000, 179, 5, 0x10),
};
/* Zero total length and nothing after the header: no offload to assume. */
static const uint8_t v4_zero_total_header_only[] = {
	ETH(0x0800), IP4(0x45, 0, 0, TCPP),
};
static const uint8_t v4_total_gt_frame[] = {
	ETH(0x0800), IP4(0x45, 20 + 20 + KA_LEN + 1, 0, TCPP), TCP(40000, 179, 5, 0x18), KA,
};
static const uint8_t v4_eth_cut[] = { MACS, 0x08 };
static const uint8_t v4_hdr_cut[] = { ETH(0x0800), 0x45, 0, BE16(40), Z12, 0, 0, 0 };
static const uint8_t v4_options_cut[] = { ETH(0x0800), IP4(0x47, 28 + 20, 0, TCPP), Z4 };
static const uint8_t v4_tcp_cut_by_total[] = {
	ETH(0x0800), IP4(0x45, 20 + 10, 0, TCPP), TCP(40000, 179, 5, 0x10), /* frame longer */
};
static const uint8_t v4_tcp_cut_by_frame[] = {
	ETH(0x0800), IP4(0x45, 0, 0, TCPP), BE16(40000), BE16(179), BE32(SEQ),
};
static const uint8_t v4_tcp_opts_cut[] = {
	ETH(0x0800), IP4(0x45, 20 + 24, 0, TCPP), TCP(40000, 179, 8, 0x10), Z4, Z8,
};
static const uint8_t v4_doff_4[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0, TCPP), TCP(40000, 179, 4, 0x10),
};
static const uint8_t v4_doff_0[] = {
	ETH(0x0800), IP4(0x45, 20 + 20, 0, TCPP), TCP(179, 40000, 0, 0x10),
};
static const uint8_t v4_doff_beyond_ip[] = {
	ETH(0x0800), IP4(0x45, 20 + 20 + KA_LEN, 0, TCPP), TCP(40000, 179, 15, 0x18), KA,
};
static const uint8_t v4_tso_doff_beyond_frame[] = {
	ETH(0x0800), IP4(0x45, 0, 0, TCPP), TCP(40000, 179, 15, 0x18), KA,
};
static const uint8_t v6_bad_version[] = {
	ETH(0x86dd), IP6V(0x40, 20, TCPP), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_version_7[] = {
	ETH(0x86dd), IP6V(0x70, 20, TCPP), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_in_v4_ethertype[] = {
	ETH(0x0800), IP6(20, TCPP), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_hdr_cut[] = { ETH(0x86dd), 0x60, 0, 0, 0, BE16(20), TCPP, 64, SRC6, Z8 };
static const uint8_t v6_plen_gt_frame[] = {
	ETH(0x86dd), IP6(20 + KA_LEN + 1, TCPP), TCP(50000, 179, 5, 0x18), KA,
};
static const uint8_t v6_frag[] = {
	ETH(0x86dd), IP6(8 + 20, FRG), FRAG8(TCPP, 0x0001), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_frag_non_first[] = {
	ETH(0x86dd), IP6(8 + 8, FRG), FRAG8(TCPP, 0x05c8), Z8,
};
static const uint8_t v6_atomic_frag[] = {
	ETH(0x86dd), IP6(8 + 20, FRG), FRAG8(TCPP, 0x0000), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_frag_after_chain[] = {
	ETH(0x86dd), IP6(8 + 16 + 8 + 20, HOP),
	HBH8(DSTO), DST16(FRG), FRAG8(TCPP, 0x0001), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_esp[] = {
	ETH(0x86dd), IP6(8 + 16, ESP), BE32(0x1000), BE32(1), Z8, Z8,
};
static const uint8_t v6_ah_esp[] = {
	ETH(0x86dd), IP6(24 + 16, AHP), AH24(ESP), BE32(0x1000), BE32(1), Z8,
};
static const uint8_t v6_no_next[] = { ETH(0x86dd), IP6(0, NONXT) };
static const uint8_t v6_hbh_no_next[] = { ETH(0x86dd), IP6(8, HOP), HBH8(NONXT) };
static const uint8_t v6_udp179[] = {
	ETH(0x86dd), IP6(8, UDPP), BE16(179), BE16(179), BE16(8), BE16(0),
};
static const uint8_t v6_icmp6[] = { ETH(0x86dd), IP6(8, ICMP6), 128, 0, BE16(0), BE32(1) };
static const uint8_t v6_not_bgp[] = {
	ETH(0x86dd), IP6(20, TCPP), TCP(50000, 443, 5, 0x10),
};
static const uint8_t v6_nine_ext[] = {
	ETH(0x86dd), IP6(72 + 20, DSTO),
	DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO),
	DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(TCPP),
	TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_ext_cut[] = {
	ETH(0x86dd), IP6(8, HOP), TCPP, 1, 1, 12, Z12, /* 16 bytes, payload 8 */
	 TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_ext_first_bytes_cut[] = { ETH(0x86dd), IP6(1, RTG), TCPP, Z8 };
static const uint8_t v6_ah_cut[] = {
	ETH(0x86dd), IP6(16, AHP), AH24(TCPP), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_tcp_cut[] = {
	ETH(0x86dd), IP6(10, TCPP), TCP(50000, 179, 5, 0x10),
};
static const uint8_t v6_jumbo_empty[] = { ETH(0x86dd), IP6(0, TCPP) };
static const uint8_t v6_doff_3[] = {
	ETH(0x86dd), IP6(20, TCPP), TCP(50000, 179, 3, 0x10),
};
static const uint8_t tag_cut[] = { ETH(0x8100), BE16(5) };
static const uint8_t second_tag_cut[] = { ETH(0x88a8), TAG(5, 0x8100), BE16(6), 0x08 };
static const uint8_t tag_then_nothing[] = { ETH(0x8100), TAG(5, 0x0800) };

struct drop_vec {
	const char *name;
	const uint8_t *b;
	size_t len;
	enum classify_verdict v;
};

#define DV(n, v) { #n, n, sizeof(n), v }

static const struct drop_vec should_drop[] = {
	DV(arp, CLASSIFY_NOT_IP),
	DV(dot1q_arp, CLASSIFY_NOT_IP),
	DV(qinq_arp, CLASSIFY_NOT_IP),
	DV(lldp, CLASSIFY_NOT_IP),
	DV(mpls_v4, CLASSIFY_NOT_IP),
	DV(ieee8023_len, CLASSIFY_NOT_IP),
	DV(three_tags, CLASSIFY_MALFORMED),
	DV(three_tags_9100, CLASSIFY_MALFORMED),
	DV(three_tags_cut, CLASSIFY_MALFORMED),
	DV(v4_udp179, CLASSIFY_NOT_TCP),
	DV(v4_icmp, CLASSIFY_NOT_TCP),
	DV(v4_ah, CLASSIFY_NOT_TCP),
	DV(v4_not_bgp, CLASSIFY_NOT_BGP),
	DV(v4_port_178_180, CLASSIFY_NOT_BGP),
	DV(v4_not_bgp_bad_doff, CLASSIFY_NOT_BGP),
	DV(v4_frag_first, CLASSIFY_FRAGMENT),
	DV(v4_frag_middle, CLASSIFY_FRAGMENT),
	DV(v4_frag_last, CLASSIFY_FRAGMENT),
	DV(v4_frag_df_mf, CLASSIFY_FRAGMENT),
	DV(v4_frag_udp, CLASSIFY_FRAGMENT),
	DV(v4_bad_version, CLASSIFY_MALFORMED),
	DV(v4_ihl_4, CLASSIFY_MALFORMED),
	DV(v4_ihl_0, CLASSIFY_MALFORMED),
	DV(v4_total_lt_header, CLASSIFY_MALFORMED),
	DV(v4_total_lt_options, CLASSIFY_MALFORMED),
	DV(v4_zero_total_header_only, CLASSIFY_MALFORMED),
	DV(v4_total_gt_frame, CLASSIFY_TRUNCATED),
	DV(v4_eth_cut, CLASSIFY_TRUNCATED),
	DV(v4_hdr_cut, CLASSIFY_TRUNCATED),
	DV(v4_options_cut, CLASSIFY_TRUNCATED),
	DV(v4_tcp_cut_by_total, CLASSIFY_TRUNCATED),
	DV(v4_tcp_cut_by_frame, CLASSIFY_TRUNCATED),
	DV(v4_tcp_opts_cut, CLASSIFY_TRUNCATED),
	DV(v4_doff_4, CLASSIFY_MALFORMED),
	DV(v4_doff_0, CLASSIFY_MALFORMED),
	DV(v4_doff_beyond_ip, CLASSIFY_TRUNCATED),
	DV(v4_tso_doff_beyond_frame, CLASSIFY_TRUNCATED),
	DV(v6_bad_version, CLASSIFY_MALFORMED),
	DV(v6_version_7, CLASSIFY_MALFORMED),
	DV(v6_in_v4_ethertype, CLASSIFY_MALFORMED),
	DV(v6_hdr_cut, CLASSIFY_TRUNCATED),
	DV(v6_plen_gt_frame, CLASSIFY_TRUNCATED),
	DV(v6_frag, CLASSIFY_FRAGMENT),
	DV(v6_frag_non_first, CLASSIFY_FRAGMENT),
	DV(v6_atomic_frag, CLASSIFY_FRAGMENT),
	DV(v6_frag_after_chain, CLASSIFY_FRAGMENT),
	DV(v6_esp, CLASSIFY_NOT_TCP),
	DV(v6_ah_esp, CLASSIFY_NOT_TCP),
	DV(v6_no_next, CLASSIFY_NOT_TCP),
	DV(v6_hbh_no_next, CLASSIFY_NOT_TCP),
	DV(v6_udp179, CLASSIFY_NOT_TCP),
	DV(v6_icmp6, CLASSIFY_NOT_TCP),
	DV(v6_not_bgp, CLASSIFY_NOT_BGP),
	DV(v6_nine_ext, CLASSIFY_MALFORMED),
	DV(v6_ext_cut, CLASSIFY_TRUNCATED),
	DV(v6_ext_first_bytes_cut, CLASSIFY_TRUNCATED),
	DV(v6_ah_cut, CLASSIFY_TRUNCATED),
	DV(v6_tcp_cut, CLASSIFY_TRUNCATED),
	DV(v6_jumbo_empty, CLASSIFY_TRUNCATED),
	DV(v6_doff_3, CLASSIFY_MALFORMED),
	DV(tag_cut, CLASSIFY_TRUNCATED),
	DV(second_tag_cut, CLASSIFY_TRUNCATED),
	DV(tag_then_nothing, CLASSIFY_TRUNCATED),
};

/* ---- runners ------------------------------------------------------------ */

/* Exact-size heap copy, so ASan sees any read past the frame. */
static uint8_t *
dup_frame(const uint8_t *b, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, b, len);
	return p;
}

#define EXPECT(vec, what, got, want) do { \
	if ((unsigned long long)(got) != (unsigned long long)(want)) \
		fail_msg("%s: %s is %llu, want %llu", (vec), (what), \
			 (unsigned long long)(got), (unsigned long long)(want)); \
} while (0)

static void
check_want(const char *name, const uint8_t *f, const struct classify_pkt *p,
	   const struct want *w)
{
	EXPECT(name, "family", p->family, w->family);
	EXPECT(name, "nvlan", p->nvlan, w->nvlan);
	for (int i = 0; i < CLASSIFY_MAX_VLANS; i++)
		EXPECT(name, "vlan", p->vlan[i], w->vlan[i]);
	EXPECT(name, "sport", p->sport, w->sport);
	EXPECT(name, "dport", p->dport, w->dport);
	EXPECT(name, "seq", p->seq, w->seq);
	EXPECT(name, "ack", p->ack, w->ack);
	EXPECT(name, "tcp_flags", p->tcp_flags, w->flags);
	if (memcmp(p->src, w->src, 16) != 0 || memcmp(p->dst, w->dst, 16) != 0)
		fail_msg("%s: addresses differ", name);
	EXPECT(name, "payload offset", p->payload - f, w->off);
	EXPECT(name, "payload_len", p->payload_len, w->plen);
}

static void
test_should_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_parse) / sizeof(should_parse[0]); i++) {
		const struct parse_vec *t = &should_parse[i];
		uint8_t *f = dup_frame(t->b, t->len);
		struct classify_pkt p;

		memset(&p, 0xa5, sizeof(p)); /* stale bytes must be overwritten */
		enum classify_verdict v = classify_frame(f, (uint32_t)t->len, &p);
		if (v != CLASSIFY_BGP)
			fail_msg("%s: verdict %s, want bgp", t->name, classify_verdict_name(v));
		check_want(t->name, f, &p, &t->w);
		free(f);
	}
}

static void
test_should_drop(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_drop) / sizeof(should_drop[0]); i++) {
		const struct drop_vec *t = &should_drop[i];
		uint8_t *f = dup_frame(t->b, t->len);
		struct classify_pkt p;
		enum classify_verdict v = classify_frame(f, (uint32_t)t->len, &p);

		if (v != t->v)
			fail_msg("%s: verdict %s, want %s", t->name,
				 classify_verdict_name(v), classify_verdict_name(t->v));
		free(f);
	}
}

/*
 * Every proper prefix of a BGP frame without padding ends inside some
 * header or inside the IP-declared payload: always TRUNCATED.
 */
static void
test_every_prefix_truncated(void **state)
{
	static const struct drop_vec full[] = {
		DV(v4_untagged, CLASSIFY_TRUNCATED),
		DV(v4_qinq_88a8, CLASSIFY_TRUNCATED),
		DV(v4_options_max, CLASSIFY_TRUNCATED),
		DV(v4_tcp_options, CLASSIFY_TRUNCATED),
		DV(v6_qinq, CLASSIFY_TRUNCATED),
		DV(v6_chain, CLASSIFY_TRUNCATED),
		DV(v6_hip, CLASSIFY_TRUNCATED),
		DV(v6_tcp_options, CLASSIFY_TRUNCATED),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		for (size_t n = 0; n < full[i].len; n++) {
			uint8_t *f = dup_frame(full[i].b, n);
			struct classify_pkt p;
			enum classify_verdict v = classify_frame(f, (uint32_t)n, &p);

			if (v != full[i].v)
				fail_msg("%s cut to %zu: verdict %s", full[i].name, n,
					 classify_verdict_name(v));
			free(f);
		}
	}
}

static void
test_null_empty_frame(void **state)
{
	struct classify_pkt p;

	(void)state;
	assert_int_equal(classify_frame(NULL, 0, &p), CLASSIFY_TRUNCATED);
}

/* A tagged BGP frame then an untagged one: no VLAN state may leak. */
static void
test_no_stale_vlans(void **state)
{
	struct classify_pkt p;

	(void)state;
	assert_int_equal(classify_frame(v4_qinq_88a8, sizeof(v4_qinq_88a8), &p), CLASSIFY_BGP);
	assert_int_equal(p.nvlan, 2);
	assert_int_equal(classify_frame(v6_plain, sizeof(v6_plain), &p), CLASSIFY_BGP);
	assert_int_equal(p.nvlan, 0);
	assert_int_equal(p.vlan[0], 0);
	assert_int_equal(p.vlan[1], 0);
	assert_int_equal(p.family, 6);
}

static void
test_verdict_names(void **state)
{
	static const struct {
		enum classify_verdict v;
		const char *name;
	} names[] = {
		{ CLASSIFY_BGP, "bgp" },
		{ CLASSIFY_NOT_IP, "not_ip" },
		{ CLASSIFY_NOT_TCP, "not_tcp" },
		{ CLASSIFY_NOT_BGP, "not_bgp" },
		{ CLASSIFY_FRAGMENT, "fragment" },
		{ CLASSIFY_TRUNCATED, "truncated" },
		{ CLASSIFY_MALFORMED, "malformed" },
		{ CLASSIFY__COUNT, "unknown" },
		{ (enum classify_verdict)(CLASSIFY__COUNT + 1), "unknown" },
		{ (enum classify_verdict)-1, "unknown" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(classify_verdict_name(names[i].v), names[i].name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_should_parse),
		cmocka_unit_test(test_should_drop),
		cmocka_unit_test(test_every_prefix_truncated),
		cmocka_unit_test(test_null_empty_frame),
		cmocka_unit_test(test_no_stale_vlans),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
