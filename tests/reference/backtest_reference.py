"""Reference numbers for satool's portfolio risk and VaR backtest (domains/finance/src/risk.rs,
backtest.rs), computed independently with NumPy/pandas/SciPy.

Data: fixtures/sp500.csv from 2018-01-01 (satool `--start 2018-01-01`), daily log returns;
backtest split 2021-01-01: returns dated before it are the history, returns dated on or after it
the backtest days. Weights: tests/reference/backtest_weights.csv (10 tickers, the rest 0).

For the `historical` method (its scenarios are the history itself), in the one convention of
every satool table (a desk's: the portfolio's simple return, from the tickers' log returns):
- portfolio daily return = sum_j w_j (exp(g_j) - 1) (rebalanced daily);
- H-day returns = prod(1 + R_t) - 1 over overlapping windows; VaR_c = -quantile(1-c) (NumPy
  linear), ES_c = -mean(returns <= that quantile); max drawdown per window = max over t of
  1 - V_t / running max of V (V = [1, cumprod(1 + R)]), quantiles 0.5/0.95/0.99 (NumPy linear);
- backtest: 1-day VaR_c of the history, exceedances = backtest days with return < -VaR_c,
  Kupiec and Christoffersen LRs with scipy.stats.chi2.sf(., 1);
- the main table's equal-weight columns (`main`): VaR/ES 1% and 5% of the equal-weight portfolio's
  daily simple return over the history and its sd (n - 1): the same convention, so they equal the
  1-day VaR/ES 99%/95% of the risk table under --weights equal.

Run:  python3 tests/reference/backtest_reference.py > tests/reference/backtest_reference.json
"""
import json

import numpy as np
import pandas as pd
from scipy.stats import chi2

prices = pd.read_csv("fixtures/sp500.csv", parse_dates=["Date"]).set_index("Date")
prices = prices[prices.index >= "2018-01-01"]
g = np.log(prices).diff().dropna()
weights = pd.read_csv("tests/reference/backtest_weights.csv").set_index("ticker")["weight"]
w = weights.reindex(g.columns).fillna(0.0).to_numpy()
w = w / w.sum()
port = pd.Series(np.exp(g.to_numpy()) @ w - 1.0, index=g.index)
equal = pd.Series(np.expm1(g.to_numpy()).mean(axis=1), index=g.index)
equal_train = equal[equal.index < "2021-01-01"].to_numpy()
train = port[port.index < "2021-01-01"].to_numpy()
test = port[port.index >= "2021-01-01"].to_numpy()
LEVELS = [0.95, 0.975, 0.99, 0.995]


def tails(x):
    out = []
    for c in LEVELS:
        q = np.quantile(x, 1 - c)
        out.append({"level": c, "var": -q, "es": -x[x <= q].mean()})
    return out


def drawdown(path):
    value = np.concatenate([[1.0], np.cumprod(1.0 + path)])
    return float(np.max(1.0 - value / np.maximum.accumulate(value)))


risk = []
for h in [1, 5, 10, 20]:
    windows = np.lib.stride_tricks.sliding_window_view(train, h)
    dd = np.array([drawdown(p) for p in windows])
    risk.append({"horizon": h, "paths": len(windows), "tails": tails(np.prod(1.0 + windows, axis=1) - 1.0),
                 "drawdown_quantiles": [float(np.quantile(dd, q)) for q in [0.5, 0.95, 0.99]],
                 "drawdown_mean": float(dd.mean())})


def xlny(x, y):
    return 0.0 if x == 0 else x * np.log(y)


backtests = []
for c in LEVELS:
    var = -np.quantile(train, 1 - c)
    hits = test < -var
    n, x, p = len(hits), int(hits.sum()), 1 - c
    lr_uc = -2 * (xlny(n - x, 1 - p) + xlny(x, p) - xlny(n - x, 1 - x / n) - xlny(x, x / n))
    t = np.zeros((2, 2))
    for a, b in zip(hits[:-1], hits[1:]):
        t[int(a), int(b)] += 1
    p0 = t[0, 1] / (t[0, 0] + t[0, 1])
    p1 = t[1, 1] / (t[1, 0] + t[1, 1]) if t[1].sum() > 0 else 0.0
    pi = (t[0, 1] + t[1, 1]) / t.sum()
    lr_ind = -2 * (xlny(t[0, 0] + t[1, 0], 1 - pi) + xlny(t[0, 1] + t[1, 1], pi)
                   - xlny(t[0, 0], 1 - p0) - xlny(t[0, 1], p0) - xlny(t[1, 0], 1 - p1) - xlny(t[1, 1], p1))
    lr_ind = max(lr_ind, 0.0)
    backtests.append({"level": c, "days": n, "exceedances": x, "var": var,
                      "lr_uc": lr_uc, "p_uc": float(chi2.sf(lr_uc, 1)),
                      "lr_ind": lr_ind, "p_ind": float(chi2.sf(lr_ind, 1)) if lr_ind > 0 else 1.0})

main = {}
for c, name in [(0.99, "1"), (0.95, "5")]:
    q = np.quantile(equal_train, 1 - c)
    main[f"var_{name}"], main[f"es_{name}"] = -q, -equal_train[equal_train <= q].mean()
main["portfolio_sd"] = float(np.std(equal_train, ddof=1))

print(json.dumps({"train_days": len(train), "test_days": len(test), "risk": risk,
                  "backtest": backtests, "main": main}, indent=1))
