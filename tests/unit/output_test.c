/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outputs fed from a real obuf: chunks are produced as the encoder does
 * (obuf_begin, wire_put_*, obuf_commit(mask), obuf_flush) and written to
 * pipes and socketpairs whose other end the test reads. Each message is a
 * BMP common header (version 3, length, type) followed by bytes derived
 * from its id, so that a lost, duplicated or misplaced byte shows. The
 * expected stream of every output is assembled by the test, message by
 * message, from the masks it asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/output.h"
#include "dataplane/obuf.h"

#define BIT(n) (1ull << (n))
#define MAX_MSG (96u * 1024u)

/* ---- byte sinks ---- */

struct sink {
	uint8_t *p;
	size_t len, cap;
};

static void
sink_add(struct sink *s, const void *d, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->len, d, n);
	s->len += n;
}

static void
sink_free(struct sink *s)
{
	free(s->p);
	*s = (struct sink){ 0 };
}

static void
assert_same_stream(const struct sink *got, const struct sink *want)
{
	if (got->len != want->len)
		fail_msg("stream length %zu, expected %zu", got->len, want->len);
	for (size_t i = 0; i < want->len; i++)
		if (got->p[i] != want->p[i])
			fail_msg("streams differ at byte %zu of %zu", i, want->len);
}

/* ---- messages ---- */

/* A BMP-looking message: common header, then the id, then a pattern. */
static void
make_msg(uint8_t *m, uint8_t type, uint32_t id, uint32_t len)
{
	assert_true(len >= 10 && len <= MAX_MSG);
	m[0] = 3;
	m[1] = (uint8_t)(len >> 24);
	m[2] = (uint8_t)(len >> 16);
	m[3] = (uint8_t)(len >> 8);
	m[4] = (uint8_t)len;
	m[5] = type;
	m[6] = (uint8_t)(id >> 24);
	m[7] = (uint8_t)(id >> 16);
	m[8] = (uint8_t)(id >> 8);
	m[9] = (uint8_t)id;
	for (uint32_t k = 10; k < len; k++)
		m[k] = (uint8_t)(id * 31u + k);
}

/* Encode one Route Monitoring-like message for the servers of mask, the
 * way the encoder does, and append it to the expected stream of every
 * tracked slot of the mask. False when obuf has no chunk free. */
static bool
produce(struct obuf *ob, uint64_t mask, uint32_t id, uint32_t len, struct sink *want)
{
	static uint8_t m[MAX_MSG];
	make_msg(m, 0, id, len);
	struct wire_buf *wb = obuf_begin(ob, len);
	if (!wb)
		return false;
	wire_put_u8(wb, m[0]);
	wire_put_u32(wb, len);
	wire_put_bytes(wb, m + 5, len - 5);
	assert_false(wb->overflow);
	obuf_commit(ob, mask);
	for (unsigned s = 0; want && s < OBUF_MAX_SERVERS; s++)
		if (mask & BIT(s))
			sink_add(&want[s], m, len);
	return true;
}

static void
queue_priv(struct output *o, uint32_t id, uint32_t len, struct sink *want)
{
	static uint8_t m[MAX_MSG];
	make_msg(m, 4, id, len);
	assert_int_equal(output_queue_msg(o, m, len), 0);
	if (want)
		sink_add(want, m, len);
}

/* ---- descriptors ---- */

static void
set_nonblock(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* A pipe: [0] read end, non-blocking for the test; [1] written blocking. */
static void
make_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
	set_nonblock(p[0]);
}

/* A stream socketpair: [0] for the output (non-blocking, small send
 * buffer), [1] for the test's reader (blocking). */
static void
make_sock(int sv[2], int sndbuf)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	set_nonblock(sv[0]);
	if (sndbuf)
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
					    sizeof(sndbuf)), 0);
}

/* Everything readable now. */
static void
read_avail(int fd, struct sink *s)
{
	uint8_t buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sink_add(s, buf, (size_t)n);
	assert_true(n == 0 || errno == EAGAIN);
}

/* Fill a non-blocking socket until it refuses more; returns the bytes. */
static size_t
fill(int fd)
{
	static const uint8_t junk[1024];
	size_t total = 0;
	ssize_t n;
	while ((n = write(fd, junk, sizeof(junk))) > 0)
		total += (size_t)n;
	assert_int_equal(errno, EAGAIN);
	while ((n = write(fd, junk, 1)) > 0)
		total += (size_t)n;
	assert_int_equal(errno, EAGAIN);
	return total;
}

/* Read and discard exactly n bytes from a blocking descriptor. */
static void
discard(int fd, size_t n)
{
	uint8_t buf[4096];
	while (n) {
		ssize_t r = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
		assert_true(r > 0);
		for (ssize_t i = 0; i < r; i++)
			assert_int_equal(buf[i], 0);
		n -= (size_t)r;
	}
}

/* Pump until every output is idle; the readers must be draining. */
static void
pump_until_idle(struct outputs *os, int *fds, int nfds)
{
	for (int round = 0; !outputs_idle(os); round++) {
		assert_true(round < 100000);
		assert_int_equal(outputs_pump(os), 0);
		struct pollfd pf[8];
		for (int i = 0; i < nfds; i++)
			pf[i] = (struct pollfd){ .fd = fds[i], .events = POLLOUT };
		poll(pf, (nfds_t)nfds, 10);
	}
}

static void
assert_stats(const struct output *o, uint64_t msgs_sent, uint64_t bytes_sent,
	     uint64_t msgs_queued, uint64_t bytes_queued)
{
	const struct output_stats *st = output_stats(o);
	assert_int_equal(st->msgs_sent, msgs_sent);
	assert_int_equal(st->bytes_sent, bytes_sent);
	assert_int_equal(st->msgs_queued, msgs_queued);
	assert_int_equal(st->bytes_queued, bytes_queued);
}

/* ---- fixture: one obuf, its outputs, the descriptors, the streams ---- */

struct fx {
	struct obuf *ob;
	struct outputs *os;
	struct sink want[OBUF_MAX_SERVERS];     /* expected, per slot */
	struct sink got[OBUF_MAX_SERVERS];      /* read back, per slot */
	int fds[16];
	int nfds;
};

static struct fx *
fx_new(unsigned chunks)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->ob = obuf_create(chunks);
	assert_non_null(f->ob);
	f->os = outputs_create(f->ob);
	assert_non_null(f->os);
	return f;
}

static void
fx_free(struct fx *f)
{
	outputs_destroy(f->os);
	obuf_destroy(f->ob);
	for (int i = 0; i < f->nfds; i++)
		if (f->fds[i] >= 0)
			close(f->fds[i]);
	for (unsigned i = 0; i < OBUF_MAX_SERVERS; i++) {
		sink_free(&f->want[i]);
		sink_free(&f->got[i]);
	}
	free(f);
}

static void
fx_track(struct fx *f, const int two[2])
{
	assert_true(f->nfds + 2 <= 16);
	f->fds[f->nfds++] = two[0];
	f->fds[f->nfds++] = two[1];
}

/* The test's end of a pipe or socketpair is gone: closed, not tracked. */
static void
fx_close(struct fx *f, int fd)
{
	for (int i = 0; i < f->nfds; i++)
		if (f->fds[i] == fd)
			f->fds[i] = -1;
	close(fd);
}

/* Output at slot on a pipe (written blocking); returns the read end. */
static int
fx_pipe_output(struct fx *f, unsigned slot, struct output **o)
{
	int p[2];
	make_pipe(p);
	fx_track(f, p);
	*o = outputs_add(f->os, slot, p[1], true, "pipe");
	assert_non_null(*o);
	return p[0];
}

/* Output at slot on a non-blocking socket; returns the peer (blocking). */
static int
fx_sock_output(struct fx *f, unsigned slot, int sndbuf, struct output **o)
{
	int sv[2];
	make_sock(sv, sndbuf);
	fx_track(f, sv);
	*o = outputs_add(f->os, slot, sv[0], false, "socket");
	assert_non_null(*o);
	return sv[1];
}

static void
fx_check(struct fx *f, unsigned slot, int rfd)
{
	set_nonblock(rfd);
	read_avail(rfd, &f->got[slot]);
	assert_same_stream(&f->got[slot], &f->want[slot]);
}

/* ---- one output ---- */

static void
test_single_output_gets_its_runs(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct output *o;
	int r = fx_pipe_output(f, 3, &o);

	assert_true(produce(f->ob, BIT(3), 1, 100, f->want));
	assert_true(produce(f->ob, BIT(3), 2, 40, f->want));          /* same run */
	assert_true(produce(f->ob, BIT(5), 3, 70, f->want));          /* not ours */
	assert_true(produce(f->ob, BIT(3) | BIT(5), 4, 30, f->want));
	assert_true(produce(f->ob, BIT(3), 5, 25, f->want));
	obuf_flush(f->ob);
	assert_int_equal(obuf_bytes_queued(f->ob), 265);

	assert_int_equal(outputs_pump(f->os), 0);
	assert_int_equal(f->want[3].len, 195);
	fx_check(f, 3, r);
	assert_stats(o, 4, 195, 0, 0);
	assert_int_equal(output_stats(o)->write_errors, 0);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	assert_true(output_idle(o));
	assert_true(outputs_idle(f->os));
	fx_free(f);
}

/* ---- two outputs, runs interleaved across chunks ---- */

static void
test_two_outputs_interleaved(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct output *o0, *o1;
	int r0 = fx_pipe_output(f, 0, &o0);
	int r1 = fx_pipe_output(f, 63, &o1);
	const uint64_t A = BIT(0), B = BIT(63), AB = A | B;

	/* chunk 1 */
	assert_true(produce(f->ob, A, 1, 11, f->want));
	assert_true(produce(f->ob, B, 2, 12, f->want));
	assert_true(produce(f->ob, AB, 3, 13, f->want));
	assert_true(produce(f->ob, A, 4, 14, f->want));
	assert_true(produce(f->ob, B, 5, 15, f->want));
	assert_true(produce(f->ob, B, 6, 16, f->want));
	obuf_flush(f->ob);
	/* chunk 2 */
	assert_true(produce(f->ob, AB, 7, 17, f->want));
	assert_true(produce(f->ob, B, 8, 18, f->want));
	assert_true(produce(f->ob, BIT(9), 9, 19, f->want));
	assert_true(produce(f->ob, A, 10, 20, f->want));
	obuf_flush(f->ob);

	assert_int_equal(outputs_pump(f->os), 0);
	/* hand-counted: A gets 1 3 4 7 10, B gets 2 3 5 6 7 8 */
	assert_int_equal(f->want[0].len, 11 + 13 + 14 + 17 + 20);
	assert_int_equal(f->want[63].len, 12 + 13 + 15 + 16 + 17 + 18);
	fx_check(f, 0, r0);
	fx_check(f, 63, r1);
	assert_stats(o0, 5, 75, 0, 0);
	assert_stats(o1, 6, 91, 0, 0);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	assert_true(outputs_idle(f->os));
	fx_free(f);
}

/* ---- chunk lifetime ---- */

static void
test_chunk_without_taker_released(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	struct output *o;
	int r = fx_pipe_output(f, 0, &o);

	for (uint32_t round = 0; round < 10; round++) {
		assert_true(produce(f->ob, BIT(7), round, 500, NULL));
		assert_true(produce(f->ob, BIT(7) | BIT(8), round, 300, NULL));
		obuf_flush(f->ob);
		assert_int_equal(obuf_bytes_queued(f->ob), 800);
		assert_false(outputs_idle(f->os));       /* pending until pumped */
		assert_int_equal(outputs_pump(f->os), 0);
		assert_int_equal(obuf_bytes_queued(f->ob), 0);
		assert_true(outputs_idle(f->os));
		/* recycled: two chunks would be exhausted by round 2 otherwise */
		assert_true(obuf_chunks_allocated(f->ob) <= 2);
	}
	fx_check(f, 0, r);
	assert_int_equal(f->got[0].len, 0);
	assert_stats(o, 0, 0, 0, 0);
	fx_free(f);
}

static void
test_chunk_released_after_last_writer(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	struct output *o0, *o1;
	int r0 = fx_pipe_output(f, 0, &o0);
	int r1 = fx_sock_output(f, 1, 4096, &o1);
	int w1 = output_fd(o1);
	size_t junk = fill(w1);

	assert_true(produce(f->ob, BIT(0) | BIT(1), 1, 500, f->want));
	assert_true(produce(f->ob, BIT(1), 2, 200, f->want));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	fx_check(f, 0, r0);
	assert_stats(o0, 1, 500, 0, 0);
	assert_stats(o1, 0, 0, 2, 700);
	assert_false(output_idle(o1));
	assert_false(outputs_idle(f->os));
	/* still referenced by the server */
	assert_int_equal(obuf_bytes_queued(f->ob), 700);
	assert_int_equal(outputs_pump(f->os), 0);
	assert_int_equal(obuf_bytes_queued(f->ob), 700);

	discard(r1, junk);
	pump_until_idle(f->os, &w1, 1);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	assert_stats(o1, 2, 700, 0, 0);
	fx_check(f, 1, r1);
	fx_free(f);
}

/* ---- private messages ---- */

static void
test_private_messages_order(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct output *o;
	int r = fx_sock_output(f, 2, 4096, &o);
	int w = output_fd(o);
	size_t junk = fill(w);

	/* Initiation first, even though data for this server is already
	 * waiting in obuf: queued before the pump hands that data over */
	assert_true(produce(f->ob, BIT(2), 10, 100, NULL));
	obuf_flush(f->ob);
	queue_priv(o, 1, 50, &f->want[2]);
	uint8_t m10[100];
	make_msg(m10, 0, 10, sizeof(m10));
	sink_add(&f->want[2], m10, sizeof(m10));
	assert_int_equal(outputs_pump(f->os), 0);      /* blocked: socket full */
	/* after what is queued now: the chunk */
	queue_priv(o, 2, 60, &f->want[2]);
	assert_true(produce(f->ob, BIT(2), 11, 110, f->want));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	queue_priv(o, 3, 70, &f->want[2]);              /* after chunk 11 */
	assert_stats(o, 0, 0, 5, 50 + 100 + 60 + 110 + 70);

	discard(r, junk);
	pump_until_idle(f->os, &w, 1);
	assert_stats(o, 5, 390, 0, 0);
	/* and one more after everything, on an idle output */
	queue_priv(o, 4, 80, &f->want[2]);
	assert_false(output_idle(o));
	assert_false(outputs_idle(f->os));
	pump_until_idle(f->os, &w, 1);
	assert_stats(o, 6, 470, 0, 0);
	fx_check(f, 2, r);
	fx_free(f);
}

/* More pieces than one writev takes: 80 private messages, then two chunks
 * of 64 runs each (two outputs alternating), half of them ours. */
static void
test_many_pieces(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct output *o0, *o1;
	int r0 = fx_pipe_output(f, 0, &o0);
	int r1 = fx_pipe_output(f, 1, &o1);
	for (uint32_t i = 0; i < 80; i++)
		queue_priv(o0, 1000 + i, 10 + i % 7, &f->want[0]);
	for (uint32_t i = 0; i < 128; i++)
		assert_true(produce(f->ob, BIT(i % 2), i, 20 + i, f->want));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	fx_check(f, 0, r0);
	fx_check(f, 1, r1);
	assert_int_equal(output_stats(o0)->msgs_sent, 80 + 64);
	assert_int_equal(output_stats(o1)->msgs_sent, 64);
	assert_int_equal(output_stats(o0)->bytes_sent, f->want[0].len);
	assert_true(outputs_idle(f->os));
	fx_free(f);
}

/* ---- slow readers: partial writes ---- */

struct reader {
	int fd;
	struct sink got;
	pthread_t th;
};

static void *
slow_read(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[3000];
	struct timespec nap = { 0, 100000 };
	ssize_t n;
	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		sink_add(&r->got, buf, (size_t)n);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* 1500 messages of 10 B to 90 kB for slots 0, 2, both, or nobody, through
 * 4 chunks and 4 kB socket buffers drained by slow readers; a private
 * message every 50, alternately for each output. */
static void
test_partial_writes_slow_readers(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct reader rd[2] = { 0 };
	struct output *o[2];
	int w[2];
	const unsigned slot[2] = { 0, 2 };
	for (int i = 0; i < 2; i++) {
		rd[i].fd = fx_sock_output(f, slot[i], 4096, &o[i]);
		w[i] = output_fd(o[i]);
		assert_int_equal(pthread_create(&rd[i].th, NULL, slow_read, &rd[i]), 0);
	}
	static const uint64_t masks[] = { BIT(0), BIT(2), BIT(0) | BIT(2), BIT(1) };
	uint32_t seed = 12345, msgs[2] = { 0 };
	unsigned busy_pumps = 0, stalls = 0;
	for (uint32_t id = 0; id < 1500; id++) {
		uint64_t mask = masks[lcg(&seed) % 4];
		uint32_t len = id % 97 == 0 ? 20000 + lcg(&seed) % 70000 : 10 + lcg(&seed) % 3000;
		while (!produce(f->ob, mask, id, len, f->want)) {
			/* every chunk in flight: the encoder would wait */
			stalls++;
			assert_int_equal(outputs_pump(f->os), 0);
			poll(NULL, 0, 1);
		}
		msgs[0] += !!(mask & BIT(0));
		msgs[1] += !!(mask & BIT(2));
		if (id % 50 == 49) {
			obuf_flush(f->ob);
			assert_int_equal(outputs_pump(f->os), 0);
			busy_pumps += !output_idle(o[0]) || !output_idle(o[1]);
			/* after everything handed over so far */
			int k = id % 100 == 49 ? 0 : 1;
			queue_priv(o[k], 90000 + id, 10 + id % 300, &f->want[slot[k]]);
		}
	}
	obuf_flush(f->ob);
	pump_until_idle(f->os, w, 2);
	print_message("  %u stalls on a full obuf, %u pumps left data queued\n", stalls,
		      busy_pumps);
	assert_true(busy_pumps > 0);          /* partial writes did happen */
	assert_true(obuf_chunks_allocated(f->ob) <= 4);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	for (int i = 0; i < 2; i++) {
		shutdown(w[i], SHUT_WR);
		pthread_join(rd[i].th, NULL);
		assert_same_stream(&rd[i].got, &f->want[slot[i]]);
		/* 15 private messages each */
		assert_stats(o[i], msgs[i] + 15, f->want[slot[i]].len, 0, 0);
		sink_free(&rd[i].got);
	}
	fx_free(f);
}

/* ---- failures ---- */

static void
test_write_error_fails_output(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct output *ok, *sock, *file;
	int r = fx_pipe_output(f, 0, &ok);
	fx_close(f, fx_sock_output(f, 1, 0, &sock));      /* peer closed */
	fx_close(f, fx_pipe_output(f, 2, &file));          /* reader gone */

	assert_true(produce(f->ob, BIT(0) | BIT(1) | BIT(2), 1, 300, f->want));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), -1);
	assert_false(output_failed(ok));
	assert_true(output_failed(sock));
	assert_true(output_failed(file));
	assert_int_equal(output_stats(sock)->write_errors, 1);
	assert_int_equal(output_stats(file)->write_errors, 1);
	assert_int_equal(output_stats(sock)->bytes_sent, 0);
	assert_int_equal(output_stats(sock)->msgs_sent, 0);
	fx_check(f, 0, r);                       /* the healthy one is served */

	/* A failed output will never write what it holds: the chunk is not
	 * pinned until the caller gets round to removing it, and idleness
	 * (what bmptapd waits for before exiting) does not wait for it. */
	assert_int_equal(output_stats(sock)->msgs_queued, 0);
	assert_int_equal(output_stats(sock)->bytes_queued, 0);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	assert_true(outputs_idle(f->os));
	/* new data is not queued for failed outputs */
	assert_true(produce(f->ob, BIT(0) | BIT(1), 2, 200, f->want));
	obuf_flush(f->ob);
	outputs_pump(f->os);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	assert_true(outputs_idle(f->os));
	assert_int_equal(output_stats(sock)->write_errors, 1);
	assert_int_equal(output_stats(sock)->msgs_queued, 0);

	outputs_remove(f->os, sock);
	outputs_remove(f->os, file);
	assert_int_equal(outputs_slots(f->os), BIT(0));
	assert_true(produce(f->ob, BIT(0) | BIT(1), 3, 100, f->want));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	fx_check(f, 0, r);
	assert_stats(ok, 3, 600, 0, 0);
	fx_free(f);
}

/* ---- attach, detach ---- */

static void
test_remove_releases_references(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	struct output *o;
	fx_sock_output(f, 5, 4096, &o);
	fill(output_fd(o));

	assert_true(produce(f->ob, BIT(5), 1, 1000, NULL));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	assert_true(produce(f->ob, BIT(5), 2, 1000, NULL));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	queue_priv(o, 3, 100, NULL);
	assert_int_equal(obuf_chunks_allocated(f->ob), 2);
	assert_null(obuf_begin(f->ob, 100));     /* both chunks pinned */
	assert_int_equal(obuf_bytes_queued(f->ob), 2000);

	outputs_remove(f->os, o);
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	assert_int_equal(outputs_slots(f->os), 0);
	assert_null(outputs_get(f->os, 5));
	assert_true(outputs_idle(f->os));
	for (uint32_t i = 0; i < 10; i++) {
		assert_true(produce(f->ob, BIT(5), 10 + i, 1000, NULL));
		obuf_flush(f->ob);
		assert_int_equal(outputs_pump(f->os), 0);
		assert_int_equal(obuf_chunks_allocated(f->ob), 2);
	}
	/* the slot is free again; the newcomer gets only what follows */
	int r = fx_pipe_output(f, 5, &o);
	assert_true(produce(f->ob, BIT(5), 99, 123, f->want));
	obuf_flush(f->ob);
	assert_int_equal(outputs_pump(f->os), 0);
	fx_check(f, 5, r);
	fx_free(f);
}

static void
test_add_get_slots(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	struct outputs *os = f->os;
	assert_int_equal(outputs_slots(os), 0);
	struct output *a = outputs_add(os, 0, 10, false, "server 1");
	struct output *b = outputs_add(os, 63, 11, true, "file");
	assert_non_null(a);
	assert_non_null(b);
	errno = 0;
	assert_null(outputs_add(os, 0, 12, false, "again"));
	assert_int_equal(errno, EBUSY);
	errno = 0;
	assert_null(outputs_add(os, 64, 12, false, "too far"));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(outputs_slots(os), BIT(0) | BIT(63));
	assert_ptr_equal(outputs_get(os, 0), a);
	assert_ptr_equal(outputs_get(os, 63), b);
	assert_null(outputs_get(os, 1));
	assert_null(outputs_get(os, 64));
	assert_int_equal(output_fd(a), 10);
	assert_int_equal(output_fd(b), 11);
	assert_string_equal(output_name(a), "server 1");
	assert_string_equal(output_name(b), "file");
	assert_false(output_failed(a));
	assert_true(output_idle(a));
	assert_stats(a, 0, 0, 0, 0);
	outputs_remove(os, a);
	assert_int_equal(outputs_slots(os), BIT(63));
	outputs_destroy(NULL);
	fx_free(f);
}

static void
test_outputs_idle(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	struct output *o;
	assert_true(outputs_idle(f->os));
	fx_pipe_output(f, 1, &o);
	assert_true(outputs_idle(f->os));

	queue_priv(o, 1, 20, NULL);
	assert_false(output_idle(o));
	assert_false(outputs_idle(f->os));
	assert_int_equal(outputs_pump(f->os), 0);
	assert_true(output_idle(o));
	assert_true(outputs_idle(f->os));

	/* a flushed chunk is pending until a pump hands it over */
	assert_true(produce(f->ob, BIT(1), 2, 20, NULL));
	obuf_flush(f->ob);
	assert_false(outputs_idle(f->os));
	assert_true(output_idle(o));             /* not handed over yet */
	assert_int_equal(outputs_pump(f->os), 0);
	assert_true(outputs_idle(f->os));
	fx_free(f);
}

/* Destroying outputs with data still queued hands every chunk back. */
static void
test_destroy_releases(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	struct output *a, *b;
	fx_sock_output(f, 0, 4096, &a);
	fx_sock_output(f, 1, 4096, &b);
	fill(output_fd(a));
	fill(output_fd(b));
	for (uint32_t i = 0; i < 3; i++) {
		assert_true(produce(f->ob, BIT(0) | BIT(1), i, 5000, NULL));
		obuf_flush(f->ob);
	}
	assert_int_equal(outputs_pump(f->os), 0);
	queue_priv(b, 9, 99, NULL);
	assert_int_equal(obuf_bytes_queued(f->ob), 15000);
	outputs_destroy(f->os);
	f->os = NULL;
	assert_int_equal(obuf_bytes_queued(f->ob), 0);
	/* every chunk is free again: four can be filled at once */
	for (uint32_t i = 0; i < 4; i++) {
		assert_true(produce(f->ob, BIT(9), 10 + i, 90000, NULL));
		obuf_flush(f->ob);
	}
	assert_false(produce(f->ob, BIT(9), 20, 90000, NULL));
	fx_free(f);
}

int
main(void)
{
	/* a collector that goes away must not kill the daemon */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_output_gets_its_runs),
		cmocka_unit_test(test_two_outputs_interleaved),
		cmocka_unit_test(test_chunk_without_taker_released),
		cmocka_unit_test(test_chunk_released_after_last_writer),
		cmocka_unit_test(test_private_messages_order),
		cmocka_unit_test(test_many_pieces),
		cmocka_unit_test(test_partial_writes_slow_readers),
		cmocka_unit_test(test_write_error_fails_output),
		cmocka_unit_test(test_remove_releases_references),
		cmocka_unit_test(test_add_get_slots),
		cmocka_unit_test(test_outputs_idle),
		cmocka_unit_test(test_destroy_releases),
	};
	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
