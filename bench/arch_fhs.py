#!/usr/bin/env python3
"""arch's GARCH(1,1) filtered historical simulation, timed for `satool bench` (our own script).

Usage: arch_fhs.py RETURNS_CSV N H [SEED]

RETURNS_CSV is satool's historical.csv (columns scenario, date, one per ticker: the daily log
returns of the panel satool itself uses, e.g. all_stocks_5yr with --drop-suspect). As satool's
garch_fhs method: per ticker, arch_model(100·g, mean="Constant", vol="GARCH", p=1, q=1,
dist="normal").fit(disp="off"); then, from the variance after the last day,
forecast(horizon=H, method="simulation", simulations=N) with the innovations resampled jointly by
day, as filtered historical simulation needs: one N × H table of historical day indices is drawn
once, and every ticker's simulation uses its own standardised residuals of those days (arch's
`rng=` hook). The N × H × d paths are kept in memory (in log-return units), not written.

Prints one JSON object: seconds (fit + simulation; reading the CSV excluded), fit_seconds,
simulate_seconds, arch and numpy versions, d, k, n, h.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def main():
    path, n, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    import arch
    from arch import arch_model

    g = pd.read_csv(path).drop(columns=["scenario", "date"], errors="ignore").to_numpy(dtype=float)
    k, d = g.shape
    t0 = time.perf_counter()
    fits = [
        arch_model(100.0 * g[:, j], mean="Constant", vol="GARCH", p=1, q=1, dist="normal").fit(disp="off")
        for j in range(d)
    ]
    t1 = time.perf_counter()
    days = np.random.default_rng(seed).integers(0, k, size=(n, h))
    paths = np.empty((n, h, d))
    for j, res in enumerate(fits):
        z = np.nan_to_num(np.asarray(res.std_resid, dtype=float))
        f = res.forecast(horizon=h, method="simulation", simulations=n, rng=lambda size, z=z: z[days])
        paths[:, :, j] = f.simulations.values[-1] / 100.0
    t2 = time.perf_counter()
    if not np.isfinite(paths).all():
        sys.exit("arch_fhs.py: non-finite simulated returns")
    print(
        json.dumps(
            {
                "seconds": t2 - t0,
                "fit_seconds": t1 - t0,
                "simulate_seconds": t2 - t1,
                "arch": arch.__version__,
                "numpy": np.__version__,
                "d": d,
                "k": k,
                "n": n,
                "h": h,
            }
        )
    )


if __name__ == "__main__":
    main()
