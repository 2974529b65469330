//! Which columns hold what: wide (`date,T1,T2,…`) or long (a date, a ticker and a price column).
//!
//! Names are matched case-insensitively and ignoring spaces, `_`, `-` and `.` (so `Adj Close`,
//! `adj_close` and `AdjClose` are the same name). A file is long when it has a ticker-like column
//! (`name`, `ticker`, `symbol`, `tic`, `stock`, `asset`) or `--ticker-column` is given; the price
//! column is then the first found of adjusted close (`adj_close`, `adjclose`, `adjusted_close`),
//! `close`, `price`. The date column is `date`, `timestamp` or `datetime`, else the first column
//! (the first one that is neither ticker nor price in a long file). Options always win.

use std::path::Path;

use crate::error::FinanceError;

const TICKER_NAMES: [&str; 6] = ["name", "ticker", "symbol", "tic", "stock", "asset"];
const PRICE_NAMES: [&str; 4] = ["adjclose", "adjustedclose", "close", "price"];
const DATE_NAMES: [&str; 3] = ["date", "timestamp", "datetime"];

/// Column roles of a price file (0-based column indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One date column; every other column is a ticker.
    Wide { date: usize },
    /// One row per (date, ticker); other columns are ignored.
    Long { date: usize, ticker: usize, price: usize },
}

/// Column overrides (`--date-column`, `--ticker-column`, `--price-column`).
pub struct Overrides<'a> {
    pub date: Option<&'a str>,
    pub ticker: Option<&'a str>,
    pub price: Option<&'a str>,
}

fn normalise(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '.')).flat_map(char::to_lowercase).collect()
}

/// First column whose normalised name is in `candidates`, honouring the order of `candidates`.
fn find_by_names(normalised: &[String], candidates: &[&str]) -> Option<usize> {
    candidates.iter().find_map(|c| normalised.iter().position(|h| h == c))
}

/// A named column: exact match first, then the normalised match.
fn find_override(
    path: &Path,
    header: &[String],
    normalised: &[String],
    option: &'static str,
    name: &str,
) -> Result<usize, FinanceError> {
    header.iter().position(|h| h == name).or_else(|| normalised.iter().position(|h| *h == normalise(name))).ok_or_else(
        || FinanceError::MissingColumn {
            path: path.to_path_buf(),
            option,
            name: name.to_string(),
            header: header.to_vec(),
        },
    )
}

/// Whether a header without a ticker column is one ticker's daily bars (a Yahoo or broker
/// download: `Date,Open,High,Low,Close,Adj Close,Volume`) rather than a wide panel: every column
/// but the date is a bar's field, one is a close, and there are three or more or one is the
/// volume (so real tickers named like a field, e.g. LOW and OPEN, still read as a panel).
fn one_tickers_bars(normalised: &[String], date: usize) -> bool {
    const BAR_FIELDS: [&str; 7] = ["open", "high", "low", "close", "adjclose", "adjustedclose", "volume"];
    let fields: Vec<&str> =
        normalised.iter().enumerate().filter(|&(i, _)| i != date).map(|(_, c)| c.as_str()).collect();
    fields.iter().all(|c| BAR_FIELDS.contains(c))
        && fields.iter().any(|c| PRICE_NAMES[..3].contains(c))
        && (fields.len() >= 3 || fields.contains(&"volume"))
}

/// Decides the layout from the header.
pub fn detect(path: &Path, header: &[String], ov: &Overrides) -> Result<Layout, FinanceError> {
    let normalised: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let named = |option, name: Option<&str>| -> Result<Option<usize>, FinanceError> {
        name.map(|n| find_override(path, header, &normalised, option, n)).transpose()
    };
    let date_override = named("--date-column", ov.date)?;
    let ticker_override = named("--ticker-column", ov.ticker)?;
    let price_override = named("--price-column", ov.price)?;

    let ticker = ticker_override.or_else(|| find_by_names(&normalised, &TICKER_NAMES));
    let Some(ticker) = ticker else {
        if ov.price.is_some() {
            return Err(FinanceError::NoTickerColumn { path: path.to_path_buf(), header: header.to_vec() });
        }
        let date = date_override.or_else(|| find_by_names(&normalised, &DATE_NAMES)).unwrap_or(0);
        if one_tickers_bars(&normalised, date) {
            let columns =
                header.iter().enumerate().filter(|&(i, _)| i != date).map(|(_, c)| format!("'{c}'")).collect();
            return Err(FinanceError::OneTickerBars { path: path.to_path_buf(), columns });
        }
        return Ok(Layout::Wide { date });
    };
    let price = price_override
        .or_else(|| find_by_names(&normalised, &PRICE_NAMES))
        .ok_or_else(|| FinanceError::NoPriceColumn { path: path.to_path_buf(), header: header.to_vec() })?;
    let date = date_override
        .or_else(|| find_by_names(&normalised, &DATE_NAMES))
        .or_else(|| (0..header.len()).find(|&i| i != ticker && i != price))
        .ok_or_else(|| FinanceError::NoDateColumn { path: path.to_path_buf(), header: header.to_vec() })?;
    Ok(Layout::Long { date, ticker, price })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    fn auto(h: &str) -> Result<Layout, FinanceError> {
        detect(Path::new("f.csv"), &header(h), &Overrides { date: None, ticker: None, price: None })
    }

    #[test]
    fn detects_kaggle_long_layout() {
        assert_eq!(
            auto("date,open,high,low,close,volume,Name").unwrap(),
            Layout::Long { date: 0, ticker: 6, price: 4 }
        );
    }

    #[test]
    fn prefers_adjusted_close_then_close_then_price() {
        assert_eq!(auto("Date,Symbol,Close,Adj Close").unwrap(), Layout::Long { date: 0, ticker: 1, price: 3 });
        assert_eq!(auto("ticker,timestamp,price,close").unwrap(), Layout::Long { date: 1, ticker: 0, price: 3 });
        assert_eq!(auto("day,ticker,price").unwrap(), Layout::Long { date: 0, ticker: 1, price: 2 });
        assert_eq!(auto("ticker,day,price").unwrap(), Layout::Long { date: 1, ticker: 0, price: 2 });
    }

    #[test]
    fn wide_when_no_ticker_column() {
        assert_eq!(auto("Date,AAPL,MSFT").unwrap(), Layout::Wide { date: 0 });
        assert_eq!(auto("AAPL,Date,MSFT").unwrap(), Layout::Wide { date: 1 });
        assert_eq!(auto("when,AAPL,MSFT").unwrap(), Layout::Wide { date: 0 });
    }

    #[test]
    fn one_tickers_bars_are_not_a_panel() {
        for h in ["Date,Open,High,Low,Close,Adj Close,Volume", "date,close,volume", "Date,Open,High,Low,Close"] {
            let e = auto(h).unwrap_err();
            assert!(matches!(e, FinanceError::OneTickerBars { .. }), "{h}: {e}");
        }
        assert!(auto("Date,Open,High,Low,Close,Adj Close,Volume").unwrap_err().to_string().starts_with(
            "f.csv:1: the columns 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume' are one ticker's daily bars"
        ));
        // Tickers that happen to be a field's name, and the long download with a ticker column.
        assert_eq!(auto("Date,LOW,OPEN").unwrap(), Layout::Wide { date: 0 });
        assert_eq!(auto("Date,LOW,AAPL,CLOSE").unwrap(), Layout::Wide { date: 0 });
        assert!(matches!(auto("Date,Open,Close,Volume,Ticker").unwrap(), Layout::Long { .. }));
    }

    #[test]
    fn long_without_price_column_is_an_error() {
        let e = auto("date,open,Name").unwrap_err();
        assert!(matches!(e, FinanceError::NoPriceColumn { .. }));
        assert!(e.to_string().starts_with("f.csv:1: no price column"), "{e}");
    }

    #[test]
    fn overrides_win_and_must_exist() {
        let h = header("d,sym,px,close");
        let ov = Overrides { date: Some("d"), ticker: Some("sym"), price: Some("px") };
        assert_eq!(detect(Path::new("f.csv"), &h, &ov).unwrap(), Layout::Long { date: 0, ticker: 1, price: 2 });
        let ov = Overrides { date: None, ticker: Some("SYMBOL"), price: None };
        let e = detect(Path::new("f.csv"), &h, &ov).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.csv:1: column 'SYMBOL' given by --ticker-column is not in the header (d, sym, px, close)"
        );
        // Case-insensitive fallback for overrides.
        let ov = Overrides { date: None, ticker: Some("SYM"), price: Some("PX") };
        assert_eq!(detect(Path::new("f.csv"), &h, &ov).unwrap(), Layout::Long { date: 0, ticker: 1, price: 2 });
    }

    #[test]
    fn price_override_on_a_wide_file_is_an_error() {
        let ov = Overrides { date: None, ticker: None, price: Some("AAPL") };
        let e = detect(Path::new("f.csv"), &header("Date,AAPL,MSFT"), &ov).unwrap_err();
        assert!(matches!(e, FinanceError::NoTickerColumn { .. }), "{e}");
    }
}
