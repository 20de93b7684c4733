#!/usr/bin/env python3
"""Record real BGP sessions (BIRD 2 <-> FRR bgpd) into a pcap. Needs root.

    record_sessions.py --out FILE.pcap [--v4 4000 --v6 1500]
                       [--frr-v4 300 --frr-v6 150] [--frr-bmp-out FILE.bmp]
                       [--workdir DIR] [--summary FILE.json]

Two namespaces joined by a veth, captured with dumpcap on BIRD's end:
session s1 over IPv4 (IPv4 + IPv6 unicast), session s2 over IPv6 (IPv6
unicast); both sides send UPDATEs; then withdrawals, an attribute change,
a NOTIFICATION from each side with re-establishment and the tables re-sent
(see lib/bmptest/scenario.py). Every step waits for both speakers to report
the expected route counts. With --frr-bmp-out, FRR's own BMP module exports
what FRR receives to a sink on 127.0.0.1 inside FRR's namespace.

Afterwards the pcap is checked with tshark: every direction carried UPDATEs,
no malformed packet, and each direction's final table has the size the
speakers reported (so the capture is complete). Exits non-zero otherwise.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from bmptest import scenario  # noqa: E402
from bmptest.netns import wait_for, stop_process  # noqa: E402
import bgpdecode  # noqa: E402
import compare  # noqa: E402

BMP_PORT = 11019


class FrrBmpSink:
    """Scenario hooks: a BMP sink in FRR's namespace, up before FRR starts."""

    def __init__(self, out, workdir):
        self.out = out
        self.ready = os.path.join(workdir, "bmpsink.ready")
        self.log = os.path.join(workdir, "bmpsink.log")
        self.proc = None

    def started(self, _nb, nf):
        self.proc = nf.popen([sys.executable, os.path.join(HERE, "lib", "bmptest", "bmpsink.py"),
                              "--listen", f"127.0.0.1:{BMP_PORT}", "--out", self.out,
                              "--ready", self.ready], log=self.log)
        wait_for(lambda: os.path.exists(self.ready), 10, what="BMP sink")

    def frr_started(self, _scn):
        # Initiation received: FRR's BMP session is up before any BGP session.
        wait_for(lambda: os.path.exists(self.out) and os.path.getsize(self.out) > 0, 15,
                 what="FRR BMP connection")

    def finished(self, _scn):
        # FRR writes BMP from a queue: wait until the stream stops growing.
        last, stable = -1, 0
        deadline = time.monotonic() + 30
        while stable < 3 and time.monotonic() < deadline:
            size = os.path.getsize(self.out)
            stable = stable + 1 if size == last else 0
            last = size
            time.sleep(0.3)
        stop_process(self.proc)


def expected_tables(final):
    b4, b6, f4, f6 = scenario.B4, scenario.B6, scenario.F4, scenario.F6
    return {f"{b4}->{f4}": final["bird_v4"] + final["bird_v6"], f"{b6}->{f6}": final["bird_v6"],
            f"{f4}->{b4}": final["frr_v4"] + final["frr_v6"], f"{f6}->{b6}": final["frr_v6"]}


def verify_capture(pcap, final):
    """Check the capture against what the speakers reported; return problems."""
    dec = bgpdecode.decode_bgp_capture(pcap)
    problems = []
    if dec["malformed"]:
        problems.append(f"{dec['malformed']} malformed packets in the capture")
    for key, size in expected_tables(final).items():
        d = dec["directions"].get(key)
        if d is None or not any(m["type"] == "UPDATE" for m in d["messages"]):
            problems.append(f"direction {key}: no UPDATE captured")
            continue
        got = len(compare.wire_table(compare.wire_sessions(dec, key)))
        if got != size:
            problems.append(f"direction {key}: final table {got} routes, speakers say {size}")
    nnotif = sum(1 for d in dec["directions"].values() for m in d["messages"]
                 if m["type"] == "NOTIFICATION")
    if nnotif < 2:
        problems.append(f"only {nnotif} NOTIFICATION captured, expected 2")
    return dec, problems


def record(out, plan, workdir, frr_bmp_out=None, log=print):
    hooks = None
    if frr_bmp_out:
        plan.frr_bmp_port = BMP_PORT
        hooks = FrrBmpSink(frr_bmp_out, workdir)
    t0 = time.monotonic()
    final = scenario.Scenario(workdir, out, plan, log=log).run(hooks)
    os.chmod(out, 0o644)
    elapsed = time.monotonic() - t0
    dec, problems = verify_capture(out, final)
    return {"pcap": out, "seconds": round(elapsed, 1), "steps": plan.timings,
            "final_routes": final, "expected_tables": expected_tables(final),
            "summary": bgpdecode.summary_bgp(dec), "problems": problems}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--v4", type=int, default=4000)
    ap.add_argument("--v6", type=int, default=1500)
    ap.add_argument("--frr-v4", type=int, default=300)
    ap.add_argument("--frr-v6", type=int, default=150)
    ap.add_argument("--frr-bmp-out")
    ap.add_argument("--workdir", help="keep speaker configs and logs here")
    ap.add_argument("--summary", help="write a JSON summary here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("record_sessions: needs root (network namespaces)", file=sys.stderr)
        return 77
    for v, lim in ((args.v4, 16384), (args.v6, 16384), (args.frr_v4, 4096), (args.frr_v6, 4096)):
        if not 1 <= v <= lim:
            ap.error(f"route counts must be within 1..{lim}")
    plan = scenario.Plan(v4=args.v4, v6=args.v6, frr_v4=args.frr_v4, frr_v6=args.frr_v6)
    workdir = args.workdir or tempfile.mkdtemp(prefix="bmptap-rec-")
    out = os.path.abspath(args.out)
    try:
        res = record(out, plan, workdir, args.frr_bmp_out and os.path.abspath(args.frr_bmp_out))
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"record_sessions: {out} in {res['seconds']}s, steps {res['steps']}")
    print(res["summary"])
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(res, f, indent=1)
    for p in res["problems"]:
        print(f"record_sessions: PROBLEM: {p}", file=sys.stderr)
    return 1 if res["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
