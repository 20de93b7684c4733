/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration model to and from Redis hashes (schema in rcfg.h): the
 * hashes, configuration to hashes, the rules across hashes and
 * rcfg_to_cfg(). The conversion of each hash to configuration is
 * rcfg_fields.c; the Redis exchanges themselves are rcfg_redis.c.
 *
 * Hashes to configuration is as strict as the vendor syntax: every value
 * must be one the text form could have said, so that a configuration read
 * from Redis prints (cfg_write) and reads back the same. Every error names
 * the key and the field.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control/cfg_model.h"
#include "control/rcfg.h"
#include "control/rcfg_priv.h"

/* ---- hashes ---- */

void
rcfg_hashes_free(struct rcfg_hashes *hs)
{
	for (unsigned i = 0; i < hs->n; i++)
		free(hs->h[i].f);
	free(hs->h);
	hs->h = NULL;
	hs->n = 0;
}

/* Arrays grow at powers of two: the capacity is implied by the count. */
static void *
grow(void *p, unsigned n, size_t size)
{
	if (n && (n & (n - 1)))
		return p;
	return realloc(p, (n ? 2 * (size_t)n : 4) * size);
}

const char *
rcfg_key(char *buf, size_t len, const char *ns, const char *table, const char *key)
{
	snprintf(buf, len, "%s:%s|%s", ns, table, key);
	return buf;
}

struct rcfg_hash *
rcfg_hash_new(struct rcfg_hashes *hs, const char *ns, const char *table, const char *key)
{
	struct rcfg_hash *h = grow(hs->h, hs->n, sizeof(*h));

	if (!h)
		return NULL;
	hs->h = h;
	h = &hs->h[hs->n++];
	memset(h, 0, sizeof(*h));
	rcfg_key(h->key, sizeof(h->key), ns, table, key);
	return h;
}

int
rcfg_hash_put(struct rcfg_hash *h, const char *name, const char *fmt, ...)
{
	struct rcfg_field *f = grow(h->f, h->n, sizeof(*f));
	va_list ap;

	if (!f)
		return -ENOMEM;
	h->f = f;
	f = &h->f[h->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(f->value, sizeof(f->value), fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- configuration to hashes: non-default fields only ---- */

static int
put_globals(const struct cfg *c, const char *ns, struct rcfg_hashes *out)
{
	struct rcfg_hash *h;
	int rc = 0;

	if (!c->router_as && c->buffer_mb == CFG_DEF_BUFFER_MB && !c->activate_all &&
	    c->refresh == CFG_REFRESH_DELAY && c->refresh_delay == CFG_DEF_REFRESH_DELAY)
		return 0;
	h = rcfg_hash_new(out, ns, T_GLOBAL, GLOBAL_KEY);
	if (!h)
		return -ENOMEM;
	if (c->router_as)
		rc |= rcfg_hash_put(h, "router_as", "%u", c->router_as);
	if (c->buffer_mb != CFG_DEF_BUFFER_MB)
		rc |= rcfg_hash_put(h, "buffer_size_mb", "%u", c->buffer_mb);
	if (c->refresh == CFG_REFRESH_SKIP)
		rc |= rcfg_hash_put(h, "initial_refresh", "skip");
	else if (c->refresh_delay != CFG_DEF_REFRESH_DELAY)
		rc |= rcfg_hash_put(h, "initial_refresh_delay", "%u", c->refresh_delay);
	if (c->activate_all)
		rc |= rcfg_hash_put(h, "activate_all", "true");
	return rc;
}

static int
put_cisco(struct rcfg_hash *h, const struct cfg_server *s)
{
	int rc = 0;

	if (s->activate)
		rc |= rcfg_hash_put(h, "activate", "true");
	if (*s->description)
		rc |= rcfg_hash_put(h, "description", "%s", s->description);
	if (*s->update_source)
		rc |= rcfg_hash_put(h, "update_source", "%s", s->update_source);
	if (s->initial_delay != CFG_DEF_INITIAL_DELAY)
		rc |= rcfg_hash_put(h, "initial_delay", "%u", s->initial_delay);
	if (s->failure_retry_delay != CFG_DEF_FAILURE_RETRY_DELAY)
		rc |= rcfg_hash_put(h, "failure_retry_delay", "%u", s->failure_retry_delay);
	if (s->flapping_delay != CFG_DEF_FLAPPING_DELAY)
		rc |= rcfg_hash_put(h, "flapping_delay", "%u", s->flapping_delay);
	if (s->dscp >= 0)
		rc |= rcfg_hash_put(h, "dscp", "%d", s->dscp);
	return rc;
}

/* `style` is always there: a hash with no field cannot exist in Redis. */
static int
put_server(const struct cfg_server *s, const char *ns, struct rcfg_hashes *out)
{
	char id[16], a[64];
	struct rcfg_hash *h;
	int rc;

	snprintf(id, sizeof(id), "%u", s->id);
	h = rcfg_hash_new(out, ns, T_SERVER, id);
	if (!h)
		return -ENOMEM;
	rc = rcfg_hash_put(h, "style", s->huawei ? "huawei" : "cisco");
	if (s->addr.family)
		rc |= rcfg_hash_put(h, "address", "%s", cfg_addr_str(&s->addr, a, sizeof(a)));
	if (s->port)
		rc |= rcfg_hash_put(h, "port", "%u", s->port);
	if (*s->vpn)
		rc |= rcfg_hash_put(h, "vpn_instance", "%s", s->vpn);
	if (*s->alias)
		rc |= rcfg_hash_put(h, "alias", "%s", s->alias);
	if (s->stats_period != CFG_DEF_STATS_PERIOD)
		rc |= rcfg_hash_put(h, "stats_reporting_period", "%u", s->stats_period);
	if (s->monitor_all)
		rc |= rcfg_hash_put(h, "monitor_all", "true");
	return rc | (s->huawei ? 0 : put_cisco(h, s));
}

static int
put_neighbor(const struct cfg_neighbor *n, const char *ns, struct rcfg_hashes *out)
{
	char a[64], v[CFG_MAX_SERVERS * 6 + 8];
	size_t at = 0;
	struct rcfg_hash *h;

	v[0] = '\0';
	if (n->all)
		at += (size_t)snprintf(v, sizeof(v), "all");
	for (unsigned i = 0; i < n->nservers && at < sizeof(v); i++)
		at += (size_t)snprintf(v + at, sizeof(v) - at, "%s%u", at ? " " : "",
				       n->servers[i]);
	h = rcfg_hash_new(out, ns, T_NEIGHBOR, cfg_addr_str(&n->addr, a, sizeof(a)));
	return h ? rcfg_hash_put(h, "activate", "%s", v) : -ENOMEM;
}

int
rcfg_from_cfg(const struct cfg *c, const char *ns, struct rcfg_hashes *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = put_globals(c, ns, out);
	for (unsigned i = 0; !rc && i < c->nservers; i++)
		rc = put_server(&c->servers[i], ns, out);
	for (unsigned i = 0; !rc && i < c->nneighbors; i++)
		rc = put_neighbor(&c->neighbors[i], ns, out);
	if (rc) {
		rcfg_hashes_free(out);
		return -ENOMEM;
	}
	return 0;
}

/* ---- rules across hashes, each naming a key and a field ---- */

static const struct rcfg_hash *
server_hash(const struct conv *cv, uint32_t id, const struct rcfg_hashes *hs)
{
	char want[sizeof(hs->h[0].key)], sid[16];

	snprintf(sid, sizeof(sid), "%u", id);
	rcfg_key(want, sizeof(want), cv->ns, T_SERVER, sid);
	for (unsigned i = 0; i < hs->n; i++)
		if (strcmp(hs->h[i].key, want) == 0)
			return &hs->h[i];
	return NULL;
}

/* Huawei: active once it has a port; a given `activate` must agree. */
static int
check_server(struct conv *cv, struct cfg_server *s)
{
	const struct rcfg_field *act = rcfg_field_get(cv->h, "activate");

	if (s->huawei) {
		if (act && s->activate != (s->port != 0))
			return FERR(cv, act, "a huawei session is active exactly when it has a "
				    "port");
		s->activate = s->port != 0;
		if (!s->addr.family)
			return rcfg_err(cv, cv->h->key, "address", "address: missing (a huawei "
				    "session is known by its address)");
		return 0;
	}
	if (!s->addr.family != !s->port)
		return rcfg_err(cv, cv->h->key, s->port ? "address" : "port", "%s: missing (a cisco "
			    "server has both address and port, or neither)",
			    s->port ? "address" : "port");
	if (s->activate && !s->port)
		return FERR(cv, act, "the server has no address and port");
	return 0;
}

static bool
same_transport(const struct cfg_server *a, const struct cfg_server *b)
{
	return a->port && a->port == b->port && a->addr.family == b->addr.family &&
	       memcmp(a->addr.b, b->addr.b, 16) == 0 && strcmp(a->vpn, b->vpn) == 0;
}

static int
check_pair(struct conv *cv, const struct cfg_server *a, const struct cfg_server *b)
{
	if (same_transport(a, b))
		return rcfg_err(cv, cv->h->key, "address", "address: server %u connects to the same "
			    "address, port and vpn_instance", a->id);
	if (a->huawei && b->huawei && a->addr.family == b->addr.family &&
	    memcmp(a->addr.b, b->addr.b, 16) == 0 && strcmp(a->vpn, b->vpn) == 0 &&
	    strcmp(a->alias, b->alias) == 0)
		return rcfg_err(cv, cv->h->key, "alias", "alias: session %u has the same address "
			    "and vpn_instance: give each its own alias", a->id);
	return 0;
}

static int
check_servers(struct conv *cv, const struct rcfg_hashes *hs)
{
	unsigned hw = 0;

	for (unsigned i = 0; i < cv->c->nservers; i++) {
		struct cfg_server *s = &cv->c->servers[i];
		cv->h = server_hash(cv, s->id, hs);
		if (!cv->h)
			return -EINVAL;     /* cannot be: ids are read from keys */
		if (s->huawei && s->id != CFG_HUAWEI_ID_BASE + hw++)
			return rcfg_err(cv, cv->h->key, NULL, ": huawei sessions are numbered %u, %u, "
				    "... without holes: expected %u", CFG_HUAWEI_ID_BASE,
				    CFG_HUAWEI_ID_BASE + 1, CFG_HUAWEI_ID_BASE + hw - 1);
		if (check_server(cv, s))
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (check_pair(cv, &cv->c->servers[j], s))
				return -EINVAL;
	}
	return 0;
}

static int
addr_cmp(const void *x, const void *y)
{
	const struct cfg_neighbor *a = x, *b = y;

	return cfgm_addr_cmp(&a->addr, &b->addr);
}

static int
check_neighbors(struct conv *cv)
{
	struct cfg *c = cv->c;
	char a[64], k[sizeof(cv->h->key)];

	if (c->nneighbors)
		qsort(c->neighbors, c->nneighbors, sizeof(c->neighbors[0]), addr_cmp);
	for (unsigned i = 0; i < c->nneighbors; i++) {
		const struct cfg_neighbor *n = &c->neighbors[i];
		rcfg_key(k, sizeof(k), cv->ns, T_NEIGHBOR, cfg_addr_str(&n->addr, a, sizeof(a)));
		if (i && addr_cmp(n, n - 1) == 0)
			return rcfg_err(cv, k, NULL, ": the same address is given under two keys");
		for (unsigned j = 0; j < n->nservers; j++)
			if (!cfg_server_find(c, n->servers[j]))
				return rcfg_err(cv, k, "activate", "activate: server %u is not "
					    "configured (no %s:%s|%u)", n->servers[j], cv->ns,
					    T_SERVER, n->servers[j]);
	}
	return 0;
}

int
rcfg_to_cfg(const struct rcfg_hashes *hs, const char *ns, struct cfg *out,
	    struct cfg_error *err)
{
	struct conv cv = { .ns = ns, .c = out, .err = err };
	struct cfg_error verr;
	int rc = 0;

	cfg_init(out);
	for (unsigned i = 0; !rc && i < hs->n; i++) {
		cv.h = &hs->h[i];
		rc = rcfg_conv_hash(&cv);
	}
	if (!rc)
		rc = check_servers(&cv, hs);
	if (!rc)
		rc = check_neighbors(&cv);
	if (!rc && cfg_validate(out, &verr) != 0)
		rc = rcfg_err(&cv, ns, verr.word, ": configuration: %s", verr.msg);
	if (rc) {
		cfg_free(out);
		cfg_init(out);
		return -EINVAL;
	}
	if (err)
		memset(err, 0, sizeof(*err));
	return 0;
}

bool
rcfg_ns_valid(const char *ns)
{
	size_t n = strlen(ns);

	if (n < 1 || n >= RCFG_NS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    ns[i]))
			return false;
	return true;
}

