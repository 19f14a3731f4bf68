"""Pareto-smoothed importance sampling and per-row importance diagnostics."""
import math
from typing import NamedTuple

import numpy as np

from . import _arrays, _library


class PSISResult(NamedTuple):
    """What ``psis`` returns; unpacks like ``arviz.psislw``: ``log_weights, khat = jvi.psis(logw)``."""

    #: Smoothed, truncated and normalised log-weights: logw's shape, log-sum-exp 0 along the axis.
    log_weights: np.ndarray
    #: The Pareto shape k-hat of each row: logw's shape without the axis.
    khat: np.ndarray


def psis(logw, axis=-1, *, threads=None):
    """Pareto-smoothed importance sampling (Vehtari et al., JMLR 2024), with ArviZ's conventions.

    Returns ``(log_weights, khat)`` with the meaning and shapes of ``arviz.psislw(logw)``
    (r_eff = 1, samples on `axis`): the largest ceil(min(K/5, 3 sqrt K)) weights of each row
    replaced by the quantiles of a generalized Pareto fit, capped at the largest raw weight, and
    the row normalised so that its weights sum to 1. R's loo ``psis()`` returns the same
    weights unnormalised. khat is +inf (and the row only normalised) when the tail has fewer than
    5 points (K < 21), is constant or cannot be fitted. Reliability: khat below
    ``khat_threshold(K)`` = min(1 - 1/log10 K, 0.7) is good; above 0.7 the estimate cannot be
    trusted.
    """
    rows = _arrays.Rows(logw, axis)
    smoothed = np.empty((rows.n, rows.k))
    khat = np.empty(rows.n)
    if rows.n:
        _library.psis(rows.matrix, _arrays.threads(threads), smoothed, khat)
    return PSISResult(rows.like_input(smoothed), rows.values(khat))


def khat_threshold(k):
    """The sample-size k-hat threshold min(1 - 1/log10 K, 0.7) (PSIS paper, section 3.2.4; loo)."""
    k = _arrays.integer(k, "k", 2)
    return min(1 - 1 / math.log10(k), 0.7)


class Diagnostics:
    """Per-row importance diagnostics: a record of arrays of logw's shape without the axis.

    Attributes: ``ess`` (sum w)^2 / sum w^2; ``max_weight`` the largest normalised weight;
    ``khat`` PSIS's Pareto shape; ``psis_ess`` the ESS after smoothing; ``jackknife_bias`` and
    ``jackknife_variance`` the jackknife's estimates of IWAE's bias (what JVI-1 removes) and
    variance (NaN where undefined); ``khat_threshold`` the sample-size threshold for K samples
    (a float); ``k`` the samples per row.
    """

    FIELDS = ("ess", "max_weight", "khat", "psis_ess", "jackknife_bias", "jackknife_variance")

    def __init__(self, columns, k):
        for name, values in zip(self.FIELDS, columns):
            setattr(self, name, values)
        self.k = k
        self.khat_threshold = min(1 - 1 / math.log10(k), 0.7) if k >= 2 else float("nan")

    def to_dict(self):
        """The six fields by name."""
        return {name: getattr(self, name) for name in self.FIELDS}

    def to_pandas(self):
        """A pandas DataFrame, one row per instance (needs pandas)."""
        import pandas as pd

        return pd.DataFrame({name: np.ravel(values) for name, values in self.to_dict().items()})

    def __repr__(self):
        return f"Diagnostics(k={self.k}, rows={np.size(self.ess)}, khat_threshold={self.khat_threshold:.4g})"


def diagnostics(logw, axis=-1, *, k=None, threads=None):
    """Importance diagnostics of each row (of its first k samples when k is given): the numbers
    of ``jvi-eval --diagnostics --per-instance``, as a ``Diagnostics`` record."""
    rows = _arrays.Rows(logw, axis)
    fields = np.empty((rows.n, len(Diagnostics.FIELDS)))
    width = _arrays.samples(k)
    if rows.n:
        _library.diagnostics(rows.matrix, width, _arrays.threads(threads), fields)
    return Diagnostics([rows.values(np.ascontiguousarray(fields[:, j])) for j in range(fields.shape[1])],
                       width or rows.k)
