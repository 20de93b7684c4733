/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "pmd/hugepages.h"

bool
hugepages_free(void)
{
	static const char *const paths[] = {
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
		"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = fopen(paths[i], "r");
		unsigned long n = 0;
		bool yes = f && fscanf(f, "%lu", &n) == 1 && n > 0;
		if (f)
			fclose(f);
		if (yes)
			return true;
	}
	return false;
}
