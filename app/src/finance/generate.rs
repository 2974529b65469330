//! Scenario generation: each method's draws from the history and its memory.

use super::paths::{self, PathSpec};
use super::{FinanceJob, FinanceMethod, Scenarios};
use anyhow::Result;
use ndarray::{s, Array2, ArrayView2, Axis};
use rand::Rng as _;
use satool::{
    attention_weights, exact_samples, generate_sequential, novelty, quantile_labels, run_chains, sample_blocks,
    simulate_labels, stream, Kernel, Memory, Params, Protocol, Regimes, Sequential,
};
use satool_finance as fin;
use std::time::Instant;

/// Size of the i.i.d. pool (30 chains × 30 thinned states).
pub const POOL: usize = 900;

/// What every method draws from: the days (K × d), their memory, and what the bootstraps and
/// the regime-switching generator fit to them once.
pub(super) struct History {
    pub g: Array2<f64>,
    /// Runs of consecutive days of `g` (one run unless the run is conditioned): blocks and
    /// regime transitions stay inside a run.
    pub runs: Vec<std::ops::Range<usize>>,
    pub mem: Memory,
    pub block_length: f64,
    /// Volatility regime of each historical day, and the fitted transition matrix.
    pub regime_labels: Vec<u32>,
    pub regime_transitions: Array2<f64>,
    /// Date of each day (row of `g`).
    pub dates: Vec<chrono::NaiveDate>,
}

/// A method's scenarios with what is measured while generating them.
pub(super) struct Generated {
    pub scenarios: Scenarios,
    /// Per-scenario novelty in memory space (of the sampler state, where there is one).
    pub novelty: Vec<f64>,
    /// Per-scenario novelty of the output day, encoded like the memory.
    pub output_novelty: Vec<f64>,
    pub acceptance: Option<f64>,
    /// Already set to the history's per-ticker mean and sd (a path file without `--raw`): its
    /// corrected KS is its own.
    pub on_history_scale: bool,
    pub seconds: f64,
}

/// Regime of each day: equal-count bins of the centred rolling mean (over `window` days, inside
/// each run of consecutive days) of the day's cross-sectional mean squared return.
pub(super) fn volatility_regimes(
    g: &Array2<f64>,
    runs: &[std::ops::Range<usize>],
    n: usize,
    window: usize,
) -> Vec<u32> {
    let sq: Vec<f64> = g.rows().into_iter().map(|r| r.iter().map(|v| v * v).sum::<f64>() / r.len() as f64).collect();
    quantile_labels(&fin::centred_rolling_mean_runs(&sq, runs, window), n)
}

/// Encodes return vectors (rows) like the memory: centred over tickers, unit norm; d × n.
pub(super) fn encode_days(rows: ArrayView2<f64>) -> Array2<f64> {
    fin::scaled_memory(&rows.to_owned())
}

/// `M softmax(β Xᵀ ξ)` for the columns of `states` (d × n): convex combinations of history.
pub(super) fn project(h: &History, beta: f64, states: ArrayView2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((states.ncols(), h.g.ncols()));
    for cols in sample_blocks(states.ncols()) {
        let days = attention_weights(&h.mem, beta, states.slice(s![.., cols.clone()])).dot(&h.g);
        out.slice_mut(s![cols, ..]).assign(&days);
    }
    out
}

/// The published `sa` pool: 30 ULA chains at β (burn-in 2000, thinning 100 → 900 states) on the
/// method's stream `id`, projected onto the history, with each state's novelty.
pub(super) fn ula_pool(h: &History, job: &FinanceJob, id: &str) -> Result<(Array2<f64>, Vec<f64>)> {
    let protocol = Protocol::default().with_precision(job.precision);
    let run = run_chains(&h.mem, Params::new(job.alpha, job.beta)?, Kernel::Ula, &protocol, job.seed, id);
    Ok((project(h, job.beta, run.states.view()), novelty(&h.mem, run.states.view())))
}

/// Runs one method. Its random draws come from the stream named by its id, so a method's
/// scenarios do not depend on which other methods run.
pub(super) fn generate(method: FinanceMethod, h: &History, job: &FinanceJob) -> Result<Generated> {
    if let Some(spec) = job.paths.filter(|_| method != FinanceMethod::Historical) {
        return paths::generate(method, h, job, spec);
    }
    let t0 = Instant::now();
    let id = method.id();
    let mut rng = stream(job.seed, id);
    let n_hist = h.g.nrows();
    let params = |beta| Params::new(job.alpha, beta);
    let (returns, nov, acceptance) = match method {
        FinanceMethod::Historical => (h.g.clone(), None, None),
        FinanceMethod::Bootstrap => {
            let idx: Vec<usize> = (0..POOL).map(|_| rng.random_range(0..n_hist)).collect();
            (h.g.select(Axis(0), &idx), None, None)
        }
        FinanceMethod::BlockBootstrap => {
            (fin::stationary_bootstrap_runs(h.g.view(), &h.runs, n_hist, h.block_length, &mut rng), None, None)
        }
        FinanceMethod::GarchFhs => {
            // One path as long as the history, from the variance after its last day.
            let path = fin::garch::GarchPanel::fit(h.g.view())?.simulate(1, n_hist, &mut rng);
            (path.into_shape_with_order((n_hist, h.g.ncols()))?, None, None)
        }
        FinanceMethod::Exact => {
            let (xi, _) = exact_samples(&h.mem, job.beta, POOL, &mut rng)?;
            (project(h, job.beta, xi.view()), Some(novelty(&h.mem, xi.view())), None)
        }
        FinanceMethod::Sa => {
            let (pool, nov) = ula_pool(h, job, id)?;
            (pool, Some(nov), None)
        }
        FinanceMethod::SaSequential | FinanceMethod::SaRegime => {
            let cfg = Sequential::new(params(job.beta_sequential)?, job.inner_steps, n_hist, job.sequential_segments)?
                .with_precision(job.precision);
            // Regimes: a Markov chain fitted to the historical regime labels drives which days the
            // generator may attend to, so the output inherits the persistence of volatility.
            let regimes = if method == FinanceMethod::SaRegime {
                let start = h.regime_labels[rng.random_range(0..n_hist)];
                let path = simulate_labels(&h.regime_transitions, start, n_hist, &mut rng);
                Some(Regimes::new(h.regime_labels.clone(), path)?)
            } else {
                None
            };
            let run = generate_sequential(&h.mem, h.g.view(), &cfg, regimes.as_ref(), job.seed, id)?;
            (run.returns, Some(novelty(&h.mem, run.states.view())), Some(run.acceptance))
        }
        // One path as long as the history, on the history's scale (as with --scenarios).
        FinanceMethod::SaPaths => {
            let g = paths::generate(method, h, job, PathSpec { n: 1, h: n_hist })?;
            return Ok(Generated { scenarios: Scenarios { layout: fin::Layout::Series, ..g.scenarios }, ..g });
        }
    };
    // Rows of the i.i.d. methods have no time order (the pool's are in chain order).
    let layout = match method {
        FinanceMethod::Bootstrap | FinanceMethod::Exact | FinanceMethod::Sa => fin::Layout::Iid,
        _ => fin::Layout::Series,
    };
    // Replayed days are encoded like the memory, so their novelty is measured the same way.
    let output_novelty = novelty(&h.mem, encode_days(returns.view()).view());
    let novelty = nov.unwrap_or_else(|| output_novelty.clone());
    Ok(Generated {
        scenarios: Scenarios { method, returns, layout, source_day: None, regime: None },
        novelty,
        output_novelty,
        acceptance,
        on_history_scale: false,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
