//! Telling a corporate action from a market move. A one-day |log return| above the threshold is a
//! *suspect* (an unadjusted split, a spin-off, a data error) only when fewer than
//! `shared_jump_tickers` tickers jumped that day: on a crash day in adjusted data (energy names on
//! 2020-03-09) several tickers fall together and none of them is a suspect. Each suspect carries
//! its price ratio, the simple split fraction it is near (after removing the market's move) and the
//! market's move (the cross-sectional median log return).

use chrono::NaiveDate;
use ndarray::Array2;
use satool_common::stats::median;

use super::{SharedJumpDay, SuspectJump};

/// Ratios of common splits, reverse splits and stock dividends (new price / old price).
const FRACTIONS: [(f64, &str); 16] = [
    (1.0 / 10.0, "1/10"),
    (1.0 / 5.0, "1/5"),
    (1.0 / 4.0, "1/4"),
    (1.0 / 3.0, "1/3"),
    (2.0 / 5.0, "2/5"),
    (1.0 / 2.0, "1/2"),
    (3.0 / 5.0, "3/5"),
    (2.0 / 3.0, "2/3"),
    (3.0 / 4.0, "3/4"),
    (4.0 / 3.0, "4/3"),
    (3.0 / 2.0, "3/2"),
    (2.0, "2"),
    (3.0, "3"),
    (4.0, "4"),
    (5.0, "5"),
    (10.0, "10"),
];

/// Relative distance within which a ratio counts as "near" a split fraction.
const NEAR: f64 = 0.03;

/// The split fraction `ratio` is within 3% of, if any.
pub fn near_split_fraction(ratio: f64) -> Option<&'static str> {
    FRACTIONS.iter().find(|(f, _)| (ratio / f - 1.0).abs() <= NEAR).map(|&(_, name)| name)
}

/// Suspect jumps and shared-jump days of a complete table (dates × tickers, positive prices).
pub(super) fn find(
    prices: &Array2<f64>,
    dates: &[NaiveDate],
    tickers: &[String],
    threshold: f64,
    shared: usize,
) -> (Vec<SuspectJump>, Vec<SharedJumpDay>) {
    let (mut suspects, mut days) = (Vec::new(), Vec::new());
    for t in 1..prices.nrows() {
        let g: Vec<f64> = (0..prices.ncols()).map(|j| (prices[[t, j]] / prices[[t - 1, j]]).ln()).collect();
        let jumping: Vec<usize> = (0..g.len()).filter(|&j| g[j].abs() > threshold).collect();
        if jumping.is_empty() {
            continue;
        }
        let market = median(&g).unwrap_or(0.0);
        if jumping.len() >= shared.max(2) {
            let tickers = jumping.iter().map(|&j| tickers[j].clone()).collect();
            days.push(SharedJumpDay { date: dates[t], tickers, market_log_return: market });
            continue;
        }
        for &j in &jumping {
            suspects.push(SuspectJump {
                ticker: tickers[j].clone(),
                date: dates[t],
                log_return: g[j],
                ratio: g[j].exp(),
                near_split: near_split_fraction((g[j] - market).exp()),
                market_log_return: market,
                tickers_jumping: jumping.len(),
            });
        }
    }
    // Ticker by ticker, as the table lists them.
    suspects.sort_by_key(|s| tickers.iter().position(|k| *k == s.ticker));
    (suspects, days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions() {
        assert_eq!(near_split_fraction(0.5), Some("1/2"));
        assert_eq!(near_split_fraction(0.49), Some("1/2"));
        assert_eq!(near_split_fraction(0.431), None);
        assert_eq!(near_split_fraction(0.335), Some("1/3"));
        assert_eq!(near_split_fraction(1.49), Some("3/2"));
        assert_eq!(near_split_fraction(1.0), None);
    }

    #[test]
    fn crash_day_is_shared_and_split_is_suspect() {
        // 6 tickers, 5 days; day 2: tickers 0–2 fall by half together; day 4: ticker 5 splits 2:1.
        let mut p = Array2::from_elem((5, 6), 100.0);
        for t in 1..5 {
            for j in 0..6 {
                p[[t, j]] = p[[t - 1, j]] * (1.0 + 0.001 * (j as f64 - 2.0));
            }
        }
        for t in 2..5 {
            for j in 0..3 {
                p[[t, j]] *= 0.45;
            }
        }
        p[[4, 5]] /= 2.0;
        let dates: Vec<NaiveDate> = (1..=5).map(|d| NaiveDate::from_ymd_opt(2020, 3, d).unwrap()).collect();
        let names: Vec<String> = (0..6).map(|j| format!("T{j}")).collect();
        let (s, days) = find(&p, &dates, &names, 0.5, 3);
        assert_eq!(days.len(), 1);
        assert_eq!((days[0].date, days[0].tickers.len()), (dates[2], 3));
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].ticker.as_str(), s[0].date, s[0].tickers_jumping), ("T5", dates[4], 1));
        assert_eq!(s[0].near_split, Some("1/2"));
        assert!((s[0].ratio - 0.5 * 1.003).abs() < 1e-12);
        // Market: the median of the six daily returns on day 4 (tickers 2 and 3: −0 and +0.1%).
        let want = 0.5 * (0.999f64.ln() + 1.0f64.ln());
        assert!((s[0].market_log_return - want).abs() < 1e-12, "{}", s[0].market_log_return);
        // With a higher bar for "shared", the crash tickers become suspects too.
        assert_eq!(find(&p, &dates, &names, 0.5, 4).0.len(), 4);
    }
}
