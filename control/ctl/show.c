/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The show commands as text, modelled on the Cisco IOS "BGP Monitoring
 * Protocol" document's sample output: the same header lines, columns and
 * server detail lines, filled from the configuration in Redis and the
 * state bmptapd publishes. No I/O but the FILE: unit tests format
 * hand-made rows.
 *
 * Where a vendor line describes a router queue that a tap does not have,
 * the line keeps its place and says what the appliance really has:
 *
 *   "Number of neighbors on TransitionQ: X, MonitoringQ: Y, ConfigQ: Z"
 *     -> "Number of neighbors seen on the tap: S, up: U, on refresh queue: P"
 *        S: BMP_NEIGHBOR_STATE rows (a sender towards one receiver), U: the
 *        daemon's neighbors_up, P: rows whose PriQ (initial refresh, i.e.
 *        the replay of the Adj-RIB-In mirror that stands for ROUTE-REFRESH)
 *        is not empty. A router's TransitionQ and ConfigQ hold neighbors
 *        whose BGP session or configuration is changing; a tap neither
 *        runs sessions nor configures peers.
 *   "Number of BMP servers on StatsQ: N"
 *     -> "Number of BMP servers with messages queued: N, messages queued: M"
 *        the per-server output queue (msgs_queued), where a router keeps
 *        servers waiting for their Statistics Reports.
 *
 *   TCB: the connection's socket while Up (a tap has no router TCB to
 *     show), 0x0 otherwise. Status: the vendor's Up or Down; the detail
 *     (`show bmp server N`) names bmptapd's state (Connecting, Retry-wait...).
 *   Neighbor rows: one per sender and receiver (BMP_NEIGHBOR_STATE keys),
 *     with an added Distinguisher column, the peer distinguisher that keeps
 *     one sender seen towards several receivers apart; configured
 *     neighbors the tap has not seen are listed with ActSvr# "-".
 *
 * A number bmptapd did not publish prints "-"; when it publishes nothing
 * at all, a first line says so and every server is "Down".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/ctl/ctl.h"

#define CELL 384                 /* 63 server ids fit a CfgSvr# cell */
#define MAXCOL 8
#define GAP 2
#define MIB (1024u * 1024u)

const char *
ctl_fmt_duration(uint64_t s, char *buf, size_t len)
{
	if (s == CTL_NONE)
		snprintf(buf, len, "-");
	else if (s < 86400)
		snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(s / 3600),
			 (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	else if (s < 7 * 86400)
		snprintf(buf, len, "%ud%02uh", (unsigned)(s / 86400), (unsigned)(s / 3600 % 24));
	else
		snprintf(buf, len, "%" PRIu64 "w%ud", s / (7 * 86400), (unsigned)(s / 86400 % 7));
	return buf;
}

static const char *
fmt_u64(uint64_t v, char *buf, size_t len)
{
	if (v == CTL_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static const char *
fmt_ids(const struct ctl_ids *ids, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < ids->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? " " : "", ids->id[i]);
	if (!ids->n)
		snprintf(buf, len, "-");
	return buf;
}

/* ---- tables: vendor header spacing as minimum widths, grown to fit ---- */

struct column {
	const char *head;
	unsigned minw;
};

typedef void (*cells_fn)(const struct ctl_view *v, unsigned row, char cells[][CELL]);

static void
put_line(FILE *f, const char *const *cells, const unsigned *w, unsigned ncol)
{
	char line[MAXCOL * CELL + MAXCOL * 64];
	size_t n = 0;

	for (unsigned c = 0; c < ncol; c++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%-*s",
				      c + 1 < ncol ? (int)w[c] : 0, cells[c]);
	while (n && line[n - 1] == ' ')
		n--;
	fprintf(f, "%.*s\n", (int)n, line);
}

static void
put_table(FILE *f, const struct ctl_view *v, const struct column *cols, unsigned ncol,
	  unsigned nrows, cells_fn fn)
{
	char cells[MAXCOL][CELL];
	const char *p[MAXCOL];
	unsigned w[MAXCOL];

	for (unsigned c = 0; c < ncol; c++) {
		w[c] = cols[c].minw;
		p[c] = cells[c];
	}
	for (unsigned r = 0; r < nrows; r++) {
		fn(v, r, cells);
		for (unsigned c = 0; c < ncol; c++)
			if (strlen(cells[c]) + GAP > w[c])
				w[c] = (unsigned)strlen(cells[c]) + GAP;
	}
	for (unsigned c = 0; c < ncol; c++)
		p[c] = cols[c].head;
	put_line(f, p, w, ncol);
	for (unsigned c = 0; c < ncol; c++)
		p[c] = cells[c];
	for (unsigned r = 0; r < nrows; r++) {
		fn(v, r, cells);
		put_line(f, p, w, ncol);
	}
}

/* ---- header lines ---- */

static bool
daemon_up(const struct ctl_view *v)
{
	return v->st && v->st->g.present;
}

/* What the operator must know before reading numbers. */
static void
put_notice(FILE *f, const struct ctl_view *v)
{
	const struct ctl_global *g = &v->st->g;

	if (!daemon_up(v)) {
		fprintf(f, "%% bmptapd publishes no state in namespace '%s' (not running?): "
			"configured values only, every server Down\n\n", v->ns);
		return;
	}
	if (g->config_version != CTL_NONE && g->config_version < v->config_version)
		fprintf(f, "%% bmptapd runs configuration version %" PRIu64 ", Redis holds "
			"version %" PRIu64 " (not applied yet)\n", g->config_version,
			v->config_version);
	if (strcmp(g->config_status, "refused") == 0)
		fprintf(f, "%% bmptapd refused the last configuration: %s\n", g->config_error);
}

static void
put_refresh(FILE *f, const struct ctl_view *v)
{
	const char *s = daemon_up(v) ? v->st->g.refresh_state : "";

	if (!daemon_up(v))
		fprintf(f, "BMP Refresh not in progress (bmptapd not running)\n");
	else if (strncmp(s, "BMP Refresh ", 12) == 0)
		fprintf(f, "%s\n", s);          /* bmptapd words it as the vendor */
	else if (!*s || !strcasecmp(s, "idle") || !strcasecmp(s, "none"))
		fprintf(f, "BMP Refresh not in progress, refresh not scheduled\n");
	else if (!strcasecmp(s, "scheduled"))
		fprintf(f, "BMP Refresh not in progress, refresh scheduled\n");
	else if (!strcasecmp(s, "in-progress") || !strcasecmp(s, "in_progress") ||
		 !strcasecmp(s, "running"))
		fprintf(f, "BMP Refresh in progress\n");
	else
		fprintf(f, "BMP Refresh state %s\n", s);
	if (v->cfg->refresh == CFG_REFRESH_SKIP)
		fprintf(f, "Initial Refresh Skip configured\n");
	else
		fprintf(f, "Initial Refresh Delay configured, refresh value %us\n",
			v->cfg->refresh_delay);
}

static void
put_buffer(FILE *f, const struct ctl_view *v)
{
	const struct ctl_global *g = &v->st->g;
	char used[32] = "-";

	if (daemon_up(v) && g->buffer_used != CTL_NONE)
		snprintf(used, sizeof(used), "%" PRIu64, g->buffer_used / MIB);
	fprintf(f, "BMP buffer size configured, buffer size %u MB, buffer size bytes used %s MB",
		v->cfg->buffer_mb, used);
	/* the buffer is sized at start: say so when bmptapd runs another size */
	if (daemon_up(v) && g->buffer_limit != CTL_NONE &&
	    g->buffer_limit / MIB != v->cfg->buffer_mb)
		fprintf(f, " (bmptapd runs %" PRIu64 " MB until restarted)", g->buffer_limit / MIB);
	fputc('\n', f);
}

static void
put_queues(FILE *f, const struct ctl_view *v)
{
	struct ctl_totals t;
	char a[32], b[32], c[32];

	if (!daemon_up(v)) {
		fprintf(f, "Number of neighbors seen on the tap: -, up: -, on refresh queue: -\n"
			"Number of BMP servers with messages queued: -, messages queued: -\n");
		return;
	}
	ctl_state_totals(v->st, &t);
	fprintf(f, "Number of neighbors seen on the tap: %s, up: %s, on refresh queue: %s\n",
		fmt_u64(t.seen, a, sizeof(a)), fmt_u64(v->st->g.neighbors_up, b, sizeof(b)),
		fmt_u64(t.refresh, c, sizeof(c)));
	fprintf(f, "Number of BMP servers with messages queued: %s, messages queued: %s\n",
		fmt_u64(t.servers_queued, a, sizeof(a)), fmt_u64(t.msgs_queued, b, sizeof(b)));
}

/* ---- show bmp server summary ---- */

static bool
is_up(const struct ctl_server *s)
{
	return s->present && strcasecmp(s->status, "up") == 0;
}

/* The daemon's word with a capital ("Up", "Connecting"); Down without one. */
static const char *
status_word(const struct ctl_view *v, const struct ctl_server *s, char *buf, size_t len)
{
	if (!daemon_up(v) || !s->present || !*s->status)
		return "Down";
	snprintf(buf, len, "%s", s->status);
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

static void
summary_cells(const struct ctl_view *v, unsigned r, char cells[][CELL])
{
	const struct cfg_server *cs = &v->cfg->servers[r];
	const struct ctl_server *s = &v->st->servers[r];

	snprintf(cells[0], CELL, "%u", cs->id);
	cfg_addr_str(&cs->addr, cells[1], CELL);
	if (cs->port)
		snprintf(cells[2], CELL, "%u", cs->port);
	else
		snprintf(cells[2], CELL, "-");
	/* the vendor's Up or Down; `show bmp server N` names the state of a Down one */
	snprintf(cells[3], CELL, "%s", daemon_up(v) && is_up(s) && *s->tcb ? s->tcb : "0x0");
	snprintf(cells[4], CELL, "%s", daemon_up(v) && is_up(s) ? "Up" : "Down");
	if (is_up(s) && daemon_up(v))
		ctl_fmt_duration(s->uptime_s, cells[5], CELL);
	else
		snprintf(cells[5], CELL, "0");
	fmt_u64(!daemon_up(v) ? CTL_NONE : s->present ? s->msgs_sent : 0, cells[6], CELL);
	cells[7][0] = '\0';
	if (daemon_up(v) && s->present && s->last_stats_s != CTL_NONE)
		ctl_fmt_duration(s->last_stats_s, cells[7], CELL);
}

static const struct column summary_cols[] = {
	{ "ID", 3 }, { "Host/Net", 14 }, { "Port", 6 }, { "TCB", 9 }, { "Status", 8 },
	{ "Uptime", 9 }, { "MsgSent", 9 }, { "LastStat", 0 },
};

int
ctl_show_summary(FILE *f, const struct ctl_view *v)
{
	put_notice(f, v);
	fprintf(f, "Number of BMP servers configured: %u\n", v->cfg->nservers);
	fprintf(f, "Number of BMP neighbors configured: %u\n", v->cfg->nneighbors);
	put_queues(f, v);
	put_refresh(f, v);
	put_buffer(f, v);
	fputc('\n', f);
	put_table(f, v, summary_cols, MAXCOL, v->cfg->nservers, summary_cells);
	return ferror(f) ? -EIO : 0;
}

/* ---- show bmp server N ---- */

static void
put_server_config(FILE *f, const struct cfg_server *cs)
{
	char a[64];

	if (cs->addr.family && cs->port)
		fprintf(f, "address: %s    port %u\n", cfg_addr_str(&cs->addr, a, sizeof(a)),
			cs->port);
	else if (cs->addr.family)
		fprintf(f, "address: %s    port -\n", cfg_addr_str(&cs->addr, a, sizeof(a)));
	else
		fprintf(f, "address: not configured\n");
	if (*cs->description)
		fprintf(f, "description %s\n", cs->description);
}

static void
put_server_timers(FILE *f, const struct ctl_view *v, const struct cfg_server *cs)
{
	fprintf(f, "session-startup %s\n",
		v->cfg->refresh == CFG_REFRESH_SKIP ? "skip" : "route-refresh");
	fprintf(f, "initial-delay %u\n", cs->initial_delay);
	fprintf(f, "failure-retry-delay %u\n", cs->failure_retry_delay);
	fprintf(f, "flapping-delay %u\n", cs->flapping_delay);
	fprintf(f, "%s\n", cs->activate ? "activated" : "not activated");
	if (cs->dscp >= 0)
		fprintf(f, "set ip dscp %d\n", cs->dscp);
	if (cs->stats_period)
		fprintf(f, "stats-reporting-period %u\n", cs->stats_period);
	if (*cs->update_source)
		fprintf(f, "update-source %s\n", cs->update_source);
	if (*cs->vpn)
		fprintf(f, "vpn-instance %s\n", cs->vpn);
	if (cs->monitor_all)
		fprintf(f, "monitor public-network\n");
}

/* The appliance's own lines, after the vendor's. */
static void
put_server_state(FILE *f, const struct ctl_view *v, const struct ctl_server *s)
{
	char st[32], b[5][32];

	if (!daemon_up(v) || !s->present) {
		fprintf(f, "status Down (%s)\n", daemon_up(v) ? "bmptapd publishes no state for "
			"this server yet" : "bmptapd not running");
		return;
	}
	fprintf(f, "status %s", status_word(v, s, st, sizeof(st)));
	if (is_up(s) && *s->tcb)
		fprintf(f, ", TCB %s", s->tcb);
	if (*s->local)
		fprintf(f, ", local %s", s->local);
	fprintf(f, "\nmessages sent %s, bytes sent %s, queued %s messages, %s bytes\n",
		fmt_u64(s->msgs_sent, b[0], 32), fmt_u64(s->bytes_sent, b[1], 32),
		fmt_u64(s->msgs_queued, b[2], 32), fmt_u64(s->bytes_queued, b[3], 32));
	fprintf(f, "connection attempts %s, connects %s, failures %s, ",
		fmt_u64(s->attempts, b[0], 32), fmt_u64(s->connects, b[1], 32),
		fmt_u64(s->failures, b[2], 32));
	fprintf(f, "flapping waits %s, buffer drops %s\n", fmt_u64(s->flap_waits, b[3], 32),
		fmt_u64(s->buffer_drops, b[4], 32));
	if (s->last_stats_s != CTL_NONE)
		fprintf(f, "last statistics %s ago\n",
			ctl_fmt_duration(s->last_stats_s, b[0], 32));
	if (*s->last_error)
		fprintf(f, "last error: %s\n", s->last_error);
}

static void
put_server(FILE *f, const struct ctl_view *v, unsigned i)
{
	const struct cfg_server *cs = &v->cfg->servers[i];
	const struct ctl_server *s = &v->st->servers[i];
	char up[32] = "0", a[64];

	fprintf(f, "bmp server %u\n", cs->id);
	if (cs->huawei)
		fprintf(f, "bmp-session%s%s%s %s%s%s\n", *cs->vpn ? " vpn-instance \"" : "",
			cs->vpn, *cs->vpn ? "\"" : "", cfg_addr_str(&cs->addr, a, sizeof(a)),
			*cs->alias ? " alias " : "", cs->alias);
	put_server_config(f, cs);
	if (daemon_up(v) && is_up(s))
		ctl_fmt_duration(s->uptime_s, up, sizeof(up));
	fprintf(f, "up time %s\n", up);
	put_server_timers(f, v, cs);
	put_server_state(f, v, s);
}

int
ctl_show_server(FILE *f, const struct ctl_view *v, uint32_t id)
{
	unsigned n = 0;

	for (unsigned i = 0; i < v->cfg->nservers; i++)
		n += id == 0 || v->cfg->servers[i].id == id;
	if (id && !n)
		return -ENOENT;
	put_notice(f, v);
	fprintf(f, "Print detailed info for %u server number", n);
	for (unsigned i = 0; i < v->cfg->nservers; i++)
		if (id == 0 || v->cfg->servers[i].id == id)
			fprintf(f, " %u", v->cfg->servers[i].id);
	fprintf(f, ".\n");
	for (unsigned i = 0; i < v->cfg->nservers; i++) {
		if (id && v->cfg->servers[i].id != id)
			continue;
		fputc('\n', f);
		put_server(f, v, i);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- show bmp neighbors ---- */

/* A configured neighbor the tap has not seen has nothing queued or sent. */
static const char *
neighbor_num(const struct ctl_view *v, const struct ctl_neighbor *n, uint64_t x, char *buf)
{
	if (!daemon_up(v))
		return fmt_u64(CTL_NONE, buf, CELL);
	return fmt_u64(n->seen ? x : 0, buf, CELL);
}

static void
neighbor_cells(const struct ctl_view *v, unsigned r, char cells[][CELL])
{
	const struct ctl_neighbor *n = &v->st->neighbors[r];
	static const struct ctl_ids none;

	snprintf(cells[0], CELL, "%s", n->address);
	neighbor_num(v, n, n->priq, cells[1]);
	neighbor_num(v, n, n->msgq, cells[2]);
	fmt_ids(&n->cfg_servers, cells[3], CELL);
	fmt_ids(n->seen ? &n->act_servers : &none, cells[4], CELL);
	neighbor_num(v, n, n->rm_sent, cells[5]);
	snprintf(cells[6], CELL, "%s", n->seen && *n->distinguisher ? n->distinguisher : "-");
}

static const struct column neighbor_cols[] = {
	{ "Neighbor", 14 }, { "PriQ", 10 }, { "MsgQ", 10 }, { "CfgSvr#", 13 },
	{ "ActSvr#", 13 }, { "RM Sent", 9 }, { "Distinguisher", 0 },
};

int
ctl_show_neighbors(FILE *f, const struct ctl_view *v)
{
	put_notice(f, v);
	fprintf(f, "Number of BMP neighbors configured: %u\n", v->cfg->nneighbors);
	put_refresh(f, v);
	put_buffer(f, v);
	fputc('\n', f);
	put_table(f, v, neighbor_cols, 7, v->st->nneighbors, neighbor_cells);
	return ferror(f) ? -EIO : 0;
}

/* ---- debugging ---- */

static const struct {
	unsigned bit;
	const char *name;            /* as IOS words it */
} debug_names[] = {
	{ CTL_DBG_EVENT, "events" },
	{ CTL_DBG_NEIGHBOR, "neighbor" },
	{ CTL_DBG_SERVER, "server" },
};

int
ctl_show_debug_change(FILE *f, unsigned mask, bool on)
{
	for (unsigned i = 0; i < sizeof(debug_names) / sizeof(debug_names[0]); i++)
		if (mask & debug_names[i].bit)
			fprintf(f, "BGP BMP %s debugging is %s\n", debug_names[i].name,
				on ? "on" : "off");
	return ferror(f) ? -EIO : 0;
}

int
ctl_show_debugging(FILE *f, unsigned mask)
{
	fprintf(f, "IP routing:\n");
	return ctl_show_debug_change(f, mask, true);
}
