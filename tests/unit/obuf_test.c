/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output buffer tests, written from obuf.h: messages written in place,
 * runs merged per server mask, chunks handed over in order, bounded by
 * max_chunks and recycled after release, bytes_queued accounted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/obuf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Message bytes are a function of (message index, offset): checkable in place. */
static uint8_t
pattern(uint32_t msg, uint32_t i)
{
	return (uint8_t)(msg * 13 + i * 3 + 5);
}

/* Write message `msg` of `len` bytes and commit it for `mask`. */
static void
write_msg(struct obuf *ob, uint32_t msg, uint32_t len, uint64_t mask)
{
	struct wire_buf *b = obuf_begin(ob, len);

	assert_non_null(b);
	assert_true(b->cap - b->len >= len);
	for (uint32_t i = 0; i < len; i++)
		wire_put_u8(b, pattern(msg, i));
	assert_false(b->overflow);
	obuf_commit(ob, mask);
}

static void
check_msg(const struct obuf_chunk *c, uint32_t off, uint32_t msg, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (c->data[off + i] != pattern(msg, i))
			fail_msg("message %u: byte %u differs", msg, i);
}

static void
check_run(const struct obuf_run *r, uint32_t off, uint32_t len, uint32_t nmsgs, uint64_t mask)
{
	assert_int_equal(r->off, off);
	assert_int_equal(r->len, len);
	assert_int_equal(r->nmsgs, nmsgs);
	assert_int_equal(r->mask, mask);
}

static void
test_create(void **state)
{
	(void)state;
	struct obuf *ob = obuf_create(3);

	assert_non_null(ob);
	assert_int_equal(obuf_max_chunks(ob), 3);
	assert_int_equal(obuf_chunks_allocated(ob), 0);   /* lazy */
	assert_int_equal(obuf_bytes_queued(ob), 0);
	assert_null(obuf_take(ob));
	obuf_flush(ob);                 /* nothing yet: nothing to hand over */
	assert_null(obuf_take(ob));
	obuf_destroy(ob);
	errno = 0;
	assert_null(obuf_create(0));
	assert_int_not_equal(errno, 0);
}

/*
 * Masks of consecutive messages and the runs they must make: equal masks
 * next to each other merge, anything else starts a run.
 */
struct runs_case {
	const char *name;
	uint64_t masks[8];
	uint32_t lens[8];
	unsigned nmsgs;
	unsigned want_nruns;
	unsigned want_run_msgs[8];
};

static const struct runs_case runs_cases[] = {
	{ "one message", { 0x1 }, { 10 }, 1, 1, { 1 } },
	{ "equal masks merge", { 0x5, 0x5, 0x5 }, { 10, 20, 30 }, 3, 1, { 3 } },
	{ "different masks split", { 0x1, 0x2, 0x4 }, { 10, 20, 30 }, 3, 3, { 1, 1, 1 } },
	{ "back to an old mask is a new run", { 0x1, 0x1, 0x2, 0x1 }, { 6, 7, 8, 9 }, 4, 3,
	  { 2, 1, 1 } },
	{ "superset mask is different", { 0x3, 0x1, 0x1, 0x3 }, { 1, 2, 3, 4 }, 4, 3,
	  { 1, 2, 1 } },
	{ "server 63", { 1ull << 63, 1ull << 63, ~0ull }, { 50, 60, 70 }, 3, 2, { 2, 1 } },
};

static void
test_runs(void **state)
{
	(void)state;
	for (size_t ci = 0; ci < N(runs_cases); ci++) {
		const struct runs_case *rc = &runs_cases[ci];
		struct obuf *ob = obuf_create(2);
		uint32_t total = 0;

		for (unsigned m = 0; m < rc->nmsgs; m++) {
			write_msg(ob, m, rc->lens[m], rc->masks[m]);
			total += rc->lens[m];
		}
		assert_null(obuf_take(ob));     /* not before the flush */
		obuf_flush(ob);
		struct obuf_chunk *c = obuf_take(ob);
		assert_non_null(c);
		if (c->nruns != rc->want_nruns || c->len != total)
			fail_msg("case '%s': %u runs, %u bytes", rc->name, c->nruns, c->len);
		unsigned m = 0;
		uint32_t off = 0;
		for (unsigned r = 0; r < c->nruns; r++) {
			uint32_t len = 0;
			for (unsigned k = 0; k < rc->want_run_msgs[r]; k++) {
				check_msg(c, off + len, m, rc->lens[m]);
				len += rc->lens[m++];
			}
			check_run(&c->runs[r], off, len, rc->want_run_msgs[r], rc->masks[m - 1]);
			off += len;
		}
		assert_int_equal(obuf_bytes_queued(ob), total);
		obuf_release(ob, c);
		assert_int_equal(obuf_bytes_queued(ob), 0);
		obuf_destroy(ob);
	}
}

/* A writer abandoned or overflowed commits nothing. */
static void
test_commit_nothing(void **state)
{
	(void)state;
	struct obuf *ob = obuf_create(2);

	struct wire_buf *b = obuf_begin(ob, 4);
	assert_non_null(b);
	obuf_commit(ob, 1);                       /* nothing written */
	b = obuf_begin(ob, 4);
	wire_put_u32(b, 0xdeadbeef);
	wire_put_u8(b, 1);                        /* past `need`: overflow */
	assert_true(b->overflow);
	obuf_commit(ob, 1);
	write_msg(ob, 7, 12, 2);
	obuf_flush(ob);
	struct obuf_chunk *c = obuf_take(ob);
	assert_non_null(c);
	assert_int_equal(c->nruns, 1);
	check_run(&c->runs[0], 0, 12, 1, 2);
	check_msg(c, 0, 7, 12);
	assert_int_equal(c->len, 12);
	obuf_release(ob, c);
	obuf_destroy(ob);
}

/* A message that does not fit the current chunk starts the next one. */
static void
test_new_chunk_when_full(void **state)
{
	(void)state;
	const uint32_t len = OBUF_CHUNK_SIZE * 2 / 5; /* two fit in a chunk, three do not */
	struct obuf *ob = obuf_create(4);

	assert_int_equal(obuf_pending(ob), 0);
	write_msg(ob, 0, len, 1);
	write_msg(ob, 1, len, 1);
	assert_int_equal(obuf_chunks_allocated(ob), 1);
	assert_int_equal(obuf_pending(ob), 2 * len);
	write_msg(ob, 2, len, 1);
	assert_int_equal(obuf_chunks_allocated(ob), 2);
	assert_int_equal(obuf_pending(ob), len);
	/* the first chunk was handed over when the third message needed room */
	assert_int_equal(obuf_bytes_queued(ob), 2 * len);
	struct obuf_chunk *c0 = obuf_take(ob);
	assert_non_null(c0);
	assert_null(obuf_take(ob));
	obuf_flush(ob);
	struct obuf_chunk *c1 = obuf_take(ob);
	assert_non_null(c1);
	assert_int_equal(obuf_bytes_queued(ob), 3 * len);

	assert_true(c1->seq > c0->seq);
	assert_int_equal(c0->len, 2 * len);
	assert_int_equal(c0->nruns, 1);
	check_run(&c0->runs[0], 0, 2 * len, 2, 1);
	check_msg(c0, 0, 0, len);
	check_msg(c0, len, 1, len);
	assert_int_equal(c1->len, len);
	check_run(&c1->runs[0], 0, len, 1, 1);
	check_msg(c1, 0, 2, len);
	obuf_release(ob, c0);
	assert_int_equal(obuf_bytes_queued(ob), len);
	obuf_release(ob, c1);
	assert_int_equal(obuf_bytes_queued(ob), 0);
	obuf_destroy(ob);
}

/* Messages up to a chunk's whole data area fit; bigger ones never do. */
static void
test_too_big(void **state)
{
	(void)state;
	struct obuf *ob = obuf_create(2);

	assert_null(obuf_begin(ob, OBUF_CHUNK_SIZE));
	/* the largest BMP Route Monitoring message fits in one chunk */
	struct wire_buf *b = obuf_begin(ob, 6 + 42 + 65535);
	assert_non_null(b);
	obuf_destroy(ob);
}

/* All chunks in flight: begin fails until one is released, then it is reused. */
static void
test_max_chunks(void **state)
{
	(void)state;
	struct obuf *ob = obuf_create(2);

	write_msg(ob, 0, 100, 1);
	obuf_flush(ob);
	write_msg(ob, 1, 200, 1);
	obuf_flush(ob);
	assert_int_equal(obuf_chunks_allocated(ob), 2);
	assert_null(obuf_begin(ob, 10));
	assert_null(obuf_begin(ob, 10));
	assert_int_equal(obuf_chunks_allocated(ob), 2);
	assert_int_equal(obuf_bytes_queued(ob), 300);

	struct obuf_chunk *c0 = obuf_take(ob);
	assert_non_null(c0);
	assert_int_equal(c0->len, 100);
	check_msg(c0, 0, 0, 100);
	assert_null(obuf_begin(ob, 10));        /* taken is not released */
	obuf_release(ob, c0);
	assert_int_equal(obuf_bytes_queued(ob), 200);

	write_msg(ob, 2, 300, 4);
	obuf_flush(ob);
	assert_int_equal(obuf_chunks_allocated(ob), 2);
	struct obuf_chunk *c1 = obuf_take(ob), *c2 = obuf_take(ob);
	assert_non_null(c1);
	assert_non_null(c2);
	assert_ptr_equal(c2, c0);               /* recycled */
	assert_true(c2->seq > c1->seq);
	assert_int_equal(c1->len, 200);
	check_msg(c1, 0, 1, 200);
	/* the recycled chunk starts afresh */
	assert_int_equal(c2->len, 300);
	assert_int_equal(c2->nruns, 1);
	check_run(&c2->runs[0], 0, 300, 1, 4);
	check_msg(c2, 0, 2, 300);
	assert_int_equal(obuf_bytes_queued(ob), 500);
	obuf_release(ob, c1);
	obuf_release(ob, c2);
	assert_int_equal(obuf_bytes_queued(ob), 0);
	obuf_destroy(ob);
}

/* The current chunk is full and no other is free: begin hands it over and fails. */
static void
test_full_and_no_free_chunk(void **state)
{
	(void)state;
	const uint32_t len = OBUF_CHUNK_SIZE * 2 / 5;
	struct obuf *ob = obuf_create(2);

	for (uint32_t m = 0; m < 4; m++)
		write_msg(ob, m, len, 1);
	assert_null(obuf_begin(ob, len));
	/* both chunks are with the consumer, whole */
	assert_int_equal(obuf_bytes_queued(ob), 4 * len);
	for (uint32_t k = 0; k < 2; k++) {
		struct obuf_chunk *c = obuf_take(ob);
		assert_non_null(c);
		assert_int_equal(c->len, 2 * len);
		check_msg(c, 0, 2 * k, len);
		check_msg(c, len, 2 * k + 1, len);
		obuf_release(ob, c);
	}
	assert_null(obuf_take(ob));
	write_msg(ob, 9, len, 1);
	obuf_flush(ob);
	struct obuf_chunk *c = obuf_take(ob);
	assert_non_null(c);
	check_msg(c, 0, 9, len);
	obuf_release(ob, c);
	obuf_destroy(ob);
}

/* A chunk holds at most OBUF_MAX_RUNS runs; the next run starts a new chunk. */
static void
test_max_runs(void **state)
{
	(void)state;
	struct obuf *ob = obuf_create(4);
	const uint32_t len = 10;

	for (uint32_t m = 0; m < OBUF_MAX_RUNS + 1; m++)
		write_msg(ob, m, len, m % 2 ? 0x2 : 0x1);
	obuf_flush(ob);
	struct obuf_chunk *c = obuf_take(ob);
	assert_non_null(c);
	assert_int_equal(c->nruns, OBUF_MAX_RUNS);
	assert_int_equal(c->len, OBUF_MAX_RUNS * len);
	for (uint32_t r = 0; r < OBUF_MAX_RUNS; r++) {
		check_run(&c->runs[r], r * len, len, 1, r % 2 ? 0x2 : 0x1);
		check_msg(c, r * len, r, len);
	}
	struct obuf_chunk *c2 = obuf_take(ob);
	assert_non_null(c2);
	assert_int_equal(c2->nruns, 1);
	check_run(&c2->runs[0], 0, len, 1, OBUF_MAX_RUNS % 2 ? 0x2 : 0x1);
	check_msg(c2, 0, OBUF_MAX_RUNS, len);
	obuf_release(ob, c);
	obuf_release(ob, c2);
	obuf_destroy(ob);
}

/* Many messages through two chunks: order, content and accounting hold. */
static void
test_many_cycles(void **state)
{
	(void)state;
	struct obuf *ob = obuf_create(2);
	uint32_t next = 0, seen = 0;
	uint64_t last_seq = 0;

	for (int cycle = 0; cycle < 300; cycle++) {
		for (int i = 0; i < 11; i++, next++)
			write_msg(ob, next, 1 + next % 700, next % 3 == 0 ? 1 : 3);
		obuf_flush(ob);
		struct obuf_chunk *c;
		while ((c = obuf_take(ob))) {
			assert_true(seen == 0 || c->seq > last_seq);
			last_seq = c->seq;
			for (unsigned r = 0; r < c->nruns; r++) {
				uint32_t off = c->runs[r].off;
				for (unsigned k = 0; k < c->runs[r].nmsgs; k++, seen++) {
					uint32_t len = 1 + seen % 700;
					check_msg(c, off, seen, len);
					assert_int_equal(c->runs[r].mask, seen % 3 == 0 ? 1 : 3);
					off += len;
				}
				assert_int_equal(off, c->runs[r].off + c->runs[r].len);
			}
			obuf_release(ob, c);
		}
		assert_int_equal(obuf_bytes_queued(ob), 0);
	}
	assert_int_equal(seen, next);
	assert_true(obuf_chunks_allocated(ob) <= 2);
	obuf_destroy(ob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_commit_nothing),
		cmocka_unit_test(test_new_chunk_when_full),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_max_chunks),
		cmocka_unit_test(test_full_and_no_free_chunk),
		cmocka_unit_test(test_max_runs),
		cmocka_unit_test(test_many_cycles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
