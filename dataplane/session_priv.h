/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to the session module (session*.c); not a public API. */
#ifndef BMPTAP_SESSION_PRIV_H
#define BMPTAP_SESSION_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "bgp.h"
#include "flowtab.h"
#include "mirror.h"
#include "reasm.h"
#include "session.h"

#define NO_PEER UINT32_MAX

enum dir_state {
	DIR_IDLE,      /* no peer yet */
	DIR_UP,        /* Peer Up emitted */
	DIR_DOWN,      /* Peer Down emitted or session over: ignore the rest */
};

/* One direction: its sender is endpoint `d` of the key, its receiver 1-d. */
struct sess_dir {
	struct reasm_stream rs;
	struct bgp_framer fr;
	struct bgp_caps caps;        /* how to read this sender, once known */
	struct bgp_open open;        /* the sender's OPEN, seen or inferred */
	uint8_t *open_msg;           /* its bytes (malloc), for Peer Up */
	uint16_t open_len;
	uint8_t state;               /* enum dir_state */
	bool open_seen;              /* OPEN captured (else inferred, if any) */
	bool inferred;               /* OPEN synthesized */
	bool eof;                    /* FIN reached or RST */
	uint32_t peer;               /* peer slot while UP */
	uint64_t last_msg_us;        /* last BGP message from this sender */
	struct mirror *rib;          /* the sender's Adj-RIB-In, from Peer Up on */
	bool rib_partial;            /* joined mid-stream, a gap, or no memory */
	uint64_t stale_deadline_us;  /* graceful restart: purge stale routes then */
	uint64_t loss_events;        /* since Peer Up, for Statistics Reports */
	uint64_t loss_bytes;
};

/* A mirror kept after its session ended, for a graceful restart: the next
 * connection between the same two speakers adopts it. */
struct stale_rib {
	TAILQ_ENTRY(stale_rib) link;
	uint8_t family;
	uint8_t sender[16];
	uint8_t receiver[16];
	struct mirror *rib;
	uint64_t deadline_us;
};

TAILQ_HEAD(stale_rib_list, stale_rib);

/* Which direction a peer slot stands for, while its peer is up. */
struct peer_ref {
	struct session *s;
	uint8_t d;
};

enum sess_state {
	SESS_ACTIVE,
	SESS_CLOSED,                 /* both peers settled; removed after linger */
};

struct session {
	struct flow_key key;
	uint32_t hash;
	uint8_t state;               /* enum sess_state */
	bool caps_ready;             /* both OPENs known: caps negotiated */
	uint64_t last_us;            /* last packet, either direction */
	TAILQ_ENTRY(session) lru;    /* oldest activity first */
	struct sess_dir dir[2];
};

TAILQ_HEAD(session_list, session);

struct session_table {
	struct flowtab *ft;
	struct reasm_ctx *reasm;
	struct evq *q;
	struct session_list lru;
	uint32_t *peer_free;         /* stack of free peer slots */
	uint32_t peer_free_n;
	struct peer_ref *peer_at;    /* peer slot -> its session and direction */
	uint32_t npeers;             /* peer slots: 2 x max_flows */
	struct stale_rib_list stale; /* mirrors awaiting a restarted session */
	uint8_t *replay_buf;         /* one replay slice */
	uint64_t next_tick_us;
	struct session_params p;
	struct session_counters c;
};

/* session_bgp.c */
void sess_dir_consume(struct session_table *t, struct session *s, int d, uint64_t ts);
void sess_peers_down(struct session_table *t, struct session *s, uint64_t ts, int closer,
		     const uint8_t *notif, uint32_t notif_len);
void sess_hold_check(struct session_table *t, struct session *s, uint64_t now);

/* session_emit.c */
uint32_t sess_peer_alloc(struct session_table *t);
void sess_peer_free(struct session_table *t, uint32_t peer);
void sess_emit_peer_up(struct session_table *t, struct session *s, int d, uint64_t ts,
		       const char *info);
void sess_emit_simple(struct session_table *t, uint32_t peer, int type, uint64_t ts,
		      const uint8_t *data, uint32_t len);
void sess_emit_peer_down(struct session_table *t, uint32_t peer, uint64_t ts, int reason,
			 const uint8_t *data, uint32_t len, uint16_t fsm_event);
void sess_emit_loss(struct session_table *t, uint32_t peer, uint64_t ts, uint64_t bytes);

/* session_rib.c */
void sess_rib_up(struct session_table *t, struct session *s, int d);
void sess_rib_down(struct session_table *t, struct session *s, int d, bool notified,
		   uint64_t now);
void sess_rib_apply(struct session_table *t, struct sess_dir *sd, const struct bgp_update *u);
void sess_rib_tick(struct session_table *t, struct session *s, uint64_t now);
void sess_rib_expire(struct session_table *t, uint64_t now);
void sess_rib_table_fini(struct session_table *t);
void sess_emit_replay(struct session_table *t, uint32_t peer, int type, uint64_t ts,
		      uint64_t mask, uint32_t job, const uint8_t *msg, uint32_t len);

/* session_infer.c */
void sess_infer(struct session *s, int d, const uint8_t *update, uint32_t len);

#endif
