/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Daemon logging: levels for everything, plus the operator's debug
 * switches of the vendor CLI (`debug ip bgp bmp event|neighbor|server`),
 * which can change at run time from any thread.
 */
#ifndef BMPTAP_LOG_H
#define BMPTAP_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOGL_ERR, LOGL_WARN, LOGL_NOTICE, LOGL_INFO };

enum log_cat {
	LOGC_EVENT = 1u << 0,
	LOGC_NEIGHBOR = 1u << 1,
	LOGC_SERVER = 1u << 2,
	LOGC_ALL = (1u << 3) - 1,
};

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** A debug line, printed only when its category is switched on. */
void log_debug(enum log_cat cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool log_debug_on(enum log_cat cat);
void log_set_debug(uint32_t mask);
uint32_t log_get_debug(void);
void log_set_level(enum log_level lvl);

/** "event,neighbor,server" or "all" -> mask; -1 on an unknown word. */
int log_parse_debug(const char *list, uint32_t *mask);
const char *log_cat_name(enum log_cat cat);

#endif
