/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP framer: cuts one direction's in-order byte stream into messages.
 *
 * States, all in struct bgp_framer:
 *  - idle:            !hunting, have == 0, need == 0
 *  - header partial:  !hunting, need == 0, hdr[0..have) holds the first bytes
 *  - body partial:    !hunting, need = message length, stage[0..have) staged
 *  - delivered:       need == have != 0; the stage is freed on the next call
 *  - hunting:         hdr[0..have) holds at most 18 trailing bytes that may
 *                     still start a valid header (the carry)
 *
 * A message that lies inside one input chunk is returned in place; only a
 * message that spans chunks is copied, into a stage allocated to its exact
 * length, so per-direction memory is bounded by one message.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp.h"

enum hunt_verdict {
	HUNT_NO,    /* no header can start here */
	HUNT_MAYBE, /* the bytes so far fit a header, the rest is not here yet */
	HUNT_YES,   /* a header that passes bgp_check_header starts here */
};

/* Shortest and longest length allowed for each message type (RFC 4271 4.1). */
static const struct {
	uint16_t min;
	uint16_t max; /* 0: the session maximum */
} type_len[] = {
	[BGP_MSG_OPEN] = { 29, BGP_MAX_LEN }, /* RFC 8654: OPEN never extended */
	[BGP_MSG_UPDATE] = { 23, 0 },
	[BGP_MSG_NOTIFICATION] = { 21, 0 },
	[BGP_MSG_KEEPALIVE] = { 19, 19 },
	/* RFC 5291 ORF entries may follow the 4 fixed octets */
	[BGP_MSG_ROUTE_REFRESH] = { 23, 0 },
};

enum bgp_err
bgp_check_header(const uint8_t *hdr, uint32_t max_len, uint16_t *len, uint8_t *type)
{
	struct wire_cur c = wire_cur_make(hdr, BGP_HDR_LEN);
	const uint8_t *marker = wire_take(&c, BGP_MARKER_LEN);
	uint16_t l = wire_u16(&c);
	uint8_t t = wire_u8(&c);

	if (len)
		*len = l;
	if (type)
		*type = t;
	uint64_t m0, m1;
	memcpy(&m0, marker, 8);
	memcpy(&m1, marker + 8, 8);
	if ((m0 & m1) != UINT64_MAX)
		return BGP_ERR_MARKER;
	if (l < BGP_HDR_LEN || l > max_len)
		return BGP_ERR_LENGTH;
	if (t < BGP_MSG_OPEN || t > BGP_MSG_ROUTE_REFRESH)
		return BGP_ERR_TYPE;
	if (l < type_len[t].min || (type_len[t].max && l > type_len[t].max))
		return BGP_ERR_TYPE_LENGTH;
	return BGP_OK;
}

static uint32_t
clamp_max(uint32_t max_len)
{
	if (max_len < BGP_MAX_LEN)
		return BGP_MAX_LEN;
	if (max_len > BGP_EXT_MAX_LEN)
		return BGP_EXT_MAX_LEN;
	return max_len;
}

void
bgp_framer_init(struct bgp_framer *fr, uint32_t max_len)
{
	memset(fr, 0, sizeof(*fr));
	fr->max_len = clamp_max(max_len);
}

static void
drop_partial(struct bgp_framer *fr)
{
	free(fr->stage);
	fr->stage = NULL;
	fr->stage_cap = 0;
	fr->have = 0;
	fr->need = 0;
}

void
bgp_framer_release(struct bgp_framer *fr)
{
	drop_partial(fr);
	fr->hunting = false;
}

void
bgp_framer_set_max(struct bgp_framer *fr, uint32_t max_len)
{
	fr->max_len = clamp_max(max_len);
}

void
bgp_framer_resync(struct bgp_framer *fr)
{
	drop_partial(fr);
	fr->hunting = true;
}

bool
bgp_framer_hunting(const struct bgp_framer *fr)
{
	return fr->hunting;
}

/* ---- hunting ----------------------------------------------------------- */

/* Byte q of the logical stream: the carry, then the input. */
static uint8_t
hunt_byte(const struct bgp_framer *fr, const struct wire_cur *in, size_t q)
{
	return q < fr->have ? fr->hdr[q] : in->p[q - fr->have];
}

static enum hunt_verdict
hunt_at(const struct bgp_framer *fr, const struct wire_cur *in, size_t pos)
{
	size_t avail = fr->have + in->left - pos;
	uint8_t hdr[BGP_HDR_LEN];
	size_t n = avail < BGP_HDR_LEN ? avail : BGP_HDR_LEN;

	for (size_t i = 0; i < n; i++) {
		hdr[i] = hunt_byte(fr, in, pos + i);
		if (i < BGP_MARKER_LEN && hdr[i] != 0xff)
			return HUNT_NO;
	}
	if (n < BGP_HDR_LEN)
		return HUNT_MAYBE;
	return bgp_check_header(hdr, fr->max_len, NULL, NULL) == BGP_OK ? HUNT_YES : HUNT_NO;
}

/* Next position at or after pos whose byte is 0xff (a marker can start). */
static size_t
hunt_next_ff(const struct bgp_framer *fr, const struct wire_cur *in, size_t pos)
{
	size_t total = fr->have + in->left;

	while (pos < fr->have && fr->hdr[pos] != 0xff)
		pos++;
	if (pos < fr->have || pos >= total)
		return pos;
	const uint8_t *ff = memchr(in->p + (pos - fr->have), 0xff, total - pos);
	return ff ? fr->have + (size_t)(ff - in->p) : total;
}

/* Discard the first n bytes of the logical stream. */
static void
hunt_drop(struct bgp_framer *fr, struct wire_cur *in, size_t n)
{
	if (n <= fr->have) {
		memmove(fr->hdr, fr->hdr + n, fr->have - n);
		fr->have -= (uint32_t)n;
		return;
	}
	wire_skip(in, n - fr->have);
	fr->have = 0;
}

/*
 * Scan carry + input for a header. On success the framer leaves hunting
 * with the header at the front of the stream (possibly partly in the
 * carry); otherwise all input is consumed and only a possible header
 * prefix (at most 18 bytes) is kept.
 */
static void
hunt(struct bgp_framer *fr, struct wire_cur *in, struct bgp_frame *out)
{
	size_t total = fr->have + in->left;
	size_t pos = hunt_next_ff(fr, in, 0);
	enum hunt_verdict v = HUNT_NO;

	while (pos < total) {
		v = hunt_at(fr, in, pos);
		if (v != HUNT_NO)
			break;
		pos = hunt_next_ff(fr, in, pos + 1);
	}
	out->skipped += (uint32_t)pos;
	hunt_drop(fr, in, pos);
	if (v == HUNT_YES) {
		fr->hunting = false;
		return;
	}
	/* What is left is a header prefix shorter than 19 bytes: keep it. */
	wire_bytes(in, fr->hdr + fr->have, in->left);
	fr->have = (uint32_t)(total - pos);
}

/* ---- framing ----------------------------------------------------------- */

static enum bgp_frame_result
frame_bad(struct bgp_framer *fr, enum bgp_err err, struct bgp_frame *out)
{
	fr->hunting = true;
	out->err = err;
	return BGP_FRAME_BAD;
}

static enum bgp_frame_result
frame_deliver(struct bgp_framer *fr, struct bgp_frame *out)
{
	out->msg = fr->stage;
	out->len = fr->need;
	out->type = fr->stage[BGP_HDR_LEN - 1];
	return BGP_FRAME_MSG;
}

/* Start staging a message whose header is hdr; false if out of memory. */
static bool
stage_start(struct bgp_framer *fr, const uint8_t *hdr, uint16_t len)
{
	fr->stage = malloc(len);
	if (!fr->stage)
		return false;
	fr->stage_cap = len;
	fr->need = len;
	memcpy(fr->stage, hdr, BGP_HDR_LEN);
	fr->have = BGP_HDR_LEN;
	return true;
}

/* No memory to stage: the message is lost, and so is sync. */
static enum bgp_frame_result
stage_fail(struct bgp_framer *fr, struct bgp_frame *out)
{
	/* The header is consumed and counted so hunting cannot find it again. */
	out->skipped += BGP_HDR_LEN;
	fr->have = 0;
	return frame_bad(fr, BGP_ERR_NOMEM, out);
}

static enum bgp_frame_result
frame_body(struct bgp_framer *fr, struct wire_cur *in, struct bgp_frame *out)
{
	size_t n = fr->need - fr->have;

	if (n > in->left)
		n = in->left;
	wire_bytes(in, fr->stage + fr->have, n);
	fr->have += (uint32_t)n;
	return fr->have == fr->need ? frame_deliver(fr, out) : BGP_FRAME_MORE;
}

/* The input starts with a whole header: return the message in place if it is all here. */
static enum bgp_frame_result
frame_direct(struct bgp_framer *fr, struct wire_cur *in, struct bgp_frame *out)
{
	uint16_t len;
	uint8_t type;
	enum bgp_err err = bgp_check_header(in->p, fr->max_len, &len, &type);

	if (err != BGP_OK)
		return frame_bad(fr, err, out);
	if (in->left >= len) {
		out->len = len;
		out->type = type;
		out->msg = wire_take(in, len);
		return BGP_FRAME_MSG;
	}
	const uint8_t *hdr = wire_take(in, BGP_HDR_LEN);
	if (!stage_start(fr, hdr, len))
		return stage_fail(fr, out);
	return frame_body(fr, in, out);
}

/* Complete a header split across chunks, then stage its message. */
static enum bgp_frame_result
frame_header(struct bgp_framer *fr, struct wire_cur *in, struct bgp_frame *out)
{
	struct wire_cur save = *in;
	size_t n = BGP_HDR_LEN - fr->have;
	uint16_t len;

	if (n > in->left)
		n = in->left;
	wire_bytes(in, fr->hdr + fr->have, n);
	fr->have += (uint32_t)n;
	if (fr->have < BGP_HDR_LEN)
		return BGP_FRAME_MORE;
	enum bgp_err err = bgp_check_header(fr->hdr, fr->max_len, &len, NULL);
	if (err != BGP_OK) {
		/* Hunt from the bad header's first byte: give back what we took. */
		*in = save;
		fr->have -= (uint32_t)n;
		return frame_bad(fr, err, out);
	}
	if (!stage_start(fr, fr->hdr, len))
		return stage_fail(fr, out);
	return frame_body(fr, in, out);
}

static enum bgp_frame_result
frame_step(struct bgp_framer *fr, struct wire_cur *in, struct bgp_frame *out)
{
	if (fr->need)
		return frame_body(fr, in, out);
	if (fr->have == 0 && in->left >= BGP_HDR_LEN)
		return frame_direct(fr, in, out);
	return frame_header(fr, in, out);
}

enum bgp_frame_result
bgp_framer_next(struct bgp_framer *fr, const uint8_t **data, uint32_t *len,
		struct bgp_frame *out)
{
	struct wire_cur in = wire_cur_make(*data, *len);
	enum bgp_frame_result r = BGP_FRAME_MORE;

	memset(out, 0, sizeof(*out));
	if (fr->need && fr->have == fr->need)
		drop_partial(fr); /* the message returned by the previous call */
	while (r == BGP_FRAME_MORE && in.left > 0) {
		if (fr->hunting)
			hunt(fr, &in, out);
		else
			r = frame_step(fr, &in, out);
	}
	*data = in.p;
	*len = (uint32_t)in.left;
	return r;
}
