//! `--backtest-split`: the memory is built from the days before the split, and each method's
//! one-day portfolio VaR (from its scenarios) is counted against the days from the split on.

use super::risk::Weights;
use super::{FinanceMethod, Scenarios};
use crate::input_err;
use crate::output::table;
use anyhow::Result;
use chrono::NaiveDate;
use ndarray::{s, Array2};
use satool_finance as fin;
use serde::Serialize;
use std::path::Path;

/// Fewest return days on each side of the split.
const MIN_TRAIN: usize = 60;
const MIN_TEST: usize = 20;

/// Where the history ends and the backtest begins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Split {
    /// Return days dated on or after this date are held out.
    Date(NaiveDate),
    /// This share of the return days (the first ones) is the history; the rest is held out.
    Fraction(f64),
}

impl Split {
    /// `YYYY-MM-DD` or a fraction in (0, 1).
    pub fn parse(s: &str) -> Result<Split> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Split::Date(d));
        }
        match s.parse::<f64>() {
            Ok(f) if f > 0.0 && f < 1.0 => Ok(Split::Fraction(f)),
            _ => Err(Split::refused(s)),
        }
    }

    /// The error for a `--backtest-split` value (shown as `shown`) that is neither.
    pub fn refused(shown: &str) -> anyhow::Error {
        input_err!("--backtest-split: '{shown}' is neither a date (YYYY-MM-DD) nor a fraction in (0, 1)")
    }
}

/// The held-out days.
pub(super) struct HeldOut {
    pub test: Array2<f64>,
    pub description: String,
}

/// Splits the returns (row t dated `dates[t + 1]`) into the history and the held-out days.
pub(super) fn split(
    g: Array2<f64>,
    dates: &[NaiveDate],
    split: Option<&Split>,
    prices: &Path,
) -> Result<(Array2<f64>, Option<HeldOut>)> {
    let Some(split) = split else { return Ok((g, None)) };
    let k = g.nrows();
    let cut = match *split {
        Split::Date(d) => (0..k).find(|&t| dates[t + 1] >= d).unwrap_or(k),
        Split::Fraction(f) => (f * k as f64).floor() as usize,
    };
    if cut < MIN_TRAIN || k - cut < MIN_TEST {
        return Err(input_err!(
            "--backtest-split: {}: {cut} return days before the split and {} from it; at least {MIN_TRAIN} and \
             {MIN_TEST} are needed",
            prices.display(),
            k - cut
        ));
    }
    let day = |t: usize| dates[t + 1].format("%Y-%m-%d").to_string();
    let description = format!(
        "history {}..{} ({cut} days), backtest {}..{} ({} days)",
        day(0),
        day(cut - 1),
        day(cut),
        day(k - 1),
        k - cut
    );
    let test = g.slice(s![cut.., ..]).to_owned();
    Ok((g.slice(s![..cut, ..]).to_owned(), Some(HeldOut { test, description })))
}

/// One method's backtests, one per VaR level.
#[derive(Debug, Serialize)]
pub struct MethodBacktest {
    pub id: FinanceMethod,
    pub tests: Vec<fin::backtest::Backtest>,
}

/// Every method's backtest on the held-out days.
#[derive(Debug, Serialize)]
pub struct BacktestResults {
    pub split: String,
    pub var_rule: &'static str,
    pub methods: Vec<MethodBacktest>,
}

/// Backtests each method's 1-day VaR at every level of [`fin::risk::LEVELS`].
pub(super) fn evaluate(held: &HeldOut, weights: &Weights, scenarios: &[Scenarios]) -> Result<BacktestResults> {
    let realised = weights.portfolio_returns(held.test.view(), "the held-out days")?;
    let methods = scenarios
        .iter()
        .map(|s| -> Result<MethodBacktest> {
            let mut port = super::risk::scenario_portfolio(weights, s)?.into_owned();
            port.sort_by(f64::total_cmp);
            let tests = fin::risk::LEVELS
                .iter()
                .map(|&c| fin::backtest::backtest(fin::risk::var_es(&port, c).var, c, &realised))
                .collect();
            Ok(MethodBacktest { id: s.method, tests })
        })
        .collect::<Result<_>>()?;
    Ok(BacktestResults {
        split: held.description.clone(),
        var_rule: "one constant 1-day VaR per method and level, from its scenarios' portfolio returns; an exceedance \
                   is a held-out day with a larger loss; Kupiec (unconditional coverage) and Christoffersen \
                   (independence) likelihood ratios, χ²(1) p-values",
        methods,
    })
}

/// The backtest table: at 95% and 99%, exceedances (expected) and both p-values per method.
pub fn backtest_table(r: &BacktestResults) -> String {
    let shown = [0.95, 0.99];
    let mut header = vec!["id".to_string()];
    for c in shown {
        let c = 100.0 * c;
        header.extend([format!("exceed {c}% (exp.)"), "p Kupiec".to_string(), "p Chr.".to_string()]);
    }
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let mut row = vec![m.id.to_string()];
            for c in shown {
                if let Some(b) = m.tests.iter().find(|b| b.level == c) {
                    row.extend([
                        format!("{} ({:.1})", b.exceedances, b.expected),
                        format!("{:.3}", b.p_uc),
                        format!("{:.3}", b.p_ind),
                    ]);
                }
            }
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let caption = format!(
        "VaR backtest of each method's 1-day VaR (p-values: Kupiec unconditional coverage, Christoffersen \
         independence)\n{}",
        r.split
    );
    format!("{}\n{}", table::wrap_lines(&caption, table::TEXT_WIDTH), table::table_from(&header, rows, 1))
}
