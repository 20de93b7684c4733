/* SPDX-License-Identifier: BSD-3-Clause */
/* Peer slots and the records sent to the encoder (event.h). */
#include <string.h>

#include "bmp.h"
#include "counter.h"
#include "event.h"
#include "evq.h"
#include "session_priv.h"

uint32_t
sess_peer_alloc(struct session_table *t)
{
	if (t->peer_free_n == 0) {
		CTR_INC(t->c.peer_slots_full);
		return NO_PEER;
	}
	return t->peer_free[--t->peer_free_n];
}

void
sess_peer_free(struct session_table *t, uint32_t peer)
{
	if (peer != NO_PEER)
		t->peer_free[t->peer_free_n++] = peer;
}

static struct ev_hdr *
put(struct session_table *t, enum ev_type type, uint32_t peer, uint64_t ts, uint32_t len)
{
	struct ev_hdr *h = evq_put(t->q, type, len);
	if (!h) {
		CTR_INC(t->c.evq_full);
		return NULL;
	}
	h->peer = peer;
	h->ts_us = ts;
	return h;
}

/*
 * The receiver distinguishes peers: one sender seen towards several
 * receivers must stay several peers at the collector. IPv4 receiver:
 * a type-1 route distinguisher "receiver:0"; IPv6 receiver: the two
 * halves of its address XORed (readable it is not, stable it is).
 */
static void
receiver_distinguisher(const struct flow_key *k, int receiver, uint8_t out[8])
{
	const uint8_t *a = k->addr[receiver];
	if (k->family == 4) {
		const uint8_t rd[8] = { 0, 1, a[0], a[1], a[2], a[3], 0, 0 };
		memcpy(out, rd, 8);
		return;
	}
	for (int i = 0; i < 8; i++)
		out[i] = a[i] ^ a[8 + i];
}

static void
fill_peer(const struct session *s, int d, struct bmp_peer *p)
{
	const struct sess_dir *sd = &s->dir[d];
	memset(p, 0, sizeof(*p));
	p->type = BMP_PEER_LOCAL;
	p->flags = sd->caps.as4 ? 0 : BMP_PEER_FLAG_A;
	p->family = s->key.family;
	receiver_distinguisher(&s->key, !d, p->distinguisher);
	memcpy(p->addr, s->key.addr[d], 16);
	p->as = sd->open.asn;
	p->bgp_id = sd->open.bgp_id;
}

void
sess_emit_peer_up(struct session_table *t, struct session *s, int d, uint64_t ts,
		  const char *info)
{
	struct sess_dir *sd = &s->dir[d], *od = &s->dir[!d];
	uint32_t info_len = info ? (uint32_t)strlen(info) : 0;
	uint32_t len = sizeof(struct ev_peer_up) + od->open_len + sd->open_len + info_len;
	uint32_t peer = sess_peer_alloc(t);
	if (peer == NO_PEER)
		return;
	struct ev_hdr *h = put(t, EV_PEER_UP, peer, ts, len);
	if (!h) {
		sess_peer_free(t, peer);
		return;
	}
	struct ev_peer_up *up = (struct ev_peer_up *)(h + 1);
	fill_peer(s, d, &up->peer);
	memcpy(up->local_addr, s->key.addr[!d], 16);
	up->local_port = s->key.port[!d];
	up->remote_port = s->key.port[d];
	up->sent_open_len = od->open_len;
	up->recv_open_len = sd->open_len;
	up->info_len = (uint16_t)info_len;
	uint8_t *p = (uint8_t *)(up + 1);
	memcpy(p, od->open_msg, od->open_len);
	memcpy(p + od->open_len, sd->open_msg, sd->open_len);
	if (info_len)
		memcpy(p + od->open_len + sd->open_len, info, info_len);
	h->flags = sd->inferred || od->inferred ? EV_PEER_INFERRED : 0;
	sd->state = DIR_UP;
	sd->peer = peer;
	sess_rib_up(t, s, d);
	CTR_INC(t->c.peer_up);
	if (h->flags & EV_PEER_INFERRED)
		CTR_INC(t->c.peer_up_inferred);
}

void
sess_emit_simple(struct session_table *t, uint32_t peer, int type, uint64_t ts,
		 const uint8_t *data, uint32_t len)
{
	struct ev_hdr *h = put(t, (enum ev_type)type, peer, ts, len);
	if (h)
		memcpy(h + 1, data, len);
}

void
sess_emit_peer_down(struct session_table *t, uint32_t peer, uint64_t ts, int reason,
		    const uint8_t *data, uint32_t len, uint16_t fsm_event)
{
	bool has_fsm = reason == BMP_DOWN_LOCAL_NO_NOTIFY;
	struct ev_hdr *h = put(t, EV_PEER_DOWN, peer, ts, has_fsm ? 2 : len);
	if (!h)
		return;
	h->aux = (uint16_t)reason;
	if (has_fsm)
		memcpy(h + 1, &fsm_event, sizeof(fsm_event));
	else if (len)
		memcpy(h + 1, data, len);
}

void
sess_emit_loss(struct session_table *t, uint32_t peer, uint64_t ts, uint64_t bytes)
{
	struct ev_hdr *h = put(t, EV_LOSS, peer, ts, sizeof(struct ev_loss));
	if (h)
		((struct ev_loss *)(h + 1))->bytes = bytes;
}

void
sess_emit_replay(struct session_table *t, uint32_t peer, int type, uint64_t ts,
		 uint64_t mask, uint32_t job, const uint8_t *msg, uint32_t len)
{
	struct ev_hdr *h = put(t, (enum ev_type)type, peer, ts,
			       (uint32_t)sizeof(struct ev_replay) + len);
	if (!h)
		return;
	struct ev_replay *r = (struct ev_replay *)(h + 1);
	r->mask = mask;
	r->job = job;
	if (len)
		memcpy(r + 1, msg, len);
}
