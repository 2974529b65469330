"""Independent check of the path metrics of `satool finance --scenarios N --horizon H`.

Reads an --out directory and recomputes, from <id>.paths.csv[.gz] and historical.csv with pandas,
the lag-1 ACF of g within paths (mean over tickers, share inside ±2.576/√(N(H−1)) and share
inside each ticker's heteroskedasticity-robust ±2.576·√Σ(c_t c_{t+1})² / (N(H−1)·mean c²)), the 10-day
variance ratio (overlapping windows within paths, n − 1 variances) and the mean ACF(g²) lags
1–10 within paths, and the file's per-ticker mean and sd against the history's, then prints them beside results.json's values.

    python3 tests/reference/finance_paths_metrics.py OUT_DIR [ID ...]   (numpy and pandas)

The committed .out is of the run
    satool finance --prices fixtures/sp500.csv --start 2018-01-01 --scenarios 200 --horizon 20
      --methods historical,bootstrap,block_bootstrap,exact,sa,sa_sequential,sa_regime,sa_paths --seed 1 --out OUT_DIR
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def path_acf(x, h, lag):
    """Mean of within-path centred products at `lag` over the pooled variance (denominator n)."""
    m = x.mean()
    var = ((x - m) ** 2).mean()
    p = x.reshape(-1, h) - m
    return (p[:, :-lag] * p[:, lag:]).mean() / var


def robust_se(x, h):
    """Sampling sd of the lag-1 ACF with no lag-1 dependence but clustered volatility."""
    p = x.reshape(-1, h) - x.mean()
    prod = p[:, :-1] * p[:, 1:]
    return np.sqrt((prod**2).sum()) / prod.size / ((x - x.mean()) ** 2).mean()


def variance_ratio(x, h, q=10):
    p = x.reshape(-1, h)
    c = np.cumsum(np.pad(p, ((0, 0), (1, 0))), axis=1)
    sums = (c[:, q:] - c[:, :-q]).ravel()
    return sums.var(ddof=1) / (q * x.var(ddof=1))


def main():
    out = Path(sys.argv[1])
    res = json.loads((out / "results.json").read_text())
    hist = pd.read_csv(out / "historical.csv").drop(columns=["scenario", "date"])
    ids = sys.argv[2:] or [m["id"] for m in res["methods"] if m["id"] != "historical"]
    for mid in ids:
        f = out / f"{mid}.paths.csv"
        if not f.exists():
            f = out / f"{mid}.paths.csv.gz"
        df = pd.read_csv(f)
        h = int(df["day"].max())
        wide = df.pivot_table(index=["scenario", "day"], columns="ticker", values="log_return", sort=True)
        g = wide.to_numpy()
        n = g.shape[0] // h
        band = 2.576 / np.sqrt(n * (h - 1))
        lag1 = np.array([path_acf(g[:, j], h, 1) for j in range(g.shape[1])])
        se = np.array([robust_se(g[:, j], h) for j in range(g.shape[1])])
        vr = np.mean([variance_ratio(g[:, j], h) for j in range(g.shape[1])])
        acf2 = np.mean([np.mean([path_acf(g[:, j] ** 2, h, l) for l in range(1, 11)]) for j in range(g.shape[1])])
        m = next(r for r in res["methods"] if r["id"] == mid)
        sd = np.abs(wide.std(ddof=1) / hist[wide.columns].std(ddof=1) - 1).max()
        mu = np.abs(wide.mean() - hist[wide.columns].mean()).max()
        print(f"{mid}: max |sd_file/sd_hist − 1| {sd:.1e}, max |mean_file − mean_hist| {mu:.1e}")
        print(f"{mid}: lag1 {lag1.mean():+.12f} (satool {m['acf_g_lag1']:+.12f}); "
              f"inside {np.mean(np.abs(lag1) <= band):.4f} ({m['acf_g_lag1_inside_band']:.4f}); "
              f"robust {np.mean(np.abs(lag1) <= 2.576 * se):.4f} ({m['acf_g_lag1_inside_robust_band']:.4f}); "
              f"VR10 {vr:.12f} ({m['variance_ratio_10']:.12f}); "
              f"ACF g2 1-10 {acf2:.12f} ({m['acf_g2_mean_1_10']:.12f})")


if __name__ == "__main__":
    main()
