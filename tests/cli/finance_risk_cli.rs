//! `satool finance` risk layer end to end: `--weights`, the VaR/ES and drawdown table,
//! per-ticker results, `--backtest-split`, and the `garch_fhs` row, on the 20-ticker sp500
//! fixture from 2018 (fast methods only). Reference numbers: tests/reference/backtest_reference.py.

mod common;
use common::*;

const WEIGHTS: &str = "tests/reference/backtest_weights.csv";
const METHODS: &str = "historical,bootstrap,garch_fhs";

fn run(extra: &[&str]) -> std::process::Output {
    let csv = fixture("sp500.csv");
    let mut args = vec!["finance", "--prices", &csv, "--start", "2018-01-01", "--quiet", "--methods", METHODS];
    args.extend_from_slice(extra);
    satool(&args, &[])
}

fn reference() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("tests/reference/backtest_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn close(a: f64, b: f64, rel: f64, what: &str) {
    assert!((a - b).abs() <= rel * b.abs().max(1e-300), "{what}: satool {a}, reference {b}");
}

#[test]
fn risk_and_backtest_of_the_history_match_the_scipy_reference() {
    let v = json(&run(&["--json", "--weights", WEIGHTS, "--backtest-split", "2021-01-01"]));
    let want = reference();
    let k = v["parameters"]["K"].as_u64().unwrap();
    assert_eq!(k, want["train_days"].as_u64().unwrap(), "the memory holds the days before the split");
    assert_eq!(method(&v, "garch_fhs")["n"].as_u64().unwrap(), k, "garch_fhs: one K-day path");

    let risk = &v["risk"];
    assert_eq!(risk["weights_used"].as_array().unwrap().iter().filter(|w| w.as_f64().unwrap() > 0.0).count(), 10);
    let methods = risk["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 3);
    for m in methods {
        assert_eq!(m["horizons"].as_array().unwrap().len(), 4, "{}", m["id"]);
        for h in m["horizons"].as_array().unwrap() {
            assert_eq!(h["tails"].as_array().unwrap().len(), 4);
        }
    }
    let hist = methods.iter().find(|m| m["id"] == "historical").unwrap();
    for (got, want) in hist["horizons"].as_array().unwrap().iter().zip(want["risk"].as_array().unwrap()) {
        let h = got["horizon"].as_u64().unwrap();
        assert_eq!(got["paths"], want["paths"], "H = {h}");
        for (a, b) in got["tails"].as_array().unwrap().iter().zip(want["tails"].as_array().unwrap()) {
            close(f(a, "var"), f(b, "var"), 1e-12, &format!("VaR H={h} {}", a["level"]));
            close(f(a, "es"), f(b, "es"), 1e-12, &format!("ES H={h} {}", a["level"]));
        }
        for (a, b) in
            got["drawdown_quantiles"].as_array().unwrap().iter().zip(want["drawdown_quantiles"].as_array().unwrap())
        {
            close(a.as_f64().unwrap(), b.as_f64().unwrap(), 1e-12, &format!("drawdown quantile H={h}"));
        }
        close(f(got, "drawdown_mean"), f(want, "drawdown_mean"), 1e-12, &format!("mean drawdown H={h}"));
    }

    let bt = &v["backtest"];
    assert!(bt["split"].as_str().unwrap().contains("backtest 2021-01-04..2022-12-28 (501 days)"), "{}", bt["split"]);
    let hist_bt = bt["methods"].as_array().unwrap().iter().find(|m| m["id"] == "historical").unwrap();
    for (a, b) in hist_bt["tests"].as_array().unwrap().iter().zip(want["backtest"].as_array().unwrap()) {
        let level = f(a, "level");
        assert_eq!((a["days"].clone(), a["exceedances"].clone()), (b["days"].clone(), b["exceedances"].clone()));
        for key in ["var", "lr_uc", "p_uc", "lr_ind", "p_ind"] {
            close(f(a, key), f(b, key), 1e-9, &format!("{key} at {level}"));
        }
    }
    assert_eq!(bt["methods"].as_array().unwrap().len(), 3);
}

#[test]
fn tables_fit_100_columns_and_per_ticker_csv_is_complete() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let o = run(&["--weights", WEIGHTS, "--backtest-split", "0.6", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let risk = &text[text.find("portfolio risk").expect("risk table printed")..];
    assert!(risk.contains("VaR backtest of each method"), "{risk}");
    for line in risk.lines() {
        assert!(line.chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
    let main_row = text.lines().find(|l| l.starts_with("garch_fhs ") && l.contains("GARCH(1,1)"));
    assert!(main_row.is_some(), "the garch_fhs row is in the main table: {text}");

    let mut r = csv::Reader::from_path(dir.join("per_ticker.csv")).unwrap();
    assert_eq!(r.headers().unwrap().len(), 17);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3 * 20);
    let hist_aapl = rows.iter().find(|r| &r[0] == "historical" && &r[1] == "AAPL").unwrap();
    assert_eq!((&hist_aapl[2], &hist_aapl[4]), ("1", "1"), "history vs itself: KS p 1, sd ratio 1");
    // GARCH keeps volatility clustering: the mean ACF(g²) at lag 1 is clearly positive.
    let g2: Vec<f64> = rows.iter().filter(|r| &r[0] == "garch_fhs").map(|r| r[7].parse::<f64>().unwrap()).collect();
    assert!(g2.iter().sum::<f64>() / g2.len() as f64 > 0.05, "{g2:?}");
}

#[test]
fn bad_weights_and_splits_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("w.csv");
    std::fs::write(&bad, "ticker,weight\nAAPL,0.5\nZZZZ,0.5\n").unwrap();
    assert_input_error(&run(&["--weights", bad.to_str().unwrap()]), "w.csv:3: ticker 'ZZZZ' is not among the 20");
    std::fs::write(&bad, "AAPL,1\nAAPL,2\n").unwrap();
    assert_input_error(&run(&["--weights", bad.to_str().unwrap()]), "ticker 'AAPL' already given on line 1");
    std::fs::write(&bad, "AAPL,1\nMSFT,-1\n").unwrap();
    assert_input_error(&run(&["--weights", bad.to_str().unwrap()]), "the weights sum to 0");
    assert_input_error(&run(&["--backtest-split", "1.5"]), "--backtest-split: '1.5' is neither");
    assert_input_error(&run(&["--backtest-split", "2022-12-01"]), "at least 60 and 20 are needed");
}
