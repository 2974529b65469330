"""Independent check of satool's refined beta* (src/beta.rs `refined_beta_star`).

The criterion is the published one, argmin over beta of d^2 Hbar / d(log beta)^2 with Hbar the
mean attention entropy of the first min(K, 20) memories, but evaluated without the 50-point grid.
1. The closed form satool uses, -2 b^2 k2 - b^3 k3 per probe, is checked against a numerical
   second derivative of the directly computed entropy at several beta.
2. Its minimum is found with SciPy (dense grid, then bounded Brent), independently of satool's
   golden-section search.

Memory: X[i, k] = sin(1.3 i + 0.7 k + 0.1 i k), columns normalised, d = 12, K = 40 (the same
formula is in tests/api.rs). Run: python tests/reference/beta_star_refined.py
Output (NumPy 2.4.6, SciPy 1.17.1):
  max relative gap closed form vs numerical: 2.5e-06 (the O(h^2) error of the h = 1e-3 difference)
  refined beta* = 3.286645
  published beta* = 3.234325
"""
import numpy as np
from scipy.optimize import minimize_scalar

d, K = 12, 40
i, k = np.meshgrid(np.arange(d), np.arange(K), indexing="ij")
X = np.sin(1.3 * i + 0.7 * k + 0.1 * i * k)
X /= np.linalg.norm(X, axis=0, keepdims=True)
S = X[:, :20].T @ X  # probes x K


def softmax(beta):
    a = beta * S
    a -= a.max(axis=1, keepdims=True)
    p = np.exp(a)
    return p / p.sum(axis=1, keepdims=True)


def hbar(beta):
    p = softmax(beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (-np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)).mean()


def curvature(u):
    beta = np.exp(u)
    p = softmax(beta)
    c = S - (p * S).sum(axis=1, keepdims=True)
    k2, k3 = (p * c**2).sum(axis=1), (p * c**3).sum(axis=1)
    return (-2 * beta**2 * k2 - beta**3 * k3).mean()


gaps = []
for b in [0.3, 2.0, 3.3, 10.0, 60.0]:
    h = 1e-3
    u = np.log(b)
    num = (hbar(np.exp(u + h)) - 2 * hbar(b) + hbar(np.exp(u - h))) / h**2
    gaps.append(abs(num - curvature(u)) / abs(curvature(u)))
print(f"max relative gap closed form vs numerical: {max(gaps):.1e}")

grid = np.linspace(np.log(0.1), np.log(500.0), 20001)
vals = np.array([curvature(x) for x in grid])
j = int(np.argmin(vals))
res = minimize_scalar(curvature, bounds=(grid[j - 1], grid[j + 1]), method="bounded", options={"xatol": 1e-12})
print(f"refined beta* = {np.exp(res.x):.6f}")

g = np.logspace(np.log10(0.1), np.log10(500), 50)
hg = np.array([hbar(b) for b in g])
lg = np.log(g)
dh = np.diff(hg) / np.diff(lg)
d2h = np.diff(dh) / np.diff(lg[:-1])
print(f"published beta* = {g[int(np.argmin(d2h)) + 1]:.6f}")
