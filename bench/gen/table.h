/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table model: which prefixes exist and what paths they carry.
 *
 * The prefix universe of a family is never stored. Table index i maps
 * to a prefix through keyed bijections: i is first permuted over the
 * table (so lengths come mixed), the result picks a length class by
 * cumulative count, and the rank inside the class is permuted over that
 * class's address space. Distinct indexes thus always give distinct
 * prefixes, and any table index is recomputed in constant time. Indexes
 * past the table size are "new" prefixes for churn, taken from ranks the
 * table does not use.
 */
#ifndef BMPTAP_GEN_TABLE_H
#define BMPTAP_GEN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgpmsg.h"
#include "rng.h"

#define GEN_NCLS_MAX 24

struct gen_cls {
	uint8_t len;             /* prefix length, bits */
	uint64_t n;              /* table prefixes of this length */
	uint64_t start;          /* first table rank of the class */
	uint64_t domain;         /* distinct addresses of this length */
	unsigned bits;           /* permutation width: 2^bits >= domain */
	uint64_t key;
};

struct gen_family {
	uint64_t count;          /* table size */
	unsigned ncls;
	unsigned big;            /* dominant class: overflow for new prefixes */
	struct gen_cls cls[GEN_NCLS_MAX];
	unsigned order_bits;
	uint64_t order_key;
	uint64_t new_key;
};

struct gen_universe {
	struct gen_family fam[2];
};

/* Lay out both families; -EINVAL if a table cannot be that large. */
int gen_universe_init(struct gen_universe *u, uint64_t seed, uint64_t p4, uint64_t p6);

/*
 * Prefix number idx of family fam: a table prefix when idx < count, else
 * new prefix number idx - count. False when new prefixes are exhausted.
 */
bool gen_universe_prefix(const struct gen_universe *u, int fam, uint64_t idx,
			 struct gen_nlri *out);

/* "192.0.2.0/24" or "2001:db8::/32" into buf (>= 48 bytes). */
void gen_prefix_str(int fam, const struct gen_nlri *p, char *buf, size_t len);

/* Attribute set number `key` of a sender (deterministic in key). */
void gen_attrs_make(struct gen_attrs *a, uint64_t key, uint32_t sender_as,
		    const uint8_t nh4[4], const uint8_t nh6[16]);

/* Prefixes sharing one attribute set: mostly 1-3, a tail into hundreds. */
uint32_t gen_group_size(struct gen_rng *r);

/* A random public ASN, 2-octet or (a quarter of the time) 4-octet. */
uint32_t gen_random_asn(struct gen_rng *r);

#endif
