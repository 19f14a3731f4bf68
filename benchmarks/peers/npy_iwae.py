"""Peer of `jvi-eval --input big.npy --estimator iwae`: the IWAE estimate of every row of a big
float64 .npy log-weight matrix (N x K), with numpy, memory-mapped and in blocks of rows.

    IWAE_K(row) = m + log Σ_k exp(l_k − m) − log K,  m = max_k l_k

np.load(path, mmap_mode='r') maps the file; each block of --block rows is read, reduced and
dropped, so memory stays at a few blocks however big the file. Nothing is written; the mean
estimate over rows is printed (in the JSON line). The driver times this script as a whole
process (interpreter start, numpy import and the read included), with the file in the page cache.

    python npy_iwae.py big.npy --threads 1
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()

import argparse  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402

import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--block", type=int, default=1000, help="rows per block")
    args = parser.parse_args()
    common.setup_threads(args.threads)

    case = "npy-iwae-" + os.path.basename(args.path)
    try:
        import numpy as np
    except ImportError as error:
        common.missing_library(case, "numpy", args.threads, "numpy", error)

    start = time.perf_counter()
    x = np.load(args.path, mmap_mode="r")
    if x.ndim != 2:
        raise SystemExit(f"{args.path}: expected a 2-D N x K matrix, got shape {x.shape}")
    n, k = x.shape
    log_k = math.log(k)
    total = 0.0
    for first in range(0, n, args.block):
        block = np.asarray(x[first:first + args.block], dtype=np.float64)
        top = block.max(axis=1, keepdims=True)
        shifted = np.exp(block - top)
        total += float(np.sum(np.log(shifted.sum(axis=1)) + top[:, 0] - log_k))
    seconds = time.perf_counter() - start
    estimate = total / n
    common.log(f"{args.path}: {n} x {k}, mean IWAE estimate {estimate:.6f}, {seconds:.2f} s in process")
    common.emit(common.result(
        case, "numpy", common.numpy_version(), args.threads, [seconds], work=float(n * k), unit="elements/s",
        rate=n * k / seconds, mean_estimate=estimate, shape=[n, k],
        process_seconds=time.perf_counter() - PROCESS_START))


if __name__ == "__main__":
    main()
