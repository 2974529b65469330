//! What every finance method draws from (the history, its memory and what is fitted to it once)
//! and what a method returns, with the helpers that the single-draw and the path generators
//! share: encoding days like the memory and projecting sampler states onto the history.

use super::{FinanceJob, Scenarios};
use anyhow::Result;
use ndarray::{s, Array2, ArrayView2};
use satool::{
    attention_weights, novelty, quantile_labels, run_chains, sample_blocks, Kernel, Memory, Params, Protocol,
};
use satool_finance as fin;

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
    /// The GARCH(1,1) panel fitted to `g`, once (a streamed run draws its paths block by block).
    pub garch: std::sync::OnceLock<fin::garch::GarchPanel>,
}

impl History {
    /// The days and their memory only, for a method that draws from nothing else (the rolling
    /// backtest's `sa_paths`): one run, no block length, one regime.
    pub(super) fn days_only(g: Array2<f64>, dates: Vec<chrono::NaiveDate>) -> Result<History> {
        let mem = Memory::new(fin::scaled_memory(&g))?;
        let k = g.nrows();
        Ok(History {
            runs: std::iter::once(0..k).collect(),
            mem,
            block_length: 1.0,
            regime_labels: vec![0; k],
            regime_transitions: Array2::ones((1, 1)),
            dates,
            g,
            garch: Default::default(),
        })
    }

    /// The GARCH(1,1) panel fitted to the days, fitted at the first call.
    pub(super) fn garch(&self) -> Result<&fin::garch::GarchPanel> {
        if let Some(p) = self.garch.get() {
            return Ok(p);
        }
        let panel = fin::garch::GarchPanel::fit(self.g.view())?;
        Ok(self.garch.get_or_init(|| panel))
    }
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
    let run = run_chains(&h.mem, Params::new(job.alpha, job.beta)?, Kernel::Ula, &protocol, job.seed, id)?;
    Ok((project(h, job.beta, run.states.view()), novelty(&h.mem, run.states.view())))
}
