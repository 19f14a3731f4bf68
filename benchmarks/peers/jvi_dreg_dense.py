"""Peer of jvi-bench's gradient-dreg-jvi{m}-k{K}-series cases: the doubly reparameterised
gradient weights of the jackknife objective computed densely in PyTorch float64, every left-out
set enumerated (what a PyTorch user without jvi would write).

For one instance with log-weights l_1 … l_K and order m, the DReG weight of sample s is

    d_s = Σ_{j=0..m} (c_j / C(K, j)) Σ_{|S| = K−j, s ∈ S} (w_s / W_S)²,
    c_j = (−1)^j (K−j)^m / (j! (m−j)!),      W_S = Σ_{i∈S} w_i,

(docs/gradient-estimators.md). The kept sets come from itertools.combinations, built once and
untimed. The timed body gathers a batch of kept sets' columns for all N instances
(N × batch × (K−j)), takes the softmax over the last axis, squares it and scatter-adds it into
the samples' sums. Batches hold at most --batch-elements numbers. Cases whose gathered elements
exceed --max-elements print "skipped". Work per run = N instances (unit instances/s).

    python jvi_dreg_dense.py --threads 1 --runs 5 --n 256 --k 64 --order 2 [--path series-extended]
    python jvi_dreg_dense.py --check
"""

from __future__ import annotations

import argparse
import itertools
import math

import common
from jvi_dense import coefficients, gathered_elements, subset_indices


def make_weights(k: int, m: int, n: int, batch_elements: int, torch):
    """Returns dreg(x) for N x K float64 x (a torch tensor), with the kept sets prepared."""
    c = coefficients(k, m)
    plans = []
    for j in range(m + 1):
        size = k - j
        index = torch.from_numpy(subset_indices(k, size))
        batch = max(1, batch_elements // (n * size))
        plans.append((c[j] / math.comb(k, j), size, index, batch))

    def dreg(x):
        out = torch.zeros_like(x)
        for scale, size, index, batch in plans:
            sums = torch.zeros_like(x)
            for first in range(0, index.shape[0], batch):
                rows = index[first:first + batch]                       # b x size
                block = torch.softmax(x[:, rows], dim=2)                 # N x b x size
                sums.scatter_add_(1, rows.reshape(1, -1).expand(x.shape[0], -1), (block * block).reshape(x.shape[0], -1))
            out += scale * sums
        return out

    return dreg


def naive_weights(row, m: int) -> list[float]:
    """d_s of one instance with Python loops only, for --check."""
    k = len(row)
    w = [math.exp(v - max(row)) for v in row]
    out = [0.0] * k
    for j, cj in enumerate(coefficients(k, m)):
        for kept in itertools.combinations(range(k), k - j):
            total = sum(w[i] for i in kept)
            for i in kept:
                out[i] += cj / math.comb(k, j) * (w[i] / total) ** 2
    return out


def check(torch) -> None:
    x = torch.randn((5, 7), generator=torch.Generator().manual_seed(7), dtype=torch.float64) - 90
    for m in (1, 2, 3):
        fast = make_weights(7, m, 5, 40, torch)(x)
        slow = torch.tensor([naive_weights(r.tolist(), m) for r in x], dtype=torch.float64)
        err = float((fast - slow).abs().max())
        assert err < 1e-12, (m, err)
        common.log(f"check: N=5 K=7 m={m}: batched torch = naive loops (max |diff| {err:.1e})")
    equal = make_weights(16, 2, 1, 1000, torch)(torch.zeros((1, 16), dtype=torch.float64))
    assert float(equal.abs().max()) < 1e-15, "equal weights give d = 0"
    common.log("check: equal weights give d = 0 at m = 2")
    common.emit({"check": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--order", type=int, default=2, help="m, 1 <= m < K")
    parser.add_argument("--max-elements", type=float, default=2.5e9)
    parser.add_argument("--batch-elements", type=int, default=4_000_000)
    parser.add_argument("--path", default="series", choices=["series", "series-extended"],
                        help="which jvi case this run is the peer of (the same dense work for both)")
    parser.add_argument("--check", action="store_true", help="verify the method on small cases and exit")
    args = parser.parse_args()
    common.setup_threads(args.threads)

    case = f"gradient-dreg-jvi{args.order}-k{args.k}-{args.path}"
    peer = "dense (torch)"
    try:
        import torch
    except ImportError as error:
        common.missing_library(case, peer, args.threads, "torch", error)
    common.setup_torch_threads(torch, args.threads)
    if args.check:
        check(torch)
        return
    if not 1 <= args.order < args.k:
        parser.error(f"the order must be between 1 and K-1, got {args.order} for K = {args.k}")
    elements = gathered_elements(args.n, args.k, args.order)
    if elements > args.max_elements:
        common.emit({"case": case, "peer": peer, "version": common.torch_version(), "threads": args.threads,
                     "skipped": f"{elements:.3g} gathered elements exceed --max-elements {args.max_elements:.3g}"})
        return
    x = torch.randn((args.n, args.k), generator=torch.Generator().manual_seed(2018), dtype=torch.float64) * 2 - 90
    dreg = make_weights(args.k, args.order, args.n, args.batch_elements, torch)
    seconds = common.measure(lambda: dreg(x), args.runs)
    mid = common.median(seconds)
    common.emit(common.result(case, peer, common.torch_version(), args.threads, seconds, work=float(args.n),
                              unit="instances/s", rate=args.n / mid, gathered_elements=elements))


if __name__ == "__main__":
    main()
