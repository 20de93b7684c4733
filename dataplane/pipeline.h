/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The capture pipeline: RX lcores -> encoder -> output (obuf.h).
 *
 * RX lcores poll their port queues, classify, drop non-BGP early, and
 * process each BGP packet on the lcore that owns its flow: lcore =
 * symmetric flow hash mod RX lcores. A packet polled elsewhere moves there
 * through a single-producer/single-consumer ring (one per lcore pair), so
 * both directions of a session always meet, whatever the NIC's RSS does.
 *
 * One lcore may run several roles: with two lcores or fewer the encoder
 * runs inside the last RX lcore's loop.
 *
 * Shutdown is a protocol, so that nothing in flight is lost:
 *   RUNNING   -> inputs end (files at EOF) or pipeline_stop() is called;
 *   QUIESCING -> RX lcores stop polling ports, finish held and in-ring
 *                packets; when all are quiet the control thread calls
 *                pipeline_advance() which moves to
 *   DRAINING  -> RX lcores give up on holes, deliver what they buffer,
 *                flush, exit; the encoder then empties every queue,
 *   FINISHED  -> every lcore returned; the output holds everything.
 */
#ifndef BMPTAP_PIPELINE_H
#define BMPTAP_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pmd/port.h"
#include "session.h"

struct pipeline;
struct obuf;
struct encoder;
struct rte_mempool;

#define PIPELINE_MAX_RX 16

struct pipeline_params {
	unsigned rx_lcores[PIPELINE_MAX_RX]; /**< lcore ids of the RX role */
	unsigned n_rx;
	unsigned encoder_lcore;      /**< may equal an RX lcore (shared loop) */
	const struct port_desc *ports;
	unsigned nports;
	struct rte_mempool *mp;
	struct session_params session;
	unsigned evq_blocks;         /**< per RX lcore, x 256 KiB; default 64 */
	unsigned obuf_chunks;        /**< output memory, x 256 KiB */
	uint64_t servers;            /**< output slots that get every peer */
	bool idle_sleep;             /**< nap when idle instead of spinning */
	bool hold_files;             /**< do not read capture files until released */
};

enum pipeline_phase {
	PIPELINE_RUNNING,
	PIPELINE_QUIESCING,
	PIPELINE_DRAINING,
	PIPELINE_FINISHED,
};

/** NULL with errno set. */
struct pipeline *pipeline_create(const struct pipeline_params *p);
void pipeline_destroy(struct pipeline *pl);

/** Launch every role on its lcore. 0 or -errno. */
int pipeline_launch(struct pipeline *pl);

/**
 * Start reading capture files (held with hold_files until the stations
 * are attached, so a file is exported whole to them). Live ports are
 * never held.
 */
void pipeline_release_files(struct pipeline *pl);

/**
 * Replay a peer's mirror (its RX queue and slot, from encoder peer
 * snapshots) to the stations of `mask` as `job`; nothing is emitted until
 * credit is given. The encoder acknowledges the end (ENC_ACK_REPLAY_DONE).
 * 0, -ENOBUFS (command ring full: retry), -EINVAL.
 */
int pipeline_replay(struct pipeline *pl, unsigned queue, uint32_t peer, uint32_t job,
		    uint64_t mask);
/** Let `job` emit `bytes` more of UPDATEs (pacing by what stations read). */
int pipeline_replay_credit(struct pipeline *pl, unsigned queue, uint32_t job, uint64_t bytes);
/** A Statistics Report of every established peer to the stations of mask. */
int pipeline_stats_request(struct pipeline *pl, uint64_t mask);

/** Stop reading ports (signal, shutdown). */
void pipeline_stop(struct pipeline *pl);

/** True once every file input reached its end (and there is one). */
bool pipeline_inputs_done(const struct pipeline *pl);

/** Advance the shutdown protocol when its condition holds; the phase. */
enum pipeline_phase pipeline_advance(struct pipeline *pl);

/** Wait for every lcore (after FINISHED). */
void pipeline_join(struct pipeline *pl);

struct obuf *pipeline_output(struct pipeline *pl);
/** The encoder, for station commands from the control thread (encoder.h). */
struct encoder *pipeline_encoder(struct pipeline *pl);

/** CLOCK_MONOTONIC time of the first packet polled; 0 before any. */
uint64_t pipeline_first_rx_ns(const struct pipeline *pl);

/** Receives counters one by one: scope ("port.net_pcap0", "lcore1",
 * "encoder", "output"), name ("bgp.update", "drop.not_bgp"...), value. */
struct counter_visitor {
	void (*fn)(void *arg, const char *scope, const char *name, uint64_t value);
	void *arg;
};

/** Every counter of every port, RX lcore and the encoder. */
void pipeline_counters(struct pipeline *pl, const struct counter_visitor *v);
/** The same as "scope.name value" lines. */
void pipeline_print_counters(struct pipeline *pl, FILE *f);

#endif
