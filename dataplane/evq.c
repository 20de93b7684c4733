/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "counter.h"
#include "evq.h"

struct evq_block {
	uint32_t used; /* bytes of records */
	uint32_t pad;
	uint8_t data[] __attribute__((aligned(EV_ALIGN)));
};

#define BLOCK_CAP (EVQ_BLOCK_SIZE - sizeof(struct evq_block))

struct evq {
	/* producer: owned by the RX lcore */
	struct evq_block *cur;
	uint64_t put_failures;
	/* shared through the rings only */
	struct rte_ring *full;  /* RX -> encoder, SP/SC */
	struct rte_ring *free;  /* encoder -> RX, SP/SC */
	unsigned nblocks;
	struct evq_block **blocks;
};

static struct rte_ring *
ring_make(unsigned count)
{
	ssize_t sz = rte_ring_get_memsize(count);
	if (sz < 0)
		return NULL;
	struct rte_ring *r = aligned_alloc(RTE_CACHE_LINE_SIZE,
					   RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE));
	if (r && rte_ring_init(r, "evq", count, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

static int
evq_alloc_blocks(struct evq *q)
{
	q->blocks = calloc(q->nblocks, sizeof(*q->blocks));
	if (!q->blocks)
		return -ENOMEM;
	for (unsigned i = 0; i < q->nblocks; i++) {
		q->blocks[i] = aligned_alloc(RTE_CACHE_LINE_SIZE, EVQ_BLOCK_SIZE);
		if (!q->blocks[i])
			return -ENOMEM;
		q->blocks[i]->used = 0;
		rte_ring_sp_enqueue(q->free, q->blocks[i]);
	}
	return 0;
}

struct evq *
evq_create(unsigned nblocks)
{
	if (nblocks < 2 || nblocks > 4096) {
		errno = EINVAL;
		return NULL;
	}
	struct evq *q = calloc(1, sizeof(*q));
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	q->nblocks = rte_align32pow2(nblocks);
	/* a ring of N slots holds N - 1: size both for every block */
	q->full = ring_make(q->nblocks * 2);
	q->free = ring_make(q->nblocks * 2);
	if (!q->full || !q->free || evq_alloc_blocks(q) != 0) {
		evq_destroy(q);
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

void
evq_destroy(struct evq *q)
{
	if (!q)
		return;
	for (unsigned i = 0; q->blocks && i < q->nblocks; i++)
		free(q->blocks[i]);
	free(q->blocks);
	free(q->full);
	free(q->free);
	free(q);
}

uint64_t
evq_room(struct evq *q)
{
	uint64_t room = q->cur ? BLOCK_CAP - q->cur->used : 0;
	return room + (uint64_t)rte_ring_count(q->free) * BLOCK_CAP;
}

static struct evq_block *
evq_next_block(struct evq *q)
{
	if (q->cur)
		rte_ring_sp_enqueue(q->full, q->cur);
	q->cur = NULL;
	void *b;
	if (rte_ring_sc_dequeue(q->free, &b) != 0)
		return NULL;
	q->cur = b;
	q->cur->used = 0;
	return q->cur;
}

struct ev_hdr *
evq_put(struct evq *q, enum ev_type type, uint32_t payload_len)
{
	uint32_t space = EV_RECORD_SPACE(payload_len);
	if (space > BLOCK_CAP)
		goto fail;
	if ((!q->cur || BLOCK_CAP - q->cur->used < space) && !evq_next_block(q))
		goto fail;
	struct ev_hdr *h = (struct ev_hdr *)(q->cur->data + q->cur->used);
	memset(h, 0, sizeof(*h));
	h->len = (uint32_t)sizeof(*h) + payload_len;
	h->type = (uint8_t)type;
	q->cur->used += space;
	return h;
fail:
	CTR_INC(q->put_failures);
	return NULL;
}

void
evq_flush(struct evq *q)
{
	if (!q->cur || q->cur->used == 0)
		return;
	rte_ring_sp_enqueue(q->full, q->cur);
	q->cur = NULL;
}

struct evq_block *
evq_take(struct evq *q)
{
	void *b;
	return rte_ring_sc_dequeue(q->full, &b) == 0 ? b : NULL;
}

const struct ev_hdr *
evq_block_next(const struct evq_block *b, uint32_t *off)
{
	if (*off >= b->used)
		return NULL;
	const struct ev_hdr *h = (const struct ev_hdr *)(b->data + *off);
	*off += EV_RECORD_SPACE(h->len - sizeof(*h));
	return h;
}

void
evq_give_back(struct evq *q, struct evq_block *b)
{
	b->used = 0;
	rte_ring_sp_enqueue(q->free, b);
}

unsigned
evq_backlog(const struct evq *q)
{
	return rte_ring_count(q->full);
}

uint64_t
evq_put_failures(const struct evq *q)
{
	return CTR_READ(q->put_failures);
}
