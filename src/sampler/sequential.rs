//! Sequential scenario generation (Algorithm 3): a warm-started MALA chain emits one day
//! `M softmax(β Xᵀ ξ)` every `inner` steps.
//!
//! To use both cores and matrix-matrix products, the output series is cut into `segments`
//! contiguous blocks, each produced by its own warm-started chain (Algorithm 3 as published is
//! `segments = 1`). Blocks are much longer than the ACF lags examined, so junctions are negligible.

use super::langevin::{fill_normal, Batch, Kernel, Params};
use crate::error::{check, Error, Result};
use crate::kernels::{matmul, Precision, Real};
use crate::memory::Memory;
use crate::rng::stream;
use ndarray::{s, Array2, ArrayView2};
use rand::Rng as _;
use rayon::prelude::*;

/// Settings of the sequential generator (Algorithm 3), validated when built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sequential {
    pub(crate) params: Params,
    pub(crate) inner_steps: usize,
    pub(crate) days: usize,
    pub(crate) segments: usize,
    /// Segments per random stream (`<label>/group<g>`); fixed so results do not depend on the
    /// thread count.
    pub(crate) group_size: usize,
    /// Working precision of the chain (outputs are f64 either way).
    pub(crate) precision: Precision,
    /// The index of the first segment in a longer run (regime runs: its stream is
    /// `<label>/segment<first_segment>`), so a part of a run draws its segments as the whole does.
    pub(crate) first_segment: usize,
}

impl Sequential {
    /// `days` output days, one every `inner_steps` MALA steps at `params`, the series cut into
    /// `segments` warm-started chains (1 = Algorithm 3 as published) that step together, in two
    /// random-stream groups (regime runs: one stream per chain).
    /// Requires inner_steps ≥ 1, days ≥ 1 and segments ≥ 1. Segments are ⌈days / segments⌉ days
    /// long; when fewer of them cover the series (more segments than days, or e.g. 29 days in 16
    /// segments of 2), the count is cut to those that hold at least one day.
    pub fn new(params: Params, inner_steps: usize, days: usize, segments: usize) -> Result<Self> {
        check(inner_steps >= 1, "inner_steps", inner_steps as f64, "inner_steps >= 1")?;
        check(days >= 1, "days", days as f64, "days >= 1")?;
        check(segments >= 1, "segments", segments as f64, "segments >= 1")?;
        let segments = days.div_ceil(days.div_ceil(segments));
        Ok(Sequential {
            params,
            inner_steps,
            days,
            segments,
            group_size: segments.div_ceil(2),
            precision: Precision::F64,
            first_segment: 0,
        })
    }

    /// The same settings in working precision `p`.
    pub fn with_precision(self, p: Precision) -> Self {
        Sequential { precision: p, ..self }
    }

    /// The same settings for the segments `first..` of a longer regime run: each segment's chain
    /// draws from the stream it has in the whole run (one stream per chain), so the segments are
    /// the whole run's, bit for bit. Runs without regimes share a stream per group of chains and
    /// ignore it.
    pub fn with_first_segment(self, first: usize) -> Self {
        Sequential { first_segment: first, ..self }
    }
}

/// Regime switching: memories carry labels, and output day t may only attend to the memories
/// labelled `path[t]` (the days of that regime). With `path` simulated from a Markov chain fitted
/// to the historical labels, the generated series inherits the regimes' persistence.
#[derive(Debug, Clone, PartialEq)]
pub struct Regimes {
    pub(crate) memory_labels: Vec<u32>,
    pub(crate) path: Vec<u32>,
}

impl Regimes {
    /// Labels of the K memories and the label of each output day. Every label on the path must
    /// label at least one memory (a day with no memory to attend to has no law).
    pub fn new(memory_labels: Vec<u32>, path: Vec<u32>) -> Result<Self> {
        if let Some(l) = path.iter().find(|l| !memory_labels.contains(l)) {
            return Err(Error::Mask(format!("regime {l} on the path labels no memory")));
        }
        Ok(Regimes { memory_labels, path })
    }
}

/// Output of a sequential run.
#[derive(Debug, Clone)]
pub struct SequentialRun {
    /// days × d_raw generated returns.
    pub returns: Array2<f64>,
    /// d × days chain states at emission (for novelty in memory space).
    pub states: Array2<f64>,
    /// MALA acceptance rate over all segments and steps.
    pub acceptance: f64,
}

/// Runs Algorithm 3 on memory `mem` with raw memory `raw` (K × d_raw, one historical day per
/// row), in the settings' working precision; `regimes`, when given, labels the K memories.
pub fn generate_sequential(
    mem: &Memory,
    raw: ArrayView2<f64>,
    cfg: &Sequential,
    regimes: Option<&Regimes>,
    seed: u64,
    label: &str,
) -> Result<SequentialRun> {
    if raw.nrows() != mem.k() {
        return Err(Error::Memory(format!("{} raw rows for {} memories", raw.nrows(), mem.k())));
    }
    if let Some(r) = regimes.filter(|r| r.memory_labels.len() != mem.k() || r.path.len() < cfg.days) {
        return Err(Error::Mask(format!(
            "{} memory labels and a path of {} days for {} memories and {} days",
            r.memory_labels.len(),
            r.path.len(),
            mem.k(),
            cfg.days
        )));
    }
    let spec = RunSpec { cfg, seed, label };
    match (cfg.precision, regimes) {
        (Precision::F64, None) => generate(mem, raw, spec),
        (Precision::F32, None) => generate(&mem.to_precision::<f32>(), raw, spec),
        (Precision::F64, Some(r)) => generate_regimes::<f64>(mem, raw, r, spec),
        (Precision::F32, Some(r)) => generate_regimes::<f32>(mem, raw, r, spec),
    }
}

/// Algorithm 3 with regime switching: on a day of regime r a chain attends to the memory of
/// regime r's days only — the law of the masked attention (a −∞ logit outside the regime),
/// evaluated on the quarter of the memory it is about instead of over every pattern with most of
/// them masked (the exponentials, three quarters of them of −∞, were half the cost). Every
/// segment's chain has its own stream (`<label>/segment<s>`); the segments advance day by day
/// together, and each day the chains of one regime step as one batch (rows drawing from their own
/// streams, so the grouping changes no chain), the regimes' batches in parallel: the result does
/// not depend on the thread count.
fn generate_regimes<T: Real>(
    mem: &Memory,
    raw: ArrayView2<f64>,
    regimes: &Regimes,
    spec: RunSpec,
) -> Result<SequentialRun> {
    let RunSpec { cfg, seed, label } = spec;
    // Per regime on the path: its memories and their raw days.
    let mut labels: Vec<u32> = regimes.path[..cfg.days].to_vec();
    labels.sort_unstable();
    labels.dedup();
    let parts: Vec<(Memory<T>, Array2<T>)> = labels
        .iter()
        .map(|&l| -> Result<_> {
            let idx: Vec<usize> = (0..mem.k()).filter(|&k| regimes.memory_labels[k] == l).collect();
            // A regime of one day gets it twice: the same law (the energy shifted by a
            // constant), which a memory of one pattern cannot hold.
            let idx = if idx.len() == 1 { vec![idx[0]; 2] } else { idx };
            Ok((mem.subset(&idx)?.to_precision::<T>().two_pass(), raw.select(ndarray::Axis(0), &idx).mapv(T::from_f64)))
        })
        .collect::<Result<_>>()?;
    let part_of = |t: usize| labels.binary_search(&regimes.path[t]).expect("every regime on the path has a part");
    let segments = cfg.segments.clamp(1, cfg.days.max(1));
    let len = cfg.days.div_ceil(segments);
    // Each chain starts near a memory of its first day's regime.
    let first = cfg.first_segment;
    let mut rngs: Vec<_> = (0..segments).map(|sgm| stream(seed, &format!("{label}/segment{}", first + sgm))).collect();
    let mut xi = Array2::<T>::zeros((segments, mem.d()));
    for (sgm, (mut row, rng)) in xi.rows_mut().into_iter().zip(&mut rngs).enumerate() {
        let first = &parts[part_of(sgm * len)].0;
        let mut noise = Array2::zeros((1, mem.d()));
        fill_normal(&mut noise, rng);
        let k = rng.random_range(0..first.k());
        row.assign(&(&first.pattern(k) + &noise.row(0).mapv(|v: T| v * T::from_f64(0.01))));
    }
    let mut returns = Array2::zeros((cfg.days, raw.ncols()));
    let mut states = Array2::zeros((mem.d(), cfg.days));
    let (mut acc, mut prop) = (0, 0);
    for i in 0..len {
        let live: Vec<usize> = (0..segments).filter(|&sgm| sgm * len + i < cfg.days).collect();
        let groups: Vec<(usize, Vec<usize>)> = (0..parts.len())
            .map(|p| (p, live.iter().copied().filter(|&sgm| part_of(sgm * len + i) == p).collect::<Vec<_>>()))
            .filter(|(_, segs)| !segs.is_empty())
            .collect();
        let stepped: Vec<_> = groups
            .into_par_iter()
            .map(|(p, segs)| {
                let (sub, sub_raw) = &parts[p];
                let mut own: Vec<_> = segs.iter().map(|&sgm| rngs[sgm].clone()).collect();
                // The chains carry their states; the batch (and its attention) is rebuilt per day,
                // one attention in `inner_steps` steps.
                let mut batch = Batch::new(sub, cfg.params, xi.select(ndarray::Axis(0), &segs))?;
                for _ in 0..cfg.inner_steps {
                    batch.step_groups(sub, cfg.params, Kernel::Mala, &mut own, 1)?;
                }
                let mut day = Array2::zeros((segs.len(), raw.ncols()));
                matmul(T::one(), batch.current_weights(sub, cfg.params), sub_raw, day.view_mut());
                Ok((segs, own, day, batch))
            })
            .collect::<Result<Vec<_>>>()?;
        for (segs, own, day, batch) in stepped {
            for (r, (&sgm, rng)) in segs.iter().zip(own).enumerate() {
                let t = sgm * len + i;
                rngs[sgm] = rng;
                xi.row_mut(sgm).assign(&batch.xi.row(r));
                returns.row_mut(t).assign(&day.row(r).mapv(T::to_f64));
                states.column_mut(t).assign(&batch.xi.row(r).mapv(T::to_f64));
            }
            acc += batch.accepted;
            prop += batch.proposed;
        }
    }
    Ok(SequentialRun { returns, states, acceptance: acc as f64 / prop.max(1) as f64 })
}

/// A checked run: the settings, seed and stream label.
#[derive(Clone, Copy)]
struct RunSpec<'a> {
    cfg: &'a Sequential,
    seed: u64,
    label: &'a str,
}

fn generate<T: Real>(mem: &Memory<T>, raw: ArrayView2<f64>, spec: RunSpec) -> Result<SequentialRun> {
    let RunSpec { cfg, seed, label } = spec;
    let raw = raw.mapv(T::from_f64);
    let segments = cfg.segments.clamp(1, cfg.days.max(1));
    let len = cfg.days.div_ceil(segments);
    // Chains start in groups of `group_size`, each group from its own stream, then all run as
    // one batch whose rows draw from their group's stream: the same chains, bit for bit, as one
    // batch per group, with one pass over the memory per step for all of them (the attention
    // itself spreads over the cores).
    let group = cfg.group_size.max(1);
    let mut rngs: Vec<_> = (0..segments.div_ceil(group)).map(|g| stream(seed, &format!("{label}/group{g}"))).collect();
    let mut init = Array2::zeros((segments, mem.d()));
    for (g, rng) in rngs.iter_mut().enumerate() {
        let rows = g * group..((g + 1) * group).min(segments);
        let mut part = Array2::zeros((rows.len(), mem.d()));
        fill_normal(&mut part, rng);
        part.mapv_inplace(|v: T| v * T::from_f64(0.01));
        for mut row in part.rows_mut() {
            let k = rng.random_range(0..mem.k());
            row.zip_mut_with(&mem.pattern(k), |a, &b| *a = *a + b);
        }
        init.slice_mut(s![rows, ..]).assign(&part);
    }
    let mut batch = Batch::new(mem, cfg.params, init)?;
    let mut returns = Array2::zeros((cfg.days, raw.ncols()));
    let mut states = Array2::zeros((mem.d(), cfg.days));
    let mut day = Array2::zeros((segments, raw.ncols()));
    for t in 0..len {
        for _ in 0..cfg.inner_steps {
            batch.step_groups(mem, cfg.params, Kernel::Mala, &mut rngs, group)?;
        }
        matmul(T::one(), batch.current_weights(mem, cfg.params), &raw, day.view_mut());
        for sgm in (0..segments).filter(|&sgm| sgm * len + t < cfg.days) {
            returns.row_mut(sgm * len + t).assign(&day.row(sgm).mapv(T::to_f64));
            states.column_mut(sgm * len + t).assign(&batch.xi.row(sgm).mapv(T::to_f64));
        }
    }
    let (acc, prop) = (batch.accepted, batch.proposed);
    Ok(SequentialRun { returns, states, acceptance: acc as f64 / prop.max(1) as f64 })
}
