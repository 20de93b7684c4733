/* SPDX-License-Identifier: BSD-3-Clause */
#include "pcapw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCAP_BUF (4u << 20)
#define PCAP_MAGIC_US 0xa1b2c3d4u

static void
store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
flush_buf(struct gen_pcap *w)
{
	size_t off = 0;

	while (off < w->len && w->err == 0) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	w->len = 0;
}

static uint8_t *
reserve(struct gen_pcap *w, size_t n)
{
	if (w->cap - w->len < n)
		flush_buf(w);
	uint8_t *p = w->buf + w->len;
	w->len += n;
	w->bytes += n;
	return p;
}

int
gen_pcap_open(struct gen_pcap *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->buf = malloc(PCAP_BUF);
	if (w->buf == NULL)
		return -ENOMEM;
	w->cap = PCAP_BUF;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int e = -errno;
		free(w->buf);
		w->buf = NULL;
		return e;
	}
	uint8_t *h = reserve(w, 24);
	store_le32(h, PCAP_MAGIC_US);
	store_le16(h + 4, 2);
	store_le16(h + 6, 4);
	store_le32(h + 8, 0);            /* thiszone */
	store_le32(h + 12, 0);           /* sigfigs */
	store_le32(h + 16, GEN_PCAP_SNAPLEN);
	store_le32(h + 20, 1);           /* LINKTYPE_ETHERNET */
	return 0;
}

void
gen_pcap_write(struct gen_pcap *w, uint64_t ts_us, const uint8_t *frame, size_t len)
{
	if (len > GEN_PCAP_SNAPLEN || len + 16 > w->cap) {
		w->err = w->err ? w->err : -EMSGSIZE;
		return;
	}
	uint8_t *p = reserve(w, 16 + len);
	store_le32(p, (uint32_t)(ts_us / 1000000u));
	store_le32(p + 4, (uint32_t)(ts_us % 1000000u));
	store_le32(p + 8, (uint32_t)len);
	store_le32(p + 12, (uint32_t)len);
	memcpy(p + 16, frame, len);
	w->frames++;
}

int
gen_pcap_close(struct gen_pcap *w)
{
	if (w->buf == NULL)
		return w->err;
	flush_buf(w);
	if (close(w->fd) != 0 && w->err == 0)
		w->err = -errno;
	free(w->buf);
	w->buf = NULL;
	return w->err;
}
