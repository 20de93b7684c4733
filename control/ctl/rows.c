/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * State hashes as read from Redis (rcfg.h's state tables) into typed rows
 * for the formatters. Nothing here trusts bmptapd's strings: a number that
 * does not parse is CTL_NONE (shown "-", JSON null), never a guess, and
 * unknown fields are ignored so that a newer daemon does not break an
 * older CLI.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl/ctl.h"

static const char *
hget(const struct rcfg_hash *h, const char *name)
{
	if (!h)
		return NULL;
	for (unsigned i = 0; i < h->n; i++)
		if (strcmp(h->f[i].name, name) == 0)
			return h->f[i].value;
	return NULL;
}

/* Decimal digits only, no sign, no overflow; otherwise CTL_NONE. */
static uint64_t
parse_u64(const char *s)
{
	uint64_t v = 0;

	if (!s || !*s)
		return CTL_NONE;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > 9 || v > (CTL_NONE - 1 - d) / 10)
			return CTL_NONE;
		v = v * 10 + d;
	}
	return v;
}

static uint64_t
hnum(const struct rcfg_hash *h, const char *name)
{
	return parse_u64(hget(h, name));
}

static void
hstr(const struct rcfg_hash *h, const char *name, char *out, size_t len)
{
	const char *v = hget(h, name);
	/* Fields longer than the column are cut, on purpose (display only). */
	size_t n = v ? strnlen(v, len - 1) : 0;

	memcpy(out, v ? v : "", n);
	out[n] = '\0';
}

/* "1 2" (or "1,2"): ascending server ids; anything else is skipped. */
static void
parse_ids(const char *s, struct ctl_ids *ids)
{
	char tok[16];

	ids->n = 0;
	while (s && *s && ids->n < CFG_MAX_SERVERS) {
		size_t len = strcspn(s, " ,");
		if (len && len < sizeof(tok)) {
			memcpy(tok, s, len);
			tok[len] = '\0';
			uint64_t v = parse_u64(tok);
			if (v != CTL_NONE && v > 0 && v <= UINT32_MAX)
				ids->id[ids->n++] = (uint32_t)v;
		}
		s += len;
		s += strspn(s, " ,");
	}
}

void
ctl_global_from_hash(struct ctl_global *g, const struct rcfg_hash *h)
{
	memset(g, 0, sizeof(*g));
	g->present = h != NULL;
	g->config_version = hnum(h, "config_version");
	hstr(h, "config_status", g->config_status, sizeof(g->config_status));
	hstr(h, "config_error", g->config_error, sizeof(g->config_error));
	hstr(h, "refresh_state", g->refresh_state, sizeof(g->refresh_state));
	g->buffer_used = hnum(h, "buffer_used_bytes");
	g->buffer_limit = hnum(h, "buffer_limit_bytes");
	g->servers_configured = hnum(h, "servers_configured");
	g->neighbors_configured = hnum(h, "neighbors_configured");
	g->neighbors_up = hnum(h, "neighbors_up");
	g->uptime_s = hnum(h, "uptime_s");
	g->redis_reconnects = hnum(h, "redis_reconnects");
	hstr(h, "debug", g->debug, sizeof(g->debug));
}

void
ctl_server_from_hash(struct ctl_server *s, uint32_t id, const struct rcfg_hash *h)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->present = h != NULL;
	hstr(h, "status", s->status, sizeof(s->status));
	hstr(h, "tcb", s->tcb, sizeof(s->tcb));
	hstr(h, "local", s->local, sizeof(s->local));
	hstr(h, "last_error", s->last_error, sizeof(s->last_error));
	s->uptime_s = hnum(h, "uptime_s");
	s->msgs_sent = hnum(h, "msgs_sent");
	s->bytes_sent = hnum(h, "bytes_sent");
	s->msgs_queued = hnum(h, "msgs_queued");
	s->bytes_queued = hnum(h, "bytes_queued");
	s->last_stats_s = hnum(h, "last_stats_s");
	s->attempts = hnum(h, "attempts");
	s->connects = hnum(h, "connects");
	s->failures = hnum(h, "failures");
	s->flap_waits = hnum(h, "flap_waits");
	s->buffer_drops = hnum(h, "buffer_drops");
}

void
ctl_state_init(struct ctl_state *st)
{
	memset(st, 0, sizeof(*st));
}

void
ctl_state_free(struct ctl_state *st)
{
	free(st->neighbors);
	ctl_state_init(st);
}

static struct ctl_neighbor *
neighbor_append(struct ctl_state *st)
{
	struct ctl_neighbor *n = realloc(st->neighbors, (st->nneighbors + 1) * sizeof(*n));

	if (!n)
		return NULL;
	st->neighbors = n;
	n += st->nneighbors++;
	memset(n, 0, sizeof(*n));
	return n;
}

static void
addr_parse(const char *s, struct cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, s, a->b) == 1)
		a->family = 6;
}

/* "NS:BMP_NEIGHBOR_STATE|<address>|<distinguisher>": the namespace holds no '|'. */
static int
split_key(const char *key, struct ctl_neighbor *n)
{
	const char *a = strchr(key, '|'), *d;

	if (!a)
		return -EINVAL;
	a++;
	d = strchr(a, '|');
	if (!d || d == a || (size_t)(d - a) >= sizeof(n->address))
		return -EINVAL;
	memcpy(n->address, a, (size_t)(d - a));
	n->address[d - a] = '\0';
	snprintf(n->distinguisher, sizeof(n->distinguisher), "%s", d + 1);
	addr_parse(n->address, &n->addr);
	return 0;
}

int
ctl_state_add_neighbor(struct ctl_state *st, const struct rcfg_hash *h)
{
	struct ctl_neighbor tmp, *n;

	memset(&tmp, 0, sizeof(tmp));
	if (split_key(h->key, &tmp))
		return -EINVAL;
	n = neighbor_append(st);
	if (!n)
		return -ENOMEM;
	*n = tmp;
	n->seen = true;
	hstr(h, "receiver", n->receiver, sizeof(n->receiver));
	hstr(h, "bgp_id", n->bgp_id, sizeof(n->bgp_id));
	n->as = hnum(h, "as");
	parse_ids(hget(h, "cfg_servers"), &n->cfg_servers);
	parse_ids(hget(h, "act_servers"), &n->act_servers);
	n->rm_sent = hnum(h, "rm_sent");
	n->priq = hnum(h, "priq");
	n->msgq = hnum(h, "msgq");
	n->up_since = hnum(h, "up_since");
	return 0;
}

static bool
addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, a->family == 4 ? 4 : 16) == 0;
}

static bool
seen(const struct ctl_state *st, const struct cfg_addr *a)
{
	for (unsigned i = 0; i < st->nneighbors; i++)
		if (st->neighbors[i].seen && addr_eq(&st->neighbors[i].addr, a))
			return true;
	return false;
}

/* A configured neighbor the tap has not seen: its configured servers only. */
static int
add_configured(struct ctl_state *st, const struct cfg *c, const struct cfg_neighbor *cn)
{
	struct ctl_neighbor *n = neighbor_append(st);
	uint64_t mask = cfg_servers_for_peer(c, &cn->addr);

	if (!n)
		return -ENOMEM;
	n->addr = cn->addr;
	cfg_addr_str(&cn->addr, n->address, sizeof(n->address));
	for (unsigned i = 0; i < c->nservers && i < 64; i++)
		if (mask & (UINT64_C(1) << i))
			n->cfg_servers.id[n->cfg_servers.n++] = c->servers[i].id;
	n->as = n->rm_sent = n->priq = n->msgq = n->up_since = CTL_NONE;
	return 0;
}

static int
neighbor_cmp(const void *pa, const void *pb)
{
	const struct ctl_neighbor *a = pa, *b = pb;
	int r;

	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	r = memcmp(a->addr.b, b->addr.b, sizeof(a->addr.b));
	if (r == 0)
		r = strcmp(a->address, b->address);
	if (r == 0 && a->seen != b->seen)
		r = a->seen ? -1 : 1;
	return r ? r : strcmp(a->distinguisher, b->distinguisher);
}

int
ctl_state_finish(struct ctl_state *st, const struct cfg *c)
{
	for (unsigned i = 0; i < c->nneighbors; i++)
		if (!seen(st, &c->neighbors[i].addr) && add_configured(st, c, &c->neighbors[i]))
			return -ENOMEM;
	if (st->nneighbors > 1)
		qsort(st->neighbors, st->nneighbors, sizeof(*st->neighbors), neighbor_cmp);
	return 0;
}

void
ctl_state_totals(const struct ctl_state *st, struct ctl_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < st->nneighbors; i++) {
		const struct ctl_neighbor *n = &st->neighbors[i];
		t->seen += n->seen;
		t->refresh += n->seen && n->priq != CTL_NONE && n->priq > 0;
	}
	for (unsigned i = 0; i < st->nservers; i++) {
		uint64_t q = st->servers[i].msgs_queued;
		t->servers_queued += q != CTL_NONE && q > 0;
		t->msgs_queued += q != CTL_NONE ? q : 0;
	}
}
