"""Send a capture's frames out of an interface at the pace of their timestamps.

    ip netns exec NS python3 timedreplay.py IFNAME CAPTURE.pcap [--first N]
                                            [--count N] [--speed X]
replay.py paces every frame alike; this one keeps the capture's own timing
(relative to the first frame sent, divided by --speed), so a churn phase of
S synthetic seconds lasts S / X seconds on the veth. Frames that fall due
together go out back to back. Prints "sent START END" (wall clock).
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bmptest.netns import sh  # noqa: E402
from bmptest.pcapio import LINKTYPE_ETHERNET, PcapReader  # noqa: E402


def timed_frames(pcap, first=0, count=None):
    rd = PcapReader(pcap)
    if rd.linktype != LINKTYPE_ETHERNET:
        raise ValueError(f"{pcap}: link type {rd.linktype}, Ethernet needed")
    div = 1e9 if rd.nanos else 1e6
    out = [(sec + frac / div, f) for sec, frac, _, f in rd.records()]
    return out[first:None if count is None else first + count]


def send(ifname, frames, speed=1.0):
    t_start = time.time()
    if not frames:
        return 0, t_start, t_start
    base, t0 = frames[0][0], time.monotonic()
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((ifname, 0))
        for i, (ts, frame) in enumerate(frames):
            due = t0 + (ts - base) / speed
            delay = due - time.monotonic()
            if delay > 0.0005:
                time.sleep(delay)
            s.send(frame)
            if i % 32 == 31:
                time.sleep(0)
    return len(frames), t_start, time.time()


def replay_timed(ns, ifname, pcap, first=0, count=None, speed=1.0, timeout=120):
    """Replay from the test process into ns's ifname; return (frames, start, end)."""
    args = [sys.executable, os.path.abspath(__file__), ifname, pcap, "--first", str(first),
            "--speed", str(speed)]
    if count is not None:
        args += ["--count", str(count)]
    res = sh(ns.cmd(args), timeout=timeout)
    n, start, end = res.stdout.split()[-3:]
    return int(n), float(start), float(end)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ifname")
    ap.add_argument("pcap")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int)
    ap.add_argument("--speed", type=float, default=1.0)
    args = ap.parse_args()
    n, start, end = send(args.ifname, timed_frames(args.pcap, args.first, args.count),
                         args.speed)
    print(n, f"{start:.6f}", f"{end:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
