/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Buffered writer of classic microsecond pcap files (LINKTYPE_ETHERNET).
 * Headers are written little-endian whatever the host, so output bytes
 * do not depend on the machine.
 */
#ifndef BMPTAP_GEN_PCAPW_H
#define BMPTAP_GEN_PCAPW_H

#include <stddef.h>
#include <stdint.h>

#define GEN_PCAP_SNAPLEN 262144u

struct gen_pcap {
	int fd;
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;                 /* first write error (-errno), sticky */
	uint64_t frames;
	uint64_t bytes;          /* file bytes written, headers included */
};

/* Create/truncate path and write the file header. 0 or -errno. */
int gen_pcap_open(struct gen_pcap *w, const char *path);
/* Append one record; ts in microseconds since the epoch. */
void gen_pcap_write(struct gen_pcap *w, uint64_t ts_us, const uint8_t *frame, size_t len);
/* Flush, close; returns the first error seen (0 or -errno). */
int gen_pcap_close(struct gen_pcap *w);

#endif
