/* SPDX-License-Identifier: BSD-3-Clause */
/* Records to BMP messages: the encoder lcore's hot path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "counter.h"
#include "encoder_priv.h"
#include "event.h"
#include "evq.h"
#include "obuf.h"

#define TLV_HDR 4
/* Blocks of one queue per poll: no RX lcore starves the others. */
#define BLOCKS_PER_POLL 4

struct encoder *
encoder_create(const struct encoder_params *p)
{
	if (!p || !p->out || p->nqueues == 0 || p->peers_per_queue == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct encoder *e = calloc(1, sizeof(*e));
	if (!e || !(e->in = calloc(p->nqueues, sizeof(*e->in))))
		goto nomem;
	e->nin = p->nqueues;
	e->npeers = p->peers_per_queue;
	e->out = p->out;
	e->active = p->servers;
	e->flush_cycles = rte_get_tsc_hz() / 1000000u * ENCODER_FLUSH_US;
	TAILQ_INIT(&e->established);
	for (unsigned i = 0; i < p->nqueues; i++) {
		e->in[i].q = p->queues[i];
		e->in[i].peers = calloc(p->peers_per_queue, sizeof(struct enc_peer));
		if (!e->in[i].peers)
			goto nomem;
	}
	if (enc_ctl_init(e, p->servers) != 0)
		goto nomem;
	return e;
nomem:
	encoder_destroy(e);
	errno = ENOMEM;
	return NULL;
}

void
encoder_destroy(struct encoder *e)
{
	if (!e)
		return;
	for (unsigned i = 0; e->in && i < e->nin; i++) {
		for (uint32_t k = 0; e->in[i].peers && k < e->npeers; k++)
			free(e->in[i].peers[k].peer_up);
		free(e->in[i].peers);
	}
	enc_ctl_fini(e);
	free(e->in);
	free(e);
}

static uint32_t
payload_len(const struct ev_hdr *h)
{
	return h->len - (uint32_t)sizeof(*h);
}

static int
encode_peer_up(struct wire_buf *b, const struct enc_peer *pr, const struct ev_hdr *h)
{
	const struct ev_peer_up *up = (const struct ev_peer_up *)(h + 1);
	const uint8_t *sent = (const uint8_t *)(up + 1);
	const uint8_t *recv = sent + up->sent_open_len;
	struct bmp_tlv info = { BMP_INFO_STRING, up->info_len, recv + up->recv_open_len };
	return bmp_put_peer_up(b, &pr->hdr, h->ts_us, up->local_addr, up->local_port,
			       up->remote_port, sent, up->sent_open_len, recv,
			       up->recv_open_len, &info, up->info_len ? 1 : 0);
}

static int
encode_peer_down(struct wire_buf *b, const struct enc_peer *pr, const struct ev_hdr *h)
{
	const uint8_t *data = (const uint8_t *)(h + 1);
	uint32_t len = payload_len(h);
	uint16_t fsm = 0;
	if (h->aux == BMP_DOWN_LOCAL_NO_NOTIFY && len == sizeof(fsm)) {
		memcpy(&fsm, data, sizeof(fsm));
		len = 0;
	}
	return bmp_put_peer_down(b, &pr->hdr, h->ts_us, h->aux, data, len, fsm);
}

static int
encode(struct wire_buf *b, const struct enc_peer *pr, const struct ev_hdr *h)
{
	const uint8_t *data = (const uint8_t *)(h + 1);
	switch (h->type) {
	case EV_ROUTE_MON:
		return bmp_put_route_monitoring(b, &pr->hdr, h->ts_us, data, payload_len(h));
	case EV_PEER_DOWN:
		return encode_peer_down(b, pr, h);
	case EV_LOSS:
		return bmp_put_route_mirroring(b, &pr->hdr, h->ts_us, NULL, 0,
					       BMP_MIRROR_MESSAGES_LOST);
	case EV_ERRORED_PDU:
		return bmp_put_route_mirroring(b, &pr->hdr, h->ts_us, data, payload_len(h),
					       BMP_MIRROR_ERRORED_PDU);
	case EV_REPLAY_RM:
		return bmp_put_route_monitoring(b, &pr->hdr, h->ts_us,
						data + sizeof(struct ev_replay),
						payload_len(h) - (uint32_t)sizeof(struct ev_replay));
	case EV_STATS: {
		const struct ev_stats *st = (const struct ev_stats *)data;
		return bmp_put_stats_report(b, &pr->hdr, h->ts_us,
					    (const struct bmp_stat *)(st + 1), st->n);
	}
	}
	return -EINVAL;
}

static const uint8_t bmp_type_of[EV__COUNT] = {
	[EV_PEER_UP] = BMP_MSG_PEER_UP,
	[EV_ROUTE_MON] = BMP_MSG_ROUTE_MONITORING,
	[EV_PEER_DOWN] = BMP_MSG_PEER_DOWN,
	[EV_LOSS] = BMP_MSG_ROUTE_MIRRORING,
	[EV_ERRORED_PDU] = BMP_MSG_ROUTE_MIRRORING,
	[EV_REPLAY_RM] = BMP_MSG_ROUTE_MONITORING,
	[EV_STATS] = BMP_MSG_STATISTICS_REPORT,
};

/* Bytes the message for h needs at most (TLV and reason overheads). */
static uint32_t
msg_bound(const struct ev_hdr *h)
{
	return BMP_COMMON_HDR_LEN + BMP_PEER_HDR_LEN + 20 + 3 * TLV_HDR + 2 + payload_len(h);
}

/* A record's variable parts must fit its payload. */
static bool
record_ok(const struct ev_hdr *h)
{
	if (h->len < sizeof(*h))
		return false;
	uint32_t len = payload_len(h);
	const void *p = h + 1;
	switch (h->type) {
	case EV_PEER_UP: {
		const struct ev_peer_up *up = p;
		return len >= sizeof(*up) && (uint64_t)sizeof(*up) + up->sent_open_len +
						     up->recv_open_len + up->info_len <= len;
	}
	case EV_REPLAY_RM:
	case EV_REPLAY_DONE:
		return len >= sizeof(struct ev_replay);
	case EV_STATS: {
		const struct ev_stats *st = p;
		return len >= sizeof(*st) &&
		       (uint64_t)sizeof(*st) + (uint64_t)st->n * sizeof(struct bmp_stat) <= len;
	}
	}
	return true;
}

/* Copy an already encoded message to the slots of mask. */
bool
enc_write_copy(struct encoder *e, const uint8_t *msg, uint32_t len, uint64_t mask)
{
	if (!mask)
		return true;
	struct wire_buf *b = obuf_begin(e->out, len);
	if (!b)
		return false;
	wire_put_bytes(b, msg, len);
	obuf_commit(e->out, mask);
	return true;
}

bool
enc_write_deconfigured(struct encoder *e, const struct enc_peer *p, uint64_t mask)
{
	if (!mask)
		return true;
	struct wire_buf *b = obuf_begin(e->out, BMP_COMMON_HDR_LEN + BMP_PEER_HDR_LEN + 1);
	if (!b)
		return false;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (bmp_put_peer_down(b, &p->hdr, now, BMP_DOWN_DECONFIGURED, NULL, 0, 0) != 0)
		b->len = 0;
	obuf_commit(e->out, mask);
	CTR_INC(e->c.deconfigured);
	return true;
}

static void
peer_forget(struct encoder *e, struct enc_peer *pr)
{
	if (pr->up)
		TAILQ_REMOVE(&e->established, pr, order);
	pr->up = false;
	free(pr->peer_up);
	pr->peer_up = NULL;
}

/* Encode the Peer Up once, keep it for stations that attach later. */
static bool
peer_up(struct encoder *e, const struct enc_input *in, struct enc_peer *pr,
	const struct ev_hdr *h)
{
	const struct ev_peer_up *up = (const struct ev_peer_up *)(h + 1);
	uint32_t cap = msg_bound(h);
	uint8_t *msg = malloc(cap);
	struct wire_buf b = wire_buf_make(msg, msg ? cap : 0);
	uint64_t mask = enc_filter_lookup(e->filter, up->peer.family, up->peer.addr);
	bmp_peer_hdr_build(&pr->hdr, &up->peer);
	if (!msg || encode_peer_up(&b, pr, h) != 0) {
		/* a peer whose Peer Up no station saw must not get Route Monitoring */
		CTR_INC(e->c.encode_errors);
		free(msg);
		return true;
	}
	uint64_t to = mask & e->active;
	if (!enc_write_copy(e, msg, (uint32_t)b.len, to)) {
		free(msg);
		return false;
	}
	peer_forget(e, pr);
	pr->family = up->peer.family;
	memcpy(pr->addr, up->peer.addr, sizeof(pr->addr));
	memcpy(pr->receiver, up->local_addr, sizeof(pr->receiver));
	pr->mask = mask;
	pr->peer_up = msg;
	pr->peer_up_len = (uint32_t)b.len;
	pr->rm_sent = 0;
	pr->up_ts_us = h->ts_us;
	pr->up_seq = ++e->up_seq;
	pr->queue = (uint16_t)(in - e->in);
	pr->slot = h->peer;
	pr->up = true;
	TAILQ_INSERT_TAIL(&e->established, pr, order);
	enc_note(e, BMP_MSG_PEER_UP, 0, pr, to);
	if (to) {
		CTR_INC(e->c.msgs[BMP_MSG_PEER_UP]);
		CTR_ADD(e->c.bytes, b.len);
	} else {
		CTR_INC(e->c.no_server);
	}
	return true;
}

/* Replay and stats records name their stations; the rest go to all. */
static uint64_t
record_mask(const struct ev_hdr *h)
{
	if (h->type == EV_REPLAY_RM)
		return ((const struct ev_replay *)(h + 1))->mask;
	if (h->type == EV_STATS)
		return ((const struct ev_stats *)(h + 1))->mask;
	return UINT64_MAX;
}

/* false: no output chunk; the record must be retried. */
static bool
peer_record(struct encoder *e, struct enc_peer *pr, const struct ev_hdr *h)
{
	uint64_t mask = pr->mask & e->active & record_mask(h);
	if (mask) {
		struct wire_buf *b = obuf_begin(e->out, msg_bound(h));
		if (!b)
			return false;
		if (encode(b, pr, h) == 0) {
			CTR_INC(e->c.msgs[bmp_type_of[h->type]]);
			CTR_ADD(e->c.bytes, b->len);
			if (h->type == EV_ROUTE_MON || h->type == EV_REPLAY_RM)
				CTR_INC(pr->rm_sent);
			if (h->type == EV_REPLAY_RM)
				CTR_INC(e->c.replay_rm);
			if (h->type == EV_STATS)
				CTR_INC(e->c.stats_reports);
		} else {
			CTR_INC(e->c.encode_errors);
			b->len = 0;
		}
		obuf_commit(e->out, mask);
	} else {
		CTR_INC(e->c.no_server);
	}
	if (h->type == EV_PEER_DOWN) {
		enc_note(e, BMP_MSG_PEER_DOWN, (uint8_t)h->aux, pr, mask);
		peer_forget(e, pr);
	}
	return true;
}

static bool
handle(struct encoder *e, struct enc_input *in, const struct ev_hdr *h)
{
	if (h->type == 0 || h->type >= EV__COUNT || h->peer >= e->npeers || !record_ok(h)) {
		CTR_INC(e->c.bad_record);
		return true;
	}
	struct enc_peer *pr = &in->peers[h->peer];
	if (h->type == EV_PEER_UP)
		return peer_up(e, in, pr, h);
	if (h->type == EV_REPLAY_DONE) {
		/* all the job's messages are in chunks now: control may go on */
		obuf_flush(e->out);
		enc_ack_replay_done(e, ((const struct ev_replay *)(h + 1))->job);
		return true;
	}
	if (!pr->up) {
		CTR_INC(e->c.unknown_peer);
		return true;
	}
	return peer_record(e, pr, h);
}

static unsigned
drain_input(struct encoder *e, struct enc_input *in)
{
	unsigned n = 0, blocks = 0;
	for (;;) {
		if (!in->blk) {
			if (blocks++ == BLOCKS_PER_POLL)
				return n;
			in->blk = evq_take(in->q);
			in->off = 0;
			if (!in->blk)
				return n;
		}
		uint32_t at = in->off;
		const struct ev_hdr *h = evq_block_next(in->blk, &in->off);
		if (!h) {
			evq_give_back(in->q, in->blk);
			in->blk = NULL;
			continue;
		}
		if (!handle(e, in, h)) {
			in->off = at;
			e->stalled = true;
			CTR_INC(e->c.out_stalls);
			return n;
		}
		CTR_INC(e->c.records);
		n++;
	}
}

void
encoder_flush(struct encoder *e)
{
	obuf_flush(e->out);
	e->flush_at = 0;
}

/* Half full, or old enough: the chunk goes to the stations. */
static void
flush_if_due(struct encoder *e)
{
	uint32_t pending = obuf_pending(e->out);
	if (!pending) {
		e->flush_at = 0;
		return;
	}
	uint64_t now = rte_rdtsc();
	if (!e->flush_at)
		e->flush_at = now + e->flush_cycles;
	if (pending >= OBUF_CHUNK_SIZE / 2 || now >= e->flush_at || e->stalled)
		encoder_flush(e);
}

unsigned
encoder_poll(struct encoder *e)
{
	unsigned n = 0;
	e->stalled = !enc_ctl_run(e);
	for (unsigned i = 0; i < e->nin && !e->stalled; i++)
		n += drain_input(e, &e->in[i]);
	flush_if_due(e);
	return n;
}

bool
encoder_stalled(const struct encoder *e)
{
	return e->stalled;
}

const struct encoder_counters *
encoder_counters(const struct encoder *e)
{
	return &e->c;
}
