//! `--scenarios N --horizon H`: N independent paths of H days per method, each path drawn from
//! its own random stream (`<id>/path<p>`), so the paths do not depend on the thread count
//! (the `sa_paths` generator itself is in `state`).

use super::history::{encode_days, project, ula_pool, Generated, History};
use super::{FinanceJob, FinanceMethod, PathsState, Scenarios};
use crate::input_err;
use anyhow::Result;
use ndarray::{s, Array2, Axis};
use rand::Rng as _;
use rayon::prelude::*;
use satool::{exact_samples, generate_sequential, novelty, simulate_labels, stream, Params, Regimes, Rng, Sequential};
use satool_finance as fin;
use std::time::Instant;

mod forecast;
mod multiscale;
mod state;

/// N paths of H days: the paths `first..first + n` of a run of `total` (a shard, `--paths A..B`,
/// when `n < total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathSpec {
    pub n: usize,
    pub h: usize,
    pub first: usize,
    pub total: usize,
}

impl PathSpec {
    /// All `n` paths of a run.
    pub fn all(n: usize, h: usize) -> PathSpec {
        PathSpec { n, h, first: 0, total: n }
    }

    /// Whether this is a part of a longer run.
    pub fn is_shard(&self) -> bool {
        self.n < self.total
    }
}

/// Paths per parallel work unit: fixed, so nothing depends on how the units are scheduled.
pub(super) const CHUNK: usize = 128;

/// Path days whose novelty (state and output) the diagnostics measure: the rows of the first
/// paths, up to this many (every row of a run of up to 20,000 path days, e.g. 1,000 × 20). Each
/// row's novelty is a pass over the whole memory, which on a wide panel cost more than drawing the
/// paths; a sample of 20,000 rows puts the mean's standard error well below the third decimal shown.
pub(super) const NOVELTY_ROWS: usize = 20_000;

/// How many of `spec`'s rows (path-major) the novelty diagnostics measure: whole paths, at most
/// [`NOVELTY_ROWS`] rows (at least one path).
pub(super) fn novelty_rows(spec: PathSpec) -> usize {
    NOVELTY_ROWS.div_ceil(spec.h.max(1)).max(1).min(spec.n) * spec.h
}

/// What a path method draws: N·H rows (path-major), with what is known of each row.
pub(super) struct PathDraw {
    pub returns: Array2<f64>,
    /// Novelty of the sampler state behind each row (memory space), when there is one.
    pub state_novelty: Option<Vec<f64>>,
    /// The historical day (row of the history) each row copies or was drawn around.
    pub source: Option<Vec<usize>>,
    /// The volatility regime of each row.
    pub regime: Option<Vec<u32>>,
    pub acceptance: Option<f64>,
}

pub(super) use forecast::{Forecaster, VolState};
use state::DayDraw;
pub(super) use state::{Leverage, States};

pub(super) fn path_stream(seed: u64, id: &str, p: usize) -> Rng {
    stream(seed, &format!("{id}/path{p}"))
}

/// A regime path of `len` days starting at a regime drawn from the historical labels (their
/// empirical stationary law), then following the fitted transition matrix.
fn regime_path(h: &History, len: usize, rng: &mut Rng) -> Vec<u32> {
    let start = h.regime_labels[rng.random_range(0..h.regime_labels.len())];
    simulate_labels(&h.regime_transitions, start, len, rng)
}

/// Paths of i.i.d. exact draws of the Gaussian-mixture law, projected onto the history:
/// H fresh draws per path from the path's stream, projected chunk by chunk.
fn exact_paths(h: &History, job: &FinanceJob, spec: PathSpec, id: &str) -> Result<PathDraw> {
    let chunks: Vec<usize> = (0..spec.n.div_ceil(CHUNK)).collect();
    let index = satool::Novelty::new(&h.mem);
    type Part = (Array2<f64>, Vec<f64>, Vec<usize>);
    let parts: Vec<Part> = chunks
        .par_iter()
        .map(|&c| -> Result<Part> {
            let paths = c * CHUNK..((c + 1) * CHUNK).min(spec.n);
            let mut states = Array2::zeros((h.mem.d(), paths.len() * spec.h));
            let mut source = Vec::with_capacity(paths.len() * spec.h);
            for (i, p) in paths.enumerate() {
                let (xi, comps) =
                    exact_samples(&h.mem, job.beta, spec.h, &mut path_stream(job.seed, id, spec.first + p))?;
                states.slice_mut(s![.., i * spec.h..(i + 1) * spec.h]).assign(&xi);
                source.extend(comps);
            }
            let measured = novelty_rows(spec).saturating_sub(c * CHUNK * spec.h).min(states.ncols());
            Ok((project(h, job.beta, states.view()), index.of(states.slice(s![.., ..measured])), source))
        })
        .collect::<Result<_>>()?;
    let mut returns = Array2::zeros((spec.n * spec.h, h.g.ncols()));
    let (mut nov, mut source) = (Vec::new(), Vec::new());
    for (c, (r, n, s)) in parts.into_iter().enumerate() {
        let start = c * CHUNK * spec.h;
        returns.slice_mut(s![start..start + r.nrows(), ..]).assign(&r);
        nov.extend(n);
        source.extend(s);
    }
    Ok(PathDraw { returns, state_novelty: Some(nov), source: Some(source), regime: None, acceptance: None })
}

/// Historical rows drawn per path: i.i.d. days or stationary blocks (within the path, and
/// within a run of consecutive days when the memory is conditioned).
fn resampled_paths(h: &History, job: &FinanceJob, spec: PathSpec, id: &str, blocks: bool) -> PathDraw {
    let k = h.g.nrows();
    let rows: Vec<usize> = (0..spec.n)
        .into_par_iter()
        .flat_map_iter(|p| {
            let mut rng = path_stream(job.seed, id, spec.first + p);
            if blocks {
                fin::stationary_rows_runs(k, &h.runs, spec.h, h.block_length, &mut rng)
            } else {
                (0..spec.h).map(|_| rng.random_range(0..k)).collect()
            }
        })
        .collect();
    PathDraw {
        returns: h.g.select(Axis(0), &rows),
        state_novelty: None,
        source: Some(rows),
        regime: None,
        acceptance: None,
    }
}

/// GARCH-FHS paths: the panel fitted once, every path simulated from the variance after the
/// history's last day with its own stream (one historical day's residual vector per day).
fn garch_paths(h: &History, job: &FinanceJob, spec: PathSpec, id: &str) -> Result<PathDraw> {
    let panel = h.garch()?;
    let d = h.g.ncols();
    let mut returns = Array2::zeros((spec.n * spec.h, d));
    let flat = returns.as_slice_mut().expect("a new array is contiguous");
    flat.par_chunks_mut(spec.h * d).enumerate().try_for_each(|(p, rows)| -> Result<()> {
        satool::check_interrupt()?;
        let path = panel.simulate(1, spec.h, &mut path_stream(job.seed, id, spec.first + p));
        rows.copy_from_slice(path.as_slice().expect("a new array is contiguous"));
        Ok(())
    })?;
    Ok(PathDraw { returns, state_novelty: None, source: None, regime: None, acceptance: None })
}

/// N paths of H days from a day-by-day generator with a state: each path from its own stream,
/// starting at `start(rng)`, each day written in place by `day(state, ξ, row, rng, scratch)`,
/// which returns the historical day drawn (and moves the state); chunks of paths in parallel.
/// With the historical day of every row, and the novelty of every ξ when the generator draws
/// one (`with_xi`; otherwise ξ is empty).
fn stateful_paths<S, T: Default>(
    h: &History,
    spec: PathSpec,
    seed: u64,
    id: &str,
    with_xi: bool,
    start: impl Fn(&mut Rng) -> S + Sync,
    day: impl Fn(&mut S, &mut [f64], &mut [f64], &mut Rng, &mut T) -> usize + Sync,
) -> Result<PathDraw> {
    let index = satool::Novelty::new(&h.mem);
    let (d_mem, d) = (if with_xi { h.mem.d() } else { 0 }, h.g.ncols());
    let mut returns = Array2::zeros((spec.n * spec.h, d));
    let flat = returns.as_slice_mut().expect("a new array is contiguous");
    let parts: Vec<(Vec<f64>, Vec<usize>)> = flat
        .par_chunks_mut(CHUNK * spec.h * d)
        .enumerate()
        .map(|(c, block)| -> Result<(Vec<f64>, Vec<usize>)> {
            satool::check_interrupt()?;
            let paths = c * CHUNK..((c + 1) * CHUNK).min(spec.n);
            let rows = paths.len() * spec.h;
            let mut xis = Array2::zeros((rows, d_mem));
            let mut source = Vec::with_capacity(rows);
            let mut scratch = T::default();
            for (i, p) in paths.enumerate() {
                let mut rng = path_stream(seed, id, spec.first + p);
                let mut state = start(&mut rng);
                for t in 0..spec.h {
                    let r = i * spec.h + t;
                    let mut xi = xis.row_mut(r);
                    let xi = xi.as_slice_mut().expect("row of a standard array");
                    let out = &mut block[r * d..(r + 1) * d];
                    source.push(day(&mut state, xi, out, &mut rng, &mut scratch));
                }
            }
            let measured = novelty_rows(spec).saturating_sub(c * CHUNK * spec.h).min(rows);
            Ok((if with_xi { index.of(xis.slice(s![..measured, ..]).t()) } else { Vec::new() }, source))
        })
        .collect::<Result<_>>()?;
    let (mut nov, mut source) = (Vec::with_capacity(spec.n * spec.h), Vec::with_capacity(spec.n * spec.h));
    for (n, s) in parts {
        nov.extend(n);
        source.extend(s);
    }
    let state_novelty = with_xi.then_some(nov);
    Ok(PathDraw { returns, state_novelty, source: Some(source), regime: None, acceptance: None })
}

/// `n` paths of `horizon` days × `d` tickers, every one from `state`, one after the other from
/// one stream, each day written by `step(state, ξ, row, rng, scratch)` (ξ of `d_xi` values) as
/// [`stateful_paths`] writes it; each path handed to `each` as one row-major slice.
#[allow(clippy::too_many_arguments)]
fn paths_from<S: Copy, T: Default>(
    (d, d_xi): (usize, usize),
    state: S,
    n: usize,
    horizon: usize,
    rng: &mut Rng,
    mut each: impl FnMut(&[f64]),
    step: impl Fn(&mut S, &mut [f64], &mut [f64], &mut Rng, &mut T) -> usize,
) {
    let (mut path, mut xi) = (vec![0.0; horizon * d], vec![0.0; d_xi]);
    let mut scratch = T::default();
    for _ in 0..n {
        let mut s = state;
        for out in path.chunks_mut(d) {
            step(&mut s, &mut xi, out, rng, &mut scratch);
        }
        each(&path);
    }
}

/// One method's N × H paths.
pub(super) fn draw(method: FinanceMethod, h: &History, job: &FinanceJob, spec: PathSpec) -> Result<PathDraw> {
    let id = method.id();
    let params = |beta| Params::new(job.alpha, beta);
    Ok(match method {
        FinanceMethod::Bootstrap => resampled_paths(h, job, spec, id, false),
        FinanceMethod::BlockBootstrap => resampled_paths(h, job, spec, id, true),
        FinanceMethod::Exact if job.as_of.is_conditional() => state::held_state_paths(h, job.beta, spec, job.seed, id)?,
        FinanceMethod::Exact => exact_paths(h, job, spec, id)?,
        FinanceMethod::SaPaths => match job.paths_state {
            PathsState::Ewma | PathsState::EwmaBlend | PathsState::EwmaLeverage | PathsState::Runs => {
                let days = match job.paths_state {
                    PathsState::EwmaBlend => DayDraw::Blend,
                    PathsState::EwmaLeverage => DayDraw::Leverage,
                    PathsState::Runs => DayDraw::Runs,
                    _ => DayDraw::Historical,
                };
                state::state_paths(h, job.beta, spec, job.seed, id, job.as_of.is_conditional(), days)?
            }
            PathsState::Multiscale => {
                multiscale::multiscale_paths(h, job.beta, spec, job.seed, id, job.as_of.is_conditional())?
            }
        },
        FinanceMethod::GarchFhs => garch_paths(h, job, spec, id)?,
        FinanceMethod::Sa => {
            // The published pool of ULA states, each path's days drawn from it with replacement:
            // the pool's rows are in chain order (sticky), so a path never reads them in order.
            let (pool, pool_nov) = ula_pool(h, job, id)?;
            let picks: Vec<usize> = (0..spec.n)
                .into_par_iter()
                .flat_map_iter(|p| {
                    let mut rng = path_stream(job.seed, id, spec.first + p);
                    (0..spec.h).map(|_| rng.random_range(0..pool.nrows())).collect::<Vec<_>>()
                })
                .collect();
            PathDraw {
                returns: pool.select(Axis(0), &picks),
                state_novelty: Some(picks.iter().map(|&i| pool_nov[i]).collect()),
                source: None,
                regime: None,
                acceptance: None,
            }
        }
        FinanceMethod::SaSequential if spec.is_shard() => {
            return Err(input_err!(
                "--paths: method '{method}' runs its paths as segments of one sequential generator and \
                 cannot make a part of them; leave it out of --methods of a shard"
            ))
        }
        FinanceMethod::SaSequential | FinanceMethod::SaRegime => {
            // One warm-started chain per path (segment), its first day after `inner_steps` MALA
            // steps from a memory of its first regime; a regime chain and its regime path draw
            // from the path's own streams, so a shard's paths are the whole run's.
            let cfg = Sequential::new(params(job.beta_sequential)?, job.inner_steps, spec.n * spec.h, spec.n)?
                .with_precision(job.precision)
                .with_first_segment(spec.first);
            let path: Option<Vec<u32>> = (method == FinanceMethod::SaRegime).then(|| {
                (0..spec.n)
                    .into_par_iter()
                    .flat_map_iter(|p| regime_path(h, spec.h, &mut path_stream(job.seed, id, spec.first + p)))
                    .collect()
            });
            let regimes = path.clone().map(|p| Regimes::new(h.regime_labels.clone(), p)).transpose()?;
            let run = generate_sequential(&h.mem, h.g.view(), &cfg, regimes.as_ref(), job.seed, id)?;
            PathDraw {
                returns: run.returns,
                state_novelty: Some(novelty(&h.mem, run.states.view())),
                source: None,
                regime: path,
                acceptance: Some(run.acceptance),
            }
        }
        other => return Err(input_err!("--scenarios: method '{other}' cannot make paths")),
    })
}

/// A path method's scenarios: drawn, set to the history's per-ticker mean and sd unless
/// `--raw` or the paths are a forecast from the `--as-of` state (so an unconditional file, and
/// every metric of its row, is on the history's scale), exact-zero returns kept at zero.
pub(super) fn generate(method: FinanceMethod, h: &History, job: &FinanceJob, spec: PathSpec) -> Result<Generated> {
    let t0 = Instant::now();
    let draw = draw(method, h, job, spec)?;
    let mut returns = draw.returns;
    let conditional = job.as_of.is_conditional() && method.starts_as_of();
    let correct = !(job.raw || conditional);
    match (&job.correction, correct) {
        (Some(given), true) => fin::apply_correction(&mut returns, &given.maps(method, h.g.view())?),
        (None, true) => fin::correct_keeping_zeros_in_place(&mut returns, h.g.view()),
        (_, false) => {}
    }
    let output_novelty = output_novelty(h, returns.slice(s![..novelty_rows(spec).min(returns.nrows()), ..]));
    let novelty = draw.state_novelty.unwrap_or_else(|| output_novelty.clone());
    Ok(Generated {
        scenarios: Scenarios {
            method,
            returns,
            layout: fin::Layout::Paths(spec.h),
            source_day: draw.source,
            regime: draw.regime,
            portfolio: None,
        },
        novelty,
        output_novelty,
        acceptance: draw.acceptance,
        on_history_scale: correct,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Novelty of each row encoded like the memory, a block of rows at a time (the same values as
/// encoding every row at once: the encoding is per row), without an encoded copy of the set.
pub(super) fn output_novelty(h: &History, rows: ndarray::ArrayView2<f64>) -> Vec<f64> {
    let index = satool::Novelty::new(&h.mem);
    let blocks: Vec<std::ops::Range<usize>> = satool::sample_blocks(rows.nrows()).collect();
    let per: Vec<Vec<f64>> =
        blocks.into_par_iter().map(|r| index.of(encode_days(rows.slice(s![r, ..])).view())).collect();
    per.concat()
}
