"""Scenario 6: capture-to-send latency under load, p50 and p99.

On the live path the BMP per-peer timestamp is the capture time (the wall
clock when the RX lcore polled the frame); the sink takes the wall clock
when the read that completed a Route Monitoring message returned. Same
host, same clock: latency = arrival - timestamp, per message. The churn
capture is sent at fractions of the highest zero-loss rate scenario 2
found (or of the sender's top speed), so the load is what the box can
carry without loss.
"""

import os
import re

from common import ROOT, Fig, Skip
from churn import churn_capture
from live import LiveRig, trial

FRACTIONS_QUICK = (0.1, 1.0)
FRACTIONS_FULL = (0.01, 0.1, 0.5, 1.0)


def _define(path, name):
    try:
        with open(os.path.join(ROOT, path)) as f:
            m = re.search(rf"^#define {name} (.+)$", f.read(), re.M)
    except OSError:
        return None
    return m.group(1).strip() if m else None


def _arith(expr):
    """The value of a C constant made of products, like (128u * 1024u), or None."""
    expr = re.sub(r"(\d+)[uUlL]+", r"\1", expr or "")
    if not re.fullmatch(r"[\d\s*()]+", expr):
        return None
    total = 1
    for factor in re.findall(r"\d+", expr):
        total *= int(factor)
    return total


def flush_policy(points):
    """What sets the latency floor, read from the sources (so it stays true)."""
    flush = _define("dataplane/encoder.h", "ENCODER_FLUSH_US")
    chunk = _define("dataplane/obuf.h", "OBUF_CHUNK_SIZE")
    tick = _define("control/main.c", "TICK_MS")
    text = (f"What sets the floor: the encoder hands a chunk to the stations when it is half "
            f"full (OBUF_CHUNK_SIZE {chunk}) or ENCODER_FLUSH_US = {flush} us after its first "
            f"message; the control thread writes to the sockets on its TICK_MS = {tick} ms "
            "loop.")
    size = _arith(chunk)
    fast = max(points, key=lambda p: p["upd_rate"], default=None)
    if size and fast and fast.get("bmp_bytes") and fast["seconds"]:
        rate = fast["bmp_bytes"] / fast["seconds"]
        text += (f" At the highest load here the stream is {rate / 1e6:.1f} MB/s of BMP, so "
                 f"half a chunk takes {size / 2 / rate * 1e3:.1f} ms to fill.")
    return text + (" Under load the sender, the control thread and the sink share CPU 0 "
                   "(this box has 2 CPUs), which shows in p99.")


def run(ctx):
    pcap, summ, args = churn_capture(ctx)
    notes, figs, points, unpaced = [], [], [], True
    try:
        with LiveRig(ctx) as rig:
            top = ctx.shared.get("churn_max_pps")
            unpaced = ctx.shared.get("churn_sender_bound", True)
            if not top:
                t = trial(ctx, rig, "s6-probe", pcap, summ["updates"], latency=True)
                top = t["pps"]
            for frac in (FRACTIONS_QUICK if ctx.quick else FRACTIONS_FULL):
                n = ctx.repeat if frac == 1.0 else 1
                runs = [trial(ctx, rig, f"s6-{frac}-{i}", pcap, summ["updates"],
                              pps=None if frac == 1.0 and unpaced else top * frac,
                              latency=True)
                        for i in range(n)]
                for t in runs:
                    lat = t["latency"] or {}
                    ctx.log(f"  load {t['upd_rate']:,.0f} UPDATE/s: p50 {lat.get('p50')} us, "
                            f"p99 {lat.get('p99')} us, max {lat.get('max')} us, "
                            f"{'ok' if t['ok'] else 'LOSS'}")
                    points.append({"frac": frac, **t})
    except Skip as e:
        ctx.section("6", "Latency, capture to send", [], [f"Skipped: {e}"])
        return
    full = [p for p in points if p["frac"] == 1.0 and p["latency"]]
    rate = sorted(p["upd_rate"] for p in full)[len(full) // 2] if full else 0
    what = "the sender's top speed" if unpaced else "the highest zero-loss rate"
    figs.append(Fig("s6.p50", f"p50 at {rate:,.0f} UPDATE/s ({what})",
                    [p["latency"]["p50"] for p in full], "us", fmt="{:.0f}"))
    figs.append(Fig("s6.p99", f"p99 at {rate:,.0f} UPDATE/s",
                    [p["latency"]["p99"] for p in full], "us", fmt="{:.0f}"))
    figs.append(Fig("s6.max", f"max at {rate:,.0f} UPDATE/s",
                    [p["latency"]["max"] for p in full], "us", fmt="{:.0f}"))
    for p in points:
        if p["frac"] != 1.0 and p["latency"]:
            figs.append(Fig(f"s6.p50_{p['frac']}", f"p50 / p99 at {p['upd_rate']:,.0f} "
                            f"UPDATE/s ({p['frac']:.0%} of top)", [p["latency"]["p50"]], "us",
                            note=f"p99 {p['latency']['p99']} us", fmt="{:.0f}"))
    lost = [p for p in points if not p["ok"]]
    if lost:
        notes.append(f"{len(lost)} latency run(s) lost UPDATEs (see scenario 2): their "
                     "latencies are of what arrived.")
    notes.append(flush_policy(points))
    notes.append("Latency is per Route Monitoring message, table dump and churn alike; the "
                 "sink reads with one recv() of up to 1 MiB, so a message is timed when the "
                 "read that completed it returned.")
    ctx.section("6", "Latency, capture to send (live, af_packet)", figs, notes,
                {"points": points})
