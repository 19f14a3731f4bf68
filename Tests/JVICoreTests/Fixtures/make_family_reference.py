"""40-digit reference values for Tests/JVICoreTests/EstimatorFamilyTests.swift.

For a few rows of log-weights (hand-picked extremes and seeded normal rows), computes in 40-digit
mpmath, straight from the definitions (no centring, no series, no special cases):
  vr     L_alpha = (1/(1 - alpha)) log((1/K) sum_i w_i^(1 - alpha))   for alpha != 1
  ciwae  beta * mean(log w) + (1 - beta) * log(mean(w))
  tvo    sum_s (beta_{s+1} - beta_s) E_{beta_s}[log w] (lower) and sum_s (beta_s - beta_{s-1}) E_{beta_s}[log w]
         (upper), E_b[log w] = sum_i w_i^b log w_i / sum_i w_i^b, on the grid the Swift code uses
         (beta_s = 10^(-1.09 (P - s)/(P - 1)), computed here in double as there)
Output: family_rows.csv (row,k,log-weights... at 17 significant digits) and
family_reference.csv (estimator,parameter,row,value at 25 digits).
Run: python3 make_family_reference.py   (mpmath; a few seconds)
"""
import os

import mpmath as mp
import numpy as np

mp.mp.dps = 40
here = os.path.dirname(os.path.abspath(__file__))

rows = [
    [-3.0, -1.0, 0.0, -2.0, -5.0],
    [float(i) for i in range(1, 17)],
    [0.0, -1000.0, -1.0, 1.0],
    [0.0, 700.0, -1.0, 1.0],
]
rng = np.random.default_rng(20261204)
rows.append([float(v) for v in -87.3 + rng.normal(0, 1, 64)])
rows.append([float(v) for v in -87.3 + rng.normal(0, 5, 64)])
rows.append([float(v) for v in -250.0 + rng.normal(0, 0.3, 1000)])

alphas = [-5.0, -1.0, -1e-3, 1e-9, 0.25, 0.5, 0.9, 1 - 1e-4, 1 - 1e-8, 1 - 1e-12, 1 + 1e-10, 1 + 1e-6, 1.5, 3.0]
betas = [0.0, 0.05, 0.5, 0.95, 1.0]
partitions = [1, 2, 5, 20]


def grid(p):
    if p == 1:
        return [0.0, 1.0]
    return [0.0] + [1.0 if s == p else 10 ** (-1.09 * (p - s) / (p - 1)) for s in range(1, p + 1)]


def renyi(x, alpha):
    t = 1 - mp.mpf(alpha)
    return mp.log(mp.fsum(mp.e ** (t * v) for v in x) / len(x)) / t


def tempered(x, b):
    ws = [mp.e ** (mp.mpf(b) * v) for v in x]
    return mp.fsum(w * v for w, v in zip(ws, x)) / mp.fsum(ws)


out = ["estimator,parameter,row,value"]
for r, row in enumerate(rows):
    x = [mp.mpf(v) for v in row]
    elbo = mp.fsum(x) / len(x)
    iwae = mp.log(mp.fsum(mp.e**v for v in x) / len(x))
    for a in alphas:
        out.append(f"vr,{a!r},{r},{mp.nstr(renyi(x, a), 25)}")
    for b in betas:
        out.append(f"ciwae,{b!r},{r},{mp.nstr(mp.mpf(b) * elbo + (1 - mp.mpf(b)) * iwae, 25)}")
    for p in partitions:
        g = grid(p)
        e = [tempered(x, b) for b in g]
        lower = mp.fsum((mp.mpf(g[s + 1]) - mp.mpf(g[s])) * e[s] for s in range(p))
        upper = mp.fsum((mp.mpf(g[s]) - mp.mpf(g[s - 1])) * e[s] for s in range(1, p + 1))
        out.append(f"tvo,{p},{r},{mp.nstr(lower, 25)}")
        out.append(f"tvo-upper,{p},{r},{mp.nstr(upper, 25)}")
with open(os.path.join(here, "family_reference.csv"), "w") as f:
    f.write("\n".join(out) + "\n")
with open(os.path.join(here, "family_rows.csv"), "w") as f:
    for r, row in enumerate(rows):
        f.write(f"{r},{len(row)}," + ",".join(repr(v) for v in row) + "\n")
print(f"{len(out) - 1} reference values for {len(rows)} rows")
