/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread's event loop: epoll for descriptors, a sorted list
 * of one-shot timers on the monotonic clock. Small on purpose.
 */
#ifndef BMPTAP_EVLOOP_H
#define BMPTAP_EVLOOP_H

#include <stdint.h>

struct evloop;

typedef void (*evloop_fd_cb)(struct evloop *el, int fd, uint32_t events, void *arg);
typedef void (*evloop_timer_cb)(struct evloop *el, void *arg);

/** NULL with errno set. */
struct evloop *evloop_create(void);
void evloop_destroy(struct evloop *el);

/** events: EPOLLIN / EPOLLOUT. 0 or -errno. */
int evloop_add_fd(struct evloop *el, int fd, uint32_t events, evloop_fd_cb cb, void *arg);
int evloop_mod_fd(struct evloop *el, int fd, uint32_t events);
void evloop_del_fd(struct evloop *el, int fd);

/** One-shot timer; returns an id > 0, or 0 when out of memory. */
uint64_t evloop_add_timer(struct evloop *el, uint64_t after_ms, evloop_timer_cb cb, void *arg);
void evloop_del_timer(struct evloop *el, uint64_t id);

/** Milliseconds of the monotonic clock. */
uint64_t evloop_now_ms(void);

/** Wait at most max_wait_ms (or until the next timer), dispatch. */
int evloop_run_once(struct evloop *el, int max_wait_ms);

#endif
