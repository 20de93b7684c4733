/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Capture ports: every ethdev the EAL created (PCI NICs from -a, vdevs
 * from --vdev: net_pcap, net_af_packet, net_af_xdp, net_ring, net_memif,
 * net_null) is configured for receive only, promiscuous, with as many RX
 * queues as RX lcores when it has RSS (symmetric Toeplitz key, so both
 * directions of a flow share a queue), else one.
 *
 * Symmetric RSS is an optimization only: the RX lcores re-steer BGP
 * packets by their own symmetric hash (pipeline.h), so a NIC whose hash
 * is not symmetric costs a ring hop, never correctness.
 */
#ifndef BMPTAP_PORT_H
#define BMPTAP_PORT_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mempool;

#define PORT_MAX 32

struct port_desc {
	uint16_t port_id;
	uint16_t nb_rxq;
	bool is_file;        /**< pcap file: reaches an end */
	bool ts_usec;        /**< mbufs carry the capture time in usec (pcap) */
	bool rss;            /**< spread over nb_rxq queues by symmetric RSS */
	char name[64];       /**< device name, e.g. net_pcap0, 0000:01:00.0 */
	char driver[32];
};

struct port_config {
	unsigned n_rx_lcores;
	unsigned rx_desc;    /**< descriptors per RX queue, default 1024 */
	unsigned mtu;        /**< 0: leave; else tried, failure tolerated */
};

/**
 * Configure and start every available port. Fills ports[] (at most
 * PORT_MAX) and *nports; *mp receives the mbuf pool all queues share.
 * @return 0 or -errno, with a message in err (e.g. no port at all).
 */
int port_setup_all(const struct port_config *cfg, struct port_desc *ports, unsigned *nports,
		   struct rte_mempool **mp, char *err, size_t errlen);

void port_stop_all(const struct port_desc *ports, unsigned nports);

/** Offset and flag of the capture-timestamp dynfield (pcap PMD). */
int port_timestamp_field(int *offset, uint64_t *flag);

#endif
