/* SPDX-License-Identifier: BSD-3-Clause */
/* A station's TCP connection: every knob is set before the SYN leaves. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "station_priv.h"

static socklen_t
make_sockaddr(const struct cfg_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->b, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	memcpy(&in6->sin6_addr, a->b, 16);
	return sizeof(*in6);
}

/* DSCP in the upper six bits of the TOS / traffic class, SYN included. */
static int
set_dscp(int fd, int family, int dscp, char *err, size_t errlen)
{
	int tos = dscp << 2;
	int rc = family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos))
				   : setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "set ip dscp %d: %s", dscp, strerror(errno));
	return -1;
}

static int
bind_vrf(int fd, const char *vrf, char *err, size_t errlen)
{
	if (if_nametoindex(vrf) == 0) {
		snprintf(err, errlen, "vpn-instance %s: no such VRF device", vrf);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vrf, (socklen_t)strlen(vrf) + 1) == 0)
		return 0;
	snprintf(err, errlen, "vpn-instance %s: %s", vrf, strerror(errno));
	return -1;
}

static bool
usable_source(const struct ifaddrs *ifa, const char *name, int family)
{
	if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != family || strcmp(ifa->ifa_name, name))
		return false;
	if (family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		return !IN6_IS_ADDR_LINKLOCAL(a);
	}
	return true;
}

/* Bind to update-source's address of the station's family. */
static int
bind_source(int fd, int family, const char *ifname, char *err, size_t errlen)
{
	struct ifaddrs *all, *ifa;
	if (if_nametoindex(ifname) == 0) {
		snprintf(err, errlen, "update-source %s: no such interface", ifname);
		return -1;
	}
	if (getifaddrs(&all) != 0) {
		snprintf(err, errlen, "update-source %s: %s", ifname, strerror(errno));
		return -1;
	}
	for (ifa = all; ifa && !usable_source(ifa, ifname, family); ifa = ifa->ifa_next)
		;
	int rc = -1;
	if (!ifa)
		snprintf(err, errlen, "update-source %s: no %s address", ifname,
			 family == AF_INET ? "IPv4" : "non-link-local IPv6");
	else if (bind(fd, ifa->ifa_addr, family == AF_INET ? sizeof(struct sockaddr_in)
							    : sizeof(struct sockaddr_in6)) != 0)
		snprintf(err, errlen, "update-source %s: bind: %s", ifname, strerror(errno));
	else
		rc = 0;
	freeifaddrs(all);
	return rc;
}

static void
set_keepalive(int fd)
{
	int on = 1, idle = STATION_KEEPALIVE_S, intvl = STATION_KEEPALIVE_S, cnt = 4;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	/* small messages (a lone UPDATE) should not wait for Nagle */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static int
socket_setup(const struct station *s, int fd, int family, char *err, size_t errlen)
{
	const struct cfg_server *c = &s->cfg;
	if (c->dscp >= 0 && set_dscp(fd, family, c->dscp, err, errlen) != 0)
		return -1;
	if (c->vpn[0] && bind_vrf(fd, c->vpn, err, errlen) != 0)
		return -1;
	if (c->update_source[0] && bind_source(fd, family, c->update_source, err, errlen) != 0)
		return -1;
	set_keepalive(fd);
	return 0;
}

int
station_open(struct station *s, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t salen = make_sockaddr(&s->cfg.addr, s->cfg.port, &sa);
	int family = sa.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (socket_setup(s, fd, family, err, errlen) != 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, salen) != 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto fail;
	}
	if (evloop_add_fd(s->ss->p.el, fd, EPOLLOUT, station_on_connect, s) != 0) {
		snprintf(err, errlen, "event loop: too many descriptors");
		goto fail;
	}
	s->fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

void
station_close_fd(struct station *s)
{
	if (s->fd < 0)
		return;
	evloop_del_fd(s->ss->p.el, s->fd);
	close(s->fd);
	s->fd = -1;
}

static void
describe_local(struct station *s)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char ip[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	if (getsockname(s->fd, (struct sockaddr *)&sa, &len) != 0)
		return;
	if (sa.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
	}
	snprintf(s->local, sizeof(s->local), "%s/%u", ip, port);
}

void
station_on_connect(struct evloop *el, int fd, uint32_t events, void *arg)
{
	(void)el;
	(void)events;
	struct station *s = arg;
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr == EINPROGRESS || soerr == EALREADY)
		return;
	char why[96];
	if (soerr != 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(soerr));
		station_lost(s, evloop_now_ms(), why);
		return;
	}
	describe_local(s);
	station_connected(s, evloop_now_ms());
}

/* A station sends nothing in BMP: read and drop, and notice the close. */
void
station_on_read(struct evloop *el, int fd, uint32_t events, void *arg)
{
	(void)el;
	(void)events;
	struct station *s = arg;
	uint8_t buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		char why[96];
		snprintf(why, sizeof(why), "%s", n == 0 ? "closed by the station"
							: strerror(errno));
		station_lost(s, evloop_now_ms(), why);
		return;
	}
}
