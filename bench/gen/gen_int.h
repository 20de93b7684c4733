/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the generator's modules: speakers, sessions with
 * their two directions, and the run context. Single-threaded.
 */
#ifndef BMPTAP_GEN_INT_H
#define BMPTAP_GEN_INT_H

#include "bgpmsg.h"
#include "gen.h"
#include "pcapw.h"
#include "pkt.h"
#include "rng.h"
#include "table.h"

#define GEN_PS_PER_S 1000000000000ull
#define GEN_KEEPALIVE_PS (30 * GEN_PS_PER_S)
#define GEN_HOLD_TIME 90
#define GEN_BATCH 1024           /* prefixes gathered per UPDATE at most */

struct gen_speaker {
	uint32_t id;
	uint32_t asn;
	uint64_t key;            /* seeds its table attributes */
	uint8_t mac[6];
	uint8_t ip4[4];
	uint8_t ip6[16];
};

/* What one sender currently announces: a presence bit per prefix index. */
struct gen_rib {
	uint64_t *bits[2];
	uint64_t limit[2];       /* indexes in use */
	uint64_t cap[2];         /* bits allocated */
	uint64_t base[2];        /* initial table size (0: announces nothing) */
	uint64_t live[2];        /* prefixes present */
	uint64_t ann[2];         /* this pass: prefixes announced, withdrawn */
	uint64_t wd[2];
};

/* Table dump cursor: families in order, attribute groups inside. */
struct gen_feed {
	int fam;                 /* GEN_FAM_V4, GEN_FAM_V6, 2 when done */
	uint64_t idx;
	uint32_t group_left;
	uint64_t gid;
	struct gen_rng rng;
	struct gen_attrs attrs;
};

struct gen_dir {
	struct gen_speaker *src;
	struct gen_speaker *dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;            /* next sequence number to send */
	uint16_t ip_id;
	uint32_t unacked;        /* data segments the peer has not acked */
	struct wire_buf sbuf;    /* stream bytes not yet segmented */
	uint8_t *held;           /* frame held back by --reorder */
	size_t held_len;
	uint32_t held_seq;
	uint32_t held_plen;
	struct gen_rib rib;
	struct gen_feed feed;
	uint64_t key;            /* churn attribute sets of this direction */
	uint64_t churn_gid;
	uint64_t next_ka_ps;
};

enum gen_phase { GEN_PH_CONNECT, GEN_PH_TABLE, GEN_PH_CHURN, GEN_PH_DONE };

struct gen_session {
	uint32_t idx;
	bool v6;
	enum gen_phase phase;
	uint32_t pass;
	uint32_t conn;           /* connections opened so far */
	uint16_t port_base;
	bool churn_on;           /* churn clock started this pass */
	uint32_t resets_done;
	uint64_t churn_start_ps;
	uint64_t churn_end_ps;
	uint64_t next_churn_ps;
	uint64_t next_ps;        /* scheduler: when it wants to run */
	uint64_t order;          /* scheduler: FIFO among equal times */
	struct gen_rng rng;
	struct gen_dir dir[2];   /* 0: first speaker -> second, 1: reverse */
};

struct gen_bg;

struct gen_ctx {
	const struct gen_opts *opt;
	struct gen_universe uni;
	struct gen_pcap pcap;
	FILE *truth;
	uint64_t clock_ps;
	struct gen_rng rng;      /* loss, reorder, background */
	struct gen_bg *bg;
	struct gen_stats st;
	struct gen_speaker *spk;
	uint32_t nspk;
	struct gen_session *sess;
	uint32_t max_msg;
	uint8_t *frame;          /* scratch for one frame */
	size_t frame_cap;
	struct gen_nlri batch[GEN_BATCH];
	uint64_t batch_idx[GEN_BATCH];
};

/* out.c: write a frame at the current clock, then maybe background. */
void gen_out_frame(struct gen_ctx *c, const uint8_t *f, size_t len, bool bgp);

/* bg.c */
struct gen_bg *gen_bg_create(uint64_t seed);
void gen_bg_destroy(struct gen_bg *bg);
size_t gen_bg_frame(struct gen_bg *bg, struct gen_rng *r, const struct gen_opts *o,
		    uint8_t *out, size_t cap);

/* rib.c */
int gen_rib_reset(struct gen_rib *r, uint64_t base4, uint64_t base6);
void gen_rib_free(struct gen_rib *r);
bool gen_rib_has(const struct gen_rib *r, int fam, uint64_t idx);
void gen_rib_set(struct gen_rib *r, int fam, uint64_t idx, bool on);
uint64_t gen_rib_next(const struct gen_rib *r, int fam, uint64_t from);
/* A new index at the end (present); UINT64_MAX when out of memory. */
uint64_t gen_rib_grow(struct gen_rib *r, int fam);
/* A random present index; UINT64_MAX when none. */
uint64_t gen_rib_pick(const struct gen_rib *r, int fam, struct gen_rng *g);

/* feed.c: messages appended to d->sbuf. */
void gen_feed_start(struct gen_ctx *c, struct gen_dir *d);
/* Next table message (UPDATE or End-of-RIB); false when the dump is over. */
bool gen_feed_message(struct gen_ctx *c, struct gen_dir *d);
/* One churn UPDATE; false if the sender had nothing to change. */
bool gen_churn_update(struct gen_ctx *c, struct gen_session *s, struct gen_dir *d);
void gen_count_msg(struct gen_ctx *c, uint8_t type);

/* tcp.c */
void gen_tcp_connect(struct gen_ctx *c, struct gen_session *s);
/* Segment pending bytes of direction di: whole MSS only unless `all`. */
void gen_tcp_push(struct gen_ctx *c, struct gen_session *s, int di, bool all);
void gen_tcp_settle(struct gen_ctx *c, struct gen_session *s);
void gen_tcp_close(struct gen_ctx *c, struct gen_session *s, int first);
uint16_t gen_tcp_mss(const struct gen_ctx *c, const struct gen_session *s);

/* session.c */
int gen_session_init(struct gen_ctx *c, struct gen_session *s, uint32_t idx,
		     struct gen_speaker *a, struct gen_speaker *b, bool v6);
void gen_session_free(struct gen_session *s);
void gen_session_step(struct gen_ctx *c, struct gen_session *s);

/* truth.c */
void gen_truth_segment(struct gen_ctx *c, const struct gen_session *s, const struct gen_dir *d,
		       const char *what, uint32_t seq, uint32_t len);
void gen_truth_dir(struct gen_ctx *c, const struct gen_session *s, const struct gen_dir *d);

#endif
