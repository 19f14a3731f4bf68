#!/usr/bin/env python3
"""The README's estimator atlas: for each experiment of a `make sweep` run and each K, the estimator
with the lowest MSE per instance, the runner-up, IWAE for comparison, and the estimators' cost
per instance from `make bench` (results/bench/estimators.csv, the family-*-n256-k1024 cases).

Usage: scripts/atlas-table.py RUN_ID [K ...]      (default K: 4 16 64 256 1024)
Reads results/{linear-gaussian,log-normal,fashion-mnist-vae}/RUN_ID.csv; prints Markdown.
"""
import csv
import os
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
run = sys.argv[1]
ks = [int(k) for k in sys.argv[2:]] or [4, 16, 64, 256, 1024]
experiments = [("linear-gaussian", "linear-Gaussian (exact)"), ("log-normal", "log-normal σ = 1 (exact)"),
               ("fashion-mnist-vae", "Fashion-MNIST VAE (AIS)")]


def label(row):
    return f"jvi-{row['order']}" if row["estimator"] == "jvi" else row["estimator"]


cost = {}
bench = os.path.join(top, "results", "bench", "estimators.csv")
if os.path.exists(bench):
    for r in csv.DictReader(open(bench)):
        name = r["benchmark"]
        if name.startswith("family-") and name.endswith("-n256-k1024"):
            key = name[len("family-"):-len("-n256-k1024")]
            key = {"jvi1": "jvi-1", "jvi2": "jvi-2", "jvi3": "jvi-3"}.get(key, key)
            cost[key.replace("vr-alpha=", "vr:alpha=").replace("mlmc-form=", "mlmc:form=")] = 1e6 / float(r["rate"])


def us(name):
    c = cost.get(name)
    return f"{c:.1f} µs" if c is not None else "–"


print("| model | K | lowest MSE (nats²) | runner-up | IWAE | JVI-1 |")
print("|---|---|---|---|---|---|")
for folder, title in experiments:
    path = os.path.join(top, "results", folder, run + ".csv")
    rows = list(csv.DictReader(open(path)))
    for k in ks:
        cells = [r for r in rows if int(r["k"]) == k and r["estimator"] not in ("elbo-a", "elbo-b")]
        cells.sort(key=lambda r: float(r["mse"]))
        def show(r):
            return f"{label(r)} {float(r['mse']):.3g} ± {float(r['mse_se']):.2g}"
        by = {label(r): r for r in cells}
        iw = by.get("iwae")
        j1 = by.get("jvi-1")
        print(f"| {title} | {k} | **{show(cells[0])}** | {show(cells[1])} | "
              f"{float(iw['mse']):.3g} | {float(j1['mse']):.3g} |")
print()
print("Cost per instance at K = 1024 (1 thread, `make bench`, N = 256):",
      ", ".join(f"{name} {us(name)}" for name in sorted(cost)))
