//! Scenario generation: each method's draws from the history and its memory.

use super::history::{encode_days, project, ula_pool, Generated, History, POOL};
use super::paths::{self, PathSpec};
use super::{FinanceJob, FinanceMethod, Scenarios};
use anyhow::Result;
use ndarray::Axis;
use rand::Rng as _;
use satool::{exact_samples, generate_sequential, novelty, simulate_labels, stream, Params, Regimes, Sequential};
use satool_finance as fin;
use std::time::Instant;

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
            let g = paths::generate(method, h, job, PathSpec::all(1, n_hist))?;
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
        scenarios: Scenarios { method, returns, layout, source_day: None, regime: None, portfolio: None },
        novelty,
        output_novelty,
        acceptance,
        on_history_scale: false,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
