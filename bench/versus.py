"""Scenario 7: the same table through FRR's own BMP export, and through tshark.

A real speaker (GoBGP, in namespace "spk") announces a bmptap-gen table
(loaded with `gobgp mrt inject`, see mrt.py) to FRR bgpd (namespace "frr")
with its BMP module (`bgpd -M bmp`, pre-policy IPv4 and IPv6 unicast, as
in tests/integration/validate_frr_bmp.py) exporting to bmp-sink. dumpcap
records the session on FRR's side of the veth. FRR's time = the sink
having every prefix - the first UPDATE byte on the wire (both wall clock).
bmptap's time for the same table = that very capture read by bmptapd and
exported to a sink (scenario 1's measure). tshark's = decoding the same
capture with `-Y bgp -T fields -e bgp.nlri_prefix`. Ratios are theirs over
ours, all from this run.
"""

import os
import shutil
import subprocess
import time

from common import BenchError, Fig, Skip, import_harness, lcore_sum, median, wait_for
from mrt import table_to_mrt, update_span
from tap import Sink, offline_to_sink

TARGET_RATIO = 20.0
SPK4, FRR4, SPK6 = "10.99.0.1", "10.99.0.2", "fd00:99::1"
SPK_AS, FRR_AS = 64601, 65002


def size(ctx):
    if ctx.frr_prefixes:
        v4 = ctx.frr_prefixes * 4 // 5
        return v4, ctx.frr_prefixes - v4
    return (20000, 5000) if ctx.quick else (300000, 75000)


def frr_conf(port):
    fam = "\n".join(f""" address-family {af} unicast
  neighbor {SPK4} activate
  neighbor {SPK4} soft-reconfiguration inbound
  neighbor {SPK4} route-map NONE out
 exit-address-family""" for af in ("ipv4", "ipv6"))
    # FRR would announce the table back to GoBGP (eBGP leaves loop detection to the
    # receiver): deny it, so FRR's time is receiving and BMP only
    return f"""hostname bench-frr
route-map NONE deny 10
exit
router bgp {FRR_AS}
 bgp router-id {FRR4}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor {SPK4} remote-as {SPK_AS}
 neighbor {SPK4} passive
{fam}
 bmp targets bench
  bmp monitor ipv4 unicast pre-policy
  bmp monitor ipv6 unicast pre-policy
  bmp connect 127.0.0.1 port {port} min-retry 100 max-retry 500
 exit
exit
"""


def gobgp_conf():
    fams = "".join(f"""  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "{f}"
""" for f in ("ipv4-unicast", "ipv6-unicast"))
    return f"""[global.config]
  as = {SPK_AS}
  router-id = "{SPK4}"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{FRR4}"
    peer-as = {FRR_AS}
    admin-down = true
{fams}"""


def rib_count(gb, afi):
    out = gb.gobgp(f"global rib summary -a {afi}")[1]
    return int(out.split("Destination:")[1].split(",")[0]) if "Destination:" in out else 0


def _settled(gb, afi):
    last = [-1]

    def same():
        n = rib_count(gb, afi)
        done, last[0] = n == last[0], n
        return done
    wait_for(same, 300, 1.0, "GoBGP RIB to settle")
    return last[0]


def inject(ns, gb, mrt, want):
    """Load the table into GoBGP's RIB; the route count it settled at.

    GoBGP 3.10 silently loses a few percent of the paths of an inject, not
    the same ones each time; injecting again fills the holes (the paths it
    has already are duplicates), so a family is injected until complete
    (at most 6 times)."""
    total = 0
    for fam, nh, afi, n in (("--no-ipv6", SPK4, "ipv4", want[0]),
                            ("--no-ipv4", SPK6, "ipv6", want[1])):
        for _ in range(6):
            ns.run(["gobgp", "mrt", "inject", "global", mrt, fam, "--nexthop", nh],
                   timeout=1800)
            got = _settled(gb, afi)
            if got >= n:
                break
        total += got
    return total


def frr_run(ctx, work, mrt, want):
    """Run the FRR side; (N prefixes, capture, sink result, FRR-received time)."""
    import_harness()
    from bmptest.capture import Capture
    from bmptest.netns import Topology
    from bmptest.speakers import Frr, GoBgp
    with Topology(tag="bv") as topo:
        ns_s, ns_f = topo.netns("spk"), topo.netns("frr")
        i_s, i_f = topo.veth(ns_s, ns_f)
        ns_s.addr(i_s, f"{SPK4}/24")
        ns_s.addr(i_s, f"{SPK6}/64")
        ns_f.addr(i_f, f"{FRR4}/24")
        ns_f.addr(i_f, "fd00:99::2/64")
        gb = GoBgp(ns_s, work)
        gb.start(gobgp_conf())
        t0 = time.monotonic()
        n = inject(ns_s, gb, mrt, want)
        ctx.log(f"  GoBGP holds {n:,} routes (inject {time.monotonic() - t0:.0f} s)")
        sink = Sink(ctx, "s7-frr", ns=ns_f, expect=n, exit_on_close=False).start()
        frr = Frr(ns_f, work)
        frr.start(frr_conf(sink.port), modules=["bmp"])
        wait_for(lambda: (sink.snapshot() or {}).get("initiation"), 30, 0.1, "FRR BMP up")
        cap = Capture(ns_f, i_f, os.path.join(work, "frr-session.pcap"), probe_dst=SPK4,
                      bpf="tcp port 179 or udp port 9")
        cap.start()
        gb.gobgp(f"neighbor {FRR4} enable")
        t_rcvd = _wait_frr(ctx, frr, sink, n)
        cap.stop()
        res = sink.stop()
        frr.stop()
        gb.stop()
    return n, cap.path, res, t_rcvd


def _wait_frr(ctx, frr, sink, n):
    """Poll until the sink has every prefix; the wall time FRR had them all."""
    t_rcvd, deadline = None, time.monotonic() + (600 if ctx.quick else 1800)
    while time.monotonic() < deadline:
        snap = sink.snapshot() or {}
        if t_rcvd is None:
            got = sum(p.get("pfxRcd", 0) for af in ("ipv4", "ipv6")
                      for p in frr.summary(af).values())
            if got >= n:
                t_rcvd = time.time()
        if snap.get("reached_mono"):
            return t_rcvd or time.time()
        time.sleep(0.5)
    raise BenchError(f"FRR's BMP stream did not deliver {n} prefixes in time "
                     f"(sink: {snap.get('announced')})")


def tshark_times(ctx, pcap):
    times = []
    for _ in range(ctx.repeat):
        t0 = time.monotonic()
        res = subprocess.run(["tshark", "-r", pcap, "-Y", "bgp", "-T", "fields", "-e",
                              "bgp.nlri_prefix", "-e", "bgp.mp_reach_nlri_ipv6_prefix"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if res.returncode != 0:
            raise BenchError(f"tshark failed: {res.stderr[-500:]}")
        times.append(time.monotonic() - t0)
    return times


def bmptap_times(ctx, pcap, n):
    times = []
    for i in range(ctx.repeat):
        ctr, res = offline_to_sink(ctx, f"s7-bmptap-{i}", pcap, n)
        if res["announced"] != n or lcore_sum(ctr, "tcp.gaps"):
            raise BenchError(f"bmptapd on the FRR session capture: {res['announced']} of {n} "
                             f"prefixes, {lcore_sum(ctr, 'tcp.gaps')} gaps")
        times.append(res["reached_mono"] - res["first_byte_mono"])
    return times


def pace_note(t_first, t_last, t_done):
    send, after = t_last - t_first, t_done - t_last
    return (f"GoBGP's UPDATEs spanned {send:.2f} s on the wire and FRR's BMP stream was "
            f"complete {after:.2f} s after the last one. TCP flow control ties the two: a "
            "receiver slower than the speaker stretches the first span too, so FRR's time "
            "is its own pace unless GoBGP is the slower one (its sending alone is not "
            "measured here).")


def run(ctx):
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces)")
    for tool in ("gobgpd", "gobgp", "tshark", "dumpcap", "/usr/lib/frr/bgpd"):
        if not shutil.which(tool) and not os.access(tool, os.X_OK):
            raise Skip(f"{tool} is not installed")
    v4, v6 = size(ctx)
    table, summ = ctx.gen("frr-table", ["--one-way", "--keep-open", "--ipv4", str(v4),
                                        "--ipv6", str(v6), "--seed", "4"])
    work = ctx.dir("frr")
    mrt = os.path.join(work, "table.mrt")
    m4, m6 = table_to_mrt(table, mrt)
    n, pcap, res, t_rcvd = frr_run(ctx, work, mrt, (m4, m6))
    t_first, t_last, nupd = update_span(pcap, SPK4)
    if t_first is None:
        raise BenchError("no UPDATE from GoBGP in the capture")
    frr_t = res["reached_real"] - t_first
    ours = bmptap_times(ctx, pcap, n)
    theirs = tshark_times(ctx, pcap)
    ctx.log(f"  FRR {frr_t:.2f} s, bmptapd {median(ours):.4f} s, tshark {median(theirs):.2f} s")
    figs = [
        Fig("s7.frr", f"FRR bgpd + BMP module: first UPDATE on the wire to all {n:,} prefixes "
            "at the sink", [frr_t], "s"),
        Fig("s7.bmptap", "bmptapd, the same session's capture: first packet to all prefixes "
            "at the sink", ours, "s"),
        Fig("s7.ratio_frr", "FRR time / bmptap time (ours faster by)",
            [frr_t / t for t in ours], "x", TARGET_RATIO, better="higher", fmt="{:.0f}"),
        Fig("s7.tshark", "tshark -Y bgp -T fields -e bgp.nlri_prefix, same capture", theirs,
            "s"),
        Fig("s7.ratio_tshark", "tshark time / bmptap time", [a / b for a, b in
                                                             zip(theirs, ours)], "x",
            fmt="{:.0f}"),
    ]
    notes = [f"Table: `bmptap-gen --one-way --keep-open --ipv4 {v4} --ipv6 {v6} --seed 4`, "
             f"{m4:,} IPv4 + {m6:,} IPv6 RIB entries in MRT; GoBGP held {n:,} routes "
             f"and sent them in {nupd:,} UPDATEs over {t_last - t_first:.2f} s "
             "(its own packing, not bmptap-gen's).",
             f"FRR's pfxRcd (polled every 0.5 s: an upper bound) showed every prefix "
             f"{t_rcvd - t_first:.1f} s after the first UPDATE; its BMP stream completed "
             f"{res['reached_real'] - t_last:.1f} s after GoBGP's last UPDATE. FRR sends one "
             f"Route Monitoring per prefix ({res['route_monitoring']:,} messages).",
             pace_note(t_first, t_last, res["reached_real"])]
    if not ctx.frr_prefixes and ctx.quick:
        notes.append("Quick mode uses a small table; full mode uses 375k prefixes "
                     "(`--frr-prefixes N` to change).")
    ctx.section("7", "Side by side: FRR's BMP export and tshark, same table", figs, notes,
                {"n": n, "frr_s": frr_t, "t_first": t_first, "t_last": t_last,
                 "frr_received_s": t_rcvd - t_first, "sink": res})
