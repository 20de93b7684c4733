/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the vendor-syntax parser: any text either fails
 * with a line-numbered message, or gives a configuration that validates
 * or not, prints, and reads back to an equal configuration, printed the
 * same way (cfg_write is deterministic).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

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
check_error(const struct cfg_error *e)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "line %u: ", e->line);
	if (e->line == 0 || strncmp(e->msg, prefix, strlen(prefix)) != 0)
		abort();
}

static void
round_trip(const struct cfg *c)
{
	struct cfg back, copy;
	struct cfg_error e;
	struct cfg_diff diff;
	size_t len, len2;
	char *text = print(c, &len), *text2;

	cfg_init(&back);
	if (cfg_apply(&back, text, len, &e) != 0 || !cfg_equal(c, &back))
		abort();
	text2 = print(&back, &len2);
	if (len != len2 || memcmp(text, text2, len) != 0)
		abort();
	cfg_init(&copy);
	if (cfg_copy(&copy, c) != 0 || !cfg_equal(&copy, c))
		abort();
	cfg_diff(c, &back, &diff);
	if (diff.globals || diff.neighbors || diff.n != c->nservers)
		abort();
	for (unsigned i = 0; i < diff.n; i++)
		if (diff.servers[i].change != CFG_SAME)
			abort();
	free(text);
	free(text2);
	cfg_free(&back);
	cfg_free(&copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct cfg c;
	struct cfg_error e;
	size_t len;

	cfg_init(&c);
	if (cfg_apply(&c, (const char *)d, n, &e) == 0) {
		if (cfg_validate(&c, &e) != 0 && (e.line != 0 || e.msg[0] == '\0'))
			abort();
		round_trip(&c);
	} else {
		check_error(&e);
		free(print(&c, &len));    /* a refused text leaves a usable config */
		cfg_validate(&c, &e);
	}
	cfg_free(&c);
	return 0;
}
