"""Reference values for Tests/JVICoreTests/ReferenceRowTests.swift.

Rows of log-weights in the regimes of docs/jackknife-math.md §3 (offset -87.3)
for K in {64, 257, 1000}, with IWAE_K, Lbar_{K-j} and JVI_{K,m} computed in 40-digit
mpmath by enumerating every removal set of size j <= m (independent of the Swift code:
no heavy/light split, no series). Each kept-subset sum rho_T = sum_{i not in T} u_i is
formed as 1 - U_T when U_T <= 1/2, and as the direct sum of the complement otherwise
(where 1 - U_T would cancel).

Output: reference_rows.csv with columns
  regime,k,order,row,jvi,lbar   (jvi = JVI_{K,order}, lbar = Lbar_{K-order}, 25 digits)
and reference_rows_weights.csv: row,k,log-weights... (17 significant digits, round-trip).
With --high-orders: the same for K in {18, 20, 22} and orders 4..8 (where the combination
cancels up to 1e8-fold), into reference_rows_high.csv and reference_rows_high_weights.csv.
Run: python3 make_reference_rows.py [--high-orders]   (about 5 minutes each on 2 cores)
"""
import itertools
import math
import multiprocessing as mp_pool
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 40
OFFSET = -87.3


def sample(regime, k, rng):
    z = rng.standard_normal(k)
    if regime == "N0.1":
        return OFFSET + 0.1 * z
    if regime == "N1":
        return OFFSET + z
    if regime == "N5":
        return OFFSET + 5 * z
    if regime == "N20":
        return OFFSET + 20 * z
    if regime == "logt":
        return OFFSET + 2 * rng.standard_t(1.5, k)
    if regime in ("dom300", "dom800"):
        v = OFFSET + z
        v[rng.integers(k)] += 300 if regime == "dom300" else 800
        return v
    if regime == "codom":
        v = OFFSET + z
        i, j = rng.choice(k, 2, replace=False)
        v[i] += 300
        v[j] = v[i] + 1e-9
        return v
    if regime == "equal":
        return np.full(k, -123.456)
    if regime == "neginf":
        v = OFFSET + z
        v[rng.random(k) < 0.3] = -np.inf
        return v
    if regime == "sparse":
        v = np.full(k, -np.inf)
        v[rng.choice(k, 6, replace=False)] = OFFSET + rng.standard_normal(6)
        return v
    raise ValueError(regime)


def coefficients(k, m):
    from fractions import Fraction
    return [Fraction((-1) ** j * (k - j) ** m, math.factorial(j) * math.factorial(m - j)) for j in range(m + 1)]


def lbars(row, m):
    """[Lbar_{K-j} for j = 0..m] in mpmath (exact enumeration)."""
    k = len(row)
    fin = [mp.mpf(float(v)) for v in row if v != -np.inf]
    if not fin:
        return [mp.mpf("-inf")] * (m + 1)
    mx = max(fin)
    w = [mp.exp(mp.mpf(float(v)) - mx) if v != -np.inf else mp.mpf(0) for v in row]
    S = mp.fsum(w)
    u = [wi / S for wi in w]
    logS = mx + mp.log(S)
    out = []
    for j in range(m + 1):
        if j == 0:
            out.append(logS - mp.log(k))
            continue
        terms = []
        bad = False
        for T in itertools.combinations(range(k), j):
            U = mp.fsum(u[i] for i in T)
            if U <= 0.5:
                rho = 1 - U
            else:
                Ts = set(T)
                rho = mp.fsum(u[i] for i in range(k) if i not in Ts)
            if rho == 0:
                bad = True
                break
            terms.append(mp.log(rho))
        if bad:
            out.append(mp.mpf("-inf"))
        else:
            out.append(logS - mp.log(k - j) + mp.fsum(terms) / len(terms))
    return out


def jvi_text(L, k, m):
    """JVI_{K,m} = sum_j c_j Lbar_{K-j} from 40-digit Lbar's, or 'nan' if some Lbar is -inf."""
    if any(x == mp.mpf("-inf") for x in L[: m + 1]):
        return "nan"
    c = coefficients(k, m)
    return mp.nstr(mp.fsum(mp.mpf(cj.numerator) / cj.denominator * L[j] for j, cj in enumerate(c)), 25)


def job(args):
    regime, k, m, idx, row = args
    L = lbars(row, m)
    lb = "-inf" if L[m] == mp.mpf("-inf") else mp.nstr(L[m], 25)
    return f"{regime},{k},{m},{idx},{jvi_text(L, k, m)},{lb}"


def job_high(args):
    """All orders 4..8 of one row from one enumeration (Lbar_{K-j}, j <= 8)."""
    regime, k, idx, row = args
    L = lbars(row, 8)
    lines = []
    for m in range(4, 9):
        lines.append(f"{regime},{k},{m},{idx},{jvi_text(L, k, m)},{mp.nstr(L[m], 25)}")
    return lines


def main_high():
    regimes = ["N1", "N5", "logt", "dom300", "neginf"]
    rng = np.random.default_rng(20261124)
    rows, jobs = [], []
    for k in (18, 20, 22):
        for regime in regimes:
            row = sample(regime, k, rng)
            jobs.append((regime, k, len(rows), row))
            rows.append((k, row))
    with open("reference_rows_high_weights.csv", "w") as f:
        for idx, (k, row) in enumerate(rows):
            f.write(f"{idx},{k}," + ",".join("-inf" if v == -np.inf else repr(float(v)) for v in row) + "\n")
    with mp_pool.Pool(2) as pool:
        results = pool.map(job_high, jobs, chunksize=1)
    with open("reference_rows_high.csv", "w") as f:
        f.write("regime,k,order,row,jvi,lbar\n")
        for lines in results:
            for line in lines:
                f.write(line + "\n")
    print(f"{len(rows)} rows, {5 * len(rows)} references", file=sys.stderr)


def main():
    regimes = ["N0.1", "N1", "N5", "N20", "logt", "dom300", "dom800", "codom", "equal", "neginf", "sparse"]
    plan = [(64, [1, 2, 3], 2), (257, [1, 2], 2), (257, [3], 1), (1000, [1, 2], 1)]
    rng = np.random.default_rng(20261123)
    rows, jobs = [], []
    for k, orders, per in plan:
        for regime in regimes:
            for _ in range(per):
                row = sample(regime, k, rng)
                idx = len(rows)
                rows.append((k, row))
                for m in orders:
                    jobs.append((regime, k, m, idx, row))
    with open("reference_rows_weights.csv", "w") as f:
        for idx, (k, row) in enumerate(rows):
            f.write(f"{idx},{k}," + ",".join("-inf" if v == -np.inf else repr(float(v)) for v in row) + "\n")
    with mp_pool.Pool(2) as pool:
        results = pool.map(job, jobs, chunksize=1)
    with open("reference_rows.csv", "w") as f:
        f.write("regime,k,order,row,jvi,lbar\n")
        for r in results:
            f.write(r + "\n")
    print(f"{len(rows)} rows, {len(jobs)} references", file=sys.stderr)


if __name__ == "__main__":
    if "--high-orders" in sys.argv:
        main_high()
    else:
        main()
