/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * State snapshots: every row of the schema's state tables from hand-made
 * inputs (stations, encoder peers, counters), compared field by field
 * with values written by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/log.h"
#include "control/state.h"

/* "name=value name=value ..." of a row, for exact comparisons. */
static const char *
fields(const struct state_row *r)
{
	static char out[4096];
	size_t at = 0;

	assert_non_null(r);
	out[0] = '\0';
	for (unsigned i = 0; i < r->n; i++)
		at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%s=%s", i ? " " : "",
				       r->f[i].name, r->f[i].value);
	return out;
}

static void
from_text(struct cfg *c, const char *text)
{
	struct cfg_error e;

	cfg_init(c);
	if (cfg_apply(c, text, strlen(text), &e) || cfg_validate(c, &e))
		fail_msg("%s", e.msg);
}

static void
fake_counters(void *arg, const struct counter_visitor *v)
{
	(void)arg;
	v->fn(v->arg, "port.net_af_packet0", "ipackets", 185);
	v->fn(v->arg, "port.net_af_packet0", "imissed", 0);
	v->fn(v->arg, "lcore1", "bgp.update", 66);
	v->fn(v->arg, "lcore1", "drop.not_bgp", 3);
	v->fn(v->arg, "encoder", "bmp.route_monitoring", 132);
	v->fn(v->arg, "output", "bytes_queued", 18446744073709551615ull);
}

static const char conf[] =
	"bmp server 1\n address 10.0.0.9 port-number 1790\n activate\n"
	"bmp server 2\n address 10.0.0.8 port-number 1790\n activate\n"
	"bmp server 3\n"
	"neighbor 192.0.2.1 bmp-activate server 1 server 2\n"
	"neighbor 2001:db8::1 bmp-activate all\n";

struct world {
	struct cfg cfg;
	struct state_config sc;
	struct station_info st[4];
	struct enc_peers *peers;
	struct state_inputs in;
};

static void
world(struct world *w)
{
	memset(w, 0, sizeof(*w));
	from_text(&w->cfg, conf);
	w->sc = (struct state_config){ .version = 7, .seen_version = 8, .refused = true,
				       .source = "redis" };
	snprintf(w->sc.error, sizeof(w->sc.error),
		 "bmptap:BMP_SERVER|1 dscp '64': out of range 0-63");
	/* server 2 up for 61.5 s on slot 2; server 1 waiting to retry; a
	 * closing server 1 (transport changed) on slot 1; server 3 idle */
	w->st[0] = (struct station_info){ .cfg = w->cfg.servers[1], .slot = 2,
		.state = SERVER_UP, .up_since_ms = 1000, .msgs_sent = 42, .bytes_sent = 4200,
		.bytes_queued = 10, .msgs_queued = 1, .attempts = 3, .connects = 2, .failures = 1,
		.flap_waits = 0, .buffer_drops = 1, .fd = 17 };
	snprintf(w->st[0].local, sizeof(w->st[0].local), "10.0.0.1/40000");
	w->st[1] = (struct station_info){ .cfg = w->cfg.servers[0], .slot = 3,
		.state = SERVER_RETRY_WAIT, .attempts = 5, .failures = 5, .fd = -1 };
	snprintf(w->st[1].last_error, sizeof(w->st[1].last_error), "connect: Connection refused");
	w->st[2] = (struct station_info){ .cfg = w->cfg.servers[0], .slot = 1,
		.state = SERVER_UP, .closing = true, .msgs_sent = 99, .fd = 12 };
	w->st[3] = (struct station_info){ .cfg = w->cfg.servers[2], .slot = 4,
		.state = SERVER_IDLE, .fd = -1 };
	w->peers = calloc(1, sizeof(*w->peers) + 4 * sizeof(w->peers->peer[0]));
	w->peers->cap = 4;
	w->peers->n = 2;
	w->peers->total = 2;
	struct enc_peer_info *p = &w->peers->peer[0];
	/* 192.0.2.1 towards receiver 192.0.2.2: RD type 1, 192.0.2.2:0 */
	*p = (struct enc_peer_info){ .family = 4, .addr = { 192, 0, 2, 1 },
		.receiver = { 192, 0, 2, 2 },
		.distinguisher = { 0, 1, 192, 0, 2, 2, 0, 0 }, .as = 65001,
		.bgp_id = 0xc0000201, .slots = (1u << 2) | (1u << 1) | 1u, .rm_sent = 66,
		.up_ts_us = 1700000000123456ull };
	p = &w->peers->peer[1];
	*p = (struct enc_peer_info){ .family = 6,
		.addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		.receiver = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
		.distinguisher = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2 }, .as = 4200000000u,
		.bgp_id = 0x0a000001, .slots = 1u << 3, .rm_sent = 0, .up_ts_us = 5000000 };
	w->in = (struct state_inputs){
		.cfg = &w->cfg, .config = &w->sc, .servers = w->st, .nservers = 4,
		.peers = w->peers, .counters = fake_counters, .buffer_used = 262144,
		.buffer_limit = 268435456, .now_ms = 62500, .uptime_s = 3601,
		.redis_reconnects = 2, .debug_mask = LOGC_EVENT | LOGC_SERVER,
	};
}

static void
world_free(struct world *w)
{
	cfg_free(&w->cfg);
	free(w->peers);
}

static void
test_global(void **state)
{
	struct world w;

	(void)state;
	world(&w);
	struct state_snap *s = state_build(&w.in);
	assert_non_null(s);
	assert_string_equal(s->rows[0].table, "BMP_GLOBAL_STATE");
	assert_string_equal(s->rows[0].key, "global");
	assert_string_equal(fields(&s->rows[0]),
		"config_source=redis config_version=7 config_seen_version=8 "
		"config_status=refused "
		"config_error=bmptap:BMP_SERVER|1 dscp '64': out of range 0-63 "
		"refresh_state=BMP Refresh not in progress, refresh not scheduled "
		"buffer_used_bytes=262144 buffer_limit_bytes=268435456 servers_configured=3 "
		"neighbors_configured=2 neighbors_up=2 uptime_s=3601 redis_reconnects=2 "
		"debug=event,server");
	state_snap_unref(s);
	/* accepted: no error shown; no peers known yet; no switch */
	w.sc.refused = false;
	w.in.peers = NULL;
	w.in.debug_mask = 0;
	s = state_build(&w.in);
	const struct state_row *g = state_find(s, "BMP_GLOBAL_STATE", "global");
	assert_string_equal(state_get(g, "config_status"), "ok");
	assert_string_equal(state_get(g, "config_error"), "");
	assert_string_equal(state_get(g, "neighbors_up"), "0");
	assert_string_equal(state_get(g, "debug"), "none");
	assert_null(state_get(g, "nonexistent"));
	assert_null(state_find(s, "BMP_NEIGHBOR_STATE", "192.0.2.1|192.0.2.2:0"));
	state_snap_unref(s);
	world_free(&w);
}

static void
test_servers(void **state)
{
	struct world w;
	unsigned n = 0;

	(void)state;
	world(&w);
	struct state_snap *s = state_build(&w.in);
	assert_string_equal(fields(state_find(s, "BMP_SERVER_STATE", "2")),
		"status=Up uptime_s=61 tcb=17 local=10.0.0.1/40000 msgs_sent=42 bytes_sent=4200 "
		"bytes_queued=10 msgs_queued=1 last_stats_s= last_error= attempts=3 "
		"connects=2 failures=1 flap_waits=0 buffer_drops=1");
	/* the live station 1, not the closing one it replaces */
	assert_string_equal(fields(state_find(s, "BMP_SERVER_STATE", "1")),
		"status=Retry-wait uptime_s=0 tcb=-1 local= msgs_sent=0 bytes_sent=0 "
		"bytes_queued=0 msgs_queued=0 last_stats_s= "
		"last_error=connect: Connection refused attempts=5 connects=0 failures=5 "
		"flap_waits=0 buffer_drops=0");
	assert_string_equal(state_get(state_find(s, "BMP_SERVER_STATE", "3"), "status"), "Idle");
	/* ascending ids, one row each, right after the global row */
	assert_string_equal(s->rows[1].key, "1");
	assert_string_equal(s->rows[2].key, "2");
	assert_string_equal(s->rows[3].key, "3");
	for (unsigned i = 0; i < s->n; i++)
		n += strcmp(s->rows[i].table, "BMP_SERVER_STATE") == 0;
	assert_int_equal(n, 3);
	state_snap_unref(s);
	/* a removed server still closing: shown until it is gone */
	w.st[1] = w.st[2];
	w.in.nservers = 2;
	s = state_build(&w.in);
	assert_string_equal(state_get(state_find(s, "BMP_SERVER_STATE", "1"), "status"),
			    "Closing");
	assert_string_equal(state_get(state_find(s, "BMP_SERVER_STATE", "1"), "msgs_sent"), "99");
	state_snap_unref(s);
	world_free(&w);
}

static void
test_neighbors(void **state)
{
	struct world w;

	(void)state;
	world(&w);
	struct state_snap *s = state_build(&w.in);
	/* configured for servers 1 and 2; slots 0 (file), 1 (closing 1), 2 (server 2 up) */
	assert_string_equal(fields(state_find(s, "BMP_NEIGHBOR_STATE", "192.0.2.1|192.0.2.2:0")),
		"receiver=192.0.2.2 as=65001 bgp_id=192.0.2.1 cfg_servers=1 2 act_servers=2 "
		"rm_sent=66 priq=0 up_since=1700000000");
	/* IPv6 receiver: the distinguisher is a hash, the receiver comes from the
	 * Peer Up; `all` configures every server; slot 3 is server 1, not up */
	assert_string_equal(fields(state_find(s, "BMP_NEIGHBOR_STATE",
					      "2001:db8::1|20010db800010002")),
		"receiver=2001:db8::2 as=4200000000 bgp_id=10.0.0.1 cfg_servers=1 2 3 act_servers= "
		"rm_sent=0 priq=0 up_since=5");
	state_snap_unref(s);
	world_free(&w);
}

static void
test_counters(void **state)
{
	struct world w;

	(void)state;
	world(&w);
	struct state_snap *s = state_build(&w.in);
	assert_string_equal(fields(state_find(s, "COUNTERS", "port.net_af_packet0")),
			    "ipackets=185 imissed=0");
	assert_string_equal(fields(state_find(s, "COUNTERS", "lcore1")),
			    "bgp.update=66 drop.not_bgp=3");
	assert_string_equal(fields(state_find(s, "COUNTERS", "encoder")),
			    "bmp.route_monitoring=132");
	assert_string_equal(fields(state_find(s, "COUNTERS", "output")),
			    "bytes_queued=18446744073709551615");
	/* global, 3 servers, 2 neighbors, 4 scopes */
	assert_int_equal(s->n, 1 + 3 + 2 + 4);
	assert_string_equal(s->rows[s->n - 1].key, "output");
	state_snap_unref(s);
	world_free(&w);
}

/* Many rows: the buffers grow and move; every pointer stays right. */
static void
test_many_peers(void **state)
{
	struct world w;
	char key[64];

	(void)state;
	world(&w);
	free(w.peers);
	w.peers = calloc(1, sizeof(*w.peers) + 3000 * sizeof(w.peers->peer[0]));
	w.peers->cap = w.peers->n = 3000;
	w.peers->total = 3100;
	for (unsigned i = 0; i < 3000; i++)
		w.peers->peer[i] = (struct enc_peer_info){ .family = 4,
			.addr = { 10, (uint8_t)(i >> 8), (uint8_t)i, 1 },
			.distinguisher = { 0, 1, 10, 9, 9, 9, 0, 0 }, .as = i, .rm_sent = i * 3 };
	w.in.peers = w.peers;
	struct state_snap *s = state_build(&w.in);
	assert_int_equal(s->n, 1 + 3 + 3000 + 4);
	assert_string_equal(state_get(state_find(s, "BMP_GLOBAL_STATE", "global"),
				      "neighbors_up"), "3100");
	snprintf(key, sizeof(key), "10.11.183.1|10.9.9.9:0");   /* i = 2999 */
	assert_string_equal(state_get(state_find(s, "BMP_NEIGHBOR_STATE", key), "rm_sent"),
			    "8997");
	assert_string_equal(state_get(state_find(s, "BMP_NEIGHBOR_STATE", key), "as"), "2999");
	/* shared: the last reference frees */
	state_snap_ref(s);
	state_snap_unref(s);
	assert_int_equal(s->refs, 1);
	state_snap_unref(s);
	state_snap_unref(NULL);
	world_free(&w);
}

static void
test_debug_str(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(state_debug_str(0, b, sizeof(b)), "none");
	assert_string_equal(state_debug_str(LOGC_NEIGHBOR, b, sizeof(b)), "neighbor");
	assert_string_equal(state_debug_str(LOGC_ALL, b, sizeof(b)), "event,neighbor,server");
	assert_string_equal(state_debug_str(LOGC_SERVER | LOGC_EVENT, b, sizeof(b)),
			    "event,server");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_neighbors),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_many_peers),
		cmocka_unit_test(test_debug_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
