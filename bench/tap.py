"""bmptapd and the BMP sink as processes of one benchmark step.

    sink = Sink(ctx, "s1", expect=N).start()
    tapd = Tapd(ctx, "s1", ["--pcap", P], conf=station_conf(sink.port),
                extra=["--exit-on-eof"]).start()
    rc, ctr = tapd.wait(); res = sink.wait()

Both may run inside a harness namespace (ns=Netns): `ip netns exec` execs,
so the PID is the daemon's own (for /proc/PID/status). The sink is pinned
to CPU 0, the control thread's CPU, so it never takes the RX lcore's.
"""

import os
import shutil
import signal
import subprocess
import time

from common import BenchError, counters, free_port, read_json, station_conf, stop, wait_for

_seq = [0]


def _wrap(ns, args):
    return ns.cmd(args) if ns is not None else list(args)


class Sink:
    def __init__(self, ctx, name, port=None, ns=None, expect=None, latency=False,
                 exit_on_close=True, idle_exit_ms=None, max_seconds=None, cpu=0):
        self.ctx, self.ns = ctx, ns
        self.port = port or free_port()
        self.json = ctx.path("sink", f"{name}.json")
        self.ready = ctx.path("sink", f"{name}.ready")
        self.out = ctx.path("sink", f"{name}.out")
        args = [ctx.bin("bmp-sink"), "--listen", f"127.0.0.1:{self.port}", "--json", self.json,
                "--ready", self.ready]
        if expect:
            args += ["--expect-prefixes", str(expect)]
        if latency:
            args.append("--latency")
        if exit_on_close:
            args.append("--exit-on-close")
        if idle_exit_ms:
            args += ["--idle-exit", str(idle_exit_ms)]
        if max_seconds:
            args += ["--max-seconds", str(max_seconds)]
        if cpu is not None and ctx.ncpu > 1:
            args = ["taskset", "-c", str(cpu)] + args
        self.args = _wrap(ns, args)
        self.proc = None

    def start(self):
        for p in (self.json, self.ready):
            if os.path.exists(p):
                os.unlink(p)
        self.proc = subprocess.Popen(self.args, stdout=open(self.out, "w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: os.path.exists(self.ready) or self.proc.poll() is not None, 10,
                 what="bmp-sink ready")
        if self.proc.poll() is not None:
            raise BenchError(f"bmp-sink exited: {open(self.out).read()[-500:]}")
        return self

    def snapshot(self):
        """The sink's counts now (SIGUSR1 makes it write its JSON)."""
        before = os.path.getmtime(self.json) if os.path.exists(self.json) else 0
        os.kill(self.proc.pid, signal.SIGUSR1)
        try:
            wait_for(lambda: os.path.exists(self.json) and os.path.getmtime(self.json) != before,
                     2, 0.01, "sink snapshot")
            time.sleep(0.01)
            return read_json(self.json)
        except (BenchError, ValueError):
            return None

    def wait(self, timeout=120):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            stop(self.proc)
        return self.result()

    def stop(self):
        stop(self.proc)
        return self.result()

    def result(self):
        if not os.path.exists(self.json):
            raise BenchError(f"bmp-sink wrote no result: {open(self.out).read()[-500:]}")
        return read_json(self.json)


class Tapd:
    """bmptapd [EAL] -- inputs [--config conf | --bmp-out F] extra."""

    def __init__(self, ctx, name, inputs, conf=None, bmp_out=None, eal=(), extra=(), ns=None,
                 wrapper=()):
        _seq[0] += 1
        self.ctx, self.name = ctx, name
        self.prefix = f"bench{os.getpid()}x{_seq[0]}"
        self.log = ctx.path("tapd", f"{name}.log")
        args = list(wrapper) + [ctx.bin("bmptapd"), "--file-prefix", self.prefix] + list(eal)
        args += ["--"] + list(inputs)
        if conf is not None:
            cpath = ctx.path("tapd", f"{name}.conf")
            with open(cpath, "w") as f:
                f.write(conf)
            args += ["--config", cpath]
        if bmp_out is not None:
            args += ["--bmp-out", bmp_out]
        self.args = _wrap(ns, args + list(extra))
        self.proc = None
        self.t_start = None

    def start(self, ready=True):
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "w"), start_new_session=True)
        if ready:
            wait_for(lambda: "port(s)" in self.text() or self.proc.poll() is not None, 60,
                     0.02, "bmptapd start")
            if self.proc.poll() is not None:
                raise BenchError(f"bmptapd exited {self.proc.returncode}: {self.text()[-1500:]}")
        return self

    def text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def status(self):
        """VmRSS, VmHWM (kB) of the running daemon."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "VmSize"):
                    out[k] = int(v.split()[0])
        return out

    def usr1(self, timeout=5):
        """Counters now (SIGUSR1), with the monotonic time of the request."""
        marker = "control.stats_skipped"
        n = self.text().count(marker)
        t = time.monotonic()
        os.kill(self.proc.pid, signal.SIGUSR1)
        wait_for(lambda: self.text().count(marker) > n, timeout, 0.005, "bmptapd counters")
        text = self.text()
        start = 0
        for _ in range(n):
            start = text.index(marker, start) + len(marker)
        return t, counters(text[start:])

    def wait(self, timeout=300):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            rc = stop(self.proc)
            self._cleanup()
            raise BenchError(f"bmptapd {self.name} did not finish in {timeout}s")
        self._cleanup()
        return rc, counters(self.text())

    def stop(self):
        rc = stop(self.proc, timeout=30)
        self._cleanup()
        return rc, counters(self.text())

    def _cleanup(self):
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)


def offline_to_sink(ctx, name, pcap, expect, eal=(), extra=(), timeout=300):
    """bmptapd --pcap PCAP --exit-on-eof exporting to a fresh sink: both results."""
    sink = Sink(ctx, name, expect=expect).start()
    tapd = Tapd(ctx, name, ["--pcap", pcap], conf=station_conf(sink.port), eal=eal,
                extra=["--exit-on-eof"] + list(extra))
    try:
        tapd.start(ready=False)
        rc, ctr = tapd.wait(timeout)
    finally:
        stop(tapd.proc)
    res = sink.wait(30)
    if rc != 0:
        raise BenchError(f"bmptapd exited {rc}: {tapd.text()[-1500:]}")
    return ctr, res

