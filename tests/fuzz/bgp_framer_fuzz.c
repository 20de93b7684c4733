/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framer fuzz target. The first 4 octets seed the chunking and options;
 * the rest is the stream, cut into chunks of pseudo-random sizes, each in
 * its own exactly-sized heap buffer so that any read past a chunk, or any
 * pointer kept into a chunk after the call, is caught by ASan.
 *
 * Checked: every message lies in its chunk or in the stage, passes
 * bgp_check_header with its own length and type; every call makes
 * progress; and every input octet is accounted for exactly once (message,
 * skipped, dropped by resync, or still held by the framer).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct acct {
	uint64_t in, msg, skipped, dropped;
};

static uint32_t
rng(uint32_t *s)
{
	/* xorshift32 */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static uint32_t
held(const struct bgp_framer *fr)
{
	return fr->need && fr->have == fr->need ? 0 : fr->have;
}

static void
check_msg(const struct bgp_framer *fr, const struct bgp_frame *f, const uint8_t *chunk,
	  size_t n)
{
	uint16_t len;
	uint8_t type;
	uintptr_t m = (uintptr_t)f->msg, c = (uintptr_t)chunk;
	bool in_chunk = m >= c && m + f->len <= c + n;

	if (!in_chunk && (f->msg != fr->stage || f->len != fr->need))
		abort();
	if (bgp_check_header(f->msg, fr->max_len, &len, &type) != BGP_OK)
		abort();
	if (len != f->len || type != f->type)
		abort();
}

static void
feed(struct bgp_framer *fr, const uint8_t *chunk, uint32_t n, struct acct *a)
{
	const uint8_t *p = chunk;
	uint32_t left = n;
	unsigned int calls = 0;
	enum bgp_frame_result r, last = BGP_FRAME_MORE;

	a->in += n;
	do {
		struct bgp_frame f;
		uint32_t before = left;

		r = bgp_framer_next(fr, &p, &left, &f);
		a->skipped += f.skipped;
		if (r == BGP_FRAME_MSG) {
			check_msg(fr, &f, chunk, n);
			a->msg += f.len;
		} else if (r == BGP_FRAME_BAD) {
			if (f.err == BGP_OK || f.err >= BGP_ERR__COUNT || last == BGP_FRAME_BAD)
				abort();
		} else if (left != 0) {
			abort();
		}
		if (r == BGP_FRAME_BAD && left != before && f.skipped == 0)
			abort(); /* a bad header gives back what it took */
		last = r;
		if (++calls > 2 * n + 4)
			abort();
	} while (r != BGP_FRAME_MORE);
	if (a->in != a->msg + a->skipped + a->dropped + held(fr))
		abort();
	if (fr->hunting && fr->have >= BGP_HDR_LEN)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_framer fr;
	struct acct a = { 0 };
	uint32_t seed;

	if (size < 4)
		return 0;
	seed = wire_load_u32(data) | 1;
	data += 4;
	size -= 4;
	bgp_framer_init(&fr, seed & 2 ? BGP_EXT_MAX_LEN : BGP_MAX_LEN);
	if (seed & 4)
		bgp_framer_resync(&fr);
	for (size_t off = 0; off < size;) {
		uint32_t r = rng(&seed);
		size_t n = r & 0x100 ? (r >> 16) % 4096 + 1 : (r >> 16) % 40 + 1;

		if (n > size - off)
			n = size - off;
		uint8_t *chunk = malloc(n);
		if (!chunk)
			break;
		memcpy(chunk, data + off, n);
		feed(&fr, chunk, (uint32_t)n, &a);
		free(chunk);
		off += n;
		if ((r & 0xff) == 0x42) {
			a.dropped += held(&fr);
			bgp_framer_resync(&fr);
		}
		if ((r & 0xff) == 0x17)
			bgp_framer_set_max(&fr, BGP_EXT_MAX_LEN);
	}
	bgp_framer_release(&fr);
	return 0;
}
