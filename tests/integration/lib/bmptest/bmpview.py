"""What a BMP station ends up with: per-peer tables rebuilt from a raw stream.

    v = View.from_file(path)          # one connection's raw BMP stream
    v.tables[peer]                    # {(family, prefix): attrs} (bgpwire keys)
    v.msgs                            # [Msg] in stream order

A peer is (peer address, distinguisher). Route Monitoring is applied with
bgpwire.parse_update (the wire side's rules), Peer Down clears the peer's
table, End-of-RIB markers and Statistics Reports are kept per peer. RFC
7854 layouts, read from the bytes: no dependency on the daemon's code.
"""

import ipaddress

from . import bgpwire

TYPES = {0: "route_monitoring", 1: "stats", 2: "peer_down", 3: "peer_up",
         4: "initiation", 5: "termination", 6: "route_mirroring"}
PEER_HDR = 42
# RFC 7854 / 8671 statistics with an AFI/SAFI in front of a 64-bit gauge
AFI_GAUGES = (9, 10, 16, 17)


class Msg:
    __slots__ = ("index", "type", "raw", "peer", "flags", "ts", "update", "asn", "bgp_id")

    def __init__(self, index, raw):
        self.index, self.raw = index, raw
        self.type = TYPES.get(raw[5], str(raw[5]))
        self.peer = self.ts = self.update = None
        if raw[5] in (0, 1, 2, 3, 6) and len(raw) >= 6 + PEER_HDR:
            self._peer_header(raw[6:6 + PEER_HDR])

    def _peer_header(self, h):
        self.flags = h[1]
        rd = h[2:10].hex()
        if self.flags & 0x80:
            addr = str(ipaddress.IPv6Address(h[10:26]))
        else:
            addr = str(ipaddress.IPv4Address(h[22:26]))
        self.peer = (addr, rd)
        self.asn = int.from_bytes(h[26:30], "big")
        self.bgp_id = str(ipaddress.IPv4Address(h[30:34]))
        self.ts = int.from_bytes(h[34:38], "big") + int.from_bytes(h[38:42], "big") / 1e6

    @property
    def body(self):
        return self.raw[6 + PEER_HDR:] if self.peer else self.raw[6:]

    def parse_update(self):
        if self.update is None:
            self.update = bgpwire.parse_update(self.body)
        return self.update

    def stats(self):
        """{type: value} of a Statistics Report; AFI/SAFI gauges as
        {type: {family: value}}; ValueError if the TLVs do not add up."""
        body = self.body
        count, off, out, n = int.from_bytes(body[:4], "big"), 4, {}, 0
        while off + 4 <= len(body):
            stype = int.from_bytes(body[off:off + 2], "big")
            slen = int.from_bytes(body[off + 2:off + 4], "big")
            val = body[off + 4:off + 4 + slen]
            if len(val) != slen:
                raise ValueError(f"stat type {stype} overruns the message")
            off += 4 + slen
            n += 1
            if stype in AFI_GAUGES and slen == 11:
                fam = bgpwire.family(int.from_bytes(val[:2], "big"), val[2])
                out.setdefault(stype, {})[fam] = int.from_bytes(val[3:], "big")
            else:
                out[stype] = int.from_bytes(val, "big")
        if off != len(body) or n != count:
            raise ValueError(f"stats count {count}, {n} TLVs, {len(body) - off} bytes left")
        return out


def frame(data):
    """(messages, trailing bytes) of a raw BMP stream."""
    out, off = [], 0
    while off + 6 <= len(data):
        if data[off] != 3:
            raise ValueError(f"offset {off}: BMP version {data[off]}")
        mlen = int.from_bytes(data[off + 1:off + 5], "big")
        if mlen < 6:
            raise ValueError(f"offset {off}: BMP length {mlen}")
        if off + mlen > len(data):
            break
        out.append(data[off:off + mlen])
        off += mlen
    return out, data[off:]


class View:
    def __init__(self, data):
        raws, self.trailing = frame(data)
        self.msgs = [Msg(i, r) for i, r in enumerate(raws)]
        self.tables, self.eor, self.stats, self.ups, self.downs = {}, {}, {}, [], []
        for m in self.msgs:
            self._apply(m)

    @classmethod
    def from_file(cls, path):
        with open(path, "rb") as f:
            return cls(f.read())

    def _apply(self, m):
        if m.type == "peer_up":
            self.ups.append(m)
            self.tables.setdefault(m.peer, {})
        elif m.type == "peer_down":
            self.downs.append(m)
            self.tables[m.peer] = {}
        elif m.type == "route_monitoring":
            u = m.parse_update()
            if u["eor"] is not None:
                self.eor.setdefault(m.peer, []).append((m.index, u["eor"]))
            bgpwire.apply(self.tables.setdefault(m.peer, {}), u)
        elif m.type == "stats":
            self.stats.setdefault(m.peer, []).append(m)

    def types(self):
        return [m.type for m in self.msgs]

    def by_sender(self):
        """{peer address: table}; assumes one distinguisher per address."""
        return {peer[0]: t for peer, t in self.tables.items()}
