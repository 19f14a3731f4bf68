"""The three ways a user builds jvi, side by side: `make release`, a plain `swift build -c release`
(its own scratch folder), and a package that depends on a tagged jvi (`from: "1.0.0"`, no flags;
scripts/check-dependency.sh --tools builds jvi's tools as products of that dependency).

Each route's tools run the same whole-process cases, interleaved round by round (the routes'
order rotates every round), on one thread pinned to CPU 0: an ELBO epoch of the default VAE,
IWAE and JVI-2 over a 2,000 x 5,000 float64 .npy, and jvi-ais on the default VAE. Each figure is
the median over rounds of the wall time from spawn to exit; the spread is (max - min)/median.
Writes results/bench/build-routes.{csv,md}.

    python3 benchmarks/build_routes.py [--rounds 5] [--skip-build]

Needs Fashion-MNIST and the default model (make data train).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUTES = {
    "make release": os.path.join(ROOT, ".build", "release"),
    "swift build -c release": os.path.join(ROOT, ".build-plain", "release"),
    "dependent package": os.path.join(ROOT, ".build-dependent"),
}


def build() -> None:
    def run(command: list[str]) -> None:
        print("build:", " ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    run(["make", "release"])
    run(["swift", "build", "-c", "release", "--scratch-path", ".build-plain"])
    run(["scripts/check-dependency.sh", "--tools", ".build-dependent"])


def cases(work: str) -> list[tuple[str, list[str]]]:
    model = os.path.join(ROOT, "results", "models", "default-vae.ckpt")
    matrix = os.path.join(work, "logw-2000x5000.npy")
    return [
        ("epoch ELBO (50,000 images)", ["jvi-train", "--objective", "elbo-a", "--k", "1", "--epochs", "1",
                                        "--threads", "1", "--output", os.path.join(work, "epoch.ckpt")]),
        ("IWAE 2,000 x 5,000", ["jvi-eval", "--input", matrix, "--estimator", "iwae", "--threads", "1"]),
        ("JVI-2 2,000 x 5,000", ["jvi-eval", "--input", matrix, "--estimator", "jvi", "--order", "2",
                                 "--threads", "1"]),
        ("jvi-ais 100 images x 4 chains x 100 temperatures", [
            "jvi-ais", "--model", model, "--instances", "100", "--chains", "4", "--temperatures", "100",
            "--leapfrog", "5", "--threads", "1", "--output", os.path.join(work, "ais.csv")]),
    ]


def write_matrix(path: str) -> None:
    """2,000 x 5,000 log-weights ~ N(-100, 2^2), C order float64 (the .npy format, by hand)."""
    import random
    import struct

    rng = random.Random(1)
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2000, 5000), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        for _ in range(2000):
            f.write(struct.pack("<5000d", *(rng.gauss(-100, 2) for _ in range(5000))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--output-dir", default=os.path.join(ROOT, "results", "bench"))
    args = parser.parse_args()
    if not args.skip_build:
        build()
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as work:
        write_matrix(os.path.join(work, "logw-2000x5000.npy"))
        routes = list(ROUTES)
        for r in range(args.rounds):
            order = routes[r % 3:] + routes[:r % 3]
            for name, command in cases(work):
                for route in order:
                    binary = os.path.join(ROUTES[route], command[0])
                    start = time.perf_counter()
                    subprocess.run(["taskset", "-c", "0", binary] + command[1:], check=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    times.setdefault((name, route), []).append(time.perf_counter() - start)
            print(f"round {r + 1} of {args.rounds} done", flush=True)
    version = subprocess.run([os.path.join(ROUTES["make release"], "jvi-eval"), "--version"],
                             capture_output=True, text=True).stdout.strip()
    revision = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    os.makedirs(args.output_dir, exist_ok=True)
    rows = []
    for name, _ in cases("/tmp"):
        base = statistics.median(times[(name, "make release")])
        for route in ROUTES:
            t = times[(name, route)]
            median = statistics.median(t)
            rows.append({"case": name, "route": route, "rounds": len(t), "median_seconds": f"{median:.4f}",
                         "spread": f"{(max(t) - min(t)) / median:.3f}",
                         "ratio_to_make_release": f"{median / base:.3f}", "git_revision": revision,
                         "date": date, "build": version})
    with open(os.path.join(args.output_dir, "build-routes.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = [f"# Build routes, {date} (revision {revision}; {version})", "",
             f"Whole process, 1 thread pinned to CPU 0, median of {args.rounds} interleaved rounds "
             "(spread = (max - min)/median). Ratio: time / make release's time (bar: within 1.1).", "",
             "| case | route | median s | spread | ratio |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['case']} | {row['route']} | {row['median_seconds']} | "
                     f"{float(row['spread']) * 100:.1f}% | {row['ratio_to_make_release']} |")
    with open(os.path.join(args.output_dir, "build-routes.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
