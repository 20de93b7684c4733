"""Run tshark once over a pcap and load its JSON faithfully.

tshark's `-T json` repeats keys inside one object (several "bgp" layers in a
frame, several "bgp.update.path_attribute" in an UPDATE, the same prefix
twice in one NLRI). A plain json.load keeps only the last one, and
`--no-duplicate-keys` merges repeats and so loses their relative order. Obj
keeps every (key, value) pair in document order instead.
"""

import json
import subprocess

# Expert info severities (epan/proto.h): PI_NOTE 0x400000, PI_WARN 0x600000, PI_ERROR 0x800000.
PI_WARN, PI_ERROR = 0x600000, 0x800000

TSHARK_PREFS = [
    "-o", "gui.max_tree_depth:100000",          # many PDUs per frame exceed the default 500
    "-o", "tcp.reassemble_out_of_order:TRUE",  # swapped segments still reassemble
    "-o", "tcp.desegment_tcp_streams:TRUE",
    "-o", "bgp.desegment:TRUE",
]


class Obj(list):
    """A JSON object as an ordered list of (key, value) pairs."""

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def all(self, key):
        return [v for k, v in self if k == key]


class TsharkError(RuntimeError):
    pass


def tshark_json(pcap, extra=(), display_filter=None):
    """Return the list of packets (each an Obj) of one `tshark -T json -x` pass."""
    args = ["tshark", "-r", pcap, "-n", "-T", "json", "-x"] + TSHARK_PREFS + list(extra)
    if display_filter:
        args += ["-Y", display_filter]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise TsharkError(f"tshark failed ({res.returncode}): {res.stderr.decode()[-2000:]}")
    if not res.stdout.strip():
        return []
    return json.loads(res.stdout, object_pairs_hook=Obj)


def layers(packet):
    return packet.get("_source").get("layers")


def scalar(node, key, conv=str, default=None):
    """First value of key in node (an Obj) converted, or default."""
    if not isinstance(node, Obj):
        return default
    val = node.get(key)
    if val is None or isinstance(val, (Obj, list)):
        return default
    try:
        return conv(val)
    except ValueError:
        return default


def find_first(node, key):
    """Depth-first search for the first value of key anywhere under node."""
    if isinstance(node, Obj):
        for k, v in node:
            if k == key:
                return v
            found = find_first(v, key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for v in node:
            found = find_first(v, key)
            if found is not None:
                return found
    return None


def problems(node, acc=None):
    """Count malformed markers and expert infos of warning/error severity under node."""
    if acc is None:
        acc = {"malformed": 0, "errors": 0, "warnings": 0, "messages": []}
    if isinstance(node, Obj):
        for k, v in node:
            if k == "_ws.malformed":
                acc["malformed"] += 1
                acc["messages"].append("malformed: " + _expert_text(v))
            elif k == "_ws.expert" and isinstance(v, Obj):
                sev = scalar(v, "_ws.expert.severity", int, 0)
                if sev >= PI_ERROR:
                    acc["errors"] += 1
                    acc["messages"].append("error: " + _expert_text(v))
                elif sev >= PI_WARN:
                    acc["warnings"] += 1
            problems(v, acc)
    elif isinstance(node, list):
        for v in node:
            problems(v, acc)
    return acc


def _expert_text(v):
    msg = find_first(v, "_ws.expert.message") if isinstance(v, (Obj, list)) else None
    return str(msg if msg is not None else v)


def raw_hex(value):
    """The hex string of a `*_raw` field ([hex, offset, length, mask, type])."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    if isinstance(value, str):
        return value
    return None
