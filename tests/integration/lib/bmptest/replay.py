"""Send the frames of a capture out of an interface, as a tap would see them.

    ip netns exec NS python3 replay.py IFNAME CAPTURE.pcap [--first N] [--count N]
                                       [--pace-us 200]
A raw AF_PACKET socket transmits each frame verbatim on IFNAME; on a veth
they arrive at the peer, where bmptapd --iface reads them with the
af_packet PMD. So a capture becomes live traffic at a moment the test
chooses (after the station connected), which --pcap cannot do: the pcap
PMD delivers the whole file at start. Frames are paced (default 200 us
each) so that the receiving ring never overflows. Prints the number sent.
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bmptest.netns import sh  # noqa: E402
from bmptest.pcapio import LINKTYPE_ETHERNET, PcapReader  # noqa: E402


def frames(pcap, first=0, count=None):
    rd = PcapReader(pcap)
    if rd.linktype != LINKTYPE_ETHERNET:
        raise ValueError(f"{pcap}: link type {rd.linktype}, Ethernet needed")
    out = [f for _, _, _, f in rd.records()]
    return out[first:None if count is None else first + count]


def send(ifname, data, pace_us=200):
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((ifname, 0))
        for i, frame in enumerate(data):
            s.send(frame)
            if pace_us:
                time.sleep(pace_us / 1e6)
            elif i % 64 == 63:
                time.sleep(0.001)
    return len(data)


def count_frames(pcap):
    return len(frames(pcap))


def replay(ns, ifname, pcap, first=0, count=None, pace_us=200, timeout=120):
    """Replay from the test process into ns's ifname; return frames sent."""
    args = [sys.executable, os.path.abspath(__file__), ifname, pcap, "--first", str(first),
            "--pace-us", str(pace_us)]
    if count is not None:
        args += ["--count", str(count)]
    res = sh(ns.cmd(args), timeout=timeout)
    return int(res.stdout.split()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ifname")
    ap.add_argument("pcap")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int)
    ap.add_argument("--pace-us", type=int, default=200)
    args = ap.parse_args()
    n = send(args.ifname, frames(args.pcap, args.first, args.count), args.pace_us)
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
