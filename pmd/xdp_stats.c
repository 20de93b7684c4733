/* SPDX-License-Identifier: BSD-3-Clause */
/* Reader of the XDP filter's per-CPU counters, through libbpf. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmd/xdp_config.h"
#include "pmd/xdp_stats.h"

#if BMPTAP_XDP

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "pmd/xdp/bgp_filter.h"

#define MAX_PROG_MAPS 16

static const char *const counter_names[BGP_FILTER__COUNT] = {
	[BGP_FILTER_REDIRECTED] = "redirected",
	[BGP_FILTER_NO_SOCKET] = "no_socket",
	[BGP_FILTER_NOT_IP] = "not_ip",
	[BGP_FILTER_NOT_TCP] = "not_tcp",
	[BGP_FILTER_NOT_BGP] = "not_bgp",
	[BGP_FILTER_FRAGMENT] = "fragment",
	[BGP_FILTER_TRUNCATED] = "truncated",
	[BGP_FILTER_MALFORMED] = "malformed",
};

/* fd of the filter's counter map if map id is it, else -1. */
static int
counts_map_fd(uint32_t id)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		return -1;
	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) == 0 &&
	    strcmp(mi.name, BGP_FILTER_COUNTS) == 0 && mi.type == BPF_MAP_TYPE_PERCPU_ARRAY &&
	    mi.value_size == sizeof(uint64_t) && mi.max_entries >= BGP_FILTER__COUNT)
		return fd;
	close(fd);
	return -1;
}

/* The counter map among program id's maps, or -ENOENT. */
static int
prog_counts_fd(uint32_t id)
{
	uint32_t ids[MAX_PROG_MAPS];
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = MAX_PROG_MAPS;
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	int rc = bpf_obj_get_info_by_fd(fd, &pi, &len) == 0 ? -ENOENT : -errno;
	close(fd);
	for (uint32_t i = 0; rc == -ENOENT && i < pi.nr_map_ids && i < MAX_PROG_MAPS; i++) {
		int mfd = counts_map_fd(ids[i]);
		if (mfd >= 0)
			rc = mfd;
	}
	return rc;
}

/* The counter map of the filter on ifindex, whatever the attach mode. */
static int
find_counts_fd(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int rc = bpf_xdp_query(ifindex, 0, &q);

	if (rc != 0)
		return rc;
	const uint32_t ids[] = { q.drv_prog_id, q.skb_prog_id, q.hw_prog_id };
	rc = -ENOENT;
	for (size_t i = 0; rc < 0 && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i])
			rc = prog_counts_fd(ids[i]);
	return rc;
}

/* Sum of counter key over the CPUs into *sum. */
static int
read_counter(int fd, uint32_t key, uint64_t *vals, int ncpu, uint64_t *sum)
{
	if (bpf_map_lookup_elem(fd, &key, vals) != 0)
		return -errno;
	*sum = 0;
	for (int c = 0; c < ncpu; c++)
		*sum += vals[c];
	return 0;
}

int
xdp_stats_read(const char *ifname,
	       void (*fn)(void *arg, const char *scope, const char *name, uint64_t value),
	       void *arg)
{
	int ifindex = (int)if_nametoindex(ifname);
	int ncpu = libbpf_num_possible_cpus();

	if (ifindex == 0)
		return -ENODEV;
	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	int fd = find_counts_fd(ifindex);
	if (fd < 0)
		return fd;
	uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));
	uint64_t sums[BGP_FILTER__COUNT];
	int rc = vals ? 0 : -ENOMEM;
	for (uint32_t k = 0; rc == 0 && k < BGP_FILTER__COUNT; k++)
		rc = read_counter(fd, k, vals, ncpu, &sums[k]);
	free(vals);
	close(fd);
	if (rc != 0)
		return rc;
	char scope[IF_NAMESIZE + 8];
	snprintf(scope, sizeof(scope), "xdp.%s", ifname);
	for (uint32_t k = 0; k < BGP_FILTER__COUNT; k++)
		fn(arg, scope, counter_names[k], sums[k]);
	return 0;
}

#else /* !BMPTAP_XDP */

int
xdp_stats_read(const char *ifname,
	       void (*fn)(void *arg, const char *scope, const char *name, uint64_t value),
	       void *arg)
{
	(void)ifname;
	(void)fn;
	(void)arg;
	return -ENOTSUP;
}

#endif
