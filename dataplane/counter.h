/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Single-writer counters.
 *
 * A counter is written only by the lcore that owns it and read by the
 * control thread. Relaxed atomic stores and loads make that legal C11 at
 * the cost of a plain add on x86: no lock, no locked instruction.
 */
#ifndef BMPTAP_COUNTER_H
#define BMPTAP_COUNTER_H

#include <stdint.h>

#define CTR_ADD(c, n) __atomic_store_n(&(c), (c) + (uint64_t)(n), __ATOMIC_RELAXED)
#define CTR_INC(c) CTR_ADD(c, 1)
#define CTR_READ(c) __atomic_load_n(&(c), __ATOMIC_RELAXED)

#endif
