//! `satool finance`: a price history → synthetic multi-asset return scenarios, compared with
//! bootstrap baselines on the stylized facts (SPEC §3).

use crate::input_err;
use crate::output::{atomic::Staging, finite, finite_opt, table};
use crate::progress::Progress;
use crate::report::finance::{FinanceReportInput, ScenarioSet};
use crate::report::ReportTarget;
use anyhow::Result;
use chrono::NaiveDate;
use ndarray::{s, Array2, ArrayView2, Axis};
use rand::Rng as _;
use rayon::prelude::*;
use satool::{
    attention_weights, centred_rolling_mean, entropy_inflection, estimate, exact_samples, generate_sequential, novelty,
    quantile_labels, run_chains_in, sample_blocks, simulate_labels, snr, stream, Estimate, Kernel, Memory, Params,
    Precision, Protocol, Regimes, Sequential, BETA_STAR_RULE,
};
use satool_finance as fin;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Method ids in table order.
pub const METHODS: [&str; 7] =
    ["historical", "bootstrap", "block_bootstrap", "exact", "sa", "sa_sequential", "sa_regime"];

/// Size of the i.i.d. pool (30 chains × 30 thinned states).
pub const POOL: usize = 900;

/// How KS p-values are computed (each method row also names the branch actually used).
pub const KS_METHOD: &str = "as SciPy ks_2samp(method='auto'): exact two-sample distribution when max(n1, n2) ≤ 10000, else SciPy's asymptotic branch";

#[derive(Debug, Clone)]
pub struct FinanceJob {
    pub prices: PathBuf,
    pub read: fin::ReadOptions,
    pub out: Option<PathBuf>,
    pub force: bool,
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
    pub methods: Vec<String>,
    /// `--report DIR`: Markdown report with SVG figures.
    pub report: Option<PathBuf>,
    /// `--qq-tickers`: tickers of the QQ and per-ticker ACF figures (default: largest variance).
    pub qq_tickers: Option<Vec<String>>,
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

pub const CONVENTIONS: [&str; 10] = [
    "returns: daily natural-log returns g_t = ln(S_t/S_{t-1}), not annualised (the published code multiplies by 252)",
    "memory X: each day's return vector centred over tickers and scaled to unit norm; scenarios ĝ = M softmax(β Xᵀξ), M = raw returns",
    "pool: 30 ULA chains × 5000 steps, burn-in 2000, thin 100 → 900 states; novelty = 1 − max cos(ξ, X) (baselines: their days encoded like X)",
    "KS: two-sample, two-sided, per ticker vs history, pass = p > 0.05; corrected = after per-ticker affine correction to the historical mean and sd",
    "all other metrics are on the scenarios as generated; corr error = ‖C_gen − C_hist‖_F / ‖C_hist‖_F (Pearson)",
    "portfolio = equal-weight mean of the tickers' log returns; VaR/ES as positive losses in log-return units",
    "ACF: demeaned, normalised by lag 0; band ±2.576/√N (99%); g lags 1–40, g² lags 1–100",
    "block_bootstrap: stationary bootstrap, mean block = mean over tickers of the Politis–White (2004, corrected 2009) length of g², the dependence (volatility clustering) it is meant to keep; on g itself the rule gives ~2 days",
    "sa_regime: Algorithm 3 whose chain may attend only to the days of the current volatility regime (quartiles of the 21-day centred mean squared return by default), the regime path drawn from a Markov chain fitted to the history",
    "sa_sequential: Algorithm 3 (warm-started MALA, one day per inner run), in contiguous segments each from its own chain",
];

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
}

#[derive(Debug, Serialize)]
pub struct InputInfo {
    pub path: String,
    pub format: String,
    pub days: usize,
    pub first_date: String,
    pub last_date: String,
}

#[derive(Debug, Serialize)]
pub struct ConditionInfo {
    pub description: String,
    pub days: usize,
    pub of_days: usize,
    /// Equal-weight portfolio sd and 1% ES of the whole history, for comparison with the rows
    /// (whose `historical` row is the conditioned days themselves).
    pub history_portfolio_sd: f64,
    pub history_es_1: f64,
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

#[derive(Debug, Serialize)]
pub struct Tickers {
    pub kept: Vec<String>,
    pub dropped: Vec<Dropped>,
    pub suspect: Vec<Suspect>,
}

#[derive(Debug, Serialize)]
pub struct Dropped {
    pub ticker: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Suspect {
    pub ticker: String,
    pub date: String,
    pub log_return: f64,
}

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
}

#[derive(Debug, Serialize)]
pub struct MethodResult {
    pub id: String,
    pub label: String,
    pub n: usize,
    pub ks_pass: f64,
    pub ks_pass_corrected: f64,
    pub ks_mean_p: f64,
    pub ks_mean_p_corrected: f64,
    pub corr_error: Option<f64>,
    pub novelty: Estimate,
    pub sd_ratio: f64,
    pub kurtosis: Option<f64>,
    pub var_1: f64,
    pub var_5: f64,
    pub es_1: f64,
    pub es_5: f64,
    /// Standard deviation of the equal-weight portfolio's daily log return.
    pub portfolio_sd: f64,
    pub acf_g2_mean_1_10: Option<f64>,
    pub acf_g_outside_band: Option<f64>,
    pub acf_g2_outside_band: Option<f64>,
    pub ks_pvalue_method: String,
    pub acceptance: Option<f64>,
    /// Conditional runs only: the same metrics against the whole history.
    pub vs_history: Option<VsHistory>,
    pub seconds: f64,
}

struct Generated {
    id: String,
    label: String,
    /// n × d scenarios.
    returns: Array2<f64>,
    /// Per-scenario novelty in memory space.
    novelty: Vec<f64>,
    acceptance: Option<f64>,
    seconds: f64,
}

struct History {
    g: Array2<f64>,
    mem: Memory,
    block_length: f64,
    /// Volatility regime of each historical day, and the fitted transition matrix.
    regime_labels: Vec<u32>,
    regime_transitions: Array2<f64>,
}

/// Regime of each day: equal-count bins of the centred rolling mean (over `window` days) of the
/// day's cross-sectional mean squared return.
fn volatility_regimes(g: &Array2<f64>, n: usize, window: usize) -> Vec<u32> {
    let sq: Vec<f64> = g.rows().into_iter().map(|r| r.iter().map(|v| v * v).sum::<f64>() / r.len() as f64).collect();
    quantile_labels(&centred_rolling_mean(&sq, window), n)
}

/// Encodes return vectors (rows) like the memory: centred over tickers, unit norm; d × n.
fn encode_days(rows: ArrayView2<f64>) -> Array2<f64> {
    fin::scaled_memory(&rows.to_owned())
}

/// `M softmax(β Xᵀ ξ)` for the columns of `states` (d × n): convex combinations of history.
fn project(h: &History, beta: f64, states: ArrayView2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((states.ncols(), h.g.ncols()));
    for cols in sample_blocks(states.ncols()) {
        let days = attention_weights(&h.mem, beta, states.slice(s![.., cols.clone()])).dot(&h.g);
        out.slice_mut(s![cols, ..]).assign(&days);
    }
    out
}

fn label(id: &str, job: &FinanceJob) -> String {
    match id {
        "historical" if job.condition.is_some() => "Conditioned days (reference)".into(),
        "historical" => "Historical (reference)".into(),
        "bootstrap" => "Bootstrap (i.i.d. days)".into(),
        "block_bootstrap" => "Stationary block bootstrap".into(),
        "exact" => format!("Exact mixture β={}", job.beta),
        "sa" => format!("SA β={} (i.i.d. pool)", job.beta),
        "sa_sequential" => format!("SA sequential MALA β={}", job.beta_sequential),
        "sa_regime" => format!("SA regime-switching β={} ({} vol regimes)", job.beta_sequential, job.regimes),
        _ => id.into(),
    }
}

fn generate(id: &str, h: &History, job: &FinanceJob) -> Result<Generated> {
    let t0 = Instant::now();
    let mut rng = stream(job.seed, id);
    let n_hist = h.g.nrows();
    let params = |beta| Params::new(job.alpha, beta);
    let (returns, nov, acceptance) = match id {
        "historical" => (h.g.clone(), None, None),
        "bootstrap" => {
            let idx: Vec<usize> = (0..POOL).map(|_| rng.random_range(0..n_hist)).collect();
            (h.g.select(Axis(0), &idx), None, None)
        }
        "block_bootstrap" => (fin::stationary_bootstrap(h.g.view(), n_hist, h.block_length, &mut rng), None, None),
        "exact" => {
            let (xi, _) = exact_samples(&h.mem, job.beta, POOL, &mut rng)?;
            (project(h, job.beta, xi.view()), Some(novelty(&h.mem, xi.view())), None)
        }
        "sa" => {
            let run = run_chains_in(
                job.precision,
                &h.mem,
                params(job.beta)?,
                Kernel::Ula,
                &Protocol::default(),
                job.seed,
                id,
            );
            (project(h, job.beta, run.states.view()), Some(novelty(&h.mem, run.states.view())), None)
        }
        "sa_sequential" | "sa_regime" => {
            let cfg = Sequential::new(params(job.beta_sequential)?, job.inner_steps, n_hist, job.sequential_segments)?;
            // Regimes: a Markov chain fitted to the historical regime labels drives which days the
            // generator may attend to, so the output inherits the persistence of volatility.
            let regimes = if id == "sa_regime" {
                let start = h.regime_labels[rng.random_range(0..n_hist)];
                let path = simulate_labels(&h.regime_transitions, start, n_hist, &mut rng);
                Some(Regimes::new(h.regime_labels.clone(), path)?)
            } else {
                None
            };
            let run = generate_sequential(job.precision, &h.mem, h.g.view(), &cfg, regimes.as_ref(), job.seed, id)?;
            (run.returns, Some(novelty(&h.mem, run.states.view())), Some(run.acceptance))
        }
        other => return Err(input_err!("unknown method '{other}' (known: {})", METHODS.join(", "))),
    };
    // Replayed days are encoded like the memory, so their novelty is measured the same way.
    let novelty = nov.unwrap_or_else(|| novelty(&h.mem, encode_days(returns.view()).view()));
    Ok(Generated {
        id: id.into(),
        label: label(id, job),
        returns,
        novelty,
        acceptance,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Standard deviation (n − 1) of the equal-weight portfolio (row means).
fn portfolio_sd(g: &Array2<f64>) -> f64 {
    let p: Vec<f64> = g.rows().into_iter().map(|r| r.mean().unwrap_or(0.0)).collect();
    satool_common::stats::sd(ndarray::aview1(&p))
}

fn evaluate(g: &Generated, h: &History, full: Option<&Array2<f64>>) -> Result<MethodResult> {
    let t0 = Instant::now();
    let m = fin::evaluate(h.g.view(), g.returns.view(), fin::KsMethod::Auto)?;
    let id = &g.id;
    let f = |name: &str, v: f64| finite(&format!("{name} of {id}"), v);
    let vs_history = full
        .map(|full| -> Result<VsHistory> {
            let a = fin::evaluate(full.view(), g.returns.view(), fin::KsMethod::Auto)?;
            Ok(VsHistory {
                ks_pass_corrected: f("corrected KS pass vs history", a.ks_pass_corrected)?,
                ks_mean_p_corrected: f("corrected KS mean p vs history", a.ks_mean_p_corrected)?,
                corr_error: finite_opt(&format!("correlation error vs history of {id}"), a.corr_error)?,
                sd_ratio: f("sd ratio vs history", a.sd_ratio)?,
                var_1: f("VaR 1%", a.var_1)?,
                es_1: f("ES 1%", a.es_1)?,
            })
        })
        .transpose()?;
    let nov = estimate(&g.novelty);
    Ok(MethodResult {
        id: g.id.clone(),
        label: g.label.clone(),
        n: g.returns.nrows(),
        ks_pass: f("KS pass", m.ks_pass)?,
        ks_pass_corrected: f("corrected KS pass", m.ks_pass_corrected)?,
        ks_mean_p: f("KS mean p", m.ks_mean_p)?,
        ks_mean_p_corrected: f("corrected KS mean p", m.ks_mean_p_corrected)?,
        corr_error: finite_opt(&format!("correlation error of {id}"), m.corr_error)?,
        novelty: Estimate { mean: f("novelty", nov.mean)?, se: finite_opt(&format!("novelty SE of {id}"), nov.se)? },
        sd_ratio: f("sd ratio", m.sd_ratio)?,
        kurtosis: finite_opt(&format!("kurtosis of {id}"), m.kurtosis)?,
        var_1: f("VaR 1%", m.var_1)?,
        var_5: f("VaR 5%", m.var_5)?,
        es_1: f("ES 1%", m.es_1)?,
        es_5: f("ES 5%", m.es_5)?,
        portfolio_sd: f("portfolio sd", portfolio_sd(&g.returns))?,
        acf_g2_mean_1_10: finite_opt(&format!("mean ACF(g²) lags 1-10 of {id}"), m.acf_g2_mean_1_10)?,
        acf_g_outside_band: finite_opt(&format!("ACF(g) outside band of {id}"), m.acf_g_outside_band)?,
        acf_g2_outside_band: finite_opt(&format!("ACF(g²) outside band of {id}"), m.acf_g2_outside_band)?,
        ks_pvalue_method: m.ks_methods.iter().map(|k| k.short_name()).collect::<Vec<_>>().join(", "),
        acceptance: g.acceptance,
        vs_history,
        seconds: g.seconds + t0.elapsed().as_secs_f64(),
    })
}

pub struct FinanceOutput {
    pub results: FinanceResults,
    pub header: String,
    pub table: String,
}

fn date(d: &NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Runs the whole finance job; `progress` receives one-line progress messages (stderr).
pub fn run(job: &FinanceJob, command_line: &str, progress: &Progress) -> Result<FinanceOutput> {
    for m in &job.methods {
        if !METHODS.contains(&m.as_str()) {
            return Err(input_err!("--methods: unknown method '{m}' (known: {})", METHODS.join(", ")));
        }
    }
    let mut staging =
        job.out.as_ref().map(|o| Staging::new(o, job.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    let report = ReportTarget::prepare(job.report.as_deref(), job.out.as_deref(), job.force)?;
    let table_in = fin::read_prices(&job.prices, &job.read)?;
    let full = fin::log_returns(&table_in);
    // A condition restricts the memory to a subset of days; everything below runs on that subset,
    // and every method is also compared with the whole history.
    let (g, condition) = match &job.condition {
        None => (full.clone(), None),
        Some(c) => {
            let idx = c.select(&full, &table_in.dates);
            if idx.len() < 30 {
                return Err(input_err!(
                    "{}: the condition ({}) keeps {} return days; at least 30 are needed",
                    job.prices.display(),
                    c.describe(),
                    idx.len()
                ));
            }
            let info = ConditionInfo {
                description: c.describe(),
                days: idx.len(),
                of_days: full.nrows(),
                history_portfolio_sd: portfolio_sd(&full),
                history_es_1: fin::evaluate(full.view(), full.view(), fin::KsMethod::Auto)?.es_1,
            };
            (full.select(Axis(0), &idx), Some(info))
        }
    };
    let x = fin::scaled_memory(&g);
    let mem = Memory::new(x)?;
    let beta_star = entropy_inflection(&mem).beta_star;
    // Chosen on squared returns: returns themselves are nearly uncorrelated, and the rule would
    // pick ~2-day blocks that lose the volatility clustering the block bootstrap exists to keep.
    let block_length = fin::politis_white_panel(g.mapv(|v| v * v).view()).ok_or_else(|| {
        input_err!(
            "{}: cannot estimate a Politis–White block length (no ticker has a usable autocovariance)",
            job.prices.display()
        )
    })?;
    if job.regimes > g.nrows() / 2 {
        return Err(input_err!("--regimes {} is too many for {} days of history", job.regimes, g.nrows()));
    }
    let regime_labels = volatility_regimes(&g, job.regimes, job.regime_window);
    let regime_transitions = satool::fit_transitions(&regime_labels, job.regimes);
    let h = History { g, mem, block_length, regime_labels, regime_transitions };
    let (k, d) = (h.g.nrows(), h.g.ncols());
    progress.line(&format!("{d} tickers × {k} daily returns; running {} methods", job.methods.len()));
    let stage = progress.stage("methods", &job.methods);
    let generated: Vec<Generated> =
        job.methods.par_iter().map(|m| stage.run(m, || generate(m, &h, job))).collect::<Result<_>>()?;
    drop(stage);
    let full_ref = condition.as_ref().map(|_| &full);
    let stage = progress.stage("metrics", &job.methods);
    let results: Vec<MethodResult> =
        generated.par_iter().map(|g| stage.run(&g.id, || evaluate(g, &h, full_ref))).collect::<Result<_>>()?;
    drop(stage);

    let results = FinanceResults {
        domain: "finance",
        condition,
        input: InputInfo {
            path: job.prices.display().to_string(),
            format: table_in.format.to_string(),
            days: table_in.dates.len(),
            first_date: table_in.dates.first().map(date).unwrap_or_default(),
            last_date: table_in.dates.last().map(date).unwrap_or_default(),
        },
        tickers: Tickers {
            kept: table_in.tickers.clone(),
            dropped: table_in
                .dropped
                .iter()
                .map(|t| Dropped { ticker: t.ticker.clone(), reason: t.reason.clone() })
                .collect(),
            suspect: table_in
                .suspect
                .iter()
                .map(|s| Suspect { ticker: s.ticker.clone(), date: date(&s.date), log_return: s.log_return })
                .collect(),
        },
        parameters: Parameters {
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
            block_length,
            ks_method: KS_METHOD.to_string(),
            seed: job.seed,
        },
        conventions: CONVENTIONS.to_vec(),
        methods: results,
    };
    let header = header(&results);
    let table = render_table(&results, true).to_string();
    if let Some(target) = report {
        progress.line("drawing the report figures");
        let input = FinanceReportInput {
            results: &results,
            command: crate::report::invoked_command(),
            header: &header,
            table_markdown: crate::report::markdown_table(render_table(&results, false)),
            history: h.g.view(),
            tickers: &results.tickers.kept,
            generated: generated.iter().map(|g| ScenarioSet { id: &g.id, returns: &g.returns }).collect(),
            qq_tickers: job.qq_tickers.as_deref(),
        };
        target.write(&crate::report::finance::build(&input)?, staging.as_mut())?;
    }
    if let Some(mut st) = staging {
        st.write("results.json", crate::output::to_json(&results)?.as_bytes())?;
        for g in &generated {
            st.write(&format!("{}.csv", g.id), scenarios_csv(&results.tickers.kept, &g.returns).as_bytes())?;
        }
        let mut t = String::from("ticker,status,reason\n");
        for k in &results.tickers.kept {
            t += &format!("{k},kept,\n");
        }
        for dr in &results.tickers.dropped {
            t += &format!("{},dropped,\"{}\"\n", dr.ticker, dr.reason.replace('"', "'"));
        }
        st.write("tickers.csv", t.as_bytes())?;
        st.write("command.txt", format!("{command_line}\n").as_bytes())?;
        st.commit()?;
    }
    Ok(FinanceOutput { results, header, table })
}

/// One scenario per row, one column per ticker, full precision (round-trips exactly).
fn scenarios_csv(tickers: &[String], g: &Array2<f64>) -> String {
    let mut s = String::from("scenario,");
    s += &tickers.join(",");
    s.push('\n');
    for (i, row) in g.outer_iter().enumerate() {
        s += &(i + 1).to_string();
        for v in row {
            s.push(',');
            s += &v.to_string();
        }
        s.push('\n');
    }
    s
}

fn header(r: &FinanceResults) -> String {
    let p = &r.parameters;
    let mut h = format!(
        "satool finance — {} ({})\n{} days {} → {}; tickers: {} kept, {} dropped, {} suspect jumps (|log return| > 0.5)\n",
        r.input.path,
        r.input.format,
        r.input.days,
        r.input.first_date,
        r.input.last_date,
        r.tickers.kept.len(),
        r.tickers.dropped.len(),
        r.tickers.suspect.len()
    );
    if let Some(c) = &r.condition {
        h += &format!(
            "condition: {} — {} of {} return days; the `historical` row is these days; whole history: portfolio sd {:.4}, ES 1% {:.4}\n",
            c.description, c.days, c.of_days, c.history_portfolio_sd, c.history_es_1
        );
    }
    for s in r.tickers.suspect.iter().take(10) {
        h += &format!("  suspect: {} on {}: log return {:+.3} (unadjusted split?)\n", s.ticker, s.date, s.log_return);
    }
    h += &format!(
        "d = {} tickers, K = {} return days; β = {}, β_seq = {}, α = {}, SNR = {:.4}; β* = {:.3} for reference [{}]\n",
        p.d, p.K, p.beta, p.beta_sequential, p.alpha, p.snr, p.beta_star, p.beta_star_rule
    );
    h += &format!(
        "block bootstrap mean block length {:.2} days; KS p-values: {}; seed = {}\nconventions:\n",
        p.block_length, p.ks_method, p.seed
    );
    for c in &r.conventions {
        h += &format!("  - {c}\n");
    }
    h
}

/// The comparison table; `timing` adds the seconds column (left out where output must be reproducible).
fn render_table(r: &FinanceResults, timing: bool) -> comfy_table::Table {
    let rows = r
        .methods
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.label.clone(),
                format!("{:.1}% / {:.3}", 100.0 * m.ks_pass, m.ks_mean_p),
                format!("{:.1}% / {:.3}", 100.0 * m.ks_pass_corrected, m.ks_mean_p_corrected),
                table::opt(m.corr_error, 3),
                table::est(&m.novelty, 3),
                format!("{:.3}", m.sd_ratio),
                table::opt(m.kurtosis, 2),
                format!("{:.4} / {:.4}", m.var_1, m.var_5),
                format!("{:.4} / {:.4}", m.es_1, m.es_5),
                format!("{:.4}", m.portfolio_sd),
                table::opt(m.acf_g2_mean_1_10, 3),
                format!("{} / {}", table::pct(m.acf_g_outside_band), table::pct(m.acf_g2_outside_band)),
                table::pct(m.acceptance),
                format!("{:.2}", m.seconds),
            ]
        })
        .collect();
    table::timed_table(
        &[
            "id",
            "method",
            "KS pass / p",
            "KS corr. pass / p",
            "corr err",
            "novelty",
            "sd ratio",
            "ex. kurt",
            "VaR 1% / 5%",
            "ES 1% / 5%",
            "port. sd",
            "ACF g² 1-10",
            "ACF out g / g²",
            "accept",
            "s",
        ],
        rows,
        timing,
    )
}
