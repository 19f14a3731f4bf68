"""Peer of `jvi-ais --instances 1000 --chains 1 --temperatures 100 --leapfrog 10 --pilot-chains 0
--step-size 0.05 --start prior`: Hamiltonian AIS in PyTorch, all rows in lockstep.

Target for a binarised image x: γ(z) = N(z; 0, I) · Π_j Bernoulli(x_j | σ(ℓ_j(z))), ℓ the decoder
50-200-200-784 tanh. Base π₀ = the prior N(0, I). Geometric path f_β = π₀^(1−β) γ^β, so
log f_β(z) = log N(z; 0, I) + β·log p(x|z) and ∇ log f_β = −z + β ∇ log p(x|z).

Schedule (sigmoidal, δ = 4): β̃_t = σ(δ(2t/T − 1)), β_t = (β̃_t − β̃_0)/(β̃_T − β̃_0), t = 0 … T.
Forward AIS, as in AnnealedImportanceSampler.run and HamiltonianChains.transition:
    z ~ N(0, I); log w = 0
    for t = 1 … T:
        log w += (β_t − β_{t−1}) · (log p(x, z) − log π₀(z)) = (β_t − β_{t−1}) · log p(x|z)
        if t < T: one HMC transition at β_t: p ~ N(0, I); half kick; L × (drift, kick), the last
                  kick a half; accept with probability min(1, exp(H₀ − H₁)) per row (a
                  non-finite H₁ is rejected).
Fixed step size ε (no pilot chains). One torch.autograd.grad per leapfrog step for the whole
batch; the gradient at the current z is kept, so a run costs 1 + (T − 1)·L gradient evaluations.
The AIS estimate of log p(x) with one chain is log w; the mean over rows is printed.

The decoder has random Glorot-uniform weights (fixed seed): the throughput does not depend on
their values (acceptance rates differ from a trained model's, the arithmetic does not). With
--model-file and --data-file it is instead a user's VAE (a jvi model file: its decoder's layers and
activations, Bernoulli likelihood) on the rows of a .npy as given, the case of jvi-ais --model
FILE --data FILE.npy. The
driver times this script as a whole process (imports and data loading included); the JSON line
also carries the in-process seconds of the AIS loop and of the whole script.

    python ais.py --threads 1 --rows 1000 --temperatures 100 --leapfrog 10 --dtype float32
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()

import argparse  # noqa: E402
import math  # noqa: E402

import common  # noqa: E402


def sigmoidal_schedule(steps: int, steepness: float = 4.0) -> list[float]:
    """β_0 … β_T, exactly 0 and 1 at the ends (AnnealingSchedule.sigmoidal)."""
    def s(i: int) -> float:
        return 1.0 / (1.0 + math.exp(-steepness * (2.0 * i / steps - 1.0)))

    low, high = s(0), s(steps)
    return [0.0] + [(s(i) - low) / (high - low) for i in range(1, steps)] + [1.0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=1000, help="test images, one chain each")
    parser.add_argument("--temperatures", type=int, default=100)
    parser.add_argument("--leapfrog", type=int, default=10)
    parser.add_argument("--step-size", type=float, default=0.05)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=common.FASHION_MNIST_DIR)
    parser.add_argument("--model-file", help="a jvi model file (safetensors): its decoder instead of random weights")
    parser.add_argument("--data-file", help="with --model-file: a .npy of observations, evaluated as given")
    args = parser.parse_args()
    if args.rows < 1 or args.temperatures < 1 or args.leapfrog < 1 or not 0 < args.step_size <= 10:
        parser.error("--rows, --temperatures and --leapfrog must be at least 1, --step-size in (0, 10]")
    common.setup_threads(args.threads)

    case = f"ais-{'user-' if args.model_file else ''}n{args.rows}-t{args.temperatures}-l{args.leapfrog}"
    peer = f"torch {args.dtype}"
    try:
        import numpy as np
        import torch
    except ImportError as error:
        common.missing_library(case, peer, args.threads, "torch", error)
    common.setup_torch_threads(torch, args.threads)
    dtype = getattr(torch, args.dtype)

    if args.model_file:
        x = torch.from_numpy(np.load(args.data_file)[:args.rows].reshape(args.rows, -1)).to(dtype)
        decoder, activations, d = common.model_file_decoder(args.model_file)
        layers = [(torch.from_numpy(w).to(dtype), torch.from_numpy(b).to(dtype)) for w, b in decoder]
    else:
        pixels = common.load_images("t10k", args.data, limit=args.rows)
        x = torch.from_numpy(common.binarize_fixed(pixels, seed=2018)).to(dtype)
        layers = [(torch.from_numpy(w).to(dtype), torch.from_numpy(b).to(dtype))
                  for w, b in common.glorot_layers(common.DECODER_SIZES, np.random.default_rng(args.seed))]
        activations, d = ["tanh"] * (len(layers) - 1), common.LATENT
    sign = 1 - 2 * x                                                # softplus((1−2x)ℓ) = −log p(x_j|ℓ_j)
    log_two_pi = common.LOG_TWO_PI
    functions = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "identity": lambda h: h,
                 "softplus": torch.nn.functional.softplus, "elu": torch.nn.functional.elu,
                 "leaky-relu": torch.nn.functional.leaky_relu}

    def log_likelihood(z):
        h = z
        for i, (w, b) in enumerate(layers):
            h = torch.addmm(b, h, w)
            if i < len(layers) - 1:
                h = functions[activations[i]](h)
        return -torch.nn.functional.softplus(sign * h).sum(1)

    def evaluate(z):
        """log p(x|z) per row and its gradient in z: one forward, one autograd.grad."""
        z = z.detach().requires_grad_(True)
        with torch.enable_grad():
            value = log_likelihood(z)
            (grad,) = torch.autograd.grad(value.sum(), z)
        return value.detach(), grad

    def log_prior(z):
        return -0.5 * (z.square().sum(1) + d * log_two_pi)

    betas = sigmoidal_schedule(args.temperatures)
    eps, steps = args.step_size, args.leapfrog
    generator = torch.Generator().manual_seed(args.seed)

    start = time.perf_counter()
    with torch.no_grad():
        z = torch.randn(args.rows, d, generator=generator, dtype=dtype)
        ll, grad = evaluate(z)
        log_w = torch.zeros(args.rows, dtype=torch.float64)
        accepted = 0.0
        for t in range(1, args.temperatures + 1):
            log_w += (betas[t] - betas[t - 1]) * ll.to(torch.float64)
            if t == args.temperatures:
                break
            beta = betas[t]
            momentum = torch.randn(args.rows, d, generator=generator, dtype=dtype)
            start_energy = -(log_prior(z) + beta * ll) + 0.5 * momentum.square().sum(1)
            momentum = momentum + (0.5 * eps) * (beta * grad - z)
            head = z
            for step in range(steps):
                head = head + eps * momentum
                head_ll, head_grad = evaluate(head)
                fraction = 0.5 if step == steps - 1 else 1.0
                momentum = momentum + (fraction * eps) * (beta * head_grad - head)
            energy = -(log_prior(head) + beta * head_ll) + 0.5 * momentum.square().sum(1)
            log_ratio = start_energy - energy
            alpha = torch.exp(torch.clamp(log_ratio, max=0.0))          # NaN stays NaN: rejected below
            u = torch.rand(args.rows, generator=generator, dtype=dtype)
            accept = (u < alpha) & torch.isfinite(energy)
            accepted += float(accept.sum())
            z = torch.where(accept[:, None], head, z)
            ll = torch.where(accept, head_ll, ll)
            grad = torch.where(accept[:, None], head_grad, grad)
    seconds = time.perf_counter() - start

    transitions = max(args.temperatures - 1, 1)
    estimate = float(log_w.mean())
    common.log(f"{case} {peer} T={args.threads}: mean AIS log p(x) = {estimate:.3f} nats, "
               f"acceptance {accepted / (transitions * args.rows):.3f}, AIS loop {seconds:.2f} s")
    common.emit(common.result(
        case, peer, common.torch_version(), args.threads, [seconds], work=float(args.rows), unit="images/s",
        rate=args.rows / seconds, mean_log_px=estimate, acceptance=accepted / (transitions * args.rows),
        gradient_evaluations=1 + (args.temperatures - 1) * args.leapfrog,
        process_seconds=time.perf_counter() - PROCESS_START))


if __name__ == "__main__":
    main()
