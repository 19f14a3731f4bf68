"""jvi's estimates as differentiable JAX functions, under jit, grad and vmap.

    value = jvi.jax.estimate(logw, "jvi", order=2)       # one estimate per row
    jax.grad(lambda x: jvi.jax.estimate(x, "jvi", order=2).sum())(logw)

A ``jax.custom_vjp`` over ``jax.pure_callback``: the forward calls jvi on the host (in
float64) and keeps G = d value / d logw (the training path's precision); the backward
multiplies by it. The output has the input's dtype. Forward-mode differentiation (jvp) is not
available (custom_vjp). Bad arguments raise when the function is traced; an undefined row is NaN.
"""
import functools

import jax as _jax
import jax.numpy as _jnp
import numpy as _np

from . import _methods
from .estimators import value_and_grad as _value_and_grad


def _host(logw, word, k):
    x = _np.asarray(logw, dtype=_np.float64)
    import warnings

    # An exception must not leave a host callback: a matrix jvi refuses (NaN or +inf
    # log-weights) gives NaN, as an undefined row does.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, gradient = _value_and_grad(x, word, k=k, precision="auto")
    except ValueError:
        value, gradient = _np.full(x.shape[:-1], _np.nan), _np.full(x.shape, _np.nan)
    return _np.asarray(value, dtype=logw.dtype), _np.asarray(gradient, dtype=logw.dtype)


def _call(logw, word, k):
    shapes = (_jax.ShapeDtypeStruct(logw.shape[:-1], logw.dtype), _jax.ShapeDtypeStruct(logw.shape, logw.dtype))
    return _jax.pure_callback(functools.partial(_host, word=word, k=k), shapes, logw, vmap_method="expand_dims")


@functools.partial(_jax.custom_vjp, nondiff_argnums=(1, 2))
def _estimate(logw, word, k):
    return _call(logw, word, k)[0]


def _forward(logw, word, k):
    value, gradient = _call(logw, word, k)
    return value, gradient


def _backward(word, k, gradient, cotangent):
    return (cotangent[..., None] * gradient,)


_estimate.defvjp(_forward, _backward)


def estimate(logw, method, axis=-1, *, k=None, **parameters):
    """jvi's estimate of each row of `logw` (samples on `axis`) by a method with gradient weights
    (iwae, jvi of `order`, vr of `alpha`): differentiable, and usable under jit and vmap."""
    word = _methods.word(method, **parameters)
    if not _methods.differentiable(word):
        raise ValueError(f"jvi.jax.estimate applies to the {_methods.listing(_methods.DIFFERENTIABLE)} methods, "
                         f"not {method}")
    logw = _jnp.asarray(logw)
    if not _jnp.issubdtype(logw.dtype, _jnp.floating):
        raise TypeError(f"logw must be a floating-point array, got {logw.dtype}")
    if logw.ndim == 0:
        raise ValueError("logw must have at least one axis (the samples), got a scalar")
    if isinstance(axis, bool) or not isinstance(axis, int) or not -logw.ndim <= axis < logw.ndim:
        raise ValueError(f"axis {axis!r} is out of range for an array with {logw.ndim} dimension(s)")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= logw.shape[axis]):
        raise ValueError(f"k must be an integer in 1...{logw.shape[axis]}, got {k!r}")
    return _estimate(_jnp.moveaxis(logw, axis, -1), word, k)


def jvi_loss(logw, order=2, reduction="mean", axis=-1):
    """-JVI of `order`, reduced over the batch ("mean", "sum" or "none")."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    loss = -estimate(logw, "jvi", axis=axis, order=order)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def save_vae(encoder, decoder, path, *, latent_dim, likelihood="bernoulli", log_variance=None, dtype="float32"):
    """Writes a JAX/Flax VAE as a jvi model file (safetensors).

    `encoder` and `decoder` are lists of layers: a Flax ``Dense`` parameter dict
    ``{"kernel": (in x out), "bias": (out,)}`` (its kernel is transposed to jvi's out x in), or an
    activation's name (``jvi.model_file.ACTIVATIONS``). See ``jvi.torch.save_vae`` for the rest.
    """
    def layers(items, name):
        out = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                out.append(("activation", item))
            elif isinstance(item, dict) and "kernel" in item:
                kernel = _np.asarray(item["kernel"])
                if kernel.ndim != 2:
                    raise ValueError(f"{name}[{i}]: the kernel must be 2-D (in x out), got shape {kernel.shape}")
                bias = item.get("bias")
                out.append(("linear", kernel.T, None if bias is None else _np.asarray(bias)))
            else:
                raise TypeError(f"{name}[{i}] must be a Dense parameter dict with 'kernel' or an activation's name")
        return out

    from .model_file import write_vae
    write_vae(path, layers(encoder, "encoder"), layers(decoder, "decoder"), latent_dim=latent_dim,
              likelihood=likelihood, log_variance=None if log_variance is None else _np.asarray(log_variance),
              dtype=dtype)
