/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `bmptapctl configure`: vendor text applied on top of the configuration
 * in Redis, as typing it in configuration mode would, validated whole,
 * written atomically (rcfg_write), then acknowledged by bmptapd. A change
 * refused by the parser or the validator is never written; one refused by
 * bmptapd is rolled back in Redis (when nobody wrote since), so that Redis
 * keeps holding what the appliance runs and the next change does not
 * carry the refused one along.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl/ctl.h"

/*
 * Locating a validation error replays prefixes of the input: bounded so
 * that a huge paste with an early error cannot take minutes.
 */
#define LOCATE_MAX_LINES 4000000u

void
ctl_vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "bmptapctl: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vsay(fmt, ap);
	va_end(ap);
}

/* Offset just past line k (1-based) of text. */
static size_t
line_end(const char *text, size_t len, unsigned k)
{
	size_t off = 0;

	while (k-- && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		off = nl ? (size_t)(nl - text) + 1 : len;
	}
	return off;
}

static unsigned
count_lines(const char *text, size_t len)
{
	unsigned n = 0;

	for (size_t off = 0; off < len; n++) {
		const char *nl = memchr(text + off, '\n', len - off);
		off = nl ? (size_t)(nl - text) + 1 : len;
	}
	return n;
}

/* Whether run + the first k lines validate to exactly err. */
static bool
same_error(const struct cfg *run, const char *text, size_t len, unsigned k,
	   const struct cfg_error *err)
{
	struct cfg c;
	struct cfg_error e;
	bool same = false;

	cfg_init(&c);
	if (cfg_copy(&c, run) == 0 && cfg_apply(&c, text, line_end(text, len, k), &e) == 0 &&
	    cfg_validate(&c, &e) != 0)
		same = strcmp(e.msg, err->msg) == 0;
	cfg_free(&c);
	return same;
}

unsigned
ctl_refused_line(const struct cfg *run, const char *text, size_t len,
		 const struct cfg_error *err)
{
	unsigned n = count_lines(text, len);
	uint64_t budget = LOCATE_MAX_LINES;

	for (unsigned k = n; k > 0; k--) {
		if (budget < k)
			return 0;
		budget -= k;
		if (!same_error(run, text, len, k - 1, err))
			return k;
	}
	return 0;
}

/* Parser or validator: the line and the reason; nothing written. */
static int
refused(const struct cfg *run, const char *text, size_t len, const struct cfg_error *err,
	bool validator)
{
	unsigned line = validator ? ctl_refused_line(run, text, len, err) : 0;

	if (line)
		fprintf(stderr, "bmptapctl: configuration refused: line %u: %s\n", line, err->msg);
	else
		fprintf(stderr, "bmptapctl: configuration refused: %s\n", err->msg);
	return CTL_EREFUSED;
}

static void
result(FILE *out, const struct ctl_opts *o, const char *status, uint64_t version)
{
	struct json j;

	if (!o->json) {
		if (strcmp(status, "unchanged") == 0)
			fprintf(out, "Configuration unchanged (version %" PRIu64 ")\n", version);
		else if (strcmp(status, "applied") == 0)
			fprintf(out, "Configuration version %" PRIu64 " applied\n", version);
		return;
	}
	json_begin(&j, out);
	json_object(&j, NULL);
	json_str(&j, "namespace", o->ns);
	json_str(&j, "status", status);
	json_u64(&j, "config_version", version);
	json_end(&j);
	json_finish(&j);
}

/* bmptapd refused version `ours`: put the previous configuration back. */
static void
rollback(redisContext *rc, const struct ctl_opts *o, const struct cfg *run, uint64_t ours,
	 const char *why)
{
	struct ctl_err e;
	uint64_t cur = 0, v = 0;
	char err[256];

	/* WATCH: the rollback aborts if anyone writes between the check and it */
	if (ctl_watch(rc, o->ns, &e) || ctl_read_version(rc, o->ns, &cur, &e) || cur != ours) {
		ctl_unwatch(rc);
		fprintf(stderr, "bmptapctl: configuration refused by bmptapd: %s (Redis left "
			"as it is: another change was written since)\n", why);
		return;
	}
	if (rcfg_write(rc, o->ns, run, &v, err, sizeof(err))) {
		fprintf(stderr, "bmptapctl: configuration refused by bmptapd: %s (restoring "
			"the previous configuration failed: %s)\n", why, err);
		return;
	}
	fprintf(stderr, "bmptapctl: configuration refused by bmptapd: %s (previous "
		"configuration restored as version %" PRIu64 ")\n", why, v);
}

/* bmptapd's answer to version v. */
static int
acknowledge(redisContext *rc, const struct ctl_opts *o, const struct cfg *run, uint64_t v,
	    FILE *out)
{
	struct ctl_err e;

	switch (ctl_wait_ack(rc, o->ns, v, o->timeout, &e)) {
	case CTL_ACK_OK:
		result(out, o, "applied", v);
		return CTL_OK;
	case CTL_ACK_REFUSED:
		rollback(rc, o, run, v, e.msg);
		return CTL_EREFUSED;
	case CTL_ACK_EIO:
		say("Redis: %s", e.msg);
		return CTL_EREDIS;
	case CTL_ACK_TIMEOUT:
		break;
	}
	result(out, o, "written", v);
	fprintf(stderr, "bmptapctl: configuration version %" PRIu64 " written to Redis, not "
		"acknowledged by bmptapd within %g s (is it running with --redis?)\n", v,
		o->timeout);
	return CTL_ETIMEOUT;
}

#define RETRY (-1)                   /* another writer changed the configuration */
#define WRITE_TRIES 5

/*
 * Write under the WATCH of CONFIG_VERSION set before reading: when another
 * writer committed in between, EXEC aborts and the whole change is
 * re-applied on top of theirs, as if typed after it.
 */
static int
write_watched(redisContext *rc, const struct ctl_opts *o, const struct cfg *next,
	      uint64_t read_version, uint64_t *v)
{
	struct ctl_err e;
	uint64_t cur = 0;
	char err[256];

	if (rcfg_write(rc, o->ns, next, v, err, sizeof(err)) == 0)
		return CTL_OK;
	if (rc->err || ctl_read_version(rc, o->ns, &cur, &e)) {
		say("Redis: %s", err);
		return CTL_EREDIS;
	}
	if (cur != read_version)
		return RETRY;
	say("Redis: %s", err);
	return CTL_EREDIS;
}

/* Parse and validate on top of run: CTL_OK with *changed, or CTL_EREFUSED. */
static int
build(const struct cfg *run, const char *text, size_t len, struct cfg *next, bool *changed)
{
	struct cfg_error err;

	if (cfg_copy(next, run)) {
		say("out of memory");
		return CTL_EREDIS;
	}
	if (cfg_apply(next, text, len, &err))
		return refused(run, text, len, &err, false);
	if (cfg_validate(next, &err))
		return refused(run, text, len, &err, true);
	*changed = !cfg_equal(run, next);
	return CTL_OK;
}

static int
attempt(redisContext *rc, const struct ctl_opts *o, const char *text, size_t len, FILE *out)
{
	struct cfg run, next;
	struct cfg_error err;
	struct ctl_err e;
	uint64_t version = 0, v = 0;
	bool changed = false;
	int ret;

	cfg_init(&run);
	cfg_init(&next);
	if (ctl_watch(rc, o->ns, &e)) {
		say("Redis: %s", e.msg);
		return CTL_EREDIS;
	}
	ret = rcfg_read(rc, o->ns, &run, &version, &err);
	if (ret == -EINVAL) {
		say("the configuration in Redis is invalid: %s", err.msg);
		ret = CTL_EREFUSED;
	} else if (ret) {
		say("Redis: %s", err.msg);
		ret = CTL_EREDIS;
	} else {
		ret = build(&run, text, len, &next, &changed);
	}
	if (ret == CTL_OK && changed)
		ret = write_watched(rc, o, &next, version, &v);
	else if (ret == CTL_OK)
		result(out, o, "unchanged", version);
	if (ret == CTL_OK && changed)
		ret = acknowledge(rc, o, &run, v, out);
	ctl_unwatch(rc);
	cfg_free(&next);
	cfg_free(&run);
	return ret;
}

int
ctl_configure(redisContext *rc, const struct ctl_opts *o, const char *text, size_t len,
	      FILE *out)
{
	for (int i = 0; i < WRITE_TRIES; i++) {
		int ret = attempt(rc, o, text, len, out);
		if (ret != RETRY)
			return ret;
	}
	say("the configuration in Redis kept changing while writing (other writers): "
	    "nothing written, try again");
	return CTL_EREDIS;
}
