/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The show commands as JSON (`--json`): one document on stdout with the
 * same facts as the text, every key always present (null when bmptapd did
 * not publish the value), numbers as numbers, in a fixed order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/ctl/ctl.h"

#define MIB (1024u * 1024u)

static bool
daemon_up(const struct ctl_view *v)
{
	return v->st && v->st->g.present;
}

/* "" (not published) as null. */
static void
json_opt_str(struct json *j, const char *key, const char *s)
{
	json_str(j, key, s && *s ? s : NULL);
}

static void
json_ids(struct json *j, const char *key, const struct ctl_ids *ids)
{
	json_array(j, key);
	for (unsigned i = 0; i < ids->n; i++)
		json_u64(j, NULL, ids->id[i]);
	json_end(j);
}

static void
json_daemon(struct json *j, const struct ctl_view *v)
{
	const struct ctl_global *g = &v->st->g;
	bool up = daemon_up(v);

	json_object(j, "daemon");
	json_bool(j, "running", up);
	json_u64(j, "config_version", up ? g->config_version : CTL_NONE);
	json_opt_str(j, "config_status", up ? g->config_status : NULL);
	json_opt_str(j, "config_error", up ? g->config_error : NULL);
	json_opt_str(j, "refresh_state", up ? g->refresh_state : NULL);
	json_u64(j, "uptime_s", up ? g->uptime_s : CTL_NONE);
	json_u64(j, "redis_reconnects", up ? g->redis_reconnects : CTL_NONE);
	json_opt_str(j, "debug", up ? g->debug : NULL);
	json_end(j);
}

static void
json_head(struct json *j, const struct ctl_view *v)
{
	json_object(j, NULL);
	json_str(j, "namespace", v->ns);
	json_u64(j, "config_version", v->config_version);
	json_daemon(j, v);
}

static void
json_refresh_buffer(struct json *j, const struct ctl_view *v)
{
	const struct ctl_global *g = &v->st->g;

	json_object(j, "initial_refresh");
	json_str(j, "mode", v->cfg->refresh == CFG_REFRESH_SKIP ? "skip" : "delay");
	json_u64(j, "delay_s", v->cfg->refresh_delay);
	json_end(j);
	json_object(j, "buffer");
	json_u64(j, "size_mb", v->cfg->buffer_mb);
	json_u64(j, "used_bytes", daemon_up(v) ? g->buffer_used : CTL_NONE);
	json_u64(j, "limit_bytes", daemon_up(v) ? g->buffer_limit : CTL_NONE);
	json_end(j);
}

static void
json_server_config(struct json *j, const struct cfg_server *cs)
{
	char a[64];

	json_u64(j, "id", cs->id);
	json_str(j, "style", cs->huawei ? "huawei" : "cisco");
	json_bool(j, "activate", cs->activate);
	json_str(j, "address", cs->addr.family ? cfg_addr_str(&cs->addr, a, sizeof(a)) : NULL);
	json_u64(j, "port", cs->port ? cs->port : CTL_NONE);
	json_opt_str(j, "description", cs->description);
	json_opt_str(j, "alias", cs->alias);
	json_opt_str(j, "vpn_instance", cs->vpn);
	json_opt_str(j, "update_source", cs->update_source);
	json_u64(j, "initial_delay", cs->initial_delay);
	json_u64(j, "failure_retry_delay", cs->failure_retry_delay);
	json_u64(j, "flapping_delay", cs->flapping_delay);
	json_u64(j, "dscp", cs->dscp >= 0 ? (uint64_t)cs->dscp : CTL_NONE);
	json_u64(j, "stats_reporting_period", cs->stats_period);
	json_bool(j, "monitor_all", cs->monitor_all);
}

static void
json_server_state(struct json *j, const struct ctl_view *v, const struct ctl_server *s)
{
	bool up = daemon_up(v) && s->present;
	bool conn = up && strcasecmp(s->status, "up") == 0;

	json_str(j, "status", up && *s->status ? s->status : "Down");
	json_bool(j, "up", conn);
	json_opt_str(j, "tcb", up ? s->tcb : NULL);
	json_opt_str(j, "local", up ? s->local : NULL);
	json_u64(j, "uptime_s", conn ? s->uptime_s : up ? 0 : CTL_NONE);
	json_u64(j, "msgs_sent", up ? s->msgs_sent : daemon_up(v) ? 0 : CTL_NONE);
	json_u64(j, "bytes_sent", up ? s->bytes_sent : CTL_NONE);
	json_u64(j, "msgs_queued", up ? s->msgs_queued : CTL_NONE);
	json_u64(j, "bytes_queued", up ? s->bytes_queued : CTL_NONE);
	json_u64(j, "last_stats_s", up ? s->last_stats_s : CTL_NONE);
	json_u64(j, "attempts", up ? s->attempts : CTL_NONE);
	json_u64(j, "connects", up ? s->connects : CTL_NONE);
	json_u64(j, "failures", up ? s->failures : CTL_NONE);
	json_u64(j, "flap_waits", up ? s->flap_waits : CTL_NONE);
	json_u64(j, "buffer_drops", up ? s->buffer_drops : CTL_NONE);
	json_opt_str(j, "last_error", up ? s->last_error : NULL);
}

static void
json_servers(struct json *j, const struct ctl_view *v, uint32_t id)
{
	json_array(j, "servers");
	for (unsigned i = 0; i < v->cfg->nservers; i++) {
		if (id && v->cfg->servers[i].id != id)
			continue;
		json_object(j, NULL);
		json_server_config(j, &v->cfg->servers[i]);
		json_server_state(j, v, &v->st->servers[i]);
		json_end(j);
	}
	json_end(j);
}

int
ctl_json_summary(FILE *f, const struct ctl_view *v)
{
	struct ctl_totals t;
	struct json j;
	bool up = daemon_up(v);

	ctl_state_totals(v->st, &t);
	json_begin(&j, f);
	json_head(&j, v);
	json_u64(&j, "servers_configured", v->cfg->nservers);
	json_u64(&j, "neighbors_configured", v->cfg->nneighbors);
	json_u64(&j, "neighbors_seen", up ? t.seen : CTL_NONE);
	json_u64(&j, "neighbors_up", up ? v->st->g.neighbors_up : CTL_NONE);
	json_u64(&j, "neighbors_refresh_queue", up ? t.refresh : CTL_NONE);
	json_u64(&j, "servers_with_messages_queued", up ? t.servers_queued : CTL_NONE);
	json_u64(&j, "messages_queued", up ? t.msgs_queued : CTL_NONE);
	json_refresh_buffer(&j, v);
	json_servers(&j, v, 0);
	json_end(&j);
	return json_finish(&j);
}

int
ctl_json_server(FILE *f, const struct ctl_view *v, uint32_t id)
{
	struct json j;

	if (id && !cfg_server_find(v->cfg, id))
		return -ENOENT;
	json_begin(&j, f);
	json_head(&j, v);
	json_servers(&j, v, id);
	json_end(&j);
	return json_finish(&j);
}

static void
json_neighbor(struct json *j, const struct ctl_view *v, const struct ctl_neighbor *n)
{
	bool up = daemon_up(v);
	uint64_t zero = up ? 0 : CTL_NONE;

	json_object(j, NULL);
	json_str(j, "address", n->address);
	json_bool(j, "seen", n->seen);
	json_opt_str(j, "distinguisher", n->distinguisher);
	json_opt_str(j, "receiver", n->receiver);
	json_u64(j, "as", n->seen ? n->as : CTL_NONE);
	json_opt_str(j, "bgp_id", n->bgp_id);
	json_ids(j, "cfg_servers", &n->cfg_servers);
	json_ids(j, "act_servers", &n->act_servers);
	json_u64(j, "priq", n->seen ? n->priq : zero);
	json_u64(j, "msgq", n->seen ? n->msgq : zero);
	json_u64(j, "rm_sent", n->seen ? n->rm_sent : zero);
	json_u64(j, "up_since", n->seen ? n->up_since : CTL_NONE);
	json_end(j);
}

int
ctl_json_neighbors(FILE *f, const struct ctl_view *v)
{
	struct json j;

	json_begin(&j, f);
	json_head(&j, v);
	json_u64(&j, "neighbors_configured", v->cfg->nneighbors);
	json_refresh_buffer(&j, v);
	json_array(&j, "neighbors");
	for (unsigned i = 0; i < v->st->nneighbors; i++)
		json_neighbor(&j, v, &v->st->neighbors[i]);
	json_end(&j);
	json_end(&j);
	return json_finish(&j);
}

/* ---- show running-config ---- */

static void
json_cfg_neighbors(struct json *j, const struct cfg *c)
{
	char a[64];

	json_array(j, "neighbors");
	for (unsigned i = 0; i < c->nneighbors; i++) {
		const struct cfg_neighbor *n = &c->neighbors[i];
		json_object(j, NULL);
		json_str(j, "address", cfg_addr_str(&n->addr, a, sizeof(a)));
		json_bool(j, "all", n->all);
		json_array(j, "servers");
		for (unsigned k = 0; k < n->nservers; k++)
			json_u64(j, NULL, n->servers[k]);
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

static void
json_cfg(struct json *j, const struct cfg *c)
{
	json_object(j, "config");
	json_u64(j, "router_as", c->router_as ? c->router_as : CTL_NONE);
	json_u64(j, "buffer_size_mb", c->buffer_mb);
	json_str(j, "initial_refresh", c->refresh == CFG_REFRESH_SKIP ? "skip" : "delay");
	json_u64(j, "initial_refresh_delay", c->refresh_delay);
	json_bool(j, "activate_all", c->activate_all);
	json_array(j, "servers");
	for (unsigned i = 0; i < c->nservers; i++) {
		json_object(j, NULL);
		json_server_config(j, &c->servers[i]);
		json_end(j);
	}
	json_end(j);
	json_cfg_neighbors(j, c);
	json_end(j);
}

int
ctl_json_running(FILE *f, const char *ns, const struct cfg *c, uint64_t version)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct json j;
	int rc;

	if (!m)
		return -ENOMEM;
	rc = cfg_write(c, m);
	if (fclose(m) || rc) {
		free(text);
		return rc ? rc : -ENOMEM;
	}
	json_begin(&j, f);
	json_object(&j, NULL);
	json_str(&j, "namespace", ns);
	json_u64(&j, "config_version", version);
	json_str(&j, "text", text);
	json_cfg(&j, c);
	json_end(&j);
	free(text);
	return json_finish(&j);
}

int
ctl_json_debugging(FILE *f, const char *ns, unsigned mask)
{
	struct json j;

	json_begin(&j, f);
	json_object(&j, NULL);
	json_str(&j, "namespace", ns);
	json_object(&j, "debug");
	json_bool(&j, "event", mask & CTL_DBG_EVENT);
	json_bool(&j, "neighbor", mask & CTL_DBG_NEIGHBOR);
	json_bool(&j, "server", mask & CTL_DBG_SERVER);
	json_end(&j);
	json_end(&j);
	return json_finish(&j);
}
