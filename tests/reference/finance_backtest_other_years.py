"""The rolling 1-day VaR backtest of sa_paths and garch_fhs over eight years of the sp500 file that
the fast state's λ (FAST_DECAY, docs/paths-and-risk.md "The forecast's start") was not chosen on:
1998, 2000, 2001, 2002, 2011, 2015, 2018 and 2022, each forecast from the five years before it
(--start Y-5), equal weights, --refit-every 21, seeds 1-2 (garch_fhs: seed 1, its forecast does
not use the fast state).

Per year: exceedances of the 95% VaR (expected ≈ 12.6 in a year of ≈ 252 days) with Kupiec's p, of the 99% VaR
(2.5) and the Basel zone; then the totals over the eight years per method and seed: exceedances
of the 99% and 95% VaR and how many years pass Kupiec's 95% test (p > 0.01). Run from the
repository root after `cargo build --release` (SATOOL: another binary); the output for the binary
of its commit is committed beside it (.out), `_8edca8f.out` for the binary before the fast state."""
import json, os, subprocess

S = os.environ.get("SATOOL", "./target/release/satool")
YEARS = [1998, 2000, 2001, 2002, 2011, 2015, 2018, 2022]
RUNS = [("sa_paths", 1), ("sa_paths", 2), ("garch_fhs", 1)]
totals = {}
for year in YEARS:
    end = f"{year}-12-31" if year < 2022 else "2022-12-28"  # the file's last day
    row = [f"{year} from {year - 5}:"]
    for method, seed in RUNS:
        out = subprocess.run([S, "finance", "--prices", "fixtures/sp500.csv", "--start", f"{year - 5}-01-01",
                              "--end", end, "--backtest", f"{year}-01-02..{end}", "--backtest-horizon", "1",
                              "--methods", method, "--seed", str(seed), "--json", "--quiet"],
                             capture_output=True, text=True, check=True)
        m = json.loads(out.stdout)["methods"][0]
        t = {x["level"]: x for x in m["tests"]}
        row.append(f"{method} seed {seed} 95%: {t[0.95]['exceedances']} (p {t[0.95]['p_uc']:.3f}) "
                   f"99%: {t[0.99]['exceedances']} {t[0.99]['basel_zone']}")
        tot = totals.setdefault((method, seed), [0, 0, 0])
        tot[0] += t[0.99]["exceedances"]
        tot[1] += t[0.95]["exceedances"]
        tot[2] += t[0.95]["p_uc"] > 0.01
    print(" | ".join(row), flush=True)
for (method, seed), (e99, e95, passed) in totals.items():
    print(f"total {method} seed {seed}: 99% {e99} (expected 20.0), 95% {e95} (expected 100.8), "
          f"95% Kupiec p > 0.01 in {passed} of {len(YEARS)} years")
