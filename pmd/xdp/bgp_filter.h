/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the XDP filter (bgp_filter.bpf.c) and its user-space readers share:
 * the names of its maps and the index of each counter in the per-CPU
 * counter array. Included by BPF and host code alike: no libc here.
 */
#ifndef BMPTAP_BGP_FILTER_H
#define BMPTAP_BGP_FILTER_H

/** XSKMAP keyed by RX queue; DPDK's af_xdp PMD looks it up by this name. */
#define BGP_FILTER_XSKMAP "xsks_map"
/** Per-CPU array of u64 counters, indexed by enum bgp_filter_counter.
 * Kernel object names keep 15 characters: this one fits whole, so that
 * readers can find it by name (bpftool, xdp_stats.c). */
#define BGP_FILTER_COUNTS "bgp_filter_cnt"
/** Entries of the XSKMAP: RX queues a socket can be bound to. */
#define BGP_FILTER_MAX_QUEUES 256

/**
 * One counter per verdict. Every verdict but BGP_FILTER_REDIRECTED is an
 * XDP_DROP; the drop reasons follow bmptap's classifier (classify.h) so
 * that a frame the filter drops would have been dropped for the same
 * reason in user space.
 */
enum bgp_filter_counter {
	BGP_FILTER_REDIRECTED = 0, /**< BGP frame handed to the AF_XDP socket */
	BGP_FILTER_NO_SOCKET,      /**< BGP frame, but no socket on its RX queue */
	BGP_FILTER_NOT_IP,         /**< ARP, LLDP, any other ethertype */
	BGP_FILTER_NOT_TCP,        /**< IP, but UDP, ICMP, ESP, ... */
	BGP_FILTER_NOT_BGP,        /**< TCP, neither port is 179 */
	BGP_FILTER_FRAGMENT,       /**< IPv4 fragment, or IPv6 Fragment header */
	BGP_FILTER_TRUNCATED,      /**< frame ends inside a header or payload */
	BGP_FILTER_MALFORMED,      /**< bad version, header length, too many tags */
	BGP_FILTER__COUNT
};

#endif
