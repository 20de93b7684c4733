"""What a BMP station should have logged, from tshark's decode of the wire.

The wire side is a bgpdecode.decode_bgp_capture() result (tshark); the
station side is pmbmpd's JSON message log (Pmbmpd.events()). Both reduce to
a multiset of (sender, "update"|"withdraw", prefix): each prefix of each
UPDATE a direction carried, once per UPDATE, so a missing, duplicated or
misattributed route shows up. BMP peers are keyed by the sender's address:
pmbmpd does not log the peer distinguisher, and in these captures each
sender talks to one receiver per address family.
"""

import collections
import ipaddress


def _norm(prefix):
    return str(ipaddress.ip_network(prefix.split("#")[0], strict=False))


def wire_routes(dec):
    out = collections.Counter()
    for d in dec["directions"].values():
        for m in d["messages"]:
            if m["type"] != "UPDATE":
                continue
            for kind, side in (("update", "announce"), ("withdraw", "withdraw")):
                for pfx in m.get(side, {}).values():
                    for p in pfx:
                        out[(d["sender"], kind, _norm(p))] += 1
    return out


def station_routes(events):
    out = collections.Counter()
    for e in events:
        if e.get("bmp_msg_type") == "route_monitor" and e.get("log_type") in ("update",
                                                                              "withdraw"):
            out[(e["peer_ip"], e["log_type"], _norm(e["ip_prefix"]))] += 1
    return out


def wire_directions(dec):
    """{(sender, receiver)} of directions that sent an OPEN (BMP peers)."""
    return {(d["sender"], d["receiver"]) for d in dec["directions"].values()
            if any(m["type"] == "OPEN" for m in d["messages"])}


def peer_ups(events):
    return [e for e in events if e.get("bmp_msg_type") == "peer_up"]


def per_sender(routes):
    out = collections.Counter()
    for (sender, kind, _), n in routes.items():
        out[(sender, kind)] += n
    return dict(sorted(out.items()))


def diff_routes(want, got, limit=8):
    """'' when equal, else a short description of what differs."""
    if want == got:
        return ""
    missing = want - got
    extra = got - want
    parts = []
    if missing:
        parts.append(f"{sum(missing.values())} missing (e.g. {sorted(missing)[:limit]})")
    if extra:
        parts.append(f"{sum(extra.values())} unexpected (e.g. {sorted(extra)[:limit]})")
    parts.append(f"wire per sender {per_sender(want)}, station {per_sender(got)}")
    return "; ".join(parts)


def connections(events):
    """pmbmpd events split per BMP connection (by bmp_router:port), in order."""
    conns = collections.OrderedDict()
    for e in events:
        key = (e.get("bmp_router"), e.get("bmp_router_port"))
        conns.setdefault(key, []).append(e)
    return conns


def msg_types(events):
    return [e["bmp_msg_type"] for e in events if "bmp_msg_type" in e]
