//! Daily price files → a complete days × tickers price table.
//!
//! **Layouts.** Wide (`date,T1,T2,…`: a date column, every other column a ticker) or long (one
//! row per date and ticker). Column names are matched ignoring case, spaces, `_`, `-`, `.`. A
//! file is long when it has a ticker-like column (`name`, `ticker`, `symbol`, `tic`, `stock`,
//! `asset`) or `--ticker-column` is given; its price column is adjusted close (`adj_close`,
//! `Adj Close`, `adjclose`, `adjusted_close`), else `close`, else `price`; the date column is
//! `date`/`timestamp`/`datetime`, else the first column. Named options always win. Plain or gzip
//! (by magic bytes). Dates: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, `MM/DD/YYYY`, optionally with
//! a time part that is ignored.
//!
//! **Cells.** Missing: empty, `NA`, `N/A`, `#N/A`, `NaN`, `null`, `None`, `.` (any case). Any
//! other non-number, infinity or price ≤ 0 is an error naming file, line and column.
//!
//! **Rules after parsing**, in order: sort by date; keep the `[start, end]` window (inclusive);
//! drop tickers with no price in it; the calendar is the dates on which more than half of the
//! remaining tickers have a price (others are dropped and listed); drop tickers missing any
//! calendar date, and tickers whose price never changes; list suspicious jumps (|daily log
//! return| > `jump_threshold`) of the kept tickers, and with `drop_suspect` drop those tickers.
//! At least [`MIN_TICKERS`] tickers and [`MIN_DAYS`] days must remain.

mod dates;
mod filter;
mod layout;
mod parse;

use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use ndarray::Array2;

use crate::error::FinanceError;
pub use dates::parse_date;
use layout::{Layout, Overrides};

/// Fewest trading days (price rows) a table may keep.
pub const MIN_DAYS: usize = 30;
/// Fewest tickers a table may keep.
pub const MIN_TICKERS: usize = 2;

/// How to read a price file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Date column name (`--date-column`); default `date`/`timestamp`/`datetime`, else the first column.
    pub date_column: Option<String>,
    /// Ticker column name (`--ticker-column`); giving it forces the long layout.
    pub ticker_column: Option<String>,
    /// Price column name (`--price-column`, long layout only).
    pub price_column: Option<String>,
    /// First date kept (inclusive).
    pub start: Option<NaiveDate>,
    /// Last date kept (inclusive).
    pub end: Option<NaiveDate>,
    /// Drop tickers with a suspicious jump instead of only reporting them.
    pub drop_suspect: bool,
    /// A daily |log return| above this is a suspicious jump (default 0.5).
    pub jump_threshold: f64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            date_column: None,
            ticker_column: None,
            price_column: None,
            start: None,
            end: None,
            drop_suspect: false,
            jump_threshold: 0.5,
        }
    }
}

/// Layout of the file that was read, with the columns used in the long layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Wide,
    Long { date: String, ticker: String, price: String },
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Wide => write!(f, "wide"),
            Format::Long { date, ticker, price } => write!(f, "long (date={date}, ticker={ticker}, price={price})"),
        }
    }
}

/// A ticker left out of the table, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedTicker {
    pub ticker: String,
    pub reason: String,
}

/// One day on which a kept ticker's |log return| exceeded the jump threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectJump {
    pub ticker: String,
    /// The date of the second price of the return (the day the jump shows).
    pub date: NaiveDate,
    pub log_return: f64,
}

/// A complete price table: every ticker has a positive, finite price on every date.
#[derive(Debug, Clone)]
pub struct PriceTable {
    pub format: Format,
    /// Trading days, strictly increasing.
    pub dates: Vec<NaiveDate>,
    pub tickers: Vec<String>,
    /// dates × tickers.
    pub prices: Array2<f64>,
    /// Tickers removed by the window / complete-history / constant-price / jump rules, in file order.
    pub dropped: Vec<DroppedTicker>,
    /// Suspicious jumps of the kept tickers (with `drop_suspect`: of the tickers dropped for them).
    pub suspect: Vec<SuspectJump>,
    /// Dates inside the window on which at most half of the tickers had a price.
    pub dropped_dates: Vec<NaiveDate>,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
}

/// Reads a price file (wide or long, plain or gzip) and applies the window and completeness rules.
pub fn read_prices(path: &Path, opts: &ReadOptions) -> Result<PriceTable, FinanceError> {
    let src = satool_common::text::read_bytes(path)?;
    let mut table = parse_prices(&src.bytes, path, opts)?;
    table.gzip = src.gzip;
    Ok(table)
}

/// [`read_prices`] on bytes already in memory (`path` only names them in messages); the
/// entry point of the fuzzer.
pub fn parse_prices(bytes: &[u8], path: &Path, opts: &ReadOptions) -> Result<PriceTable, FinanceError> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let header = parse::read_header(path, &mut rdr)?;
    let overrides = Overrides {
        date: opts.date_column.as_deref(),
        ticker: opts.ticker_column.as_deref(),
        price: opts.price_column.as_deref(),
    };
    let (format, panel) = match layout::detect(path, &header, &overrides)? {
        Layout::Wide { date } => (Format::Wide, parse::parse_wide(path, &header, date, &mut rdr)?),
        Layout::Long { date, ticker, price } => {
            let format = Format::Long {
                date: header[date].clone(),
                ticker: header[ticker].clone(),
                price: header[price].clone(),
            };
            (format, parse::parse_long(path, &header, (date, ticker, price), &mut rdr)?)
        }
    };
    let f = filter::apply(panel, opts, format);
    if f.dates.len() < MIN_DAYS {
        let detail = match (opts.start, opts.end) {
            (None, None) => format!("{} date(s) dropped by the calendar rule", f.dropped_dates.len()),
            (s, e) => format!(
                "window {} to {}, {} date(s) dropped by the calendar rule",
                s.map_or("start".into(), |d| d.to_string()),
                e.map_or("end".into(), |d| d.to_string()),
                f.dropped_dates.len()
            ),
        };
        return Err(FinanceError::TooFewDays {
            path: path.to_path_buf(),
            days: f.dates.len(),
            needed: MIN_DAYS,
            detail,
        });
    }
    if f.tickers.len() < MIN_TICKERS {
        let mut detail: Vec<String> = f.dropped.iter().take(5).map(|d| format!("{}: {}", d.ticker, d.reason)).collect();
        if f.dropped.len() > 5 {
            detail.push(format!("and {} more", f.dropped.len() - 5));
        }
        return Err(FinanceError::TooFewTickers {
            path: path.to_path_buf(),
            kept: f.tickers.len(),
            detail: detail.join("; "),
        });
    }
    Ok(f)
}
