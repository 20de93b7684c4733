"""Packet capture with dumpcap inside a namespace, started and stopped safely.

start() returns only once a probe datagram sent after dumpcap opened the
interface is in the file, and stop() sends a final probe and waits for it
before SIGINT, so no frame sent before stop() is missing from the pcap.
The probes are small UDP datagrams to the discard port of the link peer;
they stay on the test veth and give the pcap some non-BGP background.
"""

import os
import signal
import time

from .netns import stop_process, wait_for

PROBE_PORT = 9


class Capture:
    def __init__(self, ns, ifname, path, probe_dst, bpf=None, log=None):
        """probe_dst: an address in ns's subnet (the link peer) for probes."""
        self.ns = ns
        self.ifname = ifname
        self.path = path
        self.probe_dst = probe_dst
        self.bpf = bpf
        self.proc = None
        self.log = log or path + ".log"
        self.nprobe = 0

    def _probe(self):
        self.nprobe += 1
        tag = f"bmptest-probe-{os.getpid()}-{self.nprobe}-{time.time_ns()}"
        fam = "AF_INET6" if ":" in self.probe_dst else "AF_INET"
        code = (f"import socket;s=socket.socket(socket.{fam},socket.SOCK_DGRAM);"
                f"s.sendto({tag.encode()!r},({self.probe_dst!r},{PROBE_PORT}))")
        self.ns.run(["python3", "-c", code])
        return tag.encode()

    def _in_file(self, tag):
        try:
            with open(self.path, "rb") as f:
                return tag in f.read()
        except FileNotFoundError:
            return False

    def start(self, timeout=15):
        args = ["dumpcap", "-q", "-P", "-i", self.ifname, "-w", self.path]
        if self.bpf:
            args += ["-f", self.bpf]
        self.proc = self.ns.popen(args, log=self.log)
        wait_for(lambda: "Capturing on" in open(self.log).read() or self.proc.poll() is not None,
                 timeout, what="dumpcap start")
        if self.proc.poll() is not None:
            raise RuntimeError(f"dumpcap failed: {open(self.log).read()}")
        self._sync(timeout)

    def _sync(self, timeout):
        # The probe may be sent before libpcap's socket is bound: resend.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tag = self._probe()
            try:
                wait_for(lambda: self._in_file(tag), 2.5, 0.05, "probe in capture")
                return
            except TimeoutError:
                continue
        raise TimeoutError("capture never saw its probe")

    def stop(self, timeout=15):
        if self.proc is None:
            return
        try:
            self._sync(timeout)
        finally:
            stop_process(self.proc, signal.SIGINT, timeout)
            self.proc = None
