/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Redis exchanges of rcfg.h that bmptapd and bmptapctl both make:
 * connect (URL, AUTH, SELECT), read the whole configuration in one
 * server-side script, write it whole in one MULTI/EXEC. The conversions
 * themselves are rcfg.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/rcfg.h"
#include "control/rcfg_priv.h"

/* ---- Redis: URL, connection ---- */

struct url {
	bool is_unix;
	char host[256];
	char path[108];
	int port;
	char user[128];
	char pass[256];
	int db;
};

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* [from, to) percent-decoded into out. */
static int
decode(const char *from, const char *to, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = from; p < to; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = p + 2 < to ? unhex(p[1]) : -1, lo = hi >= 0 ? unhex(p[2]) : -1;
			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			p += 2;
		}
		if (n + 1 >= len || c == 0)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* "user:password@" or ":password@" or "password@"... up to at. */
static int
parse_userinfo(const char *from, const char *at, struct url *u)
{
	const char *colon = memchr(from, ':', (size_t)(at - from));

	if (!colon)
		return decode(from, at, u->pass, sizeof(u->pass));
	if (decode(from, colon, u->user, sizeof(u->user)) != 0)
		return -1;
	return decode(colon + 1, at, u->pass, sizeof(u->pass));
}

static int
parse_db(const char *s, int *db)
{
	uint32_t v;
	bool range;

	if (!rcfg_parse_u32(s, 0, 100000, &v, &range))
		return -1;
	*db = (int)v;
	return 0;
}

/* host, [v6], host:port, [v6]:port */
static int
parse_hostport(const char *from, const char *to, struct url *u)
{
	const char *colon;
	size_t hl;

	if (*from == '[') {
		const char *rb = memchr(from, ']', (size_t)(to - from));
		if (!rb)
			return -1;
		hl = (size_t)(rb - from - 1);
		from++;
		colon = rb + 1 < to && rb[1] == ':' ? rb + 1 : NULL;
		if (!colon && rb + 1 != to)
			return -1;
	} else {
		colon = memchr(from, ':', (size_t)(to - from));
		hl = (size_t)((colon ? colon : to) - from);
	}
	if (hl == 0 || hl >= sizeof(u->host))
		return -1;
	memcpy(u->host, from, hl);
	u->host[hl] = '\0';
	if (colon) {
		char port[8];
		uint32_t v;
		bool range;
		size_t pl = (size_t)(to - colon - 1);
		if (pl == 0 || pl >= sizeof(port))
			return -1;
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
		if (!rcfg_parse_u32(port, 1, 65535, &v, &range))
			return -1;
		u->port = (int)v;
	}
	return 0;
}

static int
parse_tcp(const char *s, struct url *u)
{
	const char *end = s + strlen(s), *slash = strchr(s, '/');
	const char *hostend = slash ? slash : end, *at = NULL;

	for (const char *p = s; p < hostend; p++)
		if (*p == '@')
			at = p;
	if (at && parse_userinfo(s, at, u) != 0)
		return -1;
	if (parse_hostport(at ? at + 1 : s, hostend, u) != 0)
		return -1;
	return slash && slash[1] ? parse_db(slash + 1, &u->db) : 0;
}

static int
parse_unix(const char *s, struct url *u)
{
	const char *q, *at;
	size_t pl;

	if (strncmp(s, "//", 2) == 0) {
		s += 2;
		at = *s != '/' ? strstr(s, "@/") : NULL;
		if (*s != '/' && !at)
			return -1;
		if (at && parse_userinfo(s, at, u) != 0)
			return -1;
		s = at ? at + 1 : s;
	}
	q = strchr(s, '?');
	pl = q ? (size_t)(q - s) : strlen(s);
	if (*s != '/' || pl >= sizeof(u->path))
		return -1;
	memcpy(u->path, s, pl);
	u->path[pl] = '\0';
	u->is_unix = true;
	if (!q)
		return 0;
	return strncmp(q, "?db=", 4) == 0 ? parse_db(q + 4, &u->db) : -1;
}

static int
url_parse(const char *s, struct url *u)
{
	memset(u, 0, sizeof(*u));
	u->port = 6379;
	if (strncmp(s, "redis://", 8) == 0)
		return parse_tcp(s + 8, u);
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(s + 5, u);
	return -1;
}

/* A command's reply: NULL (and err) on an I/O or a Redis error. */
static redisReply *
command(redisContext *rc, int argc, const char **argv, size_t *lens, char *err, size_t errlen,
	const char *what)
{
	redisReply *r = redisCommandArgv(rc, argc, argv, lens);

	if (!r) {
		snprintf(err, errlen, "%s: %s", what, rc->errstr[0] ? rc->errstr : "I/O error");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s: %s", what, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static int
login(redisContext *rc, const struct url *u, char *err, size_t errlen)
{
	char db[16];
	const char *argv[3] = { "AUTH", u->user, u->pass };
	redisReply *r;

	if (u->pass[0] || u->user[0]) {
		/* AUTH user pass: Redis 6 ACLs (hiredis 0.14 has no helper) */
		if (!u->user[0])
			argv[1] = u->pass;
		r = command(rc, u->user[0] ? 3 : 2, argv, NULL, err, errlen, "AUTH");
		if (!r)
			return -1;
		freeReplyObject(r);
	}
	if (u->db == 0)
		return 0;
	snprintf(db, sizeof(db), "%d", u->db);
	argv[0] = "SELECT";
	argv[1] = db;
	r = command(rc, 2, argv, NULL, err, errlen, "SELECT");
	if (!r)
		return -1;
	freeReplyObject(r);
	return 0;
}

redisContext *
rcfg_connect(const char *url, struct timeval timeout, char *err, size_t errlen)
{
	struct url u;
	redisContext *rc;

	if (url_parse(url, &u) != 0) {
		snprintf(err, errlen, "Redis URL: expected redis://[user:password@]host"
			 "[:port][/db] or unix:/path[?db=N] or unix://[user:password@]/path");
		return NULL;
	}
	rc = u.is_unix ? redisConnectUnixWithTimeout(u.path, timeout)
		       : redisConnectWithTimeout(u.host, u.port, timeout);
	if (!rc || rc->err) {
		/* never the URL itself: it may hold a password */
		if (u.is_unix)
			snprintf(err, errlen, "Redis unix:%s: %s", u.path,
				 rc ? rc->errstr : "out of memory");
		else
			snprintf(err, errlen, "Redis %s port %d: %s", u.host, u.port,
				 rc ? rc->errstr : "out of memory");
		if (rc)
			redisFree(rc);
		return NULL;
	}
	if (redisSetTimeout(rc, timeout) != REDIS_OK) {
		snprintf(err, errlen, "Redis: cannot set the timeout");
		redisFree(rc);
		return NULL;
	}
	if (login(rc, &u, err, errlen) != 0) {
		redisFree(rc);
		return NULL;
	}
	return rc;
}

/* ---- Redis: read and write the whole configuration ---- */

/*
 * One script, so one atomic view: the version, then for every key of the
 * configuration tables its fields (or its type, when not a hash). SCAN,
 * not KEYS: KEYS is often disabled on shared servers.
 */
static const char read_script[] =
	"local ns = ARGV[1]\n"
	"local out = { redis.call('GET', ns .. ':CONFIG_VERSION') or false }\n"
	"local seen = {}\n"
	"for _, t in ipairs({'BMP_GLOBAL', 'BMP_SERVER', 'BMP_NEIGHBOR'}) do\n"
	"  local cur = '0'\n"
	"  repeat\n"
	"    local r = redis.call('SCAN', cur, 'MATCH', ns .. ':' .. t .. '|*', 'COUNT', 1000)\n"
	"    cur = r[1]\n"
	"    for _, k in ipairs(r[2]) do\n"
	"      if not seen[k] then\n"
	"        seen[k] = true\n"
	"        out[#out + 1] = k\n"
	"        local ty = redis.call('TYPE', k)['ok']\n"
	"        if ty == 'hash' then out[#out + 1] = redis.call('HGETALL', k)\n"
	"        else out[#out + 1] = ty end\n"
	"      end\n"
	"    end\n"
	"  until cur == '0'\n"
	"end\n"
	"return out\n";

static const char delete_script[] =
	"local ns = ARGV[1]\n"
	"for _, t in ipairs({'BMP_GLOBAL', 'BMP_SERVER', 'BMP_NEIGHBOR'}) do\n"
	"  local cur = '0'\n"
	"  repeat\n"
	"    local r = redis.call('SCAN', cur, 'MATCH', ns .. ':' .. t .. '|*', 'COUNT', 1000)\n"
	"    cur = r[1]\n"
	"    for _, k in ipairs(r[2]) do redis.call('DEL', k) end\n"
	"  until cur == '0'\n"
	"end\n"
	"return 0\n";

static const char bump_script[] =
	"local v = redis.call('INCR', ARGV[1] .. ':CONFIG_VERSION')\n"
	"redis.call('PUBLISH', ARGV[1] .. ':CONFIG_CHANGED', tostring(v))\n"
	"return v\n";

static int
io_err(struct cfg_error *err, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return -EIO;
}

static int
reply_fields(const redisReply *r, struct rcfg_hash *h)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *n = r->element[i], *v = r->element[i + 1];
		if (n->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			return -EIO;
		if ((size_t)n->len >= sizeof(h->f[0].name) ||
		    (size_t)v->len >= sizeof(h->f[0].value) ||
		    strlen(n->str) != (size_t)n->len || strlen(v->str) != (size_t)v->len)
			return -E2BIG;
		if (rcfg_hash_put(h, n->str, "%s", v->str) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
reply_hashes(const redisReply *r, struct rcfg_hashes *hs, struct cfg_error *err)
{
	for (size_t i = 1; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];
		struct rcfg_hash *h;
		int rc;
		if (k->type != REDIS_REPLY_STRING)
			return io_err(err, "Redis: unexpected reply to the read script");
		if (v->type != REDIS_REPLY_ARRAY) {
			snprintf(err->msg, sizeof(err->msg), "%.160s: a %s, not a hash", k->str,
				 v->type == REDIS_REPLY_STRING || v->type == REDIS_REPLY_STATUS ?
				 v->str : "?");
			return -EINVAL;
		}
		h = (size_t)k->len < sizeof(h->key) ? rcfg_hash_new(hs, "", "", "") : NULL;
		if (!h) {
			snprintf(err->msg, sizeof(err->msg), "%.160s: key too long", k->str);
			return -EINVAL;
		}
		snprintf(h->key, sizeof(h->key), "%s", k->str);
		rc = reply_fields(v, h);
		if (rc == -E2BIG)
			snprintf(err->msg, sizeof(err->msg), "%.160s: a field name or value is too "
				 "long or holds a NUL", k->str);
		if (rc)
			return rc == -ENOMEM || rc == -EIO ? io_err(err, "Redis: bad hash reply")
							   : -EINVAL;
	}
	return 0;
}

static int
reply_version(const redisReply *v, uint64_t *version)
{
	char *end;

	*version = 0;
	if (v->type == REDIS_REPLY_NIL)
		return 0;
	if (v->type == REDIS_REPLY_INTEGER) {
		*version = (uint64_t)v->integer;
		return 0;
	}
	if (v->type != REDIS_REPLY_STRING)
		return -1;
	errno = 0;
	*version = strtoull(v->str, &end, 10);
	return errno || end == v->str || *end ? -1 : 0;
}

int
rcfg_read(redisContext *rc, const char *ns, struct cfg *out, uint64_t *version,
	  struct cfg_error *err)
{
	const char *argv[] = { "EVAL", read_script, "0", ns };
	struct rcfg_hashes hs = { 0 };
	char emsg[256] = "";
	struct cfg_error local;
	int r;

	err = err ? err : &local;
	memset(err, 0, sizeof(*err));
	cfg_init(out);
	redisReply *rep = command(rc, 4, argv, NULL, emsg, sizeof(emsg), "Redis read");
	if (!rep)
		return io_err(err, emsg);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    reply_version(rep->element[0], version) != 0) {
		freeReplyObject(rep);
		return io_err(err, "Redis read: unexpected reply (or CONFIG_VERSION not a number)");
	}
	r = reply_hashes(rep, &hs, err);
	freeReplyObject(rep);
	if (!r)
		r = rcfg_to_cfg(&hs, ns, out, err);
	rcfg_hashes_free(&hs);
	return r;
}

/* MULTI; delete; HSET each hash; bump and publish; EXEC. */
static int
queue(redisContext *rc, int argc, const char **argv)
{
	return redisAppendCommandArgv(rc, argc, argv, NULL) == REDIS_OK ? 0 : -1;
}

static int
queue_hset(redisContext *rc, const struct rcfg_hash *h)
{
	const char **argv = malloc((2 + 2 * (size_t)h->n) * sizeof(*argv));
	int rc2;

	if (!argv)
		return -1;
	argv[0] = "HSET";
	argv[1] = h->key;
	for (unsigned i = 0; i < h->n; i++) {
		argv[2 + 2 * i] = h->f[i].name;
		argv[3 + 2 * i] = h->f[i].value;
	}
	rc2 = queue(rc, 2 + 2 * (int)h->n, argv);
	free(argv);
	return rc2;
}

/* Every queued reply is read, whatever failed, so the link stays in step. */
static int
collect(redisContext *rc, unsigned n, uint64_t *version, char *err, size_t errlen)
{
	int res = 0;

	for (unsigned i = 0; i < n; i++) {
		redisReply *r = NULL;
		if (redisGetReply(rc, (void **)&r) != REDIS_OK) {
			snprintf(err, errlen, "Redis write: %s", rc->errstr);
			return -EIO;
		}
		if (r->type == REDIS_REPLY_ERROR && !res) {
			snprintf(err, errlen, "Redis write: %s", r->str);
			res = -EIO;
		}
		if (i == n - 1 && !res) {
			if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 ||
			    r->element[r->elements - 1]->type != REDIS_REPLY_INTEGER) {
				snprintf(err, errlen, "Redis write: transaction aborted");
				res = -EIO;
			} else {
				*version = (uint64_t)r->element[r->elements - 1]->integer;
			}
		}
		freeReplyObject(r);
	}
	return res;
}

int
rcfg_write(redisContext *rc, const char *ns, const struct cfg *c, uint64_t *version,
	   char *err, size_t errlen)
{
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *del[] = { "EVAL", delete_script, "0", ns };
	const char *bump[] = { "EVAL", bump_script, "0", ns };
	struct rcfg_hashes hs;
	int bad;
	uint64_t v = 0;

	if (rcfg_from_cfg(c, ns, &hs) != 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	bad = queue(rc, 1, multi) | queue(rc, 4, del);
	for (unsigned i = 0; i < hs.n; i++)
		bad |= queue_hset(rc, &hs.h[i]);
	bad |= queue(rc, 4, bump) | queue(rc, 1, exec);
	if (bad) {
		snprintf(err, errlen, "Redis write: out of memory");
		rcfg_hashes_free(&hs);
		return -EIO;
	}
	bad = collect(rc, hs.n + 4, &v, err, errlen);
	rcfg_hashes_free(&hs);
	if (bad)
		return bad;
	if (version)
		*version = v;
	return 0;
}
