/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event queue tests, written from evq.h and event.h: records go in as
 * put, come out in order, 8-byte aligned, header fields as documented;
 * room shrinks and recovers as blocks travel; a put with every block in
 * flight fails and is counted. Rings live in plain memory: no EAL.
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

#include "dataplane/evq.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HDR ((uint32_t)sizeof(struct ev_hdr))

/* Payload bytes are a function of (record index, byte offset): checkable. */
static uint8_t
pattern(uint32_t rec, uint32_t i)
{
	return (uint8_t)(rec * 31 + i * 7 + 1);
}

static struct ev_hdr *
put_pattern(struct evq *q, enum ev_type type, uint32_t rec, uint32_t len)
{
	struct ev_hdr *h = evq_put(q, type, len);

	if (!h)
		return NULL;
	uint8_t *p = (uint8_t *)(h + 1);
	for (uint32_t i = 0; i < len; i++)
		p[i] = pattern(rec, i);
	return h;
}

static void
check_pattern(const struct ev_hdr *h, uint32_t rec, uint32_t len)
{
	const uint8_t *p = (const uint8_t *)(h + 1);

	assert_int_equal(h->len, HDR + len);
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != pattern(rec, i))
			fail_msg("record %u: payload byte %u differs", rec, i);
}

/* Bytes of records one block holds: a fresh queue's room over its blocks. */
static uint64_t
block_cap(unsigned nblocks)
{
	struct evq *q = evq_create(nblocks);
	assert_non_null(q);
	uint64_t room = evq_room(q);
	evq_destroy(q);
	assert_int_equal(room % nblocks, 0);
	return room / nblocks;
}

static void
test_record_space(void **state)
{
	(void)state;
	static const struct { uint32_t payload, space; } cases[] = {
		{ 0, 24 }, { 1, 32 }, { 7, 32 }, { 8, 32 }, { 9, 40 }, { 16, 40 }, { 17, 48 },
	};
	assert_int_equal(sizeof(struct ev_hdr), 24);
	for (size_t i = 0; i < N(cases); i++)
		assert_int_equal(EV_RECORD_SPACE(cases[i].payload), cases[i].space);
}

static void
test_create(void **state)
{
	(void)state;
	uint64_t cap = block_cap(2);

	/* the block header costs a little, and nothing else */
	assert_true(cap <= EVQ_BLOCK_SIZE && cap >= EVQ_BLOCK_SIZE - 64);
	assert_int_equal(cap % EV_ALIGN, 0);
	/* rounded up to a power of two */
	struct evq *q = evq_create(3);
	assert_non_null(q);
	assert_int_equal(evq_room(q), 4 * cap);
	assert_int_equal(evq_backlog(q), 0);
	assert_int_equal(evq_put_failures(q), 0);
	assert_null(evq_take(q));
	evq_destroy(q);
	errno = 0;
	assert_null(evq_create(0));
	assert_int_not_equal(errno, 0);
}

/* Payload lengths around the alignment boundaries. */
static const uint32_t round_trip_lens[] = { 0, 1, 7, 8, 9, 15, 16, 17, 100, 4096, 65535 };

static void
test_round_trip(void **state)
{
	(void)state;
	struct evq *q = evq_create(2);
	uint64_t room0 = evq_room(q);
	uint64_t used = 0;

	for (uint32_t r = 0; r < N(round_trip_lens); r++) {
		struct ev_hdr *h = put_pattern(q, (enum ev_type)(1 + r % 5), r, round_trip_lens[r]);
		assert_non_null(h);
		assert_int_equal((uintptr_t)h % EV_ALIGN, 0);
		h->peer = r;
		h->ts_us = 1000 + r;
		used += EV_RECORD_SPACE(round_trip_lens[r]);
		assert_int_equal(evq_room(q), room0 - used);
	}
	assert_int_equal(evq_backlog(q), 0);
	assert_null(evq_take(q));       /* nothing before the flush */
	evq_flush(q);
	assert_int_equal(evq_backlog(q), 1);

	struct evq_block *b = evq_take(q);
	assert_non_null(b);
	assert_int_equal(evq_backlog(q), 0);
	uint32_t off = 0;
	for (uint32_t r = 0; r < N(round_trip_lens); r++) {
		const struct ev_hdr *h = evq_block_next(b, &off);
		assert_non_null(h);
		assert_int_equal((uintptr_t)h % EV_ALIGN, 0);
		assert_int_equal(h->type, 1 + r % 5);
		assert_int_equal(h->peer, r);
		assert_int_equal(h->ts_us, 1000 + r);
		check_pattern(h, r, round_trip_lens[r]);
	}
	assert_null(evq_block_next(b, &off));
	assert_null(evq_block_next(b, &off));
	assert_null(evq_take(q));
	evq_give_back(q, b);
	assert_int_equal(evq_room(q), room0);
	evq_destroy(q);
}

/* Header fields other than len and type start at zero, even in a reused block. */
static void
test_put_zeroes_header(void **state)
{
	(void)state;
	struct evq *q = evq_create(2);

	for (int round = 0; round < 4; round++) {
		struct ev_hdr *h = evq_put(q, EV_PEER_DOWN, 3);
		assert_non_null(h);
		assert_int_equal(h->len, HDR + 3);
		assert_int_equal(h->type, EV_PEER_DOWN);
		assert_int_equal(h->flags, 0);
		assert_int_equal(h->aux, 0);
		assert_int_equal(h->peer, 0);
		assert_int_equal(h->reserved, 0);
		assert_int_equal(h->ts_us, 0);
		/* dirty it, then cycle the block back to the producer */
		memset(h, 0xee, HDR + 3);
		h->len = HDR + 3;
		evq_flush(q);
		struct evq_block *b = evq_take(q);
		assert_non_null(b);
		evq_give_back(q, b);
	}
	evq_destroy(q);
}

/* A record of the largest payload fills a block exactly; one byte more never fits. */
static void
test_max_record(void **state)
{
	(void)state;
	uint64_t cap = block_cap(2);
	uint32_t max = (uint32_t)cap - HDR;
	struct evq *q = evq_create(2);

	assert_int_equal(EV_RECORD_SPACE(max), cap);
	assert_null(evq_put(q, EV_ROUTE_MON, max + 1));
	assert_int_equal(evq_put_failures(q), 1);
	assert_null(evq_put(q, EV_ROUTE_MON, EVQ_BLOCK_SIZE));
	assert_int_equal(evq_put_failures(q), 2);
	assert_int_equal(evq_room(q), 2 * cap);     /* failed puts took nothing */

	assert_non_null(put_pattern(q, EV_ROUTE_MON, 1, max));
	assert_int_equal(evq_room(q), cap);
	assert_non_null(put_pattern(q, EV_ROUTE_MON, 2, max));
	assert_int_equal(evq_room(q), 0);
	evq_flush(q);
	for (uint32_t r = 1; r <= 2; r++) {
		struct evq_block *b = evq_take(q);
		uint32_t off = 0;
		assert_non_null(b);
		const struct ev_hdr *h = evq_block_next(b, &off);
		assert_non_null(h);
		check_pattern(h, r, max);
		assert_null(evq_block_next(b, &off));
		evq_give_back(q, b);
	}
	assert_int_equal(evq_room(q), 2 * cap);
	/* what the header promises fits: two extended OPENs and an info text */
	assert_true(sizeof(struct ev_peer_up) + 2 * 4096 + 1024 <= max);
	assert_true(65535 <= max);
	evq_destroy(q);
}

/* Records spill into the next block when one is full; order is kept across blocks. */
static void
test_spill_order(void **state)
{
	(void)state;
	uint64_t cap = block_cap(4);
	struct evq *q = evq_create(4);
	const uint32_t len = 1000;
	uint32_t per_block = (uint32_t)(cap / EV_RECORD_SPACE(len));
	uint32_t n = 3 * per_block + 5;

	for (uint32_t r = 0; r < n; r++)
		assert_non_null(put_pattern(q, EV_ROUTE_MON, r, len));
	/* full blocks went to the consumer as they filled */
	assert_int_equal(evq_backlog(q), 3);
	evq_flush(q);
	assert_int_equal(evq_backlog(q), 4);
	uint32_t r = 0;
	struct evq_block *b;
	while ((b = evq_take(q))) {
		uint32_t off = 0, in_block = 0;
		const struct ev_hdr *h;
		while ((h = evq_block_next(b, &off))) {
			check_pattern(h, r++, len);
			in_block++;
		}
		assert_true(in_block == per_block || (in_block == 5 && r == n));
		evq_give_back(q, b);
	}
	assert_int_equal(r, n);
	assert_int_equal(evq_room(q), 4 * cap);
	assert_int_equal(evq_put_failures(q), 0);
	evq_destroy(q);
}

/* Room shrinks with puts and flushes, and comes back with give_back. */
static void
test_room_accounting(void **state)
{
	(void)state;
	uint64_t cap = block_cap(2);
	struct evq *q = evq_create(2);

	assert_int_equal(evq_room(q), 2 * cap);
	assert_non_null(evq_put(q, EV_LOSS, sizeof(struct ev_loss)));
	assert_int_equal(evq_room(q), 2 * cap - EV_RECORD_SPACE(sizeof(struct ev_loss)));
	/* a flushed block is the consumer's: its spare space is gone too */
	evq_flush(q);
	assert_int_equal(evq_room(q), cap);
	evq_flush(q);                   /* nothing to flush: no change */
	assert_int_equal(evq_backlog(q), 1);
	assert_int_equal(evq_room(q), cap);
	struct evq_block *b = evq_take(q);
	assert_non_null(b);
	assert_int_equal(evq_backlog(q), 0);
	assert_int_equal(evq_room(q), cap);  /* taken is still in flight */
	evq_give_back(q, b);
	assert_int_equal(evq_room(q), 2 * cap);
	evq_destroy(q);
}

/* With every block in flight a put fails (NULL, counted) and nothing is lost. */
static void
test_all_blocks_in_flight(void **state)
{
	(void)state;
	uint64_t cap = block_cap(2);
	uint32_t big = (uint32_t)cap / 2;     /* two of these never share a block */
	struct evq *q = evq_create(2);

	assert_non_null(put_pattern(q, EV_ROUTE_MON, 0, big));
	assert_non_null(put_pattern(q, EV_ROUTE_MON, 1, big));
	assert_int_equal(evq_backlog(q), 1);
	assert_null(evq_put(q, EV_ROUTE_MON, big));
	assert_int_equal(evq_put_failures(q), 1);
	assert_null(evq_put(q, EV_LOSS, 8));
	assert_int_equal(evq_put_failures(q), 2);
	assert_int_equal(evq_room(q), 0);
	assert_int_equal(evq_backlog(q), 2);

	/* the consumer returns one block: the producer goes on */
	struct evq_block *b0 = evq_take(q);
	uint32_t off = 0;
	check_pattern(evq_block_next(b0, &off), 0, big);
	assert_null(evq_block_next(b0, &off));
	evq_give_back(q, b0);
	assert_int_equal(evq_room(q), cap);
	assert_non_null(put_pattern(q, EV_ROUTE_MON, 2, 8));
	evq_flush(q);

	struct evq_block *b1 = evq_take(q), *b2 = evq_take(q);
	assert_non_null(b1);
	assert_non_null(b2);
	assert_null(evq_take(q));
	off = 0;
	check_pattern(evq_block_next(b1, &off), 1, big);
	assert_null(evq_block_next(b1, &off));
	off = 0;
	check_pattern(evq_block_next(b2, &off), 2, 8);
	assert_null(evq_block_next(b2, &off));
	evq_give_back(q, b1);
	evq_give_back(q, b2);
	assert_int_equal(evq_room(q), 2 * cap);
	assert_int_equal(evq_put_failures(q), 2);
	evq_destroy(q);
}

/* Many cycles through a small queue: blocks are recycled without leaking room. */
static void
test_many_cycles(void **state)
{
	(void)state;
	uint64_t cap = block_cap(2);
	struct evq *q = evq_create(2);
	uint32_t rec = 0, got = 0;

	for (int cycle = 0; cycle < 500; cycle++) {
		for (int i = 0; i < 7; i++, rec++)
			assert_non_null(put_pattern(q, EV_ROUTE_MON, rec, rec % 50));
		evq_flush(q);
		struct evq_block *b;
		while ((b = evq_take(q))) {
			uint32_t off = 0;
			const struct ev_hdr *h;
			while ((h = evq_block_next(b, &off))) {
				check_pattern(h, got, got % 50);
				got++;
			}
			evq_give_back(q, b);
		}
		assert_int_equal(evq_room(q), 2 * cap);
	}
	assert_int_equal(got, rec);
	assert_int_equal(evq_put_failures(q), 0);
	evq_destroy(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_space),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_put_zeroes_header),
		cmocka_unit_test(test_max_record),
		cmocka_unit_test(test_spill_order),
		cmocka_unit_test(test_room_accounting),
		cmocka_unit_test(test_all_blocks_in_flight),
		cmocka_unit_test(test_many_cycles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
