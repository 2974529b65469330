//! `satool finance --paths A..B` and `satool finance gather`: the shards of a --scenarios run,
//! gathered, give the single run's path files byte for byte and its risk table bit for bit.

mod common;
use common::*;
use std::fs;
use std::path::Path;

/// One method of each kind of path generator: resampled days, exact draws, the state sampler.
const METHODS: &str = "historical,block_bootstrap,exact,sa_paths";

fn run(out: &Path, extra: &[&str], threads: &str) -> std::process::Output {
    let csv = fixture("sp500.csv");
    let out = out.display().to_string();
    let mut args = vec![
        "finance",
        "--prices",
        &csv,
        "--scenarios",
        "2000",
        "--horizon",
        "20",
        "--raw",
        "--methods",
        METHODS,
        "--out",
        &out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    satool(&args, &[("RAYON_NUM_THREADS", threads)])
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

#[test]
fn four_shards_gather_to_the_single_run_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    let o = run(&single, &[], "2");
    assert!(o.status.success(), "{}", stderr(&o));
    let single_text = stdout(&o);
    // Unequal shards, each on another thread count, gathered in no particular order.
    let ranges = ["1500..2000", "0..500", "500..1300", "1300..1500"];
    let mut dirs = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        let dir = tmp.path().join(format!("shard{i}"));
        // One shard writes gzip path files: gather reads either.
        let gzip: &[&str] = if i == 1 { &["--gzip"] } else { &[] };
        let o = run(&dir, &[&["--paths", r][..], gzip].concat(), if i % 2 == 0 { "1" } else { "2" });
        assert!(o.status.success(), "{r}: {}", stderr(&o));
        dirs.push(dir.display().to_string());
    }
    let shard0 = results(&tmp.path().join("shard1"));
    assert_eq!(shard0["parameters"]["paths"], serde_json::json!([0, 500]));
    assert_eq!(shard0["parameters"]["scenarios"], 2000);
    let p = fs::read_to_string(tmp.path().join("shard0").join("exact.portfolio.csv")).unwrap();
    assert!(p.starts_with("scenario,day_1,day_2,") && p.lines().nth(1).unwrap().starts_with("1501,"));
    assert_eq!(p.lines().count(), 501);

    let whole = tmp.path().join("whole");
    let mut args = vec!["finance", "gather"];
    args.extend(dirs.iter().map(String::as_str));
    let w = whole.display().to_string();
    args.extend(["--out", &w, "--json"]);
    let gathered = json(&satool(&args, &[]));

    // The risk: every method, horizon, level and drawdown quantile, to the last bit (JSON
    // numbers are written in the shortest form that reads back to the same f64).
    let single_risk = results(&single)["risk"].clone();
    assert_eq!(gathered, single_risk);
    let file: serde_json::Value = serde_json::from_str(&fs::read_to_string(whole.join("risk.json")).unwrap()).unwrap();
    assert_eq!(file, single_risk);
    let exact = single_risk["methods"].as_array().unwrap().iter().find(|m| m["id"] == "exact").unwrap();
    assert_eq!(exact["horizons"][0]["paths"], 2000);
    // The path files, byte for byte.
    for id in ["block_bootstrap", "exact", "sa_paths"] {
        let name = format!("{id}.paths.csv");
        let (a, b) = (fs::read(single.join(&name)).unwrap(), fs::read(whole.join(&name)).unwrap());
        assert_eq!(a.len(), b.len(), "{name}");
        assert!(a == b, "{name} differs");
    }
    assert!(
        tmp.path().join("shard1/exact.paths.csv.gz").exists() && !tmp.path().join("shard1/exact.paths.csv").exists()
    );
    // gather --gzip: the single run's --gzip file (its plain text, gzip at the fast level,
    // flushed once before the end as the run's writer is).
    let whole_gz = tmp.path().join("whole_gz");
    let mut args = vec!["finance", "gather", "--gzip", "--quiet"];
    args.extend(dirs.iter().map(String::as_str));
    let w = whole_gz.display().to_string();
    args.extend(["--out", &w]);
    let o = satool(&args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = fs::read(single.join("sa_paths.paths.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    std::io::Write::flush(&mut gz).unwrap();
    assert!(fs::read(whole_gz.join("sa_paths.paths.csv.gz")).unwrap() == gz.finish().unwrap());
    assert!(!whole_gz.join("sa_paths.paths.csv").exists());
    // The table printed is the single run's risk table.
    let mut args = vec!["finance", "gather"];
    args.extend(dirs.iter().map(String::as_str));
    let table = stdout(&satool(&args, &[]));
    assert!(table.len() > 500 && single_text.contains(table.trim_end()), "{table}");

    // Shards that do not cover the run once are refused.
    let o = satool(&["finance", "gather", &dirs[0], &dirs[1], &dirs[2]], &[]);
    assert_input_error(&o, "paths 1300..1500 missing");
    let o = satool(&["finance", "gather", &dirs[1], &dirs[1], &dirs[2], &dirs[3], &dirs[0]], &[]);
    assert_input_error(&o, "generated twice");
    let o = satool(&["finance", "gather", &single.display().to_string()], &[]);
    assert_input_error(&o, "not a shard");
}

#[test]
fn shards_that_cannot_be_exact_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = fixture("sp500.csv");
    let base = ["finance", "--prices", &csv, "--scenarios", "100", "--horizon", "5"];
    let with = |extra: &[&str]| satool(&[&base[..], extra].concat(), &[]);
    // The correction to the history's moments needs every path.
    assert_input_error(&with(&["--paths", "0..50"]), "needs --raw");
    assert_input_error(&with(&["--raw", "--paths", "50..101"]), "not a range of the --scenarios 100 paths");
    let o = with(&["--raw", "--paths", "5..5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let out = tmp.path().join("seq").display().to_string();
    let o = with(&["--raw", "--paths", "0..50", "--methods", "sa_sequential", "--inner-steps", "2", "--out", &out]);
    assert_input_error(&o, "cannot make a part of them");
}

/// A run that streams its paths a block at a time (a small memory budget: blocks of 48 paths,
/// each drawn again for every pass) gives the numbers and files of the run that holds every path
/// (the report's), bit for bit, corrected files included.
#[test]
fn streamed_paths_equal_the_held_run() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = fixture("sp500.csv");
    let (held, streamed) = (tmp.path().join("held"), tmp.path().join("streamed"));
    let args = |out: &Path| {
        let out = out.display().to_string();
        let base = ["finance", "--prices", &csv, "--scenarios", "400", "--horizon", "10", "--quiet", "--out", &out];
        base.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let mut a = args(&held);
    a.extend(["--report".to_string(), tmp.path().join("report").display().to_string()]);
    let o = satool(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let b = args(&streamed);
    let o = satool(&b.iter().map(String::as_str).collect::<Vec<_>>(), &[("SATOOL_MAX_MEMORY_BYTES", "5000000")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let strip = |mut v: serde_json::Value| {
        for m in v["methods"].as_array_mut().unwrap() {
            m.as_object_mut().unwrap().remove("seconds");
        }
        v
    };
    let (rh, rs) = (strip(results(&held)), strip(results(&streamed)));
    assert_eq!(rh["methods"].as_array().unwrap().len(), 6);
    assert_eq!(rh, rs);
    for id in ["bootstrap", "block_bootstrap", "garch_fhs", "exact", "sa_paths"] {
        let name = format!("{id}.paths.csv");
        let (x, y) = (fs::read(held.join(&name)).unwrap(), fs::read(streamed.join(&name)).unwrap());
        assert!(x.len() > 100_000 && x == y, "{name} differs");
    }
}
