/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The truth file: JSON lines that say what the generator did, so tests
 * compare against it instead of re-deriving it.
 *
 *   {"type":"drop"|"reorder", pass, session, src, dst, sport, dport, seq, len}
 *       one BGP data segment dropped from / moved in the capture
 *   {"type":"direction", pass, session, sender, receiver, sender_as,
 *    sport, dport, connections, announced{}, withdrawn{}, final_count{},
 *    final_ipv4[], final_ipv6[]}
 *       per session direction at the end of each pass: counts of prefixes
 *       announced and withdrawn (NLRI occurrences) and the final table.
 *       With ADD-PATH, prefixes read "p/len#path_id".
 */
#include <arpa/inet.h>
#include <inttypes.h>

#include "gen_int.h"

static const char *
ip_str(const struct gen_session *s, const struct gen_speaker *sp, char *buf)
{
	if (s->v6)
		return inet_ntop(AF_INET6, sp->ip6, buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET, sp->ip4, buf, INET6_ADDRSTRLEN);
}

void
gen_truth_segment(struct gen_ctx *c, const struct gen_session *s, const struct gen_dir *d,
		  const char *what, uint32_t seq, uint32_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (c->truth == NULL)
		return;
	fprintf(c->truth,
		"{\"type\":\"%s\",\"pass\":%u,\"session\":%u,\"src\":\"%s\",\"dst\":\"%s\","
		"\"sport\":%u,\"dport\":%u,\"seq\":%u,\"len\":%u}\n",
		what, s->pass, s->idx, ip_str(s, d->src, a), ip_str(s, d->dst, b), d->sport,
		d->dport, seq, len);
}

static void
put_final(struct gen_ctx *c, const struct gen_dir *d, int fam)
{
	char buf[64];
	struct gen_nlri p;
	const char *sep = "";

	fprintf(c->truth, ",\"final_%s\":[", fam == GEN_FAM_V4 ? "ipv4" : "ipv6");
	for (uint64_t i = gen_rib_next(&d->rib, fam, 0); i < d->rib.limit[fam];
	     i = gen_rib_next(&d->rib, fam, i + 1)) {
		if (!gen_universe_prefix(&c->uni, fam, i, &p))
			continue;
		gen_prefix_str(fam, &p, buf, sizeof(buf));
		if (c->opt->addpath)
			fprintf(c->truth, "%s\"%s#%" PRIu32 "\"", sep, buf, p.path_id);
		else
			fprintf(c->truth, "%s\"%s\"", sep, buf);
		sep = ",";
	}
	fputc(']', c->truth);
}

static void
put_pair(FILE *f, const char *name, const uint64_t v[2])
{
	fprintf(f, ",\"%s\":{\"ipv4\":%" PRIu64 ",\"ipv6\":%" PRIu64 "}", name, v[0], v[1]);
}

void
gen_truth_dir(struct gen_ctx *c, const struct gen_session *s, const struct gen_dir *d)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (c->truth == NULL)
		return;
	fprintf(c->truth,
		"{\"type\":\"direction\",\"pass\":%u,\"session\":%u,\"sender\":\"%s\","
		"\"receiver\":\"%s\",\"sender_as\":%u,\"sport\":%u,\"dport\":%u,"
		"\"connections\":%u",
		s->pass, s->idx, ip_str(s, d->src, a), ip_str(s, d->dst, b), d->src->asn,
		d->sport, d->dport, c->opt->resets + 1);
	put_pair(c->truth, "announced", d->rib.ann);
	put_pair(c->truth, "withdrawn", d->rib.wd);
	put_pair(c->truth, "final_count", d->rib.live);
	put_final(c, d, GEN_FAM_V4);
	put_final(c, d, GEN_FAM_V6);
	fputs("}\n", c->truth);
}
