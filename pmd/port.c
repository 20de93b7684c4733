/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "port.h"

#define DEFAULT_RX_DESC 1024
#define MBUF_CACHE 256

/* Toeplitz with this repeated pattern hashes (a, b) and (b, a) alike. */
static uint8_t symmetric_key[64];

static void
symmetric_key_init(void)
{
	for (size_t i = 0; i < sizeof(symmetric_key); i += 2) {
		symmetric_key[i] = 0x6d;
		symmetric_key[i + 1] = 0x5a;
	}
}

static bool
devargs_has(const struct rte_eth_dev_info *di, const char *key)
{
	const struct rte_devargs *da = di->device ? rte_dev_devargs(di->device) : NULL;
	return da && da->args && strstr(da->args, key);
}

static void
port_describe(uint16_t pid, const struct rte_eth_dev_info *di, struct port_desc *pd)
{
	memset(pd, 0, sizeof(*pd));
	pd->port_id = pid;
	rte_eth_dev_get_name_by_port(pid, pd->name);
	snprintf(pd->driver, sizeof(pd->driver), "%s", di->driver_name);
	bool pcap = strcmp(di->driver_name, "net_pcap") == 0;
	pd->is_file = pcap && devargs_has(di, "rx_pcap=");
	pd->ts_usec = pcap;
}

static int
port_conf_make(const struct port_config *cfg, const struct rte_eth_dev_info *di,
	       struct port_desc *pd, struct rte_eth_conf *conf)
{
	uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & di->flow_type_rss_offloads;
	memset(conf, 0, sizeof(*conf));
	pd->nb_rxq = 1;
	if (cfg->n_rx_lcores > 1 && di->max_rx_queues > 1 && hf) {
		pd->nb_rxq = (uint16_t)RTE_MIN(cfg->n_rx_lcores, di->max_rx_queues);
		pd->rss = true;
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_key = symmetric_key;
		conf->rx_adv_conf.rss_conf.rss_key_len =
			di->hash_key_size ? di->hash_key_size : 40;
		conf->rx_adv_conf.rss_conf.rss_hf = hf;
	}
	if (di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	return 0;
}

static int
port_start(const struct port_config *cfg, uint16_t pid, struct port_desc *pd,
	   struct rte_mempool *mp, char *err, size_t errlen)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	int rc = rte_eth_dev_info_get(pid, &di);
	if (rc != 0)
		goto fail;
	port_describe(pid, &di, pd);
	port_conf_make(cfg, &di, pd, &conf);
	/* one TX queue: some PMDs refuse none; it is never used */
	if ((rc = rte_eth_dev_configure(pid, pd->nb_rxq, 1, &conf)) != 0)
		goto fail;
	if (cfg->mtu)
		rte_eth_dev_set_mtu(pid, (uint16_t)RTE_MIN(cfg->mtu, di.max_mtu));
	unsigned desc = cfg->rx_desc ? cfg->rx_desc : DEFAULT_RX_DESC;
	int socket = rte_eth_dev_socket_id(pid);
	for (uint16_t q = 0; q < pd->nb_rxq; q++)
		if ((rc = rte_eth_rx_queue_setup(pid, q, (uint16_t)desc, socket, NULL, mp)) != 0)
			goto fail;
	if ((rc = rte_eth_tx_queue_setup(pid, 0, 64, socket, NULL)) != 0)
		goto fail;
	if ((rc = rte_eth_dev_start(pid)) != 0)
		goto fail;
	/* a mirror port carries other hosts' frames */
	rc = rte_eth_promiscuous_enable(pid);
	if (rc != 0 && rc != -ENOTSUP)
		fprintf(stderr, "port %s: promiscuous mode: %s (continuing)\n", pd->name,
			rte_strerror(-rc));
	return 0;
fail:
	snprintf(err, errlen, "port %u (%s): cannot start: %s", pid, pd->name,
		 rte_strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

static struct rte_mempool *
pool_create(unsigned nports, const struct port_config *cfg)
{
	unsigned desc = cfg->rx_desc ? cfg->rx_desc : DEFAULT_RX_DESC;
	unsigned n = nports * RTE_MAX(cfg->n_rx_lcores, 1u) * desc +
		     rte_lcore_count() * (MBUF_CACHE + 4096) + 8192;
	n = rte_align32pow2(n) - 1;
	return rte_pktmbuf_pool_create("bmptap_rx", n, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
}

int
port_setup_all(const struct port_config *cfg, struct port_desc *ports, unsigned *nports,
	       struct rte_mempool **mp, char *err, size_t errlen)
{
	unsigned n = rte_eth_dev_count_avail();
	*nports = 0;
	if (n == 0) {
		snprintf(err, errlen, "no capture port: give --pcap FILE, --iface IF, "
			 "or EAL -a PCI / --vdev DEVICE");
		return -ENODEV;
	}
	if (n > PORT_MAX) {
		snprintf(err, errlen, "%u ports, at most %u supported", n, PORT_MAX);
		return -E2BIG;
	}
	symmetric_key_init();
	*mp = pool_create(n, cfg);
	if (!*mp) {
		snprintf(err, errlen, "mbuf pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	uint16_t pid;
	RTE_ETH_FOREACH_DEV(pid) {
		int rc = port_start(cfg, pid, &ports[*nports], *mp, err, errlen);
		if (rc != 0)
			return rc;
		(*nports)++;
	}
	return 0;
}

void
port_stop_all(const struct port_desc *ports, unsigned nports)
{
	for (unsigned i = 0; i < nports; i++) {
		rte_eth_dev_stop(ports[i].port_id);
		rte_eth_dev_close(ports[i].port_id);
	}
}

int
port_timestamp_field(int *offset, uint64_t *flag)
{
	return rte_mbuf_dyn_rx_timestamp_register(offset, flag);
}
