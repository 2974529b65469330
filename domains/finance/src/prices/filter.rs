//! The rules that turn a raw panel with gaps into a complete price table:
//!
//! 1. keep dates inside the `[start, end]` window (both inclusive);
//! 2. tickers with no price at all in the window are dropped;
//! 3. the calendar is the set of dates on which more than half of the remaining tickers have a
//!    price; other dates (holidays of a few exchanges, stray rows) are dropped and counted;
//! 4. a ticker missing a price on any calendar date is dropped (late listing, delisting, gap);
//! 5. a ticker whose price never changes is dropped (its returns have zero variance);
//! 6. suspicious jumps (|daily log return| > threshold) are listed for the kept tickers, and with
//!    `drop_suspect` those tickers are dropped too.

use chrono::NaiveDate;
use ndarray::Axis;

use super::parse::RawPanel;
use super::{DroppedTicker, Format, PriceTable, ReadOptions, SuspectJump};

/// The complete (gap-free) table of `panel` under the rules above, with what was removed to get
/// it (`gzip` is set by the caller, which read the bytes).
pub fn apply(panel: RawPanel, opts: &ReadOptions, format: Format) -> PriceTable {
    let in_window = |d: &NaiveDate| opts.start.is_none_or(|s| *d >= s) && opts.end.is_none_or(|e| *d <= e);
    let rows: Vec<usize> = (0..panel.dates.len()).filter(|&i| in_window(&panel.dates[i])).collect();
    let window = panel.prices.select(Axis(0), &rows);
    let has = |i: usize, j: usize| !window[[i, j]].is_nan();

    let mut dropped: Vec<(usize, DroppedTicker)> = Vec::new();
    let drop = |dropped: &mut Vec<(usize, DroppedTicker)>, j: usize, reason: String| {
        dropped.push((j, DroppedTicker { ticker: panel.tickers[j].clone(), reason }));
    };

    // Rule 2.
    let mut active = Vec::new();
    for j in 0..panel.tickers.len() {
        if (0..rows.len()).any(|i| has(i, j)) {
            active.push(j);
        } else {
            let where_ = if opts.start.is_some() || opts.end.is_some() { "in the window" } else { "in the file" };
            drop(&mut dropped, j, format!("no price {where_}"));
        }
    }

    // Rule 3: strictly more than half of the active tickers.
    let (mut calendar, mut dropped_dates) = (Vec::new(), Vec::new());
    for (i, &row) in rows.iter().enumerate() {
        let priced = active.iter().filter(|&&j| has(i, j)).count();
        if 2 * priced > active.len() {
            calendar.push(i);
        } else {
            dropped_dates.push(panel.dates[row]);
        }
    }

    // Rules 4 and 5.
    let mut kept = Vec::new();
    for &j in &active {
        let missing: Vec<usize> = calendar.iter().copied().filter(|&i| !has(i, j)).collect();
        if let (Some(&first), Some(&last)) = (missing.first(), missing.last()) {
            let reason = format!(
                "no price on {} of {} days (first missing {}, last missing {})",
                missing.len(),
                calendar.len(),
                panel.dates[rows[first]],
                panel.dates[rows[last]]
            );
            drop(&mut dropped, j, reason);
        } else if calendar.len() > 1 && calendar.iter().all(|&i| window[[i, j]] == window[[calendar[0], j]]) {
            drop(
                &mut dropped,
                j,
                format!("price never changes over the {} days (zero-variance returns)", calendar.len()),
            );
        } else {
            kept.push(j);
        }
    }

    // Rule 6.
    let mut suspect = Vec::new();
    let mut suspect_tickers = Vec::new();
    for &j in &kept {
        let jumps: Vec<SuspectJump> = calendar
            .windows(2)
            .filter_map(|w| {
                let r = (window[[w[1], j]] / window[[w[0], j]]).ln();
                (r.abs() > opts.jump_threshold).then(|| SuspectJump {
                    ticker: panel.tickers[j].clone(),
                    date: panel.dates[rows[w[1]]],
                    log_return: r,
                })
            })
            .collect();
        if let Some(first) = jumps.first() {
            suspect_tickers.push(j);
            if opts.drop_suspect {
                let reason = format!(
                    "{} suspicious jump(s) (|daily log return| > {}), first {:+.4} on {}: likely an unadjusted split or spin-off",
                    jumps.len(),
                    opts.jump_threshold,
                    first.log_return,
                    first.date
                );
                drop(&mut dropped, j, reason);
            }
        }
        suspect.extend(jumps);
    }
    if opts.drop_suspect {
        kept.retain(|j| !suspect_tickers.contains(j));
    }

    dropped.sort_by_key(|(j, _)| *j);
    PriceTable {
        format,
        dates: calendar.iter().map(|&i| panel.dates[rows[i]]).collect(),
        tickers: kept.iter().map(|&j| panel.tickers[j].clone()).collect(),
        prices: window.select(Axis(0), &calendar).select(Axis(1), &kept),
        dropped: dropped.into_iter().map(|(_, d)| d).collect(),
        suspect,
        dropped_dates,
        gzip: false,
    }
}
