/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration model to and from Redis hashes (schema in rcfg.h);
 * the Redis exchanges themselves are rcfg_redis.c.
 *
 * Hashes to configuration is as strict as the vendor syntax: every value
 * must be one the text form could have said, so that a configuration read
 * from Redis prints (cfg_write) and reads back the same. Every error names
 * the key and the field.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control/rcfg.h"
#include "control/rcfg_priv.h"

#define T_GLOBAL "BMP_GLOBAL"
#define T_SERVER "BMP_SERVER"
#define T_NEIGHBOR "BMP_NEIGHBOR"
#define GLOBAL_KEY "global"
#define CISCO 1u
#define HUAWEI 2u
#define BOTH (CISCO | HUAWEI)

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

/* ---- hashes to configuration ---- */

struct conv {
	const char *ns;
	struct cfg *c;
	struct cfg_error *err;
	const struct rcfg_hash *h;      /* the hash being read */
	unsigned ncap;                  /* capacity of c->neighbors */
};

static int __attribute__((format(printf, 4, 5)))
cerr(struct conv *cv, const char *key, const char *word, const char *fmt, ...)
{
	struct cfg_error *e = cv->err;
	va_list ap;
	int n;

	if (!e)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	snprintf(e->word, sizeof(e->word), "%s", word ? word : "");
	n = snprintf(e->msg, sizeof(e->msg), "%s%s", key, *fmt == ':' ? "" : " ");
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "KEY field 'value': why" */
#define FERR(cv, f, fmt, ...) \
	cerr(cv, (cv)->h->key, (f)->name, "%s '%.64s': " fmt, (f)->name, (f)->value, ##__VA_ARGS__)

bool
rcfg_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v, bool *range)
{
	uint64_t x = 0;
	size_t i;

	*range = false;
	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 12; i++)
		x = x * 10 + (uint64_t)(s[i] - '0');
	if (i == 0 || s[i])
		return false;
	*range = true;
	if (x < lo || x > hi)
		return false;
	*v = (uint32_t)x;
	return true;
}

static int
field_u32(struct conv *cv, const struct rcfg_field *f, uint32_t lo, uint32_t hi, uint32_t *v)
{
	bool range;

	if (rcfg_parse_u32(f->value, lo, hi, v, &range))
		return 0;
	return range ? FERR(cv, f, "out of range %u-%u", lo, hi)
		     : FERR(cv, f, "not a number (%u-%u)", lo, hi);
}

static int
field_bool(struct conv *cv, const struct rcfg_field *f, bool *v)
{
	if (strcmp(f->value, "true") == 0 || strcmp(f->value, "false") == 0) {
		*v = f->value[0] == 't';
		return 0;
	}
	return FERR(cv, f, "expected true or false");
}

static bool
parse_addr(const char *s, struct cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, s, a->b) == 1)
		a->family = 6;
	return a->family != 0;
}

static bool
addr_unicast(const struct cfg_addr *a)
{
	static const uint8_t zero[16];

	if (memcmp(a->b, zero, a->family == 4 ? 4 : 16) == 0)
		return false;
	return a->family == 4 ? (a->b[0] & 0xf0) != 0xe0 : a->b[0] != 0xff;
}

static bool
addr_link_local(const struct cfg_addr *a)
{
	return (a->family == 4 && a->b[0] == 169 && a->b[1] == 254) ||
	       (a->family == 6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80);
}

static int
field_station(struct conv *cv, const struct rcfg_field *f, struct cfg_addr *a)
{
	if (!parse_addr(f->value, a))
		return FERR(cv, f, "not an IPv4 or IPv6 address");
	if (!addr_unicast(a))
		return FERR(cv, f, "not a unicast address");
	if (addr_link_local(a))
		return FERR(cv, f, "link-local address refused (a station cannot be reached "
			    "by a link-local address)");
	return 0;
}

/*
 * Names as the vendor syntax takes them: 1-31 printable characters, no
 * double quote; spaces only where the text form can quote them. Empty:
 * unset.
 */
static int
field_name(struct conv *cv, const struct rcfg_field *f, bool spaces, char out[CFG_NAME_MAX])
{
	size_t len = strlen(f->value);

	if (len > CFG_NAME_MAX - 1)
		return FERR(cv, f, "%zu characters, allowed 1-%u", len, CFG_NAME_MAX - 1);
	for (size_t k = 0; k < len; k++) {
		unsigned char ch = (unsigned char)f->value[k];
		if (ch == '"' || ch < 0x20 || ch > 0x7e || (ch == ' ' && !spaces))
			return FERR(cv, f, "character 0x%02x not allowed", ch);
	}
	if (len && (f->value[0] == ' ' || f->value[len - 1] == ' '))
		return FERR(cv, f, "leading or trailing space");
	memcpy(out, f->value, len + 1);
	return 0;
}

static int
field_descr(struct conv *cv, const struct rcfg_field *f, char out[CFG_DESCR_MAX])
{
	size_t len = strlen(f->value);

	if (len > CFG_DESCR_MAX - 1)
		return FERR(cv, f, "%zu characters, at most %u", len, CFG_DESCR_MAX - 1);
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)f->value[k] < 0x20 || f->value[k] == 0x7f)
			return FERR(cv, f, "control character 0x%02x not allowed",
				    (unsigned char)f->value[k]);
	if (len && (f->value[0] == ' ' || f->value[len - 1] == ' '))
		return FERR(cv, f, "leading or trailing space");
	memcpy(out, f->value, len + 1);
	return 0;
}

/* ---- one field of a server or of the globals ---- */

enum ftype { F_STYLE, F_ACTIVATE, F_BOOL, F_U32, F_PORT, F_ADDR, F_DESCR, F_VPN, F_ALIAS,
	     F_IFNAME, F_DSCP, F_REFRESH };

struct fdef {
	const char *name;
	enum ftype type;
	unsigned styles;                /* CISCO, HUAWEI (servers) */
	size_t off;
	uint32_t lo, hi;
};

#define SRV(n, t, st, fld, l, h) { n, t, st, offsetof(struct cfg_server, fld), l, h }
#define GLB(n, t, fld, l, h) { n, t, BOTH, offsetof(struct cfg, fld), l, h }

static const struct fdef server_fields[] = {
	SRV("style", F_STYLE, BOTH, id, 0, 0),
	SRV("activate", F_ACTIVATE, BOTH, activate, 0, 0),
	SRV("address", F_ADDR, BOTH, addr, 0, 0),
	SRV("port", F_PORT, BOTH, port, 1, 65535),
	SRV("description", F_DESCR, CISCO, description, 0, 0),
	SRV("alias", F_ALIAS, HUAWEI, alias, 0, 0),
	SRV("vpn_instance", F_VPN, BOTH, vpn, 0, 0),
	SRV("update_source", F_IFNAME, CISCO, update_source, 0, 0),
	SRV("initial_delay", F_U32, CISCO, initial_delay, 0, CFG_DELAY_MAX),
	SRV("failure_retry_delay", F_U32, CISCO, failure_retry_delay, 1, CFG_DELAY_MAX),
	SRV("flapping_delay", F_U32, CISCO, flapping_delay, 1, CFG_DELAY_MAX),
	SRV("dscp", F_DSCP, CISCO, dscp, 0, 63),
	SRV("stats_reporting_period", F_U32, BOTH, stats_period, 0, CFG_DELAY_MAX),
	SRV("monitor_all", F_BOOL, HUAWEI, monitor_all, 0, 0),
};

static const struct fdef global_fields[] = {
	GLB("router_as", F_U32, router_as, 1, UINT32_MAX),
	GLB("buffer_size_mb", F_U32, buffer_mb, CFG_BUFFER_MB_MIN, CFG_BUFFER_MB_MAX),
	GLB("initial_refresh", F_REFRESH, refresh, 0, 0),
	GLB("initial_refresh_delay", F_U32, refresh_delay, 1, CFG_DELAY_MAX),
	GLB("activate_all", F_BOOL, activate_all, 0, 0),
};

static int
field_refresh(struct conv *cv, const struct rcfg_field *f, enum cfg_refresh_mode *m)
{
	if (strcmp(f->value, "delay") == 0)
		*m = CFG_REFRESH_DELAY;
	else if (strcmp(f->value, "skip") == 0)
		*m = CFG_REFRESH_SKIP;
	else
		return FERR(cv, f, "expected delay or skip");
	return 0;
}

static int
field_port(struct conv *cv, const struct rcfg_field *f, const struct fdef *d, uint16_t *port)
{
	uint32_t v;
	int rc = field_u32(cv, f, d->lo, d->hi, &v);

	if (!rc)
		*port = (uint16_t)v;
	return rc;
}

static int
field_dscp(struct conv *cv, const struct rcfg_field *f, const struct fdef *d, int16_t *dscp)
{
	uint32_t v;
	int rc = field_u32(cv, f, d->lo, d->hi, &v);

	if (!rc)
		*dscp = (int16_t)v;
	return rc;
}

static int
field_vpn(struct conv *cv, const struct rcfg_field *f, char out[CFG_NAME_MAX])
{
	if (strcmp(f->value, "_public_") == 0)
		return FERR(cv, f, "the public network has no vpn-instance (name reserved)");
	return field_name(cv, f, true, out);
}

static int
set_field(struct conv *cv, const struct rcfg_field *f, const struct fdef *d, char *base)
{
	void *p = base + d->off;

	switch (d->type) {
	case F_STYLE:
		return 0;               /* read first, see server_style() */
	case F_ACTIVATE:
	case F_BOOL:
		return field_bool(cv, f, p);
	case F_U32:
		return field_u32(cv, f, d->lo, d->hi, p);
	case F_PORT:
		return field_port(cv, f, d, p);
	case F_ADDR:
		return field_station(cv, f, p);
	case F_DESCR:
		return field_descr(cv, f, p);
	case F_VPN:
		return field_vpn(cv, f, p);
	case F_ALIAS:
		return field_name(cv, f, true, p);
	case F_IFNAME:
		return field_name(cv, f, false, p);
	case F_DSCP:
		return field_dscp(cv, f, d, p);
	case F_REFRESH:
		return field_refresh(cv, f, p);
	}
	return -EINVAL;
}

static const struct fdef *
fdef_find(const struct fdef *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* Every field once, known, of the right style, with a valid value. */
static int
set_fields(struct conv *cv, const struct fdef *t, size_t nt, unsigned style, char *base)
{
	const struct rcfg_hash *h = cv->h;

	for (unsigned i = 0; i < h->n; i++) {
		const struct rcfg_field *f = &h->f[i];
		const struct fdef *d = fdef_find(t, nt, f->name);
		if (!d)
			return cerr(cv, h->key, f->name, "%s: unknown field", f->name);
		for (unsigned k = 0; k < i; k++)
			if (strcmp(h->f[k].name, f->name) == 0)
				return cerr(cv, h->key, f->name, "%s: given twice", f->name);
		if (!(d->styles & style))
			return cerr(cv, h->key, f->name, "%s: not a field of a %s server",
				    f->name, style == HUAWEI ? "huawei" : "cisco");
		if (set_field(cv, f, d, base))
			return -EINVAL;
	}
	return 0;
}

static const struct rcfg_field *
field_get(const struct rcfg_hash *h, const char *name)
{
	for (unsigned i = 0; i < h->n; i++)
		if (strcmp(h->f[i].name, name) == 0)
			return &h->f[i];
	return NULL;
}

/* ---- the tables ---- */

static int
conv_global(struct conv *cv, const char *key)
{
	if (strcmp(key, GLOBAL_KEY) != 0)
		return cerr(cv, cv->h->key, key, ": the only key of %s is '%s'", T_GLOBAL,
			    GLOBAL_KEY);
	return set_fields(cv, global_fields, sizeof(global_fields) / sizeof(global_fields[0]),
			  BOTH, (char *)cv->c);
}

/* The style: given, or from the id (Huawei sessions are numbered 1001 on). */
static int
server_style(struct conv *cv, uint32_t id, unsigned *style)
{
	const struct rcfg_field *f = field_get(cv->h, "style");
	unsigned by_id = id >= CFG_HUAWEI_ID_BASE ? HUAWEI : CISCO;

	*style = by_id;
	if (!f)
		return 0;
	if (strcmp(f->value, "cisco") != 0 && strcmp(f->value, "huawei") != 0)
		return FERR(cv, f, "expected cisco or huawei");
	if ((f->value[0] == 'h') != (by_id == HUAWEI))
		return FERR(cv, f, "cisco servers are numbered 1-%u, huawei sessions %u-%u",
			    CFG_SERVER_ID_MAX, CFG_HUAWEI_ID_BASE,
			    CFG_HUAWEI_ID_BASE + CFG_MAX_SERVERS - 1);
	return 0;
}

static struct cfg_server *
server_insert(struct cfg *c, uint32_t id)
{
	unsigned i = c->nservers;
	struct cfg_server *s;

	while (i > 0 && c->servers[i - 1].id > id)
		i--;
	memmove(&c->servers[i + 1], &c->servers[i], (c->nservers - i) * sizeof(*s));
	c->nservers++;
	s = &c->servers[i];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->failure_retry_delay = CFG_DEF_FAILURE_RETRY_DELAY;
	s->flapping_delay = CFG_DEF_FLAPPING_DELAY;
	s->initial_delay = CFG_DEF_INITIAL_DELAY;
	s->stats_period = CFG_DEF_STATS_PERIOD;
	s->dscp = -1;
	return s;
}

static int
conv_server(struct conv *cv, const char *key)
{
	uint32_t id;
	bool range;
	unsigned style;
	struct cfg_server *s;

	if (key[0] == '0' || !rcfg_parse_u32(key, CFG_SERVER_ID_MIN, CFG_HUAWEI_ID_BASE +
					CFG_MAX_SERVERS - 1, &id, &range) ||
	    (id > CFG_SERVER_ID_MAX && id < CFG_HUAWEI_ID_BASE))
		return cerr(cv, cv->h->key, key, ": server id '%.32s': expected 1-%u (cisco) or "
			    "%u-%u (huawei)", key, CFG_SERVER_ID_MAX, CFG_HUAWEI_ID_BASE,
			    CFG_HUAWEI_ID_BASE + CFG_MAX_SERVERS - 1);
	if (cfg_server_find(cv->c, id))
		return cerr(cv, cv->h->key, key, ": server %u given twice", id);
	if (cv->c->nservers == CFG_MAX_SERVERS)
		return cerr(cv, cv->h->key, key, ": too many servers (at most %u)",
			    CFG_MAX_SERVERS);
	if (server_style(cv, id, &style))
		return -EINVAL;
	s = server_insert(cv->c, id);
	s->huawei = style == HUAWEI;
	return set_fields(cv, server_fields, sizeof(server_fields) / sizeof(server_fields[0]),
			  style, (char *)s);
}

static bool
ids_add(struct cfg_neighbor *n, uint32_t id)
{
	unsigned i = 0;

	while (i < n->nservers && n->servers[i] < id)
		i++;
	if (i < n->nservers && n->servers[i] == id)
		return true;
	if (n->nservers == CFG_MAX_SERVERS)
		return false;
	memmove(&n->servers[i + 1], &n->servers[i], (n->nservers - i) * sizeof(n->servers[0]));
	n->servers[i] = id;
	n->nservers++;
	return true;
}

/* "all", or server ids; "all" may come with Huawei ids (`monitor peer`). */
static int
neighbor_activate(struct conv *cv, const struct rcfg_field *f, struct cfg_neighbor *n)
{
	char buf[sizeof(f->value)], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", f->value);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		uint32_t id;
		bool range;
		if (strcmp(w, "all") == 0) {
			n->all = true;
			continue;
		}
		if (!rcfg_parse_u32(w, CFG_SERVER_ID_MIN, UINT32_MAX, &id, &range))
			return FERR(cv, f, "'%.16s' is neither all nor a server id", w);
		if (!ids_add(n, id))
			return FERR(cv, f, "more than %u servers", CFG_MAX_SERVERS);
	}
	for (unsigned i = 0; n->all && i < n->nservers; i++)
		if (n->servers[i] < CFG_HUAWEI_ID_BASE)
			return FERR(cv, f, "all already names server %u", n->servers[i]);
	if (!n->all && !n->nservers)
		return FERR(cv, f, "expected all or server ids");
	return 0;
}

static int
neighbor_add(struct conv *cv, const char *key, struct cfg_neighbor **out)
{
	struct cfg *c = cv->c;

	if (c->nneighbors == CFG_MAX_NEIGHBORS)
		return cerr(cv, cv->h->key, key, ": too many neighbors (at most %u)",
			    CFG_MAX_NEIGHBORS);
	if (c->nneighbors == cv->ncap) {
		unsigned cap = cv->ncap ? 2 * cv->ncap : 16;
		struct cfg_neighbor *n = realloc(c->neighbors, cap * sizeof(*n));
		if (!n)
			return cerr(cv, cv->h->key, NULL, ": out of memory");
		c->neighbors = n;
		cv->ncap = cap;
	}
	*out = &c->neighbors[c->nneighbors++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static int
conv_neighbor(struct conv *cv, const char *key)
{
	const struct rcfg_hash *h = cv->h;
	struct cfg_neighbor *n;
	struct cfg_addr a;
	char canon[64];

	if (!parse_addr(key, &a) || !addr_unicast(&a))
		return cerr(cv, h->key, key, ": '%.64s' is not a unicast IPv4 or IPv6 address",
			    key);
	/* one spelling per neighbor, or two keys could name one peer */
	if (strcmp(cfg_addr_str(&a, canon, sizeof(canon)), key) != 0)
		return cerr(cv, h->key, key, ": write the address as %s", canon);
	for (unsigned i = 0; i < h->n; i++)
		if (strcmp(h->f[i].name, "activate") != 0)
			return cerr(cv, h->key, h->f[i].name, "%s: unknown field", h->f[i].name);
	if (h->n != 1)
		return cerr(cv, h->key, "activate", "activate: %s", h->n ? "given twice" :
			    "missing (all, or server ids)");
	if (neighbor_add(cv, key, &n))
		return -EINVAL;
	n->addr = a;
	return neighbor_activate(cv, &h->f[0], n);
}

static int
conv_hash(struct conv *cv)
{
	static const struct {
		const char *table;
		int (*fn)(struct conv *cv, const char *key);
	} tables[] = {
		{ T_GLOBAL, conv_global }, { T_SERVER, conv_server }, { T_NEIGHBOR, conv_neighbor },
	};
	const char *k = cv->h->key;
	size_t nsl = strlen(cv->ns);

	if (strncmp(k, cv->ns, nsl) != 0 || k[nsl] != ':')
		return cerr(cv, k, NULL, ": not in namespace '%s'", cv->ns);
	k += nsl + 1;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		size_t tl = strlen(tables[i].table);
		if (strncmp(k, tables[i].table, tl) == 0 && k[tl] == '|')
			return tables[i].fn(cv, k + tl + 1);
	}
	return cerr(cv, cv->h->key, NULL, ": unknown table (expected %s, %s or %s)", T_GLOBAL,
		    T_SERVER, T_NEIGHBOR);
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
	const struct rcfg_field *act = field_get(cv->h, "activate");

	if (s->huawei) {
		if (act && s->activate != (s->port != 0))
			return FERR(cv, act, "a huawei session is active exactly when it has a "
				    "port");
		s->activate = s->port != 0;
		if (!s->addr.family)
			return cerr(cv, cv->h->key, "address", "address: missing (a huawei "
				    "session is known by its address)");
		return 0;
	}
	if (!s->addr.family != !s->port)
		return cerr(cv, cv->h->key, s->port ? "address" : "port", "%s: missing (a cisco "
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
		return cerr(cv, cv->h->key, "address", "address: server %u connects to the same "
			    "address, port and vpn_instance", a->id);
	if (a->huawei && b->huawei && a->addr.family == b->addr.family &&
	    memcmp(a->addr.b, b->addr.b, 16) == 0 && strcmp(a->vpn, b->vpn) == 0 &&
	    strcmp(a->alias, b->alias) == 0)
		return cerr(cv, cv->h->key, "alias", "alias: session %u has the same address "
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
			return cerr(cv, cv->h->key, NULL, ": huawei sessions are numbered %u, %u, "
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

	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	return memcmp(a->addr.b, b->addr.b, 16);
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
			return cerr(cv, k, NULL, ": the same address is given under two keys");
		for (unsigned j = 0; j < n->nservers; j++)
			if (!cfg_server_find(c, n->servers[j]))
				return cerr(cv, k, "activate", "activate: server %u is not "
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
		rc = conv_hash(&cv);
	}
	if (!rc)
		rc = check_servers(&cv, hs);
	if (!rc)
		rc = check_neighbors(&cv);
	if (!rc && cfg_validate(out, &verr) != 0)
		rc = cerr(&cv, ns, verr.word, ": configuration: %s", verr.msg);
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

