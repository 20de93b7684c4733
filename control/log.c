/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

static uint32_t debug_mask;      /* atomic: switched by the control thread */
static int max_level = LOGL_INFO;

static const char *const level_names[] = { "error", "warning", "notice", "info" };

static void
vlog(const char *tag, const char *fmt, va_list ap)
{
	struct timeval tv;
	struct tm tm;
	char when[32], line[1024];
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%b %e %H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	/* one write per line: lines from several threads never interleave */
	fprintf(stderr, "*%s.%03ld: %s%s\n", when, (long)(tv.tv_usec / 1000), tag, line);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	if ((int)lvl > __atomic_load_n(&max_level, __ATOMIC_RELAXED))
		return;
	char tag[32];
	snprintf(tag, sizeof(tag), "bmptapd: %s: ", level_names[lvl]);
	va_list ap;
	va_start(ap, fmt);
	vlog(tag, fmt, ap);
	va_end(ap);
}

void
log_debug(enum log_cat cat, const char *fmt, ...)
{
	if (!log_debug_on(cat))
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("BGPBMP: ", fmt, ap);
	va_end(ap);
}

bool
log_debug_on(enum log_cat cat)
{
	return __atomic_load_n(&debug_mask, __ATOMIC_RELAXED) & cat;
}

void
log_set_debug(uint32_t mask)
{
	__atomic_store_n(&debug_mask, mask & LOGC_ALL, __ATOMIC_RELAXED);
}

uint32_t
log_get_debug(void)
{
	return __atomic_load_n(&debug_mask, __ATOMIC_RELAXED);
}

void
log_set_level(enum log_level lvl)
{
	__atomic_store_n(&max_level, (int)lvl, __ATOMIC_RELAXED);
}

static const struct {
	const char *name;
	uint32_t mask;
} cats[] = {
	{ "event", LOGC_EVENT },
	{ "neighbor", LOGC_NEIGHBOR },
	{ "server", LOGC_SERVER },
	{ "all", LOGC_ALL },
};

const char *
log_cat_name(enum log_cat cat)
{
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (cats[i].mask == (uint32_t)cat)
			return cats[i].name;
	return "?";
}

int
log_parse_debug(const char *list, uint32_t *mask)
{
	char buf[256];
	/* truncating could turn an unknown word into a known one */
	if ((size_t)snprintf(buf, sizeof(buf), "%s", list) >= sizeof(buf))
		return -1;
	*mask = 0;
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < sizeof(cats) / sizeof(cats[0]) && strcmp(cats[i].name, w) != 0)
			i++;
		if (i == sizeof(cats) / sizeof(cats[0]))
			return -1;
		*mask |= cats[i].mask;
	}
	return 0;
}
