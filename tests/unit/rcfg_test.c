/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Redis schema (rcfg.h): configuration to hashes and back, every
 * field good and bad, round trips of the vendor examples, and against a
 * real redis-server started by the test on a private socket (skipped when
 * redis-server is not installed): atomic read and write, the version, the
 * change channel, stale keys, URLs, AUTH with a password and an ACL user.
 *
 * Expected configurations come from the vendor-syntax parser (cfg_apply),
 * an independent path; expected hashes and messages are written by hand.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/rcfg.h"

#define NS "bmptap"
#define MAXH 8

/* ---- helpers ---- */

/* One hash: key without the namespace, fields "name=value" one a line. */
struct hspec {
	const char *key;
	const char *fields;
};

static void
build(struct rcfg_hashes *hs, const struct hspec *spec, const char *ns)
{
	unsigned n = 0;

	while (n < MAXH && spec[n].key)
		n++;
	hs->n = n;
	hs->h = calloc(n ? n : 1, sizeof(*hs->h));
	for (unsigned i = 0; i < n; i++) {
		struct rcfg_hash *h = &hs->h[i];
		char buf[4096], *save = NULL;
		snprintf(h->key, sizeof(h->key), "%s:%s", ns, spec[i].key);
		snprintf(buf, sizeof(buf), "%s", spec[i].fields);
		h->f = calloc(64, sizeof(*h->f));
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *eq = strchr(l, '=');
			assert_non_null(eq);
			*eq = '\0';
			snprintf(h->f[h->n].name, sizeof(h->f[0].name), "%s", l);
			snprintf(h->f[h->n].value, sizeof(h->f[0].value), "%s", eq + 1);
			h->n++;
		}
	}
}

static void
from_text(struct cfg *c, const char *text)
{
	struct cfg_error e;

	cfg_init(c);
	if (cfg_apply(c, text, strlen(text), &e) || cfg_validate(c, &e))
		fail_msg("expected configuration does not parse: %s", e.msg);
}

static char *
print(const struct cfg *c)
{
	static char out[8192];
	FILE *f = fmemopen(out, sizeof(out), "w");

	assert_non_null(f);
	assert_int_equal(cfg_write(c, f), 0);
	fclose(f);
	return out;
}

/* Hashes, as "key{f=v,f=v} key{...}" in order, for exact comparisons. */
static const char *
show(const struct rcfg_hashes *hs)
{
	static char out[8192];
	size_t at = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < hs->n; i++) {
		at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%s{", i ? " " : "",
				       hs->h[i].key);
		for (unsigned k = 0; k < hs->h[i].n; k++)
			at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%s=%s", k ? "," : "",
					       hs->h[i].f[k].name, hs->h[i].f[k].value);
		at += (size_t)snprintf(out + at, sizeof(out) - at, "}");
	}
	return out;
}

static void
config_path(char *out, size_t len, const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	int n = slash ? (int)(slash - __FILE__) : 0;
	char exe[2048] = "";
	ssize_t got = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (__FILE__[0] != '/' && got > 0 && strrchr(exe, '/')) {
		exe[got] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(out, len, "%s/../%.*s/../../configs/%s", exe, n, __FILE__, name);
		return;
	}
	snprintf(out, len, "%.*s/../../configs/%s", n, __FILE__, name);
}

/* ---- configuration to hashes ---- */

static void
test_from_cfg(void **state)
{
	struct rcfg_hashes hs;
	struct cfg c;

	(void)state;
	from_text(&c, "router bgp 65000\nbmp buffer-size 2048\nbmp initial-refresh skip\n"
		  "bmp-activate all\n"
		  "bmp server 7\n address 2001:db8::7 port-number 1790\n description LINE x y\n"
		  " initial-delay 5\n failure-retry-delay 31\n flapping-delay 61\n"
		  " set ip dscp 0\n stats-reporting-period 9\n update-source eth0\n"
		  " vpn-instance blue\n activate\n"
		  "bmp server 8\n"
		  "neighbor 10.0.0.1 bmp-activate server 7 server 8\n"
		  "bmp\n bmp-session vpn-instance \"a b\" 10.1.1.1 alias z\n"
		  "  tcp connect port 8000\n  statistics-timer 30\n  monitor public-network\n"
		  "  monitor peer 10.0.0.1\n");
	assert_int_equal(rcfg_from_cfg(&c, "n1", &hs), 0);
	assert_string_equal(show(&hs),
		"n1:BMP_GLOBAL|global{router_as=65000,buffer_size_mb=2048,initial_refresh=skip,"
		"activate_all=true} "
		"n1:BMP_SERVER|7{style=cisco,address=2001:db8::7,port=1790,vpn_instance=blue,"
		"stats_reporting_period=9,activate=true,description=x y,update_source=eth0,"
		"initial_delay=5,failure_retry_delay=31,flapping_delay=61,dscp=0} "
		"n1:BMP_SERVER|8{style=cisco} "
		"n1:BMP_SERVER|1001{style=huawei,address=10.1.1.1,port=8000,vpn_instance=a b,"
		"alias=z,stats_reporting_period=30,monitor_all=true} "
		"n1:BMP_NEIGHBOR|10.0.0.1{activate=7 8 1001}");
	rcfg_hashes_free(&hs);
	cfg_free(&c);
	/* defaults only: no global hash at all */
	cfg_init(&c);
	assert_int_equal(rcfg_from_cfg(&c, NS, &hs), 0);
	assert_int_equal(hs.n, 0);
	rcfg_hashes_free(&hs);
	from_text(&c, "bmp initial-refresh delay 30\nneighbor 10.0.0.9 bmp-activate all\n"
		  "bmp\n bmp-session 10.1.1.1\n  monitor peer 10.0.0.9\n");
	assert_int_equal(rcfg_from_cfg(&c, NS, &hs), 0);
	assert_string_equal(show(&hs),
		"bmptap:BMP_GLOBAL|global{initial_refresh_delay=30} "
		"bmptap:BMP_SERVER|1001{style=huawei,address=10.1.1.1} "
		"bmptap:BMP_NEIGHBOR|10.0.0.9{activate=all 1001}");
	rcfg_hashes_free(&hs);
	cfg_free(&c);
}

/* ---- hashes to configuration: should parse ---- */

static const struct {
	const char *name;
	struct hspec h[MAXH];
	const char *text;               /* the same configuration, vendor syntax */
} should_parse[] = {
	{ "empty", { { NULL, NULL } }, "" },
	{ "globals", { { "BMP_GLOBAL|global", "router_as=4294967295\nbuffer_size_mb=1\n"
			 "initial_refresh=delay\ninitial_refresh_delay=3600\n"
			 "activate_all=false" } },
	  "router bgp 4294967295\nbmp buffer-size 1\nbmp initial-refresh delay 3600\n" },
	{ "refresh skip", { { "BMP_GLOBAL|global", "initial_refresh=skip\nbuffer_size_mb=65536\n"
			      "activate_all=true" } },
	  "bmp initial-refresh skip\nbmp buffer-size 65536\nbmp-activate all\n" },
	{ "cisco full", { { "BMP_SERVER|1000", "style=cisco\nactivate=true\naddress=10.1.1.1\n"
			    "port=65535\ndescription=LINE SERVER1\nvpn_instance=a b\n"
			    "update_source=Ethernet0/0\ninitial_delay=3600\nfailure_retry_delay=1\n"
			    "flapping_delay=3600\ndscp=63\nstats_reporting_period=0" } },
	  "bmp server 1000\n address 10.1.1.1 port-number 65535\n description LINE LINE SERVER1\n"
	  " vpn-instance \"a b\"\n update-source ethernet 0/0\n initial-delay 3600\n"
	  " failure-retry-delay 1\n flapping-delay 3600\n set ip dscp 63\n activate\n" },
	{ "cisco minimal, style from the id", { { "BMP_SERVER|1", "activate=false" } },
	  "bmp server 1\n" },
	{ "cisco dscp 0, empty strings unset", { { "BMP_SERVER|2", "dscp=0\naddress=::2\n"
			"port=1\ndescription=\nvpn_instance=\nupdate_source=" } },
	  "bmp server 2\n address ::2 port-number 1\n set ip dscp 0\n" },
	{ "huawei sessions", {
		{ "BMP_SERVER|1002", "address=10.1.1.1\nalias=backup\nport=8001" },
		{ "BMP_SERVER|1001", "style=huawei\naddress=10.1.1.1\nport=8000\n"
		  "stats_reporting_period=30\nmonitor_all=true\nactivate=true" },
		{ "BMP_SERVER|1003", "address=2001:db8::10\nvpn_instance=mgmt vrf\n"
		  "activate=false" },
		{ "BMP_NEIGHBOR|30.1.1.1", "activate=1003 1002" },
		{ "BMP_NEIGHBOR|2001:db8::2001", "activate=1002" } },
	  "bmp\n bmp-session 10.1.1.1\n  tcp connect port 8000\n  statistics-timer 30\n"
	  "  monitor public-network\n bmp-session 10.1.1.1 alias backup\n"
	  "  tcp connect port 8001\n  monitor peer 30.1.1.1\n  monitor peer 2001:db8::2001\n"
	  " bmp-session vpn-instance \"mgmt vrf\" 2001:db8::10\n  monitor peer 30.1.1.1\n" },
	{ "neighbors sorted, ids deduplicated", {
		{ "BMP_SERVER|1", "style=cisco" }, { "BMP_SERVER|2", "style=cisco" },
		{ "BMP_NEIGHBOR|2001:db8::1", "activate=2 1 2" },
		{ "BMP_NEIGHBOR|10.0.0.2", "activate=all" },
		{ "BMP_NEIGHBOR|10.0.0.1", "activate=1" } },
	  "bmp server 1\nbmp server 2\nneighbor 10.0.0.1 bmp-activate server 1\n"
	  "neighbor 10.0.0.2 bmp-activate all\n"
	  "neighbor 2001:db8::1 bmp-activate server 1 server 2\n" },
	{ "all with a huawei id", {
		{ "BMP_SERVER|1001", "address=10.1.1.1" },
		{ "BMP_NEIGHBOR|10.0.0.1", "activate=all 1001" } },
	  "neighbor 10.0.0.1 bmp-activate all\nbmp\n bmp-session 10.1.1.1\n"
	  "  monitor peer 10.0.0.1\n" },
};

static void
test_should_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_parse) / sizeof(should_parse[0]); i++) {
		struct rcfg_hashes hs;
		struct cfg got, want;
		struct cfg_error e;
		char txt[8192];

		build(&hs, should_parse[i].h, NS);
		from_text(&want, should_parse[i].text);
		if (rcfg_to_cfg(&hs, NS, &got, &e) != 0)
			fail_msg("%s: refused: %s", should_parse[i].name, e.msg);
		snprintf(txt, sizeof(txt), "%s", print(&want));
		if (!cfg_equal(&got, &want))
			fail_msg("%s: got\n%s\nwant\n%s", should_parse[i].name, print(&got), txt);
		rcfg_hashes_free(&hs);
		cfg_free(&got);
		cfg_free(&want);
	}
}

/* ---- hashes to configuration: should error, naming key and field ---- */

static const struct {
	struct hspec h[3];
	const char *msg;
	const char *word;
} should_error[] = {
	/* tables and keys */
	{ { { "BMP_FOO|1", "a=b" } },
	  "bmptap:BMP_FOO|1: unknown table (expected BMP_GLOBAL, BMP_SERVER or BMP_NEIGHBOR)", "" },
	{ { { "BMP_GLOBAL|main", "activate_all=true" } },
	  "bmptap:BMP_GLOBAL|main: the only key of BMP_GLOBAL is 'global'", "main" },
	{ { { "BMP_SERVER|0", "style=cisco" } },
	  "bmptap:BMP_SERVER|0: server id '0': expected 1-1000 (cisco) or 1001-1063 (huawei)",
	  "0" },
	{ { { "BMP_SERVER|1064", "style=huawei" } },
	  "bmptap:BMP_SERVER|1064: server id '1064': expected 1-1000 (cisco) or 1001-1063 "
	  "(huawei)", "1064" },
	{ { { "BMP_SERVER|01", "style=cisco" } },
	  "bmptap:BMP_SERVER|01: server id '01': expected 1-1000 (cisco) or 1001-1063 (huawei)",
	  "01" },
	{ { { "BMP_NEIGHBOR|10.0.0.256", "activate=all" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.256: '10.0.0.256' is not a unicast IPv4 or IPv6 address",
	  "10.0.0.256" },
	{ { { "BMP_NEIGHBOR|224.0.0.1", "activate=all" } },
	  "bmptap:BMP_NEIGHBOR|224.0.0.1: '224.0.0.1' is not a unicast IPv4 or IPv6 address",
	  "224.0.0.1" },
	{ { { "BMP_NEIGHBOR|2001:DB8::1", "activate=all" } },
	  "bmptap:BMP_NEIGHBOR|2001:DB8::1: write the address as 2001:db8::1", "2001:DB8::1" },
	/* fields */
	{ { { "BMP_GLOBAL|global", "router_as=0" } },
	  "bmptap:BMP_GLOBAL|global router_as '0': out of range 1-4294967295", "router_as" },
	{ { { "BMP_GLOBAL|global", "router_as=4294967296" } },
	  "bmptap:BMP_GLOBAL|global router_as '4294967296': out of range 1-4294967295",
	  "router_as" },
	{ { { "BMP_GLOBAL|global", "buffer_size_mb=65537" } },
	  "bmptap:BMP_GLOBAL|global buffer_size_mb '65537': out of range 1-65536",
	  "buffer_size_mb" },
	{ { { "BMP_GLOBAL|global", "buffer_size_mb=-1" } },
	  "bmptap:BMP_GLOBAL|global buffer_size_mb '-1': not a number (1-65536)",
	  "buffer_size_mb" },
	{ { { "BMP_GLOBAL|global", "initial_refresh=never" } },
	  "bmptap:BMP_GLOBAL|global initial_refresh 'never': expected delay or skip",
	  "initial_refresh" },
	{ { { "BMP_GLOBAL|global", "initial_refresh_delay=0" } },
	  "bmptap:BMP_GLOBAL|global initial_refresh_delay '0': out of range 1-3600",
	  "initial_refresh_delay" },
	{ { { "BMP_GLOBAL|global", "activate_all=yes" } },
	  "bmptap:BMP_GLOBAL|global activate_all 'yes': expected true or false", "activate_all" },
	{ { { "BMP_GLOBAL|global", "colour=red" } },
	  "bmptap:BMP_GLOBAL|global colour: unknown field", "colour" },
	{ { { "BMP_SERVER|1", "dscp=64" } },
	  "bmptap:BMP_SERVER|1 dscp '64': out of range 0-63", "dscp" },
	{ { { "BMP_SERVER|1", "dscp= 1" } },
	  "bmptap:BMP_SERVER|1 dscp ' 1': not a number (0-63)", "dscp" },
	{ { { "BMP_SERVER|1", "style=juniper" } },
	  "bmptap:BMP_SERVER|1 style 'juniper': expected cisco or huawei", "style" },
	{ { { "BMP_SERVER|1", "style=huawei" } },
	  "bmptap:BMP_SERVER|1 style 'huawei': cisco servers are numbered 1-1000, huawei "
	  "sessions 1001-1063", "style" },
	{ { { "BMP_SERVER|1", "activate=1" } },
	  "bmptap:BMP_SERVER|1 activate '1': expected true or false", "activate" },
	{ { { "BMP_SERVER|1", "activate=true" } },
	  "bmptap:BMP_SERVER|1 activate 'true': the server has no address and port", "activate" },
	{ { { "BMP_SERVER|1", "address=10.1.1.1" } },
	  "bmptap:BMP_SERVER|1 port: missing (a cisco server has both address and port, "
	  "or neither)", "port" },
	{ { { "BMP_SERVER|1", "address=fe80::1\nport=1" } },
	  "bmptap:BMP_SERVER|1 address 'fe80::1': link-local address refused (a station cannot "
	  "be reached by a link-local address)", "address" },
	{ { { "BMP_SERVER|1", "address=169.254.1.1\nport=1" } },
	  "bmptap:BMP_SERVER|1 address '169.254.1.1': link-local address refused (a station "
	  "cannot be reached by a link-local address)", "address" },
	{ { { "BMP_SERVER|1", "address=0.0.0.0\nport=1" } },
	  "bmptap:BMP_SERVER|1 address '0.0.0.0': not a unicast address", "address" },
	{ { { "BMP_SERVER|1", "address=ff02::1\nport=1" } },
	  "bmptap:BMP_SERVER|1 address 'ff02::1': not a unicast address", "address" },
	{ { { "BMP_SERVER|1", "address=host.example\nport=1" } },
	  "bmptap:BMP_SERVER|1 address 'host.example': not an IPv4 or IPv6 address", "address" },
	{ { { "BMP_SERVER|1", "address=10.1.1.1\nport=0" } },
	  "bmptap:BMP_SERVER|1 port '0': out of range 1-65535", "port" },
	{ { { "BMP_SERVER|1", "address=10.1.1.1\nport=65536" } },
	  "bmptap:BMP_SERVER|1 port '65536': out of range 1-65535", "port" },
	{ { { "BMP_SERVER|1", "description= x" } },
	  "bmptap:BMP_SERVER|1 description ' x': leading or trailing space", "description" },
	{ { { "BMP_SERVER|1", "description=a\tb" } },
	  "bmptap:BMP_SERVER|1 description 'a\tb': control character 0x09 not allowed",
	  "description" },
	{ { { "BMP_SERVER|1", "vpn_instance=_public_" } },
	  "bmptap:BMP_SERVER|1 vpn_instance '_public_': the public network has no vpn-instance "
	  "(name reserved)", "vpn_instance" },
	{ { { "BMP_SERVER|1", "vpn_instance=a\"b" } },
	  "bmptap:BMP_SERVER|1 vpn_instance 'a\"b': character 0x22 not allowed", "vpn_instance" },
	{ { { "BMP_SERVER|1", "vpn_instance=0123456789012345678901234567890123" } },
	  "bmptap:BMP_SERVER|1 vpn_instance '0123456789012345678901234567890123': 34 characters, "
	  "allowed 1-31", "vpn_instance" },
	{ { { "BMP_SERVER|1", "update_source=eth 0" } },
	  "bmptap:BMP_SERVER|1 update_source 'eth 0': character 0x20 not allowed",
	  "update_source" },
	{ { { "BMP_SERVER|1", "initial_delay=3601" } },
	  "bmptap:BMP_SERVER|1 initial_delay '3601': out of range 0-3600", "initial_delay" },
	{ { { "BMP_SERVER|1", "failure_retry_delay=0" } },
	  "bmptap:BMP_SERVER|1 failure_retry_delay '0': out of range 1-3600",
	  "failure_retry_delay" },
	{ { { "BMP_SERVER|1", "flapping_delay=x" } },
	  "bmptap:BMP_SERVER|1 flapping_delay 'x': not a number (1-3600)", "flapping_delay" },
	{ { { "BMP_SERVER|1", "stats_reporting_period=3601" } },
	  "bmptap:BMP_SERVER|1 stats_reporting_period '3601': out of range 0-3600",
	  "stats_reporting_period" },
	{ { { "BMP_SERVER|1", "alias=x" } },
	  "bmptap:BMP_SERVER|1 alias: not a field of a cisco server", "alias" },
	{ { { "BMP_SERVER|1", "monitor_all=true" } },
	  "bmptap:BMP_SERVER|1 monitor_all: not a field of a cisco server", "monitor_all" },
	{ { { "BMP_SERVER|1001", "address=10.1.1.1\ndscp=1" } },
	  "bmptap:BMP_SERVER|1001 dscp: not a field of a huawei server", "dscp" },
	{ { { "BMP_SERVER|1001", "port=1" } },
	  "bmptap:BMP_SERVER|1001 address: missing (a huawei session is known by its address)",
	  "address" },
	{ { { "BMP_SERVER|1001", "address=10.1.1.1\nactivate=true" } },
	  "bmptap:BMP_SERVER|1001 activate 'true': a huawei session is active exactly when it "
	  "has a port", "activate" },
	{ { { "BMP_SERVER|1001", "address=10.1.1.1\nmonitor_all=on" } },
	  "bmptap:BMP_SERVER|1001 monitor_all 'on': expected true or false", "monitor_all" },
	{ { { "BMP_SERVER|1002", "address=10.1.1.1" } },
	  "bmptap:BMP_SERVER|1002: huawei sessions are numbered 1001, 1002, ... without holes: "
	  "expected 1001", "" },
	{ { { "BMP_SERVER|1", "dscp=1\ndscp=2" } },
	  "bmptap:BMP_SERVER|1 dscp: given twice", "dscp" },
	{ { { "BMP_NEIGHBOR|10.0.0.1", "activate=server 1" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1 activate 'server 1': 'server' is neither all nor a "
	  "server id", "activate" },
	{ { { "BMP_NEIGHBOR|10.0.0.1", "activate=" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1 activate '': expected all or server ids", "activate" },
	{ { { "BMP_NEIGHBOR|10.0.0.1", "activate=all\nservers=1" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1 servers: unknown field", "servers" },
	{ { { "BMP_NEIGHBOR|10.0.0.1", "" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1 activate: missing (all, or server ids)", "activate" },
	/* rules across hashes */
	{ { { "BMP_NEIGHBOR|10.0.0.1", "activate=1 7" }, { "BMP_SERVER|1", "style=cisco" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1 activate: server 7 is not configured "
	  "(no bmptap:BMP_SERVER|7)", "activate" },
	{ { { "BMP_NEIGHBOR|10.0.0.1", "activate=all 1" }, { "BMP_SERVER|1", "style=cisco" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1 activate 'all 1': all already names server 1",
	  "activate" },
	{ { { "BMP_SERVER|1", "address=10.1.1.1\nport=8000" },
	    { "BMP_SERVER|2", "address=10.1.1.1\nport=8000" } },
	  "bmptap:BMP_SERVER|2 address: server 1 connects to the same address, port and "
	  "vpn_instance", "address" },
	{ { { "BMP_SERVER|1001", "address=10.1.1.1\nport=1" },
	    { "BMP_SERVER|1002", "address=10.1.1.1\nport=2" } },
	  "bmptap:BMP_SERVER|1002 alias: session 1001 has the same address and vpn_instance: "
	  "give each its own alias", "alias" },
	{ { { "BMP_SERVER|1", "style=cisco" }, { "BMP_SERVER|1", "style=cisco" } },
	  "bmptap:BMP_SERVER|1: server 1 given twice", "1" },
	{ { { "BMP_NEIGHBOR|10.0.0.1", "activate=all" }, { "BMP_NEIGHBOR|10.0.0.1",
	    "activate=all" } },
	  "bmptap:BMP_NEIGHBOR|10.0.0.1: the same address is given under two keys", "" },
};

static void
test_should_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_error) / sizeof(should_error[0]); i++) {
		struct rcfg_hashes hs;
		struct cfg got;
		struct cfg_error e;

		build(&hs, should_error[i].h, NS);
		if (rcfg_to_cfg(&hs, NS, &got, &e) != -EINVAL)
			fail_msg("case %zu accepted, expected: %s", i, should_error[i].msg);
		if (strcmp(e.msg, should_error[i].msg) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, e.msg, should_error[i].msg);
		assert_string_equal(e.word, should_error[i].word);
		assert_int_equal(e.line, 0);
		/* a refused configuration is left empty and usable */
		assert_int_equal(got.nservers, 0);
		assert_int_equal(got.nneighbors, 0);
		cfg_free(&got);
		rcfg_hashes_free(&hs);
	}
}

static void
test_namespace(void **state)
{
	static const struct hspec h[] = { { "BMP_SERVER|1", "style=cisco" }, { NULL, NULL } };
	struct rcfg_hashes hs;
	struct cfg c;
	struct cfg_error e;

	(void)state;
	build(&hs, h, "other");
	assert_int_equal(rcfg_to_cfg(&hs, NS, &c, &e), -EINVAL);
	assert_string_equal(e.msg, "other:BMP_SERVER|1: not in namespace 'bmptap'");
	assert_int_equal(rcfg_to_cfg(&hs, "other", &c, &e), 0);
	assert_int_equal(c.nservers, 1);
	assert_int_equal(rcfg_to_cfg(&hs, "othe", &c, NULL), -EINVAL);
	cfg_free(&c);
	rcfg_hashes_free(&hs);
	assert_true(rcfg_ns_valid("bmptap"));
	assert_true(rcfg_ns_valid("site-1.rack_2"));
	assert_true(rcfg_ns_valid("A"));
	assert_false(rcfg_ns_valid(""));
	assert_false(rcfg_ns_valid("a:b"));
	assert_false(rcfg_ns_valid("a|b"));
	assert_false(rcfg_ns_valid("a*"));
	assert_false(rcfg_ns_valid("a b"));
	/* 63 characters, then 64 */
	assert_true(rcfg_ns_valid("012345678901234567890123456789012345678901234567890"
				  "123456789012"));
	assert_false(rcfg_ns_valid("012345678901234567890123456789012345678901234567890"
				   "1234567890123"));
}

/* Too many servers and neighbors are refused at the first one too many. */
static void
test_limits(void **state)
{
	struct rcfg_hashes hs = { 0 };
	struct cfg c;
	struct cfg_error e;
	unsigned n = 64 + CFG_MAX_NEIGHBORS + 1;

	(void)state;
	hs.h = calloc(n, sizeof(*hs.h));
	for (unsigned i = 0; i < 64; i++) {
		snprintf(hs.h[i].key, sizeof(hs.h[i].key), NS ":BMP_SERVER|%u", i + 1);
		hs.h[i].f = calloc(1, sizeof(*hs.h[i].f));
		hs.h[i].n = 1;
		strcpy(hs.h[i].f[0].name, "style");
		strcpy(hs.h[i].f[0].value, "cisco");
	}
	hs.n = 64;
	assert_int_equal(rcfg_to_cfg(&hs, NS, &c, &e), -EINVAL);
	assert_string_equal(e.msg, "bmptap:BMP_SERVER|64: too many servers (at most 63)");
	hs.n = 63;
	free(hs.h[63].f);
	for (unsigned i = 0; i < CFG_MAX_NEIGHBORS + 1; i++) {
		struct rcfg_hash *h = &hs.h[hs.n++];
		snprintf(h->key, sizeof(h->key), NS ":BMP_NEIGHBOR|10.%u.%u.1", i / 256, i % 256);
		h->f = calloc(1, sizeof(*h->f));
		h->n = 1;
		strcpy(h->f[0].name, "activate");
		strcpy(h->f[0].value, "all");
	}
	assert_int_equal(rcfg_to_cfg(&hs, NS, &c, &e), -EINVAL);
	assert_string_equal(e.msg, "bmptap:BMP_NEIGHBOR|10.16.0.1: too many neighbors "
			    "(at most 4096)");
	hs.n--;
	if (rcfg_to_cfg(&hs, NS, &c, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(c.nservers, 63);
	assert_int_equal(c.nneighbors, CFG_MAX_NEIGHBORS);
	cfg_free(&c);
	hs.n++;
	rcfg_hashes_free(&hs);
}

/* cfg -> hashes -> cfg, and the vendor text of both, for the shipped files. */
static void
round_trip(const struct cfg *c, const char *ns)
{
	struct rcfg_hashes hs;
	struct cfg back;
	struct cfg_error e;
	char first[8192];

	assert_int_equal(rcfg_from_cfg(c, ns, &hs), 0);
	if (rcfg_to_cfg(&hs, ns, &back, &e) != 0)
		fail_msg("round trip refused: %s", e.msg);
	assert_true(cfg_equal(c, &back));
	snprintf(first, sizeof(first), "%s", print(c));
	assert_string_equal(print(&back), first);
	rcfg_hashes_free(&hs);
	cfg_free(&back);
}

static void
test_round_trip_files(void **state)
{
	static const char *const files[] = { "bmptap.conf", "cisco-example.conf",
					     "huawei-example.conf" };
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		struct cfg c;
		struct cfg_error e;
		config_path(path, sizeof(path), files[i]);
		if (cfg_load_file(&c, path, &e))
			fail_msg("%s: %s", files[i], e.msg);
		assert_true(c.nservers > 0);
		round_trip(&c, NS);
		round_trip(&c, "site-2");
		cfg_free(&c);
	}
}

/* ---- against a real redis-server ---- */

struct redis {
	pid_t pid;
	char dir[64];
	char sock[128];
	char url[160];
	int port;
};

static struct redis srv;

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool
redis_start(struct redis *r, const char *const *extra)
{
	char port[16], *argv[32];
	int n = 0;

	if (access("/usr/bin/redis-server", X_OK) != 0)
		return false;
	snprintf(r->dir, sizeof(r->dir), "/tmp/rcfg_test_XXXXXX");
	if (!mkdtemp(r->dir))
		return false;
	snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
	snprintf(r->url, sizeof(r->url), "unix:%s", r->sock);
	r->port = free_port();
	snprintf(port, sizeof(port), "%d", r->port);
	const char *base[] = { "redis-server", "--port", port, "--bind", "127.0.0.1",
			       "--unixsocket", r->sock, "--save", "", "--appendonly", "no",
			       "--dir", r->dir, "--loglevel", "warning", NULL };
	for (const char *const *a = base; *a; a++)
		argv[n++] = (char *)*a;
	for (const char *const *a = extra; a && *a; a++)
		argv[n++] = (char *)*a;
	argv[n] = NULL;
	r->pid = fork();
	if (r->pid == 0) {
		freopen("/dev/null", "w", stdout);
		execv("/usr/bin/redis-server", argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct stat st;
		if (stat(r->sock, &st) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static void
redis_stop(struct redis *r)
{
	char cmd[128];

	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	if (r->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", r->dir);
}

#define NEED_REDIS() do { if (!srv.pid) { skip(); } } while (0)

static redisContext *
connect_ok(const char *url)
{
	char err[256] = "";
	redisContext *rc = rcfg_connect(url, (struct timeval){ 2, 0 }, err, sizeof(err));

	if (!rc)
		fail_msg("%s: %s", url, err);
	return rc;
}

static long long
cmd_int(redisContext *rc, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	long long v;

	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

static void
cmd_ok(redisContext *rc, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("%s", r->str);
	freeReplyObject(r);
}

static const char conf_a[] =
	"bmp server 1\n address 10.1.1.1 port-number 8000\n set ip dscp 5\n activate\n"
	"bmp server 2\n address 10.1.1.2 port-number 8000\n activate\n"
	"neighbor 10.0.0.1 bmp-activate server 1 server 2\nbmp buffer-size 512\n";
static const char conf_b[] =
	"bmp server 1\n address 10.9.9.9 port-number 9000\n description B\n activate\n"
	"neighbor 10.0.0.2 bmp-activate all\n";

static void
test_redis_write_read(void **state)
{
	struct cfg a, b, got;
	struct cfg_error e;
	uint64_t v = 0, rv = 0;
	char err[256];

	(void)state;
	NEED_REDIS();
	redisContext *rc = connect_ok(srv.url);
	cmd_ok(rc, "FLUSHALL");
	/* nothing yet: version 0, defaults */
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), 0);
	assert_int_equal(rv, 0);
	assert_int_equal(got.nservers, 0);
	from_text(&a, conf_a);
	from_text(&b, conf_b);
	assert_int_equal(rcfg_write(rc, NS, &a, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), 0);
	assert_int_equal(rv, 1);
	assert_true(cfg_equal(&got, &a));
	cfg_free(&got);
	assert_int_equal(cmd_int(rc, "EXISTS bmptap:BMP_SERVER|2"), 1);
	assert_int_equal(cmd_int(rc, "HLEN bmptap:BMP_SERVER|1"), 5);
	assert_int_equal(cmd_int(rc, "EXISTS bmptap:BMP_GLOBAL|global"), 1);
	/* b has no server 2 and another neighbor: the stale keys go */
	assert_int_equal(rcfg_write(rc, NS, &b, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2);
	assert_int_equal(cmd_int(rc, "EXISTS bmptap:BMP_SERVER|2"), 0);
	assert_int_equal(cmd_int(rc, "EXISTS bmptap:BMP_NEIGHBOR|10.0.0.1"), 0);
	assert_int_equal(cmd_int(rc, "EXISTS bmptap:BMP_GLOBAL|global"), 0); /* defaults */
	assert_int_equal(cmd_int(rc, "HEXISTS bmptap:BMP_SERVER|1 dscp"), 0);
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), 0);
	assert_int_equal(rv, 2);
	assert_true(cfg_equal(&got, &b));
	cfg_free(&got);
	/* other namespaces and other tables are not touched */
	cmd_ok(rc, "HSET other:BMP_SERVER|5 style cisco");
	cmd_ok(rc, "HSET bmptap:BMP_SERVER_STATE|1 status Up");
	assert_int_equal(rcfg_write(rc, NS, &a, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 3);
	assert_int_equal(cmd_int(rc, "EXISTS other:BMP_SERVER|5"), 1);
	assert_int_equal(cmd_int(rc, "EXISTS bmptap:BMP_SERVER_STATE|1"), 1);
	assert_int_equal(rcfg_read(rc, "other", &got, &rv, &e), 0);
	assert_int_equal(got.nservers, 1);
	assert_int_equal(rv, 0);
	cfg_free(&got);
	cfg_free(&a);
	cfg_free(&b);
	redisFree(rc);
}

static void
test_redis_read_errors(void **state)
{
	struct cfg got;
	struct cfg_error e;
	uint64_t rv;

	(void)state;
	NEED_REDIS();
	redisContext *rc = connect_ok(srv.url);
	cmd_ok(rc, "FLUSHALL");
	cmd_ok(rc, "HSET bmptap:BMP_SERVER|1 dscp 64");
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), -EINVAL);
	assert_string_equal(e.msg, "bmptap:BMP_SERVER|1 dscp '64': out of range 0-63");
	cmd_ok(rc, "DEL bmptap:BMP_SERVER|1");
	cmd_ok(rc, "SET bmptap:BMP_SERVER|1 x");
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), -EINVAL);
	assert_string_equal(e.msg, "bmptap:BMP_SERVER|1: a string, not a hash");
	cmd_ok(rc, "DEL bmptap:BMP_SERVER|1");
	cmd_ok(rc, "SET bmptap:CONFIG_VERSION abc");
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), -EIO);
	assert_non_null(strstr(e.msg, "CONFIG_VERSION"));
	cmd_ok(rc, "SET bmptap:CONFIG_VERSION 41");
	assert_int_equal(rcfg_read(rc, NS, &got, &rv, &e), 0);
	assert_int_equal(rv, 41);
	cfg_free(&got);
	redisFree(rc);
}

/* The publish of a write is seen by a subscriber, with the version. */
static void
test_redis_publish(void **state)
{
	struct cfg a;
	uint64_t v;
	char err[256];
	redisReply *r;

	(void)state;
	NEED_REDIS();
	redisContext *rc = connect_ok(srv.url), *sub = connect_ok(srv.url);
	cmd_ok(rc, "FLUSHALL");
	r = redisCommand(sub, "SUBSCRIBE bmptap:CONFIG_CHANGED");
	assert_non_null(r);
	freeReplyObject(r);
	from_text(&a, conf_a);
	assert_int_equal(rcfg_write(rc, NS, &a, &v, err, sizeof(err)), 0);
	assert_int_equal(rcfg_write(rc, "other", &a, &v, err, sizeof(err)), 0);
	assert_int_equal(rcfg_write(rc, NS, &a, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2);
	for (int want = 1; want <= 2; want++) {
		assert_int_equal(redisGetReply(sub, (void **)&r), REDIS_OK);
		assert_int_equal(r->type, REDIS_REPLY_ARRAY);
		assert_int_equal(r->elements, 3);
		assert_string_equal(r->element[0]->str, "message");
		assert_string_equal(r->element[1]->str, "bmptap:CONFIG_CHANGED");
		assert_int_equal(atoi(r->element[2]->str), want);
		freeReplyObject(r);
	}
	cfg_free(&a);
	redisFree(sub);
	redisFree(rc);
}

/*
 * Atomicity: a writer alternates two configurations while a reader reads
 * on another connection; every read is one of the two, never a mix, and
 * its version says which.
 */
struct writer_arg {
	const struct cfg *a, *b;
	int rounds;
	int failed;
};

static void *
writer(void *p)
{
	struct writer_arg *w = p;
	char err[256];
	uint64_t v;
	redisContext *rc = rcfg_connect(srv.url, (struct timeval){ 2, 0 }, err, sizeof(err));

	if (!rc) {
		w->failed = 1;
		return NULL;
	}
	for (int i = 0; i < w->rounds; i++)
		if (rcfg_write(rc, NS, i % 2 ? w->b : w->a, &v, err, sizeof(err)) != 0)
			w->failed = 1;
	redisFree(rc);
	return NULL;
}

static void
test_redis_atomic(void **state)
{
	struct cfg a, b, got;
	struct cfg_error e;
	uint64_t v, last = 0;
	pthread_t t;
	char err[256];
	int seen_a = 0, seen_b = 0;

	(void)state;
	NEED_REDIS();
	redisContext *rc = connect_ok(srv.url);
	cmd_ok(rc, "FLUSHALL");
	from_text(&a, conf_a);
	from_text(&b, conf_b);
	assert_int_equal(rcfg_write(rc, NS, &b, &v, err, sizeof(err)), 0);
	struct writer_arg w = { &a, &b, 400, 0 };
	assert_int_equal(pthread_create(&t, NULL, writer, &w), 0);
	for (int i = 0; i < 400; i++) {
		if (rcfg_read(rc, NS, &got, &v, &e) != 0)
			fail_msg("read %d: %s", i, e.msg);
		/* version 1 is b; then write k (from 0) makes version k + 2:
		 * even versions a, odd b */
		bool is_a = cfg_equal(&got, &a), is_b = cfg_equal(&got, &b);
		if (!is_a && !is_b)
			fail_msg("read %d (version %lu) is neither configuration:\n%s", i,
				 (unsigned long)v, print(&got));
		assert_true(is_a == (v % 2 == 0));
		assert_true(v >= last);
		last = v;
		seen_a += is_a;
		seen_b += is_b;
		cfg_free(&got);
	}
	pthread_join(t, NULL);
	assert_int_equal(w.failed, 0);
	assert_true(seen_a + seen_b == 400);
	cfg_free(&a);
	cfg_free(&b);
	redisFree(rc);
}

static const char *const bad_urls[] = {
	"", "redis:/host", "http://host", "redis://", "redis://host:0", "redis://host:65536",
	"redis://host:x", "redis://host/x", "redis://[::1", "redis://[::1]x", "unix:",
	"unix:relative/path", "unix://user:pw@relative", "unix:/p?db=x", "unix:/p?x=1",
	"redis://us%zzer:pw@host", "redis://host:6379/-1",
};

static void
test_urls(void **state)
{
	char err[256], url[512];
	redisContext *rc;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		err[0] = '\0';
		rc = rcfg_connect(bad_urls[i], (struct timeval){ 0, 200000 }, err, sizeof(err));
		if (rc)
			fail_msg("'%s' accepted", bad_urls[i]);
		assert_non_null(strstr(err, "Redis URL: expected"));
	}
	/* nothing listens there: the error names the place, never a password */
	rc = rcfg_connect("unix://u:secret@/nonexistent/redis.sock", (struct timeval){ 0, 200000 },
			  err, sizeof(err));
	assert_null(rc);
	assert_string_equal(err, "Redis unix:/nonexistent/redis.sock: No such file or directory");
	NEED_REDIS();
	/* TCP, database number, IPv4 and bracketed host */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", srv.port);
	rc = connect_ok(url);
	cmd_ok(rc, "SET rcfg_test_db 3");
	redisFree(rc);
	snprintf(url, sizeof(url), "unix:%s?db=3", srv.sock);
	rc = connect_ok(url);
	redisReply *r = redisCommand(rc, "GET rcfg_test_db");
	assert_string_equal(r->str, "3");
	freeReplyObject(r);
	redisFree(rc);
	snprintf(url, sizeof(url), "unix://%s", srv.sock);
	rc = connect_ok(url);
	assert_int_equal(cmd_int(rc, "EXISTS rcfg_test_db"), 0);    /* db 0 */
	redisFree(rc);
	snprintf(url, sizeof(url), "redis://[127.0.0.1]:%d/3", srv.port);
	rc = connect_ok(url);          /* brackets, as for an IPv6 literal */
	assert_int_equal(cmd_int(rc, "EXISTS rcfg_test_db"), 1);
	redisFree(rc);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", free_port());
	rc = rcfg_connect(url, (struct timeval){ 1, 0 }, err, sizeof(err));
	assert_null(rc);
	assert_non_null(strstr(err, "Redis 127.0.0.1 port "));
	assert_non_null(strstr(err, "Connection refused"));
}

static void
test_auth(void **state)
{
	static const char *const extra[] = { "--requirepass", "s3cr:t@x", NULL };
	struct redis r2 = { 0 };
	char url[512], err[256];
	redisContext *rc;

	(void)state;
	if (!redis_start(&r2, extra)) {
		redis_stop(&r2);
		skip();
	}
	/* password only; ':' and '@' percent-encoded or not before the last '@' */
	snprintf(url, sizeof(url), "unix://:s3cr%%3At%%40x@%s", r2.sock);
	rc = connect_ok(url);
	cmd_ok(rc, "ACL SETUSER alice on >al1ce ~bmptap:* &* +@all");
	cmd_ok(rc, "ACL SETUSER bob on >b0b ~other:* +@all");
	redisFree(rc);
	snprintf(url, sizeof(url), "redis://:s3cr%%3At%%40x@127.0.0.1:%d/1", r2.port);
	rc = connect_ok(url);
	redisFree(rc);
	/* no or a wrong password */
	rc = rcfg_connect(r2.url, (struct timeval){ 1, 0 }, err, sizeof(err));
	assert_non_null(rc);            /* connected; the first command says NOAUTH */
	struct cfg c;
	struct cfg_error e;
	uint64_t v;
	assert_int_equal(rcfg_read(rc, NS, &c, &v, &e), -EIO);
	assert_non_null(strstr(e.msg, "NOAUTH"));
	redisFree(rc);
	snprintf(url, sizeof(url), "unix://:wrong@%s", r2.sock);
	assert_null(rcfg_connect(url, (struct timeval){ 1, 0 }, err, sizeof(err)));
	assert_non_null(strstr(err, "AUTH: WRONGPASS"));
	assert_null(strstr(err, "wrong"));
	/* ACL users: alice may use bmptap:*, bob may not */
	snprintf(url, sizeof(url), "unix://alice:al1ce@%s", r2.sock);
	rc = connect_ok(url);
	struct cfg a;
	from_text(&a, conf_a);
	assert_int_equal(rcfg_write(rc, NS, &a, &v, err, sizeof(err)), 0);
	assert_int_equal(rcfg_read(rc, NS, &c, &v, &e), 0);
	assert_true(cfg_equal(&c, &a));
	cfg_free(&c);
	redisFree(rc);
	snprintf(url, sizeof(url), "redis://bob:b0b@127.0.0.1:%d", r2.port);
	rc = connect_ok(url);
	assert_int_equal(rcfg_write(rc, NS, &a, &v, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "NOPERM"));
	redisFree(rc);
	snprintf(url, sizeof(url), "unix://alice:bad@%s", r2.sock);
	assert_null(rcfg_connect(url, (struct timeval){ 1, 0 }, err, sizeof(err)));
	assert_non_null(strstr(err, "WRONGPASS"));
	cfg_free(&a);
	redis_stop(&r2);
}

static int
setup_redis(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (!redis_start(&srv, NULL)) {
		fprintf(stderr, "redis-server not available: Redis tests skipped\n");
		redis_stop(&srv);
		srv.pid = 0;
	}
	return 0;
}

static int
teardown_redis(void **state)
{
	(void)state;
	redis_stop(&srv);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_cfg),
		cmocka_unit_test(test_should_parse),
		cmocka_unit_test(test_should_error),
		cmocka_unit_test(test_namespace),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_round_trip_files),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_redis_write_read),
		cmocka_unit_test(test_redis_read_errors),
		cmocka_unit_test(test_redis_publish),
		cmocka_unit_test(test_redis_atomic),
		cmocka_unit_test(test_auth),
	};

	return cmocka_run_group_tests(tests, setup_redis, teardown_redis);
}
