/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NLRI iterator: walks one NLRI field prefix by prefix.
 *
 * Each entry is [path id (4, ADD-PATH)] length-in-bits, then for labeled
 * and VPN families the label stack and, for VPN, the route distinguisher,
 * which the length counts too (RFC 8277 2, RFC 4364 4.3.4), then the
 * address in as few octets as the remaining bits need.
 */
#include <string.h>

#include "bgp.h"

#define LABEL_BITS 24
#define RD_BITS 64
#define LABEL_BOS 0x01 /* bottom-of-stack bit, last octet of an entry */

void
bgp_nlri_iter_init(struct bgp_nlri_iter *it, struct wire_cur nlri, enum bgp_af af,
		   bool addpath, bool withdraw)
{
	it->c = nlri;
	it->af = (uint8_t)af;
	it->addpath = addpath;
	it->withdraw = withdraw;
}

static unsigned int
af_max_bits(uint8_t af)
{
	return bgp_af_afi(af) == BGP_AFI_IPV6 ? 128 : 32;
}

/*
 * Labels until bottom-of-stack in announcements; exactly one in
 * withdrawals, whose label field is a placeholder (RFC 8277 2.4: 0x800000
 * in RFC 3107 speakers, with the bit clear).
 */
static bool
read_labels(struct bgp_nlri_iter *it, struct bgp_prefix *p, unsigned int *bits)
{
	bool bottom;

	do {
		if (*bits < LABEL_BITS || p->nlabels == BGP_MAX_LABELS)
			return false;
		uint8_t *label = p->labels[p->nlabels];
		if (!wire_bytes(&it->c, label, 3))
			return false;
		*bits -= LABEL_BITS;
		p->nlabels++;
		bottom = it->withdraw || (label[2] & LABEL_BOS);
	} while (!bottom);
	return true;
}

/* Prefix octets, zero-padded; bits past the length are cleared, not judged. */
static bool
read_addr(struct bgp_nlri_iter *it, struct bgp_prefix *p, unsigned int bits)
{
	unsigned int n = (bits + 7) / 8;

	if (bits > af_max_bits(p->af) || !wire_bytes(&it->c, p->addr, n))
		return false;
	if (bits % 8)
		p->addr[n - 1] &= (uint8_t)(0xff00 >> (bits % 8));
	p->len = (uint8_t)bits;
	return true;
}

static bool
read_prefix(struct bgp_nlri_iter *it, struct bgp_prefix *p)
{
	uint8_t safi = bgp_af_safi(p->af);
	unsigned int bits;

	if (it->addpath)
		p->path_id = wire_u32(&it->c);
	bits = wire_u8(&it->c);
	if (it->c.bad)
		return false;
	if ((safi == BGP_SAFI_LABELED || safi == BGP_SAFI_VPN) && !read_labels(it, p, &bits))
		return false;
	if (safi == BGP_SAFI_VPN) {
		if (bits < RD_BITS || !wire_bytes(&it->c, p->rd, sizeof(p->rd)))
			return false;
		bits -= RD_BITS;
	}
	return read_addr(it, p, bits);
}

int
bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_prefix *p)
{
	if (it->c.bad)
		return -1;
	if (it->c.left == 0)
		return 0;
	memset(p, 0, sizeof(*p));
	p->af = it->af;
	if (it->af >= BGP_AF__COUNT || !read_prefix(it, p)) {
		it->c.bad = true; /* stop: later calls fail too */
		return -1;
	}
	return 1;
}
