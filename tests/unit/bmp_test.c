/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BMP encoder tests. Every expected vector is written by hand from the
 * RFC 7854 layouts (section numbers in the comments); none is produced
 * by the code under test. The last test feeds one stream of every vector
 * to Wireshark's BMP dissector as an independent check.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/bmp.h"

/* ---- BGP PDUs used as input (RFC 4271 4.1-4.5) and inside vectors ---- */

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/* UPDATE, 23 bytes: IPv4 unicast End-of-RIB. */
#define PDU_EOR MARKER, 0x00, 0x17, 0x02, \
	0x00, 0x00,             /* withdrawn routes length */ \
	0x00, 0x00              /* total path attribute length */

/* UPDATE, 47 bytes: 198.51.100.0/24 via 192.0.2.1, AS_PATH 65001. */
#define PDU_UPDATE MARKER, 0x00, 0x2f, 0x02, \
	0x00, 0x00,             /* withdrawn routes length */ \
	0x00, 0x14,             /* total path attribute length: 20 */ \
	0x40, 0x01, 0x01, 0x00, /* ORIGIN IGP */ \
	0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, /* AS_SEQUENCE 65001 */ \
	0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01, /* NEXT_HOP 192.0.2.1 */ \
	0x18, 0xc6, 0x33, 0x64  /* NLRI 198.51.100.0/24 */

/* OPEN, 29 bytes: version 4, AS 65002, hold 180, ID 192.0.2.2. */
#define PDU_OPEN_A MARKER, 0x00, 0x1d, 0x01, \
	0x04, 0xfd, 0xea, 0x00, 0xb4, 0xc0, 0x00, 0x02, 0x02, \
	0x00                    /* optional parameters length */

/* OPEN, 29 bytes: version 4, AS 65001, hold 90, ID 192.0.2.1. */
#define PDU_OPEN_B MARKER, 0x00, 0x1d, 0x01, \
	0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x01, \
	0x00

/* NOTIFICATION, 21 bytes: Cease / Administrative Shutdown. */
#define PDU_CEASE MARKER, 0x00, 0x15, 0x03, 0x06, 0x02

/* NOTIFICATION, 21 bytes: Hold Timer Expired. */
#define PDU_HOLD MARKER, 0x00, 0x15, 0x03, 0x04, 0x00

static const uint8_t pdu_eor[] = { PDU_EOR };
static const uint8_t pdu_update[] = { PDU_UPDATE };
static const uint8_t pdu_open_a[] = { PDU_OPEN_A };
static const uint8_t pdu_open_b[] = { PDU_OPEN_B };
static const uint8_t pdu_cease[] = { PDU_CEASE };
static const uint8_t pdu_hold[] = { PDU_HOLD };

/* ---- peers and their per-peer headers (RFC 7854 4.2) ---- */

/* 1700000000.123456 s and 1.999999 s */
#define T1 1700000000123456ull
#define T2 1999999ull
#define TS1 0x65, 0x53, 0xf1, 0x00, /* timestamp seconds 1700000000 */ \
	    0x00, 0x01, 0xe2, 0x40  /* timestamp microseconds 123456 */
#define TS2 0x00, 0x00, 0x00, 0x01, /* timestamp seconds 1 */ \
	    0x00, 0x0f, 0x42, 0x3f  /* timestamp microseconds 999999 */
#define TS0 0, 0, 0, 0, 0, 0, 0, 0

/* Global Instance, IPv4 192.0.2.1, AS 65001, no flags. */
#define PEER4 { \
	.type = BMP_PEER_GLOBAL, .family = 4, .addr = { 192, 0, 2, 1 }, \
	.as = 65001, .bgp_id = 0xc0000201, \
}
static const struct bmp_peer peer4 = PEER4;
#define PH4(ts) 0x00,           /* peer type: Global Instance */ \
	0x00,                   /* flags: none */ \
	0, 0, 0, 0, 0, 0, 0, 0, /* peer distinguisher */ \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x01, /* address */ \
	0x00, 0x00, 0xfd, 0xe9, /* peer AS 65001 */ \
	0xc0, 0x00, 0x02, 0x01, /* peer BGP ID 192.0.2.1 */ \
	ts

/* Global Instance, IPv6 2001:db8::1, AS 4200000001, post-policy (L). */
#define PEER6 { \
	.type = BMP_PEER_GLOBAL, .flags = BMP_PEER_FLAG_L, .family = 6, \
	.addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, .as = 4200000001u, .bgp_id = 0x0a000001, \
}
static const struct bmp_peer peer6 = PEER6;
#define PH6(ts) 0x00,           /* peer type: Global Instance */ \
	0xc0,                   /* flags: V | L */ \
	0, 0, 0, 0, 0, 0, 0, 0, /* peer distinguisher */ \
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* address */ \
	0xfa, 0x56, 0xea, 0x01, /* peer AS 4200000001 */ \
	0x0a, 0x00, 0x00, 0x01, /* peer BGP ID 10.0.0.1 */ \
	ts

/* Local Instance with a distinguisher, IPv4 198.51.100.7, A and O flags. */
#define PEERL { \
	.type = BMP_PEER_LOCAL, .flags = BMP_PEER_FLAG_A | BMP_PEER_FLAG_O, .family = 4, \
	.distinguisher = { 0x00, 0x00, 0xfd, 0xea, 0xc0, 0x00, 0x02, 0x02 }, \
	.addr = { 198, 51, 100, 7 }, .as = 64512, .bgp_id = 0xc6336407, \
}
static const struct bmp_peer peerl = PEERL;
#define PHL(ts) 0x02,           /* peer type: Local Instance */ \
	0x30,                   /* flags: A | O */ \
	0x00, 0x00, 0xfd, 0xea, 0xc0, 0x00, 0x02, 0x02, /* peer distinguisher */ \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc6, 0x33, 0x64, 0x07, /* address */ \
	0x00, 0x00, 0xfc, 0x00, /* peer AS 64512 */ \
	0xc6, 0x33, 0x64, 0x07, /* peer BGP ID 198.51.100.7 */ \
	ts

static struct bmp_peer_hdr h4, h6, hl;

static int
setup_headers(void **state)
{
	(void)state;
	bmp_peer_hdr_build(&h4, &peer4);
	bmp_peer_hdr_build(&h6, &peer6);
	bmp_peer_hdr_build(&hl, &peerl);
	return 0;
}

/* ---- per-peer header construction ---- */

struct hdr_case {
	const char *name;
	struct bmp_peer peer;
	uint8_t want[BMP_PEER_HDR_LEN];
};

static const struct hdr_case hdr_cases[] = {
	{ "ipv4 global", PEER4, { PH4(TS0) } },
	{ "ipv6 global L", PEER6, { PH6(TS0) } },
	{ "local instance A O", PEERL, { PHL(TS0) } },
	{ "V from family 4 clears caller V, keeps L A O",
	  { .type = BMP_PEER_GLOBAL, .flags = 0xf0, .family = 4, .addr = { 10, 1, 2, 3 },
	    .as = 1, .bgp_id = 2 },
	  { 0x00, 0x70, /* type, flags L | A | O */
	    0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2, 3,
	    0, 0, 0, 1, 0, 0, 0, 2, TS0 } },
	{ "RD instance ipv6, V set from family 6",
	  { .type = BMP_PEER_RD, .family = 6,
	    .distinguisher = { 0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x64 },
	    .addr = { 0xfe, 0x80, [14] = 0xab, [15] = 0xcd }, .as = 0x01020304,
	    .bgp_id = 0x05060708 },
	  { 0x01, 0x80, /* type RD Instance, flags V */
	    0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x64, /* RD type 1 192.0.2.1:100 */
	    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd,
	    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, TS0 } },
};

static void
test_peer_hdr_build(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		struct bmp_peer_hdr h;

		memset(&h, 0x5a, sizeof(h));
		bmp_peer_hdr_build(&h, &hdr_cases[i].peer);
		if (memcmp(h.b, hdr_cases[i].want, BMP_PEER_HDR_LEN) != 0)
			fail_msg("peer header case '%s'", hdr_cases[i].name);
	}
}

/* ---- should_encode: one builder and its hand-made bytes per case ---- */

static const struct bmp_tlv init_tlvs[] = {
	{ BMP_INFO_SYSNAME, 4, "tap1" },
	{ BMP_INFO_SYSDESCR, 10, "bmptap 0.1" },
	{ BMP_INFO_STRING, 3, "lab" },
};
static const struct bmp_tlv up_tlvs[] = {
	{ BMP_INFO_STRING, 8, "inferred" },
	{ 3, 4, "blue" },        /* VRF/Table Name (RFC 9069) */
};
static const uint8_t local4[16] = { 192, 0, 2, 2 };
static const uint8_t local6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const struct bmp_stat stats5[] = {
	{ .type = 2, .kind = BMP_STAT_COUNTER32, .value = 5 },
	{ .type = 7, .kind = BMP_STAT_GAUGE64, .value = 0x100000002ull },
	{ .type = 9, .kind = BMP_STAT_AF_GAUGE64, .afi = 2, .safi = 1, .value = 1000 },
	{ .type = 13, .kind = BMP_STAT_COUNTER32, .value = 0x100000003ull }, /* wraps to 3 */
	{ .type = 16, .kind = BMP_STAT_AF_GAUGE64, .afi = 1, .safi = 128,
	  .value = 0x0102030405060708ull },
};
static const struct bmp_stat stats_exp[] = {
	{ .type = 65531, .kind = BMP_STAT_COUNTER32, .value = 42 },
};

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static int
b_init(struct wire_buf *b)
{
	return bmp_put_initiation(b, init_tlvs, N(init_tlvs));
}

static const uint8_t v_init[] = {
	0x03, 0x00, 0x00, 0x00, 0x23, 0x04, /* version 3, length 35, Initiation */
	0x00, 0x02, 0x00, 0x04, 't', 'a', 'p', '1', /* sysName */
	0x00, 0x01, 0x00, 0x0a, 'b', 'm', 'p', 't', 'a', 'p', ' ', '0', '.', '1', /* sysDescr */
	0x00, 0x00, 0x00, 0x03, 'l', 'a', 'b', /* String */
};

static int
b_up4(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h4, T1, local4, 179, 50000, pdu_open_a, sizeof(pdu_open_a),
			       pdu_open_b, sizeof(pdu_open_b), NULL, 0);
}

static const uint8_t v_up4[] = {
	0x03, 0x00, 0x00, 0x00, 0x7e, 0x03, /* length 126, Peer Up */
	PH4(TS1),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x02, /* local address */
	0x00, 0xb3,             /* local port 179 */
	0xc3, 0x50,             /* remote port 50000 */
	PDU_OPEN_A,             /* sent OPEN */
	PDU_OPEN_B,             /* received OPEN */
};

static int
b_up6(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h6, T2, local6, 40000, 179, pdu_open_b, sizeof(pdu_open_b),
			       pdu_open_a, sizeof(pdu_open_a), NULL, 0);
}

static const uint8_t v_up6[] = {
	0x03, 0x00, 0x00, 0x00, 0x7e, 0x03, /* length 126, Peer Up */
	PH6(TS2),
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* local address */
	0x9c, 0x40,             /* local port 40000 */
	0x00, 0xb3,             /* remote port 179 */
	PDU_OPEN_B,             /* sent OPEN */
	PDU_OPEN_A,             /* received OPEN */
};

static int
b_up6_info(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h6, T2, local6, 40000, 179, pdu_open_b, sizeof(pdu_open_b),
			       pdu_open_a, sizeof(pdu_open_a), up_tlvs, N(up_tlvs));
}

static const uint8_t v_up6_info[] = {
	0x03, 0x00, 0x00, 0x00, 0x92, 0x03, /* length 146, Peer Up */
	PH6(TS2),
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* local address */
	0x9c, 0x40,             /* local port 40000 */
	0x00, 0xb3,             /* remote port 179 */
	PDU_OPEN_B,             /* sent OPEN */
	PDU_OPEN_A,             /* received OPEN */
	0x00, 0x00, 0x00, 0x08, 'i', 'n', 'f', 'e', 'r', 'r', 'e', 'd', /* String */
	0x00, 0x03, 0x00, 0x04, 'b', 'l', 'u', 'e', /* VRF/Table Name */
};

static int
b_rm4(struct wire_buf *b)
{
	return bmp_put_route_monitoring(b, &h4, T1, pdu_eor, sizeof(pdu_eor));
}

static const uint8_t v_rm4[] = {
	0x03, 0x00, 0x00, 0x00, 0x47, 0x00, /* length 71, Route Monitoring */
	PH4(TS1),
	PDU_EOR,
};

static int
b_rm6(struct wire_buf *b)
{
	return bmp_put_route_monitoring(b, &h6, T2, pdu_update, sizeof(pdu_update));
}

static const uint8_t v_rm6[] = {
	0x03, 0x00, 0x00, 0x00, 0x5f, 0x00, /* length 95, Route Monitoring */
	PH6(TS2),
	PDU_UPDATE,
};

static int
b_rml(struct wire_buf *b)
{
	return bmp_put_route_monitoring(b, &hl, T1, pdu_update, sizeof(pdu_update));
}

static const uint8_t v_rml[] = {
	0x03, 0x00, 0x00, 0x00, 0x5f, 0x00, /* length 95, Route Monitoring */
	PHL(TS1),
	PDU_UPDATE,
};

static int
b_stats(struct wire_buf *b)
{
	return bmp_put_stats_report(b, &h4, T1, stats5, N(stats5));
}

static const uint8_t v_stats[] = {
	0x03, 0x00, 0x00, 0x00, 0x6e, 0x01, /* length 110, Statistics Report */
	PH4(TS1),
	0x00, 0x00, 0x00, 0x05, /* stats count */
	0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, /* type 2, counter 5 */
	0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* type 7 */
	0x00, 0x09, 0x00, 0x0b, /* type 9, length 11 */
	0x00, 0x02, 0x01,       /* AFI 2, SAFI 1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, /* gauge 1000 */
	0x00, 0x0d, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, /* type 13, counter (mod 2^32) */
	0x00, 0x10, 0x00, 0x0b, /* type 16, length 11 */
	0x00, 0x01, 0x80,       /* AFI 1, SAFI 128 */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* gauge */
};

static int
b_stats_exp(struct wire_buf *b)
{
	return bmp_put_stats_report(b, &hl, T1, stats_exp, N(stats_exp));
}

static const uint8_t v_stats_exp[] = {
	0x03, 0x00, 0x00, 0x00, 0x3c, 0x01, /* length 60, Statistics Report */
	PHL(TS1),
	0x00, 0x00, 0x00, 0x01, /* stats count */
	0xff, 0xfb, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2a, /* experimental 65531, counter 42 */
};

static int
b_stats0(struct wire_buf *b)
{
	return bmp_put_stats_report(b, &h6, T2, NULL, 0);
}

static const uint8_t v_stats0[] = {
	0x03, 0x00, 0x00, 0x00, 0x34, 0x01, /* length 52, Statistics Report */
	PH6(TS2),
	0x00, 0x00, 0x00, 0x00, /* stats count 0 */
};

static int
b_mir_pdu(struct wire_buf *b)
{
	return bmp_put_route_mirroring(b, &h4, T1, pdu_eor, sizeof(pdu_eor), -1);
}

static const uint8_t v_mir_pdu[] = {
	0x03, 0x00, 0x00, 0x00, 0x4b, 0x06, /* length 75, Route Mirroring */
	PH4(TS1),
	0x00, 0x00, 0x00, 0x17, /* TLV BGP Message, length 23 */
	PDU_EOR,
};

static int
b_mir_info(struct wire_buf *b)
{
	return bmp_put_route_mirroring(b, &hl, T1, NULL, 0, BMP_MIRROR_MESSAGES_LOST);
}

static const uint8_t v_mir_info[] = {
	0x03, 0x00, 0x00, 0x00, 0x36, 0x06, /* length 54, Route Mirroring */
	PHL(TS1),
	0x00, 0x01, 0x00, 0x02, 0x00, 0x01, /* TLV Information: Messages Lost */
};

static int
b_mir_both(struct wire_buf *b)
{
	return bmp_put_route_mirroring(b, &h6, T2, pdu_eor, sizeof(pdu_eor),
				       BMP_MIRROR_ERRORED_PDU);
}

static const uint8_t v_mir_both[] = {
	0x03, 0x00, 0x00, 0x00, 0x51, 0x06, /* length 81, Route Mirroring */
	PH6(TS2),
	0x00, 0x00, 0x00, 0x17, /* TLV BGP Message, length 23 */
	PDU_EOR,
	0x00, 0x01, 0x00, 0x02, 0x00, 0x00, /* TLV Information: Errored PDU */
};

static int
b_down1(struct wire_buf *b)
{
	return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_LOCAL_NOTIFY, pdu_cease,
				 sizeof(pdu_cease), 0);
}

static const uint8_t v_down1[] = {
	0x03, 0x00, 0x00, 0x00, 0x46, 0x02, /* length 70, Peer Down */
	PH4(TS1),
	0x01,                   /* reason 1: local, NOTIFICATION follows */
	PDU_CEASE,
};

static int
b_down2(struct wire_buf *b)
{
	return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_LOCAL_NO_NOTIFY, NULL, 0, 10);
}

static const uint8_t v_down2[] = {
	0x03, 0x00, 0x00, 0x00, 0x33, 0x02, /* length 51, Peer Down */
	PH4(TS1),
	0x02,                   /* reason 2: local, FSM event follows */
	0x00, 0x0a,             /* FSM event 10 (HoldTimer_Expires) */
};

static int
b_down3(struct wire_buf *b)
{
	return bmp_put_peer_down(b, &hl, T1, BMP_DOWN_REMOTE_NOTIFY, pdu_hold,
				 sizeof(pdu_hold), 0);
}

static const uint8_t v_down3[] = {
	0x03, 0x00, 0x00, 0x00, 0x46, 0x02, /* length 70, Peer Down */
	PHL(TS1),
	0x03,                   /* reason 3: remote, NOTIFICATION follows */
	PDU_HOLD,
};

static int
b_down4(struct wire_buf *b)
{
	return bmp_put_peer_down(b, &h6, T2, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0, 0);
}

static const uint8_t v_down4[] = {
	0x03, 0x00, 0x00, 0x00, 0x31, 0x02, /* length 49, Peer Down */
	PH6(TS2),
	0x04,                   /* reason 4: remote, no data */
};

static int
b_down5(struct wire_buf *b)
{
	return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_DECONFIGURED, NULL, 0, 0);
}

static const uint8_t v_down5[] = {
	0x03, 0x00, 0x00, 0x00, 0x31, 0x02, /* length 49, Peer Down */
	PH4(TS1),
	0x05,                   /* reason 5: de-configured, no data */
};

static int
b_term_text(struct wire_buf *b)
{
	return bmp_put_termination(b, BMP_TERM_ADMIN_CLOSE, "bye");
}

static const uint8_t v_term_text[] = {
	0x03, 0x00, 0x00, 0x00, 0x13, 0x05, /* length 19, Termination */
	0x00, 0x00, 0x00, 0x03, 'b', 'y', 'e', /* String TLV first */
	0x00, 0x01, 0x00, 0x02, 0x00, 0x00, /* Reason TLV: administratively closed */
};

static int
b_term_empty(struct wire_buf *b)
{
	return bmp_put_termination(b, BMP_TERM_OUT_OF_RESOURCES, "");
}

static const uint8_t v_term_empty[] = {
	0x03, 0x00, 0x00, 0x00, 0x10, 0x05, /* length 16, Termination */
	0x00, 0x00, 0x00, 0x00, /* empty String TLV */
	0x00, 0x01, 0x00, 0x02, 0x00, 0x02, /* Reason TLV: out of resources */
};

static int
b_term(struct wire_buf *b)
{
	return bmp_put_termination(b, BMP_TERM_PERMANENT_CLOSE, NULL);
}

static const uint8_t v_term[] = {
	0x03, 0x00, 0x00, 0x00, 0x0c, 0x05, /* length 12, Termination */
	0x00, 0x01, 0x00, 0x02, 0x00, 0x04, /* Reason TLV: permanently closed */
};

struct enc_case {
	const char *name;
	int (*build)(struct wire_buf *b);
	const uint8_t *want;
	size_t len;
	uint8_t type;
	bool ws40_bug;          /* Wireshark 4.0 cannot dissect it: kept out of the stream */
};

#define ENC(n, t) { #n, b_##n, v_##n, sizeof(v_##n), t, false }
#define ENC_WS40_BUG(n, t) { #n, b_##n, v_##n, sizeof(v_##n), t, true }

/* In stream order: the tshark test sends them as one BMP session. */
static const struct enc_case should_encode[] = {
	ENC(init, BMP_MSG_INITIATION),
	ENC(up4, BMP_MSG_PEER_UP),
	ENC(up6, BMP_MSG_PEER_UP),
	/* 4.0 reads whatever follows the OPENs as more BGP messages (RFC 7854 4.10) */
	ENC_WS40_BUG(up6_info, BMP_MSG_PEER_UP),
	ENC(rm4, BMP_MSG_ROUTE_MONITORING),
	ENC(rm6, BMP_MSG_ROUTE_MONITORING),
	ENC(rml, BMP_MSG_ROUTE_MONITORING),
	ENC(stats, BMP_MSG_STATISTICS_REPORT),
	ENC(stats0, BMP_MSG_STATISTICS_REPORT),
	/* 4.0 throws on stat types from 100 up (IANA experimental: 65531-65534) */
	ENC_WS40_BUG(stats_exp, BMP_MSG_STATISTICS_REPORT),
	ENC(mir_pdu, BMP_MSG_ROUTE_MIRRORING),
	ENC(mir_info, BMP_MSG_ROUTE_MIRRORING),
	/* 4.0 hands the TLVs to the BGP dissector as one blob (RFC 7854 4.7) */
	ENC_WS40_BUG(mir_both, BMP_MSG_ROUTE_MIRRORING),
	ENC(down1, BMP_MSG_PEER_DOWN),
	ENC(down2, BMP_MSG_PEER_DOWN),
	ENC(down3, BMP_MSG_PEER_DOWN),
	ENC(down4, BMP_MSG_PEER_DOWN),
	ENC(down5, BMP_MSG_PEER_DOWN),
	ENC(term_text, BMP_MSG_TERMINATION),
	ENC(term_empty, BMP_MSG_TERMINATION),
	ENC(term, BMP_MSG_TERMINATION),
};

#define N_ENC N(should_encode)
#define GUARD 64
#define FILL 0xa5

static void
test_should_encode(void **state)
{
	uint8_t buf[512];

	(void)state;
	for (unsigned i = 0; i < N_ENC; i++) {
		const struct enc_case *c = &should_encode[i];
		struct wire_buf b = wire_buf_make(buf, sizeof(buf));
		int rc = c->build(&b);

		size_t k = 0;

		while (k < c->len && k < b.len && buf[k] == c->want[k])
			k++;
		if (rc != 0 || b.overflow || b.len != c->len || k != c->len)
			fail_msg("should_encode '%s': rc %d len %zu want %zu, differs at %zu",
				 c->name, rc, b.len, c->len, k);
	}
}

/* Appending after earlier data: bytes land at the end, nothing before moves. */
static void
test_encode_appends(void **state)
{
	uint8_t buf[256];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));

	(void)state;
	assert_int_equal(b_term(&b), 0);
	assert_int_equal(b_rm4(&b), 0);
	assert_int_equal(b.len, sizeof(v_term) + sizeof(v_rm4));
	assert_memory_equal(buf, v_term, sizeof(v_term));
	assert_memory_equal(buf + sizeof(v_term), v_rm4, sizeof(v_rm4));
}

/*
 * Every cap short of the message (including one byte short) fails with
 * -ENOSPC, latches overflow, appends nothing and writes nothing at all:
 * the whole buffer, and the guard region past cap, keep their fill.
 */
static void
test_overflow(void **state)
{
	uint8_t buf[512 + GUARD];

	(void)state;
	for (unsigned i = 0; i < N_ENC; i++) {
		const struct enc_case *c = &should_encode[i];

		for (size_t pre = 0; pre <= 7; pre += 7) {
			for (size_t cap = pre; cap < pre + c->len; cap++) {
				struct wire_buf b = wire_buf_make(buf, cap);
				size_t k;

				memset(buf, FILL, sizeof(buf));
				b.len = pre;
				if (c->build(&b) != -ENOSPC || !b.overflow || b.len != pre)
					fail_msg("'%s' cap %zu pre %zu", c->name, cap, pre);
				for (k = 0; k < cap + GUARD && buf[k] == FILL; k++)
					;
				if (k != cap + GUARD)
					fail_msg("'%s' cap %zu: byte %zu written", c->name, cap, k);
			}
		}
	}
}

static void
test_overflow_latched(void **state)
{
	uint8_t buf[512];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));

	(void)state;
	b.overflow = true;
	assert_int_equal(b_rm4(&b), -ENOSPC);
	assert_int_equal(b.len, 0);
}

/* The exact fit succeeds: the bound is "fits", not "fits with room". */
static void
test_exact_fit(void **state)
{
	uint8_t buf[512];

	(void)state;
	for (unsigned i = 0; i < N_ENC; i++) {
		struct wire_buf b = wire_buf_make(buf, should_encode[i].len);

		assert_int_equal(should_encode[i].build(&b), 0);
		assert_int_equal(b.len, should_encode[i].len);
	}
}

/* ---- should_error: invalid arguments give -EINVAL and touch nothing ---- */

static const struct bmp_tlv tlv_descr_only[] = { { BMP_INFO_SYSDESCR, 1, "x" } };
static const struct bmp_tlv tlv_null_value[] = {
	{ BMP_INFO_SYSNAME, 4, NULL }, { BMP_INFO_SYSDESCR, 1, "x" },
};
static const struct bmp_stat stat_bad_kind[] = { { .type = 65531, .kind = 3 } };
static const struct bmp_stat stat_c32_as_gauge[] = { { .type = 0, .kind = BMP_STAT_GAUGE64 } };
static const struct bmp_stat stat_gauge_as_c32[] = { { .type = 7, .kind = BMP_STAT_COUNTER32 } };
static const struct bmp_stat stat_af_as_gauge[] = { { .type = 17, .kind = BMP_STAT_GAUGE64 } };

/* An OPEN of 4097 bytes, self-consistent but past RFC 8654's OPEN limit. */
static const uint8_t *
big_open(void)
{
	static uint8_t m[4097];

	memset(m, 0xff, 16);
	m[16] = 0x10;
	m[17] = 0x01;
	m[18] = 1;
	m[19] = 4;
	return m;
}

static int e_init_no_sysname(struct wire_buf *b)
{ return bmp_put_initiation(b, tlv_descr_only, 1); }
static int e_init_null_value(struct wire_buf *b)
{ return bmp_put_initiation(b, tlv_null_value, 2); }
static int e_init_null_tlvs(struct wire_buf *b)
{ return bmp_put_initiation(b, NULL, 2); }
static int e_init_empty(struct wire_buf *b)
{ return bmp_put_initiation(b, NULL, 0); }
static int e_term_reason_5(struct wire_buf *b)
{ return bmp_put_termination(b, (enum bmp_term_reason)5, NULL); }
static int e_term_reason_neg(struct wire_buf *b)
{ return bmp_put_termination(b, (enum bmp_term_reason)-1, "x"); }
static int e_rm_null(struct wire_buf *b)
{ return bmp_put_route_monitoring(b, &h4, T1, NULL, 0); }
static int e_rm_short(struct wire_buf *b)
{ return bmp_put_route_monitoring(b, &h4, T1, pdu_eor, 22); }
static int e_rm_len_mismatch(struct wire_buf *b)
{ return bmp_put_route_monitoring(b, &h4, T1, pdu_update, 46); }
static int e_rm_not_update(struct wire_buf *b)
{ return bmp_put_route_monitoring(b, &h4, T1, pdu_open_a, sizeof(pdu_open_a)); }
static int e_rm_too_long(struct wire_buf *b)
{ return bmp_put_route_monitoring(b, &h4, T1, pdu_eor, 65536); }
static int e_up_null_local(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h4, T1, NULL, 1, 2, pdu_open_a, 29, pdu_open_b, 29, NULL, 0);
}
static int e_up_sent_not_open(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h4, T1, local4, 1, 2, pdu_eor, 23, pdu_open_b, 29, NULL, 0);
}
static int e_up_recv_len(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h4, T1, local4, 1, 2, pdu_open_a, 29, pdu_open_b, 28, NULL, 0);
}
static int e_up_open_4097(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h4, T1, local4, 1, 2, pdu_open_a, 29, big_open(), 4097,
			       NULL, 0);
}
static int e_up_tlv_null(struct wire_buf *b)
{
	return bmp_put_peer_up(b, &h4, T1, local4, 1, 2, pdu_open_a, 29, pdu_open_b, 29,
			       tlv_null_value, 2);
}
static int e_down_reason_0(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, (enum bmp_down_reason)0, NULL, 0, 0); }
static int e_down_reason_6(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, (enum bmp_down_reason)6, NULL, 0, 0); }
static int e_down1_null(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_LOCAL_NOTIFY, NULL, 0, 0); }
static int e_down3_update(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_REMOTE_NOTIFY, pdu_eor, 23, 0); }
static int e_down1_short(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_LOCAL_NOTIFY, pdu_cease, 20, 0); }
static int e_down2_data(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_LOCAL_NO_NOTIFY, pdu_cease, 21, 0); }
static int e_down4_data(struct wire_buf *b)
{ return bmp_put_peer_down(b, &h4, T1, BMP_DOWN_REMOTE_NO_NOTIFY, pdu_cease, 21, 0); }
static int e_stats_bad_kind(struct wire_buf *b)
{ return bmp_put_stats_report(b, &h4, T1, stat_bad_kind, 1); }
static int e_stats_c32_as_gauge(struct wire_buf *b)
{ return bmp_put_stats_report(b, &h4, T1, stat_c32_as_gauge, 1); }
static int e_stats_gauge_as_c32(struct wire_buf *b)
{ return bmp_put_stats_report(b, &h4, T1, stat_gauge_as_c32, 1); }
static int e_stats_af_as_gauge(struct wire_buf *b)
{ return bmp_put_stats_report(b, &h4, T1, stat_af_as_gauge, 1); }
static int e_stats_null(struct wire_buf *b)
{ return bmp_put_stats_report(b, &h4, T1, NULL, 1); }
static int e_mir_none(struct wire_buf *b)
{ return bmp_put_route_mirroring(b, &h4, T1, NULL, 0, -1); }
static int e_mir_info_big(struct wire_buf *b)
{ return bmp_put_route_mirroring(b, &h4, T1, NULL, 0, 65536); }
static int e_mir_pdu_len(struct wire_buf *b)
{ return bmp_put_route_mirroring(b, &h4, T1, pdu_update, 46, -1); }

struct err_case {
	const char *name;
	int (*build)(struct wire_buf *b);
};

#define ERR(n) { #n, e_##n }

static const struct err_case should_error[] = {
	ERR(init_no_sysname), ERR(init_null_value), ERR(init_null_tlvs), ERR(init_empty),
	ERR(term_reason_5), ERR(term_reason_neg),
	ERR(rm_null), ERR(rm_short), ERR(rm_len_mismatch), ERR(rm_not_update), ERR(rm_too_long),
	ERR(up_null_local), ERR(up_sent_not_open), ERR(up_recv_len), ERR(up_open_4097),
	ERR(up_tlv_null),
	ERR(down_reason_0), ERR(down_reason_6), ERR(down1_null), ERR(down3_update),
	ERR(down1_short), ERR(down2_data), ERR(down4_data),
	ERR(stats_bad_kind), ERR(stats_c32_as_gauge), ERR(stats_gauge_as_c32),
	ERR(stats_af_as_gauge), ERR(stats_null),
	ERR(mir_none), ERR(mir_info_big), ERR(mir_pdu_len),
};

static void
test_should_error(void **state)
{
	uint8_t buf[256];

	(void)state;
	for (unsigned i = 0; i < N(should_error); i++) {
		struct wire_buf b = wire_buf_make(buf, sizeof(buf));
		size_t k;
		int rc;

		memset(buf, FILL, sizeof(buf));
		rc = should_error[i].build(&b);
		for (k = 0; k < sizeof(buf) && buf[k] == FILL; k++)
			;
		if (rc != -EINVAL || b.len != 0 || b.overflow || k != sizeof(buf))
			fail_msg("should_error '%s': rc %d", should_error[i].name, rc);
	}
}

/* ---- limits ---- */

/* A 65535-byte string is the largest TLV value; one more is refused. */
static void
test_term_text_limit(void **state)
{
	size_t cap = 6 + 4 + 65536 + 6;
	uint8_t *buf = malloc(cap);
	char *text = malloc(65537);
	struct wire_buf b = wire_buf_make(buf, cap);

	(void)state;
	assert_non_null(buf);
	assert_non_null(text);
	memset(text, 'x', 65536);
	text[65536] = '\0';
	assert_int_equal(bmp_put_termination(&b, BMP_TERM_REDUNDANT, text), -EINVAL);
	assert_int_equal(b.len, 0);
	text[65535] = '\0';
	assert_int_equal(bmp_put_termination(&b, BMP_TERM_REDUNDANT, text), 0);
	assert_int_equal(b.len, 65551);
	/* version, length 65551 = 0x0001000f, type 5, String TLV length 0xffff */
	assert_memory_equal(buf, ((const uint8_t[]){ 0x03, 0x00, 0x01, 0x00, 0x0f, 0x05,
						   0x00, 0x00, 0xff, 0xff, 'x' }), 11);
	/* Reason TLV after the string: redundant connection (3) */
	assert_memory_equal(buf + 65545, ((const uint8_t[]){ 0x00, 0x01, 0x00, 0x02,
							   0x00, 0x03 }), 6);
	free(text);
	free(buf);
}

/* RM of a 65535-byte extended UPDATE is BMP_MAX_MSG_LEN bytes. */
static void
test_rm_max(void **state)
{
	uint8_t *pdu = calloc(1, 65535);
	uint8_t *buf = malloc(BMP_MAX_MSG_LEN);
	struct wire_buf b = wire_buf_make(buf, BMP_MAX_MSG_LEN);

	(void)state;
	assert_non_null(pdu);
	assert_non_null(buf);
	memset(pdu, 0xff, 16);
	pdu[16] = 0xff;
	pdu[17] = 0xff;
	pdu[18] = 2;
	pdu[65534] = 0x77;
	assert_int_equal(bmp_put_route_monitoring(&b, &h4, T1, pdu, 65535), 0);
	assert_int_equal(b.len, 65583);
	/* version, length 65583 = 0x0001002f, Route Monitoring */
	assert_memory_equal(buf, ((const uint8_t[]){ 0x03, 0x00, 0x01, 0x00, 0x2f, 0x00 }), 6);
	assert_memory_equal(buf + 48, pdu, 65535);
	free(buf);
	free(pdu);
}

/* ---- bmp_read_common ---- */

struct rc_case {
	const char *name;
	uint8_t in[6];
	size_t avail;
	int rc;
	uint8_t type;
	uint32_t len;
};

static const struct rc_case read_cases[] = {
	{ "rm", { 0x03, 0x00, 0x00, 0x00, 0x47, 0x00 }, 6, 0, 0, 71 },
	{ "rm 65583", { 0x03, 0x00, 0x01, 0x00, 0x2f, 0x00 }, 6, 0, 0, 65583 },
	{ "initiation header only", { 0x03, 0x00, 0x00, 0x00, 0x06, 0x04 }, 6, 0, 4, 6 },
	{ "unknown type 7", { 0x03, 0x00, 0x00, 0x00, 0x06, 0x07 }, 6, 0, 7, 6 },
	{ "peer down 49", { 0x03, 0x00, 0x00, 0x00, 0x31, 0x02 }, 6, 0, 2, 49 },
	{ "peer up 126", { 0x03, 0x00, 0x00, 0x00, 0x7e, 0x03 }, 6, 0, 3, 126 },
	{ "short 0", { 0 }, 0, -EAGAIN, 0, 0 },
	{ "short 1", { 0x03 }, 1, -EAGAIN, 0, 0 },
	{ "short 5", { 0x03, 0x00, 0x00, 0x00, 0x47, 0x00 }, 5, -EAGAIN, 0, 0 },
	{ "version 2", { 0x02, 0x00, 0x00, 0x00, 0x47, 0x00 }, 6, -EINVAL, 0, 0 },
	{ "version 0", { 0x00, 0x00, 0x00, 0x00, 0x47, 0x00 }, 6, -EINVAL, 0, 0 },
	{ "length 0", { 0x03, 0x00, 0x00, 0x00, 0x00, 0x04 }, 6, -EINVAL, 0, 0 },
	{ "length 5", { 0x03, 0x00, 0x00, 0x00, 0x05, 0x05 }, 6, -EINVAL, 0, 0 },
	{ "rm 70 < header + UPDATE", { 0x03, 0x00, 0x00, 0x00, 0x46, 0x00 }, 6, -EINVAL, 0, 0 },
	{ "stats 51", { 0x03, 0x00, 0x00, 0x00, 0x33, 0x01 }, 6, -EINVAL, 0, 0 },
	{ "peer down 48", { 0x03, 0x00, 0x00, 0x00, 0x30, 0x02 }, 6, -EINVAL, 0, 0 },
	{ "peer up 125", { 0x03, 0x00, 0x00, 0x00, 0x7d, 0x03 }, 6, -EINVAL, 0, 0 },
	{ "mirroring 47", { 0x03, 0x00, 0x00, 0x00, 0x2f, 0x06 }, 6, -EINVAL, 0, 0 },
};

static void
test_read_common(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N(read_cases); i++) {
		const struct rc_case *c = &read_cases[i];
		uint8_t type = 0xee;
		uint32_t len = 0xeeeeeeee;
		int rc = bmp_read_common(c->in, c->avail, &type, &len);

		if (rc != c->rc || (rc == 0 && (type != c->type || len != c->len)))
			fail_msg("read_common '%s': rc %d type %u len %u", c->name, rc, type, len);
	}
}

/* Every hand-made vector reads back with its own type and length. */
static void
test_read_common_vectors(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_ENC; i++) {
		const struct enc_case *c = &should_encode[i];
		uint8_t type;
		uint32_t len;

		assert_int_equal(bmp_read_common(c->want, c->len, &type, &len), 0);
		assert_int_equal(type, c->type);
		assert_int_equal(len, c->len);
	}
}

/* ---- Wireshark as an independent oracle ---- */

#define PORT_CLIENT 40000
#define PORT_BMP 11019
#define ISN_C 0x10000000u
#define ISN_S 0x20000000u
#define TCP_SYN 0x02
#define TCP_PSH_ACK 0x18
#define TCP_SYN_ACK 0x12
#define TCP_ACK 0x10
#define SEG_MAX 300

static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_s[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t ip_c[4] = { 192, 0, 2, 100 };
static const uint8_t ip_s[4] = { 192, 0, 2, 200 };

static uint16_t
csum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One Ethernet/IPv4/TCP frame as a pcap record. */
static void
pcap_segment(FILE *f, unsigned idx, bool to_srv, uint32_t seq, uint32_t ack, uint8_t flags,
	     const uint8_t *data, size_t len)
{
	uint8_t pkt[54 + SEG_MAX + 512], *ip = pkt + 14, *tcp = pkt + 34, ph[12];
	uint32_t rec[4] = { 1700000000u + idx, 0, (uint32_t)(54 + len), (uint32_t)(54 + len) };

	assert_true(len <= SEG_MAX + 512);
	memset(pkt, 0, 54);
	memcpy(pkt, to_srv ? mac_s : mac_c, 6);     /* destination */
	memcpy(pkt + 6, to_srv ? mac_c : mac_s, 6); /* source */
	pkt[12] = 0x08;                              /* EtherType IPv4 */
	ip[0] = 0x45;
	wire_store_u16(ip + 2, (uint16_t)(40 + len)); /* total length */
	wire_store_u16(ip + 4, (uint16_t)idx);        /* identification */
	ip[6] = 0x40;                                /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, to_srv ? ip_c : ip_s, 4);
	memcpy(ip + 16, to_srv ? ip_s : ip_c, 4);
	wire_store_u16(ip + 10, csum(0, ip, 20));
	wire_store_u16(tcp, to_srv ? PORT_CLIENT : PORT_BMP);
	wire_store_u16(tcp + 2, to_srv ? PORT_BMP : PORT_CLIENT);
	wire_store_u32(tcp + 4, seq);
	wire_store_u32(tcp + 8, ack);
	tcp[12] = 0x50;
	tcp[13] = flags;
	wire_store_u16(tcp + 14, 65535);
	if (len)
		memcpy(tcp + 20, data, len);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	wire_store_u16(ph + 10, (uint16_t)(20 + len));
	wire_store_u16(tcp + 16, csum(~csum(0, ph, 12) & 0xffff, tcp, 20 + len));
	assert_int_equal(fwrite(rec, sizeof(rec), 1, f), 1);
	assert_int_equal(fwrite(pkt, 54 + len, 1, f), 1);
}

/*
 * Handshake, then the encoder's output for each case in order, whole
 * messages packed per segment.
 */
static void
write_stream_pcap(const char *path)
{
	const uint32_t pcap_hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	FILE *f = fopen(path, "wb");
	uint32_t seq = ISN_C + 1;
	unsigned idx = 0, i = 0;

	assert_non_null(f);
	assert_int_equal(fwrite(pcap_hdr, sizeof(pcap_hdr), 1, f), 1);
	pcap_segment(f, idx++, true, ISN_C, 0, TCP_SYN, NULL, 0);
	pcap_segment(f, idx++, false, ISN_S, ISN_C + 1, TCP_SYN_ACK, NULL, 0);
	pcap_segment(f, idx++, true, ISN_C + 1, ISN_S + 1, TCP_ACK, NULL, 0);
	while (i < N_ENC) {
		uint8_t seg[SEG_MAX + 512];
		struct wire_buf b = wire_buf_make(seg, sizeof(seg));

		do {
			const struct enc_case *c = &should_encode[i++];

			if (!c->ws40_bug)
				assert_int_equal(c->build(&b), 0);
		} while (i < N_ENC && b.len + should_encode[i].len <= SEG_MAX);
		if (b.len == 0)
			continue;
		pcap_segment(f, idx++, true, seq, ISN_S + 1, TCP_PSH_ACK, seg, b.len);
		seq += (uint32_t)b.len;
	}
	pcap_segment(f, idx++, false, ISN_S + 1, seq, TCP_ACK, NULL, 0);
	assert_int_equal(fclose(f), 0);
}

/* Fields, and their values written from the vectors' definitions, in stream order. */
static const char *const ts_fields[][2] = {
	{ "bmp.type", "4,3,3,0,0,0,1,1,6,6,2,2,2,2,2,5,5,5" },
	{ "_ws.malformed", "" },
	{ "tcp.analysis.flags", "" },   /* sequence numbers consistent */
	{ "bmp.peer.type", "0,0,0,0,2,0,0,0,2,0,0,2,0,0" },
	{ "bmp.peer.flags", "0x00,0xc0,0x00,0xc0,0x30,0x00,0xc0,0x00,0x30,0x00,0x00,0x30,"
	  "0xc0,0x00" },
	{ "bmp.peer.distinguisher", "0000000000000000,0000000000000000,0000000000000000,"
	  "0000000000000000,0000fdeac0000202,0000000000000000,0000000000000000,"
	  "0000000000000000,0000fdeac0000202,0000000000000000,0000000000000000,"
	  "0000fdeac0000202,0000000000000000,0000000000000000" },
	{ "bmp.peer.ip.addr", "192.0.2.1,192.0.2.1,198.51.100.7,192.0.2.1,192.0.2.1,"
	  "198.51.100.7,192.0.2.1,192.0.2.1,198.51.100.7,192.0.2.1" },
	{ "bmp.peer.ipv6.addr", "2001:db8::1,2001:db8::1,2001:db8::1,2001:db8::1" },
	{ "bmp.peer.asn", "65001,4200000001,65001,4200000001,64512,65001,4200000001,65001,"
	  "64512,65001,65001,64512,4200000001,65001" },
	{ "bmp.peer.timestamp.sec", "1700000000,1,1700000000,1,1700000000,1700000000,1,"
	  "1700000000,1700000000,1700000000,1700000000,1700000000,1,1700000000" },
	/* 4.0 labels the microseconds field "msec" */
	{ "bmp.peer.timestamp.msec", "123456,999999,123456,999999,123456,123456,999999,"
	  "123456,123456,123456,123456,123456,999999,123456" },
	{ "bmp.peer.up.ip.addr", "192.0.2.2" },
	{ "bmp.peer.up.ipv6.addr", "2001:db8::2" },
	{ "bmp.peer.up.port.local", "179,40000" },
	{ "bmp.peer.up.port.remote", "50000,179" },
	{ "bgp.type", "1,1,1,1,2,2,2,2,3,3" },
	{ "bmp.peer.down.reason", "1,2,3,4,5" },
	{ "bmp.stats.count", "5,0" },
	{ "bmp.stats.type", "2,7,9,13,16" },
	{ "bmp.stats.length", "4,8,11,4,11" },
	{ "bmp.init.type", "2,1,0" },
	{ "bmp.init.info", "tap1,bmptap 0.1,lab" },
	/* 4.0 dissects only the first Termination TLV */
	{ "bmp.term.type", "0,0,1" },
	{ "bmp.term.info", "bye," }, /* then term_empty's empty string */
	{ "bmp.term.reason", "4" },
};

#define NFIELDS N(ts_fields)

/* Append each non-empty tab-separated field of a line to its column. */
static void
collect_fields(char *line, char cols[][1024])
{
	char *p = line, *tok;

	line[strcspn(line, "\n")] = '\0';
	for (unsigned k = 0; k < NFIELDS && (tok = strsep(&p, "\t")) != NULL; k++) {
		if (*tok == '\0')
			continue;
		if (cols[k][0] != '\0')
			strncat(cols[k], ",", 1023 - strlen(cols[k]));
		strncat(cols[k], tok, 1023 - strlen(cols[k]));
	}
}

static void
test_tshark_stream(void **state)
{
	char dir[] = "/tmp/bmp_test.XXXXXX", path[64], cmd[2048], line[4096];
	char cols[NFIELDS][1024] = { { 0 } };
	FILE *p;
	int n;

	(void)state;
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stream.pcap", dir);
	write_stream_pcap(path);
	n = snprintf(cmd, sizeof(cmd), "tshark -r %s -d tcp.port==%u,bmp -T fields "
		     "-E occurrence=a -E aggregator=,", path, PORT_BMP);
	for (unsigned k = 0; k < NFIELDS; k++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -e %s", ts_fields[k][0]);
	n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " 2>/dev/null");
	assert_true((size_t)n < sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		collect_fields(line, cols);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	rmdir(dir);
	for (unsigned k = 0; k < NFIELDS; k++)
		if (strcmp(cols[k], ts_fields[k][1]) != 0)
			fail_msg("tshark %s: got '%s' want '%s'", ts_fields[k][0], cols[k],
				 ts_fields[k][1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_hdr_build),
		cmocka_unit_test(test_should_encode),
		cmocka_unit_test(test_encode_appends),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_overflow_latched),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_should_error),
		cmocka_unit_test(test_term_text_limit),
		cmocka_unit_test(test_rm_max),
		cmocka_unit_test(test_read_common),
		cmocka_unit_test(test_read_common_vectors),
		cmocka_unit_test(test_tshark_stream),
	};

	return cmocka_run_group_tests(tests, setup_headers, NULL);
}
