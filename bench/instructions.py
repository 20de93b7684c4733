"""Scenario 4: instructions per packet, per UPDATE and per prefix (callgrind).

bmptapd runs under `valgrind --tool=callgrind` on a fixed capture (seeded,
the same in quick and full mode), writing BMP to /dev/null. The inclusive
cost of the RX path (rx_worker.c `handle`: classify, steer, flow table,
reassembly, BGP framing and parsing, session, mirror, event records) and
of the encoder (`encoder_poll`) are divided by what the capture holds.
Instruction counts do not depend on the load of the machine, so these
figures are the ones to compare between commits. A second run on non-BGP
frames only gives the instructions to discard one frame.
"""

import os
import re
import shutil

from common import BenchError, Fig, Skip, counters, lcore_sum, sh
from callgrind import find, parse, top
from mixed import nonbgp_capture

TARGET_PER_PREFIX = 300
TABLE_ARGS = ["--one-way", "--keep-open", "--ipv4", "100k", "--ipv6", "20k", "--seed", "1"]


def profile(ctx, name, pcap):
    """callgrind bmptapd over a capture; (functions, counters)."""
    out = ctx.path("callgrind", f"{name}.out")
    # valgrind cannot map hugepage memory: bmptapd on 4 KiB pages
    res = sh(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
              ctx.bin("bmptapd"), "--file-prefix", f"bench{os.getpid()}cg", "--no-huge",
              "-m", "512", "--no-pci", "--",
              "--pcap", pcap, "--bmp-out", "/dev/null", "--exit-on-eof"], timeout=1200,
             check=False)
    if res.returncode != 0 or not os.path.exists(out):
        raise BenchError(f"callgrind run failed ({res.returncode}): {res.stderr[-1500:]}")
    return parse(out), counters(res.stderr), out


def rx_path(funcs):
    """Inclusive Ir of the RX path after rx_burst: rx_worker.c's
    handle_port_burst (fresh bursts) plus handle (held and steered packets);
    neither calls the other."""
    parts = [find(funcs, pat, "rx_worker.c") for pat in (r"handle_port_burst(\..*)?",
                                                          r"handle(\..*)?")]
    if parts[0] is None:
        return None
    return sum(p[1].incl for p in parts if p)


def rx_and_encoder(funcs):
    rx = rx_path(funcs)
    enc = find(funcs, r"encoder_poll(\..*)?")
    if rx is None or enc is None:
        raise BenchError("callgrind: rx_worker.c handle_port_burst or encoder_poll not found "
                         "(inlined? the binary needs them as functions)")
    return rx, enc[1].incl


def breakdown(funcs, prefixes):
    """Inclusive cost per prefix of the stages the lead optimizes."""
    stages = [("classify_frame", r"classify_frame(\..*)?"),
              ("TCP reassembly (reasm_push/pop/ack)", r"reasm_(push|pop|ack)(\..*)?"),
              ("BGP framing (bgp_framer_next)", r"bgp_framer_next(\..*)?"),
              ("UPDATE parsing (bgp_parse_update)", r"bgp_parse_update(\..*)?"),
              ("mirror (mirror_apply)", r"mirror_apply(\..*)?"),
              ("event records (evq_put)", r"evq_put(\..*)?"),
              ("encoder (encoder_poll)", r"encoder_poll(\..*)?"),
              ("BMP Route Monitoring (bmp_put_route_monitoring)",
               r"bmp_put_route_monitoring(\..*)?")]
    rows = []
    for label, pat in stages:
        if pat.startswith("reasm_"):
            # the three entry points do not call one another: their sum is the stage
            incl = sum(c.incl for (ob, f, fn), c in funcs.items() if re.fullmatch(pat, fn))
        else:
            hit = find(funcs, pat)
            incl = hit[1].incl if hit else 0
        rows.append((label, incl / prefixes))
    return rows


def run(ctx):
    if shutil.which("valgrind") is None:
        raise Skip("valgrind is not installed")
    pcap, summ = ctx.gen("cg-table", TABLE_ARGS)
    funcs, ctr, out = profile(ctx, "table", pcap)
    rx, enc = rx_and_encoder(funcs)
    pkts, upd, pfx = lcore_sum(ctr, "rx_packets"), summ["updates"], summ["prefixes"]
    if lcore_sum(ctr, "bgp.update") != upd:
        raise BenchError(f"callgrind run saw {lcore_sum(ctr, 'bgp.update')} UPDATEs, "
                         f"expected {upd}")
    figs = [
        Fig("s4.pipeline_per_prefix", "whole pipeline (RX path + encoder), mirror on: "
            "instructions per prefix", [(rx + enc) / pfx], "instr", TARGET_PER_PREFIX,
            fmt="{:.0f}"),
        Fig("s4.rx_per_packet", "RX path (rx_worker `handle_port_burst` + `handle`): "
            "instructions per packet",
            [rx / pkts], "instr", fmt="{:.0f}"),
        Fig("s4.rx_per_update", "RX path: instructions per UPDATE", [rx / upd], "instr",
            fmt="{:.0f}"),
        Fig("s4.rx_per_prefix", "RX path: instructions per prefix", [rx / pfx], "instr",
            fmt="{:.0f}"),
        Fig("s4.enc_per_update", "encoder (`encoder_poll`): instructions per UPDATE",
            [enc / upd], "instr", fmt="{:.0f}"),
        Fig("s4.enc_per_prefix", "encoder: instructions per prefix", [enc / pfx], "instr",
            fmt="{:.0f}"),
    ]
    stages = breakdown(funcs, pfx)
    hot = [(f"{k[2]} ({os.path.basename(k[1])})", c.self_ir / pfx, c.incl / pfx)
           for k, c in top(funcs, 15)]
    cap, n = nonbgp_capture(ctx)
    f2, c2, _ = profile(ctx, "nonbgp", cap)
    rx2 = rx_path(f2)
    polled = find(f2, r"poll_ports(\..*)?", "rx_worker.c")
    frames = lcore_sum(c2, "rx_packets")
    if rx2 and frames:
        figs.append(Fig("s4.discard_per_frame", "non-BGP frame (64 B background): RX path "
                        "instructions to classify and drop it", [rx2 / frames],
                        "instr", fmt="{:.0f}"))
        figs.append(Fig("s4.poll_per_frame", "same, with the pcap PMD's rx_burst "
                        "(poll_ports inclusive)", [polled[1].incl / frames],
                        "instr", fmt="{:.0f}"))
    notes = [f"Capture: `bmptap-gen {' '.join(TABLE_ARGS)}`: {pkts:,} frames, {upd:,} "
             f"UPDATEs, {pfx:,} prefixes. Profile: {out} (callgrind_annotate --inclusive=yes).",
             "Reproduce: `valgrind --tool=callgrind build/bmptapd --pcap CAP --bmp-out "
             "/dev/null --exit-on-eof`, then the inclusive Ir of rx_worker.c `handle_port_burst` "
             "and `handle` and of "
             "`encoder_poll` divided by the counts above."]
    ctx.section("4", "Instructions (callgrind, deterministic)", figs, notes,
                {"stages": stages, "hot": hot, "rx_ir": rx, "enc_ir": enc})

