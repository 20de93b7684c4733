/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * bmptapctl, the operator CLI: command line, state rows, output
 * formatting (text and JSON) and the Redis side, split so that unit tests
 * parse command lines and format hand-made rows without a Redis server.
 *
 * Layers: cli.c (argv -> struct ctl_opts, command table, --help),
 * rows.c (state hashes as read -> struct ctl_state), show.c (vendor-style
 * text), show_json.c and json.c (JSON), store.c (Redis reads and writes
 * besides rcfg.h), configure.c (the `configure` command), main.c
 * (dispatch and exit codes).
 */
#ifndef BMPTAP_CTL_H
#define BMPTAP_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

#include "control/cfg.h"
#include "control/rcfg.h"

/** Exit codes (documented in --help and README). */
enum ctl_exit {
	CTL_OK = 0,          /**< success */
	CTL_EUSAGE = 1,      /**< bad command line, unknown server */
	CTL_EREFUSED = 2,    /**< configuration refused: parser, validator or bmptapd */
	CTL_EREDIS = 3,      /**< Redis unreachable, or an error from it */
	CTL_ETIMEOUT = 4,    /**< written, not acknowledged by bmptapd in time */
};

/* ---- command line (cli.c) ---- */

enum ctl_cmd {
	CTL_CMD_NONE,
	CTL_CMD_CONFIGURE,
	CTL_CMD_SHOW_RUNNING,
	CTL_CMD_SHOW_SUMMARY,
	CTL_CMD_SHOW_SERVER,
	CTL_CMD_SHOW_NEIGHBORS,
	CTL_CMD_SHOW_DEBUGGING,
	CTL_CMD_DEBUG,
	CTL_CMD_UNDEBUG,
	CTL_CMD_COUNT,
};

/** Debug switches, as in NS:BMP_DEBUG|switches. */
#define CTL_DBG_EVENT 1u
#define CTL_DBG_NEIGHBOR 2u
#define CTL_DBG_SERVER 4u
#define CTL_DBG_ALL (CTL_DBG_EVENT | CTL_DBG_NEIGHBOR | CTL_DBG_SERVER)

#define CTL_DEFAULT_URL "redis://127.0.0.1:6379/0"
#define CTL_DEFAULT_TIMEOUT 5.0
#define CTL_TIMEOUT_MAX 3600.0

struct ctl_opts {
	const char *url;             /**< --redis */
	const char *ns;              /**< --namespace */
	bool json;                   /**< --json */
	double timeout;              /**< --timeout, seconds */
	bool help;                   /**< --help: print ctl_usage, exit 0 */
	bool version;                /**< --version */
	enum ctl_cmd cmd;
	uint32_t server;             /**< show bmp server N; 0: every server */
	unsigned debug;              /**< CTL_DBG_* of debug / undebug */
	const char *file;            /**< configure FILE; NULL or "-": stdin */
};

/**
 * Parse argv. CTL_OK (o filled; o->help / o->version may be set instead of
 * a command) or CTL_EUSAGE with a one-line reason in err. Options may come
 * before or after the command words; keywords are case-insensitive and
 * may be abbreviated to an unambiguous prefix (`sh run`).
 */
int ctl_parse(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen);

/** The --help text. */
void ctl_usage(FILE *f);

/* ---- state rows (rows.c) ---- */

/** A number bmptapd did not publish (or published garbled). */
#define CTL_NONE UINT64_MAX

/** NS:BMP_GLOBAL_STATE|global. */
struct ctl_global {
	bool present;                /**< bmptapd publishes state */
	uint64_t config_version;
	char config_status[16];
	char config_error[400];
	char refresh_state[96];        /**< bmptapd words it as the vendor line */
	uint64_t buffer_used;        /**< bytes */
	uint64_t buffer_limit;       /**< bytes */
	uint64_t servers_configured;
	uint64_t neighbors_configured;
	uint64_t neighbors_up;
	uint64_t uptime_s;
	uint64_t redis_reconnects;
	char debug[64];
};

/** NS:BMP_SERVER_STATE|<id>. */
struct ctl_server {
	uint32_t id;
	bool present;                /**< a row was published for this server */
	char status[16];
	char tcb[32];
	char local[64];
	char last_error[256];
	uint64_t uptime_s;
	uint64_t msgs_sent;
	uint64_t bytes_sent;
	uint64_t msgs_queued;
	uint64_t bytes_queued;
	uint64_t last_stats_s;       /**< seconds since the last Statistics Report */
	uint64_t attempts;
	uint64_t connects;
	uint64_t failures;
	uint64_t flap_waits;
	uint64_t buffer_drops;
};

/** A server id list ("1 2"), ascending as published. */
struct ctl_ids {
	uint16_t n;
	uint32_t id[CFG_MAX_SERVERS];
};

/**
 * NS:BMP_NEIGHBOR_STATE|<address>|<distinguisher>: one monitored sender
 * towards one receiver, or (seen false) a configured neighbor the tap has
 * not seen.
 */
struct ctl_neighbor {
	bool seen;
	struct cfg_addr addr;        /**< parsed from the key, for sorting */
	char address[48];
	char distinguisher[48];
	char receiver[48];
	char bgp_id[48];
	uint64_t as;
	struct ctl_ids cfg_servers;
	struct ctl_ids act_servers;
	uint64_t rm_sent;
	uint64_t priq;
	uint64_t msgq;
	uint64_t up_since;
};

struct ctl_state {
	struct ctl_global g;
	unsigned nservers;           /**< == cfg->nservers, same order */
	struct ctl_server servers[CFG_MAX_SERVERS];
	unsigned nneighbors;
	struct ctl_neighbor *neighbors; /**< malloc'd, sorted */
};

void ctl_state_init(struct ctl_state *st);
void ctl_state_free(struct ctl_state *st);
/** The global row; h NULL: bmptapd publishes nothing. */
void ctl_global_from_hash(struct ctl_global *g, const struct rcfg_hash *h);
/** A server's row; h NULL: none published. */
void ctl_server_from_hash(struct ctl_server *s, uint32_t id, const struct rcfg_hash *h);
/** Append a neighbor row (key "NS:BMP_NEIGHBOR_STATE|addr|dist"). 0, -EINVAL, -ENOMEM. */
int ctl_state_add_neighbor(struct ctl_state *st, const struct rcfg_hash *h);
/**
 * Add the configured neighbors that no row names (seen false, CfgSvr#
 * from the configuration), then sort by address and receiver.
 * 0 or -ENOMEM.
 */
int ctl_state_finish(struct ctl_state *st, const struct cfg *c);

/** What the vendor's queue lines become (see show.c). */
struct ctl_totals {
	uint64_t seen;               /**< neighbor rows published */
	uint64_t refresh;            /**< of them with PriQ > 0 */
	uint64_t servers_queued;     /**< servers with msgs_queued > 0 */
	uint64_t msgs_queued;        /**< sum over servers */
};

void ctl_state_totals(const struct ctl_state *st, struct ctl_totals *t);

/* ---- text output (show.c) ---- */

/** What every show reads: the configuration in Redis and the daemon's state. */
struct ctl_view {
	const char *ns;
	const struct cfg *cfg;
	uint64_t config_version;     /**< NS:CONFIG_VERSION */
	const struct ctl_state *st;
};

/** "00:38:49", "1d02h", "3w2d" (IOS style). */
const char *ctl_fmt_duration(uint64_t s, char *buf, size_t len);

int ctl_show_summary(FILE *f, const struct ctl_view *v);
/** id 0: every server. -ENOENT when id is not configured. */
int ctl_show_server(FILE *f, const struct ctl_view *v, uint32_t id);
int ctl_show_neighbors(FILE *f, const struct ctl_view *v);
int ctl_show_debugging(FILE *f, unsigned mask);
/** "BGP BMP server debugging is on", one line per switch of mask. */
int ctl_show_debug_change(FILE *f, unsigned mask, bool on);

/* ---- JSON (json.c, show_json.c) ---- */

#define JSON_MAX_DEPTH 16

/** A streaming writer: 2-space indented, keys in the order written. */
struct json {
	FILE *f;
	unsigned depth;
	bool any[JSON_MAX_DEPTH];    /**< a member written at this depth */
	char close[JSON_MAX_DEPTH];  /**< '}' or ']' */
	bool bad;                    /**< unbalanced or too deep */
};

void json_begin(struct json *j, FILE *f);
/** key NULL inside arrays and at the top. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_end(struct json *j);
/** s NULL: null. Escaped; invalid UTF-8 becomes U+FFFD. */
void json_str(struct json *j, const char *key, const char *s);
/** v CTL_NONE: null. */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_int(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/** Trailing newline; 0, -EINVAL (unbalanced), -EIO. */
int json_finish(struct json *j);
/** s[0..len) as a JSON string literal, quotes included. */
void json_escape(FILE *f, const char *s, size_t len);

int ctl_json_summary(FILE *f, const struct ctl_view *v);
int ctl_json_server(FILE *f, const struct ctl_view *v, uint32_t id);
int ctl_json_neighbors(FILE *f, const struct ctl_view *v);
int ctl_json_running(FILE *f, const char *ns, const struct cfg *c, uint64_t version);
int ctl_json_debugging(FILE *f, const char *ns, unsigned mask);

/* ---- Redis (store.c) ---- */

/** An error string for the caller's one-line message. */
struct ctl_err {
	char msg[512];
};

/** The state tables of the configured servers and every neighbor. 0 or -EIO. */
int ctl_read_state(redisContext *rc, const char *ns, const struct cfg *c,
		   struct ctl_state *st, struct ctl_err *e);
/** NS:CONFIG_VERSION (0 when absent). 0 or -EIO. */
int ctl_read_version(redisContext *rc, const char *ns, uint64_t *version, struct ctl_err *e);
/** WATCH NS:CONFIG_VERSION (the next MULTI/EXEC aborts if it changes). 0 or -EIO. */
int ctl_watch(redisContext *rc, const char *ns, struct ctl_err *e);
void ctl_unwatch(redisContext *rc);
int ctl_debug_read(redisContext *rc, const char *ns, unsigned *mask, struct ctl_err *e);
/** Switches of mask on or off, and DEBUG_CHANGED, in one MULTI/EXEC. */
int ctl_debug_write(redisContext *rc, const char *ns, unsigned mask, bool on,
		    struct ctl_err *e);

enum ctl_ack { CTL_ACK_OK, CTL_ACK_REFUSED, CTL_ACK_TIMEOUT, CTL_ACK_EIO };

/**
 * Poll NS:BMP_GLOBAL_STATE|global until config_version >= version.
 * CTL_ACK_REFUSED copies config_error into e.
 */
enum ctl_ack ctl_wait_ack(redisContext *rc, const char *ns, uint64_t version, double timeout,
			  struct ctl_err *e);

/* ---- configure (configure.c) ---- */

/** "bmptapctl: " + the message + newline, on stderr. */
void ctl_vsay(const char *fmt, va_list ap);

/**
 * Apply text on top of the configuration in Redis, validate, write, wait
 * for bmptapd. Returns an enum ctl_exit; messages to out (result) and
 * stderr (errors).
 */
int ctl_configure(redisContext *rc, const struct ctl_opts *o, const char *text, size_t len,
		  FILE *out);

/**
 * The line of text that makes the whole configuration (run + text)
 * invalid with err: the last line after which cfg_validate() gives this
 * error up to the end. 0 when not found.
 */
unsigned ctl_refused_line(const struct cfg *run, const char *text, size_t len,
			  const struct cfg_error *err);

#endif
