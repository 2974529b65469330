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
    // The correction to the history's moments needs every path: bootstrap and block_bootstrap
    // (the default set's; the others' paths start from the last day's state, uncorrected).
    let o = with(&["--paths", "0..50"]);
    assert_input_error(&o, "--paths 0..50: bootstrap, block_bootstrap set to the history's mean and sd");
    assert!(stderr(&o).contains("give --raw, or --moments-only on every shard"));
    // Paths that are not corrected need neither.
    let out = tmp.path().join("as_of").display().to_string();
    let o = with(&["--paths", "0..50", "--methods", "historical,exact", "--out", &out, "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_input_error(&with(&["--raw", "--paths", "50..101"]), "not a range of the --scenarios 100 paths");
    let o = with(&["--raw", "--paths", "5..5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let out = tmp.path().join("seq").display().to_string();
    let o = with(&["--raw", "--paths", "0..50", "--methods", "sa_sequential", "--inner-steps", "2", "--out", &out]);
    assert_input_error(&o, "--paths 0..50: sa_sequential cannot make a part of its paths: they are the segments");
    let o = with(&["--paths", "0..50", "--methods", "bootstrap,sa_sequential", "--moments-only", "--out", &out]);
    assert_input_error(&o, "each half of them drawing from one shared random stream");
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

/// A run without --raw in shards: each shard's moments (--moments-only), joined by `finance
/// moments`, then each shard with --moments FILE, gathered: the single run's risk and path files
/// bit for bit. Moments files that are not the whole run's are refused, naming file and problem.
#[test]
fn corrected_shards_with_the_runs_moments_equal_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = fixture("sp500.csv");
    let path = |name: &str| tmp.path().join(name).display().to_string();
    let base = ["finance", "--prices", &csv, "--scenarios", "100", "--horizon", "5", "--quiet"];
    // sa_regime: one chain per path, each from its own streams, so a shard runs its own.
    let methods =
        ["--methods", "historical,bootstrap,exact,sa_regime", "--inner-steps", "20", "--as-of", "unconditional"];
    let with = |extra: &[&str]| satool(&[&base[..], &methods[..], extra].concat(), &[]);
    let ok = |o: std::process::Output| assert!(o.status.success(), "{}", stderr(&o));
    ok(with(&["--out", &path("single")]));
    for (name, range) in [("m0", "0..40"), ("m1", "40..100")] {
        ok(with(&["--paths", range, "--moments-only", "--out", &path(name)]));
    }
    ok(satool(&["finance", "moments", &path("m1"), &path("m0"), "--out", &path("m")], &[]));
    let file = path("m/moments.json");
    for (name, range, threads) in [("s0", "0..40", "1"), ("s1", "40..100", "2")] {
        let out = path(name);
        let args = [&base[..], &methods[..], &["--paths", range, "--moments", &file, "--out", &out]].concat();
        ok(satool(&args, &[("RAYON_NUM_THREADS", threads)]));
    }
    ok(satool(&["finance", "gather", &path("s0"), &path("s1"), "--out", &path("g")], &[]));
    let risk: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("g/risk.json")).unwrap()).unwrap();
    assert_eq!(risk, results(&tmp.path().join("single"))["risk"]);
    for id in ["bootstrap", "exact", "sa_regime"] {
        let name = format!("{id}.paths.csv");
        let (a, b) = (
            fs::read(tmp.path().join("single").join(&name)).unwrap(),
            fs::read(tmp.path().join("g").join(&name)).unwrap(),
        );
        assert!(a.len() > 10_000 && a == b, "{name} differs");
    }
    // The run's moments given whole give the single run too.
    ok(with(&["--moments", &path("m"), "--out", &path("whole")]));
    assert_eq!(results(&tmp.path().join("whole"))["risk"], results(&tmp.path().join("single"))["risk"]);

    // A part's moments, another run's, a method missing, a broken file: exit 2, file and problem.
    let refused = |extra: &[&str], needle: &str| {
        let o = with(extra);
        assert_input_error(&o, needle);
        assert!(stderr(&o).contains("moments.json"), "{}", stderr(&o));
    };
    let part = path("m0/moments.json");
    refused(&["--paths", "0..40", "--moments", &part], "the moments of paths 0..40 of 100, not of the whole run");
    refused(
        &["--paths", "0..40", "--moments", &file, "--seed", "2"],
        "the moments of another run: its seed is 1, not 2",
    );
    let o = satool(
        &[
            &base[..],
            &[
                "--methods",
                "historical,block_bootstrap",
                "--inner-steps",
                "20",
                "--as-of",
                "unconditional",
                "--moments",
                &file,
            ],
        ]
        .concat(),
        &[],
    );
    assert_input_error(&o, "no moments of method block_bootstrap");
    let mut doc: serde_json::Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    doc["methods"][0]["tickers"][3][0] = serde_json::json!("7:x");
    let bad_sum = doc.to_string();
    let broken = [
        ("bad/moments.json", "{}".to_string(), "not a moments file"),
        ("sum/moments.json", bad_sum, "method bootstrap: '7:x' is not an exact sum"),
    ];
    for (name, body, needle) in broken {
        let f = tmp.path().join(name);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(&f, body).unwrap();
        refused(&["--moments", &f.display().to_string()], needle);
    }
    // The moments of shards that do not cover the run once, or of other runs, are not joined.
    let o = satool(&["finance", "moments", &path("m0"), "--out", &path("x")], &[]);
    assert_input_error(&o, "paths 40..100 missing");
    let o = satool(&["finance", "moments", &path("m0"), &path("m0"), &path("m1"), "--out", &path("y")], &[]);
    assert_input_error(&o, "generated twice");
    ok(with(&["--paths", "40..100", "--moments-only", "--seed", "2", "--out", &path("m2")]));
    let o = satool(&["finance", "moments", &path("m0"), &path("m2"), "--out", &path("z")], &[]);
    assert_input_error(&o, "not a part of");
    let o = with(&["--raw", "--moments", &file]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Shard `range` of a small bootstrap run (4 paths of 3 days on sp500's 2021–2022) in `dir/range`.
fn small_shard(dir: &Path, range: &str) -> String {
    small_shard_of(dir, range, "bootstrap")
}

/// [`small_shard`] of a run of `methods`.
fn small_shard_of(dir: &Path, range: &str, methods: &str) -> String {
    let (csv, out) = (fixture("sp500.csv"), dir.join(range).display().to_string());
    let args = ["finance", "--prices", &csv, "--start", "2021-01-01", "--methods", methods];
    let more = ["--scenarios", "4", "--horizon", "3", "--raw", "--paths", range, "--out", &out, "--quiet"];
    let o = satool(&[&args[..], &more[..]].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// A shard's portfolio file edited to hold a value that is not a day's simple return (NaN, inf,
/// a loss of 100% or more) is refused with the file, line and value, not gathered into NaN.
#[test]
fn a_shard_portfolio_value_that_is_not_a_return_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (small_shard(tmp.path(), "0..2"), small_shard(tmp.path(), "2..4"));
    let gather = || satool(&["finance", "gather", &a, &b, "--quiet"], &[]);
    assert!(gather().status.success(), "{}", stderr(&gather()));
    let file = Path::new(&b).join("bootstrap.portfolio.csv");
    let text = fs::read_to_string(&file).unwrap();
    for bad in ["nan", "inf", "-1.5"] {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let (path, rest) = lines[2].split_once(',').unwrap();
        let (_, tail) = rest.split_once(',').unwrap();
        lines[2] = format!("{path},{bad},{tail}");
        fs::write(&file, lines.join("\n") + "\n").unwrap();
        let o = gather();
        assert_input_error(
            &o,
            &format!("bootstrap.portfolio.csv:3: '{bad}' is not a portfolio return (a finite number above -1)"),
        );
        assert!(!stdout(&o).contains("NaN"), "{}", stdout(&o));
    }
}

/// A shard's path file cut short (mid-row or at a row's end), extended, edited to hold a value
/// that is not a log return, or with another header is refused, naming the file and line, and
/// nothing is written: before, the bytes were copied as they were, and the gathered file lost
/// paths or gained rows while risk.json stayed whole.
#[test]
fn a_shard_path_file_cut_short_or_edited_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (small_shard(tmp.path(), "0..2"), small_shard(tmp.path(), "2..4"));
    let out = tmp.path().join("gathered");
    let gather = || satool(&["finance", "gather", &a, &b, "--out", &out.display().to_string(), "--quiet"], &[]);
    let file = Path::new(&b).join("bootstrap.paths.csv");
    let text = fs::read_to_string(&file).unwrap();
    let lines = text.lines().count(); // header + 2 paths × 3 days × 20 tickers
    assert_eq!(lines, 1 + 2 * 3 * 20);
    let second = text.lines().nth(1).unwrap();
    let (key, rest) = second.split_at(second.find(",AAPL,").unwrap() + 6);
    let (_, source_day) = rest.split_once(',').unwrap();
    let cases = [
        (text[..text.len() - 5].to_string(), format!("bootstrap.paths.csv:{lines}: the last row is cut short")),
        (
            text[..text.len() - text.lines().last().unwrap().len() - 1].to_string(),
            format!("bootstrap.paths.csv:{lines}: the file ends here"),
        ),
        (
            format!("{text}5,1,AAPL,0.01,2021-01-05\n"),
            format!("bootstrap.paths.csv:{}: a row after the shard's last path (4)", lines + 1),
        ),
        (
            text.replacen(second, &format!("{key}nan,{source_day}"), 1),
            "bootstrap.paths.csv:2: 'nan' is not a log return".to_string(),
        ),
        (
            text.replacen(second, &second.replacen("3,1,AAPL", "3,2,AAPL", 1), 1),
            "bootstrap.paths.csv:2: '3,2,AAPL".to_string(),
        ),
        (
            text.replacen(",source_day\n", "\n", 1),
            "bootstrap.paths.csv:1: header 'scenario,day,ticker,log_return' differs".to_string(),
        ),
    ];
    for (bad, message) in cases {
        fs::write(&file, &bad).unwrap();
        let o = gather();
        assert_input_error(&o, &message);
        assert!(!out.exists(), "{message}: the gathered directory was written");
    }
    fs::write(&file, &text).unwrap();
    let o = gather();
    assert!(o.status.success(), "{}", stderr(&o));
    let first = fs::read_to_string(Path::new(&a).join("bootstrap.paths.csv")).unwrap();
    let gathered = fs::read_to_string(out.join("bootstrap.paths.csv")).unwrap();
    assert_eq!(gathered, first + text.split_once('\n').unwrap().1);
}

/// `gather`, `moments` and a shard's `--moments` refuse an `--out` that is or holds what they
/// read, `--force` or not, and leave it as it was: before, `--force` replaced a shard, both shards
/// of a parent directory, a part's moments.json or the run's moments with the output.
#[test]
fn joins_refuse_an_out_over_what_they_read() {
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("par");
    let (a, b) = (small_shard(&parent, "0..2"), small_shard(&parent, "2..4"));
    let before = fs::read(Path::new(&a).join("results.json")).unwrap();
    for out in [a.clone(), parent.display().to_string()] {
        let o = satool(&["finance", "gather", &a, &b, "--out", &out, "--force", "--quiet"], &[]);
        assert_input_error(&o, &format!("--out {out}: the directory "));
        assert!(stderr(&o).contains("the input shard") && stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    }
    assert_eq!(fs::read(Path::new(&a).join("results.json")).unwrap(), before);
    assert!(Path::new(&b).join("bootstrap.portfolio.csv").exists());

    let csv = fixture("sp500.csv");
    let moments = |range: &str, extra: &[&str]| {
        let out = tmp.path().join(format!("m{range}")).display().to_string();
        let args = ["finance", "--prices", &csv, "--start", "2021-01-01", "--methods", "bootstrap", "--scenarios", "4"];
        let more = ["--horizon", "3", "--paths", range, "--out", &out, "--force", "--quiet"];
        (satool(&[&args[..], &more[..], extra].concat(), &[]), out)
    };
    let ((o0, m0), (o1, m1)) = (moments("0..2", &["--moments-only"]), moments("2..4", &["--moments-only"]));
    assert!(o0.status.success() && o1.status.success(), "{}{}", stderr(&o0), stderr(&o1));
    let part = fs::read(Path::new(&m0).join("moments.json")).unwrap();
    let o = satool(&["finance", "moments", &m0, &m1, "--out", &m0, "--force"], &[]);
    assert_input_error(&o, &format!("--out {m0}: the directory is the input part {m0}"));
    assert_eq!(fs::read(Path::new(&m0).join("moments.json")).unwrap(), part);
    let whole = tmp.path().join("mall").display().to_string();
    let o = satool(&["finance", "moments", &m0, &m1, "--out", &whole], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = Path::new(&whole).join("moments.json");
    let joined = fs::read(&file).unwrap();
    let o = satool(
        &[
            "finance",
            "--prices",
            &csv,
            "--start",
            "2021-01-01",
            "--methods",
            "bootstrap",
            "--scenarios",
            "4",
            "--horizon",
            "3",
        ]
        .iter()
        .chain(&["--paths", "0..2", "--moments", &whole, "--out", &whole, "--force", "--quiet"])
        .copied()
        .collect::<Vec<_>>(),
        &[],
    );
    assert_input_error(&o, &format!("--out {whole}: the directory is the input --moments {whole}"));
    assert_eq!(fs::read(&file).unwrap(), joined);
}

/// Shards of runs of other methods are parts of different runs: said as such, not as a missing
/// file of the method the first shard has.
#[test]
fn shards_of_other_methods_are_of_different_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = small_shard(tmp.path(), "0..2");
    let b = small_shard_of(&tmp.path().join("other"), "2..4", "bootstrap,block_bootstrap");
    let o = satool(&["finance", "gather", &a, &b, "--quiet"], &[]);
    assert_input_error(&o, "shards of different runs (their parameters, input, tickers, weights or methods differ)");
}
