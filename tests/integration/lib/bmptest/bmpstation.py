"""A BMP station for mirror tests: records raw streams, can read slowly or not at all.

    python3 bmpstation.py --listen ADDR:PORT --out FILE [--ready F] [--rate BPS]
                          [--stall N] [--rcvbuf BYTES]

Connection k (0, 1, ...) is written to FILE.k, with FILE.k.times holding
"offset seconds" per read (wall clock), so a test can tell when bytes came.
--rate reads at most BPS bytes per second (a slow station: the initial
refresh is paced by what stations read). --stall N accepts the first N
connections and never reads them (a stuck station; --rcvbuf keeps its
window small); a stalled socket is closed when the next connection comes.
Ends on SIGTERM/SIGINT. Station(ns, ...) starts it in a namespace.
"""

import argparse
import os
import selectors
import signal
import socket
import sys
import time


def serve(args):
    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]")
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    srv.bind((host, int(port)))
    srv.listen(8)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    if args.ready:
        open(args.ready, "w").close()
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, None)
    nconn, stalled, budget, t_last = 0, [], 0.0, time.monotonic()
    while not stop:
        now = time.monotonic()
        if args.rate:
            budget = min(budget + (now - t_last) * args.rate, args.rate / 10)
        t_last = now
        for key, _ in sel.select(0.02):
            if key.data is None:
                conn, _ = srv.accept()
                for s in stalled:
                    s.close()
                stalled.clear()
                name = f"{args.out}.{nconn}"
                nconn += 1
                if nconn <= args.stall:
                    stalled.append(conn)
                    open(name, "wb").close()
                    continue
                sel.register(conn, selectors.EVENT_READ,
                             [open(name, "wb"), open(name + ".times", "w"), 0])
                continue
            if args.rate and budget < 1:
                continue
            want = min(1 << 16, int(budget)) if args.rate else 1 << 16
            data = key.fileobj.recv(want)
            out, times, off = key.data
            if data:
                budget -= len(data)
                out.write(data)
                out.flush()
                key.data[2] = off + len(data)
                times.write(f"{off + len(data)} {time.time():.6f}\n")
                times.flush()
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                out.close()
                times.close()
        if args.rate and budget < 1:
            time.sleep(0.005)
    return 0


class Station:
    """bmpstation.py in a namespace; files under workdir/name."""

    def __init__(self, ns, workdir, port, name, ip="127.0.0.1", rate=None, stall=0,
                 rcvbuf=None):
        from .netns import wait_for
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.out = os.path.join(self.dir, "conn")
        self.ready = os.path.join(self.dir, "ready")
        self.log = os.path.join(self.dir, "station.log")
        listen = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        args = [sys.executable, os.path.abspath(__file__), "--listen", listen,
                "--out", self.out, "--ready", self.ready, "--stall", str(stall)]
        if rate:
            args += ["--rate", str(rate)]
        if rcvbuf:
            args += ["--rcvbuf", str(rcvbuf)]
        self.proc = ns.popen(args, log=self.log)
        wait_for(lambda: os.path.exists(self.ready) or self.proc.poll() is not None, 10,
                 0.02, f"station {name} listening")
        if self.proc.poll() is not None:
            raise RuntimeError(f"station {name} exited: {open(self.log).read()[-2000:]}")

    def path(self, k):
        return f"{self.out}.{k}"

    def connections(self):
        k = 0
        while os.path.exists(self.path(k)):
            k += 1
        return k

    def size(self, k):
        try:
            return os.path.getsize(self.path(k))
        except FileNotFoundError:
            return 0

    def times(self, k):
        """[(stream offset, wall time)] of connection k's reads."""
        with open(self.path(k) + ".times") as f:
            return [(int(a), float(b)) for a, b in (ln.split() for ln in f if ln.strip())]

    def wait_quiet(self, k, settle=1.0, timeout=60):
        """Wait until connection k's file stops growing for settle seconds."""
        last, since = -1, time.monotonic()
        deadline = since + timeout
        while time.monotonic() < deadline:
            size = self.size(k)
            if size != last:
                last, since = size, time.monotonic()
            elif time.monotonic() - since >= settle:
                return size
            time.sleep(0.05)
        raise TimeoutError(f"{self.path(k)} kept growing")

    def stop(self):
        from .netns import stop_process
        stop_process(self.proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready")
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--stall", type=int, default=0)
    ap.add_argument("--rcvbuf", type=int, default=0)
    return serve(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
