//! Portfolio risk of return scenarios: multi-horizon VaR and ES and the maximum-drawdown
//! distribution, from a set of H-day paths.
//!
//! Conventions (stated once, here; every table, backtest and file of the finance tool uses them):
//! - **Portfolio day**: the simple return `R = Σ_j w_j (e^{g_j} − 1)` of a portfolio rebalanced to
//!   the weights (summing to 1) every day, from the tickers' daily log returns `g_j`.
//! - **Horizon**: an H-day path's return compounds its days, `Π (1 + R_t) − 1`.
//! - **VaR/ES at level c** (e.g. 0.99): `VaR = −q_{1−c}` of the H-day returns (NumPy's linear
//!   quantile) and `ES = −mean` of the returns ≤ that quantile: positive numbers are losses, as
//!   fractions of the portfolio's value.
//! - **Maximum drawdown** of a path: the largest fall of the portfolio's value from its running
//!   peak (the start counts as a peak), `1 − V_t / max_{s≤t} V_s`, as a fraction of the peak.
//!
//! Paths come either from a generator of H-day paths ([`portfolio_paths`], n × H × d) or from a
//! single series cut into overlapping H-day windows ([`overlapping_windows`]).

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayView3};
use satool_common::stats::{quantile_sorted, skewness};
use thiserror::Error;

/// Confidence levels of the VaR/ES tables.
pub const LEVELS: [f64; 4] = [0.95, 0.975, 0.99, 0.995];
/// Horizons (trading days) of the VaR/ES tables.
pub const HORIZONS: [usize; 4] = [1, 5, 10, 20];
/// Quantiles reported of the maximum-drawdown distribution.
pub const DRAWDOWN_QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// Why portfolio risk cannot be computed.
#[derive(Debug, Error, PartialEq)]
pub enum RiskError {
    #[error("{weights} weights for {tickers} tickers")]
    WeightCount { weights: usize, tickers: usize },
    #[error("the weights sum to {0}; they must sum to a positive number")]
    WeightSum(f64),
    #[error("weight #{0} is not finite")]
    WeightNonFinite(usize),
    #[error("no {horizon}-day path (the series has {days} days)")]
    NoPaths { horizon: usize, days: usize },
    #[error("a day's portfolio value is not positive (weighted simple returns ≤ −100%)")]
    Ruin,
}

/// Weights normalised to sum to 1 (short positions allowed; the sum must be positive).
pub fn normalise_weights(w: &[f64]) -> Result<Vec<f64>, RiskError> {
    if let Some(i) = w.iter().position(|v| !v.is_finite()) {
        return Err(RiskError::WeightNonFinite(i));
    }
    let total: f64 = w.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Err(RiskError::WeightSum(total));
    }
    Ok(w.iter().map(|v| v / total).collect())
}

fn day_return(g: ArrayView1<f64>, w: &[f64]) -> Result<f64, RiskError> {
    let value: f64 = g.iter().zip(w).map(|(g, w)| w * g.exp()).sum();
    if value > 0.0 {
        Ok(value - 1.0)
    } else {
        Err(RiskError::Ruin)
    }
}

/// Daily portfolio simple returns of `g` (days × d log returns) under normalised weights `w`.
pub fn portfolio_returns(g: ArrayView2<f64>, w: &[f64]) -> Result<Vec<f64>, RiskError> {
    if w.len() != g.ncols() {
        return Err(RiskError::WeightCount { weights: w.len(), tickers: g.ncols() });
    }
    g.rows().into_iter().map(|r| day_return(r, w)).collect()
}

/// Portfolio simple returns of n paths × H days × d tickers (log returns), as n × H.
pub fn portfolio_paths(paths: ArrayView3<f64>, w: &[f64]) -> Result<Array2<f64>, RiskError> {
    let (n, h, d) = paths.dim();
    if w.len() != d {
        return Err(RiskError::WeightCount { weights: w.len(), tickers: d });
    }
    let mut out = Array2::zeros((n, h));
    for ((i, t), v) in out.indexed_iter_mut() {
        *v = day_return(paths.slice(ndarray::s![i, t, ..]), w)?;
    }
    Ok(out)
}

/// Every H-day window of a series (days − H + 1 overlapping paths × H).
pub fn overlapping_windows(series: &[f64], horizon: usize) -> Result<Array2<f64>, RiskError> {
    if horizon == 0 || series.len() < horizon {
        return Err(RiskError::NoPaths { horizon, days: series.len() });
    }
    let n = series.len() - horizon + 1;
    Ok(Array2::from_shape_fn((n, horizon), |(i, t)| series[i + t]))
}

/// VaR and ES at one level.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tail {
    pub level: f64,
    pub var: f64,
    pub es: f64,
}

/// VaR and ES of returns sorted ascending at `level`, as positive losses.
///
/// # Panics
/// If `sorted_returns` is empty.
pub fn var_es(sorted_returns: &[f64], level: f64) -> Tail {
    let q = quantile_sorted(sorted_returns, 1.0 - level);
    let tail: Vec<f64> = sorted_returns.iter().copied().take_while(|&r| r <= q).collect();
    let es = -tail.iter().sum::<f64>() / tail.len().max(1) as f64;
    Tail { level, var: -q, es }
}

/// Largest fall of the value of a portfolio whose daily simple returns are `path` from its
/// running peak (the start, 1, is a peak), as a fraction of the peak: 1 once a day loses 100%
/// or more (the value is gone).
pub fn max_drawdown(path: ArrayView1<f64>) -> f64 {
    let (mut level, mut peak, mut worst) = (0.0f64, 0.0f64, 0.0f64);
    for &r in path {
        if r <= -1.0 {
            return 1.0;
        }
        level += r.ln_1p();
        peak = peak.max(level);
        worst = worst.max(peak - level);
    }
    -(-worst).exp_m1()
}

/// The compounded return `Π (1 + r_t) − 1` of daily simple returns (one day: its own return,
/// to the bit).
pub fn compound(path: ArrayView1<f64>) -> f64 {
    match path.len() {
        1 => path[0],
        _ => path.iter().map(|r| r.ln_1p()).sum::<f64>().exp_m1(),
    }
}

/// The risk of one horizon: VaR/ES at every level and the drawdown distribution.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HorizonRisk {
    pub horizon: usize,
    /// Paths the numbers come from.
    pub paths: usize,
    pub tails: Vec<Tail>,
    /// Quantiles [`DRAWDOWN_QUANTILES`] of the maximum drawdown over the horizon.
    pub drawdown_quantiles: Vec<f64>,
    pub drawdown_mean: f64,
    /// Skewness of the H-day returns (SciPy's `skew`, biased); absent when they are all equal.
    pub skew: Option<f64>,
}

/// VaR/ES at `levels` and the drawdown distribution of portfolio paths (n × H simple returns).
pub fn horizon_risk(paths: ArrayView2<f64>, levels: &[f64]) -> Result<HorizonRisk, RiskError> {
    let (n, h) = paths.dim();
    if n == 0 || h == 0 {
        return Err(RiskError::NoPaths { horizon: h, days: n });
    }
    let mut totals: Vec<f64> = paths.rows().into_iter().map(compound).collect();
    totals.sort_by(f64::total_cmp);
    let mut dd: Vec<f64> = paths.rows().into_iter().map(max_drawdown).collect();
    dd.sort_by(f64::total_cmp);
    Ok(HorizonRisk {
        horizon: h,
        paths: n,
        tails: levels.iter().map(|&l| var_es(&totals, l)).collect(),
        drawdown_quantiles: DRAWDOWN_QUANTILES.iter().map(|&q| quantile_sorted(&dd, q)).collect(),
        drawdown_mean: dd.iter().sum::<f64>() / n as f64,
        skew: skewness(ArrayView1::from(&totals)),
    })
}

/// The horizons reported for `len` days (a series' length or a path's): those of [`HORIZONS`]
/// that fit, and `extra` (a requested path horizon) when it fits and is not among them.
pub fn report_horizons(len: usize, extra: Option<usize>) -> Vec<usize> {
    let mut h: Vec<usize> = HORIZONS.iter().copied().chain(extra).filter(|&h| h >= 1 && h <= len).collect();
    h.sort_unstable();
    h.dedup();
    h
}

/// [`horizon_risk`] at every horizon of `horizons` from overlapping windows of one daily
/// portfolio series (the horizons longer than the series are left out).
pub fn series_risk(series: &[f64], horizons: &[usize]) -> Result<Vec<HorizonRisk>, RiskError> {
    horizons
        .iter()
        .filter(|&&h| h <= series.len())
        .map(|&h| horizon_risk(overlapping_windows(series, h)?.view(), &LEVELS))
        .collect()
}

/// [`horizon_risk`] at `levels` and every horizon of `horizons` from n independent H-day
/// portfolio paths (n × H): horizon h takes each path's first h days, so every path counts once
/// per horizon (the horizons longer than H are left out).
pub fn paths_risk(paths: ArrayView2<f64>, horizons: &[usize], levels: &[f64]) -> Result<Vec<HorizonRisk>, RiskError> {
    horizons
        .iter()
        .filter(|&&h| h >= 1 && h <= paths.ncols())
        .map(|&h| horizon_risk(paths.slice(ndarray::s![.., ..h]), levels))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array3};

    #[test]
    fn aggregation_is_the_weighted_simple_return() {
        let g = array![[0.1f64.ln_1p(), (-0.2f64).ln_1p()], [0.0, 0.5f64.ln_1p()]];
        let w = normalise_weights(&[3.0, 1.0]).unwrap();
        let p = portfolio_returns(g.view(), &w).unwrap();
        assert!((p[0] - (0.75 * 0.1 + 0.25 * -0.2)).abs() < 1e-15);
        assert!((p[1] - 0.25 * 0.5).abs() < 1e-15);
        // The same days as one 1 × 2 × 2 path.
        let paths = Array3::from_shape_fn((1, 2, 2), |(_, t, j)| g[[t, j]]);
        assert_eq!(portfolio_paths(paths.view(), &w).unwrap().row(0).to_vec(), p);
        assert_eq!(normalise_weights(&[1.0, -1.0]), Err(RiskError::WeightSum(0.0)));
        assert_eq!(portfolio_returns(g.view(), &[1.0]), Err(RiskError::WeightCount { weights: 1, tickers: 2 }));
        assert_eq!(portfolio_returns(array![[-3.0, 0.0]].view(), &[2.0, -1.0]).unwrap_err(), RiskError::Ruin);
    }

    #[test]
    fn var_es_and_drawdown_by_hand() {
        let mut r: Vec<f64> = (1..=100).map(|i| -(i as f64) / 100.0).collect();
        r.sort_by(f64::total_cmp);
        let t = var_es(&r, 0.95);
        // sorted ascending −1.00 … −0.01; h = 99·0.05 = 4.95 → −0.96 + 0.95·0.01 = −0.9505.
        assert!((t.var - 0.9505).abs() < 1e-12, "{t:?}");
        // Returns ≤ −0.9505: −1.00 … −0.96 (5 values), mean −0.98.
        assert!((t.es - 0.98).abs() < 1e-12, "{t:?}");
        // Values 1.1, 0.77, 0.847, 0.6776, 1.0164: the fall from 1.1 to 0.6776 is 38.4%.
        assert!((max_drawdown(array![0.1, -0.3, 0.1, -0.2, 0.5].view()) - 0.384).abs() < 1e-14);
        assert!((max_drawdown(array![-0.1, 0.05].view()) - 0.1).abs() < 1e-15);
        assert_eq!(max_drawdown(array![0.1, 0.2].view()), 0.0);
        // A day losing 100% or more leaves nothing: a full drawdown (ln(1 + r) was NaN, read as 0).
        assert_eq!(max_drawdown(array![-2.0, 0.1].view()), 1.0);
        assert_eq!(max_drawdown(array![0.1, -1.0].view()), 1.0);
        assert!((compound(array![0.1, -0.3, 0.1, -0.2, 0.5].view()) - 0.0164).abs() < 1e-14);
    }

    #[test]
    fn windows_and_horizons() {
        let s: Vec<f64> = (0..30).map(|i| ((i * 7 % 11) as f64 - 5.0) / 100.0).collect();
        let w = overlapping_windows(&s, 5).unwrap();
        assert_eq!(w.dim(), (26, 5));
        assert_eq!(w.row(3).to_vec(), s[3..8].to_vec());
        assert!(overlapping_windows(&s, 31).is_err());
        let risk = series_risk(&s, &HORIZONS).unwrap();
        assert_eq!(risk.iter().map(|r| r.horizon).collect::<Vec<_>>(), HORIZONS);
        assert_eq!(risk[3].paths, 11);
        let one = &risk[0];
        let mut sorted = s.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(one.tails[2], var_es(&sorted, 0.99));
        // Losses grow with the level.
        assert!(one.tails.windows(2).all(|t| t[1].var >= t[0].var && t[1].es >= t[0].es));
        assert_eq!(series_risk(&s[..7], &HORIZONS).unwrap().len(), 2);
        assert_eq!(report_horizons(30, Some(3)), [1, 3, 5, 10, 20]);
        assert_eq!(report_horizons(7, Some(20)), [1, 5]);
        assert_eq!(report_horizons(30, Some(10)), HORIZONS);
    }

    #[test]
    fn paths_risk_takes_each_paths_first_days() {
        // 4 paths × 6 days: horizon 5 sums days 0..5 of each path, never a window across paths.
        let p = Array2::from_shape_fn((4, 6), |(i, t)| if t == 5 { -1.0 } else { (i as f64 - 1.5) / 100.0 });
        let r = paths_risk(p.view(), &report_horizons(6, Some(6)), &LEVELS).unwrap();
        assert_eq!(r.iter().map(|h| h.horizon).collect::<Vec<_>>(), [1, 5, 6]);
        assert!(r.iter().all(|h| h.paths == 4));
        let mut totals: Vec<f64> = (0..4).map(|i| (1.0 + (i as f64 - 1.5) / 100.0).powi(5) - 1.0).collect();
        totals.sort_by(f64::total_cmp);
        let want = var_es(&totals, 0.95);
        assert!((r[1].tails[0].var - want.var).abs() < 1e-15 && (r[1].tails[0].es - want.es).abs() < 1e-15);
        // The sixth day's loss appears at horizon 6 only.
        assert!(r[2].tails[0].var > 0.99 && r[1].tails[0].var < 0.1);
    }

    #[test]
    fn skew_of_the_horizon_returns_is_scipys() {
        // scipy.stats.skew([0.1, -0.3, 0.05, 0.2, -0.5, 0.0, 0.12]) = -0.919330404675738 (one-day
        // paths: the H-day return is the day's).
        let p = Array2::from_shape_vec((7, 1), vec![0.1, -0.3, 0.05, 0.2, -0.5, 0.0, 0.12]).unwrap();
        let r = horizon_risk(p.view(), &LEVELS).unwrap();
        assert!((r.skew.unwrap() + 0.919330404675738).abs() < 1e-12, "{:?}", r.skew);
        assert_eq!(horizon_risk(Array2::from_elem((5, 2), 0.01).view(), &LEVELS).unwrap().skew, None);
    }
}
