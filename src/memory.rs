//! The memory matrix and the attention primitives of the modern Hopfield energy.
//!
//! Conventions: memories are the K columns of `X` (d × K). Batches of states (chains, samples)
//! are held as rows of an `n × d` matrix so that one attention step for all of them is two
//! matrix-matrix products: `logits = β Ξ X` (n × K) and `Ξ_att = softmax(logits) Xᵀ` (n × d).

use crate::error::{Error, Result};
use crate::kernels::{matmul_packed, one_pass, OnePass, Packed, Real};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};

/// Stored patterns `X` (d × K) plus what every attention step needs precomputed, held in the
/// sampler's working precision `T` (f64 by default; see [`Memory::to_precision`]).
#[derive(Debug, Clone)]
pub struct Memory<T: Real = f64> {
    /// `X`, the right operand of the first product (`β Ξ X`).
    x: Packed<T>,
    /// `Xᵀ`, the right operand of the second product (`P Xᵀ`); not packed when attention runs
    /// in one pass (see `fused`), which reads its plain rows (one pattern each).
    xt: Packed<T>,
    norms: Array1<f64>,
    /// Attention runs in one pass over the memory (`fused::one_pass`); decided once here.
    one_pass: bool,
    /// Per-pattern logit bias `b_k = ln w_k` (sequence weights), or none (every `w_k = 1`).
    log_weights: Option<Vec<T>>,
}

/// Packs `X` and `Xᵀ` for the products of precision `T`; `Xᵀ` stays unpacked when attention
/// runs in one pass.
fn packed_pair<T: Real>(x: Array2<T>) -> (Packed<T>, Packed<T>, bool) {
    let xt = x.t().as_standard_layout().into_owned();
    let one_pass = one_pass::<T>(x.nrows(), x.ncols());
    (Packed::new(x), if one_pass { Packed::plain_only(xt) } else { Packed::new(xt) }, one_pass)
}

impl Memory<f64> {
    /// Wraps `x` (d × K, one pattern per column). Requires d ≥ 1, K ≥ 2 and finite entries.
    pub fn new(x: Array2<f64>) -> Result<Self> {
        let (d, k) = x.dim();
        if d == 0 || k < 2 {
            return Err(Error::Memory(format!("need at least 1 dimension and 2 patterns (got {d} × {k})")));
        }
        if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
            let (i, j) = (pos / k, pos % k);
            // Named by pattern and coordinate: callers hold the patterns as columns (here) or rows.
            return Err(Error::Memory(format!(
                "pattern {j}, coordinate {i} is {} (entries must be finite)",
                x[(i, j)]
            )));
        }
        // Standard layout first: a column-major x (a transposed K × d array) gives the same
        // norms to the last bit, as ndarray's dot adds strided and contiguous data in other orders.
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        let norms = x.map_axis(Axis(0), |c| c.dot(&c).sqrt());
        if let Some(j) = norms.iter().position(|n| !n.is_finite()) {
            return Err(Error::Memory(format!("pattern {j}'s norm overflows (entries too large for f64 squares)")));
        }
        let (x, xt, one_pass) = packed_pair(x);
        Ok(Memory { x, xt, norms, one_pass, log_weights: None })
    }

    /// The memories `idx` only: conditioning on a subset. This is exactly the paper's −∞ logit
    /// bias outside the subset, applied alike in energy, attention and the exact sampler.
    pub fn subset(&self, idx: &[usize]) -> Result<Self> {
        if let Some(&bad) = idx.iter().find(|&&k| k >= self.k()) {
            return Err(Error::Mask(format!("memory index {bad} out of range (K = {})", self.k())));
        }
        let sub = Memory::new(self.x().select(Axis(1), idx))?;
        match &self.log_weights {
            Some(b) => sub.with_log_weights(&idx.iter().map(|&k| b[k]).collect::<Vec<_>>()),
            None => Ok(sub),
        }
    }

    /// The same memory with pattern k weighted by `w_k = exp(log_weights[k])`: the energy becomes
    /// `½‖ξ‖² − β⁻¹ log Σ_k w_k exp(β m_kᵀξ)`, i.e. a logit bias `ln w_k` in every attention step,
    /// and the exact law's mixture weights become `w_k exp(β‖m_k‖²/2)` (sequence reweighting).
    /// Requires one finite value per pattern.
    pub fn with_log_weights(mut self, log_weights: &[f64]) -> Result<Self> {
        if log_weights.len() != self.k() {
            return Err(Error::Memory(format!("{} log-weights for {} patterns", log_weights.len(), self.k())));
        }
        if let Some(k) = log_weights.iter().position(|v| !v.is_finite()) {
            return Err(Error::Memory(format!("non-finite log-weight of pattern {k}")));
        }
        self.log_weights = Some(log_weights.to_vec());
        Ok(self)
    }

    /// The same memory in another working precision (f32 halves the cost of every product).
    pub fn to_precision<T: Real>(&self) -> Memory<T> {
        let (x, xt, one_pass) = packed_pair(self.x().mapv(T::from_f64));
        let log_weights = self.log_weights.as_ref().map(|b| b.iter().map(|&v| T::from_f64(v)).collect());
        Memory { x, xt, norms: self.norms.clone(), one_pass, log_weights }
    }
}

impl<T: Real> Memory<T> {
    /// Pattern dimension d.
    pub fn d(&self) -> usize {
        self.x.plain().nrows()
    }
    /// Number of stored patterns K.
    pub fn k(&self) -> usize {
        self.x.plain().ncols()
    }
    /// `X` (d × K).
    pub fn x(&self) -> ArrayView2<'_, T> {
        self.x.plain()
    }
    /// `Xᵀ` (K × d).
    pub fn xt(&self) -> ArrayView2<'_, T> {
        self.xt.plain()
    }
    /// ‖m_k‖ for every pattern.
    pub fn norms(&self) -> ArrayView1<'_, f64> {
        self.norms.view()
    }
    /// Pattern k.
    pub fn pattern(&self, k: usize) -> ArrayView1<'_, T> {
        self.x().index_axis_move(Axis(1), k)
    }
    /// The per-pattern logit bias `ln w_k`, when the patterns are weighted
    /// ([`Memory::with_log_weights`]).
    pub fn log_weights(&self) -> Option<&[T]> {
        self.log_weights.as_deref()
    }
    /// Whether attention over this memory runs in one pass (`fused::one_pass`).
    pub fn one_pass(&self) -> bool {
        self.one_pass
    }

    /// The same memory with the two-pass attention evaluation, for comparison (`satool bench`).
    pub fn two_pass(&self) -> Self {
        let x = self.x.clone();
        let (norms, log_weights) = (self.norms.clone(), self.log_weights.clone());
        Memory { xt: Packed::new(self.xt().to_owned()), x, norms, one_pass: false, log_weights }
    }

    /// The same memory with the one-pass attention evaluation whatever its shape and the
    /// environment, for tests.
    #[cfg(test)]
    pub(crate) fn forced_one_pass(&self) -> Self {
        let x = self.x.clone();
        let (norms, log_weights) = (self.norms.clone(), self.log_weights.clone());
        Memory { xt: Packed::plain_only(self.xt().to_owned()), x, norms, one_pass: true, log_weights }
    }
}

/// Softmax of one row in place (max-subtracted, so β up to 1e5 is safe); returns its logsumexp.
pub fn softmax_in_place(row: &mut [f64]) -> f64 {
    f64::softmax_in_place(row)
}

/// Shannon entropy (nats) of a probability vector, skipping p < 1e-30.
pub fn entropy(p: &[f64]) -> f64 {
    p.iter().filter(|&&v| v >= 1e-30).map(|&v| -v * v.ln()).sum()
}

/// Buffers for one batched attention evaluation of `n` states; reused across steps.
#[derive(Debug, Clone)]
pub(crate) struct Attention<T: Real = f64> {
    /// Attention weights `softmax(β Xᵀ ξ)` per row (n × K).
    pub probs: Array2<T>,
    /// `X p(ξ)` per row (n × d).
    pub att: Array2<T>,
    /// `logsumexp(β Xᵀ ξ)` per row.
    pub lse: Vec<f64>,
    /// Buffers of the one-pass evaluation, for large memories.
    one_pass: Option<OnePass<T>>,
}

impl<T: Real> Attention<T> {
    pub fn new(n: usize, mem: &Memory<T>) -> Self {
        let one_pass = mem.one_pass().then(|| OnePass::new(n));
        Attention { probs: Array2::zeros((n, mem.k())), att: Array2::zeros((n, mem.d())), lse: vec![0.0; n], one_pass }
    }

    /// Computes `X p` and logsumexp for the rows of `xi` (n × d), without allocating. `probs`
    /// is scratch here (large memories never form it); `weights` computes it.
    pub fn compute(&mut self, mem: &Memory<T>, beta: f64, xi: ArrayView2<T>) {
        if let (Some(one_pass), true) = (self.one_pass.as_mut(), xi.is_standard_layout()) {
            let bias = mem.log_weights();
            return one_pass.attend(mem.xt(), beta, xi, bias, self.att.view_mut(), &mut self.lse);
        }
        self.weights(mem, beta, xi);
        matmul_packed(T::one(), self.probs.view(), &mem.xt, self.att.view_mut());
    }

    /// Only the weights and logsumexp (no `X p`): what energy, entropy and projections need.
    pub fn weights(&mut self, mem: &Memory<T>, beta: f64, xi: ArrayView2<T>) {
        matmul_packed(T::from_f64(beta), xi, &mem.x, self.probs.view_mut());
        if let Some(b) = mem.log_weights() {
            let b = ndarray::aview1(b);
            self.probs.rows_mut().into_iter().for_each(|mut row| row.zip_mut_with(&b, |v, &bk| *v = *v + bk));
        }
        let k = self.probs.ncols().max(1);
        let large = self.probs.len() >= 1 << 15;
        let probs = self.probs.as_slice_mut().expect("probs is in standard layout");
        let softmax = |(row, lse): (&mut [T], &mut f64)| *lse = T::softmax_in_place(row);
        // Rows are independent: large batches spread them over the threads (same result).
        if large {
            use rayon::prelude::*;
            probs.par_chunks_mut(k).zip(self.lse.par_iter_mut()).for_each(softmax);
        } else {
            probs.chunks_mut(k).zip(self.lse.iter_mut()).for_each(softmax);
        }
    }
}

/// `E(ξ) = ½‖ξ‖² − (1/β)·logsumexp(β Xᵀ ξ)`, given the row's logsumexp (the published form,
/// without the paper's constants: a stored unit-norm pattern has E ≈ −0.5 at high β).
/// Accumulated in f64 whatever the working precision.
pub(crate) fn energy_from_lse<T: Real>(xi: ArrayView1<T>, lse: f64, beta: f64) -> f64 {
    0.5 * xi.iter().map(|v| v.to_f64() * v.to_f64()).sum::<f64>() - lse / beta
}

/// Energies at `beta` of the columns of `samples` (d × n).
///
/// # Panics
/// If `samples` does not have the memory's d rows.
pub fn energies(mem: &Memory, beta: f64, samples: ArrayView2<f64>) -> Vec<f64> {
    check_rows("energies", samples, mem.d());
    let rows = samples.t();
    let mut a = Attention::new(rows.nrows(), mem);
    a.weights(mem, beta, rows);
    rows.outer_iter().zip(&a.lse).map(|(xi, &lse)| energy_from_lse(xi, lse, beta)).collect()
}

/// Attention weights of the columns of `samples` (d × n) at `beta`, as rows (n × K).
///
/// # Panics
/// If `samples` does not have the memory's d rows.
pub fn attention_weights(mem: &Memory, beta: f64, samples: ArrayView2<f64>) -> Array2<f64> {
    check_rows("attention_weights", samples, mem.d());
    let rows = samples.t();
    let mut a = Attention::new(rows.nrows(), mem);
    a.weights(mem, beta, rows);
    a.probs
}

/// Panics, naming `what`, unless `samples` has `d` rows (states as columns): a caller's mistake,
/// said in its terms rather than a kernel's shapes.
pub(crate) fn check_rows(what: &str, samples: ArrayView2<f64>, d: usize) {
    assert!(
        samples.nrows() == d,
        "{what}: samples are d × n with the memory's d = {d} rows; got {} × {}",
        samples.nrows(),
        samples.ncols()
    );
}

/// `ξ ← a·ξ + b·y + c·z` elementwise, the shape of every Langevin update.
pub(crate) fn axpbypcz<T: Real>(xi: &mut Array2<T>, a: f64, b: f64, y: &Array2<T>, c: f64, z: &Array2<T>) {
    let (a, b, c) = (T::from_f64(a), T::from_f64(b), T::from_f64(c));
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
        for (k, l) in logits.iter().enumerate() {
            assert!((a.probs[[0, k]] - l.exp() / z).abs() < 1e-15);
        }
        let want0: f64 = (0..3).map(|k| x[[0, k]] * logits[k].exp() / z).sum();
        assert!((a.att[[0, 0]] - want0).abs() < 1e-15);
        assert!((a.lse[0] - z.ln()).abs() < 1e-14);
    }

    #[test]
    fn a_subset_is_checked() {
        let mem = Memory::new(array![[1.0, 0.0, 0.6, -0.3], [0.0, 1.0, 0.8, 0.9]]).unwrap();
        assert_eq!(mem.subset(&[1, 3]).unwrap().x(), array![[0.0, -0.3], [1.0, 0.9]]);
        assert!(mem.subset(&[0, 9]).is_err());
    }

    #[test]
    fn a_log_weight_of_ln_n_equals_n_copies_of_the_pattern() {
        // Pattern 2 stored three times, against stored once with weight 3: the same attention
        // over the distinct patterns, the same logsumexp, the same exact-law mixture weights.
        let x = array![[1.0, 0.0, 0.6, -0.3], [0.0, 1.0, 0.8, 0.9], [0.2, -0.4, 0.1, 0.5]];
        let copies = Memory::new(x.select(Axis(1), &[0, 1, 2, 2, 2, 3])).unwrap();
        let weighted = Memory::new(x).unwrap().with_log_weights(&[0.0, 0.0, 3f64.ln(), 0.0]).unwrap();
        let xi = array![[0.3, -0.2, 0.4], [0.1, 0.7, -0.5]];
        let (mut a, mut b) = (Attention::new(2, &copies), Attention::new(2, &weighted));
        a.compute(&copies, 5.0, xi.view());
        b.compute(&weighted, 5.0, xi.view());
        for r in 0..2 {
            assert!((a.lse[r] - b.lse[r]).abs() < 1e-13);
            assert!((&a.att.row(r) - &b.att.row(r)).iter().all(|v| v.abs() < 1e-15));
            let tripled = a.probs[[r, 2]] + a.probs[[r, 3]] + a.probs[[r, 4]];
            assert!((tripled - b.probs[[r, 2]]).abs() < 1e-15 && (a.probs[[r, 5]] - b.probs[[r, 3]]).abs() < 1e-15);
        }
        let (wc, ww) = (crate::mixture_weights(&copies, 4.0), crate::mixture_weights(&weighted, 4.0));
        assert!((wc[2] + wc[3] + wc[4] - ww[2]).abs() < 1e-15 && (wc[0] - ww[0]).abs() < 1e-15);
        // A subset keeps its patterns' weights; a precision change keeps them too.
        let sub = weighted.subset(&[2, 3]).unwrap();
        assert_eq!(sub.log_weights(), Some(&[3f64.ln(), 0.0][..]));
        assert_eq!(weighted.to_precision::<f32>().log_weights().unwrap()[2], 3f32.ln());
        assert!(Memory::new(array![[1.0, 0.0]]).unwrap().with_log_weights(&[0.0]).is_err());
        assert!(Memory::new(array![[1.0, 0.0]]).unwrap().with_log_weights(&[0.0, f64::NAN]).is_err());
    }

    #[test]
    fn rejects_degenerate_memories() {
        assert!(Memory::new(Array2::zeros((3, 1))).is_err());
        assert!(Memory::new(array![[1.0, f64::NAN]]).is_err());
    }

    /// The one-pass evaluation (forced, whatever the shape rule, the CPU and `SATOOL_TWO_PASS`)
    /// against the two-pass one: the same attention and logsumexp to 1e-12 in f64 (the sums run
    /// in another order) and 2e-5 in f32, with and without pattern weights, one and many segments.
    #[test]
    fn one_pass_attention_equals_the_two_pass_evaluation() {
        use rand::Rng as _;
        let mut rng = crate::rng::stream(3, "fused");
        let shapes = [(13, 1001, 33, false), (30, 1100, 9, true), (16, 1200, 4, false), (7, 300, 40, true)];
        for (d, k, rows, weighted) in shapes {
            let x = Array2::from_shape_simple_fn((d, k), || rng.random::<f64>() - 0.5);
            let xi = Array2::from_shape_simple_fn((rows, d), || rng.random::<f64>() - 0.5);
            let mem = Memory::new(x).unwrap();
            // some shapes also weight their patterns (a logit bias in both evaluations)
            let mem = match weighted {
                true => {
                    mem.with_log_weights(&(0..k).map(|i| ((i % 5) as f64 - 2.0) * 0.7).collect::<Vec<_>>()).unwrap()
                }
                false => mem,
            };
            check_one_pass(&mem, &xi, 1e-12);
            check_one_pass(&mem.to_precision::<f32>(), &xi.mapv(|v| v as f32), 2e-5);
        }
    }

    fn check_one_pass<T: Real>(mem: &Memory<T>, xi: &Array2<T>, tol: f64) {
        let (one, two) = (mem.forced_one_pass(), mem.two_pass());
        assert!(one.one_pass() && !two.one_pass());
        let rows = xi.nrows();
        let (mut got, mut want) = (Attention::new(rows, &one), Attention::new(rows, &two));
        assert!(got.one_pass.is_some() && want.one_pass.is_none(), "two different evaluations");
        // first other states: buffers reused from one evaluation must not leak into the next
        got.compute(&one, 8.0, xi.mapv(|v| v * T::from_f64(0.5)).view());
        got.compute(&one, 8.0, xi.view());
        want.compute(&two, 8.0, xi.view());
        for r in 0..rows {
            let (g, w) = (got.lse[r], want.lse[r]);
            assert!((g - w).abs() <= tol * w.abs().max(1.0), "lse[{r}] {g} vs {w}");
            for (g, w) in got.att.row(r).iter().zip(want.att.row(r)) {
                assert!((g.to_f64() - w.to_f64()).abs() <= tol, "att[{r}] {g:?} vs {w:?}");
            }
        }
    }
}
