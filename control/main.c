/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bmptapd: the appliance. The main lcore is the control thread: it owns
 * the outputs, signals, timers and the running configuration; worker
 * lcores run the pipeline; Redis has a thread of its own (redis_link.h),
 * and DPDK's telemetry thread serves state snapshots (telemetry.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "dataplane/bmp.h"
#include "dataplane/obuf.h"
#include "dataplane/pipeline.h"
#include "pmd/xdp_stats.h"
#include "cfg.h"
#include "default_conf.h"
#include "evloop.h"
#include "log.h"
#include "opts.h"
#include "output.h"
#include "refresh.h"
#include "rcfg.h"
#include "redis_link.h"
#include "state.h"
#include "station.h"
#include "telemetry.h"

#define OUT_SLOT_FILE 0
#define TICK_MS 1
#define STOP_GRACE_MS 3000
#define FILE_HOLD_MAX_MS 30000
#define SHED_GRACE_MS 200
#define STATE_PERIOD_MS 1000
#define PEERS_WAIT_MS 500            /* a busy encoder: publish without fresh peers */
#define PEERS_CAP_MIN 256
#define PEERS_CAP_MAX 65536
#define REDIS_START_TIMEOUT_S 2

struct daemon {
	struct opts o;
	struct port_desc ports[PORT_MAX];
	unsigned nports;
	struct pipeline *pl;
	struct outputs *outs;
	struct output *file;
	struct stations *stations;
	struct refresh *refresh;
	uint64_t stats_skipped;      /* reports dropped: buffer over half full */
	struct cfg cfg;              /* the running configuration */
	struct evloop *el;
	int out_fd;
	int sigfd;
	bool stopping;
	bool files_held;             /* capture files wait for the stations */
	uint64_t hold_until_ms;
	uint64_t last_starved;       /* obuf_starved() at the last tick */
	uint64_t starved_since_ms;   /* 0: the encoder is not starved */
	bool reload;                 /* SIGHUP seen */
	bool done;
	uint64_t drained_ns;         /* everything written, at shutdown */
	/* management: Redis, state snapshots */
	struct redis_link *rl;       /* NULL without --redis */
	struct state_config sc;      /* what the configuration path says */
	bool redis_empty;            /* Redis lost the configuration: said once */
	uint64_t start_ms;
	uint64_t next_state_ms;
	bool state_now;              /* something changed: publish now */
	bool state_due;              /* build once the peers come (or wait ends) */
	struct enc_peers *peers;     /* the encoder's last answer */
	struct enc_peers *peers_pending; /* the encoder's until acknowledged */
	unsigned peers_cap;
	uint64_t peers_asked_ms;
	uint64_t xdp_read_errors[OPTS_MAX_PORTS]; /* XDP counters unreadable */
	bool xdp_unreadable[OPTS_MAX_PORTS];      /* said once until readable */
};

static int
check_pcap(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path, perr);
	if (!p) {
		snprintf(err, errlen, "--pcap %s: %s", path, perr);
		return -1;
	}
	pcap_close(p);
	return 0;
}

static int
check_iface(const char *name, char *err, size_t errlen)
{
	if (if_nametoindex(name) != 0)
		return 0;
	snprintf(err, errlen, "--iface %s: no such interface", name);
	return -1;
}

/* Inputs and outputs are checked before the EAL starts: a bad path is a
 * clear message, not a port that silently failed to probe. */
static int
check_io(struct daemon *d, char *err, size_t errlen)
{
	for (unsigned i = 0; i < d->o.npcaps; i++)
		if (check_pcap(d->o.pcaps[i], err, errlen) != 0)
			return -1;
	for (unsigned i = 0; i < d->o.nifaces; i++)
		if (check_iface(d->o.ifaces[i], err, errlen) != 0)
			return -1;
	d->out_fd = -1;
	if (!d->o.bmp_out)
		return 0;
	if (strcmp(d->o.bmp_out, "-") == 0) {
		d->out_fd = STDOUT_FILENO;
		return 0;
	}
	d->out_fd = open(d->o.bmp_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (d->out_fd >= 0)
		return 0;
	snprintf(err, errlen, "--bmp-out %s: %s", d->o.bmp_out, strerror(errno));
	return -1;
}

static int
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	/* before rte_eal_init: lcore threads inherit the mask */
	return pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* Roles: the main lcore controls; with two workers or more the last one
 * encodes, the others receive; with one worker it does both. */
static int
assign_lcores(const struct opts *o, struct pipeline_params *pp, char *err, size_t errlen)
{
	unsigned ids[RTE_MAX_LCORE], n = 0, id;
	RTE_LCORE_FOREACH_WORKER(id)
		ids[n++] = id;
	if (n == 0) {
		snprintf(err, errlen, "need a worker lcore besides the main one (e.g. -l 0-1)");
		return -1;
	}
	unsigned n_rx = n >= 2 ? n - 1 : 1;
	if (o->rx_lcores && o->rx_lcores < n_rx)
		n_rx = o->rx_lcores;
	if (n_rx > PIPELINE_MAX_RX)
		n_rx = PIPELINE_MAX_RX;
	pp->n_rx = n_rx;
	for (unsigned i = 0; i < n_rx; i++)
		pp->rx_lcores[i] = ids[i];
	pp->encoder_lcore = n >= 2 ? ids[n_rx] : ids[0];
	return 0;
}

static bool
any_activated(const struct cfg *c)
{
	for (unsigned i = 0; i < c->nservers; i++)
		if (c->servers[i].activate)
			return true;
	return false;
}

static int
start_pipeline(struct daemon *d, char *err, size_t errlen)
{
	struct pipeline_params pp = { 0 };
	struct rte_mempool *mp;
	if (assign_lcores(&d->o, &pp, err, errlen) != 0)
		return -1;
	struct port_config pc = { .n_rx_lcores = pp.n_rx };
	if (port_setup_all(&pc, d->ports, &d->nports, &mp, err, errlen) != 0)
		return -1;
	pp.ports = d->ports;
	pp.nports = d->nports;
	pp.mp = mp;
	pp.session.max_flows = d->o.max_flows;
	unsigned mb = d->o.buffer_given ? d->o.buffer_mb : d->cfg.buffer_mb;
	pp.obuf_chunks = (unsigned)(((uint64_t)mb << 20) / OBUF_CHUNK_SIZE);
	pp.servers = d->o.bmp_out ? 1ull << OUT_SLOT_FILE : 0;
	pp.idle_sleep = !d->o.busy_poll;
	pp.hold_files = d->files_held = any_activated(&d->cfg);
	d->pl = pipeline_create(&pp);
	if (!d->pl) {
		snprintf(err, errlen, "pipeline: %s", strerror(errno));
		return -1;
	}
	log_msg(LOGL_INFO, "%u port(s), %u RX lcore(s), encoder on lcore %u%s", d->nports,
		pp.n_rx, pp.encoder_lcore, pp.n_rx == 1 && pp.encoder_lcore == pp.rx_lcores[0]
		? " (shared with RX)" : "");
	return 0;
}

static int
queue_initiation(const struct daemon *d, struct output *o)
{
	uint8_t buf[1024];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	if (station_put_initiation(&b, d->o.sysname) != 0)
		return -1;
	return output_queue_msg(o, buf, b.len);
}

static int
queue_termination(struct output *o, const char *why)
{
	uint8_t buf[512];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	if (bmp_put_termination(&b, BMP_TERM_ADMIN_CLOSE, why) != 0)
		return -1;
	return output_queue_msg(o, buf, b.len);
}

static int
open_file_output(struct daemon *d, char *err, size_t errlen)
{
	if (d->out_fd < 0)
		return 0;
	bool is_stdout = d->out_fd == STDOUT_FILENO;
	d->file = outputs_add(d->outs, OUT_SLOT_FILE, d->out_fd, true,
			      is_stdout ? "stdout" : d->o.bmp_out);
	if (!d->file || queue_initiation(d, d->file) != 0) {
		snprintf(err, errlen, "--bmp-out: out of memory");
		return -1;
	}
	return 0;
}

/* The configuration in Redis at start, so that the buffer size and held
 * capture files follow it; unreachable or invalid: no station, and the
 * Redis thread keeps trying. */
static void
load_redis(struct daemon *d)
{
	char err[256] = "";
	struct cfg_error ce = { 0 };
	uint64_t v = 0;
	struct timeval tv = { REDIS_START_TIMEOUT_S, 0 };
	redisContext *rc = rcfg_connect(d->o.redis, tv, err, sizeof(err));
	int r = rc ? rcfg_read(rc, d->o.ns, &d->cfg, &v, &ce) : -EIO;

	if (rc)
		redisFree(rc);
	d->sc.source = "redis";
	if (r == 0) {
		d->sc.version = d->sc.seen_version = v;
		log_msg(LOGL_INFO, "configuration version %lu from Redis (namespace '%s')",
			(unsigned long)v, d->o.ns);
	} else if (r == -EINVAL) {
		d->sc.seen_version = v;
		d->sc.refused = true;
		snprintf(d->sc.error, sizeof(d->sc.error), "%s", ce.msg);
		log_msg(LOGL_ERR, "Redis configuration version %lu refused: %s; starting with no "
			"station", (unsigned long)v, ce.msg);
	} else {
		log_msg(LOGL_WARN, "%s; starting with no station, capture runs; retrying in "
			"the background", rc ? ce.msg : err);
	}
}

/* The configuration file, or the embedded default when neither a file
 * nor --bmp-out says otherwise (an offline run has no stations). */
static int
load_config(struct daemon *d, char *err, size_t errlen)
{
	struct cfg_error ce = { 0 };
	cfg_init(&d->cfg);
	d->sc.source = d->o.config ? "file" : d->o.bmp_out ? "none" : "default";
	if (d->o.redis) {
		load_redis(d);
		return 0;
	}
	if (d->o.config && cfg_load_file(&d->cfg, d->o.config, &ce) != 0) {
		snprintf(err, errlen, "--config %s: %s", d->o.config, ce.msg);
		return -1;
	}
	if (d->o.config || d->o.bmp_out)
		return 0;
	if (cfg_apply(&d->cfg, default_conf, sizeof(default_conf) - 1, &ce) != 0 ||
	    cfg_validate(&d->cfg, &ce) != 0) {
		snprintf(err, errlen, "embedded default configuration: %s", ce.msg);
		return -1;
	}
	log_msg(LOGL_INFO, "no --config: using the embedded default (configs/bmptap.conf)");
	return 0;
}

static void
log_diff(const struct cfg_diff *df)
{
	static const char *const what[] = { "unchanged", "added", "removed",
					    "changed (reconnect)", "changed" };
	for (unsigned i = 0; i < df->n; i++)
		if (df->servers[i].change != CFG_SAME)
			log_msg(LOGL_INFO, "configuration: bmp server %u %s", df->servers[i].id,
				what[df->servers[i].change]);
	if (df->neighbors)
		log_msg(LOGL_INFO, "configuration: neighbor activations changed");
}

/*
 * Every new configuration (SIGHUP, Redis) comes here, already validated
 * whole: only the difference applies. Takes next; 0, or -ENOMEM with the
 * running configuration still in place.
 */
static int
apply_config(struct daemon *d, struct cfg *next, const char *origin)
{
	struct cfg_diff df;
	cfg_diff(&d->cfg, next, &df);
	log_diff(&df);
	if (df.globals && next->buffer_mb != d->cfg.buffer_mb && !d->o.buffer_given)
		log_msg(LOGL_NOTICE, "%s: bmp buffer-size %u applies at the next start", origin,
			next->buffer_mb);
	if (stations_apply(d->stations, next) != 0) {
		log_msg(LOGL_ERR, "%s: out of memory; the running configuration stays", origin);
		cfg_free(next);
		return -ENOMEM;
	}
	refresh_configure(d->refresh, next->refresh, next->refresh_delay);
	cfg_free(&d->cfg);
	d->cfg = *next;
	d->state_now = true;
	return 0;
}

/* SIGHUP: the new file is validated whole; only the difference applies. */
static void
reload_config(struct daemon *d)
{
	struct cfg next;
	struct cfg_error ce = { 0 };
	d->reload = false;
	if (d->rl) {
		log_msg(LOGL_INFO, "SIGHUP: reading the configuration from Redis again");
		redis_link_reread(d->rl);
		return;
	}
	if (!d->o.config) {
		log_msg(LOGL_WARN, "SIGHUP: no --config file to re-read");
		return;
	}
	if (cfg_load_file(&next, d->o.config, &ce) != 0) {
		log_msg(LOGL_ERR, "SIGHUP: %s: %s; the running configuration stays",
			d->o.config, ce.msg);
		cfg_free(&next);
		return;
	}
	apply_config(d, &next, "SIGHUP");
}

static void
config_refused(struct daemon *d, uint64_t v, const char *why)
{
	/* the same refusal read again (a reconnection): say it once */
	if (!d->sc.refused || d->sc.seen_version != v || strcmp(d->sc.error, why) != 0)
		log_msg(LOGL_ERR, "Redis configuration version %lu refused: %s; the running "
			"configuration stays", (unsigned long)v, why);
	d->sc.refused = true;
	d->sc.seen_version = v;
	snprintf(d->sc.error, sizeof(d->sc.error), "%s", why);
	d->state_now = true;
}

/* A configuration from the Redis thread: apply it as SIGHUP would. */
static void
redis_config(struct daemon *d)
{
	struct cfg next;
	uint64_t v = 0;
	char why[sizeof(d->sc.error)];
	switch (redis_link_poll(d->rl, &next, &v, why, sizeof(why))) {
	case REDIS_LINK_NONE:
		return;
	case REDIS_LINK_REFUSED:
		config_refused(d, v, why);
		return;
	case REDIS_LINK_CONFIG:
		break;
	}
	/* every writer bumps the version: none means Redis lost its data (a
	 * restart without persistence), not an order to remove every station */
	if (v == 0 && d->sc.version > 0) {
		if (!d->redis_empty)
			log_msg(LOGL_WARN, "Redis has no configuration (no %s:CONFIG_VERSION: "
				"restarted without persistence?); keeping the running one, "
				"version %lu", d->o.ns, (unsigned long)d->sc.version);
		d->redis_empty = true;
		cfg_free(&next);
		return;
	}
	d->redis_empty = false;
	if (cfg_equal(&d->cfg, &next)) {
		cfg_free(&next);      /* read again after a reconnection */
	} else {
		log_msg(LOGL_INFO, "Redis: configuration version %lu", (unsigned long)v);
		if (apply_config(d, &next, "Redis") != 0) {
			config_refused(d, v, "out of memory while applying it");
			return;
		}
	}
	d->sc.version = d->sc.seen_version = v;
	d->sc.refused = false;
	d->sc.error[0] = '\0';
	d->state_now = true;
}

/* ---- state snapshots: Redis and telemetry ---- */

/* The XDP filters' counters (what never reached the pipeline). A filter
 * that cannot be read (detached by hand, say) is logged once, until it
 * reads again, and counted as xdp.IF.read_errors. */
static void
visit_xdp_counters(struct daemon *d,
		   void (*fn)(void *arg, const char *scope, const char *name, uint64_t value),
		   void *arg)
{
	for (unsigned i = 0; i < d->o.nxdps; i++) {
		char scope[IF_NAMESIZE + 8];
		int rc = xdp_stats_read(d->o.xdps[i], fn, arg);
		if (rc != 0) {
			d->xdp_read_errors[i]++;
			if (!d->xdp_unreadable[i])
				log_msg(LOGL_WARN, "--xdp %s: cannot read the XDP filter's "
					"counters: %s", d->o.xdps[i], strerror(-rc));
		}
		d->xdp_unreadable[i] = rc != 0;
		snprintf(scope, sizeof(scope), "xdp.%s", d->o.xdps[i]);
		fn(arg, scope, "read_errors", d->xdp_read_errors[i]);
	}
}

/* The pipeline's counters, then the XDP filters'. */
static void
visit_counters(void *arg, const struct counter_visitor *v)
{
	struct daemon *d = arg;
	pipeline_counters(d->pl, v);
	visit_xdp_counters(d, v->fn, v->arg);
}

static void
build_state(struct daemon *d, uint64_t now)
{
	unsigned n = stations_count(d->stations);
	struct station_info *si = calloc(n ? n : 1, sizeof(*si));
	struct obuf *ob = pipeline_output(d->pl);
	if (!si)
		return;
	for (unsigned i = 0; i < n; i++)
		stations_get(d->stations, i, &si[i]);
	struct state_inputs in = {
		.cfg = &d->cfg, .config = &d->sc, .servers = si, .nservers = n,
		.peers = d->peers, .counters = visit_counters, .counters_arg = d,
		.buffer_used = obuf_bytes_queued(ob),
		.buffer_limit = (uint64_t)obuf_max_chunks(ob) * OBUF_CHUNK_SIZE,
		.now_ms = now, .uptime_s = (now - d->start_ms) / 1000,
		.redis_reconnects = d->rl ? redis_link_reconnects(d->rl) : 0,
		.debug_mask = log_get_debug(),
		.refresh = d->refresh,
	};
	struct state_snap *s = state_build(&in);
	free(si);
	if (!s)
		return;
	telemetry_update(s);
	if (d->rl)
		redis_link_publish(d->rl, s);
	state_snap_unref(s);
}

/* The encoder answered encoder_request_peers() (through stations_tick). */
static void
on_peers(void *arg, struct enc_peers *p)
{
	struct daemon *d = arg;
	free(d->peers);
	d->peers = p;
	d->peers_pending = NULL;
	if (p->total > p->cap)
		d->peers_cap = p->total * 2 > PEERS_CAP_MAX ? PEERS_CAP_MAX : p->total * 2;
	if (d->state_due) {
		d->state_due = false;
		build_state(d, evloop_now_ms());
	}
}

static int
ask_peers(struct daemon *d)
{
	unsigned cap = d->peers_cap ? d->peers_cap : PEERS_CAP_MIN;
	struct enc_peers *p = malloc(sizeof(*p) + cap * sizeof(p->peer[0]));
	if (!p)
		return -ENOMEM;
	p->tag = ENC_PEERS_TAG_STATE;
	p->cap = cap;
	p->n = p->total = 0;
	if (encoder_request_peers(pipeline_encoder(d->pl), p) != 0) {
		free(p);
		return -ENOBUFS;
	}
	d->peers_pending = p;
	return 0;
}

/* About once a second, and at once after a change: the peers are asked
 * of the encoder first, so that the snapshot is of one moment. */
static void
state_tick(struct daemon *d, uint64_t now)
{
	if (d->state_now || now >= d->next_state_ms) {
		d->state_now = false;
		d->next_state_ms = now + STATE_PERIOD_MS;
		if (!d->peers_pending && ask_peers(d) == 0) {
			d->state_due = true;
			d->peers_asked_ms = now;
		} else {
			build_state(d, now);
		}
	}
	if (d->state_due && now - d->peers_asked_ms >= PEERS_WAIT_MS) {
		d->state_due = false;
		build_state(d, now);
	}
}

static void
print_xdp_counter(void *arg, const char *scope, const char *name, uint64_t value)
{
	fprintf(arg, "%s.%s %" PRIu64 "\n", scope, name, value);
}

static void
print_counters(struct daemon *d)
{
	pipeline_print_counters(d->pl, stderr);
	visit_xdp_counters(d, print_xdp_counter, stderr);
	uint64_t first = pipeline_first_rx_ns(d->pl);
	if (first && d->drained_ns > first)
		fprintf(stderr, "run.first_packet_to_drained_us %lu\n",
			(unsigned long)((d->drained_ns - first) / 1000));
	fprintf(stderr, "control.stats_skipped %lu\n", (unsigned long)d->stats_skipped);
	if (d->file) {
		const struct output_stats *st = output_stats(d->file);
		fprintf(stderr, "output.file.bmp_messages %lu\noutput.file.bytes %lu\n",
			(unsigned long)st->msgs_sent, (unsigned long)st->bytes_sent);
	}
}

static void
on_signal(struct evloop *el, int fd, uint32_t events, void *arg)
{
	(void)el;
	(void)events;
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			print_counters(d);
		} else if (si.ssi_signo == SIGHUP) {
			d->reload = true;
		} else if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
			log_msg(LOGL_NOTICE, "signal %u: flushing and exiting", si.ssi_signo);
			d->stopping = true;
			pipeline_stop(d->pl);
		}
	}
}

/* The encoder keeps finding the buffer full: a slow station pins it.
 * Shed that station, so that capture and the other stations go on. */
static void
shed_if_starved(struct daemon *d, uint64_t now)
{
	uint64_t starved = obuf_starved(pipeline_output(d->pl));
	if (starved == d->last_starved) {
		d->starved_since_ms = 0;
		return;
	}
	d->last_starved = starved;
	if (!d->starved_since_ms)
		d->starved_since_ms = now;
	else if (now - d->starved_since_ms >= SHED_GRACE_MS && stations_shed(d->stations, now))
		d->starved_since_ms = 0;
}

/* Statistics Reports are periodic: the first thing dropped when the
 * output buffer runs over half full (design brief, degradation). */
static void
request_stats(struct daemon *d, uint64_t now)
{
	uint64_t due = stations_stats_due(d->stations, now);
	if (!due)
		return;
	const struct obuf *ob = pipeline_output(d->pl);
	uint64_t limit = (uint64_t)obuf_max_chunks(ob) * OBUF_CHUNK_SIZE;
	if (obuf_bytes_queued(ob) > limit / 2 || pipeline_stats_request(d->pl, due) != 0)
		d->stats_skipped++;
}

static void
control_tick(struct daemon *d)
{
	if (d->reload)
		reload_config(d);
	if (d->rl)
		redis_config(d);
	uint64_t now = evloop_now_ms();
	stations_tick(d->stations, now);
	refresh_tick(d->refresh, now);
	request_stats(d, now);
	state_tick(d, now);
	shed_if_starved(d, now);
	/* a capture file is exported whole to the stations: read it once they
	 * are attached (or have failed once), never waiting forever */
	if (d->files_held && (stations_ready(d->stations) || now >= d->hold_until_ms)) {
		d->files_held = false;
		pipeline_release_files(d->pl);
	}
	if (outputs_pump(d->outs) != 0 && d->file && output_failed(d->file)) {
		log_msg(LOGL_ERR, "--bmp-out %s: write failed: %s", output_name(d->file),
			strerror(errno));
		d->stopping = true;
		pipeline_stop(d->pl);
	}
	if (!d->stopping && d->o.exit_on_eof && pipeline_inputs_done(d->pl)) {
		log_msg(LOGL_INFO, "end of capture: flushing");
		d->stopping = true;
		pipeline_stop(d->pl);
	}
	if (pipeline_advance(d->pl) == PIPELINE_FINISHED && outputs_idle(d->outs)) {
		d->done = true;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		d->drained_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
}

/* Everything is exported: Termination to every station and the file. */
static int
shutdown_outputs(struct daemon *d)
{
	stations_stop(d->stations, "bmptapd shutting down");
	uint64_t deadline = evloop_now_ms() + STOP_GRACE_MS;
	while (!stations_stopped(d->stations) && evloop_now_ms() < deadline) {
		evloop_run_once(d->el, TICK_MS);
		outputs_pump(d->outs);
		stations_tick(d->stations, evloop_now_ms());
	}
	if (d->file && !output_failed(d->file)) {
		queue_termination(d->file, "bmptapd shutting down");
		outputs_pump(d->outs);
	}
	return d->file && output_failed(d->file) ? -1 : 0;
}

static int
run(struct daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0 || evloop_add_fd(d->el, d->sigfd, EPOLLIN, on_signal, d) != 0)
		return -1;
	while (!d->done) {
		evloop_run_once(d->el, TICK_MS);
		control_tick(d);
	}
	return shutdown_outputs(d);
}

static int
setup(struct daemon *d, int argc, char **argv, char *err, size_t errlen)
{
	switch (opts_parse(argc, argv, &d->o, err, errlen)) {
	case OPTS_EXIT_OK:
		exit(0);
	case OPTS_ERROR:
		return 2;
	case OPTS_RUN:
		break;
	}
	log_set_debug(d->o.debug_mask);
	if (load_config(d, err, errlen) != 0)
		return 2;
	if (check_io(d, err, errlen) != 0)
		return 1;
	sigset_t set;
	block_signals(&set);
	/* rte_eal_init rewrites argv entries: give it a copy of the array */
	char *eal_argv[OPTS_MAX_EAL];
	memcpy(eal_argv, d->o.eal_argv, sizeof(eal_argv));
	if (rte_eal_init(d->o.eal_argc, eal_argv) < 0) {
		snprintf(err, errlen, "DPDK EAL initialization failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	if (telemetry_init() != 0)
		log_msg(LOGL_WARN, "DPDK telemetry: cannot register the /bmptap commands");
	if (start_pipeline(d, err, errlen) != 0)
		return 1;
	d->outs = outputs_create(pipeline_output(d->pl));
	d->el = evloop_create();
	if (!d->outs || !d->el) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	if (open_file_output(d, err, errlen) != 0)
		return 1;
	d->refresh = refresh_create(d->pl, pipeline_encoder(d->pl), d->outs);
	if (!d->refresh) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	refresh_configure(d->refresh, d->cfg.refresh, d->cfg.refresh_delay);
	struct stations_params sp = {
		.refresh = d->refresh,
		.el = d->el, .outs = d->outs, .enc = pipeline_encoder(d->pl),
		.file_slots = d->file ? 1ull << OUT_SLOT_FILE : 0, .sysname = d->o.sysname,
		.on_peers = on_peers, .peers_arg = d,
	};
	d->stations = stations_create(&sp);
	d->hold_until_ms = evloop_now_ms() + FILE_HOLD_MAX_MS;
	if (!d->stations || stations_apply(d->stations, &d->cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	d->start_ms = evloop_now_ms();
	if (d->o.redis) {
		struct redis_link_params rp = { d->o.redis, d->o.ns, d->o.debug_mask };
		d->rl = redis_link_start(&rp);
		if (!d->rl) {
			snprintf(err, errlen, "cannot start the Redis thread: %s", strerror(errno));
			return 1;
		}
	}
	/* last: outputs, stations and the peer filter are in place */
	if (pipeline_launch(d->pl) != 0) {
		snprintf(err, errlen, "cannot launch the pipeline lcores");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	char err[512] = "";
	int rc = setup(&d, argc, argv, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "bmptapd: %s\n", err);
		if (d.pl)
			pipeline_stop(d.pl);
		return rc;
	}
	rc = run(&d) == 0 ? 0 : 1;
	redis_link_stop(d.rl);
	telemetry_update(NULL);
	pipeline_join(d.pl);
	/* the encoder is gone: a snapshot it never answered is ours again */
	free(d.peers_pending);
	free(d.peers);
	print_counters(&d);
	stations_destroy(d.stations);
	refresh_destroy(d.refresh);
	outputs_destroy(d.outs);
	cfg_free(&d.cfg);
	if (d.file && output_fd(d.file) != STDOUT_FILENO)
		close(output_fd(d.file));
	pipeline_destroy(d.pl);
	port_stop_all(d.ports, d.nports);
	evloop_destroy(d.el);
	opts_free(&d.o);
	rte_eal_cleanup();
	return rc;
}
