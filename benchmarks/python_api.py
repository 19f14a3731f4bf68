#!/usr/bin/env python3
"""The Python package's speed against its peers, interleaved round by round in one process
(make bench-python; make bench-peers runs it too).

Cases (jvi threads=1 unless a row says otherwise; torch, numpy/OpenBLAS and jax limited to one thread):
- step-jvi2-256x64: one training step's JVI-2 value and gradient on a 256 x 64 float32 torch
  tensor that requires grad: forward and backward of jvi.torch.jvi_loss (in-process; its
  threads default to every processor); jvi.value_and_grad alone on the same matrix in float64
  (the library's own work, so that the step minus it is the binding's overhead); the
  subprocess route of the former examples/train_with_jvi.py (the matrix saved as .npy, jvi-eval
  --gradient-weights run, G loaded, the surrogate -(G * logw).sum() back-propagated); and the
  dense JVI-2 in pure PyTorch (every subset of 62 and 63 of the 64 samples gathered, log-mean-exp,
  autograd). The goal: the step's overhead at most 1 ms.
- psis-1000x4000: jvi.psis (1 and 2 threads) against arviz.psislw (goal: at least 5x faster).
- iwae-1000x4000: jvi.iwae against scipy.special.logsumexp(x, axis=1) - log K.
- overhead-1x64: jvi.iwae on one row of 64 (the call's fixed cost) against scipy.

    python benchmarks/python_api.py --jvi-eval .build/release/jvi-eval --rounds 7 --output-dir results/bench/python

Writes python-api.csv (one line per case, peer and round) and python-api.md (medians, spreads and
ratios); prints the table.
"""
import argparse
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))


def timed(body, minimum_seconds=0.2):
    """Seconds per call: one warm-up call, then as many calls as fill `minimum_seconds`."""
    body()
    count, start = 0, time.perf_counter()
    while True:
        body()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= minimum_seconds:
            return elapsed / count


def dense_torch_jvi2(torch, k):
    """The dense JVI-2 of a (N, K) tensor, differentiable by autograd."""
    from jvi_dense import coefficients, subset_indices

    c = coefficients(k, 2)
    index = [torch.from_numpy(subset_indices(k, k - j)) for j in range(3)]

    def jvi2(x):
        total = 0
        for j in range(3):
            subsets = x[:, index[j]]  # N x C(K, j) x (K - j)
            means = torch.logsumexp(subsets, dim=-1) - math.log(k - j)
            total = total + c[j] * means.mean(dim=1)
        return total

    return jvi2


overhead_pair = None


def paired_overhead(pairs=60):
    """The torch step's cost beyond the library's own work: `pairs` interleaved calls of the
    library alone and of the one-thread torch step, each timed once; the difference of the
    medians, and the quartiles of the pairwise differences."""
    library, step = overhead_pair
    a, b = [], []
    for _ in range(pairs):
        for body, out in ((library, a), (step, b)):
            t0 = time.perf_counter()
            body()
            out.append(time.perf_counter() - t0)
    d = np.subtract(b, a)
    return float(np.median(b) - np.median(a)), float(np.percentile(d, 25)), float(np.percentile(d, 75)), \
        float(np.median(a)), float(np.median(b))


def cases(args):
    import scipy.special
    import torch

    import jvi
    import jvi.torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(1)
    out = []

    # One training step on 256 x 64.
    logw = torch.from_numpy((rng.standard_normal((256, 64)) * 2).astype(np.float32)).requires_grad_()

    def in_process():
        logw.grad = None
        jvi.torch.jvi_loss(logw, order=2).backward()

    def in_process_one_thread():
        logw.grad = None
        jvi.torch.jvi_loss(logw, order=2, threads=1).backward()

    folder = tempfile.mkdtemp()
    inputs, weights = os.path.join(folder, "logw.npy"), os.path.join(folder, "g.npy")

    def subprocess_route():
        logw.grad = None
        np.save(inputs, logw.detach().double().numpy())
        subprocess.run([args.jvi_eval, "--input", inputs, "--estimator", "jvi", "--order", "2", "--threads", "1",
                        "--gradient-weights", weights], capture_output=True, check=True)
        g = torch.from_numpy(np.load(weights)).to(logw.dtype)
        (-(g * logw).sum() / 256).backward()

    dense = dense_torch_jvi2(torch, 64)

    def pure_torch():
        logw.grad = None
        (-dense(logw).mean()).backward()

    plain = logw.detach().double().numpy().copy()

    def library_alone():
        jvi.value_and_grad(plain, "jvi", order=2, threads=1)

    global overhead_pair
    overhead_pair = (library_alone, in_process_one_thread)
    out.append(("step-jvi2-256x64", [("jvi.torch in-process", in_process),
                                     ("jvi.torch in-process, 1 thread", in_process_one_thread),
                                     ("jvi.value_and_grad alone (numpy float64, 1 thread)", library_alone),
                                     ("jvi-eval subprocess", subprocess_route),
                                     ("dense JVI-2, pure PyTorch", pure_torch)]))

    big = rng.standard_t(3, size=(1000, 4000)) * 2
    peers = [("jvi.psis", lambda: jvi.psis(big, threads=1)), ("jvi.psis, 2 threads", lambda: jvi.psis(big, threads=2))]
    try:
        import warnings

        warnings.simplefilter("ignore", FutureWarning)
        import arviz

        peers.append(("arviz.psislw " + arviz.__version__, lambda: arviz.psislw(big.copy())))
    except ImportError:
        print("python_api: arviz is not installed; psis has no peer", file=sys.stderr)
    out.append(("psis-1000x4000", peers))

    out.append(("iwae-1000x4000", [
        ("jvi.iwae", lambda: jvi.iwae(big, threads=1)),
        ("scipy.special.logsumexp", lambda: scipy.special.logsumexp(big, axis=1) - math.log(big.shape[1]))]))
    one = big[:1, :64].copy()
    out.append(("overhead-1x64", [
        ("jvi.iwae", lambda: jvi.iwae(one, threads=1)),
        ("scipy.special.logsumexp", lambda: scipy.special.logsumexp(one, axis=1) - math.log(64))]))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jvi-eval", default=".build/release/jvi-eval")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output-dir", default="results/bench/python")
    args = parser.parse_args()
    import jvi

    table = cases(args)
    seconds = {(case, peer): [] for case, peers in table for peer, _ in peers}
    for r in range(args.rounds):
        for case, peers in table:
            for peer, body in peers:
                seconds[(case, peer)].append(timed(body))
        print(f"python_api: round {r + 1} of {args.rounds} done", file=sys.stderr)

    overhead = paired_overhead()
    directory = pathlib.Path(args.output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["case,peer,round,seconds"]
    for (case, peer), values in seconds.items():
        lines += [f"{case},{peer},{i + 1},{v:.9g}" for i, v in enumerate(values)]
    (directory / "python-api.csv.partial").write_text("\n".join(lines) + "\n")
    os.replace(directory / "python-api.csv.partial", directory / "python-api.csv")

    def fmt(s):
        return f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms"

    md = [f"# jvi's Python package against its peers ({args.rounds} interleaved rounds)", "",
          f"jvi {jvi.__version__}, library {jvi.library_version()}; command: "
          f"`python benchmarks/python_api.py --rounds {args.rounds}` (make bench-python).", "",
          "| case | peer | median | spread (min–max) | peer / jvi |", "|---|---|---|---|---|"]
    for case, peers in table:
        base = float(np.median(seconds[(case, peers[0][0])]))
        for peer, _ in peers:
            values = seconds[(case, peer)]
            m = float(np.median(values))
            md.append(f"| {case} | {peer} | {fmt(m)} | {fmt(min(values))}–{fmt(max(values))} | {m / base:.2f} |")
    md += ["", f"Step overhead (60 interleaved pairs, one thread): the torch step {fmt(overhead[4])} against the "
           f"library's own {fmt(overhead[3])}, a difference of {fmt(overhead[0])} (quartiles of the pairwise "
           f"differences {fmt(overhead[1])} to {fmt(overhead[2])})."]
    text = "\n".join(md) + "\n"
    (directory / "python-api.md.partial").write_text(text)
    os.replace(directory / "python-api.md.partial", directory / "python-api.md")
    print(text)


if __name__ == "__main__":
    main()
