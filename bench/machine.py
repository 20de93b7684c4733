"""What the benchmark ran on: CPU, memory, kernel, DPDK, tools, load."""

import os
import re
import shutil
import subprocess
import time

from common import ROOT


def _out(cmd):
    try:
        return subprocess.run(cmd, text=True, capture_output=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _first(cmd):
    lines = (_out(cmd) or "").splitlines()
    return lines[0].strip() if lines else "not found"


def _lscpu():
    info = {}
    for line in _out(["lscpu"]).splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    return info


def _meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


HUGE_NR = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
HUGE_MNT = "/dev/hugepages"


def _mounted(path):
    with open("/proc/mounts") as f:
        return any(line.split()[1] == path and line.split()[2] == "hugetlbfs" for line in f)


def reserve_hugepages(n):
    """Reserve n 2 MB hugepages (mounting hugetlbfs if needed) for the run,
    as a production appliance would; returns a function that undoes it.
    bmptapd itself never needs them (it falls back to --no-huge)."""
    if n <= 0 or not os.path.exists(HUGE_NR) or os.geteuid() != 0:
        return lambda: None
    with open(HUGE_NR) as f:
        before = int(f.read())
    mounted = _mounted(HUGE_MNT)
    if not mounted:
        os.makedirs(HUGE_MNT, exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", HUGE_MNT], check=False)
    if before < n:
        with open(HUGE_NR, "w") as f:
            f.write(str(n))

    def undo():
        if before < n:
            with open(HUGE_NR, "w") as f:
                f.write(str(before))
        if not mounted:
            subprocess.run(["umount", HUGE_MNT], check=False)
    return undo


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def describe():
    cpu = _lscpu()
    os_name = ""
    if os.path.exists("/etc/os-release"):
        m = re.search(r'^PRETTY_NAME="?([^"\n]*)', open("/etc/os-release").read(), re.M)
        os_name = m.group(1) if m else ""
    commit = _out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = _out(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu_model": cpu.get("Model name", "?"),
        "cpus": cpu.get("CPU(s)", "?"),
        "cores_per_socket": cpu.get("Core(s) per socket", "?"),
        "threads_per_core": cpu.get("Thread(s) per core", "?"),
        "sockets": cpu.get("Socket(s)", "?"),
        "hypervisor": cpu.get("Hypervisor vendor", "none"),
        "caches": ", ".join(f"{k} {cpu[k]}" for k in ("L1d cache", "L2 cache", "L3 cache")
                            if k in cpu),
        "memory_gib": round(_meminfo("MemTotal") / 1048576, 1),
        "hugepages": _meminfo("HugePages_Total"),
        "hugepage_kib": _meminfo("Hugepagesize"),
        "kernel": os.uname().release,
        "os": os_name,
        "dpdk": _out(["pkg-config", "--modversion", "libdpdk"]) or "?",
        "gcc": _first(["gcc", "--version"]),
        "commit": (commit + (" (with local changes)" if dirty else "")) or "?",
        "tools": {
            "valgrind": _first(["valgrind", "--version"]) if shutil.which("valgrind") else "-",
            "tshark": _first(["tshark", "--version"]) if shutil.which("tshark") else "-",
            "frr bgpd": _first(["/usr/lib/frr/bgpd", "--version"]),
            "gobgpd": _first(["gobgpd", "--version"]) if shutil.which("gobgpd") else "-",
            "gnuplot": _first(["gnuplot", "--version"]) if shutil.which("gnuplot") else "-",
        },
    }
