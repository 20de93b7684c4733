/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "encoder.h"
#include "event.h"
#include "evq.h"
#include "obuf.h"

#define TLV_HDR 4

struct enc_peer {
	struct bmp_peer_hdr hdr;
	bool up;
};

/* Where the encoder is in one queue's current block. */
struct enc_input {
	struct evq *q;
	struct evq_block *blk;
	uint32_t off;
	struct enc_peer *peers;
};

struct encoder {
	struct enc_input *in;
	unsigned nin;
	uint32_t npeers;
	struct obuf *out;
	uint64_t servers;
	bool stalled;
	struct encoder_counters c;
};

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
	e->servers = p->servers;
	for (unsigned i = 0; i < p->nqueues; i++) {
		e->in[i].q = p->queues[i];
		e->in[i].peers = calloc(p->peers_per_queue, sizeof(struct enc_peer));
		if (!e->in[i].peers)
			goto nomem;
	}
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
	for (unsigned i = 0; e->in && i < e->nin; i++)
		free(e->in[i].peers);
	free(e->in);
	free(e);
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
	uint32_t len = h->len - (uint32_t)sizeof(*h);
	uint16_t fsm = 0;
	if (h->aux == BMP_DOWN_LOCAL_NO_NOTIFY && len == sizeof(fsm)) {
		memcpy(&fsm, data, sizeof(fsm));
		len = 0;
	}
	return bmp_put_peer_down(b, &pr->hdr, h->ts_us, h->aux, data, len, fsm);
}

static int
encode(struct wire_buf *b, struct enc_peer *pr, const struct ev_hdr *h)
{
	const uint8_t *data = (const uint8_t *)(h + 1);
	uint32_t len = h->len - (uint32_t)sizeof(*h);
	switch (h->type) {
	case EV_PEER_UP:
		return encode_peer_up(b, pr, h);
	case EV_ROUTE_MON:
		return bmp_put_route_monitoring(b, &pr->hdr, h->ts_us, data, len);
	case EV_PEER_DOWN:
		return encode_peer_down(b, pr, h);
	case EV_LOSS:
		return bmp_put_route_mirroring(b, &pr->hdr, h->ts_us, NULL, 0,
					       BMP_MIRROR_MESSAGES_LOST);
	case EV_ERRORED_PDU:
		return bmp_put_route_mirroring(b, &pr->hdr, h->ts_us, data, len,
					       BMP_MIRROR_ERRORED_PDU);
	}
	return -EINVAL;
}

static const uint8_t bmp_type_of[EV__COUNT] = {
	[EV_PEER_UP] = BMP_MSG_PEER_UP,
	[EV_ROUTE_MON] = BMP_MSG_ROUTE_MONITORING,
	[EV_PEER_DOWN] = BMP_MSG_PEER_DOWN,
	[EV_LOSS] = BMP_MSG_ROUTE_MIRRORING,
	[EV_ERRORED_PDU] = BMP_MSG_ROUTE_MIRRORING,
};

/* Bytes the message for h needs at most (TLV and reason overheads). */
static uint32_t
msg_bound(const struct ev_hdr *h)
{
	return BMP_COMMON_HDR_LEN + BMP_PEER_HDR_LEN + 20 + 3 * TLV_HDR + 2 +
	       (h->len - (uint32_t)sizeof(*h));
}

/* A Peer Up's head, OPENs and text must lie within the record. */
static bool
record_ok(const struct ev_hdr *h)
{
	const struct ev_peer_up *up = (const struct ev_peer_up *)(h + 1);

	if (h->len < sizeof(*h))
		return false;
	if (h->type != EV_PEER_UP)
		return true;
	uint32_t len = h->len - (uint32_t)sizeof(*h);
	return len >= sizeof(*up) &&
	       (uint64_t)sizeof(*up) + up->sent_open_len + up->recv_open_len + up->info_len <= len;
}

/* false: no output chunk; the record must be retried. */
static bool
handle(struct encoder *e, struct enc_input *in, const struct ev_hdr *h)
{
	if (h->type == 0 || h->type >= EV__COUNT || h->peer >= e->npeers || !record_ok(h)) {
		CTR_INC(e->c.bad_record);
		return true;
	}
	struct enc_peer *pr = &in->peers[h->peer];
	if (h->type == EV_PEER_UP)
		bmp_peer_hdr_build(&pr->hdr, &((const struct ev_peer_up *)(h + 1))->peer);
	else if (!pr->up) {
		CTR_INC(e->c.unknown_peer);
		return true;
	}
	bool ok = true;
	if (e->servers) {
		struct wire_buf *b = obuf_begin(e->out, msg_bound(h));
		if (!b)
			return false;
		ok = encode(b, pr, h) == 0;
		if (ok) {
			CTR_INC(e->c.msgs[bmp_type_of[h->type]]);
			CTR_ADD(e->c.bytes, b->len);
		} else {
			CTR_INC(e->c.encode_errors);
			b->len = 0;
		}
		obuf_commit(e->out, e->servers);
	} else {
		CTR_INC(e->c.no_server);
	}
	/* a peer whose Peer Up no station saw must not get Route Monitoring */
	if (h->type == EV_PEER_UP)
		pr->up = ok;
	else if (h->type == EV_PEER_DOWN)
		pr->up = false;
	return true;
}

/* Blocks of one queue per poll: no RX lcore starves the others. */
#define BLOCKS_PER_POLL 4

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

unsigned
encoder_poll(struct encoder *e)
{
	unsigned n = 0;
	e->stalled = false;
	for (unsigned i = 0; i < e->nin && !e->stalled; i++)
		n += drain_input(e, &e->in[i]);
	obuf_flush(e->out);
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
