/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/encoder.h"
#include "dataplane/obuf.h"
#include "dataplane/pipeline.h"
#include "log.h"
#include "output.h"
#include "refresh.h"

#define SNAPSHOT_CAP 65536u

enum phase { PH_IDLE, PH_WAIT_PEERS, PH_RUNNING };

struct batch_peer {
	uint16_t queue;
	uint32_t slot;
	uint64_t slots;              /* stations of the batch to replay it to */
};

struct refresh {
	struct pipeline *pl;
	struct encoder *enc;
	struct outputs *outs;
	enum cfg_refresh_mode mode;
	uint64_t delay_ms;
	uint64_t pending;            /* stations waiting for the next batch */
	uint64_t pending_since;      /* when the first of them attached; 0: none */
	enum phase phase;
	uint64_t mask;               /* the running batch's stations */
	struct batch_peer *peers;
	unsigned npeers;
	unsigned next;               /* index of the peer being replayed */
	uint32_t seq;
	uint32_t job;
	bool job_active;
	uint64_t granted;            /* credit given to the current job */
	uint64_t attach_seq[OBUF_MAX_SERVERS]; /* peers up at each station's attach */
	uint64_t sent_base[OBUF_MAX_SERVERS];
	uint64_t last_sent[OBUF_MAX_SERVERS];
	uint64_t progress_at[OBUF_MAX_SERVERS];
	uint64_t batches, replays;
};

struct refresh *
refresh_create(struct pipeline *pl, struct encoder *enc, struct outputs *outs)
{
	struct refresh *r = calloc(1, sizeof(*r));
	if (r) {
		r->pl = pl;
		r->enc = enc;
		r->outs = outs;
		r->delay_ms = CFG_DEF_REFRESH_DELAY * 1000u;
	}
	return r;
}

void
refresh_destroy(struct refresh *r)
{
	if (r)
		free(r->peers);
	free(r);
}

void
refresh_configure(struct refresh *r, enum cfg_refresh_mode mode, uint32_t delay_s)
{
	r->mode = mode;
	r->delay_ms = (uint64_t)delay_s * 1000u;
	if (mode == CFG_REFRESH_SKIP)
		r->pending = r->pending_since = 0;
}

void
refresh_attached(struct refresh *r, unsigned slot, uint64_t peer_seq, uint64_t now)
{
	if (r->mode == CFG_REFRESH_SKIP || peer_seq == 0)
		return;
	r->attach_seq[slot] = peer_seq;
	r->pending |= 1ull << slot;
	if (!r->pending_since)
		r->pending_since = now;
}

void
refresh_detached(struct refresh *r, unsigned slot)
{
	r->pending &= ~(1ull << slot);
	r->mask &= ~(1ull << slot);
	if (!r->pending)
		r->pending_since = 0;
}

static void
batch_end(struct refresh *r)
{
	log_debug(LOGC_EVENT, "BMP initial refresh done: %u peer(s)", r->npeers);
	free(r->peers);
	r->peers = NULL;
	r->npeers = r->next = 0;
	r->mask = 0;
	r->phase = PH_IDLE;
	r->batches++;
}

static void
grant(struct refresh *r)
{
	const struct batch_peer *p = &r->peers[r->next];
	if (pipeline_replay_credit(r->pl, p->queue, r->job, REFRESH_CREDIT) == 0)
		r->granted += REFRESH_CREDIT;
}

static void
job_bases(struct refresh *r, uint64_t now)
{
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++) {
		const struct output *o = outputs_get(r->outs, i);
		r->sent_base[i] = r->last_sent[i] = o ? output_stats(o)->bytes_sent : 0;
		r->progress_at[i] = now;
	}
}

/* Start the next peer the batch's stations monitor; end the batch after. */
static void
launch(struct refresh *r, uint64_t now)
{
	for (; r->next < r->npeers && r->mask; r->next++) {
		const struct batch_peer *p = &r->peers[r->next];
		uint64_t to = p->slots & r->mask;
		if (!to)
			continue;
		if (pipeline_replay(r->pl, p->queue, p->slot, r->seq + 1, to) != 0)
			return; /* command ring full: next tick */
		r->job = ++r->seq;
		r->job_active = true;
		r->granted = 0;
		job_bases(r, now);
		grant(r);
		return;
	}
	batch_end(r);
}

void
refresh_on_peers(struct refresh *r, struct enc_peers *snap)
{
	if (r->phase != PH_WAIT_PEERS) {
		free(snap);
		return;
	}
	r->peers = calloc(snap->n ? snap->n : 1, sizeof(*r->peers));
	for (unsigned i = 0; r->peers && i < snap->n; i++) {
		const struct enc_peer_info *pi = &snap->peer[i];
		uint64_t to = 0;
		for (unsigned k = 0; k < OBUF_MAX_SERVERS; k++)
			if (((pi->slots & r->mask) >> k & 1) && pi->up_seq <= r->attach_seq[k])
				to |= 1ull << k;
		if (to)
			r->peers[r->npeers++] = (struct batch_peer){ pi->queue, pi->slot, to };
	}
	free(snap);
	r->phase = PH_RUNNING;
	r->next = 0;
	log_debug(LOGC_EVENT, "BMP initial refresh: %u peer(s), one at a time", r->npeers);
}

void
refresh_on_done(struct refresh *r, uint32_t job)
{
	if (r->phase != PH_RUNNING || !r->job_active || job != r->job)
		return;
	r->job_active = false;
	r->replays++;
	r->next++;
}

static void
start_batch(struct refresh *r)
{
	struct enc_peers *snap = malloc(sizeof(*snap) + SNAPSHOT_CAP * sizeof(snap->peer[0]));
	if (!snap)
		return;
	snap->cap = SNAPSHOT_CAP;
	snap->tag = ENC_PEERS_TAG_REFRESH;
	if (encoder_request_peers(r->enc, snap) != 0) {
		free(snap);
		return;
	}
	r->mask = r->pending;
	r->pending = r->pending_since = 0;
	r->phase = PH_WAIT_PEERS;
}

/*
 * Credit for the running job: none while a station of the batch that
 * still makes progress holds a full queue; otherwise keep at most two
 * slices in flight beyond what the slowest station has read.
 */
static void
pace(struct refresh *r, uint64_t now)
{
	uint64_t read_min = UINT64_MAX;
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++) {
		const struct output *o = (r->mask >> i) & 1 ? outputs_get(r->outs, i) : NULL;
		if (!o)
			continue;
		const struct output_stats *st = output_stats(o);
		if (st->bytes_sent != r->last_sent[i]) {
			r->last_sent[i] = st->bytes_sent;
			r->progress_at[i] = now;
		}
		if (now - r->progress_at[i] >= REFRESH_STALL_MS)
			continue;
		if (st->bytes_queued >= REFRESH_LOW_WATER)
			return;
		uint64_t read = st->bytes_sent - r->sent_base[i];
		if (read < read_min)
			read_min = read;
	}
	if (read_min == UINT64_MAX || r->granted < read_min + 2 * REFRESH_CREDIT)
		grant(r);
}

void
refresh_tick(struct refresh *r, uint64_t now)
{
	if (r->phase == PH_IDLE && r->pending && now >= r->pending_since + r->delay_ms)
		start_batch(r);
	if (r->phase != PH_RUNNING)
		return;
	if (!r->job_active)
		launch(r, now);
	else
		pace(r, now);
}

void
refresh_state(const struct refresh *r, uint64_t now, struct refresh_state *out)
{
	memset(out, 0, sizeof(*out));
	out->in_progress = r->phase != PH_IDLE;
	out->scheduled = r->pending != 0;
	uint64_t at = r->pending_since + r->delay_ms;
	out->starts_in_ms = out->scheduled && at > now ? at - now : 0;
	out->peer = r->next;
	out->peers = r->npeers;
	out->stations = r->phase != PH_IDLE ? r->mask : r->pending;
	out->batches = r->batches;
	out->replays = r->replays;
}

unsigned
refresh_queue_position(const struct refresh *r, unsigned queue, uint32_t slot)
{
	for (unsigned i = r->next; r->phase == PH_RUNNING && i < r->npeers; i++)
		if (r->peers[i].queue == queue && r->peers[i].slot == slot)
			return i - r->next + 1;
	return 0;
}
