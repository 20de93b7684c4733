/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders: Ethernet (optional 802.1Q tag), IPv4 or IPv6, and TCP,
 * UDP or ICMP echo, with correct IP and L4 checksums. Frames shorter than
 * the Ethernet minimum are zero-padded to 60 bytes (no FCS), as a capture
 * on the receiving side would show them.
 */
#ifndef BMPTAP_GEN_PKT_H
#define BMPTAP_GEN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/wire.h"

#define GEN_ETH_MIN 60u
#define GEN_TCP_FIN 0x01
#define GEN_TCP_SYN 0x02
#define GEN_TCP_RST 0x04
#define GEN_TCP_PSH 0x08
#define GEN_TCP_ACK 0x10

/* Link and network layer of one frame. */
struct gen_l3 {
	const uint8_t *smac;
	const uint8_t *dmac;
	uint16_t vlan;           /* VLAN ID, 0 = untagged */
	bool v6;
	const uint8_t *src;      /* 4 or 16 bytes */
	const uint8_t *dst;
	uint8_t tos;             /* IPv4 TOS / IPv6 traffic class */
	uint8_t ttl;             /* TTL / hop limit */
	uint16_t ip_id;          /* IPv4 identification */
};

struct gen_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;           /* GEN_TCP_* */
	uint16_t win;
	const uint8_t *opt;      /* options, optlen a multiple of 4 (<= 40) */
	uint8_t optlen;
};

/* Internet checksum over a byte range, added to a running 32-bit sum. */
uint32_t gen_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t gen_csum_fold(uint32_t sum);

/*
 * Append one frame to b; each returns the frame length, or 0 when it
 * does not fit (b->overflow is then set).
 */
size_t gen_pkt_tcp(struct wire_buf *b, const struct gen_l3 *l3, const struct gen_tcp *t,
		   const uint8_t *data, size_t len);
size_t gen_pkt_udp(struct wire_buf *b, const struct gen_l3 *l3, uint16_t sport,
		   uint16_t dport, const uint8_t *data, size_t len);
/* ICMP echo request (ICMPv6 type 128 over IPv6). */
size_t gen_pkt_echo(struct wire_buf *b, const struct gen_l3 *l3, uint16_t id, uint16_t seq,
		    const uint8_t *data, size_t len);

/* Bytes of headers before the L4 payload for this l3 and L4 header size. */
size_t gen_pkt_hdr_len(const struct gen_l3 *l3, size_t l4hdr);

#endif
