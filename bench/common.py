"""Shared pieces of the benchmark: paths, processes, counters, statistics.

Every scenario module gets one Ctx: the build directory's binaries, a
private work directory, the mode (quick or full), a log function and a
port allocator. Figures are recorded as Fig objects (several samples,
median and spread, an optional target) that report.py turns into the
Markdown table.
"""

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
HARNESS = os.path.join(ROOT, "tests", "integration", "lib")
if HARNESS not in sys.path:
    sys.path.insert(0, HARNESS)

# bmptapd's counter lines and process handling, shared with the tests
from bmptest.bmptapd import counters, lcore_sum  # noqa: E402,F401
from bmptest.netns import stop_process, wait_for as netns_wait_for  # noqa: E402


class BenchError(RuntimeError):
    """A real failure (a tool crashed, nothing arrived): bench/run exits 1."""


class Skip(Exception):
    """A scenario that cannot run here (missing tool, not root): noted, not failed."""


def sh(cmd, timeout=600, check=True, **kw):
    """Run a command (list); CompletedProcess with text stdout/stderr."""
    try:
        res = subprocess.run(cmd, timeout=timeout, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, **kw)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"timed out after {timeout}s: {' '.join(map(str, cmd))}") from e
    if check and res.returncode != 0:
        raise BenchError(f"exit {res.returncode}: {' '.join(map(str, cmd))}\n"
                         f"{res.stderr[-2000:]}")
    return res


def port_sum(ctr, name):
    return sum(v for k, v in ctr.items() if k.startswith("port.") and k.endswith("." + name))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, interval=0.05, what="condition"):
    """The harness's wait_for, failing the scenario (BenchError) on timeout."""
    try:
        return netns_wait_for(pred, timeout, interval, what)
    except TimeoutError as e:
        raise BenchError(str(e)) from None


def stop(proc, sig=signal.SIGTERM, timeout=20):
    """Signal a process we started (its own group); escalate to SIGKILL."""
    return None if proc is None else stop_process(proc, sig, timeout)


class Fig:
    """One figure: samples, unit, and an optional target ("<" or ">=" a value)."""

    def __init__(self, key, label, samples, unit, target=None, better="lower", note="",
                 fmt="{:.3g}"):
        self.key, self.label, self.unit, self.note, self.fmt = key, label, unit, note, fmt
        self.samples = [s for s in samples if s is not None]
        self.target, self.better = target, better

    @property
    def value(self):
        return statistics.median(self.samples) if self.samples else None

    def verdict(self):
        """(met, how far from the target), or (None, "") without a target."""
        if self.target is None or self.value is None:
            return None, ""
        v, t = self.value, self.target
        if self.better == "lower":
            return v < t, f"{v / t:.2f}x the target"
        if v >= t:
            return True, f"{v / t:.2f}x the target"
        return False, f"{t / v:.1f}x short" if v else "nothing measured"

    def as_dict(self):
        met, gap = self.verdict()
        return {"key": self.key, "label": self.label, "unit": self.unit, "value": self.value,
                "samples": self.samples, "target": self.target, "better": self.better,
                "met": met, "gap": gap, "note": self.note}


class Ctx:
    """What every scenario needs; results accumulate in self.sections."""

    def __init__(self, build, work, quick, repeat, log=None, frr_prefixes=None):
        self.build, self.work, self.quick, self.repeat = build, work, quick, repeat
        self.frr_prefixes = frr_prefixes
        self.logf = log
        self.sections = []          # (scenario id, title, [Fig], notes, extra dict)
        self.plots = []
        self.ncpu = os.cpu_count() or 1
        self._gen_cache = {}
        self.shared = {}            # figures one scenario hands to another

    # binaries
    def bin(self, name):
        sub = {"bmp-sink": "bench", "memcpy-probe": "bench", "mirror-mem": "bench",
               "pcap-send": "bench"}
        path = os.path.join(self.build, sub.get(name, ""), name)
        if not os.access(path, os.X_OK):
            raise BenchError(f"missing {path}: build it (bench/run builds unless --no-build)")
        return path

    def log(self, msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        if self.logf:
            self.logf.write(line + "\n")
            self.logf.flush()

    def path(self, *parts):
        p = os.path.join(self.work, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def dir(self, *parts):
        p = os.path.join(self.work, *parts)
        os.makedirs(p, exist_ok=True)
        return p

    def section(self, sid, title, figs, notes=(), extra=None):
        self.sections.append({"id": sid, "title": title, "figs": figs, "notes": list(notes),
                              "extra": extra or {}})

    def gen(self, name, args):
        """A bmptap-gen capture (cached by arguments); (pcap, summary dict)."""
        key = tuple(args)
        if key in self._gen_cache:
            return self._gen_cache[key]
        pcap, truth = self.path("gen", name + ".pcap"), self.path("gen", name + ".json")
        res = sh([self.bin("bmptap-gen"), "--pcap", pcap, "--truth", truth] + list(args))
        summary = gen_summary(res.stderr + res.stdout)
        summary["args"] = list(args)
        summary["pcap"], summary["truth"] = pcap, truth
        self._gen_cache[key] = (pcap, summary)
        return pcap, summary


def gen_summary(text):
    """Numbers of bmptap-gen's summary line."""
    out = {}
    pats = {"frames": r"(\d+) frames", "bgp_frames": r"\((\d+) bgp",
            "background": r"(\d+) background",
            "updates": r"update=(\d+)", "v4_ann": r"ipv4 \+(\d+)", "v4_wd": r"ipv4 \+\d+ -(\d+)",
            "v6_ann": r"ipv6 \+(\d+)", "v6_wd": r"ipv6 \+\d+ -(\d+)",
            "frame_bytes": r"(\d+) frame bytes", "capture_s": r"([\d.]+) s capture",
            "connections": r"(\d+) connections"}
    for k, pat in pats.items():
        m = re.search(pat, text)
        if m:
            out[k] = float(m.group(1)) if k == "capture_s" else int(m.group(1))
    if "updates" not in out:
        raise BenchError(f"bmptap-gen printed no summary: {text[-500:]}")
    out["prefixes"] = out.get("v4_ann", 0) + out.get("v6_ann", 0)
    out["withdrawals"] = out.get("v4_wd", 0) + out.get("v6_wd", 0)
    return out


def station_conf(port, addr="127.0.0.1"):
    """One station, every peer, no initial refresh (the timing is of live export)."""
    return (f"bmp initial-refresh skip\nbmp server 1\n address {addr} port-number {port}\n"
            " activate\n exit-bmp-server-mode\nbmp-activate all\n")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def import_harness():
    """Make tests/integration/lib importable (bmptest: netns, speakers, pcapio)."""
    if HARNESS not in sys.path:
        sys.path.insert(0, HARNESS)
