/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to the encoder module (encoder.c, encoder_ctl.c). */
#ifndef BMPTAP_ENCODER_PRIV_H
#define BMPTAP_ENCODER_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "encoder.h"

struct evq;
struct evq_block;
struct rte_ring;

struct enc_peer {
	struct bmp_peer_hdr hdr;
	bool up;
	uint8_t family;
	uint8_t addr[16];
	uint8_t receiver[16];
	uint64_t mask;               /* slots monitoring this peer (filter) */
	uint8_t *peer_up;            /* the encoded Peer Up, for late stations */
	uint32_t peer_up_len;
	uint64_t rm_sent;
	uint64_t up_ts_us;
	uint64_t up_seq;
	uint16_t queue;
	uint32_t slot;
	TAILQ_ENTRY(enc_peer) order; /* established peers, in order of Peer Up */
};

TAILQ_HEAD(enc_peer_list, enc_peer);

/* Where the encoder is in one queue's current block. */
struct enc_input {
	struct evq *q;
	struct evq_block *blk;
	uint32_t off;
	struct enc_peer *peers;
};

enum enc_cmd_type { ENC_CMD_ATTACH, ENC_CMD_DETACH, ENC_CMD_FILTER, ENC_CMD_PEERS };

struct enc_cmd {
	enum enc_cmd_type type;
	unsigned slot;
	struct enc_filter *filter;
	struct enc_peers *peers;
};

/* A command being carried out: walks the established peers. */
struct enc_job {
	bool busy;
	struct enc_cmd cmd;
	struct enc_peer *next;       /* next peer to look at; NULL: start */
	bool started;
	struct enc_filter *old;
};

struct encoder {
	struct enc_input *in;
	unsigned nin;
	uint32_t npeers;
	struct obuf *out;
	uint64_t active;             /* attached slots */
	uint64_t up_seq;             /* Peer Ups so far */
	struct enc_filter *filter;
	struct enc_peer_list established;
	struct enc_job job;
	struct rte_ring *cmds;       /* control -> encoder, SP/SC */
	struct rte_ring *acks;       /* encoder -> control, SP/SC */
	struct rte_ring *notes;      /* encoder -> control, SP/SC: debug only */
	bool notes_on;               /* control -> encoder */
	bool stalled;
	uint64_t flush_at;           /* TSC: the open chunk's deadline; 0: none */
	uint64_t flush_cycles;       /* ENCODER_FLUSH_US in TSC cycles */
	struct encoder_counters c;
};

/* encoder.c */
bool enc_write_copy(struct encoder *e, const uint8_t *msg, uint32_t len, uint64_t mask);
bool enc_write_deconfigured(struct encoder *e, const struct enc_peer *p, uint64_t mask);

/* encoder_ctl.c */
void enc_ack_replay_done(struct encoder *e, uint32_t job);
void enc_note(struct encoder *e, uint8_t type, uint8_t reason, const struct enc_peer *p,
	      uint64_t slots);
int enc_ctl_init(struct encoder *e, uint64_t every_peer);
void enc_ctl_fini(struct encoder *e);
/* false: a command is still in progress (out of chunks) */
bool enc_ctl_run(struct encoder *e);

#endif
