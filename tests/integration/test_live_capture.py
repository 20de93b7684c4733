#!/usr/bin/env python3
"""bmptapd on a live mirror port: real BGP speakers, af_packet, pmbmpd.

    tests/integration/test_live_capture.py        (root)

Namespaces: b (BIRD, AS 65001), f (FRR bgpd, AS 65002), t (the tap:
bmptapd and pmbmpd). BIRD and FRR peer over a veth (offloads off, so frames
are MTU-sized): session s1 over IPv4 (IPv4 + IPv6 unicast), s2 over IPv6
(see lib/bmptest/scenario.py). tc on BIRD's end of that veth mirrors both
directions (clsact ingress and egress, `action mirred egress mirror`) to a
second veth whose other end, in t, bmptapd reads with --iface (DPDK
af_packet). bmptapd exports to pmbmpd, connected before the speakers start.
dumpcap records the BGP link itself; tshark's decode of it is the oracle.

  10a live-session   the Peer Up of every direction (both of s1 and s2) is in
                     pmbmpd's log, with the ports of the TCP connections on
                     the link; when BIRD stops at the end, a Peer Down each
  10b live-routes    routes BIRD announces after bmptapd started (a
                     reconfiguration adding static routes, once the sessions
                     are up) reach pmbmpd, and pmbmpd's log holds exactly the
                     prefixes the link carried, per peer

Environment: BMPTAP_BUILD, BMPTAPD, BMPTAP_KEEP=DIR (see test_stations.py).
Exit 0 / 1 / 77 (not root, a tool missing).
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from bmptest import scenario  # noqa: E402
from bmptest.bmptapd import Bmptapd  # noqa: E402
from bmptest.capture import Capture  # noqa: E402
from bmptest.casekit import Runner, Topology, check, cisco  # noqa: E402
from bmptest.expect import (diff_routes, msg_types, peer_ups, station_routes,  # noqa: E402
                            wire_directions, wire_routes)
from bmptest.netns import wait_for  # noqa: E402
from bmptest.pmbmpd import Pmbmpd  # noqa: E402
from bmptest.speakers import Bird, Frr  # noqa: E402
import bgpdecode  # noqa: E402
import compare  # noqa: E402

B4, F4, B6, F6 = scenario.B4, scenario.F4, scenario.B6, scenario.F6
PLAN = scenario.Plan(v4=120, v6=60, frr_v4=20, frr_v6=10)
MORE4, MORE6 = 40, 20          # static routes BIRD adds once everything is up
PORT = 11901


def mirror(ns, dev, to):
    """Both directions of dev copied to `to` (matchall, or u32 match-all)."""
    ns.run(["tc", "qdisc", "add", "dev", dev, "clsact"])
    for hook in ("ingress", "egress"):
        base = ["tc", "filter", "add", "dev", dev, hook]
        act = ["action", "mirred", "egress", "mirror", "dev", to]
        if ns.run(base + ["matchall"] + act, check=False).returncode:
            ns.run(base + ["protocol", "all", "u32", "match", "u32", "0", "0"] + act)


def converged(frr, bird, n4, n6):
    """Both speakers report the full tables of both sessions."""
    want = {("frr", B4, "ipv4"): n4, ("frr", B4, "ipv6"): n6, ("frr", B6, "ipv6"): n6,
            ("bird", "s1", "ipv4"): PLAN.frr_v4, ("bird", "s1", "ipv6"): PLAN.frr_v6,
            ("bird", "s2", "ipv6"): PLAN.frr_v6}
    got = {}
    for afi in ("ipv4", "ipv6"):
        for nbr, info in frr.summary(afi).items():
            got[("frr", nbr, afi)] = info.get("pfxRcd") if info.get("state") == \
                "Established" else None
    for proto in ("s1", "s2"):
        info = bird.protocol(proto)
        for chan, cnt in info["channels"].items():
            got[("bird", proto, chan)] = cnt["imported"] \
                if info["bgp_state"] == "Established" else None
    return all(got.get(k) == v for k, v in want.items())


def new_prefixes():
    """(sender, prefix) BIRD announces in the reconfiguration: IPv4 over s1,
    IPv6 over s1 and s2."""
    v4 = [scenario.bird_v4(i) for i in range(PLAN.v4, PLAN.v4 + MORE4)]
    v6 = [scenario.bird_v6(i) for i in range(PLAN.v6, PLAN.v6 + MORE6)]
    return {(B4, p) for p in v4} | {(B4, p) for p in v6} | {(B6, p) for p in v6}


def logged(pm):
    return {(e["peer_ip"], e["ip_prefix"]) for e in pm.events()
            if e.get("bmp_msg_type") == "route_monitor" and e.get("log_type") == "update"}


def peer_downs(pm):
    return [e for e in pm.events() if e.get("bmp_msg_type") == "peer_down"]


def live_run(ctx, d):
    res = ctx.shared["live"] = {}
    with Topology(tag="l") as topo:
        nb, nf, nt = topo.netns("b"), topo.netns("f"), topo.netns("t")
        ib, i_f = topo.veth(nb, nf)
        ma, mb = topo.veth(nb, nt)
        for ns, ifn in ((nb, ma), (nt, mb)):
            ns.run(["sysctl", "-qw", f"net.ipv6.conf.{ifn}.disable_ipv6=1"], check=False)
        nb.addr(ib, f"{B4}/24")
        nb.addr(ib, f"{B6}/64")
        nf.addr(i_f, f"{F4}/24")
        nf.addr(i_f, f"{F6}/64")
        mirror(nb, ib, ma)
        cap = Capture(nb, ib, os.path.join(d, "link.pcap"), probe_dst=F4,
                      log=os.path.join(d, "dumpcap.log"))
        cap.start()
        pm = Pmbmpd(d, port=PORT, ns=nt)
        ctx.logs.append(pm.log)
        pm.start()
        topo.kill_fast(pm.proc)
        b = Bmptapd(d, nt, cisco([{"id": 1, "addr": "127.0.0.1", "port": PORT}]),
                    iface=mb, debug="server")
        ctx.logs.append(b.logfile)
        b.start()
        wait_for(lambda: "init" in msg_types(pm.events()), 10, 0.05, "Initiation")
        time.sleep(0.3)                       # the encoder attaches the slot
        frr, bird = Frr(nf, d), Bird(nb, d)
        ctx.logs += [frr.log, bird.log]
        frr.start(scenario.frr_conf(PLAN))
        bird.start(scenario.bird_conf(PLAN.v4, PLAN.v6))
        t0 = time.monotonic()
        wait_for(lambda: converged(frr, bird, PLAN.v4, PLAN.v6), 60, 0.2, "sessions up")
        res["up_s"] = time.monotonic() - t0
        pm.wait_quiet(1.0)
        res["before"] = logged(pm)
        bird.configure(scenario.bird_conf(PLAN.v4 + MORE4, PLAN.v6 + MORE6))
        wait_for(lambda: converged(frr, bird, PLAN.v4 + MORE4, PLAN.v6 + MORE6), 30, 0.2,
                 "new routes at FRR")
        try:
            wait_for(lambda: new_prefixes() <= logged(pm), 10, 0.2, "new routes at pmbmpd")
        except TimeoutError:
            pass                              # 10b reports what is missing
        # A bounded run: BIRD shuts down (NOTIFICATION Cease, TCP closed), so
        # nothing crosses the link after the capture stops (FRR may re-send
        # its networks a few seconds after a change).
        bird.stop()
        try:
            wait_for(lambda: len(peer_downs(pm)) >= 4, 10, 0.1, "Peer Downs")
        except TimeoutError:
            pass                              # 10a reports it
        pm.wait_quiet(1.0)
        cap.stop()
        res["rc"] = b.stop()
        wait_for(lambda: "term" in msg_types(pm.events()), 10, 0.05, "Termination")
        res["events"] = pm.events()
        res["counters"] = [ln for ln in b.lines() if ln.startswith(("port.", "lcore"))]
    res["wire"] = bgpdecode.decode_bgp_capture(cap.path)


def case_session(ctx, d):
    live_run(ctx, d)
    r = ctx.shared["live"]
    check(r["rc"] == 0, f"bmptapd exited {r['rc']} on SIGTERM")
    dec = r["wire"]
    dirs = wire_directions(dec)
    check(len(dirs) == 4, f"the link capture shows {len(dirs)} directions with an OPEN")
    ups = peer_ups(r["events"])
    want = set()
    for key, dd in dec["directions"].items():
        for s in compare.wire_sessions(dec, key):
            sport, dport = s["ports"]
            want.add((dd["sender"], dd["receiver"], dport, sport))
    got = {(e["peer_ip"], e["local_ip"], e["local_port"], e["remote_port"]) for e in ups}
    check(got == want, f"Peer Ups {sorted(got)}, sessions on the link {sorted(want)}")
    check(len(ups) == len(want), f"{len(ups)} Peer Ups for {len(want)} directions")
    types = msg_types(r["events"])
    check(types[:1] == ["init"] and types[-1:] == ["term"], f"stream {types[:2]}..{types[-1:]}")
    downs = sorted(e["peer_ip"] for e in r["events"] if e.get("bmp_msg_type") == "peer_down")
    check(downs == sorted(p[0] for p in want), f"Peer Downs after BIRD stopped: {downs}")
    return (f"sessions up in {r['up_s']:.1f} s; Peer Up of all {len(got)} directions "
            f"(s1 and s2, both ways) with the link's ports; a Peer Down each when BIRD "
            f"stopped")


def case_routes(ctx, d):
    r = ctx.shared.get("live")
    check(r and "wire" in r, "10a did not complete its run")
    new = new_prefixes()
    got = {(e["peer_ip"], e["ip_prefix"]) for e in r["events"]
           if e.get("bmp_msg_type") == "route_monitor" and e.get("log_type") == "update"}
    check(not (new & r["before"]), "the new routes were logged before BIRD announced them?")
    missing = sorted(new - got)
    check(not missing, f"{len(missing)} of {len(new)} routes announced after start missing "
          f"at pmbmpd, e.g. {missing[:5]}")
    want = wire_routes(r["wire"])
    diff = diff_routes(want, station_routes(r["events"]))
    check(not diff, f"pmbmpd vs the link: {diff}")
    return (f"{len(new)} routes added by reconfiguring BIRD after start all logged; pmbmpd "
            f"holds exactly the link's {sum(want.values())} prefix events")


CASES = [("10a live-session", case_session), ("10b live-routes", case_routes)]


def main():
    tools = ("tshark", "dumpcap", "pmbmpd", "ip", "tc", "bird", "birdc", "vtysh",
             "/usr/lib/frr/bgpd")
    return Runner("test_live_capture", CASES, tools).run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
