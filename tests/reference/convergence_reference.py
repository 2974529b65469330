"""Reference values for satool's convergence diagnostics (src/diagnostics.rs), from ArviZ.

Draws: chain c (0..3), draw i (0..49): sin(0.37 i + c) + 0.5 sin(1.7 i (c + 1)) + 0.1 c; a
second set adds a shift of 0.8 to chain 3 (chains that disagree); a third is AR(1), x_i =
0.9 x_{i-1} + e_i with e from a fixed LCG, 4 chains x 200 draws (strong autocorrelation).
Run: python tests/reference/convergence_reference.py   (ArviZ is not committed)
"""
import numpy as np
import arviz as az


def wave(shift):
    x = np.array([[np.sin(0.37 * i + c) + 0.5 * np.sin(1.7 * i * (c + 1)) + 0.1 * c for i in range(50)] for c in range(4)])
    x[3] += shift
    return x


def ar1():
    state = 12345
    out = np.zeros((4, 200))
    for c in range(4):
        x = 0.0
        for i in range(200):
            state = (6364136223846793005 * state + 1442695040888963407) % 2**64
            e = (state >> 11) / 2**53 - 0.5
            x = 0.9 * x + e
            out[c, i] = x
    return out


for name, x in [("wave", wave(0.0)), ("shifted", wave(0.8)), ("ar1", ar1())]:
    r = float(az.rhat(x, method="rank"))
    e = float(az.ess(x, method="bulk"))
    print(f"{name}: rhat = {r:.12f}, ess_bulk = {e:.12f}")
print("arviz", az.__version__)
