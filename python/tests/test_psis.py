"""jvi.psis against ArviZ's psislw, and jvi.diagnostics against the command line."""
import numpy as np
import pytest
import scipy.special

import jvi


def test_smoothed_weights_are_normalised_and_khat_finite():
    x = np.random.default_rng(8).standard_t(2, size=(6, 400))
    log_weights, khat = jvi.psis(x)
    np.testing.assert_allclose(scipy.special.logsumexp(log_weights, axis=1), 0, atol=1e-13)
    assert log_weights.shape == x.shape and khat.shape == (6,) and np.isfinite(khat).all()


@pytest.mark.parametrize("shape", [(5, 26), (4, 100), (3, 1000), (2, 4000)])
def test_against_arviz_psislw(shape):
    az = pytest.importorskip("arviz")
    x = np.random.default_rng(shape[1]).standard_t(3, size=shape) * 1.5
    log_weights, khat = jvi.psis(x)
    expected_weights, expected_khat = az.psislw(x.copy())
    np.testing.assert_allclose(khat, expected_khat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(log_weights, expected_weights, rtol=0, atol=1e-12)


def test_other_axis_and_short_rows():
    x = np.random.default_rng(9).normal(size=(50, 3))
    log_weights, khat = jvi.psis(x, axis=0)
    assert log_weights.shape == (50, 3) and khat.shape == (3,)
    short, khat_short = jvi.psis(np.zeros((2, 20)))
    assert np.isinf(khat_short).all()
    np.testing.assert_allclose(short, -np.log(20), atol=1e-15)


def test_diagnostics_are_the_numbers_of_jvi_eval(run_cli, heavy):
    rows = run_cli(heavy, "--diagnostics", "--per-instance")
    d = jvi.diagnostics(heavy)
    columns = {"ess": "ess", "max_weight": "max_weight", "khat": "pareto_k", "psis_ess": "psis_ess",
               "jackknife_bias": "jackknife_bias", "jackknife_variance": "jackknife_variance"}
    for name, column in columns.items():
        expected = np.array([float(r[column]) for r in rows])
        assert getattr(d, name).tobytes() == expected.tobytes(), name
    assert d.khat_threshold == pytest.approx(min(1 - 1 / np.log10(64), 0.7))
    assert jvi.khat_threshold(64) == d.khat_threshold


def test_diagnostics_to_pandas():
    pd = pytest.importorskip("pandas")
    frame = jvi.diagnostics(np.random.default_rng(10).normal(size=(4, 30))).to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(jvi.Diagnostics.FIELDS)
    assert len(frame) == 4
