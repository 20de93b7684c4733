"""Scenario 3: mixed traffic, the non-BGP discard rate with zero BGP loss.

(a) net_null: DPDK's null PMD hands the RX lcore 64-byte frames of zeros
    as fast as it can: every frame is non-BGP (dropped as not IP). The rate
    is the difference of two counter snapshots (SIGUSR1) over a few seconds.
(b) Real non-BGP frames: bmptap-gen's 64-byte background (IPv4/IPv6, TCP
    and UDP, other ports) with the BGP frames taken out, looped from memory
    by the pcap PMD (infinite_rx): classification goes down to the ports.
(c) The churn capture with 90% background frames, read from a file: every
    UPDATE must reach the sink; rate = frames / bmptapd's own time.
(d) Live: the churn capture with 50% IMIX background sent at top speed
    through af_packet: zero BGP loss required.
"""

import time

from common import BenchError, Fig, Skip, lcore_sum
from churn import churn_capture
from live import LiveRig, trial
from mrt import strip_bgp
from tap import Tapd, offline_to_sink

TARGET_MPPS = 50.0


def discard_rate(ctx, name, vdev, seconds, eal=()):
    """Frames per second through one RX lcore, from two counter snapshots."""
    t = Tapd(ctx, name, [], bmp_out="/dev/null",
             eal=["--no-pci", "--vdev", vdev] + list(eal)).start()
    try:
        time.sleep(0.5)
        t1, c1 = t.usr1()
        time.sleep(seconds)
        t2, c2 = t.usr1()
    finally:
        t.stop()
    frames = lcore_sum(c2, "rx_packets") - lcore_sum(c1, "rx_packets")
    bgp = lcore_sum(c2, "classify.bgp") - lcore_sum(c1, "classify.bgp")
    return frames / (t2 - t1), frames, bgp


def nonbgp_capture(ctx):
    pcap, _ = ctx.gen("bg64", ["--ipv4", "100", "--ipv6", "0", "--one-way", "--keep-open",
                               "--background", "0.99", "--background-kind", "64"])
    out = ctx.path("gen", "nonbgp64.pcap")
    n = strip_bgp(pcap, out)
    return out, n


def offline_mix(ctx):
    _, _, cargs = churn_capture(ctx)
    args = cargs + ["--background", "0.9", "--background-kind", "64"]
    pcap, summ = ctx.gen("churn-mix90", args)
    runs = []
    for i in range(ctx.repeat):
        ctr, res = offline_to_sink(ctx, f"s3-mix-{i}", pcap, None)
        lost = summ["updates"] - res["route_monitoring"]
        if lost:
            raise BenchError(f"mixed capture: {lost} UPDATEs lost from a file")
        secs = ctr.get("run.first_packet_to_drained_us", 0) / 1e6
        frames = lcore_sum(ctr, "rx_packets")
        runs.append({"secs": secs, "lost": lost, "frames": frames,
                     "nonbgp": frames - lcore_sum(ctr, "classify.bgp")})
    return args, summ, runs


def run(ctx):
    secs = 2 if ctx.quick else 5
    figs, notes, extra = [], [], {}
    null = [discard_rate(ctx, f"s3-null-{i}", "net_null0", secs) for i in range(ctx.repeat)]
    figs.append(Fig("s3.null", "net_null (64 B frames of zeros, all non-BGP): frames "
                    "discarded per second by one RX lcore", [r[0] / 1e6 for r in null],
                    "Mpps", TARGET_MPPS, better="higher"))
    nohuge = [discard_rate(ctx, f"s3-nohuge-{i}", "net_null0", secs, ["--no-huge", "-m", "512"])
              for i in range(ctx.repeat)]
    figs.append(Fig("s3.null_nohuge", "same, bmptapd on 4 KiB pages (--no-huge): the TLB "
                    "misses on mbufs bound it", [r[0] / 1e6 for r in nohuge], "Mpps"))
    cap, n = nonbgp_capture(ctx)
    loop = [discard_rate(ctx, f"s3-loop-{i}", f"net_pcap0,rx_pcap={cap},infinite_rx=1", secs)
            for i in range(ctx.repeat)]
    figs.append(Fig("s3.nonbgp64", "64 B IPv4/IPv6 TCP/UDP non-BGP frames looped from memory "
                    "(pcap PMD infinite_rx): frames discarded per second",
                    [r[0] / 1e6 for r in loop], "Mpps"))
    notes.append(f"The looped capture holds {n} non-BGP frames of bmptap-gen's 64-byte "
                 "background (BGP frames removed).")
    args, summ, runs = offline_mix(ctx)
    figs.append(Fig("s3.mix_file", "churn capture + 90% 64 B background, from a file: frames "
                    "per second (BGP and not), every UPDATE exported",
                    [r["frames"] / r["secs"] / 1e6 for r in runs], "Mpps"))
    figs.append(Fig("s3.mix_file_nonbgp", "same: non-BGP frames discarded per second",
                    [r["nonbgp"] / r["secs"] / 1e6 for r in runs], "Mpps"))
    figs.append(Fig("s3.mix_file_lost", "same: BGP UPDATEs lost", [r["lost"] for r in runs],
                    "UPDATEs", fmt="{:.0f}"))
    notes.append(f"Mixed file: `bmptap-gen {' '.join(args)}`: {summ['frames']:,} frames, "
                 f"{summ.get('background', 0):,} of them background, {summ['updates']:,} "
                 "UPDATEs; time = bmptapd's run.first_packet_to_drained_us.")
    extra.update({"null": null, "loop": loop, "mix_file": runs})
    live_mix(ctx, figs, notes, extra)
    ctx.section("3", "Mixed traffic: non-BGP discard with zero BGP loss", figs, notes, extra)


def live_mix(ctx, figs, notes, extra):
    _, _, cargs = churn_capture(ctx)
    args = cargs + ["--background", "0.5", "--background-kind", "imix"]
    pcap, summ = ctx.gen("churn-mix", args)
    try:
        with LiveRig(ctx) as rig:
            runs = [trial(ctx, rig, f"s3-live-{i}", pcap, summ["updates"])
                    for i in range(ctx.repeat)]
    except Skip as e:
        notes.append(f"Live mix skipped: {e}")
        return
    extra["live"] = runs
    figs.append(Fig("s3.mix_live", "live (af_packet), churn + 50% IMIX background at the "
                    "sender's top speed: frames per second", [r["pps"] / 1e6 for r in runs],
                    "Mpps"))
    figs.append(Fig("s3.mix_live_lost", "same: BGP UPDATEs lost (missing at the sink)",
                    [r["expected"] - r["exported"] for r in runs], "UPDATEs", fmt="{:.0f}"))
    notes.append(f"Live mix: `bmptap-gen {' '.join(args)}`: {summ['frames']:,} frames, "
                 f"{summ.get('background', 0):,} of them background; TCP gaps seen: "
                 + ", ".join(str(r["gaps"]) for r in runs) + ".")
