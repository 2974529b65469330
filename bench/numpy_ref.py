#!/usr/bin/env python3
"""NumPy reference speeds for `satool bench` (our own code, written for this comparison).

For one shape (d, K, C chains) it times the published ULA loop two ways and prints JSON:
  per_chain: one chain at a time, a matrix-vector product per step (as the authors' code runs it);
  batched:   all C chains at once as matrix-matrix products (NumPy's BLAS: the practical limit of a
             straightforward implementation).
Rates are ensemble steps per second (one step advances all C chains). "blas" names the BLAS and the
kernel it chose (threadpoolctl; NumPy's build information without it): `satool bench` runs this
script without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which pin OpenBLAS to older kernels on some
machines.
Usage: numpy_ref.py D K C STEPS [dtype]
"""
import json
import sys
import time

import numpy as np


def unit_memory(d, k, rng, dtype):
    x = rng.standard_normal((d, k))
    return (x / np.linalg.norm(x, axis=0)).astype(dtype)


def per_chain(x, c, steps, alpha, beta, rng):
    d = x.shape[0]
    sigma = np.sqrt(2 * alpha / beta)
    t0 = time.perf_counter()
    for j in range(c):
        xi = x[:, j % x.shape[1]] + 0.01 * rng.standard_normal(d)
        for _ in range(steps):
            logits = beta * (x.T @ xi)
            logits -= logits.max()
            p = np.exp(logits)
            p /= p.sum()
            xi = (1 - alpha) * xi + alpha * (x @ p) + sigma * rng.standard_normal(d)
    return steps / (time.perf_counter() - t0)


def batched(x, c, steps, alpha, beta, rng):
    d, k = x.shape
    sigma = np.sqrt(2 * alpha / beta)
    xi = (x[:, np.arange(c) % k] + 0.01 * rng.standard_normal((d, c))).T.copy()  # C x d
    xt = np.ascontiguousarray(x.T)
    t0 = time.perf_counter()
    for _ in range(steps):
        logits = beta * (xi @ x)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        xi = (1 - alpha) * xi + alpha * (logits @ xt) + sigma * rng.standard_normal((c, d))
    return steps / (time.perf_counter() - t0)


def blas_info():
    """The BLAS this NumPy runs and, where threadpoolctl can tell, the kernel it chose
    (OpenBLAS' core type: e.g. SkylakeX, Haswell) and its threads."""
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            return "; ".join(
                f"{i.get('internal_api')} {i.get('version')}, kernel {i.get('architecture')}, {i.get('num_threads')} threads"
                for i in blas
            )
    except Exception:
        pass
    try:
        dep = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{dep.get('name')} {dep.get('version')} (kernel unknown: no threadpoolctl)"
    except Exception:
        return "unknown"


def main():
    d, k, c, steps = (int(a) for a in sys.argv[1:5])
    dtype = np.float32 if len(sys.argv) > 5 and sys.argv[5] == "f32" else np.float64
    rng = np.random.default_rng(0)
    x = unit_memory(d, k, rng, dtype)
    # per-chain is slow on large shapes: time fewer steps per chain, the rate is per ensemble step.
    pc_steps = max(20, steps // 10)
    # Best of three, like satool's own measurements (the machines are shared and noisy).
    out = {
        "per_chain": max(per_chain(x, c, pc_steps, 0.01, 25.0, rng) for _ in range(3)),
        "batched": max(batched(x, c, steps, 0.01, 25.0, rng) for _ in range(3)),
        "numpy": np.__version__,
        "dtype": np.dtype(dtype).name,
        "blas": blas_info(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
