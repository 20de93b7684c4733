/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Adj-RIB-In mirror of one BMP peer: what the receiver holds from the
 * sender, rebuilt from the UPDATEs seen on the wire. A tap cannot send
 * ROUTE-REFRESH; the mirror replays the table to stations that connect
 * late, and feeds the Statistics Reports.
 *
 * Layout, for memory (a full table is well over a million prefixes per
 * peer):
 *  - routes live in an array of fixed-size entries, one array per family
 *    (IPv4: 12 bytes, IPv6: 24, labeled and VPN: larger); indexes are
 *    stable, freed entries are reused;
 *  - an open-addressing index (4 bytes a slot) maps a prefix key (family,
 *    path ID, RD, labels, address, length) to its entry;
 *  - path attributes are interned per peer: one refcounted copy of each
 *    distinct set (the attribute bytes without MP_REACH/MP_UNREACH, plus
 *    the MP next hop), shared by every prefix that carries it.
 *
 * Replay walks an entry array with a cursor, a window at a time, groups
 * the window's prefixes by attribute set and packs each group into
 * UPDATEs up to the session's message size: entries sit roughly in the
 * order they arrived, so the original packing comes back. A cursor is an
 * entry index, so it survives the index growing; an entry freed and
 * reused behind the cursor is not replayed, which is right as long as the
 * station also receives the live messages (it does: see encoder.h).
 *
 * Graceful restart (RFC 4724): at a session's end, routes of the families
 * the sender preserves are marked stale instead of cleared; the next
 * session's announcements refresh them, its End-of-RIB (per family) or the
 * restart time purges what is still stale. Stale routes are not replayed.
 *
 * Owned by one RX lcore; never locked.
 */
#ifndef BMPTAP_MIRROR_H
#define BMPTAP_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp.h"

struct mirror;

/** Counters of one peer, cumulative (RFC 7854 statistics come from here). */
struct mirror_stats {
	uint64_t announced;          /**< prefixes announced */
	uint64_t withdrawn;          /**< prefixes withdrawn that were present */
	uint64_t implicit_withdraws; /**< announced over a different attribute set */
	uint64_t dup_advertisements; /**< type 1: announced again, same attributes */
	uint64_t dup_withdraws;      /**< type 2: withdrawn while absent */
	uint64_t dup_updates;        /**< type 13: UPDATEs that changed nothing */
	uint64_t updates;            /**< UPDATEs applied */
	uint64_t eors;               /**< End-of-RIB markers */
	uint64_t stale_purged;       /**< stale routes removed (EoR, timer) */
};

/** NULL with errno set. */
struct mirror *mirror_create(void);
void mirror_destroy(struct mirror *m);

/** Forget every route (session reset without graceful restart). */
void mirror_clear(struct mirror *m);

/**
 * Apply an UPDATE already parsed (bgp_parse_update with the same caps).
 * Returns 0, or -ENOMEM (the mirror is then incomplete: the caller marks
 * the peer so and counts it).
 */
int mirror_apply(struct mirror *m, const struct bgp_update *u, const struct bgp_caps *caps);

/** Session ended with graceful restart: the families in af_mask go stale. */
void mirror_mark_stale(struct mirror *m, uint32_t af_mask);
/** End-of-RIB of af (or af < 0: the restart time passed: every family). */
void mirror_purge_stale(struct mirror *m, int af);

/** Routes held (stale included), in all and per family. */
uint64_t mirror_routes(const struct mirror *m);
uint64_t mirror_routes_af(const struct mirror *m, enum bgp_af af);
/** Distinct attribute sets held. */
uint64_t mirror_attr_sets(const struct mirror *m);
/** Heap bytes this mirror holds (entries, index, attributes). */
size_t mirror_bytes(const struct mirror *m);
const struct mirror_stats *mirror_stats(const struct mirror *m);

/* ---- replay ---------------------------------------------------------- */

struct mirror_cursor {
	uint8_t af;                  /**< family being walked; BGP_AF__COUNT: EoRs */
	uint32_t next;               /**< next entry index of that family */
	uint8_t eor_af;              /**< next End-of-RIB to write */
	bool done;
};

void mirror_cursor_init(struct mirror_cursor *c);

/**
 * Write the next UPDATEs of the replay into buf (whole messages, header
 * included, each at most max_msg bytes; at most buf_len bytes in all) and
 * return the bytes written; 0 when the replay is complete. After the
 * routes come an End-of-RIB for each family that holds routes or is in
 * eor_mask. `caps` gives the encoding (ADD-PATH, 4-octet AS as stored).
 * n_msgs receives the number of messages written.
 */
size_t mirror_replay(struct mirror *m, struct mirror_cursor *c, const struct bgp_caps *caps,
		     uint32_t eor_mask, uint32_t max_msg, uint8_t *buf, size_t buf_len,
		     unsigned *n_msgs);

#endif
