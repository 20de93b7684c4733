/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly fuzzer. The input is a header then 5-byte records applied to
 * one of two streams with small limits:
 *
 *   header: limits selector, then the ISN base (4 bytes, big-endian)
 *   record: op/flags, seq offset (int16, from the highest byte offered;
 *           times 65536 for a far push), length, time step
 *
 * Every payload byte is f(stream, absolute sequence number), so each
 * delivered byte can be checked against its position: a byte lost without
 * a gap or delivered twice shows up as a mismatch. Records may ask for a
 * corrupted copy (conflicting overlap); content checks stop for that
 * stream, structural checks go on. After each record the stream is
 * drained and the invariants checked; at the end both streams are
 * flushed: nothing may stay buffered, and every byte accepted must have
 * been delivered or reported lost.
 */
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/reasm.h"
#include "dataplane/wire.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

enum { REC_LEN = 5, HDR_LEN = 5 };

/* record byte 0 */
#define R_STREAM 0x01
#define R_OP 0x06           /* 0: push; 1: far push; 2: ack; 3: flush */
#define R_FIN 0x08
#define R_SYN 0x10
#define R_RST 0x20
#define R_CORRUPT 0x40
#define R_FAIL_ALLOC 0x80

struct model {
	struct reasm_stream st;
	bool started;
	bool eof;
	bool unchecked;             /* a corrupted copy was offered */
	bool ended;                 /* a FIN or RST was accepted */
	uint32_t want_end;          /* end of the data accepted (before any FIN) */
	uint32_t pos;               /* sequence number of the next byte out */
	uint32_t hi;                /* highest byte offered, base for offsets */
	uint32_t stream_id;
};

struct run {
	struct reasm_ctx *ctx;
	struct reasm_limits lim;
	struct model m[2];
	uint64_t ts;
	uint64_t delivered;
	uint64_t lost;
	uint32_t isn;
};

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

static uint8_t
byte_at(uint32_t stream_id, uint32_t seq)
{
	uint32_t h = (seq ^ (stream_id * 0x9e3779b9u)) * 0x85ebca6bu;

	return (uint8_t)(h >> 24 ^ h >> 11);
}

static void
check_chunk(struct run *r, struct model *m, const struct reasm_chunk *c)
{
	uint32_t i;

	CHECK(!m->eof);
	CHECK(c->len || c->gap || c->eof);
	CHECK(!c->gap || c->resync);
	m->pos += c->gap;
	if (!m->unchecked)
		for (i = 0; i < c->len; i++)
			CHECK(c->data[i] == byte_at(m->stream_id, m->pos + i));
	m->pos += c->len;
	r->delivered += c->len;
	r->lost += c->gap;
	m->eof = c->eof;
}

static void
drain(struct run *r, struct model *m)
{
	const struct reasm_counters *ctr = reasm_ctx_counters(r->ctx);
	uint32_t before = m->st.next_seq;
	struct reasm_chunk c;
	int guard = 0;

	while (reasm_pop(r->ctx, &m->st, &c)) {
		CHECK(++guard < 100000);
		check_chunk(r, m, &c);
	}
	CHECK(!reasm_pop(r->ctx, &m->st, &c));
	if (m->started) {
		CHECK(seq_ge(m->st.next_seq, before));
		CHECK(m->st.next_seq - m->pos <= 1);
	}
	CHECK(reasm_ctx_mem_used(r->ctx) <= r->lim.lcore_max_bytes);
	CHECK(m->st.ooo_bytes <= r->lim.stream_max_bytes);
	CHECK(m->st.ooo_segs <= r->lim.stream_max_segs);
	CHECK(ctr->bytes_delivered == r->delivered);
	CHECK(ctr->gap_bytes == r->lost);
}

static void
restart(struct run *r, struct model *m)
{
	reasm_stream_release(r->ctx, &m->st);
	reasm_stream_init(&m->st);
	m->started = m->eof = m->unchecked = m->ended = false;
}

/*
 * What an accepted segment adds to the bytes owed by the end. RST data is
 * ignored; the first FIN not behind the stream ends it, and buffered data
 * past it is dropped (counted).
 */
static void
expect_end(struct model *m, uint8_t fl, uint32_t end, uint32_t len)
{
	if (fl & TH_RST) {
		m->ended = true;
	} else if (fl & TH_FIN) {
		if (seq_ge(end, m->pos)) {
			m->want_end = end;
			m->ended = true;
		}
	} else if (len && seq_gt(end, m->want_end)) {
		m->want_end = end;
	}
}

static void
push(struct run *r, struct model *m, const uint8_t *rec)
{
	static uint8_t buf[256];
	uint8_t fl = (uint8_t)((rec[0] & R_FIN ? TH_FIN : 0) | (rec[0] & R_SYN ? TH_SYN : 0) |
			       (rec[0] & R_RST ? TH_RST : 0) | TH_ACK);
	uint32_t off = (uint32_t)(int16_t)wire_load_u16(rec + 1);
	uint32_t seq = m->started ? m->hi + (rec[0] & R_OP ? off << 16 : off) : r->isn;
	uint32_t data_seq = (fl & TH_SYN) ? seq + 1 : seq;
	uint32_t i, len = rec[3];
	enum reasm_push_result res;

	for (i = 0; i < len; i++)
		buf[i] = byte_at(m->stream_id, data_seq + i) ^ (rec[0] & R_CORRUPT ? 0x5a : 0);
	fail_allocs = (rec[0] & R_FAIL_ALLOC) ? 1 : 0;
	res = reasm_push(r->ctx, &m->st, seq, fl, buf, len, r->ts);
	if (res == REASM_NEW_ISN) {
		restart(r, m);
		res = reasm_push(r->ctx, &m->st, seq, fl, buf, len, r->ts);
	}
	if ((rec[0] & R_CORRUPT) && len)
		m->unchecked = true;
	if (!m->started) {
		m->started = true;
		m->pos = m->hi = m->want_end = data_seq;
	}
	if (res == REASM_OK && !m->ended)
		expect_end(m, fl, data_seq + len, len);
	if (seq_gt(data_seq + len, m->hi) && seq_lt(data_seq + len, m->hi + 0x10000))
		m->hi = data_seq + len;
	fail_allocs = 0;
	drain(r, m);
}

static void
record(struct run *r, const uint8_t *rec)
{
	struct model *m = &r->m[rec[0] & R_STREAM];

	r->ts += (uint64_t)rec[4] * 4;
	switch ((rec[0] & R_OP) >> 1) {
	case 2:
		reasm_ack(r->ctx, &m->st, m->hi + (uint32_t)(int16_t)wire_load_u16(rec + 1), r->ts);
		drain(r, m);
		break;
	case 3:
		reasm_flush(r->ctx, &m->st);
		drain(r, m);
		break;
	default:
		push(r, m, rec);
		break;
	}
}

static void
setup(struct run *r, const uint8_t *hdr)
{
	memset(r, 0, sizeof(*r));
	r->lim.stream_max_bytes = 64u << (hdr[0] & 3);
	r->lim.stream_max_segs = 2u << (hdr[0] >> 2 & 3);
	r->lim.lcore_max_bytes = 128u << (hdr[0] >> 4 & 3);
	r->lim.ack_grace_us = 50u << (hdr[0] >> 6);
	r->isn = wire_load_u32(hdr + 1);
	r->ctx = reasm_ctx_create(&r->lim);
	CHECK(r->ctx);
	for (int i = 0; i < 2; i++) {
		reasm_stream_init(&r->m[i].st);
		r->m[i].stream_id = (uint32_t)i;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r;
	size_t off;
	int i;

	if (size < HDR_LEN)
		return 0;
	setup(&r, data);
	for (off = HDR_LEN; off + REC_LEN <= size; off += REC_LEN)
		record(&r, data + off);
	/* giving up on every hole must leave nothing buffered */
	for (i = 0; i < 2; i++) {
		reasm_flush(r.ctx, &r.m[i].st);
		drain(&r, &r.m[i]);
		CHECK(!r.m[i].started || seq_ge(r.m[i].pos, r.m[i].want_end));
	}
	CHECK(reasm_ctx_mem_used(r.ctx) == 0);
	for (i = 0; i < 2; i++)
		reasm_stream_release(r.ctx, &r.m[i].st);
	reasm_ctx_destroy(r.ctx);
	return 0;
}
