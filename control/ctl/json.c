/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A streaming JSON writer for `--json`: members come out in the order the
 * caller writes them, so documents are stable for scripts and diffs.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (a
 * description may hold anything printable) become U+FFFD so the document
 * always parses.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "control/ctl/ctl.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return len;
}

static void
escape_byte(FILE *f, unsigned char ch)
{
	static const char short_esc[] = "btn\0fr";

	if (ch == '"' || ch == '\\')
		fprintf(f, "\\%c", ch);
	else if (ch >= 0x08 && ch <= 0x0d && short_esc[ch - 0x08])
		fprintf(f, "\\%c", short_esc[ch - 0x08]);
	else if (ch < 0x20 || ch == 0x7f)
		fprintf(f, "\\u%04x", ch);
	else
		fputc(ch, f);
}

void
json_escape(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	fputc('"', f);
	while (p < end) {
		size_t n = utf8_len(p, (size_t)(end - p));
		if (n == 1)
			escape_byte(f, *p);
		else if (n)
			fwrite(p, 1, n, f);
		else
			fputs("\\ufffd", f);
		p += n ? n : 1;
	}
	fputc('"', f);
}

void
json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Separator, indentation and key of the next member. */
static void
member(struct json *j, const char *key)
{
	if (j->depth) {
		fputs(j->any[j->depth - 1] ? ",\n" : "\n", j->f);
		j->any[j->depth - 1] = true;
		fprintf(j->f, "%*s", (int)(2 * j->depth), "");
	}
	if (key) {
		json_escape(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
}

static void
open_container(struct json *j, const char *key, char open, char close)
{
	member(j, key);
	fputc(open, j->f);
	if (j->depth == JSON_MAX_DEPTH) {
		j->bad = true;
		return;
	}
	j->any[j->depth] = false;
	j->close[j->depth++] = close;
}

void
json_object(struct json *j, const char *key)
{
	open_container(j, key, '{', '}');
}

void
json_array(struct json *j, const char *key)
{
	open_container(j, key, '[', ']');
}

void
json_end(struct json *j)
{
	if (!j->depth) {
		j->bad = true;
		return;
	}
	j->depth--;
	if (j->any[j->depth])
		fprintf(j->f, "\n%*s", (int)(2 * j->depth), "");
	fputc(j->close[j->depth], j->f);
}

void
json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		json_escape(j->f, s, strlen(s));
	else
		fputs("null", j->f);
}

void
json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	if (v == CTL_NONE)
		fputs("null", j->f);
	else
		fprintf(j->f, "%" PRIu64, v);
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

int
json_finish(struct json *j)
{
	fputc('\n', j->f);
	if (j->bad || j->depth)
		return -EINVAL;
	return ferror(j->f) ? -EIO : 0;
}
