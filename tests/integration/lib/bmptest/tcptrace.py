"""The TCP packets of a capture, as tshark dissects them (one -T fields pass).

For checks on bmptapd's own connections to its stations, captured on a
namespace's lo: DSCP of every packet (ip.dsfield.dscp / ipv6.tclass.dscp),
when each SYN left, which attempts were refused (RST) or accepted (SYN-ACK),
which local port a connection used.
"""

import subprocess

FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags.syn", "tcp.flags.ack",
          "tcp.flags.fin", "tcp.flags.reset", "tcp.len", "ip.dsfield.dscp", "ipv6.tclass.dscp"]


def _flag(v):
    return v in ("1", "True", "true")


def packets(pcap):
    """[dict] per TCP packet: time, src, dst, sport, dport, stream, syn, ack,
    fin, rst, len, dscp (from the IPv4 or IPv6 header)."""
    args = ["tshark", "-r", pcap, "-n", "-Y", "tcp", "-T", "fields", "-E", "occurrence=f"]
    for f in FIELDS:
        args += ["-e", f]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=120)
    if res.returncode:
        raise RuntimeError(f"tshark failed on {pcap}: {res.stderr[-2000:]}")
    out = []
    for line in res.stdout.splitlines():
        c = dict(zip(FIELDS, line.split("\t") + [""] * len(FIELDS)))
        dscp = c["ip.dsfield.dscp"] or c["ipv6.tclass.dscp"]
        out.append({"frame": int(c["frame.number"]), "time": float(c["frame.time_epoch"]),
                    "src": c["ip.src"] or c["ipv6.src"], "dst": c["ip.dst"] or c["ipv6.dst"],
                    "sport": int(c["tcp.srcport"]), "dport": int(c["tcp.dstport"]),
                    "stream": int(c["tcp.stream"]), "syn": _flag(c["tcp.flags.syn"]),
                    "ack": _flag(c["tcp.flags.ack"]), "fin": _flag(c["tcp.flags.fin"]),
                    "rst": _flag(c["tcp.flags.reset"]), "len": int(c["tcp.len"] or 0),
                    "dscp": int(dscp, 0) if dscp else None,
                    "v6": bool(c["ipv6.src"])})
    return out


def connections(pkts, port, dst=None):
    """Attempts towards a station port, in SYN order: [{stream, sport, src, syn_time,
    refused, accepted, out: [packets from the client], back: [packets to it]}]."""
    by_stream = {}
    for p in pkts:
        to_station = p["dport"] == port and (dst is None or p["dst"] == dst)
        from_station = p["sport"] == port and (dst is None or p["src"] == dst)
        if not (to_station or from_station):
            continue
        c = by_stream.get(p["stream"])
        if c is None:
            c = by_stream[p["stream"]] = {"stream": p["stream"], "syn_time": None,
                                          "sport": None, "src": None, "refused": False,
                                          "accepted": False, "out": [], "back": []}
        if to_station:
            c["out"].append(p)
            if p["syn"] and not p["ack"] and c["syn_time"] is None:
                c["syn_time"], c["sport"], c["src"] = p["time"], p["sport"], p["src"]
        else:
            c["back"].append(p)
            if p["syn"] and p["ack"]:
                c["accepted"] = True
            if p["rst"] and not c["accepted"]:
                c["refused"] = True
    conns = [c for c in by_stream.values() if c["syn_time"] is not None]
    return sorted(conns, key=lambda c: c["syn_time"])
