/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptapctl's Redis side beyond rcfg.h: the state tables bmptapd publishes
 * (read only), the debug switches (NS:BMP_DEBUG|switches, written with a
 * DEBUG_CHANGED publish in one MULTI/EXEC), and the wait for bmptapd's
 * acknowledgement of a configuration version. Hashes are read as
 * struct rcfg_hash, the form rows.c turns into typed rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/ctl/ctl.h"

#define SCAN_COUNT "1000"
#define ACK_POLL_NS 50000000L        /* bmptapd publishes every second or on change */

static const char *const switch_field[] = { "event", "neighbor", "server" };

/* A failed command: the context's error or the reply's. Frees r. */
static int
fail(redisContext *rc, redisReply *r, const char *what, struct ctl_err *e)
{
	if (!r)
		snprintf(e->msg, sizeof(e->msg), "%s: %s", what,
			 rc->err ? rc->errstr : "no reply");
	else
		snprintf(e->msg, sizeof(e->msg), "%s: %.*s", what, (int)r->len,
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply type");
	freeReplyObject(r);
	return -EIO;
}

/* An HGETALL reply into h (n = 0 when the key does not exist). */
static int
to_hash(const redisReply *r, const char *key, struct rcfg_hash *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->key, sizeof(h->key), "%s", key);
	if (r->type != REDIS_REPLY_ARRAY)
		return -EIO;
	if (r->elements < 2)
		return 0;
	h->f = calloc(r->elements / 2, sizeof(*h->f));
	if (!h->f)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		snprintf(h->f[h->n].name, sizeof(h->f[h->n].name), "%s", k->str);
		snprintf(h->f[h->n].value, sizeof(h->f[h->n].value), "%s", v->str);
		h->n++;
	}
	return 0;
}

static void
hash_free(struct rcfg_hash *h)
{
	free(h->f);
	h->f = NULL;
	h->n = 0;
}

/* HGETALL key; h->n == 0: absent. */
static int
hgetall(redisContext *rc, const char *key, struct rcfg_hash *h, struct ctl_err *e)
{
	redisReply *r = redisCommand(rc, "HGETALL %s", key);
	int ret;

	if (!r || r->type == REDIS_REPLY_ERROR)
		return fail(rc, r, key, e);
	ret = to_hash(r, key, h);
	freeReplyObject(r);
	if (ret)
		snprintf(e->msg, sizeof(e->msg), "%s: %s", key,
			 ret == -ENOMEM ? "out of memory" : "not a hash");
	return ret ? -EIO : 0;
}

static int
read_global(redisContext *rc, const char *ns, struct ctl_global *g, struct ctl_err *e)
{
	char key[RCFG_NS_MAX + 96];
	struct rcfg_hash h;

	rcfg_key(key, sizeof(key), ns, "BMP_GLOBAL_STATE", "global");
	if (hgetall(rc, key, &h, e))
		return -EIO;
	ctl_global_from_hash(g, h.n ? &h : NULL);
	hash_free(&h);
	return 0;
}

static int
read_servers(redisContext *rc, const char *ns, const struct cfg *c, struct ctl_state *st,
	     struct ctl_err *e)
{
	char key[RCFG_NS_MAX + 96], id[16];
	struct rcfg_hash h;

	st->nservers = c->nservers;
	for (unsigned i = 0; i < c->nservers; i++) {
		snprintf(id, sizeof(id), "%u", c->servers[i].id);
		rcfg_key(key, sizeof(key), ns, "BMP_SERVER_STATE", id);
		if (hgetall(rc, key, &h, e))
			return -EIO;
		ctl_server_from_hash(&st->servers[i], c->servers[i].id, h.n ? &h : NULL);
		hash_free(&h);
	}
	return 0;
}

/* One SCAN page of neighbor rows, each read with HGETALL. */
static int
scan_page(redisContext *rc, const char *match, char *cursor, size_t clen,
	  struct ctl_state *st, struct ctl_err *e)
{
	redisReply *r = redisCommand(rc, "SCAN %s MATCH %s COUNT " SCAN_COUNT, cursor, match);
	const redisReply *keys;
	int ret = 0;

	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		return fail(rc, r, "SCAN", e);
	snprintf(cursor, clen, "%s", r->element[0]->str ? r->element[0]->str : "0");
	keys = r->element[1];
	for (size_t i = 0; i < keys->elements && !ret; i++) {
		struct rcfg_hash h;
		if (keys->element[i]->type != REDIS_REPLY_STRING)
			continue;
		ret = hgetall(rc, keys->element[i]->str, &h, e);
		/* a row removed since SCAN, or a garbled key, is not shown */
		if (!ret && h.n && ctl_state_add_neighbor(st, &h) == -ENOMEM) {
			snprintf(e->msg, sizeof(e->msg), "out of memory");
			ret = -EIO;
		}
		hash_free(&h);
	}
	freeReplyObject(r);
	return ret;
}

static int
read_neighbors(redisContext *rc, const char *ns, struct ctl_state *st, struct ctl_err *e)
{
	char match[RCFG_NS_MAX + 96], cursor[32] = "0";

	rcfg_key(match, sizeof(match), ns, "BMP_NEIGHBOR_STATE", "*");
	do {
		if (scan_page(rc, match, cursor, sizeof(cursor), st, e))
			return -EIO;
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

int
ctl_read_state(redisContext *rc, const char *ns, const struct cfg *c, struct ctl_state *st,
	       struct ctl_err *e)
{
	ctl_state_init(st);
	if (read_global(rc, ns, &st->g, e) || read_servers(rc, ns, c, st, e) ||
	    read_neighbors(rc, ns, st, e))
		return -EIO;
	if (ctl_state_finish(st, c)) {
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		return -EIO;
	}
	return 0;
}

int
ctl_read_version(redisContext *rc, const char *ns, uint64_t *version, struct ctl_err *e)
{
	char key[RCFG_NS_MAX + 96];
	redisReply *r;

	snprintf(key, sizeof(key), "%s:CONFIG_VERSION", ns);
	r = redisCommand(rc, "GET %s", key);
	if (!r || (r->type != REDIS_REPLY_NIL && r->type != REDIS_REPLY_STRING))
		return fail(rc, r, key, e);
	*version = r->type == REDIS_REPLY_NIL ? 0 : strtoull(r->str, NULL, 10);
	freeReplyObject(r);
	return 0;
}

int
ctl_watch(redisContext *rc, const char *ns, struct ctl_err *e)
{
	char key[RCFG_NS_MAX + 32];
	redisReply *r;

	snprintf(key, sizeof(key), "%s:CONFIG_VERSION", ns);
	r = redisCommand(rc, "WATCH %s", key);
	if (!r || r->type == REDIS_REPLY_ERROR)
		return fail(rc, r, "WATCH", e);
	freeReplyObject(r);
	return 0;
}

void
ctl_unwatch(redisContext *rc)
{
	if (!rc->err)
		freeReplyObject(redisCommand(rc, "UNWATCH"));
}

/* ---- debug switches ---- */

int
ctl_debug_read(redisContext *rc, const char *ns, unsigned *mask, struct ctl_err *e)
{
	char key[RCFG_NS_MAX + 96];
	struct rcfg_hash h;

	rcfg_key(key, sizeof(key), ns, "BMP_DEBUG", "switches");
	if (hgetall(rc, key, &h, e))
		return -EIO;
	*mask = 0;
	for (unsigned i = 0; i < h.n; i++)
		for (unsigned b = 0; b < 3; b++)
			if (strcmp(h.f[i].name, switch_field[b]) == 0 &&
			    strcmp(h.f[i].value, "on") == 0)
				*mask |= 1u << b;
	hash_free(&h);
	return 0;
}

/* HSET of the switches in mask, then the publish, as one transaction. */
static void
append_debug(redisContext *rc, const char *key, const char *chan, unsigned mask, bool on)
{
	const char *argv[2 + 2 * 3];
	char msg[64] = "";
	size_t n = 0;
	int argc = 2;

	argv[0] = "HSET";
	argv[1] = key;
	for (unsigned b = 0; b < 3; b++) {
		if (!(mask & (1u << b)))
			continue;
		argv[argc++] = switch_field[b];
		argv[argc++] = on ? "on" : "off";
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s=%s", n ? " " : "",
				      switch_field[b], on ? "on" : "off");
	}
	redisAppendCommand(rc, "MULTI");
	redisAppendCommandArgv(rc, argc, argv, NULL);
	redisAppendCommand(rc, "PUBLISH %s %s", chan, msg);
	redisAppendCommand(rc, "EXEC");
}

int
ctl_debug_write(redisContext *rc, const char *ns, unsigned mask, bool on, struct ctl_err *e)
{
	char key[RCFG_NS_MAX + 96], chan[RCFG_NS_MAX + 32];
	redisReply *r = NULL;

	rcfg_key(key, sizeof(key), ns, "BMP_DEBUG", "switches");
	snprintf(chan, sizeof(chan), "%s:DEBUG_CHANGED", ns);
	append_debug(rc, key, chan, mask & CTL_DBG_ALL, on);
	for (int i = 0; i < 4; i++) {
		freeReplyObject(r);
		r = NULL;
		if (redisGetReply(rc, (void **)&r) != REDIS_OK)
			return fail(rc, NULL, key, e);
		if (r->type == REDIS_REPLY_ERROR)
			return fail(rc, r, key, e);
	}
	if (r->type != REDIS_REPLY_ARRAY)
		return fail(rc, r, "EXEC", e);
	freeReplyObject(r);
	return 0;
}

/* ---- acknowledgement ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
reply_u64(const redisReply *r)
{
	char *end;
	uint64_t v;

	if (r->type != REDIS_REPLY_STRING || !*r->str)
		return CTL_NONE;
	v = strtoull(r->str, &end, 10);
	return *end ? CTL_NONE : v;
}

/*
 * One look at the daemon's status: 1 acknowledged, 0 not yet, -EIO.
 * config_version is the version applied, config_seen_version the last one
 * read (applied or refused) and config_status/config_error are about that
 * one. Applied at or past ours: ours is running (or was superseded by a
 * later change that was applied); seen at or past ours and refused: ours
 * was refused.
 */
static int
ack_poll(redisContext *rc, const char *key, uint64_t version, bool *refused,
	 struct ctl_err *e)
{
	redisReply *r = redisCommand(rc, "HMGET %s config_version config_seen_version "
				     "config_status config_error", key);
	uint64_t applied, seen;
	const redisReply *m;

	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 4)
		return fail(rc, r, key, e);
	applied = reply_u64(r->element[0]);
	seen = reply_u64(r->element[1]);
	seen = seen == CTL_NONE ? applied : seen;
	m = r->element[3];
	*refused = r->element[2]->type == REDIS_REPLY_STRING &&
		   strcmp(r->element[2]->str, "refused") == 0;
	snprintf(e->msg, sizeof(e->msg), "%s",
		 m->type == REDIS_REPLY_STRING && *m->str ? m->str : "no reason given");
	freeReplyObject(r);
	if (applied != CTL_NONE && applied >= version) {
		*refused = false;
		return 1;
	}
	return seen != CTL_NONE && seen >= version && *refused;
}

enum ctl_ack
ctl_wait_ack(redisContext *rc, const char *ns, uint64_t version, double timeout,
	     struct ctl_err *e)
{
	const struct timespec pause = { 0, ACK_POLL_NS };
	char key[RCFG_NS_MAX + 96];
	double deadline = now_s() + timeout;
	bool refused = false;

	rcfg_key(key, sizeof(key), ns, "BMP_GLOBAL_STATE", "global");
	for (;;) {
		int rc2 = ack_poll(rc, key, version, &refused, e);
		if (rc2 < 0)
			return CTL_ACK_EIO;
		if (rc2 > 0)
			return refused ? CTL_ACK_REFUSED : CTL_ACK_OK;
		if (now_s() >= deadline)
			return CTL_ACK_TIMEOUT;
		nanosleep(&pause, NULL);
	}
}
