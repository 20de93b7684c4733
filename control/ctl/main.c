/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptapctl: parse the command line, connect to Redis, run the command
 * from a table indexed by command, and turn every outcome into one of the
 * documented exit codes with one line on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/ctl/ctl.h"

#ifndef BMPTAP_VERSION
#define BMPTAP_VERSION "unknown"
#endif

#define INPUT_MAX (16u << 20)        /* as cfg_load_file: past this is a mistake */
#define REDIS_TIMEOUT_MIN 1.0        /* Redis gets at least this, even with --timeout 0 */

struct ctx {
	const struct ctl_opts *o;
	redisContext *rc;
	char *text;                  /* configure: the input */
	size_t len;
};

static int __attribute__((format(printf, 2, 3)))
fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vsay(fmt, ap);
	va_end(ap);
	return code;
}

/* ---- the view every show reads ---- */

struct view {
	struct cfg cfg;
	struct ctl_state st;
	struct ctl_view v;
};

static int
load_config(struct ctx *x, struct cfg *c, uint64_t *version)
{
	struct cfg_error err;
	int ret;

	cfg_init(c);
	ret = rcfg_read(x->rc, x->o->ns, c, version, &err);
	if (ret == -EINVAL)
		return fail(CTL_EREFUSED, "the configuration in Redis is invalid: %s", err.msg);
	if (ret)
		return fail(CTL_EREDIS, "Redis: %s", err.msg);
	return CTL_OK;
}

static int
load_view(struct ctx *x, struct view *w)
{
	struct ctl_err e;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = load_config(x, &w->cfg, &w->v.config_version);
	if (ret)
		return ret;
	if (ctl_read_state(x->rc, x->o->ns, &w->cfg, &w->st, &e))
		return fail(CTL_EREDIS, "Redis: %s", e.msg);
	w->v.ns = x->o->ns;
	w->v.cfg = &w->cfg;
	w->v.st = &w->st;
	return CTL_OK;
}

static void
free_view(struct view *w)
{
	ctl_state_free(&w->st);
	cfg_free(&w->cfg);
}

static int
written(int ret)
{
	if (fflush(stdout) || ferror(stdout))
		return fail(CTL_EUSAGE, "writing the output: %s", strerror(errno));
	return ret < 0 ? fail(CTL_EUSAGE, "formatting the output: %s", strerror(-ret)) : CTL_OK;
}

/* ---- commands ---- */

static int
cmd_configure(struct ctx *x)
{
	return ctl_configure(x->rc, x->o, x->text, x->len, stdout);
}

static int
cmd_show_running(struct ctx *x)
{
	struct cfg c;
	uint64_t version = 0;
	int ret = load_config(x, &c, &version);

	if (ret)
		return ret;
	ret = x->o->json ? ctl_json_running(stdout, x->o->ns, &c, version) : cfg_write(&c, stdout);
	cfg_free(&c);
	return written(ret);
}

static int
show_view(struct ctx *x, int (*text)(FILE *, const struct ctl_view *),
	  int (*json)(FILE *, const struct ctl_view *))
{
	struct view w;
	int ret = load_view(x, &w);

	if (ret == CTL_OK)
		ret = written((x->o->json ? json : text)(stdout, &w.v));
	free_view(&w);
	return ret;
}

static int
cmd_show_summary(struct ctx *x)
{
	return show_view(x, ctl_show_summary, ctl_json_summary);
}

static int
cmd_show_neighbors(struct ctx *x)
{
	return show_view(x, ctl_show_neighbors, ctl_json_neighbors);
}

static int
cmd_show_server(struct ctx *x)
{
	uint32_t id = x->o->server;
	struct view w;
	int ret = load_view(x, &w);

	if (ret == CTL_OK && id && !cfg_server_find(&w.cfg, id))
		ret = fail(CTL_EUSAGE, "bmp server %u is not configured", id);
	else if (ret == CTL_OK)
		ret = written(x->o->json ? ctl_json_server(stdout, &w.v, id) :
			      ctl_show_server(stdout, &w.v, id));
	free_view(&w);
	return ret;
}

static int
cmd_show_debugging(struct ctx *x)
{
	struct ctl_err e;
	unsigned mask;

	if (ctl_debug_read(x->rc, x->o->ns, &mask, &e))
		return fail(CTL_EREDIS, "Redis: %s", e.msg);
	return written(x->o->json ? ctl_json_debugging(stdout, x->o->ns, mask) :
		       ctl_show_debugging(stdout, mask));
}

static int
set_debug(struct ctx *x, bool on)
{
	struct ctl_err e;
	unsigned mask;

	if (ctl_debug_write(x->rc, x->o->ns, x->o->debug, on, &e))
		return fail(CTL_EREDIS, "Redis: %s", e.msg);
	if (!x->o->json)
		return written(ctl_show_debug_change(stdout, x->o->debug, on));
	if (ctl_debug_read(x->rc, x->o->ns, &mask, &e))
		return fail(CTL_EREDIS, "Redis: %s", e.msg);
	return written(ctl_json_debugging(stdout, x->o->ns, mask));
}

static int
cmd_debug(struct ctx *x)
{
	return set_debug(x, true);
}

static int
cmd_undebug(struct ctx *x)
{
	return set_debug(x, false);
}

static int (*const handlers[CTL_CMD_COUNT])(struct ctx *) = {
	[CTL_CMD_CONFIGURE] = cmd_configure,
	[CTL_CMD_SHOW_RUNNING] = cmd_show_running,
	[CTL_CMD_SHOW_SUMMARY] = cmd_show_summary,
	[CTL_CMD_SHOW_SERVER] = cmd_show_server,
	[CTL_CMD_SHOW_NEIGHBORS] = cmd_show_neighbors,
	[CTL_CMD_SHOW_DEBUGGING] = cmd_show_debugging,
	[CTL_CMD_DEBUG] = cmd_debug,
	[CTL_CMD_UNDEBUG] = cmd_undebug,
};

/* ---- input and connection ---- */

static int
read_input(const char *path, char **text, size_t *len)
{
	bool in = !path || strcmp(path, "-") == 0;
	FILE *f = in ? stdin : fopen(path, "r");
	size_t cap = 0, n = 0;
	char *buf = NULL;

	if (!f)
		return fail(CTL_EUSAGE, "%s: %s", path, strerror(errno));
	if (in && isatty(fileno(stdin)))
		fprintf(stderr, "Enter configuration commands, one per line. End with CTRL/D.\n");
	for (;;) {
		if (n == cap) {
			char *nb = cap >= INPUT_MAX ? NULL : realloc(buf, cap += 65536);
			if (!nb) {
				free(buf);
				if (!in)
					fclose(f);
				return fail(CTL_EUSAGE, "%s: larger than %u bytes",
					    in ? "standard input" : path, INPUT_MAX);
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		if (!in)
			fclose(f);
		return fail(CTL_EUSAGE, "%s: read error", in ? "standard input" : path);
	}
	if (!in)
		fclose(f);
	*text = buf;
	*len = n;
	return CTL_OK;
}

static int
connect_redis(struct ctx *x)
{
	double t = x->o->timeout > REDIS_TIMEOUT_MIN ? x->o->timeout : REDIS_TIMEOUT_MIN;
	struct timeval tv = { (time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6) };
	char err[256] = "";

	x->rc = rcfg_connect(x->o->url, tv, err, sizeof(err));
	if (!x->rc)
		return fail(CTL_EREDIS, "Redis %s: %s", x->o->url, *err ? err : "cannot connect");
	return CTL_OK;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o;
	struct ctx x = { .o = &o };
	char err[512];
	int ret = ctl_parse(argc, argv, &o, err, sizeof(err));

	if (ret)
		return fail(ret, "%s", err);
	if (o.help) {
		ctl_usage(stdout);
		return CTL_OK;
	}
	if (o.version) {
		printf("bmptapctl %s\n", BMPTAP_VERSION);
		return CTL_OK;
	}
	if (o.cmd == CTL_CMD_CONFIGURE && (ret = read_input(o.file, &x.text, &x.len)))
		return ret;
	ret = connect_redis(&x);
	if (ret == CTL_OK)
		ret = handlers[o.cmd](&x);
	if (x.rc)
		redisFree(x.rc);
	free(x.text);
	return ret;
}
