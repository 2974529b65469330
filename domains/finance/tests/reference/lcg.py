"""Deterministic samples shared with the Rust tests (tests/common/mod.rs reimplements this
bit for bit with integer arithmetic only)."""
import numpy as np

MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.state = seed & MASK

    def uniform(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.state >> 11) / float(1 << 53)

    def normalish(self):
        """Irwin-Hall: sum of 12 uniforms - 6 (summed left to right)."""
        s = 0.0
        for _ in range(12):
            s += self.uniform()
        return s - 6.0


def sample(seed, n, kind, loc=0.0, scale=1.0):
    rng = Lcg(seed)
    out = []
    for _ in range(n):
        if kind == "unif":
            v = rng.uniform()
        elif kind == "norm":
            v = rng.normalish()
        elif kind == "tie":
            v = float(int(rng.uniform() * 10.0))
        else:
            raise ValueError(kind)
        out.append(loc + scale * v)
    return np.array(out)


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
