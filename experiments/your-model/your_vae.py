"""Evaluating your own VAE with jvi, end to end, from PyTorch.

1. Train a VAE that jvi did not write: ReLU, 784-512-256-(2x16) encoder, 16-256-512-784 decoder,
   Bernoulli logits, ELBO, a few epochs on dynamically binarised Fashion-MNIST (PyTorch, float32).
2. Export it with jvi.torch.save_vae, and the first test images, binarised once, as a .npy.
3. Check jvi against PyTorch on the same images: log w draw by draw with PyTorch's ε passed to
   jvi (jvi.model_log_weights), the law of jvi's own draws (mean log w and IWAE-5000 per image
   within Monte Carlo error), and jvi-ais's AIS against PyTorch's IWAE-5000.
4. Run jvi's AIS, BDMC (on data simulated from the model) and a K-sweep of every estimator
   against the AIS reference (experiments/your-model/your-model.experiment).

    make your-model      (or: python experiments/your-model/your_vae.py --jvi-bin .build/release)

Writes results/models/your-vae.safetensors, results/your-model/test-images.npy (both rebuilt by
this script, not committed), results/your-model/{agreement.csv,ais.csv,bdmc.csv,summary.md} and
the sweep's results/your-model/<run>.{csv,svg,...}. Seeds fix everything; PyTorch runs on
--threads threads with deterministic algorithms.
"""
import argparse
import csv
import gzip
import math
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
import jvi  # noqa: E402  (model_log_weights)
import jvi.torch  # noqa: E402  (save_vae)

LATENT = 16


def load_images(directory, name):
    """An MNIST-format IDX image file (gzip or plain) as an N x 784 uint8 array."""
    path = pathlib.Path(directory) / f"{name}-images-idx3-ubyte"
    path = path.with_name(path.name + ".gz") if path.with_name(path.name + ".gz").exists() else path
    data = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    count, rows, columns = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * columns)


def make_vae():
    encoder = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 2 * LATENT))
    decoder = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))
    return encoder, decoder


def log_weights_given(mu, logvar, decoder, x, eps):
    """log w for the encoder's mu, logvar (N, d) and eps (N, K, d): z = mu + sigma * eps, float32
    network, float64 sums, as jvi computes them."""
    e = torch.as_tensor(eps, dtype=torch.float32)
    z = mu[:, None] + torch.exp(0.5 * logvar)[:, None] * e
    logits = decoder(z)
    ll = -nn.functional.binary_cross_entropy_with_logits(
        logits, x[:, None].expand_as(logits), reduction="none").double().sum(-1)
    log_prior = -0.5 * (z.double().square().sum(-1) + LATENT * math.log(2 * math.pi))
    log_q = -0.5 * (e.double().square().sum(-1) + LATENT * math.log(2 * math.pi)) \
        - 0.5 * logvar.double().sum(-1)[:, None]
    return (ll + log_prior - log_q).numpy()


def log_weights(encoder, decoder, x, k, generator, chunk=500):
    """k log-weights per row of x with PyTorch's own draws, image by image in chunks of samples."""
    out = np.empty((x.shape[0], k))
    with torch.no_grad():
        h = encoder(x)
        mu, logvar = h[:, :LATENT], h[:, LATENT:]
        for i in range(x.shape[0]):
            for start in range(0, k, chunk):
                m = min(chunk, k - start)
                eps = torch.randn(m, LATENT, generator=generator)
                out[i, start:start + m] = log_weights_given(
                    mu[i:i + 1], logvar[i:i + 1], decoder, x[i:i + 1], eps[None])[0]
    return out


def log_weights_with_noise(encoder, decoder, x, eps):
    """log w for the given eps (N, K, d)."""
    with torch.no_grad():
        h = encoder(x)
        return log_weights_given(h[:, :LATENT], h[:, LATENT:], decoder, x, eps)


def train(args, train_images):
    torch.manual_seed(args.seed)
    encoder, decoder = make_vae()
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    pixels = torch.from_numpy(train_images.astype(np.float32) / 255)
    for epoch in range(1, args.epochs + 1):
        start, total = time.perf_counter(), 0.0
        order = torch.randperm(pixels.shape[0], generator=generator)
        for first in range(0, pixels.shape[0], args.batch):
            batch = pixels[order[first:first + args.batch]]
            x = (torch.rand(batch.shape, generator=generator) < batch).float()   # dynamic binarisation
            h = encoder(x)
            mu, logvar = h[:, :LATENT], h[:, LATENT:]
            z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
            ll = -nn.functional.binary_cross_entropy_with_logits(decoder(z), x, reduction="none").sum(1)
            kl = 0.5 * (mu.square() + logvar.exp() - 1 - logvar).sum(1)
            loss = -(ll - kl).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss) * x.shape[0]
        print(f"epoch {epoch}/{args.epochs}: ELBO {-total / pixels.shape[0]:.2f} nats, "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    return encoder.eval(), decoder.eval()


def run(command):
    print("$ " + " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=ROOT)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jvi-bin", default=str(ROOT / ".build" / "release"), help="folder of jvi-eval, jvi-ais, jvi-sweep")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--check-images", type=int, default=100, help="images of the PyTorch agreement checks")
    parser.add_argument("--samples", type=int, default=5000, help="K of the IWAE comparison")
    parser.add_argument("--run-id", default=None, help="the sweep's run id (default: jvi-sweep's timestamp)")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    tool = lambda name: pathlib.Path(args.jvi_bin) / name  # noqa: E731
    model = ROOT / "results" / "models" / "your-vae.safetensors"
    out = ROOT / "results" / "your-model"
    out.mkdir(parents=True, exist_ok=True)
    model.parent.mkdir(parents=True, exist_ok=True)

    # 1-2. Train, export, and binarise the first 1,000 test images once.
    encoder, decoder = train(args, load_images(args.data, "train"))
    jvi.torch.save_vae(encoder, decoder, model)
    test = load_images(args.data, "t10k")[:1000]
    rng = np.random.default_rng(args.seed)
    images = (rng.random(test.shape) * 255 < test).astype(np.uint8)
    np.save(out / "test-images.npy", images)
    n = args.check_images
    np.save(out / "check-images.npy", images[:n])
    print(f"wrote {model} and {out / 'test-images.npy'}", flush=True)

    # 3. The same images through PyTorch and through jvi.
    k = args.samples
    theirs = log_weights(encoder, decoder, torch.from_numpy(images[:n].astype(np.float32)), k,
                         torch.Generator().manual_seed(args.seed + 1))
    logw = out / "check-logw.npy"
    run([tool("jvi-eval"), "--model", model, "--data", out / "check-images.npy", "--samples", k,
         "--save-logw", logw, "--estimator", "iwae", "--output", out / "check-eval.csv"])
    ours = np.load(logw)
    # The same eps on both sides: jvi.model_log_weights takes PyTorch's draws.
    eps = np.random.default_rng(args.seed + 2).standard_normal((n, 50, LATENT))
    same_eps_jvi = jvi.model_log_weights(model, images[:n], noise=eps)
    same_eps_torch = log_weights_with_noise(encoder, decoder, torch.from_numpy(images[:n].astype(np.float32)), eps)
    same_eps = np.abs(same_eps_jvi - same_eps_torch)
    start = time.perf_counter()
    run([tool("jvi-ais"), "--model", model, "--data", out / "check-images.npy", "--instances", n, "--chains", 4,
         "--temperatures", 1000, "--start", "proposal", "--leapfrog", 5, "--output", out / "ais.csv"])
    ais_seconds = time.perf_counter() - start
    ais = np.array([float(r["lower"]) for r in read_csv(out / "ais.csv")])
    ais_se = np.array([float(r["lower_se"]) for r in read_csv(out / "ais.csv")])

    def iwae(w):
        top = w.max(axis=1, keepdims=True)
        ratio = np.exp(w - top)
        return top[:, 0] + np.log(ratio.mean(axis=1)), ratio.std(axis=1, ddof=1) / ratio.mean(axis=1) / math.sqrt(k)

    rows = []
    (iwae_ours, se_ours), (iwae_theirs, se_theirs) = iwae(ours), iwae(theirs)
    for i in range(n):
        rows.append({
            "instance": i,
            "elbo_jvi": ours[i].mean(), "elbo_jvi_se": ours[i].std(ddof=1) / math.sqrt(k),
            "elbo_torch": theirs[i].mean(), "elbo_torch_se": theirs[i].std(ddof=1) / math.sqrt(k),
            f"iwae{k}_jvi": iwae_ours[i], f"iwae{k}_jvi_se": se_ours[i],
            f"iwae{k}_torch": iwae_theirs[i], f"iwae{k}_torch_se": se_theirs[i],
            "ais_jvi": ais[i], "ais_jvi_se": ais_se[i]})
    with open(out / "agreement.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({key: (f"{v:.10g}" if isinstance(v, float) else v) for key, v in r.items()} for r in rows)
    for path in (logw, out / "check-eval.csv"):
        path.unlink()

    def z_scores(a, sa, b, sb):
        return (np.asarray(a) - np.asarray(b)) / np.sqrt(np.asarray(sa) ** 2 + np.asarray(sb) ** 2)

    elbo_z = z_scores(ours.mean(1), ours.std(1, ddof=1) / math.sqrt(k), theirs.mean(1), theirs.std(1, ddof=1) / math.sqrt(k))
    iwae_z = z_scores(iwae_ours, se_ours, iwae_theirs, se_theirs)
    ais_z = z_scores(ais, ais_se, iwae_theirs, se_theirs)

    # 4. BDMC and the sweep.
    run([tool("jvi-ais"), "--model", model, "--bdmc", "--instances", 16, "--chains", 4, "--start", "proposal",
         "--leapfrog", 5, "--temperatures", "100,1000,3000", "--output", out / "bdmc.csv"])
    bdmc = [r for r in read_csv(out / "bdmc.csv")]
    if not args.skip_sweep:
        run([tool("jvi-sweep"), "--experiment", ROOT / "experiments" / "your-model" / "your-model.experiment"]
            + (["--run-id", args.run_id] if args.run_id else []))

    lines = [
        "# Your VAE in jvi: agreement with PyTorch",
        "",
        f"Model: a PyTorch VAE (784-512-256-2x{LATENT} ReLU encoder, {LATENT}-256-512-784 ReLU decoder, Bernoulli), "
        f"ELBO, {args.epochs} epochs, seed {args.seed}; exported with jvi.torch.save_vae. The first {n} test images, "
        f"binarised once (seed {args.seed}). Written by experiments/your-model/your_vae.py.",
        "",
        "| check | value |",
        "|---|---|",
        f"| log w with PyTorch's ε passed to jvi (jvi.model_log_weights), {n} x 50 draws: max \\|difference\\|, "
        f"max relative | {same_eps.max():.2g} nats, {(same_eps / np.abs(same_eps_torch)).max():.2g} |",
        f"| mean ELBO, jvi − PyTorch (K = {k} each) | {np.mean(ours.mean(1) - theirs.mean(1)):+.4f} nats |",
        f"| per-image ELBO z-scores, jvi vs PyTorch: mean, max abs | {elbo_z.mean():+.2f}, {np.abs(elbo_z).max():.2f} |",
        f"| mean IWAE-{k}, jvi − PyTorch | {np.mean(iwae_ours - iwae_theirs):+.4f} nats |",
        f"| per-image IWAE-{k} z-scores: mean, max abs | {iwae_z.mean():+.2f}, {np.abs(iwae_z).max():.2f} |",
        f"| mean IWAE-{k} (PyTorch) | {iwae_theirs.mean():.3f} nats |",
        f"| mean AIS (jvi-ais, 4 chains, 1,000 temperatures from q) | {ais.mean():.3f} nats |",
        f"| mean AIS − IWAE-{k} (PyTorch) | {np.mean(ais - iwae_theirs):+.4f} nats |",
        f"| images with AIS below IWAE-{k} by more than 3 SE | {int(np.sum(ais_z < -3))} of {n} |",
        f"| jvi-ais time, {n} images x 4 chains x 1,000 temperatures x 5 leapfrog | {ais_seconds:.1f} s |",
    ]
    for t in sorted({int(r["temperatures"]) for r in bdmc}):
        gaps = [float(r["gap"]) for r in bdmc if int(r["temperatures"]) == t]
        lines.append(f"| BDMC gap (reverse − forward AIS) on {len(gaps)} simulated draws, T = {t}: mean, max | "
                     f"{np.mean(gaps):.3f}, {np.max(gaps):.3f} nats |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
