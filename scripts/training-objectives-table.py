#!/usr/bin/env python3
"""The README's training-objectives table from results/training-objectives/results.csv: per
objective and gradient estimator, the mean over seeds (± half the range when there are two or
more) of the test log p(x) by AIS, IWAE-5000, the ELBO, the encoder's gap log p(x) − ELBO, the
seconds per epoch and the gradient SNR against K. Prints Markdown.

Usage: scripts/training-objectives-table.py [results.csv]
"""
import csv
import os
import sys
from collections import defaultdict

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "results", "training-objectives", "results.csv")
rows = defaultdict(list)
order = []
for r in csv.DictReader(open(path)):
    if r["name"] not in rows:
        order.append(r["name"])
    rows[r["name"]].append(r)


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def cell(values, digits):
    values = [v for v in (number(t) for t in values) if v is not None and v == v]
    if not values:
        return "–"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {(max(values) - min(values)) / 2:.{digits}f}"


print("| objective (gradient) | seeds | log p(x) (AIS) | IWAE-5000 | ELBO | log p − ELBO | s/epoch "
      "| encoder SNR K=1 / 8 / 64 | decoder SNR K=64 |")
print("|---|---|---|---|---|---|---|---|---|")
for name in order:
    diverged = sum(1 for r in rows[name] if r["ais"] == "diverged")
    rs = [r for r in rows[name] if r["ais"] != "diverged"]
    if not rs:
        print(f"| {name} | {diverged} | diverged (a non-finite loss in training) | | | | | | |")
        continue
    gap = [float(r["ais"]) - float(r["elbo"]) for r in rs if number(r["ais"]) is not None]
    snr = " / ".join(cell([r[f"encoder_snr_k{k}"] for r in rs], 3) for k in (1, 8, 64))
    seeds = f"{len(rs)}" + (f" (+{diverged} diverged)" if diverged else "")
    print(f"| {name} | {seeds} | {cell([r['ais'] for r in rs], 2)} | {cell([r['iwae5000'] for r in rs], 2)} "
          f"| {cell([r['elbo'] for r in rs], 2)} | {cell(gap, 2)} | {cell([r['seconds_per_epoch'] for r in rs], 1)} "
          f"| {snr} | {cell([r['decoder_snr_k64'] for r in rs], 3)} |")
