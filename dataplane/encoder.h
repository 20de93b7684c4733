/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The encoder stage: records from every RX lcore's queue become BMP
 * messages in the shared output (obuf.h), once, for all servers.
 *
 * It keeps, per peer, the per-peer header in wire form (built at Peer
 * Up), so a Route Monitoring message costs two copies, and the encoded
 * Peer Up, so a station attached later gets one. When no output chunk is
 * free it stops where it is and resumes on the next poll: the records
 * wait in their queue, nothing is dropped.
 *
 * Stations are output slots (bit i of a mask). Which peers go to which
 * slot is a filter (peer address -> slots) from the configuration's
 * `neighbor ... bmp-activate`. The control thread talks to the encoder
 * through a command ring and reads acknowledgements from another:
 *  - attach(slot): the encoder writes the Peer Up of every established
 *    peer the slot monitors, in the order the sessions came up, then
 *    streams live messages to it; the acknowledgement gives the sequence
 *    number of the first chunk that may carry the slot's bytes, so a slot
 *    reused quickly never receives a stale chunk;
 *  - detach(slot);
 *  - set_filter: peers a slot gains get a Peer Up, peers it loses a Peer
 *    Down (reason 5, de-configured); the old filter comes back in an
 *    acknowledgement for the control thread to free.
 * Commands and records are never interleaved: a command's work completes
 * (across polls if chunks run out) before the next record is taken.
 *
 * Flushing: a chunk goes to the stations when half full or ENCODER_FLUSH_US
 * after its first message, not at every poll: at a trickle, a chunk per
 * message would pin a lagging station's memory in nearly empty chunks.
 *
 * Owned by the encoder lcore; the control thread reads the counters.
 */
#ifndef BMPTAP_ENCODER_H
#define BMPTAP_ENCODER_H

#include <stdbool.h>
#include <stdint.h>

#include "bmp.h"

struct evq;
struct obuf;
struct encoder;

struct encoder_params {
	struct evq **queues;         /**< one per RX lcore */
	unsigned nqueues;
	uint32_t peers_per_queue;    /**< peer slots of each RX lcore */
	struct obuf *out;
	uint64_t servers;            /**< slots attached from the start, that get
					  every peer (e.g. --bmp-out) */
};

/** Peer address -> output slots. Immutable once handed to the encoder. */
struct enc_filter;

/** A filter sending every peer to `every_peer` slots; NULL on ENOMEM. */
struct enc_filter *enc_filter_create(uint64_t every_peer, unsigned max_entries);
/** Add slots for one peer address. 0, -ENOSPC. */
int enc_filter_add(struct enc_filter *f, uint8_t family, const uint8_t addr[16], uint64_t slots);
uint64_t enc_filter_lookup(const struct enc_filter *f, uint8_t family, const uint8_t addr[16]);
void enc_filter_free(struct enc_filter *f);

/** One established peer, as `show bmp neighbors` needs it. */
struct enc_peer_info {
	uint8_t family;
	uint8_t addr[16];            /**< the sender, IPv4 in bytes 0-3 */
	uint8_t receiver[16];        /**< the local side (Peer Up local address) */
	uint8_t distinguisher[8];
	uint16_t queue;              /**< RX lcore index that owns the peer */
	uint32_t slot;               /**< its peer slot there */
	uint32_t as;
	uint32_t bgp_id;
	uint64_t slots;              /**< stations the filter sends it to */
	uint64_t rm_sent;            /**< Route Monitoring messages encoded */
	uint64_t up_ts_us;           /**< its Peer Up, capture clock */
	uint64_t up_seq;             /**< order of its Peer Up among all peers */
};

/** Who asked for a snapshot: the encoder passes it back untouched. */
#define ENC_PEERS_TAG_REFRESH 1
#define ENC_PEERS_TAG_STATE 2

/** A snapshot request: the control thread owns it until acknowledged. */
struct enc_peers {
	unsigned tag;                /**< ENC_PEERS_TAG_*, the requester's */
	unsigned cap;                /**< entries the array holds */
	unsigned n;                  /**< entries filled, in session-up order */
	unsigned total;              /**< established peers (may exceed cap) */
	struct enc_peer_info peer[];
};

enum enc_ack_type {
	ENC_ACK_ATTACHED,            /**< slot attached from chunk first_seq on */
	ENC_ACK_DETACHED,
	ENC_ACK_FILTER,              /**< filter in place; free `old` */
	ENC_ACK_PEERS,               /**< `peers` filled */
	ENC_ACK_REPLAY_DONE,         /**< a peer's replay `job` is all encoded */
};

struct enc_ack {
	enum enc_ack_type type;
	unsigned slot;
	uint64_t first_seq;
	uint64_t peer_seq;           /**< ATTACHED: peers with up_seq <= this were
					  up at attach (they need a refresh) */
	struct enc_filter *old;
	struct enc_peers *peers;
	uint32_t job;
};

struct encoder_counters {
	uint64_t records;            /**< records consumed */
	uint64_t msgs[BMP_MSG_ROUTE_MIRRORING + 1]; /**< encoded, by BMP type */
	uint64_t bytes;              /**< encoded */
	uint64_t unknown_peer;       /**< record for a peer not up (bug) */
	uint64_t bad_record;         /**< malformed record (bug) */
	uint64_t encode_errors;      /**< message refused by the BMP encoder */
	uint64_t no_server;          /**< record with no server to go to */
	uint64_t out_stalls;         /**< polls stopped for lack of a chunk */
	uint64_t attached;           /**< attach commands done */
	uint64_t snapshot_peer_ups;  /**< Peer Ups written for attach/filter */
	uint64_t deconfigured;       /**< Peer Downs (reason 5) for filter changes */
	uint64_t replay_rm;          /**< Route Monitoring from the mirror (replay) */
	uint64_t stats_reports;      /**< Statistics Reports written */
};

/** NULL with errno set. */
struct encoder *encoder_create(const struct encoder_params *p);
void encoder_destroy(struct encoder *e);

/* ---- control thread side: commands and acknowledgements ---- */

/** 0, or -ENOBUFS when the command ring is full (retry later). */
int encoder_attach(struct encoder *e, unsigned slot);
int encoder_detach(struct encoder *e, unsigned slot);
/** Ownership of f passes to the encoder on success. */
int encoder_set_filter(struct encoder *e, struct enc_filter *f);
/** Ask for a snapshot of the established peers into `buf` (cap set). */
int encoder_request_peers(struct encoder *e, struct enc_peers *buf);
/** Next acknowledgement; false when none. */
bool encoder_next_ack(struct encoder *e, struct enc_ack *ack);

/** A peer event, for the `debug ... neighbor` switch. */
struct enc_note {
	uint8_t type;                /**< BMP_MSG_PEER_UP or BMP_MSG_PEER_DOWN */
	uint8_t reason;              /**< Peer Down reason */
	uint8_t family;
	uint8_t addr[16];            /**< the peer (sender), IPv4 in bytes 0-3 */
	uint64_t slots;              /**< where the message went */
};

/** Ask for notes (while the neighbor debug switch is on). */
void encoder_set_notes(struct encoder *e, bool on);
/** Next note; false when none. Notes that find the ring full are dropped:
 * they only feed debug lines. */
bool encoder_next_note(struct encoder *e, struct enc_note *n);

/* ---- encoder lcore side ---- */

#define ENCODER_FLUSH_US 2000

/** Encode what the queues hold. Returns records consumed (0: idle). */
unsigned encoder_poll(struct encoder *e);
/** Hand over the current chunk now (shutdown, tests). */
void encoder_flush(struct encoder *e);

/** True when a record waits for an output chunk. */
bool encoder_stalled(const struct encoder *e);

const struct encoder_counters *encoder_counters(const struct encoder *e);

#endif
