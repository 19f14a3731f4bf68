"""Peer of jvi-bench's gemm suite: float32 C = op(A)·op(B), numpy (OpenBLAS sgemm) or torch.

Product kinds, as in GEMMBenchmarks.swift (C is always M x N, row-major):
  AB   A stored M x K, B stored K x N:  C = A·B
  AtB  A stored K x M, B stored K x N:  C = Aᵀ·B   (the VAE's weight gradients)
  ABt  A stored M x K, B stored N x K:  C = A·Bᵀ   (the VAE's input gradients)
The transposed operand is passed as a transposed view, so both libraries hand BLAS a
transpose flag instead of copying. Inputs are uniform in [-0.5, 0.5); the output is
preallocated. Work = 2·M·N·K flops per product; the rate is in GFLOP/s.

    python gemm.py --threads 1 --runs 11 --peer numpy --product AtB --shape 100x784x200
"""

from __future__ import annotations

import argparse

import common


def parse_shape(text: str) -> tuple[int, int, int]:
    try:
        m, k, n = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MxKxN such as 100x784x300, got '{text}'")
    if min(m, k, n) < 1:
        raise argparse.ArgumentTypeError(f"every dimension must be positive, got '{text}'")
    return m, k, n


def numpy_body(kind: str, m: int, k: int, n: int):
    import numpy as np

    rng = np.random.default_rng(1)
    a_shape = (k, m) if kind == "AtB" else (m, k)
    b_shape = (n, k) if kind == "ABt" else (k, n)
    a = (rng.random(a_shape, dtype=np.float32) - np.float32(0.5))
    b = (rng.random(b_shape, dtype=np.float32) - np.float32(0.5))
    c = np.zeros((m, n), dtype=np.float32)
    left = a.T if kind == "AtB" else a
    right = b.T if kind == "ABt" else b

    def body():
        np.matmul(left, right, out=c)

    return body, common.numpy_version()


def torch_body(kind: str, m: int, k: int, n: int, threads: int):
    import torch

    common.setup_torch_threads(torch, threads)
    g = torch.Generator().manual_seed(1)
    a_shape = (k, m) if kind == "AtB" else (m, k)
    b_shape = (n, k) if kind == "ABt" else (k, n)
    a = torch.rand(a_shape, generator=g, dtype=torch.float32) - 0.5
    b = torch.rand(b_shape, generator=g, dtype=torch.float32) - 0.5
    c = torch.zeros((m, n), dtype=torch.float32)
    left = a.t() if kind == "AtB" else a
    right = b.t() if kind == "ABt" else b

    def body():
        torch.matmul(left, right, out=c)

    return body, common.torch_version()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--peer", choices=["numpy", "torch"], default="numpy")
    parser.add_argument("--product", choices=["AB", "AtB", "ABt"], default="AB")
    parser.add_argument("--shape", type=parse_shape, default=(100, 784, 300), metavar="MxKxN")
    args = parser.parse_args()
    common.setup_threads(args.threads)

    m, k, n = args.shape
    case = f"gemm-{args.product}-{m}x{k}x{n}"
    peer = "numpy/OpenBLAS" if args.peer == "numpy" else "torch"
    try:
        if args.peer == "numpy":
            body, version = numpy_body(args.product, m, k, n)
        else:
            body, version = torch_body(args.product, m, k, n, args.threads)
    except ImportError as error:
        common.missing_library(case, peer, args.threads, args.peer, error)

    seconds = common.measure(body, args.runs)
    flops = 2.0 * m * n * k
    common.emit(common.result(
        case, peer, version, args.threads, seconds, work=flops, unit="GFLOP/s",
        rate=flops / common.median(seconds) * 1e-9))


if __name__ == "__main__":
    main()
