#!/usr/bin/env python3
"""Fit a variational Gaussian in JAX by maximising JVI-2, with jvi's exact gradient.

The model: x | z ~ N(z, 1) and z ~ N(0, 1), one observation per instance, so log p(x) =
log N(x; 0, 2) is known exactly. q(z | x) = N(a x, s^2) with a and log s shared by all
instances; the optimum is a = 1/2, s^2 = 1/2, where every bound is tight. jvi.jax.estimate is
a custom_vjp: it runs under jit and grad, its value is jvi's estimate and its gradient jvi's G.

    pip install ./python jax
    python examples/jax_jvi.py
"""
import argparse
import math

import jax
import jax.numpy as jnp
import numpy as np

import jvi.jax


def log_weights(params, x, eps):
    """log p(x, z) - log q(z | x) for z = a x + s eps, one row per instance."""
    a, log_s = params
    z = a * x[:, None] + jnp.exp(log_s) * eps
    log_joint = -0.5 * (x[:, None] - z) ** 2 - 0.5 * z**2 - math.log(2 * math.pi)
    log_q = -0.5 * eps**2 - log_s - 0.5 * math.log(2 * math.pi)
    return log_joint - log_q


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--order", type=int, default=2)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--instances", type=int, default=256)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    x = jnp.asarray(np.random.default_rng(args.seed).normal(size=args.instances) * math.sqrt(2), jnp.float32)
    exact = float(jnp.mean(-0.25 * x**2 - 0.5 * math.log(4 * math.pi)))

    @jax.jit
    def step(params, key):
        eps = jax.random.normal(key, (args.instances, args.k))
        loss, grads = jax.value_and_grad(lambda p: jvi.jax.jvi_loss(log_weights(p, x, eps), order=args.order))(params)
        return tuple(p - args.lr * g for p, g in zip(params, grads)), -loss

    params, key = (jnp.float32(0.0), jnp.float32(0.0)), jax.random.PRNGKey(args.seed)
    for i in range(1, args.steps + 1):
        key, sub = jax.random.split(key)
        params, value = step(params, sub)
        if i % max(1, args.steps // 10) == 0 or i == args.steps:
            print(f"step {i}: JVI-{args.order} {float(value):.4f} (exact mean log p(x) {exact:.4f}); "
                  f"a = {float(params[0]):.3f}, s^2 = {float(jnp.exp(2 * params[1])):.3f}", flush=True)


if __name__ == "__main__":
    main()
