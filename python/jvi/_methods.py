"""Estimator names and parameters → the estimator words of jvi's experiment files.

The words ("jvi-2", "vr:alpha=0.5", "mlmc:form=ss,r=0.6") are parsed, checked and refused by the
library itself (EstimatorChoice in Swift): this module only spells the keyword arguments as a
word, so Python accepts exactly what jvi-eval and experiment files accept.
"""
from . import _arrays

#: The names of jvi-eval --estimator that give one estimate per row.
NAMES = ("elbo-a", "elbo-b", "iwae", "jvi", "delta", "psis", "vr", "vr-max", "ciwae", "sumo", "mlmc", "tvo",
         "tvo-upper")

#: The methods with gradient weights (value_and_grad, the torch and jax adapters).
DIFFERENTIABLE = ("iwae", "jvi", "vr")

# Keyword argument → the word's key (order is spelled in the name: jvi-M).
_KEYS = {"alpha": "alpha", "beta": "beta", "partitions": "partitions", "min_terms": "m", "form": "form",
         "rate": "r"}
_INTEGER = {"partitions", "min_terms"}


def word(method, order=None, **parameters):
    """The word for `method` with the given parameters (None: the default)."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, not {type(method).__name__}")
    head = method.split(":", 1)[0]
    given = {key: value for key, value in parameters.items() if value is not None}
    if ":" in method or (head.startswith("jvi-") and head != "jvi-"):
        # Already a word from an experiment file: its parameters are in it.
        extra = sorted(given) + (["order"] if order is not None else [])
        if extra:
            raise ValueError(f"method {method!r} already names its parameters; do not also pass {', '.join(extra)}")
        return method
    if method not in NAMES:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(NAMES)} (or an experiment-file "
                         "word such as 'jvi-2' or 'vr:alpha=0.5')")
    if method == "jvi":
        return f"jvi-{_arrays.integer(1 if order is None else order, 'order', 0)}"
    if order is not None:
        raise ValueError(f"order applies to the jvi method, not {method}")
    if not given:
        return method
    spelled = []
    for key, value in given.items():
        if key == "form":
            if not isinstance(value, str):
                raise TypeError(f"form must be a string ('ss' or 'rr'), not {type(value).__name__}")
            spelled.append(f"form={value}")
        elif key in _INTEGER:
            spelled.append(f"{_KEYS[key]}={_arrays.integer(value, key)}")
        else:
            spelled.append(f"{_KEYS[key]}={_arrays.real(value, key)!r}")
    return f"{method}:{','.join(spelled)}"
