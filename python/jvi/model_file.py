"""Write a VAE as a jvi model file: safetensors with the architecture in ``__metadata__``.

The file is what ``jvi-eval --model``, ``jvi-ais --model`` and an experiment file's
``checkpoint =`` read (format ``jvi-vae``, version 1; docs/your-model.md gives the layout).
This module needs numpy only; ``jvi.torch.save_vae`` and ``jvi.jax.save_vae`` build on it.

A network is a list of layers: ``("linear", weight, bias)`` with ``weight`` out x in (PyTorch's
``nn.Linear`` layout) and ``bias`` of length out or None, and ``("activation", name)`` with name
one of ``ACTIVATIONS``. The encoder ends in 2 * latent_dim outputs (mean, then log-variance of
q(z|x)); the decoder in the data's width (Bernoulli logits or the Gaussian mean).
"""
import json
import os
import struct
import tempfile

import numpy as np

FORMAT = "jvi-vae"
FORMAT_VERSION = "1"
ACTIVATIONS = ("tanh", "relu", "leaky-relu", "elu", "softplus", "sigmoid", "identity")


def _check_network(layers, name, width, output):
    """Checks one network's layers; returns [(kind, payload)] with float arrays."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(f"{name} must be a non-empty list of layers")
    out = []
    previous = None
    for i, layer in enumerate(layers):
        where = f"{name}[{i}]"
        if not isinstance(layer, tuple) or not layer or layer[0] not in ("linear", "activation"):
            raise TypeError(f"{where} must be ('linear', weight, bias) or ('activation', name)")
        if layer[0] == "activation":
            if len(layer) != 2 or layer[1] not in ACTIVATIONS:
                raise ValueError(f"{where}: unknown activation {layer[1:]!r}; jvi has {', '.join(ACTIVATIONS)}")
            if previous != "linear":
                raise ValueError(f"{where}: an activation must follow a linear layer (at most one after each)")
            out.append(("activation", layer[1]))
        else:
            if len(layer) != 3:
                raise TypeError(f"{where} must be ('linear', weight, bias)")
            weight = np.asarray(layer[1])
            bias = None if layer[2] is None else np.asarray(layer[2])
            if weight.ndim != 2:
                raise ValueError(f"{where}: the weight must be 2-D (out x in), got shape {weight.shape}")
            if weight.shape[1] != width:
                raise ValueError(
                    f"{where}: the weight has shape {weight.shape}; its {weight.shape[1]} inputs do not chain with "
                    f"the {width} values before it (weights are out x in)")
            if bias is not None and bias.shape != (weight.shape[0],):
                raise ValueError(f"{where}: the bias has shape {bias.shape}, expected ({weight.shape[0]},)")
            for array, what in ((weight, "weight"), (bias, "bias")):
                if array is not None and not np.all(np.isfinite(array)):
                    raise ValueError(f"{where}: the {what} holds non-finite values")
            width = weight.shape[0]
            out.append(("linear", (weight, bias)))
        previous = layer[0]
    if previous != "linear":
        raise ValueError(f"{name} must end with a linear layer")
    if width != output:
        raise ValueError(f"{name} ends with {width} outputs; it needs {output}")
    return out


def write_vae(path, encoder, decoder, *, latent_dim, likelihood="bernoulli", log_variance=None, dtype="float32"):
    """Writes a VAE model file at ``path`` (atomically).

    Args:
        encoder, decoder: lists of layers (see the module's docstring).
        latent_dim: the dimension of z.
        likelihood: ``"bernoulli"`` (the decoder gives logits) or ``"gaussian"`` (it gives the mean).
        log_variance: for ``"gaussian"``, a float (one fixed log-variance) or an array of the data's
            width (per pixel, learned or fixed).
        dtype: ``"float32"`` (the network runs in float32 in jvi) or ``"float64"``.
    """
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    if not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}")
    first = next((layer for layer in encoder if isinstance(layer, tuple) and layer[:1] == ("linear",)), None)
    if first is None or np.ndim(first[1]) != 2:
        raise ValueError("encoder: the first layer must be linear with a 2-D weight")
    input_dim = int(np.shape(first[1])[1])
    enc = _check_network(encoder, "encoder", input_dim, 2 * latent_dim)
    dec = _check_network(decoder, "decoder", latent_dim, input_dim)
    tensors = []

    def describe(layers, name):
        entries = []
        for i, (kind, payload) in enumerate(layers):
            if kind == "activation":
                entries.append({"activation": payload})
                continue
            weight, bias = payload
            entry = {"weight": f"{name}.{i}.weight"}
            tensors.append((f"{name}.{i}.weight", weight))
            if bias is not None:
                entry["bias"] = f"{name}.{i}.bias"
                tensors.append((f"{name}.{i}.bias", bias))
            entries.append({"linear": entry})
        return entries

    spec = {"input_dim": input_dim, "latent_dim": int(latent_dim), "prior": "standard-normal",
            "posterior": "diagonal-gaussian", "encoder": describe(enc, "encoder"), "decoder": describe(dec, "decoder")}
    if likelihood == "bernoulli":
        if log_variance is not None:
            raise ValueError("log_variance applies to a gaussian likelihood")
        spec["likelihood"] = {"kind": "bernoulli"}
    elif likelihood == "gaussian":
        if log_variance is None:
            raise ValueError("a gaussian likelihood needs log_variance (a float, or one value per data column)")
        if np.ndim(log_variance) == 0:
            value = float(log_variance)
            if not np.isfinite(value):
                raise ValueError("log_variance must be finite")
            spec["likelihood"] = {"kind": "gaussian", "log_variance": value}
        else:
            values = np.asarray(log_variance).reshape(-1)
            if values.shape != (input_dim,) or not np.all(np.isfinite(values)):
                raise ValueError(f"log_variance must hold {input_dim} finite values, got shape {np.shape(log_variance)}")
            tensors.append(("decoder.log_variance", values))
            spec["likelihood"] = {"kind": "gaussian", "log_variance": "decoder.log_variance"}
    else:
        raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "architecture": json.dumps(spec)}
    _write_safetensors(path, tensors, np.dtype("<f4" if dtype == "float32" else "<f8"), metadata)


def _write_safetensors(path, tensors, dtype, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype=dtype).tobytes()
        header[name] = {"dtype": "F32" if dtype.itemsize == 4 else "F64", "shape": list(np.shape(array)),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".jvi-model-")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
