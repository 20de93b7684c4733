"""A bmptap-gen table as an MRT TABLE_DUMP_V2 file, for GoBGP's `mrt inject`.

    n4, n6 = table_to_mrt("table.pcap", "table.mrt")

The capture's announcing direction is reassembled (bmptap-gen writes it in
order, without loss when --loss is not given), its UPDATEs are split into
one RIB entry per prefix with the UPDATE's own attributes (RFC 6396: AS
numbers on 4 octets; MP_REACH_NLRI without its NLRI), so a real
speaker can announce the same table (prefixes, AS paths, communities,
attribute sharing) to FRR. Also: strip_bgp() keeps only a capture's
non-BGP frames (the mixed-traffic scenario's endless input).
"""

import os
import struct
import sys

from common import BenchError, import_harness

import_harness()
from bmptest.pcapio import PcapReader, PcapWriter, parse_tcp  # noqa: E402

MRT_TABLE_DUMP_V2, PEER_INDEX_TABLE, RIB_IPV4_UNICAST, RIB_IPV6_UNICAST = 13, 1, 2, 4
ATTR_AS_PATH, ATTR_NEXT_HOP, ATTR_MP_REACH, ATTR_MP_UNREACH = 2, 3, 14, 15
ATTR_AS4_PATH, ATTR_AS4_AGGREGATOR, ATTR_AGGREGATOR = 17, 18, 7


def _segments(pcap):
    """{(src, sport, dst, dport): [(seq, capture time, payload)]} in capture order."""
    rd = PcapReader(pcap)
    div = 1e9 if rd.nanos else 1e6
    segs = {}
    for sec, frac, _, frame in rd.records():
        t = parse_tcp(frame)
        if t is None or not t["payload"] or 179 not in (t["sport"], t["dport"]):
            continue
        key = (t["src"], t["sport"], t["dst"], t["dport"])
        segs.setdefault(key, []).append((t["seq"], sec + frac / div, t["payload"]))
    return segs


def reassemble(segments):
    """(stream bytes, [(stream offset, capture time)]) of one direction.

    Segments are placed by sequence number (relative to the first, so a wrap
    is harmless); retransmitted and overlapping bytes are kept once. A hole
    is an error: the capture is incomplete."""
    base = segments[0][0]
    order = sorted(segments, key=lambda s: ((s[0] - base) & 0xFFFFFFFF, s[1]))
    out, marks, end = bytearray(), [], 0
    for seq, ts, payload in order:
        rel = (seq - base) & 0xFFFFFFFF
        if rel + len(payload) <= end:
            continue
        if rel > end:
            raise BenchError(f"capture has a hole of {rel - end} bytes in a BGP stream")
        marks.append((end, ts))
        out += payload[end - rel:]
        end = len(out)
    return bytes(out), marks


def directions(pcap):
    """{(src, sport, dst, dport): payload bytes in sequence order}."""
    return {k: reassemble(v)[0] for k, v in _segments(pcap).items()}


def messages(stream):
    off = 0
    while off + 19 <= len(stream):
        length, mtype = struct.unpack_from(">HB", stream, off + 16)
        if length < 19:
            raise BenchError("bad BGP length in capture")
        yield mtype, stream[off + 19:off + length]
        off += length


def _as4_of(body):
    """True when this OPEN carries the 4-octet AS capability (65)."""
    plen, off, end = body[9], 10, 10 + body[9]
    while off + 2 <= end and plen:
        ptype, l = body[off], body[off + 1]
        if ptype == 2:
            c = off + 2
            while c + 2 <= off + 2 + l:
                if body[c] == 65:
                    return True
                c += 2 + body[c + 1]
        off += 2 + l
    return False


def _attrs(data):
    off = 0
    while off + 3 <= len(data):
        flags, code = data[off], data[off + 1]
        if flags & 0x10:
            l, h = struct.unpack_from(">H", data, off + 2)[0], 4
        else:
            l, h = data[off + 2], 3
        yield flags, code, data[off + h:off + h + l]
        off += h + l


def _attr(flags, code, value):
    if len(value) > 255:
        return struct.pack(">BBH", flags | 0x10, code, len(value)) + value
    return struct.pack(">BBB", flags & ~0x10, code, len(value)) + value


def _widen_as_path(value):
    """AS_PATH with 2-octet AS numbers rewritten with 4-octet ones."""
    out, off = bytearray(), 0
    while off + 2 <= len(value):
        stype, n = value[off], value[off + 1]
        asns = struct.unpack_from(f">{n}H", value, off + 2)
        out += struct.pack(f">BB{n}I", stype, n, *asns)
        off += 2 + 2 * n
    return bytes(out)


def _prefixes(data):
    off = 0
    while off < len(data):
        nbytes = (data[off] + 7) // 8
        yield data[off:off + 1 + nbytes]
        off += 1 + nbytes


def rib_entries(update, as4):
    """(subtype, prefix bytes, MRT attributes) for each prefix announced."""
    wlen = struct.unpack_from(">H", update)[0]
    alen = struct.unpack_from(">H", update, 2 + wlen)[0]
    attrs = update[4 + wlen:4 + wlen + alen]
    nlri = update[4 + wlen + alen:]
    common, mp = bytearray(), None
    for flags, code, value in _attrs(attrs):
        if code == ATTR_MP_REACH:
            mp = value
        elif code in (ATTR_MP_UNREACH, ATTR_AS4_PATH, ATTR_AS4_AGGREGATOR):
            continue
        elif code == ATTR_AS_PATH and not as4:
            common += _attr(flags, code, _widen_as_path(value))
        elif code == ATTR_AGGREGATOR and not as4:
            common += _attr(flags, code, b"\0\0" + value)
        else:
            common += _attr(flags, code, value)
    for p in _prefixes(nlri):
        yield RIB_IPV4_UNICAST, p, bytes(common)
    if mp is not None and struct.unpack_from(">HB", mp) == (2, 1):
        nhl = mp[3]
        # AFI, SAFI, next hop, reserved, no NLRI: GoBGP 3.10 reads this form,
        # not RFC 6396's next-hop-only one (it takes the AFI from its length)
        v6attrs = bytes(common) + _attr(0x80, ATTR_MP_REACH, mp[:4 + nhl] + b"\0")
        for p in _prefixes(mp[5 + nhl:]):
            yield RIB_IPV6_UNICAST, p, v6attrs


def _record(subtype, body, ts=1700000000):
    return struct.pack(">IHHI", ts, MRT_TABLE_DUMP_V2, subtype, len(body)) + body


def _peer_index(peer_ip, peer_as, bgp_id):
    import ipaddress
    ip = ipaddress.ip_address(peer_ip)
    ptype = 0x02 | (0x01 if ip.version == 6 else 0)
    entry = struct.pack(">B4s", ptype, ipaddress.IPv4Address(bgp_id).packed) + ip.packed
    entry += struct.pack(">I", peer_as)
    return _record(PEER_INDEX_TABLE, struct.pack(">4sHH", bytes(4), 0, 1) + entry)


def table_to_mrt(pcap, out):
    """Write the announcing direction's table; return (IPv4, IPv6) prefix counts."""
    dirs = directions(pcap)
    if not dirs:
        raise BenchError(f"{pcap}: no BGP payload")
    key = max(dirs, key=lambda k: len(dirs[k]))
    opens = [b for s in dirs.values() for t, b in messages(s) if t == 1]
    as4 = len(opens) >= 2 and all(_as4_of(b) for b in opens)
    sender_open = next(b for t, b in messages(dirs[key]) if t == 1)
    peer_as = struct.unpack_from(">H", sender_open, 1)[0]
    n4 = n6 = seq = 0
    with open(out, "wb") as f:
        f.write(_peer_index(key[0], peer_as, "192.0.2.254"))
        for mtype, body in messages(dirs[key]):
            if mtype != 2:
                continue
            for subtype, prefix, attrs in rib_entries(body, as4):
                entry = struct.pack(">HIH", 0, 1700000000, len(attrs)) + attrs
                f.write(_record(subtype, struct.pack(">I", seq) + prefix +
                                struct.pack(">H", 1) + entry))
                seq += 1
                n4 += subtype == RIB_IPV4_UNICAST
                n6 += subtype == RIB_IPV6_UNICAST
    return n4, n6


def update_span(pcap, src):
    """Capture times of the first and last UPDATE byte `src` sent, and the count."""
    import bisect
    first = last = None
    n = 0
    for key, segs in _segments(pcap).items():
        if key[0] != src:
            continue
        stream, marks = reassemble(segs)
        offsets = [m[0] for m in marks]

        def when(off):
            return marks[bisect.bisect_right(offsets, off) - 1][1]
        off = 0
        for mtype, body in messages(stream):
            end = off + 19 + len(body)
            if mtype == 2:
                first = when(off) if first is None else first
                last, n = when(end - 1), n + 1
            off = end
    return first, last, n


def strip_bgp(pcap, out):
    """Copy the frames that are not TCP port 179; return how many."""
    rd, n = PcapReader(pcap), 0
    with PcapWriter(out, header=rd.header) as w:
        for sec, frac, orig, frame in rd.records():
            t = parse_tcp(frame)
            if t is not None and 179 in (t["sport"], t["dport"]):
                continue
            w.write(sec, frac, frame, orig)
            n += 1
    return n


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: mrt.py TABLE.pcap OUT.mrt")
    print(table_to_mrt(sys.argv[1], sys.argv[2]), file=sys.stderr)
    sys.exit(0 if os.path.getsize(sys.argv[2]) else 1)
