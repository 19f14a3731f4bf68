"""K-sweeps of bias, variance and MSE over a user's log-weights, as jvi-sweep runs them."""
import csv
import os
import shutil
import tempfile
import time

import numpy as np

from . import _arrays, _library

_INTEGER_COLUMNS = ("order", "k", "n_instances", "replicates")
_TEXT_COLUMNS = ("model", "dataset", "estimator")


class SweepResult:
    """The rows of a sweep's CSV, as a record of arrays: ``result["bias"]``, ``result.columns``,
    ``to_dict()``, ``to_pandas()``. ``files`` names the files written when `output_dir` was given
    (csv, intervals, reference, manifest, figure); otherwise they were removed."""

    def __init__(self, columns, files):
        self._columns = columns
        self.columns = tuple(columns)
        self.files = files

    def __getitem__(self, name):
        return self._columns[name]

    def __len__(self):
        return len(next(iter(self._columns.values()))) if self._columns else 0

    def to_dict(self):
        return dict(self._columns)

    def to_pandas(self):
        """A pandas DataFrame with the CSV's columns (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self._columns)

    def __repr__(self):
        return f"SweepResult({len(self)} rows: {', '.join(self.columns)})"


def _words(values, name):
    if isinstance(values, (str, bytes)):
        values = [values]
    out = []
    for v in values:
        if not isinstance(v, str):
            raise TypeError(f"{name} must be strings, not {type(v).__name__}")
        if not v or any(c.isspace() or c == "#" for c in v):
            raise ValueError(f"{name}: {v!r} is not an estimator word")
        out.append(v)
    if not out:
        raise ValueError(f"{name} is empty")
    return out


def sweep(logw, k, estimators, *, replicate_sets, reference="jvi-1", reference_samples=None, seed=0,
          instances=None, output_dir=None, name="sweep", run_id=None, threads=None, bootstrap=2000):
    """Sweeps K over `logw` (N instances x C independent draws) as ``jvi-sweep`` does for an
    experiment file with ``model = matrix``, and returns the CSV's rows (`SweepResult`).

    Replicate set s is the column block [s*K_max, (s+1)*K_max) of `logw`, K_max = max(k).
    `reference` is "jvi-1" or "iwae" of the columns past the sets (the last `reference_samples`
    of them; all by default), or an array of N reference values, or N x 2 (value, standard
    error), of your own (an AIS run). `estimators` are experiment-file words ("iwae", "jvi-2",
    "vr:alpha=0.5"). With `output_dir`, the sweep's files are kept in
    ``output_dir/<name>/<run_id>.*`` (and the log-weights as ``output_dir/<name>-logw.npy``),
    the same files jvi-sweep writes; otherwise they go to a temporary folder that is removed.
    The rows are the bits jvi-sweep writes for the same file, in every column but ``seconds``.
    """
    if np.ndim(logw) != 2:
        raise ValueError(f"logw must be 2-D (instances x draws), got {np.ndim(logw)} dimension(s)")
    matrix = _arrays.Rows(logw, -1).matrix
    ks = [_arrays.integer(v, "k", 1) for v in (k if np.ndim(k) else [k])]
    words = _words(estimators, "estimators")
    sets = _arrays.integer(replicate_sets, "replicate_sets", 2)
    seed = _arrays.integer(seed, "seed", 0, 2**64 - 1)
    lines = ["model = matrix", "", f"k = {' '.join(map(str, ks))}", f"estimators = {' '.join(words)}",
             f"replicate-sets = {sets}", f"seed = {seed}"]
    if instances is not None:
        lines.append(f"instances = {_arrays.integer(instances, 'instances', 1)}")
    keep = output_dir is not None
    work = os.path.abspath(output_dir) if keep else tempfile.mkdtemp(prefix="jvi-sweep-")
    try:
        os.makedirs(work, exist_ok=True)
        if not isinstance(name, str) or not name:
            raise TypeError("name must be a non-empty string")
        logw_path = os.path.join(work, f"{name}-logw.npy" if keep else "logw.npy")
        np.save(logw_path, matrix)
        lines[1] = f"logw = {logw_path}"
        if isinstance(reference, str):
            lines.append(f"reference = {_words(reference, 'reference')[0]}")
            if reference_samples is not None:
                lines.append(f"reference-samples = {_arrays.integer(reference_samples, 'reference_samples', 2)}")
        else:
            values = np.asarray(reference, dtype=np.float64)
            if values.ndim not in (1, 2) or (values.ndim == 2 and values.shape[1] != 2):
                raise ValueError(f"reference must be N values or N x 2 (value, standard error), got shape "
                                 f"{values.shape}")
            reference_path = os.path.join(work, f"{name}-reference.npy" if keep else "reference.npy")
            np.save(reference_path, np.ascontiguousarray(values))
            lines += ["reference = file", f"reference-file = {reference_path}"]
            if reference_samples is not None:
                raise ValueError("reference_samples applies to reference = 'jvi-1' or 'iwae'")
        run = run_id or time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        csv_path = _library.sweep("\n".join(lines) + "\n", name, work, run, _arrays.threads(threads),
                                  _arrays.integer(bootstrap, "bootstrap", 100, 1_000_000))
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        columns = {}
        for column in (rows[0].keys() if rows else []):
            values = [r[column] for r in rows]
            if column in _TEXT_COLUMNS:
                columns[column] = np.array(values, dtype=object)
            elif column in _INTEGER_COLUMNS:
                columns[column] = np.array([int(v) for v in values])
            else:
                columns[column] = np.array([float(v) if v else np.nan for v in values])
        base = csv_path[: -len(".csv")]
        files = {kind: base + suffix for kind, suffix in
                 [("csv", ".csv"), ("intervals", ".intervals.csv"), ("reference", ".reference.csv"),
                  ("manifest", ".manifest.json"), ("figure", ".svg")]} if keep else {}
        return SweepResult(columns, files)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
