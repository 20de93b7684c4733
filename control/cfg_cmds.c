/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commands of the vendor syntax (cfg_parse.c is the engine): generic
 * handlers, top-level commands, the `bmp server N` mode, the Huawei `bmp`
 * and `bmp-session` views, and the command table of each mode.
 *
 * Handlers check every word before changing anything, so a refused line
 * leaves the configuration as the previous line left it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "control/cfg.h"
#include "control/cfg_model.h"
#include "control/cfg_parse_priv.h"

/* ---- generic handlers ---- */

static struct cfg_server *
cur(struct pstate *ps)
{
	return (struct cfg_server *)cfg_server_find(ps->c, ps->cur);
}

static void *
field(struct pstate *ps)
{
	char *base = ps->cmd->flags & F_GLOBAL ? (char *)ps->c : (char *)cur(ps);

	return base + ps->cmd->off;
}

static int
exec_nop(struct pstate *ps, unsigned a)
{
	(void)ps;
	(void)a;
	return 0;
}

static int
to_mode(struct pstate *ps, unsigned a)
{
	(void)a;
	ps->mode = ps->cmd->to;
	return 0;
}

/* A number in the command's range; the `no` form sets its default. */
static int
field_u32(struct pstate *ps, unsigned a)
{
	const struct cmd *cmd = ps->cmd;
	uint32_t v = cmd->def;

	if (!ps->neg && cfgp_uint(ps, a, cmd->kw, cmd->lo, cmd->hi, &v))
		return -EINVAL;
	memcpy(field(ps), &v, sizeof(v));
	return 0;
}

static int
field_flag(struct pstate *ps, unsigned a)
{
	bool v = !ps->neg;

	(void)a;
	memcpy(field(ps), &v, sizeof(v));
	return 0;
}

/* ---- top level ---- */

/* `router bgp 65000` or asdot `router bgp 1.10`. */
static int
router_bgp(struct pstate *ps, unsigned a)
{
	const struct word *w = &ps->w[a];
	const char *dot = memchr(w->p, '.', w->len);
	struct word hw, lw;
	uint64_t hi, lo;

	if (!dot)
		return cfgp_uint(ps, a, "router bgp", 1, UINT32_MAX, &ps->c->router_as);
	hw = (struct word){ w->p, (unsigned)(dot - w->p) };
	lw = (struct word){ dot + 1, (unsigned)(w->p + w->len - dot - 1) };
	if (!cfgp_word_num(&hw, &hi) || !cfgp_word_num(&lw, &lo) || hi > 65535 || lo > 65535 ||
	    hi + lo == 0)
		return cfgp_err(ps, a, "router bgp '%.*s': out of range 0.1-65535.65535 (asdot)",
			    W(ps, a));
	ps->c->router_as = (uint32_t)(hi << 16 | lo);
	return 0;
}

/* `bmp initial-refresh delay S | skip`; the delay of skip is the default. */
static int
refresh(struct pstate *ps, unsigned a)
{
	uint32_t d = CFG_DEF_REFRESH_DELAY;
	bool skip = cfgp_word_is(ps, a, "skip");

	if (!ps->neg && !skip && !cfgp_word_is(ps, a, "delay"))
		return cfgp_err(ps, a, "bmp initial-refresh '%.*s': expected delay or skip", W(ps, a));
	if (!ps->neg && !skip &&
	    cfgp_uint(ps, a + 1, "bmp initial-refresh delay", 1, CFG_DELAY_MAX, &d))
		return -EINVAL;
	if (!ps->neg && cfgp_no_more(ps, a + 2 - skip))
		return -EINVAL;
	ps->c->refresh = skip && !ps->neg ? CFG_REFRESH_SKIP : CFG_REFRESH_DELAY;
	ps->c->refresh_delay = d;
	return 0;
}

/* `bmp server N` enters its mode, creating it; `no bmp server N` removes it. */
static int
bmp_server(struct pstate *ps, unsigned a)
{
	uint32_t id;

	if (cfgp_uint(ps, a, "bmp server", CFG_SERVER_ID_MIN, CFG_SERVER_ID_MAX, &id))
		return -EINVAL;
	if (ps->neg) {
		cfgm_server_del(ps->c, id);
		return 0;
	}
	if (!cfg_server_find(ps->c, id) && !cfgm_server_add(ps->c, id))
		return cfgp_err(ps, a, "bmp server '%.*s': too many servers (at most %u)", W(ps, a),
			    CFG_MAX_SERVERS);
	ps->mode = M_SERVER;
	ps->cur = id;
	return 0;
}

static int
neighbor_get(struct pstate *ps, const struct cfg_addr *addr, unsigned wi,
	     struct cfg_neighbor **n)
{
	int rc = cfgm_neighbor_get(ps->c, addr, &ps->ncap, n);

	if (rc == -ENOSPC)
		return cfgp_err(ps, wi, "%s '%.*s': too many neighbors (at most %u)", ps->cmd->kw,
			    W(ps, wi), CFG_MAX_NEIGHBORS);
	return rc ? cfgp_err(ps, wi, "out of memory") : 0;
}

/* `all` or `server N [server M ...]` from word a (there is one) to the end of the line. */
static int
activation(struct pstate *ps, unsigned a, bool *all, uint32_t *ids, uint16_t *n)
{
	*all = false;
	*n = 0;
	if (cfgp_word_is(ps, a, "all")) {
		*all = true;
		return cfgp_no_more(ps, a + 1);
	}
	for (unsigned i = a; i < ps->nw; i += 2) {
		uint32_t id;
		if (!cfgp_word_is(ps, i, "server"))
			return cfgp_err(ps, i, "neighbor bmp-activate '%.*s': expected all or server N",
				    W(ps, i));
		if (cfgp_uint(ps, i + 1, "neighbor bmp-activate server", CFG_SERVER_ID_MIN,
			     CFG_SERVER_ID_MAX, &id))
			return -EINVAL;
		if (!cfgm_ids_add(ids, n, id))
			return cfgp_err(ps, i + 1, "neighbor bmp-activate: more than %u servers",
				    CFG_MAX_SERVERS);
	}
	return 0;
}

/* Replaces the Cisco activation; the Huawei sessions' `monitor peer` stay. */
static int
neighbor_set(struct pstate *ps, unsigned a, const struct cfg_addr *addr, bool all,
	     const uint32_t *ids, uint16_t nids)
{
	struct cfg_neighbor *n = cfgm_neighbor_find(ps->c, addr), merged;

	memset(&merged, 0, sizeof(merged));
	if (n)
		merged = *n;
	cfgm_ids_keep_huawei(&merged);
	merged.addr = *addr;
	merged.all = all;
	for (unsigned i = 0; i < nids; i++)
		if (!cfgm_ids_add(merged.servers, &merged.nservers, ids[i]))
			return cfgp_err(ps, a, "neighbor '%.*s': more than %u servers", W(ps, a),
				    CFG_MAX_SERVERS);
	if (neighbor_get(ps, addr, a, &n))
		return -EINVAL;
	*n = merged;
	return 0;
}

/* `no neighbor X bmp-activate [all | server N ...]` */
static void
neighbor_reset(struct pstate *ps, const struct cfg_addr *addr, bool all, const uint32_t *ids,
	       uint16_t nids)
{
	struct cfg_neighbor *n = cfgm_neighbor_find(ps->c, addr);

	if (!n)
		return;
	if (all) {
		n->all = false;
		cfgm_ids_keep_huawei(n);
	}
	for (unsigned i = 0; i < nids; i++)
		cfgm_ids_del(n, ids[i]);
	cfgm_neighbors_prune(ps->c);
}

static int
neighbor(struct pstate *ps, unsigned a)
{
	struct cfg_addr addr;
	uint32_t ids[CFG_MAX_SERVERS];
	uint16_t nids = 0;
	bool all = true;

	if (cfgp_addr(ps, a, "neighbor", &addr, true))
		return -EINVAL;
	if (!cfgp_word_is(ps, a + 1, "bmp-activate"))
		return cfgp_err(ps, a + 1, "unknown command 'neighbor %.*s %.*s' (expected "
			    "bmp-activate)", W(ps, a), W(ps, a + 1));
	if ((!ps->neg || a + 2 < ps->nw) && activation(ps, a + 2, &all, ids, &nids))
		return -EINVAL;
	if (!ps->neg)
		return neighbor_set(ps, a, &addr, all, ids, nids);
	neighbor_reset(ps, &addr, all, ids, nids);
	return 0;
}

/* ---- `bmp server N` mode ---- */

static int
address(struct pstate *ps, unsigned a)
{
	struct cfg_server *s = cur(ps);
	struct cfg_addr addr = { 0 };
	uint32_t port = 0;

	if (!ps->neg && cfgp_station(ps, a, "address", &addr))
		return -EINVAL;
	if (!ps->neg && !cfgp_word_is(ps, a + 1, "port-number"))
		return cfgp_err(ps, a + 1, "address: expected port-number after the address, "
			    "not '%.*s'", W(ps, a + 1));
	if (!ps->neg && cfgp_uint(ps, a + 2, "address port-number", 1, 65535, &port))
		return -EINVAL;
	s->addr = addr;
	s->port = (uint16_t)port;
	return 0;
}

/* `description LINE SERVER1`: LINE is the document's placeholder; dropped. */
static int
description(struct pstate *ps, unsigned a)
{
	const char *p = ps->neg ? ps->eol : ps->w[a].p, *end = ps->eol;
	size_t len;

	if (end - p > 5 && memcmp(p, "LINE", 4) == 0 && (p[4] == ' ' || p[4] == '\t'))
		for (p += 4; *p == ' ' || *p == '\t'; p++)
			;
	len = (size_t)(end - p);
	if (len > CFG_DESCR_MAX - 1)
		return cfgp_err(ps, a, "description: %zu characters, at most %u", len,
			    CFG_DESCR_MAX - 1);
	memcpy(cur(ps)->description, p, len);
	cur(ps)->description[len] = '\0';
	return 0;
}

static int
dscp(struct pstate *ps, unsigned a)
{
	uint32_t v;

	if (!ps->neg && cfgp_uint(ps, a, "set ip dscp", 0, 63, &v))
		return -EINVAL;
	cur(ps)->dscp = ps->neg ? -1 : (int16_t)v;
	return 0;
}

static int
update_source(struct pstate *ps, unsigned a)
{
	if (ps->neg) {
		cur(ps)->update_source[0] = '\0';
		return 0;
	}
	return cfgp_ifname(ps, a, cur(ps)->update_source);
}

static int
vpn_instance(struct pstate *ps, unsigned a)
{
	char vpn[CFG_NAME_MAX] = "";

	if (!ps->neg && cfgp_vpn(ps, a, vpn))
		return -EINVAL;
	memcpy(cur(ps)->vpn, vpn, sizeof(vpn));
	return 0;
}

/* ---- Huawei `bmp` view and `bmp-session` view ---- */

/* `[vpn-instance NAME] ADDRESS [alias NAME]`, the key of a session. */
static int
session_key(struct pstate *ps, unsigned a, struct cfg_server *k)
{
	memset(k, 0, sizeof(*k));
	if (cfgp_word_is(ps, a, "vpn-instance")) {
		if (cfgp_vpn(ps, a + 1, k->vpn))
			return -EINVAL;
		a += 2;
	}
	if (cfgp_station(ps, a, "bmp-session", &k->addr))
		return -EINVAL;
	if (++a >= ps->nw)
		return 0;
	if (!cfgp_word_is(ps, a, "alias"))
		return cfgp_err(ps, a, "bmp-session: unexpected word '%.*s' (expected alias NAME)",
			    W(ps, a));
	if (cfgp_name(ps, a + 1, "alias", k->alias))
		return -EINVAL;
	return cfgp_no_more(ps, a + 2);
}

/* Creates or enters a session; ids follow the order of creation. */
static int
bmp_session(struct pstate *ps, unsigned a)
{
	struct cfg_server k, *s;

	if (session_key(ps, a, &k))
		return -EINVAL;
	s = cfgm_huawei_find(ps->c, k.vpn, &k.addr, k.alias);
	if (ps->neg) {
		if (s)
			cfgm_server_del(ps->c, s->id);
		return 0;
	}
	if (!s) {
		s = cfgm_server_add(ps->c, CFG_HUAWEI_ID_BASE + cfgm_huawei_count(ps->c));
		if (!s)
			return cfgp_err(ps, a, "bmp-session: too many servers (at most %u)",
				    CFG_MAX_SERVERS);
		s->huawei = true;
		s->addr = k.addr;
		memcpy(s->vpn, k.vpn, sizeof(k.vpn));
		memcpy(s->alias, k.alias, sizeof(k.alias));
	}
	ps->mode = M_HWSESS;
	ps->cur = s->id;
	return 0;
}

/* A session has no `activate`: it connects once it has a port. */
static int
tcp_port(struct pstate *ps, unsigned a)
{
	uint32_t port = 0;

	if (!ps->neg && cfgp_uint(ps, a, "tcp connect port", 1, 65535, &port))
		return -EINVAL;
	cur(ps)->port = (uint16_t)port;
	cur(ps)->activate = port != 0;
	return 0;
}

static int
monitor_peer(struct pstate *ps, unsigned a)
{
	struct cfg_neighbor *n;
	struct cfg_addr addr;

	if (cfgp_addr(ps, a, "monitor peer", &addr, true))
		return -EINVAL;
	n = cfgm_neighbor_find(ps->c, &addr);
	if (ps->neg) {
		if (n)
			cfgm_ids_del(n, ps->cur);
		cfgm_neighbors_prune(ps->c);
		return 0;
	}
	if (n && !cfgm_ids_add(n->servers, &n->nservers, ps->cur))
		return cfgp_err(ps, a, "monitor peer '%.*s': more than %u servers", W(ps, a),
			    CFG_MAX_SERVERS);
	if (neighbor_get(ps, &addr, a, &n))
		return -EINVAL;
	cfgm_ids_add(n->servers, &n->nservers, ps->cur);
	return 0;
}

/* ---- command tables, one per mode ---- */

#define CMD(k, mn, mx, fl, f, u) { .kw = k, .min = mn, .max = mx, .flags = fl, .fn = f, .usage = u }
#define EXEC(k, mx) CMD(k, 0, mx, F_KEEP | F_RAW, exec_nop, k)
#define MODE(k, m) { .kw = k, .fn = to_mode, .to = m, .usage = k }
#define U32(k, fl, type, f, l, h, d, u) { .kw = k, .min = 1, .max = 1, .flags = (fl) | F_NO, \
	.fn = field_u32, .usage = u, .off = offsetof(type, f), .lo = l, .hi = h, .def = d }
#define FLAG(k, fl, type, f) { .kw = k, .flags = (fl) | F_NO, .fn = field_flag, .usage = k, \
	.off = offsetof(type, f) }
#define SRV struct cfg_server

static const struct cmd top_cmds[] = {
	EXEC("enable", 0), EXEC("configure terminal", 0), EXEC("system-view", 0),
	EXEC("commit", 0), EXEC("show", -1),
	MODE("end", M_TOP), MODE("return", M_TOP), MODE("exit", M_TOP), MODE("quit", M_TOP),
	CMD("router bgp", 1, 1, 0, router_bgp, "router bgp 1-4294967295"),
	U32("bmp buffer-size", F_GLOBAL, struct cfg, buffer_mb, CFG_BUFFER_MB_MIN,
	    CFG_BUFFER_MB_MAX, CFG_DEF_BUFFER_MB, "bmp buffer-size 1-65536"),
	CMD("bmp initial-refresh", 1, 2, F_NO, refresh,
	    "bmp initial-refresh {delay 1-3600 | skip}"),
	CMD("bmp server", 1, 1, F_NO, bmp_server, "bmp server 1-1000"),
	FLAG("bmp-activate all", F_GLOBAL, struct cfg, activate_all),
	CMD("neighbor", 3, -1, F_NO, neighbor,
	    "neighbor ADDRESS bmp-activate {all | server N [server M ...]}"),
	MODE("bmp", M_HWBMP),
};

static const struct cmd server_cmds[] = {
	FLAG("activate", 0, SRV, activate),
	CMD("address", 3, 3, F_NO, address, "address {IPv4 | IPv6} port-number 1-65535"),
	CMD("description", 1, -1, F_NO | F_RAW, description, "description [LINE] TEXT"),
	U32("failure-retry-delay", 0, SRV, failure_retry_delay, 1, CFG_DELAY_MAX,
	    CFG_DEF_FAILURE_RETRY_DELAY, "failure-retry-delay 1-3600"),
	U32("flapping-delay", 0, SRV, flapping_delay, 1, CFG_DELAY_MAX, CFG_DEF_FLAPPING_DELAY,
	    "flapping-delay 1-3600"),
	U32("initial-delay", 0, SRV, initial_delay, 0, CFG_DELAY_MAX, CFG_DEF_INITIAL_DELAY,
	    "initial-delay 0-3600"),
	U32("stats-reporting-period", 0, SRV, stats_period, 0, CFG_DELAY_MAX,
	    CFG_DEF_STATS_PERIOD, "stats-reporting-period 0-3600"),
	CMD("set ip dscp", 1, 1, F_NO, dscp, "set ip dscp 0-63"),
	CMD("update-source", 1, 2, F_NO, update_source, "update-source {INTERFACE | TYPE NUMBER}"),
	CMD("vpn-instance", 1, 1, F_NO, vpn_instance, "vpn-instance NAME"),
	MODE("exit-bmp-server-mode", M_TOP), MODE("exit", M_TOP),
};

static const struct cmd hwbmp_cmds[] = {
	CMD("bmp-session", 1, 5, F_NO, bmp_session,
	    "bmp-session [vpn-instance NAME] ADDRESS [alias NAME]"),
	MODE("quit", M_TOP), MODE("exit", M_TOP),
};

static const struct cmd hwsess_cmds[] = {
	CMD("tcp connect port", 1, 1, F_NO, tcp_port, "tcp connect port 1-65535"),
	U32("statistics-timer", 0, SRV, stats_period, 0, CFG_DELAY_MAX, CFG_DEF_STATS_PERIOD,
	    "statistics-timer 0-3600"),
	FLAG("monitor public-network", 0, SRV, monitor_all),
	CMD("monitor peer", 1, 1, F_NO, monitor_peer, "monitor peer ADDRESS"),
	MODE("quit", M_HWBMP), MODE("exit", M_HWBMP),
};

#define TABLE(t) t, sizeof(t) / sizeof(t[0])

const struct table cfgp_tables[M_COUNT] = {
	[M_TOP] = { TABLE(top_cmds), "configuration mode", M_TOP },
	[M_SERVER] = { TABLE(server_cmds), "'bmp server' mode", M_TOP },
	[M_HWBMP] = { TABLE(hwbmp_cmds), "'bmp' view", M_TOP },
	[M_HWSESS] = { TABLE(hwsess_cmds), "'bmp-session' view", M_HWBMP },
};
