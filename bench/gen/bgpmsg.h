/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP-4 message builders (RFC 4271, 4760, 6793, 7911, 8092, 8654, 1997):
 * OPEN, UPDATE for IPv4 unicast (classic NLRI) and IPv6 unicast
 * (MP_REACH / MP_UNREACH), End-of-RIB, KEEPALIVE, NOTIFICATION. Every
 * builder appends one whole message to a wire_buf; a message that does
 * not fit sets b->overflow.
 */
#ifndef BMPTAP_GEN_BGPMSG_H
#define BMPTAP_GEN_BGPMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/wire.h"

#define GEN_FAM_V4 0
#define GEN_FAM_V6 1

#define GEN_AS_TRANS 23456u
#define GEN_MAX_ASPATH 16
#define GEN_MAX_COMM 8
#define GEN_MAX_LCOMM 4

/* One prefix to announce or withdraw. */
struct gen_nlri {
	uint8_t len;             /* bits */
	uint8_t addr[16];        /* IPv4 in bytes 0-3 */
	uint32_t path_id;        /* used when ADD-PATH is on */
};

/* A path attribute set, as the sender would attach it. */
struct gen_attrs {
	uint8_t origin;          /* 0 IGP, 1 EGP, 2 INCOMPLETE */
	uint8_t n_as;
	uint32_t as[GEN_MAX_ASPATH]; /* one AS_SEQUENCE, 4-octet ASNs */
	bool has_med;
	uint32_t med;
	uint8_t n_comm;
	uint32_t comm[GEN_MAX_COMM];
	uint8_t n_lcomm;
	uint32_t lcomm[GEN_MAX_LCOMM][3];
	uint8_t nh4[4];          /* NEXT_HOP for IPv4 unicast */
	uint8_t nh6[16];         /* MP_REACH next hop for IPv6 unicast */
};

struct gen_open {
	uint32_t asn;            /* 4-octet; the 2-octet field gets AS_TRANS */
	uint16_t hold;
	uint8_t bgp_id[4];
	bool addpath;            /* capability 69, send+receive, both families */
	bool ext_msg;            /* capability 6 */
};

/* An UPDATE request: attrs NULL means withdraw the prefixes. */
struct gen_update {
	int fam;                 /* GEN_FAM_* */
	const struct gen_attrs *attrs;
	const struct gen_nlri *pfx;
	uint32_t n;
	bool addpath;
	uint32_t max_len;        /* 4096, or 65535 with extended messages */
};

void gen_bgp_open(struct wire_buf *b, const struct gen_open *o);
void gen_bgp_keepalive(struct wire_buf *b);
void gen_bgp_notification(struct wire_buf *b, uint8_t code, uint8_t subcode);
/* End-of-RIB marker (RFC 4724): empty UPDATE, or empty MP_UNREACH for v6. */
void gen_bgp_eor(struct wire_buf *b, int fam);

/* Bytes one prefix takes in an NLRI field. */
uint32_t gen_nlri_size(const struct gen_nlri *p, bool addpath);

/*
 * Append one UPDATE holding as many of u->pfx as fit in u->max_len
 * (at least one). Returns how many prefixes it holds; 0 on overflow.
 */
uint32_t gen_bgp_update(struct wire_buf *b, const struct gen_update *u);

#endif
