#!/usr/bin/env python3
"""Decode BGP captures and BMP streams with tshark, the independent oracle.

    bgpdecode.py bgp CAPTURE.pcap [-o OUT.json] [--summary]
    bgpdecode.py bmp STREAM.bmp [--port 11019] [-o OUT.json] [--summary]

bgp: one `tshark -T json -x` pass; per TCP direction "sender->receiver" the
     ordered BGP messages (OPEN, UPDATE, NOTIFICATION, KEEPALIVE,
     ROUTE-REFRESH) with, for UPDATEs, the announced and withdrawn prefixes
     per family (IPv4 NLRI/withdrawn, MP_REACH/MP_UNREACH), an attribute
     signature, the End-of-RIB family and the raw message bytes; plus, per
     TCP connection, how it ended (NOTIFICATION, FIN, RST).
bmp: a raw stream (as written by `bmptapd --bmp-out`) is framed by its BMP
     common headers, wrapped by bmp2pcap.py (--pack) and dissected with
     `-d tcp.port==PORT,bmp -J bmp` (no -x: the JSON would be ~35 KB per
     message); a second `-T fields` pass counts malformed packets and expert
     errors. tshark's messages are matched 1:1 with the framed ones (count,
     type and length must agree) and take their raw bytes from them. Per BMP peer
     (peer address, peer distinguisher) the ordered events: peer_up (local
     address/ports, OPENs), route_monitoring (the embedded UPDATE, decoded
     as above), peer_down (reason), route_mirroring (TLVs), stats (counters).
     Malformed packets and expert errors are counted and listed.

Everything prefix-level comes from tshark's dissection. Read from raw bytes
instead: Route Mirroring TLVs (tshark 4.0 has no fields for BMP type 6), the
message bytes used for --raw comparisons, and a check that a Route Monitoring
holds exactly one BGP message.
"""

import argparse
import ipaddress
import json
import os
import sys
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from bmptest.tsharkjson import (PI_ERROR, TSHARK_PREFS, Obj, layers,  # noqa: E402
                                problems, raw_hex, scalar, tshark_json)
import bmp2pcap  # noqa: E402

BGP_TYPES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
BMP_TYPES = {0: "route_monitoring", 1: "stats", 2: "peer_down", 3: "peer_up",
             4: "initiation", 5: "termination", 6: "route_mirroring"}
FAMILIES = {(1, 1): "ipv4", (2, 1): "ipv6", (1, 2): "ipv4-multicast", (2, 2): "ipv6-multicast"}
SKIP_LEAF = ("flags", ".length", ".type_code", "_raw")
ATTR_KEY = "bgp.update.path_attribute."


def family(afi, safi):
    return FAMILIES.get((afi, safi), f"afi{afi}/safi{safi}")


# --- BGP messages ---------------------------------------------------------

def _prefix_of(node):
    """'addr/len' (with '#pathid' under ADD-PATH) if node is a prefix item."""
    plen = scalar(node, "bgp.prefix_length", int)
    if plen is None:
        return None
    addr = pid = None
    for k, v in node:
        if k.endswith("_prefix") and isinstance(v, str):
            addr = v
        elif k.endswith("path_id") and isinstance(v, str):
            pid = v
    if addr is None:
        return None
    net = str(ipaddress.ip_network(f"{addr}/{plen}", strict=False))
    return f"{net}#{pid}" if pid is not None else net


def prefixes(node, out=None):
    """All prefix items under node, in document order."""
    if out is None:
        out = []
    if isinstance(node, Obj):
        pfx = _prefix_of(node)
        if pfx is not None:
            out.append(pfx)
            return out
        for _, v in node:
            prefixes(v, out)
    elif isinstance(node, list):
        for v in node:
            prefixes(v, out)
    return out


def _leaves(node, out):
    """Attribute leaf values, prefix items excluded, AS width normalised."""
    for k, v in node:
        if any(s in k for s in SKIP_LEAF):
            continue
        if isinstance(v, Obj):
            if _prefix_of(v) is None:
                _leaves(v, out)
        elif isinstance(v, str):
            if k.endswith((".as2", ".as4")):
                k = k[:-4] + ".as"
            if k.startswith(ATTR_KEY):
                k = k[len(ATTR_KEY):]
            out.append(f"{k}={v}")
    return out


def _attribute(attr, msg):
    tc = scalar(attr, "bgp.update.path_attribute.type_code", int)
    if tc in (14, 15):
        kind = "mp_reach_nlri" if tc == 14 else "mp_unreach_nlri"
        afi = scalar(attr, f"bgp.update.path_attribute.{kind}.afi", int)
        safi = scalar(attr, f"bgp.update.path_attribute.{kind}.safi", int)
        fam = family(afi, safi)
        pfx = prefixes(attr)
        side = msg["announce"] if tc == 14 else msg["withdraw"]
        side.setdefault(fam, []).extend(pfx)
        if tc == 15:
            msg["_mp_unreach"] = fam
            return None
    return (tc, _leaves(attr, []))


def parse_update(bgp, msg):
    msg["announce"], msg["withdraw"] = {}, {}
    wd = prefixes(bgp.get("bgp.update.withdrawn_routes"))
    if wd:
        msg["withdraw"]["ipv4"] = wd
    attrs = []
    for container in bgp.all("bgp.update.path_attributes"):
        for attr in container.all("bgp.update.path_attribute"):
            sig = _attribute(attr, msg)
            if sig is not None:
                attrs.append(sig)
    nlri = prefixes(bgp.get("bgp.update.nlri"))
    if nlri:
        msg["announce"]["ipv4"] = nlri + msg["announce"].get("ipv4", [])
    attrs.sort(key=lambda a: a[0])
    msg["attrs"] = json.dumps(attrs) if attrs else None
    nann = sum(len(v) for v in msg["announce"].values())
    nwd = sum(len(v) for v in msg["withdraw"].values())
    unreach = msg.pop("_mp_unreach", None)
    if nann == 0 and nwd == 0:
        msg["eor"] = unreach if unreach else ("ipv4" if not attrs else None)


def parse_bgp(bgp, raw=None):
    """One BGP message (tshark 'bgp' object) as a plain dict."""
    mtype = scalar(bgp, "bgp.type", int)
    msg = {"type": BGP_TYPES.get(mtype, str(mtype)), "length": scalar(bgp, "bgp.length", int)}
    if raw:
        msg["raw"] = raw
    if mtype == 2:
        parse_update(bgp, msg)
    elif mtype == 1:
        msg["as"] = scalar(bgp, "bgp.open.myas", int)
        msg["bgp_id"] = scalar(bgp, "bgp.open.identifier")
        msg["hold"] = scalar(bgp, "bgp.open.holdtime", int)
        cap4 = _find_all(bgp, "bgp.cap.4as")
        if cap4:
            msg["as4"] = int(cap4[0])
    elif mtype == 3:
        msg["code"] = scalar(bgp, "bgp.notify.major_error", int)
        msg["subcode"] = next((int(v) for k, v in bgp if k.startswith("bgp.notify.minor_error")
                               and isinstance(v, str) and v.isdigit()), None)
    elif mtype == 5:
        msg["afi"] = scalar(bgp, "bgp.route_refresh.afi", int)
        msg["subtype"] = scalar(bgp, "bgp.route_refresh.subtype", int)
    return msg


def _find_all(node, key, out=None):
    if out is None:
        out = []
    if isinstance(node, Obj):
        for k, v in node:
            if k == key and isinstance(v, str):
                out.append(v)
            elif isinstance(v, (Obj, list)):
                _find_all(v, key, out)
    elif isinstance(node, list):
        for v in node:
            _find_all(v, key, out)
    return out


def pdus(node, name):
    """(object, raw hex) for each repeated `name` child, pairing `name_raw`."""
    out, raw = [], None
    for k, v in node:
        if k == name + "_raw":
            raw = raw_hex(v)
        elif k == name and isinstance(v, Obj):
            out.append((v, raw))
            raw = None
    return out


# --- BGP capture ----------------------------------------------------------

def _addrs(lay):
    for proto in ("ip", "ipv6"):
        node = lay.get(proto)
        if isinstance(node, Obj):
            return scalar(node, f"{proto}.src"), scalar(node, f"{proto}.dst")
    return None, None


def decode_bgp_capture(pcap):
    """Per-direction BGP messages of every TCP connection in the capture."""
    flt = "bgp || tcp.flags.fin == 1 || tcp.flags.reset == 1 || _ws.malformed"
    out = {"file": pcap, "directions": {}, "connections": {},
           "malformed": 0, "expert_errors": 0, "problems": []}
    for pkt in tshark_json(pcap, display_filter=flt):
        lay = layers(pkt)
        frame = scalar(lay.get("frame"), "frame.number", int)
        ftime = scalar(lay.get("frame"), "frame.time_epoch")
        tcp = lay.get("tcp")
        src, dst = _addrs(lay)
        stream = scalar(tcp, "tcp.stream", int)
        prob = problems(pkt)
        out["malformed"] += prob["malformed"]
        out["expert_errors"] += prob["errors"]
        out["problems"] += [f"frame {frame}: {m}" for m in prob["messages"]]
        conn = out["connections"].setdefault(str(stream), {"end": None, "ends": [], "ports": {}})
        conn["ports"].setdefault(f"{src}->{dst}", [scalar(tcp, "tcp.srcport", int),
                                                  scalar(tcp, "tcp.dstport", int)])
        flags = _tcp_flags(tcp)
        if flags:
            conn["ends"].append({"frame": frame, "by": f"{src}->{dst}", "flag": flags})
        key = f"{src}->{dst}"
        for bgp, raw in pdus(lay, "bgp"):
            msg = parse_bgp(bgp, raw)
            msg.update(frame=frame, stream=stream, time=ftime)
            d = out["directions"].setdefault(key, {"sender": src, "receiver": dst, "messages": []})
            d["messages"].append(msg)
            if msg["type"] == "NOTIFICATION" and conn["end"] is None:
                conn["end"] = {"frame": frame, "by": key, "how": "notification"}
    for conn in out["connections"].values():
        if conn["end"] is None and conn["ends"]:
            first = conn["ends"][0]
            conn["end"] = {"frame": first["frame"], "by": first["by"], "how": first["flag"]}
    return out


def _tcp_flags(tcp):
    tree = tcp.get("tcp.flags_tree") if isinstance(tcp, Obj) else None
    if not isinstance(tree, Obj):
        return None
    if tree.get("tcp.flags.reset") == "1":
        return "rst"
    if tree.get("tcp.flags.fin") == "1":
        return "fin"
    return None


# --- BMP stream -----------------------------------------------------------

def _peer_header(bmp):
    ph = bmp.get("bmp.peer.header")
    if not isinstance(ph, Obj):
        return None
    addr = scalar(ph, "bmp.peer.ip.addr") or scalar(ph, "bmp.peer.ipv6.addr")
    return {"type": scalar(ph, "bmp.peer.type", int),
            "flags": scalar(ph, "bmp.peer.flags", lambda v: int(v, 16)),
            "rd": scalar(ph, "bmp.peer.distinguisher"), "addr": addr,
            "asn": scalar(ph, "bmp.peer.asn", int), "bgp_id": scalar(ph, "bmp.peer.id"),
            "ts": (scalar(ph, "bmp.peer.timestamp.sec", int),
                   scalar(ph, "bmp.peer.timestamp.msec", int))}


def _mirroring_tlvs(raw):
    """Route Mirroring TLVs from the message bytes (tshark 4.0 has no fields)."""
    data = bytes.fromhex(raw or "")[6 + 42:]
    tlvs, off = [], 0
    while off + 4 <= len(data):
        ttype = int.from_bytes(data[off:off + 2], "big")
        tlen = int.from_bytes(data[off + 2:off + 4], "big")
        val = data[off + 4:off + 4 + tlen]
        off += 4 + tlen
        if ttype == 1 and len(val) == 2:
            tlvs.append({"type": 1, "code": int.from_bytes(val, "big")})
        else:
            tlvs.append({"type": ttype, "len": tlen, "short": len(val) < tlen})
    if off != len(data):
        tlvs.append({"type": "trailing", "len": len(data) - off})
    return tlvs


def _stats(bmp):
    """[(type, value)] from the dissected Statistics Report."""
    out, cur = [], None
    for k, v in _flat(bmp):
        if k == "bmp.stats.type":
            cur = int(v)
        elif cur is not None and k.startswith("bmp.stats.data") and v.isdigit():
            if k.endswith((".afi", ".safi")):
                continue
            out.append((cur, int(v)))
            cur = None
    return out


def _flat(node):
    for k, v in node:
        if isinstance(v, Obj):
            yield from _flat(v)
        elif isinstance(v, str) and not k.endswith("_raw"):
            yield k, v


def bgp_split(data):
    """Consecutive BGP messages in data, by their length fields; None marks a
    length that runs past the end (or below the 19-byte minimum)."""
    out, off = [], 0
    while off + 19 <= len(data):
        mlen = int.from_bytes(data[off + 16:off + 18], "big")
        if mlen < 19 or off + mlen > len(data):
            out.append(None)
            break
        out.append(data[off:off + mlen])
        off += mlen
    return out


def bmp_event(bmp, raw):
    """One dissected BMP message; raw is its bytes from our own framing."""
    mtype = scalar(bmp, "bmp.type", int)
    ev = {"type": BMP_TYPES.get(mtype, str(mtype)), "length": scalar(bmp, "bmp.length", int)}
    ev["peer"] = _peer_header(bmp)
    inner = [b for k, b in bmp if k == "bgp" and isinstance(b, Obj)]
    body = raw[6 + 42:] if ev["peer"] else raw[6:]
    if mtype == 0 and inner:
        ev["update"] = parse_bgp(inner[0], body.hex())
        ev["update"]["bmp_index"] = None
        split = bgp_split(body)
        if len(split) != 1 or split[0] is None or len(split[0]) != len(body):
            ev["framing"] = "Route Monitoring does not hold exactly one BGP message"
    elif mtype == 3:
        ev["local"] = scalar(bmp, "bmp.peer.up.ip.addr") or scalar(bmp, "bmp.peer.up.ipv6.addr")
        ev["lport"] = scalar(bmp, "bmp.peer.up.port.local", int)
        ev["rport"] = scalar(bmp, "bmp.peer.up.port.remote", int)
        opens = [o.hex() for o in bgp_split(body[20:]) if o is not None]
        ev["opens"] = [parse_bgp(b, opens[i] if i < len(opens) else None)
                       for i, b in enumerate(inner)]
    elif mtype == 2:
        ev["reason"] = scalar(bmp, "bmp.peer.down.reason", int)
        if inner:
            ev["notification"] = parse_bgp(inner[0], body[1:].hex())
    elif mtype == 6:
        ev["tlvs"] = _mirroring_tlvs(raw.hex())
        ev["codes"] = [t["code"] for t in ev["tlvs"] if t.get("type") == 1]
    elif mtype == 1:
        ev["stats"] = _stats(bmp)
        ev["stats_raw"], ev["stats_ok"] = stats_raw(raw)
    elif mtype in (4, 5):
        ev["info"] = [v for k, v in _flat(bmp) if k.endswith((".info", ".reason"))]
    return ev


def bmp_frame(stream):
    """Split a raw BMP stream by the common header; (messages, problem or None)."""
    msgs, off = [], 0
    while off < len(stream):
        hdr = stream[off:off + 6]
        if len(hdr) < 6:
            return msgs, f"offset {off}: {len(hdr)} trailing bytes, not a BMP header"
        mlen = int.from_bytes(hdr[1:5], "big")
        if hdr[0] != 3 or mlen < 6:
            return msgs, f"offset {off}: bad BMP common header {hdr.hex()}"
        if off + mlen > len(stream):
            return msgs, f"offset {off}: message of {mlen} bytes truncated by end of stream"
        msgs.append(stream[off:off + mlen])
        off += mlen
    return msgs, None


STAT_LEN = {**{t: 4 for t in (0, 1, 2, 3, 4, 5, 6, 11, 12, 13)},
            **{t: 8 for t in (7, 8, 14, 15)}, **{t: 11 for t in (9, 10, 16, 17)}}


def stats_raw(raw):
    """Statistics Report TLVs from the bytes: ([(type, value)], well formed)."""
    body = raw[6 + 42:]
    if len(body) < 4:
        return [], False
    count, off, out = int.from_bytes(body[:4], "big"), 4, []
    while off + 4 <= len(body):
        stype = int.from_bytes(body[off:off + 2], "big")
        slen = int.from_bytes(body[off + 2:off + 4], "big")
        val = body[off + 4:off + 4 + slen]
        off += 4 + slen
        if len(val) < slen or STAT_LEN.get(stype, slen) != slen:
            return out, False
        if slen == 11 and stype in STAT_LEN:          # AFI, SAFI, 64-bit gauge
            out.append((stype, [int.from_bytes(val[:2], "big"), val[2],
                                int.from_bytes(val[3:], "big")]))
        else:
            out.append((stype, int.from_bytes(val, "big") if slen in (4, 8) else val.hex()))
    return out, off == len(body) and count == len(out)


def _unknown_stats(msg):
    """A well-formed Statistics Report with types tshark 4.0 does not know."""
    if len(msg) < 6 or msg[5] != 1:
        return False
    tlvs, ok = stats_raw(msg)
    return ok and any(t not in STAT_LEN for t, _ in tlvs)


def decode_bmp_stream(path, port=11019):
    """Per-peer BMP events of a raw BMP stream (as received by a station)."""
    with open(path, "rb") as f:
        stream = f.read()
    if stream[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        raise ValueError(f"{path}: give the raw BMP stream, not a pcap")
    msgs, framing = bmp_frame(stream)
    with tempfile.TemporaryDirectory(prefix="bgpdecode-") as tmp:
        pcap = os.path.join(tmp, "bmp.pcap")
        frames = bmp2pcap.wrap(stream, pcap, port, pack=True, isolate=_unknown_stats)
        dissect = ["-d", f"tcp.port=={port},bmp"]
        packets = tshark_json(pcap, extra=dissect + ["-J", "bmp"], display_filter="bmp")
        items = tshark_problems(pcap, dissect)
    out = {"file": path, "peers": {}, "sequence": [], "counts": {}, "bytes": len(stream),
           "messages": len(msgs), "malformed": 0, "expert_errors": 0, "problems": [],
           "notes": []}
    for frame, text in items:
        idx = frames.get(frame, [])
        if (text.startswith("Malformed") and len(idx) == 1 and idx[0] < len(msgs)
                and _unknown_stats(msgs[idx[0]])):
            # tshark 4.0 throws on stats types it does not know (e.g. the
            # experimental 32768-65535); our own parse found the TLVs sound.
            out["notes"].append(f"message {idx[0]}: tshark 4.0 cannot dissect its "
                                f"statistics types; TLVs checked from the bytes")
            continue
        out["malformed" if text.startswith("Malformed") else "expert_errors"] += 1
        out["problems"].append(f"frame {frame} (BMP messages {idx}): {text}")
    out["expert_errors"] += out["malformed"]
    if framing:
        out["problems"].append(f"stream framing: {framing}")
    dissected = [b for pkt in packets for b in layers(pkt).all("bmp") if isinstance(b, Obj)]
    if len(dissected) != len(msgs):
        out["problems"].append(f"tshark dissected {len(dissected)} BMP messages, "
                               f"the stream holds {len(msgs)}")
    for i, (bmp, raw) in enumerate(zip(dissected, msgs)):
        ev = bmp_event(bmp, raw)
        ev["index"] = i
        if "update" in ev:
            ev["update"]["bmp_index"] = i
            ev["update"]["ts"] = ev["peer"]["ts"] if ev["peer"] else None
        if ev["length"] != len(raw) or scalar(bmp, "bmp.type", int) != raw[5]:
            out["problems"].append(f"message {i}: tshark saw type {scalar(bmp, 'bmp.type')} "
                                   f"length {ev['length']}, stream has {raw[5]}/{len(raw)}")
        _file_event(out, ev)
    return out


def tshark_problems(pcap, extra=()):
    """[(frame, text)] for malformed packets and expert errors (`-T fields` pass)."""
    sep = "\x1f"
    args = ["tshark", "-r", pcap, "-n"] + TSHARK_PREFS + list(extra) + [
        "-Y", f"_ws.malformed || _ws.expert.severity >= {PI_ERROR}", "-T", "fields",
        "-E", f"aggregator={sep}", "-e", "frame.number", "-e", "_ws.expert.severity",
        "-e", "_ws.expert.message"]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode:
        raise RuntimeError(f"tshark failed: {res.stderr[-2000:]}")
    items = []
    for line in res.stdout.splitlines():
        cols = line.split("\t") + ["", ""]
        sevs, texts = cols[1].split(sep), cols[2].split(sep)
        for sev, text in zip(sevs, texts + [""] * len(sevs)):
            sev = int(sev) if sev.isdigit() else 0
            if text.startswith("Malformed Packet") or sev >= PI_ERROR:
                items.append((int(cols[0]), text))
    return items


def _file_event(out, ev):
    out["counts"][ev["type"]] = out["counts"].get(ev["type"], 0) + 1
    out["sequence"].append(ev["type"])
    if "framing" in ev:
        out["problems"].append(f"message {ev['index']}: {ev['framing']}")
    ph = ev.pop("peer")
    if ph is None:
        return
    ev["hdr"] = {"asn": ph["asn"], "bgp_id": ph["bgp_id"], "flags": ph["flags"], "ts": ph["ts"]}
    key = f"{ph['addr']}|{ph['rd']}"
    peer = out["peers"].setdefault(key, {"addr": ph["addr"], "rd": ph["rd"],
                                         "peer_type": ph["type"], "asn": ph["asn"],
                                         "bgp_id": ph["bgp_id"], "flags": [], "events": []})
    if ph["flags"] not in peer["flags"]:
        peer["flags"].append(ph["flags"])
    if ph["type"] != peer["peer_type"]:
        out["problems"].append(f"peer {key}: peer type changed to {ph['type']}")
    peer["events"].append(ev)


# --- CLI ----------------------------------------------------------------

def summary_bgp(dec):
    lines = [f"{dec['file']}: malformed={dec['malformed']} expert_errors={dec['expert_errors']}"]
    for key, d in sorted(dec["directions"].items()):
        cnt = {}
        for m in d["messages"]:
            cnt[m["type"]] = cnt.get(m["type"], 0) + 1
        ann = sum(len(p) for m in d["messages"] for p in m.get("announce", {}).values())
        wd = sum(len(p) for m in d["messages"] for p in m.get("withdraw", {}).values())
        lines.append(f"  {key}: {cnt} announced={ann} withdrawn={wd}")
    return "\n".join(lines)


def summary_bmp(dec):
    lines = [f"{dec['file']}: malformed={dec['malformed']} expert_errors={dec['expert_errors']} "
             f"messages={dec['counts']}"]
    for key, p in sorted(dec["peers"].items()):
        cnt = {}
        for e in p["events"]:
            cnt[e["type"]] = cnt.get(e["type"], 0) + 1
        lines.append(f"  peer {key} type={p['peer_type']} as={p['asn']}: {cnt}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("bgp", "bmp"))
    ap.add_argument("input")
    ap.add_argument("-o", "--out")
    ap.add_argument("--port", type=int, default=11019)
    ap.add_argument("--summary", action="store_true")
    args = ap.parse_args()
    if args.kind == "bgp":
        dec = decode_bgp_capture(args.input)
        text = summary_bgp(dec)
    else:
        dec = decode_bmp_stream(args.input, args.port)
        text = summary_bmp(dec)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(dec, f)
    if args.summary or not args.out:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
