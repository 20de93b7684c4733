#!/usr/bin/env python3
"""bmptapd's Adj-RIB-In mirror: initial refresh, live traffic during it, shed
stations, Statistics Reports.

    tests/integration/test_mirror.py [CASE ...]      (root; CASE: 1, 2, ...)

Stations are bmpstation.py (lib/bmptest): it records each connection's raw
stream and can read slowly or not at all; bmpview.py rebuilds each peer's
table from Route Monitoring (cleared at Peer Down). The wire side has two
oracles that must agree: tshark's field decode of the capture (prefix sets;
its counts are also checked against bmptap-gen's truth file) and bgpwire.py
(TCP reassembly in Python: the attribute set of every prefix). A "late"
station is down while the capture is consumed (failure-retry-delay 1), so
everything it gets comes from the mirror.

  1  late station after a 300k-prefix table (2 sessions x 60k v4 + 15k v6
     per sender): Peer Ups in session order, the mirror replayed one peer
     at a time with End-of-RIBs, final view = the wire's table (attributes
     included), every route stamped with the time of the replay (for a
     capture file the capture clock: its last frame's time, never the
     route's own frame)
  2  churn during the replay: table through a veth, a slow station (2 MB/s)
     attaches, churn (2 x 1000 UPDATEs/s, 8 s) replayed with its timing
     while the replay runs: no frame lost by the pipeline, every churn UPDATE
     reaches the station verbatim, live withdrawals between the replay's
     End-of-RIBs, final view = the wire's, RM count = live + replayed
  3  buffer-size 2, one station stops reading: it is shed ("pinned the
     oldest data"), the other gets every UPDATE in order; the shed one
     reconnects and its view is whole again (replay)
  4  Statistics Reports (stats-reporting-period 2) on a hand-built capture
     with known duplicates, one session clean and one with a dropped
     segment: tshark's decode of lo gives types 1, 2, 7, 9, 13, 15, 17 equal
     to the values computed here (README's definitions; 13: UPDATEs that
     changed nothing, End-of-RIB aside), every ~2 s per peer; experimental
     65531-3 from the bytes (0/0/0 clean, 1/len/1 for the lossy sender, which
     also gets one Route Mirroring "Messages Lost")
  5  initial-refresh skip: a late station gets Peer Ups and live UPDATEs only
  6  initial-refresh delay 3, two stations attach 1 s apart: one shared
     replay (4 peers, replays_done 4), both views whole
  7  a station attached before the sessions come up (--pcap held for it)
     gets their Peer Ups and every UPDATE live, once: no replay of peers
     that were not established when it attached

Environment: BMPTAP_BUILD (build directory, default build), BMPTAPD,
BMPTAP_KEEP=DIR (keep every file). Exit 0 / 1 / 77 (not root, tool missing).
"""

import collections
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from bmptest import bgpbuild, bgpwire, replay, timedreplay, tsharkfields  # noqa: E402
from bmptest.bmpstation import Station  # noqa: E402
from bmptest.bmptapd import Bmptapd, build_dir, counters, lcore_sum, line_time  # noqa: E402
from bmptest.bmpview import View  # noqa: E402
from bmptest.capture import Capture  # noqa: E402
from bmptest.casekit import Runner, Topology, check, near  # noqa: E402
from bmptest.netns import wait_for  # noqa: E402
from bmptest.pcapio import PcapWriter  # noqa: E402
from bmptest.tsharkjson import TSHARK_PREFS  # noqa: E402
from test_stations import tap_netns  # noqa: E402

_cache = {}


# --- captures and the wire's tables ----------------------------------------

def gen(d, name, *args):
    """bmptap-gen into d; return (pcap, [truth direction records])."""
    pcap, truth = os.path.join(d, f"{name}.pcap"), os.path.join(d, f"{name}.json")
    exe = os.path.join(build_dir(), "bmptap-gen")
    subprocess.run([exe, "--pcap", pcap, "--truth", truth, "--quiet"] + list(args),
                   check=True, timeout=120)
    with open(truth) as f:
        recs = [json.loads(ln) for ln in f if ln.strip()]
    return pcap, [r for r in recs if r["type"] == "direction"]


def rd_of(receiver):
    """The distinguisher bmptap derives from the receiver (README, BMP mapping)."""
    a = ipaddress.ip_address(receiver)
    if a.version == 4:
        return (b"\x00\x01" + a.packed + b"\x00\x00").hex()
    return (int.from_bytes(a.packed[:8], "big") ^ int.from_bytes(a.packed[8:], "big")) \
        .to_bytes(8, "big").hex()


def wire(pcap, truth=None):
    """The capture's final tables, from tshark and from bgpwire, checked
    against each other (and against the truth file). Cached per file."""
    if pcap in _cache:
        return _cache[pcap]
    dec = tsharkfields.decode(pcap)
    dirs = bgpwire.directions(pcap)
    tables = bgpwire.final_tables(dirs)
    sets = tsharkfields.final_prefixes(dec)
    check(set(sets) == set(tables), f"tshark directions {sorted(sets)}, bgpwire {sorted(tables)}")
    for key, table in tables.items():
        got = {f: s for f, s in bgpwire.prefix_sets(table).items() if s}
        want = {f: s for f, s in sets[key].items() if s}
        sizes = [{f: len(s) for f, s in x.items()} for x in (got, want)]
        check(got == want, f"{key}: bgpwire's table {sizes[0]} differs from tshark's {sizes[1]}")
    for t in truth or ():
        key = (t["sender"], t["receiver"])
        d = dec[key]
        check(d["announced"] == {f: n for f, n in t["announced"].items() if n}
              and d["withdrawn"] == {f: n for f, n in t["withdrawn"].items() if n},
              f"{key}: tshark counts announced {d['announced']} withdrawn {d['withdrawn']}, "
              f"truth {t['announced']} {t['withdrawn']}")
        for fam in ("ipv4", "ipv6"):
            check(sets[key].get(fam, set()) == set(t[f"final_{fam}"]),
                  f"{key}: tshark's final {fam} table differs from the truth file")
    peers = {(k[0], rd_of(k[1])): k for k in tables}
    w = {"dec": dec, "dirs": dirs, "tables": tables, "peers": peers,
         "routes": sum(len(t) for t in tables.values()),
         "last_ts": max(ts for d in dirs.values() for _, ts, _ in d.messages),
         "updates": sum(d["updates"] for d in dec.values())}
    _cache[pcap] = w
    return w


def up_order(w):
    """Directions in the order their sessions came up: the frame of each
    sender's first KEEPALIVE or UPDATE."""
    first = {k: min(i for i, _, m in d.messages if m[18] in (2, 4))
             for k, d in w["dirs"].items()}
    return sorted(first, key=first.get)


def big(ctx):
    """2 sessions x (60k IPv4 + 15k IPv6) per sender, kept open: 300k routes."""
    if "big" not in ctx.shared:
        pcap, truth = gen(ctx.dir("data"), "big", "--sessions", "2", "--ipv4", "60k",
                          "--ipv6", "15k", "--seed", "7", "--keep-open")
        w = wire(pcap, truth)
        check(w["routes"] == 300000, f"big capture holds {w['routes']} routes")
        ctx.shared["big"] = (pcap, w)
    return ctx.shared["big"]


def churn_split(w):
    """Index of the first frame carrying churn (an UPDATE after its
    direction's last End-of-RIB); every table message must come before it."""
    first_churn, last_table = None, -1
    for d in w["dirs"].values():
        msgs = [(i, bgpwire.parse_update(m)) for i, _, m in d.messages if m[18] == 2]
        last_eor = max(n for n, (_, u) in enumerate(msgs) if u["eor"])
        last_table = max(last_table, msgs[last_eor][0])
        if last_eor + 1 < len(msgs):
            i = msgs[last_eor + 1][0]
            first_churn = i if first_churn is None else min(first_churn, i)
    check(first_churn is not None and last_table < first_churn,
          f"capture does not split into table then churn ({last_table}, {first_churn})")
    return first_churn


def churn_updates(w, split):
    """{peer: [UPDATE bytes]} the wire sent from frame `split` on."""
    out = {}
    for key, d in w["dirs"].items():
        peer = (key[0], rd_of(key[1]))
        out[peer] = [m for i, _, m in d.messages if m[18] == 2 and i >= split]
    return out


# --- bmptapd ------------------------------------------------------------------

def config(servers, top=()):
    """servers: dicts id, port, and optional retry, stats, addr."""
    out = list(top)
    for s in servers:
        out += [f"bmp server {s['id']}",
                f" address {s.get('addr', '127.0.0.1')} port-number {s['port']}",
                f" failure-retry-delay {s.get('retry', 1)}", " flapping-delay 1"]
        if s.get("stats"):
            out.append(f" stats-reporting-period {s['stats']}")
        out += [" activate", "exit-bmp-server-mode"]
    out.append("bmp-activate all")
    return "\n".join(out) + "\n"


def daemon(ctx, d, ns, conf, **kw):
    b = Bmptapd(d, ns, conf, debug="event,server", **kw)
    ctx.logs.append(b.logfile)
    return b.start()


def live_counters(b):
    """SIGUSR1, then the counters printed."""
    n = b.log().count("control.stats_skipped")
    b.signal(signal.SIGUSR1)
    wait_for(lambda: b.log().count("control.stats_skipped") > n, 5, 0.02, "counters")
    return counters(b.log())


def wait_mirror(b, routes, timeout=30):
    """Until the RX lcores' mirrors hold `routes` routes."""
    return wait_for(lambda: lcore_sum(live_counters(b), "rib.routes") == routes or None,
                    timeout, 0.2, f"mirror of {routes} routes")


def stop(b):
    rc = b.stop()
    check(rc == 0, f"bmptapd exited {rc} on SIGTERM")
    return counters(b.log())


# --- station side -------------------------------------------------------------

def view(st, k=0):
    v = View.from_file(st.path(k))
    check(not v.trailing, f"{st.path(k)}: {len(v.trailing)} bytes of a cut message at the end")
    return v


def check_tables(v, w, label):
    """Every wire direction's final table equals the station's peer table."""
    for peer, key in w["peers"].items():
        got, want = v.tables.get(peer), w["tables"][key]
        check(got is not None, f"{label}: no peer {peer} at the station "
              f"(has {sorted(v.tables)})")
        if got != want:
            miss = [p for p in want if p not in got]
            extra = [p for p in got if p not in want]
            attrs = [p for p in want if p in got and got[p] != want[p]]
            check(False, f"{label}: peer {peer[0]}: {len(got)} routes, wire {len(want)}: "
                  f"{len(miss)} missing {miss[:3]}, {len(extra)} extra {extra[:3]}, "
                  f"{len(attrs)} with other attributes {attrs[:3]}")
    extra = set(v.tables) - set(w["peers"])
    check(not extra, f"{label}: peers unknown on the wire: {sorted(extra)}")


def check_start(v, w, label):
    """Initiation, then the Peer Up of every established peer in session order."""
    n = len(w["peers"])
    types = v.types()
    check(types[:1 + n] == ["initiation"] + ["peer_up"] * n,
          f"{label}: stream starts {types[:n + 2]}, expected Initiation + {n} Peer Ups")
    want = [(k[0], rd_of(k[1])) for k in up_order(w)]
    got = [m.peer for m in v.msgs[1:1 + n]]
    check(got == want, f"{label}: Peer Ups in order {got}, sessions came up {want}")


def check_replay_shape(v, w, label):
    """Replayed routes: one peer at a time in Peer Up order, each closed by
    End-of-RIB for IPv4 and IPv6, each stamped with the time of the replay:
    for a capture file that is the capture clock, i.e. the last frame's time
    (an UPDATE forwarded live would carry its own, earlier frame's time)."""
    rms = [m for m in v.msgs if m.type == "route_monitoring"]
    old = [m.index for m in rms if m.ts < w["last_ts"] - 1e-6]
    check(not old, f"{label}: {len(old)} Route Monitoring stamped before the end of the "
          f"capture (live, not replayed?), e.g. message {old[:3]}")
    runs = [p for i, p in enumerate(m.peer for m in rms) if i == 0 or rms[i - 1].peer != p]
    order = [(k[0], rd_of(k[1])) for k in up_order(w)]
    check(runs == order, f"{label}: replay runs per peer {runs}, expected {order}")
    for peer in order:
        last = max(m.index for m in rms if m.peer == peer and not m.parse_update()["eor"])
        eors = v.eor.get(peer, [])
        check(sorted(f for _, f in eors) == ["ipv4", "ipv6"] and min(i for i, _ in eors) > last,
              f"{label}: peer {peer[0]}: End-of-RIBs {eors} after its last route at {last}")
    return len(rms)


def late_station_run(ctx, d, topo, pcap, w, servers, top=()):
    """bmptapd on pcap with every station down: the capture goes into the
    mirror; return (bmptapd, netns)."""
    ns = topo.netns("t")
    b = daemon(ctx, d, ns, config(servers, top), pcap=pcap)
    b.wait_log(r"connect: Connection refused", count=len(servers), timeout=10)
    wait_mirror(b, w["routes"])
    return b, ns


# --- cases ----------------------------------------------------------------------

def case_late_station(ctx, d):
    pcap, w = big(ctx)
    with Topology(tag="l") as topo:
        b, ns = late_station_run(ctx, d, topo, pcap, w, [{"id": 1, "port": 12101}])
        st = Station(ns, d, 12101, "late")
        b.wait_log(r"BMP initial refresh done", timeout=60)
        st.wait_quiet(0, 0.5)
        c = stop(b)
        st.wait_quiet(0, 0.3)
    v = view(st)
    check_start(v, w, "late station")
    check(v.types()[-1] == "termination", "late station: Termination is not last")
    check_tables(v, w, "late station")
    nrm = check_replay_shape(v, w, "late station")
    check(lcore_sum(c, "rib.routes") == w["routes"], f"rib.routes {lcore_sum(c, 'rib.routes')}")
    check(lcore_sum(c, "replays_done") == len(w["peers"]),
          f"replays_done {lcore_sum(c, 'replays_done')}, {len(w['peers'])} peers")
    check(c.get("encoder.replay_route_monitoring") == nrm == lcore_sum(c, "rib.replayed_updates"),
          f"station got {nrm} Route Monitoring; encoder.replay_route_monitoring "
          f"{c.get('encoder.replay_route_monitoring')}, rib.replayed_updates "
          f"{lcore_sum(c, 'rib.replayed_updates')}")
    return (f"tshark = truth = bgpwire: {w['routes']} routes in {w['updates']} UPDATEs; the "
            f"late station got Initiation, 4 Peer Ups in session order, {nrm} replayed "
            f"messages (one peer at a time, EoR v4+v6 each), final view = wire tables "
            f"with attributes; rib.bytes {lcore_sum(c, 'rib.bytes')}")


def case_churn_during_replay(ctx, d):
    pcap, truth = gen(ctx.dir("data"), "churn", "--sessions", "2", "--ipv4", "60k",
                      "--ipv6", "15k", "--seed", "11", "--keep-open", "--churn", "1000",
                      "--churn-seconds", "8")
    w = wire(pcap, truth)
    split = churn_split(w)
    churn = churn_updates(w, split)
    table_routes = sum(len(t) for t in bgpwire.final_tables(_prefix_dirs(w, split)).values())
    with Topology(tag="c") as topo:
        ns = tap_netns(topo, "t")
        b = daemon(ctx, d, ns, config([{"id": 1, "port": 12201}]), iface="tap")
        b.wait_log(r"connect: Connection refused", timeout=10)
        replay.replay(ns, "inj", pcap, 0, split)
        wait_mirror(b, table_routes)
        st = Station(ns, d, 12201, "slow", rate=2_000_000)
        b.wait_log(r"up, invoke refresh event", timeout=10)
        n, t0, t1 = timedreplay.replay_timed(ns, "inj", pcap, split)
        b.wait_log(r"BMP initial refresh done", timeout=60)
        st.wait_quiet(0, 1.0)
        c = stop(b)
        log = b.log()
    check_no_capture_loss(c, replay.count_frames(pcap))
    v = view(st)
    check_start(v, w, "slow station")
    check_tables(v, w, "slow station")
    rms = [m for m in v.msgs if m.type == "route_monitoring"]
    got = collections.Counter((m.peer, m.body) for m in rms)
    want = collections.Counter((p, u) for p, lst in churn.items() for u in lst)
    missing = want - got
    check(not missing, f"{sum(missing.values())} of {sum(want.values())} churn UPDATEs sent "
          f"after the station attached never reached it verbatim")
    eors = sorted(i for lst in v.eor.values() for i, _ in lst)
    live_wd = [m.index for m in rms if eors[0] < m.index < eors[-1]
               and m.parse_update()["withdraw"] and (m.peer, m.body) in want]
    check(live_wd, "no live withdrawal between the replay's first and last End-of-RIB: "
          "the churn did not interleave with the replay")
    rep = c.get("encoder.replay_route_monitoring", 0)
    check(len(rms) == sum(want.values()) + rep,
          f"station got {len(rms)} Route Monitoring; wire churn {sum(want.values())} + "
          f"replayed {rep} = {sum(want.values()) + rep}")
    check(lcore_sum(c, "replays_done") == len(w["peers"]), f"replays_done {lcore_sum(c, 'replays_done')}")
    t_start = _log_time(log, r"BMP initial refresh: ")
    t_done = _log_time(log, r"BMP initial refresh done")
    check(t_start is not None and t_done is not None and t_start < t1 and t_done > t0,
          f"the replay ({t_start} - {t_done}) did not overlap the churn ({t0} - {t1})")
    return (f"table {table_routes} routes, then {n} churn frames over {t1 - t0:.1f} s "
            f"({sum(want.values())} UPDATEs, all received verbatim); replay ran "
            f"{t_done - t_start:.1f} s with the station at 2 MB/s; {len(live_wd)} live "
            f"withdrawals between the replay's End-of-RIBs; {len(rms)} RM = churn + "
            f"{rep} replayed; final view = wire")


def check_no_capture_loss(c, frames):
    """Every frame sent on the veth reached the pipeline, no TCP hole: else
    the mirror cannot equal the wire, and the cause is named."""
    rx, gaps = lcore_sum(c, "rx_packets"), lcore_sum(c, "tcp.gaps")
    check(rx == frames and gaps == 0,
          f"bmptapd lost capture: {frames - rx} of {frames} frames never counted "
          f"(rx_packets {rx}, port imissed {sum(v for k, v in c.items() if k.endswith('imissed'))}"
          f"), tcp.gaps {gaps}, loss_bytes {lcore_sum(c, 'loss_bytes')}; the encoder stalled "
          f"{c.get('encoder.output_stalls')} times with output.chunks_allocated "
          f"{c.get('output.chunks_allocated')} (the bmp buffer-size cap in 256 KB chunks) and "
          f"RX held packets {lcore_sum(c, 'backpressure_held')} times")


def _prefix_dirs(w, split):
    """The directions cut before frame `split` (the table part)."""
    out = {}
    for k, d in w["dirs"].items():
        cut = bgpwire.Direction(*k)
        cut.messages = [x for x in d.messages if x[0] < split]
        out[k] = cut
    return out


def _log_time(log, pattern):
    for ln in log.splitlines():
        if re.search(pattern, ln):
            return line_time(ln)
    return None


def case_shed(ctx, d):
    pcap, w = big(ctx)
    servers = [{"id": 1, "port": 12301}, {"id": 2, "port": 12302}]
    with Topology(tag="s") as topo:
        ns = topo.netns("t")
        good = Station(ns, d, 12301, "reader")
        stuck = Station(ns, d, 12302, "stuck", stall=1, rcvbuf=4096)
        b = daemon(ctx, d, ns, config(servers, ["bmp buffer-size 2"]), pcap=pcap)
        shed = b.wait_log(r"pinned the oldest data", timeout=60)
        wait_for(lambda: stuck.connections() >= 2, 10, 0.05, "stuck station reconnected")
        b.wait_log(r"BMP initial refresh done", timeout=60)
        good.wait_quiet(0, 1.0)
        stuck.wait_quiet(1, 1.0)
        wait_mirror(b, w["routes"])
        c = stop(b)
        good.wait_quiet(0, 0.3)
    check("server 2" in shed[0] and not b.lines(r"server 1 .*pinned"),
          f"shed line names the wrong station: {shed[0]!r}")
    vg = view(good)
    check_start(vg, w, "reading station")
    check(good.connections() == 1, f"reading station: {good.connections()} connections")
    check(vg.types()[-1] == "termination", "reading station: Termination is not last")
    check_tables(vg, w, "reading station")
    for peer, key in w["peers"].items():
        got = [m.body for m in vg.msgs if m.type == "route_monitoring" and m.peer == peer]
        want = [m for _, _, m in w["dirs"][key].messages if m[18] == 2]
        check(subsequence(want, got), f"reading station: peer {peer[0]}: the wire's "
              f"{len(want)} UPDATEs are not all among its {len(got)} Route Monitoring, "
              f"in order")
    vs = view(stuck, 1)
    check_start(vs, w, "shed station after reconnecting")
    check_tables(vs, w, "shed station after reconnecting")
    check(stuck.connections() == 2, f"shed station: {stuck.connections()} connections")
    return (f"{_msg(shed[0])!r}; the reading station got all {w['updates']} UPDATEs in "
            f"order on one connection, view whole; the shed one reconnected and its "
            f"replayed view = the wire's {w['routes']} routes")


def subsequence(want, got):
    it = iter(got)
    return all(any(x == y for y in it) for x in want)


def _msg(line):
    return re.sub(r"^\*[^:]*:\d\d:\d\d\.\d+: (bmptapd: \w+: )?", "", line)


# --- case 4: Statistics Reports ----------------------------------------------

def script_a(v4, v6, extra):
    """A's UPDATEs: known duplicates. Returns [(payload, drop?)]."""
    x = bgpbuild.attrs([65001, 64500], "10.9.9.1", med=10, communities=[0xFDE80001])
    y = bgpbuild.attrs([65001, 64501], "10.9.9.1")
    z = bgpbuild.attrs([65001, 64502])
    p = [f"{v4}.{i}.0/24" for i in range(1, 12)]
    r = [f"2001:db8:{v6}:{i}::/64" for i in range(1, 6)]
    u4, u6, w6 = bgpbuild.update4, bgpbuild.update6, bgpbuild.withdraw6
    nh6 = "2001:db8:ff::1"
    out = [u4(x, p[:10]),                       # 10 new
           u4(x, p[:3]),                        # 3 duplicate advertisements: dup UPDATE
           u4(y, p[3:4]),                       # attribute change
           u4(b"", withdraw=p[8:10]),           # 2 withdrawn
           u4(b"", withdraw=[p[8], f"{v4}.99.0/24"]),  # 2 duplicate withdraws: dup UPDATE
           u6(z, nh6, r),                       # 5 new IPv6
           u6(z, nh6, r[:2]),                   # 2 duplicate: dup UPDATE
           w6(r[4:5]), w6(r[4:5]),              # withdraw, then a duplicate withdraw
           u4(x, [p[0], p[10]]),                # 1 duplicate + 1 new: changed
           u4(z + bgpbuild.attr(0x40, 3, bytes([10, 9, 9, 1])), extra)]  # the droppable one
    out += [bgpbuild.eor(1, 1), bgpbuild.eor(2, 1)]
    return out


def script_b(v4, v6):
    a = bgpbuild.attrs([65002], "10.9.9.2")
    return [bgpbuild.update4(a, [f"{v4}.{i}.0/24" for i in range(200, 205)]),
            bgpbuild.update6(a, "2001:db8:fe::1", [f"2001:db8:{v6}:f{i}::/64" for i in range(2)]),
            bgpbuild.eor(1, 1), bgpbuild.eor(2, 1)]


def stats_capture(path):
    """Two sessions; session 2 loses A's 11th UPDATE (a segment of its own)."""
    t0 = time.time() - 5
    lost = {}
    with PcapWriter(path) as wr:
        for n, (a, b) in enumerate([("10.9.0.1", "10.9.0.2"), ("10.9.1.1", "10.9.1.2")]):
            s = bgpbuild.TcpSession(wr, (a, 40001 + n), (b, 179), t0 + n)
            s.send(True, bgpbuild.open_msg(65001 + 10 * n, a))
            s.send(False, bgpbuild.open_msg(65002 + 10 * n, b))
            s.send(True, bgpbuild.keepalive())
            s.send(False, bgpbuild.keepalive())
            v4, v6 = f"100.{64 + n}", f"{n + 1:x}"
            extra = [f"{v4}.{i}.0/24" for i in range(120, 123)]
            for i, msg in enumerate(script_a(v4, v6, extra)):
                s.send(True, msg, drop=(n == 1 and i == 10))
            for msg in script_b(v4, v6):
                s.send(False, msg)
            s.pause(0.5)             # past the tap's ACK grace (200 ms): a hole is lost
            s.send(True, bgpbuild.keepalive())
            s.send(False, bgpbuild.keepalive())
            if s.dropped:
                lost[a] = s.dropped[0][2]
    return lost


def expected_stats(w, lost):
    """{peer: {type: value}} computed from what the tap saw (bgpwire)."""
    out = {}
    for (snd, rcv), d in w["dirs"].items():
        st = bgpwire.dup_stats(d)
        mine, theirs = w["tables"][(snd, rcv)], w["tables"][(rcv, snd)]
        out[(snd, rd_of(rcv))] = {
            1: st["dup_adv"], 2: st["dup_wd"], 13: st["dup_updates"], 7: len(mine),
            9: bgpwire.per_family(mine), 15: len(theirs), 17: bgpwire.per_family(theirs),
            65531: 1 if snd in lost else 0, 65532: lost.get(snd, 0),
            65533: 1 if snd in lost else 0}
    return out


STAT_FIELDS = ["frame.time_epoch", "bmp.type", "bmp.peer.ip.addr", "bmp.stats.count",
               "bmp.stats.type", "bmp.stats.data.prefix_dup", "bmp.stats.data.withdraw_dup",
               "bmp.stats.data.duplicate_update", "bmp.stats.data.routes_adj_rib_in",
               "bmp.stats.data.routes_per_adj_rib_in.afi",
               "bmp.stats.data.routes_per_adj_rib_in.safi",
               "bmp.stats.data.routes_per_adj_rib_in",
               "bmp.stats.data.routes_post_adj_rib_out",
               "bmp.stats.data.routes_post_per_adj_rib_out.afi",
               "bmp.stats.data.routes_post_per_adj_rib_out.safi",
               "bmp.stats.data.routes_post_per_adj_rib_out"]
SIMPLE = {1: "prefix_dup", 2: "withdraw_dup", 13: "duplicate_update", 7: "routes_adj_rib_in",
          15: "routes_post_adj_rib_out"}
PER_AFI = {9: "routes_per_adj_rib_in", 17: "routes_post_per_adj_rib_out"}


def tshark_stats(pcap, port):
    """[(time, peer address, {type: value}, experimental?)] of every Statistics
    Report tshark dissects on lo. Fields come per frame, so they are dealt
    out per message by bmp.stats.count; tshark stops at the first type it
    does not know (the experimental message's 65531), so such a message
    yields only that type. IPv4 peers only (bmp.peer.ip.addr)."""
    args = ["tshark", "-r", pcap, "-n"] + TSHARK_PREFS + [
        "-d", f"tcp.port=={port},bmp", "-Y", "bmp.type == 1", "-T", "fields",
        "-E", "separator=/t", "-E", "aggregator=|"]
    for f in STAT_FIELDS:
        args += ["-e", f]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(res.returncode == 0, f"tshark: {res.stderr[-500:]}")
    out = []
    for line in res.stdout.splitlines():
        col = dict(zip(STAT_FIELDS, (c.split("|") if c else [] for c in line.split("\t"))))
        out += _stats_rows(col)
    return out


def _stats_rows(col):
    t = float(col["frame.time_epoch"][0])
    types = [int(x) for x in col["bmp.stats.type"]]
    rows = []
    for mtype, addr, count in zip(col["bmp.type"], col["bmp.peer.ip.addr"],
                                  col["bmp.stats.count"]):
        if mtype != "1":
            continue
        r, exp = {}, False
        for _ in range(int(count)):
            ty = types.pop(0)
            if ty in SIMPLE:
                r[ty] = int(col[f"bmp.stats.data.{SIMPLE[ty]}"].pop(0))
            elif ty in PER_AFI:
                name = f"bmp.stats.data.{PER_AFI[ty]}"
                fam = bgpwire.family(int(col[name + ".afi"].pop(0)),
                                     int(col[name + ".safi"].pop(0)))
                r.setdefault(ty, {})[fam] = int(col[name].pop(0))
            else:
                r[ty], exp = None, ty >= 32768
                if exp:
                    break
        rows.append((t, addr, r, exp))
    check(not types, f"tshark stats types left over after dealing: {types}")
    return rows


def case_stats(ctx, d):
    pcap = os.path.join(ctx.dir("data"), "stats.pcap")
    lost = stats_capture(pcap)
    w = wire(pcap)
    want = expected_stats(w, lost)
    port, period = 12401, 2
    with Topology(tag="t") as topo:
        ns = topo.netns("t")
        cap = Capture(ns, "lo", os.path.join(d, "lo.pcap"), probe_dst="127.0.0.1",
                      log=os.path.join(d, "dumpcap.log"))
        cap.start()
        st = Station(ns, d, port, "stats")
        b = daemon(ctx, d, ns, config([{"id": 1, "port": port, "stats": period}]), pcap=pcap)
        wait_for(lambda: len(_stats_msgs(st)) >= 4 * 2 * 3, 6 * period + 5, 0.1,
                 "three rounds of Statistics Reports")
        c = stop(b)
        cap.stop()
    v = view(st)
    by_peer = collections.defaultdict(list)
    for t, addr, r, exp in tshark_stats(cap.path, port):
        by_peer[(addr, exp)].append((t, r))
    wrong, summary = [], []
    for peer, exp in sorted(want.items()):
        rfc = {k: exp[k] for k in (1, 2, 7, 9, 13, 15, 17)}
        got = by_peer.get((peer[0], False), [])
        check(len(got) >= 3, f"peer {peer[0]}: {len(got)} RFC reports decoded by tshark")
        gaps = [round(b2[0] - a[0], 2) for a, b2 in zip(got, got[1:])]
        check(all(near(g, period, 0.5) for g in gaps), f"peer {peer[0]}: reports {gaps} "
              f"s apart, period {period}")
        check(len(by_peer.get((peer[0], True), [])) == len(got),
              f"peer {peer[0]}: {len(got)} RFC reports but "
              f"{len(by_peer.get((peer[0], True), []))} experimental ones")
        for t, r in got:
            wrong += [f"{peer[0]} type {k}: tshark {r.get(k)}, expected {rfc.get(k)}"
                      for k in sorted(set(r) | set(rfc), key=str) if r.get(k) != rfc.get(k)]
        exp_x = {k: exp[k] for k in (65531, 65532, 65533)}
        xs = [m.stats() for m in v.stats.get(peer, []) if 65531 in m.stats()]
        wrong += [f"{peer[0]} experimental (from the bytes): {x}, expected {exp_x}"
                  for x in xs if x != exp_x]
        mir = [m for m in v.msgs if m.type == "route_mirroring" and m.peer == peer]
        if len(mir) != (peer[0] in lost) or any(m.body[:6] != b"\0\1\0\2\0\1" for m in mir):
            wrong.append(f"{peer[0]}: {len(mir)} Route Mirroring "
                         f"{[m.body[:6].hex() for m in mir]}, expected "
                         f"{int(peer[0] in lost)} with information code 1 (Messages Lost)")
        summary.append(f"{peer[0]}: {rfc[1]}/{rfc[2]}/{rfc[13]} dup, 7={rfc[7]} "
                       f"15={rfc[15]}, x={list(exp_x.values())}")
    pairs = [65531 in b2.stats() for a, b2 in zip(v.msgs, v.msgs[1:])
             if a.type == "stats" and 7 in a.stats()]
    check(pairs and all(pairs), "an RFC report not followed by its experimental one")
    nstats = len([m for m in v.msgs if m.type == "stats"])
    check(c.get("encoder.statistics_reports", 0) == nstats,
          f"encoder.statistics_reports {c.get('encoder.statistics_reports')}, station got "
          f"{nstats}")
    check(not wrong, "reports differ from the capture's values: "
          + "; ".join(sorted(set(wrong))))
    return "; ".join(summary) + f"; every {period} s per peer"


def _stats_msgs(st):
    try:
        return [m for m in View.from_file(st.path(0)).msgs if m.type == "stats"]
    except (FileNotFoundError, ValueError):
        return []


# --- cases 5 and 6 --------------------------------------------------------------

def case_skip(ctx, d):
    pcap, truth = gen(ctx.dir("data"), "small", "--sessions", "1", "--ipv4", "3000",
                      "--ipv6", "800", "--seed", "5", "--keep-open", "--churn", "300",
                      "--churn-seconds", "2")
    w = wire(pcap, truth)
    split = churn_split(w)
    churn = churn_updates(w, split)
    table = sum(len(t) for t in bgpwire.final_tables(_prefix_dirs(w, split)).values())
    with Topology(tag="k") as topo:
        ns = tap_netns(topo, "t")
        conf = config([{"id": 1, "port": 12501}], ["bmp initial-refresh skip"])
        b = daemon(ctx, d, ns, conf, iface="tap")
        b.wait_log(r"connect: Connection refused", timeout=10)
        replay.replay(ns, "inj", pcap, 0, split)
        wait_mirror(b, table)
        st = Station(ns, d, 12501, "skip")
        b.wait_log(r"up, invoke refresh event", timeout=10)
        time.sleep(1.5)            # past the default refresh delay: nothing may come
        quiet = st.size(0)
        timedreplay.replay_timed(ns, "inj", pcap, split)
        st.wait_quiet(0, 1.0)
        c = stop(b)
    v = view(st)
    check_start(v, w, "skip station")
    first = View(open(st.path(0), "rb").read()[:quiet])
    check(first.types() == ["initiation"] + ["peer_up"] * len(w["peers"]),
          f"before the churn the station got {collections.Counter(first.types())}")
    for peer, lst in churn.items():
        got = [m.body for m in v.msgs if m.type == "route_monitoring" and m.peer == peer]
        check(got == lst, f"peer {peer[0]}: {len(got)} Route Monitoring, the wire sent "
              f"{len(lst)} churn UPDATEs after it attached (must be those, in order)")
    check(not v.eor, f"End-of-RIB at a skip station: {v.eor}")
    check(c.get("encoder.replay_route_monitoring", 0) == 0 and lcore_sum(c, "replays_done") == 0,
          f"replayed anyway: {c.get('encoder.replay_route_monitoring')} messages")
    check(not b.lines(r"BMP initial refresh"), "an initial refresh was scheduled")
    return (f"mirror held {table} routes; the late station got Initiation, "
            f"{len(w['peers'])} Peer Ups, then exactly the "
            f"{sum(len(x) for x in churn.values())} live churn UPDATEs; no replay, no EoR")


def case_shared_replay(ctx, d):
    pcap, w = big(ctx)
    servers = [{"id": 1, "port": 12601}, {"id": 2, "port": 12602}]
    with Topology(tag="r") as topo:
        b, ns = late_station_run(ctx, d, topo, pcap, w, servers,
                                 ["bmp initial-refresh delay 3"])
        s1 = Station(ns, d, 12601, "first")
        up1 = b.wait_log(r"BMP server 1 connection .* up", timeout=5)
        # both servers retry every second in step: listening now, the second
        # station attaches at the next attempt, one second after the first
        s2 = Station(ns, d, 12602, "second")
        up2 = b.wait_log(r"BMP server 2 connection .* up", timeout=5)
        start = b.wait_log(r"BMP initial refresh: ", timeout=10)
        b.wait_log(r"BMP initial refresh done", timeout=60)
        time.sleep(4)                        # a second batch would have started by now
        s1.wait_quiet(0, 0.3)
        s2.wait_quiet(0, 0.3)
        c = stop(b)
    t1, t2, ts = line_time(up1[0]), line_time(up2[0]), line_time(start[0])
    check(near(t2 - t1, 1.0, 0.4), f"stations attached {t2 - t1:.2f} s apart, wanted ~1")
    check(near(ts - t1, 3.0, 0.5), f"replay started {ts - t1:.2f} s after the first station "
          f"attached, delay is 3")
    starts = b.lines(r"BMP initial refresh: ")
    check(len(starts) == 1 and "4 peer(s)" in starts[0], f"refresh batches: {starts}")
    check(lcore_sum(c, "replays_done") == len(w["peers"]),
          f"replays_done {lcore_sum(c, 'replays_done')}, {len(w['peers'])} peers (one shared "
          f"replay)")
    n = []
    for st, label in ((s1, "first station"), (s2, "second station")):
        v = view(st)
        check_start(v, w, label)
        check_tables(v, w, label)
        n.append(len([m for m in v.msgs if m.type == "route_monitoring"]))
    rep = c.get("encoder.replay_route_monitoring")
    check(n[0] == n[1] == rep, f"stations got {n} Route Monitoring, encoder replayed {rep} "
          "(encoded once for both)")
    return (f"attached {t2 - t1:.1f} s apart; one batch {ts - t1:.1f} s after the first; "
            f"replays_done {lcore_sum(c, 'replays_done')}; {rep} messages encoded once, both "
            f"views = the wire's {w['routes']} routes")


def case_no_redundant_replay(ctx, d):
    pcap, truth = gen(ctx.dir("data"), "early", "--sessions", "1", "--ipv4", "3000",
                      "--ipv6", "800", "--seed", "6", "--keep-open")
    w = wire(pcap, truth)
    with Topology(tag="e") as topo:
        ns = topo.netns("t")
        st = Station(ns, d, 12701, "early")
        b = daemon(ctx, d, ns, config([{"id": 1, "port": 12701}]), pcap=pcap)
        b.wait_log(r"up, invoke refresh event", timeout=10)
        time.sleep(2.5)            # past the refresh delay (1 s)
        st.wait_quiet(0, 0.5)
        c = stop(b)
    v = view(st)
    n = len(w["peers"])
    check(v.types()[:1 + n] == ["initiation"] + ["peer_up"] * n,
          f"stream starts {v.types()[:n + 2]}")
    rep = c.get("encoder.replay_route_monitoring", 0)
    for peer, key in w["peers"].items():
        got = [m.body for m in v.msgs if m.type == "route_monitoring" and m.peer == peer]
        want = [m for _, _, m in w["dirs"][key].messages if m[18] == 2]
        check(got == want, f"peer {peer[0]}: {len(got)} Route Monitoring for the wire's "
              f"{len(want)} UPDATEs (encoder.replay_route_monitoring {rep}, log: "
              f"{[_msg(x) for x in b.lines('initial refresh')]}): the station attached "
              f"before this peer came up and got its Peer Up and every UPDATE live; the "
              f"README replays only the peers established when a station attaches")
    check_tables(v, w, "early station")
    return (f"station attached before the sessions came up: exactly the wire's "
            f"{w['updates']} UPDATEs, no replay")


CASES = [
    ("1 late-station", case_late_station),
    ("2 churn-during-replay", case_churn_during_replay),
    ("3 shed-and-resync", case_shed),
    ("4 statistics", case_stats),
    ("5 refresh-skip", case_skip),
    ("6 shared-replay", case_shared_replay),
    ("7 no-redundant-replay", case_no_redundant_replay),
]


def main():
    return Runner("test_mirror", CASES, tools=("tshark", "dumpcap", "ip")).run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
