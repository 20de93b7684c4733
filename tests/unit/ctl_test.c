/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptapctl without Redis: the command line (every command and alias,
 * good and bad, with its exit code), the show formatting from hand-made
 * state rows (field names and strings as bmptapd publishes them) against
 * text written by hand from the Cisco document's sample output, the
 * location of validation errors, and the JSON writer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/ctl/ctl.h"

/* ---- helpers ---- */

/* Words split on spaces into a fresh argv (getopt permutes it). */
struct args {
	int argc;
	char *argv[24];
	char buf[512];
};

static void
split(struct args *a, const char *line)
{
	char *save = NULL, *w;

	snprintf(a->buf, sizeof(a->buf), "bmptapctl %s", line);
	a->argc = 0;
	for (w = strtok_r(a->buf, " ", &save); w && a->argc < 23; w = strtok_r(NULL, " ", &save))
		a->argv[a->argc++] = w;
	a->argv[a->argc] = NULL;
}

/* Output of fn into a malloc'd string. */
struct out {
	char *text;
	size_t len;
	FILE *f;
};

static FILE *
out_open(struct out *o)
{
	o->text = NULL;
	o->len = 0;
	o->f = open_memstream(&o->text, &o->len);
	assert_non_null(o->f);
	return o->f;
}

static const char *
out_close(struct out *o)
{
	fclose(o->f);
	return o->text;
}

/* Whole texts on a mismatch: cmocka cuts long strings. */
#define assert_text(got, want) assert_text_at(got, want, __FILE__, __LINE__)

static void
assert_text_at(const char *got, const char *want, const char *file, int line)
{
	if (strcmp(got, want) == 0)
		return;
	fprintf(stderr, "%s:%d: got:\n%s---\nwant:\n%s---\n", file, line, got, want);
	fail();
}

static void
hash_set(struct rcfg_hash *h, const char *key, const char *const *kv)
{
	static struct rcfg_field fields[8][24];
	static unsigned next;
	struct rcfg_field *f = fields[next++ % 8];

	memset(h, 0, sizeof(*h));
	snprintf(h->key, sizeof(h->key), "%s", key);
	for (h->n = 0; kv[2 * h->n]; h->n++) {
		snprintf(f[h->n].name, sizeof(f[h->n].name), "%s", kv[2 * h->n]);
		snprintf(f[h->n].value, sizeof(f[h->n].value), "%s", kv[2 * h->n + 1]);
	}
	h->f = f;
}

static void
load_cfg(struct cfg *c, const char *text)
{
	struct cfg_error err;

	cfg_init(c);
	assert_int_equal(cfg_apply(c, text, strlen(text), &err), 0);
	assert_int_equal(cfg_validate(c, &err), 0);
}

/* ---- command line ---- */

struct parse_case {
	const char *line;
	int exit;
	enum ctl_cmd cmd;
	uint32_t server;
	unsigned debug;
	const char *file;
};

static const struct parse_case should_parse[] = {
	{ "configure", 0, CTL_CMD_CONFIGURE, 0, 0, NULL },
	{ "configure -", 0, CTL_CMD_CONFIGURE, 0, 0, "-" },
	{ "configure configs/cisco-example.conf", 0, CTL_CMD_CONFIGURE, 0, 0,
	  "configs/cisco-example.conf" },
	{ "conf x.conf", 0, CTL_CMD_CONFIGURE, 0, 0, "x.conf" },
	{ "show running-config", 0, CTL_CMD_SHOW_RUNNING, 0, 0, NULL },
	{ "show running-config | section bmp", 0, CTL_CMD_SHOW_RUNNING, 0, 0, NULL },
	{ "sh run", 0, CTL_CMD_SHOW_RUNNING, 0, 0, NULL },
	{ "SHOW Running-Config", 0, CTL_CMD_SHOW_RUNNING, 0, 0, NULL },
	{ "show bmp server summary", 0, CTL_CMD_SHOW_SUMMARY, 0, 0, NULL },
	{ "show ip bgp bmp server summary", 0, CTL_CMD_SHOW_SUMMARY, 0, 0, NULL },
	{ "sh ip bgp bmp s summ", 0, CTL_CMD_SHOW_SUMMARY, 0, 0, NULL },
	{ "show bmp server 1", 0, CTL_CMD_SHOW_SERVER, 1, 0, NULL },
	{ "show ip bgp bmp server 2", 0, CTL_CMD_SHOW_SERVER, 2, 0, NULL },
	{ "show bmp server 1001", 0, CTL_CMD_SHOW_SERVER, 1001, 0, NULL },
	{ "show bmp server", 0, CTL_CMD_SHOW_SERVER, 0, 0, NULL },
	{ "show ip bgp bmp server", 0, CTL_CMD_SHOW_SERVER, 0, 0, NULL },
	{ "show bmp neighbors", 0, CTL_CMD_SHOW_NEIGHBORS, 0, 0, NULL },
	{ "show bmp server neighbors", 0, CTL_CMD_SHOW_NEIGHBORS, 0, 0, NULL },
	{ "show ip bgp bmp neighbors", 0, CTL_CMD_SHOW_NEIGHBORS, 0, 0, NULL },
	{ "show ip bgp bmp server neighbors", 0, CTL_CMD_SHOW_NEIGHBORS, 0, 0, NULL },
	{ "show bmp server n", 0, CTL_CMD_SHOW_NEIGHBORS, 0, 0, NULL },
	{ "show debugging", 0, CTL_CMD_SHOW_DEBUGGING, 0, 0, NULL },
	{ "debug bmp event", 0, CTL_CMD_DEBUG, 0, CTL_DBG_EVENT, NULL },
	{ "debug bmp neighbor", 0, CTL_CMD_DEBUG, 0, CTL_DBG_NEIGHBOR, NULL },
	{ "debug bmp server", 0, CTL_CMD_DEBUG, 0, CTL_DBG_SERVER, NULL },
	{ "debug bmp all", 0, CTL_CMD_DEBUG, 0, CTL_DBG_ALL, NULL },
	{ "debug ip bgp bmp server", 0, CTL_CMD_DEBUG, 0, CTL_DBG_SERVER, NULL },
	{ "debug ip bgp bmp events", 0, CTL_CMD_DEBUG, 0, CTL_DBG_EVENT, NULL },
	{ "undebug bmp neighbor", 0, CTL_CMD_UNDEBUG, 0, CTL_DBG_NEIGHBOR, NULL },
	{ "undebug ip bgp bmp all", 0, CTL_CMD_UNDEBUG, 0, CTL_DBG_ALL, NULL },
	{ "no debug bmp server", 0, CTL_CMD_UNDEBUG, 0, CTL_DBG_SERVER, NULL },
	{ "no debug ip bgp bmp event", 0, CTL_CMD_UNDEBUG, 0, CTL_DBG_EVENT, NULL },
	{ "undebug all", 0, CTL_CMD_UNDEBUG, 0, CTL_DBG_ALL, NULL },
	{ "no debug all", 0, CTL_CMD_UNDEBUG, 0, CTL_DBG_ALL, NULL },
	/* options before, after and between the words */
	{ "--json show bmp neighbors", 0, CTL_CMD_SHOW_NEIGHBORS, 0, 0, NULL },
	{ "show bmp server 2 --json", 0, CTL_CMD_SHOW_SERVER, 2, 0, NULL },
	{ "--timeout 0.5 configure -", 0, CTL_CMD_CONFIGURE, 0, 0, "-" },
};

/* Bad command lines: exit 1 and this much of the one-line reason. */
static const struct {
	const char *line;
	const char *reason;
} should_fail[] = {
	{ "", "no command" },
	{ "show", "incomplete command 'show' (expected running-config, bmp, ip, debugging)" },
	{ "show bmp", "incomplete command 'show bmp' (expected server, neighbors)" },
	{ "show bmp server 0", "unknown command 'show bmp server 0' (expected summary, "
	  "N (1-1063), neighbors)" },
	{ "show bmp server 1064", "unknown command 'show bmp server 1064'" },
	{ "show bmp server 1x", "unknown command 'show bmp server 1x'" },
	{ "show bmp server 1 2", "unexpected word '2' in 'show bmp server 1 2'" },
	{ "show bmp foo", "unknown command 'show bmp foo' (expected server, neighbors)" },
	{ "show running-config | include bmp", "unknown command 'show running-config | "
	  "include' (expected section)" },
	{ "frobnicate", "unknown command 'frobnicate' (expected configure, show, debug, "
	  "undebug, no)" },
	{ "debug bmp", "incomplete command 'debug bmp' (expected event|neighbor|server|all)" },
	{ "debug bmp peer", "unknown command 'debug bmp peer'" },
	{ "undebug", "incomplete command 'undebug' (expected bmp, ip, all)" },
	{ "configure a b", "unexpected word 'b' in 'configure a b'" },
	{ "s", "incomplete command 's' (expected running-config, bmp, ip, debugging)" },
	{ "--bogus show debugging", "unknown option '--bogus'" },
	{ "-x show debugging", "unknown option '-x'" },
	{ "show debugging --timeout", "option '--timeout' needs a value" },
	{ "--timeout -1 show debugging", "--timeout '-1': seconds, 0-3600" },
	{ "--timeout 5s show debugging", "--timeout '5s': seconds, 0-3600" },
	{ "--timeout 3601 show debugging", "--timeout '3601'" },
	{ "--namespace a:b show debugging", "--namespace 'a:b'" },
	{ "--redis http://x show debugging", "--redis 'http://x'" },
	{ "show bmp server summary extra", "unexpected word 'extra'" },
};

static void
test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_parse) / sizeof(should_parse[0]); i++) {
		const struct parse_case *c = &should_parse[i];
		struct ctl_opts o;
		struct args a;
		char err[256];

		split(&a, c->line);
		int rc = ctl_parse(a.argc, a.argv, &o, err, sizeof(err));
		if (rc != c->exit || o.cmd != c->cmd)
			fail_msg("'%s': rc %d cmd %d (%s)", c->line, rc, o.cmd, err);
		assert_int_equal(o.server, c->server);
		assert_int_equal(o.debug, c->debug);
		if (c->file)
			assert_string_equal(o.file, c->file);
		else
			assert_null(o.file);
	}
}

static void
test_parse_options(void **state)
{
	struct ctl_opts o;
	struct args a;
	char err[256];

	(void)state;
	split(&a, "show debugging");
	assert_int_equal(ctl_parse(a.argc, a.argv, &o, err, sizeof(err)), CTL_OK);
	assert_string_equal(o.url, "redis://127.0.0.1:6379/0");
	assert_string_equal(o.ns, "bmptap");
	assert_false(o.json);
	assert_true(o.timeout == 5.0);

	split(&a, "-r unix:/tmp/r.sock -n lab-2 -j -t 0.25 show debugging");
	assert_int_equal(ctl_parse(a.argc, a.argv, &o, err, sizeof(err)), CTL_OK);
	assert_string_equal(o.url, "unix:/tmp/r.sock");
	assert_string_equal(o.ns, "lab-2");
	assert_true(o.json);
	assert_true(o.timeout == 0.25);

	split(&a, "--redis redis://u:p@h:7000/2 --namespace x --json --timeout 0 "
	      "show bmp server 3");
	assert_int_equal(ctl_parse(a.argc, a.argv, &o, err, sizeof(err)), CTL_OK);
	assert_string_equal(o.url, "redis://u:p@h:7000/2");
	assert_true(o.timeout == 0);
	assert_int_equal(o.server, 3);

	split(&a, "--help");
	assert_int_equal(ctl_parse(a.argc, a.argv, &o, err, sizeof(err)), CTL_OK);
	assert_true(o.help);
	split(&a, "show bogus -h");
	assert_int_equal(ctl_parse(a.argc, a.argv, &o, err, sizeof(err)), CTL_OK);
	assert_true(o.help);
	split(&a, "--version");
	assert_int_equal(ctl_parse(a.argc, a.argv, &o, err, sizeof(err)), CTL_OK);
	assert_true(o.version);
}

static void
test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_fail) / sizeof(should_fail[0]); i++) {
		struct ctl_opts o;
		struct args a;
		char err[256];

		split(&a, should_fail[i].line);
		int rc = ctl_parse(a.argc, a.argv, &o, err, sizeof(err));
		if (rc != CTL_EUSAGE || !strstr(err, should_fail[i].reason))
			fail_msg("'%s': rc %d, '%s' does not hold '%s'", should_fail[i].line, rc,
				 err, should_fail[i].reason);
		assert_null(strchr(err, '\n'));
	}
}

static void
test_usage_documents_exit_codes(void **state)
{
	struct out o;
	const char *t;

	(void)state;
	ctl_usage(out_open(&o));
	t = out_close(&o);
	assert_non_null(strstr(t, "  0  success\n"));
	assert_non_null(strstr(t, "  1  usage error"));
	assert_non_null(strstr(t, "  2  configuration refused"));
	assert_non_null(strstr(t, "  3  Redis unreachable"));
	assert_non_null(strstr(t, "  4  configuration written to Redis, not acknowledged"));
	free(o.text);
}

/* ---- the Cisco document's setup ---- */

/* Servers 1 and 2 as in the document, and ten neighbors (the table's). */
static const char vendor_cfg[] =
	"router bgp 65000\n"
	"bmp initial-refresh delay 30\n"
	"bmp buffer-size 2048\n"
	"bmp server 1\n"
	" activate\n"
	" address 10.1.1.1 port-number 8000\n"
	" description LINE SERVER1\n"
	" failure-retry-delay 40\n"
	" flapping-delay 120\n"
	" initial-delay 20\n"
	" set ip dscp 5\n"
	" stats-reporting-period 30\n"
	" update-source ethernet 0/0\n"
	" exit-bmp-server-mode\n"
	"bmp server 2\n"
	" activate\n"
	" address 20.1.1.1 port-number 9000\n"
	" description LINE SERVER2\n"
	" failure-retry-delay 40\n"
	" flapping-delay 120\n"
	" initial-delay 20\n"
	" exit-bmp-server-mode\n"
	"neighbor 30.1.1.1 bmp-activate server 1 server 2\n"
	"neighbor 2001:DB8::2001 bmp-activate server 1 server 2\n"
	"neighbor 40.1.1.1 bmp-activate server 1 server 2\n"
	"neighbor 2001:DB8::2002 bmp-activate server 1 server 2\n"
	"neighbor 50.1.1.1 bmp-activate server 1 server 2\n"
	"neighbor 60.1.1.1 bmp-activate server 1 server 2\n"
	"neighbor 70.1.1.1 bmp-activate server 2\n"
	"neighbor 80.1.1.1 bmp-activate server 1\n"
	"neighbor 90.1.1.1 bmp-activate server 1\n"
	"neighbor 2001:DB8::2003 bmp-activate server 2\n";

struct fixture {
	struct cfg cfg;
	struct ctl_state st;
	struct ctl_view v;
};

static void
fixture_init(struct fixture *fx, const char *cfg_text)
{
	memset(fx, 0, sizeof(*fx));
	load_cfg(&fx->cfg, cfg_text);
	ctl_state_init(&fx->st);
	fx->st.nservers = fx->cfg.nservers;
	for (unsigned i = 0; i < fx->cfg.nservers; i++)
		ctl_server_from_hash(&fx->st.servers[i], fx->cfg.servers[i].id, NULL);
	ctl_global_from_hash(&fx->st.g, NULL);
	fx->v.ns = "bmptap";
	fx->v.cfg = &fx->cfg;
	fx->v.config_version = 7;
	fx->v.st = &fx->st;
}

static void
fixture_free(struct fixture *fx)
{
	ctl_state_free(&fx->st);
	cfg_free(&fx->cfg);
}

static void
set_global(struct fixture *fx, const char *const *kv)
{
	struct rcfg_hash h;

	hash_set(&h, "bmptap:BMP_GLOBAL_STATE|global", kv);
	ctl_global_from_hash(&fx->st.g, &h);
}

static void
set_server(struct fixture *fx, unsigned idx, const char *const *kv)
{
	struct rcfg_hash h;
	char key[64];

	snprintf(key, sizeof(key), "bmptap:BMP_SERVER_STATE|%u", fx->cfg.servers[idx].id);
	hash_set(&h, key, kv);
	ctl_server_from_hash(&fx->st.servers[idx], fx->cfg.servers[idx].id, &h);
}

static const char *const global_vendor[] = {
	"config_version", "7", "config_status", "ok", "config_error", "",
	"refresh_state", "BMP Refresh not in progress, refresh not scheduled",
	"buffer_used_bytes", "0", "buffer_limit_bytes", "2147483648",
	"servers_configured", "2", "neighbors_configured", "10", "neighbors_up", "10",
	"uptime_s", "5000", "redis_reconnects", "0", "debug", "none", NULL,
};

/* The document's second summary: both Up for 00:38:49 (2329 s). */
static const char *const server1_up[] = {
	"status", "Up", "uptime_s", "2329", "tcb", "0x2A98B07138", "local", "192.0.2.1:40001",
	"msgs_sent", "162", "bytes_sent", "20480", "bytes_queued", "0", "msgs_queued", "0",
	"last_stats_s", "9", "last_error", "", "attempts", "1", "connects", "1",
	"failures", "0", "flap_waits", "0", "buffer_drops", "0", NULL,
};

static const char *const server2_up[] = {
	"status", "Up", "uptime_s", "2329", "tcb", "0x2A98E17C88", "local", "192.0.2.1:40002",
	"msgs_sent", "46", "bytes_sent", "4096", "bytes_queued", "0", "msgs_queued", "0",
	"last_stats_s", "4", "last_error", "", "attempts", "1", "connects", "1",
	"failures", "0", "flap_waits", "0", "buffer_drops", "0", NULL,
};

static const char summary_head[] =
	"Number of BMP servers configured: 2\n"
	"Number of BMP neighbors configured: 10\n";
static const char vendor_refresh_buffer[] =
	"BMP Refresh not in progress, refresh not scheduled\n"
	"Initial Refresh Delay configured, refresh value 30s\n"
	"BMP buffer size configured, buffer size 2048 MB, buffer size bytes used 0 MB\n";

static void
test_summary_up(void **state)
{
	struct fixture fx;
	struct out o;
	char want[2048];

	(void)state;
	fixture_init(&fx, vendor_cfg);
	set_global(&fx, global_vendor);
	set_server(&fx, 0, server1_up);
	set_server(&fx, 1, server2_up);
	assert_int_equal(ctl_show_summary(out_open(&o), &fx.v), 0);
	snprintf(want, sizeof(want), "%s%s%s%s",
		 summary_head,
		 "Number of neighbors seen on the tap: 0, up: 10, on refresh queue: 0\n"
		 "Number of BMP servers with messages queued: 0, messages queued: 0\n",
		 vendor_refresh_buffer,
		 "\n"
		 "ID Host/Net      Port  TCB           Status  Uptime    MsgSent  LastStat\n"
		 "1  10.1.1.1      8000  0x2A98B07138  Up      00:38:49  162      00:00:09\n"
		 "2  20.1.1.1      9000  0x2A98E17C88  Up      00:38:49  46       00:00:04\n");
	assert_text(out_close(&o), want);
	free(o.text);
	fixture_free(&fx);
}

/* The document's first summary: after deactivating both servers. */
static void
test_summary_deactivated(void **state)
{
	static const char *const down[] = {
		"status", "Down", "uptime_s", "0", "tcb", "0x0", "msgs_sent", "0",
		"msgs_queued", "0", NULL,
	};
	struct fixture fx;
	struct out o;
	char want[2048];

	(void)state;
	fixture_init(&fx, vendor_cfg);
	set_global(&fx, global_vendor);
	set_server(&fx, 0, down);
	set_server(&fx, 1, down);
	assert_int_equal(ctl_show_summary(out_open(&o), &fx.v), 0);
	snprintf(want, sizeof(want), "%s%s%s%s", summary_head,
		 "Number of neighbors seen on the tap: 0, up: 10, on refresh queue: 0\n"
		 "Number of BMP servers with messages queued: 0, messages queued: 0\n",
		 vendor_refresh_buffer,
		 "\n"
		 "ID Host/Net      Port  TCB      Status  Uptime   MsgSent  LastStat\n"
		 "1  10.1.1.1      8000  0x0      Down    0        0\n"
		 "2  20.1.1.1      9000  0x0      Down    0        0\n");
	assert_text(out_close(&o), want);
	free(o.text);
	fixture_free(&fx);
}

/* bmptapd publishes nothing: said first, configured values, Down, no numbers made up. */
static void
test_summary_no_daemon(void **state)
{
	struct fixture fx;
	struct out o;

	(void)state;
	fixture_init(&fx, vendor_cfg);
	assert_int_equal(ctl_show_summary(out_open(&o), &fx.v), 0);
	assert_text(out_close(&o),
		"% bmptapd publishes no state in namespace 'bmptap' (not running?): "
		"configured values only, every server Down\n"
		"\n"
		"Number of BMP servers configured: 2\n"
		"Number of BMP neighbors configured: 10\n"
		"Number of neighbors seen on the tap: -, up: -, on refresh queue: -\n"
		"Number of BMP servers with messages queued: -, messages queued: -\n"
		"BMP Refresh not in progress (bmptapd not running)\n"
		"Initial Refresh Delay configured, refresh value 30s\n"
		"BMP buffer size configured, buffer size 2048 MB, buffer size bytes used - MB\n"
		"\n"
		"ID Host/Net      Port  TCB      Status  Uptime   MsgSent  LastStat\n"
		"1  10.1.1.1      8000  0x0      Down    0        -\n"
		"2  20.1.1.1      9000  0x0      Down    0        -\n");
	free(o.text);
	fixture_free(&fx);
}

/* Another applied version, a refusal, a restart-only buffer size, queues, garbled numbers. */
static void
test_summary_notices(void **state)
{
	static const char *const g[] = {
		"config_version", "6", "config_status", "refused",
		"config_error", "bmptap:BMP_SERVER|1 dscp '64': out of range 0-63",
		"refresh_state", "scheduled", "buffer_used_bytes", "5242880",
		"buffer_limit_bytes", "268435456", "neighbors_up", "x", NULL,
	};
	static const char *const s1[] = {
		"status", "connecting", "tcb", "-1", "msgs_sent", "12", "msgs_queued", "3", NULL,
	};
	static const char *const s2[] = {
		"status", "Up", "uptime_s", "90061", "msgs_sent", "-1", "msgs_queued", "4", NULL,
	};
	struct fixture fx;
	struct out o;

	(void)state;
	fixture_init(&fx, vendor_cfg);
	set_global(&fx, g);
	set_server(&fx, 0, s1);
	set_server(&fx, 1, s2);
	assert_int_equal(ctl_show_summary(out_open(&o), &fx.v), 0);
	assert_text(out_close(&o),
		"% bmptapd runs configuration version 6, Redis holds version 7 (not applied yet)\n"
		"% bmptapd refused the last configuration: bmptap:BMP_SERVER|1 dscp '64': "
		"out of range 0-63\n"
		"Number of BMP servers configured: 2\n"
		"Number of BMP neighbors configured: 10\n"
		"Number of neighbors seen on the tap: 0, up: -, on refresh queue: 0\n"
		"Number of BMP servers with messages queued: 2, messages queued: 7\n"
		"BMP Refresh not in progress, refresh scheduled\n"
		"Initial Refresh Delay configured, refresh value 30s\n"
		"BMP buffer size configured, buffer size 2048 MB, buffer size bytes used 5 MB "
		"(bmptapd runs 256 MB until restarted)\n"
		"\n"
		"ID Host/Net      Port  TCB      Status  Uptime   MsgSent  LastStat\n"
		"1  10.1.1.1      8000  0x0      Down    0        12\n"
		"2  20.1.1.1      9000  0x0      Up      1d01h    -\n");
	free(o.text);
	fixture_free(&fx);
}

static void
test_server_detail(void **state)
{
	struct fixture fx;
	struct out o;
	static const char *const s1[] = {
		"status", "Up", "uptime_s", "382", "tcb", "0x2A98B07138",
		"local", "192.0.2.1:40001",
		"msgs_sent", "162", "bytes_sent", "20480", "bytes_queued", "0", "msgs_queued", "0",
		"last_stats_s", "9", "attempts", "1", "connects", "1", "failures", "0",
		"flap_waits", "0", "buffer_drops", "0", NULL,
	};

	(void)state;
	fixture_init(&fx, vendor_cfg);
	set_global(&fx, global_vendor);
	set_server(&fx, 0, s1);
	assert_int_equal(ctl_show_server(out_open(&o), &fx.v, 1), 0);
	assert_text(out_close(&o),
		"Print detailed info for 1 server number 1.\n"
		"\n"
		"bmp server 1\n"
		"address: 10.1.1.1    port 8000\n"
		"description SERVER1\n"
		"up time 00:06:22\n"
		"session-startup route-refresh\n"
		"initial-delay 20\n"
		"failure-retry-delay 40\n"
		"flapping-delay 120\n"
		"activated\n"
		"set ip dscp 5\n"
		"stats-reporting-period 30\n"
		"update-source Ethernet0/0\n"
		"status Up, TCB 0x2A98B07138, local 192.0.2.1:40001\n"
		"messages sent 162, bytes sent 20480, queued 0 messages, 0 bytes\n"
		"connection attempts 1, connects 1, failures 0, flapping waits 0, buffer drops 0\n"
		"last statistics 00:00:09 ago\n");
	free(o.text);
	/* server 2 has no row yet; server 3 is not configured */
	assert_int_equal(ctl_show_server(out_open(&o), &fx.v, 2), 0);
	assert_text(out_close(&o),
		"Print detailed info for 1 server number 2.\n"
		"\n"
		"bmp server 2\n"
		"address: 20.1.1.1    port 9000\n"
		"description SERVER2\n"
		"up time 0\n"
		"session-startup route-refresh\n"
		"initial-delay 20\n"
		"failure-retry-delay 40\n"
		"flapping-delay 120\n"
		"activated\n"
		"status Down (bmptapd publishes no state for this server yet)\n");
	free(o.text);
	assert_int_equal(ctl_show_server(out_open(&o), &fx.v, 3), -ENOENT);
	out_close(&o);
	free(o.text);
	fixture_free(&fx);
}

/* A server bmptapd keeps retrying: its state, no TCB, the reason. */
static void
test_server_retry(void **state)
{
	static const char *const s[] = {
		"status", "Retry-wait", "uptime_s", "0", "tcb", "-1", "local", "",
		"msgs_sent", "0", "bytes_sent", "0", "bytes_queued", "0", "msgs_queued", "0",
		"last_stats_s", "never", "last_error", "connect: Connection refused",
		"attempts", "3", "connects", "0", "failures", "3", "flap_waits", "0",
		"buffer_drops", "0", NULL,
	};
	struct fixture fx;
	struct out o;

	(void)state;
	fixture_init(&fx, "bmp server 9\n address 2001:db8::9 port-number 1790\n activate\n");
	set_global(&fx, global_vendor);
	set_server(&fx, 0, s);
	assert_int_equal(ctl_show_server(out_open(&o), &fx.v, 9), 0);
	assert_text(out_close(&o),
		"Print detailed info for 1 server number 9.\n"
		"\n"
		"bmp server 9\n"
		"address: 2001:db8::9    port 1790\n"
		"up time 0\n"
		"session-startup route-refresh\n"
		"initial-delay 0\n"
		"failure-retry-delay 30\n"
		"flapping-delay 60\n"
		"activated\n"
		"status Retry-wait\n"
		"messages sent 0, bytes sent 0, queued 0 messages, 0 bytes\n"
		"connection attempts 3, connects 0, failures 3, flapping waits 0, buffer drops 0\n"
		"last error: connect: Connection refused\n");
	free(o.text);
	assert_int_equal(ctl_show_summary(out_open(&o), &fx.v), 0);
	assert_non_null(strstr(out_close(&o),
		"\nID Host/Net      Port  TCB      Status  Uptime   MsgSent  LastStat\n"
		"9  2001:db8::9   1790  0x0      Down    0        0\n"));
	free(o.text);
	fixture_free(&fx);
}

/* Huawei sessions, every server at once, bmptapd not running. */
static void
test_server_all_huawei(void **state)
{
	struct fixture fx;
	struct out o;

	(void)state;
	fixture_init(&fx, "bmp initial-refresh skip\n"
		     "bmp\n"
		     " bmp-session 10.1.1.1 alias backup\n"
		     "  tcp connect port 8001\n"
		     "  monitor public-network\n"
		     " bmp-session vpn-instance \"mgmt vrf\" 2001:db8::10\n");
	fx.v.config_version = 0;
	assert_int_equal(ctl_show_server(out_open(&o), &fx.v, 0), 0);
	assert_text(out_close(&o),
		"% bmptapd publishes no state in namespace 'bmptap' (not running?): "
		"configured values only, every server Down\n"
		"\n"
		"Print detailed info for 2 server number 1001 1002.\n"
		"\n"
		"bmp server 1001\n"
		"bmp-session 10.1.1.1 alias backup\n"
		"address: 10.1.1.1    port 8001\n"
		"up time 0\n"
		"session-startup skip\n"
		"initial-delay 0\n"
		"failure-retry-delay 30\n"
		"flapping-delay 60\n"
		"activated\n"
		"monitor public-network\n"
		"status Down (bmptapd not running)\n"
		"\n"
		"bmp server 1002\n"
		"bmp-session vpn-instance \"mgmt vrf\" 2001:db8::10\n"
		"address: 2001:db8::10    port -\n"
		"up time 0\n"
		"session-startup skip\n"
		"initial-delay 0\n"
		"failure-retry-delay 30\n"
		"flapping-delay 60\n"
		"not activated\n"
		"vpn-instance mgmt vrf\n"
		"status Down (bmptapd not running)\n");
	free(o.text);
	fixture_free(&fx);
}

/* The document's neighbor table, as rows keyed by sender and receiver. */
static void
add_neighbor(struct fixture *fx, const char *addr, const char *dist, const char *receiver,
	     const char *servers, const char *rm)
{
	const char *kv[] = {
		"receiver", receiver, "as", "65001", "bgp_id", "192.0.2.9", "cfg_servers", servers,
		"act_servers", servers, "rm_sent", rm, "priq", "0", "msgq", "0",
		"up_since", "1700000000", NULL,
	};
	struct rcfg_hash h;
	char key[128];

	snprintf(key, sizeof(key), "bmptap:BMP_NEIGHBOR_STATE|%s|%s", addr, dist);
	hash_set(&h, key, kv);
	assert_int_equal(ctl_state_add_neighbor(&fx->st, &h), 0);
}

static void
vendor_neighbors(struct fixture *fx)
{
	/* IPv4 receivers: RD receiver:0; IPv6 receivers: the halves XORed, no receiver field */
	add_neighbor(fx, "30.1.1.1", "10.0.0.1:0", "10.0.0.1", "1 2", "16");
	add_neighbor(fx, "2001:db8::2001", "20010db800000001", "", "1 2", "15");
	add_neighbor(fx, "40.1.1.1", "10.0.0.1:0", "10.0.0.1", "1 2", "26");
	add_neighbor(fx, "2001:db8::2002", "20010db800000001", "", "1 2", "15");
	add_neighbor(fx, "50.1.1.1", "10.0.0.2:0", "10.0.0.2", "1 2", "16");
	add_neighbor(fx, "60.1.1.1", "10.0.0.2:0", "10.0.0.2", "1 2", "26");
	add_neighbor(fx, "2001:db8::2002", "20010db800000003", "", "1 2", "16");
	add_neighbor(fx, "70.1.1.1", "10.0.0.3:0", "10.0.0.3", "2", "12");
	add_neighbor(fx, "80.1.1.1", "10.0.0.3:0", "10.0.0.3", "1", "10");
	add_neighbor(fx, "2001:db8::2002", "20010db800000002", "", "1", "9");
	assert_int_equal(ctl_state_finish(&fx->st, &fx->cfg), 0);
}

static const char vendor_neighbor_table[] =
"Neighbor        PriQ      MsgQ      CfgSvr#      ActSvr#      RM Sent  Distinguisher\n"
"30.1.1.1        0         0         1 2          1 2          16       10.0.0.1:0\n"
"40.1.1.1        0         0         1 2          1 2          26       10.0.0.1:0\n"
"50.1.1.1        0         0         1 2          1 2          16       10.0.0.2:0\n"
"60.1.1.1        0         0         1 2          1 2          26       10.0.0.2:0\n"
"70.1.1.1        0         0         2            2            12       10.0.0.3:0\n"
"80.1.1.1        0         0         1            1            10       10.0.0.3:0\n"
"90.1.1.1        0         0         1            -            0        -\n"
"2001:db8::2001  0         0         1 2          1 2          15       20010db800000001\n"
"2001:db8::2002  0         0         1 2          1 2          15       20010db800000001\n"
"2001:db8::2002  0         0         1            1            9        20010db800000002\n"
"2001:db8::2002  0         0         1 2          1 2          16       20010db800000003\n"
"2001:db8::2003  0         0         2            -            0        -\n";

static void
test_neighbors(void **state)
{
	struct fixture fx;
	struct out o;
	char want[4096];

	(void)state;
	fixture_init(&fx, vendor_cfg);
	set_global(&fx, global_vendor);
	vendor_neighbors(&fx);
	assert_int_equal(ctl_show_neighbors(out_open(&o), &fx.v), 0);
	snprintf(want, sizeof(want), "%s%s\n%s", "Number of BMP neighbors configured: 10\n",
		 vendor_refresh_buffer, vendor_neighbor_table);
	assert_text(out_close(&o), want);
	free(o.text);

	/* the summary counts the rows: 10 seen, none waiting for a refresh */
	assert_int_equal(ctl_show_summary(out_open(&o), &fx.v), 0);
	assert_non_null(strstr(out_close(&o), "\nNumber of neighbors seen on the tap: 10, up: 10, "
			       "on refresh queue: 0\n"));
	free(o.text);
	fixture_free(&fx);
}

static void
test_neighbor_rows(void **state)
{
	static const char *const kv[] = { "rm_sent", "7", "priq", "2", NULL };
	struct ctl_state st;
	struct rcfg_hash h;
	struct ctl_totals t;

	(void)state;
	ctl_state_init(&st);
	hash_set(&h, "bmptap:BMP_NEIGHBOR_STATE|nonsense", kv);
	assert_int_equal(ctl_state_add_neighbor(&st, &h), -EINVAL);
	hash_set(&h, "bmptap:BMP_NEIGHBOR_STATE||10.0.0.1:0", kv);
	assert_int_equal(ctl_state_add_neighbor(&st, &h), -EINVAL);
	hash_set(&h, "lab:BMP_NEIGHBOR_STATE|192.0.2.1|10.0.0.1:0", kv);
	assert_int_equal(ctl_state_add_neighbor(&st, &h), 0);
	assert_int_equal(st.nneighbors, 1);
	assert_string_equal(st.neighbors[0].address, "192.0.2.1");
	assert_string_equal(st.neighbors[0].distinguisher, "10.0.0.1:0");
	assert_int_equal(st.neighbors[0].addr.family, 4);
	assert_int_equal(st.neighbors[0].rm_sent, 7);
	assert_true(st.neighbors[0].msgq == CTL_NONE);
	assert_int_equal(st.neighbors[0].cfg_servers.n, 0);
	ctl_state_totals(&st, &t);
	assert_int_equal(t.seen, 1);
	assert_int_equal(t.refresh, 1);
	ctl_state_free(&st);
}

static void
test_debugging(void **state)
{
	struct out o;

	(void)state;
	assert_int_equal(ctl_show_debugging(out_open(&o), CTL_DBG_SERVER), 0);
	assert_text(out_close(&o), "IP routing:\nBGP BMP server debugging is on\n");
	free(o.text);
	assert_int_equal(ctl_show_debugging(out_open(&o), 0), 0);
	assert_text(out_close(&o), "IP routing:\n");
	free(o.text);
	assert_int_equal(ctl_show_debug_change(out_open(&o), CTL_DBG_EVENT, true), 0);
	assert_text(out_close(&o), "BGP BMP events debugging is on\n");
	free(o.text);
	assert_int_equal(ctl_show_debug_change(out_open(&o), CTL_DBG_NEIGHBOR, true), 0);
	assert_text(out_close(&o), "BGP BMP neighbor debugging is on\n");
	free(o.text);
	assert_int_equal(ctl_show_debug_change(out_open(&o), CTL_DBG_ALL, false), 0);
	assert_text(out_close(&o), "BGP BMP events debugging is off\n"
			    "BGP BMP neighbor debugging is off\n"
			    "BGP BMP server debugging is off\n");
	free(o.text);
}

static void
test_duration(void **state)
{
	static const struct {
		uint64_t s;
		const char *want;
	} cases[] = {
		{ 0, "00:00:00" }, { 9, "00:00:09" }, { 382, "00:06:22" }, { 2329, "00:38:49" },
		{ 86399, "23:59:59" }, { 86400, "1d00h" }, { 90061, "1d01h" },
		{ 604799, "6d23h" }, { 604800, "1w0d" }, { 1900800, "3w1d" }, { CTL_NONE, "-" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(ctl_fmt_duration(cases[i].s, buf, sizeof(buf)), cases[i].want);
}

/* ---- where a validation error comes from ---- */

static void
test_refused_line(void **state)
{
	static const struct {
		const char *run;
		const char *text;
		unsigned line;
	} cases[] = {
		/* activated without an address: the activate line */
		{ "", "bmp server 3\n description x\n activate\n description y\n", 3 },
		/* a neighbor naming a server that is never defined */
		{ "", "bmp server 1\n address 10.0.0.1 port-number 1\nexit\n"
		      "neighbor 1.1.1.1 bmp-activate server 2\n", 4 },
		/* removing a server a neighbor of the running configuration names */
		{ "bmp server 1\nneighbor 1.1.1.1 bmp-activate server 1\n",
		  "! comment\nno bmp server 1\n! end\n", 2 },
		/* two servers on one address and port: the second address line */
		{ "bmp server 1\n address 10.0.0.1 port-number 1\n",
		  "bmp server 2\n address 10.0.0.2 port-number 1\n"
		  " address 10.0.0.1 port-number 1\n",
		  3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg run, c;
		struct cfg_error err;

		load_cfg(&run, cases[i].run);
		cfg_init(&c);
		assert_int_equal(cfg_copy(&c, &run), 0);
		assert_int_equal(cfg_apply(&c, cases[i].text, strlen(cases[i].text), &err), 0);
		assert_int_not_equal(cfg_validate(&c, &err), 0);
		assert_int_equal(ctl_refused_line(&run, cases[i].text, strlen(cases[i].text), &err),
				 cases[i].line);
		cfg_free(&c);
		cfg_free(&run);
	}
}

/* ---- JSON ---- */

static void
test_json_escape(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "a \"q\" \\ b", 9, "\"a \\\"q\\\" \\\\ b\"" },
		{ "t\tn\nr\rb\bf\f", 10, "\"t\\tn\\nr\\rb\\bf\\f\"" },
		{ "\x01\x1f\x7f\x0b", 4, "\"\\u0001\\u001f\\u007f\\u000b\"" },
		{ "nul\0x", 5, "\"nul\\u0000x\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "bad \xff", 5, "\"bad \\ufffd\"" },
		{ "cut \xc3", 5, "\"cut \\ufffd\"" },
		{ "overlong \xc0\xaf", 11, "\"overlong \\ufffd\\ufffd\"" },
		{ "surrogate \xed\xa0\x80", 13, "\"surrogate \\ufffd\\ufffd\\ufffd\"" },
		{ "/slash", 6, "\"/slash\"" },
		{ "", 0, "\"\"" },
	};
	struct out o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_escape(out_open(&o), cases[i].in, cases[i].len);
		assert_text(out_close(&o), cases[i].want);
		free(o.text);
	}
}

static void
test_json_structure(void **state)
{
	struct json j;
	struct out o;

	(void)state;
	json_begin(&j, out_open(&o));
	json_object(&j, NULL);
	json_str(&j, "name", "x\"y");
	json_u64(&j, "n", 18446744073709551614ull);
	json_u64(&j, "none", CTL_NONE);
	json_int(&j, "neg", -3);
	json_bool(&j, "t", true);
	json_null(&j, "z");
	json_str(&j, "s", NULL);
	json_array(&j, "empty");
	json_end(&j);
	json_object(&j, "obj");
	json_end(&j);
	json_array(&j, "list");
	json_u64(&j, NULL, 1);
	json_object(&j, NULL);
	json_bool(&j, "f", false);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	assert_int_equal(json_finish(&j), 0);
	assert_text(out_close(&o),
		"{\n"
		"  \"name\": \"x\\\"y\",\n"
		"  \"n\": 18446744073709551614,\n"
		"  \"none\": null,\n"
		"  \"neg\": -3,\n"
		"  \"t\": true,\n"
		"  \"z\": null,\n"
		"  \"s\": null,\n"
		"  \"empty\": [],\n"
		"  \"obj\": {},\n"
		"  \"list\": [\n"
		"    1,\n"
		"    {\n"
		"      \"f\": false\n"
		"    }\n"
		"  ]\n"
		"}\n");
	free(o.text);

	/* unbalanced documents are reported */
	json_begin(&j, out_open(&o));
	json_object(&j, NULL);
	assert_int_equal(json_finish(&j), -EINVAL);
	out_close(&o);
	free(o.text);
	json_begin(&j, out_open(&o));
	json_end(&j);
	assert_int_equal(json_finish(&j), -EINVAL);
	out_close(&o);
	free(o.text);
	json_begin(&j, out_open(&o));
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array(&j, NULL);
	assert_int_equal(json_finish(&j), -EINVAL);
	out_close(&o);
	free(o.text);
}

static void
test_json_server(void **state)
{
	static const char *const g[] = { "config_version", "3", "config_status", "ok", NULL };
	static const char *const s[] = {
		"status", "Up", "uptime_s", "60", "tcb", "0x7", "local", "192.0.2.1:4000",
		"msgs_sent", "5", "bytes_sent", "300", "msgs_queued", "0", "bytes_queued", "0",
		"attempts", "2", "connects", "1", "failures", "1", "flap_waits", "0",
		"buffer_drops", "0", "last_error", "connection refused", NULL,
	};
	struct fixture fx;
	struct out o;

	(void)state;
	fixture_init(&fx, "bmp server 5\n address 192.0.2.9 port-number 1790\n"
		     " description a \"quoted\" \\ name\n activate\n");
	fx.v.config_version = 3;
	set_global(&fx, g);
	set_server(&fx, 0, s);
	assert_int_equal(ctl_json_server(out_open(&o), &fx.v, 5), 0);
	assert_text(out_close(&o),
		"{\n"
		"  \"namespace\": \"bmptap\",\n"
		"  \"config_version\": 3,\n"
		"  \"daemon\": {\n"
		"    \"running\": true,\n"
		"    \"config_version\": 3,\n"
		"    \"config_status\": \"ok\",\n"
		"    \"config_error\": null,\n"
		"    \"refresh_state\": null,\n"
		"    \"uptime_s\": null,\n"
		"    \"redis_reconnects\": null,\n"
		"    \"debug\": null\n"
		"  },\n"
		"  \"servers\": [\n"
		"    {\n"
		"      \"id\": 5,\n"
		"      \"style\": \"cisco\",\n"
		"      \"activate\": true,\n"
		"      \"address\": \"192.0.2.9\",\n"
		"      \"port\": 1790,\n"
		"      \"description\": \"a \\\"quoted\\\" \\\\ name\",\n"
		"      \"alias\": null,\n"
		"      \"vpn_instance\": null,\n"
		"      \"update_source\": null,\n"
		"      \"initial_delay\": 0,\n"
		"      \"failure_retry_delay\": 30,\n"
		"      \"flapping_delay\": 60,\n"
		"      \"dscp\": null,\n"
		"      \"stats_reporting_period\": 0,\n"
		"      \"monitor_all\": false,\n"
		"      \"status\": \"Up\",\n"
		"      \"up\": true,\n"
		"      \"tcb\": \"0x7\",\n"
		"      \"local\": \"192.0.2.1:4000\",\n"
		"      \"uptime_s\": 60,\n"
		"      \"msgs_sent\": 5,\n"
		"      \"bytes_sent\": 300,\n"
		"      \"msgs_queued\": 0,\n"
		"      \"bytes_queued\": 0,\n"
		"      \"last_stats_s\": null,\n"
		"      \"attempts\": 2,\n"
		"      \"connects\": 1,\n"
		"      \"failures\": 1,\n"
		"      \"flap_waits\": 0,\n"
		"      \"buffer_drops\": 0,\n"
		"      \"last_error\": \"connection refused\"\n"
		"    }\n"
		"  ]\n"
		"}\n");
	free(o.text);
	assert_int_equal(ctl_json_server(out_open(&o), &fx.v, 6), -ENOENT);
	out_close(&o);
	free(o.text);
	fixture_free(&fx);
}

static void
test_json_debugging_running(void **state)
{
	struct out o;
	struct cfg c;

	(void)state;
	assert_int_equal(ctl_json_debugging(out_open(&o), "lab", CTL_DBG_EVENT | CTL_DBG_SERVER),
			 0);
	assert_text(out_close(&o),
		"{\n  \"namespace\": \"lab\",\n  \"debug\": {\n    \"event\": true,\n"
		"    \"neighbor\": false,\n    \"server\": true\n  }\n}\n");
	free(o.text);

	load_cfg(&c, "bmp server 1\n address 10.1.1.1 port-number 8000\n activate\n"
		 "neighbor 30.1.1.1 bmp-activate server 1\n");
	assert_int_equal(ctl_json_running(out_open(&o), "bmptap", &c, 4), 0);
	assert_text(out_close(&o),
		"{\n"
		"  \"namespace\": \"bmptap\",\n"
		"  \"config_version\": 4,\n"
		"  \"text\": \"bmp server 1\\n address 10.1.1.1 port-number 8000\\n activate\\n"
		" exit-bmp-server-mode\\nneighbor 30.1.1.1 bmp-activate server 1\\n\",\n"
		"  \"config\": {\n"
		"    \"router_as\": null,\n"
		"    \"buffer_size_mb\": 256,\n"
		"    \"initial_refresh\": \"delay\",\n"
		"    \"initial_refresh_delay\": 1,\n"
		"    \"activate_all\": false,\n"
		"    \"servers\": [\n"
		"      {\n"
		"        \"id\": 1,\n"
		"        \"style\": \"cisco\",\n"
		"        \"activate\": true,\n"
		"        \"address\": \"10.1.1.1\",\n"
		"        \"port\": 8000,\n"
		"        \"description\": null,\n"
		"        \"alias\": null,\n"
		"        \"vpn_instance\": null,\n"
		"        \"update_source\": null,\n"
		"        \"initial_delay\": 0,\n"
		"        \"failure_retry_delay\": 30,\n"
		"        \"flapping_delay\": 60,\n"
		"        \"dscp\": null,\n"
		"        \"stats_reporting_period\": 0,\n"
		"        \"monitor_all\": false\n"
		"      }\n"
		"    ],\n"
		"    \"neighbors\": [\n"
		"      {\n"
		"        \"address\": \"30.1.1.1\",\n"
		"        \"all\": false,\n"
		"        \"servers\": [\n"
		"          1\n"
		"        ]\n"
		"      }\n"
		"    ]\n"
		"  }\n"
		"}\n");
	free(o.text);
	cfg_free(&c);
}

/* Neighbors JSON: a seen row and a configured one the tap has not seen. */
static void
test_json_neighbors(void **state)
{
	struct fixture fx;
	struct out o;
	const char *t;

	(void)state;
	fixture_init(&fx, "bmp server 1\nneighbor 30.1.1.1 bmp-activate server 1\n"
		     "neighbor 40.1.1.1 bmp-activate server 1\n");
	set_global(&fx, global_vendor);
	add_neighbor(&fx, "30.1.1.1", "10.0.0.1:0", "10.0.0.1", "1", "16");
	assert_int_equal(ctl_state_finish(&fx.st, &fx.cfg), 0);
	assert_int_equal(ctl_json_neighbors(out_open(&o), &fx.v), 0);
	t = out_close(&o);
	assert_non_null(strstr(t,
		"  \"neighbors\": [\n"
		"    {\n"
		"      \"address\": \"30.1.1.1\",\n"
		"      \"seen\": true,\n"
		"      \"distinguisher\": \"10.0.0.1:0\",\n"
		"      \"receiver\": \"10.0.0.1\",\n"
		"      \"as\": 65001,\n"
		"      \"bgp_id\": \"192.0.2.9\",\n"
		"      \"cfg_servers\": [\n"
		"        1\n"
		"      ],\n"
		"      \"act_servers\": [\n"
		"        1\n"
		"      ],\n"
		"      \"priq\": 0,\n"
		"      \"msgq\": 0,\n"
		"      \"rm_sent\": 16,\n"
		"      \"up_since\": 1700000000\n"
		"    },\n"
		"    {\n"
		"      \"address\": \"40.1.1.1\",\n"
		"      \"seen\": false,\n"
		"      \"distinguisher\": null,\n"
		"      \"receiver\": null,\n"
		"      \"as\": null,\n"
		"      \"bgp_id\": null,\n"
		"      \"cfg_servers\": [\n"
		"        1\n"
		"      ],\n"
		"      \"act_servers\": [],\n"
		"      \"priq\": 0,\n"
		"      \"msgq\": 0,\n"
		"      \"rm_sent\": 0,\n"
		"      \"up_since\": null\n"
		"    }\n"
		"  ]\n"
		"}\n"));
	free(o.text);
	fixture_free(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_options),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_usage_documents_exit_codes),
		cmocka_unit_test(test_summary_up),
		cmocka_unit_test(test_summary_deactivated),
		cmocka_unit_test(test_summary_no_daemon),
		cmocka_unit_test(test_summary_notices),
		cmocka_unit_test(test_server_detail),
		cmocka_unit_test(test_server_retry),
		cmocka_unit_test(test_server_all_huawei),
		cmocka_unit_test(test_neighbors),
		cmocka_unit_test(test_neighbor_rows),
		cmocka_unit_test(test_debugging),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_refused_line),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_json_server),
		cmocka_unit_test(test_json_debugging_running),
		cmocka_unit_test(test_json_neighbors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
