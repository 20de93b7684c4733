/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redis hashes to configuration, one hash at a time (rcfg.c runs them and
 * checks the rules across hashes): the field conversions, each as strict
 * as the vendor syntax, and the conversion of each table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "control/cfg_model.h"
#include "control/rcfg.h"
#include "control/rcfg_priv.h"

#define CISCO 1u
#define HUAWEI 2u
#define BOTH (CISCO | HUAWEI)

/* ---- hashes to configuration ---- */

int
rcfg_err(struct conv *cv, const char *key, const char *word, const char *fmt, ...)
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

static int
field_station(struct conv *cv, const struct rcfg_field *f, struct cfg_addr *a)
{
	if (!cfgm_addr_parse(f->value, a))
		return FERR(cv, f, "not an IPv4 or IPv6 address");
	if (!cfgm_addr_unicast(a))
		return FERR(cv, f, "not a unicast address");
	if (cfgm_addr_link_local(a))
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
			return rcfg_err(cv, h->key, f->name, "%s: unknown field", f->name);
		for (unsigned k = 0; k < i; k++)
			if (strcmp(h->f[k].name, f->name) == 0)
				return rcfg_err(cv, h->key, f->name, "%s: given twice", f->name);
		if (!(d->styles & style))
			return rcfg_err(cv, h->key, f->name, "%s: not a field of a %s server",
				    f->name, style == HUAWEI ? "huawei" : "cisco");
		if (set_field(cv, f, d, base))
			return -EINVAL;
	}
	return 0;
}

const struct rcfg_field *
rcfg_field_get(const struct rcfg_hash *h, const char *name)
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
		return rcfg_err(cv, cv->h->key, key, ": the only key of %s is '%s'", T_GLOBAL,
			    GLOBAL_KEY);
	return set_fields(cv, global_fields, sizeof(global_fields) / sizeof(global_fields[0]),
			  BOTH, (char *)cv->c);
}

/* The style: given, or from the id (Huawei sessions are numbered 1001 on). */
static int
server_style(struct conv *cv, uint32_t id, unsigned *style)
{
	const struct rcfg_field *f = rcfg_field_get(cv->h, "style");
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
		return rcfg_err(cv, cv->h->key, key, ": server id '%.32s': expected 1-%u (cisco) or "
			    "%u-%u (huawei)", key, CFG_SERVER_ID_MAX, CFG_HUAWEI_ID_BASE,
			    CFG_HUAWEI_ID_BASE + CFG_MAX_SERVERS - 1);
	if (cfg_server_find(cv->c, id))
		return rcfg_err(cv, cv->h->key, key, ": server %u given twice", id);
	if (cv->c->nservers == CFG_MAX_SERVERS)
		return rcfg_err(cv, cv->h->key, key, ": too many servers (at most %u)",
			    CFG_MAX_SERVERS);
	if (server_style(cv, id, &style))
		return -EINVAL;
	s = cfgm_server_add(cv->c, id); /* room checked above */
	s->huawei = style == HUAWEI;
	return set_fields(cv, server_fields, sizeof(server_fields) / sizeof(server_fields[0]),
			  style, (char *)s);
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
		if (!cfgm_ids_add(n->servers, &n->nservers, id))
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
		return rcfg_err(cv, cv->h->key, key, ": too many neighbors (at most %u)",
			    CFG_MAX_NEIGHBORS);
	if (c->nneighbors == cv->ncap) {
		unsigned cap = cv->ncap ? 2 * cv->ncap : 16;
		struct cfg_neighbor *n = realloc(c->neighbors, cap * sizeof(*n));
		if (!n)
			return rcfg_err(cv, cv->h->key, NULL, ": out of memory");
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

	if (!cfgm_addr_parse(key, &a) || !cfgm_addr_unicast(&a))
		return rcfg_err(cv, h->key, key, ": '%.64s' is not a unicast IPv4 or IPv6 address",
			    key);
	/* one spelling per neighbor, or two keys could name one peer */
	if (strcmp(cfg_addr_str(&a, canon, sizeof(canon)), key) != 0)
		return rcfg_err(cv, h->key, key, ": write the address as %s", canon);
	for (unsigned i = 0; i < h->n; i++)
		if (strcmp(h->f[i].name, "activate") != 0)
			return rcfg_err(cv, h->key, h->f[i].name, "%s: unknown field", h->f[i].name);
	if (h->n != 1)
		return rcfg_err(cv, h->key, "activate", "activate: %s", h->n ? "given twice" :
			    "missing (all, or server ids)");
	if (neighbor_add(cv, key, &n))
		return -EINVAL;
	n->addr = a;
	return neighbor_activate(cv, &h->f[0], n);
}

int
rcfg_conv_hash(struct conv *cv)
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
		return rcfg_err(cv, k, NULL, ": not in namespace '%s'", cv->ns);
	k += nsl + 1;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		size_t tl = strlen(tables[i].table);
		if (strncmp(k, tables[i].table, tl) == 0 && k[tl] == '|')
			return tables[i].fn(cv, k + tl + 1);
	}
	return rcfg_err(cv, cv->h->key, NULL, ": unknown table (expected %s, %s or %s)", T_GLOBAL,
		    T_SERVER, T_NEIGHBOR);
}
