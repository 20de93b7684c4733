/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * BMP version 3 encoding (RFC 7854, RFC 8671 statistics, IANA registries).
 *
 * Pure: every function writes one complete message into a caller's
 * struct wire_buf and returns 0; -ENOSPC when it does not fit (the
 * overflow flag is set, nothing is written), or -EINVAL for arguments
 * that would make an invalid message (a PDU whose header length is not
 * its length, an OPEN over 4096 bytes, a reason out of range...): the
 * checks are listed in bmp.c.
 *
 * The per-peer header is built once per peer (struct bmp_peer_hdr, wire
 * bytes with a zero timestamp) and copied into each message with the
 * message's own timestamp: the hot path never re-encodes it.
 */
#ifndef BMPTAP_BMP_H
#define BMPTAP_BMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define BMP_VERSION 3
#define BMP_COMMON_HDR_LEN 6
#define BMP_PEER_HDR_LEN 42
/** Largest Route Monitoring message: a 65535-byte UPDATE. Other types
 * grow with their TLVs; size those from their arguments. */
#define BMP_MAX_MSG_LEN (BMP_COMMON_HDR_LEN + BMP_PEER_HDR_LEN + 65535u)

enum bmp_msg_type {
	BMP_MSG_ROUTE_MONITORING = 0,
	BMP_MSG_STATISTICS_REPORT = 1,
	BMP_MSG_PEER_DOWN = 2,
	BMP_MSG_PEER_UP = 3,
	BMP_MSG_INITIATION = 4,
	BMP_MSG_TERMINATION = 5,
	BMP_MSG_ROUTE_MIRRORING = 6,
};

enum bmp_peer_type {
	BMP_PEER_GLOBAL = 0,
	BMP_PEER_RD = 1,
	BMP_PEER_LOCAL = 2,
};

#define BMP_PEER_FLAG_V 0x80 /**< peer address is IPv6 */
#define BMP_PEER_FLAG_L 0x40 /**< post-policy */
#define BMP_PEER_FLAG_A 0x20 /**< legacy 2-byte AS_PATH format */
#define BMP_PEER_FLAG_O 0x10 /**< Adj-RIB-Out (RFC 8671) */

/** Peer Down reasons (RFC 7854 4.9). */
enum bmp_down_reason {
	BMP_DOWN_LOCAL_NOTIFY = 1,
	BMP_DOWN_LOCAL_NO_NOTIFY = 2,
	BMP_DOWN_REMOTE_NOTIFY = 3,
	BMP_DOWN_REMOTE_NO_NOTIFY = 4,
	BMP_DOWN_DECONFIGURED = 5,
};

/** Initiation / Peer Up information TLV types (RFC 7854 4.4). */
#define BMP_INFO_STRING 0
#define BMP_INFO_SYSDESCR 1
#define BMP_INFO_SYSNAME 2

/** Termination TLV types and reasons (RFC 7854 4.5). */
#define BMP_TERM_TLV_STRING 0
#define BMP_TERM_TLV_REASON 1
enum bmp_term_reason {
	BMP_TERM_ADMIN_CLOSE = 0,
	BMP_TERM_UNSPECIFIED = 1,
	BMP_TERM_OUT_OF_RESOURCES = 2,
	BMP_TERM_REDUNDANT = 3,
	BMP_TERM_PERMANENT_CLOSE = 4,
};

/** Route Mirroring TLVs and information codes (RFC 7854 4.7). */
#define BMP_MIRROR_TLV_BGP_MSG 0
#define BMP_MIRROR_TLV_INFO 1
#define BMP_MIRROR_ERRORED_PDU 0
#define BMP_MIRROR_MESSAGES_LOST 1

/** A string TLV for Initiation, Termination and Peer Up. */
struct bmp_tlv {
	uint16_t type;
	uint16_t len;
	const void *value;
};

/** Per-peer header fields, in host terms. */
struct bmp_peer {
	uint8_t type;                /**< enum bmp_peer_type */
	uint8_t flags;               /**< BMP_PEER_FLAG_*; V is set from family */
	uint8_t family;              /**< 4 or 6 */
	uint8_t distinguisher[8];    /**< wire order */
	uint8_t addr[16];            /**< IPv4 in bytes 0-3 */
	uint32_t as;
	uint32_t bgp_id;
};

/** A per-peer header in wire form, timestamp zero. */
struct bmp_peer_hdr {
	uint8_t b[BMP_PEER_HDR_LEN];
};

void bmp_peer_hdr_build(struct bmp_peer_hdr *h, const struct bmp_peer *peer);

/** Statistics types bmptap reports (RFC 7854 4.8, RFC 8671 4, IANA). */
#define BMP_STAT_DUP_PREFIX_ADV 1     /**< counter: known duplicate advertisements */
#define BMP_STAT_DUP_WITHDRAW 2       /**< counter: known duplicate withdraws */
#define BMP_STAT_ADJ_RIB_IN 7         /**< gauge: routes in Adj-RIB-In */
#define BMP_STAT_ADJ_RIB_IN_AF 9      /**< AFI/SAFI gauge */
#define BMP_STAT_DUP_UPDATES 13       /**< counter: duplicate UPDATE messages */
#define BMP_STAT_ADJ_RIB_OUT_POST 15  /**< gauge: post-policy Adj-RIB-Out (RFC 8671) */
#define BMP_STAT_ADJ_RIB_OUT_POST_AF 17 /**< AFI/SAFI gauge (RFC 8671) */
/* Experimental range (65531-65534): what the tap itself knows. */
#define BMP_STAT_TAP_GAPS 65531       /**< counter: holes in the sender's stream */
#define BMP_STAT_TAP_LOST_BYTES 65532 /**< gauge: bytes the tap never saw */
#define BMP_STAT_TAP_PARTIAL 65533    /**< gauge: 1 if the mirror is incomplete */

/** Statistics counter kinds and their value widths (RFC 7854 4.8). */
enum bmp_stat_kind {
	BMP_STAT_COUNTER32,          /**< 4-byte value */
	BMP_STAT_GAUGE64,            /**< 8-byte value */
	BMP_STAT_AF_GAUGE64,         /**< AFI(2) SAFI(1) 8-byte value */
};

struct bmp_stat {
	uint16_t type;
	uint8_t kind;                /**< enum bmp_stat_kind */
	uint8_t safi;
	uint16_t afi;
	uint64_t value;
};

int bmp_put_initiation(struct wire_buf *b, const struct bmp_tlv *tlvs, unsigned n);

/** Termination with a reason TLV and an optional string TLV (NULL: none). */
int bmp_put_termination(struct wire_buf *b, enum bmp_term_reason reason, const char *text);

int bmp_put_route_monitoring(struct wire_buf *b, const struct bmp_peer_hdr *h,
			     uint64_t ts_us, const uint8_t *pdu, uint32_t pdu_len);

/**
 * Peer Up. `local_addr` uses the family of the peer (V flag of h), IPv4
 * in bytes 0-3; ports host order; OPENs are whole messages with header.
 */
int bmp_put_peer_up(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
		    const uint8_t local_addr[16], uint16_t local_port, uint16_t remote_port,
		    const uint8_t *sent_open, uint32_t sent_len,
		    const uint8_t *recv_open, uint32_t recv_len,
		    const struct bmp_tlv *info, unsigned ninfo);

/**
 * Peer Down. Reasons 1 and 3: data is the NOTIFICATION message. Reason 2:
 * data_len must be 0 and `fsm_event` is written. Reasons 4 and 5: no data.
 */
int bmp_put_peer_down(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
		      enum bmp_down_reason reason, const uint8_t *data, uint32_t data_len,
		      uint16_t fsm_event);

int bmp_put_stats_report(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
			 const struct bmp_stat *stats, unsigned n);

/**
 * Route Mirroring with an optional BGP message TLV (pdu may be NULL) and
 * an optional information TLV (info_code < 0: none).
 */
int bmp_put_route_mirroring(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
			    const uint8_t *pdu, uint32_t pdu_len, int info_code);

/**
 * Read a common header: 0 with *type and *len (whole message) filled,
 * -EAGAIN if fewer than 6 bytes, -EINVAL for a bad version or length.
 */
int bmp_read_common(const uint8_t *p, size_t avail, uint8_t *type, uint32_t *len);

#endif
