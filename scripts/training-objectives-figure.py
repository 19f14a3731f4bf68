#!/usr/bin/env python3
"""The training-objectives figure (results/training-objectives/figure.svg) from results.csv: left,
each model's test log p(x) by AIS and its ELBO (one dot per seed; the line between them is the
encoder's gap); right, the encoder's gradient signal-to-noise ratio against K (log-log), one line
per objective and estimator (mean over seeds). Plain SVG, no plotting library.

Usage: scripts/training-objectives-figure.py [results.csv] [figure.svg]
"""
import csv
import math
import os
import sys
from collections import defaultdict

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
folder = os.path.join(top, "results", "training-objectives")
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(folder, "results.csv")
target = sys.argv[2] if len(sys.argv) > 2 else os.path.join(folder, "figure.svg")


def number(text):
    try:
        value = float(text)
        return value if value == value else None
    except ValueError:
        return None


# The experiment's order (run.sh, then run-binary.sh); other names after them.
known = ["elbo", "iwae", "iwae-stl", "iwae-dreg", "jvi1", "jvi1-dreg", "jvi2-dreg", "miwae-8x8", "piwae-8x8",
         "ciwae-0.5", "vr-0.5", "bernoulli-vimco", "concrete-iwae"]
rows = defaultdict(list)
for r in csv.DictReader(open(source)):
    if number(r["ais"]) is None and number(r["iwae5000"]) is None:
        continue
    if number(r["elbo"]) is not None and number(r["elbo"]) < -1e5:
        continue  # a run whose objective ran away (the table counts it)
    rows[r["name"]].append(r)
order = [n for n in known if n in rows] + sorted(n for n in rows if n not in known)

colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4",
          "#b2df8a", "#fb9a99", "#cab2d6", "#000000"]
width, height, pad, bottom = 1000, 520, 60, 110
panel = (width - 3 * pad) / 2
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
       f'font-size="11"><rect width="100%" height="100%" fill="white"/>']

# Left: log p(x) (AIS, or IWAE-5000 for the binary models) and the ELBO per model.
values = [number(r[c]) for rs in rows.values() for r in rs for c in ("ais", "iwae5000", "elbo")]
values = [v for v in values if v is not None]
tick = next(t for t in (50, 100, 200, 500, 1000, 10 ** 9) if (max(values) - min(values)) / t <= 10)
lo, hi = math.floor(min(values) / tick) * tick, math.ceil(max(values) / tick) * tick
x0, y0 = pad, pad
def ly(v):
    return y0 + (hi - v) / (hi - lo) * (height - pad - bottom)
out.append(f'<text x="{x0}" y="{y0 - 32}" font-size="13">Test log p(x) (●: AIS, ○: IWAE-5000) and ELBO (×), nats</text>')
for v in range(int(lo), int(hi) + 1, tick):
    out.append(f'<line x1="{x0}" x2="{x0 + panel}" y1="{ly(v):.1f}" y2="{ly(v):.1f}" stroke="#ddd"/>')
    out.append(f'<text x="{x0 - 6}" y="{ly(v) + 4:.1f}" text-anchor="end">{v}</text>')
step = panel / max(1, len(order))
for i, name in enumerate(order):
    x = x0 + (i + 0.5) * step
    color = colors[i % len(colors)]
    for r in rows[name]:
        top_value = number(r["ais"]) if number(r["ais"]) is not None else number(r["iwae5000"])
        elbo = number(r["elbo"])
        if top_value is not None and elbo is not None:
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{ly(top_value):.1f}" y2="{ly(elbo):.1f}" '
                       f'stroke="{color}" stroke-width="1.5" opacity="0.5"/>')
        if top_value is not None:
            fill = color if number(r["ais"]) is not None else "white"
            out.append(f'<circle cx="{x:.1f}" cy="{ly(top_value):.1f}" r="4" fill="{fill}" stroke="{color}"/>')
        if elbo is not None:
            out.append(f'<text x="{x:.1f}" y="{ly(elbo) + 4:.1f}" text-anchor="middle" fill="{color}">×</text>')
    out.append(f'<text transform="translate({x:.1f},{height - bottom + 10}) rotate(40)" fill="{color}">{name}</text>')

# Right: encoder SNR against K, log-log.
ks = [1, 8, 64]
snr = {}
for name in order:
    points = []
    for k in ks:
        vs = [number(r[f"encoder_snr_k{k}"]) for r in rows[name]]
        vs = [v for v in vs if v is not None and v > 0]
        if vs:
            points.append((k, sum(vs) / len(vs)))
    snr[name] = points
all_values = [v for ps in snr.values() for _, v in ps]
if all_values:
    slo, shi = math.floor(math.log10(min(all_values))), math.ceil(math.log10(max(all_values)))
    x1 = 2 * pad + panel
    def sx(k):
        return x1 + math.log(k) / math.log(64) * (panel - 120)
    def sy(v):
        return y0 + (shi - math.log10(v)) / max(1, shi - slo) * (height - pad - bottom)
    out.append(f'<text x="{x1}" y="{y0 - 32}" font-size="13">Encoder gradient SNR |E g|/sd(g) against K</text>')
    for e in range(slo, shi + 1):
        out.append(f'<line x1="{x1}" x2="{x1 + panel - 120}" y1="{sy(10 ** e):.1f}" y2="{sy(10 ** e):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x1 - 6}" y="{sy(10 ** e) + 4:.1f}" text-anchor="end">1e{e}</text>')
    for k in ks:
        out.append(f'<text x="{sx(k):.1f}" y="{height - bottom + 16}" text-anchor="middle">K = {k}</text>')
    # Labels at the last point, pushed apart (13 px at least) where lines end close together.
    ends = sorted(((sy(snr[n][-1][1]), n) for n in order if snr[n]), key=lambda t: t[0])
    label_y = {}
    previous = -1e9
    for y, n in ends:
        previous = max(y, previous + 13)
        label_y[n] = previous
    for i, name in enumerate(order):
        color, ps = colors[i % len(colors)], snr[name]
        if len(ps) >= 2:
            path = " ".join(f"{'M' if j == 0 else 'L'}{sx(k):.1f},{sy(v):.1f}" for j, (k, v) in enumerate(ps))
            out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        for k, v in ps:
            out.append(f'<circle cx="{sx(k):.1f}" cy="{sy(v):.1f}" r="2.5" fill="{color}"/>')
        if ps:
            out.append(f'<text x="{sx(ps[-1][0]) + 8:.1f}" y="{label_y[name] + 4:.1f}" fill="{color}">{name}</text>')
out.append("</svg>")
open(target, "w").write("\n".join(out) + "\n")
print(f"wrote {target}", file=sys.stderr)
