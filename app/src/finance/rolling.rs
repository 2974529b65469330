//! `--backtest START..END`: a rolling VaR backtest. For every return day of the range, each
//! method forecasts that day's 1-day portfolio VaR from the data up to the day before, and the
//! forecasts are counted against the realised portfolio returns.
//!
//! The memory, the `sa_paths` volatility states and the GARCH parameters are refitted every
//! `--refit-every` backtest days on all the days before the refit; between refits only the
//! states move, one realised day at a time (the `sa_paths` EWMA state, each ticker's GARCH
//! variance). Blocks of days between refits are independent, so they run in parallel; every
//! day's `sa_paths` draws come from the day's own stream (`sa_paths/backtest/<date>`), each the
//! first day of a path of the `--paths-state` generator from the day's state.

use super::history::History;
use super::paths::{Forecaster, VolState};
use super::risk::{self, Weights};
use super::{date, FinanceJob, FinanceMethod, InputInfo, Tickers};
use crate::input_err;
use crate::output::table;
use crate::progress::Progress;
use anyhow::Result;
use chrono::NaiveDate;
use ndarray::{s, Array2, ArrayView2};
use rayon::prelude::*;
use satool_finance as fin;
use serde::Serialize;
use std::ops::Range;
use std::time::Instant;

/// The methods a rolling backtest can run (its default `--methods`).
pub const ROLLING_METHODS: [FinanceMethod; 3] =
    [FinanceMethod::Historical, FinanceMethod::GarchFhs, FinanceMethod::SaPaths];
/// One-day `sa_paths` draws per backtest day (the VaR is their empirical quantile).
pub const DRAWS_PER_DAY: usize = 10_000;
/// The compounded return of consecutive daily portfolio returns.
fn compound(days: &[f64]) -> f64 {
    fin::risk::compound(ndarray::ArrayView1::from(days))
}

/// Fewest days a condition must keep before a refit.
const MIN_KEPT: usize = 30;
/// Fewest return days before the first backtest day, and fewest backtest days.
const MIN_TRAIN: usize = 60;
const MIN_TEST: usize = 20;
/// Draws turned into portfolio returns at a time.
const DRAW_CHUNK: usize = 256;
/// Path days an H-day forecast holds at a time (whole paths, at least one): its memory does not
/// grow with H or with the paths per block.
const PATH_DAYS_HELD: usize = 2_560;
/// H-day paths per H-day block and method (`sa_paths`, `garch_fhs`).
pub const PATHS_PER_BLOCK: usize = 10_000;

/// How the forecasts are made, as results.json states it.
const VAR_RULE: &str = "day t's 1-day VaR_c forecast from the return days before t: historical = −quantile_{1−c} \
(linear) of every portfolio day before t; garch_fhs = per-ticker GARCH(1,1) fitted at the last refit, its variance \
filtered through the days since (arch's forecast(start=…)), the portfolio of μ + σ_t·z_k over every residual day k of \
the fit (filtered historical simulation); sa_paths = the quantile of 10,000 one-day draws of the --paths-state \
generator (paths_state; ewma when absent) from its volatility state after day t − 1 (the state moved with each \
realised day since the refit, the memory and its states those of the refit; each draw the first day of an --as-of \
path from that state); refits on the first backtest day and every --refit-every days after it, on all the days before; an \
exceedance is a day whose portfolio simple return is below −VaR; Kupiec (unconditional coverage), Christoffersen \
(independence) and conditional coverage (their sum, χ²(2)) likelihood ratios; Basel zone at 99% by the binomial \
rule (green 0–4, yellow 5–9, red 10+ exceedances in 250 days)";

/// `--backtest START..END --refit-every N`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rolling {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub refit_every: usize,
    /// `--backtest-horizon H`: the H-day VaR is also backtested on the non-overlapping H-day
    /// blocks of the range (1: the 1-day backtest only).
    pub horizon: usize,
}

/// One level's backtest of one method, with the days it was exceeded.
#[derive(Debug, Serialize)]
pub struct RollingTest {
    #[serde(flatten)]
    pub test: fin::backtest::Backtest,
    /// At 99% only: the Basel traffic-light zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basel_zone: Option<&'static str>,
    pub exceedance_dates: Vec<String>,
}

/// One method's backtests, one per level of [`fin::risk::LEVELS`].
#[derive(Debug, Serialize)]
pub struct RollingMethod {
    pub id: FinanceMethod,
    pub tests: Vec<RollingTest>,
    /// The H-day VaR on the non-overlapping H-day blocks (absent with `--backtest-horizon 1`);
    /// each exceedance is named by its block's first day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizon_tests: Option<Vec<RollingTest>>,
}

/// Time spent per step, summed over the blocks (thread seconds), and the wall time.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RollingTiming {
    pub wall_seconds: f64,
    /// Memory and volatility states of `sa_paths` at each refit.
    pub refit_memory: f64,
    /// GARCH fits at each refit.
    pub refit_garch: f64,
    /// Moving the states and the GARCH variances one day at a time.
    pub daily_state: f64,
    /// The `sa_paths` draws and their quantiles.
    pub sa_paths_draws: f64,
    /// The garch_fhs scenarios and their quantiles.
    pub garch_scenarios: f64,
    pub historical: f64,
}

impl RollingTiming {
    fn add(&mut self, o: &RollingTiming) {
        self.refit_memory += o.refit_memory;
        self.refit_garch += o.refit_garch;
        self.daily_state += o.daily_state;
        self.sa_paths_draws += o.sa_paths_draws;
        self.garch_scenarios += o.garch_scenarios;
        self.historical += o.historical;
    }
}

/// results.json of a rolling backtest.
#[derive(Debug, Serialize)]
pub struct RollingResults {
    pub domain: &'static str,
    pub mode: &'static str,
    pub input: InputInfo,
    pub tickers: Tickers,
    pub weights: String,
    pub first_date: String,
    pub last_date: String,
    pub days: usize,
    pub refit_every: usize,
    pub refits: usize,
    /// Return days before the first backtest day (the history of the first refit).
    pub history_days: usize,
    pub draws_per_day: usize,
    /// H of the H-day backtest, its blocks (the first one starts on the first backtest day; a
    /// last incomplete block is left out) and the paths each H-day forecast draws.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizon: Option<HorizonInfo>,
    pub beta: f64,
    /// `--paths-state`: the generator of `sa_paths` (left out when it is the default, `ewma`).
    #[serde(skip_serializing_if = "super::results::is_ewma")]
    pub paths_state: super::PathsState,
    /// `--paths-state ewma-leverage`: sa_paths' leverage γ as fitted at each refit, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths_leverage: Vec<RefitLeverage>,
    pub seed: u64,
    pub var_rule: &'static str,
    /// With `--condition-dates` or `--condition-regime`: what each forecast was conditioned on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<RollingCondition>,
    pub methods: Vec<RollingMethod>,
    pub timing: RollingTiming,
    /// Tickers dropped for constant returns over the first refit's days.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The leverage γ of `--paths-state ewma-leverage` fitted at one refit (on the days before `refit`).
#[derive(Debug, Serialize)]
pub struct RefitLeverage {
    pub refit: String,
    pub gamma: f64,
}

/// A conditioned rolling backtest's condition.
#[derive(Debug, Serialize)]
pub struct RollingCondition {
    pub description: String,
    pub rule: &'static str,
}

/// How a condition enters a rolling backtest, as results.json states it.
const CONDITION_RULE: &str = "at each refit the condition is judged on the return days before it alone (a regime's \
volatility quantile among those days; a date range cut at the refit), and until the next refit every method draws \
from the days it keeps: historical = the kept days' portfolio returns (H-day: the compounded returns of H consecutive days starting \
on a kept day); garch_fhs = the GARCH fit and variance filter on every day, its scenarios from the kept days' \
standardised residuals only; sa_paths = the memory and volatility states of the kept days, the state of each \
forecast moved through every realised day up to the evening before (in the kept days' units); at least 30 kept days \
per refit";

/// The H-day backtest's blocks.
#[derive(Debug, Serialize)]
pub struct HorizonInfo {
    pub days: usize,
    pub blocks: usize,
    pub paths_per_block: usize,
    pub var_rule: &'static str,
}

/// How the H-day forecasts are made, as results.json states it.
const HORIZON_RULE: &str = "the range is cut into non-overlapping H-day blocks from its first day (a last incomplete block is left out); each block's H-day VaR_c is forecast on the evening before its first day, from the same data as that day's 1-day forecast: historical = −quantile_{1−c} (linear) of the compounded returns of every H consecutive portfolio days before the block; garch_fhs = 10,000 FHS paths of H days from each ticker's variance that evening (each day one residual day of the fit for every ticker, the GARCH recursion moving the variance); sa_paths = 10,000 paths of H days of the --paths-state generator from its volatility state that evening; an H-day return compounds its daily portfolio returns, and an exceedance is a block whose realised H-day return is below −VaR; the same tests as the 1-day VaR, on the blocks";

/// A rolling backtest: its results and the day-by-day series (backtest.csv, the report's figure).
#[derive(Debug)]
pub struct RollingRun {
    pub results: RollingResults,
    pub dates: Vec<NaiveDate>,
    /// The portfolio's simple return of each backtest day.
    pub realised: Vec<f64>,
    /// Per method (in `results.methods` order), per level, the VaR forecast of each day.
    pub var: Vec<Vec<Vec<f64>>>,
    /// Whether the memory was refitted before the day.
    pub refit: Vec<bool>,
    /// The H-day blocks (with `--backtest-horizon` H > 1): the index of each block's first day
    /// in `dates`, its realised H-day return and, per method and level, its H-day VaR.
    pub blocks: Vec<usize>,
    pub realised_h: Vec<f64>,
    pub var_h: Vec<Vec<Vec<f64>>>,
}

/// What one block of days between refits forecasts: per method, per day, the VaR per level;
/// per method, per H-day block starting in it, the H-day VaR per level.
struct BlockOut {
    var: Vec<Vec<[f64; 4]>>,
    var_h: Vec<Vec<[f64; 4]>>,
    /// `sa_paths`' leverage γ fitted at the block's refit (`--paths-state ewma-leverage`).
    leverage: Option<f64>,
    timing: RollingTiming,
}

/// The VaR at every level of [`fin::risk::LEVELS`] of unsorted portfolio returns.
fn vars(mut port: Vec<f64>) -> [f64; 4] {
    port.sort_by(f64::total_cmp);
    fin::risk::LEVELS.map(|c| fin::risk::var_es(&port, c).var)
}

/// The VaRs of [`PATHS_PER_BLOCK`] paths of `horizon` days, `draw(n, buf)` appending the next n
/// paths (days × `d` tickers each, row-major) to `buf`: `held` path days at a time (whole paths,
/// at least one), each path's portfolio return compounded from its days. The draws, and so the
/// VaRs, do not depend on `held` when `draw` takes each path after the previous one from one
/// stream.
fn h_day_vars(
    weights: &Weights,
    (d, horizon): (usize, usize),
    held: usize,
    what: &str,
    mut draw: impl FnMut(usize, &mut Vec<f64>),
) -> Result<[f64; 4]> {
    let per_batch = (held / horizon).max(1);
    let (mut port, mut buf) = (Vec::with_capacity(PATHS_PER_BLOCK), Vec::new());
    let mut left = PATHS_PER_BLOCK;
    while left > 0 {
        let n = left.min(per_batch);
        buf.clear();
        draw(n, &mut buf);
        let rows = ArrayView2::from_shape((buf.len() / d, d), &buf)?;
        port.extend(weights.portfolio_returns(rows, what)?.chunks(horizon).map(compound));
        left -= n;
    }
    Ok(vars(port))
}

/// The data a block reads: the returns and portfolio returns of every day (only those before
/// each forecast's day are used), and the run's settings.
struct Inputs<'a> {
    job: &'a FinanceJob,
    g: ArrayView2<'a, f64>,
    port: &'a [f64],
    dates: &'a [NaiveDate],
    weights: &'a Weights,
    /// The backtest's return rows and H (the H-day blocks start at `rows.start + i·H`).
    rows: Range<usize>,
    horizon: usize,
}

impl Inputs<'_> {
    /// The first days of the H-day blocks among `days` (none when H = 1).
    fn block_starts(&self, days: &Range<usize>) -> Vec<usize> {
        let h = self.horizon;
        if h < 2 {
            return Vec::new();
        }
        days.clone().filter(|&t| (t - self.rows.start).is_multiple_of(h) && t + h <= self.rows.end).collect()
    }

    /// With `--condition-*`: the return rows before `start` that the condition keeps, judged on
    /// those days alone (at least [`MIN_KEPT`]); None without a condition.
    fn kept_before(&self, start: usize) -> Result<Option<Vec<usize>>> {
        let Some(c) = &self.job.condition else { return Ok(None) };
        let kept = c.select(&self.g.slice(s![..start, ..]).to_owned(), self.dates);
        if kept.len() < MIN_KEPT {
            return Err(input_err!(
                "--backtest: the condition ({}) keeps {} of the {start} return days before {}; at least {MIN_KEPT} are \
                 needed",
                c.describe(),
                kept.len(),
                date(&self.dates[start + 1])
            ));
        }
        Ok(Some(kept))
    }
}

/// Per day, the VaRs; per H-day block starting among the days, the H-day VaRs.
type Forecasts = (Vec<[f64; 4]>, Vec<[f64; 4]>);

/// `sa_paths`: the memory of the days before the block, then for each day of the block the state
/// after the day before and the VaR of its draws (and of H-day paths from that state).
fn sa_block(
    inp: &Inputs,
    days: Range<usize>,
    kept: Option<&[usize]>,
    timing: &mut RollingTiming,
    leverage: &mut Option<f64>,
) -> Result<Forecasts> {
    let t = Instant::now();
    let before = inp.g.slice(s![..days.start, ..]);
    let h = match kept {
        None => History::days_only(before.to_owned(), inp.dates[1..=days.start].to_vec())?,
        Some(kept) => {
            History::days_only(before.select(ndarray::Axis(0), kept), kept.iter().map(|&k| inp.dates[k + 1]).collect())?
        }
    };
    let gen = Forecaster::new(&h, inp.job.beta, inp.job.paths_state);
    *leverage = gen.leverage();
    timing.refit_memory += t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut state = gen.after_last();
    if kept.is_some() {
        // The state of the realised days up to the refit (not of the kept days alone), in the
        // kept days' units: the EWMA run through every day before the refit.
        state = before.rows().into_iter().fold(state, |s, day| gen.advance(s, day));
    }
    let mut each_day: Vec<(usize, VolState)> = Vec::with_capacity(days.len());
    for day in days.clone() {
        if day > days.start {
            state = gen.advance(state, inp.g.row(day - 1));
        }
        each_day.push((day, state));
    }
    timing.daily_state += t.elapsed().as_secs_f64();
    let t = Instant::now();
    let d = inp.g.ncols();
    let out = each_day
        .par_iter()
        .map(|&(day, state)| -> Result<[f64; 4]> {
            let mut rng = satool::stream(inp.job.seed, &format!("sa_paths/backtest/{}", date(&inp.dates[day + 1])));
            let mut port = Vec::with_capacity(DRAWS_PER_DAY);
            let mut buf = Vec::with_capacity(DRAW_CHUNK * d);
            let mut left = DRAWS_PER_DAY;
            while left > 0 {
                let n = left.min(DRAW_CHUNK);
                buf.clear();
                gen.paths(state, n, 1, &mut rng, |row| buf.extend_from_slice(row));
                let rows = ArrayView2::from_shape((n, d), &buf)?;
                port.extend(inp.weights.portfolio_returns(rows, "the sa_paths draws")?);
                left -= n;
            }
            Ok(vars(port))
        })
        .collect::<Result<Vec<_>>>()?;
    let starts = inp.block_starts(&days);
    let out_h = starts
        .into_par_iter()
        .map(|day| -> Result<[f64; 4]> {
            let state = each_day[day - days.start].1;
            let id = format!("sa_paths/backtest/h{}/{}", inp.horizon, date(&inp.dates[day + 1]));
            let mut rng = satool::stream(inp.job.seed, &id);
            h_day_vars(inp.weights, (d, inp.horizon), PATH_DAYS_HELD, "the sa_paths paths", |n, buf| {
                gen.paths(state, n, inp.horizon, &mut rng, |p| buf.extend_from_slice(p))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    timing.sa_paths_draws += t.elapsed().as_secs_f64();
    Ok((out, out_h))
}

/// `garch_fhs`: every ticker fitted on the days before the block, its variance filtered through
/// the block's days; each day's scenarios are μ + σ_t·z_k over the fit's residual days k.
fn garch_block(
    inp: &Inputs,
    days: Range<usize>,
    kept: Option<&[usize]>,
    timing: &mut RollingTiming,
) -> Result<Forecasts> {
    let t = Instant::now();
    let mut panel = fin::garch::GarchPanel::fit(inp.g.slice(s![..days.start, ..])).map_err(|e| {
        input_err!(
            "--backtest: garch_fhs on the {} return days before {}: {e}; leave garch_fhs out of --methods",
            days.start,
            date(&inp.dates[days.start + 1])
        )
    })?;
    if let Some(kept) = kept {
        // Filtered historical simulation from the kept days' residuals only.
        panel.std_resid = panel.std_resid.select(ndarray::Axis(0), kept);
    }
    timing.refit_garch += t.elapsed().as_secs_f64();
    let t = Instant::now();
    // sd[j][day - days.start]: ticker j's forecast sd for the day.
    let sd: Vec<Vec<f64>> = panel
        .fits
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let r = inp.g.slice(s![..days.end, j]).to_vec();
            f.one_day_variances(&r)[days.clone()].iter().map(|v| v.sqrt()).collect()
        })
        .collect();
    timing.daily_state += t.elapsed().as_secs_f64();
    let t = Instant::now();
    let z = &panel.std_resid;
    let out = days
        .clone()
        .into_par_iter()
        .map(|day| -> Result<[f64; 4]> {
            let i = day - days.start;
            let scen = Array2::from_shape_fn(z.dim(), |(k, j)| panel.fits[j].params.mu + sd[j][i] * z[[k, j]]);
            Ok(vars(inp.weights.portfolio_returns(scen.view(), "the garch_fhs scenarios")?))
        })
        .collect::<Result<Vec<_>>>()?;
    let out_h = inp
        .block_starts(&days)
        .into_par_iter()
        .map(|day| -> Result<[f64; 4]> {
            let i = day - days.start;
            let start: Vec<f64> = sd.iter().map(|s| s[i] * s[i]).collect();
            let id = format!("garch_fhs/backtest/h{}/{}", inp.horizon, date(&inp.dates[day + 1]));
            let mut rng = satool::stream(inp.job.seed, &id);
            h_day_vars(inp.weights, (z.ncols(), inp.horizon), PATH_DAYS_HELD, "the garch_fhs paths", |n, buf| {
                buf.extend(panel.simulate_from(&start, n, inp.horizon, &mut rng).iter())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    timing.garch_scenarios += t.elapsed().as_secs_f64();
    Ok((out, out_h))
}

/// `historical`: every portfolio day before the day (H-day: every H-day compounded return of consecutive days
/// before the block); with a condition, the days it kept at the refit (H-day: the sums starting on
/// one of them).
fn historical_block(inp: &Inputs, days: &Range<usize>, kept: Option<&[usize]>) -> Forecasts {
    let h = inp.horizon;
    let starts = inp.block_starts(days);
    let sums = |day: usize| -> Vec<f64> { inp.port[..day].windows(h).map(compound).collect() };
    match kept {
        None => (
            days.clone().map(|day| vars(inp.port[..day].to_vec())).collect(),
            starts.into_iter().map(|day| vars(sums(day))).collect(),
        ),
        Some(kept) => {
            let one = vars(kept.iter().map(|&k| inp.port[k]).collect());
            let many = starts
                .into_iter()
                .map(|day| {
                    let all = sums(day);
                    vars(kept.iter().filter_map(|&k| all.get(k).copied()).collect())
                })
                .collect();
            (vec![one; days.len()], many)
        }
    }
}

/// The leverage each refit block fitted, dated by its first day (return row t is dated `dates[t + 1]`).
fn refit_leverage(blocks: &[Range<usize>], outs: &[BlockOut], dates: &[NaiveDate]) -> Vec<RefitLeverage> {
    (blocks.iter().zip(outs))
        .filter_map(|(b, o)| o.leverage.map(|gamma| RefitLeverage { refit: date(&dates[b.start + 1]), gamma }))
        .collect()
}

/// One block of days between refits, every method.
fn block(inp: &Inputs, days: Range<usize>) -> Result<BlockOut> {
    let mut timing = RollingTiming::default();
    let (mut var, mut var_h, mut leverage) = (Vec::new(), Vec::new(), None);
    let kept = inp.kept_before(days.start)?;
    for &m in &inp.job.methods {
        let (v, vh) = match m {
            FinanceMethod::Historical => {
                let t = Instant::now();
                let out = historical_block(inp, &days, kept.as_deref());
                timing.historical += t.elapsed().as_secs_f64();
                out
            }
            FinanceMethod::GarchFhs => garch_block(inp, days.clone(), kept.as_deref(), &mut timing)?,
            FinanceMethod::SaPaths => sa_block(inp, days.clone(), kept.as_deref(), &mut timing, &mut leverage)?,
            other => unreachable!("{other} is refused before any block runs"),
        };
        var.push(v);
        var_h.push(vh);
    }
    Ok(BlockOut { var, var_h, leverage, timing })
}

/// The return rows (row t dated `dates[t + 1]`) of the backtest range, checked.
fn test_rows(spec: &Rolling, dates: &[NaiveDate], prices: &std::path::Path) -> Result<Range<usize>> {
    let k = dates.len() - 1;
    let first = (0..k).find(|&t| dates[t + 1] >= spec.start).unwrap_or(k);
    let end = (0..k).rev().find(|&t| dates[t + 1] <= spec.end).map_or(0, |t| t + 1);
    if first < MIN_TRAIN || end < first + MIN_TEST {
        return Err(input_err!(
            "--backtest {}..{}: {}: {first} return days before the range and {} in it; at least {MIN_TRAIN} and \
             {MIN_TEST} are needed",
            date(&spec.start),
            date(&spec.end),
            prices.display(),
            end.saturating_sub(first)
        ));
    }
    if spec.horizon > end - first {
        return Err(input_err!(
            "--backtest-horizon {}: longer than the {} backtest days of {}..{}",
            spec.horizon,
            end - first,
            date(&spec.start),
            date(&spec.end)
        ));
    }
    Ok(first..end)
}

/// The prices of a rolling backtest, the rows of its range and its warnings (printed): a ticker
/// constant before the range is dropped for the whole backtest, and a blend state's forecasts are
/// thin.
fn read_for_rolling(job: &FinanceJob, spec: &Rolling) -> Result<(fin::PriceTable, Range<usize>, Vec<String>)> {
    let mut table_in = fin::read_prices(&job.prices, &job.read)?;
    let rows = test_rows(spec, &table_in.dates, &job.prices)?;
    // Every refit learns from all the days before it: a ticker constant over the first refit's
    // days (the shortest window, inside every other) is dropped for the whole backtest.
    let first_refit = format!(
        "the {} return days before --backtest's first day ({} to {})",
        rows.start,
        date(&table_in.dates[1]),
        date(&table_in.dates[rows.start])
    );
    let first_window = fin::log_returns(&table_in).slice_move(s![..rows.start, ..]);
    let mut warnings: Vec<String> =
        super::coverage::drop_constant(&mut table_in, first_window.view(), &first_refit, &job.prices)?
            .into_iter()
            .collect();
    if job.methods.contains(&FinanceMethod::SaPaths) {
        warnings.extend(job.paths_state.forecast_warning());
    }
    warnings.iter().for_each(|w| super::warn(&job.prices, w));
    Ok((table_in, rows, warnings))
}

/// Runs a rolling backtest (`job.rolling`): reads the prices, forecasts every day of the range
/// with every method of `job.methods` and tests the forecasts. Writes nothing.
pub fn run_rolling(job: &FinanceJob, progress: &Progress) -> Result<RollingRun> {
    let wall = Instant::now();
    let spec = job.rolling.ok_or_else(|| input_err!("run_rolling needs --backtest START..END"))?;
    if let Some(m) = job.methods.iter().find(|m| !ROLLING_METHODS.contains(m)) {
        let ok = ROLLING_METHODS.map(FinanceMethod::id).join(", ");
        return Err(input_err!("--backtest: method '{m}' makes no rolling forecast (rolling methods: {ok})"));
    }
    let (table_in, rows, warnings) = read_for_rolling(job, &spec)?;
    let weights = risk::resolve(&job.weights, &table_in.tickers, &table_in.dropped)?;
    let g = fin::log_returns(&table_in);
    let port = weights.portfolio_returns(g.view(), "the history")?;
    let blocks: Vec<Range<usize>> =
        rows.clone().step_by(spec.refit_every).map(|a| a..(a + spec.refit_every).min(rows.end)).collect();
    progress.line(&format!(
        "{} tickers; rolling backtest of {} days in {} refit blocks, {} methods",
        g.ncols(),
        rows.len(),
        blocks.len(),
        job.methods.len()
    ));
    let inp = Inputs {
        job,
        g: g.view(),
        port: &port,
        dates: &table_in.dates,
        weights: &weights,
        rows: rows.clone(),
        horizon: spec.horizon,
    };
    let outs: Vec<BlockOut> = blocks.par_iter().map(|b| block(&inp, b.clone())).collect::<Result<_>>()?;
    let mut timing = RollingTiming::default();
    for o in &outs {
        timing.add(&o.timing);
    }
    let realised = port[rows.clone()].to_vec();
    let dates: Vec<NaiveDate> = rows.clone().map(|t| table_in.dates[t + 1]).collect();
    let starts: Vec<usize> = inp.block_starts(&rows).iter().map(|t| t - rows.start).collect();
    let realised_h: Vec<f64> = starts.iter().map(|&b| compound(&realised[b..b + spec.horizon])).collect();
    let block_dates: Vec<NaiveDate> = starts.iter().map(|&b| dates[b]).collect();
    let (mut var, mut var_h) = (Vec::new(), Vec::new());
    let mut methods = Vec::with_capacity(job.methods.len());
    for (i, &id) in job.methods.iter().enumerate() {
        let per_level = |h: bool| -> Vec<Vec<f64>> {
            (0..fin::risk::LEVELS.len())
                .map(|l| {
                    outs.iter().flat_map(|o| (if h { &o.var_h } else { &o.var })[i].iter().map(move |v| v[l])).collect()
                })
                .collect()
        };
        let (one, many) = (per_level(false), per_level(true));
        let horizon_tests = (spec.horizon > 1).then(|| level_tests(&many, &realised_h, &block_dates));
        methods.push(RollingMethod { id, tests: level_tests(&one, &realised, &dates), horizon_tests });
        var.push(one);
        var_h.push(many);
    }
    timing.wall_seconds = wall.elapsed().as_secs_f64();
    let refit = rows.clone().map(|t| (t - rows.start) % spec.refit_every == 0).collect();
    let results = RollingResults {
        domain: "finance",
        mode: "rolling backtest",
        input: InputInfo::of(&job.prices, &table_in),
        tickers: super::coverage::tickers(&table_in, job.read.jump_threshold),
        weights: weights.description.clone(),
        first_date: date(&dates[0]),
        last_date: date(&dates[dates.len() - 1]),
        days: dates.len(),
        refit_every: spec.refit_every,
        refits: blocks.len(),
        history_days: rows.start,
        draws_per_day: DRAWS_PER_DAY,
        horizon: (spec.horizon > 1).then_some(HorizonInfo {
            days: spec.horizon,
            blocks: starts.len(),
            paths_per_block: PATHS_PER_BLOCK,
            var_rule: HORIZON_RULE,
        }),
        beta: job.beta,
        paths_state: job.paths_state,
        paths_leverage: refit_leverage(&blocks, &outs, &table_in.dates),
        seed: job.seed,
        var_rule: VAR_RULE,
        condition: job.condition.map(|c| RollingCondition { description: c.describe(), rule: CONDITION_RULE }),
        methods,
        timing,
        warnings,
    };
    Ok(RollingRun { results, dates, realised, var, refit, blocks: starts, realised_h, var_h })
}

/// The tests at every level of a forecast series (`var[level][t]` for the period of
/// `realised[t]`, which starts on `dates[t]`).
fn level_tests(var: &[Vec<f64>], realised: &[f64], dates: &[NaiveDate]) -> Vec<RollingTest> {
    fin::risk::LEVELS
        .iter()
        .zip(var)
        .map(|(&c, v)| {
            let (test, hits) = fin::backtest::backtest_series(v, c, realised);
            RollingTest {
                test,
                basel_zone: (c == 0.99).then(|| fin::backtest::basel_zone(test.exceedances, test.days)),
                exceedance_dates: dates.iter().zip(&hits).filter(|(_, &h)| h).map(|(d, _)| date(d)).collect(),
            }
        })
        .collect()
}

/// The rolling backtest's table: at 95% and 99%, exceedances (expected) and the three p-values per
/// method, and the Basel zone; with `--backtest-horizon` H > 1 the same for the H-day blocks.
pub fn rolling_table(r: &RollingResults) -> String {
    let one: Vec<(String, &[RollingTest])> = r.methods.iter().map(|m| (m.id.to_string(), &m.tests[..])).collect();
    let caption = format!(
        "rolling backtest of each method's 1-day VaR, {}..{} ({} days; weights: {}); refitted every {} days ({} \
         refits, {} history days before the first)\np-values: Kupiec unconditional coverage, Christoffersen \
         independence, conditional coverage",
        r.first_date, r.last_date, r.days, r.weights, r.refit_every, r.refits, r.history_days,
    );
    let wrap = |caption: &str| table::wrap_lines(caption, table::TEXT_WIDTH);
    let mut out = format!("{}\n{}", wrap(&caption), tests_table(&one, "Basel (99%)"));
    if let Some(h) = &r.horizon {
        let many: Vec<(String, &[RollingTest])> =
            r.methods.iter().filter_map(|m| Some((m.id.to_string(), &m.horizon_tests.as_ref()?[..]))).collect();
        let caption = format!(
            "{}-day VaR on {} non-overlapping {}-day blocks ({} paths per block for garch_fhs and sa_paths)",
            h.days, h.blocks, h.days, h.paths_per_block,
        );
        out += &format!("\n{}\n{}", wrap(&caption), tests_table(&many, "zone (99%)"));
    }
    out
}

/// One row per method: at 95% and 99%, exceedances (expected) and the three p-values, and the
/// zone of the 99% level.
fn tests_table(methods: &[(String, &[RollingTest])], zone: &str) -> String {
    let shown = [0.95, 0.99];
    let per_level =
        |c: &f64| [format!("exceed {}% (exp.)", 100.0 * c), "p Kupiec".into(), "p Chr.".into(), "p cc".into()];
    let header: Vec<String> = std::iter::once("id".to_string())
        .chain(shown.iter().flat_map(per_level))
        .chain(std::iter::once(zone.to_string()))
        .collect();
    let cells = |t: &fin::backtest::Backtest| {
        [
            format!("{} ({:.1})", t.exceedances, t.expected),
            format!("{:.3}", t.p_uc),
            format!("{:.3}", t.p_ind),
            format!("{:.3}", t.p_cc),
        ]
    };
    let rows = methods
        .iter()
        .map(|(id, tests)| {
            let shown_tests = shown.iter().filter_map(|&c| tests.iter().find(|b| b.test.level == c));
            let zone = tests.iter().find_map(|b| b.basel_zone).unwrap_or("").to_string();
            std::iter::once(id.clone())
                .chain(shown_tests.flat_map(|b| cells(&b.test)))
                .chain(std::iter::once(zone))
                .collect()
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table::table_from(&header, rows, 1).to_string()
}

/// backtest.csv: one line per backtest day: the date, the portfolio's simple return, whether the
/// memory was refitted before it, and every method's VaR at every level.
pub fn rolling_csv(run: &RollingRun) -> String {
    let mut s = String::from("date,portfolio_return,refit");
    let h = run.results.horizon.as_ref().map(|i| i.days);
    for m in &run.results.methods {
        for c in fin::risk::LEVELS {
            s += &format!(",{}_var{}", m.id, 100.0 * c);
        }
    }
    if let Some(h) = h {
        s += &format!(",return_{h}d");
        for m in &run.results.methods {
            for c in fin::risk::LEVELS {
                s += &format!(",{}_var{}_{h}d", m.id, 100.0 * c);
            }
        }
    }
    s.push('\n');
    for (t, d) in run.dates.iter().enumerate() {
        s += &format!("{},{},{}", date(d), run.realised[t], u8::from(run.refit[t]));
        for per_level in &run.var {
            for v in per_level {
                s += &format!(",{}", v[t]);
            }
        }
        if h.is_some() {
            // The H-day columns on the first day of each block only.
            let block = run.blocks.iter().position(|&b| b == t);
            let cell = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
            s += &format!(",{}", cell(block.map(|b| run.realised_h[b])));
            for per_level in &run.var_h {
                for v in per_level {
                    s += &format!(",{}", cell(block.map(|b| v[b])));
                }
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    /// Paths of log returns in [−0.05, 0.05), one after the other from one stream.
    fn draw_paths(rng: &mut satool::Rng, n: usize, per_path: usize, buf: &mut Vec<f64>) {
        buf.extend((0..n * per_path).map(|_| rng.random_range(-0.05..0.05)));
    }

    #[test]
    fn h_day_vars_do_not_depend_on_the_paths_held_at_a_time() {
        let (d, horizon) = (3, 5);
        let weights = Weights { w: vec![0.5, 0.3, 0.2], description: "test".into() };
        let run = |held: usize| {
            let mut rng = satool::stream(9, "test");
            h_day_vars(&weights, (d, horizon), held, "test", |n, buf| draw_paths(&mut rng, n, horizon * d, buf))
                .unwrap()
        };
        // Every path at once, by hand: Σ w (e^g − 1) per day, compounded over the path's days.
        let mut all = Vec::new();
        draw_paths(&mut satool::stream(9, "test"), PATHS_PER_BLOCK, horizon * d, &mut all);
        let want = vars(
            all.chunks(horizon * d)
                .map(|path| {
                    let days =
                        path.chunks(d).map(|g| g.iter().zip(&weights.w).map(|(v, w)| w * v.exp_m1()).sum::<f64>());
                    days.fold(1.0, |v, r| v * (1.0 + r)) - 1.0
                })
                .collect(),
        );
        for held in [1, 7, PATH_DAYS_HELD, PATHS_PER_BLOCK * horizon] {
            let got = run(held);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-15, "held {held}: {got:?} vs {want:?}");
            }
            assert_eq!(got, run(PATH_DAYS_HELD), "held {held}: the same bits as the default batch");
        }
        assert!(want[0] > 0.03 && want[3] > want[0], "{want:?}");
    }
}
