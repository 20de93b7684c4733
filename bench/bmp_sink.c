/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmp-sink: the benchmark's BMP station. It accepts BMP connections, frames
 * the streams, counts messages by type, bytes, and the prefixes announced
 * and withdrawn by Route Monitoring UPDATEs, and records when things
 * arrived, on both clocks (CLOCK_MONOTONIC, which bmptapd's
 * run.first_packet_to_drained_us also uses, and CLOCK_REALTIME, which is
 * what BMP per-peer timestamps are on the live path). Nothing is stored but
 * counts and, with --latency, one number per Route Monitoring message.
 *
 *   bmp-sink --listen ADDR:PORT [--ready FILE] [--json FILE]
 *            [--expect-prefixes N] [--exit-when-reached] [--exit-on-close]
 *            [--idle-exit MS] [--max-seconds S] [--latency]
 *
 * --expect-prefixes N: print "reached MONO REAL" on stdout the moment N
 * prefixes have been announced in total (and exit with
 * --exit-when-reached). --exit-on-close: exit once every accepted
 * connection is closed. --idle-exit MS: exit MS after the last byte, once
 * a Route Monitoring message was seen. SIGTERM/SIGINT: exit. SIGUSR1:
 * write the JSON now. The JSON (--json FILE, else stdout) is written at
 * exit. Latency of a Route Monitoring message = wall clock of the read
 * that completed it - its per-peer timestamp.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/wire.h"

#define MAX_CONNS 16
#define READ_CHUNK (1u << 20)
#define BMP_HDR 6
#define PEER_HDR 42
#define BGP_HDR 19
#define NTYPES 7

struct stamp {
	double mono, real;
};

struct conn {
	int fd;
	uint8_t *buf;
	size_t len, cap;
};

struct sink {
	int lfd;
	struct conn conn[MAX_CONNS];
	unsigned nconn, accepted;
	uint64_t msgs[NTYPES + 1], bytes, bad;
	uint64_t rm_updates, announced, withdrawn, expect;
	struct stamp t_accept, t_first, t_last_rm, t_last, t_reached;
	int64_t *lat;
	size_t nlat, caplat;
	bool latency, exit_reached, exit_close;
	double idle_exit_s, max_s;
	const char *json, *ready;
};

static volatile sig_atomic_t stop_flag, dump_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
on_dump(int sig)
{
	(void)sig;
	dump_flag = 1;
}

static struct stamp
stamp_now(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (struct stamp){ .mono = (double)m.tv_sec + (double)m.tv_nsec * 1e-9,
			       .real = (double)r.tv_sec + (double)r.tv_nsec * 1e-9 };
}

/* ---- counting what the stream carries ---------------------------------- */

static uint64_t
count_prefixes(struct wire_cur c)
{
	uint64_t n = 0;

	while (c.left && !c.bad) {
		uint8_t bits = wire_u8(&c);

		if (wire_skip(&c, (bits + 7u) / 8u))
			n++;
	}
	return n;
}

/* MP_REACH_NLRI (14) and MP_UNREACH_NLRI (15) carry the non-IPv4 families. */
static void
count_mp(struct sink *s, uint8_t type, struct wire_cur a)
{
	wire_skip(&a, 3); /* AFI, SAFI */
	if (type == 14) {
		uint8_t nh = wire_u8(&a);

		wire_skip(&a, nh + 1u); /* next hop, reserved */
		s->announced += count_prefixes(a);
	} else {
		s->withdrawn += count_prefixes(a);
	}
}

static void
count_update(struct sink *s, struct wire_cur c)
{
	struct wire_cur wd = wire_sub(&c, wire_u16(&c));
	struct wire_cur attrs = wire_sub(&c, wire_u16(&c));

	if (c.bad) {
		s->bad++;
		return;
	}
	s->withdrawn += count_prefixes(wd);
	s->announced += count_prefixes(c);
	while (attrs.left && !attrs.bad) {
		uint8_t flags = wire_u8(&attrs), type = wire_u8(&attrs);
		size_t len = flags & 0x10 ? wire_u16(&attrs) : wire_u8(&attrs);
		struct wire_cur a = wire_sub(&attrs, len);

		if (!a.bad && (type == 14 || type == 15))
			count_mp(s, type, a);
	}
	s->rm_updates++;
}

static void
note_latency(struct sink *s, const uint8_t *peer_hdr, double real)
{
	struct wire_cur c = wire_cur_make(peer_hdr + 34, 8);
	uint32_t sec = wire_u32(&c), usec = wire_u32(&c);
	int64_t now_us = (int64_t)(real * 1e6);

	if (!sec)
		return;
	if (s->nlat == s->caplat) {
		size_t cap = s->caplat ? 2 * s->caplat : 1u << 16;
		int64_t *p = realloc(s->lat, cap * sizeof(*p));

		if (!p)
			return;
		s->lat = p;
		s->caplat = cap;
	}
	s->lat[s->nlat++] = now_us - ((int64_t)sec * 1000000 + usec);
}

static void
reached_check(struct sink *s, struct stamp t)
{
	if (!s->expect || s->t_reached.mono || s->announced < s->expect)
		return;
	s->t_reached = t;
	printf("reached %.6f %.6f\n", t.mono, t.real);
	fflush(stdout);
	if (s->exit_reached)
		stop_flag = 1;
}

/* One whole BMP message (common header included). */
static void
on_message(struct sink *s, const uint8_t *m, size_t len, struct stamp t)
{
	uint8_t type = m[5];

	s->msgs[type < NTYPES ? type : NTYPES]++;
	if (type != 0)
		return;
	s->t_last_rm = t;
	if (len < BMP_HDR + PEER_HDR + BGP_HDR) {
		s->bad++;
		return;
	}
	if (s->latency)
		note_latency(s, m + BMP_HDR, t.real);
	if (m[BMP_HDR + PEER_HDR + 18] == 2) {
		size_t off = BMP_HDR + PEER_HDR + BGP_HDR;

		count_update(s, wire_cur_make(m + off, len - off));
		reached_check(s, t);
	}
}

/* Frame what the connection holds; keep the partial tail. -1: bad stream. */
static int
frame(struct sink *s, struct conn *c, struct stamp t)
{
	size_t off = 0;

	while (c->len - off >= BMP_HDR) {
		struct wire_cur h = wire_cur_make(c->buf + off, BMP_HDR);
		uint8_t version = wire_u8(&h);
		uint32_t len = wire_u32(&h);

		if (version != 3 || len < BMP_HDR) {
			s->bad++;
			return -1;
		}
		if (c->len - off < len)
			break;
		on_message(s, c->buf + off, len, t);
		off += len;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

/* ---- sockets ----------------------------------------------------------- */

static int
listen_on(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai;
	int one = 1;

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = 0;
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
			bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 8) != 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void
accept_one(struct sink *s)
{
	int fd = accept(s->lfd, NULL, NULL);
	int rcv = 8 << 20;

	if (fd < 0)
		return;
	if (s->nconn == MAX_CONNS) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (!s->accepted++)
		s->t_accept = stamp_now();
	s->conn[s->nconn++] = (struct conn){ .fd = fd };
}

static void
close_conn(struct sink *s, unsigned i)
{
	close(s->conn[i].fd);
	free(s->conn[i].buf);
	s->conn[i] = s->conn[--s->nconn];
}

/* 0: data read or nothing to read; -1: the connection is over. */
static int
read_conn(struct sink *s, struct conn *c)
{
	if (c->cap - c->len < READ_CHUNK) {
		size_t cap = c->len + 2 * READ_CHUNK;
		uint8_t *p = realloc(c->buf, cap);

		if (!p)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	struct stamp t = stamp_now();
	if (!s->bytes)
		s->t_first = t;
	s->t_last = t;
	s->bytes += (uint64_t)n;
	c->len += (size_t)n;
	return frame(s, c, t);
}

/* ---- results ----------------------------------------------------------- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t
pct(const struct sink *s, double q)
{
	size_t i = (size_t)(q * (double)(s->nlat - 1) + 0.5);

	return s->lat[i];
}

static void
put_stamp(FILE *f, const char *name, struct stamp t)
{
	fprintf(f, "  \"%s_mono\": %.6f,\n  \"%s_real\": %.6f,\n", name, t.mono, name, t.real);
}

static void
put_latency(FILE *f, struct sink *s)
{
	if (!s->nlat) {
		fprintf(f, "  \"latency_n\": 0,\n");
		return;
	}
	qsort(s->lat, s->nlat, sizeof(s->lat[0]), cmp_i64);
	fprintf(f, "  \"latency_n\": %zu,\n  \"latency_us\": {\"min\": %" PRId64
		   ", \"p50\": %" PRId64 ", \"p90\": %" PRId64 ", \"p99\": %" PRId64
		   ", \"p999\": %" PRId64 ", \"max\": %" PRId64 "},\n",
		s->nlat, s->lat[0], pct(s, 0.5), pct(s, 0.9), pct(s, 0.99), pct(s, 0.999),
		s->lat[s->nlat - 1]);
}

static void
write_json(struct sink *s)
{
	static const char *const names[NTYPES + 1] = { "route_monitoring", "statistics_report",
		"peer_down", "peer_up", "initiation", "termination", "route_mirroring", "other" };
	FILE *f = s->json ? fopen(s->json, "w") : stdout;

	if (!f)
		return;
	fprintf(f, "{\n  \"connections\": %u,\n  \"bytes\": %" PRIu64 ",\n", s->accepted,
		s->bytes);
	for (unsigned i = 0; i <= NTYPES; i++)
		fprintf(f, "  \"%s\": %" PRIu64 ",\n", names[i], s->msgs[i]);
	fprintf(f, "  \"updates\": %" PRIu64 ",\n  \"announced\": %" PRIu64
		   ",\n  \"withdrawn\": %" PRIu64 ",\n  \"bad\": %" PRIu64 ",\n",
		s->rm_updates, s->announced, s->withdrawn, s->bad);
	put_stamp(f, "accept", s->t_accept);
	put_stamp(f, "first_byte", s->t_first);
	put_stamp(f, "last_rm", s->t_last_rm);
	put_stamp(f, "reached", s->t_reached);
	put_latency(f, s);
	put_stamp(f, "last_byte", s->t_last);
	fprintf(f, "  \"expect\": %" PRIu64 "\n}\n", s->expect);
	if (f != stdout)
		fclose(f);
	else
		fflush(f);
}

/* ---- main loop --------------------------------------------------------- */

static bool
should_stop(const struct sink *s, double start)
{
	double now = stamp_now().mono;

	if (stop_flag)
		return true;
	if (s->exit_close && s->accepted && !s->nconn)
		return true;
	if (s->idle_exit_s > 0 && s->msgs[0] && now - s->t_last.mono > s->idle_exit_s)
		return true;
	return s->max_s > 0 && now - start > s->max_s;
}

static void
serve(struct sink *s)
{
	struct pollfd pfd[MAX_CONNS + 1];
	double start = stamp_now().mono;

	while (!should_stop(s, start)) {
		pfd[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (unsigned i = 0; i < s->nconn; i++)
			pfd[i + 1] = (struct pollfd){ .fd = s->conn[i].fd, .events = POLLIN };
		if (dump_flag) {
			dump_flag = 0;
			write_json(s);
		}
		if (poll(pfd, s->nconn + 1, 50) <= 0)
			continue;
		for (unsigned i = s->nconn; i-- > 0;)
			if (pfd[i + 1].revents && read_conn(s, &s->conn[i]) != 0)
				close_conn(s, i);
		if (pfd[0].revents & POLLIN)
			accept_one(s);
	}
}

static bool
parse_flag(struct sink *s, const char *a)
{
	if (!strcmp(a, "--latency"))
		s->latency = true;
	else if (!strcmp(a, "--exit-when-reached"))
		s->exit_reached = true;
	else if (!strcmp(a, "--exit-on-close"))
		s->exit_close = true;
	else
		return false;
	return true;
}

static int
parse_opts(struct sink *s, int argc, char **argv, const char **listen_spec)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (parse_flag(s, a))
			continue;
		if (!v)
			return -1;
		if (!strcmp(a, "--listen"))
			*listen_spec = v;
		else if (!strcmp(a, "--ready"))
			s->ready = v;
		else if (!strcmp(a, "--json"))
			s->json = v;
		else if (!strcmp(a, "--expect-prefixes"))
			s->expect = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--idle-exit"))
			s->idle_exit_s = strtod(v, NULL) / 1000.0;
		else if (!strcmp(a, "--max-seconds"))
			s->max_s = strtod(v, NULL);
		else
			return -1;
		i++;
	}
	return *listen_spec ? 0 : -1;
}

static void
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f)
		fclose(f);
}

int
main(int argc, char **argv)
{
	static struct sink s;
	const char *spec = NULL;

	if (parse_opts(&s, argc, argv, &spec) != 0) {
		fprintf(stderr, "usage: bmp-sink --listen ADDR:PORT [--ready FILE] [--json FILE] "
				"[--expect-prefixes N] [--exit-when-reached] [--exit-on-close] "
				"[--idle-exit MS] [--max-seconds S] [--latency]\n");
		return 2;
	}
	s.lfd = listen_on(spec);
	if (s.lfd < 0) {
		fprintf(stderr, "bmp-sink: cannot listen on %s: %s\n", spec, strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGUSR1, on_dump);
	signal(SIGPIPE, SIG_IGN);
	if (s.ready)
		touch(s.ready);
	serve(&s);
	write_json(&s);
	return 0;
}
