/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DPDK telemetry commands of bmptapd, read with DPDK's standard client
 * (usertools/dpdk-telemetry.py) or any client of the socket
 * /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2:
 *
 *   /bmptap/global           the BMP_GLOBAL_STATE row
 *   /bmptap/servers[,ID]     every station: ID -> ["field=value", ...];
 *                            with ID: that station's fields
 *   /bmptap/peers[,ADDR]     established peers: "total", and N ->
 *                            ["peer=A", "distinguisher=D", "field=value"...]
 *                            (only ADDR's with it)
 *   /bmptap/ports[,NAME]     port counters: port.NAME -> ["name=value"...];
 *                            with NAME: that port's counters
 *   /bmptap/lcores[,N]       RX lcore counters, likewise (lcoreN)
 *
 * Fields and counters are those of the state tables (state.h). Dictionary
 * names take only letters, digits, '_' and '/' in DPDK telemetry: other
 * characters become '_' there ("bgp.update" -> "bgp_update").
 *
 * Callbacks run on DPDK's telemetry thread: they only read the latest
 * snapshot, taken by reference under a mutex, never control-thread data.
 */
#ifndef BMPTAP_TELEMETRY_H
#define BMPTAP_TELEMETRY_H

#include "state.h"

/** Register the commands (after rte_eal_init). 0 or -errno. */
int telemetry_init(void);
/** The snapshot the commands serve from now on (a reference is taken). NULL: none. */
void telemetry_update(struct state_snap *s);

#endif
