/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether the EAL could use hugepages: bmptapd and bmptap-gen start with
 * --in-memory when some are free and fall back to --no-huge otherwise, so
 * that nothing requires them.
 */
#ifndef BMPTAP_HUGEPAGES_H
#define BMPTAP_HUGEPAGES_H

#include <stdbool.h>

/** True when a 2 MB or 1 GB hugepage is free (sysfs), false otherwise. */
bool hugepages_free(void);

#endif
