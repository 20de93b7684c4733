/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptap-gen --tx: frames copied into mbufs as the scheduler makes them,
 * handed to one TX queue of one DPDK port in bursts of up to 32.
 *
 * Paced, a frame leaves when the TSC reaches its capture time: pending
 * frames are all due, so a burst forms only while generation or the port
 * lags the rate; an early frame makes the due ones go, then the pacer
 * spins (sleeping only the part of long idle gaps above 2 ms). Unpaced,
 * every full burst goes at once. A partial tx_burst is retried (counted);
 * a port that takes nothing for a second ends the run, and whatever was
 * not sent is counted, never dropped silently.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "pmd/hugepages.h"
#include "tx.h"

#define POOL_SIZE 8191           /* RX and TX rings, bursts, per-lcore cache */
#define POOL_CACHE 256
#define RING_DESC 1024
#define STUCK_MS 1000            /* a port taking nothing this long is stuck */
#define LINK_WAIT_S 30           /* memif: the peer has this long to connect */
#define SPIN_US 2000             /* waits longer than this sleep first */
#define SETTLE_MS 500            /* for the PMD's counters to catch up */
#define LINGER_MS 1000           /* for the peer to read a shared ring */

static volatile sig_atomic_t stop_flag;

struct gen_tx {
	uint16_t port;
	bool paced;
	bool started;
	bool begun;              /* first frame seen: t0 set */
	bool linger;             /* frames may wait in a ring after tx_burst */
	struct rte_mempool *pool;
	uint64_t hz;
	uint64_t t0;             /* TSC of capture time 0 */
	uint64_t t_first;        /* TSC when the first frame came */
	uint64_t t_last;         /* TSC when the port last took frames */
	unsigned npend;
	unsigned nstash;
	struct rte_mbuf *pend[GEN_TX_BURST];
	uint64_t pend_ts[GEN_TX_BURST];
	uint32_t pend_len[GEN_TX_BURST];
	struct rte_mbuf *stash[GEN_TX_BURST];   /* allocated in bulk, not used yet */
	struct gen_tx_stats st;
	struct gen_sink sink;
	char name[RTE_ETH_NAME_MAX_LEN];
	char rundir[4096];       /* EAL runtime directory to remove, "" to keep */
};

void
gen_tx_interrupt(void)
{
	stop_flag = 1;
}

static uint64_t
ms_cycles(const struct gen_tx *tx, uint64_t ms)
{
	return tx->hz / 1000 * ms;
}

/* Spin (or sleep, if far) until the TSC reaches deadline. */
static int
wait_until(const struct gen_tx *tx, uint64_t deadline)
{
	uint64_t spin = tx->hz / 1000000 * SPIN_US;

	for (;;) {
		uint64_t now = rte_get_tsc_cycles();
		if (now >= deadline)
			return 0;
		if (stop_flag)
			return -EINTR;
		if (deadline - now > spin) {
			uint64_t ns = (deadline - now - spin / 2) / (tx->hz / 1000000) * 1000;
			struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000),
					       .tv_nsec = (long)(ns % 1000000000) };
			nanosleep(&ts, NULL);
		} else {
			rte_pause();
		}
	}
}

/* Frames given up: freed and counted. */
static void
drop_pending(struct gen_tx *tx, unsigned from, unsigned to)
{
	rte_pktmbuf_free_bulk(tx->pend + from, to - from);
	tx->st.not_sent += to - from;
}

static void
shift_pending(struct gen_tx *tx, unsigned n)
{
	unsigned rest = tx->npend - n;

	memmove(tx->pend, tx->pend + n, rest * sizeof(tx->pend[0]));
	memmove(tx->pend_ts, tx->pend_ts + n, rest * sizeof(tx->pend_ts[0]));
	memmove(tx->pend_len, tx->pend_len + n, rest * sizeof(tx->pend_len[0]));
	tx->npend = rest;
}

static void
count_sent(struct gen_tx *tx, unsigned from, unsigned k)
{
	for (unsigned i = from; i < from + k; i++)
		tx->st.bytes += tx->pend_len[i];
	tx->st.frames += k;
	tx->st.bursts++;
	tx->t_last = rte_get_tsc_cycles();
}

/* The first n pending frames to the port; retried until taken or stuck. */
static int
send_pending(struct gen_tx *tx, unsigned n)
{
	unsigned done = 0;
	uint64_t stuck_at = 0;

	while (done < n) {
		uint16_t k = rte_eth_tx_burst(tx->port, 0, tx->pend + done, (uint16_t)(n - done));
		if (k) {
			count_sent(tx, done, k);
			done += k;
			stuck_at = 0;
		} else if (stuck_at == 0) {
			stuck_at = rte_get_tsc_cycles() + ms_cycles(tx, STUCK_MS);
		} else if (stop_flag || rte_get_tsc_cycles() > stuck_at) {
			drop_pending(tx, done, n);
			shift_pending(tx, n);
			return stop_flag ? -EINTR : -EIO;
		}
		if (done < n) {
			tx->st.retries++;
			rte_pause();
		}
	}
	shift_pending(tx, n);
	return 0;
}

static struct rte_mbuf *
take_mbuf(struct gen_tx *tx)
{
	uint64_t deadline = 0;

	while (tx->nstash == 0) {
		if (rte_pktmbuf_alloc_bulk(tx->pool, tx->stash, GEN_TX_BURST) == 0) {
			tx->nstash = GEN_TX_BURST;
			break;
		}
		/* mbufs wait in the TX ring for completion: let the PMD free them */
		rte_eth_tx_done_cleanup(tx->port, 0, 0);
		if (deadline == 0)
			deadline = rte_get_tsc_cycles() + ms_cycles(tx, STUCK_MS);
		else if (stop_flag || rte_get_tsc_cycles() > deadline)
			return NULL;
	}
	return tx->stash[--tx->nstash];
}

/* Paced: send what is due; an early frame is waited for, then sent. */
static int
pace(struct gen_tx *tx)
{
	unsigned k = gen_pace_allowed(tx->hz, rte_get_tsc_cycles() - tx->t0, tx->pend_ts,
				      tx->npend);
	int rc;

	if (k == tx->npend)
		return k == GEN_TX_BURST ? send_pending(tx, k) : 0;
	if (k && (rc = send_pending(tx, k)) != 0)
		return rc;
	rc = wait_until(tx, tx->t0 + gen_pace_cycles(tx->hz, tx->pend_ts[tx->npend - 1]));
	return rc ? rc : send_pending(tx, tx->npend);
}

static int
tx_frame(void *arg, const uint8_t *f, size_t len, uint64_t ts_ps)
{
	struct gen_tx *tx = arg;

	if (stop_flag) {
		tx->st.not_sent++;
		return -EINTR;
	}
	if (!tx->begun) {
		tx->begun = true;
		tx->t_first = rte_get_tsc_cycles();
		tx->t0 = tx->t_first - gen_pace_cycles(tx->hz, ts_ps);
	}
	struct rte_mbuf *m = take_mbuf(tx);
	if (m == NULL) {
		tx->st.not_sent++;
		return stop_flag ? -EINTR : -ENOBUFS;
	}
	if (rte_pktmbuf_append(m, (uint16_t)len) == NULL) {
		rte_pktmbuf_free(m);
		tx->st.not_sent++;
		return -EMSGSIZE;
	}
	memcpy(rte_pktmbuf_mtod(m, void *), f, len);
	tx->pend[tx->npend] = m;
	tx->pend_ts[tx->npend] = ts_ps;
	tx->pend_len[tx->npend++] = (uint32_t)len;
	if (tx->paced)
		return pace(tx);
	return tx->npend == GEN_TX_BURST ? send_pending(tx, tx->npend) : 0;
}

/* ---- set-up ---------------------------------------------------------- */

static int
port_queues(struct gen_tx *tx, char *err, size_t el)
{
	struct rte_eth_conf conf;
	uint16_t rxd = RING_DESC, txd = RING_DESC;
	int socket = rte_eth_dev_socket_id(tx->port);
	int rc;

	memset(&conf, 0, sizeof(conf));
	/* one RX queue too: some PMDs (memif) want both directions */
	if ((rc = rte_eth_dev_configure(tx->port, 1, 1, &conf)) != 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(tx->port, &rxd, &txd)) != 0 ||
	    (rc = rte_eth_rx_queue_setup(tx->port, 0, rxd, (unsigned)socket, NULL,
					 tx->pool)) != 0 ||
	    (rc = rte_eth_tx_queue_setup(tx->port, 0, txd, (unsigned)socket, NULL)) != 0) {
		snprintf(err, el, "port %u (%s): set-up failed: %s", tx->port, tx->name,
			 rte_strerror(-rc));
		return rc;
	}
	return 0;
}

/* An MSS above 1460 (IPv6: 1440) needs an MTU above 1500; best effort. */
static void
port_mtu(struct gen_tx *tx, const struct gen_opts *o)
{
	uint32_t hdr = o->transport == GEN_TR_V4 ? 40u : 60u;   /* IP + TCP */

	if (o->mss == 0 || o->mss + hdr <= RTE_ETHER_MTU)
		return;
	if (rte_eth_dev_set_mtu(tx->port, (uint16_t)(o->mss + hdr)) != 0)
		fprintf(stderr, "bmptap-gen: port %u (%s): cannot set MTU %u for --mss %u; "
			"larger frames may not leave\n", tx->port, tx->name, o->mss + hdr, o->mss);
}

static int
link_wait(struct gen_tx *tx, char *err, size_t el)
{
	struct rte_eth_link link;
	bool said = false;

	for (int i = 0; i < LINK_WAIT_S * 100 && !stop_flag; i++) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(tx->port, &link) == 0 && link.link_status)
			return 0;
		if (!said) {
			fprintf(stderr, "bmptap-gen: port %u (%s): waiting for the link "
				"(memif: for the peer to connect)\n", tx->port, tx->name);
			said = true;
		}
		rte_delay_us_sleep(10000);
	}
	snprintf(err, el, "port %u (%s): link down after %d s", tx->port, tx->name,
		 LINK_WAIT_S);
	return -ENETDOWN;
}

/* Drivers done with a frame when tx_burst returns: nothing to wait for. */
static bool
sync_driver(uint16_t port)
{
	static const char *const sync[] = { "net_null", "net_af_packet", "net_pcap" };
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) != 0 || info.driver_name == NULL)
		return false;
	for (size_t i = 0; i < sizeof(sync) / sizeof(sync[0]); i++)
		if (strcmp(info.driver_name, sync[i]) == 0)
			return true;
	return false;
}

static int
port_open(struct gen_tx *tx, const struct gen_opts *o, char *err, size_t el)
{
	uint16_t n = rte_eth_dev_count_avail();

	if (n == 0) {
		snprintf(err, el, "no DPDK port: name one in the EAL options, e.g. "
			 "bmptap-gen --vdev net_af_packet0,iface=veth0 -- --tx ...");
		return -ENODEV;
	}
	if (!rte_eth_dev_is_valid_port(o->tx_port)) {
		snprintf(err, el, "--port %u: no such DPDK port (%u available)", o->tx_port, n);
		return -ENODEV;
	}
	tx->port = o->tx_port;
	rte_eth_dev_get_name_by_port(tx->port, tx->name);
	tx->linger = !sync_driver(tx->port);
	uint32_t room = (o->mss ? o->mss : 1448u) + 128u;
	room = room < RTE_MBUF_DEFAULT_DATAROOM ? RTE_MBUF_DEFAULT_DATAROOM : room;
	tx->pool = rte_pktmbuf_pool_create("gen_tx", POOL_SIZE, POOL_CACHE, 0,
					   (uint16_t)(room + RTE_PKTMBUF_HEADROOM),
					   rte_eth_dev_socket_id(tx->port));
	if (tx->pool == NULL) {
		snprintf(err, el, "mbuf pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	int rc = port_queues(tx, err, el);
	if (rc)
		return rc;
	port_mtu(tx, o);
	if ((rc = rte_eth_dev_start(tx->port)) != 0) {
		snprintf(err, el, "port %u (%s): start: %s", tx->port, tx->name, rte_strerror(-rc));
		return rc;
	}
	tx->started = true;
	return link_wait(tx, err, el);
}

/* Remember the runtime directory of a prefix we chose, to remove it. */
static void
note_rundir(struct gen_tx *tx, const struct gen_eal *eal)
{
	char want[64];

	snprintf(want, sizeof(want), "--file-prefix=bmptap-gen-%ld", (long)getpid());
	for (int i = 1; i < eal->argc; i++)
		if (strcmp(eal->argv[i], want) == 0)
			snprintf(tx->rundir, sizeof(tx->rundir), "%s", rte_eal_get_runtime_dir());
}

struct gen_tx *
gen_tx_open(const struct gen_opts *o, struct gen_eal *eal, char *err, size_t errlen)
{
	struct gen_tx *tx = calloc(1, sizeof(*tx));

	if (tx == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* rte_eal_init permutes its argv: give it a copy of the pointers */
	char *argv[GEN_EAL_MAX + 1];
	memcpy(argv, eal->argv, sizeof(argv));
	if (rte_eal_init(eal->argc, argv) < 0) {
		snprintf(err, errlen, "EAL: %s", rte_strerror(rte_errno));
		free(tx);
		return NULL;
	}
	note_rundir(tx, eal);
	tx->hz = rte_get_tsc_hz();
	tx->paced = o->paced;
	tx->sink.frame = tx_frame;
	tx->sink.arg = tx;
	if (port_open(tx, o, err, errlen) != 0) {
		gen_tx_close(tx);
		return NULL;
	}
	return tx;
}

const struct gen_sink *
gen_tx_sink(struct gen_tx *tx)
{
	return &tx->sink;
}

const char *
gen_tx_port_name(const struct gen_tx *tx)
{
	return tx->name;
}

/*
 * Wait until the PMD's own counters account for every frame it took, and
 * give the peer of a shared ring (memif) or a NIC's TX ring time to take
 * the last frames: stopping the port would lose them.
 */
static void
settle(struct gen_tx *tx)
{
	struct rte_eth_stats es;
	uint64_t deadline = rte_get_tsc_cycles() + ms_cycles(tx, SETTLE_MS);

	if (tx->linger && tx->st.frames)
		wait_until(tx, rte_get_tsc_cycles() + ms_cycles(tx, LINGER_MS));
	do {
		if (rte_eth_stats_get(tx->port, &es) != 0)
			return;
		tx->st.port_opackets = es.opackets;
		tx->st.port_oerrors = es.oerrors;
		if (es.opackets + es.oerrors >= tx->st.frames)
			return;
		rte_delay_us_sleep(1000);
	} while (rte_get_tsc_cycles() < deadline);
}

int
gen_tx_finish(struct gen_tx *tx, struct gen_tx_stats *st)
{
	int rc = 0;

	if (tx->npend && tx->paced && !stop_flag)
		rc = wait_until(tx, tx->t0 + gen_pace_cycles(tx->hz,
							     tx->pend_ts[tx->npend - 1]));
	if (tx->npend && rc == 0)
		rc = send_pending(tx, tx->npend);
	if (tx->npend)
		drop_pending(tx, 0, tx->npend);
	tx->npend = 0;
	settle(tx);
	if (tx->st.frames)
		tx->st.seconds = (double)(tx->t_last - tx->t_first) / (double)tx->hz;
	*st = tx->st;
	return rc;
}

/* Our own runtime directory holds only the telemetry sockets by now. */
static void
remove_rundir(const char *path)
{
	DIR *d = path[0] ? opendir(path) : NULL;
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(path);
}

void
gen_tx_close(struct gen_tx *tx)
{
	if (tx == NULL)
		return;
	if (tx->npend)
		rte_pktmbuf_free_bulk(tx->pend, tx->npend);
	if (tx->nstash)
		rte_pktmbuf_free_bulk(tx->stash, tx->nstash);
	if (tx->started) {
		rte_eth_dev_stop(tx->port);
		rte_eth_dev_close(tx->port);
	}
	rte_mempool_free(tx->pool);
	rte_eal_cleanup();
	remove_rundir(tx->rundir);
	free(tx);
}

/* ---- the --tx run ------------------------------------------------------ */

/* The CPUs this process may run on, "0,1,3", or NULL if unknown or long. */
static const char *
cpu_list(char *buf, size_t len)
{
	cpu_set_t set;
	size_t off = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return NULL;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		int n = snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
		if (n < 0 || (size_t)n >= len - off)
			return NULL;
		off += (size_t)n;
	}
	return off ? buf : NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	gen_tx_interrupt();
}

static void
report(const struct gen_opts *o, struct gen_tx *tx, struct gen_summary *sum,
       const struct gen_tx_stats *st)
{
	if (o->quiet)
		return;
	gen_summary_print(stderr, sum);
	gen_tx_summary_print(stderr, gen_tx_port_name(tx), st);
}

int
gen_tx_main(struct gen_opts *o, int neal, char *const *eal_user)
{
	struct gen_summary sum;
	struct gen_tx_stats st;
	struct gen_eal eal;
	char err[512] = "", cpus[256];

	if (gen_eal_build(&eal, "bmptap-gen", neal, eal_user, hugepages_free(), (long)getpid(),
			  cpu_list(cpus, sizeof(cpus))) != 0) {
		fprintf(stderr, "bmptap-gen: too many EAL options\n");
		return 2;
	}
	struct gen_tx *tx = gen_tx_open(o, &eal, err, sizeof(err));
	if (tx == NULL) {
		fprintf(stderr, "bmptap-gen: %s\n", err);
		gen_eal_free(&eal);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	o->sink = gen_tx_sink(tx);
	int rc = gen_run(o, &sum, err, sizeof(err));
	int frc = gen_tx_finish(tx, &st);
	report(o, tx, &sum, &st);
	rc = rc ? rc : frc;
	if (rc == -EINTR)
		fprintf(stderr, "bmptap-gen: interrupted\n");
	else if (rc == -EIO)
		fprintf(stderr, "bmptap-gen: port %u took no frame for %d ms: stopped\n",
			o->tx_port, STUCK_MS);
	else if (rc == -ENOBUFS)
		fprintf(stderr, "bmptap-gen: no free mbuf for %d ms: stopped\n", STUCK_MS);
	else if (rc)
		fprintf(stderr, "bmptap-gen: %s\n", err[0] ? err : strerror(-rc));
	else if (st.not_sent)
		fprintf(stderr, "bmptap-gen: %" PRIu64 " frames not sent\n", st.not_sent);
	gen_tx_close(tx);
	gen_eal_free(&eal);
	return rc || st.not_sent ? 1 : 0;
}
