/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop: descriptor callbacks, one-shot timers
 * and how long evloop_run_once sleeps. Timing assertions are one-sided
 * and loose (never "fired within N ms"), so a loaded machine cannot fail
 * them; a watchdog alarm turns a loop that would block forever into a
 * failure instead of a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/evloop.h"

#define MAX_FIRED 32

/* What the callbacks saw, in order. */
struct trace {
	int fired[MAX_FIRED];
	int n;
	uint64_t at_ns[MAX_FIRED];
	int fd_seen[MAX_FIRED];
	uint32_t events[MAX_FIRED];
};

struct tctx {
	struct trace *tr;
	int tag;
	uint64_t other_id;          /* a timer to delete or to add after */
	struct tctx *next;          /* context of the timer added by this one */
	int fd;                     /* a descriptor to delete */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
record(struct trace *tr, int tag)
{
	assert_true(tr->n < MAX_FIRED);
	tr->at_ns[tr->n] = now_ns();
	tr->fired[tr->n++] = tag;
}

static void
on_timer(struct evloop *el, void *arg)
{
	(void)el;
	struct tctx *c = arg;
	record(c->tr, c->tag);
}

/* Run the loop until `want` callbacks have fired, or give up after 3 s. */
static void
run_until(struct evloop *el, struct trace *tr, int want)
{
	uint64_t t0 = now_ns();
	while (tr->n < want && now_ns() - t0 < 3000000000ull)
		assert_true(evloop_run_once(el, 100) >= 0);
	assert_int_equal(tr->n, want);
}

/* Keep calling the loop for ms milliseconds. */
static void
run_for(struct evloop *el, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000u;
	while (now_ns() < end)
		assert_true(evloop_run_once(el, 5) >= 0);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* epoll_wait returns EINTR on SIGALRM: a call that would block forever
 * comes back after `secs`. */
static void
watchdog(unsigned secs)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
}

/* ---- descriptors ---- */

static void
on_readable(struct evloop *el, int fd, uint32_t events, void *arg)
{
	(void)el;
	struct tctx *c = arg;
	char buf[16];
	c->tr->fd_seen[c->tr->n] = fd;
	c->tr->events[c->tr->n] = events;
	record(c->tr, c->tag);
	(void)!read(fd, buf, sizeof(buf));
}

static void
test_fd_callback(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c = { .tr = &tr, .tag = 7 };
	int p[2];
	assert_non_null(el);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(evloop_add_fd(el, p[0], EPOLLIN, on_readable, &c), 0);

	assert_true(evloop_run_once(el, 0) >= 0);
	assert_int_equal(tr.n, 0);                  /* nothing to read yet */

	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(evloop_run_once(el, 1000) >= 0);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.fired[0], 7);
	assert_int_equal(tr.fd_seen[0], p[0]);
	assert_true(tr.events[0] & EPOLLIN);

	/* level-triggered: read drained it, no second call */
	assert_true(evloop_run_once(el, 0) >= 0);
	assert_int_equal(tr.n, 1);

	/* deleted: data waits, nobody is called */
	evloop_del_fd(el, p[0]);
	assert_int_equal(write(p[1], "y", 1), 1);
	uint64_t t0 = now_ns();
	assert_true(evloop_run_once(el, 20) >= 0);
	assert_int_equal(tr.n, 1);
	assert_true(now_ns() - t0 >= 15000000u);    /* it did wait, not spin */

	/* and it can be added again */
	assert_int_equal(evloop_add_fd(el, p[0], EPOLLIN, on_readable, &c), 0);
	assert_true(evloop_run_once(el, 1000) >= 0);
	assert_int_equal(tr.n, 2);
	evloop_destroy(el);
	close(p[0]);
	close(p[1]);
}

static void
test_fd_mod_and_errors(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c = { .tr = &tr, .tag = 1 };
	int p[2];
	assert_non_null(el);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);

	/* the write end never becomes readable; once asked, it is writable */
	assert_int_equal(evloop_add_fd(el, p[1], EPOLLIN, on_readable, &c), 0);
	assert_true(evloop_run_once(el, 0) >= 0);
	assert_int_equal(tr.n, 0);
	assert_int_equal(evloop_mod_fd(el, p[1], EPOLLOUT), 0);
	assert_true(evloop_run_once(el, 1000) >= 0);
	assert_int_equal(tr.n, 1);
	assert_true(tr.events[0] & EPOLLOUT);

	assert_int_equal(evloop_add_fd(el, p[1], EPOLLOUT, on_readable, &c), -EEXIST);
	assert_true(evloop_add_fd(el, -1, EPOLLIN, on_readable, &c) < 0);
	assert_true(evloop_mod_fd(el, p[0], EPOLLIN) < 0);  /* never added */
	int closed = dup(p[0]);
	close(closed);
	assert_true(evloop_add_fd(el, closed, EPOLLIN, on_readable, &c) < 0);
	evloop_del_fd(el, p[0]);                            /* never added: no-op */
	evloop_del_fd(el, -1);
	evloop_destroy(el);
	close(p[0]);
	close(p[1]);
}

/* A callback that removes the other descriptor: its pending event, already
 * collected by the same epoll_wait, must not be delivered. */
static void
on_readable_del_other(struct evloop *el, int fd, uint32_t events, void *arg)
{
	struct tctx *c = arg;
	on_readable(el, fd, events, arg);
	evloop_del_fd(el, c->fd);
}

static void
test_fd_callback_deletes_other(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	int a[2], b[2];
	assert_non_null(el);
	assert_int_equal(pipe2(a, O_NONBLOCK), 0);
	assert_int_equal(pipe2(b, O_NONBLOCK), 0);
	struct tctx ca = { .tr = &tr, .tag = 1, .fd = b[0] };
	struct tctx cb = { .tr = &tr, .tag = 2, .fd = a[0] };
	assert_int_equal(evloop_add_fd(el, a[0], EPOLLIN, on_readable_del_other, &ca), 0);
	assert_int_equal(evloop_add_fd(el, b[0], EPOLLIN, on_readable_del_other, &cb), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_true(evloop_run_once(el, 1000) >= 0);
	assert_int_equal(tr.n, 1);
	run_for(el, 20);
	assert_int_equal(tr.n, 1);
	evloop_destroy(el);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* ---- timers ---- */

static void
test_timer_order(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	static const struct {
		int tag;
		uint64_t after;
	} plan[] = {
		{ 1, 60 }, { 2, 20 }, { 3, 40 }, { 4, 0 }, { 5, 20 }, { 6, 0 }, { 7, 40 }, { 8, 0 },
	};
	static const int want[] = { 4, 6, 8, 2, 5, 3, 7, 1 };
	struct tctx c[8];
	uint64_t ids[8];
	assert_non_null(el);
	uint64_t t0 = now_ns();
	for (int i = 0; i < 8; i++) {
		c[i] = (struct tctx){ .tr = &tr, .tag = plan[i].tag };
		ids[i] = evloop_add_timer(el, plan[i].after, on_timer, &c[i]);
		assert_true(ids[i] > 0);
		for (int k = 0; k < i; k++)
			assert_true(ids[k] != ids[i]);
	}
	run_until(el, &tr, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(tr.fired[i], want[i]);
		uint64_t after = 0;
		for (int k = 0; k < 8; k++)
			if (plan[k].tag == tr.fired[i])
				after = plan[k].after;
		/* never early (1 ms of slack for the millisecond clock) */
		assert_true(tr.at_ns[i] - t0 + 1000000u >= after * 1000000u);
	}
	evloop_destroy(el);
}

/* Timers with the same deadline run in the order they were added. */
static void
test_equal_deadlines_fifo(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c[12];
	assert_non_null(el);
	for (int i = 0; i < 12; i++) {
		c[i] = (struct tctx){ .tr = &tr, .tag = i };
		assert_true(evloop_add_timer(el, 0, on_timer, &c[i]) > 0);
	}
	run_until(el, &tr, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(tr.fired[i], i);
	evloop_destroy(el);
}

static void
test_del_timer(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx a = { .tr = &tr, .tag = 1 }, b = { .tr = &tr, .tag = 2 },
		    c = { .tr = &tr, .tag = 3 };
	assert_non_null(el);
	uint64_t ia = evloop_add_timer(el, 10, on_timer, &a);
	uint64_t ib = evloop_add_timer(el, 10, on_timer, &b);
	uint64_t ic = evloop_add_timer(el, 5, on_timer, &c);
	evloop_del_timer(el, ib);
	evloop_del_timer(el, ib);           /* twice: no-op */
	evloop_del_timer(el, 0);            /* never an id */
	evloop_del_timer(el, ia + ib + ic); /* unknown */
	run_until(el, &tr, 2);
	assert_int_equal(tr.fired[0], 3);
	assert_int_equal(tr.fired[1], 1);
	run_for(el, 30);
	assert_int_equal(tr.n, 2);
	evloop_del_timer(el, ia);           /* already fired: no-op */
	evloop_destroy(el);
}

/* A 50 ms timer and an unbounded wait: one call sleeps until the timer is
 * due and runs it; not earlier, and not by spinning through many calls. */
static void
test_run_once_sleeps_until_timer(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c = { .tr = &tr, .tag = 1 };
	assert_non_null(el);
	uint64_t t0 = now_ns();
	assert_true(evloop_add_timer(el, 50, on_timer, &c) > 0);
	watchdog(5);
	int calls = 0;
	while (tr.n == 0 && now_ns() - t0 < 3000000000ull) {
		assert_true(evloop_run_once(el, -1) >= 0);
		calls++;
	}
	alarm(0);
	uint64_t took = now_ns() - t0;
	print_message("  50 ms timer: %d call(s), fired after %.2f ms\n", calls, took / 1e6);
	assert_int_equal(tr.n, 1);
	assert_int_equal(calls, 1);
	assert_true(tr.at_ns[0] - t0 >= 49000000u);  /* ms clock: <= 1 ms early */
	assert_true(took < 2000000000u);

	/* the same with a long max wait: the timer still bounds the sleep */
	tr.n = 0;
	t0 = now_ns();
	assert_true(evloop_add_timer(el, 50, on_timer, &c) > 0);
	watchdog(5);
	assert_true(evloop_run_once(el, 10000) >= 0);
	alarm(0);
	assert_int_equal(tr.n, 1);
	assert_true(now_ns() - t0 >= 49000000u);
	assert_true(now_ns() - t0 < 2000000000u);
	evloop_destroy(el);
}

/* max_wait bounds the sleep when the timer is later. */
static void
test_run_once_max_wait(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c = { .tr = &tr, .tag = 1 };
	assert_non_null(el);
	assert_true(evloop_add_timer(el, 1000, on_timer, &c) > 0);
	uint64_t t0 = now_ns();
	watchdog(5);
	assert_true(evloop_run_once(el, 20) >= 0);
	alarm(0);
	uint64_t took = now_ns() - t0;
	assert_int_equal(tr.n, 0);
	assert_true(took >= 15000000u);
	assert_true(took < 900000000u);

	/* no timer at all: max_wait alone */
	evloop_destroy(el);
	el = evloop_create();
	assert_non_null(el);
	t0 = now_ns();
	assert_true(evloop_run_once(el, 20) >= 0);
	assert_true(now_ns() - t0 >= 15000000u);
	evloop_destroy(el);
}

/* A timer weeks away must not turn the wait into "forever" (or "now"). */
static void
test_far_timers(void **state)
{
	(void)state;
	static const uint64_t far[] = { 3000000000ull, (1ull << 32) + 10, UINT64_MAX / 2,
					UINT64_MAX };
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		struct evloop *el = evloop_create();
		struct trace tr = { 0 };
		struct tctx c = { .tr = &tr, .tag = 1 };
		assert_non_null(el);
		assert_true(evloop_add_timer(el, far[i], on_timer, &c) > 0);
		uint64_t t0 = now_ns();
		watchdog(3);
		assert_true(evloop_run_once(el, 20) >= 0);
		alarm(0);
		uint64_t took = now_ns() - t0;
		print_message("  after %llu ms: waited %.1f ms, fired %d\n",
			      (unsigned long long)far[i], took / 1e6, tr.n);
		assert_int_equal(tr.n, 0);
		assert_true(took >= 15000000u);     /* waited max_wait ... */
		assert_true(took < 1000000000u);    /* ... not until the watchdog */
		evloop_destroy(el);
	}
}

/* A callback arming the next timer: it runs later, not in the same call. */
static void
on_timer_chain(struct evloop *el, void *arg)
{
	struct tctx *c = arg;
	record(c->tr, c->tag);
	if (c->next)
		c->other_id = evloop_add_timer(el, 20, on_timer_chain, c->next);
}

static void
test_timer_adds_timer(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c3 = { .tr = &tr, .tag = 3 };
	struct tctx c2 = { .tr = &tr, .tag = 2, .next = &c3 };
	struct tctx c1 = { .tr = &tr, .tag = 1, .next = &c2 };
	assert_non_null(el);
	assert_true(evloop_add_timer(el, 0, on_timer_chain, &c1) > 0);
	assert_true(evloop_run_once(el, 1000) >= 0);
	assert_int_equal(tr.n, 1);
	assert_true(c1.other_id > 0);
	run_until(el, &tr, 3);
	assert_int_equal(tr.fired[1], 2);
	assert_int_equal(tr.fired[2], 3);
	assert_true(tr.at_ns[1] - tr.at_ns[0] >= 19000000u);
	assert_true(tr.at_ns[2] - tr.at_ns[1] >= 19000000u);
	evloop_destroy(el);
}

/* A callback re-arming itself with no delay: once per call, so that the
 * descriptors get their turn in between. */
static void
on_timer_rearm(struct evloop *el, void *arg)
{
	struct tctx *c = arg;
	c->tag++;
	c->other_id = evloop_add_timer(el, 0, on_timer_rearm, c);
}

static void
test_timer_rearms_itself(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c = { .tr = &tr, .tag = 0 };
	struct tctx rc = { .tr = &tr, .tag = 100 };
	int p[2];
	assert_non_null(el);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(evloop_add_fd(el, p[0], EPOLLIN, on_readable, &rc), 0);
	assert_true(evloop_add_timer(el, 0, on_timer_rearm, &c) > 0);
	for (int call = 1; call <= 5; call++) {
		assert_int_equal(write(p[1], "x", 1), 1);
		assert_true(evloop_run_once(el, 1000) >= 0);
		assert_int_equal(c.tag, call);
		assert_int_equal(tr.n, call);           /* the pipe was served too */
	}
	evloop_del_timer(el, c.other_id);
	assert_true(evloop_run_once(el, 10) >= 0);
	assert_int_equal(c.tag, 5);
	evloop_destroy(el);
	close(p[0]);
	close(p[1]);
}

/* A callback deleting another timer due in the same call, and itself. */
static void
on_timer_del(struct evloop *el, void *arg)
{
	struct tctx *c = arg;
	record(c->tr, c->tag);
	evloop_del_timer(el, c->other_id);
}

static void
test_timer_deletes_timer(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx a = { .tr = &tr, .tag = 1 }, b = { .tr = &tr, .tag = 2 },
		    s = { .tr = &tr, .tag = 3 };
	assert_non_null(el);
	uint64_t ia = evloop_add_timer(el, 0, on_timer_del, &a);
	a.other_id = evloop_add_timer(el, 0, on_timer, &b);
	s.other_id = evloop_add_timer(el, 0, on_timer_del, &s);    /* deletes itself */
	assert_true(ia > 0 && a.other_id > 0 && s.other_id > 0);
	run_until(el, &tr, 2);
	assert_int_equal(tr.fired[0], 1);
	assert_int_equal(tr.fired[1], 3);
	run_for(el, 20);
	assert_int_equal(tr.n, 2);
	evloop_destroy(el);
}

/* Pending timers and descriptors at destroy time: no leak, no call. */
static void
test_destroy_with_pending(void **state)
{
	(void)state;
	struct evloop *el = evloop_create();
	struct trace tr = { 0 };
	struct tctx c = { .tr = &tr, .tag = 1 };
	int p[2];
	assert_non_null(el);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(evloop_add_fd(el, p[0], EPOLLIN, on_readable, &c), 0);
	for (int i = 0; i < 5; i++)
		assert_true(evloop_add_timer(el, 1000 + i, on_timer, &c) > 0);
	evloop_destroy(el);
	evloop_destroy(NULL);
	assert_int_equal(tr.n, 0);
	/* the descriptors are the caller's: still open */
	assert_int_equal(write(p[1], "x", 1), 1);
	close(p[0]);
	close(p[1]);
}

static void
test_now_ms(void **state)
{
	(void)state;
	uint64_t a = evloop_now_ms();
	struct timespec ts = { 0, 30000000 };
	nanosleep(&ts, NULL);
	uint64_t b = evloop_now_ms();
	assert_true(b >= a + 29);
	assert_true(b < a + 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_callback),
		cmocka_unit_test(test_fd_mod_and_errors),
		cmocka_unit_test(test_fd_callback_deletes_other),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_equal_deadlines_fifo),
		cmocka_unit_test(test_del_timer),
		cmocka_unit_test(test_run_once_sleeps_until_timer),
		cmocka_unit_test(test_run_once_max_wait),
		cmocka_unit_test(test_far_timers),
		cmocka_unit_test(test_timer_adds_timer),
		cmocka_unit_test(test_timer_rearms_itself),
		cmocka_unit_test(test_timer_deletes_timer),
		cmocka_unit_test(test_destroy_with_pending),
		cmocka_unit_test(test_now_ms),
	};
	return cmocka_run_group_tests_name("evloop", tests, NULL, NULL);
}
