"""The rolling 1-day VaR backtest of sa_paths and garch_fhs over crash years, from long and from
short histories (equal weights, --refit-every 21, seeds 1-3; all_stocks_5yr's calm year, seed 1):

- sp500 2015-2020 (--start 2015-01-01): 2020 forecast from 1,258 days, as a panel that starts in
  2015 would be;
- factor_etfs (five iShares factor ETFs, 2014-2022): 2020 from 1,509 days;
- sp500 1990-2020: 2020 from 7,559 days;
- sp500 1990-2008: 2008 from 4,786 days; sp500 2003-2008: 2008 from 1,258 days;
- all_stocks_5yr (--drop-suspect): 2017-02-09..2018-02-07.

Per row: exceedances of the 95% VaR (expected 12.7 in 253 days) with Kupiec's p, of the 99% VaR
(2.5) with Kupiec's p, and the Basel zone; then `--paths-state ewma-blend` and `multiscale` on the
first two cases (seed 1), whose blended days give a forecast thin tails; last the state with
leverage (`ewma-leverage`), seeds 1-2, on the cases where sa_paths is not closer than garch_fhs or
is red. (`runs` needs no rows: a path's first day is a fresh draw there, so its 1-day forecast
is the default's.) Run from the repository root after `cargo build
--release` (SATOOL: another binary); the output for the binary of its commit is committed beside
it (.out), `_8edca8f.out` for the binary before a forecast started from the larger of a slow and
a fast state (docs/paths-and-risk.md, "The forecast's start"), and `_005409a.out` its rows before
the blend states' on the binary before a path's first day drew from 200 days ("A path's first
day")."""
import json, os, subprocess

S = os.environ.get("SATOOL", "./target/release/satool")
CASES = [
    ("sp500 2015-2020", ["fixtures/sp500.csv", "--start", "2015-01-01", "--end", "2020-12-31"], "2020-01-02..2020-12-31", [1, 2, 3]),
    ("factor_etfs", ["fixtures/factor_etfs.csv.gz"], "2020-01-02..2020-12-31", [1, 2, 3]),
    ("sp500 1990-2020", ["fixtures/sp500.csv", "--end", "2020-12-31"], "2020-01-02..2020-12-31", [1, 2, 3]),
    ("sp500 1990-2008", ["fixtures/sp500.csv", "--end", "2008-12-31"], "2008-01-02..2008-12-31", [1, 2, 3]),
    ("sp500 2003-2008", ["fixtures/sp500.csv", "--start", "2003-01-01", "--end", "2008-12-31"], "2008-01-02..2008-12-31", [1, 2, 3]),
    ("all_stocks_5yr", ["fixtures/all_stocks_5yr.csv.gz", "--drop-suspect"], "2017-02-09..2018-02-07", [1]),
]
# The blend states' forecasts (seed 1, sa_paths only): their days average the neighbourhood.
BLENDS = [(name + " --paths-state " + state, prices, span, [1], ["--paths-state", state], "sa_paths")
          for name, prices, span, _ in CASES[:2] for state in ("ewma-blend", "multiscale")]
# The state that rises more on the market's falls (seeds 1-2).
OTHERS = [(name + " --paths-state ewma-leverage", prices, span, [1, 2], ["--paths-state", "ewma-leverage"], "sa_paths")
          for name, prices, span, _ in (CASES[1], CASES[3], CASES[4])]
for name, prices, span, seeds, *extra in [(*c, [], "sa_paths,garch_fhs") for c in CASES] + BLENDS + OTHERS:
    args, methods = extra
    for seed in seeds:
        out = subprocess.run([S, "finance", "--prices", *prices, "--backtest", span, "--backtest-horizon", "1",
                              "--methods", methods, "--seed", str(seed), "--json", "--quiet", *args],
                             capture_output=True, text=True, check=True)
        doc = json.loads(out.stdout)
        row = [f"{name:16} {span[:4]} seed {seed}: {doc['history_days']} days before"]
        for m in doc["methods"]:
            t = {x["level"]: x for x in m["tests"]}
            row.append(f"{m['id']} 95%: {t[0.95]['exceedances']} (p {t[0.95]['p_uc']:.3f}) "
                       f"99%: {t[0.99]['exceedances']} (p {t[0.99]['p_uc']:.3f}) {t[0.99]['basel_zone']}")
        print(" | ".join(row), flush=True)
