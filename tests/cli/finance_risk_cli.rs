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

    // The main table's equal-weight columns: the same convention (the portfolio's simple return).
    let main = method(&v, "historical");
    for key in ["var_1", "es_1", "var_5", "es_5", "portfolio_sd"] {
        close(f(main, key), f(&want["main"], key), 1e-12, &format!("main table {key}"));
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
fn risk_tables_fit_120_columns_and_per_ticker_csv_is_complete() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let o = run(&["--weights", WEIGHTS, "--backtest-split", "0.6", "--extended", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let risk = &text[text.find("portfolio risk").expect("risk table printed")..];
    assert!(risk.contains("VaR backtest of each method"), "{risk}");
    // Every line, --extended's third table included.
    for line in text.lines() {
        assert!(line.chars().count() <= 120, "{} columns: {line}", line.chars().count());
    }
    // The skew of each horizon's returns is printed, as results.json has it.
    let header = risk.lines().find(|l| l.starts_with("id ")).unwrap();
    assert!(header.trim_end().ends_with("skew"), "{header}");
    let v = json(&run(&["--weights", WEIGHTS, "--backtest-split", "0.6", "--json"]));
    let h5 = &v["risk"]["methods"][0]["horizons"][1];
    let printed = text.lines().find(|l| l.starts_with("historical ") && l.split_whitespace().nth(1) == Some("5"));
    let skew = printed.unwrap().split_whitespace().last().unwrap().parse::<f64>().unwrap();
    assert!((skew - f(h5, "skew")).abs() <= 0.005, "printed {skew}, results.json {}", h5["skew"]);
    let labelled = text.lines().find(|l| l.starts_with("garch_fhs ") && l.contains("GARCH(1,1)"));
    assert!(labelled.is_some(), "the garch_fhs row of --extended's table has its label: {text}");

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
    // Quoted fields, as a CSV writer may write them, name the same tickers.
    std::fs::write(&bad, "\"ticker\",\"weight\"\n\"AAPL\",\"1\"\r\nAAPL,2\n").unwrap();
    assert_input_error(&run(&["--weights", bad.to_str().unwrap()]), "w.csv:3: ticker 'AAPL' already given on line 2");
    std::fs::write(&bad, "AAPL,1\nMSFT,-1\n").unwrap();
    assert_input_error(&run(&["--weights", bad.to_str().unwrap()]), "the weights sum to 0");
    // A first line naming a ticker is not a header, whatever its weight: its typo is refused.
    std::fs::write(&bad, "AAPL,50%\nMSFT,0.5\n").unwrap();
    assert_input_error(&run(&["--weights", bad.to_str().unwrap()]), "w.csv:1: weight '50%' is not a number");
    assert_input_error(&run(&["--backtest-split", "1.5"]), "--backtest-split: '1.5' is neither");
    assert_input_error(&run(&["--backtest-split", "2022-12-01"]), "at least 60 and 20 are needed");
}

/// A rolling backtest on the 20-ticker file from 2018 over February–March 2020, refitted every
/// 10 days; results.json, with backtest.csv under `dir`.
fn rolling(prices: &str, dir: &std::path::Path) -> serde_json::Value {
    let out = dir.display().to_string();
    let mut args = vec!["finance", "--prices", prices, "--start", "2018-01-01"];
    args.extend(["--backtest", "2020-02-03..2020-03-31", "--refit-every", "10"]);
    args.extend(["--out", &out, "--json", "--quiet"]);
    json(&satool(&args, &[]))
}

/// The 2020 crash year forecast from a short history (2015 on, 1,257 days before the first
/// forecast): with 25-day first-day neighbourhoods `sa_paths` had 10 exceedances of its 99% VaR
/// (red, `garch_fhs` 6); a path's first day now draws from 200 days.
#[test]
fn rolling_backtest_of_a_short_history_through_2020_is_not_red() {
    let csv = fixture("sp500.csv");
    let mut args = vec!["finance", "--prices", &csv, "--start", "2015-01-01", "--end", "2020-12-31"];
    args.extend(["--backtest", "2020-01-02..2020-12-31", "--backtest-horizon", "1"]);
    args.extend(["--methods", "sa_paths,garch_fhs", "--seed", "1", "--json", "--quiet"]);
    let doc = json(&satool(&args, &[]));
    assert_eq!((doc["days"].as_u64(), doc["history_days"].as_u64()), (Some(253), Some(1257)));
    let test = |id: &str, level: f64| {
        let m = doc["methods"].as_array().unwrap().iter().find(|m| m["id"] == id).unwrap();
        m["tests"].as_array().unwrap().iter().find(|t| f(t, "level") == level).unwrap().clone()
    };
    let (sa, garch) = (test("sa_paths", 0.99), test("garch_fhs", 0.99));
    let count = |t: &serde_json::Value| t["exceedances"].as_u64().unwrap();
    assert_eq!(sa["basel_zone"], "yellow", "{sa}");
    assert!(count(&sa) <= count(&garch), "sa_paths {} vs garch_fhs {}", count(&sa), count(&garch));
    assert!(f(&test("sa_paths", 0.95), "p_uc") > 0.01, "95%: Kupiec");
}

#[test]
fn rolling_backtest_forecasts_each_day_from_the_days_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/sp500.csv")).unwrap();
    // The same file with every price after 2020-03-02 changed (a different crash).
    let mut altered = String::new();
    for (i, l) in text.lines().enumerate() {
        if i > 0 && &l[..10] > "2020-03-02" {
            let mut cells = l.split(',');
            altered += cells.next().unwrap();
            for (j, c) in cells.enumerate() {
                altered += &format!(",{}", c.parse::<f64>().unwrap() * (1.0 + 0.2 * ((i * 7 + j) as f64).sin()));
            }
        } else {
            altered += l;
        }
        altered.push('\n');
    }
    let (a_csv, b_csv) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    std::fs::write(&a_csv, &text).unwrap();
    std::fs::write(&b_csv, altered).unwrap();
    let a = rolling(&a_csv.display().to_string(), &dir.path().join("a"));
    rolling(&b_csv.display().to_string(), &dir.path().join("b"));
    assert_eq!(a["methods"].as_array().unwrap().len(), 3);
    assert_eq!(
        (a["days"].as_u64(), a["refits"].as_u64(), a["first_date"].as_str()),
        (Some(41), Some(5), Some("2020-02-03"))
    );
    let csv = |d: &str| std::fs::read_to_string(dir.path().join(d).join("backtest.csv")).unwrap();
    let (ca, cb) = (csv("a"), csv("b"));
    let (la, lb): (Vec<&str>, Vec<&str>) = (ca.lines().collect(), cb.lines().collect());
    assert_eq!(la[0], lb[0]);
    assert!(la[0].starts_with("date,portfolio_return,refit,historical_var95,historical_var97.5,historical_var99"));
    let realised_10d = la[0].split(',').position(|c| c == "return_10d").unwrap();
    let mut compared = 0;
    for (x, y) in la[1..].iter().zip(&lb[1..]) {
        let (mut xs, mut ys): (Vec<&str>, Vec<&str>) = (x.split(',').collect(), y.split(',').collect());
        // The realised 10-day return of the block starting 2020-03-03 holds altered days.
        (xs[realised_10d], ys[realised_10d]) = ("", "");
        if xs[0] <= "2020-03-03" {
            // Forecast the evening before from the same days: every VaR, 1-day and 10-day, is the same.
            assert_eq!(xs[2..], ys[2..], "{}", xs[0]);
            compared += 1;
        } else if xs[0] >= "2020-03-05" {
            assert_ne!(xs[3..], ys[3..], "{}: the altered days are not used", xs[0]);
        }
    }
    assert_eq!(compared, 21);
    // The counts of results.json are those of backtest.csv, with the exceedances' dates.
    let rows: Vec<Vec<&str>> = la[1..].iter().map(|l| l.split(',').collect()).collect();
    let cols: Vec<&str> = la[0].split(',').collect();
    for m in a["methods"].as_array().unwrap() {
        for t in m["tests"].as_array().unwrap() {
            let name = format!("{}_var{}", m["id"].as_str().unwrap(), 100.0 * f(t, "level"));
            let c = cols.iter().position(|&n| n == name).unwrap();
            let hits: Vec<&str> = rows
                .iter()
                .filter(|r| r[1].parse::<f64>().unwrap() < -r[c].parse::<f64>().unwrap())
                .map(|r| r[0])
                .collect();
            assert_eq!(t["exceedance_dates"], serde_json::json!(hits), "{name}");
            assert_eq!(t["exceedances"].as_u64().unwrap() as usize, hits.len());
            assert_eq!(t["basel_zone"].is_string(), f(t, "level") == 0.99);
        }
    }
    rolling_h_day_blocks(&a, &la);
}

/// The 10-day backtest of `rolling`: 4 blocks of 10 days from the first backtest day (the 41st
/// day left out), each block's realised return compounded from its days', its VaRs on its first row
/// only, above the 1-day VaR of that day by about √10, and the exceedances those of the columns
/// (an H-day return compounds its days).
fn rolling_h_day_blocks(a: &serde_json::Value, lines: &[&str]) {
    assert_eq!((a["horizon"]["days"].as_u64(), a["horizon"]["blocks"].as_u64()), (Some(10), Some(4)));
    let cols: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| cols.iter().position(|&n| n == name).unwrap_or_else(|| panic!("{name}"));
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    let num = |r: &Vec<&str>, c: usize| r[c].parse::<f64>().unwrap();
    for (t, r) in rows.iter().enumerate() {
        assert_eq!(r[col("return_10d")].is_empty(), t % 10 != 0 || t + 10 > rows.len(), "row {t}");
    }
    for m in a["methods"].as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        for h in m["horizon_tests"].as_array().unwrap() {
            let (level, mut hits) = (f(h, "level"), vec![]);
            let (c10, c1) =
                (col(&format!("{id}_var{}_10d", 100.0 * level)), col(&format!("{id}_var{}", 100.0 * level)));
            for b in 0..4 {
                let r = &rows[10 * b];
                let sum = rows[10 * b..10 * b + 10].iter().fold(1.0, |v, r| v * (1.0 + num(r, 1))) - 1.0;
                assert!((num(r, col("return_10d")) - sum).abs() < 1e-14, "{id} block {b}");
                let ratio = num(r, c10) / num(r, c1);
                assert!((1.5..6.0).contains(&ratio), "{id} {level} block {b}: 10-day / 1-day VaR {ratio}");
                if sum < -num(r, c10) {
                    hits.push(r[0]);
                }
            }
            assert_eq!(h["exceedance_dates"], serde_json::json!(hits), "{id} {level}");
            assert_eq!((h["days"].as_u64(), h["exceedances"].as_u64()), (Some(4), Some(hits.len() as u64)));
        }
    }
}

#[test]
fn rolling_backtest_refuses_methods_and_ranges_it_cannot_run() {
    let csv = fixture("sp500.csv");
    let o = satool(&["finance", "--prices", &csv, "--backtest", "2020-02-03..2020-03-31", "--methods", "sa"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("method 'sa' makes no rolling forecast"), "{}", stderr(&o));
    let o =
        satool(&["finance", "--prices", &csv, "--backtest", "1990-01-03..1990-03-31", "--methods", "historical"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least 60 and 20 are needed"), "{}", stderr(&o));
    for (h, why) in [
        ("0", "--backtest-horizon must be at least 1 (1: the 1-day backtest only)"),
        ("50", "--backtest-horizon 50: longer than the 41 backtest days of 2020-02-03..2020-03-31"),
    ] {
        let args = ["finance", "--prices", &csv, "--backtest", "2020-02-03..2020-03-31", "--backtest-horizon", h];
        let o = satool(&[&args[..], &["--methods", "historical"]].concat(), &[]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
    }
}

/// Each `--paths-state` drives the rolling backtest's `sa_paths`: on the first backtest day (a
/// refit on every day before it) the 1-day VaR is that of a `--scenarios` run from the state of
/// the evening before (`--as-of`) with the same state, up to the Monte Carlo error of 10,000
/// draws on other streams, and so are the 10-day VaR of the first block; the three states give
/// different series; the same bytes on one thread.
#[test]
fn rolling_backtest_draws_from_the_paths_state_asked_for() {
    let (dir, csv) = (tempfile::tempdir().unwrap(), fixture("sp500.csv"));
    let backtest = |state: &str, threads: &str| {
        let out = dir.path().join(format!("{state}-{threads}")).display().to_string();
        let mut args = vec!["--threads", threads, "finance", "--prices", &csv, "--start", "2018-01-01"];
        args.extend(["--backtest", "2020-02-03..2020-03-31", "--refit-every", "10", "--methods", "sa_paths"]);
        args.extend(["--paths-state", state, "--out", &out, "--json", "--quiet"]);
        let r = json(&satool(&args, &[]));
        let rows = std::fs::read_to_string(dir.path().join(format!("{state}-{threads}/backtest.csv"))).unwrap();
        (r, rows)
    };
    let var = |rows: &str, col: &str| -> f64 {
        let lines: Vec<&str> = rows.lines().collect();
        let c = lines[0].split(',').position(|n| n == col).unwrap_or_else(|| panic!("{col}"));
        assert!(lines[1].starts_with("2020-02-03,"), "{}", lines[1]);
        lines[1].split(',').nth(c).unwrap().parse().unwrap()
    };
    let mut first_day = Vec::new();
    for state in ["ewma", "ewma-blend", "multiscale"] {
        let (r, rows) = backtest(state, "2");
        assert_eq!(r["paths_state"].as_str().unwrap_or("ewma"), state);
        let mut args = vec!["finance", "--prices", &csv, "--start", "2018-01-01", "--as-of", "2020-01-31"];
        args.extend(["--scenarios", "10000", "--horizon", "10", "--methods", "sa_paths", "--paths-state", state]);
        let sc = json(&satool(&[&args[..], &["--json", "--quiet"]].concat(), &[]));
        // The blend states' forecasts have thin tails, and both runs say so.
        for doc in [&r, &sc] {
            // (results.json leaves out an empty list)
            let warnings = doc["warnings"].as_array().cloned().unwrap_or_default();
            let warned = warnings.iter().any(|w| w.as_str().unwrap().contains("thin tails"));
            assert_eq!(warned, state != "ewma", "{state}: {}", doc["warnings"]);
        }
        let horizons = sc["risk"]["methods"][0]["horizons"].as_array().unwrap();
        let at = |h: u64, level: f64| {
            let hz = horizons.iter().find(|x| x["horizon"].as_u64() == Some(h)).unwrap();
            f(hz["tails"].as_array().unwrap().iter().find(|t| f(t, "level") == level).unwrap(), "var")
        };
        // The 97.5% quantile of 10,000 draws from the ewma state's 200 pool days falls between two
        // of them (from the fast state after 2020-01-31, 1.571: 0.0281 or 0.0323 by seed), so its
        // tolerance is that gap; a start from the slow state instead (1.0) moves both by 25%. The
        // blend's 20 days give a coarser law still: its VaR95 is 0.0125–0.0149 over seeds 1–3.
        let blend = state == "ewma-blend";
        for (level, col, tol) in [(0.95, "sa_paths_var95", 0.025), (0.975, "sa_paths_var97.5", 0.16)] {
            let tol = if blend { 0.2 } else { tol };
            let (got, want) = (var(&rows, col), at(1, level));
            assert!((got / want - 1.0).abs() < tol, "{state} 1-day {level}: backtest {got}, --scenarios {want}");
        }
        let (got, want) = (var(&rows, "sa_paths_var95_10d"), at(10, 0.95));
        assert!((got / want - 1.0).abs() < 0.06, "{state} 10-day 0.95: backtest {got}, --scenarios {want}");
        first_day.push(var(&rows, "sa_paths_var95"));
        if state == "ewma-blend" {
            assert_eq!(backtest(state, "1").1, rows, "{state}: one thread, the same backtest.csv");
        }
    }
    // The three states' forecasts differ by more than twice that tolerance.
    for (i, a) in first_day.iter().enumerate() {
        for b in &first_day[i + 1..] {
            assert!((a / b - 1.0).abs() > 0.05, "first-day VaR95: {first_day:?}");
        }
    }
}

/// With `--paths-state ewma-leverage` the rolling backtest reports the γ each refit fitted, dated
/// by the refit's first day; the first equals the γ of a `--scenarios` run as of the evening
/// before (the same history), and the default backtest reports none.
#[test]
fn rolling_backtest_reports_the_leverage_of_each_refit() {
    let csv = fixture("sp500.csv");
    let mut args = vec!["finance", "--prices", &csv, "--start", "2018-01-01", "--methods", "sa_paths"];
    args.extend(["--backtest", "2020-02-03..2020-03-31", "--refit-every", "10", "--backtest-horizon", "1"]);
    let lev = json(&satool(&[&args[..], &["--paths-state", "ewma-leverage", "--json", "--quiet"]].concat(), &[]));
    let refits = lev["paths_leverage"].as_array().unwrap();
    assert_eq!(refits.len() as u64, lev["refits"].as_u64().unwrap());
    let dates: Vec<&str> = refits.iter().map(|r| r["refit"].as_str().unwrap()).collect();
    assert_eq!(dates[..3], ["2020-02-03", "2020-02-18", "2020-03-03"]);
    let mut sc = vec!["finance", "--prices", &csv, "--start", "2018-01-01", "--as-of", "2020-01-31"];
    sc.extend(["--scenarios", "10", "--horizon", "2", "--methods", "sa_paths", "--paths-state", "ewma-leverage"]);
    let as_of = json(&satool(&[&sc[..], &["--json", "--quiet"]].concat(), &[]));
    assert_eq!(f(&refits[0], "gamma"), f(&as_of["parameters"], "paths_leverage"));
    for r in refits {
        let gamma = f(r, "gamma");
        assert!(
            (0.0..=4.0).contains(&gamma) && ((gamma * 20.0).round() - gamma * 20.0).abs() < 1e-9,
            "γ on the grid: {gamma}"
        );
    }
    let default = json(&satool(&[&args[..], &["--json", "--quiet"]].concat(), &[]));
    assert!(default.get("paths_leverage").is_none());
}

/// `--paths-state ewma-leverage`: sa_paths draws from the state with the leverage fitted on the
/// history, reported in results.json (γ 1.2 on sp500's whole history, on the grid of 1/20); its
/// paths are the same bytes on one thread and on two, and differ from the default's, whose run
/// reports no leverage and is the same as `--paths-state ewma`.
#[test]
fn leverage_state_is_fitted_reported_and_leaves_the_default_alone() {
    let (dir, csv) = (tempfile::tempdir().unwrap(), fixture("sp500.csv"));
    let paths = |state: Option<&str>, threads: &str| {
        let out = dir.path().join(format!("{}-{threads}", state.unwrap_or("none"))).display().to_string();
        let mut args = vec!["--threads", threads, "finance", "--prices", &csv, "--methods", "sa_paths"];
        args.extend(["--scenarios", "300", "--horizon", "5", "--seed", "3", "--out", &out, "--json", "--quiet"]);
        if let Some(s) = state {
            args.extend(["--paths-state", s]);
        }
        let r = json(&satool(&args, &[]));
        (r, std::fs::read(std::path::Path::new(&out).join("sa_paths.paths.csv")).unwrap())
    };
    let (lev, lev_rows) = paths(Some("ewma-leverage"), "2");
    let p = &lev["parameters"];
    assert_eq!(p["paths_state"], "ewma-leverage");
    let gamma = f(p, "paths_leverage");
    assert!((gamma - 1.2).abs() < 0.03, "sp500's fitted leverage: {gamma}");
    let conv = lev["conventions"].as_array().unwrap();
    assert!(conv.iter().any(|c| c.as_str().unwrap().starts_with("sa_paths (--paths-state ewma-leverage)")));
    assert_eq!(paths(Some("ewma-leverage"), "1").1, lev_rows, "one thread, the same paths");
    let (default, rows) = paths(None, "2");
    assert!(
        default["parameters"].get("paths_leverage").is_none() && default["parameters"].get("paths_state").is_none()
    );
    assert_eq!(paths(Some("ewma"), "2").1, rows, "the default is ewma");
    assert_ne!(rows, lev_rows, "the leverage moves the state, so the days drawn");
}

/// `--paths-state runs`: after a path's first day, about 80% of sa_paths' days are the
/// historical day after the one drawn before (read from `source_day` against historical.csv's
/// dates), where the default draws afresh each day; the run names the state and its convention,
/// and its paths are the same bytes on one thread and on two.
#[test]
fn runs_state_continues_history_and_is_reproducible() {
    let (dir, csv) = (tempfile::tempdir().unwrap(), fixture("sp500.csv"));
    let run = |state: &str, threads: &str| {
        let out = dir.path().join(format!("{state}-{threads}"));
        let o = out.display().to_string();
        let mut args = vec!["--threads", threads, "finance", "--prices", &csv, "--methods", "historical,sa_paths"];
        args.extend(["--scenarios", "300", "--horizon", "20", "--seed", "4", "--as-of", "unconditional"]);
        args.extend(["--paths-state", state, "--out", &o, "--json", "--quiet"]);
        let r = json(&satool(&args, &[]));
        (r, out)
    };
    // Share of a path's days after its first whose source day follows the previous day's.
    let continued = |out: &std::path::Path| {
        let hist = std::fs::read_to_string(out.join("historical.csv")).unwrap();
        let index: std::collections::HashMap<String, usize> =
            hist.lines().skip(1).enumerate().map(|(i, l)| (l.split(',').nth(1).unwrap().to_string(), i)).collect();
        let paths = std::fs::read_to_string(out.join("sa_paths.paths.csv")).unwrap();
        let mut days: Vec<(String, String, usize)> = Vec::new();
        for l in paths.lines().skip(1) {
            let c: Vec<&str> = l.split(',').collect();
            let key = (c[0].to_string(), c[1].to_string());
            if days.last().map(|d| (&d.0, &d.1)) != Some((&key.0, &key.1)) {
                days.push((key.0, key.1, index[c[4]]));
            }
        }
        assert_eq!(days.len(), 300 * 20);
        let pairs: Vec<bool> = days.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| w[1].2 == w[0].2 + 1).collect();
        pairs.iter().filter(|&&c| c).count() as f64 / pairs.len() as f64
    };
    let (r, out) = run("runs", "2");
    assert_eq!(r["parameters"]["paths_state"], "runs");
    let conv = r["conventions"].as_array().unwrap();
    assert!(conv.iter().any(|c| c.as_str().unwrap().starts_with("sa_paths (--paths-state runs)")));
    let share = continued(&out);
    assert!((0.77..0.86).contains(&share), "runs: {share} of the days continue history");
    let (_, plain) = run("ewma", "2");
    let fresh = continued(&plain);
    assert!(fresh < 0.1, "ewma: {fresh} of the days follow the day before");
    let bytes = |o: &std::path::Path| std::fs::read(o.join("sa_paths.paths.csv")).unwrap();
    assert_eq!(bytes(&run("runs", "1").1), bytes(&out), "one thread, the same paths");
}

/// The rolling backtest of `rolling` with a condition and `extra` options: results.json and the
/// rows of backtest.csv (header first).
fn conditioned(condition: &[&str], extra: &[&str], dir: &std::path::Path) -> (serde_json::Value, Vec<Vec<String>>) {
    let (csv, out) = (fixture("sp500.csv"), dir.display().to_string());
    let mut args = vec!["finance", "--prices", &csv, "--start", "2018-01-01"];
    args.extend(["--backtest", "2020-02-03..2020-03-31", "--refit-every", "10", "--out", &out, "--json", "--quiet"]);
    args.extend(condition.iter().chain(extra));
    let results = json(&satool(&args, &[]));
    let text = std::fs::read_to_string(dir.join("backtest.csv")).unwrap();
    (results, text.lines().map(|l| l.split(',').map(String::from).collect()).collect())
}

/// The mean over the days of one backtest.csv column.
fn column_mean(rows: &[Vec<String>], name: &str) -> f64 {
    let c = rows[0].iter().position(|n| n == name).unwrap();
    rows[1..].iter().map(|r| r[c].parse::<f64>().unwrap()).sum::<f64>() / (rows.len() - 1) as f64
}

#[test]
fn rolling_backtest_draws_from_the_days_a_condition_keeps() {
    let dir = tempfile::tempdir().unwrap();
    // A date range: historical's VaR is the quantile of the kept days' portfolio returns, every day.
    let range = ["--condition-dates", "2018-06-01..2018-12-31"];
    let (r, rows) = conditioned(&range, &["--methods", "historical", "--backtest-horizon", "1"], &dir.path().join("d"));
    assert_eq!(r["condition"]["description"], "days dated 2018-06-01 .. 2018-12-31");
    let text = std::fs::read_to_string(root().join("fixtures/sp500.csv")).unwrap();
    let prices: Vec<(String, Vec<f64>)> = text
        .lines()
        .skip(1)
        .filter(|l| &l[..10] >= "2018-01-01")
        .map(|l| (l[..10].to_string(), l.split(',').skip(1).map(|c| c.parse().unwrap()).collect()))
        .collect();
    let mut port: Vec<f64> = prices
        .windows(2)
        .filter(|w| ("2018-06-01".."2019-01-01").contains(&w[1].0.as_str()))
        .map(|w| w[1].1.iter().zip(&w[0].1).map(|(b, a)| b / a).sum::<f64>() / w[0].1.len() as f64 - 1.0)
        .collect();
    port.sort_by(f64::total_cmp);
    let pos = 0.05 * (port.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    let want = -(port[i] + frac * (port[i + 1] - port[i]));
    let c = rows[0].iter().position(|n| n == "historical_var95").unwrap();
    for row in &rows[1..] {
        let got: f64 = row[c].parse().unwrap();
        assert!((got - want).abs() < 1e-12, "{}: {got} vs {want}", row[0]);
    }
    // High-vol days give every method a larger 99% VaR than low-vol days, by 2× at least here.
    let (_, high) = conditioned(&["--condition-regime", "high-vol"], &[], &dir.path().join("h"));
    let (_, low) = conditioned(&["--condition-regime", "low-vol"], &[], &dir.path().join("l"));
    for m in ["historical", "garch_fhs", "sa_paths"] {
        let (h, l) = (column_mean(&high, &format!("{m}_var99")), column_mean(&low, &format!("{m}_var99")));
        assert!(h > 2.0 * l, "{m}: high-vol {h}, low-vol {l}");
    }
    // Too few kept days before a refit is an input error naming the refit.
    let o = satool(
        &[
            "finance",
            "--prices",
            &fixture("sp500.csv"),
            "--backtest",
            "2020-02-03..2020-03-31",
            "--methods",
            "historical",
        ]
        .iter()
        .chain(&["--condition-dates", "2020-01-02..2020-02-28"])
        .copied()
        .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("before 2020-02-03; at least 30 are needed"), "{}", stderr(&o));
}

/// A short range's H-day blocks: 4 blocks without a 99% exceedance are green (under the binomial
/// rule alone, P(X ≤ 0) = 0.99⁴ ≥ 95% made them yellow).
#[test]
fn rolling_backtest_without_exceedances_on_few_blocks_is_green() {
    let csv = fixture("sp500.csv");
    let args = ["finance", "--prices", &csv, "--start", "2021-06-01", "--backtest", "2022-11-01..2022-12-28"];
    let v = json(&satool(&[&args[..], &["--methods", "historical", "--json", "--quiet"]].concat(), &[]));
    let blocks = &v["methods"][0]["horizon_tests"][2];
    assert_eq!((blocks["level"].as_f64(), blocks["days"].as_u64()), (Some(0.99), Some(4)), "{blocks}");
    assert_eq!((blocks["exceedances"].as_u64(), blocks["basel_zone"].as_str()), (Some(0), Some("green")), "{blocks}");
}
