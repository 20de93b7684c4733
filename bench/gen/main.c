/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptap-gen: see gen.h and --help. EAL options, if any, come before a
 * "--", as in DPDK applications; they only make sense with --tx.
 */
#include "gen.h"
#include "tx.h"

int
main(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_summary sum;
	char err[512];
	int dash = gen_eal_split(argc, argv);
	int rc = gen_opts_parse(&o, argc - dash, argv + dash, stdout, err, sizeof(err));

	if (rc == 1)
		return 0;
	if (rc == 0 && dash && !o.tx) {
		snprintf(err, sizeof(err), "EAL options (before --) need --tx");
		rc = -1;
	}
	if (rc < 0) {
		fprintf(stderr, "bmptap-gen: %s\nTry 'bmptap-gen --help'.\n", err);
		return 2;
	}
	if (o.tx)
		return gen_tx_main(&o, dash - (dash > 0), argv + 1);
	if (gen_run(&o, &sum, err, sizeof(err)) != 0) {
		fprintf(stderr, "bmptap-gen: %s\n", err);
		return 1;
	}
	if (!o.quiet)
		gen_summary_print(stderr, &sum);
	return 0;
}
