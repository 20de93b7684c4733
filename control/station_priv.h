/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to the station module (station.c, station_conn.c). */
#ifndef BMPTAP_STATION_PRIV_H
#define BMPTAP_STATION_PRIV_H

#include "station.h"

#define STATION_KEEPALIVE_S 15
#define STATION_CLOSE_GRACE_MS 5000

struct station {
	struct stations *ss;
	struct cfg_server cfg;
	unsigned slot;
	struct server_fsm fsm;
	int fd;
	struct output *out;        /* while connected */
	unsigned attach_pending;   /* attach commands not yet acknowledged */
	unsigned detach_pending;
	bool closing;              /* Termination sequence in progress */
	bool term_queued;
	bool removed;              /* freed once closed */
	uint64_t close_deadline_ms;
	uint64_t buffer_drops;
	uint64_t next_stats_ms;      /* 0: not attached */
	uint64_t last_stats_ms;
	char name[64];             /* "10.1.1.1/8000", as the vendor logs say */
	char local[64];
	char last_error[160];
};

struct stations {
	struct stations_params p;
	struct station *st[2 * CFG_MAX_SERVERS]; /* live ones, then closing ones */
	unsigned n;
	uint64_t slots;            /* output slots in use */
	bool stopping;
	char stop_reason[96];
};

/* station_conn.c */
int station_open(struct station *s, char *err, size_t errlen);
void station_on_connect(struct evloop *el, int fd, uint32_t events, void *arg);
void station_on_read(struct evloop *el, int fd, uint32_t events, void *arg);
void station_close_fd(struct station *s);

/* station.c */
void station_connected(struct station *s, uint64_t now);
void station_lost(struct station *s, uint64_t now, const char *why);

#endif
