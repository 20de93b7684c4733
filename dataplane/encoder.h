/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The encoder stage: records from every RX lcore's queue become BMP
 * messages in the shared output (obuf.h), once, for all servers.
 *
 * It keeps, per peer, the per-peer header in wire form (built at Peer
 * Up), so a Route Monitoring message costs two copies. When no output
 * chunk is free it stops where it is and resumes on the next poll: the
 * records wait in their queue, nothing is dropped.
 *
 * Owned by the encoder lcore; the control thread reads the counters.
 */
#ifndef BMPTAP_ENCODER_H
#define BMPTAP_ENCODER_H

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
	uint64_t servers;            /**< server slots that get every peer */
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
};

/** NULL with errno set. */
struct encoder *encoder_create(const struct encoder_params *p);
void encoder_destroy(struct encoder *e);

/** Encode what the queues hold. Returns records consumed (0: idle). */
unsigned encoder_poll(struct encoder *e);

/** True when a record waits for an output chunk. */
bool encoder_stalled(const struct encoder *e);

const struct encoder_counters *encoder_counters(const struct encoder *e);

#endif
