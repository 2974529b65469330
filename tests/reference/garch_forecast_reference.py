"""Reference one-day-ahead GARCH(1,1) variance forecasts for satool's rolling `garch_fhs`
(domains/finance/src/garch.rs, `GarchFit::one_day_variances`), computed with Python `arch`.

Data: fixtures/sp500.csv from 2018-01-01 (satool `--start 2018-01-01`), daily log returns × 100.
One refit window: the model is fitted on the returns dated before 2020-01-01 (`last_obs`), then
`forecast(start=…, horizon=1)` gives, for every day from the first fitted day's successor to
2020-04-30, the variance of that day forecast after the day before, with the fitted parameters
and the fit's backcast (the days after the fit are filtered, never refitted). The window holds
the February–March 2020 crash.

Two fits: arch's default and one solved to 1e-12 (how far arch's default stop is from the
optimum). The forecasts are listed for the days from 2020-01-01 to 2020-04-30 only, in percent².

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
    out["fits"].append(entry)
print(json.dumps(out, indent=1))
