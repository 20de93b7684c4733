#!/usr/bin/env python3
"""Reference BMP exporter for self-testing the harness (not the product).

    refexport.py IN.pcap OUT.bmp

A small, independent Python rendering of DESIGN.md's BMP mapping, used to
prove that compare.py accepts a correct stream and to give test failures of
bmptapd a known-good stream to diff against. Per TCP flow on port 179: an
in-order reassembly that holds out-of-order segments and declares a gap
when 8 segments wait (or at the end); BGP framing that resyncs on the next
marker after a gap. Output: Initiation; Peer Up for both directions once
both OPENs are seen (peer type 2, distinguisher from the receiver);
every UPDATE verbatim as Route Monitoring (timestamp = capture time of the
segment completing it); Peer Down on NOTIFICATION (reason 3 for the peer
that sent it, 1 for the other) or FIN/RST (reason 4); Route Mirroring with
information code 1 (Messages Lost) on a gap; Termination at the end.
"""

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bmptest.pcapio import TCP_FIN, TCP_RST, TCP_SYN, PcapReader, parse_tcp  # noqa: E402

MARKER = b"\xff" * 16
MAX_PENDING = 8


def bmp_msg(mtype, body):
    return struct.pack(">BIB", 3, 6 + len(body), mtype) + body


def tlv(ttype, value):
    return struct.pack(">HH", ttype, len(value)) + value


def addr16(addr):
    ip = ipaddress.ip_address(addr)
    return ip.packed if ip.version == 6 else b"\0" * 12 + ip.packed


class Direction:
    """One TCP flow (sender -> receiver): reassembly and BGP framing."""

    def __init__(self, src, sport, dst, dport):
        self.src, self.sport, self.dst, self.dport = src, sport, dst, dport
        self.next = None
        self.pending = {}
        self.buf = b""
        self.open = None
        self.resync = False

    def segment(self, seq, payload):
        """Feed one segment; return (list of new in-order chunks, gap seen)."""
        if self.next is None:
            self.next = seq
        gap = False
        if (seq - self.next) & 0xFFFFFFFF >= 0x80000000:   # old data: keep what is new
            cut = (self.next - seq) & 0xFFFFFFFF
            payload, seq = payload[cut:], self.next
        if payload:
            self.pending.setdefault(seq, payload)
        if len(self.pending) >= MAX_PENDING and self.next not in self.pending:
            gap = self.skip_gap()
        self.drain()
        return gap

    def skip_gap(self):
        self.next = min(self.pending, key=lambda s: (s - self.next) & 0xFFFFFFFF)
        self.buf, self.resync = b"", True
        return True

    def drain(self):
        while self.next in self.pending:
            data = self.pending.pop(self.next)
            self.buf += data
            self.next = (self.next + len(data)) & 0xFFFFFFFF

    def messages(self):
        out = []
        while True:
            if self.resync:
                i = self.buf.find(MARKER)
                if i < 0:
                    self.buf = self.buf[-15:]
                    return out
                self.buf, self.resync = self.buf[i:], False
            if len(self.buf) < 19:
                return out
            mlen = struct.unpack_from(">H", self.buf, 16)[0]
            if self.buf[:16] != MARKER or mlen < 19:
                self.resync = True
                self.buf = self.buf[1:]
                continue
            if len(self.buf) < mlen:
                return out
            out.append(self.buf[:mlen])
            self.buf = self.buf[mlen:]


def open_info(msg):
    """(AS, BGP ID bytes, 4-byte AS capability present)."""
    my_as, bgp_id = struct.unpack_from(">H", msg, 20)[0], msg[24:28]
    params, off, as4 = msg[29:29 + msg[28]], 0, None
    while off + 2 <= len(params):
        ptype, plen = params[off], params[off + 1]
        caps, coff = params[off + 2:off + 2 + plen], 0
        while ptype == 2 and coff + 2 <= len(caps):
            ctype, clen = caps[coff], caps[coff + 1]
            if ctype == 65 and clen == 4:
                as4 = struct.unpack_from(">I", caps, coff + 2)[0]
            coff += 2 + clen
        off += 2 + plen
    return (as4 if as4 is not None else my_as), bgp_id, as4 is not None


class Exporter:
    def __init__(self):
        self.out = [bmp_msg(4, tlv(1, b"bmptest refexport") + tlv(2, b"refexport"))]
        self.flows = {}
        self.up = {}

    def peer_header(self, d, ts):
        peer = self.flows[d]
        _, _, rev4 = open_info(self.flows[self.reverse(d)].open)
        asn, bgp_id, as4 = open_info(peer.open)
        v6 = ":" in peer.src
        flags = (0x80 if v6 else 0) | (0 if (as4 and rev4) else 0x20)
        rd = b"\x00\x01" + ipaddress.ip_address(peer.dst).packed[-4:] + b"\x00\x00"
        return struct.pack(">BB8s16sI4sII", 2, flags, rd, addr16(peer.src), asn, bgp_id,
                           ts[0], ts[1])

    @staticmethod
    def reverse(d):
        return (d[2], d[3], d[0], d[1])

    def emit(self, mtype, d, ts, body):
        self.out.append(bmp_msg(mtype, self.peer_header(d, ts) + body))

    def bgp(self, d, msg, ts):
        flow, rev = self.flows[d], self.reverse(d)
        mtype = msg[18]
        if mtype == 1:
            flow.open = msg
            if rev in self.flows and self.flows[rev].open and not self.up.get(d):
                for x in (rev, d):
                    f = self.flows[x]
                    body = addr16(f.dst) + struct.pack(">HH", f.dport, f.sport)
                    self.emit(3, x, ts, body + self.flows[self.reverse(x)].open + f.open)
                    self.up[x] = True
        elif mtype == 2 and self.up.get(d):
            self.emit(0, d, ts, msg)
        elif mtype == 3 and self.up.get(d):
            self.down(d, ts, bytes([3]) + msg)
            self.down(rev, ts, bytes([1]) + msg)

    def down(self, d, ts, body):
        if self.up.pop(d, False):
            self.emit(2, d, ts, body)

    def packet(self, t, ts):
        d = (t["src"], t["sport"], t["dst"], t["dport"])
        if t["flags"] & TCP_SYN:
            if d in self.flows:
                self.down(d, ts, bytes([4]))
            self.flows[d] = Direction(*d)
            self.flows[d].next = (t["seq"] + 1) & 0xFFFFFFFF
            return
        flow = self.flows.setdefault(d, Direction(*d))
        if t["payload"] and flow.segment(t["seq"], t["payload"]) and self.up.get(d):
            self.emit(6, d, ts, tlv(1, struct.pack(">H", 1)))
        for msg in flow.messages():
            self.bgp(d, msg, ts)
        if t["flags"] & (TCP_FIN | TCP_RST):
            self.down(d, ts, bytes([4]))
            self.down(self.reverse(d), ts, bytes([4]))

    def finish(self, ts):
        for d, flow in self.flows.items():
            if flow.pending and self.up.get(d):
                flow.skip_gap()
                flow.drain()
                self.emit(6, d, ts, tlv(1, struct.pack(">H", 1)))
                for msg in flow.messages():
                    self.bgp(d, msg, ts)
        self.out.append(bmp_msg(5, tlv(1, struct.pack(">H", 0))))
        return b"".join(self.out)


def export(pcap):
    rd = PcapReader(pcap)
    exp, ts = Exporter(), (0, 0)
    for sec, frac, _, frame in rd.records():
        ts = (sec, frac // 1000 if rd.nanos else frac)
        t = parse_tcp(frame, rd.linktype)
        if t and 179 in (t["sport"], t["dport"]):
            exp.packet(t, ts)
    return exp.finish(ts)


def main():
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    data = export(sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
