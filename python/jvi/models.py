"""Log-weights of a VAE model file in-process: what ``jvi-eval --model`` computes, as an array."""
import os

import numpy as np

from . import _arrays, _library

_PRECISIONS = {None: 0, "float32": 1, "float64": 2}


def model_log_weights(model, x, samples=None, *, noise=None, seed=0, precision=None, threads=None):
    """log w = log p(x | z) + log p(z) - log q(z | x) of a VAE, ``samples`` draws per row of ``x``.

    Args:
        model: a jvi model file (``jvi.torch.save_vae``, ``jvi-train --export``) or a gaussian-vae
            checkpoint, as a path.
        x: (N, D) observations (any float or integer dtype, converted to float64), evaluated as given.
        samples: K, the draws per row (needed without ``noise``).
        noise: (N, K, d) standard normal values: sample s of row n is z = mu + sigma * noise[n, s]
            instead of jvi's own draws, for comparisons with another framework draw by draw.
        seed: jvi's draws (without ``noise``): the bits of
            ``jvi-eval --model MODEL --data x.npy --samples K --seed SEED --save-logw``.
        precision: None (the file's dtype), "float32" or "float64": the network's scalar; every
            log-density and sum is float64.
        threads: worker threads (None: every processor); the bits do not depend on it.

    Returns:
        (N, K) float64 log-weights.
    """
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a path, not {type(model).__name__}")
    if precision not in _PRECISIONS:
        raise ValueError(f"precision must be None, 'float32' or 'float64', got {precision!r}")
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"x must hold numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (N observations x D values), got shape {x.shape}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if noise is not None:
        noise = np.ascontiguousarray(noise, dtype=np.float64)
        if noise.ndim != 3 or noise.shape[0] != x.shape[0]:
            raise ValueError(f"noise must be (N, K, d) with N = {x.shape[0]}, got shape {noise.shape}")
        if samples is not None and _arrays.integer(samples, "samples", 1) != noise.shape[1]:
            raise ValueError(f"samples {samples} differs from the noise's K = {noise.shape[1]}")
        samples = noise.shape[1]
    elif samples is None:
        raise ValueError("give samples (K), or noise of shape (N, K, d)")
    samples = _arrays.integer(samples, "samples", 1)
    seed = _arrays.integer(seed, "seed", 0, 2**64 - 1)
    out = np.empty((x.shape[0], samples))
    _library.model_log_weights(os.fspath(model), x, samples, noise, seed, _PRECISIONS[precision],
                               _arrays.threads(threads), out)
    return out
