"""tshark's prefix-level decode of a large BGP capture, from `-T fields`.

`-T json` of a capture with 300k prefixes is ~450 MB; the field output is a
few MB and takes seconds. Fields of one frame come as one list per field,
so the prefixes of the UPDATEs a frame completes are given back to each
UPDATE (and to its withdrawn routes, MP_REACH, MP_UNREACH, NLRI) from the
length fields tshark also dissected: each prefix takes 1 + ceil(len / 8)
bytes (no ADD-PATH), and every field list must be used up exactly, which
checks the bookkeeping on every frame.

    dec = decode(pcap)
    dec[(sender, receiver)] = {"prefixes": {family: set}, "ended": bool,
                               "updates": N, "announced": {family: N},
                               "withdrawn": {family: N}, "eor": [family, ...]}
"""

import subprocess

from .tsharkjson import TSHARK_PREFS

FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.stream",
          "tcp.flags.fin", "tcp.flags.reset", "bgp.type", "bgp.length",
          "bgp.update.withdrawn_routes.length", "bgp.update.path_attributes.length",
          "bgp.update.path_attribute.flags", "bgp.update.path_attribute.type_code",
          "bgp.update.path_attribute.length",
          "bgp.update.path_attribute.mp_reach_nlri.afi",
          "bgp.update.path_attribute.mp_reach_nlri.safi",
          "bgp.update.path_attribute.mp_reach_nlri.next_hop",
          "bgp.update.path_attribute.mp_unreach_nlri.afi",
          "bgp.update.path_attribute.mp_unreach_nlri.safi",
          "bgp.prefix_length", "bgp.withdrawn_prefix", "bgp.nlri_prefix",
          "bgp.mp_reach_nlri_ipv4_prefix", "bgp.mp_unreach_nlri_ipv4_prefix",
          "bgp.mp_reach_nlri_ipv6_prefix", "bgp.mp_unreach_nlri_ipv6_prefix"]
FAMILIES = {("1", "1"): "ipv4", ("2", "1"): "ipv6", ("1", "2"): "ipv4-multicast",
            ("2", "2"): "ipv6-multicast"}


class DecodeError(RuntimeError):
    pass


class _Frame:
    def __init__(self, cols):
        self.q = {f: (c.split(",") if c else []) for f, c in zip(FIELDS, cols)}
        self.number = self.q["frame.number"][0]

    def pop(self, field):
        lst = self.q[field]
        if not lst:
            raise DecodeError(f"frame {self.number}: {field} used up")
        return lst.pop(0)

    def prefixes(self, nbytes, addr_field):
        out, used = [], 0
        while used < nbytes:
            plen = int(self.pop("bgp.prefix_length"))
            out.append(f"{self.pop(addr_field)}/{plen}")
            used += 1 + (plen + 7) // 8
        if used != nbytes:
            raise DecodeError(f"frame {self.number}: {addr_field} overruns by {used - nbytes}")
        return out

    def leftover(self):
        skip = ("frame.number", "ip.", "ipv6.", "tcp.", "bgp.type", "bgp.length")
        return {f: v for f, v in self.q.items() if v and not f.startswith(skip)}


def _mp(fr, kind, alen):
    afi = fr.pop(f"bgp.update.path_attribute.{kind}.afi")
    safi = fr.pop(f"bgp.update.path_attribute.{kind}.safi")
    fam = FAMILIES.get((afi, safi), f"afi{afi}/safi{safi}")
    if kind == "mp_reach_nlri":
        nh = fr.pop("bgp.update.path_attribute.mp_reach_nlri.next_hop").replace(":", "")
        nbytes = alen - 5 - (len(nh) // 2 - 1)       # the field holds its length byte
        v = "ipv4" if afi == "1" else "ipv6"
        return "announce", fam, fr.prefixes(nbytes, f"bgp.mp_reach_nlri_{v}_prefix")
    v = "ipv4" if afi == "1" else "ipv6"
    return "withdraw", fam, fr.prefixes(alen - 3, f"bgp.mp_unreach_nlri_{v}_prefix")


def _update(fr, mlen):
    """The prefixes of the frame's next UPDATE: {"announce"/"withdraw": [(fam, pfx)]}."""
    wlen = int(fr.pop("bgp.update.withdrawn_routes.length"))
    alen = int(fr.pop("bgp.update.path_attributes.length"))
    u = {"announce": [], "withdraw": [], "eor": None, "attrs": 0}
    u["withdraw"] += [("ipv4", p) for p in fr.prefixes(wlen, "bgp.withdrawn_prefix")]
    used = 0
    while used < alen:
        flags = int(fr.pop("bgp.update.path_attribute.flags"), 0)
        code = int(fr.pop("bgp.update.path_attribute.type_code"))
        length = int(fr.pop("bgp.update.path_attribute.length"))
        used += (4 if flags & 0x10 else 3) + length
        u["attrs"] += 1
        if code in (14, 15):
            side, fam, pfx = _mp(fr, "mp_reach_nlri" if code == 14 else "mp_unreach_nlri",
                                 length)
            u[side] += [(fam, p) for p in pfx]
            if code == 15 and not pfx:
                u["eor"] = fam
    u["announce"] += [("ipv4", p) for p in fr.prefixes(mlen - 23 - wlen - alen,
                                                       "bgp.nlri_prefix")]
    if not u["announce"] and not u["withdraw"] and u["eor"] is None and not u["attrs"]:
        u["eor"] = "ipv4"
    return u


def _direction(out, key, stream):
    d = out.get(key)
    if d is None or d["stream"] != stream:
        d = out[key] = {"stream": stream, "prefixes": {}, "ended": False, "updates": 0,
                        "announced": {}, "withdrawn": {}, "eor": []}
    return d


def _apply(d, u):
    d["updates"] += 1
    for fam, p in u["withdraw"]:
        d["prefixes"].setdefault(fam, set()).discard(p)
        d["withdrawn"][fam] = d["withdrawn"].get(fam, 0) + 1
    for fam, p in u["announce"]:
        d["prefixes"].setdefault(fam, set()).add(p)
        d["announced"][fam] = d["announced"].get(fam, 0) + 1
    if u["eor"]:
        d["eor"].append(u["eor"])


def decode(pcap):
    args = ["tshark", "-r", pcap, "-n"] + TSHARK_PREFS + [
        "-Y", "bgp || tcp.flags.fin == 1 || tcp.flags.reset == 1", "-T", "fields",
        "-E", "separator=/t", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode:
        raise DecodeError(f"tshark failed: {res.stderr[-2000:]}")
    out = {}
    for line in res.stdout.splitlines():
        fr = _Frame(line.split("\t"))
        src = (fr.q["ip.src"] or fr.q["ipv6.src"])[0]
        dst = (fr.q["ip.dst"] or fr.q["ipv6.dst"])[0]
        stream = fr.q["tcp.stream"][0]
        d = _direction(out, (src, dst), stream)
        for mtype, mlen in zip(fr.q["bgp.type"], fr.q["bgp.length"]):
            if mtype == "2":
                _apply(d, _update(fr, int(mlen)))
        left = fr.leftover()
        if left:
            raise DecodeError(f"frame {fr.number}: fields not accounted for: {left}")
        if {"1", "True"} & set(fr.q["tcp.flags.fin"] + fr.q["tcp.flags.reset"]):
            d["ended"] = True
            rev = out.get((dst, src))
            if rev is not None and rev["stream"] == stream:
                rev["ended"] = True
    return out


def final_prefixes(dec):
    """{(sender, receiver): {family: set}} with an ended connection's table empty."""
    return {k: ({} if d["ended"] else d["prefixes"]) for k, d in dec.items()}
