"""PNG plots of the results with gnuplot (data inline, no files besides the PNGs)."""

import os
import shutil
import subprocess

HEAD = ("set terminal pngcairo size 900,520 font 'sans,10' noenhanced\n"
        "set grid ytics\nset key top right box opaque width 2\n")


def _quote(s):
    return '"' + str(s).replace('"', "'") + '"'


def _gnuplot(path, script):
    res = subprocess.run(["gnuplot"], input=HEAD + f"set output '{path}'\n" + script,
                         text=True, capture_output=True, timeout=60)
    if res.returncode != 0:
        raise RuntimeError(f"gnuplot: {res.stderr[-500:]}")
    return path


def bars(path, title, ylabel, rows, target=None, logy=False):
    """rows: (label, median, min, max); a dashed line at target."""
    data = "\n".join(f"{_quote(lab)} {v} {lo} {hi}" for lab, v, lo, hi in rows)
    tgt = f", {target} with lines dt 2 lw 2 lc rgb 'red' title 'target'" if target else ""
    return _gnuplot(path, f"""$D << EOD
{data}
EOD
set title {_quote(title)}
set ylabel {_quote(ylabel)}
{'set logscale y' if logy else 'set yrange [0:*]'}
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.8
set xtics rotate by -20 noenhanced
plot $D using 2:3:4:xtic(1) title 'median (bars: min..max)' lc rgb '#4a7ab5'{tgt}
""")


def points(path, title, xlabel, ylabel, series, logy=False, logx=False):
    """series: (name, [(x, y)], style) plotted as linespoints."""
    blocks, plots = [], []
    for i, (name, pts, style) in enumerate(series):
        data = "\n".join(f"{x} {y}" for x, y in sorted(pts))
        blocks.append(f"$S{i} << EOD\n{data}\nEOD")
        plots.append(f"$S{i} using 1:2 with {style} title {_quote(name)}")
    return _gnuplot(path, "\n".join(blocks) + f"""
set title {_quote(title)}
set xlabel {_quote(xlabel)}
set ylabel {_quote(ylabel)}
{'set logscale y' if logy else ''}
{'set logscale x' if logx else ''}
plot {', '.join(plots)}
""")


def available():
    return shutil.which("gnuplot") is not None


def draw_all(ctx, outdir):
    """Every plot the sections allow: {scenario id: [PNG file name]}."""
    if not available():
        return {}
    made = {}
    secs = {s["id"]: s for s in ctx.sections}
    for sid, fn in (("1", _fulltable), ("2", _churn), ("6", _latency), ("4", _instructions),
                    ("5", _memory), ("7", _versus)):
        if sid in secs and secs[sid]["figs"]:
            try:
                p = fn(secs[sid], outdir)
                if p:
                    made.setdefault(sid, []).append(os.path.basename(p))
            except (RuntimeError, KeyError, ValueError, ZeroDivisionError) as e:
                ctx.log(f"plot for scenario {sid} failed: {e}")
    return made


def _row(fig, label=None):
    return (label or fig.label, fig.value, min(fig.samples), max(fig.samples))


def _fulltable(sec, outdir):
    rows = [_row(f, f.key.split(".")[1] + " (sink)") for f in sec["figs"]
            if f.key.endswith(".time")]
    rows += [_row(f, f.key.split(".")[1] + " (bmptapd)") for f in sec["figs"]
             if f.key.endswith(".tapd_time")]
    target = next((f.target for f in sec["figs"] if f.target), None)
    return bars(os.path.join(outdir, "fulltable.png"), "Full table: first packet to last BMP "
                "byte", "seconds", rows, target)


def _churn(sec, outdir):
    trials = sec["extra"].get("trials", [])
    if not trials:
        return None
    ok = [(t["upd_rate"], t["exported"] / t["expected"] * 100) for t in trials if t["ok"]]
    bad = [(t["upd_rate"], t["exported"] / t["expected"] * 100) for t in trials if not t["ok"]]
    series = [("zero loss", ok, "points pt 7 ps 1.5 lc rgb 'forest-green'")]
    if bad:
        series.append(("loss", bad, "points pt 2 ps 1.5 lc rgb 'red'"))
    return points(os.path.join(outdir, "churn.png"), "Live churn trials", "UPDATE/s offered",
                  "% of UPDATEs exported", series)


def _latency(sec, outdir):
    pts = [p for p in sec["extra"].get("points", []) if p.get("latency")]
    if not pts:
        return None
    series = [(q, [(p["upd_rate"], max(1, p["latency"][q])) for p in pts],
               "linespoints pt 7") for q in ("p50", "p99", "max")]
    return points(os.path.join(outdir, "latency.png"), "Capture to send latency vs load",
                  "UPDATE/s", "microseconds", series, logy=True)


def _instructions(sec, outdir):
    stages = sec["extra"].get("stages", [])
    rows = [(lab.split(" (")[0], v, v, v) for lab, v in stages]
    pipe = next((f for f in sec["figs"] if f.key == "s4.pipeline_per_prefix"), None)
    if pipe:
        rows.insert(0, ("whole pipeline", pipe.value, pipe.value, pipe.value))
    return bars(os.path.join(outdir, "instructions.png"), "Instructions per prefix "
                "(callgrind, inclusive)", "instructions / prefix", rows,
                pipe.target if pipe else None)


def _memory(sec, outdir):
    rows = []
    for f in sec["figs"]:
        parts = f.key.split(".")
        if f.key.endswith("rib_per_prefix"):
            rows.append(_row(f, f"{parts[1]}: mirror (rib.bytes)"))
        elif f.key.endswith("rss_per_prefix"):
            rows.append(_row(f, f"{parts[1]}: whole process (RSS)"))
        elif f.key == "s5.mm.bytes":
            rows.append(_row(f, "bench/mirror-mem"))
    return bars(os.path.join(outdir, "memory.png"), "Bytes per prefix", "bytes", rows,
                next((f.target for f in sec["figs"] if f.target), None))


def _versus(sec, outdir):
    pick = {"s7.bmptap": "bmptapd", "s7.tshark": "tshark", "s7.frr": "FRR bgpd + BMP"}
    rows = [_row(f, pick[f.key]) for f in sec["figs"] if f.key in pick]
    return bars(os.path.join(outdir, "versus.png"), "Same table: time to export / decode",
                "seconds (log)", rows, logy=True)
