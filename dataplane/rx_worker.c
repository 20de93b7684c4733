/* SPDX-License-Identifier: BSD-3-Clause */
/* The RX lcore loop: poll, classify, steer, process, hold on backpressure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "counter.h"
#include "encoder.h"
#include "evq.h"
#include "flowtab.h"
#include "pipeline_priv.h"
#include "session.h"

#define SCRATCH_LEN (256u * 1024u)
#define EOF_EMPTY_POLLS 2

static uint64_t
wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t *
capture_us(const struct pipeline *pl, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pl->our_ts_off, uint64_t *);
}

/* The capture time of a packet polled from a port: the PMD's (pcap
 * files) if it has one, else the wall clock of this poll. */
static uint64_t
capture_time(const struct rx_worker *w, const struct rx_queue_ref *q, struct rte_mbuf *m,
	     uint64_t now)
{
	const struct pipeline *pl = w->pl;
	if (q->ts_usec && pl->ts_off >= 0 && (m->ol_flags & pl->ts_flag))
		return *RTE_MBUF_DYNFIELD(m, pl->ts_off, uint64_t *);
	return now;
}

static void
advance_clock(struct rx_worker *w, uint64_t ts)
{
	if (ts > w->clock_us)
		w->clock_us = ts;
}

static void
stamp(struct rx_worker *w, const struct rx_queue_ref *q, struct rte_mbuf *m, uint64_t now)
{
	uint64_t ts = capture_time(w, q, m, now);
	*capture_us(w->pl, m) = ts;
	advance_clock(w, ts);
}

static const uint8_t *
linearize(struct rx_worker *w, struct rte_mbuf *m, uint32_t *len)
{
	if (*len > SCRATCH_LEN) {
		CTR_INC(w->c.oversize);
		*len = SCRATCH_LEN;
	}
	CTR_INC(w->c.linearized);
	return rte_pktmbuf_read(m, 0, *len, w->linear);
}

static inline const uint8_t *
frame_bytes(struct rx_worker *w, struct rte_mbuf *m, uint32_t *len)
{
	*len = rte_pktmbuf_pkt_len(m);
	if (likely(m->nb_segs == 1))
		return rte_pktmbuf_mtod(m, const uint8_t *);
	return linearize(w, m, len);
}

static unsigned
owner_of(const struct rx_worker *w, uint32_t hash)
{
	return (unsigned)(((uint64_t)hash * w->n_rx) >> 32);
}

/* A BGP frame, classified as p: handed to the lcore that owns its flow,
 * or fed to its session and freed. 0: done; -EAGAIN: keep it, retry. */
static int
handle_bgp(struct rx_worker *w, struct rte_mbuf *m, const struct classify_pkt *p,
	   bool steered)
{
	struct flow_key k;
	flowtab_key(p, &k);
	unsigned owner = owner_of(w, flowtab_pair_hash(&k));
	if (owner != w->idx) {
		if (rte_ring_sp_enqueue(w->to[owner], m) != 0)
			return -EAGAIN;
		CTR_INC(w->c.steered_out);
		return 0;
	}
	if (session_table_packet(w->st, p, *capture_us(w->pl, m)) == -EAGAIN)
		return -EAGAIN;
	if (steered)
		CTR_INC(w->c.steered_in);
	else
		CTR_INC(w->c.verdicts[CLASSIFY_BGP]);
	rte_pktmbuf_free(m);
	return 0;
}

/* A held or steered packet (already stamped). 0: disposed of; -EAGAIN. */
static int
handle(struct rx_worker *w, struct rte_mbuf *m, bool steered)
{
	uint32_t len;
	const uint8_t *frame = frame_bytes(w, m, &len);
	struct classify_pkt p;
	enum classify_verdict v = classify_frame(frame, len, &p);
	if (v == CLASSIFY_BGP)
		return handle_bgp(w, m, &p, steered);
	CTR_INC(w->c.verdicts[v]);
	rte_pktmbuf_free(m);
	return 0;
}

/* Keep pkts[0..n) in order until there is room again. */
static void
hold(struct rx_worker *w, struct rte_mbuf **pkts, unsigned n, bool steered)
{
	w->nheld = n;
	memcpy(w->held, pkts, n * sizeof(*pkts));
	for (unsigned k = 0; k < n; k++)
		w->held_steered[k] = steered;
	CTR_ADD(w->c.backpressure, n);
}

/* Process a burst from a ring; hold the rest at the first refusal. true: blocked. */
static bool
handle_burst(struct rx_worker *w, struct rte_mbuf **pkts, unsigned n, bool steered)
{
	for (unsigned i = 0; i < n; i++) {
		if (handle(w, pkts[i], steered) == -EAGAIN) {
			hold(w, pkts + i, n - i, steered);
			return true;
		}
	}
	return false;
}

/* Free dropped frames of one burst: the usual ones (the port's pool, one
 * segment, not shared) go back to their pool in a single bulk put. */
static void
free_dropped(struct rte_mbuf **pkts, unsigned n)
{
	struct rte_mempool *mp = pkts[0]->pool;
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (unlikely(m->pool != mp || m->nb_segs != 1)) {
			rte_pktmbuf_free(m);
			continue;
		}
		m = rte_pktmbuf_prefree_seg(m);
		if (m != NULL)
			pkts[k++] = m;
	}
	rte_mempool_put_bulk(mp, (void **)pkts, k);
}

/*
 * A fresh burst from a port. Most frames on a mirror port are not BGP:
 * they are classified with their data prefetched a few frames ahead,
 * counted, and freed in one bulk put; only BGP frames are stamped.
 */
#define PREFETCH_AHEAD 4
/* noinline: once a burst, and a function of its own in profiles
 * (bench/instructions.py counts the RX path from here) */
static __rte_noinline bool
handle_port_burst(struct rx_worker *w, const struct rx_queue_ref *q, struct rte_mbuf **pkts,
		  unsigned n, uint64_t now)
{
	struct rte_mbuf *drop[RX_BURST];
	unsigned nd = 0, i;
	bool blocked = false;

	advance_clock(w, capture_time(w, q, pkts[n - 1], now));
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct classify_pkt p;
		uint32_t len;
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		const uint8_t *frame = frame_bytes(w, m, &len);
		enum classify_verdict v = classify_frame(frame, len, &p);
		if (v != CLASSIFY_BGP) {
			CTR_INC(w->c.verdicts[v]);
			drop[nd++] = m;
			continue;
		}
		stamp(w, q, m, now);
		if (handle_bgp(w, m, &p, false) == -EAGAIN) {
			for (unsigned k = i + 1; k < n; k++)
				stamp(w, q, pkts[k], now);
			hold(w, pkts + i, n - i, false);
			blocked = true;
			break;
		}
	}
	if (nd)
		free_dropped(drop, nd);
	return blocked;
}

static bool
retry_held(struct rx_worker *w)
{
	unsigned i = 0;
	while (i < w->nheld && handle(w, w->held[i], w->held_steered[i]) == 0)
		i++;
	unsigned left = w->nheld - i;
	memmove(w->held, w->held + i, left * sizeof(w->held[0]));
	memmove(w->held_steered, w->held_steered + i, left * sizeof(w->held_steered[0]));
	w->nheld = left;
	return left > 0;
}

static unsigned
poll_rings(struct rx_worker *w, bool *blocked)
{
	struct rte_mbuf *pkts[RX_BURST];
	unsigned total = 0;
	for (unsigned j = 0; j < w->n_rx && !*blocked; j++) {
		if (!w->from[j])
			continue;
		unsigned n = rte_ring_sc_dequeue_burst(w->from[j], (void **)pkts, RX_BURST, NULL);
		total += n;
		*blocked = handle_burst(w, pkts, n, true);
	}
	return total;
}

static void
queue_empty(struct rx_worker *w, struct rx_queue_ref *q)
{
	/* the pcap PMD returns nothing at end of file, and also when the
	 * pool is dry: only an empty poll with mbufs available means EOF */
	if (!q->is_file || rte_mempool_avail_count(w->pl->p.mp) < 2 * RX_BURST)
		return;
	if (++q->empty_polls >= EOF_EMPTY_POLLS)
		q->eof = true;
}

static unsigned
poll_ports(struct rx_worker *w, uint64_t now, bool *blocked)
{
	struct rte_mbuf *pkts[RX_BURST];
	unsigned total = 0, live_queues = 0;
	bool hold = __atomic_load_n(&w->pl->hold_files, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < w->nq && !*blocked; i++) {
		struct rx_queue_ref *q = &w->q[i];
		if (q->eof)
			continue;
		live_queues++;
		if (hold && q->is_file)
			continue;
		uint16_t n = rte_eth_rx_burst(q->port, q->queue, pkts, RX_BURST);
		if (n == 0) {
			queue_empty(w, q);
			continue;
		}
		q->empty_polls = 0;
		uint64_t bytes = 0;
		for (uint16_t k = 0; k < n; k++)
			bytes += rte_pktmbuf_pkt_len(pkts[k]);
		CTR_ADD(w->c.rx_bytes, bytes);
		if (w->c.rx_packets == 0)
			pipeline_mark_first_rx(w->pl);
		CTR_ADD(w->c.rx_packets, n);
		total += n;
		*blocked = handle_port_burst(w, q, pkts, n, now);
	}
	if (live_queues == 0)
		w->ports_done = true;
	return total;
}

static bool
rings_empty(const struct rx_worker *w)
{
	for (unsigned j = 0; j < w->n_rx; j++)
		if (w->from[j] && !rte_ring_empty(w->from[j]))
			return false;
	return true;
}

/* ---- work the control thread asks for: replays, statistics ---- */

static void
rx_command(struct rx_worker *w, const struct rx_cmd *c)
{
	switch (c->type) {
	case RX_CMD_REPLAY:
		if (w->nreplay == RX_MAX_REPLAYS)
			break; /* the control thread never asks that many at once */
		w->replay[w->nreplay] = (struct rx_replay){ .job = c->job, .peer = c->peer,
							   .mask = c->mask };
		mirror_cursor_init(&w->replay[w->nreplay++].cur);
		break;
	case RX_CMD_CREDIT:
		for (unsigned i = 0; i < w->nreplay; i++)
			if (w->replay[i].job == c->job)
				w->replay[i].credit += (int64_t)c->bytes;
		break;
	case RX_CMD_STATS:
		w->stats_mask |= c->mask;
		CTR_INC(w->c.stats_requests);
		break;
	}
}

static void
rx_commands(struct rx_worker *w)
{
	void *p;
	while (rte_ring_sc_dequeue(w->cmds, &p) == 0) {
		rx_command(w, p);
		free(p);
	}
}

/* One replay slice, one pending statistics round: bounded work per loop,
 * so packets are never kept waiting long. */
static unsigned
rx_background(struct rx_worker *w)
{
	unsigned work = 0;
	if (w->stats_mask && session_stats(w->st, w->stats_mask, w->clock_us) == 0) {
		w->stats_mask = 0;
		work++;
	}
	struct rx_replay *r = w->nreplay ? &w->replay[0] : NULL;
	if (!r || r->credit <= 0)
		return work;
	int n = session_replay(w->st, r->peer, r->job, r->mask, &r->cur, (size_t)r->credit,
			       w->clock_us);
	if (n > 0) {
		r->credit -= n;
		work++;
	} else if (n == 0) {
		memmove(&w->replay[0], &w->replay[1], --w->nreplay * sizeof(w->replay[0]));
		CTR_INC(w->c.replays_done);
		work++;
	}
	return work;
}

static unsigned
rx_iteration(struct rx_worker *w, int phase)
{
	uint64_t now = w->live ? wall_us() : w->clock_us;
	if (w->live && now > w->clock_us)
		w->clock_us = now;
	bool blocked = retry_held(w);
	unsigned work = poll_rings(w, &blocked);
	if (phase != PIPELINE_RUNNING)
		w->ports_done = true;
	if (!blocked && !w->ports_done)
		work += poll_ports(w, now, &blocked);
	rx_commands(w);
	work += rx_background(w);
	evq_flush(w->evq);
	session_table_tick(w->st, w->clock_us);
	if (w->enc)
		work += encoder_poll(w->enc);
	bool quiet = w->ports_done && w->nheld == 0 && rings_empty(w);
	__atomic_store_n(&w->quiet, quiet, __ATOMIC_RELEASE);
	return work;
}

/* Give up on holes, deliver everything buffered, flush. */
static void
rx_drain(struct rx_worker *w)
{
	while (session_table_drain(w->st, w->clock_us) == -EAGAIN) {
		evq_flush(w->evq);
		if (w->enc)
			encoder_poll(w->enc);
		else
			rte_pause();
	}
	evq_flush(w->evq);
}

int
rx_worker_main(void *arg)
{
	struct rx_worker *w = arg;
	int phase;
	while ((phase = pipeline_phase_get(w->pl)) < PIPELINE_DRAINING) {
		if (rx_iteration(w, phase) == 0)
			pipeline_nap(w->pl, &w->idle_loops, &w->c.idle_naps);
		else
			w->idle_loops = 0;
	}
	rx_drain(w);
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
	if (w->enc)
		return encoder_main(w->pl);
	return 0;
}
