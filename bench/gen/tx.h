/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptap-gen --tx: the generated frames leave through a DPDK port instead
 * of going to a capture file.
 *
 * Pacing follows the capture clock: a frame leaves when the TSC reaches
 * its capture timestamp (the pcap would show the same times), so --pps /
 * --bps set the rate and the synthetic gaps of churn and keepalives are
 * kept. The pure parts (pacer, EAL command line) live in the generator's
 * library for the unit tests; the DPDK part is linked by bmptap-gen only.
 */
#ifndef BMPTAP_GEN_TX_H
#define BMPTAP_GEN_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen.h"

/** Bytes a frame costs on the wire beyond its captured bytes: FCS,
 * preamble with start delimiter, inter-frame gap. */
#define GEN_WIRE_OVERHEAD 24u

/** Most frames handed to the port in one tx_burst. */
#define GEN_TX_BURST 32u

/**
 * Capture clock step after a frame of len bytes: 1/pps, or the frame's
 * wire time (len + GEN_WIRE_OVERHEAD bytes) at bps when bps is not 0.
 * In picoseconds.
 */
uint64_t gen_pace_gap_ps(uint64_t pps, uint64_t bps, size_t len);

/** Capture time (picoseconds) reached `cycles` TSC cycles after time 0. */
uint64_t gen_pace_ps(uint64_t hz, uint64_t cycles);

/** TSC cycles after time 0 at which capture time ps is reached (rounded up). */
uint64_t gen_pace_cycles(uint64_t hz, uint64_t ps);

/**
 * The pacer: of n frames with nondecreasing capture timestamps ts_ps, how
 * many (leading ones) may leave `elapsed` TSC cycles after time 0 on a TSC
 * of hz cycles per second.
 */
unsigned gen_pace_allowed(uint64_t hz, uint64_t elapsed, const uint64_t *ts_ps, unsigned n);

#define GEN_EAL_MAX 64

/** An EAL command line; argv strings are owned (gen_eal_free). */
struct gen_eal {
	int argc;
	char *argv[GEN_EAL_MAX + 1];   /**< NULL-terminated */
};

/**
 * Build the EAL command line: prog, the user's EAL options, then defaults
 * for what they do not say, as bmptapd does: memory (--in-memory when
 * hugepages are free, else --no-huge -m 512 --no-shconf), a per-process
 * --file-prefix bmptap-gen-PID (runs next to bmptapd), --log-level=notice
 * (lib.telemetry: error),
 * --no-pci when only --vdev ports are named, and the main lcore free to
 * run on `cpus` (a CPU list like "0-3", NULL: EAL's default).
 * Returns 0, or -E2BIG / -ENOMEM.
 */
int gen_eal_build(struct gen_eal *e, const char *prog, int nuser, char *const *user,
		  bool huge_free, long pid, const char *cpus);

void gen_eal_free(struct gen_eal *e);

/** Index of the first "--" in argv (EAL options before it), 0 when none. */
int gen_eal_split(int argc, char *const *argv);

/** Counters of a transmission. */
struct gen_tx_stats {
	uint64_t frames;         /**< accepted by the port */
	uint64_t bytes;          /**< frame bytes accepted */
	uint64_t bursts;         /**< tx_burst calls that sent something */
	uint64_t retries;        /**< tx_burst calls again after a partial one */
	uint64_t not_sent;       /**< given up (port stuck, no mbuf, stopped) */
	uint64_t port_opackets;  /**< the PMD's own counters at the end */
	uint64_t port_oerrors;
	double seconds;          /**< first frame to the last one accepted */
};

struct gen_tx;

/**
 * EAL, the port and its pool. o->tx_port must exist; o->paced chooses
 * pacing. NULL with a message in err.
 */
struct gen_tx *gen_tx_open(const struct gen_opts *o, struct gen_eal *eal, char *err,
			   size_t errlen);

/** The sink to put in gen_opts.sink; valid while tx lives. */
const struct gen_sink *gen_tx_sink(struct gen_tx *tx);

/** Send what is pending, wait for the port, stop it. 0 or -errno. */
int gen_tx_finish(struct gen_tx *tx, struct gen_tx_stats *st);

/** Stop the port, release everything, EAL included. */
void gen_tx_close(struct gen_tx *tx);

/** Name of the port (e.g. net_af_packet0), for messages. */
const char *gen_tx_port_name(const struct gen_tx *tx);

/** Ask a running transmission to stop (async-signal-safe). */
void gen_tx_interrupt(void);

/**
 * The whole --tx run after option parsing: EAL (neal user options, then
 * defaults), the port, generation into it, the summaries. Exit status.
 */
int gen_tx_main(struct gen_opts *o, int neal, char *const *eal_user);

/** The one-line transmit summary. */
void gen_tx_summary_print(FILE *f, const char *port, const struct gen_tx_stats *st);

#endif
