/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * BGP-4 wire parsing (RFC 4271, 4760, 6793, 7911, 8654, 8277, 4364, 7606).
 *
 * Three parts, all pure (bytes in, results out, no I/O):
 *  - the framer, which cuts an in-order byte stream into messages and
 *    resynchronizes on the next marker after a gap;
 *  - message parsers (OPEN with capabilities, UPDATE with MP_REACH /
 *    MP_UNREACH, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH) that validate
 *    and return views into the message, never copies;
 *  - an NLRI iterator for IPv4/IPv6 unicast, multicast, labeled unicast
 *    and VPNv4/VPNv6, with ADD-PATH path identifiers.
 *
 * Every failure is a named enum bgp_err, so callers count by reason.
 */
#ifndef BMPTAP_BGP_H
#define BMPTAP_BGP_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

#define BGP_MARKER_LEN 16
#define BGP_HDR_LEN 19
#define BGP_MAX_LEN 4096u
#define BGP_EXT_MAX_LEN 65535u

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

#define BGP_AFI_IPV4 1
#define BGP_AFI_IPV6 2
#define BGP_SAFI_UNICAST 1
#define BGP_SAFI_MULTICAST 2
#define BGP_SAFI_LABELED 4
#define BGP_SAFI_VPN 128

/** The address families bmptap understands, as a dense index. */
enum bgp_af {
	BGP_AF_IPV4_UNICAST,
	BGP_AF_IPV6_UNICAST,
	BGP_AF_IPV4_MULTICAST,
	BGP_AF_IPV6_MULTICAST,
	BGP_AF_IPV4_LABELED,
	BGP_AF_IPV6_LABELED,
	BGP_AF_VPNV4,
	BGP_AF_VPNV6,
	BGP_AF__COUNT
};

/** Index for an AFI/SAFI pair; -1 if not one bmptap understands. */
int bgp_af_index(uint16_t afi, uint8_t safi);

/* The order of enum bgp_af encodes the pair: IPv4 even, IPv6 odd; SAFI by
 * pairs (unicast, multicast, labeled, VPN). Inline: called per prefix. */
_Static_assert(BGP_AF_VPNV6 == 7 && BGP_AF_IPV6_LABELED == 5, "enum bgp_af order");

static inline uint16_t
bgp_af_afi(enum bgp_af af)
{
	return (unsigned int)af < BGP_AF__COUNT ? (uint16_t)((af & 1) + 1) : 0;
}

static inline uint8_t
bgp_af_safi(enum bgp_af af)
{
	static const uint8_t safi[BGP_AF__COUNT / 2] = {
		BGP_SAFI_UNICAST, BGP_SAFI_MULTICAST, BGP_SAFI_LABELED, BGP_SAFI_VPN,
	};
	return (unsigned int)af < BGP_AF__COUNT ? safi[af >> 1] : 0;
}
/** "ipv4-unicast", "vpnv6", ... */
const char *bgp_af_name(enum bgp_af af);

/* Path attribute type codes used by the parser. */
#define BGP_ATTR_ORIGIN 1
#define BGP_ATTR_AS_PATH 2
#define BGP_ATTR_NEXT_HOP 3
#define BGP_ATTR_MED 4
#define BGP_ATTR_LOCAL_PREF 5
#define BGP_ATTR_COMMUNITIES 8
#define BGP_ATTR_MP_REACH 14
#define BGP_ATTR_MP_UNREACH 15
#define BGP_ATTR_AS4_PATH 17
#define BGP_ATTR_LARGE_COMMUNITIES 32

#define BGP_ATTR_FLAG_OPTIONAL 0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL 0x20
#define BGP_ATTR_FLAG_EXTLEN 0x10

/** Why a message was refused. Stable order: used as counter indexes. */
enum bgp_err {
	BGP_OK = 0,
	BGP_ERR_MARKER,          /**< header marker not all ones */
	BGP_ERR_LENGTH,          /**< header length < 19 or > the session max */
	BGP_ERR_TYPE,            /**< unknown message type */
	BGP_ERR_TYPE_LENGTH,     /**< length impossible for the type */
	BGP_ERR_OPEN_VERSION,    /**< version != 4 */
	BGP_ERR_OPEN_OPTPARAM,   /**< optional parameters overrun / malformed */
	BGP_ERR_OPEN_CAPABILITY, /**< capability overruns its parameter */
	BGP_ERR_UPDATE_WITHDRAWN,/**< withdrawn routes length overruns */
	BGP_ERR_UPDATE_ATTRLEN,  /**< path attribute length overruns */
	BGP_ERR_ATTR_FLAGS,      /**< well-known attribute with wrong flags */
	BGP_ERR_ATTR_LENGTH,     /**< attribute length wrong for its type */
	BGP_ERR_ATTR_DUPLICATE,  /**< the same attribute twice */
	BGP_ERR_AS_PATH,         /**< AS_PATH / AS4_PATH segments malformed */
	BGP_ERR_MP_REACH,        /**< MP_REACH_NLRI malformed */
	BGP_ERR_MP_UNREACH,      /**< MP_UNREACH_NLRI malformed */
	BGP_ERR_NLRI,            /**< a prefix overruns or is too long */
	BGP_ERR_MISSING_ATTR,    /**< NLRI without ORIGIN/AS_PATH/NEXT_HOP */
	BGP_ERR_NOMEM,           /**< no memory to stage a message (framer) */
	BGP_ERR__COUNT
};

/** Stable lower-case name for counters and logs. */
const char *bgp_err_name(enum bgp_err err);

/* ---- framing ---------------------------------------------------------- */

/**
 * Cuts one direction's in-order byte stream into BGP messages.
 * Embedded by value in the owner's flow state; fields private to bgp.c.
 * A message that spans stream chunks is staged in a buffer allocated to
 * its length (at most 65535 bytes), so memory per direction is bounded
 * by one message.
 */
struct bgp_framer {
	uint8_t *stage;          /* message being assembled, or NULL */
	uint32_t stage_cap;
	uint32_t have;           /* bytes staged */
	uint32_t need;           /* message length, 0 until the header is complete */
	uint32_t max_len;        /* 4096, or 65535 with extended messages */
	uint8_t hdr[BGP_HDR_LEN];/* header bytes while incomplete */
	bool hunting;            /* resynchronizing: looking for a marker */
};

enum bgp_frame_result {
	BGP_FRAME_MORE,          /**< input consumed, no complete message */
	BGP_FRAME_MSG,           /**< *out holds a message */
	BGP_FRAME_BAD,           /**< invalid header: *out->err says why; the
				      framer now hunts for the next marker */
};

struct bgp_frame {
	const uint8_t *msg;      /**< whole message, header included; valid
				      until the next call on the framer */
	uint32_t len;
	uint8_t type;
	enum bgp_err err;        /**< for BGP_FRAME_BAD */
	uint32_t skipped;        /**< bytes discarded while hunting, this call */
};

void bgp_framer_init(struct bgp_framer *fr, uint32_t max_len);
void bgp_framer_release(struct bgp_framer *fr);
/** Maximum message length from now on (after the OPENs are seen). */
void bgp_framer_set_max(struct bgp_framer *fr, uint32_t max_len);
/** Drop any partial message and hunt for the next marker (after a gap). */
void bgp_framer_resync(struct bgp_framer *fr);
bool bgp_framer_hunting(const struct bgp_framer *fr);

/**
 * Consume input from *data / *len (both advanced) until a message is
 * complete or the input is exhausted. Call again while it returns
 * BGP_FRAME_MSG or BGP_FRAME_BAD.
 */
enum bgp_frame_result bgp_framer_next(struct bgp_framer *fr, const uint8_t **data,
				      uint32_t *len, struct bgp_frame *out);

/**
 * Validate a 19-byte header as the framer does (marker, length within
 * [type minimum, max_len], known type).
 */
enum bgp_err bgp_check_header(const uint8_t *hdr, uint32_t max_len,
			      uint16_t *len, uint8_t *type);

/* ---- OPEN ------------------------------------------------------------- */

#define BGP_ADDPATH_RECEIVE 1
#define BGP_ADDPATH_SEND 2

/** What one speaker's OPEN says. */
struct bgp_open {
	uint8_t version;
	uint16_t my_as;          /**< the 2-octet field (AS_TRANS with AS4) */
	uint16_t hold_time;
	uint32_t bgp_id;         /**< as a number; put back with wire_put_u32 */
	uint32_t asn;            /**< 4-octet AS capability value, else my_as */
	bool cap_as4;            /**< capability 65 */
	bool cap_ext_msg;        /**< capability 6 (RFC 8654) */
	bool cap_route_refresh;  /**< capability 2 or 128 */
	bool cap_enhanced_rr;    /**< capability 70 */
	bool cap_graceful_restart; /**< capability 64 */
	uint16_t gr_restart_time;  /**< seconds, 12 bits */
	uint8_t gr_flags;          /**< R and N bits, high nibble */
	uint32_t gr_af_mask;       /**< bit per enum bgp_af listed in GR */
	bool cap_mp;               /**< capability 1 sent, whatever the families */
	uint32_t mp_mask;          /**< bit per enum bgp_af (capability 1) */
	uint8_t addpath[BGP_AF__COUNT]; /**< BGP_ADDPATH_* per family */
	uint16_t ncaps;            /**< capabilities seen, known or not */
};

enum bgp_err bgp_parse_open(const uint8_t *msg, uint32_t len, struct bgp_open *out);

/** How to read the messages one speaker sends to the other. */
struct bgp_caps {
	bool as4;                /**< both advertised 4-octet AS */
	bool ext_msg;            /**< both advertised extended messages */
	uint32_t addpath_mask;   /**< bit per enum bgp_af: sender sends path IDs
				      (sender SEND and receiver RECEIVE) */
	uint32_t af_mask;        /**< families both advertised (IPv4 unicast
				      implied for a side that sent no MP) */
};

void bgp_caps_negotiate(const struct bgp_open *sender, const struct bgp_open *receiver,
			struct bgp_caps *out);

/* ---- UPDATE ----------------------------------------------------------- */

/** Views into one UPDATE; pointers alias the message. */
struct bgp_update {
	struct wire_cur withdrawn;   /**< IPv4 unicast withdrawn routes */
	struct wire_cur attrs;       /**< all path attributes */
	struct wire_cur nlri;        /**< IPv4 unicast NLRI */
	uint64_t attr_seen;          /**< bit per attribute type < 64 */
	bool has_reach;
	uint16_t reach_afi;
	uint8_t reach_safi;
	uint8_t nexthop_len;
	const uint8_t *nexthop;
	struct wire_cur reach_nlri;
	bool has_unreach;
	uint16_t unreach_afi;
	uint8_t unreach_safi;
	struct wire_cur unreach_nlri;
	const uint8_t *as_path;      /**< AS_PATH value, NULL if absent */
	uint16_t as_path_len;
	bool is_eor;                 /**< End-of-RIB marker (RFC 4724) */
	uint16_t eor_afi;
	uint8_t eor_safi;
};

/**
 * Parse and validate an UPDATE (header included) sent under `caps`.
 * Structure errors (lengths, flags of well-known attributes, duplicate
 * attributes, AS_PATH segments, MP attributes, every NLRI field) are
 * reported; attribute semantics beyond that are not judged.
 */
enum bgp_err bgp_parse_update(const uint8_t *msg, uint32_t len, const struct bgp_caps *caps,
			      struct bgp_update *out);

/** The value of attribute `type` of a parsed UPDATE; false if absent. */
bool bgp_update_attr(const struct bgp_update *u, uint8_t type, struct wire_cur *val);

/* ---- NLRI ------------------------------------------------------------- */

#define BGP_MAX_LABELS 4

/** One prefix as carried on the wire. */
struct bgp_prefix {
	uint8_t af;                  /**< enum bgp_af */
	uint8_t len;                 /**< prefix length in bits (address only) */
	uint8_t nlabels;             /**< labeled and VPN families */
	uint8_t pad;
	uint32_t path_id;            /**< ADD-PATH identifier, 0 without */
	uint8_t addr[16];            /**< zero-padded; IPv4 in bytes 0-3 */
	uint8_t rd[8];               /**< VPN route distinguisher, wire order */
	uint8_t labels[BGP_MAX_LABELS][3]; /**< label stack entries, wire order */
};

struct bgp_nlri_iter {
	struct wire_cur c;
	uint8_t af;
	bool addpath;
	bool withdraw;
};

/** Iterate an NLRI field of family `af` (an enum bgp_af). */
void bgp_nlri_iter_init(struct bgp_nlri_iter *it, struct wire_cur nlri, enum bgp_af af,
			bool addpath, bool withdraw);

/** 1: *p filled; 0: end of field; -1: malformed (stops). */
int bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_prefix *p);

/** True when a whole NLRI field parses as bgp_nlri_next would read it:
 * the same checks, nothing stored (the validation pass of every UPDATE). */
bool bgp_nlri_valid(struct wire_cur nlri, enum bgp_af af, bool addpath, bool withdraw);

/* ---- NOTIFICATION / ROUTE-REFRESH -------------------------------------- */

struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	const uint8_t *data;
	uint16_t data_len;
};

enum bgp_err bgp_parse_notification(const uint8_t *msg, uint32_t len,
				    struct bgp_notification *out);

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype;             /**< RFC 7313: 0 normal, 1 BoRR, 2 EoRR */
	uint8_t safi;
};

enum bgp_err bgp_parse_route_refresh(const uint8_t *msg, uint32_t len,
				     struct bgp_route_refresh *out);

#endif
