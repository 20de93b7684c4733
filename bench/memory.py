"""Scenario 5: memory of bmptapd holding a full table, bytes per prefix of the mirror.

bmptapd reads the table capture without --exit-on-eof, so once the sink
has every prefix it is a daemon holding the sessions' Adj-RIB-In mirrors:
VmRSS and VmHWM from /proc/PID/status, then the counters (SIGUSR1):
lcoreN.rib.bytes / lcoreN.rib.routes is the mirror's own bytes per prefix.
A daemon holding a 10-prefix table gives the baseline (pools, rings,
buffers), so (RSS - baseline) / prefixes is the whole process's cost of a
prefix. bench/mirror-mem measures the mirror alone on the same kind of
table (and its apply and replay speed).
"""

import re

from common import BenchError, Fig, lcore_sum, sh, station_conf, wait_for
from fulltable import tables
from tap import Sink, Tapd

TARGET_BYTES = 64


def holding(ctx, name, pcap, prefixes):
    """(VmRSS/VmHWM kB, counters) of a daemon that exported the whole table."""
    sink = Sink(ctx, name, expect=prefixes).start()
    tapd = Tapd(ctx, name, ["--pcap", pcap], conf=station_conf(sink.port)).start()
    try:
        wait_for(lambda: (sink.snapshot() or {}).get("reached_mono"), 600, 0.2,
                 f"{name}: sink to receive {prefixes} prefixes")
        wait_for(lambda: lcore_sum(tapd.usr1()[1], "rib.routes") >= prefixes, 30, 0.2,
                 f"{name}: mirror to hold every prefix")
        status = tapd.status()
        _, ctr = tapd.usr1()
    finally:
        tapd.stop()
        sink.stop()
    return status, ctr


def mirror_mem(ctx):
    args = ["--ipv4", "200000", "--ipv6", "50000"] if ctx.quick else ["--gen-default"]
    out = sh([ctx.bin("mirror-mem")] + args, timeout=600).stdout
    def num(pat):
        m = re.search(pat, out)
        if not m:
            raise BenchError(f"mirror-mem output lacks /{pat}/: {out[-600:]}")
        return float(m.group(1))
    return args, out, {
        "bytes_per_prefix": num(r"mirror: \d+ bytes, ([\d.]+) bytes per prefix"),
        "load_ns": num(r"load\s*:.*?([\d.]+) ns a prefix"),
        "dup_ns": num(r"dup\s*:.*?([\d.]+) ns a prefix"),
        "change_ns": num(r"change:.*?([\d.]+) ns a prefix"),
        "replay_mpps": num(r"replay: [\d.]+ s, ([\d.]+) M prefixes/s"),
    }


def run(ctx):
    figs, notes, extra = [], [], {}
    small, _ = ctx.gen("tiny", ["--ipv4", "10", "--ipv6", "0", "--keep-open", "--one-way"])
    base, _ = holding(ctx, "s5-baseline", small, 10)
    notes.append(f"Baseline (a 10-prefix session): VmRSS {base['VmRSS'] / 1024:.0f} MiB, "
                 f"VmHWM {base['VmHWM'] / 1024:.0f} MiB.")
    for name, label, args in tables(ctx):
        pcap, summ = ctx.gen(f"table-{name}", args + ["--keep-open", "--seed", "1"])
        st, ctr = holding(ctx, f"s5-{name}", pcap, summ["prefixes"])
        routes, rib = lcore_sum(ctr, "rib.routes"), lcore_sum(ctr, "rib.bytes")
        extra[name] = {"status": st, "rib_bytes": rib, "rib_routes": routes}
        figs += [
            Fig(f"s5.{name}.rss", f"{label}: VmRSS holding it", [st["VmRSS"] / 1024], "MiB",
                fmt="{:.0f}"),
            Fig(f"s5.{name}.hwm", f"{label}: VmHWM (peak)", [st["VmHWM"] / 1024], "MiB",
                fmt="{:.0f}"),
            Fig(f"s5.{name}.rss_per_prefix", f"{label}: (VmRSS - baseline) per prefix",
                [(st["VmRSS"] - base["VmRSS"]) * 1024 / summ["prefixes"]], "B",
                fmt="{:.1f}"),
            Fig(f"s5.{name}.rib_per_prefix", f"{label}: mirror bytes per prefix "
                "(rib.bytes / rib.routes)", [rib / routes if routes else None], "B",
                TARGET_BYTES, fmt="{:.1f}"),
        ]
    args, out, mm = mirror_mem(ctx)
    extra["mirror_mem"] = {"args": args, "output": out, **mm}
    figs += [
        Fig("s5.mm.bytes", f"bench/mirror-mem {' '.join(args)}: bytes per prefix",
            [mm["bytes_per_prefix"]], "B", TARGET_BYTES, fmt="{:.1f}"),
        Fig("s5.mm.load", "mirror-mem: load (empty mirror, parse + apply)", [mm["load_ns"]],
            "ns/prefix", fmt="{:.0f}"),
        Fig("s5.mm.dup", "mirror-mem: duplicates (same UPDATEs again)", [mm["dup_ns"]],
            "ns/prefix", fmt="{:.0f}"),
        Fig("s5.mm.change", "mirror-mem: implicit withdraws (new attribute sets)",
            [mm["change_ns"]], "ns/prefix", fmt="{:.0f}"),
        Fig("s5.mm.replay", "mirror-mem: replay (initial refresh) rate", [mm["replay_mpps"]],
            "M prefixes/s", fmt="{:.1f}"),
    ]
    notes.append("mirror-mem output:\n\n```\n" + out.strip() + "\n```")
    ctx.section("5", "Memory", figs, notes, extra)
