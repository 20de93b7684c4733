/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP as the tap sees it: handshake, data segments cut at the MSS from
 * each direction's byte stream (BGP messages back to back, so they span
 * segments), cumulative ACKs every second segment, FIN close. Induced
 * tap loss drops a data segment from the capture only: the speakers got
 * it, so ACKs still cover it and nothing is retransmitted.
 */
#include <string.h>

#include "gen_int.h"

#define WIN_SYN 65535
#define WIN_DATA 2048            /* scaled by 2^7 after the handshake */
#define TOS_BGP 0xc0             /* precedence 6 (internetwork control) */
#define TTL_BGP 64

uint16_t
gen_tcp_mss(const struct gen_ctx *c, const struct gen_session *s)
{
	if (c->opt->mss)
		return c->opt->mss;
	return s->v6 ? 1428 : 1448;
}

static void
l3_of(const struct gen_ctx *c, const struct gen_session *s, struct gen_dir *d,
      struct gen_l3 *l3)
{
	memset(l3, 0, sizeof(*l3));
	l3->smac = d->src->mac;
	l3->dmac = d->dst->mac;
	l3->vlan = c->opt->vlan;
	l3->v6 = s->v6;
	l3->src = s->v6 ? d->src->ip6 : d->src->ip4;
	l3->dst = s->v6 ? d->dst->ip6 : d->dst->ip4;
	l3->tos = TOS_BGP;
	l3->ttl = TTL_BGP;
	l3->ip_id = d->ip_id++;
}

/* Build one segment of direction di into c->frame; returns its length. */
static size_t
build(struct gen_ctx *c, struct gen_session *s, int di, uint8_t flags, const uint8_t *data,
      size_t len, const uint8_t *opt, uint8_t optlen)
{
	struct gen_dir *d = &s->dir[di];
	struct gen_l3 l3;
	struct gen_tcp t = {
		.sport = d->sport, .dport = d->dport, .seq = d->seq,
		.ack = (flags & GEN_TCP_ACK) ? s->dir[di ^ 1].seq : 0, .flags = flags,
		.win = (flags & GEN_TCP_SYN) ? WIN_SYN : WIN_DATA, .opt = opt, .optlen = optlen,
	};
	struct wire_buf b = wire_buf_make(c->frame, c->frame_cap);

	l3_of(c, s, d, &l3);
	return gen_pkt_tcp(&b, &l3, &t, data, len);
}

static void
control(struct gen_ctx *c, struct gen_session *s, int di, uint8_t flags)
{
	size_t len = build(c, s, di, flags, NULL, 0, NULL, 0);

	if (flags & GEN_TCP_ACK)
		s->dir[di ^ 1].unacked = 0;
	gen_out_frame(c, c->frame, len, true);
}

static void
release_held(struct gen_ctx *c, struct gen_dir *d)
{
	if (d->held_len == 0)
		return;
	gen_out_frame(c, d->held, d->held_len, true);
	d->held_len = 0;
}

/*
 * Loss, reorder, or straight to the capture. Only a segment with another
 * one right behind it (`more`) is held back, so a hold is always a swap.
 */
static void
emit_data(struct gen_ctx *c, struct gen_session *s, struct gen_dir *d, size_t len,
	  uint32_t seq, uint32_t plen, bool more)
{
	const struct gen_opts *o = c->opt;

	if (o->loss_ppm && gen_rng_ppm(&c->rng, o->loss_ppm)) {
		c->st.dropped++;
		gen_truth_segment(c, s, d, "drop", seq, plen);
		return;
	}
	if (d->held_len) {
		gen_out_frame(c, c->frame, len, true);
		release_held(c, d);
		return;
	}
	if (more && o->reorder_ppm && gen_rng_ppm(&c->rng, o->reorder_ppm)) {
		memcpy(d->held, c->frame, len);
		d->held_len = len;
		c->st.reordered++;
		gen_truth_segment(c, s, d, "reorder", seq, plen);
		return;
	}
	gen_out_frame(c, c->frame, len, true);
}

static void
send_data(struct gen_ctx *c, struct gen_session *s, int di, const uint8_t *data,
	  uint32_t n, bool last)
{
	struct gen_dir *d = &s->dir[di];
	uint8_t flags = GEN_TCP_ACK | (last ? GEN_TCP_PSH : 0);
	size_t len = build(c, s, di, flags, data, n, NULL, 0);
	uint32_t seq = d->seq;

	d->seq += n;
	s->dir[di ^ 1].unacked = 0;
	d->unacked++;
	emit_data(c, s, d, len, seq, n, !last);
	if (d->unacked >= 2)
		control(c, s, di ^ 1, GEN_TCP_ACK);
}

void
gen_tcp_push(struct gen_ctx *c, struct gen_session *s, int di, bool all)
{
	struct gen_dir *d = &s->dir[di];
	size_t mss = gen_tcp_mss(c, s);
	size_t done = 0;

	while (d->sbuf.len - done >= mss || (all && d->sbuf.len > done)) {
		size_t left = d->sbuf.len - done;
		uint32_t n = (uint32_t)(left < mss ? left : mss);
		send_data(c, s, di, d->sbuf.p + done, n, n == left);
		done += n;
	}
	memmove(d->sbuf.p, d->sbuf.p + done, d->sbuf.len - done);
	d->sbuf.len -= done;
}

void
gen_tcp_settle(struct gen_ctx *c, struct gen_session *s)
{
	release_held(c, &s->dir[0]);
	release_held(c, &s->dir[1]);
	for (int di = 0; di < 2; di++)
		if (s->dir[di].unacked)
			control(c, s, di ^ 1, GEN_TCP_ACK);
}

/* MSS, NOP, window scale 7, NOP, NOP, SACK permitted. */
static size_t
syn_options(uint16_t mss, uint8_t *o)
{
	static const uint8_t tail[8] = { 1, 3, 3, 7, 1, 1, 4, 2 };

	o[0] = 2;
	o[1] = 4;
	wire_store_u16(o + 2, mss);
	memcpy(o + 4, tail, sizeof(tail));
	return 12;
}

static void
syn(struct gen_ctx *c, struct gen_session *s, int di, uint8_t flags)
{
	uint8_t opt[12];
	size_t olen = syn_options(gen_tcp_mss(c, s), opt);
	size_t len = build(c, s, di, flags, NULL, 0, opt, (uint8_t)olen);

	gen_out_frame(c, c->frame, len, true);
	s->dir[di].seq++;
}

void
gen_tcp_connect(struct gen_ctx *c, struct gen_session *s)
{
	syn(c, s, 0, GEN_TCP_SYN);
	syn(c, s, 1, GEN_TCP_SYN | GEN_TCP_ACK);
	control(c, s, 0, GEN_TCP_ACK);
}

void
gen_tcp_close(struct gen_ctx *c, struct gen_session *s, int first)
{
	gen_tcp_settle(c, s);
	control(c, s, first, GEN_TCP_FIN | GEN_TCP_ACK);
	s->dir[first].seq++;
	control(c, s, first ^ 1, GEN_TCP_FIN | GEN_TCP_ACK);
	s->dir[first ^ 1].seq++;
	control(c, s, first, GEN_TCP_ACK);
}
