"""JVI_CPU reaches the library: the baseline path runs (and agrees with the CPU's own within the
kernels' bounds), and a path the machine cannot run is a ValueError at each call, not a crash."""
import os
import subprocess
import sys

import numpy as np

SCRIPT = """
import numpy as np, jvi
x = np.random.default_rng(3).standard_t(3, size=(50, 200)) * 2
try:
    print(jvi.library_version().split()[-1].rstrip(")"), repr(jvi.jvi(x, order=2).tolist()))
except ValueError as error:
    print("ValueError", error)
"""


def run(cpu):
    env = dict(os.environ, JVI_CPU=cpu)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_baseline_path_agrees_with_the_cpus_own():
    auto, baseline = run("auto"), run("baseline")
    assert baseline.startswith("baseline ")
    a = np.array(eval(auto.split(" ", 1)[1]))
    b = np.array(eval(baseline.split(" ", 1)[1]))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * np.abs(a).max())


def test_an_unknown_path_is_a_value_error():
    assert run("pentium").startswith("ValueError")
