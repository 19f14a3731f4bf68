"""Estimates of log p(x) from log importance weights, one per row, by every estimator of jvi."""
import warnings

import numpy as np

from . import _arrays, _library, _methods


class UndefinedRowWarning(UserWarning):
    """Some rows have no estimate (e.g. JVI of order m on a row with at most m non-zero weights):
    they are NaN in the result. Pass strict=True to raise instead."""


def _report_undefined(count, note, strict):
    if count == 0:
        return
    if strict:
        raise ValueError(f"jvi: {note}")
    warnings.warn(f"jvi: {note} (NaN in the result)", UndefinedRowWarning, stacklevel=4)


def estimate(logw, method, *, axis=-1, k=None, seed=0, threads=None, strict=False, log_likelihood=None, kl=None,
             **parameters):
    """The estimate of log p(x) of each row of log-weights by `method`.

    Parameters
    ----------
    logw : array_like
        Log importance weights log w = log p(x, z) - log q(z | x), the samples on `axis`; every
        other axis indexes independent instances. -inf is a zero weight; NaN and +inf are refused.
    method : str
        A name of ``jvi-eval --estimator``: elbo-a, elbo-b, iwae, jvi, delta, psis, vr, vr-max,
        ciwae, sumo, mlmc, tvo (the lower sum), tvo-upper; or an experiment-file word such as
        "jvi-2" or "vr:alpha=0.5".
    **parameters
        The method's parameters, by the keywords of jvi's registry (``jvi.methods``): order
        (jvi), alpha (vr), beta (ciwae), partitions (tvo, tvo-upper), min_terms (sumo), form
        and rate (mlmc), as jvi-eval's --order, --alpha, --beta, --partitions, --min-terms,
        --mlmc-form; None is the default. A keyword no method takes raises TypeError, one this
        method does not take ValueError.
    k : int, optional
        Samples per estimate: with k below the samples K, the floor(K/k) column blocks are
        replicates and the estimate is their mean (jvi-eval --k).
    seed : int
        The seed of sumo's and mlmc's own draws (one stream per row and block).
    threads : int, optional
        Worker threads (default: every processor); the result is bit-identical for any value.
    strict : bool
        Raise ValueError for an undefined row instead of warning and returning NaN there.
    log_likelihood, kl : array_like, optional
        elbo-b's inputs: log p(x | z) of the same samples (logw's shape) and the analytic
        KL(q(z | x) || p(z)) of each row (logw's shape without `axis`), as jvi-eval's
        --log-likelihood and --kl. Give both or neither.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``logw``'s shape without `axis`; the bits ``jvi-eval --per-instance`` writes for the
        same matrix.
    """
    word = _methods.word(method, **parameters)
    seed = _arrays.integer(seed, "seed", 0, 2**64 - 1)
    rows = _arrays.Rows(logw, axis)
    ll_matrix = kl_values = None
    if (log_likelihood is None) != (kl is None):
        raise ValueError("log_likelihood and kl are elbo-b's inputs: give both or neither")
    if log_likelihood is not None:
        ll = _arrays.Rows(log_likelihood, axis, name="log_likelihood")
        if ll.moved_shape != rows.moved_shape:
            raise ValueError(f"log_likelihood has shape {np.shape(log_likelihood)}; logw has {np.shape(logw)}")
        ll_matrix = ll.matrix
        kl_array = np.asarray(kl)
        if kl_array.dtype.kind not in "fiu":
            raise TypeError(f"kl must hold real numbers, got dtype {kl_array.dtype}")
        if kl_array.shape != rows.batch:
            raise ValueError(f"kl has shape {kl_array.shape}; one value per row of logw needs {rows.batch}")
        kl_values = np.ascontiguousarray(kl_array.reshape(-1), dtype=np.float64)
    values = np.empty(rows.n)
    if rows.n:
        count, note = _library.estimate(word, rows.matrix, _arrays.samples(k), seed, _arrays.threads(threads),
                                        values, ll_matrix, kl_values)
        _report_undefined(count, note, strict)
    return rows.values(values)


def value_and_grad(logw, method="jvi", *, axis=-1, k=None, precision="auto", threads=None, strict=False,
                   **parameters):
    """The estimate of each row and its gradient G = d value / d logw, of ``logw``'s shape.

    method is one with gradient weights (``jvi.differentiable_methods``: iwae, jvi of any `order`
    up to 10, vr of `alpha`), with its parameters by keyword. G's rows sum to 1
    (every estimator here is shift-equivariant). precision="auto" is jvi-train's: double where
    its error bound allows (at most 1e-11 of the largest term), double-double otherwise;
    "extended" is double-double throughout, the bits of ``jvi-eval --gradient-weights``. An
    undefined row is NaN in both outputs.
    """
    if precision not in ("auto", "extended"):
        raise ValueError(f"precision must be 'auto' or 'extended', got {precision!r}")
    word = _methods.word(method, **parameters)
    if not _methods.differentiable(word):
        raise ValueError(f"value_and_grad applies to the {_methods.listing(_methods.DIFFERENTIABLE)} methods, not {method}")
    rows = _arrays.Rows(logw, axis)
    values = np.empty(rows.n)
    gradient = np.empty((rows.n, rows.k))
    if rows.n:
        count, note = _library.value_and_grad(word, rows.matrix, _arrays.samples(k), int(precision == "extended"),
                                              _arrays.threads(threads), values, gradient)
        _report_undefined(count, note, strict)
    return rows.values(values), rows.like_input(gradient)


def iwae(logw, axis=-1, *, k=None, threads=None, strict=False):
    """IWAE: log of the mean weight, log (1/K) sum_i w_i (Burda et al. 2016)."""
    return estimate(logw, "iwae", axis=axis, k=k, threads=threads, strict=strict)


def elbo(logw, axis=-1, *, k=None, threads=None, strict=False):
    """The Monte Carlo ELBO: the mean log-weight (jvi-eval's elbo-a)."""
    return estimate(logw, "elbo-a", axis=axis, k=k, threads=threads, strict=strict)


def jvi(logw, order=1, axis=-1, *, k=None, threads=None, strict=False):
    """Jackknife variational inference of `order` (Nowozin 2018): IWAE's bias removed to
    O(K^-(order+1)); order 0 is IWAE."""
    return estimate(logw, "jvi", order=order, axis=axis, k=k, threads=threads, strict=strict)


def vr(logw, alpha, axis=-1, *, k=None, threads=None, strict=False):
    """The Renyi (VR-alpha) bound, 1/(1-alpha) log (1/K) sum_i w_i^(1-alpha) (Li and Turner 2016):
    alpha = 0 is IWAE, alpha -> 1 the ELBO."""
    return estimate(logw, "vr", alpha=alpha, axis=axis, k=k, threads=threads, strict=strict)
