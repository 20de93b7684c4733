/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One session's lifecycle, as a state machine the scheduler steps:
 *
 *   CONNECT  3-way handshake, both OPENs, both KEEPALIVEs
 *   TABLE    one segment per sending direction per step, until both
 *            dumps (and their End-of-RIBs) are out
 *   CHURN    timed events: churn UPDATEs, KEEPALIVEs every 30 s, Cease
 *            resets (NOTIFICATION, FIN, back to CONNECT), and at the end
 *            FIN close (not after the last pass with --keep-open); then
 *            the next pass, or DONE
 *
 * Steps in CONNECT and TABLE want to run again at once; CHURN steps set
 * next_ps to their next event, in synthetic time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/bgp.h"
#include "gen_int.h"

#define PORT_SPAN 16384u         /* ephemeral ports 49152-65535 */
#define CEASE 6
#define CEASE_ADMIN_RESET 4

static int
dir_init(struct gen_ctx *c, struct gen_session *s, int di, struct gen_speaker *src,
	 struct gen_speaker *dst)
{
	struct gen_dir *d = &s->dir[di];
	size_t cap = gen_tcp_mss(c, s) + c->max_msg + 64;
	uint8_t *p = malloc(cap);

	d->held = malloc(c->frame_cap);
	if (p == NULL || d->held == NULL) {
		free(p);
		return -ENOMEM;
	}
	d->sbuf = wire_buf_make(p, cap);
	d->src = src;
	d->dst = dst;
	d->key = gen_hash3(c->opt->seed, 0x636875726eull, (uint64_t)s->idx << 1 | (unsigned)di);
	return 0;
}

static int
reset_ribs(struct gen_ctx *c, struct gen_session *s)
{
	const struct gen_opts *o = c->opt;
	int rc = gen_rib_reset(&s->dir[0].rib, o->ipv4, o->ipv6);

	if (rc == 0 && o->one_way)
		rc = gen_rib_reset(&s->dir[1].rib, 0, 0);
	else if (rc == 0)
		rc = gen_rib_reset(&s->dir[1].rib, o->ipv4, o->ipv6);
	return rc;
}

int
gen_session_init(struct gen_ctx *c, struct gen_session *s, uint32_t idx,
		 struct gen_speaker *a, struct gen_speaker *b, bool v6)
{
	memset(s, 0, sizeof(*s));
	s->idx = idx;
	s->v6 = v6;
	s->phase = GEN_PH_CONNECT;
	s->order = idx;
	gen_rng_seed(&s->rng, gen_hash3(c->opt->seed, 0x73657373ull, idx));
	s->port_base = (uint16_t)gen_rng_below(&s->rng, PORT_SPAN);
	int rc = dir_init(c, s, 0, a, b);
	if (rc == 0)
		rc = dir_init(c, s, 1, b, a);
	return rc ? rc : reset_ribs(c, s);
}

void
gen_session_free(struct gen_session *s)
{
	for (int di = 0; di < 2; di++) {
		free(s->dir[di].sbuf.p);
		free(s->dir[di].held);
		gen_rib_free(&s->dir[di].rib);
	}
}

static uint32_t
new_isn(struct gen_ctx *c, struct gen_session *s)
{
	if (c->opt->isn_wrap)
		return 0xffffffffu - (uint32_t)gen_rng_below(&s->rng, 1u << 20);
	return (uint32_t)gen_rng_next(&s->rng);
}

/* Fresh ports and ISNs: a new connection is never a retransmission. */
static void
new_connection(struct gen_ctx *c, struct gen_session *s)
{
	uint16_t eph = (uint16_t)(49152u + (s->port_base + s->conn) % PORT_SPAN);

	s->conn++;
	c->st.connections++;
	s->dir[0].sport = eph;
	s->dir[0].dport = 179;
	s->dir[1].sport = 179;
	s->dir[1].dport = eph;
	for (int di = 0; di < 2; di++) {
		struct gen_dir *d = &s->dir[di];
		d->seq = new_isn(c, s);
		d->ip_id = (uint16_t)gen_rng_next(&s->rng);
		d->unacked = 0;
		d->sbuf.len = 0;
		d->held_len = 0;
	}
}

static void
send_open(struct gen_ctx *c, struct gen_session *s, int di)
{
	struct gen_dir *d = &s->dir[di];
	struct gen_open o = {
		.asn = d->src->asn, .hold = GEN_HOLD_TIME,
		.addpath = c->opt->addpath, .ext_msg = c->opt->ext_msg,
	};

	memcpy(o.bgp_id, d->src->ip4, 4);
	gen_bgp_open(&d->sbuf, &o);
	gen_count_msg(c, BGP_MSG_OPEN);
	gen_tcp_push(c, s, di, true);
}

static void
send_keepalive(struct gen_ctx *c, struct gen_session *s, int di)
{
	gen_bgp_keepalive(&s->dir[di].sbuf);
	gen_count_msg(c, BGP_MSG_KEEPALIVE);
	gen_tcp_push(c, s, di, true);
}

static void
step_connect(struct gen_ctx *c, struct gen_session *s)
{
	new_connection(c, s);
	gen_tcp_connect(c, s);
	send_open(c, s, 0);
	send_open(c, s, 1);
	send_keepalive(c, s, 0);
	send_keepalive(c, s, 1);
	gen_tcp_settle(c, s);
	gen_feed_start(c, &s->dir[0]);
	gen_feed_start(c, &s->dir[1]);
	s->phase = GEN_PH_TABLE;
}

/* ---- churn clock -------------------------------------------------------- */

static uint64_t
reset_at(const struct gen_ctx *c, const struct gen_session *s)
{
	uint64_t span = s->churn_end_ps - s->churn_start_ps;

	return s->churn_start_ps + span / (c->opt->resets + 1) * (s->resets_done + 1);
}

/* Mean 1/rate, uniform jitter of +-50% (integer-only, so portable). */
static uint64_t
churn_gap(struct gen_ctx *c, struct gen_session *s)
{
	uint64_t mean = GEN_PS_PER_S / c->opt->churn;

	return mean / 2 + gen_rng_below(&s->rng, mean + 1);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t
next_event(const struct gen_ctx *c, const struct gen_session *s)
{
	uint64_t t = s->churn_end_ps;

	if (s->resets_done < c->opt->resets)
		t = min_u64(t, reset_at(c, s));
	t = min_u64(t, s->dir[0].next_ka_ps);
	t = min_u64(t, s->dir[1].next_ka_ps);
	return min_u64(t, s->next_churn_ps);
}

static void
enter_churn(struct gen_ctx *c, struct gen_session *s)
{
	uint64_t now = c->clock_ps;

	if (!s->churn_on) {
		s->churn_on = true;
		s->churn_start_ps = now;
		s->churn_end_ps = now + (uint64_t)c->opt->churn_ms * (GEN_PS_PER_S / 1000);
		s->next_churn_ps = c->opt->churn ? now + churn_gap(c, s) : UINT64_MAX;
	}
	s->dir[0].next_ka_ps = now + GEN_KEEPALIVE_PS;
	s->dir[1].next_ka_ps = now + GEN_KEEPALIVE_PS + GEN_PS_PER_S / 1000;
	s->phase = GEN_PH_CHURN;
}

static bool
table_dir(struct gen_ctx *c, struct gen_session *s, int di)
{
	struct gen_dir *d = &s->dir[di];
	size_t mss = gen_tcp_mss(c, s);

	while (d->sbuf.len < mss && gen_feed_message(c, d))
		;
	if (d->sbuf.len == 0)
		return false;
	gen_tcp_push(c, s, di, d->feed.fam > GEN_FAM_V6);
	return true;
}

static void
step_table(struct gen_ctx *c, struct gen_session *s)
{
	bool more = table_dir(c, s, 0);

	more |= table_dir(c, s, 1);
	if (more)
		return;
	gen_tcp_settle(c, s);
	enter_churn(c, s);
}

/* ---- resets and the end of a pass --------------------------------------- */

static void
do_reset(struct gen_ctx *c, struct gen_session *s)
{
	int who = (int)gen_rng_below(&s->rng, 2);
	struct gen_dir *d = &s->dir[who];

	gen_bgp_notification(&d->sbuf, CEASE, CEASE_ADMIN_RESET);
	gen_count_msg(c, BGP_MSG_NOTIFICATION);
	gen_tcp_push(c, s, who, true);
	gen_tcp_close(c, s, who);
	s->resets_done++;
	s->phase = GEN_PH_CONNECT;
}

static void
end_pass(struct gen_ctx *c, struct gen_session *s)
{
	/* the last pass may leave the session established (--keep-open) */
	bool last = s->pass + 1 >= c->opt->passes;
	if (!(last && c->opt->keep_open))
		gen_tcp_close(c, s, 0);
	gen_truth_dir(c, s, &s->dir[0]);
	gen_truth_dir(c, s, &s->dir[1]);
	s->pass++;
	s->churn_on = false;
	s->resets_done = 0;
	s->phase = GEN_PH_DONE;
	if (s->pass < c->opt->passes && reset_ribs(c, s) == 0)
		s->phase = GEN_PH_CONNECT;
}

static void
churn_event(struct gen_ctx *c, struct gen_session *s)
{
	int di = c->opt->one_way ? 0 : (int)gen_rng_below(&s->rng, 2);

	if (gen_churn_update(c, s, &s->dir[di]))
		gen_tcp_push(c, s, di, true);
	s->next_churn_ps += churn_gap(c, s);
}

static void
step_churn(struct gen_ctx *c, struct gen_session *s)
{
	uint64_t now = c->clock_ps;

	if (s->resets_done < c->opt->resets && now >= reset_at(c, s)) {
		do_reset(c, s);
		return;
	}
	if (now >= s->churn_end_ps) {
		end_pass(c, s);
		return;
	}
	for (int di = 0; di < 2; di++) {
		if (now >= s->dir[di].next_ka_ps) {
			send_keepalive(c, s, di);
			s->dir[di].next_ka_ps += GEN_KEEPALIVE_PS;
		}
	}
	if (now >= s->next_churn_ps)
		churn_event(c, s);
	gen_tcp_settle(c, s);
}

void
gen_session_step(struct gen_ctx *c, struct gen_session *s)
{
	switch (s->phase) {
	case GEN_PH_CONNECT:
		step_connect(c, s);
		break;
	case GEN_PH_TABLE:
		step_table(c, s);
		break;
	case GEN_PH_CHURN:
		step_churn(c, s);
		break;
	case GEN_PH_DONE:
		return;
	}
	s->next_ps = s->phase == GEN_PH_CHURN ? next_event(c, s) : c->clock_ps;
}
