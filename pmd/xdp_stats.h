/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Counters of the XDP filter (pmd/xdp/bgp_filter.bpf.c) that bmptapd
 * --xdp attaches in front of its AF_XDP socket: what the filter dropped
 * in the driver, by reason, never reaches bmptapd's own counters.
 *
 * The reader finds the program attached to the interface (native or
 * generic mode), then its per-CPU counter map by name, and sums the CPUs.
 * Nothing is kept between calls: a program replaced in between is read
 * afresh. Needs CAP_SYS_ADMIN (or CAP_BPF), as attaching it did.
 */
#ifndef BMPTAP_XDP_STATS_H
#define BMPTAP_XDP_STATS_H

#include <stdint.h>

/**
 * Pass every counter of the filter on ifname to fn, as scope
 * "xdp.<ifname>", name the reason ("redirected", "no_socket", "not_ip",
 * "not_tcp", "not_bgp", "fragment", "truncated", "malformed") and the sum
 * over all CPUs. fn has the shape of struct counter_visitor's (pipeline.h).
 *
 * @return 0; -ENODEV: no such interface; -ENOENT: no XDP program, or not
 *         bmptap's filter; -ENOTSUP: bmptapd built without XDP support;
 *         other -errno from the bpf system call.
 */
int xdp_stats_read(const char *ifname,
		   void (*fn)(void *arg, const char *scope, const char *name, uint64_t value),
		   void *arg);

#endif
