/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Tapped BGP sessions of one RX lcore, and their mapping onto BMP.
 *
 * A session is one TCP connection seen by the tap; each of its two
 * directions is a BMP peer (the sender), monitored from the receiver's
 * point of view. The table owns the flows, their reassembly, framing and
 * BGP state, and emits peer events (event.h) into the lcore's queue.
 *
 * Mapping (the export contract, see README "BMP mapping"):
 *  - Peer Up for a direction when both OPENs were seen and the sender's
 *    first KEEPALIVE or UPDATE confirms the session is Established. An
 *    OPEN answered by a NOTIFICATION yields neither Peer Up nor Down.
 *  - A session joined mid-stream (OPENs not captured) gets a Peer Up at
 *    its first UPDATE, with OPENs synthesized from what the UPDATEs show
 *    (4-octet AS, ADD-PATH, peer AS), flagged by an information TLV.
 *  - Peer type Local Instance, distinguisher derived from the receiver's
 *    address, so one sender seen towards several receivers never merges.
 *  - Peer Down: NOTIFICATION -> reason 3 for its sender, 1 for the other
 *    peer, with the PDU; FIN/RST without one -> reason 4 for both; a
 *    sender silent past the negotiated hold time -> reason 2 (FSM event
 *    10, HoldTimer_Expires) for it and 4 for the other.
 *  - A gap in a direction's stream -> a loss event (Route Mirroring
 *    "messages lost"); the stream resyncs on the next marker.
 *  - A malformed UPDATE -> errored-PDU event (Route Mirroring).
 *
 * Everything here is owned by one lcore and never locked.
 */
#ifndef BMPTAP_SESSION_H
#define BMPTAP_SESSION_H

#include <stdint.h>

#include "bgp.h"
#include "classify.h"
#include "mirror.h"
#include "reasm.h"

struct evq;
struct session_table;

struct session_params {
	uint32_t max_flows;          /**< flows tracked at once */
	uint32_t idle_timeout_s;     /**< flows never established, default 120 */
	uint32_t closed_linger_s;    /**< closed flows kept for stray segments, default 2 */
	uint32_t hold_grace_s;       /**< added to the hold time, default 5 */
	uint32_t inferred_hold_s;    /**< hold time assumed when OPENs unseen, default 240 */
	struct reasm_limits reasm;
};

/** Why a BGP message did not become a BMP message (besides errors). */
enum session_skip {
	SKIP_KEEPALIVE,              /**< no BMP mapping: counted only */
	SKIP_ROUTE_REFRESH,          /**< no BMP mapping: counted only */
	SKIP_OPEN,                   /**< consumed into Peer Up */
	SKIP_NOT_ESTABLISHED,        /**< UPDATE after the session ended */
	SKIP_NOTIFY_BEFORE_UP,       /**< NOTIFICATION of a session never up */
	SKIP_UNEXPECTED_OPEN,        /**< OPEN on an established stream */
	SKIP__COUNT
};

/** Counters of one lcore; written only by it. */
struct session_counters {
	uint64_t packets;            /**< BGP packets offered */
	uint64_t flows_created;
	uint64_t flows_removed;
	uint64_t flows_evicted;      /**< idle, never established */
	uint64_t flow_table_full;    /**< packets of new flows refused */
	uint64_t flow_restarts;      /**< new connection on a known tuple */
	uint64_t bgp_msgs[6];        /**< by type; [0]: not used */
	uint64_t bgp_errors[BGP_ERR__COUNT];
	uint64_t skipped[SKIP__COUNT];
	uint64_t framer_bad;         /**< invalid headers (resync started) */
	uint64_t framer_skipped;     /**< bytes discarded while resyncing */
	uint64_t peer_up;
	uint64_t peer_up_inferred;
	uint64_t peer_down;
	uint64_t hold_expired;
	uint64_t route_mon;
	uint64_t errored_pdu;
	uint64_t loss_events;
	uint64_t loss_bytes;
	uint64_t loss_before_up;     /**< gaps in streams with no peer up */
	uint64_t evq_full;           /**< events refused by the queue (bug) */
	uint64_t peer_slots_full;
	uint64_t rib_nomem;          /**< UPDATEs the mirror could not hold */
	uint64_t rib_gr_kept;        /**< mirrors kept stale for a graceful restart */
	uint64_t rib_gr_adopted;     /**< ... adopted by the restarted session */
	uint64_t replay_msgs;        /**< UPDATEs replayed from mirrors */
	uint64_t stats_records;      /**< Statistics Report records */
};

/** NULL with errno set. The queue is the lcore's own (evq.h). */
struct session_table *session_table_create(const struct session_params *p, struct evq *q);
void session_table_destroy(struct session_table *t);

/**
 * Process one BGP packet seen at capture time ts_us.
 * @return 0, or -EAGAIN when the event queue has too little room for
 *         what the packet could produce: nothing was done; retry later.
 */
int session_table_packet(struct session_table *t, const struct classify_pkt *p, uint64_t ts_us);

/** Timers on the lcore clock: hold times, idle and closed flows. */
void session_table_tick(struct session_table *t, uint64_t now_us);

/**
 * End of input: give up on every hole and deliver what is buffered.
 * @return 0, or -EAGAIN (queue short): call again later.
 */
int session_table_drain(struct session_table *t, uint64_t now_us);

/**
 * Replay the mirror of `peer` (a peer slot of this lcore) for `job` to the
 * stations of `mask`: EV_REPLAY_RM records worth at most `budget` bytes of
 * UPDATEs, then EV_REPLAY_DONE. Resumable through `c`.
 * @return bytes of UPDATEs emitted (> 0); 0 once complete (the DONE record
 *         is emitted; a peer gone since completes at once); -EAGAIN when
 *         the queue has too little room (nothing emitted).
 */
int session_replay(struct session_table *t, uint32_t peer, uint32_t job, uint64_t mask,
		   struct mirror_cursor *c, size_t budget, uint64_t now);

/**
 * A Statistics Report record for every established peer, to the stations
 * of `mask` (README "Statistics" lists the types). 0, or -EAGAIN.
 */
int session_stats(struct session_table *t, uint64_t mask, uint64_t now);

/** Routes and heap bytes held by the mirrors of this lcore. */
uint64_t session_table_routes(const struct session_table *t);
size_t session_table_rib_bytes(const struct session_table *t);

const struct session_counters *session_table_counters(const struct session_table *t);
const struct reasm_counters *session_table_reasm_counters(const struct session_table *t);
uint32_t session_table_flows(const struct session_table *t);

/** Stable names for enum session_skip. */
const char *session_skip_name(enum session_skip s);

#endif
