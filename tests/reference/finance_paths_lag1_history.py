"""Per ticker, the lag-1 ACF of g within sa_paths' and the block bootstrap's paths against zero and
against history's own lag-1 ACF (numpy and pandas; run from the repository root after
`cargo build --release`):

    python3 tests/reference/finance_paths_lag1_history.py [SEEDS] [-- SATOOL ARGS]

For seeds 1–5 (default) it runs `satool finance --methods historical,block_bootstrap,sa_paths
--as-of unconditional --out DIR` on the 20-ticker sp500 file (10,000 paths × 20 days) and on
all_stocks_5yr (--drop-suspect; 2,000 × 20: its path file is 18.7 million rows), reads the path
files and prints, per method, the shares of tickers whose lag-1 ACF r (within paths, as
`finance_paths_metrics.py`) lies
  - inside the white-noise 99% band around zero, |r| ≤ 2.576/√pairs;
  - inside the heteroskedasticity-robust band around zero, |r| ≤ b, b = 2.576·se (se as there);
  - not above it, r ≤ b (no momentum);
  - between zero and history's own lag-1 ACF r_h (over the whole history), widened by b:
    min(0, r_h) − b ≤ r ≤ max(0, r_h) + b (no lag-1 dependence that history does not have),
    printed beside satool's own `acf_g_lag1_between_zero_and_history` (results.json).
A control with momentum follows: sa_sequential on the sp500 file from 2015 (1,000 × 20 days,
seed 1; skipped when SATOOL ARGS are given). The committed .out is of the default run and of
`-- --paths-state runs`."""
import json, os, subprocess, sys, tempfile
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from finance_paths_metrics import path_acf, robust_se

FILES = {"sp500": (["fixtures/sp500.csv"], 10000), "all_stocks_5yr": (["fixtures/all_stocks_5yr.csv.gz", "--drop-suspect"], 2000)}
argv = sys.argv[1:]
extra = argv[argv.index("--") + 1:] if "--" in argv else []
argv = argv[:argv.index("--")] if "--" in argv else argv
seeds = [int(s) for s in argv if s.isdigit()] or list(range(1, 6))
only = [s for s in argv if not s.isdigit()]


def run(out, args, methods, n, seed):
    subprocess.run([os.environ.get("SATOOL", "./target/release/satool"), "finance", "--prices", *args,
                    "--methods", methods, "--scenarios", str(n), "--horizon", "20", "--seed", str(seed),
                    "--as-of", "unconditional", "--quiet", "--out", str(out), *extra],
                   check=True, stdout=subprocess.DEVNULL)
    hist = pd.read_csv(out / "historical.csv").drop(columns=["scenario", "date"])
    return pd.Series({c: path_acf(hist[c].to_numpy(), len(hist), 1) for c in hist.columns})


def shares(out, mid, hl):
    df = pd.read_csv(out / f"{mid}.paths.csv", usecols=["scenario", "day", "ticker", "log_return"])
    h = int(df["day"].max())
    wide = df.pivot_table(index=["scenario", "day"], columns="ticker", values="log_return", sort=True)
    g = wide.to_numpy()
    r = np.array([path_acf(g[:, j], h, 1) for j in range(g.shape[1])])
    b = 2.576 * np.array([robust_se(g[:, j], h) for j in range(g.shape[1])])
    rh = hl[wide.columns].to_numpy()
    white = 2.576 / np.sqrt(g.shape[0] // h * (h - 1))
    between = (r >= np.minimum(0, rh) - b) & (r <= np.maximum(0, rh) + b)
    res = json.loads((out / "results.json").read_text())
    tool = next(m for m in res["methods"] if m["id"] == mid)["acf_g_lag1_between_zero_and_history"]
    return (f"mean r {r.mean():+.4f} | white {np.mean(np.abs(r) <= white):4.0%} | robust {np.mean(np.abs(r) <= b):4.0%} | "
            f"no momentum {np.mean(r <= b):4.0%} | between 0 and history's {between.mean():6.1%} (satool {tool:6.1%})")


for name, (args, n) in FILES.items():
    if only and name not in only:
        continue
    for seed in seeds:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "out"
            hl = run(out, args, "historical,block_bootstrap,sa_paths", n, seed)
            if seed == seeds[0]:
                print(f"{name}: history's lag-1 ACF mean {hl.mean():+.4f}, {np.mean(hl > 0):.0%} of tickers above zero; "
                      f"{n} paths × 20 days{' ' + ' '.join(extra) if extra else ''}", flush=True)
            for mid in ("sa_paths", "block_bootstrap"):
                print(f"  seed {seed} {mid:<15} {shares(out, mid, hl)}", flush=True)

if not extra and (not only or "sp500" in only):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out"
        hl = run(out, ["fixtures/sp500.csv", "--start", "2015-01-01"], "historical,sa_sequential", 1000, 1)
        print(f"control: sp500 from 2015, history's lag-1 ACF mean {hl.mean():+.4f}; 1000 paths × 20 days")
        print(f"  seed 1 {'sa_sequential':<15} {shares(out, 'sa_sequential', hl)}")
