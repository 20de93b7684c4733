/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP wire parsing tests. Every vector below is written by hand from the
 * RFC layouts; the comment next to each field says what it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/bgp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define V(v) (v), sizeof(v)
#define BIT(t) (1ull << (t))

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
/* marker, 2-octet length, type (RFC 4271 4.1) */
#define HDR(len, type) MARKER, (uint8_t)((len) >> 8), (uint8_t)((len) & 0xff), (type)

/* ---- common path attributes: flags, type, length, value ---------------- */

#define A_ORIGIN_IGP 0x40, 0x01, 0x01, 0x00                          /* 4 octets */
#define A_AS_PATH_2B 0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe8, 0xfd, 0xe9 /* 9: SEQ 65000 65001 */
#define A_NEXT_HOP 0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01          /* 7: 192.0.2.1 */
/* 2001:db8::1 */
#define NH6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01

/* ---- messages ---------------------------------------------------------- */

static const uint8_t keepalive[] = { HDR(19, 4) };

static const uint8_t open_min[] = {
	HDR(29, 1),
	0x04,                   /* version */
	0xfd, 0xe8,             /* my AS 65000 */
	0x00, 0xb4,             /* hold time 180 */
	0x0a, 0x00, 0x00, 0x01, /* BGP id 10.0.0.1 */
	0x00,                   /* no optional parameters */
};

static const uint8_t open_all_caps[] = {
	HDR(85, 1),
	0x04, 0x5b, 0xa0,       /* version 4, my AS 23456 (AS_TRANS) */
	0x00, 0x5a,             /* hold time 90 */
	0xc0, 0x00, 0x02, 0x01, /* BGP id 192.0.2.1 */
	56,                     /* optional parameters length */
	0x02, 54,               /* capabilities parameter */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01, /* MP ipv4 unicast */
	0x01, 0x04, 0x00, 0x02, 0x00, 0x01, /* MP ipv6 unicast */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x80, /* MP vpnv4 */
	0x02, 0x00,                         /* route refresh */
	0x80, 0x00,                         /* route refresh (Cisco) */
	0x06, 0x00,                         /* extended message */
	0x40, 0x06, 0x80, 0x78, 0x00, 0x01, 0x01, 0x80, /* GR: R, 120 s, ipv4 unicast F */
	0x41, 0x04, 0xfa, 0x56, 0xea, 0x00, /* AS4 4200000000 */
	0x45, 0x08, 0x00, 0x01, 0x01, 0x03, /* ADD-PATH ipv4 unicast send+receive */
	0x00, 0x02, 0x01, 0x01,             /*          ipv6 unicast receive */
	0x46, 0x00,                         /* enhanced route refresh */
	0x49, 0x02, 0x00, 0x00,             /* unknown capability 73 */
};

/* Cisco style: one capability per parameter, plus a non-capability parameter. */
static const uint8_t open_multi_param[] = {
	HDR(44, 1),
	0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	15,                                             /* optional parameters length */
	0x02, 0x06, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01, /* MP ipv6 unicast */
	0x02, 0x02, 0x02, 0x00,                         /* route refresh */
	0x01, 0x01, 0x00,                               /* parameter type 1: skipped */
};

/* RFC 9072: Non-Ext OP Len 255, Non-Ext OP Type 255, 2-octet lengths. */
static const uint8_t open_ext_params[] = {
	HDR(43, 1),
	0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	0xff, 0xff, 0x00, 0x0b,             /* extended, 11 octets of parameters */
	0x02, 0x00, 0x08,                   /* capabilities, 2-octet length 8 */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01, /* MP ipv4 unicast */
	0x02, 0x00,                         /* route refresh */
};

/* RFC 9072 2: Non-Ext OP Len is ignored once Non-Ext OP Type says 255 */
static const uint8_t open_ext_params_len1[] = {
	HDR(35, 1),
	0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	0x01, 0xff, 0x00, 0x03,             /* Non-Ext OP Len 1, extended, 3 octets */
	0x02, 0x00, 0x00,                   /* empty capabilities parameter */
};

/* ADD-PATH with send/receive 4: the capability is ignored, not an error. */
static const uint8_t open_addpath_bad_value[] = {
	HDR(37, 1),
	0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	8, 0x02, 0x06, 0x45, 0x04, 0x00, 0x01, 0x01, 0x04,
};

static const uint8_t open_v3[] = {
	HDR(29, 1), 0x03, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01, 0x00,
};

/* optional parameters length 10, 4 octets follow */
static const uint8_t open_optlen_overrun[] = {
	HDR(33, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	10, 0x02, 0x02, 0x02, 0x00,
};

/* optional parameters length 2, 4 octets follow */
static const uint8_t open_optlen_short[] = {
	HDR(33, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	2, 0x02, 0x02, 0x02, 0x00,
};

/* parameter length 5 inside 4 octets of parameters */
static const uint8_t open_param_overrun[] = {
	HDR(33, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	4, 0x02, 0x05, 0x02, 0x00,
};

/* a lone parameter type octet */
static const uint8_t open_param_trunc[] = {
	HDR(30, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01, 1, 0x02,
};

/* capability length 4 inside a 2-octet parameter */
static const uint8_t open_cap_overrun[] = {
	HDR(33, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	4, 0x02, 0x02, 0x41, 0x04,
};

/* MP capability of length 3 */
static const uint8_t open_mp_badlen[] = {
	HDR(36, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	7, 0x02, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00,
};

/* AS4 capability of length 2 */
static const uint8_t open_as4_badlen[] = {
	HDR(35, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	6, 0x02, 0x04, 0x41, 0x02, 0xfd, 0xe8,
};

/* GR capability of length 3: flags/time then a truncated tuple */
static const uint8_t open_gr_badlen[] = {
	HDR(36, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	7, 0x02, 0x05, 0x40, 0x03, 0x00, 0x78, 0x00,
};

/* ADD-PATH capability of length 3 */
static const uint8_t open_addpath_badlen[] = {
	HDR(36, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	7, 0x02, 0x05, 0x45, 0x03, 0x00, 0x01, 0x01,
};

/* RFC 9072 length 11 with only 8 octets of parameters */
static const uint8_t open_ext_overrun[] = {
	HDR(40, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	0xff, 0xff, 0x00, 0x0b, 0x02, 0x00, 0x08, 0x01, 0x04, 0x00, 0x01, 0x00,
};

/* RFC 9072 parameter length 9 inside 8 octets */
static const uint8_t open_ext_param_overrun[] = {
	HDR(40, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
	0xff, 0xff, 0x00, 0x08, 0x02, 0x00, 0x09, 0x02, 0x00, 0x06, 0x00, 0x46,
};

static const uint8_t open_short[] = {
	HDR(28, 1), 0x04, 0xfd, 0xe8, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x01,
};

static const uint8_t notif_cease[] = {
	HDR(26, 3), 0x06, 0x02,       /* Cease, administrative shutdown */
	0x04, 0x62, 0x79, 0x65, 0x21, /* RFC 9003: length 4, "bye!" */
};

static const uint8_t notif_hold[] = { HDR(21, 3), 0x04, 0x00 };
static const uint8_t notif_short[] = { HDR(20, 3), 0x06 };

static const uint8_t rr_v4[] = { HDR(23, 5), 0x00, 0x01, 0x00, 0x01 };
static const uint8_t rr_borr_v6[] = { HDR(23, 5), 0x00, 0x02, 0x01, 0x01 };
static const uint8_t rr_short[] = { HDR(22, 5), 0x00, 0x01, 0x00 };
/* RFC 7313 5: an EoRR longer than 4 octets */
static const uint8_t rr_eorr_long[] = { HDR(24, 5), 0x00, 0x01, 0x02, 0x01, 0x00 };
/* RFC 5291: a normal request with an ORF entry (when-to-refresh, ORF type 64) */
static const uint8_t rr_orf[] = {
	HDR(27, 5), 0x00, 0x01, 0x00, 0x01, 0x01, 0x40, 0x00, 0x00,
};

/* ---- UPDATE: should parse ---------------------------------------------- */

static const uint8_t u_v4_announce[] = {
	HDR(64, 2),
	0x00, 0x00,                               /* no withdrawn routes */
	0x00, 0x22,                               /* 34 octets of attributes */
	A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x64, /* MED 100 */
	0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64, /* LOCAL_PREF 100 */
	0x10, 0x0a, 0x01,                         /* 10.1.0.0/16 */
	0x18, 0xc0, 0x00, 0x02,                   /* 192.0.2.0/24 */
};

/* AS_PATH of 4-octet ASes, for a session that negotiated AS4 */
static const uint8_t u_v4_as4[] = {
	HDR(51, 2), 0x00, 0x00, 0x00, 0x18,
	A_ORIGIN_IGP,
	0x40, 0x02, 0x0a, 0x02, 0x02, 0x00, 0x00, 0xfd, 0xe8, /* SEQ 65000 */
	0xfa, 0x56, 0xea, 0x00,                               /*     4200000000 */
	A_NEXT_HOP,
	0x18, 0xc6, 0x33, 0x64,                               /* 198.51.100.0/24 */
};

/* 2-octet session: AS_TRANS in AS_PATH, the real AS in AS4_PATH */
static const uint8_t u_v4_as4_path[] = {
	HDR(54, 2), 0x00, 0x00, 0x00, 0x1b,
	A_ORIGIN_IGP,
	0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0,             /* SEQ 23456 */
	A_NEXT_HOP,
	0xc0, 0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x00, /* AS4_PATH SEQ 4200000000 */
	0x18, 0xc6, 0x33, 0x64,
};

static const uint8_t u_v4_withdraw[] = {
	HDR(30, 2),
	0x00, 0x07,                               /* 7 octets of withdrawn routes */
	0x10, 0x0a, 0x01, 0x18, 0xc0, 0x00, 0x02, /* 10.1.0.0/16 192.0.2.0/24 */
	0x00, 0x00,
};

static const uint8_t u_v4_comm[] = {
	HDR(73, 2), 0x00, 0x00, 0x00, 0x2e,
	A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0xc0, 0x08, 0x08, 0xfd, 0xe8, 0x00, 0x64,       /* COMMUNITIES 65000:100 */
	0xff, 0xff, 0xff, 0x01,                         /*             NO_EXPORT */
	0xc0, 0x20, 0x0c, 0x00, 0x00, 0xfd, 0xe8,       /* LARGE 65000:1:2 */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x18, 0xc0, 0x00, 0x02,
};

/* iBGP: an empty AS_PATH is present, not absent */
static const uint8_t u_v4_ibgp[] = {
	HDR(48, 2), 0x00, 0x00, 0x00, 0x15,
	A_ORIGIN_IGP, 0x40, 0x02, 0x00, A_NEXT_HOP,
	0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xc8, /* LOCAL_PREF 200 */
	0x18, 0xc0, 0x00, 0x02,
};

/* AS_PATH with the extended length flag (2-octet length) */
static const uint8_t u_v4_extlen[] = {
	HDR(48, 2), 0x00, 0x00, 0x00, 0x15,
	A_ORIGIN_IGP,
	0x50, 0x02, 0x00, 0x06, 0x02, 0x02, 0xfd, 0xe8, 0xfd, 0xe9,
	A_NEXT_HOP,
	0x18, 0xc0, 0x00, 0x02,
};

static const uint8_t u_v4_aggr[] = {
	HDR(64, 2), 0x00, 0x00, 0x00, 0x25,
	A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0x40, 0x06, 0x00,                                     /* ATOMIC_AGGREGATE */
	0xc0, 0x07, 0x06, 0xfd, 0xe8, 0xc0, 0x00, 0x02, 0x01, /* AGGREGATOR 65000 */
	0xc0, 0x63, 0x02, 0xab, 0xcd,                         /* unknown type 99 */
	0x18, 0xc0, 0x00, 0x02,
};

/* AGGREGATOR with a 4-octet AS, no NLRI */
static const uint8_t u_aggr_as4[] = {
	HDR(34, 2), 0x00, 0x00, 0x00, 0x0b,
	0xc0, 0x07, 0x08, 0x00, 0x00, 0xfd, 0xe8, 0xc0, 0x00, 0x02, 0x01,
};

static const uint8_t u_v6_reach[] = {
	HDR(74, 2), 0x00, 0x00, 0x00, 0x33,
	A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x23,                         /* MP_REACH, 35 octets */
	0x00, 0x02, 0x01,                         /* ipv6 unicast */
	0x10, NH6,                                /* next hop 2001:db8::1 */
	0x00,                                     /* reserved */
	0x20, 0x20, 0x01, 0x0d, 0xb8,             /* 2001:db8::/32 */
	0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02, /* 2001:db8:1:2::/64 */
};

/* global + link-local next hop, no NLRI */
static const uint8_t u_v6_nh32[] = {
	HDR(63, 2), 0x00, 0x00, 0x00, 0x28,
	0x80, 0x0e, 0x25, 0x00, 0x02, 0x01, 0x20, NH6,
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* fe80::1 */
	0x00,
};

static const uint8_t u_v6_unreach[] = {
	HDR(34, 2), 0x00, 0x00, 0x00, 0x0b,
	0x80, 0x0f, 0x08, 0x00, 0x02, 0x01,       /* MP_UNREACH ipv6 unicast */
	0x20, 0x20, 0x01, 0x0d, 0xb8,             /* 2001:db8::/32 */
};

static const uint8_t u_v4_eor[] = { HDR(23, 2), 0x00, 0x00, 0x00, 0x00 };

static const uint8_t u_v6_eor[] = {
	HDR(29, 2), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01,
};

static const uint8_t u_vpnv4_eor[] = {
	HDR(29, 2), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x01, 0x80,
};

/* an empty MP_UNREACH next to another attribute is not End-of-RIB */
static const uint8_t u_unreach_not_eor[] = {
	HDR(33, 2), 0x00, 0x00, 0x00, 0x0a,
	A_ORIGIN_IGP, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01,
};

static const uint8_t u_v4_labeled[] = {
	HDR(55, 2), 0x00, 0x00, 0x00, 0x20,
	A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x10, 0x00, 0x01, 0x04,       /* MP_REACH ipv4 labeled */
	0x04, 0xc0, 0x00, 0x02, 0x01, 0x00,       /* next hop 192.0.2.1, reserved */
	0x30,                                     /* 48 bits: label + /24 */
	0x00, 0x01, 0x01,                         /* label 16, bottom of stack */
	0x0a, 0x01, 0x00,                         /* 10.1.0.0/24 */
};

static const uint8_t u_v6_labeled[] = {
	HDR(70, 2), 0x00, 0x00, 0x00, 0x2f,
	A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x1f, 0x00, 0x02, 0x04, 0x10, NH6, 0x00,
	0x48, 0x00, 0x01, 0x01,                   /* 72 bits, label 16 BoS */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,       /* 2001:db8:1::/48 */
};

/* RFC 3107 withdrawal label 0x800000 (bottom-of-stack clear) */
static const uint8_t u_v4_labeled_withdraw[] = {
	HDR(36, 2), 0x00, 0x00, 0x00, 0x0d,
	0x80, 0x0f, 0x0a, 0x00, 0x01, 0x04,
	0x30, 0x80, 0x00, 0x00, 0x0a, 0x01, 0x00,
};

static const uint8_t u_vpnv4[] = {
	HDR(82, 2), 0x00, 0x00, 0x00, 0x3b,
	A_ORIGIN_IGP, A_AS_PATH_2B,
	0xc0, 0x10, 0x08, 0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64, /* RT 65000:100 */
	0x80, 0x0e, 0x20, 0x00, 0x01, 0x80,       /* MP_REACH vpnv4 */
	0x0c, 0, 0, 0, 0, 0, 0, 0, 0,             /* next hop: RD 0 */
	0xc0, 0x00, 0x02, 0x01, 0x00,             /*   192.0.2.1, reserved */
	0x70,                                     /* 112 bits: 24 + 64 + 24 */
	0x00, 0x3e, 0x81,                         /* label 1000 BoS */
	0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64, /* RD 0:65000:100 */
	0x0a, 0x02, 0x03,                         /* 10.2.3.0/24 */
};

static const uint8_t u_vpnv6[] = {
	HDR(88, 2), 0x00, 0x00, 0x00, 0x41,
	A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x31, 0x00, 0x02, 0x80,       /* MP_REACH vpnv6 */
	0x18, 0, 0, 0, 0, 0, 0, 0, 0, NH6, 0x00,  /* RD 0 + 2001:db8::1 */
	0x98,                                     /* 152 bits: 24 + 64 + 64 */
	0x00, 0x3e, 0x81,                         /* label 1000 BoS */
	0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x07, /* RD 1:192.0.2.1:7 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a, 0x00, 0x00, /* 2001:db8:a::/64 */
};

static const uint8_t u_v4_addpath[] = {
	HDR(66, 2),
	0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x10, 0x0a, 0x01, /* path 3 10.1.0.0/16 */
	0x00, 0x14, A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0x00, 0x00, 0x00, 0x01, 0x18, 0xc0, 0x00, 0x02,       /* path 1 192.0.2.0/24 */
	0x00, 0x00, 0x00, 0x02, 0x18, 0xc0, 0x00, 0x02,       /* path 2 192.0.2.0/24 */
};

static const uint8_t u_v6_addpath[] = {
	HDR(69, 2), 0x00, 0x00, 0x00, 0x2e,
	A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x1e, 0x00, 0x02, 0x01, 0x10, NH6, 0x00,
	0x00, 0x00, 0x00, 0x0a, 0x20, 0x20, 0x01, 0x0d, 0xb8, /* path 10 2001:db8::/32 */
};

/* ---- UPDATE: should error ---------------------------------------------- */

static const uint8_t e_withdrawn_overrun[] = { HDR(23, 2), 0x00, 0x10, 0x00, 0x00 };
/* withdrawn routes fit, the attribute length after them does not */
static const uint8_t e_withdrawn_no_attrlen[] = {
	HDR(25, 2), 0x00, 0x03, 0x18, 0xc0, 0x00, 0x00,
};
static const uint8_t e_attrlen_overrun[] = { HDR(23, 2), 0x00, 0x00, 0x00, 0x10 };
static const uint8_t e_attr_value_overrun[] = {
	HDR(27, 2), 0x00, 0x00, 0x00, 0x04, 0x40, 0x01, 0x05, 0x00,
};
static const uint8_t e_attr_hdr_trunc[] = { HDR(25, 2), 0x00, 0x00, 0x00, 0x02, 0x40, 0x01 };
static const uint8_t e_attr_extlen_trunc[] = {
	HDR(26, 2), 0x00, 0x00, 0x00, 0x03, 0x50, 0x02, 0x00,
};

static const uint8_t e_origin_optional[] = {
	HDR(27, 2), 0x00, 0x00, 0x00, 0x04, 0xc0, 0x01, 0x01, 0x00,
};
static const uint8_t e_origin_nontransitive[] = {
	HDR(27, 2), 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x01, 0x00,
};
static const uint8_t e_as_path_optional[] = {
	HDR(26, 2), 0x00, 0x00, 0x00, 0x03, 0x80, 0x02, 0x00,
};
static const uint8_t e_nexthop_optional[] = {
	HDR(30, 2), 0x00, 0x00, 0x00, 0x07, 0xc0, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,
};
static const uint8_t e_localpref_optional[] = {
	HDR(30, 2), 0x00, 0x00, 0x00, 0x07, 0x80, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64,
};
static const uint8_t e_atomic_optional[] = {
	HDR(26, 2), 0x00, 0x00, 0x00, 0x03, 0xc0, 0x06, 0x00,
};

static const uint8_t e_origin_len[] = {
	HDR(28, 2), 0x00, 0x00, 0x00, 0x05, 0x40, 0x01, 0x02, 0x00, 0x00,
};
static const uint8_t e_nexthop_len[] = {
	HDR(29, 2), 0x00, 0x00, 0x00, 0x06, 0x40, 0x03, 0x03, 0xc0, 0x00, 0x02,
};
static const uint8_t e_med_len[] = {
	HDR(29, 2), 0x00, 0x00, 0x00, 0x06, 0x80, 0x04, 0x03, 0x00, 0x00, 0x64,
};
static const uint8_t e_localpref_len[] = {
	HDR(31, 2), 0x00, 0x00, 0x00, 0x08, 0x40, 0x05, 0x05, 0x00, 0x00, 0x00, 0x00, 0x64,
};
static const uint8_t e_atomic_len[] = {
	HDR(27, 2), 0x00, 0x00, 0x00, 0x04, 0x40, 0x06, 0x01, 0x00,
};
static const uint8_t e_aggr_6[] = {
	HDR(32, 2), 0x00, 0x00, 0x00, 0x09, 0xc0, 0x07, 0x06, 0xfd, 0xe8, 0xc0, 0x00, 0x02, 0x01,
};
static const uint8_t e_comm_len[] = {
	HDR(31, 2), 0x00, 0x00, 0x00, 0x08, 0xc0, 0x08, 0x05, 0xfd, 0xe8, 0x00, 0x64, 0xff,
};
static const uint8_t e_comm_empty[] = {
	HDR(26, 2), 0x00, 0x00, 0x00, 0x03, 0xc0, 0x08, 0x00,
};
static const uint8_t e_large_comm_len[] = {
	HDR(34, 2), 0x00, 0x00, 0x00, 0x0b,
	0xc0, 0x20, 0x08, 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01,
};

static const uint8_t e_dup_origin[] = {
	HDR(31, 2), 0x00, 0x00, 0x00, 0x08, A_ORIGIN_IGP, 0x40, 0x01, 0x01, 0x02,
};
static const uint8_t e_dup_mp_unreach[] = {
	HDR(35, 2), 0x00, 0x00, 0x00, 0x0c,
	0x80, 0x0f, 0x03, 0x00, 0x02, 0x01, 0x80, 0x0f, 0x03, 0x00, 0x01, 0x01,
};
static const uint8_t e_dup_mp_reach[] = {
	HDR(47, 2), 0x00, 0x00, 0x00, 0x18,
	0x80, 0x0e, 0x09, 0x00, 0x01, 0x01, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00,
	0x80, 0x0e, 0x09, 0x00, 0x01, 0x01, 0x04, 0xc0, 0x00, 0x02, 0x02, 0x00,
};
/* type 200 twice: duplicates are found past the first 64 types too */
static const uint8_t e_dup_type200[] = {
	HDR(29, 2), 0x00, 0x00, 0x00, 0x06, 0xc0, 0xc8, 0x00, 0xc0, 0xc8, 0x00,
};

static const uint8_t e_as_path_segtype5[] = {
	HDR(30, 2), 0x00, 0x00, 0x00, 0x07, 0x40, 0x02, 0x04, 0x05, 0x01, 0xfd, 0xe8,
};
static const uint8_t e_as_path_segtype0[] = {
	HDR(30, 2), 0x00, 0x00, 0x00, 0x07, 0x40, 0x02, 0x04, 0x00, 0x01, 0xfd, 0xe8,
};
static const uint8_t e_as_path_count0[] = {
	HDR(28, 2), 0x00, 0x00, 0x00, 0x05, 0x40, 0x02, 0x02, 0x02, 0x00,
};
static const uint8_t e_as_path_short[] = {
	HDR(31, 2), 0x00, 0x00, 0x00, 0x08, 0x40, 0x02, 0x05, 0x02, 0x02, 0xfd, 0xe8, 0xfd,
};
static const uint8_t e_as_path_trailing[] = {
	HDR(31, 2), 0x00, 0x00, 0x00, 0x08, 0x40, 0x02, 0x05, 0x02, 0x01, 0xfd, 0xe8, 0x02,
};
/* AS4_PATH is always 4-octet: one 2-octet AS does not fill a segment */
static const uint8_t e_as4_path_2b[] = {
	HDR(30, 2), 0x00, 0x00, 0x00, 0x07, 0xc0, 0x11, 0x04, 0x02, 0x01, 0xfd, 0xe8,
};

static const uint8_t e_mp_reach_short[] = {
	HDR(29, 2), 0x00, 0x00, 0x00, 0x06, 0x80, 0x0e, 0x03, 0x00, 0x02, 0x01,
};
static const uint8_t e_mp_reach_nh_overrun[] = {
	HDR(34, 2), 0x00, 0x00, 0x00, 0x0b,
	0x80, 0x0e, 0x08, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8,
};
static const uint8_t e_mp_reach_no_reserved[] = {
	HDR(34, 2), 0x00, 0x00, 0x00, 0x0b,
	0x80, 0x0e, 0x08, 0x00, 0x01, 0x01, 0x04, 0xc0, 0x00, 0x02, 0x01,
};
static const uint8_t e_mp_reach_v6_nh4[] = {
	HDR(35, 2), 0x00, 0x00, 0x00, 0x0c,
	0x80, 0x0e, 0x09, 0x00, 0x02, 0x01, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00,
};
static const uint8_t e_mp_reach_v4_nh5[] = {
	HDR(36, 2), 0x00, 0x00, 0x00, 0x0d,
	0x80, 0x0e, 0x0a, 0x00, 0x01, 0x01, 0x05, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00,
};
static const uint8_t e_mp_reach_v6_nh20[] = {
	HDR(51, 2), 0x00, 0x00, 0x00, 0x1c,
	0x80, 0x0e, 0x19, 0x00, 0x02, 0x01, 0x14, NH6, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t e_mp_reach_vpn_rd[] = {
	HDR(43, 2), 0x00, 0x00, 0x00, 0x14,
	0x80, 0x0e, 0x11, 0x00, 0x01, 0x80, 0x0c,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* RD not zero */
	0xc0, 0x00, 0x02, 0x01, 0x00,
};
static const uint8_t e_mp_reach_vpn_nh4[] = {
	HDR(35, 2), 0x00, 0x00, 0x00, 0x0c,
	0x80, 0x0e, 0x09, 0x00, 0x01, 0x80, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00,
};
static const uint8_t e_mp_unreach_short[] = {
	HDR(28, 2), 0x00, 0x00, 0x00, 0x05, 0x80, 0x0f, 0x02, 0x00, 0x02,
};

static const uint8_t e_nlri_overrun[] = {
	HDR(46, 2), 0x00, 0x00, 0x00, 0x14, A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0x18, 0xc0, 0x00,
};
static const uint8_t e_nlri_33[] = {
	HDR(49, 2), 0x00, 0x00, 0x00, 0x14, A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0x21, 0xc0, 0x00, 0x02, 0x01, 0x00,
};
static const uint8_t e_withdrawn_33[] = {
	HDR(29, 2), 0x00, 0x06, 0x21, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t e_reach_v6_129[] = {
	HDR(61, 2), 0x00, 0x00, 0x00, 0x26, A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x16, 0x00, 0x02, 0x01, 0x10, NH6, 0x00, 0x81,
};
static const uint8_t e_unreach_v6_overrun[] = {
	HDR(32, 2), 0x00, 0x00, 0x00, 0x09,
	0x80, 0x0f, 0x06, 0x00, 0x02, 0x01, 0x40, 0x20, 0x01,
};
/* no label has the bottom-of-stack bit before the length runs out */
static const uint8_t e_labeled_no_bos[] = {
	HDR(55, 2), 0x00, 0x00, 0x00, 0x20, A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x10, 0x00, 0x01, 0x04, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x00, 0x01, 0x00, 0x0a, 0x01, 0x00,
};
/* five labels, one more than BGP_MAX_LABELS */
static const uint8_t e_labeled_5[] = {
	HDR(64, 2), 0x00, 0x00, 0x00, 0x29, A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x19, 0x00, 0x01, 0x04, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00,
	0x78, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x00, 0x04, 0x00,
	0x00, 0x05, 0x01,
};
/* 56 bits: a label, then too few bits for the RD */
static const uint8_t e_vpn_short_rd[] = {
	HDR(64, 2), 0x00, 0x00, 0x00, 0x29, A_ORIGIN_IGP, A_AS_PATH_2B,
	0x80, 0x0e, 0x19, 0x00, 0x01, 0x80,
	0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x01, 0x00,
	0x38, 0x00, 0x3e, 0x81, 0x00, 0x00, 0xfd, 0xe8,
};
/* ADD-PATH negotiated, a path id cut short */
static const uint8_t e_addpath_trunc[] = {
	HDR(46, 2), 0x00, 0x00, 0x00, 0x14, A_ORIGIN_IGP, A_AS_PATH_2B, A_NEXT_HOP,
	0x00, 0x00, 0x00,
};

static const uint8_t e_missing_origin[] = {
	HDR(43, 2), 0x00, 0x00, 0x00, 0x10, A_AS_PATH_2B, A_NEXT_HOP, 0x18, 0xc0, 0x00, 0x02,
};
static const uint8_t e_missing_as_path[] = {
	HDR(38, 2), 0x00, 0x00, 0x00, 0x0b, A_ORIGIN_IGP, A_NEXT_HOP, 0x18, 0xc0, 0x00, 0x02,
};
static const uint8_t e_missing_next_hop[] = {
	HDR(40, 2), 0x00, 0x00, 0x00, 0x0d, A_ORIGIN_IGP, A_AS_PATH_2B, 0x18, 0xc0, 0x00, 0x02,
};
static const uint8_t e_missing_mp_as_path[] = {
	HDR(56, 2), 0x00, 0x00, 0x00, 0x21, A_ORIGIN_IGP,
	0x80, 0x0e, 0x1a, 0x00, 0x02, 0x01, 0x10, NH6, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8,
};
static const uint8_t e_update_short[] = { HDR(22, 2), 0x00, 0x00, 0x00 };

/* ---- bgp_check_header --------------------------------------------------- */

struct hdr_case {
	const char *name;
	uint8_t hdr[BGP_HDR_LEN];
	uint32_t max_len;
	enum bgp_err err;
	uint16_t len; /* expected length and type when err is BGP_OK */
	uint8_t type;
};

#define M15 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

static const struct hdr_case hdr_cases[] = {
	{ "keepalive", { MARKER, 0x00, 0x13, 4 }, 4096, BGP_OK, 19, 4 },
	{ "open 29", { MARKER, 0x00, 0x1d, 1 }, 4096, BGP_OK, 29, 1 },
	{ "update 4096", { MARKER, 0x10, 0x00, 2 }, 4096, BGP_OK, 4096, 2 },
	{ "update 65535 extended", { MARKER, 0xff, 0xff, 2 }, 65535, BGP_OK, 65535, 2 },
	{ "notification 21", { MARKER, 0x00, 0x15, 3 }, 4096, BGP_OK, 21, 3 },
	{ "route-refresh 23", { MARKER, 0x00, 0x17, 5 }, 4096, BGP_OK, 23, 5 },
	{ "route-refresh with ORF", { MARKER, 0x00, 0x1b, 5 }, 4096, BGP_OK, 27, 5 },
	{ "marker first octet", { 0xfe, M15, 0x00, 0x13, 4 }, 4096, BGP_ERR_MARKER },
	{ "marker last octet", { M15, 0x7f, 0x00, 0x13, 4 }, 4096, BGP_ERR_MARKER },
	{ "length 18", { MARKER, 0x00, 0x12, 4 }, 4096, BGP_ERR_LENGTH },
	{ "length 0", { MARKER, 0x00, 0x00, 2 }, 4096, BGP_ERR_LENGTH },
	{ "update 4097", { MARKER, 0x10, 0x01, 2 }, 4096, BGP_ERR_LENGTH },
	{ "type 0", { MARKER, 0x00, 0x13, 0 }, 4096, BGP_ERR_TYPE },
	{ "type 6", { MARKER, 0x00, 0x17, 6 }, 4096, BGP_ERR_TYPE },
	{ "type 255", { MARKER, 0x00, 0x17, 255 }, 4096, BGP_ERR_TYPE },
	{ "keepalive 20", { MARKER, 0x00, 0x14, 4 }, 4096, BGP_ERR_TYPE_LENGTH },
	{ "open 28", { MARKER, 0x00, 0x1c, 1 }, 4096, BGP_ERR_TYPE_LENGTH },
	{ "update 22", { MARKER, 0x00, 0x16, 2 }, 4096, BGP_ERR_TYPE_LENGTH },
	{ "notification 20", { MARKER, 0x00, 0x14, 3 }, 4096, BGP_ERR_TYPE_LENGTH },
	{ "route-refresh 22", { MARKER, 0x00, 0x16, 5 }, 4096, BGP_ERR_TYPE_LENGTH },
	/* RFC 8654 4: OPEN stays within 4096 octets */
	{ "open 4097 extended", { MARKER, 0x10, 0x01, 1 }, 65535, BGP_ERR_TYPE_LENGTH },
};

static void
test_check_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(hdr_cases); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		uint16_t len = 0;
		uint8_t type = 0;
		enum bgp_err err = bgp_check_header(c->hdr, c->max_len, &len, &type);

		if (err != c->err)
			fail_msg("%s: got %s want %s", c->name, bgp_err_name(err),
				 bgp_err_name(c->err));
		if (c->err == BGP_OK) {
			assert_int_equal(len, c->len);
			assert_int_equal(type, c->type);
		}
	}
}

/* ---- framer ------------------------------------------------------------ */

#define MAX_EVENTS 64

/* What the framer returned over one or more calls. */
struct collect {
	unsigned int n;
	char kind[MAX_EVENTS];       /* 'M' message, 'B' bad header */
	uint8_t type[MAX_EVENTS];
	uint32_t len[MAX_EVENTS];
	enum bgp_err err[MAX_EVENTS];
	uint32_t skipped_before[MAX_EVENTS]; /* skipped total when the event came */
	bool in_place[MAX_EVENTS];   /* message pointed into the chunk */
	uint32_t skipped;
	uint8_t bytes[16384];        /* messages, concatenated */
	size_t nbytes;
};

static void
feed(struct bgp_framer *fr, const uint8_t *chunk, uint32_t n, struct collect *col)
{
	const uint8_t *p = chunk;
	unsigned int calls = 0;

	for (;;) {
		struct bgp_frame f;
		enum bgp_frame_result r = bgp_framer_next(fr, &p, &n, &f);

		assert_true(++calls < 10000);
		col->skipped += f.skipped;
		if (r == BGP_FRAME_MORE) {
			assert_int_equal(n, 0);
			return;
		}
		assert_true(col->n < MAX_EVENTS);
		unsigned int e = col->n++;
		col->kind[e] = r == BGP_FRAME_MSG ? 'M' : 'B';
		col->skipped_before[e] = col->skipped;
		col->err[e] = f.err;
		if (r == BGP_FRAME_BAD) {
			assert_int_not_equal(f.err, BGP_OK);
			continue;
		}
		col->type[e] = f.type;
		col->len[e] = f.len;
		col->in_place[e] = (uintptr_t)f.msg >= (uintptr_t)chunk &&
				   (uintptr_t)(f.msg + f.len) <= (uintptr_t)p;
		assert_true(col->nbytes + f.len <= sizeof(col->bytes));
		memcpy(col->bytes + col->nbytes, f.msg, f.len);
		col->nbytes += f.len;
	}
}

static void
test_frame_one(void **state)
{
	struct bgp_framer fr;
	const uint8_t *p = keepalive;
	uint32_t n = sizeof(keepalive);
	struct bgp_frame f;

	(void)state;
	bgp_framer_init(&fr, BGP_MAX_LEN);
	assert_int_equal(bgp_framer_next(&fr, &p, &n, &f), BGP_FRAME_MSG);
	assert_ptr_equal(f.msg, keepalive); /* zero copy */
	assert_int_equal(f.len, 19);
	assert_int_equal(f.type, BGP_MSG_KEEPALIVE);
	assert_int_equal(f.skipped, 0);
	assert_int_equal(n, 0);
	assert_ptr_equal(p, keepalive + sizeof(keepalive));
	assert_int_equal(bgp_framer_next(&fr, &p, &n, &f), BGP_FRAME_MORE);
	assert_null(fr.stage);
	bgp_framer_release(&fr);
}

/* The stream used by the framing tests: five messages of five types. */
static uint8_t stream[256];
static size_t stream_len;
static const struct {
	const uint8_t *b;
	size_t len;
} stream_msgs[] = {
	{ V(open_min) }, { V(keepalive) }, { V(u_v4_announce) }, { V(rr_v4) }, { V(notif_cease) },
};

static void
build_stream(void)
{
	stream_len = 0;
	for (size_t i = 0; i < ARRAY_SIZE(stream_msgs); i++) {
		memcpy(stream + stream_len, stream_msgs[i].b, stream_msgs[i].len);
		stream_len += stream_msgs[i].len;
	}
}

/* The stream came out as its five messages, byte for byte. */
static void
check_stream(const struct collect *col)
{
	assert_int_equal(col->n, ARRAY_SIZE(stream_msgs));
	for (unsigned int i = 0; i < col->n; i++) {
		assert_int_equal(col->kind[i], 'M');
		assert_int_equal(col->len[i], stream_msgs[i].len);
		assert_int_equal(col->type[i], stream_msgs[i].b[18]);
	}
	assert_int_equal(col->skipped, 0);
	assert_int_equal(col->nbytes, stream_len);
	assert_memory_equal(col->bytes, stream, stream_len);
}

static void
test_frame_many(void **state)
{
	struct bgp_framer fr;
	static struct collect col;

	(void)state;
	build_stream();
	memset(&col, 0, sizeof(col));
	bgp_framer_init(&fr, BGP_MAX_LEN);
	feed(&fr, stream, (uint32_t)stream_len, &col);
	check_stream(&col);
	for (unsigned int i = 0; i < col.n; i++)
		assert_true(col.in_place[i]);
	assert_null(fr.stage);
	bgp_framer_release(&fr);
}

/* Split in two at every offset: header and body splits of every message. */
static void
test_frame_split_every_offset(void **state)
{
	static struct collect col;

	(void)state;
	build_stream();
	for (size_t k = 1; k < stream_len; k++) {
		struct bgp_framer fr;
		size_t off = 0;

		memset(&col, 0, sizeof(col));
		bgp_framer_init(&fr, BGP_MAX_LEN);
		feed(&fr, stream, (uint32_t)k, &col);
		if (fr.need)
			assert_int_equal(fr.stage_cap, fr.need); /* staged to its length */
		feed(&fr, stream + k, (uint32_t)(stream_len - k), &col);
		check_stream(&col);
		/* only the message that straddles k is copied */
		for (unsigned int i = 0; i < col.n; i++) {
			bool straddles = off < k && off + stream_msgs[i].len > k;
			assert_int_equal(col.in_place[i], !straddles);
			off += stream_msgs[i].len;
		}
		bgp_framer_release(&fr);
	}
}

/* Three chunks at every pair of offsets, and one octet at a time. */
static void
test_frame_split_three(void **state)
{
	static struct collect col;
	struct bgp_framer fr;

	(void)state;
	build_stream();
	for (size_t a = 1; a < stream_len; a++) {
		for (size_t b = a + 1; b < stream_len; b++) {
			memset(&col, 0, sizeof(col));
			bgp_framer_init(&fr, BGP_MAX_LEN);
			feed(&fr, stream, (uint32_t)a, &col);
			feed(&fr, stream + a, (uint32_t)(b - a), &col);
			feed(&fr, stream + b, (uint32_t)(stream_len - b), &col);
			check_stream(&col);
			bgp_framer_release(&fr);
		}
	}
	memset(&col, 0, sizeof(col));
	bgp_framer_init(&fr, BGP_MAX_LEN);
	for (size_t i = 0; i < stream_len; i++)
		feed(&fr, stream + i, 1, &col);
	check_stream(&col);
	bgp_framer_release(&fr);
}

/* A bad prefix, then a valid message the framer must find by hunting. */
struct hunt_case {
	const char *name;
	uint8_t bad[48];
	uint32_t bad_len;
	enum bgp_err err;
};

static const struct hunt_case hunt_cases[] = {
	{ "marker", { 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		      0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 4 }, 19, BGP_ERR_MARKER },
	{ "length 18", { MARKER, 0x00, 0x12, 4 }, 19, BGP_ERR_LENGTH },
	{ "length over max", { MARKER, 0x10, 0x01, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 29,
	  BGP_ERR_LENGTH },
	{ "type 7", { MARKER, 0x00, 0x13, 7 }, 19, BGP_ERR_TYPE },
	{ "keepalive 21", { MARKER, 0x00, 0x15, 4, 0x00, 0x00 }, 21, BGP_ERR_TYPE_LENGTH },
	{ "route-refresh 22", { MARKER, 0x00, 0x16, 5, 0x00, 0x01, 0x00 }, 22,
	  BGP_ERR_TYPE_LENGTH },
	/* a run of 0xff after the bad header looks like a marker start */
	{ "type 7 then ff run", { MARKER, 0x00, 0x13, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				  0xff, 0xff }, 27, BGP_ERR_TYPE },
	/* one stray 0xff: 16 ones then "ff 00" is a length of 65280 */
	{ "one extra ff", { 0xff }, 1, BGP_ERR_LENGTH },
};

static void
check_hunt(const struct hunt_case *c, const struct collect *col)
{
	if (col->n != 3 || col->kind[0] != 'B' || col->err[0] != c->err)
		fail_msg("%s: %u events, first %c %s", c->name, col->n, col->kind[0],
			 bgp_err_name(col->err[0]));
	assert_int_equal(col->kind[1], 'M');
	assert_int_equal(col->type[1], BGP_MSG_KEEPALIVE);
	assert_int_equal(col->kind[2], 'M');
	assert_int_equal(col->len[2], sizeof(u_v4_announce));
	assert_int_equal(col->skipped, c->bad_len);
	assert_int_equal(col->skipped_before[1], c->bad_len);
	assert_memory_equal(col->bytes, keepalive, sizeof(keepalive));
	assert_memory_equal(col->bytes + sizeof(keepalive), u_v4_announce, sizeof(u_v4_announce));
}

/* Bad header, hunting, then two good messages: whole, and split everywhere. */
static void
test_frame_bad_then_hunt(void **state)
{
	static struct collect col;
	uint8_t buf[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(hunt_cases); i++) {
		const struct hunt_case *c = &hunt_cases[i];
		size_t n = c->bad_len;

		memcpy(buf, c->bad, n);
		memcpy(buf + n, keepalive, sizeof(keepalive));
		n += sizeof(keepalive);
		memcpy(buf + n, u_v4_announce, sizeof(u_v4_announce));
		n += sizeof(u_v4_announce);
		for (size_t k = 0; k < n; k++) {
			struct bgp_framer fr;

			memset(&col, 0, sizeof(col));
			bgp_framer_init(&fr, BGP_MAX_LEN);
			feed(&fr, buf, (uint32_t)k, &col);
			if (fr.hunting)
				assert_true(fr.have <= 18); /* at most a header prefix kept */
			feed(&fr, buf + k, (uint32_t)(n - k), &col);
			check_hunt(c, &col);
			assert_false(bgp_framer_hunting(&fr));
			bgp_framer_release(&fr);
		}
	}
}

/* While hunting, a marker cut by a chunk boundary is kept and completed. */
static void
test_frame_hunt_split_marker(void **state)
{
	static const uint8_t junk[] = { 0x01, 0x02, 0xff, 0x03, 0x04 };
	static struct collect col;
	struct bgp_framer fr;
	uint8_t buf[32];

	(void)state;
	memcpy(buf, junk, sizeof(junk));
	memcpy(buf + sizeof(junk), keepalive, 10);
	memset(&col, 0, sizeof(col));
	bgp_framer_init(&fr, BGP_MAX_LEN);
	bgp_framer_resync(&fr);
	assert_true(bgp_framer_hunting(&fr));
	feed(&fr, buf, sizeof(junk) + 10, &col);
	assert_int_equal(col.n, 0);
	assert_int_equal(col.skipped, 5);
	assert_int_equal(fr.have, 10); /* the 10 marker octets */
	feed(&fr, keepalive + 10, sizeof(keepalive) - 10, &col);
	assert_int_equal(col.n, 1);
	assert_int_equal(col.kind[0], 'M');
	assert_int_equal(col.type[0], BGP_MSG_KEEPALIVE);
	assert_false(col.in_place[0]);
	assert_int_equal(col.skipped, 5);
	assert_memory_equal(col.bytes, keepalive, sizeof(keepalive));
	bgp_framer_release(&fr);
}

/* A long run of 0xff before a message: only the last 16 start its marker. */
static void
test_frame_hunt_ff_run(void **state)
{
	static struct collect col;
	uint8_t buf[30 + sizeof(keepalive)];

	(void)state;
	memset(buf, 0xff, 30);
	memcpy(buf + 30, keepalive, sizeof(keepalive));
	for (size_t k = 0; k <= sizeof(buf); k++) {
		struct bgp_framer fr;

		memset(&col, 0, sizeof(col));
		bgp_framer_init(&fr, BGP_MAX_LEN);
		bgp_framer_resync(&fr);
		feed(&fr, buf, (uint32_t)k, &col);
		feed(&fr, buf + k, (uint32_t)(sizeof(buf) - k), &col);
		assert_int_equal(col.n, 1);
		assert_int_equal(col.type[0], BGP_MSG_KEEPALIVE);
		assert_int_equal(col.skipped, 30);
		bgp_framer_release(&fr);
	}
}

/* Resync drops a partial header or a staged body, then hunts. */
static void
test_frame_resync(void **state)
{
	static const uint8_t junk[] = { 0x00, 0x11, 0x22 };
	static const size_t partial[] = { 10, 30 }; /* in the header, in the body */
	static struct collect col;
	uint8_t buf[32];

	(void)state;
	memcpy(buf, junk, sizeof(junk));
	memcpy(buf + sizeof(junk), keepalive, sizeof(keepalive));
	for (size_t i = 0; i < ARRAY_SIZE(partial); i++) {
		struct bgp_framer fr;

		memset(&col, 0, sizeof(col));
		bgp_framer_init(&fr, BGP_MAX_LEN);
		feed(&fr, u_v4_announce, (uint32_t)partial[i], &col);
		assert_int_equal(col.n, 0);
		bgp_framer_resync(&fr);
		assert_null(fr.stage);
		assert_int_equal(fr.have, 0);
		feed(&fr, buf, sizeof(junk) + sizeof(keepalive), &col);
		assert_int_equal(col.n, 1);
		assert_int_equal(col.type[0], BGP_MSG_KEEPALIVE);
		assert_int_equal(col.skipped, sizeof(junk));
		bgp_framer_release(&fr);
	}
}

/* An UPDATE of 5000 octets: refused at 4096, framed at 65535 (RFC 8654). */
static uint8_t ext_update[5000];

static void
build_ext_update(void)
{
	static const uint8_t head[] = {
		HDR(5000, 2), 0x00, 0x00,
		0x13, 0x71,             /* 4977 octets of attributes */
		0xd0, 0x63, 0x13, 0x6d, /* type 99, extended length 4973 */
	};

	memset(ext_update, 0, sizeof(ext_update));
	memcpy(ext_update, head, sizeof(head));
}

static void
test_frame_ext_len(void **state)
{
	static struct collect col;
	static uint8_t buf[sizeof(ext_update) + sizeof(keepalive)];
	struct bgp_framer fr;
	struct bgp_update u;

	(void)state;
	build_ext_update();
	memcpy(buf, ext_update, sizeof(ext_update));
	memcpy(buf + sizeof(ext_update), keepalive, sizeof(keepalive));

	memset(&col, 0, sizeof(col));
	bgp_framer_init(&fr, BGP_MAX_LEN);
	feed(&fr, buf, sizeof(buf), &col);
	assert_int_equal(col.n, 2);
	assert_int_equal(col.kind[0], 'B');
	assert_int_equal(col.err[0], BGP_ERR_LENGTH);
	assert_int_equal(col.kind[1], 'M');
	assert_int_equal(col.type[1], BGP_MSG_KEEPALIVE);
	assert_int_equal(col.skipped, sizeof(ext_update));
	bgp_framer_release(&fr);

	for (uint32_t k = 0; k < sizeof(ext_update); k += 1000) {
		memset(&col, 0, sizeof(col));
		bgp_framer_init(&fr, BGP_MAX_LEN);
		bgp_framer_set_max(&fr, BGP_EXT_MAX_LEN);
		if (k) {
			feed(&fr, buf, k, &col);
			if (k >= BGP_HDR_LEN)
				assert_int_equal(fr.stage_cap, sizeof(ext_update));
		}
		feed(&fr, buf + k, sizeof(buf) - k, &col);
		assert_int_equal(col.n, 2);
		assert_int_equal(col.len[0], sizeof(ext_update));
		assert_int_equal(col.in_place[0], k == 0);
		assert_memory_equal(col.bytes, ext_update, sizeof(ext_update));
		assert_int_equal(col.type[1], BGP_MSG_KEEPALIVE);
		bgp_framer_release(&fr);
	}
	struct bgp_caps caps = { .ext_msg = true };
	assert_int_equal(bgp_parse_update(V(ext_update), &caps, &u), BGP_OK);
	assert_int_equal(u.attrs.left, 4977);
}

/* A staged message lives until the next call, which frees it. */
static void
test_frame_stage_freed(void **state)
{
	struct bgp_framer fr;
	const uint8_t *p = keepalive;
	uint32_t n = 7;
	struct bgp_frame f;

	(void)state;
	bgp_framer_init(&fr, 0); /* 0: the default maximum */
	assert_int_equal(fr.max_len, BGP_MAX_LEN);
	assert_int_equal(bgp_framer_next(&fr, &p, &n, &f), BGP_FRAME_MORE);
	assert_null(fr.stage); /* header incomplete: nothing allocated yet */
	n = sizeof(keepalive) - 7;
	assert_int_equal(bgp_framer_next(&fr, &p, &n, &f), BGP_FRAME_MSG);
	assert_non_null(fr.stage);
	assert_ptr_equal(f.msg, fr.stage);
	assert_memory_equal(f.msg, keepalive, sizeof(keepalive));
	n = 0;
	assert_int_equal(bgp_framer_next(&fr, &p, &n, &f), BGP_FRAME_MORE);
	assert_null(fr.stage);
	bgp_framer_release(&fr);
}

/* ---- OPEN --------------------------------------------------------------- */

struct open_case {
	const char *name;
	const uint8_t *msg;
	size_t len;
	enum bgp_err err;
	struct bgp_open want; /* when err is BGP_OK */
};

#define AFB(af) (1u << (af))

static const struct open_case open_cases[] = {
	{ "minimal", V(open_min), BGP_OK,
	  { .version = 4, .my_as = 65000, .hold_time = 180, .bgp_id = 0x0a000001,
	    .asn = 65000 } },
	{ "every capability, AS_TRANS + AS4", V(open_all_caps), BGP_OK,
	  { .version = 4, .my_as = 23456, .hold_time = 90, .bgp_id = 0xc0000201,
	    .asn = 4200000000u, .cap_as4 = true, .cap_ext_msg = true,
	    .cap_route_refresh = true, .cap_enhanced_rr = true,
	    .cap_graceful_restart = true, .gr_restart_time = 120, .gr_flags = 0x80,
	    .gr_af_mask = AFB(BGP_AF_IPV4_UNICAST),
	    .mp_mask = AFB(BGP_AF_IPV4_UNICAST) | AFB(BGP_AF_IPV6_UNICAST) | AFB(BGP_AF_VPNV4),
	    .addpath = { [BGP_AF_IPV4_UNICAST] = 3, [BGP_AF_IPV6_UNICAST] = 1 },
	    .ncaps = 11 } },
	{ "one capability per parameter", V(open_multi_param), BGP_OK,
	  { .version = 4, .my_as = 65000, .hold_time = 180, .bgp_id = 0x0a000001,
	    .asn = 65000, .cap_route_refresh = true, .mp_mask = AFB(BGP_AF_IPV6_UNICAST),
	    .ncaps = 2 } },
	{ "RFC 9072 extended parameters", V(open_ext_params), BGP_OK,
	  { .version = 4, .my_as = 65000, .hold_time = 180, .bgp_id = 0x0a000001,
	    .asn = 65000, .cap_route_refresh = true, .mp_mask = AFB(BGP_AF_IPV4_UNICAST),
	    .ncaps = 2 } },
	{ "RFC 9072, Non-Ext OP Len 1", V(open_ext_params_len1), BGP_OK,
	  { .version = 4, .my_as = 65000, .hold_time = 180, .bgp_id = 0x0a000001,
	    .asn = 65000 } },
	{ "ADD-PATH value 4 ignored", V(open_addpath_bad_value), BGP_OK,
	  { .version = 4, .my_as = 65000, .hold_time = 180, .bgp_id = 0x0a000001,
	    .asn = 65000, .ncaps = 1 } },
	{ "version 3", V(open_v3), BGP_ERR_OPEN_VERSION },
	{ "opt len overruns", V(open_optlen_overrun), BGP_ERR_OPEN_OPTPARAM },
	{ "opt len short of message", V(open_optlen_short), BGP_ERR_OPEN_OPTPARAM },
	{ "parameter overruns", V(open_param_overrun), BGP_ERR_OPEN_OPTPARAM },
	{ "parameter truncated", V(open_param_trunc), BGP_ERR_OPEN_OPTPARAM },
	{ "capability overruns", V(open_cap_overrun), BGP_ERR_OPEN_CAPABILITY },
	{ "MP length 3", V(open_mp_badlen), BGP_ERR_OPEN_CAPABILITY },
	{ "AS4 length 2", V(open_as4_badlen), BGP_ERR_OPEN_CAPABILITY },
	{ "GR length 3", V(open_gr_badlen), BGP_ERR_OPEN_CAPABILITY },
	{ "ADD-PATH length 3", V(open_addpath_badlen), BGP_ERR_OPEN_CAPABILITY },
	{ "RFC 9072 length overruns", V(open_ext_overrun), BGP_ERR_OPEN_OPTPARAM },
	{ "RFC 9072 parameter overruns", V(open_ext_param_overrun), BGP_ERR_OPEN_OPTPARAM },
	{ "28 octets", V(open_short), BGP_ERR_TYPE_LENGTH },
	{ "not an OPEN", V(keepalive), BGP_ERR_TYPE },
};

static void
check_open(const char *name, const struct bgp_open *got, const struct bgp_open *want)
{
	print_message("  open: %s\n", name);
	assert_int_equal(got->version, want->version);
	assert_int_equal(got->my_as, want->my_as);
	assert_int_equal(got->hold_time, want->hold_time);
	assert_int_equal(got->bgp_id, want->bgp_id);
	assert_int_equal(got->asn, want->asn);
	assert_int_equal(got->cap_as4, want->cap_as4);
	assert_int_equal(got->cap_ext_msg, want->cap_ext_msg);
	assert_int_equal(got->cap_route_refresh, want->cap_route_refresh);
	assert_int_equal(got->cap_enhanced_rr, want->cap_enhanced_rr);
	assert_int_equal(got->cap_graceful_restart, want->cap_graceful_restart);
	assert_int_equal(got->gr_restart_time, want->gr_restart_time);
	assert_int_equal(got->gr_flags, want->gr_flags);
	assert_int_equal(got->gr_af_mask, want->gr_af_mask);
	assert_int_equal(got->mp_mask, want->mp_mask);
	assert_memory_equal(got->addpath, want->addpath, sizeof(want->addpath));
	assert_int_equal(got->ncaps, want->ncaps);
}

static void
test_open(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(open_cases); i++) {
		const struct open_case *c = &open_cases[i];
		struct bgp_open o;
		enum bgp_err err = bgp_parse_open(c->msg, (uint32_t)c->len, &o);

		if (err != c->err)
			fail_msg("%s: got %s want %s", c->name, bgp_err_name(err),
				 bgp_err_name(c->err));
		if (err == BGP_OK)
			check_open(c->name, &o, &c->want);
	}
}

/* Every truncation of the full OPEN, with the header length following or not. */
static void
test_open_truncated(void **state)
{
	uint8_t buf[sizeof(open_all_caps)];
	struct bgp_open o;

	(void)state;
	for (uint32_t len = 0; len < sizeof(open_all_caps); len++) {
		memcpy(buf, open_all_caps, len);
		assert_int_equal(bgp_parse_open(buf, len, &o), BGP_ERR_LENGTH);
		if (len < BGP_HDR_LEN)
			continue;
		buf[16] = 0;
		buf[17] = (uint8_t)len;
		assert_int_equal(bgp_parse_open(buf, len, &o),
				 len < 29 ? BGP_ERR_TYPE_LENGTH : BGP_ERR_OPEN_OPTPARAM);
	}
}

/* ---- capability negotiation --------------------------------------------- */

struct neg_case {
	const char *name;
	struct bgp_open sender;
	struct bgp_open receiver;
	struct bgp_caps want;
};

#define V4U AFB(BGP_AF_IPV4_UNICAST)
#define V6U AFB(BGP_AF_IPV6_UNICAST)

static const struct neg_case neg_cases[] = {
	{ "as4 both", { .cap_as4 = true }, { .cap_as4 = true }, { .as4 = true, .af_mask = V4U } },
	{ "as4 sender only", { .cap_as4 = true }, { 0 }, { .af_mask = V4U } },
	{ "as4 receiver only", { 0 }, { .cap_as4 = true }, { .af_mask = V4U } },
	{ "ext msg both", { .cap_ext_msg = true }, { .cap_ext_msg = true },
	  { .ext_msg = true, .af_mask = V4U } },
	{ "ext msg one", { .cap_ext_msg = true }, { 0 }, { .af_mask = V4U } },
	{ "addpath send / receive", { .addpath = { 2 } }, { .addpath = { 1 } },
	  { .addpath_mask = V4U, .af_mask = V4U } },
	{ "addpath both / both", { .addpath = { 3 } }, { .addpath = { 3 } },
	  { .addpath_mask = V4U, .af_mask = V4U } },
	{ "addpath both / receive", { .addpath = { 3 } }, { .addpath = { 1 } },
	  { .addpath_mask = V4U, .af_mask = V4U } },
	{ "addpath send / both", { .addpath = { 2 } }, { .addpath = { 3 } },
	  { .addpath_mask = V4U, .af_mask = V4U } },
	{ "addpath receive / send", { .addpath = { 1 } }, { .addpath = { 2 } },
	  { .af_mask = V4U } },
	{ "addpath send / send", { .addpath = { 2 } }, { .addpath = { 2 } }, { .af_mask = V4U } },
	{ "addpath send / none", { .addpath = { 2 } }, { 0 }, { .af_mask = V4U } },
	{ "addpath per family",
	  { .cap_mp = true, .mp_mask = V4U | V6U, .addpath = { 3, 3 } },
	  { .cap_mp = true, .mp_mask = V4U | V6U, .addpath = { 0, 1 } },
	  { .addpath_mask = V6U, .af_mask = V4U | V6U } },
	{ "mp intersection",
	  { .cap_mp = true, .mp_mask = V4U | V6U | AFB(BGP_AF_VPNV4) },
	  { .cap_mp = true, .mp_mask = V6U | AFB(BGP_AF_VPNV4) | AFB(BGP_AF_VPNV6) },
	  { .af_mask = V6U | AFB(BGP_AF_VPNV4) } },
	{ "no mp from sender: ipv4 implied", { 0 }, { .cap_mp = true, .mp_mask = V4U | V6U }, { .af_mask = V4U } },
	/* an MP capability only for families bmptap does not parse (EVPN) */
	{ "mp for unknown family only: nothing implied", { .cap_mp = true },
	  { .cap_mp = true, .mp_mask = V4U }, { .af_mask = 0 } },
	{ "no mp from receiver, sender ipv6 only", { .cap_mp = true, .mp_mask = V6U }, { 0 }, { .af_mask = 0 } },
};

static void
test_negotiate(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(neg_cases); i++) {
		const struct neg_case *c = &neg_cases[i];
		struct bgp_caps got;

		print_message("  negotiate: %s\n", c->name);
		bgp_caps_negotiate(&c->sender, &c->receiver, &got);
		assert_int_equal(got.as4, c->want.as4);
		assert_int_equal(got.ext_msg, c->want.ext_msg);
		assert_int_equal(got.addpath_mask, c->want.addpath_mask);
		assert_int_equal(got.af_mask, c->want.af_mask);
	}
}

/* From parsed OPENs: each direction reads the other's capabilities. */
static void
test_negotiate_parsed(void **state)
{
	struct bgp_open full, min;
	struct bgp_caps caps;

	(void)state;
	assert_int_equal(bgp_parse_open(V(open_all_caps), &full), BGP_OK);
	assert_int_equal(bgp_parse_open(V(open_min), &min), BGP_OK);
	bgp_caps_negotiate(&full, &min, &caps);
	assert_false(caps.as4);
	assert_false(caps.ext_msg);
	assert_int_equal(caps.addpath_mask, 0);
	assert_int_equal(caps.af_mask, V4U);
	bgp_caps_negotiate(&full, &full, &caps);
	assert_true(caps.as4);
	assert_true(caps.ext_msg);
	assert_int_equal(caps.addpath_mask, V4U); /* ipv6: receive only */
	assert_int_equal(caps.af_mask, V4U | V6U | AFB(BGP_AF_VPNV4));
}

/* ---- UPDATE and NLRI ----------------------------------------------------- */

/* One prefix as the iterator must return it. */
struct xpfx {
	char field; /* 'W' withdrawn, 'N' NLRI, 'R' MP_REACH, 'U' MP_UNREACH */
	uint8_t af;
	uint8_t len;
	uint32_t path_id;
	uint8_t addr[16];
	uint8_t nlabels;
	uint8_t labels[BGP_MAX_LABELS][3];
	uint8_t rd[8];
};

#define PFX(a) .pfx = (a), .npfx = ARRAY_SIZE(a)
#define V6DB8 0x20, 0x01, 0x0d, 0xb8

static const struct xpfx p_v4_announce[] = {
	{ 'N', BGP_AF_IPV4_UNICAST, 16, 0, { 10, 1 } },
	{ 'N', BGP_AF_IPV4_UNICAST, 24, 0, { 192, 0, 2 } },
};
static const struct xpfx p_v4_198[] = { { 'N', BGP_AF_IPV4_UNICAST, 24, 0, { 198, 51, 100 } } };
static const struct xpfx p_v4_192[] = { { 'N', BGP_AF_IPV4_UNICAST, 24, 0, { 192, 0, 2 } } };
static const struct xpfx p_v4_withdraw[] = {
	{ 'W', BGP_AF_IPV4_UNICAST, 16, 0, { 10, 1 } },
	{ 'W', BGP_AF_IPV4_UNICAST, 24, 0, { 192, 0, 2 } },
};
static const struct xpfx p_v6_reach[] = {
	{ 'R', BGP_AF_IPV6_UNICAST, 32, 0, { V6DB8 } },
	{ 'R', BGP_AF_IPV6_UNICAST, 64, 0, { V6DB8, 0x00, 0x01, 0x00, 0x02 } },
};
static const struct xpfx p_v6_unreach[] = { { 'U', BGP_AF_IPV6_UNICAST, 32, 0, { V6DB8 } } };
static const struct xpfx p_v4_labeled[] = {
	{ 'R', BGP_AF_IPV4_LABELED, 24, 0, { 10, 1, 0 }, 1, { { 0x00, 0x01, 0x01 } } },
};
static const struct xpfx p_v6_labeled[] = {
	{ 'R', BGP_AF_IPV6_LABELED, 48, 0, { V6DB8, 0x00, 0x01 }, 1, { { 0x00, 0x01, 0x01 } } },
};
static const struct xpfx p_v4_labeled_withdraw[] = {
	{ 'U', BGP_AF_IPV4_LABELED, 24, 0, { 10, 1, 0 }, 1, { { 0x80, 0x00, 0x00 } } },
};
static const struct xpfx p_vpnv4[] = {
	{ 'R', BGP_AF_VPNV4, 24, 0, { 10, 2, 3 }, 1, { { 0x00, 0x3e, 0x81 } },
	  { 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64 } },
};
static const struct xpfx p_vpnv6[] = {
	{ 'R', BGP_AF_VPNV6, 64, 0, { V6DB8, 0x00, 0x0a }, 1, { { 0x00, 0x3e, 0x81 } },
	  { 0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x07 } },
};
static const struct xpfx p_v4_addpath[] = {
	{ 'W', BGP_AF_IPV4_UNICAST, 16, 3, { 10, 1 } },
	{ 'N', BGP_AF_IPV4_UNICAST, 24, 1, { 192, 0, 2 } },
	{ 'N', BGP_AF_IPV4_UNICAST, 24, 2, { 192, 0, 2 } },
};
static const struct xpfx p_v6_addpath[] = { { 'R', BGP_AF_IPV6_UNICAST, 32, 10, { V6DB8 } } };

static const uint8_t nh_v4[] = { 0xc0, 0x00, 0x02, 0x01 };
static const uint8_t nh_v6[] = { NH6 };
static const uint8_t nh_vpnv4[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x01 };
static const uint8_t nh_vpnv6[] = { 0, 0, 0, 0, 0, 0, 0, 0, NH6 };

struct upd_case {
	const char *name;
	const uint8_t *msg;
	size_t len;
	struct bgp_caps caps;
	enum bgp_err err;
	/* expectations when err is BGP_OK */
	uint64_t attr_seen;
	uint16_t wlen, nlen, as_path_len;
	uint16_t reach_afi;          /* 0: no MP_REACH */
	uint8_t reach_safi;
	const uint8_t *nh;
	uint8_t nh_len;
	uint16_t unreach_afi;        /* 0: no MP_UNREACH */
	uint8_t unreach_safi;
	uint16_t eor_afi;            /* 0: not End-of-RIB */
	uint8_t eor_safi;
	const struct xpfx *pfx;
	size_t npfx;
};

#define CAPS_AS4 { .as4 = true }
#define BASIC (BIT(1) | BIT(2) | BIT(3))
#define NH(a) .nh = (a), .nh_len = sizeof(a)

static const struct upd_case upd_ok[] = {
	{ "ipv4 announce", V(u_v4_announce), .attr_seen = BASIC | BIT(4) | BIT(5),
	  .nlen = 7, .as_path_len = 6, PFX(p_v4_announce) },
	{ "ipv4 4-octet AS_PATH", V(u_v4_as4), CAPS_AS4, .attr_seen = BASIC, .nlen = 4,
	  .as_path_len = 10, PFX(p_v4_198) },
	{ "ipv4 AS4_PATH", V(u_v4_as4_path), .attr_seen = BASIC | BIT(17), .nlen = 4,
	  .as_path_len = 4, PFX(p_v4_198) },
	{ "ipv4 withdraw", V(u_v4_withdraw), .wlen = 7, PFX(p_v4_withdraw) },
	{ "communities", V(u_v4_comm), .attr_seen = BASIC | BIT(8) | BIT(32), .nlen = 4,
	  .as_path_len = 6, PFX(p_v4_192) },
	{ "ibgp, empty AS_PATH", V(u_v4_ibgp), .attr_seen = BASIC | BIT(5), .nlen = 4,
	  PFX(p_v4_192) },
	{ "extended attribute length", V(u_v4_extlen), .attr_seen = BASIC, .nlen = 4,
	  .as_path_len = 6, PFX(p_v4_192) },
	{ "aggregator, unknown attribute", V(u_v4_aggr),
	  .attr_seen = BASIC | BIT(6) | BIT(7), .nlen = 4, .as_path_len = 6, PFX(p_v4_192) },
	{ "aggregator 8 octets with as4", V(u_aggr_as4), CAPS_AS4, .attr_seen = BIT(7) },
	{ "ipv6 MP_REACH", V(u_v6_reach), .attr_seen = BIT(1) | BIT(2) | BIT(14),
	  .as_path_len = 6, .reach_afi = 2, .reach_safi = 1, NH(nh_v6), PFX(p_v6_reach) },
	{ "ipv6 next hop 32", V(u_v6_nh32), .attr_seen = BIT(14), .reach_afi = 2,
	  .reach_safi = 1, .nh_len = 32 },
	{ "ipv6 MP_UNREACH", V(u_v6_unreach), .attr_seen = BIT(15), .unreach_afi = 2,
	  .unreach_safi = 1, PFX(p_v6_unreach) },
	{ "ipv4 End-of-RIB", V(u_v4_eor), .eor_afi = 1, .eor_safi = 1 },
	{ "ipv6 End-of-RIB", V(u_v6_eor), .attr_seen = BIT(15), .unreach_afi = 2,
	  .unreach_safi = 1, .eor_afi = 2, .eor_safi = 1 },
	{ "vpnv4 End-of-RIB", V(u_vpnv4_eor), .attr_seen = BIT(15), .unreach_afi = 1,
	  .unreach_safi = 128, .eor_afi = 1, .eor_safi = 128 },
	{ "empty MP_UNREACH + ORIGIN", V(u_unreach_not_eor), .attr_seen = BIT(1) | BIT(15),
	  .unreach_afi = 2, .unreach_safi = 1 },
	{ "ipv4 labeled", V(u_v4_labeled), .attr_seen = BIT(1) | BIT(2) | BIT(14),
	  .as_path_len = 6, .reach_afi = 1, .reach_safi = 4, NH(nh_v4), PFX(p_v4_labeled) },
	{ "ipv6 labeled", V(u_v6_labeled), .attr_seen = BIT(1) | BIT(2) | BIT(14),
	  .as_path_len = 6, .reach_afi = 2, .reach_safi = 4, NH(nh_v6), PFX(p_v6_labeled) },
	{ "ipv4 labeled withdraw", V(u_v4_labeled_withdraw), .attr_seen = BIT(15),
	  .unreach_afi = 1, .unreach_safi = 4, PFX(p_v4_labeled_withdraw) },
	{ "vpnv4", V(u_vpnv4), .attr_seen = BIT(1) | BIT(2) | BIT(14) | BIT(16),
	  .as_path_len = 6, .reach_afi = 1, .reach_safi = 128, NH(nh_vpnv4), PFX(p_vpnv4) },
	{ "vpnv6", V(u_vpnv6), .attr_seen = BIT(1) | BIT(2) | BIT(14), .as_path_len = 6,
	  .reach_afi = 2, .reach_safi = 128, NH(nh_vpnv6), PFX(p_vpnv6) },
	{ "ipv4 ADD-PATH", V(u_v4_addpath), { .addpath_mask = V4U }, .attr_seen = BASIC,
	  .wlen = 7, .nlen = 16, .as_path_len = 6, PFX(p_v4_addpath) },
	{ "ipv6 ADD-PATH", V(u_v6_addpath), { .addpath_mask = V6U },
	  .attr_seen = BIT(1) | BIT(2) | BIT(14), .as_path_len = 6, .reach_afi = 2,
	  .reach_safi = 1, NH(nh_v6), PFX(p_v6_addpath) },
};

static const struct upd_case upd_err[] = {
	{ "withdrawn overruns", V(e_withdrawn_overrun), .err = BGP_ERR_UPDATE_WITHDRAWN },
	{ "no room for attr length", V(e_withdrawn_no_attrlen), .err = BGP_ERR_UPDATE_WITHDRAWN },
	{ "attributes overrun", V(e_attrlen_overrun), .err = BGP_ERR_UPDATE_ATTRLEN },
	{ "attribute value overruns", V(e_attr_value_overrun), .err = BGP_ERR_UPDATE_ATTRLEN },
	{ "attribute header cut", V(e_attr_hdr_trunc), .err = BGP_ERR_UPDATE_ATTRLEN },
	{ "extended length cut", V(e_attr_extlen_trunc), .err = BGP_ERR_UPDATE_ATTRLEN },
	{ "ORIGIN optional", V(e_origin_optional), .err = BGP_ERR_ATTR_FLAGS },
	{ "ORIGIN not transitive", V(e_origin_nontransitive), .err = BGP_ERR_ATTR_FLAGS },
	{ "AS_PATH optional", V(e_as_path_optional), .err = BGP_ERR_ATTR_FLAGS },
	{ "NEXT_HOP optional", V(e_nexthop_optional), .err = BGP_ERR_ATTR_FLAGS },
	{ "LOCAL_PREF optional", V(e_localpref_optional), .err = BGP_ERR_ATTR_FLAGS },
	{ "ATOMIC_AGGREGATE optional", V(e_atomic_optional), .err = BGP_ERR_ATTR_FLAGS },
	{ "ORIGIN length 2", V(e_origin_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "NEXT_HOP length 3", V(e_nexthop_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "MED length 3", V(e_med_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "LOCAL_PREF length 5", V(e_localpref_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "ATOMIC_AGGREGATE length 1", V(e_atomic_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "AGGREGATOR 6 with as4", V(e_aggr_6), CAPS_AS4, .err = BGP_ERR_ATTR_LENGTH },
	{ "AGGREGATOR 8 without as4", V(u_aggr_as4), .err = BGP_ERR_ATTR_LENGTH },
	{ "COMMUNITIES length 5", V(e_comm_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "COMMUNITIES empty", V(e_comm_empty), .err = BGP_ERR_ATTR_LENGTH },
	{ "LARGE_COMMUNITIES length 8", V(e_large_comm_len), .err = BGP_ERR_ATTR_LENGTH },
	{ "ORIGIN twice", V(e_dup_origin), .err = BGP_ERR_ATTR_DUPLICATE },
	{ "MP_UNREACH twice", V(e_dup_mp_unreach), .err = BGP_ERR_ATTR_DUPLICATE },
	{ "MP_REACH twice", V(e_dup_mp_reach), .err = BGP_ERR_ATTR_DUPLICATE },
	{ "type 200 twice", V(e_dup_type200), .err = BGP_ERR_ATTR_DUPLICATE },
	{ "AS_PATH segment type 5", V(e_as_path_segtype5), .err = BGP_ERR_AS_PATH },
	{ "AS_PATH segment type 0", V(e_as_path_segtype0), .err = BGP_ERR_AS_PATH },
	{ "AS_PATH count 0", V(e_as_path_count0), .err = BGP_ERR_AS_PATH },
	{ "AS_PATH segment short", V(e_as_path_short), .err = BGP_ERR_AS_PATH },
	{ "AS_PATH trailing octet", V(e_as_path_trailing), .err = BGP_ERR_AS_PATH },
	{ "AS4_PATH 2-octet AS", V(e_as4_path_2b), CAPS_AS4, .err = BGP_ERR_AS_PATH },
	{ "4-octet AS_PATH, 2-octet session", V(u_v4_as4), .err = BGP_ERR_AS_PATH },
	{ "2-octet AS_PATH, 4-octet session", V(u_v4_announce), CAPS_AS4, .err = BGP_ERR_AS_PATH },
	{ "MP_REACH 3 octets", V(e_mp_reach_short), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH next hop overruns", V(e_mp_reach_nh_overrun), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH no reserved octet", V(e_mp_reach_no_reserved), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH ipv6 next hop 4", V(e_mp_reach_v6_nh4), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH ipv4 next hop 5", V(e_mp_reach_v4_nh5), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH ipv6 next hop 20", V(e_mp_reach_v6_nh20), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH vpn next hop RD", V(e_mp_reach_vpn_rd), .err = BGP_ERR_MP_REACH },
	{ "MP_REACH vpn next hop 4", V(e_mp_reach_vpn_nh4), .err = BGP_ERR_MP_REACH },
	{ "MP_UNREACH 2 octets", V(e_mp_unreach_short), .err = BGP_ERR_MP_UNREACH },
	{ "NLRI overruns", V(e_nlri_overrun), .err = BGP_ERR_NLRI },
	{ "NLRI /33", V(e_nlri_33), .err = BGP_ERR_NLRI },
	{ "withdrawn /33", V(e_withdrawn_33), .err = BGP_ERR_NLRI },
	{ "MP_REACH /129", V(e_reach_v6_129), .err = BGP_ERR_NLRI },
	{ "MP_UNREACH overruns", V(e_unreach_v6_overrun), .err = BGP_ERR_NLRI },
	{ "labels without bottom", V(e_labeled_no_bos), .err = BGP_ERR_NLRI },
	{ "five labels", V(e_labeled_5), .err = BGP_ERR_NLRI },
	{ "vpn RD cut", V(e_vpn_short_rd), .err = BGP_ERR_NLRI },
	{ "path id cut", V(e_addpath_trunc), { .addpath_mask = V4U }, .err = BGP_ERR_NLRI },
	{ "ipv4 path ids, not negotiated", V(u_v4_addpath), .err = BGP_ERR_NLRI },
	{ "ipv6 path ids, not negotiated", V(u_v6_addpath), .err = BGP_ERR_NLRI },
	{ "no ORIGIN", V(e_missing_origin), .err = BGP_ERR_MISSING_ATTR },
	{ "no AS_PATH", V(e_missing_as_path), .err = BGP_ERR_MISSING_ATTR },
	{ "no NEXT_HOP", V(e_missing_next_hop), .err = BGP_ERR_MISSING_ATTR },
	{ "MP_REACH without AS_PATH", V(e_missing_mp_as_path), .err = BGP_ERR_MISSING_ATTR },
	{ "22 octets", V(e_update_short), .err = BGP_ERR_TYPE_LENGTH },
	{ "not an UPDATE", V(keepalive), .err = BGP_ERR_TYPE },
};

static void
check_prefix(const struct bgp_prefix *p, const struct xpfx *x, char field)
{
	assert_int_equal(field, x->field);
	assert_int_equal(p->af, x->af);
	assert_int_equal(p->len, x->len);
	assert_int_equal(p->path_id, x->path_id);
	assert_memory_equal(p->addr, x->addr, sizeof(p->addr));
	assert_int_equal(p->nlabels, x->nlabels);
	assert_memory_equal(p->labels, x->labels, sizeof(p->labels));
	assert_memory_equal(p->rd, x->rd, sizeof(p->rd));
}

/* Walk one field, matching prefixes against the expected list from *next. */
static void
walk_field(struct wire_cur field, uint16_t afi, uint8_t safi, char tag, bool withdraw,
	   const struct upd_case *c, size_t *next)
{
	int af = bgp_af_index(afi, safi);
	struct bgp_nlri_iter it;
	struct bgp_prefix p;
	int r;

	assert_true(af >= 0);
	bgp_nlri_iter_init(&it, field, (enum bgp_af)af, c->caps.addpath_mask >> af & 1, withdraw);
	while ((r = bgp_nlri_next(&it, &p)) == 1) {
		assert_true(*next < c->npfx);
		check_prefix(&p, &c->pfx[(*next)++], tag);
	}
	assert_int_equal(r, 0);
}

static void
check_update(const struct upd_case *c, const struct bgp_update *u)
{
	size_t next = 0;

	assert_int_equal(u->attr_seen, c->attr_seen);
	assert_int_equal(u->withdrawn.left, c->wlen);
	assert_int_equal(u->nlri.left, c->nlen);
	assert_int_equal(u->as_path_len, c->as_path_len);
	assert_int_equal(u->as_path != NULL, (c->attr_seen & BIT(BGP_ATTR_AS_PATH)) != 0);
	assert_int_equal(u->has_reach, c->reach_afi != 0);
	assert_int_equal(u->reach_afi, c->reach_afi);
	assert_int_equal(u->reach_safi, c->reach_safi);
	assert_int_equal(u->nexthop_len, c->nh_len);
	if (c->nh)
		assert_memory_equal(u->nexthop, c->nh, c->nh_len);
	assert_int_equal(u->has_unreach, c->unreach_afi != 0);
	assert_int_equal(u->unreach_afi, c->unreach_afi);
	assert_int_equal(u->unreach_safi, c->unreach_safi);
	assert_int_equal(u->is_eor, c->eor_afi != 0);
	assert_int_equal(u->eor_afi, c->eor_afi);
	assert_int_equal(u->eor_safi, c->eor_safi);
	walk_field(u->withdrawn, 1, 1, 'W', true, c, &next);
	walk_field(u->nlri, 1, 1, 'N', false, c, &next);
	if (u->has_reach)
		walk_field(u->reach_nlri, u->reach_afi, u->reach_safi, 'R', false, c, &next);
	if (u->has_unreach)
		walk_field(u->unreach_nlri, u->unreach_afi, u->unreach_safi, 'U', true, c, &next);
	assert_int_equal(next, c->npfx);
}

static void
test_update_ok(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(upd_ok); i++) {
		const struct upd_case *c = &upd_ok[i];
		struct bgp_update u;
		enum bgp_err err = bgp_parse_update(c->msg, (uint32_t)c->len, &c->caps, &u);

		print_message("  update: %s\n", c->name);
		if (err != BGP_OK)
			fail_msg("%s: %s", c->name, bgp_err_name(err));
		check_update(c, &u);
	}
}

static void
test_update_err(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(upd_err); i++) {
		const struct upd_case *c = &upd_err[i];
		struct bgp_update u;
		enum bgp_err err = bgp_parse_update(c->msg, (uint32_t)c->len, &c->caps, &u);

		if (err != c->err)
			fail_msg("%s: got %s want %s", c->name, bgp_err_name(err),
				 bgp_err_name(c->err));
	}
}

/* Views alias the message; a NULL caps reads as nothing negotiated. */
static void
test_update_views(void **state)
{
	struct bgp_update u;

	(void)state;
	assert_int_equal(bgp_parse_update(V(u_v4_announce), NULL, &u), BGP_OK);
	assert_ptr_equal(u.attrs.p, u_v4_announce + 23);
	assert_int_equal(u.attrs.left, 34);
	assert_ptr_equal(u.as_path, u_v4_announce + 23 + 4 + 3);
	assert_ptr_equal(u.nlri.p, u_v4_announce + 57);
	assert_int_equal(bgp_parse_update(V(u_v6_reach), NULL, &u), BGP_OK);
	assert_ptr_equal(u.nexthop, u_v6_reach + 23 + 13 + 7);
	assert_ptr_equal(u.reach_nlri.p, u_v6_reach + 60);
	assert_int_equal(u.reach_nlri.left, 14);
	/* header length and buffer length must agree */
	assert_int_equal(bgp_parse_update(u_v4_eor, 22, NULL, &u), BGP_ERR_LENGTH);
	assert_int_equal(bgp_parse_update(u_v4_eor, 10, NULL, &u), BGP_ERR_LENGTH);
}

/* NLRI fields on their own, for the iterator. */
struct nlri_case {
	const char *name;
	uint8_t af;
	bool addpath;
	bool withdraw;
	const uint8_t *b;
	size_t len;
	const struct xpfx *pfx;
	size_t npfx;
	int end; /* what the call after the last prefix returns */
};

static const uint8_t n_v4[] = {
	0x00,                         /* 0.0.0.0/0 */
	0x08, 0x0a,                   /* 10.0.0.0/8 */
	0x17, 0xc0, 0x00, 0x03,       /* /23 with the last bit set: 192.0.2.0/23 */
	0x20, 0xc0, 0x00, 0x02, 0x01, /* 192.0.2.1/32 */
};
static const struct xpfx x_v4[] = {
	{ 0, BGP_AF_IPV4_UNICAST, 0, 0, { 0 } },
	{ 0, BGP_AF_IPV4_UNICAST, 8, 0, { 10 } },
	{ 0, BGP_AF_IPV4_UNICAST, 23, 0, { 192, 0, 2 } },
	{ 0, BGP_AF_IPV4_UNICAST, 32, 0, { 192, 0, 2, 1 } },
};
static const uint8_t n_v4_mcast[] = { 0x18, 0xe0, 0x00, 0x01 };
static const struct xpfx x_v4_mcast[] = { { 0, BGP_AF_IPV4_MULTICAST, 24, 0, { 224, 0, 1 } } };

static const uint8_t n_v6[] = {
	0x30, V6DB8, 0x00, 0x01,                          /* 2001:db8:1::/48 */
	0x41, V6DB8, 0x00, 0x00, 0x00, 0x00, 0xff,        /* /65, 7 bits cleared */
	0x80, NH6,                                        /* 2001:db8::1/128 */
};
static const struct xpfx x_v6[] = {
	{ 0, BGP_AF_IPV6_UNICAST, 48, 0, { V6DB8, 0x00, 0x01 } },
	{ 0, BGP_AF_IPV6_UNICAST, 65, 0, { V6DB8, 0, 0, 0, 0, 0x80 } },
	{ 0, BGP_AF_IPV6_UNICAST, 128, 0, { NH6 } },
};
static const uint8_t n_v6_mcast[] = { 0x10, 0xff, 0x0e };
static const struct xpfx x_v6_mcast[] = { { 0, BGP_AF_IPV6_MULTICAST, 16, 0, { 0xff, 0x0e } } };

static const uint8_t n_labeled_2[] = {
	0x48, 0x00, 0x01, 0x00, 0x00, 0x02, 0x01, 0x0a, 0x01, 0x00, /* labels 16, 32 */
};
static const struct xpfx x_labeled_2[] = {
	{ 0, BGP_AF_IPV4_LABELED, 24, 0, { 10, 1, 0 }, 2,
	  { { 0x00, 0x01, 0x00 }, { 0x00, 0x02, 0x01 } } },
};
static const uint8_t n_labeled_4[] = {
	0x68, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x00, 0x04, 0x01, 0x0a,
};
static const struct xpfx x_labeled_4[] = {
	{ 0, BGP_AF_IPV4_LABELED, 8, 0, { 10 }, 4,
	  { { 0x00, 0x01, 0x00 }, { 0x00, 0x02, 0x00 }, { 0x00, 0x03, 0x00 },
	    { 0x00, 0x04, 0x01 } } },
};
/* withdrawals: exactly one label, whatever its bottom-of-stack bit */
static const uint8_t n_labeled_withdraw[] = {
	0x30, 0x80, 0x00, 0x00, 0x0a, 0x01, 0x00,
	0x30, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x00,
};
static const struct xpfx x_labeled_withdraw[] = {
	{ 0, BGP_AF_IPV4_LABELED, 24, 0, { 10, 1, 0 }, 1, { { 0x80, 0x00, 0x00 } } },
	{ 0, BGP_AF_IPV4_LABELED, 24, 0, { 10, 2, 0 }, 1, { { 0x00, 0x00, 0x01 } } },
};
static const uint8_t n_v6_labeled_addpath[] = {
	0x00, 0x00, 0x00, 0x01, 0x88,                     /* path 1, 136 bits */
	0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x01,
	V6DB8, 0x00, 0x01, 0x00, 0x00,                    /* 2001:db8:1::/64 */
};
static const struct xpfx x_v6_labeled_addpath[] = {
	{ 0, BGP_AF_IPV6_LABELED, 64, 1, { V6DB8, 0x00, 0x01 }, 3,
	  { { 0x00, 0x01, 0x00 }, { 0x00, 0x02, 0x00 }, { 0x00, 0x03, 0x01 } } },
};
static const uint8_t n_vpnv4_withdraw_addpath[] = {
	0x00, 0x00, 0x00, 0x05, 0x70, 0x80, 0x00, 0x00,
	0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x07, 0x0a, 0x02, 0x03,
};
static const struct xpfx x_vpnv4_withdraw_addpath[] = {
	{ 0, BGP_AF_VPNV4, 24, 5, { 10, 2, 3 }, 1, { { 0x80, 0x00, 0x00 } },
	  { 0x00, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x07 } },
};
static const uint8_t n_vpnv6_128[] = {
	0xd8, 0x00, 0x3e, 0x81, 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64, NH6,
};
static const struct xpfx x_vpnv6_128[] = {
	{ 0, BGP_AF_VPNV6, 128, 0, { NH6 }, 1, { { 0x00, 0x3e, 0x81 } },
	  { 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64 } },
};
static const uint8_t n_err_after_good[] = { 0x08, 0x0a, 0x20, 0xc0, 0x00 };
static const struct xpfx x_err_after_good[] = { { 0, BGP_AF_IPV4_UNICAST, 8, 0, { 10 } } };
static const uint8_t n_err_v4_33[] = { 0x21, 0xc0, 0x00, 0x02, 0x01, 0x00 };
static const uint8_t n_err_v6_129[] = { 0x81, NH6, 0x00 };
static const uint8_t n_err_labeled_5[] = {
	0x78, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x00, 0x04, 0x00,
	0x00, 0x05, 0x01,
};
static const uint8_t n_err_label_short[] = { 0x10, 0x00, 0x01 };
static const uint8_t n_err_vpn_rd[] = { 0x38, 0x00, 0x3e, 0x81, 0x00, 0x00, 0xfd, 0xe8 };
static const uint8_t n_err_vpn_v4_40[] = {
	0x80, 0x00, 0x3e, 0x81, 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64,
	0x0a, 0x02, 0x03, 0x04, 0x05,
};
static const uint8_t n_err_pathid_cut[] = { 0x00, 0x00, 0x00 };
static const uint8_t n_err_no_len[] = { 0x00, 0x00, 0x00, 0x01 };
static const uint8_t n_empty[1];

#define NLRI(v) (v), sizeof(v)
#define XP(x) (x), ARRAY_SIZE(x)

static const struct nlri_case nlri_cases[] = {
	{ "ipv4", BGP_AF_IPV4_UNICAST, false, false, NLRI(n_v4), XP(x_v4), 0 },
	{ "ipv4 multicast", BGP_AF_IPV4_MULTICAST, false, false, NLRI(n_v4_mcast),
	  XP(x_v4_mcast), 0 },
	{ "ipv6", BGP_AF_IPV6_UNICAST, false, false, NLRI(n_v6), XP(x_v6), 0 },
	{ "ipv6 multicast", BGP_AF_IPV6_MULTICAST, false, false, NLRI(n_v6_mcast),
	  XP(x_v6_mcast), 0 },
	{ "two labels", BGP_AF_IPV4_LABELED, false, false, NLRI(n_labeled_2), XP(x_labeled_2), 0 },
	{ "four labels", BGP_AF_IPV4_LABELED, false, false, NLRI(n_labeled_4), XP(x_labeled_4), 0 },
	{ "labeled withdraw", BGP_AF_IPV4_LABELED, false, true, NLRI(n_labeled_withdraw),
	  XP(x_labeled_withdraw), 0 },
	{ "ipv6 labeled add-path", BGP_AF_IPV6_LABELED, true, false, NLRI(n_v6_labeled_addpath),
	  XP(x_v6_labeled_addpath), 0 },
	{ "vpnv4 withdraw add-path", BGP_AF_VPNV4, true, true, NLRI(n_vpnv4_withdraw_addpath),
	  XP(x_vpnv4_withdraw_addpath), 0 },
	{ "vpnv6 /128", BGP_AF_VPNV6, false, false, NLRI(n_vpnv6_128), XP(x_vpnv6_128), 0 },
	{ "empty", BGP_AF_IPV4_UNICAST, false, false, n_empty, 0, NULL, 0, 0 },
	{ "error after a good prefix", BGP_AF_IPV4_UNICAST, false, false, NLRI(n_err_after_good),
	  XP(x_err_after_good), -1 },
	{ "ipv4 /33", BGP_AF_IPV4_UNICAST, false, false, NLRI(n_err_v4_33), NULL, 0, -1 },
	{ "ipv6 /129", BGP_AF_IPV6_UNICAST, false, false, NLRI(n_err_v6_129), NULL, 0, -1 },
	{ "five labels", BGP_AF_IPV4_LABELED, false, false, NLRI(n_err_labeled_5), NULL, 0, -1 },
	{ "length shorter than a label", BGP_AF_IPV6_LABELED, false, false,
	  NLRI(n_err_label_short), NULL, 0, -1 },
	{ "vpn RD cut", BGP_AF_VPNV4, false, false, NLRI(n_err_vpn_rd), NULL, 0, -1 },
	{ "vpnv4 prefix /40", BGP_AF_VPNV4, false, false, NLRI(n_err_vpn_v4_40), NULL, 0, -1 },
	{ "path id cut", BGP_AF_IPV4_UNICAST, true, false, NLRI(n_err_pathid_cut), NULL, 0, -1 },
	{ "path id, no length", BGP_AF_IPV6_UNICAST, true, false, NLRI(n_err_no_len), NULL, 0,
	  -1 },
};

static void
test_nlri(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(nlri_cases); i++) {
		const struct nlri_case *c = &nlri_cases[i];
		struct bgp_nlri_iter it;
		struct bgp_prefix p;
		size_t n = 0;
		int r;

		print_message("  nlri: %s\n", c->name);
		bgp_nlri_iter_init(&it, wire_cur_make(c->b, c->len), c->af, c->addpath,
				   c->withdraw);
		while ((r = bgp_nlri_next(&it, &p)) == 1) {
			assert_true(n < c->npfx);
			check_prefix(&p, &c->pfx[n++], 0);
		}
		assert_int_equal(n, c->npfx);
		assert_int_equal(r, c->end);
		assert_int_equal(bgp_nlri_next(&it, &p), c->end); /* and stays there */
	}
}

/* ---- NOTIFICATION, ROUTE-REFRESH ---------------------------------------- */

static void
test_notification(void **state)
{
	struct bgp_notification n;

	(void)state;
	assert_int_equal(bgp_parse_notification(V(notif_cease), &n), BGP_OK);
	assert_int_equal(n.code, 6);
	assert_int_equal(n.subcode, 2);
	assert_int_equal(n.data_len, 5);
	assert_ptr_equal(n.data, notif_cease + 21);
	assert_int_equal(bgp_parse_notification(V(notif_hold), &n), BGP_OK);
	assert_int_equal(n.code, 4);
	assert_int_equal(n.subcode, 0);
	assert_int_equal(n.data_len, 0);
	assert_int_equal(bgp_parse_notification(V(notif_short), &n), BGP_ERR_TYPE_LENGTH);
	assert_int_equal(bgp_parse_notification(notif_cease, 25, &n), BGP_ERR_LENGTH);
	assert_int_equal(bgp_parse_notification(V(rr_v4), &n), BGP_ERR_TYPE);
}

static void
test_route_refresh(void **state)
{
	struct bgp_route_refresh rr;

	(void)state;
	assert_int_equal(bgp_parse_route_refresh(V(rr_v4), &rr), BGP_OK);
	assert_int_equal(rr.afi, 1);
	assert_int_equal(rr.subtype, 0);
	assert_int_equal(rr.safi, 1);
	assert_int_equal(bgp_parse_route_refresh(V(rr_borr_v6), &rr), BGP_OK);
	assert_int_equal(rr.afi, 2);
	assert_int_equal(rr.subtype, 1);
	assert_int_equal(rr.safi, 1);
	assert_int_equal(bgp_parse_route_refresh(V(rr_orf), &rr), BGP_OK);
	assert_int_equal(rr.afi, 1);
	assert_int_equal(rr.subtype, 0);
	assert_int_equal(bgp_parse_route_refresh(V(rr_short), &rr), BGP_ERR_TYPE_LENGTH);
	assert_int_equal(bgp_parse_route_refresh(V(rr_eorr_long), &rr), BGP_ERR_TYPE_LENGTH);
	assert_int_equal(bgp_parse_route_refresh(V(notif_hold), &rr), BGP_ERR_TYPE);
}

/* ---- address families, error names -------------------------------------- */

static const struct {
	enum bgp_af af;
	uint16_t afi;
	uint8_t safi;
	const char *name;
} af_cases[] = {
	{ BGP_AF_IPV4_UNICAST, 1, 1, "ipv4-unicast" },
	{ BGP_AF_IPV6_UNICAST, 2, 1, "ipv6-unicast" },
	{ BGP_AF_IPV4_MULTICAST, 1, 2, "ipv4-multicast" },
	{ BGP_AF_IPV6_MULTICAST, 2, 2, "ipv6-multicast" },
	{ BGP_AF_IPV4_LABELED, 1, 4, "ipv4-labeled-unicast" },
	{ BGP_AF_IPV6_LABELED, 2, 4, "ipv6-labeled-unicast" },
	{ BGP_AF_VPNV4, 1, 128, "vpnv4" },
	{ BGP_AF_VPNV6, 2, 128, "vpnv6" },
};

static void
test_af(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_SIZE(af_cases), BGP_AF__COUNT);
	for (size_t i = 0; i < ARRAY_SIZE(af_cases); i++) {
		assert_int_equal(bgp_af_index(af_cases[i].afi, af_cases[i].safi), af_cases[i].af);
		assert_int_equal(bgp_af_afi(af_cases[i].af), af_cases[i].afi);
		assert_int_equal(bgp_af_safi(af_cases[i].af), af_cases[i].safi);
		assert_string_equal(bgp_af_name(af_cases[i].af), af_cases[i].name);
	}
	assert_int_equal(bgp_af_index(25, 70), -1); /* L2VPN EVPN */
	assert_int_equal(bgp_af_index(1, 133), -1); /* flowspec */
	assert_int_equal(bgp_af_index(3, 1), -1);
	assert_string_equal(bgp_af_name(BGP_AF__COUNT), "unknown");
	assert_int_equal(bgp_af_afi(BGP_AF__COUNT), 0);
}

static void
test_err_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_err_name(BGP_OK), "ok");
	assert_string_equal(bgp_err_name(BGP_ERR_MARKER), "marker");
	assert_string_equal(bgp_err_name(BGP_ERR_TYPE_LENGTH), "type-length");
	assert_string_equal(bgp_err_name(BGP_ERR_ATTR_DUPLICATE), "attr-duplicate");
	assert_string_equal(bgp_err_name(BGP_ERR_MISSING_ATTR), "missing-attr");
	assert_string_equal(bgp_err_name(BGP_ERR__COUNT), "unknown");
	for (int i = 0; i < BGP_ERR__COUNT; i++) {
		assert_non_null(bgp_err_name(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(bgp_err_name(i), bgp_err_name(j));
	}
}

/* ---- Wireshark as an independent decoder -------------------------------- */

static const struct {
	const uint8_t *b;
	size_t len;
} pcap_msgs[] = {
	{ V(open_min) }, { V(open_all_caps) }, { V(open_multi_param) }, { V(keepalive) },
	{ V(u_v4_announce) }, { V(u_v4_as4) }, { V(u_v4_as4_path) }, { V(u_v4_withdraw) },
	{ V(u_v4_comm) }, { V(u_v4_ibgp) }, { V(u_v4_extlen) }, { V(u_v6_reach) }, { V(u_v6_nh32) },
	{ V(u_v6_unreach) }, { V(u_v4_labeled) }, { V(u_v6_labeled) },
	{ V(u_v4_labeled_withdraw) }, { V(u_vpnv4) }, { V(u_vpnv6) }, { V(u_v4_addpath) },
	{ V(u_v6_addpath) }, { V(u_v4_eor) }, { V(u_v6_eor) }, { V(u_vpnv4_eor) },
	{ V(rr_v4) }, { V(rr_borr_v6) }, { V(notif_cease) }, { V(notif_hold) },
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One Ethernet/IPv4/TCP packet 192.0.2.1:40000 -> 192.0.2.2:179 carrying msg. */
static size_t
build_packet(uint8_t *pkt, const uint8_t *msg, size_t len, uint32_t seq)
{
	static const uint8_t eth[] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	};
	uint8_t *ip = pkt + 14, *tcp = ip + 20;
	uint8_t pseudo[12] = { 192, 0, 2, 1, 192, 0, 2, 2, 0, 6 };

	memset(pkt, 0, 54);
	memcpy(pkt, eth, sizeof(eth));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, pseudo, 8);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, 40000);
	put16(tcp + 2, 179);
	put32(tcp + 4, seq);
	put32(tcp + 8, 1);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* PSH ACK */
	put16(tcp + 14, 65535);
	memcpy(tcp + 20, msg, len);
	put16(pseudo + 10, (uint16_t)(20 + len));
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20 + len)));
	return 54 + len;
}

/* Classic pcap, little-endian headers as written by this host. */
static void
write_pcap(const char *path)
{
	static const uint32_t ghdr[] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	uint8_t pkt[54 + 128];
	uint32_t seq = 1000;
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(ghdr, sizeof(ghdr), 1, f), 1);
	for (size_t i = 0; i < ARRAY_SIZE(pcap_msgs); i++) {
		assert_true(pcap_msgs[i].len <= sizeof(pkt) - 54);
		size_t n = build_packet(pkt, pcap_msgs[i].b, pcap_msgs[i].len, seq);
		uint32_t rec[4] = { 1700000000u + (uint32_t)i, 0, (uint32_t)n, (uint32_t)n };

		assert_int_equal(fwrite(rec, sizeof(rec), 1, f), 1);
		assert_int_equal(fwrite(pkt, n, 1, f), 1);
		seq += (uint32_t)pcap_msgs[i].len;
	}
	assert_int_equal(fclose(f), 0);
}

static void
test_tshark(void **state)
{
	char dir[] = "/tmp/bgp_test.XXXXXX", path[64], cmd[160], line[256];
	size_t n = 0;

	(void)state;
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bgp.pcap", dir);
	write_pcap(path);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -e _ws.malformed -e bgp.type 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char want[8];

		assert_true(n < ARRAY_SIZE(pcap_msgs));
		snprintf(want, sizeof(want), "\t%u\n", pcap_msgs[n].b[18]);
		if (strcmp(line, want) != 0)
			fail_msg("packet %zu: tshark says \"%s\", want type %u", n + 1, line,
				 pcap_msgs[n].b[18]);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(n, ARRAY_SIZE(pcap_msgs));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_header),
		cmocka_unit_test(test_frame_one),
		cmocka_unit_test(test_frame_many),
		cmocka_unit_test(test_frame_split_every_offset),
		cmocka_unit_test(test_frame_split_three),
		cmocka_unit_test(test_frame_bad_then_hunt),
		cmocka_unit_test(test_frame_hunt_split_marker),
		cmocka_unit_test(test_frame_hunt_ff_run),
		cmocka_unit_test(test_frame_resync),
		cmocka_unit_test(test_frame_ext_len),
		cmocka_unit_test(test_frame_stage_freed),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_open_truncated),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_negotiate_parsed),
		cmocka_unit_test(test_update_ok),
		cmocka_unit_test(test_update_err),
		cmocka_unit_test(test_update_views),
		cmocka_unit_test(test_nlri),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_route_refresh),
		cmocka_unit_test(test_af),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_tshark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
