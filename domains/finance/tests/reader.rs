//! Reader rules and errors on small synthetic files.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use satool_finance::{read_prices, CellProblem, FinanceError, Format, PriceTable, ReadOptions};
use tempfile::TempDir;

fn day(i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(i as i64)
}

/// A price that moves a little every day (never a suspicious jump).
fn price(i: usize, j: usize) -> f64 {
    10.0 * (j + 1) as f64 + (i % 7) as f64 * 0.1
}

/// Wide CSV text with `n` days, tickers `names`; `cell(i, j)` overrides a cell's text.
fn wide(n: usize, names: &[&str], cell: impl Fn(usize, usize) -> Option<String>) -> String {
    let mut s = format!("Date,{}\n", names.join(","));
    for i in 0..n {
        s.push_str(&day(i).to_string());
        for j in 0..names.len() {
            s.push(',');
            s.push_str(&cell(i, j).unwrap_or_else(|| price(i, j).to_string()));
        }
        s.push('\n');
    }
    s
}

/// Long CSV text `date,open,close,Name` for the same panel (rows grouped by ticker).
fn long(n: usize, names: &[&str], cell: impl Fn(usize, usize) -> Option<String>) -> String {
    let mut s = String::from("date,open,close,Name\n");
    for (j, name) in names.iter().enumerate() {
        for i in 0..n {
            let c = cell(i, j).unwrap_or_else(|| price(i, j).to_string());
            s.push_str(&format!("{},,{c},{name}\n", day(i)));
        }
    }
    s
}

struct Dir(TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn read(path: &Path) -> PriceTable {
    read_prices(path, &ReadOptions::default()).unwrap()
}

/// Without forward filling: every gap drops its ticker.
fn no_fill() -> ReadOptions {
    ReadOptions { fill_limit: 0, ..ReadOptions::default() }
}

fn read_no_fill(path: &Path) -> PriceTable {
    read_prices(path, &no_fill()).unwrap()
}

fn read_err(path: &Path, opts: &ReadOptions) -> FinanceError {
    read_prices(path, opts).unwrap_err()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn wide_and_long_give_the_same_table() {
    let dir = Dir::new();
    let names = ["AAA", "BBB", "CCC"];
    let w = read(&dir.write("w.csv", wide(40, &names, |_, _| None).as_bytes()));
    let l = read(&dir.write("l.csv", long(40, &names, |_, _| None).as_bytes()));
    assert_eq!(w.format, Format::Wide);
    assert_eq!(l.format.to_string(), "long (date=date, ticker=Name, price=close)");
    assert_eq!((w.tickers.clone(), w.dates.clone()), (l.tickers.clone(), l.dates.clone()));
    assert_eq!(w.prices, l.prices);
    assert_eq!(w.prices.dim(), (40, 3));
    assert_eq!(w.prices[[8, 1]], price(8, 1));
}

#[test]
fn gzip_detected_by_magic_bytes_not_name() {
    let dir = Dir::new();
    let text = long(35, &["A", "B"], |_, _| None);
    let gz = read(&dir.write("prices.csv", &gzip(text.as_bytes())));
    let plain = read(&dir.write("plain.csv.gz", text.as_bytes()));
    assert!(gz.gzip && !plain.gzip);
    assert_eq!(gz.prices, plain.prices);
}

#[test]
fn corrupt_gzip_is_an_error() {
    let dir = Dir::new();
    let mut bytes = gzip(wide(35, &["A", "B"], |_, _| None).as_bytes());
    bytes.truncate(bytes.len() / 2);
    let p = dir.write("bad.csv.gz", &bytes);
    assert!(matches!(read_err(&p, &ReadOptions::default()), FinanceError::Gzip { .. }));
}

#[test]
fn unsorted_rows_are_sorted_and_date_formats_mixed() {
    let dir = Dir::new();
    let mut s = String::from("Date,A,B\n");
    for i in (0..32).rev() {
        let d = day(i);
        let text = match i % 3 {
            0 => d.format("%m/%d/%Y").to_string(),
            1 => d.format("%Y%m%d 00:00:00").to_string(),
            _ => d.format("%Y/%m/%d").to_string(),
        };
        s.push_str(&format!("{text},{},{}\n", price(i, 0), price(i, 1)));
    }
    let t = read(&dir.write("u.csv", s.as_bytes()));
    assert_eq!(t.dates, (0..32).map(day).collect::<Vec<_>>());
    assert_eq!(t.prices[[31, 1]], price(31, 1));
}

#[test]
fn missing_cells_listing_and_delisting() {
    let dir = Dir::new();
    // LATE lists on day 5 (empty cells before), GONE delists after day 30 ("NA" after),
    // GAP misses day 12 ("null"); the three complete tickers keep every date.
    let names = ["A", "B", "C", "LATE", "GONE", "GAP"];
    let cell = |i: usize, j: usize| match (names[j], i) {
        ("LATE", i) if i < 5 => Some(String::new()),
        ("GONE", i) if i > 30 => Some("NA".into()),
        ("GAP", 12) => Some("null".into()),
        _ => None,
    };
    for (name, text) in [("w.csv", wide(40, &names, cell)), ("l.csv", long(40, &names, cell))] {
        // The default fill limit (5 days) keeps GAP, with its one filled day counted.
        let t = read(&dir.write(name, text.as_bytes()));
        assert_eq!(t.tickers, ["A", "B", "C", "GAP"], "{name}");
        let gap = t.coverage.tickers.iter().find(|c| c.ticker == "GAP").unwrap();
        assert_eq!((gap.kept, gap.filled_days), (true, 1));
        assert_eq!(t.prices[[12, 3]], t.prices[[11, 3]]);
        // Without filling, 4 tickers (the default: more than half of 6) are complete on at most 35
        // days (A, B, C, LATE from day 5); asking for 3 keeps all 40 days.
        let p = dir.write(name, text.as_bytes());
        let t = read_no_fill(&p);
        assert_eq!((t.tickers.len(), t.dates.len(), t.dates[0]), (4, 35, day(5)), "{name}");
        assert_eq!(t.coverage.dropped_ranges.len(), 1);
        let r = &t.coverage.dropped_ranges[0];
        assert_eq!((r.first, r.last, r.days, r.reason.as_str()), (day(0), day(4), 5, "before the window"));
        let t = read_prices(&p, &ReadOptions { min_tickers: Some(3), ..no_fill() }).unwrap();
        assert_eq!(t.tickers, ["A", "B", "C"], "{name}");
        assert_eq!(t.dates.len(), 40);
        let reasons: Vec<(String, String)> = t.dropped.iter().map(|d| (d.ticker.clone(), d.reason.clone())).collect();
        assert_eq!(
            reasons,
            vec![
                (
                    "LATE".to_string(),
                    "no price before 2020-01-06, the window starts 2020-01-01".to_string()
                ),
                (
                    "GONE".to_string(),
                    "no price after 2020-01-31, the window ends 2020-02-09".to_string()
                ),
                (
                    "GAP".to_string(),
                    "no price on 1 of 40 days (first missing 2020-01-13, last missing 2020-01-13); a gap longer than the fill limit (0 days)".to_string()
                ),
            ],
            "{name}"
        );
    }
}

#[test]
fn window_rule() {
    let dir = Dir::new();
    // LATE lists on day 10: outside a window starting on day 10 it is complete.
    let names = ["A", "B", "LATE"];
    let p = dir.write("w.csv", wide(60, &names, |i, j| (j == 2 && i < 10).then(String::new)).as_bytes());
    let opts = ReadOptions { start: Some(day(10)), end: Some(day(49)), ..ReadOptions::default() };
    let t = read_prices(&p, &opts).unwrap();
    assert_eq!(t.tickers, ["A", "B", "LATE"]);
    assert_eq!((t.dates[0], t.dates[t.dates.len() - 1], t.dates.len()), (day(10), day(49), 40));
    // A window with no price of a ticker drops it with its own reason.
    let p = dir.write("w2.csv", wide(60, &names, |i, j| (j == 2 && i < 50).then(String::new)).as_bytes());
    let opts = ReadOptions { end: Some(day(40)), ..ReadOptions::default() };
    let t = read_prices(&p, &opts).unwrap();
    assert_eq!(t.tickers, ["A", "B"]);
    assert_eq!(t.dropped[0].reason, "no price in the window");
    // Too short a window.
    let opts = ReadOptions { start: Some(day(31)), end: Some(day(59)), ..ReadOptions::default() };
    let e = read_err(&p, &opts);
    assert!(matches!(e, FinanceError::TooFewDays { days: 29, needed: 30, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("29 trading day(s) left after filtering, need at least 30 (--start 2020-02-01 --end 2020-02-29, longest window with ≥ 2 of 3 tickers complete: 2020-02-01 → 2020-02-29; 0 date(s) left out)"),
        "{e}"
    );
}

/// A common window on every day of which some ticker's gap outlasts the fill limit keeps no day:
/// an error saying so, not a panic (it indexed the empty selection).
#[test]
fn a_common_window_whose_every_day_lacks_a_ticker_is_an_error() {
    let dir = Dir::new();
    let names = ["A", "B", "C", "D", "E"];
    // A priced on days 10 and 30 only; B missing on 5–10, C on 30–35: every day of A's window
    // (10–30) is skipped for A's gaps.
    let cell = |i: usize, j: usize| match j {
        0 => (i != 10 && i != 30).then(String::new),
        1 => (5..=10).contains(&i).then(String::new),
        2 => (30..=35).contains(&i).then(String::new),
        _ => None,
    };
    let p = dir.write("c.csv", wide(46, &names, cell).as_bytes());
    let opts = ReadOptions { window: satool_finance::WindowRule::Common, ..ReadOptions::default() };
    let e = read_err(&p, &opts);
    assert!(matches!(e, FinanceError::TooFewDays { days: 0, .. }), "{e}");
    assert!(e.to_string().contains("on every day of it one of them has a gap longer than the fill limit"), "{e}");
    let opts = ReadOptions { fill_limit: 0, ..opts };
    assert!(matches!(read_err(&p, &opts), FinanceError::TooFewDays { days: 0, .. }));
}

#[test]
fn calendar_drops_dates_most_tickers_lack() {
    let dir = Dir::new();
    // Day 7 has a price for A only (1 of 4 tickers): the date is dropped, nobody is penalised.
    let names = ["A", "B", "C", "D"];
    let p = dir.write("w.csv", wide(40, &names, |i, j| (i == 7 && j > 0).then(String::new)).as_bytes());
    let t = read(&p);
    assert_eq!(t.tickers.len(), 4);
    assert_eq!(t.dates.len(), 39);
    assert_eq!(t.dropped_dates, vec![day(7)]);
    // Exactly half is not more than half: with 2 of 4 the date is still dropped.
    let p = dir.write("w2.csv", wide(40, &names, |i, j| (i == 7 && j > 1).then(String::new)).as_bytes());
    assert_eq!(read(&p).dropped_dates, vec![day(7)]);
    // 3 of 4: date kept, D dropped for the gap (without filling; with it D keeps a filled day).
    let p = dir.write("w3.csv", wide(40, &names, |i, j| (i == 7 && j == 3).then(String::new)).as_bytes());
    assert_eq!(read(&p).coverage.tickers[3].filled_days, 1);
    let t = read_no_fill(&p);
    assert!(t.dropped_dates.is_empty());
    assert_eq!(t.tickers, ["A", "B", "C"]);
}

#[test]
fn split_detection_and_drop_suspect() {
    let dir = Dir::new();
    // SPL halves on day 20 (a 2:1 split left unadjusted): ln(1/2) = −0.693.
    let names = ["A", "B", "SPL"];
    let cell = |i: usize, j: usize| (j == 2 && i >= 20).then(|| (price(i, 2) / 2.0).to_string());
    let p = dir.write("w.csv", wide(40, &names, cell).as_bytes());
    let t = read(&p);
    assert_eq!(t.tickers, ["A", "B", "SPL"]);
    assert_eq!(t.suspect.len(), 1);
    let s = &t.suspect[0];
    assert_eq!((s.ticker.as_str(), s.date), ("SPL", day(20)));
    assert!((s.log_return - (price(20, 2) / 2.0 / price(19, 2)).ln()).abs() < 1e-15);
    let opts = ReadOptions { drop_suspect: true, ..ReadOptions::default() };
    let t = read_prices(&p, &opts).unwrap();
    assert_eq!(t.tickers, ["A", "B"]);
    assert_eq!(t.suspect.len(), 1);
    assert!(
        t.dropped[0].reason.starts_with("1 suspicious jump(s) (|daily log return| > 0.5), first -0.6"),
        "{}",
        t.dropped[0].reason
    );
    // A stricter threshold flags nothing more here; a looser one (0.8) flags nothing.
    let opts = ReadOptions { jump_threshold: 0.8, ..ReadOptions::default() };
    assert!(read_prices(&p, &opts).unwrap().suspect.is_empty());
}

#[test]
fn constant_price_ticker_is_dropped() {
    let dir = Dir::new();
    let p = dir.write("w.csv", wide(35, &["A", "B", "FLAT"], |_, j| (j == 2).then(|| "5".to_string())).as_bytes());
    let t = read(&p);
    assert_eq!(t.tickers, ["A", "B"]);
    assert_eq!(t.dropped[0].reason, "price never changes over the 35 days (zero-variance returns)");
}

#[test]
fn column_overrides() {
    let dir = Dir::new();
    let mut s = String::from("when,sym,Adj Close,close\n");
    for (j, k) in ["X", "Y"].iter().enumerate() {
        for i in 0..30 {
            s.push_str(&format!("{},{k},{},{}\n", day(i), price(i, j), 1000.0 + price(i, j)));
        }
    }
    let p = dir.write("o.csv", s.as_bytes());
    // "sym" is not a recognised ticker name: without --ticker-column the file looks wide and fails.
    assert!(matches!(read_err(&p, &ReadOptions::default()), FinanceError::Cell { .. }));
    let opts = ReadOptions { ticker_column: Some("sym".into()), ..ReadOptions::default() };
    let t = read_prices(&p, &opts).unwrap();
    assert_eq!(t.format.to_string(), "long (date=when, ticker=sym, price=Adj Close)");
    assert_eq!(t.prices[[3, 1]], price(3, 1));
    let opts =
        ReadOptions { ticker_column: Some("sym".into()), price_column: Some("close".into()), ..ReadOptions::default() };
    assert_eq!(read_prices(&p, &opts).unwrap().prices[[3, 1]], 1000.0 + price(3, 1));
    let opts =
        ReadOptions { ticker_column: Some("sym".into()), date_column: Some("day".into()), ..ReadOptions::default() };
    let e = read_err(&p, &opts);
    assert!(
        e.to_string()
            .ends_with("1: column 'day' given by --date-column is not in the header (when, sym, Adj Close, close)"),
        "{e}"
    );
}

fn cell_error(e: FinanceError) -> (u64, String, CellProblem) {
    match e {
        FinanceError::Cell { line, column, problem, .. } => (line, column, problem),
        other => panic!("expected a cell error, got {other}"),
    }
}

#[test]
fn non_numeric_cell() {
    let dir = Dir::new();
    let p = dir.write("w.csv", wide(35, &["A", "B"], |i, j| (i == 3 && j == 1).then(|| "1.2.3".into())).as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(e.to_string(), format!("{}:5: column 'B': '1.2.3' is not a number", p.display()));
    let p = dir.write("l.csv", long(35, &["A", "B"], |i, j| (i == 3 && j == 1).then(|| "abc".into())).as_bytes());
    // Long: header + 35 rows of A, then B's 4th row → line 1 + 35 + 4 = 40.
    assert_eq!(
        cell_error(read_err(&p, &ReadOptions::default())),
        (40, "close".into(), CellProblem::NotNumeric("abc".into()))
    );
    let p = dir.write("i.csv", wide(35, &["A", "B"], |i, j| (i == 0 && j == 0).then(|| "inf".into())).as_bytes());
    assert_eq!(
        cell_error(read_err(&p, &ReadOptions::default())),
        (2, "A".into(), CellProblem::NotFinite("inf".into()))
    );
}

#[test]
fn non_positive_price() {
    let dir = Dir::new();
    let p = dir.write("w.csv", wide(35, &["A", "B"], |i, j| (i == 10 && j == 0).then(|| "0".into())).as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(e.to_string(), format!("{}:12: column 'A': price 0 is not positive", p.display()));
    let p = dir.write("l.csv", long(35, &["A", "B"], |i, j| (i == 0 && j == 0).then(|| "-1.5".into())).as_bytes());
    assert_eq!(cell_error(read_err(&p, &ReadOptions::default())), (2, "close".into(), CellProblem::NonPositive(-1.5)));
}

#[test]
fn duplicated_date_ticker() {
    let dir = Dir::new();
    let mut text = long(35, &["A", "B"], |_, _| None);
    text.push_str(&format!("{},,9.5,A\n", day(4)));
    let p = dir.write("l.csv", text.as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(
        e.to_string(),
        format!("{}:72: column 'Name': duplicated (date, ticker) = (2020-01-05, A); first seen on line 6", p.display())
    );
    // The same date written differently is still a duplicate.
    let mut text = long(35, &["A", "B"], |_, _| None);
    text.push_str("01/05/2020,,9.5,B\n");
    let p = dir.write("l2.csv", text.as_bytes());
    assert!(matches!(
        cell_error(read_err(&p, &ReadOptions::default())).2,
        CellProblem::Duplicate { first_line: 41, .. }
    ));
    // Wide: a repeated date row, with the hint for a long file the header did not reveal.
    const HINT: &str = ": a wide file has one row per date (if this is a long file, one row per date and ticker, \
                        name its columns with --ticker-column and --price-column)";
    let mut text = wide(35, &["A", "B"], |_, _| None);
    text.push_str(&format!("{},1,2\n", day(0)));
    let p = dir.write("w.csv", text.as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(
        e.to_string(),
        format!("{}:37: column 'Date': date 2020-01-01 already appeared on line 2{HINT}", p.display())
    );
    // A repeat stops the read on its line: a later bad row (here a short one) is never reached.
    let mut text = wide(35, &["A", "B"], |_, _| None);
    text.insert_str(text.find('\n').unwrap() + 1, &format!("{},1,2\n", day(0)));
    text.push_str("2021-01-01,1\n");
    let p = dir.write("w3.csv", text.as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(
        e.to_string(),
        format!("{}:3: column 'Date': date 2020-01-01 already appeared on line 2{HINT}", p.display())
    );
    let mut text = long(35, &["A", "B"], |_, _| None);
    text.insert_str(text.find('\n').unwrap() + 1, &format!("{},,9.5,A\n", day(0)));
    text.push_str("2021-01-01\n");
    let p = dir.write("l3.csv", text.as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(
        e.to_string(),
        format!("{}:3: column 'Name': duplicated (date, ticker) = (2020-01-01, A); first seen on line 2", p.display())
    );
    // Wide: a repeated ticker column.
    let p = dir.write("w2.csv", wide(35, &["A", "B", "A"], |_, _| None).as_bytes());
    assert_eq!(
        cell_error(read_err(&p, &ReadOptions::default())),
        (1, "A".into(), CellProblem::DuplicateTickerColumn("A".into()))
    );
}

#[test]
fn a_header_alone_has_no_trading_day_and_names_no_option_not_given() {
    let dir = Dir::new();
    let p = dir.write("h.csv", b"date,A,B\n");
    let e = read_err(&p, &ReadOptions::default());
    assert_eq!(
        e.to_string(),
        format!("{}: 0 trading day(s) left after filtering, need at least 30 (no trading day)", p.display())
    );
}

#[test]
fn unparseable_date() {
    let dir = Dir::new();
    let text = wide(35, &["A", "B"], |_, _| None).replace("2020-01-09", "2020-01-32");
    let p = dir.write("w.csv", text.as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert!(
        e.to_string().starts_with(&format!("{}:10: column 'Date': '2020-01-32' is not a date", p.display())),
        "{e}"
    );
    let text = long(35, &["A", "B"], |_, _| None).replace("2020-01-09", "Jan 9 2020");
    let p = dir.write("l.csv", text.as_bytes());
    assert_eq!(
        cell_error(read_err(&p, &ReadOptions::default())),
        (10, "date".into(), CellProblem::BadDate("Jan 9 2020".into()))
    );
}

#[test]
fn too_few_tickers_or_days() {
    let dir = Dir::new();
    // Each gap leaves 2 of 3 tickers priced, so the dates stay and both gappy tickers go.
    let p = dir.write(
        "one.csv",
        wide(40, &["A", "G1", "G2"], |i, j| ((j == 1 && i == 5) || (j == 2 && i == 9)).then(String::new)).as_bytes(),
    );
    let e = read_err(&p, &ReadOptions { min_tickers: Some(1), ..no_fill() });
    assert!(matches!(e, FinanceError::TooFewTickers { kept: 1, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: 1 ticker(s) left after filtering, need at least 2 (only A kept; the memory centres each day's returns over the tickers, which leaves nothing of a single series; G1: no price on 1 of 40 days (first missing 2020-01-06, last missing 2020-01-06); a gap longer than the fill limit (0 days); G2: no price on 1 of 40 days (first missing 2020-01-10, last missing 2020-01-10); a gap longer than the fill limit (0 days))",
            p.display()
        )
    );
    // With two tickers, a date only one of them has is not a calendar date (1 of 2 is not more than half).
    let t =
        read(&dir.write("two.csv", wide(40, &["A", "LATE"], |i, j| (j == 1 && i < 3).then(String::new)).as_bytes()));
    assert_eq!((t.tickers.len(), t.dates.len(), t.dropped_dates.len()), (2, 37, 3));
    let p = dir.write("short.csv", wide(29, &["A", "B"], |_, _| None).as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert!(matches!(e, FinanceError::TooFewDays { days: 29, .. }), "{e}");
    assert!(read_prices(&dir.write("ok.csv", wide(30, &["A", "B"], |_, _| None).as_bytes()), &ReadOptions::default())
        .is_ok());
}

#[test]
fn structural_errors() {
    let dir = Dir::new();
    let e = read_err(&dir.write("empty.csv", b""), &ReadOptions::default());
    assert!(matches!(e, FinanceError::Empty { .. }), "{e}");
    let e = read_err(&dir.0.path().join("nope.csv"), &ReadOptions::default());
    assert!(matches!(e, FinanceError::Io { .. }) && e.to_string().contains("nope.csv: cannot read"), "{e}");
    let text = wide(35, &["A", "B"], |_, _| None).replacen(&format!("{},", day(2)), &format!("{},1,", day(2)), 1);
    let p = dir.write("ragged.csv", text.as_bytes());
    let (line, _, problem) = cell_error(read_err(&p, &ReadOptions::default()));
    assert_eq!((line, problem), (4, CellProblem::FieldCount { expected: 3, found: 4 }));
    let p = dir.write("noprice.csv", b"date,ticker,volume\n2020-01-01,A,5\n");
    assert!(matches!(read_err(&p, &ReadOptions::default()), FinanceError::NoPriceColumn { .. }));
    let text = long(35, &["A", "B"], |_, _| None).replacen(",A\n", ",\n", 1);
    let p = dir.write("noname.csv", text.as_bytes());
    assert_eq!(cell_error(read_err(&p, &ReadOptions::default())), (2, "Name".into(), CellProblem::EmptyTicker));
}

#[test]
fn byte_order_mark_and_unnamed_columns() {
    let dir = Dir::new();
    let text = format!("\u{feff}{}", long(35, &["A", "B"], |_, _| None));
    let opts = ReadOptions { date_column: Some("date".into()), ..ReadOptions::default() };
    assert_eq!(read_prices(&dir.write("bom.csv", text.as_bytes()), &opts).unwrap().tickers, ["A", "B"]);
    // A wide file with an unnamed ticker column: the error names it by position.
    let text = wide(35, &["A", "B"], |_, _| None).replacen("Date,A,B", "Date,A,", 1);
    let (line, column, problem) =
        cell_error(read_err(&dir.write("unnamed.csv", text.as_bytes()), &ReadOptions::default()));
    assert_eq!((line, column.as_str(), problem), (1, "#3", CellProblem::EmptyTicker));
}

#[test]
fn no_nan_or_infinity_reaches_the_table() {
    let dir = Dir::new();
    let names = ["A", "B", "C", "D"];
    let cell = |i: usize, j: usize| match (i % 5, j) {
        (0, 2) => Some("NaN".to_string()),
        (1, 3) => Some("#N/A".to_string()),
        _ => None,
    };
    let p = dir.write("w.csv", wide(40, &names, cell).as_bytes());
    let t = read_prices(&p, &ReadOptions { min_tickers: Some(2), ..no_fill() }).unwrap();
    assert_eq!(t.tickers, ["A", "B"]);
    assert!(t.prices.iter().all(|v| v.is_finite() && *v > 0.0));
    // Filled: D's gaps are filled; C lists on day 1 (no back-filling), so the longest window with
    // 3 tickers is all 40 days without C (length first, then the number of tickers).
    let t = read(&p);
    assert_eq!((t.tickers.len(), t.dates.len(), t.dates[0]), (3, 40, day(0)));
    assert_eq!(t.dropped[0].reason, "no price before 2020-01-02, the window starts 2020-01-01");
    assert_eq!(t.coverage.tickers[3].filled_days, 8);
    assert_eq!(t.dates.len(), 40);
    assert!(t.prices.iter().all(|v| v.is_finite() && *v > 0.0));
}

#[test]
fn crlf_line_numbers_and_unusable_prices() {
    let dir = Dir::new();
    // Line 5 holds the bad price; with CRLF line ends the csv crate alone would say line 4.
    let text = wide(10, &["A", "B"], |i, j| (i == 3 && j == 0).then(|| "5e-324".to_string())).replace('\n', "\r\n");
    let e = read_err(&dir.write("crlf.csv", text.as_bytes()), &ReadOptions::default());
    assert_eq!(cell_error(e), (5, "A".into(), CellProblem::OutOfRange(5e-324)));
    let text = wide(10, &["A", "B"], |i, j| (i == 6 && j == 1).then(|| "-2".to_string())).replace('\n', "\r\n");
    let e = read_err(&dir.write("crlf2.csv", text.as_bytes()), &ReadOptions::default());
    assert_eq!(cell_error(e), (8, "B".into(), CellProblem::NonPositive(-2.0)));
}

/// Tickers whose log returns are the same every day (one series, here at two and three times the
/// scale) leave nothing once each day is centred over the tickers: refused, naming the file, not
/// run into zero scenarios. One day apart is a panel.
#[test]
fn tickers_that_move_as_one_are_refused() {
    let dir = Dir::new();
    let same = |i: usize, j: usize| Some(((j + 1) as f64 * price(i, 0)).to_string());
    let p = dir.write("same.csv", wide(40, &["A", "B", "C"], same).as_bytes());
    let e = read_err(&p, &ReadOptions::default());
    assert!(matches!(e, FinanceError::OneSeries { tickers: 3, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the 3 tickers' daily log returns are the same on every day (one series): the memory centres each day's returns over the tickers, which leaves nothing of it",
            p.display()
        )
    );
    let one_day_apart = |i: usize, j: usize| {
        Some(((j + 1) as f64 * price(i, 0) * if i == 20 && j == 2 { 1.01 } else { 1.0 }).to_string())
    };
    let p = dir.write("apart.csv", wide(40, &["A", "B", "C"], one_day_apart).as_bytes());
    assert_eq!(read(&p).tickers.len(), 3);
}
