/* SPDX-License-Identifier: BSD-3-Clause */
/* Counters of every stage as (scope, name, value): stable keys that
 * operators grep, tests parse, Redis and telemetry publish. Zero BGP error
 * counters are omitted. */
#include <inttypes.h>

#include <rte_ethdev.h>

#include "counter.h"
#include "encoder.h"
#include "evq.h"
#include "obuf.h"
#include "pipeline_priv.h"

static const char *const bgp_type_names[6] = {
	"?", "open", "update", "notification", "keepalive", "route_refresh",
};

static const char *const bmp_type_names[BMP_MSG_ROUTE_MIRRORING + 1] = {
	"route_monitoring", "statistics_report", "peer_down", "peer_up",
	"initiation", "termination", "route_mirroring",
};

#define PUT(vis, scope, name, v) (vis)->fn((vis)->arg, scope, name, (uint64_t)(v))

static void
print_ports(const struct pipeline *pl, const struct counter_visitor *f)
{
	for (unsigned i = 0; i < pl->p.nports; i++) {
		const struct port_desc *pd = &pl->p.ports[i];
		struct rte_eth_stats st;
		char scope[80];
		if (rte_eth_stats_get(pd->port_id, &st) != 0)
			continue;
		snprintf(scope, sizeof(scope), "port.%s", pd->name);
		PUT(f, scope, "ipackets", st.ipackets);
		PUT(f, scope, "ibytes", st.ibytes);
		PUT(f, scope, "imissed", st.imissed);
		PUT(f, scope, "ierrors", st.ierrors);
		PUT(f, scope, "rx_nombuf", st.rx_nombuf);
	}
}

static void
print_rx(const struct rx_worker *w, const char *scope, const struct counter_visitor *f)
{
	const struct rx_counters *c = &w->c;
	PUT(f, scope, "rx_packets", CTR_READ(c->rx_packets));
	PUT(f, scope, "rx_bytes", CTR_READ(c->rx_bytes));
	for (int v = 0; v < CLASSIFY__COUNT; v++) {
		char name[48];
		snprintf(name, sizeof(name), v == CLASSIFY_BGP ? "classify.%s" : "drop.%s",
			 classify_verdict_name((enum classify_verdict)v));
		PUT(f, scope, name, CTR_READ(c->verdicts[v]));
	}
	PUT(f, scope, "steered_out", CTR_READ(c->steered_out));
	PUT(f, scope, "steered_in", CTR_READ(c->steered_in));
	PUT(f, scope, "linearized", CTR_READ(c->linearized));
	PUT(f, scope, "drop.oversize", CTR_READ(c->oversize));
	PUT(f, scope, "backpressure_held", CTR_READ(c->backpressure));
	PUT(f, scope, "replays_done", CTR_READ(c->replays_done));
	PUT(f, scope, "stats_requests", CTR_READ(c->stats_requests));
	PUT(f, scope, "rib.routes", session_table_routes(w->st));
	PUT(f, scope, "rib.bytes", session_table_rib_bytes(w->st));
	PUT(f, scope, "flows", session_table_flows(w->st));
}

static void
print_session(const struct session_counters *c, const char *scope, const struct counter_visitor *f)
{
	char name[64];
	for (int t = 1; t < 6; t++) {
		snprintf(name, sizeof(name), "bgp.%s", bgp_type_names[t]);
		PUT(f, scope, name, CTR_READ(c->bgp_msgs[t]));
	}
	for (int e = 1; e < BGP_ERR__COUNT; e++) {
		if (CTR_READ(c->bgp_errors[e]) == 0)
			continue;
		snprintf(name, sizeof(name), "bgp.error.%s", bgp_err_name((enum bgp_err)e));
		PUT(f, scope, name, CTR_READ(c->bgp_errors[e]));
	}
	for (int k = 0; k < SKIP__COUNT; k++) {
		snprintf(name, sizeof(name), "bgp.not_exported.%s",
			 session_skip_name((enum session_skip)k));
		PUT(f, scope, name, CTR_READ(c->skipped[k]));
	}
	PUT(f, scope, "flows_created", CTR_READ(c->flows_created));
	PUT(f, scope, "flows_evicted", CTR_READ(c->flows_evicted));
	PUT(f, scope, "drop.flow_table_full", CTR_READ(c->flow_table_full));
	PUT(f, scope, "flow_restarts", CTR_READ(c->flow_restarts));
	PUT(f, scope, "framer_bad_headers", CTR_READ(c->framer_bad));
	PUT(f, scope, "framer_skipped_bytes", CTR_READ(c->framer_skipped));
	PUT(f, scope, "peer_up", CTR_READ(c->peer_up));
	PUT(f, scope, "peer_up_inferred", CTR_READ(c->peer_up_inferred));
	PUT(f, scope, "peer_down", CTR_READ(c->peer_down));
	PUT(f, scope, "hold_expired", CTR_READ(c->hold_expired));
	PUT(f, scope, "route_monitoring", CTR_READ(c->route_mon));
	PUT(f, scope, "errored_pdu", CTR_READ(c->errored_pdu));
	PUT(f, scope, "loss_events", CTR_READ(c->loss_events));
	PUT(f, scope, "loss_bytes", CTR_READ(c->loss_bytes));
	PUT(f, scope, "loss_before_peer_up", CTR_READ(c->loss_before_up));
	PUT(f, scope, "drop.event_queue_full", CTR_READ(c->evq_full));
	PUT(f, scope, "drop.peer_slots_full", CTR_READ(c->peer_slots_full));
	PUT(f, scope, "rib.nomem", CTR_READ(c->rib_nomem));
	PUT(f, scope, "rib.graceful_restart_kept", CTR_READ(c->rib_gr_kept));
	PUT(f, scope, "rib.graceful_restart_adopted", CTR_READ(c->rib_gr_adopted));
	PUT(f, scope, "rib.replayed_updates", CTR_READ(c->replay_msgs));
	PUT(f, scope, "stats_records", CTR_READ(c->stats_records));
}

static void
print_reasm(const struct reasm_counters *c, const char *scope, const struct counter_visitor *f)
{
	PUT(f, scope, "tcp.segments", CTR_READ(c->segments));
	PUT(f, scope, "tcp.bytes_delivered", CTR_READ(c->bytes_delivered));
	PUT(f, scope, "tcp.retransmissions", CTR_READ(c->retransmissions));
	PUT(f, scope, "tcp.partial_retransmissions", CTR_READ(c->partial_retrans));
	PUT(f, scope, "tcp.out_of_order", CTR_READ(c->out_of_order));
	PUT(f, scope, "tcp.overlaps", CTR_READ(c->overlaps));
	PUT(f, scope, "tcp.overlap_conflicts", CTR_READ(c->overlap_conflicts));
	PUT(f, scope, "tcp.gaps", CTR_READ(c->gaps));
	PUT(f, scope, "tcp.gap_bytes", CTR_READ(c->gap_bytes));
	PUT(f, scope, "tcp.limit_gaps", CTR_READ(c->limit_gaps));
	PUT(f, scope, "tcp.drop.out_of_window", CTR_READ(c->out_of_window));
	PUT(f, scope, "tcp.drop.after_close", CTR_READ(c->after_close));
	PUT(f, scope, "tcp.drop.alloc_fail", CTR_READ(c->seg_alloc_fail));
}

static void
print_encoder(const struct pipeline *pl, const struct counter_visitor *f)
{
	const struct encoder_counters *c = encoder_counters(pl->enc);
	for (int t = 0; t <= BMP_MSG_ROUTE_MIRRORING; t++) {
		char name[48];
		snprintf(name, sizeof(name), "bmp.%s", bmp_type_names[t]);
		PUT(f, "encoder", name, CTR_READ(c->msgs[t]));
	}
	PUT(f, "encoder", "records", CTR_READ(c->records));
	PUT(f, "encoder", "bytes", CTR_READ(c->bytes));
	PUT(f, "encoder", "drop.unknown_peer", CTR_READ(c->unknown_peer));
	PUT(f, "encoder", "drop.bad_record", CTR_READ(c->bad_record));
	PUT(f, "encoder", "drop.encode_error", CTR_READ(c->encode_errors));
	PUT(f, "encoder", "drop.no_server", CTR_READ(c->no_server));
	PUT(f, "encoder", "output_stalls", CTR_READ(c->out_stalls));
	PUT(f, "encoder", "replay_route_monitoring", CTR_READ(c->replay_rm));
	PUT(f, "encoder", "statistics_reports", CTR_READ(c->stats_reports));
	PUT(f, "output", "bytes_queued", obuf_bytes_queued(pl->out));
	PUT(f, "output", "chunks_allocated", obuf_chunks_allocated(pl->out));
}

void
pipeline_counters(struct pipeline *pl, const struct counter_visitor *f)
{
	print_ports(pl, f);
	for (unsigned i = 0; i < pl->p.n_rx; i++) {
		char scope[32];
		snprintf(scope, sizeof(scope), "lcore%u", pl->p.rx_lcores[i]);
		print_rx(pl->w[i], scope, f);
		print_session(session_table_counters(pl->w[i]->st), scope, f);
		print_reasm(session_table_reasm_counters(pl->w[i]->st), scope, f);
		PUT(f, scope, "event_backlog_blocks", evq_backlog(pl->w[i]->evq));
	}
	print_encoder(pl, f);
}

static void
print_line(void *arg, const char *scope, const char *name, uint64_t value)
{
	fprintf(arg, "%s.%s %" PRIu64 "\n", scope, name, value);
}

void
pipeline_print_counters(struct pipeline *pl, FILE *f)
{
	struct counter_visitor v = { print_line, f };
	pipeline_counters(pl, &v);
	fflush(f);
}
