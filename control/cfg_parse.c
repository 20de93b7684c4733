/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vendor syntax in: Cisco IOS `bmp server` / `neighbor bmp-activate` and
 * Huawei `bmp` / `bmp-session`, line by line, as typed in configuration
 * mode. A line loses its CLI prompt, is split into words, and is matched
 * against the command table of the current mode, then of its parents: a
 * command of a parent mode leaves the sub-mode, as on the router.
 *
 * This file is the engine: errors, words and argument helpers, matching,
 * dispatch, lines and cfg_apply(). The commands themselves, and the table
 * of each mode, are cfg_cmds.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/cfg.h"
#include "control/cfg_model.h"
#include "control/cfg_parse_priv.h"

/* ---- errors and words ---- */

int
cfgp_err(struct pstate *ps, unsigned wi, const char *fmt, ...)
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

bool
cfgp_word_is(const struct pstate *ps, unsigned i, const char *kw)
{
	return i < ps->nw && ps->w[i].len == strlen(kw) &&
	       strncasecmp(ps->w[i].p, kw, ps->w[i].len) == 0;
}

int
cfgp_no_more(struct pstate *ps, unsigned i)
{
	if (i >= ps->nw)
		return 0;
	return cfgp_err(ps, i, "%s: unexpected word '%.*s' (usage: %s)", ps->cmd->kw, W(ps, i),
		    ps->cmd->usage);
}

/* Decimal digits only; saturates past UINT32_MAX. */
bool
cfgp_word_num(const struct word *w, uint64_t *v)
{
	*v = 0;
	for (unsigned k = 0; k < w->len; k++) {
		if (w->p[k] < '0' || w->p[k] > '9')
			return false;
		*v = *v > UINT32_MAX ? *v : *v * 10 + (uint64_t)(w->p[k] - '0');
	}
	return w->len > 0;
}

int
cfgp_uint(struct pstate *ps, unsigned i, const char *what, uint32_t lo, uint32_t hi,
	 uint32_t *v)
{
	uint64_t x;

	if (i >= ps->nw)
		return cfgp_err(ps, NOWORD, "%s: missing value (%u-%u)", what, lo, hi);
	if (!cfgp_word_num(&ps->w[i], &x))
		return cfgp_err(ps, i, "%s '%.*s': not a number (%u-%u)", what, W(ps, i), lo, hi);
	if (x < lo || x > hi)
		return cfgp_err(ps, i, "%s '%.*s': out of range %u-%u", what, W(ps, i), lo, hi);
	*v = (uint32_t)x;
	return 0;
}

/* ---- addresses and names ---- */

/* The word as an address (cfgm_addr_parse needs a C string). */
static bool
parse_addr(const struct word *w, struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1];

	memset(a, 0, sizeof(*a));
	if (w->len >= sizeof(buf))
		return false;
	memcpy(buf, w->p, w->len);
	buf[w->len] = '\0';
	return cfgm_addr_parse(buf, a);
}

int
cfgp_addr(struct pstate *ps, unsigned i, const char *what, struct cfg_addr *a, bool peer)
{
	const struct word *w = &ps->w[i];

	if (i >= ps->nw)
		return cfgp_err(ps, NOWORD, "%s: missing address (IPv4 or IPv6)", what);
	if (parse_addr(w, a))
		return cfgm_addr_unicast(a) ? 0 :
		       cfgp_err(ps, i, "%s '%.*s': not a unicast address", what, W(ps, i));
	if (peer && !memchr(w->p, ':', w->len) && span(w, "0123456789.") < w->len)
		return cfgp_err(ps, i, "%s '%.*s': peer groups are not supported: "
			    "use the neighbor's address", what, W(ps, i));
	return cfgp_err(ps, i, "%s '%.*s': not an IPv4 or IPv6 address", what, W(ps, i));
}

/* A station: never link-local (the Huawei document's rule). */
int
cfgp_station(struct pstate *ps, unsigned i, const char *what, struct cfg_addr *a)
{
	if (cfgp_addr(ps, i, what, a, false))
		return -EINVAL;
	if (cfgm_addr_link_local(a))
		return cfgp_err(ps, i, "%s '%.*s': link-local address refused (a station cannot "
			    "be reached by a link-local address)", what, W(ps, i));
	return 0;
}

/*
 * Huawei's rule for VPN instance names (also aliases, interfaces): 1-31
 * case-sensitive printable characters, spaces only inside double quotes.
 */
int
cfgp_name(struct pstate *ps, unsigned i, const char *what, char out[CFG_NAME_MAX])
{
	const char *p = i < ps->nw ? ps->w[i].p : NULL;
	unsigned len = i < ps->nw ? ps->w[i].len : 0;
	bool quoted = len && p[0] == '"';

	if (!p)
		return cfgp_err(ps, NOWORD, "%s: missing name (1-%u characters)", what,
			    CFG_NAME_MAX - 1);
	if (quoted && (len < 2 || p[len - 1] != '"'))
		return cfgp_err(ps, i, "%s '%.*s': missing closing quote", what, W(ps, i));
	p += quoted;
	len -= 2 * quoted;
	if (len < 1 || len > CFG_NAME_MAX - 1)
		return cfgp_err(ps, i, "%s '%.*s': %u characters, allowed 1-%u", what, W(ps, i),
			    len, CFG_NAME_MAX - 1);
	for (unsigned k = 0; k < len; k++)
		if (p[k] == '"' || (unsigned char)p[k] > 0x7e || (unsigned char)p[k] < 0x20 ||
		    (p[k] == ' ' && !quoted))
			return cfgp_err(ps, i, "%s '%.*s': character '%c' not allowed", what,
				    W(ps, i), p[k]);
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

int
cfgp_vpn(struct pstate *ps, unsigned i, char out[CFG_NAME_MAX])
{
	if (cfgp_name(ps, i, "vpn-instance", out))
		return -EINVAL;
	if (strcmp(out, "_public_") == 0)
		return cfgp_err(ps, i, "vpn-instance '%.*s': the public network has no "
			    "vpn-instance (name reserved)", W(ps, i));
	return 0;
}

/* `ethernet 0/0` becomes `Ethernet0/0`, as IOS shows it; `eth0` stays. */
int
cfgp_ifname(struct pstate *ps, unsigned i, char out[CFG_NAME_MAX])
{
	const struct word *t = &ps->w[i], *n = &ps->w[i + 1];
	char buf[CFG_NAME_MAX];

	if (ps->nw - i == 1) {
		if (cfgp_name(ps, i, "update-source", buf))
			return -EINVAL;
		if (strchr(buf, ' '))
			return cfgp_err(ps, i, "update-source '%.*s': character ' ' not allowed",
				    W(ps, i));
		memcpy(out, buf, CFG_NAME_MAX);
		return 0;
	}
	if (!is_alpha(t->p[0]) || span(t, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") < t->len)
		return cfgp_err(ps, i, "update-source '%.*s': not an interface type", W(ps, i));
	if (n->p[0] < '0' || n->p[0] > '9' || span(n, "0123456789/.:") < n->len)
		return cfgp_err(ps, i + 1, "update-source '%.*s': not an interface number",
			    W(ps, i + 1));
	if (t->len + n->len > CFG_NAME_MAX - 1)
		return cfgp_err(ps, i, "update-source '%.*s%.*s': longer than %u characters",
			    W(ps, i), W(ps, i + 1), CFG_NAME_MAX - 1);
	snprintf(out, CFG_NAME_MAX, "%c%.*s%.*s", t->p[0] & ~0x20, (int)t->len - 1,
		 t->p + 1, W(ps, i + 1));
	return 0;
}

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
			partial(ps, &cfgp_tables[m], from, &best, pass ? buf : NULL, size, &n);
			if (m == M_TOP)
				break;
			m = cfgp_tables[m].parent;
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
		return cfgp_err(ps, NOWORD, "incomplete command '%.*s' (expected %s)",
			    UPTO(ps, ps->nw - 1), exp);
	return cfgp_err(ps, last, "unknown command '%.*s' (expected %s)", UPTO(ps, last), exp);
}

static int
no_match(struct pstate *ps, unsigned from)
{
	char exp[160] = "";
	unsigned nkw, depth;

	for (enum mode m = 0; m < M_COUNT; m++) {
		const struct cmd *cmd = table_match(ps, &cfgp_tables[m], from, &nkw);
		if (cmd)
			return cfgp_err(ps, from, "'%s' outside %s", cmd->kw, cfgp_tables[m].what);
	}
	depth = expected(ps, from, exp, sizeof(exp));
	if (depth)
		return unknown(ps, from, depth, exp);
	return cfgp_err(ps, from, "unknown command '%.*s'", W(ps, from));
}

/* A word past the arguments may be a keyword of a longer command. */
static int
too_many(struct pstate *ps, unsigned from, unsigned a)
{
	char exp[160] = "";
	unsigned depth = expected(ps, from, exp, sizeof(exp));

	if (depth >= a - from)
		return unknown(ps, from, depth, exp);
	return cfgp_no_more(ps, a + (unsigned)ps->cmd->max);
}

static int
run(struct pstate *ps, enum mode m, const struct cmd *cmd, unsigned from, unsigned a)
{
	unsigned nargs = ps->nw - a;

	ps->cmd = cmd;
	if (ps->overflow && !(cmd->flags & F_RAW))
		return cfgp_err(ps, NOWORD, "%s: more than %u words on a line", cmd->kw, MAXW);
	if (ps->neg && !(cmd->flags & F_NO))
		return cfgp_err(ps, 0, "'%.*s %s' is not supported", W(ps, 0), cmd->kw);
	if (!ps->neg && nargs < (unsigned)cmd->min)
		return cfgp_err(ps, NOWORD, "'%s' incomplete (usage: %s)", cmd->kw, cmd->usage);
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

	ps->neg = cfgp_word_is(ps, 0, "no") || cfgp_word_is(ps, 0, "default") ||
		  cfgp_word_is(ps, 0, "undo");
	from = ps->neg;
	if (from >= ps->nw)
		return cfgp_err(ps, 0, "incomplete command '%.*s'", W(ps, 0));
	for (enum mode m = ps->mode;; m = cfgp_tables[m].parent) {
		const struct cmd *cmd = table_match(ps, &cfgp_tables[m], from, &nkw);
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
			return cfgp_err(ps, NOWORD, "control character 0x%02x", (unsigned char)*q);
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
