"""Small kit for root integration tests made of named cases.

Runner runs each case in order, prints `PASS: name: summary (1.2 s)` or
`FAIL: name: why` (with the tail of the logs the case named), and gives the
exit code: 0 all passed, 1 a failure, 77 skipped (not root, tool missing).
cisco() / huawei() write station configurations in the vendor syntax
bmptapd reads.
"""

import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

from . import netns
from .bmptapd import binary


class CaseFail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CaseFail(msg)


def near(value, want, tol):
    return want - tol <= value <= want + tol


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return f"    ({path}: missing)"
    keep = [ln for ln in lines if not ln.startswith(("lcore", "port.", "encoder.", "output."))]
    return "\n".join("    " + ln for ln in keep[-n:])


class Ctx:
    """What a case gets: a private work directory and a place for notes."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.logs = []           # files whose tail is printed on failure
        self.shared = {}         # results one case leaves for a later one
        self.notes = []

    def dir(self, name):
        d = os.path.join(self.workdir, name)
        os.makedirs(d, exist_ok=True)
        return d


class Runner:
    def __init__(self, title, cases, tools=("tshark", "dumpcap", "pmbmpd", "ip")):
        self.title = title
        self.cases = cases       # [(name, fn(ctx, dir) -> summary string)]
        self.tools = tools

    def preflight(self):
        if os.geteuid() != 0:
            print(f"SKIP: {self.title} needs root (network namespaces)")
            return 77
        for t in self.tools:
            if not shutil.which(t):
                print(f"SKIP: {t} not installed (scripts/install-deps)")
                return 77
        if not os.access(binary(), os.X_OK):
            print(f"FAIL: bmptapd not found at {binary()} (build it, or set BMPTAP_BUILD)")
            return 1
        return 0

    def run(self, argv):
        rc = self.preflight()
        if rc:
            return rc
        only = set(argv)
        keep = os.environ.get("BMPTAP_KEEP")
        workdir = keep or tempfile.mkdtemp(prefix="bmptap-stations-")
        os.makedirs(workdir, exist_ok=True)
        ctx = Ctx(workdir)
        passed = failed = 0
        t_all = time.monotonic()
        try:
            for name, fn in self.cases:
                if only and not only & set(name.split()):
                    continue
                ok = self._one(ctx, name, fn)
                passed, failed = passed + ok, failed + (not ok)
        finally:
            if not keep:
                shutil.rmtree(workdir, ignore_errors=True)
        print(f"{self.title}: {passed} passed, {failed} failed "
              f"({time.monotonic() - t_all:.1f} s)")
        return 1 if failed else 0

    def _one(self, ctx, name, fn):
        ctx.logs = []
        t0 = time.monotonic()
        print(f"=== {name}", flush=True)
        try:
            summary = fn(ctx, ctx.dir(name.split()[0]))
        except CaseFail as exc:
            print(f"FAIL: {name}: {exc}")
        except Exception:  # noqa: BLE001 - a broken case is a failed case
            print(f"FAIL: {name}: {traceback.format_exc().strip()}")
        else:
            print(f"PASS: {name}: {summary} ({time.monotonic() - t0:.1f} s)", flush=True)
            return True
        for path in ctx.logs:
            print(f"  --- {path}\n{tail(path)}")
        sys.stdout.flush()
        return False


def cisco(servers, activate_all=True, extra=""):
    """servers: dicts with id, addr, port and optional dscp, initial, retry, flap,
    update_source, vpn, description, active (default True)."""
    out = []
    for s in servers:
        out.append(f"bmp server {s['id']}")
        out.append(f" address {s['addr']} port-number {s['port']}")
        if s.get("description"):
            out.append(f" description LINE {s['description']}")
        for key, word in (("initial", "initial-delay"), ("retry", "failure-retry-delay"),
                          ("flap", "flapping-delay"), ("dscp", "set ip dscp"),
                          ("update_source", "update-source"), ("vpn", "vpn-instance")):
            if s.get(key) is not None:
                out.append(f" {word} {s[key]}")
        if s.get("active", True):
            out.append(" activate")
        out.append("exit-bmp-server-mode")
    if activate_all:
        out.append("bmp-activate all")
    return "\n".join(out) + "\n" + extra


def huawei(sessions):
    """sessions: dicts with addr, port and optional alias, vpn; every one
    monitors the public network (all peers)."""
    out = ["bmp"]
    for s in sessions:
        key = s["addr"]
        if s.get("vpn"):
            key = f"vpn-instance {s['vpn']} {key}"
        if s.get("alias"):
            key += f" alias {s['alias']}"
        out += [f" bmp-session {key}", f"  tcp connect port {s['port']}",
                "  monitor public-network", "  quit"]
    out.append(" quit")
    return "\n".join(out) + "\n"


class Topology(netns.Topology):
    """netns.Topology whose teardown SIGKILLs the processes marked with
    kill_fast() first (collectors whose logs are complete), then as usual."""

    def kill_fast(self, proc):
        self._fast = getattr(self, "_fast", []) + [proc]
        return proc

    def teardown(self):
        for proc in getattr(self, "_fast", []):
            if proc.poll() is None:
                netns.stop_process(proc, signal.SIGKILL)
        super().teardown()
