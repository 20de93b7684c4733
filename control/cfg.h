/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The configuration model: what the operator configured, in the vendor
 * vocabulary (Cisco `bmp server`, Huawei `bmp-session`), independent of
 * where it came from (a file, Redis) so that every path validates and
 * diffs the same way.
 *
 * Text in: cfg_apply() reads vendor syntax on top of a configuration, as
 * typing it in configuration mode would (pasted CLI transcripts with
 * prompts work verbatim; `no` / `undo` forms remove or reset). Text out:
 * cfg_write() prints the running configuration, which cfg_apply() reads
 * back to an equal configuration.
 *
 * Validation is whole: cfg_apply() on a copy, then cfg_validate(); an
 * invalid change leaves the running configuration untouched. Every error
 * names the line, the word and the allowed range.
 */
#ifndef BMPTAP_CFG_H
#define BMPTAP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_SERVERS 63          /**< stations at once (output slots 1..63) */
#define CFG_SERVER_ID_MIN 1
#define CFG_SERVER_ID_MAX 1000      /**< `bmp server N` */
#define CFG_HUAWEI_ID_BASE 1001     /**< ids given to `bmp-session`s, in order */
#define CFG_MAX_NEIGHBORS 4096
#define CFG_DESCR_MAX 256
#define CFG_NAME_MAX 32             /**< VPN instance (1-31), alias, interface */
#define CFG_DELAY_MAX 3600          /**< seconds, every delay and period */
#define CFG_BUFFER_MB_MIN 1
#define CFG_BUFFER_MB_MAX 65536

/* Defaults (seconds), also printed by `show` and documented in README. */
#define CFG_DEF_BUFFER_MB 256
#define CFG_DEF_INITIAL_DELAY 0
#define CFG_DEF_FAILURE_RETRY_DELAY 30
#define CFG_DEF_FLAPPING_DELAY 60
#define CFG_DEF_STATS_PERIOD 0      /**< 0: no Statistics Reports */
#define CFG_DEF_REFRESH_DELAY 1

struct cfg_addr {
	uint8_t family;                 /**< 0: unset, 4 or 6 */
	uint8_t b[16];                  /**< IPv4 in bytes 0-3 */
};

/** One BMP station. */
struct cfg_server {
	uint32_t id;                    /**< `bmp server N`, or CFG_HUAWEI_ID_BASE+ */
	bool huawei;                    /**< defined by `bmp-session` */
	bool activate;                  /**< `activate` (Huawei: has a port) */
	struct cfg_addr addr;
	uint16_t port;                  /**< 0: unset */
	char description[CFG_DESCR_MAX];
	char alias[CFG_NAME_MAX];       /**< Huawei `alias NAME` */
	char vpn[CFG_NAME_MAX];         /**< `vpn-instance`: a Linux VRF device */
	char update_source[CFG_NAME_MAX]; /**< interface whose address is bound */
	uint32_t initial_delay;
	uint32_t failure_retry_delay;
	uint32_t flapping_delay;
	uint32_t stats_period;          /**< 0: off */
	int16_t dscp;                   /**< -1: unset (0 on the wire) */
	bool monitor_all;               /**< Huawei `monitor public-network` */
};

/** `neighbor X bmp-activate all | server N [server M ...]`. */
struct cfg_neighbor {
	struct cfg_addr addr;
	bool all;
	uint16_t nservers;
	uint32_t servers[CFG_MAX_SERVERS]; /**< server ids, ascending */
};

enum cfg_refresh_mode { CFG_REFRESH_DELAY, CFG_REFRESH_SKIP };

struct cfg {
	uint32_t router_as;             /**< `router bgp N`; 0: not given */
	uint32_t buffer_mb;             /**< `bmp buffer-size` */
	enum cfg_refresh_mode refresh;  /**< `bmp initial-refresh` */
	uint32_t refresh_delay;
	bool activate_all;              /**< `bmp-activate all`: every neighbor to
					     every server */
	unsigned nservers;
	struct cfg_server servers[CFG_MAX_SERVERS]; /**< ascending id */
	unsigned nneighbors;
	struct cfg_neighbor *neighbors;  /**< ascending address; malloc'd */
};

/** Where and why a configuration was refused. */
struct cfg_error {
	unsigned line;                  /**< 1-based; 0: the whole configuration */
	char word[64];                  /**< the offending word, if any */
	char msg[256];                  /**< "line 7: dscp 64 out of range 0-63" */
};

/** Defaults, no servers, no neighbors. */
void cfg_init(struct cfg *c);
void cfg_free(struct cfg *c);
/** Deep copy into an initialized dst. 0 or -ENOMEM. */
int cfg_copy(struct cfg *dst, const struct cfg *src);
bool cfg_equal(const struct cfg *a, const struct cfg *b);

/**
 * Apply vendor-syntax text on top of c. 0, or -EINVAL with err filled
 * (c is then partly changed: apply to a copy).
 */
int cfg_apply(struct cfg *c, const char *text, size_t len, struct cfg_error *err);

/** Rules across lines: duplicate stations, neighbors naming unknown servers... */
int cfg_validate(const struct cfg *c, struct cfg_error *err);

/** Read a file from scratch: cfg_init + cfg_apply + cfg_validate. */
int cfg_load_file(struct cfg *c, const char *path, struct cfg_error *err);

/** The running configuration in vendor syntax. */
int cfg_write(const struct cfg *c, FILE *f);

const struct cfg_server *cfg_server_find(const struct cfg *c, uint32_t id);
/** Servers (bitmask over c->servers[] indexes) that monitor a peer address. */
uint64_t cfg_servers_for_peer(const struct cfg *c, const struct cfg_addr *peer);

/** What differs between two configurations, per server. */
enum cfg_change {
	CFG_SAME,
	CFG_ADDED,
	CFG_REMOVED,
	CFG_RECONNECT,   /**< transport changed: address, port, DSCP, source, VRF */
	CFG_SOFT,        /**< timers, description, activation handled in place */
};

struct cfg_diff {
	bool globals;                   /**< buffer size or refresh changed */
	bool neighbors;                 /**< peer -> server mapping changed */
	unsigned n;
	struct {
		uint32_t id;
		enum cfg_change change;
	} servers[2 * CFG_MAX_SERVERS];
};

void cfg_diff(const struct cfg *old, const struct cfg *new_cfg, struct cfg_diff *d);

/** "10.1.1.1", "2001:db8::1". */
const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len);

#endif
