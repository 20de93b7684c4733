/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "obuf.h"

#define CHUNK_DATA_CAP (OBUF_CHUNK_SIZE - sizeof(struct obuf_chunk))

struct obuf {
	/* encoder-owned */
	struct obuf_chunk *cur;
	struct wire_buf wb;
	uint64_t next_seq;
	unsigned allocated;     /* written by the encoder, read by anyone */
	uint64_t starved;       /* written by the encoder, read by anyone */
	/* shared */
	uint64_t bytes_queued;  /* atomic: encoder adds, control subtracts */
	unsigned max_chunks;
	struct rte_ring *full;  /* encoder -> control, SP/SC */
	struct rte_ring *free;  /* control -> encoder, SP/SC */
	struct obuf_chunk **all;
};

static struct rte_ring *
ring_make(unsigned count)
{
	ssize_t sz = rte_ring_get_memsize(count);
	if (sz < 0)
		return NULL;
	struct rte_ring *r = aligned_alloc(RTE_CACHE_LINE_SIZE,
					   RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE));
	if (r && rte_ring_init(r, "obuf", count, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

struct obuf *
obuf_create(unsigned max_chunks)
{
	if (max_chunks < 2 || max_chunks > (1u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	struct obuf *ob = calloc(1, sizeof(*ob));
	if (!ob)
		goto nomem;
	ob->max_chunks = max_chunks;
	unsigned slots = rte_align32pow2(max_chunks + 1);
	ob->full = ring_make(slots);
	ob->free = ring_make(slots);
	ob->all = calloc(max_chunks, sizeof(*ob->all));
	if (!ob->full || !ob->free || !ob->all)
		goto nomem;
	return ob;
nomem:
	obuf_destroy(ob);
	errno = ENOMEM;
	return NULL;
}

void
obuf_destroy(struct obuf *ob)
{
	if (!ob)
		return;
	for (unsigned i = 0; i < ob->allocated; i++)
		free(ob->all[i]);
	free(ob->all);
	free(ob->full);
	free(ob->free);
	free(ob);
}

static struct obuf_chunk *
chunk_get(struct obuf *ob)
{
	void *c;
	if (rte_ring_sc_dequeue(ob->free, &c) == 0)
		return c;
	if (ob->allocated >= ob->max_chunks)
		return NULL;
	struct obuf_chunk *n = aligned_alloc(RTE_CACHE_LINE_SIZE, OBUF_CHUNK_SIZE);
	if (!n)
		return NULL;
	ob->all[ob->allocated] = n;
	__atomic_store_n(&ob->allocated, ob->allocated + 1, __ATOMIC_RELAXED);
	return n;
}

struct wire_buf *
obuf_begin(struct obuf *ob, uint32_t need)
{
	if (need > CHUNK_DATA_CAP)
		return NULL;
	struct obuf_chunk *c = ob->cur;
	if (c && (CHUNK_DATA_CAP - c->len < need || c->nruns == OBUF_MAX_RUNS)) {
		obuf_flush(ob);
		c = NULL;
	}
	if (!c) {
		c = chunk_get(ob);
		if (!c) {
			__atomic_store_n(&ob->starved, ob->starved + 1, __ATOMIC_RELAXED);
			return NULL;
		}
		c->seq = ob->next_seq++;
		c->len = 0;
		c->nruns = 0;
		c->refs = 0;
		ob->cur = c;
	}
	ob->wb = wire_buf_make(c->data + c->len, need);
	return &ob->wb;
}

void
obuf_commit(struct obuf *ob, uint64_t mask)
{
	struct obuf_chunk *c = ob->cur;
	uint32_t len = (uint32_t)ob->wb.len;
	if (!c || ob->wb.overflow || len == 0)
		return;
	struct obuf_run *r = c->nruns ? &c->runs[c->nruns - 1] : NULL;
	if (!r || r->mask != mask) {
		r = &c->runs[c->nruns++];
		*r = (struct obuf_run){ .off = c->len, .mask = mask };
	}
	r->len += len;
	r->nmsgs++;
	c->len += len;
	ob->wb.len = 0;
}

void
obuf_flush(struct obuf *ob)
{
	struct obuf_chunk *c = ob->cur;
	if (!c || c->len == 0)
		return;
	__atomic_fetch_add(&ob->bytes_queued, c->len, __ATOMIC_RELAXED);
	rte_ring_sp_enqueue(ob->full, c);
	ob->cur = NULL;
}

uint32_t
obuf_pending(const struct obuf *ob)
{
	return ob->cur ? ob->cur->len : 0;
}

uint64_t
obuf_next_seq(const struct obuf *ob)
{
	return ob->next_seq;
}

struct obuf_chunk *
obuf_take(struct obuf *ob)
{
	void *c;
	return rte_ring_sc_dequeue(ob->full, &c) == 0 ? c : NULL;
}

void
obuf_release(struct obuf *ob, struct obuf_chunk *c)
{
	__atomic_fetch_sub(&ob->bytes_queued, c->len, __ATOMIC_RELAXED);
	rte_ring_sp_enqueue(ob->free, c);
}

uint64_t
obuf_bytes_queued(const struct obuf *ob)
{
	return __atomic_load_n(&ob->bytes_queued, __ATOMIC_RELAXED);
}

uint64_t
obuf_starved(const struct obuf *ob)
{
	return __atomic_load_n(&ob->starved, __ATOMIC_RELAXED);
}

unsigned
obuf_chunks_allocated(const struct obuf *ob)
{
	return __atomic_load_n(&ob->allocated, __ATOMIC_RELAXED);
}

unsigned
obuf_max_chunks(const struct obuf *ob)
{
	return ob->max_chunks;
}
