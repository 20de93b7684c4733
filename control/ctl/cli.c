/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptapctl's command line: options (anywhere, GNU style) and the command
 * words, matched against one table of patterns that holds every command
 * and its vendor aliases. Keywords are case-insensitive and may be cut to
 * a prefix, as on the router (`sh ip bgp bmp s summ`); a prefix that fits
 * two different commands is refused as ambiguous.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/ctl/ctl.h"

#define MAXWORDS 8
#define SERVER_ID_MAX (CFG_HUAWEI_ID_BASE + CFG_MAX_SERVERS - 1)

/* Placeholders in patterns. */
#define P_SERVER "<N>"
#define P_SWITCH "<SWITCH>"
#define P_FILE "<FILE>"

struct pattern {
	const char *words;           /* space separated */
	enum ctl_cmd cmd;
	unsigned debug;              /* switches of a pattern without <SWITCH> */
};

static const struct pattern patterns[] = {
	{ "configure", CTL_CMD_CONFIGURE, 0 },
	{ "configure " P_FILE, CTL_CMD_CONFIGURE, 0 },
	{ "show running-config", CTL_CMD_SHOW_RUNNING, 0 },
	{ "show running-config | section bmp", CTL_CMD_SHOW_RUNNING, 0 },
	{ "show bmp server summary", CTL_CMD_SHOW_SUMMARY, 0 },
	{ "show ip bgp bmp server summary", CTL_CMD_SHOW_SUMMARY, 0 },
	{ "show bmp server", CTL_CMD_SHOW_SERVER, 0 },
	{ "show bmp server " P_SERVER, CTL_CMD_SHOW_SERVER, 0 },
	{ "show ip bgp bmp server", CTL_CMD_SHOW_SERVER, 0 },
	{ "show ip bgp bmp server " P_SERVER, CTL_CMD_SHOW_SERVER, 0 },
	{ "show bmp neighbors", CTL_CMD_SHOW_NEIGHBORS, 0 },
	{ "show bmp server neighbors", CTL_CMD_SHOW_NEIGHBORS, 0 },
	{ "show ip bgp bmp neighbors", CTL_CMD_SHOW_NEIGHBORS, 0 },
	{ "show ip bgp bmp server neighbors", CTL_CMD_SHOW_NEIGHBORS, 0 },
	{ "show debugging", CTL_CMD_SHOW_DEBUGGING, 0 },
	{ "debug bmp " P_SWITCH, CTL_CMD_DEBUG, 0 },
	{ "debug ip bgp bmp " P_SWITCH, CTL_CMD_DEBUG, 0 },
	{ "undebug bmp " P_SWITCH, CTL_CMD_UNDEBUG, 0 },
	{ "undebug ip bgp bmp " P_SWITCH, CTL_CMD_UNDEBUG, 0 },
	{ "no debug bmp " P_SWITCH, CTL_CMD_UNDEBUG, 0 },
	{ "no debug ip bgp bmp " P_SWITCH, CTL_CMD_UNDEBUG, 0 },
	{ "undebug all", CTL_CMD_UNDEBUG, CTL_DBG_ALL },
	{ "no debug all", CTL_CMD_UNDEBUG, CTL_DBG_ALL },
};

#define NPATTERNS (sizeof(patterns) / sizeof(patterns[0]))

static const struct {
	const char *name;
	unsigned bits;
} switches[] = {
	{ "event", CTL_DBG_EVENT }, { "events", CTL_DBG_EVENT },
	{ "neighbor", CTL_DBG_NEIGHBOR }, { "neighbors", CTL_DBG_NEIGHBOR },
	{ "server", CTL_DBG_SERVER }, { "all", CTL_DBG_ALL },
};

static const char usage_text[] =
	"usage: bmptapctl [--redis URL] [--namespace NS] [--json] [--timeout S] COMMAND ...\n"
	"\n"
	"The operator CLI of bmptap, through the appliance's Redis: configuration in\n"
	"Cisco `bmp server` / Huawei `bmp-session` syntax, show commands modelled on\n"
	"Cisco IOS, debug switches.\n"
	"\n"
	"Commands (keywords may be abbreviated: sh run, sh bmp s summ):\n"
	"  configure [FILE|-]        apply vendor-syntax lines (default: stdin) on top of\n"
	"                            the running configuration as a whole (all or nothing),\n"
	"                            then wait for bmptapd to apply them; `no` / `undo`\n"
	"                            forms remove or reset\n"
	"  show running-config       (also: show running-config | section bmp)\n"
	"  show bmp server summary   (also: show ip bgp bmp server summary)\n"
	"  show bmp server [N]       (also: show ip bgp bmp server [N]); every server\n"
	"                            without N\n"
	"  show bmp neighbors        (also: show ip bgp bmp [server] neighbors)\n"
	"  show debugging\n"
	"  debug bmp {event|neighbor|server|all}       (also: debug ip bgp bmp ...)\n"
	"  undebug bmp {event|neighbor|server|all}     (also: no debug [ip bgp] bmp ...,\n"
	"                                               undebug all)\n"
	"\n"
	"Options:\n"
	"  -r, --redis URL       redis://[user:password@]host[:port][/db] or\n"
	"                        unix:/path[?db=N] (default " CTL_DEFAULT_URL ")\n"
	"  -n, --namespace NS    the appliance's key namespace (default " RCFG_DEFAULT_NS ")\n"
	"  -j, --json            one JSON document on stdout (show, debug, configure)\n"
	"  -t, --timeout S       seconds to wait for Redis, and for bmptapd to apply a\n"
	"                        configuration (default 5; 0: do not wait)\n"
	"  -h, --help            this text\n"
	"      --version         version\n"
	"\n"
	"Exit codes:\n"
	"  0  success\n"
	"  1  usage error: unknown or incomplete command or option, server not configured\n"
	"  2  configuration refused (parser, validator or bmptapd), with the line and the\n"
	"     reason; the configuration in Redis is left as it was (also: the configuration\n"
	"     stored in Redis is invalid)\n"
	"  3  Redis unreachable, or an error from Redis\n"
	"  4  configuration written to Redis, not acknowledged by bmptapd within --timeout\n"
	"Errors go to stderr, one line each.\n";

void
ctl_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* ---- command words ---- */

/* Word k of a pattern into buf ("" past the end). */
static const char *
pword(const char *words, unsigned k, char *buf, size_t len)
{
	for (; k && *words; k--) {
		words += strcspn(words, " ");
		words += *words == ' ';
	}
	snprintf(buf, len, "%.*s", (int)strcspn(words, " "), words);
	return buf;
}

static unsigned
pcount(const char *words)
{
	unsigned n = 1;

	for (; *words; words++)
		n += *words == ' ';
	return n;
}

static unsigned
switch_bits(const char *w)
{
	size_t len = strlen(w);

	for (unsigned i = 0; len && i < sizeof(switches) / sizeof(switches[0]); i++)
		if (strncasecmp(w, switches[i].name, len) == 0)
			return switches[i].bits;
	return 0;
}

static bool
server_id(const char *w, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (w[0] < '0' || w[0] > '9')
		return false;
	errno = 0;
	v = strtoul(w, &end, 10);
	if (errno || *end || v < 1 || v > SERVER_ID_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* One word against one pattern word: a keyword matches any prefix of it. */
static bool
word_match(const char *w, const char *p)
{
	size_t len = strlen(w);
	uint32_t id;

	if (strcmp(p, P_FILE) == 0)
		return true;
	if (strcmp(p, P_SERVER) == 0)
		return server_id(w, &id);
	if (strcmp(p, P_SWITCH) == 0)
		return switch_bits(w) != 0;
	return len && len <= strlen(p) && strncasecmp(w, p, len) == 0;
}

/* How many leading words match the pattern. */
static unsigned
match_depth(const struct pattern *pt, char **w, unsigned nw)
{
	char buf[32];
	unsigned n = pcount(pt->words), d = 0;

	while (d < nw && d < n && word_match(w[d], pword(pt->words, d, buf, sizeof(buf))))
		d++;
	return d;
}

/* Fill the command from the matched pattern's placeholders. */
static void
take(const struct pattern *pt, char **w, unsigned nw, struct ctl_opts *o)
{
	char buf[32];

	o->cmd = pt->cmd;
	o->debug = pt->debug;
	for (unsigned k = 0; k < nw; k++) {
		pword(pt->words, k, buf, sizeof(buf));
		if (strcmp(buf, P_SERVER) == 0)
			server_id(w[k], &o->server);
		else if (strcmp(buf, P_SWITCH) == 0)
			o->debug = switch_bits(w[k]);
		else if (strcmp(buf, P_FILE) == 0)
			o->file = w[k];
	}
}

static const char *
placeholder_text(const char *p)
{
	if (strcmp(p, P_SERVER) == 0)
		return "N (1-1063)";
	if (strcmp(p, P_SWITCH) == 0)
		return "event|neighbor|server|all";
	return strcmp(p, P_FILE) == 0 ? "FILE" : p;
}

/* Whether item is one of the ", " separated items of list. */
static bool
listed(const char *list, const char *item)
{
	size_t len = strlen(item);

	while (*list) {
		if (strncmp(list, item, len) == 0 && (list[len] == ',' || !list[len]))
			return true;
		list += strcspn(list, ",");
		list += strspn(list, ", ");
	}
	return false;
}

/* Next words of the patterns that matched `depth` words, deduplicated. */
static void
expected(char **w, unsigned nw, unsigned depth, char *out, size_t len)
{
	size_t n = 0;
	char buf[32];

	out[0] = '\0';
	for (unsigned i = 0; i < NPATTERNS; i++) {
		const char *next;
		if (match_depth(&patterns[i], w, nw) != depth ||
		    pcount(patterns[i].words) <= depth)
			continue;
		next = placeholder_text(pword(patterns[i].words, depth, buf, sizeof(buf)));
		if (!listed(out, next) && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ", " : "", next);
	}
}

static void
joined(char **w, unsigned nw, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned k = 0; k < nw && n < len; k++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", k ? " " : "", w[k]);
}

static int
no_match(char **w, unsigned nw, char *err, size_t errlen)
{
	unsigned depth = 0;
	char exp[256], cmd[256];

	for (unsigned i = 0; i < NPATTERNS; i++) {
		unsigned d = match_depth(&patterns[i], w, nw);
		depth = d > depth ? d : depth;
	}
	expected(w, nw, depth, exp, sizeof(exp));
	joined(w, depth < nw ? depth + 1 : nw, cmd, sizeof(cmd));
	if (depth == nw)
		snprintf(err, errlen, "incomplete command '%s' (expected %s)", cmd, exp);
	else if (*exp)
		snprintf(err, errlen, "unknown command '%s' (expected %s)", cmd, exp);
	else
		snprintf(err, errlen, "unexpected word '%s' in '%s'", w[depth], cmd);
	return CTL_EUSAGE;
}

/* The pattern that matches every word; two commands matching is ambiguous. */
static int
parse_words(char **w, unsigned nw, struct ctl_opts *o, char *err, size_t errlen)
{
	const struct pattern *best = NULL;
	char cmd[256];

	for (unsigned i = 0; i < NPATTERNS; i++) {
		const struct pattern *pt = &patterns[i];
		if (pcount(pt->words) != nw || match_depth(pt, w, nw) != nw)
			continue;
		if (best && pt->cmd != best->cmd) {
			joined(w, nw, cmd, sizeof(cmd));
			snprintf(err, errlen, "ambiguous command '%s'", cmd);
			return CTL_EUSAGE;
		}
		best = best ? best : pt;
	}
	if (!best)
		return no_match(w, nw, err, errlen);
	take(best, w, nw, o);
	return CTL_OK;
}

/* ---- options ---- */

enum { OPT_VERSION = 256 };

static const struct option longopts[] = {
	{ "redis", required_argument, NULL, 'r' },
	{ "namespace", required_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
parse_timeout(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > CTL_TIMEOUT_MAX)
		return -1;
	*out = v;
	return 0;
}

static int
option(int ch, const char *arg, struct ctl_opts *o, char *err, size_t errlen)
{
	switch (ch) {
	case 'r':
		o->url = arg;
		if (strncmp(arg, "redis://", 8) == 0 || strncmp(arg, "unix:", 5) == 0)
			return CTL_OK;
		snprintf(err, errlen, "--redis '%s': expected redis://... or unix:...", arg);
		return CTL_EUSAGE;
	case 'n':
		o->ns = arg;
		if (rcfg_ns_valid(arg))
			return CTL_OK;
		snprintf(err, errlen, "--namespace '%s': 1-63 characters of A-Z a-z 0-9 _ . -",
			 arg);
		return CTL_EUSAGE;
	case 'j':
		o->json = true;
		return CTL_OK;
	case 't':
		if (parse_timeout(arg, &o->timeout) == 0)
			return CTL_OK;
		snprintf(err, errlen, "--timeout '%s': seconds, 0-3600", arg);
		return CTL_EUSAGE;
	case 'h':
		o->help = true;
		return CTL_OK;
	case OPT_VERSION:
		o->version = true;
		return CTL_OK;
	}
	return CTL_EUSAGE;
}

static void
bad_option(int ch, char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];

	if (ch == ':')
		snprintf(err, errlen, "option '%s' needs a value", arg);
	else if (optopt && optopt < 256 && strncmp(arg, "--", 2) != 0)
		snprintf(err, errlen, "unknown option '-%c'", optopt);
	else
		snprintf(err, errlen, "unknown option '%s'", arg);
}

int
ctl_parse(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->url = CTL_DEFAULT_URL;
	o->ns = RCFG_DEFAULT_NS;
	o->timeout = CTL_DEFAULT_TIMEOUT;
	err[0] = '\0';
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:n:jt:h", longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			bad_option(ch, argv, err, errlen);
			return CTL_EUSAGE;
		}
		if (option(ch, optarg, o, err, errlen) != CTL_OK)
			return CTL_EUSAGE;
	}
	if (o->help || o->version)
		return CTL_OK;
	if (optind >= argc) {
		snprintf(err, errlen, "no command (bmptapctl --help lists them)");
		return CTL_EUSAGE;
	}
	if (argc - optind > MAXWORDS) {
		snprintf(err, errlen, "too many words for a command (%d)", argc - optind);
		return CTL_EUSAGE;
	}
	return parse_words(argv + optind, (unsigned)(argc - optind), o, err, errlen);
}
