"""jvi.estimate and its shortcuts: the command line's bits, and independent oracles."""
import csv
import itertools
import math
import subprocess

import numpy as np
import pytest
import scipy.special

import jvi

# Every method of jvi-eval that gives one estimate per row, with the parameters the CLI spells.
CASES = [
    ("elbo-a", {}, []),
    ("iwae", {}, []),
    ("jvi", {"order": 0}, ["--order", "0"]),
    ("jvi", {"order": 1}, ["--order", "1"]),
    ("jvi", {"order": 2}, ["--order", "2"]),
    ("jvi", {"order": 5}, ["--order", "5"]),
    ("delta", {}, []),
    ("psis", {}, []),
    ("vr", {"alpha": 0.3}, ["--alpha", "0.3"]),
    ("vr", {"alpha": -1.5}, ["--alpha", "-1.5"]),
    ("vr-max", {}, []),
    ("ciwae", {"beta": 0.25}, ["--beta", "0.25"]),
    ("sumo", {"min_terms": 3, "seed": 7}, ["--min-terms", "3", "--seed", "7"]),
    ("mlmc", {"form": "ss", "seed": 7}, ["--mlmc-form", "ss", "--seed", "7"]),
    ("tvo-upper", {"partitions": 8}, ["--partitions", "8"]),
]


@pytest.mark.parametrize("method,parameters,flags", CASES, ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_same_bits_as_jvi_eval(run_cli, heavy, method, parameters, flags):
    rows = run_cli(heavy, "--estimator", method, *flags, "--per-instance", "--threads", "1")
    expected = np.array([float(r["estimate"]) for r in rows])
    got = jvi.estimate(heavy, method, threads=2, **parameters)
    assert got.tobytes() == expected.tobytes()


def test_tvo_lower_is_the_first_row_of_jvi_eval_tvo(run_cli, heavy):
    rows = run_cli(heavy, "--estimator", "tvo", "--partitions", "4", "--per-instance")
    lower = np.array([float(r["estimate"]) for r in rows if r["estimator"] == "tvo"])
    assert jvi.estimate(heavy, "tvo", partitions=4).tobytes() == lower.tobytes()


def test_blocks_of_k_as_jvi_eval(run_cli, heavy):
    rows = run_cli(heavy, "--estimator", "jvi", "--order", "2", "--k", "16", "--per-instance")
    expected = np.array([float(r["estimate"]) for r in rows])
    assert jvi.jvi(heavy, order=2, k=16).tobytes() == expected.tobytes()


def test_experiment_file_words():
    x = np.random.default_rng(1).normal(size=(5, 40))
    assert jvi.estimate(x, "jvi-2").tobytes() == jvi.jvi(x, order=2).tobytes()
    assert jvi.estimate(x, "vr:alpha=0.25").tobytes() == jvi.vr(x, 0.25).tobytes()


def test_iwae_against_scipy_logsumexp(heavy):
    expected = scipy.special.logsumexp(heavy, axis=1) - math.log(heavy.shape[1])
    np.testing.assert_allclose(jvi.iwae(heavy), expected, rtol=0, atol=4e-15 * np.abs(expected).max() + 1e-15)


def test_elbo_is_the_mean_log_weight(heavy):
    np.testing.assert_allclose(jvi.elbo(heavy), heavy.mean(axis=1), rtol=1e-15, atol=1e-14)


def test_vr_against_its_formula(heavy):
    alpha = 0.4
    expected = (scipy.special.logsumexp((1 - alpha) * heavy, axis=1) - math.log(heavy.shape[1])) / (1 - alpha)
    np.testing.assert_allclose(jvi.vr(heavy, alpha), expected, rtol=1e-13)


def leave_out_mean(x, j):
    """Lbar_{K-j}: the mean IWAE over every subset of K - j samples (brute force)."""
    k = len(x)
    values = [scipy.special.logsumexp(x[list(s)]) - math.log(k - j)
              for s in itertools.combinations(range(k), k - j)]
    return math.fsum(values) / len(values)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_jvi_against_brute_force_subsets(order):
    """JVI_m = sum_j c_j Lbar_{K-j}, c_j = (-1)^j (K-j)^m / (j! (m-j)!) (Nowozin 2018, eq. 12)."""
    rng = np.random.default_rng(order)
    x = rng.normal(size=(4, 9)) * 1.5
    k = x.shape[1]
    for row, got in zip(x, jvi.jvi(x, order=order)):
        c = [(-1) ** j * (k - j) ** order / (math.factorial(j) * math.factorial(order - j)) for j in range(order + 1)]
        expected = math.fsum(c[j] * leave_out_mean(row, j) for j in range(order + 1))
        assert abs(got - expected) <= 1e-12 * max(1.0, abs(expected)) * k ** order


def test_thread_count_never_changes_a_bit(heavy):
    big = np.tile(heavy, (40, 1))
    for method, parameters in [("jvi", {"order": 2}), ("sumo", {"seed": 3}), ("mlmc", {"seed": 3}), ("psis", {})]:
        one = jvi.estimate(big, method, threads=1, **parameters)
        two = jvi.estimate(big, method, threads=2, **parameters)
        assert one.tobytes() == two.tobytes()


def test_axis_and_batch_shapes():
    x = np.random.default_rng(2).normal(size=(3, 50, 4))
    on_axis = jvi.jvi(x, order=2, axis=1)
    assert on_axis.shape == (3, 4)
    moved = np.moveaxis(x, 1, -1)
    assert on_axis.tobytes() == jvi.jvi(np.ascontiguousarray(moved), order=2).tobytes()
    single = jvi.iwae(x[0, :, 0])
    assert np.ndim(single) == 0 and single == jvi.iwae(x[:1, :, 0], axis=1)[0]


def test_float32_and_integer_inputs_are_converted_once():
    x = np.random.default_rng(3).normal(size=(4, 30)).astype(np.float32)
    assert jvi.iwae(x).tobytes() == jvi.iwae(x.astype(np.float64)).tobytes()
    assert jvi.elbo(np.arange(6).reshape(2, 3)).tolist() == [1.0, 4.0]


def test_an_all_minus_infinity_row_is_minus_infinity():
    x = np.full((2, 10), -np.inf)
    x[1] = 0
    assert jvi.iwae(x).tolist() == [-np.inf, 0.0]


def test_undefined_rows_warn_once_and_are_nan():
    x = np.random.default_rng(4).normal(size=(5, 10))
    x[1, 2:] = -np.inf  # two non-zero weights: JVI of order 2 is undefined
    x[3, 1:] = -np.inf
    with pytest.warns(jvi.UndefinedRowWarning, match="2 undefined rows; first: row 1") as caught:
        values = jvi.jvi(x, order=2)
    assert len(caught) == 1
    assert np.isnan(values[[1, 3]]).all() and np.isfinite(values[[0, 2, 4]]).all()
    with pytest.raises(ValueError, match="row 1"):
        jvi.jvi(x, order=2, strict=True)


def test_zero_rows_give_an_empty_result():
    assert jvi.iwae(np.zeros((0, 5))).shape == (0,)


def test_concurrent_calls_from_python_threads_give_the_same_bits(heavy):
    """ctypes releases the GIL; the library keeps no state between calls."""
    from concurrent.futures import ThreadPoolExecutor

    big = np.tile(heavy, (25, 1))
    expected = {m: jvi.estimate(big, m, threads=1).tobytes() for m in ("jvi", "psis", "iwae", "vr")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [(m, pool.submit(jvi.estimate, big, m, threads=1 + i % 2)) for i in range(24)
                   for m in ("jvi", "psis", "iwae", "vr")]
        for m, future in futures:
            assert future.result().tobytes() == expected[m]


@pytest.mark.parametrize("method", [m for m in jvi.methods if m != "elbo-b"])
def test_every_registry_method_at_its_defaults_gives_jvi_evals_bits(run_cli, heavy, method):
    """The methods come from the library's registry: a new estimator is checked here unasked."""
    rows = run_cli(heavy, "--estimator", method, "--per-instance")
    expected = np.array([float(r["estimate"]) for r in rows if r["estimator"] == method])
    assert jvi.estimate(heavy, method).tobytes() == expected.tobytes()


def test_elbo_b_with_its_inputs_gives_jvi_evals_bits(jvi_eval, heavy, tmp_path):
    rng = np.random.default_rng(11)
    log_likelihood = heavy - 3 + rng.normal(size=heavy.shape)
    kl = rng.uniform(0.5, 4, size=heavy.shape[0])
    np.save(tmp_path / "logw.npy", heavy)
    np.save(tmp_path / "ll.npy", log_likelihood)
    np.save(tmp_path / "kl.npy", kl)
    out = subprocess.run([jvi_eval, "--input", str(tmp_path / "logw.npy"), "--log-likelihood", str(tmp_path / "ll.npy"),
                          "--kl", str(tmp_path / "kl.npy"), "--estimator", "elbo-b", "--per-instance"],
                         check=True, capture_output=True, text=True).stdout
    expected = np.array([float(r["estimate"]) for r in csv.DictReader(out.splitlines())])
    got = jvi.estimate(heavy, "elbo-b", log_likelihood=log_likelihood, kl=kl)
    assert got.tobytes() == expected.tobytes()
    # On another axis, the inputs follow logw's layout.
    moved = jvi.estimate(heavy.T, "elbo-b", axis=0, log_likelihood=log_likelihood.T, kl=kl)
    assert moved.tobytes() == expected.tobytes()


def test_elbo_b_refusals(heavy):
    with pytest.raises(ValueError, match="elbo-b needs"):
        jvi.estimate(heavy, "elbo-b")
    with pytest.raises(ValueError, match="give both or neither"):
        jvi.estimate(heavy, "elbo-b", kl=np.zeros(heavy.shape[0]))
    with pytest.raises(ValueError, match="log_likelihood has shape"):
        jvi.estimate(heavy, "elbo-b", log_likelihood=heavy[:, :5], kl=np.zeros(heavy.shape[0]))
    with pytest.raises(ValueError, match="kl has shape"):
        jvi.estimate(heavy, "elbo-b", log_likelihood=heavy, kl=np.zeros(3))
    bad = np.zeros(heavy.shape[0])
    bad[4] = np.nan
    with pytest.raises(ValueError, match="KL divergence"):
        jvi.estimate(heavy, "elbo-b", log_likelihood=heavy, kl=bad)
