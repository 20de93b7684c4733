/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Non-BGP background: UDP, TCP (never port 179) and ICMP echo between
 * hosts of the benchmarking ranges (198.18.0.0/15, 2001:db8:ff::/48).
 * Sizes are on-wire frame sizes, FCS included: simple IMIX 64/576/1500
 * in 7:4:1, or all 64. Background TCP runs on a few long-lived flows whose
 * sequence numbers advance, so analysers see plain one-way transfers.
 */
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

#define BG_HOSTS 64              /* 0-31 clients, 32-63 servers */
#define BG_FLOWS 32
#define BG_FLOWS_V4 24
#define FCS_LEN 4

struct bg_flow {
	uint8_t cli;
	uint8_t srv;
	bool v6;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
};

struct gen_bg {
	uint8_t mac[BG_HOSTS][6];
	uint8_t ip4[BG_HOSTS][4];
	uint8_t ip6[BG_HOSTS][16];
	struct bg_flow flow[BG_FLOWS];
	uint16_t ip_id;
	uint8_t zero[2048];
};

static const uint16_t imix_cum[3] = { 7, 11, 12 };
static const uint16_t imix_size[3] = { 64, 576, 1500 };
static const uint16_t tcp_ports[3] = { 443, 5201, 8080 };

static void
init_hosts(struct gen_bg *bg)
{
	static const uint8_t v6pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff };

	for (unsigned h = 0; h < BG_HOSTS; h++) {
		uint8_t mac[6] = { 0x02, 0xbb, 0, 0, 0, (uint8_t)h };
		uint8_t ip4[4] = { 198, h < 32 ? 18 : 19, 0, (uint8_t)(1 + h % 32) };
		memcpy(bg->mac[h], mac, 6);
		memcpy(bg->ip4[h], ip4, 4);
		memcpy(bg->ip6[h], v6pfx, 6);
		bg->ip6[h][15] = (uint8_t)(h + 1);
	}
}

struct gen_bg *
gen_bg_create(uint64_t seed)
{
	struct gen_bg *bg = calloc(1, sizeof(*bg));
	struct gen_rng r;

	if (bg == NULL)
		return NULL;
	init_hosts(bg);
	gen_rng_seed(&r, gen_hash2(seed, 0x6267ull));
	for (unsigned i = 0; i < BG_FLOWS; i++) {
		struct bg_flow *f = &bg->flow[i];
		f->cli = (uint8_t)gen_rng_below(&r, 32);
		f->srv = (uint8_t)(32 + gen_rng_below(&r, 32));
		f->v6 = i >= BG_FLOWS_V4;
		f->sport = (uint16_t)(32768 + i * 800 + gen_rng_below(&r, 800));
		f->dport = tcp_ports[gen_rng_below(&r, 3)];
		f->seq = (uint32_t)gen_rng_next(&r);
		f->ack = (uint32_t)gen_rng_next(&r);
	}
	return bg;
}

void
gen_bg_destroy(struct gen_bg *bg)
{
	free(bg);
}

static void
bg_l3(struct gen_bg *bg, const struct gen_opts *o, unsigned from, unsigned to, bool v6,
      struct gen_l3 *l3)
{
	memset(l3, 0, sizeof(*l3));
	l3->smac = bg->mac[from];
	l3->dmac = bg->mac[to];
	l3->vlan = o->vlan;
	l3->v6 = v6;
	l3->src = v6 ? bg->ip6[from] : bg->ip4[from];
	l3->dst = v6 ? bg->ip6[to] : bg->ip4[to];
	l3->ttl = 64;
	l3->ip_id = bg->ip_id++;
}

static bool
v6_fits(const struct gen_opts *o, size_t caplen, size_t l4hdr, size_t min)
{
	return 14u + (o->vlan ? 4u : 0u) + 40u + l4hdr + min <= caplen;
}

/* Payload bytes to reach a captured length (at least min). */
static size_t
payload_len(const struct gen_l3 *l3, size_t caplen, size_t l4hdr, size_t min)
{
	size_t hdr = gen_pkt_hdr_len(l3, l4hdr);

	return hdr + min > caplen ? min : caplen - hdr;
}

/* Flows below BG_FLOWS_V4 run over IPv4, the others over IPv6. */
static size_t
bg_tcp(struct gen_bg *bg, struct gen_rng *r, const struct gen_opts *o, size_t caplen,
       struct wire_buf *b)
{
	unsigned nflows = v6_fits(o, caplen, 20, 1) ? BG_FLOWS : BG_FLOWS_V4;
	struct bg_flow *f = &bg->flow[gen_rng_below(r, nflows)];
	struct gen_l3 l3;

	bg_l3(bg, o, f->cli, f->srv, f->v6, &l3);
	size_t n = payload_len(&l3, caplen, 20, 1);
	struct gen_tcp t = {
		.sport = f->sport, .dport = f->dport, .seq = f->seq, .ack = f->ack,
		.flags = GEN_TCP_ACK | GEN_TCP_PSH, .win = 512,
	};
	f->seq += (uint32_t)n;
	return gen_pkt_tcp(b, &l3, &t, bg->zero, n);
}

static void
pick_pair(struct gen_rng *r, unsigned *from, unsigned *to)
{
	unsigned cli = (unsigned)gen_rng_below(r, 32);
	unsigned srv = 32 + (unsigned)gen_rng_below(r, 32);
	bool up = gen_rng_below(r, 2) == 0;

	*from = up ? cli : srv;
	*to = up ? srv : cli;
}

static size_t
bg_udp_icmp(struct gen_bg *bg, struct gen_rng *r, const struct gen_opts *o, size_t caplen,
	    bool icmp, struct wire_buf *b)
{
	unsigned from, to;
	struct gen_l3 l3;

	pick_pair(r, &from, &to);
	bool v6 = gen_rng_below(r, 4) == 0 && v6_fits(o, caplen, 8, 0);

	bg_l3(bg, o, from, to, v6, &l3);
	size_t n = payload_len(&l3, caplen, 8, 0);
	uint16_t x = (uint16_t)gen_rng_next(r);
	uint16_t y = (uint16_t)(60000 + gen_rng_below(r, 1000));
	if (icmp)
		return gen_pkt_echo(b, &l3, x, y, bg->zero, n);
	return gen_pkt_udp(b, &l3, (uint16_t)(61000 + x % 1000), y, bg->zero, n);
}

size_t
gen_bg_frame(struct gen_bg *bg, struct gen_rng *r, const struct gen_opts *o, uint8_t *out,
	     size_t cap)
{
	size_t wire = 64;
	struct wire_buf b = wire_buf_make(out, cap);

	if (o->bg_kind == GEN_BG_IMIX)
		wire = imix_size[gen_rng_pick(r, imix_cum, 3)];
	size_t caplen = wire - FCS_LEN;
	uint64_t k = gen_rng_below(r, 10);
	if (k < 6)
		return bg_udp_icmp(bg, r, o, caplen, false, &b);
	if (k < 9)
		return bg_tcp(bg, r, o, caplen, &b);
	return bg_udp_icmp(bg, r, o, caplen, true, &b);
}
