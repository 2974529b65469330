//! Error type of the finance domain. Every reader error names the file, and when it comes from
//! one cell, the line (1-based, the header is line 1) and the column, on one line:
//! `FILE:LINE: column 'C': problem`.

use std::path::PathBuf;

use thiserror::Error;

/// What is wrong with one cell of a price file.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CellProblem {
    #[error("'{0}' is not a number")]
    NotNumeric(String),
    #[error("'{0}' is not a finite number")]
    NotFinite(String),
    #[error("price {0} is not positive")]
    NonPositive(f64),
    #[error("price {0:e} is outside [1e-100, 1e100]: the ratio of two such prices can overflow or lose all precision")]
    OutOfRange(f64),
    #[error(
        "'{0}' is not a date (expected YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or MM/DD/YYYY, optionally followed by a time)"
    )]
    BadDate(String),
    #[error(
        "'{0}' is not a date: it reads as day-first DD/MM/YYYY, but a date with slashes is read month-first \
         (MM/DD/YYYY); write the dates as YYYY-MM-DD"
    )]
    DayFirst(String),
    #[error("duplicated (date, ticker) = ({date}, {ticker}); first seen on line {first_line}")]
    Duplicate { date: String, ticker: String, first_line: u64 },
    #[error(
        "date {date} already appeared on line {first_line}: a wide file has one row per date (if this is a long file, \
         one row per date and ticker, name its columns with --ticker-column and --price-column)"
    )]
    DuplicateDate { date: String, first_line: u64 },
    #[error("empty ticker")]
    EmptyTicker,
    #[error(
        "the first column has no name, so no ticker: likely an index that pandas' to_csv() wrote (write with \
         index=False, or drop the column)"
    )]
    UnnamedFirstColumn,
    #[error("row has {found} fields, the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error(
        "ticker '{0}' holds a comma, a quote or a line break, which the CSV outputs, --weights and \
         --qq-tickers cannot carry (rename it, e.g. with '.' or '-')"
    )]
    UnwritableTicker(String),
    #[error("ticker column '{0}' appears twice in the header")]
    DuplicateTickerColumn(String),
}

impl From<satool_io::text::TextError> for FinanceError {
    fn from(e: satool_io::text::TextError) -> Self {
        use satool_io::text::TextError;
        match e {
            TextError::Read { path, source } => FinanceError::Io { path, source },
            TextError::Gzip { path, source } => FinanceError::Gzip { path, source },
        }
    }
}

/// Errors of the finance domain (reading prices, computing returns and metrics).
#[derive(Debug, Error)]
pub enum FinanceError {
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("{}: not a valid gzip stream: {source}", path.display())]
    Gzip { path: PathBuf, source: std::io::Error },

    #[error("{}:{line}: malformed CSV: {message}", path.display())]
    Csv { path: PathBuf, line: u64, message: String },

    #[error("{}: the file is empty (no header line)", path.display())]
    Empty { path: PathBuf },

    #[error("{}:1: not a CSV text file: {what}; --prices reads CSV text, plain or gzip", path.display())]
    NotText { path: PathBuf, what: &'static str },

    #[error("{}:1: the header is one column{detail}; --prices reads comma-separated date,T1,T2,… (wide) or date,ticker,price (long)", path.display())]
    OneColumn { path: PathBuf, detail: String },

    #[error("{}:1: column '{name}' given by {option} is not in the header ({})", path.display(), header.join(", "))]
    MissingColumn { path: PathBuf, option: &'static str, name: String, header: Vec<String> },

    #[error("{}:1: no price column in a long-format file (looked for adj_close, Adj Close, adjclose, adjusted_close, close, price; header: {}); name it with --price-column", path.display(), header.join(", "))]
    NoPriceColumn { path: PathBuf, header: Vec<String> },

    #[error("{}:1: --price-column needs a long-format file, but no ticker column was found (header: {}); name it with --ticker-column", path.display(), header.join(", "))]
    NoTickerColumn { path: PathBuf, header: Vec<String> },

    #[error("{}:1: the columns {} are one ticker's daily bars (open, high, low, close, volume), not tickers; --prices needs several tickers' prices: date,T1,T2,… (wide) or date,ticker,price (long: stack one file per ticker with a ticker column)", path.display(), columns.join(", "))]
    OneTickerBars { path: PathBuf, columns: Vec<String> },

    #[error("{}:1: no date column (header: {}); name it with --date-column", path.display(), header.join(", "))]
    NoDateColumn { path: PathBuf, header: Vec<String> },

    #[error("{}:{line}: column '{column}': {problem}", path.display())]
    Cell { path: PathBuf, line: u64, column: String, problem: CellProblem },

    #[error("{}: {kept} ticker(s) left after filtering, need at least 2 ({detail})", path.display())]
    TooFewTickers { path: PathBuf, kept: usize, detail: String },

    #[error("{}: the {tickers} tickers' daily log returns are the same on every day (one series): the memory centres each day's returns over the tickers, which leaves nothing of it", path.display())]
    OneSeries { path: PathBuf, tickers: usize },

    #[error("{}: {days} trading day(s) left after filtering, need at least {needed} ({detail})", path.display())]
    TooFewDays { path: PathBuf, days: usize, needed: usize, detail: String },

    #[error("{}: --min-tickers {min} is more than the {tickers} ticker(s) with a price in the window", path.display())]
    MinTickers { path: PathBuf, min: usize, tickers: usize },

    #[error("{what} returns: day {day}, ticker #{ticker} is {value} (not finite)")]
    NonFinite { what: &'static str, day: usize, ticker: usize, value: f64 },

    #[error("shape mismatch: {0}")]
    Shape(String),

    #[error("historical ticker #{ticker} has zero variance; its KS, sd ratio and correlation are undefined")]
    ZeroVarianceHistory { ticker: usize },
}
