//! What the price reader kept and left out — tickers, date ranges, filled days, suspect jumps —
//! for results.json, the header and tickers.csv. Nothing is dropped without a line here.

use super::{date, Dropped, DroppedDates, SharedJumps, Suspect, TickerRow, Tickers};
use satool_finance as fin;

/// The reason of a ticker dropped for constant returns over a training window begins so.
const CONSTANT_OVER: &str = "constant returns over";
/// How many entries of each list the header shows (all of them are in results.json and tickers.csv).
const SHOWN: usize = 10;

/// The `tickers` block of results.json from a table as read.
pub(super) fn tickers(t: &fin::PriceTable, jump_threshold: f64) -> Tickers {
    let c = &t.coverage;
    Tickers {
        kept: t.tickers.clone(),
        dropped: t.dropped.iter().map(|d| Dropped { ticker: d.ticker.clone(), reason: d.reason.clone() }).collect(),
        suspect: t
            .suspect
            .iter()
            .map(|s| Suspect {
                ticker: s.ticker.clone(),
                date: date(&s.date),
                log_return: s.log_return,
                ratio: s.ratio,
                near_split: s.near_split,
                market_log_return: s.market_log_return,
                tickers_jumping: s.tickers_jumping,
            })
            .collect(),
        window: c.window.clone(),
        fill_limit: c.fill_limit,
        jump_threshold,
        coverage: c
            .tickers
            .iter()
            .map(|k| TickerRow {
                ticker: k.ticker.clone(),
                status: if k.kept { "kept" } else { "dropped" },
                first_date: k.first_date.as_ref().map(date),
                last_date: k.last_date.as_ref().map(date),
                filled_days: k.filled_days,
                reason: k.reason.clone(),
            })
            .collect(),
        dropped_dates: c
            .dropped_ranges
            .iter()
            .map(|r| DroppedDates {
                first: date(&r.first),
                last: date(&r.last),
                days: r.days,
                reason: r.reason.clone(),
            })
            .collect(),
        shared_jump_days: c
            .shared_jump_days
            .iter()
            .map(|d| SharedJumps {
                date: date(&d.date),
                tickers: d.tickers.clone(),
                market_log_return: d.market_log_return,
            })
            .collect(),
    }
}

/// Header lines: the window, the filled days, every dropped ticker and date range (the first
/// `SHOWN` of each), the suspect jumps and the shared-jump days.
pub fn header_lines(t: &Tickers) -> String {
    let filled: Vec<&TickerRow> = t.coverage.iter().filter(|k| k.filled_days > 0).collect();
    let mut h = format!(
        "window: {}; gaps of ≤ {} trading days forward-filled ({} day(s) in {} ticker(s))\n",
        t.window,
        t.fill_limit,
        filled.iter().map(|k| k.filled_days).sum::<usize>(),
        filled.len()
    );
    let more = |h: &mut String, n: usize, what: &str| {
        if n > SHOWN {
            *h += &format!("  … and {} more {what} (all in results.json and tickers.csv)\n", n - SHOWN);
        }
    };
    for d in t.dropped.iter().take(SHOWN) {
        h += &format!("  dropped {}: {}\n", d.ticker, d.reason);
    }
    more(&mut h, t.dropped.len(), "dropped tickers");
    if t.dropped.iter().any(|d| !d.reason.starts_with(CONSTANT_OVER)) {
        h += "  (--window common keeps every ticker; --fill-limit N fills longer gaps; --min-tickers N sets the longest window's bar)\n";
    }
    for r in t.dropped_dates.iter().take(SHOWN) {
        h += &format!("  dropped dates {} → {} ({} day(s)): {}\n", r.first, r.last, r.days, r.reason);
    }
    more(&mut h, t.dropped_dates.len(), "dropped date ranges");
    for s in t.suspect.iter().take(SHOWN) {
        h += &format!(
            "  suspect: {} on {}: ratio {:.3} (log {:+.3}){}; market {:+.3}; {} ticker(s) jumped that day\n",
            s.ticker,
            s.date,
            s.ratio,
            s.log_return,
            s.near_split.map_or(String::new(), |f| format!(", near a {f} split")),
            s.market_log_return,
            s.tickers_jumping
        );
    }
    more(&mut h, t.suspect.len(), "suspect jumps");
    for d in t.shared_jump_days.iter().take(SHOWN) {
        h += &format!(
            "  market move, not a suspect: {} tickers jumped on {} (market {:+.3}): {}\n",
            d.tickers.len(),
            d.date,
            d.market_log_return,
            d.tickers.join(", ")
        );
    }
    more(&mut h, t.shared_jump_days.len(), "shared-jump days");
    h
}

/// tickers.csv: every ticker of the input, kept or dropped, with its price span, filled days and
/// the reason it was dropped.
pub fn tickers_csv(t: &Tickers) -> String {
    let mut s = String::from("ticker,status,first_date,last_date,filled_days,reason\n");
    for k in &t.coverage {
        s += &format!(
            "{},{},{},{},{},{}\n",
            csv_field(&k.ticker),
            k.status,
            k.first_date.as_deref().unwrap_or(""),
            k.last_date.as_deref().unwrap_or(""),
            k.filled_days,
            csv_field(&k.reason)
        );
    }
    s
}

/// A CSV field, quoted (quotes doubled) when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Drops from `table` the tickers whose returns are constant over `window` (the days a run's
/// methods learn from; `what` names them): nothing there to model (GARCH has no variance, the
/// metrics no sd). Returns the one-line warning naming them, or `None` when every ticker moves; an
/// input error when fewer than two tickers would be left.
pub(super) fn drop_constant(
    table: &mut fin::PriceTable,
    window: ndarray::ArrayView2<f64>,
    what: &str,
    prices: &std::path::Path,
) -> anyhow::Result<Option<String>> {
    let constant: Vec<usize> =
        (0..window.ncols()).filter(|&j| satool_common::stats::is_constant(window.column(j))).collect();
    if constant.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = constant.iter().map(|&j| table.tickers[j].clone()).collect();
    let reason = format!("{CONSTANT_OVER} {what}");
    if table.tickers.len() - constant.len() < fin::prices::MIN_TICKERS {
        return Err(crate::input_err!(
            "{}: every ticker but {} has {reason} ({}), and at least {} tickers must move; choose a window where they do",
            prices.display(),
            table.tickers.len() - constant.len(),
            names.join(", "),
            fin::prices::MIN_TICKERS
        ));
    }
    table.drop_tickers(&constant, &reason);
    Ok(Some(format!("dropped {} ticker(s) with {reason}: {}", names.len(), names.join(", "))))
}
