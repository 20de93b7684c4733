/* SPDX-License-Identifier: BSD-3-Clause */
/* Stations and filters: commands from the control thread, carried out
 * between records, resumable when output chunks run out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "counter.h"
#include "encoder_priv.h"
#include "obuf.h"

#define RING_SLOTS 256

struct filter_entry {
	uint8_t family;
	uint8_t addr[16];
	uint64_t slots;
};

/* Sorted once built: looked up at Peer Up only, never per message. */
struct enc_filter {
	uint64_t every_peer;
	unsigned n, max;
	bool sorted;
	struct filter_entry e[];
};

struct enc_filter *
enc_filter_create(uint64_t every_peer, unsigned max_entries)
{
	struct enc_filter *f = calloc(1, sizeof(*f) + max_entries * sizeof(f->e[0]));
	if (f) {
		f->every_peer = every_peer;
		f->max = max_entries;
	}
	return f;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct filter_entry *x = a, *y = b;
	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

int
enc_filter_add(struct enc_filter *f, uint8_t family, const uint8_t addr[16], uint64_t slots)
{
	if (f->n == f->max)
		return -ENOSPC;
	struct filter_entry *fe = &f->e[f->n++];
	fe->family = family;
	memcpy(fe->addr, addr, sizeof(fe->addr));
	fe->slots = slots;
	f->sorted = false;
	return 0;
}

uint64_t
enc_filter_lookup(const struct enc_filter *f, uint8_t family, const uint8_t addr[16])
{
	if (!f)
		return 0;
	struct filter_entry key = { .family = family };
	memcpy(key.addr, addr, sizeof(key.addr));
	const struct filter_entry *hit = NULL;
	if (f->sorted)
		hit = bsearch(&key, f->e, f->n, sizeof(f->e[0]), entry_cmp);
	else
		for (unsigned i = 0; i < f->n && !hit; i++)
			if (entry_cmp(&key, &f->e[i]) == 0)
				hit = &f->e[i];
	return f->every_peer | (hit ? hit->slots : 0);
}

void
enc_filter_free(struct enc_filter *f)
{
	free(f);
}

static void
filter_seal(struct enc_filter *f)
{
	qsort(f->e, f->n, sizeof(f->e[0]), entry_cmp);
	f->sorted = true;
}

static struct rte_ring *
ring_make(void)
{
	ssize_t sz = rte_ring_get_memsize(RING_SLOTS);
	struct rte_ring *r = sz < 0 ? NULL : aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE));
	if (r && rte_ring_init(r, "enc", RING_SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

int
enc_ctl_init(struct encoder *e, uint64_t every_peer)
{
	e->cmds = ring_make();
	e->acks = ring_make();
	e->notes = ring_make();
	e->filter = enc_filter_create(every_peer, 0);
	return e->cmds && e->acks && e->notes && e->filter ? 0 : -ENOMEM;
}

void
encoder_set_notes(struct encoder *e, bool on)
{
	__atomic_store_n(&e->notes_on, on, __ATOMIC_RELAXED);
}

void
enc_note(struct encoder *e, uint8_t type, uint8_t reason, const struct enc_peer *p,
	 uint64_t slots)
{
	if (!__atomic_load_n(&e->notes_on, __ATOMIC_RELAXED))
		return;
	struct enc_note *n = malloc(sizeof(*n));
	if (!n)
		return;
	*n = (struct enc_note){ .type = type, .reason = reason, .family = p->family,
				.slots = slots };
	memcpy(n->addr, p->addr, sizeof(n->addr));
	if (rte_ring_sp_enqueue(e->notes, n) != 0)
		free(n);
}

bool
encoder_next_note(struct encoder *e, struct enc_note *n)
{
	void *p;
	if (rte_ring_sc_dequeue(e->notes, &p) != 0)
		return false;
	*n = *(struct enc_note *)p;
	free(p);
	return true;
}

static void
drain_ring(struct rte_ring *r)
{
	void *p;
	while (r && rte_ring_sc_dequeue(r, &p) == 0) {
		struct enc_cmd *c = p;
		if (c->type == ENC_CMD_FILTER)
			enc_filter_free(c->filter);
		free(c);
	}
}

void
enc_ctl_fini(struct encoder *e)
{
	drain_ring(e->cmds);
	void *p;
	while (e->notes && rte_ring_sc_dequeue(e->notes, &p) == 0)
		free(p);
	free(e->notes);
	while (e->acks && rte_ring_sc_dequeue(e->acks, &p) == 0) {
		struct enc_ack *a = p;
		enc_filter_free(a->old);
		free(a);
	}
	if (e->job.busy && e->job.cmd.type == ENC_CMD_FILTER)
		enc_filter_free(e->job.cmd.filter);
	enc_filter_free(e->job.old);
	enc_filter_free(e->filter);
	free(e->cmds);
	free(e->acks);
}

/* ---- control thread side ---- */

static int
post(struct encoder *e, enum enc_cmd_type type, unsigned slot, struct enc_filter *f,
     struct enc_peers *peers)
{
	if (slot >= OBUF_MAX_SERVERS)
		return -EINVAL;
	struct enc_cmd *c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct enc_cmd){ type, slot, f, peers };
	if (rte_ring_sp_enqueue(e->cmds, c) != 0) {
		free(c);
		return -ENOBUFS;
	}
	return 0;
}

int
encoder_attach(struct encoder *e, unsigned slot)
{
	return post(e, ENC_CMD_ATTACH, slot, NULL, NULL);
}

int
encoder_detach(struct encoder *e, unsigned slot)
{
	return post(e, ENC_CMD_DETACH, slot, NULL, NULL);
}

int
encoder_set_filter(struct encoder *e, struct enc_filter *f)
{
	filter_seal(f);
	return post(e, ENC_CMD_FILTER, 0, f, NULL);
}

int
encoder_request_peers(struct encoder *e, struct enc_peers *buf)
{
	return post(e, ENC_CMD_PEERS, 0, NULL, buf);
}

bool
encoder_next_ack(struct encoder *e, struct enc_ack *ack)
{
	void *p;
	if (rte_ring_sc_dequeue(e->acks, &p) != 0)
		return false;
	*ack = *(struct enc_ack *)p;
	free(p);
	return true;
}

/* ---- encoder side ---- */

/* The ack ring holds RING_SLOTS - 1 and commands come one at a time from
 * a ring of the same size: an ack always fits. */
static void
ack(struct encoder *e, enum enc_ack_type type, unsigned slot, uint64_t seq,
    struct enc_filter *old)
{
	struct enc_ack *a = malloc(sizeof(*a));
	if (!a) {
		enc_filter_free(old);
		return;
	}
	*a = (struct enc_ack){ .type = type, .slot = slot, .first_seq = seq,
			       .peer_seq = e->up_seq, .old = old, .peers = e->job.cmd.peers };
	if (rte_ring_sp_enqueue(e->acks, a) != 0) {
		enc_filter_free(old);
		free(a);
	}
}

void
enc_ack_replay_done(struct encoder *e, uint32_t job)
{
	struct enc_ack *a = malloc(sizeof(*a));
	if (!a)
		return;
	*a = (struct enc_ack){ .type = ENC_ACK_REPLAY_DONE, .job = job };
	if (rte_ring_sp_enqueue(e->acks, a) != 0)
		free(a);
}

/* One peer of an attach: its Peer Up, if the slot monitors it. */
static bool
attach_peer(struct encoder *e, const struct enc_peer *p, uint64_t bit)
{
	if (!(p->mask & bit))
		return true;
	if (!enc_write_copy(e, p->peer_up, p->peer_up_len, bit))
		return false;
	CTR_INC(e->c.snapshot_peer_ups);
	return true;
}

/* One peer of a filter change: Peer Up where it is gained, Down where lost. */
static bool
refilter_peer(struct encoder *e, struct enc_peer *p)
{
	uint64_t now = enc_filter_lookup(e->filter, p->family, p->addr);
	uint64_t gained = now & ~p->mask & e->active, lost = p->mask & ~now & e->active;
	if (gained && !enc_write_copy(e, p->peer_up, p->peer_up_len, gained))
		return false;
	if (gained) {
		CTR_INC(e->c.snapshot_peer_ups);
		enc_note(e, BMP_MSG_PEER_UP, 0, p, gained);
	}
	/* record the Up now: if the Down below finds no chunk, this peer is
	 * retried and must not send its Up twice */
	p->mask |= gained;
	if (lost && !enc_write_deconfigured(e, p, lost))
		return false;
	if (lost)
		enc_note(e, BMP_MSG_PEER_DOWN, BMP_DOWN_DECONFIGURED, p, lost);
	p->mask = now;
	return true;
}

static void
fill_peers(struct encoder *e, struct enc_peers *out)
{
	const struct enc_peer *p;
	out->n = out->total = 0;
	TAILQ_FOREACH(p, &e->established, order) {
		if (out->n < out->cap) {
			struct enc_peer_info *i = &out->peer[out->n++];
			i->family = p->family;
			memcpy(i->addr, p->addr, sizeof(i->addr));
			memcpy(i->receiver, p->receiver, sizeof(i->receiver));
			/* per-peer header: type, flags, distinguisher, address, AS, ID */
			memcpy(i->distinguisher, p->hdr.b + 2, sizeof(i->distinguisher));
			i->as = wire_load_u32(p->hdr.b + 26);
			i->bgp_id = wire_load_u32(p->hdr.b + 30);
			i->slots = p->mask;
			i->rm_sent = p->rm_sent;
			i->up_ts_us = p->up_ts_us;
			i->queue = p->queue;
			i->slot = p->slot;
			i->up_seq = p->up_seq;
		}
		out->total++;
	}
}

static void
job_start(struct encoder *e, struct enc_job *j)
{
	j->started = true;
	j->next = TAILQ_FIRST(&e->established);
	if (j->cmd.type == ENC_CMD_ATTACH) {
		/* the slot's bytes start in a fresh chunk: tell control which */
		obuf_flush(e->out);
		ack(e, ENC_ACK_ATTACHED, j->cmd.slot, obuf_next_seq(e->out), NULL);
	} else if (j->cmd.type == ENC_CMD_FILTER) {
		j->old = e->filter;
		e->filter = j->cmd.filter;
	}
}

/* Walk the established peers from j->next; false when out of chunks. */
static bool
job_walk(struct encoder *e, struct enc_job *j)
{
	uint64_t bit = 1ull << j->cmd.slot;
	for (; j->next; j->next = TAILQ_NEXT(j->next, order)) {
		bool ok = j->cmd.type == ENC_CMD_ATTACH ? attach_peer(e, j->next, bit)
							: refilter_peer(e, j->next);
		if (!ok)
			return false;
	}
	return true;
}

static void
job_finish(struct encoder *e, struct enc_job *j)
{
	uint64_t bit = 1ull << j->cmd.slot;
	switch (j->cmd.type) {
	case ENC_CMD_ATTACH:
		e->active |= bit;
		CTR_INC(e->c.attached);
		break;
	case ENC_CMD_DETACH:
		e->active &= ~bit;
		ack(e, ENC_ACK_DETACHED, j->cmd.slot, 0, NULL);
		break;
	case ENC_CMD_FILTER:
		ack(e, ENC_ACK_FILTER, 0, 0, j->old);
		j->old = NULL;
		break;
	case ENC_CMD_PEERS:
		fill_peers(e, j->cmd.peers);
		ack(e, ENC_ACK_PEERS, 0, 0, NULL);
		break;
	}
	j->busy = false;
}

bool
enc_ctl_run(struct encoder *e)
{
	struct enc_job *j = &e->job;
	for (;;) {
		if (!j->busy) {
			void *p;
			if (rte_ring_sc_dequeue(e->cmds, &p) != 0)
				return true;
			*j = (struct enc_job){ .busy = true, .cmd = *(struct enc_cmd *)p };
			free(p);
		}
		if (!j->started)
			job_start(e, j);
		bool walks = j->cmd.type == ENC_CMD_ATTACH || j->cmd.type == ENC_CMD_FILTER;
		if (walks && !job_walk(e, j))
			return false;
		obuf_flush(e->out);
		job_finish(e, j);
	}
}
