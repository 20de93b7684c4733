"""Scenario 8: the machine's own limit, one core's memcpy bandwidth.

bench/memcpy-probe copies a 256 MiB buffer (far beyond the caches) with
memcpy() on the RX lcore's CPU and reports bytes copied per second. A
single-lcore capture path touches each payload byte at least once (the NIC
or the kernel wrote it; bmptapd reads it, and the encoder copies the UPDATE
into the BMP message), so this is a ceiling no implementation on this core
passes. bmptap's BGP payload rate (scenario 1, one direction) is reported
as a fraction of it.
"""

import re

from common import Fig, median, sh


def run(ctx):
    cpu = "1" if ctx.ncpu > 1 else "0"
    out = sh([ctx.bin("memcpy-probe"), "--seconds", "1" if ctx.quick else "3", "--cpu", cpu],
             timeout=120).stdout
    vals = {m.group(1): float(m.group(2)) for m in re.finditer(r"^memcpy\.(\w+) ([\d.]+)$",
                                                                out, re.M)}
    best, med = vals["best_bytes_per_s"], vals["median_bytes_per_s"]
    figs = [Fig("s8.memcpy", f"memcpy bandwidth of one core (CPU {cpu}, 256 MiB buffers, "
                "median of the rounds; best {:.1f} GB/s)".format(best / 1e9), [med / 1e9],
                "GB/s", fmt="{:.1f}"),
            Fig("s8.memcpy_cached", "memcpy, 256 KiB (cache resident), best",
                [vals["cached_256k_best_bytes_per_s"] / 1e9], "GB/s", fmt="{:.1f}")]
    pay = ctx.shared.get("payload_rates")
    if pay:
        figs.append(Fig("s8.payload", "bmptap BGP payload rate (scenario 1, one direction)",
                        [p / 1e9 for p in pay], "GB/s", fmt="{:.3f}"))
        figs.append(Fig("s8.fraction", "bmptap payload rate / memcpy bandwidth",
                        [p / med * 100 for p in pay], "%", fmt="{:.2f}"))
        wire = ctx.shared.get("wire_rates")
        figs.append(Fig("s8.wire_fraction", "bmptap frame bytes (wire) rate / memcpy "
                        "bandwidth", [w / med * 100 for w in wire], "%", fmt="{:.2f}"))
    notes = [f"memcpy-probe output:\n\n```\n{out.strip()}\n```"]
    if not pay:
        notes.append("Scenario 1 did not run: no payload rate to compare.")
    ctx.section("8", "The machine's own limit", figs, notes,
                {"memcpy": vals, "payload_median": median(pay or [])})
