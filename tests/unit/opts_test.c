/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptapd's command line: the application options, the EAL arguments
 * passed through before `--`, and the EAL defaults that let bmptapd start
 * on any Linux box. Every case parses in the same process, one after the
 * other, as getopt's hidden state is part of what is tested.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/opts.h"
#include "pmd/xdp_config.h"

#define MAX_ARGS 128

struct parsed {
	struct opts o;
	enum opts_result r;
	char err[512];
	char *argv[MAX_ARGS];       /* getopt permutes the array: keep our own */
};

/* Parse a NULL-terminated list of arguments; argv[0] is added. */
static struct parsed *
parse_list(const char *const *args)
{
	struct parsed *p = calloc(1, sizeof(*p));
	int argc = 0;
	assert_non_null(p);
	p->argv[argc++] = (char *)"bmptapd";
	while (*args) {
		assert_true(argc < MAX_ARGS - 1);
		p->argv[argc++] = (char *)*args++;
	}
	p->argv[argc] = NULL;
	p->r = opts_parse(argc, p->argv, &p->o, p->err, sizeof(p->err));
	return p;
}

#define PARSE(...) parse_list((const char *const[]){ __VA_ARGS__, NULL })
#define PARSE0() parse_list((const char *const[]){ NULL })

static void
done(struct parsed *p)
{
	opts_free(&p->o);
	free(p);
}

/* Index of the first EAL argument equal to s at or after `from`, or -1. */
static int
eal_find_from(const struct opts *o, const char *s, int from)
{
	for (int i = from; i < o->eal_argc; i++)
		if (strcmp(o->eal_argv[i], s) == 0)
			return i;
	return -1;
}

static int
eal_find(const struct opts *o, const char *s)
{
	return eal_find_from(o, s, 1);
}

/* How many EAL arguments start with prefix. */
static int
eal_count_prefix(const struct opts *o, const char *prefix)
{
	int n = 0;
	for (int i = 1; i < o->eal_argc; i++)
		n += strncmp(o->eal_argv[i], prefix, strlen(prefix)) == 0;
	return n;
}

static bool
machine_has_free_hugepages(void)
{
	static const char *const paths[] = {
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
		"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
	};
	bool any = false;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = fopen(paths[i], "r");
		unsigned long n = 0;
		if (!f)
			continue;
		if (fscanf(f, "%lu", &n) == 1 && n > 0)
			any = true;
		fclose(f);
	}
	return any;
}

/* The memory default matches the machine: hugepages free -> in memory,
 * none -> no hugepages at all; never both. */
static void
assert_mem_default(const struct opts *o)
{
	if (machine_has_free_hugepages()) {
		assert_true(eal_find(o, "--in-memory") > 0);
		assert_int_equal(eal_find(o, "--no-huge"), -1);
	} else {
		assert_true(eal_find(o, "--no-huge") > 0);
		assert_int_equal(eal_find(o, "--in-memory"), -1);
	}
}

/* "--vdev" immediately followed by dev, exactly once. */
static int
vdev_index(const struct opts *o, const char *dev)
{
	int at = -1;
	for (int i = 1; i + 1 < o->eal_argc; i++) {
		if (strcmp(o->eal_argv[i], "--vdev") == 0 && strcmp(o->eal_argv[i + 1], dev) == 0) {
			assert_int_equal(at, -1);
			at = i;
		}
	}
	return at;
}

/* ---- application options ---- */

static void
test_no_arguments(void **state)
{
	(void)state;
	struct parsed *p = PARSE0();
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.npcaps, 0);
	assert_int_equal(p->o.nifaces, 0);
	assert_null(p->o.bmp_out);
	assert_false(p->o.exit_on_eof);
	assert_int_equal(p->o.max_flows, 16384);    /* defaults stated by --help */
	assert_int_equal(p->o.buffer_mb, 256);
	assert_int_equal(p->o.rx_lcores, 0);
	assert_null(p->o.sysname);
	assert_int_equal(p->o.debug_mask, 0);
	assert_false(p->o.busy_poll);
	assert_false(p->o.user_eal);
	assert_true(p->o.eal_argc >= 1 && p->o.eal_argc < OPTS_MAX_EAL);
	assert_string_equal(p->o.eal_argv[0], "bmptapd");
	assert_null(p->o.eal_argv[p->o.eal_argc]);
	done(p);
}

static void
test_every_option(void **state)
{
	(void)state;
	struct parsed *p = PARSE("--pcap", "a.pcap", "--iface", "eth1", "--pcap", "b.pcap",
				 "--bmp-out", "out.bmp", "--exit-on-eof", "--buffer-size", "64",
				 "--sysname", "tap-1", "--max-flows", "1000", "--rx-lcores", "3",
				 "--busy-poll", "--debug", "event,server", "--iface", "eth2");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.npcaps, 2);
	assert_string_equal(p->o.pcaps[0], "a.pcap");
	assert_string_equal(p->o.pcaps[1], "b.pcap");
	assert_int_equal(p->o.nifaces, 2);
	assert_string_equal(p->o.ifaces[0], "eth1");
	assert_string_equal(p->o.ifaces[1], "eth2");
	assert_string_equal(p->o.bmp_out, "out.bmp");
	assert_true(p->o.exit_on_eof);
	assert_int_equal(p->o.buffer_mb, 64);
	assert_string_equal(p->o.sysname, "tap-1");
	assert_int_equal(p->o.max_flows, 1000);
	assert_int_equal(p->o.rx_lcores, 3);
	assert_true(p->o.busy_poll);
	assert_int_equal(p->o.debug_mask, 0x5);
	assert_false(p->o.user_eal);
	done(p);
}

static void
test_equals_forms_and_bounds(void **state)
{
	(void)state;
	struct parsed *p = PARSE("--buffer-size=1", "--max-flows=16", "--rx-lcores=1",
				 "--bmp-out=-", "--debug=all");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.buffer_mb, 1);
	assert_int_equal(p->o.max_flows, 16);
	assert_int_equal(p->o.rx_lcores, 1);
	assert_string_equal(p->o.bmp_out, "-");
	assert_int_equal(p->o.debug_mask, 0x7);
	done(p);

	p = PARSE("--buffer-size", "65536", "--max-flows", "4194304", "--rx-lcores", "16");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.buffer_mb, 65536);
	assert_int_equal(p->o.max_flows, 4194304);
	assert_int_equal(p->o.rx_lcores, 16);
	done(p);

	p = PARSE("--pcap", "p0", "--pcap", "p1", "--pcap", "p2", "--pcap", "p3",
		  "--pcap", "p4", "--pcap", "p5", "--pcap", "p6", "--pcap", "p7",
		  "--pcap", "p8", "--pcap", "p9", "--pcap", "p10", "--pcap", "p11",
		  "--pcap", "p12", "--pcap", "p13", "--pcap", "p14", "--pcap", "p15");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.npcaps, 16);
	assert_string_equal(p->o.pcaps[15], "p15");
	assert_true(vdev_index(&p->o, "net_pcap15,rx_pcap=p15") > 0);
	done(p);
}

/* ---- bad options: the error names the option and, for numbers, the range ---- */

struct bad_case {
	const char *name;
	const char *args[40];
	const char *want[3];        /* substrings of the error text */
};

static const struct bad_case should_error[] = {
	{ "buffer-size 0", { "--buffer-size", "0" }, { "--buffer-size", "1", "65536" } },
	{ "buffer-size too big", { "--buffer-size", "65537" }, { "--buffer-size", "65536" } },
	{ "buffer-size negative", { "--buffer-size", "-1" }, { "--buffer-size", "1", "65536" } },
	{ "buffer-size word", { "--buffer-size", "lots" }, { "--buffer-size", "lots" } },
	{ "buffer-size trailing", { "--buffer-size", "12M" }, { "--buffer-size", "12M" } },
	{ "buffer-size empty", { "--buffer-size=" }, { "--buffer-size", "65536" } },
	{ "buffer-size overflow", { "--buffer-size", "99999999999999999999999" },
	  { "--buffer-size", "65536" } },
	{ "max-flows too small", { "--max-flows", "15" }, { "--max-flows", "16", "4194304" } },
	{ "max-flows too big", { "--max-flows", "4194305" }, { "--max-flows", "4194304" } },
	{ "max-flows hex", { "--max-flows", "0x100" }, { "--max-flows", "0x100" } },
	{ "rx-lcores 0", { "--rx-lcores", "0" }, { "--rx-lcores", "1", "16" } },
	{ "rx-lcores 17", { "--rx-lcores", "17" }, { "--rx-lcores", "16" } },
	{ "debug unknown", { "--debug", "bogus" }, { "--debug", "bogus" } },
	{ "debug half good", { "--debug", "event,bgp" }, { "--debug", "event,bgp" } },
	{ "pcap missing argument", { "--pcap" }, { "--pcap", "missing" } },
	{ "iface missing argument", { "--busy-poll", "--iface" }, { "--iface", "missing" } },
	{ "bmp-out missing argument", { "--bmp-out" }, { "--bmp-out", "missing" } },
	{ "unknown long option", { "--frobnicate" }, { "--frobnicate", "unknown" } },
	{ "unknown after good", { "--busy-poll", "--frobnicate=3" }, { "--frobnicate" } },
	{ "unknown short option", { "-x" }, { "-x", "unknown" } },
	{ "unknown short in a cluster", { "-xh" }, { "-x", "unknown" } },
	{ "flag given an argument", { "--busy-poll=yes" }, { "--busy-poll", "no argument" } },
	{ "help given an argument", { "--help=me" }, { "--help", "no argument" } },
	{ "unknown short, then help", { "-q", "-h" }, { "-q", "unknown" } },
	{ "stray argument", { "stray" }, { "stray" } },
	{ "stray after options", { "--pcap", "a.pcap", "b.pcap" }, { "b.pcap" } },
	{ "EAL option without --", { "-l", "0-3" }, { "-l" } },
	{ "app error after EAL", { "-l", "0-1", "--", "--rx-lcores", "99" },
	  { "--rx-lcores", "99", "16" } },
	{ "seventeen pcaps", { "--pcap", "p", "--pcap", "p", "--pcap", "p", "--pcap", "p",
			       "--pcap", "p", "--pcap", "p", "--pcap", "p", "--pcap", "p",
			       "--pcap", "p", "--pcap", "p", "--pcap", "p", "--pcap", "p",
			       "--pcap", "p", "--pcap", "p", "--pcap", "p", "--pcap", "p",
			       "--pcap", "p" },
	  { "--pcap", "16" } },
};

static void
test_should_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_error) / sizeof(should_error[0]); i++) {
		const struct bad_case *bc = &should_error[i];
		struct parsed *p = parse_list(bc->args);
		print_message("  %-28s -> %s\n", bc->name, p->err);
		assert_int_equal(p->r, OPTS_ERROR);
		for (int k = 0; k < 3 && bc->want[k]; k++)
			if (!strstr(p->err, bc->want[k]))
				fail_msg("%s: '%s' not in '%s'", bc->name, bc->want[k], p->err);
		done(p);
	}
}

/* ---- help and version ---- */

static char *
stdout_of(const char *const *args, enum opts_result *r)
{
	static char text[8192];
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	struct parsed *p = parse_list(args);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	*r = p->r;
	done(p);
	rewind(tmp);
	size_t n = fread(text, 1, sizeof(text) - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	return text;
}

static void
test_help_version(void **state)
{
	(void)state;
	enum opts_result r;
	char *out = stdout_of((const char *const[]){ "--help", NULL }, &r);
	assert_int_equal(r, OPTS_EXIT_OK);
	assert_non_null(strstr(out, "usage: bmptapd"));
	assert_non_null(strstr(out, "--pcap"));
	assert_non_null(strstr(out, "(256)"));      /* the defaults are printed */
	assert_non_null(strstr(out, "(16384)"));

	out = stdout_of((const char *const[]){ "-h", NULL }, &r);
	assert_int_equal(r, OPTS_EXIT_OK);
	assert_non_null(strstr(out, "usage: bmptapd"));

	/* help wins even after other options, and after EAL options */
	out = stdout_of((const char *const[]){ "-l", "0-1", "--", "--busy-poll", "-h", NULL }, &r);
	assert_int_equal(r, OPTS_EXIT_OK);
	assert_non_null(strstr(out, "usage: bmptapd"));

	out = stdout_of((const char *const[]){ "--version", NULL }, &r);
	assert_int_equal(r, OPTS_EXIT_OK);
	assert_true(strncmp(out, "bmptapd ", 8) == 0);
	assert_true(out[8] >= '0' && out[8] <= '9');
}

/* ---- EAL arguments ---- */

static void
test_defaults_without_eal(void **state)
{
	(void)state;
	struct parsed *p = PARSE0();
	assert_false(p->o.user_eal);
	assert_mem_default(&p->o);
	int fp = eal_find(&p->o, "--file-prefix");
	assert_true(fp > 0 && fp + 1 < p->o.eal_argc);
	assert_int_equal(eal_count_prefix(&p->o, "--file-prefix"), 1);
	/* default levels: notice, and telemetry's start-up chatter hidden */
	assert_int_equal(eal_count_prefix(&p->o, "--log-level"), 2);
	assert_true(eal_find(&p->o, "--log-level=notice") > 0);
	assert_true(eal_find(&p->o, "--log-level=lib.telemetry:warning") > 0);
	/* no shortcut: the ports come from elsewhere, PCI stays scanned */
	assert_int_equal(eal_find(&p->o, "--no-pci"), -1);
	assert_int_equal(eal_find(&p->o, "--vdev"), -1);
	/* a single CPU still gets a worker lcore */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		assert_int_equal(eal_count_prefix(&p->o, "--lcores"), 1);
	else
		assert_int_equal(eal_count_prefix(&p->o, "--lcores"), 0);
	done(p);
}

static void
test_shortcuts_make_vdevs(void **state)
{
	(void)state;
	struct parsed *p = PARSE("--iface", "eth0", "--pcap", "/tmp/a b.pcap", "--pcap", "c.pcap",
				 "--iface", "veth-tap");
	assert_int_equal(p->r, OPTS_RUN);
	int p0 = vdev_index(&p->o, "net_pcap0,rx_pcap=/tmp/a b.pcap");
	int p1 = vdev_index(&p->o, "net_pcap1,rx_pcap=c.pcap");
	int i0 = vdev_index(&p->o, "net_af_packet0,iface=eth0");
	int i1 = vdev_index(&p->o, "net_af_packet1,iface=veth-tap");
	assert_true(p0 > 0 && p1 > p0);
	assert_true(i0 > 0 && i1 > i0);
	assert_int_equal(eal_count_prefix(&p->o, "--vdev"), 4);
	/* every port is a virtual device: no PCI scan */
	assert_int_equal(eal_count_prefix(&p->o, "--no-pci"), 1);
	assert_mem_default(&p->o);
	assert_null(p->o.eal_argv[p->o.eal_argc]);
	done(p);

	/* `--` without EAL options is the same as no `--` */
	p = PARSE("--", "--pcap", "x.pcap");
	assert_int_equal(p->r, OPTS_RUN);
	assert_false(p->o.user_eal);
	assert_int_equal(p->o.npcaps, 1);
	assert_true(vdev_index(&p->o, "net_pcap0,rx_pcap=x.pcap") > 0);
	assert_int_equal(eal_count_prefix(&p->o, "--no-pci"), 1);
	done(p);
}

static void
test_user_eal_respected(void **state)
{
	(void)state;
	struct parsed *p = PARSE("-l", "0-3", "-m", "1024", "--file-prefix", "t1",
				 "--log-level", "8", "--", "--pcap", "x.pcap", "--busy-poll");
	assert_int_equal(p->r, OPTS_RUN);
	assert_true(p->o.user_eal);
	assert_true(p->o.busy_poll);
	/* the user's EAL arguments first, in order, untouched */
	static const char *const want[] = { "bmptapd", "-l", "0-3", "-m", "1024",
					    "--file-prefix", "t1", "--log-level", "8" };
	assert_true(p->o.eal_argc >= 9);
	for (int i = 0; i < 9; i++)
		assert_string_equal(p->o.eal_argv[i], want[i]);
	/* no default duplicates what the user said */
	assert_int_equal(eal_find(&p->o, "--no-huge"), -1);
	assert_int_equal(eal_find(&p->o, "--in-memory"), -1);
	assert_int_equal(eal_count_prefix(&p->o, "--file-prefix"), 1);
	assert_int_equal(eal_count_prefix(&p->o, "--log-level"), 1);
	assert_int_equal(eal_count_prefix(&p->o, "-m"), 1);
	assert_int_equal(eal_count_prefix(&p->o, "--lcores"), 0);
	assert_true(vdev_index(&p->o, "net_pcap0,rx_pcap=x.pcap") > 0);
	assert_null(p->o.eal_argv[p->o.eal_argc]);
	done(p);
}

static void
test_user_eal_equals_forms(void **state)
{
	(void)state;
	struct parsed *p = PARSE("--file-prefix=mine", "--log-level=lib.eal:debug",
				 "--no-huge", "--");
	assert_int_equal(p->r, OPTS_RUN);
	assert_true(p->o.user_eal);
	assert_int_equal(eal_count_prefix(&p->o, "--file-prefix"), 1);
	assert_int_equal(eal_count_prefix(&p->o, "--log-level"), 1);
	assert_int_equal(eal_count_prefix(&p->o, "--no-huge"), 1);
	assert_int_equal(eal_find(&p->o, "--in-memory"), -1);
	assert_string_equal(p->o.eal_argv[1], "--file-prefix=mine");
	done(p);

	/* only some of the defaults given: the others are added */
	p = PARSE("--in-memory", "--", "--iface", "eth0");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(eal_count_prefix(&p->o, "--in-memory"), 1);
	assert_int_equal(eal_find(&p->o, "--no-huge"), -1);
	assert_int_equal(eal_count_prefix(&p->o, "--file-prefix"), 1);
	assert_int_equal(eal_count_prefix(&p->o, "--log-level"), 2);
	assert_true(vdev_index(&p->o, "net_af_packet0,iface=eth0") > 0);
	done(p);
}

/* --no-pci with shortcuts unless the user chose PCI devices (or said
 * --no-pci already); EAL options about other things do not matter. */
static void
test_nopci_and_user_devices(void **state)
{
	(void)state;
	static const struct {
		const char *args[8];
		int nopci;
	} cases[] = {
		{ { "-a", "0000:01:00.0", "--", "--pcap", "x" }, 0 },
		{ { "--allow=0000:01:00.0", "--", "--iface", "eth0" }, 0 },
		{ { "-b", "0000:02:00.0", "--", "--pcap", "x" }, 0 },
		{ { "--block", "0000:02:00.0", "--", "--pcap", "x" }, 0 },
		{ { "--no-pci", "--", "--pcap", "x" }, 1 },
		{ { "-l", "0-1", "--", "--pcap", "x" }, 1 },
		{ { "--vdev", "net_ring0", "--", "--iface", "eth0" }, 1 },
		{ { "-l", "0-1", "--" }, 0 },
		{ { "-a", "0000:01:00.0", "--" }, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed *p = parse_list(cases[i].args);
		assert_int_equal(p->r, OPTS_RUN);
		assert_true(p->o.user_eal);
		assert_int_equal(eal_count_prefix(&p->o, "--no-pci"), cases[i].nopci);
		done(p);
	}
}

/* More EAL arguments than the array holds: refused, not silently cut. */
static void
test_too_many_eal_args(void **state)
{
	(void)state;
	const char *args[OPTS_MAX_EAL + 8];
	int n = 0;
	while (n < OPTS_MAX_EAL + 2)
		args[n++] = "--no-telemetry";
	args[n++] = "--";
	args[n] = NULL;
	struct parsed *p = parse_list(args);
	assert_int_equal(p->r, OPTS_ERROR);
	assert_non_null(strstr(p->err, "EAL"));
	assert_true(p->o.eal_argc < OPTS_MAX_EAL);
	done(p);

	/* too many even though no default needs adding */
	n = 0;
	args[n++] = "--no-huge";
	args[n++] = "--file-prefix=t";
	args[n++] = "--log-level=5";
	while (n < OPTS_MAX_EAL + 2)
		args[n++] = "--no-telemetry";
	args[n++] = "--";
	args[n] = NULL;
	p = parse_list(args);
	assert_int_equal(p->r, OPTS_ERROR);
	assert_non_null(strstr(p->err, "EAL"));
	done(p);

	/* at the limit with room for the defaults: fine */
	n = 0;
	while (n < OPTS_MAX_EAL - 20)
		args[n++] = "--no-telemetry";
	args[n++] = "--";
	args[n] = NULL;
	p = parse_list(args);
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(eal_count_prefix(&p->o, "--no-telemetry"), OPTS_MAX_EAL - 20);
	done(p);
}

/* ---- repeated parsing in one process ---- */

static void
test_reparse(void **state)
{
	(void)state;
	enum opts_result r;
	/* stops inside the cluster "-xh" / "-hh": getopt remembers where */
	struct parsed *p = PARSE("-xh");
	assert_int_equal(p->r, OPTS_ERROR);
	done(p);
	p = PARSE("--pcap", "a.pcap");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.npcaps, 1);
	done(p);

	(void)stdout_of((const char *const[]){ "-hh", NULL }, &r);
	assert_int_equal(r, OPTS_EXIT_OK);
	p = PARSE("--rx-lcores", "2");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(p->o.rx_lcores, 2);
	done(p);

	/* the same argv twice gives the same result, nothing carried over */
	for (int round = 0; round < 3; round++) {
		p = PARSE("-l", "0-1", "--", "stray", "--pcap", "a");
		assert_int_equal(p->r, OPTS_ERROR);
		assert_non_null(strstr(p->err, "stray"));
		done(p);
		p = PARSE("--iface", "eth0", "--exit-on-eof");
		assert_int_equal(p->r, OPTS_RUN);
		assert_int_equal(p->o.nifaces, 1);
		assert_int_equal(p->o.npcaps, 0);
		assert_true(p->o.exit_on_eof);
		assert_false(p->o.busy_poll);
		assert_int_equal(eal_count_prefix(&p->o, "--vdev"), 1);
		done(p);
	}
}

/* ---- Redis ---- */

static void
test_redis_and_namespace(void **state)
{
	(void)state;
	struct parsed *p = PARSE("--redis", "unix:/run/redis.sock", "--iface", "eth1");
	assert_int_equal(p->r, OPTS_RUN);
	assert_string_equal(p->o.redis, "unix:/run/redis.sock");
	assert_null(p->o.config);
	assert_string_equal(p->o.ns, "bmptap");
	assert_false(p->o.ns_given);
	int fp = eal_find(&p->o, "--file-prefix");
	assert_true(fp > 0);
	assert_string_equal(p->o.eal_argv[fp + 1], "bmptap");
	done(p);
	/* a namespace names the EAL runtime directory: two telemetry sockets */
	p = PARSE("--redis", "redis://h/1", "--namespace", "site-2.rack_1");
	assert_int_equal(p->r, OPTS_RUN);
	assert_string_equal(p->o.ns, "site-2.rack_1");
	fp = eal_find(&p->o, "--file-prefix");
	assert_true(fp > 0);
	assert_string_equal(p->o.eal_argv[fp + 1], "bmptap-site-2.rack_1");
	assert_int_equal(eal_count_prefix(&p->o, "--file-prefix"), 1);
	done(p);
	/* unless the user chose the prefix */
	p = PARSE("--file-prefix", "mine", "--", "--namespace", "a");
	assert_int_equal(p->r, OPTS_RUN);
	assert_int_equal(eal_count_prefix(&p->o, "--file-prefix"), 1);
	assert_string_equal(p->o.eal_argv[eal_find(&p->o, "--file-prefix") + 1], "mine");
	done(p);
}

static void
test_redis_errors(void **state)
{
	(void)state;
	struct parsed *p = PARSE("--redis", "unix:/r.sock", "--config", "/etc/bmptap.conf");
	assert_int_equal(p->r, OPTS_ERROR);
	assert_string_equal(p->err, "--redis and --config: the configuration has one source; "
			    "load the file into Redis (bmptapctl) or drop --redis");
	done(p);
	static const char *const bad[] = { "", "a:b", "a b", "a|b", "x*",
		"0123456789012345678901234567890123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = PARSE("--namespace", bad[i]);
		assert_int_equal(p->r, OPTS_ERROR);
		char want[256];
		snprintf(want, sizeof(want), "--namespace '%s': expected 1-63 characters of "
			 "A-Z a-z 0-9 _ . -", bad[i]);
		assert_string_equal(p->err, want);
		done(p);
	}
	p = PARSE("--redis");
	assert_int_equal(p->r, OPTS_ERROR);
	assert_string_equal(p->err, "missing argument to option '--redis' (see --help)");
	done(p);
}

/* --xdp IF: the af_xdp PMD on queue 0 with the filter object as its program. */
static void
test_xdp_shortcut(void **state)
{
	(void)state;
	char obj[] = "/tmp/bmptap-opts-xdp-XXXXXX";
	int fd = mkstemp(obj);
	assert_true(fd >= 0);
	close(fd);
	setenv("BMPTAP_XDP_OBJ", obj, 1);
	struct parsed *p = PARSE("--xdp", "lo");
#if BMPTAP_XDP
	if (geteuid() != 0) {
		assert_int_equal(p->r, OPTS_ERROR);
		assert_non_null(strstr(p->err, "CAP_NET_RAW"));
	} else {
		char want[256];
		snprintf(want, sizeof(want),
			 "net_af_xdp0,iface=lo,start_queue=0,queue_count=1,xdp_prog=%s", obj);
		assert_int_equal(p->r, OPTS_RUN);
		assert_int_equal(p->o.nxdps, 1);
		assert_true(vdev_index(&p->o, want) > 0);
		assert_int_equal(eal_count_prefix(&p->o, "--no-pci"), 1);
		done(p);
		p = PARSE("--xdp", "bmptap-none0");
		assert_int_equal(p->r, OPTS_ERROR);
		assert_non_null(strstr(p->err, "--xdp bmptap-none0: no such network interface"));
		done(p);
		setenv("BMPTAP_XDP_OBJ", "/nonexistent/bgp_filter.bpf.o", 1);
		p = PARSE("--xdp", "lo");
		assert_int_equal(p->r, OPTS_ERROR);
		assert_non_null(strstr(p->err, "/nonexistent/bgp_filter.bpf.o"));
	}
#else
	assert_int_equal(p->r, OPTS_ERROR);
	assert_non_null(strstr(p->err, "built without XDP support"));
#endif
	done(p);
	unsetenv("BMPTAP_XDP_OBJ");
	unlink(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_arguments),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_equals_forms_and_bounds),
		cmocka_unit_test(test_should_error),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_defaults_without_eal),
		cmocka_unit_test(test_shortcuts_make_vdevs),
		cmocka_unit_test(test_user_eal_respected),
		cmocka_unit_test(test_user_eal_equals_forms),
		cmocka_unit_test(test_nopci_and_user_devices),
		cmocka_unit_test(test_too_many_eal_args),
		cmocka_unit_test(test_reparse),
		cmocka_unit_test(test_redis_and_namespace),
		cmocka_unit_test(test_redis_errors),
		cmocka_unit_test(test_xdp_shortcut),
	};
	return cmocka_run_group_tests_name("opts", tests, NULL, NULL);
}
