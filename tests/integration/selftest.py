#!/usr/bin/env python3
"""Self-test of the oracle itself; needs tshark, no root, no bmptapd.

    selftest.py [--pcap tests/data/bird-frr-small.pcap]

Uses refexport.py (an independent reference exporter) on the shipped
capture: compare.py must accept its stream strictly and byte for byte, and
must reject each mutant of it (a Route Monitoring dropped, an UPDATE byte
changed, a BMP length corrupted, Initiation missing, a wrong peer type, a
timestamp off by one microsecond);
on a make_lossy.py copy, compare.py --lossy must accept the reference
stream and reject it once its Route Mirroring messages are removed; a
Statistics Report whose Adj-RIB-In gauge matches the stream is accepted
(also with an experimental type tshark 4.0 cannot dissect), a wrong one not.
Prints one line per check and 'N passed, N failed'.
"""

import argparse
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bgpdecode  # noqa: E402
import compare as compare_mod  # noqa: E402
import refexport  # noqa: E402


def compare(wire, bmp, *extra):
    res = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), wire, bmp]
                         + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    return res.returncode, res.stdout


def rebuild(msgs):
    return b"".join(msgs)


def mutate(msgs):
    """(name, stream, extra compare args) that must be rejected."""
    rms = [i for i, m in enumerate(msgs) if m[5] == 0]
    mid = rms[len(rms) // 2]
    out = [("drop a Route Monitoring", rebuild(msgs[:mid] + msgs[mid + 1:]), [])]
    flip = list(msgs)
    m = bytearray(flip[mid])
    m[-1] ^= 0x01                                 # last byte of the embedded UPDATE
    flip[mid] = bytes(m)
    out.append(("change one UPDATE byte", rebuild(flip), []))
    bad = list(msgs)
    m = bytearray(bad[mid])
    m[6 + 42 + 16:6 + 42 + 18] = struct.pack(">H", len(m) - 48 + 9)
    bad[mid] = bytes(m)
    out.append(("corrupt an embedded BGP length", rebuild(bad), []))
    out.append(("no Initiation", rebuild(msgs[1:]), []))
    late = list(msgs)
    m = bytearray(late[mid])
    m[6 + 38:6 + 42] = struct.pack(">I", (struct.unpack_from(">I", m, 6 + 38)[0] + 1) % 1000000)
    late[mid] = bytes(m)
    out.append(("Route Monitoring timestamp off by 1 us", rebuild(late), ["--timestamps"]))
    out.append(("expect another peer type", rebuild(msgs), ["--expect-peer-type", "0"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pcap", default=os.path.join(ROOT, "tests", "data", "bird-frr-small.pcap"))
    args = ap.parse_args()
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="bmptest-self-")
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'}: {name}" + (f"\n{detail}" if not ok and detail else ""))

    try:
        wire = os.path.join(tmp, "wire.json")
        dec = bgpdecode.decode_bgp_capture(args.pcap)
        with open(wire, "w") as f:
            json.dump(dec, f)
        updates = sum(1 for d in dec["directions"].values() for m in d["messages"]
                      if m["type"] == "UPDATE")
        check("capture decodes: 4 directions with UPDATEs, no malformed",
              len(dec["directions"]) == 4 and updates > 0 and dec["malformed"] == 0,
              bgpdecode.summary_bgp(dec))
        ref = os.path.join(tmp, "ref.bmp")
        stream = refexport.export(args.pcap)
        with open(ref, "wb") as f:
            f.write(stream)
        rc, text = compare(wire, ref, "--raw", "--expect-peer-type", "2", "--timestamps")
        check("reference stream accepted (strict, --raw, --timestamps)", rc == 0, text)
        msgs, _ = bgpdecode.bmp_frame(stream)
        for name, data, extra in mutate(msgs):
            path = os.path.join(tmp, "mutant.bmp")
            with open(path, "wb") as f:
                f.write(data)
            rc, text = compare(wire, path, "--raw", "--expect-peer-type", "2", *extra)
            check(f"mutant rejected: {name}", rc != 0, text)
        stats_checks(tmp, wire, msgs, check)
        lossy_checks(tmp, args.pcap, wire, check)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    npass = sum(results)
    print(f"selftest: {npass} passed, {len(results) - npass} failed")
    return 0 if all(results) else 1


def stats_checks(tmp, wire, msgs, check):
    """A Statistics Report before Termination: right gauges pass, a wrong one fails."""
    dec = bgpdecode.decode_bmp_stream(os.path.join(tmp, "ref.bmp"))
    rm = next(m for m in msgs if m[5] == 0)
    raw_addr = rm[6 + 10:6 + 26] if rm[7] & 0x80 else rm[6 + 22:6 + 26]
    addr = str(ipaddress.ip_address(raw_addr))
    peer = next(p for p in dec["peers"].values() if p["addr"] == addr)
    table = {}
    for ev in peer["events"]:
        if ev["type"] == "peer_down":
            table = {}
        elif ev["type"] == "route_monitoring":
            compare_mod.apply_update(table, ev["update"])
    for gauge, want in ((len(table), True), (len(table) + 1, False)):
        tlvs = refexport.tlv(7, struct.pack(">Q", gauge)) + refexport.tlv(
            32768, struct.pack(">Q", 5))                     # experimental: tshark 4.0 throws
        stats = refexport.bmp_msg(1, rm[6:48] + struct.pack(">I", 2) + tlvs)
        path = os.path.join(tmp, "stats.bmp")
        with open(path, "wb") as f:
            f.write(b"".join(msgs[:-1]) + stats + msgs[-1])
        rc, text = compare(wire, path, "--raw")
        label = "accepted" if want else "rejected"
        check(f"Statistics Report with {'right' if want else 'wrong'} Adj-RIB-In gauge "
              f"(and an experimental type) {label}", (rc == 0) == want, text)


def lossy_checks(tmp, pcap, wire, check):
    lossy, info = os.path.join(tmp, "lossy.pcap"), os.path.join(tmp, "lossy.json")
    res = subprocess.run([sys.executable, os.path.join(HERE, "make_lossy.py"), pcap, lossy,
                          "--info", info, "--drop", "1", "--swap", "2", "--seed", "3"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check("make_lossy runs", res.returncode == 0, res.stdout)
    if res.returncode:
        return
    stream = refexport.export(lossy)
    ref = os.path.join(tmp, "ref-lossy.bmp")
    with open(ref, "wb") as f:
        f.write(stream)
    rc, text = compare(wire, ref, "--raw", "--lossy", "--loss-info", info)
    check("lossy reference stream accepted (--lossy)", rc == 0, text)
    rc, text = compare(wire, ref, "--raw")
    check("lossy stream rejected by the strict comparison", rc != 0, text)
    msgs, _ = bgpdecode.bmp_frame(stream)
    quiet = os.path.join(tmp, "no-mirroring.bmp")
    with open(quiet, "wb") as f:
        f.write(b"".join(m for m in msgs if m[5] != 6))
    rc, text = compare(wire, quiet, "--raw", "--lossy", "--loss-info", info)
    check("lossy stream without Route Mirroring rejected", rc != 0, text)


if __name__ == "__main__":
    sys.exit(main())
