/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by cfg_parse.c (the engine: words, matching, dispatch) and
 * cfg_cmds.c (the command handlers and the table of each mode).
 */
#ifndef BMPTAP_CFG_PARSE_PRIV_H
#define BMPTAP_CFG_PARSE_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/cfg.h"

#define MAXW 160                /* words on a line: 63 `server N` pairs fit */
#define NOWORD UINT_MAX

enum mode { M_TOP, M_SERVER, M_HWBMP, M_HWSESS, M_COUNT };

struct word {
	const char *p;                  /* into the caller's text: no NUL */
	unsigned len;
};

struct cmd;

struct pstate {
	struct cfg *c;
	struct cfg_error *err;
	unsigned line;
	enum mode mode;
	uint32_t cur;                   /* server id in M_SERVER / M_HWSESS */
	unsigned ncap;                  /* c->neighbors capacity; 0: not known */
	bool neg;                       /* `no`, `default` or `undo` form */
	bool overflow;                  /* more than MAXW words */
	const struct cmd *cmd;          /* the command being run */
	const char *eol;                /* end of the line, trailing blanks cut */
	unsigned nw;
	struct word w[MAXW];
};

/*
 * One command of one mode. fn runs both forms: ps->neg tells the `no` form,
 * which resets to the default (or removes) and ignores further words.
 */
struct cmd {
	const char *kw;                 /* keywords, space separated */
	short min, max;                 /* argument words; max -1: any */
	unsigned flags;
	enum mode to;                   /* to_mode: the mode entered */
	int (*fn)(struct pstate *ps, unsigned a);    /* a: first argument word */
	const char *usage;
	size_t off;                     /* field_*: offset of the field */
	uint32_t lo, hi, def;           /* field_u32: range, `no` value */
};

#define F_NO 1u                     /* has a no / default / undo form */
#define F_KEEP 2u                   /* exec command: stays in the current mode */
#define F_RAW 4u                    /* reads the raw rest of the line */
#define F_GLOBAL 8u                 /* field_*: a field of struct cfg, not of the server */

struct table {
	const struct cmd *cmds;
	unsigned n;
	const char *what;               /* "'activate' outside %s" */
	enum mode parent;
};

/* The commands of each mode (cfg_cmds.c). */
extern const struct table cfgp_tables[M_COUNT];

/* printf arguments of word i for "%.*s"; "" past the last word. */
#define W(ps, i) (int)((i) < (ps)->nw ? (ps)->w[i].len : 0), ((i) < (ps)->nw ? (ps)->w[i].p : "")

/* ---- errors, words and arguments (cfg_parse.c) ---- */

/* Fills ps->err for word wi (NOWORD: none); returns -EINVAL. */
int cfgp_err(struct pstate *ps, unsigned wi, const char *fmt, ...);
bool cfgp_word_is(const struct pstate *ps, unsigned i, const char *kw);
/* 0, or an error if there is a word i. */
int cfgp_no_more(struct pstate *ps, unsigned i);
bool cfgp_word_num(const struct word *w, uint64_t *v);
int cfgp_uint(struct pstate *ps, unsigned i, const char *what, uint32_t lo, uint32_t hi,
	     uint32_t *v);
int cfgp_addr(struct pstate *ps, unsigned i, const char *what, struct cfg_addr *a, bool peer);
int cfgp_station(struct pstate *ps, unsigned i, const char *what, struct cfg_addr *a);
int cfgp_name(struct pstate *ps, unsigned i, const char *what, char out[CFG_NAME_MAX]);
int cfgp_vpn(struct pstate *ps, unsigned i, char out[CFG_NAME_MAX]);
int cfgp_ifname(struct pstate *ps, unsigned i, char out[CFG_NAME_MAX]);

#endif
