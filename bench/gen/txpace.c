/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture clock's step and the transmit pacer: pure arithmetic, so
 * the unit tests drive it with made-up TSC frequencies and times.
 */
#include <inttypes.h>

#include "tx.h"

#define PS_PER_S 1000000000000ull

uint64_t
gen_pace_gap_ps(uint64_t pps, uint64_t bps, size_t len)
{
	if (bps)
		return (uint64_t)(len + GEN_WIRE_OVERHEAD) * 8 * PS_PER_S / bps;
	return PS_PER_S / pps;
}

/* 128-bit products: cycles x 10^12 overflows 64 bits after 6 s at 3 GHz. */
uint64_t
gen_pace_ps(uint64_t hz, uint64_t cycles)
{
	__extension__ unsigned __int128 p = (unsigned __int128)cycles * PS_PER_S / hz;

	return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

uint64_t
gen_pace_cycles(uint64_t hz, uint64_t ps)
{
	__extension__ unsigned __int128 c =
		((unsigned __int128)ps * hz + PS_PER_S - 1) / PS_PER_S;

	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

unsigned
gen_pace_allowed(uint64_t hz, uint64_t elapsed, const uint64_t *ts_ps, unsigned n)
{
	uint64_t now = gen_pace_ps(hz, elapsed);
	unsigned k = 0;

	while (k < n && ts_ps[k] <= now)
		k++;
	return k;
}

static void
rate_str(char *s, size_t n, double v, const char *unit)
{
	if (v >= 1e9)
		snprintf(s, n, "%.3f G%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(s, n, "%.3f M%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(s, n, "%.3f k%s", v / 1e3, unit);
	else
		snprintf(s, n, "%.0f %s", v, unit);
}

void
gen_tx_summary_print(FILE *f, const char *port, const struct gen_tx_stats *st)
{
	double s = st->seconds > 0 ? st->seconds : 0;
	double wire = (double)(st->bytes + st->frames * GEN_WIRE_OVERHEAD) * 8;
	char pps[32], bps[32];

	rate_str(pps, sizeof(pps), s > 0 ? (double)st->frames / s : 0, "pps");
	rate_str(bps, sizeof(bps), s > 0 ? wire / s : 0, "bit/s");
	fprintf(f,
		"bmptap-gen: tx %s: %" PRIu64 " frames, %" PRIu64 " bytes sent in %.3f s: %s, "
		"%s on the wire (+%u B/frame); %" PRIu64 " bursts, %" PRIu64 " retries, %" PRIu64
		" not sent; port opackets %" PRIu64 " oerrors %" PRIu64 "\n",
		port, st->frames, st->bytes, s, pps, bps, GEN_WIRE_OVERHEAD, st->bursts,
		st->retries, st->not_sent, st->port_opackets, st->port_oerrors);
}
