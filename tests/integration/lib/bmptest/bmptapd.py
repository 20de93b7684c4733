"""bmptapd as a process under test: configuration file, signals, its log.

    d = Bmptapd(workdir, ns, conf_text, pcap=P or iface=IF, debug="server")
    d.start(); d.wait_log(r"connection .* up"); d.sighup(new_text); d.stop()

Runs inside a test namespace (Netns), so the stations it connects to are
the namespace's own: no port or address of the host is touched. stderr and
stdout go to one log file; every log line starts with a wall-clock time
("*Nov 22 11:19:53.469: "), the same clock as capture timestamps. Each
instance gets its own EAL --file-prefix, so several may run at once.
"""

import atexit
import os
import re
import shutil
import signal
import time

from . import INTEGRATION_DIR
from .netns import stop_process, wait_for

ROOT = os.path.dirname(os.path.dirname(INTEGRATION_DIR))
_count = [0]


def build_dir():
    """BMPTAP_BUILD (relative to the repository root) or ROOT/build."""
    b = os.environ.get("BMPTAP_BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(ROOT, b)


def binary():
    return os.environ.get("BMPTAPD") or os.path.join(build_dir(), "bmptapd")


class Bmptapd:
    READY = "port(s)"      # the pipeline runs; stations are applied next

    def __init__(self, workdir, ns, conf_text, pcap=None, iface=None, debug=None,
                 name=None, extra=()):
        _count[0] += 1
        self.name = name or f"bmptapd{_count[0]}"
        self.dir = os.path.join(workdir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.ns = ns
        self.conf = os.path.join(self.dir, "bmptap.conf")
        self.logfile = os.path.join(self.dir, "bmptapd.log")
        self.write_conf(conf_text)
        self.prefix = f"bt{os.getpid()}x{_count[0]}"
        # the EAL leaves its runtime directory behind: removed at stop/exit
        self.runtime = os.path.join("/var/run/dpdk", self.prefix)
        atexit.register(self._remove_runtime)
        args = [binary(), "--file-prefix", self.prefix, "--",
                "--config", self.conf]
        if pcap:
            args += ["--pcap", pcap]
        if iface:
            args += ["--iface", iface]
        if debug:
            args += ["--debug", debug]
        self.args = args + list(extra)
        self.proc = None
        self.t_spawn = self.t_ready = None
        self.rc = None

    def write_conf(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, timeout=20):
        """Spawn; return once the pipeline runs (the stations start right after)."""
        self.t_spawn = time.time()
        self.proc = self.ns.popen(self.args, log=self.logfile)
        wait_for(lambda: self.READY in self.log() or self.proc.poll() is not None,
                 timeout, 0.02, "bmptapd start")
        self.t_ready = time.time()
        if self.proc.poll() is not None:
            raise RuntimeError(f"bmptapd exited {self.proc.returncode}: {self.log()[-3000:]}")
        return self

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def lines(self, pattern=None):
        out = self.log().splitlines()
        return [ln for ln in out if re.search(pattern, ln)] if pattern else out

    def wait_log(self, pattern, timeout=10, count=1):
        """Wait until `count` log lines match pattern; return those lines."""
        def seen():
            if self.proc.poll() is not None:
                raise RuntimeError(f"bmptapd exited {self.proc.returncode} while waiting "
                                   f"for /{pattern}/: {self.log()[-3000:]}")
            got = self.lines(pattern)
            return got if len(got) >= count else None
        return wait_for(seen, timeout, 0.02, f"bmptapd log /{pattern}/ x{count}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def sighup(self, conf_text=None):
        if conf_text is not None:
            self.write_conf(conf_text)
        self.signal(signal.SIGHUP)

    def stop(self, timeout=15):
        """SIGTERM (flush, Termination to every station); return the exit code."""
        if self.proc is None:
            return self.rc
        self.rc = stop_process(self.proc, signal.SIGTERM, timeout)
        self._remove_runtime()
        return self.rc

    def _remove_runtime(self):
        if self.proc is None or self.proc.poll() is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)


COUNTER_LINE = re.compile(r"^([a-z][\w.\-]*) (\d+)$", re.M)


def counters(text):
    """{name: value} of the "scope.name value" lines bmptapd prints at exit
    and on SIGUSR1 (the last print wins)."""
    return {m.group(1): int(m.group(2)) for m in COUNTER_LINE.finditer(text)}


def lcore_sum(ctr, name):
    """A per-lcore counter (lcoreN.name) summed over the RX lcores."""
    return sum(v for k, v in ctr.items() if re.fullmatch(rf"lcore\d+\.{re.escape(name)}", k))


LOG_TIME = re.compile(r"^\*(\w{3}\s+\d+ \d\d:\d\d:\d\d\.\d{3}): ")


def line_time(line):
    """Epoch seconds of a bmptapd log line (local time, current year)."""
    m = LOG_TIME.match(line)
    if not m:
        return None
    stamp, frac = m.group(1).rsplit(".", 1)
    tm = time.strptime(f"{time.localtime().tm_year} {stamp}", "%Y %b %d %H:%M:%S")
    return time.mktime(tm) + int(frac) / 1000.0
