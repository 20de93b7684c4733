"""bench/results/latest.md (and latest.json): every figure, targets, machine, how to rerun."""

import json
import os

TARGETS = [
    ("s1.one-way.time", "full table (1.4M prefixes) tap-to-collector on one RX lcore"),
    ("s7.ratio_frr", "faster than FRR's own BMP export of the same table"),
    ("s4.pipeline_per_prefix", "instructions per prefix, whole pipeline, mirror on"),
    ("s3.null", "non-BGP discard per lcore, net_null-fed"),
    ("s5.one-way.rib_per_prefix", "mirror bytes per prefix (full table)"),
    ("s5.mm.bytes", "mirror bytes per prefix (bench/mirror-mem)"),
]


def fmt(fig, v):
    if v is None:
        return "-"
    if abs(v) >= 1e4 and fig.fmt == "{:.3g}":
        return f"{v:,.0f}"
    return fig.fmt.format(v)


def _target(fig):
    if fig.target is None:
        return ""
    return ("< " if fig.better == "lower" else ">= ") + fmt(fig, fig.target)


def _verdict(fig):
    met, gap = fig.verdict()
    if met is None:
        return ""
    return f"met ({gap})" if met else f"**missed**: {gap}"


def targets_table(ctx):
    figs = {f.key: f for s in ctx.sections for f in s["figs"]}
    out = ["| issue target | measured (median) | target | verdict |", "|---|---|---|---|"]
    for key, label in TARGETS:
        f = figs.get(key)
        if f is None:
            out.append(f"| {label} | not measured (see below) | | |")
        elif f.target is None:
            out.append(f"| {label} | {fmt(f, f.value)} {f.unit} | (smaller table: target "
                       "applies to the full run) | |")
        else:
            out.append(f"| {label} | {fmt(f, f.value)} {f.unit} | {_target(f)} {f.unit} | "
                       f"{_verdict(f)} |")
    return out


def figures_table(ctx):
    out = ["| # | figure | median | spread (min..max) | unit | target | verdict |",
           "|---|---|---|---|---|---|---|"]
    for s in ctx.sections:
        for f in s["figs"]:
            spread = ""
            if len(f.samples) > 1:
                lo, hi = min(f.samples), max(f.samples)
                rel = (hi - lo) / f.value * 50 if f.value else 0
                spread = f"{fmt(f, lo)}..{fmt(f, hi)} (n={len(f.samples)}, ±{rel:.0f}%)"
            note = f" ({f.note})" if f.note else ""
            out.append(f"| {s['id']} | {f.label}{note} | {fmt(f, f.value)} | {spread} | "
                       f"{f.unit} | {_target(f)} | {_verdict(f)} |")
    return out


def stages_table(ctx):
    sec = next((s for s in ctx.sections if s["id"] == "4"), None)
    if not sec or not sec["extra"].get("stages"):
        return []
    out = ["", "Inclusive instructions per prefix by stage:", "",
           "| stage | instructions / prefix |", "|---|---|"]
    out += [f"| {lab} | {v:.0f} |" for lab, v in sec["extra"]["stages"]]
    out += ["", "Hottest functions (self cost) per prefix:", "",
            "| function | self / prefix | inclusive / prefix |", "|---|---|---|"]
    out += [f"| `{name}` | {s:.0f} | {i:.0f} |" for name, s, i in sec["extra"]["hot"]]
    return out


def machine_lines(m, load0, load1):
    t = m["tools"]
    return [f"- CPU: {m['cpu_model']}, {m['cpus']} CPUs ({m['sockets']} socket x "
            f"{m['cores_per_socket']} cores x {m['threads_per_core']} threads), hypervisor "
            f"{m['hypervisor']}; {m['caches']}",
            f"- Memory: {m['memory_gib']} GiB; {m['hugepages']} hugepages of "
            f"{m['hugepage_kib']} KiB reserved for the run (`--hugepages`; bmptapd uses them "
            "when free, else runs --no-huge)",
            f"- Kernel: {m['kernel']} ({m['os']})",
            f"- DPDK {m['dpdk']}; {m['gcc']}",
            f"- bmptap commit {m['commit']}",
            f"- Date: {m['date']}; load average at start {load0}, at end {load1} (the box is "
            "shared: timings are noisy, hence medians of repeated runs; instruction counts "
            "are not affected)",
            "- Tools: " + "; ".join(f"{k}: {v}" for k, v in t.items())]


def write(ctx, outdir, machine, mode, elapsed, load0, load1, failures, skipped, plots, argv):
    lines = [f"# bmptap benchmark ({mode} mode)", "",
             f"`bench/run {' '.join(argv)}` ran in {elapsed:.0f} s on the machine described "
             "below. Every ratio is computed from figures measured in this run. Timing "
             f"figures are the median of {ctx.repeat} runs with their spread.", "",
             "## Against the issue's targets", ""]
    lines += targets_table(ctx)
    if failures:
        lines += ["", "**Failures** (bench/run exits 1): " + "; ".join(failures)]
    if skipped:
        lines += ["", "Skipped: " + "; ".join(skipped)]
    lines += ["", "## Every figure", ""] + figures_table(ctx)
    for s in ctx.sections:
        lines += ["", f"## {s['id']}. {s['title']}", ""]
        for n in s["notes"]:
            lines += [n, ""]
        if s["id"] == "4":
            lines += stages_table(ctx)
        for p in plots.get(s["id"], []):
            lines += ["", f"![{p}]({p})"]
    lines += ["", "## Machine", ""] + machine_lines(machine, load0, load1)
    lines += ["", "## Reproduce", "",
              "As root on Debian 12 with the packages of `scripts/install-deps` (plus "
              "valgrind, gnuplot-nox, gobgpd):", "",
              "    bench/run            # full: every scenario, a few minutes",
              "    bench/run --quick    # CI: small tables, a couple of minutes",
              "    bench/run --only 1,4 # some scenarios; --repeat N, --build DIR, "
              "--frr-prefixes N", "",
              "It builds what it needs in `build/` (or `--build DIR`), keeps its work files "
              "in a temporary directory (`--keep` to keep them: captures, logs, sink JSON, "
              "callgrind profiles) and rewrites this file, `latest.json` and the plots. "
              "bench/README.md describes each scenario."]
    with open(os.path.join(outdir, "latest.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    data = {"mode": mode, "elapsed_s": elapsed, "machine": machine, "failures": failures,
            "skipped": skipped, "sections": [
                {"id": s["id"], "title": s["title"], "notes": s["notes"],
                 "figs": [f.as_dict() for f in s["figs"]]} for s in ctx.sections]}
    with open(os.path.join(outdir, "latest.json"), "w") as f:
        json.dump(data, f, indent=1, default=str)
