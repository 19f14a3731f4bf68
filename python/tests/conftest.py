"""Shared fixtures: seeded log-weight matrices and the command-line tool the bits are checked against."""
import csv
import os
import pathlib
import subprocess

import numpy as np
import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def jvi_eval_path():
    """JVI_EVAL, or the repository's release build; None when neither exists."""
    path = os.environ.get("JVI_EVAL") or str(REPOSITORY / ".build" / "release" / "jvi-eval")
    return path if os.access(path, os.X_OK) else None


@pytest.fixture(scope="session")
def jvi_eval():
    path = jvi_eval_path()
    if path is None:
        pytest.skip("no jvi-eval (set JVI_EVAL or run swift build -c release)")
    return path


@pytest.fixture
def run_cli(jvi_eval, tmp_path):
    """Runs jvi-eval on a matrix saved as .npy; returns its CSV rows as dicts."""

    def run(matrix, *arguments):
        source = tmp_path / "logw.npy"
        np.save(source, np.ascontiguousarray(matrix, dtype=np.float64))
        out = subprocess.run([jvi_eval, "--input", str(source), *arguments], check=True, capture_output=True,
                             text=True)
        return list(csv.DictReader(out.stdout.splitlines()))

    return run


@pytest.fixture
def heavy():
    """20 rows x 64 log-weights of a heavy-tailed law (Student t, 3 degrees of freedom, scale 2)."""
    return np.random.default_rng(20261207).standard_t(3, size=(20, 64)) * 2
