/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap-send: replay a capture's frames out of a Linux interface, as fast as
 * asked, for live feeding (bench/run's churn, latency and mixed scenarios).
 * tcpreplay tops out near 180k frames/s on a veth of this kind of box and
 * its --pps pacing falls short at high rates; this sends in batches with
 * sendmmsg() on an AF_PACKET socket (qdisc bypassed) and paces batches
 * against the monotonic clock, so the rate asked is the rate sent until
 * the CPU runs out.
 *
 *   pcap-send --iface IF --pcap FILE [--pps R] [--batch N]
 *
 * Without --pps: as fast as possible. Frames are sent in file order,
 * timestamps ignored. Prints "sent N bytes B seconds S retries R".
 * (bmptap-gen's DPDK transmit mode will do the same through a PMD.)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/wire.h"

#define MAX_BATCH 256
#define PCAP_HDR 24
#define REC_HDR 16

struct frames {
	const uint8_t *base;
	size_t size;
	struct iovec *iov;
	size_t n;
};

struct opts {
	const char *iface, *pcap;
	double pps;
	unsigned batch;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Record lengths are in the file's byte order: the magic tells which. */
static uint32_t
rec_u32(const uint8_t *p, bool big_endian)
{
	uint32_t be = wire_load_u32(p);

	return big_endian ? be : __builtin_bswap32(be);
}

static int
index_frames(struct frames *f)
{
	struct wire_cur c = wire_cur_make(f->base, f->size);
	uint32_t magic = wire_u32(&c);
	bool big_endian = magic == 0xa1b2c3d4u || magic == 0xa1b23c4du;
	size_t cap = 0;

	if (!big_endian && magic != 0xd4c3b2a1u && magic != 0x4d3cb2a1u)
		return -1;
	wire_skip(&c, PCAP_HDR - 4);
	while (c.left >= REC_HDR && !c.bad) {
		const uint8_t *h = wire_take(&c, REC_HDR);
		uint32_t len = rec_u32(h + 8, big_endian);
		const uint8_t *data = wire_take(&c, len);

		if (!data)
			return -1;
		if (f->n == cap) {
			cap = cap ? 2 * cap : 65536;
			struct iovec *v = realloc(f->iov, cap * sizeof(*v));
			if (!v)
				return -1;
			f->iov = v;
		}
		f->iov[f->n++] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
	}
	return c.bad ? -1 : 0;
}

static int
load(struct frames *f, const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	f->size = (size_t)st.st_size;
	f->base = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (f->base == MAP_FAILED)
		return -1;
	return index_frames(f);
}

static int
open_socket(const char *iface)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	int one = 1, sndbuf = 16 << 20;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(iface) };

	if (fd < 0 || !sll.sll_ifindex)
		return -1;
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until frame number `i` is due at `pps` (spin the last 50 us). */
static void
pace(double t0, size_t i, double pps)
{
	double due = t0 + (double)i / pps, left;

	while ((left = due - now()) > 0) {
		if (left > 50e-6) {
			struct timespec ts = { 0, (long)((left - 50e-6) * 1e9) };
			nanosleep(&ts, NULL);
		}
	}
}

/* Send frames [i, i + n): returns how many went, -1 on a hard error. */
static int
send_batch(int fd, const struct frames *f, size_t i, unsigned n, uint64_t *retries)
{
	struct mmsghdr msg[MAX_BATCH];

	for (unsigned k = 0; k < n; k++)
		msg[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &f->iov[i + k], .msg_iovlen = 1 } };
	for (;;) {
		int r = sendmmsg(fd, msg, n, 0);

		if (r > 0)
			return r;
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			return -1;
		(*retries)++;
	}
}

static int
run(const struct opts *o, const struct frames *f)
{
	int fd = open_socket(o->iface);
	uint64_t bytes = 0, retries = 0;
	size_t i = 0;

	if (fd < 0) {
		fprintf(stderr, "pcap-send: %s: %s\n", o->iface, strerror(errno));
		return 1;
	}
	double t0 = now();
	while (i < f->n) {
		unsigned n = f->n - i < o->batch ? (unsigned)(f->n - i) : o->batch;

		if (o->pps > 0)
			pace(t0, i, o->pps);
		int r = send_batch(fd, f, i, n, &retries);
		if (r < 0) {
			fprintf(stderr, "pcap-send: sendmmsg: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		for (int k = 0; k < r; k++)
			bytes += f->iov[i + (size_t)k].iov_len;
		i += (size_t)r;
	}
	double secs = now() - t0;
	close(fd);
	printf("sent %zu bytes %" PRIu64 " seconds %.6f retries %" PRIu64 "\n", i, bytes, secs,
	       retries);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .batch = 32 };
	struct frames f = { 0 };

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--iface"))
			o.iface = argv[i + 1];
		else if (!strcmp(argv[i], "--pcap"))
			o.pcap = argv[i + 1];
		else if (!strcmp(argv[i], "--pps"))
			o.pps = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--batch"))
			o.batch = (unsigned)strtoul(argv[i + 1], NULL, 0);
	}
	if (!o.iface || !o.pcap || argc % 2 == 0 || o.batch == 0 || o.batch > MAX_BATCH) {
		fprintf(stderr, "usage: pcap-send --iface IF --pcap FILE [--pps R] [--batch N]\n");
		return 2;
	}
	if (load(&f, o.pcap) != 0) {
		fprintf(stderr, "pcap-send: %s: not a readable classic pcap\n", o.pcap);
		return 1;
	}
	return run(&o, &f);
}
