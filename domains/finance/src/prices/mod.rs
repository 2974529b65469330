//! Daily price files → a complete days × tickers price table.
//!
//! **Layouts.** Wide (`date,T1,T2,…`: a date column, every other column a ticker) or long (one
//! row per date and ticker). Column names are matched ignoring case, spaces, `_`, `-`, `.`. A
//! file is long when it has a ticker-like column (`name`, `ticker`, `symbol`, `tic`, `stock`,
//! `asset`) or `--ticker-column` is given; its price column is adjusted close (`adj_close`,
//! `Adj Close`, `adjclose`, `adjusted_close`), else `close`, else `price`; the date column is
//! `date`/`timestamp`/`datetime`, else the first column. Named options always win. Plain or gzip
//! (by magic bytes). A header without a ticker column whose other columns are all a bar's
//! fields (`Open,High,Low,Close,Adj Close,Volume`) is one ticker's download and refused. Dates:
//! `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, `MM/DD/YYYY`, optionally with a time part that is
//! ignored.
//!
//! **Cells.** Missing: empty, `NA`, `N/A`, `#N/A`, `NaN`, `null`, `None`, `.` (any case). Any
//! other non-number, infinity, price ≤ 0 or outside [1e-100, 1e100] is an error naming file, line
//! and column.
//!
//! **Rules after parsing** (details in `filter`), in order: sort by date; keep `[start, end]`;
//! drop tickers with no price in it; the calendar is the dates on which more than half of the
//! tickers listed then have a price; gaps of at most `fill_limit` days are forward-filled; the
//! [`WindowRule`] (default: the longest run of dates with at least `min_tickers` complete
//! tickers, more than half by default) picks the dates and the tickers complete on them; drop
//! tickers whose price never changes; list suspect jumps (|daily log return| > `jump_threshold`
//! on a day fewer than `shared_jump_tickers` tickers jump) and with `drop_suspect` drop those
//! tickers. Every dropped ticker and date range is in [`PriceTable::coverage`]. At least
//! [`MIN_TICKERS`] tickers and [`MIN_DAYS`] days must remain, and the tickers' log returns must
//! differ on some day (tickers that move as one are one series).

mod coverage;
mod dates;
mod filter;
mod layout;
mod parse;
mod splits;

use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use ndarray::Array2;

use crate::error::FinanceError;
pub use dates::parse_date;
use layout::{Layout, Overrides};
pub use splits::near_split_fraction;

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
    /// Rows dated after this are skipped unread: only their date cell is parsed, so nothing
    /// after it (not even a malformed row) reaches the table (`--as-of`).
    pub unread_after: Option<NaiveDate>,
    /// Drop tickers with a suspicious jump instead of only reporting them.
    pub drop_suspect: bool,
    /// A daily |log return| above this is a suspicious jump (default 0.5).
    pub jump_threshold: f64,
    /// Days on which at least this many tickers jump are market moves, not corporate actions (default 3).
    pub shared_jump_tickers: usize,
    /// Which dates the table keeps (default [`WindowRule::Longest`]).
    pub window: WindowRule,
    /// `Longest`: fewest tickers complete over the window (default: more than half of the tickers).
    pub min_tickers: Option<usize>,
    /// Gaps of at most this many trading days inside a ticker's history are forward-filled (default 5).
    pub fill_limit: usize,
}

/// Which dates the table keeps once the calendar is known (all inside `[start, end]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowRule {
    /// The longest run of dates on which at least `min_tickers` tickers have a (filled) price;
    /// tickers incomplete on it are dropped.
    Longest,
    /// The dates every ticker covers (latest first price to earliest last price); every ticker is
    /// kept, and dates inside on which a gap longer than the fill limit remains are dropped.
    Common,
    /// Every calendar date of `[start, end]`; tickers incomplete on it are dropped.
    Full,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            date_column: None,
            ticker_column: None,
            price_column: None,
            start: None,
            end: None,
            unread_after: None,
            drop_suspect: false,
            jump_threshold: 0.5,
            shared_jump_tickers: 3,
            window: WindowRule::Longest,
            min_tickers: None,
            fill_limit: 5,
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

/// One day on which a kept ticker's |log return| exceeded the jump threshold while fewer than
/// `shared_jump_tickers` tickers jumped: a likely unadjusted split, spin-off or data error.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectJump {
    pub ticker: String,
    /// The date of the second price of the return (the day the jump shows).
    pub date: NaiveDate,
    pub log_return: f64,
    /// Price ratio of the day, `exp(log_return)`.
    pub ratio: f64,
    /// The simple split fraction (e.g. `1/2`, `3/2`) the market-adjusted ratio is within 3% of.
    pub near_split: Option<&'static str>,
    /// The market's move that day: the cross-sectional median log return of the kept tickers.
    pub market_log_return: f64,
    /// How many kept tickers jumped (|log return| > threshold) that day, this one included.
    pub tickers_jumping: usize,
}

/// A day on which several tickers jumped together: a market move, so none of them is a suspect.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedJumpDay {
    pub date: NaiveDate,
    pub tickers: Vec<String>,
    pub market_log_return: f64,
}

/// What became of one ticker of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct TickerCoverage {
    pub ticker: String,
    pub kept: bool,
    /// First and last dates with a price in the file (inside `[start, end]`); `None` when it has none.
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    /// Trading days of the table whose price was forward-filled.
    pub filled_days: usize,
    /// Why it was dropped (empty when kept).
    pub reason: String,
}

/// A run of consecutive file dates (inside `[start, end]`) the table leaves out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub days: usize,
    pub reason: String,
}

/// How the table's dates and tickers were chosen: one entry per ticker of the file and every
/// dropped date range, for the header, results.json and tickers.csv.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// The window rule and its outcome in words, e.g. "longest window with ≥ 11 complete tickers".
    pub window: String,
    pub fill_limit: usize,
    pub tickers: Vec<TickerCoverage>,
    pub dropped_ranges: Vec<DroppedRange>,
    pub shared_jump_days: Vec<SharedJumpDay>,
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
    /// Every date of the file inside `[start, end]` the table leaves out (see `coverage.dropped_ranges`).
    pub dropped_dates: Vec<NaiveDate>,
    pub coverage: Coverage,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Rows of the file dated after `ReadOptions::unread_after`, skipped unread: none means the
    /// file ends on or before that date.
    pub unread_rows: usize,
}

impl PriceTable {
    /// Drops the kept tickers at columns `cols` after reading (a rule of the run, not of the file,
    /// e.g. returns constant over a training window): out of `tickers` and `prices`, into
    /// `dropped` and the coverage with `reason`, both in file order.
    pub fn drop_tickers(&mut self, cols: &[usize], reason: &str) {
        let keep: Vec<usize> = (0..self.tickers.len()).filter(|j| !cols.contains(j)).collect();
        for &j in cols {
            let name = &self.tickers[j];
            if let Some(c) = self.coverage.tickers.iter_mut().find(|c| c.kept && &c.ticker == name) {
                c.kept = false;
                c.reason = reason.to_string();
            }
        }
        self.prices = self.prices.select(ndarray::Axis(1), &keep);
        self.tickers = keep.iter().map(|&j| self.tickers[j].clone()).collect();
        self.dropped = self
            .coverage
            .tickers
            .iter()
            .filter(|c| !c.kept)
            .map(|c| DroppedTicker { ticker: c.ticker.clone(), reason: c.reason.clone() })
            .collect();
    }
}

/// Reads a price file (wide or long, plain or gzip) and applies the window and completeness rules.
/// The file is parsed as it is read: the first bad cell stops the read.
pub fn read_prices(path: &Path, opts: &ReadOptions) -> Result<PriceTable, FinanceError> {
    let reader = satool_io::text::TextReader::open(path)?;
    let gzip = reader.gzip();
    let name = reader.path().to_path_buf();
    let mut table = parse_prices_from(reader, &name, opts)?;
    table.gzip = gzip;
    Ok(table)
}

/// [`read_prices`] on bytes already in memory (`path` only names them in messages); the
/// entry point of the fuzzer.
pub fn parse_prices(bytes: &[u8], path: &Path, opts: &ReadOptions) -> Result<PriceTable, FinanceError> {
    parse_prices_from(bytes, path, opts)
}

/// The error of a header of one column: no ticker, or a file separated by another character.
fn one_column(path: &Path, only: &str) -> FinanceError {
    let separator = [(';', "';'"), ('\t', "tab"), ('|', "'|'")].into_iter().find(|(c, _)| only.contains(*c));
    let detail = match separator {
        Some((_, name)) => format!(" holding {name}s: the file looks {name}-separated"),
        None => format!(" ('{only}'), so no ticker"),
    };
    FinanceError::OneColumn { path: path.to_path_buf(), detail }
}

/// [`read_prices`] on a stream of the file's bytes.
fn parse_prices_from(input: impl std::io::Read, path: &Path, opts: &ReadOptions) -> Result<PriceTable, FinanceError> {
    let (mut lines, input) = parse::LineCounter::new(input);
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
    let header = parse::read_header(path, &mut rdr)?;
    if let [only] = header.as_slice() {
        return Err(one_column(path, only));
    }
    let overrides = Overrides {
        date: opts.date_column.as_deref(),
        ticker: opts.ticker_column.as_deref(),
        price: opts.price_column.as_deref(),
    };
    let (format, panel) = match layout::detect(path, &header, &overrides)? {
        Layout::Wide { date } => {
            (Format::Wide, parse::parse_wide(path, &header, date, &mut rdr, &mut lines, opts.unread_after)?)
        }
        Layout::Long { date, ticker, price } => {
            let format = Format::Long {
                date: header[date].clone(),
                ticker: header[ticker].clone(),
                price: header[price].clone(),
            };
            (format, parse::parse_long(path, &header, (date, ticker, price), &mut rdr, &mut lines, opts.unread_after)?)
        }
    };
    let f = filter::apply(panel, opts, format, path)?;
    if f.dates.len() < MIN_DAYS {
        let left_out = format!("{}; {} date(s) left out", f.coverage.window, f.dropped_dates.len());
        let detail = match filter::date_bounds(opts) {
            None => left_out,
            Some(bounds) => format!("{bounds}, {left_out}"),
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
        if let [only] = f.tickers.as_slice() {
            // A single series cannot make a memory: each day is centred over the tickers.
            detail.insert(
                0,
                format!(
                    "only {only} kept; the memory centres each day's returns over the tickers, which leaves nothing of a single series"
                ),
            );
        } else if detail.is_empty() {
            detail.push("no ticker has a usable price".to_string());
        }
        return Err(FinanceError::TooFewTickers {
            path: path.to_path_buf(),
            kept: f.tickers.len(),
            detail: detail.join("; "),
        });
    }
    if moves_as_one(&f.prices) {
        return Err(FinanceError::OneSeries { path: path.to_path_buf(), tickers: f.tickers.len() });
    }
    Ok(f)
}

/// Whether every ticker's log return is the same on every day (to 1e-12: identical series, or
/// one series at several scales): nothing is left when each day is centred over the tickers.
fn moves_as_one(prices: &ndarray::Array2<f64>) -> bool {
    prices.rows().into_iter().zip(prices.rows().into_iter().skip(1)).all(|(before, after)| {
        let mut returns = before.iter().zip(&after).map(|(a, b)| (b / a).ln());
        let first = returns.next().unwrap_or(0.0);
        returns.all(|g| (g - first).abs() <= 1e-12)
    })
}
