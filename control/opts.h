/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * bmptapd's command line: `bmptapd [EAL options] -- [options]`, or only
 * options (no `--`). Defaults fill in what the EAL options leave out, so
 * that bmptapd starts on any Linux box: no hugepages needed (--no-huge
 * when none are free), no PCI scan when shortcuts (--pcap, --iface, --xdp) name
 * the ports and no device is selected with -a/-b.
 */
#ifndef BMPTAP_OPTS_H
#define BMPTAP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTS_MAX_PORTS 16
#define OPTS_MAX_EAL 96

struct opts {
	const char *pcaps[OPTS_MAX_PORTS];
	unsigned npcaps;
	const char *ifaces[OPTS_MAX_PORTS];
	unsigned nifaces;
	const char *xdps[OPTS_MAX_PORTS];   /**< --xdp: af_xdp + XDP filter */
	unsigned nxdps;
	const char *bmp_out;        /**< file, "-" for stdout, NULL: none */
	const char *config;         /**< vendor-syntax file; NULL: see README */
	const char *redis;          /**< Redis URL: the configuration's source */
	const char *ns;             /**< key namespace (default "bmptap") */
	bool ns_given;              /**< --namespace: also names the EAL file prefix */
	bool buffer_given;          /**< --buffer-size overrides `bmp buffer-size` */
	bool exit_on_eof;
	uint32_t max_flows;
	unsigned buffer_mb;
	unsigned rx_lcores;         /**< 0: all lcores but control and encoder */
	const char *sysname;        /**< NULL: host name */
	uint32_t debug_mask;
	bool busy_poll;             /**< never nap when idle */
	/* EAL arguments: the user's, or defaults, plus the shortcuts' vdevs */
	char *eal_argv[OPTS_MAX_EAL];
	int eal_argc;
	bool user_eal;
};

enum opts_result { OPTS_RUN, OPTS_EXIT_OK, OPTS_ERROR };

/** Parse argv; on OPTS_ERROR, err says why. */
enum opts_result opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen);
/** Free what opts_parse allocated. */
void opts_free(struct opts *o);

#endif
