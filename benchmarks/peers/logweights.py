"""Peer of jvi-bench's logweights-n1000-k5000 case: the evaluation log-weights of the default VAE,
1,000 test images x K = 5,000 samples each, in torch or jax (float32 network).

Per image x (binarised once with a fixed seed): encode once to μ, log σ² (784-200-200-100 tanh);
then, in chunks of --chunk samples, ε ~ N(0, I), z = μ + σ·ε, decode (50-200-200-784 tanh) to
logits ℓ and

    log w = −Σ softplus((1−2x)·ℓ) + log N(z; 0, I) − log N(z; μ, σ²).

The result is kept as a 1000 x 5000 float64 matrix. The weights are random Glorot-uniform (the
speed does not depend on their values; jvi-bench's case also uses a freshly initialised model).
Warm-up: 20 images; then --runs timed runs over all images. Work = images·K samples per run
(unit samples/s).

    python logweights.py --threads 2 --runs 1 --peer torch
"""

from __future__ import annotations

import argparse

import common


def torch_runner(x, layers, k: int, chunk: int, seed: int, threads: int):
    import torch

    common.setup_torch_threads(torch, threads)
    d = common.LATENT
    enc = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in layers[0]]
    dec = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in layers[1]]
    images = torch.from_numpy(x)
    log_two_pi = common.LOG_TWO_PI

    def mlp(params, h):
        for i, (w, b) in enumerate(params):
            h = torch.addmm(b, h, w)
            if i < len(params) - 1:
                h = torch.tanh(h)
        return h

    @torch.inference_mode()
    def run(count: int):
        torch.manual_seed(seed)
        out = torch.empty(count, k, dtype=torch.float64)
        encoded = mlp(enc, images[:count])
        mu, logvar = encoded[:, :d], encoded[:, d:]
        sigma = torch.exp(0.5 * logvar)
        for i in range(count):
            sign = 1 - 2 * images[i]
            log_q_const = -0.5 * (d * log_two_pi + float(logvar[i].sum()))
            for first in range(0, k, chunk):
                rows = min(chunk, k - first)
                eps = torch.randn(rows, d)
                z = mu[i] + sigma[i] * eps
                logits = mlp(dec, z)
                log_px = -torch.nn.functional.softplus(sign * logits).sum(1)
                log_pz = -0.5 * (z.square().sum(1) + d * log_two_pi)
                log_qz = -0.5 * eps.square().sum(1) + log_q_const
                out[i, first:first + rows] = log_px + log_pz - log_qz
        return out.numpy()

    return run, common.torch_version()


def jax_runner(x, layers, k: int, chunk: int, seed: int, threads: int):
    import jax
    import jax.numpy as jnp
    import numpy as np

    if k % chunk:
        raise SystemExit(f"jax: K = {k} must be a multiple of --chunk {chunk}")
    d = common.LATENT
    log_two_pi = common.LOG_TWO_PI
    params = jax.tree_util.tree_map(jnp.asarray, layers)
    images = jnp.asarray(x)

    def mlp(ps, h):
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i < len(ps) - 1:
                h = jnp.tanh(h)
        return h

    @jax.jit
    def encode(ps, xs):
        out = mlp(ps[0], xs)
        return out[:, :d], out[:, d:]

    @jax.jit
    def image_log_weights(ps, xi, mu, logvar, key):
        sigma = jnp.exp(0.5 * logvar)
        sign = 1 - 2 * xi
        log_q_const = -0.5 * (d * log_two_pi + logvar.sum())

        def one_chunk(chunk_key):
            eps = jax.random.normal(chunk_key, (chunk, d), dtype=jnp.float32)
            z = mu + sigma * eps
            logits = mlp(ps[1], z)
            log_px = -jax.nn.softplus(sign * logits).sum(1)
            log_pz = -0.5 * (jnp.sum(z * z, 1) + d * log_two_pi)
            log_qz = -0.5 * jnp.sum(eps * eps, 1) + log_q_const
            return log_px + log_pz - log_qz

        # Chunks one after another (bounded memory, as in the torch and Swift versions).
        return jax.lax.map(one_chunk, jax.random.split(key, k // chunk)).reshape(k)

    base = jax.random.PRNGKey(seed)

    def run(count: int):
        out = np.empty((count, k), dtype=np.float64)
        mu, logvar = encode(params, images[:count])
        for i in range(count):
            out[i] = np.asarray(image_log_weights(params, images[i], mu[i], logvar[i], jax.random.fold_in(base, i)))
        return out

    return run, common.jax_version()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--peer", choices=["torch", "jax"], default="torch")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--warm-up-images", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=common.FASHION_MNIST_DIR)
    args = parser.parse_args()
    common.setup_threads(args.threads)

    case = f"logweights-n{args.images}-k{args.k}"
    peer = "jax-jit" if args.peer == "jax" else "torch"
    try:
        import numpy as np

        pixels = common.load_images("t10k", args.data, limit=args.images)
        x = common.binarize_fixed(pixels, seed=2018)
        layers = [common.glorot_layers(sizes, np.random.default_rng(args.seed + i))
                  for i, sizes in enumerate((common.ENCODER_SIZES, common.DECODER_SIZES))]
        make = jax_runner if args.peer == "jax" else torch_runner
        run, version = make(x, layers, args.k, args.chunk, args.seed, args.threads)
    except ImportError as error:
        common.missing_library(case, peer, args.threads, args.peer, error)

    run(min(args.warm_up_images, args.images))
    result = None

    def body():
        nonlocal result
        result = run(args.images)

    seconds = common.measure_long(body, args.runs)
    samples = float(args.images * args.k)
    assert result.dtype == np.float64 and result.shape == (args.images, args.k)
    common.emit(common.result(
        case, peer, version, args.threads, seconds, work=samples, unit="samples/s",
        rate=samples / common.median(seconds), mean_log_weight=float(result.mean())))


if __name__ == "__main__":
    main()
