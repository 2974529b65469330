//! Turning CSV records into a date × ticker panel of prices with gaps (NaN marks a missing cell
//! inside this module and in [`RawPanel`] only; filtering removes every gap before a table leaves
//! the reader).
//!
//! Missing cells are empty cells and the tokens `NA`, `N/A`, `#N/A`, `NaN`, `null`, `None` and `.`
//! (case-insensitive). Any other cell that is not a finite number, or a price ≤ 0 or outside [1e-100, 1e100], is an error.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use ndarray::Array2;

use super::dates::{looks_day_first, parse_date, trim};
use crate::error::{CellProblem, FinanceError};

/// All prices of a file, sorted by date (unique), tickers in order of first appearance.
pub struct RawPanel {
    pub dates: Vec<NaiveDate>,
    pub tickers: Vec<String>,
    /// dates × tickers; NaN where the file has no price.
    pub prices: Array2<f64>,
    /// Rows dated after `unread_after`, skipped unread.
    pub unread_rows: usize,
}

type Records<R> = csv::Reader<Tee<R>>;

/// Header of the CSV as strings (invalid UTF-8 replaced), trimmed.
pub fn read_header<R: std::io::Read>(path: &Path, rdr: &mut Records<R>) -> Result<Vec<String>, FinanceError> {
    let h = rdr.byte_headers().map_err(|e| csv_error(path, e))?;
    if h.is_empty() || (h.len() == 1 && trim(&h[0]).is_empty()) {
        return Err(FinanceError::Empty { path: path.to_path_buf() });
    }
    if let Some(what) = not_text(h) {
        return Err(FinanceError::NotText { path: path.to_path_buf(), what });
    }
    let mut names: Vec<String> = h.iter().map(|c| String::from_utf8_lossy(trim(c)).into_owned()).collect();
    // Spreadsheet exports may start with a UTF-8 byte-order mark.
    if let Some(stripped) = names[0].strip_prefix('\u{feff}') {
        names[0] = stripped.trim().to_string();
    }
    Ok(names)
}

/// What a first line that is not CSV text is (a zip archive such as an `.xlsx` workbook, bzip2,
/// xz, UTF-16 text, other binary data), or `None` for text: one of those signatures followed by a
/// control byte other than a line break or a tab (which a quoted field may hold), or any NUL byte.
fn not_text(header: &csv::ByteRecord) -> Option<&'static str> {
    let first = header.get(0).unwrap_or_default();
    let kinds: [(&[u8], &'static str); 5] = [
        (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one: export it as CSV)"),
        (b"BZh", "bzip2-compressed (decompress it, or gzip it)"),
        (b"\xfd7zXZ\x00", "xz-compressed (decompress it, or gzip it)"),
        (b"\xff\xfe", "UTF-16 text (save it as UTF-8)"),
        (b"\xfe\xff", "UTF-16 text (save it as UTF-8)"),
    ];
    let control = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0x7f;
    let nul = header.iter().any(|f| f.contains(&0));
    match kinds.iter().find(|(magic, _)| first.starts_with(magic)) {
        Some((_, what)) if header.iter().any(|f| f.iter().any(control)) => Some(what),
        _ => nul.then_some("binary data"),
    }
}

fn csv_error(path: &Path, e: csv::Error) -> FinanceError {
    let line = e.position().map_or(0, |p| p.line());
    if let csv::ErrorKind::Io(io) = e.kind() {
        // A read error of the input stream (a limit, a corrupt gzip stream): its own message.
        let kind = io.kind();
        if let csv::ErrorKind::Io(io) = e.into_kind() {
            return satool_io::text::TextError::from_io(io, path).into();
        }
        unreachable!("an I/O error of kind {kind:?}");
    }
    FinanceError::Csv { path: path.to_path_buf(), line, message: e.to_string() }
}

fn is_missing(cell: &[u8]) -> bool {
    const TOKENS: [&[u8]; 7] = [b"na", b"n/a", b"#n/a", b"nan", b"null", b"none", b"."];
    cell.is_empty() || (cell.len() <= 4 && TOKENS.iter().any(|t| t.eq_ignore_ascii_case(cell)))
}

/// Smallest and largest usable price.
const MIN_PRICE: f64 = 1e-100;
const MAX_PRICE: f64 = 1e100;

/// A price cell: `Ok(None)` when missing, the positive finite price, or the problem.
fn parse_price(raw: &[u8]) -> Result<Option<f64>, CellProblem> {
    let cell = trim(raw);
    if is_missing(cell) {
        return Ok(None);
    }
    let text = || String::from_utf8_lossy(cell).into_owned();
    let v: f64 =
        std::str::from_utf8(cell).ok().and_then(|s| s.parse().ok()).ok_or_else(|| CellProblem::NotNumeric(text()))?;
    if !v.is_finite() {
        return Err(CellProblem::NotFinite(text()));
    }
    if v <= 0.0 {
        return Err(CellProblem::NonPositive(v));
    }
    // Returns are ln(S_t / S_{t-1}); within this range every ratio is a normal f64.
    if !(MIN_PRICE..=MAX_PRICE).contains(&v) {
        return Err(CellProblem::OutOfRange(v));
    }
    Ok(Some(v))
}

/// 1-based line of a record from its byte offset, counted on the raw bytes: with CRLF line ends
/// the `csv` crate's record offset points at the `\n` of the previous line and its line count is
/// one short (sp500.csv reported line 4 for line 5).
pub struct LineCounter {
    window: std::rc::Rc<std::cell::RefCell<Window>>,
    offset: u64,
    line: u64,
}

/// The bytes the CSV reader has read but [`LineCounter`] has not yet counted: from the start of
/// the last record counted to the reader's read position (one buffer and one record at most).
#[derive(Default)]
struct Window {
    /// Offset in the file of `bytes[0]`.
    base: u64,
    bytes: std::collections::VecDeque<u8>,
}

/// A reader that keeps what passes through in a [`Window`] for its [`LineCounter`].
pub struct Tee<R> {
    inner: R,
    window: std::rc::Rc<std::cell::RefCell<Window>>,
}

impl<R: std::io::Read> std::io::Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.borrow_mut().bytes.extend(&buf[..n]);
        Ok(n)
    }
}

impl LineCounter {
    /// A counter and the reader to give the CSV reader in place of `inner`.
    pub fn new<R: std::io::Read>(inner: R) -> (Self, Tee<R>) {
        let window = std::rc::Rc::new(std::cell::RefCell::new(Window::default()));
        (LineCounter { window: window.clone(), offset: 0, line: 1 }, Tee { inner, window })
    }

    /// Line of the record starting at `byte` (offsets must not decrease between calls).
    fn line_of(&mut self, record: &csv::ByteRecord) -> u64 {
        let mut w = self.window.borrow_mut();
        let end = w.base + w.bytes.len() as u64;
        let at = |w: &Window, b: u64| w.bytes[(b - w.base) as usize];
        let mut byte = record.position().map_or(self.offset, |p| p.byte()).clamp(self.offset, end);
        while byte < end && (at(&w, byte) == b'\n' || at(&w, byte) == b'\r') {
            byte += 1;
        }
        if byte > self.offset {
            let (from, to) = ((self.offset - w.base) as usize, (byte - w.base) as usize);
            self.line += w.bytes.range(from..to).filter(|&&b| b == b'\n').count() as u64;
            self.offset = byte;
            // What is counted is no longer needed.
            w.bytes.drain(..to);
            w.base = byte;
        }
        self.line
    }
}

struct CellError<'a> {
    path: &'a Path,
    header: &'a [String],
}

impl CellError<'_> {
    fn at(&self, line: u64, col: usize, problem: CellProblem) -> FinanceError {
        // An unnamed column is named by its 1-based position.
        let column = if self.header[col].is_empty() { format!("#{}", col + 1) } else { shown(&self.header[col]) };
        FinanceError::Cell { path: self.path.to_path_buf(), line, column, problem }
    }
}

fn parse_date_cell(err: &CellError, line: u64, col: usize, raw: &[u8]) -> Result<NaiveDate, FinanceError> {
    parse_date(raw).ok_or_else(|| {
        let text = String::from_utf8_lossy(trim(raw)).into_owned();
        let problem = if looks_day_first(raw) { CellProblem::DayFirst(text) } else { CellProblem::BadDate(text) };
        err.at(line, col, problem)
    })
}

/// A row dated after `unread_after` (`ReadOptions::unread_after`): skipped before any other cell
/// of it is looked at (a row whose date cannot be read is not skipped, and fails as usual).
fn is_unread(record: &csv::ByteRecord, date_col: usize, unread_after: Option<NaiveDate>) -> bool {
    unread_after.is_some_and(|cut| record.get(date_col).and_then(parse_date).is_some_and(|d| d > cut))
}

/// A ticker name the outputs cannot carry as one plain CSV field, nor `--weights` and
/// `--qq-tickers` name: one holding a comma, a quote or a line break. (Other control characters
/// are written as they are, and escaped in messages and figures.)
fn unwritable_ticker(name: &str) -> bool {
    name.contains([',', '"', '\n', '\r'])
}

/// `name` with its control characters escaped (`\n`, `\t`, `\u{1b}`): one line in a message.
fn shown(name: &str) -> String {
    name.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// Wide layout: `date_col` holds dates, every other column a ticker.
pub fn parse_wide<R: std::io::Read>(
    path: &Path,
    header: &[String],
    date_col: usize,
    rdr: &mut Records<R>,
    lines: &mut LineCounter,
    unread_after: Option<NaiveDate>,
) -> Result<RawPanel, FinanceError> {
    let err = CellError { path, header };
    let ticker_cols: Vec<usize> = (0..header.len()).filter(|&c| c != date_col).collect();
    let mut first_col: HashMap<&str, usize> = HashMap::new();
    for &c in &ticker_cols {
        if header[c].is_empty() {
            // pandas' `to_csv()` writes its index as an unnamed first column.
            let problem = if c == 0 { CellProblem::UnnamedFirstColumn } else { CellProblem::EmptyTicker };
            return Err(err.at(1, c, problem));
        }
        if unwritable_ticker(&header[c]) {
            return Err(err.at(1, c, CellProblem::UnwritableTicker(shown(&header[c]))));
        }
        if first_col.insert(header[c].as_str(), c).is_some() {
            return Err(err.at(1, c, CellProblem::DuplicateTickerColumn(header[c].clone())));
        }
    }
    let mut rows: Vec<(NaiveDate, u64)> = Vec::new();
    // A repeated date fails on its line, not after the whole file is read.
    let mut line_of_date: HashMap<NaiveDate, u64> = HashMap::new();
    let mut values: Vec<f64> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut unread_rows = 0;
    while rdr.read_byte_record(&mut record).map_err(|e| csv_error(path, e))? {
        let line = lines.line_of(&record);
        if is_unread(&record, date_col, unread_after) {
            unread_rows += 1;
            continue;
        }
        if record.len() != header.len() {
            let c = record.len().min(header.len() - 1);
            return Err(err.at(line, c, CellProblem::FieldCount { expected: header.len(), found: record.len() }));
        }
        let date = parse_date_cell(&err, line, date_col, &record[date_col])?;
        if let Some(&first_line) = line_of_date.get(&date) {
            return Err(err.at(line, date_col, CellProblem::DuplicateDate { date: date.to_string(), first_line }));
        }
        line_of_date.insert(date, line);
        rows.push((date, line));
        for &c in &ticker_cols {
            values.push(parse_price(&record[c]).map_err(|p| err.at(line, c, p))?.unwrap_or(f64::NAN));
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&r| rows[r].0);
    let d = ticker_cols.len();
    let prices = Array2::from_shape_fn((rows.len(), d), |(i, j)| values[order[i] * d + j]);
    Ok(RawPanel {
        dates: order.iter().map(|&r| rows[r].0).collect(),
        tickers: ticker_cols.iter().map(|&c| header[c].clone()).collect(),
        prices,
        unread_rows,
    })
}

/// One row of a long file.
struct Entry {
    date: u32,
    ticker: u32,
    price: f64,
    line: u64,
}

/// Long layout: one (date, ticker, price) per row, as many fields as the header; other columns
/// are ignored.
pub fn parse_long<R: std::io::Read>(
    path: &Path,
    header: &[String],
    (date_col, ticker_col, price_col): (usize, usize, usize),
    rdr: &mut Records<R>,
    lines: &mut LineCounter,
    unread_after: Option<NaiveDate>,
) -> Result<RawPanel, FinanceError> {
    let err = CellError { path, header };
    let mut date_of_text: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut date_index: HashMap<NaiveDate, u32> = HashMap::new();
    let mut dates: Vec<NaiveDate> = Vec::new();
    let mut ticker_index: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut tickers: Vec<String> = Vec::new();
    let mut last_ticker: (Vec<u8>, u32) = (Vec::new(), 0);
    let mut entries: Vec<Entry> = Vec::new();
    // (date, ticker) pairs read so far: a repeated one fails on its line.
    let mut pairs: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
    let mut record = csv::ByteRecord::new();
    let mut unread_rows = 0;
    while rdr.read_byte_record(&mut record).map_err(|e| csv_error(path, e))? {
        let line = lines.line_of(&record);
        if is_unread(&record, date_col, unread_after) {
            unread_rows += 1;
            continue;
        }
        if record.len() != header.len() {
            let c = record.len().min(header.len() - 1);
            return Err(err.at(line, c, CellProblem::FieldCount { expected: header.len(), found: record.len() }));
        }
        let date_text = &record[date_col];
        let date = match date_of_text.get(date_text) {
            Some(&i) => i,
            None => {
                let parsed = parse_date_cell(&err, line, date_col, date_text)?;
                let next = dates.len() as u32;
                let i = *date_index.entry(parsed).or_insert(next);
                if i == next {
                    dates.push(parsed);
                }
                date_of_text.insert(date_text.to_vec(), i);
                i
            }
        };
        let name = trim(&record[ticker_col]);
        if name.is_empty() {
            return Err(err.at(line, ticker_col, CellProblem::EmptyTicker));
        }
        if name != last_ticker.0.as_slice() {
            let next = tickers.len() as u32;
            let i = *ticker_index.entry(name.to_vec()).or_insert(next);
            if i == next {
                let name = String::from_utf8_lossy(name).into_owned();
                if unwritable_ticker(&name) {
                    return Err(err.at(line, ticker_col, CellProblem::UnwritableTicker(shown(&name))));
                }
                tickers.push(name);
            }
            last_ticker = (name.to_vec(), i);
        }
        let price = parse_price(&record[price_col]).map_err(|p| err.at(line, price_col, p))?.unwrap_or(f64::NAN);
        let ticker = last_ticker.1;
        if !pairs.insert((date, ticker)) {
            let first = entries.iter().find(|f| f.date == date && f.ticker == ticker).map_or(0, |f| f.line);
            let problem = CellProblem::Duplicate {
                date: dates[date as usize].to_string(),
                ticker: tickers[ticker as usize].clone(),
                first_line: first,
            };
            return Err(err.at(line, ticker_col, problem));
        }
        entries.push(Entry { date, ticker, price, line });
    }
    drop(pairs);

    // Rank of each date in calendar order.
    let mut order: Vec<u32> = (0..dates.len() as u32).collect();
    order.sort_by_key(|&i| dates[i as usize]);
    let mut rank = vec![0usize; dates.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r;
    }
    let mut prices = Array2::from_elem((dates.len(), tickers.len()), f64::NAN);
    for e in &entries {
        prices[(rank[e.date as usize], e.ticker as usize)] = e.price;
    }
    Ok(RawPanel { dates: order.iter().map(|&i| dates[i as usize]).collect(), tickers, prices, unread_rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_cells() {
        assert_eq!(parse_price(b" 12.5 "), Ok(Some(12.5)));
        assert_eq!(parse_price(b"1e2"), Ok(Some(100.0)));
        for m in ["", "  ", "NA", "na", "N/A", "#N/A", "NaN", "nan", "null", "NULL", "None", "."] {
            assert_eq!(parse_price(m.as_bytes()), Ok(None), "{m:?}");
        }
        assert_eq!(parse_price(b"abc"), Err(CellProblem::NotNumeric("abc".into())));
        assert_eq!(parse_price(b"1,5"), Err(CellProblem::NotNumeric("1,5".into())));
        assert_eq!(parse_price(b"inf"), Err(CellProblem::NotFinite("inf".into())));
        assert_eq!(parse_price(b"0"), Err(CellProblem::NonPositive(0.0)));
        assert_eq!(parse_price(b"-3.5"), Err(CellProblem::NonPositive(-3.5)));
        assert_eq!(parse_price(b"5e-324"), Err(CellProblem::OutOfRange(5e-324)));
        assert_eq!(parse_price(b"1e300"), Err(CellProblem::OutOfRange(1e300)));
        assert_eq!(parse_price(b"1e-100"), Ok(Some(1e-100)));
    }
}
