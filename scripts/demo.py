#!/usr/bin/env python3
"""The demo: a capture through bmptapd to pmbmpd, and what pmbmpd logged.

bmptapd runs on its embedded default configuration (configs/bmptap.conf:
one BMP station at 127.0.0.1 port 11019, every peer activated), reads the
capture with DPDK's pcap PMD and exports to a real pmbmpd listening there,
whose JSON message log is summarized here.
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "lib"))
from bmptest.pmbmpd import Pmbmpd  # noqa: E402

PORT = 11019


def run_bmptapd(capture):
    """bmptapd on its embedded default: it connects to the station itself."""
    cmd = [os.path.join(ROOT, "build", "bmptapd"), "--pcap", capture, "--exit-on-eof",
           "--debug", "server"]
    print("$ " + " ".join(cmd))
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"bmptapd failed:\n{p.stderr}")
    lines = p.stderr.splitlines()
    for line in lines:
        if "BGPBMP:" in line or "bmptapd:" in line:
            print("  " + line)
    return dict(l.split()[:2] for l in lines if l.count(" ") == 1)


def peer_table(events):
    """Per sending peer: its receiver (from Peer Up), AS, and what was logged."""
    peers = collections.OrderedDict()
    for e in events:
        t = e.get("bmp_msg_type")
        if t not in ("peer_up", "route_monitor", "peer_down"):
            continue
        p = peers.setdefault(e.get("peer_ip"), collections.Counter())
        if t == "peer_up":
            p["receiver"], p["asn"] = e.get("local_ip"), e.get("peer_asn")
        p[t if t != "route_monitor" else e.get("log_type")] += 1
    return peers


def summarize(events, counters):
    kinds = collections.Counter(e["bmp_msg_type"] for e in events if "bmp_msg_type" in e)
    print("\npmbmpd logged", sum(kinds.values()), "BMP messages:",
          ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"\n{'peer (sender)':<16} {'receiver':<16} {'AS':>6} {'up':>3} {'down':>4}"
          f" {'announced':>9} {'withdrawn':>9}")
    for ip, p in peer_table(events).items():
        print(f"{ip:<16} {p['receiver']!s:<16} {p['asn']!s:>6} {p['peer_up']:>3}"
              f" {p['peer_down']:>4} {p['update']:>9} {p['withdraw']:>9}")
    sample = next((e for e in events if e.get("bmp_msg_type") == "route_monitor"), None)
    if sample:
        keep = ("peer_ip", "ip_prefix", "bgp_nexthop", "as_path", "comms", "med",
                "timestamp")
        print("\na route as pmbmpd logged it:\n  " +
              ", ".join(f"{k}={sample[k]}" for k in keep if k in sample))
    keys = ("lcore1.bgp.update", "encoder.bmp.route_monitoring", "encoder.bmp.peer_up",
            "lcore1.loss_events")
    print("\nbmptapd counters: " + ", ".join(f"{k.split('.', 1)[1]}={counters.get(k, '?')}"
                                              for k in keys))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pcap", default=os.path.join(ROOT, "tests", "data",
                                                   "bird-frr-small.pcap"))
    args = ap.parse_args()
    print(f"capture: {args.pcap} (real BIRD <-> FRR sessions, see tests/data/README.md)")
    with tempfile.TemporaryDirectory(prefix="bmptap-demo.") as tmp:
        collector = Pmbmpd(tmp, port=PORT)
        collector.start()
        try:
            counters = run_bmptapd(args.pcap)
            collector.wait_quiet(settle=1.0, timeout=30)
            summarize(collector.events(), counters)
        finally:
            collector.stop()


if __name__ == "__main__":
    main()
