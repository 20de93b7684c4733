/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"

#define MAX_FDS 1024
#define MAX_EVENTS 64

struct fd_handler {
	evloop_fd_cb cb;
	void *arg;
};

struct timer {
	uint64_t id;
	uint64_t when_ms;
	evloop_timer_cb cb;
	void *arg;
	struct timer *next;         /* sorted by when_ms, then id */
};

struct evloop {
	int epfd;
	struct fd_handler fds[MAX_FDS];
	struct timer *timers;
	uint64_t next_id;
};

uint64_t
evloop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct evloop *
evloop_create(void)
{
	struct evloop *el = calloc(1, sizeof(*el));
	if (!el)
		return NULL;
	el->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (el->epfd < 0) {
		free(el);
		return NULL;
	}
	return el;
}

void
evloop_destroy(struct evloop *el)
{
	if (!el)
		return;
	while (el->timers) {
		struct timer *t = el->timers;
		el->timers = t->next;
		free(t);
	}
	close(el->epfd);
	free(el);
}

int
evloop_add_fd(struct evloop *el, int fd, uint32_t events, evloop_fd_cb cb, void *arg)
{
	if (fd < 0 || fd >= MAX_FDS)
		return -EMFILE;
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (epoll_ctl(el->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	el->fds[fd] = (struct fd_handler){ cb, arg };
	return 0;
}

int
evloop_mod_fd(struct evloop *el, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	return epoll_ctl(el->epfd, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : -errno;
}

void
evloop_del_fd(struct evloop *el, int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	epoll_ctl(el->epfd, EPOLL_CTL_DEL, fd, NULL);
	el->fds[fd] = (struct fd_handler){ NULL, NULL };
}

uint64_t
evloop_add_timer(struct evloop *el, uint64_t after_ms, evloop_timer_cb cb, void *arg)
{
	struct timer *t = malloc(sizeof(*t));
	if (!t)
		return 0;
	uint64_t now = evloop_now_ms();
	/* saturate: a wrapped deadline would fire at once */
	uint64_t when = after_ms > UINT64_MAX - now ? UINT64_MAX : now + after_ms;
	*t = (struct timer){ ++el->next_id, when, cb, arg, NULL };
	struct timer **pp = &el->timers;
	while (*pp && (*pp)->when_ms <= t->when_ms)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	return t->id;
}

void
evloop_del_timer(struct evloop *el, uint64_t id)
{
	for (struct timer **pp = &el->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;
			*pp = t->next;
			free(t);
			return;
		}
	}
}

static void
run_timers(struct evloop *el)
{
	uint64_t now = evloop_now_ms(), last_id = el->next_id;
	/* only timers armed before this call: one re-arming itself with no
	 * delay would otherwise run until the clock ticks, starving the fds
	 * (new timers sort after every timer already due) */
	while (el->timers && el->timers->when_ms <= now && el->timers->id <= last_id) {
		struct timer *t = el->timers;
		el->timers = t->next;
		t->cb(el, t->arg);
		free(t);
	}
}

int
evloop_run_once(struct evloop *el, int max_wait_ms)
{
	int wait = max_wait_ms;
	if (el->timers) {
		uint64_t now = evloop_now_ms(), when = el->timers->when_ms;
		/* clamped: a negative epoll timeout would wait forever */
		int until = when <= now ? 0 : when - now > INT_MAX ? INT_MAX : (int)(when - now);
		if (wait < 0 || until < wait)
			wait = until;
	}
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(el->epfd, evs, MAX_EVENTS, wait);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		struct fd_handler *h = &el->fds[evs[i].data.fd];
		if (h->cb)
			h->cb(el, evs[i].data.fd, evs[i].events, h->arg);
	}
	run_timers(el);
	return n < 0 ? 0 : n;
}
