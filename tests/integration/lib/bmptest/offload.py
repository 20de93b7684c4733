"""Turn off checksum and segmentation offloads of an interface (ethtool ioctl).

A mirror port sees wire frames: MTU-sized segments with valid checksums. On a
veth, the kernel would otherwise hand the capture 64 KB GSO super-frames with
partial checksums. Run inside the interface's namespace:
    ip netns exec NS python3 offload.py IFNAME
No ethtool binary needed.
"""

import ctypes
import errno
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
# ETHTOOL_S* legacy set commands; value 0 means off.
SET_CMDS = {
    "tx-checksum": 0x17,
    "scatter-gather": 0x19,
    "tso": 0x1F,
    "gso": 0x24,
    "gro": 0x2C,
}


def _set(sock, ifname, cmd, value):
    val = ctypes.create_string_buffer(struct.pack("=II", cmd, value))
    ifreq = struct.pack("16sP", ifname.encode(), ctypes.addressof(val))
    ifreq += b"\0" * (40 - len(ifreq))
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)


def offloads_off(ifname):
    """Switch off every offload in SET_CMDS; return the names that failed."""
    failed = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for name, cmd in SET_CMDS.items():
            try:
                _set(sock, ifname, cmd, 0)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                failed.append(name)
    return failed


if __name__ == "__main__":
    for ifn in sys.argv[1:]:
        bad = offloads_off(ifn)
        if bad:
            print(f"{ifn}: could not disable {','.join(bad)}", file=sys.stderr)
