/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * bmptapd's link to Redis: a thread of its own does every Redis exchange
 * (hiredis' blocking API, with timeouts), so that the control thread never
 * waits on Redis. It talks to the control thread through a mailbox under
 * a mutex, never holding the mutex during I/O:
 *
 *  - Redis -> control: the configuration, read whole (rcfg_read) at
 *    connect, on NS:CONFIG_CHANGED, on keyspace notifications of the
 *    configuration keys (when the server has them enabled; bmptapd never
 *    changes a server's settings), on SIGHUP; or why it was refused. Only
 *    the latest waits: a newer one replaces an unread one.
 *  - control -> Redis: the latest state snapshot (state.h), written in one
 *    MULTI/EXEC; rows that disappeared are deleted. It carries the result
 *    of the last configuration (applied version, or refused and why).
 *
 * The debug switches (NS:BMP_DEBUG|switches, NS:DEBUG_CHANGED) are applied
 * by the thread itself with log_set_debug(), which any thread may call.
 *
 * Redis going away changes nothing else: the thread reconnects with
 * backoff (0.1 s doubling to 5 s), re-reads the configuration and the
 * switches, and rewrites the whole state.
 */
#ifndef BMPTAP_REDIS_LINK_H
#define BMPTAP_REDIS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "state.h"

struct redis_link;

struct redis_link_params {
	const char *url;             /**< rcfg_connect() forms */
	const char *ns;              /**< key namespace */
	uint32_t debug_default;      /**< switches while NS:BMP_DEBUG|switches is absent */
};

/** Start the thread. NULL with errno set. */
struct redis_link *redis_link_start(const struct redis_link_params *p);
/** Stop the thread (it finishes its current exchange) and free. */
void redis_link_stop(struct redis_link *l);

enum redis_link_event {
	REDIS_LINK_NONE,
	REDIS_LINK_CONFIG,           /**< a valid configuration: *out, version */
	REDIS_LINK_REFUSED,          /**< an invalid one: version, err */
};

/**
 * Control thread, every tick (an atomic load when nothing waits). On
 * REDIS_LINK_CONFIG the caller owns *out (cfg_free).
 */
enum redis_link_event redis_link_poll(struct redis_link *l, struct cfg *out, uint64_t *version,
				      char *err, size_t errlen);

/** Control thread: publish this snapshot (a reference is taken). */
void redis_link_publish(struct redis_link *l, struct state_snap *s);

/** Control thread: read the configuration again (SIGHUP). */
void redis_link_reread(struct redis_link *l);

/** Reconnections after the first connection. */
uint64_t redis_link_reconnects(const struct redis_link *l);
bool redis_link_connected(const struct redis_link *l);

#endif
