/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a sender says: the table dump (UPDATEs grouped by attribute set,
 * then End-of-RIB, IPv4 unicast first) and churn UPDATEs. Messages are
 * appended to the direction's stream buffer; tcp.c cuts it into segments.
 */
#include "dataplane/bgp.h"
#include "gen_int.h"

/* Prefixes per churn UPDATE, 1-4, in percent. */
static const uint16_t churn_n_cum[4] = { 60, 80, 90, 100 };

enum churn_kind { CHURN_NEW, CHURN_WITHDRAW, CHURN_CHANGE };

void
gen_count_msg(struct gen_ctx *c, uint8_t type)
{
	if (type < GEN_NMSG)
		c->st.msgs[type]++;
}

void
gen_feed_start(struct gen_ctx *c, struct gen_dir *d)
{
	struct gen_feed *f = &d->feed;

	(void)c;
	f->fam = GEN_FAM_V4;
	f->idx = 0;
	f->group_left = 0;
	f->gid = 0;
	gen_rng_seed(&f->rng, gen_hash2(d->src->key, 0x67726f757073ull));
}

static void
new_group(struct gen_dir *d)
{
	struct gen_feed *f = &d->feed;
	const struct gen_speaker *s = d->src;

	f->group_left = gen_group_size(&f->rng);
	gen_attrs_make(&f->attrs, gen_hash3(s->key, (uint64_t)f->fam, f->gid++), s->asn,
		       s->ip4, s->ip6);
}

/* Gather up to `want` present prefixes from the cursor on. */
static uint32_t
collect(struct gen_ctx *c, struct gen_dir *d, uint32_t want)
{
	struct gen_feed *f = &d->feed;
	uint64_t i = f->idx;
	uint32_t n = 0;

	while (n < want) {
		i = gen_rib_next(&d->rib, f->fam, i);
		if (i >= d->rib.limit[f->fam])
			break;
		if (gen_universe_prefix(&c->uni, f->fam, i, &c->batch[n]))
			c->batch_idx[n++] = i;
		i++;
	}
	return n;
}

static uint32_t
put_update(struct gen_ctx *c, struct gen_dir *d, int fam, const struct gen_attrs *a,
	   uint32_t n)
{
	struct gen_update u = {
		.fam = fam, .attrs = a, .pfx = c->batch, .n = n,
		.addpath = c->opt->addpath, .max_len = c->max_msg,
	};
	uint32_t k = gen_bgp_update(&d->sbuf, &u);

	if (k == 0)
		return 0;
	gen_count_msg(c, BGP_MSG_UPDATE);
	if (a) {
		d->rib.ann[fam] += k;
		c->st.ann[fam] += k;
	} else {
		d->rib.wd[fam] += k;
		c->st.wd[fam] += k;
	}
	return k;
}

static void
end_family(struct gen_ctx *c, struct gen_dir *d)
{
	struct gen_feed *f = &d->feed;

	gen_bgp_eor(&d->sbuf, f->fam);
	gen_count_msg(c, BGP_MSG_UPDATE);
	f->fam++;
	f->idx = 0;
	f->group_left = 0;
}

bool
gen_feed_message(struct gen_ctx *c, struct gen_dir *d)
{
	struct gen_feed *f = &d->feed;

	if (f->fam > GEN_FAM_V6)
		return false;
	if (f->group_left == 0)
		new_group(d);
	uint32_t want = f->group_left < GEN_BATCH ? f->group_left : GEN_BATCH;
	uint32_t n = collect(c, d, want);
	if (n == 0) {
		end_family(c, d);
		return true;
	}
	uint32_t k = put_update(c, d, f->fam, &f->attrs, n);
	if (k == 0)
		return false;            /* stream buffer too small: cannot happen */
	f->idx = c->batch_idx[k - 1] + 1;
	f->group_left -= k;
	return true;
}

/* ---- churn -------------------------------------------------------------- */

/* A family in proportion to the table sizes; -1 when both are empty. */
static int
pick_family(const struct gen_ctx *c, struct gen_rng *g)
{
	uint64_t p4 = c->opt->ipv4;
	uint64_t p6 = c->opt->ipv6;

	if (p4 + p6 == 0)
		return -1;
	return gen_rng_below(g, p4 + p6) < p4 ? GEN_FAM_V4 : GEN_FAM_V6;
}

static uint32_t
churn_new(struct gen_ctx *c, struct gen_dir *d, int fam, uint32_t want)
{
	uint32_t n = 0;

	while (n < want) {
		uint64_t idx = gen_rib_grow(&d->rib, fam);
		if (idx == UINT64_MAX)
			break;
		if (!gen_universe_prefix(&c->uni, fam, idx, &c->batch[n])) {
			gen_rib_set(&d->rib, fam, idx, false);
			d->rib.limit[fam]--;
			break;
		}
		c->batch_idx[n++] = idx;
	}
	return n;
}

static bool
in_batch(const struct gen_ctx *c, uint32_t n, uint64_t idx)
{
	for (uint32_t i = 0; i < n; i++)
		if (c->batch_idx[i] == idx)
			return true;
	return false;
}

/* Present prefixes to withdraw (cleared at once) or to re-announce. */
static uint32_t
churn_existing(struct gen_ctx *c, struct gen_session *s, struct gen_dir *d, int fam,
	       uint32_t want, bool withdraw)
{
	uint32_t n = 0;

	for (uint32_t t = 0; t < want * 4 && n < want; t++) {
		uint64_t idx = gen_rib_pick(&d->rib, fam, &s->rng);
		if (idx == UINT64_MAX)
			break;
		if (in_batch(c, n, idx))
			continue;
		gen_universe_prefix(&c->uni, fam, idx, &c->batch[n]);
		c->batch_idx[n++] = idx;
		if (withdraw)
			gen_rib_set(&d->rib, fam, idx, false);
	}
	return n;
}

bool
gen_churn_update(struct gen_ctx *c, struct gen_session *s, struct gen_dir *d)
{
	int fam = pick_family(c, &s->rng);
	uint64_t r = gen_rng_below(&s->rng, 10);
	enum churn_kind kind = r < 3 ? CHURN_NEW : r < 6 ? CHURN_WITHDRAW : CHURN_CHANGE;
	uint32_t want = 1 + gen_rng_pick(&s->rng, churn_n_cum, 4);
	uint32_t n = 0;

	if (fam < 0)
		return false;
	if (kind == CHURN_NEW)
		n = churn_new(c, d, fam, want);
	if (n == 0) {
		kind = kind == CHURN_WITHDRAW ? kind : CHURN_CHANGE;
		n = churn_existing(c, s, d, fam, want, kind == CHURN_WITHDRAW);
	}
	if (n == 0)
		return false;
	struct gen_attrs a;
	const struct gen_speaker *sp = d->src;
	gen_attrs_make(&a, gen_hash3(d->key, (uint64_t)fam, d->churn_gid++), sp->asn, sp->ip4,
		       sp->ip6);
	return put_update(c, d, fam, kind == CHURN_WITHDRAW ? NULL : &a, n) == n;
}
