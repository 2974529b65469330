//! The memory matrix and the attention primitives of the modern Hopfield energy (SPEC §1).
//!
//! Conventions: memories are the K columns of `X` (d × K). Batches of states (chains, samples)
//! are held as rows of an `n × d` matrix so that one attention step for all of them is two
//! matrix-matrix products: `logits = β Ξ X` (n × K) and `Ξ_att = softmax(logits) Xᵀ` (n × d).

use anyhow::{bail, Result};
use crate::linalg::matmul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};

/// Stored patterns `X` (d × K) plus what every attention step needs precomputed.
#[derive(Debug, Clone)]
pub struct Memory {
    x: Array2<f64>,
    /// `Xᵀ` in standard (row-major) layout, the right operand of the second product.
    xt: Array2<f64>,
    norms: Array1<f64>,
}

impl Memory {
    /// Wraps `x` (d × K, one pattern per column). Requires d ≥ 1, K ≥ 2 and finite entries.
    pub fn new(x: Array2<f64>) -> Result<Self> {
        let (d, k) = x.dim();
        if d == 0 || k < 2 {
            bail!("memory matrix must have at least 1 dimension and 2 patterns (got {d} × {k})");
        }
        if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
            bail!("memory matrix has a non-finite entry at flat index {pos}");
        }
        let xt = x.t().as_standard_layout().into_owned();
        let norms = x.map_axis(Axis(0), |c| c.dot(&c).sqrt());
        Ok(Memory { x, xt, norms })
    }

    pub fn d(&self) -> usize {
        self.x.nrows()
    }
    pub fn k(&self) -> usize {
        self.x.ncols()
    }
    /// `X` (d × K).
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }
    /// `Xᵀ` (K × d).
    pub fn xt(&self) -> ArrayView2<'_, f64> {
        self.xt.view()
    }
    /// ‖m_k‖ for every pattern.
    pub fn norms(&self) -> ArrayView1<'_, f64> {
        self.norms.view()
    }
    /// Pattern k.
    pub fn pattern(&self, k: usize) -> ArrayView1<'_, f64> {
        self.x.column(k)
    }
}

/// `exp(x)` for `x ≤ 0` without branches, so loops over it vectorise: round `x·log2 e` to an
/// integer n with the 1.5·2⁵² trick, reduce to |r| ≤ ln2/2, a degree-13 Taylor polynomial for
/// `e^r` (truncation < 5e-18), and scale by 2ⁿ built from the exponent bits. Relative error
/// ≤ 2 ulp for x ≥ −708; smaller x (weights below 1e-307) return e^−708.
#[inline(always)]
pub fn exp_nonpositive(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_0e-10;
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.666_666_666_666_666_6e-1,
        4.166_666_666_666_666_4e-2,
        8.333_333_333_333_333e-3,
        1.388_888_888_888_888_9e-3,
        1.984_126_984_126_984e-4,
        2.480_158_730_158_730_2e-5,
        2.755_731_922_398_589e-6,
        2.755_731_922_398_589_3e-7,
        2.505_210_838_544_172e-8,
        2.087_675_698_786_81e-9,
        1.605_904_383_682_161_3e-10,
    ];
    let x = if x > -708.0 { x } else { -708.0 };
    let t = x * std::f64::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = p * r + c;
    }
    // t's low mantissa bits hold n (two's complement relative to SHIFT); 2^n = (n + 1023) << 52.
    let n_int = (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    p * f64::from_bits(((n_int + 1023) << 52) as u64)
}

#[inline(always)]
fn softmax_body(row: &mut [f64]) -> f64 {
    let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    // Eight independent partial sums: a fixed summation order that the compiler can vectorise.
    let mut acc = [0.0f64; 8];
    let mut chunks = row.chunks_exact_mut(8);
    for ch in &mut chunks {
        for (v, a) in ch.iter_mut().zip(acc.iter_mut()) {
            *v = exp_nonpositive(*v - max);
            *a += *v;
        }
    }
    for (v, a) in chunks.into_remainder().iter_mut().zip(acc.iter_mut()) {
        *v = exp_nonpositive(*v - max);
        *a += *v;
    }
    let sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
    max + sum.ln()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_avx2(row: &mut [f64]) -> f64 {
    softmax_body(row)
}

/// Softmax of one row in place (max-subtracted, so β up to 1e5 is safe); returns its logsumexp.
/// On x86_64 with AVX2 the same code is compiled for AVX2 + FMA and chosen at run time (the
/// choice depends only on the CPU, so a machine always gives the same bits).
pub fn softmax_in_place(row: &mut [f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports the features the function was compiled for.
            return unsafe { softmax_avx2(row) };
        }
    }
    softmax_body(row)
}

/// Shannon entropy (nats) of a probability vector, skipping p < 1e-30 (SPEC §1).
pub fn entropy(p: &[f64]) -> f64 {
    p.iter().filter(|&&v| v >= 1e-30).map(|&v| -v * v.ln()).sum()
}

/// Buffers for one batched attention evaluation of `n` states; reused across steps.
#[derive(Debug, Clone)]
pub struct Attention {
    /// Attention weights `softmax(β Xᵀ ξ)` per row (n × K).
    pub probs: Array2<f64>,
    /// `X p(ξ)` per row (n × d).
    pub att: Array2<f64>,
    /// `logsumexp(β Xᵀ ξ)` per row.
    pub lse: Vec<f64>,
}

impl Attention {
    pub fn new(n: usize, mem: &Memory) -> Self {
        Attention { probs: Array2::zeros((n, mem.k())), att: Array2::zeros((n, mem.d())), lse: vec![0.0; n] }
    }

    /// Computes weights, `X p` and logsumexp for the rows of `xi` (n × d), without allocating.
    pub fn compute(&mut self, mem: &Memory, beta: f64, xi: ArrayView2<f64>) {
        self.weights(mem, beta, xi);
        matmul(1.0, &self.probs, &mem.xt(), self.att.view_mut());
    }

    /// Only the weights and logsumexp (no `X p`): what energy, entropy and projections need.
    pub fn weights(&mut self, mem: &Memory, beta: f64, xi: ArrayView2<f64>) {
        matmul(beta, &xi, &mem.x(), self.probs.view_mut());
        for (mut row, lse) in self.probs.rows_mut().into_iter().zip(self.lse.iter_mut()) {
            *lse = softmax_in_place(row.as_slice_mut().expect("probs rows are contiguous"));
        }
    }
}

/// `E(ξ) = ½‖ξ‖² − (1/β)·logsumexp(β Xᵀ ξ)`, given the row's logsumexp (the published form,
/// without the paper's constants: a stored unit-norm pattern has E ≈ −0.5 at high β).
pub fn energy_from_lse(xi: ArrayView1<f64>, lse: f64, beta: f64) -> f64 {
    0.5 * xi.dot(&xi) - lse / beta
}

/// Energies at `beta` of the columns of `samples` (d × n).
pub fn energies(mem: &Memory, beta: f64, samples: ArrayView2<f64>) -> Vec<f64> {
    let rows = samples.t();
    let mut a = Attention::new(rows.nrows(), mem);
    a.weights(mem, beta, rows);
    rows.outer_iter().zip(&a.lse).map(|(xi, &lse)| energy_from_lse(xi, lse, beta)).collect()
}

/// Attention weights of the columns of `samples` (d × n) at `beta`, as rows (n × K).
pub fn attention_weights(mem: &Memory, beta: f64, samples: ArrayView2<f64>) -> Array2<f64> {
    let rows = samples.t();
    let mut a = Attention::new(rows.nrows(), mem);
    a.weights(mem, beta, rows);
    a.probs
}

/// `ξ ← a·ξ + b·y + c·z` elementwise, the shape of every Langevin update.
pub fn axpbypcz(xi: &mut Array2<f64>, a: f64, b: f64, y: &Array2<f64>, c: f64, z: &Array2<f64>) {
    Zip::from(xi).and(y).and(z).for_each(|x, &y, &z| *x = a * *x + b * y + c * z);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_is_normalised_and_stable_at_huge_logits() {
        let mut row = [1e5, 1e5 - 1.0, -1e5];
        let lse = softmax_in_place(&mut row);
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // p0/p1 = e
        assert!((row[0] / row[1] - std::f64::consts::E).abs() < 1e-9);
        assert!((lse - (1e5 + (1.0 + (-1.0f64).exp()).ln())).abs() < 1e-9);
    }

    #[test]
    fn fast_exp_matches_libm_to_two_ulp() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = -708.0 * i as f64 / 200_000.0;
            let (got, want) = (exp_nonpositive(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
        }
        for x in [0.0, -1e-300, -0.5 * std::f64::consts::LN_2, -1.0, -745.0, f64::NEG_INFINITY] {
            let got = exp_nonpositive(x);
            assert!(got.is_finite() && got >= 0.0 && got <= 1.0, "exp({x}) = {got}");
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(worst < 4.5e-16, "worst relative error {worst}");
    }

    #[test]
    fn softmax_matches_a_direct_computation() {
        let logits: Vec<f64> = (0..37).map(|i| ((i * 7919) % 101) as f64 * 0.37 - 20.0).collect();
        let mut row = logits.clone();
        let lse = softmax_in_place(&mut row);
        let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = logits.iter().map(|l| (l - m).exp()).sum();
        for (p, l) in row.iter().zip(&logits) {
            assert!((p - (l - m).exp() / z).abs() < 1e-15);
        }
        assert!((lse - (m + z.ln())).abs() < 1e-13);
    }

    #[test]
    fn energy_of_stored_pattern_matches_hand_value() {
        // Orthonormal patterns e1, e2 in R²; ξ = e1, β = 2:
        // logits = (2, 0), lse = ln(e² + 1); E = ½ − ln(e² + 1)/2.
        let mem = Memory::new(array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
        let e = energies(&mem, 2.0, array![[1.0], [0.0]].view());
        let want = 0.5 - ((2.0f64).exp() + 1.0).ln() / 2.0;
        assert!((e[0] - want).abs() < 1e-14);
    }

    #[test]
    fn attention_matches_direct_formula() {
        let x = array![[1.0, 0.0, 0.6], [0.0, 1.0, 0.8]];
        let mem = Memory::new(x.clone()).unwrap();
        let xi = array![[0.3, -0.2]];
        let mut a = Attention::new(1, &mem);
        a.compute(&mem, 3.0, xi.view());
        let logits: Vec<f64> = (0..3).map(|k| 3.0 * (0.3 * x[[0, k]] - 0.2 * x[[1, k]])).collect();
        let z: f64 = logits.iter().map(|l| l.exp()).sum();
        for k in 0..3 {
            assert!((a.probs[[0, k]] - logits[k].exp() / z).abs() < 1e-15);
        }
        let want0: f64 = (0..3).map(|k| x[[0, k]] * logits[k].exp() / z).sum();
        assert!((a.att[[0, 0]] - want0).abs() < 1e-15);
        assert!((a.lse[0] - z.ln()).abs() < 1e-14);
    }

    #[test]
    fn rejects_degenerate_memories() {
        assert!(Memory::new(Array2::zeros((3, 1))).is_err());
        assert!(Memory::new(array![[1.0, f64::NAN]]).is_err());
    }
}
