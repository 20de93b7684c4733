/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Set-up and the scheduler. Sessions run interleaved: a binary heap
 * orders them by the synthetic time they want to run next, FIFO among
 * equal times, so table dumps of concurrent sessions alternate segment
 * by segment and timed churn events interleave in time order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/bgp.h"
#include "gen_int.h"

struct heap {
	struct gen_session **v;
	uint32_t n;
};

static bool
before(const struct gen_session *a, const struct gen_session *b)
{
	if (a->next_ps != b->next_ps)
		return a->next_ps < b->next_ps;
	return a->order < b->order;
}

static void
heap_swap(struct heap *h, uint32_t i, uint32_t j)
{
	struct gen_session *t = h->v[i];

	h->v[i] = h->v[j];
	h->v[j] = t;
}

static void
heap_push(struct heap *h, struct gen_session *s)
{
	uint32_t i = h->n++;

	h->v[i] = s;
	while (i > 0 && before(h->v[i], h->v[(i - 1) / 2])) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct gen_session *
heap_pop(struct heap *h)
{
	struct gen_session *top = h->v[0];
	uint32_t i = 0;

	h->v[0] = h->v[--h->n];
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		if (l < h->n && before(h->v[l], h->v[m]))
			m = l;
		if (l + 1 < h->n && before(h->v[l + 1], h->v[m]))
			m = l + 1;
		if (m == i)
			return top;
		heap_swap(h, i, m);
		i = m;
	}
}

/* Speaker id -> distinct MAC, 10.0.0.0/8 and 2001:db8::/96 addresses. */
static void
speaker_init(struct gen_ctx *c, struct gen_speaker *sp, uint32_t id)
{
	static const uint8_t v6pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct gen_rng r;
	uint32_t n = id + 1;

	memset(sp, 0, sizeof(*sp));
	sp->id = id;
	sp->key = gen_hash3(c->opt->seed, 0x7370656b72ull, id);
	gen_rng_seed(&r, sp->key);
	sp->asn = gen_random_asn(&r);
	uint8_t mac[6] = { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			   (uint8_t)(n >> 8), (uint8_t)n };
	memcpy(sp->mac, mac, 6);
	wire_store_u32(sp->ip4, 0x0a000000u + n);
	memcpy(sp->ip6, v6pfx, 4);
	wire_store_u32(sp->ip6 + 12, n);
}

static bool
session_v6(const struct gen_opts *o, uint32_t i)
{
	if (o->transport == GEN_TR_MIXED)
		return i % 2 == 1;
	return o->transport == GEN_TR_V6;
}

/* First speakers 0..G-1 each open `receivers` sessions; receivers G.. */
static int
build_sessions(struct gen_ctx *c)
{
	const struct gen_opts *o = c->opt;
	uint32_t groups = (o->sessions + o->receivers - 1) / o->receivers;

	c->nspk = groups + o->sessions;
	c->spk = calloc(c->nspk, sizeof(*c->spk));
	c->sess = calloc(o->sessions, sizeof(*c->sess));
	if (c->spk == NULL || c->sess == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->nspk; i++)
		speaker_init(c, &c->spk[i], i);
	for (uint32_t i = 0; i < o->sessions; i++) {
		struct gen_speaker *a = &c->spk[i / o->receivers];
		int rc = gen_session_init(c, &c->sess[i], i, a, &c->spk[groups + i],
					  session_v6(o, i));
		if (rc)
			return rc;
	}
	return 0;
}

static int
ctx_open(struct gen_ctx *c, const struct gen_opts *o, char *err, size_t errlen)
{
	c->opt = o;
	c->max_msg = o->ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	c->frame_cap = (o->mss ? o->mss : 1448u) + 128u;
	gen_rng_seed(&c->rng, gen_hash2(o->seed, 0x6f7574ull));
	if (gen_universe_init(&c->uni, o->seed, o->ipv4, o->ipv6)) {
		snprintf(err, errlen, "tables too large for the prefix space");
		return -EINVAL;
	}
	c->frame = malloc(c->frame_cap);
	c->bg = gen_bg_create(o->seed);
	if (c->frame == NULL || c->bg == NULL || build_sessions(c)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* with a sink (--tx) frames never reach a capture file */
	int rc = o->sink ? 0 : gen_pcap_open(&c->pcap, o->pcap);
	if (rc) {
		snprintf(err, errlen, "%s: %s", o->pcap, strerror(-rc));
		return rc;
	}
	c->truth = o->truth ? fopen(o->truth, "w") : NULL;
	if (o->truth && c->truth == NULL) {
		snprintf(err, errlen, "%s: %s", o->truth, strerror(errno));
		return -errno;
	}
	return 0;
}

static int
ctx_close(struct gen_ctx *c, char *err, size_t errlen)
{
	int rc = c->opt->sink ? 0 : gen_pcap_close(&c->pcap);

	if (rc)
		snprintf(err, errlen, "%s: %s", c->opt->pcap, strerror(-rc));
	if (c->truth && fclose(c->truth) != 0 && rc == 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", c->opt->truth, strerror(errno));
	}
	c->truth = NULL;
	for (uint32_t i = 0; c->sess && i < c->opt->sessions; i++)
		gen_session_free(&c->sess[i]);
	free(c->sess);
	free(c->spk);
	free(c->frame);
	gen_bg_destroy(c->bg);
	return rc;
}

static int
schedule(struct gen_ctx *c)
{
	struct heap h = { .v = calloc(c->opt->sessions, sizeof(*h.v)), .n = 0 };
	uint64_t order = c->opt->sessions;

	if (h.v == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->opt->sessions; i++)
		heap_push(&h, &c->sess[i]);
	while (h.n > 0 && c->pcap.err == 0) {
		struct gen_session *s = heap_pop(&h);
		if (s->next_ps > c->clock_ps)
			c->clock_ps = s->next_ps;
		gen_session_step(c, s);
		s->order = order++;
		if (s->phase != GEN_PH_DONE)
			heap_push(&h, s);
	}
	free(h.v);
	return c->pcap.err;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
gen_run(const struct gen_opts *o, struct gen_summary *sum, char *err, size_t errlen)
{
	struct gen_ctx *c = calloc(1, sizeof(*c));
	double t0 = now_s();

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ctx_open(c, o, err, errlen);
	if (rc == 0 && schedule(c) != 0)
		rc = c->pcap.err;
	memset(sum, 0, sizeof(*sum));
	sum->st = c->st;
	sum->pcap_bytes = c->pcap.bytes;
	sum->duration_us = c->clock_ps / 1000000;
	char spare[256];
	int rc2 = ctx_close(c, rc ? spare : err, rc ? sizeof(spare) : errlen);
	free(c);
	sum->seconds = now_s() - t0;
	return rc ? rc : rc2;
}

void
gen_summary_print(FILE *f, const struct gen_summary *sum)
{
	const struct gen_stats *st = &sum->st;

	fprintf(f,
		"bmptap-gen: %" PRIu64 " frames (%" PRIu64 " bgp, %" PRIu64 " background, %"
		PRIu64 " dropped, %" PRIu64 " reordered), %" PRIu64 " connections, msgs open=%"
		PRIu64 " update=%" PRIu64 " notification=%" PRIu64 " keepalive=%" PRIu64
		", ipv4 +%" PRIu64 " -%" PRIu64 ", ipv6 +%" PRIu64 " -%" PRIu64 ", %" PRIu64
		" frame bytes, %" PRIu64 " pcap bytes, %.3f s capture, %.2f s\n",
		st->frames, st->bgp_frames, st->bg_frames, st->dropped, st->reordered,
		st->connections, st->msgs[BGP_MSG_OPEN], st->msgs[BGP_MSG_UPDATE],
		st->msgs[BGP_MSG_NOTIFICATION], st->msgs[BGP_MSG_KEEPALIVE], st->ann[0], st->wd[0],
		st->ann[1], st->wd[1], st->bytes, sum->pcap_bytes, (double)sum->duration_us / 1e6,
		sum->seconds);
}
