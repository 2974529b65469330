#!/usr/bin/env python3
"""A synthetic wide price panel for the finance scale measurement (bench/README.md):
N tickers × DAYS prices driven by three factors plus Student-t(5) noise, numpy default_rng(1).
Usage: wide_panel.py OUT.csv [TICKERS=3000] [DAYS=1251]"""
import sys

import numpy as np
import pandas as pd


def main():
    out = sys.argv[1]
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1251
    rng = np.random.default_rng(1)
    factors = rng.standard_normal((n, 3)) * 0.01
    loadings = rng.uniform(0.3, 1.5, (3, d))
    g = factors @ loadings * 0.5 + rng.standard_t(5, (n, d)) * 0.012
    prices = 100 * np.exp(np.cumsum(g, axis=0))
    dates = pd.bdate_range("2015-01-02", periods=n).strftime("%Y-%m-%d")
    frame = pd.DataFrame(prices, index=dates, columns=[f"T{i:04d}" for i in range(d)])
    frame.index.name = "date"
    frame.to_csv(out, float_format="%.6f")


if __name__ == "__main__":
    main()
