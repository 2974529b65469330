//! Evaluation of generated return scenarios against the historical returns (SPEC §3).
//!
//! Everything is computed on the scenarios as generated, except the two corrected KS columns,
//! which use the per-ticker affine correction ([`affine_correct`]). Returns are in the units
//! they are given in (daily log returns from [`crate::returns::log_returns`]).
//!
//! Degenerate inputs: a non-finite value or a zero-variance historical ticker is an error; a
//! zero-variance generated ticker is listed in `zero_variance_tickers` and makes the metrics that
//! need its variance (correlation error, kurtosis, ACF) `None` — never NaN.

use std::collections::BTreeSet;

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use satool_common::stats::ks::{ks_2samp_sorted, KsMethod, KsPvalueMethod, KsResult};
use satool_common::stats::{
    acf, correlation_matrix, excess_kurtosis, frobenius, is_constant, mean, quantile_sorted, sd,
};

use crate::error::FinanceError;
use crate::series::{self, Lag1, Layout, VR_DAYS};

/// KS significance level: a ticker passes when p > 0.05.
pub const KS_ALPHA: f64 = 0.05;
/// Lags of the ACF of g.
pub const ACF_G_LAGS: usize = 40;
/// Lags of the ACF of g².
pub const ACF_G2_LAGS: usize = 100;
/// z of the two-sided 99% white-noise band ±z/√N.
pub const BAND_Z: f64 = 2.576;

/// Per-ticker affine correction: `ĝ ← ĝ·s + (mean_hist − mean_gen·s)`, `s = sd_hist/sd_gen`
/// (n − 1; `s = 0` for a constant generated ticker, which becomes the historical mean).
/// `gen` is N × d, `hist` K × d (same d). Written as one multiply-add so that a set equal to
/// the history maps to itself bit for bit (s = 1, offset 0): an atom of exact-zero returns stays
/// at zero, where the former `sd_gen + 1e-12` moved every other value and failed the history's
/// own KS test on data with many zero returns.
pub fn affine_correct(gen: &Array2<f64>, hist: &Array2<f64>) -> Array2<f64> {
    affine_correct_view(gen.view(), hist.view())
}

/// [`affine_correct`] of views.
pub fn affine_correct_view(gen: ArrayView2<f64>, hist: ArrayView2<f64>) -> Array2<f64> {
    let mut out = gen.to_owned();
    for (mut col, h) in out.axis_iter_mut(Axis(1)).zip(hist.axis_iter(Axis(1))) {
        let (mg, sg) = (mean(col.view()), sd(col.view()));
        let (mh, sh) = (mean(h), sd(h));
        let scale = if sg > 0.0 { sh / sg } else { 0.0 };
        let offset = mh - mg * scale;
        col.mapv_inplace(|v| v * scale + offset);
    }
    out
}

/// ACF curves of the generated scenarios (lags start at 1).
#[derive(Debug, Clone)]
pub struct AcfCurves {
    /// Half-width of the 99% band, 2.576/√N (N = generated days).
    pub band: f64,
    /// d × min(40, N−1): ACF of g per ticker.
    pub g: Array2<f64>,
    /// d × min(100, N−1): ACF of g² per ticker.
    pub g2: Array2<f64>,
    /// Mean over tickers of `g`, per lag.
    pub mean_g: Vec<f64>,
    /// Mean over tickers of `g2`, per lag.
    pub mean_g2: Vec<f64>,
}

/// All finance metrics of one generated set.
#[derive(Debug, Clone)]
pub struct FinanceMetrics {
    /// Historical days K, generated days N, tickers d.
    pub n_hist: usize,
    pub n_gen: usize,
    pub tickers: usize,
    /// P-value methods used (normally one), in a fixed order.
    pub ks_methods: Vec<KsPvalueMethod>,
    /// Per-ticker KS p-values, raw and after the affine correction.
    pub ks_pvalues: Vec<f64>,
    pub ks_pvalues_corrected: Vec<f64>,
    /// Fraction (0–1) of tickers with p > 0.05, and mean p; raw and corrected.
    pub ks_pass: f64,
    pub ks_mean_p: f64,
    pub ks_pass_corrected: f64,
    pub ks_mean_p_corrected: f64,
    /// ‖C_gen − C_hist‖_F / ‖C_hist‖_F with Pearson correlation matrices.
    pub corr_error: Option<f64>,
    /// Mean over tickers of sd_gen / sd_hist (n − 1), before correction.
    pub sd_ratio: f64,
    /// Mean over tickers of the excess kurtosis (Fisher, biased: SciPy's default).
    pub kurtosis: Option<f64>,
    /// Equal-weight portfolio (mean over tickers of the returns): VaR_q = −quantile_q (NumPy
    /// linear interpolation) and ES_q = −mean of the returns ≤ that quantile, at q = 1% and 5%;
    /// positive numbers are losses, in return units.
    pub var_1: f64,
    pub var_5: f64,
    pub es_1: f64,
    pub es_5: f64,
    /// Mean over tickers and lags 1–10 of ACF(g²).
    pub acf_g2_mean_1_10: Option<f64>,
    /// Share (0–1) of (ticker, lag) values outside ±2.576/√N, for g (lags 1–40) and g² (1–100).
    pub acf_g_outside_band: Option<f64>,
    pub acf_g2_outside_band: Option<f64>,
    /// Lag-1 ACF of g (mean over tickers, share inside the band); `None` for i.i.d. layouts.
    pub lag1: Option<Lag1>,
    /// Mean over tickers of the 10-day variance ratio (within paths); `None` for i.i.d. layouts
    /// and paths shorter than 10 days.
    pub variance_ratio_10: Option<f64>,
    /// Mean over tickers and lags 11–50 of ACF(g²); `None` unless the paths are over 50 days.
    pub acf_g2_mean_11_50: Option<f64>,
    /// Per-ticker and mean curves. The ACF fields are `None` when a generated g or g² series is
    /// constant (its autocorrelation is undefined).
    pub acf_curves: Option<AcfCurves>,
    /// Generated tickers with zero variance (0-based column indices).
    pub zero_variance_tickers: Vec<usize>,
}

fn check_inputs(hist: ArrayView2<f64>, gen: ArrayView2<f64>) -> Result<(), FinanceError> {
    if hist.ncols() != gen.ncols() {
        return Err(FinanceError::Shape(format!(
            "historical returns have {} tickers, generated {}",
            hist.ncols(),
            gen.ncols()
        )));
    }
    if hist.ncols() == 0 || hist.nrows() < 2 || gen.nrows() < 2 {
        return Err(FinanceError::Shape(format!(
            "need at least 1 ticker and 2 days each (historical {} × {}, generated {} × {})",
            hist.nrows(),
            hist.ncols(),
            gen.nrows(),
            gen.ncols()
        )));
    }
    let non_finite = |what: &'static str, a: &ArrayView2<f64>| {
        a.indexed_iter()
            .find(|(_, v)| !v.is_finite())
            .map_or(Ok(()), |((day, ticker), v)| Err(FinanceError::NonFinite { what, day, ticker, value: *v }))
    };
    non_finite("historical", &hist)?;
    non_finite("generated", &gen)?;
    if let Some(j) = (0..hist.ncols()).find(|&j| is_constant(hist.column(j))) {
        return Err(FinanceError::ZeroVarianceHistory { ticker: j });
    }
    Ok(())
}

fn sorted(x: ArrayView1<f64>) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Evaluates `gen` (N × d) against `hist` (K × d), the rows of `gen` being one time series.
pub fn evaluate(hist: ArrayView2<f64>, gen: ArrayView2<f64>, ks: KsMethod) -> Result<FinanceMetrics, FinanceError> {
    evaluate_layout(hist, gen, ks, Layout::Series)
}

/// [`evaluate`] with the rows laid out as `layout` says: for paths the ACF columns pair days
/// within a path only; for i.i.d. days the lag-1 and variance-ratio checks are `None` (the
/// pooled ACF columns are still computed on the rows in order, as published).
pub fn evaluate_layout(
    hist: ArrayView2<f64>,
    gen: ArrayView2<f64>,
    ks: KsMethod,
    layout: Layout,
) -> Result<FinanceMetrics, FinanceError> {
    check_inputs(hist, gen)?;
    let d = hist.ncols();
    let n = gen.nrows();
    let corrected = affine_correct_view(gen, hist);

    // Per-ticker: KS raw and corrected, sd ratio, kurtosis, zero variance.
    struct PerTicker {
        raw: KsResult,
        cor: KsResult,
        sd_ratio: f64,
        kurt: Option<f64>,
        constant: bool,
    }
    let per: Vec<PerTicker> = (0..d)
        .into_par_iter()
        .map(|j| {
            let h = sorted(hist.column(j));
            PerTicker {
                raw: ks_2samp_sorted(&sorted(gen.column(j)), &h, ks),
                cor: ks_2samp_sorted(&sorted(corrected.column(j)), &h, ks),
                sd_ratio: sd(gen.column(j)) / sd(hist.column(j)),
                kurt: excess_kurtosis(gen.column(j)),
                constant: is_constant(gen.column(j)),
            }
        })
        .collect();
    let zero_variance_tickers: Vec<usize> = (0..d).filter(|&j| per[j].constant).collect();
    let degenerate = !zero_variance_tickers.is_empty();

    let ks_pvalues: Vec<f64> = per.iter().map(|p| p.raw.pvalue).collect();
    let ks_pvalues_corrected: Vec<f64> = per.iter().map(|p| p.cor.pvalue).collect();
    let pass = |ps: &[f64]| ps.iter().filter(|&&p| p > KS_ALPHA).count() as f64 / d as f64;
    let avg = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let ks_methods: Vec<KsPvalueMethod> =
        per.iter().flat_map(|p| [p.raw.method_used, p.cor.method_used]).collect::<BTreeSet<_>>().into_iter().collect();

    let corr_error = match (degenerate, correlation_matrix(hist), correlation_matrix(gen)) {
        (false, Some(ch), Some(cg)) => Some(frobenius((&cg - &ch).view()) / frobenius(ch.view())),
        _ => None,
    };
    let kurtosis =
        if degenerate { None } else { per.iter().map(|p| p.kurt).collect::<Option<Vec<f64>>>().map(|k| avg(&k)) };

    // Equal-weight portfolio tails.
    let port: Vec<f64> =
        sorted(gen.rows().into_iter().map(|r| r.sum() / d as f64).collect::<ndarray::Array1<f64>>().view());
    let tail = |q: f64| {
        let v = quantile_sorted(&port, q);
        let losses: Vec<f64> = port.iter().copied().take_while(|&r| r <= v).collect();
        (-v, -avg(&losses))
    };
    let (var_1, es_1) = tail(0.01);
    let (var_5, es_5) = tail(0.05);

    let acf_curves = match layout {
        _ if degenerate => None,
        Layout::Paths(h) => path_acf_curves(gen, h),
        Layout::Series | Layout::Iid => acf_curves(gen),
    };
    let path_len = if degenerate { None } else { layout.path_len(n).filter(|&h| h >= 2) };
    let lag1 = path_len.and_then(|h| series::lag1(gen, h));
    let variance_ratio_10 = path_len.and_then(|h| series::variance_ratio(gen, h, VR_DAYS));
    let acf_g2_mean_11_50 = path_len.and_then(|h| series::acf_g2_mean(gen, h, 11, 50));
    let (acf_g2_mean_1_10, acf_g_outside_band, acf_g2_outside_band) = match &acf_curves {
        Some(c) => {
            let l = c.mean_g2.len().min(10);
            let outside =
                |a: &Array2<f64>| a.iter().filter(|v| v.abs() > c.band).count() as f64 / a.len().max(1) as f64;
            (Some(avg(&c.mean_g2[..l])), Some(outside(&c.g)), Some(outside(&c.g2)))
        }
        None => (None, None, None),
    };

    Ok(FinanceMetrics {
        n_hist: hist.nrows(),
        n_gen: n,
        tickers: d,
        ks_methods,
        ks_pass: pass(&ks_pvalues),
        ks_mean_p: avg(&ks_pvalues),
        ks_pass_corrected: pass(&ks_pvalues_corrected),
        ks_mean_p_corrected: avg(&ks_pvalues_corrected),
        ks_pvalues,
        ks_pvalues_corrected,
        corr_error,
        sd_ratio: avg(&per.iter().map(|p| p.sd_ratio).collect::<Vec<_>>()),
        kurtosis,
        var_1,
        var_5,
        es_1,
        es_5,
        acf_g2_mean_1_10,
        acf_g_outside_band,
        acf_g2_outside_band,
        lag1,
        variance_ratio_10,
        acf_g2_mean_11_50,
        acf_curves,
        zero_variance_tickers,
    })
}

/// ACF of g (lags 1–40) and g² (lags 1–100) per ticker; `None` if any series is constant.
pub fn acf_curves(gen: ArrayView2<f64>) -> Option<AcfCurves> {
    let n = gen.nrows();
    let d = gen.ncols();
    let per: Vec<Option<(Vec<f64>, Vec<f64>)>> = (0..d)
        .into_par_iter()
        .map(|j| {
            let g = gen.column(j).to_vec();
            let g2: Vec<f64> = g.iter().map(|v| v * v).collect();
            Some((acf(&g, ACF_G_LAGS)?[1..].to_vec(), acf(&g2, ACF_G2_LAGS)?[1..].to_vec()))
        })
        .collect();
    let per: Vec<(Vec<f64>, Vec<f64>)> = per.into_iter().collect::<Option<_>>()?;
    let (l1, l2) = (per[0].0.len(), per[0].1.len());
    let g = Array2::from_shape_fn((d, l1), |(j, k)| per[j].0[k]);
    let g2 = Array2::from_shape_fn((d, l2), |(j, k)| per[j].1[k]);
    let mean_g = g.mean_axis(Axis(0)).map(|a| a.to_vec()).unwrap_or_default();
    let mean_g2 = g2.mean_axis(Axis(0)).map(|a| a.to_vec()).unwrap_or_default();
    Some(AcfCurves { band: BAND_Z / (n as f64).sqrt(), g, g2, mean_g, mean_g2 })
}

/// [`acf_curves`] for rows laid out as paths of `h` days: only within-path pairs (see
/// [`series::path_acf`]), lags up to h − 1; band ±2.576/√(lag-1 pairs).
fn path_acf_curves(gen: ArrayView2<f64>, h: usize) -> Option<AcfCurves> {
    if h < 2 {
        return None;
    }
    let d = gen.ncols();
    let sq = gen.mapv(|v| v * v);
    let per: Vec<(Vec<f64>, Vec<f64>)> = (0..d)
        .into_par_iter()
        .map(|j| {
            Some((series::path_acf(gen.column(j), h, ACF_G_LAGS)?, series::path_acf(sq.column(j), h, ACF_G2_LAGS)?))
        })
        .collect::<Option<_>>()?;
    let (l1, l2) = (per[0].0.len(), per[0].1.len());
    let g = Array2::from_shape_fn((d, l1), |(j, k)| per[j].0[k]);
    let g2 = Array2::from_shape_fn((d, l2), |(j, k)| per[j].1[k]);
    let mean_g = g.mean_axis(Axis(0)).map(|a| a.to_vec()).unwrap_or_default();
    let mean_g2 = g2.mean_axis(Axis(0)).map(|a| a.to_vec()).unwrap_or_default();
    let pairs = (gen.nrows() / h) * (h - 1);
    Some(AcfCurves { band: BAND_Z / (pairs as f64).sqrt(), g, g2, mean_g, mean_g2 })
}
