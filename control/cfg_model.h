/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the configuration model's users (cfg*.c, rcfg*.c): the edits
 * the file and Redis parsers make to a configuration, kept
 * in cfg.c next to the invariants they maintain: servers sorted by id,
 * Huawei ids CFG_HUAWEI_ID_BASE + n without holes, neighbors sorted by
 * address and never empty, server lists sorted and unique.
 */
#ifndef BMPTAP_CFG_MODEL_H
#define BMPTAP_CFG_MODEL_H

#include "control/cfg.h"

int cfgm_addr_cmp(const struct cfg_addr *a, const struct cfg_addr *b);
/* An IPv4 or IPv6 address in text; false (and *a zeroed) otherwise. */
bool cfgm_addr_parse(const char *s, struct cfg_addr *a);
/* Neither unspecified nor multicast (or broadcast-class 224/4). */
bool cfgm_addr_unicast(const struct cfg_addr *a);
/* 169.254/16 or fe80::/10: never a station (the Huawei document's rule). */
bool cfgm_addr_link_local(const struct cfg_addr *a);

/* A server with the defaults, inserted in id order; NULL when full. */
struct cfg_server *cfgm_server_add(struct cfg *c, uint32_t id);
/* Removing a Huawei session renumbers the later ones and their peers. */
void cfgm_server_del(struct cfg *c, uint32_t id);
unsigned cfgm_huawei_count(const struct cfg *c);
struct cfg_server *cfgm_huawei_find(struct cfg *c, const char *vpn,
				    const struct cfg_addr *addr, const char *alias);

struct cfg_neighbor *cfgm_neighbor_find(struct cfg *c, const struct cfg_addr *a);
/*
 * Find or insert (nothing activated yet). *cap is the capacity of
 * c->neighbors, 0 when not known. 0, -ENOSPC (CFG_MAX_NEIGHBORS) or -ENOMEM.
 */
int cfgm_neighbor_get(struct cfg *c, const struct cfg_addr *a, unsigned *cap,
		      struct cfg_neighbor **out);
/* Drop the neighbors that activate nothing any more. */
void cfgm_neighbors_prune(struct cfg *c);

bool cfgm_ids_add(uint32_t *ids, uint16_t *n, uint32_t id);
void cfgm_ids_del(struct cfg_neighbor *n, uint32_t id);
/* Keep the ids of Huawei sessions only (`monitor peer`). */
void cfgm_ids_keep_huawei(struct cfg_neighbor *n);

#endif
