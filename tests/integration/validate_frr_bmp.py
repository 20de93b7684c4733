#!/usr/bin/env python3
"""Validate the oracle on a real BMP producer: FRR bgpd's own BMP module.

    validate_frr_bmp.py [--v4 500 --v6 200] [--keep DIR]

Records the BIRD <-> FRR scenario while FRR exports BMP (pre-policy, IPv4
and IPv6 unicast) to a sink, decodes FRR's stream and the capture with
tshark, and runs compare.py on the directions FRR receives. FRR re-packs
each prefix into its own UPDATE, so the comparison is --per-prefix, and FRR
8.4 prepends its own AS to the AS_PATH of pre-policy routes (FRR PR #21815),
which --strip-leading-as 65002 undoes. The Peer Up (ports, OPENs), per-peer
header and final-table checks apply as they are.

Then the same stream is mutated three ways (one Route Monitoring dropped,
one prefix altered, one BGP length corrupted) and each mutant must be
rejected: the oracle is shown to pass a real producer and to catch errors.
Exit 0 when all of that holds, 77 when not root.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import bgpdecode  # noqa: E402
import record_sessions  # noqa: E402
from bmptest import scenario  # noqa: E402

FRR_RECEIVERS = f"{scenario.F4},{scenario.F6}"
COMPARE_ARGS = ["--receivers", FRR_RECEIVERS, "--per-prefix",
                "--strip-leading-as", str(scenario.FRR_AS)]


def run_compare(wire_json, bmp_path, extra=()):
    res = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), wire_json, bmp_path]
                         + COMPARE_ARGS + list(extra), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    return res.returncode, res.stdout


def mutants(stream):
    """(name, mutated stream) variants that a correct oracle must reject."""
    msgs, problem = bgpdecode.bmp_frame(stream)
    assert problem is None, problem
    rms = [i for i, m in enumerate(msgs) if m[5] == 0]
    mid = rms[len(rms) // 2]
    # An IPv4 single-prefix UPDATE from FRR ends with its NLRI (len 24 + 3 octets).
    v4 = [i for i in rms if msgs[i][-4] == 24 and not msgs[i][7] & 0x80]
    # Dropping an announcement matters; an explicit withdrawal right before a
    # Peer Down (FRR sends those) would be redundant, so do not pick one.
    out = [("drop one Route Monitoring", msgs[:v4[0]] + msgs[v4[0] + 1:])]
    v4 = v4[len(v4) // 3:]
    alt = list(msgs)
    m = bytearray(alt[v4[0]])
    m[-2] ^= 0x80
    alt[v4[0]] = bytes(m)
    out.append(("alter one prefix", alt))
    bad = list(msgs)
    m = bytearray(bad[mid])
    m[6 + 42 + 16:6 + 42 + 18] = (len(m) - 48 + 7).to_bytes(2, "big")
    bad[mid] = bytes(m)
    out.append(("corrupt one BGP length", bad))
    return [(name, b"".join(ms)) for name, ms in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--v4", type=int, default=500)
    ap.add_argument("--v6", type=int, default=200)
    ap.add_argument("--keep", help="keep the capture, FRR's stream and decodes here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("validate_frr_bmp: needs root", file=sys.stderr)
        return 77
    tmp = args.keep or tempfile.mkdtemp(prefix="bmptap-frrbmp-")
    os.makedirs(tmp, exist_ok=True)
    try:
        return validate(tmp, args)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def validate(tmp, args):
    pcap, bmp = os.path.join(tmp, "bird-frr.pcap"), os.path.join(tmp, "frr.bmp")
    plan = scenario.Plan(v4=args.v4, v6=args.v6)
    res = record_sessions.record(pcap, plan, os.path.join(tmp, "work"), bmp)
    print(f"validate_frr_bmp: recorded in {res['seconds']}s; {res['summary']}")
    if res["problems"]:
        print(f"validate_frr_bmp: capture problems: {res['problems']}")
        return 1
    wire_json = os.path.join(tmp, "wire.json")
    with open(wire_json, "w") as f:
        json.dump(bgpdecode.decode_bgp_capture(pcap), f)
    rc, text = run_compare(wire_json, bmp)
    print(text, end="")
    if rc != 0:
        print("validate_frr_bmp: FAILED: FRR's BMP does not match the capture")
        return 1
    with open(bmp, "rb") as f:
        stream = f.read()
    failed = 0
    for name, data in mutants(stream):
        path = os.path.join(tmp, "mutant.bmp")
        with open(path, "wb") as f:
            f.write(data)
        mrc, mtext = run_compare(wire_json, path)
        first = next((ln for ln in mtext.splitlines() if ln.startswith("  - ")), "")
        verdict = "rejected" if mrc else "ACCEPTED (oracle too weak)"
        print(f"validate_frr_bmp: mutant '{name}': {verdict} {first.strip()[:160]}")
        failed += mrc == 0
    print(f"validate_frr_bmp: {'OK' if not failed else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
