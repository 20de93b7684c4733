#!/usr/bin/env python3
"""Check a BMP stream against the BGP capture it was made from.

    compare.py WIRE BMP [options]
WIRE is a BGP capture (.pcap) or its bgpdecode.py JSON; BMP is a raw BMP
stream or its bgpdecode.py JSON.

Strict checks (default):
  - the BMP stream has no malformed message and no tshark expert error,
    and starts with Initiation (Termination, if any, last);
  - every BMP peer, keyed by (peer address, distinguisher), has a Peer Up
    whose local address names one wire direction (peer -> local); that
    direction has exactly one BMP peer;
  - every direction that sent UPDATEs has a BMP peer;
  - per peer, the Route Monitoring UPDATEs equal the direction's UPDATEs in
    order (prefixes per family, End-of-RIB, attributes; --raw: byte for
    byte); Peer Up local/remote ports and OPENs equal the session's; the
    per-peer header carries the sender's AS and BGP ID;
  - per peer, the final table (apply in order, clear at Peer Down) equals
    the direction's final table on the wire (apply in order, clear at a new
    session or OPEN, empty if the last session ended);
  - Statistics Reports are well formed, and their Adj-RIB-In gauges (types
    7 and 9) equal the peer's table rebuilt from the stream at that point.
--timestamps: each Route Monitoring's per-peer header timestamp must equal
  the capture time (microseconds) of the frame that completed its UPDATE.
--per-prefix: instead of message-by-message equality, compare each
  prefix's own sequence of (announce attrs | withdraw) events, with repeats
  collapsed (for producers that re-pack UPDATEs, like FRR's BMP).
--lossy (WIRE = the capture before loss was induced): every Route
  Monitoring UPDATE of a peer must equal, in order, a subsequence of its
  direction's UPDATEs; each direction listed as lossy in --loss-info must
  have a Route Mirroring "Messages Lost" (information code 1); directions
  not listed there get the strict checks.
--strip-leading-as N: drop a leading AS N from the BMP side's AS_PATH before
  comparing (FRR 8.4's BMP prepends its own AS to pre-policy routes: FRR
  PR #21815).
--receivers A,B: only directions whose receiver is one of these are
  expected to have a BMP peer (a router's own BMP reports what it receives).
Prints a per-peer report; exits 1 with a diff on any mismatch.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bgpdecode  # noqa: E402

MAX_DIFF = 12
V_FLAG, A_FLAG = 0x80, 0x20


class Report:
    def __init__(self):
        self.failures = []
        self.lines = []

    def fail(self, msg):
        self.failures.append(msg)

    def info(self, msg):
        self.lines.append(msg)


def load(path, kind, port):
    if path.endswith(".json"):
        with open(path) as f:
            return json.load(f)
    if kind == "bgp":
        return bgpdecode.decode_bgp_capture(path)
    return bgpdecode.decode_bmp_stream(path, port)


# --- wire side ------------------------------------------------------------

def wire_sessions(wire, key):
    """The direction's messages split by TCP connection, with the peer's OPEN."""
    d = wire["directions"][key]
    rev = wire["directions"].get(f"{d['receiver']}->{d['sender']}", {"messages": []})
    sessions, by_stream = [], {}
    for m in d["messages"]:
        s = by_stream.get(m["stream"])
        if s is None:
            conn = wire["connections"].get(str(m["stream"]), {})
            s = {"stream": m["stream"], "open": None, "peer_open": None, "updates": [],
                 "end": conn.get("end"), "ports": conn.get("ports", {}).get(key)}
            by_stream[m["stream"]] = s
            sessions.append(s)
        if m["type"] == "OPEN" and s["open"] is None:
            s["open"] = m
        elif m["type"] == "UPDATE":
            s["updates"].append(m)
    for m in rev["messages"]:
        s = by_stream.get(m["stream"])
        if s is not None and m["type"] == "OPEN" and s["peer_open"] is None:
            s["peer_open"] = m
    return sessions


def apply_update(table, upd):
    for fam, pfx in upd.get("withdraw", {}).items():
        for p in pfx:
            table.pop((fam, p), None)
    for fam, pfx in upd.get("announce", {}).items():
        for p in pfx:
            table[(fam, p)] = upd.get("attrs")


def wire_table(sessions):
    table = {}
    for s in sessions:
        table = {}
        for u in s["updates"]:
            apply_update(table, u)
    if sessions and sessions[-1]["end"]:
        table = {}
    return table


def bmp_table(peer):
    table = {}
    for ev in peer["events"]:
        if ev["type"] == "peer_down":
            table = {}
        elif ev["type"] == "route_monitoring" and "update" in ev:
            apply_update(table, ev["update"])
    return table


# --- comparisons ----------------------------------------------------------

def upd_view(u, raw):
    if raw:
        return u.get("raw")
    return json.dumps([u.get("announce"), u.get("withdraw"), u.get("attrs"), u.get("eor")],
                      sort_keys=True)


def describe(u):
    if u is None:
        return "(nothing)"
    parts = []
    for side in ("announce", "withdraw"):
        for fam, pfx in sorted(u.get(side, {}).items()):
            more = f" +{len(pfx) - 3}" if len(pfx) > 3 else ""
            parts.append(f"{side} {fam} {pfx[:3]}{more}")
    if u.get("eor"):
        parts.append(f"End-of-RIB {u['eor']}")
    where = (f"frame {u['frame']}" if u.get("frame") is not None
             else f"BMP message {u.get('bmp_index')}")
    return f"[{where}] " + ("; ".join(parts) or "empty UPDATE") + f" attrs={u.get('attrs')}"


def capture_ts(epoch):
    """(seconds, microseconds) of tshark's frame.time_epoch string."""
    sec, _, frac = epoch.partition(".")
    return int(sec), int((frac + "000000")[:6])


def check_timestamps(rep, name, wire_upds, bmp_upds):
    """Route Monitoring timestamp = capture time of the frame completing the UPDATE."""
    for i, (w, b) in enumerate(zip(wire_upds, bmp_upds)):
        want = capture_ts(w["time"]) if w.get("time") else None
        if want and tuple(b.get("ts") or ()) != want:
            rep.fail(f"{name}: UPDATE #{i} timestamp {b.get('ts')}, captured at {want} "
                     f"(frame {w['frame']})")
            return


def compare_ordered(rep, name, wire_upds, bmp_upds, raw):
    n = max(len(wire_upds), len(bmp_upds))
    for i in range(n):
        w = wire_upds[i] if i < len(wire_upds) else None
        b = bmp_upds[i] if i < len(bmp_upds) else None
        if w is None or b is None or upd_view(w, raw) != upd_view(b, raw):
            rep.fail(f"{name}: UPDATE #{i} differs (wire {len(wire_upds)} UPDATEs, "
                     f"BMP {len(bmp_upds)})\n      wire: {describe(w)}\n      bmp:  {describe(b)}")
            return False
    return True


def wire_items(sessions):
    """UPDATEs and session resets of one direction, in order."""
    items = []
    for i, s in enumerate(sessions):
        if i:
            items.append(None)
        items += s["updates"]
    if sessions and sessions[-1]["end"]:
        items.append(None)
    return items


def bmp_items(peer):
    return [ev.get("update") if ev["type"] == "route_monitoring" else None
            for ev in peer["events"] if ev["type"] in ("route_monitoring", "peer_down")
            and (ev["type"] == "peer_down" or "update" in ev)]


def prefix_histories(items, labels):
    """Per prefix: its announce (attribute label) / withdraw events, repeats collapsed.
    A reset (None item) withdraws everything announced so far."""
    hist, live = {}, set()
    for u in items:
        if u is None:
            for k in live:
                _push(hist, k, "W")
            live = set()
            continue
        for fam, pfx in u.get("withdraw", {}).items():
            for p in pfx:
                _push(hist, (fam, p), "W")
                live.discard((fam, p))
        label = labels.setdefault(u.get("attrs"), f"A{len(labels)}")
        for fam, pfx in u.get("announce", {}).items():
            for p in pfx:
                _push(hist, (fam, p), label)
                live.add((fam, p))
    return hist


def _push(hist, key, val):
    h = hist.setdefault(key, [])
    if not h or h[-1] != val:
        h.append(val)


def compare_per_prefix(rep, name, wire_items_, bmp_items_):
    labels = {}
    hw = prefix_histories(wire_items_, labels)
    hb = prefix_histories(bmp_items_, labels)
    bad = [k for k in sorted(set(hw) | set(hb)) if hw.get(k) != hb.get(k)]
    used = set()
    for k in bad[:MAX_DIFF]:
        rep.fail(f"{name}: history of {k[0]} {k[1]}: wire {hw.get(k)} bmp {hb.get(k)}")
        used |= set(hw.get(k, []) + hb.get(k, []))
    if bad:
        rep.fail(f"{name}: {len(bad)} prefixes with a different history; attribute sets: " +
                 "; ".join(f"{lab}={sig}" for sig, lab in labels.items() if lab in used))
    return not bad


def compare_subsequence(rep, name, wire_upds, bmp_upds, raw):
    i = 0
    for j, b in enumerate(bmp_upds):
        view = upd_view(b, raw)
        while i < len(wire_upds) and upd_view(wire_upds[i], raw) != view:
            i += 1
        if i == len(wire_upds):
            rep.fail(f"{name}: exported UPDATE #{j} is not in the wire's order (or not on the "
                     f"wire at all): {describe(b)}")
            return False
        i += 1
    return True


def compare_tables(rep, name, wt, bt):
    missing = sorted(k for k in wt if k not in bt)
    extra = sorted(k for k in bt if k not in wt)
    changed = sorted(k for k in wt if k in bt and wt[k] != bt[k])
    for label, keys in (("missing in BMP", missing), ("extra in BMP", extra),
                        ("attributes differ", changed)):
        if keys:
            sample = ", ".join(f"{f} {p}" for f, p in keys[:MAX_DIFF])
            rep.fail(f"{name}: final table: {len(keys)} {label}: {sample}")
            if label == "attributes differ":
                k = keys[0]
                rep.fail(f"      {k[1]} wire attrs={wt[k]}\n      {k[1]} bmp  attrs={bt[k]}")
    return not (missing or extra or changed)


# --- peers ------------------------------------------------------------------

def map_peers(rep, wire, bmp):
    """{direction: (peer key, peer)} through each peer's Peer Up local address."""
    mapping = {}
    for key, peer in sorted(bmp["peers"].items()):
        locals_ = {ev["local"] for ev in peer["events"] if ev["type"] == "peer_up"}
        if not locals_:
            rep.fail(f"BMP peer {key}: no Peer Up, cannot map it to a session direction")
            continue
        if len(locals_) > 1:
            rep.fail(f"BMP peer {key}: Peer Ups with several local addresses {sorted(locals_)}")
        direction = f"{peer['addr']}->{sorted(locals_)[0]}"
        if direction not in wire["directions"]:
            rep.fail(f"BMP peer {key}: direction {direction} is not in the capture")
            continue
        if direction in mapping:
            rep.fail(f"direction {direction} has two BMP peers: {mapping[direction][0]}, {key}")
            continue
        mapping[direction] = (key, peer)
    return mapping


def check_peer_ups(rep, name, peer, sessions, raw):
    ups = [ev for ev in peer["events"] if ev["type"] == "peer_up"]
    opened = [s for s in sessions if s["open"] is not None and s["peer_open"] is not None]
    if len(ups) != len(opened):
        rep.fail(f"{name}: {len(ups)} Peer Up for {len(opened)} established sessions on the wire")
    for up, s in zip(ups, opened):
        if s["ports"] and [up["rport"], up["lport"]] != s["ports"]:
            rep.fail(f"{name}: Peer Up ports local {up['lport']} remote {up['rport']}, "
                     f"wire sender:receiver ports {s['ports']}")
        opens = up.get("opens", [])
        want = [s["peer_open"], s["open"]]        # sent = receiver's, received = sender's
        if len(opens) != 2:
            rep.fail(f"{name}: Peer Up carries {len(opens)} OPEN messages")
            continue
        for label, got, exp in zip(("sent", "received"), opens, want):
            if raw and got.get("raw") != exp.get("raw"):
                rep.fail(f"{name}: Peer Up {label} OPEN differs from the wire "
                         f"(frame {exp['frame']})")
            elif (got.get("as"), got.get("bgp_id")) != (exp.get("as"), exp.get("bgp_id")):
                rep.fail(f"{name}: Peer Up {label} OPEN AS/ID {got.get('as')}/{got.get('bgp_id')} "
                         f"!= wire {exp.get('as')}/{exp.get('bgp_id')}")


def check_headers(rep, name, peer, sessions):
    opened = [s for s in sessions if s["open"] is not None]
    if not opened:
        return
    sopen = opened[-1]["open"]
    want_as = sopen.get("as4") or sopen.get("as")
    want_v = ":" in peer["addr"]
    both4 = all(s["open"] and s["peer_open"] and "as4" in s["open"] and "as4" in s["peer_open"]
                for s in opened)
    bad = set()
    for ev in peer["events"]:
        if ev["type"] != "route_monitoring":
            continue
        h = ev["hdr"]
        if h["asn"] != want_as:
            bad.add(f"peer AS {h['asn']} != sender's {want_as}")
        if h["bgp_id"] != sopen.get("bgp_id"):
            bad.add(f"peer BGP ID {h['bgp_id']} != sender's {sopen.get('bgp_id')}")
        if bool(h["flags"] & V_FLAG) != want_v:
            bad.add(f"V flag {bool(h['flags'] & V_FLAG)} for peer {peer['addr']}")
        if bool(h["flags"] & A_FLAG) == both4:
            bad.add(f"A flag {bool(h['flags'] & A_FLAG)} but 4-byte AS negotiated={both4}")
    for b in sorted(bad):
        rep.fail(f"{name}: per-peer header: {b}")


def rm_updates(peer):
    return [ev["update"] for ev in peer["events"]
            if ev["type"] == "route_monitoring" and "update" in ev]


def strip_leading_as(bmp, asn):
    """Remove a leading AS asn from every Route Monitoring AS_PATH signature."""
    want = f"as_path_segment.as={asn}"
    for peer in bmp["peers"].values():
        for u in rm_updates(peer):
            if not u.get("attrs"):
                continue
            attrs = json.loads(u["attrs"])
            for a in attrs:
                vals = a[1]
                ases = [i for i, v in enumerate(vals) if v.startswith("as_path_segment.as=")]
                if a[0] == 2 and ases and vals[ases[0]] == want:
                    del vals[ases[0]]
            u["attrs"] = json.dumps(attrs)


def check_direction(rep, args, wire, direction, key, peer, lossy):
    name = f"peer {key} ({direction})"
    sessions = wire_sessions(wire, direction)
    wire_upds = [u for s in sessions for u in s["updates"]]
    bmp_upds = rm_updates(peer)
    nfail = len(rep.failures)
    if lossy:
        compare_subsequence(rep, name, wire_upds, bmp_upds, args.raw)
        lost = [ev for ev in peer["events"] if ev["type"] == "route_mirroring"
                and 1 in ev.get("codes", [])]
        if not lost:
            rep.fail(f"{name}: lost data on the wire but no Route Mirroring 'Messages Lost'")
    elif args.per_prefix:
        compare_per_prefix(rep, name, wire_items(sessions), bmp_items(peer))
    else:
        if compare_ordered(rep, name, wire_upds, bmp_upds, args.raw) and args.timestamps:
            check_timestamps(rep, name, wire_upds, bmp_upds)
    if not args.no_session_checks:
        check_peer_ups(rep, name, peer, sessions, args.raw)
        check_headers(rep, name, peer, sessions)
    if args.expect_peer_type is not None and peer["peer_type"] != args.expect_peer_type:
        rep.fail(f"{name}: peer type {peer['peer_type']}, expected {args.expect_peer_type}")
    wt, bt = wire_table(sessions), bmp_table(peer)
    if not lossy:
        compare_tables(rep, name, wt, bt)
        check_stats(rep, name, peer)
    ok = len(rep.failures) == nfail
    cnt = {}
    for ev in peer["events"]:
        cnt[ev["type"]] = cnt.get(ev["type"], 0) + 1
    rep.info(f"  {'OK  ' if ok else 'FAIL'} {name} type={peer['peer_type']} rd={peer['rd']}: "
             f"wire {len(wire_upds)} UPDATEs / {len(sessions)} sessions, BMP {cnt}, "
             f"final table wire {len(wt)} bmp {len(bt)}{' (lossy)' if lossy else ''}")


def check_stats(rep, name, peer):
    """Adj-RIB-In gauges (types 7 and 9) must equal the table the stream built."""
    table = {}
    for ev in peer["events"]:
        if ev["type"] == "peer_down":
            table = {}
        elif ev["type"] == "route_monitoring" and "update" in ev:
            apply_update(table, ev["update"])
        elif ev["type"] == "stats":
            for stype, val in ev.get("stats_raw", []):
                if stype == 7 and val != len(table):
                    rep.fail(f"{name}: Statistics Report #{ev['index']}: Adj-RIB-In {val}, "
                             f"the stream's table holds {len(table)}")
                elif stype == 9:
                    fam = bgpdecode.family(val[0], val[1])
                    have = sum(1 for f, _ in table if f == fam)
                    if val[2] != have:
                        rep.fail(f"{name}: Statistics Report #{ev['index']}: {fam} "
                                 f"Adj-RIB-In {val[2]}, the stream's table holds {have}")


def check_stream(rep, bmp):
    for ev in (e for p in bmp["peers"].values() for e in p["events"]):
        if ev["type"] == "stats" and not ev.get("stats_ok", True):
            rep.fail(f"BMP stream: Statistics Report #{ev['index']} is not well formed")
    if bmp["malformed"] or bmp["expert_errors"]:
        rep.fail(f"BMP stream: {bmp['malformed']} malformed, {bmp['expert_errors']} expert errors")
    for p in bmp["problems"][:MAX_DIFF]:
        rep.fail(f"BMP stream: {p}")
    seq = bmp["sequence"]
    if not seq or seq[0] != "initiation":
        rep.fail(f"BMP stream: first message is {seq[0] if seq else 'missing'}, not Initiation")
    if "termination" in seq and seq[-1] != "termination":
        rep.fail("BMP stream: Termination is not the last message")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wire")
    ap.add_argument("bmp")
    ap.add_argument("--port", type=int, default=11019)
    ap.add_argument("--raw", action="store_true", help="UPDATEs and OPENs must be byte-equal")
    ap.add_argument("--per-prefix", action="store_true")
    ap.add_argument("--lossy", action="store_true")
    ap.add_argument("--loss-info", help="JSON written by make_lossy.py")
    ap.add_argument("--receivers", help="comma-separated receiver addresses to expect")
    ap.add_argument("--expect-peer-type", type=int)
    ap.add_argument("--strip-leading-as", type=int)
    ap.add_argument("--timestamps", action="store_true",
                    help="Route Monitoring timestamps must equal the capture times")
    ap.add_argument("--no-session-checks", action="store_true",
                    help="skip Peer Up port/OPEN and per-peer header checks")
    args = ap.parse_args()
    wire = load(args.wire, "bgp", args.port)
    bmp = load(args.bmp, "bmp", args.port)
    if args.strip_leading_as is not None:
        strip_leading_as(bmp, args.strip_leading_as)
    rep = Report()
    check_stream(rep, bmp)
    mapping = map_peers(rep, wire, bmp)
    receivers = set(args.receivers.split(",")) if args.receivers else None
    lossy_dirs = set()
    if args.loss_info:
        with open(args.loss_info) as f:
            lossy_dirs = set(json.load(f).get("lossy_directions", []))
    for direction, d in sorted(wire["directions"].items()):
        if receivers is not None and d["receiver"] not in receivers:
            continue
        if direction not in mapping:
            if any(m["type"] == "UPDATE" for m in d["messages"]):
                rep.fail(f"direction {direction} sent UPDATEs but has no BMP peer")
            continue
        key, peer = mapping[direction]
        lossy = args.lossy and (not args.loss_info or direction in lossy_dirs)
        check_direction(rep, args, wire, direction, key, peer, lossy)
    print(f"compare: wire {wire['file']} vs BMP {bmp['file']}: {len(mapping)} peers, "
          f"BMP messages {bmp['counts']}")
    for line in rep.lines:
        print(line)
    for note in bmp.get("notes", [])[:MAX_DIFF]:
        print(f"  note: {note}")
    if rep.failures:
        print(f"compare: FAILED ({len(rep.failures)} problems)")
        for f in rep.failures:
            print("  - " + f)
        return 1
    print("compare: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
