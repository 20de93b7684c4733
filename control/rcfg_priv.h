/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by rcfg.c (conversions) and rcfg_redis.c (Redis exchanges). */
#ifndef BMPTAP_RCFG_PRIV_H
#define BMPTAP_RCFG_PRIV_H

#include "control/rcfg.h"

/* Decimal digits only, within [lo, hi]; *range: it was a number. */
bool rcfg_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v, bool *range);
/* A new empty hash "NS:TABLE|key" at the end of hs; NULL on ENOMEM. */
struct rcfg_hash *rcfg_hash_new(struct rcfg_hashes *hs, const char *ns, const char *table,
				const char *key);
/* 0 or -ENOMEM. */
int rcfg_hash_put(struct rcfg_hash *h, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
