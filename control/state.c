/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * State snapshots (state.h). A snapshot is built in one pass: strings go
 * to one growing text buffer and rows and fields to growing arrays, all
 * by offset (the buffers move while they grow); the pointers of the
 * public structures are set once, at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "refresh.h"
#include "state.h"

struct row_ix {
	size_t table, key;
	unsigned first, n;
};

struct field_ix {
	size_t name, value;
};

struct builder {
	char *text;
	size_t len, cap;
	struct row_ix *rows;
	unsigned nrows, rcap;
	struct field_ix *fields;
	unsigned nfields, fcap;
	bool oom;
	/* counters: the row of the scope being visited */
	char scope[96];
	bool in_scope;
};

/* ---- building ---- */

static bool
reserve(void **p, unsigned n, unsigned *cap, size_t size)
{
	if (n < *cap)
		return true;
	unsigned nc = *cap ? 2 * *cap : 64;
	void *np = realloc(*p, nc * size);
	if (!np)
		return false;
	*p = np;
	*cap = nc;
	return true;
}

static size_t
put_text(struct builder *b, const char *fmt, va_list ap)
{
	for (;;) {
		va_list aq;
		va_copy(aq, ap);
		int n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->oom = true;
			return 0;
		}
		if (b->len + (size_t)n < b->cap) {
			size_t at = b->len;
			b->len += (size_t)n + 1;
			return at;
		}
		size_t nc = b->cap ? 2 * b->cap : 16384;
		while (nc < b->len + (size_t)n + 1)
			nc *= 2;
		char *t = realloc(b->text, nc);
		if (!t) {
			b->oom = true;
			return 0;
		}
		b->text = t;
		b->cap = nc;
	}
}

static size_t __attribute__((format(printf, 2, 3)))
text(struct builder *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t at = b->oom ? 0 : put_text(b, fmt, ap);
	va_end(ap);
	return at;
}

static void __attribute__((format(printf, 3, 4)))
row(struct builder *b, const char *table, const char *fmt, ...)
{
	if (b->oom || !reserve((void **)&b->rows, b->nrows, &b->rcap, sizeof(*b->rows))) {
		b->oom = true;
		return;
	}
	struct row_ix *r = &b->rows[b->nrows++];
	va_list ap;
	r->table = text(b, "%s", table);
	va_start(ap, fmt);
	r->key = b->oom ? 0 : put_text(b, fmt, ap);
	va_end(ap);
	r->first = b->nfields;
	r->n = 0;
}

/* A field of the last row. */
static void __attribute__((format(printf, 3, 4)))
field(struct builder *b, const char *name, const char *fmt, ...)
{
	if (b->oom || !reserve((void **)&b->fields, b->nfields, &b->fcap, sizeof(*b->fields))) {
		b->oom = true;
		return;
	}
	struct field_ix *f = &b->fields[b->nfields];
	va_list ap;
	f->name = text(b, "%s", name);
	va_start(ap, fmt);
	f->value = b->oom ? 0 : put_text(b, fmt, ap);
	va_end(ap);
	b->nfields++;
	b->rows[b->nrows - 1].n++;
}

static void
field_u64(struct builder *b, const char *name, uint64_t v)
{
	field(b, name, "%" PRIu64, v);
}

static struct state_snap *
finish(struct builder *b, uint64_t now_ms)
{
	struct state_snap *s = b->oom ? NULL : calloc(1, sizeof(*s));
	struct state_row *rows = s ? calloc(b->nrows + 1, sizeof(*rows)) : NULL;
	struct state_field *fields = rows ? calloc(b->nfields + 1, sizeof(*fields)) : NULL;

	if (!fields) {
		free(rows);
		free(s);
		free(b->text);
		free(b->rows);
		free(b->fields);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < b->nfields; i++)
		fields[i] = (struct state_field){ b->text + b->fields[i].name,
						  b->text + b->fields[i].value };
	for (unsigned i = 0; i < b->nrows; i++)
		rows[i] = (struct state_row){ b->text + b->rows[i].table, b->text + b->rows[i].key,
					      b->rows[i].n, fields + b->rows[i].first };
	*s = (struct state_snap){ .n = b->nrows, .rows = rows, .built_ms = now_ms, .refs = 1,
				  .text = b->text, .rows_mem = rows, .fields_mem = fields };
	free(b->rows);
	free(b->fields);
	return s;
}

/* ---- the tables ---- */

const char *
state_debug_str(uint32_t mask, char *buf, size_t len)
{
	static const enum log_cat cats[] = { LOGC_EVENT, LOGC_NEIGHBOR, LOGC_SERVER };
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]) && at < len; i++)
		if (mask & cats[i])
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "," : "",
					       log_cat_name(cats[i]));
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

static unsigned
peers_up(const struct state_inputs *in)
{
	return in->peers ? in->peers->total : 0;
}

static void
global_row(struct builder *b, const struct state_inputs *in)
{
	const struct state_config *sc = in->config;
	char dbg[64];

	row(b, STATE_T_GLOBAL, STATE_GLOBAL_KEY);
	field(b, "config_source", "%s", sc->source ? sc->source : "none");
	field_u64(b, "config_version", sc->version);
	field_u64(b, "config_seen_version", sc->seen_version);
	field(b, "config_status", sc->refused ? "refused" : "ok");
	field(b, "config_error", "%s", sc->refused ? sc->error : "");
	char rs[128];
	field(b, "refresh_state", "%s", state_refresh_str(in->refresh, in->now_ms, rs, sizeof(rs)));
	field_u64(b, "buffer_used_bytes", in->buffer_used);
	field_u64(b, "buffer_limit_bytes", in->buffer_limit);
	field_u64(b, "servers_configured", in->cfg->nservers);
	field_u64(b, "neighbors_configured", in->cfg->nneighbors);
	field_u64(b, "neighbors_up", peers_up(in));
	field_u64(b, "uptime_s", in->uptime_s);
	field_u64(b, "redis_reconnects", in->redis_reconnects);
	field(b, "debug", "%s", state_debug_str(in->debug_mask, dbg, sizeof(dbg)));
}

static const char *
status_of(const struct station_info *si)
{
	return si->closing ? "Closing" : server_state_name(si->state);
}

static void
server_row(struct builder *b, const struct station_info *si, uint64_t now_ms)
{
	bool up = si->state == SERVER_UP && !si->closing;

	row(b, STATE_T_SERVER, "%u", si->cfg.id);
	field(b, "status", "%s", status_of(si));
	field_u64(b, "uptime_s", up && now_ms > si->up_since_ms ?
		  (now_ms - si->up_since_ms) / 1000 : 0);
	field(b, "tcb", "%d", si->fd);
	field(b, "local", "%s", si->local);
	field_u64(b, "msgs_sent", si->msgs_sent);
	field_u64(b, "bytes_sent", si->bytes_sent);
	field_u64(b, "bytes_queued", si->bytes_queued);
	field_u64(b, "msgs_queued", si->msgs_queued);
	/* seconds since the last Statistics Report round, empty before one */
	if (si->last_stats_ms && now_ms >= si->last_stats_ms)
		field_u64(b, "last_stats_s", (now_ms - si->last_stats_ms) / 1000);
	else
		field(b, "last_stats_s", "%s", "");
	field(b, "last_error", "%s", si->last_error);
	field_u64(b, "attempts", si->attempts);
	field_u64(b, "connects", si->connects);
	field_u64(b, "failures", si->failures);
	field_u64(b, "flap_waits", si->flap_waits);
	field_u64(b, "buffer_drops", si->buffer_drops);
}

/* The live station of each id: a closing one only when nothing replaces it. */
static bool
server_shown(const struct state_inputs *in, unsigned i)
{
	const struct station_info *si = &in->servers[i];

	for (unsigned k = 0; k < in->nservers; k++) {
		const struct station_info *o = &in->servers[k];
		if (k == i || o->cfg.id != si->cfg.id)
			continue;
		if (si->closing && !o->closing)
			return false;
		if (si->closing == o->closing && k < i)
			return false;
	}
	return true;
}

static void
server_rows(struct builder *b, const struct state_inputs *in)
{
	/* ascending id, whatever the order of the stations */
	uint32_t last = 0;
	for (;;) {
		int next = -1;
		for (unsigned i = 0; i < in->nservers; i++)
			if (in->servers[i].cfg.id > last && server_shown(in, i) &&
			    (next < 0 || in->servers[i].cfg.id < in->servers[next].cfg.id))
				next = (int)i;
		if (next < 0)
			return;
		server_row(b, &in->servers[next], in->now_ms);
		last = in->servers[next].cfg.id;
	}
}

/* "10.0.0.2:0" for a type-1 (IPv4 receiver) distinguisher, else 16 hex digits. */
static void
rd_str(const uint8_t d[8], char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	if (d[0] == 0 && d[1] == 1) {
		inet_ntop(AF_INET, d + 2, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, (unsigned)(d[6] << 8 | d[7]));
		return;
	}
	snprintf(buf, len, "%02x%02x%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4],
		 d[5], d[6], d[7]);
}

/* Server ids, ascending, of the configured servers in mask (cfg indexes). */
static void
ids_of_cfg(const struct cfg *c, uint64_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < c->nservers && at < len; i++)
		if (mask & (1ull << i))
			at += (size_t)snprintf(buf + at, len - at, "%s%u", at ? " " : "",
					       c->servers[i].id);
}

/* Ids of the stations that are up and whose slot is in slots. */
static void
ids_of_slots(const struct state_inputs *in, uint64_t slots, char *buf, size_t len)
{
	uint32_t ids[CFG_MAX_SERVERS * 2];
	unsigned n = 0;
	size_t at = 0;

	for (unsigned i = 0; i < in->nservers; i++) {
		const struct station_info *si = &in->servers[i];
		if (si->state == SERVER_UP && !si->closing && (slots & (1ull << si->slot)) &&
		    n < sizeof(ids) / sizeof(ids[0]))
			ids[n++] = si->cfg.id;
	}
	/* stations come in ascending id, closing ones last: sort to be sure */
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && ids[k - 1] > ids[k]; k--) {
			uint32_t t = ids[k];
			ids[k] = ids[k - 1];
			ids[k - 1] = t;
		}
	buf[0] = '\0';
	for (unsigned i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%u", at ? " " : "", ids[i]);
}

static void
neighbor_row(struct builder *b, const struct state_inputs *in, const struct enc_peer_info *p)
{
	struct cfg_addr a = { .family = p->family }, r = { .family = p->family };
	char ip[64], rd[40], list[CFG_MAX_SERVERS * 6 + 8];
	uint8_t id[4] = { p->bgp_id >> 24, p->bgp_id >> 16, p->bgp_id >> 8, p->bgp_id };

	memcpy(a.b, p->addr, sizeof(a.b));
	memcpy(r.b, p->receiver, sizeof(r.b));
	rd_str(p->distinguisher, rd, sizeof(rd));
	row(b, STATE_T_NEIGHBOR, "%s|%s", cfg_addr_str(&a, ip, sizeof(ip)), rd);
	field(b, "receiver", "%s", cfg_addr_str(&r, ip, sizeof(ip)));
	field(b, "as", "%u", p->as);
	field(b, "bgp_id", "%s", inet_ntop(AF_INET, id, ip, sizeof(ip)) ? ip : "");
	ids_of_cfg(in->cfg, cfg_servers_for_peer(in->cfg, &a), list, sizeof(list));
	field(b, "cfg_servers", "%s", list);
	ids_of_slots(in, p->slots, list, sizeof(list));
	field(b, "act_servers", "%s", list);
	field_u64(b, "rm_sent", p->rm_sent);
	/* position in the running initial refresh (0: not queued); there is no
	 * per-neighbor message queue (replays go in slices): no msgq field */
	field_u64(b, "priq", in->refresh ? refresh_queue_position(in->refresh, p->queue, p->slot)
					 : 0);
	field_u64(b, "up_since", p->up_ts_us / 1000000u);
}

static void
on_counter(void *arg, const char *scope, const char *name, uint64_t value)
{
	struct builder *b = arg;

	if (!b->in_scope || strcmp(b->scope, scope) != 0) {
		snprintf(b->scope, sizeof(b->scope), "%s", scope);
		b->in_scope = true;
		row(b, STATE_T_COUNTERS, "%s", scope);
	}
	field_u64(b, name, value);
}

struct state_snap *
state_build(const struct state_inputs *in)
{
	struct builder b = { 0 };

	global_row(&b, in);
	server_rows(&b, in);
	for (unsigned i = 0; in->peers && i < in->peers->n; i++)
		neighbor_row(&b, in, &in->peers->peer[i]);
	if (in->counters) {
		struct counter_visitor v = { on_counter, &b };
		in->counters(in->counters_arg, &v);
	}
	return finish(&b, in->now_ms);
}

/* ---- sharing and reading ---- */

void
state_snap_ref(struct state_snap *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void
state_snap_unref(struct state_snap *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(s->text);
	free(s->rows_mem);
	free(s->fields_mem);
	free(s);
}

const struct state_row *
state_find(const struct state_snap *s, const char *table, const char *key)
{
	for (unsigned i = 0; s && i < s->n; i++)
		if (strcmp(s->rows[i].table, table) == 0 && strcmp(s->rows[i].key, key) == 0)
			return &s->rows[i];
	return NULL;
}

const char *
state_get(const struct state_row *r, const char *name)
{
	for (unsigned i = 0; r && i < r->n; i++)
		if (strcmp(r->f[i].name, name) == 0)
			return r->f[i].value;
	return NULL;
}

const char *
state_refresh_str(const struct refresh *r, uint64_t now_ms, char *buf, size_t len)
{
	struct refresh_state rs = { 0 };
	if (r)
		refresh_state(r, now_ms, &rs);
	int n = rs.in_progress ? snprintf(buf, len, "BMP Refresh in progress (peer %u of %u)",
					 rs.peer < rs.peers ? rs.peer + 1 : rs.peers, rs.peers)
			       : snprintf(buf, len, "BMP Refresh not in progress");
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, rs.scheduled ? ", refresh scheduled in %lus"
							: ", refresh not scheduled",
			 (unsigned long)((rs.starts_in_ms + 999) / 1000));
	return buf;
}
