"""Deterministic samples shared with the Rust tests (tests/support/samples.rs reimplements this
bit for bit with integer arithmetic only), so no sample data is stored."""
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
