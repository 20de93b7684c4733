"""The recorded scenario: BIRD 2 and FRR bgpd, two eBGP sessions, real churn.

Topology: namespace "b" (BIRD, AS 65001) and namespace "f" (FRR, AS 65002),
one veth between them, captured on BIRD's end.
    session s1: 192.0.2.1 <-> 192.0.2.2        IPv4 unicast + IPv6 unicast
    session s2: 2001:db8:1::1 <-> 2001:db8:1::2  IPv6 unicast
BIRD originates plan.v4 /24s in 100.64.0.0/12 and plan.v6 /48s in
2001:db8:1000::/36 .. 2001:db8:4000::/36 from static routes, in four
attribute sets (communities, MED, AS_PATH prepend, large community) chosen
by prefix block. FRR originates
plan.frr_v4 /24s in 100.112.0.0/12 and plan.frr_v6 /48s in 2001:db8:f000::/36
with `network` statements and sends only those (route-map on AS_PATH ^$).
FRR is passive so BIRD always opens the TCP connections (no collisions).

Steps, each waited for by polling both speakers' route counts:
    up        both sessions established, full tables exchanged both ways
    withdraw  BIRD drops ~10% of its routes, FRR ~10% of its networks
    attr      BIRD adds community 65001:999 to attribute set 1 (same prefixes)
    reset-s1  `birdc disable s1` (NOTIFICATION Cease/admin shutdown) then enable:
              s1 re-established, tables re-sent
    reset-s2  FRR `clear bgp 2001:db8:1::1` (NOTIFICATION Cease/admin reset),
              s2 re-established, tables re-sent
All addresses are documentation/shared ranges and live only in the test's
namespaces; no route reaches a kernel table (BIRD has no kernel protocol,
bgpd runs with -n -Z).
"""

import ipaddress
import os
import time
from dataclasses import dataclass, field

from .capture import Capture
from .netns import Topology, wait_for
from .speakers import Bird, Frr

BIRD_AS, FRR_AS = 65001, 65002
B4, F4 = "192.0.2.1", "192.0.2.2"
B6, F6 = "2001:db8:1::1", "2001:db8:1::2"
NSETS = 4


@dataclass
class Plan:
    v4: int = 4000
    v6: int = 1500
    frr_v4: int = 300
    frr_v6: int = 150
    withdraw_pct: int = 10
    converge_timeout: float = 60.0
    frr_bmp_port: int = 0          # >0: FRR exports BMP to 127.0.0.1:port in its ns
    timings: dict = field(default_factory=dict)


def bird_v4(i):
    s, j = i % NSETS, i // NSETS
    base = int(ipaddress.IPv4Address("100.64.0.0")) + (s << 18) + (j << 8)
    return f"{ipaddress.IPv4Address(base)}/24"


def bird_v6(i):
    s, j = i % NSETS, i // NSETS
    return f"2001:db8:{0x1000 * (s + 1) + j:x}::/48"


def frr_v4(i):
    return f"{ipaddress.IPv4Address(int(ipaddress.IPv4Address('100.112.0.0')) + (i << 8))}/24"


def frr_v6(i):
    return f"2001:db8:{0xf000 + i:x}::/48"


def _kept(n, pct):
    """Routes left after the withdraw step: the last pct% are removed."""
    return n - n * pct // 100


SET_RULES = [
    "bgp_community.add((65001,100));",
    "bgp_community.add((65001,200)); bgp_med = 50;",
    "bgp_path.prepend(65001); bgp_community.add((65001,300));",
    "bgp_large_community.add((65001,4,4)); bgp_med = 400;",
]


def _filter(name, fam, changed):
    lines = [f"filter {name} {{", "  if source != RTS_STATIC then reject;"]
    for s, rule in enumerate(SET_RULES):
        if fam == 4:
            blk = f"100.{64 + 4 * s}.0.0/14+"
        else:
            blk = f"2001:db8:{0x1000 * (s + 1):x}::/36+"
        extra = " bgp_community.add((65001,999));" if changed and s == 1 else ""
        lines.append(f"  if net ~ [ {blk} ] then {{ {rule}{extra} }}")
    if fam == 6:
        # Set in the export filter, BIRD sends exactly this next hop: no link-local
        # second address, which bgpd without zebra cannot bind to an interface.
        lines.append(f"  bgp_next_hop = {B6};")
    lines += ["  accept;", "}"]
    return "\n".join(lines)


def bird_conf(n4, n6, changed=False):
    st4 = "\n".join(f"  route {bird_v4(i)} blackhole;" for i in range(n4))
    st6 = "\n".join(f"  route {bird_v6(i)} blackhole;" for i in range(n6))
    timers = "connect delay time 1; connect retry time 2; error wait time 1, 2;"
    return f"""router id {B4};
protocol device {{ scan time 2; }}
protocol static st4 {{ ipv4;
{st4}
}}
protocol static st6 {{ ipv6;
{st6}
}}
{_filter("out4", 4, changed)}
{_filter("out6", 6, changed)}
protocol bgp s1 {{
  local {B4} as {BIRD_AS}; neighbor {F4} as {FRR_AS};
  {timers}
  ipv4 {{ import all; export filter out4; }};
  ipv6 {{ import all; export filter out6; next hop address {B6}; }};
}}
protocol bgp s2 {{
  local {B6} as {BIRD_AS}; neighbor {F6} as {FRR_AS};
  {timers}
  ipv6 {{ import all; export filter out6; }};
}}
"""


def frr_conf(plan):
    net4 = "\n".join(f"  network {frr_v4(i)}" for i in range(plan.frr_v4))
    net6 = "\n".join(f"  network {frr_v6(i)}" for i in range(plan.frr_v6))
    bmp = ""
    if plan.frr_bmp_port:
        bmp = f""" bmp targets oracle
  bmp monitor ipv4 unicast pre-policy
  bmp monitor ipv6 unicast pre-policy
  bmp connect 127.0.0.1 port {plan.frr_bmp_port} min-retry 100 max-retry 500
 exit
"""
    blocks = {4: [], 6: []}
    for af, ns in ((4, [B4]), (6, [B4, B6])):
        for n in ns:
            blocks[af].append(f"""  neighbor {n} activate
  neighbor {n} soft-reconfiguration inbound
  neighbor {n} route-map IN in
  neighbor {n} route-map OUT{af} out""")
    return f"""hostname frr-oracle
bgp as-path access-list LOCAL seq 5 permit ^$
route-map IN permit 10
exit
route-map OUT4 permit 10
 match as-path LOCAL
exit
route-map OUT6 permit 10
 match as-path LOCAL
 set ipv6 next-hop global {F6}
exit
router bgp {FRR_AS}
 bgp router-id {F4}
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor {B4} remote-as {BIRD_AS}
 neighbor {B4} passive
 neighbor {B6} remote-as {BIRD_AS}
 neighbor {B6} passive
 address-family ipv4 unicast
{net4}
{chr(10).join(blocks[4])}
 exit-address-family
 address-family ipv6 unicast
{net6}
{chr(10).join(blocks[6])}
 exit-address-family
{bmp}exit
"""


def _set1(n):
    """How many of the first n BIRD routes are in attribute set 1."""
    return sum(1 for i in range(n) if i % NSETS == 1)


class Scenario:
    """Run the steps above while capturing; hooks see the namespaces."""

    def __init__(self, workdir, pcap, plan, log=print):
        self.workdir = workdir
        self.pcap = pcap
        self.plan = plan
        self.log = log
        self.bird = self.frr = None

    # --- convergence -----------------------------------------------------
    def _state(self):
        st = {}
        for afi in ("ipv4", "ipv6"):
            for nbr, info in self.frr.summary(afi).items():
                up = info.get("state") == "Established"
                st[("frr", nbr, afi)] = info.get("pfxRcd", 0) if up else None
                st[("frr-up", nbr)] = info.get("connectionsEstablished", 0)
        for proto in ("s1", "s2"):
            info = self.bird.protocol(proto)
            up = info["bgp_state"] == "Established"
            for chan, cnt in info["channels"].items():
                st[("bird", proto, chan)] = cnt["imported"] if up else None
        return st

    def _expect(self, n4, n6, f4, f6):
        return {("frr", B4, "ipv4"): n4, ("frr", B4, "ipv6"): n6, ("frr", B6, "ipv6"): n6,
                ("bird", "s1", "ipv4"): f4, ("bird", "s1", "ipv6"): f6,
                ("bird", "s2", "ipv6"): f6}

    def _converged(self, expect):
        st = self._state()
        self._last = st
        return all(st.get(k) == v for k, v in expect.items())

    def _community_paths(self, afi):
        data = self.frr.json(f"show bgp {afi} unicast community 65001:999")
        count = {}
        for paths in data.get("routes", {}).values():
            for p in paths:
                peer = p.get("peerId")
                count[peer] = count.get(peer, 0) + 1
        return count

    def _wait(self, name, pred):
        t0 = time.monotonic()
        self._last = None
        try:
            wait_for(pred, self.plan.converge_timeout, 0.2, f"step {name}")
        except TimeoutError:
            self.log(f"step {name}: last state {self._last}")
            raise
        self.plan.timings[name] = round(time.monotonic() - t0, 2)
        self.log(f"step {name}: converged in {self.plan.timings[name]}s")

    # --- steps -------------------------------------------------------------
    def _frr_unnetwork(self, kept4, kept6):
        p = self.plan
        cmds = ["configure terminal", f"router bgp {FRR_AS}", "address-family ipv4 unicast"]
        cmds += [f"no network {frr_v4(i)}" for i in range(kept4, p.frr_v4)]
        cmds += ["exit-address-family", "address-family ipv6 unicast"]
        cmds += [f"no network {frr_v6(i)}" for i in range(kept6, p.frr_v6)]
        self.frr.vtysh(*cmds)

    def _steps(self):
        p = self.plan
        self._wait("up", lambda: self._converged(self._expect(p.v4, p.v6, p.frr_v4, p.frr_v6)))
        n4, n6 = _kept(p.v4, p.withdraw_pct), _kept(p.v6, p.withdraw_pct)
        f4, f6 = _kept(p.frr_v4, p.withdraw_pct), _kept(p.frr_v6, p.withdraw_pct)
        self.bird.configure(bird_conf(n4, n6))
        self._frr_unnetwork(f4, f6)
        full = self._expect(n4, n6, f4, f6)
        self._wait("withdraw", lambda: self._converged(full))
        self.bird.configure(bird_conf(n4, n6, changed=True))
        want6 = {B4: _set1(n6), B6: _set1(n6)}
        self._wait("attr", lambda: self._community_paths("ipv4") == {B4: _set1(n4)}
                   and self._community_paths("ipv6") == want6)
        self.bird.birdc("disable s1")
        self._wait("s1-down", lambda: self._state().get(("frr", B4, "ipv4"), 0) is None)
        self.bird.birdc("enable s1")
        self._wait("reset-s1", lambda: self._converged(full))
        before = self._state()[("frr-up", B6)]
        self.frr.vtysh(f"clear bgp {B6}")
        self._wait("reset-s2", lambda: self._converged(full)
                   and self._last[("frr-up", B6)] > before)
        return {"bird_v4": n4, "bird_v6": n6, "frr_v4": f4, "frr_v6": f6}

    @staticmethod
    def _hook(hooks, name, *args):
        fn = getattr(hooks, name, None)
        if fn:
            fn(*args)

    def run(self, hooks=None):
        """Record into self.pcap; return final route counts per direction."""
        os.makedirs(self.workdir, exist_ok=True)
        with Topology() as topo:
            nb, nf = topo.netns("b"), topo.netns("f")
            ib, i_f = topo.veth(nb, nf)
            nb.addr(ib, f"{B4}/24")
            nb.addr(ib, f"{B6}/64")
            nf.addr(i_f, f"{F4}/24")
            nf.addr(i_f, f"{F6}/64")
            cap = Capture(nb, ib, self.pcap, probe_dst=F4,
                          log=os.path.join(self.workdir, "dumpcap.log"))
            cap.start()
            self._hook(hooks, "started", nb, nf)
            self.frr = Frr(nf, self.workdir)
            self.frr.start(frr_conf(self.plan), modules=["bmp"] if self.plan.frr_bmp_port else ())
            self._hook(hooks, "frr_started", self)
            self.bird = Bird(nb, self.workdir)
            self.bird.start(bird_conf(self.plan.v4, self.plan.v6))
            final = self._steps()
            cap.stop()
            self._hook(hooks, "finished", self)
            self.bird.stop()
            self.frr.stop()
        return final
