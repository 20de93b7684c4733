"""Scenario 2: sustained churn, the highest UPDATE rate exported with zero loss.

A churn capture (bmptap-gen: 4 sessions, small tables, then churn UPDATEs:
new prefixes, withdrawals, attribute changes; each UPDATE one segment, with
its ACK) is sent live into the veth bmptapd captures (af_packet), first as
fast as the sender goes, then, if anything was lost, at rates found by
bisection. A rate passes when the sink received every UPDATE and bmptapd
saw no TCP gap. The same capture read from a file (pcap PMD, never lossy)
gives bmptapd's own processing rate, the ceiling the live figure would
reach with a sender fast enough.
"""

from common import BenchError, Fig, Skip, median
from live import AF_RING, LiveRig, trial
from tap import offline_to_sink

SESSIONS = 4


def churn_capture(ctx):
    rate, secs = (10000, 2) if ctx.quick else (25000, 4)
    args = ["--sessions", str(SESSIONS), "--one-way", "--keep-open", "--ipv4", "2000",
            "--ipv6", "500", "--churn", str(rate), "--churn-seconds", str(secs), "--seed", "2"]
    pcap, summ = ctx.gen("churn", args)
    return pcap, summ, args


def offline_rate(ctx, pcap, summ):
    rates = []
    for i in range(ctx.repeat):
        _, res = offline_to_sink(ctx, f"s2-offline-{i}", pcap, None)
        if res["route_monitoring"] != summ["updates"]:
            raise BenchError(f"churn offline: {res['route_monitoring']} of "
                             f"{summ['updates']} UPDATEs exported")
        rates.append(summ["updates"] / (res["last_rm_mono"] - res["first_byte_mono"]))
    return rates


def describe(t):
    return (f"{t['upd_rate']:,.0f} UPDATE/s ({t['pps']:,.0f} frames/s): "
            f"{t['exported']:,}/{t['expected']:,} exported, gaps {t['gaps']}, "
            f"kernel backlog drops {t['kernel_drops']}, imissed {t['imissed']}"
            f"{'' if t['ok'] else ' LOSS'}")


def search(ctx, rig, pcap, summ, log):
    """Top speed first; bisect below it when that lost anything."""
    n = summ["updates"]
    top = [trial(ctx, rig, f"s2-top-{i}", pcap, n) for i in range(ctx.repeat)]
    for t in top:
        log.append(t)
        ctx.log("  top speed: " + describe(t))
    if all(t["ok"] for t in top):
        return top, True
    lo, hi, best = 0.0, median([t["pps"] for t in top]), None
    for step in range(2 if ctx.quick else 5):
        mid = (lo + hi) / 2 if lo else hi / 2
        t = trial(ctx, rig, f"s2-bisect-{step}", pcap, n, pps=mid)
        log.append(t)
        ctx.log(f"  asked {mid:,.0f} frames/s: " + describe(t))
        if t["ok"]:
            lo, best = mid, t
        else:
            hi = mid
    if best is None:
        return [], False
    confirm = [best] + [trial(ctx, rig, f"s2-confirm-{i}", pcap, n, pps=lo)
                        for i in range(ctx.repeat - 1)]
    log += confirm[1:]
    return [t for t in confirm if t["ok"]], False


def run(ctx):
    pcap, summ, args = churn_capture(ctx)
    notes = [f"Capture: `bmptap-gen {' '.join(args)}`: {summ['updates']:,} UPDATEs "
             f"({summ['prefixes']:,} announcements, {summ['withdrawals']:,} withdrawals) in "
             f"{summ['frames']:,} frames."]
    figs = []
    off = offline_rate(ctx, pcap, summ)
    figs.append(Fig("s2.offline", "churn capture read from a file (pcap PMD, lossless by "
                    "construction): UPDATEs exported per second", off, "UPDATE/s"))
    trials = []
    try:
        with LiveRig(ctx) as rig:
            passed, sender_bound = search(ctx, rig, pcap, summ, trials)
            dflt = trial(ctx, rig, "s2-default-ring", pcap, summ["updates"], ring=None)
            ctx.log("  af_packet default ring, top speed: " + describe(dflt))
    except Skip as e:
        ctx.section("2", "Sustained churn", figs, notes + [f"Live part skipped: {e}"],
                    {"trials": trials})
        return
    ctx.shared["churn_sender_bound"] = sender_bound
    ctx.shared["churn_max_pps"] = median([t["pps"] for t in passed])
    rates = [t["upd_rate"] for t in passed]
    label = "live (af_packet on a veth): highest UPDATE rate with zero loss"
    if sender_bound:
        label += " (no loss even at the sender's top speed: a lower bound)"
        notes.append("Live: nothing was lost even at the sender's top speed, so the figure is "
                     "the sender's limit, not bmptapd's: on this box the kernel's veth and "
                     "af_packet work for each frame runs on the sending CPU, which is the "
                     "control thread's. The file-read figure above is bmptapd's own rate.")
    figs.append(Fig("s2.live", label, rates, "UPDATE/s"))
    note = ("With the af_packet PMD's default ring (what `--iface IF` gives: 512 frames), "
            "same capture at top speed: " + describe(dflt) + ".")
    if dflt["gaps"] and not dflt["imissed"]:
        note += (" The frames the kernel dropped from that ring did not show in "
                 "`port.*.imissed` (0): bmptapd saw them only as TCP gaps.")
    notes.append(note + f" The live runs use `--vdev net_af_packet0,iface=IF,{AF_RING}`.")
    ctx.section("2", "Sustained churn", figs, notes, {"trials": trials, "default_ring": dflt})
