#!/usr/bin/env python3
"""bmptapd --xdp: AF_XDP capture behind bmptap's XDP filter, on a veth.

    tests/integration/test_xdp.py [CASE ...]        (root; CASE: 1, 2, 3)

Namespaces g (tcpreplay on its end of a veth) and c (bmptapd --xdp on the
other end, DPDK af_xdp with pmd/xdp/bgp_filter.bpf.o). IPv6 is off on both
ends before the link exists, so the frames on the link are the replay's
only. A capture from bmptap-gen with --background 0.5 (UDP, ICMP, other
TCP mixed with two BGP sessions over IPv4 and IPv6) is replayed into g's end.

  1  untagged: the BMP stream bmptapd writes (--bmp-out) carries exactly the
     prefixes of the capture's BGP part, per sender (the capture decoded by
     lib/bmptest/bgpwire.py, the streams by bmpview.py), and its Route
     Monitoring UPDATEs are byte-equal, in order, to those of an offline
     `bmptapd --pcap` run of that part. The filter redirected every BGP frame
     (xdp.IF.redirected = BGP frames = the port's ipackets) and dropped every
     background frame: the drop counters add up to the background frames,
     per reason as tshark classifies them (not_bgp: TCP, not_tcp: UDP and
     ICMP), and nothing was left without a socket
  2  the same traffic under an 802.1Q tag (bmptap-gen --vlan 100)
  3  command line: --xdp on a missing interface, BMPTAP_XDP_OBJ naming no
     file: exit 2 with the reason, nothing attached

Environment: BMPTAP_BUILD (build directory, default build), BMPTAP_KEEP=DIR.
Exit 0 / 1 / 77 (not root, a tool missing).
"""

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from bmptest.bmptapd import Bmptapd, binary, build_dir, counters  # noqa: E402
from bmptest.casekit import Runner, Topology, check  # noqa: E402
from bmptest import bgpwire  # noqa: E402
from bmptest.bmpview import View  # noqa: E402
from bmptest.expect import diff_routes  # noqa: E402
from bmptest.netns import wait_for  # noqa: E402

TABLE = ["--sessions", "2", "--ipv4", "1500", "--ipv6", "400", "--keep-open", "--seed", "11",
         "--background", "0.5"]
REPLAY_PPS = 2000
GEN_LINE = re.compile(r"bmptap-gen: (\d+) frames \((\d+) bgp, (\d+) background")
REASONS = ("no_socket", "not_ip", "not_tcp", "not_bgp", "fragment", "truncated", "malformed")
# tshark's view of each drop reason (no IP reassembly: fragments stay fragments)
FRAG = "(ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr)"
TSHARK_REASONS = {
    "not_ip": "!ip && !ipv6",
    "fragment": FRAG,
    "not_tcp": f"(ip || ipv6) && !tcp && !{FRAG}",
    "not_bgp": f"tcp && !(tcp.port == 179) && !{FRAG}",
}


def run(args, timeout=300, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, **kw)


def tshark_count(pcap, dfilter):
    res = run(["tshark", "-r", pcap, "-n", "-o", "ip.defragment:FALSE",
               "-o", "ipv6.defragment:FALSE", "-Y", dfilter, "-T", "fields",
               "-e", "frame.number"])
    check(res.returncode == 0, f"tshark -Y '{dfilter}': {res.stderr[-300:]}")
    return len(res.stdout.split())


def generate(d, extra):
    """The capture, its BGP part (tshark's split) and bmptap-gen's counts."""
    full, bgp = os.path.join(d, "full.pcap"), os.path.join(d, "bgp.pcap")
    res = run([os.path.join(build_dir(), "bmptap-gen"), "--pcap", full] + TABLE + extra)
    m = GEN_LINE.search(res.stderr)
    check(res.returncode == 0 and m, f"bmptap-gen: {res.stderr[-500:]}")
    frames, nbgp, nbg = (int(x) for x in m.groups())
    res = run(["tshark", "-r", full, "-Y", "tcp.port == 179", "-F", "pcap", "-w", bgp])
    check(res.returncode == 0, f"tshark split: {res.stderr[-300:]}")
    check(tshark_count(bgp, "frame") == nbgp, f"tshark's BGP part is not bmptap-gen's "
          f"{nbgp} BGP frames")
    check(nbg > 50 and frames == nbgp + nbg, f"bmptap-gen made {frames} frames: {nbgp} "
          f"BGP, {nbg} background")
    want = {r: tshark_count(full, f) for r, f in TSHARK_REASONS.items()}
    check(sum(want.values()) == nbg, f"tshark classifies {want}, not the {nbg} background "
          f"frames")
    return full, bgp, nbgp, nbg, want


def link(topo):
    """g and c joined by a veth, IPv6 off before the ends exist (no ND/MLD)."""
    g, c = topo.netns("g"), topo.netns("c")
    for ns in (g, c):
        ns.run(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1",
                "net.ipv6.conf.all.disable_ipv6=1"])
    ga, cb = topo.veth(g, c)
    return g, c, ga, cb


def xdp_counts(log, ifname):
    c = counters(log)
    return {k[len(f"xdp.{ifname}."):]: v for k, v in c.items()
            if k.startswith(f"xdp.{ifname}.")}, c


def routes(updates):
    """Multiset of (sender, update|withdraw, "family prefix") over
    [(sender, parsed UPDATE)]: a missing or duplicated route shows."""
    out = collections.Counter()
    for sender, u in updates:
        for kind, side in (("update", "announce"), ("withdraw", "withdraw")):
            for fam, pfx in u[side]:
                out[(sender, kind, f"{fam} {pfx}")] += 1
    return out


def wire_updates(pcap):
    """[(sender, raw UPDATE)] of the capture (bgpwire: TCP reassembly in Python)."""
    return [(d.sender, raw) for d in bgpwire.directions(pcap).values()
            for _, _, raw, _ in bgpwire.updates(d)]


def bmp_updates(path):
    """[(peer address, raw UPDATE)] of the Route Monitoring messages, in order."""
    v = View.from_file(path)
    check(not v.trailing, f"{path}: {len(v.trailing)} trailing bytes")
    check(v.msgs and v.msgs[0].type == "initiation" and v.msgs[-1].type == "termination",
          f"{path}: not Initiation ... Termination: {v.types()[:3]} ... {v.types()[-3:]}")
    return [(m.peer[0], m.body) for m in v.msgs if m.type == "route_monitoring"]


def parsed(updates):
    return [(s, bgpwire.parse_update(raw)) for s, raw in updates]


def offline(d, bgp):
    """bmptapd --pcap on the capture's BGP part: the reference stream."""
    out = os.path.join(d, "offline.bmp")
    prefix = f"btx{os.getpid()}off"
    try:
        res = run([binary(), "--file-prefix", prefix, "--", "--pcap", bgp,
                   "--bmp-out", out, "--exit-on-eof"])
    finally:
        shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
    with open(out + ".log", "w") as f:
        f.write(res.stderr)
    check(res.returncode == 0, f"offline bmptapd exited {res.returncode}: "
          f"{res.stderr[-800:]}")
    return out


def live(ctx, d, full, nframes):
    """Replay full into g's end; bmptapd --xdp on c's end; (xdp counters,
    all counters, BMP stream path)."""
    out = os.path.join(d, "live.bmp")
    with Topology(tag="x") as topo:
        g, c, ga, cb = link(topo)
        b = Bmptapd(d, c, "", extra=["--xdp", cb, "--bmp-out", out])
        ctx.logs.append(b.logfile)
        b.start()
        prog = c.run(["ip", "-d", "link", "show", cb]).stdout
        check("prog/xdp" in prog and "bgp_filter" in prog,
              f"no bgp_filter XDP program on {cb}: {prog}")
        res = g.run(["tcpreplay", "-q", "-i", ga, f"--pps={REPLAY_PPS}", full],
                    check=False, timeout=120)
        check(res.returncode == 0, f"tcpreplay: {res.stderr[-500:]}")

        def all_seen():
            b.signal(signal.SIGUSR1)
            time.sleep(0.2)
            x, _ = xdp_counts(b.log(), cb)
            return sum(x.values()) >= nframes
        try:
            wait_for(all_seen, 20, 0.3, "every replayed frame in the XDP counters")
        except TimeoutError:
            pass                       # the checks below say what is missing
        time.sleep(1.0)                # let the pipeline export what it took
        rc = b.stop()
        check(rc == 0, f"bmptapd exited {rc}")
        after = c.run(["ip", "link", "show", cb]).stdout
        check("prog/xdp" not in after, f"XDP program left on {cb} after exit: {after}")
    x, allc = xdp_counts(b.log(), cb)
    return cb, x, allc, out


def case_replay(ctx, d, extra_gen=()):
    extra_gen = list(extra_gen)
    full, bgp, nbgp, nbg, want_reasons = generate(d, extra_gen)
    ifname, x, allc, live_bmp = live(ctx, d, full, nbgp + nbg)
    check(set(x) == {"redirected", "read_errors"} | set(REASONS),
          f"xdp counters printed: {sorted(x)}")
    check(x["read_errors"] == 0, f"xdp.{ifname}.read_errors {x['read_errors']}")
    drops = sum(x[r] for r in REASONS)
    check(x["redirected"] == nbgp, f"xdp.{ifname}.redirected {x['redirected']}, the capture "
          f"has {nbgp} BGP frames")
    check(drops == nbg, f"XDP drop counters add up to {drops}, the capture has {nbg} "
          f"background frames: {x}")
    got_reasons = {r: x[r] for r in TSHARK_REASONS}
    check(got_reasons == want_reasons and x["no_socket"] == 0,
          f"drops by reason {x}, tshark says {want_reasons}")
    ipk = allc.get("port.net_af_xdp0.ipackets")
    check(ipk == nbgp, f"port.net_af_xdp0.ipackets {ipk}, want the {nbgp} BGP frames")

    wire_u = wire_updates(bgp)
    ref_u, got_u = bmp_updates(offline(d, bgp)), bmp_updates(live_bmp)
    wire, ref, got = routes(parsed(wire_u)), routes(parsed(ref_u)), routes(parsed(got_u))
    n = sum(wire.values())
    check(n == 4 * (1500 + 400), f"the capture carries {n} routes, want {4 * 1900}")
    diff = diff_routes(wire, ref)
    check(not diff, f"offline --pcap stream vs the capture: {diff}")
    diff = diff_routes(wire, got)
    check(not diff, f"--xdp stream vs the capture: {diff}")
    check(got_u == ref_u, f"--xdp and --pcap streams: {len(got_u)} and {len(ref_u)} "
          f"Route Monitoring UPDATEs, not byte-equal in order")
    check(sorted(wire_u) == sorted(got_u), "the --xdp stream's UPDATEs are not the wire's")
    return (f"{nbgp} BGP frames redirected, {nbg} background dropped in XDP "
            f"({', '.join(f'{k} {v}' for k, v in x.items() if v and k != 'redirected')}); "
            f"{n} routes, {len(got_u)} UPDATEs in the --xdp stream, byte-equal to --pcap's "
            f"and to the wire's")


def case_vlan(ctx, d):
    return case_replay(ctx, d, ["--vlan", "100"])


def case_cli(ctx, d):
    with Topology(tag="y") as topo:
        g, c, ga, cb = link(topo)
        bad = [([binary(), "--", "--xdp", "nosuch0"], None, "--xdp nosuch0: no such "
                "network interface"),
               ([binary(), "--", "--xdp", cb], {"BMPTAP_XDP_OBJ": "/nonexistent.o"},
                "BMPTAP_XDP_OBJ /nonexistent.o: No such file or directory")]
        for args, env, needle in bad:
            e = dict(os.environ, **(env or {}))
            res = run(c.cmd(args), timeout=30, env=e)
            check(res.returncode == 2 and needle in res.stderr,
                  f"{' '.join(args[1:])}: exit {res.returncode}, stderr "
                  f"{res.stderr.strip()[-300:]!r} lacks {needle!r}")
        prog = c.run(["ip", "link", "show", cb]).stdout
        check("prog/xdp" not in prog, f"an XDP program was attached: {prog}")
    return f"{len(bad)} bad command lines refused with their reason"


def case_detached(ctx, d):
    """The filter detached by hand under a running bmptapd: its counters
    cannot be read; said once in the log, counted at every read."""
    with Topology(tag="z") as topo:
        g, c, ga, cb = link(topo)
        b = Bmptapd(d, c, "", extra=["--xdp", cb, "--bmp-out", os.devnull])
        ctx.logs.append(b.logfile)
        b.start()
        c.run(["ip", "link", "set", "dev", cb, "xdp", "off"])
        for _ in range(3):
            b.signal(signal.SIGUSR1)
            time.sleep(0.3)
        rc = b.stop()
    log = b.log()
    warned = log.count(f"--xdp {cb}: cannot read the XDP filter's counters")
    errors = counters(log).get(f"xdp.{cb}.read_errors", 0)
    check(warned == 1, f"the unreadable filter was logged {warned} times, want once")
    check(errors >= 4, f"xdp.{cb}.read_errors {errors} after 3 SIGUSR1 and the exit")
    check(rc == 0, f"bmptapd exited {rc} with its filter detached")
    return f"filter detached: logged once, read_errors {errors}, exit 0"


CASES = [("1 replay", case_replay), ("2 vlan", case_vlan), ("3 cli", case_cli),
         ("4 detached", case_detached)]


def main():
    if not os.access(os.path.join(build_dir(), "bmptap-gen"), os.X_OK) and os.geteuid() == 0:
        print(f"FAIL: bmptap-gen not found in {build_dir()}")
        return 1
    obj = os.path.join(build_dir(), "pmd", "xdp", "bgp_filter.bpf.o")
    if not os.path.exists(obj) and not os.environ.get("BMPTAP_XDP_OBJ"):
        print(f"SKIP: {obj} not built (meson feature 'xdp': libbpf, clang)")
        return 77
    return Runner("test_xdp", CASES, ("tshark", "tcpreplay", "ip")).run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
