/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL command line of bmptap-gen --tx: the user's EAL options first,
 * then defaults for what they leave out, with bmptapd's policy (see
 * control/opts.c) so both run side by side on a box without hugepages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tx.h"

static int
push(struct gen_eal *e, const char *fmt, ...)
{
	char buf[4200];
	va_list ap;

	if (e->argc >= GEN_EAL_MAX)
		return -E2BIG;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->argv[e->argc] = strdup(buf);
	if (e->argv[e->argc] == NULL)
		return -ENOMEM;
	e->argv[++e->argc] = NULL;
	return 0;
}

/* Does an option of `names` appear (as "-x", "--opt" or "--opt=v")? */
static bool
has(const struct gen_eal *e, const char *const *names)
{
	for (int i = 1; i < e->argc; i++) {
		for (const char *const *n = names; *n; n++) {
			size_t l = strlen(*n);
			const char *a = e->argv[i];
			if (strncmp(a, *n, l) == 0 && (a[l] == '\0' || a[l] == '=' ||
						       (*n)[1] != '-'))
				return true;
		}
	}
	return false;
}

static int
mem_defaults(struct gen_eal *e, bool huge_free)
{
	static const char *const mem[] = { "--no-huge", "-m", "--socket-mem", "--in-memory",
					   "--legacy-mem", NULL };
	int rc = 0;

	if (has(e, mem))
		return 0;
	if (huge_free)
		return push(e, "--in-memory");
	rc = push(e, "--no-huge");
	rc = rc ? rc : push(e, "-m");
	rc = rc ? rc : push(e, "512");
	return rc ? rc : push(e, "--no-shconf");
}

static int
other_defaults(struct gen_eal *e, long pid, const char *cpus)
{
	static const char *const prefix[] = { "--file-prefix", NULL };
	static const char *const loglvl[] = { "--log-level", NULL };
	static const char *const devsel[] = { "-a", "--allow", "-b", "--block", "--no-pci", NULL };
	static const char *const vdev[] = { "--vdev", NULL };
	static const char *const lcores[] = { "-l", "-c", "--lcores", NULL };
	int rc = 0;

	/* its own runtime directory and telemetry socket, beside bmptapd's */
	if (!has(e, prefix))
		rc = push(e, "--file-prefix=bmptap-gen-%ld", pid);
	if (rc == 0 && !has(e, loglvl)) {
		rc = push(e, "--log-level=notice");
		rc = rc ? rc : push(e, "--log-level=lib.telemetry:error");
	}
	if (rc == 0 && !has(e, devsel) && has(e, vdev))
		rc = push(e, "--no-pci");
	/* one lcore, not pinned to one CPU that bmptapd may poll on */
	if (rc == 0 && cpus && !has(e, lcores))
		rc = push(e, "--lcores=0@(%s)", cpus);
	return rc;
}

int
gen_eal_build(struct gen_eal *e, const char *prog, int nuser, char *const *user,
	      bool huge_free, long pid, const char *cpus)
{
	int rc;

	memset(e, 0, sizeof(*e));
	rc = push(e, "%s", prog);
	for (int i = 0; rc == 0 && i < nuser; i++)
		rc = push(e, "%s", user[i]);
	rc = rc ? rc : mem_defaults(e, huge_free);
	rc = rc ? rc : other_defaults(e, pid, cpus);
	if (rc)
		gen_eal_free(e);
	return rc;
}

void
gen_eal_free(struct gen_eal *e)
{
	for (int i = 0; i < e->argc; i++)
		free(e->argv[i]);
	e->argc = 0;
	e->argv[0] = NULL;
}

int
gen_eal_split(int argc, char *const *argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return 0;
}
