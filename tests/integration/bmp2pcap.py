#!/usr/bin/env python3
"""Wrap a raw BMP byte stream into a pcap of one synthetic TCP connection.

    bmp2pcap.py IN.bmp OUT.pcap [--port 11019]

The stream becomes the payload of a handshaken IPv4 TCP connection
192.0.2.100:40000 -> 192.0.2.200:PORT (consecutive sequence numbers, valid
checksums, FIN at the end), so that `tshark -d tcp.port==PORT,bmp`
reassembles and dissects every BMP message. Segments follow the BMP framing:
one message per segment (--pack: as many whole messages as fit), a message
longer than 60000 bytes split over several segments. Where the stream stops
looking like BMP (version != 3, length < 6), the rest is cut in plain
60000-byte chunks so that tshark still sees every byte.
Nothing is sent anywhere: the addresses only label the file.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bmptest.pcapio import (TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN,  # noqa: E402
                            PcapWriter, tcp4_frame)

CLIENT, SERVER, CPORT = "192.0.2.100", "192.0.2.200", 40000
SEGMENT = 60000


def chunks(stream, pack=False, isolate=None, segment=SEGMENT):
    """Split the stream into segment payloads along BMP message boundaries.

    Yields (payload, indices of the messages that end in it). isolate(msg)
    true puts that message in segments of its own, so that tshark's
    findings on its frame can be attributed to it."""
    off, cur, idx, n = 0, b"", [], 0
    while off < len(stream):
        hdr = stream[off:off + 6]
        mlen = int.from_bytes(hdr[1:5], "big") if len(hdr) == 6 else 0
        if len(hdr) < 6 or hdr[0] != 3 or mlen < 6:
            break
        msg = stream[off:off + mlen]
        off += len(msg)
        alone = bool(isolate and isolate(msg))
        if pack and not alone and len(cur) + len(msg) <= segment:
            cur, idx, n = cur + msg, idx + [n], n + 1
            continue
        if cur:
            yield cur, idx
        cur, idx = b"", []
        if pack and not alone and len(msg) <= segment:
            cur, idx, n = msg, [n], n + 1
            continue
        for i in range(0, len(msg), segment):
            yield msg[i:i + segment], ([n] if i + segment >= len(msg) else [])
        n += 1
    if cur:
        yield cur, idx
    for i in range(off, len(stream), segment):
        yield stream[i:i + segment], []


def wrap(stream, out, port=11019, pack=False, isolate=None):
    """Write the pcap; return {frame number: [message indices ending in it]}."""
    cseq, sseq = 1000, 5000
    t = [0]
    frames = {}

    def put(w, src, dst, sp, dp, seq, ack, flags, data=b""):
        t[0] += 1
        w.write(1700000000 + t[0] // 1000000, t[0] % 1000000,
                tcp4_frame(src, dst, sp, dp, seq, ack, flags, data, ipid=t[0]))

    with PcapWriter(out) as w:
        put(w, CLIENT, SERVER, CPORT, port, cseq, 0, TCP_SYN)
        put(w, SERVER, CLIENT, port, CPORT, sseq, cseq + 1, TCP_SYN | TCP_ACK)
        cseq, sseq = cseq + 1, sseq + 1
        put(w, CLIENT, SERVER, CPORT, port, cseq, sseq, TCP_ACK)
        for chunk, idx in chunks(stream, pack, isolate):
            frames[t[0] + 1] = idx
            put(w, CLIENT, SERVER, CPORT, port, cseq, sseq, TCP_PSH | TCP_ACK, chunk)
            cseq += len(chunk)
        put(w, CLIENT, SERVER, CPORT, port, cseq, sseq, TCP_FIN | TCP_ACK)
        put(w, SERVER, CLIENT, port, CPORT, sseq, cseq + 1, TCP_FIN | TCP_ACK)
        put(w, CLIENT, SERVER, CPORT, port, cseq + 1, sseq + 1, TCP_ACK)
    return frames


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--port", type=int, default=11019)
    ap.add_argument("--pack", action="store_true", help="several messages per segment")
    args = ap.parse_args()
    with open(args.inp, "rb") as f:
        wrap(f.read(), args.out, args.port, args.pack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
