"""Peer of jvi-bench's iwae-n*-k* cases: the IWAE estimate of every row of an N x K float64
log-weight matrix, jax-jit or numpy.

    IWAE_K(row) = log (1/K) Σ_k exp(log w_k) = m + log Σ_k exp(log w_k − m) − log K,  m = max_k log w_k

The matrix is drawn once (untimed) as normal(−90, 1), i.e. log-normal weights, seed 2018, like
the Swift case's SyntheticWeightLaw.logNormal(mu: -90, sigma: 1). Work per run = N·K elements
(unit elements/s; instances/s = N per run is reported too).

    python iwae.py --threads 1 --runs 11 --peer jax --n 1000 --k 1024
"""

from __future__ import annotations

import argparse
import math

import common


def numpy_body(x):
    import numpy as np

    n, k = x.shape
    shifted = np.empty_like(x)
    log_k = math.log(k)

    def body():
        top = x.max(axis=1, keepdims=True)
        np.subtract(x, top, out=shifted)
        np.exp(shifted, out=shifted)
        return np.log(shifted.sum(axis=1)) + top[:, 0] - log_k

    return body, common.numpy_version()


def jax_body(x):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    k = x.shape[1]
    log_k = math.log(k)
    estimate = jax.jit(lambda v: logsumexp(v, axis=1) - log_k)
    device_x = jax.device_put(jnp.asarray(x, dtype=jnp.float64))
    estimate(device_x).block_until_ready()  # compile outside the timing

    def body():
        return estimate(device_x).block_until_ready()

    return body, common.jax_version()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--peer", choices=["jax", "numpy"], default="jax")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--k", type=int, default=1024)
    args = parser.parse_args()
    common.setup_threads(args.threads)

    case = f"iwae-n{args.n}-k{args.k}"
    peer = "jax-jit" if args.peer == "jax" else "numpy"
    try:
        import numpy as np

        x = np.random.default_rng(2018).normal(-90.0, 1.0, (args.n, args.k))
        body, version = jax_body(x) if args.peer == "jax" else numpy_body(x)
    except ImportError as error:
        common.missing_library(case, peer, args.threads, args.peer, error)

    seconds = common.measure(body, args.runs)
    mid = common.median(seconds)
    elements = float(args.n * args.k)
    common.emit(common.result(
        case, peer, version, args.threads, seconds, work=elements, unit="elements/s",
        rate=elements / mid, instances=args.n, instances_per_s=args.n / mid,
        mean_estimate=float(np.mean(np.asarray(body())))))


if __name__ == "__main__":
    main()
