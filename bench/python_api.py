#!/usr/bin/env python3
"""The Python package's speed for `satool bench`: the same calls a user makes, timed
in the interpreter, so the bench can set them beside the Rust core timed in its own process.

Prints JSON:
  ula_seconds:        Memory.from_columns(X).sample(150, beta=25, method="ula", chains=30) on the protein shape
                      (X: d=59 × K=68; the published 30 × 5 protocol: 30 chains × 5000 steps), best of REPS;
  exact_100k_seconds: Memory.from_columns(standard normal (64, 500)).sample(100_000, beta=8, method="exact"),
                      best of REPS (the example of docs/python.md; the target is < 0.2 s).
Exit status 3 when `import satool` fails (the package is not installed: pip install ./python).
Usage: python_api.py REPS
"""
import json
import sys
import time

import numpy as np

try:
    import satool
except ImportError as e:  # the bench reports the row as not run
    print(f"cannot import satool ({e}); pip install ./python", file=sys.stderr)
    sys.exit(3)


def best(f, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rng = np.random.default_rng(0)
    x = rng.standard_normal((59, 68))
    protein = satool.Memory.from_columns(x / np.linalg.norm(x, axis=0))
    ula = best(lambda: protein.sample(150, beta=25.0, method="ula", alpha=0.01, chains=30, seed=1), reps)
    big = satool.Memory.from_columns(np.random.default_rng(0).standard_normal((64, 500)))
    exact = best(lambda: big.sample(100_000, beta=8.0, method="exact", seed=1), reps)
    print(json.dumps({"satool": satool.__version__, "python": sys.version.split()[0], "ula_seconds": ula,
                      "exact_100k_seconds": exact}))


if __name__ == "__main__":
    main()
