"""jvi: evidence estimators on log importance weights, in-process.

    import numpy as np, jvi
    logw = ...                                   # N x K log-weights, samples on the last axis
    jvi.jvi(logw, order=2)                       # JVI-2, one estimate per row
    log_weights, khat = jvi.psis(logw)           # PSIS, as arviz.psislw

Every estimator of ``jvi-eval`` (``jvi.estimate``), exact gradients (``jvi.value_and_grad``),
PSIS and diagnostics, computed by jvi's Swift library (libjvi.so) with the bits of the command
line tools. ``jvi.torch`` and ``jvi.jax`` make the estimates differentiable in PyTorch and JAX.
"""
from ._library import library_version
from .diagnostics import Diagnostics, PSISResult, diagnostics, khat_threshold, psis
from .estimators import UndefinedRowWarning, elbo, estimate, iwae, jvi, value_and_grad, vr
from .sweep import SweepResult, sweep
from .models import model_log_weights
from ._methods import DIFFERENTIABLE as differentiable_methods
from ._methods import NAMES as methods

__version__ = "1.0.0"

__all__ = [
    "Diagnostics", "PSISResult", "UndefinedRowWarning", "diagnostics", "differentiable_methods", "elbo", "estimate",
    "iwae", "jvi",
    "khat_threshold", "library_version", "methods", "model_log_weights", "psis", "sweep", "SweepResult",
    "value_and_grad", "vr",
]
