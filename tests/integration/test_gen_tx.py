#!/usr/bin/env python3
"""bmptap-gen --tx: generated traffic out of a DPDK port, paced by the TSC.

    tests/integration/test_gen_tx.py [CASE ...]      (root; CASE: 1, 2, 3)

Namespaces g (bmptap-gen, DPDK af_packet on its end of a veth) and c (the
other end: dumpcap, or bmptapd --iface exporting to pmbmpd).

  1  veth + tshark: 2 sessions of 2000 IPv4 + 500 IPv6 routes, --keep-open,
     --loop 10 at 4000 pps. Every frame arrives, in order and byte for byte
     equal to bmptap-gen --pcap with --passes 10 (--loop is whole new
     lifecycles); the rate between the first and last frame on the wire and
     bmptap-gen's own figure are within 20% of 4000 pps; tshark finds no
     malformed packet and as many BGP UPDATEs as bmptap-gen made
  2  veth + bmptapd: the same table at 3000 pps into bmptapd --iface;
     pmbmpd logs exactly the routes of bmptap-gen's truth file, per sender
  3  command line: --tx with --pcap, EAL options without --tx, no port, a
     missing --port: exit 2 / 2 / 1 / 1 with the reason; net_null0 at full
     speed sends everything and reports its rate

Environment: BMPTAP_BUILD (build directory, default build), BMPTAP_KEEP=DIR.
Exit 0 / 1 / 77 (not root, a tool missing).
"""

import collections
import ipaddress
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from bmptest.bmptapd import Bmptapd, build_dir  # noqa: E402
from bmptest.capture import Capture  # noqa: E402
from bmptest.casekit import Runner, Topology, check, cisco  # noqa: E402
from bmptest.expect import diff_routes, msg_types, station_routes  # noqa: E402
from bmptest.netns import wait_for  # noqa: E402
from bmptest.pcapio import PcapReader  # noqa: E402
from bmptest.pmbmpd import Pmbmpd  # noqa: E402
from bmptest.tsharkjson import TSHARK_PREFS  # noqa: E402

TABLE = ["--sessions", "2", "--ipv4", "2000", "--ipv6", "500", "--keep-open", "--seed", "3"]
G_ADDR, C_ADDR = "192.0.2.1", "192.0.2.2"
G_MAC, C_MAC = "0e:00:00:00:00:01", "0e:00:00:00:00:02"
PORT = 11911
TX_LINE = re.compile(r"tx (\S+): (\d+) frames, (\d+) bytes sent in ([\d.]+) s: ([\d.]+) "
                     r"([kMG]?)pps.* (\d+) retries, (\d+) not sent")
GEN_LINE = re.compile(r"bmptap-gen: (\d+) frames .* update=(\d+)")


def gen_exe():
    return os.path.join(build_dir(), "bmptap-gen")


def link(topo):
    """g and c joined by a veth with fixed MACs and no IPv6 chatter."""
    g, c = topo.netns("g"), topo.netns("c")
    ga, cb = topo.veth(g, c)
    for ns, ifn, mac, addr in ((g, ga, G_MAC, G_ADDR), (c, cb, C_MAC, C_ADDR)):
        ns.run(["sysctl", "-qw", f"net.ipv6.conf.{ifn}.disable_ipv6=1"], check=False)
        ns.run(["ip", "link", "set", ifn, "address", mac])
        ns.addr(ifn, f"{addr}/24")
    return g, c, ga, cb


def tx(ns, d, iface, *args, timeout=120):
    """bmptap-gen --tx through DPDK af_packet on iface; (summary dict, stderr)."""
    cmd = [gen_exe(), "--vdev", f"net_af_packet0,iface={iface}", "--", "--tx"] + list(args)
    res = ns.run(cmd, check=False, timeout=timeout)
    with open(os.path.join(d, "gen.log"), "a") as f:
        f.write(" ".join(cmd) + "\n" + res.stderr)
    check(res.returncode == 0, f"bmptap-gen exited {res.returncode}: {res.stderr[-1500:]}")
    return summary(res.stderr), res.stderr


def summary(text):
    m, g = TX_LINE.search(text), GEN_LINE.search(text)
    check(m and g, f"no summary in: {text[-800:]}")
    mul = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(6)]
    return {"port": m.group(1), "frames": int(m.group(2)), "bytes": int(m.group(3)),
            "seconds": float(m.group(4)), "pps": float(m.group(5)) * mul,
            "retries": int(m.group(7)), "not_sent": int(m.group(8)),
            "generated": int(g.group(1)), "updates": int(g.group(2))}


def reference(d, name, *args):
    """The same traffic as a capture: [(frame bytes)]."""
    path = os.path.join(d, f"{name}.pcap")
    subprocess.run([gen_exe(), "--pcap", path, "--quiet"] + list(args), check=True,
                   timeout=120)
    return [fr for _, _, _, fr in PcapReader(path).records()]


def generated(path):
    """(seconds, frame) of the captured frames bmptap-gen sent (not the
    veths' own: probes, ARP)."""
    mine = {bytes.fromhex(m.replace(":", "")) for m in (G_MAC, C_MAC)}
    r = PcapReader(path)
    div = 1e9 if r.nanos else 1e6
    return [(sec + frac / div, fr) for sec, frac, _, fr in r.records() if fr[6:12] not in mine]


def tshark_lines(pcap, fields, dfilter=None):
    args = ["tshark", "-r", pcap, "-n"] + TSHARK_PREFS + ["-T", "fields"]
    for f in fields:
        args += ["-e", f]
    if dfilter:
        args += ["-Y", dfilter]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=300)
    check(res.returncode == 0, f"tshark: {res.stderr[-500:]}")
    return [ln for ln in res.stdout.splitlines() if ln.strip()]


def within(value, want, share):
    return abs(value - want) <= want * share


# --- 1: veth, dumpcap, tshark ------------------------------------------------

def case_veth(ctx, d):
    pps, loop = 4000, 10
    with Topology(tag="x") as topo:
        g, c, ga, cb = link(topo)
        cap = Capture(c, cb, os.path.join(d, "rx.pcap"), probe_dst=G_ADDR,
                      log=os.path.join(d, "dumpcap.log"))
        cap.start()
        s, _ = tx(g, d, ga, "--pps", str(pps), "--loop", str(loop), *TABLE)
        cap.stop()
    want = reference(d, "ref", "--pps", str(pps), "--passes", str(loop), *TABLE)
    cap_ref = os.path.join(d, "ref.pcap")
    got = generated(cap.path)
    check(s["not_sent"] == 0 and s["frames"] == s["generated"] == len(want),
          f"sent {s['frames']} of {s['generated']} generated, {s['not_sent']} not sent, "
          f"the capture file has {len(want)}")
    check(len(got) == len(want), f"{len(got)} frames arrived of {len(want)}")
    bad = [i for i, (w, (_, f)) in enumerate(zip(want, got)) if w != f]
    check(not bad, f"{len(bad)} frames differ from --pcap's, first #{bad[:1]}")
    span = got[-1][0] - got[0][0]
    wire_pps = (len(got) - 1) / span
    check(within(wire_pps, pps, 0.2), f"{wire_pps:.0f} pps on the wire, want {pps} +-20%")
    check(within(s["pps"], pps, 0.2), f"bmptap-gen reports {s['pps']:.0f} pps")
    malformed = tshark_lines(cap.path, ["frame.number"], "_ws.malformed")
    check(not malformed, f"tshark: {len(malformed)} malformed frames, e.g. {malformed[:5]}")
    # tshark's AS-width heuristic flags some AS paths as errors: the capture
    # written by --pcap shows the same, nothing more came from the port
    errs = [tshark_lines(p, ["frame.number"], "_ws.expert.severity >= 8388608")
            for p in (cap_ref, cap.path)]
    check(len(errs[0]) == len(errs[1]), f"tshark errors: {len(errs[1])} received, "
          f"{len(errs[0])} in the --pcap capture")
    types = collections.Counter(t for ln in tshark_lines(cap.path, ["bgp.type"], "bgp")
                                for t in ln.split(","))
    check(types["2"] == s["updates"], f"tshark decodes {types['2']} UPDATEs, bmptap-gen "
          f"made {s['updates']}")
    check(types["1"] == 4 * loop, f"{types['1']} OPENs, want {4 * loop}")
    return (f"{len(got)} frames ({loop} lifecycles) arrived byte-exact, {wire_pps:.0f} pps "
            f"on the wire (gen: {s['pps']:.0f}, {s['retries']} retries) for {pps}; tshark: "
            f"{types['2']} UPDATEs, nothing malformed")


# --- 2: veth, bmptapd, pmbmpd ------------------------------------------------

def truth_routes(path):
    """(sender, "update", prefix) of every direction's final table."""
    out = collections.Counter()
    with open(path) as f:
        for ln in f:
            r = json.loads(ln)
            if r.get("type") != "direction":
                continue
            for fam in ("ipv4", "ipv6"):
                for p in r[f"final_{fam}"]:
                    out[(r["sender"], "update", str(ipaddress.ip_network(p)))] += 1
    return out


def case_bmptapd(ctx, d):
    truth = os.path.join(d, "truth.json")
    with Topology(tag="y") as topo:
        g, c, ga, cb = link(topo)
        pm = Pmbmpd(d, port=PORT, ns=c)
        ctx.logs.append(pm.log)
        pm.start()
        topo.kill_fast(pm.proc)
        b = Bmptapd(d, c, cisco([{"id": 1, "addr": "127.0.0.1", "port": PORT}]), iface=cb)
        ctx.logs.append(b.logfile)
        b.start()
        wait_for(lambda: "init" in msg_types(pm.events()), 10, 0.05, "Initiation")
        s, _ = tx(g, d, ga, "--pps", "3000", "--truth", truth, *TABLE)
        want = truth_routes(truth)
        n = sum(want.values())
        try:
            wait_for(lambda: sum(station_routes(pm.events()).values()) >= n, 20, 0.2,
                     "routes at pmbmpd")
        except TimeoutError:
            pass                                  # the diff below says what is missing
        pm.wait_quiet(1.0)
        got = station_routes(pm.events())
        rc = b.stop()
    check(s["not_sent"] == 0, f"{s['not_sent']} frames not sent")
    check(n == 4 * 2500, f"the truth file holds {n} routes")
    diff = diff_routes(want, got)
    check(not diff, f"pmbmpd vs the truth file: {diff}")
    check(rc == 0, f"bmptapd exited {rc}")
    return (f"{s['frames']} frames at {s['pps']:.0f} pps into bmptapd --iface: pmbmpd logged "
            f"the truth file's {n} routes of 4 senders exactly")


# --- 3: command line, net_null -----------------------------------------------

def run_gen(args, timeout=60):
    return subprocess.run([gen_exe()] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def runtime_dirs():
    d = "/var/run/dpdk"
    return {n for n in os.listdir(d) if n.startswith("bmptap-gen-")} if os.path.isdir(d) \
        else set()


def case_cli(ctx, d):
    before = runtime_dirs()
    bad = [
        (["--tx", "--pcap", "x.pcap"], 2, "--pcap and --tx exclude each other"),
        (["--vdev", "net_null0", "--", "--pcap", "x.pcap"], 2, "EAL options (before --) need "
         "--tx"),
        (["--no-pci", "--", "--tx", "--ipv4", "10"], 1, "no DPDK port"),
        (["--vdev", "net_null0", "--", "--tx", "--port", "1"], 1, "--port 1: no such DPDK "
         "port"),
        (["--tx", "--loop", "0"], 2, "--loop: 0 is out of range"),
    ]
    for args, code, needle in bad:
        res = run_gen(args)
        check(res.returncode == code and needle in res.stderr,
              f"{' '.join(args)}: exit {res.returncode} (want {code}), stderr "
              f"{res.stderr.strip()[-300:]!r} lacks {needle!r}")
    res = run_gen(["--vdev", "net_null0", "--", "--tx", "--background", "0.9",
                   "--background-kind", "64"] + TABLE)
    check(res.returncode == 0, f"net_null0: exit {res.returncode}: {res.stderr[-500:]}")
    s = summary(res.stderr)
    check(s["frames"] == s["generated"] and s["not_sent"] == 0,
          f"net_null0: {s['frames']} of {s['generated']} sent")
    left = sorted(runtime_dirs() - before)     # another run's may be there for a while
    return (f"{len(bad)} bad command lines refused with their reason; net_null0: "
            f"{s['frames']} frames at {s['pps'] / 1e6:.2f} Mpps unpaced"
            + (f" (EAL runtime dirs left: {left[:3]})" if left else ""))


CASES = [("1 veth-tshark", case_veth), ("2 veth-bmptapd", case_bmptapd),
         ("3 cli-null", case_cli)]


def main():
    if not os.access(gen_exe(), os.X_OK) and os.geteuid() == 0:
        print(f"FAIL: bmptap-gen not found at {gen_exe()}")
        return 1
    return Runner("test_gen_tx", CASES, ("tshark", "dumpcap", "pmbmpd", "ip")).run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
