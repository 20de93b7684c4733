/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vendor syntax in: Cisco IOS `bmp server` / `neighbor bmp-activate` and
 * Huawei `bmp` / `bmp-session`, line by line, as typed in configuration
 * mode. A line loses its CLI prompt, is split into words, and is matched
 * against the command table of the current mode, then of its parents: a
 * command of a parent mode leaves the sub-mode, as on the router.
 *
 * Handlers check every word before changing anything, so a refused line
 * leaves the configuration as the previous line left it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/cfg.h"
#include "control/cfg_model.h"

#define MAXW 160                /* words on a line: 63 `server N` pairs fit */
#define NOWORD UINT_MAX

enum mode { M_TOP, M_SERVER, M_HWBMP, M_HWSESS, M_COUNT };

struct word {
	const char *p;                  /* into the caller's text: no NUL */
	unsigned len;
};

struct cmd;

struct pstate {
	struct cfg *c;
	struct cfg_error *err;
	unsigned line;
	enum mode mode;
	uint32_t cur;                   /* server id in M_SERVER / M_HWSESS */
	unsigned ncap;                  /* c->neighbors capacity; 0: not known */
	bool neg;                       /* `no`, `default` or `undo` form */
	bool overflow;                  /* more than MAXW words */
	const struct cmd *cmd;          /* the command being run */
	const char *eol;                /* end of the line, trailing blanks cut */
	unsigned nw;
	struct word w[MAXW];
};

/*
 * One command of one mode. fn runs both forms: ps->neg tells the `no` form,
 * which resets to the default (or removes) and ignores further words.
 */
struct cmd {
	const char *kw;                 /* keywords, space separated */
	short min, max;                 /* argument words; max -1: any */
	unsigned flags;
	enum mode to;                   /* to_mode: the mode entered */
	int (*fn)(struct pstate *ps, unsigned a);    /* a: first argument word */
	const char *usage;
	size_t off;                     /* field_*: offset of the field */
	uint32_t lo, hi, def;           /* field_u32: range, `no` value */
};

#define F_NO 1u                     /* has a no / default / undo form */
#define F_KEEP 2u                   /* exec command: stays in the current mode */
#define F_RAW 4u                    /* reads the raw rest of the line */
#define F_GLOBAL 8u                 /* field_*: a field of struct cfg, not of the server */

/* ---- errors and words ---- */

static int
perr(struct pstate *ps, unsigned wi, const char *fmt, ...)
{
	struct cfg_error *e = ps->err;
	va_list ap;
	int n;

	memset(e, 0, sizeof(*e));
	e->line = ps->line;
	if (wi < ps->nw)
		snprintf(e->word, sizeof(e->word), "%.*s", (int)ps->w[wi].len, ps->w[wi].p);
	n = snprintf(e->msg, sizeof(e->msg), "line %u: ", ps->line);
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* printf arguments of word i for "%.*s"; "" past the last word. */
#define W(ps, i) (int)((i) < (ps)->nw ? (ps)->w[i].len : 0), ((i) < (ps)->nw ? (ps)->w[i].p : "")
/* Words 0..last as typed. */
#define UPTO(ps, last) (int)((ps)->w[last].p + (ps)->w[last].len - (ps)->w[0].p), (ps)->w[0].p

static bool
is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* strspn() bounded to the word. */
static unsigned
span(const struct word *w, const char *set)
{
	unsigned k = 0;

	while (k < w->len && w->p[k] && strchr(set, w->p[k]))
		k++;
	return k;
}

static bool
word_is(const struct pstate *ps, unsigned i, const char *kw)
{
	return i < ps->nw && ps->w[i].len == strlen(kw) &&
	       strncasecmp(ps->w[i].p, kw, ps->w[i].len) == 0;
}

static int
no_more(struct pstate *ps, unsigned i)
{
	if (i >= ps->nw)
		return 0;
	return perr(ps, i, "%s: unexpected word '%.*s' (usage: %s)", ps->cmd->kw, W(ps, i),
		    ps->cmd->usage);
}

/* Decimal digits only; saturates past UINT32_MAX. */
static bool
word_num(const struct word *w, uint64_t *v)
{
	*v = 0;
	for (unsigned k = 0; k < w->len; k++) {
		if (w->p[k] < '0' || w->p[k] > '9')
			return false;
		*v = *v > UINT32_MAX ? *v : *v * 10 + (uint64_t)(w->p[k] - '0');
	}
	return w->len > 0;
}

static int
arg_uint(struct pstate *ps, unsigned i, const char *what, uint32_t lo, uint32_t hi,
	 uint32_t *v)
{
	uint64_t x;

	if (i >= ps->nw)
		return perr(ps, NOWORD, "%s: missing value (%u-%u)", what, lo, hi);
	if (!word_num(&ps->w[i], &x))
		return perr(ps, i, "%s '%.*s': not a number (%u-%u)", what, W(ps, i), lo, hi);
	if (x < lo || x > hi)
		return perr(ps, i, "%s '%.*s': out of range %u-%u", what, W(ps, i), lo, hi);
	*v = (uint32_t)x;
	return 0;
}

/* ---- addresses and names ---- */

static bool
parse_addr(const struct word *w, struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1];

	memset(a, 0, sizeof(*a));
	if (w->len >= sizeof(buf))
		return false;
	memcpy(buf, w->p, w->len);
	buf[w->len] = '\0';
	if (inet_pton(AF_INET, buf, a->b) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, buf, a->b) == 1)
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

/* An address, unicast; a word that is no address may be a peer group. */
static int
arg_addr(struct pstate *ps, unsigned i, const char *what, struct cfg_addr *a, bool peer)
{
	const struct word *w = &ps->w[i];

	if (i >= ps->nw)
		return perr(ps, NOWORD, "%s: missing address (IPv4 or IPv6)", what);
	if (parse_addr(w, a))
		return addr_unicast(a) ? 0 :
		       perr(ps, i, "%s '%.*s': not a unicast address", what, W(ps, i));
	if (peer && !memchr(w->p, ':', w->len) && span(w, "0123456789.") < w->len)
		return perr(ps, i, "%s '%.*s': peer groups are not supported: "
			    "use the neighbor's address", what, W(ps, i));
	return perr(ps, i, "%s '%.*s': not an IPv4 or IPv6 address", what, W(ps, i));
}

/* A station: never link-local (the Huawei document's rule). */
static int
arg_station(struct pstate *ps, unsigned i, const char *what, struct cfg_addr *a)
{
	if (arg_addr(ps, i, what, a, false))
		return -EINVAL;
	if ((a->family == 4 && a->b[0] == 169 && a->b[1] == 254) ||
	    (a->family == 6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80))
		return perr(ps, i, "%s '%.*s': link-local address refused (a station cannot "
			    "be reached by a link-local address)", what, W(ps, i));
	return 0;
}

/*
 * Huawei's rule for VPN instance names (also aliases, interfaces): 1-31
 * case-sensitive printable characters, spaces only inside double quotes.
 */
static int
arg_name(struct pstate *ps, unsigned i, const char *what, char out[CFG_NAME_MAX])
{
	const char *p = i < ps->nw ? ps->w[i].p : NULL;
	unsigned len = i < ps->nw ? ps->w[i].len : 0;
	bool quoted = len && p[0] == '"';

	if (!p)
		return perr(ps, NOWORD, "%s: missing name (1-%u characters)", what,
			    CFG_NAME_MAX - 1);
	if (quoted && (len < 2 || p[len - 1] != '"'))
		return perr(ps, i, "%s '%.*s': missing closing quote", what, W(ps, i));
	p += quoted;
	len -= 2 * quoted;
	if (len < 1 || len > CFG_NAME_MAX - 1)
		return perr(ps, i, "%s '%.*s': %u characters, allowed 1-%u", what, W(ps, i),
			    len, CFG_NAME_MAX - 1);
	for (unsigned k = 0; k < len; k++)
		if (p[k] == '"' || (unsigned char)p[k] > 0x7e || (unsigned char)p[k] < 0x20 ||
		    (p[k] == ' ' && !quoted))
			return perr(ps, i, "%s '%.*s': character '%c' not allowed", what,
				    W(ps, i), p[k]);
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
arg_vpn(struct pstate *ps, unsigned i, char out[CFG_NAME_MAX])
{
	if (arg_name(ps, i, "vpn-instance", out))
		return -EINVAL;
	if (strcmp(out, "_public_") == 0)
		return perr(ps, i, "vpn-instance '%.*s': the public network has no "
			    "vpn-instance (name reserved)", W(ps, i));
	return 0;
}

/* `ethernet 0/0` becomes `Ethernet0/0`, as IOS shows it; `eth0` stays. */
static int
arg_ifname(struct pstate *ps, unsigned i, char out[CFG_NAME_MAX])
{
	const struct word *t = &ps->w[i], *n = &ps->w[i + 1];
	char buf[CFG_NAME_MAX];

	if (ps->nw - i == 1) {
		if (arg_name(ps, i, "update-source", buf))
			return -EINVAL;
		if (strchr(buf, ' '))
			return perr(ps, i, "update-source '%.*s': character ' ' not allowed",
				    W(ps, i));
		memcpy(out, buf, CFG_NAME_MAX);
		return 0;
	}
	if (!is_alpha(t->p[0]) || span(t, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") < t->len)
		return perr(ps, i, "update-source '%.*s': not an interface type", W(ps, i));
	if (n->p[0] < '0' || n->p[0] > '9' || span(n, "0123456789/.:") < n->len)
		return perr(ps, i + 1, "update-source '%.*s': not an interface number",
			    W(ps, i + 1));
	if (t->len + n->len > CFG_NAME_MAX - 1)
		return perr(ps, i, "update-source '%.*s%.*s': longer than %u characters",
			    W(ps, i), W(ps, i + 1), CFG_NAME_MAX - 1);
	snprintf(out, CFG_NAME_MAX, "%c%.*s%.*s", t->p[0] & ~0x20, (int)t->len - 1,
		 t->p + 1, W(ps, i + 1));
	return 0;
}

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

	if (!ps->neg && arg_uint(ps, a, cmd->kw, cmd->lo, cmd->hi, &v))
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
		return arg_uint(ps, a, "router bgp", 1, UINT32_MAX, &ps->c->router_as);
	hw = (struct word){ w->p, (unsigned)(dot - w->p) };
	lw = (struct word){ dot + 1, (unsigned)(w->p + w->len - dot - 1) };
	if (!word_num(&hw, &hi) || !word_num(&lw, &lo) || hi > 65535 || lo > 65535 ||
	    hi + lo == 0)
		return perr(ps, a, "router bgp '%.*s': out of range 0.1-65535.65535 (asdot)",
			    W(ps, a));
	ps->c->router_as = (uint32_t)(hi << 16 | lo);
	return 0;
}

/* `bmp initial-refresh delay S | skip`; the delay of skip is the default. */
static int
refresh(struct pstate *ps, unsigned a)
{
	uint32_t d = CFG_DEF_REFRESH_DELAY;
	bool skip = word_is(ps, a, "skip");

	if (!ps->neg && !skip && !word_is(ps, a, "delay"))
		return perr(ps, a, "bmp initial-refresh '%.*s': expected delay or skip", W(ps, a));
	if (!ps->neg && !skip &&
	    arg_uint(ps, a + 1, "bmp initial-refresh delay", 1, CFG_DELAY_MAX, &d))
		return -EINVAL;
	if (!ps->neg && no_more(ps, a + 2 - skip))
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

	if (arg_uint(ps, a, "bmp server", CFG_SERVER_ID_MIN, CFG_SERVER_ID_MAX, &id))
		return -EINVAL;
	if (ps->neg) {
		cfgm_server_del(ps->c, id);
		return 0;
	}
	if (!cfg_server_find(ps->c, id) && !cfgm_server_add(ps->c, id))
		return perr(ps, a, "bmp server '%.*s': too many servers (at most %u)", W(ps, a),
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
		return perr(ps, wi, "%s '%.*s': too many neighbors (at most %u)", ps->cmd->kw,
			    W(ps, wi), CFG_MAX_NEIGHBORS);
	return rc ? perr(ps, wi, "out of memory") : 0;
}

/* `all` or `server N [server M ...]` from word a (there is one) to the end of the line. */
static int
activation(struct pstate *ps, unsigned a, bool *all, uint32_t *ids, uint16_t *n)
{
	*all = false;
	*n = 0;
	if (word_is(ps, a, "all")) {
		*all = true;
		return no_more(ps, a + 1);
	}
	for (unsigned i = a; i < ps->nw; i += 2) {
		uint32_t id;
		if (!word_is(ps, i, "server"))
			return perr(ps, i, "neighbor bmp-activate '%.*s': expected all or server N",
				    W(ps, i));
		if (arg_uint(ps, i + 1, "neighbor bmp-activate server", CFG_SERVER_ID_MIN,
			     CFG_SERVER_ID_MAX, &id))
			return -EINVAL;
		if (!cfgm_ids_add(ids, n, id))
			return perr(ps, i + 1, "neighbor bmp-activate: more than %u servers",
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
			return perr(ps, a, "neighbor '%.*s': more than %u servers", W(ps, a),
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

	if (arg_addr(ps, a, "neighbor", &addr, true))
		return -EINVAL;
	if (!word_is(ps, a + 1, "bmp-activate"))
		return perr(ps, a + 1, "unknown command 'neighbor %.*s %.*s' (expected "
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

	if (!ps->neg && arg_station(ps, a, "address", &addr))
		return -EINVAL;
	if (!ps->neg && !word_is(ps, a + 1, "port-number"))
		return perr(ps, a + 1, "address: expected port-number after the address, "
			    "not '%.*s'", W(ps, a + 1));
	if (!ps->neg && arg_uint(ps, a + 2, "address port-number", 1, 65535, &port))
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
		return perr(ps, a, "description: %zu characters, at most %u", len,
			    CFG_DESCR_MAX - 1);
	memcpy(cur(ps)->description, p, len);
	cur(ps)->description[len] = '\0';
	return 0;
}

static int
dscp(struct pstate *ps, unsigned a)
{
	uint32_t v;

	if (!ps->neg && arg_uint(ps, a, "set ip dscp", 0, 63, &v))
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
	return arg_ifname(ps, a, cur(ps)->update_source);
}

static int
vpn_instance(struct pstate *ps, unsigned a)
{
	char vpn[CFG_NAME_MAX] = "";

	if (!ps->neg && arg_vpn(ps, a, vpn))
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
	if (word_is(ps, a, "vpn-instance")) {
		if (arg_vpn(ps, a + 1, k->vpn))
			return -EINVAL;
		a += 2;
	}
	if (arg_station(ps, a, "bmp-session", &k->addr))
		return -EINVAL;
	if (++a >= ps->nw)
		return 0;
	if (!word_is(ps, a, "alias"))
		return perr(ps, a, "bmp-session: unexpected word '%.*s' (expected alias NAME)",
			    W(ps, a));
	if (arg_name(ps, a + 1, "alias", k->alias))
		return -EINVAL;
	return no_more(ps, a + 2);
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
			return perr(ps, a, "bmp-session: too many servers (at most %u)",
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

	if (!ps->neg && arg_uint(ps, a, "tcp connect port", 1, 65535, &port))
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

	if (arg_addr(ps, a, "monitor peer", &addr, true))
		return -EINVAL;
	n = cfgm_neighbor_find(ps->c, &addr);
	if (ps->neg) {
		if (n)
			cfgm_ids_del(n, ps->cur);
		cfgm_neighbors_prune(ps->c);
		return 0;
	}
	if (n && !cfgm_ids_add(n->servers, &n->nservers, ps->cur))
		return perr(ps, a, "monitor peer '%.*s': more than %u servers", W(ps, a),
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

static const struct table {
	const struct cmd *cmds;
	unsigned n;
	const char *what;               /* "'activate' outside %s" */
	enum mode parent;
} tables[M_COUNT] = {
	[M_TOP] = { TABLE(top_cmds), "configuration mode", M_TOP },
	[M_SERVER] = { TABLE(server_cmds), "'bmp server' mode", M_TOP },
	[M_HWBMP] = { TABLE(hwbmp_cmds), "'bmp' view", M_TOP },
	[M_HWSESS] = { TABLE(hwsess_cmds), "'bmp-session' view", M_HWBMP },
};

/* ---- matching ---- */

/* Whether the words from `from` match all keywords of kw; *depth: how many did. */
static bool
kw_match(const struct pstate *ps, unsigned from, const char *kw, unsigned *depth)
{
	unsigned d = 0;

	for (;;) {
		size_t len = strcspn(kw, " ");
		const struct word *w = &ps->w[from + d];
		if (from + d >= ps->nw || w->len != len || strncasecmp(w->p, kw, len) != 0)
			break;
		d++;
		kw += len;
		if (!*kw++) {
			*depth = d;
			return true;
		}
	}
	*depth = d;
	return false;
}

/* The entry matching the most keywords in full, if any. */
static const struct cmd *
table_match(const struct pstate *ps, const struct table *t, unsigned from, unsigned *nkw)
{
	const struct cmd *best = NULL;
	unsigned d;

	*nkw = 0;
	for (unsigned i = 0; i < t->n; i++)
		if (kw_match(ps, from, t->cmds[i].kw, &d) && d > *nkw) {
			best = &t->cmds[i];
			*nkw = d;
		}
	return best;
}

/*
 * Partial keyword matches in one table: the deepest depth in *best and,
 * with buf, the keywords that follow at that depth ("buffer-size, server").
 */
static void
partial(const struct pstate *ps, const struct table *t, unsigned from, unsigned *best,
	char *buf, size_t size, size_t *n)
{
	unsigned d;

	for (unsigned i = 0; i < t->n; i++) {
		const char *kw = t->cmds[i].kw;
		if (kw_match(ps, from, kw, &d) || d == 0 || d < *best)
			continue;
		*best = d;
		if (!buf || *n >= size)
			continue;
		while (d--)
			kw = strchr(kw, ' ') + 1;
		*n += (size_t)snprintf(buf + *n, size - *n, "%s%.*s", *n ? ", " : "",
				       (int)strcspn(kw, " "), kw);
	}
}

/* Over the chain of modes: first the depth, then what follows it. */
static unsigned
expected(const struct pstate *ps, unsigned from, char *buf, size_t size)
{
	unsigned best = 0;
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		enum mode m = ps->mode;
		for (;;) {
			partial(ps, &tables[m], from, &best, pass ? buf : NULL, size, &n);
			if (m == M_TOP)
				break;
			m = tables[m].parent;
		}
	}
	return best;
}

/* Keywords ran out: say what could follow them. */
static int
unknown(struct pstate *ps, unsigned from, unsigned depth, const char *exp)
{
	unsigned last = from + depth;

	if (last >= ps->nw)
		return perr(ps, NOWORD, "incomplete command '%.*s' (expected %s)",
			    UPTO(ps, ps->nw - 1), exp);
	return perr(ps, last, "unknown command '%.*s' (expected %s)", UPTO(ps, last), exp);
}

static int
no_match(struct pstate *ps, unsigned from)
{
	char exp[160] = "";
	unsigned nkw, depth;

	for (enum mode m = 0; m < M_COUNT; m++) {
		const struct cmd *cmd = table_match(ps, &tables[m], from, &nkw);
		if (cmd)
			return perr(ps, from, "'%s' outside %s", cmd->kw, tables[m].what);
	}
	depth = expected(ps, from, exp, sizeof(exp));
	if (depth)
		return unknown(ps, from, depth, exp);
	return perr(ps, from, "unknown command '%.*s'", W(ps, from));
}

/* A word past the arguments may be a keyword of a longer command. */
static int
too_many(struct pstate *ps, unsigned from, unsigned a)
{
	char exp[160] = "";
	unsigned depth = expected(ps, from, exp, sizeof(exp));

	if (depth >= a - from)
		return unknown(ps, from, depth, exp);
	return no_more(ps, a + (unsigned)ps->cmd->max);
}

static int
run(struct pstate *ps, enum mode m, const struct cmd *cmd, unsigned from, unsigned a)
{
	unsigned nargs = ps->nw - a;

	ps->cmd = cmd;
	if (ps->overflow && !(cmd->flags & F_RAW))
		return perr(ps, NOWORD, "%s: more than %u words on a line", cmd->kw, MAXW);
	if (ps->neg && !(cmd->flags & F_NO))
		return perr(ps, 0, "'%.*s %s' is not supported", W(ps, 0), cmd->kw);
	if (!ps->neg && nargs < (unsigned)cmd->min)
		return perr(ps, NOWORD, "'%s' incomplete (usage: %s)", cmd->kw, cmd->usage);
	if (!ps->neg && cmd->max >= 0 && nargs > (unsigned)cmd->max)
		return too_many(ps, from, a);
	if (!(cmd->flags & F_KEEP))
		ps->mode = m;
	return cmd->fn(ps, a);
}

static int
dispatch(struct pstate *ps)
{
	unsigned from, nkw;

	ps->neg = word_is(ps, 0, "no") || word_is(ps, 0, "default") || word_is(ps, 0, "undo");
	from = ps->neg;
	if (from >= ps->nw)
		return perr(ps, 0, "incomplete command '%.*s'", W(ps, 0));
	for (enum mode m = ps->mode;; m = tables[m].parent) {
		const struct cmd *cmd = table_match(ps, &tables[m], from, &nkw);
		if (cmd)
			return run(ps, m, cmd, from, from + nkw);
		if (m == M_TOP)
			return no_match(ps, from);
	}
}

/* ---- lines ---- */

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

static bool
host_char(char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/* `Device>`, `Device#`, `Device(config-router-bmpsrvr)#`, any host name. */
static const char *
strip_cisco(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && host_char(*q))
		q++;
	if (q == p)
		return p;
	if (q < end && *q == '(') {
		for (q++; q < end && host_char(*q); q++)
			;
		if (q >= end || *q != ')')
			return p;
		q++;
	}
	return q < end && (*q == '#' || *q == '>') ? q + 1 : p;
}

/* `<HUAWEI>`, `[~HUAWEI]`, `[*HUAWEI-bmp-session-10.1.1.1]`, any name. */
static const char *
strip_huawei(const char *p, const char *end)
{
	char close = p < end && *p == '<' ? '>' : p < end && *p == '[' ? ']' : 0;
	const char *q;

	if (!close || end - p < 3)
		return p;
	q = memchr(p + 1, close, (size_t)(end - p - 1));
	return q && q > p + 1 ? q + 1 : p;
}

/* Blank-separated words; a word opening with '"' runs to the closing one. */
static void
tokenize(struct pstate *ps, const char *p, const char *end)
{
	ps->nw = 0;
	ps->overflow = false;
	for (p = skip_blank(p, end); p < end; p = skip_blank(p, end)) {
		const char *s = p;
		if (*p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
			p = q ? q + 1 : end;
		} else {
			while (p < end && !is_blank(*p))
				p++;
		}
		if (ps->nw == MAXW) {
			ps->overflow = true;
			return;
		}
		ps->w[ps->nw++] = (struct word){ s, (unsigned)(p - s) };
	}
}

static int
do_line(struct pstate *ps, const char *p, const char *end)
{
	ps->nw = 0;
	while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
		end--;
	for (const char *q = p; q < end; q++)
		if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
			return perr(ps, NOWORD, "control character 0x%02x", (unsigned char)*q);
	p = skip_blank(p, end);
	p = skip_blank(strip_huawei(strip_cisco(p, end), end), end);
	if (p == end || *p == '!' || *p == '#')
		return 0;
	ps->eol = end;
	tokenize(ps, p, end);
	return dispatch(ps);
}

int
cfg_apply(struct cfg *c, const char *text, size_t len, struct cfg_error *err)
{
	struct cfg_error local;
	struct pstate *ps = calloc(1, sizeof(*ps));
	const char *p = text, *end = text + len;
	int rc = 0;

	if (!ps)
		return -ENOMEM;
	ps->c = c;
	ps->err = err ? err : &local;
	memset(ps->err, 0, sizeof(*ps->err));
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ps->line++;
		rc = do_line(ps, p, nl ? nl : end);
		p = nl ? nl + 1 : end;
	}
	free(ps);
	return rc;
}
