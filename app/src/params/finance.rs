//! [`FinanceParams`]: the options of `satool finance` that shape the job, typed and checked.

use super::{checked, conflict, invalid, missing, RunParams};
use crate::finance::{self, AsOf, FinanceJob, FinanceMethod, Split, WeightsSpec};
use anyhow::Result;
use chrono::NaiveDate;
use satool_finance::{ReadOptions, WindowRule};
use std::path::PathBuf;

/// `--window` of `satool finance`: which dates are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Longest,
    Common,
    Range(NaiveDate, NaiveDate),
}

impl Window {
    /// `longest`, `common` or `START..END`, with the reason a value is refused.
    pub fn parse(s: &str) -> Result<Window, String> {
        match s {
            "longest" => Ok(Window::Longest),
            "common" => Ok(Window::Common),
            _ if s.contains("..") => parse_date_range(s).map(|(a, b)| Window::Range(a, b)),
            _ => Err(format!("expected longest, common or START..END, got '{s}'")),
        }
    }
}

/// Volatility regime to condition on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VolRegime {
    #[value(name = "high-vol")]
    HighVol,
    #[value(name = "low-vol")]
    LowVol,
}

/// `START..END` (YYYY-MM-DD each), start not after end, with the reason a value is refused.
pub fn parse_date_range(s: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let (a, b) = s.split_once("..").ok_or_else(|| format!("expected START..END, got '{s}'"))?;
    let p =
        |x: &str| NaiveDate::parse_from_str(x.trim(), "%Y-%m-%d").map_err(|e| format!("'{x}': {e} (use YYYY-MM-DD)"));
    let (a, b) = (p(a)?, p(b)?);
    date_order((a, b))?;
    Ok((a, b))
}

/// `--paths A..B`: the paths A..B (0-based, B excluded) of the run, with A < B.
pub fn parse_path_range(s: &str) -> Result<(usize, usize), String> {
    let (a, b) = s.split_once("..").ok_or_else(|| format!("expected A..B, got '{s}'"))?;
    let p = |x: &str| x.trim().parse::<usize>().map_err(|_| format!("'{x}' is not a whole number ≥ 0"));
    let (a, b) = (p(a)?, p(b)?);
    if a >= b {
        return Err(format!("the first path {a} is not before the end {b}"));
    }
    Ok((a, b))
}

fn date_order((a, b): (NaiveDate, NaiveDate)) -> Result<(), String> {
    if a > b {
        return Err(format!("start {a} is after end {b}"));
    }
    Ok(())
}

/// A finance run's parameters, one field per option of `satool finance` (the output options
/// aside: `--out`, `--report`, `--force`, `--json`, `--gzip`, `--qq-tickers`).
#[derive(Debug, Clone, PartialEq)]
pub struct FinanceParams {
    pub prices: PathBuf,
    pub date_column: Option<String>,
    pub ticker_column: Option<String>,
    pub price_column: Option<String>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub window: Window,
    pub min_tickers: Option<usize>,
    pub fill_limit: usize,
    pub jump_threshold: f64,
    pub drop_suspect: bool,
    pub beta: f64,
    pub beta_sequential: f64,
    pub inner_steps: usize,
    pub sequential_segments: usize,
    pub regimes: usize,
    pub regime_window: usize,
    pub condition_dates: Option<(NaiveDate, NaiveDate)>,
    pub condition_regime: Option<VolRegime>,
    pub regime_quantile: f64,
    pub weights: WeightsSpec,
    pub backtest_split: Option<Split>,
    pub scenarios: Option<usize>,
    pub horizon: Option<usize>,
    pub raw: bool,
    /// `--as-of` as given (absent: [`FinanceParams::as_of`] says what it defaults to).
    pub as_of: Option<AsOf>,
    /// `--backtest START..END`: a rolling backtest of those return days.
    pub backtest: Option<(NaiveDate, NaiveDate)>,
    pub refit_every: usize,
    /// `--backtest-horizon H`: also backtest the H-day VaR on non-overlapping H-day blocks.
    pub backtest_horizon: usize,
    /// `--paths-state`: the state of the `sa_paths` generator.
    pub paths_state: finance::PathsState,
    /// Seed, α, precision and methods.
    pub run: RunParams,
    /// `--paths A..B`: generate only the paths A..B (0-based, B excluded) of the --scenarios run.
    pub paths: Option<(usize, usize)>,
    /// `--moments-only`: write only the moments of the paths' correction.
    pub moments_only: bool,
    /// `--moments FILE`: the correction's moments of the whole run, read from FILE.
    pub moments: Option<PathBuf>,
}

impl FinanceParams {
    /// The parameters of `satool finance --prices PATH` with every other option at its default.
    pub fn new(prices: impl Into<PathBuf>) -> FinanceParams {
        FinanceParams {
            prices: prices.into(),
            date_column: None,
            ticker_column: None,
            price_column: None,
            start: None,
            end: None,
            window: Window::Longest,
            min_tickers: None,
            fill_limit: 5,
            jump_threshold: 0.5,
            drop_suspect: false,
            beta: 25.0,
            beta_sequential: 12.0,
            inner_steps: 200,
            sequential_segments: 16,
            regimes: 4,
            regime_window: 21,
            condition_dates: None,
            condition_regime: None,
            regime_quantile: 0.2,
            weights: WeightsSpec::Equal,
            backtest_split: None,
            scenarios: None,
            horizon: None,
            raw: false,
            as_of: None,
            backtest: None,
            refit_every: 21,
            backtest_horizon: 10,
            paths_state: finance::PathsState::Ewma,
            run: RunParams::default(),
            paths: None,
            moments_only: false,
            moments: None,
        }
    }

    /// How the prices are read (dates, window, columns, fill and split rules), checked: --start
    /// not after --end, a --window range not combined with them, a --min-tickers of at least 1
    /// (with --window longest only) and a positive jump threshold.
    pub fn read_options(&self) -> Result<ReadOptions> {
        let a = self;
        if let Window::Range(s, e) = a.window {
            date_order((s, e)).map_err(|why| invalid("--window <RULE>", &format!("{s}..{e}"), &why))?;
        }
        if let (Some(s), Some(e)) = (a.start, a.end) {
            if e < s {
                return Err(crate::input_err!("--end {e} is before --start {s}"));
            }
        }
        if a.min_tickers == Some(0) {
            return Err(crate::input_err!("--min-tickers must be at least 1"));
        }
        if a.min_tickers.is_some() && a.window != Window::Longest {
            return Err(crate::input_err!("--min-tickers applies to --window longest only"));
        }
        if !(a.jump_threshold.is_finite() && a.jump_threshold > 0.0) {
            return Err(crate::input_err!("--jump-threshold must be a positive number, got {}", a.jump_threshold));
        }
        let (start, end, window) = match a.window {
            Window::Longest => (a.start, a.end, WindowRule::Longest),
            Window::Common => (a.start, a.end, WindowRule::Common),
            Window::Range(s, e) => {
                if a.start.is_some() || a.end.is_some() {
                    return Err(crate::input_err!("--window START..END cannot be combined with --start or --end"));
                }
                (Some(s), Some(e), WindowRule::Full)
            }
        };
        Ok(ReadOptions {
            date_column: a.date_column.clone(),
            ticker_column: a.ticker_column.clone(),
            price_column: a.price_column.clone(),
            start,
            end,
            drop_suspect: a.drop_suspect,
            jump_threshold: a.jump_threshold,
            window,
            min_tickers: a.min_tickers,
            fill_limit: a.fill_limit,
            ..ReadOptions::default()
        })
    }

    /// Every rule on the parameters, before anything is read: the first one broken is an input
    /// error with the command line's message.
    pub fn check(&self) -> Result<()> {
        let a = self;
        checked("--beta <BETA>", a.beta, super::beta)?;
        checked("--beta-sequential <BETA>", a.beta_sequential, super::beta)?;
        if let Some((s, e)) = a.condition_dates {
            date_order((s, e)).map_err(|why| invalid("--condition-dates <START..END>", &format!("{s}..{e}"), &why))?;
        }
        self.check_conflicts()?;
        a.run.check_alpha()?;
        self.read_options()?;
        if !(a.regime_quantile > 0.0 && a.regime_quantile < 1.0) {
            return Err(crate::input_err!("--regime-quantile must be in (0, 1), got {}", a.regime_quantile));
        }
        if a.inner_steps == 0 || a.sequential_segments == 0 || a.regimes == 0 || a.regime_window == 0 {
            return Err(crate::input_err!(
                "--inner-steps, --sequential-segments, --regimes and --regime-window must be at least 1"
            ));
        }
        self.methods()?;
        if a.backtest.is_some() && a.refit_every == 0 {
            return Err(crate::input_err!("--refit-every must be at least 1"));
        }
        if a.backtest.is_some() && a.backtest_horizon == 0 {
            return Err(crate::input_err!("--backtest-horizon must be at least 1 (1: the 1-day backtest only)"));
        }
        if let Some((s, e)) = a.backtest {
            date_order((s, e)).map_err(|why| invalid("--backtest <START..END>", &format!("{s}..{e}"), &why))?;
        }
        if let Some(Split::Fraction(f)) = a.backtest_split {
            if !(f > 0.0 && f < 1.0) {
                return Err(Split::refused(&f.to_string()));
            }
        }
        if let (Some(n), Some(h)) = (a.scenarios, a.horizon) {
            if n == 0 || h < 2 {
                return Err(crate::input_err!(
                    "--scenarios {n} --horizon {h}: need at least 1 path of at least 2 days"
                ));
            }
        }
        self.check_shard()?;
        Ok(())
    }

    /// Where the paths start: `--as-of` as given, else the file's last day for a `--scenarios` run
    /// on the whole memory (the forecast from that evening on), else unconditional (a run
    /// conditioned by `--condition-*` or holding days out with `--backtest-split` draws its start
    /// from the days it learns from).
    pub fn as_of(&self) -> AsOf {
        let whole = self.condition_dates.is_none() && self.condition_regime.is_none() && self.backtest_split.is_none();
        self.as_of.unwrap_or(if self.scenarios.is_some() && whole { AsOf::Last } else { AsOf::Unconditional })
    }

    /// Whether `--as-of` was given with a day (`last` or a date), which excludes conditioning.
    fn as_of_given(&self) -> bool {
        self.as_of.is_some_and(AsOf::is_conditional)
    }

    /// Options given together that exclude or need each other.
    fn check_conflicts(&self) -> Result<()> {
        let a = self;
        const DATES: &str = "--condition-dates <START..END>";
        const REGIME: &str = "--condition-regime <REGIME>";
        const SPLIT: &str = "--backtest-split <DATE|FRACTION>";
        if a.condition_dates.is_some() && a.condition_regime.is_some() {
            return Err(conflict(DATES, REGIME));
        }
        if a.backtest_split.is_some() {
            if a.condition_dates.is_some() {
                return Err(conflict(SPLIT, DATES));
            }
            if a.condition_regime.is_some() {
                return Err(conflict(SPLIT, REGIME));
            }
        }
        const AS_OF: &str = "--as-of <DATE|last|unconditional>";
        const BACKTEST: &str = "--backtest <START..END>";
        if a.as_of_given() {
            for (given, name) in [(a.condition_dates.is_some(), DATES), (a.condition_regime.is_some(), REGIME)] {
                if given {
                    return Err(conflict(AS_OF, name));
                }
            }
            if a.backtest_split.is_some() {
                return Err(conflict(AS_OF, SPLIT));
            }
        }
        if a.backtest.is_some() {
            let others = [
                (a.backtest_split.is_some(), SPLIT),
                (a.scenarios.is_some(), "--scenarios <N>"),
                (a.as_of_given(), AS_OF),
            ];
            if let Some((_, name)) = others.iter().find(|(given, _)| *given) {
                return Err(conflict(BACKTEST, name));
            }
        }
        match (a.scenarios, a.horizon) {
            (Some(_), None) => return Err(missing(&["--horizon <H>"])),
            (None, Some(_)) => return Err(missing(&["--scenarios <N>"])),
            (None, None) if a.raw => return Err(missing(&["--horizon <H>", "--scenarios <N>"])),
            (None, None) if a.as_of_given() => return Err(missing(&["--horizon <H>", "--scenarios <N>"])),
            _ => {}
        }
        Ok(())
    }

    /// `--paths A..B`: inside the --scenarios run, and with --raw, --moments-only or --moments FILE
    /// when a method's paths are set to the history's mean and sd (the correction uses the moments
    /// of every path, which a shard does not have).
    fn check_shard(&self) -> Result<()> {
        let (Some((a, b)), Some(n)) = (self.paths, self.scenarios) else {
            return match self.paths {
                Some(_) => Err(missing(&["--scenarios <N>", "--horizon <H>"])),
                None => Ok(()),
            };
        };
        if a >= b || b > n {
            return Err(crate::input_err!(
                "--paths {a}..{b}: not a range of the --scenarios {n} paths (0 ≤ A < B ≤ {n})"
            ));
        }
        let methods = self.methods()?;
        if methods.contains(&FinanceMethod::SaSequential) && b - a < n {
            return Err(crate::input_err!(
                "--paths {a}..{b}: sa_sequential cannot make a part of its paths: they are the segments of one \
                 sequential generator run, each half of them drawing from one shared random stream; leave it out \
                 of --methods of a shard"
            ));
        }
        let corrected: Vec<&str> = methods
            .iter()
            .copied()
            .filter(|&m| m != FinanceMethod::Historical && !(self.as_of().is_conditional() && m.starts_as_of()))
            .map(FinanceMethod::id)
            .collect();
        let given = self.raw || self.moments_only || self.moments.is_some();
        if !given && b - a < n && !corrected.is_empty() {
            return Err(crate::input_err!(
                "--paths {a}..{b}: {} set to the history's mean and sd with the moments of all {n} paths, which a \
                 part does not have: give --raw, or --moments-only on every shard, `satool finance moments` to \
                 join them, then --moments FILE (docs/scaling-out.md)",
                corrected.join(", ")
            ));
        }
        Ok(())
    }

    fn methods(&self) -> Result<Vec<FinanceMethod>> {
        match &self.run.methods {
            Some(ids) => FinanceMethod::parse_list(ids),
            None if self.backtest.is_some() => Ok(finance::ROLLING_METHODS.to_vec()),
            None if self.scenarios.is_some() => Ok(FinanceMethod::PATHS_DEFAULT.to_vec()),
            None => Ok(FinanceMethod::ALL.to_vec()),
        }
    }

    /// The job these parameters ask for, checked.
    pub fn job(&self) -> Result<FinanceJob> {
        self.check()?;
        let a = self;
        let mut read = a.read_options()?;
        if let AsOf::Date(d) = a.as_of() {
            // The history ends at the date, and no row dated after it is read.
            read.end = Some(read.end.map_or(d, |e| e.min(d)));
            read.unread_after = Some(d);
        }
        Ok(FinanceJob {
            prices: a.prices.clone(),
            read,
            seed: a.run.seed,
            alpha: a.run.alpha,
            precision: a.run.precision,
            beta: a.beta,
            beta_sequential: a.beta_sequential,
            inner_steps: a.inner_steps,
            sequential_segments: a.sequential_segments,
            regimes: a.regimes,
            regime_window: a.regime_window,
            condition: match (a.condition_dates, a.condition_regime) {
                (Some((x, y)), _) => Some(finance::Condition::Dates(x, y)),
                (None, Some(VolRegime::HighVol)) => Some(finance::Condition::HighVol(a.regime_quantile)),
                (None, Some(VolRegime::LowVol)) => Some(finance::Condition::LowVol(a.regime_quantile)),
                (None, None) => None,
            },
            methods: self.methods()?,
            weights: a.weights.clone(),
            backtest_split: a.backtest_split,
            paths: a.scenarios.zip(a.horizon).map(|(n, h)| {
                let (first, end) = a.paths.unwrap_or((0, n));
                finance::PathSpec { n: end - first, h, first, total: n }
            }),
            raw: a.raw,
            as_of: a.as_of(),
            rolling: a.backtest.map(|(start, end)| finance::Rolling {
                start,
                end,
                refit_every: a.refit_every,
                horizon: a.backtest_horizon,
            }),
            paths_state: a.paths_state,
            moments: match (&a.moments, a.moments_only) {
                (Some(file), _) => finance::MomentsMode::From(file.clone()),
                (None, true) => finance::MomentsMode::Only,
                (None, false) => finance::MomentsMode::None,
            },
            correction: None,
            report_tickers: None,
        })
    }
}

/// `--window` given as text (the Python package's `window`), refused as the command line does.
pub fn parse_window(s: &str) -> Result<Window> {
    Window::parse(s).map_err(|why| invalid("--window <RULE>", s, &why))
}
