/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The initial refresh: a tap cannot send ROUTE-REFRESH, so a station that
 * attaches gets each established peer's Adj-RIB-In mirror replayed.
 *
 * Stations that attach within `bmp initial-refresh delay` of the first
 * one share one replay (a batch); `bmp initial-refresh skip` sends only
 * live messages. A batch walks the peers one at a time, in the order
 * their sessions came up (the encoder's snapshot), each peer replayed by
 * the RX lcore that owns its mirror, in slices. Slices are paced by what
 * the stations read: credit is given only while every station of the
 * batch has drained its queue below a low-water mark (a station that
 * makes no progress for REFRESH_STALL_MS stops holding the others back;
 * it will be shed at the buffer limit if it never reads). Live messages
 * keep flowing to the stations during the replay, so each station's view
 * ends equal to the mirror.
 *
 * Control thread only.
 */
#ifndef BMPTAP_REFRESH_H
#define BMPTAP_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

struct pipeline;
struct encoder;
struct outputs;
struct enc_peers;
struct refresh;

#define REFRESH_LOW_WATER (1u << 20)
#define REFRESH_CREDIT (512u * 1024u)
#define REFRESH_STALL_MS 10000u

struct refresh_state {
	bool in_progress;
	bool scheduled;
	uint64_t starts_in_ms;       /**< when scheduled */
	unsigned peer;               /**< peers replayed so far in the batch */
	unsigned peers;              /**< peers in the batch */
	uint64_t stations;           /**< slots of the batch (or pending) */
	uint64_t batches;            /**< batches completed */
	uint64_t replays;            /**< peer replays completed */
};

struct refresh *refresh_create(struct pipeline *pl, struct encoder *enc, struct outputs *outs);
void refresh_destroy(struct refresh *r);

void refresh_configure(struct refresh *r, enum cfg_refresh_mode mode, uint32_t delay_s);

/**
 * A station attached to the encoder: the peers that were up then (Peer Up
 * order <= peer_seq) need their mirror replayed to it, unless skip; peers
 * that come up later reach it live from their first message, as the
 * vendor document says of neighbors established after monitoring began.
 */
void refresh_attached(struct refresh *r, unsigned slot, uint64_t peer_seq, uint64_t now);
/** A station detached: it leaves its batch. */
void refresh_detached(struct refresh *r, unsigned slot);

/** The encoder's answers (routed here by the ack consumer). */
void refresh_on_peers(struct refresh *r, struct enc_peers *peers);
void refresh_on_done(struct refresh *r, uint32_t job);

void refresh_tick(struct refresh *r, uint64_t now);

void refresh_state(const struct refresh *r, uint64_t now, struct refresh_state *out);
/** Position of a peer in the running batch's queue (1 = being replayed),
 * 0 if not queued: `show bmp neighbors` PriQ. */
unsigned refresh_queue_position(const struct refresh *r, unsigned queue, uint32_t slot);

#endif
