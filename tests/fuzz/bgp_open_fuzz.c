/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OPEN parser fuzz target (plus NOTIFICATION and ROUTE-REFRESH, which take
 * the same bytes). The input is parsed as is, then as a message body behind
 * a valid header so the fuzzer spends its time past the marker. Parsed
 * results are checked against the limits the header promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[BGP_EXT_MAX_LEN];

static size_t
wrap(const uint8_t *body, size_t n, uint8_t type)
{
	memset(buf, 0xff, BGP_MARKER_LEN);
	wire_store_u16(buf + BGP_MARKER_LEN, (uint16_t)(BGP_HDR_LEN + n));
	buf[BGP_HDR_LEN - 1] = type;
	memcpy(buf + BGP_HDR_LEN, body, n);
	return BGP_HDR_LEN + n;
}

static void
check_open(const struct bgp_open *o)
{
	const uint32_t all = (1u << BGP_AF__COUNT) - 1;
	struct bgp_caps caps;
	struct bgp_open none = { .version = 4 };

	if (o->version != 4 || (!o->cap_as4 && o->asn != o->my_as))
		abort();
	if ((o->mp_mask & ~all) || (o->gr_af_mask & ~all) || (o->gr_flags & 0x0f) ||
	    o->gr_restart_time > 0x0fff)
		abort();
	for (unsigned int i = 0; i < BGP_AF__COUNT; i++)
		if (o->addpath[i] > (BGP_ADDPATH_SEND | BGP_ADDPATH_RECEIVE))
			abort();
	bgp_caps_negotiate(o, o, &caps);
	if (caps.as4 != o->cap_as4 || (caps.af_mask & ~all) || (caps.addpath_mask & ~all))
		abort();
	bgp_caps_negotiate(o, &none, &caps);
	if (caps.as4 || caps.addpath_mask || (caps.af_mask & ~(1u << BGP_AF_IPV4_UNICAST)))
		abort();
}

static void
parse_all(const uint8_t *msg, size_t len)
{
	struct bgp_open o;
	struct bgp_notification n;
	struct bgp_route_refresh rr;

	if (bgp_parse_open(msg, (uint32_t)len, &o) == BGP_OK)
		check_open(&o);
	if (bgp_parse_notification(msg, (uint32_t)len, &n) == BGP_OK &&
	    (n.data_len != len - 21 || n.data != msg + 21))
		abort();
	bgp_parse_route_refresh(msg, (uint32_t)len, &rr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_all(data, size);
	if (size > BGP_MAX_LEN - BGP_HDR_LEN)
		return 0;
	for (uint8_t type = BGP_MSG_OPEN; type <= BGP_MSG_ROUTE_REFRESH; type++) {
		size_t len = wrap(data, size, type);
		/* exact-size copy: a read past the message is an ASan error */
		uint8_t *msg = malloc(len);

		if (!msg)
			return 0;
		memcpy(msg, buf, len);
		parse_all(msg, len);
		free(msg);
	}
	return 0;
}
