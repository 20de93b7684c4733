/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BMP station connection state machine, driven by a fake clock (a
 * uint64_t of milliseconds the tests advance). Expected times are written
 * by hand from server.h and the vendor delay semantics, never computed
 * from the state machine's own fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/server.h"

#define RETRY_MS 30000u
#define FLAP_MS 120000u

/* A station plus its fake clock. */
struct rig {
	struct server_fsm f;
	uint64_t now;
};

static void
rig_init(struct rig *r, uint32_t initial, uint32_t retry, uint32_t flap)
{
	struct server_delays d = { initial, retry, flap };

	server_fsm_init(&r->f, &d);
	r->now = 0;
}

/* Advance the clock to the pending deadline and expect a CONNECT there. */
static void
connect_at_deadline(struct rig *r, uint64_t expect_at)
{
	assert_int_equal(server_fsm_next(&r->f), expect_at);
	assert_true(r->now <= expect_at);
	if (expect_at > r->now)
		assert_int_equal(server_fsm_tick(&r->f, expect_at - 1), SERVER_ACT_NONE);
	r->now = expect_at;
	assert_int_equal(server_fsm_tick(&r->f, r->now), SERVER_ACT_CONNECT);
	assert_int_equal(r->f.state, SERVER_CONNECTING);
	assert_int_equal(server_fsm_next(&r->f), r->now + SERVER_CONNECT_TIMEOUT_MS);
}

/* From CONNECTING: come up, stay up for up_ms, then fail. */
static void
up_then_fail(struct rig *r, uint64_t up_ms)
{
	r->now += 7;
	server_fsm_connected(&r->f, r->now);
	assert_int_equal(r->f.state, SERVER_UP);
	r->now += up_ms;
	server_fsm_failed(&r->f, r->now);
}

/* ---- activation and initial-delay ---- */

static void
test_init_is_idle(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, RETRY_MS, FLAP_MS);
	assert_int_equal(r.f.state, SERVER_IDLE);
	assert_int_equal(server_fsm_next(&r.f), UINT64_MAX);
	assert_int_equal(server_fsm_tick(&r.f, 0), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_tick(&r.f, 10000000), SERVER_ACT_NONE);
	assert_int_equal(r.f.state, SERVER_IDLE);
	assert_int_equal(r.f.attempts, 0);
}

static void
test_activate_no_initial_delay(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, RETRY_MS, FLAP_MS);
	assert_int_equal(server_fsm_activate(&r.f, 1000), SERVER_ACT_CONNECT);
	assert_int_equal(r.f.state, SERVER_CONNECTING);
	assert_int_equal(server_fsm_next(&r.f), 16000);
	assert_int_equal(r.f.attempts, 1);
}

static void
test_activate_initial_delay(void **st)
{
	static const uint64_t quiet[] = { 5000, 5001, 15000, 24999 };
	struct rig r;

	(void)st;
	rig_init(&r, 20000, RETRY_MS, FLAP_MS);
	assert_int_equal(server_fsm_activate(&r.f, 5000), SERVER_ACT_NONE);
	assert_int_equal(r.f.state, SERVER_INITIAL_WAIT);
	assert_int_equal(server_fsm_next(&r.f), 25000);
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		assert_int_equal(server_fsm_tick(&r.f, quiet[i]), SERVER_ACT_NONE);
		assert_int_equal(r.f.state, SERVER_INITIAL_WAIT);
	}
	assert_int_equal(r.f.attempts, 0);
	assert_int_equal(server_fsm_tick(&r.f, 25000), SERVER_ACT_CONNECT);
	assert_int_equal(r.f.state, SERVER_CONNECTING);
	assert_int_equal(server_fsm_next(&r.f), 40000);
	assert_int_equal(r.f.attempts, 1);
}

/* A tick that comes late (loaded loop) still connects, timed from then. */
static void
test_late_tick_connects(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 20000, RETRY_MS, FLAP_MS);
	server_fsm_activate(&r.f, 0);
	assert_int_equal(server_fsm_tick(&r.f, 33333), SERVER_ACT_CONNECT);
	assert_int_equal(server_fsm_next(&r.f), 48333);
}

/* Activating twice does not restart the initial-delay. */
static void
test_activate_twice(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 20000, RETRY_MS, FLAP_MS);
	assert_int_equal(server_fsm_activate(&r.f, 0), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_activate(&r.f, 10000), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_next(&r.f), 20000);
	assert_int_equal(server_fsm_tick(&r.f, 20000), SERVER_ACT_CONNECT);
	assert_int_equal(server_fsm_activate(&r.f, 21000), SERVER_ACT_NONE);
	assert_int_equal(r.f.state, SERVER_CONNECTING);
	assert_int_equal(r.f.attempts, 1);
}

/* server_fsm_next and changed_ms in each state, reached in order. */
static void
test_next_per_state(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 20000, RETRY_MS, FLAP_MS);
	assert_int_equal(server_fsm_next(&r.f), UINT64_MAX);
	server_fsm_activate(&r.f, 1000);
	assert_int_equal(server_fsm_next(&r.f), 21000);
	assert_int_equal(r.f.changed_ms, 1000);
	server_fsm_tick(&r.f, 21000);
	assert_int_equal(server_fsm_next(&r.f), 36000);
	assert_int_equal(r.f.changed_ms, 21000);
	server_fsm_connected(&r.f, 22000);
	assert_int_equal(r.f.state, SERVER_UP);
	assert_int_equal(server_fsm_next(&r.f), UINT64_MAX);
	assert_int_equal(r.f.changed_ms, 22000);
	assert_int_equal(r.f.up_since_ms, 22000);
	assert_int_equal(server_fsm_tick(&r.f, 99999999), SERVER_ACT_NONE);
	assert_int_equal(r.f.state, SERVER_UP);
	server_fsm_failed(&r.f, 23000);
	assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
	assert_int_equal(server_fsm_next(&r.f), 53000);
	assert_int_equal(r.f.changed_ms, 23000);
	/* Two more short-lived connections: the third waits flapping-delay. */
	r.now = 23000;
	connect_at_deadline(&r, 53000);
	up_then_fail(&r, 1000);
	connect_at_deadline(&r, 54007 + RETRY_MS);
	up_then_fail(&r, 1000);
	assert_int_equal(r.f.state, SERVER_FLAP_WAIT);
	assert_int_equal(server_fsm_next(&r.f), 85014 + FLAP_MS);
	server_fsm_deactivate(&r.f, 90000);
	assert_int_equal(server_fsm_next(&r.f), UINT64_MAX);
	assert_int_equal(r.f.changed_ms, 90000);
}

/* ---- failures and connect timeout ---- */

static void
test_connect_refused(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, RETRY_MS, FLAP_MS);
	server_fsm_activate(&r.f, 0);
	server_fsm_failed(&r.f, 300);
	assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
	assert_int_equal(server_fsm_next(&r.f), 30300);
	assert_int_equal(server_fsm_tick(&r.f, 30299), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_tick(&r.f, 30300), SERVER_ACT_CONNECT);
	assert_int_equal(r.f.state, SERVER_CONNECTING);
	assert_int_equal(r.f.attempts, 2);
	assert_int_equal(r.f.failures, 1);
}

static void
test_connect_timeout(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, RETRY_MS, FLAP_MS);
	server_fsm_activate(&r.f, 1000);
	assert_int_equal(server_fsm_tick(&r.f, 15999), SERVER_ACT_NONE);
	assert_int_equal(r.f.state, SERVER_CONNECTING);
	assert_int_equal(server_fsm_tick(&r.f, 16000), SERVER_ACT_CLOSE);
	assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
	assert_int_equal(r.f.failures, 1);
	assert_int_equal(server_fsm_next(&r.f), 46000);
	assert_int_equal(server_fsm_tick(&r.f, 16001), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_tick(&r.f, 46000), SERVER_ACT_CONNECT);
	assert_int_equal(r.f.attempts, 2);
	assert_int_equal(r.f.connects, 0);
}

/* failure-retry-delay 0: the timeout's CLOSE, then CONNECT on the next tick. */
static void
test_connect_timeout_zero_retry(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, 0, FLAP_MS);
	server_fsm_activate(&r.f, 0);
	assert_int_equal(server_fsm_tick(&r.f, 15000), SERVER_ACT_CLOSE);
	assert_int_equal(server_fsm_next(&r.f), 15000);
	assert_int_equal(server_fsm_tick(&r.f, 15000), SERVER_ACT_CONNECT);
	assert_int_equal(server_fsm_next(&r.f), 30000);
}

static void
test_failure_after_long_uptime(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, RETRY_MS, FLAP_MS);
	server_fsm_activate(&r.f, 0);
	server_fsm_connected(&r.f, 50);
	server_fsm_failed(&r.f, 600050);
	assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
	assert_int_equal(server_fsm_next(&r.f), 630050);
}

/* ---- flapping, table-driven ---- */

enum step_kind {
	UP_FOR,      /* connects, stays up `up_ms`, fails */
	REFUSED,     /* the attempt fails without connecting */
	TIMEOUT,     /* the attempt never completes: connect timeout */
};

struct step {
	enum step_kind kind;
	uint32_t up_ms;
	enum server_state after;    /* RETRY_WAIT or FLAP_WAIT */
};

#define SHORT(ms, s) { UP_FOR, ms, SERVER_##s }
#define LONG(ms, s) { UP_FOR, ms, SERVER_##s }
#define NOCONN(k, s) { k, 0, SERVER_##s }
#define W_ SERVER_FLAP_WINDOW_MS

struct flap_case {
	const char *name;
	size_t n;
	struct step steps[12];
};

static const struct flap_case flap_cases[] = {
	{ "third short-lived and later flap", 5, {
		SHORT(1000, RETRY_WAIT), SHORT(1000, RETRY_WAIT), SHORT(1000, FLAP_WAIT),
		SHORT(1000, FLAP_WAIT), SHORT(0, FLAP_WAIT) } },
	{ "just under the window is short-lived", 3, {
		SHORT(W_ - 1, RETRY_WAIT), SHORT(W_ - 1, RETRY_WAIT),
		SHORT(W_ - 1, FLAP_WAIT) } },
	{ "exactly the window is not short-lived", 4, {
		SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT), LONG(W_, RETRY_WAIT),
		SHORT(10, RETRY_WAIT) } },
	{ "a long connection clears the flap count", 7, {
		SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT), SHORT(10, FLAP_WAIT),
		LONG(W_, RETRY_WAIT), SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT),
		SHORT(10, FLAP_WAIT) } },
	{ "long in the middle restarts the run", 6, {
		SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT), LONG(W_ + 1, RETRY_WAIT),
		SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT), SHORT(10, FLAP_WAIT) } },
	{ "never-connected attempts do not add", 6, {
		NOCONN(REFUSED, RETRY_WAIT), NOCONN(TIMEOUT, RETRY_WAIT),
		SHORT(10, RETRY_WAIT), NOCONN(REFUSED, RETRY_WAIT),
		SHORT(10, RETRY_WAIT), NOCONN(TIMEOUT, RETRY_WAIT) } },
	{ "never-connected attempts do not clear", 6, {
		SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT), NOCONN(REFUSED, RETRY_WAIT),
		NOCONN(TIMEOUT, RETRY_WAIT), NOCONN(REFUSED, RETRY_WAIT),
		SHORT(10, FLAP_WAIT) } },
	{ "flapping stays damped while down", 8, {
		SHORT(10, RETRY_WAIT), SHORT(10, RETRY_WAIT), SHORT(10, FLAP_WAIT),
		NOCONN(REFUSED, FLAP_WAIT), NOCONN(TIMEOUT, FLAP_WAIT),
		NOCONN(REFUSED, FLAP_WAIT), SHORT(10, FLAP_WAIT), LONG(W_, RETRY_WAIT) } },
};

/* Play one step from CONNECTING; returns the action of the failure. */
static enum server_action
play_step(struct rig *r, const struct step *s)
{
	switch (s->kind) {
	case UP_FOR:
		up_then_fail(r, s->up_ms);
		return SERVER_ACT_NONE;
	case REFUSED:
		r->now += 3;
		server_fsm_failed(&r->f, r->now);
		return SERVER_ACT_NONE;
	case TIMEOUT:
		r->now += SERVER_CONNECT_TIMEOUT_MS;
		return server_fsm_tick(&r->f, r->now);
	}
	return SERVER_ACT_NONE;
}

static void
check_step(const struct flap_case *c, size_t i, const struct rig *r, enum server_action act)
{
	const struct step *s = &c->steps[i];
	uint64_t want_next = r->now + (s->after == SERVER_FLAP_WAIT ? FLAP_MS : RETRY_MS);
	enum server_action want_act = s->kind == TIMEOUT ? SERVER_ACT_CLOSE : SERVER_ACT_NONE;

	if (r->f.state != s->after || server_fsm_next(&r->f) != want_next || act != want_act) {
		print_error("%s, step %zu: state %s next %llu act %d, want %s %llu %d\n",
			    c->name, i, server_state_name(r->f.state),
			    (unsigned long long)server_fsm_next(&r->f), (int)act,
			    server_state_name(s->after), (unsigned long long)want_next,
			    (int)want_act);
		fail();
	}
}

static void
test_flap_table(void **st)
{
	(void)st;
	for (size_t c = 0; c < sizeof(flap_cases) / sizeof(flap_cases[0]); c++) {
		const struct flap_case *fc = &flap_cases[c];
		struct rig r;
		uint64_t flaps = 0;

		rig_init(&r, 0, RETRY_MS, FLAP_MS);
		r.now = 1000;
		assert_int_equal(server_fsm_activate(&r.f, r.now), SERVER_ACT_CONNECT);
		for (size_t i = 0; i < fc->n; i++) {
			enum server_action act = play_step(&r, &fc->steps[i]);

			check_step(fc, i, &r, act);
			flaps += fc->steps[i].after == SERVER_FLAP_WAIT;
			connect_at_deadline(&r, server_fsm_next(&r.f));
		}
		assert_int_equal(r.f.flap_waits, flaps);
		assert_int_equal(r.f.failures, fc->n);
		assert_int_equal(r.f.attempts, fc->n + 1);
	}
}

/* ---- deactivation ---- */

/* Bring a fresh station (initial-delay 20 s) into state s. */
static void
drive_to(struct rig *r, enum server_state s)
{
	rig_init(r, 20000, RETRY_MS, FLAP_MS);
	if (s == SERVER_IDLE)
		return;
	server_fsm_activate(&r->f, r->now);
	if (s == SERVER_INITIAL_WAIT)
		return;
	connect_at_deadline(r, 20000);
	if (s == SERVER_CONNECTING)
		return;
	if (s == SERVER_RETRY_WAIT) {
		server_fsm_failed(&r->f, ++r->now);
		return;
	}
	if (s == SERVER_FLAP_WAIT) {
		for (unsigned i = 1; i < SERVER_FLAP_COUNT; i++) {
			up_then_fail(r, 100);
			connect_at_deadline(r, r->now + RETRY_MS);
		}
		up_then_fail(r, 100);
		return;
	}
	server_fsm_connected(&r->f, ++r->now);
}

static const struct {
	enum server_state from;
	enum server_action act;
} deact_cases[] = {
	{ SERVER_IDLE, SERVER_ACT_NONE },
	{ SERVER_INITIAL_WAIT, SERVER_ACT_NONE },
	{ SERVER_CONNECTING, SERVER_ACT_CLOSE },
	{ SERVER_UP, SERVER_ACT_CLOSE },
	{ SERVER_RETRY_WAIT, SERVER_ACT_NONE },
	{ SERVER_FLAP_WAIT, SERVER_ACT_NONE },
};

/* After deactivation: idle, silent, deaf to stale socket events. */
static void
check_deactivated(struct rig *r)
{
	uint64_t a = r->f.attempts, c = r->f.connects, fl = r->f.failures;

	assert_int_equal(r->f.state, SERVER_IDLE);
	assert_int_equal(server_fsm_next(&r->f), UINT64_MAX);
	assert_int_equal(server_fsm_tick(&r->f, r->now), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_tick(&r->f, r->now + 15000), SERVER_ACT_NONE);
	assert_int_equal(server_fsm_tick(&r->f, r->now + 10000000), SERVER_ACT_NONE);
	server_fsm_connected(&r->f, r->now + 1);
	server_fsm_failed(&r->f, r->now + 2);
	assert_int_equal(r->f.state, SERVER_IDLE);
	assert_int_equal(r->f.attempts, a);
	assert_int_equal(r->f.connects, c);
	assert_int_equal(r->f.failures, fl);
	assert_int_equal(server_fsm_deactivate(&r->f, r->now + 3), SERVER_ACT_NONE);
}

static void
test_deactivate_each_state(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(deact_cases) / sizeof(deact_cases[0]); i++) {
		struct rig r;

		drive_to(&r, deact_cases[i].from);
		if (r.f.state != deact_cases[i].from) {
			print_error("drive_to %s got %s\n", server_state_name(deact_cases[i].from),
				    server_state_name(r.f.state));
			fail();
		}
		r.now += 500;
		if (server_fsm_deactivate(&r.f, r.now) != deact_cases[i].act) {
			print_error("deactivate from %s\n", server_state_name(deact_cases[i].from));
			fail();
		}
		check_deactivated(&r);

		/* Re-activation restarts initial-delay and forgets flapping. */
		r.now = 1000000;
		assert_int_equal(server_fsm_activate(&r.f, r.now), SERVER_ACT_NONE);
		assert_int_equal(r.f.state, SERVER_INITIAL_WAIT);
		connect_at_deadline(&r, 1020000);
		up_then_fail(&r, 100);
		assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
		assert_int_equal(server_fsm_next(&r.f), 1020107 + RETRY_MS);
	}
}

/* Flapping, deactivate, re-activate: the flap count starts from zero. */
static void
test_reactivate_clears_flap_count(void **st)
{
	struct rig r;

	(void)st;
	drive_to(&r, SERVER_FLAP_WAIT);
	server_fsm_deactivate(&r.f, r.now);
	r.now += 1000;
	server_fsm_activate(&r.f, r.now);
	connect_at_deadline(&r, r.now + 20000);
	for (unsigned i = 1; i < SERVER_FLAP_COUNT; i++) {
		up_then_fail(&r, 10);
		assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
		connect_at_deadline(&r, r.now + RETRY_MS);
	}
	up_then_fail(&r, 10);
	assert_int_equal(r.f.state, SERVER_FLAP_WAIT);
}

/* ---- delay changes ---- */

static void
test_set_delays_next_wait(void **st)
{
	static const struct server_delays fast = { 1000, 2000, 3000 };
	struct rig r;

	(void)st;
	rig_init(&r, 20000, RETRY_MS, FLAP_MS);
	server_fsm_activate(&r.f, 0);
	server_fsm_set_delays(&r.f, &fast);
	/* The running initial-delay keeps its 20 s. */
	assert_int_equal(server_fsm_next(&r.f), 20000);
	assert_int_equal(server_fsm_tick(&r.f, 1000), SERVER_ACT_NONE);
	connect_at_deadline(&r, 20000);
	server_fsm_failed(&r.f, 20100);
	assert_int_equal(server_fsm_next(&r.f), 22100);

	/* Changed during a retry wait: that wait is unchanged, the next one is. */
	server_fsm_set_delays(&r.f, &(struct server_delays){ 1000, 9000, 3000 });
	assert_int_equal(server_fsm_next(&r.f), 22100);
	r.now = 20100;
	connect_at_deadline(&r, 22100);
	server_fsm_failed(&r.f, 22200);
	assert_int_equal(server_fsm_next(&r.f), 31200);

	/* Flapping-delay changed during a flap wait. */
	r.now = 22200;
	connect_at_deadline(&r, 31200);
	up_then_fail(&r, 1);
	connect_at_deadline(&r, r.now + 9000);
	up_then_fail(&r, 1);
	connect_at_deadline(&r, r.now + 9000);
	up_then_fail(&r, 1);
	assert_int_equal(r.f.state, SERVER_FLAP_WAIT);
	assert_int_equal(server_fsm_next(&r.f), r.now + 3000);
	server_fsm_set_delays(&r.f, &(struct server_delays){ 1000, 9000, 50000 });
	assert_int_equal(server_fsm_next(&r.f), r.now + 3000);
	connect_at_deadline(&r, r.now + 3000);
	server_fsm_failed(&r.f, r.now);
	assert_int_equal(server_fsm_next(&r.f), r.now + 50000);
}

/* ---- counters and names ---- */

static void
test_counters(void **st)
{
	struct rig r;

	(void)st;
	rig_init(&r, 0, 1000, 5000);
	assert_int_equal(server_fsm_activate(&r.f, 0), SERVER_ACT_CONNECT); /* a1 */
	server_fsm_failed(&r.f, 10);                                         /* f1 */
	assert_int_equal(server_fsm_tick(&r.f, 1010), SERVER_ACT_CONNECT);   /* a2 */
	assert_int_equal(server_fsm_tick(&r.f, 16010), SERVER_ACT_CLOSE);    /* f2 */
	/* Stray events in a wait are ignored. */
	server_fsm_connected(&r.f, 16020);
	server_fsm_failed(&r.f, 16030);
	assert_int_equal(r.f.state, SERVER_RETRY_WAIT);
	r.now = 16010;
	connect_at_deadline(&r, 17010);                  /* a3 */
	up_then_fail(&r, 100);                           /* c1 f3, short 1 */
	connect_at_deadline(&r, r.now + 1000);           /* a4 */
	up_then_fail(&r, 100);                           /* c2 f4, short 2 */
	connect_at_deadline(&r, r.now + 1000);           /* a5 */
	up_then_fail(&r, 100);                           /* c3 f5, short 3: flap 1 */
	connect_at_deadline(&r, r.now + 5000);           /* a6 */
	server_fsm_failed(&r.f, ++r.now);                /* f6, flap 2 */
	connect_at_deadline(&r, r.now + 5000);           /* a7 */
	/* A second connected() while up does not count twice. */
	server_fsm_connected(&r.f, r.now);
	server_fsm_connected(&r.f, r.now + 1);
	r.now += SERVER_FLAP_WINDOW_MS;
	server_fsm_failed(&r.f, r.now);                  /* c4 f7, clears */
	connect_at_deadline(&r, r.now + 1000);           /* a8 */
	assert_int_equal(server_fsm_deactivate(&r.f, r.now), SERVER_ACT_CLOSE);

	assert_int_equal(r.f.attempts, 8);
	assert_int_equal(r.f.connects, 4);
	assert_int_equal(r.f.failures, 7);
	assert_int_equal(r.f.flap_waits, 2);
}

static void
test_state_names(void **st)
{
	static const struct {
		int s;
		const char *name;
	} names[] = {
		{ SERVER_IDLE, "Idle" },
		{ SERVER_INITIAL_WAIT, "Initial-delay" },
		{ SERVER_CONNECTING, "Connecting" },
		{ SERVER_UP, "Up" },
		{ SERVER_RETRY_WAIT, "Retry-wait" },
		{ SERVER_FLAP_WAIT, "Flap-wait" },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(server_state_name((enum server_state)names[i].s),
				    names[i].name);
	/* Out of range: some non-NULL text that is none of the state names. */
	static const int bad[] = { SERVER_FLAP_WAIT + 1, 100, -1 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *n = server_state_name((enum server_state)bad[i]);

		assert_non_null(n);
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			assert_string_not_equal(n, names[j].name);
	}
}

/* ---- vendor scenario ---- */

enum ev_kind { EV_ACTIVATE, EV_DEACTIVATE, EV_CONNECTED, EV_FAILED };

struct ev {
	uint64_t t;
	enum ev_kind kind;
};

struct act_at {
	uint64_t t;
	enum server_action act;
};

/*
 * initial-delay 20, failure-retry-delay 40, flapping-delay 120 (seconds),
 * the example values of the Cisco "bmp server" configuration guide. The
 * station refuses once, then flaps three times (each under 60 s up), then
 * the attempt hangs until the connect timeout, then a connection stays up
 * exactly 60 s (not short-lived), then one more short one; later the server
 * is deactivated and re-activated.
 */
static const struct ev vendor_events[] = {
	{ 0, EV_ACTIVATE },
	{ 20500, EV_FAILED },        /* refused: retry 40 s */
	{ 61000, EV_CONNECTED },
	{ 66000, EV_FAILED },        /* up 5 s: short 1, retry 40 s */
	{ 106100, EV_CONNECTED },
	{ 110000, EV_FAILED },       /* short 2, retry 40 s */
	{ 150200, EV_CONNECTED },
	{ 151000, EV_FAILED },       /* short 3: flapping 120 s */
	                             /* 271000 attempt hangs; timeout at 286000 */
	{ 406300, EV_CONNECTED },
	{ 466300, EV_FAILED },       /* up exactly 60 s: clears, retry 40 s */
	{ 506500, EV_CONNECTED },
	{ 507000, EV_FAILED },       /* short 1 again: retry 40 s */
	{ 548000, EV_CONNECTED },
	{ 560000, EV_DEACTIVATE },   /* CLOSE */
	{ 600000, EV_ACTIVATE },     /* initial-delay 20 s again */
};

static const struct act_at vendor_expect[] = {
	{ 20000, SERVER_ACT_CONNECT },
	{ 60500, SERVER_ACT_CONNECT },
	{ 106000, SERVER_ACT_CONNECT },
	{ 150000, SERVER_ACT_CONNECT },
	{ 271000, SERVER_ACT_CONNECT },
	{ 286000, SERVER_ACT_CLOSE },
	{ 406000, SERVER_ACT_CONNECT },
	{ 506300, SERVER_ACT_CONNECT },
	{ 547000, SERVER_ACT_CONNECT },
	{ 560000, SERVER_ACT_CLOSE },
	{ 620000, SERVER_ACT_CONNECT },
};

static enum server_action
apply_event(struct server_fsm *f, const struct ev *e)
{
	switch (e->kind) {
	case EV_ACTIVATE:
		return server_fsm_activate(f, e->t);
	case EV_DEACTIVATE:
		return server_fsm_deactivate(f, e->t);
	case EV_CONNECTED:
		server_fsm_connected(f, e->t);
		break;
	case EV_FAILED:
		server_fsm_failed(f, e->t);
		break;
	}
	return SERVER_ACT_NONE;
}

static void
test_vendor_scenario(void **st)
{
	static const struct server_delays d = { 20000, 40000, 120000 };
	const size_t n_ev = sizeof(vendor_events) / sizeof(vendor_events[0]);
	const size_t n_exp = sizeof(vendor_expect) / sizeof(vendor_expect[0]);
	struct act_at got[32];
	size_t n_got = 0, e = 0;
	struct server_fsm f;

	(void)st;
	server_fsm_init(&f, &d);
	/* A poll loop ticking every millisecond, events applied first. */
	for (uint64_t t = 0; t <= 630000; t++) {
		enum server_action a;

		for (; e < n_ev && vendor_events[e].t == t; e++) {
			a = apply_event(&f, &vendor_events[e]);
			if (a != SERVER_ACT_NONE && n_got < 32)
				got[n_got++] = (struct act_at){ t, a };
		}
		a = server_fsm_tick(&f, t);
		if (a != SERVER_ACT_NONE && n_got < 32)
			got[n_got++] = (struct act_at){ t, a };
	}
	assert_int_equal(e, n_ev);
	for (size_t i = 0; i < n_got && i < n_exp; i++) {
		if (got[i].t != vendor_expect[i].t || got[i].act != vendor_expect[i].act) {
			print_error("action %zu: %d at %llu, want %d at %llu\n", i, (int)got[i].act,
				    (unsigned long long)got[i].t, (int)vendor_expect[i].act,
				    (unsigned long long)vendor_expect[i].t);
			fail();
		}
	}
	assert_int_equal(n_got, n_exp);
	assert_int_equal(f.state, SERVER_CONNECTING);
	assert_int_equal(f.attempts, 9);
	assert_int_equal(f.connects, 6);
	assert_int_equal(f.failures, 7);
	assert_int_equal(f.flap_waits, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_idle),
		cmocka_unit_test(test_activate_no_initial_delay),
		cmocka_unit_test(test_activate_initial_delay),
		cmocka_unit_test(test_late_tick_connects),
		cmocka_unit_test(test_activate_twice),
		cmocka_unit_test(test_next_per_state),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_connect_timeout_zero_retry),
		cmocka_unit_test(test_failure_after_long_uptime),
		cmocka_unit_test(test_flap_table),
		cmocka_unit_test(test_deactivate_each_state),
		cmocka_unit_test(test_reactivate_clears_flap_count),
		cmocka_unit_test(test_set_delays_next_wait),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_vendor_scenario),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
