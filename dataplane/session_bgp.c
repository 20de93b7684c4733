/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP over a reassembled direction: framing, the per-type handling and
 * the session events that follow (Peer Up, Route Monitoring, Peer Down,
 * loss, errored PDUs). The mapping rules are documented in session.h.
 */
#include <stdlib.h>
#include <string.h>

#include "bmp.h"
#include "counter.h"
#include "event.h"
#include "session_priv.h"

#define US 1000000ull
#define FSM_HOLD_TIMER_EXPIRES 10

static const char INFERRED_INFO[] =
	"bmptap: session joined mid-stream, OPEN messages not captured; "
	"OPENs synthesized from the UPDATEs seen (4-octet AS, ADD-PATH, peer AS)";

static void
negotiate(struct session *s)
{
	struct sess_dir *a = &s->dir[0], *b = &s->dir[1];
	bgp_caps_negotiate(&a->open, &b->open, &a->caps);
	bgp_caps_negotiate(&b->open, &a->open, &b->caps);
	uint32_t max = a->caps.ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	bgp_framer_set_max(&a->fr, max);
	bgp_framer_set_max(&b->fr, max);
	s->caps_ready = true;
}

static void
on_open(struct session_table *t, struct session *s, int d, const struct bgp_frame *f)
{
	struct sess_dir *sd = &s->dir[d];
	if (sd->state != DIR_IDLE) {
		CTR_INC(t->c.skipped[SKIP_UNEXPECTED_OPEN]);
		return;
	}
	struct bgp_open op;
	enum bgp_err err = bgp_parse_open(f->msg, f->len, &op);
	if (err != BGP_OK) {
		CTR_INC(t->c.bgp_errors[err]);
		return;
	}
	uint8_t *copy = malloc(f->len);
	if (!copy)
		return;
	memcpy(copy, f->msg, f->len);
	free(sd->open_msg);
	sd->open_msg = copy;
	sd->open_len = (uint16_t)f->len;
	sd->open = op;
	sd->open_seen = true;
	sd->inferred = false;
	CTR_INC(t->c.skipped[SKIP_OPEN]);
	if (s->dir[!d].open_seen)
		negotiate(s);
}

/* The sender's KEEPALIVE or UPDATE after both OPENs: Established. */
static bool
ensure_up(struct session_table *t, struct session *s, int d, const struct bgp_frame *f,
	  uint64_t ts)
{
	struct sess_dir *sd = &s->dir[d];
	if (sd->state == DIR_UP)
		return true;
	if (sd->state == DIR_DOWN)
		return false;
	if (!s->caps_ready) {
		if (f->type != BGP_MSG_UPDATE)
			return false;
		sess_infer(s, d, f->msg, f->len);
	}
	sess_emit_peer_up(t, s, d, ts, sd->inferred ? INFERRED_INFO : NULL);
	return sd->state == DIR_UP;
}

static void
on_update(struct session_table *t, struct session *s, int d, const struct bgp_frame *f,
	  uint64_t ts)
{
	struct sess_dir *sd = &s->dir[d];
	if (!ensure_up(t, s, d, f, ts)) {
		CTR_INC(t->c.skipped[SKIP_NOT_ESTABLISHED]);
		return;
	}
	struct bgp_update u;
	enum bgp_err err = bgp_parse_update(f->msg, f->len, &sd->caps, &u);
	if (err != BGP_OK) {
		CTR_INC(t->c.bgp_errors[err]);
		CTR_INC(t->c.errored_pdu);
		sess_emit_simple(t, sd->peer, EV_ERRORED_PDU, ts, f->msg, f->len);
		return;
	}
	CTR_INC(t->c.route_mon);
	sess_rib_apply(t, sd, &u);
	sess_emit_simple(t, sd->peer, EV_ROUTE_MON, ts, f->msg, f->len);
}

static void
on_notification(struct session_table *t, struct session *s, int d, const struct bgp_frame *f,
		uint64_t ts)
{
	struct bgp_notification n;
	enum bgp_err err = bgp_parse_notification(f->msg, f->len, &n);
	if (err != BGP_OK)
		CTR_INC(t->c.bgp_errors[err]);
	if (s->dir[0].state != DIR_UP && s->dir[1].state != DIR_UP)
		CTR_INC(t->c.skipped[SKIP_NOTIFY_BEFORE_UP]);
	sess_peers_down(t, s, ts, d, f->msg, f->len);
}

static void
on_message(struct session_table *t, struct session *s, int d, const struct bgp_frame *f,
	   uint64_t ts)
{
	CTR_INC(t->c.bgp_msgs[f->type]);
	s->dir[d].last_msg_us = ts;
	switch (f->type) {
	case BGP_MSG_OPEN:
		on_open(t, s, d, f);
		break;
	case BGP_MSG_UPDATE:
		on_update(t, s, d, f, ts);
		break;
	case BGP_MSG_NOTIFICATION:
		on_notification(t, s, d, f, ts);
		break;
	case BGP_MSG_KEEPALIVE:
		ensure_up(t, s, d, f, ts);
		CTR_INC(t->c.skipped[SKIP_KEEPALIVE]);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		CTR_INC(t->c.skipped[SKIP_ROUTE_REFRESH]);
		break;
	}
}

/* One loss report per gap or bad header; the bytes a resync then skips
 * belong to the same loss and are only counted. */
static void
report_loss(struct session_table *t, struct session *s, int d, uint64_t bytes, uint64_t ts)
{
	struct sess_dir *sd = &s->dir[d];
	CTR_INC(t->c.loss_events);
	CTR_ADD(t->c.loss_bytes, bytes);
	if (sd->state != DIR_UP) {
		CTR_INC(t->c.loss_before_up);
		return;
	}
	sess_emit_loss(t, sd->peer, ts, bytes);
	/* messages are missing from the mirror until the session resets */
	sd->rib_partial = true;
	sd->loss_events++;
	sd->loss_bytes += bytes;
}

static void
frame_chunk(struct session_table *t, struct session *s, int d, const uint8_t *data,
	    uint32_t len, uint64_t ts)
{
	struct bgp_frame f;
	for (;;) {
		enum bgp_frame_result r = bgp_framer_next(&s->dir[d].fr, &data, &len, &f);
		CTR_ADD(t->c.framer_skipped, f.skipped);
		if (r == BGP_FRAME_MORE)
			return;
		if (r == BGP_FRAME_BAD) {
			CTR_INC(t->c.framer_bad);
			CTR_INC(t->c.bgp_errors[f.err]);
			report_loss(t, s, d, 0, ts);
			continue;
		}
		on_message(t, s, d, &f, ts);
	}
}

static void
on_eof(struct session_table *t, struct session *s, int d, uint64_t ts)
{
	if (s->dir[d].eof)
		return;
	s->dir[d].eof = true;
	sess_peers_down(t, s, ts, -1, NULL, 0);
}

void
sess_dir_consume(struct session_table *t, struct session *s, int d, uint64_t ts)
{
	struct sess_dir *sd = &s->dir[d];
	struct reasm_chunk ch;
	while (reasm_pop(t->reasm, &sd->rs, &ch)) {
		if (ch.resync)
			bgp_framer_resync(&sd->fr);
		if (ch.gap)
			report_loss(t, s, d, ch.gap, ts);
		if (ch.len)
			frame_chunk(t, s, d, ch.data, ch.len, ts);
		if (ch.eof)
			on_eof(t, s, d, ts);
	}
}

static void
peer_down(struct session_table *t, struct session *s, int d, uint64_t ts, int reason,
	  const uint8_t *data, uint32_t len, uint16_t fsm)
{
	struct sess_dir *sd = &s->dir[d];
	if (sd->state == DIR_UP) {
		bool notified = reason == BMP_DOWN_LOCAL_NOTIFY || reason == BMP_DOWN_REMOTE_NOTIFY;
		sess_emit_peer_down(t, sd->peer, ts, reason, data, len, fsm);
		sess_rib_down(t, s, d, notified, ts);
		sess_peer_free(t, sd->peer);
		sd->peer = NO_PEER;
		CTR_INC(t->c.peer_down);
	}
	sd->state = DIR_DOWN;
}

/*
 * The session is over for both peers. closer: the direction whose sender
 * sent the NOTIFICATION `notif`, or -1 when it ended without one.
 */
void
sess_peers_down(struct session_table *t, struct session *s, uint64_t ts, int closer,
		const uint8_t *notif, uint32_t notif_len)
{
	for (int d = 0; d < 2; d++) {
		if (closer < 0)
			peer_down(t, s, d, ts, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0, 0);
		else if (d == closer)
			peer_down(t, s, d, ts, BMP_DOWN_REMOTE_NOTIFY, notif, notif_len, 0);
		else
			peer_down(t, s, d, ts, BMP_DOWN_LOCAL_NOTIFY, notif, notif_len, 0);
	}
	s->state = SESS_CLOSED;
}

static uint64_t
hold_time_us(const struct session_table *t, const struct session *s)
{
	if (!s->caps_ready || s->dir[0].inferred || s->dir[1].inferred)
		return (uint64_t)t->p.inferred_hold_s * US;
	uint16_t a = s->dir[0].open.hold_time, b = s->dir[1].open.hold_time;
	uint16_t hold = a < b ? a : b;
	return hold ? (uint64_t)hold * US : 0;
}

/* A sender silent past the hold time: its receiver has torn the session
 * down, whatever the tap missed. */
void
sess_hold_check(struct session_table *t, struct session *s, uint64_t now)
{
	uint64_t hold = hold_time_us(t, s);
	if (hold == 0)
		return;
	hold += (uint64_t)t->p.hold_grace_s * US;
	for (int d = 0; d < 2; d++) {
		struct sess_dir *sd = &s->dir[d];
		if (sd->state != DIR_UP || now <= sd->last_msg_us + hold)
			continue;
		CTR_INC(t->c.hold_expired);
		peer_down(t, s, d, now, BMP_DOWN_LOCAL_NO_NOTIFY, NULL, 0, FSM_HOLD_TIMER_EXPIRES);
		peer_down(t, s, !d, now, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0, 0);
		s->state = SESS_CLOSED;
		return;
	}
}
