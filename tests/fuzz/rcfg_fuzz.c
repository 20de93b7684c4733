/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for hashes to configuration (rcfg_to_cfg). The input is
 * text, one item a line: a line without '=' starts a hash (its key, the
 * namespace "f:" put in front), a line "name=value" adds a field to it.
 * Any input either fails with a message that names a key of the namespace,
 * or gives a valid configuration that goes to hashes and back equal, and
 * prints in vendor syntax that reads back equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/rcfg.h"

#define NS "f"
#define MAX_HASHES 128
#define MAX_FIELDS 32

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
add_line(struct rcfg_hashes *hs, const char *l, size_t len)
{
	const char *eq = memchr(l, '=', len);
	struct rcfg_hash *h;
	struct rcfg_field *f;

	if (!eq) {
		if (hs->n == MAX_HASHES)
			return;
		h = &hs->h[hs->n++];
		snprintf(h->key, sizeof(h->key), NS ":%.*s", (int)len, l);
		h->f = calloc(MAX_FIELDS, sizeof(*h->f));
		if (!h->f)
			abort();
		return;
	}
	if (hs->n == 0 || hs->h[hs->n - 1].n == MAX_FIELDS)
		return;
	h = &hs->h[hs->n - 1];
	f = &h->f[h->n++];
	snprintf(f->name, sizeof(f->name), "%.*s", (int)(eq - l), l);
	snprintf(f->value, sizeof(f->value), "%.*s", (int)(l + len - eq - 1), eq + 1);
}

static void
decode(const uint8_t *d, size_t n, struct rcfg_hashes *hs)
{
	const char *p = (const char *)d, *end = p + n;

	hs->n = 0;
	hs->h = calloc(MAX_HASHES, sizeof(*hs->h));
	if (!hs->h)
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		/* Redis strings may hold NULs, ours cannot: cut there */
		const char *nul = memchr(p, '\0', len);
		add_line(hs, p, nul ? (size_t)(nul - p) : len);
		p += len + 1;
	}
}

static char *
print(const struct cfg *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f || cfg_write(c, f) != 0)
		abort();
	fclose(f);
	return buf;
}

static void
round_trip(const struct cfg *c)
{
	struct rcfg_hashes hs;
	struct cfg back, text;
	struct cfg_error e;
	size_t len;
	char *t;

	if (cfg_validate(c, &e) != 0 || rcfg_from_cfg(c, NS, &hs) != 0)
		abort();
	if (rcfg_to_cfg(&hs, NS, &back, &e) != 0 || !cfg_equal(c, &back))
		abort();
	t = print(c, &len);
	cfg_init(&text);
	if (cfg_apply(&text, t, len, &e) != 0 || !cfg_equal(c, &text))
		abort();
	free(t);
	cfg_free(&text);
	cfg_free(&back);
	rcfg_hashes_free(&hs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct rcfg_hashes hs;
	struct cfg c;
	struct cfg_error e;

	decode(d, n, &hs);
	if (rcfg_to_cfg(&hs, NS, &c, &e) == 0) {
		round_trip(&c);
	} else {
		if (strncmp(e.msg, NS, strlen(NS)) != 0 || e.line != 0)
			abort();
		if (c.nservers || c.nneighbors)
			abort();
	}
	cfg_free(&c);
	rcfg_hashes_free(&hs);
	return 0;
}
