"""A minimal BMP station: accept TCP connections, write each raw stream to a file.

    python3 bmpsink.py --listen 127.0.0.1:PORT --out FILE [--ready READYFILE]
The first connection goes to FILE, later ones to FILE.1, FILE.2, ... (BMP
restarts with Initiation on every connection). Writes READYFILE once
listening. Ends on SIGTERM/SIGINT after flushing everything received.
"""

import argparse
import selectors
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, int(port)))
    srv.listen(8)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    if args.ready:
        open(args.ready, "w").close()
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, None)
    nconn = 0
    while not stop:
        for key, _ in sel.select(0.2):
            if key.data is None:
                conn, _ = srv.accept()
                name = args.out if nconn == 0 else f"{args.out}.{nconn}"
                nconn += 1
                sel.register(conn, selectors.EVENT_READ, open(name, "wb"))
                continue
            data = key.fileobj.recv(1 << 16)
            if data:
                key.data.write(data)
                key.data.flush()
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                key.data.close()
    for key in list(sel.get_map().values()):
        if key.data is not None:
            key.data.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
