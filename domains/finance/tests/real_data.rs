//! The reader and the historical statistics on the real fixtures.

mod common;

use chrono::NaiveDate;
use common::fixture;
use satool_finance::{log_returns, read_prices, Format, ReadOptions};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn sp500_wide() {
    let t = read_prices(&fixture("sp500.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(t.format, Format::Wide);
    assert_eq!(t.format.to_string(), "wide");
    assert!(!t.gzip);
    assert_eq!(t.tickers.len(), 20);
    assert_eq!(t.tickers[0], "AAPL");
    assert_eq!(t.tickers[19], "XOM");
    assert_eq!(t.dates.len(), 8313);
    assert_eq!((t.dates[0], t.dates[8312]), (date("1990-01-02"), date("2022-12-28")));
    assert!(t.dropped.is_empty() && t.dropped_dates.is_empty());
    // First row of the file: 1990-01-02,0.264,4.125,...,4.068
    assert_eq!((t.prices[[0, 0]], t.prices[[0, 1]], t.prices[[0, 19]]), (0.264, 4.125, 4.068));
    let g = log_returns(&t);
    assert_eq!(g.dim(), (8312, 20));
    // AAPL 1990-01-03: ln(0.266 / 0.264)
    assert!((g[[0, 0]] - (0.266f64 / 0.264).ln()).abs() < 1e-15);
    // Two real one-day moves beyond 0.5 in this adjusted set are reported, not dropped.
    let sus: Vec<(&str, NaiveDate)> = t.suspect.iter().map(|s| (s.ticker.as_str(), s.date)).collect();
    assert_eq!(sus, vec![("AAPL", date("2000-09-29")), ("RRC", date("1990-04-10"))]);
}

const SUSPECT: [(&str, &str); 7] = [
    ("BAX", "2015-07-01"),
    ("DISCA", "2014-08-07"),
    ("DISCK", "2014-08-07"),
    ("EBAY", "2015-07-20"),
    // LNT's close of 2016-05-19 is half the neighbouring ones: a one-day glitch, two jumps.
    ("LNT", "2016-05-19"),
    ("LNT", "2016-05-20"),
    ("NI", "2015-07-02"),
];

const SHORT_HISTORY: [&str; 35] = [
    "ALLE", "APTV", "BHF", "BHGE", "BMY", "CFG", "COTY", "CSRA", "DHR", "DWDP", "DXC", "ES", "EVHC", "FOXA", "FOX",
    "FTV", "GOOG", "HLT", "HPE", "HPQ", "ICE", "INFO", "IQV", "KHC", "NAVI", "NWSA", "NWS", "ORCL", "O", "PYPL",
    "QRVO", "SYF", "UA", "WLTW", "WRK",
];

#[test]
fn all_stocks_long_gzip() {
    let no_fill = ReadOptions { fill_limit: 0, ..ReadOptions::default() };
    let t = read_prices(&fixture("all_stocks_5yr.csv.gz"), &no_fill).unwrap();
    assert!(t.gzip);
    assert_eq!(t.format.to_string(), "long (date=date, ticker=Name, price=close)");
    assert_eq!((t.tickers.len(), t.dates.len()), (470, 1259));
    assert!(t.dropped_dates.is_empty());
    let dropped: Vec<&str> = t.dropped.iter().map(|d| d.ticker.as_str()).collect();
    assert_eq!(dropped, SHORT_HISTORY);
    let bmy = &t.dropped[4];
    assert_eq!(
        bmy.reason,
        "no price on 2 of 1259 days (first missing 2013-04-26, last missing 2013-06-07); a gap longer than the fill limit (0 days)"
    );
    let sus: Vec<(String, NaiveDate)> = t.suspect.iter().map(|s| (s.ticker.clone(), s.date)).collect();
    let want: Vec<(String, NaiveDate)> = SUSPECT.iter().map(|(k, d)| (k.to_string(), date(d))).collect();
    assert_eq!(sus, want);
    // EBAY 2015-07-17 close 66.29 → 2015-07-20 close 28.57 (PayPal spin-off), from the file.
    let ebay = t.suspect.iter().find(|s| s.ticker == "EBAY").unwrap();
    assert!((ebay.log_return - (28.57f64 / 66.29).ln()).abs() < 1e-12, "{}", ebay.log_return);
    assert_eq!((ebay.near_split, ebay.tickers_jumping), (None, 1));
    assert!((ebay.ratio - 28.57 / 66.29).abs() < 1e-12);
    // DISCA and DISCK: one corporate action of two share classes, both near 1/2, same day.
    let disca = t.suspect.iter().find(|s| s.ticker == "DISCA").unwrap();
    assert_eq!((disca.near_split, disca.tickers_jumping), (Some("1/2"), 2));
    assert!(disca.market_log_return.abs() < 0.02, "{}", disca.market_log_return);
    assert!(t.coverage.shared_jump_days.is_empty());
    // Reported only: the suspect tickers stay.
    assert!(t.tickers.iter().any(|k| k == "EBAY"));

    // Default: gaps of up to 5 days are filled, which keeps BMY, ICE and ORCL.
    let t = read_prices(&fixture("all_stocks_5yr.csv.gz"), &ReadOptions::default()).unwrap();
    assert_eq!((t.tickers.len(), t.dates.len()), (473, 1259));
    let filled: Vec<(&str, usize)> =
        t.coverage.tickers.iter().filter(|c| c.filled_days > 0).map(|c| (c.ticker.as_str(), c.filled_days)).collect();
    assert_eq!(filled, [("BMY", 2), ("ICE", 5), ("ORCL", 2)]);
    let dhr = t.coverage.tickers.iter().find(|c| c.ticker == "DHR").unwrap();
    assert!(!dhr.kept && dhr.reason.contains("a gap longer than the fill limit (5 days)"), "{}", dhr.reason);
}

#[test]
fn all_stocks_drop_suspect() {
    let opts = ReadOptions { drop_suspect: true, ..ReadOptions::default() };
    let t = read_prices(&fixture("all_stocks_5yr.csv.gz"), &opts).unwrap();
    let g = log_returns(&t);
    assert_eq!(g.dim(), (1258, 467));
    assert!(g.iter().all(|v| v.is_finite()));
    for k in ["BAX", "DISCA", "DISCK", "EBAY", "LNT", "NI"] {
        assert!(!t.tickers.iter().any(|x| x == k), "{k} kept");
        let d = t.dropped.iter().find(|d| d.ticker == k).unwrap();
        assert!(d.reason.contains("suspicious jump"), "{}", d.reason);
    }
    assert_eq!(t.dropped.len(), 32 + 6);
    let ni = t.dropped.iter().find(|d| d.ticker == "NI").unwrap();
    assert_eq!(
        ni.reason,
        "1 suspicious jump(s) (|daily log return| > 0.5), first -0.9840 on 2015-07-02: likely an unadjusted split or spin-off"
    );
}

#[test]
fn all_stocks_window() {
    let opts = ReadOptions { start: Some(date("2016-01-01")), end: Some(date("2016-12-31")), ..ReadOptions::default() };
    let t = read_prices(&fixture("all_stocks_5yr.csv.gz"), &opts).unwrap();
    // 252 trading days in 2016; tickers listed before 2016 and complete through it are kept.
    assert_eq!(t.dates.len(), 252);
    assert_eq!((t.dates[0], t.dates[251]), (date("2016-01-04"), date("2016-12-30")));
    assert!(t.tickers.iter().any(|k| k == "PYPL"));
    assert!(!t.tickers.iter().any(|k| k == "HLT"));
    // Only LNT's glitch falls in 2016.
    assert_eq!(t.suspect.len(), 2);
}
