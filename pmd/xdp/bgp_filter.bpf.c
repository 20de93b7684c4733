/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * XDP filter in front of bmptap's AF_XDP socket: BGP frames (TCP port 179
 * on either side, over Ethernet, 802.1Q/802.1ad tags, IPv4, IPv6 with
 * extension headers) go to the socket bound to the frame's RX queue;
 * everything else is dropped in the driver and counted by reason.
 *
 * It mirrors dataplane/classify.c layer by layer, in the same order, so
 * that it never drops a frame the classifier would accept, and a frame it
 * drops is counted under the reason the classifier would have given.
 *
 * Verifier notes (kernel 6.1 and later): every packet read goes through
 * take(), one comparison against data_end, at an offset whose bounds the
 * verifier knows (header fields of at most 16 bits, at most 8 IPv6
 * extension headers of at most 2 KiB: far below the 64 KiB packet limit).
 * Where a header must also fit in the IP payload, that is a comparison of
 * plain offsets (seg_end). No pointer is subtracted from another (that is
 * for privileged programs only) and the loops are fully unrolled, so no
 * bounded-loop support is needed.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bgp_filter.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define MAX_VLANS 2
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100

#define IPV4_HLEN 20
#define IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */
#define IPV6_HLEN 40
#define IPV6_MAX_EXT 8
#define IPPROTO_TCP_ 6
#define TCP_HLEN 20
#define BGP_PORT 179

/* seg_end when the IP payload runs to the end of the frame (IPv4 total
 * length or IPv6 payload length 0: offload capture, jumbogram). */
#define FRAME_END 0x7fffffff

/* Internal "carry on" verdict: the frame is BGP so far. */
#define MORE BGP_FILTER_REDIRECTED

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, BGP_FILTER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BGP_FILTER__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} bgp_filter_cnt SEC(".maps");

struct frame {
	void *data;
	void *end;
};

/* n bytes at off, or NULL when the frame is shorter. */
static __always_inline __u8 *
take(const struct frame *f, __u32 off, __u32 n)
{
	__u8 *p = (__u8 *)f->data + off;

	if ((void *)(p + n) > f->end)
		return NULL;
	return p;
}

/* n bytes at off inside the IP payload that ends at seg_end. */
static __always_inline __u8 *
take_seg(const struct frame *f, __u32 off, __u32 n, __u32 seg_end)
{
	if (seg_end != FRAME_END && off + n > seg_end)
		return NULL;
	return take(f, off, n);
}

static __always_inline __u16
be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline int
is_vlan_tpid(__u16 et)
{
	return et == ETH_P_8021Q || et == ETH_P_8021AD || et == ETH_P_QINQ_OLD;
}

/* Ethernet II and up to two tags; *off ends at the L3 header. */
static __always_inline int
eth_parse(const struct frame *f, __u32 *off, __u16 *etype)
{
	__u8 *h = take(f, 0, ETH_HLEN);

	if (!h)
		return BGP_FILTER_TRUNCATED;
	__u16 et = be16(h + 12);
	__u32 o = ETH_HLEN;

#pragma clang loop unroll(full)
	for (int i = 0; i <= MAX_VLANS; i++) {
		if (!is_vlan_tpid(et))
			break;
		if (i == MAX_VLANS)
			return BGP_FILTER_MALFORMED;
		__u8 *t = take(f, o, VLAN_HLEN);
		if (!t)
			return BGP_FILTER_TRUNCATED;
		et = be16(t + 2);
		o += VLAN_HLEN;
	}
	*off = o;
	*etype = et;
	return MORE;
}

/*
 * IPv4 fragments are dropped, whatever they carry, as the classifier does:
 * bmptap does not reassemble IP. A later fragment has no TCP header, so it
 * cannot even be told to be BGP; a first fragment alone is a TCP segment
 * with a hole that reassembly would report as tap loss. BGP speakers
 * avoid fragmentation (DF, path MTU discovery, MSS), so fragments on a
 * BGP link are rare and worth a counter, not a copy to user space.
 */
static __always_inline int
ipv4_parse(const struct frame *f, __u32 off, __u32 *l4, __u32 *seg_end)
{
	__u8 *h = take(f, off, IPV4_HLEN);

	if (!h)
		return BGP_FILTER_TRUNCATED;
	__u32 hlen = (__u32)(h[0] & 0x0f) * 4;
	__u32 tot = be16(h + 2);

	if ((h[0] >> 4) != 4 || hlen < IPV4_HLEN)
		return BGP_FILTER_MALFORMED;
	if (!take(f, off, hlen))
		return BGP_FILTER_TRUNCATED;
	*l4 = off + hlen;
	*seg_end = off + tot;
	/* zero total length on a longer frame: segmentation-offload capture */
	if (tot == 0 && take(f, off + hlen, 1))
		*seg_end = FRAME_END;
	else if (tot < hlen)
		return BGP_FILTER_MALFORMED;
	else if (tot > 0 && !take(f, off, tot))
		return BGP_FILTER_TRUNCATED;
	if (be16(h + 6) & IPV4_FRAG_MASK)
		return BGP_FILTER_FRAGMENT;
	if (h[9] != IPPROTO_TCP_)
		return BGP_FILTER_NOT_TCP;
	return MORE;
}

/* IPv6 next-header values, by how the walk treats them. */
enum v6_kind { V6_STOP, V6_TCP, V6_EXT8, V6_AH, V6_FRAG };

static __always_inline enum v6_kind
v6_kind(__u8 nh)
{
	switch (nh) {
	case 6:
		return V6_TCP;
	case 0:   /* Hop-by-Hop Options */
	case 43:  /* Routing */
	case 60:  /* Destination Options */
	case 135: /* Mobility */
	case 139: /* HIP */
	case 140: /* Shim6 */
		return V6_EXT8;   /* (len + 1) * 8 octets, RFC 8200 section 4 */
	case 51:
		return V6_AH;     /* (len + 2) * 4 octets, RFC 4302 */
	case 44:
		return V6_FRAG;
	}
	return V6_STOP;
}

/* Extension headers from nh until TCP; *l4 moves past each. A Fragment
 * header of any offset is a fragment, as for IPv4. */
static __always_inline int
ipv6_walk(const struct frame *f, __u8 nh, __u32 *l4, __u32 seg_end)
{
	__u32 off = *l4;

#pragma clang loop unroll(full)
	for (int i = 0; i <= IPV6_MAX_EXT; i++) {
		enum v6_kind kind = v6_kind(nh);

		if (kind == V6_TCP)
			break;
		if (kind == V6_STOP)
			return BGP_FILTER_NOT_TCP;
		if (kind == V6_FRAG)
			return BGP_FILTER_FRAGMENT;
		if (i == IPV6_MAX_EXT)
			return BGP_FILTER_MALFORMED;
		__u8 *h = take_seg(f, off, 2, seg_end);
		if (!h)
			return BGP_FILTER_TRUNCATED;
		__u32 len = kind == V6_AH ? ((__u32)h[1] + 2) * 4 : ((__u32)h[1] + 1) * 8;
		if (!take_seg(f, off, len, seg_end))
			return BGP_FILTER_TRUNCATED;
		nh = h[0];
		off += len;
	}
	*l4 = off;
	return MORE;
}

static __always_inline int
ipv6_parse(const struct frame *f, __u32 off, __u32 *l4, __u32 *seg_end)
{
	__u8 *h = take(f, off, IPV6_HLEN);

	if (!h)
		return BGP_FILTER_TRUNCATED;
	if ((h[0] >> 4) != 6)
		return BGP_FILTER_MALFORMED;
	__u32 plen = be16(h + 4);

	*l4 = off + IPV6_HLEN;
	/* zero payload length: jumbogram or offload capture, use the frame */
	*seg_end = plen ? off + IPV6_HLEN + plen : FRAME_END;
	if (plen && !take(f, off, IPV6_HLEN + plen))
		return BGP_FILTER_TRUNCATED;
	return ipv6_walk(f, h[6], l4, *seg_end);
}

/* Ports first: other TCP leaves without further checks. */
static __always_inline int
tcp_parse(const struct frame *f, __u32 off, __u32 seg_end)
{
	__u8 *h = take_seg(f, off, TCP_HLEN, seg_end);

	if (!h)
		return BGP_FILTER_TRUNCATED;
	if (be16(h) != BGP_PORT && be16(h + 2) != BGP_PORT)
		return BGP_FILTER_NOT_BGP;
	__u32 hlen = (__u32)(h[12] >> 4) * 4;

	if (hlen < TCP_HLEN)
		return BGP_FILTER_MALFORMED;
	if (!take_seg(f, off, hlen, seg_end))
		return BGP_FILTER_TRUNCATED;
	return MORE;
}

static __always_inline int
classify(const struct frame *f)
{
	__u32 off = 0, l4 = 0, seg_end = 0;
	__u16 etype = 0;
	int v = eth_parse(f, &off, &etype);

	if (v != MORE)
		return v;
	if (etype == ETH_P_IPV4)
		v = ipv4_parse(f, off, &l4, &seg_end);
	else if (etype == ETH_P_IPV6)
		v = ipv6_parse(f, off, &l4, &seg_end);
	else
		return BGP_FILTER_NOT_IP;
	if (v != MORE)
		return v;
	return tcp_parse(f, l4, seg_end);
}

/* Per-CPU counters: a plain add, no atomic needed. */
static __always_inline void
count(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&bgp_filter_cnt, &what);

	if (c)
		*c += 1;
}

SEC("xdp")
int
bgp_filter(struct xdp_md *ctx)
{
	struct frame f = {
		.data = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	int v = classify(&f);

	if (v != MORE) {
		count(v);
		return XDP_DROP;
	}
	/* No socket on this queue (the PMD binds its queues only): drop and
	 * count, so that a NIC spreading BGP over unbound queues shows. A
	 * redirect that fails later (socket ring full) is the socket's drop,
	 * reported by the PMD as missed packets. */
	int act = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_DROP);

	count(act == XDP_REDIRECT ? BGP_FILTER_REDIRECTED : BGP_FILTER_NO_SOCKET);
	return act;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
