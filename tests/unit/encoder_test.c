/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encoder tests, written from encoder.h and event.h: hand-made records
 * go in through an event queue, BMP bytes come out of the shared output.
 * Every expected message is written by hand from RFC 7854 (common header
 * 4.1, per-peer header 4.2, Route Monitoring 4.6, Route Mirroring 4.7,
 * Peer Down 4.9, Peer Up 4.10); none is produced by bmp.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/encoder.h"
#include "dataplane/event.h"
#include "dataplane/evq.h"
#include "dataplane/obuf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- BGP PDUs carried in the records (RFC 4271 4.1-4.5) ---- */

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/* OPEN, 29 bytes: AS 65001, hold 90, ID 192.0.2.1, no parameters. */
#define OPEN_A MARKER, 0x00, 0x1d, 0x01, \
	0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x01, 0x00
/* OPEN, 29 bytes: AS 65002, hold 180, ID 192.0.2.2, no parameters. */
#define OPEN_B MARKER, 0x00, 0x1d, 0x01, \
	0x04, 0xfd, 0xea, 0x00, 0xb4, 0xc0, 0x00, 0x02, 0x02, 0x00
/* UPDATE, 47 bytes: 198.51.100.0/24 via 192.0.2.1, AS_PATH 65001. */
#define UPDATE MARKER, 0x00, 0x2f, 0x02, 0x00, 0x00, 0x00, 0x14, \
	0x40, 0x01, 0x01, 0x00, \
	0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, \
	0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01, \
	0x18, 0xc6, 0x33, 0x64
/* UPDATE, 23 bytes, withdrawn routes length 5 overruns the message. */
#define BAD_UPDATE MARKER, 0x00, 0x17, 0x02, 0x00, 0x05, 0x00, 0x00
/* NOTIFICATION, 21 bytes: Cease / Administrative Shutdown. */
#define NOTIF MARKER, 0x00, 0x15, 0x03, 0x06, 0x02

static const uint8_t open_a[] = { OPEN_A };
static const uint8_t open_b[] = { OPEN_B };
static const uint8_t update[] = { UPDATE };
static const uint8_t bad_update[] = { BAD_UPDATE };
static const uint8_t notif[] = { NOTIF };

/* ---- peers (event.h: struct bmp_peer in the Peer Up record) ---- */

/* Local Instance, IPv4 192.0.2.1 seen by 192.0.2.2, legacy AS_PATH (A). */
static const struct bmp_peer peer_a = {
	.type = BMP_PEER_LOCAL, .flags = BMP_PEER_FLAG_A, .family = 4,
	.distinguisher = { 0x00, 0x01, 192, 0, 2, 2, 0x00, 0x00 },
	.addr = { 192, 0, 2, 1 }, .as = 65001, .bgp_id = 0xc0000201,
};
static const uint8_t local_a[16] = { 192, 0, 2, 2 };

/* Local Instance, IPv6 2001:db8::1, AS 4200000001; V comes from the family. */
static const struct bmp_peer peer_b = {
	.type = BMP_PEER_LOCAL, .family = 6,
	.distinguisher = { 1, 2, 3, 4, 5, 6, 7, 8 },
	.addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, .as = 4200000001u, .bgp_id = 0x0a000001,
};
static const uint8_t local_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* 1700000000.123456 s and 1700000001.000001 s */
#define T1 1700000000123456ull
#define T2 1700000001000001ull
#define TS1 0x65, 0x53, 0xf1, 0x00, 0x00, 0x01, 0xe2, 0x40
#define TS2 0x65, 0x53, 0xf1, 0x01, 0x00, 0x00, 0x00, 0x01

/* Per-peer headers (4.2): type, flags, distinguisher, address, AS, ID, time. */
#define PH_A(ts) 0x02, 0x20, \
	0x00, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x00, \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x01, \
	0x00, 0x00, 0xfd, 0xe9, 0xc0, 0x00, 0x02, 0x01, ts
#define PH_B(ts) 0x02, 0x80, \
	1, 2, 3, 4, 5, 6, 7, 8, \
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, \
	0xfa, 0x56, 0xea, 0x01, 0x0a, 0x00, 0x00, 0x01, ts

/* Peer Up A: local 192.0.2.2:179, remote port 50000, info "joined". */
static const uint8_t want_up_a[] = {
	0x03, 0x00, 0x00, 0x00, 0x88, 0x03, PH_A(TS1),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x02,
	0x00, 0xb3, 0xc3, 0x50,
	OPEN_B, OPEN_A,
	0x00, 0x00, 0x00, 0x06, 'j', 'o', 'i', 'n', 'e', 'd',
};
static const uint8_t want_rm_a[] = { 0x03, 0x00, 0x00, 0x00, 0x5f, 0x00, PH_A(TS2), UPDATE };
static const uint8_t want_errored_a[] = {
	0x03, 0x00, 0x00, 0x00, 0x51, 0x06, PH_A(TS2),
	0x00, 0x00, 0x00, 0x17, BAD_UPDATE,     /* BGP Message TLV */
	0x00, 0x01, 0x00, 0x02, 0x00, 0x00,     /* Information: Errored PDU */
};
static const uint8_t want_loss_a[] = {
	0x03, 0x00, 0x00, 0x00, 0x36, 0x06, PH_A(TS2),
	0x00, 0x01, 0x00, 0x02, 0x00, 0x01,     /* Information: Messages Lost */
};
static const uint8_t want_down3_a[] = {
	0x03, 0x00, 0x00, 0x00, 0x46, 0x02, PH_A(TS2), 0x03, NOTIF,
};
static const uint8_t want_down4_a[] = { 0x03, 0x00, 0x00, 0x00, 0x31, 0x02, PH_A(TS2), 0x04 };
/* Peer Up B: local [2001:db8::2]:179, remote port 40000, no information TLV. */
static const uint8_t want_up_b[] = {
	0x03, 0x00, 0x00, 0x00, 0x7e, 0x03, PH_B(TS1),
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x00, 0xb3, 0x9c, 0x40,
	OPEN_A, OPEN_B,
};
static const uint8_t want_down2_b[] = {
	0x03, 0x00, 0x00, 0x00, 0x33, 0x02, PH_B(TS2), 0x02, 0x00, 0x0a, /* FSM event 10 */
};
static const uint8_t want_down1_b[] = {
	0x03, 0x00, 0x00, 0x00, 0x46, 0x02, PH_B(TS2), 0x01, NOTIF,
};

/* ---- record building ---- */

static uint8_t up_a_payload[512], up_b_payload[512];
static uint32_t up_a_len, up_b_len;
/* Peer Down reason 2: the FSM event travels as a u16 in host order. */
static const uint16_t fsm_hold_expired = 10;

static uint32_t
build_peer_up(uint8_t *buf, const struct bmp_peer *peer, const uint8_t local[16],
	      uint16_t lport, uint16_t rport, const uint8_t *sent, uint16_t sent_len,
	      const uint8_t *recv, uint16_t recv_len, const char *info)
{
	struct ev_peer_up up;
	uint16_t info_len = info ? (uint16_t)strlen(info) : 0;

	memset(&up, 0, sizeof(up));
	up.peer = *peer;
	memcpy(up.local_addr, local, 16);
	up.local_port = lport;
	up.remote_port = rport;
	up.sent_open_len = sent_len;
	up.recv_open_len = recv_len;
	up.info_len = info_len;
	memcpy(buf, &up, sizeof(up));
	memcpy(buf + sizeof(up), sent, sent_len);
	memcpy(buf + sizeof(up) + sent_len, recv, recv_len);
	if (info_len)
		memcpy(buf + sizeof(up) + sent_len + recv_len, info, info_len);
	return (uint32_t)sizeof(up) + sent_len + recv_len + info_len;
}

static int
setup_records(void **state)
{
	(void)state;
	up_a_len = build_peer_up(up_a_payload, &peer_a, local_a, 179, 50000, open_b,
				 sizeof(open_b), open_a, sizeof(open_a), "joined");
	up_b_len = build_peer_up(up_b_payload, &peer_b, local_b, 179, 40000, open_a,
				 sizeof(open_a), open_b, sizeof(open_b), NULL);
	return 0;
}

static void
put_record(struct evq *q, enum ev_type type, uint16_t aux, uint32_t peer, uint64_t ts,
	   const void *payload, uint32_t len)
{
	struct ev_hdr *h = evq_put(q, type, len);

	assert_non_null(h);
	h->aux = aux;
	h->peer = peer;
	h->ts_us = ts;
	if (len)
		memcpy(h + 1, payload, len);
}

/* ---- a test rig: queues, output, encoder ---- */

#define PEERS 8
#define SERVERS 0x5ull

struct rig {
	struct evq *q[2];
	struct obuf *ob;
	struct encoder *e;
};

static void
rig_init(struct rig *r, unsigned nqueues, unsigned evq_blocks, unsigned chunks,
	 uint64_t servers)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < nqueues; i++) {
		r->q[i] = evq_create(evq_blocks);
		assert_non_null(r->q[i]);
	}
	r->ob = obuf_create(chunks);
	assert_non_null(r->ob);
	struct encoder_params p = {
		.queues = r->q, .nqueues = nqueues, .peers_per_queue = PEERS,
		.out = r->ob, .servers = servers,
	};
	r->e = encoder_create(&p);
	assert_non_null(r->e);
}

static void
rig_fini(struct rig *r)
{
	encoder_destroy(r->e);
	obuf_destroy(r->ob);
	for (unsigned i = 0; i < N(r->q); i++)
		evq_destroy(r->q[i]);
}

/* Everything the output holds, concatenated; every run must go to `mask`. */
static uint8_t *
collect(struct rig *r, uint64_t mask, size_t *len, unsigned *nmsgs)
{
	uint8_t *all = NULL;
	struct obuf_chunk *c;

	*len = 0;
	*nmsgs = 0;
	while ((c = obuf_take(r->ob))) {
		uint32_t off = 0;
		for (unsigned i = 0; i < c->nruns; i++) {
			assert_int_equal(c->runs[i].mask, mask);
			assert_int_equal(c->runs[i].off, off);
			off += c->runs[i].len;
			*nmsgs += c->runs[i].nmsgs;
		}
		assert_int_equal(off, c->len);
		all = realloc(all, *len + c->len + 1);
		assert_non_null(all);
		memcpy(all + *len, c->data, c->len);
		*len += c->len;
		obuf_release(r->ob, c);
	}
	return all;
}

static void
expect_output(struct rig *r, const char *name, const uint8_t *want, size_t want_len,
	      unsigned want_msgs)
{
	size_t len;
	unsigned nmsgs;
	uint8_t *got = collect(r, SERVERS, &len, &nmsgs);

	if (len != want_len || nmsgs != want_msgs)
		fail_msg("case '%s': %zu bytes / %u messages, want %zu / %u", name, len, nmsgs,
			 want_len, want_msgs);
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("case '%s': byte %zu is 0x%02x, want 0x%02x", name, i, got[i],
				 want[i]);
	free(got);
}

/* ---- should_encode: each record and its message, in order, one rig ---- */

struct enc_case {
	const char *name;
	uint8_t type;
	uint16_t aux;
	uint32_t peer;
	uint64_t ts;
	const void *payload;
	const uint32_t *plen;        /* runtime lengths for the Peer Up payloads */
	uint32_t len;
	const uint8_t *want;
	size_t want_len;
	unsigned bmp_type;
};

#define WANT(v) v, sizeof(v)

static const struct enc_case enc_cases[] = {
	{ "peer up ipv4, A flag, info", EV_PEER_UP, 0, 0, T1, up_a_payload, &up_a_len, 0,
	  WANT(want_up_a), BMP_MSG_PEER_UP },
	{ "route monitoring", EV_ROUTE_MON, 0, 0, T2, update, NULL, sizeof(update),
	  WANT(want_rm_a), BMP_MSG_ROUTE_MONITORING },
	{ "errored pdu", EV_ERRORED_PDU, 0, 0, T2, bad_update, NULL, sizeof(bad_update),
	  WANT(want_errored_a), BMP_MSG_ROUTE_MIRRORING },
	{ "messages lost", EV_LOSS, 0, 0, T2, &(struct ev_loss){ 1234 }, NULL,
	  sizeof(struct ev_loss), WANT(want_loss_a), BMP_MSG_ROUTE_MIRRORING },
	{ "peer down 3 with notification", EV_PEER_DOWN, BMP_DOWN_REMOTE_NOTIFY, 0, T2, notif,
	  NULL, sizeof(notif), WANT(want_down3_a), BMP_MSG_PEER_DOWN },
	{ "peer up ipv6, no info", EV_PEER_UP, 0, 1, T1, up_b_payload, &up_b_len, 0,
	  WANT(want_up_b), BMP_MSG_PEER_UP },
	{ "peer down 2, fsm event", EV_PEER_DOWN, BMP_DOWN_LOCAL_NO_NOTIFY, 1, T2,
	  &fsm_hold_expired, NULL, 2, WANT(want_down2_b), BMP_MSG_PEER_DOWN },
	{ "peer up ipv4 again", EV_PEER_UP, 0, 0, T1, up_a_payload, &up_a_len, 0,
	  WANT(want_up_a), BMP_MSG_PEER_UP },
	{ "peer down 4", EV_PEER_DOWN, BMP_DOWN_REMOTE_NO_NOTIFY, 0, T2, NULL, NULL, 0,
	  WANT(want_down4_a), BMP_MSG_PEER_DOWN },
	{ "peer up ipv6 again", EV_PEER_UP, 0, 1, T1, up_b_payload, &up_b_len, 0,
	  WANT(want_up_b), BMP_MSG_PEER_UP },
	{ "peer down 1 with notification", EV_PEER_DOWN, BMP_DOWN_LOCAL_NOTIFY, 1, T2, notif,
	  NULL, sizeof(notif), WANT(want_down1_b), BMP_MSG_PEER_DOWN },
};

static void
test_should_encode(void **state)
{
	(void)state;
	struct rig r;
	uint64_t msgs[BMP_MSG_ROUTE_MIRRORING + 1] = { 0 }, bytes = 0;

	rig_init(&r, 1, 4, 4, SERVERS);
	for (size_t i = 0; i < N(enc_cases); i++) {
		const struct enc_case *ec = &enc_cases[i];
		uint32_t len = ec->plen ? *ec->plen : ec->len;
		put_record(r.q[0], ec->type, ec->aux, ec->peer, ec->ts, ec->payload, len);
		evq_flush(r.q[0]);
		assert_int_equal(encoder_poll(r.e), 1);
		assert_false(encoder_stalled(r.e));
		expect_output(&r, ec->name, ec->want, ec->want_len, 1);
		msgs[ec->bmp_type]++;
		bytes += ec->want_len;
	}
	const struct encoder_counters *c = encoder_counters(r.e);
	assert_int_equal(c->records, N(enc_cases));
	assert_memory_equal(c->msgs, msgs, sizeof(msgs));
	assert_int_equal(c->bytes, bytes);
	assert_int_equal(c->unknown_peer + c->bad_record + c->encode_errors, 0);
	assert_int_equal(c->no_server + c->out_stalls, 0);
	assert_int_equal(obuf_bytes_queued(r.ob), 0);
	rig_fini(&r);
}

/* All records of the table in one block, one poll: one stream, in order. */
static void
test_one_poll_many_records(void **state)
{
	(void)state;
	struct rig r;
	size_t total = 0;

	rig_init(&r, 1, 4, 4, SERVERS);
	uint8_t *want = malloc(4096);
	assert_non_null(want);
	for (size_t i = 0; i < N(enc_cases); i++) {
		const struct enc_case *ec = &enc_cases[i];
		put_record(r.q[0], ec->type, ec->aux, ec->peer, ec->ts, ec->payload,
			   ec->plen ? *ec->plen : ec->len);
		memcpy(want + total, ec->want, ec->want_len);
		total += ec->want_len;
	}
	evq_flush(r.q[0]);
	assert_int_equal(encoder_poll(r.e), N(enc_cases));
	expect_output(&r, "all in one", want, total, N(enc_cases));
	assert_int_equal(encoder_poll(r.e), 0);     /* idle */
	free(want);
	rig_fini(&r);
}

/* Records for a peer that is not up are counted and dropped; so are bad ones. */
static void
test_unknown_and_bad(void **state)
{
	(void)state;
	struct rig r;
	size_t len;
	unsigned nmsgs;

	rig_init(&r, 1, 4, 4, SERVERS);
	put_record(r.q[0], EV_ROUTE_MON, 0, 3, T2, update, sizeof(update));
	put_record(r.q[0], EV_LOSS, 0, 3, T2, &(struct ev_loss){ 1 }, sizeof(struct ev_loss));
	put_record(r.q[0], EV_PEER_DOWN, BMP_DOWN_REMOTE_NO_NOTIFY, 3, T2, NULL, 0);
	put_record(r.q[0], EV_ROUTE_MON, 0, PEERS, T2, update, sizeof(update));  /* no slot */
	struct ev_hdr *h = evq_put(r.q[0], EV_ROUTE_MON, 0);
	h->type = 0;                                                  /* no such type */
	h = evq_put(r.q[0], EV_ROUTE_MON, 0);
	h->type = EV__COUNT;
	evq_flush(r.q[0]);
	encoder_poll(r.e);
	const struct encoder_counters *c = encoder_counters(r.e);
	assert_int_equal(c->unknown_peer, 3);
	assert_int_equal(c->bad_record, 3);
	assert_int_equal(c->bytes, 0);
	uint8_t *got = collect(&r, SERVERS, &len, &nmsgs);
	assert_int_equal(len, 0);
	free(got);
	assert_int_equal(obuf_bytes_queued(r.ob), 0);
	rig_fini(&r);
}

/* A Peer Up whose parts do not add up to its length is malformed: counted
 * as such, never read past its end, and its peer stays down. */
static void
test_bad_peer_up(void **state)
{
	(void)state;
	struct rig r;
	size_t len;
	unsigned nmsgs;
	uint8_t buf[512];

	rig_init(&r, 1, 4, 4, SERVERS);
	/* shorter than struct ev_peer_up */
	put_record(r.q[0], EV_PEER_UP, 0, 0, T1, up_a_payload, 8);
	/* OPEN lengths claim 58 bytes, the record holds 10 after the head */
	memcpy(buf, up_a_payload, up_a_len);
	put_record(r.q[0], EV_PEER_UP, 0, 1, T1, buf, (uint32_t)sizeof(struct ev_peer_up) + 10);
	/* info length past the end by one */
	put_record(r.q[0], EV_PEER_UP, 0, 2, T1, buf, up_a_len - 1);
	put_record(r.q[0], EV_ROUTE_MON, 0, 0, T2, update, sizeof(update));
	put_record(r.q[0], EV_ROUTE_MON, 0, 1, T2, update, sizeof(update));
	put_record(r.q[0], EV_ROUTE_MON, 0, 2, T2, update, sizeof(update));
	evq_flush(r.q[0]);
	encoder_poll(r.e);
	const struct encoder_counters *c = encoder_counters(r.e);
	assert_int_equal(c->bad_record, 3);
	assert_int_equal(c->unknown_peer, 3);
	assert_int_equal(c->encode_errors, 0);
	free(collect(&r, SERVERS, &len, &nmsgs));
	assert_int_equal(len, 0);
	rig_fini(&r);
}

/* Peer Down forgets the peer; a new Peer Up in the slot brings a new header. */
static void
test_peer_down_clears(void **state)
{
	(void)state;
	struct rig r;
	uint8_t want[1024];
	size_t n = 0;

	rig_init(&r, 1, 4, 4, SERVERS);
	put_record(r.q[0], EV_PEER_UP, 0, 2, T1, up_a_payload, up_a_len);
	put_record(r.q[0], EV_PEER_DOWN, BMP_DOWN_REMOTE_NO_NOTIFY, 2, T2, NULL, 0);
	put_record(r.q[0], EV_ROUTE_MON, 0, 2, T2, update, sizeof(update));
	put_record(r.q[0], EV_PEER_UP, 0, 2, T1, up_b_payload, up_b_len);
	put_record(r.q[0], EV_PEER_DOWN, BMP_DOWN_LOCAL_NO_NOTIFY, 2, T2, &fsm_hold_expired, 2);
	evq_flush(r.q[0]);
	assert_int_equal(encoder_poll(r.e), 5);
	memcpy(want + n, want_up_a, sizeof(want_up_a));
	n += sizeof(want_up_a);
	memcpy(want + n, want_down4_a, sizeof(want_down4_a));
	n += sizeof(want_down4_a);
	memcpy(want + n, want_up_b, sizeof(want_up_b));
	n += sizeof(want_up_b);
	memcpy(want + n, want_down2_b, sizeof(want_down2_b));
	n += sizeof(want_down2_b);
	expect_output(&r, "down clears", want, n, 4);
	assert_int_equal(encoder_counters(r.e)->unknown_peer, 1);
	rig_fini(&r);
}

/* Peer slots belong to their queue: slot 0 of two queues are two peers. */
static void
test_two_queues(void **state)
{
	(void)state;
	struct rig r;
	size_t len;
	unsigned nmsgs;

	rig_init(&r, 2, 4, 4, SERVERS);
	put_record(r.q[0], EV_PEER_UP, 0, 0, T1, up_a_payload, up_a_len);
	put_record(r.q[1], EV_PEER_UP, 0, 0, T1, up_b_payload, up_b_len);
	evq_flush(r.q[0]);
	evq_flush(r.q[1]);
	assert_int_equal(encoder_poll(r.e), 2);
	free(collect(&r, SERVERS, &len, &nmsgs));
	assert_int_equal(nmsgs, 2);

	put_record(r.q[1], EV_PEER_DOWN, BMP_DOWN_LOCAL_NO_NOTIFY, 0, T2, &fsm_hold_expired, 2);
	put_record(r.q[0], EV_ROUTE_MON, 0, 0, T2, update, sizeof(update));
	evq_flush(r.q[0]);
	evq_flush(r.q[1]);
	assert_int_equal(encoder_poll(r.e), 2);
	uint8_t *got = collect(&r, SERVERS, &len, &nmsgs);
	assert_int_equal(nmsgs, 2);
	/* per-queue order only: find each message whole, in either order */
	size_t a = sizeof(want_rm_a), b = sizeof(want_down2_b);
	assert_int_equal(len, a + b);
	bool rm_first = memcmp(got, want_rm_a, a) == 0;
	assert_memory_equal(got + (rm_first ? 0 : b), want_rm_a, a);
	assert_memory_equal(got + (rm_first ? a : 0), want_down2_b, b);
	free(got);
	assert_int_equal(encoder_counters(r.e)->unknown_peer, 0);
	rig_fini(&r);
}

/* No server: records are consumed and counted, and peer state still follows. */
static void
test_no_server(void **state)
{
	(void)state;
	struct rig r;

	rig_init(&r, 1, 4, 4, 0);
	put_record(r.q[0], EV_PEER_UP, 0, 0, T1, up_a_payload, up_a_len);
	put_record(r.q[0], EV_ROUTE_MON, 0, 0, T2, update, sizeof(update));
	put_record(r.q[0], EV_PEER_DOWN, BMP_DOWN_REMOTE_NO_NOTIFY, 0, T2, NULL, 0);
	put_record(r.q[0], EV_ROUTE_MON, 0, 0, T2, update, sizeof(update));
	evq_flush(r.q[0]);
	assert_int_equal(encoder_poll(r.e), 4);
	const struct encoder_counters *c = encoder_counters(r.e);
	assert_int_equal(c->records, 4);
	assert_int_equal(c->no_server, 3);
	assert_int_equal(c->unknown_peer, 1);      /* the peer went down */
	assert_int_equal(c->bytes, 0);
	assert_null(obuf_take(r.ob));
	assert_int_equal(obuf_chunks_allocated(r.ob), 0);
	rig_fini(&r);
}

/* ---- stall and resume: two output chunks, released between polls ---- */

#define BIG_UPDATE 50000u
#define BIG_RECORDS 23u

static void
put_big_update(struct evq *q, uint32_t n)
{
	struct ev_hdr *h = evq_put(q, EV_ROUTE_MON, BIG_UPDATE);
	uint8_t *p;

	assert_non_null(h);
	h->ts_us = T2 + n;
	p = (uint8_t *)(h + 1);
	memset(p, 0xff, 16);
	wire_store_u16(p + 16, BIG_UPDATE);
	p[18] = 2;
	memset(p + 19, 0, BIG_UPDATE - 19);
	wire_store_u32(p + 23, n);        /* sequence number, inside the attributes */
}

/* Walk BMP messages; every one must be the next big UPDATE. */
static void
check_big(const uint8_t *p, size_t len, uint32_t *next)
{
	while (len) {
		assert_true(len >= 6 + 42 + BIG_UPDATE);
		assert_int_equal(p[0], 3);
		assert_int_equal(wire_load_u32(p + 1), 6 + 42 + BIG_UPDATE);
		assert_int_equal(p[5], BMP_MSG_ROUTE_MONITORING);
		assert_int_equal(wire_load_u32(p + 6 + 38), 1 + *next);  /* microseconds */
		if (wire_load_u32(p + 6 + 42 + 23) != *next)
			fail_msg("message %u out of order (got %u)", *next,
				 wire_load_u32(p + 6 + 42 + 23));
		(*next)++;
		p += 6 + 42 + BIG_UPDATE;
		len -= 6 + 42 + BIG_UPDATE;
	}
}

static void
test_stall_resume(void **state)
{
	(void)state;
	struct rig r;
	uint32_t next = 0;
	size_t len;
	unsigned nmsgs, polls = 0;
	bool stalled_seen = false;

	rig_init(&r, 1, 8, 2, SERVERS);
	put_record(r.q[0], EV_PEER_UP, 0, 0, T1, up_a_payload, up_a_len);
	for (uint32_t i = 0; i < BIG_RECORDS; i++)
		put_big_update(r.q[0], i);
	evq_flush(r.q[0]);

	unsigned consumed = encoder_poll(r.e);
	assert_true(consumed > 1 && consumed < 1 + BIG_RECORDS);
	assert_true(encoder_stalled(r.e));
	/* nothing released: a second poll makes no progress and loses nothing */
	assert_int_equal(encoder_poll(r.e), 0);
	assert_true(encoder_stalled(r.e));
	assert_true(encoder_counters(r.e)->out_stalls >= 2);

	uint8_t *got = collect(&r, SERVERS, &len, &nmsgs);
	assert_true(len > sizeof(want_up_a));
	assert_memory_equal(got, want_up_a, sizeof(want_up_a));
	check_big(got + sizeof(want_up_a), len - sizeof(want_up_a), &next);
	free(got);
	while (next < BIG_RECORDS && polls++ < 100) {
		unsigned n = encoder_poll(r.e);
		consumed += n;
		stalled_seen |= encoder_stalled(r.e);
		got = collect(&r, SERVERS, &len, &nmsgs);
		assert_int_equal(nmsgs, n);
		check_big(got, len, &next);
		free(got);
	}
	assert_int_equal(next, BIG_RECORDS);
	assert_int_equal(consumed, 1 + BIG_RECORDS);
	assert_true(stalled_seen);
	assert_int_equal(encoder_poll(r.e), 0);
	assert_false(encoder_stalled(r.e));
	const struct encoder_counters *c = encoder_counters(r.e);
	assert_int_equal(c->records, 1 + BIG_RECORDS);
	assert_int_equal(c->msgs[BMP_MSG_ROUTE_MONITORING], BIG_RECORDS);
	assert_int_equal(c->unknown_peer + c->encode_errors + c->bad_record, 0);
	assert_int_equal(obuf_chunks_allocated(r.ob), 2);
	/* every evq block came back to the producer */
	assert_int_equal(evq_backlog(r.q[0]), 0);
	struct evq *fresh = evq_create(8);
	assert_int_equal(evq_room(r.q[0]), evq_room(fresh));
	evq_destroy(fresh);
	rig_fini(&r);
}

static void
test_create_bad(void **state)
{
	(void)state;
	struct encoder_params p = { 0 };

	errno = 0;
	assert_null(encoder_create(NULL));
	assert_int_not_equal(errno, 0);
	errno = 0;
	assert_null(encoder_create(&p));
	assert_int_not_equal(errno, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_should_encode),
		cmocka_unit_test(test_one_poll_many_records),
		cmocka_unit_test(test_unknown_and_bad),
		cmocka_unit_test(test_bad_peer_up),
		cmocka_unit_test(test_peer_down_clears),
		cmocka_unit_test(test_two_queues),
		cmocka_unit_test(test_no_server),
		cmocka_unit_test(test_stall_resume),
		cmocka_unit_test(test_create_bad),
	};
	return cmocka_run_group_tests(tests, setup_records, NULL);
}
