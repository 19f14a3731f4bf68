"""jvi's estimates as differentiable PyTorch operations.

    loss = jvi.torch.jvi_loss(logw, order=2)     # -JVI-2, averaged over the batch
    loss.backward()                              # d loss / d logw is jvi's exact G

The forward value is jvi's estimate; the backward multiplies the incoming gradient by jvi's
exact G = d value / d logw (``jvi.value_and_grad``, the training path's precision). Both come
from one operator, ``torch.ops.jvi.value_and_grad`` (``torch.library.custom_op``), which
torch.compile treats as opaque (``fullgraph=True`` works) and ``torch.library.opcheck`` accepts. Inputs
may be float32 or float64 on any device: jvi computes in float64 on the CPU, and the outputs
come back in the input's dtype and device (a non-CPU tensor is copied to the CPU and back).
"""
import numpy as np
import torch as _torch

from . import _arrays, _methods
from .estimators import estimate as _estimate
from .estimators import value_and_grad as _value_and_grad


def _host(logw, dim):
    return logw.detach().to("cpu", _torch.float64).movedim(dim, -1).contiguous().numpy()


# The estimate and its gradient weights as one PyTorch operator: opaque to torch.compile (which
# sees its fake implementation's shapes), differentiable through G. logw has the samples last;
# k = 0 and threads = 0 mean all columns and all processors.
@_torch.library.custom_op("jvi::value_and_grad", mutates_args=())
def _value_and_grad_op(logw: _torch.Tensor, word: str, k: int, threads: int) -> tuple[_torch.Tensor, _torch.Tensor]:
    value, gradient = _value_and_grad(_host(logw, -1), word, k=k or None, threads=threads or None, precision="auto")
    return (_torch.as_tensor(np.asarray(value)).to(logw.device, logw.dtype),
            _torch.from_numpy(gradient).to(logw.device, logw.dtype))


@_value_and_grad_op.register_fake
def _(logw, word, k, threads):
    return logw.new_empty(logw.shape[:-1]), _torch.empty_like(logw)


def _save_gradient(ctx, inputs, output):
    ctx.save_for_backward(output[1])


def _backward(ctx, grad_value, grad_gradient):
    (g,) = ctx.saved_tensors
    return grad_value.unsqueeze(-1) * g, None, None, None


_value_and_grad_op.register_autograd(_backward, setup_context=_save_gradient)


def _dim(logw, dim):
    if not isinstance(logw, _torch.Tensor):
        raise TypeError(f"logw must be a torch.Tensor, not {type(logw).__name__}")
    if not logw.is_floating_point():
        raise TypeError(f"logw must be a floating-point tensor, got {logw.dtype}")
    if logw.dim() == 0:
        raise ValueError("logw must have at least one dimension (the samples), got a scalar")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"dim must be an integer, not {type(dim).__name__}")
    if not -logw.dim() <= dim < logw.dim():
        raise ValueError(f"dim {dim} is out of range for a tensor with {logw.dim()} dimension(s)")
    return dim % logw.dim()


def estimate(logw, method, dim=-1, **parameters):
    """jvi.estimate on a tensor (samples on `dim`), differentiable for iwae, jvi and vr.
    `parameters` are the method's (order=, alpha=, ...) and k= and threads= as in jvi.estimate.

    Other methods (psis, sumo, ...) give their value without a gradient; asking for one (a
    tensor that requires grad, with grad enabled) raises ValueError.
    """
    dim = _dim(logw, dim)
    if logw.requires_grad and _torch.is_grad_enabled():
        word = _methods.word(method, **{key: v for key, v in parameters.items() if key not in ("k", "threads")})
        if not _methods.differentiable(word):
            raise ValueError(f"jvi.torch: {method} has no gradient in jvi ({_methods.listing(_methods.DIFFERENTIABLE)} "
                             "have); call it under torch.no_grad() or on a detached tensor")
        value, _ = _value_and_grad_op(logw.movedim(dim, -1), word, _arrays.samples(parameters.get("k")),
                                      _arrays.threads(parameters.get("threads")))
        return value
    value = _estimate(_host(logw, dim), method, **parameters)
    return _torch.as_tensor(value).to(logw.device, logw.dtype)


def jvi_loss(logw, order=2, reduction="mean", dim=-1, threads=None):
    """The loss -JVI of `order` (to be minimised), reduced over the batch like torch.nn losses:
    reduction is "mean", "sum" or "none"."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    loss = -estimate(logw, "jvi", dim=dim, order=order, threads=threads)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _layers(module, name):
    """The layers of an nn.Sequential (or one module) for jvi.model_file, refusing others by name."""
    nn = _torch.nn
    modules = list(module) if isinstance(module, nn.Sequential) else [module]
    layers = []
    for i, m in enumerate(modules):
        where = f"{name}[{i}]"
        if isinstance(m, nn.Sequential):
            layers += _layers(m, where)
        elif isinstance(m, nn.Linear):
            bias = None if m.bias is None else m.bias.detach().cpu().numpy()
            layers.append(("linear", m.weight.detach().cpu().numpy(), bias))
        elif isinstance(m, nn.LeakyReLU):
            if m.negative_slope != 0.01:
                raise ValueError(f"{where}: LeakyReLU(negative_slope={m.negative_slope}); jvi's leaky-relu has 0.01")
            layers.append(("activation", "leaky-relu"))
        elif isinstance(m, nn.ELU):
            if m.alpha != 1.0:
                raise ValueError(f"{where}: ELU(alpha={m.alpha}); jvi's elu has alpha 1")
            layers.append(("activation", "elu"))
        elif isinstance(m, nn.Softplus):
            if m.beta != 1:
                raise ValueError(f"{where}: Softplus(beta={m.beta}); jvi's softplus has beta 1")
            layers.append(("activation", "softplus"))
        elif type(m) is nn.Identity:
            continue
        elif type(m) in (nn.ReLU, nn.Tanh, nn.Sigmoid):
            layers.append(("activation", {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}[type(m)]))
        else:
            raise ValueError(f"{where} is {type(m).__name__}: save_vae takes Linear, ReLU, LeakyReLU(0.01), ELU(1), "
                             "Softplus(beta=1), Tanh, Sigmoid and Identity in nn.Sequential")
    return layers


def save_vae(encoder, decoder, path, *, likelihood="bernoulli", latent_dim=None, log_variance=None):
    """Writes a PyTorch VAE as a jvi model file (safetensors) for jvi-eval, jvi-ais and sweeps.

    `encoder` maps x to 2 * latent_dim values (the mean, then the log-variance of q(z|x)) and
    `decoder` maps z to logits (``likelihood="bernoulli"``) or to the mean (``"gaussian"``, with
    `log_variance` a float, or a tensor of the data's width, learned or fixed). Both are
    nn.Sequential stacks of nn.Linear and activations; anything else is refused by name. The
    tensors keep the modules' dtype (float32 or float64), which is the precision jvi runs them in.
    """
    first = next((p for p in encoder.parameters()), None)
    dtype = "float64" if first is not None and first.dtype == _torch.float64 else "float32"
    enc, dec = _layers(encoder, "encoder"), _layers(decoder, "decoder")
    if latent_dim is None:
        linears = [layer for layer in dec if layer[0] == "linear"]
        if not linears:
            raise ValueError("decoder has no Linear layer")
        latent_dim = int(linears[0][1].shape[1])
    if isinstance(log_variance, _torch.Tensor):
        log_variance = log_variance.detach().cpu().numpy()
    from .model_file import write_vae
    write_vae(path, enc, dec, latent_dim=latent_dim, likelihood=likelihood, log_variance=log_variance, dtype=dtype)
