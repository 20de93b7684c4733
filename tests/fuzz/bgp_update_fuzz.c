/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UPDATE parser fuzz target. The first octet picks the negotiated
 * capabilities (bit 0: 4-octet AS; bits 1-7: ADD-PATH for families 0-6,
 * bit 7 also for VPNv6); the rest is an UPDATE body placed behind a valid
 * header in an exactly-sized buffer. An UPDATE the parser accepts must
 * iterate to the end of each of its NLRI fields without error, and every
 * prefix must respect its family's limits.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
view_in(struct wire_cur v, const uint8_t *msg, size_t len)
{
	uintptr_t p = (uintptr_t)v.p, m = (uintptr_t)msg;

	return !v.bad && (v.left == 0 || (p >= m && p + v.left <= m + len));
}

static void
check_prefix(const struct bgp_prefix *p, enum bgp_af af, bool withdraw)
{
	unsigned int max = bgp_af_afi(af) == BGP_AFI_IPV6 ? 128 : 32;
	uint8_t safi = bgp_af_safi(af);

	if (p->af != af || p->len > max || p->nlabels > BGP_MAX_LABELS)
		abort();
	for (unsigned int bit = p->len; bit < 128; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			abort(); /* bits past the length must be clear */
	if ((safi == BGP_SAFI_LABELED || safi == BGP_SAFI_VPN) &&
	    (p->nlabels == 0 || (withdraw && p->nlabels != 1)))
		abort();
	if (safi != BGP_SAFI_LABELED && safi != BGP_SAFI_VPN && p->nlabels)
		abort();
}

static void
walk(struct wire_cur field, uint16_t afi, uint8_t safi, const struct bgp_caps *caps,
     bool withdraw)
{
	int af = bgp_af_index(afi, safi);
	struct bgp_nlri_iter it;
	struct bgp_prefix p;
	int r;

	if (af < 0)
		return;
	bgp_nlri_iter_init(&it, field, (enum bgp_af)af, caps->addpath_mask >> af & 1, withdraw);
	while ((r = bgp_nlri_next(&it, &p)) == 1)
		check_prefix(&p, (enum bgp_af)af, withdraw);
	if (r != 0)
		abort(); /* the parser accepted a field the iterator refuses */
}

static void
check_update(const struct bgp_update *u, const uint8_t *msg, size_t len,
	     const struct bgp_caps *caps)
{
	if (!view_in(u->withdrawn, msg, len) || !view_in(u->attrs, msg, len) ||
	    !view_in(u->nlri, msg, len) || !view_in(u->reach_nlri, msg, len) ||
	    !view_in(u->unreach_nlri, msg, len))
		abort();
	if (u->is_eor && (u->nlri.left || u->withdrawn.left))
		abort();
	if (u->nlri.left && (u->attr_seen & 0xe) != 0xe)
		abort(); /* ORIGIN, AS_PATH, NEXT_HOP */
	walk(u->withdrawn, BGP_AFI_IPV4, BGP_SAFI_UNICAST, caps, true);
	walk(u->nlri, BGP_AFI_IPV4, BGP_SAFI_UNICAST, caps, false);
	if (u->has_reach)
		walk(u->reach_nlri, u->reach_afi, u->reach_safi, caps, false);
	if (u->has_unreach)
		walk(u->unreach_nlri, u->unreach_afi, u->unreach_safi, caps, true);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_update u;
	struct bgp_caps caps = { 0 };

	if (size < 1 || size - 1 > BGP_EXT_MAX_LEN - BGP_HDR_LEN)
		return 0;
	caps.as4 = data[0] & 1;
	caps.addpath_mask = (uint32_t)(data[0] >> 1) | (data[0] & 0x80 ? 1u << 7 : 0);
	caps.ext_msg = true;
	size_t len = BGP_HDR_LEN + size - 1;
	uint8_t *msg = malloc(len);
	if (!msg)
		return 0;
	memset(msg, 0xff, BGP_MARKER_LEN);
	wire_store_u16(msg + BGP_MARKER_LEN, (uint16_t)len);
	msg[BGP_HDR_LEN - 1] = BGP_MSG_UPDATE;
	memcpy(msg + BGP_HDR_LEN, data + 1, size - 1);
	if (bgp_parse_update(msg, (uint32_t)len, &caps, &u) == BGP_OK)
		check_update(&u, msg, len, &caps);
	free(msg);
	return 0;
}
