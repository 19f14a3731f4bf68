#!/usr/bin/env python3
"""Train a VAE in PyTorch with jvi's jackknife objective (JVI of any order), in-process.

jvi.torch.jvi_loss(logw, order=m) is -JVI-m averaged over the batch: its forward value is jvi's
estimate and its backward jvi's exact G = d JVI / d log w, so autograd back-propagates JVI's
gradient through log w into both networks. No files and no processes: the matrix goes to
jvi's library (libjvi.so) and back in memory.

    pip install ./python torch        # or: make wheel && pip install dist/jvi-*.whl torch
    python examples/train_with_jvi.py --order 2 --k 16 --steps 200

The model is the default VAE's shape: 784-200-200-(50 + 50) tanh encoder, 50-200-200-784 tanh
decoder, Bernoulli likelihood, N(0, I) prior. Data: Debian's Fashion-MNIST (dynamically
binarised), or random images with --synthetic.
"""
import argparse
import gzip
import math
import os

import numpy as np
import torch
from torch import nn

import jvi.torch

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    for step in range(1, args.steps + 1):
        batch = images[rng.integers(0, len(images), args.batch)]
        x = torch.from_numpy((rng.uniform(size=batch.shape) < batch).astype(np.float32))
        logw = log_weights(encoder, decoder, x, args.k)
        loss = jvi.torch.jvi_loss(logw, order=args.order)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"step {step}: JVI-{args.order} with k = {args.k}: {-loss.item():.3f} nats per image", flush=True)

if __name__ == "__main__":
    main()
