/* Local libFuzzer harness for dataplane/bmp.c (not in tree: fuzz_deps has no bmp entry). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/bmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
check_out(const uint8_t *buf, struct wire_buf *b, size_t pre, int rc, uint8_t want_type)
{
	uint8_t t;
	uint32_t l;

	if (rc == 0) {
		if (b->overflow || bmp_read_common(buf + pre, b->len - pre, &t, &l) != 0 ||
		    t != want_type || l != b->len - pre)
			abort();
	} else if (rc == -ENOSPC) {
		if (!b->overflow || b->len != pre)
			abort();
	} else if (rc == -EINVAL) {
		if (b->overflow || b->len != pre)
			abort();
	} else {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct wire_cur c = wire_cur_make(d, n);
	struct bmp_peer peer;
	struct bmp_peer_hdr h;
	uint8_t type, sel, *buf;
	uint32_t len, cap, plen, plen2;
	const uint8_t *pdu, *pdu2;
	struct bmp_tlv tlv[4];
	struct bmp_stat st[4];
	unsigned nt;
	size_t pre;
	int rc;

	bmp_read_common(d, n, &type, &len);
	sel = wire_u8(&c);
	cap = wire_u16(&c);
	pre = wire_u8(&c) % 8;
	if (!wire_bytes(&c, &peer, sizeof(peer)))
		return 0;
	bmp_peer_hdr_build(&h, &peer);
	plen = wire_u16(&c) % 300;
	pdu = wire_take(&c, plen);
	plen2 = wire_u16(&c) % 300;
	pdu2 = wire_take(&c, plen2);
	if (c.bad)
		return 0;
	nt = wire_u8(&c) % 5;
	for (unsigned i = 0; i < nt; i++) {
		tlv[i].type = wire_u16(&c);
		tlv[i].len = wire_u8(&c);
		tlv[i].value = wire_take(&c, tlv[i].len);
		st[i].type = wire_u16(&c) % 24;
		st[i].kind = wire_u8(&c) % 4;
		st[i].afi = 1;
		st[i].safi = 1;
		st[i].value = wire_u32(&c);
	}
	cap += pre;
	buf = malloc(cap ? cap : 1);
	memset(buf, 0, pre < cap ? pre : cap);
	struct wire_buf b = wire_buf_make(buf, cap);
	b.len = pre < cap ? pre : cap;
	pre = b.len;
	switch (sel % 8) {
	case 0:
		rc = bmp_put_initiation(&b, tlv, nt);
		check_out(buf, &b, pre, rc, BMP_MSG_INITIATION);
		break;
	case 1:
		rc = bmp_put_termination(&b, (enum bmp_term_reason)(sel >> 4), NULL);
		check_out(buf, &b, pre, rc, BMP_MSG_TERMINATION);
		break;
	case 2:
		rc = bmp_put_route_monitoring(&b, &h, len, pdu, plen);
		check_out(buf, &b, pre, rc, BMP_MSG_ROUTE_MONITORING);
		break;
	case 3:
		rc = bmp_put_peer_up(&b, &h, len, peer.addr, 1, 2, pdu, plen, pdu2, plen2, tlv, nt);
		check_out(buf, &b, pre, rc, BMP_MSG_PEER_UP);
		break;
	case 4:
		rc = bmp_put_peer_down(&b, &h, len, (enum bmp_down_reason)(sel >> 4), pdu, plen,
				       (uint16_t)len);
		check_out(buf, &b, pre, rc, BMP_MSG_PEER_DOWN);
		break;
	case 5:
		rc = bmp_put_stats_report(&b, &h, len, st, nt);
		check_out(buf, &b, pre, rc, BMP_MSG_STATISTICS_REPORT);
		break;
	case 6:
		rc = bmp_put_route_mirroring(&b, &h, len, (sel & 0x10) ? pdu : NULL, plen,
					     (int)(int16_t)len);
		check_out(buf, &b, pre, rc, BMP_MSG_ROUTE_MIRRORING);
		break;
	default:
		break;
	}
	free(buf);
	return 0;
}
