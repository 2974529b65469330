"""The rolling backtest's 5-day blocks over the crash years where the forecast's start changed
the 1-day counts most (docs/paths-and-risk.md, "The forecast's start"): the five factor ETFs and
sp500 2015-2020 forecasting 2020, sp500 2003-2008 forecasting 2008; equal weights,
--refit-every 21, --backtest-horizon 5 (50 non-overlapping blocks: 2.5 exceedances of the 95%
VaR and 0.5 of the 99% expected), seed 1.

Per case and method: the 1-day and the 5-day exceedances at 95/97.5/99/99.5%. Run from the
repository root after `cargo build --release` (SATOOL: another binary); the output for the binary
of its commit is committed beside it (.out), `_8edca8f.out` for the binary before the fast state."""
import json, os, subprocess

S = os.environ.get("SATOOL", "./target/release/satool")
CASES = [
    ("factor_etfs", ["fixtures/factor_etfs.csv.gz"], "2020-01-02..2020-12-31"),
    ("sp500 2015-2020", ["fixtures/sp500.csv", "--start", "2015-01-01", "--end", "2020-12-31"], "2020-01-02..2020-12-31"),
    ("sp500 2003-2008", ["fixtures/sp500.csv", "--start", "2003-01-01", "--end", "2008-12-31"], "2008-01-02..2008-12-31"),
]
for name, prices, span in CASES:
    out = subprocess.run([S, "finance", "--prices", *prices, "--backtest", span, "--backtest-horizon", "5",
                          "--methods", "sa_paths,garch_fhs", "--seed", "1", "--json", "--quiet"],
                         capture_output=True, text=True, check=True)
    row = [f"{name:16}"]
    for m in json.loads(out.stdout)["methods"]:
        one = "/".join(str(t["exceedances"]) for t in m["tests"])
        five = "/".join(str(t["exceedances"]) for t in m["horizon_tests"])
        row.append(f"{m['id']} 1-day {one} 5-day {five}")
    print(" | ".join(row), flush=True)
