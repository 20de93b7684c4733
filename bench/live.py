"""Live feeding: a capture replayed onto a veth that bmptapd reads (af_packet).

    with LiveRig(ctx) as rig:
        sink = Sink(ctx, "x", ns=rig.tap).start()
        tapd = rig.tapd("x", station_conf(sink.port)).start()
        r = rig.replay(pcap, pps=200000)       # tcpreplay in the feed namespace
        ...

Two namespaces from the integration harness (netns.Topology: named after
our PID, deleted at exit or on a signal): "feed" sends with tcpreplay,
"tap" runs bmptapd on the other end of the veth and the sink on its own
loopback. Offloads are off, so frames stay the capture's own. The
af_packet ring is sized with the vdev options (AF_RING); `--iface` would
give the PMD's default ring of 512 frames, which the kernel overruns in
bursts long before bmptapd is busy (that is measured too, see churn.py).
"""

import os
import re
import shutil
import time

from common import (BenchError, Skip, import_harness, lcore_sum, port_sum, sh, station_conf,
                    wait_for)
from tap import Sink, Tapd

AF_RING = "blocksz=4096,framesz=2048,framecnt=16384"


def softnet_drops():
    """Kernel backlog drops, summed over CPUs (/proc/net/softnet_stat column 2)."""
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[1], 16)
    return total


class LiveRig:
    def __init__(self, ctx):
        self.ctx = ctx
        if os.geteuid() != 0:
            raise Skip("live feeding needs root (network namespaces)")
        if not shutil.which("tcpreplay"):
            raise Skip("tcpreplay is not installed")
        import_harness()
        from bmptest.netns import Topology
        self.topo = Topology(tag="bench")

    def __enter__(self):
        self.topo.__enter__()
        self.feed = self.topo.netns("feed")
        self.tap = self.topo.netns("tap")
        self.if_feed, self.if_tap = self.topo.veth(self.feed, self.tap, mtu=9000)
        return self

    def __exit__(self, *exc):
        self.topo.__exit__(*exc)
        return False

    def tapd(self, name, conf, ring=AF_RING, extra=(), eal=()):
        """bmptapd on the tap side of the veth (af_packet vdev), not started."""
        vdev = f"net_af_packet0,iface={self.if_tap}" + (f",{ring}" if ring else "")
        return Tapd(self.ctx, name, [], conf=conf, ns=self.tap,
                    eal=["--no-pci", "--vdev", vdev] + list(eal), extra=extra)

    def replay(self, pcap, pps=None, sender="pcap-send", timeout=600, cpu=0):
        """Send the capture into the veth (pps None: as fast as possible).

        Returns frames sent, bytes, seconds, and the kernel's backlog drops
        meanwhile. The sender is pinned to `cpu` (the control thread's), so
        the RX lcore keeps its own core."""
        if sender == "tcpreplay":
            args = ["tcpreplay", "-i", self.if_feed, "--preload-pcap"]
            args += [f"--pps={pps:.0f}"] if pps else ["--topspeed"]
            args.append(pcap)
        else:
            args = [self.ctx.bin("pcap-send"), "--iface", self.if_feed, "--pcap", pcap]
            args += ["--pps", f"{pps:.0f}"] if pps else []
        if cpu is not None and self.ctx.ncpu > 1:
            args = ["taskset", "-c", str(cpu)] + args
        d0 = softnet_drops()
        res = sh(self.feed.cmd(args), timeout=timeout, check=False)
        if res.returncode != 0:
            raise BenchError(f"{sender} failed: {res.stderr[-800:]}")
        drops = softnet_drops() - d0
        if sender == "tcpreplay":
            return parse_tcpreplay(res.stdout, drops)
        m = re.search(r"sent (\d+) bytes (\d+) seconds ([\d.]+)", res.stdout)
        if not m:
            raise BenchError(f"pcap-send printed no summary: {res.stdout[-300:]}")
        return {"sent": int(m.group(1)), "bytes": int(m.group(2)),
                "seconds": float(m.group(3)), "failed": 0, "kernel_drops": drops}


def parse_tcpreplay(text, kernel_drops=0):
    m = re.search(r"Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds", text)
    if not m:
        raise BenchError(f"tcpreplay printed no summary: {text[-500:]}")
    failed = re.search(r"Failed packets:\s+(\d+)", text)
    return {"sent": int(m.group(1)), "bytes": int(m.group(2)), "seconds": float(m.group(3)),
            "failed": int(failed.group(1)) if failed else 0, "kernel_drops": kernel_drops}


def trial(ctx, rig, name, pcap, expect_updates, pps=None, latency=False, ring=AF_RING,
          settle=2.0):
    """One live run: fresh bmptapd and sink, the capture sent at `pps`.

    Waits until the sink has every UPDATE (or nothing more arrived for
    `settle` s), then stops bmptapd. Loss: UPDATEs missing at the sink, or
    any gap bmptapd saw in a TCP stream (frames the kernel or the ring
    dropped), or any Messages Lost it reported."""
    sink = Sink(ctx, name, ns=rig.tap, latency=latency).start()
    tapd = rig.tapd(name, station_conf(sink.port), ring=ring).start()
    try:
        wait_for(lambda: (sink.snapshot() or {}).get("initiation"), 15, 0.05, "station up")
        rep = rig.replay(pcap, pps=pps)
        _settle(sink, expect_updates, settle)
    finally:
        _, ctr = tapd.stop()
    res = sink.wait(15)
    out = {"pps_asked": pps, "sent": rep["sent"], "seconds": rep["seconds"],
           "pps": rep["sent"] / rep["seconds"], "upd_rate": expect_updates / rep["seconds"],
           "exported": res["route_monitoring"], "expected": expect_updates,
           "bmp_bytes": res["bytes"],
           "gaps": lcore_sum(ctr, "tcp.gaps"), "gap_bytes": lcore_sum(ctr, "tcp.gap_bytes"),
           "loss_events": lcore_sum(ctr, "loss_events"), "rx": lcore_sum(ctr, "rx_packets"),
           "imissed": port_sum(ctr, "imissed"), "kernel_drops": rep["kernel_drops"],
           "backpressure": lcore_sum(ctr, "backpressure_held"),
           "latency": res.get("latency_us"), "latency_n": res.get("latency_n", 0)}
    out["ok"] = (out["exported"] == expect_updates and out["gaps"] == 0
                 and out["loss_events"] == 0)
    return out


def _settle(sink, expect, settle):
    last, t_last = -1, time.monotonic()
    while True:
        snap = sink.snapshot() or {}
        n = snap.get("route_monitoring", last)
        if n >= expect:
            return
        if n != last:
            last, t_last = n, time.monotonic()
        elif time.monotonic() - t_last > settle:
            return
        time.sleep(0.1)
