/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP stream reassembly for one direction of a tapped connection.
 *
 * A tap sees the segments a sender put on the wire, not what the receiver
 * accepted: out-of-order arrival (mirror merging), retransmissions,
 * overlaps and holes (tap loss) are all normal. This module turns the
 * segments of one direction into in-order bytes, and says explicitly when
 * bytes were lost, never papering over a hole.
 *
 * Policy:
 *  - Bytes are delivered once, as soon as they are in order. Bytes that
 *    arrive again (retransmission, overlap with delivered data) are
 *    dropped and counted.
 *  - Out-of-order segments are copied and buffered, sorted by sequence.
 *    Where buffered segments overlap, the first copy wins; differing
 *    overlapping bytes are counted as conflicts.
 *  - A hole becomes a gap (lost bytes) when:
 *      a. the reverse direction ACKed past it and `ack_grace_us` of
 *         capture time has passed since (the receiver got bytes the tap
 *         never saw; the grace absorbs mirror reordering);
 *      b. buffering the segment would exceed the stream's byte or
 *         segment limit, or the lcore's memory cap;
 *      c. the stream ends (FIN reached with data beyond a hole, RST) or
 *         the caller flushes it (idle flow, shutdown).
 *  - A stream first seen without its SYN starts at the first segment and
 *    is marked for resync: the consumer must hunt for a message boundary.
 *
 * Sequence numbers are compared only through seq_lt() and friends.
 * One context per lcore; nothing here is shared or locked.
 */
#ifndef BMPTAP_REASM_H
#define BMPTAP_REASM_H

#include <stdbool.h>
#include <stdint.h>

struct reasm_seg;
struct reasm_ctx;

/** Limits; zero fields take the defaults below. */
struct reasm_limits {
	uint32_t stream_max_bytes;  /**< buffered out-of-order bytes per direction */
	uint32_t stream_max_segs;   /**< buffered segments per direction */
	uint64_t lcore_max_bytes;   /**< all buffered bytes of this lcore */
	uint32_t ack_grace_us;      /**< see policy (a) */
};

#define REASM_DEF_STREAM_MAX_BYTES (1u << 20)
#define REASM_DEF_STREAM_MAX_SEGS 1024u
#define REASM_DEF_LCORE_MAX_BYTES (256ull << 20)
#define REASM_DEF_ACK_GRACE_US 200000u

/** Per-lcore counters; written only by the owning lcore. */
struct reasm_counters {
	uint64_t segments;          /**< segments offered with payload */
	uint64_t bytes_delivered;   /**< in-order bytes handed out */
	uint64_t retransmissions;   /**< segments entirely already delivered */
	uint64_t partial_retrans;   /**< segments trimmed at the front */
	uint64_t out_of_order;      /**< segments buffered */
	uint64_t overlaps;          /**< buffered segments overlapping others */
	uint64_t overlap_conflicts; /**< overlaps whose bytes differed */
	uint64_t gaps;              /**< holes declared lost */
	uint64_t gap_bytes;         /**< bytes in declared holes */
	uint64_t limit_gaps;        /**< gaps forced by a limit (policy b) */
	uint64_t out_of_window;     /**< segments too far from next_seq */
	uint64_t after_close;       /**< segments after FIN/RST */
	uint64_t seg_alloc_fail;    /**< buffer allocation failures */
};

/**
 * One direction. Embedded by value in the owner's flow state; the fields
 * are private to reasm.c.
 */
struct reasm_stream {
	struct reasm_seg *ooo;      /* buffered segments, sorted by seq */
	uint32_t next_seq;          /* next byte to deliver */
	uint32_t fin_seq;           /* sequence number of the FIN */
	uint32_t acked;             /* highest ACK from the reverse direction */
	uint32_t ooo_bytes;
	uint64_t hole_acked_us;     /* when `acked` first passed a hole; 0: no */
	uint16_t ooo_segs;
	uint8_t state;              /* enum in reasm.c */
	uint8_t flags;
	/* the segment passed to reasm_push(), until popped */
	const uint8_t *cur_data;
	uint32_t cur_seq;
	uint32_t cur_len;
	uint32_t pending_gap;       /* lost bytes to report with the next chunk */
};

/** One piece of in-order output. */
struct reasm_chunk {
	const uint8_t *data;        /**< valid until the next call on the stream */
	uint32_t len;               /**< may be 0 with gap/resync/eof only */
	uint32_t gap;               /**< bytes lost just before data */
	bool resync;                /**< data does not follow the previous chunk
				         (gap, or stream joined mid-way) */
	bool eof;                   /**< no more bytes will come (FIN/RST) */
};

/** Outcome of offering a segment, for the caller's state machine. */
enum reasm_push_result {
	REASM_OK,                   /**< accepted (in order, buffered or empty) */
	REASM_DUPLICATE,            /**< nothing new: retransmission */
	REASM_NEW_ISN,              /**< SYN with a different ISN on a synced
				         stream: a new connection reuses the
				         tuple; the caller restarts the flow */
	REASM_REJECTED,             /**< out of window or after close */
};

struct reasm_ctx *reasm_ctx_create(const struct reasm_limits *limits);
void reasm_ctx_destroy(struct reasm_ctx *ctx);
const struct reasm_counters *reasm_ctx_counters(const struct reasm_ctx *ctx);
/** Bytes currently buffered out of order on this lcore. */
uint64_t reasm_ctx_mem_used(const struct reasm_ctx *ctx);

void reasm_stream_init(struct reasm_stream *st);
/** Free what the stream buffers; it may be re-initialized after. */
void reasm_stream_release(struct reasm_ctx *ctx, struct reasm_stream *st);

/**
 * Offer one segment of this direction. `data` must stay valid until
 * reasm_pop() returned false. The caller then drains with reasm_pop().
 */
enum reasm_push_result reasm_push(struct reasm_ctx *ctx, struct reasm_stream *st,
				  uint32_t seq, uint8_t tcp_flags,
				  const uint8_t *data, uint32_t len, uint64_t ts_us);

/** An ACK of this direction's bytes, carried by the reverse direction. */
void reasm_ack(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t ack,
	       uint64_t ts_us);

/** Next in-order piece; false when nothing more is ready now. */
bool reasm_pop(struct reasm_ctx *ctx, struct reasm_stream *st,
	       struct reasm_chunk *out);

/**
 * Give up waiting: declare every hole lost so that buffered data can be
 * popped (flow idle, eviction, shutdown). Drain with reasm_pop() after.
 */
void reasm_flush(struct reasm_ctx *ctx, struct reasm_stream *st);

/** True once the stream saw its SYN or first segment. */
bool reasm_stream_synced(const struct reasm_stream *st);
/** True once FIN was reached or RST seen. */
bool reasm_stream_closed(const struct reasm_stream *st);

#endif
