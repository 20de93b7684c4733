/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Event queue from one RX lcore (producer) to the encoder (consumer).
 *
 * Records (event.h) are packed into fixed-size blocks; whole blocks move
 * through two single-producer/single-consumer rings, `full` (RX ->
 * encoder) and `free` (encoder -> RX), so the ring cost is paid per block,
 * not per record. The block count is fixed: memory is bounded and nothing
 * is allocated on the packet path.
 *
 * The queue never drops: the producer asks evq_room() before work that
 * can emit records and stops pulling packets while the room is short, so
 * backpressure reaches the port (where the NIC counts it), never the data.
 */
#ifndef BMPTAP_EVQ_H
#define BMPTAP_EVQ_H

#include <stdint.h>

#include "event.h"

struct evq;
struct evq_block;

/** Block size: any record (an extended UPDATE, two extended OPENs) fits. */
#define EVQ_BLOCK_SIZE (256u * 1024u)

/** NULL with errno set on failure. nblocks is rounded up to a power of 2. */
struct evq *evq_create(unsigned nblocks);
void evq_destroy(struct evq *q);

/* ---- producer (one RX lcore) ---- */

/** Bytes of records the producer can write now without waiting. */
uint64_t evq_room(struct evq *q);

/**
 * Append a record with `payload_len` bytes after its header. Header len
 * and type are set, the rest zeroed. NULL when there is no room (the
 * caller checked evq_room(), so this is a bug path, counted).
 */
struct ev_hdr *evq_put(struct evq *q, enum ev_type type, uint32_t payload_len);

/** Hand the partially filled block to the consumer (end of a burst). */
void evq_flush(struct evq *q);

/* ---- consumer (the encoder) ---- */

/** Next full block, or NULL. */
struct evq_block *evq_take(struct evq *q);
/** Next record of the block after *off (start with 0); NULL at the end. */
const struct ev_hdr *evq_block_next(const struct evq_block *b, uint32_t *off);
/** Return a consumed block to the producer. */
void evq_give_back(struct evq *q, struct evq_block *b);

/* ---- either side, for stats ---- */

/** Blocks now queued towards the consumer. */
unsigned evq_backlog(const struct evq *q);
/** Records refused by evq_put (should stay 0). */
uint64_t evq_put_failures(const struct evq *q);

#endif
