#!/usr/bin/env python3
"""Induce tap loss and reordering in a BGP capture.

    make_lossy.py IN.pcap OUT.pcap [--info OUT.json] [--drop K]
                  [--directions SRC->DST,...] [--swap N] [--seed S]

Drops K TCP data segments (port 179) of each chosen direction, picked at
random (seeded) from the middle half of that direction's first connection
(the table transfer), and swaps N pairs of consecutive data segments of a
flow elsewhere (reordering that a receiver's TCP would undo: no data is
lost by a swap). Only pairs less than REORDER_MAX_US apart are swapped: a
tap sees reordering within a few milliseconds, and a segment moved later
than the receiver's ACK of it plus bmptap's grace (reasm.h, 200 ms) is
rightly declared lost, which is not what a swap means to test. Default direction: the one that carries the most BGP bytes.
Timestamps stay in place; only frame contents move. The JSON records what
was done, with 1-based frame numbers of IN.pcap:
    {"dropped": [{"frame", "direction", "seq", "len"}...],
     "swapped": [{"frames": [a, b], "direction"}...],
     "lossy_directions": [...], "reordered_directions": [...]}
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bmptest.pcapio import PcapReader, PcapWriter, parse_tcp  # noqa: E402

BGP_PORT = 179
REORDER_MAX_US = 50_000


def data_segments(records, linktype):
    """{flow: [(index, direction, seq, len)]} for BGP TCP segments with payload."""
    flows = {}
    for i, (_, _, _, frame) in enumerate(records):
        t = parse_tcp(frame, linktype)
        if not t or BGP_PORT not in (t["sport"], t["dport"]) or not t["payload"]:
            continue
        flow = (t["src"], t["sport"], t["dst"], t["dport"])
        flows.setdefault(flow, []).append((i, f"{t['src']}->{t['dst']}", t["seq"],
                                           len(t["payload"])))
    return flows


def first_flow(flows, direction):
    """The first connection (by first frame) of a direction."""
    cands = [segs for flow, segs in flows.items() if segs[0][1] == direction]
    return min(cands, key=lambda s: s[0][0]) if cands else []


def pick_drops(flows, directions, k, rng):
    drops = []
    for d in directions:
        segs = first_flow(flows, d)
        mid = segs[len(segs) // 4: max(len(segs) // 4 + 1, 3 * len(segs) // 4)]
        if len(mid) < k:
            raise SystemExit(f"make_lossy: direction {d} has only {len(mid)} mid-transfer "
                             f"segments, cannot drop {k}")
        drops += rng.sample(mid, k)
    return sorted(drops)


def pick_swaps(flows, n, rng, avoid, times):
    """n pairs of consecutive data segments of one flow, close in time,
    away from drops."""
    pairs = [(a, b) for segs in flows.values() for a, b in zip(segs, segs[1:])
             if not ({a[0], b[0]} & avoid) and times[b[0]] - times[a[0]] < REORDER_MAX_US]
    rng.shuffle(pairs)
    chosen, used = [], set()
    for a, b in pairs:
        if len(chosen) == n:
            break
        if {a[0], b[0]} & used:
            continue
        chosen.append((a, b))
        used |= {a[0] - 1, a[0], b[0], b[0] + 1}
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--info", help="JSON description (default OUT.json)")
    ap.add_argument("--drop", type=int, default=3, help="segments dropped per direction")
    ap.add_argument("--directions", help="comma-separated SRC->DST (default: busiest)")
    ap.add_argument("--swap", type=int, default=4, help="adjacent segment pairs swapped")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rd = PcapReader(args.inp)
    records = list(rd.records())
    flows = data_segments(records, rd.linktype)
    if not flows:
        raise SystemExit("make_lossy: no BGP data segments in the capture")
    if args.directions:
        directions = args.directions.split(",")
    else:
        volume = {}
        for segs in flows.values():
            for s in segs:
                volume[s[1]] = volume.get(s[1], 0) + s[3]
        directions = [max(volume, key=volume.get)]
    rng = random.Random(args.seed)
    drops = pick_drops(flows, directions, args.drop, rng) if args.drop else []
    dropped = {s[0] for s in drops}
    scale = 1000 if rd.nanos else 1
    times = [sec * 1_000_000 + frac // scale for sec, frac, _, _ in records]
    swaps = pick_swaps(flows, args.swap, rng, {i + o for i in dropped for o in (-1, 0, 1)},
                       times)
    order = list(range(len(records)))
    for a, b in swaps:
        order[a[0]], order[b[0]] = b[0], a[0]
    with PcapWriter(args.out, rd.header) as w:
        for pos, src in enumerate(order):
            if src in dropped:
                continue
            sec, frac = records[pos][0], records[pos][1]
            w.write(sec, frac, records[src][3], records[src][2])
    info = {"input": args.inp, "output": args.out, "seed": args.seed,
            "dropped": [{"frame": i + 1, "direction": d, "seq": seq, "len": ln}
                        for i, d, seq, ln in drops],
            "swapped": [{"frames": [a[0] + 1, b[0] + 1], "direction": a[1]} for a, b in swaps],
            "lossy_directions": sorted({d for _, d, _, _ in drops}),
            "reordered_directions": sorted({a[1] for a, _ in swaps})}
    with open(args.info or os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(info, f, indent=1)
    print(f"make_lossy: dropped {len(drops)} segments in {info['lossy_directions']}, "
          f"swapped {len(swaps)} pairs in {info['reordered_directions']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
