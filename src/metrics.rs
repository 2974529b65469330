//! Generic sample metrics in memory space: novelty, diversity, energy, and the
//! standard error over consecutive groups of samples (the published "SE across 30 chains").

use crate::memory::{energies, Memory};
use ndarray::{aview1, ArrayView2, ShapeBuilder};
use rayon::prelude::*;
use satool_common::stats::sd;
use serde::Serialize;

/// Number of consecutive groups the standard error is computed over (30 chains of 5 samples).
pub const SE_GROUPS: usize = 30;

/// A mean with its standard error over groups (None when there are too few samples).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Estimate {
    /// The mean over all samples.
    pub mean: f64,
    /// Its standard error over the 30 groups (None for too few samples).
    pub se: Option<f64>,
}

/// Mean of `values`, with SE = sd(n−1) of the 30 consecutive group means / sqrt(30).
/// Groups are equal-sized; the SE is None unless `values.len()` is a multiple of 30 and ≥ 60.
pub fn estimate(values: &[f64]) -> Estimate {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let se = group_size(values.len()).map(|g| {
        let means: Vec<f64> = values.chunks(g).map(|c| c.iter().sum::<f64>() / g as f64).collect();
        sd(aview1(&means)) / (SE_GROUPS as f64).sqrt()
    });
    Estimate { mean, se }
}

fn group_size(n: usize) -> Option<usize> {
    (n >= 2 * SE_GROUPS && n.is_multiple_of(SE_GROUPS)).then_some(n / SE_GROUPS)
}

fn unit_columns(samples: ArrayView2<f64>) -> ndarray::Array2<f64> {
    let mut u = samples.to_owned();
    for mut c in u.columns_mut() {
        let n = c.dot(&c).sqrt();
        if n > 0.0 {
            c /= n;
        }
    }
    u
}

/// Samples per block in computations with a K × n intermediate (cosines, attention weights), so
/// their memory stays bounded (≤ 68 MB at K = 8312) however many samples there are.
pub const SAMPLE_BLOCK: usize = 1024;

/// `0..n` in consecutive ranges of at most `SAMPLE_BLOCK`.
pub fn sample_blocks(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n).step_by(SAMPLE_BLOCK).map(move |s| s..(s + SAMPLE_BLOCK).min(n))
}

/// Per-sample novelty `1 − max_k cos(ξ, m_k)`; a zero vector has cosine 0 with everything, and a
/// sample with a non-finite entry has novelty NaN.
/// Clamped at 0: a stored pattern's cosine with itself can round to 1 + 1e-16.
///
/// # Panics
/// If `samples` (d × n) does not have the memory's d rows.
pub fn novelty(mem: &Memory, samples: ArrayView2<f64>) -> Vec<f64> {
    crate::memory::check_rows("novelty", samples, mem.d());
    Novelty::new(mem).of(samples)
}

/// [`novelty`] against one memory for many sets of samples (the unit memory is formed once).
///
/// The cosines are screened in f32 — one GEMM per block of samples at about twice the f64 rate,
/// which is what novelty costs at scale (10,000 paths × 20 days against 1,258 days × 467
/// tickers: two n·K·d products per run) — and the maximum is then taken in f64 over every
/// pattern whose f32 cosine is within twice the f32 error bound of the f32 maximum, so it is the
/// f64 maximum: for unit vectors |cos₃₂ − cos| ≤ (d + 4)·2⁻²⁴ (rounding the inputs and
/// accumulating d products), so the true maximiser is always among the candidates. The f64
/// cosines are dot products summed in coordinate order: the result does not depend on the thread
/// count or the CPU's kernel.
pub struct Novelty {
    /// The unit memory: Mᵀ row-major in f64 (each pattern contiguous), M (d × K) in f32.
    unit_rows: ndarray::Array2<f64>,
    unit32: ndarray::Array2<f32>,
    margin: f32,
}

impl Novelty {
    /// The index of `mem` (its unit columns in f64 and f32).
    pub fn new(mem: &Memory) -> Novelty {
        let unit = unit_columns(mem.x());
        let unit_rows = unit.t().as_standard_layout().into_owned();
        let unit32 = unit.mapv(|v| v as f32);
        let bound = (unit.nrows() as f64 + 4.0) * f64::from(f32::EPSILON) / 2.0;
        Novelty { unit_rows, unit32, margin: (2.0 * 1.01 * bound) as f32 }
    }

    /// Novelty of each column of `samples` (d × n).
    pub fn of(&self, samples: ArrayView2<f64>) -> Vec<f64> {
        let k = self.unit32.ncols();
        let blocks: Vec<std::ops::Range<usize>> = sample_blocks(samples.ncols()).collect();
        let per: Vec<Vec<f64>> = blocks
            .into_par_iter()
            .map(|cols| {
                let u = unit_columns(samples.slice(ndarray::s![.., cols]));
                let u32 = u.mapv(|v| v as f32);
                let mut cos = ndarray::Array2::<f32>::zeros((u.ncols(), k));
                crate::kernels::matmul(1.0, &u32.t(), &self.unit32, cos.view_mut());
                let mut x = Vec::with_capacity(u.nrows());
                cos.rows()
                    .into_iter()
                    .zip(u.columns())
                    .map(|(c, ui)| {
                        x.clear();
                        x.extend(ui.iter().copied());
                        let top = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                        let floor = top - self.margin;
                        let best = c
                            .iter()
                            .enumerate()
                            .filter(|&(_, &v)| v >= floor)
                            .map(|(j, _)| {
                                let row = self.unit_rows.row(j);
                                row.iter().zip(&x).fold(0.0, |a, (m, v)| a + m * v)
                            })
                            .fold(f64::NEG_INFINITY, f64::max);
                        // A sample with a non-finite entry has no cosine: NaN, not the inf that
                        // 1 − max over NaNs would give.
                        if x.iter().all(|v| v.is_finite()) {
                            (1.0 - best).max(0.0)
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            })
            .collect();
        per.concat()
    }
}

/// Largest sample count whose diversity is summed pair by pair from the n × n Gram matrix
/// (≤ 8 MB); larger sets use the sum of unit vectors, in O(d) memory.
pub const DIVERSITY_GRAM_MAX: usize = SAMPLE_BLOCK;

/// Mean of `1 − cos(ξ_i, ξ_j)` over pairs i < j of the columns.
///
/// Up to `DIVERSITY_GRAM_MAX` = 1024 samples (every published row: 150) the cosines are summed pair by
/// pair from the Gram matrix, as always. Beyond, without any n × n buffer: for unit vectors
/// `û_i` (a zero vector stays zero), `Σ_{i<j} cos_ij = (‖Σ_i û_i‖² − Σ_i ‖û_i‖²) / 2`, exact up to
/// rounding (the two forms agree to ≈ 1e-13 on the same data).
pub fn diversity(samples: ArrayView2<f64>) -> f64 {
    let mut s = DiversityStream::default();
    s.push(samples);
    s.finish()
}

/// [`diversity`] of columns pushed block by block, in O(d·`DIVERSITY_GRAM_MAX`) memory: equal
/// bit for bit to [`diversity`] of the blocks side by side (the same sums in the same order; the
/// first `DIVERSITY_GRAM_MAX` columns are kept for the Gram form, in their blocks' layout).
#[derive(Default)]
pub struct DiversityStream {
    /// Columns so far while there are at most `DIVERSITY_GRAM_MAX`.
    kept: Vec<ndarray::Array2<f64>>,
    count: usize,
    /// Σ û_i and Σ ‖û_i‖² once past `DIVERSITY_GRAM_MAX` columns.
    sum: Option<ndarray::Array1<f64>>,
    self_dots: f64,
}

impl DiversityStream {
    /// Adds the columns of `samples` (d × m), after those pushed before.
    pub fn push(&mut self, samples: ArrayView2<f64>) {
        self.count += samples.ncols();
        if self.count <= DIVERSITY_GRAM_MAX {
            self.kept.push(samples.to_owned());
            return;
        }
        if self.sum.is_none() {
            self.sum = Some(ndarray::Array1::zeros(samples.nrows()));
            for k in std::mem::take(&mut self.kept) {
                self.add_units(k.view());
            }
        }
        self.add_units(samples);
    }

    fn add_units(&mut self, samples: ArrayView2<f64>) {
        let sum = self.sum.as_mut().expect("unit sum started");
        for c in samples.columns() {
            let norm = c.dot(&c).sqrt();
            if norm > 0.0 {
                let u = &c / norm;
                self.self_dots += u.dot(&u);
                *sum += &u;
            }
        }
    }

    /// Mean `1 − cos` over the pairs of every column pushed.
    pub fn finish(&self) -> f64 {
        let Some(sum) = &self.sum else {
            return match self.kept.as_slice() {
                [] => 0.0,
                [one] => diversity_gram(one.view()),
                // Blocks of one group side by side, in the layout a slice of the whole set would
                // have been copied to (so the column norms round alike).
                blocks => {
                    let columns_contiguous = blocks.iter().any(|b| b.ncols() > 1 && !b.is_standard_layout());
                    let (d, n) = (blocks[0].nrows(), self.count);
                    let col = |j: usize| {
                        let (mut j, mut b) = (j, 0);
                        while j >= blocks[b].ncols() {
                            (j, b) = (j - blocks[b].ncols(), b + 1);
                        }
                        blocks[b].column(j)
                    };
                    let all = if columns_contiguous {
                        let data: Vec<f64> = (0..n).flat_map(|j| col(j).to_vec()).collect();
                        ndarray::Array2::from_shape_vec((d, n).f(), data)
                    } else {
                        let data: Vec<f64> = (0..d).flat_map(|i| (0..n).map(move |j| col(j)[i])).collect();
                        ndarray::Array2::from_shape_vec((d, n), data)
                    }
                    .expect("blocks of d rows");
                    diversity_gram(all.view())
                }
            };
        };
        let n = self.count;
        let pairs = (n * (n - 1)) as f64 / 2.0;
        let cos_sum = (sum.dot(sum) - self.self_dots) / 2.0;
        (pairs - cos_sum) / pairs
    }
}

/// [`diversity`] pair by pair from the Gram matrix of the unit columns (n × n memory).
fn diversity_gram(samples: ArrayView2<f64>) -> f64 {
    let u = unit_columns(samples);
    let g = u.t().dot(&u);
    let n = g.nrows();
    let mut sum = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            sum += 1.0 - g[[i, j]];
        }
    }
    sum / ((n * (n - 1)) / 2).max(1) as f64
}

/// Diversity over all pairs, with SE from the diversity within each of the 30 consecutive groups.
pub fn diversity_estimate(samples: ArrayView2<f64>) -> Estimate {
    let mut s = DiversityEstimateStream::new(samples.ncols());
    s.push(samples);
    s.finish()
}

/// [`diversity_estimate`] of `n` columns pushed block by block: the whole set's and each SE
/// group's [`DiversityStream`].
struct DiversityEstimateStream {
    all: DiversityStream,
    /// Group size (when the SE is defined), finished groups' diversities, the current group.
    group: Option<usize>,
    done: Vec<f64>,
    current: DiversityStream,
    in_current: usize,
}

impl DiversityEstimateStream {
    fn new(n: usize) -> Self {
        let group = group_size(n).filter(|&g| g >= 2);
        DiversityEstimateStream {
            all: DiversityStream::default(),
            group,
            done: Vec::new(),
            current: DiversityStream::default(),
            in_current: 0,
        }
    }

    fn push(&mut self, samples: ArrayView2<f64>) {
        self.all.push(samples);
        let Some(g) = self.group else { return };
        let mut from = 0;
        while from < samples.ncols() {
            let take = (g - self.in_current).min(samples.ncols() - from);
            self.current.push(samples.slice(ndarray::s![.., from..from + take]));
            (from, self.in_current) = (from + take, self.in_current + take);
            if self.in_current == g {
                self.done.push(std::mem::take(&mut self.current).finish());
                self.in_current = 0;
            }
        }
    }

    fn finish(&self) -> Estimate {
        let se = self.group.map(|_| {
            assert_eq!(self.done.len(), SE_GROUPS, "diversity: fewer samples pushed than announced");
            sd(aview1(&self.done)) / (SE_GROUPS as f64).sqrt()
        });
        Estimate { mean: self.all.finish(), se }
    }
}

/// Novelty, diversity and energy (at `beta_eval`) of a sample set, as reported for every method.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MemoryMetrics {
    /// `1 − max_k cos(ξ, m_k)` per sample.
    pub novelty: Estimate,
    /// Mean `1 − cos` over pairs of samples.
    pub diversity: Estimate,
    /// `E(ξ)` at the evaluation β.
    pub energy: Estimate,
}

/// Novelty, diversity and energy at `beta_eval` of the columns of `samples` (d × n).
///
/// # Panics
/// If `samples` does not have the memory's d rows.
pub fn memory_metrics(mem: &Memory, samples: ArrayView2<f64>, beta_eval: f64) -> MemoryMetrics {
    crate::memory::check_rows("memory_metrics", samples, mem.d());
    let mut s = MemoryMetricsStream::new(samples.ncols(), beta_eval);
    s.push(mem, samples);
    s.finish()
}

/// [`memory_metrics`] of `n` samples pushed block by block, so a large set need never be held:
/// O(n) numbers (each sample's novelty and energy, for the means and SEs) and O(d·1024) for the
/// diversity. Equal bit for bit to [`memory_metrics`] of the blocks side by side, because
/// novelty and energy are per-sample values and the diversity sums run in the same order.
pub struct MemoryMetricsStream {
    beta_eval: f64,
    n: usize,
    novelty: Vec<f64>,
    energy: Vec<f64>,
    diversity: DiversityEstimateStream,
}

impl MemoryMetricsStream {
    /// For `n` samples in all (the SE groups depend on it), energies at `beta_eval`.
    pub fn new(n: usize, beta_eval: f64) -> Self {
        MemoryMetricsStream {
            beta_eval,
            n,
            novelty: Vec::with_capacity(n),
            energy: Vec::with_capacity(n),
            diversity: DiversityEstimateStream::new(n),
        }
    }

    /// Adds the next samples (columns of `samples`, d × m).
    pub fn push(&mut self, mem: &Memory, samples: ArrayView2<f64>) {
        if samples.ncols() == 0 {
            return;
        }
        self.novelty.extend(novelty(mem, samples));
        self.energy.extend(energies(mem, self.beta_eval, samples));
        self.diversity.push(samples);
    }

    /// Each sample's novelty so far, in order.
    pub fn novelty(&self) -> &[f64] {
        &self.novelty
    }

    /// The metrics of every sample pushed.
    ///
    /// # Panics
    /// If the samples pushed are not the `n` announced.
    pub fn finish(self) -> MemoryMetrics {
        assert_eq!(self.novelty.len(), self.n, "memory metrics: samples pushed differ from those announced");
        MemoryMetrics {
            novelty: estimate(&self.novelty),
            diversity: self.diversity.finish(),
            energy: estimate(&self.energy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn estimate_uses_thirty_group_means() {
        // 60 values: group i holds (i, i+1) → group means i + 0.5, i = 0..29; sd = sqrt(77.5).
        let v: Vec<f64> = (0..30).flat_map(|i| [i as f64, i as f64 + 1.0]).collect();
        let e = estimate(&v);
        assert!((e.mean - 15.0).abs() < 1e-12);
        assert!((e.se.unwrap() - (77.5f64).sqrt() / (30f64).sqrt()).abs() < 1e-12);
        assert_eq!(estimate(&[1.0, 2.0, 3.0]).se, None);
    }

    #[test]
    fn novelty_and_diversity_by_hand() {
        let mem = Memory::new(array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
        // Samples: e1 (novelty 0), (1,1)/√2 scaled by 3 (cos 1/√2 → novelty 1 − 1/√2).
        let s = array![[1.0, 3.0], [0.0, 3.0]];
        let nv = novelty(&mem, s.view());
        assert!(nv[0].abs() < 1e-15);
        assert!((nv[1] - (1.0 - 0.5f64.sqrt())).abs() < 1e-15);
        // One pair with cosine 1/√2.
        assert!((diversity(s.view()) - (1.0 - 0.5f64.sqrt())).abs() < 1e-15);
    }

    #[test]
    fn diversity_without_the_gram_matrix_equals_the_pairwise_sum() {
        // Deterministic pseudo-random samples (some zero columns, some near-duplicates) just above
        // the Gram limit: the sum-of-unit-vectors form against the pairwise one on the same data.
        let (d, n) = (7, DIVERSITY_GRAM_MAX + 37);
        let mut st = 3u64;
        let mut rnd = || {
            st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((st >> 11) as f64 / (1u64 << 53) as f64) - 0.3
        };
        let s = ndarray::Array2::from_shape_fn((d, n), |(i, j)| match j % 50 {
            0 => 0.0,
            1 => (i + 1) as f64,
            _ => rnd(),
        });
        let (fast, pairwise) = (diversity(s.view()), diversity_gram(s.view()));
        assert!((fast - pairwise).abs() < 1e-12, "{fast} vs {pairwise}");
        // A set of one direction: diversity 0 (up to rounding), however many samples.
        let same = ndarray::Array2::from_shape_fn((3, 2000), |(i, j)| (i + 1) as f64 * (1 + j % 3) as f64);
        assert!(diversity(same.view()).abs() < 1e-12);
        // Two orthogonal directions, half each: pairs across (n²/4 of them) have 1 − cos = 1.
        let n = 3000;
        let half = ndarray::Array2::from_shape_fn((2, n), |(i, j)| if i == j % 2 { 1.0 } else { 0.0 });
        let expect = (n * n / 4) as f64 / (n * (n - 1) / 2) as f64;
        assert!((diversity(half.view()) - expect).abs() < 1e-12);
    }

    #[test]
    fn novelty_over_many_samples_is_computed_block_by_block() {
        // Sample j is memory j mod 3 scaled, except every 7th, which is orthogonal to all of
        // them: novelty 0 and 1, in order, across the block boundaries.
        let mem = Memory::new(array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]).unwrap();
        let n = 2 * SAMPLE_BLOCK + 5;
        let s = ndarray::Array2::from_shape_fn((4, n), |(i, j)| match (j % 7 == 0, i) {
            (true, 3) => 1.0,
            (false, i) if i == j % 3 => 2.0,
            _ => 0.0,
        });
        let nv = novelty(&mem, s.view());
        assert_eq!(nv.len(), n);
        for (j, v) in nv.iter().enumerate() {
            assert_eq!(*v, if j % 7 == 0 { 1.0 } else { 0.0 }, "sample {j}");
        }
        assert_eq!(sample_blocks(n).map(|r| r.len()).collect::<Vec<_>>(), [SAMPLE_BLOCK, SAMPLE_BLOCK, 5]);
        assert_eq!(sample_blocks(0).count(), 0);
    }

    #[test]
    fn the_f32_screen_finds_the_f64_maximum() {
        // 400 unit memories in d = 300 with many near-ties: samples are a memory plus noise of
        // 1e-6 (cosines within ~1e-12 of 1, far below the f32 resolution), or a blend of two
        // memories whose cosines to both differ by ~5e-9 (f32 cannot order them), or random.
        // The screened novelty must be the f64 maximum over all patterns, computed here pattern
        // by pattern.
        use rand::{Rng as _, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let (d, k, n) = (300, 400, 1500);
        let mut x = ndarray::Array2::from_shape_fn((d, k), |_| rng.random::<f64>() - 0.5);
        for mut c in x.columns_mut() {
            let norm = c.dot(&c).sqrt();
            c /= norm;
        }
        let mem = Memory::new(x.clone()).unwrap();
        let s = ndarray::Array2::from_shape_fn((d, n), |(i, j)| {
            let (a, b) = (j % k, (j * 7 + 1) % k);
            match j % 3 {
                0 => x[[i, a]] + 1e-6 * (rng.random::<f64>() - 0.5),
                1 => x[[i, a]] * (1.0 + 1e-8) + x[[i, b]],
                _ => rng.random::<f64>() - 0.5,
            }
        });
        let unit = |v: ndarray::ArrayView1<f64>| &v / v.dot(&v).sqrt();
        let got = novelty(&mem, s.view());
        for (j, g) in got.iter().enumerate() {
            let u = unit(s.column(j));
            let best = (0..k).map(|c| u.dot(&unit(x.column(c)))).fold(f64::NEG_INFINITY, f64::max);
            let want = (1.0 - best).max(0.0);
            assert!((g - want).abs() < 1e-14, "sample {j}: {g} vs {want}");
        }
    }

    #[test]
    fn streamed_metrics_equal_the_whole_sets_bit_for_bit() {
        // Pseudo-random memories and samples; blocks cut across the SE groups, for groups under
        // the Gram limit (n = 30·700) and above it (n = 30·1100), both column layouts.
        let mut st = 11u64;
        let mut rnd = || {
            st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((st >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let (d, k) = (5, 9);
        let mem = Memory::new(ndarray::Array2::from_shape_fn((d, k), |_| rnd())).unwrap();
        for (n, columns_contiguous) in
            [(30 * 700, true), (30 * 700, false), (30 * 1100, true), (150, true), (2000, true)]
        {
            let c_order = ndarray::Array2::from_shape_fn((d, n), |_| rnd());
            let s = if columns_contiguous { c_order.t().as_standard_layout().t().to_owned() } else { c_order };
            let whole = memory_metrics(&mem, s.view(), 3.0);
            let mut stream = MemoryMetricsStream::new(n, 3.0);
            for start in (0..n).step_by(4096) {
                stream.push(&mem, s.slice(ndarray::s![.., start..(start + 4096).min(n)]));
            }
            let streamed = stream.finish();
            assert_eq!(format!("{whole:?}"), format!("{streamed:?}"), "n = {n}, contiguous {columns_contiguous}");
        }
    }
}
