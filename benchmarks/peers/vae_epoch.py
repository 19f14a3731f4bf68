"""Peer of jvi-bench's epoch-<objective>-k<k> cases: one training epoch of the project's default
VAE on binarised Fashion-MNIST, in torch or jax (float32).

Model (Burda et al.'s one-stochastic-layer VAE, as VAEArchitecture's default):
  encoder 784-200-200-100, tanh between layers; output = mean μ (50) | log-variance (50)
  decoder 50-200-200-784, tanh between layers; output = Bernoulli logits ℓ
  prior N(0, I); z = μ + exp(½ logvar)·ε, ε ~ N(0, I), k samples per image
  log w = log p(x|z) + log N(z; 0, I) − log N(z; μ, σ²),  log p(x|z) = −Σ_pixels softplus((1−2x)·ℓ)
Objectives: elbo (k = 1): loss = −mean_n log w_n;
            iwae (k):     loss = −mean_n [logsumexp_s log w_ns − log k]
The decoder runs on batch·k rows. Glorot-uniform weights, zero biases, Adam (lr 1e-3, betas
0.9/0.999, eps 1e-8), batch 100. Each epoch draws a new binarisation of the training images
(x = uniform < grey level) and a new shuffle, both from fixed seeds; both are inside the timed
epoch, as they are inside jvi's Trainer.trainEpoch.

Timing: one warm-up epoch on 2,000 images with a separate model (jax: the whole train step is one
jit, compiled here), then --runs full epochs of a fresh model, each timed. Work = images per
epoch (unit images/s). The epoch's mean training objective goes to stderr as a sanity check.

    python vae_epoch.py --threads 1 --runs 1 --peer torch --objective iwae --k 5
"""

from __future__ import annotations

import argparse
import math
import time

import common

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


# --------------------------------------------------------------------------------------------
# torch


def torch_trainer(pixels, objective: str, k: int, batch: int, lr: float, seed: int, threads: int):
    """Returns (make_model, run_epoch) for torch."""
    import torch
    from torch import nn

    common.setup_torch_threads(torch, threads)
    data = torch.from_numpy(pixels)
    log_two_pi = common.LOG_TWO_PI
    d = common.LATENT

    def mlp(sizes):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(a, b)
            nn.init.xavier_uniform_(linear.weight)
            nn.init.zeros_(linear.bias)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(nn.Tanh())
        return nn.Sequential(*layers)

    def make_model(model_seed: int):
        torch.manual_seed(model_seed)
        encoder, decoder = mlp(common.ENCODER_SIZES), mlp(common.DECODER_SIZES)
        params = list(encoder.parameters()) + list(decoder.parameters())
        optimizer = torch.optim.Adam(params, lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS)
        return encoder, decoder, optimizer

    def objective_of(encoder, decoder, x):
        out = encoder(x)
        mu, logvar = out[:, :d], out[:, d:]
        eps = torch.randn(x.shape[0], k, d)
        z = mu.unsqueeze(1) + torch.exp(0.5 * logvar).unsqueeze(1) * eps          # B x k x d
        logits = decoder(z.reshape(-1, d)).reshape(x.shape[0], k, -1)           # B x k x 784
        log_px = -nn.functional.softplus((1 - 2 * x).unsqueeze(1) * logits).sum(-1)
        log_pz = -0.5 * (z.pow(2).sum(-1) + d * log_two_pi)
        log_qz = -0.5 * (eps.pow(2).sum(-1) + d * log_two_pi + logvar.sum(-1, keepdim=True))
        log_w = log_px + log_pz - log_qz                                          # B x k
        if objective == "elbo":
            return log_w.mean(1)
        return torch.logsumexp(log_w, dim=1) - math.log(k)

    def run_epoch(model, images: int, epoch: int) -> float:
        encoder, decoder, optimizer = model
        g = torch.Generator().manual_seed(seed * 100_003 + epoch)
        x_all = (torch.rand(images, data.shape[1], generator=g) < data[:images]).float()
        order = torch.randperm(images, generator=g)
        total = torch.zeros(())
        for first in range(0, images, batch):
            x = x_all[order[first:first + batch]]
            value = objective_of(encoder, decoder, x)
            loss = -value.mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += value.detach().sum()
        return float(total) / images

    return make_model, run_epoch, common.torch_version()


# --------------------------------------------------------------------------------------------
# jax


def jax_trainer(pixels, objective: str, k: int, batch: int, lr: float, seed: int, threads: int):
    """Returns (make_model, run_epoch) for jax; the train step is one jit."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.scipy.special import logsumexp

    data = jax.device_put(jnp.asarray(pixels))
    d = common.LATENT
    log_two_pi = common.LOG_TWO_PI
    b1, b2 = ADAM_BETAS

    def mlp(params, h):
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jnp.tanh(h)
        return h

    def objective_of(params, x, key):
        encoder, decoder = params
        out = mlp(encoder, x)
        mu, logvar = out[:, :d], out[:, d:]
        eps = jax.random.normal(key, (x.shape[0], k, d), dtype=jnp.float32)
        z = mu[:, None, :] + jnp.exp(0.5 * logvar)[:, None, :] * eps
        logits = mlp(decoder, z.reshape(-1, d)).reshape(x.shape[0], k, -1)
        log_px = -jax.nn.softplus((1 - 2 * x)[:, None, :] * logits).sum(-1)
        log_pz = -0.5 * (jnp.sum(z * z, -1) + d * log_two_pi)
        log_qz = -0.5 * (jnp.sum(eps * eps, -1) + d * log_two_pi + logvar.sum(-1, keepdims=True))
        log_w = log_px + log_pz - log_qz
        if objective == "elbo":
            return log_w.mean(1)
        return logsumexp(log_w, axis=1) - math.log(k)

    def loss_fn(params, x, key):
        value = objective_of(params, x, key)
        return -value.mean(), value.sum()

    @jax.jit
    def binarize(key):
        return (jax.random.uniform(key, data.shape, dtype=jnp.float32) < data).astype(jnp.float32)

    def train_step(params, m, v, step, x_all, order, first, key):
        idx = jax.lax.dynamic_slice(order, (first,), (batch,))
        x = x_all[idx]
        (_, value_sum), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, x, jax.random.fold_in(key, step))
        step = step + 1
        t = step.astype(jnp.float32)
        m = jax.tree_util.tree_map(lambda a, g: b1 * a + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda a, g: b2 * a + (1 - b2) * g * g, v, grads)
        scale = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        # p − lr·m̂/(√v̂ + eps), with the bias corrections folded into the step and eps.
        params = jax.tree_util.tree_map(
            lambda p, a, s: p - scale * a / (jnp.sqrt(s) + ADAM_EPS * jnp.sqrt(1 - b2 ** t)), params, m, v)
        return params, m, v, step, value_sum

    step_fn = jax.jit(train_step, donate_argnums=(0, 1, 2))

    def make_model(model_seed: int):
        rng = np.random.default_rng(model_seed)
        params = tuple(
            tuple((jnp.asarray(w), jnp.asarray(b)) for w, b in common.glorot_layers(sizes, rng))
            for sizes in (common.ENCODER_SIZES, common.DECODER_SIZES))
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return {"params": params, "m": zeros, "v": jax.tree_util.tree_map(jnp.zeros_like, params),
                "step": jnp.zeros((), jnp.int32)}

    def run_epoch(state, images: int, epoch: int) -> float:
        epoch_key = jax.random.fold_in(jax.random.PRNGKey(seed), epoch)
        x_all = binarize(jax.random.fold_in(epoch_key, 0))
        # A permutation of the first `images` rows, padded to a fixed length so that a warm-up
        # on fewer images compiles the same train step as the full epoch.
        order = np.zeros(data.shape[0], dtype=np.int32)
        order[:images] = np.random.default_rng([seed, epoch]).permutation(images)
        order = jnp.asarray(order)
        noise_key = jax.random.fold_in(epoch_key, 1)
        params, m, v, step = state["params"], state["m"], state["v"], state["step"]
        sums = []
        for first in range(0, images, batch):
            params, m, v, step, value_sum = step_fn(params, m, v, step, x_all, order, first, noise_key)
            sums.append(value_sum)
        jax.block_until_ready(params)
        state.update(params=params, m=m, v=v, step=step)
        return float(sum(float(s) for s in sums)) / images

    return make_model, run_epoch, common.jax_version()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="timed epochs")
    parser.add_argument("--peer", choices=["torch", "jax"], default="torch")
    parser.add_argument("--objective", choices=["elbo", "iwae"], default="iwae")
    parser.add_argument("--k", type=int, default=None, help="samples per image (elbo: 1, iwae: 5)")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images (smoke tests)")
    parser.add_argument("--warm-up-images", type=int, default=2000)
    parser.add_argument("--data", default=common.FASHION_MNIST_DIR)
    args = parser.parse_args()
    common.setup_threads(args.threads)

    k = args.k if args.k is not None else (1 if args.objective == "elbo" else 5)
    if args.objective == "elbo" and k != 1:
        parser.error("the elbo objective uses k = 1")
    case = f"epoch-{'elbo-a' if args.objective == 'elbo' else 'iwae'}-k{k}"
    peer = "jax-jit" if args.peer == "jax" else "torch"
    try:
        import numpy  # noqa: F401
        pixels = common.load_images("train", args.data)
        make = jax_trainer if args.peer == "jax" else torch_trainer
        make_model, run_epoch, version = make(pixels, args.objective, k, args.batch, args.lr, args.seed, args.threads)
    except ImportError as error:
        common.missing_library(case, peer, args.threads, args.peer, error)

    images = pixels.shape[0] if args.limit is None else min(args.limit, pixels.shape[0])
    warm = min(args.warm_up_images, images)
    for count in (images, warm):
        if count % args.batch:
            parser.error(f"{count} images is not a multiple of the batch size {args.batch}")

    t0 = time.perf_counter()
    run_epoch(make_model(args.seed + 1), warm, epoch=0)
    common.log(f"{case} {peer} T={args.threads}: warm-up epoch on {warm} images {time.perf_counter() - t0:.2f} s")
    model = make_model(args.seed)
    seconds, objective = [], float("nan")
    for epoch in range(1, args.runs + 1):
        t0 = time.perf_counter()
        objective = run_epoch(model, images, epoch)
        seconds.append(time.perf_counter() - t0)
    common.log(f"{case} {peer} T={args.threads}: mean training objective over the last timed epoch "
               f"({images} images) = {objective:.3f} nats")
    seconds.sort()
    common.emit(common.result(
        case, peer, version, args.threads, seconds, work=float(images), unit="images/s",
        rate=images / common.median(seconds), objective=args.objective, k=k, images=images,
        mean_objective=objective))


if __name__ == "__main__":
    main()
