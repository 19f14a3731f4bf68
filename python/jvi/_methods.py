"""Estimator names and keyword arguments → the estimator words of jvi's experiment files.

The names, parameters and defaults are the library's registry (``jvi_estimators``), read once
at import: a method added to jvi's registry is a method here, with no list of Python's own. The
words ("jvi-2", "vr:alpha=0.5", "mlmc:form=ss,r=0.6") are parsed, checked and refused by the
library itself, so Python accepts exactly what jvi-eval and experiment files accept.
"""
from . import _arrays, _library

REGISTRY = {entry["name"]: entry for entry in _library.estimators()}

#: The names of jvi-eval --estimator that give one estimate per row.
NAMES = tuple(REGISTRY)

#: The methods with gradient weights (value_and_grad, the torch and jax adapters).
DIFFERENTIABLE = tuple(name for name, entry in REGISTRY.items() if entry["differentiable"])

#: Every parameter keyword of some method.
KEYWORDS = tuple(dict.fromkeys(p["keyword"] for entry in REGISTRY.values() for p in entry["parameters"]))


def _value(parameter, value):
    keyword = parameter["keyword"]
    if parameter["kind"] == "integer":
        return str(_arrays.integer(value, keyword))
    if parameter["kind"] == "real":
        return repr(_arrays.real(value, keyword))
    if not isinstance(value, str):
        raise TypeError(f"{keyword} must be a string ({' or '.join(parameter['choices'])}), "
                        f"not {type(value).__name__}")
    return value


def word(method, **parameters):
    """The word for `method` with the given parameters by keyword (None: the default).

    Raises TypeError for a keyword no method takes, ValueError for an unknown method or a
    keyword this method does not take."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, not {type(method).__name__}")
    given = {keyword: value for keyword, value in parameters.items() if value is not None}
    for keyword in given:
        if keyword not in KEYWORDS:
            raise TypeError(f"unexpected keyword argument {keyword!r}; the methods' parameters are "
                            f"{', '.join(KEYWORDS)}")
    if ":" in method or (method not in REGISTRY and _entry(method) is not None):
        # A word from an experiment file: its parameters are in it, and the library reads it.
        if given:
            raise ValueError(f"method {method!r} already names its parameters; do not also pass "
                             f"{', '.join(sorted(given))}")
        return method
    if method not in REGISTRY:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(NAMES)} (or an experiment-file "
                         "word such as 'jvi-2' or 'vr:alpha=0.5')")
    entry = REGISTRY[method]
    by_keyword = {p["keyword"]: p for p in entry["parameters"]}
    for keyword in given:
        if keyword not in by_keyword:
            takers = [n for n, e in REGISTRY.items() if any(p["keyword"] == keyword for p in e["parameters"])]
            which = f"the {takers[0]} method" if len(takers) == 1 else "the " + " and ".join(takers) + " methods"
            raise ValueError(f"{keyword} applies to {which}, not {method}")
    name = method
    keyed = entry["parameters"]
    if entry["numbered"]:
        first = keyed[0]
        name = f"{method}-{_value(first, given.get(first['keyword'], int(first['default'])))}"
        keyed = keyed[1:]
    spelled = [f"{p['key']}={_value(p, given[p['keyword']])}" for p in keyed if p["keyword"] in given]
    return name + (":" + ",".join(spelled) if spelled else "")


def listing(names):
    """"a, b and c"."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _entry(word_):
    """The registry entry a word names by its head ("vr" of "vr:alpha=0.5", "jvi" of "jvi-2"), or None."""
    head = word_.split(":", 1)[0]
    if head in REGISTRY:
        return REGISTRY[head]
    return next((e for n, e in REGISTRY.items() if e["numbered"] and head.startswith(n + "-")), None)


def differentiable(word_):
    """Whether the estimator a word names has gradient weights."""
    entry = _entry(word_)
    return entry is not None and entry["differentiable"]
