/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BMP v3 encoder (RFC 7854, RFC 8671).
 *
 * Every message is sized before anything is written: arguments are
 * validated (-EINVAL leaves the buffer untouched), the whole length is
 * checked against the space left (-ENOSPC sets the overflow flag and also
 * writes nothing), then the common header goes out with its final length
 * and the body is appended. No length is patched afterwards.
 *
 * Choices where RFC 7854 leaves the order open:
 *  - Termination: the string TLV (type 0), when given, precedes the
 *    reason TLV (type 1), so a reader meets the human text first.
 *  - Route Mirroring: the BGP Message TLV (type 0) precedes the
 *    Information TLV (type 1), i.e. TLVs in type order.
 *
 * BGP messages given as arguments must be whole and self-consistent
 * (header length == given length), because a collector walks a Peer Up's
 * two OPENs by their header lengths and a Route Mirroring TLV carries a
 * 16-bit length: an inconsistent PDU would make the BMP stream unparsable.
 */
#include <errno.h>
#include <string.h>

#include "dataplane/bgp.h"
#include "dataplane/bmp.h"

/* Per-peer header layout (RFC 7854 4.2). */
#define PH_TYPE 0
#define PH_FLAGS 1
#define PH_DIST 2
#define PH_ADDR 10
#define PH_AS 26
#define PH_BGP_ID 30
#define PH_TS_SEC 34
#define PH_TS_USEC 38

#define PEER_MSG_HDR_LEN (BMP_COMMON_HDR_LEN + BMP_PEER_HDR_LEN)
#define TLV_HDR_LEN 4
#define TLV_MAX_VALUE 65535u
#define BGP_OPEN_MIN_LEN 29
#define BGP_UPDATE_MIN_LEN 23
#define BGP_NOTIFY_MIN_LEN 21
#define PEER_UP_FIXED_LEN 20 /* local address, local port, remote port */
#define USEC_PER_SEC 1000000u

/* Store an address in a 16-byte field: IPv4 in the last 4 bytes (4.2). */
static void
store_addr(uint8_t *dst, const uint8_t *src, bool v6)
{
	if (v6) {
		memcpy(dst, src, 16);
		return;
	}
	memset(dst, 0, 12);
	memcpy(dst + 12, src, 4);
}

void
bmp_peer_hdr_build(struct bmp_peer_hdr *h, const struct bmp_peer *peer)
{
	bool v6 = peer->family == 6;
	uint8_t *b = h->b;

	memset(b, 0, sizeof(h->b));
	b[PH_TYPE] = peer->type;
	b[PH_FLAGS] = (uint8_t)((peer->flags & ~BMP_PEER_FLAG_V) | (v6 ? BMP_PEER_FLAG_V : 0));
	memcpy(b + PH_DIST, peer->distinguisher, sizeof(peer->distinguisher));
	store_addr(b + PH_ADDR, peer->addr, v6);
	wire_store_u32(b + PH_AS, peer->as);
	wire_store_u32(b + PH_BGP_ID, peer->bgp_id);
}

/*
 * Check that a whole message of msg_len bytes fits, then reserve its
 * first `head` bytes and write the common header there.
 */
static uint8_t *
msg_start(struct wire_buf *b, uint8_t type, uint64_t msg_len, size_t head)
{
	uint8_t *p;

	if (b->overflow || b->cap - b->len < msg_len) {
		b->overflow = true;
		return NULL;
	}
	p = wire_put_reserve(b, head);
	if (p == NULL)
		return NULL;
	p[0] = BMP_VERSION;
	wire_store_u32(p + 1, (uint32_t)msg_len);
	p[5] = type;
	return p;
}

/* Common header plus the cached per-peer header with this timestamp. */
static bool
peer_msg_start(struct wire_buf *b, uint8_t type, uint64_t body_len,
	       const struct bmp_peer_hdr *h, uint64_t ts_us)
{
	uint8_t *p = msg_start(b, type, PEER_MSG_HDR_LEN + body_len, PEER_MSG_HDR_LEN);
	uint8_t *ph;

	if (p == NULL)
		return false;
	ph = p + BMP_COMMON_HDR_LEN;
	memcpy(ph, h->b, BMP_PEER_HDR_LEN);
	wire_store_u32(ph + PH_TS_SEC, (uint32_t)(ts_us / USEC_PER_SEC));
	wire_store_u32(ph + PH_TS_USEC, (uint32_t)(ts_us % USEC_PER_SEC));
	return true;
}

static int
msg_end(const struct wire_buf *b)
{
	return b->overflow ? -ENOSPC : 0;
}

/*
 * A BGP message argument: whole (header length == len), of the given
 * type (any if type < 0) and within [min_len, max_len].
 */
static bool
bgp_msg_ok(const uint8_t *m, uint32_t len, int type, uint32_t min_len, uint32_t max_len)
{
	struct wire_cur c = wire_cur_make(m, len);
	uint16_t hdr_len;
	uint8_t hdr_type;

	if (m == NULL || len < min_len || len > max_len || !wire_skip(&c, BGP_MARKER_LEN))
		return false;
	hdr_len = wire_u16(&c);
	hdr_type = wire_u8(&c);
	return !c.bad && hdr_len == len && (type < 0 || hdr_type == type);
}

/* Validate TLVs and add their encoded size to *len. */
static bool
tlvs_size(const struct bmp_tlv *t, unsigned n, uint64_t *len)
{
	if (n > 0 && t == NULL)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (t[i].len > 0 && t[i].value == NULL)
			return false;
		*len += TLV_HDR_LEN + (uint64_t)t[i].len;
	}
	return true;
}

static void
put_tlv(struct wire_buf *b, uint16_t type, const void *value, uint16_t len)
{
	wire_put_u16(b, type);
	wire_put_u16(b, len);
	wire_put_bytes(b, value, len);
}

static void
put_tlvs(struct wire_buf *b, const struct bmp_tlv *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put_tlv(b, t[i].type, t[i].value, t[i].len);
}

/* RFC 7854 4.3: sysDescr and sysName MUST be sent. */
static bool
has_sys_tlvs(const struct bmp_tlv *t, unsigned n)
{
	bool descr = false, name = false;

	for (unsigned i = 0; i < n; i++) {
		descr |= t[i].type == BMP_INFO_SYSDESCR;
		name |= t[i].type == BMP_INFO_SYSNAME;
	}
	return descr && name;
}

int
bmp_put_initiation(struct wire_buf *b, const struct bmp_tlv *tlvs, unsigned n)
{
	uint64_t len = BMP_COMMON_HDR_LEN;

	if (!tlvs_size(tlvs, n, &len) || !has_sys_tlvs(tlvs, n) || len > UINT32_MAX)
		return -EINVAL;
	if (msg_start(b, BMP_MSG_INITIATION, len, BMP_COMMON_HDR_LEN) == NULL)
		return -ENOSPC;
	put_tlvs(b, tlvs, n);
	return msg_end(b);
}

int
bmp_put_termination(struct wire_buf *b, enum bmp_term_reason reason, const char *text)
{
	uint64_t len = BMP_COMMON_HDR_LEN + TLV_HDR_LEN + 2;
	size_t text_len = text ? strnlen(text, TLV_MAX_VALUE + 1) : 0;

	if ((unsigned)reason > BMP_TERM_PERMANENT_CLOSE || text_len > TLV_MAX_VALUE)
		return -EINVAL;
	if (text)
		len += TLV_HDR_LEN + text_len;
	if (msg_start(b, BMP_MSG_TERMINATION, len, BMP_COMMON_HDR_LEN) == NULL)
		return -ENOSPC;
	if (text)
		put_tlv(b, BMP_TERM_TLV_STRING, text, (uint16_t)text_len);
	wire_put_u16(b, BMP_TERM_TLV_REASON);
	wire_put_u16(b, 2);
	wire_put_u16(b, (uint16_t)reason);
	return msg_end(b);
}

/* The hot path: one space check, two copies, a few stores. */
int
bmp_put_route_monitoring(struct wire_buf *b, const struct bmp_peer_hdr *h,
			 uint64_t ts_us, const uint8_t *pdu, uint32_t pdu_len)
{
	if (!bgp_msg_ok(pdu, pdu_len, BGP_MSG_UPDATE, BGP_UPDATE_MIN_LEN, BGP_EXT_MAX_LEN))
		return -EINVAL;
	if (!peer_msg_start(b, BMP_MSG_ROUTE_MONITORING, pdu_len, h, ts_us))
		return -ENOSPC;
	wire_put_bytes(b, pdu, pdu_len);
	return msg_end(b);
}

/* RFC 8654: OPEN is never an extended message. */
static bool
open_ok(const uint8_t *m, uint32_t len)
{
	return bgp_msg_ok(m, len, BGP_MSG_OPEN, BGP_OPEN_MIN_LEN, BGP_MAX_LEN);
}

int
bmp_put_peer_up(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
		const uint8_t local_addr[16], uint16_t local_port, uint16_t remote_port,
		const uint8_t *sent_open, uint32_t sent_len,
		const uint8_t *recv_open, uint32_t recv_len,
		const struct bmp_tlv *info, unsigned ninfo)
{
	uint64_t body = PEER_UP_FIXED_LEN + (uint64_t)sent_len + recv_len;
	uint8_t *addr;

	if (local_addr == NULL || !open_ok(sent_open, sent_len) ||
	    !open_ok(recv_open, recv_len) || !tlvs_size(info, ninfo, &body) ||
	    body > UINT32_MAX - PEER_MSG_HDR_LEN)
		return -EINVAL;
	if (!peer_msg_start(b, BMP_MSG_PEER_UP, body, h, ts_us))
		return -ENOSPC;
	addr = wire_put_reserve(b, 16);
	if (addr)
		store_addr(addr, local_addr, h->b[PH_FLAGS] & BMP_PEER_FLAG_V);
	wire_put_u16(b, local_port);
	wire_put_u16(b, remote_port);
	wire_put_bytes(b, sent_open, sent_len);
	wire_put_bytes(b, recv_open, recv_len);
	put_tlvs(b, info, ninfo);
	return msg_end(b);
}

/* Size of the data after the reason byte, or -1 if the arguments do not fit it. */
static int64_t
peer_down_data_len(enum bmp_down_reason reason, const uint8_t *data, uint32_t data_len)
{
	switch (reason) {
	case BMP_DOWN_LOCAL_NOTIFY:
	case BMP_DOWN_REMOTE_NOTIFY:
		if (!bgp_msg_ok(data, data_len, BGP_MSG_NOTIFICATION, BGP_NOTIFY_MIN_LEN,
				BGP_EXT_MAX_LEN))
			return -1;
		return data_len;
	case BMP_DOWN_LOCAL_NO_NOTIFY:
		return data_len == 0 ? 2 : -1;
	case BMP_DOWN_REMOTE_NO_NOTIFY:
	case BMP_DOWN_DECONFIGURED:
		return data_len == 0 ? 0 : -1;
	}
	return -1;
}

int
bmp_put_peer_down(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
		  enum bmp_down_reason reason, const uint8_t *data, uint32_t data_len,
		  uint16_t fsm_event)
{
	int64_t dlen = peer_down_data_len(reason, data, data_len);

	if (dlen < 0)
		return -EINVAL;
	if (!peer_msg_start(b, BMP_MSG_PEER_DOWN, 1 + (uint64_t)dlen, h, ts_us))
		return -ENOSPC;
	wire_put_u8(b, (uint8_t)reason);
	if (reason == BMP_DOWN_LOCAL_NO_NOTIFY)
		wire_put_u16(b, fsm_event);
	else
		wire_put_bytes(b, data, (size_t)dlen);
	return msg_end(b);
}

/* Value length of each statistic kind (RFC 7854 4.8). */
static const uint8_t stat_kind_len[] = {
	[BMP_STAT_COUNTER32] = 4,
	[BMP_STAT_GAUGE64] = 8,
	[BMP_STAT_AF_GAUGE64] = 11,
};

#define C32 BMP_STAT_COUNTER32
#define G64 BMP_STAT_GAUGE64
#define AFG BMP_STAT_AF_GAUGE64

/*
 * Kind of each type registered by RFC 7854 (0-13) and RFC 8671 (14-17):
 * a known type sent with another width would be misread by collectors.
 * Later types (other RFCs, experimental) take the caller's kind.
 */
static const uint8_t stat_type_kind[] = {
	C32, C32, C32, C32, C32, C32, C32, G64, G64, AFG, AFG,
	C32, C32, C32, G64, G64, AFG, AFG,
};

#undef C32
#undef G64
#undef AFG

static bool
stat_ok(const struct bmp_stat *s)
{
	if (s->kind >= sizeof(stat_kind_len))
		return false;
	return s->type >= sizeof(stat_type_kind) || stat_type_kind[s->type] == s->kind;
}

static void
put_stat(struct wire_buf *b, const struct bmp_stat *s)
{
	wire_put_u16(b, s->type);
	wire_put_u16(b, stat_kind_len[s->kind]);
	if (s->kind == BMP_STAT_AF_GAUGE64) {
		wire_put_u16(b, s->afi);
		wire_put_u8(b, s->safi);
	}
	if (s->kind == BMP_STAT_COUNTER32)
		wire_put_u32(b, (uint32_t)s->value); /* counters wrap (RFC 2578) */
	else
		wire_put_u64(b, s->value);
}

int
bmp_put_stats_report(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
		     const struct bmp_stat *stats, unsigned n)
{
	uint64_t body = 4;

	if (n > 0 && stats == NULL)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (!stat_ok(&stats[i]))
			return -EINVAL;
		body += TLV_HDR_LEN + stat_kind_len[stats[i].kind];
	}
	if (body > UINT32_MAX - PEER_MSG_HDR_LEN)
		return -EINVAL;
	if (!peer_msg_start(b, BMP_MSG_STATISTICS_REPORT, body, h, ts_us))
		return -ENOSPC;
	wire_put_u32(b, n);
	for (unsigned i = 0; i < n; i++)
		put_stat(b, &stats[i]);
	return msg_end(b);
}

int
bmp_put_route_mirroring(struct wire_buf *b, const struct bmp_peer_hdr *h, uint64_t ts_us,
			const uint8_t *pdu, uint32_t pdu_len, int info_code)
{
	uint64_t body = 0;

	/* An empty TLV set says nothing; info codes are 16 bits. */
	if ((pdu == NULL && info_code < 0) || info_code > UINT16_MAX)
		return -EINVAL;
	if (pdu) {
		if (!bgp_msg_ok(pdu, pdu_len, -1, BGP_HDR_LEN, BGP_EXT_MAX_LEN))
			return -EINVAL;
		body += TLV_HDR_LEN + pdu_len;
	}
	if (info_code >= 0)
		body += TLV_HDR_LEN + 2;
	if (!peer_msg_start(b, BMP_MSG_ROUTE_MIRRORING, body, h, ts_us))
		return -ENOSPC;
	if (pdu)
		put_tlv(b, BMP_MIRROR_TLV_BGP_MSG, pdu, (uint16_t)pdu_len);
	if (info_code >= 0) {
		wire_put_u16(b, BMP_MIRROR_TLV_INFO);
		wire_put_u16(b, 2);
		wire_put_u16(b, (uint16_t)info_code);
	}
	return msg_end(b);
}

/*
 * Smallest valid length of each message type: its fixed parts, with the
 * smallest BGP message where one is mandatory. Unknown types: the header.
 */
static uint32_t
min_msg_len(uint8_t type)
{
	switch (type) {
	case BMP_MSG_ROUTE_MONITORING:
		return PEER_MSG_HDR_LEN + BGP_UPDATE_MIN_LEN;
	case BMP_MSG_STATISTICS_REPORT:
		return PEER_MSG_HDR_LEN + 4;
	case BMP_MSG_PEER_DOWN:
		return PEER_MSG_HDR_LEN + 1;
	case BMP_MSG_PEER_UP:
		return PEER_MSG_HDR_LEN + PEER_UP_FIXED_LEN + 2 * BGP_OPEN_MIN_LEN;
	case BMP_MSG_ROUTE_MIRRORING:
		return PEER_MSG_HDR_LEN;
	default:
		return BMP_COMMON_HDR_LEN;
	}
}

int
bmp_read_common(const uint8_t *p, size_t avail, uint8_t *type, uint32_t *len)
{
	struct wire_cur c = wire_cur_make(p, avail);
	uint8_t version, t;
	uint32_t l;

	if (avail < BMP_COMMON_HDR_LEN)
		return -EAGAIN;
	version = wire_u8(&c);
	l = wire_u32(&c);
	t = wire_u8(&c);
	if (version != BMP_VERSION || l < min_msg_len(t))
		return -EINVAL;
	*type = t;
	*len = l;
	return 0;
}
