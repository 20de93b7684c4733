"""Hand-built BGP sessions in a pcap: messages from RFC 4271/4760/6793 layouts.

    with PcapWriter(path) as w:
        s = TcpSession(w, ("10.9.0.1", 40001), ("10.9.0.2", 179), t0=time.time())
        s.send(True, open_msg(65001, "10.9.0.1"))       # True: A -> B
        s.send(True, update4(attrs(...), ["10.1.0.0/24"]), drop=True)

Every message is one TCP segment, acknowledged by the other side's pure
ACK; drop=True leaves the segment out of the file but keeps that ACK, so
the tap sees the receiver acknowledge bytes it never saw (a gap). No FIN:
the session stays established.
"""

import ipaddress
import struct

from .pcapio import TCP_ACK, TCP_PSH, TCP_SYN, tcp4_frame

MARKER = b"\xff" * 16
AS_TRANS = 23456


def message(mtype, body):
    return MARKER + struct.pack(">HB", 19 + len(body), mtype) + body


def open_msg(asn, bgp_id, hold=240, families=((1, 1), (2, 1))):
    caps = b"".join(bytes([1, 4]) + struct.pack(">HBB", afi, 0, safi) for afi, safi in families)
    caps += bytes([65, 4]) + struct.pack(">I", asn)
    opt = bytes([2, len(caps)]) + caps
    body = struct.pack(">BHH4sB", 4, asn if asn < 65536 else AS_TRANS, hold,
                       ipaddress.IPv4Address(bgp_id).packed, len(opt)) + opt
    return message(1, body)


def keepalive():
    return message(4, b"")


def nlri(prefixes):
    out = b""
    for p in prefixes:
        net = ipaddress.ip_network(p)
        nb = (net.prefixlen + 7) // 8
        out += bytes([net.prefixlen]) + net.network_address.packed[:nb]
    return out


def attr(flags, code, value):
    if len(value) > 255:
        return struct.pack(">BBH", flags | 0x10, code, len(value)) + value
    return struct.pack(">BBB", flags, code, len(value)) + value


def attrs(as_path, next_hop=None, med=None, communities=()):
    """ORIGIN IGP, AS_PATH (one AS_SEQUENCE, 4-octet), NEXT_HOP (IPv4), MED,
    COMMUNITIES, in type order."""
    out = attr(0x40, 1, b"\x00")
    out += attr(0x40, 2, bytes([2, len(as_path)]) + b"".join(struct.pack(">I", a)
                                                           for a in as_path))
    if next_hop:
        out += attr(0x40, 3, ipaddress.IPv4Address(next_hop).packed)
    if med is not None:
        out += attr(0x80, 4, struct.pack(">I", med))
    if communities:
        out += attr(0xC0, 8, b"".join(struct.pack(">I", c) for c in communities))
    return out


def update(withdrawn=b"", path_attrs=b"", nlri_bytes=b""):
    body = struct.pack(">H", len(withdrawn)) + withdrawn
    body += struct.pack(">H", len(path_attrs)) + path_attrs + nlri_bytes
    return message(2, body)


def update4(path_attrs, announce=(), withdraw=()):
    return update(nlri(withdraw), path_attrs if announce else b"", nlri(announce))


def update6(path_attrs, next_hop, announce):
    nh = ipaddress.IPv6Address(next_hop).packed
    mp = struct.pack(">HBB", 2, 1, 16) + nh + b"\x00" + nlri(announce)
    return update(b"", path_attrs + attr(0x80, 14, mp))


def withdraw6(prefixes):
    return update(b"", attr(0x80, 15, struct.pack(">HB", 2, 1) + nlri(prefixes)))


def eor(afi=1, safi=1):
    if (afi, safi) == (1, 1):
        return update()
    return update(b"", attr(0x80, 15, struct.pack(">HB", afi, safi)))


class TcpSession:
    """One IPv4 TCP connection A <-> B written frame by frame into a PcapWriter."""

    def __init__(self, writer, a, b, t0, step=0.0001, isn=(1000, 900000)):
        self.w, self.a, self.b = writer, a, b
        self.t, self.step = t0, step
        self.seq = {True: isn[0], False: isn[1]}      # True: A's next sequence number
        self._put(True, TCP_SYN, b"", ack=0)
        self.seq[True] += 1
        self._put(False, TCP_SYN | TCP_ACK, b"")
        self.seq[False] += 1
        self._put(True, TCP_ACK, b"")
        self.dropped = []                              # (from_a, seq, length)

    def _put(self, from_a, flags, payload, ack=None, write=True):
        src, dst = (self.a, self.b) if from_a else (self.b, self.a)
        if ack is None:
            ack = self.seq[not from_a]
        frame = tcp4_frame(src[0], dst[0], src[1], dst[1], self.seq[from_a], ack, flags,
                           payload)
        self.t += self.step
        if write:
            sec, usec = divmod(int(round(self.t * 1e6)), 1000000)
            self.w.write(sec, usec, frame)

    def pause(self, seconds):
        self.t += seconds

    def send(self, from_a, payload, drop=False):
        """A data segment (left out of the file if drop) and the receiver's ACK."""
        if drop:
            self.dropped.append((from_a, self.seq[from_a], len(payload)))
        self._put(from_a, TCP_PSH | TCP_ACK, payload, write=not drop)
        self.seq[from_a] += len(payload)
        self._put(not from_a, TCP_ACK, b"")
