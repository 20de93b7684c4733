/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mirror-mem: memory and speed of one peer's Adj-RIB-In mirror on a table
 * dump shaped like bmptap-gen's (prefix lengths, AS paths, communities,
 * attribute sets shared by groups of prefixes), built with gen_lib.
 *
 *   mirror-mem [--ipv4 N] [--ipv6 N] [--seed S] [--addpath] [--gen-default]
 *              [--no-replay] [--verify]
 *
 * Defaults: 1,000,000 IPv4 + 250,000 IPv6 prefixes (--gen-default: the
 * generator's own 1.1M + 300k). The UPDATEs are generated first, then
 * applied in three passes: "load" fills the empty mirror (the route index
 * and entry arrays grow as it goes), "dup" applies the same UPDATEs again
 * (duplicates: lookups only), "change" announces every prefix again with
 * other attribute sets (implicit withdraws: sets interned and freed, the
 * steady state of churn). Each pass is timed against a parse-only pass.
 * For instructions per prefix, run under
 *   valgrind --tool=callgrind --toggle-collect=mirror_apply ./mirror-mem
 * which, with callgrind.h at build time, dumps one profile per pass
 * (callgrind.out.PID.N): divide its total Ir by the prefix count.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgpmsg.h"
#include "dataplane/bgp.h"
#include "dataplane/mirror.h"
#include "dataplane/mirror_priv.h"
#include "rng.h"
#include "table.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define PASS_DONE(name) CALLGRIND_DUMP_STATS_AT(name)
#else
#define PASS_DONE(name) ((void)(name))
#endif

#define SLICE (64u << 10)
#define BATCH 1024u

struct opts {
	uint64_t ipv4, ipv6, seed;
	bool addpath, replay, verify;
};

struct stream {
	uint8_t *p;
	size_t len;
	uint64_t msgs, prefixes;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	*o = (struct opts){ .ipv4 = 1000000, .ipv6 = 250000, .seed = 1, .replay = true };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;

		if (!strcmp(a, "--ipv4") && val)
			o->ipv4 = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--ipv6") && val)
			o->ipv6 = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--seed") && val)
			o->seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--addpath"))
			o->addpath = true;
		else if (!strcmp(a, "--gen-default")) {
			o->ipv4 = 1100000;
			o->ipv6 = 300000;
		} else if (!strcmp(a, "--no-replay"))
			o->replay = false;
		else if (!strcmp(a, "--verify"))
			o->verify = true;
		else
			return -1;
	}
	return 0;
}

/* ---- the table dump, as bmptap-gen's feed writes it ---------------------- */

static bool
put_group(struct stream *s, struct wire_buf *b, const struct gen_attrs *a, int fam,
	  struct gen_nlri *batch, uint32_t n, bool addpath)
{
	while (n) {
		struct gen_update u = { .fam = fam, .attrs = a, .pfx = batch, .n = n,
					.addpath = addpath, .max_len = BGP_MAX_LEN };
		uint32_t k = gen_bgp_update(b, &u);

		if (!k)
			return false;
		s->msgs++;
		s->prefixes += k;
		batch += k;
		n -= k;
	}
	return true;
}

static bool
gen_family(struct stream *s, struct wire_buf *b, const struct gen_universe *uni, int fam,
	   uint64_t count, const struct opts *o, uint64_t variant)
{
	static const uint8_t nh4[4] = { 192, 0, 2, 1 };
	static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static struct gen_nlri batch[BATCH];
	uint64_t key = gen_hash2(o->seed + variant, 0x6d6972726f72ull), gid = 0, idx = 0;
	struct gen_rng rng;

	gen_rng_seed(&rng, gen_hash2(key, (uint64_t)fam));
	while (idx < count) {
		uint32_t group = gen_group_size(&rng), n = 0;
		struct gen_attrs a;

		gen_attrs_make(&a, gen_hash3(key, (uint64_t)fam, gid++), 64500, nh4, nh6);
		while (n < group && n < BATCH && idx < count)
			gen_universe_prefix(uni, fam, idx++, &batch[n++]);
		if (!put_group(s, b, &a, fam, batch, n, o->addpath))
			return false;
	}
	return true;
}

/* The table; another variant: the same prefixes, other attribute sets. */
static int
gen_stream(struct stream *s, const struct opts *o, uint64_t variant)
{
	struct gen_universe uni;
	size_t cap = 64 * (o->ipv4 + o->ipv6) + (1u << 20);
	struct wire_buf b;

	if (gen_universe_init(&uni, o->seed, o->ipv4, o->ipv6) < 0)
		return -1;
	memset(s, 0, sizeof(*s));
	s->p = malloc(cap);
	if (!s->p)
		return -1;
	b = wire_buf_make(s->p, cap);
	if (!gen_family(s, &b, &uni, GEN_FAM_V4, o->ipv4, o, variant) ||
	    !gen_family(s, &b, &uni, GEN_FAM_V6, o->ipv6, o, variant))
		return -1;
	gen_bgp_eor(&b, GEN_FAM_V4);
	gen_bgp_eor(&b, GEN_FAM_V6);
	s->msgs += 2;
	s->len = b.len;
	return b.overflow ? -1 : 0;
}

/* ---- passes ------------------------------------------------------------- */

/*
 * Called through volatile pointers so that LTO cannot fold mirror_apply
 * and mirror_replay into the loops: callgrind then sees them whole.
 */
static int (*volatile apply_fn)(struct mirror *, const struct bgp_update *,
				const struct bgp_caps *) = mirror_apply;
static size_t (*volatile replay_fn)(struct mirror *, struct mirror_cursor *,
				    const struct bgp_caps *, uint32_t, uint32_t, uint8_t *, size_t,
				    unsigned *) = mirror_replay;

static int
run(const struct stream *s, struct mirror *m, const struct bgp_caps *caps)
{
	size_t off = 0;

	while (off < s->len) {
		uint16_t len = wire_load_u16(s->p + off + BGP_MARKER_LEN);
		struct bgp_update u;

		if (bgp_parse_update(s->p + off, len, caps, &u) != BGP_OK)
			return -1;
		if (m && apply_fn(m, &u, caps) < 0)
			return -1;
		off += len;
	}
	return 0;
}

static void
print_layout(const struct mirror *m)
{
	size_t ent = 0, ix = 0, pid = 0, payload = 0;

	for (unsigned af = 0; af < BGP_AF__COUNT; af++) {
		const struct mr_fam *f = &m->fam[af];

		ent += (size_t)f->cap * mr_shapes[af].stride + f->pages_cap * sizeof(void *);
		pid += f->pid_pages ? (size_t)f->cap * 4 + f->pages_cap * sizeof(void *) : 0;
		ix += (size_t)f->nslots * 4;
		if (f->count)
			printf("  %-14s %9u routes, %u entries allocated, %u index slots\n",
			       bgp_af_name(af), f->count, f->cap, f->nslots);
	}
	for (uint32_t i = 0; i < m->at.nslots; i++) {
		const struct mr_set *st;

		if (!m->at.slots[i].h)
			continue;
		st = mr_set_get(&m->at, m->at.slots[i].h);
		payload += sizeof(*st) + st->nh_len + st->len;
	}
	printf("  entries %zu B, path IDs %zu B, route index %zu B\n", ent, pid, ix);
	printf("  attribute arena %zu B (sets %zu B with headers), set index %zu B\n",
	       m->at.chunk_bytes, payload, (size_t)m->at.nslots * sizeof(*m->at.slots));
}

static int
replay(struct mirror *m, const struct bgp_caps *caps, const struct opts *o)
{
	static uint8_t buf[SLICE];
	struct mirror_cursor c;
	uint64_t bytes = 0, msgs = 0, calls = 0;
	struct mirror *copy = o->verify ? mirror_create() : NULL;
	unsigned k;
	size_t r;
	double t0 = now();

	mirror_cursor_init(&c);
	while ((r = replay_fn(m, &c, caps, 0, BGP_MAX_LEN, buf, sizeof(buf), &k)) > 0) {
		bytes += r;
		msgs += k;
		calls++;
		if (copy) {
			struct stream s = { .p = buf, .len = r };
			if (run(&s, copy, caps) < 0)
				return -1;
		}
	}
	double dt = now() - t0;
	uint64_t routes = mirror_routes(m);

	printf("replay: %" PRIu64 " messages, %" PRIu64 " bytes, %" PRIu64 " slices of %u B"
	       "%s\n", msgs, bytes, calls, SLICE, copy ? " (with verify: parse + apply)" : "");
	printf("replay: %.3f s, %.2f M prefixes/s, %.1f MB/s\n", dt, (double)routes / dt / 1e6,
	       (double)bytes / dt / 1e6);
	if (copy) {
		bool same = mirror_routes(copy) == routes &&
			    mirror_attr_sets(copy) == mirror_attr_sets(m);
		printf("verify: copy holds %" PRIu64 " routes, %" PRIu64 " sets: %s\n",
		       mirror_routes(copy), mirror_attr_sets(copy), same ? "same" : "DIFFERENT");
		mirror_destroy(copy);
		return same ? 0 : -1;
	}
	return 0;
}

/* Parse only, then parse and apply: the difference is the mirror's. */
static int
pass(const char *name, const struct stream *s, struct mirror *m, const struct bgp_caps *caps)
{
	const struct mirror_stats *st = mirror_stats(m);
	uint64_t ann = st->announced;
	double t0 = now(), t_parse, t_all;

	if (run(s, NULL, caps) < 0)
		return -1;
	t_parse = now() - t0;
	t0 = now();
	if (run(s, m, caps) < 0) {
		fprintf(stderr, "mirror-mem: apply failed\n");
		return -1;
	}
	t_all = now() - t0;
	PASS_DONE(name);
	ann = st->announced - ann;
	printf("%-6s: %.3f s parse only, %.3f s parse + apply: %.0f ns a prefix in the mirror"
	       " (%" PRIu64 " dup, %" PRIu64 " implicit withdraws so far)\n", name, t_parse,
	       t_all, (t_all - t_parse) * 1e9 / (double)ann, st->dup_advertisements,
	       st->implicit_withdraws);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct stream s, s2;
	struct bgp_caps caps = { .as4 = true, .af_mask = 0xff };
	struct mirror *m;

	if (parse_opts(&o, argc, argv) < 0) {
		fprintf(stderr, "usage: mirror-mem [--ipv4 N] [--ipv6 N] [--seed S] [--addpath] "
				"[--gen-default] [--no-replay] [--verify]\n");
		return 2;
	}
	if (o.addpath)
		caps.addpath_mask = 1u << BGP_AF_IPV4_UNICAST | 1u << BGP_AF_IPV6_UNICAST;
	if (gen_stream(&s, &o, 0) < 0 || gen_stream(&s2, &o, 1) < 0 || !(m = mirror_create())) {
		fprintf(stderr, "mirror-mem: cannot generate the table\n");
		return 1;
	}
	printf("table: %" PRIu64 " IPv4 + %" PRIu64 " IPv6 prefixes in %" PRIu64
	       " UPDATEs (%.2f a message), %zu bytes%s\n", o.ipv4, o.ipv6, s.msgs,
	       (double)s.prefixes / (double)(s.msgs - 2), s.len, o.addpath ? ", ADD-PATH" : "");
	if (pass("load", &s, m, &caps) < 0)
		return 1;

	uint64_t routes = mirror_routes(m);
	size_t bytes = mirror_bytes(m);
	printf("mirror: %" PRIu64 " routes, %" PRIu64 " attribute sets (%.2f prefixes a set)\n",
	       routes, mirror_attr_sets(m), (double)routes / (double)mirror_attr_sets(m));
	printf("mirror: %zu bytes, %.1f bytes per prefix\n", bytes, (double)bytes / (double)routes);
	print_layout(m);
	if (pass("dup", &s, m, &caps) < 0 || pass("change", &s2, m, &caps) < 0)
		return 1;
	printf("mirror: after change %zu bytes, %.1f bytes per prefix, %" PRIu64 " sets\n",
	       mirror_bytes(m), (double)mirror_bytes(m) / (double)mirror_routes(m),
	       mirror_attr_sets(m));
	if (o.replay && replay(m, &caps, &o) < 0)
		return 1;
	mirror_destroy(m);
	free(s.p);
	free(s2.p);
	return 0;
}
