/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Frame classification: Ethernet, 802.1Q/802.1ad tags, IPv4, IPv6 with
 * extension headers, TCP. Decides early whether a frame can carry BGP
 * (TCP port 179 on either side) and extracts what TCP reassembly needs.
 *
 * Pure: takes bytes, returns a verdict, no I/O and no state, so the RX
 * lcore, the unit tests and the fuzzer share it.
 */
#ifndef BMPTAP_CLASSIFY_H
#define BMPTAP_CLASSIFY_H

#include <stdint.h>

#define CLASSIFY_BGP_PORT 179
#define CLASSIFY_MAX_VLANS 2

/** Verdict for one frame; every value but CLASSIFY_BGP is a drop reason. */
enum classify_verdict {
	CLASSIFY_BGP = 0,     /**< TCP with port 179 on either side */
	CLASSIFY_NOT_IP,      /**< ARP, LLDP, any other ethertype */
	CLASSIFY_NOT_TCP,     /**< IP, but UDP, ICMP, ESP, ... */
	CLASSIFY_NOT_BGP,     /**< TCP, neither port is 179 */
	CLASSIFY_FRAGMENT,    /**< IPv4 fragment, or IPv6 Fragment header */
	CLASSIFY_TRUNCATED,   /**< frame ends inside a header or payload */
	CLASSIFY_MALFORMED,   /**< bad version, header length, too many tags */
	CLASSIFY__COUNT
};

/** Stable lower-case name of a verdict, for counters and logs. */
const char *classify_verdict_name(enum classify_verdict v);

/** What classification extracts from a BGP-carrying frame. */
struct classify_pkt {
	uint8_t family;                 /**< 4 or 6 */
	uint8_t tcp_flags;              /**< TH_FIN 0x01 ... TH_ACK 0x10 */
	uint8_t nvlan;                  /**< tags seen, outer first */
	uint16_t vlan[CLASSIFY_MAX_VLANS]; /**< VLAN IDs (12 bits) */
	uint16_t sport, dport;          /**< host order */
	uint32_t seq, ack;              /**< host order */
	uint8_t src[16], dst[16];       /**< IPv4 in bytes 0-3, rest zero */
	const uint8_t *payload;         /**< TCP payload inside the frame */
	uint32_t payload_len;           /**< from the IP length, not the frame */
};

#define CLASSIFY_TH_FIN 0x01
#define CLASSIFY_TH_SYN 0x02
#define CLASSIFY_TH_RST 0x04
#define CLASSIFY_TH_PSH 0x08
#define CLASSIFY_TH_ACK 0x10

/**
 * Classify one linear frame starting at the Ethernet header.
 *
 * An IPv4 total length of 0 on a frame longer than the headers is taken
 * as a segmentation-offload capture (the length is the frame's), as
 * Wireshark does. Ethernet padding after the IP payload is ignored.
 *
 * @return CLASSIFY_BGP with *out filled, or the drop reason (*out is
 *         then unspecified).
 */
enum classify_verdict classify_frame(const uint8_t *frame, uint32_t len,
				     struct classify_pkt *out);

#endif
