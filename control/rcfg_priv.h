/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by rcfg.c (hashes, configuration to hashes, rules across hashes),
 * rcfg_fields.c (each hash to configuration) and rcfg_redis.c (Redis
 * exchanges).
 */
#ifndef BMPTAP_RCFG_PRIV_H
#define BMPTAP_RCFG_PRIV_H

#include "control/rcfg.h"

#define T_GLOBAL "BMP_GLOBAL"
#define T_SERVER "BMP_SERVER"
#define T_NEIGHBOR "BMP_NEIGHBOR"
#define GLOBAL_KEY "global"

/* Decimal digits only, within [lo, hi]; *range: it was a number. */
bool rcfg_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v, bool *range);
/* A new empty hash "NS:TABLE|key" at the end of hs; NULL on ENOMEM. */
struct rcfg_hash *rcfg_hash_new(struct rcfg_hashes *hs, const char *ns, const char *table,
				const char *key);
/* 0 or -ENOMEM. */
int rcfg_hash_put(struct rcfg_hash *h, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- hashes to configuration ---- */

struct conv {
	const char *ns;
	struct cfg *c;
	struct cfg_error *err;
	const struct rcfg_hash *h;      /* the hash being read */
	unsigned ncap;                  /* capacity of c->neighbors */
};

/* Fills cv->err (if any): "KEY msg", or "KEY: msg" when fmt opens with ':'; -EINVAL. */
int rcfg_err(struct conv *cv, const char *key, const char *word, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "KEY field 'value': why" */
#define FERR(cv, f, fmt, ...) \
	rcfg_err(cv, (cv)->h->key, (f)->name, "%s '%.64s': " fmt, (f)->name, (f)->value, ##__VA_ARGS__)

/* The field `name` of h, or NULL. */
const struct rcfg_field *rcfg_field_get(const struct rcfg_hash *h, const char *name);
/* cv->h into cv->c, by its table; 0 or -EINVAL (cv->err set). */
int rcfg_conv_hash(struct conv *cv);

#endif
