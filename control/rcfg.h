/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Redis as the source of truth: the schema, and the configuration model
 * (cfg.h) to and from it, shared by bmptapd and bmptapctl so that the
 * file and Redis paths cannot disagree.
 *
 * Every key lives under a per-appliance namespace NS (default "bmptap",
 * `--namespace`), in the `TABLE|key` hash convention of Redis-configured
 * network operating systems: `NS:TABLE|key`.
 *
 * Configuration (written by bmptapctl or automation, read by bmptapd):
 *   NS:BMP_GLOBAL|global      router_as, buffer_size_mb, initial_refresh
 *                             ("delay" | "skip"), initial_refresh_delay,
 *                             activate_all ("true" | "false")
 *   NS:BMP_SERVER|<id>        style ("cisco" | "huawei"), activate, address,
 *                             port, description, alias, vpn_instance,
 *                             update_source, initial_delay,
 *                             failure_retry_delay, flapping_delay, dscp,
 *                             stats_reporting_period, monitor_all
 *   NS:BMP_NEIGHBOR|<address> activate ("all", or server ids "1 2")
 *   NS:CONFIG_VERSION         integer, incremented by every change
 *   channel NS:CONFIG_CHANGED published (with the new version) by every
 *                             change, inside the same MULTI/EXEC
 * Absent fields take their defaults; booleans are "true"/"false"; numbers
 * decimal. A change is atomic when written in one MULTI/EXEC with the
 * version bump and the publish (rcfg_write does that); bmptapd reads the
 * whole configuration in one server-side script, so it never sees half a
 * change, validates it whole and refuses it whole.
 *
 * State (written by bmptapd every second and on change; every row
 * expires 10 s after its last write, so a daemon that is gone leaves none):
 *   NS:BMP_GLOBAL_STATE|global     config_version (applied), config_status
 *                                  ("ok" | "refused"), config_error,
 *                                  config_seen_version (last read, applied or
 *                                  refused), config_source ("redis" | "file" |
 *                                  "default" | "none"),
 *                                  refresh_state, buffer_used_bytes,
 *                                  buffer_limit_bytes, servers_configured,
 *                                  neighbors_configured, neighbors_up,
 *                                  uptime_s, redis_reconnects, debug
 *   NS:BMP_SERVER_STATE|<id>       status, uptime_s, tcb, local, msgs_sent,
 *                                  bytes_sent, bytes_queued, msgs_queued,
 *                                  last_stats_s, last_error, attempts,
 *                                  connects, failures, flap_waits,
 *                                  buffer_drops
 *   NS:BMP_NEIGHBOR_STATE|<address>|<distinguisher>
 *                                  receiver, as, bgp_id, cfg_servers,
 *                                  act_servers, rm_sent, priq, msgq, up_since
 *   NS:COUNTERS|<scope>            every counter of pipeline_counters()
 *                                  (scope port.<dev>, lcore<N>, encoder,
 *                                  output), field = counter name
 *   NS:BMP_DEBUG|switches          event, neighbor, server: "on" | "off"
 *                                  (run-time switches, not configuration);
 *                                  channel NS:DEBUG_CHANGED on change
 */
#ifndef BMPTAP_RCFG_H
#define BMPTAP_RCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "cfg.h"

#define RCFG_DEFAULT_NS "bmptap"
#define RCFG_NS_MAX 64

/** One field of a hash. */
struct rcfg_field {
	char name[32];
	char value[CFG_DESCR_MAX + 8];
};

/** One hash: its full key ("NS:BMP_SERVER|1") and fields. */
struct rcfg_hash {
	char key[RCFG_NS_MAX + 96];
	unsigned n;
	struct rcfg_field *f;        /**< malloc'd */
};

/** A set of hashes (a whole configuration). */
struct rcfg_hashes {
	unsigned n;
	struct rcfg_hash *h;         /**< malloc'd */
};

void rcfg_hashes_free(struct rcfg_hashes *hs);

/** The configuration as hashes (non-default fields only). 0 or -ENOMEM. */
int rcfg_from_cfg(const struct cfg *c, const char *ns, struct rcfg_hashes *out);

/**
 * Hashes (as read) to a configuration, validated (cfg_validate). Errors
 * name the key and the field: "bmptap:BMP_SERVER|1 dscp '64': out of
 * range 0-63". Unknown fields and tables are errors too.
 */
int rcfg_to_cfg(const struct rcfg_hashes *hs, const char *ns, struct cfg *out,
		struct cfg_error *err);

/** A namespace is 1-63 characters of [A-Za-z0-9_.-]. */
bool rcfg_ns_valid(const char *ns);

/**
 * Connect: "redis://[user:password@]host[:port][/db]" or
 * "unix:/path[?db=N]" (password via "unix://user:password@/path" too).
 * Authenticates (AUTH, with user for ACLs) and selects the database.
 * NULL with err filled.
 */
redisContext *rcfg_connect(const char *url, struct timeval timeout, char *err, size_t errlen);

/** Read the whole configuration atomically. 0, -EIO (err), -EINVAL (cfg err). */
int rcfg_read(redisContext *rc, const char *ns, struct cfg *out, uint64_t *version,
	      struct cfg_error *err);

/**
 * Replace the whole configuration atomically: stale keys deleted, hashes
 * written, version incremented, CONFIG_CHANGED published, in one
 * MULTI/EXEC. *version receives the new version. 0 or -EIO.
 */
int rcfg_write(redisContext *rc, const char *ns, const struct cfg *c, uint64_t *version,
	       char *err, size_t errlen);

/** "NS:TABLE|key" into buf. */
const char *rcfg_key(char *buf, size_t len, const char *ns, const char *table, const char *key);

#endif
