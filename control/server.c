/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stddef.h>

#include "server.h"

static const char *const state_names[] = {
	[SERVER_IDLE] = "Idle",
	[SERVER_INITIAL_WAIT] = "Initial-delay",
	[SERVER_CONNECTING] = "Connecting",
	[SERVER_UP] = "Up",
	[SERVER_RETRY_WAIT] = "Retry-wait",
	[SERVER_FLAP_WAIT] = "Flap-wait",
};

const char *
server_state_name(enum server_state s)
{
	return (unsigned)s <= SERVER_FLAP_WAIT ? state_names[s] : "?";
}

static void
enter(struct server_fsm *f, enum server_state s, uint64_t now, uint64_t wait_ms)
{
	f->state = s;
	f->changed_ms = now;
	f->deadline_ms = now + wait_ms;
}

void
server_fsm_init(struct server_fsm *f, const struct server_delays *d)
{
	*f = (struct server_fsm){ .state = SERVER_IDLE, .d = *d };
}

void
server_fsm_set_delays(struct server_fsm *f, const struct server_delays *d)
{
	f->d = *d;
}

enum server_action
server_fsm_activate(struct server_fsm *f, uint64_t now)
{
	if (f->state != SERVER_IDLE)
		return SERVER_ACT_NONE;
	f->short_lived = 0;
	enter(f, SERVER_INITIAL_WAIT, now, f->d.initial_ms);
	return server_fsm_tick(f, now);
}

enum server_action
server_fsm_deactivate(struct server_fsm *f, uint64_t now)
{
	enum server_state was = f->state;
	enter(f, SERVER_IDLE, now, 0);
	return was == SERVER_CONNECTING || was == SERVER_UP ? SERVER_ACT_CLOSE
							      : SERVER_ACT_NONE;
}

static bool
is_wait(enum server_state s)
{
	return s == SERVER_INITIAL_WAIT || s == SERVER_RETRY_WAIT || s == SERVER_FLAP_WAIT;
}

enum server_action
server_fsm_tick(struct server_fsm *f, uint64_t now)
{
	if (is_wait(f->state) && now >= f->deadline_ms) {
		enter(f, SERVER_CONNECTING, now, SERVER_CONNECT_TIMEOUT_MS);
		f->attempts++;
		return SERVER_ACT_CONNECT;
	}
	if (f->state == SERVER_CONNECTING && now >= f->deadline_ms) {
		server_fsm_failed(f, now);
		return SERVER_ACT_CLOSE;
	}
	return SERVER_ACT_NONE;
}

void
server_fsm_connected(struct server_fsm *f, uint64_t now)
{
	if (f->state != SERVER_CONNECTING)
		return;
	enter(f, SERVER_UP, now, 0);
	f->up_since_ms = now;
	f->connects++;
}

void
server_fsm_failed(struct server_fsm *f, uint64_t now)
{
	if (f->state != SERVER_CONNECTING && f->state != SERVER_UP)
		return;
	f->failures++;
	if (f->state == SERVER_UP) {
		bool short_lived = now - f->up_since_ms < SERVER_FLAP_WINDOW_MS;
		f->short_lived = short_lived ? f->short_lived + 1 : 0;
	}
	if (f->short_lived >= SERVER_FLAP_COUNT) {
		f->flap_waits++;
		enter(f, SERVER_FLAP_WAIT, now, f->d.flapping_ms);
	} else {
		enter(f, SERVER_RETRY_WAIT, now, f->d.failure_retry_ms);
	}
}

uint64_t
server_fsm_next(const struct server_fsm *f)
{
	return is_wait(f->state) || f->state == SERVER_CONNECTING ? f->deadline_ms : UINT64_MAX;
}
