import json, subprocess, sys
files = {"all_stocks_5yr": ["fixtures/all_stocks_5yr.csv.gz", "--drop-suspect"], "sp500": ["fixtures/sp500.csv"]}
rows = []
for name, args in files.items():
    for seed in range(1, 6):
        out = subprocess.run(["./target/release/satool", "finance", "--prices", *args, "--methods",
                              "historical,bootstrap,block_bootstrap,sa_paths", "--seed", str(seed), "--json", "--quiet"],
                             capture_output=True, text=True, check=True)
        v = json.loads(out.stdout)
        m = {r["id"]: r for r in v["methods"]}
        h, s, b, bb = m["historical"], m["sa_paths"], m["bootstrap"], m["block_bootstrap"]
        def share(key, r):
            return r[key] / h[key] if h[key] else float("nan")
        print(f"{name} seed {seed}: lag1 {s['acf_g_lag1']:+.3f} in band {100*s['acf_g_lag1_inside_band']:.0f}% "
              f"(hist {100*h['acf_g_lag1_inside_band']:.0f}%) | VR10 {s['variance_ratio_10']:.3f} (hist {h['variance_ratio_10']:.3f}, block {bb['variance_ratio_10']:.3f}) | "
              f"ACFg2 1-10 {s['acf_g2_mean_1_10']:.3f} = {100*share('acf_g2_mean_1_10', s):.0f}% (block {100*share('acf_g2_mean_1_10', bb):.0f}%) | "
              f"11-50 {s['acf_g2_mean_11_50']:.3f} = {100*share('acf_g2_mean_11_50', s):.0f}% (block {100*share('acf_g2_mean_11_50', bb):.0f}%) | "
              f"KS corr {100*s['ks_pass_corrected']:.1f}% (block {100*bb['ks_pass_corrected']:.1f}%) | "
              f"corr err {s['corr_error']:.3f} (boot {b['corr_error']:.3f}, block {bb['corr_error']:.3f}) | "
              f"out nov {s['output_novelty']['mean']:.3f} near {100*s['near_copies']:.0f}% | {s['seconds']:.1f}s", flush=True)
