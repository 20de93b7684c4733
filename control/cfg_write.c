/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vendor syntax out: the running configuration, in the order and form of
 * the Cisco document's `show running-config | section bmp` sample, then
 * the Huawei sessions in Huawei form. Only values that differ from the
 * defaults are printed, so that the output is short and deterministic,
 * and cfg_apply() reads it back to an equal configuration.
 */
#include <errno.h>
#include <string.h>

#include "control/cfg.h"

/* Huawei names may hold spaces, between double quotes. */
static void
put_name(FILE *f, const char *kw, const char *name)
{
	const char *q = strchr(name, ' ') ? "\"" : "";

	fprintf(f, " %s %s%s%s", kw, q, name, q);
}

/* `description LINE x` drops LINE: keep a description that starts so. */
static const char *
description_prefix(const char *d)
{
	return strncmp(d, "LINE", 4) == 0 && (d[4] == ' ' || d[4] == '\t') ? "LINE " : "";
}

static void
put_timers(FILE *f, const struct cfg_server *s)
{
	if (s->initial_delay != CFG_DEF_INITIAL_DELAY)
		fprintf(f, " initial-delay %u\n", s->initial_delay);
	if (s->failure_retry_delay != CFG_DEF_FAILURE_RETRY_DELAY)
		fprintf(f, " failure-retry-delay %u\n", s->failure_retry_delay);
	if (s->flapping_delay != CFG_DEF_FLAPPING_DELAY)
		fprintf(f, " flapping-delay %u\n", s->flapping_delay);
}

static void
put_cisco_server(FILE *f, const struct cfg_server *s)
{
	char a[64];

	fprintf(f, "bmp server %u\n", s->id);
	if (s->addr.family && s->port)
		fprintf(f, " address %s port-number %u\n", cfg_addr_str(&s->addr, a, sizeof(a)),
			s->port);
	if (*s->vpn) {
		put_name(f, "vpn-instance", s->vpn);
		fputc('\n', f);
	}
	if (*s->description)
		fprintf(f, " description %s%s\n", description_prefix(s->description),
			s->description);
	put_timers(f, s);
	if (*s->update_source)
		fprintf(f, " update-source %s\n", s->update_source);
	if (s->dscp >= 0)
		fprintf(f, " set ip dscp %d\n", s->dscp);
	if (s->stats_period != CFG_DEF_STATS_PERIOD)
		fprintf(f, " stats-reporting-period %u\n", s->stats_period);
	if (s->activate)
		fprintf(f, " activate\n");
	fprintf(f, " exit-bmp-server-mode\n");
}

static void
put_globals(FILE *f, const struct cfg *c)
{
	if (c->buffer_mb != CFG_DEF_BUFFER_MB)
		fprintf(f, "bmp buffer-size %u\n", c->buffer_mb);
	if (c->refresh == CFG_REFRESH_SKIP)
		fprintf(f, "bmp initial-refresh skip\n");
	else if (c->refresh_delay != CFG_DEF_REFRESH_DELAY)
		fprintf(f, "bmp initial-refresh delay %u\n", c->refresh_delay);
	if (c->activate_all)
		fprintf(f, "bmp-activate all\n");
}

/* The Cisco part of each neighbor; Huawei ids are `monitor peer` lines. */
static void
put_neighbor(FILE *f, const struct cfg_neighbor *n)
{
	char a[64];
	bool any = false;

	cfg_addr_str(&n->addr, a, sizeof(a));
	if (n->all) {
		fprintf(f, "neighbor %s bmp-activate all\n", a);
		return;
	}
	for (unsigned i = 0; i < n->nservers; i++) {
		if (n->servers[i] >= CFG_HUAWEI_ID_BASE)
			continue;
		if (!any)
			fprintf(f, "neighbor %s bmp-activate", a);
		fprintf(f, " server %u", n->servers[i]);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

static bool
lists(const struct cfg_neighbor *n, uint32_t id)
{
	for (unsigned i = 0; i < n->nservers; i++)
		if (n->servers[i] == id)
			return true;
	return false;
}

static void
put_session(FILE *f, const struct cfg *c, const struct cfg_server *s)
{
	char a[64];

	fprintf(f, " bmp-session");
	if (*s->vpn)
		put_name(f, "vpn-instance", s->vpn);
	fprintf(f, " %s", cfg_addr_str(&s->addr, a, sizeof(a)));
	if (*s->alias)
		put_name(f, "alias", s->alias);
	fputc('\n', f);
	if (s->port)
		fprintf(f, "  tcp connect port %u\n", s->port);
	if (s->stats_period != CFG_DEF_STATS_PERIOD)
		fprintf(f, "  statistics-timer %u\n", s->stats_period);
	if (s->monitor_all)
		fprintf(f, "  monitor public-network\n");
	for (unsigned i = 0; i < c->nneighbors; i++)
		if (lists(&c->neighbors[i], s->id))
			fprintf(f, "  monitor peer %s\n",
				cfg_addr_str(&c->neighbors[i].addr, a, sizeof(a)));
}

int
cfg_write(const struct cfg *c, FILE *f)
{
	bool hw = false;

	if (c->router_as)
		fprintf(f, "router bgp %u\n", c->router_as);
	for (unsigned i = 0; i < c->nservers; i++)
		if (!c->servers[i].huawei)
			put_cisco_server(f, &c->servers[i]);
	put_globals(f, c);
	for (unsigned i = 0; i < c->nneighbors; i++)
		put_neighbor(f, &c->neighbors[i]);
	for (unsigned i = 0; i < c->nservers; i++) {
		if (!c->servers[i].huawei)
			continue;
		if (!hw)
			fprintf(f, "bmp\n");
		hw = true;
		put_session(f, c, &c->servers[i]);
	}
	return ferror(f) ? -EIO : 0;
}
