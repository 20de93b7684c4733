/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Encoded BMP output shared by all servers.
 *
 * The encoder writes each BMP message once, in place, into a chunk; a
 * chunk is a list of runs, each run a byte range whose messages go to
 * the servers of its mask (bit i: server slot i). Whole chunks travel to
 * the control thread through an SPSC ring and come back through another
 * once every server has written them: no copy per server, no lock.
 *
 * Chunks are allocated lazily up to a fixed count (from `bmp buffer-size`)
 * and then recycled, so the memory held is bounded. When none is free the
 * encoder stops taking input; the control thread decides who to drop.
 */
#ifndef BMPTAP_OBUF_H
#define BMPTAP_OBUF_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

/* Big enough for the largest BMP message; small enough that a station
 * lagging behind at a trickle pins little memory (encoder.h: flushing). */
#define OBUF_CHUNK_SIZE (128u * 1024u)
#define OBUF_MAX_RUNS 64u
#define OBUF_MAX_SERVERS 64u

struct obuf_run {
	uint32_t off;
	uint32_t len;
	uint32_t nmsgs;
	uint32_t reserved;
	uint64_t mask;       /**< servers that get these bytes */
};

struct obuf_chunk {
	uint64_t seq;        /**< encoder: order of production (age) */
	uint32_t len;        /**< encoder: bytes used */
	uint16_t nruns;      /**< encoder */
	uint16_t refs;       /**< control: servers yet to write it */
	struct obuf_run runs[OBUF_MAX_RUNS];
	uint8_t data[];
};

struct obuf;

/** NULL with errno set. max_chunks bounds the memory: x OBUF_CHUNK_SIZE. */
struct obuf *obuf_create(unsigned max_chunks);
void obuf_destroy(struct obuf *ob);

/* ---- producer: the encoder ---- */

/**
 * Writer for one message of at most `need` bytes at the end of the
 * current chunk; NULL when no chunk is available (all in flight).
 */
struct wire_buf *obuf_begin(struct obuf *ob, uint32_t need);
/** Account the message just written for the servers of `mask`. */
void obuf_commit(struct obuf *ob, uint64_t mask);
/** Hand the current chunk to the consumer, if it holds anything. */
void obuf_flush(struct obuf *ob);
/** Bytes in the current (not yet flushed) chunk. */
uint32_t obuf_pending(const struct obuf *ob);
/** Sequence number the next chunk will carry. */
uint64_t obuf_next_seq(const struct obuf *ob);

/* ---- consumer: the control thread ---- */

struct obuf_chunk *obuf_take(struct obuf *ob);
void obuf_release(struct obuf *ob, struct obuf_chunk *c);

/* ---- either side ---- */

/** Bytes produced and not yet released. */
uint64_t obuf_bytes_queued(const struct obuf *ob);
/** Times the producer found no free chunk (the buffer limit was hit). */
uint64_t obuf_starved(const struct obuf *ob);
/** Chunks allocated so far (memory held = this x OBUF_CHUNK_SIZE). */
unsigned obuf_chunks_allocated(const struct obuf *ob);
unsigned obuf_max_chunks(const struct obuf *ob);

#endif
