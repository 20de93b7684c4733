/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for classify_frame(): arbitrary bytes as a frame. A BGP
 * verdict must point at a payload inside the input whose length matches
 * the headers' bounds; anything else aborts so the fuzzer reports it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Smallest BGP frame: Ethernet, IPv4 or IPv6 header, TCP header. */
#define MIN_V4 (14 + 20 + 20)
#define MIN_V6 (14 + 40 + 20)

static void
check_bgp(const uint8_t *data, size_t size, const struct classify_pkt *p)
{
	if (p->family != 4 && p->family != 6)
		abort();
	if (p->nvlan > CLASSIFY_MAX_VLANS)
		abort();
	if (p->sport != CLASSIFY_BGP_PORT && p->dport != CLASSIFY_BGP_PORT)
		abort();
	/* Compare as integers: the pointer may not be formed outside data. */
	uintptr_t lo = (uintptr_t)data, at = (uintptr_t)p->payload;

	if (p->payload == NULL || at < lo || at - lo > size)
		abort();
	size_t off = at - lo;

	if (p->payload_len > size - off)
		abort();
	if (off < (p->family == 4 ? MIN_V4 : MIN_V6) + 4u * p->nvlan)
		abort();
	if (p->family == 4 && (memcmp(p->src + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) ||
			       memcmp(p->dst + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12)))
		abort();
	if (p->payload_len) {
		/* Touch both ends so ASan checks them. */
		volatile uint8_t sink = p->payload[0];

		sink = p->payload[p->payload_len - 1];
		(void)sink;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify_pkt p;
	enum classify_verdict v;

	if (size > UINT32_MAX)
		return 0;
	v = classify_frame(data, (uint32_t)size, &p);
	if ((unsigned int)v >= CLASSIFY__COUNT)
		abort();
	if (strcmp(classify_verdict_name(v), "unknown") == 0)
		abort();
	if (v == CLASSIFY_BGP)
		check_bgp(data, size, &p);
	return 0;
}
