"""Shared pieces of the peer benchmarks: thread control, timing, the JSON result line,
Fashion-MNIST (IDX) reading and library version strings.

Import order matters: `setup_threads` must run before numpy, torch or jax is imported, because
OpenBLAS, OpenMP and XLA size their thread pools when they load. This module therefore imports
nothing heavy at the top; the helpers that need numpy import it when called.

Run as a script (`python common.py --versions`) it prints the library versions as one JSON line
(the driver uses this for the header of peers.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sys
import time
from typing import Callable, Sequence

# Debian's dataset-fashion-mnist package; the same folder the Swift tools read.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

# XLA's CPU backend on one thread: no Eigen pool for its matrix kernels, one intra-op thread.
SINGLE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

# Exit status of a peer script whose library is not installed (the driver skips that peer).
EXIT_MISSING_LIBRARY = 3


# --------------------------------------------------------------------------------------------
# Threads


def setup_threads(threads: int) -> None:
    """Restricts the process to `threads` threads and CPUs, before any numeric library loads.

    T = 1: every BLAS/OpenMP pool gets one thread, XLA's Eigen pool is switched off, and the
    process is pinned to CPU 0. T = 2: pools of two threads on CPUs {0, 1}.
    """
    if threads < 1:
        raise SystemExit(f"--threads must be at least 1, got {threads}")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    if threads == 1:
        os.environ["XLA_FLAGS"] = SINGLE_THREAD_XLA_FLAGS
    elif os.environ.get("XLA_FLAGS") == SINGLE_THREAD_XLA_FLAGS:
        del os.environ["XLA_FLAGS"]
    if hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        wanted = set(range(threads)) & set(available) or set(available[:threads])
        os.sched_setaffinity(0, wanted)


def setup_torch_threads(torch_module, threads: int) -> None:
    """torch's own pools: `threads` intra-op threads, one inter-op thread."""
    torch_module.set_num_threads(threads)
    try:
        torch_module.set_num_interop_threads(1)
    except RuntimeError:
        # Only settable before the first parallel op; harmless if already 1.
        pass


def missing_library(case: str, peer: str, threads: int, library: str, error: Exception) -> None:
    """Reports a peer whose library cannot be imported, as a JSON line the driver recognises."""
    emit({"case": case, "peer": peer, "threads": threads, "skipped": f"{library} is not installed ({error})"})
    sys.exit(EXIT_MISSING_LIBRARY)


# --------------------------------------------------------------------------------------------
# Timing


def measure(body: Callable[[], object], runs: int, minimum_run_seconds: float = 0.05,
            warm_seconds: float = 0.3) -> list[float]:
    """Times `body` the way jvi-bench's BenchCase.measure does for short bodies.

    Warm up for at least `warm_seconds` (at least one call), size an inner loop so that one timed
    run lasts at least `minimum_run_seconds`, then return `runs` per-call times, sorted. A body
    that takes longer than the warm-up is thus warmed up by exactly one call and timed one call
    per run.
    """
    count = 0
    start = time.perf_counter()
    while True:
        body()
        count += 1
        if time.perf_counter() - start >= warm_seconds:
            break
    once = max((time.perf_counter() - start) / count, 1e-7)
    repeats = max(1, math.ceil(minimum_run_seconds / once))
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(repeats):
            body()
        seconds.append((time.perf_counter() - t0) / repeats)
    return sorted(seconds)


def measure_long(body: Callable[[], object], runs: int) -> list[float]:
    """Times `runs` single calls of a long body (the caller has warmed up), sorted."""
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        body()
        seconds.append(time.perf_counter() - t0)
    return sorted(seconds)


def median(sorted_seconds: Sequence[float]) -> float:
    """The median as jvi-bench reports it: element count/2 of the sorted list."""
    return sorted_seconds[len(sorted_seconds) // 2]


# --------------------------------------------------------------------------------------------
# Output


def emit(record: dict) -> None:
    """Prints the one JSON result line on stdout (everything else goes to stderr)."""
    sys.stdout.write(json.dumps(record, sort_keys=False) + "\n")
    sys.stdout.flush()


def result(case: str, peer: str, version: str, threads: int, seconds: Sequence[float], work: float,
           unit: str, **extra) -> dict:
    """The standard result record; `unit` names the rate, work/median in that unit."""
    seconds = sorted(seconds)
    record = {
        "case": case, "peer": peer, "version": version, "threads": threads,
        "seconds": seconds, "median": median(seconds), "work": work, "unit": unit,
    }
    record.update(extra)
    return record


def log(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# Versions


def numpy_version(runtime: bool = True) -> str:
    """numpy's version and the BLAS it was built against (e.g. scipy-openblas 0.3.31), with the
    kernel family and thread count OpenBLAS uses in this process when `runtime`."""
    import numpy as np

    blas = ""
    try:
        config = np.show_config(mode="dicts")
        info = config.get("Build Dependencies", {}).get("blas", {})
        if info:
            blas = f"{info.get('name', '?')} {info.get('version', '?')}"
    except Exception:  # older numpy: no dict mode
        pass
    details = openblas_runtime(threads=runtime)
    return f"numpy {np.__version__}" + (f", {blas}" if blas else "") + (f" ({details})" if details else "")


def openblas_runtime(threads: bool = True) -> str:
    """The kernel family OpenBLAS picked at run time and its thread count, e.g. 'core Haswell,
    1 thread', read from the library numpy loaded; '' when that is not an OpenBLAS wheel."""
    import ctypes
    import glob

    import numpy as np

    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "lib*openblas*.so*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)  # already loaded by numpy: the same handle
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "")):
            try:
                corename = getattr(lib, f"{prefix}_get_corename{suffix}")
                get_threads = getattr(lib, f"{prefix}_get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype = ctypes.c_char_p
            get_threads.restype = ctypes.c_int
            text = f"core {corename().decode()}"
            if threads:
                count = get_threads()
                text += f", {count} thread{'s' if count != 1 else ''}"
            return text
    return ""


def torch_version() -> str:
    import torch

    backend = "MKL" if torch.backends.mkl.is_available() else ""
    return f"torch {torch.__version__}" + (f" ({backend})" if backend else "")


def jax_version() -> str:
    import jax
    import jaxlib

    return f"jax {jax.__version__}, jaxlib {jaxlib.__version__}"


def all_versions() -> dict:
    """Every peer library's version, or why it is unavailable."""
    out = {"python": sys.version.split()[0]}
    for key, fn in (("numpy", lambda: numpy_version(runtime=False)), ("torch", torch_version),
                    ("jax", jax_version)):
        try:
            out[key] = fn()
        except Exception as error:  # ImportError or a broken install
            out[key] = f"unavailable ({type(error).__name__}: {error})"
    return out


# --------------------------------------------------------------------------------------------
# Data


def read_idx(path: str):
    """Reads an IDX array (the MNIST format), plain or gzip-compressed by the '.gz' suffix.

    Layout: two zero bytes, a type byte (0x08 = unsigned byte, the only one MNIST-format files
    use), the number of dimensions, each dimension as a big-endian uint32, then the data row-major.
    Returns a uint8 numpy array of that shape.
    """
    import numpy as np

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    if raw[2] != 0x08:
        raise ValueError(f"{path}: IDX data type 0x{raw[2]:02x} is not unsigned byte (0x08)")
    rank = raw[3]
    header = 4 + 4 * rank
    if rank < 1 or len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * d: 8 + 4 * d], "big") for d in range(rank))
    count = math.prod(shape)
    if len(raw) - header != count:
        raise ValueError(f"{path}: header shape {shape} needs {count} bytes, file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def idx_path(directory: str, name: str) -> str:
    """`name.gz` if present, else `name`."""
    for candidate in (os.path.join(directory, name + ".gz"), os.path.join(directory, name)):
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(
        f"no {name}[.gz] in {directory} (apt-get install dataset-fashion-mnist)")


def load_images(split: str, directory: str = FASHION_MNIST_DIR, limit: int | None = None):
    """Fashion-MNIST images of 'train' or 't10k' as float32 grey levels in [0, 1], N x 784."""
    import numpy as np

    images = read_idx(idx_path(directory, f"{split}-images-idx3-ubyte"))
    if limit is not None:
        images = images[:limit]
    return (images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0))


def binarize_fixed(pixels, seed: int):
    """One fixed binarisation: pixel = 1 with probability grey level (uniform < p), float32."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return (rng.random(pixels.shape, dtype=np.float32) < pixels).astype(np.float32)


# --------------------------------------------------------------------------------------------
# The default VAE's shape (Burda et al.'s one-stochastic-layer model)

INPUT = 784
HIDDEN = (200, 200)
LATENT = 50
ENCODER_SIZES = (INPUT, *HIDDEN, 2 * LATENT)   # output: mean (50) and log-variance (50)
DECODER_SIZES = (LATENT, *reversed(HIDDEN), INPUT)  # output: Bernoulli logits
LOG_TWO_PI = math.log(2 * math.pi)


def glorot_layers(sizes: Sequence[int], rng, dtype="float32"):
    """Glorot-uniform weights (fan_in x fan_out, U(±sqrt(6/(fan_in+fan_out)))) and zero biases."""
    import numpy as np

    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)
        b = np.zeros(fan_out, dtype=dtype)
        layers.append((w, b))
    return layers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", action="store_true", help="print the library versions as JSON")
    args = parser.parse_args()
    if args.versions:
        setup_threads(1)
        emit(all_versions())
    else:
        parser.print_help()


if __name__ == "__main__":
    main()


def model_file_decoder(path: str):
    """A jvi model file's decoder as [(W in x out, b)] float64 arrays, its activations and the latent
    dimension, read with the standard library and numpy (safetensors layout: 8-byte header length,
    JSON header, little-endian tensors; weights stored out x in)."""
    import json
    import struct

    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    spec = json.loads(header["__metadata__"]["architecture"])
    if spec["likelihood"]["kind"] != "bernoulli":
        raise SystemExit(f"{path}: the AIS peer runs a Bernoulli likelihood only")

    def tensor(name):
        entry = header[name]
        begin, end = entry["data_offsets"]
        dtype = {"F32": "<f4", "F64": "<f8"}[entry["dtype"]]
        return np.frombuffer(data[8 + n + begin:8 + n + end], dtype=dtype).reshape(entry["shape"]).astype(np.float64)

    layers, activations = [], []
    for entry in spec["decoder"]:
        if "linear" in entry:
            if len(layers) > len(activations):
                activations.append("identity")
            w = tensor(entry["linear"]["weight"])
            b = tensor(entry["linear"]["bias"]) if entry["linear"].get("bias") else np.zeros(w.shape[0])
            layers.append((np.ascontiguousarray(w.T), b))
        else:
            activations.append(entry["activation"])
    return layers, activations, spec["latent_dim"]
