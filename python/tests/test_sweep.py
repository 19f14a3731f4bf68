"""jvi.sweep: the rows jvi-sweep writes for the same matrix, and its refusals."""
import csv
import os
import subprocess

import numpy as np
import pytest

import jvi

K = [1, 2, 4, 8, 16]
WORDS = ["iwae", "jvi-1", "jvi-2", "vr:alpha=0.3"]


@pytest.fixture
def matrix():
    return np.random.default_rng(26).standard_t(4, size=(30, 3 * 16 + 64)) * 1.5


def test_same_rows_as_jvi_sweep(jvi_eval, matrix, tmp_path):
    sweep_tool = os.path.join(os.path.dirname(jvi_eval), "jvi-sweep")
    if not os.access(sweep_tool, os.X_OK):
        pytest.skip("no jvi-sweep next to jvi-eval")
    np.save(tmp_path / "logw.npy", matrix)
    (tmp_path / "m.experiment").write_text(
        f"model = matrix\nlogw = {tmp_path / 'logw.npy'}\nk = {' '.join(map(str, K))}\n"
        f"estimators = {' '.join(WORDS)}\nreplicate-sets = 3\nseed = 5\n")
    subprocess.run([sweep_tool, "--experiment", str(tmp_path / "m.experiment"), "--run-id", "cli", "--results",
                    str(tmp_path / "results")], check=True, capture_output=True)
    with open(tmp_path / "results" / "m" / "cli.csv", newline="") as f:
        expected = list(csv.DictReader(f))
    got = jvi.sweep(matrix, k=K, estimators=WORDS, replicate_sets=3, seed=5)
    assert len(got) == len(expected) == 17  # jvi-m starts at K = m + 1
    for column in expected[0]:
        if column == "seconds":
            continue
        values = [r[column] for r in expected]
        if column in ("model", "dataset", "estimator"):
            assert list(got[column]) == values, column
        else:
            assert np.array_equal(got[column], np.array([float(v) for v in values])), column


def test_reference_of_your_own_and_kept_files(matrix, tmp_path):
    reference = np.stack([np.full(30, 1.25), np.full(30, 0.5)], axis=1)
    result = jvi.sweep(matrix[:, :48], k=[1, 4, 16], estimators=["iwae"], replicate_sets=3, reference=reference,
                       output_dir=tmp_path, name="mine", run_id="r1")
    assert np.all(result["reference"] == 1.25)
    assert np.allclose(result["reference_se"], 0.5 / np.sqrt(30))
    assert sorted(result.files) == ["csv", "figure", "intervals", "manifest", "reference"]
    assert all(os.path.exists(p) for p in result.files.values())
    assert (tmp_path / "mine-logw.npy").exists()
    pytest.importorskip("pandas")
    assert list(result.to_pandas().columns)[:3] == ["model", "dataset", "estimator"]


def test_refusals(matrix):
    with pytest.raises(ValueError, match="is 30 x 40; 3 replicate sets x K_max 16 \\+ 2 reference samples need 50"):
        jvi.sweep(matrix[:, :40], k=[1, 16], estimators=["iwae"], replicate_sets=3)
    with pytest.raises(ValueError, match="2-D"):
        jvi.sweep(matrix[0], k=[1], estimators=["iwae"], replicate_sets=2)
    with pytest.raises(ValueError, match="not an estimator word"):
        jvi.sweep(matrix, k=[1], estimators=["iwae jvi-1"], replicate_sets=2)
    with pytest.raises(ValueError, match="unknown estimator"):
        jvi.sweep(matrix, k=[1], estimators=["nope"], replicate_sets=2)
    with pytest.raises(ValueError, match="replicate_sets must be at least 2"):
        jvi.sweep(matrix, k=[1], estimators=["iwae"], replicate_sets=1)
    with pytest.raises(ValueError, match="must increase"):
        jvi.sweep(matrix, k=[4, 2], estimators=["iwae"], replicate_sets=2)
    bad = matrix.copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        jvi.sweep(bad, k=[1], estimators=["iwae"], replicate_sets=2)
