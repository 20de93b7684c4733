#!/usr/bin/env python3
"""bmptapctl against a real redis-server, and against bmptapd when it can run.

    tests/integration/test_ctl.py [CASE ...]

A private redis-server listens on a unix socket in a temporary directory
(no TCP port, nothing of the host touched) and is torn down at the end.
Expected texts are written by hand from the vendor examples.

  cisco       configs/cisco-example.conf configured (no daemon: exit 4, written),
              shown back as the hand-written running configuration; the shown
              text configured again: no change, same version
  huawei      the same with configs/huawei-example.conf
  both        the Huawei example on top of the Cisco one: refused (one station
              twice); one paste replacing server 1 by the sessions: round trip
  refused     parser and validator refusals: exit 2, one stderr line naming the
              line and the reason, Redis unchanged (every key compared); an
              invalid configuration written around bmptapctl: exit 2, key named
  noforms     Cisco `no` / `default` and Huawei `undo` forms
  debug       debug / undebug / no debug / show debugging, the hash, DEBUG_CHANGED
  shows       the shows without bmptapd: notice, configured values, Down; JSON
  usage       exit 1 for bad command lines; --help documents the exit codes
  ack         a stub daemon acknowledging: exit 0; refusing: exit 2, rolled back
  live        bmptapd --redis (root) on the shipped capture: MsgSent equals what a
              collector counted, RM Sent of each neighbor the Route Monitoring it
              got for that peer since its Peer Up, Status follows the collector
              (Up, Down when it goes, Up again), configure applied live, debug
  down        exit 3: no such socket, no listener, then redis-server stopped

Environment: BMPTAP_BUILD (build directory, default build), BMPTAP_KEEP=1
(keep the temporary directory). Exit 0 / 1; 77 when redis-server is missing.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BMPTAP_BUILD", "build")
BUILD = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)
CTL = os.path.join(BUILD, "bmptapctl")
DAEMON = os.path.join(BUILD, "bmptapd")
PCAP = os.path.join(ROOT, "tests", "data", "bird-frr-small.pcap")
CISCO = os.path.join(ROOT, "configs", "cisco-example.conf")
HUAWEI = os.path.join(ROOT, "configs", "huawei-example.conf")

# What `show running-config` prints for each example (written by hand: the
# document's `show running-config | section bmp` sample, applied last in the
# Cisco file, sets DSCP 3/5 and bmp-activate all on top of the earlier lines).
CISCO_RUNNING = """\
router bgp 65000
bmp server 1
 address 10.1.1.1 port-number 8000
 description SERVER1
 initial-delay 20
 failure-retry-delay 40
 flapping-delay 120
 update-source Ethernet0/0
 set ip dscp 3
 stats-reporting-period 30
 activate
 exit-bmp-server-mode
bmp server 2
 address 20.1.1.1 port-number 9000
 description SERVER2
 initial-delay 20
 failure-retry-delay 40
 flapping-delay 120
 update-source Ethernet2/0
 set ip dscp 5
 stats-reporting-period 30
 activate
 exit-bmp-server-mode
bmp buffer-size 2048
bmp initial-refresh delay 30
bmp-activate all
neighbor 30.1.1.1 bmp-activate server 1 server 2
"""

HUAWEI_RUNNING = """\
bmp
 bmp-session 10.1.1.1
  tcp connect port 8000
  statistics-timer 30
  monitor public-network
 bmp-session 10.1.1.1 alias backup
  tcp connect port 8001
  monitor peer 30.1.1.1
  monitor peer 2001:db8::2001
 bmp-session vpn-instance "mgmt vrf" 2001:db8::10
  tcp connect port 1790
  monitor peer 30.1.1.1
"""

# Cisco server 1 given up for the Huawei sessions (same station 10.1.1.1:8000).
BOTH_RUNNING = """\
router bgp 65000
bmp server 2
 address 20.1.1.1 port-number 9000
 description SERVER2
 initial-delay 20
 failure-retry-delay 40
 flapping-delay 120
 update-source Ethernet2/0
 set ip dscp 5
 stats-reporting-period 30
 activate
 exit-bmp-server-mode
bmp buffer-size 2048
bmp initial-refresh delay 30
bmp-activate all
neighbor 30.1.1.1 bmp-activate server 2
""" + HUAWEI_RUNNING


# --- a minimal RESP client (no Python Redis package needed) -----------------

class RespError(Exception):
    pass


class Resp:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def close(self):
        self.s.close()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("redis closed the connection")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n + 2)[:-2].decode(errors="replace")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RespError(f"bad reply {line!r}")

    def cmd(self, *args):
        self.send(*args)
        return self.reply()


class RedisServer:
    def __init__(self, workdir):
        self.dir = workdir
        self.sock = os.path.join(workdir, "redis.sock")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                Resp(self.sock).cmd("PING")
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def client(self):
        return Resp(self.sock)


# --- helpers ----------------------------------------------------------------

class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def eq(got, want, what):
    if got != want:
        raise Failure(f"{what}:\n--- got ---\n{got}\n--- want ---\n{want}")


class Ctl:
    """bmptapctl on the test's Redis, in namespace ns."""

    def __init__(self, redis, ns):
        self.redis = redis
        self.ns = ns

    def run(self, *args, stdin=None, url=None, timeout=0.3):
        argv = [CTL, "--redis", url or f"unix:{self.redis.sock}", "--namespace", self.ns,
                "--timeout", str(timeout), *args]
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args, **kw):
        rc, out, err = self.run(*args, **kw)
        if rc != 0:
            raise Failure(f"bmptapctl {' '.join(args)}: exit {rc}: {err.strip()}")
        return out

    def configure(self, text, want_rc=4, **kw):
        """Configure text from stdin; without a daemon the change is written (exit 4)."""
        rc, out, err = self.run("configure", "-", stdin=text, **kw)
        if rc != want_rc:
            raise Failure(f"configure: exit {rc}, want {want_rc}: {err.strip()}\n{text}")
        return out, err

    def running(self):
        return self.ok("show", "running-config")

    def version(self):
        v = self.redis.client().cmd("GET", f"{self.ns}:CONFIG_VERSION")
        return int(v) if v is not None else 0


def snapshot(redis, ns):
    """Every key of the namespace with its type and content."""
    r = redis.client()
    keys, cur = set(), "0"
    while True:
        cur, page = r.cmd("SCAN", cur, "MATCH", f"{ns}:*", "COUNT", "1000")
        keys.update(page)
        if cur == "0":
            break
    out = {}
    for k in sorted(keys):
        t = r.cmd("TYPE", k)
        out[k] = (t, r.cmd("HGETALL", k) if t == "hash" else r.cmd("GET", k))
    r.close()
    return out


def one_line(err, what):
    check(err.endswith("\n") and err.count("\n") == 1, f"{what}: not one stderr line: {err!r}")


# --- cases ------------------------------------------------------------------

def roundtrip(c, path, want):
    rc, out, err = c.run("configure", path)
    check(rc == 4, f"configure {path}: exit {rc} (no daemon: 4 expected): {err}")
    one_line(err, "configure without a daemon")
    check("not acknowledged by bmptapd" in err, f"exit 4 message: {err}")
    v = c.version()
    check(v >= 1, "CONFIG_VERSION not bumped")
    shown = c.running()
    eq(shown, want, f"show running-config after {os.path.basename(path)}")
    # the shown text configured again changes nothing
    out, _ = c.configure(shown, want_rc=0)
    check(out == f"Configuration unchanged (version {v})\n", f"re-configure: {out!r}")
    eq(c.version(), v, "version after an unchanged configure")
    eq(c.running(), want, "show running-config after re-configure")
    # the alias
    eq(c.ok("show", "running-config", "|", "section", "bmp"), want, "| section bmp alias")


def case_cisco(redis):
    roundtrip(Ctl(redis, "cisco"), CISCO, CISCO_RUNNING)


def case_huawei(redis):
    roundtrip(Ctl(redis, "huawei"), HUAWEI, HUAWEI_RUNNING)


def case_both(redis):
    c = Ctl(redis, "both")
    c.configure(open(CISCO).read())
    # the Huawei example on top: its first session is Cisco's server 1 again
    refused(c, open(HUAWEI).read(), 10, "bmp server 1 and bmp-session 10.1.1.1 both connect "
            "to 10.1.1.1 port 8000")
    # one paste, all or nothing: server 1 goes, the sessions come
    c.configure("no neighbor 30.1.1.1 bmp-activate server 1\nno bmp server 1\n" +
                open(HUAWEI).read())
    eq(c.running(), BOTH_RUNNING, "Cisco and Huawei in one namespace")
    out, _ = c.configure(c.running(), want_rc=0)
    check(out.startswith("Configuration unchanged"), out)


def refused(c, text, want_line, want_reason):
    before = snapshot(c.redis, c.ns)
    rc, out, err = c.run("configure", "-", stdin=text)
    check(rc == 2, f"refused change: exit {rc}: {err}")
    one_line(err, "refusal")
    check(f"line {want_line}:" in err and want_reason in err,
          f"refusal message {err.strip()!r} lacks 'line {want_line}:' / {want_reason!r}")
    check(out == "", f"refusal wrote to stdout: {out!r}")
    eq(snapshot(c.redis, c.ns), before, "Redis after a refused change")


def case_refused(redis):
    c = Ctl(redis, "refused")
    c.configure(open(CISCO).read())
    # parser: a value out of range, a word it does not know, a bad address
    refused(c, "bmp server 1\n description fine\n set ip dscp 64\n", 3, "out of range 0-63")
    refused(c, "bmp server 2\n flapping-delay 0\n", 2, "flapping-delay '0': out of range 1-3600")
    refused(c, "bmp server 1\n frobnicate\n", 2, "unknown command 'frobnicate'")
    refused(c, "bmp server 3\n address fe80::1 port-number 1\n", 2, "link-local")
    # validator: rules across lines, located on the line that broke them
    refused(c, "bmp server 3\n description x\n activate\n exit-bmp-server-mode\n", 3,
            "bmp server 3 is activated but has no address")
    refused(c, "neighbor 40.1.1.1 bmp-activate server 1 server 7\n", 1,
            "names server 7, which is not configured")
    refused(c, "! keep 1\nno bmp server 2\n", 2, "names server 2, which is not configured")
    refused(c, "bmp server 3\n address 10.1.1.1 port-number 8000\n", 2,
            "bmp server 1 and bmp server 3 both connect to 10.1.1.1 port 8000")
    eq(c.running(), CISCO_RUNNING, "running configuration after refusals")
    # a configuration written around bmptapctl, invalid: named by key and field, exit 2
    r = redis.client()
    r.cmd("HSET", "refused:BMP_SERVER|9", "dscp", "64")
    for args in (["show", "running-config"], ["show", "bmp", "server", "summary"],
                 ["configure", "-"]):
        rc, out, err = c.run(*args, stdin="bmp server 1\n")
        check(rc == 2 and "the configuration in Redis is invalid: refused:BMP_SERVER|9 dscp"
              in err, f"{args} on an invalid stored configuration: exit {rc}: {err.strip()}")
        one_line(err, f"{args}")
    r.cmd("DEL", "refused:BMP_SERVER|9")
    r.close()
    eq(c.running(), CISCO_RUNNING, "running configuration after the repair")


NOFORMS_CISCO_1 = """\
router bgp 65000
bmp server 1
 address 10.1.1.1 port-number 8000
 initial-delay 20
 flapping-delay 120
 stats-reporting-period 30
 activate
 exit-bmp-server-mode
bmp server 2
 address 20.1.1.1 port-number 9000
 description SERVER2
 initial-delay 20
 failure-retry-delay 40
 flapping-delay 120
 update-source Ethernet2/0
 set ip dscp 5
 stats-reporting-period 30
 activate
 exit-bmp-server-mode
bmp initial-refresh delay 30
neighbor 30.1.1.1 bmp-activate server 1
"""

NOFORMS_CISCO_2 = """\
router bgp 65000
bmp server 1
 address 10.1.1.1 port-number 8000
 initial-delay 20
 flapping-delay 120
 stats-reporting-period 30
 exit-bmp-server-mode
bmp initial-refresh skip
"""

NOFORMS_HUAWEI_1 = """\
bmp
 bmp-session 10.1.1.1
  tcp connect port 8000
  statistics-timer 30
  monitor public-network
 bmp-session vpn-instance "mgmt vrf" 2001:db8::10
  tcp connect port 1790
  monitor peer 30.1.1.1
"""

NOFORMS_HUAWEI_2 = """\
bmp
 bmp-session 10.1.1.1
 bmp-session vpn-instance "mgmt vrf" 2001:db8::10
  tcp connect port 1790
"""


def case_noforms(redis):
    c = Ctl(redis, "noforms")
    c.configure(open(CISCO).read())
    c.configure("bmp server 1\n no set ip dscp\n no description\n default failure-retry-delay\n"
                " no update-source\n exit-bmp-server-mode\n"
                "no neighbor 30.1.1.1 bmp-activate server 2\nno bmp-activate all\n"
                "no bmp buffer-size\n")
    eq(c.running(), NOFORMS_CISCO_1, "Cisco no/default forms")
    c.configure("no neighbor 30.1.1.1 bmp-activate server 1\nno bmp server 2\n"
                "bmp server 1\n no activate\n exit\nbmp initial-refresh skip\n")
    eq(c.running(), NOFORMS_CISCO_2, "no neighbor, no bmp server, no activate")
    c.configure("no bmp server 1\nno bmp initial-refresh\n")
    eq(c.running(), "router bgp 65000\n", "everything but router bgp removed")

    h = Ctl(redis, "undo")
    h.configure(open(HUAWEI).read())
    # undo a session: the later ones are renumbered, their peers follow
    h.configure("[~HUAWEI] bmp\n[~HUAWEI-bmp] undo bmp-session 10.1.1.1 alias backup\n")
    eq(h.running(), NOFORMS_HUAWEI_1, "undo bmp-session")
    h.configure("bmp\n bmp-session 10.1.1.1\n  undo statistics-timer\n"
                "  undo monitor public-network\n  undo tcp connect port\n  quit\n"
                " bmp-session vpn-instance \"mgmt vrf\" 2001:db8::10\n"
                "  undo monitor peer 30.1.1.1\n")
    eq(h.running(), NOFORMS_HUAWEI_2, "undo in the session view")


def subscriber(redis, channel):
    s = redis.client()
    s.cmd("SUBSCRIBE", channel)
    return s


def next_message(s, timeout=3.0):
    s.s.settimeout(timeout)
    m = s.reply()
    check(m[0] == "message", f"pubsub: {m}")
    return m[2]


def case_debug(redis):
    c = Ctl(redis, "dbg")
    r = redis.client()
    sub = subscriber(redis, "dbg:DEBUG_CHANGED")
    eq(c.ok("show", "debugging"), "IP routing:\n", "no switch on")
    eq(c.ok("debug", "ip", "bgp", "bmp", "server"), "BGP BMP server debugging is on\n",
       "debug ip bgp bmp server")
    eq(next_message(sub), "server=on", "DEBUG_CHANGED")
    eq(r.cmd("HGETALL", "dbg:BMP_DEBUG|switches"), ["server", "on"], "switches hash")
    eq(c.ok("show", "debugging"), "IP routing:\nBGP BMP server debugging is on\n",
       "show debugging (the document's sample)")
    eq(c.ok("debug", "bmp", "event"), "BGP BMP events debugging is on\n", "debug bmp event")
    eq(next_message(sub), "event=on", "DEBUG_CHANGED")
    eq(c.ok("debug", "bmp", "neighbor"), "BGP BMP neighbor debugging is on\n", "neighbor")
    next_message(sub)
    eq(c.ok("show", "debugging"), "IP routing:\nBGP BMP events debugging is on\n"
       "BGP BMP neighbor debugging is on\nBGP BMP server debugging is on\n", "three on")
    eq(c.ok("undebug", "bmp", "neighbor"), "BGP BMP neighbor debugging is off\n", "undebug")
    eq(next_message(sub), "neighbor=off", "DEBUG_CHANGED")
    eq(c.ok("no", "debug", "ip", "bgp", "bmp", "event"), "BGP BMP events debugging is off\n",
       "no debug ip bgp bmp event")
    next_message(sub)
    doc = json.loads(c.ok("show", "debugging", "--json"))
    eq(doc, {"namespace": "dbg", "debug": {"event": False, "neighbor": False, "server": True}},
       "show debugging --json")
    eq(c.ok("undebug", "all"), "BGP BMP events debugging is off\n"
       "BGP BMP neighbor debugging is off\nBGP BMP server debugging is off\n", "undebug all")
    eq(next_message(sub), "event=off neighbor=off server=off", "DEBUG_CHANGED all")
    eq(c.ok("show", "debugging"), "IP routing:\n", "all off")
    eq(sorted(r.cmd("HGETALL", "dbg:BMP_DEBUG|switches")),
       sorted(["event", "off", "neighbor", "off", "server", "off"]), "hash all off")
    sub.close()
    r.close()


def case_shows(redis):
    c = Ctl(redis, "shows")
    c.configure(open(CISCO).read())
    out = c.ok("show", "bmp", "server", "summary")
    check(out.startswith("% bmptapd publishes no state in namespace 'shows' (not running?)"),
          f"summary without daemon: {out}")
    for line in ("Number of BMP servers configured: 2\n",
                 "Number of BMP neighbors configured: 1\n",
                 "Initial Refresh Delay configured, refresh value 30s\n",
                 "BMP buffer size configured, buffer size 2048 MB, buffer size bytes used - MB\n",
                 "ID Host/Net      Port  TCB      Status  Uptime   MsgSent  LastStat\n"
                 "1  10.1.1.1      8000  0x0      Down    0        -\n"
                 "2  20.1.1.1      9000  0x0      Down    0        -\n"):
        check(line in out, f"summary lacks {line!r}:\n{out}")
    eq(c.ok("show", "ip", "bgp", "bmp", "server", "summary"), out, "vendor alias")
    out = c.ok("sh", "ip", "bgp", "bmp", "server", "2")
    check("\nbmp server 2\naddress: 20.1.1.1    port 9000\ndescription SERVER2\nup time 0\n"
          "session-startup route-refresh\ninitial-delay 20\nfailure-retry-delay 40\n"
          "flapping-delay 120\nactivated\n" in out, f"server 2:\n{out}")
    out = c.ok("show", "ip", "bgp", "bmp", "neighbors")
    check("\nNeighbor      PriQ      MsgQ      CfgSvr#      ActSvr#      RM Sent  Distinguisher\n"
          "30.1.1.1      -         -         1 2          -            -        -\n" in out,
          f"neighbors:\n{out}")
    eq(c.ok("show", "ip", "bgp", "bmp", "server", "neighbors"), out, "server neighbors alias")
    rc, out, err = c.run("show", "bmp", "server", "9")
    check(rc == 1 and err == "bmptapctl: bmp server 9 is not configured\n", f"{rc} {err!r}")
    # JSON: one document, stable keys, nulls where bmptapd publishes nothing
    doc = json.loads(c.ok("--json", "show", "bmp", "server", "summary"))
    eq(doc["daemon"]["running"], False, "daemon.running")
    eq([(s["id"], s["address"], s["port"], s["status"], s["up"], s["msgs_sent"])
        for s in doc["servers"]],
       [(1, "10.1.1.1", 8000, "Down", False, None), (2, "20.1.1.1", 9000, "Down", False, None)],
       "summary servers")
    eq(doc["buffer"], {"size_mb": 2048, "used_bytes": None, "limit_bytes": None}, "buffer")
    doc = json.loads(c.ok("show", "bmp", "server", "1", "--json"))
    eq((doc["servers"][0]["dscp"], doc["servers"][0]["update_source"]), (3, "Ethernet0/0"),
       "server 1 JSON")
    doc = json.loads(c.ok("show", "bmp", "neighbors", "--json"))
    eq([(n["address"], n["seen"], n["cfg_servers"]) for n in doc["neighbors"]],
       [("30.1.1.1", False, [1, 2])], "neighbors JSON")
    doc = json.loads(c.ok("show", "running-config", "--json"))
    eq(doc["text"], CISCO_RUNNING, "running-config JSON text")
    eq(doc["config"]["buffer_size_mb"], 2048, "running-config JSON")


def case_usage(redis):
    c = Ctl(redis, "usage")
    for args in (["show"], ["show", "bmp", "server", "0"], ["frob"], ["debug", "bmp", "x"],
                 ["--timeout", "x", "show", "debugging"], ["--bogus", "show", "debugging"],
                 ["configure", "/nonexistent/file.conf"], []):
        rc, out, err = c.run(*args)
        check(rc == 1, f"{args}: exit {rc}, want 1 ({err.strip()})")
        one_line(err, f"{args}")
    rc, out, err = c.run("--help")
    check(rc == 0 and "Exit codes:" in out and "  4  configuration written" in out, "--help")


def stub_daemon(redis, ns, answer):
    """Answer the first CONFIG_CHANGED as bmptapd would: answer(version) -> fields."""
    sub = subscriber(redis, f"{ns}:CONFIG_CHANGED")
    seen = []

    def run():
        try:
            v = int(next_message(sub, 10))
        except Exception as e:      # noqa: BLE001 - reported by the waiting case
            seen.append(e)
            return
        seen.append(v)
        r = redis.client()
        fields = answer(v)
        args = [x for kv in fields.items() for x in kv]
        r.cmd("HSET", f"{ns}:BMP_GLOBAL_STATE|global", *args)
        r.close()
        sub.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, seen


def case_ack(redis):
    c = Ctl(redis, "ack")
    c.configure(open(CISCO).read())
    v0 = c.version()
    # applied: exit 0 once config_version reaches ours
    t, seen = stub_daemon(redis, "ack", lambda v: {
        "config_version": v, "config_seen_version": v, "config_status": "ok",
        "config_error": ""})
    out, err = c.configure("bmp server 1\n description applied\n", want_rc=0, timeout=5)
    t.join(5)
    eq(seen, [v0 + 1], "stub saw the new version")
    eq(out, f"Configuration version {v0 + 1} applied\n", "applied")
    # refused by the daemon: exit 2 with its reason, Redis back as it was
    before = c.running()
    t, seen = stub_daemon(redis, "ack", lambda v: {
        "config_version": v - 1, "config_seen_version": v, "config_status": "refused",
        "config_error": "ack:BMP_SERVER|2 update_source 'eth9': stub refusal"})
    rc, out, err = c.run("configure", "-", stdin="bmp server 2\n update-source eth9\n",
                         timeout=5)
    t.join(5)
    check(rc == 2, f"daemon refusal: exit {rc}: {err}")
    one_line(err, "daemon refusal")
    check("refused by bmptapd: ack:BMP_SERVER|2 update_source 'eth9': stub refusal" in err
          and f"previous configuration restored as version {v0 + 3}" in err, err)
    eq(c.running(), before, "configuration after the daemon's refusal")
    eq(c.version(), v0 + 3, "version after the rollback")
    # --json result and --timeout 0: no wait, exit 4 at once
    t0 = time.time()
    rc, out, err = c.run("--json", "configure", "-", stdin="bmp server 1\n description j\n",
                         timeout=0)
    check(rc == 4 and time.time() - t0 < 2, f"--timeout 0: exit {rc}")
    eq(json.loads(out), {"namespace": "ack", "status": "written", "config_version": v0 + 4},
       "configure --json")


def peer_key(msg):
    """(address, distinguisher) of a per-peer header, as bmptapctl shows them:
    a type-1 distinguisher "A.B.C.D:N", any other as 16 hex digits."""
    flags, dist, addr = msg[7], msg[8:16], msg[16:32]
    ip = socket.inet_ntop(socket.AF_INET6, addr) if flags & 0x80 else \
        socket.inet_ntop(socket.AF_INET, addr[12:])
    if dist[:2] == b"\x00\x01":
        d = f"{socket.inet_ntop(socket.AF_INET, dist[2:6])}:{int.from_bytes(dist[6:], 'big')}"
    else:
        d = dist.hex()
    return ip, d


def count_peer(counts, msg):
    """Route Monitoring messages of each peer since its last Peer Up."""
    if msg[5] == 3:
        counts[peer_key(msg)] = 0
    elif msg[5] == 0:
        k = peer_key(msg)
        counts[k] = counts.get(k, 0) + 1


class Collector:
    """A BMP station: counts the messages of each connection (common header)."""

    def __init__(self, port=0):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.conns = []             # per connection: {"msgs": n, "types": {t: n}, "open": b}
        self.socks = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            rec = {"msgs": 0, "types": {}, "open": True, "rm_since_up": {}}
            with self.lock:
                self.conns.append(rec)
                self.socks.append(s)
            threading.Thread(target=self._read, args=(s, rec), daemon=True).start()

    def _read(self, s, rec):
        buf = b""
        while True:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                break
            buf += d
            while len(buf) >= 6 and len(buf) >= int.from_bytes(buf[1:5], "big"):
                n = int.from_bytes(buf[1:5], "big")
                if buf[0] != 3 or n < 6:
                    raise RuntimeError(f"not BMP v3: {buf[:6].hex()}")
                with self.lock:
                    rec["msgs"] += 1
                    rec["types"][buf[5]] = rec["types"].get(buf[5], 0) + 1
                    count_peer(rec["rm_since_up"], buf[:n])
                buf = buf[n:]
        with self.lock:
            rec["open"] = False

    def last(self):
        with self.lock:
            return dict(self.conns[-1]) if self.conns else None

    def stop(self):
        self.stopped = True
        # shutdown wakes the blocked accept(): close() alone leaves it listening
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.lsock.close()
        with self.lock:
            for s in self.socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def wait_until(fn, timeout, what, step=0.1):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(step)
    raise Failure(f"timeout waiting for {what} (last: {last})")


def summary(c):
    return json.loads(c.ok("--json", "show", "bmp", "server", "summary"))


def case_live(redis):
    if os.geteuid() != 0:
        raise Skip("bmptapd needs root here (EAL runtime directory)")
    if not os.path.exists(DAEMON):
        raise Failure(f"{DAEMON} not built")
    c = Ctl(redis, "live")
    col = Collector()
    c.configure(f"bmp server 1\n address 127.0.0.1 port-number {col.port}\n"
                " failure-retry-delay 1\n activate\n exit-bmp-server-mode\nbmp-activate all\n")
    prefix = f"ctl{os.getpid()}"
    log = open(os.path.join(redis.dir, "bmptapd.log"), "w")
    d = subprocess.Popen([DAEMON, "--file-prefix", prefix, "--", "--redis",
                          f"unix:{redis.sock}", "--namespace", "live", "--pcap", PCAP],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        live_checks(c, col, d)
    finally:
        d.send_signal(signal.SIGTERM)
        try:
            d.wait(15)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
        log.close()
        shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
        col.stop()


def up_and_counted(c, col):
    """The summary's server 1 is Up and its MsgSent equals the collector's count."""
    s = summary(c)
    srv = s["servers"][0]
    last = col.last()
    if s["daemon"]["running"] and srv["up"] and last and last["open"] and \
            srv["msgs_sent"] == last["msgs"] and last["msgs"] > 0:
        return s
    return None


def live_checks(c, col, d):
    s = wait_until(lambda: up_and_counted(c, col), 20, "server 1 Up with MsgSent == collector")
    # the whole capture is exported, then nothing moves: compare once more when quiet
    time.sleep(1.5)
    s = wait_until(lambda: up_and_counted(c, col), 5, "stable count")
    last = col.last()
    text = c.ok("show", "bmp", "server", "summary")
    row = [ln for ln in text.splitlines() if ln.startswith("1 ")][0].split()
    eq((row[4], row[6]), ("Up", str(last["msgs"])), "summary text row Status/MsgSent")
    check(not text.startswith("%"), f"notice with a running daemon:\n{text}")
    # RM Sent of each neighbor row: the Route Monitoring messages the collector got
    # for that peer (address, distinguisher) since its last Peer Up
    nb = json.loads(c.ok("show", "bmp", "neighbors", "--json"))["neighbors"]
    check(nb and all(n["seen"] and n["act_servers"] == [1] for n in nb), f"neighbors: {nb}")
    eq({(n["address"], n["distinguisher"]): n["rm_sent"] for n in nb}, last["rm_since_up"],
       "RM Sent per neighbor vs the collector")
    check(sum(last["rm_since_up"].values()) > 0, "no Route Monitoring at all")
    # a change applied live, acknowledged
    out, _ = c.configure("bmp server 1\n description live change\n", want_rc=0, timeout=10)
    check(out.endswith("applied\n"), out)
    # the collector goes away: Down; comes back: Up again, counted from the new connection
    port = col.port
    col.stop()
    wait_until(lambda: not summary(c)["servers"][0]["up"], 10, "server 1 Down")
    text = c.ok("show", "bmp", "server", "summary")
    check([ln for ln in text.splitlines() if ln.startswith("1 ")][0].split()[4] == "Down", text)
    col2 = Collector(port)
    try:
        wait_until(lambda: up_and_counted(c, col2), 15, "server 1 Up again")
        eq(len(col2.conns), 1, "one new connection")
        # debug switches reach the daemon (it publishes the ones it runs)
        c.ok("debug", "bmp", "server")
        wait_until(lambda: summary(c)["daemon"]["debug"] == "server", 5, "daemon debug=server")
        c.ok("undebug", "all")
        wait_until(lambda: summary(c)["daemon"]["debug"] == "none", 5, "daemon debug=none")
    finally:
        col2.stop()
    check(d.poll() is None, "bmptapd exited")


def case_down(redis):
    c = Ctl(redis, "down")
    rc, out, err = c.run("show", "running-config",
                         url=f"unix:{os.path.join(redis.dir, 'nonexistent.sock')}")
    check(rc == 3, f"no such socket: exit {rc}")
    one_line(err, "no such socket")
    check("Redis" in err, err)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = c.run("show", "bmp", "server", "summary", url=f"redis://127.0.0.1:{port}")
    check(rc == 3, f"no listener: exit {rc}")
    one_line(err, "no listener")
    redis.stop()
    for args in (["show", "running-config"], ["configure", "-"], ["debug", "bmp", "all"]):
        rc, out, err = c.run(*args, stdin="bmp server 1\n")
        check(rc == 3, f"{args} with redis-server stopped: exit {rc}: {err}")
        one_line(err, f"{args}")


CASES = [("cisco", case_cisco), ("huawei", case_huawei), ("both", case_both),
         ("refused", case_refused), ("noforms", case_noforms), ("debug", case_debug),
         ("shows", case_shows), ("usage", case_usage), ("ack", case_ack), ("live", case_live),
         ("down", case_down)]


def main(argv):
    if not shutil.which("redis-server"):
        print("redis-server not installed: skipped")
        return 77
    if not os.path.exists(CTL):
        print(f"{CTL} not built")
        return 1
    names = argv[1:] or [n for n, _ in CASES]
    if "down" in names:                 # it stops the server: last
        names = [n for n in names if n != "down"] + ["down"]
    work = tempfile.mkdtemp(prefix="bmptapctl-")
    redis = RedisServer(work).start()
    failed = []
    try:
        for name in names:
            fn = dict(CASES)[name]
            t0 = time.time()
            try:
                fn(redis)
                print(f"ok   {name} ({time.time() - t0:.1f} s)")
            except Skip as e:
                print(f"skip {name}: {e}")
            except Failure as e:
                failed.append(name)
                print(f"FAIL {name}: {e}")
    finally:
        redis.stop()
        if os.environ.get("BMPTAP_KEEP"):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(names) - len(failed)}/{len(names)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
