"""Read a callgrind output file: self and inclusive Ir per function.

    funcs = parse("callgrind.out")       # {(object, file, fn): Cost}
    rx = find(funcs, r"handle(\\..*)?", "rx_worker.c")

Functions are keyed by their ELF object, source file and name as callgrind
wrote them (an LTO-renamed static keeps its file: `handle.lto_priv.1` in
rx_worker.c). Inclusive cost = self cost + the cost of every call made from
the function, recursive calls excepted; code inlined from other files
(callgrind's fi=/fe= lines) stays with the function it was inlined into.
"""

import re


class Cost:
    __slots__ = ("self_ir", "calls_ir", "called")

    def __init__(self):
        self.self_ir = self.calls_ir = self.called = 0

    @property
    def incl(self):
        return self.self_ir + self.calls_ir


_NAMED = re.compile(r"^(ob|fl|fi|fe|fn|cob|cfi|cfl|cfn)=(?:\((\d+)\))?\s*(.*)$")


class _Names:
    """callgrind's name compression: "(id) name" defines, "(id)" refers."""

    def __init__(self):
        self.tables = {}

    def resolve(self, kind, ident, name):
        table = self.tables.setdefault(kind, {})
        if ident is None:
            return name
        if name:
            table[ident] = name
        return table.get(ident, name)


_SPACE = {"cob": "ob", "cfi": "fl", "cfl": "fl", "fi": "fl", "fe": "fl", "cfn": "fn"}


def _kind(tag):
    """Objects, files and functions each have one name space."""
    return _SPACE.get(tag, tag)


def parse(path):
    names, funcs = _Names(), {}
    cur = {"ob": "", "fl": "", "fn": ""}
    callee = {"ob": "", "fl": "", "fn": ""}
    fn_key, pending_call = None, None
    with open(path, errors="replace") as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                ir = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                if fn_key is None:
                    continue
                if pending_call is not None:
                    if pending_call != fn_key:
                        funcs[fn_key].calls_ir += ir
                    pending_call = None
                else:
                    funcs[fn_key].self_ir += ir
                continue
            if line.startswith("calls="):
                count = int(line[6:].split()[0])
                key = (callee["ob"] or cur["ob"], callee["fl"] or cur["fl"], callee["fn"])
                funcs.setdefault(key, Cost()).called += count
                pending_call = key
                callee = {"ob": "", "fl": "", "fn": ""}
                continue
            m = _NAMED.match(line.rstrip("\n"))
            if not m:
                continue
            tag, ident, name = m.group(1), m.group(2), m.group(3)
            val = names.resolve(_kind(tag), ident, name)
            if tag in ("ob", "fl", "fn"):
                cur[tag] = val
                if tag == "fn":
                    fn_key = (cur["ob"], cur["fl"], val)
                    funcs.setdefault(fn_key, Cost())
            elif tag in ("cob", "cfl", "cfi", "cfn"):
                callee[{"cob": "ob", "cfl": "fl", "cfi": "fl", "cfn": "fn"}[tag]] = val
    return funcs


def find(funcs, name_re, file_suffix=None):
    """The matching function with the largest inclusive cost, or None."""
    best = None
    for (ob, fl, fn), cost in funcs.items():
        if re.fullmatch(name_re, fn) and (file_suffix is None or fl.endswith(file_suffix)):
            if best is None or cost.incl > best[1].incl:
                best = ((ob, fl, fn), cost)
    return best


def total(funcs):
    return sum(c.self_ir for c in funcs.values())


def top(funcs, n=15, file_re=r".*/(dataplane|pmd|control)/.*", by="self"):
    rows = [(k, c) for k, c in funcs.items() if re.fullmatch(file_re, k[1])]
    rows.sort(key=lambda kc: kc[1].self_ir if by == "self" else kc[1].incl, reverse=True)
    return rows[:n]
