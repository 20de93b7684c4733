/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptap-gen: deterministic synthesis of mirrored BGP traffic.
 *
 * gen_opts_parse() turns a command line into struct gen_opts;
 * gen_run() writes the capture, or hands the frames to opts.sink (--tx,
 * see tx.h), and the truth file when asked. Same
 * options, same bytes: every random choice comes from streams seeded by
 * --seed, and nothing depends on the host or the wall clock.
 */
#ifndef BMPTAP_GEN_H
#define BMPTAP_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum gen_transport { GEN_TR_MIXED, GEN_TR_V4, GEN_TR_V6 };
enum gen_bg_kind { GEN_BG_IMIX, GEN_BG_64 };

/**
 * Where frames go instead of the capture file (--tx). frame() gets each
 * frame (only valid during the call) with its capture time in picoseconds
 * from the start; it returns 0, or -errno to stop the run with that error.
 */
struct gen_sink {
	int (*frame)(void *arg, const uint8_t *frame, size_t len, uint64_t ts_ps);
	void *arg;
};

struct gen_opts {
	uint32_t sessions;
	uint32_t receivers;      /**< sessions sharing one first speaker */
	uint64_t ipv4;           /**< table size per sender, IPv4 unicast */
	uint64_t ipv6;
	uint64_t seed;
	const char *pcap;
	const char *truth;       /**< JSON-lines truth file, or NULL */
	enum gen_transport transport;
	bool isn_wrap;           /**< ISNs just below 2^32 */
	bool addpath;
	bool ext_msg;
	bool one_way;            /**< only the first speaker sends a table */
	bool keep_open;          /**< no FIN after the last pass: sessions stay up */
	uint32_t churn;          /**< UPDATEs per second per session */
	uint32_t churn_ms;       /**< churn duration, ms of synthetic time */
	uint32_t resets;         /**< Cease resets per session during churn */
	uint32_t bg_ppm;         /**< background share of frames, 1e-6 */
	enum gen_bg_kind bg_kind;
	uint32_t loss_ppm;       /**< BGP data segments dropped, 1e-6 */
	uint32_t reorder_ppm;    /**< BGP data segments swapped, 1e-6 */
	uint16_t mss;            /**< 0: 1448 over IPv4, 1428 over IPv6 */
	uint16_t vlan;           /**< 0: untagged */
	uint64_t pps;            /**< frame rate of timestamps... */
	uint64_t bps;            /**< ...or bit rate (wire bytes), one is set */
	uint32_t passes;         /**< whole lifecycles per session (x --loop) */
	bool quiet;
	bool tx;                 /**< --tx: send on a DPDK port, no --pcap */
	bool paced;              /**< --pps or --bps given: tx paces, else full speed */
	uint16_t tx_port;        /**< --port: DPDK port id */
	uint32_t loop;           /**< --loop: stream sent K times (folded into passes) */
	const struct gen_sink *sink; /**< set by the caller: frames go here, not to pcap */
};

/* Indexes of gen_stats.msgs: the BGP message type. */
#define GEN_NMSG 6

struct gen_stats {
	uint64_t frames;         /**< written to the capture */
	uint64_t bytes;          /**< frame bytes written */
	uint64_t bgp_frames;     /**< TCP port 179 frames written */
	uint64_t bg_frames;
	uint64_t dropped;        /**< BGP segments dropped (--loss) */
	uint64_t reordered;
	uint64_t msgs[GEN_NMSG];
	uint64_t ann[2];         /**< prefixes announced, IPv4 / IPv6 */
	uint64_t wd[2];
	uint64_t connections;
};

struct gen_summary {
	struct gen_stats st;
	uint64_t pcap_bytes;
	uint64_t duration_us;    /**< capture time span */
	double seconds;          /**< generation wall time */
};

/** Set the defaults (1 session, 1.1M + 300k prefixes, 1 Mpps, ...). */
void gen_opts_default(struct gen_opts *o);

/**
 * Parse argv. Returns 0 when o is ready, 1 when --help was asked (usage
 * printed to out), -1 on bad input (message in err).
 */
int gen_opts_parse(struct gen_opts *o, int argc, char **argv, FILE *out, char *err,
		   size_t errlen);

void gen_opts_usage(FILE *f);

/** Generate. 0, or -errno with a message in err. */
int gen_run(const struct gen_opts *o, struct gen_summary *sum, char *err, size_t errlen);

/** The one-line summary. */
void gen_summary_print(FILE *f, const struct gen_summary *sum);

#endif
