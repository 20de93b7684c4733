"""Scenario 1: a full table, from the first packet to the last BMP byte at the sink.

bmptapd reads a bmptap-gen capture (pcap PMD) and exports to bmp-sink on
loopback; the file is held until the station is attached, so the sink's
first byte (Initiation) marks the start within about a millisecond of the
first packet polled. Time = sink's last Route Monitoring byte - its first
byte (monotonic clock); bmptapd's own run.first_packet_to_drained_us
(first packet polled to everything written) is reported beside it.
Every run must deliver every UPDATE and prefix, or it is a failure.
"""

from common import BenchError, Fig, lcore_sum
from tap import offline_to_sink

TARGET_S = 0.5       # issue: 1.4M prefixes tap-to-collector < 0.5 s on one RX lcore


def tables(ctx):
    """(name, label, bmptap-gen arguments)."""
    if ctx.quick:
        size = ["--ipv4", "200k", "--ipv6", "50k"]
        return [("one-way", "250k prefixes, one direction (quick)", ["--one-way"] + size),
                ("two-way", "2 x 250k prefixes, both directions (quick)", size)]
    return [("one-way", "1.4M prefixes (1.1M IPv4 + 300k IPv6), one direction: "
             "the issue's full table", ["--one-way"]),
            ("two-way", "2.8M prefixes: one session, both speakers send 1.4M "
             "(bmptap-gen default)", [])]


def lcore_configs(ctx):
    """(label, EAL arguments, bmptapd options) per RX lcore count this machine can run.

    One CPU goes to the control thread (main lcore). With two CPUs the
    encoder shares the single RX lcore; with more, each extra CPU can hold
    an RX lcore next to a dedicated encoder lcore."""
    out = [("1 RX lcore, encoder on it", ["-l", "0-1"], [])]
    for n in range(1, max(0, ctx.ncpu - 2) + 1):
        out.append((f"{n} RX lcore(s) + encoder lcore", ["-l", f"0-{n + 1}"],
                    ["--rx-lcores", str(n)]))
    return out


def one_run(ctx, name, pcap, summ, eal, extra):
    ctr, res = offline_to_sink(ctx, name, pcap, summ["prefixes"], eal=eal, extra=extra)
    if res["route_monitoring"] != summ["updates"] or res["announced"] != summ["prefixes"]:
        raise BenchError(f"{name}: sink got {res['route_monitoring']} UPDATEs / "
                         f"{res['announced']} prefixes, expected {summ['updates']} / "
                         f"{summ['prefixes']}")
    t_sink = res["last_rm_mono"] - res["first_byte_mono"]
    return {"t_sink": t_sink, "t_tapd": ctr.get("run.first_packet_to_drained_us", 0) / 1e6,
            "payload": lcore_sum(ctr, "tcp.bytes_delivered"),
            "wire": lcore_sum(ctr, "rx_bytes"), "bmp_bytes": res["bytes"],
            "gaps": lcore_sum(ctr, "tcp.gaps"), "backpressure": lcore_sum(ctr, "backpressure_held")}


def run(ctx):
    figs, notes, extra = [], [], {"runs": {}}
    configs = lcore_configs(ctx)
    if ctx.ncpu < 3:
        notes.append(f"This machine has {ctx.ncpu} CPUs: one for the control thread (main "
                     "lcore), one for the single RX lcore, on which the encoder also runs. "
                     "More RX lcores would share CPUs with these and measure the scheduler; "
                     "besides, one BGP session is owned by one RX lcore (both directions "
                     "steered by the address pair), so a single-session table cannot use more.")
    for name, label, args in tables(ctx):
        pcap, summ = ctx.gen(f"table-{name}", args + ["--keep-open", "--seed", "1"])
        for clabel, eal, opts in configs:
            runs = [one_run(ctx, f"s1-{name}-{i}", pcap, summ, eal, opts)
                    for i in range(ctx.repeat)]
            key = f"{name}/{clabel}"
            extra["runs"][key] = runs
            ctx.log(f"  {key}: " + ", ".join(f"{r['t_sink']:.3f}s" for r in runs))
            full = name == "one-way" and not ctx.quick and clabel.startswith("1 RX")
            ts = [r["t_sink"] for r in runs]
            figs += [
                Fig(f"s1.{name}.time", f"{label}, {clabel}: first packet to last BMP byte "
                    "at the sink", ts, "s", TARGET_S if full else None),
                Fig(f"s1.{name}.tapd_time", f"{label}, {clabel}: bmptapd's "
                    "run.first_packet_to_drained_us", [r["t_tapd"] for r in runs], "s"),
                Fig(f"s1.{name}.pfx_rate", f"{label}, {clabel}: prefixes per second",
                    [summ["prefixes"] / t for t in ts], "prefixes/s", fmt="{:.3g}"),
                Fig(f"s1.{name}.upd_rate", f"{label}, {clabel}: UPDATEs per second",
                    [summ["updates"] / t for t in ts], "UPDATE/s"),
                Fig(f"s1.{name}.payload_rate", f"{label}, {clabel}: BGP payload (TCP bytes "
                    "delivered) per second", [r["payload"] / t / 1e6 for r, t in zip(runs, ts)],
                    "MB/s"),
            ]
            if name == "one-way" and clabel.startswith("1 RX"):
                ctx.shared["payload_rates"] = [r["payload"] / t for r, t in zip(runs, ts)]
                ctx.shared["wire_rates"] = [r["wire"] / t for r, t in zip(runs, ts)]
        extra[name] = {"updates": summ["updates"], "prefixes": summ["prefixes"],
                       "frames": summ["frames"], "pcap_bytes": summ.get("frame_bytes")}
        notes.append(f"{label}: {summ['prefixes']:,} prefixes in {summ['updates']:,} UPDATEs, "
                     f"{summ['frames']:,} frames (`bmptap-gen {' '.join(args)} --keep-open "
                     "--seed 1`).")
    ctx.section("1", "Full table to a loopback collector", figs, notes, extra)
