#!/usr/bin/env python3
"""bmptapd managed through Redis: configuration live, state, telemetry.

    tests/integration/test_redis.py [CASE ...]     (root; CASE: 1, 2, ...)

Each case starts its own redis-server (no persistence, a unix socket in the
case's directory, no TCP port) and its own network namespace; bmptapd
reads `--redis unix:DIR/redis.sock`. The configuration is written the way
rcfg.h specifies (MULTI, the hashes, INCR NS:CONFIG_VERSION, EXEC, then
PUBLISH NS:CONFIG_CHANGED), by a small RESP client of this file, so the
schema itself is under test. Collectors are pmacct's pmbmpd and, where
exact message counts matter, a raw TCP sink (bmpsink.py).

  1  vendor examples: the Cisco and then the Huawei document's examples,
     as hashes, are applied; the state tables show their servers, and the
     Cisco servers' rows go when the Huawei configuration replaces them
  2  live changes while streaming: a server added, one's DSCP changed, one's
     address changed, one deactivated; untouched servers keep their TCP
     connection (one Initiation); DSCP checked on the wire
  3  an invalid change is refused whole: the error names key and field in
     BMP_GLOBAL_STATE|global, the old configuration keeps running
  4  Redis absent at start, then killed and restarted empty while traffic
     is replayed: export never stops, the configuration is kept, state is
     republished (redis_reconnects 1)
  5  two appliances, one Redis, two namespaces: each follows and publishes
     only its own; their telemetry sockets are bmptap-<namespace>
  6  state values: msgs_sent = BMP messages the station received; the
     lcores' bgp.update = the capture's UPDATEs (tshark); neighbor rows;
     telemetry /bmptap/servers, /bmptap/peers, /bmptap/lcores agree
  7  debug switches from BMP_DEBUG|switches and DEBUG_CHANGED, published in
     BMP_GLOBAL_STATE|global debug; SIGHUP re-reads Redis; with keyspace
     notifications enabled on the server, a raw HSET alone is followed

Environment: BMPTAP_BUILD, BMPTAPD, BMPTAP_KEEP=DIR. Exit 0 / 1 / 77.
"""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from bmptest import replay, tcptrace  # noqa: E402
from bmptest.bmptapd import ROOT, Bmptapd  # noqa: E402
from bmptest.capture import Capture  # noqa: E402
from bmptest.casekit import Runner, Topology, check  # noqa: E402
from bmptest.expect import connections, diff_routes, msg_types, station_routes, \
    wire_routes  # noqa: E402
from bmptest.netns import HERE as LIBDIR, stop_process, wait_for  # noqa: E402
from bmptest.pmbmpd import Pmbmpd  # noqa: E402
import bgpdecode  # noqa: E402

PCAP = os.path.join(ROOT, "tests", "data", "bird-frr-small.pcap")
_wire = {}


def wire():
    if not _wire:
        dec = bgpdecode.decode_bgp_capture(PCAP)
        _wire["routes"] = wire_routes(dec)
        _wire["updates"] = sum(1 for d in dec["directions"].values()
                               for m in d["messages"] if m["type"] == "UPDATE")
    return _wire


# --- Redis: a server per case, and a small RESP client ---------------------

class Resp:
    """Blocking RESP2 client on a unix socket: enough for tests."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(path)
        self.buf = b""

    def close(self):
        self.s.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError(f"bad RESP line {line!r}")

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def cmd(self, *args):
        self.send(*args)
        return self._reply()

    def hgetall(self, key):
        r = self.cmd("HGETALL", key) or []
        return dict(zip(r[0::2], r[1::2]))

    def keys(self, pattern):
        out, cur = [], "0"
        while True:
            cur, batch = self.cmd("SCAN", cur, "MATCH", pattern, "COUNT", 1000)
            out += batch
            if cur == "0":
                return sorted(set(out))


class Redis:
    def __init__(self, d, name="redis"):
        self.dir = os.path.join(d, name)
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, "redis.sock")
        self.url = f"unix:{self.sock}"
        self.proc = None

    def start(self):
        args = ["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
                "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning"]
        with open(os.path.join(self.dir, "redis.log"), "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for(self._up, 10, 0.02, "redis-server up")
        return self

    def _up(self):
        if self.proc.poll() is not None:
            raise RuntimeError("redis-server exited")
        try:
            c = Resp(self.sock)
            ok = c.cmd("PING") == "PONG"
            c.close()
            return ok
        except OSError:
            return False

    def kill(self):
        if self.proc is not None:
            stop_process(self.proc, signal.SIGKILL)
            self.proc = None
        if os.path.exists(self.sock):
            os.unlink(self.sock)

    def client(self):
        return Resp(self.sock)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


CONF_TABLES = ("BMP_GLOBAL", "BMP_SERVER", "BMP_NEIGHBOR")


def write_config(r, ns, hashes):
    """Replace NS's configuration, as rcfg.h says: one MULTI/EXEC with the
    stale keys deleted and the version bumped, then the change published.
    hashes: {"BMP_SERVER|1": {field: value}, ...}. Returns the version."""
    stale = [k for t in CONF_TABLES for k in r.keys(f"{ns}:{t}|*")]
    r.cmd("MULTI")
    for k in stale:
        r.cmd("DEL", k)
    for key, fields in hashes.items():
        args = [x for kv in fields.items() for x in kv]
        r.cmd("HSET", f"{ns}:{key}", *args)
    r.cmd("INCR", f"{ns}:CONFIG_VERSION")
    version = r.cmd("EXEC")[-1]
    r.cmd("PUBLISH", f"{ns}:CONFIG_CHANGED", version)
    return version


def gstate(r, ns):
    return r.hgetall(f"{ns}:BMP_GLOBAL_STATE|global")


def wait_state(r, ns, pred, what, timeout=10):
    """The global state row once pred holds for it."""
    def ok():
        g = gstate(r, ns)
        return g if g and pred(g) else None
    return wait_for(ok, timeout, 0.05, what)


def wait_applied(r, ns, version, timeout=10):
    return wait_state(r, ns, lambda g: g.get("config_version") == str(version)
                      and g.get("config_status") == "ok", f"version {version} applied",
                      timeout)


def server_rows(r, ns):
    p = f"{ns}:BMP_SERVER_STATE|"
    return sorted(int(k[len(p):]) for k in r.keys(p + "*"))


# The vendor documents' examples (configs/*-example.conf) in the schema.
CISCO_EXAMPLE = {
    "BMP_GLOBAL|global": {"router_as": "65000", "buffer_size_mb": "2048",
                          "initial_refresh_delay": "30", "activate_all": "true"},
    "BMP_SERVER|1": {"style": "cisco", "activate": "true", "address": "10.1.1.1",
                     "port": "8000", "description": "SERVER1", "initial_delay": "20",
                     "failure_retry_delay": "40", "flapping_delay": "120", "dscp": "3",
                     "stats_reporting_period": "30", "update_source": "Ethernet0/0"},
    "BMP_SERVER|2": {"style": "cisco", "activate": "true", "address": "20.1.1.1",
                     "port": "9000", "description": "SERVER2", "initial_delay": "20",
                     "failure_retry_delay": "40", "flapping_delay": "120", "dscp": "5",
                     "stats_reporting_period": "30", "update_source": "Ethernet2/0"},
    "BMP_NEIGHBOR|30.1.1.1": {"activate": "1 2"},
}
HUAWEI_EXAMPLE = {
    "BMP_SERVER|1001": {"style": "huawei", "address": "10.1.1.1", "port": "8000",
                        "stats_reporting_period": "30", "monitor_all": "true"},
    "BMP_SERVER|1002": {"style": "huawei", "address": "10.1.1.1", "alias": "backup",
                        "port": "8001"},
    "BMP_SERVER|1003": {"style": "huawei", "address": "2001:db8::10",
                        "vpn_instance": "mgmt vrf", "port": "1790"},
    "BMP_NEIGHBOR|30.1.1.1": {"activate": "1002 1003"},
    "BMP_NEIGHBOR|2001:db8::2001": {"activate": "1002"},
}


def server(sid, addr, port, **kw):
    f = {"style": "cisco", "activate": "true", "address": addr, "port": str(port)}
    f.update({k: str(v) for k, v in kw.items()})
    return {f"BMP_SERVER|{sid}": f}


def stations(*servers, activate_all=True):
    out = {"BMP_GLOBAL|global": {"activate_all": "true"}} if activate_all else {}
    for s in servers:
        out.update(s)
    return out


# --- bmptapd on Redis, namespaces, collectors --------------------------------

class RBmptapd(Bmptapd):
    """bmptapd with --redis (no --config); prefix=None: the EAL file prefix
    is bmptapd's own default for the namespace (bmptap-NS)."""

    def __init__(self, workdir, ns, url, namespace, prefix="", **kw):
        super().__init__(workdir, ns, "", **kw)
        args = [a for a in self.args if a != self.conf]
        args.remove("--config")
        args += ["--redis", url, "--namespace", namespace]
        if prefix is None:
            i = args.index("--file-prefix")
            del args[i:i + 2]
            args.remove("--")
            self.prefix = f"bmptap-{namespace}"
            self.runtime = os.path.join("/var/run/dpdk", self.prefix)
        self.args = args

    def telemetry(self, *cmds):
        return telemetry(os.path.join(self.runtime, "dpdk_telemetry.v2"), cmds)


def telemetry(path, cmds):
    """DPDK's telemetry protocol: SOCK_SEQPACKET, a greeting, one JSON per command."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(5)
        s.connect(path)
        json.loads(s.recv(16384))
        out = []
        for c in cmds:
            s.send(c.encode())
            out.append(json.loads(s.recv(1 << 20))[c.split(",")[0]])
        return out


def tap_netns(topo, name):
    """A namespace with a veth pair: frames sent on 'inj' reach 'tap'."""
    ns = topo.netns(name)
    ns.run(["ip", "link", "add", "inj", "mtu", "9000", "type", "veth", "peer", "name", "tap",
            "mtu", "9000"])
    for ifn in ("inj", "tap"):
        ns.run([sys.executable, os.path.join(LIBDIR, "offload.py"), ifn])
        ns.run(["sysctl", "-qw", f"net.ipv6.conf.{ifn}.disable_ipv6=1"], check=False)
        ns.run(["ip", "link", "set", ifn, "up"])
    return ns


def collector(ctx, d, ns, port, ip="127.0.0.1"):
    pm = Pmbmpd(d, port=port, ip=ip, ns=ns, name=f"pmbmpd-{ip}-{port}")
    ctx.logs.append(pm.log)
    pm.start()
    ns.topo.kill_fast(pm.proc)
    return pm


def sink(ctx, d, ns, listen, name):
    out = os.path.join(d, f"{name}.bmp")
    ready = os.path.join(d, f"{name}.ready")
    proc = ns.popen([sys.executable, os.path.join(LIBDIR, "bmpsink.py"), "--listen", listen,
                     "--out", out, "--ready", ready], log=os.path.join(d, f"{name}.log"))
    wait_for(lambda: os.path.exists(ready), 10, what=f"{name} listening")
    return out, proc


def bmp_messages(path):
    """BMP message types of a raw stream (common header: version 3, length, type)."""
    with open(path, "rb") as f:
        data = f.read()
    out, at = [], 0
    while at + 6 <= len(data):
        ver, length, typ = struct.unpack_from("!BIB", data, at)
        if ver != 3 or length < 6 or at + length > len(data):
            raise ValueError(f"{path}: bad BMP header at {at}")
        out.append(typ)
        at += length
    return out


def daemon(ctx, d, ns, redis, namespace, **kw):
    b = RBmptapd(d, ns, redis.url, namespace, **kw)
    ctx.logs.append(b.logfile)
    return b.start()


def types_of(pm):
    return msg_types(pm.events())


def conns(pm):
    """[(router port, [types])] per BMP connection."""
    return [(k[1], msg_types(v)) for k, v in connections(pm.events()).items()]


def stop_clean(b):
    rc = b.stop()
    check(rc == 0, f"bmptapd exited {rc} on SIGTERM (expected 0)")


def nsname(tag):
    return f"t{os.getpid()}{tag}"


# --- cases -------------------------------------------------------------------

def case_vendor_examples(ctx, d):
    ns = nsname("v")
    with Redis(d) as redis, Topology(tag="v") as topo:
        r = redis.client()
        b = daemon(ctx, d, topo.netns("t"), redis, ns, pcap=PCAP)
        v1 = write_config(r, ns, CISCO_EXAMPLE)
        g = wait_applied(r, ns, v1)
        wait_for(lambda: server_rows(r, ns) == [1, 2], 5, 0.05, "server rows 1 and 2")
        s1 = r.hgetall(f"{ns}:BMP_SERVER_STATE|1")
        check(g["servers_configured"] == "2" and g["neighbors_configured"] == "1",
              f"Cisco example: global state {g}")
        check(g["config_source"] == "redis", f"config_source {g['config_source']}")
        b.wait_log(r"configuration: bmp server 2 added", timeout=5)
        v2 = write_config(r, ns, HUAWEI_EXAMPLE)
        g = wait_applied(r, ns, v2)
        wait_for(lambda: server_rows(r, ns) == [1001, 1002, 1003], 5, 0.05,
                 "rows 1001-1003 and no more 1, 2")
        hw = {i: r.hgetall(f"{ns}:BMP_SERVER_STATE|{i}") for i in (1001, 1002, 1003)}
        b.wait_log(r"configuration: bmp server 1 removed", timeout=5)
        stop_clean(b)
        r.close()
    check(g["servers_configured"] == "3" and g["neighbors_configured"] == "2",
          f"Huawei example: global state {g}")
    # the stations of the documents are not reachable here: each row says why
    check(s1["status"] in ("Initial-delay", "Connecting", "Retry-wait"),
          f"server 1 status {s1['status']}")
    for i, row in hw.items():
        check(row["status"] in ("Connecting", "Retry-wait"), f"server {i}: {row}")
    check("mgmt vrf" in hw[1003]["last_error"] or hw[1003]["attempts"] != "0",
          f"1003 (vpn-instance 'mgmt vrf', no such VRF here): {hw[1003]}")
    return (f"Cisco example (version {v1}): rows 1, 2; Huawei (version {v2}): rows "
            f"1001-1003, 1 and 2 deleted; 1003: {hw[1003]['last_error']!r}")


def live_setup(ctx, d, topo, redis, ns, conf):
    nsp = tap_netns(topo, "t")
    cap = Capture(nsp, "lo", os.path.join(d, "lo.pcap"), probe_dst="127.0.0.1",
                  log=os.path.join(d, "dumpcap.log"))
    cap.start()
    r = redis.client()
    v = write_config(r, ns, conf)
    return nsp, cap, r, v


def case_live_changes(ctx, d):
    ns = nsname("l")
    P1, P2, P3, P4 = 11981, 11982, 11983, 11984
    with Redis(d) as redis, Topology(tag="l") as topo:
        base = [server(1, "127.0.0.1", P1, dscp=5), server(2, "127.0.0.1", P2, dscp=10)]
        nsp, cap, r, v = live_setup(ctx, d, topo, redis, ns, stations(*base))
        pms = {p: collector(ctx, d, nsp, p, ip) for ip, p in
               (("127.0.0.1", P1), ("127.0.0.1", P2), ("127.0.0.2", P3),
                ("127.0.0.3", P4))}
        b = daemon(ctx, d, nsp, redis, ns, iface="tap")
        b.wait_log(r"up, invoke refresh event|connected; namespace", timeout=10)
        for p in (P1, P2):
            wait_for(lambda p=p: "init" in types_of(pms[p]), 10, 0.05, f"{p}: Initiation")
        time.sleep(0.3)
        replay.replay(nsp, "inj", PCAP, first=0, count=90)
        # A: server 3 added; server 2's DSCP 10 -> 46
        conf = stations(*base, server(3, "127.0.0.2", P3))
        conf["BMP_SERVER|2"]["dscp"] = "46"
        va = write_config(r, ns, conf)
        wait_applied(r, ns, va)
        wait_for(lambda: "init" in types_of(pms[P3]), 10, 0.05, "server 3 Initiation")
        wait_for(lambda: len(conns(pms[P2])) == 2, 10, 0.05, "server 2 reconnected")
        # B: server 3's address changes; server 2 deactivated
        conf["BMP_SERVER|3"]["address"] = "127.0.0.3"
        conf["BMP_SERVER|3"]["port"] = str(P4)
        conf["BMP_SERVER|2"]["activate"] = "false"
        vb = write_config(r, ns, conf)
        wait_applied(r, ns, vb)
        wait_for(lambda: "init" in types_of(pms[P4]), 10, 0.05, "server 3 at its new address")
        wait_for(lambda: types_of(pms[P2])[-1:] == ["term"], 10, 0.05, "server 2 Termination")
        time.sleep(0.3)
        replay.replay(nsp, "inj", PCAP, first=90)
        pms[P1].wait_quiet(1.0, timeout=30)
        st2 = r.hgetall(f"{ns}:BMP_SERVER_STATE|2")
        c = {p: conns(pm) for p, pm in pms.items()}
        stop_clean(b)
        cap.stop()
        r.close()
    check(len(c[P1]) == 1 and c[P1][0][1].count("init") == 1,
          f"server 1 (untouched): {[(p, t[:3], len(t)) for p, t in c[P1]]}, expected one "
          "connection, one Initiation")
    got = station_routes(pms[P1].events())
    dif = diff_routes(wire()["routes"], got)
    check(not dif, f"server 1 missed routes across the changes: {dif}")
    check(len(c[P2]) == 2 and c[P2][0][1][-1:] == ["term"] and c[P2][1][1][:1] == ["init"]
          and c[P2][1][1][-1:] == ["term"], f"server 2: {[(p, t[:2], t[-1:]) for p, t in c[P2]]}")
    check(st2.get("status") == "Idle", f"server 2 state after deactivation: {st2}")
    check(len(c[P3]) == 1 and c[P3][0][1][-1:] == ["term"] and len(c[P4]) == 1,
          f"server 3: {c[P3]!r:.200} then {c[P4]!r:.200}")
    pkts = tcptrace.packets(cap.path)
    k1 = tcptrace.connections(pkts, P1)
    k2 = tcptrace.connections(pkts, P2)
    check(len(k1) == 1, f"server 1: {len(k1)} TCP connections on the wire")
    check({p["dscp"] for p in k1[0]["out"]} == {5}, "server 1: DSCP not 5 throughout")
    check(len(k2) == 2, f"server 2: {len(k2)} TCP connections on the wire")
    for conn, want in zip(k2, (10, 46)):
        bad = {p["dscp"] for p in conn["out"]} - {want}
        check(not bad, f"server 2 port {conn['sport']}: DSCP {bad}, expected {want}")
    return (f"versions {v}, {va}, {vb}: server 1 one connection, all "
            f"{sum(got.values())} routes; server 2 DSCP 10 -> 46 (reconnected), then "
            f"deactivated (Termination, Idle); server 3 added then moved {P3} -> {P4}")


def case_invalid(ctx, d):
    ns = nsname("i")
    P1 = 11985
    with Redis(d) as redis, Topology(tag="i") as topo:
        conf = stations(server(1, "127.0.0.1", P1, dscp=5))
        nsp, cap, r, v = live_setup(ctx, d, topo, redis, ns, conf)
        pm = collector(ctx, d, nsp, P1)
        b = daemon(ctx, d, nsp, redis, ns, iface="tap")
        wait_for(lambda: "init" in types_of(pm), 10, 0.05, "Initiation")
        wait_applied(r, ns, v)
        # a change of two servers, one of them invalid: refused whole
        bad = stations(server(1, "127.0.0.1", P1, dscp=64), server(2, "127.0.0.1", P1 + 1))
        vbad = write_config(r, ns, bad)
        g = wait_state(r, ns, lambda g: g.get("config_status") == "refused", "refused")
        err = b.wait_log(r"refused", timeout=5)
        time.sleep(1.2)
        rows = server_rows(r, ns)
        replay.replay(nsp, "inj", PCAP)
        pm.wait_quiet(1.0, timeout=30)
        g2 = gstate(r, ns)
        # fixed: applied, error gone
        vok = write_config(r, ns, stations(server(1, "127.0.0.1", P1, dscp=5)))
        g3 = wait_applied(r, ns, vok)
        c = conns(pm)
        alive = b.alive()
        stop_clean(b)
        cap.stop()
        r.close()
    want = f"{ns}:BMP_SERVER|1 dscp '64': out of range 0-63"
    check(g["config_error"] == want, f"config_error {g['config_error']!r}, expected {want!r}")
    check(g["config_version"] == str(v) and g["config_seen_version"] == str(vbad),
          f"versions: applied {g['config_version']} (want {v}), seen "
          f"{g['config_seen_version']} (want {vbad})")
    check(want in err[0], f"log: {err[0]!r}")
    check(alive and rows == [1], f"server rows {rows} (server 2 must not exist)")
    check(len(c) == 1 and c[0][1].count("init") == 1, f"connections {c!r:.300}")
    dif = diff_routes(wire()["routes"], station_routes(pm.events()))
    check(not dif, f"the old configuration stopped exporting: {dif}")
    check(g2["config_status"] == "refused", "the refusal was forgotten")
    check(g3["config_error"] == "", f"error kept after a good change: {g3['config_error']}")
    pkts = tcptrace.packets(cap.path)
    k = tcptrace.connections(pkts, P1)
    check(len(k) == 1 and {p["dscp"] for p in k[0]["out"]} == {5},
          "server 1's connection changed")
    return f"refused: {g['config_error']!r}; version {v} kept running, full stream"


def case_restart(ctx, d):
    ns = nsname("r")
    P1 = 11986
    redis = Redis(d)
    try:
        with Topology(tag="r") as topo:
            nsp = tap_netns(topo, "t")
            pm = collector(ctx, d, nsp, P1)
            # Redis absent: bmptapd starts, no station, capture runs
            b = daemon(ctx, d, nsp, redis, ns, iface="tap")
            b.wait_log(r"starting with no station, capture runs", timeout=5)
            check(b.alive(), "bmptapd exited without Redis")
            redis.start()
            r = redis.client()
            v = write_config(r, ns, stations(server(1, "127.0.0.1", P1)))
            wait_for(lambda: "init" in types_of(pm), 15, 0.05, "Initiation once Redis is up")
            wait_applied(r, ns, v)
            time.sleep(0.3)
            # live traffic for ~7 s; Redis killed for 2.5 s in the middle
            t = threading.Thread(target=replay.replay, args=(nsp, "inj", PCAP),
                                 kwargs={"pace_us": 40000})
            t.start()
            time.sleep(1.5)
            r.close()
            redis.kill()
            n_kill = len(pm.events())
            time.sleep(2.5)
            n_back = len(pm.events())
            redis.start()        # empty: no configuration, no state
            r = redis.client()
            g = wait_state(r, ns, lambda g: g.get("redis_reconnects") == "1", "state "
                           "republished after the restart", timeout=10)
            row = r.hgetall(f"{ns}:BMP_SERVER_STATE|1")
            t.join()
            pm.wait_quiet(1.0, timeout=30)
            kept = b.lines(r"no configuration.*keeping")
            c = conns(pm)
            stop_clean(b)
            r.close()
    finally:
        redis.kill()
    check(n_back > n_kill, f"export stopped while Redis was down ({n_kill} -> {n_back} "
          "messages)")
    check(len(c) == 1 and c[0][1].count("init") == 1, f"connections {c!r:.300}")
    dif = diff_routes(wire()["routes"], station_routes(pm.events()))
    check(not dif, f"routes lost across the Redis restart: {dif}")
    check(g["config_version"] == str(v), f"config_version after restart {g}")
    check(row.get("status") == "Up", f"server 1 state after the restart: {row}")
    check(kept, "no log line says the running configuration was kept")
    return (f"{n_back - n_kill} messages exported while Redis was down; version {v} kept; "
            f"state republished (redis_reconnects 1)")


def case_two_namespaces(ctx, d):
    na, nb = nsname("a"), nsname("b")
    PA, PB = 11987, 11988
    with Redis(d) as redis, Topology(tag="n") as topo:
        nsp = topo.netns("t")
        pa, pb = collector(ctx, d, nsp, PA), collector(ctx, d, nsp, PB)
        r = redis.client()
        va = write_config(r, na, stations(server(1, "127.0.0.1", PA)))
        vb = write_config(r, nb, stations(server(7, "127.0.0.1", PB)))
        ba = daemon(ctx, d, nsp, redis, na, pcap=PCAP, prefix=None, name="bmptapd-a")
        bb = daemon(ctx, d, nsp, redis, nb, pcap=PCAP, prefix=None, name="bmptapd-b")
        wait_for(lambda: "init" in types_of(pa) and "init" in types_of(pb), 10, 0.05,
                 "both Initiations")
        wait_applied(r, na, va)
        wait_applied(r, nb, vb)
        rows = (server_rows(r, na), server_rows(r, nb))
        # a change in a's namespace: only a follows
        va2 = write_config(r, na, stations(server(1, "127.0.0.1", PA),
                                           server(2, "127.0.0.1", PA + 10, activate="false")))
        wait_applied(r, na, va2)
        time.sleep(0.5)
        rows2 = (server_rows(r, na), server_rows(r, nb))
        ga, gb = gstate(r, na), gstate(r, nb)
        tel = (ba.telemetry("/bmptap/servers")[0], bb.telemetry("/bmptap/servers")[0])
        la, lb = ba.lines(r"configuration: bmp server"), bb.lines(r"configuration: bmp server")
        sa, sb = [ba.runtime, bb.runtime]
        stop_clean(ba)
        stop_clean(bb)
        r.close()
    check(rows == ([1], [7]), f"state rows per namespace {rows}, expected ([1], [7])")
    check(rows2 == ([1, 2], [7]), f"after a's change {rows2}")
    check(ga["config_version"] == str(va2) and gb["config_version"] == str(vb),
          f"versions a {ga['config_version']} b {gb['config_version']}")
    check(any("server 2 added" in ln for ln in la) and not any("server 2" in ln for ln in lb),
          f"a: {la}; b: {lb}")
    check(sorted(tel[0]) == ["1", "2"] and sorted(tel[1]) == ["7"],
          f"telemetry servers a {sorted(tel[0])}, b {sorted(tel[1])}")
    check(sa.endswith(f"bmptap-{na}") and sb.endswith(f"bmptap-{nb}"), f"{sa} {sb}")
    for pm, label in ((pa, "a"), (pb, "b")):
        c = conns(pm)
        check(len(c) == 1, f"collector {label}: {len(c)} connections")
    return (f"namespaces {na} (servers 1, 2) and {nb} (server 7) apart; telemetry on "
            f"bmptap-{na} and bmptap-{nb}")


def case_state_values(ctx, d):
    ns = nsname("s")
    P1 = 11989
    with Redis(d) as redis, Topology(tag="s") as topo:
        nsp = tap_netns(topo, "t")
        r = redis.client()
        v = write_config(r, ns, stations(server(1, "127.0.0.1", P1)))
        out, proc = sink(ctx, d, nsp, f"127.0.0.1:{P1}", "sink")
        b = daemon(ctx, d, nsp, redis, ns, iface="tap", debug="server")
        b.wait_log(r"up, invoke refresh event", timeout=10)
        wait_applied(r, ns, v)
        time.sleep(0.3)
        replay.replay(nsp, "inj", PCAP)

        def settled():
            s = r.hgetall(f"{ns}:BMP_SERVER_STATE|1")
            n = len(bmp_messages(out))
            return (s, n) if s.get("msgs_sent") == str(n) and n > 60 \
                and s.get("bytes_queued") == "0" else None
        time.sleep(1.0)
        srv, nmsg = wait_for(settled, 10, 0.2, "msgs_sent = messages received")
        lc = {k: r.hgetall(k) for k in r.keys(f"{ns}:COUNTERS|lcore*")}
        enc = r.hgetall(f"{ns}:COUNTERS|encoder")
        nb = {k: r.hgetall(k) for k in r.keys(f"{ns}:BMP_NEIGHBOR_STATE|*")}
        g = gstate(r, ns)
        tel_s, tel_p, tel_l = b.telemetry("/bmptap/servers,1", "/bmptap/peers",
                                          "/bmptap/lcores")
        stop_clean(b)
        stop_process(proc)
        r.close()
    types = bmp_messages(out)
    updates = sum(int(c.get("bgp.update", 0)) for c in lc.values())
    check(updates == wire()["updates"], f"lcores' bgp.update {updates}, capture "
          f"{wire()['updates']} UPDATEs (tshark)")
    rm = types.count(0)
    check(enc.get("bmp.route_monitoring") == str(rm), f"encoder bmp.route_monitoring "
          f"{enc.get('bmp.route_monitoring')}, station received {rm} Route Monitoring")
    check(srv["status"] == "Up" and srv["connects"] == "1" and srv["local"].startswith(
          "127.0.0.1/"), f"server row {srv}")
    check(int(g["neighbors_up"]) == len(nb) and len(nb) > 0, f"neighbors_up "
          f"{g['neighbors_up']}, {len(nb)} rows")
    for k, row in nb.items():
        check(row["act_servers"] == "1" and row["cfg_servers"] == "1",
              f"{k}: {row}")
        check(row["priq"] == "0" and "msgq" not in row, f"{k}: {row}")
    check(int(g["buffer_limit_bytes"]) == 256 << 20, f"buffer limit {g['buffer_limit_bytes']}")
    check(tel_s["msgs_sent"] == nmsg and tel_s["status"] == "Up", f"telemetry server {tel_s}")
    check(tel_p["total"] == len(nb), f"telemetry peers total {tel_p['total']}, rows {len(nb)}")
    tel_lc = {k: dict(x.split("=", 1) for x in v) for k, v in tel_l.items()}
    tel_updates = sum(int(c["bgp.update"]) for c in tel_lc.values())
    check(sorted(tel_lc) == sorted(k.rsplit("|", 1)[1] for k in lc),
          f"telemetry lcores {sorted(tel_lc)}, Redis {sorted(lc)}")
    check(tel_updates == updates, f"telemetry lcores bgp.update {tel_updates}")
    return (f"msgs_sent {nmsg} = station count; bgp.update {updates} = capture; "
            f"{len(nb)} neighbor rows; telemetry agrees")


def case_debug(ctx, d):
    ns = nsname("g")
    with Redis(d) as redis, Topology(tag="g") as topo:
        nsp = topo.netns("t")
        r = redis.client()
        v = write_config(r, ns, stations(server(1, "127.0.0.1", 11990,
                                                failure_retry_delay=1)))
        b = daemon(ctx, d, nsp, redis, ns, pcap=PCAP, debug="neighbor")
        g0 = wait_applied(r, ns, v)
        r.cmd("HSET", f"{ns}:BMP_DEBUG|switches", "event", "on", "server", "on",
              "neighbor", "off")
        r.cmd("PUBLISH", f"{ns}:DEBUG_CHANGED", "1")
        g1 = wait_state(r, ns, lambda g: g.get("debug") == "event,server", "debug published")
        b.wait_log(r"BGPBMP: BMP server connection attempt timer expired", timeout=40)
        r.cmd("DEL", f"{ns}:BMP_DEBUG|switches")
        r.cmd("PUBLISH", f"{ns}:DEBUG_CHANGED", "1")
        g2 = wait_state(r, ns, lambda g: g.get("debug") == "neighbor", "back to --debug")
        # SIGHUP: read Redis again; a raw edit without publish is then seen
        r.cmd("HSET", f"{ns}:BMP_SERVER|1", "description", "raw edit")
        b.signal(signal.SIGHUP)
        b.wait_log(r"SIGHUP: reading the configuration from Redis again", timeout=5)
        b.wait_log(r"configuration: bmp server 1 changed$", timeout=5)
        # keyspace notifications (this private server may enable them): a raw
        # edit without publish is seen too
        r.cmd("CONFIG", "SET", "notify-keyspace-events", "Khg")
        r.cmd("HSET", f"{ns}:BMP_SERVER|1", "description", "keyspace edit")
        b.wait_log(r"configuration: bmp server 1 changed$", timeout=5, count=2)
        stop_clean(b)
        r.close()
    check(g0["debug"] == "neighbor", f"--debug neighbor published as {g0['debug']!r}")
    return (f"debug {g0['debug']} -> {g1['debug']} -> {g2['debug']}; SIGHUP re-read Redis; "
            "a raw HSET seen through keyspace notifications")


CASES = [
    ("1 vendor-examples", case_vendor_examples),
    ("2 live-changes", case_live_changes),
    ("3 invalid", case_invalid),
    ("4 redis-restart", case_restart),
    ("5 two-namespaces", case_two_namespaces),
    ("6 state-values", case_state_values),
    ("7 debug", case_debug),
]


def main():
    if os.geteuid() == 0 and not shutil.which("redis-server"):
        print("SKIP: redis-server not installed (scripts/install-deps)")
        return 77
    return Runner("test_redis", CASES, tools=("tshark", "dumpcap", "pmbmpd", "ip",
                                               "redis-server")).run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
