/* SPDX-License-Identifier: BSD-3-Clause */
/* Stations: lifecycle, configuration changes, the encoder's acks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_version.h>

#include "dataplane/bmp.h"
#include "dataplane/encoder.h"
#include "dataplane/obuf.h"
#include "evloop.h"
#include "log.h"
#include "output.h"
#include "refresh.h"
#include "station_priv.h"

#define MSG_BUF 1024

int
station_put_initiation(struct wire_buf *b, const char *sysname)
{
	char host[256] = "bmptap", descr[256];
	if (sysname)
		snprintf(host, sizeof(host), "%s", sysname);
	else
		gethostname(host, sizeof(host) - 1);
	snprintf(descr, sizeof(descr), "bmptap %s, passive BMP exporter (%s)", BMPTAP_VERSION,
		 rte_version());
	struct bmp_tlv tlvs[] = {
		{ BMP_INFO_SYSDESCR, (uint16_t)strlen(descr), descr },
		{ BMP_INFO_SYSNAME, (uint16_t)strlen(host), host },
	};
	return bmp_put_initiation(b, tlvs, 2);
}

static int
queue_termination(struct station *s, const char *why)
{
	uint8_t buf[MSG_BUF];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	if (bmp_put_termination(&b, BMP_TERM_ADMIN_CLOSE, why) != 0)
		return -1;
	s->term_queued = true;
	return output_queue_msg(s->out, buf, b.len);
}

static struct server_delays
delays_of(const struct cfg_server *c)
{
	return (struct server_delays){ c->initial_delay * 1000u, c->failure_retry_delay * 1000u,
				       c->flapping_delay * 1000u };
}

static int
slot_alloc(struct stations *ss)
{
	for (unsigned i = 1; i < OBUF_MAX_SERVERS; i++)
		if (!(ss->slots & (1ull << i))) {
			ss->slots |= 1ull << i;
			return (int)i;
		}
	return -1;
}

static struct station *
station_new(struct stations *ss, const struct cfg_server *c)
{
	int slot = slot_alloc(ss);
	struct station *s = slot < 0 || ss->n == 2 * CFG_MAX_SERVERS ? NULL : calloc(1, sizeof(*s));
	if (!s) {
		if (slot >= 0)
			ss->slots &= ~(1ull << slot);
		return NULL;
	}
	s->ss = ss;
	s->cfg = *c;
	s->slot = (unsigned)slot;
	s->fd = -1;
	struct server_delays d = delays_of(c);
	server_fsm_init(&s->fsm, &d);
	char ip[64];
	snprintf(s->name, sizeof(s->name), "%s/%u", cfg_addr_str(&c->addr, ip, sizeof(ip)), c->port);
	ss->st[ss->n++] = s;
	return s;
}

static void
station_free(struct stations *ss, struct station *s)
{
	for (unsigned i = 0; i < ss->n; i++) {
		if (ss->st[i] != s)
			continue;
		memmove(&ss->st[i], &ss->st[i + 1], (ss->n - i - 1) * sizeof(ss->st[0]));
		ss->n--;
		break;
	}
	ss->slots &= ~(1ull << s->slot);
	free(s);
}

static void
drop_output(struct station *s)
{
	if (s->out) {
		outputs_remove(s->ss->p.outs, s->out);
		s->out = NULL;
	}
	station_close_fd(s);
}

static void
detach(struct station *s)
{
	if (encoder_detach(s->ss->p.enc, s->slot) == 0)
		s->detach_pending++;
	s->next_stats_ms = 0;
	if (s->ss->p.refresh)
		refresh_detached(s->ss->p.refresh, s->slot);
}

static void
act(struct station *s, enum server_action a, uint64_t now)
{
	char err[160];
	if (a == SERVER_ACT_CLOSE) {
		log_debug(LOGC_EVENT, "BMP server %u connect to %s timed out", s->cfg.id, s->name);
		snprintf(s->last_error, sizeof(s->last_error), "connect: timed out");
		drop_output(s);
		return;
	}
	if (a != SERVER_ACT_CONNECT)
		return;
	log_debug(LOGC_SERVER, "BMP server connection attempt timer expired for server %u - %s",
		  s->cfg.id, s->name);
	if (station_open(s, err, sizeof(err)) != 0)
		station_lost(s, now, err);
}

void
station_connected(struct station *s, uint64_t now)
{
	struct stations *ss = s->ss;
	uint8_t buf[MSG_BUF];
	struct wire_buf b = wire_buf_make(buf, sizeof(buf));
	log_debug(LOGC_SERVER, "BMP server %u active open process success - %s", s->cfg.id,
		  s->name);
	log_debug(LOGC_SERVER, "TCP KA interval is set to %d", STATION_KEEPALIVE_S);
	s->out = outputs_add(ss->p.outs, s->slot, s->fd, false, s->name);
	if (!s->out || station_put_initiation(&b, ss->p.sysname) != 0 ||
	    output_queue_msg(s->out, buf, b.len) != 0 || encoder_attach(ss->p.enc, s->slot) != 0) {
		station_lost(s, now, "out of memory or encoder busy");
		return;
	}
	/* take nothing until the encoder says where this slot's bytes start */
	output_start_at(s->out, UINT64_MAX);
	s->attach_pending++;
	evloop_del_fd(ss->p.el, s->fd);
	evloop_add_fd(ss->p.el, s->fd, EPOLLIN, station_on_read, s);
	server_fsm_connected(&s->fsm, now);
	s->last_error[0] = 0;
	log_debug(LOGC_SERVER, "Register read/write notification callbacks with BMP server %u "
		  "TCB - %s", s->cfg.id, s->name);
	log_debug(LOGC_SERVER, "Initiation msg sent to BMP server %u - %s", s->cfg.id, s->name);
	log_debug(LOGC_SERVER, "BMP server %u connection - %s up, invoke refresh event",
		  s->cfg.id, s->name);
}

void
station_lost(struct station *s, uint64_t now, const char *why)
{
	bool was_up = s->out != NULL;
	snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	log_msg(was_up ? LOGL_WARN : LOGL_INFO, "BMP server %u - %s: %s", s->cfg.id, s->name,
		why);
	drop_output(s);
	if (was_up)
		detach(s);
	if (s->closing) {
		s->closing = false;
		return;
	}
	server_fsm_failed(&s->fsm, now);
	log_debug(LOGC_EVENT, "BMP server %u %s, next attempt in %lu ms", s->cfg.id,
		  server_state_name(s->fsm.state),
		  (unsigned long)(server_fsm_next(&s->fsm) - now));
}

/* Graceful end: detach, then Termination after what the slot still has. */
static void
station_close(struct station *s, uint64_t now)
{
	if (server_fsm_deactivate(&s->fsm, now) == SERVER_ACT_NONE || !s->out) {
		drop_output(s);
		return;
	}
	s->closing = true;
	s->close_deadline_ms = now + STATION_CLOSE_GRACE_MS;
	if (!s->ss->stopping)
		detach(s);
}

static void
station_start(struct station *s, uint64_t now)
{
	if (s->cfg.activate && !s->ss->stopping)
		act(s, server_fsm_activate(&s->fsm, now), now);
}

static struct station *
find_live(struct stations *ss, uint32_t id)
{
	for (unsigned i = 0; i < ss->n; i++)
		if (!ss->st[i]->removed && ss->st[i]->cfg.id == id)
			return ss->st[i];
	return NULL;
}

static struct station *
find_slot(struct stations *ss, unsigned slot)
{
	for (unsigned i = 0; i < ss->n; i++)
		if (ss->st[i]->slot == slot)
			return ss->st[i];
	return NULL;
}

static bool
transport_changed(const struct cfg_server *a, const struct cfg_server *b)
{
	return memcmp(&a->addr, &b->addr, sizeof(a->addr)) || a->port != b->port ||
	       a->dscp != b->dscp || strcmp(a->update_source, b->update_source) ||
	       strcmp(a->vpn, b->vpn);
}

static void
retire(struct station *s, uint64_t now)
{
	s->removed = true;
	station_close(s, now);
}

/* One configured server against its running station. */
static void
apply_server(struct stations *ss, const struct cfg_server *c, uint64_t now)
{
	struct station *s = find_live(ss, c->id);
	if (s && transport_changed(&s->cfg, c)) {
		/* a new slot: nothing of the old connection can reach the new */
		retire(s, now);
		s = NULL;
	}
	if (!s) {
		s = station_new(ss, c);
		if (!s)
			log_msg(LOGL_ERR, "BMP server %u: no free output slot", c->id);
		else
			station_start(s, now);
		return;
	}
	bool was_active = s->cfg.activate;
	struct server_delays d = delays_of(c);
	s->cfg = *c;
	server_fsm_set_delays(&s->fsm, &d);
	if (!was_active && c->activate)
		station_start(s, now);
	else if (was_active && !c->activate)
		station_close(s, now);
}

static uint64_t
slot_of(struct stations *ss, uint32_t id)
{
	struct station *s = find_live(ss, id);
	return s ? 1ull << s->slot : 0;
}

/* Peer address -> slots, from `neighbor ... bmp-activate` and friends. */
static struct enc_filter *
build_filter(struct stations *ss, const struct cfg *c)
{
	uint64_t every = ss->p.file_slots, all = 0;
	for (unsigned i = 0; i < c->nservers; i++) {
		uint64_t bit = slot_of(ss, c->servers[i].id);
		all |= bit;
		if (c->activate_all || c->servers[i].monitor_all)
			every |= bit;
	}
	struct enc_filter *f = enc_filter_create(every, c->nneighbors);
	for (unsigned i = 0; f && i < c->nneighbors; i++) {
		const struct cfg_neighbor *n = &c->neighbors[i];
		uint64_t mask = n->all ? all : 0;
		for (unsigned k = 0; k < n->nservers; k++)
			mask |= slot_of(ss, n->servers[k]);
		enc_filter_add(f, n->addr.family, n->addr.b, mask);
	}
	return f;
}

int
stations_apply(struct stations *ss, const struct cfg *cfg)
{
	uint64_t now = evloop_now_ms();
	for (unsigned i = 0; i < ss->n; i++) {
		struct station *s = ss->st[i];
		if (!s->removed && !cfg_server_find(cfg, s->cfg.id))
			retire(s, now);
	}
	for (unsigned i = 0; i < cfg->nservers; i++)
		apply_server(ss, &cfg->servers[i], now);
	struct enc_filter *f = build_filter(ss, cfg);
	if (!f || encoder_set_filter(ss->p.enc, f) != 0) {
		enc_filter_free(f);
		return -ENOMEM;
	}
	return 0;
}

/* The encoder streams to the slot from chunk `seq` on: the mirror's
 * replay can be scheduled, the statistics period starts. */
static void
attached(struct station *s, uint64_t seq, uint64_t peer_seq)
{
	uint64_t now = evloop_now_ms();
	output_start_at(s->out, seq);
	if (s->cfg.stats_period)
		s->next_stats_ms = now + s->cfg.stats_period * 1000ull;
	if (s->ss->p.refresh)
		refresh_attached(s->ss->p.refresh, s->slot, peer_seq, now);
}

static void
on_ack(struct stations *ss, const struct enc_ack *a)
{
	if (a->type == ENC_ACK_REPLAY_DONE) {
		if (ss->p.refresh)
			refresh_on_done(ss->p.refresh, a->job);
		return;
	}
	if (a->type == ENC_ACK_PEERS) {
		if (a->peers->tag == ENC_PEERS_TAG_REFRESH && ss->p.refresh)
			refresh_on_peers(ss->p.refresh, a->peers);
		else if (ss->p.on_peers)
			ss->p.on_peers(ss->p.peers_arg, a->peers);
		else
			free(a->peers);
		return;
	}
	struct station *s = a->type == ENC_ACK_FILTER ? NULL : find_slot(ss, a->slot);
	if (a->type == ENC_ACK_FILTER) {
		enc_filter_free(a->old);
	} else if (a->type == ENC_ACK_ATTACHED && s && s->attach_pending) {
		/* only the latest attach counts: earlier ones were for dead links */
		if (--s->attach_pending == 0 && s->out)
			attached(s, a->first_seq, a->peer_seq);
	} else if (a->type == ENC_ACK_DETACHED && s && s->detach_pending) {
		s->detach_pending--;
	}
}

/* Closing: once detached, everything the slot had is in its queue. */
static void
progress_close(struct station *s, uint64_t now)
{
	if (s->detach_pending)
		return;
	if (!s->term_queued && s->out) {
		outputs_pump(s->ss->p.outs);
		queue_termination(s, s->ss->stopping ? s->ss->stop_reason
						     : "BMP server deactivated");
	}
	if (s->out && !output_idle(s->out) && now < s->close_deadline_ms)
		return;
	drop_output(s);
	s->closing = false;
	s->term_queued = false;
}

static void
station_tick(struct station *s, uint64_t now)
{
	if (s->closing) {
		progress_close(s, now);
		return;
	}
	if (s->out && output_failed(s->out)) {
		station_lost(s, now, "write failed");
		return;
	}
	act(s, server_fsm_tick(&s->fsm, now), now);
}

/* "server 1 2", "--bmp-out", "server 1 and --bmp-out", "no station". */
static void
slots_str(const struct stations *ss, uint64_t slots, char *buf, size_t len)
{
	size_t at = 0;
	for (unsigned i = 0; i < ss->n && at < len; i++)
		if (slots & (1ull << ss->st[i]->slot))
			at += snprintf(buf + at, len - at, "%s %u", at ? "" : "server",
				       ss->st[i]->cfg.id);
	if (at < len && (slots & ss->p.file_slots))
		at += snprintf(buf + at, len - at, "%s--bmp-out", at ? " and " : "");
	if (at == 0)
		snprintf(buf, len, "no station");
}

/* Peer events for `debug ... neighbor`, asked of the encoder only then. */
static void
log_neighbors(struct stations *ss)
{
	bool on = log_debug_on(LOGC_NEIGHBOR);
	encoder_set_notes(ss->p.enc, on);
	struct enc_note n;
	while (encoder_next_note(ss->p.enc, &n)) {
		struct cfg_addr a = { .family = n.family };
		char ip[64], to[256];
		memcpy(a.b, n.addr, sizeof(a.b));
		cfg_addr_str(&a, ip, sizeof(ip));
		slots_str(ss, n.slots, to, sizeof(to));
		if (n.type == BMP_MSG_PEER_UP)
			log_debug(LOGC_NEIGHBOR, "BMP neighbor %s up, Peer Up sent to %s", ip, to);
		else
			log_debug(LOGC_NEIGHBOR, "BMP neighbor %s down (reason %u), Peer Down sent "
				  "to %s", ip, n.reason, to);
	}
}

void
stations_tick(struct stations *ss, uint64_t now)
{
	struct enc_ack a;
	while (encoder_next_ack(ss->p.enc, &a))
		on_ack(ss, &a);
	log_neighbors(ss);
	for (unsigned i = 0; i < ss->n; i++) {
		struct station *s = ss->st[i];
		station_tick(s, now);
		if (s->removed && !s->closing && s->fd < 0 && !s->detach_pending) {
			station_free(ss, s);
			i--;
		}
	}
}

struct stations *
stations_create(const struct stations_params *p)
{
	struct stations *ss = calloc(1, sizeof(*ss));
	if (!ss)
		return NULL;
	ss->p = *p;
	encoder_set_notes(p->enc, log_debug_on(LOGC_NEIGHBOR));
	return ss;
}

void
stations_destroy(struct stations *ss)
{
	if (!ss)
		return;
	while (ss->n) {
		drop_output(ss->st[0]);
		station_free(ss, ss->st[0]);
	}
	free(ss);
}

void
stations_stop(struct stations *ss, const char *why)
{
	uint64_t now = evloop_now_ms();
	snprintf(ss->stop_reason, sizeof(ss->stop_reason), "%s", why);
	ss->stopping = true;
	for (unsigned i = 0; i < ss->n; i++)
		if (!ss->st[i]->closing)
			station_close(ss->st[i], now);
}

bool
stations_stopped(const struct stations *ss)
{
	for (unsigned i = 0; i < ss->n; i++)
		if (ss->st[i]->fd >= 0)
			return false;
	return true;
}

uint64_t
stations_stats_due(struct stations *ss, uint64_t now)
{
	uint64_t due = 0;
	for (unsigned i = 0; i < ss->n; i++) {
		struct station *s = ss->st[i];
		if (!s->out || s->closing || !s->next_stats_ms || now < s->next_stats_ms)
			continue;
		due |= 1ull << s->slot;
		s->last_stats_ms = now;
		s->next_stats_ms = now + (s->cfg.stats_period ? s->cfg.stats_period : 1) * 1000ull;
	}
	return due;
}

bool
stations_shed(struct stations *ss, uint64_t now)
{
	uint64_t candidates = ss->p.file_slots;
	for (unsigned i = 0; i < ss->n; i++)
		if (ss->st[i]->out && !ss->st[i]->closing)
			candidates |= 1ull << ss->st[i]->slot;
	struct output *o = outputs_oldest_pinner(ss->p.outs, candidates);
	struct station *s = NULL;
	for (unsigned i = 0; o && i < ss->n && !s; i++)
		if (ss->st[i]->out == o)
			s = ss->st[i];
	if (!s)
		return false;
	s->buffer_drops++;
	station_lost(s, now, "closed: it pinned the oldest data of a full buffer "
		     "(bmp buffer-size)");
	return true;
}

bool
stations_ready(const struct stations *ss)
{
	for (unsigned i = 0; i < ss->n; i++) {
		const struct station *s = ss->st[i];
		bool attached = s->out && s->attach_pending == 0;
		if (s->cfg.activate && !s->removed && !attached && s->fsm.failures == 0)
			return false;
	}
	return true;
}

unsigned
stations_count(const struct stations *ss)
{
	return ss->n;
}

bool
stations_get(const struct stations *ss, unsigned i, struct station_info *out)
{
	if (i >= ss->n)
		return false;
	const struct station *s = ss->st[i];
	memset(out, 0, sizeof(*out));
	out->cfg = s->cfg;
	out->slot = s->slot;
	out->state = s->fsm.state;
	out->closing = s->closing;
	out->up_since_ms = s->fsm.up_since_ms;
	out->attempts = s->fsm.attempts;
	out->connects = s->fsm.connects;
	out->failures = s->fsm.failures;
	out->flap_waits = s->fsm.flap_waits;
	out->buffer_drops = s->buffer_drops;
	out->last_stats_ms = s->last_stats_ms;
	out->fd = s->fd;
	snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
	snprintf(out->local, sizeof(out->local), "%s", s->local);
	if (s->out) {
		const struct output_stats *st = output_stats(s->out);
		out->msgs_sent = st->msgs_sent;
		out->bytes_sent = st->bytes_sent;
		out->bytes_queued = st->bytes_queued;
		out->msgs_queued = st->msgs_queued;
	}
	return true;
}
