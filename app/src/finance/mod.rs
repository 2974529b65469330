//! `satool finance`: a price history → synthetic multi-asset return scenarios, compared with
//! bootstrap baselines on the stylized facts.
//!
//! [`run`] returns the results and every method's scenarios ([`FinanceRun`]); the table, the
//! `--out` files ([`render`]) and the report are drawn from them by the caller.

mod backtest;
mod coverage;
mod estimate;
mod evaluate;
mod gather;
mod generate;
mod history;
mod methods;
mod moments;
mod paths;
pub mod render;
mod results;
mod risk;
mod rolling;
mod streamed;

pub use backtest::{backtest_table, BacktestResults, Split};
pub use coverage::{header_lines, tickers_csv};
pub use gather::gather;
pub use history::POOL;
pub use methods::{FinanceMethod, UnknownMethod};
pub use moments::{gather_moments, MomentsFile, MomentsMode, FILE as MOMENTS_FILE};
pub use paths::PathSpec;
pub use results::*;
pub use risk::{per_ticker_csv, risk_caption, risk_grid, risk_table, PerTicker, RiskResults, WeightsSpec};
pub use rolling::{rolling_csv, rolling_table, run_rolling, Rolling, RollingResults, RollingRun, ROLLING_METHODS};
pub use streamed::PathFiles;

use crate::input_err;
use crate::output::table::{wrap_lines, TEXT_WIDTH};
use crate::progress::{Progress, Stage};
use anyhow::Result;
use chrono::NaiveDate;
use evaluate::{evaluate, portfolio_sd};
use generate::generate;
use history::{volatility_regimes, Generated, History};
use ndarray::{Array2, Axis};
use rayon::prelude::*;
use satool::{entropy_inflection, snr, Memory, Precision, BETA_STAR_RULE};
use satool_finance as fin;
use std::path::PathBuf;

/// What a finance run reads and generates (where its output goes is the caller's business).
#[derive(Debug, Clone)]
pub struct FinanceJob {
    pub prices: PathBuf,
    pub read: fin::ReadOptions,
    pub seed: u64,
    pub alpha: f64,
    pub precision: Precision,
    pub beta: f64,
    pub beta_sequential: f64,
    pub inner_steps: usize,
    pub sequential_segments: usize,
    pub regimes: usize,
    pub regime_window: usize,
    pub condition: Option<Condition>,
    /// The methods to run, in table order as given (no repeats: see [`FinanceMethod::parse_list`]).
    pub methods: Vec<FinanceMethod>,
    /// `--weights`: the portfolio of the VaR/ES table and the backtest.
    pub weights: WeightsSpec,
    /// `--backtest-split`: the days from here on are held out and each method's VaR backtested.
    pub backtest_split: Option<Split>,
    /// `--scenarios N --horizon H`: N independent paths of H days per method (absent: the
    /// published protocol).
    pub paths: Option<PathSpec>,
    /// `--raw`: paths as generated, without the per-ticker correction to the history's mean and sd.
    pub raw: bool,
    /// `--as-of`: where the paths of `sa_paths`, `exact` and `garch_fhs` start.
    pub as_of: AsOf,
    /// `--backtest START..END`: a rolling backtest instead of the comparison ([`run_rolling`]).
    pub rolling: Option<Rolling>,
    /// `--paths-state`: the state whose neighbourhoods `sa_paths` draws each day from.
    pub paths_state: PathsState,
    /// `--moments-only` or `--moments FILE`: the correction's moments of a sharded run.
    pub moments: MomentsMode,
    /// The moments of `--moments FILE`, read and checked against the run by [`run_with`].
    pub correction: Option<std::sync::Arc<moments::Given>>,
    /// `--qq-tickers`: tickers the report draws, checked against the kept tickers as soon as the
    /// prices are read (not after every method has run).
    pub report_tickers: Option<Vec<String>>,
}

impl FinanceJob {
    /// Whether `method`'s paths are set to the history's mean and sd: unless `--raw`, or the paths
    /// are a forecast from the `--as-of` state.
    pub(crate) fn corrects(&self, method: FinanceMethod) -> bool {
        method != FinanceMethod::Historical && !(self.raw || (self.as_of.is_conditional() && method.starts_as_of()))
    }
}

/// `--as-of`: the state the paths of `sa_paths`, `exact` and `garch_fhs` start from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum AsOf {
    /// A state drawn from the history's own (`sa_paths`; `garch_fhs` starts after the last day
    /// whatever `--as-of` says; `exact` draws from the whole mixture), and every path file set to
    /// the history's mean and sd.
    Unconditional,
    /// The state after the last day of the file: the forecast from that evening on (the default).
    #[default]
    Last,
    /// The state after this date: the history ends there and no row dated after it is read.
    Date(NaiveDate),
}

impl AsOf {
    /// `unconditional`, `last` or a date (YYYY-MM-DD).
    pub fn parse(s: &str) -> Result<AsOf> {
        match s {
            "unconditional" => Ok(AsOf::Unconditional),
            "last" => Ok(AsOf::Last),
            _ => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(AsOf::Date)
                .map_err(|_| input_err!("--as-of: '{s}' is neither a date (YYYY-MM-DD), 'last' nor 'unconditional'")),
        }
    }

    /// Whether paths start from one day's state (a conditional forecast).
    pub fn is_conditional(self) -> bool {
        self != AsOf::Unconditional
    }
}

/// `--paths-state`: what `sa_paths` conditions each day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathsState {
    /// One EWMA (λ = 0.94) of the cross-sectional mean g²; each day a historical day of the
    /// neighbourhood, centred and scaled to the path's state.
    #[default]
    Ewma,
    /// The same state; each day the attention blend of the neighbourhood around a fresh exact draw
    /// (the default before the historical day).
    #[serde(rename = "ewma-blend")]
    EwmaBlend,
    /// Fast and slow EWMA of the cross-sectional mean g² and an EWMA of the market's return.
    Multiscale,
    /// The `ewma` state with a GJR-type leverage fitted on the history: a day on which the
    /// equal-weight market fell adds (1 + γ) times its mean g², renormalised so the state's mean
    /// level is unchanged; each day a historical day, as `ewma`.
    #[serde(rename = "ewma-leverage")]
    EwmaLeverage,
    /// The `ewma` state and days; each day after a path's first continues history's sequence
    /// (the historical day after the one drawn last, scaled to the path's state) with probability
    /// 0.8: history's rebounds after crashes, and with them its multi-day tails and its lag-1 ACF.
    Runs,
}

impl PathsState {
    /// The warning for a forecast of `sa_paths` in this state (`--backtest`, `--as-of`): the blend
    /// states' days average their neighbourhood, so a forecast from one state has thin tails.
    pub(crate) fn forecast_warning(self) -> Option<String> {
        if !matches!(self, PathsState::EwmaBlend | PathsState::Multiscale) {
            return None;
        }
        let name = clap::ValueEnum::to_possible_value(&self).expect("every state has a name");
        let name = name.get_name();
        Some(format!(
            "--paths-state {name}: its days are attention blends of the neighbourhood, whose forecast from one \
             state has thin tails (crash-year backtests run red; docs/paths-and-risk.md); ewma, the default, \
             forecasts with historical days"
        ))
    }
}

/// Conditional generation: the memory is restricted to a subset of the historical days (the
/// paper's −∞ logit bias outside the subset), and every method draws from that subset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    /// Return days dated within [start, end].
    Dates(NaiveDate, NaiveDate),
    /// Days whose cross-sectional realised volatility is in the top `q` share of the history.
    HighVol(f64),
    /// … in the bottom `q` share.
    LowVol(f64),
}

impl Condition {
    fn describe(&self) -> String {
        match self {
            Condition::Dates(a, b) => format!("days dated {} .. {}", date(a), date(b)),
            Condition::HighVol(q) => {
                format!("high-vol days (top {:.0}% of daily cross-sectional realised volatility)", 100.0 * q)
            }
            Condition::LowVol(q) => {
                format!("low-vol days (bottom {:.0}% of daily cross-sectional realised volatility)", 100.0 * q)
            }
        }
    }

    /// Indices of the return days (row t is dated `dates[t + 1]`) that satisfy the condition.
    fn select(&self, g: &Array2<f64>, dates: &[NaiveDate]) -> Vec<usize> {
        let vol: Vec<f64> =
            g.rows().into_iter().map(|r| (r.iter().map(|v| v * v).sum::<f64>() / r.len() as f64).sqrt()).collect();
        let mut sorted = vol.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = |q: f64| sorted[((q * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)];
        (0..g.nrows())
            .filter(|&t| match *self {
                Condition::Dates(a, b) => (a..=b).contains(&dates[t + 1]),
                Condition::HighVol(q) => vol[t] >= rank(1.0 - q),
                Condition::LowVol(q) => vol[t] <= rank(q),
            })
            .collect()
    }
}

impl InputInfo {
    /// The file at `path` as read into `table`.
    fn of(path: &std::path::Path, table: &fin::PriceTable) -> InputInfo {
        InputInfo {
            path: path.display().to_string(),
            format: table.format.to_string(),
            days: table.dates.len(),
            first_date: table.dates.first().map(date).unwrap_or_default(),
            last_date: table.dates.last().map(date).unwrap_or_default(),
        }
    }
}

/// YYYY-MM-DD, as the price files write dates.
fn date(d: &NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The return days a run draws from.
struct Conditioned {
    g: Array2<f64>,
    /// What results.json says of the condition, when there is one.
    condition: Option<ConditionInfo>,
    /// The days' rows in the whole history.
    rows: Vec<usize>,
    /// Their runs of consecutive days.
    runs: Vec<std::ops::Range<usize>>,
}

/// The return days the run draws from: every day, or the days `job.condition` keeps (at least 30).
fn condition_rows(job: &FinanceJob, full: &Array2<f64>, price_dates: &[NaiveDate]) -> Result<Conditioned> {
    Ok(match &job.condition {
        None => Conditioned {
            g: full.clone(),
            condition: None,
            rows: (0..full.nrows()).collect(),
            runs: std::iter::once(0..full.nrows()).collect(),
        },
        Some(c) => {
            let idx = c.select(full, price_dates);
            if idx.len() < 30 {
                let lower = match c {
                    Condition::Dates(..) => "widen --condition-dates",
                    Condition::HighVol(_) | Condition::LowVol(_) => "raise --regime-quantile",
                };
                return Err(input_err!(
                    "{}: the condition ({}) keeps {} return days; at least 30 are needed ({lower})",
                    job.prices.display(),
                    c.describe(),
                    idx.len()
                ));
            }
            // Scattered days are not one series: every time-series statistic stays inside a run.
            let runs = fin::consecutive_runs(&idx);
            let info = ConditionInfo {
                description: c.describe(),
                days: idx.len(),
                of_days: full.nrows(),
                runs: runs.len(),
                longest_run: runs.iter().map(|r| r.len()).max().unwrap_or(0),
                history_portfolio_sd: portfolio_sd(full),
                history_es_1: fin::evaluate(full.view(), full.view(), fin::KsMethod::Auto)?.es_1,
                dates: idx.iter().map(|&t| date(&price_dates[t + 1])).collect(),
                run_of_day: runs.iter().enumerate().flat_map(|(i, r)| std::iter::repeat_n(i + 1, r.len())).collect(),
            };
            Conditioned { g: full.select(Axis(0), &idx), condition: Some(info), rows: idx, runs }
        }
    })
}

/// The history every method draws from: the days' memory, the block length of the bootstraps
/// and the volatility regimes, fitted once; with β* of the memory.
fn history(
    job: &FinanceJob,
    g: Array2<f64>,
    runs: Vec<std::ops::Range<usize>>,
    dates: Vec<NaiveDate>,
) -> Result<(History, f64)> {
    let x = fin::scaled_memory(&g);
    let mem = Memory::new(x)?;
    let beta_star = entropy_inflection(&mem).beta_star;
    // Chosen on squared returns: returns themselves are nearly uncorrelated, and the rule would
    // pick ~2-day blocks that lose the volatility clustering the block bootstrap exists to keep.
    let block_length = fin::politis_white_panel_runs(g.mapv(|v| v * v).view(), &runs).ok_or_else(|| {
        input_err!(
            "{}: cannot estimate a Politis–White block length (no ticker has a usable autocovariance)",
            job.prices.display()
        )
    })?;
    if job.regimes > g.nrows() / 2 {
        return Err(input_err!("--regimes {} is too many for {} days of history", job.regimes, g.nrows()));
    }
    if job.regime_window > g.nrows() {
        return Err(input_err!(
            "--regime-window {} is longer than the {} return days of the history",
            job.regime_window,
            g.nrows()
        ));
    }
    let regime_labels = volatility_regimes(&g, &runs, job.regimes, job.regime_window);
    let regime_transitions = fin::fit_transitions_runs(&regime_labels, &runs, job.regimes);
    let garch = Default::default();
    Ok((History { g, runs, mem, block_length, regime_labels, regime_transitions, dates, garch }, beta_star))
}

/// The parameters results.json reports for the run.
fn parameters(job: &FinanceJob, h: &History, beta_star: f64) -> Parameters {
    let (k, d) = (h.g.nrows(), h.g.ncols());
    Parameters {
        d,
        K: k,
        beta: job.beta,
        beta_sequential: job.beta_sequential,
        beta_star,
        beta_star_rule: BETA_STAR_RULE,
        snr: snr(job.alpha, job.beta, d),
        alpha: job.alpha,
        inner_steps: job.inner_steps,
        sequential_segments: job.sequential_segments,
        regimes: job.regimes,
        regime_window: job.regime_window,
        regime_transitions: h.regime_transitions.rows().into_iter().map(|r| r.to_vec()).collect(),
        precision: job.precision,
        block_length: h.block_length,
        ks_method: KS_METHOD.to_string(),
        seed: job.seed,
        scenarios: job.paths.map(|p| p.total),
        horizon: job.paths.map(|p| p.h),
        raw: job.raw,
        as_of: job.as_of.is_conditional().then(|| h.dates.last().map(date).unwrap_or_default()),
        paths_start: job.paths.map(|_| if job.as_of.is_conditional() { "as_of" } else { "unconditional" }),
        as_of_state: as_of_state(job, h),
        paths: job.paths.filter(PathSpec::is_shard).map(|p| [p.first, p.first + p.n]),
        paths_state: job.paths_state,
        paths_leverage: (job.paths_state == PathsState::EwmaLeverage && job.methods.contains(&FinanceMethod::SaPaths))
            .then(|| paths::Leverage::of(h).gamma),
    }
}

/// `parameters.as_of_state`: the state a conditional forecast of `sa_paths` (or, without it,
/// `exact`) starts from; none for `--paths-state multiscale`, whose start is a state of three
/// ranks, not a multiple of the average day.
fn as_of_state(job: &FinanceJob, h: &History) -> Option<f64> {
    let sa_paths = job.methods.contains(&FinanceMethod::SaPaths);
    if !job.as_of.is_conditional() || !(sa_paths || job.methods.contains(&FinanceMethod::Exact)) {
        return None;
    }
    match (sa_paths, job.paths_state) {
        (true, PathsState::Multiscale) => None,
        (true, PathsState::EwmaLeverage) => Some(paths::States::start_after_last(h, job.beta, true)),
        _ => Some(paths::States::start_after_last(h, job.beta, false)),
    }
}

/// The days a run learns from: the history before `--backtest-split`'s held-out days, and of
/// those the days a condition keeps.
struct Window {
    full: Array2<f64>,
    held_out: Option<backtest::HeldOut>,
    conditioned: Conditioned,
}

impl Window {
    fn of(job: &FinanceJob, table: &fin::PriceTable) -> Result<Window> {
        let returns = fin::log_returns(table);
        let (full, held_out) = backtest::split(returns, &table.dates, job.backtest_split.as_ref(), &job.prices)?;
        let conditioned = condition_rows(job, &full, &table.dates)?;
        Ok(Window { full, held_out, conditioned })
    }

    /// The window in words, for the reason a ticker is dropped.
    fn describe(&self, job: &FinanceJob, dates: &[NaiveDate]) -> String {
        let rows = &self.conditioned.rows;
        let what = match (&job.backtest_split, &job.condition) {
            (_, Some(_)) => "the days the condition keeps",
            (Some(_), None) => "the training days before --backtest-split",
            (None, None) => "the history",
        };
        let day = |t: Option<&usize>| t.map(|&t| date(&dates[t + 1])).unwrap_or_default();
        format!("{what} ({} days, {} to {})", rows.len(), day(rows.first()), day(rows.last()))
    }

    /// The window of `table` after dropping every ticker whose returns are constant over it (see
    /// [`coverage::drop_constant`]), with the warnings that name them. A volatility condition
    /// chooses its days from every ticker, so the window is cut again until none is constant.
    fn without_constant_tickers(job: &FinanceJob, table: &mut fin::PriceTable) -> Result<(Window, Vec<String>)> {
        let mut warnings = Vec::new();
        loop {
            let w = Window::of(job, table)?;
            let what = w.describe(job, &table.dates);
            match coverage::drop_constant(table, w.conditioned.g.view(), &what, &job.prices)? {
                None => return Ok((w, warnings)),
                Some(warning) => warnings.push(warning),
            }
        }
    }
}

/// The methods that ran, and a warning for each that could not model this history (an input
/// error, e.g. a fit that does not converge): its row is left out and the others run, as in
/// `satool protein`. With no method left, the first such error is the run's; any other error is.
fn keep_methods_that_ran<T>(methods: &[FinanceMethod], drawn: Vec<Result<T>>) -> Result<(Vec<T>, Vec<String>)> {
    let (mut generated, mut warnings, mut first_error) = (Vec::new(), Vec::new(), None);
    for (m, r) in methods.iter().zip(drawn) {
        match r {
            Ok(g) => generated.push(g),
            Err(e) if crate::error::exit_code(&e) == 2 => {
                warnings.push(format!("{}: not run on this history: {}", m.id(), crate::error::message(&e)));
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if let (true, Some(e)) = (generated.is_empty(), first_error) {
        return Err(e);
    }
    Ok((generated, warnings))
}

/// Refuses, before anything is drawn, paths that would not fit the memory budget. A path
/// method that holds its rows keeps its N·H·d returns and three per-day columns (state and
/// output novelty, source day) until the run returns, with the evaluation's working copies: 1.3
/// times those values on all_stocks_5yr (5 methods, 500 and 2,000 paths of 20 days: 490 KB of
/// peak RSS per path), counted as 1.5 (12 bytes per value). A streamed one ([`streamed`]) keeps
/// three values per path day until the run returns (its two novelties and its portfolio return),
/// and while it runs four more (the equal-weight portfolio's return, sorted into two more for its
/// tails, and the row means), with a block of paths, or its whole set when small, and the
/// correlation's blocks of rows.
fn check_paths_memory(job: &FinanceJob, p: PathSpec, tickers: usize, streaming: bool) -> Result<()> {
    let path_methods = job.methods.iter().filter(|&&m| m != FinanceMethod::Historical);
    let streamed = path_methods.clone().filter(|&&m| streaming && streamed::streams(m)).count() as u64;
    let held = (path_methods.count() as u64 - streamed).max(u64::from(streamed == 0));
    let d = tickers as u64;
    let rows = (p.n as u64).checked_mul(p.h as u64);
    let held_bytes = crate::budget::checked_product(&[held, p.n as u64, p.h as u64, d + 3, 12]);
    let working =
        streamed::working_bytes(rows.unwrap_or(u64::MAX), d, job.condition.is_some(), crate::budget::memory_budget()?);
    let streamed_bytes = rows
        .and_then(|r| r.checked_mul(8 * (3 * streamed + 4 * u64::from(streamed > 0))))
        .and_then(|b| b.checked_add(if streamed > 0 { working } else { 0 }));
    let plural = |m: u64| if m == 1 { "" } else { "s" };
    let mut what = format!("--scenarios {} --horizon {}: the paths (", p.n, p.h);
    if held > 0 {
        what += &format!(
            "{held} method{} × {} × {} days × ({d} tickers + 3 columns), with the evaluation's copies: 12 bytes per value",
            plural(held),
            p.n,
            p.h
        );
    }
    if streamed > 0 {
        what += &format!(
            "{}{streamed} method{} streamed a block of paths at a time: 3 values per path day each and 4 more while \
             one runs, 8 bytes each, and {} at work",
            if held > 0 { "; " } else { "" },
            plural(streamed),
            crate::budget::human(working)
        );
    }
    what.push(')');
    crate::budget::check_bytes(
        held_bytes.zip(streamed_bytes).and_then(|(a, b)| a.checked_add(b)),
        &what,
        "--scenarios or --horizon (or name fewer --methods)",
    )
}

/// Prints a warning about the prices file on stderr, wrapped at [`TEXT_WIDTH`] (results.json
/// holds it unwrapped).
pub(crate) fn warn(prices: &std::path::Path, w: &str) {
    let text = format!("{}: {w}", prices.display());
    if CAPTURE.load(std::sync::atomic::Ordering::Relaxed) {
        CAPTURED.with(|c| c.borrow_mut().push(text));
    } else {
        eprintln!("{}", wrap_lines(&format!("warning: {text}"), TEXT_WIDTH));
    }
}

/// Whether [`warn`] keeps its warnings for [`take_warnings`] instead of printing them.
static CAPTURE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

thread_local! {
    /// The warnings of the calling thread's runs since its last [`take_warnings`] (every [`warn`]
    /// is on the thread that runs the job, none on a worker).
    static CAPTURED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// From now on, finance warnings are kept per thread for [`take_warnings`] rather than printed on
/// stderr (the Python package raises them through `warnings`).
pub fn capture_warnings() {
    CAPTURE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The warnings ("FILE: problem") of this thread's runs since the last call, oldest first.
pub fn take_warnings() -> Vec<String> {
    CAPTURED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// Adds warnings taken on another thread (a call run on a thread of its own) to this thread's.
pub fn keep_warnings(warnings: Vec<String>) {
    CAPTURED.with(|c| c.borrow_mut().extend(warnings));
}

/// Runs the whole finance job: reads the prices, generates with every method of `job.methods`
/// and scores each against the history; `progress` receives one-line progress messages (stderr).
/// Writes nothing: the caller renders, saves or reports the returned [`FinanceRun`], which
/// holds every method's scenarios.
pub fn run(job: &FinanceJob, progress: &Progress) -> Result<FinanceRun> {
    run_with(job, progress, None)
}

/// A method's draws, or (a streamed path method) its scenarios without their rows and its row.
enum Drawn {
    Held(Generated),
    Streamed(Generated, Box<MethodResult>),
}

/// [`run`], with the `--scenarios` paths of the methods that allow it (the resamplers,
/// `garch_fhs`, `exact`, `sa_paths`) streamed a block at a time when `streaming` is given: their
/// rows are then not held in the returned scenarios (which keep their portfolio returns), and
/// their long path files are written as the paths are drawn into `streaming`'s staging
/// directory, when there is one.
pub fn run_with(job: &FinanceJob, progress: &Progress, streaming: Option<Option<PathFiles>>) -> Result<FinanceRun> {
    if job.rolling.is_some() {
        return Err(input_err!("--backtest START..END is a rolling backtest, which run_rolling runs (not run)"));
    }
    // A condition restricts the memory to a subset of days; everything below runs on that subset,
    // and every method is also compared with the whole history.
    let (table_in, Window { full, held_out, conditioned }, dropped) = read_window(job)?;
    let weights = risk::resolve(&job.weights, &table_in.tickers, &table_in.dropped)?;
    if let Some(names) = &job.report_tickers {
        kept_columns("--qq-tickers", names, &table_in.tickers)?;
    }
    // Weights the history itself cannot carry are refused before any method runs.
    weights.portfolio_returns(full.view(), "the history")?;
    if let Some(held) = &held_out {
        weights.portfolio_returns(held.test.view(), "the held-out days")?;
    }
    if let Some(p) = job.paths {
        check_paths_memory(job, p, table_in.tickers.len(), streaming.is_some())?;
    }
    let Conditioned { g, condition, rows, runs } = conditioned;
    let dates: Vec<NaiveDate> = rows.iter().map(|&t| table_in.dates[t + 1]).collect();
    let (h, beta_star) = history(job, g, runs, dates)?;
    let job = &with_given_moments(job, &h, beta_star, &table_in)?;
    let (k, d) = (h.g.nrows(), h.g.ncols());
    for line in estimate::announce(job, job.paths, k, h.mem.d(), d) {
        progress.note(&line);
    }
    progress.line(&format!("{d} tickers × {k} daily returns; running {} methods", job.methods.len()));
    let ids: Vec<String> = job.methods.iter().map(|m| m.id().to_string()).collect();
    let stage = progress.stage("methods", &ids);
    let full_ref = condition.as_ref().map(|_| &full);
    let drawn = match (job.paths, streaming) {
        (Some(spec), Some(mut files)) => {
            let cx = streamed::Shared {
                weights: &weights,
                full: full_ref,
                tickers: &table_in.tickers,
                files: files.as_mut(),
            };
            draw_methods(job, &h, &stage, Some((spec, cx)))
        }
        _ => draw_methods(job, &h, &stage, None),
    };
    drop(stage);
    let (drawn, failed) = keep_methods_that_ran(&job.methods, drawn)?;
    let thin = (job.paths.is_some() && job.as_of.is_conditional() && job.methods.contains(&FinanceMethod::SaPaths))
        .then(|| job.paths_state.forecast_warning())
        .flatten();
    for w in failed.iter().chain(&thin) {
        warn(&job.prices, w);
    }
    let warnings = [dropped, failed, thin.into_iter().collect()].concat();
    let stage = progress.stage("metrics", &ids);
    let rows: Vec<(Generated, MethodResult)> = drawn
        .into_par_iter()
        .map(|d| match d {
            Drawn::Held(g) => {
                let row = stage.run(g.scenarios.method.id(), || evaluate(&g, job, &h, full_ref))?;
                Ok((g, row))
            }
            Drawn::Streamed(g, row) => Ok((g, *row)),
        })
        .collect::<Result<_>>()?;
    drop(stage);
    let (generated, mut results): (Vec<Generated>, Vec<MethodResult>) = rows.into_iter().unzip();
    if h.runs.len() > 1 {
        // The conditioned days themselves: their ACFs pair days inside a run only.
        let acfs = fin::acf_summary_runs(h.g.view(), &h.runs);
        for m in results.iter_mut().filter(|m| m.id == FinanceMethod::Historical) {
            (m.acf_g2_mean_1_10, m.acf_g_outside_band, m.acf_g2_outside_band) =
                (acfs.map(|a| a.0), acfs.map(|a| a.1), acfs.map(|a| a.2));
        }
    }
    let scenarios: Vec<Scenarios> = generated.into_iter().map(|g| g.scenarios).collect();
    let risk = risk::evaluate(&weights, &scenarios, job.paths.map(|p| p.h))?;
    let backtest = held_out.map(|held| backtest::evaluate(&held, &weights, &scenarios)).transpose()?;

    let warnings = [warnings, constant_generated(&job.prices, &results, &table_in.tickers)].concat();
    let results = FinanceResults {
        domain: "finance",
        condition,
        input: InputInfo::of(&job.prices, &table_in),
        tickers: coverage::tickers(&table_in, job.read.jump_threshold),
        parameters: parameters(job, &h, beta_star),
        conventions: conventions(job.paths_state),
        methods: results,
        risk,
        backtest,
        warnings,
    };
    Ok(FinanceRun { results, history: h.g, dates: h.dates, scenarios })
}

/// A warning (printed) for each method whose generated returns of some tickers are constant (sd
/// ratio 0, e.g. a ticker whose history moves on a single day that the method never drew): the
/// metrics that need their variance are undefined, shown as — and written as null and empty cells.
fn constant_generated(prices: &std::path::Path, results: &[MethodResult], tickers: &[String]) -> Vec<String> {
    let mut warnings = Vec::new();
    for m in results {
        let flat: Vec<&str> =
            (m.per_ticker.sd_ratio.iter().zip(tickers)).filter(|(&r, _)| r == 0.0).map(|(_, t)| t.as_str()).collect();
        if !flat.is_empty() {
            let w = format!(
                "{}: the generated returns of {} are constant, so its kurtosis, correlation error and ACFs are \
                 undefined (— in the table, null in results.json, empty in per_ticker.csv)",
                m.id.id(),
                flat.join(", ")
            );
            warn(prices, &w);
            warnings.push(w);
        }
    }
    warnings
}

/// The columns of the tickers `names` among the kept `tickers`, in the order of `names`; an input
/// error naming `option` for a name not kept or named twice.
pub fn kept_columns(option: &str, names: &[String], tickers: &[String]) -> Result<Vec<usize>> {
    let column = |n: &String| {
        tickers.iter().position(|t| t == n).ok_or_else(|| {
            input_err!("{option}: '{n}' is not among the {} kept tickers (see tickers.csv with --out)", tickers.len())
        })
    };
    let cols = names.iter().map(column).collect::<Result<Vec<usize>>>()?;
    // A name given twice would draw its panel twice: a typo, most likely, so it is said.
    if let Some(i) = (1..cols.len()).find(|&i| cols[..i].contains(&cols[i])) {
        return Err(input_err!("{option}: '{}' is named twice", names[i]));
    }
    Ok(cols)
}

/// The prices read and the window of days the run learns from, with a warning (printed) for each
/// ticker dropped as constant over it.
fn read_window(job: &FinanceJob) -> Result<(fin::PriceTable, Window, Vec<String>)> {
    let mut table = fin::read_prices(&job.prices, &job.read)?;
    if let (AsOf::Date(d), Some(&last)) = (job.as_of, table.dates.last()) {
        // No row was skipped as later than the date: the file itself stops short of it.
        if table.unread_rows == 0 && last < d {
            warn(&job.prices, &format!("the file ends on {last}, before --as-of {d}: the paths start after {last}"));
        } else if last < d
            && (job.read.end.is_some_and(|e| e < d) || table.dropped_dates.iter().any(|&x| x > last && x <= d))
        {
            // Days up to the date were read but --end, --window or the window rule left them out.
            warn(
                &job.prices,
                &format!("the window of days kept ends on {last}, before --as-of {d} (--end, --window or a ticker's gap): the paths start after {last}"),
            );
        }
    }
    let (window, dropped) = Window::without_constant_tickers(job, &mut table)?;
    for w in &dropped {
        warn(&job.prices, w);
    }
    Ok((table, window, dropped))
}

/// What a moments file must say of the run: its parameters, input and tickers.
fn moments_key(job: &FinanceJob, h: &History, beta_star: f64, table: &fin::PriceTable) -> Result<serde_json::Value> {
    let kept = coverage::tickers(table, job.read.jump_threshold).kept;
    moments::run_key(&parameters(job, h, beta_star), &InputInfo::of(&job.prices, table), &kept)
}

/// `job` with the moments of `--moments FILE` read and checked against the run.
fn with_given_moments(job: &FinanceJob, h: &History, beta_star: f64, table: &fin::PriceTable) -> Result<FinanceJob> {
    let MomentsMode::From(file) = &job.moments else { return Ok(job.clone()) };
    let key = moments_key(job, h, beta_star, table)?;
    let given = moments::Given::load(file, job, &key, h.g.ncols())?;
    Ok(FinanceJob { correction: Some(std::sync::Arc::new(given)), ..job.clone() })
}

/// `--moments-only`: the moments of the paths' correction of every method that sets its paths to
/// the history's mean and sd (`job.paths`, a shard or the whole run), nothing else.
pub fn moments_pass(job: &FinanceJob, progress: &Progress) -> Result<MomentsFile> {
    let spec = job.paths.ok_or_else(|| input_err!("--moments-only needs --scenarios N --horizon H"))?;
    let (table, Window { conditioned, .. }, _) = read_window(job)?;
    let Conditioned { g, rows, runs, .. } = conditioned;
    let dates: Vec<NaiveDate> = rows.iter().map(|&t| table.dates[t + 1]).collect();
    let (h, beta_star) = history(job, g, runs, dates)?;
    progress.line(&format!(
        "{} tickers × {} daily returns; moments of paths {}..{} of {}",
        h.g.ncols(),
        h.g.nrows(),
        spec.first,
        spec.first + spec.n,
        spec.total
    ));
    let (methods, failed) = moments::compute(job, &h, spec)?;
    for w in &failed {
        warn(&job.prices, w);
    }
    Ok(MomentsFile {
        format: moments::FORMAT.to_string(),
        run: moments_key(job, &h, beta_star, &table)?,
        paths: [spec.first, spec.first + spec.n],
        methods,
    })
}

/// Every method's draws. Paths run one method at a time (each in parallel over its paths): N·H·d
/// values each, or a block of them when `streaming` is given; without paths the methods run in
/// parallel.
fn draw_methods(
    job: &FinanceJob,
    h: &History,
    stage: &Stage,
    streaming: Option<(PathSpec, streamed::Shared<'_, '_>)>,
) -> Vec<Result<Drawn>> {
    let held = |m: FinanceMethod| stage.run(m.id(), || generate(m, h, job).map(Drawn::Held));
    match (job.paths, streaming) {
        (Some(_), Some((spec, mut cx))) => job
            .methods
            .iter()
            .map(|&m| match m != FinanceMethod::Historical && streamed::streams(m) {
                true => stage.run(m.id(), || {
                    streamed::run(m, h, job, spec, &mut cx).map(|(g, r)| Drawn::Streamed(g, Box::new(r)))
                }),
                false => held(m),
            })
            .collect(),
        (Some(_), None) => job.methods.iter().map(|&m| held(m)).collect(),
        (None, _) => job.methods.par_iter().map(|&m| held(m)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_that_cannot_model_the_history_is_left_out_with_a_warning() {
        use FinanceMethod::{Bootstrap, GarchFhs, SaRegime};
        let fit = || input_err!("ticker #3: the optimiser failed: no descent");
        let (kept, warnings) =
            keep_methods_that_ran(&[Bootstrap, GarchFhs, SaRegime], vec![Ok(1), Err(fit()), Ok(3)]).unwrap();
        assert_eq!(kept, [1, 3]);
        assert_eq!(warnings, ["garch_fhs: not run on this history: ticker #3: the optimiser failed: no descent"]);
        // Alone, the method's error is the run's; an internal error always is.
        let e = keep_methods_that_ran::<u8>(&[GarchFhs], vec![Err(fit())]).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        let e =
            keep_methods_that_ran(&[Bootstrap, GarchFhs], vec![Ok(1), Err(anyhow::anyhow!("disk full"))]).unwrap_err();
        assert_eq!((crate::error::exit_code(&e), e.to_string()), (1, "disk full".to_string()));
    }
}
