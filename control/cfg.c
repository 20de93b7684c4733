/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration model: life cycle, comparison, the rules that span
 * lines, and the questions the control thread asks at run time. Text in is
 * cfg_parse.c, text out cfg_write.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control/cfg.h"
#include "control/cfg_model.h"

#define CFG_FILE_MAX (16u << 20)  /* a config file past this is a mistake */
#define STR_EQ(a, b) (strncmp(a, b, sizeof(a)) == 0)

void
cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->buffer_mb = CFG_DEF_BUFFER_MB;
	c->refresh = CFG_REFRESH_DELAY;
	c->refresh_delay = CFG_DEF_REFRESH_DELAY;
}

void
cfg_free(struct cfg *c)
{
	free(c->neighbors);
	c->neighbors = NULL;
	c->nneighbors = 0;
}

int
cfg_copy(struct cfg *dst, const struct cfg *src)
{
	struct cfg_neighbor *n = NULL;

	if (dst == src)
		return 0;
	if (src->nneighbors) {
		n = malloc(src->nneighbors * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memcpy(n, src->neighbors, src->nneighbors * sizeof(*n));
	}
	cfg_free(dst);
	*dst = *src;
	dst->neighbors = n;
	return 0;
}

static size_t
addr_len(const struct cfg_addr *a)
{
	return a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
}

bool
cfgm_addr_parse(const char *s, struct cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, s, a->b) == 1)
		a->family = 6;
	return a->family != 0;
}

bool
cfgm_addr_unicast(const struct cfg_addr *a)
{
	static const uint8_t zero[16];

	if (memcmp(a->b, zero, a->family == 4 ? 4 : 16) == 0)
		return false;
	return a->family == 4 ? (a->b[0] & 0xf0) != 0xe0 : a->b[0] != 0xff;
}

bool
cfgm_addr_link_local(const struct cfg_addr *a)
{
	return (a->family == 4 && a->b[0] == 169 && a->b[1] == 254) ||
	       (a->family == 6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80);
}

int
cfgm_addr_cmp(const struct cfg_addr *a, const struct cfg_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, addr_len(a));
}

/* What a collector connection depends on: a change means reconnecting. */
static bool
transport_eq(const struct cfg_server *a, const struct cfg_server *b)
{
	return cfgm_addr_cmp(&a->addr, &b->addr) == 0 && a->port == b->port &&
	       a->dscp == b->dscp && STR_EQ(a->update_source, b->update_source) &&
	       STR_EQ(a->vpn, b->vpn);
}

/* Everything else a running connection can take in place. */
static bool
soft_eq(const struct cfg_server *a, const struct cfg_server *b)
{
	return a->huawei == b->huawei && a->activate == b->activate &&
	       STR_EQ(a->description, b->description) &&
	       STR_EQ(a->alias, b->alias) && a->initial_delay == b->initial_delay &&
	       a->failure_retry_delay == b->failure_retry_delay &&
	       a->flapping_delay == b->flapping_delay && a->stats_period == b->stats_period &&
	       a->monitor_all == b->monitor_all;
}

static bool
neighbor_eq(const struct cfg_neighbor *a, const struct cfg_neighbor *b)
{
	return cfgm_addr_cmp(&a->addr, &b->addr) == 0 && a->all == b->all &&
	       a->nservers == b->nservers &&
	       memcmp(a->servers, b->servers, a->nservers * sizeof(a->servers[0])) == 0;
}

/* The delay of `initial-refresh skip` means nothing: it is not compared. */
static bool
globals_eq(const struct cfg *a, const struct cfg *b)
{
	return a->buffer_mb == b->buffer_mb && a->refresh == b->refresh &&
	       (a->refresh == CFG_REFRESH_SKIP || a->refresh_delay == b->refresh_delay);
}

static bool
neighbors_eq(const struct cfg *a, const struct cfg *b)
{
	if (a->activate_all != b->activate_all || a->nneighbors != b->nneighbors)
		return false;
	for (unsigned i = 0; i < a->nneighbors; i++)
		if (!neighbor_eq(&a->neighbors[i], &b->neighbors[i]))
			return false;
	return true;
}

bool
cfg_equal(const struct cfg *a, const struct cfg *b)
{
	if (a->router_as != b->router_as || !globals_eq(a, b) || a->nservers != b->nservers)
		return false;
	for (unsigned i = 0; i < a->nservers; i++) {
		const struct cfg_server *x = &a->servers[i], *y = &b->servers[i];
		if (x->id != y->id || !transport_eq(x, y) || !soft_eq(x, y))
			return false;
	}
	return neighbors_eq(a, b);
}

const struct cfg_server *
cfg_server_find(const struct cfg *c, uint32_t id)
{
	unsigned lo = 0, hi = c->nservers;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (c->servers[mid].id == id)
			return &c->servers[mid];
		if (c->servers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Index of a in c->neighbors, or where it would go. */
static unsigned
neighbor_pos(const struct cfg *c, const struct cfg_addr *a, bool *found)
{
	unsigned lo = 0, hi = c->nneighbors;

	*found = false;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int d = cfgm_addr_cmp(&c->neighbors[mid].addr, a);
		if (d == 0) {
			*found = true;
			return mid;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct cfg_neighbor *
neighbor_find(const struct cfg *c, const struct cfg_addr *a)
{
	bool found;
	unsigned i = neighbor_pos(c, a, &found);

	return found ? &c->neighbors[i] : NULL;
}

static bool
neighbor_lists(const struct cfg_neighbor *n, uint32_t id)
{
	for (unsigned i = 0; i < n->nservers; i++)
		if (n->servers[i] == id)
			return true;
	return false;
}

uint64_t
cfg_servers_for_peer(const struct cfg *c, const struct cfg_addr *peer)
{
	const struct cfg_neighbor *n = neighbor_find(c, peer);
	uint64_t mask = 0;

	for (unsigned i = 0; i < c->nservers && i < 64; i++) {
		const struct cfg_server *s = &c->servers[i];
		if (c->activate_all || (s->huawei && s->monitor_all) ||
		    (n && (n->all || neighbor_lists(n, s->id))))
			mask |= UINT64_C(1) << i;
	}
	return mask;
}

static enum cfg_change
server_change(const struct cfg_server *a, const struct cfg_server *b)
{
	if (!transport_eq(a, b))
		return CFG_RECONNECT;
	return soft_eq(a, b) ? CFG_SAME : CFG_SOFT;
}

static void
diff_add(struct cfg_diff *d, uint32_t id, enum cfg_change ch)
{
	d->servers[d->n].id = id;
	d->servers[d->n].change = ch;
	d->n++;
}

/* Both server arrays are sorted by id: walk them side by side. */
void
cfg_diff(const struct cfg *old, const struct cfg *new_cfg, struct cfg_diff *d)
{
	unsigned i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	d->globals = !globals_eq(old, new_cfg);
	d->neighbors = !neighbors_eq(old, new_cfg);
	while (i < old->nservers || j < new_cfg->nservers) {
		const struct cfg_server *a = i < old->nservers ? &old->servers[i] : NULL;
		const struct cfg_server *b = j < new_cfg->nservers ? &new_cfg->servers[j] : NULL;
		if (a && (!b || a->id < b->id)) {
			diff_add(d, a->id, CFG_REMOVED);
			i++;
		} else if (b && (!a || b->id < a->id)) {
			diff_add(d, b->id, CFG_ADDED);
			j++;
		} else {
			diff_add(d, a->id, server_change(a, b));
			d->neighbors |= a->monitor_all != b->monitor_all;
			i++;
			j++;
		}
	}
}

const char *
cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	int af = a->family == 4 ? AF_INET : AF_INET6;

	if (len == 0)
		return buf;
	if (a->family != 4 && a->family != 6) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (!inet_ntop(af, a->b, buf, len))
		buf[0] = '\0';
	return buf;
}

/* ---- edits, for cfg_parse.c ---- */

struct cfg_server *
cfgm_server_add(struct cfg *c, uint32_t id)
{
	struct cfg_server *s;
	unsigned i = 0;

	if (c->nservers >= CFG_MAX_SERVERS)
		return NULL;
	while (i < c->nservers && c->servers[i].id < id)
		i++;
	memmove(&c->servers[i + 1], &c->servers[i], (c->nservers - i) * sizeof(*s));
	c->nservers++;
	s = &c->servers[i];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->initial_delay = CFG_DEF_INITIAL_DELAY;
	s->failure_retry_delay = CFG_DEF_FAILURE_RETRY_DELAY;
	s->flapping_delay = CFG_DEF_FLAPPING_DELAY;
	s->stats_period = CFG_DEF_STATS_PERIOD;
	s->dscp = -1;
	return s;
}

unsigned
cfgm_huawei_count(const struct cfg *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nservers; i++)
		n += c->servers[i].huawei;
	return n;
}

struct cfg_server *
cfgm_huawei_find(struct cfg *c, const char *vpn, const struct cfg_addr *addr, const char *alias)
{
	for (unsigned i = 0; i < c->nservers; i++) {
		struct cfg_server *s = &c->servers[i];
		if (s->huawei && cfgm_addr_cmp(&s->addr, addr) == 0 &&
		    strcmp(s->vpn, vpn) == 0 && strcmp(s->alias, alias) == 0)
			return s;
	}
	return NULL;
}

/*
 * Without holes in the Huawei ids, the text cfg_write() prints reads back
 * to the same ids: a session's `monitor peer`s go with it, later ids move
 * down by one.
 */
static void
huawei_renumber(struct cfg *c, unsigned from, uint32_t id)
{
	for (unsigned i = from; i < c->nservers; i++)
		c->servers[i].id -= c->servers[i].huawei;
	for (unsigned i = 0; i < c->nneighbors; i++) {
		struct cfg_neighbor *n = &c->neighbors[i];
		cfgm_ids_del(n, id);
		for (unsigned k = 0; k < n->nservers; k++)
			n->servers[k] -= n->servers[k] > id;
	}
	cfgm_neighbors_prune(c);
}

void
cfgm_server_del(struct cfg *c, uint32_t id)
{
	const struct cfg_server *s = cfg_server_find(c, id);
	unsigned i;
	bool hw;

	if (!s)
		return;
	i = (unsigned)(s - c->servers);
	hw = s->huawei;
	memmove(&c->servers[i], &c->servers[i + 1],
		(c->nservers - i - 1) * sizeof(c->servers[0]));
	c->nservers--;
	if (hw)
		huawei_renumber(c, i, id);
}

struct cfg_neighbor *
cfgm_neighbor_find(struct cfg *c, const struct cfg_addr *a)
{
	return (struct cfg_neighbor *)neighbor_find(c, a);
}

/* Room for one more: the array doubles, up to CFG_MAX_NEIGHBORS. */
static int
neighbor_reserve(struct cfg *c, unsigned *cap)
{
	struct cfg_neighbor *n;
	unsigned want;

	if (*cap > c->nneighbors)
		return 0;
	want = c->nneighbors < 8 ? 16 : 2 * c->nneighbors;
	want = want > CFG_MAX_NEIGHBORS ? CFG_MAX_NEIGHBORS : want;
	n = realloc(c->neighbors, want * sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->neighbors = n;
	*cap = want;
	return 0;
}

int
cfgm_neighbor_get(struct cfg *c, const struct cfg_addr *a, unsigned *cap,
		  struct cfg_neighbor **out)
{
	bool found;
	unsigned i = neighbor_pos(c, a, &found);
	int rc;

	if (!found) {
		if (c->nneighbors >= CFG_MAX_NEIGHBORS)
			return -ENOSPC;
		rc = neighbor_reserve(c, cap);
		if (rc)
			return rc;
		memmove(&c->neighbors[i + 1], &c->neighbors[i],
			(c->nneighbors - i) * sizeof(c->neighbors[0]));
		c->nneighbors++;
		memset(&c->neighbors[i], 0, sizeof(c->neighbors[i]));
		c->neighbors[i].addr = *a;
	}
	*out = &c->neighbors[i];
	return 0;
}

void
cfgm_neighbors_prune(struct cfg *c)
{
	unsigned j = 0;

	for (unsigned i = 0; i < c->nneighbors; i++)
		if (c->neighbors[i].all || c->neighbors[i].nservers)
			c->neighbors[j++] = c->neighbors[i];
	c->nneighbors = j;
}

bool
cfgm_ids_add(uint32_t *ids, uint16_t *n, uint32_t id)
{
	unsigned i = 0;

	while (i < *n && ids[i] < id)
		i++;
	if (i < *n && ids[i] == id)
		return true;
	if (*n >= CFG_MAX_SERVERS)
		return false;
	memmove(&ids[i + 1], &ids[i], (*n - i) * sizeof(ids[0]));
	ids[i] = id;
	(*n)++;
	return true;
}

void
cfgm_ids_del(struct cfg_neighbor *n, uint32_t id)
{
	uint16_t j = 0;

	for (unsigned i = 0; i < n->nservers; i++)
		if (n->servers[i] != id)
			n->servers[j++] = n->servers[i];
	n->nservers = j;
}

void
cfgm_ids_keep_huawei(struct cfg_neighbor *n)
{
	uint16_t j = 0;

	for (unsigned i = 0; i < n->nservers; i++)
		if (n->servers[i] >= CFG_HUAWEI_ID_BASE)
			n->servers[j++] = n->servers[i];
	n->nservers = j;
}

/* ---- whole-configuration rules ---- */

static int
verr(struct cfg_error *err, const char *word, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	memset(err, 0, sizeof(*err));
	snprintf(err->word, sizeof(err->word), "%s", word);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "bmp server 3" or "bmp-session vpn-instance V 10.1.1.1 alias A". */
static const char *
server_name(const struct cfg_server *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (!s->huawei) {
		snprintf(buf, len, "bmp server %u", s->id);
		return buf;
	}
	n = snprintf(buf, len, "bmp-session%s%s%s %s", *s->vpn ? " vpn-instance \"" : "",
		     s->vpn, *s->vpn ? "\"" : "", cfg_addr_str(&s->addr, a, sizeof(a)));
	if (*s->alias && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " alias %s", s->alias);
	return buf;
}

static int
check_counts(const struct cfg *c, struct cfg_error *err)
{
	char w[16];

	if (c->nservers > CFG_MAX_SERVERS) {
		snprintf(w, sizeof(w), "%u", c->nservers);
		return verr(err, w, "%u servers configured: at most %u", c->nservers,
			    CFG_MAX_SERVERS);
	}
	if (c->nneighbors > CFG_MAX_NEIGHBORS) {
		snprintf(w, sizeof(w), "%u", c->nneighbors);
		return verr(err, w, "%u neighbors configured: at most %u", c->nneighbors,
			    CFG_MAX_NEIGHBORS);
	}
	return 0;
}

static int
check_active(const struct cfg_server *s, struct cfg_error *err)
{
	char name[128];

	if (!s->activate)
		return 0;
	server_name(s, name, sizeof(name));
	if (!s->addr.family)
		return verr(err, name, "%s is activated but has no address "
			    "(address A port-number 1-65535)", name);
	if (!s->port)
		return verr(err, name, "%s is activated but has no port%s", name,
			    s->huawei ? " (tcp connect port 1-65535)" :
			    " (address A port-number 1-65535)");
	return 0;
}

/* Two stations on one (VRF, address, port) would be one TCP peer. */
static int
check_unique(const struct cfg_server *a, const struct cfg_server *b, struct cfg_error *err)
{
	char na[128], nb[128], ad[INET6_ADDRSTRLEN];

	if (a->addr.family && a->port && cfgm_addr_cmp(&a->addr, &b->addr) == 0 &&
	    a->port == b->port && STR_EQ(a->vpn, b->vpn))
		return verr(err, cfg_addr_str(&a->addr, ad, sizeof(ad)),
			    "%s and %s both connect to %s port %u%s%s",
			    server_name(a, na, sizeof(na)), server_name(b, nb, sizeof(nb)), ad,
			    a->port, *a->vpn ? " in vpn-instance " : "", a->vpn);
	if (a->huawei && b->huawei && cfgm_addr_cmp(&a->addr, &b->addr) == 0 &&
	    STR_EQ(a->vpn, b->vpn) && STR_EQ(a->alias, b->alias))
		return verr(err, cfg_addr_str(&a->addr, ad, sizeof(ad)),
			    "%s is defined twice: give each session on %s its own alias",
			    server_name(a, na, sizeof(na)), ad);
	return 0;
}

static int
check_servers(const struct cfg *c, struct cfg_error *err)
{
	for (unsigned i = 0; i < c->nservers; i++) {
		int rc = check_active(&c->servers[i], err);
		if (rc)
			return rc;
		for (unsigned j = i + 1; j < c->nservers; j++) {
			rc = check_unique(&c->servers[i], &c->servers[j], err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int
check_neighbors(const struct cfg *c, struct cfg_error *err)
{
	char a[INET6_ADDRSTRLEN], w[16];

	for (unsigned i = 0; i < c->nneighbors; i++) {
		const struct cfg_neighbor *n = &c->neighbors[i];
		for (unsigned k = 0; k < n->nservers; k++) {
			if (cfg_server_find(c, n->servers[k]))
				continue;
			snprintf(w, sizeof(w), "%u", n->servers[k]);
			return verr(err, w, "neighbor %s bmp-activate names server %u, "
				    "which is not configured", cfg_addr_str(&n->addr, a, sizeof(a)),
				    n->servers[k]);
		}
	}
	return 0;
}

int
cfg_validate(const struct cfg *c, struct cfg_error *err)
{
	int rc = check_counts(c, err);

	if (!rc)
		rc = check_servers(c, err);
	if (!rc)
		rc = check_neighbors(c, err);
	if (!rc && err)
		memset(err, 0, sizeof(*err));
	return rc;
}

/* Whole file in memory, NUL-terminated; the parser counts lines. */
static int
read_file(const char *path, char **text, size_t *len, struct cfg_error *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		int e = errno;
		verr(err, path, "%s: %s", path, strerror(e));
		return -e;
	}
	for (;;) {
		if (cap - n < 4096) {
			char *nb = cap >= CFG_FILE_MAX ? NULL : realloc(buf, cap += 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				verr(err, path, "%s: larger than %u bytes", path, CFG_FILE_MAX);
				return -EFBIG;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		free(buf);
		fclose(f);
		verr(err, path, "%s: %s", path, strerror(e));
		return -e;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

int
cfg_load_file(struct cfg *c, const char *path, struct cfg_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	cfg_init(c);
	rc = read_file(path, &text, &len, err);
	if (rc)
		return rc;
	rc = cfg_apply(c, text, len, err);
	if (!rc)
		rc = cfg_validate(c, err);
	free(text);
	if (rc) {
		cfg_free(c);
		cfg_init(c);
	}
	return rc;
}
