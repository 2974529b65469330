//! The exact sampler: `p_β` is the mixture Σ_k w_k N(m_k, β⁻¹ I) with `w_k ∝ exp(β‖m_k‖²/2)`
//! (SPEC §1), so an i.i.d. draw picks k by w and adds `β^{-1/2}·N(0, I)`: O(d) per sample,
//! no burn-in, no discretisation bias — the ground truth for ULA and MALA.

use crate::memory::Memory;
use crate::rng::Rng;
use ndarray::Array2;
use rand::Rng as _;
use rand_distr::StandardNormal;

/// Mixture weights, computed in log space (β‖m‖²/2 can overflow for large β).
pub fn mixture_weights(mem: &Memory, beta: f64) -> Vec<f64> {
    let logw: Vec<f64> = mem.norms().iter().map(|n| 0.5 * beta * n * n).collect();
    let max = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logw.iter().map(|l| (l - max).exp()).collect();
    let sum: f64 = w.iter().sum();
    w.into_iter().map(|v| v / sum).collect()
}

/// `n` i.i.d. draws from `p_β`, as columns (d × n), and the component each came from.
pub fn exact_samples(mem: &Memory, beta: f64, n: usize, rng: &mut Rng) -> (Array2<f64>, Vec<usize>) {
    let mut cdf = mixture_weights(mem, beta);
    for i in 1..cdf.len() {
        cdf[i] += cdf[i - 1];
    }
    let scale = beta.powf(-0.5);
    let mut out = Array2::zeros((mem.d(), n));
    let mut comps = Vec::with_capacity(n);
    for mut col in out.columns_mut() {
        let u: f64 = rng.random::<f64>() * cdf[cdf.len() - 1];
        let k = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
        comps.push(k);
        for (v, &m) in col.iter_mut().zip(mem.pattern(k)) {
            *v = m + scale * rng.sample::<f64, _>(StandardNormal);
        }
    }
    (out, comps)
}
