/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration model and its vendor syntax. Expected values are
 * written by hand from the Cisco and Huawei documents: a parsed
 * configuration is compared through dump(), which reads every field of
 * the structures directly (not through cfg_write) and prints the ones that
 * differ from the documented defaults.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include "control/cfg.h"

/* ---- helpers ---- */

static void
cat(char *out, size_t len, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + n, len - n, fmt, ap);
	va_end(ap);
}

static const char *
ntop(const struct cfg_addr *a, char *buf)
{
	if (a->family == 0)
		return "none";
	return inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, INET6_ADDRSTRLEN);
}

static void
dump_server(const struct cfg_server *s, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	cat(out, len, " [%u%s%s", s->id, s->huawei ? " hw" : "", s->activate ? " act" : "");
	if (s->addr.family || s->port)
		cat(out, len, " %s/%u", ntop(&s->addr, a), s->port);
	if (*s->description)
		cat(out, len, " descr=\"%s\"", s->description);
	if (s->initial_delay != 0)
		cat(out, len, " init=%u", s->initial_delay);
	if (s->failure_retry_delay != 30)
		cat(out, len, " retry=%u", s->failure_retry_delay);
	if (s->flapping_delay != 60)
		cat(out, len, " flap=%u", s->flapping_delay);
	if (s->dscp != -1)
		cat(out, len, " dscp=%d", s->dscp);
	if (s->stats_period != 0)
		cat(out, len, " stats=%u", s->stats_period);
	if (*s->update_source)
		cat(out, len, " src=%s", s->update_source);
	if (*s->vpn)
		cat(out, len, " vpn=\"%s\"", s->vpn);
	if (*s->alias)
		cat(out, len, " alias=%s", s->alias);
	cat(out, len, "%s]", s->monitor_all ? " mon" : "");
}

static void
dump_neighbor(const struct cfg_neighbor *n, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	cat(out, len, " {%s%s", ntop(&n->addr, a), n->all ? " all" : "");
	for (unsigned i = 0; i < n->nservers; i++)
		cat(out, len, "%s%u", i ? "," : " srv=", n->servers[i]);
	cat(out, len, "}");
}

/* Every field that is not at its default, in a fixed order. */
static const char *
dump(const struct cfg *c)
{
	static char out[1 << 16];

	out[0] = '\0';
	if (c->router_as)
		cat(out, sizeof(out), " as=%u", c->router_as);
	if (c->buffer_mb != 256)
		cat(out, sizeof(out), " buf=%u", c->buffer_mb);
	if (c->refresh == CFG_REFRESH_SKIP)
		cat(out, sizeof(out), " refresh=skip");
	else if (c->refresh_delay != 1)
		cat(out, sizeof(out), " refresh=%u", c->refresh_delay);
	if (c->activate_all)
		cat(out, sizeof(out), " all");
	for (unsigned i = 0; i < c->nservers; i++)
		dump_server(&c->servers[i], out, sizeof(out));
	for (unsigned i = 0; i < c->nneighbors; i++)
		dump_neighbor(&c->neighbors[i], out, sizeof(out));
	return out[0] ? out + 1 : out;
}

static int
apply(struct cfg *c, const char *text, struct cfg_error *e)
{
	return cfg_apply(c, text, strlen(text), e);
}

/* Parse from scratch; the text must be accepted. */
static void
parse_ok(struct cfg *c, const char *text)
{
	struct cfg_error e;
	int rc;

	cfg_init(c);
	rc = apply(c, text, &e);
	if (rc)
		fail_msg("refused: %s", e.msg);
}

static char *
write_str(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cfg_write(c, f), 0);
	fclose(f);
	return buf;
}

/* ---- the documents' examples, verbatim ---- */

static const char cisco_neighbor[] =
	"Device> enable\n"
	"Device# configure terminal\n"
	"Device(config)# router bgp 65000\n"
	"Device(config-router)# neighbor 30.1.1.1 bmp-activate server 1 server 2\n"
	"Device(config-router)# end\n";

static const char cisco_refresh[] =
	"Device> enable\n"
	"Device# configure terminal\n"
	"Device(config)# router bgp 65000\n"
	"Device(config-router)# bmp initial-refresh delay 30\n"
	"Device(config-router)# bmp buffer-size 2048\n"
	"Device(config-router)# end\n";

static const char cisco_servers[] =
	"Device> enable\n"
	"Device# configure terminal\n"
	"Device(config)# router bgp 65000\n"
	"Device(config-router)# bmp server 1\n"
	"Device(config-router-bmpsrvr)# activate\n"
	"Device(config-router-bmpsrvr)# address 10.1.1.1 port-number 8000\n"
	"Device(config-router-bmpsrvr)# description LINE SERVER1\n"
	"Device(config-router-bmpsrvr)# failure-retry-delay 40\n"
	"Device(config-router-bmpsrvr)# flapping-delay 120\n"
	"Device(config-router-bmpsrvr)# initial-delay 20\n"
	"Device(config-router-bmpsrvr)# set ip dscp 5\n"
	"Device(config-router-bmpsrvr)# stats-reporting-period 30\n"
	"Device(config-router-bmpsrvr)# update-source ethernet 0/0\n"
	"Device(config-router-bmpsrvr)# exit-bmp-server-mode\n"
	"Device(config-router)# bmp server 2\n"
	"Device(config-router-bmpsrvr)# activate\n"
	"Device(config-router-bmpsrvr)# address 20.1.1.1 port-number 9000\n"
	"Device(config-router-bmpsrvr)# description LINE SERVER2\n"
	"Device(config-router-bmpsrvr)# failure-retry-delay 40\n"
	"Device(config-router-bmpsrvr)# flapping-delay 120\n"
	"Device(config-router-bmpsrvr)# initial-delay 20\n"
	"\n"
	"Device(config-router-bmpsrvr)# set ip dscp 7\n"
	"Device(config-router-bmpsrvr)# stats-reporting-period 30\n"
	"Device(config-router-bmpsrvr)# update-source ethernet 2/0\n"
	"Device(config-router-bmpsrvr)# exit-bmp-server-mode\n"
	"Device(config-router)# end\n";

static const char cisco_running[] =
	"Device# show running-config | section bmp\n"
	"bmp server 1\n"
	"address 10.1.1.1 port-number 8000\n"
	"description SERVER1\n"
	"initial-delay 20\n"
	"failure-retry-delay 40\n"
	"flapping-delay 120\n"
	"update-source Ethernet0/0\n"
	"set ip dscp 3\n"
	"activate\n"
	"exit-bmp-server-mode\n"
	"bmp server 2\n"
	"address 20.1.1.1 port-number 9000\n"
	"description SERVER2\n"
	"initial-delay 20\n"
	"failure-retry-delay 40\n"
	"flapping-delay 120\n"
	"update-source Ethernet2/0\n"
	"set ip dscp 5\n"
	"activate\n"
	"exit-bmp-server-mode\n"
	"bmp initial-refresh delay 30\n"
	"bmp-activate all\n";

#define SRV1_DOC "[1 act 10.1.1.1/8000 descr=\"SERVER1\" init=20 retry=40 flap=120"
#define SRV2_DOC "[2 act 20.1.1.1/9000 descr=\"SERVER2\" init=20 retry=40 flap=120"

static void
test_cisco_documents(void **state)
{
	struct cfg c;

	(void)state;
	parse_ok(&c, cisco_neighbor);
	assert_string_equal(dump(&c), "as=65000 {30.1.1.1 srv=1,2}");
	cfg_free(&c);
	parse_ok(&c, cisco_refresh);
	assert_string_equal(dump(&c), "as=65000 buf=2048 refresh=30");
	cfg_free(&c);
	parse_ok(&c, cisco_servers);
	assert_string_equal(dump(&c), "as=65000 "
			    SRV1_DOC " dscp=5 stats=30 src=Ethernet0/0] "
			    SRV2_DOC " dscp=7 stats=30 src=Ethernet2/0]");
	cfg_free(&c);
	parse_ok(&c, cisco_running);
	assert_string_equal(dump(&c), "refresh=30 all "
			    SRV1_DOC " dscp=3 src=Ethernet0/0] "
			    SRV2_DOC " dscp=5 src=Ethernet2/0]");
	assert_int_equal(cfg_validate(&c, NULL), 0);
	cfg_free(&c);
}

/* The running configuration prints in the order of the document's sample. */
static void
test_write_document_order(void **state)
{
	static const char want[] =
		"bmp server 1\n"
		" address 10.1.1.1 port-number 8000\n"
		" description SERVER1\n"
		" initial-delay 20\n"
		" failure-retry-delay 40\n"
		" flapping-delay 120\n"
		" update-source Ethernet0/0\n"
		" set ip dscp 3\n"
		" activate\n"
		" exit-bmp-server-mode\n"
		"bmp server 2\n"
		" address 20.1.1.1 port-number 9000\n"
		" description SERVER2\n"
		" initial-delay 20\n"
		" failure-retry-delay 40\n"
		" flapping-delay 120\n"
		" update-source Ethernet2/0\n"
		" set ip dscp 5\n"
		" activate\n"
		" exit-bmp-server-mode\n"
		"bmp initial-refresh delay 30\n"
		"bmp-activate all\n";
	struct cfg c;
	char *text;

	(void)state;
	parse_ok(&c, cisco_running);
	text = write_str(&c);
	assert_string_equal(text, want);
	free(text);
	cfg_free(&c);
}

static void
test_write_every_field(void **state)
{
	static const char in[] =
		"router bgp 1.0\n"
		"bmp server 7\n"
		" vpn-instance \"red vrf\"\n"
		" address 2001:db8::7 port-number 1790\n"
		" description LINE LINE two  spaces\n"
		" stats-reporting-period 15\n"
		" set ip dscp 0\n"
		"bmp buffer-size 64\n"
		"bmp initial-refresh skip\n"
		"neighbor 2001:db8::1 bmp-activate all\n"
		"neighbor 192.0.2.1 bmp-activate server 9 server 7\n"
		"bmp\n"
		" bmp-session vpn-instance v1 192.0.2.9 alias \"a b\"\n"
		"  statistics-timer 20\n"
		"  monitor peer 192.0.2.1\n"
		"  monitor public-network\n"
		"  tcp connect port 5000\n";
	static const char want[] =
		"router bgp 65536\n"
		"bmp server 7\n"
		" address 2001:db8::7 port-number 1790\n"
		" vpn-instance \"red vrf\"\n"
		" description LINE LINE two  spaces\n"
		" set ip dscp 0\n"
		" stats-reporting-period 15\n"
		" exit-bmp-server-mode\n"
		"bmp buffer-size 64\n"
		"bmp initial-refresh skip\n"
		"neighbor 192.0.2.1 bmp-activate server 7 server 9\n"
		"neighbor 2001:db8::1 bmp-activate all\n"
		"bmp\n"
		" bmp-session vpn-instance v1 192.0.2.9 alias \"a b\"\n"
		"  tcp connect port 5000\n"
		"  statistics-timer 20\n"
		"  monitor public-network\n"
		"  monitor peer 192.0.2.1\n";
	struct cfg c;
	char *text;

	(void)state;
	parse_ok(&c, in);
	assert_string_equal(dump(&c), "as=65536 buf=64 refresh=skip "
			    "[7 2001:db8::7/1790 descr=\"LINE two  spaces\" dscp=0 stats=15 "
			    "vpn=\"red vrf\"] "
			    "[1001 hw act 192.0.2.9/5000 stats=20 vpn=\"v1\" alias=a b mon] "
			    "{192.0.2.1 srv=7,9,1001} {2001:db8::1 all}");
	text = write_str(&c);
	assert_string_equal(text, want);
	free(text);
	cfg_free(&c);
}

/* ---- should parse: text -> every resulting field ---- */

struct parse_vec {
	const char *name;
	const char *text;
	const char *want;               /* dump() of the result */
};

#define S1 "bmp server 1\n"

static const struct parse_vec should_parse[] = {
	/* Comments, blanks, indentation, CRLF, prompts, exec commands. */
	{ "empty", "", "" },
	{ "comments", "! c\n# c\n   \n\t! indented\n\n", "" },
	{ "exec", "enable\nconfigure terminal\nsystem-view\ncommit\nshow ip bgp bmp server 1\n"
	  "end\nexit\nquit\nreturn\n", "" },
	{ "crlf", "bmp server 1\r\n activate\r\n", "[1 act]" },
	{ "tabs", "\tbmp\tserver\t1\t\n\t\tactivate", "[1 act]" },
	{ "case", "BMP Server 3\n ACTIVATE\n SET IP DSCP 4", "[3 act dscp=4]" },
	{ "cisco prompts any host",
	  "r1.lab-2>enable\nr1#configure terminal\nR_1(config)#router bgp 1\n"
	  "r1(config-router)# bmp server 2\nr1(config-router-bmpsrvr)#activate", "as=1 [2 act]" },
	{ "prompt only", "Device#\nDevice(config)#\n<HUAWEI>\n[~HUAWEI]", "" },
	{ "huawei prompts",
	  "<HUAWEI> system-view\n[~HUAWEI] bmp\n[*HUAWEI-bmp] bmp-session 10.1.1.1\n"
	  "[*HUAWEI-bmp-session-10.1.1.1] tcp connect port 8000\n"
	  "[*HUAWEI-bmp-session-10.1.1.1] commit\n[~HUAWEI-bmp-session-10.1.1.1] quit\n"
	  "[~HUAWEI-bmp] quit\n[~HUAWEI] return\n<HUAWEI>",
	  "[1001 hw act 10.1.1.1/8000]" },
	/* router bgp */
	{ "as min", "router bgp 1", "as=1" },
	{ "as max", "router bgp 4294967295", "as=4294967295" },
	{ "asdot", "router bgp 1.10", "as=65546" },
	{ "asdot low", "router bgp 0.1", "as=1" },
	{ "asdot max", "router bgp 65535.65535", "as=4294967295" },
	{ "as replaced", "router bgp 1\nrouter bgp 2", "as=2" },
	/* globals */
	{ "buffer min", "bmp buffer-size 1", "buf=1" },
	{ "buffer max", "bmp buffer-size 65536", "buf=65536" },
	{ "no buffer", "bmp buffer-size 9\nno bmp buffer-size", "" },
	{ "no buffer value", "bmp buffer-size 9\nno bmp buffer-size 9", "" },
	{ "default buffer", "bmp buffer-size 9\ndefault bmp buffer-size", "" },
	{ "refresh min", "bmp initial-refresh delay 1", "" },
	{ "refresh 2", "bmp initial-refresh delay 2", "refresh=2" },
	{ "refresh max", "bmp initial-refresh delay 3600", "refresh=3600" },
	{ "refresh skip", "bmp initial-refresh delay 5\nbmp initial-refresh skip", "refresh=skip" },
	{ "skip then delay", "bmp initial-refresh skip\nbmp initial-refresh delay 5", "refresh=5" },
	{ "no refresh", "bmp initial-refresh skip\nno bmp initial-refresh", "" },
	{ "no refresh delay", "bmp initial-refresh delay 9\nno bmp initial-refresh delay 9", "" },
	{ "activate all", "bmp-activate all", "all" },
	{ "no activate all", "bmp-activate all\nno bmp-activate all", "" },
	/* bmp server N */
	{ "server min", "bmp server 1", "[1]" },
	{ "server max", "bmp server 1000", "[1000]" },
	{ "servers sorted", "bmp server 30\nbmp server 2\nbmp server 1000\nbmp server 2",
	  "[2] [30] [1000]" },
	{ "no server", "bmp server 1\nbmp server 2\nno bmp server 1", "[2]" },
	{ "no server absent", "no bmp server 5", "" },
	{ "default server", "bmp server 1\ndefault bmp server 1", "" },
	{ "exit server mode", S1 "exit-bmp-server-mode\nbmp server 2\nexit\nbmp-activate all",
	  "all [1] [2]" },
	{ "top command leaves mode", S1 "bmp buffer-size 8\nbmp server 2\n activate",
	  "buf=8 [1] [2 act]" },
	{ "reenter keeps", S1 " activate\nbmp server 2\nbmp server 1\n set ip dscp 1",
	  "[1 act dscp=1] [2]" },
	{ "activate", S1 "activate", "[1 act]" },
	{ "no activate", S1 "activate\nno activate", "[1]" },
	{ "default activate", S1 "activate\ndefault activate", "[1]" },
	{ "address v4", S1 "address 10.1.1.1 port-number 8000", "[1 10.1.1.1/8000]" },
	{ "address v6", S1 "address 2001:DB8::2001 port-number 1", "[1 2001:db8::2001/1]" },
	{ "address v6 full", S1 "address 2001:db8:0:0:0:0:0:1 port-number 65535",
	  "[1 2001:db8::1/65535]" },
	{ "address loopback", S1 "address 127.0.0.1 port-number 11019", "[1 127.0.0.1/11019]" },
	{ "address febf edge", S1 "address fec0::1 port-number 5", "[1 fec0::1/5]" },
	{ "address 169.255", S1 "address 169.255.0.1 port-number 5", "[1 169.255.0.1/5]" },
	{ "address replaced", S1 "address 10.0.0.1 port-number 1\naddress 10.0.0.2 port-number 2",
	  "[1 10.0.0.2/2]" },
	{ "no address", S1 "address 10.0.0.1 port-number 1\nno address", "[1]" },
	{ "no address args", S1 "address 10.0.0.1 port-number 1\nno address 10.0.0.1 port-number 1",
	  "[1]" },
	{ "description LINE", S1 "description LINE SERVER1", "[1 descr=\"SERVER1\"]" },
	{ "description text", S1 "description  my   collector, rack 4  ",
	  "[1 descr=\"my   collector, rack 4\"]" },
	{ "description LINE alone", S1 "description LINE", "[1 descr=\"LINE\"]" },
	{ "description LINEx", S1 "description LINEAR", "[1 descr=\"LINEAR\"]" },
	{ "description line lower", S1 "description line one", "[1 descr=\"line one\"]" },
	{ "description LINE LINE", S1 "description LINE LINE x", "[1 descr=\"LINE x\"]" },
	{ "description quotes", S1 "description \"a b\" ! # x", "[1 descr=\"\"a b\" ! # x\"]" },
	{ "description utf8", S1 "description caf\xc3\xa9", "[1 descr=\"caf\xc3\xa9\"]" },
	{ "no description", S1 "description x\nno description", "[1]" },
	{ "retry min", S1 "failure-retry-delay 1", "[1 retry=1]" },
	{ "retry max", S1 "failure-retry-delay 3600", "[1 retry=3600]" },
	{ "no retry", S1 "failure-retry-delay 5\nno failure-retry-delay", "[1]" },
	{ "default retry", S1 "failure-retry-delay 5\ndefault failure-retry-delay", "[1]" },
	{ "flap min", S1 "flapping-delay 1", "[1 flap=1]" },
	{ "flap max", S1 "flapping-delay 3600", "[1 flap=3600]" },
	{ "no flap", S1 "flapping-delay 5\nno flapping-delay 5", "[1]" },
	{ "initial min", S1 "initial-delay 5\ninitial-delay 0", "[1]" },
	{ "initial max", S1 "initial-delay 3600", "[1 init=3600]" },
	{ "no initial", S1 "initial-delay 5\nno initial-delay", "[1]" },
	{ "dscp min", S1 "set ip dscp 0", "[1 dscp=0]" },
	{ "dscp max", S1 "set ip dscp 63", "[1 dscp=63]" },
	{ "no dscp", S1 "set ip dscp 5\nno set ip dscp", "[1]" },
	{ "default dscp", S1 "set ip dscp 5\ndefault set ip dscp", "[1]" },
	{ "stats min", S1 "stats-reporting-period 9\nstats-reporting-period 0", "[1]" },
	{ "stats max", S1 "stats-reporting-period 3600", "[1 stats=3600]" },
	{ "no stats", S1 "stats-reporting-period 9\nno stats-reporting-period", "[1]" },
	{ "source cisco", S1 "update-source ethernet 0/0", "[1 src=Ethernet0/0]" },
	{ "source cisco 3", S1 "update-source GigabitEthernet 0/0/1.100",
	  "[1 src=GigabitEthernet0/0/1.100]" },
	{ "source loopback", S1 "update-source loopback 0", "[1 src=Loopback0]" },
	{ "source one word", S1 "update-source Ethernet0/0", "[1 src=Ethernet0/0]" },
	{ "source linux", S1 "update-source eth0", "[1 src=eth0]" },
	{ "source dummy", S1 "update-source dummy0", "[1 src=dummy0]" },
	{ "source 31", S1 "update-source abcdefghijklmnopqrstuvwxyz01234",
	  "[1 src=abcdefghijklmnopqrstuvwxyz01234]" },
	{ "no source", S1 "update-source eth0\nno update-source", "[1]" },
	{ "vpn", S1 "vpn-instance mgmt", "[1 vpn=\"mgmt\"]" },
	{ "vpn case kept", S1 "vpn-instance MgMt", "[1 vpn=\"MgMt\"]" },
	{ "vpn quoted", S1 "vpn-instance \"my vpn\"", "[1 vpn=\"my vpn\"]" },
	{ "vpn 31", S1 "vpn-instance 0123456789012345678901234567890",
	  "[1 vpn=\"0123456789012345678901234567890\"]" },
	{ "vpn public-ish", S1 "vpn-instance _public", "[1 vpn=\"_public\"]" },
	{ "no vpn", S1 "vpn-instance x\nno vpn-instance", "[1]" },
	/* neighbors */
	{ "neighbor all", "neighbor 30.1.1.1 bmp-activate all", "{30.1.1.1 all}" },
	{ "neighbor v6", "neighbor 2001:DB8::2001 bmp-activate server 1",
	  "{2001:db8::2001 srv=1}" },
	{ "neighbor link-local", "neighbor fe80::1 bmp-activate server 1000",
	  "{fe80::1 srv=1000}" },
	{ "neighbor order", "neighbor 2001:db8::1 bmp-activate all\n"
	  "neighbor 40.1.1.1 bmp-activate all\nneighbor 30.1.1.1 bmp-activate all",
	  "{30.1.1.1 all} {40.1.1.1 all} {2001:db8::1 all}" },
	{ "neighbor servers sorted", "neighbor 1.1.1.1 bmp-activate server 9 server 2 server 9",
	  "{1.1.1.1 srv=2,9}" },
	{ "neighbor replaced", "neighbor 1.1.1.1 bmp-activate server 1\n"
	  "neighbor 1.1.1.1 bmp-activate server 2", "{1.1.1.1 srv=2}" },
	{ "neighbor all replaced", "neighbor 1.1.1.1 bmp-activate all\n"
	  "neighbor 1.1.1.1 bmp-activate server 2", "{1.1.1.1 srv=2}" },
	{ "no neighbor", "neighbor 1.1.1.1 bmp-activate all\nneighbor 2.2.2.2 bmp-activate all\n"
	  "no neighbor 1.1.1.1 bmp-activate", "{2.2.2.2 all}" },
	{ "no neighbor all", "neighbor 1.1.1.1 bmp-activate all\n"
	  "no neighbor 1.1.1.1 bmp-activate all", "" },
	{ "no neighbor one server", "neighbor 1.1.1.1 bmp-activate server 1 server 2\n"
	  "no neighbor 1.1.1.1 bmp-activate server 1", "{1.1.1.1 srv=2}" },
	{ "no neighbor absent", "no neighbor 1.1.1.1 bmp-activate", "" },
	/* Huawei */
	{ "session v4", "bmp\n bmp-session 10.1.1.1\n  tcp connect port 8000",
	  "[1001 hw act 10.1.1.1/8000]" },
	{ "session no port", "bmp\n bmp-session 10.1.1.1", "[1001 hw 10.1.1.1/0]" },
	{ "session v6", "bmp\n bmp-session 2001:db8::1", "[1001 hw 2001:db8::1/0]" },
	{ "session vpn", "bmp\n bmp-session vpn-instance vpn1 2001:db8::1",
	  "[1001 hw 2001:db8::1/0 vpn=\"vpn1\"]" },
	{ "session vpn quoted", "bmp\n bmp-session vpn-instance \"a b c\" 10.1.1.1",
	  "[1001 hw 10.1.1.1/0 vpn=\"a b c\"]" },
	{ "session vpn 31",
	  "bmp\n bmp-session vpn-instance 0123456789012345678901234567890 1.2.3.4",
	  "[1001 hw 1.2.3.4/0 vpn=\"0123456789012345678901234567890\"]" },
	{ "session alias", "bmp\n bmp-session 10.1.1.1 alias a\n  tcp connect port 1\n"
	  " bmp-session 10.1.1.1 alias b\n  tcp connect port 2\n bmp-session 10.1.1.1",
	  "[1001 hw act 10.1.1.1/1 alias=a] [1002 hw act 10.1.1.1/2 alias=b] "
	  "[1003 hw 10.1.1.1/0]" },
	{ "session reenter", "bmp\n bmp-session 10.1.1.1\n  tcp connect port 1\n"
	  " bmp-session 10.1.1.2\n bmp-session 10.1.1.1\n  statistics-timer 5",
	  "[1001 hw act 10.1.1.1/1 stats=5] [1002 hw 10.1.1.2/0]" },
	{ "session vpn is key", "bmp\n bmp-session 10.1.1.1\n bmp-session vpn-instance v 10.1.1.1",
	  "[1001 hw 10.1.1.1/0] [1002 hw 10.1.1.1/0 vpn=\"v\"]" },
	{ "session port range", "bmp\n bmp-session 1.1.1.1\n tcp connect port 65535",
	  "[1001 hw act 1.1.1.1/65535]" },
	{ "session undo port", "bmp\n bmp-session 1.1.1.1\n tcp connect port 5\n"
	  " undo tcp connect port", "[1001 hw 1.1.1.1/0]" },
	{ "session stats", "bmp\n bmp-session 1.1.1.1\n statistics-timer 3600",
	  "[1001 hw 1.1.1.1/0 stats=3600]" },
	{ "session undo stats", "bmp\n bmp-session 1.1.1.1\n statistics-timer 60\n"
	  " undo statistics-timer", "[1001 hw 1.1.1.1/0]" },
	{ "session public", "bmp\n bmp-session 1.1.1.1\n monitor public-network",
	  "[1001 hw 1.1.1.1/0 mon]" },
	{ "session undo public", "bmp\n bmp-session 1.1.1.1\n monitor public-network\n"
	  " undo monitor public-network", "[1001 hw 1.1.1.1/0]" },
	{ "session monitor peer", "bmp\n bmp-session 1.1.1.1\n monitor peer 30.1.1.1\n"
	  " monitor peer 2001:db8::1\n monitor peer 30.1.1.1",
	  "[1001 hw 1.1.1.1/0] {30.1.1.1 srv=1001} {2001:db8::1 srv=1001}" },
	{ "session undo peer", "bmp\n bmp-session 1.1.1.1\n monitor peer 30.1.1.1\n"
	  " undo monitor peer 30.1.1.1", "[1001 hw 1.1.1.1/0]" },
	{ "peer shared with cisco", "neighbor 30.1.1.1 bmp-activate server 1\nbmp\n"
	  " bmp-session 1.1.1.1\n monitor peer 30.1.1.1\n"
	  "neighbor 30.1.1.1 bmp-activate server 2",
	  "[1001 hw 1.1.1.1/0] {30.1.1.1 srv=2,1001}" },
	{ "no neighbor keeps huawei", "bmp\n bmp-session 1.1.1.1\n monitor peer 30.1.1.1\n"
	  "neighbor 30.1.1.1 bmp-activate all\nno neighbor 30.1.1.1 bmp-activate",
	  "[1001 hw 1.1.1.1/0] {30.1.1.1 srv=1001}" },
	{ "undo session", "bmp\n bmp-session 1.1.1.1\n undo bmp-session 1.1.1.1", "" },
	{ "undo session absent", "bmp\n undo bmp-session 1.1.1.1", "" },
	{ "undo session renumbers", "bmp\n bmp-session 1.1.1.1\n bmp-session 2.2.2.2\n"
	  "  monitor peer 9.9.9.9\n bmp-session 3.3.3.3\n  monitor peer 9.9.9.9\n"
	  " undo bmp-session 1.1.1.1\n bmp-session 4.4.4.4",
	  "[1001 hw 2.2.2.2/0] [1002 hw 3.3.3.3/0] [1003 hw 4.4.4.4/0] {9.9.9.9 srv=1001,1002}" },
	{ "undo session drops peers", "bmp\n bmp-session 1.1.1.1\n monitor peer 9.9.9.9\n"
	  " bmp-session 2.2.2.2\n undo bmp-session 1.1.1.1", "[1001 hw 2.2.2.2/0]" },
	{ "undo session by key", "bmp\n bmp-session 1.1.1.1 alias a\n bmp-session 1.1.1.1\n"
	  " undo bmp-session 1.1.1.1 alias a", "[1001 hw 1.1.1.1/0]" },
	{ "session view quit", "bmp\n bmp-session 1.1.1.1\n quit\n bmp-session 2.2.2.2\n quit\n"
	  "quit\nbmp server 1", "[1] [1001 hw 1.1.1.1/0] [1002 hw 2.2.2.2/0]" },
	{ "session then cisco", "bmp\n bmp-session 1.1.1.1\nbmp server 1\n activate",
	  "[1 act] [1001 hw 1.1.1.1/0]" },
	{ "session commit keeps view", "bmp\n bmp-session 1.1.1.1\ncommit\n tcp connect port 9",
	  "[1001 hw act 1.1.1.1/9]" },
};

static void
test_should_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_parse) / sizeof(should_parse[0]); i++) {
		const struct parse_vec *v = &should_parse[i];
		struct cfg_error e;
		struct cfg c;
		int rc;

		cfg_init(&c);
		rc = apply(&c, v->text, &e);
		if (rc)
			fail_msg("%s: refused: %s", v->name, e.msg);
		if (strcmp(dump(&c), v->want) != 0)
			fail_msg("%s:\n got: %s\nwant: %s", v->name, dump(&c), v->want);
		cfg_free(&c);
	}
}

/* ---- should error: line, offending word, message naming the range ---- */

struct error_vec {
	const char *name;
	const char *text;
	unsigned line;
	const char *word;               /* cfg_error.word */
	const char *msg;                /* substring of cfg_error.msg */
};

#define HW "bmp\n bmp-session 1.1.1.1\n"

static const struct error_vec should_error[] = {
	{ "unknown", "frobnicate 1", 1, "frobnicate", "unknown command 'frobnicate'" },
	{ "bmp frobnicate", "\n\n bmp frobnicate", 3, "frobnicate",
	  "line 3: unknown command 'bmp frobnicate' (expected buffer-size, initial-refresh, "
	  "server)" },
	{ "set ip", S1 "set ip", 2, "", "incomplete command 'set ip' (expected dscp)" },
	{ "set ip x", S1 "set ip x 4", 2, "x", "unknown command 'set ip x' (expected dscp)" },
	{ "monitor", HW "monitor", 3, "", "expected public-network, peer" },
	{ "no alone", "no", 1, "no", "incomplete command 'no'" },
	{ "no unsupported", "no enable", 1, "no", "'no enable' is not supported" },
	{ "no router bgp", "no router bgp 1", 1, "no", "'no router bgp' is not supported" },
	{ "control char", "bmp server 1\x01", 1, "", "control character 0x01" },
	{ "nul", "bmp\0", 1, "", "control character 0x00" },
	{ "cr inside", "bmp\rserver 1", 1, "", "control character 0x0d" },
	/* outside their mode */
	{ "activate outside", "bmp server 1\nexit\n\n\nactivate", 5, "activate",
	  "line 5: 'activate' outside 'bmp server' mode" },
	{ "dscp outside", "set ip dscp 5", 1, "set", "'set ip dscp' outside 'bmp server' mode" },
	{ "activate after top cmd", S1 "bmp buffer-size 5\nactivate", 3, "activate",
	  "outside 'bmp server' mode" },
	{ "activate in session", HW "activate", 3, "activate", "outside 'bmp server' mode" },
	{ "port outside", "tcp connect port 5", 1, "tcp", "'tcp connect port' outside "
	  "'bmp-session' view" },
	{ "peer in server", S1 "monitor peer 1.1.1.1", 2, "monitor", "outside 'bmp-session' view" },
	{ "session outside", "bmp-session 1.1.1.1", 1, "bmp-session",
	  "'bmp-session' outside 'bmp' view" },
	{ "exit-bmp outside", "exit-bmp-server-mode", 1, "exit-bmp-server-mode",
	  "outside 'bmp server' mode" },
	/* router bgp */
	{ "as 0", "router bgp 0", 1, "0", "router bgp '0': out of range 1-4294967295" },
	{ "as big", "router bgp 4294967296", 1, "4294967296", "out of range 1-4294967295" },
	{ "as huge", "router bgp 99999999999999999999999", 1, "99999999999999999999999",
	  "out of range 1-4294967295" },
	{ "as word", "router bgp x", 1, "x", "router bgp 'x': not a number (1-4294967295)" },
	{ "as negative", "router bgp -1", 1, "-1", "not a number" },
	{ "asdot 0.0", "router bgp 0.0", 1, "0.0", "router bgp '0.0': out of range "
	  "0.1-65535.65535" },
	{ "asdot high", "router bgp 65536.0", 1, "65536.0", "out of range 0.1-65535.65535" },
	{ "asdot low", "router bgp 1.65536", 1, "1.65536", "out of range 0.1-65535.65535" },
	{ "asdot empty", "router bgp 1.", 1, "1.", "out of range 0.1-65535.65535" },
	{ "asdot 3", "router bgp 1.2.3", 1, "1.2.3", "out of range 0.1-65535.65535" },
	{ "as missing", "router bgp", 1, "", "'router bgp' incomplete (usage: router bgp "
	  "1-4294967295)" },
	{ "as extra", "router bgp 1 2", 1, "2", "unexpected word '2'" },
	/* globals */
	{ "buffer 0", "bmp buffer-size 0", 1, "0", "bmp buffer-size '0': out of range 1-65536" },
	{ "buffer big", "bmp buffer-size 65537", 1, "65537", "out of range 1-65536" },
	{ "buffer word", "bmp buffer-size 2GB", 1, "2GB", "not a number (1-65536)" },
	{ "refresh 0", "bmp initial-refresh delay 0", 1, "0",
	  "bmp initial-refresh delay '0': out of range 1-3600" },
	{ "refresh big", "bmp initial-refresh delay 3601", 1, "3601", "out of range 1-3600" },
	{ "refresh word", "bmp initial-refresh later", 1, "later", "expected delay or skip" },
	{ "refresh missing", "bmp initial-refresh delay", 1, "", "missing value (1-3600)" },
	{ "refresh skip extra", "bmp initial-refresh skip 5", 1, "5", "unexpected word '5'" },
	{ "activate all extra", "bmp-activate all now", 1, "now", "unexpected word 'now'" },
	{ "bmp-activate x", "bmp-activate some", 1, "some",
	  "unknown command 'bmp-activate some' (expected all)" },
	/* bmp server */
	{ "server 0", "bmp server 0", 1, "0", "bmp server '0': out of range 1-1000" },
	{ "server big", "bmp server 1001", 1, "1001", "out of range 1-1000" },
	{ "server missing", "bmp server", 1, "", "usage: bmp server 1-1000" },
	{ "no server 0", "no bmp server 0", 1, "0", "out of range 1-1000" },
	{ "activate extra", S1 "activate now", 2, "now", "activate: unexpected word 'now'" },
	{ "address link-local", S1 "address 169.254.1.1 port-number 8000", 2, "169.254.1.1",
	  "address '169.254.1.1': link-local" },
	{ "address link-local low", S1 "address 169.254.0.0 port-number 8000", 2, "169.254.0.0",
	  "link-local" },
	{ "address v6 link-local", S1 "address fe80::1 port-number 8000", 2, "fe80::1",
	  "address 'fe80::1': link-local" },
	{ "address v6 ll top", S1 "address febf:ffff::1 port-number 8000", 2, "febf:ffff::1",
	  "link-local" },
	{ "address zero", S1 "address 0.0.0.0 port-number 1", 2, "0.0.0.0", "not a unicast" },
	{ "address v6 zero", S1 "address :: port-number 1", 2, "::", "not a unicast" },
	{ "address multicast", S1 "address 224.0.0.1 port-number 1", 2, "224.0.0.1",
	  "not a unicast" },
	{ "address v6 multicast", S1 "address ff02::1 port-number 1", 2, "ff02::1",
	  "not a unicast" },
	{ "address bad", S1 "address 10.1.1 port-number 1", 2, "10.1.1",
	  "address '10.1.1': not an IPv4 or IPv6 address" },
	{ "address zone", S1 "address fe80::1%eth0 port-number 1", 2, "fe80::1%eth0",
	  "not an IPv4 or IPv6 address" },
	{ "address name", S1 "address collector port-number 1", 2, "collector",
	  "not an IPv4 or IPv6 address" },
	{ "address no port kw", S1 "address 10.1.1.1 port 8000", 2, "port",
	  "expected port-number after the address, not 'port'" },
	{ "address short", S1 "address 10.1.1.1", 2, "", "'address' incomplete (usage: "
	  "address {IPv4 | IPv6} port-number 1-65535)" },
	{ "port 0", S1 "address 10.1.1.1 port-number 0", 2, "0",
	  "address port-number '0': out of range 1-65535" },
	{ "port big", S1 "address 10.1.1.1 port-number 65536", 2, "65536", "out of range 1-65535" },
	{ "address extra", S1 "address 10.1.1.1 port-number 1 x", 2, "x", "unexpected word 'x'" },
	{ "description empty", S1 "description", 2, "", "'description' incomplete" },
	{ "retry 0", S1 "failure-retry-delay 0", 2, "0", "failure-retry-delay '0': out of range "
	  "1-3600" },
	{ "retry big", S1 "failure-retry-delay 3601", 2, "3601", "out of range 1-3600" },
	{ "flap 0", S1 "flapping-delay 0", 2, "0", "flapping-delay '0': out of range 1-3600" },
	{ "flap big", S1 "flapping-delay 3601", 2, "3601", "out of range 1-3600" },
	{ "initial big", S1 "initial-delay 3601", 2, "3601", "initial-delay '3601': out of range "
	  "0-3600" },
	{ "initial word", S1 "initial-delay 1s", 2, "1s", "not a number (0-3600)" },
	{ "dscp big", "bmp server 1\n\n\n\n\n\n\n\n\n\n\n set ip dscp 64", 12, "64",
	  "line 12: set ip dscp '64': out of range 0-63" },
	{ "dscp negative", S1 "set ip dscp -1", 2, "-1", "not a number (0-63)" },
	{ "dscp name", S1 "set ip dscp ef", 2, "ef", "set ip dscp 'ef': not a number (0-63)" },
	{ "stats big", S1 "stats-reporting-period 3601", 2, "3601", "stats-reporting-period '3601':"
	  " out of range 0-3600" },
	{ "source 3 words", S1 "update-source ethernet 0 0", 2, "0", "unexpected word '0'" },
	{ "source bad type", S1 "update-source eth0 0/0", 2, "eth0", "not an interface type" },
	{ "source bad number", S1 "update-source ethernet x", 2, "x", "not an interface number" },
	{ "source long", S1 "update-source abcdefghijklmnopqrstuvwxyz012345", 2,
	  "abcdefghijklmnopqrstuvwxyz012345", "32 characters, allowed 1-31" },
	{ "source long 2", S1 "update-source abcdefghijklmnopqrstuvwxyz 012345", 2,
	  "abcdefghijklmnopqrstuvwxyz", "longer than 31 characters" },
	{ "source quote", S1 "update-source \"eth 0\"", 2, "\"eth 0\"", "character ' '" },
	{ "vpn 32", S1 "vpn-instance 01234567890123456789012345678901", 2,
	  "01234567890123456789012345678901", "vpn-instance '01234567890123456789012345678901': "
	  "32 characters, allowed 1-31" },
	{ "vpn public", S1 "vpn-instance _public_", 2, "_public_", "reserved" },
	{ "vpn public quoted", S1 "vpn-instance \"_public_\"", 2, "\"_public_\"", "reserved" },
	{ "vpn space", S1 "vpn-instance my vpn", 2, "vpn", "unexpected word 'vpn'" },
	{ "vpn unterminated", S1 "vpn-instance \"my vpn", 2, "\"my vpn", "missing closing quote" },
	{ "vpn empty quotes", S1 "vpn-instance \"\"", 2, "\"\"", "0 characters, allowed 1-31" },
	{ "vpn tab in quotes", S1 "vpn-instance \"a\tb\"", 2, "\"a\tb\"", "character" },
	{ "vpn quote inside", S1 "vpn-instance a\"b", 2, "a\"b", "character '\"' not allowed" },
	{ "vpn utf8", S1 "vpn-instance caf\xc3\xa9", 2, "caf\xc3\xa9", "not allowed" },
	/* neighbors */
	{ "peer group", "router bgp 65000\nneighbor RR-CLIENTS bmp-activate all", 2, "RR-CLIENTS",
	  "neighbor 'RR-CLIENTS': peer groups are not supported: use the neighbor's address" },
	{ "neighbor bad v4", "neighbor 1.1.1 bmp-activate all", 1, "1.1.1",
	  "not an IPv4 or IPv6 address" },
	{ "neighbor bad v6", "neighbor 2001:db8:::1 bmp-activate all", 1, "2001:db8:::1",
	  "not an IPv4 or IPv6 address" },
	{ "neighbor zero", "neighbor 0.0.0.0 bmp-activate all", 1, "0.0.0.0", "not a unicast" },
	{ "neighbor other cmd", "neighbor 1.1.1.1 remote-as 65001", 1, "remote-as",
	  "unknown command 'neighbor 1.1.1.1 remote-as' (expected bmp-activate)" },
	{ "neighbor short", "neighbor 1.1.1.1 bmp-activate", 1, "", "'neighbor' incomplete" },
	{ "neighbor server 0", "neighbor 1.1.1.1 bmp-activate server 0", 1, "0",
	  "neighbor bmp-activate server '0': out of range 1-1000" },
	{ "neighbor server big", "neighbor 1.1.1.1 bmp-activate server 1 server 1001", 1, "1001",
	  "out of range 1-1000" },
	{ "neighbor server missing", "neighbor 1.1.1.1 bmp-activate server 1 server", 1, "",
	  "missing value (1-1000)" },
	{ "neighbor all extra", "neighbor 1.1.1.1 bmp-activate all server 1", 1, "server",
	  "unexpected word 'server'" },
	{ "neighbor junk", "neighbor 1.1.1.1 bmp-activate servers 1", 1, "servers",
	  "expected all or server N" },
	{ "no neighbor bad", "no neighbor RR bmp-activate", 1, "RR", "peer groups" },
	/* Huawei */
	{ "session link-local", "bmp\n bmp-session 169.254.0.1", 2, "169.254.0.1", "link-local" },
	{ "session v6 link-local", "bmp\n bmp-session fe80::1", 2, "fe80::1",
	  "bmp-session 'fe80::1': link-local" },
	{ "session no address", "bmp\n bmp-session vpn-instance v", 2, "", "missing address" },
	{ "session bad address", "bmp\n bmp-session collector", 2, "collector",
	  "not an IPv4 or IPv6 address" },
	{ "session vpn public", "bmp\n bmp-session vpn-instance _public_ 10.1.1.1", 2, "_public_",
	  "vpn-instance '_public_'" },
	{ "session vpn 32", "bmp\n bmp-session vpn-instance 01234567890123456789012345678901 "
	  "1.1.1.1", 2, "01234567890123456789012345678901", "32 characters, allowed 1-31" },
	{ "session vpn space", "bmp\n bmp-session vpn-instance a b 10.1.1.1", 2, "b",
	  "not an IPv4 or IPv6 address" },
	{ "session alias missing", "bmp\n bmp-session 1.1.1.1 alias", 2, "",
	  "alias: missing name" },
	{ "session alias 32", "bmp\n bmp-session 1.1.1.1 alias 01234567890123456789012345678901",
	  2, "01234567890123456789012345678901", "alias '01234567890123456789012345678901': 32" },
	{ "session junk", "bmp\n bmp-session 1.1.1.1 port 5", 2, "port", "expected alias NAME" },
	{ "session extra", "bmp\n bmp-session 1.1.1.1 alias a b", 2, "b", "unexpected word 'b'" },
	{ "undo session bad", "bmp\n undo bmp-session fe80::1", 2, "fe80::1", "link-local" },
	{ "hw port 0", HW "tcp connect port 0", 3, "0", "tcp connect port '0': out of range "
	  "1-65535" },
	{ "hw port big", HW "tcp connect port 65536", 3, "65536", "out of range 1-65535" },
	{ "hw stats big", HW "statistics-timer 3601", 3, "3601", "statistics-timer '3601': out "
	  "of range 0-3600" },
	{ "hw peer group", HW "monitor peer RR", 3, "RR", "peer groups are not supported" },
	{ "hw peer bad", HW "monitor peer 1.2.3.256", 3, "1.2.3.256", "not an IPv4 or IPv6" },
	{ "hw undo quit", HW "undo quit", 3, "undo", "'undo quit' is not supported" },
};

static void
test_should_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_error) / sizeof(should_error[0]); i++) {
		const struct error_vec *v = &should_error[i];
		struct cfg_error e;
		struct cfg c;
		char prefix[32];
		size_t len = strlen(v->text);
		int rc;

		if (strcmp(v->name, "nul") == 0)
			len = 4;
		cfg_init(&c);
		rc = cfg_apply(&c, v->text, len, &e);
		snprintf(prefix, sizeof(prefix), "line %u: ", v->line);
		if (rc != -EINVAL)
			fail_msg("%s: accepted (rc %d): %s", v->name, rc, dump(&c));
		if (e.line != v->line || strncmp(e.msg, prefix, strlen(prefix)) != 0 ||
		    strcmp(e.word, v->word) != 0 || !strstr(e.msg, v->msg))
			fail_msg("%s: line %u word '%s' msg '%s'\nwant line %u word '%s' msg '%s'",
				 v->name, e.line, e.word, e.msg, v->line, v->word, v->msg);
		cfg_free(&c);
	}
}

/* Lengths at both ends, built here rather than counted by hand. */
static void
test_lengths(void **state)
{
	char text[600], name[300];
	struct cfg_error e;
	struct cfg c;

	(void)state;
	memset(name, 'd', 255);
	name[255] = '\0';
	snprintf(text, sizeof(text), "bmp server 1\n description LINE %s", name);
	parse_ok(&c, text);
	assert_int_equal(strlen(c.servers[0].description), 255);
	cfg_free(&c);
	snprintf(text, sizeof(text), "bmp server 1\n description %sd", name);
	cfg_init(&c);
	assert_int_equal(apply(&c, text, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "description: 256 characters, at most 255"));
	cfg_free(&c);
}

/* A second text changes what it names and nothing else. */
static void
test_apply_on_top(void **state)
{
	struct cfg_error e;
	struct cfg c;

	(void)state;
	parse_ok(&c, cisco_running);
	assert_int_equal(apply(&c, "bmp server 2\n set ip dscp 9\n", &e), 0);
	assert_string_equal(dump(&c), "refresh=30 all "
			    SRV1_DOC " dscp=3 src=Ethernet0/0] "
			    SRV2_DOC " dscp=9 src=Ethernet2/0]");
	assert_int_equal(apply(&c, "no bmp server 1\nno bmp-activate all\n", &e), 0);
	assert_string_equal(dump(&c), "refresh=30 " SRV2_DOC " dscp=9 src=Ethernet2/0]");
	/* Every apply starts in configuration mode. */
	assert_int_equal(apply(&c, "bmp server 2\n", &e), 0);
	assert_int_equal(apply(&c, "activate\n", &e), -EINVAL);
	assert_int_equal(e.line, 1);
	cfg_free(&c);
}

/* A refused line stops the text: earlier lines stay applied, it does not. */
static void
test_partial_on_error(void **state)
{
	struct cfg_error e;
	struct cfg c;

	(void)state;
	cfg_init(&c);
	assert_int_equal(apply(&c, "bmp server 1\n set ip dscp 5\n"
			       " address 10.0.0.1 port-number 99999\n activate\n", &e), -EINVAL);
	assert_int_equal(e.line, 3);
	assert_string_equal(dump(&c), "[1 dscp=5]");
	cfg_free(&c);
}

static void
test_too_many_servers(void **state)
{
	char text[4096] = "";
	struct cfg_error e;
	struct cfg c;

	(void)state;
	for (unsigned i = 1; i <= CFG_MAX_SERVERS; i++)
		cat(text, sizeof(text), "bmp server %u\n", i * 10);
	parse_ok(&c, text);
	assert_int_equal(c.nservers, 63);
	assert_int_equal(apply(&c, "bmp server 630\n", &e), 0);    /* exists: enters it */
	assert_int_equal(apply(&c, "\nbmp server 5\n", &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.word, "5");
	assert_non_null(strstr(e.msg, "too many servers (at most 63)"));
	assert_int_equal(apply(&c, "bmp\n bmp-session 10.0.0.1\n", &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "too many servers"));
	assert_int_equal(c.nservers, 63);
	cfg_free(&c);
}

static void
test_too_many_neighbors(void **state)
{
	size_t size = (CFG_MAX_NEIGHBORS + 1) * 48;
	char *text = malloc(size);
	struct cfg_error e;
	struct cfg c;

	(void)state;
	assert_non_null(text);
	text[0] = '\0';
	for (unsigned i = 0; i < CFG_MAX_NEIGHBORS; i++)
		cat(text, size, "neighbor 10.0.%u.%u bmp-activate all\n", i >> 8, i & 255);
	parse_ok(&c, text);
	assert_int_equal(c.nneighbors, CFG_MAX_NEIGHBORS);
	assert_int_equal(apply(&c, "neighbor 10.0.0.0 bmp-activate server 1\n", &e), 0);
	assert_int_equal(apply(&c, "neighbor 10.1.0.0 bmp-activate all\n", &e), -EINVAL);
	assert_string_equal(e.word, "10.1.0.0");
	assert_non_null(strstr(e.msg, "too many neighbors (at most 4096)"));
	assert_int_equal(apply(&c, "bmp\n bmp-session 1.1.1.1\n monitor peer 10.1.0.0\n", &e),
			 -EINVAL);
	assert_int_equal(e.line, 3);
	assert_int_equal(c.nneighbors, CFG_MAX_NEIGHBORS);
	cfg_free(&c);
	free(text);
}

/* 63 servers on one neighbor line fit; the 64th does not. */
static void
test_neighbor_server_list(void **state)
{
	char text[2048] = "neighbor 1.1.1.1 bmp-activate";
	struct cfg_error e;
	struct cfg c;

	(void)state;
	for (unsigned i = 1; i <= CFG_MAX_SERVERS; i++)
		cat(text, sizeof(text), " server %u", i);
	parse_ok(&c, text);
	assert_int_equal(c.neighbors[0].nservers, 63);
	assert_int_equal(c.neighbors[0].servers[62], 63);
	cat(text, sizeof(text), " server 64");
	cfg_free(&c);
	cfg_init(&c);
	assert_int_equal(apply(&c, text, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "more than 63 servers"));
	cfg_free(&c);
}

/* A neighbor's list holds Cisco and Huawei ids: 63 in all. */
static void
test_neighbor_mixed_list(void **state)
{
	char text[4096] = "bmp\n bmp-session 9.9.9.1\n  monitor peer 1.1.1.1\n"
			  " bmp-session 9.9.9.2\n  monitor peer 1.1.1.1\n"
			  "neighbor 1.1.1.1 bmp-activate";
	char full[4096] = "neighbor 2.2.2.2 bmp-activate";
	struct cfg_error e;
	struct cfg c;

	(void)state;
	for (unsigned i = 1; i <= CFG_MAX_SERVERS; i++)
		cat(full, sizeof(full), " server %u", i);
	for (unsigned i = 1; i <= 61; i++)
		cat(text, sizeof(text), " server %u", i);
	parse_ok(&c, text);
	assert_int_equal(c.neighbors[0].nservers, 63);
	assert_int_equal(c.neighbors[0].servers[62], 1002);
	assert_int_equal(apply(&c, "neighbor 1.1.1.1 bmp-activate server 61 server 62\n", &e), 0);
	assert_string_equal(dump(&c), "[1001 hw 9.9.9.1/0] [1002 hw 9.9.9.2/0] "
			    "{1.1.1.1 srv=61,62,1001,1002}");
	cat(text, sizeof(text), " server 62");
	cfg_free(&c);
	cfg_init(&c);
	assert_int_equal(apply(&c, text, &e), -EINVAL);
	assert_int_equal(e.line, 6);
	assert_string_equal(e.word, "1.1.1.1");
	assert_non_null(strstr(e.msg, "neighbor '1.1.1.1': more than 63 servers"));
	cfg_free(&c);
	parse_ok(&c, full);
	assert_int_equal(apply(&c, "bmp\n bmp-session 9.9.9.1\n  monitor peer 2.2.2.2\n", &e),
			 -EINVAL);
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "monitor peer '2.2.2.2': more than 63 servers"));
	cfg_free(&c);
}

/* Words past MAXW: fine in free text, refused elsewhere. */
static void
test_long_lines(void **state)
{
	char text[8192] = "show";
	struct cfg_error e;
	struct cfg c;

	(void)state;
	for (unsigned i = 0; i < 200; i++)
		cat(text, sizeof(text), " x");
	parse_ok(&c, text);
	cfg_free(&c);
	snprintf(text, sizeof(text), "bmp server 1\n description");
	for (unsigned i = 0; i < 120; i++)
		cat(text, sizeof(text), " a");
	parse_ok(&c, text);
	assert_int_equal(strlen(c.servers[0].description), 239);
	cfg_free(&c);
	snprintf(text, sizeof(text), "neighbor 1.1.1.1 bmp-activate");
	for (unsigned i = 0; i < 100; i++)
		cat(text, sizeof(text), " server 1");
	cfg_init(&c);
	assert_int_equal(apply(&c, text, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "line 1: neighbor: more than 160 words on a line"));
	cfg_free(&c);
}

/* Huawei ids depend on the text only, and stay without holes. */
static void
test_huawei_ids(void **state)
{
	static const char text[] = "bmp\n bmp-session 10.0.0.1\n bmp-session 10.0.0.2 alias x\n"
				   " bmp-session vpn-instance v 10.0.0.1\n";
	struct cfg a, b;

	(void)state;
	parse_ok(&a, text);
	parse_ok(&b, text);
	assert_int_equal(a.nservers, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(a.servers[i].id, CFG_HUAWEI_ID_BASE + i);
		assert_true(a.servers[i].huawei);
		assert_int_equal(b.servers[i].id, a.servers[i].id);
	}
	assert_string_equal(a.servers[2].vpn, "v");
	cfg_free(&a);
	cfg_free(&b);
}

/* ---- round trip: cfg_write -> cfg_apply -> the same configuration ---- */

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const char *const if_names[] = { "ethernet 0/0", "GigabitEthernet 0/1/2", "eth0",
					"dummy0", "loopback 10" };
static const char *const names[] = { "mgmt", "\"red vrf\"", "A", "0123456789012345678901234567890",
				     "x-y_z.1" };

static void
random_server(char *t, size_t len, uint32_t *s, unsigned id)
{
	cat(t, len, "bmp server %u\n", id);
	if (rnd(s) % 4)
		cat(t, len, " address %s port-number %u\n", rnd(s) % 2 ? "10.9.8.7" : "2001:db8::9",
		    1 + rnd(s) % 65535);
	if (rnd(s) % 2)
		cat(t, len, " description %s server %u  rack\t%u\n", rnd(s) % 2 ? "LINE" : "x",
		    id, rnd(s));
	if (rnd(s) % 2)
		cat(t, len, " initial-delay %u\n failure-retry-delay %u\n", rnd(s) % 3601,
		    1 + rnd(s) % 3600);
	if (rnd(s) % 2)
		cat(t, len, " flapping-delay %u\n stats-reporting-period %u\n", 1 + rnd(s) % 3600,
		    rnd(s) % 3601);
	if (rnd(s) % 2)
		cat(t, len, " set ip dscp %u\n", rnd(s) % 64);
	if (rnd(s) % 2)
		cat(t, len, " update-source %s\n", if_names[rnd(s) % 5]);
	if (rnd(s) % 3 == 0)
		cat(t, len, " vpn-instance %s\n", names[rnd(s) % 5]);
	if (rnd(s) % 2)
		cat(t, len, " activate\n");
}

static void
random_session(char *t, size_t len, uint32_t *s, unsigned n)
{
	cat(t, len, " bmp-session");
	if (rnd(s) % 2)
		cat(t, len, " vpn-instance %s", names[rnd(s) % 5]);
	cat(t, len, " 192.0.2.%u alias a%u\n", n, n);
	if (rnd(s) % 2)
		cat(t, len, "  tcp connect port %u\n", 1 + rnd(s) % 65535);
	if (rnd(s) % 2)
		cat(t, len, "  statistics-timer %u\n", rnd(s) % 3601);
	if (rnd(s) % 2)
		cat(t, len, "  monitor public-network\n");
	for (unsigned k = rnd(s) % 4; k; k--)
		cat(t, len, "  monitor peer 10.0.%u.%u\n", rnd(s) % 4, rnd(s) % 256);
}

static void
random_neighbor(char *t, size_t len, uint32_t *s)
{
	if (rnd(s) % 2)
		cat(t, len, "neighbor 10.0.%u.%u bmp-activate", rnd(s) % 4, rnd(s) % 256);
	else
		cat(t, len, "neighbor 2001:db8::%x bmp-activate", rnd(s) % 1024);
	if (rnd(s) % 5 == 0) {
		cat(t, len, " all\n");
		return;
	}
	for (unsigned k = 1 + rnd(s) % 6; k; k--)
		cat(t, len, " server %u", 1 + rnd(s) % 1000);
	cat(t, len, "\n");
}

static char *
random_config(uint32_t seed)
{
	size_t len = 1 << 20;
	char *t = calloc(1, len);
	uint32_t s = seed;

	assert_non_null(t);
	cat(t, len, "router bgp %u\nbmp buffer-size %u\n", 1 + rnd(&s) % 70000,
	    1 + rnd(&s) % 65536);
	cat(t, len, rnd(&s) % 2 ? "bmp initial-refresh skip\n" : "bmp initial-refresh delay %u\n",
	    1 + rnd(&s) % 3600);
	for (unsigned i = 0; i < 40; i++)
		random_server(t, len, &s, 1 + rnd(&s) % 1000);
	for (unsigned i = 0; i < 600; i++)
		random_neighbor(t, len, &s);
	cat(t, len, "bmp\n");
	for (unsigned i = 0; i < 20; i++)
		random_session(t, len, &s, i);
	/* Removals make holes that the output must not keep. */
	cat(t, len, " undo bmp-session 192.0.2.3 alias a3\n"
	    " undo bmp-session 192.0.2.%u alias a%u\n", rnd(&s) % 20, rnd(&s) % 20);
	cat(t, len, "no neighbor 10.0.1.1 bmp-activate\nbmp-activate all\n");
	return t;
}

static void
test_round_trip(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++) {
		char *text = random_config(seed * 2654435761u), *out, *out2;
		struct cfg a, b;
		char want[1 << 16];

		parse_ok(&a, text);
		assert_true(a.nservers > 40 && a.nneighbors > 300);
		snprintf(want, sizeof(want), "%s", dump(&a));
		out = write_str(&a);
		parse_ok(&b, out);
		assert_string_equal(dump(&b), want);
		assert_true(cfg_equal(&a, &b));
		out2 = write_str(&b);
		assert_string_equal(out, out2);
		free(text);
		free(out);
		free(out2);
		cfg_free(&a);
		cfg_free(&b);
	}
}

/* ---- cfg_validate ---- */

struct validate_vec {
	const char *name;
	const char *text;
	const char *word;               /* NULL: valid */
	const char *msg;
};

#define A1 " address 10.1.1.1 port-number 8000\n"

static const struct validate_vec validate_vecs[] = {
	{ "documents", "bmp server 1\n" A1 " activate\nbmp server 2\n"
	  " address 20.1.1.1 port-number 9000\n activate\n"
	  "neighbor 30.1.1.1 bmp-activate server 1 server 2\n", NULL, NULL },
	{ "idle without address", "bmp server 3\n description spare\n", NULL, NULL },
	{ "active without address", "bmp server 1\n" A1 " activate\nbmp server 4\n activate\n",
	  "bmp server 4", "bmp server 4 is activated but has no address" },
	{ "same address and port", "bmp server 1\n" A1 "bmp server 2\n" A1, "10.1.1.1",
	  "bmp server 1 and bmp server 2 both connect to 10.1.1.1 port 8000" },
	{ "same address other port", "bmp server 1\n" A1 "bmp server 2\n"
	  " address 10.1.1.1 port-number 8001\n", NULL, NULL },
	{ "same address other vpn", "bmp server 1\n" A1 "bmp server 2\n" A1 " vpn-instance b\n",
	  NULL, NULL },
	{ "same address same vpn", "bmp server 1\n" A1 " vpn-instance b\nbmp server 2\n" A1
	  " vpn-instance b\n", "10.1.1.1", "port 8000 in vpn-instance b" },
	{ "cisco and huawei", "bmp server 1\n" A1 "bmp\n bmp-session 10.1.1.1\n"
	  "  tcp connect port 8000\n", "10.1.1.1", "bmp server 1 and bmp-session 10.1.1.1 both" },
	{ "huawei aliases", "bmp\n bmp-session 10.1.1.1\n  tcp connect port 8000\n"
	  " bmp-session 10.1.1.1 alias b\n  tcp connect port 8001\n", NULL, NULL },
	{ "huawei aliases same port", "bmp\n bmp-session 10.1.1.1 alias a\n  tcp connect port 1\n"
	  " bmp-session 10.1.1.1 alias b\n  tcp connect port 1\n", "10.1.1.1",
	  "bmp-session 10.1.1.1 alias a and bmp-session 10.1.1.1 alias b both connect" },
	{ "undefined server", "bmp server 1\nbmp server 2\n"
	  "neighbor 30.1.1.1 bmp-activate server 1 server 3\n", "3",
	  "neighbor 30.1.1.1 bmp-activate names server 3, which is not configured" },
	{ "removed server", "bmp server 1\nneighbor 2001:db8::1 bmp-activate server 1\n"
	  "no bmp server 1\n", "1", "neighbor 2001:db8::1 bmp-activate names server 1" },
	{ "neighbor all", "neighbor 30.1.1.1 bmp-activate all\n", NULL, NULL },
};

static void
test_validate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(validate_vecs) / sizeof(validate_vecs[0]); i++) {
		const struct validate_vec *v = &validate_vecs[i];
		struct cfg_error e;
		struct cfg c;
		int rc;

		parse_ok(&c, v->text);
		rc = cfg_validate(&c, &e);
		if (!v->word && rc)
			fail_msg("%s: refused: %s", v->name, e.msg);
		if (v->word && (rc != -EINVAL || e.line != 0 || strcmp(e.word, v->word) != 0 ||
				!strstr(e.msg, v->msg)))
			fail_msg("%s: rc %d word '%s' msg '%s'", v->name, rc, e.word, e.msg);
		cfg_free(&c);
	}
}

/* What the parser cannot produce, but a configuration built elsewhere can. */
static void
test_validate_built(void **state)
{
	struct cfg_error e;
	struct cfg c;

	(void)state;
	parse_ok(&c, "bmp\n bmp-session vpn-instance v 10.1.1.1 alias a\n  tcp connect port 1\n"
		 " bmp-session 10.1.1.2\n");
	c.servers[0].port = 0;                  /* active Huawei session, no port */
	assert_int_equal(cfg_validate(&c, &e), -EINVAL);
	assert_string_equal(e.msg, "bmp-session vpn-instance \"v\" 10.1.1.1 alias a is activated "
			    "but has no port (tcp connect port 1-65535)");
	c.servers[0].activate = false;
	c.servers[1] = c.servers[0];            /* the same session twice */
	c.servers[1].id++;
	assert_int_equal(cfg_validate(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "is defined twice: give each session on 10.1.1.1 its own "
			       "alias"));
	c.nservers = CFG_MAX_SERVERS + 1;
	assert_int_equal(cfg_validate(&c, &e), -EINVAL);
	assert_string_equal(e.msg, "64 servers configured: at most 63");
	c.nservers = 0;
	c.nneighbors = CFG_MAX_NEIGHBORS + 1;  /* counted before anything is read */
	assert_int_equal(cfg_validate(&c, &e), -EINVAL);
	assert_string_equal(e.msg, "4097 neighbors configured: at most 4096");
	c.nneighbors = 0;
	c.nservers = 0;
	assert_int_equal(cfg_validate(&c, &e), 0);
	assert_string_equal(e.msg, "");
	cfg_free(&c);
}

/* ---- cfg_diff ---- */

struct diff_vec {
	const char *name;
	const char *old, *new_cfg;
	const char *want;               /* "g n 1:SOFT ..." */
};

#define BASE "bmp server 1\n" A1 " activate\nbmp server 2\n" \
	" address 20.1.1.1 port-number 9000\n activate\nneighbor 30.1.1.1 bmp-activate all\n"

static const struct diff_vec diff_vecs[] = {
	{ "same", BASE, BASE, "1:SAME 2:SAME" },
	{ "empty", "", "", "" },
	{ "added", BASE, BASE "bmp server 3\n", "1:SAME 2:SAME 3:ADDED" },
	{ "removed", BASE, BASE "no bmp server 1\n", "1:REMOVED 2:SAME" },
	{ "address", BASE, BASE "bmp server 1\n address 10.1.1.2 port-number 8000\n",
	  "1:RECONNECT 2:SAME" },
	{ "port", BASE, BASE "bmp server 2\n address 20.1.1.1 port-number 9001\n",
	  "1:SAME 2:RECONNECT" },
	{ "dscp", BASE, BASE "bmp server 1\n set ip dscp 0\n", "1:RECONNECT 2:SAME" },
	{ "source", BASE, BASE "bmp server 1\n update-source eth1\n", "1:RECONNECT 2:SAME" },
	{ "vpn", BASE, BASE "bmp server 1\n vpn-instance v\n", "1:RECONNECT 2:SAME" },
	{ "initial", BASE, BASE "bmp server 1\n initial-delay 5\n", "1:SOFT 2:SAME" },
	{ "retry", BASE, BASE "bmp server 1\n failure-retry-delay 5\n", "1:SOFT 2:SAME" },
	{ "flap", BASE, BASE "bmp server 2\n flapping-delay 5\n", "1:SAME 2:SOFT" },
	{ "description", BASE, BASE "bmp server 1\n description x\n", "1:SOFT 2:SAME" },
	{ "deactivate", BASE, BASE "bmp server 1\n no activate\n", "1:SOFT 2:SAME" },
	{ "stats", BASE, BASE "bmp server 1\n stats-reporting-period 30\n", "1:SOFT 2:SAME" },
	{ "buffer", BASE, BASE "bmp buffer-size 9\n", "g 1:SAME 2:SAME" },
	{ "refresh", BASE, BASE "bmp initial-refresh skip\n", "g 1:SAME 2:SAME" },
	{ "refresh delay", "", "bmp initial-refresh delay 9\n", "g" },
	{ "neighbor", BASE, BASE "neighbor 30.1.1.1 bmp-activate server 1\n", "n 1:SAME 2:SAME" },
	{ "new neighbor", BASE, BASE "neighbor 30.1.1.2 bmp-activate server 1\n",
	  "n 1:SAME 2:SAME" },
	{ "activate all", BASE, BASE "bmp-activate all\n", "n 1:SAME 2:SAME" },
	{ "several", BASE, BASE "bmp server 1\n initial-delay 9\n set ip dscp 1\nbmp server 2\n"
	  " description d\nbmp server 5\nbmp buffer-size 1\n", "g 1:RECONNECT 2:SOFT 5:ADDED" },
	{ "huawei public", "bmp\n bmp-session 1.1.1.1\n",
	  "bmp\n bmp-session 1.1.1.1\n  monitor public-network\n", "n 1001:SOFT" },
	{ "huawei alias", "bmp\n bmp-session 1.1.1.1 alias a\n",
	  "bmp\n bmp-session 1.1.1.1 alias a\n undo bmp-session 1.1.1.1 alias a\n"
	  " bmp-session 1.1.1.1 alias b\n", "1001:SOFT" },
	{ "huawei port", "bmp\n bmp-session 1.1.1.1\n",
	  "bmp\n bmp-session 1.1.1.1\n  tcp connect port 5\n", "1001:RECONNECT" },
	{ "huawei stats", "bmp\n bmp-session 1.1.1.1\n",
	  "bmp\n bmp-session 1.1.1.1\n  statistics-timer 5\n", "1001:SOFT" },
	{ "huawei removed", "bmp\n bmp-session 1.1.1.1\n bmp-session 2.2.2.2\n",
	  "bmp\n bmp-session 1.1.1.1\n", "1001:SAME 1002:REMOVED" },
};

static const char *const change_names[] = { "SAME", "ADDED", "REMOVED", "RECONNECT", "SOFT" };

static void
test_diff(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(diff_vecs) / sizeof(diff_vecs[0]); i++) {
		const struct diff_vec *v = &diff_vecs[i];
		struct cfg a, b;
		struct cfg_diff d;
		char got[512] = "";

		parse_ok(&a, v->old);
		parse_ok(&b, v->new_cfg);
		cfg_diff(&a, &b, &d);
		cat(got, sizeof(got), "%s%s", d.globals ? " g" : "", d.neighbors ? " n" : "");
		for (unsigned k = 0; k < d.n; k++)
			cat(got, sizeof(got), " %u:%s", d.servers[k].id,
			    change_names[d.servers[k].change]);
		if (strcmp(got[0] ? got + 1 : got, v->want) != 0)
			fail_msg("%s: got '%s' want '%s'", v->name, got, v->want);
		cfg_free(&a);
		cfg_free(&b);
	}
}

/* ---- cfg_servers_for_peer ---- */

struct peer_vec {
	const char *name;
	const char *text;
	const char *peer;
	uint64_t want;
};

#define THREE "bmp server 1\nbmp server 2\nbmp server 3\n"

static const struct peer_vec peer_vecs[] = {
	{ "nothing", THREE, "30.1.1.1", 0 },
	{ "activate all", THREE "bmp-activate all\n", "30.1.1.1", 0x7 },
	{ "neighbor all", THREE "neighbor 30.1.1.1 bmp-activate all\n", "30.1.1.1", 0x7 },
	{ "other neighbor", THREE "neighbor 30.1.1.1 bmp-activate all\n", "30.1.1.2", 0 },
	{ "listed", THREE "neighbor 30.1.1.1 bmp-activate server 2 server 3\n", "30.1.1.1", 0x6 },
	{ "v6", THREE "neighbor 2001:db8::1 bmp-activate server 1\n", "2001:db8::1", 0x1 },
	{ "v4 is not v6", THREE "neighbor 2001:db8::1 bmp-activate server 1\n", "0.0.0.0", 0 },
	{ "undefined", THREE "neighbor 30.1.1.1 bmp-activate server 7 server 3\n", "30.1.1.1",
	  0x4 },
	{ "index not id", "bmp server 5\nbmp server 900\n"
	  "neighbor 30.1.1.1 bmp-activate server 900\n", "30.1.1.1", 0x2 },
	{ "huawei public", THREE "bmp\n bmp-session 9.9.9.9\n  monitor public-network\n"
	  " bmp-session 9.9.9.8\n", "30.1.1.1", 0x8 },
	{ "huawei peer", THREE "bmp\n bmp-session 9.9.9.9\n bmp-session 9.9.9.8\n"
	  "  monitor peer 30.1.1.1\n", "30.1.1.1", 0x10 },
	{ "both", THREE "neighbor 30.1.1.1 bmp-activate server 1\nbmp\n bmp-session 9.9.9.9\n"
	  "  monitor peer 30.1.1.1\n", "30.1.1.1", 0x9 },
	{ "all includes huawei", THREE "bmp-activate all\nbmp\n bmp-session 9.9.9.9\n",
	  "1.2.3.4", 0xf },
};

static void
test_servers_for_peer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(peer_vecs) / sizeof(peer_vecs[0]); i++) {
		const struct peer_vec *v = &peer_vecs[i];
		struct cfg_addr peer = { 0 };
		struct cfg c;
		uint64_t got;

		peer.family = strchr(v->peer, ':') ? 6 : 4;
		assert_int_equal(inet_pton(peer.family == 4 ? AF_INET : AF_INET6, v->peer,
					   peer.b), 1);
		parse_ok(&c, v->text);
		got = cfg_servers_for_peer(&c, &peer);
		if (got != v->want)
			fail_msg("%s: got %#llx want %#llx", v->name, (unsigned long long)got,
				 (unsigned long long)v->want);
		cfg_free(&c);
	}
}

/* 63 servers: the last one is bit 62. */
static void
test_servers_for_peer_full(void **state)
{
	char text[4096] = "bmp-activate all\n";
	struct cfg_addr peer = { .family = 4, .b = { 1, 2, 3, 4 } };
	struct cfg c;

	(void)state;
	for (unsigned i = 1; i <= CFG_MAX_SERVERS; i++)
		cat(text, sizeof(text), "bmp server %u\n", i);
	parse_ok(&c, text);
	assert_int_equal(cfg_servers_for_peer(&c, &peer), (UINT64_C(1) << 63) - 1);
	cfg_free(&c);
}

/* ---- the rest of the API ---- */

static void
test_init_defaults(void **state)
{
	struct cfg c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	cfg_init(&c);
	assert_int_equal(c.router_as, 0);
	assert_int_equal(c.buffer_mb, 256);
	assert_int_equal(c.refresh, CFG_REFRESH_DELAY);
	assert_int_equal(c.refresh_delay, 1);
	assert_false(c.activate_all);
	assert_int_equal(c.nservers, 0);
	assert_int_equal(c.nneighbors, 0);
	assert_null(c.neighbors);
	cfg_free(&c);
	cfg_free(&c);                           /* twice is harmless */
	parse_ok(&c, "bmp server 4\n");
	assert_int_equal(c.servers[0].id, 4);
	assert_false(c.servers[0].huawei);
	assert_false(c.servers[0].activate);
	assert_int_equal(c.servers[0].addr.family, 0);
	assert_int_equal(c.servers[0].port, 0);
	assert_int_equal(c.servers[0].initial_delay, 0);
	assert_int_equal(c.servers[0].failure_retry_delay, 30);
	assert_int_equal(c.servers[0].flapping_delay, 60);
	assert_int_equal(c.servers[0].stats_period, 0);
	assert_int_equal(c.servers[0].dscp, -1);
	cfg_free(&c);
}

static void
test_addr_str(void **state)
{
	struct cfg_addr v4 = { .family = 4, .b = { 10, 1, 1, 1 } };
	struct cfg_addr v6 = { .family = 6, .b = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct cfg_addr none = { 0 };
	char buf[INET6_ADDRSTRLEN], small[4] = "xyz";

	(void)state;
	assert_string_equal(cfg_addr_str(&v4, buf, sizeof(buf)), "10.1.1.1");
	assert_string_equal(cfg_addr_str(&v6, buf, sizeof(buf)), "2001:db8::1");
	assert_string_equal(cfg_addr_str(&none, buf, sizeof(buf)), "-");
	assert_string_equal(cfg_addr_str(&v4, small, sizeof(small)), "");
}

static void
test_server_find(void **state)
{
	struct cfg c;

	(void)state;
	parse_ok(&c, "bmp server 9\nbmp server 3\n activate\nbmp server 1000\n"
		 "bmp\n bmp-session 1.1.1.1\n");
	assert_int_equal(cfg_server_find(&c, 3)->id, 3);
	assert_true(cfg_server_find(&c, 3)->activate);
	assert_int_equal(cfg_server_find(&c, 1000)->id, 1000);
	assert_true(cfg_server_find(&c, 1001)->huawei);
	assert_null(cfg_server_find(&c, 4));
	assert_null(cfg_server_find(&c, 0));
	assert_null(cfg_server_find(&c, 1002));
	cfg_free(&c);
}

/* The copy owns its neighbors; equality sees every field. */
static void
test_copy_equal(void **state)
{
	struct cfg a, b;
	struct cfg_error e;

	(void)state;
	parse_ok(&a, cisco_running);
	assert_int_equal(apply(&a, "neighbor 30.1.1.1 bmp-activate server 1\n", &e), 0);
	parse_ok(&b, "neighbor 9.9.9.9 bmp-activate all\n");
	assert_false(cfg_equal(&a, &b));
	assert_int_equal(cfg_copy(&b, &a), 0);  /* frees b's own neighbors */
	assert_true(cfg_equal(&a, &b));
	assert_ptr_not_equal(a.neighbors, b.neighbors);
	b.neighbors[0].servers[0] = 2;
	assert_int_equal(a.neighbors[0].servers[0], 1);
	assert_false(cfg_equal(&a, &b));
	b.neighbors[0].servers[0] = 1;
	b.servers[1].description[0] = 'X';
	assert_false(cfg_equal(&a, &b));
	b.servers[1].description[0] = 'S';
	b.servers[0].dscp = -1;
	assert_false(cfg_equal(&a, &b));
	b.servers[0].dscp = 3;
	b.router_as = 1;
	assert_false(cfg_equal(&a, &b));
	b.router_as = 0;
	b.refresh = CFG_REFRESH_SKIP;
	assert_false(cfg_equal(&a, &b));
	a.refresh = CFG_REFRESH_SKIP;           /* the delay of skip does not count */
	a.refresh_delay = 99;
	assert_true(cfg_equal(&a, &b));
	assert_int_equal(cfg_copy(&b, &b), 0);
	assert_true(cfg_equal(&a, &b));
	cfg_free(&a);
	cfg_free(&b);
}

static void
test_load_file(void **state)
{
	char path[] = "/tmp/cfg_test_XXXXXX";
	int fd = mkstemp(path);
	struct cfg_error e;
	struct cfg c;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(cisco_servers, f);
	fclose(f);
	assert_int_equal(cfg_load_file(&c, path, &e), 0);
	assert_int_equal(c.nservers, 2);
	cfg_free(&c);
	f = fopen(path, "w");
	fputs("bmp server 1\n activate\n", f);  /* parses, does not validate */
	fclose(f);
	assert_int_equal(cfg_load_file(&c, path, &e), -EINVAL);
	assert_int_equal(e.line, 0);
	assert_int_equal(c.nservers, 0);        /* nothing half-loaded */
	f = fopen(path, "w");
	fputs("bmp server 1\n set ip dscp 99\n", f);
	fclose(f);
	assert_int_equal(cfg_load_file(&c, path, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(c.nservers, 0);
	assert_int_equal(truncate(path, 17 << 20), 0);
	assert_int_equal(cfg_load_file(&c, path, &e), -EFBIG);
	assert_non_null(strstr(e.msg, "larger than 16777216 bytes"));
	unlink(path);
	assert_int_equal(cfg_load_file(&c, path, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	cfg_free(&c);
}

/*
 * configs/ of the source tree. Meson names this file by a path relative to
 * the build directory, the parent of this executable's directory.
 */
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

static void
test_config_files(void **state)
{
	char path[4096];
	struct cfg_error e;
	struct cfg c;

	(void)state;
	config_path(path, sizeof(path), "bmptap.conf");
	if (cfg_load_file(&c, path, &e))
		fail_msg("%s", e.msg);
	assert_string_equal(dump(&c), "all [1 act 127.0.0.1/11019 descr=\"local collector\"]");
	cfg_free(&c);
	config_path(path, sizeof(path), "cisco-example.conf");
	if (cfg_load_file(&c, path, &e))
		fail_msg("%s", e.msg);
	assert_string_equal(dump(&c), "as=65000 buf=2048 refresh=30 all "
			    SRV1_DOC " dscp=3 stats=30 src=Ethernet0/0] "
			    SRV2_DOC " dscp=5 stats=30 src=Ethernet2/0] {30.1.1.1 srv=1,2}");
	cfg_free(&c);
	config_path(path, sizeof(path), "huawei-example.conf");
	if (cfg_load_file(&c, path, &e))
		fail_msg("%s", e.msg);
	assert_string_equal(dump(&c), "[1001 hw act 10.1.1.1/8000 stats=30 mon] "
			    "[1002 hw act 10.1.1.1/8001 alias=backup] "
			    "[1003 hw act 2001:db8::10/1790 vpn=\"mgmt vrf\"] "
			    "{30.1.1.1 srv=1002,1003} {2001:db8::2001 srv=1002}");
	cfg_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cisco_documents),
		cmocka_unit_test(test_write_document_order),
		cmocka_unit_test(test_write_every_field),
		cmocka_unit_test(test_should_parse),
		cmocka_unit_test(test_should_error),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_apply_on_top),
		cmocka_unit_test(test_partial_on_error),
		cmocka_unit_test(test_too_many_servers),
		cmocka_unit_test(test_too_many_neighbors),
		cmocka_unit_test(test_neighbor_server_list),
		cmocka_unit_test(test_neighbor_mixed_list),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_huawei_ids),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_built),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_servers_for_peer),
		cmocka_unit_test(test_servers_for_peer_full),
		cmocka_unit_test(test_init_defaults),
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_server_find),
		cmocka_unit_test(test_copy_equal),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_config_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
