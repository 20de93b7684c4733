"""Classic pcap (not pcapng) reading and writing, and Ethernet/IP/TCP parsing.

Just what the harness needs: iterate records, parse a frame down to its TCP
payload (Ethernet, 802.1Q/QinQ, IPv4 without fragments, IPv6 without
extension headers), and build synthetic Ethernet/IPv4/TCP frames.
"""

import ipaddress
import struct

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D
LINKTYPE_ETHERNET = 1


class PcapReader:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        magic = struct.unpack_from("<I", self.data)[0]
        if magic in (MAGIC_US, MAGIC_NS):
            self.endian = "<"
        elif struct.unpack_from(">I", self.data)[0] in (MAGIC_US, MAGIC_NS):
            self.endian = ">"
            magic = struct.unpack_from(">I", self.data)[0]
        else:
            raise ValueError(f"{path}: not a classic pcap file (pcapng? use dumpcap -P)")
        self.nanos = magic == MAGIC_NS
        self.header = self.data[:24]
        self.linktype = struct.unpack_from(self.endian + "I", self.data, 20)[0] & 0xFFFFFFF

    def records(self):
        """Yield (ts_sec, ts_frac, orig_len, frame_bytes)."""
        off, end = 24, len(self.data)
        while off + 16 <= end:
            sec, frac, incl, orig = struct.unpack_from(self.endian + "IIII", self.data, off)
            off += 16
            yield sec, frac, orig, self.data[off:off + incl]
            off += incl


class PcapWriter:
    def __init__(self, path, header=None, linktype=LINKTYPE_ETHERNET):
        self.f = open(path, "wb")
        if header is None:
            header = struct.pack("<IHHiIII", MAGIC_US, 2, 4, 0, 0, 262144, linktype)
        self.endian = "<" if struct.unpack_from("<I", header)[0] in (MAGIC_US, MAGIC_NS) else ">"
        self.f.write(header)

    def write(self, sec, frac, frame, orig_len=None):
        orig = len(frame) if orig_len is None else orig_len
        self.f.write(struct.pack(self.endian + "IIII", sec, frac, len(frame), orig))
        self.f.write(frame)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def parse_tcp(frame, linktype=LINKTYPE_ETHERNET):
    """Return dict(src, dst, sport, dport, seq, ack, flags, payload) or None."""
    if linktype != LINKTYPE_ETHERNET or len(frame) < 14:
        return None
    etype, off = struct.unpack_from(">H", frame, 12)[0], 14
    while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
        etype, off = struct.unpack_from(">H", frame, off + 2)[0], off + 4
    if etype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0xF) * 4
        tot = struct.unpack_from(">H", frame, off + 2)[0]
        if frame[off + 9] != 6 or struct.unpack_from(">H", frame, off + 6)[0] & 0x3FFF:
            return None
        src, dst = frame[off + 12:off + 16], frame[off + 16:off + 20]
        l4, l4end = off + ihl, off + tot
    elif etype == 0x86DD and len(frame) >= off + 40:
        if frame[off + 6] != 6:
            return None
        plen = struct.unpack_from(">H", frame, off + 4)[0]
        src, dst = frame[off + 8:off + 24], frame[off + 24:off + 40]
        l4, l4end = off + 40, off + 40 + plen
    else:
        return None
    if len(frame) < l4 + 20:
        return None
    sport, dport, seq, ack, offflags = struct.unpack_from(">HHIIH", frame, l4)
    doff = (offflags >> 12) * 4
    return {"src": str(ipaddress.ip_address(src)), "dst": str(ipaddress.ip_address(dst)),
            "sport": sport, "dport": dport, "seq": seq, "ack": ack, "flags": offflags & 0x3F,
            "payload": frame[l4 + doff:l4end]}


TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp4_frame(src, dst, sport, dport, seq, ack, flags, payload=b"", ipid=0):
    """An Ethernet/IPv4/TCP frame with valid IP and TCP checksums."""
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0) + payload
    pseudo = s + d + struct.pack(">BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack(">H", _csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid & 0xFFFF, 0x4000, 64, 6, 0,
                     s, d)
    ip = ip[:10] + struct.pack(">H", _csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp
