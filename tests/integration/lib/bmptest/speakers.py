"""Real BGP speakers run inside a test namespace, each with private files.

Bird: BIRD 2 (`bird -f -c CONF -s SOCK`), controlled with `birdc -s SOCK`.
Frr: FRR bgpd alone (`-Z` no zebra, `-n` no kernel routes, `-S` no user
     switch, `-P 0` no TCP vty), config/pid/vty socket in the test's own
     directory, controlled with `vtysh --vty_socket DIR -d bgpd`. Nothing in
     /etc/frr or /var/run/frr is read or written (bgpd still makes the empty
     compile-time crash-log directory /var/tmp/frr and removes its own
     per-PID subdirectory on exit).
GoBgp: `gobgpd -f CONF` with its gRPC API on a loopback port of the namespace.
"""

import json
import os
import re
import subprocess

from .netns import sh, stop_process, wait_for

FRR_BGPD = "/usr/lib/frr/bgpd"


class SpeakerError(RuntimeError):
    pass


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Bird:
    def __init__(self, ns, workdir, name="bird"):
        self.ns = ns
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "bird.conf")
        self.sock = os.path.join(self.dir, "bird.ctl")
        self.log = os.path.join(self.dir, "bird.log")
        self.proc = None

    def start(self, conf_text, timeout=10):
        _write(self.conf, conf_text)
        chk = sh(["bird", "-p", "-c", self.conf], check=False)
        if chk.returncode:
            raise SpeakerError(f"bird config error: {chk.stderr.strip()}")
        self.proc = self.ns.popen(["bird", "-f", "-c", self.conf, "-s", self.sock,
                                   "-P", os.path.join(self.dir, "bird.pid")], log=self.log)
        wait_for(lambda: self._alive() and self.birdc("show status", check=False)[0] == 0,
                 timeout, what="bird control socket")

    def _alive(self):
        if self.proc.poll() is not None:
            raise SpeakerError(f"bird exited: {open(self.log).read()[-2000:]}")
        return True

    def birdc(self, cmd, check=True):
        res = sh(["birdc", "-s", self.sock] + cmd.split(), check=False)
        if check and res.returncode:
            raise SpeakerError(f"birdc {cmd}: {res.stdout}{res.stderr}")
        return res.returncode, res.stdout

    def configure(self, conf_text):
        """Load a new config; BIRD applies the difference without restarting."""
        _write(self.conf, conf_text)
        out = self.birdc("configure")[1]
        if "Reconfigured" not in out and "Reconfiguration in progress" not in out:
            raise SpeakerError(f"bird configure: {out}")
        wait_for(lambda: "Reconfiguration in progress" not in
                 self.birdc("show status")[1], 10, what="bird reconfiguration")

    def protocol(self, name):
        """State and per-channel route counts of one protocol."""
        out = self.birdc(f"show protocols all {name}")[1]
        info = {"state": None, "bgp_state": None, "channels": {}}
        m = re.search(rf"^{re.escape(name)}\s+\S+\s+\S+\s+(\S+)", out, re.M)
        if m:
            info["state"] = m.group(1)
        m = re.search(r"BGP state:\s+(\S+)", out)
        if m:
            info["bgp_state"] = m.group(1)
        chan = None
        for line in out.splitlines():
            m = re.match(r"\s+Channel (\S+)", line)
            if m:
                chan = m.group(1)
            m = re.match(r"\s+Routes:\s+(\d+) imported, (?:(\d+) filtered, )?(\d+) exported", line)
            if m and chan:
                info["channels"][chan] = {"imported": int(m.group(1)),
                                          "exported": int(m.group(3))}
        return info

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None


class Frr:
    def __init__(self, ns, workdir, name="frr"):
        self.ns = ns
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "bgpd.conf")
        self.log = os.path.join(self.dir, "bgpd.log")
        _write(os.path.join(self.dir, "vtysh.conf"), "")
        self.proc = None

    def start(self, conf_text, modules=(), timeout=15):
        _write(self.conf, conf_text)
        args = [FRR_BGPD, "-f", self.conf, "-i", os.path.join(self.dir, "bgpd.pid"),
                "--vty_socket", self.dir, "-Z", "-n", "-S", "-P", "0",
                "--log", f"file:{self.log}"]
        for mod in modules:
            args += ["-M", mod]
        self.proc = self.ns.popen(args, log=os.path.join(self.dir, "bgpd.out"))
        vty = os.path.join(self.dir, "bgpd.vty")
        wait_for(lambda: self._alive() and os.path.exists(vty), timeout, what="bgpd vty socket")
        wait_for(lambda: self.vtysh("show version", check=False)[0] == 0, timeout,
                 what="bgpd vty")

    def _alive(self):
        if self.proc.poll() is not None:
            raise SpeakerError(f"bgpd exited: {open(self.log).read()[-2000:]}")
        return True

    def vtysh(self, *cmds, check=True):
        args = ["vtysh", "--vty_socket", self.dir, "--config_dir", self.dir, "-d", "bgpd"]
        for cmd in cmds:
            args += ["-c", cmd]
        res = sh(args, check=False, timeout=60)
        if check and res.returncode:
            raise SpeakerError(f"vtysh {cmds}: {res.stdout}{res.stderr}")
        return res.returncode, res.stdout

    def json(self, cmd):
        return json.loads(self.vtysh(cmd + " json")[1])

    def summary(self, afi="ipv4"):
        """{neighbor: {"state": ..., "pfxRcd": n, "pfxSnt": n}} for one AFI (unicast)."""
        data = self.json(f"show bgp {afi} unicast summary")
        return data.get("peers", {})

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None


class GoBgp:
    """GoBGP daemon; optional, for tests that want a third implementation."""

    def __init__(self, ns, workdir, name="gobgp", api_port=50051):
        self.ns = ns
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "gobgpd.toml")
        self.log = os.path.join(self.dir, "gobgpd.log")
        self.api = f"127.0.0.1:{api_port}"
        self.proc = None

    def start(self, conf_text, timeout=15):
        _write(self.conf, conf_text)
        self.proc = self.ns.popen(["gobgpd", "-f", self.conf, "--api-hosts", self.api,
                                   "-p", "-l", "info", "--pprof-disable"], log=self.log)
        wait_for(lambda: self.gobgp("global", check=False)[0] == 0, timeout, what="gobgpd api")

    def gobgp(self, cmd, check=True):
        host, port = self.api.split(":")
        res = self.ns.run(["gobgp", "-u", host, "-p", port] + cmd.split(), check=False)
        if check and res.returncode:
            raise SpeakerError(f"gobgp {cmd}: {res.stdout}{res.stderr}")
        return res.returncode, res.stdout

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None


def version_of(cmd):
    try:
        return subprocess.run(cmd, text=True, capture_output=True, timeout=10).stdout.strip()
    except OSError:
        return None
