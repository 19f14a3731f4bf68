"""Reference values for JackknifeGradientSeriesTests.largeRowsMatchCountedSubsets.

Rows of K = 5,000 log-weights taking three values (levels) with multiplicities. The jackknife
gradient weights of a sample of level L,

    out = sum_j (c_j / C(K, j)) sum_{|T| = j, s not in T} (w_s / W_{T^c})^p,

depend on T only through how many samples of each level it removes, so the sum over subsets is a
sum over those counts weighted by products of binomials. Computed here in 60-digit mpmath from
that definition (c_j = (-1)^j (K - j)^m / (j! (m - j)!)); double arithmetic cannot be the oracle,
as the alternating c_j (up to ~K^m/m!) amplify rounding by up to ~10^11 at m = 3.
Output: gradient_levels.csv (order,power,count0,count1,count2,level,value at 25 digits), the
levels being the log-weights 0, -2, -6.
Run: python3 make_gradient_levels.py   (mpmath; about a second)
"""
import math
import os
from fractions import Fraction

import mpmath as mp

mp.mp.dps = 60
here = os.path.dirname(os.path.abspath(__file__))
levels = [0, -2, -6]
cases = [(2, [3, 997, 4000]), (3, [1, 49, 4950]), (1, [2500, 2000, 500]), (3, [40, 460, 4500])]


def coefficients(k, m):
    return [Fraction((-1) ** j * (k - j) ** m, math.factorial(j) * math.factorial(m - j)) for j in range(m + 1)]


def value(m, counts, p, level):
    k = sum(counts)
    w = [mp.e ** mp.mpf(v) for v in levels]
    total = mp.mpf(0)
    for j, c in enumerate(coefficients(k, m)):
        s = mp.mpf(0)
        for i0 in range(j + 1):
            for i1 in range(j - i0 + 1):
                removed = [i0, i1, j - i0 - i1]
                available = [counts[l] - (1 if l == level else 0) for l in range(3)]
                if any(removed[l] > available[l] for l in range(3)):
                    continue
                ways = math.prod(math.comb(available[l], removed[l]) for l in range(3))
                kept = sum((counts[l] - removed[l]) * w[l] for l in range(3))
                s += ways * (w[level] / kept) ** p
        total += mp.mpf(c.numerator) / c.denominator / math.comb(k, j) * s
    return total


with open(os.path.join(here, "gradient_levels.csv"), "w") as f:
    f.write("order,power,count0,count1,count2,level,value\n")
    for m, counts in cases:
        for p in (1, 2):
            for level in range(3):
                v = value(m, counts, p, level)
                f.write(f"{m},{p},{counts[0]},{counts[1]},{counts[2]},{level},{mp.nstr(v, 25)}\n")
