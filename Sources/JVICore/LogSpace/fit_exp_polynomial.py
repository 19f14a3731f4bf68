"""Coefficients of the exp polynomials in VectorExp.swift (Double) and VectorMathFloat.swift (Float).

exp(r) = 1 + r + r^2 P(r) on [-log2/2, log2/2]; P interpolates (e^r - 1 - r)/r^2 at the
Chebyshev nodes, in 60-digit arithmetic (mpmath). Writing exp as 1 + r + r^2 P(r) makes
exp(0) exactly 1 and gives expm1 = r + r^2 P(r) without cancellation.
Double: degree 9 (max relative error of the rounded polynomial 1.6e-17).
Float:  degree 4, coefficients rounded to float32 (9.7e-9, below float's 6e-8 ulp).
Run: python3 fit_exp_polynomial.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 60
A, B = -mp.log(2) / 2, mp.log(2) / 2


def target(x):
    if abs(x) < mp.mpf("1e-25"):
        return mp.mpf(1) / 2 + x / 6
    return (mp.exp(x) - 1 - x) / x ** 2


def fit(degree, rounding):
    n = degree + 1
    nodes = [(A + B) / 2 + (B - A) / 2 * mp.cos(mp.pi * (2 * k + 1) / (2 * n)) for k in range(n)]
    V = mp.matrix([[x ** j for j in range(n)] for x in nodes])
    c = mp.lu_solve(V, mp.matrix([target(x) for x in nodes]))
    coeffs = [rounding(float(c[j])) for j in range(n)]
    err = max(abs((1 + x + x * x * sum(mp.mpf(cj) * x ** j for j, cj in enumerate(coeffs))) / mp.exp(x) - 1)
              for x in mp.linspace(A, B, 4001))
    return coeffs, err


for name, degree, rounding in (("Double", 9, float), ("Float", 4, lambda v: float(np.float32(v)))):
    coeffs, err = fit(degree, rounding)
    print(f"{name}: degree {degree}, max relative error {mp.nstr(err, 3)}")
    for j, cj in enumerate(coeffs):
        print(f"  c{j} = {cj!r}")
