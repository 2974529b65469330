//! The rules that turn a raw panel with gaps into a complete price table:
//!
//! 1. keep dates inside the `[start, end]` window (both inclusive);
//! 2. tickers with no price at all in it are dropped;
//! 3. the calendar is the set of dates on which more than half of the tickers *listed then* (inside
//!    their own first..last price span) have a price; other dates (holidays of a few exchanges,
//!    stray rows) are dropped and reported;
//! 4. gaps of at most `fill_limit` calendar days inside a ticker's span are forward-filled (counted);
//! 5. the window rule ([`WindowRule`]) picks the dates and the tickers complete on them; every other
//!    ticker and every left-out date range is reported with its reason;
//! 6. a ticker whose price never changes in the window is dropped (zero-variance returns);
//! 7. suspect jumps of the kept tickers are listed ([`super::splits`]), and with `drop_suspect`
//!    those tickers are dropped too.

use std::path::Path;

use chrono::NaiveDate;
use ndarray::{Array2, Axis};

use super::coverage::{self, Chosen};
use super::parse::RawPanel;
use super::{
    splits, Coverage, DroppedRange, DroppedTicker, Format, PriceTable, ReadOptions, TickerCoverage, WindowRule,
    MIN_DAYS,
};
use crate::error::FinanceError;

/// The date options that bound the history, as given: `--start A`, `--end B`, `--window A..B`
/// (the range rule) or `--as-of B` (the end when the rows after it are left unread), or `None`.
pub(super) fn date_bounds(opts: &ReadOptions) -> Option<String> {
    let as_of = |e: NaiveDate| opts.unread_after == Some(e);
    let (start, end) = match (opts.window, opts.start, opts.end) {
        (WindowRule::Full, Some(s), Some(e)) if !as_of(e) => return Some(format!("--window {s}..{e}")),
        (WindowRule::Full, Some(s), e) => (Some(format!("--window from {s}")), e),
        (_, s, e) => (s.map(|s| format!("--start {s}")), e),
    };
    let end = end.map(|e| if as_of(e) { format!("--as-of {e}") } else { format!("--end {e}") });
    let parts: Vec<String> = start.into_iter().chain(end).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Why no trading day is left: the file's dates (sorted) and the date options that kept none of
/// them (`none_inside`: no date of the file lies within `--start`/`--end`).
fn no_trading_day(dates: &[NaiveDate], none_inside: bool, opts: &ReadOptions) -> String {
    match (dates.first().zip(dates.last()), date_bounds(opts), opts.unread_after) {
        (Some((first, last)), Some(bounds), as_of) if none_inside => {
            // With --as-of the later rows are not read: the dates are those up to it.
            let read = if as_of.is_some() { " up to --as-of" } else { "" };
            format!("the file's dates{read} run {first} → {last}, and {bounds} keeps none of them")
        }
        (None, _, Some(as_of)) => format!("no row of the file is dated on or before --as-of {as_of}"),
        _ => "no trading day".to_string(),
    }
}

/// The complete (gap-free) table of `panel` under the rules above, with what was removed to get
/// it (`gzip` is set by the caller, which read the bytes).
pub fn apply(panel: RawPanel, opts: &ReadOptions, format: Format, path: &Path) -> Result<PriceTable, FinanceError> {
    let in_window = |d: &NaiveDate| opts.start.is_none_or(|s| *d >= s) && opts.end.is_none_or(|e| *d <= e);
    let rows: Vec<usize> = (0..panel.dates.len()).filter(|&i| in_window(&panel.dates[i])).collect();
    let row_date = |i: usize| panel.dates[rows[i]];
    let window = panel.prices.select(Axis(0), &rows);
    let n = panel.tickers.len();
    let mut cov = unlisted_coverage(&panel.tickers, opts);

    // Rule 2.
    let active: Vec<usize> = (0..n).filter(|&j| window.column(j).iter().any(|v| !v.is_nan())).collect();
    let prices = window.select(Axis(1), &active);
    let has = prices.mapv(|v| !v.is_nan());
    let spans = coverage::spans(&has);
    for (a, &j) in active.iter().enumerate() {
        cov[j].first_date = Some(row_date(spans[a].0));
        cov[j].last_date = Some(row_date(spans[a].1));
        cov[j].reason.clear();
    }

    // Rules 3–5.
    let cal = coverage::calendar(&has, &spans);
    let (filled_prices, filled) = coverage::fill(&prices, &cal, opts.fill_limit);
    let valid = filled_prices.mapv(|v| !v.is_nan());
    let m = opts.min_tickers.unwrap_or(active.len() / 2 + 1);
    // Without --min-tickers, a file with no price at all (a header alone) has no trading day.
    if opts.window == WindowRule::Longest && m > active.len() && opts.min_tickers.is_some() {
        return Err(FinanceError::MinTickers { path: path.to_path_buf(), min: m, tickers: active.len() });
    }
    let Some(ch) = coverage::choose(&valid, opts.window, m) else {
        let detail = if cal.is_empty() {
            no_trading_day(&panel.dates, rows.is_empty(), opts)
        } else {
            "the tickers' histories do not overlap: no common window".to_string()
        };
        return Err(FinanceError::TooFewDays { path: path.to_path_buf(), days: 0, needed: MIN_DAYS, detail });
    };
    let sel: Vec<usize> = (ch.first..=ch.last).filter(|t| ch.skip.binary_search(t).is_err()).collect();
    let (ws, we) = (row_date(cal[ch.first]), row_date(cal[ch.last]));
    if sel.is_empty() {
        return Err(no_day_in_common_window(path, (ws, we), active.len(), opts.fill_limit));
    }
    for a in (0..active.len()).filter(|a| !ch.kept.contains(a)) {
        cov[active[a]].reason = incomplete_reason(&valid, a, &ch, &|t| row_date(cal[t]), opts.fill_limit);
    }

    // Rule 6.
    let mut kept = drop_unchanging(&filled_prices, &sel, &ch.kept, |a, reason| cov[active[a]].reason = reason);

    // Rule 7.
    let dates: Vec<NaiveDate> = sel.iter().map(|&t| row_date(cal[t])).collect();
    let table = filled_prices.select(Axis(0), &sel).select(Axis(1), &kept);
    let names: Vec<String> = kept.iter().map(|&a| panel.tickers[active[a]].clone()).collect();
    let (suspect, shared_jump_days) =
        splits::find(&table, &dates, &names, opts.jump_threshold, opts.shared_jump_tickers);
    if opts.drop_suspect {
        kept.retain(|&a| match suspect_reason(&suspect, &panel.tickers[active[a]], opts.jump_threshold) {
            Some(reason) => {
                cov[active[a]].reason = reason;
                false
            }
            None => true,
        });
    }
    for &a in &kept {
        cov[active[a]].kept = true;
        cov[active[a]].filled_days = sel.iter().filter(|&&t| filled[[t, a]]).count();
    }

    let describe = describe_window(opts.window, m, active.len(), ch.skip.len(), (ws, we));
    let dropped_ranges = dropped_ranges(&ch, &cal, rows.len(), &row_date);
    let dropped_dates = {
        let mut in_table = vec![false; rows.len()];
        sel.iter().for_each(|&t| in_table[cal[t]] = true);
        (0..rows.len()).filter(|&i| !in_table[i]).map(row_date).collect()
    };
    Ok(PriceTable {
        format,
        prices: filled_prices.select(Axis(0), &sel).select(Axis(1), &kept),
        tickers: kept.iter().map(|&a| panel.tickers[active[a]].clone()).collect(),
        dates,
        dropped: cov
            .iter()
            .filter(|c| !c.kept)
            .map(|c| DroppedTicker { ticker: c.ticker.clone(), reason: c.reason.clone() })
            .collect(),
        suspect,
        dropped_dates,
        coverage: Coverage {
            window: describe,
            fill_limit: opts.fill_limit,
            tickers: cov,
            dropped_ranges,
            shared_jump_days,
        },
        gzip: false,
        unread_rows: panel.unread_rows,
    })
}

/// Every ticker of the file, none kept yet, each with the reason that holds until a price of it
/// is found in the window (rule 2).
fn unlisted_coverage(tickers: &[String], opts: &ReadOptions) -> Vec<TickerCoverage> {
    let where_ = if opts.start.is_some() || opts.end.is_some() { "in the window" } else { "in the file" };
    tickers
        .iter()
        .map(|t| TickerCoverage {
            ticker: t.clone(),
            kept: false,
            first_date: None,
            last_date: None,
            filled_days: 0,
            reason: format!("no price {where_}"),
        })
        .collect()
}

/// The common window skips every day on which a ticker's gap outlasts the fill limit: when that
/// is every day of it, no day is left.
fn no_day_in_common_window(
    path: &Path,
    (ws, we): (NaiveDate, NaiveDate),
    tickers: usize,
    fill_limit: usize,
) -> FinanceError {
    let detail = format!(
        "{ws} → {we} is the common window of all {tickers} tickers, but on every day of it one of them has a gap \
         longer than the fill limit ({fill_limit} days): raise --fill-limit, or use --window longest"
    );
    FinanceError::TooFewDays { path: path.to_path_buf(), days: 0, needed: MIN_DAYS, detail }
}

/// Rule 6: the complete tickers `complete` (columns of `prices`) whose price changes over the
/// chosen rows `sel`; each other one is handed to `dropped` with its reason.
fn drop_unchanging(
    prices: &Array2<f64>,
    sel: &[usize],
    complete: &[usize],
    mut dropped: impl FnMut(usize, String),
) -> Vec<usize> {
    let mut kept: Vec<usize> = Vec::new();
    for &a in complete {
        let first = prices[[sel[0], a]];
        if sel.len() > 1 && sel.iter().all(|&t| prices[[t, a]] == first) {
            dropped(a, format!("price never changes over the {} days (zero-variance returns)", sel.len()));
        } else {
            kept.push(a);
        }
    }
    kept
}

/// Rule 7 with `drop_suspect`: why `ticker` is dropped, when it has a suspect jump.
fn suspect_reason(suspect: &[super::SuspectJump], ticker: &str, threshold: f64) -> Option<String> {
    let jumps: Vec<_> = suspect.iter().filter(|s| s.ticker == ticker).collect();
    let first = jumps.first()?;
    Some(format!(
        "{} suspicious jump(s) (|daily log return| > {}), first {:+.4} on {}: likely an unadjusted split or spin-off",
        jumps.len(),
        threshold,
        first.log_return,
        first.date
    ))
}

/// The chosen window in words (the coverage report's first line).
fn describe_window(
    rule: WindowRule,
    min_tickers: usize,
    active: usize,
    skipped: usize,
    (ws, we): (NaiveDate, NaiveDate),
) -> String {
    match rule {
        WindowRule::Longest => format!("longest window with ≥ {min_tickers} of {active} tickers complete: {ws} → {we}"),
        WindowRule::Common => format!(
            "common window of all {active} tickers: {ws} → {we}, {skipped} date(s) inside dropped for gaps longer than the fill limit"
        ),
        WindowRule::Full => format!("every trading day of {ws} → {we}"),
    }
}

/// Why ticker `a` is not complete on the chosen window: listed late, delisted, or gaps.
fn incomplete_reason(
    valid: &Array2<bool>,
    a: usize,
    ch: &Chosen,
    date: &dyn Fn(usize) -> NaiveDate,
    fill_limit: usize,
) -> String {
    let col = valid.column(a);
    let (first_valid, last_valid) = (col.iter().position(|&v| v), col.iter().rposition(|&v| v));
    match (first_valid, last_valid) {
        (Some(f), _) if f > ch.first => format!("no price before {}, the window starts {}", date(f), date(ch.first)),
        (_, Some(l)) if l < ch.last => format!("no price after {}, the window ends {}", date(l), date(ch.last)),
        _ => {
            let missing: Vec<usize> = (ch.first..=ch.last).filter(|&t| !col[t]).collect();
            format!(
                "no price on {} of {} days (first missing {}, last missing {}); a gap longer than the fill limit ({} days)",
                missing.len(),
                ch.last - ch.first + 1,
                missing.first().map_or(String::new(), |&t| date(t).to_string()),
                missing.last().map_or(String::new(), |&t| date(t).to_string()),
                fill_limit
            )
        }
    }
}

/// Consecutive file dates left out of the table, grouped by reason.
fn dropped_ranges(ch: &Chosen, cal: &[usize], rows: usize, date: &dyn Fn(usize) -> NaiveDate) -> Vec<DroppedRange> {
    let mut pos = vec![None; rows];
    cal.iter().enumerate().for_each(|(t, &r)| pos[r] = Some(t));
    let reason = |r: usize| -> Option<&'static str> {
        match pos[r] {
            None => Some("at most half of the listed tickers have a price (not a trading day)"),
            Some(t) if t < ch.first => Some("before the window"),
            Some(t) if t > ch.last => Some("after the window"),
            Some(t) if ch.skip.binary_search(&t).is_ok() => Some("a ticker's gap longer than the fill limit"),
            Some(_) => None,
        }
    };
    let mut out: Vec<DroppedRange> = Vec::new();
    let mut prev: Option<(&str, usize)> = None;
    for r in 0..rows {
        let why = reason(r);
        match (why, &mut out.last_mut(), prev) {
            (Some(w), Some(last), Some((pw, pr))) if w == pw && pr + 1 == r => {
                last.last = date(r);
                last.days += 1;
            }
            (Some(w), _, _) => out.push(DroppedRange { first: date(r), last: date(r), days: 1, reason: w.to_string() }),
            (None, _, _) => {}
        }
        prev = why.map(|w| (w, r));
    }
    out
}
