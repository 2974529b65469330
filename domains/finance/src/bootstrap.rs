//! Resampling baselines: i.i.d. day bootstrap and the stationary bootstrap of Politis & Romano
//! (1994, JASA 89(428)) with the automatic mean block length of Politis & White (2004,
//! Econometric Reviews 23(1)) as corrected by Patton, Politis & White (2009, Econometric
//! Reviews 28(4)).
//!
//! Whole days (rows of G) are resampled, so the cross-section of each day is kept intact.

use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;

use satool_common::stats::acovf;

/// `n` days drawn uniformly with replacement from the K rows of `g` (K × d).
///
/// # Panics
/// If `g` has no rows and `n` > 0.
pub fn iid_bootstrap<R: Rng + ?Sized>(g: ArrayView2<f64>, n: usize, rng: &mut R) -> Array2<f64> {
    let k = g.nrows();
    assert!(k > 0 || n == 0, "iid_bootstrap: no day to draw from (g has no rows)");
    let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..k)).collect();
    g.select(Axis(0), &rows)
}

/// Stationary bootstrap: the first day is uniform; each next day continues the current block
/// (the following day, wrapping from the last day to the first) with probability 1 − 1/b, or
/// starts a new block at a uniform day with probability 1/b; block lengths are thus geometric
/// with mean `b = mean_block` (values below 1 are treated as 1, i.e. the i.i.d. bootstrap).
/// Draws per output day: one uniform for the block decision (after the first day) and one index
/// when a block starts.
///
/// # Panics
/// If `g` has no rows and `n` > 0.
pub fn stationary_bootstrap<R: Rng + ?Sized>(
    g: ArrayView2<f64>,
    n: usize,
    mean_block: f64,
    rng: &mut R,
) -> Array2<f64> {
    g.select(Axis(0), &stationary_rows(g.nrows(), n, mean_block, rng))
}

/// The day indices (0..k) of [`stationary_bootstrap`]: the same draws in the same order.
pub fn stationary_rows<R: Rng + ?Sized>(k: usize, n: usize, mean_block: f64, rng: &mut R) -> Vec<usize> {
    assert!(k > 0 || n == 0, "stationary_bootstrap: no day to draw from (no rows)");
    let p_new = 1.0 / mean_block.max(1.0);
    let mut rows = Vec::with_capacity(n);
    let mut cur = 0usize;
    for t in 0..n {
        cur = if t == 0 || rng.random::<f64>() < p_new { rng.random_range(0..k) } else { (cur + 1) % k };
        rows.push(cur);
    }
    rows
}

/// Constants of the Politis–White rule for a series of length n.
struct PwConstants {
    /// K_N = max(5, ⌈√log10 n⌉): run of insignificant autocorrelations required.
    kn: usize,
    /// m_max = ⌈√n⌉ + K_N: largest lag examined.
    m_max: usize,
    /// B_max = ⌈min(3√n, n/3)⌉: upper bound of the block length.
    b_max: f64,
    /// c·√(log10 n / n) with c = 2: significance threshold for |ρ(k)|.
    threshold: f64,
}

fn pw_constants(n: usize) -> PwConstants {
    let nf = n as f64;
    let kn = 5usize.max(nf.log10().sqrt().ceil() as usize);
    PwConstants {
        kn,
        m_max: nf.sqrt().ceil() as usize + kn,
        b_max: (3.0 * nf.sqrt()).min(nf / 3.0).ceil(),
        threshold: 2.0 * (nf.log10() / nf).sqrt(),
    }
}

/// Politis–White automatic mean block length of the stationary bootstrap for one series.
///
/// ρ̂, R̂: sample autocorrelations/autocovariances (demeaned, denominator n). m̂ is the smallest
/// m ≥ 1 with |ρ̂(m+k)| below the threshold for k = 1..K_N (lags up to m_max); if there is no
/// such run, m̂ is the largest significant lag ≤ m_max (as Patton's reference code). M =
/// min(2m̂, m_max); with the flat-top kernel λ(t) = 1 for |t| ≤ ½, 2(1 − |t|) for ½ < |t| ≤ 1:
/// Ĝ = Σ_{|k|≤M} λ(k/M)|k|R̂(k), ĝ(0) = Σ_{|k|≤M} λ(k/M)R̂(k), D̂_SB = 2ĝ(0)² (the 2009
/// correction) and b = (2Ĝ²/D̂_SB)^{1/3} n^{1/3}, capped at B_max and floored at 1 (a mean block
/// below one day has no meaning).
///
/// `None` for a series too short for the rule (m_max ≥ n, i.e. n < 12), non-finite, or with
/// zero variance.
pub fn politis_white_block_length(x: &[f64]) -> Option<f64> {
    politis_white_from(x, |m| acovf(x, m))
}

/// The rule of [`politis_white_block_length`] with the autocovariances up to lag m given by
/// `acov(m)` (run-pooled ones for a conditioned subset, see [`crate::runs`]).
pub(crate) fn politis_white_from(x: &[f64], acov: impl Fn(usize) -> Vec<f64>) -> Option<f64> {
    let n = x.len();
    if n < 2 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let c = pw_constants(n);
    if c.m_max >= n {
        return None;
    }
    let r = acov(c.m_max);
    if r[0] <= 0.0 || x.iter().all(|&v| v == x[0]) {
        return None;
    }
    let significant = |k: usize| (r[k] / r[0]).abs() >= c.threshold;
    let m_hat = (1..=c.m_max - c.kn)
        .find(|&m| (1..=c.kn).all(|k| !significant(m + k)))
        .or_else(|| (1..=c.m_max).rev().find(|&k| significant(k)))
        .unwrap_or(1);
    let big_m = (2 * m_hat).min(c.m_max);
    let (mut g_hat, mut g0) = (0.0, r[0]);
    for (k, &rk) in r.iter().enumerate().take(big_m + 1).skip(1) {
        let t = k as f64 / big_m as f64;
        let lam = if t <= 0.5 { 1.0 } else { 2.0 * (1.0 - t) };
        g_hat += 2.0 * lam * k as f64 * rk;
        g0 += 2.0 * lam * rk;
    }
    if g0 == 0.0 {
        return None;
    }
    let d_sb = 2.0 * g0 * g0;
    let b = (2.0 * g_hat * g_hat / d_sb).cbrt() * (n as f64).cbrt();
    Some(b.min(c.b_max).max(1.0))
}

/// Mean block length for a K × d panel: the mean over tickers of the per-ticker
/// Politis–White values (tickers whose value is undefined are skipped). `None` if no ticker
/// has a defined value.
pub fn politis_white_panel(g: ArrayView2<f64>) -> Option<f64> {
    let vals: Vec<f64> = g.columns().into_iter().filter_map(|c| politis_white_block_length(&c.to_vec())).collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn ramp(k: usize) -> Array2<f64> {
        Array2::from_shape_fn((k, 2), |(t, j)| (t * 10 + j) as f64)
    }

    #[test]
    fn iid_bootstrap_draws_whole_days() {
        let g = ramp(50);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let b = iid_bootstrap(g.view(), 200, &mut rng);
        assert_eq!(b.dim(), (200, 2));
        for row in b.rows() {
            assert_eq!(row[1], row[0] + 1.0);
            assert!(row[0] % 10.0 == 0.0 && row[0] < 500.0);
        }
    }

    #[test]
    fn stationary_bootstrap_block_lengths_are_geometric_with_wraparound() {
        let k = 100;
        let g = ramp(k);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        let b = stationary_bootstrap(g.view(), n, 5.0, &mut rng);
        let day: Vec<usize> = b.column(0).iter().map(|v| (*v as usize) / 10).collect();
        // A block continues with the next day, wrapping K−1 → 0; count block starts.
        let mut starts = 1;
        let mut wraps = 0;
        for w in day.windows(2) {
            if w[1] == (w[0] + 1) % k {
                wraps += usize::from(w[0] == k - 1);
            } else {
                starts += 1;
            }
        }
        // A new block can land on the next day by chance (prob 1/K), so the observed mean block
        // length is 5 / (1 − 0.2·0.01·…) ≈ 5.05; its sd over 40k blocks is ≈ 0.02.
        let mean_len = n as f64 / starts as f64;
        let expected = 1.0 / (0.2 * (1.0 - 1.0 / k as f64));
        assert!((mean_len - expected).abs() < 0.08, "mean block {mean_len} vs {expected}");
        assert!(wraps > 0);
        // Uniform start days: every day is used.
        assert!((0..k).all(|d| day.contains(&d)));
    }

    #[test]
    fn stationary_bootstrap_below_one_is_iid() {
        let g = ramp(1000);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let b = stationary_bootstrap(g.view(), 5000, 0.3, &mut rng);
        let consecutive = b.column(0).windows(2).into_iter().filter(|w| w[1] == w[0] + 10.0).count();
        // i.i.d. draws: the next day follows by chance with probability 1/1000.
        assert!(consecutive < 20, "{consecutive}");
    }

    #[test]
    fn constants() {
        let c = pw_constants(1258);
        assert_eq!((c.kn, c.m_max, c.b_max), (5, 41, 107.0));
        assert!((c.threshold - 2.0 * (1258f64.log10() / 1258.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn undefined_block_lengths() {
        assert_eq!(politis_white_block_length(&[1.0; 100]), None);
        assert_eq!(politis_white_block_length(&[1.0, 2.0, 3.0]), None);
        assert_eq!(politis_white_block_length(&[f64::NAN; 50]), None);
    }
}
