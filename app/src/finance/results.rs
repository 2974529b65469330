//! What a finance run returns: the serialisable results (results.json) and the generated
//! scenarios, which the table, the `--out` files and the report are all drawn from.

use super::FinanceMethod;
use ndarray::Array2;
use satool::{Estimate, Precision};
use serde::Serialize;

/// How KS p-values are computed (each method row also names the branch actually used).
pub const KS_METHOD: &str = "as SciPy ks_2samp(method='auto'): exact two-sample distribution when max(n1, n2) ≤ 10000, else SciPy's asymptotic branch";

/// The conventions every number of a run follows, printed in the header and kept in results.json.
pub const CONVENTIONS: [&str; 12] = [
    "returns: daily natural-log returns g_t = ln(S_t/S_{t-1}), not annualised (the published code multiplies by 252)",
    "memory X: each day's return vector centred over tickers and scaled to unit norm; scenarios ĝ = M softmax(β Xᵀξ), M = raw returns",
    "pool: 30 ULA chains × 5000 steps, burn-in 2000, thin 100 → 900 states; novelty = 1 − max cos(ξ, X) (baselines: their days encoded like X)",
    "KS: two-sample, two-sided, per ticker vs history, pass = p > 0.05; corrected = after per-ticker affine correction to the historical mean and sd (unconditional path files, already set to them with exact-zero returns kept at zero, are tested as written)",
    "all other metrics are on the scenarios as generated; corr error = ‖C_gen − C_hist‖_F / ‖C_hist‖_F (Pearson)",
    "portfolio day = Σ w (e^g − 1), the simple return of a portfolio rebalanced daily (equal weights here, --weights in the risk table and backtests), H days compounded; VaR/ES and drawdowns are positive losses as fractions of its value (risk table: %)",
    "ACF: demeaned, normalised by lag 0; band ±2.576/√N (99%; within paths ±2.576/√pairs at each lag); g lags 1–40, g² lags 1–100; lag-1 within paths: share of tickers inside ±2.576/√pairs (white noise) / inside ±2.576·√Σ(c_t c_{t+1})² / (pairs · mean c²) (robust: no lag-1 dependence, clustered volatility); results.json's acf_g_lag1_between_zero_and_history: share of tickers whose lag-1 ACF lies between zero and history's own (whole history), each end widened by the robust band (no lag-1 dependence that history does not have)",
    "block_bootstrap: stationary bootstrap, mean block = mean over tickers of the Politis–White (2004, corrected 2009) length of g², the dependence (volatility clustering) it is meant to keep; on g itself the rule gives ~2 days",
    "sa_regime: Algorithm 3 whose chain may attend only to the days of the current volatility regime (quartiles of the 21-day centred mean squared return by default), the regime path drawn from a Markov chain fitted to the history",
    "sa_sequential: Algorithm 3 (warm-started MALA, one day per inner run), in contiguous segments each from its own chain",
    "garch_fhs: per-ticker GARCH(1,1), constant mean, Gaussian QML as Python arch (percent returns, arch's backcast); from the variance after the last day one K-day path (with --scenarios, N paths of H days), each day one historical day's standardised residuals for all tickers",
    "sa_paths: each day a historical day drawn by its mixture weight (β) from the 1% (at least 25; for a path's first day at least 200) of historical days whose volatility state (EWMA λ=0.94 of the cross-sectional mean of g², each ticker's in units of its mean g²) is nearest the path's, centred on its neighbourhood's mean (no drift shared by consecutive days) and scaled by √(path's state / the day's state), a ticker that did not move on the day drawn kept at zero; the state then updated with the day drawn; unconditional paths rescaled to the history's per-ticker mean and sd (as every unconditional path file of --scenarios, unless --raw)",
];

/// Everything results.json holds: the input, the parameters and one row per method.
#[derive(Debug, Serialize)]
pub struct FinanceResults {
    pub domain: &'static str,
    pub input: InputInfo,
    /// Present for conditional runs: which days the memory was restricted to.
    pub condition: Option<ConditionInfo>,
    pub tickers: Tickers,
    pub parameters: Parameters,
    pub conventions: Vec<&'static str>,
    pub methods: Vec<MethodResult>,
    /// Portfolio VaR/ES and drawdowns of every method (`--weights`).
    pub risk: super::RiskResults,
    /// `--backtest-split` runs: each method's VaR counted on the held-out days.
    pub backtest: Option<super::BacktestResults>,
    /// Tickers dropped for constant returns over the training window, and methods left out of the
    /// table, each with the error that kept it from running.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The price file as read.
#[derive(Debug, Serialize)]
pub struct InputInfo {
    pub path: String,
    pub format: String,
    pub days: usize,
    pub first_date: String,
    pub last_date: String,
}

/// The subset of days a conditional run generates from.
#[derive(Debug, Serialize)]
pub struct ConditionInfo {
    pub description: String,
    pub days: usize,
    pub of_days: usize,
    /// Runs of consecutive selected days, and the longest: time-series statistics (blocks,
    /// regime transitions, ACFs of the `historical` row) never pair days across two runs.
    pub runs: usize,
    pub longest_run: usize,
    /// Equal-weight portfolio sd and 1% ES of the whole history, for comparison with the rows
    /// (whose `historical` row is the conditioned days themselves).
    pub history_portfolio_sd: f64,
    pub history_es_1: f64,
    /// The selected return days (condition_days.csv under --out) and the run (1-based) of each.
    #[serde(skip)]
    pub dates: Vec<String>,
    #[serde(skip)]
    pub run_of_day: Vec<usize>,
}

/// A method's main metrics against the whole history, when the run is conditioned.
#[derive(Debug, Serialize)]
pub struct VsHistory {
    pub ks_pass_corrected: f64,
    pub ks_mean_p_corrected: f64,
    pub corr_error: Option<f64>,
    pub sd_ratio: f64,
    pub var_1: f64,
    pub es_1: f64,
}

/// Which tickers the run kept, dropped (incomplete history) or flagged (suspect jumps).
#[derive(Debug, Serialize)]
pub struct Tickers {
    pub kept: Vec<String>,
    pub dropped: Vec<Dropped>,
    pub suspect: Vec<Suspect>,
    /// The window rule and the window it chose, in words.
    pub window: String,
    /// Gaps of at most this many trading days were forward-filled.
    pub fill_limit: usize,
    /// A one-day |log return| above this is a jump.
    pub jump_threshold: f64,
    /// Every ticker of the file: status, price span, filled days, reason (also tickers.csv).
    pub coverage: Vec<TickerRow>,
    /// Runs of file dates (inside --start/--end) the history leaves out, and why.
    pub dropped_dates: Vec<DroppedDates>,
    /// Days on which several tickers jumped together (market moves, not suspects).
    pub shared_jump_days: Vec<SharedJumps>,
}

/// A ticker left out, and why.
#[derive(Debug, Serialize)]
pub struct Dropped {
    pub ticker: String,
    pub reason: String,
}

/// A one-day |log return| above the threshold on a day few tickers jumped: most likely an
/// unadjusted split, a spin-off or a data error.
#[derive(Debug, Serialize)]
pub struct Suspect {
    pub ticker: String,
    pub date: String,
    pub log_return: f64,
    pub ratio: f64,
    /// The simple split fraction the market-adjusted ratio is within 3% of (e.g. "1/2").
    pub near_split: Option<&'static str>,
    /// Cross-sectional median log return of the day.
    pub market_log_return: f64,
    pub tickers_jumping: usize,
}

/// One ticker of the input file and what the reader did with it.
#[derive(Debug, Serialize)]
pub struct TickerRow {
    pub ticker: String,
    /// "kept" or "dropped".
    pub status: &'static str,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub filled_days: usize,
    pub reason: String,
}

/// A run of consecutive file dates left out of the history.
#[derive(Debug, Serialize)]
pub struct DroppedDates {
    pub first: String,
    pub last: String,
    pub days: usize,
    pub reason: String,
}

/// A day on which several tickers jumped together.
#[derive(Debug, Serialize)]
pub struct SharedJumps {
    pub date: String,
    pub tickers: Vec<String>,
    pub market_log_return: f64,
}

/// The sizes and settings of the run (`K` as in the paper: the number of memories).
#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
pub struct Parameters {
    pub d: usize,
    pub K: usize,
    pub beta: f64,
    pub beta_sequential: f64,
    pub beta_star: f64,
    pub beta_star_rule: &'static str,
    pub snr: f64,
    pub alpha: f64,
    pub inner_steps: usize,
    pub sequential_segments: usize,
    pub regimes: usize,
    pub regime_window: usize,
    /// Fitted day-to-day transition matrix of the volatility regimes (row = from).
    pub regime_transitions: Vec<Vec<f64>>,
    pub precision: Precision,
    pub block_length: f64,
    pub ks_method: String,
    pub seed: u64,
    /// `--scenarios` and `--horizon` (absent: the published protocol).
    pub scenarios: Option<usize>,
    pub horizon: Option<usize>,
    /// `--raw`: path scenarios left without the correction to the history's mean and sd.
    pub raw: bool,
    /// With `--scenarios`, where the paths start: `as_of` (the state after the history's last
    /// day, the default) or `unconditional` (`--as-of unconditional`, `--condition-*`,
    /// `--backtest-split`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths_start: Option<&'static str>,
    /// `--as-of`: the last day of the history, whose state the `sa_paths`, `exact` and `garch_fhs`
    /// paths start from (absent: unconditional paths).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// `--as-of` with `sa_paths` or `exact`: the volatility state the paths start from after that
    /// day, in units of the history's average day (1: an average day): the larger of two EWMAs (λ
    /// 0.94 and 0.70) of the cross-sectional mean of g², each ticker's in units of its mean g²
    /// (with `--paths-state ewma-leverage`, of the state with its fitted leverage; absent with
    /// `multiscale`, whose start is a state of three ranks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of_state: Option<f64>,
    /// `--paths A..B`: the paths of the run this shard generated (0-based, B excluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths: Option<[usize; 2]>,
    /// `--paths-state` (left out when it is the default, `ewma`).
    #[serde(skip_serializing_if = "is_ewma")]
    pub paths_state: super::PathsState,
    /// `--paths-state ewma-leverage` with `sa_paths`: the leverage γ fitted on the history (a
    /// falling market day adds 1 + γ times what a rising one does to the state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths_leverage: Option<f64>,
}

pub(super) fn is_ewma(s: &super::PathsState) -> bool {
    *s == super::PathsState::Ewma
}

/// `sa_paths` under `--paths-state multiscale` (replaces the one-scale line of [`CONVENTIONS`]).
const SA_PATHS_MULTISCALE: &str = "sa_paths (--paths-state multiscale): each day a fresh exact draw of the mixture law (β) restricted to the 1% (at least 20) of historical days nearest the path's state in rank space, the state being a fast (λ=0.94) and a slow (λ=0.99) EWMA of the cross-sectional mean of g² (each ticker's in units of its mean g²) and an EWMA (λ=0.9) of the equal-weight market's log return, distance² = Δrank_fast² + Δrank_slow² + (0.1·Δrank_market)², the state then updated with the day drawn; each day centred on its neighbourhood's mean, a ticker that did not move on the day drawn kept at zero; unconditional paths rescaled to the history's per-ticker mean and sd (as every unconditional path file of --scenarios, unless --raw)";

/// `sa_paths` under `--paths-state ewma-blend` (replaces the one-scale line of [`CONVENTIONS`]).
const SA_PATHS_BLEND: &str = "sa_paths (--paths-state ewma-blend): each day a fresh exact draw of the mixture law (β) restricted to the 1% (at least 20) of historical days whose volatility state (EWMA λ=0.94 of the cross-sectional mean of g², each ticker's in units of its mean g²) is nearest the path's, the state then updated with the day drawn; each day centred on its neighbourhood's mean (no drift shared by consecutive days), a ticker that did not move on the day drawn kept at zero; unconditional paths rescaled to the history's per-ticker mean and sd (as every unconditional path file of --scenarios, unless --raw)";

/// `sa_paths` under `--paths-state ewma-leverage` (replaces the one-scale line of [`CONVENTIONS`]).
const SA_PATHS_LEVERAGE: &str = "sa_paths (--paths-state ewma-leverage): as the default (ewma), each day a historical day of the 1% (at least 25; 200 for a path's first day) of historical days whose volatility state is nearest the path's, centred and scaled to the path's state, but the state an EWMA (λ=0.94) of the cross-sectional mean of g² (each ticker's in units of its mean g²) times (1 + γ)·c on a day the equal-weight market fell and c on a day it did not, γ fitted on the history by quasi-maximum likelihood (grid 0..4 by 0.05; paths_leverage) and c keeping the state's mean level the history's mean g²";

/// `sa_paths` under `--paths-state runs` (replaces the one-scale line of [`CONVENTIONS`]).
const SA_PATHS_RUNS: &str = "sa_paths (--paths-state runs): as the default (ewma), each day a historical day of the 1% (at least 25; 200 for a path's first day) of historical days whose volatility state is nearest the path's, centred and scaled to the path's state, except that each day after a path's first is, with probability 0.8, the historical day after the one drawn last (within a run of consecutive days), scaled to the path's state and not centred: history's own sequences (mean run 5 days), with their rebounds after crashes and their lag-1 ACF";

/// The conventions of a run: [`CONVENTIONS`], with the `sa_paths` line of the state it uses.
pub fn conventions(state: super::PathsState) -> Vec<&'static str> {
    CONVENTIONS
        .iter()
        .map(|&c| match state {
            super::PathsState::Multiscale if c.starts_with("sa_paths:") => SA_PATHS_MULTISCALE,
            super::PathsState::EwmaBlend if c.starts_with("sa_paths:") => SA_PATHS_BLEND,
            super::PathsState::EwmaLeverage if c.starts_with("sa_paths:") => SA_PATHS_LEVERAGE,
            super::PathsState::Runs if c.starts_with("sa_paths:") => SA_PATHS_RUNS,
            _ => c,
        })
        .collect()
}

/// One table row: a method's scenarios scored against the history.
#[derive(Debug, Serialize)]
pub struct MethodResult {
    pub id: FinanceMethod,
    pub label: String,
    pub n: usize,
    pub ks_pass: f64,
    pub ks_pass_corrected: f64,
    pub ks_mean_p: f64,
    pub ks_mean_p_corrected: f64,
    pub corr_error: Option<f64>,
    pub novelty: Estimate,
    /// Novelty of the output days (1 − max cos of the encoded day to a historical day), and the
    /// share of output days with cos > 0.99 to one historical day (near copies).
    pub output_novelty: Estimate,
    pub near_copies: f64,
    pub sd_ratio: f64,
    pub kurtosis: Option<f64>,
    pub var_1: f64,
    pub var_5: f64,
    pub es_1: f64,
    pub es_5: f64,
    /// Standard deviation of the equal-weight portfolio's daily simple return.
    pub portfolio_sd: f64,
    pub acf_g2_mean_1_10: Option<f64>,
    pub acf_g_outside_band: Option<f64>,
    pub acf_g2_outside_band: Option<f64>,
    /// Lag-1 ACF of g within the series or paths: mean over tickers, share of tickers inside the
    /// 99% white-noise band, the band, and the share inside each ticker's heteroskedasticity-robust
    /// 99% band, and the share whose lag-1 ACF lies between zero and history's own, each end
    /// widened by that robust band (`satool_finance::Lag1`); `None` for i.i.d. rows.
    pub acf_g_lag1: Option<f64>,
    pub acf_g_lag1_inside_band: Option<f64>,
    pub acf_g_lag1_band: Option<f64>,
    pub acf_g_lag1_inside_robust_band: Option<f64>,
    pub acf_g_lag1_between_zero_and_history: Option<f64>,
    /// Mean over tickers of the 10-day variance ratio (1 = no serial dependence in g).
    pub variance_ratio_10: Option<f64>,
    /// Mean ACF(g²) over lags 11–50 (series of over 50 days only): each lag the mean product of
    /// its within-path pairs over the pooled variance (for the history, one path: its n − k
    /// pairs; the 1–10 column's curves divide by n, the usual estimator).
    pub acf_g2_mean_11_50: Option<f64>,
    /// Paths (scenario) count and length, for path runs.
    pub paths: Option<usize>,
    pub horizon: Option<usize>,
    pub ks_pvalue_method: String,
    pub acceptance: Option<f64>,
    /// Conditional runs only: the same metrics against the whole history.
    pub vs_history: Option<VsHistory>,
    pub seconds: f64,
    /// KS, sd ratio, kurtosis and ACFs of each ticker, in `tickers.kept` order.
    pub per_ticker: super::PerTicker,
}

/// One method's generated scenarios (n × d returns, tickers in `Tickers::kept` order).
#[derive(Debug, Clone)]
pub struct Scenarios {
    pub method: FinanceMethod,
    pub returns: Array2<f64>,
    /// How the rows relate in time (one series, paths of H days, or i.i.d. days).
    pub layout: satool_finance::Layout,
    /// Row of the history each scenario row copies or was drawn around, where known.
    pub source_day: Option<Vec<usize>>,
    /// Volatility regime of each row, for the regime generators' paths.
    pub regime: Option<Vec<u32>>,
    /// The `--weights` portfolio's log return of each row, when the rows are not held: a path
    /// method streamed a block of paths at a time (`returns` is then empty and its path file was
    /// written as the paths were drawn).
    pub portfolio: Option<Vec<f64>>,
}

/// What a finance run returns: its results, the days it compared with, and every method's
/// scenarios (in `--methods` order), for the table, the `--out` files and the report.
#[derive(Debug)]
pub struct FinanceRun {
    pub results: FinanceResults,
    /// The days the memory holds (K × d): the history, or its conditioned subset.
    pub history: Array2<f64>,
    /// The date of each row of `history`.
    pub dates: Vec<chrono::NaiveDate>,
    pub scenarios: Vec<Scenarios>,
}
