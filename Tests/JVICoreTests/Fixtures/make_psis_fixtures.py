"""Inputs and cross-check values for Tests/JVICoreTests/ParetoSmoothingTests.swift.

Writes, into psis/ (each as a 1 x n float64 .npy, the shape jvi reads):
  numpyro_lw_scale{S}.npy   the log-weights of NumPyro's PSIS test (test/infer/test_importance.py,
                            `_synthetic_log_weights(scale, zdim=3, n=50_000, seed=42)`): z ~ N(0, S^2 I_3)
                            from numpy's default_rng(42), log w = log N(z; 0, I) - log N(z; 0, S^2 I).
                            NumPyro publishes k-hat for them (its `_PIPELINE_REFERENCE_KHAT`); the Swift
                            test compares with those published values, not with anything computed here.
  genpareto_c{C}.npy        scipy.stats.genpareto.rvs(c=C, scale=1, size=3000,
                            random_state=np.random.default_rng(123)), the inputs of NumPyro's GPD-fit
                            reference values (`test_fit_generalized_pareto_matches_reference`).
and prints, as a cross-check only, this script's own float64 transcription of the loo PSIS pipeline
(k-hat and log-mean of the smoothed weights) on the Pareto(alpha) quantile rows the Swift test builds
itself: lw_i = -(1/alpha) log1p(-(i - 0.5)/S).

Run: python3 make_psis_fixtures.py   (numpy and scipy; about two seconds)
"""
import math
import os

import numpy as np
from scipy import stats

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "psis")
os.makedirs(here, exist_ok=True)


def numpyro_log_weights(scale, zdim=3, n=50_000, seed=42):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, scale, size=(n, zdim))
    log_model = -0.5 * np.sum(z**2, axis=1) - 0.5 * zdim * np.log(2 * np.pi)
    log_guide = -0.5 * np.sum(z**2 / scale**2, axis=1) - 0.5 * zdim * np.log(2 * np.pi * scale**2)
    return log_model - log_guide


def gpd_fit(x):
    """Zhang & Stephens with the weakly informative prior, as loo/posterior's gpdfit (x ascending)."""
    n = len(x)
    m = 30 + int(math.floor(math.sqrt(n)))
    xstar = x[int(math.floor(n / 4 + 0.5)) - 1]
    if not xstar > x[0]:
        return None
    j = np.arange(1, m + 1)
    theta = 1 / x[-1] + (1 - np.sqrt(m / (j - 0.5))) / 3 / xstar
    k = np.mean(np.log1p(-np.outer(theta, x)), axis=1)
    ll = n * (np.log(-theta / k) - k - 1)
    w = np.exp(ll - ll.max())
    w /= w.sum()
    th = np.sum(w * theta)
    khat = np.mean(np.log1p(-th * x))
    sigma = -khat / th
    return (khat * n + 5) / (n + 10), sigma


def psis(lw):
    s = len(lw)
    mx = lw.max()
    d = np.sort(lw - mx)
    t = int(math.ceil(min(0.2 * s, 3 * math.sqrt(s))))
    if t < 5:
        return math.inf, math.nan
    tail, cutoff = d[s - t:], d[s - t - 1]
    weights = np.exp(d)
    fit = None if tail[-1] - tail[0] < np.finfo(float).eps / 100 else gpd_fit(np.exp(tail) - np.exp(cutoff))
    if fit is None:
        return math.inf, mx + math.log(weights.sum() / s)
    k, sigma = fit
    p = (np.arange(1, t + 1) - 0.5) / t
    q = sigma * np.expm1(-k * np.log1p(-p)) / k + np.exp(cutoff)
    smoothed = np.minimum(q, 1.0)
    return k, mx + math.log((weights[: s - t].sum() + smoothed.sum()) / s)


for scale in (0.5, 0.7, 0.9, 0.99):
    np.save(os.path.join(here, f"numpyro_lw_scale{scale}.npy"), numpyro_log_weights(scale).reshape(1, -1))
for c in (0.1, 0.5, 1.0):
    x = stats.genpareto.rvs(c=c, scale=1.0, size=3000, random_state=np.random.default_rng(123))
    np.save(os.path.join(here, f"genpareto_c{c}.npy"), x.reshape(1, -1))
    print(f"genpareto c={c}: fit (k, sigma) = {gpd_fit(np.sort(x))}")
for s in (1000, 10000):
    for alpha in (1, 2, 4):
        lw = -(1 / alpha) * np.log1p(-(np.arange(1, s + 1) - 0.5) / s)
        k, value = psis(lw)
        print(f"pareto S={s} alpha={alpha}: k-hat {k!r}, PSIS log-mean {value!r}")
