"""pmacct's BMP collector (pmbmpd) as a real BMP station for tests and the demo.

Listens on a loopback address (of the host, or of a test namespace) and logs
every BMP message as one JSON object per line (bmp_daemon_msglog_output:
json). Keys worth knowing: "bmp_msg_type" ("init", "peer_up",
"route_monitor", "peer_down", "stats", "term"), "peer_ip", "peer_asn",
"peer_type", "ip_prefix", "is_in" / "log_type" ("update"/"withdraw").
"""

import atexit
import json
import os
import signal
import subprocess
import time

from .netns import stop_process, wait_for


class Pmbmpd:
    def __init__(self, workdir, port=11790, ip="127.0.0.1", ns=None, name="pmbmpd"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.ns, self.ip, self.port = ns, ip, port
        self.conf = os.path.join(self.dir, "pmbmpd.conf")
        self.msglog = os.path.join(self.dir, "bmp.json")
        self.log = os.path.join(self.dir, "pmbmpd.log")
        self.proc = None

    def start(self, timeout=15):
        with open(self.conf, "w") as f:
            f.write(f"""bmp_daemon_ip: {self.ip}
bmp_daemon_port: {self.port}
bmp_daemon_max_peers: 16
bmp_daemon_msglog_file: {self.msglog}
bmp_daemon_msglog_output: json
logfile: {self.log}
pidfile: {os.path.join(self.dir, "pmbmpd.pid")}
""")
        args = ["pmbmpd", "-f", self.conf]
        out = os.path.join(self.dir, "pmbmpd.out")
        if self.ns is not None:
            self.proc = self.ns.popen(args, log=out)
        else:
            with open(out, "wb") as fh:
                self.proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            atexit.register(self.stop)
        wait_for(self._listening, timeout, what="pmbmpd listening")

    def _listening(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"pmbmpd exited: {self._read(self.log)[-2000:]}")
        return "waiting for BMP data" in self._read(self.log)

    @staticmethod
    def _read(path):
        try:
            with open(path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def events(self):
        """Every logged BMP message, in arrival order."""
        out = []
        text = self._read(self.msglog)
        # pmbmpd may be writing a line right now: only whole lines count
        lines = text.split("\n")[:-1]
        for line in lines:
            line = line.strip()
            if line:
                out.append(json.loads(line))
        return out

    def wait_quiet(self, settle=1.0, timeout=60):
        """Wait until the message log stops growing for `settle` seconds."""
        last, since = -1, time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            size = os.path.getsize(self.msglog) if os.path.exists(self.msglog) else 0
            if size != last:
                last, since = size, time.monotonic()
            elif time.monotonic() - since >= settle:
                return size
            time.sleep(0.1)
        raise TimeoutError("pmbmpd message log kept growing")

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def kill(self):
        """SIGKILL: pmbmpd takes ~2 s to honour SIGTERM; its log is already
        written line by line (use after wait_quiet)."""
        if self.proc is not None:
            stop_process(self.proc, signal.SIGKILL)
            self.proc = None
