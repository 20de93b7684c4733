/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Typed records from an RX lcore to the encoder.
 *
 * An RX lcore says what happened to the BMP peers it owns (a peer is the
 * sender of one direction of a tapped session); the encoder turns each
 * record into exactly one BMP message per interested server. Records of
 * one RX lcore travel through one queue (evq.h), so per-session order is
 * kept. Records are 8-byte aligned, header first, payload after.
 */
#ifndef BMPTAP_EVENT_H
#define BMPTAP_EVENT_H

#include <stdint.h>

#include "bmp.h"

enum ev_type {
	EV_PEER_UP = 1,     /**< struct ev_peer_up, sent OPEN, received OPEN, info */
	EV_ROUTE_MON,       /**< UPDATE message */
	EV_PEER_DOWN,       /**< aux = bmp_down_reason; the NOTIFICATION (1, 3),
			         or the FSM event as a host-order uint16_t (2) */
	EV_LOSS,            /**< struct ev_loss: stream bytes lost by the tap */
	EV_ERRORED_PDU,     /**< malformed message, mirrored with "errored PDU" */
	EV_REPLAY_RM,       /**< struct ev_replay, then an UPDATE from the mirror */
	EV_REPLAY_DONE,     /**< struct ev_replay: the peer's replay is complete */
	EV_STATS,           /**< struct ev_stats, then struct bmp_stat[n] */
	EV__COUNT
};

struct ev_hdr {
	uint32_t len;       /**< whole record, header included, before padding */
	uint8_t type;       /**< enum ev_type */
	uint8_t flags;
	uint16_t aux;       /**< type-specific */
	uint32_t peer;      /**< peer slot on the producing lcore */
	uint32_t reserved;
	uint64_t ts_us;     /**< capture time, microseconds since the epoch */
};

#define EV_ALIGN 8u
#define EV_RECORD_SPACE(payload) \
	((uint32_t)((sizeof(struct ev_hdr) + (payload) + EV_ALIGN - 1) & ~(EV_ALIGN - 1)))

/** Flags of EV_PEER_UP. */
#define EV_PEER_INFERRED 0x01 /**< OPENs not captured: synthesized */

/** Payload head of EV_PEER_UP; the OPENs and the info text follow. */
struct ev_peer_up {
	struct bmp_peer peer;      /**< per-peer header fields */
	uint8_t local_addr[16];    /**< the receiver; IPv4 in bytes 0-3 */
	uint16_t local_port;
	uint16_t remote_port;
	uint16_t sent_open_len;    /**< receiver's OPEN */
	uint16_t recv_open_len;    /**< sender's OPEN */
	uint16_t info_len;         /**< information string, no NUL */
	uint16_t reserved;
};

struct ev_loss {
	uint64_t bytes;            /**< bytes of the stream the tap missed */
};

/** Head of EV_REPLAY_RM and EV_REPLAY_DONE: who the replay is for. */
struct ev_replay {
	uint64_t mask;             /**< stations of the replay */
	uint32_t job;              /**< the control thread's job number */
	uint32_t reserved;
};

/** Head of EV_STATS; struct bmp_stat[n] follow. */
struct ev_stats {
	uint64_t mask;             /**< stations whose period is due */
	uint32_t n;
	uint32_t reserved;
};

#endif
