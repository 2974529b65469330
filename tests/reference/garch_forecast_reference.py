"""Reference one-day-ahead GARCH(1,1) variance forecasts for satool's rolling `garch_fhs`
(domains/finance/src/garch.rs, `GarchFit::one_day_variances`), computed with Python `arch`.

Data: fixtures/sp500.csv from 2018-01-01 (satool `--start 2018-01-01`), daily log returns × 100.
One refit window: the model is fitted on the returns dated before 2020-01-01 (`last_obs`), then
`forecast(start=…, horizon=1)` gives, for every day from the first fitted day's successor to
2020-04-30, the variance of that day forecast after the day before, with the fitted parameters
and the fit's backcast (the days after the fit are filtered, never refitted). The window holds
the February–March 2020 crash.

Three parameter sets: arch's default fit; arch solved to tol 1e-12 ("tight"); and "exact", the
point where the gradient of the log-likelihood vanishes, found here independently of satool:
Newton's method from the tight fit, the gradient by complex-step differentiation of the
likelihood (exact to rounding, no differencing error), its Jacobian by central differences. arch's
SLSQP (finite-difference gradients) stops where the likelihood is flat to ~1e-12, which leaves
the parameters up to ~1e-7 from the optimum (KO, α ≈ 0.0014 near the boundary, moves its
forecasts by 1.6e-6); the exact point's forecasts come from arch itself, `model.fix(params,
last_obs=…).forecast(start=…)`, and its arch log-likelihood is checked ≥ the tight fit's. The
forecasts are listed for the days from 2020-01-01 to 2020-04-30 only, in percent².

Run:  python3 tests/reference/garch_forecast_reference.py > tests/reference/garch_forecast_reference.json
(arch 8.0.0, numpy, pandas).
"""
import json

import arch
import numpy as np
import pandas as pd
from arch import arch_model

TICKERS = ["AAPL", "JPM", "XOM", "KO", "AMD"]
prices = pd.read_csv("fixtures/sp500.csv", parse_dates=["Date"]).set_index("Date")
prices = prices[prices.index >= "2018-01-01"]
returns = np.log(prices).diff().dropna()
returns = returns[returns.index <= "2020-04-30"]
fit_days = int((returns.index < "2020-01-01").sum())
dates = returns.index[fit_days:]



def loglik(p, x, bc):
    """arch's Gaussian GARCH(1,1) log-likelihood with the backcast bc (works on complex p)."""
    e = x - p[0]
    ll, prev_e2, prev_s2 = 0.0, bc, bc
    for t in range(len(x)):
        s2 = p[1] + p[2] * prev_e2 + p[3] * prev_s2
        ll = ll - 0.5 * (np.log(2 * np.pi) + np.log(s2) + e[t] ** 2 / s2)
        prev_e2, prev_s2 = e[t] ** 2, s2
    return ll


def gradient(p, x, bc):
    h = 1e-30
    return np.array([loglik(p + 1j * h * np.eye(4)[k], x, bc).imag / h for k in range(4)])


def exact_optimum(p, x):
    w = 0.94 ** np.arange(min(75, len(x)))
    bc = float(((x - x.mean())[: len(w)] ** 2 * w / w.sum()).sum())
    p = np.array(p, dtype=float)
    for _ in range(6):
        hess = np.empty((4, 4))
        for k in range(4):
            h = 1e-5 * max(abs(p[k]), 1e-3)
            e = np.eye(4)[k] * h
            hess[:, k] = (gradient(p + e, x, bc) - gradient(p - e, x, bc)) / (2 * h)
        p = p + np.linalg.solve(0.5 * (hess + hess.T), -gradient(p, x, bc))
    return p, float(np.abs(gradient(p, x, bc)).max())


out = {"arch_version": arch.__version__, "window_start": "2018-01-01", "fit_days": fit_days,
       "dates": [d.strftime("%Y-%m-%d") for d in dates], "scale": "100 x daily log return",
       "fits": []}
for ticker in TICKERS:
    r = 100.0 * returns[ticker].to_numpy()
    model = arch_model(r, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
    entry = {"ticker": ticker}
    for name, kw in [("default", {}), ("tight", {"tol": 1e-12, "options": {"maxiter": 10000}})]:
        res = model.fit(disp="off", last_obs=fit_days, **kw)
        # Row t of the forecast frame (t = fit_days - 1, …) is the forecast made after day t for
        # day t + 1: the forecasts of the days dated from 2020-01-01 on.
        f = res.forecast(start=fit_days - 1, horizon=1, reindex=False).variance["h.1"].to_numpy()
        p = res.params
        entry[name] = {"mu": p["mu"], "omega": p["omega"], "alpha": p["alpha[1]"], "beta": p["beta[1]"],
                       "variance": [float(v) for v in f[: len(dates)]]}
    p, grad = exact_optimum(res.params.to_numpy(), r[:fit_days])
    fixed = model.fix(p, last_obs=fit_days)
    assert fixed.loglikelihood >= res.loglikelihood, (ticker, fixed.loglikelihood, res.loglikelihood)
    f = fixed.forecast(start=fit_days - 1, horizon=1, reindex=False).variance["h.1"].to_numpy()
    entry["exact"] = {"mu": p[0], "omega": p[1], "alpha": p[2], "beta": p[3], "max_abs_gradient": grad,
                      "loglikelihood": fixed.loglikelihood, "tight_loglikelihood": res.loglikelihood,
                      "variance": [float(v) for v in f[: len(dates)]]}
    out["fits"].append(entry)
print(json.dumps(out, indent=1))
