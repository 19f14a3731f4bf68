"""Peer of jvi-bench's jvi{m}-n256-k{K} cases: the dense reference jackknife variational
inference estimator as published (Nowozin 2018), in numpy float64, every subset enumerated.

For one instance with log-weights l_1 … l_K and order m:

    L_S          = log (1/|S|) Σ_{i∈S} exp(l_i)                  (IWAE of the subset S)
    Lbar_{K−j}   = mean of L_S over all C(K, K−j) subsets S of size K−j
    JVI_m        = Σ_{j=0..m} c_j · Lbar_{K−j},
    c_j          = (−1)^j (K−j)^m / (j! (m−j)!)                   (Σ_j c_j = 1)

The index sets come from itertools.combinations and are built once, untimed (so the timing is
of the estimator's arithmetic, the cheapest fair version of the dense method). The timed body
gathers each batch of subsets' columns for all N instances at once (N x batch x (K−j)),
takes log-mean-exp over the last axis and accumulates the subset means. Batches are sized so a
gather holds at most --batch-elements numbers.

Cases whose gathered elements Σ_j C(K, j)·N·(K−j) exceed --max-elements (2.5e9 by default:
K = 256, m = 2 at 2.1e9 runs, K = 256, m = 3 at 1.8e11 does not) print "skipped".
Work per run = N instances (unit instances/s).

    python jvi_dense.py --threads 1 --runs 5 --k 64 --order 2
    python jvi_dense.py --check
"""

from __future__ import annotations

import argparse
import itertools
import math

import common


def coefficients(k: int, m: int) -> list[float]:
    """c_j for j = 0 … m (the sharpened jackknife's weights on Lbar_{K−j})."""
    return [(-1) ** j * (k - j) ** m / (math.factorial(j) * math.factorial(m - j)) for j in range(m + 1)]


def gathered_elements(n: int, k: int, m: int) -> int:
    """Numbers the dense method gathers: Σ_j C(K, j) subsets of K−j columns, for N rows."""
    return sum(math.comb(k, j) * n * (k - j) for j in range(m + 1))


def subset_indices(k: int, size: int):
    """Every subset of {0, …, K−1} of `size` elements, one per row, as an index array."""
    import numpy as np

    count = math.comb(k, size)
    out = np.empty((count, size), dtype=np.intp)
    # Enumerating the complement is the same set family and much shorter for size close to K.
    drop = k - size
    if drop < size:
        everything = np.arange(k)
        for row, removed in enumerate(itertools.combinations(range(k), drop)):
            out[row] = np.delete(everything, removed)
    else:
        for row, kept in enumerate(itertools.combinations(range(k), size)):
            out[row] = kept
    return out


def make_estimator(k: int, m: int, n: int, batch_elements: int):
    """Returns jvi(x) for N x K float64 x, with the index sets prepared."""
    import numpy as np

    c = coefficients(k, m)
    plans = []
    for j in range(m + 1):
        size = k - j
        index = subset_indices(k, size)
        batch = max(1, batch_elements // (n * size))
        plans.append((c[j], size, index, batch))

    def jvi(x):
        total = np.zeros(x.shape[0])
        for weight, size, index, batch in plans:
            subset_sum = np.zeros(x.shape[0])
            log_size = math.log(size)
            for first in range(0, index.shape[0], batch):
                block = x[:, index[first:first + batch]]          # N x b x size
                top = block.max(axis=2, keepdims=True)
                block -= top
                np.exp(block, out=block)
                lse = np.log(block.sum(axis=2)) + top[:, :, 0]    # N x b
                subset_sum += lse.sum(axis=1) - log_size * lse.shape[1]
            total += weight * (subset_sum / index.shape[0])
        return total

    return jvi


def naive_jvi(row, m: int) -> float:
    """JVI of one instance with Python loops only, for --check."""
    k = len(row)
    value = 0.0
    for j, cj in enumerate(coefficients(k, m)):
        subsets = list(itertools.combinations(range(k), k - j))
        mean = 0.0
        for s in subsets:
            top = max(row[i] for i in s)
            mean += top + math.log(sum(math.exp(row[i] - top) for i in s) / len(s))
        value += cj * mean / len(subsets)
    return value


def check() -> None:
    import numpy as np

    for k in (2, 5, 8, 16, 64, 256):
        for m in range(1, min(k, 4)):
            s = sum(coefficients(k, m))
            assert abs(s - 1) < 1e-9 * max(1.0, max(abs(v) for v in coefficients(k, m))), (k, m, s)
    common.log("check: sum_j c_j = 1 for K in {2,5,8,16,64,256}, m = 1..3")
    x = np.random.default_rng(7).normal(-90.0, 1.0, (6, 7))
    for m in (1, 2, 3):
        fast = make_estimator(7, m, 6, batch_elements=50)(x)
        slow = np.array([naive_jvi(list(r), m) for r in x])
        err = float(np.max(np.abs(fast - slow)))
        assert err < 1e-9, (m, err)
        common.log(f"check: N=6 K=7 m={m}: vectorised = naive loops (max |diff| {err:.1e})")
    # Order 1 against its textbook form K·IWAE_K − (K−1)·mean of leave-one-out IWAEs.
    row = x[0]
    loo = [np.logaddexp.reduce(np.delete(row, i)) - math.log(6) for i in range(7)]
    first = 7 * (np.logaddexp.reduce(row) - math.log(7)) - 6 * np.mean(loo)
    assert abs(first - naive_jvi(list(row), 1)) < 1e-9
    common.log("check: order 1 = K*IWAE_K - (K-1)*mean leave-one-out IWAE")
    common.emit({"check": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--order", type=int, default=1, help="m, 1 <= m < K")
    parser.add_argument("--max-elements", type=float, default=2.5e9)
    parser.add_argument("--batch-elements", type=int, default=4_000_000,
                        help="numbers gathered at once (memory bound of the timed body)")
    parser.add_argument("--check", action="store_true", help="verify the method on small cases and exit")
    args = parser.parse_args()
    common.setup_threads(args.threads)

    case = f"jvi{args.order}-n{args.n}-k{args.k}"
    peer = "dense reference (numpy)"
    try:
        import numpy as np
    except ImportError as error:
        common.missing_library(case, peer, args.threads, "numpy", error)
    if args.check:
        check()
        return
    if not 1 <= args.order < args.k:
        parser.error(f"the order must be between 1 and K-1, got {args.order} for K = {args.k}")

    elements = gathered_elements(args.n, args.k, args.order)
    if elements > args.max_elements:
        common.emit({
            "case": case, "peer": peer, "version": common.numpy_version(), "threads": args.threads,
            "skipped": f"{elements:.3g} gathered elements exceed --max-elements {args.max_elements:.3g}",
        })
        return
    x = np.random.default_rng(2018).normal(-90.0, 1.0, (args.n, args.k))
    jvi = make_estimator(args.k, args.order, args.n, args.batch_elements)
    seconds = common.measure(lambda: jvi(x), args.runs)
    mid = common.median(seconds)
    common.emit(common.result(
        case, peer, common.numpy_version(), args.threads, seconds, work=float(args.n), unit="instances/s",
        rate=args.n / mid, gathered_elements=elements, mean_estimate=float(np.mean(jvi(x)))))


if __name__ == "__main__":
    main()
