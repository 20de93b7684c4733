/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK telemetry commands (telemetry.h), served from the latest snapshot. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "telemetry.h"

#define MAX_ENTRIES 250             /* under RTE_TEL_MAX_DICT_ENTRIES */

static pthread_mutex_t latest_mu = PTHREAD_MUTEX_INITIALIZER;
static struct state_snap *latest;   /* under latest_mu */

void
telemetry_update(struct state_snap *s)
{
	struct state_snap *old;

	if (s)
		state_snap_ref(s);
	pthread_mutex_lock(&latest_mu);
	old = latest;
	latest = s;
	pthread_mutex_unlock(&latest_mu);
	state_snap_unref(old);
}

static struct state_snap *
snapshot(void)
{
	struct state_snap *s;

	pthread_mutex_lock(&latest_mu);
	s = latest;
	if (s)
		state_snap_ref(s);
	pthread_mutex_unlock(&latest_mu);
	return s;
}

/* DPDK takes dictionary names of [A-Za-z0-9_/] only. */
static const char *
tel_name(const char *in, char *buf, size_t len)
{
	size_t i = 0;

	for (; in[i] && i + 1 < len; i++) {
		char c = in[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '/';
		buf[i] = ok ? c : '_';
	}
	buf[i] = '\0';
	return buf;
}

static bool
is_number(const char *s)
{
	if (!*s || strlen(s) > 19)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A row as a flat dictionary: numbers as u64, the rest as strings. */
static void
row_dict(struct rte_tel_data *d, const struct state_row *r)
{
	char name[RTE_TEL_MAX_STRING_LEN];

	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < r->n && i < MAX_ENTRIES; i++) {
		tel_name(r->f[i].name, name, sizeof(name));
		if (is_number(r->f[i].value))
			rte_tel_data_add_dict_u64(d, name, strtoull(r->f[i].value, NULL, 10));
		else
			rte_tel_data_add_dict_string(d, name, r->f[i].value);
	}
}

/* A row as ["field=value", ...], after optional leading entries. */
static struct rte_tel_data *
row_array(const struct state_row *r, const char *const *lead, unsigned nlead)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	char s[RTE_TEL_MAX_STRING_LEN];

	if (!a)
		return NULL;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < nlead; i++)
		rte_tel_data_add_array_string(a, lead[i]);
	for (unsigned i = 0; i < r->n && i + nlead < RTE_TEL_MAX_ARRAY_ENTRIES; i++) {
		snprintf(s, sizeof(s), "%s=%s", r->f[i].name, r->f[i].value);
		rte_tel_data_add_array_string(a, s);
	}
	return a;
}

static void
add_array(struct rte_tel_data *d, const char *name, struct rte_tel_data *a)
{
	char n[RTE_TEL_MAX_STRING_LEN];

	if (a && rte_tel_data_add_dict_container(d, tel_name(name, n, sizeof(n)), a, 0) != 0)
		rte_tel_data_free(a);
}

static int
cmd_global(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct state_snap *s = snapshot();
	const struct state_row *r = state_find(s, STATE_T_GLOBAL, STATE_GLOBAL_KEY);

	(void)cmd;
	(void)params;
	if (r)
		row_dict(d, r);
	else
		rte_tel_data_start_dict(d);
	state_snap_unref(s);
	return 0;
}

/* Rows of one table: all as arrays, or one (key == param) as a dict. */
static int
table_cmd(const char *table, const char *prefix, const char *params, struct rte_tel_data *d)
{
	struct state_snap *s = snapshot();
	char key[160];
	unsigned n = 0;

	if (params && *params) {
		snprintf(key, sizeof(key), "%s%s", strncmp(params, prefix, strlen(prefix)) == 0 ?
			 "" : prefix, params);
		const struct state_row *r = state_find(s, table, key);
		if (r)
			row_dict(d, r);
		state_snap_unref(s);
		return r ? 0 : -EINVAL;
	}
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; s && i < s->n && n < MAX_ENTRIES; i++) {
		const struct state_row *r = &s->rows[i];
		if (strcmp(r->table, table) != 0 || strncmp(r->key, prefix, strlen(prefix)) != 0)
			continue;
		add_array(d, r->key, row_array(r, NULL, 0));
		n++;
	}
	state_snap_unref(s);
	return 0;
}

static int
cmd_servers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return table_cmd(STATE_T_SERVER, "", params, d);
}

static int
cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return table_cmd(STATE_T_COUNTERS, "port.", params, d);
}

static int
cmd_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return table_cmd(STATE_T_COUNTERS, "lcore", params, d);
}

/* Peers are keyed ADDR|DISTINGUISHER, which DPDK names cannot hold: they
 * are numbered, and say who they are in their first two entries. */
static int
cmd_peers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct state_snap *s = snapshot();
	unsigned total = 0, shown = 0;
	char peer[96], rd[96], num[16];

	(void)cmd;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; s && i < s->n; i++) {
		const struct state_row *r = &s->rows[i];
		const char *bar = strchr(r->key, '|');
		if (strcmp(r->table, STATE_T_NEIGHBOR) != 0 || !bar)
			continue;
		snprintf(peer, sizeof(peer), "peer=%.*s", (int)(bar - r->key), r->key);
		if (params && *params && strcmp(peer + 5, params) != 0)
			continue;
		total++;
		if (shown >= MAX_ENTRIES - 1)
			continue;
		snprintf(rd, sizeof(rd), "distinguisher=%s", bar + 1);
		const char *lead[] = { peer, rd };
		snprintf(num, sizeof(num), "%u", shown++);
		add_array(d, num, row_array(r, lead, 2));
	}
	rte_tel_data_add_dict_u64(d, "total", total);
	state_snap_unref(s);
	return 0;
}

int
telemetry_init(void)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/bmptap/global", cmd_global, "bmptap state: configuration, buffer, uptime. "
		  "No parameters" },
		{ "/bmptap/servers", cmd_servers, "bmptap BMP stations. Parameters: none, or a "
		  "server id" },
		{ "/bmptap/peers", cmd_peers, "bmptap established BGP peers. Parameters: none, "
		  "or a peer address" },
		{ "/bmptap/ports", cmd_ports, "bmptap port counters. Parameters: none, or a "
		  "port name" },
		{ "/bmptap/lcores", cmd_lcores, "bmptap RX lcore counters. Parameters: none, or "
		  "an lcore id" },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc != 0)
			return rc < 0 ? rc : -rc;
	}
	return 0;
}
