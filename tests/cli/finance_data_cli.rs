//! `satool finance` data coverage: late listings and gaps, the split check,
//! conditioned runs and usage errors. Panels are small and only cheap methods run.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// Rows of fixtures/sp500.csv from 2020 on (the last 756 trading days), as text cells.
fn sp500_recent() -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(fixture("sp500.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|r| r[0].as_str() >= "2020")
        .collect();
    (header, rows)
}

/// Listing row of each of the 20 tickers: the first 5 from the start, then one every 25 days.
fn listing(j: usize) -> usize {
    if j < 5 {
        0
    } else {
        (j - 4) * 25
    }
}

/// Isolated gaps: (ticker, first row, days).
const GAPS: [(usize, usize, usize); 4] = [(1, 300, 2), (2, 400, 1), (3, 500, 4), (4, 600, 8)];

/// The staggered 20-ticker file: ticker j has no price before `listing(j)`, plus `GAPS`.
fn staggered(dir: &Path) -> PathBuf {
    let (header, rows) = sp500_recent();
    let mut s = header.join(",") + "\n";
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<&str> = (0..20)
            .map(|j| {
                let gap = GAPS.iter().any(|&(t, a, n)| t == j && (a..a + n).contains(&i));
                if i < listing(j) || gap {
                    ""
                } else {
                    r[j + 1].as_str()
                }
            })
            .collect();
        s += &format!("{},{}\n", r[0], cells.join(","));
    }
    let p = dir.join("staggered.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn run_json(prices: &Path, extra: &[&str]) -> serde_json::Value {
    let p = prices.display().to_string();
    let mut args = vec!["finance", "--prices", &p, "--methods", "historical", "--json", "--quiet"];
    args.extend_from_slice(extra);
    json(&satool(&args, &[]))
}

fn coverage_row<'a>(v: &'a serde_json::Value, ticker: &str) -> &'a serde_json::Value {
    v["tickers"]["coverage"].as_array().unwrap().iter().find(|r| r["ticker"] == ticker).unwrap()
}

#[test]
fn late_listings_and_gaps_under_each_window_rule() {
    let dir = tempfile::tempdir().unwrap();
    let p = staggered(dir.path());
    let (header, rows) = sp500_recent();
    let name = |j: usize| header[j + 1].as_str();

    // Default: gaps ≤ 5 days are filled; the longest window with ≥ 11 complete tickers starts
    // when the 12th lists (row 175): tickers 0–3 and 5–11 to the end (579 days). Starting at the
    // 11th listing (row 150) would keep ticker 4 only until its 8-day gap (450 days).
    let v = run_json(&p, &[]);
    let t = &v["tickers"];
    assert_eq!(v["input"]["first_date"], rows[175][0].as_str());
    assert_eq!(v["input"]["days"].as_u64().unwrap() as usize, rows.len() - 175);
    assert_eq!(t["kept"].as_array().unwrap().len(), 11, "{}", t["window"]);
    assert!(t["window"].as_str().unwrap().starts_with("longest window with ≥ 11 of 20 tickers complete"));
    let dropped: Vec<&str> = t["dropped"].as_array().unwrap().iter().map(|d| d["ticker"].as_str().unwrap()).collect();
    let mut want: Vec<&str> = vec![name(4)];
    want.extend((12..20).map(name));
    assert_eq!(dropped, want);
    assert!(coverage_row(&v, name(4))["reason"]
        .as_str()
        .unwrap()
        .contains("a gap longer than the fill limit (5 days)"));
    let late = coverage_row(&v, name(19));
    assert_eq!((late["status"].as_str(), late["first_date"].as_str()), (Some("dropped"), Some(rows[375][0].as_str())));
    assert_eq!(
        late["reason"].as_str().unwrap(),
        format!("no price before {}, the window starts {}", rows[375][0], rows[175][0])
    );
    let filled: Vec<(String, u64)> = (0..20)
        .map(|j| (name(j).to_string(), coverage_row(&v, name(j))["filled_days"].as_u64().unwrap()))
        .filter(|x| x.1 > 0)
        .collect();
    assert_eq!(filled, vec![(name(1).into(), 2), (name(2).into(), 1), (name(3).into(), 4)]);
    let ranges = t["dropped_dates"].as_array().unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(
        (ranges[0]["first"].as_str(), ranges[0]["last"].as_str(), ranges[0]["days"].as_u64()),
        (Some(rows[0][0].as_str()), Some(rows[174][0].as_str()), Some(175))
    );

    // Common: every ticker kept, from the last listing (row 375); ticker 4's 8-day gap (rows
    // 600..608) cannot be filled, so those dates go, reported as one range.
    let v = run_json(&p, &["--window", "common"]);
    assert_eq!(v["tickers"]["kept"].as_array().unwrap().len(), 20);
    assert_eq!(v["input"]["first_date"], rows[375][0].as_str());
    assert_eq!(v["input"]["days"].as_u64().unwrap() as usize, rows.len() - 375 - 8);
    let ranges = v["tickers"]["dropped_dates"].as_array().unwrap();
    let gap = ranges.iter().find(|r| r["first"] == rows[600][0].as_str()).expect("the gap's dates are reported");
    assert_eq!((gap["last"].as_str(), gap["days"].as_u64()), (Some(rows[607][0].as_str()), Some(8)));

    // --fill-limit 8 fills ticker 4's gap: the window now starts at the 11th listing (row 150)
    // with tickers 0–10; without filling, all four gapped tickers are dropped.
    let v = run_json(&p, &["--fill-limit", "8"]);
    assert_eq!(coverage_row(&v, name(4))["filled_days"], 8);
    assert_eq!(v["input"]["first_date"], rows[150][0].as_str());
    assert_eq!(v["tickers"]["kept"].as_array().unwrap().len(), 11);
    let v = run_json(&p, &["--fill-limit", "0"]);
    for j in 1..=4 {
        assert_eq!(coverage_row(&v, name(j))["status"], "dropped", "{}", name(j));
    }
    // An explicit range: every date of it, tickers incomplete on it dropped.
    let range = format!("{}..{}", rows[410][0], rows[710][0]);
    let v = run_json(&p, &["--window", &range]);
    assert_eq!(v["input"]["days"], 301);
    assert_eq!(v["tickers"]["kept"].as_array().unwrap().len(), 19);
}

#[test]
fn header_and_tickers_csv_report_every_drop() {
    let dir = tempfile::tempdir().unwrap();
    let p = staggered(dir.path()).display().to_string();
    let out = dir.path().join("out");
    let o = satool(
        &["finance", "--prices", &p, "--methods", "historical", "--quiet", "--out", &out.display().to_string()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let prose = unwrapped(&text);
    assert!(prose.contains("window: longest window with ≥ 11 of 20 tickers complete"), "{text}");
    assert!(prose.contains("gaps of ≤ 5 trading days forward-filled (7 day(s) in 3 ticker(s))"), "{text}");
    assert_eq!(text.matches("  dropped ").count(), 9 + 1, "9 tickers and one date range: {text}");
    assert!(text.contains("dropped dates 2020-01-02 → "), "{text}");
    let csv = std::fs::read_to_string(out.join("tickers.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "ticker,status,first_date,last_date,filled_days,reason");
    assert_eq!(lines.len(), 21);
    assert_eq!(lines[1], "AAPL,kept,2020-01-02,2022-12-28,0,");
    let cvx = lines.iter().find(|l| l.starts_with("CVX,")).unwrap();
    assert!(cvx.starts_with("CVX,dropped,2020-01-02,2022-12-28,0,\"no price on 8 of 579 days"), "{cvx}");
    assert_eq!(lines.iter().filter(|l| l.contains(",dropped,")).count(), 9);
}

#[test]
fn a_single_series_is_refused_with_a_complete_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_, rows) = sp500_recent();
    let mut s = String::from("Date,SPX\n");
    for r in rows.iter().take(100) {
        s += &format!("{},{}\n", r[0], r[1]);
    }
    let p = dir.path().join("index.csv");
    std::fs::write(&p, s).unwrap();
    let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
    assert_input_error(&o, "1 ticker(s) left after filtering, need at least 2 (only SPX kept; the memory centres");
    assert!(!stderr(&o).contains("()"), "{}", stderr(&o));
}

/// Adjusted prices with a crash day that four tickers share (−0.7 log return each, the others
/// −5%) and one unadjusted 2:1 split on another day.
fn crash_and_split(dir: &Path) -> PathBuf {
    let names: Vec<String> = (0..10).map(|j| format!("T{j}")).collect();
    let mut s = format!("date,{}\n", names.join(","));
    let mut p: Vec<f64> = (0..10).map(|j| 50.0 + 5.0 * j as f64).collect();
    for i in 0..80 {
        for (j, x) in p.iter_mut().enumerate() {
            let wiggle = 0.01 * (((i * 7 + j * 3) % 5) as f64 - 2.0);
            let shock = match (i, j) {
                (40, 0..=3) => -0.7,
                (40, _) => -0.05,
                (60, 9) => 0.5f64.ln(),
                _ => 0.0,
            };
            *x *= (wiggle + shock).exp();
        }
        let day = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Duration::days(i as i64);
        s += &format!("{day},{}\n", p.iter().map(|x| format!("{x:.6}")).collect::<Vec<_>>().join(","));
    }
    let path = dir.join("crash.csv");
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn a_shared_crash_is_not_a_split_but_the_split_is() {
    let dir = tempfile::tempdir().unwrap();
    let v = run_json(&crash_and_split(dir.path()), &[]);
    let sus = v["tickers"]["suspect"].as_array().unwrap();
    assert_eq!(sus.len(), 1, "{sus:?}");
    assert_eq!((sus[0]["ticker"].as_str(), sus[0]["date"].as_str()), (Some("T9"), Some("2021-03-02")));
    assert_eq!((sus[0]["near_split"].as_str(), sus[0]["tickers_jumping"].as_u64()), (Some("1/2"), Some(1)));
    let shared = v["tickers"]["shared_jump_days"].as_array().unwrap();
    assert_eq!(shared.len(), 1);
    assert_eq!((shared[0]["date"].as_str(), shared[0]["tickers"].as_array().unwrap().len()), (Some("2021-02-10"), 4));
    assert!((f(&shared[0], "market_log_return") - -0.05).abs() < 0.03);
    // --drop-suspect removes the split ticker only; a threshold above 0.75 flags nothing.
    let v = run_json(&crash_and_split(dir.path()), &["--drop-suspect"]);
    assert_eq!(v["tickers"]["kept"].as_array().unwrap().len(), 9);
    let v = run_json(&crash_and_split(dir.path()), &["--jump-threshold", "0.75"]);
    assert!(v["tickers"]["suspect"].as_array().unwrap().is_empty());
}

#[test]
fn all_stocks_still_flags_its_six_corporate_actions() {
    let v = run_json(Path::new(&fixture("all_stocks_5yr.csv.gz")), &[]);
    let mut flagged: Vec<&str> =
        v["tickers"]["suspect"].as_array().unwrap().iter().map(|s| s["ticker"].as_str().unwrap()).collect();
    flagged.dedup();
    assert_eq!(flagged, ["BAX", "DISCA", "DISCK", "EBAY", "LNT", "NI"]);
    assert!(v["tickers"]["shared_jump_days"].as_array().unwrap().is_empty());
}

#[test]
fn conditioned_runs_write_their_days_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let csv = fixture("sp500.csv");
    let o = satool(
        &[
            "finance",
            "--prices",
            &csv,
            "--start",
            "2018-01-01",
            "--condition-regime",
            "high-vol",
            "--methods",
            "historical,block_bootstrap",
            "--quiet",
            "--out",
            &out.display().to_string(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let c = &v["condition"];
    let days = std::fs::read_to_string(out.join("condition_days.csv")).unwrap();
    let rows: Vec<(String, usize)> = days
        .lines()
        .skip(1)
        .map(|l| {
            let (d, r) = l.split_once(',').unwrap();
            (d.to_string(), r.parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len() as u64, c["days"].as_u64().unwrap());
    // A new run starts exactly where the next selected day is not the next trading day.
    let text = std::fs::read_to_string(fixture("sp500.csv")).unwrap();
    let calendar: Vec<&str> = text.lines().skip(1).map(|l| &l[..10]).filter(|d| *d >= "2018-01-01").collect();
    let pos = |d: &str| calendar.iter().position(|c| *c == d).unwrap();
    for w in rows.windows(2) {
        let consecutive = pos(&w[1].0) == pos(&w[0].0) + 1;
        assert_eq!(w[1].1, if consecutive { w[0].1 } else { w[0].1 + 1 }, "{w:?}");
    }
    assert_eq!(rows.last().unwrap().1 as u64, c["runs"].as_u64().unwrap());
    assert!(c["runs"].as_u64().unwrap() > 10 && c["longest_run"].as_u64().unwrap() >= 2);
    assert!(unwrapped(&stdout(&o)).contains(&format!("in {} run(s) of consecutive days", c["runs"])));
}

#[test]
fn usage_errors_exit_2() {
    let csv = fixture("sp500.csv");
    let run = |extra: &[&str]| {
        let mut args = vec!["finance", "--prices", &csv, "--methods", "historical", "--quiet"];
        args.extend_from_slice(extra);
        satool(&args, &[])
    };
    assert_input_error(
        &run(&["--start", "2019-01-01", "--end", "2018-01-01"]),
        "--end 2018-01-01 is before --start 2019-01-01",
    );
    assert_input_error(
        &run(&["--start", "2021-01-01", "--regime-window", "100000"]),
        "--regime-window 100000 is longer than the 500 return days",
    );
    assert_input_error(&run(&["--fill-limit", "-1"]), "'-1' is not a whole number ≥ 0");
    assert_input_error(&run(&["--inner-steps", "-5"]), "'-5' is not a whole number ≥ 0");
    assert_input_error(&run(&["--seed", "-1"]), "'-1' is not a whole number ≥ 0");
    assert_input_error(&run(&["--alpha", "-0.1"]), "--alpha must be in (0, 1)");
    assert_input_error(&run(&["--regime-quantile", "-0.2"]), "--regime-quantile must be in (0, 1)");
    assert_input_error(&run(&["--jump-threshold", "-1"]), "--jump-threshold must be a positive number");
    assert_input_error(&run(&["--beta", "1e11"]), "out of range: 1e-6 ≤ β ≤ 1e6");
    assert_input_error(&run(&["--beta-sequential", "-3"]), "out of range: 1e-6 ≤ β ≤ 1e6");
    assert_input_error(&run(&["--min-tickers", "21"]), "--min-tickers 21 is more than the 20 ticker(s)");
    assert_input_error(
        &run(&["--min-tickers", "3", "--window", "common"]),
        "--min-tickers applies to --window longest only",
    );
    assert_input_error(&run(&["--window", "2019-01-01..2019-06-30", "--start", "2018-01-01"]), "cannot be combined");
    assert_input_error(&run(&["--window", "2019-06-30..2019-01-01"]), "start 2019-06-30 is after end 2019-01-01");
    assert_input_error(&run(&["--methods", "bootstrap,bootstrap"]), "given twice");
    // Date options that keep no day or too few name themselves and the file's dates.
    assert_input_error(
        &run(&["--start", "2030-01-01"]),
        "(the file's dates run 1990-01-02 → 2022-12-28, and --start 2030-01-01 keeps none of them)",
    );
    assert_input_error(
        &run(&["--window", "1980-01-01..1989-12-31"]),
        "and --window 1980-01-01..1989-12-31 keeps none of them)",
    );
    let paths = ["--scenarios", "2", "--horizon", "2"];
    assert_input_error(
        &run(&[&paths[..], &["--as-of", "1980-01-01"]].concat()),
        "(no row of the file is dated on or before --as-of 1980-01-01)",
    );
    // With --as-of the later rows are not read: the dates named are those up to it (before, the
    // message said the file ran to the --as-of date).
    assert_input_error(
        &run(&[&paths[..], &["--start", "2019-01-01", "--as-of", "2018-06-01"]].concat()),
        "(the file's dates up to --as-of run 1990-01-02 → 2018-06-01, and --start 2019-01-01 --as-of 2018-06-01 keeps none of them)",
    );
    assert_input_error(
        &run(&[&paths[..], &["--as-of", "1990-01-10"]].concat()),
        "7 trading day(s) left after filtering, need at least 30 (--as-of 1990-01-10, longest window",
    );

    // A price of 5e-324: the file, the line and the cell.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().take(60).map(str::to_string).collect();
    let (date, rest) = lines[4].split_once(',').unwrap();
    let (_, tail) = rest.split_once(',').unwrap();
    lines[4] = format!("{date},5e-324,{tail}");
    let p = dir.path().join("tiny.csv");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
    assert_input_error(&o, &format!("{}:5: column 'AAPL': price 5e-324 is outside [1e-100, 1e100]", p.display()));
}

/// The first 60 days of `sp500_recent` for AAPL, AMD and BAC as a long file `date,ticker,close`
/// (3 rows a day, from line 2), with `edit` applied to the rows' text.
fn long_file(dir: &Path, name: &str, edit: impl Fn(usize, String) -> String) -> String {
    let (header, rows) = sp500_recent();
    let mut s = String::from("date,ticker,close\n");
    for (i, (r, j)) in rows.iter().take(60).flat_map(|r| (1..4).map(move |j| (r, j))).enumerate() {
        s += &edit(i, format!("{},{},{}", r[0], header[j], r[j]));
        s.push('\n');
    }
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap();
    p.display().to_string()
}

#[test]
fn long_rows_of_another_width_and_tickers_the_outputs_cannot_carry_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |p: &str| satool(&["finance", "--prices", p, "--methods", "historical", "--quiet"], &[]);
    let good = long_file(dir.path(), "good.csv", |_, l| l);
    assert!(run(&good).status.success(), "{}", stderr(&run(&good)));
    // Row 10 (line 11) with a stray field, or with its ticker shifted right by an empty field.
    let extra = long_file(dir.path(), "extra.csv", |i, l| if i == 9 { l + ",x" } else { l });
    assert_input_error(&run(&extra), "extra.csv:11: column 'close': row has 4 fields, the header has 3");
    let shifted = long_file(dir.path(), "shifted.csv", |i, l| if i == 9 { l.replacen(',', ",,", 1) } else { l });
    assert_input_error(&run(&shifted), "shifted.csv:11: column 'close': row has 4 fields, the header has 3");
    // A quoted ticker with a quote in it (line 5), and a wide header with a comma and a line break.
    let quote =
        long_file(dir.path(), "quote.csv", |i, l| if i == 3 { l.replace(",AAPL,", ",\"A\"\"PL\",") } else { l });
    assert_input_error(
        &run(&quote),
        "quote.csv:5: column 'ticker': ticker 'A\"PL' holds a comma, a quote or a line break",
    );
    let wide = dir.path().join("wide.csv");
    let (header, rows) = sp500_recent();
    let mut s = format!("Date,\"BRK,B\",\"X\nY\",{}\n", header[3]);
    for r in rows.iter().take(60) {
        s += &format!("{},{},{},{}\n", r[0], r[1], r[2], r[3]);
    }
    std::fs::write(&wide, s).unwrap();
    let o = run(&wide.display().to_string());
    assert_input_error(&o, "wide.csv:1: column 'BRK,B': ticker 'BRK,B' holds a comma");
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn a_file_that_is_not_comma_separated_text_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = sp500_recent();
    for (sep, name, needle) in [
        (";", "semi.csv", "holding ';'s: the file looks ';'-separated; --prices reads comma-separated"),
        ("\t", "tab.tsv", "holding tabs: the file looks tab-separated"),
    ] {
        let mut s = header[..4].join(sep) + "\n";
        for r in rows.iter().take(40) {
            s += &(r[..4].join(sep) + "\n");
        }
        let p = dir.path().join(name);
        std::fs::write(&p, s).unwrap();
        let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
        assert_input_error(&o, &format!("{name}:1: the header is one column {needle}"));
    }
    let p = dir.path().join("dates.csv");
    std::fs::write(&p, "Date\n2020-01-02\n2020-01-03\n").unwrap();
    let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
    assert_input_error(&o, "dates.csv:1: the header is one column ('Date'), so no ticker; --prices reads");
    // A workbook, a bzip2 file and UTF-16 text are named as what they are, not as a separator.
    let utf16: Vec<u8> = "\u{feff}Date,AAPL\n2020-01-02,1\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    for (name, bytes, what) in [
        (
            "prices.xlsx",
            &b"PK\x03\x04\x14\x00\x06\x00;x\n"[..],
            "a zip archive (an .xlsx workbook is one: export it as CSV)",
        ),
        ("prices.csv.bz2", &b"BZh91AY&SY\x01;\x02\n"[..], "bzip2-compressed"),
        ("utf16.csv", &utf16[..], "UTF-16 text (save it as UTF-8)"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
        assert_input_error(&o, &format!("{name}:1: not a CSV text file: {what}"));
    }
}

#[test]
fn day_first_dates_are_named_as_such_on_the_first_day_over_12() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = sp500_recent();
    let mut s = header[..4].join(",") + "\n";
    for r in rows.iter().take(40) {
        let (y, m, d) = (&r[0][0..4], &r[0][5..7], &r[0][8..10]);
        s += &format!("{d}/{m}/{y},{}\n", r[1..4].join(","));
    }
    let p = dir.path().join("eu.csv");
    std::fs::write(&p, s).unwrap();
    let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
    // 02/01/2020 … 10/01/2020 read as month-first; 13/01/2020, on line 9, cannot be.
    assert_input_error(
        &o,
        "eu.csv:9: column 'Date': '13/01/2020' is not a date: it reads as day-first DD/MM/YYYY, but a date with slashes is read month-first",
    );
}

#[test]
fn a_pandas_index_column_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = sp500_recent();
    // df.to_csv() of a frame with a Date column and a RangeIndex: an unnamed first column.
    let mut s = format!(",{}\n", header[..4].join(","));
    for (i, r) in rows.iter().take(40).enumerate() {
        s += &format!("{i},{}\n", r[..4].join(","));
    }
    let p = dir.path().join("indexed.csv");
    std::fs::write(&p, s).unwrap();
    let o = satool(&["finance", "--prices", &p.display().to_string(), "--quiet"], &[]);
    assert_input_error(&o, "indexed.csv:1: column '#1': the first column has no name, so no ticker: likely an index that pandas' to_csv() wrote");
}

/// A ticker whose history moves on one day only: a method that never draws that day generates
/// constant returns for it, and a warning says which metrics are undefined (— and null).
#[test]
fn constant_generated_returns_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = sp500_recent();
    let mut s = header[..5].join(",") + "\n";
    for (i, r) in rows.iter().take(300).enumerate() {
        let flat = if i < 150 { "10.0" } else { "10.5" };
        s += &format!("{},{},{flat},{},{}\n", r[0], r[1], r[3], r[4]);
    }
    let p = dir.path().join("stale.csv");
    std::fs::write(&p, s).unwrap();
    let o =
        satool(&["finance", "--prices", &p.display().to_string(), "--methods", "historical,sa_paths", "--json"], &[]);
    let v = json(&o);
    let warning = "sa_paths: the generated returns of AMD are constant, so its kurtosis, correlation error and ACFs are undefined";
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with(warning), "{warnings:?}");
    assert!(unwrapped(&stderr(&o)).contains(warning), "{}", stderr(&o));
    let sa_paths = method(&v, "sa_paths");
    assert_eq!((sa_paths["per_ticker"]["sd_ratio"][1].as_f64(), sa_paths["kurtosis"].is_null()), (Some(0.0), true));
}
