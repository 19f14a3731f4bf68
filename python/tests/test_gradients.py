"""jvi.value_and_grad: the command line's gradient weights, and central finite differences."""
import numpy as np
import pytest

import jvi


def test_extended_precision_gives_the_bits_of_gradient_weights(jvi_eval, heavy, tmp_path):
    import subprocess

    source, weights = tmp_path / "logw.npy", tmp_path / "g.npy"
    np.save(source, heavy)
    for order in (1, 2, 3):
        subprocess.run([jvi_eval, "--input", str(source), "--estimator", "jvi", "--order", str(order),
                        "--gradient-weights", str(weights)], check=True, capture_output=True)
        _, g = jvi.value_and_grad(heavy, "jvi", order=order, precision="extended")
        assert g.tobytes() == np.load(weights).tobytes()


@pytest.mark.parametrize("method,parameters", [("iwae", {}), ("jvi", {"order": 1}), ("jvi", {"order": 2}),
                                               ("jvi", {"order": 4}), ("vr", {"alpha": 0.5}),
                                               ("vr", {"alpha": -0.7})])
@pytest.mark.parametrize("precision", ["auto", "extended"])
def test_gradient_against_central_differences(method, parameters, precision):
    x = np.random.default_rng(5).normal(size=(3, 12)) * 1.5
    value, g = jvi.value_and_grad(x, method, precision=precision, **parameters)
    assert value.tobytes() == jvi.estimate(x, method, **parameters).tobytes()
    h = 1e-5
    numeric = np.empty_like(x)
    for i in range(x.shape[1]):
        up, down = x.copy(), x.copy()
        up[:, i] += h
        down[:, i] -= h
        numeric[:, i] = (jvi.estimate(up, method, **parameters) - jvi.estimate(down, method, **parameters)) / (2 * h)
    np.testing.assert_allclose(g, numeric, rtol=0, atol=1e-8)
    np.testing.assert_allclose(g.sum(axis=1), 1, rtol=0, atol=1e-12)


def test_auto_and_extended_agree_to_the_auto_bound(heavy):
    _, auto = jvi.value_and_grad(heavy, "jvi", order=2)
    _, extended = jvi.value_and_grad(heavy, "jvi", order=2, precision="extended")
    assert np.max(np.abs(auto - extended)) <= 1e-11


def test_gradient_on_another_axis_has_the_input_shape():
    x = np.random.default_rng(6).normal(size=(16, 3))
    value, g = jvi.value_and_grad(x, "jvi", order=2, axis=0)
    assert value.shape == (3,) and g.shape == (16, 3)
    _, g_rows = jvi.value_and_grad(np.ascontiguousarray(x.T), "jvi", order=2)
    assert g.T.tobytes() == np.ascontiguousarray(g_rows).tobytes()


def test_gradient_threads_never_change_a_bit(heavy):
    big = np.tile(heavy, (30, 1))
    assert (jvi.value_and_grad(big, "jvi", order=3, threads=1)[1].tobytes()
            == jvi.value_and_grad(big, "jvi", order=3, threads=2)[1].tobytes())


def test_undefined_row_is_nan_in_value_and_gradient():
    x = np.random.default_rng(7).normal(size=(3, 8))
    x[2, 1:] = -np.inf
    with pytest.warns(jvi.UndefinedRowWarning):
        value, g = jvi.value_and_grad(x, "jvi", order=1)
    assert np.isnan(value[2]) and np.isnan(g[2]).all() and np.isfinite(g[:2]).all()


def test_methods_without_gradient_are_refused():
    with pytest.raises(ValueError, match="iwae, jvi and vr"):
        jvi.value_and_grad(np.zeros((2, 30)), "psis")
    with pytest.raises(ValueError, match="precision"):
        jvi.value_and_grad(np.zeros((2, 30)), "iwae", precision="double")
