"""Bad input raises ValueError or TypeError naming what is wrong, and never stops the interpreter."""
import warnings

import numpy as np
import pytest

import jvi


@pytest.mark.parametrize("value,where", [(np.nan, "NaN"), (np.inf, r"\+inf")])
def test_non_finite_log_weights_name_row_and_column(value, where):
    x = np.zeros((4, 6))
    x[2, 3] = value
    with pytest.raises(ValueError, match=f"row 2.*column 3|{where}"):
        jvi.iwae(x)


@pytest.mark.parametrize("call,error,match", [
    (lambda: jvi.estimate(np.zeros((2, 5)), "nope"), ValueError, "unknown method 'nope'"),
    (lambda: jvi.estimate(np.zeros((2, 5)), "iwae", alpha=0.5), ValueError, "alpha applies to the vr method, not iwae"),
    (lambda: jvi.estimate(np.zeros((2, 5)), "iwae", order=1), ValueError, "order applies to the jvi method"),
    (lambda: jvi.estimate(np.zeros((2, 5)), "iwae:alpha=0.5"), ValueError, "iwae takes no parameters"),
    (lambda: jvi.estimate(np.zeros((2, 5)), "iwae", gamma=1), TypeError, "unexpected keyword argument 'gamma'"),
    (lambda: jvi.jvi(np.zeros((2, 5)), order=5), ValueError, "order 5"),
    (lambda: jvi.jvi(np.zeros((2, 5)), order=1.5), TypeError, "order must be an integer"),
    (lambda: jvi.vr(np.zeros((2, 5)), "a"), TypeError, "alpha must be a real number"),
    (lambda: jvi.vr(np.zeros((2, 5)), np.nan), ValueError, "alpha must be a number"),
    (lambda: jvi.iwae(np.zeros((2, 5)), axis=2), ValueError, "axis 2 is out of range"),
    (lambda: jvi.iwae(np.float64(1.0)), ValueError, "at least one axis"),
    (lambda: jvi.iwae(np.zeros((2, 0))), ValueError, "no samples"),
    (lambda: jvi.iwae(np.array([["a", "b"]])), TypeError, "real numbers"),
    (lambda: jvi.iwae(np.zeros((2, 5), dtype=complex)), TypeError, "real numbers"),
    (lambda: jvi.iwae(np.zeros((2, 5)), k=6), ValueError, "k must be"),
    (lambda: jvi.iwae(np.zeros((2, 5)), threads=0), ValueError, "threads must be at least 1"),
    (lambda: jvi.estimate(np.zeros((2, 5)), "sumo", seed=-1), ValueError, "seed must be at least 0"),
    (lambda: jvi.estimate(np.zeros((2, 30)), "mlmc", form="xx"), ValueError, "form must be ss or rr"),
    (lambda: jvi.estimate(np.zeros((2, 5)), 3), TypeError, "method must be a string"),
    (lambda: jvi.estimate(np.zeros((2, 5)), "jvi-2", order=2), ValueError, "already names its parameters"),
])
def test_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_psis_on_a_short_row_is_undefined_not_an_error():
    with pytest.warns(jvi.UndefinedRowWarning, match="PSIS needs at least 5"):
        assert np.isnan(jvi.estimate(np.zeros((2, 5)), "psis")).all()


def malformed_calls(rng, count):
    """Random calls, most of them wrong in one or more ways."""
    methods = list(jvi.methods) + ["", "jvi-11", "jvi--1", "vr:alpha=", "vr:alpha=x", "mlmc:form=zz", "tvo:partitions=0",
                                   "sumo:m=0", "ciwae:beta=2", "iwae:", ":", "jvi-2:order=1", "x" * 500, "vr:alpha=1e999"]
    shapes = [(0,), (1,), (3,), (2, 1), (2, 5), (4, 21), (3, 0), (0, 4), (2, 3, 4), (1, 1, 1, 1)]
    dtypes = [np.float64, np.float32, np.int64, np.bool_, complex, object, np.uint8, str]
    specials = [np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324]
    for _ in range(count):
        shape = shapes[rng.integers(len(shapes))]
        x = rng.normal(size=shape) * rng.choice([1, 50, 1e3])
        if x.size and rng.random() < 0.5:
            flat = x.reshape(-1)
            flat[rng.integers(flat.size, size=rng.integers(1, 4))] = rng.choice(specials)
        dtype = dtypes[rng.integers(len(dtypes))] if rng.random() < 0.3 else np.float64
        try:
            with np.errstate(invalid="ignore", over="ignore"):
                x = x.astype(dtype)
        except (TypeError, ValueError):
            pass
        if rng.random() < 0.2 and x.ndim >= 2:
            x = x[:, ::-1] if rng.random() < 0.5 else np.asfortranarray(x)
        kwargs = {}
        for key, values in [("axis", [-3, -1, 0, 1, 2, 5, 1.0, "0"]), ("k", [None, 0, 1, 3, 5, 100, -2, 2.5]),
                            ("threads", [None, 1, 2, 0, -1, 5000, 1.5]), ("strict", [False, True])]:
            if rng.random() < 0.3:
                kwargs[key] = values[rng.integers(len(values))]
        method = methods[rng.integers(len(methods))]
        parameters = {}
        for key, values in [("order", [0, 1, 2, 3, 10, 11, -1, 2.0, "2"]), ("alpha", [0.5, -2, 1, 1.0, 1e300, "a"]),
                            ("beta", [0.0, 0.5, 1.5]), ("partitions", [0, 1, 5, 2000]), ("min_terms", [0, 1, 4]),
                            ("seed", [0, -1, 2**64, 7])]:
            if rng.random() < 0.15:
                parameters[key] = values[rng.integers(len(values))]
        kind = rng.integers(5)
        if kind == 0:
            yield lambda x=x, m=method, p=parameters, a=kwargs: jvi.estimate(x, m, **p, **a)
        elif kind == 1:
            prec = ["auto", "extended", "x"][rng.integers(3)]
            a = {key: v for key, v in kwargs.items() if key != "strict"}
            p = {key: v for key, v in parameters.items() if key in ("order", "alpha")}
            yield lambda x=x, m=method, p=p, a=a, prec=prec: jvi.value_and_grad(x, m, precision=prec, **p, **a)
        elif kind == 2:
            a = {key: v for key, v in kwargs.items() if key in ("axis", "threads")}
            yield lambda x=x, a=a: jvi.psis(x, **a)
        elif kind == 3:
            a = {key: v for key, v in kwargs.items() if key in ("axis", "threads", "k")}
            yield lambda x=x, a=a: jvi.diagnostics(x, **a)
        else:
            yield lambda x=x, o=parameters.get("order", 1): jvi.jvi(x, order=o)


def test_thousands_of_malformed_calls_raise_or_answer():
    rng = np.random.default_rng(2026)
    outcomes = {"answered": 0, "ValueError": 0, "TypeError": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jvi.UndefinedRowWarning)
        for call in malformed_calls(rng, 4000):
            try:
                call()
                outcomes["answered"] += 1
            except (ValueError, TypeError) as error:
                assert str(error), "an error without a message"
                outcomes[type(error).__name__ if type(error) in (ValueError, TypeError) else
                         ("ValueError" if isinstance(error, ValueError) else "TypeError")] += 1
    assert sum(outcomes.values()) == 4000
    assert min(outcomes.values()) > 100, outcomes
