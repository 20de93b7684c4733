"""Network namespaces and veth links private to one test run.

Every name is derived from the test's PID ("bt<pid>-<name>" for namespaces,
"bt<pid><n>a/b" for veths, at most 15 characters), so parallel runs never
collide. Teardown kills the processes started through a Topology and deletes
its namespaces (which deletes the veths); it runs on normal exit, on
exceptions, on SIGTERM/SIGINT/SIGHUP and at interpreter exit. Traffic never
leaves the namespaces: no link or route is added outside them.
"""

import atexit
import os
import re
import signal
import subprocess
import sys
import time

from . import HERE

PREFIX = "bt"


def sh(cmd, check=True, timeout=30, **kw):
    """Run a command (list), return CompletedProcess with text output."""
    return subprocess.run(cmd, check=check, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def wait_for(pred, timeout, interval=0.1, what="condition"):
    """Poll pred() until truthy; return its value or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        val = pred()
        if val:
            return val
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup_stale():
    """Delete namespaces left by runs whose PID is gone (after a SIGKILL)."""
    out = sh(["ip", "netns", "list"], check=False).stdout
    for line in out.splitlines():
        m = re.match(rf"({PREFIX}(\d+)-\S+)", line)
        if m and not _pid_alive(int(m.group(2))):
            sh(["ip", "netns", "del", m.group(1)], check=False)


class Netns:
    """One namespace: run commands in it, start processes owned by it."""

    def __init__(self, topo, name):
        self.topo = topo
        self.name = name

    def cmd(self, args):
        return ["ip", "netns", "exec", self.name] + list(args)

    def run(self, args, check=True, timeout=30):
        return sh(self.cmd(args), check=check, timeout=timeout)

    def popen(self, args, log=None, **kw):
        """Start a process in the namespace; it is killed at teardown."""
        out = open(log, "wb") if log else subprocess.DEVNULL
        proc = subprocess.Popen(self.cmd(args), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, **kw)
        if log:
            out.close()
        self.topo.procs.append(proc)
        return proc

    def addr(self, ifname, cidr):
        extra = ["nodad"] if ":" in cidr else []
        self.run(["ip", "addr", "add", cidr, "dev", ifname] + extra)


class Topology:
    """Context manager owning namespaces, veths and processes of one test."""

    def __init__(self, tag=""):
        self.base = f"{PREFIX}{os.getpid()}"
        self.tag = tag
        self.namespaces = []
        self.procs = []
        self.nlinks = 0
        self._down = False
        self._old_handlers = {}

    def __enter__(self):
        cleanup_stale()
        atexit.register(self.teardown)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc):
        self.teardown()
        return False

    def _on_signal(self, signum, _frame):
        raise SystemExit(128 + signum)

    def netns(self, name):
        ns = Netns(self, f"{self.base}-{self.tag}{name}")
        sh(["ip", "netns", "add", ns.name])
        self.namespaces.append(ns)
        ns.run(["ip", "link", "set", "lo", "up"])
        # No IPv6 DAD delays and no router solicitations on test links.
        ns.run(["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.default.router_solicitations=0"], check=False)
        return ns

    def veth(self, ns_a, ns_b, mtu=1500, offloads=False):
        """Link two namespaces; return (ifname in ns_a, ifname in ns_b)."""
        n = self.nlinks
        self.nlinks += 1
        ifa, ifb = f"{self.base}{n}a", f"{self.base}{n}b"
        sh(["ip", "link", "add", ifa, "mtu", str(mtu), "netns", ns_a.name, "type", "veth",
            "peer", "name", ifb, "mtu", str(mtu), "netns", ns_b.name])
        for ns, ifn in ((ns_a, ifa), (ns_b, ifb)):
            if not offloads:
                ns.run([sys.executable, os.path.join(HERE, "offload.py"), ifn])
            ns.run(["ip", "link", "set", ifn, "up"])
        return ifa, ifb

    def teardown(self):
        if self._down:
            return
        self._down = True
        for proc in reversed(self.procs):
            stop_process(proc)
        for ns in reversed(self.namespaces):
            sh(["ip", "netns", "del", ns.name], check=False)
        for sig, old in self._old_handlers.items():
            signal.signal(sig, old)


def stop_process(proc, sig=signal.SIGTERM, timeout=5.0):
    """Signal a process group started with start_new_session; escalate to KILL."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return proc.wait()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return proc.wait()
