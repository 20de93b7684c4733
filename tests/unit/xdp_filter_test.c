/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP filter (pmd/xdp/bgp_filter.bpf.c), loaded into the running kernel
 * with libbpf and run on hand-assembled frames with BPF_PROG_TEST_RUN.
 *
 * Frames are literal bytes from the header layouts of IEEE 802.1Q, RFC 791,
 * RFC 8200, RFC 4302 and RFC 9293 (checksums zero: nothing verifies them).
 * Each vector names the one counter it must move by exactly one.
 *
 * What a redirect returns under BPF_PROG_TEST_RUN (not live frames): the
 * kernel runs the program and reports its return value without sending
 * anything. bpf_redirect_map() looks the key up at once, so with nothing
 * in xsks_map it returns the fallback the filter gives, XDP_DROP
 * (counted no_socket); with an AF_XDP socket bound to loopback queue 0 in
 * the map (test_run's frames arrive on loopback queue 0) it returns
 * XDP_REDIRECT (counted redirected). Both are checked.
 *
 * A differential test then runs mutated frames through the filter and
 * through dataplane/classify.c: the filter must give the classifier's
 * verdict, so it never drops what bmptap would have exported.
 *
 * Needs root and a kernel with BPF: skipped (with the reason) otherwise.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane/classify.h"
#include "pmd/xdp/bgp_filter.h"
#include "pmd/xdp/bgp_filter_obj.h" /* generated: BGP_FILTER_OBJ, the object's path */

/* ---- byte builders ------------------------------------------------------ */

#define BE16(x) (uint8_t)((x) >> 8), (uint8_t)(x)
#define BE32(x) (uint8_t)((x) >> 24), (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x)
#define Z4 0, 0, 0, 0
#define Z8 Z4, Z4

#define ETH(et) 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, BE16(et)
#define TAG(vid, next) BE16(vid), BE16(next)
#define IP4(vihl, tot, frag, proto) \
	vihl, 0, BE16(tot), BE16(0x1c46), BE16(frag), 64, proto, BE16(0), \
	192, 0, 2, 1, 198, 51, 100, 2
#define IP6(plen, nh) 0x60, 0, 0, 0, BE16(plen), nh, 64, \
	0x20, 0x01, 0x0d, 0xb8, Z8, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, Z8, 0, 0, 0, 2
#define TCP(sp, dp, doff) BE16(sp), BE16(dp), BE32(0x11223344), BE32(0x55667788), \
	(uint8_t)((doff) << 4), 0x18, BE16(65535), BE16(0), BE16(0)
#define UDP(sp, dp, len) BE16(sp), BE16(dp), BE16(len), BE16(0)
/* BGP KEEPALIVE (RFC 4271): marker, length 19, type 4 */
#define KA 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, BE16(19), 4
#define HBH8(nh) nh, 0, 1, 4, Z4           /* Hop-by-Hop, PadN(4) */
#define DST8(nh) nh, 0, 1, 4, Z4           /* Destination Options */
#define RT24(nh) nh, 2, 4, 0, Z4, 0x20, 0x01, 0x0d, 0xb8, Z8, 0, 0, 0, 9 /* SRH */
#define AH24(nh) nh, 4, 0, 0, BE32(0x1000), BE32(1), Z8, Z4
#define FRAG8(nh, offm) nh, 0, BE16(offm), BE32(0xdeadbeef)
#define ARP BE16(1), BE16(0x0800), 6, 4, BE16(1), 0x02, 0, 0, 0, 0, 1, 192, 0, 2, 1, \
	0, 0, 0, 0, 0, 0, 198, 51, 100, 2

enum { TCPP = 6, UDPP = 17, HOP = 0, RTG = 43, FRG = 44, AHP = 51, DSTO = 60, ICMP6 = 58 };

/* BGP verdict: what the filter counts with an empty socket map. */
#define BGP BGP_FILTER_NO_SOCKET

struct vec {
	const char *name;
	const uint8_t *b;
	size_t len;
	enum bgp_filter_counter want;
};

#define V(n, w, ...) { n, (const uint8_t[]){ __VA_ARGS__ }, \
		       sizeof((const uint8_t[]){ __VA_ARGS__ }), w }

static const struct vec vectors[] = {
	V("v4 to port 179", BGP, ETH(0x0800), IP4(0x45, 59, 0x4000, TCPP), TCP(40000, 179, 5),
	  KA),
	V("v4 from port 179", BGP, ETH(0x0800), IP4(0x45, 40, 0x4000, TCPP), TCP(179, 40000, 5)),
	V("v4 options, TCP options", BGP, ETH(0x0800), IP4(0x46, 48, 0, TCPP), 1, 1, 1, 0,
	  TCP(179, 1024, 6), 1, 1, 1, 1),
	V("v4 padded frame", BGP, ETH(0x0800), IP4(0x45, 40, 0, TCPP), TCP(179, 1, 5), Z4, Z4),
	V("v4 total length 0 (offload)", BGP, ETH(0x0800), IP4(0x45, 0, 0, TCPP),
	  TCP(1, 179, 5), KA),
	V("v6 to port 179", BGP, ETH(0x86dd), IP6(39, TCPP), TCP(50000, 179, 5), KA),
	V("v6 from port 179", BGP, ETH(0x86dd), IP6(20, TCPP), TCP(179, 50000, 5)),
	V("v6 hop-by-hop, routing, dest-opts", BGP, ETH(0x86dd), IP6(60, HOP), HBH8(RTG),
	  RT24(DSTO), DST8(TCPP), TCP(179, 2, 5)),
	V("v6 AH", BGP, ETH(0x86dd), IP6(44, AHP), AH24(TCPP), TCP(3, 179, 5)),
	V("v6 payload length 0 (offload)", BGP, ETH(0x86dd), IP6(0, TCPP), TCP(3, 179, 5)),
	V("802.1Q v4", BGP, ETH(0x8100), TAG(100, 0x0800), IP4(0x45, 40, 0, TCPP),
	  TCP(179, 179, 5)),
	V("QinQ 88a8/8100 v6", BGP, ETH(0x88a8), TAG(10, 0x8100), TAG(20, 0x86dd),
	  IP6(20, TCPP), TCP(40000, 179, 5)),
	V("QinQ 9100/8100 v4", BGP, ETH(0x9100), TAG(10, 0x8100), TAG(20, 0x0800),
	  IP4(0x45, 40, 0, TCPP), TCP(40000, 179, 5)),
	V("v4 TCP port 80", BGP_FILTER_NOT_BGP, ETH(0x0800), IP4(0x45, 40, 0, TCPP),
	  TCP(40000, 80, 5)),
	V("v6 TCP 178/180", BGP_FILTER_NOT_BGP, ETH(0x86dd), IP6(20, TCPP), TCP(178, 180, 5)),
	V("v4 UDP port 179", BGP_FILTER_NOT_TCP, ETH(0x0800), IP4(0x45, 28, 0, UDPP),
	  UDP(179, 179, 8)),
	V("v6 ICMPv6", BGP_FILTER_NOT_TCP, ETH(0x86dd), IP6(8, ICMP6), 128, 0, 0, 0, Z4),
	V("v6 dest-opts then UDP", BGP_FILTER_NOT_TCP, ETH(0x86dd), IP6(16, DSTO), DST8(UDPP),
	  UDP(179, 179, 8)),
	V("ARP", BGP_FILTER_NOT_IP, ETH(0x0806), ARP),
	V("802.1Q ARP", BGP_FILTER_NOT_IP, ETH(0x8100), TAG(5, 0x0806), ARP),
	V("v4 first fragment (MF)", BGP_FILTER_FRAGMENT, ETH(0x0800),
	  IP4(0x45, 40, 0x2000, TCPP), TCP(179, 1, 5)),
	V("v4 later fragment", BGP_FILTER_FRAGMENT, ETH(0x0800), IP4(0x45, 28, 0x00b9, TCPP),
	  Z8),
	V("v4 UDP fragment", BGP_FILTER_FRAGMENT, ETH(0x0800), IP4(0x45, 28, 0x2000, UDPP),
	  UDP(1, 2, 8)),
	V("v6 fragment header", BGP_FILTER_FRAGMENT, ETH(0x86dd), IP6(28, FRG),
	  FRAG8(TCPP, 0x0001), TCP(179, 1, 5)),
	V("cut in the VLAN tag", BGP_FILTER_TRUNCATED, ETH(0x8100), 0, 100),
	V("cut in the IPv4 header", BGP_FILTER_TRUNCATED, ETH(0x0800), 0x45, 0, BE16(40), Z4),
	V("cut in the IPv6 header", BGP_FILTER_TRUNCATED, ETH(0x86dd), 0x60, 0, 0, 0, Z8),
	V("cut in the TCP header", BGP_FILTER_TRUNCATED, ETH(0x0800), IP4(0x45, 40, 0, TCPP),
	  BE16(179), BE16(1), Z4),
	V("v4 total length past the frame", BGP_FILTER_TRUNCATED, ETH(0x0800),
	  IP4(0x45, 60, 0, TCPP), TCP(179, 1, 5)),
	V("v4 length ends in TCP header", BGP_FILTER_TRUNCATED, ETH(0x0800),
	  IP4(0x45, 30, 0, TCPP), TCP(179, 1, 5)),
	V("v6 ext header past payload", BGP_FILTER_TRUNCATED, ETH(0x86dd), IP6(8, HOP),
	  0, 2, 1, 4, Z4, Z8, Z8),
	V("TCP options past the segment", BGP_FILTER_TRUNCATED, ETH(0x0800),
	  IP4(0x45, 40, 0, TCPP), TCP(179, 1, 8)),
	V("three VLAN tags", BGP_FILTER_MALFORMED, ETH(0x88a8), TAG(1, 0x8100), TAG(2, 0x8100),
	  TAG(3, 0x0800), IP4(0x45, 40, 0, TCPP), TCP(179, 1, 5)),
	V("IP version 5 in IPv4", BGP_FILTER_MALFORMED, ETH(0x0800), IP4(0x55, 40, 0, TCPP),
	  TCP(179, 1, 5)),
	V("IPv4 IHL 4", BGP_FILTER_MALFORMED, ETH(0x0800), IP4(0x44, 40, 0, TCPP),
	  TCP(179, 1, 5)),
	V("v4 total length under IHL", BGP_FILTER_MALFORMED, ETH(0x0800),
	  IP4(0x45, 16, 0, TCPP), TCP(179, 1, 5)),
	V("IP version 4 in IPv6", BGP_FILTER_MALFORMED, ETH(0x86dd), 0x40, 0, 0, 0, BE16(20),
	  TCPP, 64, Z8, Z8, Z8, Z8, TCP(179, 1, 5)),
	V("v4 total length under options", BGP_FILTER_MALFORMED, ETH(0x0800),
	  IP4(0x46, 22, 0, TCPP), 1, 1, 1, 0, TCP(179, 1, 5)),
	V("TCP data offset 4", BGP_FILTER_MALFORMED, ETH(0x0800), IP4(0x45, 40, 0, TCPP),
	  TCP(179, 1, 4)),
	V("nine v6 extension headers", BGP_FILTER_MALFORMED, ETH(0x86dd), IP6(92, DSTO),
	  DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO), DST8(DSTO),
	  DST8(DSTO), DST8(TCPP), TCP(179, 1, 5)),
};

/* ---- the loaded filter -------------------------------------------------- */

struct filter {
	struct bpf_object *obj;
	int prog_fd, counts_fd, xsks_fd;
	int ncpu;
	const char *skip_why;   /* set: no root or no BPF; every test skips */
};

static struct filter F;

static int
group_setup(void **state)
{
	(void)state;
	libbpf_set_print(NULL);
	F.ncpu = libbpf_num_possible_cpus();
	if (geteuid() != 0) {
		F.skip_why = "not root: BPF_PROG_LOAD and BPF_PROG_TEST_RUN need privileges";
		return 0;
	}
	F.obj = bpf_object__open_file(BGP_FILTER_OBJ, NULL);
	if (!F.obj) {
		fprintf(stderr, "cannot open %s: %s\n", BGP_FILTER_OBJ, strerror(errno));
		return -1;            /* the build's own object: a failure, not a skip */
	}
	int rc = bpf_object__load(F.obj);
	if (rc == -EPERM || rc == -ENOSYS || rc == -EACCES) {
		F.skip_why = "the kernel refuses BPF here (no CAP_BPF, or BPF disabled)";
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "loading %s: %s (verifier rejected it?)\n", BGP_FILTER_OBJ,
			strerror(-rc));
		return -1;
	}
	F.prog_fd = bpf_program__fd(bpf_object__find_program_by_name(F.obj, "bgp_filter"));
	F.counts_fd = bpf_object__find_map_fd_by_name(F.obj, BGP_FILTER_COUNTS);
	F.xsks_fd = bpf_object__find_map_fd_by_name(F.obj, BGP_FILTER_XSKMAP);
	return F.prog_fd >= 0 && F.counts_fd >= 0 && F.xsks_fd >= 0 && F.ncpu > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	bpf_object__close(F.obj);
	return 0;
}

#define NEED_BPF() do { if (F.skip_why) { print_message("skipped: %s\n", F.skip_why); \
		skip(); } } while (0)

static void
read_counts(uint64_t out[BGP_FILTER__COUNT])
{
	uint64_t *vals = calloc((size_t)F.ncpu, sizeof(*vals));
	assert_non_null(vals);
	for (uint32_t k = 0; k < BGP_FILTER__COUNT; k++) {
		assert_int_equal(bpf_map_lookup_elem(F.counts_fd, &k, vals), 0);
		out[k] = 0;
		for (int c = 0; c < F.ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
}

/* Run one frame; return the XDP action and the counter that moved (or
 * -1 when not exactly one moved by exactly one). */
static int
run_frame(const uint8_t *b, size_t len, int *moved)
{
	uint64_t before[BGP_FILTER__COUNT], after[BGP_FILTER__COUNT];
	uint8_t buf[1600];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .data_size_in = (uint32_t)len,
		    .data_out = buf, .data_size_out = sizeof(buf), .repeat = 1);

	read_counts(before);
	assert_int_equal(bpf_prog_test_run_opts(F.prog_fd, &o), 0);
	read_counts(after);
	*moved = -1;
	int n = 0;
	for (int k = 0; k < BGP_FILTER__COUNT; k++) {
		if (after[k] == before[k])
			continue;
		n++;
		*moved = after[k] == before[k] + 1 ? k : -1;
	}
	if (n != 1)
		*moved = -1;
	return (int)o.retval;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_vectors(void **state)
{
	(void)state;
	NEED_BPF();
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		int moved;
		int act = run_frame(v->b, v->len, &moved);
		if (act != XDP_DROP || moved != (int)v->want)
			fail_msg("%s: action %d counter %d, want XDP_DROP (%d) counter %d", v->name,
				 act, moved, XDP_DROP, v->want);
	}
}

/* An AF_XDP socket bound to loopback queue 0, copy mode, with a umem and
 * rings (unmapped: nothing is received under test_run). -1 if refused. */
static int
xsk_on_lo(void **umem_out, size_t umem_len)
{
	int fd = socket(AF_XDP, SOCK_RAW, 0);
	void *umem = mmap(NULL, umem_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xdp_umem_reg reg = { .addr = (uintptr_t)umem, .len = umem_len,
				    .chunk_size = 2048 };
	int ring = 64;
	struct sockaddr_xdp sa = { .sxdp_family = AF_XDP, .sxdp_flags = XDP_COPY,
				   .sxdp_ifindex = if_nametoindex("lo"), .sxdp_queue_id = 0 };

	*umem_out = umem;
	if (fd < 0 || umem == MAP_FAILED ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		print_message("AF_XDP socket on lo: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
test_redirect_to_socket(void **state)
{
	(void)state;
	NEED_BPF();
	void *umem = NULL;
	size_t umem_len = 64 * 2048;
	int fd = xsk_on_lo(&umem, umem_len);
	if (fd < 0) {
		if (umem && umem != MAP_FAILED)
			munmap(umem, umem_len);
		print_message("skipped: no AF_XDP socket on lo (CONFIG_XDP_SOCKETS?)\n");
		skip();
	}
	uint32_t q = 0;
	assert_int_equal(bpf_map_update_elem(F.xsks_fd, &q, &fd, BPF_ANY), 0);
	size_t n = 0;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		int moved;
		int act = run_frame(v->b, v->len, &moved);
		int want_act = v->want == BGP ? XDP_REDIRECT : XDP_DROP;
		int want_ctr = v->want == BGP ? BGP_FILTER_REDIRECTED : (int)v->want;
		if (act != want_act || moved != want_ctr)
			fail_msg("%s: action %d counter %d, want %d counter %d", v->name, act, moved,
				 want_act, want_ctr);
		n += v->want == BGP;
	}
	assert_int_equal(bpf_map_delete_elem(F.xsks_fd, &q), 0);
	close(fd);
	munmap(umem, umem_len);
	assert_true(n >= 10);
}

static enum bgp_filter_counter
expected_from_classify(const uint8_t *b, size_t len)
{
	static const enum bgp_filter_counter map[CLASSIFY__COUNT] = {
		[CLASSIFY_BGP] = BGP, [CLASSIFY_NOT_IP] = BGP_FILTER_NOT_IP,
		[CLASSIFY_NOT_TCP] = BGP_FILTER_NOT_TCP, [CLASSIFY_NOT_BGP] = BGP_FILTER_NOT_BGP,
		[CLASSIFY_FRAGMENT] = BGP_FILTER_FRAGMENT,
		[CLASSIFY_TRUNCATED] = BGP_FILTER_TRUNCATED,
		[CLASSIFY_MALFORMED] = BGP_FILTER_MALFORMED,
	};
	struct classify_pkt pkt;
	return map[classify_frame(b, (uint32_t)len, &pkt)];
}

/* Mutated vectors (bytes flipped, cut short, grown): the filter and
 * classify.c agree on every one. test_run needs 14 bytes at least. */
static void
test_agrees_with_classifier(void **state)
{
	(void)state;
	NEED_BPF();
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned runs = 0, bgp = 0;
	for (int round = 0; round < 60; round++) {
		for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
			uint8_t f[256];
			size_t len = vectors[i].len;
			memcpy(f, vectors[i].b, len);
			for (int m = 0; m < 1 + round % 3; m++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				size_t at = (size_t)(seed >> 33) % len;
				if (round % 5 == 4 && at >= 14)
					len = at;                    /* cut short */
				else
					f[at] ^= (uint8_t)(1u << ((seed >> 20) & 7));
			}
			enum bgp_filter_counter want = expected_from_classify(f, len);
			int moved;
			int act = run_frame(f, len, &moved);
			if (act != XDP_DROP || moved != (int)want)
				fail_msg("%s mutated (round %d): counter %d, classify says %d",
					 vectors[i].name, round, moved, want);
			runs++;
			bgp += want == BGP;
		}
	}
	print_message("%u mutated frames agree (%u BGP)\n", runs, bgp);
	assert_true(bgp > 0 && bgp < runs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_redirect_to_socket),
		cmocka_unit_test(test_agrees_with_classifier),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
