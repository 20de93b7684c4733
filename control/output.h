/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Destinations of the BMP stream: a file (--bmp-out), later BMP server
 * connections. Each output has a slot (its bit in the encoder's server
 * masks) and a FIFO of what it still has to write: references to shared
 * output chunks (only the runs carrying its bit) and private messages
 * (Initiation, Termination). A chunk returns to the encoder when every
 * output that needed it has written it. Control thread only.
 */
#ifndef BMPTAP_OUTPUT_H
#define BMPTAP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obuf;
struct outputs;
struct output;

struct output_stats {
	uint64_t bytes_sent;
	uint64_t msgs_sent;          /**< BMP messages fully written */
	uint64_t bytes_queued;       /**< waiting in this output's FIFO */
	uint64_t msgs_queued;
	uint64_t write_errors;
};

struct outputs *outputs_create(struct obuf *ob);
void outputs_destroy(struct outputs *os);

/**
 * Attach fd at slot (0..63). blocking: a file or pipe, written to the
 * end on each pump; else a non-blocking socket, written as it drains.
 * NULL with errno set (EBUSY: slot taken).
 */
struct output *outputs_add(struct outputs *os, unsigned slot, int fd, bool blocking,
			   const char *name);
/**
 * Take chunks from sequence number `seq` on (the encoder's attach
 * acknowledgement). Outputs start at 0; a station added before its
 * acknowledgement passes UINT64_MAX and so takes nothing stale.
 */
void output_start_at(struct output *o, uint64_t seq);

/** Detach: queued references are released; the fd is not closed. */
void outputs_remove(struct outputs *os, struct output *o);

/** Queue a private message after what the output already has queued. */
int output_queue_msg(struct output *o, const void *msg, size_t len);

/**
 * Distribute new chunks and write. Returns -1 if some output failed
 * (its stats say so; the caller removes it), else 0.
 */
int outputs_pump(struct outputs *os);

/** True when o has nothing left to write. */
bool output_idle(const struct output *o);
/** True when no output has anything queued and no chunk is pending. */
bool outputs_idle(const struct outputs *os);

bool output_failed(const struct output *o);
int output_fd(const struct output *o);
const char *output_name(const struct output *o);
const struct output_stats *output_stats(const struct output *o);
struct output *outputs_get(struct outputs *os, unsigned slot);
/**
 * The output, among the slots of `candidates`, whose queue starts with the
 * oldest chunk: the one that pins the buffer. NULL if none holds a chunk.
 */
struct output *outputs_oldest_pinner(struct outputs *os, uint64_t candidates);

/** Bit mask of the attached slots. */
uint64_t outputs_slots(const struct outputs *os);

#endif
