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

/* Low n bytes of a little-endian word (n <= 8). */
static inline uint64_t
low_bytes(uint64_t v, unsigned int n)
{
	return n >= 8 ? v : v & ((1ull << (8 * n)) - 1);
}

/*
 * Prefix octets, zero-padded; bits past the length are cleared, not judged.
 * With 16 bytes of field left, two word loads and masks replace a call to
 * memcpy (this runs for every prefix of every UPDATE).
 */
static bool
read_addr(struct bgp_nlri_iter *it, struct bgp_prefix *p, unsigned int bits)
{
	unsigned int n = (bits + 7) / 8;

	if (bits > af_max_bits(p->af) || it->c.left < n) {
		it->c.bad = true;
		return false;
	}
	if (it->c.left >= 16) {
		uint64_t lo, hi;
		memcpy(&lo, it->c.p, 8);
		memcpy(&hi, it->c.p + 8, 8);
		lo = low_bytes(lo, n);
		hi = n > 8 ? low_bytes(hi, n - 8) : 0;
		memcpy(p->addr, &lo, 8);
		memcpy(p->addr + 8, &hi, 8);
	} else {
		memset(p->addr, 0, sizeof(p->addr));
		memcpy(p->addr, it->c.p, n);
	}
	it->c.p += n;
	it->c.left -= n;
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
	/* the fields a prefix of this family leaves unset, not the whole struct */
	p->af = it->af;
	p->nlabels = 0;
	p->pad = 0;
	p->path_id = 0;
	memset(p->rd, 0, sizeof(p->rd));
	memset(p->labels, 0, sizeof(p->labels));
	if (it->af >= BGP_AF__COUNT || !read_prefix(it, p)) {
		it->c.bad = true; /* stop: later calls fail too */
		return -1;
	}
	return 1;
}

/* Skip a label stack as read_labels reads it, without storing it. */
static bool
skip_labels(struct wire_cur *c, bool withdraw, unsigned int *bits)
{
	for (unsigned int n = 0;; n++) {
		const uint8_t *label = *bits >= LABEL_BITS && n < BGP_MAX_LABELS ? wire_take(c, 3)
										 : NULL;
		if (!label)
			return false;
		*bits -= LABEL_BITS;
		if (withdraw || (label[2] & LABEL_BOS))
			return true;
	}
}

bool
bgp_nlri_valid(struct wire_cur c, enum bgp_af af, bool addpath, bool withdraw)
{
	uint8_t safi = bgp_af_safi(af);
	unsigned int max = af_max_bits(af);

	if ((unsigned int)af >= BGP_AF__COUNT)
		return false;
	while (c.left) {
		if (addpath && !wire_skip(&c, 4))
			return false;
		unsigned int bits = wire_u8(&c);
		if ((safi == BGP_SAFI_LABELED || safi == BGP_SAFI_VPN) &&
		    !skip_labels(&c, withdraw, &bits))
			return false;
		if (safi == BGP_SAFI_VPN && (bits < RD_BITS || !wire_skip(&c, 8)))
			return false;
		if (safi == BGP_SAFI_VPN)
			bits -= RD_BITS;
		if (bits > max || !wire_skip(&c, (bits + 7) / 8))
			return false;
	}
	return !c.bad;
}
