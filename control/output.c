/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include "dataplane/obuf.h"
#include "output.h"

#define IOV_BATCH 64

/* One thing to write: the runs of a chunk with our bit, or own bytes. */
struct out_item {
	TAILQ_ENTRY(out_item) link;
	struct obuf_chunk *chunk;    /* NULL for a private message */
	uint8_t *priv;
	uint32_t priv_len;
	uint16_t run;                /* chunk: next run to look at */
	uint32_t off;                /* bytes of the current run / priv done */
};

TAILQ_HEAD(item_list, out_item);

struct output {
	struct outputs *os;
	unsigned slot;
	int fd;
	bool blocking;
	bool failed;
	uint64_t first_seq;          /* chunks before this one are not ours */
	char name[64];
	struct item_list items;
	struct output_stats st;
};

struct outputs {
	struct obuf *ob;
	struct output *slot[OBUF_MAX_SERVERS];
};

struct outputs *
outputs_create(struct obuf *ob)
{
	struct outputs *os = calloc(1, sizeof(*os));
	if (os)
		os->ob = ob;
	return os;
}

void
outputs_destroy(struct outputs *os)
{
	if (!os)
		return;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++)
		if (os->slot[i])
			outputs_remove(os, os->slot[i]);
	free(os);
}

struct output *
outputs_add(struct outputs *os, unsigned slot, int fd, bool blocking, const char *name)
{
	if (slot >= OBUF_MAX_SERVERS || os->slot[slot]) {
		errno = slot >= OBUF_MAX_SERVERS ? EINVAL : EBUSY;
		return NULL;
	}
	struct output *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->os = os;
	o->slot = slot;
	o->fd = fd;
	o->blocking = blocking;
	snprintf(o->name, sizeof(o->name), "%s", name);
	TAILQ_INIT(&o->items);
	os->slot[slot] = o;
	return o;
}

void
output_start_at(struct output *o, uint64_t seq)
{
	o->first_seq = seq;
}

static void
chunk_unref(struct outputs *os, struct obuf_chunk *c)
{
	if (--c->refs == 0)
		obuf_release(os->ob, c);
}

static void
item_free(struct output *o, struct out_item *it)
{
	TAILQ_REMOVE(&o->items, it, link);
	if (it->chunk)
		chunk_unref(o->os, it->chunk);
	free(it->priv);
	free(it);
}

void
outputs_remove(struct outputs *os, struct output *o)
{
	while (!TAILQ_EMPTY(&o->items))
		item_free(o, TAILQ_FIRST(&o->items));
	os->slot[o->slot] = NULL;
	free(o);
}

int
output_queue_msg(struct output *o, const void *msg, size_t len)
{
	struct out_item *it = calloc(1, sizeof(*it));
	uint8_t *copy = malloc(len);
	if (!it || !copy) {
		free(it);
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, msg, len);
	it->priv = copy;
	it->priv_len = (uint32_t)len;
	TAILQ_INSERT_TAIL(&o->items, it, link);
	o->st.bytes_queued += len;
	o->st.msgs_queued++;
	return 0;
}

static bool
chunk_wants(const struct obuf_chunk *c, unsigned slot, uint64_t *bytes, uint64_t *msgs)
{
	*bytes = *msgs = 0;
	for (unsigned r = 0; r < c->nruns; r++) {
		if (c->runs[r].mask & (1ull << slot)) {
			*bytes += c->runs[r].len;
			*msgs += c->runs[r].nmsgs;
		}
	}
	return *bytes > 0;
}

/* A failed output never writes again: hand its chunks back now, or they
 * would pin the buffer (and keep outputs_idle false) until removal. */
static void
output_fail(struct output *o)
{
	o->failed = true;
	o->st.write_errors++;
	while (!TAILQ_EMPTY(&o->items))
		item_free(o, TAILQ_FIRST(&o->items));
	o->st.bytes_queued = 0;
	o->st.msgs_queued = 0;
}

/* Give a new chunk to every output whose bit it carries. */
static void
distribute(struct outputs *os, struct obuf_chunk *c)
{
	c->refs = 0;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++) {
		struct output *o = os->slot[i];
		uint64_t bytes, msgs;
		if (!o || o->failed || c->seq < o->first_seq ||
		    !chunk_wants(c, i, &bytes, &msgs))
			continue;
		struct out_item *it = calloc(1, sizeof(*it));
		if (!it) {
			output_fail(o);
			continue;
		}
		it->chunk = c;
		TAILQ_INSERT_TAIL(&o->items, it, link);
		o->st.bytes_queued += bytes;
		o->st.msgs_queued += msgs;
		c->refs++;
	}
	if (c->refs == 0)
		obuf_release(os->ob, c);
}

/* Skip runs of the head chunk that are not ours. */
static void
skip_foreign_runs(const struct output *o, struct out_item *it)
{
	while (it->run < it->chunk->nruns &&
	       !(it->chunk->runs[it->run].mask & (1ull << o->slot)))
		it->run++;
}

/* Collect iovecs from the head of the FIFO; returns their count. */
static int
gather(struct output *o, struct iovec *iov, int max)
{
	int n = 0;
	struct out_item *it;
	TAILQ_FOREACH(it, &o->items, link) {
		if (!it->chunk) {
			iov[n++] = (struct iovec){ it->priv + it->off, it->priv_len - it->off };
		} else {
			skip_foreign_runs(o, it);
			uint32_t off = it->off;
			for (unsigned r = it->run; r < it->chunk->nruns && n < max; r++) {
				const struct obuf_run *run = &it->chunk->runs[r];
				if (run->mask & (1ull << o->slot)) {
					iov[n++] = (struct iovec){ it->chunk->data + run->off + off,
								   run->len - off };
				}
				off = 0;
			}
		}
		if (n >= max)
			break;
	}
	return n;
}

/* Account `done` written bytes against the head of the FIFO. */
static void
advance(struct output *o, size_t done)
{
	o->st.bytes_sent += done;
	o->st.bytes_queued -= done;
	while (!TAILQ_EMPTY(&o->items)) {
		struct out_item *it = TAILQ_FIRST(&o->items);
		if (!it->chunk) {
			size_t take = done < it->priv_len - it->off ? done : it->priv_len - it->off;
			it->off += (uint32_t)take;
			done -= take;
			if (it->off < it->priv_len)
				return;
			o->st.msgs_sent++;
			o->st.msgs_queued--;
			item_free(o, it);
			continue;
		}
		skip_foreign_runs(o, it);
		while (it->run < it->chunk->nruns) {
			const struct obuf_run *run = &it->chunk->runs[it->run];
			size_t take = done < run->len - it->off ? done : run->len - it->off;
			it->off += (uint32_t)take;
			done -= take;
			if (it->off < run->len)
				return;
			o->st.msgs_sent += run->nmsgs;
			o->st.msgs_queued -= run->nmsgs;
			it->run++;
			it->off = 0;
			skip_foreign_runs(o, it);
		}
		item_free(o, it);
	}
}

static int
output_write(struct output *o)
{
	struct iovec iov[IOV_BATCH];
	while (!o->failed && !TAILQ_EMPTY(&o->items)) {
		int n = gather(o, iov, IOV_BATCH);
		if (n == 0) {
			advance(o, 0);
			continue;
		}
		ssize_t w = writev(o->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !o->blocking)
			return 0;
		if (w < 0) {
			int err = errno;
			output_fail(o);
			errno = err;
			return -err;
		}
		advance(o, (size_t)w);
	}
	return 0;
}

int
outputs_pump(struct outputs *os)
{
	struct obuf_chunk *c;
	uint64_t failed_before = 0;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++)
		if (os->slot[i] && os->slot[i]->failed)
			failed_before |= 1ull << i;
	while ((c = obuf_take(os->ob)))
		distribute(os, c);
	int rc = 0;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++) {
		struct output *o = os->slot[i];
		if (!o)
			continue;
		output_write(o);
		/* newly failed here, in distribute() or in the write */
		if (o->failed && !(failed_before & (1ull << i)))
			rc = -1;
	}
	return rc;
}

bool
output_idle(const struct output *o)
{
	return TAILQ_EMPTY(&o->items);
}

bool
outputs_idle(const struct outputs *os)
{
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++)
		if (os->slot[i] && !os->slot[i]->failed && !output_idle(os->slot[i]))
			return false;
	return obuf_bytes_queued(os->ob) == 0;
}

bool
output_failed(const struct output *o)
{
	return o->failed;
}

int
output_fd(const struct output *o)
{
	return o->fd;
}

const char *
output_name(const struct output *o)
{
	return o->name;
}

const struct output_stats *
output_stats(const struct output *o)
{
	return &o->st;
}

struct output *
outputs_get(struct outputs *os, unsigned slot)
{
	return slot < OBUF_MAX_SERVERS ? os->slot[slot] : NULL;
}

/* Sequence of the first chunk o still holds; UINT64_MAX if none. */
static uint64_t
oldest_chunk(const struct output *o)
{
	const struct out_item *it;
	TAILQ_FOREACH(it, &o->items, link)
		if (it->chunk)
			return it->chunk->seq;
	return UINT64_MAX;
}

struct output *
outputs_oldest_pinner(struct outputs *os, uint64_t candidates)
{
	struct output *best = NULL;
	uint64_t best_seq = UINT64_MAX;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++) {
		struct output *o = os->slot[i];
		if (!o || !(candidates & (1ull << i)))
			continue;
		uint64_t seq = oldest_chunk(o);
		if (seq < best_seq) {
			best = o;
			best_seq = seq;
		}
	}
	return best;
}

uint64_t
outputs_slots(const struct outputs *os)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++)
		if (os->slot[i])
			m |= 1ull << i;
	return m;
}
