"""BGP UPDATEs parsed in Python, and the tables a capture leaves per direction.

A second oracle beside tshark, for what tshark's field output cannot give
cheaply on 100k+ prefixes: the attribute set of every prefix. Used as:

    dirs = directions(pcap)          # TCP reassembly, BGP framing, per direction
    tabs = final_tables(dirs)        # {(sender, receiver): {(fam, prefix): attrs}}
    st = dup_stats(dirs[key])        # duplicates as the README defines them

parse_update() is also what bmpview.py applies to Route Monitoring, so the
station's view and the wire's table are built by the same rules (which are
RFC 4271/4760's, not the daemon's). No ADD-PATH: these captures have none.
"""

import socket

from .pcapio import TCP_FIN, TCP_RST, TCP_SYN, PcapReader, parse_tcp

FAMILIES = {(1, 1): "ipv4", (2, 1): "ipv6", (1, 2): "ipv4-multicast", (2, 2): "ipv6-multicast"}
AFI_SAFI = {v: k for k, v in FAMILIES.items()}
EXT_LEN = 0x10
FAM = {1: socket.AF_INET, 2: socket.AF_INET6}


def family(afi, safi):
    return FAMILIES.get((afi, safi), f"afi{afi}/safi{safi}")


def _prefixes(data, afi):
    """[prefix string] of an NLRI field (no ADD-PATH); ValueError if it overruns."""
    out, off, width = [], 0, 4 if afi == 1 else 16
    while off < len(data):
        plen = data[off]
        nb = (plen + 7) // 8
        if plen > width * 8 or off + 1 + nb > len(data):
            raise ValueError(f"bad prefix at offset {off}")
        raw = bytearray(data[off + 1:off + 1 + nb] + bytes(width - nb))
        if plen % 8:
            raw[nb - 1] &= (0xFF << (8 - plen % 8)) & 0xFF
        out.append(f"{socket.inet_ntop(FAM[afi], bytes(raw))}/{plen}")
        off += 1 + nb
    return out


def _attrs(data):
    """[(flags, type, value)] of a path attribute field."""
    out, off = [], 0
    while off + 3 <= len(data):
        flags, code = data[off], data[off + 1]
        if flags & EXT_LEN:
            alen, hdr = int.from_bytes(data[off + 2:off + 4], "big"), 4
        else:
            alen, hdr = data[off + 2], 3
        val = data[off + hdr:off + hdr + alen]
        if len(val) != alen:
            raise ValueError("attribute overruns the field")
        out.append((flags, code, val))
        off += hdr + alen
    if off != len(data):
        raise ValueError("trailing bytes in the attribute field")
    return out


def parse_update(msg):
    """One UPDATE (with its 19-byte header) as a dict:
    announce / withdraw: [(family, prefix)], attrs: {family: key} (the key
    compares attribute sets: every attribute but MP_(UN)REACH, flags without
    Extended Length, plus the MP next hop of that family), eor: family or None."""
    body = msg[19:]
    wlen = int.from_bytes(body[0:2], "big")
    wd = body[2:2 + wlen]
    alen = int.from_bytes(body[2 + wlen:4 + wlen], "big")
    attrs = _attrs(body[4 + wlen:4 + wlen + alen])
    nlri = body[4 + wlen + alen:]
    u = {"announce": [("ipv4", p) for p in _prefixes(nlri, 1)],
         "withdraw": [("ipv4", p) for p in _prefixes(wd, 1)], "attrs": {}, "eor": None}
    base = tuple(sorted((c, f & ~EXT_LEN & 0xF0, v) for f, c, v in attrs if c not in (14, 15)))
    u["attrs"]["ipv4"] = base
    unreach = None
    for _, code, val in attrs:
        if code not in (14, 15):
            continue
        afi = int.from_bytes(val[0:2], "big")
        fam = family(afi, val[2])
        if code == 14:
            nhl = val[3]
            u["attrs"][fam] = base + ((14, "nh", val[4:4 + nhl]),)
            u["announce"] += [(fam, p) for p in _prefixes(val[5 + nhl:], afi)]
        elif code == 15:
            unreach = fam
            u["withdraw"] += [(fam, p) for p in _prefixes(val[3:], afi)]
    if not u["announce"] and not u["withdraw"]:
        if unreach is not None:
            u["eor"] = unreach
        elif not attrs:
            u["eor"] = "ipv4"
    return u


def split_messages(data):
    """(whole BGP messages, bytes left over) of a byte stream."""
    out, off = [], 0
    while off + 19 <= len(data):
        mlen = int.from_bytes(data[off + 16:off + 18], "big")
        if mlen < 19:
            raise ValueError(f"BGP length {mlen} at offset {off}")
        if off + mlen > len(data):
            break
        out.append(data[off:off + mlen])
        off += mlen
    return out, data[off:]


class Direction:
    """The BGP messages one speaker sent on the last TCP connection seen."""

    def __init__(self, sender, receiver):
        self.sender, self.receiver = sender, receiver
        self.connections = 0
        self.reset(None)

    def reset(self, isn):
        self.isn = isn           # sequence number of the SYN
        self.next = 1            # relative sequence number expected next
        self.pending = {}        # relative seq -> payload, beyond a hole
        self.buf = b""
        self.messages = []       # [(frame index, time, message bytes)]
        self.ended = False
        self.connections += isn is not None

    def segment(self, idx, ts, seq, payload):
        if self.isn is None:     # joined mid-stream: start here
            self.reset((seq - 1) & 0xFFFFFFFF)
        self.pending[(seq - self.isn) & 0xFFFFFFFF] = payload
        progressed = True
        while progressed:
            progressed = False
            for rel in sorted(self.pending):
                data = self.pending[rel]
                if rel > self.next:
                    break
                del self.pending[rel]
                if rel + len(data) > self.next:
                    self.buf += data[self.next - rel:]
                    self.next = rel + len(data)
                    progressed = True
        msgs, self.buf = split_messages(self.buf)
        self.messages += [(idx, ts, m) for m in msgs]


def directions(pcap):
    """{(sender, receiver): Direction} of a clean capture (no loss: a hole
    stops that direction's stream, which these tests never feed)."""
    dirs, rd = {}, PcapReader(pcap)
    for idx, (sec, frac, _, frame) in enumerate(rd.records()):
        t = parse_tcp(frame, rd.linktype)
        if t is None or 179 not in (t["sport"], t["dport"]):
            continue
        key = (t["src"], t["dst"])
        d = dirs.get(key)
        if d is None:
            d = dirs[key] = Direction(*key)
        ts = sec + frac / (1e9 if rd.nanos else 1e6)
        if t["flags"] & TCP_SYN:
            if d.isn != t["seq"]:
                d.reset(t["seq"])
            continue
        if t["flags"] & (TCP_FIN | TCP_RST):
            d.ended = True
            rev = dirs.get((t["dst"], t["src"]))
            if rev is not None:
                rev.ended = True
        if t["payload"]:
            d.segment(idx, ts, t["seq"], t["payload"])
    return dirs


def updates(d):
    """[(frame index, time, raw, parsed)] of a Direction's UPDATEs."""
    return [(i, ts, m, parse_update(m)) for i, ts, m in d.messages if m[18] == 2]


def apply(table, u):
    """Apply a parsed UPDATE to {(family, prefix): attrs}; return what it did:
    (duplicate announcements, duplicate withdraws, changed anything)."""
    dup_adv = dup_wd = 0
    changed = False
    for key in u["withdraw"]:
        if table.pop(key, None) is None:
            dup_wd += 1
        else:
            changed = True
    for fam, pfx in u["announce"]:
        attrs = u["attrs"][fam]
        if table.get((fam, pfx)) == attrs:
            dup_adv += 1
        else:
            table[(fam, pfx)] = attrs
            changed = True
    return dup_adv, dup_wd, changed


def final_tables(dirs):
    """{(sender, receiver): table} at the end; a direction whose connection
    ended has an empty table (its peer went down)."""
    out = {}
    for key, d in dirs.items():
        table = {}
        if not d.ended:
            for _, _, _, u in updates(d):
                apply(table, u)
        out[key] = table
    return out


def dup_stats(d):
    """Duplicate counters over a Direction's UPDATEs (End-of-RIB markers are
    not updates that could duplicate anything, so they are left out)."""
    table, st = {}, {"dup_adv": 0, "dup_wd": 0, "dup_updates": 0}
    for _, _, _, u in updates(d):
        if u["eor"] is not None:
            continue
        a, w, changed = apply(table, u)
        st["dup_adv"] += a
        st["dup_wd"] += w
        st["dup_updates"] += not changed
    return st


def per_family(table):
    out = {}
    for fam, _ in table:
        out[fam] = out.get(fam, 0) + 1
    return out


def prefix_sets(table):
    """{family: set(prefix)} of a table."""
    out = {}
    for fam, pfx in table:
        out.setdefault(fam, set()).add(pfx)
    return out
