/* SPDX-License-Identifier: BSD-3-Clause */
/* Pipeline assembly: queues to lcores, steering rings, launch, shutdown. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "counter.h"
#include "encoder.h"
#include "evq.h"
#include "obuf.h"
#include "pipeline_priv.h"

#define STEER_RING_SIZE 1024
#define CMD_RING_SLOTS 256
#define IDLE_LOOPS_BEFORE_NAP 2000
#define NAP_NS 50000

static const struct rte_mbuf_dynfield capture_ts_desc = {
	.name = "bmptap_capture_us",
	.size = sizeof(uint64_t),
	.align = __alignof__(uint64_t),
};

void
pipeline_nap(const struct pipeline *pl, unsigned *idle_loops, uint64_t *naps)
{
	if (!pl->p.idle_sleep || ++*idle_loops < IDLE_LOOPS_BEFORE_NAP)
		return;
	struct timespec ts = { 0, NAP_NS };
	nanosleep(&ts, NULL);
	CTR_INC(*naps);
}

static void
assign_queues(struct pipeline *pl)
{
	for (unsigned i = 0; i < pl->p.nports; i++) {
		const struct port_desc *pd = &pl->p.ports[i];
		for (uint16_t q = 0; q < pd->nb_rxq; q++) {
			/* RSS spreads over queues; single-queue ports over lcores */
			unsigned wi = (pd->rss ? q : i) % pl->p.n_rx;
			struct rx_worker *w = pl->w[wi];
			if (w->nq == MAX_RXQ_PER_WORKER)
				continue;
			w->q[w->nq++] = (struct rx_queue_ref){
				.port = pd->port_id, .queue = q,
				.is_file = pd->is_file, .ts_usec = pd->ts_usec,
			};
			w->live |= !pd->is_file;
			pl->has_files |= pd->is_file;
		}
	}
}

static int
make_steer_rings(struct pipeline *pl)
{
	for (unsigned i = 0; i < pl->p.n_rx; i++) {
		for (unsigned j = 0; j < pl->p.n_rx; j++) {
			if (i == j)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "steer_%u_%u", i, j);
			struct rte_ring *r = rte_ring_create(name, STEER_RING_SIZE, SOCKET_ID_ANY,
							     RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!r)
				return -rte_errno;
			pl->w[i]->to[j] = r;
			pl->w[j]->from[i] = r;
		}
	}
	return 0;
}

static struct rte_ring *
cmd_ring(void)
{
	ssize_t sz = rte_ring_get_memsize(CMD_RING_SLOTS);
	struct rte_ring *r = sz < 0 ? NULL : aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE));
	if (r && rte_ring_init(r, "rxcmd", CMD_RING_SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ)) {
		free(r);
		return NULL;
	}
	return r;
}

static struct rx_worker *
worker_create(struct pipeline *pl, unsigned idx)
{
	struct rx_worker *w = rte_zmalloc("rx_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (!w)
		return NULL;
	w->idx = idx;
	w->n_rx = pl->p.n_rx;
	w->pl = pl;
	w->linear = malloc(256u * 1024u);
	w->cmds = cmd_ring();
	w->evq = evq_create(pl->p.evq_blocks ? pl->p.evq_blocks : 64);
	if (w->evq)
		w->st = session_table_create(&pl->p.session, w->evq);
	pl->w[idx] = w;
	return w->linear && w->st && w->cmds ? w : NULL;
}

static int
encoder_setup(struct pipeline *pl)
{
	struct evq *queues[PIPELINE_MAX_RX];
	for (unsigned i = 0; i < pl->p.n_rx; i++)
		queues[i] = pl->w[i]->evq;
	pl->out = obuf_create(pl->p.obuf_chunks);
	if (!pl->out)
		return -errno;
	struct encoder_params ep = {
		.queues = queues, .nqueues = pl->p.n_rx,
		.peers_per_queue = 2 * pl->p.session.max_flows,
		.out = pl->out, .servers = pl->p.servers,
	};
	pl->enc = encoder_create(&ep);
	if (!pl->enc)
		return -errno;
	for (unsigned i = 0; i < pl->p.n_rx; i++)
		if (pl->p.rx_lcores[i] == pl->p.encoder_lcore)
			pl->w[i]->enc = pl->enc;
	pl->enc_separate = true;
	for (unsigned i = 0; i < pl->p.n_rx; i++)
		pl->enc_separate &= pl->w[i]->enc == NULL;
	return 0;
}

static int
timestamp_fields(struct pipeline *pl)
{
	pl->our_ts_off = rte_mbuf_dynfield_register(&capture_ts_desc);
	if (pl->our_ts_off < 0)
		return -rte_errno;
	if (port_timestamp_field(&pl->ts_off, &pl->ts_flag) != 0)
		pl->ts_off = -1;
	return 0;
}

struct pipeline *
pipeline_create(const struct pipeline_params *p)
{
	if (!p || p->n_rx == 0 || p->n_rx > PIPELINE_MAX_RX || !p->mp) {
		errno = EINVAL;
		return NULL;
	}
	struct pipeline *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->p = *p;
	pl->hold_files = p->hold_files;
	int rc = timestamp_fields(pl);
	for (unsigned i = 0; rc == 0 && i < p->n_rx; i++)
		if (!worker_create(pl, i))
			rc = -ENOMEM;
	if (rc == 0)
		rc = make_steer_rings(pl);
	if (rc == 0)
		rc = encoder_setup(pl);
	if (rc != 0) {
		pipeline_destroy(pl);
		errno = -rc;
		return NULL;
	}
	assign_queues(pl);
	return pl;
}

void
pipeline_destroy(struct pipeline *pl)
{
	if (!pl)
		return;
	for (unsigned i = 0; i < pl->p.n_rx; i++) {
		struct rx_worker *w = pl->w[i];
		if (!w)
			continue;
		for (unsigned j = 0; j < pl->p.n_rx; j++)
			rte_ring_free(w->to[j]);
		session_table_destroy(w->st);
		evq_destroy(w->evq);
		free(w->linear);
		void *c;
		while (w->cmds && rte_ring_sc_dequeue(w->cmds, &c) == 0)
			free(c);
		free(w->cmds);
		rte_free(w);
	}
	encoder_destroy(pl->enc);
	obuf_destroy(pl->out);
	free(pl);
}

int
encoder_main(void *arg)
{
	struct pipeline *pl = arg;
	unsigned idle = 0;
	uint64_t naps = 0;
	for (;;) {
		bool rx_done = rx_workers_finished(pl);
		unsigned n = encoder_poll(pl->enc);
		if (n == 0 && rx_done && !encoder_stalled(pl->enc))
			break;
		if (n == 0)
			pipeline_nap(pl, &idle, &naps);
		else
			idle = 0;
	}
	encoder_flush(pl->enc);
	__atomic_store_n(&pl->enc_finished, true, __ATOMIC_RELEASE);
	return 0;
}

int
pipeline_launch(struct pipeline *pl)
{
	for (unsigned i = 0; i < pl->p.n_rx; i++) {
		int rc = rte_eal_remote_launch(rx_worker_main, pl->w[i], pl->p.rx_lcores[i]);
		if (rc != 0)
			return rc;
	}
	if (pl->enc_separate)
		return rte_eal_remote_launch(encoder_main, pl, pl->p.encoder_lcore);
	return 0;
}

static int
post(struct pipeline *pl, unsigned queue, const struct rx_cmd *c)
{
	if (queue >= pl->p.n_rx)
		return -EINVAL;
	struct rx_cmd *copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *c;
	if (rte_ring_sp_enqueue(pl->w[queue]->cmds, copy) != 0) {
		free(copy);
		return -ENOBUFS;
	}
	return 0;
}

int
pipeline_replay(struct pipeline *pl, unsigned queue, uint32_t peer, uint32_t job,
		uint64_t mask)
{
	struct rx_cmd c = { .type = RX_CMD_REPLAY, .job = job, .peer = peer, .mask = mask };
	return post(pl, queue, &c);
}

int
pipeline_replay_credit(struct pipeline *pl, unsigned queue, uint32_t job, uint64_t bytes)
{
	struct rx_cmd c = { .type = RX_CMD_CREDIT, .job = job, .bytes = bytes };
	return post(pl, queue, &c);
}

int
pipeline_stats_request(struct pipeline *pl, uint64_t mask)
{
	struct rx_cmd c = { .type = RX_CMD_STATS, .mask = mask };
	int rc = 0;
	for (unsigned i = 0; i < pl->p.n_rx; i++)
		rc |= post(pl, i, &c);
	return rc ? -ENOBUFS : 0;
}

void
pipeline_release_files(struct pipeline *pl)
{
	__atomic_store_n(&pl->hold_files, false, __ATOMIC_RELEASE);
}

void
pipeline_stop(struct pipeline *pl)
{
	int running = PIPELINE_RUNNING;
	__atomic_compare_exchange_n(&pl->phase, &running, PIPELINE_QUIESCING, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool
rx_workers_finished(const struct pipeline *pl)
{
	for (unsigned i = 0; i < pl->p.n_rx; i++)
		if (!__atomic_load_n(&pl->w[i]->finished, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static bool
all_quiet(const struct pipeline *pl)
{
	for (unsigned i = 0; i < pl->p.n_rx; i++)
		if (!__atomic_load_n(&pl->w[i]->quiet, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* Files at their end leave their lcores quiet; a live port never does. */
bool
pipeline_inputs_done(const struct pipeline *pl)
{
	return pl->has_files && all_quiet(pl);
}

enum pipeline_phase
pipeline_advance(struct pipeline *pl)
{
	int ph = pipeline_phase_get(pl);
	if (ph == PIPELINE_QUIESCING && all_quiet(pl)) {
		ph = PIPELINE_DRAINING;
		__atomic_store_n(&pl->phase, ph, __ATOMIC_RELEASE);
	}
	if (ph == PIPELINE_DRAINING && __atomic_load_n(&pl->enc_finished, __ATOMIC_ACQUIRE)) {
		ph = PIPELINE_FINISHED;
		__atomic_store_n(&pl->phase, ph, __ATOMIC_RELEASE);
	}
	return (enum pipeline_phase)ph;
}

void
pipeline_join(struct pipeline *pl)
{
	(void)pl;
	rte_eal_mp_wait_lcore();
}

void
pipeline_mark_first_rx(struct pipeline *pl)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, zero = 0;
	__atomic_compare_exchange_n(&pl->first_rx_ns, &zero, now, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

uint64_t
pipeline_first_rx_ns(const struct pipeline *pl)
{
	return __atomic_load_n(&pl->first_rx_ns, __ATOMIC_RELAXED);
}

struct obuf *
pipeline_output(struct pipeline *pl)
{
	return pl->out;
}

struct encoder *
pipeline_encoder(struct pipeline *pl)
{
	return pl->enc;
}
