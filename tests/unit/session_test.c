/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session table tests, written from session.h (the BMP mapping in its
 * header comment) and event.h: TCP segments carrying hand-built BGP
 * bytes go in as classify_pkt, event records come out of the lcore's
 * queue. Expected records and counters are written by hand.
 *
 * Endpoints: side 0 is the client A (10.0.0.1:50000), side 1 the BGP
 * server B (10.0.0.2:179). The peer of a direction is its sender.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/bgp.h"
#include "dataplane/event.h"
#include "dataplane/evq.h"
#include "dataplane/session.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define US 1000000ull
#define T0 1700000000000000ull       /* capture time base, us */
#define GRACE_US 1000u               /* reasm ack grace in these tests */

/* ---- BGP messages (RFC 4271 4.1-4.5, RFC 5492, RFC 6793) ---- */

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/* A's OPEN, 45 bytes: AS 65001, hold 90, ID 10.0.0.1; capabilities
 * multiprotocol IPv4 unicast, route refresh, 4-octet AS 65001. */
static const uint8_t open_a[] = {
	MARKER, 0x00, 0x2d, 0x01,
	0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01,
	0x10, 0x02, 0x0e,                       /* opt len 16, capabilities len 14 */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01,     /* MP: AFI 1 SAFI 1 */
	0x02, 0x00,                             /* route refresh */
	0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9,     /* 4-octet AS 65001 */
};
/* B's OPEN, 43 bytes: AS_TRANS, hold 180, ID 10.0.0.2; MP IPv4 unicast,
 * 4-octet AS 4200000002. */
static const uint8_t open_b[] = {
	MARKER, 0x00, 0x2b, 0x01,
	0x04, 0x5b, 0xa0, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x02,
	0x0e, 0x02, 0x0c,
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01,
	0x41, 0x04, 0xfa, 0x56, 0xea, 0x02,     /* 4-octet AS 4200000002 */
};
/* B's OPEN without 4-octet AS, 37 bytes: AS 65002, hold 90, ID 10.0.0.2. */
static const uint8_t open_b2[] = {
	MARKER, 0x00, 0x25, 0x01,
	0x04, 0xfd, 0xea, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02,
	0x08, 0x02, 0x06,
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01,
};
static const uint8_t keepalive[] = { MARKER, 0x00, 0x13, 0x04 };

/* UPDATE, 47 bytes, 4-octet AS_PATH (as): ORIGIN IGP, AS_PATH, NEXT_HOP nh, NLRI /24. */
#define UPD4(as0, as1, as2, as3, nh, p0, p1, p2) MARKER, 0x00, 0x2f, 0x02, \
	0x00, 0x00, 0x00, 0x14, \
	0x40, 0x01, 0x01, 0x00, \
	0x40, 0x02, 0x06, 0x02, 0x01, as0, as1, as2, as3, \
	0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, nh, \
	0x18, p0, p1, p2
static const uint8_t upd_a1[] = { UPD4(0x00, 0x00, 0xfd, 0xe9, 1, 198, 51, 100) };
static const uint8_t upd_a2[] = { UPD4(0x00, 0x00, 0xfd, 0xe9, 1, 198, 51, 101) };
static const uint8_t upd_a3[] = { UPD4(0x00, 0x00, 0xfd, 0xe9, 1, 198, 51, 102) };
static const uint8_t upd_b1[] = { UPD4(0xfa, 0x56, 0xea, 0x02, 2, 203, 0, 113) };
/* AS 4200000001 = fa 56 ea 01: read with 2-octet ASes the second segment
 * would start with type 0xea, so only the 4-octet reading parses. */
static const uint8_t upd_m4[] = { UPD4(0xfa, 0x56, 0xea, 0x01, 1, 192, 0, 2) };

/* UPDATE, 45 bytes, 2-octet AS_PATH 65001 (a 4-octet reading overruns it). */
static const uint8_t upd_a2oct[] = {
	MARKER, 0x00, 0x2d, 0x02,
	0x00, 0x00, 0x00, 0x12,
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe9,
	0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x01,
	0x18, 198, 51, 100,
};
/* UPDATE, 45 bytes, 2-octet AS_PATH 65002, from B. */
static const uint8_t upd_b2oct[] = {
	MARKER, 0x00, 0x2d, 0x02,
	0x00, 0x00, 0x00, 0x12,
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xea,
	0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x02,
	0x18, 203, 0, 113,
};
/* UPDATE, 54 bytes, from a 2-octet speaker with a 4-octet AS: AS_PATH
 * [AS_TRANS], AS4_PATH [as] (RFC 6793 4.2.2). */
#define UPD_TRANS(as0, as1, as2, as3, nh, p0, p1, p2) MARKER, 0x00, 0x36, 0x02, \
	0x00, 0x00, 0x00, 0x1b, \
	0x40, 0x01, 0x01, 0x00, \
	0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0, \
	0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, nh, \
	0xc0, 0x11, 0x06, 0x02, 0x01, as0, as1, as2, as3, \
	0x18, p0, p1, p2
static const uint8_t upd_a_trans[] = { UPD_TRANS(0xfa, 0x56, 0xea, 0x01, 1, 198, 51, 100) };
static const uint8_t upd_b_trans[] = { UPD_TRANS(0xfa, 0x56, 0xea, 0x02, 2, 203, 0, 113) };
/* UPDATE, 23 bytes: withdrawn routes length 5 overruns the message. */
static const uint8_t upd_bad[] = { MARKER, 0x00, 0x17, 0x02, 0x00, 0x05, 0x00, 0x00 };
/* NOTIFICATION Cease / Administrative Shutdown; OPEN Message Error / Bad Peer AS. */
static const uint8_t notif_cease[] = { MARKER, 0x00, 0x15, 0x03, 0x06, 0x02 };
static const uint8_t notif_bad_as[] = { MARKER, 0x00, 0x15, 0x03, 0x02, 0x02 };
/* The last 10 bytes of some UPDATE: a capture starting mid-message. */
static const uint8_t tail10[] = { 0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x01, 0x18, 0xc6, 0x33 };

/* ---- fixture: a session table over its own queue ---- */

struct rec {
	struct ev_hdr h;
	uint8_t *p;                  /* payload copy */
	uint32_t plen;
};

#define MAX_RECS 64

struct fx {
	struct evq *q;
	struct session_table *t;
	struct rec rec[MAX_RECS];
	unsigned nrec;               /* records collected */
	unsigned next;               /* first record not yet checked */
};

static void
fx_init(struct fx *f, uint32_t max_flows, unsigned blocks)
{
	struct session_params p = { .max_flows = max_flows };

	memset(f, 0, sizeof(*f));
	p.reasm.ack_grace_us = GRACE_US;
	f->q = evq_create(blocks);
	assert_non_null(f->q);
	f->t = session_table_create(&p, f->q);
	assert_non_null(f->t);
}

static void
fx_fini(struct fx *f)
{
	session_table_destroy(f->t);
	evq_destroy(f->q);
	for (unsigned i = 0; i < f->nrec; i++)
		free(f->rec[i].p);
}

/* Move what the queue holds into f->rec. */
static void
fx_collect(struct fx *f)
{
	struct evq_block *b;

	evq_flush(f->q);
	while ((b = evq_take(f->q))) {
		const struct ev_hdr *h;
		uint32_t off = 0;
		while ((h = evq_block_next(b, &off))) {
			struct rec *r = &f->rec[f->nrec++];
			assert_true(f->nrec <= MAX_RECS);
			assert_true(h->len >= sizeof(*h));
			r->h = *h;
			r->plen = h->len - (uint32_t)sizeof(*h);
			r->p = malloc(r->plen + 1);
			assert_non_null(r->p);
			memcpy(r->p, h + 1, r->plen);
		}
		evq_give_back(f->q, b);
	}
}

/* Exactly n new records since the last call; returns the first of them. */
static const struct rec *
expect_recs(struct fx *f, unsigned n)
{
	fx_collect(f);
	if (f->nrec - f->next != n)
		fail_msg("%u new records, want %u", f->nrec - f->next, n);
	const struct rec *r = &f->rec[f->next];
	f->next = f->nrec;
	return r;
}

/* ---- a TCP connection between A and B ---- */

struct conn {
	uint8_t family;
	uint8_t addr[2][16];
	uint16_t port[2];
	uint32_t next[2];            /* next sequence number each side sends */
};

static struct conn
conn_v4(uint8_t a_last, uint16_t a_port, uint8_t b_last, uint32_t isn_a, uint32_t isn_b)
{
	struct conn c = { .family = 4, .port = { a_port, 179 }, .next = { isn_a, isn_b } };

	memcpy(c.addr[0], (uint8_t[4]){ 10, 0, 0, a_last }, 4);
	memcpy(c.addr[1], (uint8_t[4]){ 10, 0, 0, b_last }, 4);
	return c;
}

static int
pkt(struct fx *f, const struct conn *c, int side, uint8_t flags, uint32_t seq,
    const uint8_t *data, uint32_t len, uint64_t ts)
{
	struct classify_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = c->family;
	p.tcp_flags = flags;
	memcpy(p.src, c->addr[side], 16);
	memcpy(p.dst, c->addr[!side], 16);
	p.sport = c->port[side];
	p.dport = c->port[!side];
	p.seq = seq;
	p.ack = flags & CLASSIFY_TH_ACK ? c->next[!side] : 0;
	p.payload = data;
	p.payload_len = len;
	return session_table_packet(f->t, &p, ts);
}

/* In-order data from `side`, acknowledging everything of the other side. */
static void
send(struct fx *f, struct conn *c, int side, const uint8_t *data, uint32_t len, uint64_t ts)
{
	uint8_t fl = CLASSIFY_TH_ACK | (len ? CLASSIFY_TH_PSH : 0);

	assert_int_equal(pkt(f, c, side, fl, c->next[side], data, len, ts), 0);
	c->next[side] += len;
}

static void
send_flags(struct fx *f, struct conn *c, int side, uint8_t flags, uint64_t ts)
{
	assert_int_equal(pkt(f, c, side, flags, c->next[side], NULL, 0, ts), 0);
	if (flags & (CLASSIFY_TH_SYN | CLASSIFY_TH_FIN))
		c->next[side] += 1;
}

static void
handshake(struct fx *f, struct conn *c, uint64_t ts)
{
	send_flags(f, c, 0, CLASSIFY_TH_SYN, ts);
	send_flags(f, c, 1, CLASSIFY_TH_SYN | CLASSIFY_TH_ACK, ts + 10);
	send_flags(f, c, 0, CLASSIFY_TH_ACK, ts + 20);
}

/* Handshake, both OPENs, both KEEPALIVEs: A's at ts + 3000, B's at ts + 4000. */
static void
establish(struct fx *f, struct conn *c, const uint8_t *oa, uint32_t oa_len,
	  const uint8_t *ob, uint32_t ob_len, uint64_t ts)
{
	handshake(f, c, ts);
	send(f, c, 0, oa, oa_len, ts + 1000);
	send(f, c, 1, ob, ob_len, ts + 2000);
	send(f, c, 0, keepalive, sizeof(keepalive), ts + 3000);
	send(f, c, 1, keepalive, sizeof(keepalive), ts + 4000);
}

/* ---- record checks ---- */

struct up_want {
	int sender;                  /* side whose BGP speaker is the peer */
	uint32_t as, bgp_id;
	uint8_t peer_flags;          /* BMP_PEER_FLAG_A or 0 */
	uint8_t dist[8];             /* from the receiver */
	const uint8_t *sent, *recv;  /* receiver's OPEN, sender's OPEN */
	uint16_t sent_len, recv_len;
	uint64_t ts;
};

static const struct ev_peer_up *
check_up_common(const struct rec *r, const struct conn *c, int sender, uint64_t ts)
{
	const struct ev_peer_up *up = (const struct ev_peer_up *)r->p;

	assert_int_equal(r->h.type, EV_PEER_UP);
	assert_int_equal(r->h.ts_us, ts);
	assert_true(r->plen >= sizeof(*up));
	assert_int_equal(r->plen, sizeof(*up) + up->sent_open_len + up->recv_open_len +
			 up->info_len);
	assert_int_equal(up->peer.type, BMP_PEER_LOCAL);
	assert_int_equal(up->peer.family, c->family);
	assert_memory_equal(up->peer.addr, c->addr[sender], 16);
	assert_memory_equal(up->local_addr, c->addr[!sender], 16);
	assert_int_equal(up->local_port, c->port[!sender]);
	assert_int_equal(up->remote_port, c->port[sender]);
	return up;
}

static void
check_up(const struct rec *r, const struct conn *c, const struct up_want *w)
{
	const struct ev_peer_up *up = check_up_common(r, c, w->sender, w->ts);
	const uint8_t *opens = r->p + sizeof(*up);

	assert_int_equal(r->h.flags, 0);
	assert_int_equal(up->peer.flags, w->peer_flags);
	assert_memory_equal(up->peer.distinguisher, w->dist, 8);
	assert_int_equal(up->peer.as, w->as);
	assert_int_equal(up->peer.bgp_id, w->bgp_id);
	assert_int_equal(up->sent_open_len, w->sent_len);
	assert_int_equal(up->recv_open_len, w->recv_len);
	assert_memory_equal(opens, w->sent, w->sent_len);
	assert_memory_equal(opens + w->sent_len, w->recv, w->recv_len);
	assert_int_equal(up->info_len, 0);
}

static void
check_msg(const struct rec *r, uint8_t type, uint32_t peer, uint64_t ts, const uint8_t *msg,
	  uint32_t len)
{
	assert_int_equal(r->h.type, type);
	assert_int_equal(r->h.peer, peer);
	assert_int_equal(r->h.ts_us, ts);
	assert_int_equal(r->plen, len);
	assert_memory_equal(r->p, msg, len);
}

static void
check_down(const struct rec *r, uint32_t peer, uint64_t ts, uint16_t reason,
	   const uint8_t *data, uint32_t len)
{
	assert_int_equal(r->h.aux, reason);
	check_msg(r, EV_PEER_DOWN, peer, ts, data, len);
}

static void
check_loss(const struct rec *r, uint32_t peer, uint64_t ts, uint64_t bytes)
{
	struct ev_loss l;

	assert_int_equal(r->h.type, EV_LOSS);
	assert_int_equal(r->h.peer, peer);
	assert_int_equal(r->h.ts_us, ts);
	assert_int_equal(r->plen, sizeof(l));
	memcpy(&l, r->p, sizeof(l));
	assert_int_equal(l.bytes, bytes);
}

/* ---- counters: every field compared, differences named ---- */

#define SCALAR_COUNTERS(X) X(packets) X(flows_created) X(flows_removed) X(flows_evicted) \
	X(flow_table_full) X(flow_restarts) X(framer_bad) X(framer_skipped) X(peer_up) \
	X(peer_up_inferred) X(peer_down) X(hold_expired) X(route_mon) X(errored_pdu) \
	X(loss_events) X(loss_bytes) X(loss_before_up) X(evq_full) X(peer_slots_full)

static void
check_counters(const struct fx *f, const struct session_counters *w)
{
	const struct session_counters *g = session_table_counters(f->t);
	int bad = 0;

#define CMP(name) \
	if (g->name != w->name) { \
		print_error("counter " #name ": %llu, want %llu\n", \
			    (unsigned long long)g->name, (unsigned long long)w->name); \
		bad++; \
	}
	SCALAR_COUNTERS(CMP)
#undef CMP
	for (unsigned i = 0; i < N(g->bgp_msgs); i++)
		if (g->bgp_msgs[i] != w->bgp_msgs[i]) {
			print_error("bgp_msgs[%u]: %llu, want %llu\n", i,
				    (unsigned long long)g->bgp_msgs[i],
				    (unsigned long long)w->bgp_msgs[i]);
			bad++;
		}
	for (unsigned i = 0; i < BGP_ERR__COUNT; i++)
		if (g->bgp_errors[i] != w->bgp_errors[i]) {
			print_error("bgp_errors[%s]: %llu, want %llu\n", bgp_err_name(i),
				    (unsigned long long)g->bgp_errors[i],
				    (unsigned long long)w->bgp_errors[i]);
			bad++;
		}
	for (unsigned i = 0; i < SKIP__COUNT; i++)
		if (g->skipped[i] != w->skipped[i]) {
			print_error("skipped[%s]: %llu, want %llu\n", session_skip_name(i),
				    (unsigned long long)g->skipped[i],
				    (unsigned long long)w->skipped[i]);
			bad++;
		}
	if (bad)
		fail_msg("%d counters differ", bad);
}

/* Counters after establish() on a fresh table: 7 packets, 2 OPENs, 2 KEEPALIVEs. */
static struct session_counters
established_counters(void)
{
	struct session_counters w = { 0 };

	w.packets = 7;
	w.flows_created = 1;
	w.bgp_msgs[BGP_MSG_OPEN] = 2;
	w.bgp_msgs[BGP_MSG_KEEPALIVE] = 2;
	w.skipped[SKIP_OPEN] = 2;
	w.skipped[SKIP_KEEPALIVE] = 2;
	w.peer_up = 2;
	return w;
}

/* Distinguishers for the receivers used here: type-1 RD "receiver:0"
 * (the rule documented in session_emit.c). */
static const uint8_t dist_10_0_0_1[8] = { 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x00 };
static const uint8_t dist_10_0_0_2[8] = { 0x00, 0x01, 10, 0, 0, 2, 0x00, 0x00 };
static const uint8_t dist_10_0_0_3[8] = { 0x00, 0x01, 10, 0, 0, 3, 0x00, 0x00 };

/* Establish A-B with open_a/open_b and check both Peer Ups; returns their slots. */
static void
establish_checked(struct fx *f, struct conn *c, uint64_t ts, uint32_t peer[2])
{
	establish(f, c, open_a, sizeof(open_a), open_b, sizeof(open_b), ts);
	const struct rec *r = expect_recs(f, 2);
	struct up_want wa = {
		.sender = 0, .as = 65001, .bgp_id = 0x0a000001, .peer_flags = 0,
		.sent = open_b, .sent_len = sizeof(open_b),
		.recv = open_a, .recv_len = sizeof(open_a), .ts = ts + 3000,
	};
	struct up_want wb = {
		.sender = 1, .as = 4200000002u, .bgp_id = 0x0a000002, .peer_flags = 0,
		.sent = open_a, .sent_len = sizeof(open_a),
		.recv = open_b, .recv_len = sizeof(open_b), .ts = ts + 4000,
	};

	/* B is 10.0.0.2 or 10.0.0.3 in these tests; A is always 10.0.0.1 */
	memcpy(wa.dist, c->addr[1][3] == 2 ? dist_10_0_0_2 : dist_10_0_0_3, 8);
	memcpy(wb.dist, dist_10_0_0_1, 8);
	check_up(&r[0], c, &wa);
	check_up(&r[1], c, &wb);
	assert_int_not_equal(r[0].h.peer, r[1].h.peer);
	peer[0] = r[0].h.peer;
	peer[1] = r[1].h.peer;
}

static const struct rec *
rec_of_peer(const struct rec *r, unsigned n, uint32_t peer)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].h.peer == peer)
			return &r[i];
	fail_msg("no record for peer %u", peer);
	return NULL;
}

/* ---- scenarios ---- */

/* SYN, SYN-ACK, OPENs, KEEPALIVEs, UPDATEs, then a NOTIFICATION from A. */
static void
test_full_session(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	struct session_counters w = established_counters();
	check_counters(&f, &w);
	assert_int_equal(session_table_flows(f.t), 1);

	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 10000);
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 11000);
	const struct rec *r = expect_recs(&f, 2);
	check_msg(&r[0], EV_ROUTE_MON, peer[0], T0 + 10000, upd_a1, sizeof(upd_a1));
	check_msg(&r[1], EV_ROUTE_MON, peer[1], T0 + 11000, upd_b1, sizeof(upd_b1));
	w.packets += 2;
	w.bgp_msgs[BGP_MSG_UPDATE] += 2;
	w.route_mon += 2;
	check_counters(&f, &w);

	/* A's NOTIFICATION: reason 3 for A (it sent it), 1 for B, both with the PDU */
	send(&f, &c, 0, notif_cease, sizeof(notif_cease), T0 + 20000);
	r = expect_recs(&f, 2);
	check_down(rec_of_peer(r, 2, peer[0]), peer[0], T0 + 20000, BMP_DOWN_REMOTE_NOTIFY,
		   notif_cease, sizeof(notif_cease));
	check_down(rec_of_peer(r, 2, peer[1]), peer[1], T0 + 20000, BMP_DOWN_LOCAL_NOTIFY,
		   notif_cease, sizeof(notif_cease));
	w.packets++;
	w.bgp_msgs[BGP_MSG_NOTIFICATION]++;
	w.peer_down += 2;
	check_counters(&f, &w);

	/* the session is over: B's UPDATE is not exported */
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 21000);
	expect_recs(&f, 0);
	w.packets++;
	w.bgp_msgs[BGP_MSG_UPDATE]++;
	w.skipped[SKIP_NOT_ESTABLISHED]++;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* B without the 4-octet AS capability: A flag on both peers, 2-octet paths. */
static void
test_two_octet_session(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);

	fx_init(&f, 16, 4);
	establish(&f, &c, open_a, sizeof(open_a), open_b2, sizeof(open_b2), T0);
	const struct rec *r = expect_recs(&f, 2);
	struct up_want wa = {
		.sender = 0, .as = 65001, .bgp_id = 0x0a000001, .peer_flags = BMP_PEER_FLAG_A,
		.sent = open_b2, .sent_len = sizeof(open_b2),
		.recv = open_a, .recv_len = sizeof(open_a), .ts = T0 + 3000,
	};
	struct up_want wb = {
		.sender = 1, .as = 65002, .bgp_id = 0x0a000002, .peer_flags = BMP_PEER_FLAG_A,
		.sent = open_a, .sent_len = sizeof(open_a),
		.recv = open_b2, .recv_len = sizeof(open_b2), .ts = T0 + 4000,
	};
	memcpy(wa.dist, dist_10_0_0_2, 8);
	memcpy(wb.dist, dist_10_0_0_1, 8);
	check_up(&r[0], &c, &wa);
	check_up(&r[1], &c, &wb);
	uint32_t pa = r[0].h.peer;

	/* 2-octet AS_PATH parses; a 4-octet one is malformed on this session */
	send(&f, &c, 0, upd_a2oct, sizeof(upd_a2oct), T0 + 5000);
	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 6000);
	r = expect_recs(&f, 2);
	check_msg(&r[0], EV_ROUTE_MON, pa, T0 + 5000, upd_a2oct, sizeof(upd_a2oct));
	check_msg(&r[1], EV_ERRORED_PDU, pa, T0 + 6000, upd_a1, sizeof(upd_a1));
	struct session_counters w = established_counters();
	w.packets += 2;
	w.bgp_msgs[BGP_MSG_UPDATE] += 2;
	w.route_mon = 1;
	w.errored_pdu = 1;
	w.bgp_errors[BGP_ERR_AS_PATH] = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* A malformed UPDATE is mirrored as an errored PDU; the session goes on. */
static void
test_malformed_update(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	send(&f, &c, 1, upd_bad, sizeof(upd_bad), T0 + 5000);
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 6000);
	const struct rec *r = expect_recs(&f, 2);
	check_msg(&r[0], EV_ERRORED_PDU, peer[1], T0 + 5000, upd_bad, sizeof(upd_bad));
	check_msg(&r[1], EV_ROUTE_MON, peer[1], T0 + 6000, upd_b1, sizeof(upd_b1));
	struct session_counters w = established_counters();
	w.packets += 2;
	w.bgp_msgs[BGP_MSG_UPDATE] += 2;
	w.route_mon = 1;
	w.errored_pdu = 1;
	w.bgp_errors[BGP_ERR_UPDATE_WITHDRAWN] = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* FIN or RST without a NOTIFICATION: reason 4 for both peers, no data. */
static const struct {
	const char *name;
	int side;
	uint8_t flags;
} close_cases[] = {
	{ "FIN from A", 0, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK },
	{ "FIN from B", 1, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK },
	{ "RST from B", 1, CLASSIFY_TH_RST | CLASSIFY_TH_ACK },
	{ "RST from A, no ACK", 0, CLASSIFY_TH_RST },
};

static void
test_close_without_notification(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(close_cases); i++) {
		struct fx f;
		struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
		uint32_t peer[2];
		uint64_t t = T0 + 10 * US;

		print_message("case '%s'\n", close_cases[i].name);
		fx_init(&f, 16, 4);
		establish_checked(&f, &c, T0, peer);
		send_flags(&f, &c, close_cases[i].side, close_cases[i].flags, t);
		const struct rec *r = expect_recs(&f, 2);
		check_down(rec_of_peer(r, 2, peer[0]), peer[0], t, BMP_DOWN_REMOTE_NO_NOTIFY,
			   NULL, 0);
		check_down(rec_of_peer(r, 2, peer[1]), peer[1], t, BMP_DOWN_REMOTE_NO_NOTIFY,
			   NULL, 0);
		/* the other side closes too: nothing more */
		send_flags(&f, &c, !close_cases[i].side, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK,
			   t + 100);
		expect_recs(&f, 0);
		struct session_counters w = established_counters();
		w.packets += 2;
		w.peer_down = 2;
		check_counters(&f, &w);
		/* a closed flow lingers briefly, then goes */
		session_table_tick(f.t, t + 100 + 3 * US);
		assert_int_equal(session_table_flows(f.t), 0);
		w.flows_removed = 1;
		check_counters(&f, &w);
		fx_fini(&f);
	}
}

/* An OPEN answered by a NOTIFICATION: no Peer Up, no Peer Down, counted. */
static void
test_open_refused(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);

	fx_init(&f, 16, 4);
	handshake(&f, &c, T0);
	send(&f, &c, 0, open_a, sizeof(open_a), T0 + 1000);
	send(&f, &c, 1, notif_bad_as, sizeof(notif_bad_as), T0 + 2000);
	send_flags(&f, &c, 1, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK, T0 + 3000);
	send_flags(&f, &c, 0, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK, T0 + 4000);
	expect_recs(&f, 0);
	struct session_counters w = { 0 };
	w.packets = 7;
	w.flows_created = 1;
	w.bgp_msgs[BGP_MSG_OPEN] = 1;
	w.bgp_msgs[BGP_MSG_NOTIFICATION] = 1;
	w.skipped[SKIP_OPEN] = 1;
	w.skipped[SKIP_NOTIFY_BEFORE_UP] = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* Segments out of order, a message split over segments, retransmissions:
 * each message becomes one record, once. */
static void
test_out_of_order_and_retransmission(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];
	uint8_t buf[sizeof(upd_a1) + sizeof(keepalive) + sizeof(upd_a2)];

	memcpy(buf, upd_a1, sizeof(upd_a1));
	memcpy(buf + sizeof(upd_a1), keepalive, sizeof(keepalive));
	memcpy(buf + sizeof(upd_a1) + sizeof(keepalive), upd_a2, sizeof(upd_a2));
	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	const struct reasm_counters rc0 = *session_table_reasm_counters(f.t);
	uint32_t s = c.next[0];
	const uint8_t fl = CLASSIFY_TH_ACK | CLASSIFY_TH_PSH;
	/* [0, 20) [20, 76) [76, 113): the last first, then the middle, then the head */
	assert_int_equal(pkt(&f, &c, 0, fl, s + 76, buf + 76, sizeof(buf) - 76, T0 + 5000), 0);
	assert_int_equal(pkt(&f, &c, 0, fl, s + 20, buf + 20, 56, T0 + 5100), 0);
	expect_recs(&f, 0);
	assert_int_equal(pkt(&f, &c, 0, fl, s, buf, 20, T0 + 5200), 0);
	const struct rec *r = expect_recs(&f, 2);
	check_msg(&r[0], EV_ROUTE_MON, peer[0], T0 + 5200, upd_a1, sizeof(upd_a1));
	check_msg(&r[1], EV_ROUTE_MON, peer[0], T0 + 5200, upd_a2, sizeof(upd_a2));
	c.next[0] += sizeof(buf);
	/* retransmissions: each piece again, an overlap of all, the OPEN again */
	assert_int_equal(pkt(&f, &c, 0, fl, s, buf, 20, T0 + 6000), 0);
	assert_int_equal(pkt(&f, &c, 0, fl, s + 76, buf + 76, sizeof(buf) - 76, T0 + 6100), 0);
	assert_int_equal(pkt(&f, &c, 0, fl, s + 20, buf + 20, 56, T0 + 6200), 0);
	assert_int_equal(pkt(&f, &c, 0, fl, s + 10, buf + 10, 80, T0 + 6300), 0);
	assert_int_equal(pkt(&f, &c, 0, fl, 1001, open_a, sizeof(open_a), T0 + 6400), 0);
	expect_recs(&f, 0);
	/* and the stream goes on */
	send(&f, &c, 0, upd_a3, sizeof(upd_a3), T0 + 7000);
	r = expect_recs(&f, 1);
	check_msg(&r[0], EV_ROUTE_MON, peer[0], T0 + 7000, upd_a3, sizeof(upd_a3));

	struct session_counters w = established_counters();
	w.packets += 9;
	w.bgp_msgs[BGP_MSG_UPDATE] = 3;
	w.bgp_msgs[BGP_MSG_KEEPALIVE] += 1;
	w.skipped[SKIP_KEEPALIVE] += 1;
	w.route_mon = 3;
	check_counters(&f, &w);
	const struct reasm_counters *rc = session_table_reasm_counters(f.t);
	assert_int_equal(rc->out_of_order - rc0.out_of_order, 2);
	assert_int_equal(rc->retransmissions - rc0.retransmissions, 5);
	assert_int_equal(rc->gaps, 0);
	fx_fini(&f);
}

/* A segment the tap missed, ACKed by the receiver: after the grace, a loss
 * record for that peer, then the stream resyncs and UPDATEs flow again. */
static void
test_gap_then_resync(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 5000);
	c.next[0] += sizeof(upd_a2);                        /* upd_a2: lost by the tap */
	send(&f, &c, 0, upd_a3, sizeof(upd_a3), T0 + 5100);  /* buffered behind the hole */
	const struct rec *r = expect_recs(&f, 1);
	check_msg(&r[0], EV_ROUTE_MON, peer[0], T0 + 5000, upd_a1, sizeof(upd_a1));

	/* B acknowledges all of it: evidence of the hole; the grace runs */
	send(&f, &c, 1, NULL, 0, T0 + 6000);
	expect_recs(&f, 0);
	send(&f, &c, 1, NULL, 0, T0 + 6000 + GRACE_US);
	r = expect_recs(&f, 2);
	check_loss(&r[0], peer[0], T0 + 6000 + GRACE_US, sizeof(upd_a2));
	assert_int_equal(r[1].h.type, EV_ROUTE_MON);
	assert_int_equal(r[1].h.peer, peer[0]);
	assert_int_equal(r[1].plen, sizeof(upd_a3));
	assert_memory_equal(r[1].p, upd_a3, sizeof(upd_a3));
	assert_true(r[1].h.ts_us >= T0 + 5100 && r[1].h.ts_us <= T0 + 6000 + GRACE_US);

	send(&f, &c, 0, upd_a2, sizeof(upd_a2), T0 + 7000);
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 7100);
	r = expect_recs(&f, 2);
	check_msg(&r[0], EV_ROUTE_MON, peer[0], T0 + 7000, upd_a2, sizeof(upd_a2));
	check_msg(&r[1], EV_ROUTE_MON, peer[1], T0 + 7100, upd_b1, sizeof(upd_b1));

	struct session_counters w = established_counters();
	w.packets += 6;
	w.bgp_msgs[BGP_MSG_UPDATE] = 4;
	w.route_mon = 4;
	w.loss_events = 1;
	w.loss_bytes = sizeof(upd_a2);
	check_counters(&f, &w);
	assert_int_equal(session_table_reasm_counters(f.t)->gaps, 1);
	fx_fini(&f);
}

/* ---- sessions joined mid-stream ---- */

struct midstream_case {
	const char *name;
	const uint8_t *upd_a, *upd_b;  /* first UPDATE of each direction */
	uint32_t len_a, len_b;
	uint32_t as_a, as_b;           /* first AS of each AS_PATH */
	bool as4;
};

static const struct midstream_case midstream_cases[] = {
	{ "4-octet AS_PATH", upd_m4, upd_b1, sizeof(upd_m4), sizeof(upd_b1),
	  4200000001u, 4200000002u, true },
	{ "2-octet AS_PATH", upd_a2oct, upd_b2oct, sizeof(upd_a2oct), sizeof(upd_b2oct),
	  65001, 65002, false },
	{ "2-octet AS_PATH with AS_TRANS and AS4_PATH", upd_a_trans, upd_b_trans,
	  sizeof(upd_a_trans), sizeof(upd_b_trans), 4200000001u, 4200000002u, false },
};

/* An inferred Peer Up: flagged, OPENs that parse, what the UPDATE showed. */
static void
check_inferred_up(const struct rec *r, const struct conn *c, int sender, uint64_t ts,
		  const struct midstream_case *mc)
{
	const struct ev_peer_up *up = check_up_common(r, c, sender, ts);
	const uint8_t *sent = r->p + sizeof(*up), *recv = sent + up->sent_open_len;
	const uint8_t *info = recv + up->recv_open_len;
	struct bgp_open o;
	uint32_t as = sender == 0 ? mc->as_a : mc->as_b;

	assert_int_equal(r->h.flags & EV_PEER_INFERRED, EV_PEER_INFERRED);
	assert_int_equal(up->peer.as, as);
	assert_int_equal(up->peer.flags, mc->as4 ? 0 : BMP_PEER_FLAG_A);
	/* BGP IDs inferred from the transport addresses (session_infer.c) */
	assert_int_equal(up->peer.bgp_id, 0x0a000000u | c->addr[sender][3]);
	assert_memory_equal(up->peer.distinguisher,
			    sender == 0 ? dist_10_0_0_2 : dist_10_0_0_1, 8);
	assert_int_equal(bgp_parse_open(recv, up->recv_open_len, &o), BGP_OK);
	/* a 2-octet speaker's OPEN carries AS_TRANS for a 4-octet AS */
	assert_int_equal(o.asn, mc->as4 || as <= 0xffff ? as : 23456);
	assert_int_equal(o.cap_as4, mc->as4);
	assert_int_equal(o.bgp_id, up->peer.bgp_id);
	assert_int_equal(bgp_parse_open(sent, up->sent_open_len, &o), BGP_OK);
	assert_int_equal(o.bgp_id, 0x0a000000u | c->addr[!sender][3]);
	assert_true(up->info_len > 0);
	for (unsigned i = 0; i < up->info_len; i++)
		assert_true(info[i] >= 0x20 && info[i] < 0x7f);
}

static void
test_midstream(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(midstream_cases); i++) {
		const struct midstream_case *mc = &midstream_cases[i];
		struct fx f;
		struct conn c = conn_v4(1, 50000, 2, 5000, 70000);
		uint8_t seg[sizeof(tail10) + 64];

		print_message("case '%s'\n", mc->name);
		fx_init(&f, 16, 4);
		/* A's first captured segment starts 10 bytes before a message */
		memcpy(seg, tail10, sizeof(tail10));
		memcpy(seg + sizeof(tail10), mc->upd_a, mc->len_a);
		send(&f, &c, 0, seg, sizeof(tail10) + mc->len_a, T0);
		const struct rec *r = expect_recs(&f, 2);
		check_inferred_up(&r[0], &c, 0, T0, mc);
		check_msg(&r[1], EV_ROUTE_MON, r[0].h.peer, T0, mc->upd_a, mc->len_a);
		uint32_t pa = r[0].h.peer;

		/* KEEPALIVEs do not bring a joined session up; B's first UPDATE does */
		send(&f, &c, 1, keepalive, sizeof(keepalive), T0 + 1000);
		expect_recs(&f, 0);
		send(&f, &c, 1, mc->upd_b, mc->len_b, T0 + 2000);
		r = expect_recs(&f, 2);
		check_inferred_up(&r[0], &c, 1, T0 + 2000, mc);
		assert_int_not_equal(r[0].h.peer, pa);
		check_msg(&r[1], EV_ROUTE_MON, r[0].h.peer, T0 + 2000, mc->upd_b, mc->len_b);
		/* later UPDATEs are read the same way */
		send(&f, &c, 0, mc->upd_a, mc->len_a, T0 + 3000);
		r = expect_recs(&f, 1);
		check_msg(&r[0], EV_ROUTE_MON, pa, T0 + 3000, mc->upd_a, mc->len_a);

		struct session_counters w = { 0 };
		w.packets = 4;
		w.flows_created = 1;
		w.bgp_msgs[BGP_MSG_UPDATE] = 3;
		w.bgp_msgs[BGP_MSG_KEEPALIVE] = 1;
		w.skipped[SKIP_KEEPALIVE] = 1;
		w.framer_skipped = sizeof(tail10);
		w.peer_up = 2;
		w.peer_up_inferred = 2;
		w.route_mon = 3;
		check_counters(&f, &w);
		fx_fini(&f);
	}
}

/* ---- timers ---- */

/* Hold time 90 (the smaller of 90 and 180), grace 5: A silent, B keeps alive. */
static void
test_hold_timer(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	for (int k = 1; k <= 3; k++)
		send(&f, &c, 1, keepalive, sizeof(keepalive), T0 + k * 30 * US);
	session_table_tick(f.t, T0 + 94 * US);
	expect_recs(&f, 0);
	session_table_tick(f.t, T0 + 96 * US);
	const struct rec *r = expect_recs(&f, 2);
	/* reason 2 with FSM event 10 (u16, host order: session_emit.c) for A */
	uint16_t fsm = 10;
	check_down(rec_of_peer(r, 2, peer[0]), peer[0], T0 + 96 * US, BMP_DOWN_LOCAL_NO_NOTIFY,
		   (const uint8_t *)&fsm, sizeof(fsm));
	check_down(rec_of_peer(r, 2, peer[1]), peer[1], T0 + 96 * US, BMP_DOWN_REMOTE_NO_NOTIFY,
		   NULL, 0);
	struct session_counters w = established_counters();
	w.packets += 3;
	w.bgp_msgs[BGP_MSG_KEEPALIVE] += 3;
	w.skipped[SKIP_KEEPALIVE] += 3;
	w.hold_expired = 1;
	w.peer_down = 2;
	check_counters(&f, &w);
	/* B's KEEPALIVE after that changes nothing; the flow goes after the linger */
	send(&f, &c, 1, keepalive, sizeof(keepalive), T0 + 97 * US);
	session_table_tick(f.t, T0 + 100 * US);
	expect_recs(&f, 0);
	assert_int_equal(session_table_flows(f.t), 0);
	w.packets++;
	w.bgp_msgs[BGP_MSG_KEEPALIVE]++;
	w.skipped[SKIP_KEEPALIVE]++;
	w.flows_removed = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* A new SYN with another ISN on the tuple: old peers down, new session up. */
static void
test_restart_new_isn(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2], peer2[2];
	uint64_t t = T0 + 60 * US;

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 5000);
	expect_recs(&f, 1);
	c.next[0] = 777777;
	c.next[1] = 3333;
	send_flags(&f, &c, 0, CLASSIFY_TH_SYN, t);
	const struct rec *r = expect_recs(&f, 2);
	check_down(rec_of_peer(r, 2, peer[0]), peer[0], t, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0);
	check_down(rec_of_peer(r, 2, peer[1]), peer[1], t, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0);
	/* the rest of the new handshake and session */
	send_flags(&f, &c, 1, CLASSIFY_TH_SYN | CLASSIFY_TH_ACK, t + 10);
	send_flags(&f, &c, 0, CLASSIFY_TH_ACK, t + 20);
	send(&f, &c, 0, open_a, sizeof(open_a), t + 1000);
	send(&f, &c, 1, open_b, sizeof(open_b), t + 2000);
	send(&f, &c, 0, keepalive, sizeof(keepalive), t + 3000);
	send(&f, &c, 1, keepalive, sizeof(keepalive), t + 4000);
	r = expect_recs(&f, 2);
	assert_int_equal(r[0].h.type, EV_PEER_UP);
	assert_int_equal(r[1].h.type, EV_PEER_UP);
	peer2[0] = r[0].h.peer;
	peer2[1] = r[1].h.peer;
	assert_int_equal(((const struct ev_peer_up *)r[0].p)->peer.as, 65001);
	assert_int_equal(((const struct ev_peer_up *)r[1].p)->peer.as, 4200000002u);
	send(&f, &c, 0, upd_a2, sizeof(upd_a2), t + 5000);
	r = expect_recs(&f, 1);
	check_msg(&r[0], EV_ROUTE_MON, peer2[0], t + 5000, upd_a2, sizeof(upd_a2));

	struct session_counters w = established_counters();
	w.packets = 7 + 1 + 7 + 1;
	w.flow_restarts = 1;
	w.bgp_msgs[BGP_MSG_OPEN] = 4;
	w.bgp_msgs[BGP_MSG_KEEPALIVE] = 4;
	w.bgp_msgs[BGP_MSG_UPDATE] = 2;
	w.skipped[SKIP_OPEN] = 4;
	w.skipped[SKIP_KEEPALIVE] = 4;
	w.peer_up = 4;
	w.peer_down = 2;
	w.route_mon = 2;
	check_counters(&f, &w);
	assert_int_equal(session_table_flows(f.t), 1);
	fx_fini(&f);
}

/* ---- flow table limits ---- */

/* Established flows are never evicted: the newcomer is refused, counted. */
static void
test_table_full_of_established(void **state)
{
	(void)state;
	struct fx f;
	struct conn c1 = conn_v4(1, 50000, 2, 1000, 900000);
	struct conn c2 = conn_v4(1, 50001, 2, 2000, 800000);
	struct conn c3 = conn_v4(1, 50002, 2, 3000, 700000);
	uint32_t p1[2], p2[2];

	fx_init(&f, 2, 4);
	establish_checked(&f, &c1, T0, p1);
	establish_checked(&f, &c2, T0 + 10000, p2);
	send_flags(&f, &c3, 0, CLASSIFY_TH_SYN, T0 + 20000);
	send_flags(&f, &c3, 1, CLASSIFY_TH_SYN | CLASSIFY_TH_ACK, T0 + 20010);
	expect_recs(&f, 0);
	assert_int_equal(session_table_flows(f.t), 2);
	/* the monitored flows carry on */
	send(&f, &c1, 0, upd_a1, sizeof(upd_a1), T0 + 30000);
	const struct rec *r = expect_recs(&f, 1);
	check_msg(&r[0], EV_ROUTE_MON, p1[0], T0 + 30000, upd_a1, sizeof(upd_a1));

	struct session_counters w = established_counters();
	w.packets = 7 + 7 + 2 + 1;
	w.flows_created = 2;
	w.flow_table_full = 2;
	w.bgp_msgs[BGP_MSG_OPEN] = 4;
	w.bgp_msgs[BGP_MSG_KEEPALIVE] = 4;
	w.bgp_msgs[BGP_MSG_UPDATE] = 1;
	w.skipped[SKIP_OPEN] = 4;
	w.skipped[SKIP_KEEPALIVE] = 4;
	w.peer_up = 4;
	w.route_mon = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* Never-established flows make room: the least recently active one goes. */
static void
test_table_full_evicts(void **state)
{
	(void)state;
	struct fx f;
	struct conn c[3];

	fx_init(&f, 2, 4);
	for (int i = 0; i < 3; i++) {
		c[i] = conn_v4(1, (uint16_t)(50000 + i), 2, 1000u * (i + 1), 900000);
		send_flags(&f, &c[i], 0, CLASSIFY_TH_SYN, T0 + i * 1000);
	}
	struct session_counters w = { 0 };
	w.packets = 3;
	w.flows_created = 3;
	w.flows_removed = 1;
	w.flows_evicted = 1;
	check_counters(&f, &w);
	assert_int_equal(session_table_flows(f.t), 2);
	/* c[1] is still there (no new flow); c[0] was the one evicted */
	send_flags(&f, &c[1], 1, CLASSIFY_TH_SYN | CLASSIFY_TH_ACK, T0 + 5000);
	w.packets++;
	check_counters(&f, &w);
	send_flags(&f, &c[0], 1, CLASSIFY_TH_SYN | CLASSIFY_TH_ACK, T0 + 6000);
	w.packets++;
	w.flows_created++;
	w.flows_removed++;
	w.flows_evicted++;
	check_counters(&f, &w);
	/* c[2] went this time: c[1] was touched after it */
	send_flags(&f, &c[1], 0, CLASSIFY_TH_ACK, T0 + 7000);
	w.packets++;
	check_counters(&f, &w);
	expect_recs(&f, 0);

	/* idle flows that never came up time out (default 120 s) */
	session_table_tick(f.t, T0 + 7000 + 119 * US);
	assert_int_equal(session_table_flows(f.t), 2);
	session_table_tick(f.t, T0 + 7000 + 122 * US);
	assert_int_equal(session_table_flows(f.t), 0);
	w.flows_removed += 2;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* ---- end of input and back-pressure ---- */

/* Drain gives up on holes: buffered data is delivered after a loss record. */
static void
test_drain(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	c.next[0] += sizeof(upd_a1);                        /* lost by the tap */
	send(&f, &c, 0, upd_a2, sizeof(upd_a2), T0 + 5000);
	expect_recs(&f, 0);
	assert_int_equal(session_table_drain(f.t, T0 + 9000), 0);
	const struct rec *r = expect_recs(&f, 2);
	check_loss(&r[0], peer[0], T0 + 9000, sizeof(upd_a1));
	assert_int_equal(r[1].h.type, EV_ROUTE_MON);
	assert_int_equal(r[1].h.peer, peer[0]);
	assert_int_equal(r[1].plen, sizeof(upd_a2));
	assert_memory_equal(r[1].p, upd_a2, sizeof(upd_a2));
	assert_true(r[1].h.ts_us >= T0 + 5000 && r[1].h.ts_us <= T0 + 9000);
	/* nothing left to give */
	assert_int_equal(session_table_drain(f.t, T0 + 9500), 0);
	expect_recs(&f, 0);

	struct session_counters w = established_counters();
	w.packets += 1;
	w.bgp_msgs[BGP_MSG_UPDATE] = 1;
	w.route_mon = 1;
	w.loss_events = 1;
	w.loss_bytes = sizeof(upd_a1);
	check_counters(&f, &w);
	fx_fini(&f);
}

/* Leave `left` bytes of room in a 2-block queue whose blocks are all free. */
static void
fill_queue(struct evq *q, uint64_t left)
{
	uint64_t cap = evq_room(q) / 2;

	assert_non_null(evq_put(q, EV_LOSS, (uint32_t)(cap - sizeof(struct ev_hdr))));
	assert_non_null(evq_put(q, EV_LOSS, (uint32_t)(cap - sizeof(struct ev_hdr) - left)));
	assert_int_equal(evq_room(q), left);
}

static void
empty_queue(struct evq *q)
{
	struct evq_block *b;

	evq_flush(q);
	while ((b = evq_take(q)))
		evq_give_back(q, b);
}

/* A nearly full queue: -EAGAIN and nothing done; the retry does it all, once. */
static void
test_eagain(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 2);
	establish_checked(&f, &c, T0, peer);
	struct session_counters before = *session_table_counters(f.t);
	struct reasm_counters rbefore = *session_table_reasm_counters(f.t);

	fill_queue(f.q, 2048);
	const uint8_t fl = CLASSIFY_TH_ACK | CLASSIFY_TH_PSH;
	assert_int_equal(pkt(&f, &c, 0, fl, c.next[0], upd_a1, sizeof(upd_a1), T0 + 5000),
			 -EAGAIN);
	assert_int_equal(pkt(&f, &c, 0, fl, c.next[0], upd_a1, sizeof(upd_a1), T0 + 5001),
			 -EAGAIN);
	/* a packet of an unknown flow waits too */
	struct conn c2 = conn_v4(7, 40000, 2, 1, 1);
	assert_int_equal(pkt(&f, &c2, 0, CLASSIFY_TH_SYN, 1, NULL, 0, T0 + 5002), -EAGAIN);
	assert_memory_equal(session_table_counters(f.t), &before, sizeof(before));
	assert_memory_equal(session_table_reasm_counters(f.t), &rbefore, sizeof(rbefore));
	assert_int_equal(session_table_flows(f.t), 1);
	assert_int_equal(evq_room(f.q), 2048);
	assert_int_equal(evq_put_failures(f.q), 0);

	empty_queue(f.q);
	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 6000);
	const struct rec *r = expect_recs(&f, 1);
	check_msg(&r[0], EV_ROUTE_MON, peer[0], T0 + 6000, upd_a1, sizeof(upd_a1));

	/* drain too waits for room */
	c.next[0] += sizeof(upd_a2);
	send(&f, &c, 0, upd_a3, sizeof(upd_a3), T0 + 7000);
	expect_recs(&f, 0);
	fill_queue(f.q, 2048);
	assert_int_equal(session_table_drain(f.t, T0 + 8000), -EAGAIN);
	assert_int_equal(evq_room(f.q), 2048);
	empty_queue(f.q);
	assert_int_equal(session_table_drain(f.t, T0 + 9000), 0);
	r = expect_recs(&f, 2);
	check_loss(&r[0], peer[0], T0 + 9000, sizeof(upd_a2));
	assert_memory_equal(r[1].p, upd_a3, sizeof(upd_a3));

	struct session_counters w = established_counters();
	w.packets += 2;
	w.bgp_msgs[BGP_MSG_UPDATE] = 2;
	w.route_mon = 2;
	w.loss_events = 1;
	w.loss_bytes = sizeof(upd_a2);
	check_counters(&f, &w);
	assert_int_equal(evq_put_failures(f.q), 0);
	fx_fini(&f);
}

/* ---- peer identity ---- */

/* One sender towards two receivers: two peers, told apart by the distinguisher. */
static void
test_distinguisher_per_receiver(void **state)
{
	(void)state;
	struct fx f;
	struct conn cb = conn_v4(1, 50000, 2, 1000, 900000);
	struct conn cc = conn_v4(1, 50001, 3, 2000, 800000);
	uint32_t pb[2], pc[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &cb, T0, pb);          /* checks 10.0.0.2:0 */
	establish_checked(&f, &cc, T0 + 10000, pc);  /* checks 10.0.0.3:0 */
	assert_int_not_equal(pb[0], pc[0]);
	assert_memory_not_equal(dist_10_0_0_2, dist_10_0_0_3, 8);
	fx_fini(&f);
}

/* IPv6 transport: addresses whole, distinguisher from the receiver's address
 * (its two halves XORed, session_emit.c). */
static void
test_ipv6_session(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = {
		.family = 6, .port = { 50000, 179 }, .next = { 1000, 900000 },
		.addr = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
			  { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6 } },
	};
	struct up_want wa = {
		.sender = 0, .as = 65001, .bgp_id = 0x0a000001,
		.dist = { 0x20, 0x02, 0x0d, 0xbc, 0x00, 0x04, 0x00, 0x04 },
		.sent = open_b, .sent_len = sizeof(open_b),
		.recv = open_a, .recv_len = sizeof(open_a), .ts = T0 + 3000,
	};
	struct up_want wb = {
		.sender = 1, .as = 4200000002u, .bgp_id = 0x0a000002,
		.dist = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01 },
		.sent = open_a, .sent_len = sizeof(open_a),
		.recv = open_b, .recv_len = sizeof(open_b), .ts = T0 + 4000,
	};

	fx_init(&f, 16, 4);
	establish(&f, &c, open_a, sizeof(open_a), open_b, sizeof(open_b), T0);
	const struct rec *r = expect_recs(&f, 2);
	check_up(&r[0], &c, &wa);
	check_up(&r[1], &c, &wb);
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 5000);
	const struct rec *m = expect_recs(&f, 1);
	check_msg(m, EV_ROUTE_MON, r[1].h.peer, T0 + 5000, upd_b1, sizeof(upd_b1));
	struct session_counters w = established_counters();
	w.packets++;
	w.bgp_msgs[BGP_MSG_UPDATE] = 1;
	w.route_mon = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* ---- more ways in and out ---- */

/* An UPDATE confirms Established as a KEEPALIVE does; a NOTIFICATION from a
 * speaker whose own peer never came up still takes the other one down. */
static void
test_update_confirms_established(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);

	fx_init(&f, 16, 4);
	handshake(&f, &c, T0);
	send(&f, &c, 0, open_a, sizeof(open_a), T0 + 1000);
	send(&f, &c, 1, open_b, sizeof(open_b), T0 + 2000);
	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 3000);
	const struct rec *r = expect_recs(&f, 2);
	struct up_want wa = {
		.sender = 0, .as = 65001, .bgp_id = 0x0a000001,
		.sent = open_b, .sent_len = sizeof(open_b),
		.recv = open_a, .recv_len = sizeof(open_a), .ts = T0 + 3000,
	};
	memcpy(wa.dist, dist_10_0_0_2, 8);
	check_up(&r[0], &c, &wa);
	uint32_t pa = r[0].h.peer;
	check_msg(&r[1], EV_ROUTE_MON, pa, T0 + 3000, upd_a1, sizeof(upd_a1));
	/* B refuses before its own KEEPALIVE: A's peer is down (reason 1), B had none */
	send(&f, &c, 1, notif_cease, sizeof(notif_cease), T0 + 4000);
	r = expect_recs(&f, 1);
	check_down(&r[0], pa, T0 + 4000, BMP_DOWN_LOCAL_NOTIFY, notif_cease,
		   sizeof(notif_cease));
	struct session_counters w = { 0 };
	w.packets = 7;
	w.flows_created = 1;
	w.bgp_msgs[BGP_MSG_OPEN] = 2;
	w.bgp_msgs[BGP_MSG_UPDATE] = 1;
	w.bgp_msgs[BGP_MSG_NOTIFICATION] = 1;
	w.skipped[SKIP_OPEN] = 2;
	w.peer_up = 1;
	w.route_mon = 1;
	w.peer_down = 1;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* Joined mid-stream, the hold time is the assumed one (default 240 s). */
static void
test_inferred_hold_timer(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 5000, 70000);

	fx_init(&f, 16, 4);
	send(&f, &c, 0, upd_m4, sizeof(upd_m4), T0);
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 1000);
	const struct rec *r = expect_recs(&f, 4);
	uint32_t pa = r[0].h.peer, pb = r[2].h.peer;
	for (int k = 1; k <= 4; k++)
		send(&f, &c, 1, keepalive, sizeof(keepalive), T0 + k * 60 * US);
	session_table_tick(f.t, T0 + 244 * US);
	expect_recs(&f, 0);
	session_table_tick(f.t, T0 + 246 * US);
	r = expect_recs(&f, 2);
	uint16_t fsm = 10;
	check_down(rec_of_peer(r, 2, pa), pa, T0 + 246 * US, BMP_DOWN_LOCAL_NO_NOTIFY,
		   (const uint8_t *)&fsm, sizeof(fsm));
	check_down(rec_of_peer(r, 2, pb), pb, T0 + 246 * US, BMP_DOWN_REMOTE_NO_NOTIFY, NULL, 0);
	assert_int_equal(session_table_counters(f.t)->hold_expired, 1);
	fx_fini(&f);
}

/* OPEN with an extra capability appended: copy, then fix the three lengths. */
static uint32_t
open_plus_cap(uint8_t *out, const uint8_t *open, uint32_t len, const uint8_t *cap,
	      uint32_t cap_len)
{
	memcpy(out, open, len);
	memcpy(out + len, cap, cap_len);
	wire_store_u16(out + 16, (uint16_t)(len + cap_len));
	out[28] = (uint8_t)(out[28] + cap_len);   /* optional parameters length */
	out[30] = (uint8_t)(out[30] + cap_len);   /* capabilities parameter length */
	return len + cap_len;
}

/* An UPDATE of `len` bytes: ORIGIN, AS_PATH 65001 (4-octet), NEXT_HOP, /24s. */
static uint32_t
big_update(uint8_t *out, uint32_t len)
{
	static const uint8_t head[] = {
		MARKER, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x14,
		0x40, 0x01, 0x01, 0x00,
		0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
		0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x01,
	};
	uint32_t n = sizeof(head);

	assert_int_equal((len - n) % 4, 0);
	memcpy(out, head, n);
	wire_store_u16(out + 16, (uint16_t)len);
	for (uint32_t i = 0; n < len; i++, n += 4) {
		out[n] = 24;
		out[n + 1] = 10;
		out[n + 2] = (uint8_t)(i >> 8);
		out[n + 3] = (uint8_t)i;
	}
	return len;
}

/* Extended messages (RFC 8654) when both advertise them; 4096 bytes otherwise. */
static void
test_extended_messages(void **state)
{
	(void)state;
	static const uint8_t cap_ext[] = { 0x06, 0x00 };
	static uint8_t big[10003], oa[64], ob[64];
	uint32_t la = open_plus_cap(oa, open_a, sizeof(open_a), cap_ext, 2);
	uint32_t lb = open_plus_cap(ob, open_b, sizeof(open_b), cap_ext, 2);

	for (int ext = 1; ext >= 0; ext--) {
		struct fx f;
		struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
		uint32_t len = big_update(big, ext ? sizeof(big) : 5003);

		print_message("case '%s'\n", ext ? "both extended" : "not negotiated");
		fx_init(&f, 16, 4);
		establish(&f, &c, oa, la, ext ? ob : open_b, ext ? lb : sizeof(open_b), T0);
		const struct rec *r = expect_recs(&f, 2);
		uint32_t pa = r[0].h.peer;
		/* in four segments, then a normal UPDATE */
		uint32_t q = len / 4;
		for (int k = 0; k < 4; k++)
			send(&f, &c, 0, big + k * q, k == 3 ? len - 3 * q : q, T0 + 5000 + k);
		send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 6000);
		r = expect_recs(&f, 2);
		if (ext) {
			check_msg(&r[0], EV_ROUTE_MON, pa, T0 + 5003, big, len);
		} else {
			/* an over-long header: one loss report, resync on the next marker */
			check_loss(&r[0], pa, T0 + 5000, 0);
			const struct session_counters *g = session_table_counters(f.t);
			assert_int_equal(g->framer_bad, 1);
			assert_int_equal(g->bgp_errors[BGP_ERR_LENGTH], 1);
			assert_int_equal(g->loss_events, 1);
			assert_true(g->framer_skipped >= len - 19 && g->framer_skipped <= len);
		}
		check_msg(&r[1], EV_ROUTE_MON, pa, T0 + 6000, upd_a1, sizeof(upd_a1));
		assert_int_equal(session_table_counters(f.t)->route_mon, ext ? 2 : 1);
		fx_fini(&f);
	}
}

/* Closed by FINs, then a new connection on the tuple within the linger. */
static void
test_restart_after_close(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2], peer2[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	send_flags(&f, &c, 0, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK, T0 + 10000);
	send_flags(&f, &c, 1, CLASSIFY_TH_FIN | CLASSIFY_TH_ACK, T0 + 10100);
	send_flags(&f, &c, 0, CLASSIFY_TH_ACK, T0 + 10200);
	expect_recs(&f, 2);
	c.next[0] = 5000000;
	c.next[1] = 6000000;
	establish_checked(&f, &c, T0 + 500000, peer2);
	send(&f, &c, 1, upd_b1, sizeof(upd_b1), T0 + 600000);
	const struct rec *r = expect_recs(&f, 1);
	check_msg(&r[0], EV_ROUTE_MON, peer2[1], T0 + 600000, upd_b1, sizeof(upd_b1));
	const struct session_counters *g = session_table_counters(f.t);
	assert_int_equal(g->flows_created, 1);
	assert_int_equal(g->flow_restarts, 1);
	assert_int_equal(g->peer_up, 4);
	assert_int_equal(g->peer_down, 2);
	assert_int_equal(session_table_flows(f.t), 1);
	fx_fini(&f);
}

/* The tap loses the second half of a message: the staged half is dropped
 * with the gap, and the stream resumes at the next message. */
static void
test_gap_mid_message(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 4);
	establish_checked(&f, &c, T0, peer);
	send(&f, &c, 0, upd_a2, 20, T0 + 5000);
	c.next[0] += sizeof(upd_a2) - 20;
	send(&f, &c, 0, upd_a3, sizeof(upd_a3), T0 + 5100);
	send(&f, &c, 1, NULL, 0, T0 + 6000);
	send(&f, &c, 1, NULL, 0, T0 + 6000 + GRACE_US);
	const struct rec *r = expect_recs(&f, 2);
	check_loss(&r[0], peer[0], T0 + 6000 + GRACE_US, sizeof(upd_a2) - 20);
	assert_int_equal(r[1].h.type, EV_ROUTE_MON);
	assert_int_equal(r[1].plen, sizeof(upd_a3));
	assert_memory_equal(r[1].p, upd_a3, sizeof(upd_a3));
	struct session_counters w = established_counters();
	w.packets += 4;
	w.bgp_msgs[BGP_MSG_UPDATE] = 1;
	w.route_mon = 1;
	w.loss_events = 1;
	w.loss_bytes = sizeof(upd_a2) - 20;
	check_counters(&f, &w);
	fx_fini(&f);
}

/* A's OPEN lost: the gap is counted (no peer to tell), and A's first UPDATE
 * brings an inferred Peer Up whose sent OPEN is B's real one. */
static void
test_loss_before_up(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);

	fx_init(&f, 16, 4);
	handshake(&f, &c, T0);
	c.next[0] += sizeof(open_a);                            /* lost */
	send(&f, &c, 1, open_b, sizeof(open_b), T0 + 2000);
	send(&f, &c, 0, keepalive, sizeof(keepalive), T0 + 3000);
	send(&f, &c, 1, keepalive, sizeof(keepalive), T0 + 4000);
	send(&f, &c, 1, NULL, 0, T0 + 4000 + GRACE_US);
	expect_recs(&f, 0);
	const struct session_counters *g = session_table_counters(f.t);
	assert_int_equal(g->loss_events, 1);
	assert_int_equal(g->loss_before_up, 1);
	assert_int_equal(g->loss_bytes, sizeof(open_a));
	assert_int_equal(g->peer_up, 0);

	send(&f, &c, 0, upd_a1, sizeof(upd_a1), T0 + 9000);
	const struct rec *r = expect_recs(&f, 2);
	const struct ev_peer_up *up = check_up_common(&r[0], &c, 0, T0 + 9000);
	assert_int_equal(r[0].h.flags & EV_PEER_INFERRED, EV_PEER_INFERRED);
	assert_int_equal(up->sent_open_len, sizeof(open_b));
	assert_memory_equal(r[0].p + sizeof(*up), open_b, sizeof(open_b));
	assert_int_equal(up->peer.as, 65001);
	check_msg(&r[1], EV_ROUTE_MON, r[0].h.peer, T0 + 9000, upd_a1, sizeof(upd_a1));
	assert_int_equal(g->peer_up_inferred, 1);
	fx_fini(&f);
}

/* Timers must not emit into a short queue (evq.h: the producer asks for
 * room first); a hold expiry waits for room, it is not lost. */
static void
test_tick_short_queue(void **state)
{
	(void)state;
	struct fx f;
	struct conn c = conn_v4(1, 50000, 2, 1000, 900000);
	uint32_t peer[2];

	fx_init(&f, 16, 2);
	establish_checked(&f, &c, T0, peer);
	for (int k = 1; k <= 3; k++)
		send(&f, &c, 1, keepalive, sizeof(keepalive), T0 + k * 30 * US);
	expect_recs(&f, 0);
	fill_queue(f.q, 40);
	session_table_tick(f.t, T0 + 96 * US);
	assert_int_equal(session_table_counters(f.t)->evq_full, 0);
	assert_int_equal(evq_put_failures(f.q), 0);
	empty_queue(f.q);
	session_table_tick(f.t, T0 + 96 * US + 1);
	const struct rec *r = expect_recs(&f, 2);
	assert_int_equal(rec_of_peer(r, 2, peer[0])->h.aux, BMP_DOWN_LOCAL_NO_NOTIFY);
	assert_int_equal(rec_of_peer(r, 2, peer[1])->h.aux, BMP_DOWN_REMOTE_NO_NOTIFY);
	assert_int_equal(session_table_counters(f.t)->peer_down, 2);
	assert_int_equal(session_table_counters(f.t)->evq_full, 0);
	fx_fini(&f);
}

static void
test_create_bad(void **state)
{
	(void)state;
	struct session_params p = { .max_flows = 0 };
	struct evq *q = evq_create(2);

	errno = 0;
	assert_null(session_table_create(&p, q));
	assert_int_not_equal(errno, 0);
	p.max_flows = 4;
	errno = 0;
	assert_null(session_table_create(&p, NULL));
	assert_int_not_equal(errno, 0);
	evq_destroy(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_session),
		cmocka_unit_test(test_two_octet_session),
		cmocka_unit_test(test_malformed_update),
		cmocka_unit_test(test_close_without_notification),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_out_of_order_and_retransmission),
		cmocka_unit_test(test_gap_then_resync),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_hold_timer),
		cmocka_unit_test(test_restart_new_isn),
		cmocka_unit_test(test_table_full_of_established),
		cmocka_unit_test(test_table_full_evicts),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_eagain),
		cmocka_unit_test(test_distinguisher_per_receiver),
		cmocka_unit_test(test_ipv6_session),
		cmocka_unit_test(test_update_confirms_established),
		cmocka_unit_test(test_inferred_hold_timer),
		cmocka_unit_test(test_extended_messages),
		cmocka_unit_test(test_restart_after_close),
		cmocka_unit_test(test_gap_mid_message),
		cmocka_unit_test(test_loss_before_up),
		cmocka_unit_test(test_tick_short_queue),
		cmocka_unit_test(test_create_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
