"""Coefficients of the exp polynomial in Sources/JVICore/LogSpace/VectorExp.swift.

exp(r) = 1 + r + r^2 P(r) on [-log2/2, log2/2]; P (degree 9) interpolates
(e^r - 1 - r)/r^2 at the 10 Chebyshev nodes, in 60-digit arithmetic (mpmath).
Writing exp as 1 + r + r^2 P(r) makes exp(0) exactly 1.
Prints the coefficients (rounded to double) and the resulting max relative error.
"""
import mpmath as mp

mp.mp.dps = 60
A, B = -mp.log(2) / 2, mp.log(2) / 2
DEG = 9


def target(x):
    if abs(x) < mp.mpf("1e-25"):
        return mp.mpf(1) / 2 + x / 6
    return (mp.exp(x) - 1 - x) / x ** 2


n = DEG + 1
nodes = [(A + B) / 2 + (B - A) / 2 * mp.cos(mp.pi * (2 * k + 1) / (2 * n)) for k in range(n)]
V = mp.matrix([[x ** j for j in range(n)] for x in nodes])
c = mp.lu_solve(V, mp.matrix([target(x) for x in nodes]))
coeffs = [float(c[j]) for j in range(n)]
err = max(abs((1 + x + x * x * sum(mp.mpf(cj) * x ** j for j, cj in enumerate(coeffs))) / mp.exp(x) - 1)
          for x in mp.linspace(A, B, 4001))
for j, cj in enumerate(coeffs):
    print(f"c{j} = {cj!r}")
print(f"max relative error of the rounded polynomial: {mp.nstr(err, 3)}")
