//! Choice of the inverse temperature: the published entropy-inflection rule.

use crate::memory::{attention_weights, entropy, Memory};

/// Name of the rule, printed with every β* so users know which convention produced it.
pub const BETA_STAR_RULE: &str = "entropy inflection, published code's rule: argmin of d²H̄/d(log β)² \
on 50 log-spaced β in [0.1, 500], H̄ = mean attention entropy of the first min(K,20) memories";

/// The published β grid: this many log-spaced values from [`BETA_GRID_MIN`] to [`BETA_GRID_MAX`].
pub const BETA_GRID_POINTS: usize = 50;
/// Smallest β of the published grid.
pub const BETA_GRID_MIN: f64 = 0.1;
/// Largest β of the published grid.
pub const BETA_GRID_MAX: f64 = 500.0;

/// Name of the refined rule ([`refined_beta_star`]): the same criterion without the coarse grid.
pub const BETA_STAR_REFINED_RULE: &str = "the same criterion on continuous β: closed-form d²H̄/d(log β)², \
2000-point log grid on [0.1, 500], then golden-section search";

/// The entropy curve and the β* it implies.
#[derive(Debug, Clone)]
pub struct EntropyCurve {
    /// The β grid.
    pub betas: Vec<f64>,
    /// Mean attention entropy H̄(β) over the probes, in nats.
    pub mean_entropy: Vec<f64>,
    /// The rule's β*.
    pub beta_star: f64,
}

/// `n` log-spaced values from `lo` to `hi` inclusive, as `numpy.logspace(log10(lo), log10(hi), n)`.
pub fn logspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    (0..n).map(|i| 10f64.powf(a + (b - a) * i as f64 / (n - 1) as f64)).collect()
}

/// The published β* rule: grid of 50 log-spaced β in [0.1, 500]; probes are the first min(K, 20)
/// memories; H̄(β) their mean entropy; `dH = diff(H̄)/diff(log β)`, `d2H = diff(dH)/diff(log β)[..n-1]`;
/// `β* = β[argmin(d2H) + 1]`.
pub fn entropy_inflection(mem: &Memory) -> EntropyCurve {
    let betas = logspace(BETA_GRID_MIN, BETA_GRID_MAX, BETA_GRID_POINTS);
    let probes = mem.x().slice(ndarray::s![.., ..mem.k().min(20)]).to_owned();
    let mean_entropy: Vec<f64> = betas.iter().map(|&b| mean_entropy_of(mem, b, probes.view())).collect();
    let logb: Vec<f64> = betas.iter().map(|b| b.ln()).collect();
    let dh: Vec<f64> =
        (0..BETA_GRID_POINTS - 1).map(|i| (mean_entropy[i + 1] - mean_entropy[i]) / (logb[i + 1] - logb[i])).collect();
    let d2h: Vec<f64> = (0..BETA_GRID_POINTS - 2).map(|i| (dh[i + 1] - dh[i]) / (logb[i + 1] - logb[i])).collect();
    // First minimum, as numpy.argmin.
    let imin =
        d2h.iter().enumerate().fold((0, f64::INFINITY), |(bi, bv), (i, &v)| if v < bv { (i, v) } else { (bi, bv) }).0;
    EntropyCurve { beta_star: betas[imin + 1], betas, mean_entropy }
}

/// The published criterion without its 50-point grid, which makes β* a step function of the data
/// (every PF00076-sized family lands on one of a few grid values): the β in [0.1, 500] that
/// minimises d²H̄/d(log β)², the same probes. For one probe with scores s = Xᵀξ and attention
/// p = softmax(βs), dH/dβ = −β Var_p(s) and dVar_p(s)/dβ = κ₃, so
/// d²H/d(log β)² = −2β²κ₂ − β³κ₃ exactly. Minimised on a 2000-point log grid, then by
/// golden-section search between the grid neighbours of the best point.
pub fn refined_beta_star(mem: &Memory) -> f64 {
    let x = mem.x();
    let probes = x.slice(ndarray::s![.., ..mem.k().min(20)]);
    let scores = probes.t().dot(&x); // probes × K, one row of scores per probe
    let scores = scores.as_standard_layout();
    let mut p = vec![0.0; mem.k()];
    let mut curvature = |u: f64| -> f64 {
        let beta = u.exp();
        let total: f64 = scores
            .rows()
            .into_iter()
            .map(|s| {
                let s = s.as_slice().expect("standard layout");
                let max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut z = 0.0;
                for (pk, &sk) in p.iter_mut().zip(s) {
                    *pk = (beta * (sk - max)).exp();
                    z += *pk;
                }
                let mean = p.iter().zip(s).map(|(pk, sk)| pk * sk).sum::<f64>() / z;
                let (mut k2, mut k3) = (0.0, 0.0);
                for (pk, &sk) in p.iter().zip(s) {
                    let c = sk - mean;
                    k2 += pk * c * c;
                    k3 += pk * c * c * c;
                }
                let (k2, k3) = (k2 / z, k3 / z);
                -2.0 * beta * beta * k2 - beta * beta * beta * k3
            })
            .sum();
        total / scores.nrows() as f64
    };
    let (lo, hi) = (BETA_GRID_MIN.ln(), BETA_GRID_MAX.ln());
    let n = 2000;
    let grid: Vec<f64> = (0..n).map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64).collect();
    let values: Vec<f64> = grid.iter().map(|&u| curvature(u)).collect();
    let best = values.iter().enumerate().fold(0, |b, (i, v)| if *v < values[b] { i } else { b });
    let (mut a, mut b) = (grid[best.saturating_sub(1)], grid[(best + 1).min(n - 1)]);
    // Golden-section search; the bracket is 2 grid steps (0.008 in log β) wide.
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (curvature(c), curvature(d));
    while b - a > 1e-10 {
        if fc < fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = curvature(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = curvature(d);
        }
    }
    let u = (a + b) / 2.0;
    if curvature(u) <= values[best] {
        u.exp()
    } else {
        grid[best].exp()
    }
}

/// H̄(β): mean attention entropy (nats) of the probes the β* rule uses, the first min(K, 20)
/// memories; NaN unless β is finite and > 0.
pub fn mean_entropy(mem: &Memory, beta: f64) -> f64 {
    if !(beta > 0.0 && beta.is_finite()) {
        return f64::NAN;
    }
    mean_entropy_of(mem, beta, mem.x().slice(ndarray::s![.., ..mem.k().min(20)]))
}

fn mean_entropy_of(mem: &Memory, beta: f64, probes: ndarray::ArrayView2<f64>) -> f64 {
    let w = attention_weights(mem, beta, probes);
    let total: f64 = w.rows().into_iter().map(|r| entropy(r.as_slice().unwrap())).sum();
    total / w.nrows() as f64
}

/// The published operating points: retrieval β_ret = round(20 β*) and generation
/// β_gen = round(2 β*), rounded half to even as Python's `round`, and at least 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperatingPoints {
    /// β* of the entropy-inflection rule.
    pub beta_star: f64,
    /// Retrieval inverse temperature, round(20 β*).
    pub beta_ret: f64,
    /// Generation inverse temperature, round(2 β*).
    pub beta_gen: f64,
}

impl OperatingPoints {
    /// The operating points implied by `beta_star` (NaN ones for a NaN β*).
    pub fn from_beta_star(beta_star: f64) -> Self {
        // f64::max would turn a NaN β* into 1: NaN stays NaN.
        let at =
            |factor: f64| if beta_star.is_nan() { f64::NAN } else { (factor * beta_star).round_ties_even().max(1.0) };
        OperatingPoints { beta_star, beta_ret: at(20.0), beta_gen: at(2.0) }
    }
}

/// Per-step signal-to-noise ratio `sqrt(α β / (2d))`.
pub fn snr(alpha: f64, beta: f64, d: usize) -> f64 {
    (alpha * beta / (2.0 * d as f64)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_points_round_half_to_even_like_python() {
        // Python: round(20 * 3.825) = round(76.5) = 76, round(2 * 3.825) = round(7.65) = 8
        let p = OperatingPoints::from_beta_star(3.825);
        assert_eq!((p.beta_ret, p.beta_gen), (76.0, 8.0));
        // round(20 * 0.0125) = round(0.25) = 0 → at least 1; round(2.5) = 2, round(3.5) = 4
        assert_eq!(OperatingPoints::from_beta_star(0.0125).beta_ret, 1.0);
        assert_eq!(OperatingPoints::from_beta_star(1.25).beta_gen, 2.0);
        assert_eq!(OperatingPoints::from_beta_star(1.75).beta_gen, 4.0);
    }

    #[test]
    fn logspace_matches_numpy() {
        let b = logspace(0.1, 500.0, 50);
        // numpy.logspace(log10(0.1), log10(500), 50)[[0, 10, 25, 49]]
        for (i, want) in [(0, 0.1), (10, 0.5687112739074311), (25, 7.713111225104184), (49, 500.0)] {
            assert!((b[i] - want).abs() <= 1e-13 * want, "b[{i}] = {} vs {want}", b[i]);
        }
    }
}
