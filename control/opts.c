/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"
#include "pmd/hugepages.h"
#include "pmd/xdp_config.h"
#include "rcfg.h"

#if BMPTAP_XDP
#define XDP_OBJ_HELP BMPTAP_XDP_OBJ_INSTALL
#else
#define XDP_OBJ_HELP "(none: built without XDP support)"
#endif

#define DEFAULT_MAX_FLOWS 16384
#define DEFAULT_BUFFER_MB 256

static const char usage_text[] =
	"usage: bmptapd [EAL options --] [options]\n"
	"\n"
	"Capture BGP sessions from mirror ports and export them as BMP (RFC 7854).\n"
	"\n"
	"Capture:\n"
	"  --pcap FILE         read a capture file (DPDK pcap PMD); repeatable\n"
	"  --iface IF          capture a Linux interface (DPDK af_packet PMD); repeatable\n"
	"  --xdp IF            capture a mirror port through AF_XDP (DPDK af_xdp PMD, RX\n"
	"                      queue 0) behind bmptap's XDP filter: BGP frames reach\n"
	"                      bmptapd, the driver drops everything else (IF carries no\n"
	"                      host traffic while bmptapd runs); counters xdp.IF.*;\n"
	"                      repeatable. The filter: $BMPTAP_XDP_OBJ, the build tree's\n"
	"                      pmd/xdp/, or %s\n"
	"  (any DPDK port works too: EAL -a PCI_ADDR, --vdev net_af_xdp0,iface=IF, ...)\n"
	"  --exit-on-eof       exit once every capture file is consumed and exported\n"
	"\n"
	"Export:\n"
	"  --config FILE       BMP stations, in Cisco `bmp server` / Huawei `bmp-session`\n"
	"                      syntax; SIGHUP re-reads it and applies the difference.\n"
	"                      Default: the embedded configs/bmptap.conf (one station,\n"
	"                      127.0.0.1 port 11019), unless --bmp-out is given\n"
	"  --redis URL         the configuration lives in Redis (redis://[user:password@]\n"
	"                      host[:port][/db] or unix:/path[?db=N]): read at start,\n"
	"                      followed live; state and counters are published there.\n"
	"                      Excludes --config\n"
	"  --namespace NS      Redis key namespace, so several appliances share one\n"
	"                      Redis (%s); also the EAL file prefix bmptap-NS\n"
	"  --bmp-out FILE      write the BMP stream a station would receive; - = stdout\n"
	"  --buffer-size MB    memory for encoded output shared by all stations (%u)\n"
	"  --sysname NAME      Initiation sysName (host name)\n"
	"\n"
	"Tuning:\n"
	"  --max-flows N       TCP connections tracked per RX lcore (%u)\n"
	"  --rx-lcores N       RX lcores (default: all lcores but control and encoder)\n"
	"  --busy-poll         never sleep when idle (lowest latency, one core busy)\n"
	"\n"
	"  --debug LIST        debug switches: event,neighbor,server or all\n"
	"  -h, --help          this text\n"
	"  --version           version\n"
	"\n"
	"Without EAL options, bmptapd starts without hugepages (--no-huge) when none\n"
	"are free, and without a PCI scan when --pcap/--iface/--xdp name every port.\n"
	"Signals: INT/TERM flush and exit, HUP re-reads --config (or Redis), USR1 prints\n"
	"counters. DPDK telemetry: /bmptap/global, servers, peers, ports, lcores.\n";

enum {
	OPT_PCAP = 256, OPT_IFACE, OPT_BMP_OUT, OPT_CONFIG, OPT_EXIT_EOF, OPT_BUFFER, OPT_SYSNAME,
	OPT_MAX_FLOWS, OPT_RX_LCORES, OPT_BUSY, OPT_DEBUG, OPT_VERSION, OPT_REDIS, OPT_NS,
	OPT_XDP,
};

static const struct option longopts[] = {
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "xdp", required_argument, NULL, OPT_XDP },
	{ "bmp-out", required_argument, NULL, OPT_BMP_OUT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "namespace", required_argument, NULL, OPT_NS },
	{ "exit-on-eof", no_argument, NULL, OPT_EXIT_EOF },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER },
	{ "sysname", required_argument, NULL, OPT_SYSNAME },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "rx-lcores", required_argument, NULL, OPT_RX_LCORES },
	{ "busy-poll", no_argument, NULL, OPT_BUSY },
	{ "debug", required_argument, NULL, OPT_DEBUG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
number_opt(const char *name, const char *arg, unsigned long min, unsigned long max,
	   unsigned long *v, char *err, size_t errlen)
{
	if (parse_uint(arg, min, max, v) == 0)
		return 0;
	snprintf(err, errlen, "--%s '%s': expected a number from %lu to %lu", name, arg, min, max);
	return -1;
}

static int
add_port(const char **list, unsigned *n, const char *arg, const char *name, char *err,
	 size_t errlen)
{
	if (*n == OPTS_MAX_PORTS) {
		snprintf(err, errlen, "--%s: at most %d", name, OPTS_MAX_PORTS);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

static int
apply_opt(int c, const char *arg, struct opts *o, char *err, size_t errlen)
{
	unsigned long v;
	switch (c) {
	case OPT_PCAP:
		return add_port(o->pcaps, &o->npcaps, arg, "pcap", err, errlen);
	case OPT_IFACE:
		return add_port(o->ifaces, &o->nifaces, arg, "iface", err, errlen);
	case OPT_XDP:
		return add_port(o->xdps, &o->nxdps, arg, "xdp", err, errlen);
	case OPT_BMP_OUT:
		o->bmp_out = arg;
		return 0;
	case OPT_CONFIG:
		o->config = arg;
		return 0;
	case OPT_REDIS:
		o->redis = arg;
		return 0;
	case OPT_NS:
		if (!rcfg_ns_valid(arg)) {
			snprintf(err, errlen, "--namespace '%s': expected 1-%d characters of "
				 "A-Z a-z 0-9 _ . -", arg, RCFG_NS_MAX - 1);
			return -1;
		}
		o->ns = arg;
		o->ns_given = true;
		return 0;
	case OPT_EXIT_EOF:
		o->exit_on_eof = true;
		return 0;
	case OPT_BUFFER:
		if (number_opt("buffer-size", arg, 1, 65536, &v, err, errlen))
			return -1;
		o->buffer_mb = (unsigned)v;
		o->buffer_given = true;
		return 0;
	case OPT_SYSNAME:
		o->sysname = arg;
		return 0;
	case OPT_MAX_FLOWS:
		if (number_opt("max-flows", arg, 16, 1u << 22, &v, err, errlen))
			return -1;
		o->max_flows = (uint32_t)v;
		return 0;
	case OPT_RX_LCORES:
		if (number_opt("rx-lcores", arg, 1, 16, &v, err, errlen))
			return -1;
		o->rx_lcores = (unsigned)v;
		return 0;
	case OPT_BUSY:
		o->busy_poll = true;
		return 0;
	case OPT_DEBUG:
		if (log_parse_debug(arg, &o->debug_mask) == 0)
			return 0;
		snprintf(err, errlen, "--debug '%s': expected event, neighbor, server or all", arg);
		return -1;
	}
	return -1;
}

/* getopt returned '?' or ':'; optopt is 0 for an unknown long option,
 * the option's value for a known one, the letter for a short one. */
static void
getopt_error(int c, char **argv, char *err, size_t errlen)
{
	bool known = optopt >= OPT_PCAP || optopt == 'h';
	/* an unknown letter may sit inside a cluster ("-xh"), where
	 * argv[optind - 1] is not the culprit */
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *what = optopt > 0 && !known ? shortopt : argv[optind - 1];
	if (c == ':')
		snprintf(err, errlen, "missing argument to option '%s' (see --help)", what);
	else if (known)
		snprintf(err, errlen, "option '%s' takes no argument (see --help)", what);
	else
		snprintf(err, errlen, "unknown option '%s' (see --help)", what);
}

static enum opts_result
parse_app(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
	int c;
	/* 0, not 1: glibc then also forgets where it was inside a cluster
	 * ("-xh") of a previous parse */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf(usage_text, XDP_OBJ_HELP, RCFG_DEFAULT_NS, DEFAULT_BUFFER_MB,
			       DEFAULT_MAX_FLOWS);
			return OPTS_EXIT_OK;
		}
		if (c == OPT_VERSION) {
			printf("bmptapd %s\n", BMPTAP_VERSION);
			return OPTS_EXIT_OK;
		}
		if (c == '?' || c == ':') {
			getopt_error(c, argv, err, errlen);
			return OPTS_ERROR;
		}
		if (apply_opt(c, optarg, o, err, errlen) != 0)
			return OPTS_ERROR;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return OPTS_ERROR;
	}
	if (o->redis && o->config) {
		snprintf(err, errlen, "--redis and --config: the configuration has one source; "
			 "load the file into Redis (bmptapctl) or drop --redis");
		return OPTS_ERROR;
	}
	return OPTS_RUN;
}

static int
eal_push(struct opts *o, const char *fmt, const char *arg)
{
	if (o->eal_argc >= OPTS_MAX_EAL - 1)
		return -1;
	char buf[4200];
	snprintf(buf, sizeof(buf), fmt, arg);
	o->eal_argv[o->eal_argc] = strdup(buf);
	return o->eal_argv[o->eal_argc++] ? 0 : -1;
}

static bool
eal_has(const struct opts *o, const char *const *names)
{
	for (int i = 1; i < o->eal_argc; i++)
		for (const char *const *n = names; *n; n++)
			if (strncmp(o->eal_argv[i], *n, strlen(*n)) == 0)
				return true;
	return false;
}

/* Defaults for what the user did not say. */
static int
eal_defaults(struct opts *o)
{
	static const char *const mem[] = { "--no-huge", "-m", "--socket-mem", "--in-memory",
					   "--legacy-mem", NULL };
	static const char *const prefix[] = { "--file-prefix", NULL };
	static const char *const loglvl[] = { "--log-level", NULL };
	static const char *const devsel[] = { "-a", "--allow", "-b", "--block", "--no-pci", NULL };
	int rc = 0;
	if (!eal_has(o, mem))
		rc |= hugepages_free() ? eal_push(o, "--in-memory", NULL)
				       : eal_push(o, "--no-huge", NULL) |
					 eal_push(o, "-m", NULL) | eal_push(o, "512", NULL) |
					 eal_push(o, "--no-shconf", NULL);
	/* one EAL runtime directory (and telemetry socket) per appliance */
	if (!eal_has(o, prefix))
		rc |= eal_push(o, "--file-prefix", NULL) |
		      (o->ns_given ? eal_push(o, "bmptap-%s", o->ns) : eal_push(o, "bmptap", NULL));
	if (!eal_has(o, loglvl))
		rc |= eal_push(o, "--log-level=notice", NULL) |
		      eal_push(o, "--log-level=lib.telemetry:warning", NULL);
	/* every port named by a shortcut and none chosen by PCI address */
	if (!eal_has(o, devsel) && o->npcaps + o->nifaces + o->nxdps > 0)
		rc |= eal_push(o, "--no-pci", NULL);
	if (!o->user_eal && sysconf(_SC_NPROCESSORS_ONLN) < 2)
		rc |= eal_push(o, "--lcores=(0,1)@0", NULL);
	return rc;
}

static int
eal_shortcuts(struct opts *o)
{
	int rc = 0;
	for (unsigned i = 0; i < o->npcaps; i++) {
		char dev[4200];
		snprintf(dev, sizeof(dev), "net_pcap%u,rx_pcap=%s", i, o->pcaps[i]);
		rc |= eal_push(o, "--vdev", NULL) | eal_push(o, "%s", dev);
	}
	for (unsigned i = 0; i < o->nifaces; i++) {
		char dev[256];
		snprintf(dev, sizeof(dev), "net_af_packet%u,iface=%s", i, o->ifaces[i]);
		rc |= eal_push(o, "--vdev", NULL) | eal_push(o, "%s", dev);
	}
	return rc;
}

#if BMPTAP_XDP
/* The XDP filter object: $BMPTAP_XDP_OBJ, else the build tree's when this
 * executable runs from one (build/pmd/xdp/), else the installed one. */
static int
xdp_object(char *path, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("BMPTAP_XDP_OBJ");
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (env && *env) {
		snprintf(path, len, "%s", env);
		if (access(path, R_OK) == 0)
			return 0;
		snprintf(err, errlen, "--xdp: BMPTAP_XDP_OBJ %s: %s", env, strerror(errno));
		return -1;
	}
	char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
	if (slash) {
		snprintf(path, len, "%.*s/pmd/xdp/%s", (int)(slash - exe), exe,
			 BMPTAP_XDP_OBJ_NAME);
		if (access(path, R_OK) == 0)
			return 0;
	}
	snprintf(path, len, "%s", BMPTAP_XDP_OBJ_INSTALL);
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(err, errlen, "--xdp: XDP filter %s not found (not installed? set "
		 "BMPTAP_XDP_OBJ to a bgp_filter.bpf.o)", BMPTAP_XDP_OBJ_INSTALL);
	return -1;
}

/* AF_XDP sockets need CAP_NET_RAW; loading and attaching the filter,
 * CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN). Checked here because the
 * PMD's own failure reads "Failed to create umem". */
static bool
xdp_capable(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return true;            /* cannot tell: let the PMD say */
#define HAS(cap) ((d[(cap) / 32].effective >> ((cap) % 32)) & 1u)
	return HAS(CAP_NET_RAW) && HAS(CAP_NET_ADMIN) && (HAS(CAP_BPF) || HAS(CAP_SYS_ADMIN));
#undef HAS
}
#endif

/* --xdp IF: the af_xdp PMD on queue 0 of IF, with the filter as its
 * program (the PMD finds the socket map by its name, xsks_map). */
static int
xdp_shortcuts(struct opts *o, char *err, size_t errlen)
{
	if (o->nxdps == 0)
		return 0;
#if BMPTAP_XDP
	char obj[PATH_MAX];
	if (!xdp_capable()) {
		snprintf(err, errlen, "--xdp: needs root, or CAP_NET_RAW, CAP_NET_ADMIN and "
			 "CAP_BPF (AF_XDP socket, XDP program)");
		return -1;
	}
	if (xdp_object(obj, sizeof(obj), err, errlen) != 0)
		return -1;
	if (strchr(obj, ',')) {
		snprintf(err, errlen, "--xdp: %s: DPDK device arguments cannot hold a comma", obj);
		return -1;
	}
	for (unsigned i = 0; i < o->nxdps; i++) {
		char dev[PATH_MAX + 128];
		if (if_nametoindex(o->xdps[i]) == 0 || strchr(o->xdps[i], ',')) {
			snprintf(err, errlen, "--xdp %s: no such network interface", o->xdps[i]);
			return -1;
		}
		snprintf(dev, sizeof(dev), "net_af_xdp%u,iface=%s,start_queue=0,queue_count=1,"
			 "xdp_prog=%s", i, o->xdps[i], obj);
		if (eal_push(o, "--vdev", NULL) | eal_push(o, "%s", dev)) {
			snprintf(err, errlen, "too many EAL arguments");
			return -1;
		}
	}
	return 0;
#else
	snprintf(err, errlen, "--xdp: bmptapd was built without XDP support (the meson "
		 "feature 'xdp' needs libbpf and clang with the bpf target)");
	return -1;
#endif
}

static void
defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_flows = DEFAULT_MAX_FLOWS;
	o->buffer_mb = DEFAULT_BUFFER_MB;
	o->ns = RCFG_DEFAULT_NS;
}

enum opts_result
opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
	defaults(o);
	int dash = 0;
	for (int i = 1; i < argc && !dash; i++)
		if (strcmp(argv[i], "--") == 0)
			dash = i;
	o->user_eal = dash > 1;
	int rc = eal_push(o, "%s", argv[0]);
	for (int i = 1; i < dash; i++)
		rc |= eal_push(o, "%s", argv[i]);
	if (rc != 0) {
		snprintf(err, errlen, "too many EAL arguments");
		return OPTS_ERROR;
	}
	char **app = dash ? argv + dash : argv;
	int app_argc = dash ? argc - dash : argc;
	enum opts_result r = parse_app(app_argc, app, o, err, errlen);
	if (r != OPTS_RUN)
		return r;
	if (eal_shortcuts(o) != 0 || eal_defaults(o) != 0) {
		snprintf(err, errlen, "too many EAL arguments");
		return OPTS_ERROR;
	}
	if (xdp_shortcuts(o, err, errlen) != 0)
		return OPTS_ERROR;
	return OPTS_RUN;
}

void
opts_free(struct opts *o)
{
	for (int i = 0; i < o->eal_argc; i++)
		free(o->eal_argv[i]);
	o->eal_argc = 0;
}
