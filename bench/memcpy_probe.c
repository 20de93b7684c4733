/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memcpy-probe: what one core of this machine can move, the ceiling any
 * single-lcore packet path lives under. Copies a buffer much larger than
 * the caches (--size MB, default 256) with memcpy() again and again for
 * --seconds, and prints the copy rate (bytes copied per second: each byte
 * is read once and written once) as "name value" lines:
 *
 *   memcpy-probe [--size MB] [--seconds S] [--cpu N]
 *
 * --cpu pins the probe to one CPU (the RX lcore's, to measure that core).
 * A cache-resident copy (256 KiB) is measured too, for comparison.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPS 4096

struct rates {
	double best, median;
	unsigned reps;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Copy rounds of `size` bytes (each round repeated so it lasts >= 1 ms). */
static struct rates
measure(uint8_t *dst, const uint8_t *src, size_t size, double seconds)
{
	static double rate[MAX_REPS];
	unsigned inner = size >= (8u << 20) ? 1 : (unsigned)((8u << 20) / size);
	struct rates r = { 0 };
	double end = now() + seconds;

	while (r.reps < MAX_REPS && (r.reps < 3 || now() < end)) {
		double t0 = now();

		for (unsigned i = 0; i < inner; i++) {
			memcpy(dst, src, size);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		rate[r.reps++] = (double)size * inner / (now() - t0);
	}
	qsort(rate, r.reps, sizeof(rate[0]), cmp_double);
	r.best = rate[r.reps - 1];
	r.median = rate[r.reps / 2];
	return r;
}

static void
pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("memcpy-probe: sched_setaffinity");
}

int
main(int argc, char **argv)
{
	size_t mb = 256;
	double seconds = 2.0;
	int cpu = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--size"))
			mb = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--cpu"))
			cpu = atoi(argv[i + 1]);
	}
	if (argc % 2 == 0 || mb == 0) {
		fprintf(stderr, "usage: memcpy-probe [--size MB] [--seconds S] [--cpu N]\n");
		return 2;
	}
	pin(cpu);
	size_t size = mb << 20;
	uint8_t *src = malloc(size), *dst = malloc(size);
	if (!src || !dst) {
		fprintf(stderr, "memcpy-probe: out of memory\n");
		return 1;
	}
	memset(src, 0x5a, size);
	memset(dst, 0xa5, size);
	struct rates big = measure(dst, src, size, seconds);
	struct rates small = measure(dst, src, 256u << 10, seconds / 4);
	printf("memcpy.size_bytes %zu\nmemcpy.reps %u\n", size, big.reps);
	printf("memcpy.best_bytes_per_s %.0f\nmemcpy.median_bytes_per_s %.0f\n", big.best,
	       big.median);
	printf("memcpy.cached_256k_best_bytes_per_s %.0f\n", small.best);
	free(src);
	free(dst);
	return 0;
}
