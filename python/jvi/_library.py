"""Loads libjvi.so (jvi's C interface, jvi.h) and turns its statuses into Python exceptions.

The library is jvi/lib/libjvi.so, or the file JVI_LIBRARY names. ctypes releases the GIL for
the length of every call; the library keeps no state between calls, so calls from several
Python threads run at once.
"""
import ctypes
import os
import pathlib

# A Swift runtime installs crash handlers in its host process when it finds the toolchain's
# backtracer; in a Python process those signals belong to Python.
os.environ.setdefault("SWIFT_BACKTRACE", "enable=no")

ABI_VERSION = 1
_MESSAGE_CAPACITY = 2048
_OK, _INVALID_ARGUMENT = 0, 1

_path = os.environ.get("JVI_LIBRARY") or str(pathlib.Path(__file__).resolve().parent / "lib" / "libjvi.so")
try:
    _lib = ctypes.CDLL(_path)
except OSError as error:
    raise ImportError(f"jvi: cannot load its library {_path}: {error}") from None

_double_p = ctypes.POINTER(ctypes.c_double)
_int64_p = ctypes.POINTER(ctypes.c_int64)
_i64, _i32, _u64, _text = ctypes.c_int64, ctypes.c_int32, ctypes.c_uint64, ctypes.c_char_p

_lib.jvi_abi_version.argtypes = []
_lib.jvi_abi_version.restype = _i32
_lib.jvi_version.argtypes = [_text, _i64]
_lib.jvi_version.restype = _i32
_lib.jvi_estimate.argtypes = [
    _text, _double_p, _i64, _i64, _double_p, _double_p, _i64, _u64, _i32, _double_p, _int64_p, _text, _i64]
_lib.jvi_estimate.restype = _i32
_lib.jvi_value_and_grad.argtypes = [
    _text, _double_p, _i64, _i64, _i64, _i32, _i32, _double_p, _double_p, _int64_p, _text, _i64]
_lib.jvi_value_and_grad.restype = _i32
_lib.jvi_psis.argtypes = [_double_p, _i64, _i64, _i32, _double_p, _double_p, _text, _i64]
_lib.jvi_psis.restype = _i32
_lib.jvi_diagnostics.argtypes = [_double_p, _i64, _i64, _i64, _i32, _double_p, _text, _i64]
_lib.jvi_diagnostics.restype = _i32
_lib.jvi_estimators.argtypes = [_text, _i64]
_lib.jvi_estimators.restype = _i32
_lib.jvi_sweep.argtypes = [_text, _text, _text, _text, _i32, _i32, _text, _i64, _text, _i64]
_lib.jvi_sweep.restype = _i32
_lib.jvi_model_log_weights.argtypes = [
    _text, _double_p, _i64, _i64, _i64, _double_p, _i64, _u64, _i32, _i32, _double_p, _text, _i64]
_lib.jvi_model_log_weights.restype = _i32

if _lib.jvi_abi_version() != ABI_VERSION:
    raise ImportError(
        f"jvi: {_path} has interface version {_lib.jvi_abi_version()}; this package needs {ABI_VERSION}")


def _pointer(array):
    return array.ctypes.data_as(_double_p)


def _message():
    return ctypes.create_string_buffer(_MESSAGE_CAPACITY)


def _check(status, message):
    text = message.value.decode("utf-8", errors="replace")
    if status == _OK:
        return text
    if status == _INVALID_ARGUMENT:
        raise ValueError(text)
    raise RuntimeError(f"jvi: internal error: {text}")


def library_version():
    """The library's version line: "1.0.0 (release build, Swift 6.3.1, kernels avx512)"."""
    message = _message()
    _check(_lib.jvi_version(message, _MESSAGE_CAPACITY), message)
    return message.value.decode()


def estimate(method, logw, k, seed, threads, values, log_likelihood=None, kl=None):
    """jvi_estimate on a C-contiguous float64 (N, K) array (and elbo-b's inputs, (N, K) and (N,),
    or None); fills values (N); returns (undefined row count, note)."""
    n, kk = logw.shape
    undefined = ctypes.c_int64(0)
    message = _message()
    status = _lib.jvi_estimate(
        method.encode(), _pointer(logw), n, kk, None if log_likelihood is None else _pointer(log_likelihood),
        None if kl is None else _pointer(kl), k, seed, threads, _pointer(values), ctypes.byref(undefined), message,
        _MESSAGE_CAPACITY)
    return undefined.value, _check(status, message)


def value_and_grad(method, logw, k, extended, threads, values, gradient):
    """jvi_value_and_grad; fills values (N) and gradient (N, K)."""
    n, kk = logw.shape
    undefined = ctypes.c_int64(0)
    message = _message()
    status = _lib.jvi_value_and_grad(
        method.encode(), _pointer(logw), n, kk, k, extended, threads, _pointer(values), _pointer(gradient),
        ctypes.byref(undefined), message, _MESSAGE_CAPACITY)
    return undefined.value, _check(status, message)


def psis(logw, threads, smoothed, khat):
    """jvi_psis; fills smoothed (N, K) and khat (N)."""
    n, kk = logw.shape
    message = _message()
    _check(_lib.jvi_psis(_pointer(logw), n, kk, threads, _pointer(smoothed), _pointer(khat), message,
                         _MESSAGE_CAPACITY), message)


def diagnostics(logw, k, threads, fields):
    """jvi_diagnostics; fills fields (N, 6)."""
    n, kk = logw.shape
    message = _message()
    _check(_lib.jvi_diagnostics(_pointer(logw), n, kk, k, threads, _pointer(fields), message, _MESSAGE_CAPACITY),
           message)


def estimators():
    """The library's estimator registry: a list of dicts (name, numbered, differentiable, summary,
    parameters: key, keyword, flag, kind, choices, default)."""
    import json

    capacity = 1 << 16
    text = ctypes.create_string_buffer(capacity)
    _check(_lib.jvi_estimators(text, capacity), text)
    return json.loads(text.value.decode())["estimators"]


def sweep(experiment_text, name, results_directory, run_id, threads, bootstrap):
    """jvi_sweep; returns the path of the CSV it wrote."""
    path = ctypes.create_string_buffer(4096)
    message = _message()
    status = _lib.jvi_sweep(experiment_text.encode(), name.encode(), results_directory.encode(), run_id.encode(),
                            threads, bootstrap, path, 4096, message, _MESSAGE_CAPACITY)
    _check(status, message)
    return path.value.decode()


def model_log_weights(path, x, samples, noise, seed, precision, threads, out):
    """jvi_model_log_weights: x (N, D) and noise (N, samples, d) or None, C-contiguous float64;
    fills out (N, samples)."""
    message = _message()
    n, d = x.shape
    status = _lib.jvi_model_log_weights(
        os.fsencode(path), _pointer(x), n, d, samples, None if noise is None else _pointer(noise),
        0 if noise is None else noise.shape[2], seed, precision, threads, _pointer(out), message, _MESSAGE_CAPACITY)
    _check(status, message)
