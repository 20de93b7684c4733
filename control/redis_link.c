/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Redis thread (redis_link.h). Two connections: `cmd` for reads and
 * writes, `sub` subscribed to the change channels and keyspace
 * notifications, watched with poll() together with an eventfd the control
 * thread writes to when it has something to publish or wants the thread
 * to stop. Blocking hiredis calls are bounded by a 1 s timeout; any I/O
 * error drops both connections and the thread reconnects with backoff.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rcfg.h"
#include "redis_link.h"

#define IO_TIMEOUT_MS 1000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define KEYSPACE_DEBOUNCE_MS 100   /* raw edits: let a burst of HSETs land */
#define STATE_TTL_S "10"           /* state rows outlive a publish by this */
#define OUTAGE_LOG_MS 30000
#define ERR_MAX 320

struct redis_link {
	pthread_t thr;
	char url[1024];
	char ns[RCFG_NS_MAX];
	uint32_t debug_default;
	int wake;                       /* eventfd: wakes the thread */
	pthread_mutex_t mu;
	/* mailbox, under mu */
	bool stop;
	bool reread;
	struct state_snap *snap;        /* to publish */
	enum redis_link_event ev;       /* to the control thread */
	struct cfg cfg;
	uint64_t version;
	char err[ERR_MAX];
	/* atomics */
	int pending;                    /* ev != NONE: the control thread's fast check */
	int connected;
	uint64_t reconnects;
	/* the thread's own */
	redisContext *cmd, *sub;
	bool ever_connected;
	bool need_read, need_debug;
	uint64_t read_at_ms;            /* keyspace event: read then; 0: none */
	char **keys;                    /* state keys written last, sorted */
	unsigned nkeys;
	bool keys_known;                /* keys[] is what Redis holds */
	uint64_t backoff_ms;
	uint64_t outage_logged_ms;
	char outage[256];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
wake(struct redis_link *l)
{
	uint64_t one = 1;
	if (write(l->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_msg(LOGL_WARN, "Redis thread: wake: %s", strerror(errno));
}

/* ---- mailbox ---- */

static void
post_config(struct redis_link *l, struct cfg *c, uint64_t version)
{
	pthread_mutex_lock(&l->mu);
	if (l->ev == REDIS_LINK_CONFIG)
		cfg_free(&l->cfg);
	l->cfg = *c;
	l->version = version;
	l->ev = REDIS_LINK_CONFIG;
	__atomic_store_n(&l->pending, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->mu);
}

static void
post_refused(struct redis_link *l, uint64_t version, const char *err)
{
	pthread_mutex_lock(&l->mu);
	if (l->ev == REDIS_LINK_CONFIG)
		cfg_free(&l->cfg);
	l->version = version;
	snprintf(l->err, sizeof(l->err), "%s", err);
	l->ev = REDIS_LINK_REFUSED;
	__atomic_store_n(&l->pending, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->mu);
}

enum redis_link_event
redis_link_poll(struct redis_link *l, struct cfg *out, uint64_t *version, char *err,
		size_t errlen)
{
	enum redis_link_event ev;

	if (!__atomic_load_n(&l->pending, __ATOMIC_ACQUIRE))
		return REDIS_LINK_NONE;
	pthread_mutex_lock(&l->mu);
	ev = l->ev;
	*version = l->version;
	if (ev == REDIS_LINK_CONFIG)
		*out = l->cfg;
	else if (ev == REDIS_LINK_REFUSED)
		snprintf(err, errlen, "%s", l->err);
	l->ev = REDIS_LINK_NONE;
	__atomic_store_n(&l->pending, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->mu);
	return ev;
}

void
redis_link_publish(struct redis_link *l, struct state_snap *s)
{
	struct state_snap *old;

	state_snap_ref(s);
	pthread_mutex_lock(&l->mu);
	old = l->snap;
	l->snap = s;
	pthread_mutex_unlock(&l->mu);
	state_snap_unref(old);
	wake(l);
}

void
redis_link_reread(struct redis_link *l)
{
	pthread_mutex_lock(&l->mu);
	l->reread = true;
	pthread_mutex_unlock(&l->mu);
	wake(l);
}

uint64_t
redis_link_reconnects(const struct redis_link *l)
{
	return __atomic_load_n(&l->reconnects, __ATOMIC_RELAXED);
}

bool
redis_link_connected(const struct redis_link *l)
{
	return __atomic_load_n(&l->connected, __ATOMIC_RELAXED);
}

/* ---- connection ---- */

static void
drop(struct redis_link *l, const char *reason)
{
	char why[256];

	/* reason may be a context's errstr, freed below */
	snprintf(why, sizeof(why), "%s", reason);
	if (l->cmd)
		redisFree(l->cmd);
	if (l->sub)
		redisFree(l->sub);
	l->cmd = l->sub = NULL;
	if (__atomic_load_n(&l->connected, __ATOMIC_RELAXED))
		log_msg(LOGL_WARN, "Redis: connection lost (%s); capture and export go on with "
			"the running configuration; reconnecting", why);
	__atomic_store_n(&l->connected, 0, __ATOMIC_RELAXED);
	l->backoff_ms = BACKOFF_MIN_MS;
}

static int
expect_replies(redisContext *c, unsigned n, char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		redisReply *r = NULL;
		if (redisGetReply(c, (void **)&r) != REDIS_OK) {
			snprintf(err, errlen, "%s", c->errstr);
			return -1;
		}
		bool bad = r->type == REDIS_REPLY_ERROR;
		if (bad)
			snprintf(err, errlen, "%s", r->str);
		freeReplyObject(r);
		if (bad)
			return -1;
	}
	return 0;
}

/* Change channels, and keyspace events of the configuration keys only:
 * the state keys this thread writes every second must not wake it. */
static int
subscribe(struct redis_link *l, char *err, size_t errlen)
{
	static const char *const tables[] = { "BMP_GLOBAL", "BMP_SERVER", "BMP_NEIGHBOR",
					      "BMP_DEBUG" };
	char ch[2][RCFG_NS_MAX + 32], pat[4][RCFG_NS_MAX + 48];
	const char *argv[5] = { "SUBSCRIBE", ch[0], ch[1] };

	snprintf(ch[0], sizeof(ch[0]), "%s:CONFIG_CHANGED", l->ns);
	snprintf(ch[1], sizeof(ch[1]), "%s:DEBUG_CHANGED", l->ns);
	if (redisAppendCommandArgv(l->sub, 3, argv, NULL) != REDIS_OK)
		return -1;
	argv[0] = "PSUBSCRIBE";
	for (int i = 0; i < 4; i++) {
		snprintf(pat[i], sizeof(pat[i]), "__keyspace@*__:%s:%s|*", l->ns, tables[i]);
		argv[1 + i] = pat[i];
	}
	if (redisAppendCommandArgv(l->sub, 5, argv, NULL) != REDIS_OK)
		return -1;
	return expect_replies(l->sub, 6, err, errlen);
}

static int
try_connect(struct redis_link *l, char *err, size_t errlen)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000 };

	l->cmd = rcfg_connect(l->url, tv, err, errlen);
	if (l->cmd)
		l->sub = rcfg_connect(l->url, tv, err, errlen);
	/* keepalive: a server gone without a FIN still ends the subscription */
	if (!l->sub || (l->sub->connection_type == REDIS_CONN_TCP &&
			redisEnableKeepAlive(l->sub) != REDIS_OK) ||
	    subscribe(l, err, errlen) != 0) {
		if (l->sub && l->sub->err)
			snprintf(err, errlen, "%s", l->sub->errstr);
		drop(l, err);
		return -1;
	}
	return 0;
}

static void
log_outage(struct redis_link *l, const char *err)
{
	uint64_t now = now_ms();
	bool changed = strcmp(l->outage, err) != 0;

	if (!changed && now - l->outage_logged_ms < OUTAGE_LOG_MS)
		return;
	log_msg(LOGL_WARN, "%s; %s", err, l->ever_connected ?
		"retrying; capture and export go on with the running configuration" :
		"retrying; capture runs, no station until the configuration is read");
	snprintf(l->outage, sizeof(l->outage), "%s", err);
	l->outage_logged_ms = now;
}

static void
connected(struct redis_link *l)
{
	if (l->ever_connected)
		__atomic_add_fetch(&l->reconnects, 1, __ATOMIC_RELAXED);
	l->ever_connected = true;
	__atomic_store_n(&l->connected, 1, __ATOMIC_RELAXED);
	log_msg(LOGL_NOTICE, "Redis: connected; namespace '%s'", l->ns);
	l->outage[0] = '\0';
	l->need_read = l->need_debug = true;
	l->keys_known = false;
	l->backoff_ms = BACKOFF_MIN_MS;
}

/* ---- configuration and debug switches ---- */

static int
read_config(struct redis_link *l)
{
	struct cfg c;
	struct cfg_error e;
	uint64_t v = 0;
	int rc = rcfg_read(l->cmd, l->ns, &c, &v, &e);

	l->need_read = false;
	l->read_at_ms = 0;
	if (rc == -EIO) {
		cfg_free(&c);
		drop(l, e.msg);
		return -1;
	}
	if (rc == 0) {
		post_config(l, &c, v);
		return 0;
	}
	post_refused(l, v, e.msg);
	cfg_free(&c);
	return 0;
}

static void
switch_field(struct redis_link *l, const char *name, const char *value, uint32_t *mask)
{
	static const enum log_cat cats[] = { LOGC_EVENT, LOGC_NEIGHBOR, LOGC_SERVER };

	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		if (strcmp(name, log_cat_name(cats[i])) != 0)
			continue;
		if (strcmp(value, "on") == 0)
			*mask |= cats[i];
		else if (strcmp(value, "off") != 0)
			log_msg(LOGL_WARN, "%s:BMP_DEBUG|switches %s '%s': expected on or off",
				l->ns, name, value);
		return;
	}
	log_msg(LOGL_WARN, "%s:BMP_DEBUG|switches %s: unknown switch (event, neighbor, server)",
		l->ns, name);
}

static int
read_debug(struct redis_link *l)
{
	redisReply *r = redisCommand(l->cmd, "HGETALL %s:BMP_DEBUG|switches", l->ns);
	uint32_t mask = 0;
	char on[64];

	l->need_debug = false;
	if (!r) {
		drop(l, l->cmd->errstr);
		return -1;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 0)
		mask = l->debug_default;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
		switch_field(l, r->element[i]->str, r->element[i + 1]->str, &mask);
	if (r->type == REDIS_REPLY_ERROR)
		log_msg(LOGL_WARN, "%s:BMP_DEBUG|switches: %s", l->ns, r->str);
	else if (mask != log_get_debug())
		log_msg(LOGL_NOTICE, "debug switches from Redis: %s",
			state_debug_str(mask, on, sizeof(on)));
	if (r->type != REDIS_REPLY_ERROR)
		log_set_debug(mask);
	freeReplyObject(r);
	return 0;
}

/* ---- change notifications ---- */

static void
on_message(struct redis_link *l, const redisReply *r)
{
	char ch[RCFG_NS_MAX + 32];
	const redisReply *chan;
	bool pm;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3)
		return;
	pm = strcmp(r->element[0]->str, "pmessage") == 0;
	if (!pm && strcmp(r->element[0]->str, "message") != 0)
		return;                 /* subscribe confirmations */
	chan = r->element[pm ? 2 : 1];
	if (chan->type != REDIS_REPLY_STRING)
		return;
	snprintf(ch, sizeof(ch), "%s:DEBUG_CHANGED", l->ns);
	if (strcmp(chan->str, ch) == 0 || (pm && strstr(chan->str, ":BMP_DEBUG|"))) {
		l->need_debug = true;
	} else if (!pm) {
		l->need_read = true;    /* CONFIG_CHANGED: the change is whole */
	} else if (!l->read_at_ms) {
		l->read_at_ms = now_ms() + KEYSPACE_DEBOUNCE_MS;
	}
}

static int
on_sub_readable(struct redis_link *l)
{
	void *r = NULL;

	if (redisBufferRead(l->sub) != REDIS_OK) {
		drop(l, l->sub->errstr[0] ? l->sub->errstr : "connection closed");
		return -1;
	}
	for (;;) {
		if (redisGetReplyFromReader(l->sub, &r) != REDIS_OK) {
			drop(l, "protocol error");
			return -1;
		}
		if (!r)
			return 0;
		on_message(l, r);
		freeReplyObject(r);
	}
}

/* ---- state ---- */

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
keys_free(char **keys, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

static bool
keys_has(char **keys, unsigned n, const char *k)
{
	return n && bsearch(&k, keys, n, sizeof(*keys), key_cmp) != NULL;
}

static int
keys_add(char ***keys, unsigned *n, const char *k)
{
	char **nk = (*n & (*n - 1)) == 0 ? realloc(*keys, (*n ? 2 * *n : 16) * sizeof(*nk))
					 : *keys;
	if (!nk)
		return -1;
	*keys = nk;
	nk[*n] = strdup(k);
	if (!nk[*n])
		return -1;
	(*n)++;
	return 0;
}

/* After a connect: what state rows Redis already holds (ours, earlier). */
static int
scan_state_keys(struct redis_link *l)
{
	static const char *const tables[] = { STATE_T_GLOBAL, STATE_T_SERVER, STATE_T_NEIGHBOR,
					      STATE_T_COUNTERS };
	keys_free(l->keys, l->nkeys);
	l->keys = NULL;
	l->nkeys = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		char cursor[32] = "0";
		do {
			redisReply *r = redisCommand(l->cmd, "SCAN %s MATCH %s:%s|* COUNT 1000",
						     cursor, l->ns, tables[t]);
			if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
				if (r)
					freeReplyObject(r);
				return -1;
			}
			snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
			for (size_t i = 0; i < r->element[1]->elements; i++)
				keys_add(&l->keys, &l->nkeys, r->element[1]->element[i]->str);
			freeReplyObject(r);
		} while (strcmp(cursor, "0") != 0);
	}
	if (l->nkeys)
		qsort(l->keys, l->nkeys, sizeof(*l->keys), key_cmp);
	l->keys_known = true;
	return 0;
}

static int
queue_row(struct redis_link *l, const char *key, const struct state_row *r)
{
	const char **argv = malloc((2 + 2 * (size_t)r->n) * sizeof(*argv));
	const char *del[] = { "DEL", key };
	int rc;

	if (!argv)
		return -1;
	argv[0] = "HSET";
	argv[1] = key;
	for (unsigned i = 0; i < r->n; i++) {
		argv[2 + 2 * i] = r->f[i].name;
		argv[3 + 2 * i] = r->f[i].value;
	}
	/* DEL first: a row holds exactly the fields of this snapshot; the TTL
	 * makes the state of a daemon that is gone disappear with it */
	const char *ttl[] = { "EXPIRE", key, STATE_TTL_S };
	rc = redisAppendCommandArgv(l->cmd, 2, del, NULL) != REDIS_OK ||
	     redisAppendCommandArgv(l->cmd, 2 + 2 * (int)r->n, argv, NULL) != REDIS_OK ||
	     redisAppendCommandArgv(l->cmd, 3, ttl, NULL) != REDIS_OK;
	free(argv);
	return rc ? -1 : 0;
}

/* One MULTI/EXEC: stale rows deleted, every row rewritten. */
static int
write_state(struct redis_link *l, const struct state_snap *s)
{
	char **now = NULL, key[512];
	unsigned nnow = 0, queued = 0;
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	int bad = redisAppendCommandArgv(l->cmd, 1, multi, NULL) != REDIS_OK;

	queued++;
	for (unsigned i = 0; !bad && i < s->n; i++) {
		snprintf(key, sizeof(key), "%s:%s|%s", l->ns, s->rows[i].table, s->rows[i].key);
		bad = keys_add(&now, &nnow, key) != 0 || queue_row(l, key, &s->rows[i]) != 0;
		queued += 3;
	}
	if (nnow)
		qsort(now, nnow, sizeof(*now), key_cmp);
	for (unsigned i = 0; !bad && i < l->nkeys; i++) {
		const char *del[] = { "DEL", l->keys[i] };
		if (keys_has(now, nnow, l->keys[i]))
			continue;
		bad = redisAppendCommandArgv(l->cmd, 2, del, NULL) != REDIS_OK;
		queued++;
	}
	bad = bad || redisAppendCommandArgv(l->cmd, 1, exec, NULL) != REDIS_OK;
	char err[256] = "out of memory";
	if (bad || expect_replies(l->cmd, queued + 1, err, sizeof(err)) != 0) {
		keys_free(now, nnow);
		drop(l, err);
		return -1;
	}
	keys_free(l->keys, l->nkeys);
	l->keys = now;
	l->nkeys = nnow;
	return 0;
}

static int
publish(struct redis_link *l, struct state_snap *s)
{
	int rc = 0;

	if (!l->keys_known && scan_state_keys(l) != 0) {
		drop(l, l->cmd->err ? l->cmd->errstr : "SCAN failed");
		rc = -1;
	}
	if (!rc)
		rc = write_state(l, s);
	return rc;
}

/* ---- the thread ---- */

/* Wait for the wake eventfd (and the subscription) at most timeout_ms. */
static void
wait_events(struct redis_link *l, int timeout_ms)
{
	struct pollfd p[2] = { { l->wake, POLLIN, 0 }, { l->sub ? l->sub->fd : -1, POLLIN, 0 } };
	uint64_t v;

	if (poll(p, 2, timeout_ms) <= 0)
		return;
	if (p[0].revents & POLLIN)
		(void)!read(l->wake, &v, sizeof(v));
	if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
		on_sub_readable(l);
}

static bool
stopping(struct redis_link *l)
{
	pthread_mutex_lock(&l->mu);
	bool stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

/* Take what the control thread left: a reread request, a snapshot. */
static struct state_snap *
take_mail(struct redis_link *l)
{
	struct state_snap *snap;

	pthread_mutex_lock(&l->mu);
	if (l->reread)
		l->need_read = true;
	l->reread = false;
	snap = l->snap;
	l->snap = NULL;
	pthread_mutex_unlock(&l->mu);
	return snap;
}

static void
connected_round(struct redis_link *l)
{
	struct state_snap *snap = take_mail(l);

	if (l->read_at_ms && now_ms() >= l->read_at_ms)
		l->need_read = true;
	if (l->cmd && l->need_read)
		read_config(l);
	if (l->cmd && l->need_debug)
		read_debug(l);
	if (snap && l->cmd && publish(l, snap) != 0) {
		/* keep it for the next connection unless a newer one came */
		pthread_mutex_lock(&l->mu);
		if (!l->snap) {
			l->snap = snap;
			snap = NULL;
		}
		pthread_mutex_unlock(&l->mu);
	}
	state_snap_unref(snap);
	if (l->cmd)
		wait_events(l, l->read_at_ms ? KEYSPACE_DEBOUNCE_MS : 1000);
}

static void *
thread_main(void *arg)
{
	struct redis_link *l = arg;
	char err[256];

	while (!stopping(l)) {
		if (l->cmd) {
			connected_round(l);
			continue;
		}
		if (try_connect(l, err, sizeof(err)) == 0) {
			connected(l);
			continue;
		}
		log_outage(l, err);
		wait_events(l, (int)l->backoff_ms);
		l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
								   : l->backoff_ms * 2;
	}
	__atomic_store_n(&l->connected, 0, __ATOMIC_RELAXED);
	drop(l, "stopping");
	return NULL;
}

struct redis_link *
redis_link_start(const struct redis_link_params *p)
{
	struct redis_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	snprintf(l->url, sizeof(l->url), "%s", p->url);
	snprintf(l->ns, sizeof(l->ns), "%s", p->ns);
	l->debug_default = p->debug_default;
	l->backoff_ms = BACKOFF_MIN_MS;
	cfg_init(&l->cfg);
	pthread_mutex_init(&l->mu, NULL);
	l->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->wake < 0 || pthread_create(&l->thr, NULL, thread_main, l) != 0) {
		int e = errno ? errno : EAGAIN;
		if (l->wake >= 0)
			close(l->wake);
		free(l);
		errno = e;
		return NULL;
	}
	pthread_setname_np(l->thr, "bmptap-redis");
	return l;
}

void
redis_link_stop(struct redis_link *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_mutex_unlock(&l->mu);
	wake(l);
	pthread_join(l->thr, NULL);
	if (l->ev == REDIS_LINK_CONFIG)
		cfg_free(&l->cfg);
	state_snap_unref(l->snap);
	keys_free(l->keys, l->nkeys);
	close(l->wake);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
