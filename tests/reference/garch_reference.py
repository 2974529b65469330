"""Reference GARCH(1,1) fits for satool's `garch_fhs` (domains/finance/src/garch.rs).

Fits arch's constant-mean GARCH(1,1) with Gaussian quasi-ML to every ticker of
fixtures/sp500.csv from 2018-01-01 on (the satool window `--start 2018-01-01`: prices from the
first trading day on or after that date, log returns between consecutive rows).

Scaling convention: arch is fitted to 100 × the daily log returns (percent returns, as arch
recommends); the printed mu is in percent, omega in percent², alpha and beta are scale-free.
satool fits the same percent returns and converts (mu/100, omega/1e4) for simulation.

Run:  python3 tests/reference/garch_reference.py > tests/reference/garch_reference.json
(arch 8.0.0, numpy, pandas).
"""
import json

import arch
import numpy as np
import pandas as pd
from arch import arch_model

prices = pd.read_csv("fixtures/sp500.csv", parse_dates=["Date"]).set_index("Date")
prices = prices[prices.index >= "2018-01-01"]
returns = np.log(prices).diff().dropna()

out = {"arch_version": arch.__version__, "window_start": "2018-01-01", "days": len(returns),
       "scale": "100 x daily log return", "fits": []}
for ticker in returns.columns:
    r = 100.0 * returns[ticker].to_numpy()
    model = arch_model(r, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
    res = model.fit(disp="off")
    # The same model solved to a much tighter tolerance: how far arch's default stop is from
    # the optimum (the test's tolerance must exceed it).
    tight = model.fit(disp="off", tol=1e-12, options={"maxiter": 10000})
    p = res.params
    out["fits"].append({
        "ticker": ticker,
        "mu": p["mu"], "omega": p["omega"], "alpha": p["alpha[1]"], "beta": p["beta[1]"],
        "loglikelihood": res.loglikelihood,
        "tight": {"mu": tight.params["mu"], "omega": tight.params["omega"],
                  "alpha": tight.params["alpha[1]"], "beta": tight.params["beta[1]"],
                  "loglikelihood": tight.loglikelihood},
        # Conditional variance of the last day and the one-day-ahead variance (percent²).
        "last_sigma2": float(res.conditional_volatility[-1] ** 2),
        "next_sigma2": float(res.forecast(horizon=1, reindex=False).variance.iloc[-1, 0]),
        "convergence_flag": int(res.convergence_flag),
    })
print(json.dumps(out, indent=1))
