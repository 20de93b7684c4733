/* SPDX-License-Identifier: BSD-3-Clause */
/* bmptap-gen: see gen.h and --help. */
#include "gen.h"

int
main(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_summary sum;
	char err[512];
	int rc = gen_opts_parse(&o, argc, argv, stdout, err, sizeof(err));

	if (rc == 1)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "bmptap-gen: %s\nTry 'bmptap-gen --help'.\n", err);
		return 2;
	}
	if (gen_run(&o, &sum, err, sizeof(err)) != 0) {
		fprintf(stderr, "bmptap-gen: %s\n", err);
		return 1;
	}
	if (!o.quiet)
		gen_summary_print(stderr, &sum);
	return 0;
}
