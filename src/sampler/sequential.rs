//! Sequential scenario generation (Algorithm 3): a warm-started MALA chain emits one day
//! `M softmax(β Xᵀ ξ)` every `inner` steps.
//!
//! To use both cores and matrix-matrix products, the output series is cut into `segments`
//! contiguous blocks, each produced by its own warm-started chain (Algorithm 3 as published is
//! `segments = 1`). Blocks are much longer than the ACF lags examined, so junctions are negligible.

use super::langevin::{fill_normal, Batch, Kernel, Params};
use crate::error::{check, Error, Result};
use crate::kernels::{matmul, Precision, Real};
use crate::memory::{Memory, RowMask};
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
    /// Segments per batch (parallel unit); fixed so results do not depend on thread count.
    pub(crate) group_size: usize,
    /// Working precision of the chain (outputs are f64 either way).
    pub(crate) precision: Precision,
}

impl Sequential {
    /// `days` output days, one every `inner_steps` MALA steps at `params`, the series cut into
    /// `segments` warm-started chains (1 = Algorithm 3 as published) run as two batches, one
    /// per core.
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
        })
    }

    /// The same settings in working precision `p`.
    pub fn with_precision(self, p: Precision) -> Self {
        Sequential { precision: p, ..self }
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

/// One batch's segments, generated returns and states, accepted and proposed MALA moves.
type GroupOutput<T> = (Vec<usize>, Array2<T>, Array2<T>, u64, u64);

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
    let spec = RunSpec { cfg, regimes, seed, label };
    Ok(match cfg.precision {
        Precision::F64 => generate(mem, raw, spec),
        Precision::F32 => generate(&mem.to_precision::<f32>(), raw, spec),
    })
}

/// A checked run: the settings, regime labels, seed and stream label.
#[derive(Clone, Copy)]
struct RunSpec<'a> {
    cfg: &'a Sequential,
    regimes: Option<&'a Regimes>,
    seed: u64,
    label: &'a str,
}

fn generate<T: Real>(mem: &Memory<T>, raw: ArrayView2<f64>, spec: RunSpec) -> SequentialRun {
    let RunSpec { cfg, regimes, seed, label } = spec;
    let raw = raw.mapv(T::from_f64);
    let segments = cfg.segments.clamp(1, cfg.days.max(1));
    let len = cfg.days.div_ceil(segments);
    let ids: Vec<usize> = (0..segments).collect();
    let groups: Vec<(usize, &[usize])> = ids.chunks(cfg.group_size.max(1)).enumerate().collect();
    let parts: Vec<GroupOutput<T>> = groups
        .par_iter()
        .map(|&(g, segs)| {
            let mut rng = stream(seed, &format!("{label}/group{g}"));
            let mut init = Array2::zeros((segs.len(), mem.d()));
            fill_normal(&mut init, &mut rng);
            init.mapv_inplace(|v: T| v * T::from_f64(0.01));
            for mut row in init.rows_mut() {
                let k = rng.random_range(0..mem.k());
                row.zip_mut_with(&mem.pattern(k), |a, &b| *a = *a + b);
            }
            // Regime runs start each chain at a memory of its first day's regime.
            if let Some(reg) = regimes {
                for (mut row, &sgm) in init.rows_mut().into_iter().zip(segs) {
                    let want = reg.path[(sgm * len).min(cfg.days - 1)];
                    let pool: Vec<usize> = (0..mem.k()).filter(|&k| reg.memory_labels[k] == want).collect();
                    let k = pool[rng.random_range(0..pool.len())];
                    row.assign(&mem.pattern(k));
                    for v in row.iter_mut() {
                        *v = *v + T::from_f64(0.01 * rng.sample::<f64, _>(rand_distr::StandardNormal));
                    }
                }
            }
            let mut batch = Batch::new(mem, cfg.params, init);
            let mut current: Vec<u32> = Vec::new();
            let mut out = Array2::zeros((segs.len() * len, raw.ncols()));
            let mut states = Array2::zeros((segs.len() * len, mem.d()));
            let mut day = Array2::zeros((segs.len(), raw.ncols()));
            for t in 0..len {
                if let Some(reg) = regimes {
                    let want: Vec<u32> = segs.iter().map(|&sgm| reg.path[(sgm * len + t).min(cfg.days - 1)]).collect();
                    if want != current {
                        let mask = RowMask { memory_labels: reg.memory_labels.clone(), row_labels: want.clone() };
                        batch.set_mask(mem, cfg.params, Some(mask));
                        current = want;
                    }
                }
                for _ in 0..cfg.inner_steps {
                    batch.step(mem, cfg.params, Kernel::Mala, &mut rng);
                }
                matmul(T::one(), batch.current_weights(mem, cfg.params), &raw, day.view_mut());
                for r in 0..segs.len() {
                    out.row_mut(r * len + t).assign(&day.row(r));
                    states.row_mut(r * len + t).assign(&batch.xi.row(r));
                }
            }
            (segs.to_vec(), out, states, batch.accepted, batch.proposed)
        })
        .collect();
    let mut returns = Array2::zeros((cfg.days, raw.ncols()));
    let mut states = Array2::zeros((mem.d(), cfg.days));
    let (mut acc, mut prop) = (0, 0);
    for (segs, out, st, a, p) in parts {
        for (r, &sgm) in segs.iter().enumerate() {
            let start = sgm * len;
            let n = len.min(cfg.days.saturating_sub(start));
            returns
                .slice_mut(s![start..start + n, ..])
                .assign(&out.slice(s![r * len..r * len + n, ..]).mapv(T::to_f64));
            states
                .slice_mut(s![.., start..start + n])
                .assign(&st.slice(s![r * len..r * len + n, ..]).t().mapv(T::to_f64));
        }
        acc += a;
        prop += p;
    }
    SequentialRun { returns, states, acceptance: acc as f64 / prop.max(1) as f64 }
}
