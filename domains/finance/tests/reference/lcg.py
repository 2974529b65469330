"""Deterministic series shared with the Rust tests (tests/common/mod.rs reimplements this
bit for bit with integer arithmetic only), built on the generator of the statistics tests,
domains/common/tests/reference/samples.py (Rust: domains/common/tests/support/samples.rs)."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "common" / "tests" / "reference"))
from samples import Lcg, sample  # noqa: E402  (sample is re-exported for the scripts here)


def ar1(seed, n, phi):
    """x_0 = e_0, x_t = phi x_{t-1} + e_t with e = normalish."""
    rng = Lcg(seed)
    x = np.empty(n)
    prev = 0.0
    for t in range(n):
        prev = phi * prev + rng.normalish()
        x[t] = prev
    return x


def garchish(seed, n):
    """A series with volatility clustering: e_t * s_t, s_t = 0.2 + 0.8 |x_{t-1}| (capped at 3)."""
    rng = Lcg(seed)
    x = np.empty(n)
    prev = 0.0
    for t in range(n):
        s = min(0.2 + 0.8 * abs(prev), 3.0)
        prev = s * rng.normalish()
        x[t] = prev
    return x


def sp500_log_returns(path):
    """Log returns of the wide fixture, columns in file order (numpy only)."""
    raw = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    names = raw.dtype.names[1:]
    prices = np.column_stack([raw[n].astype(float) for n in names])
    return list(names), np.log(prices[1:] / prices[:-1])
