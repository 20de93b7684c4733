/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow lifecycle: lookup and creation, LRU order, timers, eviction,
 * restart on tuple reuse, drain at end of input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "evq.h"
#include "session_priv.h"

#define US 1000000ull
#define EVICT_SCAN 64          /* LRU entries looked at for a victim */
#define TICK_US (1 * US)
/* Event bytes one session's timers can emit (two Peer Downs), with margin. */
#define TICK_ROOM 4096u

static const char *const skip_names[SKIP__COUNT] = {
	[SKIP_KEEPALIVE] = "keepalive",
	[SKIP_ROUTE_REFRESH] = "route_refresh",
	[SKIP_OPEN] = "open",
	[SKIP_NOT_ESTABLISHED] = "not_established",
	[SKIP_NOTIFY_BEFORE_UP] = "notification_before_up",
	[SKIP_UNEXPECTED_OPEN] = "unexpected_open",
};

const char *
session_skip_name(enum session_skip s)
{
	return (unsigned)s < SKIP__COUNT ? skip_names[s] : "unknown";
}

static void
params_defaults(struct session_params *p)
{
	if (!p->idle_timeout_s)
		p->idle_timeout_s = 120;
	if (!p->closed_linger_s)
		p->closed_linger_s = 2;
	if (!p->hold_grace_s)
		p->hold_grace_s = 5;
	if (!p->inferred_hold_s)
		p->inferred_hold_s = 240;
}

struct session_table *
session_table_create(const struct session_params *p, struct evq *q)
{
	if (!p || !q || p->max_flows == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct session_table *t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->p = *p;
	params_defaults(&t->p);
	t->q = q;
	TAILQ_INIT(&t->lru);
	t->ft = flowtab_create(p->max_flows);
	t->reasm = reasm_ctx_create(&p->reasm);
	t->npeers = 2 * p->max_flows;
	t->peer_free = calloc(t->npeers, sizeof(*t->peer_free));
	t->peer_at = calloc(t->npeers, sizeof(*t->peer_at));
	t->replay_buf = malloc(2 * BGP_EXT_MAX_LEN);
	TAILQ_INIT(&t->stale);
	if (!t->ft || !t->reasm || !t->peer_free || !t->peer_at || !t->replay_buf)
		goto nomem;
	/* pop order 0, 1, 2...: slot numbers stay small and readable */
	for (uint32_t i = 0; i < 2 * p->max_flows; i++)
		t->peer_free[i] = 2 * p->max_flows - 1 - i;
	t->peer_free_n = 2 * p->max_flows;
	return t;
nomem:
	session_table_destroy(t);
	errno = ENOMEM;
	return NULL;
}

static void
sess_dir_release(struct session_table *t, struct sess_dir *d)
{
	reasm_stream_release(t->reasm, &d->rs);
	bgp_framer_release(&d->fr);
	free(d->open_msg);
	d->open_msg = NULL;
	mirror_destroy(d->rib);
	d->rib = NULL;
	if (d->state == DIR_UP) {
		t->peer_at[d->peer] = (struct peer_ref){ NULL, 0 };
		sess_peer_free(t, d->peer);
	}
	d->peer = NO_PEER;
}

static void
sess_dir_init(struct sess_dir *d)
{
	memset(d, 0, sizeof(*d));
	reasm_stream_init(&d->rs);
	bgp_framer_init(&d->fr, BGP_MAX_LEN);
	d->peer = NO_PEER;
}

static void
session_free(struct session_table *t, struct session *s)
{
	sess_dir_release(t, &s->dir[0]);
	sess_dir_release(t, &s->dir[1]);
	free(s);
}

void
session_table_destroy(struct session_table *t)
{
	if (!t)
		return;
	struct session *s;
	while ((s = TAILQ_FIRST(&t->lru))) {
		TAILQ_REMOVE(&t->lru, s, lru);
		session_free(t, s);
	}
	sess_rib_table_fini(t);
	flowtab_destroy(t->ft);
	reasm_ctx_destroy(t->reasm);
	free(t->peer_free);
	free(t->peer_at);
	free(t->replay_buf);
	free(t);
}

static void
session_remove(struct session_table *t, struct session *s)
{
	flowtab_del(t->ft, &s->key, s->hash);
	TAILQ_REMOVE(&t->lru, s, lru);
	session_free(t, s);
	CTR_INC(t->c.flows_removed);
}

static bool
session_established(const struct session *s)
{
	return s->dir[0].state == DIR_UP || s->dir[1].state == DIR_UP;
}

/* Make room by evicting the least recently active flow that is not
 * monitored; live peers are never evicted for a newcomer. */
static bool
session_evict_one(struct session_table *t)
{
	struct session *s = TAILQ_FIRST(&t->lru);
	for (int i = 0; s && i < EVICT_SCAN; i++, s = TAILQ_NEXT(s, lru)) {
		if (!session_established(s)) {
			session_remove(t, s);
			CTR_INC(t->c.flows_evicted);
			return true;
		}
	}
	return false;
}

static struct session *
session_new(struct session_table *t, const struct flow_key *k, uint32_t hash, uint64_t ts)
{
	if (flowtab_count(t->ft) >= flowtab_max(t->ft) && !session_evict_one(t))
		return NULL;
	struct session *s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	s->key = *k;
	s->hash = hash;
	s->state = SESS_ACTIVE;
	s->caps_ready = false;
	s->last_us = ts;
	sess_dir_init(&s->dir[0]);
	sess_dir_init(&s->dir[1]);
	if (flowtab_add(t->ft, k, hash, s) != 0) {
		free(s);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&t->lru, s, lru);
	CTR_INC(t->c.flows_created);
	return s;
}

/* A new connection reuses the tuple: settle the old one, start afresh. */
static void
session_restart(struct session_table *t, struct session *s, uint64_t ts)
{
	sess_peers_down(t, s, ts, -1, NULL, 0);
	for (int d = 0; d < 2; d++) {
		sess_dir_release(t, &s->dir[d]);
		sess_dir_init(&s->dir[d]);
	}
	s->state = SESS_ACTIVE;
	s->caps_ready = false;
	CTR_INC(t->c.flow_restarts);
}

/* Upper bound of event bytes the next packet of s can release: its own
 * payload, what both directions buffer, a staged message, two OPENs. */
static uint64_t
event_bound(const struct session *s, uint32_t payload)
{
	uint64_t bytes = payload;
	if (s)
		bytes += (uint64_t)s->dir[0].rs.ooo_bytes + s->dir[1].rs.ooo_bytes;
	/* a 23-byte UPDATE becomes a 48-byte record: x3 covers it */
	return 3 * (bytes + 2 * BGP_EXT_MAX_LEN) + 4096;
}

static void
session_deliver(struct session_table *t, struct session *s, int d,
		const struct classify_pkt *p, uint64_t ts)
{
	struct sess_dir *sd = &s->dir[d], *od = &s->dir[!d];
	if (p->tcp_flags & CLASSIFY_TH_ACK) {
		reasm_ack(t->reasm, &od->rs, p->ack, ts);
		sess_dir_consume(t, s, !d, ts);
	}
	enum reasm_push_result r = reasm_push(t->reasm, &sd->rs, p->seq, p->tcp_flags,
					      p->payload, p->payload_len, ts);
	if (r == REASM_NEW_ISN) {
		session_restart(t, s, ts);
		reasm_push(t->reasm, &sd->rs, p->seq, p->tcp_flags, p->payload,
			   p->payload_len, ts);
	}
	sess_dir_consume(t, s, d, ts);
}

int
session_table_packet(struct session_table *t, const struct classify_pkt *p, uint64_t ts)
{
	struct flow_key k;
	int d = flowtab_key(p, &k);
	uint32_t hash = flowtab_hash(&k);
	struct session *s = flowtab_find(t->ft, &k, hash);
	if (evq_room(t->q) < event_bound(s, p->payload_len))
		return -EAGAIN;
	CTR_INC(t->c.packets);
	if (!s) {
		s = session_new(t, &k, hash, ts);
		if (!s) {
			CTR_INC(t->c.flow_table_full);
			return 0;
		}
	} else {
		TAILQ_REMOVE(&t->lru, s, lru);
		TAILQ_INSERT_TAIL(&t->lru, s, lru);
		if (ts > s->last_us)
			s->last_us = ts;
	}
	session_deliver(t, s, d, p, ts);
	if (s->dir[0].eof && s->dir[1].eof)
		s->state = SESS_CLOSED;
	return 0;
}

static bool
session_expired(const struct session_table *t, struct session *s, uint64_t now)
{
	uint64_t idle = now > s->last_us ? now - s->last_us : 0;
	if (s->state == SESS_CLOSED)
		return idle > t->p.closed_linger_s * US;
	return !session_established(s) && idle > t->p.idle_timeout_s * US;
}

void
session_table_tick(struct session_table *t, uint64_t now)
{
	if (now < t->next_tick_us)
		return;
	t->next_tick_us = now + TICK_US;
	sess_rib_expire(t, now);
	struct session *s, *next;
	for (s = TAILQ_FIRST(&t->lru); s; s = next) {
		next = TAILQ_NEXT(s, lru);
		if (s->state == SESS_ACTIVE) {
			/* queue short: retry on the next call rather than lose a Peer Down */
			if (evq_room(t->q) < TICK_ROOM) {
				t->next_tick_us = now;
				return;
			}
			sess_hold_check(t, s, now);
			/* closed by its hold timer: the linger starts now */
			if (s->state == SESS_CLOSED)
				s->last_us = now;
		}
		if (session_expired(t, s, now))
			session_remove(t, s);
	}
}

int
session_table_drain(struct session_table *t, uint64_t now)
{
	struct session *s;
	TAILQ_FOREACH(s, &t->lru, lru) {
		if (evq_room(t->q) < event_bound(s, 0))
			return -EAGAIN;
		for (int d = 0; d < 2; d++) {
			reasm_flush(t->reasm, &s->dir[d].rs);
			sess_dir_consume(t, s, d, now);
		}
	}
	return 0;
}

const struct session_counters *
session_table_counters(const struct session_table *t)
{
	return &t->c;
}

const struct reasm_counters *
session_table_reasm_counters(const struct session_table *t)
{
	return reasm_ctx_counters(t->reasm);
}

uint32_t
session_table_flows(const struct session_table *t)
{
	return flowtab_count(t->ft);
}
