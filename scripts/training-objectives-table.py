#!/usr/bin/env python3
"""The README's training-objectives table from results/training-objectives/results.csv: per
objective and gradient estimator, the mean over seeds (± half the range when there are two or
more) of the test log p(x) by AIS, IWAE-5000, the ELBO, the encoder's gap log p(x) − ELBO, the
seconds per epoch and the gradient SNR against K. Runs that diverged or ran away (test ELBO below
-1e5 nats) are counted, not averaged. Prints Markdown.

Usage: scripts/training-objectives-table.py [results.csv]
"""
import csv
import os
import sys
from collections import defaultdict

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "results", "training-objectives", "results.csv")
# The experiment's order (run.sh, then run-binary.sh); other names after them.
known = ["elbo", "iwae", "iwae-stl", "iwae-dreg", "jvi1", "jvi1-dreg", "jvi2-dreg", "miwae-8x8", "piwae-8x8",
         "ciwae-0.5", "vr-0.5", "bernoulli-vimco", "concrete-iwae"]
rows = defaultdict(list)
for r in csv.DictReader(open(path)):
    rows[r["name"]].append(r)
order = [n for n in known if n in rows] + sorted(n for n in rows if n not in known)


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
def ran_away(r):
    """A run that diverged (a non-finite loss) or whose objective ran away: JVI is not a bound, and a
    model can raise it without limit by letting one sample's weight dominate; such a model's test
    ELBO is astronomically low (below -1e5 nats)."""
    elbo = number(r["elbo"])
    return r["ais"] == "diverged" or (elbo is not None and elbo < -1e5)


for name in order:
    diverged = sum(1 for r in rows[name] if ran_away(r))
    rs = [r for r in rows[name] if not ran_away(r)]
    if not rs:
        print(f"| {name} | {diverged} | ran away (a non-finite loss, or test ELBO < −10⁵) | | | | | | |")
        continue
    gap = [float(r["ais"]) - float(r["elbo"]) for r in rs if number(r["ais"]) is not None]
    snr = " / ".join(cell([r[f"encoder_snr_k{k}"] for r in rs], 3) for k in (1, 8, 64))
    seeds = f"{len(rs)}" + (f" (+{diverged} ran away)" if diverged else "")
    print(f"| {name} | {seeds} | {cell([r['ais'] for r in rs], 2)} | {cell([r['iwae5000'] for r in rs], 2)} "
          f"| {cell([r['elbo'] for r in rs], 2)} | {cell(gap, 2)} | {cell([r['seconds_per_epoch'] for r in rs], 1)} "
          f"| {snr} | {cell([r['decoder_snr_k64'] for r in rs], 3)} |")
