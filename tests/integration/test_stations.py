#!/usr/bin/env python3
"""bmptapd and its BMP stations (collectors): connections, knobs, signals.

    tests/integration/test_stations.py [CASE ...]     (root; CASE: 1, 2, 5a, ...)

Every case runs in network namespaces of its own (bmptapd, pmacct's pmbmpd
as the station, dumpcap on the namespace's lo), so nothing of the host is
touched. Traffic comes either from the shipped capture (--pcap, consumed at
start: stations see Peer Ups of the established peers) or, when routes are
checked, from the same capture replayed on a veth that bmptapd reads with
--iface (af_packet) once the station is connected. tshark is the oracle:
its decode of the capture gives the routes each station must have logged,
and its dissection of lo gives DSCP, SYN times and ports.

  1   routes: pmbmpd logs exactly the capture's prefixes, per peer
  2   dscp: four stations (DSCP 5, 46, 34 over IPv6, unset) at once; every
      packet bmptapd sends on each connection, SYN and FIN included
  3   retry: station down at start: first SYN >= initial-delay, retries
      every failure-retry-delay, connected at the retry after it listens
  4   restart: station killed mid-stream; reconnect after
      failure-retry-delay with Initiation then the established peers' Peer Ups
  5a  same address, two ports (Cisco): both stations get the full stream
  5b  the same with Huawei bmp-session aliases
  5c  (extra) neighbor X bmp-activate server N: each station gets exactly
      the routes and Peer Ups of the peers activated towards it
  6   IPv6 station (::1): full stream
  7a  update-source: the station sees the connection from that interface
  7b  bad update-source (no address of the family, no such interface):
      clear error, retried, no crash, other stations unaffected
  7c  vpn-instance (Cisco, and Huawei bmp-session vpn-instance): station
      reachable only through the VRF; connected; without it: unreachable
  8a  SIGHUP: server 2's DSCP changed: server 1 keeps its connection,
      server 2 reconnects (Termination first) with the new DSCP
  8b  SIGHUP with an invalid file: refused, line named, both connections kept
  9   debug lines of cases 3 and 4 with --debug server, none without it

Environment: BMPTAP_BUILD (build directory, default build), BMPTAPD (the
binary), BMPTAP_KEEP=DIR (keep every file). Exit 0 / 1 / 77 (not root).
"""

import collections
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from bmptest import replay, tcptrace  # noqa: E402
from bmptest.bmptapd import ROOT, Bmptapd  # noqa: E402
from bmptest.capture import Capture  # noqa: E402
from bmptest.casekit import Runner, Topology, check, cisco, huawei, near  # noqa: E402
from bmptest.expect import (connections, diff_routes, msg_types, peer_ups,  # noqa: E402
                            station_routes, wire_directions, wire_routes)
from bmptest.netns import HERE as LIBDIR, wait_for  # noqa: E402
from bmptest.pmbmpd import Pmbmpd  # noqa: E402
import bgpdecode  # noqa: E402
import compare  # noqa: E402

PCAP = os.path.join(ROOT, "tests", "data", "bird-frr-small.pcap")
TOL = 0.5                   # timing tolerance, seconds
_wire = {}


def wire():
    """tshark's decode of the shipped capture (once)."""
    if not _wire:
        _wire["dec"] = bgpdecode.decode_bgp_capture(PCAP)
        _wire["routes"] = wire_routes(_wire["dec"])
        _wire["dirs"] = wire_directions(_wire["dec"])
    return _wire


def established_peers(dec):
    """Peer Ups a station connecting after the capture must get, as
    (peer_ip, local_ip, local_port, remote_port), in the order the sessions
    came up: by the frame of each sender's first KEEPALIVE or UPDATE of its
    last TCP connection (what confirmed it Established)."""
    out = []
    for key, d in dec["directions"].items():
        last = compare.wire_sessions(dec, key)[-1]
        if last["end"] is not None or not (last["open"] and last["peer_open"]):
            continue
        up = min(m["frame"] for m in d["messages"] if m["stream"] == last["stream"]
                 and m["type"] in ("KEEPALIVE", "UPDATE"))
        sport, dport = last["ports"]
        out.append((up, (d["sender"], d["receiver"], dport, sport)))
    return [p for _, p in sorted(out)]


def msg_of(line):
    """A log line without its time and 'bmptapd: level: ' prefix."""
    return re.sub(r"^\*[^:]*:\d\d:\d\d\.\d+: (bmptapd: \w+: )?", "", line)


def up_tuple(e):
    return (e["peer_ip"], e["local_ip"], e["local_port"], e["remote_port"])


# --- building blocks --------------------------------------------------------

def tap_netns(topo, name):
    """A namespace with a veth pair inside: frames sent on 'inj' reach 'tap'."""
    ns = topo.netns(name)
    ns.run(["ip", "link", "add", "inj", "mtu", "9000", "type", "veth", "peer", "name", "tap",
            "mtu", "9000"])
    for ifn in ("inj", "tap"):
        ns.run([sys.executable, os.path.join(LIBDIR, "offload.py"), ifn])
        ns.run(["sysctl", "-qw", f"net.ipv6.conf.{ifn}.disable_ipv6=1"], check=False)
        ns.run(["ip", "link", "set", ifn, "up"])
    return ns


def lo_capture(ns, d):
    cap = Capture(ns, "lo", os.path.join(d, "lo.pcap"), probe_dst="127.0.0.1",
                  log=os.path.join(d, "dumpcap.log"))
    cap.start()
    return cap


def collector(ctx, d, ns, port, ip="127.0.0.1", name=None):
    pm = Pmbmpd(d, port=port, ip=ip, ns=ns, name=name or f"pmbmpd-{port}")
    ctx.logs.append(pm.log)
    pm.start()
    ns.topo.kill_fast(pm.proc)
    return pm


def daemon(ctx, d, ns, conf, **kw):
    b = Bmptapd(d, ns, conf, **kw)
    ctx.logs.append(b.logfile)
    return b.start()


def types_of(pm):
    return msg_types(pm.events())


def wait_types(pm, pred, what, timeout=10):
    return wait_for(lambda: pred(types_of(pm)), timeout, 0.05, f"{pm.dir}: {what}")


def sink(ctx, d, ns, listen, name):
    """bmpsink.py: records whatever connects (used where nothing should)."""
    out = os.path.join(d, f"{name}.bmp")
    ready = os.path.join(d, f"{name}.ready")
    ns.popen([sys.executable, os.path.join(LIBDIR, "bmpsink.py"), "--listen", listen,
              "--out", out, "--ready", ready], log=os.path.join(d, f"{name}.log"))
    wait_for(lambda: os.path.exists(ready), 10, what=f"{name} listening")
    return out


def stop_clean(b):
    rc = b.stop()
    check(rc == 0, f"bmptapd exited {rc} on SIGTERM (expected 0)")


def check_full_stream(pm, label, senders=None):
    """pmbmpd's log = Initiation, the capture's routes exactly (of these
    senders, default all), their Peer Ups, Termination."""
    ev = pm.events()
    types = msg_types(ev)
    w = wire()
    want = collections.Counter({k: v for k, v in w["routes"].items()
                                if senders is None or k[0] in senders})
    dirs = {dd for dd in w["dirs"] if senders is None or dd[0] in senders}
    check(types[:1] == ["init"], f"{label}: first message {types[:1]}, expected init")
    check(types[-1:] == ["term"], f"{label}: last message {types[-1:]}, expected term")
    check(len(connections(ev)) == 1, f"{label}: {len(connections(ev))} connections, expected 1")
    got = station_routes(ev)
    d = diff_routes(want, got)
    check(not d, f"{label}: routes differ from the capture: {d}")
    ups = {(e["peer_ip"], e["local_ip"]) for e in peer_ups(ev)}
    check(ups == dirs, f"{label}: Peer Ups for {sorted(ups)}, expected {sorted(dirs)}")
    return sum(got.values()), len(ups)


def replay_run(ctx, d, conf, stations, label, senders=None):
    """Stations listening, bmptapd --iface up and connected to all of them,
    then the capture replayed: every station must log the full stream."""
    with Topology(tag="r") as topo:
        ns = tap_netns(topo, "t")
        pms = [collector(ctx, d, ns, port, ip) for ip, port in stations]
        b = daemon(ctx, d, ns, conf, iface="tap", debug="server")
        for pm in pms:
            wait_types(pm, lambda t: "init" in t, "Initiation")
        b.wait_log(r"up, invoke refresh event", count=len(pms))
        time.sleep(0.3)              # the encoder attaches the slots
        n = replay.replay(ns, "inj", PCAP)
        for pm in pms:
            pm.wait_quiet(1.0, timeout=30)
        stop_clean(b)
        for pm in pms:
            wait_types(pm, lambda t: "term" in t, "Termination")
        res = [check_full_stream(pm, f"{label} {ip}/{port}", (senders or {}).get(port))
               for pm, (ip, port) in zip(pms, stations)]
    return n, res


# --- cases ------------------------------------------------------------------

def case_routes(ctx, d):
    conf = cisco([{"id": 1, "addr": "127.0.0.1", "port": 11791}])
    n, res = replay_run(ctx, d, conf, [("127.0.0.1", 11791)], "station")
    return (f"{n} frames replayed; pmbmpd logged exactly the capture's {res[0][0]} "
            f"prefix events, {res[0][1]} peers, Initiation first, Termination last")


DSCP_STATIONS = [("127.0.0.1", 11801, 5), ("127.0.0.1", 11802, 46), ("::1", 11803, 34),
                 ("127.0.0.1", 11804, None)]


def case_dscp(ctx, d):
    servers = [{"id": i + 1, "addr": ip, "port": port, "dscp": dscp}
               for i, (ip, port, dscp) in enumerate(DSCP_STATIONS)]
    with Topology(tag="d") as topo:
        ns = topo.netns("t")
        cap = lo_capture(ns, d)
        pms = [collector(ctx, d, ns, port, ip) for ip, port, _ in DSCP_STATIONS]
        b = daemon(ctx, d, ns, cisco(servers), pcap=PCAP)
        for pm in pms:
            wait_types(pm, lambda t: "init" in t and "peer_up" in t, "Initiation, Peer Up")
        stop_clean(b)
        for pm in pms:
            wait_types(pm, lambda t: "term" in t, "Termination")
        cap.stop()
    pkts = tcptrace.packets(cap.path)
    seen = []
    for ip, port, dscp in DSCP_STATIONS:
        conns = tcptrace.connections(pkts, port)
        check(len(conns) == 1 and conns[0]["accepted"],
              f"{ip}/{port}: {len(conns)} connection attempts, expected 1 accepted")
        out = conns[0]["out"]
        want = dscp or 0
        bad = [(p["frame"], p["dscp"]) for p in out if p["dscp"] != want]
        check(not bad, f"{ip}/{port}: packets from bmptapd with DSCP other than {want}: "
              f"{bad[:10]} (frame, dscp)")
        check(out[0]["syn"] and out[0]["dscp"] == want, f"{ip}/{port}: SYN DSCP "
              f"{out[0]['dscp']}, expected {want}")
        check(any(p["len"] for p in out) and any(p["fin"] for p in out),
              f"{ip}/{port}: no data or no FIN from bmptapd captured")
        check(all(p["v6"] == (":" in ip) for p in out), f"{ip}/{port}: wrong IP version")
        seen.append(f"{port}:{want}x{len(out)}")
    return "DSCP of every packet from bmptapd (SYN, data, FIN) " + ", ".join(seen)


def syn_times(cap, port):
    return tcptrace.connections(tcptrace.packets(cap.path), port)


def case_retry(ctx, d):
    init, retry, port = 2, 2, 11811
    conf = cisco([{"id": 1, "addr": "127.0.0.1", "port": port, "initial": init,
                   "retry": retry, "flap": 30}])
    with Topology(tag="y") as topo:
        ns = topo.netns("t")
        cap = lo_capture(ns, d)
        b = daemon(ctx, d, ns, conf, pcap=PCAP, debug="server")
        b.wait_log(r"BMP server 1 - 127\.0\.0\.1/11811: connect: Connection refused",
                   timeout=init + retry + 5, count=2)
        t_listen0 = time.time()
        pm = collector(ctx, d, ns, port)
        t_listen = time.time()
        wait_types(pm, lambda t: "init" in t, "Initiation", timeout=retry + 5)
        time.sleep(0.2)
        stop_clean(b)
        cap.stop()
    ctx.shared["retry_log"] = b.log()
    ctx.shared["retry_port"] = port
    conns = syn_times(cap, port)
    check(len(conns) >= 3, f"{len(conns)} connection attempts seen, expected >= 3")
    first = conns[0]["syn_time"]
    check(first >= b.t_spawn + init - 0.05, f"first SYN {first - b.t_spawn:.2f} s after start, "
          f"initial-delay is {init}")
    check(first <= b.t_ready + init + TOL, f"first SYN {first - b.t_ready:.2f} s after the "
          f"pipeline started, initial-delay is {init}")
    acc = [i for i, c in enumerate(conns) if c["accepted"]]
    check(len(acc) == 1 and acc[0] == len(conns) - 1,
          f"accepted attempts at {acc} of {len(conns)}: expected only the last")
    gaps = [round(b2["syn_time"] - a["syn_time"], 2) for a, b2 in zip(conns, conns[1:])]
    check(all(near(g, retry, TOL) for g in gaps), f"SYN spacing {gaps}, expected "
          f"{retry} +-{TOL}")
    check(all(c["refused"] for c in conns[:-1]), "an attempt before the last was not refused")
    check(conns[-2]["syn_time"] < t_listen and conns[-1]["syn_time"] >= t_listen0,
          "the connection was not made at the first retry after the station listened")
    ctx.shared["retry_attempts"] = len(conns)
    return (f"first SYN {first - b.t_spawn:.2f} s after start (initial-delay {init}), "
            f"{len(conns) - 1} refused, spacing {gaps} (failure-retry-delay {retry}), "
            f"connected at the first retry after the station listened")


def case_restart(ctx, d):
    retry, port = 2, 11821
    conf = cisco([{"id": 1, "addr": "127.0.0.1", "port": port, "retry": retry, "flap": 30}])
    nframes = replay.count_frames(PCAP)
    with Topology(tag="k") as topo:
        ns = tap_netns(topo, "t")
        cap = lo_capture(ns, d)
        pm1 = collector(ctx, d, ns, port, name="pmbmpd-first")
        b = daemon(ctx, d, ns, conf, iface="tap", debug="server")
        wait_types(pm1, lambda t: "init" in t, "Initiation")
        time.sleep(0.3)
        replay.replay(ns, "inj", PCAP, 0, nframes // 2)
        wait_types(pm1, lambda t: "route_monitor" in t, "Route Monitoring")
        t_kill = time.time()
        os.killpg(pm1.proc.pid, signal.SIGKILL)
        pm1.proc.wait()
        replay.replay(ns, "inj", PCAP, nframes // 2)
        pm2 = collector(ctx, d, ns, port, name="pmbmpd-second")
        t_listen = time.time()
        wait_types(pm2, lambda t: "init" in t, "Initiation after restart", timeout=retry + 5)
        pm2.wait_quiet(1.0)
        stop_clean(b)
        cap.stop()
    ctx.shared["restart_log"] = b.log()
    ctx.shared["restart_port"] = port
    conns = syn_times(cap, port)
    check(len(conns) == 2, f"{len(conns)} connection attempts, expected 2 (first, reconnect)")
    gap = conns[1]["syn_time"] - t_kill
    check(t_listen < conns[1]["syn_time"], "reconnected before the station was restarted?")
    check(near(gap, retry, TOL), f"reconnect SYN {gap:.2f} s after the kill, "
          f"failure-retry-delay is {retry}")
    ev = pm2.events()
    types = msg_types(ev)
    want = established_peers(wire()["dec"])
    n = len(want)
    check(types[:1 + n] == ["init"] + ["peer_up"] * n,
          f"new connection starts {types[:1 + n + 2]}, expected init + {n} peer_up")
    got = [up_tuple(e) for e in peer_ups(ev)][:n]
    check(sorted(got) == sorted(want), f"Peer Ups {got}, established on the wire {want}")
    check(got == want, f"Peer Ups in order {got}, sessions in order {want}")
    check(len(connections(ev)) == 1, "the restarted station saw more than one connection")
    return (f"killed after {nframes // 2} of {nframes} frames; reconnect SYN {gap:.2f} s "
            f"later (failure-retry-delay {retry}); new log: init + {n} Peer Ups of the "
            f"established sessions, in session order")


def case_same_cisco(ctx, d):
    st = [("127.0.0.1", 11831), ("127.0.0.1", 11832)]
    conf = cisco([{"id": i + 1, "addr": ip, "port": p} for i, (ip, p) in enumerate(st)])
    _, res = replay_run(ctx, d, conf, st, "station")
    return f"bmp server 1 and 2 on 127.0.0.1 ports 11831/11832: each logged {res[0][0]} " \
           f"prefix events = the capture"


def case_same_huawei(ctx, d):
    st = [("127.0.0.1", 11841), ("127.0.0.1", 11842)]
    conf = huawei([{"addr": ip, "port": p, "alias": f"c{i}"} for i, (ip, p) in enumerate(st)])
    _, res = replay_run(ctx, d, conf, st, "session")
    return f"bmp-session 127.0.0.1 alias c0 / c1 (ports 11841/11842): each logged " \
           f"{res[0][0]} prefix events = the capture"


def case_neighbor_activate(ctx, d):
    st = [("127.0.0.1", 11836), ("127.0.0.1", 11837)]
    peers = {"192.0.2.1": [1], "2001:db8:1::1": [1], "192.0.2.2": [1, 2],
             "2001:db8:1::2": [2]}
    extra = "".join(f"neighbor {a} bmp-activate " + " ".join(f"server {n}" for n in ids) + "\n"
                    for a, ids in peers.items())
    conf = cisco([{"id": i + 1, "addr": ip, "port": p} for i, (ip, p) in enumerate(st)],
                 activate_all=False, extra=extra)
    senders = {p: {a for a, ids in peers.items() if i + 1 in ids}
               for i, (_, p) in enumerate(st)}
    _, res = replay_run(ctx, d, conf, st, "station", senders)
    return (f"neighbor ... bmp-activate server N: station 1 logged exactly its 3 peers' "
            f"{res[0][0]} prefix events, station 2 its 2 peers' {res[1][0]}")


def case_ipv6(ctx, d):
    conf = cisco([{"id": 1, "addr": "::1", "port": 11851}])
    _, res = replay_run(ctx, d, conf, [("::1", 11851)], "station")
    return f"station ::1/11851 logged exactly the capture's {res[0][0]} prefix events"


def iface(ns, name, addrs):
    """An interface holding addresses: a dummy, or a veth if the kernel has none."""
    if ns.run(["ip", "link", "add", name, "type", "dummy"], check=False).returncode:
        ns.run(["ip", "link", "add", name, "type", "veth", "peer", "name", name + "p"])
        ns.run(["ip", "link", "set", name + "p", "up"])
    ns.run(["ip", "link", "set", name, "up"])
    for a in addrs:
        ns.addr(name, a)


SRC4, SRC6, COL4, COL6 = "10.97.0.1", "2001:db8:97::1", "10.97.1.1", "2001:db8:97:1::1"


def update_source_run(ctx, d):
    st = {1: (COL4, 11861, "src0"), 2: (COL6, 11862, "src0"), 3: (COL6, 11863, "src4"),
          4: (COL4, 11864, "nosuch0"), 5: (COL4, 11865, None)}
    servers = [{"id": i, "addr": a, "port": p, "update_source": s, "retry": 1}
               for i, (a, p, s) in st.items()]
    with Topology(tag="u") as topo:
        ns = topo.netns("t")
        iface(ns, "src0", [f"{SRC4}/32", f"{SRC6}/128"])
        iface(ns, "src4", ["10.97.4.1/32"])
        iface(ns, "col0", [f"{COL4}/32", f"{COL6}/128"])
        pms = {i: collector(ctx, d, ns, st[i][1], st[i][0]) for i in (1, 2, 5)}
        sinks = {i: sink(ctx, d, ns, f"[{st[i][0]}]:{st[i][1]}", f"sink{i}") for i in (3, 4)}
        b = daemon(ctx, d, ns, cisco(servers), pcap=PCAP)
        for pm in pms.values():
            wait_types(pm, lambda t: "init" in t and "peer_up" in t, "Initiation, Peer Up")
        err3 = b.wait_log(r"BMP server 3 - .*update-source src4", count=2, timeout=6)
        err4 = b.wait_log(r"BMP server 4 - .*update-source nosuch0", count=2, timeout=6)
        alive = b.alive()
        stop_clean(b)
    routers = {i: {(e.get("bmp_router")) for e in pm.events() if "bmp_msg_type" in e}
               for i, pm in pms.items()}
    ctx.shared["update_source"] = {"routers": routers, "err3": err3, "err4": err4,
                                   "alive": alive, "sinks": sinks, "log": b.log()}


def case_update_source(ctx, d):
    update_source_run(ctx, d)
    r = ctx.shared["update_source"]["routers"]
    check(r[1] == {SRC4}, f"IPv4 station saw the connection from {r[1]}, expected {SRC4} "
          "(update-source src0)")
    check(r[2] == {SRC6}, f"IPv6 station saw the connection from {r[2]}, expected {SRC6}")
    check(r[5] == {COL4}, f"control station without update-source saw {r[5]}, "
          f"expected the default source {COL4}")
    return (f"update-source src0: IPv4 station sees {SRC4}, IPv6 station {SRC6}; without "
            f"update-source the kernel's choice {COL4}")


def case_bad_update_source(ctx, d):
    r = ctx.shared.get("update_source")
    check(r is not None, "case 7a did not run")
    check("no non-link-local IPv6 address" in r["err3"][0],
          f"error for an interface without IPv6 address: {r['err3'][0]!r}")
    check("no such interface" in r["err4"][0], f"error for a missing interface: "
          f"{r['err4'][0]!r}")
    check(r["alive"], "bmptapd died")
    check(not any(os.path.exists(p) for p in r["sinks"].values()),
          "a station with a bad update-source was connected anyway")
    return (f"logged {msg_of(r['err3'][0])!r} and {msg_of(r['err4'][0])!r}, each retried; "
            f"no connection, no crash, stations 1, 2, 5 served")


VRF = "bmpvrf"


def vrf_setup(ns, dev):
    """Put dev (10.98.0.1/24) in a VRF; without kernel VRF support, emulate one
    with an oif rule and a table of its own (the same SO_BINDTODEVICE path)."""
    ns.run(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0",
            f"net.ipv4.conf.{dev}.rp_filter=0"], check=False)
    if ns.run(["ip", "link", "add", VRF, "type", "vrf", "table", "10"],
              check=False).returncode == 0:
        ns.run(["ip", "link", "set", VRF, "up"])
        ns.run(["ip", "link", "set", dev, "master", VRF])
        ns.addr(dev, "10.98.0.1/24")
        return VRF, "VRF device"
    ns.run(["ip", "addr", "add", "10.98.0.1/24", "dev", dev, "noprefixroute"])
    ns.run(["ip", "route", "add", "10.98.0.0/24", "dev", dev, "table", "10"])
    ns.run(["ip", "rule", "add", "oif", dev, "lookup", "10"])
    return dev, "no VRF in this kernel: emulated by an oif rule"


def case_vpn_instance(ctx, d):
    with Topology(tag="v") as topo:
        nt, nc = topo.netns("t"), topo.netns("c")
        va, vb = topo.veth(nt, nc)
        vrf, how = vrf_setup(nt, va)
        nc.addr(vb, "10.98.0.2/24")
        unreachable = nt.run(["ip", "route", "get", "10.98.0.2"], check=False).returncode
        check(unreachable != 0, "the station is reachable outside the VRF: setup broken")
        pm = collector(ctx, d, nc, 11871, "10.98.0.2")
        pmh = collector(ctx, d, nc, 11873, "10.98.0.2")
        sk = sink(ctx, d, nc, "10.98.0.2:11872", "novrf")
        servers = [{"id": 1, "addr": "10.98.0.2", "port": 11871, "vpn": vrf},
                   {"id": 2, "addr": "10.98.0.2", "port": 11872, "retry": 1}]
        conf = cisco(servers) + huawei([{"addr": "10.98.0.2", "port": 11873, "vpn": vrf,
                                         "alias": "hw"}])
        b = daemon(ctx, d, nt, conf, pcap=PCAP)
        for p in (pm, pmh):
            wait_types(p, lambda t: "init" in t and "peer_up" in t, "Initiation, Peer Up")
        err = b.wait_log(r"BMP server 2 - 10\.98\.0\.2/11872: connect: ", timeout=5)
        stop_clean(b)
        for p in (pm, pmh):
            wait_types(p, lambda t: "term" in t, "Termination")
    for label, p in (("bmp server 1", pm), ("bmp-session vpn-instance", pmh)):
        routers = {e.get("bmp_router") for e in p.events() if "bmp_msg_type" in e}
        check(routers == {"10.98.0.1"}, f"{label}: station saw {routers}, expected 10.98.0.1")
    check("unreachable" in err[0].lower(), f"server 2 (no vpn-instance): {err[0]!r}")
    check(not os.path.exists(sk), "server 2 without vpn-instance reached the station")
    return (f"vpn-instance {vrf} ({how}): Cisco server and Huawei bmp-session vpn-instance "
            f"connected, station sees 10.98.0.1; the same station without vpn-instance: "
            f"{msg_of(err[0])!r}")


def sighup_setup(ctx, d, topo):
    ns = topo.netns("t")
    cap = lo_capture(ns, d)
    pms = [collector(ctx, d, ns, p) for p in (11881, 11882)]
    servers = [{"id": 1, "addr": "127.0.0.1", "port": 11881, "dscp": 5, "retry": 1},
               {"id": 2, "addr": "127.0.0.1", "port": 11882, "dscp": 10, "retry": 1,
                "initial": 1}]
    b = daemon(ctx, d, ns, cisco(servers), pcap=PCAP)
    n = len(established_peers(wire()["dec"]))
    for pm in pms:
        wait_types(pm, lambda t: "init" in t and t.count("peer_up") >= n, "Peer Ups")
        pm.wait_quiet(0.5)
    return ns, cap, pms, servers, b


def conn_summary(pm):
    return [(k[1], msg_types(v)) for k, v in connections(pm.events()).items()]


def case_sighup(ctx, d):
    with Topology(tag="h") as topo:
        _, cap, pms, servers, b = sighup_setup(ctx, d, topo)
        servers[1]["dscp"] = 46
        b.sighup(cisco(servers))
        b.wait_log(r"configuration: bmp server 2 changed \(reconnect\)", timeout=5)
        wait_for(lambda: len(connections(pms[1].events())) >= 2, 6, 0.05,
                 "server 2 reconnected")
        wait_types(pms[1], lambda t: t.count("init") == 2, "second Initiation")
        time.sleep(0.5)
        c1 = conn_summary(pms[0])
        c2 = conn_summary(pms[1])
        stop_clean(b)
        cap.stop()
    check(len(c1) == 1 and c1[0][1].count("init") == 1 and "term" not in c1[0][1],
          f"server 1 (unchanged): connections {c1}, expected one, untouched")
    check(len(c2) == 2 and c2[0][1][-1:] == ["term"] and c2[1][1][:1] == ["init"],
          f"server 2: connections {c2}, expected the old ended by Termination, a new one")
    pkts = tcptrace.packets(cap.path)
    k1 = tcptrace.connections(pkts, 11881)
    k2 = tcptrace.connections(pkts, 11882)
    check(len(k1) == 1 and k1[0]["sport"] == c1[0][0],
          f"server 1: {len(k1)} TCP connections on the wire, expected the one from "
          f"port {c1[0][0]}")
    check(len(k2) == 2, f"server 2: {len(k2)} TCP connections on the wire, expected 2")
    for conn, want in zip(k2, (10, 46)):
        bad = {p["dscp"] for p in conn["out"]} - {want}
        check(not bad, f"server 2 connection from port {conn['sport']}: DSCP {bad}, "
              f"expected {want}")
    bad1 = {p["dscp"] for p in k1[0]["out"]} - {5}
    check(not bad1, f"server 1: DSCP {bad1} seen, expected 5 throughout")
    return (f"server 1 kept its connection (port {k1[0]['sport']}, one Initiation); "
            f"server 2: Termination, new connection (port {k2[1]['sport']}) with DSCP 46 "
            f"(was 10)")


def case_sighup_invalid(ctx, d):
    with Topology(tag="i") as topo:
        _, cap, pms, servers, b = sighup_setup(ctx, d, topo)
        bad = cisco(servers).splitlines()
        # line 4 of the file: server 1's DSCP, out of range
        check(bad[3] == " set ip dscp 5", f"unexpected config layout: {bad[:5]}")
        bad[3] = " set ip dscp 64"
        before = [conn_summary(pm) for pm in pms]
        b.sighup("\n".join(bad) + "\n")
        err = b.wait_log(r"SIGHUP: .*running configuration stays", timeout=5)
        time.sleep(1.5)
        after = [conn_summary(pm) for pm in pms]
        alive = b.alive()
        stop_clean(b)
        cap.stop()
    check("line 4" in err[0] and "64" in err[0], f"error does not name line 4 and the "
          f"value: {err[0]!r}")
    check(alive, "bmptapd died on an invalid configuration")
    check(before == after and all(len(c) == 1 for c in after),
          f"connections changed after the refused reload: {before} -> {after}")
    pkts = tcptrace.packets(cap.path)
    for port in (11881, 11882):
        k = tcptrace.connections(pkts, port)
        check(len(k) == 1, f"port {port}: {len(k)} TCP connections, expected 1")
    return f"refused with {msg_of(err[0])!r}; both connections kept"


# The Cisco document's sample of `debug ip bgp bmp server`, in its order.
DEBUG_ORDER = ["BMP server connection attempt timer expired for server 1 - {s}",
               "BMP server 1 active open process success - {s}",
               "TCP KA interval is set to 15",
               "Register read/write notification callbacks with BMP server 1 TCB - {s}",
               "Initiation msg sent to BMP server 1 - {s}",
               "BMP server 1 connection - {s} up, invoke refresh event"]


def debug_lines(log):
    return [ln.split("BGPBMP: ", 1)[1] for ln in log.splitlines() if "BGPBMP: " in ln]


def check_debug(log, port, attempts, label):
    s = f"127.0.0.1/{port}"
    lines = debug_lines(log)
    want = [w.format(s=s) for w in DEBUG_ORDER]
    timer = lines.count(want[0])
    check(timer == attempts, f"{label}: {timer} 'attempt timer expired' lines for "
          f"{attempts} attempts")
    last = len(lines) - 1 - lines[::-1].index(want[0])
    tail = [ln for ln in lines[last:] if ln in want]
    check(tail == want, f"{label}: debug lines of the successful attempt: {tail}")


def case_debug(ctx, d):
    for key, label in (("retry", "case 3"), ("restart", "case 4")):
        check(f"{key}_log" in ctx.shared, f"{label} did not run")
    check_debug(ctx.shared["retry_log"], ctx.shared["retry_port"],
                ctx.shared.get("retry_attempts", 0), "case 3")
    check_debug(ctx.shared["restart_log"], ctx.shared["restart_port"], 2, "case 4")
    port = 11891
    conf = cisco([{"id": 1, "addr": "127.0.0.1", "port": port, "initial": 1, "retry": 1}])
    with Topology(tag="g") as topo:
        ns = topo.netns("t")
        b = daemon(ctx, d, ns, conf, pcap=PCAP)
        b.wait_log(r"BMP server 1 - 127\.0\.0\.1/11891: connect: Connection refused",
                   timeout=5)
        pm = collector(ctx, d, ns, port)
        wait_types(pm, lambda t: "init" in t, "Initiation", timeout=5)
        stop_clean(b)
    extra = debug_lines(b.log())
    check(not extra, f"without --debug: {extra[:3]}")
    return ("--debug server: 'attempt timer expired' per attempt, then open success, TCP KA "
            "15, callbacks, Initiation sent, up, in the Cisco sample's order (cases 3 and "
            "4); none without --debug (same down-then-up scenario)")


CASES = [
    ("1 routes", case_routes),
    ("2 dscp", case_dscp),
    ("3 retry", case_retry),
    ("4 restart", case_restart),
    ("5a same-address-cisco", case_same_cisco),
    ("5b same-address-huawei", case_same_huawei),
    ("5c neighbor-activate", case_neighbor_activate),
    ("6 ipv6", case_ipv6),
    ("7a update-source", case_update_source),
    ("7b bad-update-source", case_bad_update_source),
    ("7c vpn-instance", case_vpn_instance),
    ("8a sighup", case_sighup),
    ("8b sighup-invalid", case_sighup_invalid),
    ("9 debug", case_debug),
]


def main():
    return Runner("test_stations", CASES).run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
