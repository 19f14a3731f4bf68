#!/usr/bin/env python3
"""Train a VAE in PyTorch with jvi's jackknife objective (JVI of any order).

jvi-eval computes the estimate and its exact derivatives G[n, i] = d JVI_n / d log w[n, i]
(`--gradient-weights`); the loop here turns them into a loss, -(G * logw).sum() / batch, with G
held constant, so autograd back-propagates JVI's gradient through log w into both networks.

    python examples/train_with_jvi.py --jvi-eval .build/release/jvi-eval --order 2 --k 16 --steps 200

The model is the default VAE's shape: 784-200-200-(50 + 50) tanh encoder, 50-200-200-784 tanh
decoder, Bernoulli likelihood, N(0, I) prior. Data: Debian's Fashion-MNIST (dynamically
binarised), or random images with --synthetic. Each step writes the batch's log-weights to a
.npy file and runs jvi-eval once: simple, and fast enough for a demonstration.
"""
import argparse
import gzip
import math
import os
import subprocess
import tempfile

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def load_images(synthetic: bool, rng: np.random.Generator) -> np.ndarray:
    """Grey levels in [0, 1], one image per row."""
    if synthetic or not os.path.exists(DATA):
        return rng.uniform(size=(1000, 784)).astype(np.float32)
    with gzip.open(DATA, "rb") as f:
        raw = f.read()
    count = int.from_bytes(raw[4:8], "big")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, 784).astype(np.float32) / 255


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


def log_weights(encoder, decoder, x, k):
    """log w = log p(x | z) + log N(z; 0, I) - log N(z; mu, sigma^2) for k samples per image."""
    h = encoder(x)
    mu, log_var = h[:, :50], h[:, 50:]
    eps = torch.randn(x.shape[0], k, 50)
    z = mu[:, None, :] + torch.exp(0.5 * log_var)[:, None, :] * eps
    logits = decoder(z)
    log_lik = -nn.functional.binary_cross_entropy_with_logits(
        logits, x[:, None, :].expand_as(logits), reduction="none").sum(-1)
    log_prior = -0.5 * (z ** 2).sum(-1) - 25 * math.log(2 * math.pi)
    log_q = -0.5 * (eps ** 2).sum(-1) - 0.5 * log_var.sum(-1)[:, None] - 25 * math.log(2 * math.pi)
    return log_lik + log_prior - log_q


def jvi_gradient_weights(jvi_eval, logw, order, folder):
    """JVI of `order` per image (the summary's mean) and G = d JVI / d log w, from jvi-eval."""
    inputs, weights = os.path.join(folder, "logw.npy"), os.path.join(folder, "g.npy")
    np.save(inputs, logw.detach().double().numpy())
    run = subprocess.run(
        [jvi_eval, "--input", inputs, "--estimator", "jvi", "--order", str(order), "--gradient-weights", weights],
        capture_output=True, text=True, check=True)
    mean = float(run.stdout.strip().splitlines()[1].split(",")[4])
    return mean, torch.from_numpy(np.load(weights)).to(logw.dtype)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jvi-eval", default=".build/release/jvi-eval")
    parser.add_argument("--order", type=int, default=2)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic", action="store_true", help="random images instead of Fashion-MNIST")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images = load_images(args.synthetic, rng)
    encoder, decoder = mlp([784, 200, 200, 100]), mlp([50, 200, 200, 784])
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=args.lr)
    with tempfile.TemporaryDirectory() as folder:
        for step in range(1, args.steps + 1):
            batch = images[rng.integers(0, len(images), args.batch)]
            x = torch.from_numpy((rng.uniform(size=batch.shape) < batch).astype(np.float32))
            logw = log_weights(encoder, decoder, x, args.k)
            estimate, g = jvi_gradient_weights(args.jvi_eval, logw, args.order, folder)
            loss = -(g * logw).sum() / args.batch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            print(f"step {step}: JVI-{args.order} with k = {args.k}: {estimate:.3f} nats per image", flush=True)


if __name__ == "__main__":
    main()
