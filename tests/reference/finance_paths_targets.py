"""The targets of the default path generator (sa_paths) over seeds 1–5 on
all_stocks_5yr (--drop-suspect) and the 20-ticker 1990–2022 file: 10,000 paths × 20 days (lag-1
ACF of g and its 99% white-noise band, the target, with the share inside the robust band beside it, 10-day variance ratio, ACF of g² at lags 1–10, KS of the files,
correlation error), 2,000 × 60 days for the ACF of g² at lags 11–50 (which needs paths longer
than 50 days), and the 20-day tails of the unconditional paths (`--as-of unconditional`): VaR99 and ES99 within ±10% of the
block bootstrap's and skew within 0.5 of history's overlapping windows, for equal weights and a
concentrated 5-name portfolio (AAPL .30, XOM .25 and three names at .15 each: OXY, CCL, BA on
all_stocks_5yr; AMD, BAC, GE on the 20-ticker file). Run from the repository root after
`cargo build --release` (arguments: seeds, default 1–5, and the names of the files to run,
default both; extra satool arguments after `--`); the output is committed beside this script
(.out; `_multiscale.out`: `sp500 -- --paths-state multiscale`; `_ewma-leverage.out`:
`-- --paths-state ewma-leverage`; `_runs.out`: `-- --paths-state runs`)."""
import json, os, subprocess, sys, tempfile

files = {"all_stocks_5yr": ["fixtures/all_stocks_5yr.csv.gz", "--drop-suspect"], "sp500": ["fixtures/sp500.csv"]}
five = {"all_stocks_5yr": {"AAPL": .30, "XOM": .25, "OXY": .15, "CCL": .15, "BA": .15},
        "sp500": {"AAPL": .30, "XOM": .25, "AMD": .15, "BAC": .15, "GE": .15}}
argv = sys.argv[1:]
extra = argv[argv.index("--") + 1:] if "--" in argv else []
argv = argv[:argv.index("--")] if "--" in argv else argv
seeds = [int(s) for s in argv if s.isdigit()] or list(range(1, 6))
only = [s for s in argv if not s.isdigit()]
if only:
    files = {k: v for k, v in files.items() if k in only}


def run(args, seed, n, h, methods="historical,bootstrap,block_bootstrap,sa_paths"):
    out = subprocess.run([os.environ.get("SATOOL", "./target/release/satool"), "finance", "--prices", *args,
                          "--methods", methods, "--seed", str(seed), "--scenarios", str(n), "--horizon", str(h),
                          "--as-of", "unconditional", "--json", "--quiet", *extra], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check(ok):
    return "ok" if ok else "MISS"


def tails(doc, h=20):
    """VaR99, ES99 and skew of each method's h-day returns."""
    out = {}
    for m in doc["risk"]["methods"]:
        x = next(x for x in m["horizons"] if x["horizon"] == h)
        t = next(t for t in x["tails"] if t["level"] == 0.99)
        out[m["id"]] = (t["var"], t["es"], x["skew"])
    return out


def tail_line(name, t):
    s, b, hist = t["sa_paths"], t["block_bootstrap"], t["historical"]
    rv, re = s[0] / b[0] - 1, s[1] / b[1] - 1
    return (f"  20-day {name}: VaR99 {100*s[0]:.2f} vs block {100*b[0]:.2f} ({100*rv:+.0f}%) [{check(abs(rv) <= 0.1)}] "
            f"(hist {100*hist[0]:.2f}) | ES99 {100*s[1]:.2f} vs block {100*b[1]:.2f} ({100*re:+.0f}%) "
            f"[{check(abs(re) <= 0.1)}] (hist {100*hist[1]:.2f}) | skew {s[2]:+.2f} vs hist {hist[2]:+.2f} "
            f"[{check(abs(s[2] - hist[2]) <= 0.5)}] (block {b[2]:+.2f})")


for name, args in files.items():
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("".join(f"{k},{v}\n" for k, v in five[name].items()))
    for seed in seeds:
        doc = run(args, seed, 10000, 20)
        m = {r["id"]: r for r in doc["methods"]}
        l = {r["id"]: r for r in run(args, seed, 2000, 60, "historical,sa_paths")["methods"]}
        conc = run([*args, "--weights", f.name], seed, 10000, 20, "historical,block_bootstrap,sa_paths")
        h, s, b, bb = m["historical"], m["sa_paths"], m["bootstrap"], m["block_bootstrap"]
        hl, sl = l["historical"], l["sa_paths"]
        a1 = s["acf_g2_mean_1_10"] / h["acf_g2_mean_1_10"]
        a2 = sl["acf_g2_mean_11_50"] / hl["acf_g2_mean_11_50"]
        vr = s["variance_ratio_10"] - h["variance_ratio_10"]
        print(f"{name} seed {seed}: lag1 {s['acf_g_lag1']:+.4f} in band {100*s['acf_g_lag1_inside_band']:.0f}% "
              f"[{check(s['acf_g_lag1_inside_band'] >= 0.9)}] (block {100*bb['acf_g_lag1_inside_band']:.0f}%), "
              f"robust {100*s['acf_g_lag1_inside_robust_band']:.0f}% (block {100*bb['acf_g_lag1_inside_robust_band']:.0f}%) | "
              f"VR10 {s['variance_ratio_10']:.3f} vs hist {h['variance_ratio_10']:.3f} [{check(abs(vr) <= 0.2)}] | "
              f"ACFg2 1-10 {s['acf_g2_mean_1_10']:.3f} = {100*a1:.0f}% of hist [{check(a1 >= 0.6)}] "
              f"(block {100*bb['acf_g2_mean_1_10']/h['acf_g2_mean_1_10']:.0f}%) | "
              f"11-50 {sl['acf_g2_mean_11_50']:.3f} = {100*a2:.0f}% [{check(0.5 <= a2 <= 2.0)}] | "
              f"KS {100*s['ks_pass_corrected']:.1f}% [{check(s['ks_pass_corrected'] >= 0.9)}] (block {100*bb['ks_pass_corrected']:.1f}%) | "
              f"corr err {s['corr_error']:.3f} vs block {bb['corr_error']:.3f} [{check(s['corr_error'] <= bb['corr_error'] + 0.05)}] | "
              f"out nov {s['output_novelty']['mean']:.3f} near {100*s['near_copies']:.0f}% | {s['seconds']:.1f}s", flush=True)
        print(tail_line("equal", tails(doc)), flush=True)
        print(tail_line("5-name", tails(conc)), flush=True)
    os.unlink(f.name)
