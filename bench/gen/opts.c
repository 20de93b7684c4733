/* SPDX-License-Identifier: BSD-3-Clause */
/* Command line of bmptap-gen: getopt_long, strict number parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define MAX_SESSIONS 100000u
#define MAX_V4 8000000u
#define MAX_V6 50000000u
#define MAX_CONN_PER_SESSION 16384u

enum opt_id {
	O_SESSIONS = 256, O_RECEIVERS, O_IPV4, O_IPV6, O_SEED, O_PCAP, O_TRUTH, O_TRANSPORT,
	O_ISN_WRAP, O_ADDPATH, O_EXT_MSG, O_ONE_WAY, O_KEEP_OPEN, O_CHURN, O_CHURN_S, O_RESETS, O_BG,
	O_BG_KIND, O_LOSS, O_REORDER, O_MSS, O_VLAN, O_PPS, O_BPS, O_PASSES, O_QUIET, O_HELP,
	O_TX, O_PORT, O_LOOP,
};

#define MAX_PASSES 10000u

static const struct option long_opts[] = {
	{ "sessions", required_argument, NULL, O_SESSIONS },
	{ "receivers", required_argument, NULL, O_RECEIVERS },
	{ "ipv4", required_argument, NULL, O_IPV4 },
	{ "ipv6", required_argument, NULL, O_IPV6 },
	{ "seed", required_argument, NULL, O_SEED },
	{ "pcap", required_argument, NULL, O_PCAP },
	{ "truth", required_argument, NULL, O_TRUTH },
	{ "transport", required_argument, NULL, O_TRANSPORT },
	{ "isn-wrap", no_argument, NULL, O_ISN_WRAP },
	{ "addpath", no_argument, NULL, O_ADDPATH },
	{ "ext-msg", no_argument, NULL, O_EXT_MSG },
	{ "one-way", no_argument, NULL, O_ONE_WAY },
	{ "keep-open", no_argument, NULL, O_KEEP_OPEN },
	{ "churn", required_argument, NULL, O_CHURN },
	{ "churn-seconds", required_argument, NULL, O_CHURN_S },
	{ "resets", required_argument, NULL, O_RESETS },
	{ "background", required_argument, NULL, O_BG },
	{ "background-kind", required_argument, NULL, O_BG_KIND },
	{ "loss", required_argument, NULL, O_LOSS },
	{ "reorder", required_argument, NULL, O_REORDER },
	{ "mss", required_argument, NULL, O_MSS },
	{ "vlan", required_argument, NULL, O_VLAN },
	{ "pps", required_argument, NULL, O_PPS },
	{ "bps", required_argument, NULL, O_BPS },
	{ "passes", required_argument, NULL, O_PASSES },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "help", no_argument, NULL, O_HELP },
	{ "tx", no_argument, NULL, O_TX },
	{ "port", required_argument, NULL, O_PORT },
	{ "loop", required_argument, NULL, O_LOOP },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
"usage: bmptap-gen --pcap OUT.pcap [options]\n"
"       bmptap-gen [EAL options --] --tx [--port N] [--pps R | --bps R] [--loop K]\n"
"                  [options]\n"
"Synthesize mirrored BGP traffic, deterministically from --seed, into a\n"
"capture or out of a DPDK port.\n"
"\n"
"  --sessions N          BGP sessions (default 1)\n"
"  --receivers K         sessions per first speaker: one sender towards K\n"
"                        receivers (default 1)\n"
"  --ipv4 P4 --ipv6 P6   table size per sender (default 1100000, 300000;\n"
"                        k/M suffixes accepted)\n"
"  --seed S              random seed (default 1)\n"
"  --pcap FILE           output capture (microsecond pcap, Ethernet)\n"
"  --truth FILE          JSON lines: final table and counts per session\n"
"                        direction, dropped/reordered segments\n"
"  --transport v4|v6|mixed  TCP transport (default mixed: alternate)\n"
"  --isn-wrap            ISNs just below 2^32 (sequence wrap early)\n"
"  --addpath             ADD-PATH (send/receive, IPv4 and IPv6 unicast)\n"
"  --ext-msg             extended messages (RFC 8654)\n"
"  --one-way             only the first speaker announces a table\n"
"  --keep-open           leave the sessions established at the end (no FIN)\n"
"  --churn RATE          churn UPDATEs per second per session (default 100)\n"
"  --churn-seconds S     churn duration, synthetic seconds (default 0)\n"
"  --resets K            Cease resets per session during churn (default 0)\n"
"  --background SHARE    share of non-BGP frames, 0 to 0.99 (default 0)\n"
"  --background-kind imix|64  IMIX 64/576/1500 (7:4:1) or 64-byte frames\n"
"  --loss P              drop BGP data segments with probability P\n"
"  --reorder P           swap adjacent data segments with probability P\n"
"  --mss N               TCP MSS (default 1448 over IPv4, 1428 over IPv6)\n"
"  --vlan ID             802.1Q tag on every frame\n"
"  --pps R | --bps R     timestamp rate (default 1M pps; k/M/G suffixes); with\n"
"                        --tx the send rate (default: as fast as the port\n"
"                        takes); bit/s count 24 more bytes per frame (FCS,\n"
"                        preamble, inter-frame gap)\n"
"  --passes K            whole session lifecycles, new ports and ISNs each,\n"
"                        so a looped replay never retransmits (default 1)\n"
"  --quiet               no summary line\n"
"  --help                this text\n"
"\n"
"Transmit (DPDK; ports come from the EAL options before --):\n"
"  --tx                  send the frames out of a DPDK port (excludes --pcap);\n"
"                        each frame leaves at its capture time\n"
"  --port N              DPDK port id (default 0)\n"
"  --loop K              send the stream K times, each a new session\n"
"                        lifecycle (K x --passes passes)\n"
"  EAL ports: --vdev net_af_packet0,iface=IF (a Linux interface, e.g. a veth),\n"
"  --vdev net_memif0,role=server,socket=PATH (a local bmptapd given the same\n"
"  with role=client), --vdev net_null0 (discard: measures the rate),\n"
"  -a PCI_ADDR (a NIC). Without EAL options: --no-huge -m 512 --no-shconf\n"
"  when no hugepage is free (else --in-memory), --file-prefix bmptap-gen-PID,\n"
"  --no-pci when only --vdev ports are named.\n"
"\n"
"Exit status: 0 done, 1 I/O or port error, 2 bad arguments.\n";

void
gen_opts_usage(FILE *f)
{
	fputs(usage_text, f);
}

void
gen_opts_default(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sessions = 1;
	o->receivers = 1;
	o->ipv4 = 1100000;
	o->ipv6 = 300000;
	o->seed = 1;
	o->transport = GEN_TR_MIXED;
	o->churn = 100;
	o->bg_kind = GEN_BG_IMIX;
	o->pps = 1000000;
	o->passes = 1;
	o->loop = 1;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Unsigned integer with an optional k/M/G (10^3/6/9) suffix, in [lo, hi]. */
static int
parse_u64(const char *name, const char *s, uint64_t lo, uint64_t hi, uint64_t *out,
	  char *err, size_t errlen)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul = *end == 'k' ? 1000 : *end == 'M' ? 1000000 : *end == 'G' ? 1000000000 : 1;
	if (mul != 1)
		end++;
	if (errno || end == s || *end != '\0' || s[0] == '-')
		return fail(err, errlen, "--%s: '%s' is not a number", name, s);
	if (v > UINT64_MAX / mul || v * mul < lo || v * mul > hi)
		return fail(err, errlen, "--%s: %s is out of range [%llu, %llu]", name, s,
			    (unsigned long long)lo, (unsigned long long)hi);
	*out = v * mul;
	return 0;
}

/* Decimal fraction in [0, max] as parts per million. */
static int
parse_ppm(const char *name, const char *s, double max, uint32_t *out, char *err,
	  size_t errlen)
{
	char *end;

	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end != '\0')
		return fail(err, errlen, "--%s: '%s' is not a number", name, s);
	if (!(v >= 0 && v <= max))
		return fail(err, errlen, "--%s: %s is out of range [0, %g]", name, s, max);
	*out = (uint32_t)(v * 1e6 + 0.5);
	return 0;
}

static int
parse_seconds(const char *s, uint32_t *ms, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end != '\0')
		return fail(err, errlen, "--churn-seconds: '%s' is not a number", s);
	if (!(v >= 0 && v <= 86400))
		return fail(err, errlen, "--churn-seconds: %s is out of range [0, 86400]", s);
	*ms = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

static int
parse_enum(const char *name, const char *s, const char *const *names, int n, int *out,
	   char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return fail(err, errlen, "--%s: unknown value '%s'", name, s);
}

static int
set_u32(const char *name, const char *s, uint64_t lo, uint64_t hi, uint32_t *out, char *err,
	size_t errlen)
{
	uint64_t v;

	if (parse_u64(name, s, lo, hi, &v, err, errlen))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
set_u16(const char *name, const char *s, uint64_t lo, uint64_t hi, uint16_t *out, char *err,
	size_t errlen)
{
	uint64_t v;

	if (parse_u64(name, s, lo, hi, &v, err, errlen))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int
set_enum_opt(struct gen_opts *o, int id, const char *a, char *err, size_t errlen)
{
	static const char *const tr[] = { "mixed", "v4", "v6" };
	static const char *const bg[] = { "imix", "64" };
	int v = 0;

	if (id == O_TRANSPORT) {
		if (parse_enum("transport", a, tr, 3, &v, err, errlen))
			return -1;
		o->transport = (enum gen_transport)v;
		return 0;
	}
	if (parse_enum("background-kind", a, bg, 2, &v, err, errlen))
		return -1;
	o->bg_kind = (enum gen_bg_kind)v;
	return 0;
}

static int
set_rate(struct gen_opts *o, int id, const char *a, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(id == O_PPS ? "pps" : "bps", a, 1, 1000000000000ull, &v, err, errlen))
		return -1;
	o->pps = id == O_PPS ? v : 0;
	o->bps = id == O_BPS ? v : 0;
	return 0;
}

static int
set_flag(struct gen_opts *o, int id)
{
	switch (id) {
	case O_ISN_WRAP: o->isn_wrap = true; return 0;
	case O_ADDPATH: o->addpath = true; return 0;
	case O_EXT_MSG: o->ext_msg = true; return 0;
	case O_ONE_WAY: o->one_way = true; return 0;
	case O_KEEP_OPEN: o->keep_open = true; return 0;
	case O_QUIET: o->quiet = true; return 0;
	case O_TX: o->tx = true; return 0;
	default: return 1;
	}
}

static int
set_count(struct gen_opts *o, int id, const char *a, char *err, size_t el)
{
	switch (id) {
	case O_SESSIONS: return set_u32("sessions", a, 1, MAX_SESSIONS, &o->sessions, err, el);
	case O_RECEIVERS: return set_u32("receivers", a, 1, MAX_SESSIONS, &o->receivers, err, el);
	case O_IPV4: return parse_u64("ipv4", a, 0, MAX_V4, &o->ipv4, err, el);
	case O_IPV6: return parse_u64("ipv6", a, 0, MAX_V6, &o->ipv6, err, el);
	case O_SEED: return parse_u64("seed", a, 0, UINT64_MAX, &o->seed, err, el);
	case O_CHURN: return set_u32("churn", a, 0, 1000000, &o->churn, err, el);
	case O_RESETS: return set_u32("resets", a, 0, 1000, &o->resets, err, el);
	case O_MSS: return set_u16("mss", a, 64, 9000, &o->mss, err, el);
	case O_VLAN: return set_u16("vlan", a, 1, 4094, &o->vlan, err, el);
	case O_PASSES: return set_u32("passes", a, 1, MAX_PASSES, &o->passes, err, el);
	case O_PORT: return set_u16("port", a, 0, 1023, &o->tx_port, err, el);
	case O_LOOP: return set_u32("loop", a, 1, MAX_PASSES, &o->loop, err, el);
	default: return 1;
	}
}

static int
set_other(struct gen_opts *o, int id, const char *a, char *err, size_t el)
{
	switch (id) {
	case O_PCAP: o->pcap = a; return 0;
	case O_TRUTH: o->truth = a; return 0;
	case O_TRANSPORT: case O_BG_KIND: return set_enum_opt(o, id, a, err, el);
	case O_CHURN_S: return parse_seconds(a, &o->churn_ms, err, el);
	case O_BG: return parse_ppm("background", a, 0.99, &o->bg_ppm, err, el);
	case O_LOSS: return parse_ppm("loss", a, 0.5, &o->loss_ppm, err, el);
	case O_REORDER: return parse_ppm("reorder", a, 0.5, &o->reorder_ppm, err, el);
	case O_PPS: case O_BPS: return set_rate(o, id, a, err, el);
	default: return fail(err, el, "internal: option %d", id);
	}
}

static int
apply(struct gen_opts *o, int id, const char *a, char *err, size_t el)
{
	int rc = set_flag(o, id);

	if (rc <= 0)
		return rc;
	rc = set_count(o, id, a, err, el);
	return rc <= 0 ? rc : set_other(o, id, a, err, el);
}

/* Options only --tx reads, and --tx's exclusions; `seen`: SEEN_* bits. */
#define SEEN_PPS 1u
#define SEEN_BPS 2u
#define SEEN_PORT 4u
#define SEEN_LOOP 8u

static unsigned
seen_bit(int id)
{
	switch (id) {
	case O_PPS: return SEEN_PPS;
	case O_BPS: return SEEN_BPS;
	case O_PORT: return SEEN_PORT;
	case O_LOOP: return SEEN_LOOP;
	default: return 0;
	}
}

static int
check_mode(struct gen_opts *o, unsigned seen, char *err, size_t el)
{
	if (o->tx && o->pcap)
		return fail(err, el, "--pcap and --tx exclude each other");
	if (!o->tx && o->pcap == NULL)
		return fail(err, el, "--pcap FILE (a capture) or --tx (a DPDK port) is required");
	if (!o->tx && (seen & SEEN_PORT))
		return fail(err, el, "--port needs --tx");
	if (!o->tx && (seen & SEEN_LOOP))
		return fail(err, el, "--loop needs --tx (a capture repeats with --passes)");
	if ((uint64_t)o->passes * o->loop > MAX_PASSES)
		return fail(err, el, "--passes x --loop exceeds %u", MAX_PASSES);
	o->passes *= o->loop;
	o->paced = (seen & (SEEN_PPS | SEEN_BPS)) != 0;
	return 0;
}

static int
check(struct gen_opts *o, unsigned seen, char *err, size_t el)
{
	if (check_mode(o, seen, err, el))
		return -1;
	if (o->receivers > o->sessions)
		return fail(err, el, "--receivers (%u) exceeds --sessions (%u)", o->receivers,
			    o->sessions);
	if ((uint64_t)o->passes * (o->resets + 1) > MAX_CONN_PER_SESSION)
		return fail(err, el, "--passes x (--resets + 1) exceeds %u connections per session",
			    MAX_CONN_PER_SESSION);
	return 0;
}

int
gen_opts_parse(struct gen_opts *o, int argc, char **argv, FILE *out, char *err,
	       size_t errlen)
{
	unsigned seen = 0;
	int id;

	gen_opts_default(o);
	optind = 0;
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		if (id == O_HELP) {
			gen_opts_usage(out);
			return 1;
		}
		if (id == '?')
			return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		if (id == ':')
			return fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		seen |= seen_bit(id);
		if (apply(o, id, optarg, err, errlen))
			return -1;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	if ((seen & SEEN_PPS) && (seen & SEEN_BPS))
		return fail(err, errlen, "--pps and --bps exclude each other");
	return check(o, seen, err, errlen);
}
