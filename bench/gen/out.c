/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture clock and frame output. Timestamps advance per frame at
 * --pps, or by wire time at --bps (frame + FCS, preamble and inter-frame
 * gap: 24 bytes); idle periods between timed events jump the clock.
 * Frames go to the capture, or to the caller's sink (--tx) with their
 * capture time, which the transmitter paces on.
 */
#include "gen_int.h"
#include "tx.h"

#define START_US 1700000000000000ull /* fixed epoch: output must not
					 depend on the wall clock */
#define BG_FRAME_MAX 2048

/*
 * A sink's error stops the scheduler as a write error of the capture
 * would; frames made after it in the same step are not handed over nor
 * counted, so frames = what the sink saw.
 */
static void
write_one(struct gen_ctx *c, const uint8_t *f, size_t len)
{
	const struct gen_sink *k = c->opt->sink;

	if (k == NULL) {
		gen_pcap_write(&c->pcap, START_US + c->clock_ps / 1000000, f, len);
	} else if (c->pcap.err) {
		return;
	} else {
		int rc = k->frame(k->arg, f, len, c->clock_ps);
		if (rc)
			c->pcap.err = rc;
	}
	c->st.frames++;
	c->st.bytes += len;
	c->clock_ps += gen_pace_gap_ps(c->opt->pps, c->opt->bps, len);
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
