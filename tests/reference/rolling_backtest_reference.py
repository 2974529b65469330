"""Reference p-values for satool's rolling VaR backtest (domains/finance/src/backtest.rs,
`backtest_series` and `basel_zone`), computed independently with NumPy and SciPy.

The case: fixtures/sp500.csv, the equal-weight portfolio's daily log return ln(mean_j e^{g_j});
for every return day dated in 2020, the VaR_c forecast is −quantile_{1−c} (NumPy linear) of the
250 portfolio days before it (a trailing historical simulation, which is slow to react: the
2020 crash gives clustered exceedances, so every test has something to reject).

Per level: exceedances (return < −VaR), Kupiec LR_uc, Christoffersen LR_ind (first-order Markov)
and LR_cc = LR_uc + LR_ind, with scipy.stats.chi2.sf (1, 1 and 2 degrees of freedom); at 99%
the Basel zone from scipy.stats.binom.cdf (green < 0.95 ≤ yellow < 0.9999 ≤ red).

The H-day case (H = 10): the 2020 days cut into non-overlapping 10-day blocks from the first
(a last incomplete block left out); each block's realised return is the sum of its 10 portfolio
days, its VaR_c forecast −quantile_{1−c} (linear) of the 241 overlapping 10-day sums of the 250
portfolio days before the block; the same tests on the blocks (the Basel zone by the same
binomial rule on the number of blocks).

Run:  python3 tests/reference/rolling_backtest_reference.py > tests/reference/rolling_backtest_reference.json
(numpy, pandas, scipy).
"""
import json

import numpy as np
import pandas as pd
import scipy
from scipy.stats import binom, chi2

prices = pd.read_csv("fixtures/sp500.csv", parse_dates=["Date"]).set_index("Date")
g = np.log(prices).diff().dropna()
port = pd.Series(np.log(np.exp(g.to_numpy()).mean(axis=1)), index=g.index)
days = np.flatnonzero((port.index >= "2020-01-01") & (port.index <= "2020-12-31"))
realised = port.to_numpy()[days]


def xlny(x, y):
    return 0.0 if x == 0 else x * np.log(y)


def tests(hits, c):
    n, x, p = len(hits), int(hits.sum()), 1.0 - c
    lr_uc = -2.0 * ((xlny(n - x, 1 - p) + xlny(x, p)) - (xlny(n - x, 1 - x / n) + xlny(x, x / n)))
    t = np.zeros((2, 2))
    for a, b in zip(hits[:-1], hits[1:]):
        t[int(a), int(b)] += 1
    p0 = t[0, 1] / t[0].sum()
    p1 = t[1, 1] / t[1].sum() if t[1].sum() > 0 else 0.0
    q = t[:, 1].sum() / t.sum()
    null = xlny(t[:, 0].sum(), 1 - q) + xlny(t[:, 1].sum(), q)
    alt = xlny(t[0, 0], 1 - p0) + xlny(t[0, 1], p0) + xlny(t[1, 0], 1 - p1) + xlny(t[1, 1], p1)
    lr_ind = max(-2.0 * (null - alt), 0.0)
    lr_cc = lr_uc + lr_ind
    cdf = binom.cdf(x, n, 0.01)
    zone = "green" if cdf < 0.95 else ("yellow" if cdf < 0.9999 else "red")
    return {"exceedances": x, "lr_uc": lr_uc, "p_uc": chi2.sf(lr_uc, 1), "lr_ind": lr_ind,
            "p_ind": chi2.sf(lr_ind, 1), "lr_cc": lr_cc, "p_cc": chi2.sf(lr_cc, 2), "basel_zone": zone}


out = {"scipy_version": scipy.__version__, "days": len(days), "first": str(port.index[days[0]].date()),
       "last": str(port.index[days[-1]].date()), "realised": realised.tolist(), "levels": []}
for c in [0.95, 0.99]:
    var = np.array([-np.quantile(port.to_numpy()[t - 250:t], 1 - c) for t in days])
    hits = realised < -var
    out["levels"].append({"level": c, "var": var.tolist(), **tests(hits, c)})
H = 10
starts = days[: (len(days) // H) * H : H]
realised_h = np.array([port.to_numpy()[t:t + H].sum() for t in starts])
out["horizon"] = {"days": H, "blocks": len(starts), "realised": realised_h.tolist(), "levels": []}
for c in [0.95, 0.99]:
    var = []
    for t in starts:
        past = port.to_numpy()[t - 250:t]
        var.append(-np.quantile(np.array([past[i:i + H].sum() for i in range(250 - H + 1)]), 1 - c))
    var = np.array(var)
    out["horizon"]["levels"].append({"level": c, "var": var.tolist(), **tests(realised_h < -var, c)})
print(json.dumps(out, indent=1))
