/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: the debug switch list of `debug ip bgp bmp ...`, the run-time
 * mask, and what reaches stderr. stderr is redirected to a temporary file
 * around each call under test and restored before any assertion, so that
 * cmocka's own messages are never captured.
 */
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/log.h"

#define CAP_MAX (256 * 1024)

struct capture {
	FILE *tmp;
	int saved;
	char text[CAP_MAX];
	size_t len;
};

static void
capture_begin(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(fileno(c->tmp), STDERR_FILENO), STDERR_FILENO);
}

static void
capture_end(struct capture *c)
{
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->tmp);
	c->len = fread(c->text, 1, sizeof(c->text) - 1, c->tmp);
	c->text[c->len] = '\0';
	fclose(c->tmp);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- log_parse_debug ---- */

struct parse_case {
	const char *name;
	const char *list;
	int rc;
	uint32_t mask;
};

static const struct parse_case should_parse[] = {
	{ "event", "event", 0, 0x1 },
	{ "neighbor", "neighbor", 0, 0x2 },
	{ "server", "server", 0, 0x4 },
	{ "all", "all", 0, 0x7 },
	{ "event,server", "event,server", 0, 0x5 },
	{ "neighbor,event", "neighbor,event", 0, 0x3 },
	{ "all three", "server,neighbor,event", 0, 0x7 },
	{ "all plus one", "all,event", 0, 0x7 },
	{ "repeated", "event,event", 0, 0x1 },
};

static const struct parse_case should_error[] = {
	{ "unknown word", "bogus", -1, 0 },
	{ "unknown after good", "event,bogus", -1, 0 },
	{ "unknown before good", "bogus,server", -1, 0 },
	{ "upper case", "EVENT", -1, 0 },
	{ "plural", "events", -1, 0 },
	{ "prefix of a word", "serv", -1, 0 },
	{ "space after comma", "event, server", -1, 0 },
	{ "space separated", "event server", -1, 0 },
};

static void
test_parse_should_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_parse) / sizeof(should_parse[0]); i++) {
		const struct parse_case *pc = &should_parse[i];
		uint32_t mask = 0xdead;
		print_message("  %s\n", pc->name);
		assert_int_equal(log_parse_debug(pc->list, &mask), 0);
		assert_int_equal(mask, pc->mask);
	}
}

static void
test_parse_should_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(should_error) / sizeof(should_error[0]); i++) {
		const struct parse_case *pc = &should_error[i];
		uint32_t mask = 0;
		print_message("  %s\n", pc->name);
		assert_int_equal(log_parse_debug(pc->list, &mask), -1);
	}
}

/* A list longer than the parser's buffer must not be cut into valid words:
 * "...,servers" truncated right after "server" would be accepted. */
static void
test_parse_long_list(void **state)
{
	(void)state;
	char list[512] = "";
	uint32_t mask;
	for (int i = 0; i < 40; i++)
		strcat(list, "event,");
	strcat(list, "neighbor,");           /* 249 characters so far */
	assert_int_equal(strlen(list), 249);
	strcat(list, "servers");
	assert_int_equal(log_parse_debug(list, &mask), -1);

	/* a long list of good words (200 characters) is still good */
	list[186] = '\0';                   /* 31 x "event," */
	strcat(list, "server,neighbor");
	assert_int_equal(strlen(list), 201);
	assert_int_equal(log_parse_debug(list, &mask), 0);
	assert_int_equal(mask, LOGC_ALL);
}

/* ---- mask ---- */

static void
test_set_get_debug(void **state)
{
	(void)state;
	log_set_debug(LOGC_EVENT | LOGC_SERVER);
	assert_int_equal(log_get_debug(), 0x5);
	assert_true(log_debug_on(LOGC_EVENT));
	assert_false(log_debug_on(LOGC_NEIGHBOR));
	assert_true(log_debug_on(LOGC_SERVER));

	log_set_debug(0xffffffffu);         /* unknown bits are dropped */
	assert_int_equal(log_get_debug(), 0x7);
	assert_true(log_debug_on(LOGC_NEIGHBOR));

	log_set_debug(0);
	assert_int_equal(log_get_debug(), 0);
	assert_false(log_debug_on(LOGC_EVENT));
	assert_false(log_debug_on(LOGC_NEIGHBOR));
	assert_false(log_debug_on(LOGC_SERVER));
}

static void
test_cat_names(void **state)
{
	(void)state;
	assert_string_equal(log_cat_name(LOGC_EVENT), "event");
	assert_string_equal(log_cat_name(LOGC_NEIGHBOR), "neighbor");
	assert_string_equal(log_cat_name(LOGC_SERVER), "server");
	assert_string_equal(log_cat_name(LOGC_ALL), "all");
	assert_string_equal(log_cat_name((enum log_cat)(1u << 5)), "?");
}

/* ---- output ---- */

static void
test_debug_only_when_enabled(void **state)
{
	(void)state;
	struct capture *c = malloc(sizeof(*c));
	assert_non_null(c);

	log_set_debug(0);
	capture_begin(c);
	log_debug(LOGC_EVENT, "off %d", 1);
	log_debug(LOGC_NEIGHBOR, "off %d", 2);
	log_debug(LOGC_SERVER, "off %d", 3);
	capture_end(c);
	assert_int_equal(c->len, 0);

	log_set_debug(LOGC_NEIGHBOR);
	capture_begin(c);
	log_debug(LOGC_EVENT, "event line");
	log_debug(LOGC_NEIGHBOR, "neighbor line %s", "10.0.0.1");
	log_debug(LOGC_SERVER, "server line");
	capture_end(c);
	assert_int_equal(count_lines(c->text), 1);
	assert_non_null(strstr(c->text, "neighbor line 10.0.0.1\n"));
	assert_null(strstr(c->text, "event line"));
	assert_null(strstr(c->text, "server line"));

	log_set_debug(LOGC_ALL);
	capture_begin(c);
	log_debug(LOGC_EVENT, "a");
	log_debug(LOGC_NEIGHBOR, "b");
	log_debug(LOGC_SERVER, "c");
	capture_end(c);
	assert_int_equal(count_lines(c->text), 3);
	log_set_debug(0);
	free(c);
}

/* Cisco's debug lines: "*Mar  1 00:01:02.345: BGPBMP: text". */
static void
test_debug_line_format(void **state)
{
	(void)state;
	struct capture *c = malloc(sizeof(*c));
	regex_t re;
	assert_non_null(c);
	assert_int_equal(regcomp(&re, "^\\*[A-Z][a-z][a-z] [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:"
				 "[0-6][0-9]\\.[0-9][0-9][0-9]: BGPBMP: server 1 up 42\n$",
				 REG_EXTENDED | REG_NOSUB), 0);
	log_set_debug(LOGC_SERVER);
	capture_begin(c);
	log_debug(LOGC_SERVER, "server %d up %u", 1, 42u);
	capture_end(c);
	log_set_debug(0);
	print_message("  line: %s", c->text);
	assert_int_equal(regexec(&re, c->text, 0, NULL, 0), 0);
	regfree(&re);
	free(c);
}

/* A message longer than the line buffer is cut, never left without its
 * newline (the next line would be glued to it). */
static void
test_debug_long_line(void **state)
{
	(void)state;
	struct capture *c = malloc(sizeof(*c));
	char *big = malloc(5000);
	assert_non_null(c);
	assert_non_null(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	log_set_debug(LOGC_EVENT);
	capture_begin(c);
	log_debug(LOGC_EVENT, "%s", big);
	log_debug(LOGC_EVENT, "after");
	capture_end(c);
	log_set_debug(0);
	assert_int_equal(count_lines(c->text), 2);
	assert_non_null(strstr(c->text, "BGPBMP: after\n"));
	assert_int_equal(c->text[c->len - 1], '\n');
	free(big);
	free(c);
}

static void
test_log_msg_levels(void **state)
{
	(void)state;
	struct capture *c = malloc(sizeof(*c));
	assert_non_null(c);

	log_set_level(LOGL_NOTICE);
	capture_begin(c);
	log_msg(LOGL_ERR, "err %d", 1);
	log_msg(LOGL_WARN, "warn %d", 2);
	log_msg(LOGL_NOTICE, "notice %d", 3);
	log_msg(LOGL_INFO, "info %d", 4);
	capture_end(c);
	assert_int_equal(count_lines(c->text), 3);
	assert_non_null(strstr(c->text, "err 1\n"));
	assert_non_null(strstr(c->text, "warn 2\n"));
	assert_non_null(strstr(c->text, "notice 3\n"));
	assert_null(strstr(c->text, "info 4"));
	/* daemon messages are not debug lines */
	assert_null(strstr(c->text, "BGPBMP"));

	log_set_level(LOGL_ERR);
	capture_begin(c);
	log_msg(LOGL_WARN, "quiet");
	log_msg(LOGL_ERR, "loud");
	capture_end(c);
	assert_int_equal(count_lines(c->text), 1);
	assert_non_null(strstr(c->text, "loud\n"));

	/* debug lines do not depend on the level */
	log_set_debug(LOGC_EVENT);
	capture_begin(c);
	log_debug(LOGC_EVENT, "dbg");
	capture_end(c);
	log_set_debug(0);
	assert_non_null(strstr(c->text, "BGPBMP: dbg\n"));
	log_set_level(LOGL_INFO);
	free(c);
}

/* ---- threads: one line per call, never interleaved ---- */

#define THREADS 4
#define LINES 200

static void *
log_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < LINES; i++)
		log_debug(LOGC_EVENT, "thread %d line %03d %s", id, i,
			  "padding-padding-padding-padding-padding-padding-padding");
	return NULL;
}

static void
test_threads_whole_lines(void **state)
{
	(void)state;
	struct capture *c = malloc(sizeof(*c));
	pthread_t th[THREADS];
	assert_non_null(c);
	log_set_debug(LOGC_EVENT);
	capture_begin(c);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, log_thread, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	capture_end(c);
	log_set_debug(0);
	assert_int_equal(count_lines(c->text), THREADS * LINES);
	int seen[THREADS] = { 0 };
	for (char *line = c->text, *nl; *line; line = nl + 1) {
		int id, n;
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		char *msg = strstr(line, "BGPBMP: thread ");
		assert_non_null(msg);
		assert_int_equal(sscanf(msg, "BGPBMP: thread %d line %d", &id, &n), 2);
		assert_true(id >= 0 && id < THREADS);
		assert_int_equal(n, seen[id]);      /* each thread's lines in order */
		seen[id]++;
		assert_non_null(strstr(msg, "padding-padding-padding-padding-padding-padding-"
					    "padding"));
		assert_null(strstr(msg + 1, "BGPBMP"));
	}
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_should_parse),
		cmocka_unit_test(test_parse_should_error),
		cmocka_unit_test(test_parse_long_list),
		cmocka_unit_test(test_set_get_debug),
		cmocka_unit_test(test_cat_names),
		cmocka_unit_test(test_debug_only_when_enabled),
		cmocka_unit_test(test_debug_line_format),
		cmocka_unit_test(test_debug_long_line),
		cmocka_unit_test(test_log_msg_levels),
		cmocka_unit_test(test_threads_whole_lines),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
