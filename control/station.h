/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * BMP stations (the vendor documents' "BMP servers"): the running set
 * follows the configuration, each station independently, on the control
 * thread.
 *
 * A station owns an output slot (1..63; slot 0 is --bmp-out), a state
 * machine (server.h) and, while connected, a non-blocking TCP socket set
 * up with its knobs before the SYN leaves: DSCP (IP_TOS / IPV6_TCLASS),
 * VRF (SO_BINDTODEVICE to the `vpn-instance` device), `update-source`
 * (bound to that interface's address of the station's family), TCP
 * keepalive (15 s). On connect it sends Initiation, then asks the encoder
 * to attach the slot (Peer Up of every monitored established peer, in
 * session order, then live messages). A slow or dead station only ever
 * delays itself: sockets are non-blocking and each has its own queue.
 *
 * Deactivation, removal and shutdown end with a Termination message after
 * everything queued, then close.
 */
#ifndef BMPTAP_STATION_H
#define BMPTAP_STATION_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "server.h"

struct evloop;
struct outputs;
struct encoder;
struct enc_peers;
struct stations;
struct wire_buf;

/** What `show` and the state tables report about one station. */
struct station_info {
	struct cfg_server cfg;
	unsigned slot;
	enum server_state state;
	bool closing;            /**< Termination queued, draining */
	uint64_t up_since_ms;    /**< monotonic, when UP */
	uint64_t msgs_sent;      /**< this connection */
	uint64_t bytes_sent;
	uint64_t bytes_queued;
	uint64_t msgs_queued;
	uint64_t attempts, connects, failures, flap_waits;
	uint64_t buffer_drops;   /**< closed because it pinned a full buffer */
	uint64_t last_stats_ms;  /**< monotonic, last Statistics Report round */
	char last_error[160];
	char local[64];          /**< local address/port of the connection */
	int fd;
};

struct refresh;

struct stations_params {
	struct refresh *refresh;     /**< told when stations attach and detach */
	struct evloop *el;
	struct outputs *outs;
	struct encoder *enc;
	uint64_t file_slots;     /**< slots that get every peer (--bmp-out) */
	const char *sysname;     /**< Initiation sysName; NULL: host name */
	/** Receives the answers to encoder_request_peers() (ENC_ACK_PEERS),
	 *  which share the encoder's acknowledgement ring with the stations. */
	void (*on_peers)(void *arg, struct enc_peers *peers);
	void *peers_arg;
};

struct stations *stations_create(const struct stations_params *p);
void stations_destroy(struct stations *ss);

/**
 * Make the running stations match cfg: new ones start (initial-delay),
 * removed or deactivated ones get a Termination and close, ones whose
 * transport changed reconnect, untouched ones keep their connection; the
 * peer filter follows the neighbor activations. 0 or -ENOMEM.
 */
int stations_apply(struct stations *ss, const struct cfg *cfg);

/** Timers, connection progress, encoder acknowledgements, failures. */
void stations_tick(struct stations *ss, uint64_t now_ms);

/**
 * True when every activated station is attached to the encoder or has
 * failed an attempt: a capture file can then be read for all of them.
 */
bool stations_ready(const struct stations *ss);

/**
 * The output buffer is full: close the station whose queue holds the
 * oldest data (the file output, lossless, is never shed). Its stream may
 * stop mid-message, so no Termination: the close is counted and logged.
 * Returns true if a station was closed.
 */
bool stations_shed(struct stations *ss, uint64_t now);

/**
 * Stations whose `stats-reporting-period` is due now (bit per slot); their
 * next report is scheduled. The period starts when a station attaches.
 */
uint64_t stations_stats_due(struct stations *ss, uint64_t now);

/** Shutdown: Termination to every connected station, then close. */
void stations_stop(struct stations *ss, const char *why);
/** True when no station has anything left to send or to close. */
bool stations_stopped(const struct stations *ss);

unsigned stations_count(const struct stations *ss);
/** Station i (0..count-1, ascending id). false if out of range. */
bool stations_get(const struct stations *ss, unsigned i, struct station_info *out);

/** Initiation message: sysDescr (bmptap version, DPDK) and sysName. */
int station_put_initiation(struct wire_buf *b, const char *sysname);

#endif
