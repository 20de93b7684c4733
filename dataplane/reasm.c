/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly of one direction; the policy is in reasm.h.
 *
 * Stream layout (struct reasm_stream):
 *  - next_seq is the next byte to hand out: everything before it was
 *    popped or declared lost.
 *  - cur_* is the caller's segment from the last push, handed out in place
 *    (no copy). It starts at next_seq, except when a limit refused to
 *    buffer it (policy b): then it starts past next_seq and pop declares
 *    the holes before it lost instead of copying it.
 *  - ooo is a circular list of copied segments, sorted, non-overlapping,
 *    all at or after next_seq. st->ooo points to the LAST segment, so
 *    appending (the usual case after a hole) and taking the first are
 *    O(1). A segment just popped stays linked until the next call on the
 *    stream, because the chunk points into it.
 *  - acked is the highest ACK, but never behind next_seq (it is pinned as
 *    next_seq moves), so an old ACK never looks "ahead" after a wrap.
 *  - fin_seq holds the ISN until a FIN is seen, to tell a retransmitted
 *    SYN from a new connection; after a FIN any SYN is a new connection.
 *  - hole_acked_us is valid while F_HOLE_TIMER is set. One timer covers
 *    everything below the highest ACK: once the grace is over, pop skips
 *    holes below acked until next_seq catches up with it.
 *
 * Holes are declared lazily, by pop, one at a time, so each gap is
 * reported just before the bytes that follow it.
 *
 * The lcore cap counts segment headers too (payload alone would let a
 * stream of 1-byte segments use many times the cap).
 *
 * Where the caller's segment overlaps buffered bytes, the buffered copy
 * came first and wins: pop interleaves the two.
 */
#include <assert.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/counter.h"
#include "dataplane/reasm.h"
#include "dataplane/wire.h"

/* A segment this far from next_seq is not part of this stream. */
#define REASM_WINDOW (1u << 30)

struct reasm_seg {
	struct reasm_seg *next;     /* circular; see the file comment */
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

struct reasm_ctx {
	struct reasm_counters ctr;
	uint64_t mem_used;          /* payload + segment headers */
	uint64_t nsegs;
	uint64_t lcore_max;
	uint32_t stream_max_bytes;
	uint32_t stream_max_segs;
	uint32_t grace_us;
};

enum {
	ST_NEW,                     /* nothing seen yet */
	ST_OPEN,
	ST_RST,                     /* RST seen: drain what is buffered, then eof */
	ST_CLOSED,                  /* eof handed out */
};

enum {
	F_SYN = 1 << 0,             /* synced by a SYN: fin_seq holds the ISN */
	F_FIN = 1 << 1,             /* FIN seen: fin_seq is its sequence number */
	F_RESYNC = 1 << 2,          /* next chunk does not follow the last one */
	F_FLUSH = 1 << 3,           /* every hole present is lost */
	F_HOLE_TIMER = 1 << 4,      /* acked passed next_seq at hole_acked_us */
	F_ACK_LOST = 1 << 5,        /* grace over: holes below acked are lost */
};

/* What buffering a segment would add, and what it overlaps. */
struct plan {
	uint32_t new_bytes;
	uint32_t pieces;
	bool overlap;
	bool conflict;
};

/* Test seam: the unit tests and the fuzzer override it to inject failures. */
void *reasm_seg_alloc(size_t size);

__attribute__((weak)) void *
reasm_seg_alloc(size_t size)
{
	return malloc(size);
}

static inline uint32_t
seg_end(const struct reasm_seg *s)
{
	return s->seq + s->len;
}

static inline struct reasm_seg *
seg_first(const struct reasm_stream *st)
{
	return st->ooo ? st->ooo->next : NULL;
}

static inline struct reasm_seg *
seg_next(const struct reasm_stream *st, const struct reasm_seg *s)
{
	return s == st->ooo ? NULL : s->next;
}

/* Link s after prev, or first when prev is NULL. */
static void
seg_link(struct reasm_stream *st, struct reasm_seg *prev, struct reasm_seg *s)
{
	if (!st->ooo) {
		s->next = s;
		st->ooo = s;
	} else if (!prev) {
		s->next = st->ooo->next;
		st->ooo->next = s;
	} else {
		s->next = prev->next;
		prev->next = s;
		if (prev == st->ooo)
			st->ooo = s;
	}
}

static void
mem_add(struct reasm_ctx *ctx, uint64_t n)
{
	__atomic_store_n(&ctx->mem_used, ctx->mem_used + n, __ATOMIC_RELAXED);
}

static void
mem_sub(struct reasm_ctx *ctx, uint64_t n)
{
	__atomic_store_n(&ctx->mem_used, ctx->mem_used - n, __ATOMIC_RELAXED);
}

static void
seg_destroy(struct reasm_ctx *ctx, struct reasm_stream *st, struct reasm_seg *s)
{
	st->ooo_bytes -= s->len;
	st->ooo_segs--;
	ctx->nsegs--;
	mem_sub(ctx, sizeof(*s) + (uint64_t)s->len);
	free(s);
}

static void
seg_free_first(struct reasm_ctx *ctx, struct reasm_stream *st)
{
	struct reasm_seg *first = st->ooo->next;

	if (first == st->ooo)
		st->ooo = NULL;
	else
		st->ooo->next = first->next;
	seg_destroy(ctx, st, first);
}

/* Free every segment after prev (all of them when prev is NULL). */
static uint32_t
seg_free_after(struct reasm_ctx *ctx, struct reasm_stream *st, struct reasm_seg *prev)
{
	struct reasm_seg *first = seg_first(st);
	struct reasm_seg *s = prev ? seg_next(st, prev) : first;
	struct reasm_seg *nx;
	uint32_t n = 0;

	for (; s; s = nx, n++) {
		nx = seg_next(st, s);
		seg_destroy(ctx, st, s);
	}
	if (prev) {
		prev->next = first;
		st->ooo = prev;
	} else {
		st->ooo = NULL;
	}
	return n;
}

/* Free the segments already handed out (the chunk pointing in is stale). */
static void
reap(struct reasm_ctx *ctx, struct reasm_stream *st)
{
	struct reasm_seg *s;

	while ((s = seg_first(st)) != NULL && seq_le(seg_end(s), st->next_seq))
		seg_free_first(ctx, st);
}

static bool
add_piece(struct reasm_ctx *ctx, struct reasm_stream *st, struct reasm_seg *prev,
	  uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct reasm_seg *s = reasm_seg_alloc(sizeof(*s) + len);

	if (!s) {
		CTR_INC(ctx->ctr.seg_alloc_fail);
		return false;
	}
	s->seq = seq;
	s->len = len;
	memcpy(s->data, data, len);
	seg_link(st, prev, s);
	st->ooo_bytes += len;
	st->ooo_segs++;
	ctx->nsegs++;
	mem_add(ctx, sizeof(*s) + (uint64_t)len);
	return true;
}

static void
compare_overlap(const struct reasm_seg *s, uint32_t seq, const uint8_t *data,
		uint32_t len, struct plan *pl)
{
	uint32_t lo = seq_gt(s->seq, seq) ? s->seq : seq;
	uint32_t hi = seq_lt(seg_end(s), seq + len) ? seg_end(s) : seq + len;

	pl->overlap = true;
	if (memcmp(data + (lo - seq), s->data + (lo - s->seq), hi - lo) != 0)
		pl->conflict = true;
}

/* Which bytes of [seq, seq + len) are new, and how they overlap the buffer. */
static void
measure(const struct reasm_stream *st, uint32_t seq, const uint8_t *data, uint32_t len,
	struct plan *pl)
{
	const struct reasm_seg *s;
	uint32_t pos = seq, end = seq + len;

	memset(pl, 0, sizeof(*pl));
	if (!st->ooo || seq_ge(seq, seg_end(st->ooo))) {
		pl->pieces = 1;
		pl->new_bytes = len;
		return;
	}
	for (s = seg_first(st); s && seq_lt(pos, end); s = seg_next(st, s)) {
		if (seq_le(seg_end(s), pos))
			continue;
		if (seq_ge(s->seq, end))
			break;
		if (seq_lt(pos, s->seq)) {
			pl->pieces++;
			pl->new_bytes += s->seq - pos;
		}
		compare_overlap(s, seq, data, len, pl);
		pos = seg_end(s);
	}
	if (seq_lt(pos, end)) {
		pl->pieces++;
		pl->new_bytes += end - pos;
	}
}

/* Copy the new bytes of [seq, seq + len) into the buffer, as measured. */
static bool
commit(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t seq, const uint8_t *data,
       uint32_t len)
{
	struct reasm_seg *s, *prev = NULL;
	uint32_t pos = seq, end = seq + len;

	if (st->ooo && seq_ge(seq, seg_end(st->ooo)))
		return add_piece(ctx, st, st->ooo, seq, data, len);
	for (s = seg_first(st); s && seq_lt(pos, end); s = seg_next(st, s)) {
		if (seq_le(seg_end(s), pos)) {
			prev = s;
			continue;
		}
		if (seq_ge(s->seq, end))
			break;
		if (seq_lt(pos, s->seq) &&
		    !add_piece(ctx, st, prev, pos, data + (pos - seq), s->seq - pos))
			return false;
		pos = seg_end(s);
		prev = s;
	}
	if (seq_lt(pos, end))
		return add_piece(ctx, st, prev, pos, data + (pos - seq), end - pos);
	return true;
}

static bool
fits(const struct reasm_ctx *ctx, const struct reasm_stream *st, const struct plan *pl)
{
	uint64_t charge = pl->new_bytes + (uint64_t)pl->pieces * sizeof(struct reasm_seg);

	return (uint64_t)st->ooo_bytes + pl->new_bytes <= ctx->stream_max_bytes &&
	       (uint64_t)st->ooo_segs + pl->pieces <= ctx->stream_max_segs &&
	       ctx->mem_used + charge <= ctx->lcore_max;
}

static void
set_cur(struct reasm_stream *st, uint32_t seq, const uint8_t *data, uint32_t len)
{
	st->cur_data = data;
	st->cur_seq = seq;
	st->cur_len = len;
}

/*
 * Pushed again before the last segment was drained (caller bug): copy
 * its undelivered bytes; if that fails they are lost, and must say so.
 */
static void
save_cur(struct reasm_ctx *ctx, struct reasm_stream *st)
{
	uint32_t seq = st->cur_seq, end = st->cur_seq + st->cur_len;
	const uint8_t *p = st->cur_data;
	struct plan pl;

	st->cur_len = 0;
	if (seq_le(end, st->next_seq))
		return;
	if (seq_lt(seq, st->next_seq)) {
		p += st->next_seq - seq;
		seq = st->next_seq;
	}
	measure(st, seq, p, end - seq, &pl);
	if (!fits(ctx, st, &pl) || !commit(ctx, st, seq, p, end - seq))
		st->flags |= F_FLUSH;
}

/* Move next_seq; an ACK it catches up with is no evidence of a hole. */
static inline void
advance(struct reasm_stream *st, uint32_t n)
{
	st->next_seq += n;
	if (seq_ge(st->next_seq, st->acked)) {
		st->acked = st->next_seq;
		st->flags &= ~(F_HOLE_TIMER | F_ACK_LOST);
	}
}

static void
declare_gap(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t n, bool limit)
{
	advance(st, n);
	st->pending_gap = st->pending_gap > UINT32_MAX - n ? UINT32_MAX : st->pending_gap + n;
	st->flags |= F_RESYNC;
	CTR_INC(ctx->ctr.gaps);
	CTR_ADD(ctx->ctr.gap_bytes, n);
	if (limit)
		CTR_INC(ctx->ctr.limit_gaps);
}

static void
sync_at(struct reasm_stream *st, uint32_t seq, bool syn)
{
	st->state = ST_OPEN;
	st->next_seq = seq;
	st->acked = seq;
	if (syn) {
		st->flags |= F_SYN;
		st->fin_seq = seq - 1;
	} else {
		st->flags |= F_RESYNC;
	}
}

/* The bytes at next_seq: the first buffered copy wins over the caller's. */
static bool
piece(struct reasm_stream *st, const uint8_t **p, uint32_t *n)
{
	struct reasm_seg *head = seg_first(st);
	uint32_t cur_end = st->cur_seq + st->cur_len;

	if (head && head->seq == st->next_seq) {
		*p = head->data;
		*n = head->len;
		return true;
	}
	if (!st->cur_len || seq_gt(st->cur_seq, st->next_seq))
		return false;
	if (seq_ge(st->next_seq, cur_end)) {
		st->cur_len = 0;
		return false;
	}
	*p = st->cur_data + (st->next_seq - st->cur_seq);
	*n = (head && seq_lt(head->seq, cur_end) ? head->seq : cur_end) - st->next_seq;
	if (st->next_seq + *n == cur_end)
		st->cur_len = 0;
	return true;
}

/*
 * How far a hole at next_seq may be declared lost, if at all: up to the
 * next data we hold, or to the ACK/FIN when nothing follows.
 */
static bool
skip_target(const struct reasm_stream *st, uint32_t *to, bool *limit)
{
	struct reasm_seg *head = seg_first(st);
	bool cur_ahead = st->cur_len && seq_gt(st->cur_seq, st->next_seq);
	bool have = head || cur_ahead;
	uint32_t first = head ? head->seq : st->cur_seq;

	if (cur_ahead && seq_lt(st->cur_seq, first))
		first = st->cur_seq;
	*limit = cur_ahead;
	if (cur_ahead)
		*to = first;
	else if (st->state == ST_RST || (st->flags & F_FLUSH))
		*to = have ? first : (st->flags & F_FIN) ? st->fin_seq : st->acked;
	else if (st->flags & F_ACK_LOST)
		*to = have && seq_lt(first, st->acked) ? first : st->acked;
	else
		return false;
	if ((st->flags & F_FIN) && seq_gt(*to, st->fin_seq))
		*to = st->fin_seq;
	return seq_gt(*to, st->next_seq);
}

static bool
skip_hole(struct reasm_ctx *ctx, struct reasm_stream *st)
{
	uint32_t to;
	bool limit;

	if (!skip_target(st, &to, &limit))
		return false;
	declare_gap(ctx, st, to - st->next_seq, limit);
	return true;
}

static void
check_timer(const struct reasm_ctx *ctx, struct reasm_stream *st, uint64_t ts_us)
{
	if ((st->flags & (F_HOLE_TIMER | F_ACK_LOST)) == F_HOLE_TIMER &&
	    ts_us >= st->hole_acked_us && ts_us - st->hole_acked_us >= ctx->grace_us)
		st->flags |= F_ACK_LOST;
}

/*
 * First FIN wins; buffered bytes past it cannot belong to the stream.
 * Returns true when this FIN is news.
 */
static bool
note_fin(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t fin)
{
	struct reasm_seg *s, *prev = NULL;

	if ((st->flags & F_FIN) || seq_lt(fin, st->next_seq))
		return false;
	st->flags |= F_FIN;
	st->fin_seq = fin;
	for (s = seg_first(st); s && seq_lt(s->seq, fin); s = seg_next(st, s))
		prev = s;
	if (s)
		CTR_ADD(ctx->ctr.after_close, seg_free_after(ctx, st, prev));
	if (prev && seq_gt(seg_end(prev), fin)) {
		uint32_t cut = seg_end(prev) - fin;

		prev->len -= cut;
		st->ooo_bytes -= cut;
		mem_sub(ctx, cut);
	}
	return true;
}

/* SYN handling; returns REASM_OK to go on with the rest of the segment. */
static enum reasm_push_result
on_syn(struct reasm_stream *st, uint32_t *seq, uint8_t *fl, uint32_t len)
{
	bool no_fin = !(st->flags & F_FIN);

	*fl &= (uint8_t)~TH_SYN;
	if (st->state == ST_NEW) {
		sync_at(st, *seq + 1, true);
	} else if ((st->flags & F_SYN) && no_fin && *seq == st->fin_seq) {
		if (!len && !(*fl & (TH_FIN | TH_RST)))
			return REASM_DUPLICATE;
	} else if (st->state == ST_OPEN && !(st->flags & F_SYN) && no_fin &&
		   *seq + 1 == st->next_seq && (st->flags & F_RESYNC) &&
		   !st->pending_gap && !st->ooo && !st->cur_len) {
		/* our own SYN, seen after the first bytes: no resync needed */
		st->flags = (uint8_t)((st->flags | F_SYN) & ~F_RESYNC);
		st->fin_seq = *seq;
	} else {
		return REASM_NEW_ISN;
	}
	*seq += 1;
	return REASM_OK;
}

/*
 * Starts more than a window ahead or ends more than a window behind. Each
 * test first asks "ahead?" (or "behind?"): adding the window alone could
 * wrap a start 1.5 GiB behind into one that looks ahead.
 */
static bool
out_of_window(const struct reasm_stream *st, uint32_t seq, uint32_t len)
{
	uint32_t end = seq + len;

	return len > REASM_WINDOW ||
	       (seq_gt(seq, st->next_seq) && seq_gt(seq, st->next_seq + REASM_WINDOW)) ||
	       (seq_lt(end, st->next_seq) && seq_lt(end, st->next_seq - REASM_WINDOW));
}

/* Bytes at or after next_seq: hand out in place, buffer, or force (b). */
static enum reasm_push_result
take_data(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t seq,
	  const uint8_t *data, uint32_t len)
{
	struct plan pl;

	measure(st, seq, data, len, &pl);
	if (pl.overlap)
		CTR_INC(ctx->ctr.overlaps);
	if (pl.conflict)
		CTR_INC(ctx->ctr.overlap_conflicts);
	if (!pl.new_bytes)
		return REASM_DUPLICATE;
	if (seq == st->next_seq) {
		set_cur(st, seq, data, len);
		return REASM_OK;
	}
	CTR_INC(ctx->ctr.out_of_order);
	if (!fits(ctx, st, &pl) || !commit(ctx, st, seq, data, len))
		set_cur(st, seq, data, len);
	return REASM_OK;
}

static enum reasm_push_result
on_data(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t seq,
	const uint8_t *data, uint32_t len)
{
	uint32_t off;

	if (!len)
		return REASM_OK;
	if ((st->flags & F_FIN) && seq_gt(seq + len, st->fin_seq)) {
		if (seq_ge(seq, st->fin_seq)) {
			CTR_INC(ctx->ctr.after_close);
			return REASM_REJECTED;
		}
		len = st->fin_seq - seq;
	}
	if (seq_le(seq + len, st->next_seq)) {
		CTR_INC(ctx->ctr.retransmissions);
		return REASM_DUPLICATE;
	}
	if (seq_lt(seq, st->next_seq)) {
		off = st->next_seq - seq;
		data += off;
		len -= off;
		seq = st->next_seq;
		CTR_INC(ctx->ctr.partial_retrans);
	}
	return take_data(ctx, st, seq, data, len);
}

static __attribute__((noinline)) enum reasm_push_result
push_slow(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t seq, uint8_t fl,
	  const uint8_t *data, uint32_t len, uint64_t ts_us)
{
	enum reasm_push_result r;
	bool fin = false;

	if (fl & TH_SYN) {
		r = on_syn(st, &seq, &fl, len);
		if (r != REASM_OK)
			return r;
	}
	if (len)
		CTR_INC(ctx->ctr.segments);
	reap(ctx, st);
	if (st->cur_len)
		save_cur(ctx, st);
	if (st->state == ST_NEW)
		sync_at(st, seq, false);
	if (st->state != ST_OPEN) {
		/* the closing handshake's pure ACKs are not an error */
		if (!len && !(fl & (TH_FIN | TH_RST)))
			return REASM_OK;
		CTR_INC(ctx->ctr.after_close);
		return REASM_REJECTED;
	}
	if (out_of_window(st, seq, len)) {
		CTR_INC(ctx->ctr.out_of_window);
		return REASM_REJECTED;
	}
	check_timer(ctx, st, ts_us);
	if (fl & TH_RST) {
		st->state = ST_RST;
		return REASM_OK;
	}
	if (fl & TH_FIN)
		fin = note_fin(ctx, st, seq + len);
	r = on_data(ctx, st, seq, data, len);
	return fin && r == REASM_DUPLICATE ? REASM_OK : r;
}

enum reasm_push_result
reasm_push(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t seq, uint8_t tcp_flags,
	   const uint8_t *data, uint32_t len, uint64_t ts_us)
{
	if (!data)
		len = 0;
	/* hot path: in order, nothing buffered, nothing special */
	if (__builtin_expect(st->state == ST_OPEN && seq == st->next_seq && !st->ooo &&
			     !st->cur_len && !(st->flags & F_FIN) &&
			     !(tcp_flags & (TH_SYN | TH_FIN | TH_RST)) &&
			     len - 1 < REASM_WINDOW, 1)) {
		CTR_INC(ctx->ctr.segments);
		set_cur(st, seq, data, len);
		return REASM_OK;
	}
	return push_slow(ctx, st, seq, tcp_flags, data, len, ts_us);
}

void
reasm_ack(struct reasm_ctx *ctx, struct reasm_stream *st, uint32_t ack, uint64_t ts_us)
{
	if (st->state != ST_OPEN || seq_gt(ack, st->next_seq + REASM_WINDOW))
		return;
	if (seq_gt(ack, st->acked))
		st->acked = ack;
	if (seq_gt(st->acked, st->next_seq) && !(st->flags & F_HOLE_TIMER)) {
		st->hole_acked_us = ts_us;
		st->flags |= F_HOLE_TIMER;
	}
	check_timer(ctx, st, ts_us);
}

static bool
at_eof(struct reasm_stream *st, bool have)
{
	uint32_t to;
	bool limit;

	if (st->flags & F_FIN)
		return st->next_seq == st->fin_seq;
	return st->state == ST_RST && !have && !skip_target(st, &to, &limit);
}

static void
emit(struct reasm_stream *st, struct reasm_chunk *out, const uint8_t *p, uint32_t n,
     bool eof)
{
	out->data = p;
	out->len = n;
	out->gap = st->pending_gap;
	out->resync = (st->flags & F_RESYNC) != 0;
	out->eof = eof;
	st->pending_gap = 0;
	st->flags &= (uint8_t)~F_RESYNC;
}

static __attribute__((noinline)) bool
pop_slow(struct reasm_ctx *ctx, struct reasm_stream *st, struct reasm_chunk *out)
{
	const uint8_t *p = NULL;
	uint32_t n = 0;
	bool have, eof;

	reap(ctx, st);
	if (st->state == ST_NEW || st->state == ST_CLOSED)
		return false;
	have = piece(st, &p, &n) || (skip_hole(ctx, st) && piece(st, &p, &n));
	if (have) {
		advance(st, n);
		CTR_ADD(ctx->ctr.bytes_delivered, n);
	}
	eof = at_eof(st, have);
	if (!have && !eof && !st->pending_gap) {
		st->flags &= (uint8_t)~F_FLUSH;
		return false;
	}
	emit(st, out, p, n, eof);
	if (eof) {
		st->state = ST_CLOSED;
		if (st->flags & F_FIN)
			advance(st, 1);
	}
	return true;
}

bool
reasm_pop(struct reasm_ctx *ctx, struct reasm_stream *st, struct reasm_chunk *out)
{
	/* hot path: the caller's in-order segment and nothing else */
	if (st->state == ST_OPEN && !st->ooo && !(st->flags & F_FIN)) {
		if (st->cur_len && st->cur_seq == st->next_seq) {
			emit(st, out, st->cur_data, st->cur_len, false);
			advance(st, st->cur_len);
			CTR_ADD(ctx->ctr.bytes_delivered, st->cur_len);
			st->cur_len = 0;
			return true;
		}
		if (!st->cur_len && !st->pending_gap && !(st->flags & (F_FLUSH | F_ACK_LOST)))
			return false;
	}
	return pop_slow(ctx, st, out);
}

void
reasm_flush(struct reasm_ctx *ctx, struct reasm_stream *st)
{
	reap(ctx, st);
	if (st->state == ST_OPEN)
		st->flags |= F_FLUSH;
}

bool
reasm_stream_synced(const struct reasm_stream *st)
{
	return st->state != ST_NEW;
}

bool
reasm_stream_closed(const struct reasm_stream *st)
{
	return st->state == ST_RST || st->state == ST_CLOSED;
}

void
reasm_stream_init(struct reasm_stream *st)
{
	memset(st, 0, sizeof(*st));
	st->state = ST_NEW;
}

void
reasm_stream_release(struct reasm_ctx *ctx, struct reasm_stream *st)
{
	seg_free_after(ctx, st, NULL);
	st->cur_len = 0;
}

struct reasm_ctx *
reasm_ctx_create(const struct reasm_limits *limits)
{
	static const struct reasm_limits none;
	const struct reasm_limits *l = limits ? limits : &none;
	size_t size = (sizeof(struct reasm_ctx) + 63) & ~(size_t)63;
	struct reasm_ctx *ctx = aligned_alloc(64, size);

	if (!ctx)
		return NULL;
	memset(ctx, 0, size);
	ctx->stream_max_bytes = l->stream_max_bytes ? l->stream_max_bytes :
						      REASM_DEF_STREAM_MAX_BYTES;
	ctx->stream_max_segs = l->stream_max_segs ? l->stream_max_segs : REASM_DEF_STREAM_MAX_SEGS;
	if (ctx->stream_max_segs > UINT16_MAX)
		ctx->stream_max_segs = UINT16_MAX; /* ooo_segs is 16 bits */
	ctx->lcore_max = l->lcore_max_bytes ? l->lcore_max_bytes : REASM_DEF_LCORE_MAX_BYTES;
	ctx->grace_us = l->ack_grace_us ? l->ack_grace_us : REASM_DEF_ACK_GRACE_US;
	return ctx;
}

void
reasm_ctx_destroy(struct reasm_ctx *ctx)
{
	if (!ctx)
		return;
	/* every stream must have been released: segments are not tracked here */
	assert(ctx->nsegs == 0 && ctx->mem_used == 0);
	free(ctx);
}

const struct reasm_counters *
reasm_ctx_counters(const struct reasm_ctx *ctx)
{
	return &ctx->ctr;
}

uint64_t
reasm_ctx_mem_used(const struct reasm_ctx *ctx)
{
	return __atomic_load_n(&ctx->mem_used, __ATOMIC_RELAXED);
}
