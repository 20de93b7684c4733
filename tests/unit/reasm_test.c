/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly scenarios. Each scenario is a list of steps (segments,
 * ACKs, flushes) on one or two streams; after every step the stream is
 * drained and the chunks appended to a transcript:
 *   "|" resync, "<N>" N bytes lost, then the bytes, then "$" for eof.
 * Expected transcripts and every counter are written by hand.
 */
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/reasm.h"

#define S TH_SYN
#define F TH_FIN
#define R TH_RST
#define A TH_ACK
#define GIB (1u << 30)

enum op { OP_END, OP_PUSH, OP_ACK, OP_FLUSH, OP_EXPECT, OP_FAIL_ALLOC };

struct step {
	enum op op;
	int stream;
	uint32_t seq;               /* segment seq, or the ACK number */
	uint8_t fl;
	const char *bytes;          /* payload, or the transcript for OP_EXPECT */
	uint64_t ts;
	enum reasm_push_result want;
};

#define MAX_STEPS 16

struct scenario {
	const char *name;
	struct reasm_limits lim;
	struct step steps[MAX_STEPS];
	const char *want[2];        /* transcripts of stream 0 and 1 */
	struct reasm_counters ctr;
	bool closed;                /* stream 0 closed at the end */
};

#define P(seq, fl, b) { OP_PUSH, 0, (seq), (fl), (b), 0, REASM_OK }
#define PW(seq, fl, b, w) { OP_PUSH, 0, (seq), (fl), (b), 0, (w) }
#define PT(seq, fl, b, ts) { OP_PUSH, 0, (seq), (fl), (b), (ts), REASM_OK }
#define P1(seq, fl, b) { OP_PUSH, 1, (seq), (fl), (b), 0, REASM_OK }
#define ACK(ack, ts) { OP_ACK, 0, (ack), 0, NULL, (ts), REASM_OK }
#define FLUSH() { OP_FLUSH, 0, 0, 0, NULL, 0, REASM_OK }
#define EXPECT(t) { OP_EXPECT, 0, 0, 0, (t), 0, REASM_OK }
#define FAIL_ALLOC(n) { OP_FAIL_ALLOC, 0, (n), 0, NULL, 0, REASM_OK }

#define DUP REASM_DUPLICATE
#define REJ REASM_REJECTED

#define L30 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"

static const struct scenario scenarios[] = {
{ "in_order", {}, {
	P(1000, S, ""), P(1001, A, "abc"), P(1004, A, "defg"), P(1008, A, "hi") },
	{ "abcdefghi" }, { .segments = 3, .bytes_delivered = 9 } },
{ "out_of_order_2_1_3", {}, {
	P(0, S, ""), P(4, A, "def"), EXPECT(""), P(1, A, "abc"), EXPECT("abcdef"),
	P(7, A, "ghi") },
	{ "abcdefghi" }, { .segments = 3, .bytes_delivered = 9, .out_of_order = 1 } },
{ "reverse_order_10", {}, {
	P(0, S, ""), P(19, 0, "st"), P(17, 0, "qr"), P(15, 0, "op"), P(13, 0, "mn"),
	P(11, 0, "kl"), P(9, 0, "ij"), P(7, 0, "gh"), P(5, 0, "ef"), P(3, 0, "cd"),
	EXPECT(""), P(1, 0, "ab") },
	{ "abcdefghijklmnopqrst" },
	{ .segments = 10, .bytes_delivered = 20, .out_of_order = 9 } },
{ "exact_retransmission", {}, {
	P(0, S, ""), P(1, 0, "abc"), PW(1, 0, "abc", DUP), P(4, 0, "def") },
	{ "abcdef" }, { .segments = 3, .bytes_delivered = 6, .retransmissions = 1 } },
{ "partial_retransmission_trimmed", {}, {
	P(0, S, ""), P(1, 0, "abcd"), P(3, 0, "cdef") },
	{ "abcdef" }, { .segments = 2, .bytes_delivered = 6, .partial_retrans = 1 } },
{ "overlap_identical", {}, {
	P(0, S, ""), P(4, 0, "defgh"), P(7, 0, "ghijk"), P(1, 0, "abc") },
	{ "abcdefghijk" },
	{ .segments = 3, .bytes_delivered = 11, .out_of_order = 2, .overlaps = 1 } },
{ "overlap_conflict_first_wins", {}, {
	P(0, S, ""), P(4, 0, "defgh"), P(7, 0, "XYijk"), P(1, 0, "abc") },
	{ "abcdefghijk" },
	{ .segments = 3, .bytes_delivered = 11, .out_of_order = 2, .overlaps = 1,
	  .overlap_conflicts = 1 } },
{ "in_order_covers_buffered", {}, {
	P(0, S, ""), P(3, 0, "cd"), P(7, 0, "gh"), P(11, 0, "kl"),
	P(1, 0, "abXXefYYijklmn") },
	{ "abcdefghijklmn" },
	{ .segments = 4, .bytes_delivered = 14, .out_of_order = 3, .overlaps = 1,
	  .overlap_conflicts = 1 } },
{ "out_of_order_covers_buffered", {}, {
	P(0, S, ""), P(3, 0, "cd"), P(7, 0, "gh"), P(2, 0, "bcdefghi"), EXPECT(""),
	P(1, 0, "a") },
	{ "abcdefghi" },
	{ .segments = 4, .bytes_delivered = 9, .out_of_order = 3, .overlaps = 1 } },
{ "wrap_in_order", {}, {
	P(0xfffffffbu, S, ""), P(0xfffffffcu, 0, "abcdefgh"), P(4, 0, "ij") },
	{ "abcdefghij" }, { .segments = 2, .bytes_delivered = 10 } },
{ "wrap_out_of_order", {}, {
	P(0xfffffff9u, S, ""), P(2, 0, "ij"), P(0xfffffffeu, 0, "efgh"),
	P(0xfffffffau, 0, "ab"), EXPECT("ab"), P(0xfffffffcu, 0, "cd") },
	{ "abcdefghij" }, { .segments = 4, .bytes_delivered = 10, .out_of_order = 2 } },
{ "syn_with_data_and_retransmitted_syn", {}, {
	P(100, S, "abc"), PW(100, S, "", DUP), PW(100, S | A, "abc", DUP),
	P(104, A, "def") },
	{ "abcdef" }, { .segments = 3, .bytes_delivered = 6, .retransmissions = 1 } },
{ "midstream_start_resync", {}, {
	P(5000, A, "abc"), P(5003, A, "def"), PW(4990, A, "zz", DUP) },
	{ "|abcdef" }, { .segments = 3, .bytes_delivered = 6, .retransmissions = 1 } },
{ "midstream_pure_ack_fixes_start", {}, {
	P(7000, A, ""), EXPECT(""), P(7000, A, "xyz") },
	{ "|xyz" }, { .segments = 1, .bytes_delivered = 3 } },
{ "own_syn_seen_after_ack", {}, {
	P(7000, A, ""), P(6999, S, ""), PW(6999, S, "", DUP), P(7000, A, "xyz") },
	{ "xyz" }, { .segments = 1, .bytes_delivered = 3 } },
{ "fin_in_order_then_data_after_close", {}, {
	P(0, S, ""), P(1, 0, "abc"), P(4, F, "de"), EXPECT("abcde$"),
	PW(7, 0, "zz", REJ), P(7, A, ""), PW(6, F, "", REJ) },
	{ "abcde$" }, { .segments = 3, .bytes_delivered = 5, .after_close = 2 }, true },
{ "fin_on_retransmitted_data", {}, {
	P(0, S, ""), P(1, 0, "abcde"), P(4, F, "de") },
	{ "abcde$" }, { .segments = 2, .bytes_delivered = 5, .retransmissions = 1 }, true },
{ "fin_with_hole_then_fill", {}, {
	P(0, S, ""), P(1, 0, "abc"), P(7, F, "gh"), EXPECT("abc"), PW(9, 0, "zz", REJ),
	P(4, 0, "def") },
	{ "abcdefgh$" },
	{ .segments = 4, .bytes_delivered = 8, .out_of_order = 1, .after_close = 1 }, true },
{ "fin_tail_acked", { .ack_grace_us = 1000 }, {
	P(0, S, ""), P(1, 0, "abc"), P(9, F, ""), ACK(10, 0), EXPECT("abc"), ACK(10, 1000) },
	{ "abc|<5>$" }, { .segments = 1, .bytes_delivered = 3, .gaps = 1, .gap_bytes = 5 },
	true },
{ "flush_hole_before_pure_fin", {}, {
	P(0, S, ""), P(1, 0, "abc"), P(9, F, ""), EXPECT("abc"), FLUSH() },
	{ "abc|<5>$" }, { .segments = 1, .bytes_delivered = 3, .gaps = 1, .gap_bytes = 5 },
	true },
{ "fin_with_hole_acked", { .ack_grace_us = 1000 }, {
	P(0, S, ""), PT(1, 0, "abc", 0), PT(7, F, "gh", 10), ACK(10, 100), EXPECT("abc"),
	ACK(10, 1099), EXPECT("abc"), ACK(10, 1100) },
	{ "abc|<3>gh$" },
	{ .segments = 2, .bytes_delivered = 5, .out_of_order = 1, .gaps = 1,
	  .gap_bytes = 3 }, true },
{ "fin_with_hole_flushed", {}, {
	P(0, S, ""), P(1, 0, "abc"), P(7, F, "gh"), FLUSH() },
	{ "abc|<3>gh$" },
	{ .segments = 2, .bytes_delivered = 5, .out_of_order = 1, .gaps = 1,
	  .gap_bytes = 3 }, true },
{ "data_past_fin_dropped", {}, {
	P(0, S, ""), P(1, 0, "a"), P(6, 0, "fgh"), P(4, F, "d"), P(2, 0, "bcdZ") },
	{ "abcd$" },
	{ .segments = 4, .bytes_delivered = 4, .out_of_order = 2, .overlaps = 1,
	  .after_close = 1 },
	true },
{ "rst_with_buffered_data", {}, {
	P(0, S, ""), P(1, 0, "abc"), P(7, 0, "ghi"), P(10, R, ""), PW(10, 0, "zz", REJ) },
	{ "abc|<3>ghi$" },
	{ .segments = 3, .bytes_delivered = 6, .out_of_order = 1, .gaps = 1,
	  .gap_bytes = 3, .after_close = 1 }, true },
{ "rst_after_unseen_acked_bytes", {}, {
	P(0, S, ""), P(1, 0, "abc"), ACK(10, 0), P(4, R, "") },
	{ "abc|<6>$" },
	{ .segments = 1, .bytes_delivered = 3, .gaps = 1, .gap_bytes = 6 }, true },
{ "rst_midstream", {}, { P(5000, R | A, "") }, { "|$" }, {}, true },
{ "ack_gap_not_before_grace", { .ack_grace_us = 1000 }, {
	P(0, S, ""), PT(1, 0, "abc", 0), PT(7, 0, "ghi", 10), ACK(5, 100),
	ACK(5, 50), EXPECT("abc"), ACK(5, 1099), EXPECT("abc"), ACK(5, 1100), EXPECT("abc|<1>"),
	PT(5, 0, "ef", 1200) },
	{ "abc|<1>efghi" },
	{ .segments = 3, .bytes_delivered = 8, .out_of_order = 1, .gaps = 1,
	  .gap_bytes = 1 } },
{ "ack_past_buffered_data", { .ack_grace_us = 1000 }, {
	P(0, S, ""), P(1, 0, "abc"), P(7, 0, "ghi"), ACK(12, 50), ACK(12, 1049),
	EXPECT("abc"), ACK(12, 1050), EXPECT("abc|<3>ghi|<2>"), P(12, 0, "jk") },
	{ "abc|<3>ghi|<2>jk" },
	{ .segments = 3, .bytes_delivered = 8, .out_of_order = 1, .gaps = 2,
	  .gap_bytes = 5 } },
{ "ack_tail_loss_then_data", { .ack_grace_us = 1000 }, {
	/* a lower (older) ACK does not lower the evidence */
	P(0, S, ""), P(1, 0, "abc"), ACK(10, 0), ACK(5, 999), EXPECT("abc"),
	ACK(5, 1000), EXPECT("abc|<6>"), P(10, 0, "jk") },
	{ "abc|<6>jk" },
	{ .segments = 2, .bytes_delivered = 5, .gaps = 1, .gap_bytes = 6 } },
{ "ack_tail_loss_data_before_grace", { .ack_grace_us = 1000 }, {
	P(0, S, ""), PT(1, 0, "abc", 0), ACK(10, 0), PT(10, 0, "jk", 500),
	EXPECT("abc"), PT(12, 0, "lm", 1200) },
	{ "abc|<6>jklm" },
	{ .segments = 3, .bytes_delivered = 7, .out_of_order = 2, .gaps = 1,
	  .gap_bytes = 6 } },
{ "ack_before_reordered_data", { .ack_grace_us = 1000 }, {
	P(0, S, ""), ACK(4, 0), PT(1, 0, "abc", 100), ACK(4, 5000), PT(4, 0, "d", 6000) },
	{ "abcd" }, { .segments = 2, .bytes_delivered = 4 } },
{ "ack_timer_restarts_after_catch_up", { .ack_grace_us = 1000 }, {
	P(0, S, ""), ACK(4, 0), PT(1, 0, "abc", 100), PT(7, 0, "ghi", 2000),
	ACK(7, 2000), ACK(7, 2999), EXPECT("abc"), ACK(7, 3000) },
	{ "abc|<3>ghi" },
	{ .segments = 2, .bytes_delivered = 6, .out_of_order = 1, .gaps = 1,
	  .gap_bytes = 3 } },
{ "stream_byte_cap", { .stream_max_bytes = 4 }, {
	P(0, S, ""), P(3, 0, "ab"), P(5, 0, "cd"), EXPECT(""), P(7, 0, "ef"),
	PW(1, 0, "xy", DUP) },
	{ "|<2>abcdef" },
	{ .segments = 4, .bytes_delivered = 6, .out_of_order = 3, .gaps = 1,
	  .gap_bytes = 2, .limit_gaps = 1, .retransmissions = 1 } },
{ "stream_segment_cap", { .stream_max_segs = 2 }, {
	P(0, S, ""), P(2, 0, "b"), P(4, 0, "d"), EXPECT(""), P(6, 0, "f") },
	{ "|<1>b|<1>d|<1>f" },
	{ .segments = 3, .bytes_delivered = 3, .out_of_order = 3, .gaps = 3,
	  .gap_bytes = 3, .limit_gaps = 3 } },
{ "limit_forces_segment_before_buffered", { .stream_max_segs = 1 }, {
	P(0, S, ""), P(7, 0, "gh"), P(3, 0, "cd"), EXPECT("|<2>cd"), P(5, 0, "ef") },
	{ "|<2>cdefgh" },
	{ .segments = 3, .bytes_delivered = 6, .out_of_order = 2, .gaps = 1,
	  .gap_bytes = 2, .limit_gaps = 1 } },
{ "allocation_failure", {}, {
	FAIL_ALLOC(1), P(0, S, ""), P(3, 0, "cd"), EXPECT("|<2>cd"), P(7, 0, "gh"),
	P(5, 0, "ef") },
	{ "|<2>cdefgh" },
	{ .segments = 3, .bytes_delivered = 6, .out_of_order = 2, .gaps = 1,
	  .gap_bytes = 2, .limit_gaps = 1, .seg_alloc_fail = 1 } },
/* 30 bytes plus a segment header fit in 60, two of them do not */
{ "lcore_cap_shared", { .lcore_max_bytes = 60 }, {
	P(0, S, ""), P(11, 0, L30), P1(0, S, ""), P1(11, 0, L30), EXPECT(""),
	P(1, 0, "abcdefghij") },
	{ "abcdefghij" L30, "|<10>" L30 },
	{ .segments = 3, .bytes_delivered = 70, .out_of_order = 2, .gaps = 1,
	  .gap_bytes = 10, .limit_gaps = 1 } },
{ "out_of_window", {}, {
	P(0, S, ""), P(1, 0, "abc"), PW(4 + GIB + 1, 0, "x", REJ),
	PW(4 - GIB - 2, 0, "y", REJ), P(4 + GIB, 0, "z"),
	PW(4 - GIB - 10, 0, "0123456789abcdefghij", DUP), P(4, 0, "def") },
	{ "abcdef" },
	{ .segments = 6, .bytes_delivered = 6, .out_of_window = 2, .out_of_order = 1,
	  .retransmissions = 1 } },
{ "fin_trims_buffered", {}, {
	P(0, S, ""), P(1, 0, "a"), P(5, 0, "efgh"), P(7, F, ""), P(2, 0, "bcd") },
	{ "abcdef$" }, { .segments = 3, .bytes_delivered = 6, .out_of_order = 1 }, true },
{ "duplicate_of_buffered", {}, {
	P(0, S, ""), P(4, 0, "def"), PW(4, 0, "dXf", DUP), P(1, 0, "abc") },
	{ "abcdef" },
	{ .segments = 3, .bytes_delivered = 6, .out_of_order = 1, .overlaps = 1,
	  .overlap_conflicts = 1 } },
{ "new_isn_changes_nothing", {}, {
	P(1000, S, ""), P(1001, 0, "abc"), PW(5000, S, "", REASM_NEW_ISN),
	P(1004, 0, "def") },
	{ "abcdef" }, { .segments = 2, .bytes_delivered = 6 } },
{ "syn_after_fin_is_new_connection", {}, {
	P(0, S, ""), P(1, F, "a"), PW(777, S, "", REASM_NEW_ISN) },
	{ "a$" }, { .segments = 1, .bytes_delivered = 1 }, true },
{ "flush_declares_every_hole", {}, {
	P(0, S, ""), P(1, 0, "abc"), P(6, 0, "fg"), P(10, 0, "jk"), FLUSH(),
	EXPECT("abc|<2>fg|<2>jk"), P(12, 0, "lm"), P(15, 0, "op") },
	{ "abc|<2>fg|<2>jklm" },
	{ .segments = 5, .bytes_delivered = 9, .out_of_order = 3, .gaps = 2,
	  .gap_bytes = 4 } },
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Allocation failures to inject: overrides the weak seam in reasm.c. */
static unsigned fail_allocs;

void *reasm_seg_alloc(size_t size);

void *
reasm_seg_alloc(size_t size)
{
	if (fail_allocs) {
		fail_allocs--;
		return NULL;
	}
	return malloc(size);
}

static void
append(char *t, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(t);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t + used, cap - used, fmt, ap);
	va_end(ap);
}

static void
drain(struct reasm_ctx *ctx, struct reasm_stream *st, char *t, size_t cap)
{
	struct reasm_chunk c;
	int guard = 0;

	while (reasm_pop(ctx, st, &c)) {
		assert_true(++guard < 100);
		assert_true(c.len || c.gap || c.eof);
		if (c.gap)
			assert_true(c.resync);
		append(t, cap, "%s", c.resync ? "|" : "");
		if (c.gap)
			append(t, cap, "<%u>", c.gap);
		append(t, cap, "%.*s%s", (int)c.len, (const char *)c.data, c.eof ? "$" : "");
	}
}

#define CHECK_CTR(f) assert_int_equal(got->f, want->f)

static void
check_counters(const struct reasm_counters *got, const struct reasm_counters *want)
{
	CHECK_CTR(segments);
	CHECK_CTR(bytes_delivered);
	CHECK_CTR(retransmissions);
	CHECK_CTR(partial_retrans);
	CHECK_CTR(out_of_order);
	CHECK_CTR(overlaps);
	CHECK_CTR(overlap_conflicts);
	CHECK_CTR(gaps);
	CHECK_CTR(gap_bytes);
	CHECK_CTR(limit_gaps);
	CHECK_CTR(out_of_window);
	CHECK_CTR(after_close);
	CHECK_CTR(seg_alloc_fail);
}

static void
run_step(struct reasm_ctx *ctx, struct reasm_stream *st, char (*t)[256], const struct step *s)
{
	/* the caller's buffer is clobbered after each step: buffered bytes must be copies */
	uint8_t buf[128];
	size_t len = s->bytes ? strlen(s->bytes) : 0;

	switch (s->op) {
	case OP_PUSH:
		memcpy(buf, s->bytes, len);
		assert_int_equal(reasm_push(ctx, &st[s->stream], s->seq, s->fl, buf,
					    (uint32_t)len, s->ts), s->want);
		break;
	case OP_ACK:
		reasm_ack(ctx, &st[s->stream], s->seq, s->ts);
		break;
	case OP_FLUSH:
		reasm_flush(ctx, &st[s->stream]);
		break;
	case OP_EXPECT:
		assert_string_equal(t[s->stream], s->bytes);
		return;
	case OP_FAIL_ALLOC:
		fail_allocs = s->seq;
		return;
	case OP_END:
		return;
	}
	drain(ctx, &st[s->stream], t[s->stream], sizeof(t[0]));
	memset(buf, '#', sizeof(buf));
}

static void
run_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct reasm_ctx *ctx = reasm_ctx_create(&sc->lim);
	struct reasm_stream st[2];
	char t[2][256] = { "", "" };
	const struct step *s;

	assert_non_null(ctx);
	reasm_stream_init(&st[0]);
	reasm_stream_init(&st[1]);
	fail_allocs = 0;
	for (s = sc->steps; s < sc->steps + MAX_STEPS && s->op != OP_END; s++) {
		run_step(ctx, st, t, s);
		if (sc->lim.lcore_max_bytes)
			assert_true(reasm_ctx_mem_used(ctx) <= sc->lim.lcore_max_bytes);
	}
	assert_string_equal(t[0], sc->want[0]);
	assert_string_equal(t[1], sc->want[1] ? sc->want[1] : "");
	check_counters(reasm_ctx_counters(ctx), &sc->ctr);
	assert_int_equal(reasm_stream_closed(&st[0]), sc->closed);
	reasm_stream_release(ctx, &st[0]);
	reasm_stream_release(ctx, &st[1]);
	assert_int_equal(reasm_ctx_mem_used(ctx), 0);
	reasm_ctx_destroy(ctx);
}

/* In-order data is handed out in place; out-of-order data is a copy. */
static void
test_zero_copy(void **state)
{
	struct reasm_ctx *ctx = reasm_ctx_create(NULL);
	uint8_t a[] = "abc", b[] = "def";
	struct reasm_stream st;
	struct reasm_chunk c;

	(void)state;
	reasm_stream_init(&st);
	assert_int_equal(reasm_push(ctx, &st, 9, TH_SYN, NULL, 0, 0), REASM_OK);
	assert_true(reasm_stream_synced(&st));
	assert_int_equal(reasm_push(ctx, &st, 13, 0, b, 3, 0), REASM_OK);
	assert_false(reasm_pop(ctx, &st, &c));
	assert_int_equal(reasm_push(ctx, &st, 10, 0, a, 3, 0), REASM_OK);
	assert_true(reasm_pop(ctx, &st, &c));
	assert_ptr_equal(c.data, a);
	assert_int_equal(c.len, 3);
	assert_false(c.resync);
	assert_true(reasm_pop(ctx, &st, &c));
	assert_ptr_not_equal(c.data, b);
	assert_memory_equal(c.data, "def", 3);
	assert_false(reasm_pop(ctx, &st, &c));
	reasm_stream_release(ctx, &st);
	reasm_ctx_destroy(ctx);
}

/* Releasing streams with buffered data returns the lcore's memory to 0. */
static void
test_release_frees(void **state)
{
	struct reasm_ctx *ctx = reasm_ctx_create(NULL);
	struct reasm_stream st[2];
	struct reasm_chunk c;
	uint64_t one;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		reasm_stream_init(&st[i]);
		reasm_push(ctx, &st[i], 0, TH_SYN, NULL, 0, 0);
		reasm_push(ctx, &st[i], 5, 0, (const uint8_t *)"efgh", 4, 0);
		reasm_push(ctx, &st[i], 20, 0, (const uint8_t *)"tu", 2, 0);
		assert_false(reasm_pop(ctx, &st[i], &c));
	}
	one = reasm_ctx_mem_used(ctx) / 2;
	assert_true(one >= 6);
	reasm_stream_release(ctx, &st[0]);
	assert_int_equal(reasm_ctx_mem_used(ctx), one);
	reasm_stream_release(ctx, &st[1]);
	assert_int_equal(reasm_ctx_mem_used(ctx), 0);
	/* a released stream can be re-initialized and reused */
	reasm_stream_init(&st[0]);
	reasm_push(ctx, &st[0], 100, 0, (const uint8_t *)"x", 1, 0);
	assert_true(reasm_pop(ctx, &st[0], &c));
	assert_true(c.resync);
	assert_memory_equal(c.data, "x", 1);
	reasm_stream_release(ctx, &st[0]);
	reasm_ctx_destroy(ctx);
}

/* Pushing again before draining (a caller bug) must not lose bytes. */
static void
test_push_without_drain(void **state)
{
	struct reasm_ctx *ctx = reasm_ctx_create(NULL);
	uint8_t a[] = "abc", b[] = "def";
	struct reasm_stream st;
	char t[64] = "";

	(void)state;
	reasm_stream_init(&st);
	reasm_push(ctx, &st, 0, TH_SYN, NULL, 0, 0);
	reasm_push(ctx, &st, 1, 0, a, 3, 0);
	reasm_push(ctx, &st, 4, 0, b, 3, 0);
	memset(a, '#', 3);
	drain(ctx, &st, t, sizeof(t));
	assert_string_equal(t, "abcdef");
	assert_int_equal(reasm_ctx_counters(ctx)->gaps, 0);
	reasm_stream_release(ctx, &st);
	reasm_ctx_destroy(ctx);
}

static void
test_unsynced_stream(void **state)
{
	struct reasm_ctx *ctx = reasm_ctx_create(NULL);
	struct reasm_stream st;
	struct reasm_chunk c;

	(void)state;
	reasm_stream_init(&st);
	assert_false(reasm_stream_synced(&st));
	assert_false(reasm_stream_closed(&st));
	reasm_ack(ctx, &st, 1234, 0);
	reasm_flush(ctx, &st);
	assert_false(reasm_pop(ctx, &st, &c));
	assert_false(reasm_stream_synced(&st));
	reasm_ctx_destroy(ctx);
}

int
main(void)
{
	static struct CMUnitTest tests[N_SCENARIOS + 4];
	size_t i;

	for (i = 0; i < N_SCENARIOS; i++) {
		tests[i].name = scenarios[i].name;
		tests[i].test_func = run_scenario;
		tests[i].initial_state = (void *)&scenarios[i];
	}
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_zero_copy);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_release_frees);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_push_without_drain);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_unsynced_stream);
	return _cmocka_run_group_tests("reasm", tests, i, NULL, NULL);
}
