"""Runs jvi and its peers side by side, interleaved, and writes peers.csv and peers.md.

Every ratio comes from one run on one machine: for each group of cases and each round the jvi
side and the peer side run one after the other, in alternating order (round 1: jvi first, round
2: peers first, ...), so slow drifts of the machine (another job, the clock, the page cache)
fall on both sides. Each side's figure is the median of its per-round medians; the spread is
(max − min)/median over the rounds.

In-process cases (jvi-bench suites estimators, gemm, training): the jvi side is
`jvi-bench --suite S --filter=F --runs R --output-dir TMP` (the median of R timed runs per
case and thread count, read from TMP/S.csv); the peer side is one subprocess per case, thread
count and peer library (benchmarks/peers/*.py, each printing one JSON line).

Whole-process cases: AIS (`jvi-ais` against ais.py in torch float32 and float64) and IWAE over
a big .npy (`jvi-eval` against npy_iwae.py), each timed from spawn to exit, the big-.npy runs
also polled every 5 ms for their anonymous memory.

Thread counts: a peer subprocess for T threads sets its BLAS/OpenMP/XLA/torch pools to T; for
T = 1 it (and any whole-process jvi run) is pinned to CPU 0, for T = 2 to CPUs {0, 1}.

    python benchmarks/peers/run.py --list
    python benchmarks/peers/run.py --rounds 3
    python benchmarks/peers/run.py --only gemm- --rounds 5
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import common  # noqa: E402  (stdlib-only at import time)


# --------------------------------------------------------------------------------------------
# The cases


@dataclass
class Peer:
    label: str           # as in peers.csv's peer column, e.g. "numpy/OpenBLAS"
    library: str         # numpy, torch or jax: a missing library skips every peer that uses it
    script: str          # file in benchmarks/peers/
    args: list[str]      # case arguments (--threads and --runs are added)


@dataclass
class Case:
    name: str            # jvi-bench's case name (or the driver's own for whole-process cases)
    kind: str            # "bench" (jvi-bench, in-process) or "ais" / "npy" (whole process)
    suite: str           # jvi-bench suite for "bench"
    group: str           # jvi-bench --filter shared by the cases run together
    threads: list[int]
    work: str            # what one run computes, for peers.md
    peers: list[Peer]
    long: bool = False   # timed per epoch / whole body (--epoch-runs) rather than --runs
    target: str = ""     # printed in the target column
    # How the target is checked: ("ratio", peer label, minimum) against one peer,
    # ("best", None, minimum) against the fastest peer, ("npy", peer label, MB limit).
    check: tuple | None = None
    target_peer: str | None = None  # the peer row the target text goes on (None: every row)
    ais_model: str | None = None    # jvi-ais's --model for this case (None: --model)
    ais_data: str | None = None     # and its --data


# The default VAE's products, as in GEMMBenchmarks.swift: (product, M, K, N).
GEMM_VAE_SHAPES = [
    ("AB", 100, 784, 200), ("AB", 100, 200, 200), ("AB", 500, 50, 200), ("AB", 500, 200, 200),
    ("AB", 500, 200, 784), ("AB", 1024, 200, 784),
    ("AtB", 784, 100, 200), ("AtB", 200, 500, 200), ("AtB", 200, 500, 784),
    ("ABt", 100, 200, 200), ("ABt", 500, 200, 200), ("ABt", 500, 784, 200),
]


def build_cases(args) -> list[Case]:
    cases: list[Case] = []
    numpy_gemm = "numpy/OpenBLAS"
    # GEMM: every product of the default VAE, 1 and 2 threads.
    for kind, m, k, n in GEMM_VAE_SHAPES:
        shape = f"{m}x{k}x{n}"
        name = f"gemm-{kind}-{shape}"
        base = ["--product", kind, "--shape", shape]
        cases.append(Case(
            name=name, kind="bench", suite="gemm", group=name, threads=[1, 2],
            work=f"GEMM {kind} {m}×{k}×{n} float32",
            peers=[Peer(numpy_gemm, "numpy", "gemm.py", ["--peer", "numpy"] + base),
                   Peer("torch", "torch", "gemm.py", ["--peer", "torch"] + base)],
            target=f"jvi >= 1.0x {numpy_gemm}", target_peer=numpy_gemm, check=("ratio", numpy_gemm, 1.0)))
    # IWAE (log-mean-exp per row), 1 thread, as in EstimatorBenchmarks.swift.
    for n, k in ((1000, 64), (1000, 1024), (1000, 5000), (256, 256)):
        name = f"iwae-n{n}-k{k}"
        shape = ["--n", str(n), "--k", str(k)]
        cases.append(Case(
            name=name, kind="bench", suite="estimators", group=name, threads=[1],
            work=f"IWAE of {n}×{k} float64 log-weights",
            peers=[Peer("jax-jit", "jax", "iwae.py", ["--peer", "jax"] + shape),
                   Peer("numpy", "numpy", "iwae.py", ["--peer", "numpy"] + shape)]))
    # JVI against the dense reference (every subset enumerated), N = 256, 1 thread.
    for k in (8, 16, 64, 256):
        for m in (1, 2, 3):
            name = f"jvi{m}-n256-k{k}"
            cases.append(Case(
                name=name, kind="bench", suite="estimators", group=name, threads=[1],
                work=f"JVI order {m}, 256×{k} float64",
                peers=[Peer("dense reference (numpy)", "numpy", "jvi_dense.py",
                            ["--n", "256", "--k", str(k), "--order", str(m)])]))
    # The jackknife's DReG gradient weights against their dense enumeration in PyTorch, 1 thread:
    # jvi's training path (automatic precision) and its exported path (double-double).
    for m, k, n in ((1, 64, 256), (2, 64, 256), (3, 64, 32), (2, 256, 32)):
        for path in ("series", "series-extended"):
            cases.append(Case(
                name=f"gradient-dreg-jvi{m}-k{k}-{path}", kind="bench", suite="estimators",
                group=f"gradient-dreg-jvi{m}-k{k}-series", threads=[1],
                work=f"JVI-{m} DReG weights, {n}×{k} float64" + (", double-double" if path != "series" else ""),
                peers=[Peer("dense (torch)", "torch", "jvi_dreg_dense.py",
                            ["--n", str(n), "--k", str(k), "--order", str(m), "--path", path])]))
    # Training epochs: 60,000 images, batch 100, Adam, the default VAE, 1 and 2 threads.
    for objective, k, group in (("elbo", 1, "epoch-elbo-a-k1"), ("iwae", 5, "epoch-iwae-k5"),
                                ("iwae", 50, "epoch-iwae-k5")):
        name = f"epoch-{'elbo-a' if objective == 'elbo' else 'iwae'}-k{k}"
        extra = ["--objective", objective, "--k", str(k)]
        cases.append(Case(
            name=name, kind="bench", suite="training", group=group, threads=[1, 2], long=True,
            work=f"VAE epoch, {'ELBO' if objective == 'elbo' else 'IWAE'} k={k}, 60,000 images",
            peers=[Peer("torch", "torch", "vae_epoch.py", ["--peer", "torch"] + extra),
                   Peer("jax-jit", "jax", "vae_epoch.py", ["--peer", "jax"] + extra)],
            target="jvi >= 1.5x the faster of jax-jit and torch", check=("best", None, 1.5)))
    cases.append(Case(
        name="logweights-n1000-k5000", kind="bench", suite="training", group="logweights-", threads=[1, 2],
        long=True, work="VAE log-weights, 1,000 images × 5,000 samples",
        peers=[Peer("torch", "torch", "logweights.py", ["--peer", "torch"]),
               Peer("jax-jit", "jax", "logweights.py", ["--peer", "jax"])],
        target="jvi >= 2x torch", target_peer="torch", check=("ratio", "torch", 2.0)))
    # Whole processes.
    rows, temperatures = args.ais_instances, args.ais_temperatures
    ais = ["--rows", str(rows), "--temperatures", str(temperatures), "--leapfrog", "10"]
    cases.append(Case(
        name=f"ais-n{rows}-t{temperatures}-l10", kind="ais", suite="", group="ais", threads=[1, 2],
        work=f"HMC-AIS, {rows:,} images, T={temperatures}, L=10, step 0.05 (whole process)",
        peers=[Peer("torch float32", "torch", "ais.py", ais + ["--dtype", "float32"]),
               Peer("torch float64", "torch", "ais.py", ais + ["--dtype", "float64"])],
        target="jvi-ais >= 1.5x torch float32 (whole process)", target_peer="torch float32",
        check=("ratio", "torch float32", 1.5)))
    # AIS on a user's VAE (make your-model writes it): jvi-ais --model FILE.safetensors --data FILE.npy
    # against the same decoder in PyTorch.
    if os.path.exists(args.user_model) and os.path.exists(args.user_data):
        user = ["--model-file", os.path.abspath(args.user_model), "--data-file", os.path.abspath(args.user_data)]
        cases.append(Case(
            name=f"ais-user-n{rows}-t{temperatures}-l10", kind="ais", suite="", group="ais-user", threads=[1, 2],
            work=f"HMC-AIS on a user's VAE file ({os.path.basename(args.user_model)}), {rows:,} rows, "
                 f"T={temperatures}, L=10, step 0.05 (whole process)",
            peers=[Peer("torch float32", "torch", "ais.py", ais + ["--dtype", "float32"] + user)],
            target="jvi-ais >= 1.5x torch float32 (whole process)", target_peer="torch float32",
            check=("ratio", "torch float32", 1.5), ais_model=args.user_model, ais_data=args.user_data))
    rows, cols = args.npy_shape
    cases.append(Case(
        name=f"npy-iwae-{rows}x{cols}", kind="npy", suite="", group="npy", threads=[1, 2],
        work=f"IWAE over a {rows}×{cols} float64 .npy (whole process)",
        peers=[Peer("numpy", "numpy", "npy_iwae.py", [])],
        target="jvi-eval time <= numpy's and <= 512 MB anonymous memory", target_peer="numpy",
        check=("npy", "numpy", 512.0)))
    return cases


# --------------------------------------------------------------------------------------------
# Running processes


def jvi_filter(group: list[Case]) -> str:
    """jvi-bench's --filter for a group: matches by substring, so a lone case uses its own name."""
    return group[0].name if len(group) == 1 else group[0].group


def group_cases(cases: list[Case]) -> list[list[Case]]:
    """Cases run together: one jvi-bench invocation per round for a "bench" group."""
    out: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        out.setdefault((case.kind, case.group), []).append(case)
    return list(out.values())


class StepFailure(Exception):
    pass


@dataclass
class ProcessResult:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_anon_kb: int = 0
    peak_hwm_kb: int = 0
    max_rss_kb: int = 0


def cpus_for(threads: int | None):
    """CPU set for a subprocess of `threads` threads: {0} for 1, {0, 1} for 2; None: no pinning."""
    if threads is None or not hasattr(os, "sched_setaffinity"):
        return None
    available = sorted(os.sched_getaffinity(0))
    wanted = set(range(threads)) & set(available)
    return wanted or set(available[:threads])


def read_status_kb(pid: int) -> tuple[int, int]:
    """RssAnon and VmHWM of a live process, in kB (0 when unavailable)."""
    anon = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return anon, hwm


def run_process(cmd: list[str], threads: int | None = None, poll_memory: bool = False,
                timeout: float | None = None) -> ProcessResult:
    """Runs `cmd` (cwd = the repository), timed from spawn to exit; optionally polls its memory."""
    cpus = cpus_for(threads)

    def pin():
        if cpus:
            os.sched_setaffinity(0, cpus)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, preexec_fn=pin)
        except OSError as error:
            raise StepFailure(f"cannot start {shlex.join(cmd)}: {error}")
        peak_anon = peak_hwm = max_rss = 0
        if poll_memory:
            while True:
                anon, hwm = read_status_kb(process.pid)
                peak_anon, peak_hwm = max(peak_anon, anon), max(peak_hwm, hwm)
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    seconds = time.perf_counter() - start
                    process.returncode = os.waitstatus_to_exitcode(status)
                    max_rss = usage.ru_maxrss
                    break
                if timeout is not None and time.perf_counter() - start > timeout:
                    process.kill()
                    process.wait()
                    raise StepFailure(f"timed out after {timeout:.0f} s: {shlex.join(cmd)}")
                time.sleep(0.005)
        else:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise StepFailure(f"timed out after {timeout:.0f} s: {shlex.join(cmd)}")
            seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return ProcessResult(seconds, process.returncode, out.read().decode(errors="replace"),
                             err.read().decode(errors="replace"), peak_anon, peak_hwm, max_rss)


def failure(cmd: list[str], result: ProcessResult) -> StepFailure:
    tail = "\n".join(("    " + line) for line in result.stderr.strip().splitlines()[-15:])
    return StepFailure(f"command failed (exit status {result.returncode}): {shlex.join(cmd)}"
                       + (f"\n  its last lines on stderr:\n{tail}" if tail else ""))


def last_json(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


# --------------------------------------------------------------------------------------------
# Recording


@dataclass
class Side:
    """One (case, threads, side) series: a median per round."""
    seconds: list[float] = field(default_factory=list)
    version: str = ""
    skipped: str = ""
    failed: str = ""
    extra: list[dict] = field(default_factory=list)

    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    def spread(self) -> float | None:
        if not self.seconds:
            return None
        mid = statistics.median(self.seconds)
        return (max(self.seconds) - min(self.seconds)) / mid if mid > 0 else None


class Runner:
    def __init__(self, args, cases: list[Case]):
        self.args = args
        self.cases = cases
        self.sides: dict[tuple[str, int, str], Side] = {}
        self.missing_libraries: dict[str, str] = {}
        self.failures: list[str] = []
        self.jvi_bin = os.path.abspath(args.jvi_bin)
        self.scratch = os.path.abspath(args.scratch)
        self.npy_path = os.path.join(self.scratch, "big.npy" if tuple(args.npy_shape) == (20000, 10000)
                                     else "big-{}x{}.npy".format(*args.npy_shape))

    def side(self, case: str, threads: int, label: str) -> Side:
        return self.sides.setdefault((case, threads, label), Side())

    def note(self, message: str) -> None:
        common.log(message)

    def fail(self, key: tuple[str, int, str], message: str) -> None:
        self.side(*key).failed = message
        self.failures.append(message)
        self.note("error: " + message)

    # -- the jvi side -----------------------------------------------------------------------

    def tool(self, name: str) -> str:
        return os.path.join(self.jvi_bin, name)

    def jvi_bench(self, group: list[Case], round_index: int) -> None:
        suite = group[0].suite
        names = {c.name for c in group}
        filt = jvi_filter(group)
        long = group[0].long
        with tempfile.TemporaryDirectory(prefix="jvi-bench-") as tmp:
            cmd = [self.tool("jvi-bench"), "--suite", suite, f"--filter={filt}",
                   "--runs", str(self.args.runs), "--output-dir", tmp]
            if suite == "training":
                cmd += ["--training-runs", str(self.args.epoch_runs)]
            keys = [(c.name, t, "jvi") for c in group for t in c.threads if t in self.args.threads]
            try:
                result = run_process(cmd, timeout=self.args.timeout)
                if result.returncode != 0:
                    raise failure(cmd, result)
                path = os.path.join(tmp, f"{suite}.csv")
                if not os.path.exists(path):
                    raise StepFailure(f"{shlex.join(cmd)} wrote no {suite}.csv")
                with open(path, newline="") as f:
                    rows = list(csv.DictReader(f))
            except StepFailure as error:
                for key in keys:
                    self.fail(key, str(error))
                return
        found = {}
        for row in rows:
            if row.get("benchmark") in names:
                found[(row["benchmark"], int(row["threads"]))] = float(row["median_seconds"])
        extra = sorted({row.get("benchmark", "") for row in rows} - names)
        if extra and round_index == 0:
            self.note(f"  (jvi-bench's --filter={filt} also ran {', '.join(extra)}; ignored)")
        for key in keys:
            value = found.get(key[:2])
            if value is None:
                self.fail(key, f"{shlex.join(cmd)}: no row for {key[0]} at {key[1]} thread(s) in {suite}.csv "
                               "(is the binary older than the sources?)")
                continue
            self.side(*key).seconds.append(value)
            self.note(f"  {'jvi':<24} {key[0]:<28} T={key[1]}  {fmt_seconds(value)}"
                      + ("" if not long else " per run"))

    def jvi_process(self, case: Case, threads: int) -> None:
        key = (case.name, threads, "jvi")
        with tempfile.TemporaryDirectory(prefix="jvi-peers-") as tmp:
            if case.kind == "ais":
                cmd = [self.tool("jvi-ais"), "--model", os.path.abspath(case.ais_model or self.args.model)]
                cmd += ["--data", os.path.abspath(case.ais_data)] if case.ais_data else []
                cmd += ["--instances", str(self.args.ais_instances), "--chains", "1",
                        "--temperatures", str(self.args.ais_temperatures), "--leapfrog", "10", "--pilot-chains", "0",
                        "--step-size", "0.05", "--start", "prior", "--threads", str(threads),
                        "--output", os.path.join(tmp, "ais.csv")]
            else:
                cmd = [self.tool("jvi-eval"), "--input", self.npy_path, "--estimator", "iwae",
                       "--threads", str(threads)]
            runs = []
            for _ in range(self.args.process_runs):
                try:
                    result = run_process(cmd, threads, poll_memory=case.kind == "npy", timeout=self.args.timeout)
                except StepFailure as error:
                    self.fail(key, str(error))
                    return
                if result.returncode != 0:
                    self.fail(key, str(failure(cmd, result)))
                    return
                runs.append(result)
        seconds = statistics.median(r.seconds for r in runs)
        side = self.side(*key)
        side.seconds.append(seconds)
        side.version = "jvi"
        memory = ""
        if case.kind == "npy":
            anon = max(r.peak_anon_kb for r in runs) / 1024
            hwm = max(r.peak_hwm_kb for r in runs) / 1024
            side.extra.append({"peak_rss_anon_mb": anon, "vm_hwm_mb": hwm,
                               "ru_maxrss_mb": max(r.max_rss_kb for r in runs) / 1024})
            memory = f"  peak RssAnon {anon:.0f} MB, VmHWM {hwm:.0f} MB"
        self.note(f"  {'jvi':<24} {case.name:<28} T={threads}  {fmt_seconds(seconds)} (whole process){memory}")

    # -- the peer side ----------------------------------------------------------------------

    def peer(self, case: Case, peer: Peer, threads: int) -> None:
        key = (case.name, threads, peer.label)
        side = self.side(*key)
        if side.skipped:
            return
        if peer.library in self.missing_libraries:
            side.skipped = self.missing_libraries[peer.library]
            return
        whole = case.kind in ("ais", "npy")
        cmd = [self.args.python, os.path.join(HERE, peer.script)]
        if case.kind == "npy":
            cmd.append(self.npy_path)
        cmd += ["--threads", str(threads)]
        if not whole:
            cmd += ["--runs", str(self.args.epoch_runs if case.long else self.args.runs)]
        cmd += peer.args
        repeats = self.args.process_runs if whole else 1
        runs, records = [], []
        for _ in range(repeats):
            try:
                result = run_process(cmd, threads, poll_memory=case.kind == "npy", timeout=self.args.timeout)
            except StepFailure as error:
                self.fail(key, str(error))
                return
            record = last_json(result.stdout)
            if result.returncode == common.EXIT_MISSING_LIBRARY:
                reason = (record or {}).get("skipped", f"{peer.library} is not available")
                self.missing_libraries[peer.library] = reason
                side.skipped = reason
                self.note(f"  skipped  {peer.label}: {reason} (every {peer.library} peer is skipped)")
                return
            if result.returncode != 0:
                self.fail(key, str(failure(cmd, result)))
                return
            if record is None:
                self.fail(key, f"no JSON line on stdout from {shlex.join(cmd)}")
                return
            if "skipped" in record:
                side.skipped = record["skipped"]
                side.version = record.get("version", "")
                self.note(f"  skipped  {peer.label:<20} {case.name} T={threads}: {record['skipped']}")
                return
            if record.get("case") != case.name and case.kind == "bench":
                self.fail(key, f"{shlex.join(cmd)} measured {record.get('case')}, expected {case.name}")
                return
            runs.append(result)
            records.append(record)
        seconds = statistics.median(r.seconds for r in runs) if whole else records[0]["median"]
        side.seconds.append(seconds)
        side.version = records[0].get("version", "")
        info = {k: v for k, v in records[0].items() if k not in ("seconds", "case", "peer", "version", "threads")}
        if case.kind == "npy":
            info.update(peak_rss_anon_mb=max(r.peak_anon_kb for r in runs) / 1024,
                        vm_hwm_mb=max(r.peak_hwm_kb for r in runs) / 1024)
        side.extra.append(info)
        how = " (whole process)" if whole else ""
        self.note(f"  {peer.label:<24} {case.name:<28} T={threads}  {fmt_seconds(seconds)}{how}")

    # -- the big .npy ------------------------------------------------------------------------

    def prepare_npy(self) -> None:
        import numpy as np

        rows, cols = self.args.npy_shape
        if os.path.exists(self.npy_path):
            shape = np.load(self.npy_path, mmap_mode="r").shape
            if tuple(shape) != (rows, cols):
                raise SystemExit(f"{self.npy_path} holds {shape}, not {rows}x{cols}; delete it or pick "
                                 "another --scratch")
        else:
            os.makedirs(self.scratch, exist_ok=True)
            partial = self.npy_path + ".partial"
            self.note(f"writing {self.npy_path} ({rows}×{cols} float64, "
                      f"{rows * cols * 8 / 1e9:.1f} GB) in blocks of 1000 rows")
            rng = np.random.default_rng(2018)
            out = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float64, shape=(rows, cols))
            for first in range(0, rows, 1000):
                count = min(1000, rows - first)
                out[first:first + count] = rng.normal(-90.0, 1.0, (count, cols))
            out.flush()
            del out
            os.replace(partial, self.npy_path)
        # Read it once so that both sides find it in the page cache.
        with open(self.npy_path, "rb") as f:
            while f.read(64 << 20):
                pass

    # -- rounds ---------------------------------------------------------------------------

    def run(self, write) -> None:
        if any(c.kind == "npy" for c in self.cases):
            self.prepare_npy()
        for group in group_cases(self.cases):
            for r in range(self.args.rounds):
                order = "jvi first" if r % 2 == 0 else "peers first"
                self.note(f"[{', '.join(c.name for c in group)}] round {r + 1}/{self.args.rounds} ({order})")
                steps = []
                if not self.args.skip_jvi:
                    if group[0].kind == "bench":
                        steps.append(lambda g=group, i=r: self.jvi_bench(g, i))
                    else:
                        steps += [lambda c=c, t=t: self.jvi_process(c, t)
                                  for c in group for t in c.threads if t in self.args.threads]
                peer_steps = [lambda c=c, p=p, t=t: self.peer(c, p, t)
                              for c in group for t in c.threads if t in self.args.threads for p in c.peers]
                steps = steps + peer_steps if r % 2 == 0 else peer_steps + steps
                for step in steps:
                    step()
            write()


# --------------------------------------------------------------------------------------------
# Reports


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_spread(x: float | None) -> str:
    return "" if x is None else f"({x * 100:.1f}%)"


def git_revision() -> str:
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    revision = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return revision + ("-dirty" if dirty else "")


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {os.cpu_count()} logical CPUs ({usable} usable)"


def peer_versions(python: str) -> dict:
    try:
        result = subprocess.run([python, os.path.join(HERE, "common.py"), "--versions"], capture_output=True,
                                text=True, timeout=300)
        return last_json(result.stdout) or {}
    except (OSError, subprocess.TimeoutExpired):
        return {}


def ratio_of(jvi: Side | None, peer: Side) -> float | None:
    if jvi is None or jvi.median() is None or peer.median() is None or jvi.median() <= 0:
        return None
    return peer.median() / jvi.median()


def report_rows(runner: Runner) -> list[dict]:
    rows = []
    for case in runner.cases:
        for t in case.threads:
            if t not in runner.args.threads:
                continue
            jvi = runner.sides.get((case.name, t, "jvi"))
            for peer in case.peers:
                side = runner.sides.get((case.name, t, peer.label))
                if side is None:
                    continue
                target = case.target if case.target_peer in (None, peer.label) else ""
                rows.append({"case": case, "threads": t, "jvi": jvi, "peer": peer, "side": side,
                             "ratio": ratio_of(jvi, side), "target": target})
    return rows


def check_targets(runner: Runner) -> list[str]:
    lines = []
    for case in runner.cases:
        if not case.check:
            continue
        kind, label, limit = case.check
        for t in case.threads:
            if t not in runner.args.threads:
                continue
            jvi = runner.sides.get((case.name, t, "jvi"))
            if kind == "best":
                peers = [runner.sides.get((case.name, t, p.label)) for p in case.peers]
                timed = [p for p in peers if p is not None and p.median() is not None]
                ratio = ratio_of(jvi, min(timed, key=lambda p: p.median())) if timed else None
            else:
                peer = runner.sides.get((case.name, t, label))
                ratio = ratio_of(jvi, peer) if peer else None
            if ratio is None:
                lines.append(f"- {case.name}, {t} thread(s): {case.target}: not measured")
                continue
            met = ratio >= (1.0 if kind == "npy" else limit)
            detail = f"{ratio:.2f}x"
            if kind == "npy":
                anon = max((e.get("peak_rss_anon_mb", 0) for e in jvi.extra), default=None)
                memory_ok = anon is not None and anon <= limit
                met = met and memory_ok
                detail += f", peak anonymous memory {anon:.0f} MB" if anon is not None else ", memory not measured"
            lines.append(f"- {'met' if met else 'MISSED'}: {case.name}, {t} thread(s): {case.target} ({detail})")
    return lines


def write_outputs(runner: Runner, directory: str, stamp: dict) -> None:
    os.makedirs(directory, exist_ok=True)
    rows = report_rows(runner)

    def num(x):
        return "" if x is None else f"{x:.6g}"

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["case", "threads", "jvi_median_seconds", "jvi_spread", "peer", "peer_version",
                     "peer_median_seconds", "peer_spread", "ratio", "target", "rounds", "git_revision", "date"])
    for row in rows:
        jvi, side = row["jvi"], row["side"]
        version = side.version
        if side.skipped:
            version = (version + "; " if version else "") + "skipped: " + side.skipped
        elif side.failed:
            version = (version + "; " if version else "") + "failed"
        writer.writerow([
            row["case"].name, row["threads"], num(jvi.median() if jvi else None), num(jvi.spread() if jvi else None),
            row["peer"].label, version, num(side.median()), num(side.spread()), num(row["ratio"]), row["target"],
            len(side.seconds) if side.seconds else (len(jvi.seconds) if jvi else 0), stamp["revision"],
            stamp["date"]])
    atomic_write(os.path.join(directory, "peers.csv"), buffer.getvalue())

    versions = stamp["versions"]
    lines = [
        "# jvi against its peers",
        "",
        f"Machine: {stamp['machine']}. Python {versions.get('python', '?')}; "
        f"{versions.get('numpy', 'numpy ?')}; {versions.get('torch', 'torch ?')}; "
        f"{versions.get('jax', 'jax ?')}. Revision {stamp['revision']}, {stamp['date']}, "
        f"{runner.args.rounds} interleaved round(s); each time is the median over rounds of the per-round "
        "medians, with the spread (max − min)/median across rounds in parentheses. Ratio = peer time / "
        "jvi time for the same work (> 1: jvi is faster).",
        "",
        "| work | threads | jvi | peer | ratio |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        jvi, side = row["jvi"], row["side"]
        jvi_text = f"{fmt_seconds(jvi.median())} {fmt_spread(jvi.spread())}" if jvi and jvi.seconds else "-"
        if side.skipped:
            peer_text = f"{row['peer'].label}: skipped ({side.skipped})"
        elif side.failed:
            peer_text = f"{row['peer'].label}: failed"
        else:
            peer_text = f"{row['peer'].label} {fmt_seconds(side.median())} {fmt_spread(side.spread())}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}×"
        lines.append(f"| {row['case'].work} | {row['threads']} | {jvi_text.strip()} | {peer_text.strip()} | {ratio} |")
    targets = check_targets(runner)
    if targets:
        lines += ["", "Targets:", ""] + targets
    memory = []
    for (name, t, label), side in sorted(runner.sides.items()):
        for e in side.extra[:1]:
            if "peak_rss_anon_mb" in e:
                peaks = [x["peak_rss_anon_mb"] for x in side.extra]
                memory.append(f"- {name}, {t} thread(s), {label}: peak RssAnon {max(peaks):.0f} MB "
                              f"(VmHWM {max(x.get('vm_hwm_mb', 0) for x in side.extra):.0f} MB, polled every 5 ms)")
    if memory:
        lines += ["", "Memory of the whole-process .npy runs:", ""] + memory
    if runner.failures:
        lines += ["", "Failures:", ""] + [f"- {m.splitlines()[0]}" for m in runner.failures]
    atomic_write(os.path.join(directory, "peers.md"), "\n".join(lines) + "\n")

    raw = {
        "stamp": stamp,
        "series": [{"case": k[0], "threads": k[1], "side": k[2], "per_round_seconds": s.seconds,
                    "version": s.version, "skipped": s.skipped, "failed": s.failed, "extra": s.extra}
                   for k, s in runner.sides.items()],
    }
    atomic_write(os.path.join(directory, "peers.json"), json.dumps(raw, indent=1) + "\n")


def atomic_write(path: str, text: str) -> None:
    partial = path + ".partial"
    with open(partial, "w") as f:
        f.write(text)
    os.replace(partial, path)


# --------------------------------------------------------------------------------------------


def parse_shape(text: str) -> list[int]:
    try:
        rows, cols = (int(v) for v in text.lower().split("x"))
        assert rows > 0 and cols > 0
    except (ValueError, AssertionError):
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLUMNS such as 20000x10000, got '{text}'")
    return [rows, cols]


def parse_threads(text: str) -> list[int]:
    try:
        out = sorted({int(v) for v in text.split(",")})
        assert out and all(v in (1, 2) for v in out)
    except (ValueError, AssertionError):
        raise argparse.ArgumentTypeError(f"expected 1, 2 or 1,2; got '{text}'")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per group (default 3)")
    parser.add_argument("--only", action="append", metavar="SUBSTRING",
                        help="only the cases whose name contains SUBSTRING (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the cases and exit")
    parser.add_argument("--jvi-bin", default=".build/release", help="folder of jvi-bench, jvi-ais, jvi-eval")
    parser.add_argument("--output-dir", default="results/bench")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per round of an in-process case (both sides)")
    parser.add_argument("--epoch-runs", type=int, default=1,
                        help="timed epochs / log-weight passes per round (jvi-bench --training-runs)")
    parser.add_argument("--process-runs", type=int, default=1, help="whole-process runs per round and side")
    parser.add_argument("--threads", type=parse_threads, default=[1, 2], help="thread counts to run: 1, 2 or 1,2")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the peer scripts")
    parser.add_argument("--model", default="results/models/default-vae.ckpt", help="jvi-ais's checkpoint")
    parser.add_argument("--user-model", default="results/models/your-vae.safetensors",
                        help="a user's VAE model file for the ais-user case (make your-model writes it)")
    parser.add_argument("--user-data", default="results/your-model/test-images.npy", help="its data (.npy)")
    parser.add_argument("--ais-instances", type=int, default=1000, help="AIS images, one chain each (both sides)")
    parser.add_argument("--ais-temperatures", type=int, default=100, help="AIS temperatures (both sides)")
    parser.add_argument("--scratch", default=".build/bench-peers", help="where the big .npy lives")
    parser.add_argument("--npy-shape", type=parse_shape, default=[20000, 10000], metavar="ROWSxCOLUMNS")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before a subprocess is killed")
    parser.add_argument("--skip-jvi", action="store_true", help="run the peers only (no ratios)")
    args = parser.parse_args()
    if args.rounds < 1 or args.runs < 1 or args.epoch_runs < 1 or args.process_runs < 1:
        parser.error("--rounds, --runs, --epoch-runs and --process-runs must be at least 1")

    cases = build_cases(args)
    if args.only:
        cases = [c for c in cases if any(s in c.name for s in args.only)]
        if not cases:
            parser.error(f"no case name contains {' or '.join(repr(s) for s in args.only)} (see --list)")

    if args.list:
        for group in group_cases(cases):
            for c in group:
                jvi = (f"jvi-bench --suite {c.suite} --filter={jvi_filter(group)}" if c.kind == "bench"
                       else ("jvi-ais" if c.kind == "ais" else "jvi-eval") + " (whole process)")
                threads = ",".join(str(t) for t in c.threads)
                print(f"{c.name:<24} threads {threads:<4} jvi: {jvi:<54} peers: "
                      + "; ".join(p.label for p in c.peers) + (f"; target: {c.target}" if c.target else ""))
        return

    runner = Runner(args, cases)
    if not args.skip_jvi:
        needed = {"bench": "jvi-bench", "ais": "jvi-ais", "npy": "jvi-eval"}
        missing = sorted({runner.tool(needed[c.kind]) for c in cases
                          if not os.access(runner.tool(needed[c.kind]), os.X_OK)})
        if missing:
            raise SystemExit("run.py: missing " + ", ".join(missing)
                             + " (build with `make release`, point --jvi-bin at the binaries, or use --skip-jvi)")
        if any(c.kind == "ais" and not c.ais_model for c in cases) and not os.path.exists(args.model):
            raise SystemExit(f"run.py: jvi-ais needs the checkpoint {args.model} (make {args.model}), or --model")

    stamp = {
        "revision": git_revision(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "versions": peer_versions(args.python),
    }
    common.log(f"run.py: {len(cases)} case(s), {args.rounds} round(s), revision {stamp['revision']}, "
               f"{stamp['machine']}")

    def write():
        write_outputs(runner, args.output_dir, stamp)

    try:
        runner.run(write)
    except KeyboardInterrupt:
        common.log("interrupted; writing what was measured")
    write()
    common.log(f"run.py: wrote {os.path.join(args.output_dir, 'peers.csv')} and peers.md")
    if runner.failures:
        common.log(f"run.py: {len(runner.failures)} step(s) failed:")
        for message in runner.failures:
            common.log("  " + message.splitlines()[0])
        sys.exit(1)


if __name__ == "__main__":
    main()
