//! One-hot encoding, PCA to a variance target, unit-norm memories, and the published decode
//! (each as published).
//!
//! PCA is computed from the thin SVD of the centred K × 20L one-hot matrix (faer's), not from
//! an eigendecomposition of its Gram matrix: on PF00076 both agree with NumPy at round-off for
//! the kept components, but squaring the data squares the condition number, so the Gram route
//! cannot resolve singular values below ≈ √ε·s₀ (it puts the null direction of the centred data
//! at ≈ 4e-7 instead of 5e-15, and loses 1e-5 relative accuracy at s = 1e-6·s₀; see
//! tests/encode_pf00076.rs); large families, where the SVD costs too much, take the Gram route
//! ([`GRAM_PCA_MIN_K`]). Each component's sign is fixed so its largest-magnitude entry (the
//! first within a relative 1e-9 of the maximum) is positive; the
//! outputs then do not depend on solver details.

use ndarray::{Array1, Array2, ArrayView2, Axis, ShapeBuilder};

use crate::alphabet::{residue_index, ALPHABET, N_AA};
use crate::{CleanAlignment, ProteinError};

/// Added to each code's norm before dividing, as in the published code.
pub const NORM_EPS: f64 = 1e-12;
/// A decoded 20-block whose maximum is below this is a gap `-` (published threshold).
pub const GAP_THRESHOLD: f64 = 1e-10;

/// The PCA encoding of a cleaned family and its memory matrix.
#[derive(Debug, Clone)]
pub struct Encoding {
    /// Per-feature mean of the one-hot matrix (length 20L, position-major `pos*20 + aa`).
    pub mean: Array1<f64>,
    /// Principal axes, 20L × d, orthonormal columns, sign-fixed (largest |entry| positive).
    pub components: Array2<f64>,
    /// Share of the total variance explained by each kept component (sums to `variance_retained`).
    pub explained: Vec<f64>,
    /// Share of the total variance kept by the d components (0.9517 on PF00076).
    pub variance_retained: f64,
    /// Total variance: the sum of the 20L feature variances (divisor K − 1).
    pub total_variance: f64,
    /// All singular values of the centred K × 20L matrix, descending (min(K, 20L) values).
    pub singular_values: Vec<f64>,
    /// Memory matrix X, d × K: column k is z_k / (‖z_k‖ + 1e-12).
    pub memory: Array2<f64>,
    /// ‖z_k‖ of each un-normalised code z_k = Pᵀ(x_k − μ) (6.0–7.7 on PF00076).
    pub code_norms: Vec<f64>,
}

/// One-hot matrix of equal-length sequences: n × 20L, row i is sequence i, position-major
/// (`pos*20 + aa`); gaps and non-standard letters give an all-zero block.
///
/// # Panics
/// If the sequences differ in length.
pub fn one_hot(seqs: &[Vec<u8>]) -> Array2<f64> {
    let l = seqs.first().map_or(0, Vec::len);
    let mut x = Array2::zeros((seqs.len(), N_AA * l));
    for (i, s) in seqs.iter().enumerate() {
        assert_eq!(s.len(), l, "one_hot: sequence {i} has length {}, expected {l}", s.len());
        for (pos, &c) in s.iter().enumerate() {
            if let Some(a) = residue_index(c) {
                x[[i, pos * N_AA + a]] = 1.0;
            }
        }
    }
    x
}

/// Encodes a cleaned family: one-hot, centre, PCA keeping the smallest number of components
/// whose variance share reaches `variance_target` (0.95 as published), unit-norm memories.
pub fn encode(c: &CleanAlignment, variance_target: f64) -> Result<Encoding, ProteinError> {
    if !(variance_target > 0.0 && variance_target <= 1.0) {
        return Err(ProteinError::InvalidArgument(format!(
            "PCA variance target must be in (0, 1], got {variance_target}"
        )));
    }
    let k = c.seqs.len();
    let l = c.seqs.first().map_or(0, Vec::len);
    if k < 2 || l == 0 {
        return Err(ProteinError::InvalidArgument(format!(
            "PCA needs at least 2 sequences of length ≥ 1, got {k} of length {l}"
        )));
    }
    if let Some((name, s)) = c.names.iter().zip(&c.seqs).find(|(_, s)| s.len() != l) {
        return Err(ProteinError::InvalidArgument(format!("sequence '{name}' has length {}, expected {l}", s.len())));
    }

    let x = one_hot(&c.seqs);
    let mean = x.mean_axis(Axis(0)).expect("k ≥ 2 rows");
    let centred = &x - &mean;
    let total_variance = centred.iter().map(|v| v * v).sum::<f64>() / (k - 1) as f64;
    if total_variance == 0.0 {
        return Err(ProteinError::InvalidArgument(format!(
            "all {k} sequences are identical over the {l} kept columns: PCA has no variance"
        )));
    }

    let keep = |s: &[f64]| n_components(s, k, total_variance, variance_target);
    let (singular_values, mut components) = principal_axes(&centred, keep)?;
    let d = components.ncols();
    fix_signs(&mut components);

    let codes = components.t().dot(&centred.t()); // d × K
    let code_norms: Vec<f64> = codes.columns().into_iter().map(|z| z.dot(&z).sqrt()).collect();
    let mut memory = codes;
    for (mut col, &n) in memory.columns_mut().into_iter().zip(&code_norms) {
        col /= n + NORM_EPS;
    }
    let explained: Vec<f64> = singular_values[..d].iter().map(|s| s * s / (k - 1) as f64 / total_variance).collect();
    Ok(Encoding {
        mean,
        components,
        variance_retained: explained.iter().sum(),
        explained,
        total_variance,
        singular_values,
        memory,
        code_norms,
    })
}

/// Above this many sequences PCA goes through the eigen-decomposition of the smaller of the
/// K × K Gram matrix and the 20L × 20L scatter matrix instead of the full SVD (which forms every
/// singular vector, ~200 of which are kept). Below it the SVD stays: it resolves small singular
/// values the Gram route cannot.
pub const GRAM_PCA_MIN_K: usize = 500;

/// Singular values (descending) of `centred`, and its first `keep(values)` right singular
/// vectors (20L × that many).
fn principal_axes(
    centred: &Array2<f64>,
    keep: impl Fn(&[f64]) -> usize,
) -> Result<(Vec<f64>, Array2<f64>), ProteinError> {
    if centred.nrows() > GRAM_PCA_MIN_K {
        return principal_axes_eigen(centred, keep);
    }
    let (values, axes) = principal_axes_svd(centred)?;
    let d = keep(&values);
    Ok((values, axes.slice(ndarray::s![.., ..d]).to_owned()))
}

/// [`principal_axes`] from the eigen-decomposition of C Cᵀ (K ≤ 20L: σᵢ² and uᵢ, then
/// vᵢ = Cᵀuᵢ/σᵢ) or of CᵀC (K > 20L: σᵢ² and vᵢ directly). Directions with σᵢ at rounding level
/// get zero axes (they are never kept: [`n_components`] stops at the numerical rank). Only the
/// first `keep(values)` axes are formed (at K = 5000 all of them were a 6020 × 5000 × 5000
/// product for the ~200 kept).
fn principal_axes_eigen(
    centred: &Array2<f64>,
    keep: impl Fn(&[f64]) -> usize,
) -> Result<(Vec<f64>, Array2<f64>), ProteinError> {
    use faer::{Mat, Side};
    let (k, f) = centred.dim();
    let c = Mat::<f64>::from_fn(k, f, |i, j| centred[[i, j]]);
    let small_side = k <= f;
    let m = if small_side { &c * c.transpose() } else { c.transpose() * &c };
    let evd = m.self_adjoint_eigen(Side::Lower).map_err(|e| ProteinError::Linalg(format!("{e:?}")))?;
    let (vals, vecs) = (evd.S(), evd.U());
    let n = m.nrows();
    // faer returns ascending eigenvalues; σ = sqrt(λ), descending.
    let order: Vec<usize> = (0..n).rev().collect();
    let values: Vec<f64> = order.iter().map(|&i| vals[i].max(0.0).sqrt()).collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(ProteinError::Linalg("eigen-decomposition returned non-finite values".into()));
    }
    let tol = values[0] * values.len() as f64 * f64::EPSILON * 10.0;
    let d = keep(&values).min(n);
    let order = &order[..d];
    let mut axes = Array2::zeros((f, d));
    if small_side {
        // The kept eigenvectors side by side (descending), then Cᵀ U once for them.
        let u = Mat::<f64>::from_fn(k, d, |r, j| vecs[(r, order[j])]);
        let ct_u = c.transpose() * &u; // f × d
        for j in 0..d {
            if values[j] > tol {
                for r in 0..f {
                    axes[[r, j]] = ct_u[(r, j)] / values[j];
                }
            }
        }
    } else {
        for (j, &i) in order.iter().enumerate() {
            for r in 0..f {
                axes[[r, j]] = vecs[(r, i)];
            }
        }
    }
    Ok((values, axes))
}

fn principal_axes_svd(centred: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>), ProteinError> {
    let svd = thin_svd(centred.view())?;
    Ok((svd.values, svd.v))
}

/// A thin SVD `a = U diag(values) Vᵀ`, the values descending.
#[derive(Debug, Clone)]
pub struct ThinSvd {
    pub u: Array2<f64>,
    pub values: Vec<f64>,
    pub v: Array2<f64>,
}

/// The thin SVD of `a` (faer), on one thread: faer's parallel SVD rounds differently with the
/// thread count, and the samples of every method must not depend on it. Errors on non-finite
/// results.
pub fn thin_svd(a: ArrayView2<f64>) -> Result<ThinSvd, ProteinError> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
    let ((m, n), par) = (a.dim(), faer::Par::Seq);
    let size = m.min(n);
    let a = faer::Mat::<f64>::from_fn(m, n, |i, j| a[[i, j]]);
    let (mut u, mut v) = (faer::Mat::<f64>::zeros(m, size), faer::Mat::<f64>::zeros(n, size));
    let mut s = faer::diag::Diag::<f64>::zeros(size);
    let thin = ComputeSvdVectors::Thin;
    let mut mem = MemBuffer::new(svd_scratch::<f64>(m, n, thin, thin, par, Default::default()));
    svd(a.as_ref(), s.as_mut(), Some(u.as_mut()), Some(v.as_mut()), par, MemStack::new(&mut mem), Default::default())
        .map_err(|e| ProteinError::Linalg(format!("SVD: {e:?}")))?;
    let s: Vec<f64> = (0..size).map(|i| s[i]).collect();
    let finite = |x: &faer::Mat<f64>| x.col_iter().all(|c| c.iter().all(|v| v.is_finite()));
    if s.iter().any(|v| !v.is_finite()) || !finite(&u) || !finite(&v) {
        return Err(ProteinError::Linalg("SVD returned non-finite values".into()));
    }
    // faer sorts the values already; sorting again keeps the order a documented property here.
    let mut order: Vec<usize> = (0..size).collect();
    order.sort_by(|&i, &j| s[j].total_cmp(&s[i]));
    let columns = |x: &faer::Mat<f64>| Array2::from_shape_fn((x.nrows(), size), |(r, j)| x[(r, order[j])]);
    Ok(ThinSvd { u: columns(&u), values: order.iter().map(|&i| s[i]).collect(), v: columns(&v) })
}

/// Smallest count whose variance share reaches `target`, among the numerically non-null
/// directions (centring leaves at most K − 1; a target of 1.0 keeps all of them).
fn n_components(s: &[f64], k: usize, total: f64, target: f64) -> usize {
    let tol = s[0] * s.len() as f64 * f64::EPSILON * 10.0;
    let rank = s.iter().take_while(|&&v| v > tol).count().max(1);
    let mut cumulative = 0.0;
    for (i, v) in s[..rank].iter().enumerate() {
        cumulative += v * v / (k - 1) as f64;
        if cumulative / total >= target {
            return i + 1;
        }
    }
    rank
}

/// Makes each column's largest-magnitude entry positive (ties within 1e-9: the first).
fn fix_signs(p: &mut Array2<f64>) {
    for mut col in p.columns_mut() {
        let max = col.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if let Some(&pivot) = col.iter().find(|v| v.abs() >= max * (1.0 - 1e-9)) {
            if pivot < 0.0 {
                col.mapv_inplace(|v| -v);
            }
        }
    }
}

impl Encoding {
    /// Dimension d of the memory space.
    pub fn d(&self) -> usize {
        self.components.ncols()
    }

    /// Number of aligned positions L.
    pub fn seq_len(&self) -> usize {
        self.mean.len() / N_AA
    }

    /// Number of stored patterns K.
    pub fn k(&self) -> usize {
        self.memory.ncols()
    }

    /// The un-normalised codes z_k = Pᵀ(x_k − μ), d × K (memory columns times ‖z_k‖ + 1e-12).
    pub fn stored_codes(&self) -> Array2<f64> {
        let mut z = self.memory.clone();
        for (mut col, &n) in z.columns_mut().into_iter().zip(&self.code_norms) {
            col *= n + NORM_EPS;
        }
        z
    }

    /// Published decode of each column ξ of `xi` (d × n): x = Pξ + μ (no rescaling), then per
    /// position the first argmax of the 20-block, or `-` when the block maximum is < 1e-10.
    /// A block holding a non-finite value (a diverged sample) decodes to `X`, which
    /// [`crate::valid_fraction`] counts as invalid.
    ///
    /// # Panics
    /// If `xi` does not have d rows.
    pub fn decode(&self, xi: ArrayView2<f64>) -> Vec<Vec<u8>> {
        assert_eq!(xi.nrows(), self.d(), "decode: ξ has {} rows, the encoding has d = {}", xi.nrows(), self.d());
        let x = self.components.dot(&xi); // 20L × n
        x.columns()
            .into_iter()
            .map(|col| {
                (0..self.seq_len())
                    .map(|pos| {
                        let block: Vec<f64> =
                            (0..N_AA).map(|a| col[pos * N_AA + a] + self.mean[pos * N_AA + a]).collect();
                        decode_block(&block)
                    })
                    .collect()
            })
            .collect()
    }

    /// Encodes sequences aligned to the L cleaned columns exactly like the family's memories:
    /// d × n, column i = Pᵀ(x_i − μ) / (‖·‖ + 1e-12). Sequences are one-hot encoded
    /// [`PROJECT_BLOCK`] at a time, so memory stays O(d·n + 20L·block) however many there are.
    ///
    /// # Panics
    /// If a sequence's length is not L.
    pub fn project(&self, seqs: &[Vec<u8>]) -> Array2<f64> {
        let l = self.seq_len();
        if let Some((i, s)) = seqs.iter().enumerate().find(|(_, s)| s.len() != l) {
            panic!("project: sequence {i} has length {}, expected L = {l}", s.len());
        }
        let block = |chunk: &[Vec<u8>]| {
            let centred = one_hot(chunk) - &self.mean;
            let mut zb = self.components.t().dot(&centred.t());
            for mut col in zb.columns_mut() {
                let n = col.dot(&col).sqrt();
                col /= n + NORM_EPS;
            }
            zb
        };
        if seqs.len() <= PROJECT_BLOCK {
            return block(seqs);
        }
        // The product's memory order (column-major here) is kept: later products on these
        // samples round by it.
        let first = block(&seqs[..PROJECT_BLOCK]);
        let shape = (self.d(), seqs.len());
        let mut z = if first.t().is_standard_layout() { Array2::zeros(shape.f()) } else { Array2::zeros(shape) };
        z.slice_mut(ndarray::s![.., ..PROJECT_BLOCK]).assign(&first);
        for (b, chunk) in seqs.chunks(PROJECT_BLOCK).enumerate().skip(1) {
            z.slice_mut(ndarray::s![.., b * PROJECT_BLOCK..b * PROJECT_BLOCK + chunk.len()]).assign(&block(chunk));
        }
        z
    }
}

/// Sequences one-hot encoded at a time by [`Encoding::project`] (a block of 20L·1024 f64).
pub const PROJECT_BLOCK: usize = 1024;

/// One position of the published decode.
fn decode_block(block: &[f64]) -> u8 {
    if block.iter().any(|v| !v.is_finite()) {
        return b'X';
    }
    let (mut best, mut best_val) = (0, block[0]);
    for (a, &v) in block.iter().enumerate().skip(1) {
        if v > best_val {
            (best, best_val) = (a, v);
        }
    }
    if best_val < GAP_THRESHOLD {
        b'-'
    } else {
        ALPHABET[best]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A centred matrix with a decaying spectrum (distinct gaps), from a fixed LCG.
    fn structured(k: usize, f: usize) -> Array2<f64> {
        let mut state: u64 = 42;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let rank = 30;
        let u = Array2::from_shape_fn((k, rank), |_| next());
        let v = Array2::from_shape_fn((rank, f), |(i, _)| next() * 0.8f64.powi(i as i32));
        let mut m = u.dot(&v) + Array2::from_shape_fn((k, f), |_| 1e-3 * next());
        let mean = m.mean_axis(Axis(0)).unwrap();
        m -= &mean;
        m
    }

    /// The eigen route of large families gives the SVD's values and (sign-fixed) axes, on both
    /// sides (K ≤ 20L: Gram matrix; K > 20L: scatter matrix).
    #[test]
    fn eigen_pca_equals_svd_pca() {
        for (k, f) in [(620, 900), (700, 240)] {
            let c = structured(k, f);
            let (s1, mut a1) = principal_axes_svd(&c).unwrap();
            let (s2, mut a2) = principal_axes_eigen(&c, |s| s.len()).unwrap();
            let seven = principal_axes_eigen(&c, |_| 7).unwrap().1;
            let gap = (&seven - &a2.slice(ndarray::s![.., ..7])).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(seven.ncols() == 7 && gap < 1e-12, "only the kept axes, the same ones: {gap}");
            let d = 25;
            for i in 0..d {
                assert!((s1[i] - s2[i]).abs() <= 1e-9 * s1[0], "{k}×{f} σ{i}: {} vs {}", s1[i], s2[i]);
            }
            let (mut p1, mut p2) =
                (a1.slice_mut(ndarray::s![.., ..d]).to_owned(), a2.slice_mut(ndarray::s![.., ..d]).to_owned());
            fix_signs(&mut p1);
            fix_signs(&mut p2);
            let worst = (&p1 - &p2).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(worst < 1e-7, "{k}×{f}: axes differ by {worst}");
        }
    }

    #[test]
    fn projecting_block_by_block_equals_one_sequence_at_a_time() {
        // A small family, then more sequences than one block: every column of the blocked
        // projection equals the projection of that sequence alone.
        let letters = b"ACDEFGHIKL-";
        let mut st = 17u64;
        let mut next = || {
            st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (st >> 33) as usize
        };
        let seq =
            |next: &mut dyn FnMut() -> usize| (0..12).map(|_| letters[next() % letters.len()]).collect::<Vec<u8>>();
        let fam: Vec<Vec<u8>> = (0..9).map(|_| seq(&mut next)).collect();
        let c = CleanAlignment {
            names: (0..9).map(|i| format!("s{i}")).collect(),
            seqs: fam,
            kept_columns: (0..12).collect(),
            kept_rows: (0..9).collect(),
            n_input_rows: 9,
            n_input_cols: 12,
        };
        let e = encode(&c, 0.95).unwrap();
        let many: Vec<Vec<u8>> = (0..2 * PROJECT_BLOCK + 3).map(|_| seq(&mut next)).collect();
        let z = e.project(&many);
        assert_eq!(z.dim(), (e.d(), many.len()));
        for j in [0, 1, PROJECT_BLOCK - 1, PROJECT_BLOCK, PROJECT_BLOCK + 1, 2 * PROJECT_BLOCK + 2] {
            let one = e.project(&many[j..j + 1]);
            for i in 0..e.d() {
                assert!((z[[i, j]] - one[[i, 0]]).abs() < 1e-12, "sequence {j}, component {i}");
            }
        }
    }
}
