/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The connection life of one BMP station, as a state machine without I/O:
 * time comes in as an argument, actions come out as return values, so
 * every delay of the vendor documents is testable with a fake clock.
 *
 *   IDLE --activate--> INITIAL_WAIT --initial-delay--> CONNECTING
 *   CONNECTING --connected--> UP --failed--> RETRY_WAIT or FLAP_WAIT
 *   CONNECTING --failed or connect timeout--> RETRY_WAIT
 *   RETRY_WAIT --failure-retry-delay--> CONNECTING
 *   FLAP_WAIT --flapping-delay--> CONNECTING
 *   any --deactivate--> IDLE
 *
 * Flapping, precisely: a connection is *short-lived* when it fails less
 * than SERVER_FLAP_WINDOW_MS after it came up. After SERVER_FLAP_COUNT
 * short-lived connections in a row the station is flapping: every failure
 * then waits flapping-delay instead of failure-retry-delay, until a
 * connection stays up SERVER_FLAP_WINDOW_MS or longer, which clears the
 * count (so does deactivation). Attempts that never connect (refused,
 * timed out) neither add to nor clear the count: an unreachable station
 * is down, not flapping, but a flapping one stays damped while down.
 */
#ifndef BMPTAP_SERVER_H
#define BMPTAP_SERVER_H

#include <stdint.h>

#define SERVER_FLAP_WINDOW_MS 60000u
#define SERVER_FLAP_COUNT 3u
#define SERVER_CONNECT_TIMEOUT_MS 15000u

enum server_state {
	SERVER_IDLE,             /**< not activated */
	SERVER_INITIAL_WAIT,     /**< initial-delay after activation */
	SERVER_CONNECTING,       /**< TCP active open in progress */
	SERVER_UP,               /**< connected, streaming */
	SERVER_RETRY_WAIT,       /**< failure-retry-delay */
	SERVER_FLAP_WAIT,        /**< flapping-delay */
};

enum server_action {
	SERVER_ACT_NONE,
	SERVER_ACT_CONNECT,      /**< open a connection now */
	SERVER_ACT_CLOSE,        /**< close the connection (or the attempt) */
};

struct server_delays {
	uint32_t initial_ms;
	uint32_t failure_retry_ms;
	uint32_t flapping_ms;
};

struct server_fsm {
	enum server_state state;
	uint64_t deadline_ms;    /**< end of the current wait or connect timeout */
	uint64_t up_since_ms;
	uint64_t changed_ms;     /**< last state change */
	unsigned short_lived;    /**< consecutive short-lived connections */
	struct server_delays d;
	uint64_t attempts, connects, failures, flap_waits;
};

void server_fsm_init(struct server_fsm *f, const struct server_delays *d);
/** New delays apply from the next wait on. */
void server_fsm_set_delays(struct server_fsm *f, const struct server_delays *d);

enum server_action server_fsm_activate(struct server_fsm *f, uint64_t now);
enum server_action server_fsm_deactivate(struct server_fsm *f, uint64_t now);
/** A wait ended (CONNECT) or the connect timed out (CLOSE). */
enum server_action server_fsm_tick(struct server_fsm *f, uint64_t now);
void server_fsm_connected(struct server_fsm *f, uint64_t now);
/** The attempt or the connection failed; the caller has closed it. */
void server_fsm_failed(struct server_fsm *f, uint64_t now);

/** When tick next has something to do; UINT64_MAX: nothing pending. */
uint64_t server_fsm_next(const struct server_fsm *f);

/** "Idle", "Initial-delay", "Connecting", "Up", "Retry-wait", "Flap-wait". */
const char *server_state_name(enum server_state s);

#endif
