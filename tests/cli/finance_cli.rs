//! `satool finance` end to end on the bundled real price histories.

mod common;
use common::*;

fn sp500_window(extra: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let csv = fixture("sp500.csv");
    let mut args = vec!["finance", "--prices", &csv, "--start", "2018-01-01", "--json", "--quiet"];
    args.extend_from_slice(extra);
    json(&satool(&args, env))
}

#[test]
fn sp500_window_runs_every_method() {
    let v = sp500_window(&[], &[]);
    assert_eq!(v["domain"], "finance");
    assert_eq!(v["input"]["format"], "wide");
    assert_eq!(v["tickers"]["kept"].as_array().unwrap().len(), 20);
    let p = &v["parameters"];
    let k = p["K"].as_u64().unwrap() as usize;
    assert_eq!(p["d"], 20);
    assert_eq!(v["input"]["first_date"], "2018-01-02");
    assert_eq!(k + 1, v["input"]["days"].as_u64().unwrap() as usize, "K returns from K + 1 prices");
    assert_eq!((f(p, "beta"), f(p, "beta_sequential")), (25.0, 12.0));

    let hist = method(&v, "historical");
    assert_eq!((f(hist, "ks_pass"), f(hist, "ks_mean_p")), (1.0, 1.0));
    assert!(f(hist, "corr_error") < 1e-12);
    assert!(f(&hist["novelty"], "mean") < 1e-12);
    assert_eq!(f(hist, "sd_ratio"), 1.0);
    assert_eq!(method(&v, "block_bootstrap")["n"].as_u64().unwrap() as usize, k);
    assert_eq!(method(&v, "bootstrap")["n"], 900);
    assert_eq!(method(&v, "sa")["n"], 900);
    assert_eq!(method(&v, "sa_sequential")["n"].as_u64().unwrap() as usize, k);
    assert!(f(method(&v, "sa_sequential"), "acceptance") > 0.98);
    for id in ["exact", "sa", "sa_sequential"] {
        let m = method(&v, id);
        assert!(f(&m["novelty"], "mean") > 0.1, "{id} produces new days");
        assert!(f(m, "sd_ratio") < 1.0, "{id}: convex combinations of days compress the spread");
        assert!(f(m, "es_1") >= f(m, "var_1") && f(m, "var_1") > 0.0);
    }
    // Volatility clustering: positive in history, absent from the equilibrium sequential sampler.
    assert!(f(hist, "acf_g2_mean_1_10") > 0.1);
    assert!(f(method(&v, "sa_sequential"), "acf_g2_mean_1_10").abs() < 0.05);
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let a = without_timings(sp500_window(
        &["--methods", "sa,sa_sequential,block_bootstrap"],
        &[("RAYON_NUM_THREADS", "1")],
    ));
    let b = without_timings(sp500_window(
        &["--methods", "sa,sa_sequential,block_bootstrap"],
        &[("RAYON_NUM_THREADS", "2")],
    ));
    assert_eq!(a, b);
}

/// The 505-ticker long-format history: reader rules and the exact law's predictions at β = 25.
#[test]
fn all_stocks_5yr_reader_and_exact_law() {
    let gz = fixture("all_stocks_5yr.csv.gz");
    let all = json(&satool(&["finance", "--prices", &gz, "--methods", "historical", "--json", "--quiet"], &[]));
    // Gaps of up to 5 days are filled by default (BMY, ICE, ORCL stay): 473 kept, 32 dropped.
    assert_eq!(all["tickers"]["kept"].as_array().unwrap().len(), 473);
    assert_eq!(all["tickers"]["dropped"].as_array().unwrap().len(), 32);
    assert!(all["input"]["format"].as_str().unwrap().starts_with("long"));
    let suspects: Vec<(String, String)> = all["tickers"]["suspect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["ticker"].as_str().unwrap().to_string(), s["date"].as_str().unwrap().to_string()))
        .collect();
    for (t, d) in [
        ("EBAY", "2015-07-20"),
        ("NI", "2015-07-02"),
        ("BAX", "2015-07-01"),
        ("DISCA", "2014-08-07"),
        ("LNT", "2016-05-20"),
    ] {
        assert!(suspects.contains(&(t.to_string(), d.to_string())), "{t} {d} not flagged: {suspects:?}");
    }

    let v = json(&satool(
        &[
            "finance",
            "--prices",
            &gz,
            "--drop-suspect",
            "--methods",
            "historical,bootstrap,block_bootstrap,exact",
            "--json",
            "--quiet",
        ],
        &[],
    ));
    assert_eq!((v["parameters"]["d"].as_u64(), v["parameters"]["K"].as_u64()), (Some(467), Some(1258)));
    let hist = method(&v, "historical");
    assert!((f(hist, "acf_g2_mean_1_10") - 0.0367).abs() < 0.001, "historical ACF(g²) {}", hist["acf_g2_mean_1_10"]);
    // Blocks chosen on g² keep part of the volatility clustering; i.i.d. days keep none.
    let block = f(method(&v, "block_bootstrap"), "acf_g2_mean_1_10");
    assert!(block > 0.015, "block bootstrap ACF(g²) {block}");
    assert!(f(method(&v, "bootstrap"), "acf_g2_mean_1_10").abs() < 0.01);
    let (exact, boot) = (method(&v, "exact"), method(&v, "bootstrap"));
    assert!((f(&exact["novelty"], "mean") - 0.77).abs() < 0.03, "exact novelty {}", exact["novelty"]);
    // 0.941 on the 464 tickers without gap filling, 0.967 on the 467 kept by default.
    assert!((0.85..=0.98).contains(&f(exact, "sd_ratio")), "exact sd ratio {}", exact["sd_ratio"]);
    assert!(f(exact, "ks_pass_corrected") > 0.95);
    // Exact law: corrected mean p and correlation error are close to bootstrap's (0.63–0.72 vs
    // ≈ 0.68 and 0.12–0.15 vs 0.12–0.15 over seeds; NumPy agrees), so only their ranges are asserted.
    assert!((0.5..0.85).contains(&f(exact, "ks_mean_p_corrected")));
    assert!((0.08..0.2).contains(&f(exact, "corr_error")) && (0.08..0.2).contains(&f(boot, "corr_error")));
    assert!(f(&boot["novelty"], "mean") < 1e-12, "replayed days are not new");
}

#[test]
fn out_dir_holds_scenarios_readable_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fin");
    let csv = fixture("sp500.csv");
    let o = satool(
        &[
            "finance",
            "--prices",
            &csv,
            "--start",
            "2020-01-01",
            "--methods",
            "bootstrap,exact",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["results.json", "bootstrap.csv", "exact.csv", "tickers.csv", "command.txt"] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let text = std::fs::read_to_string(out.join("exact.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 21);
    assert_eq!((header[0], header[1], header[20]), ("scenario", "AAPL", "XOM"));
    let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').skip(1).map(|c| c.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 900);
    assert!(rows.iter().flatten().all(|v| v.is_finite() && v.abs() < 1.0));
    let tickers = std::fs::read_to_string(out.join("tickers.csv")).unwrap();
    assert!(tickers.starts_with("ticker,status,first_date,last_date,filled_days,reason\n"));
    assert!(tickers.contains("\nAAPL,kept,2020-01-02,2022-12-28,0,\n"), "{tickers}");
}

#[test]
fn bad_price_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let mut text = String::from("date,A,B\n");
    for i in 1..=40 {
        text += &format!("2020-01-{:02},{},{}\n", 1 + (i % 28), 10 + i, 20 + i);
    }
    text = text.replace("2020-01-05,14,24", "2020-01-05,14,abc");
    std::fs::write(&bad, text).unwrap();
    let o = satool(&["finance", "--prices", bad.to_str().unwrap()], &[]);
    assert_input_error(&o, "bad.csv:");
    assert!(stderr(&o).contains('B'), "names the column: {}", stderr(&o));
    let missing = satool(&["finance", "--prices", "no/such.csv"], &[]);
    assert_input_error(&missing, "no/such.csv");
    let beta = satool(&["finance", "--prices", &fixture("sp500.csv"), "--beta=-1"], &[]);
    assert_input_error(&beta, "--beta");
}

/// `--methods` names each method once, by an id of the registry; anything else is a usage error
/// (exit 2) that lists the valid ids, before any work.
#[test]
fn unknown_or_repeated_methods_are_usage_errors() {
    let csv = fixture("sp500.csv");
    let unknown = satool(&["finance", "--prices", &csv, "--methods", "sa,foo"], &[]);
    assert_input_error(
        &unknown,
        "--methods: unknown method 'foo' (valid: historical, bootstrap, block_bootstrap, garch_fhs, exact, sa, \
         sa_sequential, sa_regime, sa_paths)",
    );
    let twice = satool(&["finance", "--prices", &csv, "--methods", "bootstrap,sa,bootstrap"], &[]);
    assert_input_error(&twice, "--methods: 'bootstrap' given twice");
    assert!(!stderr(&twice).contains("daily returns"), "refused before the job started: {}", stderr(&twice));
}

fn all_stocks(extra: &[&str]) -> serde_json::Value {
    let gz = fixture("all_stocks_5yr.csv.gz");
    let mut args = vec!["finance", "--prices", &gz, "--drop-suspect", "--json", "--quiet"];
    args.extend_from_slice(extra);
    json(&satool(&args, &[]))
}

/// f32 chains use the same random numbers as f64 ones; every metric of the i.i.d. pool agrees
/// well within its standard error, at half the cost.
#[test]
fn f32_precision_matches_f64_and_conditioning_on_high_vol_raises_risk() {
    let base = all_stocks(&["--methods", "historical,sa"]);
    let f32 = all_stocks(&["--methods", "sa", "--precision", "f32"]);
    assert_eq!(f32["parameters"]["precision"], "f32");
    let (a, b) = (method(&base, "sa"), method(&f32, "sa"));
    let se = f(&a["novelty"], "se");
    assert!((f(&a["novelty"], "mean") - f(&b["novelty"], "mean")).abs() < se);
    for key in [
        "ks_pass_corrected",
        "ks_mean_p_corrected",
        "corr_error",
        "sd_ratio",
        "es_1",
        "portfolio_sd",
        "acf_g2_mean_1_10",
    ] {
        let (x, y) = (f(a, key), f(b, key));
        assert!((x - y).abs() <= 0.01 * x.abs().max(0.01), "{key}: f64 {x} vs f32 {y}");
    }

    // Conditioning on the top 20% volatility days: riskier scenarios, close to those days' own.
    let hv = all_stocks(&["--methods", "historical,sa", "--condition-regime", "high-vol"]);
    let c = &hv["condition"];
    assert_eq!(c["days"], 252);
    let (sa_all, sa_hv, hv_days) = (a, method(&hv, "sa"), method(&hv, "historical"));
    for key in ["portfolio_sd", "es_1"] {
        let (u, v, w) = (f(sa_all, key), f(sa_hv, key), f(hv_days, key));
        assert!(v > 1.15 * u, "{key}: conditioned {v} vs unconditional {u}");
        assert!((v - w).abs() < (u - w).abs(), "{key}: conditioned {v} is closer to the high-vol days' {w} than {u}");
    }
    assert!(sa_hv["vs_history"]["ks_pass_corrected"].is_number());
    assert!(method(&base, "sa")["vs_history"].is_null());
}

/// Regime switching restores volatility clustering that the equilibrium sampler lacks.
#[test]
fn sa_regime_keeps_volatility_clustering() {
    let v = all_stocks(&["--methods", "historical,sa_regime", "--precision", "f32"]);
    let hist = f(method(&v, "historical"), "acf_g2_mean_1_10");
    let reg = method(&v, "sa_regime");
    let got = f(reg, "acf_g2_mean_1_10");
    assert!((got - hist).abs() <= 0.5 * hist, "sa_regime ACF(g²) {got} vs historical {hist}");
    assert!(f(reg, "acf_g_outside_band") < 0.1, "ACF(g) mostly inside the band");
    assert!(f(reg, "acceptance") > 0.98);
    let p = &v["parameters"]["regime_transitions"];
    assert_eq!(p.as_array().unwrap().len(), 4);
}
