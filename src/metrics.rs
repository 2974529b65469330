//! Generic sample metrics in memory space (SPEC §1): novelty, diversity, energy, and the
//! standard error over consecutive groups of samples (the published "SE across 30 chains").

use crate::memory::{energies, Memory};
use ndarray::{aview1, ArrayView2};
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

/// Per-sample novelty `1 − max_k cos(ξ, m_k)`; a zero vector has cosine 0 with everything.
/// Clamped at 0: a stored pattern's cosine with itself can round to 1 + 1e-16.
pub fn novelty(mem: &Memory, samples: ArrayView2<f64>) -> Vec<f64> {
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
    /// Unit memory columns, d × K, and Mᵀ row-major in f64 (each pattern contiguous) and f32.
    unit: ndarray::Array2<f64>,
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
        Novelty { unit, unit_rows, unit32, margin: (2.0 * 1.01 * bound) as f32 }
    }

    /// Novelty of each column of `samples` (d × n).
    pub fn of(&self, samples: ArrayView2<f64>) -> Vec<f64> {
        let k = self.unit.ncols();
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
                        (1.0 - best).max(0.0)
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
    let n = samples.ncols();
    if n <= DIVERSITY_GRAM_MAX {
        return diversity_gram(samples);
    }
    let pairs = (n * (n - 1)) as f64 / 2.0;
    let mut sum = ndarray::Array1::<f64>::zeros(samples.nrows());
    let mut self_dots = 0.0;
    for c in samples.columns() {
        let norm = c.dot(&c).sqrt();
        if norm > 0.0 {
            let u = &c / norm;
            self_dots += u.dot(&u);
            sum += &u;
        }
    }
    let cos_sum = (sum.dot(&sum) - self_dots) / 2.0;
    (pairs - cos_sum) / pairs
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
    let n = samples.ncols();
    let se = group_size(n).filter(|&g| g >= 2).map(|g| {
        let per: Vec<f64> =
            (0..SE_GROUPS).map(|i| diversity(samples.slice(ndarray::s![.., i * g..(i + 1) * g]))).collect();
        sd(aview1(&per)) / (SE_GROUPS as f64).sqrt()
    });
    Estimate { mean: diversity(samples), se }
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
pub fn memory_metrics(mem: &Memory, samples: ArrayView2<f64>, beta_eval: f64) -> MemoryMetrics {
    MemoryMetrics {
        novelty: estimate(&novelty(mem, samples)),
        diversity: diversity_estimate(samples),
        energy: estimate(&energies(mem, beta_eval, samples)),
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
        // memories whose cosines to both differ by ~5e-9 (f32 cannot order them), or random. The screened novelty must be the f64
        // maximum over all patterns, computed here pattern by pattern.
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
}
