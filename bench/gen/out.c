/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture clock and frame output. Timestamps advance per frame at
 * --pps, or by wire time at --bps (frame + FCS, preamble and inter-frame
 * gap: 24 bytes); idle periods between timed events jump the clock.
 */
#include "gen_int.h"

#define START_US 1700000000000000ull /* fixed epoch: output must not
					 depend on the wall clock */
#define WIRE_OVERHEAD 24
#define BG_FRAME_MAX 2048

static uint64_t
frame_gap_ps(const struct gen_ctx *c, size_t len)
{
	if (c->opt->bps)
		return (uint64_t)(len + WIRE_OVERHEAD) * 8 * GEN_PS_PER_S / c->opt->bps;
	return GEN_PS_PER_S / c->opt->pps;
}

static void
write_one(struct gen_ctx *c, const uint8_t *f, size_t len)
{
	gen_pcap_write(&c->pcap, START_US + c->clock_ps / 1000000, f, len);
	c->st.frames++;
	c->st.bytes += len;
	c->clock_ps += frame_gap_ps(c, len);
}

void
gen_out_frame(struct gen_ctx *c, const uint8_t *f, size_t len, bool bgp)
{
	uint8_t bgf[BG_FRAME_MAX];

	write_one(c, f, len);
	if (!bgp) {
		c->st.bg_frames++;
		return;
	}
	c->st.bgp_frames++;
	/* Geometric number of background frames: share bg of all frames. */
	while (c->opt->bg_ppm && gen_rng_ppm(&c->rng, c->opt->bg_ppm)) {
		size_t n = gen_bg_frame(c->bg, &c->rng, c->opt, bgf, sizeof(bgf));
		write_one(c, bgf, n);
		c->st.bg_frames++;
	}
}
