/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to the pipeline module (pipeline.c, rx_worker.c). */
#ifndef BMPTAP_PIPELINE_PRIV_H
#define BMPTAP_PIPELINE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "classify.h"
#include "mirror.h"
#include "pipeline.h"

#define RX_BURST 32
#define MAX_RXQ_PER_WORKER 64

struct encoder;
struct evq;
struct rte_mbuf;
struct rte_ring;

struct rx_counters {
	uint64_t rx_packets;             /* polled from ports */
	uint64_t rx_bytes;
	uint64_t verdicts[CLASSIFY__COUNT];
	uint64_t steered_out;            /* BGP packets sent to their owner */
	uint64_t steered_in;
	uint64_t linearized;             /* multi-segment frames copied */
	uint64_t oversize;               /* frames beyond the scratch buffer */
	uint64_t backpressure;           /* packets held: queue or ring full */
	uint64_t replays_done;
	uint64_t stats_requests;
	uint64_t idle_naps;
};

/* A mirror replay this lcore carries out for the control thread. */
struct rx_replay {
	uint32_t job;
	uint32_t peer;
	uint64_t mask;
	int64_t credit;                  /* bytes it may still emit */
	struct mirror_cursor cur;
};

#define RX_MAX_REPLAYS 8

enum rx_cmd_type { RX_CMD_REPLAY, RX_CMD_CREDIT, RX_CMD_STATS };

struct rx_cmd {
	enum rx_cmd_type type;
	uint32_t job;
	uint32_t peer;
	uint64_t mask;
	uint64_t bytes;
};

struct rx_queue_ref {
	uint16_t port;
	uint16_t queue;
	bool is_file;
	bool ts_usec;
	bool eof;
	uint8_t empty_polls;
};

/* One RX lcore's state: everything here is written by that lcore only,
 * except the fields marked "control". */
struct rx_worker {
	unsigned idx;
	unsigned n_rx;
	struct pipeline *pl;
	struct rx_queue_ref q[MAX_RXQ_PER_WORKER];
	unsigned nq;
	struct rte_ring *to[PIPELINE_MAX_RX];   /* this -> j; NULL for j == idx */
	struct rte_ring *from[PIPELINE_MAX_RX]; /* j -> this */
	struct session_table *st;
	struct evq *evq;
	struct encoder *enc;             /* encoder role shares this loop */
	struct rte_mbuf *held[RX_BURST]; /* packets waiting for room, in order */
	bool held_steered[RX_BURST];     /* came from another lcore's ring */
	unsigned nheld;
	uint64_t clock_us;               /* lcore clock: capture or wall time */
	bool live;                       /* a live port: clock follows the wall */
	bool ports_done;
	unsigned idle_loops;
	uint8_t *linear;                 /* scratch for multi-segment frames */
	struct rte_ring *cmds;           /* control -> this lcore, SP/SC */
	struct rx_replay replay[RX_MAX_REPLAYS]; /* in the order asked */
	unsigned nreplay;
	uint64_t stats_mask;             /* stations whose report is due */
	struct rx_counters c;
	bool quiet;                      /* worker -> control: nothing in flight */
	bool finished;                   /* worker -> control */
} __rte_cache_aligned;

struct pipeline {
	struct pipeline_params p;
	struct rx_worker *w[PIPELINE_MAX_RX];
	struct encoder *enc;
	struct obuf *out;
	int ts_off;                      /* PMD capture timestamp dynfield */
	uint64_t ts_flag;
	int our_ts_off;                  /* bmptap's own capture time field */
	bool has_files;
	bool enc_separate;               /* the encoder has its own lcore */
	bool enc_finished;               /* encoder -> control */
	uint64_t first_rx_ns;            /* lcores -> control: first packet polled */
	bool hold_files;                 /* control -> lcores */
	int phase;                       /* control -> lcores: enum pipeline_phase */
};

int rx_worker_main(void *arg);
void pipeline_mark_first_rx(struct pipeline *pl);
int encoder_main(void *arg);
bool rx_workers_finished(const struct pipeline *pl);
void pipeline_nap(const struct pipeline *pl, unsigned *idle_loops, uint64_t *naps);

static inline int
pipeline_phase_get(const struct pipeline *pl)
{
	return __atomic_load_n(&pl->phase, __ATOMIC_ACQUIRE);
}

#endif
