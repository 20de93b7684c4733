/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Adj-RIB-In mirror of each peer: built from Peer Up on, cleared at
 * Peer Down, or kept stale across a graceful restart (RFC 4724) until the
 * restarted session's End-of-RIB or the restart time. Replay slices and
 * Statistics Reports are asked for by the control thread (pipeline.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bmp.h"
#include "counter.h"
#include "event.h"
#include "evq.h"
#include "session_priv.h"

#define US 1000000ull
#define GR_FLAG_N 0x40           /* RFC 8538: notification too (high nibble) */
#define REPLAY_SLICE (64u * 1024u)
#define MAX_STATS (8 + 2 * BGP_AF__COUNT)

static bool
same_pair(const struct stale_rib *r, const struct session *s, int d)
{
	return r->family == s->key.family && !memcmp(r->sender, s->key.addr[d], 16) &&
	       !memcmp(r->receiver, s->key.addr[!d], 16);
}

/* A restarted session takes over the stale mirror of the same speakers. */
static struct mirror *
adopt_stale(struct session_table *t, const struct session *s, int d, uint64_t *deadline)
{
	struct stale_rib *r;
	TAILQ_FOREACH(r, &t->stale, link) {
		if (!same_pair(r, s, d))
			continue;
		struct mirror *m = r->rib;
		*deadline = r->deadline_us;
		TAILQ_REMOVE(&t->stale, r, link);
		free(r);
		CTR_INC(t->c.rib_gr_adopted);
		return m;
	}
	return NULL;
}

void
sess_rib_up(struct session_table *t, struct session *s, int d)
{
	struct sess_dir *sd = &s->dir[d];
	t->peer_at[sd->peer] = (struct peer_ref){ s, (uint8_t)d };
	sd->loss_events = sd->loss_bytes = 0;
	sd->rib_partial = sd->inferred;
	sd->stale_deadline_us = 0;
	sd->rib = adopt_stale(t, s, d, &sd->stale_deadline_us);
	if (!sd->rib)
		sd->rib = mirror_create();
	if (!sd->rib) {
		sd->rib_partial = true;
		CTR_INC(t->c.rib_nomem);
	}
}

/* Both speakers graceful-restart capable, and the session ended by the
 * transport (or by NOTIFICATION with RFC 8538's N bit on both sides). */
static bool
gr_applies(const struct session *s, int d, bool notified)
{
	const struct sess_dir *sd = &s->dir[d], *od = &s->dir[!d];
	if (sd->inferred || od->inferred || !sd->open.cap_graceful_restart ||
	    !od->open.cap_graceful_restart || !sd->open.gr_af_mask)
		return false;
	return !notified || ((sd->open.gr_flags & GR_FLAG_N) && (od->open.gr_flags & GR_FLAG_N));
}

static void
keep_stale(struct session_table *t, struct session *s, int d, uint64_t now)
{
	struct sess_dir *sd = &s->dir[d];
	struct stale_rib *r = calloc(1, sizeof(*r));
	if (!r) {
		mirror_destroy(sd->rib);
		return;
	}
	mirror_mark_stale(sd->rib, sd->open.gr_af_mask);
	r->family = s->key.family;
	memcpy(r->sender, s->key.addr[d], 16);
	memcpy(r->receiver, s->key.addr[!d], 16);
	r->rib = sd->rib;
	r->deadline_us = now + (uint64_t)sd->open.gr_restart_time * US;
	TAILQ_INSERT_TAIL(&t->stale, r, link);
	CTR_INC(t->c.rib_gr_kept);
}

void
sess_rib_down(struct session_table *t, struct session *s, int d, bool notified, uint64_t now)
{
	struct sess_dir *sd = &s->dir[d];
	if (sd->peer != NO_PEER)
		t->peer_at[sd->peer] = (struct peer_ref){ NULL, 0 };
	if (!sd->rib)
		return;
	if (gr_applies(s, d, notified))
		keep_stale(t, s, d, now);
	else
		mirror_destroy(sd->rib);
	sd->rib = NULL;
}

void
sess_rib_apply(struct session_table *t, struct sess_dir *sd, const struct bgp_update *u)
{
	if (sd->rib && mirror_apply(sd->rib, u, &sd->caps) != 0) {
		sd->rib_partial = true;
		CTR_INC(t->c.rib_nomem);
	}
}

void
sess_rib_tick(struct session_table *t, struct session *s, uint64_t now)
{
	(void)t;
	for (int d = 0; d < 2; d++) {
		struct sess_dir *sd = &s->dir[d];
		if (sd->rib && sd->stale_deadline_us && now >= sd->stale_deadline_us) {
			mirror_purge_stale(sd->rib, -1);
			sd->stale_deadline_us = 0;
		}
	}
}

/* Stale mirrors nobody adopted within the restart time are dropped. */
void
sess_rib_expire(struct session_table *t, uint64_t now)
{
	struct stale_rib *r, *next;
	for (r = TAILQ_FIRST(&t->stale); r; r = next) {
		next = TAILQ_NEXT(r, link);
		if (now < r->deadline_us)
			continue;
		TAILQ_REMOVE(&t->stale, r, link);
		mirror_destroy(r->rib);
		free(r);
	}
}

void
sess_rib_table_fini(struct session_table *t)
{
	struct stale_rib *r;
	while ((r = TAILQ_FIRST(&t->stale))) {
		TAILQ_REMOVE(&t->stale, r, link);
		mirror_destroy(r->rib);
		free(r);
	}
}

/* ---- replay ---- */

static int
replay_done(struct session_table *t, uint32_t peer, uint32_t job, uint64_t mask, uint64_t now)
{
	if (evq_room(t->q) < 4096)
		return -EAGAIN;
	sess_emit_replay(t, peer, EV_REPLAY_DONE, now, mask, job, NULL, 0);
	return 0;
}

/* One record per UPDATE of the slice. */
static void
emit_slice(struct session_table *t, uint32_t peer, uint32_t job, uint64_t mask, uint64_t now,
	   const uint8_t *p, size_t len)
{
	while (len >= BGP_HDR_LEN) {
		uint16_t mlen = wire_load_u16(p + BGP_MARKER_LEN);
		if (mlen < BGP_HDR_LEN || mlen > len)
			break;
		sess_emit_replay(t, peer, EV_REPLAY_RM, now, mask, job, p, mlen);
		CTR_INC(t->c.replay_msgs);
		p += mlen;
		len -= mlen;
	}
}

int
session_replay(struct session_table *t, uint32_t peer, uint32_t job, uint64_t mask,
	       struct mirror_cursor *c, size_t budget, uint64_t now)
{
	struct peer_ref *ref = peer < t->npeers ? &t->peer_at[peer] : NULL;
	struct sess_dir *sd = ref && ref->s ? &ref->s->dir[ref->d] : NULL;
	if (!sd || !sd->rib)
		return replay_done(t, peer, job, mask, now);
	uint32_t max_msg = sd->caps.ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	size_t len = budget < REPLAY_SLICE ? budget : REPLAY_SLICE;
	if (len < max_msg)
		len = max_msg;
	/* a record per UPDATE: header overhead is below 2x the bytes */
	if (evq_room(t->q) < 2 * len + 4096)
		return -EAGAIN;
	unsigned n;
	size_t got = mirror_replay(sd->rib, c, &sd->caps, sd->caps.af_mask, max_msg,
				   t->replay_buf, len, &n);
	/* with a slice of at least max_msg an empty result means the end */
	if (got == 0 || c->done) {
		if (got)
			emit_slice(t, peer, job, mask, now, t->replay_buf, got);
		return replay_done(t, peer, job, mask, now);
	}
	emit_slice(t, peer, job, mask, now, t->replay_buf, got);
	return (int)got;
}

/* ---- statistics ---- */

static unsigned
add(struct bmp_stat *st, unsigned n, uint16_t type, uint8_t kind, enum bgp_af af, uint64_t v)
{
	st[n] = (struct bmp_stat){ .type = type, .kind = kind, .value = v };
	if (kind == BMP_STAT_AF_GAUGE64) {
		st[n].afi = bgp_af_afi(af);
		st[n].safi = bgp_af_safi(af);
	}
	return n + 1;
}

/* Per-family gauges for the families a mirror holds routes of. */
static unsigned
add_af(struct bmp_stat *st, unsigned n, uint16_t type, const struct mirror *m)
{
	for (int af = 0; m && af < BGP_AF__COUNT; af++) {
		uint64_t v = mirror_routes_af(m, (enum bgp_af)af);
		if (v)
			n = add(st, n, type, BMP_STAT_AF_GAUGE64, (enum bgp_af)af, v);
	}
	return n;
}

/* The peer's RFC 7854/8671 statistics; Adj-RIB-Out (post-policy) of the
 * local side is what the receiver sent the peer: the other direction's
 * mirror. */
static unsigned
rfc_stats(const struct session *s, int d, struct bmp_stat *st)
{
	const struct sess_dir *sd = &s->dir[d], *od = &s->dir[!d];
	const struct mirror_stats *ms = mirror_stats(sd->rib);
	unsigned n = 0;
	n = add(st, n, BMP_STAT_DUP_PREFIX_ADV, BMP_STAT_COUNTER32, 0, ms->dup_advertisements);
	n = add(st, n, BMP_STAT_DUP_WITHDRAW, BMP_STAT_COUNTER32, 0, ms->dup_withdraws);
	n = add(st, n, BMP_STAT_DUP_UPDATES, BMP_STAT_COUNTER32, 0, ms->dup_updates);
	n = add(st, n, BMP_STAT_ADJ_RIB_IN, BMP_STAT_GAUGE64, 0, mirror_routes(sd->rib));
	n = add_af(st, n, BMP_STAT_ADJ_RIB_IN_AF, sd->rib);
	if (od->rib) {
		n = add(st, n, BMP_STAT_ADJ_RIB_OUT_POST, BMP_STAT_GAUGE64, 0, mirror_routes(od->rib));
		n = add_af(st, n, BMP_STAT_ADJ_RIB_OUT_POST_AF, od->rib);
	}
	return n;
}

/* What only the tap knows, in the experimental range, in a message of its
 * own: decoders that stop at unknown types still read the RFC report. */
static unsigned
tap_stats(const struct sess_dir *sd, struct bmp_stat *st)
{
	unsigned n = 0;
	n = add(st, n, BMP_STAT_TAP_GAPS, BMP_STAT_COUNTER32, 0, sd->loss_events);
	n = add(st, n, BMP_STAT_TAP_LOST_BYTES, BMP_STAT_GAUGE64, 0, sd->loss_bytes);
	n = add(st, n, BMP_STAT_TAP_PARTIAL, BMP_STAT_GAUGE64, 0, sd->rib_partial);
	return n;
}

static int
emit_stats(struct session_table *t, uint32_t peer, uint64_t mask, uint64_t now,
	   const struct bmp_stat *st, unsigned n)
{
	struct ev_hdr *h = evq_put(t->q, EV_STATS, (uint32_t)(sizeof(struct ev_stats) +
				   n * sizeof(struct bmp_stat)));
	if (!h) {
		CTR_INC(t->c.evq_full);
		return -EAGAIN;
	}
	h->peer = peer;
	h->ts_us = now;
	struct ev_stats *es = (struct ev_stats *)(h + 1);
	es->mask = mask;
	es->n = n;
	memcpy(es + 1, st, n * sizeof(struct bmp_stat));
	CTR_INC(t->c.stats_records);
	return 0;
}

int
session_stats(struct session_table *t, uint64_t mask, uint64_t now)
{
	size_t rec = EV_RECORD_SPACE(sizeof(struct ev_stats) + MAX_STATS * sizeof(struct bmp_stat));
	uint64_t up = t->npeers - t->peer_free_n;
	if (evq_room(t->q) < 2 * up * rec + 4096)
		return -EAGAIN;
	for (uint32_t p = 0; p < t->npeers; p++) {
		const struct peer_ref *ref = &t->peer_at[p];
		if (!ref->s || !ref->s->dir[ref->d].rib)
			continue;
		struct bmp_stat st[MAX_STATS];
		unsigned n = rfc_stats(ref->s, ref->d, st);
		if (emit_stats(t, p, mask, now, st, n) != 0)
			return -EAGAIN;
		n = tap_stats(&ref->s->dir[ref->d], st);
		if (emit_stats(t, p, mask, now, st, n) != 0)
			return -EAGAIN;
	}
	return 0;
}

uint64_t
session_table_routes(const struct session_table *t)
{
	uint64_t n = 0;
	for (uint32_t p = 0; p < t->npeers; p++)
		if (t->peer_at[p].s && t->peer_at[p].s->dir[t->peer_at[p].d].rib)
			n += mirror_routes(t->peer_at[p].s->dir[t->peer_at[p].d].rib);
	return n;
}

size_t
session_table_rib_bytes(const struct session_table *t)
{
	size_t n = 0;
	const struct stale_rib *r;
	for (uint32_t p = 0; p < t->npeers; p++)
		if (t->peer_at[p].s && t->peer_at[p].s->dir[t->peer_at[p].d].rib)
			n += mirror_bytes(t->peer_at[p].s->dir[t->peer_at[p].d].rib);
	TAILQ_FOREACH(r, &t->stale, link)
		n += mirror_bytes(r->rib);
	return n;
}
