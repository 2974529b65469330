//! The exact sampler: `p_β` is the mixture Σ_k w_k N(m_k, β⁻¹ I) with `w_k ∝ exp(β‖m_k‖²/2)`
//! (the stationary law of the energy), so an i.i.d. draw picks k by w and adds `β^{-1/2}·N(0, I)`: O(d) per sample,
//! no burn-in, no discretisation bias — the ground truth for ULA and MALA.

use crate::error::{check, Result};
use crate::memory::Memory;
use crate::rng::{stream, Rng};
use ndarray::Array2;
use rand::Rng as _;
use rand_distr::StandardNormal;
use rayon::prelude::*;

/// Log mixture weights `β‖m_k‖²/2 + ln w_k` (`ln w_k = 0` unless the memory is weighted),
/// unnormalised: what a draw restricted to some of the patterns normalises over those.
pub fn mixture_log_weights(mem: &Memory, beta: f64) -> Vec<f64> {
    let bias = |k: usize| mem.log_weights().map_or(0.0, |b| b[k]);
    mem.norms().iter().enumerate().map(|(k, n)| 0.5 * beta * n * n + bias(k)).collect()
}

/// Mixture weights `∝ w_k exp(β‖m_k‖²/2)` (`w_k = 1` unless the memory is weighted), computed
/// in log space (exp(β‖m‖²/2) overflows for large β; where β‖m‖²/2 itself overflows f64, as
/// β(‖m‖²/2 + ln w/β), relative to the largest).
pub fn mixture_weights(mem: &Memory, beta: f64) -> Vec<f64> {
    let logw = mixture_log_weights(mem, beta);
    let max = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = if max == f64::INFINITY {
        let bias = |k: usize| mem.log_weights().map_or(0.0, |b| b[k]);
        let a: Vec<f64> = mem.norms().iter().enumerate().map(|(k, n)| 0.5 * n * n + bias(k) / beta).collect();
        let top = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        a.iter().map(|v| (beta * (v - top)).exp()).collect()
    } else {
        logw.iter().map(|l| (l - max).exp()).collect()
    };
    let sum: f64 = w.iter().sum();
    w.into_iter().map(|v| v / sum).collect()
}

/// Cumulative mixture weights and the noise scale β^{-1/2}.
fn mixture(mem: &Memory, beta: f64) -> (Vec<f64>, f64) {
    let mut cdf = mixture_weights(mem, beta);
    for i in 1..cdf.len() {
        cdf[i] += cdf[i - 1];
    }
    (cdf, beta.powf(-0.5))
}

/// Rows drawn between two polls of [`crate::check_interrupt`].
const POLL_ROWS: usize = 4096;

/// Fills the rows of `rows` (m × d, row-major slice) with draws; returns their components.
/// [`crate::Error::Interrupted`] when the host asks to stop (polled every `POLL_ROWS` rows).
fn fill(mem: &Memory, cdf: &[f64], scale: f64, rows: &mut [f64], rng: &mut Rng) -> Result<Vec<usize>> {
    let xt = mem.xt();
    let mut comps = Vec::with_capacity(rows.len() / mem.d().max(1));
    for block in rows.chunks_mut(POLL_ROWS * mem.d().max(1)) {
        crate::check_interrupt()?;
        comps.extend(block.chunks_exact_mut(mem.d()).map(|row| {
            let u: f64 = rng.random::<f64>() * cdf[cdf.len() - 1];
            let k = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
            for (v, &m) in row.iter_mut().zip(xt.row(k)) {
                *v = m + scale * rng.sample::<f64, _>(StandardNormal);
            }
            k
        }));
    }
    Ok(comps)
}

/// `n` i.i.d. draws from `p_β`, as columns (d × n), and the component each came from.
/// Requires a finite β > 0.
pub fn exact_samples(mem: &Memory, beta: f64, n: usize, rng: &mut Rng) -> Result<(Array2<f64>, Vec<usize>)> {
    check_beta(beta)?;
    check_size(mem, n)?;
    let (cdf, scale) = mixture(mem, beta);
    // Filled sample by sample (contiguous rows), returned as the d × n transpose.
    let mut out = Array2::zeros((n, mem.d()));
    let comps = fill(mem, &cdf, scale, out.as_slice_mut().expect("fresh array is contiguous"), rng)?;
    Ok((out.reversed_axes(), comps))
}

fn check_beta(beta: f64) -> Result<()> {
    check(beta > 0.0 && beta.is_finite(), "beta", beta, "a finite beta > 0")
}

/// An n × d array of f64 that an allocation can hold (ndarray panics past isize::MAX bytes).
fn check_size(mem: &Memory, n: usize) -> Result<()> {
    let fits = n.checked_mul(mem.d()).is_some_and(|v| v <= isize::MAX as usize / 8);
    check(fits, "n", n as f64, "n × d f64 values that an allocation can hold")
}

/// Samples per independent stream of [`exact_samples_parallel`]; fixed so the output does not
/// depend on the number of threads.
pub(crate) const EXACT_CHUNK: usize = 8192;

/// `n` i.i.d. draws (d × n) generated on all cores: chunk i of `EXACT_CHUNK` samples comes from
/// stream (`seed`, "`label`/i"), exactly as `exact_samples` would draw them from that stream.
/// Requires a finite β > 0.
pub fn exact_samples_parallel(mem: &Memory, beta: f64, n: usize, seed: u64, label: &str) -> Result<Array2<f64>> {
    check_beta(beta)?;
    check_size(mem, n)?;
    let (cdf, scale) = mixture(mem, beta);
    let mut out = Array2::zeros((n, mem.d()));
    out.as_slice_mut()
        .expect("fresh array is contiguous")
        .par_chunks_mut(EXACT_CHUNK * mem.d())
        .enumerate()
        .try_for_each(|(i, rows)| fill(mem, &cdf, scale, rows, &mut stream(seed, &format!("{label}/{i}"))).map(drop))?;
    Ok(out.reversed_axes())
}
