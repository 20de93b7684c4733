/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "flowtab.h"

struct flow_slot {
	struct session *s;     /* NULL: empty */
	uint32_t hash;
	struct flow_key key;
};

struct flowtab {
	uint32_t mask;         /* slots - 1 */
	uint32_t count;
	uint32_t max;
	struct flow_slot *slots;
};

static int
endpoint_cmp(const struct classify_pkt *p)
{
	int c = memcmp(p->src, p->dst, sizeof(p->src));
	if (c == 0)
		c = (int)p->sport - (int)p->dport;
	return c;
}

int
flowtab_key(const struct classify_pkt *p, struct flow_key *k)
{
	int dir = endpoint_cmp(p) <= 0 ? 0 : 1;
	const uint8_t *a0 = dir == 0 ? p->src : p->dst;
	const uint8_t *a1 = dir == 0 ? p->dst : p->src;
	memcpy(k->addr[0], a0, 16);
	memcpy(k->addr[1], a1, 16);
	k->port[0] = dir == 0 ? p->sport : p->dport;
	k->port[1] = dir == 0 ? p->dport : p->sport;
	k->family = p->family;
	memset(k->pad, 0, sizeof(k->pad));
	return dir;
}

uint32_t
flowtab_hash(const struct flow_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0x9e3779b9);
}

uint32_t
flowtab_pair_hash(const struct flow_key *k)
{
	return rte_hash_crc(k->addr, sizeof(k->addr), 0x9e3779b9 ^ k->family);
}

struct flowtab *
flowtab_create(uint32_t max_flows)
{
	if (max_flows == 0 || max_flows > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	struct flowtab *ft = calloc(1, sizeof(*ft));
	uint32_t nslots = rte_align32pow2(max_flows * 2);
	if (ft)
		ft->slots = calloc(nslots, sizeof(*ft->slots));
	if (!ft || !ft->slots) {
		free(ft);
		errno = ENOMEM;
		return NULL;
	}
	ft->mask = nslots - 1;
	ft->max = max_flows;
	return ft;
}

void
flowtab_destroy(struct flowtab *ft)
{
	if (!ft)
		return;
	free(ft->slots);
	free(ft);
}

/* Slot holding k, or the empty slot ending its probe sequence. */
static uint32_t
probe(const struct flowtab *ft, const struct flow_key *k, uint32_t hash)
{
	uint32_t i = hash & ft->mask;
	for (;;) {
		const struct flow_slot *sl = &ft->slots[i];
		if (!sl->s || (sl->hash == hash && memcmp(&sl->key, k, sizeof(*k)) == 0))
			return i;
		i = (i + 1) & ft->mask;
	}
}

struct session *
flowtab_find(const struct flowtab *ft, const struct flow_key *k, uint32_t hash)
{
	return ft->slots[probe(ft, k, hash)].s;
}

int
flowtab_add(struct flowtab *ft, const struct flow_key *k, uint32_t hash, struct session *s)
{
	uint32_t i = probe(ft, k, hash);
	if (ft->slots[i].s)
		return -EEXIST;
	if (ft->count >= ft->max)
		return -ENOSPC;
	ft->slots[i] = (struct flow_slot){ .s = s, .hash = hash, .key = *k };
	ft->count++;
	return 0;
}

/* Backward-shift deletion: keeps every probe sequence unbroken. */
int
flowtab_del(struct flowtab *ft, const struct flow_key *k, uint32_t hash)
{
	uint32_t i = probe(ft, k, hash);
	if (!ft->slots[i].s)
		return -ENOENT;
	for (uint32_t j = (i + 1) & ft->mask; ft->slots[j].s; j = (j + 1) & ft->mask) {
		uint32_t home = ft->slots[j].hash & ft->mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (!stays) {
			ft->slots[i] = ft->slots[j];
			i = j;
		}
	}
	ft->slots[i].s = NULL;
	ft->count--;
	return 0;
}

uint32_t
flowtab_count(const struct flowtab *ft)
{
	return ft->count;
}

uint32_t
flowtab_max(const struct flowtab *ft)
{
	return ft->max;
}
