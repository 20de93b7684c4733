/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Flow table of one RX lcore: canonical TCP 4-tuple -> session.
 *
 * The key orders the two endpoints, so both directions of a connection
 * build the same key and hash: a symmetric hash, which is also what the
 * software dispatcher uses to send both directions to the same lcore.
 * Capacity is fixed at creation (open addressing, linear probing, load at
 * most 1/2); eviction policy belongs to the owner (session.h).
 */
#ifndef BMPTAP_FLOWTAB_H
#define BMPTAP_FLOWTAB_H

#include <stdint.h>

#include "classify.h"

struct session;
struct flowtab;

struct flow_key {
	uint8_t addr[2][16];   /**< endpoint 0 sorts before endpoint 1 */
	uint16_t port[2];
	uint8_t family;        /**< 4 or 6 */
	uint8_t pad[3];
};

/**
 * Canonical key of a packet. Returns the packet's direction: 0 when its
 * source is endpoint 0, 1 otherwise.
 */
int flowtab_key(const struct classify_pkt *p, struct flow_key *k);
uint32_t flowtab_hash(const struct flow_key *k);
/**
 * Hash of the address pair only (symmetric, ports ignored): every
 * connection between two speakers, a graceful restart's included, maps
 * to the same lcore, which owns their peers' Adj-RIB-In mirrors.
 */
uint32_t flowtab_pair_hash(const struct flow_key *k);

/** NULL with errno set. */
struct flowtab *flowtab_create(uint32_t max_flows);
void flowtab_destroy(struct flowtab *ft);

struct session *flowtab_find(const struct flowtab *ft, const struct flow_key *k, uint32_t hash);
/** 0, -ENOSPC when max_flows are in, -EEXIST. */
int flowtab_add(struct flowtab *ft, const struct flow_key *k, uint32_t hash, struct session *s);
/** 0 or -ENOENT. */
int flowtab_del(struct flowtab *ft, const struct flow_key *k, uint32_t hash);
uint32_t flowtab_count(const struct flowtab *ft);
uint32_t flowtab_max(const struct flowtab *ft);

#endif
