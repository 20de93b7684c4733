/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Snapshots of the appliance's state, as the rows of the state tables of
 * the Redis schema (rcfg.h): BMP_GLOBAL_STATE|global,
 * BMP_SERVER_STATE|<id>, BMP_NEIGHBOR_STATE|<address>|<distinguisher>,
 * COUNTERS|<scope>. Built on the control thread from plain inputs (no I/O,
 * no locking), then immutable and shared by reference count: the Redis
 * thread writes it, the telemetry callbacks serve it.
 *
 * Field formats (the contract of readers such as bmptapctl): numbers are
 * decimal; addresses as inet_ntop writes them; server ids and lists of ids
 * ascending, space separated ("" for none); times in seconds.
 */
#ifndef BMPTAP_STATE_H
#define BMPTAP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/encoder.h"
#include "dataplane/pipeline.h"
#include "cfg.h"
#include "station.h"

#define STATE_T_GLOBAL "BMP_GLOBAL_STATE"
#define STATE_T_SERVER "BMP_SERVER_STATE"
#define STATE_T_NEIGHBOR "BMP_NEIGHBOR_STATE"
#define STATE_T_COUNTERS "COUNTERS"
#define STATE_GLOBAL_KEY "global"

struct refresh;

struct state_field {
	const char *name;
	const char *value;
};

/** One row: TABLE|key and its fields, in a fixed order. */
struct state_row {
	const char *table;
	const char *key;
	unsigned n;
	const struct state_field *f;
};

/** An immutable snapshot. */
struct state_snap {
	unsigned n;
	const struct state_row *rows;  /**< global, servers, neighbors, counters */
	uint64_t built_ms;             /**< monotonic, when built */
	int refs;                      /**< atomic */
	/* private: the storage behind the pointers */
	char *text;
	struct state_row *rows_mem;
	struct state_field *fields_mem;
};

/** What the configuration path reports (held by the control thread). */
struct state_config {
	uint64_t version;              /**< applied (0: none from Redis) */
	uint64_t seen_version;         /**< last read, applied or refused */
	bool refused;                  /**< the last one read was refused */
	char error[320];               /**< why, naming key and field */
	const char *source;            /**< "redis", "file", "default", "none" */
};

/** Everything a snapshot is made of. */
struct state_inputs {
	const struct cfg *cfg;                 /**< the running configuration */
	const struct state_config *config;
	const struct station_info *servers;    /**< stations_get() of each station */
	unsigned nservers;
	const struct enc_peers *peers;         /**< encoder snapshot; NULL: none yet */
	/** Produces the pipeline's counters into v (pipeline_counters). */
	void (*counters)(void *arg, const struct counter_visitor *v);
	void *counters_arg;
	uint64_t buffer_used;                  /**< bytes (obuf_bytes_queued) */
	uint64_t buffer_limit;                 /**< bytes (max chunks x chunk size) */
	uint64_t now_ms;                       /**< monotonic clock of the stations */
	uint64_t uptime_s;                     /**< of the daemon */
	uint64_t redis_reconnects;
	uint32_t debug_mask;                   /**< log_get_debug() */
	const struct refresh *refresh;         /**< initial refresh; NULL: none */
};

/** The vendor's refresh sentence: "BMP Refresh not in progress, refresh
 * not scheduled", "BMP Refresh in progress (peer 3 of 10), refresh
 * scheduled in 12s"... */
const char *state_refresh_str(const struct refresh *r, uint64_t now_ms, char *buf, size_t len);

/** A new snapshot (refs 1); NULL with errno ENOMEM. */
struct state_snap *state_build(const struct state_inputs *in);

void state_snap_ref(struct state_snap *s);
/** Drop a reference; the last one frees. NULL is fine. */
void state_snap_unref(struct state_snap *s);

/** The row TABLE|key, or NULL. */
const struct state_row *state_find(const struct state_snap *s, const char *table,
				   const char *key);
/** A field of a row, or NULL. */
const char *state_get(const struct state_row *r, const char *name);

/** "event,neighbor,server" (the on switches, in this order) or "none". */
const char *state_debug_str(uint32_t mask, char *buf, size_t len);

#endif
